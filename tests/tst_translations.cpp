// Translations: the German and French catalogs are complete for the sources as they are now (lupdate
// run into copies of the .ts files finds nothing unfinished, vanished or with wrong placeholders),
// the catalogs baked into the console load and translate (plural forms included), Qt's own strings
// follow, and the chosen language also sets how dates, times and numbers are written.

#include "displayformat.h"
#include "language.h"
#include "preferencesdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace portcullis;

namespace {

const QString kTranslationsDir = QStringLiteral(PORTCULLIS_TRANSLATIONS_DIR);
const QString kSourcesList = QStringLiteral(PORTCULLIS_TR_SOURCES_LIST);
const QString kLupdate = QStringLiteral(PORTCULLIS_LUPDATE);

struct Message
{
    QString context;
    QString source;
    QString type; // translation type: "", "unfinished", "vanished", "obsolete"
    bool numerus = false;
    QStringList translations;
};

QList<Message> readTs(const QString& path, QString* language = nullptr)
{
    QList<Message> messages;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return messages;
    QXmlStreamReader xml(&file);
    QString context;
    Message current;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("TS") && language) {
            *language = xml.attributes().value(QLatin1String("language")).toString();
        } else if (name == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (name == QLatin1String("message")) {
            current = Message {
                context, {}, {}, xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes"), {}
            };
        } else if (name == QLatin1String("source")) {
            current.source = xml.readElementText();
        } else if (name == QLatin1String("translation")) {
            current.type = xml.attributes().value(QLatin1String("type")).toString();
            if (!current.numerus) {
                current.translations << xml.readElementText();
                messages << current;
            } else {
                while (xml.readNextStartElement())
                    current.translations << xml.readElementText();
                messages << current;
            }
        }
    }
    return messages;
}

// %1…%9 and %n (with or without L), as a set: a translation may use them in any order, and a
// singular form may name %n once where the source names it twice.
QStringList placeholders(const QString& text)
{
    static const QRegularExpression re(QStringLiteral("%L?([1-9]|n)"));
    QStringList found;
    for (auto it = re.globalMatch(text); it.hasNext();) {
        const QString p = it.next().captured(1);
        if (!found.contains(p))
            found << p;
    }
    found.sort();
    return found;
}

// A keyboard mnemonic: '&' before a character, but not "&&" or an HTML entity such as "&amp;".
bool hasMnemonic(const QString& text)
{
    static const QRegularExpression re(QStringLiteral("&(?![&#]|[a-zA-Z]+;)\\S"));
    return re.match(text).hasMatch();
}

// What is wrong with one .ts file after lupdate ran into it.
QStringList problemsOf(const QString& path, int expectedForms)
{
    QStringList problems;
    QString language;
    const QList<Message> messages = readTs(path, &language);
    if (messages.isEmpty())
        problems << QStringLiteral("%1: no messages").arg(path);
    const QString file = QFileInfo(path).fileName();
    for (const Message& m : messages) {
        const QString where = QStringLiteral("%1 [%2] \"%3\"").arg(file, m.context, m.source.left(70));
        if (m.type == QLatin1String("unfinished")) {
            problems << where + QStringLiteral(": untranslated");
            continue;
        }
        if (m.type == QLatin1String("vanished") || m.type == QLatin1String("obsolete")) {
            problems << where + QStringLiteral(": no longer in the sources (%1)").arg(m.type);
            continue;
        }
        if (m.numerus && m.translations.size() != expectedForms)
            problems << where
                    + QStringLiteral(": %1 plural forms, %2 expected").arg(m.translations.size()).arg(expectedForms);
        for (const QString& t : m.translations) {
            if (t.trimmed().isEmpty())
                problems << where + QStringLiteral(": empty translation");
            else if (placeholders(t) != placeholders(m.source))
                problems << where
                        + QStringLiteral(": placeholders %1 in \"%2\", %3 in the source")
                              .arg(placeholders(t).join(QLatin1Char(',')), t.left(70),
                                   placeholders(m.source).join(QLatin1Char(',')));
            else if (hasMnemonic(m.source) && !hasMnemonic(t))
                problems << where + QStringLiteral(": the mnemonic (&) is missing in \"%1\"").arg(t);
        }
    }
    return problems;
}

// Copies the catalogs into `dir` and runs lupdate over the console's sources (plus `extraSources`)
// into the copies, as a developer's update would. Returns lupdate's error output on failure.
QString updateCopies(const QString& dir, const QStringList& extraSources = {})
{
    QFile list(kSourcesList);
    if (!list.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read %1").arg(kSourcesList);
    QByteArray sources = list.readAll();
    for (const QString& extra : extraSources)
        sources += extra.toUtf8() + '\n';
    QFile copyList(dir + QStringLiteral("/sources.lst"));
    if (!copyList.open(QIODevice::WriteOnly) || copyList.write(sources) != sources.size())
        return QStringLiteral("cannot write the source list");
    copyList.close();
    for (const QString& lang : { QStringLiteral("de"), QStringLiteral("fr"), QStringLiteral("en") }) {
        const QString name = QStringLiteral("portcullis_%1.ts").arg(lang);
        QFile::remove(dir + QLatin1Char('/') + name);
        if (!QFile::copy(kTranslationsDir + QLatin1Char('/') + name, dir + QLatin1Char('/') + name))
            return QStringLiteral("cannot copy %1").arg(name);
        QFile::setPermissions(dir + QLatin1Char('/') + name, QFile::ReadOwner | QFile::WriteOwner);
        QStringList args { QLatin1Char('@') + copyList.fileName(), QStringLiteral("-ts"), dir + QLatin1Char('/') + name,
                           QStringLiteral("-locations"), QStringLiteral("none") };
        if (lang == QLatin1String("en"))
            args << QStringLiteral("-pluralonly");
        QProcess lupdate;
        lupdate.start(kLupdate, args);
        if (!lupdate.waitForFinished(120000) || lupdate.exitStatus() != QProcess::NormalExit || lupdate.exitCode() != 0)
            return QStringLiteral("lupdate failed for %1: %2%3")
                .arg(name, QString::fromUtf8(lupdate.readAllStandardError()), lupdate.errorString());
    }
    return {};
}

QStringList allProblems(const QString& dir)
{
    QStringList problems;
    for (const QString& lang : { QStringLiteral("de"), QStringLiteral("fr"), QStringLiteral("en") })
        problems << problemsOf(dir + QStringLiteral("/portcullis_%1.ts").arg(lang), 2);
    return problems;
}

// Always the same instant: 23 Nov 2026, 17:05:09 UTC.
QDateTime sampleTime()
{
    return QDateTime(QDate(2026, 11, 23), QTime(17, 5, 9), Qt::UTC);
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().remove(QLatin1String(language::SettingKey));
    }
    void cleanupTestCase() { language::apply(QStringLiteral("en"), QLocale(QLocale::English, QLocale::UnitedStates)); }

    void catalogsAreCompleteForTheSources()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString error = updateCopies(dir.path());
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QStringList problems = allProblems(dir.path());
        for (const QString& problem : problems)
            qWarning().noquote() << problem;
        QVERIFY2(problems.isEmpty(),
                 qPrintable(QStringLiteral("%1 problem(s) in the catalogs, listed above; refresh them with the "
                                           "update_translations target and translate what it marks unfinished")
                                .arg(problems.size())));
        // And the catalogs really are full: every message of the sources, in both languages.
        QString language;
        const auto de = readTs(dir.path() + QStringLiteral("/portcullis_de.ts"), &language);
        QCOMPARE(language, QStringLiteral("de_DE"));
        QVERIFY2(de.size() > 1000, qPrintable(QString::number(de.size())));
        QCOMPARE(readTs(dir.path() + QStringLiteral("/portcullis_fr.ts"), &language).size(), de.size());
        QCOMPARE(language, QStringLiteral("fr_FR"));
    }

    void aNewUntranslatedStringIsCaught()
    {
        // What happens when someone adds a tr() string and forgets the catalogs.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString extra = dir.filePath(QStringLiteral("newstring.cpp"));
        QFile file(extra);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("#include <QCoreApplication>\n"
                   "QString f() { return QCoreApplication::translate(\"portcullis::UsersPane\", "
                   "\"A brand new sentence\"); }\n"
                   "QString g(int n) { return QCoreApplication::translate(\"portcullis::UsersPane\", "
                   "\"%n new thing(s)\", nullptr, n); }\n");
        file.close();
        const QString error = updateCopies(dir.path(), { extra });
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QStringList problems = allProblems(dir.path());
        const auto count = [&](const QString& needle) {
            return int(std::count_if(problems.cbegin(), problems.cend(), [&](const QString& p) {
                return p.contains(needle) && p.endsWith(QLatin1String("untranslated"));
            }));
        };
        QCOMPARE(count(QStringLiteral("\"A brand new sentence\"")), 2); // de and fr
        QCOMPARE(count(QStringLiteral("\"%n new thing(s)\"")), 3); // de, fr and the English plural forms
    }

    void brokenTranslationsAreCaught()
    {
        // The checker itself: a vanished message, a lost placeholder, a lost mnemonic, a missing plural form.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("broken_de.ts"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"(<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>x</name>
    <message><source>Gone</source><translation type="vanished">Weg</translation></message>
    <message><source>Saved %1</source><translation>Gespeichert</translation></message>
    <message><source>&amp;Save</source><translation>Speichern</translation></message>
    <message numerus="yes"><source>%n user(s)</source><translation><numerusform>%n Benutzer</numerusform></translation></message>
    <message><source>Fine %1</source><translation>Gut %1</translation></message>
</context>
</TS>
)");
        file.close();
        const QStringList problems = problemsOf(path, 2);
        QCOMPARE(problems.size(), 4);
        QVERIFY(problems.at(0).contains(QLatin1String("no longer in the sources")));
        QVERIFY(problems.at(1).contains(QLatin1String("placeholders")));
        QVERIFY(problems.at(2).contains(QLatin1String("mnemonic")));
        QVERIFY(problems.at(3).contains(QLatin1String("plural forms")));
    }

    void languageChoice_data()
    {
        QTest::addColumn<QString>("commandLine");
        QTest::addColumn<QString>("saved");
        QTest::addColumn<QString>("system");
        QTest::addColumn<QString>("expected");
        QTest::newRow("system German") << ""
                                       << ""
                                       << "de_AT"
                                       << "de";
        QTest::newRow("system French") << ""
                                       << ""
                                       << "fr_CA"
                                       << "fr";
        QTest::newRow("system Spanish falls back to English") << ""
                                                              << ""
                                                              << "es_ES"
                                                              << "en";
        QTest::newRow("setting beats system") << ""
                                              << "fr"
                                              << "de_DE"
                                              << "fr";
        QTest::newRow("--lang beats setting") << "de"
                                              << "fr"
                                              << "en_US"
                                              << "de";
        QTest::newRow("--lang with a region") << "fr_BE"
                                              << ""
                                              << "en_US"
                                              << "fr";
        QTest::newRow("unknown --lang ignored") << "xx"
                                                << "de"
                                                << "en_US"
                                                << "de";
        QTest::newRow("--lang en on a German system") << "en"
                                                      << ""
                                                      << "de_DE"
                                                      << "en";
    }
    void languageChoice()
    {
        QFETCH(QString, commandLine);
        QFETCH(QString, saved);
        QFETCH(QString, system);
        QFETCH(QString, expected);
        QCOMPARE(language::choose(commandLine, saved, QLocale(system)), expected);
    }

    void localeFollowsTheLanguage()
    {
        // The system's own locale when it speaks the language (keeps its regional formats)…
        QCOMPARE(language::localeFor(QStringLiteral("de"), QString(), QLocale(QStringLiteral("de_AT"))).name(),
                 QStringLiteral("de_AT"));
        // …a region named on the command line…
        QCOMPARE(
            language::localeFor(QStringLiteral("fr"), QStringLiteral("fr_CH"), QLocale(QStringLiteral("en_US"))).name(),
            QStringLiteral("fr_CH"));
        // …else the language's main locale.
        QCOMPARE(
            language::localeFor(QStringLiteral("de"), QStringLiteral("de"), QLocale(QStringLiteral("en_US"))).name(),
            QStringLiteral("de_DE"));
        // English text keeps the system's region for dates and numbers where Qt has English for it
        // (not US formats on a German system with --lang en).
        const QLocale germany
            = language::localeFor(QStringLiteral("en"), QStringLiteral("en"), QLocale(QStringLiteral("de_DE")));
        QCOMPARE(germany.name(), QStringLiteral("en_DE"));
        QCOMPARE(germany.toString(QDate(2026, 11, 23), QLocale::ShortFormat), QStringLiteral("23/11/2026"));
        QCOMPARE(language::localeFor(QStringLiteral("en"), QString(), QLocale(QStringLiteral("nl_NL"))).name(),
                 QStringLiteral("en_NL"));
        QCOMPARE(language::localeFor(QStringLiteral("en"), QString(), QLocale::c()).name(), QStringLiteral("en_US"));
    }

    void germanCatalogTranslates()
    {
        QVERIFY(language::apply(QStringLiteral("de"), QLocale(QStringLiteral("de_DE"))));
        QCOMPARE(QCoreApplication::translate("portcullis::MainWindow", "&File"), QStringLiteral("&Datei"));
        QCOMPARE(QCoreApplication::translate("portcullis::UsersPane", "%n user(s)", nullptr, 1),
                 QStringLiteral("1 Benutzer"));
        // Counts are written the German way too (%Ln in the translation).
        QCOMPARE(QCoreApplication::translate("portcullis::UsersPane", "%n user(s)", nullptr, 12345),
                 QStringLiteral("12.345 Benutzer"));
        QCOMPARE(QCoreApplication::translate("portcullis::RolesPane", "%n role(s)", nullptr, 2),
                 QStringLiteral("2 Rollen"));
        // The core's messages the console shows.
        QCOMPARE(QCoreApplication::translate("Portcullis::Auth", "Wrong email or password"),
                 QStringLiteral("Falsche E-Mail-Adresse oder falsches Passwort"));
        QCOMPARE(display::userStatus(QStringLiteral("banned")), QStringLiteral("Gesperrt"));
        QCOMPARE(display::number(1234567), QStringLiteral("1.234.567"));
        QCOMPARE(display::dateTime(sampleTime()), QStringLiteral("23.11.2026 17:05 UTC"));
        QCOMPARE(display::date(sampleTime()), QStringLiteral("23.11.2026"));
        QCOMPARE(display::timeOfDay(sampleTime()), QStringLiteral("17:05 UTC"));

        // A real dialog: its own strings and Qt's standard buttons.
        PreferencesDialog dialog;
        QCOMPARE(dialog.windowTitle(), QStringLiteral("Einstellungen"));
        auto* buttons = dialog.findChild<QDialogButtonBox*>();
        QVERIFY(buttons);
        QPushButton* cancel = buttons->button(QDialogButtonBox::Cancel);
        QVERIFY(cancel);
        QCOMPARE(cancel->text().remove(QLatin1Char('&')), QStringLiteral("Abbrechen"));
    }

    void frenchCatalogTranslates()
    {
        QVERIFY(language::apply(QStringLiteral("fr"), QLocale(QStringLiteral("fr_FR"))));
        QCOMPARE(QCoreApplication::translate("portcullis::MainWindow", "&File"), QStringLiteral("&Fichier"));
        // French counts 0 and 1 as singular.
        QCOMPARE(QCoreApplication::translate("portcullis::UsersPane", "%n user(s)", nullptr, 0),
                 QStringLiteral("0 utilisateur"));
        QCOMPARE(QCoreApplication::translate("portcullis::UsersPane", "%n user(s)", nullptr, 2),
                 QStringLiteral("2 utilisateurs"));
        QCOMPARE(display::dateTime(sampleTime()), QStringLiteral("23/11/2026 17:05 UTC"));
        QDialogButtonBox buttons(QDialogButtonBox::Cancel);
        QCOMPARE(buttons.button(QDialogButtonBox::Cancel)->text().remove(QLatin1Char('&')), QStringLiteral("Annuler"));
    }

    void englishGetsItsPluralForms()
    {
        QVERIFY(language::apply(QStringLiteral("en"), QLocale(QStringLiteral("en_US"))));
        QCOMPARE(QCoreApplication::translate("portcullis::UsersPane", "%n user(s)", nullptr, 1),
                 QStringLiteral("1 user"));
        QCOMPARE(QCoreApplication::translate("portcullis::UsersPane", "%n user(s)", nullptr, 2500),
                 QStringLiteral("2,500 users"));
        QCOMPARE(QCoreApplication::translate("portcullis::MainWindow", "&File"), QStringLiteral("&File"));
        QCOMPARE(display::dateTime(sampleTime()), QStringLiteral("11/23/2026 5:05 PM UTC"));
    }

    void preferencesSaveTheLanguage()
    {
        QVERIFY(language::apply(QStringLiteral("en"), QLocale(QStringLiteral("en_US"))));
        language::setCommandLineOverride(QString());
        PreferencesDialog dialog;
        auto* combo = dialog.findChild<QComboBox*>(QStringLiteral("languageCombo"));
        QVERIFY(combo);
        QCOMPARE(combo->count(), 4);
        QCOMPARE(combo->currentData().toString(), QString()); // nothing saved yet: the system's
        auto* note = dialog.findChild<QLabel*>(QStringLiteral("languageNote"));
        QVERIFY(note && note->text().contains(QLatin1String("next time")));
        QVERIFY(!note->text().contains(QLatin1String("--lang")));
        combo->setCurrentIndex(combo->findData(QStringLiteral("fr")));
        QSignalSpy saved(&dialog, &PreferencesDialog::languageSaved);
        auto* buttons = dialog.findChild<QDialogButtonBox*>();
        QVERIFY(buttons);
        QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
        QCOMPARE(saved.count(), 1);
        QCOMPARE(QSettings().value(QLatin1String(language::SettingKey)).toString(), QStringLiteral("fr"));
        // At the next start the setting chooses the language, unless --lang says otherwise.
        QCOMPARE(language::choose(QString(), language::saved(), QLocale(QStringLiteral("de_DE"))),
                 QStringLiteral("fr"));
        QCOMPARE(language::choose(QStringLiteral("de"), language::saved(), QLocale(QStringLiteral("en_US"))),
                 QStringLiteral("de"));

        // A dialog opened during a --lang run says why its choice does not show yet.
        language::setCommandLineOverride(QStringLiteral("de"));
        PreferencesDialog again;
        QCOMPARE(again.findChild<QComboBox*>(QStringLiteral("languageCombo"))->currentData().toString(),
                 QStringLiteral("fr"));
        QVERIFY(again.findChild<QLabel*>(QStringLiteral("languageNote"))->text().contains(QLatin1String("--lang")));
        language::setCommandLineOverride(QString());
        QSettings().remove(QLatin1String(language::SettingKey));
    }
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"
