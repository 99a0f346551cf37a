// Sessions in the store: listing with filters and counts, revoking one, all but one and the expired ones,
// tenant isolation, impersonation by a super admin and its refusals, and the refusals of authenticate().
// Against a real database (SQLite, or PostgreSQL when PORTCULLIS_TEST_PG_URL is set); every state
// change and every denial is checked in the audit_events table as well.

#include "policy/policy.h"
#include "security/crypto.h"
#include "sql/store.h"
#include "storefixture.h"
#include "testutil.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

class TestSessionsStore : public QObject
{
    Q_OBJECT

private slots:
    void sessionListFiltersAndCounts();
    void sessionRevoke();
    void sessionRevokeAllExceptOne();
    void sessionPurgeExpired();
    void sessionCrossTenantDenied();
    void impersonationBySuperAdmin();
    void impersonationDenied();
    void impersonationNeedsReasonAndDuration();
    void authenticateRefusals();
};

void TestSessionsStore::sessionListFiltersAndCounts()
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

void TestSessionsStore::sessionRevoke()
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

void TestSessionsStore::sessionRevokeAllExceptOne()
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

void TestSessionsStore::sessionPurgeExpired()
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

void TestSessionsStore::sessionCrossTenantDenied()
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
    // The tenant filter (issue 16's switcher) names another tenant: refused and audited, not empty.
    SessionQuery inB;
    inB.organizationId = f.w.orgB.id;
    QVERIFY_ERROR(f.store().sessions().list(actorA, inB), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.listed"), kDenied), 2);
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
    QCOMPARE(denialsIn(f.w.orgA.id), 4);
    QCOMPARE(denialsIn(f.w.orgB.id), 0);

    // The super admin crosses tenants.
    auto page = f.store().sessions().list(f.w.superActor, ofB);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QVERIFY_RESULT(f.store().sessions().revoke(f.w.superActor, sb.id));
    QVERIFY_ERROR(f.store().sessions().authenticate(sb.token), ErrorCode::Unauthenticated);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("session.revoked"), kSuccess, QString::number(sb.id)), 1);
}

void TestSessionsStore::impersonationBySuperAdmin()
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

void TestSessionsStore::impersonationDenied()
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

void TestSessionsStore::impersonationNeedsReasonAndDuration()
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

void TestSessionsStore::authenticateRefusals()
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

QTEST_GUILESS_MAIN(TestSessionsStore)
#include "tst_sessions_store.moc"
