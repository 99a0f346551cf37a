// The dashboard's statistics from the store, checked against the rows they count.
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

class TestStats : public QObject
{
    Q_OBJECT

private slots:
    void statsMatchTheData();
};

void TestStats::statsMatchTheData()
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

QTEST_GUILESS_MAIN(TestStats)
#include "tst_stats.moc"
