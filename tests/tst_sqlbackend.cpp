// The asynchronous backend: work runs off the calling thread on connections of its own, results
// come back as futures, concurrent writers keep the audit chain linear, and a bad database is an
// error, not a crash.

#include "sqlbackend.h"
#include "testutil.h"

#include <QFutureWatcher>
#include <QSignalSpy>
#include <QThread>

using namespace portcullis;
using namespace portcullis::test;

namespace {

// Waits for a future with the event loop running (as the console would), then returns its result.
template <typename T> T awaitResult(QFuture<T> future)
{
    QFutureWatcher<T> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(future);
    if (!watcher.isFinished())
        finished.wait(30000);
    return future.result();
}

} // namespace

class TestSqlBackend : public QObject
{
    Q_OBJECT

private slots:
    void workRunsOffTheCallingThread();
    void concurrentWritersKeepTheChainValid();
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
