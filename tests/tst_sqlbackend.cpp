// The asynchronous backend: work runs off the calling thread on connections of its own, results
// come back as futures, concurrent writers keep the audit chain linear, and a bad database is an
// error, not a crash.

#include "sqlbackend.h"
#include "testutil.h"

#include <QSignalSpy>
#include <QThread>

using namespace portcullis;
using namespace portcullis::test;

class TestSqlBackend : public QObject
{
    Q_OBJECT

private slots:
    void workRunsOffTheCallingThread();
    void concurrentWritersKeepTheChainValid();
    void exportWritesTheFileOrNothing();
    void activityCountsPerDay();
    void missingFolderIsAClearError();
    void corruptFileIsAClearError();
};

void TestSqlBackend::workRunsOffTheCallingThread()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.open()));

    QThread* const mainThread = QThread::currentThread();
    const QString email = world.superAdmin.email;
    auto login = awaitResult(backend.run([email, mainThread](SqlStore& store) -> Result<LoginResult> {
        if (QThread::currentThread() == mainThread)
            return ServiceError::storage(QStringLiteral("ran on the calling thread"));
        return store.auth().login(email, kStrongPassword);
    }));
    QVERIFY_RESULT(login);
    const Actor actor = login->actor;
    auto page = awaitResult(backend.run([actor](SqlStore& store) { return store.users().list(actor, UserQuery {}); }));
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->items.first().email, email);
}

void TestSqlBackend::concurrentWritersKeepTheChainValid()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    SqlBackend backend(db->config(), 4);
    const Actor actor = world.superActor;
    const Id org = world.orgA.id;
    QList<QFuture<Result<User>>> futures;
    for (int i = 0; i < 24; ++i) {
        futures << backend.run([actor, org, i](SqlStore& store) {
            NewUser nu;
            nu.email = QStringLiteral("parallel%1@example.test").arg(i);
            nu.username = QStringLiteral("parallel%1").arg(i);
            nu.password = kStrongPassword;
            nu.organizationId = org;
            return store.users().create(actor, nu);
        });
    }
    for (auto& f : futures)
        QVERIFY_RESULT(awaitResult(f));
    const AuditVerification v = db->store().audit().verifyChain();
    QVERIFY2(v.ok, qPrintable(v.problem));
    UserQuery q;
    q.search = QStringLiteral("parallel");
    auto page = db->store().users().list(actor, q);
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 24);
}

void TestSqlBackend::exportWritesTheFileOrNothing()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    for (int i = 0; i < 10; ++i)
        world.makeUser(world.orgA.id, QStringLiteral("viewer"));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    const QString path = db->tempPath() + QStringLiteral("/audit.jsonl");
    auto progressCalls = std::make_shared<std::atomic_int>(0);
    auto written = awaitResult(backend.exportAudit(
        AuditQuery {}, path, true, [progressCalls](qint64) { ++*progressCalls; },
        std::make_shared<std::atomic_bool>(false)));
    QVERIFY_RESULT(written);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(qint64(file.readAll().trimmed().split('\n').size()), *written);
    QVERIFY(progressCalls->load() > 0);

    const QString cancelled = db->tempPath() + QStringLiteral("/cancelled.csv");
    auto stop = std::make_shared<std::atomic_bool>(true);
    auto refused = awaitResult(backend.exportAudit(AuditQuery {}, cancelled, false, {}, stop));
    QVERIFY(!refused.ok());
    QVERIFY(!QFile::exists(cancelled)); // no partial file left behind
}

void TestSqlBackend::activityCountsPerDay()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User member = world.makeUser(world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(db->store().auth().login(member.email, kStrongPassword));
    QVERIFY(!db->store().auth().login(member.email, QStringLiteral("Wrong-Password-1")).ok());
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    auto series = awaitResult(backend.activity(0, 30));
    QVERIFY_RESULT(series);
    QCOMPARE(series->size(), 30);
    QCOMPARE(series->last().day, QDateTime::currentDateTimeUtc().date());
    QCOMPARE(series->last().signIns, 2); // the member and the super admin
    QCOMPARE(series->last().failedSignIns, 1);
    QVERIFY(series->last().adminActions >= 4); // organizations and users created by the fixture
    QCOMPARE(series->first().signIns, 0);
}

void TestSqlBackend::missingFolderIsAClearError()
{
    DatabaseConfig config;
    config.path = QStringLiteral("/nonexistent-folder-for-portcullis/db.sqlite");
    SqlBackend backend(config);
    const Status status = awaitResult(backend.open());
    QVERIFY(!status.ok());
    QVERIFY2(status.error().message.contains(QLatin1String("does not exist")), qPrintable(status.error().message));
}

void TestSqlBackend::corruptFileIsAClearError()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("corrupt.db"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(8192, 'x'));
    file.close();
    DatabaseConfig config;
    config.path = path;
    SqlBackend backend(config);
    const Status status = awaitResult(backend.open());
    QVERIFY(!status.ok());
    QCOMPARE(status.error().codeName(), QStringLiteral("storage"));
    QVERIFY2(status.error().message.contains(QLatin1String("not a database")), qPrintable(status.error().message));
    QFile check(path);
    QVERIFY(check.open(QIODevice::ReadOnly));
    QCOMPARE(check.readAll(), QByteArray(8192, 'x')); // the file is left as it was
}

QTEST_GUILESS_MAIN(TestSqlBackend)
#include "tst_sqlbackend.moc"
