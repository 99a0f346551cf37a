// The console reads Backend::capabilities(): what a deployment lacks (as a better-auth server lacks
// an audit log, a role catalog, a global session list...) is hidden or disabled with its one-line
// reason, and nothing of it is asked for. With every capability nothing changes.
//
// The backend is a real SqlBackend on a real temporary database that declares fewer capabilities:
// a real backend, not a mock. Every call it gets runs the real SQL; it only counts the calls, so
// that the test sees which ones a console without the capability made.

#include "apikeydialog.h"
#include "apikeylistmodel.h"
#include "apikeyspane.h"
#include "auditpane.h"
#include "dashboardpane.h"
#include "guiutil.h"
#include "impersonatedialog.h"
#include "organizationdialogs.h"
#include "rolespane.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "userdialogs.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMutex>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTableView>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

QString reasonFor(Capability capability)
{
    switch (capability) {
    case Capability::AuditLog:
        return QStringLiteral("This server keeps no audit log.");
    case Capability::RoleCatalog:
        return QStringLiteral("This server has no role catalog: roles are names.");
    case Capability::SessionList:
        return QStringLiteral("This server lists sessions per user only.");
    case Capability::Statistics:
        return QStringLiteral("This server keeps no statistics.");
    default:
        return QStringLiteral("This server cannot do this (%1).").arg(int(capability), 0, 16);
    }
}

// What better-auth lacks (see BetterAuthBackend): everything but users, bans, a user's sessions,
// organizations, API keys and impersonation.
const CapabilitySet kBetterAuthLacks = CapabilitySet(Capability::All) & ~CapabilitySet(Capability::Impersonation);

class ReducedBackend : public SqlBackend
{
public:
    ReducedBackend(const DatabaseConfig& config, CapabilitySet missing)
        : SqlBackend(config)
        , m_missing(missing)
    { }

    Capabilities capabilities() const override
    {
        Capabilities capabilities;
        capabilities.set = CapabilitySet(Capability::All) & ~m_missing;
        for (int bit = 1; bit <= int(Capability::All); bit <<= 1) {
            if (m_missing.testFlag(Capability(bit)))
                capabilities.reasons.insert(Capability(bit), reasonFor(Capability(bit)));
        }
        return capabilities;
    }

    int calls(const QString& name) const
    {
        QMutexLocker lock(&m_mutex);
        return m_calls.value(name);
    }
    QStringList called() const
    {
        QMutexLocker lock(&m_mutex);
        return m_calls.keys();
    }

    QFuture<Result<QList<Role>>> listRoles() override { return count("listRoles", SqlBackend::listRoles()); }
    QFuture<Result<QList<Permission>>> listPermissions() override
    {
        return count("listPermissions", SqlBackend::listPermissions());
    }
    QFuture<Result<QStringList>> userEffectivePermissions(Id userId) override
    {
        return count("userEffectivePermissions", SqlBackend::userEffectivePermissions(userId));
    }
    QFuture<Result<QList<Organization>>> listOrganizations() override
    {
        return count("listOrganizations", SqlBackend::listOrganizations());
    }
    QFuture<Result<AuditPage>> queryAudit(const AuditQuery& query) override
    {
        return count("queryAudit", SqlBackend::queryAudit(query));
    }
    QFuture<Result<Stats>> stats(Id organizationId) override
    {
        return count("stats", SqlBackend::stats(organizationId));
    }
    QFuture<Result<QList<DayActivity>>> activity(Id organizationId, int days) override
    {
        return count("activity", SqlBackend::activity(organizationId, days));
    }
    QFuture<Result<QList<MaintenanceRun>>> maintenanceRuns(int limit) override
    {
        return count("maintenanceRuns", SqlBackend::maintenanceRuns(limit));
    }
    QFuture<Result<Page<Session>>> listSessions(const SessionQuery& query) override
    {
        return count(query.userId == 0 ? "listSessions(everyone)" : "listSessions(user)",
                     SqlBackend::listSessions(query));
    }
    QFuture<Result<Page<ApiKey>>> listApiKeys(const ApiKeyQuery& query) override
    {
        return count(query.userId == actor().userId ? "listApiKeys(own)" : "listApiKeys(others)",
                     SqlBackend::listApiKeys(query));
    }

private:
    template <typename T> QFuture<T> count(const char* name, QFuture<T> future)
    {
        QMutexLocker lock(&m_mutex);
        ++m_calls[QString::fromLatin1(name)];
        return future;
    }

    CapabilitySet m_missing;
    mutable QMutex m_mutex;
    QHash<QString, int> m_calls;
};

struct ReducedConsole
{
    std::unique_ptr<TestDatabase> db;
    World world;
    std::unique_ptr<ReducedBackend> backend;
    std::unique_ptr<MainWindow> window;

    bool open(const User& user, CapabilitySet missing)
    {
        db = TestDatabase::create();
        world = World::build(db->store());
        backend = std::make_unique<ReducedBackend>(db->config(), missing);
        window = signInAndShow(*backend, user.email.isEmpty() ? world.superAdmin.email : user.email, QSize(1200, 800));
        return window != nullptr;
    }

    template <typename P> P* showPane(const QString& name) { return showLoadedPane<P>(*window, name); }
};

// Clicks like a user once the button is laid out and enabled (a click on a 0x0 button misses).
void clickButton(QPushButton* button)
{
    QVERIFY(button);
    QTRY_VERIFY(button->isVisible() && button->isEnabled() && !button->rect().isEmpty());
    QTest::mouseClick(button, Qt::LeftButton);
}

QLabel* reasonLabel(QWidget* pane)
{
    return pane->findChild<QLabel*>(QStringLiteral("capabilityReasonLabel"));
}

} // namespace

class TestGuiCapabilities : public QObject
{
    Q_OBJECT

private slots:
    void panesWithoutTheirCapabilityShowTheReasonAndAskForNothing();
    void sessionsPaneWithoutSessionListListsOneUsersSessions();
    void dashboardWithoutStatisticsShowsTotalsAndTheReason();
    void usersPaneDisablesWhatTheDeploymentLacks();
    void userDialogWithoutUsernamesOrRoleCatalogTakesRoleNames();
    void rolesOfAUserAreEditedAsNamesWithoutARoleCatalog();
    void menuEntriesTheDeploymentLacksAreDisabledWithTheReason();
    void apiKeysWithoutOthersKeysListOnlyOwnKeys();
    void ourOwnRulesStillRefuseBanningYourself();
    void keyLimitsAndInvitationLengthAreLeftOut_data();
    void keyLimitsAndInvitationLengthAreLeftOut();
    void everyCapabilityChangesNothing();
};

void TestGuiCapabilities::panesWithoutTheirCapabilityShowTheReasonAndAskForNothing()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    for (const auto& [name, capability] : { std::pair { QStringLiteral("audit"), Capability::AuditLog },
                                            std::pair { QStringLiteral("roles"), Capability::RoleCatalog } }) {
        auto* pane = c.showPane<Pane>(name);
        QVERIFY(pane);
        QVERIFY(pane->isLoaded());
        QLabel* reason = reasonLabel(pane);
        QVERIFY2(reason, qPrintable(name));
        QVERIFY(reason->isVisible());
        QVERIFY2(reason->text().startsWith(reasonFor(capability)), qPrintable(reason->text()));
        // No list under the reason, and F5 asks for nothing either.
        for (QTableView* table : pane->findChildren<QTableView*>())
            QVERIFY(!table->isVisible());
        QVERIFY(pane->unavailable());
        pane->refresh();
        // New and Delete say why.
        auto* newAction = findAction(c.window.get(), "newAction");
        QVERIFY(!newAction->isEnabled());
        QCOMPARE(newAction->toolTip(), reasonFor(capability));
        QVERIFY(!findAction(c.window.get(), "deleteAction")->isEnabled());
    }
    QTest::qWait(300); // anything asked for would have been asked by now
    QCOMPARE(c.backend->calls(QStringLiteral("queryAudit")), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("listRoles")), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("listPermissions")), 0);
    // The audit pane's actions (export, verify, follow) are all off.
    auto* audit = c.window->pane(QStringLiteral("audit"));
    for (QAction* action : audit->findChildren<QAction*>())
        QVERIFY2(!action->isEnabled(), qPrintable(action->objectName()));
    // --dialog permission-codes opens nothing.
    QVERIFY(!c.window->openDialog(QStringLiteral("permission-codes")));
}

void TestGuiCapabilities::sessionsPaneWithoutSessionListListsOneUsersSessions()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    auto* pane = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(pane);
    QVERIFY(pane->isLoaded());
    auto* empty = pane->findChild<QLabel*>(QStringLiteral("sessionsEmptyLabel"));
    QVERIFY(empty->isVisible());
    QVERIFY2(empty->text().startsWith(reasonFor(Capability::SessionList)), qPrintable(empty->text()));
    QVERIFY2(empty->text().contains(QStringLiteral("Users pane")), qPrintable(empty->text()));
    QCOMPARE(pane->model()->rowCount(), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("listSessions(everyone)")), 0);

    // One user's sessions (here the admin's own, the console's) are listed as before.
    pane->showForUser(c.world.superAdmin.id, c.world.superAdmin.email);
    QTRY_VERIFY(pane->model()->rowCount() > 0);
    QVERIFY(c.backend->calls(QStringLiteral("listSessions(user)")) > 0);
    QVERIFY(!empty->isVisible());

    // The Users pane's "Show sessions" leads there too; clearing the filter shows the reason again.
    auto* filter = pane->findChild<QLineEdit*>(QStringLiteral("sessionUserFilter"));
    filter->clear();
    QTest::keyClick(filter, Qt::Key_Return);
    QTRY_VERIFY(empty->isVisible());
    QCOMPARE(pane->model()->rowCount(), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("listSessions(everyone)")), 0);
}

void TestGuiCapabilities::dashboardWithoutStatisticsShowsTotalsAndTheReason()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    const User banned = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(awaitResult(c.backend->banUser(banned.id, QStringLiteral("spam"), {})));
    auto* pane = c.showPane<DashboardPane>(QStringLiteral("dashboard"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->isLoaded());
    // The window opened on the dashboard before the ban: its numbers are a snapshot until F5.
    pane->refresh();
    QCOMPARE(c.backend->calls(QStringLiteral("stats")), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("activity")), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("maintenanceRuns")), 0);
    // The totals the user list gives, as the real database counts them.
    QSqlQuery q(c.db->store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0")) && q.next());
    QTRY_COMPARE(pane->tileText(QStringLiteral("usersTotal")), QString::number(q.value(0).toLongLong()));
    QTRY_COMPARE(pane->tileText(QStringLiteral("usersBanned")), QStringLiteral("1"));
    // Only those tiles: nothing estimated in place of the others.
    QVERIFY(!pane->findChild<QWidget*>(QStringLiteral("statTile_usersActive")));
    QVERIFY(!pane->findChild<QWidget*>(QStringLiteral("statTile_eventsLast24h")));
    QVERIFY(!pane->findChild<QWidget*>(QStringLiteral("statTile_sessionsActive")));
    auto* chartMessage = pane->findChild<QLabel*>(QStringLiteral("activityMessageLabel"));
    QVERIFY(chartMessage->isVisible());
    QCOMPARE(chartMessage->text(), reasonFor(Capability::Statistics));
    QVERIFY(!pane->findChild<QLabel*>(QStringLiteral("dashboardMaintenanceLabel"))->isVisible());
}

void TestGuiCapabilities::usersPaneDisablesWhatTheDeploymentLacks()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    pane->selectId(target.id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    const QList<std::pair<const char*, Capability>> lacking = {
        { "suspendUserAction", Capability::SuspendUsers },         { "unsuspendUserAction", Capability::SuspendUsers },
        { "resetPasswordAction", Capability::PasswordResetCodes }, { "moveUserAction", Capability::MoveUsers },
        { "showAuditTrailAction", Capability::AuditLog },
    };
    for (const auto& [name, capability] : lacking) {
        QAction* action = findAction(pane, name);
        QVERIFY2(action, name);
        QVERIFY2(!action->isEnabled(), name);
        QCOMPARE(action->toolTip(), reasonFor(capability));
        QCOMPARE(action->statusTip(), reasonFor(capability));
    }
    // What the deployment has stays as the policy says.
    for (const char* name : { "editUserAction", "banUserAction", "deleteUserAction", "setPasswordAction",
                              "showSessionsAction", "impersonateAction", "userRolesAction" })
        QVERIFY2(findAction(pane, name)->isEnabled(), name);
    // No username or organization column or detail, no "suspended" status, the activity says why.
    auto* table = pane->findChild<QTableView*>(QStringLiteral("userTableView"));
    QVERIFY(table->isColumnHidden(UserListModel::UsernameColumn));
    QVERIFY(table->isColumnHidden(UserListModel::OrganizationColumn));
    QVERIFY(table->isColumnHidden(UserListModel::LastLoginColumn)); // no "never" where it is not known
    QVERIFY(!pane->findChild<QLabel*>(QStringLiteral("detail_last")));
    QVERIFY(!pane->findChild<QLabel*>(QStringLiteral("detail_username")));
    QVERIFY(!pane->findChild<QLabel*>(QStringLiteral("detail_organization")));
    auto* status = pane->findChild<QComboBox*>(QStringLiteral("statusFilterCombo"));
    for (const char* none : { "suspended", "locked", "deleted" })
        QCOMPARE(status->findData(QString::fromLatin1(none)), -1);
    QVERIFY(status->findData(QStringLiteral("banned")) > 0);
    QTRY_VERIFY(pane->findChild<QWidget*>(QStringLiteral("userActivityView"))->isVisible());
    QTRY_VERIFY(!pane->findChildren<QLabel*>().isEmpty());
    bool reasonShown = false;
    for (QLabel* label : pane->findChild<QWidget*>(QStringLiteral("userActivityView"))->findChildren<QLabel*>())
        reasonShown = reasonShown || (label->isVisible() && label->text() == reasonFor(Capability::AuditLog));
    QVERIFY(reasonShown);

    // Impersonation keeps its confirmation, but promises no audit trail and no chosen length.
    findAction(pane, "impersonateAction")->trigger();
    ImpersonateDialog* impersonate = nullptr;
    QTRY_VERIFY((impersonate = Console::visibleTopLevel<ImpersonateDialog>()));
    const QString warning = impersonate->findChild<QLabel*>(QStringLiteral("impersonationWarning"))->text();
    QVERIFY2(warning.contains(reasonFor(Capability::AuditLog)), qPrintable(warning));
    QVERIFY2(!warning.contains(QStringLiteral("recorded in the audit log")), qPrintable(warning));
    QVERIFY(!impersonate->findChild<QSpinBox*>(QStringLiteral("impersonationDurationSpin"))->isVisible());
    QVERIFY(impersonate->findChild<QPlainTextEdit*>(QStringLiteral("impersonationReasonEdit"))->isVisible());
    impersonate->reject();

    // The role filter takes a role name: typed, it filters the list on the server.
    auto* roles = pane->findChild<QComboBox*>(QStringLiteral("roleFilterCombo"));
    QVERIFY(roles->isEditable());
    QVERIFY(roles->findData(QStringLiteral("super_admin")) > 0); // a name seen on the users listed
    roles->lineEdit()->setText(QStringLiteral("super_admin"));
    QTest::keyClick(roles->lineEdit(), Qt::Key_Return);
    QTRY_COMPARE(pane->model()->query().roleCode, QStringLiteral("super_admin"));
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->userAt(0).id, c.world.superAdmin.id);

    QTest::qWait(300);
    QCOMPARE(c.backend->calls(QStringLiteral("listRoles")), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("listOrganizations")), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("queryAudit")), 0);
}

void TestGuiCapabilities::userDialogWithoutUsernamesOrRoleCatalogTakesRoleNames()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    pane->createNew();
    UserDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserDialog>()));
    QVERIFY(!dialog->findChild<QLineEdit*>(QStringLiteral("usernameEdit")));
    QVERIFY(!dialog->findChild<QComboBox*>(QStringLiteral("organizationCombo")));
    QVERIFY(!dialog->findChild<QListWidget*>(QStringLiteral("rolesList")));
    auto* roleNames = dialog->findChild<QLineEdit*>(QStringLiteral("roleNamesEdit"));
    QVERIFY(roleNames && roleNames->isVisible());
    QCOMPARE(roleNames->text(), QStringLiteral("user"));
    dialog->reject();
    QCOMPARE(c.backend->calls(QStringLiteral("listRoles")), 0);
    QCOMPARE(c.backend->calls(QStringLiteral("listOrganizations")), 0);

    // Saved through a real SqlBackend (which needs a username: that one keeps Usernames), the names
    // become the user's roles.
    ReducedConsole d;
    QVERIFY(d.open({}, CapabilitySet(Capability::RoleCatalog) | Capability::MoveUsers));
    pane = d.showPane<UsersPane>(QStringLiteral("users"));
    pane->createNew();
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserDialog>()));
    roleNames = dialog->findChild<QLineEdit*>(QStringLiteral("roleNamesEdit"));
    QVERIFY(roleNames);
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("usernameEdit")), QStringLiteral("named"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("emailEdit")), QStringLiteral("named@example.test"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("fullNameEdit")), QStringLiteral("Named Roles"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("passwordEdit")), kStrongPassword);
    roleNames->setText(QStringLiteral(" viewer ,power_user,viewer"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<UserDialog>());
    QTRY_VERIFY(!pane->selectedUsers().isEmpty());
    QCOMPARE(pane->selectedUsers().first().email, QStringLiteral("named@example.test"));
    QStringList roles = pane->selectedUsers().first().roleCodes;
    roles.sort();
    QCOMPARE(roles, (QStringList { QStringLiteral("power_user"), QStringLiteral("viewer") }));
    QCOMPARE(d.backend->calls(QStringLiteral("listRoles")), 0);
    QCOMPARE(d.backend->calls(QStringLiteral("listOrganizations")), 0);
}

void TestGuiCapabilities::rolesOfAUserAreEditedAsNamesWithoutARoleCatalog()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    pane->selectId(target.id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    findAction(pane, "userRolesAction")->trigger();
    UserRolesDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserRolesDialog>()));
    QVERIFY(!dialog->findChild<QListWidget*>(QStringLiteral("userRolesList"))->isVisible());
    auto* names = dialog->findChild<QLineEdit*>(QStringLiteral("roleNamesEdit"));
    QVERIFY(names && names->isVisible());
    QCOMPARE(names->text(), QStringLiteral("user"));
    names->setText(QStringLiteral("viewer"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("applyRolesButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<UserRolesDialog>());
    const auto stored = awaitResult(c.backend->getUser(target.id));
    QVERIFY_RESULT(stored);
    QCOMPARE(stored->roleCodes, QStringList { QStringLiteral("viewer") });
    QCOMPARE(c.backend->calls(QStringLiteral("listRoles")), 0);
}

void TestGuiCapabilities::menuEntriesTheDeploymentLacksAreDisabledWithTheReason()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    const QList<std::pair<const char*, Capability>> entries = {
        { "importUsersAction", Capability::UserImportExport },
        { "exportUsersAction", Capability::UserImportExport },
        { "deploymentSettingsAction", Capability::DeploymentSettings },
        { "runMaintenanceAction", Capability::Maintenance },
    };
    for (const auto& [name, capability] : entries) {
        QAction* action = findAction(c.window.get(), name);
        QVERIFY2(action, name);
        QVERIFY2(!action->isEnabled(), name);
        QCOMPARE(action->statusTip(), reasonFor(capability));
        QCOMPARE(action->toolTip(), reasonFor(capability));
    }
    QVERIFY(!c.window->openDialog(QStringLiteral("import-users")));
    QVERIFY(!c.window->openDialog(QStringLiteral("deployment-settings")));
    // No tenant to narrow to where users belong to no organization.
    auto* tenants = c.window->findChild<QComboBox*>(QStringLiteral("tenantSwitcher"));
    QVERIFY(!tenants->isEnabled());
    QCOMPARE(tenants->count(), 1);
    QTest::qWait(300);
    QCOMPARE(c.backend->calls(QStringLiteral("listOrganizations")), 0);
}

void TestGuiCapabilities::apiKeysWithoutOthersKeysListOnlyOwnKeys()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QVERIFY(pane);
    QTRY_VERIFY(c.backend->calls(QStringLiteral("listApiKeys(own)")) > 0);
    QCOMPARE(c.backend->calls(QStringLiteral("listApiKeys(others)")), 0);
    auto* message = pane->findChild<QLabel*>(QStringLiteral("apiKeyFilterMessage"));
    QVERIFY(message);
    QVERIFY2(message->text().startsWith(reasonFor(Capability::ApiKeysOfOthers)), qPrintable(message->text()));
}

void TestGuiCapabilities::ourOwnRulesStillRefuseBanningYourself()
{
    ReducedConsole c;
    QVERIFY(c.open({}, kBetterAuthLacks));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    pane->selectId(c.world.superAdmin.id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    QAction* ban = findAction(pane, "banUserAction");
    QVERIFY(!ban->isEnabled());
    QCOMPARE(ban->toolTip(), QStringLiteral("You cannot do this to your own account"));
    ban->trigger(); // a disabled action does nothing: no dialog, no request
    QTest::qWait(100);
    QVERIFY(!Console::visibleTopLevel<BanDialog>());
}

void TestGuiCapabilities::keyLimitsAndInvitationLengthAreLeftOut_data()
{
    QTest::addColumn<bool>("lacking");
    QTest::newRow("deployment without them") << true;
    QTest::newRow("deployment with them") << false;
}

// A key's own rate limit and address list, and an invitation's length, are not shown (as "0/min",
// "any address") or asked for where the deployment has none: no column, no detail row, no field.
void TestGuiCapabilities::keyLimitsAndInvitationLengthAreLeftOut()
{
    QFETCH(bool, lacking);
    ReducedConsole c;
    QVERIFY(
        c.open({}, lacking ? CapabilitySet(Capability::ApiKeyLimits) | Capability::InvitationLength : CapabilitySet()));
    NewApiKey key;
    key.userId = c.world.superAdmin.id;
    key.name = QStringLiteral("ci");
    key.scopes = { QStringLiteral("admin:user:view") };
    QVERIFY(awaitResult(c.backend->createApiKey(key)).ok());

    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QVERIFY(pane);
    auto* table = pane->findChild<QTableView*>();
    QVERIFY(table);
    QTRY_VERIFY(table->model()->rowCount() > 0);
    QCOMPARE(table->isColumnHidden(ApiKeyListModel::RateLimitColumn), lacking);
    table->selectRow(0);
    auto* rate = pane->findChild<QLabel*>(QStringLiteral("apiKeyDetail_rate"));
    auto* ips = pane->findChild<QLabel*>(QStringLiteral("apiKeyDetail_ips"));
    QCOMPARE(rate == nullptr, lacking);
    QCOMPARE(ips == nullptr, lacking);
    if (!lacking)
        QTRY_VERIFY(rate->text().contains(QStringLiteral("per minute")));

    ApiKeyDialog create(c.backend.get(), c.window.get());
    create.show();
    QCOMPARE(create.findChild<QSpinBox*>(QStringLiteral("apiKeyRateLimitSpin"))->isVisible(), !lacking);
    QCOMPARE(create.findChild<QPlainTextEdit*>(QStringLiteral("apiKeyIpAllowlistEdit"))->isVisible(), !lacking);

    const auto roles = awaitResult(c.backend->listRoles());
    QVERIFY(roles.ok());
    InvitationDialog invite(c.backend.get(), c.world.orgA, roles.value(), c.window.get());
    invite.show();
    QCOMPARE(invite.findChild<QSpinBox*>(QStringLiteral("invitationDaysSpin"))->isVisible(), !lacking);
}

void TestGuiCapabilities::everyCapabilityChangesNothing()
{
    ReducedConsole c;
    QVERIFY(c.open({}, {}));
    for (const QString& name : c.window->paneNames()) {
        auto* pane = c.showPane<Pane>(name);
        QVERIFY(pane);
        QTRY_VERIFY(pane->isLoaded());
        QVERIFY2(!reasonLabel(pane), qPrintable(name));
        QVERIFY(!pane->unavailable());
    }
    QVERIFY(c.backend->calls(QStringLiteral("queryAudit")) > 0);
    QVERIFY(c.backend->calls(QStringLiteral("listRoles")) > 0);
    QVERIFY(c.backend->calls(QStringLiteral("stats")) > 0);
    QVERIFY(c.backend->calls(QStringLiteral("listSessions(everyone)")) > 0);
    auto* users = qobject_cast<UsersPane*>(c.window->pane(QStringLiteral("users")));
    QVERIFY(!users->findChild<QComboBox*>(QStringLiteral("roleFilterCombo"))->isEditable());
    QVERIFY(users->findChild<QComboBox*>(QStringLiteral("statusFilterCombo"))->findData(QStringLiteral("suspended"))
            > 0);
    auto* table = users->findChild<QTableView*>(QStringLiteral("userTableView"));
    QVERIFY(!table->isColumnHidden(UserListModel::UsernameColumn));
    QVERIFY(!table->isColumnHidden(UserListModel::LastLoginColumn));
    QVERIFY(users->findChild<QLabel*>(QStringLiteral("detail_last")));
    for (const char* name :
         { "importUsersAction", "exportUsersAction", "deploymentSettingsAction", "runMaintenanceAction" })
        QVERIFY2(findAction(c.window.get(), name)->isEnabled(), name);
    QVERIFY(c.window->findChild<QComboBox*>(QStringLiteral("tenantSwitcher"))->isEnabled());
    c.window->showPane(QStringLiteral("users"));
    users->createNew();
    UserDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserDialog>()));
    QVERIFY(dialog->findChild<QLineEdit*>(QStringLiteral("usernameEdit")));
    QVERIFY(dialog->findChild<QComboBox*>(QStringLiteral("organizationCombo")));
    QVERIFY(dialog->findChild<QListWidget*>(QStringLiteral("rolesList")));
    QVERIFY(!dialog->findChild<QLineEdit*>(QStringLiteral("roleNamesEdit")));
    dialog->reject();
    QTRY_VERIFY(!Console::visibleTopLevel<UserDialog>());
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    users->findChild<QLineEdit*>(QStringLiteral("userSearchEdit"))->setText(target.email);
    QTRY_COMPARE(users->model()->rowCount(), 1);
    users->selectId(target.id);
    QTRY_COMPARE(users->selectedUsers().size(), 1);
    findAction(users, "impersonateAction")->trigger();
    ImpersonateDialog* impersonate = nullptr;
    QTRY_VERIFY((impersonate = Console::visibleTopLevel<ImpersonateDialog>()));
    QVERIFY(impersonate->findChild<QSpinBox*>(QStringLiteral("impersonationDurationSpin"))->isVisible());
    QVERIFY(impersonate->findChild<QLabel*>(QStringLiteral("impersonationWarning"))
                ->text()
                .contains(QStringLiteral("recorded in the audit log")));
    impersonate->reject();
}

QTEST_MAIN(TestGuiCapabilities)
#include "tst_gui_capabilities.moc"
