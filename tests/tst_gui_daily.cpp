// The console as a daily tool (issue 16): fresh data after one's own actions, dates in the chosen
// format and zone, the console's own session, readable clients, the shortcuts table, the built-in
// user guide, and an organization's seats as the guide describes them. Real widgets on a real
// database (SQLite, or PostgreSQL in the _pg run), offscreen.

#include "backendidle.h"
#include "displayformat.h"
#include "guiutil.h"
#include "helpdialogs.h"
#include "messagebox.h"
#include "organizationlistmodel.h"
#include "organizationspane.h"
#include "preferencesdialog.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "useragent.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTreeWidget>

#include <ctime>

using namespace portcullis;
using namespace portcullis::test;

namespace {

int rowOfSession(SessionListModel* model, Id sessionId)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->sessionAt(row).id == sessionId)
            return row;
    }
    return -1;
}

bool hasSessionOf(SessionListModel* model, Id userId)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->sessionAt(row).userId == userId)
            return true;
    }
    return false;
}

int rowOfOrganization(OrganizationListModel* model, Id id)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->index(row, 0).data(OrganizationListModel::OrganizationIdRole).toLongLong() == id)
            return row;
    }
    return -1;
}

QLabel* sessionDetail(SessionsPane* pane, const char* key)
{
    return pane->findChild<QLabel*>(QStringLiteral("sessionDetail_") + QLatin1String(key));
}

// With PORTCULLIS_GUI_SHOTS=DIR, saves what `widget` shows as DIR/name.png (to look at by eye).
void saveShot(QWidget* widget, const QString& name)
{
    const QString dir = qEnvironmentVariable("PORTCULLIS_GUI_SHOTS");
    if (!dir.isEmpty())
        widget->grab().save(dir + QLatin1Char('/') + name + QStringLiteral(".png"));
}

// Picks `data` in the combo called `name` of the Preferences dialog.
void choose(QWidget* dialog, const char* name, const QVariant& data)
{
    auto* combo = dialog->findChild<QComboBox*>(QString::fromLatin1(name));
    QVERIFY2(combo, name);
    const int index = combo->findData(data);
    QVERIFY2(index >= 0, name);
    combo->setCurrentIndex(index);
}

// Opens Edit > Preferences, sets the date style and the zone, and presses OK.
void setPreferences(MainWindow* window, display::DateStyle style, bool utc)
{
    findAction(window, "preferencesAction")->trigger();
    PreferencesDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<PreferencesDialog>()));
    choose(dialog, "dateStyleCombo", int(style));
    choose(dialog, "timeZoneCombo", utc);
    saveShot(dialog, utc ? QStringLiteral("preferences-utc") : QStringLiteral("preferences"));
    auto* buttons = dialog->findChild<QDialogButtonBox*>();
    QTest::mouseClick(buttons->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QTRY_VERIFY(!dialog->isVisible());
}

const QRegularExpression isoTime(QStringLiteral("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} "));

} // namespace

class TestGuiDaily : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void actionInOnePaneShowsInTheOthersWithoutRefresh();
    void visiblePaneFollowsAWriteAtOnce();
    void defaultDatesHaveFourDigitYears();
    void preferenceSwitchesDatesAtOnceAndIsSaved();
    void formatThenParseRoundTrips_data();
    void formatThenParseRoundTrips();
    void twoDigitYearIsThisCentury();
    void currentSessionIsMarked();
    void revokingOwnSessionWarnsItSignsYouOut();
    void userAgentIsReadable_data();
    void userAgentIsReadable();
    void sessionsShowClientAndKeepRawAgent();
    void shortcutsAreAlignedInColumns();
    void helpOpensTheUserGuide();
    void organizationSeatsCountPendingInvitations();
};

void TestGuiDaily::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    // A zone that is not UTC, so that "local" and "UTC" differ.
    qputenv("TZ", "America/New_York");
    tzset();
}

void TestGuiDaily::init()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QSettings().remove(QStringLiteral("display"));
    display::setDateStyle(display::DateStyle::Locale);
    display::setShowsUtc(false);
}

void TestGuiDaily::cleanup()
{
    MessageBox::setNextAnswer(QMessageBox::NoButton);
    for (QWidget* w : QApplication::topLevelWidgets()) {
        if (qobject_cast<QDialog*>(w) && w->isVisible())
            w->close();
    }
}

// Suspend a user in Users, open Sessions and the dashboard (loaded earlier): their session is gone
// and the suspended count is 1, without F5.
void TestGuiDaily::actionInOnePaneShowsInTheOthersWithoutRefresh()
{
    Console c = Console::create();
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().auth().login(member.email, kStrongPassword));
    QVERIFY(c.open(c.world.superAdmin));

    // The dashboard first (it opens on it): nobody suspended.
    Pane* dashboard = c.showPane<Pane>(QStringLiteral("dashboard"));
    QVERIFY(dashboard);
    auto suspendedTile = [dashboard] {
        QWidget* tile = dashboard->findChild<QWidget*>(QStringLiteral("statTile_usersSuspended"));
        auto* value = tile ? tile->findChild<QLabel*>(QStringLiteral("statTileValue")) : nullptr;
        return value ? value->text() : QString();
    };
    QTRY_COMPARE(suspendedTile(), QStringLiteral("0"));

    auto* sessions = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(sessions);
    QTRY_VERIFY(sessions->model()->atEnd() && !sessions->model()->isLoading());
    QVERIFY(hasSessionOf(sessions->model(), member.id));

    auto* users = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(users);
    QVERIFY(!sessions->isVisible());
    QTRY_VERIFY(users->model()->rowOf(member.id) >= 0);
    auto* table = users->findChild<QTableView*>(QStringLiteral("userTableView"));
    table->selectRow(users->model()->rowOf(member.id));
    QAction* suspend = findAction(users, "suspendUserAction");
    QTRY_VERIFY(suspend->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::Yes);
    suspend->trigger();
    QTRY_VERIFY(sessions->isStale()); // hidden: marked, not loaded yet
    QVERIFY(hasSessionOf(sessions->model(), member.id));

    QVERIFY(dashboard->isStale());
    QCOMPARE(suspendedTile(), QStringLiteral("0"));

    QVERIFY(c.window->showPane(QStringLiteral("sessions")));
    QTRY_VERIFY(!sessions->model()->isLoading() && !hasSessionOf(sessions->model(), member.id));
    QVERIFY(!sessions->isStale());
    QVERIFY(c.window->showPane(QStringLiteral("dashboard")));
    QTRY_COMPARE(suspendedTile(), QStringLiteral("1"));
}

// The dashboard in front while a write happens elsewhere (the console's backend) loads again at once.
void TestGuiDaily::visiblePaneFollowsAWriteAtOnce()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* organizations = c.showPane<OrganizationsPane>(QStringLiteral("organizations"));
    QVERIFY(organizations);
    QTRY_VERIFY(rowOfOrganization(organizations->model(), c.world.orgA.id) >= 0);
    const int before = organizations->model()->rowCount();
    NewOrganization fresh;
    fresh.name = QStringLiteral("Initech");
    QVERIFY_RESULT(awaitResult(c.backend->createOrganization(fresh)));
    QTRY_COMPARE(organizations->model()->rowCount(), before + 1);
    QVERIFY(!organizations->isStale());
}

void TestGuiDaily::defaultDatesHaveFourDigitYears()
{
    const QDateTime time(QDate(2026, 12, 4), QTime(22, 0), QTimeZone::utc());
    const QString shown = display::dateTime(time);
    QVERIFY2(shown.contains(QLatin1String("2026")), qPrintable(shown));
    QVERIFY2(!shown.contains(QLatin1String("/26 ")), qPrintable(shown));
    QCOMPARE(shown, QStringLiteral("12/4/2026 5:00 PM EST"));
    QCOMPARE(display::date(time), QStringLiteral("12/4/2026"));
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    QCOMPARE(display::date(time), QStringLiteral("04.12.2026"));

    // And in a pane: the sessions' Started column.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->model()->rowCount() >= 1);
    const QString started = pane->model()->index(0, SessionListModel::StartedColumn).data().toString();
    const QString year = QString::number(QDate::currentDate().year());
    QVERIFY2(started.contains(QLatin1Char('/') + year + QLatin1Char(' ')), qPrintable(started));
}

// Preferences: ISO, then UTC. The open pane's table and details show it at once; it is saved.
void TestGuiDaily::preferenceSwitchesDatesAtOnceAndIsSaved()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->model()->rowCount() >= 1);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    table->selectRow(0);
    QLabel* started = sessionDetail(pane, "started");
    QTRY_VERIFY(!started->text().isEmpty());
    QVERIFY2(started->text().endsWith(QLatin1String(" EST")), qPrintable(started->text()));
    QVERIFY(!isoTime.match(started->text()).hasMatch());
    const QDateTime createdAt = pane->model()->sessionAt(0).createdAt;

    setPreferences(c.window.get(), display::DateStyle::Iso, false);
    QVERIFY2(isoTime.match(started->text()).hasMatch(), qPrintable(started->text())); // no reload, no F5
    QCOMPARE(started->text(),
             createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QStringLiteral(" EST"));
    QCOMPARE(pane->model()->index(0, SessionListModel::StartedColumn).data().toString(), started->text());
    QCOMPARE(QSettings().value(QLatin1String(display::DateStyleKey)).toString(), QStringLiteral("iso"));

    setPreferences(c.window.get(), display::DateStyle::Iso, true);
    QCOMPARE(started->text(), createdAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QStringLiteral(" UTC"));
    QCOMPARE(QSettings().value(QLatin1String(display::TimeZoneKey)).toString(), QStringLiteral("utc"));

    // A new window reads the saved choice.
    display::setDateStyle(display::DateStyle::Locale);
    display::setShowsUtc(false);
    display::loadPreferences();
    QCOMPARE(display::dateStyle(), display::DateStyle::Iso);
    QVERIFY(display::showsUtc());
}

void TestGuiDaily::formatThenParseRoundTrips_data()
{
    QTest::addColumn<QString>("locale");
    QTest::addColumn<bool>("iso");
    QTest::addColumn<bool>("utc");
    for (const char* name : { "en_US", "en_GB", "de_DE", "fr_FR", "ja_JP", "pt_BR" }) {
        for (bool iso : { false, true }) {
            for (bool utc : { false, true }) {
                const QByteArray row = QByteArray(name) + (iso ? " iso" : " locale") + (utc ? " utc" : " local");
                QTest::newRow(row.constData()) << QString::fromLatin1(name) << iso << utc;
            }
        }
    }
}

void TestGuiDaily::formatThenParseRoundTrips()
{
    QFETCH(QString, locale);
    QFETCH(bool, iso);
    QFETCH(bool, utc);
    QLocale::setDefault(QLocale(locale));
    display::setDateStyle(iso ? display::DateStyle::Iso : display::DateStyle::Locale);
    display::setShowsUtc(utc);
    for (const QDateTime& time : { QDateTime(QDate(2026, 12, 4), QTime(22, 0), QTimeZone::utc()),
                                   QDateTime(QDate(2026, 7, 31), QTime(3, 7), QTimeZone::utc()),
                                   QDateTime(QDate(2027, 1, 1), QTime(12, 45), QTimeZone::utc()) }) {
        const QString shown = display::dateTime(time);
        QCOMPARE(display::parseDateTime(shown), time);
        const QString typed = display::dateTimeForEditing(time);
        QCOMPARE(display::parseDateTime(typed), time);
        QVERIFY2(shown.startsWith(typed), qPrintable(shown));
        // What a date-time field with dateTimeFormat() shows is the same text.
        const QDateTime inZone = utc ? time.toUTC() : time.toLocalTime();
        QCOMPARE((iso ? QLocale::c() : QLocale()).toString(inZone, display::dateTimeFormat()), typed);
    }
    QVERIFY(!display::parseDateTime(QStringLiteral("not a date")).isValid());
}

// Typing `12/4/26 10:00 PM` once searched from the year 26 (or 1926): now the field cannot read it.
void TestGuiDaily::twoDigitYearIsThisCentury()
{
    // "12/4/26" once read as the year 26 and silently widened an audit search; it is 2026.
    QCOMPARE(display::parseDateTime(QStringLiteral("12/4/26 10:00 PM")),
             QDateTime(QDate(2026, 12, 5), QTime(3, 0), QTimeZone::utc()));
    QVERIFY(!display::parseDateTime(QStringLiteral("13/4/26 10:00 PM")).isValid());
    QCOMPARE(display::parseDateTime(QStringLiteral("12/4/2026 10:00 PM")),
             QDateTime(QDate(2026, 12, 5), QTime(3, 0), QTimeZone::utc()));
    QCOMPARE(display::parseDateTime(QStringLiteral("2026-12-04 22:00")),
             QDateTime(QDate(2026, 12, 5), QTime(3, 0), QTimeZone::utc()));
    QCOMPARE(display::parseDateTime(QStringLiteral("2026-12-04T22:00:00Z")),
             QDateTime(QDate(2026, 12, 4), QTime(22, 0), QTimeZone::utc()));
}

void TestGuiDaily::currentSessionIsMarked()
{
    Console c = Console::create();
    const User other = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().auth().login(other.email, kStrongPassword));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading());
    const Id mine = c.backend->actor().sessionId;
    QVERIFY(mine != 0);
    const int row = rowOfSession(model, mine);
    QVERIFY(row >= 0);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    const QModelIndex user = table->model()->index(row, SessionListModel::UserColumn);
    QCOMPARE(user.data().toString(), c.world.superAdmin.email + QStringLiteral(" (this console)"));
    QVERIFY(user.data(SessionListModel::CurrentRole).toBool());
    QVERIFY(qvariant_cast<QFont>(user.data(Qt::FontRole)).bold());
    QVERIFY(user.data(Qt::ToolTipRole).toString().contains(QLatin1String("signs you out")));
    const int otherRow = rowOfSession(model, model->sessionAt(row == 0 ? 1 : 0).id);
    QVERIFY(
        !table->model()->index(otherRow, SessionListModel::UserColumn).data(SessionListModel::CurrentRole).toBool());
    QCOMPARE(table->model()->index(otherRow, SessionListModel::UserColumn).data().toString(), other.email);

    table->selectRow(row);
    QTRY_VERIFY(sessionDetail(pane, "status")->text().contains(QLatin1String("this console")));
    table->selectRow(otherRow);
    QTRY_COMPARE(sessionDetail(pane, "status")->text(), QStringLiteral("Active"));

    // Columns sized to what they show: the user column holds the marked email.
    const int needed = table->fontMetrics().horizontalAdvance(user.data().toString());
    QVERIFY2(table->columnWidth(SessionListModel::UserColumn) >= needed,
             qPrintable(QStringLiteral("%1 < %2").arg(table->columnWidth(SessionListModel::UserColumn)).arg(needed)));
    const QString agent = table->model()->index(row, SessionListModel::UserAgentColumn).data().toString();
    QVERIFY(table->columnWidth(SessionListModel::UserAgentColumn) >= table->fontMetrics().horizontalAdvance(agent));
}

void TestGuiDaily::revokingOwnSessionWarnsItSignsYouOut()
{
    Console c = Console::create();
    const User other = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().auth().login(other.email, kStrongPassword));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading());
    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    QAction* revoke = findAction(pane, "revokeSessionAction");

    // Someone else's session: the usual question.
    const int otherRow
        = rowOfSession(model, model->sessionAt(0).userId == other.id ? model->sessionAt(0).id : model->sessionAt(1).id);
    table->selectRow(otherRow);
    QTRY_VERIFY(revoke->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::No);
    revoke->trigger();
    QVERIFY(!MessageBox::lastText().contains(QLatin1String("signs you out")));

    // One's own: the question says what it does to you.
    table->selectRow(rowOfSession(model, c.backend->actor().sessionId));
    QTRY_VERIFY(revoke->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::No);
    revoke->trigger();
    QVERIFY2(MessageBox::lastText().contains(QLatin1String("signs you out")), qPrintable(MessageBox::lastText()));
    QVERIFY(MessageBox::lastText().contains(QLatin1String("this console")));
    QVERIFY(waitUntilIdle(*c.backend));
    QVERIFY(c.backend->actor().userId != 0);
    QVERIFY_RESULT(awaitResult(c.backend->listRoles())); // still signed in after "No"
}

void TestGuiDaily::userAgentIsReadable_data()
{
    QTest::addColumn<QString>("agent");
    QTest::addColumn<QString>("readable");
    QTest::newRow("Firefox on Windows") << QStringLiteral(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0")
                                        << QStringLiteral("Firefox 121 on Windows");
    QTest::newRow("Chrome on macOS") << QStringLiteral("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
                                                       "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
                                                       "Safari/537.36")
                                     << QStringLiteral("Chrome 120 on macOS");
    QTest::newRow("Edge names Chrome too")
        << QStringLiteral("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91")
        << QStringLiteral("Edge 120 on Windows");
    QTest::newRow("Safari on iOS, not macOS")
        << QStringLiteral("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
                          "Gecko) Version/17.2 Mobile/15E148 Safari/604.1")
        << QStringLiteral("Safari 17 on iOS");
    QTest::newRow("Chrome on Android, not Linux")
        << QStringLiteral("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/120.0.6099.144 Mobile Safari/537.36")
        << QStringLiteral("Chrome 120 on Android");
    QTest::newRow("Firefox on Linux") << QStringLiteral(
        "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0")
                                      << QStringLiteral("Firefox 115 on Linux");
    QTest::newRow("Opera") << QStringLiteral("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, "
                                             "like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0")
                           << QStringLiteral("Opera 105 on Windows");
    QTest::newRow("curl") << QStringLiteral("curl/8.5.0") << QStringLiteral("curl 8.5");
    QTest::newRow("wget with platform") << QStringLiteral("Wget/1.21.3 (linux-gnu)") << QStringLiteral("Wget 1.21");
    QTest::newRow("python-requests") << QStringLiteral("python-requests/2.31.0")
                                     << QStringLiteral("python-requests 2.31");
    QTest::newRow("console over REST") << QStringLiteral("Portcullis-Console/0.9.0")
                                       << QStringLiteral("Portcullis console 0.9.0");
    QTest::newRow("console standalone") << QStringLiteral("Portcullis console") << QStringLiteral("Portcullis console");
    QTest::newRow("unknown kept as is") << QStringLiteral("portcullis-server purge-audit")
                                        << QStringLiteral("portcullis-server purge-audit");
    QTest::newRow("browser without a name")
        << QStringLiteral("Mozilla/5.0 (Windows NT 10.0)") << QStringLiteral("A browser on Windows");
    QTest::newRow("empty") << QString() << QString();
}

void TestGuiDaily::userAgentIsReadable()
{
    QFETCH(QString, agent);
    QFETCH(QString, readable);
    QCOMPARE(useragent::readable(agent), readable);
}

// A session from a browser: the table names the client, the tooltip and the details keep the header.
void TestGuiDaily::sessionsShowClientAndKeepRawAgent()
{
    Console c = Console::create();
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const QString firefox
        = QStringLiteral("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0");
    auto login = c.db->store().auth().login(member.email, kStrongPassword, QStringLiteral("203.0.113.7"), firefox);
    QVERIFY_RESULT(login);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading());
    const int row = rowOfSession(model, login->session.id);
    QVERIFY(row >= 0);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    const QModelIndex agent = table->model()->index(row, SessionListModel::UserAgentColumn);
    QCOMPARE(agent.data().toString(), QStringLiteral("Firefox 121 on Windows"));
    QVERIFY(agent.data(Qt::ToolTipRole).toString().contains(firefox));
    table->selectRow(row);
    QLabel* detail = sessionDetail(pane, "agent");
    QTRY_VERIFY(detail->text().startsWith(QLatin1String("Firefox 121 on Windows")));
    QVERIFY(detail->text().contains(firefox));
    // The console's own session names the console.
    const int mine = rowOfSession(model, c.backend->actor().sessionId);
    QCOMPARE(table->model()->index(mine, SessionListModel::UserAgentColumn).data().toString(),
             QStringLiteral("Portcullis console"));
}

// F1: a table of two columns, the general keys and the pane's own, every description starting at
// one x position.
void TestGuiDaily::shortcutsAreAlignedInColumns()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    QVERIFY(c.showPane<UsersPane>(QStringLiteral("users")));
    QAction* f1 = findAction(c.window.get(), "keyboardShortcutsAction");
    QVERIFY(f1);
    QVERIFY(f1->shortcut().matches(QKeySequence(QKeySequence::HelpContents)) == QKeySequence::ExactMatch);
    f1->trigger();
    ShortcutsDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<ShortcutsDialog>()));
    QTreeWidget* table = dialog->table();
    QCOMPARE(table->columnCount(), 2);
    QCOMPARE(table->topLevelItemCount(), 2); // everywhere, and in Users
    QVERIFY(table->topLevelItem(1)->text(0).contains(QLatin1String("Users")));
    QSet<int> keyLefts;
    QSet<int> textLefts;
    QStringList keys;
    int rows = 0;
    for (int s = 0; s < table->topLevelItemCount(); ++s) {
        QTreeWidgetItem* section = table->topLevelItem(s);
        for (int i = 0; i < section->childCount(); ++i) {
            QTreeWidgetItem* row = section->child(i);
            QVERIFY(!row->text(0).isEmpty());
            QVERIFY(!row->text(1).isEmpty());
            QVERIFY2(!row->text(0).contains(QLatin1Char('\t')), qPrintable(row->text(0)));
            keys << row->text(0);
            keyLefts.insert(table->visualItemRect(row).left());
            const QModelIndex text = table->model()->index(i, 1, table->model()->index(s, 0));
            textLefts.insert(table->visualRect(text).left());
            // The key fits in its column: nothing elided.
            QVERIFY2(table->fontMetrics().horizontalAdvance(row->text(0)) <= table->columnWidth(0),
                     qPrintable(row->text(0)));
            ++rows;
        }
    }
    QVERIFY(rows > 12);
    QCOMPARE(textLefts.size(), 1);
    QCOMPARE(keyLefts.size(), 1);
    QVERIFY(keys.contains(QLatin1String("Ctrl+B"))); // Users' Ban
    QVERIFY(keys.contains(QLatin1String("F1")));
    saveShot(dialog, QStringLiteral("shortcuts"));
    dialog->close();
}

// Help > User Guide: the guide built into the program, offline, with the section this suite covers.
void TestGuiDaily::helpOpensTheUserGuide()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    QAction* guide = findAction(c.window.get(), "userGuideAction");
    QVERIFY(guide);
    guide->trigger();
    UserGuideDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserGuideDialog>()));
    const QString text = dialog->browser()->toPlainText();
    QVERIFY(text.startsWith(QLatin1String("Portcullis user guide")));
    QVERIFY(text.contains(QLatin1String("Fresh data, sessions and preferences")));
    QVERIFY(!text.contains(QLatin1String("# Portcullis"))); // rendered, not the markdown source
    // The same text as the repository's guide.
    QFile repository(QStringLiteral(PORTCULLIS_SOURCE_DIR "/docs/user-guide.md"));
    QFile built(QString::fromLatin1(UserGuideDialog::GuideResource));
    QVERIFY(repository.open(QIODevice::ReadOnly) && built.open(QIODevice::ReadOnly));
    QCOMPARE(built.readAll(), repository.readAll());
    // Its screenshots are built in too.
    QVERIFY(QFile::exists(QStringLiteral(":/docs/guide/organizations.png")));
    saveShot(dialog, QStringLiteral("user-guide"));
    // Its table of contents leads to the sections.
    QVERIFY(dialog->browser()->verticalScrollBar()->value() == 0);
    dialog->follow(QUrl(QStringLiteral("#fresh-data-sessions-and-preferences")));
    QVERIFY(dialog->browser()->verticalScrollBar()->value() > 0);
    QCOMPARE(dialog->browser()->textCursor().block().text(), QStringLiteral("Fresh data, sessions and preferences"));
    dialog->close();
}

// The guide: "Users that are not deleted and pending invitations count against [the user limit]".
// The organization's count says the same, and the limit refuses what the count says is full.
void TestGuiDaily::organizationSeatsCountPendingInvitations()
{
    QFile guide(QStringLiteral(PORTCULLIS_SOURCE_DIR "/docs/user-guide.md"));
    QVERIFY(guide.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(guide.readAll())
                .simplified()
                .contains(QLatin1String("Users that are not deleted **and pending invitations** count against it")));

    Console c = Console::create();
    NewOrganization small;
    small.name = QStringLiteral("Tiny");
    small.maxUsers = 2;
    auto org = c.db->store().organizations().create(c.world.superActor, small);
    QVERIFY_RESULT(org);
    c.world.makeUser(org->id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<OrganizationsPane>(QStringLiteral("organizations"));
    QVERIFY(pane);
    OrganizationListModel* model = pane->model();
    QTRY_VERIFY(rowOfOrganization(model, org->id) >= 0);
    QCOMPARE(model->index(rowOfOrganization(model, org->id), OrganizationListModel::UsersColumn).data().toString(),
             QStringLiteral("1 / 2"));

    // An invitation through the console: the count shows the held seat at once.
    QVERIFY_RESULT(
        awaitResult(c.backend->invite(org->id, QStringLiteral("new.hire@example.test"), QStringLiteral("user"), 7)));
    QTRY_COMPARE(model->index(rowOfOrganization(model, org->id), OrganizationListModel::UsersColumn).data().toString(),
                 QStringLiteral("1 + 1 invited / 2"));
    const QModelIndex users = model->index(rowOfOrganization(model, org->id), OrganizationListModel::UsersColumn);
    QVERIFY(users.data(Qt::ToolTipRole).toString().contains(QLatin1String("pending invitation")));
    QVERIFY(users.data(Qt::ForegroundRole).isValid()); // full: in the warning colour
    auto* table = pane->findChild<QTableView*>(QStringLiteral("organizationTableView"));
    QVERIFY(table->columnWidth(OrganizationListModel::UsersColumn)
            > table->fontMetrics().horizontalAdvance(users.data().toString()));

    // And full it is: one more user is refused.
    NewUser extra;
    extra.email = QStringLiteral("one.too.many@example.test");
    extra.username = QStringLiteral("one.too.many");
    extra.password = kStrongPassword;
    extra.organizationId = org->id;
    const auto refused = awaitResult(c.backend->createUser(extra));
    QVERIFY(!refused.ok());

    // The backend says the same (over REST too: tst_rest_backend organizationCountsPendingInvitations).
    auto listed = awaitResult(c.backend->listOrganizations());
    QVERIFY_RESULT(listed);
    for (const Organization& o : listed.value()) {
        if (o.id == org->id) {
            QCOMPARE(o.userCount, 1);
            QCOMPARE(o.pendingInvitations, 1);
            QCOMPARE(o.seatsTaken(), 2);
        }
    }
}

QTEST_MAIN(TestGuiDaily)
#include "tst_gui_daily.moc"
