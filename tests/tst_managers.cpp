// The manager suite: users, roles, sign-in, audit and the policy matrix, through SqlStore on a real
// database. Runs unchanged on SQLite (tst_managers) and PostgreSQL (tst_managers_pg).

#include "policy/catalog.h"
#include "policy/policy.h"
#include "sql/auditchain.h"
#include "testutil.h"

#include "domain/csv.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QLockFile>
#include <QSqlError>
#include <QSqlQuery>

using namespace portcullis;
using namespace portcullis::test;

namespace {

const QStringList kRoles = { QStringLiteral("super_admin"), QStringLiteral("admin"), QStringLiteral("team_lead"),
                             QStringLiteral("power_user"),  QStringLiteral("user"),  QStringLiteral("viewer") };

} // namespace

class TestManagers : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    // users
    void createdUserIsListedWithRolesAndTotal();
    void createRejectsBadInputWithFieldErrors();
    void valueInUseIsNamed_data();
    void valueInUseIsNamed();
    void listSearchesFiltersSortsAndPages();
    void unfilteredTotalFollowsTheUsers();
    void staleVersionIsAConflict();
    void softDeleteHidesTheUserAndEndsAccess();
    void banNeedsReasonEndsSessionsAndBlocksLogin();
    void temporaryBanExpires();
    void suspendAndUnsuspend();
    void passwordPolicyIsEnforced();
    void planLimitRefusesCreate();
    void deletedUserFreesItsSeat();
    void fieldTooLongIsRefused();

    // roles and permissions
    void builtInRolesHaveTheirLevels();
    void customRoleLifecycle();
    void builtInRolesCannotBeChanged();
    void roleCannotCarryPermissionsTheCreatorLacks();
    void effectivePermissionsInherit();
    void grantsNeverReachBesideOrAbove();

    // sign-in
    void loginByEmailOrUsername();
    void wrongPasswordsLockTheAccount();
    void suspendedOrganizationCannotSignIn();
    void impersonatedActionsNameTheImpersonator();

    // audit
    void auditChainVerifiesAndIsAppendOnly();
    void auditVerifyRunsOnceAtATimePerDeployment();
    void auditVerifyStopsWhenCancelled();
    void auditKeysetPagingVisitsEveryEventOnce();
    void auditFiltersAndTenantScope();
    void auditExportWritesTheWholeFilteredSet();
    void auditExportCanBeCancelled();
    void csvFieldsNeverStartAFormula_data();
    void csvFieldsNeverStartAFormula();
    void auditPurgeKeepsTheChainVerifiable();
    void tamperedEventIsNamedByVerify();
    void everyAuditedActionIsInTheCatalog();

    // policy matrix
    void policyMatrix_data();
    void policyMatrix();
    void crossTenantOperations_data();
    void crossTenantOperations();

private:
    std::unique_ptr<TestDatabase> m_db;
    World m_world;
    SqlStore& store() { return m_db->store(); }
};

void TestManagers::init()
{
    m_db = TestDatabase::create();
    m_world = World::build(m_db->store());
}

void TestManagers::cleanup()
{
    m_world = World();
    m_db.reset();
}

// --- users ----------------------------------------------------------------------------------

void TestManagers::createdUserIsListedWithRolesAndTotal()
{
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const Actor actor = m_world.actorFor(admin);
    NewUser nu;
    nu.email = QStringLiteral("Grace.Hopper@Example.test");
    nu.username = QStringLiteral("ghopper");
    nu.fullName = QStringLiteral("Grace Hopper");
    nu.password = kStrongPassword;
    nu.roleCodes = { QStringLiteral("power_user") };
    auto created = store().users().create(actor, nu);
    QVERIFY_RESULT(created);
    QCOMPARE(created->email, QStringLiteral("grace.hopper@example.test")); // emails are stored lower-case
    QCOMPARE(created->organizationId, m_world.orgA.id); // defaults to the actor's tenant
    QCOMPARE(created->roleCodes, QStringList { QStringLiteral("power_user") });
    QCOMPARE(created->highestLevel, 40);
    QCOMPARE(created->version, 1);

    UserQuery query;
    query.search = QStringLiteral("hopper");
    auto page = store().users().list(actor, query);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->items.size(), 1);
    QCOMPARE(page->items.first().id, created->id);
    QCOMPARE(page->items.first().roleCodes, QStringList { QStringLiteral("power_user") });

    const EventRow event = lastEvent(store(), QStringLiteral("user.created"), QString::number(created->id));
    QVERIFY(event.found);
    QCOMPARE(event.outcome, QStringLiteral("success"));
    QCOMPARE(event.actorId, admin.id);
    QCOMPARE(event.organizationId, m_world.orgA.id);
}

void TestManagers::createRejectsBadInputWithFieldErrors()
{
    const Actor actor = m_world.superActor;
    NewUser nu;
    nu.email = QStringLiteral("not-an-email");
    nu.username = QStringLiteral("x");
    nu.password = kStrongPassword;
    nu.organizationId = m_world.orgA.id;
    auto bad = store().users().create(actor, nu);
    QVERIFY_ERROR(bad, ErrorCode::Validation);
    QVERIFY(bad.error().fieldErrors.contains(QStringLiteral("email")));
    QVERIFY(bad.error().fieldErrors.contains(QStringLiteral("username")));

    nu.email = m_world.superAdmin.email.toUpper(); // same address, other case
    nu.username = QStringLiteral("another");
    auto duplicate = store().users().create(actor, nu);
    QVERIFY_ERROR(duplicate, ErrorCode::Validation);
    QVERIFY(duplicate.error().fieldErrors.contains(QStringLiteral("email")));

    nu.email = QStringLiteral("fresh@example.test");
    nu.roleCodes = { QStringLiteral("no_such_role") };
    auto unknownRole = store().users().create(actor, nu);
    // A role nobody has, like another tenant's, is missing (the same answer for both).
    QVERIFY_ERROR(unknownRole, ErrorCode::NotFound);
    QVERIFY(unknownRole.error().message.contains(QStringLiteral("no_such_role")));
    // Nothing was written by the refused attempts.
    QCOMPARE(countRows(store(), QStringLiteral("SELECT COUNT(*) FROM users WHERE email = 'fresh@example.test'")), 0);
}

void TestManagers::valueInUseIsNamed_data()
{
    QTest::addColumn<bool>("update"); // an edit of another user instead of a new one
    QTest::addColumn<bool>("sameEmail");
    QTest::addColumn<bool>("sameUsername");
    for (bool update : { false, true }) {
        const char* how = update ? "update" : "create";
        QTest::addRow("%s: email in use", how) << update << true << false;
        QTest::addRow("%s: username in use", how) << update << false << true;
        QTest::addRow("%s: both in use", how) << update << true << true;
    }
}

// "Email or username already in use" says which one, with the value, under the field it is about.
void TestManagers::valueInUseIsNamed()
{
    QFETCH(bool, update);
    QFETCH(bool, sameEmail);
    QFETCH(bool, sameUsername);
    const Actor actor = m_world.superActor;
    const User holder = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const QString email = sameEmail ? holder.email.toUpper() : QStringLiteral("free@example.test");
    const QString username = sameUsername ? holder.username : QStringLiteral("free_name");
    Result<User> refused = ServiceError::storage(QStringLiteral("not run"));
    if (update) {
        const User other = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
        UserUpdate change;
        change.expectedVersion = other.version;
        change.email = email;
        change.username = username;
        refused = store().users().update(actor, other.id, change);
    } else {
        NewUser nu;
        nu.email = email;
        nu.username = username;
        nu.password = kStrongPassword;
        nu.organizationId = m_world.orgA.id;
        refused = store().users().create(actor, nu);
    }
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    const auto& fields = refused.error().fieldErrors;
    QCOMPARE(fields.contains(QStringLiteral("email")), sameEmail);
    QCOMPARE(fields.contains(QStringLiteral("username")), sameUsername);
    if (sameEmail) {
        QVERIFY2(fields.value(QStringLiteral("email")).contains(holder.email),
                 qPrintable(fields.value(QStringLiteral("email"))));
        QVERIFY(refused.error().message.contains(holder.email));
    }
    if (sameUsername) {
        QVERIFY2(fields.value(QStringLiteral("username")).contains(holder.username),
                 qPrintable(fields.value(QStringLiteral("username"))));
        QVERIFY(refused.error().message.contains(holder.username));
    }
    if (!sameEmail)
        QVERIFY(!refused.error().message.contains(QStringLiteral("free@example.test")));
    if (!sameUsername)
        QVERIFY(!refused.error().message.contains(QStringLiteral("free_name")));
}

void TestManagers::listSearchesFiltersSortsAndPages()
{
    const Actor actor = m_world.superActor;
    QList<User> made;
    for (int i = 0; i < 12; ++i)
        made << m_world.makeUser(m_world.orgA.id, i % 3 == 0 ? QStringLiteral("viewer") : QStringLiteral("user"),
                                 QStringLiteral("member%1").arg(i, 2, 10, QLatin1Char('0')));
    m_world.makeUser(m_world.orgB.id, QStringLiteral("user"), QStringLiteral("member_b"));
    QVERIFY_RESULT(store().users().ban(actor, made.at(1).id, QStringLiteral("spam")));
    QVERIFY_RESULT(store().users().suspend(actor, made.at(2).id));

    UserQuery q;
    q.search = QStringLiteral("member");
    q.organizationId = m_world.orgA.id;
    q.limit = 5;
    q.page = 3;
    auto page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 12);
    QCOMPARE(page->items.size(), 2); // 5 + 5 + 2
    QCOMPARE(page->items.at(0).username, QStringLiteral("member10"));
    QCOMPARE(page->items.at(1).username, QStringLiteral("member11"));

    q.page = 1;
    q.limit = 50;
    q.sortBy = QStringLiteral("username");
    q.descending = true;
    page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->items.first().username, QStringLiteral("member11"));

    q.roleCode = QStringLiteral("viewer");
    page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 4); // members 0, 3, 6, 9

    q.roleCode.clear();
    q.status = QStringLiteral("banned");
    page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->items.first().id, made.at(1).id);
    QCOMPARE(page->items.first().status(), QStringLiteral("banned"));

    q.status = QStringLiteral("suspended");
    page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->items.first().id, made.at(2).id);

    q.status = QStringLiteral("active");
    page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 10);

    // Searching for LIKE wildcards finds them literally.
    q.status.clear();
    q.search = QStringLiteral("%");
    page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 0);

    q.sortBy = QStringLiteral("password_hash; DROP TABLE users");
    QVERIFY_ERROR(store().users().list(actor, q), ErrorCode::Validation);
}

// The unfiltered total comes from the maintained per-organization count: it must follow creates,
// soft deletes and a wiped-out organization exactly as COUNT(*) would.
void TestManagers::unfilteredTotalFollowsTheUsers()
{
    const Actor actor = m_world.superActor;
    auto total = [&](Id org) {
        UserQuery q;
        q.organizationId = org;
        auto page = store().users().list(actor, q);
        return page.ok() ? page->total : -1;
    };
    auto counted = [&](Id org) {
        return countRows(
            store(),
            org ? QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0 AND organization_id = %1").arg(org)
                : QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0"));
    };
    QList<User> made;
    for (int i = 0; i < 4; ++i)
        made << m_world.makeUser(i % 2 ? m_world.orgA.id : m_world.orgB.id, QStringLiteral("user"));
    QCOMPARE(total(m_world.orgA.id), counted(m_world.orgA.id));
    QCOMPARE(total(m_world.orgB.id), counted(m_world.orgB.id));
    QCOMPARE(total(0), counted(0));
    QVERIFY_RESULT(store().users().remove(actor, made.at(1).id));
    QCOMPARE(total(m_world.orgA.id), counted(m_world.orgA.id));
    QCOMPARE(total(0), counted(0));
    QVERIFY_RESULT(store().organizations().wipeOut(actor, m_world.orgB.id, m_world.orgB.slug));
    QCOMPARE(total(0), counted(0));
    UserQuery gone; // the wiped-out organization is no more
    gone.organizationId = m_world.orgB.id;
    QVERIFY_ERROR(store().users().list(actor, gone), ErrorCode::NotFound);
}

void TestManagers::staleVersionIsAConflict()
{
    const Actor actor = m_world.superActor;
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    UserUpdate first;
    first.expectedVersion = target.version;
    first.fullName = QStringLiteral("First Writer");
    auto saved = store().users().update(actor, target.id, first);
    QVERIFY_RESULT(saved);
    QCOMPARE(saved->version, target.version + 1);

    UserUpdate second;
    second.expectedVersion = target.version; // read before the first write
    second.fullName = QStringLiteral("Second Writer");
    QVERIFY_ERROR(store().users().update(actor, target.id, second), ErrorCode::Conflict);
    auto current = store().users().get(actor, target.id);
    QVERIFY_RESULT(current);
    QCOMPARE(current->fullName, QStringLiteral("First Writer")); // never silently overwritten
}

void TestManagers::softDeleteHidesTheUserAndEndsAccess()
{
    const Actor actor = m_world.superActor;
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    auto login = store().auth().login(target.email, kStrongPassword);
    QVERIFY_RESULT(login);
    QVERIFY_RESULT(store().users().remove(actor, target.id));

    UserQuery q;
    q.search = target.username;
    auto page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 0);
    q.status = QStringLiteral("deleted");
    page = store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);

    QVERIFY_ERROR(store().auth().login(target.email, kStrongPassword), ErrorCode::Unauthenticated);
    QVERIFY_ERROR(store().sessions().authenticate(login->sessionToken), ErrorCode::Unauthenticated);
    QCOMPARE(lastEvent(store(), QStringLiteral("user.deleted"), QString::number(target.id)).outcome,
             QStringLiteral("success"));
}

void TestManagers::banNeedsReasonEndsSessionsAndBlocksLogin()
{
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const Actor actor = m_world.actorFor(admin);
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    auto login = store().auth().login(target.email, kStrongPassword, QStringLiteral("10.1.2.3"));
    QVERIFY_RESULT(login);

    auto noReason = store().users().ban(actor, target.id, QStringLiteral("   "));
    QVERIFY_ERROR(noReason, ErrorCode::Validation);
    QVERIFY(noReason.error().fieldErrors.contains(QStringLiteral("reason")));

    auto banned = store().users().ban(actor, target.id, QStringLiteral("Abusive messages"));
    QVERIFY_RESULT(banned);
    QVERIFY(banned->isBanned());
    QCOMPARE(banned->bannedBy, admin.id);
    QVERIFY_ERROR(store().sessions().authenticate(login->sessionToken), ErrorCode::Unauthenticated);

    auto refused = store().auth().login(target.email, kStrongPassword);
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QVERIFY2(refused.error().message.contains(QLatin1String("Abusive messages")), qPrintable(refused.error().message));

    const EventRow event = lastEvent(store(), QStringLiteral("user.banned"), QString::number(target.id));
    QCOMPARE(event.outcome, QStringLiteral("success"));
    QCOMPARE(event.details.value(QStringLiteral("reason")).toString(), QStringLiteral("Abusive messages"));
    QCOMPARE(event.details.value(QStringLiteral("sessions_ended")).toInt(), 1);

    QVERIFY_RESULT(store().users().unban(actor, target.id));
    QVERIFY_RESULT(store().auth().login(target.email, kStrongPassword));
}

void TestManagers::temporaryBanExpires()
{
    const Actor actor = m_world.superActor;
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    QVERIFY_ERROR(
        store().users().ban(actor, target.id, QStringLiteral("x"), QDateTime::currentDateTimeUtc().addSecs(-5)),
        ErrorCode::Validation);
    auto banned = store().users().ban(actor, target.id, QStringLiteral("cool off"),
                                      QDateTime::currentDateTimeUtc().addSecs(3600));
    QVERIFY_RESULT(banned);
    QVERIFY(banned->isBanned());
    QVERIFY(!banned->isBanned(QDateTime::currentDateTimeUtc().addSecs(7200))); // over after its expiry
    QVERIFY_ERROR(store().auth().login(target.email, kStrongPassword), ErrorCode::Forbidden);
}

void TestManagers::suspendAndUnsuspend()
{
    const Actor actor = m_world.superActor;
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("team_lead"));
    auto suspended = store().users().suspend(actor, target.id, QStringLiteral("left the company"));
    QVERIFY_RESULT(suspended);
    QCOMPARE(suspended->status(), QStringLiteral("suspended"));
    auto refused = store().auth().login(target.username, kStrongPassword);
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QVERIFY(refused.error().message.contains(QLatin1String("suspended")));
    QVERIFY_RESULT(store().users().unsuspend(actor, target.id));
    QVERIFY_RESULT(store().auth().login(target.username, kStrongPassword));
    QCOMPARE(lastEvent(store(), QStringLiteral("user.suspended")).details.value(QStringLiteral("reason")).toString(),
             QStringLiteral("left the company"));
}

void TestManagers::passwordPolicyIsEnforced()
{
    const Actor actor = m_world.superActor;
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const QStringList weak
        = { QStringLiteral("Short1!"), QStringLiteral("alllowercase-123"), QStringLiteral("ALLUPPERCASE-123"),
            QStringLiteral("NoDigitsHere-!!"), QStringLiteral("NoSpecials12345") };
    for (const QString& password : weak) {
        auto refused = store().users().setPassword(actor, target.id, password);
        QVERIFY_ERROR(refused, ErrorCode::Validation);
        QVERIFY(refused.error().fieldErrors.contains(QStringLiteral("password")));
    }
    const QString next = QStringLiteral("Another-Good-Pass-77");
    QVERIFY_RESULT(store().users().setPassword(actor, target.id, next));
    QVERIFY_ERROR(store().auth().login(target.email, kStrongPassword), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(store().auth().login(target.email, next));
}

void TestManagers::planLimitRefusesCreate()
{
    // Globex has max_users 5.
    for (int i = 0; i < 5; ++i)
        m_world.makeUser(m_world.orgB.id, QStringLiteral("user"));
    NewUser nu;
    nu.email = QStringLiteral("sixth@globex.test");
    nu.username = QStringLiteral("sixth");
    nu.password = kStrongPassword;
    nu.organizationId = m_world.orgB.id;
    auto refused = store().users().create(m_world.superActor, nu);
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY(refused.error().message.contains(QLatin1String("5")));
}

// The seats are the organization's users that are not deleted (counted by triggers): deleting one
// makes room, moving one out of the organization too.
void TestManagers::deletedUserFreesItsSeat()
{
    // Globex has max_users 5.
    QList<User> users;
    for (int i = 0; i < 5; ++i)
        users << m_world.makeUser(m_world.orgB.id, QStringLiteral("user"));
    NewUser nu;
    nu.email = QStringLiteral("sixth@globex.test");
    nu.username = QStringLiteral("sixth");
    nu.password = kStrongPassword;
    nu.organizationId = m_world.orgB.id;
    QVERIFY_ERROR(store().users().create(m_world.superActor, nu), ErrorCode::Validation);
    QVERIFY_RESULT(store().users().remove(m_world.superActor, users.first().id));
    QVERIFY_RESULT(store().users().create(m_world.superActor, nu));
    // Full again: the seat was taken by the sixth.
    nu.email = QStringLiteral("seventh@globex.test");
    nu.username = QStringLiteral("seventh");
    QVERIFY_ERROR(store().users().create(m_world.superActor, nu), ErrorCode::Validation);
}

void TestManagers::fieldTooLongIsRefused()
{
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    UserUpdate update;
    update.expectedVersion = target.version;
    update.fullName = QString(policy::Limits::FullName + 1, QLatin1Char('x'));
    auto refused = store().users().update(m_world.superActor, target.id, update);
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY(refused.error().fieldErrors.contains(QStringLiteral("full_name")));
    QVERIFY_ERROR(
        store().users().ban(m_world.superActor, target.id, QString(policy::Limits::Reason + 1, QLatin1Char('r'))),
        ErrorCode::Validation);
}

// --- roles ----------------------------------------------------------------------------------

void TestManagers::builtInRolesHaveTheirLevels()
{
    auto roles = store().roles().list(m_world.superActor);
    QVERIFY_RESULT(roles);
    QHash<QString, int> levels;
    for (const Role& role : *roles) {
        if (role.builtIn)
            levels.insert(role.code, role.level);
    }
    const QHash<QString, int> expected = { { QStringLiteral("super_admin"), 100 }, { QStringLiteral("admin"), 80 },
                                           { QStringLiteral("team_lead"), 60 },    { QStringLiteral("power_user"), 40 },
                                           { QStringLiteral("user"), 20 },         { QStringLiteral("viewer"), 10 } };
    QCOMPARE(levels, expected);
    auto permissions = store().permissions().list(m_world.superActor);
    QVERIFY_RESULT(permissions);
    QVERIFY(permissions->size() >= 60);
}

void TestManagers::customRoleLifecycle()
{
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const Actor actor = m_world.actorFor(admin);
    NewRole nr;
    nr.code = QStringLiteral("content_manager");
    nr.name = QStringLiteral("Content Manager");
    nr.level = 35;
    nr.organizationId = m_world.orgA.id;
    nr.permissions = { QStringLiteral("kb:view"), QStringLiteral("kb:upload") };
    auto role = store().roles().create(actor, nr);
    QVERIFY_RESULT(role);
    QCOMPARE(role->permissions, (QStringList { QStringLiteral("kb:upload"), QStringLiteral("kb:view") }));

    auto added = store().roles().addPermission(actor, role->id, QStringLiteral("kb:delete"));
    QVERIFY_RESULT(added);
    QVERIFY(added->permissions.contains(QStringLiteral("kb:delete")));
    QVERIFY_ERROR(store().roles().addPermission(actor, role->id, QStringLiteral("kb:no_such_thing")),
                  ErrorCode::Validation);

    const User member = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(store().users().assignRole(actor, member.id, nr.code));
    QVERIFY_ERROR(store().roles().remove(actor, role->id), ErrorCode::Conflict); // still assigned
    QVERIFY_RESULT(store().roles().remove(actor, role->id, true));
    auto after = store().users().get(actor, member.id);
    QVERIFY_RESULT(after);
    QVERIFY(!after->roleCodes.contains(nr.code));
    QCOMPARE(lastEvent(store(), QStringLiteral("role.deleted"), nr.code)
                 .details.value(QStringLiteral("assignments_removed"))
                 .toInt(),
             1);

    // An admin cannot create a global role nor one at or above their level.
    nr.code = QStringLiteral("global_thing");
    nr.organizationId = 0;
    QVERIFY_ERROR(store().roles().create(actor, nr), ErrorCode::Forbidden);
    nr.code = QStringLiteral("too_high");
    nr.organizationId = m_world.orgA.id;
    nr.level = 80;
    QVERIFY_ERROR(store().roles().create(actor, nr), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(store(), QStringLiteral("role.created"), QStringLiteral("too_high")).outcome,
             QStringLiteral("denied"));
}

void TestManagers::builtInRolesCannotBeChanged()
{
    auto role = store().core().loadRole(QStringLiteral("viewer"));
    QVERIFY_RESULT(role);
    RoleUpdate update;
    update.permissions = QStringList { QStringLiteral("*") };
    QVERIFY_ERROR(store().roles().update(m_world.superActor, role->id, update), ErrorCode::Forbidden);
    QVERIFY_ERROR(store().roles().remove(m_world.superActor, role->id), ErrorCode::Forbidden);
}

void TestManagers::roleCannotCarryPermissionsTheCreatorLacks()
{
    const Actor actor = m_world.actorFor(m_world.makeUser(m_world.orgA.id, QStringLiteral("admin")));
    NewRole nr;
    nr.code = QStringLiteral("sneaky");
    nr.name = QStringLiteral("Sneaky");
    nr.level = 30;
    nr.organizationId = m_world.orgA.id;
    nr.permissions = { QStringLiteral("admin:user:impersonate") }; // super admins only
    QVERIFY_ERROR(store().roles().create(actor, nr), ErrorCode::Forbidden);
}

void TestManagers::effectivePermissionsInherit()
{
    const Actor actor = m_world.superActor;
    auto admin = store().core().loadRole(QStringLiteral("admin"));
    QVERIFY_RESULT(admin);
    auto adminPermissions = store().roles().effectivePermissions(actor, admin->id);
    QVERIFY_RESULT(adminPermissions);
    QVERIFY(adminPermissions->contains(QStringLiteral("kb:view"))); // from viewer
    QVERIFY(adminPermissions->contains(QStringLiteral("project:create"))); // from power_user
    QVERIFY(adminPermissions->contains(QStringLiteral("admin:user:ban"))); // its own

    const User viewer = m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    auto viewerPermissions = store().roles().userEffectivePermissions(actor, viewer.id);
    QVERIFY_RESULT(viewerPermissions);
    QVERIFY(viewerPermissions->contains(QStringLiteral("kb:view")));
    QVERIFY(!viewerPermissions->contains(QStringLiteral("project:create")));
}

void TestManagers::grantsNeverReachBesideOrAbove()
{
    // A custom "hr_lead" role at level 60 that a super admin let grant "team_lead" (beside it) and
    // "admin" (above it). A grant widens which roles one may assign, never up to one's own level.
    NewRole nr;
    nr.code = QStringLiteral("hr_lead");
    nr.name = QStringLiteral("HR lead");
    nr.level = 60;
    nr.organizationId = m_world.orgA.id;
    nr.permissions = { QStringLiteral("admin:user:view"), QStringLiteral("admin:user:roles") };
    nr.grants = { QStringLiteral("team_lead"), QStringLiteral("admin") };
    QVERIFY_RESULT(store().roles().create(m_world.superActor, nr));
    const User hr = m_world.makeUser(m_world.orgA.id, QStringLiteral("hr_lead"));
    const Actor actor = m_world.actorFor(hr);
    const User member = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    QVERIFY_ERROR(store().users().assignRole(actor, member.id, QStringLiteral("team_lead")), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(store(), QStringLiteral("role.assigned"), QString::number(member.id)).outcome,
             QStringLiteral("denied"));
    QVERIFY_ERROR(store().users().assignRole(actor, member.id, QStringLiteral("admin")), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(store(), QStringLiteral("role.assigned"), QString::number(member.id)).outcome,
             QStringLiteral("denied"));
    // Below its level it assigns as before.
    QVERIFY_RESULT(store().users().assignRole(actor, member.id, QStringLiteral("power_user")));
}

// --- sign-in --------------------------------------------------------------------------------

void TestManagers::loginByEmailOrUsername()
{
    auto byEmail = store().auth().login(m_world.superAdmin.email.toUpper(), kStrongPassword,
                                        QStringLiteral("192.0.2.1"), QStringLiteral("tests"));
    QVERIFY_RESULT(byEmail);
    QVERIFY(byEmail->actor.isSuperAdmin());
    QCOMPARE(byEmail->actor.roleCodes, QStringList { QStringLiteral("super_admin") });
    QVERIFY(byEmail->sessionToken.size() >= 40);
    auto byName = store().auth().login(m_world.superAdmin.username, kStrongPassword);
    QVERIFY_RESULT(byName);
    auto resolved = store().sessions().authenticate(byEmail->sessionToken);
    QVERIFY_RESULT(resolved);
    QCOMPARE(resolved->userId, m_world.superAdmin.id);
    // Only the hash of the token is stored.
    QSqlQuery q(store().core().db());
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE token_hash = ?"));
    q.addBindValue(byEmail->sessionToken);
    QVERIFY(q.exec() && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
    QCOMPARE(lastEvent(store(), QStringLiteral("user.login")).actorId, m_world.superAdmin.id);

    auto unknown = store().auth().login(QStringLiteral("nobody@example.test"), kStrongPassword);
    QVERIFY_ERROR(unknown, ErrorCode::Unauthenticated);
    QCOMPARE(unknown.error().message, QStringLiteral("Wrong email or password")); // no account enumeration
}

void TestManagers::wrongPasswordsLockTheAccount()
{
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    for (int i = 0; i < lockout::MaxFailedLogins; ++i)
        QVERIFY_ERROR(store().auth().login(target.email, QStringLiteral("Wrong-Password-123")),
                      ErrorCode::Unauthenticated);
    auto locked = store().auth().login(target.email, kStrongPassword); // even the right password
    QVERIFY_ERROR(locked, ErrorCode::Unauthenticated);
    // The same answer as a wrong password: the lock is not told (it would tell a guesser which
    // accounts exist, and a right password through the lock).
    QCOMPARE(locked.error().message, QStringLiteral("Wrong email or password"));
    auto user = store().core().loadUser(target.id);
    QVERIFY_RESULT(user);
    QCOMPARE(user->status(), QStringLiteral("locked"));
    QVERIFY(lastEvent(store(), QStringLiteral("user.locked"), QString::number(target.id)).found);
    QCOMPARE(lastEvent(store(), QStringLiteral("user.login_failed"), QString::number(target.id)).outcome,
             QStringLiteral("denied"));
    // An admin lifting the suspension/lock lets them in again.
    QVERIFY_RESULT(store().users().unsuspend(m_world.superActor, target.id));
    QVERIFY_RESULT(store().auth().login(target.email, kStrongPassword));
}

void TestManagers::suspendedOrganizationCannotSignIn()
{
    const User member = m_world.makeUser(m_world.orgB.id, QStringLiteral("admin"));
    QVERIFY_RESULT(store().organizations().suspend(m_world.superActor, m_world.orgB.id));
    auto refused = store().auth().login(member.email, kStrongPassword);
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QVERIFY(refused.error().message.contains(QLatin1String("Globex")));
}

void TestManagers::impersonatedActionsNameTheImpersonator()
{
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const User member = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    auto session = store().sessions().impersonate(m_world.superActor, admin.id, QStringLiteral("ticket 7"), 15);
    QVERIFY_RESULT(session);
    auto actor = store().sessions().authenticate(session->token);
    QVERIFY_RESULT(actor);
    QCOMPARE(actor->userId, admin.id);
    QCOMPARE(actor->impersonatorId, m_world.superAdmin.id);
    QVERIFY_RESULT(store().users().suspend(*actor, member.id));
    const EventRow event = lastEvent(store(), QStringLiteral("user.suspended"), QString::number(member.id));
    QCOMPARE(event.actorId, admin.id);
    QCOMPARE(event.details.value(QStringLiteral("impersonator_id")).toString(), QString::number(m_world.superAdmin.id));
}

// --- audit ----------------------------------------------------------------------------------

void TestManagers::auditChainVerifiesAndIsAppendOnly()
{
    m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    AuditVerification v = store().audit().verifyChain();
    QVERIFY2(v.ok, qPrintable(v.problem));
    const qint64 events = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    QVERIFY(events >= 4);
    QCOMPARE(v.count, events);

    QSqlQuery q(store().core().db());
    QVERIFY(!q.exec(QStringLiteral("UPDATE audit_events SET action = 'nothing' WHERE id = 1")));
    QVERIFY(!q.exec(QStringLiteral("DELETE FROM audit_events WHERE id = 1")));
    QCOMPARE(countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events")), events);

    auto checked = store().audit().verify(m_world.superActor);
    QVERIFY_RESULT(checked);
    QVERIFY(checked->ok);
    QCOMPARE(lastEvent(store(), QStringLiteral("audit.verified")).details.value(QStringLiteral("ok")).toBool(), true);
}

// Verifying reads the whole chain; a loop of requests from one admin, or from admins on several
// servers, must not run it many times at once. Another process holds the deployment's lock (a
// second connection's advisory lock on PostgreSQL, the lock file beside a SQLite database), then
// another thread of this process: either way a second verification is refused, nothing is audited
// as verified, and once the first is over the next one runs.
void TestManagers::auditVerifyRunsOnceAtATimePerDeployment()
{
    const QString verifiedCount = QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'audit.verified'");
    const qint64 before = countRows(store(), verifiedCount);
    {
        // "Another process": a lock this store did not take.
        std::unique_ptr<QLockFile> file;
        QSqlDatabase other;
        if (m_db->isPostgres()) {
            other = m_db->openConnection(QStringLiteral("otherServer"));
            QSqlQuery q(other);
            QVERIFY2(q.exec(QStringLiteral("SELECT pg_try_advisory_lock(7433102, hashtext('audit-verify'))"))
                         && q.next(),
                     qPrintable(q.lastError().text()));
            QVERIFY(q.value(0).toBool());
        } else {
            file = std::make_unique<QLockFile>(m_db->sqlitePath() + QStringLiteral(".audit-verify.lock"));
            QVERIFY(file->tryLock(0));
        }
        auto busy = store().audit().verify(m_world.superActor);
        QVERIFY_ERROR(busy, ErrorCode::Conflict);
        QVERIFY2(busy.error().message.contains(QStringLiteral("already running")), qPrintable(busy.error().message));
        QCOMPARE(countRows(store(), verifiedCount), before);
        if (other.isValid()) {
            QSqlQuery q(other);
            QVERIFY(q.exec(QStringLiteral("SELECT pg_advisory_unlock(7433102, hashtext('audit-verify'))")));
        }
    }
    {
        // Another worker thread of this server (same process).
        auto held = store().core().tryExclusive(QStringLiteral("audit-verify"), QStringLiteral("busy"));
        QVERIFY_RESULT(held);
        QVERIFY_ERROR(store().audit().verify(m_world.superActor), ErrorCode::Conflict);
        // A different job is not blocked by it.
        QVERIFY_RESULT(store().core().tryExclusive(QStringLiteral("another-job"), QStringLiteral("busy")));
    }
    auto checked = store().audit().verify(m_world.superActor);
    QVERIFY_RESULT(checked);
    QVERIFY(checked->ok);
    QCOMPARE(countRows(store(), verifiedCount), before + 1);
    // The lock went with the run: the next one runs too.
    QVERIFY_RESULT(store().audit().verify(m_world.superActor));
    QCOMPARE(countRows(store(), verifiedCount), before + 2);
}

void TestManagers::auditVerifyStopsWhenCancelled()
{
    for (int i = 0; i < 5; ++i)
        m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    const QString verifiedCount = QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'audit.verified'");
    const qint64 before = countRows(store(), verifiedCount);
    std::atomic_bool cancel { true };
    QVERIFY(store().audit().verifyChain(&cancel).cancelled);
    QVERIFY(!store().audit().verifyChain(&cancel).ok); // a cancelled run never says "intact"
    auto stopped = store().audit().verify(m_world.superActor, &cancel);
    QVERIFY_ERROR(stopped, ErrorCode::Unavailable);
    QVERIFY2(stopped.error().message.contains(QStringLiteral("cancelled")), qPrintable(stopped.error().message));
    QCOMPARE(countRows(store(), verifiedCount), before); // no verdict was recorded
    cancel = false;
    auto checked = store().audit().verify(m_world.superActor, &cancel);
    QVERIFY_RESULT(checked);
    QVERIFY(checked->ok);
    QVERIFY(!checked->cancelled);
}

void TestManagers::auditKeysetPagingVisitsEveryEventOnce()
{
    for (int i = 0; i < 25; ++i)
        m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    const qint64 total = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    AuditQuery query;
    query.limit = 7;
    QSet<Id> seen;
    Id previous = std::numeric_limits<Id>::max();
    int pages = 0;
    for (;;) {
        auto page = store().audit().query(m_world.superActor, query);
        QVERIFY_RESULT(page);
        ++pages;
        for (const AuditEvent& e : page->items) {
            QVERIFY(e.id < previous); // newest first, strictly
            previous = e.id;
            QVERIFY(!seen.contains(e.id));
            seen.insert(e.id);
        }
        if (page->nextCursor.isEmpty())
            break;
        query.cursor = page->nextCursor;
    }
    QCOMPARE(qint64(seen.size()), total);
    QCOMPARE(pages, int((total + 6) / 7));

    // A prefix filter pages the same way across the actions it covers (user.created, user.login).
    for (int i = 0; i < 4; ++i)
        QVERIFY_RESULT(store().auth().login(m_world.superAdmin.email, kStrongPassword));
    const qint64 prefixed
        = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'user.%'"));
    AuditQuery prefix;
    prefix.action = QStringLiteral("user.*");
    prefix.limit = 4;
    QList<Id> order;
    for (;;) {
        auto page = store().audit().query(m_world.superActor, prefix);
        QVERIFY_RESULT(page);
        for (const AuditEvent& e : page->items) {
            QVERIFY(e.action.startsWith(QLatin1String("user.")));
            QVERIFY(order.isEmpty() || e.id < order.last());
            order << e.id;
        }
        if (page->nextCursor.isEmpty())
            break;
        prefix.cursor = page->nextCursor;
    }
    QCOMPARE(qint64(order.size()), prefixed);
    query.cursor = QStringLiteral("garbage!");
    QVERIFY_ERROR(store().audit().query(m_world.superActor, query), ErrorCode::Validation);
}

void TestManagers::auditFiltersAndTenantScope()
{
    const User adminA = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const User memberB = m_world.makeUser(m_world.orgB.id, QStringLiteral("user"));
    const User memberA = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const Actor actorA = m_world.actorFor(adminA);
    QVERIFY_RESULT(store().users().ban(m_world.superActor, memberB.id, QStringLiteral("in B")));
    QVERIFY_RESULT(store().users().ban(actorA, memberA.id, QStringLiteral("in A")));
    QVERIFY_ERROR(store().users().ban(actorA, memberB.id, QStringLiteral("across")), ErrorCode::NotFound);

    AuditQuery q;
    q.action = QStringLiteral("user.banned");
    auto all = store().audit().query(m_world.superActor, q);
    QVERIFY_RESULT(all);
    QCOMPARE(all->items.size(), 3);

    auto scoped = store().audit().query(actorA, q); // an admin sees their tenant only
    QVERIFY_RESULT(scoped);
    // The ban in A, and the refused ban across, recorded in A (the actor's organization), not in B.
    QCOMPARE(scoped->items.size(), 2);
    QCOMPARE(scoped->items.first().outcome, QStringLiteral("denied"));
    QCOMPARE(scoped->items.first().organizationId, m_world.orgA.id);
    QCOMPARE(scoped->items.last().resourceId, QString::number(memberA.id));
    q.organizationId = m_world.orgB.id;
    QVERIFY_ERROR(store().audit().query(actorA, q), ErrorCode::NotFound);
    q.organizationId = 0;

    q.outcome = QStringLiteral("denied");
    auto denied = store().audit().query(m_world.superActor, q);
    QVERIFY_RESULT(denied);
    QCOMPARE(denied->items.size(), 1);
    QCOMPARE(denied->items.first().actorId, adminA.id);
    QCOMPARE(denied->items.first().actorLabel, adminA.email);

    AuditQuery byActor;
    byActor.actorEmail = adminA.email.toUpper();
    byActor.action = QStringLiteral("user.*");
    auto mine = store().audit().query(m_world.superActor, byActor);
    QVERIFY_RESULT(mine);
    QCOMPARE(mine->items.size(), 2); // the ban and the denied ban
    for (const AuditEvent& e : mine->items)
        QVERIFY(e.action.startsWith(QLatin1String("user.")));

    AuditQuery byIp;
    byIp.ip = QStringLiteral("127.0.0.1");
    byIp.resourceType = QStringLiteral("user");
    byIp.resourceId = QString::number(memberA.id);
    auto ip = store().audit().query(m_world.superActor, byIp);
    QVERIFY_RESULT(ip);
    QCOMPARE(ip->items.size(), 1);

    AuditQuery window;
    window.from = QDateTime::currentDateTimeUtc().addSecs(3600);
    auto future = store().audit().query(m_world.superActor, window);
    QVERIFY_RESULT(future);
    QVERIFY(future->items.isEmpty());
    window.from = QDateTime::currentDateTimeUtc().addSecs(-3600);
    window.to = QDateTime::currentDateTimeUtc().addSecs(3600);
    auto recent = store().audit().query(m_world.superActor, window);
    QVERIFY_RESULT(recent);
    QVERIFY(recent->items.size() > 5);
}

void TestManagers::auditExportWritesTheWholeFilteredSet()
{
    for (int i = 0; i < 30; ++i)
        m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"), QStringLiteral("export%1").arg(i));
    AuditQuery q;
    q.action = QStringLiteral("user.created");
    QBuffer csv;
    csv.open(QIODevice::WriteOnly);
    ExportOptions options;
    options.batchSize = 100; // clamped minimum; still several batches below
    QList<qint64> progress;
    options.progress = [&](qint64 n) { progress << n; };
    auto rows = store().audit().exportTo(m_world.superActor, q, csv, options);
    QVERIFY_RESULT(rows);
    const qint64 expected
        = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.created'"));
    QCOMPARE(*rows, expected);
    const QList<QByteArray> lines = csv.data().trimmed().split('\n');
    QCOMPARE(lines.size(), expected + 1);
    QVERIFY(lines.first().startsWith("id,time_utc,actor_type"));
    QVERIFY(lines.at(1).contains("user.created"));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last(), expected);

    QBuffer jsonl;
    jsonl.open(QIODevice::WriteOnly);
    options.format = ExportFormat::JsonLines;
    rows = store().audit().exportTo(m_world.superActor, q, jsonl, options);
    QVERIFY_RESULT(rows);
    const QList<QByteArray> objects = jsonl.data().trimmed().split('\n');
    QCOMPARE(objects.size(), expected);
    const QJsonObject first = QJsonDocument::fromJson(objects.first()).object();
    QCOMPARE(first.value(QStringLiteral("action")).toString(), QStringLiteral("user.created"));
    QVERIFY(first.value(QStringLiteral("details")).isObject());
    QCOMPARE(lastEvent(store(), QStringLiteral("audit.exported")).details.value(QStringLiteral("rows")).toInt(),
             expected);

    const Actor viewer = m_world.actorFor(m_world.makeUser(m_world.orgA.id, QStringLiteral("team_lead")));
    QBuffer refused;
    refused.open(QIODevice::WriteOnly);
    QVERIFY_ERROR(store().audit().exportTo(viewer, q, refused, options), ErrorCode::Forbidden);
    QVERIFY(refused.data().isEmpty());
}

void TestManagers::csvFieldsNeverStartAFormula_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("written");
    QTest::newRow("plain") << QStringLiteral("alice@example.test") << QStringLiteral("alice@example.test");
    QTest::newRow("equals") << QStringLiteral("=cmd|' /C calc'!A0") << QStringLiteral("'=cmd|' /C calc'!A0");
    QTest::newRow("plus") << QStringLiteral("+1+1") << QStringLiteral("'+1+1");
    QTest::newRow("minus") << QStringLiteral("-2+3") << QStringLiteral("'-2+3");
    QTest::newRow("at") << QStringLiteral("@SUM(A1)") << QStringLiteral("'@SUM(A1)");
    QTest::newRow("leading tab") << QStringLiteral("\t=1+1") << QStringLiteral("'\t=1+1");
    QTest::newRow("leading carriage return")
        << QStringLiteral("\r=1+1") << QStringLiteral("\"'\r=1+1\""); // quoted too: a CR is a line break
    QTest::newRow("comma quoted") << QStringLiteral("a,b") << QStringLiteral("\"a,b\"");
    QTest::newRow("quote doubled") << QStringLiteral("say \"hi\"") << QStringLiteral("\"say \"\"hi\"\"\"");
    QTest::newRow("formula and comma") << QStringLiteral("=A1,B1") << QStringLiteral("\"'=A1,B1\"");
    QTest::newRow("inner equals kept") << QStringLiteral("a=b") << QStringLiteral("a=b");
}

void TestManagers::csvFieldsNeverStartAFormula()
{
    QFETCH(QString, value);
    QFETCH(QString, written);
    QCOMPARE(csv::field(value), written);
}

void TestManagers::auditExportCanBeCancelled()
{
    for (int i = 0; i < 5; ++i)
        m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    std::atomic_bool cancel { true };
    QBuffer out;
    out.open(QIODevice::WriteOnly);
    ExportOptions options;
    options.cancel = &cancel;
    QVERIFY_ERROR(store().audit().exportTo(m_world.superActor, {}, out, options), ErrorCode::Conflict);
}

void TestManagers::auditPurgeKeepsTheChainVerifiable()
{
    for (int i = 0; i < 5; ++i)
        m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    // Real time: events carry millisecond timestamps, and the cut must fall strictly between the
    // events before it and the one after it.
    QTest::qWait(20);
    const QDateTime cut = QDateTime::currentDateTimeUtc();
    QTest::qWait(20);
    m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    const qint64 before = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    const Actor admin = m_world.actorFor(m_world.makeUser(m_world.orgA.id, QStringLiteral("admin")));
    QVERIFY_ERROR(store().audit().purge(admin, cut), ErrorCode::Forbidden);
    auto removed = store().audit().purge(m_world.superActor, cut);
    QVERIFY_RESULT(removed);
    QVERIFY(*removed >= 8);
    const qint64 after = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    QCOMPARE(after, before + 2 /* admin created + denied purge */ - *removed + 1 /* the purge event */ + 0);
    AuditVerification v = store().audit().verifyChain();
    QVERIFY2(v.ok, qPrintable(v.problem));
    QCOMPARE(v.count, after);
    QCOMPARE(lastEvent(store(), QStringLiteral("audit.purged")).details.value(QStringLiteral("events_removed")).toInt(),
             *removed);
    // Later events keep chaining from the purge point.
    m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    v = store().audit().verifyChain();
    QVERIFY2(v.ok, qPrintable(v.problem));
    // Rows after the purge point stay protected.
    QSqlQuery q(store().core().db());
    QVERIFY(!q.exec(QStringLiteral("DELETE FROM audit_events")));
}

void TestManagers::tamperedEventIsNamedByVerify()
{
    for (int i = 0; i < 6; ++i)
        m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    QSqlQuery q(store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 4")) && q.next());
    const Id victim = q.value(0).toLongLong();
    q.finish();
    // An attacker with database access removes the protection and rewrites one event.
    if (m_db->isPostgres())
        QVERIFY2(q.exec(QStringLiteral("DROP TRIGGER audit_events_guard ON audit_events")),
                 qPrintable(q.lastError().text()));
    else
        QVERIFY2(q.exec(QStringLiteral("DROP TRIGGER audit_events_no_update")), qPrintable(q.lastError().text()));
    QVERIFY(q.exec(
        QStringLiteral("UPDATE audit_events SET actor_label = 'someone-else@example.test' WHERE id = %1").arg(victim)));
    const AuditVerification v = store().audit().verifyChain();
    QVERIFY(!v.ok);
    QCOMPARE(v.firstBrokenId, victim);
    QVERIFY(v.problem.contains(QLatin1String("altered")));
}

// Every action the store writes, allowed or refused, is one of services/policy/catalog.h: after a
// flow through every manager, no audit_events.action is outside actions::all().
void TestManagers::everyAuditedActionIsInTheCatalog()
{
    const Actor root = m_world.superActor;
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"), QStringLiteral("flow_admin"));
    const Actor adminActor = m_world.actorFor(admin);
    const User viewer = m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"), QStringLiteral("flow_viewer"));
    const Actor viewerActor = m_world.actorFor(viewer);
    const User member = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"), QStringLiteral("flow_member"));
    const QString ip = QStringLiteral("203.0.113.5");

    // Sign-in: success, a wrong password, a sign-out.
    auto signedIn = store().auth().login(admin.email, kStrongPassword, ip);
    QVERIFY_RESULT(signedIn);
    QVERIFY(!store().auth().login(member.email, QStringLiteral("not-the-password"), ip).ok());
    QVERIFY_RESULT(store().auth().logout(signedIn->actor));

    // Users: read, change, refuse.
    QVERIFY_RESULT(store().users().get(adminActor, member.id));
    QVERIFY_RESULT(store().users().list(adminActor, UserQuery {}));
    UserUpdate update;
    update.expectedVersion = member.version;
    update.fullName = QStringLiteral("Flow Member");
    QVERIFY_RESULT(store().users().update(adminActor, member.id, update));
    QVERIFY_RESULT(store().users().suspend(adminActor, member.id, QStringLiteral("review")));
    QVERIFY_RESULT(store().users().unsuspend(adminActor, member.id));
    QVERIFY_RESULT(store().users().ban(adminActor, member.id, QStringLiteral("spam")));
    QVERIFY_RESULT(store().users().unban(adminActor, member.id));
    QVERIFY_RESULT(store().users().assignRole(adminActor, member.id, QStringLiteral("power_user")));
    QVERIFY_RESULT(store().users().revokeRole(adminActor, member.id, QStringLiteral("power_user")));
    QVERIFY_RESULT(store().users().setPassword(adminActor, member.id, QStringLiteral("Another-Horse-43-battery")));
    QVERIFY_ERROR(store().users().ban(viewerActor, member.id, QStringLiteral("no right")), ErrorCode::Forbidden);
    QVERIFY_ERROR(store().users().get(viewerActor, 999999), ErrorCode::NotFound);

    // Roles and permissions.
    QVERIFY_RESULT(store().roles().list(adminActor));
    QVERIFY_RESULT(store().roles().get(adminActor, QStringLiteral("user")));
    NewRole nr;
    nr.code = QStringLiteral("flow_role");
    nr.name = QStringLiteral("Flow role");
    nr.level = 30;
    nr.organizationId = m_world.orgA.id;
    nr.permissions = { perm::UserView };
    auto role = store().roles().create(adminActor, nr);
    QVERIFY_RESULT(role);
    RoleUpdate roleUpdate;
    roleUpdate.name = QStringLiteral("Flow role, renamed");
    QVERIFY_RESULT(store().roles().update(adminActor, role->id, roleUpdate));
    QVERIFY_RESULT(store().roles().effectivePermissions(adminActor, role->id));
    QVERIFY_RESULT(store().roles().remove(adminActor, role->id));
    QVERIFY_RESULT(store().permissions().list(adminActor));
    QVERIFY_ERROR(store().roles().create(viewerActor, nr), ErrorCode::Forbidden);

    // Sessions and one-time tokens.
    auto memberSession = store().auth().login(member.email, QStringLiteral("Another-Horse-43-battery"), ip);
    QVERIFY_RESULT(memberSession);
    QVERIFY_RESULT(store().sessions().list(adminActor, SessionQuery {}));
    QVERIFY_RESULT(store().sessions().revoke(adminActor, memberSession->session.id));
    QVERIFY_RESULT(store().sessions().revokeAllForUser(adminActor, member.id));
    QVERIFY_RESULT(store().sessions().purgeExpired(adminActor));
    QVERIFY_RESULT(store().sessions().impersonate(root, member.id, QStringLiteral("ticket 12"), 10));
    QVERIFY_RESULT(store().tokens().issuePasswordReset(adminActor, member.id));
    QVERIFY_RESULT(store().tokens().issueVerification(adminActor, member.id));

    // API keys: made, listed, refused at use (a scope it lacks), revoked.
    NewApiKey nk;
    nk.name = QStringLiteral("flow key");
    nk.scopes = { perm::UserRead };
    auto key = store().apiKeys().create(adminActor, nk);
    QVERIFY_RESULT(key);
    QVERIFY_RESULT(store().apiKeys().list(adminActor));
    QVERIFY_ERROR(store().apiKeys().verify(key->secret, ip, perm::UserBan), ErrorCode::Forbidden);
    QVERIFY_RESULT(store().apiKeys().revoke(adminActor, key->key.id));

    // Organizations and invitations.
    NewOrganization no;
    no.name = QStringLiteral("Flow Org");
    auto org = store().organizations().create(root, no);
    QVERIFY_RESULT(org);
    QVERIFY_RESULT(store().organizations().get(root, org->id));
    QVERIFY_RESULT(store().organizations().list(root));
    OrganizationUpdate orgUpdate;
    orgUpdate.name = QStringLiteral("Flow Org, renamed");
    QVERIFY_RESULT(store().organizations().update(root, org->id, orgUpdate));
    QVERIFY_RESULT(store().organizations().suspend(root, org->id));
    QVERIFY_RESULT(store().organizations().unsuspend(root, org->id));
    auto invitation = store().organizations().invite(adminActor, m_world.orgA.id, QStringLiteral("new@example.test"),
                                                     QStringLiteral("user"));
    QVERIFY_RESULT(invitation);
    QVERIFY_RESULT(store().organizations().invitations(adminActor, m_world.orgA.id));
    QVERIFY_RESULT(store().organizations().revokeInvitation(adminActor, invitation->invitation.id));
    auto second = store().organizations().invite(adminActor, m_world.orgA.id, QStringLiteral("newer@example.test"),
                                                 QStringLiteral("user"));
    QVERIFY_RESULT(second);
    QVERIFY_RESULT(store().organizations().acceptInvitation(second->token, QStringLiteral("newer"),
                                                            QStringLiteral("Newer"), kStrongPassword, ip));
    QVERIFY_RESULT(store().organizations().wipeOut(root, org->id, org->slug));

    // The audit log and statistics.
    QVERIFY_RESULT(store().audit().query(adminActor, AuditQuery {}));
    QBuffer out;
    QVERIFY(out.open(QIODevice::WriteOnly));
    QVERIFY_RESULT(store().audit().exportTo(adminActor, AuditQuery {}, out, ExportOptions {}));
    QVERIFY_RESULT(store().audit().verify(root));
    QVERIFY_RESULT(store().audit().dailyActivity(adminActor, 0, 7));
    QVERIFY_RESULT(store().stats().get(adminActor));
    QVERIFY_ERROR(store().audit().purge(adminActor, QDateTime::currentDateTimeUtc().addDays(-1)), ErrorCode::Forbidden);
    QVERIFY_RESULT(store().users().remove(adminActor, member.id));
    // Reads are audited when refused: a viewer's attempts at the admin lists.
    (void)store().sessions().list(viewerActor, SessionQuery {});
    (void)store().apiKeys().list(viewerActor);
    (void)store().organizations().list(viewerActor);
    (void)store().organizations().invitations(viewerActor, m_world.orgA.id);
    (void)store().audit().query(viewerActor, AuditQuery {});
    (void)store().stats().get(viewerActor);
    (void)store().users().list(viewerActor, UserQuery {});
    (void)store().roles().list(viewerActor);
    (void)store().permissions().list(viewerActor);

    QSqlQuery q(store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT DISTINCT action FROM audit_events ORDER BY action")));
    QStringList written;
    QStringList unknown;
    while (q.next()) {
        const QString name = q.value(0).toString();
        written << name;
        if (!actions::isKnown(name))
            unknown << name;
    }
    QVERIFY2(unknown.isEmpty(),
             qPrintable(QStringLiteral("not in actions::all(): ") + unknown.join(QStringLiteral(", "))));
    // The flow reached most of the vocabulary (a flow that wrote nothing would pass the check above).
    QVERIFY2(written.size() >= 40, qPrintable(written.join(QStringLiteral(", "))));
}

// --- policy matrix --------------------------------------------------------------------------

// Expected outcomes, written out by hand from the rules (seed 002 levels; only super_admin and
// admin hold the admin:user:* permissions; impersonation is for super admins, never of one).
void TestManagers::policyMatrix_data()
{
    QTest::addColumn<QString>("actorRole");
    QTest::addColumn<QString>("targetRole");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<bool>("allowed");

    // allowed[actor][operation] = the target roles for which the operation succeeds.
    const QHash<QString, QHash<QString, QStringList>> allowed = {
        { QStringLiteral("super_admin"),
          { { QStringLiteral("assign"),
              { QStringLiteral("admin"), QStringLiteral("team_lead"), QStringLiteral("power_user"),
                QStringLiteral("user"), QStringLiteral("viewer") } },
            { QStringLiteral("revoke"),
              { QStringLiteral("admin"), QStringLiteral("team_lead"), QStringLiteral("power_user"),
                QStringLiteral("user"), QStringLiteral("viewer") } },
            { QStringLiteral("ban"),
              { QStringLiteral("admin"), QStringLiteral("team_lead"), QStringLiteral("power_user"),
                QStringLiteral("user"), QStringLiteral("viewer") } },
            { QStringLiteral("delete"),
              { QStringLiteral("admin"), QStringLiteral("team_lead"), QStringLiteral("power_user"),
                QStringLiteral("user"), QStringLiteral("viewer") } },
            { QStringLiteral("impersonate"),
              { QStringLiteral("admin"), QStringLiteral("team_lead"), QStringLiteral("power_user"),
                QStringLiteral("user"), QStringLiteral("viewer") } } } },
        { QStringLiteral("admin"),
          { { QStringLiteral("assign"),
              { QStringLiteral("team_lead"), QStringLiteral("power_user"), QStringLiteral("user"),
                QStringLiteral("viewer") } },
            { QStringLiteral("revoke"),
              { QStringLiteral("team_lead"), QStringLiteral("power_user"), QStringLiteral("user"),
                QStringLiteral("viewer") } },
            { QStringLiteral("ban"),
              { QStringLiteral("team_lead"), QStringLiteral("power_user"), QStringLiteral("user"),
                QStringLiteral("viewer") } },
            { QStringLiteral("delete"),
              { QStringLiteral("team_lead"), QStringLiteral("power_user"), QStringLiteral("user"),
                QStringLiteral("viewer") } },
            { QStringLiteral("impersonate"), {} } } },
    };
    for (const QString& actor : kRoles) {
        for (const QString& target : kRoles) {
            for (const QString& op : { QStringLiteral("assign"), QStringLiteral("revoke"), QStringLiteral("ban"),
                                       QStringLiteral("delete"), QStringLiteral("impersonate") }) {
                const bool ok = allowed.value(actor).value(op).contains(target);
                QTest::addRow("%s %s %s: %s", qPrintable(actor), qPrintable(op), qPrintable(target),
                              ok ? "allowed" : "forbidden")
                    << actor << target << op << ok;
            }
        }
    }
}

void TestManagers::policyMatrix()
{
    QFETCH(QString, actorRole);
    QFETCH(QString, targetRole);
    QFETCH(QString, operation);
    QFETCH(bool, allowed);

    const Actor actor = m_world.actorFor(m_world.makeUser(m_world.orgA.id, actorRole));
    QString action;
    Status outcome;
    Id targetId = 0;
    if (operation == QLatin1String("assign")) {
        NewUser nu; // a member with no role yet
        nu.email = QStringLiteral("fresh@example.test");
        nu.username = QStringLiteral("fresh");
        nu.password = kStrongPassword;
        nu.organizationId = m_world.orgA.id;
        nu.roleCodes = {};
        auto fresh = store().users().create(Actor::system(), nu);
        QVERIFY_RESULT(fresh);
        targetId = fresh->id;
        action = QStringLiteral("role.assigned");
        outcome = store().users().assignRole(actor, targetId, targetRole);
    } else {
        const User target = m_world.makeUser(m_world.orgA.id, targetRole);
        targetId = target.id;
        if (operation == QLatin1String("revoke")) {
            action = QStringLiteral("role.revoked");
            outcome = store().users().revokeRole(actor, targetId, targetRole);
        } else if (operation == QLatin1String("ban")) {
            action = QStringLiteral("user.banned");
            auto r = store().users().ban(actor, targetId, QStringLiteral("matrix"));
            outcome = r ? Status() : Status(r.error());
        } else if (operation == QLatin1String("delete")) {
            action = QStringLiteral("user.deleted");
            outcome = store().users().remove(actor, targetId);
        } else {
            action = QStringLiteral("user.impersonated");
            auto r = store().sessions().impersonate(actor, targetId, QStringLiteral("support ticket 42"), 30);
            outcome = r ? Status() : Status(r.error());
        }
    }
    if (allowed) {
        QVERIFY_RESULT(outcome);
    } else {
        QVERIFY(!outcome.ok());
        QCOMPARE(outcome.error().codeName(), QStringLiteral("forbidden"));
    }
    const EventRow event = lastEvent(store(), action, QString::number(targetId));
    QVERIFY2(event.found, qPrintable(action));
    QCOMPARE(event.outcome, allowed ? QStringLiteral("success") : QStringLiteral("denied"));
    QCOMPARE(event.actorId, actor.userId);
}

void TestManagers::crossTenantOperations_data()
{
    QTest::addColumn<QString>("operation");
    QTest::addColumn<QString>("action");
    const QList<std::pair<const char*, const char*>> rows = {
        { "get user", "user.viewed" },
        { "list users", "user.listed" },
        { "update user", "user.updated" },
        { "suspend user", "user.suspended" },
        { "ban user", "user.banned" },
        { "delete user", "user.deleted" },
        { "assign role", "role.assigned" },
        { "set password", "user.password_changed" },
        { "list sessions", "session.listed" },
        { "revoke sessions", "session.revoked_all" },
        { "list api keys", "api_key.listed" },
        { "create api key", "api_key.created" },
        { "get organization", "org.viewed" },
        { "update organization", "org.updated" },
        { "invite", "invitation.created" },
        { "audit query", "audit.queried" },
        { "stats", "stats.viewed" },
        { "create role", "role.created" },
        { "issue reset token", "token.reset_issued" },
    };
    for (const auto& [op, action] : rows) {
        QTest::addRow("admin of A cannot %s in B", op) << QString::fromLatin1(op) << QString::fromLatin1(action);
    }
}

// Every manager operation aimed at another tenant: B's row reads as missing for an admin of A (the
// same NotFound as an id that does not exist), with a denied audit event in A's own log, never in
// B's; allowed for a super admin.
void TestManagers::crossTenantOperations()
{
    QFETCH(QString, operation);
    QFETCH(QString, action);
    const User adminA = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const User memberB = m_world.makeUser(m_world.orgB.id, QStringLiteral("user"));
    const Id orgB = m_world.orgB.id;

    auto run = [&](const Actor& actor) -> Status {
        auto status = [](const auto& r) { return r.ok() ? Status() : Status(r.error()); };
        if (operation == QLatin1String("get user"))
            return status(store().users().get(actor, memberB.id));
        if (operation == QLatin1String("list users")) {
            UserQuery q;
            q.organizationId = orgB;
            return status(store().users().list(actor, q));
        }
        if (operation == QLatin1String("update user")) {
            UserUpdate u;
            u.expectedVersion = store().core().loadUser(memberB.id)->version;
            u.fullName = QStringLiteral("Changed");
            return status(store().users().update(actor, memberB.id, u));
        }
        if (operation == QLatin1String("suspend user")) {
            auto r = status(store().users().suspend(actor, memberB.id));
            if (r.ok())
                (void)store().users().unsuspend(actor, memberB.id);
            return r;
        }
        if (operation == QLatin1String("ban user"))
            return status(store().users().ban(actor, memberB.id, QStringLiteral("x")));
        if (operation == QLatin1String("delete user"))
            return store().users().remove(actor, memberB.id);
        if (operation == QLatin1String("assign role"))
            return store().users().assignRole(actor, memberB.id, QStringLiteral("viewer"));
        if (operation == QLatin1String("set password"))
            return store().users().setPassword(actor, memberB.id, QStringLiteral("Brand-New-Pass-99"));
        if (operation == QLatin1String("list sessions")) {
            SessionQuery q;
            q.userId = memberB.id;
            return status(store().sessions().list(actor, q));
        }
        if (operation == QLatin1String("revoke sessions"))
            return status(store().sessions().revokeAllForUser(actor, memberB.id));
        if (operation == QLatin1String("list api keys"))
            return status(store().apiKeys().list(actor, memberB.id));
        if (operation == QLatin1String("create api key")) {
            NewApiKey k;
            k.name = QStringLiteral("cross");
            k.userId = memberB.id;
            k.scopes = { QStringLiteral("chat:view") };
            return status(store().apiKeys().create(actor, k));
        }
        if (operation == QLatin1String("get organization"))
            return status(store().organizations().get(actor, orgB));
        if (operation == QLatin1String("update organization")) {
            OrganizationUpdate u;
            u.name = QStringLiteral("Globex Renamed");
            return status(store().organizations().update(actor, orgB, u));
        }
        if (operation == QLatin1String("invite"))
            return status(store().organizations().invite(
                actor, orgB, QStringLiteral("new%1@globex.test").arg(actor.userId), QStringLiteral("user")));
        if (operation == QLatin1String("audit query")) {
            AuditQuery q;
            q.organizationId = orgB;
            return status(store().audit().query(actor, q));
        }
        if (operation == QLatin1String("stats"))
            return status(store().stats().get(actor, orgB));
        if (operation == QLatin1String("create role")) {
            NewRole r;
            r.code = QStringLiteral("cross_%1").arg(actor.userId);
            r.name = QStringLiteral("Cross");
            r.level = 30;
            r.organizationId = orgB;
            return status(store().roles().create(actor, r));
        }
        if (operation == QLatin1String("issue reset token"))
            return status(store().tokens().issuePasswordReset(actor, memberB.id));
        qFatal("unknown operation");
    };

    const Actor actorA = m_world.actorFor(adminA);
    const qint64 deniedBefore
        = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE outcome = 'denied'"));
    const qint64 eventsOfB
        = countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE organization_id = %1").arg(orgB));
    const Status refused = run(actorA);
    QVERIFY2(!refused.ok(), "an admin of A acted in B");
    QCOMPARE(refused.error().codeName(), QStringLiteral("not_found"));
    const EventRow event = lastEvent(store(), action);
    QVERIFY2(event.found, qPrintable(action));
    QCOMPARE(event.outcome, QStringLiteral("denied"));
    QCOMPARE(event.actorId, adminA.id);
    QCOMPARE(event.organizationId, m_world.orgA.id);
    QCOMPARE(
        countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE organization_id = %1").arg(orgB)),
        eventsOfB);
    QCOMPARE(countRows(store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE outcome = 'denied'")),
             deniedBefore + 1);

    const Status superOk = run(m_world.superActor);
    QVERIFY2(superOk.ok(), qPrintable(superOk.ok() ? QString() : superOk.error().toString()));
}

QTEST_GUILESS_MAIN(TestManagers)
#include "tst_managers.moc"
