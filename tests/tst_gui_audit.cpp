// The Audit Log, Dashboard and Sessions panes and the impersonation dialog, driven as an admin
// would: the real main window with every pane, a real temporary database, offscreen.

#include "auditlogmodel.h"
#include "auditpane.h"
#include "dashboardpane.h"
#include "displayformat.h"
#include "guiutil.h"
#include "impersonatedialog.h"
#include "messagebox.h"
#include "secretdialog.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "userspane.h"

#include <QAction>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QIcon>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTableView>
#include <QTest>
#include <QXYSeries>

using namespace portcullis;
using namespace portcullis::test;

namespace {

QAction* findAction(QObject* root, const char* name)
{
    return root->findChild<QAction*>(QString::fromLatin1(name));
}

// True once the audit pane shows the complete result of the filter it was given last.
bool settled(AuditPane* pane)
{
    return pane->model()->atEnd() && !pane->model()->isLoading();
}

qint64 countRows(SqlStore& store, const QString& sql)
{
    QSqlQuery q(store.core().db());
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

// Waits for a status message of the pane that starts with `prefix`; returns it (empty on timeout).
QString waitForStatus(QSignalSpy& spy, const QString& prefix, int timeoutMs = 30000)
{
    QElapsedTimer timer;
    timer.start();
    int seen = 0;
    while (timer.elapsed() < timeoutMs) {
        for (; seen < spy.count(); ++seen) {
            const QString message = spy.at(seen).at(0).toString();
            if (message.startsWith(prefix))
                return message;
        }
        spy.wait(200);
    }
    return {};
}

int rowOfSession(SessionListModel* model, Id sessionId)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->sessionAt(row).id == sessionId)
            return row;
    }
    return -1;
}

} // namespace

class TestGuiAudit : public QObject
{
    Q_OBJECT

private slots:
    void actionFilterShowsExactlyTheBannedEvents();
    void exportWritesTheFilteredSet();
    void verifyIntegritySaysIntact();
    void verifyIntegrityIsForSuperAdminsOnly();
    void actorFilterTakesEmailNameOrId();
    void usersPaneOpensTheAuditTrail();
    void detailsShowTheJsonAndHashes();
    void dashboardTilesShowTheUserTotal();
    void sessionsPaneMarksImpersonatedSession();
    void revokeSessionAsksAndEndsIt();
    void impersonateNeedsAReasonAndShowsTheTokenOnce();

private:
    // Two users banned through the store (plus a few other events around them).
    QList<User> banTwo(Console& c);
};

QList<User> TestGuiAudit::banTwo(Console& c)
{
    QList<User> users;
    for (int i = 0; i < 4; ++i)
        users << c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    auto first = c.db->store().users().ban(c.world.superActor, users.at(1).id, QStringLiteral("Spam"));
    auto second = c.db->store().users().ban(c.world.superActor, users.at(3).id, QStringLiteral("Abuse"));
    auto third = c.db->store().users().suspend(c.world.superActor, users.at(2).id);
    if (!first || !second || !third)
        qFatal("the fixture could not ban or suspend");
    return { users.at(1), users.at(3) };
}

void TestGuiAudit::actionFilterShowsExactlyTheBannedEvents()
{
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QTRY_VERIFY(settled(pane) || pane->model()->rowCount() > 0);
    QVERIFY(pane->model()->rowCount() > 2);

    auto* action = pane->findChild<QComboBox*>(QStringLiteral("auditActionFilter"));
    QVERIFY(action);
    QTest::keyClicks(action->lineEdit(), QStringLiteral("user.banned"));
    QCOMPARE(action->currentText(), QStringLiteral("user.banned"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.banned") && settled(pane), 15000);

    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    QVERIFY(table);
    QAbstractItemModel* shown = table->model();
    QCOMPARE(shown->rowCount(), 2);
    QSet<QString> resources;
    for (int row = 0; row < shown->rowCount(); ++row) {
        QCOMPARE(shown->index(row, AuditLogModel::ActionColumn).data().toString(), QStringLiteral("user.banned"));
        QCOMPARE(shown->index(row, AuditLogModel::ActorColumn).data().toString(),
                 QStringLiteral("%1 (#%2)").arg(c.world.superAdmin.email).arg(c.world.superAdmin.id));
        resources.insert(shown->index(row, AuditLogModel::ResourceColumn).data().toString());
    }
    QCOMPARE(resources,
             (QSet<QString> { QStringLiteral("user #%1").arg(banned.at(0).id),
                              QStringLiteral("user #%1").arg(banned.at(1).id) }));
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditCountLabel"))->text(), QStringLiteral("2 events"));

    // A prefix: every user.* event, banned ones included, nothing else.
    action->lineEdit()->clear();
    QTest::keyClicks(action->lineEdit(), QStringLiteral("user.*"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.*") && settled(pane), 15000);
    QVERIFY(shown->rowCount() > 2);
    for (int row = 0; row < shown->rowCount(); ++row)
        QVERIFY(shown->index(row, AuditLogModel::ActionColumn).data().toString().startsWith(QLatin1String("user.")));

    // Outcome "denied" on top: nothing was refused, and the empty state says what to do.
    auto* outcome = pane->findChild<QComboBox*>(QStringLiteral("auditOutcomeFilter"));
    outcome->setCurrentIndex(outcome->findData(QStringLiteral("denied")));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().outcome == QLatin1String("denied") && settled(pane), 15000);
    QCOMPARE(shown->rowCount(), 0);
    auto* empty = pane->findChild<QLabel*>(QStringLiteral("auditEmptyLabel"));
    QVERIFY(empty->isVisible());
    QVERIFY(empty->text().contains(QLatin1String("clear the filters")));
}

void TestGuiAudit::exportWritesTheFilteredSet()
{
    Console c = Console::create();
    banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    auto* action = pane->findChild<QComboBox*>(QStringLiteral("auditActionFilter"));
    QTest::keyClicks(action->lineEdit(), QStringLiteral("user.banned"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.banned") && settled(pane), 15000);
    const qint64 matching
        = countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.banned'"));
    QCOMPARE(matching, 2);

    QSignalSpy status(pane, &Pane::statusMessage);
    QAction* exportAction = findAction(pane, "auditExportAction");
    QVERIFY(exportAction && exportAction->isEnabled());

    // JSON Lines, chosen by the extension.
    const QString jsonPath = c.db->tempPath() + QStringLiteral("/banned.jsonl");
    FileDialog::setNextFileName(jsonPath);
    exportAction->trigger();
    QString message = waitForStatus(status, QStringLiteral("Exported"));
    QCOMPARE(message, QStringLiteral("Exported 2 events to %1").arg(QDir::toNativeSeparators(jsonPath)));
    QFile json(jsonPath);
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = json.readAll().trimmed().split('\n');
    QCOMPARE(qint64(lines.size()), matching);
    for (const QByteArray& line : lines)
        QCOMPARE(QJsonDocument::fromJson(line).object().value(QStringLiteral("action")).toString(),
                 QStringLiteral("user.banned"));
    QTRY_VERIFY(exportAction->isEnabled()); // one export at a time, and it finished

    // CSV: a header line plus one line per event.
    const QString csvPath = c.db->tempPath() + QStringLiteral("/banned.csv");
    FileDialog::setNextFileName(csvPath);
    status.clear();
    exportAction->trigger();
    message = waitForStatus(status, QStringLiteral("Exported"));
    QVERIFY2(message.startsWith(QStringLiteral("Exported 2 events")), qPrintable(message));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(qint64(csv.readAll().trimmed().split('\n').size()), matching + 1);
    QTRY_VERIFY(!Console::visibleTopLevel<QProgressDialog>()); // the progress dialog went away
}

// The chain covers every organization: an organization admin's console does not offer the check
// (the core refuses it as well), and says why.
void TestGuiAudit::verifyIntegrityIsForSuperAdminsOnly()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QAction* verify = findAction(pane, "verifyAuditAction");
    QVERIFY(verify);
    QVERIFY(!verify->isEnabled());
    QVERIFY2(verify->toolTip().contains(QStringLiteral("super admins")), qPrintable(verify->toolTip()));
}

void TestGuiAudit::verifyIntegritySaysIntact()
{
    Console c = Console::create();
    banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QSignalSpy status(pane, &Pane::statusMessage);
    QAction* verify = findAction(pane, "verifyAuditAction");
    QVERIFY(verify && verify->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::Ok); // record the result box instead of showing it
    verify->trigger();
    const QString message = waitForStatus(status, QStringLiteral("Chain"));
    QVERIFY2(message.startsWith(QStringLiteral("Chain intact: ")), qPrintable(message));
    QVERIFY2(MessageBox::lastText().contains(QLatin1String("intact")), qPrintable(MessageBox::lastText()));
}

void TestGuiAudit::actorFilterTakesEmailNameOrId()
{
    Console c = Console::create();
    const User lead = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"), QStringLiteral("zelda_lead"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("twin_one"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("twin_two"));
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().users().suspend(c.world.actorFor(lead), target.id));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    auto* actor = pane->findChild<QLineEdit*>(QStringLiteral("auditActorFilter"));
    QVERIFY(actor);
    auto actorsShown = [pane] {
        QSet<Id> ids;
        for (int row = 0; row < pane->model()->rowCount(); ++row)
            ids.insert(pane->model()->eventAt(row).actorId);
        return ids;
    };

    // An email.
    QTest::keyClicks(actor, lead.email);
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().actorEmail == lead.email && settled(pane), 15000);
    QVERIFY(pane->model()->rowCount() > 0);
    QCOMPARE(actorsShown(), QSet<Id> { lead.id });

    // A name that designates one user resolves to their email.
    actor->clear();
    QTest::keyClicks(actor, QStringLiteral("zelda"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().actorEmail == lead.email && settled(pane), 15000);
    QCOMPARE(actorsShown(), QSet<Id> { lead.id });

    // A name that matches several asks for the email and leaves the table alone.
    actor->clear();
    QTest::keyClicks(actor, QStringLiteral("twin"));
    auto* message = pane->findChild<QLabel*>(QStringLiteral("auditFilterMessage"));
    QTRY_VERIFY_WITH_TIMEOUT(message->isVisible() && message->text() == QLatin1String("2 users match, type the email"),
                             15000);

    // An id.
    actor->clear();
    QTest::keyClicks(actor, QStringLiteral("#%1").arg(lead.id));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().actorId == lead.id && settled(pane), 15000);
    QCOMPARE(actorsShown(), QSet<Id> { lead.id });
    QVERIFY(!message->isVisible());
}

void TestGuiAudit::usersPaneOpensTheAuditTrail()
{
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    const User lead = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY_RESULT(c.db->store().users().unban(c.world.actorFor(lead), banned.at(0).id));
    QVERIFY(c.open(c.world.superAdmin));
    auto* users = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(users);
    auto* audit = qobject_cast<AuditPane*>(c.window->pane(QStringLiteral("audit")));
    QVERIFY(audit);
    // Filters set before are cleared by "Show audit trail".
    audit->findChild<QComboBox*>(QStringLiteral("auditActionFilter"))->setEditText(QStringLiteral("role.*"));
    emit users->showAuditTrailRequested(lead.id, lead.email);
    QCOMPARE(c.window->currentPane(), audit);
    QCOMPARE(audit->findChild<QLineEdit*>(QStringLiteral("auditActorFilter"))->text(), lead.email);
    QTRY_VERIFY_WITH_TIMEOUT(audit->currentQuery().actorEmail == lead.email && audit->currentQuery().action.isEmpty()
                                 && settled(audit),
                             15000);
    QCOMPARE(audit->model()->rowCount(), 1);
    QCOMPARE(audit->model()->eventAt(0).action, QStringLiteral("user.unbanned"));

    // And "Show sessions" opens the Sessions pane on that user.
    QVERIFY_RESULT(c.db->store().auth().login(lead.email, kStrongPassword));
    emit users->showSessionsRequested(lead.id, lead.email);
    auto* sessions = qobject_cast<SessionsPane*>(c.window->pane(QStringLiteral("sessions")));
    QCOMPARE(c.window->currentPane(), sessions);
    QTRY_VERIFY_WITH_TIMEOUT(sessions->model()->query().userId == lead.id && sessions->model()->atEnd()
                                 && !sessions->model()->isLoading(),
                             15000);
    QCOMPARE(sessions->model()->rowCount(), 1);
    QCOMPARE(sessions->model()->sessionAt(0).userEmail, lead.email);
}

void TestGuiAudit::detailsShowTheJsonAndHashes()
{
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QTest::keyClicks(pane->findChild<QComboBox*>(QStringLiteral("auditActionFilter"))->lineEdit(),
                     QStringLiteral("user.banned"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.banned") && settled(pane), 15000);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    table->setFocus();
    table->selectRow(1); // the older one: the first ban
    // The list holds the columns; the details JSON and hashes arrive with the whole event.
    auto stored = c.db->store().audit().get(c.world.superActor, pane->model()->eventAt(1).id);
    QVERIFY_RESULT(stored);
    const AuditEvent event = *stored;
    auto* json = pane->findChild<QPlainTextEdit*>(QStringLiteral("auditDetailsJson"));
    QTRY_VERIFY(json->isVisible());
    QTRY_VERIFY2(json->toPlainText().contains(QLatin1String("\"reason\": \"Spam\"")), qPrintable(json->toPlainText()));
    auto* hash = pane->findChild<QLabel*>(QStringLiteral("auditDetail_hash"));
    QCOMPARE(hash->text().remove(QLatin1Char(' ')), QString::fromLatin1(event.hash));
    auto* prev = pane->findChild<QLabel*>(QStringLiteral("auditDetail_prevHash"));
    QCOMPARE(prev->text().remove(QLatin1Char(' ')), QString::fromLatin1(event.prevHash));
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditDetail_resource"))->text(),
             QStringLiteral("user #%1").arg(banned.at(0).id));
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditDetail_organization"))->text(), c.world.orgA.name);
}

void TestGuiAudit::dashboardTilesShowTheUserTotal()
{
    Console c = Console::create();
    banTwo(c); // four users, two banned, one suspended
    for (int i = 0; i < 3; ++i)
        c.world.makeUser(c.world.orgB.id, QStringLiteral("viewer"));
    const qint64 total = countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0"));
    QCOMPARE(total, 1 + 4 + 3);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<DashboardPane>(QStringLiteral("dashboard"));
    QVERIFY(pane);
    QVERIFY(pane->isLoaded());
    QCOMPARE(pane->tileText(QStringLiteral("usersTotal")), display::number(total));
    auto* tile = pane->findChild<QWidget*>(QStringLiteral("statTile_usersTotal"));
    QVERIFY(tile && tile->isVisible());
    QCOMPARE(tile->findChild<QLabel*>(QStringLiteral("statTileValue"))->text(), display::number(total));
    QCOMPARE(pane->tileText(QStringLiteral("usersBanned")), QStringLiteral("2"));
    QCOMPARE(pane->tileText(QStringLiteral("usersSuspended")), QStringLiteral("1"));
    QCOMPARE(pane->tileText(QStringLiteral("sessionsActive")), QStringLiteral("1")); // this console's own

    auto* view = pane->findChild<QChartView*>(QStringLiteral("dashboardChart"));
    QVERIFY(view && view->isVisible());
    const auto series = view->chart()->series();
    QCOMPARE(series.size(), 3);
    auto* signIns = qobject_cast<QXYSeries*>(series.at(0));
    QVERIFY(signIns);
    QCOMPARE(signIns->count(), DashboardPane::Days);
    QCOMPARE(signIns->at(DashboardPane::Days - 1).y(), 1.0); // today: the admin signing in

    // Scoped to one tenant: the numbers follow the tenant switcher.
    auto* switcher = c.window->findChild<QComboBox*>(QStringLiteral("tenantSwitcher"));
    QTRY_VERIFY(switcher->findData(QVariant::fromValue<qint64>(c.world.orgB.id)) >= 0);
    switcher->setCurrentIndex(switcher->findData(QVariant::fromValue<qint64>(c.world.orgB.id)));
    QTRY_COMPARE(pane->tileText(QStringLiteral("usersTotal")), QStringLiteral("3"));
}

void TestGuiAudit::sessionsPaneMarksImpersonatedSession()
{
    Console c = Console::create();
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().auth().login(member.email, kStrongPassword));
    auto impersonation
        = c.db->store().sessions().impersonate(c.world.superActor, member.id, QStringLiteral("Ticket 4711"), 30);
    QVERIFY_RESULT(impersonation);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading());
    QCOMPARE(model->rowCount(), 3); // the member's, the impersonation, this console's
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("sessionCountLabel"))->text(), QStringLiteral("3 sessions"));

    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    const int row = rowOfSession(model, impersonation->session.id);
    QVERIFY(row >= 0);
    QAbstractItemModel* shown = table->model();
    const QIcon icon = qvariant_cast<QIcon>(shown->index(row, SessionListModel::UserColumn).data(Qt::DecorationRole));
    QVERIFY(!icon.isNull());
    QVERIFY(!icon.pixmap(16, 16).isNull()); // the impersonated.svg resource is there
    QCOMPARE(shown->index(row, SessionListModel::ImpersonatorColumn).data().toString(), c.world.superAdmin.email);
    const QString tip = shown->index(row, SessionListModel::IpColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains(c.world.superAdmin.email) && tip.contains(QLatin1String("Ticket 4711")), qPrintable(tip));

    // Selected: the details say it plainly.
    table->selectRow(row);
    auto* note = pane->findChild<QLabel*>(QStringLiteral("sessionImpersonationNote"));
    QTRY_VERIFY(note->isVisible());
    QVERIFY(note->text().contains(QLatin1String("Ticket 4711")));
    const int plain = rowOfSession(model, model->sessionAt(row == 0 ? 1 : 0).id);
    table->selectRow(plain);
    QTRY_VERIFY(!note->isVisible());
}

void TestGuiAudit::revokeSessionAsksAndEndsIt()
{
    Console c = Console::create();
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    auto first = c.db->store().auth().login(member.email, kStrongPassword);
    auto second = c.db->store().auth().login(member.email, kStrongPassword);
    QVERIFY_RESULT(first);
    QVERIFY_RESULT(second);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading());
    QCOMPARE(model->rowCount(), 3);

    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    table->setFocus();
    table->selectRow(rowOfSession(model, first->session.id));
    QAction* revoke = findAction(pane, "revokeSessionAction");
    QTRY_VERIFY(revoke->isEnabled());
    QAction* windowDelete = findAction(c.window.get(), "deleteAction");
    QTRY_VERIFY(windowDelete->isEnabled()); // Delete in the main window revokes here

    // "No" keeps it.
    MessageBox::setNextAnswer(QMessageBox::No);
    windowDelete->trigger();
    QVERIFY(MessageBox::lastText().contains(member.email));
    QTest::qWait(100);
    QCOMPARE(model->rowCount(), 3);

    MessageBox::setNextAnswer(QMessageBox::Yes);
    windowDelete->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 2 && model->atEnd() && !model->isLoading(), 15000);
    QCOMPARE(rowOfSession(model, first->session.id), -1);
    QVERIFY(rowOfSession(model, second->session.id) >= 0);

    // "End all sessions of this user" on the other one.
    table->selectRow(rowOfSession(model, second->session.id));
    QAction* revokeAll = findAction(pane, "revokeUserSessionsAction");
    QTRY_VERIFY(revokeAll->isEnabled());
    QSignalSpy status(pane, &Pane::statusMessage);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    revokeAll->trigger();
    QCOMPARE(waitForStatus(status, QStringLiteral("Ended")), QStringLiteral("Ended 1 session of %1").arg(member.email));
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 1 && model->atEnd() && !model->isLoading(), 15000);
    QCOMPARE(model->sessionAt(0).userEmail, c.world.superAdmin.email);

    // Ended sessions come back with the checkbox, marked as revoked.
    pane->findChild<QCheckBox*>(QStringLiteral("sessionIncludeEndedCheck"))->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(model->query().includeRevoked && model->atEnd() && !model->isLoading(), 15000);
    QCOMPARE(model->rowCount(), 3);
    const int ended = rowOfSession(model, first->session.id);
    QCOMPARE(model->index(ended, SessionListModel::ExpiresColumn).data().toString(), QStringLiteral("Revoked"));
    table->selectRow(ended);
    QTRY_VERIFY(!revoke->isEnabled());
    QVERIFY(!revoke->toolTip().isEmpty());
}

void TestGuiAudit::impersonateNeedsAReasonAndShowsTheTokenOnce()
{
    Console c = Console::create();
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    QPointer<ImpersonateDialog> dialog = new ImpersonateDialog(c.backend.get(), member, c.window.get());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QSignalSpy accepted(dialog.data(), &QDialog::accepted);
    QSignalSpy impersonated(dialog.data(), &ImpersonateDialog::impersonated);
    dialog->open();
    auto* minutes = dialog->findChild<QSpinBox*>(QStringLiteral("impersonationDurationSpin"));
    QCOMPARE(minutes->value(), 15);
    QCOMPARE(minutes->maximum(), 120);

    // No reason: the core's message appears under the field, the dialog stays.
    auto* start = dialog->findChild<QPushButton*>(QStringLiteral("impersonateButton"));
    QTest::mouseClick(start, Qt::LeftButton);
    auto* reasonError = dialog->findChild<QLabel*>(QStringLiteral("reasonError"));
    QTRY_VERIFY(reasonError->isVisible());
    QVERIFY(reasonError->text().contains(QLatin1String("reason")));
    QVERIFY(dialog->isVisible());
    QCOMPARE(
        countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM sessions WHERE impersonator_id IS NOT NULL")), 0);

    QTest::keyClicks(dialog->findChild<QPlainTextEdit*>(QStringLiteral("impersonationReasonEdit")),
                     QStringLiteral("Ticket 99: cannot see invoices"));
    minutes->setValue(20);
    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_COMPARE(accepted.count(), 1);
    QCOMPARE(impersonated.count(), 1);
    const Session session = qvariant_cast<Session>(impersonated.first().first());
    QCOMPARE(session.userId, member.id);
    QCOMPARE(session.impersonatorId, c.world.superAdmin.id);

    SecretDialog* secret = nullptr;
    QTRY_VERIFY((secret = Console::visibleTopLevel<SecretDialog>()));
    const QString token = secret->findChild<QLineEdit*>(QStringLiteral("secretEdit"))->text();
    QVERIFY(token.size() >= 32);
    // The token works, as the impersonated user, and names the impersonator.
    auto actor = c.db->store().sessions().authenticate(token);
    QVERIFY_RESULT(actor);
    QCOMPARE(actor->userId, member.id);
    QCOMPARE(actor->impersonatorId, c.world.superAdmin.id);
    secret->close();
}

QTEST_MAIN(TestGuiAudit)
#include "tst_gui_audit.moc"
