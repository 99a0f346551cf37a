// The attacks of issue 9 ("Trust I"), replayed as an attacker would: through the managers on a real
// database (SQLite, or PostgreSQL in tst_security_pg) and through the real portcullis-server over
// HTTP. Every step of an attack must be refused, and every refusal must be on the audit record as
// denied.
//
// - Tenant takeover through role grants: an organization admin makes a harmless-looking role that
//   grants `admin`, takes it, and goes after its peers.
// - Self-service without re-authentication: a password of one's own changed without the current
//   one, an email changed while staying verified.
// - API keys that outlive account recovery and impersonation.

#include "serverprocess.h"
#include "testutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

qint64 deniedCount(QSqlDatabase db, const QString& action)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = 'denied'"));
    q.addBindValue(action);
    return q.exec() && q.next() ? q.value(0).toLongLong() : -1;
}

// A grant stored before grants were checked (or written by anyone who can write the database):
// the use of it must still be refused.
bool plantGrant(QSqlDatabase db, Id roleId, const QString& grantedCode)
{
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO role_grants (role_id, grantable_role_code) VALUES (?, ?)"));
    q.addBindValue(roleId);
    q.addBindValue(grantedCode);
    return q.exec();
}

NewRole carrierRole(const QString& code, Id organizationId, const QStringList& grants)
{
    NewRole nr;
    nr.code = code;
    nr.name = QStringLiteral("Harmless ") + code;
    nr.description = QStringLiteral("Looks like nothing");
    nr.level = 1;
    nr.organizationId = organizationId;
    nr.grants = grants;
    return nr;
}

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString describe() const { return QStringLiteral("HTTP %1 %2").arg(status).arg(QString::fromUtf8(body.left(600))); }
};

} // namespace

class TestSecurity : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    // 1. grants, through the managers
    void takeoverThroughGrantsIsRefused();
    void grantsAreCheckedWhenARoleIsSaved();
    void aGrantWorksNoFurtherThanItsHoldersCurrentLevel();
    void aGrantStandsInForTheAssignPermissionBelowTheHolder();
    void grantMatrixThroughTheStore();

    // 4. self-service
    void ownPasswordNeedsTheCurrentOne();
    void ownEmailChangeIsNoLongerVerified();

    // 9. API keys and account recovery
    void adminPasswordResetRevokesTheApiKeys();
    void endingAllSessionsCanRevokeTheApiKeys();
    void resetCodeRedemptionRevokesTheApiKeys();
    void noApiKeysWhileImpersonating();

    // one rule for sign-in eligibility
    void eligibilityIsOneRuleForEveryEntrance();

    // the same over HTTP, against the real server
    void takeoverThroughGrantsOverHttp();
    void selfServiceAndKeysOverHttp();

private:
    SqlStore& store() { return m_db->store(); }
    QSqlDatabase db() { return m_db->store().core().db(); }
    CreatedApiKey makeKey(const User& owner);

    // REST
    bool startServer();
    HttpResult send(const QByteArray& method, const QString& path, const QByteArray& token,
                    const QJsonObject& body = {});
    QByteArray signIn(const QString& email, const QString& password = kStrongPassword);
    QJsonObject makeUserOverHttp(const QString& role, Id organizationId, const QString& name);

    std::unique_ptr<TestDatabase> m_db;
    World m_world;
    // REST
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ServerProcess> m_server;
    QNetworkAccessManager m_network;
    QByteArray m_root;
};

void TestSecurity::init()
{
    m_db = TestDatabase::create();
    QVERIFY(m_db);
}

void TestSecurity::cleanup()
{
    if (m_server)
        m_server->stop();
    m_server.reset();
    m_dir.reset();
    m_world = World();
    m_db.reset();
}

CreatedApiKey TestSecurity::makeKey(const User& owner)
{
    NewApiKey key;
    key.name = QStringLiteral("automation");
    key.userId = owner.id;
    key.scopes = { QStringLiteral("chat:view") };
    auto created = store().apiKeys().create(m_world.superActor, key);
    if (!created)
        qFatal("cannot create an API key: %s", qPrintable(created.error().toString()));
    return *created;
}

// --- 1. grants -----------------------------------------------------------------------------------

void TestSecurity::takeoverThroughGrantsIsRefused()
{
    m_world = World::build(store());
    const Id org = m_world.orgA.id;
    const User attacker = m_world.makeUser(org, QStringLiteral("admin"), QStringLiteral("mallory"));
    const User peer = m_world.makeUser(org, QStringLiteral("admin"), QStringLiteral("alice"));
    const User member = m_world.makeUser(org, QStringLiteral("user"), QStringLiteral("bob"));
    const Actor mallory = m_world.actorFor(attacker);

    // Step 1: a level-1 role whose grants name admin. Refused and audited.
    QVERIFY_ERROR(
        store().roles().create(mallory, carrierRole(QStringLiteral("helper"), org, { QStringLiteral("admin") })),
        ErrorCode::Forbidden);
    QCOMPARE(lastEvent(db(), QStringLiteral("role.created"), QStringLiteral("helper")).outcome,
             QStringLiteral("denied"));
    QVERIFY_ERROR(store().roles().get(m_world.superActor, QStringLiteral("helper")), ErrorCode::NotFound);

    // Step 1b: a harmless role first, the grant added by an edit. Refused and audited.
    auto helper = store().roles().create(mallory, carrierRole(QStringLiteral("helper"), org, {}));
    QVERIFY_RESULT(helper);
    RoleUpdate sneak;
    sneak.grants = QStringList { QStringLiteral("admin") };
    QVERIFY_ERROR(store().roles().update(mallory, helper->id, sneak), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(db(), QStringLiteral("role.updated"), QStringLiteral("helper")).outcome,
             QStringLiteral("denied"));
    QVERIFY(store().roles().get(m_world.superActor, QStringLiteral("helper"))->grants.isEmpty());

    // Step 2: the grant is there anyway (stored before the fix, or planted in the database), and the
    // attacker takes the role: a level-1 role without permissions is within its reach.
    QVERIFY(plantGrant(db(), helper->id, QStringLiteral("admin")));
    QVERIFY_RESULT(store().users().assignRole(mallory, attacker.id, QStringLiteral("helper")));
    const Actor armed = m_world.actorFor(*store().users().get(m_world.superActor, attacker.id));

    // Step 3: make a new admin. Refused and audited.
    QVERIFY_ERROR(store().users().assignRole(armed, member.id, QStringLiteral("admin")), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(db(), QStringLiteral("role.assigned"), QString::number(member.id)).outcome,
             QStringLiteral("denied"));
    // Step 4: strip the peer admin. Refused and audited.
    QVERIFY_ERROR(store().users().revokeRole(armed, peer.id, QStringLiteral("admin")), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(db(), QStringLiteral("role.revoked"), QString::number(peer.id)).outcome,
             QStringLiteral("denied"));
    // Step 5: ban the peer admin, suspend it, reset its password. Refused and audited.
    QVERIFY_ERROR(store().users().ban(armed, peer.id, QStringLiteral("gone")), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(db(), QStringLiteral("user.banned"), QString::number(peer.id)).outcome,
             QStringLiteral("denied"));
    QVERIFY_ERROR(store().users().suspend(armed, peer.id), ErrorCode::Forbidden);
    QVERIFY_ERROR(store().users().setPassword(armed, peer.id, QStringLiteral("Taken-Over-Pass-99")),
                  ErrorCode::Forbidden);

    // Nothing changed: the peer is still an admin in good standing, the member still a user.
    auto peerNow = store().users().get(m_world.superActor, peer.id);
    QVERIFY_RESULT(peerNow);
    QCOMPARE(peerNow->roleCodes, QStringList { QStringLiteral("admin") });
    QCOMPARE(peerNow->status(), QStringLiteral("active"));
    QVERIFY_RESULT(store().auth().login(peer.email, kStrongPassword));
    QCOMPARE(store().users().get(m_world.superActor, member.id)->roleCodes, QStringList { QStringLiteral("user") });
}

void TestSecurity::grantsAreCheckedWhenARoleIsSaved()
{
    m_world = World::build(store());
    const Id org = m_world.orgA.id;
    const Actor admin = m_world.actorFor(m_world.makeUser(org, QStringLiteral("admin")));

    struct Case
    {
        const char* what;
        QStringList grants;
        ErrorCode expected;
    };
    // A role of the other tenant, invisible to this admin.
    NewRole foreign = carrierRole(QStringLiteral("globex_only"), m_world.orgB.id, {});
    foreign.level = 30;
    QVERIFY_RESULT(store().roles().create(m_world.superActor, foreign));
    const QList<Case> cases {
        { "super_admin", { QStringLiteral("super_admin") }, ErrorCode::Forbidden },
        { "a role at the admin's own level", { QStringLiteral("admin") }, ErrorCode::Forbidden },
        { "an unknown code", { QStringLiteral("no_such_role") }, ErrorCode::Validation },
        { "a role of another organization", { QStringLiteral("globex_only") }, ErrorCode::Validation },
    };
    int n = 0;
    for (const Case& c : cases) {
        const QString code = QStringLiteral("carrier_%1").arg(++n);
        auto refused = store().roles().create(admin, carrierRole(code, org, c.grants));
        QVERIFY2(!refused.ok(), c.what);
        QVERIFY2(refused.error().code == c.expected,
                 qPrintable(QString::fromLatin1(c.what) + QStringLiteral(": ") + refused.error().toString()));
        if (c.expected == ErrorCode::Validation)
            QVERIFY2(refused.error().fieldErrors.contains(QStringLiteral("grants")), c.what);
        QVERIFY_ERROR(store().roles().get(m_world.superActor, code), ErrorCode::NotFound);
    }
    QCOMPARE(deniedCount(db(), QStringLiteral("role.created")), 2);

    // What the admin could assign itself may be granted, and is stored and audited.
    auto fine = store().roles().create(
        admin, carrierRole(QStringLiteral("onboarder"), org, { QStringLiteral("team_lead"), QStringLiteral("user") }));
    QVERIFY_RESULT(fine);
    QCOMPARE(fine->grants, (QStringList { QStringLiteral("team_lead"), QStringLiteral("user") }));
    QCOMPARE(lastEvent(db(), QStringLiteral("role.created"), QStringLiteral("onboarder"))
                 .details.value(QStringLiteral("grants"))
                 .toArray()
                 .size(),
             2);
    // A super admin may grant admin (below its level), never super_admin.
    QVERIFY_RESULT(store().roles().create(m_world.superActor,
                                          carrierRole(QStringLiteral("deputy"), org, { QStringLiteral("admin") })));
    QVERIFY_ERROR(store().roles().create(m_world.superActor,
                                         carrierRole(QStringLiteral("crown"), org, { QStringLiteral("super_admin") })),
                  ErrorCode::Forbidden);
}

void TestSecurity::aGrantWorksNoFurtherThanItsHoldersCurrentLevel()
{
    m_world = World::build(store());
    const Id org = m_world.orgA.id;
    // An admin stores a grant of team_lead (fine: below 80) and takes the role.
    const User demoted = m_world.makeUser(org, QStringLiteral("admin"), QStringLiteral("fallen"));
    const Actor asAdmin = m_world.actorFor(demoted);
    QVERIFY_RESULT(
        store().roles().create(asAdmin, carrierRole(QStringLiteral("keepsake"), org, { QStringLiteral("team_lead") })));
    QVERIFY_RESULT(store().users().assignRole(asAdmin, demoted.id, QStringLiteral("keepsake")));
    const User member = m_world.makeUser(org, QStringLiteral("viewer"));

    // Then it loses rank: power_user (40) now. The grant it stored itself names team_lead (60).
    QVERIFY_RESULT(store().users().revokeRole(m_world.superActor, demoted.id, QStringLiteral("admin")));
    QVERIFY_RESULT(store().users().assignRole(m_world.superActor, demoted.id, QStringLiteral("power_user")));
    const Actor now = m_world.actorFor(*store().users().get(m_world.superActor, demoted.id));
    QCOMPARE(now.level, 40);
    QVERIFY_ERROR(store().users().assignRole(now, member.id, QStringLiteral("team_lead")), ErrorCode::Forbidden);
    QCOMPARE(lastEvent(db(), QStringLiteral("role.assigned"), QString::number(member.id)).outcome,
             QStringLiteral("denied"));
    // Even the actor it still carries from before (level 80 in memory) does not get through: the
    // grant is judged against the roles held now.
    QVERIFY_ERROR(store().users().assignRole(asAdmin, member.id, QStringLiteral("team_lead")), ErrorCode::Forbidden);
    QCOMPARE(store().users().get(m_world.superActor, member.id)->roleCodes, QStringList { QStringLiteral("viewer") });
}

void TestSecurity::aGrantStandsInForTheAssignPermissionBelowTheHolder()
{
    m_world = World::build(store());
    const Id org = m_world.orgA.id;
    // team_lead holds no admin:user:roles; a grant of "user" lets it give exactly that role.
    QVERIFY_RESULT(store().roles().create(
        m_world.superActor,
        carrierRole(QStringLiteral("onboarder"), org, { QStringLiteral("user"), QStringLiteral("team_lead") })));
    const User lead = m_world.makeUser(org, QStringLiteral("team_lead"));
    QVERIFY_RESULT(store().users().assignRole(m_world.superActor, lead.id, QStringLiteral("onboarder")));
    const Actor actor = m_world.actorFor(*store().users().get(m_world.superActor, lead.id));
    const User newcomer = m_world.makeUser(org, QStringLiteral("viewer"));
    const User peer = m_world.makeUser(org, QStringLiteral("team_lead"));

    QVERIFY_RESULT(store().users().assignRole(actor, newcomer.id, QStringLiteral("user")));
    QVERIFY_RESULT(store().users().revokeRole(actor, newcomer.id, QStringLiteral("user")));
    // Not a role it was not granted, not the granted role at its own level, not on a peer.
    QVERIFY_ERROR(store().users().assignRole(actor, newcomer.id, QStringLiteral("power_user")), ErrorCode::Forbidden);
    QVERIFY_ERROR(store().users().assignRole(actor, newcomer.id, QStringLiteral("team_lead")), ErrorCode::Forbidden);
    QVERIFY_ERROR(store().users().assignRole(actor, peer.id, QStringLiteral("user")), ErrorCode::Forbidden);
    // An API key of the same user does not assign through grants.
    Actor key = actor;
    key.kind = Actor::Kind::ApiKey;
    key.apiKeyId = 1;
    QVERIFY_ERROR(store().users().assignRole(key, newcomer.id, QStringLiteral("user")), ErrorCode::Forbidden);
}

// Every built-in role as actor x a grant naming each built-in role (or none) x assign / revoke /
// ban on a target at each built-in level, through the managers on one database. The grants are
// planted in the database, so even those no one could store are tried at use. Expected outcomes
// come from the rule, stated independently of the implementation (as in tst_policy's grantMatrix).
void TestSecurity::grantMatrixThroughTheStore()
{
    m_world = World::build(store());
    const Id org = m_world.orgA.id;
    const Actor system = Actor::system();
    const QStringList builtIns { QStringLiteral("super_admin"), QStringLiteral("admin"), QStringLiteral("team_lead"),
                                 QStringLiteral("power_user"),  QStringLiteral("user"),  QStringLiteral("viewer") };
    QStringList grants { QString() };
    grants += builtIns;
    // One carrier role per grant, level 1 in the organization.
    for (const QString& granted : std::as_const(builtIns)) {
        auto carrier = store().roles().create(system, carrierRole(QStringLiteral("carrier_") + granted, org, {}));
        QVERIFY_RESULT(carrier);
        QVERIFY(plantGrant(db(), carrier->id, granted));
    }
    QHash<QString, User> targets;
    for (const QString& role : std::as_const(builtIns))
        targets.insert(role, m_world.makeUser(org, role, QStringLiteral("target_") + role));

    const auto level = [](const QString& role) { return policy::builtInLevel(role); };
    const auto manages = [](const QString& role) { return role == u"super_admin" || role == u"admin"; };
    const qint64 deniedBefore = deniedCount(db(), QStringLiteral("role.assigned"))
        + deniedCount(db(), QStringLiteral("role.revoked")) + deniedCount(db(), QStringLiteral("user.banned"));
    qint64 expectedDenials = 0;
    int cases = 0;
    for (const QString& actorRole : std::as_const(builtIns)) {
        for (const QString& granted : std::as_const(grants)) {
            const User holder = m_world.makeUser(org, actorRole);
            if (!granted.isEmpty())
                QVERIFY_RESULT(store().users().assignRole(system, holder.id, QStringLiteral("carrier_") + granted));
            const Actor actor = m_world.actorFor(*store().users().get(system, holder.id));
            const QString role = granted.isEmpty() ? QStringLiteral("viewer") : granted;
            const bool mayAssign = manages(actorRole) || (!granted.isEmpty() && level(role) < level(actorRole));
            for (const QString& targetRole : std::as_const(builtIns)) {
                const User& target = targets[targetRole];
                const QString label
                    = QStringLiteral("%1 with %2 on a %3: ")
                          .arg(actorRole,
                               granted.isEmpty() ? QStringLiteral("no grant") : QStringLiteral("a grant of ") + granted,
                               targetRole);
                const bool roleBelow = level(role) < level(actorRole);

                // assign `role` (a target already holding it answers "already held" once allowed)
                const bool assign = mayAssign && roleBelow && level(targetRole) < level(actorRole);
                auto assigned = store().users().assignRole(actor, target.id, role);
                if (!assign) {
                    ++expectedDenials;
                    QVERIFY2(!assigned.ok() && assigned.error().code == ErrorCode::Forbidden,
                             qPrintable(label + QStringLiteral("assign should be refused")));
                } else if (targetRole == role) {
                    QVERIFY2(!assigned.ok() && assigned.error().code == ErrorCode::Conflict,
                             qPrintable(label + QStringLiteral("assign should find it held")));
                } else {
                    QVERIFY2(assigned.ok(),
                             qPrintable(label + (assigned.ok() ? QString() : assigned.error().toString())));
                    QVERIFY_RESULT(store().users().revokeRole(system, target.id, role));
                }

                // revoke `role` from the target holding it beside its own role
                if (targetRole != role)
                    QVERIFY_RESULT(store().users().assignRole(system, target.id, role));
                const bool revoke
                    = mayAssign && roleBelow && std::max(level(targetRole), level(role)) < level(actorRole);
                auto revoked = store().users().revokeRole(actor, target.id, role);
                if (!revoke) {
                    ++expectedDenials;
                    QVERIFY2(!revoked.ok() && revoked.error().code == ErrorCode::Forbidden,
                             qPrintable(label + QStringLiteral("revoke should be refused")));
                    if (targetRole != role)
                        QVERIFY_RESULT(store().users().revokeRole(system, target.id, role));
                } else {
                    QVERIFY2(revoked.ok(), qPrintable(label + (revoked.ok() ? QString() : revoked.error().toString())));
                    if (targetRole == role)
                        QVERIFY_RESULT(store().users().assignRole(system, target.id, role));
                }

                // ban the target: grants change nothing here
                const bool ban = manages(actorRole) && level(targetRole) < level(actorRole);
                auto banned = store().users().ban(actor, target.id, QStringLiteral("matrix"));
                if (!ban) {
                    ++expectedDenials;
                    QVERIFY2(!banned.ok() && banned.error().code == ErrorCode::Forbidden,
                             qPrintable(label + QStringLiteral("ban should be refused")));
                } else {
                    QVERIFY2(banned.ok(), qPrintable(label + (banned.ok() ? QString() : banned.error().toString())));
                    QVERIFY_RESULT(store().users().unban(system, target.id));
                }
                cases += 3;
            }
        }
    }
    QCOMPARE(cases, 6 * 7 * 6 * 3);
    // Every refusal is on the record as denied.
    const qint64 deniedAfter = deniedCount(db(), QStringLiteral("role.assigned"))
        + deniedCount(db(), QStringLiteral("role.revoked")) + deniedCount(db(), QStringLiteral("user.banned"));
    QCOMPARE(deniedAfter - deniedBefore, expectedDenials);
    // And the targets are as they were.
    for (const QString& role : std::as_const(builtIns)) {
        auto now = store().users().get(system, targets[role].id);
        QCOMPARE(now->roleCodes, QStringList { role });
        QVERIFY(!now->isBanned());
    }
}

// --- 4. self-service -----------------------------------------------------------------------------

void TestSecurity::ownPasswordNeedsTheCurrentOne()
{
    m_world = World::build(store());
    const User viewer = m_world.makeUser(m_world.orgA.id, QStringLiteral("viewer"));
    auto signedIn = store().auth().login(viewer.email, kStrongPassword);
    QVERIFY_RESULT(signedIn);
    Actor self = signedIn->actor;
    const QString next = QStringLiteral("Brand-New-Secret-2027!");

    // Whoever holds the session but not the password cannot lock the owner out.
    auto missing = store().users().setPassword(self, viewer.id, PasswordChange { next, {}, false });
    QVERIFY_ERROR(missing, ErrorCode::Validation);
    QVERIFY(missing.error().fieldErrors.contains(QStringLiteral("current_password")));
    auto wrong
        = store().users().setPassword(self, viewer.id, PasswordChange { next, QStringLiteral("guess-1"), false });
    QVERIFY_ERROR(wrong, ErrorCode::Validation);
    QVERIFY(wrong.error().fieldErrors.contains(QStringLiteral("current_password")));
    QCOMPARE(lastEvent(db(), QStringLiteral("user.password_changed"), QString::number(viewer.id)).outcome,
             QStringLiteral("denied"));
    QVERIFY_RESULT(store().auth().login(viewer.email, kStrongPassword)); // unchanged

    // With the current password it works, ends the sessions and is audited.
    QVERIFY_RESULT(store().users().setPassword(self, viewer.id, PasswordChange { next, kStrongPassword, false }));
    QVERIFY_ERROR(store().auth().login(viewer.email, kStrongPassword), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(store().auth().login(viewer.email, next));
    QVERIFY_ERROR(store().sessions().authenticate(signedIn->sessionToken), ErrorCode::Unauthenticated);
    QCOMPARE(lastEvent(db(), QStringLiteral("user.password_changed"), QString::number(viewer.id)).outcome,
             QStringLiteral("success"));

    // Guessing the current password through a stolen session counts toward the sign-in lockout.
    auto stolen = store().auth().login(viewer.email, next);
    QVERIFY_RESULT(stolen);
    for (int i = 0; i < lockout::MaxFailedLogins; ++i)
        QVERIFY_ERROR(
            store().users().setPassword(stolen->actor, viewer.id,
                                        PasswordChange { kStrongPassword, QStringLiteral("guess-%1").arg(i), false }),
            ErrorCode::Validation);
    QCOMPARE(lastEvent(db(), QStringLiteral("user.locked"), QString::number(viewer.id)).outcome,
             QStringLiteral("success"));
    auto locked
        = store().users().setPassword(stolen->actor, viewer.id, PasswordChange { kStrongPassword, next, false });
    QVERIFY_ERROR(locked, ErrorCode::Validation); // even the right one, while locked
    QVERIFY2(locked.error().fieldErrors.value(QStringLiteral("current_password")).contains(QLatin1String("Too many")),
             qPrintable(locked.error().toString()));
    QVERIFY_RESULT(store().users().unsuspend(m_world.superActor, viewer.id)); // clears the lock
    QVERIFY_RESULT(store().auth().login(viewer.email, next));

    // An impersonator acts as the user but does not know the password either.
    auto session = store().sessions().impersonate(m_world.superActor, viewer.id, QStringLiteral("support"), 10);
    QVERIFY_RESULT(session);
    auto impersonated = store().sessions().authenticate(session->token);
    QVERIFY_RESULT(impersonated);
    QVERIFY_ERROR(store().users().setPassword(*impersonated, viewer.id,
                                              PasswordChange { QStringLiteral("Imposter-Pass-2027!"), {}, false }),
                  ErrorCode::Validation);
}

void TestSecurity::ownEmailChangeIsNoLongerVerified()
{
    m_world = World::build(store());
    const User user = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    UserUpdate verify;
    verify.expectedVersion = user.version;
    verify.verified = true;
    auto verified = store().users().update(m_world.superActor, user.id, verify);
    QVERIFY_RESULT(verified);
    QVERIFY(verified->verified);

    UserUpdate move;
    move.expectedVersion = verified->version;
    move.email = QStringLiteral("somewhere-else@example.test");
    auto moved = store().users().update(m_world.actorFor(user), user.id, move);
    QVERIFY_RESULT(moved);
    QCOMPARE(moved->email, QStringLiteral("somewhere-else@example.test"));
    QVERIFY(!moved->verified);
    const EventRow event = lastEvent(db(), QStringLiteral("user.updated"), QString::number(user.id));
    const QJsonObject changes = event.details.value(QStringLiteral("changes")).toObject();
    QCOMPARE(changes.value(QStringLiteral("previous_email")).toString(), user.email);
    QCOMPARE(changes.value(QStringLiteral("email")).toString(), QStringLiteral("somewhere-else@example.test"));
    QCOMPARE(changes.value(QStringLiteral("verified")).toBool(true), false);

    // A change of the full name alone keeps the flag as it is.
    UserUpdate rename;
    rename.expectedVersion = moved->version;
    rename.fullName = QStringLiteral("New Name");
    QVERIFY(!store().users().update(m_world.actorFor(user), user.id, rename)->verified);
}

// --- 9. API keys and account recovery ------------------------------------------------------------

void TestSecurity::adminPasswordResetRevokesTheApiKeys()
{
    m_world = World::build(store());
    const User victim = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const CreatedApiKey planted = makeKey(victim);
    QVERIFY_RESULT(store().apiKeys().verify(planted.secret, QStringLiteral("127.0.0.1")));

    // Without the option the keys stay (the admin chose so)...
    QVERIFY_RESULT(store().users().setPassword(m_world.superActor, victim.id,
                                               PasswordChange { QStringLiteral("Recovered-Pass-2027!"), {}, false }));
    QVERIFY_RESULT(store().apiKeys().verify(planted.secret, QStringLiteral("127.0.0.1")));
    // ... by default an administrator's reset revokes them, and says how many.
    QVERIFY_RESULT(store().users().setPassword(m_world.superActor, victim.id, QStringLiteral("Recovered-Pass-2028!")));
    QVERIFY_ERROR(store().apiKeys().verify(planted.secret, QStringLiteral("127.0.0.1")), ErrorCode::Unauthenticated);
    QCOMPARE(lastEvent(db(), QStringLiteral("user.password_changed"), QString::number(victim.id))
                 .details.value(QStringLiteral("api_keys_revoked"))
                 .toInt(),
             1);
}

void TestSecurity::endingAllSessionsCanRevokeTheApiKeys()
{
    m_world = World::build(store());
    const User victim = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const CreatedApiKey planted = makeKey(victim);
    QVERIFY_RESULT(store().auth().login(victim.email, kStrongPassword));

    auto ended = store().sessions().revokeAllForUser(m_world.superActor, victim.id);
    QVERIFY_RESULT(ended);
    QCOMPARE(*ended, 1);
    QVERIFY_RESULT(store().apiKeys().verify(planted.secret, QStringLiteral("127.0.0.1"))); // not asked for

    QVERIFY_RESULT(store().sessions().revokeAllForUser(m_world.superActor, victim.id, 0, true));
    QVERIFY_ERROR(store().apiKeys().verify(planted.secret, QStringLiteral("127.0.0.1")), ErrorCode::Unauthenticated);
    QCOMPARE(lastEvent(db(), QStringLiteral("session.revoked_all"), QString::number(victim.id))
                 .details.value(QStringLiteral("api_keys_revoked"))
                 .toInt(),
             1);
}

void TestSecurity::resetCodeRedemptionRevokesTheApiKeys()
{
    m_world = World::build(store());
    const User victim = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const CreatedApiKey kept = makeKey(victim);
    auto code = store().tokens().issuePasswordReset(m_world.superActor, victim.id);
    QVERIFY_RESULT(code);
    QVERIFY_RESULT(store().tokens().resetPassword(*code, QStringLiteral("Recovered-Pass-2027!"), {}, false));
    QVERIFY_RESULT(store().apiKeys().verify(kept.secret, QStringLiteral("127.0.0.1")));

    code = store().tokens().issuePasswordReset(m_world.superActor, victim.id);
    QVERIFY_RESULT(code);
    QVERIFY_RESULT(store().tokens().resetPassword(*code, QStringLiteral("Recovered-Pass-2028!"))); // default: revoke
    QVERIFY_ERROR(store().apiKeys().verify(kept.secret, QStringLiteral("127.0.0.1")), ErrorCode::Unauthenticated);
    QCOMPARE(lastEvent(db(), QStringLiteral("user.password_reset"), QString::number(victim.id))
                 .details.value(QStringLiteral("api_keys_revoked"))
                 .toInt(),
             1);
}

void TestSecurity::noApiKeysWhileImpersonating()
{
    m_world = World::build(store());
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    auto session = store().sessions().impersonate(m_world.superActor, admin.id, QStringLiteral("support"), 10);
    QVERIFY_RESULT(session);
    auto impersonated = store().sessions().authenticate(session->token);
    QVERIFY_RESULT(impersonated);
    QCOMPARE(impersonated->impersonatorId, m_world.superAdmin.id);

    NewApiKey key;
    key.name = QStringLiteral("backdoor");
    key.scopes = { QStringLiteral("admin:user:view") };
    auto refused = store().apiKeys().create(*impersonated, key);
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QVERIFY2(refused.error().message.contains(QLatin1String("impersonat")), qPrintable(refused.error().message));
    QCOMPARE(lastEvent(db(), QStringLiteral("api_key.created")).outcome, QStringLiteral("denied"));
    QSqlQuery q(db());
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM api_keys")) && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
    // The user itself, signed in, still may.
    auto own = store().auth().login(admin.email, kStrongPassword);
    QVERIFY_RESULT(own);
    QVERIFY_RESULT(store().apiKeys().create(own->actor, key));
}

// --- eligibility ---------------------------------------------------------------------------------

void TestSecurity::eligibilityIsOneRuleForEveryEntrance()
{
    m_world = World::build(store());
    const User user = m_world.makeUser(m_world.orgB.id, QStringLiteral("user"));
    const CreatedApiKey key = makeKey(user);
    auto signedIn = store().auth().login(user.email, kStrongPassword);
    QVERIFY_RESULT(signedIn);
    const Id session = signedIn->session.id;

    // The store's one entry point; -1 when it could not decide at all.
    auto decide = [&](policy::Credential via, Id sessionId = 0) {
        auto e = store().core().signInEligibility(user.id, via, sessionId);
        return e.ok() ? int(e->why) : -1;
    };
    QCOMPARE(decide(policy::Credential::Session, session), int(policy::Ineligible::None));
    // A session of somebody else is no session of this user.
    auto other = store().auth().login(m_world.superAdmin.email, kStrongPassword);
    QVERIFY_RESULT(other);
    QCOMPARE(decide(policy::Credential::Session, other->session.id), int(policy::Ineligible::CredentialRevoked));

    // A temporary ban: every entrance refuses while it lasts.
    QVERIFY_RESULT(store().users().ban(m_world.superActor, user.id, QStringLiteral("cool down"),
                                       QDateTime::currentDateTimeUtc().addSecs(3600)));
    QCOMPARE(decide(policy::Credential::Password), int(policy::Ineligible::Banned));
    QVERIFY_ERROR(store().auth().login(user.email, kStrongPassword), ErrorCode::Forbidden);
    QVERIFY_ERROR(store().apiKeys().verify(key.secret, QStringLiteral("127.0.0.1")), ErrorCode::Unauthenticated);
    // The ban ended the session too; the ban is the reason given (the console shows it).
    QCOMPARE(decide(policy::Credential::Session, session), int(policy::Ineligible::Banned));

    // Once the ban has expired it counts no more, at every entrance.
    QSqlQuery q(db());
    q.prepare(QStringLiteral("UPDATE users SET ban_expires_at = ? WHERE id = ?"));
    q.addBindValue(QDateTime::currentDateTimeUtc().addSecs(-60).toMSecsSinceEpoch());
    q.addBindValue(user.id);
    QVERIFY(q.exec());
    QCOMPARE(decide(policy::Credential::Password), int(policy::Ineligible::None));
    auto again = store().auth().login(user.email, kStrongPassword);
    QVERIFY_RESULT(again);
    QVERIFY_RESULT(store().sessions().authenticate(again->sessionToken));
    QVERIFY_RESULT(store().apiKeys().verify(key.secret, QStringLiteral("127.0.0.1")));

    // A suspended organization stops all of them.
    QVERIFY_RESULT(store().organizations().suspend(m_world.superActor, m_world.orgB.id));
    QCOMPARE(decide(policy::Credential::ApiKey), int(policy::Ineligible::OrganizationSuspended));
    QVERIFY_ERROR(store().sessions().authenticate(again->sessionToken), ErrorCode::Unauthenticated);
    QVERIFY_ERROR(store().apiKeys().verify(key.secret, QStringLiteral("127.0.0.1")), ErrorCode::Unauthenticated);
}

// --- REST ----------------------------------------------------------------------------------------

bool TestSecurity::startServer()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QString error;
    if (!initDeployment(m_db->url(), m_dir->path(), &error)) {
        qWarning().noquote() << "init failed:" << error;
        return false;
    }
    m_server = std::make_unique<ServerProcess>();
    if (!m_server->start(m_db->url(), m_dir->filePath(QStringLiteral("jwt-secret")))) {
        qWarning().noquote() << m_server->output();
        return false;
    }
    m_root = signIn(kRootEmail, kRootPassword);
    return !m_root.isEmpty();
}

HttpResult TestSecurity::send(const QByteArray& method, const QString& path, const QByteArray& token,
                              const QJsonObject& body)
{
    QNetworkRequest request(QUrl(m_server->baseUrl() + path));
    request.setTransferTimeout(30000);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    QByteArray payload;
    if (!body.isEmpty()) {
        payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    }
    QNetworkReply* reply = m_network.sendCustomRequest(request, method, payload);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpResult result;
    if (reply->isFinished() || finished.wait(30000)) {
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
    }
    reply->deleteLater();
    return result;
}

QByteArray TestSecurity::signIn(const QString& email, const QString& password)
{
    const HttpResult r = send("POST", QStringLiteral("/api/auth/login"), {},
                              { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } });
    if (r.status != 200)
        qWarning().noquote() << "login of" << email << "failed:" << r.describe();
    return r.json().value(QStringLiteral("access_token")).toString().toLatin1();
}

QJsonObject TestSecurity::makeUserOverHttp(const QString& role, Id organizationId, const QString& name)
{
    const HttpResult r = send("POST", QStringLiteral("/api/admin/users"), m_root,
                              { { QStringLiteral("email"), QString(name + QStringLiteral("@example.com")) },
                                { QStringLiteral("username"), name },
                                { QStringLiteral("password"), kStrongPassword },
                                { QStringLiteral("organization_id"), organizationId },
                                { QStringLiteral("role_codes"), QJsonArray { role } } });
    if (r.status != 201)
        qWarning().noquote() << "creating" << name << "failed:" << r.describe();
    return r.json();
}

void TestSecurity::takeoverThroughGrantsOverHttp()
{
    QVERIFY(startServer());
    const HttpResult me = send("GET", QStringLiteral("/api/auth/me"), m_root);
    const Id org = me.json().value(QStringLiteral("organization_id")).toInteger();
    QVERIFY2(org != 0, qPrintable(me.describe()));
    const QJsonObject attacker = makeUserOverHttp(QStringLiteral("admin"), org, QStringLiteral("mallory"));
    const QJsonObject peer = makeUserOverHttp(QStringLiteral("admin"), org, QStringLiteral("alice"));
    const QJsonObject member = makeUserOverHttp(QStringLiteral("user"), org, QStringLiteral("bob"));
    const QString attackerId = QString::number(attacker.value(QStringLiteral("id")).toInteger());
    const QString peerId = QString::number(peer.value(QStringLiteral("id")).toInteger());
    const QString memberId = QString::number(member.value(QStringLiteral("id")).toInteger());
    const QByteArray mallory = signIn(QStringLiteral("mallory@example.com"));
    QVERIFY(!mallory.isEmpty());

    QJsonObject role { { QStringLiteral("code"), QStringLiteral("helper") },
                       { QStringLiteral("name"), QStringLiteral("Helper") },
                       { QStringLiteral("level"), 1 },
                       { QStringLiteral("organization_id"), org },
                       { QStringLiteral("grants"), QJsonArray { QStringLiteral("admin") } } };
    HttpResult r = send("POST", QStringLiteral("/api/admin/roles"), mallory, role);
    QVERIFY2(r.status == 403, qPrintable(r.describe()));
    QCOMPARE(lastEvent(db(), QStringLiteral("role.created"), QStringLiteral("helper")).outcome,
             QStringLiteral("denied"));
    role.insert(QStringLiteral("grants"), QJsonArray { QStringLiteral("super_admin") });
    QCOMPARE(send("POST", QStringLiteral("/api/admin/roles"), mallory, role).status, 403);
    role.insert(QStringLiteral("grants"), QJsonArray { QStringLiteral("nonexistent") });
    QCOMPARE(send("POST", QStringLiteral("/api/admin/roles"), mallory, role).status, 400);

    // Harmless first, then the grant by PATCH: refused.
    role.insert(QStringLiteral("grants"), QJsonArray {});
    r = send("POST", QStringLiteral("/api/admin/roles"), mallory, role);
    QVERIFY2(r.status == 201, qPrintable(r.describe()));
    const Id helperId = r.json().value(QStringLiteral("id")).toInteger();
    r = send("PATCH", QStringLiteral("/api/admin/roles/%1").arg(helperId), mallory,
             { { QStringLiteral("grants"), QJsonArray { QStringLiteral("admin") } } });
    QVERIFY2(r.status == 403, qPrintable(r.describe()));
    QCOMPARE(lastEvent(db(), QStringLiteral("role.updated"), QStringLiteral("helper")).outcome,
             QStringLiteral("denied"));

    // The grant planted in the database, the role taken: every use refused and audited.
    QVERIFY(plantGrant(db(), helperId, QStringLiteral("admin")));
    r = send("POST", QStringLiteral("/api/admin/users/%1/roles").arg(attackerId), mallory,
             { { QStringLiteral("role_code"), QStringLiteral("helper") } });
    QVERIFY2(r.status == 204, qPrintable(r.describe()));
    r = send("POST", QStringLiteral("/api/admin/users/%1/roles").arg(memberId), mallory,
             { { QStringLiteral("role_code"), QStringLiteral("admin") } });
    QVERIFY2(r.status == 403, qPrintable(r.describe()));
    QCOMPARE(lastEvent(db(), QStringLiteral("role.assigned"), memberId).outcome, QStringLiteral("denied"));
    r = send("DELETE", QStringLiteral("/api/admin/users/%1/roles/admin").arg(peerId), mallory);
    QVERIFY2(r.status == 403, qPrintable(r.describe()));
    QCOMPARE(lastEvent(db(), QStringLiteral("role.revoked"), peerId).outcome, QStringLiteral("denied"));
    r = send("POST", QStringLiteral("/api/admin/users/%1/ban").arg(peerId), mallory,
             { { QStringLiteral("reason"), QStringLiteral("gone") } });
    QVERIFY2(r.status == 403, qPrintable(r.describe()));
    QCOMPARE(lastEvent(db(), QStringLiteral("user.banned"), peerId).outcome, QStringLiteral("denied"));

    // The peer is untouched and still signs in as an admin.
    r = send("GET", QStringLiteral("/api/admin/users/%1").arg(peerId), m_root);
    QCOMPARE(r.json().value(QStringLiteral("role_codes")).toArray(), QJsonArray { QStringLiteral("admin") });
    QVERIFY(!signIn(QStringLiteral("alice@example.com")).isEmpty());
}

void TestSecurity::selfServiceAndKeysOverHttp()
{
    QVERIFY(startServer());
    const HttpResult me = send("GET", QStringLiteral("/api/auth/me"), m_root);
    const Id org = me.json().value(QStringLiteral("organization_id")).toInteger();
    const QJsonObject viewer = makeUserOverHttp(QStringLiteral("viewer"), org, QStringLiteral("vera"));
    const QString viewerId = QString::number(viewer.value(QStringLiteral("id")).toInteger());
    const QByteArray vera = signIn(QStringLiteral("vera@example.com"));
    const QString next = QStringLiteral("Brand-New-Secret-2027!");

    // Own password: the current one is required and checked.
    HttpResult r = send("POST", QStringLiteral("/api/admin/users/%1/password").arg(viewerId), vera,
                        { { QStringLiteral("password"), next } });
    QVERIFY2(r.status == 400, qPrintable(r.describe()));
    QVERIFY(r.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("current_password")));
    r = send("POST", QStringLiteral("/api/admin/users/%1/password").arg(viewerId), vera,
             { { QStringLiteral("password"), next }, { QStringLiteral("current_password"), QStringLiteral("nope") } });
    QVERIFY2(r.status == 400, qPrintable(r.describe()));
    QCOMPARE(lastEvent(db(), QStringLiteral("user.password_changed"), viewerId).outcome, QStringLiteral("denied"));
    r = send("POST", QStringLiteral("/api/admin/users/%1/password").arg(viewerId), vera,
             { { QStringLiteral("password"), next }, { QStringLiteral("current_password"), kStrongPassword } });
    QVERIFY2(r.status == 204, qPrintable(r.describe()));
    QVERIFY(!signIn(QStringLiteral("vera@example.com"), next).isEmpty());

    // An admin's reset revokes the user's API keys by default (revoke_api_keys).
    const QJsonObject admin = makeUserOverHttp(QStringLiteral("admin"), org, QStringLiteral("adam"));
    const QString adminId = QString::number(admin.value(QStringLiteral("id")).toInteger());
    r = send("POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(viewerId), m_root,
             { { QStringLiteral("name"), QStringLiteral("planted") },
               { QStringLiteral("scopes"), QJsonArray { QStringLiteral("chat:view") } } });
    QVERIFY2(r.status == 201, qPrintable(r.describe()));
    const QString secret = r.json().value(QStringLiteral("key")).toString();
    auto keyWorks = [&] {
        QNetworkRequest request(QUrl(m_server->baseUrl() + QStringLiteral("/api/auth/me")));
        request.setRawHeader("X-API-Key", secret.toLatin1());
        QNetworkReply* reply = m_network.get(request);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(30000);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        return status == 200;
    };
    QVERIFY(keyWorks());
    const QByteArray adam = signIn(QStringLiteral("adam@example.com"));
    r = send("POST", QStringLiteral("/api/admin/users/%1/password").arg(viewerId), adam,
             { { QStringLiteral("password"), QStringLiteral("Recovered-Pass-2027!") } });
    QVERIFY2(r.status == 204, qPrintable(r.describe()));
    QVERIFY(!keyWorks());

    // No key minted while impersonating.
    r = send("POST", QStringLiteral("/api/admin/users/%1/impersonate").arg(adminId), m_root,
             { { QStringLiteral("reason"), QStringLiteral("support ticket 7") } });
    QVERIFY2(r.status == 201 || r.status == 200, qPrintable(r.describe()));
    const QByteArray borrowed = r.json().value(QStringLiteral("token")).toString().toLatin1();
    r = send("POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(adminId), borrowed,
             { { QStringLiteral("name"), QStringLiteral("backdoor") },
               { QStringLiteral("scopes"), QJsonArray { QStringLiteral("admin:user:view") } } });
    QVERIFY2(r.status == 403, qPrintable(r.describe()));
    QVERIFY2(r.json().value(QStringLiteral("detail")).toString().contains(QLatin1String("impersonat")),
             qPrintable(r.describe()));
    QCOMPARE(lastEvent(db(), QStringLiteral("api_key.created")).outcome, QStringLiteral("denied"));
}

QTEST_GUILESS_MAIN(TestSecurity)
#include "tst_security.moc"
