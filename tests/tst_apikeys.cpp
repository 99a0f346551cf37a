// API keys in the store: the secret shown once, verification and its refusals, the IP allowlist,
// validation on create and tenant isolation.
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

class TestApiKeys : public QObject
{
    Q_OBJECT

private slots:
    void apiKeySecretShownOnce();
    void apiKeyVerify();
    void apiKeyVerifyRefusals();
    void apiKeyIpAllowlist();
    void apiKeyCreateValidation();
    void apiKeyCrossTenantDenied();
};

void TestApiKeys::apiKeySecretShownOnce()
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

void TestApiKeys::apiKeyVerify()
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

void TestApiKeys::apiKeyVerifyRefusals()
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

void TestApiKeys::apiKeyIpAllowlist()
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

void TestApiKeys::apiKeyCreateValidation()
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
    bad.rateLimitPerMinute = -1; // 0 is the deployment's default (api_key_rate_limit)
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

void TestApiKeys::apiKeyCrossTenantDenied()
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
    // The tenant filter (issue 16's switcher) names another tenant: refused and audited, not empty.
    ApiKeyQuery ofB;
    ofB.organizationId = f.w.orgB.id;
    QVERIFY_ERROR(f.store().apiKeys().list(actorA, ofB), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.listed"), kDenied), 2);
    // Another tenant's key pasted into the search, whole or by its prefix, finds nothing.
    for (const QString& pasted : { keyB->secret, keyB->key.prefix }) {
        ApiKeyQuery search;
        search.search = pasted;
        auto found = f.store().apiKeys().list(actorA, search);
        QVERIFY_RESULT(found);
        QCOMPARE(found->total, 0);
    }
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

QTEST_GUILESS_MAIN(TestApiKeys)
#include "tst_apikeys.moc"
