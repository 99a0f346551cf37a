// The Users pane, driven as an admin would: real widgets, real database, offscreen.

#include "guiutil.h"
#include "language.h"
#include "messagebox.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "userdialogs.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QAction>
#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSqlError>
#include <QSqlQuery>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

// Selects the rows of these users in the pane's table (loading pages until they are there).
bool selectUsers(UsersPane* pane, const QList<Id>& ids)
{
    auto* table = pane->findChild<QTableView*>(QStringLiteral("userTableView"));
    UserListModel* model = pane->model();
    table->clearSelection();
    for (Id id : ids) {
        int row = model->rowOf(id);
        while (row < 0 && model->canFetchMore({})) {
            QSignalSpy page(model, &LazyTableModel::pageLoaded);
            model->fetchMore({});
            page.wait(10000);
            row = model->rowOf(id);
        }
        if (row < 0)
            return false;
        table->selectionModel()->select(model->index(row, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    return true;
}

// Clicks like a user once the button is laid out and enabled (a click on a 0x0 button misses).
void clickButton(QPushButton* button)
{
    QVERIFY(button);
    QTRY_VERIFY(button->isVisible() && button->isEnabled() && !button->rect().isEmpty());
    QTest::mouseClick(button, Qt::LeftButton);
}

QAction* action(UsersPane* pane, const char* name)
{
    return pane->findChild<QAction*>(QString::fromLatin1(name));
}

} // namespace

class TestGuiUsers : public QObject
{
    Q_OBJECT

private slots:
    void createdUserIsListed();
    void banWithoutReasonShowsTheError();
    void setPasswordChecksThePolicyAndEndsTheSessions();
    void setPasswordRevokesTheApiKeysUnlessUnticked();
    void ownPasswordAsksForTheCurrentOne();
    void endSessionsCanRevokeTheApiKeys();
    void endAllSessionsFromTheSessionsPaneCanRevokeTheApiKeys();
    void adminCannotAssignSuperAdmin();
    void bulkBanOfThreeUsersSummarises();
    void searchFiltersTheList();
    void searchWithMoreThanTenThousandMatchesSaysSo();
    void closingTheWindowSignsOut();
    void staleEditInGermanSaysSomeoneElseChangedIt();
    void suspendIsOfferedOnlyForActiveUsers();
    void longEmailIsElidedWithTheWholeAddressInItsTooltip();
    void rolesDialogOffersExactlyWhatTheStoreAllows_data();
    void rolesDialogOffersExactlyWhatTheStoreAllows();
    void userActionsAreEnabledExactlyWhenTheStoreAllowsThem_data();
    void userActionsAreEnabledExactlyWhenTheStoreAllowsThem();
};

void TestGuiUsers::createdUserIsListed()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    pane->createNew();
    UserDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserDialog>()));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("emailEdit")),
                     QStringLiteral("new.hire@example.test"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("usernameEdit")), QStringLiteral("newhire"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("fullNameEdit")), QStringLiteral("New Hire"));
    // A weak password first: the core's policy message appears under the field, nothing is created.
    auto* password = dialog->findChild<QLineEdit*>(QStringLiteral("passwordEdit"));
    QTest::keyClicks(password, QStringLiteral("short"));
    // The hint lists what is missing as sentences, not sentences glued with "; " after their stops.
    QCOMPARE(dialog->findChild<QLabel*>(QStringLiteral("passwordPolicyLabel"))->text(),
             QStringLiteral("Password policy: Use at least 12 characters. Add an upper-case letter. Add a digit. Add a "
                            "special character (such as ! or #)."));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    auto* passwordError = dialog->findChild<QLabel*>(QStringLiteral("passwordError"));
    QTRY_VERIFY(passwordError->isVisible());
    QVERIFY(!passwordError->text().isEmpty());
    QVERIFY(dialog->isVisible());
    password->clear();
    QTest::keyClicks(password, kStrongPassword);
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<UserDialog>());
    QTRY_VERIFY(pane->model()->rowCount() > 0);
    // Find it through the search box as an admin would.
    QTest::keyClicks(pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit")), QStringLiteral("new.hire"));
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->data(pane->model()->index(0, UserListModel::EmailColumn)).toString(),
             QStringLiteral("new.hire@example.test"));
    QCOMPARE(pane->model()->data(pane->model()->index(0, UserListModel::RolesColumn)).toString(),
             QStringLiteral("user"));
}

void TestGuiUsers::banWithoutReasonShowsTheError()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(selectUsers(pane, { target.id }));
    QTRY_VERIFY(action(pane, "banUserAction")->isEnabled());
    action(pane, "banUserAction")->trigger();
    BanDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<BanDialog>()));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("confirmBanButton")));
    auto* error = dialog->findChild<QLabel*>(QStringLiteral("reasonError"));
    QTRY_VERIFY(error->isVisible());
    QCOMPARE(error->text(), QStringLiteral("A ban needs a reason"));
    QVERIFY(dialog->isVisible()); // nothing lost: the dialog stays open
    QVERIFY(!c.db->store().core().loadUser(target.id)->isBanned());

    QTest::keyClicks(dialog->findChild<QPlainTextEdit*>(QStringLiteral("banReasonEdit")), QStringLiteral("Spam"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("confirmBanButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<BanDialog>());
    QVERIFY(c.db->store().core().loadUser(target.id)->isBanned());
    const int row = pane->model()->rowOf(target.id);
    QTRY_COMPARE(pane->model()->data(pane->model()->index(row, UserListModel::StatusColumn)).toString(),
                 QStringLiteral("Banned"));
}

void TestGuiUsers::setPasswordChecksThePolicyAndEndsTheSessions()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().auth().login(target.email, kStrongPassword));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(selectUsers(pane, { target.id }));
    QTRY_VERIFY(action(pane, "setPasswordAction")->isEnabled());
    action(pane, "setPasswordAction")->trigger();
    SetPasswordDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<SetPasswordDialog>()));
    auto* password = dialog->findChild<QLineEdit*>(QStringLiteral("newPasswordEdit"));
    auto* repeat = dialog->findChild<QLineEdit*>(QStringLiteral("repeatPasswordEdit"));
    auto* set = dialog->findChild<QPushButton*>(QStringLiteral("confirmSetPasswordButton"));
    auto* policy = dialog->findChild<QLabel*>(QStringLiteral("setPasswordPolicyLabel"));
    QVERIFY(password && repeat && set && policy);
    QCOMPARE(password->echoMode(), QLineEdit::Password);

    // A weak password, or two that differ, cannot be submitted; the dialog says why.
    QTest::keyClicks(password, QStringLiteral("short"));
    QVERIFY(!set->isEnabled());
    QVERIFY(policy->text().startsWith(QLatin1String("Password policy:")));
    const QString fresh = QStringLiteral("Brand-New-Secret-2027!");
    password->clear();
    QTest::keyClicks(password, fresh);
    QTest::keyClicks(repeat, QStringLiteral("Brand-New-Secret-2027?"));
    QVERIFY(!set->isEnabled());
    QCOMPARE(policy->text(), QStringLiteral("The two passwords differ"));
    repeat->clear();
    QTest::keyClicks(repeat, fresh);
    QVERIFY(set->isEnabled());
    clickButton(set);
    QTRY_VERIFY(!Console::visibleTopLevel<SetPasswordDialog>());

    // The old password is gone, the new one works, the user's sessions ended, and it is audited.
    QVERIFY_ERROR(c.db->store().auth().login(target.email, kStrongPassword), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(c.db->store().auth().login(target.email, fresh));
    QSqlQuery q(c.db->store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT details FROM audit_events WHERE action = 'user.password_changed' "
                                  "AND resource_id = '%1'")
                       .arg(target.id)));
    QVERIFY(q.next());
    QVERIFY2(q.value(0).toString().contains(QLatin1String("\"sessions_ended\":1")), qPrintable(q.value(0).toString()));
}

namespace {

CreatedApiKey keyOf(Console& c, const User& owner)
{
    NewApiKey key;
    key.name = QStringLiteral("automation");
    key.userId = owner.id;
    key.scopes = { QStringLiteral("chat:view") };
    auto created = c.db->store().apiKeys().create(c.world.superActor, key);
    if (!created)
        qFatal("cannot create an API key: %s", qPrintable(created.error().toString()));
    return *created;
}

bool keyWorks(Console& c, const CreatedApiKey& key)
{
    return c.db->store().apiKeys().verify(key.secret, QStringLiteral("127.0.0.1")).ok();
}

} // namespace

void TestGuiUsers::setPasswordRevokesTheApiKeysUnlessUnticked()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const CreatedApiKey first = keyOf(c, target);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    const QString fresh = QStringLiteral("Brand-New-Secret-2027!");
    for (const bool untick : { true, false }) {
        QTRY_VERIFY(selectUsers(pane, { target.id })); // the list reloads after each change
        QTRY_VERIFY(action(pane, "setPasswordAction")->isEnabled());
        action(pane, "setPasswordAction")->trigger();
        SetPasswordDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = Console::visibleTopLevel<SetPasswordDialog>()));
        // Another user's password: no current password asked, the keys box ticked.
        QVERIFY(!dialog->findChild<QLineEdit*>(QStringLiteral("currentPasswordEdit")));
        auto* revoke = dialog->findChild<QCheckBox*>(QStringLiteral("revokeApiKeysCheck"));
        QVERIFY(revoke && revoke->isChecked());
        if (untick)
            revoke->setChecked(false);
        QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("newPasswordEdit")), fresh);
        QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("repeatPasswordEdit")), fresh);
        clickButton(dialog->findChild<QPushButton*>(QStringLiteral("confirmSetPasswordButton")));
        QTRY_VERIFY(!Console::visibleTopLevel<SetPasswordDialog>());
        QTRY_COMPARE(keyWorks(c, first), untick);
    }
}

void TestGuiUsers::ownPasswordAsksForTheCurrentOne()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(selectUsers(pane, { admin.id }));
    // Everyone may change their own password, through the same action.
    QTRY_VERIFY(action(pane, "setPasswordAction")->isEnabled());
    action(pane, "setPasswordAction")->trigger();
    SetPasswordDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<SetPasswordDialog>()));
    auto* current = dialog->findChild<QLineEdit*>(QStringLiteral("currentPasswordEdit"));
    auto* password = dialog->findChild<QLineEdit*>(QStringLiteral("newPasswordEdit"));
    auto* repeat = dialog->findChild<QLineEdit*>(QStringLiteral("repeatPasswordEdit"));
    auto* set = dialog->findChild<QPushButton*>(QStringLiteral("confirmSetPasswordButton"));
    QVERIFY(current && password && repeat && set);
    QCOMPARE(current->echoMode(), QLineEdit::Password);
    QVERIFY(!dialog->findChild<QCheckBox*>(QStringLiteral("revokeApiKeysCheck"))->isChecked());
    const QString fresh = QStringLiteral("Brand-New-Secret-2027!");
    QTest::keyClicks(password, fresh);
    QTest::keyClicks(repeat, fresh);
    QVERIFY(!set->isEnabled()); // not without the current password

    // A wrong current password: the error appears under that field, nothing changes.
    QTest::keyClicks(current, QStringLiteral("not-my-password"));
    clickButton(set);
    auto* error = dialog->findChild<QLabel*>(QStringLiteral("current_passwordError"));
    QVERIFY(error);
    QTRY_VERIFY(error->isVisible());
    QVERIFY(dialog->isVisible());
    QVERIFY_RESULT(c.db->store().auth().login(admin.email, kStrongPassword));

    current->clear();
    QTest::keyClicks(current, kStrongPassword);
    clickButton(set);
    QTRY_VERIFY(!Console::visibleTopLevel<SetPasswordDialog>());
    QVERIFY_ERROR(c.db->store().auth().login(admin.email, kStrongPassword), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(c.db->store().auth().login(admin.email, fresh));
}

void TestGuiUsers::endSessionsCanRevokeTheApiKeys()
{
    Console c = Console::create();
    const User kept = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const User taken = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const CreatedApiKey keptKey = keyOf(c, kept);
    const CreatedApiKey takenKey = keyOf(c, taken);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    for (const User& user : { kept, taken }) {
        QVERIFY_RESULT(c.db->store().auth().login(user.email, kStrongPassword));
        QTRY_VERIFY(selectUsers(pane, { user.id })); // the list reloads after each change
        QTRY_VERIFY(action(pane, "revokeSessionsAction")->isEnabled());
        action(pane, "revokeSessionsAction")->trigger();
        BulkActionDialog* bulk = nullptr;
        QTRY_VERIFY((bulk = Console::visibleTopLevel<BulkActionDialog>()));
        auto* option = bulk->findChild<QCheckBox*>(QStringLiteral("revokeApiKeysCheck"));
        QVERIFY(option);
        QVERIFY(!option->isChecked()); // off unless asked for
        option->setChecked(user.id == taken.id);
        QSignalSpy done(bulk, &BulkActionDialog::finishedAll);
        clickButton(bulk->findChild<QPushButton*>(QStringLiteral("runBulkButton")));
        QVERIFY(done.wait(15000));
        QCOMPARE(bulk->summary(), QStringLiteral("1 succeeded, 0 failed"));
        bulk->close();
        QTRY_VERIFY(!Console::visibleTopLevel<BulkActionDialog>());
    }
    QVERIFY(keyWorks(c, keptKey));
    QVERIFY(!keyWorks(c, takenKey));
}

void TestGuiUsers::endAllSessionsFromTheSessionsPaneCanRevokeTheApiKeys()
{
    Console c = Console::create();
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const CreatedApiKey key = keyOf(c, member);
    auto session = c.db->store().auth().login(member.email, kStrongPassword);
    QVERIFY_RESULT(session);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    SessionListModel* model = pane->model();
    QTRY_VERIFY(model->atEnd() && !model->isLoading());
    int row = -1;
    for (int r = 0; r < model->rowCount(); ++r) {
        if (model->sessionAt(r).id == session->session.id)
            row = r;
    }
    QVERIFY(row >= 0);
    pane->findChild<QTableView*>(QStringLiteral("sessionTableView"))->selectRow(row);
    auto* revokeAll = pane->findChild<QAction*>(QStringLiteral("revokeUserSessionsAction"));
    QTRY_VERIFY(revokeAll->isEnabled());
    // The confirmation's checkbox, ticked: the sessions end and the keys are revoked.
    MessageBox::setNextAnswer(QMessageBox::Yes);
    MessageBox::setNextOption(true);
    revokeAll->trigger();
    QVERIFY(MessageBox::lastText().contains(member.email));
    QTRY_VERIFY(!keyWorks(c, key));
    QVERIFY_ERROR(c.db->store().sessions().authenticate(session->sessionToken), ErrorCode::Unauthenticated);
}

void TestGuiUsers::adminCannotAssignSuperAdmin()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(selectUsers(pane, { member.id }));
    QTRY_VERIFY(action(pane, "userRolesAction")->isEnabled());
    action(pane, "userRolesAction")->trigger();
    UserRolesDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserRolesDialog>()));
    auto* list = dialog->findChild<QListWidget*>(QStringLiteral("userRolesList"));
    QListWidgetItem* superAdmin = nullptr;
    QListWidgetItem* powerUser = nullptr;
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->data(Qt::UserRole).toString() == QLatin1String("super_admin"))
            superAdmin = list->item(i);
        if (list->item(i)->data(Qt::UserRole).toString() == QLatin1String("power_user"))
            powerUser = list->item(i);
    }
    QVERIFY(superAdmin && powerUser);
    QVERIFY(!(superAdmin->flags() & Qt::ItemIsEnabled)); // greyed out...
    // The tooltip gives the policy's reason, the one the core gives when it refuses.
    QVERIFY2(superAdmin->toolTip().contains(QLatin1String("cannot assign super_admin (level 100)")),
             qPrintable(superAdmin->toolTip()));
    QVERIFY(powerUser->flags() & Qt::ItemIsEnabled);
    // ...and the core refuses it anyway, with a denied audit event.
    auto refused = awaitResult(c.backend->assignRole(member.id, QStringLiteral("super_admin")));
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().codeName(), QStringLiteral("forbidden"));
    // Giving power_user through the dialog works.
    powerUser->setCheckState(Qt::Checked);
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("applyRolesButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<UserRolesDialog>());
    QTRY_VERIFY(c.db->store().core().loadUser(member.id)->roleCodes.contains(QStringLiteral("power_user")));
}

void TestGuiUsers::bulkBanOfThreeUsersSummarises()
{
    Console c = Console::create();
    QList<Id> ids;
    for (int i = 0; i < 3; ++i)
        ids << c.world.makeUser(c.world.orgA.id, QStringLiteral("user")).id;
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(selectUsers(pane, ids));
    QCOMPARE(pane->selectedUsers().size(), 3);
    action(pane, "banUserAction")->trigger();
    BanDialog* reason = nullptr;
    QTRY_VERIFY((reason = Console::visibleTopLevel<BanDialog>()));
    QTest::keyClicks(reason->findChild<QPlainTextEdit*>(QStringLiteral("banReasonEdit")),
                     QStringLiteral("Bot network"));
    clickButton(reason->findChild<QPushButton*>(QStringLiteral("confirmBanButton")));
    BulkActionDialog* bulk = nullptr;
    QTRY_VERIFY((bulk = Console::visibleTopLevel<BulkActionDialog>()));
    auto* preview = bulk->findChild<QTableWidget*>(QStringLiteral("bulkPreviewTable"));
    QCOMPARE(preview->rowCount(), 3);
    QSignalSpy done(bulk, &BulkActionDialog::finishedAll);
    clickButton(bulk->findChild<QPushButton*>(QStringLiteral("runBulkButton")));
    QVERIFY(done.wait(15000));
    QCOMPARE(bulk->summary(), QStringLiteral("3 succeeded, 0 failed"));
    for (int row = 0; row < 3; ++row)
        QCOMPARE(preview->item(row, 2)->text(), QStringLiteral("done"));
    for (Id id : ids)
        QCOMPARE(c.db->store().core().loadUser(id)->banReason, QStringLiteral("Bot network"));
}

void TestGuiUsers::searchFiltersTheList()
{
    Console c = Console::create();
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("zebra_one"));
    c.world.makeUser(c.world.orgB.id, QStringLiteral("viewer"), QStringLiteral("zebra_two"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QTest::keyClicks(pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit")), QStringLiteral("zebra"));
    QTRY_COMPARE(pane->model()->rowCount(), 2);
    auto* count = pane->findChild<QLabel*>(QStringLiteral("userCountLabel"));
    QTRY_COMPARE(count->text(), QStringLiteral("2 user(s)"));
    QTest::keyClicks(pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit")), QStringLiteral("_two"));
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QTest::keyClicks(pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit")), QStringLiteral("nobody"));
    QTRY_COMPARE(pane->model()->rowCount(), 0);
    QTRY_VERIFY(pane->findChild<QLabel*>(QStringLiteral("usersEmptyLabel"))->isVisible());
}

void TestGuiUsers::searchWithMoreThanTenThousandMatchesSaysSo()
{
    Console c = Console::create();
    // More users than a search counts (limits::ExactTotalBound), written straight to the table.
    QSqlDatabase& db = c.db->store().core().db();
    QVERIFY(db.transaction());
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO users (email, username, full_name, organization_id, password_hash, "
                             "created_at, updated_at) VALUES (?, ?, 'Many', ?, 'x', 0, 0)"));
    for (int i = 0; i < limits::ExactTotalBound + 10; ++i) {
        q.addBindValue(QStringLiteral("crowd%1@many.test").arg(i));
        q.addBindValue(QStringLiteral("crowd%1").arg(i));
        q.addBindValue(c.world.orgA.id);
        QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
    }
    QVERIFY(db.commit());
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QTest::keyClicks(pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit")), QStringLiteral("crowd"));
    auto* count = pane->findChild<QLabel*>(QStringLiteral("userCountLabel"));
    QTRY_COMPARE(count->text(), QStringLiteral("%1+ users").arg(QLocale().toString(limits::ExactTotalBound)));
    QVERIFY(pane->model()->totalIsLowerBound());
    QCOMPARE(pane->model()->rowCount(), 50);
    QVERIFY(pane->model()->canFetchMore({}));
    // Without the search the total is exact again.
    pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit"))->clear();
    QTRY_COMPARE(count->text(), QStringLiteral("%1 user(s)").arg(limits::ExactTotalBound + 11));
}

void TestGuiUsers::closingTheWindowSignsOut()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    const Id session = c.backend->actor().sessionId;
    QVERIFY(session != 0);
    c.window->close();
    QTRY_VERIFY(!c.window->isVisible());
    QSqlQuery q(c.db->store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT revoked_at FROM sessions WHERE id = %1").arg(session)) && q.next());
    QVERIFY(!q.value(0).isNull());
    QCOMPARE(c.backend->actor().userId, 0);
}

// The console tells a stale edit from a taken email by the error's reason, not by its English
// text: in German a stale edit once read "email or username already taken".
void TestGuiUsers::staleEditInGermanSaysSomeoneElseChangedIt()
{
    QVERIFY(language::apply(QStringLiteral("de"), QLocale(QLocale::German, QLocale::Germany)));
    const auto english
        = qScopeGuard([] { language::apply(QStringLiteral("en"), QLocale(QLocale::English, QLocale::UnitedStates)); });
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("stale"));
    const User other = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("taken"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);

    auto edit = [&](const User& user) -> UserDialog* {
        if (!selectUsers(pane, { user.id }))
            return nullptr;
        action(pane, "editUserAction")->trigger();
        UserDialog* dialog = nullptr;
        if (!QTest::qWaitFor([&] { return (dialog = Console::visibleTopLevel<UserDialog>()) != nullptr; }, 10000))
            return nullptr;
        return dialog;
    };

    // Someone else saves the user while the dialog is open.
    UserDialog* dialog = edit(target);
    QVERIFY(dialog);
    UserUpdate elsewhere;
    elsewhere.expectedVersion = target.version;
    elsewhere.fullName = QStringLiteral("Changed Elsewhere");
    QVERIFY(c.db->store().users().update(c.world.superActor, target.id, elsewhere).ok());
    auto* fullName = dialog->findChild<QLineEdit*>(QStringLiteral("fullNameEdit"));
    fullName->clear();
    QTest::keyClicks(fullName, QStringLiteral("Mine"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    auto* message = dialog->findChild<QLabel*>(QStringLiteral("dialogMessage"));
    QTRY_VERIFY(message->isVisible());
    QVERIFY2(message->text().contains(QStringLiteral("wurde von jemand anderem geändert")),
             qPrintable(message->text()));
    QVERIFY(!dialog->findChild<QLabel*>(QStringLiteral("emailError"))->isVisible());
    QVERIFY(dialog->isVisible()); // nothing typed is lost
    MessageBox::setNextAnswer(QMessageBox::Yes); // "Discard changes?": Discard
    dialog->reject();
    QTRY_VERIFY(!Console::visibleTopLevel<UserDialog>());

    // A taken email is still told apart: under the email field, in German.
    dialog = edit(other);
    QVERIFY(dialog);
    auto* email = dialog->findChild<QLineEdit*>(QStringLiteral("emailEdit"));
    email->clear();
    QTest::keyClicks(email, target.email);
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    auto* emailError = dialog->findChild<QLabel*>(QStringLiteral("emailError"));
    QTRY_VERIFY(emailError->isVisible());
    QCOMPARE(emailError->text(), QStringLiteral("Die E-Mail-Adresse %1 ist bereits vergeben").arg(target.email));
    MessageBox::setNextAnswer(QMessageBox::Yes); // "Discard changes?": Discard
    dialog->reject();
}

// A suspended user can be reactivated, not suspended again; a selection with an active user can be
// suspended (the bulk action skips nobody it should not).
void TestGuiUsers::suspendIsOfferedOnlyForActiveUsers()
{
    Console c = Console::create();
    const User suspended = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("away"));
    const User active = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("here"));
    QVERIFY(c.db->store().users().suspend(c.world.superActor, suspended.id).ok());
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    QVERIFY(selectUsers(pane, { suspended.id }));
    QTRY_VERIFY(action(pane, "unsuspendUserAction")->isEnabled());
    QVERIFY(!action(pane, "suspendUserAction")->isEnabled());
    QCOMPARE(action(pane, "suspendUserAction")->toolTip(), QStringLiteral("Already suspended"));
    QVERIFY(selectUsers(pane, { suspended.id, active.id }));
    QTRY_VERIFY(action(pane, "suspendUserAction")->isEnabled());
    QVERIFY(action(pane, "unsuspendUserAction")->isEnabled());
    QVERIFY(selectUsers(pane, { active.id }));
    QTRY_VERIFY(!action(pane, "unsuspendUserAction")->isEnabled());
    QVERIFY(action(pane, "suspendUserAction")->isEnabled());
}

// A long address is one word that cannot wrap: the details panel elides it in the middle and the
// tooltip has all of it, instead of cutting it off where the panel ends.
void TestGuiUsers::longEmailIsElidedWithTheWholeAddressInItsTooltip()
{
    Console c = Console::create();
    const QString name = QStringLiteral("a.remarkably.long.mailbox.name.for.the.shared.services.desk.team");
    const User user = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), name);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    QVERIFY(selectUsers(pane, { user.id }));
    auto* email = pane->findChild<QLabel*>(QStringLiteral("detail_email"));
    QVERIFY(email);
    QTRY_VERIFY(email->isVisible() && !email->toolTip().isEmpty());
    QCOMPARE(email->toolTip(), user.email);
    QVERIFY2(email->text().contains(QChar(0x2026)), qPrintable(email->text())); // …
    QVERIFY(email->text().startsWith(name.left(3)) && email->text().endsWith(QStringLiteral(".test")));
    // What is shown fits the label: nothing is cut off.
    QVERIFY(email->fontMetrics().horizontalAdvance(email->text()) <= email->contentsRect().width());
    // A short address is shown whole, without a tooltip.
    QVERIFY(selectUsers(pane, { c.world.superAdmin.id }));
    QTRY_COMPARE(email->text(), c.world.superAdmin.email);
    QVERIFY(email->toolTip().isEmpty());
}

void TestGuiUsers::rolesDialogOffersExactlyWhatTheStoreAllows_data()
{
    QTest::addColumn<QString>("actorRole");
    QTest::addColumn<QString>("targetRole");
    for (const char* actorRole : { "super_admin", "admin", "team_lead", "power_user", "user", "viewer" }) {
        for (const char* targetRole : { "user", "team_lead" })
            QTest::addRow("%s on a %s", actorRole, targetRole)
                << QString::fromLatin1(actorRole) << QString::fromLatin1(targetRole);
    }
}

// The console greys out the roles the store would refuse and offers the others: for every built-in
// role acting on a user, each role in the Roles dialog is enabled exactly when giving it (or taking
// it, when held) succeeds in the store as that actor. A grant (team_lead may give power_user here)
// counts as the store counts it.
void TestGuiUsers::rolesDialogOffersExactlyWhatTheStoreAllows()
{
    QFETCH(QString, actorRole);
    QFETCH(QString, targetRole);
    Console c = Console::create();
    SqlStore& store = c.db->store();
    // A custom role that team leads may give, so that grants are part of the question.
    NewRole granting;
    granting.code = QStringLiteral("desk_lead");
    granting.name = QStringLiteral("Desk lead");
    granting.level = 50;
    granting.organizationId = c.world.orgA.id;
    granting.permissions = { QStringLiteral("admin:user:read") };
    granting.grants = { QStringLiteral("power_user") };
    QVERIFY_RESULT(store.roles().create(c.world.superActor, granting));
    const User acting = actorRole == u"super_admin"
        ? c.world.superAdmin
        : c.world.makeUser(c.world.orgA.id, actorRole, QStringLiteral("acting"));
    if (actorRole == u"team_lead")
        QVERIFY_RESULT(store.users().assignRole(c.world.superActor, acting.id, QStringLiteral("desk_lead")));
    const User target = c.world.makeUser(c.world.orgA.id, targetRole, QStringLiteral("target"));
    QVERIFY(c.open(acting.id == c.world.superAdmin.id ? c.world.superAdmin
                                                      : *store.users().get(c.world.superActor, acting.id)));
    const Result<QList<Role>> roles = store.roles().list(c.world.superActor);
    QVERIFY_RESULT(roles);

    const User current = *store.users().get(c.world.superActor, target.id);
    UserRolesDialog dialog(c.backend.get(), current, *roles);
    auto* list = dialog.findChild<QListWidget*>(QStringLiteral("userRolesList"));
    QVERIFY(list && list->count() > 0);
    const Actor actor = c.world.actorFor(acting);
    int offered = 0;
    for (int i = 0; i < list->count(); ++i) {
        QListWidgetItem* item = list->item(i);
        const QString code = item->data(Qt::UserRole).toString();
        const bool enabled = item->flags().testFlag(Qt::ItemIsEnabled);
        offered += enabled ? 1 : 0;
        const bool held = current.roleCodes.contains(code);
        const Status tried = held ? store.users().revokeRole(actor, target.id, code)
                                  : store.users().assignRole(actor, target.id, code);
        QVERIFY2(tried.ok() == enabled,
                 qPrintable(QStringLiteral("%1 %2 %3: console %4, store %5 (%6)")
                                .arg(actorRole, held ? QStringLiteral("takes") : QStringLiteral("gives"), code,
                                     enabled ? QStringLiteral("offers it") : QStringLiteral("greys it out"),
                                     tried.ok() ? QStringLiteral("allows it") : QStringLiteral("refuses it"),
                                     tried.ok() ? QString() : tried.error().message)));
        // Put the target back as it was for the next role.
        if (tried.ok()) {
            const Status undo = held ? store.users().assignRole(c.world.superActor, target.id, code)
                                     : store.users().revokeRole(c.world.superActor, target.id, code);
            QVERIFY_RESULT(undo);
        }
    }
    // The matrix is not empty on either side: admins and super admins may give something.
    if (actorRole == u"admin" || actorRole == u"super_admin")
        QVERIFY(offered > 0);
}

void TestGuiUsers::userActionsAreEnabledExactlyWhenTheStoreAllowsThem_data()
{
    QTest::addColumn<QString>("actorRole");
    QTest::addColumn<QString>("target"); // "self", or the built-in role of another user of the tenant
    for (const char* actorRole : { "super_admin", "admin", "team_lead", "power_user", "user", "viewer" }) {
        for (const char* target : { "self", "user", "admin", "super_admin" })
            QTest::addRow("%s on %s", actorRole, target)
                << QString::fromLatin1(actorRole) << QString::fromLatin1(target);
    }
}

// For every built-in role acting on itself, a user below it, an admin and a super admin, each
// action of the users pane is enabled exactly when the store, asked as that actor, does it: the
// console asks the same policy the store asks (with the same "destructive" flag per action), it
// does not re-derive it. The console's states are read first, then each action is tried in the
// store and undone (delete last).
void TestGuiUsers::userActionsAreEnabledExactlyWhenTheStoreAllowsThem()
{
    QFETCH(QString, actorRole);
    QFETCH(QString, target);
    Console c = Console::create();
    SqlStore& store = c.db->store();
    const User acting = actorRole == u"super_admin"
        ? c.world.superAdmin
        : c.world.makeUser(c.world.orgA.id, actorRole, QStringLiteral("acting"));
    const User subject
        = target == u"self" ? acting : c.world.makeUser(c.world.orgA.id, target, QStringLiteral("subject"));
    QVERIFY(c.open(acting.id == c.world.superAdmin.id ? c.world.superAdmin
                                                      : *store.users().get(c.world.superActor, acting.id)));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    // Read what the console offers for the selected user, before anything changes.
    QHash<QString, bool> enabled;
    QHash<QString, QString> tips;
    // Without the right to view users the list stays empty: nothing can be selected, and every
    // action must then be off (and the store must refuse each).
    const bool mayList = bool(policy::requirePermission(c.world.actorFor(acting), perm::UserView))
        || bool(policy::requirePermission(c.world.actorFor(acting), perm::UserRead));
    if (mayList)
        QVERIFY(selectUsers(pane, { subject.id }));
    const QStringList names { QStringLiteral("editUserAction"),    QStringLiteral("resetPasswordAction"),
                              QStringLiteral("setPasswordAction"), QStringLiteral("revokeSessionsAction"),
                              QStringLiteral("impersonateAction"), QStringLiteral("suspendUserAction"),
                              QStringLiteral("banUserAction"),     QStringLiteral("deleteUserAction") };
    for (const QString& name : names) {
        QAction* a = action(pane, name.toLatin1().constData());
        QVERIFY2(a, qPrintable(name));
        enabled.insert(name, a->isEnabled());
        tips.insert(name, a->toolTip());
    }
    if (!mayList) {
        // Nothing listed, nothing selected, nothing offered (the store's self-service for one's
        // own account is not reachable from this pane without the list).
        QCOMPARE(pane->model()->rowCount(), 0);
        for (const QString& name : names)
            QVERIFY2(!enabled.value(name), qPrintable(name));
        return;
    }

    const Actor actor = c.world.actorFor(acting);
    const User current = *store.users().get(c.world.superActor, subject.id);
    const bool self = subject.id == acting.id;
    auto check = [&](const QString& name, const Status& tried) {
        QVERIFY2(
            tried.ok() == enabled.value(name),
            qPrintable(QStringLiteral("%1 on %2, %3: console %4 (%5), store %6 (%7)")
                           .arg(actorRole, target, name,
                                enabled.value(name) ? QStringLiteral("enables it") : QStringLiteral("disables it"),
                                tips.value(name), tried.ok() ? QStringLiteral("does it") : QStringLiteral("refuses it"),
                                tried.ok() ? QString() : tried.error().message)));
    };
    auto status = [](const auto& result) { return result.ok() ? Status() : Status(result.error()); };
    UserUpdate update;
    update.expectedVersion = current.version;
    update.fullName = QStringLiteral("Renamed by the test");
    check(QStringLiteral("editUserAction"), status(store.users().update(actor, subject.id, update)));
    check(QStringLiteral("resetPasswordAction"), status(store.tokens().issuePasswordReset(actor, subject.id)));
    PasswordChange change;
    change.password = kStrongPassword + QStringLiteral("2");
    change.currentPassword = self ? kStrongPassword : QString();
    check(QStringLiteral("setPasswordAction"), store.users().setPassword(actor, subject.id, change));
    check(QStringLiteral("revokeSessionsAction"), status(store.sessions().revokeAllForUser(actor, subject.id)));
    check(QStringLiteral("impersonateAction"),
          status(store.sessions().impersonate(actor, subject.id, QStringLiteral("checking a report"), 10)));
    const Result<User> suspended = store.users().suspend(actor, subject.id);
    check(QStringLiteral("suspendUserAction"), status(suspended));
    if (suspended.ok())
        QVERIFY_RESULT(store.users().unsuspend(c.world.superActor, subject.id));
    const Result<User> banned = store.users().ban(actor, subject.id, QStringLiteral("test"));
    check(QStringLiteral("banUserAction"), status(banned));
    if (banned.ok())
        QVERIFY_RESULT(store.users().unban(c.world.superActor, subject.id));
    check(QStringLiteral("deleteUserAction"), store.users().remove(actor, subject.id));
    // The matrix is not empty on either side.
    if (actorRole == u"admin" && target == u"user")
        QVERIFY(enabled.value(QStringLiteral("banUserAction")));
    if (target == u"self")
        QVERIFY(!enabled.value(QStringLiteral("deleteUserAction")));
}

QTEST_MAIN(TestGuiUsers)
#include "tst_gui_users.moc"
