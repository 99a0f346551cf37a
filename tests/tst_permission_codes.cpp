// Custom permission codes per organization in the store: who may define, list and delete them, what
// they may look like (no shadowing of the built-in catalog, no other tenant's prefix), their use in
// roles and API-key scopes, and the effective permissions they end up in. Against a real database
// (SQLite, or PostgreSQL with the _pg variant); every denial is checked in the audit table.

#include "policy/catalog.h"
#include "policy/policy.h"
#include "sql/store.h"
#include "storefixture.h"
#include "testutil.h"

#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

class TestPermissionCodes : public QObject
{
    Q_OBJECT

private slots:
    void grammar_data();
    void grammar();
    void defineRefused_data();
    void defineRefused();
    void otherTenantsCodesAreMissing();
    void belowTheRightIsRefused_data();
    void belowTheRightIsRefused();
    void defineListDelete();
    void codeInRoleReachesEffectivePermissions();
    void anotherTenantsCodeInRoleIsUnknown();
    void apiKeyScopes();
    void deleteInUseIsRefusedWithTheUsers();
    void floodStopsAtTheCap();
    void wipingTheOrganizationRemovesItsCodes();
};

namespace {

Role makeRole(Fixture& f, const Actor& actor, const QString& code, Id organizationId, const QStringList& permissions)
{
    NewRole role;
    role.code = code;
    role.name = code;
    role.level = 30;
    role.organizationId = organizationId;
    role.permissions = permissions;
    auto created = f.store().roles().create(actor, role);
    if (!created)
        qFatal("cannot create role %s: %s", qPrintable(code), qPrintable(created.error().toString()));
    return *created;
}

qint64 codesOf(Fixture& f, Id organizationId)
{
    return scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM organization_permissions WHERE organization_id = ?"),
                  { organizationId });
}

} // namespace

void TestPermissionCodes::grammar_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("valid");
    QTest::newRow("three parts") << QStringLiteral("acme:report:view") << true;
    QTest::newRow("hyphenated slug, underscores") << QStringLiteral("acme-eu:sales_report:export-csv") << true;
    QTest::newRow("two parts") << QStringLiteral("acme:report") << false;
    QTest::newRow("four parts") << QStringLiteral("acme:report:view:all") << false;
    QTest::newRow("upper case prefix") << QStringLiteral("Admin:user:view") << false;
    QTest::newRow("upper case action") << QStringLiteral("acme:report:View") << false;
    QTest::newRow("fullwidth colon") << QStringLiteral("admin\uFF1Auser\uFF1Aview") << false;
    QTest::newRow("cyrillic a in admin") << QStringLiteral("\u0430dmin:user:view") << false;
    QTest::newRow("wildcard") << QStringLiteral("acme:report:*") << false;
    QTest::newRow("empty part") << QStringLiteral("acme::view") << false;
    QTest::newRow("space") << QStringLiteral("acme:report :view") << false;
    QTest::newRow("part starts with a digit") << QStringLiteral("acme:1report:view") << false;
    QTest::newRow("part of 40") << QStringLiteral("acme:r%1:view").arg(QString(39, u'x')) << true;
    QTest::newRow("part of 41") << QStringLiteral("acme:r%1:view").arg(QString(40, u'x')) << false;
    QTest::newRow("empty") << QString() << false;
}

void TestPermissionCodes::grammar()
{
    QFETCH(QString, code);
    QFETCH(bool, valid);
    QCOMPARE(policy::validateCustomCode(code).ok(), valid);
}

void TestPermissionCodes::defineRefused_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("expected"); // "forbidden" (audited) or "validation"
    QTest::newRow("another organization's prefix") << QStringLiteral("globex:report:view") << "forbidden";
    QTest::newRow("built-in prefix admin") << QStringLiteral("admin:report:view") << "forbidden";
    QTest::newRow("built-in code") << QStringLiteral("admin:user:view") << "forbidden";
    QTest::newRow("built-in prefix chat") << QStringLiteral("chat:model:premium") << "forbidden";
    QTest::newRow("reserved prefix self") << QStringLiteral("self:profile:edit") << "forbidden";
    QTest::newRow("unknown prefix") << QStringLiteral("nobody:report:view") << "forbidden";
    QTest::newRow("case trick") << QStringLiteral("Admin:user:view") << "validation";
    QTest::newRow("case trick on own prefix") << QStringLiteral("ACME:report:view") << "validation";
    QTest::newRow("fullwidth colon") << QStringLiteral("acme\uFF1Areport\uFF1Aview") << "validation";
}

void TestPermissionCodes::defineRefused()
{
    QFETCH(QString, code);
    QFETCH(QString, expected);
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const auto r = f.store().permissions().define(f.w.actorFor(adminA), f.w.orgA.id, code, QStringLiteral("x"));
    QVERIFY(!r.ok());
    if (expected == QLatin1String("forbidden")) {
        QCOMPARE(r.error().code, ErrorCode::Forbidden);
        const EventRow event = lastEvent(f.store(), actions::PermissionCreated);
        QVERIFY(event.found);
        QCOMPARE(event.outcome, kDenied);
        QCOMPARE(event.actorId, adminA.id);
        QCOMPARE(event.organizationId, f.w.orgA.id);
    } else {
        QCOMPARE(r.error().code, ErrorCode::Validation);
        QVERIFY(r.error().fieldErrors.contains(QStringLiteral("code")));
    }
    QCOMPARE(codesOf(f, f.w.orgA.id), 0);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM organization_permissions")), 0);
}

void TestPermissionCodes::otherTenantsCodesAreMissing()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    QVERIFY_RESULT(f.store().permissions().define(f.w.actorFor(adminB), f.w.orgB.id, QStringLiteral("globex:ship:send"),
                                                  QStringLiteral("Send a shipment")));
    const Actor a = f.w.actorFor(adminA);
    // Naming B's organization: B reads as missing, whatever A asks; each attempt is audited in A.
    const qint64 deniedBefore = auditCount(f.sql(), actions::PermissionCreated, kDenied);
    QVERIFY_ERROR(f.store().permissions().define(a, f.w.orgB.id, QStringLiteral("globex:ship:cancel"), {}),
                  ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), actions::PermissionCreated, kDenied), deniedBefore + 1);
    QCOMPARE(lastEvent(f.store(), actions::PermissionCreated).organizationId, f.w.orgA.id);
    QVERIFY_ERROR(f.store().permissions().remove(a, f.w.orgB.id, QStringLiteral("globex:ship:send")),
                  ErrorCode::NotFound);
    QCOMPARE(lastEvent(f.store(), actions::PermissionDeleted).outcome, kDenied);
    QVERIFY_ERROR(f.store().permissions().listOfOrganization(a, f.w.orgB.id), ErrorCode::NotFound);
    // B's code through A's own organization id: not A's code, so missing as well.
    QVERIFY_ERROR(f.store().permissions().remove(a, f.w.orgA.id, QStringLiteral("globex:ship:send")),
                  ErrorCode::NotFound);
    QCOMPARE(codesOf(f, f.w.orgB.id), 1);
    // The permission list: A sees none of B's codes.
    auto list = f.store().permissions().list(a);
    QVERIFY_RESULT(list);
    for (const Permission& p : *list)
        QVERIFY2(!p.code.startsWith(QLatin1String("globex:")), qPrintable(p.code));
}

void TestPermissionCodes::belowTheRightIsRefused_data()
{
    QTest::addColumn<QString>("roleCode");
    QTest::newRow("team lead") << QStringLiteral("team_lead");
    QTest::newRow("power user") << QStringLiteral("power_user");
    QTest::newRow("user") << QStringLiteral("user");
    QTest::newRow("viewer") << QStringLiteral("viewer");
}

void TestPermissionCodes::belowTheRightIsRefused()
{
    QFETCH(QString, roleCode);
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    QVERIFY_RESULT(
        f.store().permissions().define(f.w.actorFor(adminA), f.w.orgA.id, QStringLiteral("acme:report:view"), {}));
    const User someone = f.w.makeUser(f.w.orgA.id, roleCode);
    const Actor actor = f.w.actorFor(someone);
    QVERIFY_ERROR(f.store().permissions().define(actor, f.w.orgA.id, QStringLiteral("acme:report:edit"), {}),
                  ErrorCode::Forbidden);
    QCOMPARE(lastEvent(f.store(), actions::PermissionCreated).outcome, kDenied);
    QCOMPARE(lastEvent(f.store(), actions::PermissionCreated).actorId, someone.id);
    QVERIFY_ERROR(f.store().permissions().remove(actor, f.w.orgA.id, QStringLiteral("acme:report:view")),
                  ErrorCode::Forbidden);
    QCOMPARE(lastEvent(f.store(), actions::PermissionDeleted).outcome, kDenied);
    QCOMPARE(codesOf(f, f.w.orgA.id), 1);
}

void TestPermissionCodes::defineListDelete()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    const Actor a = f.w.actorFor(adminA);
    auto created = f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:report:view"),
                                                  QStringLiteral("  Read the monthly reports "));
    QVERIFY_RESULT(created);
    QCOMPARE(created->code, QStringLiteral("acme:report:view"));
    QCOMPARE(created->description, QStringLiteral("Read the monthly reports"));
    QCOMPARE(created->organizationId, f.w.orgA.id);
    QCOMPARE(created->category, QStringLiteral("acme"));
    const EventRow event = lastEvent(f.store(), actions::PermissionCreated, QStringLiteral("acme:report:view"));
    QCOMPARE(event.outcome, kSuccess);
    QCOMPARE(event.organizationId, f.w.orgA.id);
    // A second definition of the same code: a field error, nothing doubled.
    auto again = f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:report:view"), {});
    QVERIFY_ERROR(again, ErrorCode::Validation);
    QVERIFY(again.error().fieldErrors.contains(QStringLiteral("code")));
    // Super admins define for any organization, under that organization's prefix.
    QVERIFY_RESULT(f.store().permissions().define(f.w.superActor, f.w.orgB.id, QStringLiteral("globex:ship:send"), {}));
    QVERIFY_ERROR(f.store().permissions().define(f.w.superActor, f.w.orgB.id, QStringLiteral("acme:ship:send"), {}),
                  ErrorCode::Forbidden);

    auto own = f.store().permissions().listOfOrganization(a, f.w.orgA.id);
    QVERIFY_RESULT(own);
    QCOMPARE(own->size(), 1);
    QCOMPARE(own->first().code, QStringLiteral("acme:report:view"));

    // The permission list: the catalog plus the caller's organization's codes; super admins see all.
    auto listA = f.store().permissions().list(a);
    QVERIFY_RESULT(listA);
    QCOMPARE(listA->size(), policy::permissionCatalog().size() + 1);
    QCOMPARE(listA->last().code, QStringLiteral("acme:report:view"));
    QCOMPARE(listA->last().organizationId, f.w.orgA.id);
    auto listB = f.store().permissions().list(f.w.actorFor(adminB));
    QVERIFY_RESULT(listB);
    QCOMPARE(listB->size(), policy::permissionCatalog().size() + 1);
    QCOMPARE(listB->last().code, QStringLiteral("globex:ship:send"));
    auto listSuper = f.store().permissions().list(f.w.superActor);
    QVERIFY_RESULT(listSuper);
    QCOMPARE(listSuper->size(), policy::permissionCatalog().size() + 2);

    QVERIFY_RESULT(f.store().permissions().remove(a, f.w.orgA.id, QStringLiteral("acme:report:view")));
    QCOMPARE(lastEvent(f.store(), actions::PermissionDeleted, QStringLiteral("acme:report:view")).outcome, kSuccess);
    QCOMPARE(codesOf(f, f.w.orgA.id), 0);
    QVERIFY_ERROR(f.store().permissions().remove(a, f.w.orgA.id, QStringLiteral("acme:report:view")),
                  ErrorCode::NotFound);
}

void TestPermissionCodes::codeInRoleReachesEffectivePermissions()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const Actor a = f.w.actorFor(adminA);
    QVERIFY_RESULT(f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:report:view"), {}));
    // The admin does not hold acme:report:view, yet may put it in a role of its organization.
    const Role reader = makeRole(f, a, QStringLiteral("acme_report_reader"), f.w.orgA.id,
                                 { QStringLiteral("acme:report:view"), QStringLiteral("chat:view") });
    QVERIFY(reader.permissions.contains(QStringLiteral("acme:report:view")));
    auto roleEffective = f.store().roles().effectivePermissions(a, reader.id);
    QVERIFY_RESULT(roleEffective);
    QVERIFY(roleEffective->contains(QStringLiteral("acme:report:view")));

    const User member = f.w.makeUser(f.w.orgA.id, QStringLiteral("viewer"));
    QVERIFY_RESULT(f.store().users().assignRole(a, member.id, reader.code));
    auto effective = f.store().roles().userEffectivePermissions(a, member.id);
    QVERIFY_RESULT(effective);
    QVERIFY(effective->contains(QStringLiteral("acme:report:view")));
    const Actor memberActor = f.w.actorFor(member);
    QVERIFY(policy::hasPermission(memberActor.permissions, QStringLiteral("acme:report:view")));
    // An ordinary code to applications; no admin right in Portcullis.
    QVERIFY_ERROR(f.store().permissions().listOfOrganization(memberActor, f.w.orgA.id), ErrorCode::Forbidden);
    QVERIFY_ERROR(f.store().permissions().define(memberActor, f.w.orgA.id, QStringLiteral("acme:report:edit"), {}),
                  ErrorCode::Forbidden);

    // Editing the role keeps and adds custom codes; a team lead (no admin:role:edit) cannot add them.
    QVERIFY_RESULT(f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:report:export"), {}));
    RoleUpdate update;
    update.permissions = QStringList { QStringLiteral("acme:report:view"), QStringLiteral("acme:report:export") };
    QVERIFY_RESULT(f.store().roles().update(a, reader.id, update));
    auto after = f.store().roles().userEffectivePermissions(a, member.id);
    QVERIFY_RESULT(after);
    QVERIFY(after->contains(QStringLiteral("acme:report:export")));
}

void TestPermissionCodes::anotherTenantsCodeInRoleIsUnknown()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    QVERIFY_RESULT(
        f.store().permissions().define(f.w.actorFor(adminB), f.w.orgB.id, QStringLiteral("globex:ship:send"), {}));
    NewRole role;
    role.code = QStringLiteral("acme_shipper");
    role.name = QStringLiteral("Shipper");
    role.level = 30;
    role.organizationId = f.w.orgA.id;
    role.permissions = { QStringLiteral("globex:ship:send") };
    auto r = f.store().roles().create(f.w.actorFor(adminA), role);
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("permission_codes")));
    // Not even a super admin puts B's code in A's role or in a global role.
    QVERIFY_ERROR(f.store().roles().create(f.w.superActor, role), ErrorCode::Validation);
    role.organizationId = 0;
    role.code = QStringLiteral("global_shipper");
    QVERIFY_ERROR(f.store().roles().create(f.w.superActor, role), ErrorCode::Validation);
    // Nor through an edit of an existing role.
    const Role plain = makeRole(f, f.w.actorFor(adminA), QStringLiteral("acme_plain"), f.w.orgA.id, {});
    RoleUpdate update;
    update.permissions = QStringList { QStringLiteral("globex:ship:send") };
    QVERIFY_ERROR(f.store().roles().update(f.w.actorFor(adminA), plain.id, update), ErrorCode::Validation);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM role_permissions WHERE permission_code = ?"),
                    { QStringLiteral("globex:ship:send") }),
             0);
}

void TestPermissionCodes::apiKeyScopes()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    const Actor a = f.w.actorFor(adminA);
    QVERIFY_RESULT(f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:report:view"), {}));
    QVERIFY_RESULT(
        f.store().permissions().define(f.w.actorFor(adminB), f.w.orgB.id, QStringLiteral("globex:ship:send"), {}));
    const Role reader
        = makeRole(f, a, QStringLiteral("acme_reader"), f.w.orgA.id, { QStringLiteral("acme:report:view") });
    const User member = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(f.store().users().assignRole(a, member.id, reader.code));
    const Actor memberActor = f.w.actorFor(member);

    // The admin makes a key for the member, who holds the code through the role.
    NewApiKey key;
    key.name = QStringLiteral("reports");
    key.userId = member.id;
    key.scopes = { QStringLiteral("acme:report:view") };
    auto created = f.store().apiKeys().create(a, key);
    QVERIFY_RESULT(created);
    auto verified = f.store().apiKeys().verify(created->secret, {}, QStringLiteral("acme:report:view"));
    QVERIFY_RESULT(verified);
    QVERIFY(policy::hasPermission(verified->permissions, QStringLiteral("acme:report:view")));
    // The key's custom scope is no admin right.
    QVERIFY_ERROR(f.store().apiKeys().verify(created->secret, {}, perm::RoleView), ErrorCode::Forbidden);

    // Editing the key follows the same rule: its owner's organization's code stays allowed (an
    // edit that keeps it must not fail), another organization's is unknown and changes nothing.
    ApiKeyUpdate edit;
    edit.name = QStringLiteral("reports (renamed)");
    edit.scopes = QStringList { QStringLiteral("acme:report:view") };
    auto edited = f.store().apiKeys().update(a, created->key.id, edit);
    QVERIFY_RESULT(edited);
    QCOMPARE(edited->scopes, QStringList { QStringLiteral("acme:report:view") });
    QCOMPARE(edited->name, QStringLiteral("reports (renamed)"));
    edit.name.reset();
    edit.scopes = QStringList { QStringLiteral("globex:ship:send") };
    QVERIFY_ERROR(f.store().apiKeys().update(a, created->key.id, edit), ErrorCode::Validation);
    QVERIFY_RESULT(f.store().apiKeys().verify(created->secret, {}, QStringLiteral("acme:report:view")));

    // B's code in a key of A's user: unknown, whoever asks (even a super admin, who holds "*").
    key.scopes = { QStringLiteral("globex:ship:send") };
    QVERIFY_ERROR(f.store().apiKeys().create(a, key), ErrorCode::Validation);
    QVERIFY(memberActor.permissions.contains(QStringLiteral("acme:report:view")));
    key.userId = f.w.superAdmin.id;
    QVERIFY_ERROR(f.store().apiKeys().create(f.w.superActor, key), ErrorCode::Validation);
    // A's own code in the key of A's admin, who does not hold it: refused.
    key.userId = 0;
    key.scopes = { QStringLiteral("acme:report:view") };
    QVERIFY_ERROR(f.store().apiKeys().create(a, key), ErrorCode::Validation);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM api_keys")), 1);
}

void TestPermissionCodes::deleteInUseIsRefusedWithTheUsers()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const Actor a = f.w.actorFor(adminA);
    QVERIFY_RESULT(f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:report:view"), {}));
    const Role reader
        = makeRole(f, a, QStringLiteral("acme_reader"), f.w.orgA.id, { QStringLiteral("acme:report:view") });
    const User member = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(f.store().users().assignRole(a, member.id, reader.code));
    NewApiKey key;
    key.name = QStringLiteral("nightly export");
    key.userId = member.id;
    key.scopes = { QStringLiteral("acme:report:view") };
    auto created = f.store().apiKeys().create(a, key);
    QVERIFY_RESULT(created);

    auto refused = f.store().permissions().remove(a, f.w.orgA.id, QStringLiteral("acme:report:view"));
    QVERIFY_ERROR(refused, ErrorCode::Conflict);
    QCOMPARE(refused.error().reason, ErrorReason::InUse);
    QVERIFY2(refused.error().message.contains(QLatin1String("acme_reader")), qPrintable(refused.error().message));
    QVERIFY2(refused.error().message.contains(QLatin1String("nightly export")), qPrintable(refused.error().message));
    QCOMPARE(codesOf(f, f.w.orgA.id), 1);

    // Taken out of the role and the key revoked: it goes.
    RoleUpdate update;
    update.permissions = QStringList {};
    QVERIFY_RESULT(f.store().roles().update(a, reader.id, update));
    QVERIFY_RESULT(f.store().apiKeys().revoke(a, created->key.id));
    QVERIFY_RESULT(f.store().permissions().remove(a, f.w.orgA.id, QStringLiteral("acme:report:view")));
    QCOMPARE(codesOf(f, f.w.orgA.id), 0);
}

void TestPermissionCodes::floodStopsAtTheCap()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const Actor a = f.w.actorFor(adminA);
    // All but one of the allowance written directly (the test is about the cap, not 499 round trips).
    const int cap = policy::CustomCodes::PerOrganization;
    QVERIFY(f.sql().transaction());
    for (int i = 0; i < cap - 1; ++i)
        execSql(f.sql(),
                QStringLiteral("INSERT INTO organization_permissions (code, organization_id, description, created_at) "
                               "VALUES (?, ?, '', 0)"),
                { QStringLiteral("acme:flood:a%1").arg(i), f.w.orgA.id });
    QVERIFY(f.sql().commit());
    QVERIFY_RESULT(f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:flood:last"), {}));
    auto over = f.store().permissions().define(a, f.w.orgA.id, QStringLiteral("acme:flood:over"), {});
    QVERIFY_ERROR(over, ErrorCode::Conflict);
    QVERIFY2(over.error().message.contains(QString::number(cap)), qPrintable(over.error().message));
    QCOMPARE(codesOf(f, f.w.orgA.id), cap);
    // The cap is per organization: B still defines its own.
    QVERIFY_RESULT(f.store().permissions().define(f.w.superActor, f.w.orgB.id, QStringLiteral("globex:a:b"), {}));
}

void TestPermissionCodes::wipingTheOrganizationRemovesItsCodes()
{
    auto f = Fixture::make();
    QVERIFY_RESULT(f.store().permissions().define(f.w.superActor, f.w.orgB.id, QStringLiteral("globex:ship:send"), {}));
    QVERIFY_RESULT(f.store().permissions().define(f.w.superActor, f.w.orgA.id, QStringLiteral("acme:report:view"), {}));
    QVERIFY_RESULT(f.store().organizations().wipeOut(f.w.superActor, f.w.orgB.id, QStringLiteral("globex")));
    QCOMPARE(codesOf(f, f.w.orgB.id), 0);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM organization_permissions WHERE code = ?"),
                    { QStringLiteral("globex:ship:send") }),
             0);
    QCOMPARE(codesOf(f, f.w.orgA.id), 1);
    // A new organization that takes the slug starts from nothing and may define the same code.
    NewOrganization again;
    again.name = QStringLiteral("Globex Again");
    again.slug = QStringLiteral("globex");
    again.maxUsers = 5;
    auto org = f.store().organizations().create(f.w.superActor, again);
    QVERIFY_RESULT(org);
    QVERIFY_RESULT(f.store().permissions().define(f.w.superActor, org->id, QStringLiteral("globex:ship:send"), {}));
}

QTEST_GUILESS_MAIN(TestPermissionCodes)
#include "tst_permission_codes.moc"
