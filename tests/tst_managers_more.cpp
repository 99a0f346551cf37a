// Sessions, API keys, organizations and invitations, one-time tokens and statistics, against a real
// database (SQLite, or PostgreSQL when PORTCULLIS_TEST_PG_URL is set). Every state change and every
// denial is checked in the audit_events table as well.

#include "policy/policy.h"
#include "security/crypto.h"
#include "sql/store.h"
#include "testutil.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

QVariant nullInt()
{
    return QVariant(QMetaType::fromType<qint64>());
}

struct Fixture
{
    std::unique_ptr<TestDatabase> db;
    World w;

    static Fixture make()
    {
        Fixture f;
        f.db = TestDatabase::create();
        f.w = World::build(f.db->store());
        return f;
    }
    SqlStore& store() { return db->store(); }
    QSqlDatabase& sql() { return db->store().core().db(); }
};

struct TestSession
{
    Id id = 0;
    QString token;
};

// A session row written directly, so a test controls its expiry and revocation.
TestSession insertSession(QSqlDatabase& db, const User& user, qint64 expiresInMs, bool revoked = false)
{
    TestSession s;
    s.token = crypto::randomToken(32);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO sessions (user_id, organization_id, token_hash, ip, user_agent, created_at, "
                             "last_seen_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.addBindValue(user.id);
    q.addBindValue(user.organizationId);
    q.addBindValue(QString::fromLatin1(crypto::sha256Hex(s.token.toUtf8())));
    q.addBindValue(QStringLiteral("10.0.0.1"));
    q.addBindValue(QStringLiteral("test"));
    q.addBindValue(now - 10 * 60 * 1000);
    q.addBindValue(now - 10 * 60 * 1000);
    q.addBindValue(now + expiresInMs);
    q.addBindValue(revoked ? QVariant(now) : nullInt());
    if (!q.exec() || !q.next())
        qFatal("cannot insert a test session");
    s.id = q.value(0).toLongLong();
    return s;
}

qint64 scalar(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        qFatal("test query failed: %s", qPrintable(sql));
    return q.value(0).toLongLong();
}

QString text(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        qFatal("test query failed: %s", qPrintable(sql));
    return q.value(0).toString();
}

// Whether the single value the query selects is SQL NULL (drivers differ in how they print one).
bool isNullValue(QSqlDatabase& db, const QString& sql, const QVariantList& binds)
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        qFatal("test query failed: %s", qPrintable(sql));
    return q.value(0).isNull();
}

void execSql(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec())
        qFatal("test statement failed: %s", qPrintable(sql));
}

// Number of audit events with this action and outcome (and resource id, when given).
qint64 auditCount(QSqlDatabase& db, const QString& action, const QString& outcome, const QString& resourceId = {})
{
    if (resourceId.isEmpty())
        return scalar(db, QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = ?"),
                      { action, outcome });
    return scalar(
        db, QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = ? AND resource_id = ?"),
        { action, outcome, resourceId });
}

// Details of the newest audit event with this action and outcome.
QJsonObject auditDetails(QSqlDatabase& db, const QString& action, const QString& outcome = QStringLiteral("success"))
{
    const QString details = text(
        db,
        QStringLiteral("SELECT details FROM audit_events WHERE action = ? AND outcome = ? ORDER BY id DESC LIMIT 1"),
        { action, outcome });
    return QJsonDocument::fromJson(details.toUtf8()).object();
}

QString allAuditText(QSqlDatabase& db)
{
    QSqlQuery q(db);
    QString all;
    if (!q.exec(QStringLiteral("SELECT action, resource_id, details, actor_label FROM audit_events")))
        qFatal("cannot read the audit log");
    while (q.next())
        all += q.value(0).toString() + q.value(1).toString() + q.value(2).toString() + q.value(3).toString();
    return all;
}

const QString kSuccess = QStringLiteral("success");
const QString kDenied = QStringLiteral("denied");
constexpr qint64 Hour = 60 * 60 * 1000;

} // namespace

class TestManagersMore : public QObject
{
    Q_OBJECT

private slots:
    // sessions
    void sessionListFiltersAndCounts();
    void sessionRevoke();
    void sessionRevokeAllExceptOne();
    void sessionPurgeExpired();
    void sessionCrossTenantDenied();
    void impersonationBySuperAdmin();
    void impersonationDenied();
    void impersonationNeedsReasonAndDuration();
    void authenticateRefusals();

    // API keys
    void apiKeySecretShownOnce();
    void apiKeyVerify();
    void apiKeyVerifyRefusals();
    void apiKeyIpAllowlist();
    void apiKeyCreateValidation();
    void apiKeyCrossTenantDenied();

    // organizations and invitations
    void organizationCreate();
    void organizationGetListUpdate();
    void organizationSuspend();
    void organizationWipeOut();
    void invitationCreateAndAccept();
    void invitationDenials();
    void invitationPlanLimit();
    void invitationTokenRefusals();

    // tokens
    void passwordResetTokenSingleUse();
    void verificationToken();

    // stats
    void statsMatchTheData();
};

// --- sessions --------------------------------------------------------------------------------

void TestManagersMore::sessionListFiltersAndCounts()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User u2 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const TestSession live1 = insertSession(f.sql(), u1, Hour);
    insertSession(f.sql(), u1, -Hour); // expired
    insertSession(f.sql(), u1, Hour, true); // revoked
    const TestSession live2 = insertSession(f.sql(), u2, Hour);
    insertSession(f.sql(), b1, Hour);
    const Actor adminActor = f.w.actorFor(admin);

    auto page = f.store().sessions().list(adminActor, {});
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 2); // org A only, live only
    QCOMPARE(page->items.size(), 2);
    QCOMPARE(page->items.at(0).id, live2.id); // newest first
    QCOMPARE(page->items.at(0).userEmail, u2.email);
    QCOMPARE(page->items.at(1).id, live1.id);
    QCOMPARE(page->items.at(1).userEmail, u1.email);
    QVERIFY(!page->items.at(1).isImpersonation());

    SessionQuery all;
    all.includeRevoked = true;
    all.includeExpired = true;
    page = f.store().sessions().list(adminActor, all);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 4);
    int revoked = 0;
    for (const Session& s : page->items) {
        QCOMPARE(s.organizationId, f.w.orgA.id);
        revoked += s.revoked ? 1 : 0;
    }
    QCOMPARE(revoked, 1);

    SessionQuery ofU1 = all;
    ofU1.userId = u1.id;
    ofU1.limit = 2;
    ofU1.page = 2;
    page = f.store().sessions().list(adminActor, ofU1);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 3);
    QCOMPARE(page->items.size(), 1);
    QCOMPARE(page->items.at(0).id, live1.id);

    // The super admin sees every organization.
    page = f.store().sessions().list(f.w.superActor, {});
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 3);

    // A plain user holds no admin:session:read.
    QVERIFY_ERROR(f.store().sessions().list(f.w.actorFor(u1), {}), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.listed"), kDenied), 1);
}

void TestManagersMore::sessionRevoke()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const TestSession s = insertSession(f.sql(), u1, Hour);
    QVERIFY_RESULT(f.store().sessions().authenticate(s.token));

    QVERIFY_RESULT(f.store().sessions().revoke(f.w.actorFor(admin), s.id));
    QVERIFY(!isNullValue(f.sql(), QStringLiteral("SELECT revoked_at FROM sessions WHERE id = ?"), { s.id }));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked"), kSuccess, QString::number(s.id)), 1);
    QCOMPARE(auditDetails(f.sql(), QStringLiteral("session.revoked")).value(QStringLiteral("user_id")).toInteger(),
             u1.id);

    auto again = f.store().sessions().authenticate(s.token);
    QVERIFY_ERROR(again, ErrorCode::Unauthenticated);
    QVERIFY(again.error().message.contains(QStringLiteral("revoked")));

    // Revoking twice changes nothing and audits nothing more.
    QVERIFY_RESULT(f.store().sessions().revoke(f.w.actorFor(admin), s.id));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked"), kSuccess), 1);
    QVERIFY_ERROR(f.store().sessions().revoke(f.w.actorFor(admin), 999999), ErrorCode::NotFound);

    // An admin may not end a super admin's session (level), a user may not end someone else's.
    const TestSession rootSession = insertSession(f.sql(), f.w.superAdmin, Hour);
    QVERIFY_ERROR(f.store().sessions().revoke(f.w.actorFor(admin), rootSession.id), ErrorCode::Forbidden);
    const User u2 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const TestSession other = insertSession(f.sql(), u2, Hour);
    QVERIFY_ERROR(f.store().sessions().revoke(f.w.actorFor(u1), other.id), ErrorCode::Forbidden);
    // The missing session above is audited as a denial too (exactly like another tenant's).
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked"), kDenied), 3);
    QVERIFY_RESULT(f.store().sessions().authenticate(rootSession.token));
    QVERIFY_RESULT(f.store().sessions().authenticate(other.token));

    // Everyone may end their own session.
    const TestSession own = insertSession(f.sql(), u1, Hour);
    QVERIFY_RESULT(f.store().sessions().revoke(f.w.actorFor(u1), own.id));
    QVERIFY_ERROR(f.store().sessions().authenticate(own.token), ErrorCode::Unauthenticated);
}

void TestManagersMore::sessionRevokeAllExceptOne()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const TestSession s1 = insertSession(f.sql(), u1, Hour);
    const TestSession s2 = insertSession(f.sql(), u1, Hour);
    const TestSession s3 = insertSession(f.sql(), u1, Hour);
    const User u2 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const TestSession bystander = insertSession(f.sql(), u2, Hour);

    auto count = f.store().sessions().revokeAllForUser(f.w.actorFor(admin), u1.id, s2.id);
    QVERIFY_RESULT(count);
    QCOMPARE(*count, 2);
    QVERIFY_ERROR(f.store().sessions().authenticate(s1.token), ErrorCode::Unauthenticated);
    QVERIFY_ERROR(f.store().sessions().authenticate(s3.token), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(f.store().sessions().authenticate(s2.token));
    QVERIFY_RESULT(f.store().sessions().authenticate(bystander.token));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked_all"), kSuccess, QString::number(u1.id)), 1);
    QCOMPARE(auditDetails(f.sql(), QStringLiteral("session.revoked_all")).value(QStringLiteral("count")).toInt(), 2);

    // A user without admin rights may sign out their own other devices, but not someone else's.
    const TestSession s4 = insertSession(f.sql(), u1, Hour);
    Actor self = f.w.actorFor(u1);
    self.sessionId = s2.id;
    count = f.store().sessions().revokeAllForUser(self, u1.id, s2.id);
    QVERIFY_RESULT(count);
    QCOMPARE(*count, 1);
    QVERIFY_ERROR(f.store().sessions().authenticate(s4.token), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(f.store().sessions().authenticate(s2.token));

    QVERIFY_ERROR(f.store().sessions().revokeAllForUser(self, u2.id), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked_all"), kDenied, QString::number(u2.id)), 1);
    QVERIFY_RESULT(f.store().sessions().authenticate(bystander.token));
}

void TestManagersMore::sessionPurgeExpired()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User a1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const TestSession liveA = insertSession(f.sql(), a1, Hour);
    insertSession(f.sql(), a1, -Hour);
    insertSession(f.sql(), a1, -2 * Hour, true);
    insertSession(f.sql(), b1, -Hour);
    const TestSession liveB = insertSession(f.sql(), b1, Hour);

    auto purged = f.store().sessions().purgeExpired(f.w.actorFor(admin));
    QVERIFY_RESULT(purged);
    QCOMPARE(*purged, 2); // only organization A
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM sessions WHERE organization_id = ?"), { f.w.orgA.id }), 1);
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM sessions WHERE organization_id = ?"), { f.w.orgB.id }), 2);
    QCOMPARE(auditDetails(f.sql(), QStringLiteral("session.purged")).value(QStringLiteral("count")).toInt(), 2);

    purged = f.store().sessions().purgeExpired(f.w.superActor);
    QVERIFY_RESULT(purged);
    QCOMPARE(*purged, 1);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM sessions")), 2);
    QVERIFY_RESULT(f.store().sessions().authenticate(liveA.token));
    QVERIFY_RESULT(f.store().sessions().authenticate(liveB.token));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.purged"), kSuccess), 2);

    QVERIFY_ERROR(f.store().sessions().purgeExpired(f.w.actorFor(a1)), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.purged"), kDenied), 1);
}

void TestManagersMore::sessionCrossTenantDenied()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const TestSession sb = insertSession(f.sql(), b1, Hour);
    const Actor actorA = f.w.actorFor(adminA);

    SessionQuery ofB;
    ofB.userId = b1.id;
    QVERIFY_ERROR(f.store().sessions().list(actorA, ofB), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.listed"), kDenied), 1);
    QVERIFY_ERROR(f.store().sessions().revoke(actorA, sb.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked"), kDenied, QString::number(sb.id)), 1);
    QVERIFY_ERROR(f.store().sessions().revokeAllForUser(actorA, b1.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked_all"), kDenied), 1);
    QVERIFY_RESULT(f.store().sessions().authenticate(sb.token));
    // The denials are the actor's doing: recorded in A's log, none written into B's.
    const auto denialsIn = [&](Id organizationId) {
        return scalar(f.sql(),
                      QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE outcome = 'denied' "
                                     "AND actor_id = ? AND organization_id = ?"),
                      { adminA.id, organizationId });
    };
    QCOMPARE(denialsIn(f.w.orgA.id), 3);
    QCOMPARE(denialsIn(f.w.orgB.id), 0);

    // The super admin crosses tenants.
    auto page = f.store().sessions().list(f.w.superActor, ofB);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QVERIFY_RESULT(f.store().sessions().revoke(f.w.superActor, sb.id));
    QVERIFY_ERROR(f.store().sessions().authenticate(sb.token), ErrorCode::Unauthenticated);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked"), kSuccess, QString::number(sb.id)), 1);
}

void TestManagersMore::impersonationBySuperAdmin()
{
    auto f = Fixture::make();
    const User target = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    Actor root = f.w.superActor;
    root.ip = QStringLiteral("192.0.2.10");

    auto created = f.store().sessions().impersonate(root, target.id, QStringLiteral("Ticket #4711"), 30);
    QVERIFY_RESULT(created);
    QVERIFY(!created->token.isEmpty());
    QCOMPARE(created->session.userId, target.id);
    QCOMPARE(created->session.impersonatorId, f.w.superAdmin.id);
    QVERIFY(created->session.isImpersonation());
    const qint64 minutes = QDateTime::currentDateTimeUtc().secsTo(created->session.expiresAt) / 60;
    QVERIFY2(minutes >= 29 && minutes <= 30, qPrintable(QString::number(minutes)));

    // Only the hash is stored.
    const QString hash
        = text(f.sql(), QStringLiteral("SELECT token_hash FROM sessions WHERE id = ?"), { created->session.id });
    QCOMPARE(hash, QString::fromLatin1(crypto::sha256Hex(created->token.toUtf8())));
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT impersonator_id FROM sessions WHERE id = ?"), { created->session.id }),
        f.w.superAdmin.id);

    // The token signs in as the target, and the session list marks it.
    auto actor = f.store().sessions().authenticate(created->token, QStringLiteral("192.0.2.10"));
    QVERIFY_RESULT(actor);
    QCOMPARE(actor->userId, target.id);
    QCOMPARE(actor->organizationId, f.w.orgB.id);
    QCOMPARE(actor->sessionId, created->session.id);
    QCOMPARE(actor->ip, QStringLiteral("192.0.2.10"));
    QVERIFY(actor->roleCodes.contains(QStringLiteral("admin")));

    SessionQuery ofTarget;
    ofTarget.userId = target.id;
    auto page = f.store().sessions().list(f.w.superActor, ofTarget);
    QVERIFY_RESULT(page);
    QCOMPARE(page->items.size(), 1);
    QCOMPARE(page->items.at(0).impersonatorId, f.w.superAdmin.id);
    QCOMPARE(page->items.at(0).impersonatorEmail, f.w.superAdmin.email);
    QCOMPARE(page->items.at(0).impersonationReason, QStringLiteral("Ticket #4711"));

    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.impersonated"), kSuccess, QString::number(target.id)), 1);
    const QJsonObject details = auditDetails(f.sql(), QStringLiteral("user.impersonated"));
    QCOMPARE(details.value(QStringLiteral("reason")).toString(), QStringLiteral("Ticket #4711"));
    QCOMPARE(details.value(QStringLiteral("duration_minutes")).toInt(), 30);
    QVERIFY(!allAuditText(f.sql()).contains(created->token));
}

void TestManagersMore::impersonationDenied()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User user = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User otherRoot = f.w.makeUser(f.w.orgB.id, QStringLiteral("super_admin"));

    auto denied = f.store().sessions().impersonate(f.w.actorFor(admin), user.id, QStringLiteral("support"), 10);
    QVERIFY_ERROR(denied, ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.impersonated"), kDenied, QString::number(user.id)), 1);

    denied = f.store().sessions().impersonate(f.w.superActor, otherRoot.id, QStringLiteral("support"), 10);
    QVERIFY_ERROR(denied, ErrorCode::Forbidden);
    QVERIFY(denied.error().message.contains(QStringLiteral("Super admins cannot be impersonated")));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.impersonated"), kDenied, QString::number(otherRoot.id)), 1);

    denied = f.store().sessions().impersonate(f.w.superActor, f.w.superAdmin.id, QStringLiteral("support"), 10);
    QVERIFY_ERROR(denied, ErrorCode::Forbidden);

    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM sessions WHERE impersonator_id IS NOT NULL")), 0);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.impersonated"), kSuccess), 0);
}

void TestManagersMore::impersonationNeedsReasonAndDuration()
{
    auto f = Fixture::make();
    const User user = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    auto r = f.store().sessions().impersonate(f.w.superActor, user.id, QStringLiteral("   "), 10);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("reason")));

    r = f.store().sessions().impersonate(f.w.superActor, user.id, QString(policy::Limits::Reason + 1, u'x'), 10);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("reason")));

    for (int minutes : { 0, -5, limits::MaxImpersonationMinutes + 1 }) {
        r = f.store().sessions().impersonate(f.w.superActor, user.id, QStringLiteral("support"), minutes);
        QVERIFY_ERROR(r, ErrorCode::Validation);
        QVERIFY(r.error().fieldErrors.contains(QStringLiteral("duration_minutes")));
    }
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM sessions")), 0);

    r = f.store().sessions().impersonate(f.w.superActor, user.id, QStringLiteral("support"),
                                         limits::MaxImpersonationMinutes);
    QVERIFY_RESULT(r);
    QVERIFY_ERROR(f.store().sessions().impersonate(f.w.superActor, 987654, QStringLiteral("support"), 10),
                  ErrorCode::NotFound);
}

void TestManagersMore::authenticateRefusals()
{
    auto f = Fixture::make();
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));

    QVERIFY_ERROR(f.store().sessions().authenticate(QString()), ErrorCode::Unauthenticated);
    QVERIFY_ERROR(f.store().sessions().authenticate(crypto::randomToken(32)), ErrorCode::Unauthenticated);

    const TestSession expired = insertSession(f.sql(), u1, -1000);
    auto r = f.store().sessions().authenticate(expired.token);
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QVERIFY(r.error().message.contains(QStringLiteral("expired")));

    // last_seen_at moves on the first use after a minute, not on every request.
    const TestSession live = insertSession(f.sql(), u1, Hour);
    const qint64 before
        = scalar(f.sql(), QStringLiteral("SELECT last_seen_at FROM sessions WHERE id = ?"), { live.id });
    QVERIFY_RESULT(f.store().sessions().authenticate(live.token));
    const qint64 seen = scalar(f.sql(), QStringLiteral("SELECT last_seen_at FROM sessions WHERE id = ?"), { live.id });
    QVERIFY(seen > before);
    execSql(f.sql(), QStringLiteral("UPDATE sessions SET last_seen_at = ? WHERE id = ?"), { seen - 1000, live.id });
    QVERIFY_RESULT(f.store().sessions().authenticate(live.token));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT last_seen_at FROM sessions WHERE id = ?"), { live.id }),
             seen - 1000);

    // The account or its organization can no longer sign in.
    execSql(f.sql(), QStringLiteral("UPDATE users SET active = 0 WHERE id = ?"), { u1.id });
    r = f.store().sessions().authenticate(live.token);
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QVERIFY(r.error().message.contains(QStringLiteral("suspended")));
    execSql(f.sql(), QStringLiteral("UPDATE users SET active = 1, ban_reason = 'spam' WHERE id = ?"), { u1.id });
    r = f.store().sessions().authenticate(live.token);
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QVERIFY(r.error().message.contains(QStringLiteral("banned")));
    execSql(f.sql(), QStringLiteral("UPDATE users SET ban_expires_at = ? WHERE id = ?"),
            { QDateTime::currentMSecsSinceEpoch() - 1000, u1.id });
    QVERIFY_RESULT(f.store().sessions().authenticate(live.token)); // the ban ran out
    execSql(f.sql(), QStringLiteral("UPDATE users SET deleted = 1 WHERE id = ?"), { u1.id });
    QVERIFY_ERROR(f.store().sessions().authenticate(live.token), ErrorCode::Unauthenticated);

    const TestSession sb = insertSession(f.sql(), b1, Hour);
    QVERIFY_RESULT(f.store().sessions().authenticate(sb.token));
    QVERIFY_RESULT(f.store().organizations().suspend(f.w.superActor, f.w.orgB.id));
    r = f.store().sessions().authenticate(sb.token);
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QVERIFY(r.error().message.contains(QStringLiteral("organization")));
}

// --- API keys --------------------------------------------------------------------------------

void TestManagersMore::apiKeySecretShownOnce()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    NewApiKey nk;
    nk.name = QStringLiteral("CI pipeline");
    nk.userId = owner.id;
    nk.scopes = { QStringLiteral("chat:create"), QStringLiteral("kb:search") };
    auto created = f.store().apiKeys().create(f.w.actorFor(admin), nk);
    QVERIFY_RESULT(created);
    const QString secret = created->secret;
    QVERIFY(crypto::looksLikeApiKey(secret));
    QCOMPARE(created->key.prefix, crypto::apiKeyPrefix(secret));
    QCOMPARE(created->key.userId, owner.id);
    QCOMPARE(created->key.organizationId, f.w.orgA.id);
    QCOMPARE(created->key.scopes, nk.scopes);

    // Stored: the hash, never the secret.
    QSqlQuery q(f.sql());
    QVERIFY(q.exec(QStringLiteral("SELECT * FROM api_keys")));
    QVERIFY(q.next());
    for (int i = 0; i < q.record().count(); ++i)
        QVERIFY2(!q.value(i).toString().contains(secret), qPrintable(q.record().fieldName(i)));
    const QString keyHash
        = text(f.sql(), QStringLiteral("SELECT key_hash FROM api_keys WHERE id = ?"), { created->key.id });
    QVERIFY(keyHash != secret);
    QCOMPARE(keyHash, QString::fromLatin1(crypto::sha256Hex(secret.toUtf8())));
    q.finish();

    // Listed without the secret.
    auto page = f.store().apiKeys().list(f.w.actorFor(admin), owner.id);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    const ApiKey& listed = page->items.at(0);
    QCOMPARE(listed.id, created->key.id);
    QCOMPARE(listed.prefix, created->key.prefix);
    QCOMPARE(listed.ownerEmail, owner.email);
    QCOMPARE(listed.scopes, nk.scopes);
    QVERIFY(!listed.revoked);
    QVERIFY(!listed.prefix.contains(secret) && !listed.name.contains(secret));

    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.created"), kSuccess, QString::number(created->key.id)), 1);
    QVERIFY(!allAuditText(f.sql()).contains(secret));
    QVERIFY(!allAuditText(f.sql()).contains(keyHash));

    // The owner may create a key for themself without naming themself; a plain user lacks the permission.
    QVERIFY_ERROR(f.store().apiKeys().create(f.w.actorFor(owner), nk), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.created"), kDenied), 1);
    NewApiKey own;
    own.name = QStringLiteral("mine");
    own.scopes = { QStringLiteral("admin:user:view") };
    auto mine = f.store().apiKeys().create(f.w.actorFor(admin), own);
    QVERIFY_RESULT(mine);
    QCOMPARE(mine->key.userId, admin.id);
}

void TestManagersMore::apiKeyVerify()
{
    auto f = Fixture::make();
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    NewApiKey nk;
    nk.name = QStringLiteral("reporting");
    nk.userId = owner.id;
    // A wildcard scope needs the owner to hold the wildcard: admins hold the chat codes one by one.
    nk.scopes = { QStringLiteral("admin:user:view"), QStringLiteral("chat:*") };
    auto wildcard = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_ERROR(wildcard, ErrorCode::Validation);
    QVERIFY(wildcard.error().fieldErrors.value(QStringLiteral("scopes")).contains(QStringLiteral("chat:*")));
    nk.scopes = { QStringLiteral("admin:user:view"), QStringLiteral("chat:create"), QStringLiteral("chat:export") };
    auto created = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(created);

    auto actor = f.store().apiKeys().verify(created->secret, QStringLiteral("198.51.100.4"),
                                            QStringLiteral("admin:user:view"));
    QVERIFY_RESULT(actor);
    QCOMPARE(actor->kind, Actor::Kind::ApiKey);
    QCOMPARE(actor->apiKeyId, created->key.id);
    QCOMPARE(actor->userId, owner.id);
    QCOMPARE(actor->organizationId, f.w.orgA.id);
    QCOMPARE(actor->email, owner.email);
    QCOMPARE(actor->level, int(Level::Admin));
    QCOMPARE(actor->ip, QStringLiteral("198.51.100.4"));
    QVERIFY(!actor->isSuperAdmin());
    QVERIFY(policy::hasPermission(actor->permissions, QStringLiteral("admin:user:view")));
    QVERIFY(policy::hasPermission(actor->permissions, QStringLiteral("chat:create")));
    QVERIFY(!policy::hasPermission(actor->permissions, QStringLiteral("admin:user:delete"))); // owner has, key lacks
    // last_used_at is written on first use, then at most once a minute.
    const QString lastUsed = QStringLiteral("SELECT last_used_at FROM api_keys WHERE id = ?");
    QVERIFY(!isNullValue(f.sql(), lastUsed, { created->key.id }));
    const qint64 recent = QDateTime::currentMSecsSinceEpoch() - 1000;
    execSql(f.sql(), QStringLiteral("UPDATE api_keys SET last_used_at = ? WHERE id = ?"), { recent, created->key.id });
    QVERIFY_RESULT(f.store().apiKeys().verify(created->secret));
    QCOMPARE(scalar(f.sql(), lastUsed, { created->key.id }), recent);
    execSql(f.sql(), QStringLiteral("UPDATE api_keys SET last_used_at = ? WHERE id = ?"),
            { recent - 5 * 60 * 1000, created->key.id });
    QVERIFY_RESULT(f.store().apiKeys().verify(created->secret));
    QVERIFY(scalar(f.sql(), lastUsed, { created->key.id }) > recent);

    // Within the scope; outside it refused with the scope named.
    QVERIFY_RESULT(f.store().apiKeys().verify(created->secret, {}, QStringLiteral("chat:export")));
    auto refused = f.store().apiKeys().verify(created->secret, {}, QStringLiteral("admin:user:delete"));
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QCOMPARE(refused.error().message, QStringLiteral("API key lacks scope admin:user:delete"));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.used"), kDenied, QString::number(created->key.id)), 1);

    // The key's actor is really limited: it cannot do what the owner could.
    QVERIFY_ERROR(f.store().sessions().list(*actor, {}), ErrorCode::Forbidden);

    // A super admin's key with a wildcard scope covers that prefix and nothing else.
    NewApiKey rootKey;
    rootKey.name = QStringLiteral("chat bot");
    rootKey.scopes = { QStringLiteral("chat:*") };
    auto root = f.store().apiKeys().create(f.w.superActor, rootKey);
    QVERIFY_RESULT(root);
    QCOMPARE(root->key.userId, f.w.superAdmin.id);
    auto rootActor = f.store().apiKeys().verify(root->secret, {}, QStringLiteral("chat:model:premium"));
    QVERIFY_RESULT(rootActor);
    QVERIFY(!rootActor->isSuperAdmin());
    QVERIFY(!policy::hasPermission(rootActor->permissions, QStringLiteral("admin:org:create")));
    QVERIFY_ERROR(f.store().apiKeys().verify(root->secret, {}, QStringLiteral("kb:search")), ErrorCode::Forbidden);
    NewOrganization keyCorp;
    keyCorp.name = QStringLiteral("Key Corp");
    QVERIFY_ERROR(f.store().organizations().create(*rootActor, keyCorp), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.created"), kDenied), 1);
}

void TestManagersMore::apiKeyVerifyRefusals()
{
    auto f = Fixture::make();
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    NewApiKey nk;
    nk.name = QStringLiteral("bot");
    nk.userId = owner.id;
    nk.scopes = { QStringLiteral("chat:create") };
    auto created = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(created);

    auto r = f.store().apiKeys().verify(QStringLiteral("not-a-key"));
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QCOMPARE(r.error().message, QStringLiteral("Malformed API key"));
    r = f.store().apiKeys().verify(crypto::newApiKey());
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QCOMPARE(r.error().message, QStringLiteral("Unknown API key"));

    // Expired.
    NewApiKey soon = nk;
    soon.name = QStringLiteral("short-lived");
    soon.expiresAt = QDateTime::currentDateTimeUtc().addSecs(3600);
    auto expiring = f.store().apiKeys().create(f.w.superActor, soon);
    QVERIFY_RESULT(expiring);
    QVERIFY_RESULT(f.store().apiKeys().verify(expiring->secret));
    execSql(f.sql(), QStringLiteral("UPDATE api_keys SET expires_at = ? WHERE id = ?"),
            { QDateTime::currentMSecsSinceEpoch() - 1000, expiring->key.id });
    r = f.store().apiKeys().verify(expiring->secret);
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QCOMPARE(r.error().message, QStringLiteral("API key expired"));

    // The owner is suspended.
    execSql(f.sql(), QStringLiteral("UPDATE users SET active = 0 WHERE id = ?"), { owner.id });
    QVERIFY_ERROR(f.store().apiKeys().verify(created->secret), ErrorCode::Unauthenticated);
    execSql(f.sql(), QStringLiteral("UPDATE users SET active = 1 WHERE id = ?"), { owner.id });
    QVERIFY_RESULT(f.store().apiKeys().verify(created->secret));

    // Revoked.
    QVERIFY_RESULT(f.store().apiKeys().revoke(f.w.superActor, created->key.id));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.revoked"), kSuccess, QString::number(created->key.id)), 1);
    r = f.store().apiKeys().verify(created->secret);
    QVERIFY_ERROR(r, ErrorCode::Unauthenticated);
    QCOMPARE(r.error().message, QStringLiteral("API key revoked"));
    auto page = f.store().apiKeys().list(f.w.superActor, owner.id);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 2);
    QVERIFY(page->items.at(1).revoked);
    QVERIFY(!page->items.at(0).revoked);

    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.used"), kDenied), 3); // expired, suspended, revoked
}

void TestManagersMore::apiKeyIpAllowlist()
{
    auto f = Fixture::make();
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    NewApiKey nk;
    nk.name = QStringLiteral("office only");
    nk.userId = owner.id;
    nk.scopes = { QStringLiteral("kb:search") };
    nk.ipAllowlist = { QStringLiteral("10.0.0.0/8"), QStringLiteral("192.168.1.5"), QStringLiteral("2001:db8::/32") };
    auto created = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(created);
    QCOMPARE(created->key.ipAllowlist, nk.ipAllowlist);

    for (const char* ip : { "10.1.2.3", "192.168.1.5", "::ffff:10.9.8.7", "2001:db8:1::1" })
        QVERIFY2(f.store().apiKeys().verify(created->secret, QString::fromLatin1(ip)).ok(), ip);
    for (const char* ip : { "192.168.1.6", "172.16.0.1", "2001:db9::1", "" }) {
        auto r = f.store().apiKeys().verify(created->secret, QString::fromLatin1(ip));
        QVERIFY_ERROR(r, ErrorCode::Forbidden);
        QVERIFY(r.error().message.startsWith(QStringLiteral("API key not allowed from")));
    }
    QCOMPARE(f.store().apiKeys().verify(created->secret, QStringLiteral("172.16.0.1")).error().message,
             QStringLiteral("API key not allowed from 172.16.0.1"));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.used"), kDenied), 5);
}

void TestManagersMore::apiKeyCreateValidation()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const Actor adminActor = f.w.actorFor(admin);
    NewApiKey good;
    good.name = QStringLiteral("ok");
    good.userId = owner.id;
    good.scopes = { QStringLiteral("chat:create") };

    // A scope the owner does not hold, named in the error.
    NewApiKey bad = good;
    bad.scopes = { QStringLiteral("chat:create"), QStringLiteral("admin:user:view") };
    auto r = f.store().apiKeys().create(adminActor, bad);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.value(QStringLiteral("scopes")).contains(QStringLiteral("admin:user:view")));

    bad = good;
    bad.scopes = { QStringLiteral("nonsense:thing") };
    r = f.store().apiKeys().create(f.w.superActor, bad);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("scopes")));

    bad = good;
    bad.name = QStringLiteral("  ");
    bad.rateLimitPerMinute = 0;
    bad.ipAllowlist = { QStringLiteral("10.0.0.300") };
    bad.expiresAt = QDateTime::currentDateTimeUtc().addSecs(-60);
    r = f.store().apiKeys().create(adminActor, bad);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    for (const char* field : { "name", "rate_limit_per_minute", "ip_allowlist", "expires_at" })
        QVERIFY2(r.error().fieldErrors.contains(QString::fromLatin1(field)), field);

    bad = good;
    bad.rateLimitPerMinute = 100001;
    bad.ipAllowlist = { QStringLiteral("10.0.0.0/33") };
    r = f.store().apiKeys().create(adminActor, bad);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("rate_limit_per_minute")));
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("ip_allowlist")));

    // An admin cannot make keys for a super admin (level).
    NewApiKey forRoot = good;
    forRoot.userId = f.w.superAdmin.id;
    QVERIFY_ERROR(f.store().apiKeys().create(adminActor, forRoot), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.created"), kDenied), 1);

    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM api_keys")), 0);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.created"), kSuccess), 0);
    QVERIFY_RESULT(f.store().apiKeys().create(adminActor, good));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.created"), kSuccess), 1);
}

void TestManagersMore::apiKeyCrossTenantDenied()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User a1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    NewApiKey nk;
    nk.name = QStringLiteral("k");
    nk.scopes = { QStringLiteral("chat:create") };
    nk.userId = a1.id;
    auto keyA = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(keyA);
    nk.userId = b1.id;
    auto keyB = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(keyB);
    const Actor actorA = f.w.actorFor(adminA);

    auto page = f.store().apiKeys().list(actorA);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->items.at(0).id, keyA->key.id);

    QVERIFY_ERROR(f.store().apiKeys().list(actorA, b1.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.listed"), kDenied), 1);
    QVERIFY_ERROR(f.store().apiKeys().revoke(actorA, keyB->key.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.revoked"), kDenied, QString::number(keyB->key.id)), 1);
    nk.userId = b1.id;
    QVERIFY_ERROR(f.store().apiKeys().create(actorA, nk), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.created"), kDenied), 1);
    QVERIFY_RESULT(f.store().apiKeys().verify(keyB->secret));

    page = f.store().apiKeys().list(f.w.superActor);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 2);
    QVERIFY_RESULT(f.store().apiKeys().revoke(f.w.superActor, keyB->key.id));
    QVERIFY_ERROR(f.store().apiKeys().verify(keyB->secret), ErrorCode::Unauthenticated);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.revoked"), kSuccess, QString::number(keyB->key.id)), 1);
}

// --- organizations ---------------------------------------------------------------------------

void TestManagersMore::organizationCreate()
{
    auto f = Fixture::make();
    NewOrganization no;
    no.name = QStringLiteral("Initech Labs");
    no.maxUsers = 20;
    no.features = { QStringLiteral("sso"), QStringLiteral(" sso "), QStringLiteral("chat") };
    auto created = f.store().organizations().create(f.w.superActor, no);
    QVERIFY_RESULT(created);
    QCOMPARE(created->slug, QStringLiteral("initech-labs"));
    QCOMPARE(created->maxUsers, 20);
    QCOMPARE(created->features, QStringList({ QStringLiteral("sso"), QStringLiteral("chat") }));
    QVERIFY(created->active);
    QCOMPARE(created->userCount, 0);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.created"), kSuccess, QString::number(created->id)), 1);

    QVERIFY_ERROR(f.store().organizations().create(f.w.superActor, no), ErrorCode::Conflict); // same slug

    NewOrganization bad;
    bad.name = QString();
    bad.maxUsers = 0;
    auto r = f.store().organizations().create(f.w.superActor, bad);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("name")));
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("max_users")));
    bad.name = QStringLiteral("Fine");
    bad.slug = QStringLiteral("Not A Slug");
    bad.maxUsers = 3;
    r = f.store().organizations().create(f.w.superActor, bad);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("slug")));

    // Admins cannot create organizations.
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    no.name = QStringLiteral("Shadow Corp");
    QVERIFY_ERROR(f.store().organizations().create(f.w.actorFor(admin), no), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.created"), kDenied), 1);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM organizations")), 3);
}

void TestManagersMore::organizationGetListUpdate()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const Actor actorA = f.w.actorFor(adminA);

    auto own = f.store().organizations().get(actorA, f.w.orgA.id);
    QVERIFY_RESULT(own);
    QCOMPARE(own->slug, QStringLiteral("acme"));
    QCOMPARE(own->userCount, 2); // root and the admin
    QVERIFY_ERROR(f.store().organizations().get(actorA, f.w.orgB.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.viewed"), kDenied, QString::number(f.w.orgB.id)), 1);

    auto listed = f.store().organizations().list(actorA);
    QVERIFY_RESULT(listed);
    QCOMPARE(listed->size(), 1);
    QCOMPARE(listed->at(0).id, f.w.orgA.id);
    listed = f.store().organizations().list(f.w.superActor);
    QVERIFY_RESULT(listed);
    QCOMPARE(listed->size(), 2);

    // Admins rename their own organization, but not its plan, and nothing of another one.
    OrganizationUpdate rename;
    rename.name = QStringLiteral("Acme Corporation");
    auto updated = f.store().organizations().update(actorA, f.w.orgA.id, rename);
    QVERIFY_RESULT(updated);
    QCOMPARE(updated->name, QStringLiteral("Acme Corporation"));
    QCOMPARE(updated->slug, QStringLiteral("acme"));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.updated"), kSuccess, QString::number(f.w.orgA.id)), 1);
    const QJsonObject changes
        = auditDetails(f.sql(), QStringLiteral("org.updated")).value(QStringLiteral("changes")).toObject();
    QCOMPARE(changes.value(QStringLiteral("name")).toObject().value(QStringLiteral("to")).toString(),
             QStringLiteral("Acme Corporation"));

    OrganizationUpdate limit;
    limit.maxUsers = 5000;
    QVERIFY_ERROR(f.store().organizations().update(actorA, f.w.orgA.id, limit), ErrorCode::Forbidden);
    QVERIFY_ERROR(f.store().organizations().update(actorA, f.w.orgB.id, rename), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.updated"), kDenied), 2);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT max_users FROM organizations WHERE id = ?"), { f.w.orgA.id }), 50);

    OrganizationUpdate plan;
    plan.plan = QStringLiteral("enterprise");
    plan.maxUsers = 5000;
    updated = f.store().organizations().update(f.w.superActor, f.w.orgB.id, plan);
    QVERIFY_RESULT(updated);
    QCOMPARE(updated->plan, QStringLiteral("enterprise"));
    QCOMPARE(updated->maxUsers, 5000);
    plan.maxUsers = 0;
    auto r = f.store().organizations().update(f.w.superActor, f.w.orgB.id, plan);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("max_users")));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.updated"), kSuccess), 2);
}

void TestManagersMore::organizationSuspend()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const TestSession sb = insertSession(f.sql(), b1, Hour);

    QVERIFY_ERROR(f.store().organizations().suspend(f.w.actorFor(adminA), f.w.orgB.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.suspended"), kDenied), 1);
    QVERIFY_ERROR(f.store().organizations().suspend(f.w.superActor, f.w.orgA.id), ErrorCode::Forbidden); // own org
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.suspended"), kDenied), 2);

    auto suspended = f.store().organizations().suspend(f.w.superActor, f.w.orgB.id);
    QVERIFY_RESULT(suspended);
    QVERIFY(!suspended->active);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.suspended"), kSuccess, QString::number(f.w.orgB.id)), 1);
    QVERIFY_ERROR(f.store().sessions().authenticate(sb.token), ErrorCode::Unauthenticated);

    auto back = f.store().organizations().unsuspend(f.w.superActor, f.w.orgB.id);
    QVERIFY_RESULT(back);
    QVERIFY(back->active);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.unsuspended"), kSuccess, QString::number(f.w.orgB.id)), 1);
    QVERIFY_RESULT(f.store().sessions().authenticate(sb.token));
}

void TestManagersMore::organizationWipeOut()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    const User b2 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    insertSession(f.sql(), b2, Hour);
    NewApiKey nk;
    nk.name = QStringLiteral("k");
    nk.userId = b2.id;
    nk.scopes = { QStringLiteral("chat:create") };
    auto key = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(key);
    QVERIFY_RESULT(f.store().organizations().invite(f.w.actorFor(b1), f.w.orgB.id, QStringLiteral("new@example.test"),
                                                    QStringLiteral("user")));
    QVERIFY_ERROR(f.store().organizations().wipeOut(f.w.actorFor(adminA), f.w.orgB.id, QStringLiteral("globex")),
                  ErrorCode::NotFound);
    QVERIFY_ERROR(f.store().organizations().wipeOut(f.w.superActor, f.w.orgA.id, QStringLiteral("acme")),
                  ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.wiped_out"), kDenied), 2);

    auto r = f.store().organizations().wipeOut(f.w.superActor, f.w.orgB.id, QStringLiteral("globexx"));
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("confirm")));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = ?"), { f.w.orgB.id }),
             2);

    const qint64 eventsOfB = scalar(
        f.sql(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE organization_id = ?"), { f.w.orgB.id });
    QVERIFY(eventsOfB >= 5); // created, two users, a key, an invitation, a denial
    QVERIFY_RESULT(f.store().organizations().wipeOut(f.w.superActor, f.w.orgB.id, QStringLiteral("globex")));
    for (const char* table : { "users", "sessions", "api_keys", "invitations" })
        QCOMPARE(scalar(f.sql(),
                        QStringLiteral("SELECT COUNT(*) FROM ") + QLatin1String(table)
                            + QStringLiteral(" WHERE organization_id = ?"),
                        { f.w.orgB.id }),
                 0);
    QVERIFY_ERROR(f.store().organizations().get(f.w.superActor, f.w.orgB.id), ErrorCode::NotFound);
    QVERIFY_ERROR(f.store().apiKeys().verify(key->secret), ErrorCode::Unauthenticated);
    // Organization A is untouched.
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = ?"), { f.w.orgA.id }),
             2);

    // The audit trail of the organization stays, plus the wipe-out itself.
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.wiped_out"), kSuccess, QString::number(f.w.orgB.id)), 1);
    QCOMPARE(auditDetails(f.sql(), QStringLiteral("org.wiped_out")).value(QStringLiteral("users")).toInt(), 2);
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE organization_id = ?"), { f.w.orgB.id }),
        eventsOfB + 1);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("org.created"), kSuccess, QString::number(f.w.orgB.id)), 1);
    QVERIFY(f.store().audit().verifyChain().ok);
}

void TestManagersMore::invitationCreateAndAccept()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    auto invited = f.store().organizations().invite(
        f.w.actorFor(adminA), f.w.orgA.id, QStringLiteral("  New.Person@Example.TEST "), QStringLiteral("power_user"));
    QVERIFY_RESULT(invited);
    QVERIFY(invited->token.size() >= 40);
    QCOMPARE(invited->invitation.email, QStringLiteral("new.person@example.test"));
    QCOMPARE(invited->invitation.status(), QStringLiteral("pending"));
    const qint64 days = QDateTime::currentDateTimeUtc().daysTo(invited->invitation.expiresAt);
    QVERIFY(days >= 6 && days <= 7);
    QCOMPARE(
        text(f.sql(), QStringLiteral("SELECT token_hash FROM invitations WHERE id = ?"), { invited->invitation.id }),
        QString::fromLatin1(crypto::sha256Hex(invited->token.toUtf8())));
    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.created"), kSuccess, QString::number(invited->invitation.id)),
        1);

    auto listed = f.store().organizations().invitations(f.w.actorFor(adminA), 0);
    QVERIFY_RESULT(listed);
    QCOMPARE(listed->size(), 1);
    QCOMPARE(listed->at(0).roleCode, QStringLiteral("power_user"));
    QCOMPARE(listed->at(0).invitedBy, adminA.id);

    // A weak password is refused and the invitation stays usable.
    auto r = f.store().organizations().acceptInvitation(invited->token, QStringLiteral("newperson"),
                                                        QStringLiteral("New Person"), QStringLiteral("weak"));
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("password")));

    auto user = f.store().organizations().acceptInvitation(invited->token, QStringLiteral("newperson"),
                                                           QStringLiteral("New Person"), kStrongPassword,
                                                           QStringLiteral("203.0.113.9"));
    QVERIFY_RESULT(user);
    QCOMPARE(user->email, QStringLiteral("new.person@example.test"));
    QCOMPARE(user->username, QStringLiteral("newperson"));
    QCOMPARE(user->organizationId, f.w.orgA.id);
    QVERIFY(user->verified);
    QCOMPARE(user->roleCodes, QStringList { QStringLiteral("power_user") });
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT assigned_by FROM user_roles WHERE user_id = ?"), { user->id }),
             adminA.id);
    QVERIFY(crypto::verifyPassword(
        kStrongPassword, text(f.sql(), QStringLiteral("SELECT password_hash FROM users WHERE id = ?"), { user->id })));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT accepted_user_id FROM invitations WHERE id = ?"),
                    { invited->invitation.id }),
             user->id);

    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.accepted"), kSuccess, QString::number(invited->invitation.id)),
        1);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT actor_label FROM audit_events WHERE action = 'invitation.accepted'")),
             user->email);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT ip FROM audit_events WHERE action = 'invitation.accepted'")),
             QStringLiteral("203.0.113.9"));
    QVERIFY(!allAuditText(f.sql()).contains(invited->token));

    // Used once; the new account can sign in.
    r = f.store().organizations().acceptInvitation(invited->token, QStringLiteral("another"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    auto login = f.store().auth().login(user->email, kStrongPassword);
    QVERIFY_RESULT(login);
    QCOMPARE(login->actor.userId, user->id);

    listed = f.store().organizations().invitations(f.w.actorFor(adminA), f.w.orgA.id);
    QVERIFY_RESULT(listed);
    QCOMPARE(listed->at(0).status(), QStringLiteral("accepted"));
}

void TestManagersMore::invitationDenials()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User plain = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const Actor actorA = f.w.actorFor(adminA);
    auto& orgs = f.store().organizations();

    // Not at or above one's own level.
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("admin")),
                  ErrorCode::Forbidden);
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("super_admin")),
                  ErrorCode::Forbidden);
    // Not into another organization; not without the permission.
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgB.id, QStringLiteral("x@example.test"), QStringLiteral("user")),
                  ErrorCode::NotFound);
    QVERIFY_ERROR(
        orgs.invite(f.w.actorFor(plain), f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("user")),
        ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.created"), kDenied), 4);
    QVERIFY_ERROR(orgs.invitations(actorA, f.w.orgB.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.listed"), kDenied), 1);

    // Bad input.
    auto r = orgs.invite(actorA, f.w.orgA.id, QStringLiteral("not-an-email"), QStringLiteral("user"));
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("email")));
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, plain.email, QStringLiteral("user")), ErrorCode::Conflict);
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("no_such_role")),
                  ErrorCode::NotFound);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM invitations")), 0);

    // Revoking: another tenant's admin cannot.
    auto invited = orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(invited);
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("user")),
                  ErrorCode::Conflict); // already pending
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    QVERIFY_ERROR(orgs.revokeInvitation(f.w.actorFor(adminB), invited->invitation.id), ErrorCode::NotFound);
    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.revoked"), kDenied, QString::number(invited->invitation.id)), 1);
    QVERIFY_RESULT(orgs.revokeInvitation(actorA, invited->invitation.id));
    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.revoked"), kSuccess, QString::number(invited->invitation.id)),
        1);
}

void TestManagersMore::invitationPlanLimit()
{
    auto f = Fixture::make();
    // Globex allows 5 users: an admin and two users leave room for two invitations.
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const Actor actorB = f.w.actorFor(adminB);
    auto& orgs = f.store().organizations();
    auto first = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("one@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(first);
    auto second = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("two@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(second);

    auto full = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("three@example.test"), QStringLiteral("user"));
    QVERIFY_ERROR(full, ErrorCode::Validation);
    QVERIFY(full.error().fieldErrors.contains(QStringLiteral("email")));
    QVERIFY2(full.error().message.contains(QStringLiteral("5")), qPrintable(full.error().message));
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM invitations WHERE organization_id = ?"), { f.w.orgB.id }),
        2);

    // A revoked invitation frees its seat.
    QVERIFY_RESULT(orgs.revokeInvitation(actorB, second->invitation.id));
    auto third = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("three@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(third);

    // Accepting re-checks the limit against the users that exist by then.
    OrganizationUpdate smaller;
    smaller.maxUsers = 3;
    QVERIFY_RESULT(orgs.update(f.w.superActor, f.w.orgB.id, smaller));
    auto refused = orgs.acceptInvitation(first->token, QStringLiteral("one_user"), {}, kStrongPassword);
    QVERIFY_ERROR(refused, ErrorCode::Conflict);
    QVERIFY2(refused.error().message.contains(QStringLiteral("3")), qPrintable(refused.error().message));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = ?"), { f.w.orgB.id }),
             3);

    smaller.maxUsers = 4;
    QVERIFY_RESULT(orgs.update(f.w.superActor, f.w.orgB.id, smaller));
    QVERIFY_RESULT(orgs.acceptInvitation(first->token, QStringLiteral("one_user"), {}, kStrongPassword));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = ?"), { f.w.orgB.id }),
             4);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.accepted"), kSuccess), 1);
}

void TestManagersMore::invitationTokenRefusals()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const Actor actorA = f.w.actorFor(adminA);
    auto& orgs = f.store().organizations();

    QVERIFY_ERROR(orgs.acceptInvitation(crypto::randomToken(32), QStringLiteral("nobody"), {}, kStrongPassword),
                  ErrorCode::NotFound);

    auto revoked = orgs.invite(actorA, 0, QStringLiteral("r@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(revoked);
    QVERIFY_RESULT(orgs.revokeInvitation(actorA, revoked->invitation.id));
    auto r = orgs.acceptInvitation(revoked->token, QStringLiteral("revokeduser"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("revoked")));

    auto expired = orgs.invite(actorA, 0, QStringLiteral("e@example.test"), QStringLiteral("user"), 1);
    QVERIFY_RESULT(expired);
    execSql(f.sql(), QStringLiteral("UPDATE invitations SET expires_at = ? WHERE id = ?"),
            { QDateTime::currentMSecsSinceEpoch() - 1000, expired->invitation.id });
    r = orgs.acceptInvitation(expired->token, QStringLiteral("expireduser"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("expired")));

    auto used = orgs.invite(actorA, 0, QStringLiteral("u@example.test"), QStringLiteral("viewer"));
    QVERIFY_RESULT(used);
    QVERIFY_RESULT(orgs.acceptInvitation(used->token, QStringLiteral("useduser"), {}, kStrongPassword));
    r = orgs.acceptInvitation(used->token, QStringLiteral("useduser2"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("already used")));

    QCOMPARE(scalar(f.sql(),
                    QStringLiteral("SELECT COUNT(*) FROM users WHERE email IN ('r@example.test', "
                                   "'e@example.test', 'u@example.test')")),
             1);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.accepted"), kSuccess), 1);
}

// --- tokens ----------------------------------------------------------------------------------

void TestManagersMore::passwordResetTokenSingleUse()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const TestSession s = insertSession(f.sql(), u1, Hour);
    execSql(f.sql(), QStringLiteral("UPDATE users SET failed_logins = 3, locked_until = ? WHERE id = ?"),
            { QDateTime::currentMSecsSinceEpoch() + Hour, u1.id });

    QVERIFY_ERROR(f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), b1.id), ErrorCode::NotFound);
    QVERIFY_ERROR(f.store().tokens().issuePasswordReset(f.w.actorFor(u1), adminA.id), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("token.reset_issued"), kDenied), 2);

    auto older = f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(older);
    auto token = f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(token);
    QVERIFY(*token != *older);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("token.reset_issued"), kSuccess, QString::number(u1.id)), 2);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM one_time_tokens WHERE token_hash = ?"),
                    { QString::fromLatin1(crypto::sha256Hex(token->toUtf8())) }),
             1);
    QVERIFY(!allAuditText(f.sql()).contains(*token));

    // The newest link replaces the older one.
    QVERIFY_ERROR(f.store().tokens().resetPassword(*older, QStringLiteral("Another-Good-Pass-77")),
                  ErrorCode::NotFound);
    // A weak password does not burn the link.
    auto r = f.store().tokens().resetPassword(*token, QStringLiteral("short"));
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("password")));

    const qint64 version = scalar(f.sql(), QStringLiteral("SELECT version FROM users WHERE id = ?"), { u1.id });
    const QString newPassword = QStringLiteral("Brand-New-Secret-99");
    QVERIFY_RESULT(f.store().tokens().resetPassword(*token, newPassword, QStringLiteral("203.0.113.1")));
    QVERIFY(crypto::verifyPassword(
        newPassword, text(f.sql(), QStringLiteral("SELECT password_hash FROM users WHERE id = ?"), { u1.id })));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT version FROM users WHERE id = ?"), { u1.id }), version + 1);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT failed_logins FROM users WHERE id = ?"), { u1.id }), 0);
    QVERIFY(isNullValue(f.sql(), QStringLiteral("SELECT locked_until FROM users WHERE id = ?"), { u1.id }));
    QVERIFY_ERROR(f.store().sessions().authenticate(s.token), ErrorCode::Unauthenticated);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.password_reset"), kSuccess, QString::number(u1.id)), 1);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT actor_label FROM audit_events WHERE action = 'user.password_reset'")),
             u1.email);

    // Single use.
    r = f.store().tokens().resetPassword(*token, QStringLiteral("Yet-Another-Pass-11"));
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(crypto::verifyPassword(
        newPassword, text(f.sql(), QStringLiteral("SELECT password_hash FROM users WHERE id = ?"), { u1.id })));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.password_reset"), kSuccess), 1);

    // Expired.
    auto late = f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(late);
    execSql(f.sql(), QStringLiteral("UPDATE one_time_tokens SET expires_at = ? WHERE token_hash = ?"),
            { QDateTime::currentMSecsSinceEpoch() - 1000, QString::fromLatin1(crypto::sha256Hex(late->toUtf8())) });
    r = f.store().tokens().resetPassword(*late, QStringLiteral("Yet-Another-Pass-11"));
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("expired")));
}

void TestManagersMore::verificationToken()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY(!u1.verified);

    auto token = f.store().tokens().issueVerification(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(token);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("token.verification_issued"), kSuccess, QString::number(u1.id)), 1);
    // A verification token is no reset token.
    QVERIFY_ERROR(f.store().tokens().resetPassword(*token, QStringLiteral("Brand-New-Secret-99")), ErrorCode::NotFound);

    QVERIFY_RESULT(f.store().tokens().verifyEmail(*token));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT verified FROM users WHERE id = ?"), { u1.id }), 1);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.verified"), kSuccess, QString::number(u1.id)), 1);
    QVERIFY_ERROR(f.store().tokens().verifyEmail(*token), ErrorCode::Conflict);
    QVERIFY_ERROR(f.store().tokens().issueVerification(f.w.actorFor(adminA), u1.id), ErrorCode::Conflict);
    QVERIFY_ERROR(f.store().tokens().verifyEmail(QString()), ErrorCode::NotFound);
}

// --- stats -----------------------------------------------------------------------------------

void TestManagersMore::statsMatchTheData()
{
    auto f = Fixture::make();
    NewOrganization no;
    no.name = QStringLiteral("Stats Org");
    auto org = f.store().organizations().create(f.w.superActor, no);
    QVERIFY_RESULT(org);
    const User admin = f.w.makeUser(org->id, QStringLiteral("admin"));
    const User active1 = f.w.makeUser(org->id, QStringLiteral("user"));
    const User suspended = f.w.makeUser(org->id, QStringLiteral("user"));
    const User banned = f.w.makeUser(org->id, QStringLiteral("user"));
    const User banOver = f.w.makeUser(org->id, QStringLiteral("user"));
    const User deleted = f.w.makeUser(org->id, QStringLiteral("user"));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    execSql(f.sql(), QStringLiteral("UPDATE users SET active = 0 WHERE id = ?"), { suspended.id });
    execSql(f.sql(), QStringLiteral("UPDATE users SET ban_reason = 'abuse' WHERE id = ?"), { banned.id });
    execSql(f.sql(), QStringLiteral("UPDATE users SET ban_reason = 'old', ban_expires_at = ? WHERE id = ?"),
            { now - Hour, banOver.id });
    execSql(f.sql(), QStringLiteral("UPDATE users SET deleted = 1 WHERE id = ?"), { deleted.id });

    insertSession(f.sql(), admin, Hour);
    insertSession(f.sql(), active1, Hour);
    insertSession(f.sql(), active1, Hour, true);
    insertSession(f.sql(), active1, -Hour);
    insertSession(f.sql(), f.w.superAdmin, Hour); // another organization

    NewApiKey nk;
    nk.name = QStringLiteral("k");
    nk.userId = active1.id;
    nk.scopes = { QStringLiteral("chat:create") };
    QVERIFY_RESULT(f.store().apiKeys().create(f.w.superActor, nk));
    auto revoked = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(revoked);
    QVERIFY_RESULT(f.store().apiKeys().revoke(f.w.superActor, revoked->key.id));
    nk.expiresAt = QDateTime::currentDateTimeUtc().addSecs(60);
    auto expired = f.store().apiKeys().create(f.w.superActor, nk);
    QVERIFY_RESULT(expired);
    execSql(f.sql(), QStringLiteral("UPDATE api_keys SET expires_at = ? WHERE id = ?"),
            { now - 1000, expired->key.id });
    nk.userId = admin.id;
    QVERIFY_RESULT(f.store().apiKeys().create(f.w.superActor, nk));

    const Actor adminActor = f.w.actorFor(admin);
    auto stats = f.store().stats().get(adminActor);
    QVERIFY_RESULT(stats);
    QCOMPARE(stats->usersTotal, 5); // the deleted one does not count
    QCOMPARE(stats->usersActive, 3); // admin, active1, the one whose ban ran out
    QCOMPARE(stats->usersBanned, 1);
    QCOMPARE(stats->usersSuspended, 1);
    QCOMPARE(stats->sessionsActive, 2);
    QCOMPARE(stats->apiKeysActive, 2);
    const qint64 eventsOfOrg
        = scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE organization_id = ?"), { org->id });
    QVERIFY(eventsOfOrg >= 5);
    QCOMPARE(stats->eventsLast24h, eventsOfOrg);

    // The same numbers when the organization is named explicitly.
    auto named = f.store().stats().get(adminActor, org->id);
    QVERIFY_RESULT(named);
    QCOMPARE(named->usersTotal, 5);

    // Another organization's numbers are the super admin's to see.
    QVERIFY_ERROR(f.store().stats().get(adminActor, f.w.orgA.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("stats.viewed"), kDenied), 1);
    QVERIFY_ERROR(f.store().stats().get(f.w.actorFor(active1)), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("stats.viewed"), kDenied), 2);

    auto everything = f.store().stats().get(f.w.superActor);
    QVERIFY_RESULT(everything);
    QCOMPARE(everything->usersTotal, scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0")));
    QCOMPARE(everything->sessionsActive, 3);
    QCOMPARE(everything->apiKeysActive, 2);
    QCOMPARE(everything->eventsLast24h, scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM audit_events")));
    auto ofA = f.store().stats().get(f.w.superActor, f.w.orgA.id);
    QVERIFY_RESULT(ofA);
    QCOMPARE(ofA->usersTotal, 1);
    QCOMPARE(ofA->sessionsActive, 1);
    QCOMPARE(ofA->apiKeysActive, 0);
}

QTEST_GUILESS_MAIN(TestManagersMore)
#include "tst_managers_more.moc"
