#include "policy/catalog.h"
#include "policy/policy.h"

#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using namespace portcullis;

namespace {

constexpr Id HomeOrg = 7;
constexpr Id OtherOrg = 9;
constexpr Id ActorId = 1;
constexpr Id TargetId = 2;

Role builtInRole(const QString& code)
{
    for (const Role& role : policy::builtInRoles()) {
        if (role.code == code)
            return role;
    }
    qFatal("unknown built-in role");
}

Role customRole(const QString& code, int level, Id organizationId, const QStringList& permissions = {},
                const QStringList& grants = {})
{
    Role role;
    role.code = code;
    role.name = code;
    role.level = level;
    role.organizationId = organizationId;
    role.permissions = permissions;
    role.grants = grants;
    return role;
}

// An actor as the backends build it: highest level of its roles, effective permissions.
Actor makeActor(const QList<Role>& roles, Id organizationId = HomeOrg)
{
    Actor actor;
    actor.userId = ActorId;
    actor.organizationId = organizationId;
    actor.email = u"actor@example.com"_s;
    for (const Role& role : roles) {
        actor.level = std::max(actor.level, role.level);
        actor.roleCodes << role.code;
    }
    actor.permissions = policy::effectivePermissions(roles);
    return actor;
}

Actor makeActor(const QString& roleCode, Id organizationId = HomeOrg)
{
    return makeActor(QList<Role> { builtInRole(roleCode) }, organizationId);
}

Actor makeApiKeyActor(const QString& ownerRoleCode)
{
    Actor actor = makeActor(ownerRoleCode);
    actor.kind = Actor::Kind::ApiKey;
    actor.apiKeyId = 42;
    return actor;
}

User makeUser(const QStringList& roleCodes, Id organizationId = HomeOrg, Id id = TargetId)
{
    User user;
    user.id = id;
    user.email = u"target@example.com"_s;
    user.organizationId = organizationId;
    user.roleCodes = roleCodes;
    for (const QString& code : roleCodes)
        user.highestLevel = std::max(user.highestLevel, policy::builtInLevel(code));
    return user;
}

User makeUser(const QString& roleCode, Id organizationId = HomeOrg)
{
    return makeUser(QStringList { roleCode }, organizationId);
}

User actorAsUser(const Actor& actor)
{
    User self = makeUser(actor.roleCodes, actor.organizationId, actor.userId);
    self.highestLevel = actor.level;
    return self;
}

QSet<QString> setOf(const QStringList& codes)
{
    return QSet<QString>(codes.cbegin(), codes.cend());
}

} // namespace

class TestPolicy : public QObject
{
    Q_OBJECT

private slots:
    void builtInMatrix_data();
    void builtInMatrix();

    void assignment_data();
    void assignment();
    void grantMatrix_data();
    void grantMatrix();
    void grantingRoles_data();
    void grantingRoles();
    void grantsAreCheckedAgainAtUse_data();
    void grantsAreCheckedAgainAtUse();
    void signInEligibility_data();
    void signInEligibility();
    void manageUser_data();
    void manageUser();
    void actOnUser_data();
    void actOnUser();
    void impersonation_data();
    void impersonation();
    void manageRole_data();
    void manageRole();
    void tenant_data();
    void tenant();
    void requirePermission_data();
    void requirePermission();

    void permissionMatches_data();
    void permissionMatches();
    void hasPermission_data();
    void hasPermission();
    void knownPermission_data();
    void knownPermission();
    void effectivePermissions_data();
    void effectivePermissions();
    void higherRolesHoldEverythingBelow();
    void limitToScopes_data();
    void limitToScopes();

    void catalogIsComplete();
    void builtInRolesAreSound();
    void catalogConstantsAreInThePermissionCatalog();
    void auditActionsAreOneList();
    void codesAndActionsAreSpelledOnlyInTheCatalog();

    void seatAvailable_data();
    void seatAvailable();
    void canCarryScope_data();
    void canCarryScope();
    void keyCoversScope_data();
    void keyCoversScope();
    void canInviteWithRole_data();
    void canInviteWithRole();
    void builtInLevels_data();
    void builtInLevels();

    void passwordPolicy_data();
    void passwordPolicy();
    void email_data();
    void email();
    void username_data();
    void username();
    void roleCode_data();
    void roleCode();
    void slug_data();
    void slug();
    void slugify_data();
    void slugify();
};

// --- the built-in matrix -----------------------------------------------------------------------

namespace {

constexpr bool Allow = true;
constexpr bool Deny = false;

struct MatrixRow
{
    const char* actor;
    const char* target;
    bool assign; // assign the target role to a member without roles
    bool revoke; // revoke the target role from a user who holds it and "user"
    bool ban; // ban a user whose highest role is the target role
    bool remove; // delete that user
    bool impersonate; // impersonate that user
};

// Written out by hand from the rules (ARCHITECTURE.md, seeds 002/003), not computed: a strictly
// higher level is needed for every change, revoking also needs to be above the holder's other role
// ("user", level 20), and only super admins impersonate, never another super admin.
// clang-format off
const MatrixRow BuiltInMatrix[] = {
    //  actor          target         assign revoke ban    delete impersonate
    {"super_admin", "super_admin",  Deny,  Deny,  Deny,  Deny,  Deny},
    {"super_admin", "admin",        Allow, Allow, Allow, Allow, Allow},
    {"super_admin", "team_lead",    Allow, Allow, Allow, Allow, Allow},
    {"super_admin", "power_user",   Allow, Allow, Allow, Allow, Allow},
    {"super_admin", "user",         Allow, Allow, Allow, Allow, Allow},
    {"super_admin", "viewer",       Allow, Allow, Allow, Allow, Allow},

    {"admin",       "super_admin",  Deny,  Deny,  Deny,  Deny,  Deny},
    {"admin",       "admin",        Deny,  Deny,  Deny,  Deny,  Deny},
    {"admin",       "team_lead",    Allow, Allow, Allow, Allow, Deny},
    {"admin",       "power_user",   Allow, Allow, Allow, Allow, Deny},
    {"admin",       "user",         Allow, Allow, Allow, Allow, Deny},
    {"admin",       "viewer",       Allow, Allow, Allow, Allow, Deny},

    {"team_lead",   "super_admin",  Deny,  Deny,  Deny,  Deny,  Deny},
    {"team_lead",   "admin",        Deny,  Deny,  Deny,  Deny,  Deny},
    {"team_lead",   "team_lead",    Deny,  Deny,  Deny,  Deny,  Deny},
    {"team_lead",   "power_user",   Allow, Allow, Allow, Allow, Deny},
    {"team_lead",   "user",         Allow, Allow, Allow, Allow, Deny},
    {"team_lead",   "viewer",       Allow, Allow, Allow, Allow, Deny},

    {"power_user",  "super_admin",  Deny,  Deny,  Deny,  Deny,  Deny},
    {"power_user",  "admin",        Deny,  Deny,  Deny,  Deny,  Deny},
    {"power_user",  "team_lead",    Deny,  Deny,  Deny,  Deny,  Deny},
    {"power_user",  "power_user",   Deny,  Deny,  Deny,  Deny,  Deny},
    {"power_user",  "user",         Allow, Allow, Allow, Allow, Deny},
    {"power_user",  "viewer",       Allow, Allow, Allow, Allow, Deny},

    {"user",        "super_admin",  Deny,  Deny,  Deny,  Deny,  Deny},
    {"user",        "admin",        Deny,  Deny,  Deny,  Deny,  Deny},
    {"user",        "team_lead",    Deny,  Deny,  Deny,  Deny,  Deny},
    {"user",        "power_user",   Deny,  Deny,  Deny,  Deny,  Deny},
    {"user",        "user",         Deny,  Deny,  Deny,  Deny,  Deny},
    {"user",        "viewer",       Allow, Deny,  Allow, Allow, Deny},

    {"viewer",      "super_admin",  Deny,  Deny,  Deny,  Deny,  Deny},
    {"viewer",      "admin",        Deny,  Deny,  Deny,  Deny,  Deny},
    {"viewer",      "team_lead",    Deny,  Deny,  Deny,  Deny,  Deny},
    {"viewer",      "power_user",   Deny,  Deny,  Deny,  Deny,  Deny},
    {"viewer",      "user",         Deny,  Deny,  Deny,  Deny,  Deny},
    {"viewer",      "viewer",       Deny,  Deny,  Deny,  Deny,  Deny},
};
// clang-format on

const char* verb(bool allowed)
{
    return allowed ? "can" : "cannot";
}

} // namespace

void TestPolicy::builtInMatrix_data()
{
    QTest::addColumn<QString>("actorRole");
    QTest::addColumn<QString>("targetRole");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<bool>("expected");

    for (const MatrixRow& row : BuiltInMatrix) {
        const QString actor = QString::fromLatin1(row.actor);
        const QString target = QString::fromLatin1(row.target);
        QTest::addRow("%s %s assign %s to a member without roles", row.actor, verb(row.assign), row.target)
            << actor << target << u"assign"_s << row.assign;
        QTest::addRow("%s %s revoke %s from a user who also holds user", row.actor, verb(row.revoke), row.target)
            << actor << target << u"revoke"_s << row.revoke;
        QTest::addRow("%s %s ban a %s", row.actor, verb(row.ban), row.target) << actor << target << u"ban"_s << row.ban;
        QTest::addRow("%s %s delete a %s", row.actor, verb(row.remove), row.target)
            << actor << target << u"delete"_s << row.remove;
        QTest::addRow("%s %s impersonate a %s", row.actor, verb(row.impersonate), row.target)
            << actor << target << u"impersonate"_s << row.impersonate;
    }
}

void TestPolicy::builtInMatrix()
{
    QFETCH(QString, actorRole);
    QFETCH(QString, targetRole);
    QFETCH(QString, operation);
    QFETCH(bool, expected);

    const Actor actor = makeActor(actorRole);
    const QList<Role> actorRoles { builtInRole(actorRole) };
    const Role role = builtInRole(targetRole);

    policy::Decision decision;
    if (operation == u"assign"_s)
        decision = policy::canAssignRole(actor, actorRoles, makeUser(QStringList {}), role);
    else if (operation == u"revoke"_s)
        decision = policy::canAssignRole(actor, actorRoles, makeUser(QStringList { targetRole, u"user"_s }), role);
    else if (operation == u"ban"_s || operation == u"delete"_s)
        decision = policy::canManageUser(actor, makeUser(targetRole), true);
    else if (operation == u"impersonate"_s)
        decision = policy::canImpersonate(actor, makeUser(targetRole));
    else
        QFAIL("unknown operation");

    QVERIFY2(decision.allowed == expected, qPrintable(decision.reason));
    QCOMPARE(decision.reason.isEmpty(), expected); // every refusal says why
}

// --- role assignment ---------------------------------------------------------------------------

void TestPolicy::assignment_data()
{
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<QList<Role>>("actorRoles");
    QTest::addColumn<User>("target");
    QTest::addColumn<Role>("role");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("reasonContains");

    const Role admin = builtInRole(u"admin"_s);
    const Role superAdmin = builtInRole(u"super_admin"_s);
    const Role teamLead = builtInRole(u"team_lead"_s);
    const Role powerUser = builtInRole(u"power_user"_s);
    const Role user = builtInRole(u"user"_s);
    const Actor adminActor = makeActor(u"admin"_s);
    const Actor superActor = makeActor(u"super_admin"_s);
    const Actor teamLeadActor = makeActor(u"team_lead"_s);
    const Actor userActor = makeActor(u"user"_s);

    QTest::newRow("admin cannot assign super_admin")
        << adminActor << QList<Role> { admin } << makeUser(u"user"_s) << superAdmin << false
        << u"admin (level 80) cannot assign super_admin (level 100)"_s;
    QTest::newRow("admin can assign power_user to a user")
        << adminActor << QList<Role> { admin } << makeUser(u"user"_s) << powerUser << true << QString();
    QTest::newRow("admin cannot assign admin to a user (same level)")
        << adminActor << QList<Role> { admin } << makeUser(u"user"_s) << admin << false << u"cannot assign admin"_s;
    QTest::newRow("admin cannot change the roles of another admin")
        << adminActor << QList<Role> { admin } << makeUser(u"admin"_s) << user << false << u"user at level 80"_s;

    // Nobody raises their own level.
    QTest::newRow("admin cannot give itself super_admin")
        << adminActor << QList<Role> { admin } << actorAsUser(adminActor) << superAdmin << false
        << u"cannot assign super_admin"_s;
    QTest::newRow("admin cannot give itself admin again")
        << adminActor << QList<Role> { admin } << actorAsUser(adminActor) << admin << false << u"own privileges"_s;
    QTest::newRow("user cannot give itself power_user")
        << userActor << QList<Role> { user } << actorAsUser(userActor) << powerUser << false << u"cannot assign"_s;
    QTest::newRow("super_admin cannot give itself super_admin again")
        << superActor << QList<Role> { superAdmin } << actorAsUser(superActor) << superAdmin << false
        << u"own privileges"_s;
    QTest::newRow("team_lead may take a lower built-in role it already covers")
        << teamLeadActor << QList<Role> { teamLead } << actorAsUser(teamLeadActor) << user << true << QString();
    QTest::newRow("admin cannot give itself a lower custom role that brings a permission it lacks")
        << adminActor << QList<Role> { admin } << actorAsUser(adminActor)
        << customRole(u"shadow"_s, 30, HomeOrg, { u"admin:user:impersonate"_s }) << false
        << u"admin:user:impersonate"_s;

    // Grants: beside one's own level, never above it.
    const Role coordinator = customRole(u"coordinator"_s, 60, HomeOrg, {}, { u"team_lead"_s });
    const Actor coordinatorActor = makeActor(QList<Role> { coordinator });
    QTest::newRow("a grant never lets a level 60 role assign team_lead beside it")
        << coordinatorActor << QList<Role> { coordinator } << makeUser(u"user"_s) << teamLead << false
        << u"coordinator (level 60) cannot assign team_lead (level 60)"_s;
    QTest::newRow("without a grant a level 60 role cannot assign team_lead")
        << teamLeadActor << QList<Role> { teamLead } << makeUser(u"user"_s) << teamLead << false
        << u"team_lead (level 60) cannot assign team_lead (level 60)"_s;
    const Role ambitious = customRole(u"ambitious"_s, 60, HomeOrg, {}, { u"admin"_s, u"super_admin"_s });
    QTest::newRow("a grant never lets anyone assign a role above their own level")
        << makeActor(QList<Role> { ambitious }) << QList<Role> { ambitious } << makeUser(u"user"_s) << admin << false
        << u"ambitious (level 60) cannot assign admin (level 80)"_s;
    QTest::newRow("a grant does not reach a user above the actor")
        << coordinatorActor << QList<Role> { coordinator } << makeUser(u"admin"_s) << teamLead << false
        << u"user at level 80"_s;
    QTest::newRow("a grant does not let anyone give themselves a role beside their own")
        << coordinatorActor << QList<Role> { coordinator } << actorAsUser(coordinatorActor) << teamLead << false
        << u"own privileges"_s;

    // Tenants.
    QTest::newRow("cross-tenant assignment is denied for an admin")
        << adminActor << QList<Role> { admin } << makeUser(u"user"_s, OtherOrg) << powerUser << false
        << u"outside their organization"_s;
    QTest::newRow("cross-tenant assignment is allowed for a super admin")
        << superActor << QList<Role> { superAdmin } << makeUser(u"user"_s, OtherOrg) << admin << true << QString();
    QTest::newRow("a role of another organization cannot be given")
        << adminActor << QList<Role> { admin } << makeUser(u"user"_s) << customRole(u"foreign"_s, 30, OtherOrg) << false
        << u"Role belongs to another organization"_s;
    QTest::newRow("a super admin cannot give a role of another organization either")
        << superActor << QList<Role> { superAdmin } << makeUser(u"user"_s, OtherOrg)
        << customRole(u"foreign"_s, 30, HomeOrg) << false << u"Role belongs to another organization"_s;
    QTest::newRow("admin can assign a custom level 35 role of its organization")
        << adminActor << QList<Role> { admin } << makeUser(u"user"_s) << customRole(u"kb_curator"_s, 35, HomeOrg)
        << true << QString();
    QTest::newRow("admin can assign a global custom role below its level")
        << adminActor << QList<Role> { admin } << makeUser(u"user"_s) << customRole(u"auditor"_s, 50, 0) << true
        << QString();
}

void TestPolicy::assignment()
{
    QFETCH(Actor, actor);
    QFETCH(QList<Role>, actorRoles);
    QFETCH(User, target);
    QFETCH(Role, role);
    QFETCH(bool, expected);
    QFETCH(QString, reasonContains);

    const policy::Decision decision = policy::canAssignRole(actor, actorRoles, target, role);
    QVERIFY2(decision.allowed == expected, qPrintable(decision.reason));
    QVERIFY2(decision.reason.contains(reasonContains), qPrintable(decision.reason));
    QCOMPARE(decision.reason.isEmpty(), expected);
}

// --- grants: every built-in role as actor x grants naming each built-in role x targets at each level

namespace {

const char* const BuiltInCodes[] = { "super_admin", "admin", "team_lead", "power_user", "user", "viewer" };

// The rule, stated independently of the implementation: a grant widens *which* roles one may
// assign (it stands in for admin:user:roles), never *whom* one may manage and never a role at or
// above one's own level. Admins and super admins hold admin:user:roles (and admin:user:ban).
bool holdsRoleManagement(const QString& actor)
{
    return actor == u"super_admin"_s || actor == u"admin"_s;
}

} // namespace

void TestPolicy::grantMatrix_data()
{
    QTest::addColumn<QString>("actorRole");
    QTest::addColumn<QString>("grantedRole"); // empty = the actor holds no grant
    QTest::addColumn<QString>("targetRole");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<bool>("expected");

    for (const char* actorCode : BuiltInCodes) {
        const QString actor = QString::fromLatin1(actorCode);
        const int actorLevel = policy::builtInLevel(actor);
        QStringList grants { QString() };
        for (const char* g : BuiltInCodes)
            grants << QString::fromLatin1(g);
        for (const QString& granted : std::as_const(grants)) {
            for (const char* targetCode : BuiltInCodes) {
                const QString target = QString::fromLatin1(targetCode);
                const int targetLevel = policy::builtInLevel(target);
                const QString grantName = granted.isEmpty() ? u"no grant"_s : u"a grant of "_s + granted;
                // The role assigned/revoked: the granted one, or "viewer" when there is no grant.
                const QString role = granted.isEmpty() ? u"viewer"_s : granted;
                const int roleLevel = policy::builtInLevel(role);
                const bool mayAssignAtAll
                    = holdsRoleManagement(actor) || (!granted.isEmpty() && roleLevel < actorLevel);
                const bool assign = mayAssignAtAll && roleLevel < actorLevel && targetLevel < actorLevel;
                const bool revoke
                    = mayAssignAtAll && roleLevel < actorLevel && std::max(targetLevel, roleLevel) < actorLevel;
                const bool ban = holdsRoleManagement(actor) && targetLevel < actorLevel;
                QTest::addRow("%s with %s %s assign %s to a %s", actorCode, qPrintable(grantName), verb(assign),
                              qPrintable(role), targetCode)
                    << actor << granted << target << u"assign"_s << assign;
                QTest::addRow("%s with %s %s revoke %s from a %s", actorCode, qPrintable(grantName), verb(revoke),
                              qPrintable(role), targetCode)
                    << actor << granted << target << u"revoke"_s << revoke;
                QTest::addRow("%s with %s %s ban a %s", actorCode, qPrintable(grantName), verb(ban), targetCode)
                    << actor << granted << target << u"ban"_s << ban;
            }
        }
    }
}

void TestPolicy::grantMatrix()
{
    QFETCH(QString, actorRole);
    QFETCH(QString, grantedRole);
    QFETCH(QString, targetRole);
    QFETCH(QString, operation);
    QFETCH(bool, expected);

    // The grant rides on a harmless level-1 role of the actor's organization, as in the takeover.
    QList<Role> actorRoles { builtInRole(actorRole) };
    if (!grantedRole.isEmpty())
        actorRoles << customRole(u"carrier"_s, 1, HomeOrg, {}, { grantedRole });
    const Actor actor = makeActor(actorRoles);
    const Role role = builtInRole(grantedRole.isEmpty() ? u"viewer"_s : grantedRole);

    policy::Decision decision;
    if (operation == u"ban"_s) {
        decision = policy::requirePermission(actor, u"admin:user:ban"_s);
        if (decision)
            decision = policy::canManageUser(actor, makeUser(targetRole), true);
    } else {
        const User target
            = operation == u"assign"_s ? makeUser(targetRole) : makeUser(QStringList { targetRole, role.code });
        decision = policy::mayAssignRoles(actor, actorRoles, role);
        if (decision)
            decision = policy::canAssignRole(actor, actorRoles, target, role);
    }
    QVERIFY2(decision.allowed == expected, qPrintable(decision.reason));
    QCOMPARE(decision.reason.isEmpty(), expected);
}

void TestPolicy::grantingRoles_data()
{
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<Role>("grantingRole");
    QTest::addColumn<Role>("granted");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("reasonContains");

    const Actor admin = makeActor(u"admin"_s);
    const Actor super = makeActor(u"super_admin"_s);
    const Role carrier = customRole(u"carrier"_s, 1, HomeOrg);
    const Role globalCarrier = customRole(u"global_carrier"_s, 1, 0);
    QTest::newRow("org admin cannot grant admin (the takeover)")
        << admin << carrier << builtInRole(u"admin"_s) << false << u"below your own level"_s;
    QTest::newRow("org admin cannot grant super_admin")
        << admin << carrier << builtInRole(u"super_admin"_s) << false << u"below your own level"_s;
    QTest::newRow("org admin can grant team_lead")
        << admin << carrier << builtInRole(u"team_lead"_s) << true << QString();
    QTest::newRow("org admin can grant a custom role of its organization")
        << admin << carrier << customRole(u"kb_curator"_s, 35, HomeOrg) << true << QString();
    QTest::newRow("org admin cannot grant a role of another organization")
        << admin << carrier << customRole(u"foreign"_s, 30, OtherOrg) << false << u"another"_s;
    QTest::newRow("a global role cannot grant a role of an organization")
        << super << globalCarrier << customRole(u"kb_curator"_s, 35, HomeOrg) << false << u"another"_s;
    QTest::newRow("super admin can grant admin") << super << carrier << builtInRole(u"admin"_s) << true << QString();
    QTest::newRow("super admin cannot grant super_admin")
        << super << globalCarrier << builtInRole(u"super_admin"_s) << false << u"below your own level"_s;
    QTest::newRow("team_lead cannot grant team_lead")
        << makeActor(u"team_lead"_s) << carrier << builtInRole(u"team_lead"_s) << false << u"below your own level"_s;
}

void TestPolicy::grantingRoles()
{
    QFETCH(Actor, actor);
    QFETCH(Role, grantingRole);
    QFETCH(Role, granted);
    QFETCH(bool, expected);
    QFETCH(QString, reasonContains);

    const policy::Decision decision = policy::canGrantRole(actor, grantingRole, granted);
    QVERIFY2(decision.allowed == expected, qPrintable(decision.reason));
    QVERIFY2(decision.reason.contains(reasonContains), qPrintable(decision.reason));
}

void TestPolicy::grantsAreCheckedAgainAtUse_data()
{
    QTest::addColumn<QList<Role>>("actorRoles");
    QTest::addColumn<Role>("role");
    QTest::addColumn<bool>("usable");

    // Stored earlier (by someone who could), held now by users of lower rank.
    const Role grantsTeamLead = customRole(u"onboarder"_s, 1, HomeOrg, {}, { u"team_lead"_s, u"user"_s });
    QTest::newRow("a power_user holding a grant of team_lead cannot use it")
        << QList<Role> { builtInRole(u"power_user"_s), grantsTeamLead } << builtInRole(u"team_lead"_s) << false;
    QTest::newRow("a power_user holding a grant of user can use it")
        << QList<Role> { builtInRole(u"power_user"_s), grantsTeamLead } << builtInRole(u"user"_s) << true;
    QTest::newRow("a grant alone (level 1) reaches nothing")
        << QList<Role> { grantsTeamLead } << builtInRole(u"user"_s) << false;
    QTest::newRow("a grant does not reach a role of another organization")
        << QList<Role> { builtInRole(u"admin"_s), customRole(u"c"_s, 1, HomeOrg, {}, { u"foreign"_s }) }
        << customRole(u"foreign"_s, 30, OtherOrg) << false;
    QTest::newRow("a grant that names another role is no grant")
        << QList<Role> { builtInRole(u"team_lead"_s), grantsTeamLead } << builtInRole(u"viewer"_s) << false;
}

void TestPolicy::grantsAreCheckedAgainAtUse()
{
    QFETCH(QList<Role>, actorRoles);
    QFETCH(Role, role);
    QFETCH(bool, usable);
    const Actor actor = makeActor(actorRoles);
    QCOMPARE(policy::usableGrant(actor, actorRoles, role), usable);
    Actor key = actor;
    key.kind = Actor::Kind::ApiKey;
    QVERIFY(!policy::usableGrant(key, actorRoles, role)); // API keys never assign through grants
}

// --- sign-in eligibility ---------------------------------------------------------------------------

void TestPolicy::signInEligibility_data()
{
    QTest::addColumn<int>("credential");
    QTest::addColumn<QString>("condition");
    QTest::addColumn<int>("expected");

    const QList<std::pair<const char*, policy::Credential>> credentials {
        { "password", policy::Credential::Password },
        { "session", policy::Credential::Session },
        { "api key", policy::Credential::ApiKey },
    };
    for (const auto& [name, credential] : credentials) {
        const int c = int(credential);
        const bool password = credential == policy::Credential::Password;
        QTest::addRow("%s: an active account may act", name) << c << u"fine"_s << int(policy::Ineligible::None);
        QTest::addRow("%s: a deleted account may not", name) << c << u"deleted"_s << int(policy::Ineligible::Deleted);
        QTest::addRow("%s: a suspended account may not", name)
            << c << u"suspended"_s << int(policy::Ineligible::Suspended);
        QTest::addRow("%s: a banned account may not", name) << c << u"banned"_s << int(policy::Ineligible::Banned);
        QTest::addRow("%s: a ban past its expiry no longer counts", name)
            << c << u"ban expired"_s << int(policy::Ineligible::None);
        QTest::addRow("%s: a ban until later counts", name)
            << c << u"ban until later"_s << int(policy::Ineligible::Banned);
        QTest::addRow("%s: a suspended organization stops its members", name)
            << c << u"organization suspended"_s << int(policy::Ineligible::OrganizationSuspended);
        QTest::addRow("%s: a lock %s", name, password ? "stops a password sign-in" : "does not end what is open")
            << c << u"locked"_s << int(password ? policy::Ineligible::Locked : policy::Ineligible::None);
        QTest::addRow("%s: a revoked credential %s", name, password ? "is not asked about" : "may not")
            << c << u"revoked"_s << int(password ? policy::Ineligible::None : policy::Ineligible::CredentialRevoked);
        QTest::addRow("%s: an expired credential %s", name, password ? "is not asked about" : "may not")
            << c << u"expired"_s << int(password ? policy::Ineligible::None : policy::Ineligible::CredentialExpired);
        // A ban also revokes the sessions: the ban is the reason given, at every entrance.
        QTest::addRow("%s: banned goes before revoked", name)
            << c << u"revoked and banned"_s << int(policy::Ineligible::Banned);
    }
}

void TestPolicy::signInEligibility()
{
    QFETCH(int, credential);
    QFETCH(QString, condition);
    QFETCH(int, expected);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    policy::AccountState state;
    state.userId = 5;
    state.credentialExpiresAt = now.addSecs(3600);
    if (condition == u"deleted"_s)
        state.deleted = true;
    else if (condition == u"suspended"_s)
        state.active = false;
    else if (condition == u"banned"_s || condition == u"revoked and banned"_s)
        state.banReason = u"spam"_s;
    else if (condition.startsWith(u"ban "_s)) {
        state.banReason = u"spam"_s;
        state.banExpiresAt = now.addSecs(condition == u"ban expired"_s ? -60 : 600);
    } else if (condition == u"organization suspended"_s)
        state.organizationActive = false;
    else if (condition == u"locked"_s)
        state.lockedUntil = now.addSecs(600);
    else if (condition == u"expired"_s)
        state.credentialExpiresAt = now.addSecs(-1);
    if (condition.startsWith(u"revoked"_s))
        state.credentialRevoked = true;

    const policy::Eligibility eligibility = policy::signInEligibility(state, policy::Credential(credential), now);
    QCOMPARE(int(eligibility.why), expected);
    QCOMPARE(eligibility.eligible(), expected == int(policy::Ineligible::None));
    QCOMPARE(eligibility.reason.isEmpty(), eligibility.eligible()); // every refusal says why
}

// --- managing users ------------------------------------------------------------------------------

void TestPolicy::manageUser_data()
{
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<User>("target");
    QTest::addColumn<bool>("destructive");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("reasonContains");

    const Actor admin = makeActor(u"admin"_s);
    QTest::newRow("team_lead cannot ban an admin")
        << makeActor(u"team_lead"_s) << makeUser(u"admin"_s) << true << false << u"(60)"_s;
    QTest::newRow("team_lead cannot edit an admin either")
        << makeActor(u"team_lead"_s) << makeUser(u"admin"_s) << false << false << u"(80)"_s;
    QTest::newRow("admin can ban a user") << admin << makeUser(u"user"_s) << true << true << QString();
    QTest::newRow("admin can ban a user with no roles")
        << admin << makeUser(QStringList {}) << true << true << QString();
    QTest::newRow("admin cannot ban another admin") << admin << makeUser(u"admin"_s) << true << false << u"(80)"_s;
    QTest::newRow("admin cannot ban its own account")
        << admin << actorAsUser(admin) << true << false << u"your own account"_s;
    QTest::newRow("admin can edit its own profile") << admin << actorAsUser(admin) << false << true << QString();
    QTest::newRow("a super admin cannot delete its own account")
        << makeActor(u"super_admin"_s) << actorAsUser(makeActor(u"super_admin"_s)) << true << false
        << u"your own account"_s;
    QTest::newRow("admin cannot ban a user of another organization")
        << admin << makeUser(u"user"_s, OtherOrg) << true << false << u"outside their organization"_s;
    QTest::newRow("a super admin can ban a user of another organization")
        << makeActor(u"super_admin"_s) << makeUser(u"admin"_s, OtherOrg) << true << true << QString();
    QTest::newRow("admin cannot touch a global user without organization")
        << admin << makeUser(u"user"_s, 0) << false << false << u"global objects"_s;
    QTest::newRow("an API key of an admin can suspend a user")
        << makeApiKeyActor(u"admin"_s) << makeUser(u"user"_s) << true << true << QString();
    QTest::newRow("an API key of a super admin stays inside its organization")
        << makeApiKeyActor(u"super_admin"_s) << makeUser(u"user"_s, OtherOrg) << true << false
        << u"outside their organization"_s;
}

void TestPolicy::manageUser()
{
    QFETCH(Actor, actor);
    QFETCH(User, target);
    QFETCH(bool, destructive);
    QFETCH(bool, expected);
    QFETCH(QString, reasonContains);

    const policy::Decision decision = policy::canManageUser(actor, target, destructive);
    QVERIFY2(decision.allowed == expected, qPrintable(decision.reason));
    QVERIFY2(decision.reason.contains(reasonContains), qPrintable(decision.reason));
}

// --- impersonation -------------------------------------------------------------------------------

Q_DECLARE_METATYPE(portcullis::policy::UserAction)

void TestPolicy::actOnUser_data()
{
    using policy::UserAction;
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<User>("target");
    QTest::addColumn<UserAction>("action");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("reasonContains");

    const Actor viewer = makeActor(u"viewer"_s);
    const Actor admin = makeActor(u"admin"_s);
    // Self-service: one's own profile, password and sessions need no admin permission...
    QTest::newRow("a viewer edits its own profile")
        << viewer << actorAsUser(viewer) << UserAction::Edit << true << QString();
    QTest::newRow("a viewer changes its own password")
        << viewer << actorAsUser(viewer) << UserAction::SetPassword << true << QString();
    QTest::newRow("a viewer signs itself out everywhere")
        << viewer << actorAsUser(viewer) << UserAction::EndSessions << true << QString();
    // ...but nothing else, and never through an API key acting for its owner.
    QTest::newRow("a viewer cannot issue itself a reset code")
        << viewer << actorAsUser(viewer) << UserAction::IssueToken << false << u"admin:user:edit"_s;
    Actor viewerKey = makeApiKeyActor(u"viewer"_s);
    QTest::newRow("a viewer's API key cannot edit its owner")
        << viewerKey << actorAsUser(viewerKey) << UserAction::Edit << false << u"admin:user:edit"_s;
    QTest::newRow("a viewer's API key cannot end its owner's sessions")
        << viewerKey << actorAsUser(viewerKey) << UserAction::EndSessions << false << u"admin:session:revoke"_s;
    // Destructive actions never on oneself, whatever the permission.
    QTest::newRow("an admin cannot suspend itself")
        << admin << actorAsUser(admin) << UserAction::Suspend << false << u"your own account"_s;
    QTest::newRow("an admin cannot delete itself")
        << admin << actorAsUser(admin) << UserAction::Delete << false << u"your own account"_s;
    QTest::newRow("an admin may issue itself a reset code")
        << admin << actorAsUser(admin) << UserAction::IssueToken << true << QString();
    // The permission first, then the level rule.
    QTest::newRow("a team lead cannot ban (no permission)")
        << makeActor(u"team_lead"_s) << makeUser(u"user"_s) << UserAction::Ban << false << u"admin:user:ban"_s;
    QTest::newRow("an admin bans a user") << admin << makeUser(u"user"_s) << UserAction::Ban << true << QString();
    QTest::newRow("an admin cannot end a super admin's sessions")
        << admin << makeUser(u"super_admin"_s) << UserAction::EndSessions << false << u"(100)"_s;
    QTest::newRow("an admin of another tenant cannot edit")
        << admin << makeUser(u"user"_s, OtherOrg) << UserAction::Edit << false << u"outside their organization"_s;
    // Impersonation: its own rule after the permission.
    QTest::newRow("an admin cannot impersonate")
        << admin << makeUser(u"user"_s) << UserAction::Impersonate << false << u"admin:user:impersonate"_s;
    QTest::newRow("a super admin impersonates a user")
        << makeActor(u"super_admin"_s) << makeUser(u"user"_s) << UserAction::Impersonate << true << QString();
    QTest::newRow("a super admin cannot impersonate another")
        << makeActor(u"super_admin"_s) << makeUser(u"super_admin"_s) << UserAction::Impersonate << false
        << u"cannot be impersonated"_s;
}

void TestPolicy::actOnUser()
{
    QFETCH(Actor, actor);
    QFETCH(User, target);
    QFETCH(policy::UserAction, action);
    QFETCH(bool, expected);
    QFETCH(QString, reasonContains);
    const policy::Decision decision = policy::canActOnUser(actor, target, action);
    QCOMPARE(decision.allowed, expected);
    if (!expected)
        QVERIFY2(decision.reason.contains(reasonContains), qPrintable(decision.reason));
}

void TestPolicy::impersonation_data()
{
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<User>("target");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("reasonContains");

    const Actor super = makeActor(u"super_admin"_s);
    QTest::newRow("super admin can impersonate an admin of another organization")
        << super << makeUser(u"admin"_s, OtherOrg) << true << QString();
    QTest::newRow("super admin cannot impersonate another super admin")
        << super << makeUser(u"super_admin"_s) << false << u"Super admins cannot be impersonated"_s;
    QTest::newRow("super admin cannot impersonate itself") << super << actorAsUser(super) << false << u"yourself"_s;
    QTest::newRow("API key actor cannot impersonate")
        << makeApiKeyActor(u"super_admin"_s) << makeUser(u"user"_s) << false << u"API keys"_s;
    QTest::newRow("admin cannot impersonate a user")
        << makeActor(u"admin"_s) << makeUser(u"user"_s) << false << u"Only super admins"_s;
    Actor adminWithStar = makeActor(u"admin"_s);
    adminWithStar.permissions.insert(u"admin:user:impersonate"_s);
    QTest::newRow("holding the impersonate permission is not enough below super admin")
        << adminWithStar << makeUser(u"user"_s) << false << u"Only super admins"_s;
}

void TestPolicy::impersonation()
{
    QFETCH(Actor, actor);
    QFETCH(User, target);
    QFETCH(bool, expected);
    QFETCH(QString, reasonContains);

    const policy::Decision decision = policy::canImpersonate(actor, target);
    QVERIFY2(decision.allowed == expected, qPrintable(decision.reason));
    QVERIFY2(decision.reason.contains(reasonContains), qPrintable(decision.reason));
}

// --- managing roles ------------------------------------------------------------------------------

void TestPolicy::manageRole_data()
{
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<Role>("role");
    QTest::addColumn<bool>("expected");
    QTest::addColumn<QString>("reasonContains");

    const Actor admin = makeActor(u"admin"_s);
    const Actor super = makeActor(u"super_admin"_s);
    QTest::newRow("built-in roles cannot be changed even by a super admin")
        << super << builtInRole(u"viewer"_s) << false << u"Built-in roles"_s;
    QTest::newRow("admin can create a level 35 role in its organization")
        << admin << customRole(u"kb_curator"_s, 35, HomeOrg, { u"kb:view"_s, u"kb:upload"_s, u"kb:index"_s }) << true
        << QString();
    QTest::newRow("admin cannot create a role at its own level")
        << admin << customRole(u"co_admin"_s, 80, HomeOrg) << false << u"(80)"_s;
    QTest::newRow("admin cannot create a global role")
        << admin << customRole(u"auditor"_s, 50, 0) << false << u"global"_s;
    QTest::newRow("admin cannot create a role in another organization")
        << admin << customRole(u"auditor"_s, 50, OtherOrg) << false << u"outside their organization"_s;
    QTest::newRow("admin cannot put a permission it lacks into a role")
        << admin << customRole(u"shadow"_s, 30, HomeOrg, { u"admin:org:delete"_s }) << false << u"admin:org:delete"_s;
    QTest::newRow("super admin can create a global role with any permission")
        << super << customRole(u"auditor"_s, 50, 0, { u"admin:audit:*"_s }) << true << QString();
    QTest::newRow("team_lead cannot create a role above its own level")
        << makeActor(u"team_lead"_s) << customRole(u"senior"_s, 70, HomeOrg) << false << u"(60)"_s;
}

void TestPolicy::manageRole()
{
    QFETCH(Actor, actor);
    QFETCH(Role, role);
    QFETCH(bool, expected);
    QFETCH(QString, reasonContains);

    const policy::Decision decision = policy::canManageRole(actor, role);
    QVERIFY2(decision.allowed == expected, qPrintable(decision.reason));
    QVERIFY2(decision.reason.contains(reasonContains), qPrintable(decision.reason));
}

void TestPolicy::tenant_data()
{
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<qint64>("organization");
    QTest::addColumn<bool>("expected");

    QTest::newRow("admin acts in its own organization") << makeActor(u"admin"_s) << HomeOrg << true;
    QTest::newRow("admin cannot act in another organization") << makeActor(u"admin"_s) << OtherOrg << false;
    QTest::newRow("admin cannot change global objects") << makeActor(u"admin"_s) << Id(0) << false;
    QTest::newRow("super admin acts in any organization") << makeActor(u"super_admin"_s) << OtherOrg << true;
    QTest::newRow("super admin changes global objects") << makeActor(u"super_admin"_s) << Id(0) << true;
    QTest::newRow("the system actor changes global objects") << Actor::system() << Id(0) << true;
    QTest::newRow("an API key of a super admin cannot cross organizations")
        << makeApiKeyActor(u"super_admin"_s) << OtherOrg << false;
}

void TestPolicy::tenant()
{
    QFETCH(Actor, actor);
    QFETCH(qint64, organization);
    QFETCH(bool, expected);
    const policy::Decision decision = policy::requireTenant(actor, organization);
    QCOMPARE(decision.allowed, expected);
    QCOMPARE(decision.reason.isEmpty(), expected);
}

void TestPolicy::requirePermission_data()
{
    QTest::addColumn<Actor>("actor");
    QTest::addColumn<QString>("permission");
    QTest::addColumn<bool>("expected");

    QTest::newRow("admin may ban") << makeActor(u"admin"_s) << u"admin:user:ban"_s << true;
    QTest::newRow("team_lead may not ban") << makeActor(u"team_lead"_s) << u"admin:user:ban"_s << false;
    QTest::newRow("super admin may do anything through the wildcard")
        << makeActor(u"super_admin"_s) << u"admin:system:backup"_s << true;
    QTest::newRow("the system actor may do anything") << Actor::system() << u"admin:org:delete"_s << true;
}

void TestPolicy::requirePermission()
{
    QFETCH(Actor, actor);
    QFETCH(QString, permission);
    QFETCH(bool, expected);
    const policy::Decision decision = policy::requirePermission(actor, permission);
    QCOMPARE(decision.allowed, expected);
    if (!expected)
        QCOMPARE(decision.reason, u"Missing permission "_s + permission);
}

// --- permissions -------------------------------------------------------------------------------

void TestPolicy::permissionMatches_data()
{
    QTest::addColumn<QString>("granted");
    QTest::addColumn<QString>("required");
    QTest::addColumn<bool>("expected");

    QTest::newRow("the star matches any code") << u"*"_s << u"admin:user:ban"_s << true;
    QTest::newRow("the star matches a wildcard too") << u"*"_s << u"kb:*"_s << true;
    QTest::newRow("admin:* matches an admin code") << u"admin:*"_s << u"admin:user:view"_s << true;
    QTest::newRow("admin:* matches the bare prefix") << u"admin:*"_s << u"admin"_s << true;
    QTest::newRow("admin:* matches a narrower wildcard") << u"admin:*"_s << u"admin:user:*"_s << true;
    QTest::newRow("admin:user:* matches admin:user:ban") << u"admin:user:*"_s << u"admin:user:ban"_s << true;
    QTest::newRow("admin:user:* does not match a role code") << u"admin:user:*"_s << u"admin:role:view"_s << false;
    QTest::newRow("admin:user:* does not match the broader admin:*") << u"admin:user:*"_s << u"admin:*"_s << false;
    QTest::newRow("admin:* does not match a longer resource name") << u"admin:*"_s << u"administrator:view"_s << false;
    QTest::newRow("chat:* does not match a kb code") << u"chat:*"_s << u"kb:view"_s << false;
    QTest::newRow("an exact code matches itself") << u"kb:view"_s << u"kb:view"_s << true;
    QTest::newRow("an exact code does not match a longer one") << u"kb:view"_s << u"kb:viewer"_s << false;
    QTest::newRow("chat:delete does not cover chat:delete:any") << u"chat:delete"_s << u"chat:delete:any"_s << false;
    QTest::newRow("a concrete code does not satisfy a wildcard requirement") << u"kb:view"_s << u"kb:*"_s << false;
    QTest::newRow("an empty grant matches nothing") << QString() << u"kb:view"_s << false;
    QTest::newRow("an empty requirement is never met") << u"*"_s << QString() << false;
}

void TestPolicy::permissionMatches()
{
    QFETCH(QString, granted);
    QFETCH(QString, required);
    QFETCH(bool, expected);
    QCOMPARE(policy::permissionMatches(granted, required), expected);
}

void TestPolicy::hasPermission_data()
{
    QTest::addColumn<QStringList>("granted");
    QTest::addColumn<QString>("required");
    QTest::addColumn<bool>("expected");

    QTest::newRow("an exact grant is enough") << QStringList { u"kb:view"_s, u"chat:view"_s } << u"chat:view"_s << true;
    QTest::newRow("a prefix wildcard is enough")
        << QStringList { u"kb:view"_s, u"admin:audit:*"_s } << u"admin:audit:export"_s << true;
    QTest::newRow("the star is enough") << QStringList { u"*"_s } << u"admin:user:impersonate"_s << true;
    QTest::newRow("an unrelated set is not")
        << QStringList { u"kb:view"_s, u"chat:*"_s } << u"admin:user:ban"_s << false;
    QTest::newRow("an empty set holds nothing") << QStringList {} << u"kb:view"_s << false;
}

void TestPolicy::hasPermission()
{
    QFETCH(QStringList, granted);
    QFETCH(QString, required);
    QFETCH(bool, expected);
    QCOMPARE(policy::hasPermission(setOf(granted), required), expected);
}

void TestPolicy::knownPermission_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("expected");

    QTest::newRow("a seed 002 code is known") << u"kb:rag"_s << true;
    QTest::newRow("a seed 003 code is known") << u"admin:user:impersonate"_s << true;
    QTest::newRow("a product code is known") << u"admin:audit:verify"_s << true;
    QTest::newRow("the star is known") << u"*"_s << true;
    QTest::newRow("a wildcard over a resource is known") << u"admin:*"_s << true;
    QTest::newRow("a wildcard over a sub-resource is known") << u"admin:user:*"_s << true;
    QTest::newRow("a wildcard over an unknown resource is not") << u"billing:*"_s << false;
    QTest::newRow("a misspelt wildcard is not") << u"admin:usr:*"_s << false;
    QTest::newRow("an unknown action is not") << u"chat:fly"_s << false;
    QTest::newRow("a bare colon wildcard is not") << u":*"_s << false;
    QTest::newRow("an empty code is not") << QString() << false;
}

void TestPolicy::knownPermission()
{
    QFETCH(QString, code);
    QFETCH(bool, expected);
    QCOMPARE(policy::isKnownPermission(code), expected);
}

void TestPolicy::effectivePermissions_data()
{
    QTest::addColumn<QList<Role>>("roles");
    QTest::addColumn<QString>("permission");
    QTest::addColumn<bool>("expected");

    const Role kbCurator = customRole(u"kb_curator"_s, 35, HomeOrg, { u"kb:upload"_s, u"kb:index"_s });
    const auto roles = [](const QString& code) { return QList<Role> { builtInRole(code) }; };

    QTest::newRow("admin has kb:view from viewer") << roles(u"admin"_s) << u"kb:view"_s << true;
    QTest::newRow("admin has kb:search from user") << roles(u"admin"_s) << u"kb:search"_s << true;
    QTest::newRow("admin has deploy:approve from team_lead") << roles(u"admin"_s) << u"deploy:approve"_s << true;
    QTest::newRow("admin bans users") << roles(u"admin"_s) << u"admin:user:ban"_s << true;
    QTest::newRow("admin does not impersonate") << roles(u"admin"_s) << u"admin:user:impersonate"_s << false;
    QTest::newRow("admin does not create organizations") << roles(u"admin"_s) << u"admin:org:create"_s << false;
    QTest::newRow("admin does not suspend organizations") << roles(u"admin"_s) << u"admin:org:suspend"_s << false;
    QTest::newRow("admin does not delete organizations") << roles(u"admin"_s) << u"admin:org:delete"_s << false;
    QTest::newRow("admin does not configure the system") << roles(u"admin"_s) << u"admin:system:config"_s << false;
    QTest::newRow("admin does not back up the system") << roles(u"admin"_s) << u"admin:system:backup"_s << false;
    QTest::newRow("super admin impersonates through the star")
        << roles(u"super_admin"_s) << u"admin:user:impersonate"_s << true;
    QTest::newRow("team_lead reads users") << roles(u"team_lead"_s) << u"admin:user:read"_s << true;
    QTest::newRow("team_lead does not ban") << roles(u"team_lead"_s) << u"admin:user:ban"_s << false;
    QTest::newRow("power_user creates projects") << roles(u"power_user"_s) << u"project:create"_s << true;
    QTest::newRow("power_user searches the knowledge base") << roles(u"power_user"_s) << u"kb:search"_s << true;
    QTest::newRow("user does not have project:create") << roles(u"user"_s) << u"project:create"_s << false;
    QTest::newRow("user creates conversations") << roles(u"user"_s) << u"chat:create"_s << true;
    QTest::newRow("user views projects through viewer") << roles(u"user"_s) << u"project:view"_s << true;
    QTest::newRow("viewer does not search") << roles(u"viewer"_s) << u"kb:search"_s << false;
    QTest::newRow("viewer views the knowledge base") << roles(u"viewer"_s) << u"kb:view"_s << true;
    QTest::newRow("custom role level 35 has its own kb:upload") << QList<Role> { kbCurator } << u"kb:upload"_s << true;
    QTest::newRow("custom role level 35 inherits user's kb:search")
        << QList<Role> { kbCurator } << u"kb:search"_s << true;
    QTest::newRow("custom role level 35 inherits viewer's chat:history")
        << QList<Role> { kbCurator } << u"chat:history"_s << true;
    QTest::newRow("custom role level 35 does not inherit power_user's project:create")
        << QList<Role> { kbCurator } << u"project:create"_s << false;
    QTest::newRow("two roles give the union of both")
        << QList<Role> { builtInRole(u"viewer"_s), kbCurator } << u"kb:index"_s << true;
    QTest::newRow("no roles give nothing") << QList<Role> {} << u"chat:view"_s << false;
}

void TestPolicy::effectivePermissions()
{
    QFETCH(QList<Role>, roles);
    QFETCH(QString, permission);
    QFETCH(bool, expected);
    QCOMPARE(policy::hasPermission(policy::effectivePermissions(roles), permission), expected);
}

void TestPolicy::higherRolesHoldEverythingBelow()
{
    const QList<Role>& roles = policy::builtInRoles();
    for (const Role& higher : roles) {
        const QSet<QString> effective = policy::effectivePermissions(higher);
        for (const Role& lower : roles) {
            if (lower.level >= higher.level)
                continue;
            for (const QString& code : lower.permissions)
                QVERIFY2(policy::hasPermission(effective, code), qPrintable(higher.code + u" lacks "_s + code));
        }
    }
}

void TestPolicy::limitToScopes_data()
{
    QTest::addColumn<QStringList>("owner");
    QTest::addColumn<QStringList>("scopes");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("a prefix scope keeps the owner's matching codes")
        << QStringList { u"kb:view"_s, u"kb:search"_s, u"chat:view"_s } << QStringList { u"kb:*"_s }
        << QStringList { u"kb:view"_s, u"kb:search"_s };
    QTest::newRow("a super admin's key gets exactly its concrete scopes")
        << QStringList { u"*"_s } << QStringList { u"kb:view"_s, u"chat:create"_s }
        << QStringList { u"kb:view"_s, u"chat:create"_s };
    QTest::newRow("a scope the owner does not hold grants nothing")
        << QStringList { u"kb:view"_s } << QStringList { u"admin:user:ban"_s } << QStringList {};
    QTest::newRow("a star scope keeps what the owner holds")
        << QStringList { u"admin:user:read"_s, u"kb:view"_s } << QStringList { u"*"_s }
        << QStringList { u"admin:user:read"_s, u"kb:view"_s };
    QTest::newRow("a narrower wildcard scope under a broader owner wildcard is kept")
        << QStringList { u"admin:*"_s } << QStringList { u"admin:user:*"_s } << QStringList { u"admin:user:*"_s };
    QTest::newRow("a broader wildcard scope keeps only the owner's narrower wildcard")
        << QStringList { u"admin:user:*"_s } << QStringList { u"admin:*"_s } << QStringList { u"admin:user:*"_s };
    QTest::newRow("a concrete scope under an owner wildcard is kept")
        << QStringList { u"admin:audit:*"_s, u"chat:view"_s } << QStringList { u"admin:audit:read"_s, u"chat:create"_s }
        << QStringList { u"admin:audit:read"_s };
    QTest::newRow("no scopes give nothing") << QStringList { u"kb:view"_s } << QStringList {} << QStringList {};
    QTest::newRow("a star owner with a star scope keeps the star")
        << QStringList { u"*"_s } << QStringList { u"*"_s } << QStringList { u"*"_s };
}

void TestPolicy::limitToScopes()
{
    QFETCH(QStringList, owner);
    QFETCH(QStringList, scopes);
    QFETCH(QStringList, expected);

    const QSet<QString> ownerSet = setOf(owner);
    const QSet<QString> limited = policy::limitToScopes(ownerSet, scopes);
    QCOMPARE(limited, setOf(expected));
    for (const QString& code : limited) // never more than the owner holds
        QVERIFY2(policy::hasPermission(ownerSet, code), qPrintable(code));
}

// --- catalog -------------------------------------------------------------------------------------

void TestPolicy::catalogIsComplete()
{
    const QList<Permission>& catalog = policy::permissionCatalog();
    QVERIFY2(catalog.size() >= 60, qPrintable(QString::number(catalog.size())));

    QSet<QString> codes;
    const QSet<QString> categories { u"chat"_s, u"builder"_s, u"knowledge_base"_s, u"admin"_s };
    QHash<QString, int> perCategory;
    for (const Permission& permission : catalog) {
        QVERIFY2(!codes.contains(permission.code), qPrintable(u"duplicate "_s + permission.code));
        codes.insert(permission.code);
        QVERIFY2(categories.contains(permission.category), qPrintable(permission.code));
        QVERIFY2(!permission.description.isEmpty(), qPrintable(permission.code));
        ++perCategory[permission.category];
    }
    QCOMPARE(perCategory.value(u"chat"_s), 15);
    QCOMPARE(perCategory.value(u"builder"_s), 15);
    QCOMPARE(perCategory.value(u"knowledge_base"_s), 10);
    // 20 of seed 002, 9 more of seed 003, 4 of the product and the star.
    QCOMPARE(perCategory.value(u"admin"_s), 34);

    const QStringList seed003 { u"admin:user:create"_s,  u"admin:user:read"_s,      u"admin:user:update"_s,
                                u"admin:user:delete"_s,  u"admin:user:ban"_s,       u"admin:user:impersonate"_s,
                                u"admin:session:read"_s, u"admin:session:revoke"_s, u"admin:role:assign"_s,
                                u"admin:stats:read"_s,   u"admin:audit:read"_s };
    for (const QString& code : seed003)
        QVERIFY2(codes.contains(code), qPrintable(code));
    for (const QString& code :
         { u"admin:org:suspend"_s, u"admin:org:delete"_s, u"admin:org:invite"_s, u"admin:audit:verify"_s, u"*"_s })
        QVERIFY2(codes.contains(code), qPrintable(code));
}

void TestPolicy::builtInRolesAreSound()
{
    const QList<Role>& roles = policy::builtInRoles();
    QCOMPARE(roles.size(), 6);
    QSet<QString> everyDirectCode;
    for (const Role& role : roles) {
        QVERIFY(role.builtIn);
        QCOMPARE(role.organizationId, Id(0));
        QVERIFY(!role.name.isEmpty());
        QVERIFY(!role.description.isEmpty());
        QVERIFY2(!role.permissions.isEmpty(), qPrintable(role.code));
        for (const QString& code : role.permissions) {
            QVERIFY2(policy::isKnownPermission(code), qPrintable(role.code + u": "_s + code));
            everyDirectCode.insert(code);
        }
    }
    QCOMPARE(builtInRole(u"super_admin"_s).permissions, QStringList { u"*"_s });
    // The admin lists its user permissions one by one: a wildcard would include impersonation.
    for (const QString& code : builtInRole(u"admin"_s).permissions)
        QVERIFY2(!code.contains(u'*'), qPrintable(code));

    // Every concrete catalog code outside the super-admin-only ones is reachable by some built-in role.
    const QSet<QString> superAdminOnly { u"*"_s,
                                         u"admin:user:impersonate"_s,
                                         u"admin:org:create"_s,
                                         u"admin:org:suspend"_s,
                                         u"admin:org:delete"_s,
                                         u"admin:system:config"_s,
                                         u"admin:system:backup"_s };
    for (const Permission& permission : policy::permissionCatalog()) {
        QVERIFY2(everyDirectCode.contains(permission.code) || superAdminOnly.contains(permission.code),
                 qPrintable(permission.code));
        if (superAdminOnly.contains(permission.code) && permission.code != u"*"_s)
            QVERIFY2(!everyDirectCode.contains(permission.code), qPrintable(permission.code));
    }
}

void TestPolicy::builtInLevels_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<int>("level");

    QTest::newRow("super_admin is level 100") << u"super_admin"_s << 100;
    QTest::newRow("admin is level 80") << u"admin"_s << 80;
    QTest::newRow("team_lead is level 60") << u"team_lead"_s << 60;
    QTest::newRow("power_user is level 40") << u"power_user"_s << 40;
    QTest::newRow("user is level 20") << u"user"_s << 20;
    QTest::newRow("viewer is level 10") << u"viewer"_s << 10;
    QTest::newRow("a custom role is not built in") << u"kb_curator"_s << 0;
}

void TestPolicy::builtInLevels()
{
    QFETCH(QString, code);
    QFETCH(int, level);
    QCOMPARE(policy::builtInLevel(code), level);
}

// --- validation ----------------------------------------------------------------------------------

void TestPolicy::passwordPolicy_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<int>("problemCount");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("a long mixed password is acceptable") << u"Correct-Horse-9"_s << 0 << QString();
    QTest::newRow("non-ASCII letters count as letters") << u"Grüße-aus-Köln-2024"_s << 0 << QString();
    QTest::newRow("a space counts as a special character") << u"Correct Horse 9"_s << 0 << QString();
    QTest::newRow("exactly 12 characters are enough") << u"Abcdefgh12#x"_s << 0 << QString();
    QTest::newRow("11 characters are too short") << u"Abcdefg12#x"_s << 1 << u"at least 12"_s;
    QTest::newRow("a password without upper-case letters is refused") << u"all-lower-case-9"_s << 1 << u"upper-case"_s;
    QTest::newRow("a password without lower-case letters is refused") << u"ALL-UPPER-CASE-9"_s << 1 << u"lower-case"_s;
    QTest::newRow("a password without digits is refused") << u"No-Digits-Here!"_s << 1 << u"digit"_s;
    QTest::newRow("a password without special characters is refused") << u"NoSpecials1234"_s << 1 << u"special"_s;
    QTest::newRow("a password longer than the maximum is refused")
        << (u"Aa1!"_s + QString(policy::Limits::MaxPasswordLength, u'x')) << 1 << u"at most 1024"_s;
    QTest::newRow("an empty password breaks every rule but the maximum") << QString() << 5 << u"at least 12"_s;
}

void TestPolicy::passwordPolicy()
{
    QFETCH(QString, password);
    QFETCH(int, problemCount);
    QFETCH(QString, mentions);

    const QStringList problems = policy::passwordProblems(password);
    QCOMPARE(problems.size(), problemCount);

    const Status status = policy::validatePassword(password, u"new_password"_s);
    QCOMPARE(status.ok(), problemCount == 0);
    if (!status.ok()) {
        QCOMPARE(status.error().code, ErrorCode::Validation);
        QVERIFY(status.error().fieldErrors.contains(u"new_password"_s));
        QVERIFY2(status.error().message.contains(mentions), qPrintable(status.error().message));
        for (const QString& problem : problems)
            QVERIFY(status.error().message.contains(problem));
    }
}

void TestPolicy::email_data()
{
    QTest::addColumn<QString>("email");
    QTest::addColumn<bool>("valid");

    QTest::newRow("a plain address is valid") << u"ada@example.com"_s << true;
    QTest::newRow("plus addressing and subdomains are valid") << u"ada.l+admin@mail.example.co.uk"_s << true;
    QTest::newRow("an empty address is refused") << QString() << false;
    QTest::newRow("an address without @ is refused") << u"ada.example.com"_s << false;
    QTest::newRow("an address without a domain is refused") << u"ada@"_s << false;
    QTest::newRow("an address without a top-level domain is refused") << u"ada@localhost"_s << false;
    QTest::newRow("an address with two @ is refused") << u"ada@lovelace@example.com"_s << false;
    QTest::newRow("an address with a space is refused") << u"ada lovelace@example.com"_s << false;
    QTest::newRow("an address with a trailing space is refused") << u"ada@example.com "_s << false;
    QTest::newRow("an address longer than 254 characters is refused")
        << (QString(250, u'a') + u"@example.com"_s) << false;
}

void TestPolicy::email()
{
    QFETCH(QString, email);
    QFETCH(bool, valid);
    const Status status = policy::validateEmail(email);
    QCOMPARE(status.ok(), valid);
    if (!valid)
        QVERIFY(status.error().fieldErrors.contains(u"email"_s));
}

void TestPolicy::username_data()
{
    QTest::addColumn<QString>("username");
    QTest::addColumn<bool>("valid");

    QTest::newRow("letters, digits, dots, hyphens and underscores are valid") << u"ada.lovelace-1_x"_s << true;
    QTest::newRow("three characters are enough") << u"ada"_s << true;
    QTest::newRow("64 characters are allowed") << QString(64, u'a') << true;
    QTest::newRow("two characters are too short") << u"ad"_s << false;
    QTest::newRow("65 characters are too long") << QString(65, u'a') << false;
    QTest::newRow("a space is refused") << u"ada lovelace"_s << false;
    QTest::newRow("an @ is refused") << u"ada@home"_s << false;
    QTest::newRow("an accented letter is refused") << u"adé"_s << false;
}

void TestPolicy::username()
{
    QFETCH(QString, username);
    QFETCH(bool, valid);
    const Status status = policy::validateUsername(username);
    QCOMPARE(status.ok(), valid);
    if (!valid)
        QVERIFY(status.error().fieldErrors.contains(u"username"_s));
}

void TestPolicy::roleCode_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("valid");

    QTest::newRow("a snake_case code is valid") << u"kb_curator"_s << true;
    QTest::newRow("digits after the first letter are valid") << u"tier2"_s << true;
    QTest::newRow("a single letter is too short") << u"a"_s << false;
    QTest::newRow("a leading digit is refused") << u"2tier"_s << false;
    QTest::newRow("upper case is refused") << u"KbCurator"_s << false;
    QTest::newRow("a hyphen is refused") << u"kb-curator"_s << false;
    QTest::newRow("64 characters are allowed") << QString(64, u'a') << true;
    QTest::newRow("65 characters are too long") << QString(65, u'a') << false;
}

void TestPolicy::roleCode()
{
    QFETCH(QString, code);
    QFETCH(bool, valid);
    const Status status = policy::validateRoleCode(code);
    QCOMPARE(status.ok(), valid);
    if (!valid)
        QVERIFY(status.error().fieldErrors.contains(u"code"_s));
}

void TestPolicy::slug_data()
{
    QTest::addColumn<QString>("slug");
    QTest::addColumn<bool>("valid");

    QTest::newRow("lower-case words joined by hyphens are valid") << u"acme-corp-2"_s << true;
    QTest::newRow("a single word is valid") << u"acme"_s << true;
    QTest::newRow("an empty slug is refused") << QString() << false;
    QTest::newRow("a leading hyphen is refused") << u"-acme"_s << false;
    QTest::newRow("a trailing hyphen is refused") << u"acme-"_s << false;
    QTest::newRow("a double hyphen is refused") << u"acme--corp"_s << false;
    QTest::newRow("upper case is refused") << u"Acme"_s << false;
    QTest::newRow("an underscore is refused") << u"acme_corp"_s << false;
    QTest::newRow("63 characters are allowed") << QString(63, u'a') << true;
    QTest::newRow("64 characters are too long") << QString(64, u'a') << false;
}

void TestPolicy::slug()
{
    QFETCH(QString, slug);
    QFETCH(bool, valid);
    const Status status = policy::validateSlug(slug);
    QCOMPARE(status.ok(), valid);
    if (!valid)
        QVERIFY(status.error().fieldErrors.contains(u"slug"_s));
}

void TestPolicy::slugify_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");

    QTest::newRow("words become lower-case and hyphenated") << u"Acme Corp"_s << u"acme-corp"_s;
    QTest::newRow("runs of punctuation become one hyphen") << u"Acme, Inc. & Sons"_s << u"acme-inc-sons"_s;
    QTest::newRow("leading and trailing junk is trimmed") << u"  --Acme!!  "_s << u"acme"_s;
    QTest::newRow("accents are dropped") << u"Café Müller"_s << u"cafe-muller"_s;
    QTest::newRow("digits are kept") << u"Team 42"_s << u"team-42"_s;
    QTest::newRow("nothing usable gives an empty slug") << u"!!!"_s << QString();
    QTest::newRow("a long name is cut to 63 characters without a trailing hyphen")
        << (QString(62, u'a') + u" b"_s) << QString(62, u'a');
}

void TestPolicy::slugify()
{
    QFETCH(QString, name);
    QFETCH(QString, expected);
    const QString slug = policy::slugify(name);
    QCOMPARE(slug, expected);
    if (!slug.isEmpty())
        QVERIFY(policy::validateSlug(slug).ok());
}

// --- the vocabulary: services/policy/catalog.h ---------------------------------------------------

void TestPolicy::catalogConstantsAreInThePermissionCatalog()
{
    QSet<QString> catalog;
    for (const Permission& permission : policy::permissionCatalog())
        catalog.insert(permission.code);
    QSet<QString> constants;
    for (const QString& code : perm::all()) {
        QVERIFY2(catalog.contains(code), qPrintable(code + u" is a perm:: constant but not in permissionCatalog()"_s));
        QVERIFY2(!constants.contains(code), qPrintable(u"perm::all() lists "_s + code + u" twice"_s));
        constants.insert(code);
    }
    QVERIFY(catalog.contains(perm::All));
    // ... and the other way round: every admin code of the catalog has its constant.
    for (const QString& code : std::as_const(catalog)) {
        if (code.startsWith(u"admin:"_s))
            QVERIFY2(constants.contains(code), qPrintable(code + u" has no perm:: constant"_s));
    }
    for (const Role& role : policy::builtInRoles()) {
        for (const QString& code : role.permissions)
            QVERIFY2(policy::isKnownPermission(code), qPrintable(role.code + u" holds unknown "_s + code));
    }
}

void TestPolicy::auditActionsAreOneList()
{
    const QList<QString>& actions = actions::all();
    QCOMPARE(actions.size(), 64); // 52 + api_key.viewed/updated/rotated, permission.created/deleted, user.moved,
                                  // user.imported/exported, settings.viewed/updated, maintenance.run/listed (issue 13)
    QCOMPARE(QSet<QString>(actions.cbegin(), actions.cend()).size(), actions.size());
    const QList<QString> families = actions::families();
    QCOMPARE(families.first(), u"user"_s);
    QVERIFY(families.contains(u"api_key"_s));
    const QRegularExpression shape(u"^[a-z_]+\\.[a-z_]+$"_s);
    qsizetype lastFamily = 0;
    for (const QString& name : actions) {
        QVERIFY2(shape.match(name).hasMatch(), qPrintable(name));
        QVERIFY(actions::isKnown(name));
        // Grouped by family, in the order of families(): the audit pane lists them so.
        const qsizetype family = families.indexOf(name.section(u'.', 0, 0));
        QVERIFY2(family >= lastFamily, qPrintable(name + u" is out of its family's group"_s));
        lastFamily = family;
    }
    QVERIFY(!actions::isKnown(u"user.*"_s));
    QVERIFY(!actions::isKnown(u"user.exploded"_s));
    QVERIFY(!actions::isKnown(QString()));
}

namespace {

struct Literal
{
    int line = 0;
    QString text;
};

// The string literals of a C++ source, comments skipped ("..." with escapes, and R"(...)" raw
// strings; character literals are stepped over so that '"' does not open a string).
QList<Literal> stringLiterals(const QString& source)
{
    QList<Literal> out;
    int line = 1;
    const qsizetype n = source.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = source.at(i);
        if (c == u'\n') {
            ++line;
        } else if (c == u'/' && i + 1 < n && source.at(i + 1) == u'/') {
            while (i < n && source.at(i) != u'\n')
                ++i;
            --i;
        } else if (c == u'/' && i + 1 < n && source.at(i + 1) == u'*') {
            i += 2;
            while (i + 1 < n && !(source.at(i) == u'*' && source.at(i + 1) == u'/')) {
                if (source.at(i) == u'\n')
                    ++line;
                ++i;
            }
            ++i;
        } else if (c == u'\'') {
            ++i;
            while (i < n && source.at(i) != u'\'') {
                if (source.at(i) == u'\\')
                    ++i;
                ++i;
            }
        } else if (c == u'R' && i + 2 < n && source.at(i + 1) == u'"') {
            const qsizetype open = source.indexOf(u'(', i + 2);
            const QString close = QLatin1Char(')') + source.mid(i + 2, open - i - 2) + QLatin1Char('"');
            const qsizetype end = source.indexOf(close, open);
            const QString text = source.mid(open + 1, end - open - 1);
            out << Literal { line, text };
            line += int(text.count(u'\n'));
            i = end + close.size() - 1;
        } else if (c == u'"') {
            QString text;
            ++i;
            while (i < n && source.at(i) != u'"') {
                if (source.at(i) == u'\\' && i + 1 < n) {
                    text += source.at(i);
                    ++i;
                }
                text += source.at(i);
                ++i;
            }
            out << Literal { line, text };
        }
    }
    return out;
}

} // namespace

void TestPolicy::codesAndActionsAreSpelledOnlyInTheCatalog()
{
    // Where a spelled code or action is still allowed, and why. Everything else names the constants
    // of services/policy/catalog.h.
    struct Allowed
    {
        QString file;
        QString literal; // empty: every literal of the file
    };
    const QList<Allowed> allowed {
        // The vocabulary itself.
        { u"services/policy/catalog.h"_s, {} },
        { u"services/policy/catalog.cpp"_s, {} },
    };
    auto isAllowed = [&](const QString& file, const QString& literal) {
        return std::any_of(allowed.cbegin(), allowed.cend(), [&](const Allowed& a) {
            return a.file == file && (a.literal.isEmpty() || a.literal == literal);
        });
    };

    QSet<QString> catalog;
    for (const Permission& permission : policy::permissionCatalog())
        catalog.insert(permission.code);
    // The code families of seeds 002/003; the non-admin ones live only in policy.cpp's catalog table.
    const QRegularExpression permissionShape(
        u"^(admin|chat|agent|deploy|kb|pipeline|project|builder):[a-z_*]+(:[a-z_*]+)?$"_s);
    const QRegularExpression actionShape(u"^([a-z_]+)\\.([a-z_*]+)$"_s);
    const QList<QString> families = actions::families();

    const QDir root(QStringLiteral(PORTCULLIS_SOURCE_DIR));
    QStringList offenders;
    int files = 0;
    int spelled = 0;
    for (const QString& dir : { u"services"_s, u"ui"_s, u"models"_s, u"server"_s, u"app"_s }) {
        QDirIterator it(root.filePath(dir), { u"*.cpp"_s, u"*.h"_s }, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            const QString file = root.relativeFilePath(path);
            QFile f(path);
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
            ++files;
            for (const Literal& literal : stringLiterals(QString::fromUtf8(f.readAll()))) {
                const QString& text = literal.text;
                QString problem;
                if (permissionShape.match(text).hasMatch()) {
                    ++spelled;
                    const bool admin = text.startsWith(u"admin:"_s);
                    if (!catalog.contains(text) && !policy::isKnownPermission(text))
                        problem = u"not in the permission catalog"_s;
                    else if (file == u"services/policy/policy.cpp"_s && !admin)
                        continue; // the catalog table of seed 002
                    else
                        problem = admin ? u"spelled: use its perm:: constant"_s
                                        : u"spelled outside policy.cpp's catalog table"_s;
                } else if (const auto m = actionShape.match(text); m.hasMatch() && families.contains(m.captured(1))) {
                    ++spelled;
                    if (!actions::isKnown(text) && !text.endsWith(u".*"_s))
                        problem = u"not an audit action of the catalog"_s;
                    else
                        problem = u"spelled: use its actions:: constant"_s;
                } else {
                    continue;
                }
                if (isAllowed(file, text) && problem.startsWith(u"spelled"_s))
                    continue;
                offenders << u"%1:%2: \"%3\" %4"_s.arg(file).arg(literal.line).arg(text, problem);
            }
        }
    }
    QVERIFY2(files > 100, qPrintable(u"only %1 source files under "_s.arg(files) + root.path()));
    QVERIFY2(spelled > 0, "the scan found no spelled code at all: is it looking at the right files?");
    QVERIFY2(offenders.isEmpty(), qPrintable(u"\n"_s + offenders.join(u'\n')));
}

// --- plan limits ---------------------------------------------------------------------------------

void TestPolicy::seatAvailable_data()
{
    QTest::addColumn<int>("maxUsers");
    QTest::addColumn<qint64>("taken");
    QTest::addColumn<int>("purpose");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<QString>("reasonPart");

    const int create = int(policy::SeatFor::NewUser);
    const int invite = int(policy::SeatFor::Invitation);
    const int accept = int(policy::SeatFor::AcceptedInvitation);
    QTest::newRow("an empty organization has a seat") << 5 << qint64(0) << create << true << QString();
    QTest::newRow("one seat below the limit is free") << 5 << qint64(4) << create << true << QString();
    QTest::newRow("exactly at the limit is full (create)")
        << 5 << qint64(5) << create << false << u"(pending invitations included)"_s;
    QTest::newRow("exactly at the limit is full (invite)")
        << 5 << qint64(5) << invite << false << u"counting pending invitations"_s;
    QTest::newRow("exactly at the limit is full (accept)")
        << 5 << qint64(5) << accept << false << u"ask an administrator"_s;
    QTest::newRow("over the limit after the plan was lowered") << 3 << qint64(7) << accept << false << u"3 users"_s;
    QTest::newRow("a plan of one seat takes one user") << 1 << qint64(0) << invite << true << QString();
    QTest::newRow("a plan of one seat, taken") << 1 << qint64(1) << invite << false << u"at most 1 users"_s;
    // No plan is unlimited (the limit is at least 1, organizations.cpp checkMaxUsers); the largest
    // the console offers still counts.
    QTest::newRow("the largest plan below its limit") << 10000000 << qint64(9999999) << create << true << QString();
    QTest::newRow("the largest plan at its limit") << 10000000 << qint64(10000000) << create << false << u"10000000"_s;
}

void TestPolicy::seatAvailable()
{
    QFETCH(int, maxUsers);
    QFETCH(qint64, taken);
    QFETCH(int, purpose);
    QFETCH(bool, allowed);
    QFETCH(QString, reasonPart);

    Organization org;
    org.id = HomeOrg;
    org.name = u"Acme"_s;
    org.maxUsers = maxUsers;
    const policy::Decision d = policy::seatAvailable(org, taken, policy::SeatFor(purpose));
    QCOMPARE(bool(d), allowed);
    if (allowed) {
        QVERIFY(d.reason.isEmpty());
    } else {
        QVERIFY2(d.reason.contains(u"Acme"_s), qPrintable(d.reason));
        QVERIFY2(d.reason.contains(reasonPart), qPrintable(d.reason));
    }
}

// --- API key scopes ------------------------------------------------------------------------------

void TestPolicy::canCarryScope_data()
{
    QTest::addColumn<QStringList>("owner");
    QTest::addColumn<bool>("throughKey"); // made by an API key actor
    QTest::addColumn<QStringList>("creatorKey"); // that key's permissions
    QTest::addColumn<QString>("scope");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<QString>("reasonPart");

    QTest::newRow("a scope the owner holds")
        << QStringList { u"kb:view"_s } << false << QStringList {} << u"kb:view"_s << true << QString();
    QTest::newRow("a scope held through the owner's wildcard")
        << QStringList { u"admin:user:*"_s } << false << QStringList {} << perm::UserBan << true << QString();
    QTest::newRow("any scope under the owner's star")
        << QStringList { u"*"_s } << false << QStringList {} << perm::AuditExport << true << QString();
    QTest::newRow("a wildcard scope under a broader owner wildcard")
        << QStringList { u"admin:*"_s } << false << QStringList {} << u"admin:user:*"_s << true << QString();
    QTest::newRow("a wildcard scope broader than the owner's")
        << QStringList { u"admin:user:*"_s } << false << QStringList {} << u"admin:*"_s << false
        << u"does not hold the permission admin:*"_s;
    QTest::newRow("a scope the owner lacks") << QStringList { u"kb:view"_s } << false << QStringList {} << perm::UserBan
                                             << false << u"owner@example.com does not hold"_s;
    QTest::newRow("an unknown code") << QStringList { u"*"_s } << false << QStringList {} << u"admin:user:explode"_s
                                     << false << u"is not a known permission"_s;
    QTest::newRow("a key gives a scope it holds")
        << QStringList { u"*"_s } << true << QStringList { u"kb:view"_s } << u"kb:view"_s << true << QString();
    QTest::newRow("a key gives a scope through its own wildcard")
        << QStringList { u"*"_s } << true << QStringList { u"kb:*"_s } << u"kb:search"_s << true << QString();
    QTest::newRow("a key cannot give more than it holds")
        << QStringList { u"*"_s } << true << QStringList { u"kb:view"_s } << perm::UserBan << false
        << u"This API key does not hold admin:user:ban"_s;
}

void TestPolicy::canCarryScope()
{
    QFETCH(QStringList, owner);
    QFETCH(bool, throughKey);
    QFETCH(QStringList, creatorKey);
    QFETCH(QString, scope);
    QFETCH(bool, allowed);
    QFETCH(QString, reasonPart);

    Actor creator = makeActor(u"admin"_s);
    if (throughKey) {
        creator.kind = Actor::Kind::ApiKey;
        creator.apiKeyId = 42;
        creator.permissions = setOf(creatorKey);
    }
    const policy::Decision d = policy::canCarryScope(scope, setOf(owner), u"owner@example.com"_s, creator);
    QCOMPARE(bool(d), allowed);
    QVERIFY2(d.reason.contains(reasonPart), qPrintable(d.reason));
}

void TestPolicy::keyCoversScope_data()
{
    QTest::addColumn<QStringList>("scopes");
    QTest::addColumn<QStringList>("ownerNow"); // what the owner holds at the time of the request
    QTest::addColumn<QString>("required");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<QString>("reasonPart");

    QTest::newRow("the exact scope") << QStringList { perm::UserRead } << QStringList { perm::UserRead }
                                     << perm::UserRead << true << QString();
    QTest::newRow("a wildcard scope covers it")
        << QStringList { u"admin:user:*"_s } << QStringList { u"admin:*"_s } << perm::UserBan << true << QString();
    QTest::newRow("a star key of a star owner")
        << QStringList { u"*"_s } << QStringList { u"*"_s } << perm::AuditExport << true << QString();
    QTest::newRow("a scope not on the key") << QStringList { perm::UserRead } << QStringList { u"*"_s } << perm::UserBan
                                            << false << u"API key lacks scope admin:user:ban"_s;
    QTest::newRow("the owner lost it since") << QStringList { perm::UserBan } << QStringList { perm::UserRead }
                                             << perm::UserBan << false << u"no longer holds admin:user:ban"_s;
    QTest::newRow("the owner lost it, the key has a wildcard")
        << QStringList { u"admin:user:*"_s } << QStringList { perm::UserRead } << perm::UserBan << false
        << u"no longer holds"_s;
}

void TestPolicy::keyCoversScope()
{
    QFETCH(QStringList, scopes);
    QFETCH(QStringList, ownerNow);
    QFETCH(QString, required);
    QFETCH(bool, allowed);
    QFETCH(QString, reasonPart);

    // What ApiKeyManager::verify computes before asking.
    const QSet<QString> keyPermissions = policy::limitToScopes(setOf(ownerNow), scopes);
    const policy::Decision d = policy::keyCoversScope(scopes, keyPermissions, required);
    QCOMPARE(bool(d), allowed);
    QVERIFY2(d.reason.contains(reasonPart), qPrintable(d.reason));
}

void TestPolicy::canInviteWithRole_data()
{
    QTest::addColumn<QString>("inviter");
    QTest::addColumn<QString>("role");
    QTest::addColumn<int>("customLevel"); // 0: the built-in role
    QTest::addColumn<bool>("allowed");

    QTest::newRow("admin invites as user") << u"admin"_s << u"user"_s << 0 << true;
    QTest::newRow("admin invites as team lead") << u"admin"_s << u"team_lead"_s << 0 << true;
    QTest::newRow("admin cannot invite as admin (own level)") << u"admin"_s << u"admin"_s << 0 << false;
    QTest::newRow("admin cannot invite as super admin") << u"admin"_s << u"super_admin"_s << 0 << false;
    QTest::newRow("a custom role one below the inviter") << u"admin"_s << u"custom"_s << 79 << true;
    QTest::newRow("a custom role at the inviter's level") << u"team_lead"_s << u"custom"_s << 60 << false;
    QTest::newRow("super admin invites as admin") << u"super_admin"_s << u"admin"_s << 0 << true;
}

void TestPolicy::canInviteWithRole()
{
    QFETCH(QString, inviter);
    QFETCH(QString, role);
    QFETCH(int, customLevel);
    QFETCH(bool, allowed);

    const Role invitedAs = customLevel != 0 ? customRole(role, customLevel, HomeOrg) : builtInRole(role);
    const policy::Decision d = policy::canInviteWithRole(makeActor(inviter), invitedAs);
    QCOMPARE(bool(d), allowed);
    if (!allowed)
        QVERIFY2(d.reason.contains(role), qPrintable(d.reason));
}

QTEST_GUILESS_MAIN(TestPolicy)
#include "tst_policy.moc"
