// The Sessions pane and impersonation, driven as an admin would: real widgets, real database,
// offscreen.

#include "backendidle.h"
#include "guidesk.h"
#include "guiutil.h"
#include "impersonatedialog.h"
#include "messagebox.h"
#include "rest/restbackend.h"
#include "secretdialog.h"
#include "serverprocess.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "sqlbackend.h"
#include "userspane.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTableView>
#include <QTest>

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

qint64 openSessionsOf(Console& c, Id userId)
{
    QSqlQuery q(c.db->store().core().db());
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE user_id = ? AND revoked_at IS NULL"));
    q.addBindValue(userId);
    if (!q.exec() || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

} // namespace

class TestGuiSessions : public QObject
{
    Q_OBJECT

private slots:
    void sessionsPaneMarksImpersonatedSession();
    void revokeSessionAsksAndEndsIt();
    void impersonateNeedsAReasonAndShowsTheTokenOnce();
    // Issue 13.
    void endingOwnSessionsKeepsTheConsoleSignedIn_data() { addBackendRows(); }
    void endingOwnSessionsKeepsTheConsoleSignedIn();
    void superAdminFiltersSessionsByTenant_data() { addBackendRows(); }
    void superAdminFiltersSessionsByTenant();
};

void TestGuiSessions::sessionsPaneMarksImpersonatedSession()
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

void TestGuiSessions::revokeSessionAsksAndEndsIt()
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
    // Had "No" revoked it, the revocation and the reload after it would be over by now.
    QVERIFY(waitUntilIdle(*c.backend));
    QTRY_VERIFY(!model->isLoading());
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

void TestGuiSessions::impersonateNeedsAReasonAndShowsTheTokenOnce()
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

// "End all sessions of this user" on one's own account ends the other sessions and keeps the
// console's (over REST: keep_current=true).
void TestGuiSessions::endingOwnSessionsKeepsTheConsoleSignedIn()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    auto elsewhere = c.db->store().auth().login(admin.email, kStrongPassword);
    QVERIFY_RESULT(elsewhere);
    Desk desk;
    QVERIFY(desk.open(c, rest, admin));
    QCOMPARE(openSessionsOf(c, admin.id), 2);
    SessionsPane* pane = desk.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading() && model->rowCount() == 2);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    table->selectRow(rowOfSession(model, elsewhere->session.id));
    QAction* revokeAll = findAction(pane, "revokeUserSessionsAction");
    QTRY_VERIFY(revokeAll->isEnabled());
    QSignalSpy status(pane, &Pane::statusMessage);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    revokeAll->trigger();
    QVERIFY(MessageBox::lastText().contains(QStringLiteral("this console stays signed in")));
    QCOMPARE(waitForStatus(status, QStringLiteral("Ended")), QStringLiteral("Ended 1 session of %1").arg(admin.email));
    QCOMPARE(openSessionsOf(c, admin.id), 1);
    QVERIFY_ERROR(c.db->store().sessions().authenticate(elsewhere->sessionToken), ErrorCode::Unauthenticated);
    // The console still works: the list reloads with its own session.
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 1 && model->atEnd() && !model->isLoading(), 15000);
    QVERIFY(model->lastError().isEmpty());
    QVERIFY_RESULT(awaitResult(desk.backend->listSessions(SessionQuery())));
}

// The super admin's sessions list follows the tenant switcher: only the chosen tenant's rows, on
// both backends (GET /api/admin/sessions?organization_id=... over REST).
void TestGuiSessions::superAdminFiltersSessionsByTenant()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    const User inA = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const User inB = c.world.makeUser(c.world.orgB.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().auth().login(inA.email, kStrongPassword));
    auto sessionB = c.db->store().auth().login(inB.email, kStrongPassword);
    QVERIFY_RESULT(sessionB);
    Desk desk;
    QVERIFY(desk.open(c, rest, c.world.superAdmin));
    SessionsPane* pane = desk.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading() && model->rowCount() >= 3);
    auto* switcher = desk.window->findChild<QComboBox*>(QStringLiteral("tenantSwitcher"));
    QVERIFY(switcher);
    QTRY_VERIFY(switcher->findData(QVariant::fromValue<qint64>(c.world.orgB.id)) >= 0);
    switcher->setCurrentIndex(switcher->findData(QVariant::fromValue<qint64>(c.world.orgB.id)));
    QTRY_VERIFY_WITH_TIMEOUT(model->query().organizationId == c.world.orgB.id && model->atEnd() && !model->isLoading()
                                 && model->rowCount() == 1,
                             15000);
    QCOMPARE(model->sessionAt(0).id, sessionB->session.id);
    QCOMPARE(model->sessionAt(0).userEmail, inB.email);
}

QTEST_MAIN(TestGuiSessions)
#include "tst_gui_sessions.moc"
