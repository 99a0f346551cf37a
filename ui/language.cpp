#include "language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QPointer>
#include <QSettings>
#include <QTranslator>

namespace portcullis::language {

namespace {

QList<QPointer<QTranslator>>& installed()
{
    static QList<QPointer<QTranslator>> translators;
    return translators;
}

QString& overrideCode()
{
    static QString code;
    return code;
}

} // namespace

QStringList available()
{
    return { QStringLiteral("en"), QStringLiteral("de"), QStringLiteral("fr") };
}

QString codeOf(const QString& request)
{
    const QString language
        = request.trimmed().toLower().section(QLatin1Char('_'), 0, 0).section(QLatin1Char('-'), 0, 0);
    return available().contains(language) ? language : QString();
}

QString choose(const QString& commandLine, const QString& saved, const QLocale& system)
{
    for (const QString& request : { commandLine, saved }) {
        if (const QString code = codeOf(request); !code.isEmpty())
            return code;
    }
    const QStringList systemLanguages = system.uiLanguages();
    for (const QString& request : systemLanguages) {
        if (const QString code = codeOf(request); !code.isEmpty())
            return code;
    }
    return QStringLiteral("en");
}

QLocale localeFor(const QString& code, const QString& request, const QLocale& system)
{
    const QLocale language(code);
    if (!request.isEmpty() && (request.contains(QLatin1Char('_')) || request.contains(QLatin1Char('-')))) {
        const QLocale requested(request);
        if (requested.language() == language.language())
            return requested;
    }
    if (system.language() == language.language())
        return system;
    // English text on a system in a language Portcullis does not ship (nl_NL), or with --lang en on
    // a German system: the dates and numbers keep the system's region (en_NL, en_DE) where Qt has
    // English for it; elsewhere (es_ES: Qt 6.4 has no en_ES) the language's own (en_US).
    if (language.language() == QLocale::English && system.language() != QLocale::C
        && system.territory() != QLocale::AnyTerritory) {
        const QLocale regional(QLocale::English, system.territory());
        if (regional.territory() == system.territory())
            return regional;
    }
    return language;
}

bool apply(const QString& code, const QLocale& locale)
{
    QLocale::setDefault(locale);
    for (const QPointer<QTranslator>& old : std::as_const(installed())) {
        if (old) {
            QCoreApplication::removeTranslator(old);
            delete old;
        }
    }
    installed().clear();

    // Qt's own strings (standard buttons, file dialogs, context menus of line edits).
    auto* qt = new QTranslator(QCoreApplication::instance());
    if (qt->load(QLocale(code), QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt);
        installed() << qt;
    } else {
        delete qt;
    }
    // Portcullis' catalog, baked into the executable (English holds only the plural forms).
    auto* own = new QTranslator(QCoreApplication::instance());
    if (!own->load(QStringLiteral("portcullis_") + code, QStringLiteral(":/i18n"))) {
        delete own;
        return false;
    }
    QCoreApplication::installTranslator(own);
    installed() << own;
    return true;
}

QString saved()
{
    return QSettings().value(QLatin1String(SettingKey)).toString();
}

void save(const QString& code)
{
    QSettings().setValue(QLatin1String(SettingKey), code);
}

QString commandLineOverride()
{
    return overrideCode();
}

void setCommandLineOverride(const QString& code)
{
    overrideCode() = code;
}

} // namespace portcullis::language
