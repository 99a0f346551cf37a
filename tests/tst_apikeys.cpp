// API keys in the store: the secret shown once, verification and its refusals, the IP allowlist,
// validation on create and tenant isolation.
// Against a real database (SQLite, or PostgreSQL when PORTCULLIS_TEST_PG_URL is set); every state
// change and every denial is checked in the audit_events table as well.

#include "policy/catalog.h"
#include "policy/policy.h"
#include "security/crypto.h"
#include "sql/database.h"
#include "sql/store.h"
#include "storefixture.h"
#include "testutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSemaphore>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>
#include <QThread>

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
    // Issue 13: read one, edit, rotate. Attacker tests first.
    void apiKeyGetEditRotateCrossTenant();
    void apiKeyEditRefused_data();
    void apiKeyEditRefused();
    void apiKeyEditValidationAndAudit();
    void apiKeyRotateGrace();
    void apiKeyRotateAgainDropsOlderSecret();
    void apiKeyRevokedRefusesPreviousSecret();
    void apiKeyConcurrentRotations();
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

namespace {

CreatedApiKey makeKey(Fixture& f, const User& owner, const QStringList& scopes = { QStringLiteral("chat:create") })
{
    NewApiKey nk;
    nk.name = QStringLiteral("key of ") + owner.username;
    nk.userId = owner.id;
    nk.scopes = scopes;
    auto created = f.store().apiKeys().create(f.w.superActor, nk);
    if (!created)
        qFatal("cannot create a key: %s", qPrintable(created.error().toString()));
    return *created;
}

qint64 hourGrace()
{
    return 3600;
}

} // namespace

void TestApiKeys::apiKeyGetEditRotateCrossTenant()
{
    auto f = Fixture::make();
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    const User a1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const CreatedApiKey keyA = makeKey(f, a1);
    const Actor actorB = f.w.actorFor(adminB);
    const QString id = QString::number(keyA.key.id);

    // Another tenant's key reads exactly like a missing id, and each attempt is audited.
    auto got = f.store().apiKeys().get(actorB, keyA.key.id);
    QVERIFY_ERROR(got, ErrorCode::NotFound);
    auto missing = f.store().apiKeys().get(actorB, keyA.key.id + 1000);
    QVERIFY_ERROR(missing, ErrorCode::NotFound);
    QCOMPARE(got.error().message, QStringLiteral("No API key with id %1").arg(id));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.viewed"), kDenied, id), 1);

    ApiKeyUpdate widen;
    widen.name = QStringLiteral("taken over");
    QVERIFY_ERROR(f.store().apiKeys().update(actorB, keyA.key.id, widen), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.updated"), kDenied, id), 1);
    QVERIFY_ERROR(f.store().apiKeys().rotate(actorB, keyA.key.id, 0), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.rotated"), kDenied, id), 1);

    // Nothing changed: same name, same secret.
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT name FROM api_keys WHERE id = ?"), { keyA.key.id }), keyA.key.name);
    QVERIFY_RESULT(f.store().apiKeys().verify(keyA.secret));
    // The owner's tenant reads it.
    auto mine = f.store().apiKeys().get(f.w.actorFor(f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"))), keyA.key.id);
    QVERIFY_RESULT(mine);
    QCOMPARE(mine->prefix, keyA.key.prefix);
    QVERIFY(!mine->previousValidUntil.isValid());
}

void TestApiKeys::apiKeyEditRefused_data()
{
    QTest::addColumn<QString>("editorRole");
    QTest::addColumn<QString>("ownerRole");
    QTest::addColumn<QStringList>("scopes");
    QTest::addColumn<int>("expected"); // ErrorCode
    QTest::addColumn<QString>("deniedAction"); // audited denial, or empty

    const QStringList harmless { QStringLiteral("chat:create") };
    QTest::newRow("view-only user cannot edit") << QStringLiteral("key_viewer") << QStringLiteral("user") << harmless
                                                << int(ErrorCode::Forbidden) << QStringLiteral("api_key.updated");
    QTest::newRow("plain user cannot edit another's key")
        << QStringLiteral("user") << QStringLiteral("user") << harmless << int(ErrorCode::Forbidden)
        << QStringLiteral("api_key.updated");
    QTest::newRow("admin cannot edit a fellow admin's key (level)")
        << QStringLiteral("admin") << QStringLiteral("admin") << harmless << int(ErrorCode::Forbidden)
        << QStringLiteral("api_key.updated");
    QTest::newRow("admin cannot edit a super admin's key (level)")
        << QStringLiteral("admin") << QStringLiteral("super_admin") << harmless << int(ErrorCode::Forbidden)
        << QStringLiteral("api_key.updated");
    QTest::newRow("admin cannot raise scopes beyond the owner's permissions")
        << QStringLiteral("admin") << QStringLiteral("user")
        << QStringList { QStringLiteral("chat:create"), QStringLiteral("admin:user:delete") }
        << int(ErrorCode::Validation) << QString();
    QTest::newRow("team lead lacks admin:apikey:create")
        << QStringLiteral("team_lead") << QStringLiteral("user") << QStringList { QStringLiteral("admin:user:view") }
        << int(ErrorCode::Forbidden) << QStringLiteral("api_key.updated");
    QTest::newRow("admin cannot raise their own key beyond their level")
        << QStringLiteral("admin") << QStringLiteral("self") << QStringList { QStringLiteral("admin:system:config") }
        << int(ErrorCode::Validation) << QString();
    QTest::newRow("unknown scope") << QStringLiteral("admin") << QStringLiteral("user")
                                   << QStringList { QStringLiteral("nonsense:thing") } << int(ErrorCode::Validation)
                                   << QString();
}

void TestApiKeys::apiKeyEditRefused()
{
    QFETCH(QString, editorRole);
    QFETCH(QString, ownerRole);
    QFETCH(QStringList, scopes);
    QFETCH(int, expected);
    QFETCH(QString, deniedAction);

    auto f = Fixture::make();
    // A custom role that may only look at keys (admin:apikey:view).
    NewRole viewer;
    viewer.code = QStringLiteral("key_viewer");
    viewer.name = QStringLiteral("Key viewer");
    viewer.level = 30;
    viewer.permissions = { perm::ApiKeyView };
    QVERIFY_RESULT(f.store().roles().create(f.w.superActor, viewer));

    const User editor = f.w.makeUser(f.w.orgA.id, editorRole);
    const User owner = ownerRole == QLatin1String("super_admin") ? f.w.superAdmin
        : ownerRole == QLatin1String("self")                     ? editor
                                                                 : f.w.makeUser(f.w.orgA.id, ownerRole);
    const CreatedApiKey key = makeKey(f, owner);
    const Actor actor = f.w.actorFor(editor);
    const QString id = QString::number(key.key.id);

    ApiKeyUpdate update;
    update.scopes = scopes;
    update.name = QStringLiteral("renamed");
    auto r = f.store().apiKeys().update(actor, key.key.id, update);
    QVERIFY_ERROR(r, ErrorCode(expected));
    if (ErrorCode(expected) == ErrorCode::Validation)
        QVERIFY(r.error().fieldErrors.contains(QStringLiteral("scopes")));
    if (!deniedAction.isEmpty()) {
        QCOMPARE(auditCount(f.sql(), deniedAction, kDenied, id), 1);
        // Whoever may not edit may not rotate either.
        QVERIFY_ERROR(f.store().apiKeys().rotate(actor, key.key.id, hourGrace()), ErrorCode::Forbidden);
        QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.rotated"), kDenied, id), 1);
    }
    // Nothing changed.
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT name FROM api_keys WHERE id = ?"), { key.key.id }), key.key.name);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.updated"), kSuccess), 0);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.rotated"), kSuccess), 0);
    QVERIFY_RESULT(f.store().apiKeys().verify(key.secret));
}

void TestApiKeys::apiKeyEditValidationAndAudit()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("team_lead"));
    const CreatedApiKey key = makeKey(f, owner);
    const Actor actor = f.w.actorFor(admin);

    // The rules of create, every problem at once.
    ApiKeyUpdate bad;
    bad.name = QStringLiteral("  ");
    bad.rateLimitPerMinute = 0;
    bad.ipAllowlist = QStringList { QStringLiteral("10.0.0.0/33") };
    bad.expiresAt = QDateTime::currentDateTimeUtc().addSecs(-60);
    auto r = f.store().apiKeys().update(actor, key.key.id, bad);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    for (const char* field : { "name", "rate_limit_per_minute", "ip_allowlist", "expires_at" })
        QVERIFY2(r.error().fieldErrors.contains(QString::fromLatin1(field)), field);

    // A good edit: what changed, old -> new, in the audit; the secret stays.
    ApiKeyUpdate good;
    good.name = QStringLiteral("nightly export");
    good.scopes = QStringList { QStringLiteral("chat:create"), QStringLiteral("chat:export") };
    good.rateLimitPerMinute = 120;
    good.ipAllowlist = QStringList { QStringLiteral("10.0.0.0/8"), QStringLiteral("2001:db8::1") };
    const QDateTime expiry = QDateTime::currentDateTimeUtc().addDays(30);
    good.expiresAt = expiry;
    auto edited = f.store().apiKeys().update(actor, key.key.id, good);
    QVERIFY_RESULT(edited);
    QCOMPARE(edited->name, *good.name);
    QCOMPARE(edited->scopes, *good.scopes);
    QCOMPARE(edited->rateLimitPerMinute, 120);
    QCOMPARE(edited->ipAllowlist, *good.ipAllowlist);
    auto reread = f.store().apiKeys().get(actor, key.key.id);
    QVERIFY_RESULT(reread);
    QCOMPARE(reread->name, *good.name);
    QCOMPARE(reread->scopes, *good.scopes);
    QCOMPARE(reread->expiresAt.toMSecsSinceEpoch(), expiry.toMSecsSinceEpoch());
    QCOMPARE(reread->prefix, key.key.prefix);
    QVERIFY_RESULT(f.store().apiKeys().verify(key.secret, QStringLiteral("10.1.2.3")));
    QVERIFY_ERROR(f.store().apiKeys().verify(key.secret, QStringLiteral("192.0.2.1")), ErrorCode::Forbidden);

    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.updated"), kSuccess, QString::number(key.key.id)), 1);
    const QJsonObject changes
        = auditDetails(f.sql(), QStringLiteral("api_key.updated")).value(QStringLiteral("changes")).toObject();
    QCOMPARE(changes.value(QStringLiteral("name")).toObject().value(QStringLiteral("old")).toString(), key.key.name);
    QCOMPARE(changes.value(QStringLiteral("name")).toObject().value(QStringLiteral("new")).toString(), *good.name);
    QCOMPARE(changes.value(QStringLiteral("rate_limit_per_minute")).toObject().value(QStringLiteral("old")).toInt(),
             60);
    QVERIFY(changes.value(QStringLiteral("expires_at")).toObject().value(QStringLiteral("old")).isNull());
    QCOMPARE(changes.value(QStringLiteral("scopes")).toObject().value(QStringLiteral("new")).toArray().size(), 2);
    QVERIFY(!allAuditText(f.sql()).contains(key.secret));

    // The same values again: nothing to write, nothing audited. Clearing the expiry is a change.
    QVERIFY_RESULT(f.store().apiKeys().update(actor, key.key.id, good));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.updated"), kSuccess), 1);
    ApiKeyUpdate never;
    never.expiresAt = QDateTime();
    auto cleared = f.store().apiKeys().update(actor, key.key.id, never);
    QVERIFY_RESULT(cleared);
    QVERIFY(!cleared->expiresAt.isValid());
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.updated"), kSuccess), 2);

    // The owner may narrow their own key... no: a team lead lacks admin:apikey:create.
    QVERIFY_ERROR(f.store().apiKeys().update(f.w.actorFor(owner), key.key.id, good), ErrorCode::Forbidden);
    // A PATCH on a revoked key is a conflict, and changes nothing.
    QVERIFY_RESULT(f.store().apiKeys().revoke(actor, key.key.id));
    ApiKeyUpdate late;
    late.name = QStringLiteral("after revocation");
    QVERIFY_ERROR(f.store().apiKeys().update(actor, key.key.id, late), ErrorCode::Conflict);
    QVERIFY_ERROR(f.store().apiKeys().rotate(actor, key.key.id, 0), ErrorCode::Conflict);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT name FROM api_keys WHERE id = ?"), { key.key.id }), *good.name);
}

void TestApiKeys::apiKeyRotateGrace()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const CreatedApiKey key = makeKey(f, owner);
    const Actor actor = f.w.actorFor(admin);

    // Only the grace periods on offer.
    for (qint64 grace : { qint64(-1), qint64(60), qint64(3601), qint64(30 * 24 * 3600) }) {
        auto r = f.store().apiKeys().rotate(actor, key.key.id, grace);
        QVERIFY_ERROR(r, ErrorCode::Validation);
        QVERIFY(r.error().fieldErrors.contains(QStringLiteral("grace")));
    }

    auto rotated = f.store().apiKeys().rotate(actor, key.key.id, hourGrace());
    QVERIFY_RESULT(rotated);
    QVERIFY(rotated->secret != key.secret);
    QCOMPARE(rotated->key.id, key.key.id);
    QCOMPARE(rotated->key.prefix, crypto::apiKeyPrefix(rotated->secret));
    QVERIFY(rotated->key.previousValidUntil > QDateTime::currentDateTimeUtc().addSecs(3500));
    QVERIFY(rotated->key.previousValidUntil <= QDateTime::currentDateTimeUtc().addSecs(3600));

    // Both work during the grace period; the previous secret's use is recorded apart.
    auto viaNew = f.store().apiKeys().verify(rotated->secret);
    QVERIFY_RESULT(viaNew);
    auto viaOld = f.store().apiKeys().verify(key.secret);
    QVERIFY_RESULT(viaOld);
    QCOMPARE(viaOld->apiKeyId, key.key.id);
    auto listed = f.store().apiKeys().get(actor, key.key.id);
    QVERIFY_RESULT(listed);
    QVERIFY(listed->previousLastUsedAt.isValid());
    QVERIFY(listed->rotatedAt.isValid());
    QCOMPARE(listed->prefix, rotated->key.prefix);

    const QJsonObject details = auditDetails(f.sql(), QStringLiteral("api_key.rotated"));
    QCOMPARE(details.value(QStringLiteral("grace_seconds")).toInteger(), 3600);
    QCOMPARE(details.value(QStringLiteral("previous_prefix")).toString(), key.key.prefix);
    QCOMPARE(details.value(QStringLiteral("prefix")).toString(), rotated->key.prefix);
    QVERIFY(!allAuditText(f.sql()).contains(rotated->secret));
    QVERIFY(!allAuditText(f.sql()).contains(key.secret));

    // After the grace period the old secret is refused (and the refusal says it was the previous one).
    execSql(f.sql(), QStringLiteral("UPDATE api_keys SET previous_valid_until = ? WHERE id = ?"),
            { QDateTime::currentMSecsSinceEpoch() - 1, key.key.id });
    auto late = f.store().apiKeys().verify(key.secret);
    QVERIFY_ERROR(late, ErrorCode::Unauthenticated);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.used"), kDenied, QString::number(key.key.id)), 1);
    QVERIFY(auditDetails(f.sql(), QStringLiteral("api_key.used"), kDenied)
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("before the last rotation")));
    QVERIFY_RESULT(f.store().apiKeys().verify(rotated->secret));

    // Grace "none": the old secret is refused at once.
    auto now = f.store().apiKeys().rotate(actor, key.key.id, 0);
    QVERIFY_RESULT(now);
    QVERIFY(!now->key.previousValidUntil.isValid());
    QVERIFY_ERROR(f.store().apiKeys().verify(rotated->secret), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(f.store().apiKeys().verify(now->secret));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.rotated"), kSuccess, QString::number(key.key.id)), 2);
}

void TestApiKeys::apiKeyRotateAgainDropsOlderSecret()
{
    auto f = Fixture::make();
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const CreatedApiKey key = makeKey(f, owner, { QStringLiteral("admin:user:view") });
    // One's own key: an admin rotates it without the level rule over themself.
    const Actor self = f.w.actorFor(owner);
    auto first = f.store().apiKeys().rotate(self, key.key.id, 7 * 24 * 3600);
    QVERIFY_RESULT(first);
    auto second = f.store().apiKeys().rotate(self, key.key.id, 24 * 3600);
    QVERIFY_RESULT(second);
    // The original secret is gone at once; the first rotation's is the previous one now.
    QVERIFY_ERROR(f.store().apiKeys().verify(key.secret), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(f.store().apiKeys().verify(first->secret));
    QVERIFY_RESULT(f.store().apiKeys().verify(second->secret));
    QVERIFY(auditDetails(f.sql(), QStringLiteral("api_key.rotated"))
                .value(QStringLiteral("dropped_earlier_secret"))
                .toBool());
}

void TestApiKeys::apiKeyRevokedRefusesPreviousSecret()
{
    auto f = Fixture::make();
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const CreatedApiKey key = makeKey(f, owner);
    auto rotated = f.store().apiKeys().rotate(f.w.superActor, key.key.id, 7 * 24 * 3600);
    QVERIFY_RESULT(rotated);
    QVERIFY_RESULT(f.store().apiKeys().verify(key.secret));
    QVERIFY_RESULT(f.store().apiKeys().revoke(f.w.superActor, key.key.id));
    auto old = f.store().apiKeys().verify(key.secret);
    QVERIFY_ERROR(old, ErrorCode::Unauthenticated);
    QCOMPARE(old.error().message, QStringLiteral("API key revoked"));
    QVERIFY_ERROR(f.store().apiKeys().verify(rotated->secret), ErrorCode::Unauthenticated);
    // Revoking the owner's keys in bulk (a reset) does the same.
    const CreatedApiKey other = makeKey(f, owner);
    auto otherRotated = f.store().apiKeys().rotate(f.w.superActor, other.key.id, 3600);
    QVERIFY_RESULT(otherRotated);
    QVERIFY_RESULT(f.store().sessions().revokeAllForUser(f.w.superActor, owner.id, 0, true));
    QVERIFY_ERROR(f.store().apiKeys().verify(other.secret), ErrorCode::Unauthenticated);
    QVERIFY_ERROR(f.store().apiKeys().verify(otherRotated->secret), ErrorCode::Unauthenticated);
}

void TestApiKeys::apiKeyConcurrentRotations()
{
    auto f = Fixture::make();
    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const CreatedApiKey key = makeKey(f, owner);
    const DatabaseConfig config = f.db->config();
    const Actor root = f.w.superActor;

    // Four writers on connections of their own rotate the same key at the same moment.
    constexpr int Writers = 4;
    QSemaphore ready;
    QSemaphore go;
    QList<Result<CreatedApiKey>> results;
    for (int i = 0; i < Writers; ++i)
        results << Result<CreatedApiKey>(ServiceError::unavailable(QStringLiteral("not run")));
    QList<QThread*> threads;
    for (int i = 0; i < Writers; ++i) {
        threads << QThread::create([&, i] {
            const QString name = QStringLiteral("rotate_%1").arg(i);
            {
                auto db = openDatabase(config, name);
                if (!db) {
                    ready.release();
                    results[i] = db.error();
                    return;
                }
                SqlStore store(*db, config.dialect);
                ready.release();
                go.acquire();
                results[i] = store.apiKeys().rotate(root, key.key.id, 3600);
                db->close();
            }
            QSqlDatabase::removeDatabase(name);
        });
        threads.last()->start();
    }
    ready.acquire(Writers);
    go.release(Writers);
    for (QThread* t : threads) {
        QVERIFY(t->wait(60000));
        delete t;
    }

    QStringList secrets { key.secret };
    int succeeded = 0;
    for (const auto& r : results) {
        if (r.ok()) {
            ++succeeded;
            secrets << r->secret;
        } else {
            QCOMPARE(r.error().code, ErrorCode::Conflict);
        }
    }
    QVERIFY(succeeded >= 1);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("api_key.rotated"), kSuccess), succeeded);
    // Whatever the interleaving: the current secret and at most the one before it.
    int valid = 0;
    for (const QString& secret : std::as_const(secrets))
        valid += f.store().apiKeys().verify(secret).ok() ? 1 : 0;
    QCOMPARE(valid, 2);
}

QTEST_GUILESS_MAIN(TestApiKeys)
#include "tst_apikeys.moc"
