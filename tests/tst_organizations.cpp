// Organizations in the store: create, read, list and update, suspend, wipe out.
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

class TestOrganizations : public QObject
{
    Q_OBJECT

private slots:
    void organizationCreate();
    void organizationGetListUpdate();
    void organizationSuspend();
    void organizationWipeOut();
};

void TestOrganizations::organizationCreate()
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

void TestOrganizations::organizationGetListUpdate()
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

void TestOrganizations::organizationSuspend()
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

void TestOrganizations::organizationWipeOut()
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

QTEST_GUILESS_MAIN(TestOrganizations)
#include "tst_organizations.moc"
