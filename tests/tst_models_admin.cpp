// The models of the Roles, API Keys and Organizations panes as models: QAbstractItemModelTester
// over real data from a temporary database, rows checked against what the store holds.

#include "apikeylistmodel.h"
#include "guiutil.h"
#include "invitationlistmodel.h"
#include "organizationlistmodel.h"
#include "permissiontreemodel.h"
#include "policy/policy.h"
#include "rolelistmodel.h"

#include <QAbstractItemModelTester>
#include <QFont>

using namespace portcullis;
using namespace portcullis::test;

namespace {

QStringList distinctCategories()
{
    QStringList categories;
    for (const Permission& p : policy::permissionCatalog()) {
        if (!categories.contains(p.category))
            categories << p.category;
    }
    return categories;
}

Role makeCustomRole(SqlStore& store, const Actor& actor, const QString& code, int level, Id organizationId,
                    const QStringList& permissions)
{
    NewRole nr;
    nr.code = code;
    nr.name = code;
    nr.level = level;
    nr.organizationId = organizationId;
    nr.permissions = permissions;
    auto created = store.roles().create(actor, nr);
    if (!created)
        qFatal("cannot create role: %s", qPrintable(created.error().toString()));
    return *created;
}

} // namespace

class TestModelsAdmin : public QObject
{
    Q_OBJECT

private slots:
    void permissionTreeGroupsTheCatalogByCategory();
    void permissionTreeShowsInheritedPermissions_data();
    void permissionTreeShowsInheritedPermissions();
    void permissionTreeCategoriesAreTriState();
    void permissionTreeOffersOnlyWhatTheEditorHolds();
    void permissionTreeKeepsCodesOutsideTheCatalog();
    void roleListMatchesTheStore();
    void roleListOfAnAdminHidesOtherTenants();
    void apiKeysPageInLazily();
    void apiKeysFilterByOwnerAndShowRevocation();
    void organizationsMatchTheStore();
    void invitationsShowTheirStatus();
};

void TestModelsAdmin::permissionTreeGroupsTheCatalogByCategory()
{
    PermissionTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setPermissions(policy::permissionCatalog());
    QCOMPARE(reset.size(), 1);
    const QStringList categories = distinctCategories();
    QCOMPARE(model.rowCount(), int(categories.size()));
    int permissions = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex category = model.index(row, 0);
        QVERIFY(category.data(PermissionTreeModel::IsCategoryRole).toBool());
        QCOMPARE(category.data().toString(), PermissionTreeModel::categoryTitle(categories.at(row)));
        permissions += model.rowCount(category);
        for (int child = 0; child < model.rowCount(category); ++child) {
            const QModelIndex p = model.index(child, 0, category);
            QCOMPARE(p.parent(), category);
            QVERIFY(!p.data(PermissionTreeModel::IsCategoryRole).toBool());
        }
    }
    QCOMPARE(permissions, int(policy::permissionCatalog().size()));
    const QModelIndex kbView = model.indexOf(QStringLiteral("kb:view"));
    QVERIFY(kbView.isValid());
    QCOMPARE(kbView.parent().data().toString(), PermissionTreeModel::categoryTitle(QStringLiteral("knowledge_base")));
    QCOMPARE(kbView.siblingAtColumn(PermissionTreeModel::DescriptionColumn).data().toString(),
             QStringLiteral("View the knowledge base"));
}

void TestModelsAdmin::permissionTreeShowsInheritedPermissions_data()
{
    QTest::addColumn<int>("level");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("inheritedFrom");

    QTest::newRow("level 30 inherits chat:view from viewer")
        << 30 << QStringLiteral("chat:view") << QStringLiteral("viewer");
    QTest::newRow("level 30 inherits kb:search from user")
        << 30 << QStringLiteral("kb:search") << QStringLiteral("user");
    QTest::newRow("level 30 does not inherit project:create") << 30 << QStringLiteral("project:create") << QString();
    QTest::newRow("level 50 inherits project:create from power_user")
        << 50 << QStringLiteral("project:create") << QStringLiteral("power_user");
    QTest::newRow("level 10 inherits nothing from viewer (not strictly below)")
        << 10 << QStringLiteral("chat:view") << QString();
    QTest::newRow("level 79 inherits admin:user:view from team_lead")
        << 79 << QStringLiteral("admin:user:view") << QStringLiteral("team_lead");
    QTest::newRow("level 99 inherits admin:role:edit from admin")
        << 99 << QStringLiteral("admin:role:edit") << QStringLiteral("admin");
}

void TestModelsAdmin::permissionTreeShowsInheritedPermissions()
{
    QFETCH(int, level);
    QFETCH(QString, code);
    QFETCH(QString, inheritedFrom);
    PermissionTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPermissions(policy::permissionCatalog());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setLevel(level);
    QVERIFY(!changed.isEmpty());
    const QModelIndex index = model.indexOf(code);
    QVERIFY(index.isValid());
    QCOMPARE(model.inheritedFrom(code), inheritedFrom);
    if (inheritedFrom.isEmpty()) {
        QVERIFY(model.flags(index).testFlag(Qt::ItemIsEnabled));
        QCOMPARE(index.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
        QVERIFY(!index.data(Qt::FontRole).value<QFont>().italic());
        return;
    }
    QVERIFY(!model.flags(index).testFlag(Qt::ItemIsEnabled)); // disabled
    QCOMPARE(index.data(Qt::CheckStateRole).toInt(), int(Qt::Checked)); // and checked
    QVERIFY(index.data(Qt::FontRole).value<QFont>().italic());
    QCOMPARE(index.data(Qt::ToolTipRole).toString(), QStringLiteral("inherited from %1").arg(inheritedFrom));
    // Inherited permissions are not the role's own: they are not saved with it.
    QVERIFY(!model.checkedPermissions().contains(code));
    // Clicking it changes nothing.
    QVERIFY(!model.setData(index, Qt::Unchecked, Qt::CheckStateRole));
}

void TestModelsAdmin::permissionTreeCategoriesAreTriState()
{
    PermissionTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPermissions(policy::permissionCatalog());
    model.setLevel(1); // nothing inherited
    const QModelIndex kbView = model.indexOf(QStringLiteral("kb:view"));
    const QModelIndex kb = kbView.parent();
    QCOMPARE(kb.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    QSignalSpy checked(&model, &PermissionTreeModel::checkedPermissionsChanged);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(model.setData(kbView, Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(checked.size(), 1);
    // The permission and its category both announce the change.
    bool sawPermission = false;
    bool sawCategory = false;
    for (const auto& args : std::as_const(changed)) {
        const auto topLeft = args.at(0).value<QModelIndex>();
        sawPermission |= topLeft == kbView;
        sawCategory |= topLeft == kb;
    }
    QVERIFY(sawPermission && sawCategory);
    QCOMPARE(kb.data(Qt::CheckStateRole).toInt(), int(Qt::PartiallyChecked));
    QCOMPARE(model.checkedPermissions(), QStringList { QStringLiteral("kb:view") });

    QVERIFY(model.setData(kb, Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(kb.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QCOMPARE(model.checkedPermissions().size(), model.rowCount(kb));
    QVERIFY(model.setData(kb, Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(kb.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    QVERIFY(model.checkedPermissions().isEmpty());

    // Read-only (a built-in role): nothing can be checked.
    model.setReadOnly(true);
    QVERIFY(!model.setData(kbView, Qt::Checked, Qt::CheckStateRole));
    QVERIFY(!model.flags(kbView).testFlag(Qt::ItemIsEnabled));
}

void TestModelsAdmin::permissionTreeOffersOnlyWhatTheEditorHolds()
{
    PermissionTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPermissions(policy::permissionCatalog());
    // The role already has kb:delete, which the editing admin lacks: it may be cleared, not re-added.
    model.setCheckedPermissions({ QStringLiteral("kb:delete") });
    model.setLevel(1);
    model.setHeldPermissions({ QStringLiteral("kb:view"), QStringLiteral("kb:search") });
    const QModelIndex upload = model.indexOf(QStringLiteral("kb:upload"));
    QVERIFY(!model.flags(upload).testFlag(Qt::ItemIsEnabled));
    QVERIFY(upload.data(Qt::ToolTipRole).toString().contains(QStringLiteral("You do not hold kb:upload")));
    QVERIFY(model.flags(model.indexOf(QStringLiteral("kb:view"))).testFlag(Qt::ItemIsEnabled));
    QVERIFY(model.flags(model.indexOf(QStringLiteral("kb:delete"))).testFlag(Qt::ItemIsEnabled));
    // Checking the category checks only what may be checked.
    QVERIFY(model.setData(upload.parent(), Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(model.checkedPermissions(),
             (QStringList { QStringLiteral("kb:delete"), QStringLiteral("kb:search"), QStringLiteral("kb:view") }));
    QCOMPARE(upload.parent().data(Qt::CheckStateRole).toInt(), int(Qt::PartiallyChecked));
}

void TestModelsAdmin::permissionTreeKeepsCodesOutsideTheCatalog()
{
    PermissionTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPermissions(policy::permissionCatalog());
    model.setLevel(1);
    const int categories = model.rowCount();
    model.setCheckedPermissions({ QStringLiteral("kb:*"), QStringLiteral("chat:view") });
    QCOMPARE(model.rowCount(), categories + 1);
    const QModelIndex wildcard = model.indexOf(QStringLiteral("kb:*"));
    QVERIFY(wildcard.isValid());
    QCOMPARE(wildcard.parent().row(), categories);
    QCOMPARE(wildcard.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    const QModelIndex covered = model.indexOf(QStringLiteral("kb:upload"));
    QCOMPARE(covered.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QVERIFY(!model.flags(covered).testFlag(Qt::ItemIsEnabled));
    QCOMPARE(covered.data(Qt::ToolTipRole).toString(), QStringLiteral("included in kb:*"));
    QCOMPARE(model.checkedPermissions(), (QStringList { QStringLiteral("chat:view"), QStringLiteral("kb:*") }));
    // Clearing the wildcard frees what it covered.
    QVERIFY(model.setData(wildcard, Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(covered.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    QVERIFY(model.flags(covered).testFlag(Qt::ItemIsEnabled));
}

void TestModelsAdmin::roleListMatchesTheStore()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const Role custom = makeCustomRole(db->store(), world.superActor, QStringLiteral("support_agent"), 30,
                                       world.orgA.id, { QStringLiteral("admin:user:view"), QStringLiteral("kb:view") });
    makeCustomRole(db->store(), world.superActor, QStringLiteral("auditor"), 50, 0,
                   { QStringLiteral("admin:audit:view") });
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    RoleListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(&model, &RoleListModel::loaded);
    model.reload();
    QVERIFY(loaded.wait(10000));
    auto stored = db->store().roles().list(world.superActor);
    QVERIFY_RESULT(stored);
    QCOMPARE(model.rowCount(), int(stored->size()));
    QCOMPARE(model.rowCount(), 8);
    for (int row = 1; row < model.rowCount(); ++row)
        QVERIFY(model.roleAt(row - 1).level >= model.roleAt(row).level); // highest level first
    QCOMPARE(model.data(model.index(0, RoleListModel::CodeColumn)).toString(), QStringLiteral("super_admin"));
    const int row = model.rowOf(custom.id);
    QVERIFY(row >= 0);
    QCOMPARE(model.data(model.index(row, RoleListModel::CodeColumn)).toString(), QStringLiteral("support_agent"));
    QCOMPARE(model.data(model.index(row, RoleListModel::LevelColumn)).toInt(), 30);
    QCOMPARE(model.data(model.index(row, RoleListModel::KindColumn)).toString(), QStringLiteral("Custom"));
    QCOMPARE(model.data(model.index(row, RoleListModel::PermissionsColumn)).toInt(), 2);
    QTRY_COMPARE(model.data(model.index(row, RoleListModel::ScopeColumn)).toString(), world.orgA.name);
    const int global = model.rowOf(stored->at(0).id);
    QCOMPARE(model.data(model.index(global, RoleListModel::ScopeColumn)).toString(), QStringLiteral("Global"));
    QCOMPARE(model.data(model.index(global, RoleListModel::KindColumn)).toString(), QStringLiteral("Built-in"));
}

void TestModelsAdmin::roleListOfAnAdminHidesOtherTenants()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    makeCustomRole(db->store(), world.superActor, QStringLiteral("acme_only"), 30, world.orgA.id, {});
    const Role globex
        = makeCustomRole(db->store(), world.superActor, QStringLiteral("globex_only"), 30, world.orgB.id, {});
    const User admin = world.makeUser(world.orgB.id, QStringLiteral("admin"));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(admin.email, kStrongPassword)));
    RoleListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(&model, &RoleListModel::loaded);
    model.reload();
    QVERIFY(loaded.wait(10000));
    QCOMPARE(model.rowCount(), 7); // six built-ins and Globex's own
    QVERIFY(model.rowOf(globex.id) >= 0);
    for (const Role& r : model.roles())
        QVERIFY(r.code != QLatin1String("acme_only"));
}

void TestModelsAdmin::apiKeysPageInLazily()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    QStringList secrets;
    for (int i = 0; i < 23; ++i) {
        NewApiKey key;
        key.name = QStringLiteral("key %1").arg(i, 2, 10, QLatin1Char('0'));
        key.userId = world.superAdmin.id;
        key.scopes = { QStringLiteral("chat:view") };
        auto created = db->store().apiKeys().create(world.superActor, key);
        QVERIFY_RESULT(created);
        secrets << created->secret;
    }
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    ApiKeyListModel model(&backend);
    model.setPageSize(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(true);
    QSignalSpy page(&model, &LazyTableModel::pageLoaded);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.reload();
    QVERIFY(page.wait(10000));
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.total(), 23);
    while (model.canFetchMore({})) {
        model.fetchMore({});
        QVERIFY(page.wait(10000));
    }
    QCOMPARE(model.rowCount(), 23);
    QCOMPARE(inserted.size(), 3);

    auto stored = db->store().apiKeys().list(world.superActor, 0, 1, 100);
    QVERIFY_RESULT(stored);
    QCOMPARE(qint64(model.rowCount()), stored->total);
    for (int row = 0; row < model.rowCount(); ++row) {
        const ApiKey& expected = stored->items.at(row);
        QCOMPARE(model.keyAt(row).id, expected.id); // newest first, as the store orders them
        QCOMPARE(model.data(model.index(row, ApiKeyListModel::NameColumn)).toString(), expected.name);
        QCOMPARE(model.data(model.index(row, ApiKeyListModel::PrefixColumn)).toString(),
                 expected.prefix + QChar(0x2026));
        QVERIFY(expected.prefix.startsWith(QStringLiteral("pk_live_")));
        QCOMPARE(model.data(model.index(row, ApiKeyListModel::OwnerColumn)).toString(), world.superAdmin.email);
        QCOMPARE(model.data(model.index(row, ApiKeyListModel::ScopesColumn)).toString(), QStringLiteral("chat:view"));
        QCOMPARE(model.data(model.index(row, ApiKeyListModel::StatusColumn)).toString(), QStringLiteral("Active"));
        QCOMPARE(model.data(model.index(row, ApiKeyListModel::ExpiresColumn)).toString(), QStringLiteral("never"));
        // The secret is nowhere in the model.
        for (int column = 0; column < ApiKeyListModel::ColumnCount; ++column) {
            const QString shown = model.data(model.index(row, column)).toString();
            for (const QString& secret : std::as_const(secrets))
                QVERIFY(!shown.contains(secret));
        }
    }
}

void TestModelsAdmin::apiKeysFilterByOwnerAndShowRevocation()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User owner = world.makeUser(world.orgB.id, QStringLiteral("power_user"));
    Id revoked = 0;
    for (int i = 0; i < 3; ++i) {
        NewApiKey key;
        key.name = QStringLiteral("owner key %1").arg(i);
        key.userId = i < 2 ? owner.id : world.superAdmin.id;
        key.scopes = { QStringLiteral("kb:view") };
        key.expiresAt = QDateTime::currentDateTimeUtc().addDays(30);
        auto created = db->store().apiKeys().create(world.superActor, key);
        QVERIFY_RESULT(created);
        if (i == 0)
            revoked = created->key.id;
    }
    QVERIFY_RESULT(db->store().apiKeys().revoke(world.superActor, revoked));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    ApiKeyListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(true);
    QSignalSpy page(&model, &LazyTableModel::pageLoaded);
    model.setOwner(owner.id);
    QVERIFY(page.wait(10000));
    QCOMPARE(model.rowCount(), 2);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.keyAt(row).userId, owner.id);
    const int row = model.rowOf(revoked);
    QVERIFY(row >= 0);
    QCOMPARE(model.data(model.index(row, ApiKeyListModel::StatusColumn)).toString(), QStringLiteral("Revoked"));
    QCOMPARE(model.data(model.index(row, 0), ApiKeyListModel::StatusRole).toString(), QStringLiteral("revoked"));
    QVERIFY(model.data(model.index(row, ApiKeyListModel::ExpiresColumn)).toString() != QStringLiteral("never"));
    const int other = row == 0 ? 1 : 0;
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.markRevoked(model.keyAt(other).id);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.data(model.index(other, ApiKeyListModel::StatusColumn)).toString(), QStringLiteral("Revoked"));
    model.setOwner(0);
    QVERIFY(page.wait(10000));
    QCOMPARE(model.rowCount(), 3);
}

void TestModelsAdmin::organizationsMatchTheStore()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    world.makeUser(world.orgB.id, QStringLiteral("user"));
    QVERIFY_RESULT(db->store().organizations().suspend(world.superActor, world.orgB.id));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    OrganizationListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(&model, &OrganizationListModel::loaded);
    model.reload();
    QVERIFY(loaded.wait(10000));
    auto stored = db->store().organizations().list(world.superActor);
    QVERIFY_RESULT(stored);
    QCOMPARE(model.rowCount(), int(stored->size()));
    for (const Organization& o : *stored) {
        const int row = model.rowOf(o.id);
        QVERIFY(row >= 0);
        QCOMPARE(model.data(model.index(row, OrganizationListModel::NameColumn)).toString(), o.name);
        QCOMPARE(model.data(model.index(row, OrganizationListModel::SlugColumn)).toString(), o.slug);
        QCOMPARE(model.data(model.index(row, OrganizationListModel::UsersColumn)).toString(),
                 QStringLiteral("%1 / %2").arg(o.userCount).arg(o.maxUsers));
        QCOMPARE(model.data(model.index(row, OrganizationListModel::StatusColumn)).toString(),
                 o.active ? QStringLiteral("Active") : QStringLiteral("Suspended"));
    }
    const int globex = model.rowOf(world.orgB.id);
    QCOMPARE(model.data(model.index(globex, OrganizationListModel::PlanColumn)).toString(), QStringLiteral("Free"));
    QCOMPARE(model.data(model.index(globex, OrganizationListModel::UsersColumn)).toString(), QStringLiteral("1 / 5"));
    QCOMPARE(model.data(model.index(globex, OrganizationListModel::FeaturesColumn)).toString(), QStringLiteral("none"));
    QCOMPARE(model.data(model.index(model.rowOf(world.orgA.id), OrganizationListModel::FeaturesColumn)).toString(),
             QStringLiteral("chat"));

    // An admin sees their own organization only.
    const User admin = world.makeUser(world.orgA.id, QStringLiteral("admin"));
    SqlBackend adminBackend(db->config());
    QVERIFY_RESULT(awaitResult(adminBackend.signIn(admin.email, kStrongPassword)));
    OrganizationListModel own(&adminBackend);
    QAbstractItemModelTester ownTester(&own, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy ownLoaded(&own, &OrganizationListModel::loaded);
    own.reload();
    QVERIFY(ownLoaded.wait(10000));
    QCOMPARE(own.rowCount(), 1);
    QCOMPARE(own.organizationAt(0).id, world.orgA.id);
}

void TestModelsAdmin::invitationsShowTheirStatus()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    auto pending = db->store().organizations().invite(world.superActor, world.orgA.id,
                                                      QStringLiteral("pending@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(pending);
    auto revoked = db->store().organizations().invite(world.superActor, world.orgA.id,
                                                      QStringLiteral("revoked@example.test"), QStringLiteral("viewer"));
    QVERIFY_RESULT(revoked);
    QVERIFY_RESULT(db->store().organizations().revokeInvitation(world.superActor, revoked->invitation.id));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    InvitationListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy loaded(&model, &InvitationListModel::loaded);
    model.setOrganization(world.orgA.id);
    QVERIFY(loaded.wait(10000));
    auto stored = db->store().organizations().invitations(world.superActor, world.orgA.id);
    QVERIFY_RESULT(stored);
    QCOMPARE(model.rowCount(), int(stored->size()));
    QCOMPARE(model.rowCount(), 2);
    for (int row = 0; row < model.rowCount(); ++row) {
        const Invitation& i = model.invitationAt(row);
        QCOMPARE(model.data(model.index(row, InvitationListModel::EmailColumn)).toString(), i.email);
        QCOMPARE(model.data(model.index(row, 0), InvitationListModel::StatusRole).toString(), i.status());
        QCOMPARE(model.data(model.index(row, InvitationListModel::StatusColumn)).toString(),
                 i.email.startsWith(QLatin1String("pending")) ? QStringLiteral("Pending") : QStringLiteral("Revoked"));
        QCOMPARE(model.data(model.index(row, InvitationListModel::RoleColumn)).toString(),
                 i.email.startsWith(QLatin1String("pending")) ? QStringLiteral("user") : QStringLiteral("viewer"));
    }
    // Another organization: the list empties, then shows that one's (none).
    model.setOrganization(world.orgB.id);
    QVERIFY(loaded.wait(10000));
    QCOMPARE(model.rowCount(), 0);
    model.setOrganization(0);
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestModelsAdmin)
#include "tst_models_admin.moc"
