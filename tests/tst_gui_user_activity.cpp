// Issue 13 in the console: the selected user's recent activity in the users pane's details, "Show
// all in the audit log" (the audit pane's "involves" filter, shown and clearable), and the Move to
// organization dialog. The real main window on a real database (SQLite, or PostgreSQL with
// PORTCULLIS_TEST_DIALECT=postgres: tst_gui_user_activity_pg), offscreen. With
// PORTCULLIS_SHOTS_DIR set, activityListShowsTheSelectedUsersEvents saves the window there.

#include "auditlogmodel.h"
#include "auditpane.h"
#include "displayformat.h"
#include "guiutil.h"
#include "messagebox.h"
#include "moveuserdialog.h"
#include "policy/catalog.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "useractivity.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QNetworkAccessManager>
#include <QSqlQuery>
#include <QTest>
#include <QToolButton>

using namespace portcullis;
using namespace portcullis::test;

namespace {

QStringList itemTexts(const QListWidget* list)
{
    QStringList texts;
    for (int i = 0; i < list->count(); ++i)
        texts << list->item(i)->text();
    return texts;
}

} // namespace

class TestGuiUserActivity : public QObject
{
    Q_OBJECT

private slots:
    void activityListShowsTheSelectedUsersEvents();
    void quickSelectionShowsOnlyTheLastUser();
    void withoutAuditPermissionTheListIsHidden();
    void showAllOpensTheAuditLogFiltered();
    void moveDialogMovesTheUser();
    void moveDialogRefusesAFullOrganization();
    void orgAdminCannotMove();
    void activityAndMoveOverRest();

private:
    UsersPane* usersPane(Console& c)
    {
        c.window->resize(1280, 860);
        return c.showPane<UsersPane>(QStringLiteral("users"));
    }
    static void select(UsersPane* pane, const User& user)
    {
        pane->applyRequest(PaneRequest { .search = user.email, .selectId = user.id });
        QTRY_VERIFY(pane->selectedUsers().size() == 1 && pane->selectedUsers().first().id == user.id);
    }
    static QListWidget* activityList(UsersPane* pane)
    {
        return pane->findChild<QListWidget*>(QStringLiteral("userActivityList"));
    }
};

void TestGuiUserActivity::activityListShowsTheSelectedUsersEvents()
{
    Console c = Console::create();
    User dana = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("dana.activity"));
    User bob = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("bob.activity"));
    auto& users = c.db->store().users();
    // Her own refused attempt first, then what was done to her.
    QVERIFY_ERROR(users.ban(c.world.actorFor(dana), bob.id, QStringLiteral("no")), ErrorCode::Forbidden);
    QVERIFY_RESULT(users.suspend(c.world.superActor, dana.id, QStringLiteral("holiday")));
    QVERIFY_RESULT(users.unsuspend(c.world.superActor, dana.id));
    QVERIFY(c.open(c.world.superAdmin));
    UsersPane* pane = usersPane(c);
    QVERIFY(pane);
    select(pane, dana);
    QListWidget* list = activityList(pane);
    QVERIFY(list);
    QTRY_VERIFY(list->isVisible() && list->count() >= 4);
    const QStringList texts = itemTexts(list);
    QVERIFY2(texts.first().startsWith(QStringLiteral("Unsuspended · by ") + c.world.superAdmin.email + u'\n'),
             qPrintable(texts.first()));
    QVERIFY2(texts.at(1).startsWith(QStringLiteral("Suspended · by ")), qPrintable(texts.at(1)));
    QVERIFY2(texts.at(2).startsWith(QStringLiteral("Banned · on ") + bob.email + QStringLiteral("\ndenied · ")),
             qPrintable(texts.at(2)));
    QCOMPARE(list->item(2)->foreground().color(), display::warningBrush().color());
    QVERIFY(list->item(0)->toolTip().contains(actions::UserUnsuspended));
    auto* status = pane->findChild<QLabel*>(QStringLiteral("userActivityStatus"));
    QVERIFY(status && !status->isVisible());

    // A write of this console (suspend) shows up in the list without reselecting.
    MessageBox::setNextAnswer(QMessageBox::Yes);
    findAction(pane, "suspendUserAction")->trigger();
    QTRY_VERIFY(itemTexts(list).value(0).startsWith(QStringLiteral("Suspended · ")));

    if (const QString dir = qEnvironmentVariable("PORTCULLIS_SHOTS_DIR"); !dir.isEmpty()) {
        QDir().mkpath(dir);
        QTest::qWait(300);
        QVERIFY(c.window->grab().save(dir + QStringLiteral("/users-activity.png")));
    }

    // A user with nothing but their creation: one row; none selected: the view is hidden.
    User quiet = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("quiet.activity"));
    pane->refresh();
    select(pane, quiet);
    QTRY_COMPARE(list->count(), 1);
    QVERIFY(itemTexts(list).first().startsWith(QStringLiteral("Created · by the system\n")));
    pane->findChild<QTableView*>(QStringLiteral("userTableView"))->clearSelection();
    QTRY_VERIFY(!pane->findChild<UserActivityView*>()->isVisible());
}

void TestGuiUserActivity::quickSelectionShowsOnlyTheLastUser()
{
    Console c = Console::create();
    QList<User> people;
    for (int i = 0; i < 6; ++i) {
        people << c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("quick%1").arg(i));
        for (int k = 0; k <= i; ++k)
            QVERIFY_RESULT(c.db->store().users().suspend(c.world.superActor, people.last().id));
    }
    QVERIFY(c.open(c.world.superAdmin));
    UsersPane* pane = usersPane(c);
    pane->applyRequest(PaneRequest { .search = QStringLiteral("quick") });
    QTRY_COMPARE(pane->model()->rowCount(), 6);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("userTableView"));
    // Down the list without waiting: each selection starts a load; only the last one may show.
    for (int row = 0; row < 6; ++row)
        table->selectRow(row);
    const User last = pane->selectedUsers().first();
    QListWidget* list = activityList(pane);
    QTRY_VERIFY(list->isVisible() && list->count() > 0);
    QTest::qWait(300); // answers for the earlier rows would arrive now
    // quick<i> has i + 1 suspensions and a creation: the count tells whose list it is.
    const int i = last.username.mid(5).toInt();
    QCOMPARE(list->count(), i + 2);
    // Every event shown is one of hers.
    for (int row = 0; row < list->count(); ++row) {
        const Id eventId = list->item(row)->data(Qt::UserRole).toLongLong();
        QCOMPARE(countRows(c.db->store(),
                           QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE id = %1 AND "
                                          "((actor_type = 'user' AND actor_id = %2) OR "
                                          "(resource_type = 'user' AND resource_id = '%2'))")
                               .arg(eventId)
                               .arg(last.id)),
                 1);
    }
}

void TestGuiUserActivity::withoutAuditPermissionTheListIsHidden()
{
    Console c = Console::create();
    // A role that reads users but not the audit log.
    NewRole reader;
    reader.code = QStringLiteral("user_reader");
    reader.name = QStringLiteral("User reader");
    reader.level = 50;
    reader.organizationId = c.world.orgA.id;
    reader.permissions = { perm::UserView, perm::UserRead };
    QVERIFY_RESULT(c.db->store().roles().create(c.world.superActor, reader));
    User clerk = c.world.makeUser(c.world.orgA.id, reader.code, QStringLiteral("clerk"));
    User dana = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("dana.hidden"));
    QVERIFY(c.open(clerk));
    UsersPane* pane = usersPane(c);
    select(pane, dana);
    auto* status = pane->findChild<QLabel*>(QStringLiteral("userActivityStatus"));
    // Decided from the signed-in actor's permissions at once, without asking the audit log (which
    // would first say "Loading…" and record a refusal).
    QVERIFY(status->isVisible());
    QVERIFY2(status->text().contains(QStringLiteral("cannot read the audit log")), qPrintable(status->text()));
    QVERIFY(!activityList(pane)->isVisible());
    QVERIFY(!pane->findChild<QToolButton*>(QStringLiteral("showUserActivityButton"))->isVisible());
}

void TestGuiUserActivity::showAllOpensTheAuditLogFiltered()
{
    Console c = Console::create();
    User dana = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("dana.all"));
    User other = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("other.all"));
    QVERIFY_RESULT(c.db->store().users().suspend(c.world.superActor, dana.id));
    QVERIFY_RESULT(c.db->store().users().suspend(c.world.superActor, other.id));
    QVERIFY(c.open(c.world.superAdmin));
    UsersPane* pane = usersPane(c);
    select(pane, dana);
    auto* showAll = pane->findChild<QToolButton*>(QStringLiteral("showUserActivityButton"));
    QTRY_VERIFY(showAll->isVisible() && showAll->isEnabled());
    QTest::mouseClick(showAll, Qt::LeftButton);

    auto* audit = qobject_cast<AuditPane*>(c.window->pane(QStringLiteral("audit")));
    QTRY_VERIFY(audit->isVisible());
    c.window->resize(1280, 860);
    auto* chip = audit->findChild<QToolButton*>(QStringLiteral("auditInvolvesFilter"));
    QTRY_VERIFY(chip->isVisible());
    QVERIFY2(chip->text().contains(dana.email), qPrintable(chip->text()));
    QTRY_COMPARE(audit->currentQuery().involvesUserId, dana.id);
    QTRY_VERIFY(audit->model()->atEnd() && !audit->model()->isLoading() && audit->model()->rowCount() >= 2);
    for (int row = 0; row < audit->model()->rowCount(); ++row) {
        const AuditEvent e = audit->model()->eventAt(row);
        QVERIFY((e.actorType == QLatin1String("user") && e.actorId == dana.id)
                || (e.resourceType == QLatin1String("user") && e.resourceId == QString::number(dana.id)));
    }
    if (const QString dir = qEnvironmentVariable("PORTCULLIS_SHOTS_DIR"); !dir.isEmpty()) {
        QDir().mkpath(dir);
        QTest::qWait(300);
        QVERIFY(c.window->grab().save(dir + QStringLiteral("/audit-involves.png")));
    }
    // The filter goes with a click, and the whole log is back.
    QTest::mouseClick(chip, Qt::LeftButton);
    QTRY_VERIFY(!chip->isVisible());
    QTRY_COMPARE(audit->currentQuery().involvesUserId, Id(0));
    QTRY_VERIFY(audit->model()->atEnd() && !audit->model()->isLoading());
    bool otherShown = false;
    for (int row = 0; row < audit->model()->rowCount(); ++row)
        otherShown = otherShown || audit->model()->eventAt(row).resourceId == QString::number(other.id);
    QVERIFY(otherShown);
}

void TestGuiUserActivity::moveDialogMovesTheUser()
{
    Console c = Console::create();
    User dana = c.world.makeUser(c.world.orgA.id, QStringLiteral("power_user"), QStringLiteral("dana.move"));
    NewRole reporter;
    reporter.code = QStringLiteral("acme_reporter");
    reporter.name = QStringLiteral("Reporter");
    reporter.level = 30;
    reporter.organizationId = c.world.orgA.id;
    reporter.permissions = { perm::AuditView };
    QVERIFY_RESULT(c.db->store().roles().create(c.world.superActor, reporter));
    QVERIFY_RESULT(c.db->store().users().assignRole(c.world.superActor, dana.id, reporter.code));
    QVERIFY(c.open(c.world.superAdmin));
    UsersPane* pane = usersPane(c);
    select(pane, dana);

    // In the Tools menu too.
    auto* tools = c.window->menuBar()->findChild<QMenu*>(QStringLiteral("toolsMenu"));
    QVERIFY(tools && tools->menuAction()->isVisible());
    QVERIFY(tools->actions().contains(findAction(pane, "moveUserAction")));
    QTRY_VERIFY(findAction(pane, "moveUserAction")->isEnabled());

    QSignalSpy status(pane, &Pane::statusMessage);
    findAction(pane, "moveUserAction")->trigger();
    MoveUserDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<MoveUserDialog>()) != nullptr);
    QTRY_VERIFY(!dialog->property("loading").toBool());
    auto* combo = dialog->findChild<QComboBox*>(QStringLiteral("moveUserOrganizationCombo"));
    QCOMPARE(combo->findData(c.world.orgA.id), -1); // not the organization it is in
    combo->setCurrentIndex(combo->findData(c.world.orgB.id));
    auto* seats = dialog->findChild<QLabel*>(QStringLiteral("moveUserSeatsLabel"));
    QVERIFY2(seats->text().contains(QStringLiteral("of 5 seats")), qPrintable(seats->text()));
    auto* consequences = dialog->findChild<QLabel*>(QStringLiteral("moveUserConsequences"));
    QVERIFY2(consequences->text().contains(reporter.code), qPrintable(consequences->text()));
    QVERIFY2(consequences->text().contains(QStringLiteral("power_user")), qPrintable(consequences->text()));
    QCOMPARE(dialog->rolesRemoved(), QStringList { reporter.code });

    MessageBox::setNextAnswer(QMessageBox::Yes);
    click(dialog, "moveUserButton");
    QVERIFY2(MessageBox::lastText().contains(reporter.code), qPrintable(MessageBox::lastText()));
    QVERIFY(!waitForStatus(status, QStringLiteral("Moved ")).isEmpty());
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT organization_id FROM users WHERE id = %1").arg(dana.id)),
             c.world.orgB.id);
    QTRY_COMPARE(pane->selectedUsers().value(0).organizationId, c.world.orgB.id);
    QVERIFY(!pane->selectedUsers().first().roleCodes.contains(reporter.code));
}

void TestGuiUserActivity::moveDialogRefusesAFullOrganization()
{
    Console c = Console::create();
    auto tiny = c.db->store().organizations().create(Actor::system(),
                                                     { QStringLiteral("Tiny"), {}, QStringLiteral("free"), 1, {} });
    QVERIFY_RESULT(tiny);
    c.world.makeUser(tiny->id, QStringLiteral("user"));
    User dana = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("dana.full"));
    QVERIFY(c.open(c.world.superAdmin));
    UsersPane* pane = usersPane(c);
    select(pane, dana);
    QTRY_VERIFY(findAction(pane, "moveUserAction")->isEnabled());
    MoveUserDialog* dialog = pane->moveSelected();
    QVERIFY(dialog);
    QTRY_VERIFY(!dialog->property("loading").toBool());
    auto* combo = dialog->findChild<QComboBox*>(QStringLiteral("moveUserOrganizationCombo"));
    combo->setCurrentIndex(combo->findData(tiny->id));
    auto* seats = dialog->findChild<QLabel*>(QStringLiteral("moveUserSeatsLabel"));
    QVERIFY2(seats->text().contains(QStringLiteral("Tiny is full")), qPrintable(seats->text()));
    QVERIFY(!dialog->findChild<QPushButton*>(QStringLiteral("moveUserButton"))->isEnabled());
    combo->setCurrentIndex(combo->findData(c.world.orgB.id));
    QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("moveUserButton"))->isEnabled());
    dialog->reject();
}

void TestGuiUserActivity::orgAdminCannotMove()
{
    Console c = Console::create();
    User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"), QStringLiteral("admin.nomove"));
    User dana = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("dana.nomove"));
    QVERIFY(c.open(admin));
    UsersPane* pane = usersPane(c);
    select(pane, dana);
    QAction* move = findAction(pane, "moveUserAction");
    QTRY_VERIFY(!move->isEnabled());
    QVERIFY2(move->toolTip().contains(QStringLiteral("super admins")), qPrintable(move->toolTip()));
    QVERIFY(pane->moveSelected() == nullptr);
}

// The console in REST mode: the same list and the same dialog against the real portcullis-server.
void TestGuiUserActivity::activityAndMoveOverRest()
{
    Console c = Console::create();
    User dana = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("dana.rest"));
    QVERIFY_RESULT(c.db->store().users().suspend(c.world.superActor, dana.id, QStringLiteral("rest")));
    ServerProcess server;
    QVERIFY2(server.start(c.db->url(), c.db->tempPath() + QStringLiteral("/jwt-secret")), qPrintable(server.output()));
    QNetworkAccessManager network;
    RestBackend backend(&network, server.url());
    QVERIFY_RESULT(awaitResult(backend.signIn(c.world.superAdmin.email, kStrongPassword)));
    MainWindow window(&backend);
    addAllPanes(&window, &backend);
    window.resize(1280, 860);
    window.show();
    QVERIFY(window.showPane(QStringLiteral("users")));
    auto* pane = qobject_cast<UsersPane*>(window.pane(QStringLiteral("users")));
    select(pane, dana);
    QListWidget* list = activityList(pane);
    QTRY_VERIFY_WITH_TIMEOUT(list->isVisible() && list->count() == 2, 15000);
    QVERIFY2(itemTexts(list).first().startsWith(QStringLiteral("Suspended · by ")),
             qPrintable(itemTexts(list).first()));

    MoveUserDialog* dialog = pane->moveSelected();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->property("loading").toBool(), 15000);
    auto* combo = dialog->findChild<QComboBox*>(QStringLiteral("moveUserOrganizationCombo"));
    combo->setCurrentIndex(combo->findData(c.world.orgB.id));
    QSignalSpy status(pane, &Pane::statusMessage);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    click(dialog, "moveUserButton");
    QVERIFY(!waitForStatus(status, QStringLiteral("Moved ")).isEmpty());
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT organization_id FROM users WHERE id = %1").arg(dana.id)),
             c.world.orgB.id);
    // The move is the newest event of her list now.
    QTRY_VERIFY_WITH_TIMEOUT(itemTexts(list).value(0).startsWith(QStringLiteral("Moved · by ")), 15000);
}

QTEST_MAIN(TestGuiUserActivity)
#include "tst_gui_user_activity.moc"
