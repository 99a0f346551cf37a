// UserListModel as a model: QAbstractItemModelTester, lazy pages, resets on a new filter; on the
// database and on a real better-auth server (BetterAuthBackend).

#include "backendidle.h"
#include "betterauth/betterauthbackend.h"
#include "betterauthprocess.h"
#include "guiutil.h"
#include "userlistmodel.h"

#include <QAbstractItemModelTester>
#include <QNetworkAccessManager>
#include <QSqlError>
#include <QSqlQuery>

using namespace portcullis;
using namespace portcullis::test;

class TestModelsUsers : public QObject
{
    Q_OBJECT

private slots:
    void pagesInLazily();
    void pagesInLazilyFromBetterAuth();
    void filterResetsAndStaleResultsAreDropped();
    void failureIsReported();
    void pagesOnPastABoundedTotal();
};

void TestModelsUsers::pagesInLazily()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    for (int i = 0; i < 23; ++i)
        world.makeUser(world.orgA.id, QStringLiteral("viewer"),
                       QStringLiteral("page%1").arg(i, 2, 10, QLatin1Char('0')));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    UserListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(true);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    UserQuery q;
    q.search = QStringLiteral("page");
    q.limit = 10;
    QSignalSpy page(&model, &LazyTableModel::pageLoaded);
    model.setQuery(q);
    QVERIFY(page.wait(10000));
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.total(), 23);
    QVERIFY(model.canFetchMore({}));
    model.fetchMore({});
    QVERIFY(page.wait(10000));
    model.fetchMore({});
    QVERIFY(page.wait(10000));
    QCOMPARE(model.rowCount(), 23);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(inserted.size(), 3);
    QCOMPARE(model.data(model.index(0, UserListModel::EmailColumn)).toString(), QStringLiteral("page00@example.test"));
    QCOMPARE(model.data(model.index(22, UserListModel::EmailColumn)).toString(), QStringLiteral("page22@example.test"));
}

// The same lazy paging over better-auth's list-users (limit/offset with its total).
void TestModelsUsers::pagesInLazilyFromBetterAuth()
{
    BetterAuthProcess server;
    QVERIFY2(server.start({ QStringLiteral("--users"), QStringLiteral("23") }), qPrintable(server.error()));
    QNetworkAccessManager network;
    BetterAuthBackend backend(&network, server.url());
    QVERIFY_RESULT(awaitResult(backend.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword)));
    UserListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(true);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy page(&model, &LazyTableModel::pageLoaded);
    UserQuery q;
    q.search = QStringLiteral("@example.com");
    q.limit = 10;
    model.setQuery(q);
    QVERIFY(page.wait(10000));
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.total(), 23);
    while (model.canFetchMore({})) {
        model.fetchMore({});
        QVERIFY(page.wait(10000));
    }
    QCOMPARE(model.rowCount(), 23);
    QCOMPARE(inserted.size(), 3);
    QCOMPARE(model.data(model.index(0, UserListModel::EmailColumn)).toString(), QStringLiteral("user0001@example.com"));
    QCOMPARE(model.data(model.index(22, UserListModel::EmailColumn)).toString(),
             QStringLiteral("user0023@example.com"));
}

void TestModelsUsers::filterResetsAndStaleResultsAreDropped()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    world.makeUser(world.orgA.id, QStringLiteral("viewer"), QStringLiteral("apple"));
    world.makeUser(world.orgA.id, QStringLiteral("viewer"), QStringLiteral("banana"));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    UserListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    UserQuery q;
    q.search = QStringLiteral("apple");
    model.setQuery(q);
    q.search = QStringLiteral("banana"); // before the first page arrived
    model.setQuery(q);
    QTRY_VERIFY(model.hasLoadedOnce() && !model.isLoading());
    // The "apple" page has arrived too (every earlier call is over and its continuation ran): it
    // must have been dropped.
    QVERIFY(waitUntilIdle(backend));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.userAt(0).username, QStringLiteral("banana"));
    QCOMPARE(reset.size(), 2);
}

void TestModelsUsers::failureIsReported()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User viewer = world.makeUser(world.orgA.id, QStringLiteral("viewer"));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(viewer.email, kStrongPassword)));
    UserListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy failed(&model, &LazyTableModel::loadFailed);
    model.setQuery(UserQuery {});
    QVERIFY(failed.wait(10000));
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.lastError().contains(QLatin1String("admin:user")));
    QVERIFY(!model.canFetchMore({})); // no retry storm: F5 reloads
}

void TestModelsUsers::pagesOnPastABoundedTotal()
{
    // More matches than the store counts (limits::ExactTotalBound): the total says "at least", and
    // the model pages on until a short page instead of stopping at the total.
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    QSqlDatabase& sql = db->store().core().db();
    QVERIFY(sql.transaction());
    QSqlQuery insert(sql);
    insert.prepare(QStringLiteral("INSERT INTO users (email, username, full_name, organization_id, password_hash, "
                                  "created_at, updated_at) VALUES (?, ?, 'Crowd', ?, 'x', 0, 0)"));
    const int many = limits::ExactTotalBound + 20;
    for (int i = 0; i < many; ++i) {
        insert.addBindValue(QStringLiteral("crowd%1@many.test").arg(i, 5, 10, QLatin1Char('0')));
        insert.addBindValue(QStringLiteral("crowd%1").arg(i));
        insert.addBindValue(world.orgA.id);
        QVERIFY2(insert.exec(), qPrintable(insert.lastError().text()));
    }
    QVERIFY(sql.commit());
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    UserListModel model(&backend);
    QSignalSpy page(&model, &LazyTableModel::pageLoaded);
    UserQuery q;
    q.search = QStringLiteral("crowd");
    q.limit = 500;
    model.setQuery(q);
    QVERIFY(page.wait(10000));
    QCOMPARE(model.total(), qint64(limits::ExactTotalBound));
    QVERIFY(model.totalIsLowerBound());
    while (model.rowCount() < limits::ExactTotalBound) {
        QVERIFY(model.canFetchMore({}));
        model.fetchMore({});
        QVERIFY(page.wait(10000));
    }
    QCOMPARE(model.rowCount(), limits::ExactTotalBound);
    QVERIFY(model.canFetchMore({})); // the total was a lower bound: more may follow
    model.fetchMore({});
    QVERIFY(page.wait(10000));
    QCOMPARE(model.rowCount(), many);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(model.data(model.index(many - 1, UserListModel::EmailColumn)).toString(),
             QStringLiteral("crowd%1@many.test").arg(many - 1, 5, 10, QLatin1Char('0')));
}

QTEST_MAIN(TestModelsUsers)
#include "tst_models_users.moc"
