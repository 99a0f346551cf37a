// Faults under load, against the real portcullis-server (PORTCULLIS_SERVER_BIN) on a loopback port:
// - kill -9 of `serve` during concurrent writes loses nothing it acknowledged: after a restart on the
//   same database every acknowledged user exists and every acknowledged ban is in force, the audit
//   chain verifies (verify-audit) and SQLite's integrity_check is ok;
// - PostgreSQL stopped under load: requests get 503 problems quickly (never a 500, never a hang, the
//   server stays up), and once PostgreSQL is back requests succeed again without a restart. The
//   test runs a private PostgreSQL cluster of its own (initdb into a temporary folder) so it can stop
//   it; it skips only when the PostgreSQL 15 server binaries are not installed;
// - a SQLite file locked by another writer: writes get 503 with Retry-After, not 500, and succeed
//   once the lock is gone.
// With PORTCULLIS_TEST_DIALECT=postgres (tst_faults_pg) the kill -9 test runs on the shared test
// PostgreSQL server.

#include "faultload.h"
#include "privatepostgres.h"
#include "serverprocess.h"
#include "testutil.h"

#include "sql/auditkey.h"
#include "sql/database.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <pwd.h>
#include <unistd.h>

using namespace portcullis;
using namespace portcullis::test;

namespace {

const QString kPassword = QStringLiteral("Correct-Horse-42-battery");
constexpr int kWaitMs = 30000;

struct Http
{
    int status = 0;
    QByteArray body;
    QByteArray contentType;
    QByteArray retryAfter;
    QString error;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString describe() const
    {
        return QStringLiteral("HTTP %1 %2 %3").arg(status).arg(error, QString::fromUtf8(body.left(500)));
    }
};

// One request, waited for by running the event loop.
Http request(QNetworkAccessManager& network, const QString& baseUrl, const QByteArray& method, const QString& path,
             const QByteArray& token = {}, const QJsonObject& body = {})
{
    QNetworkRequest r(QUrl(baseUrl + path));
    r.setTransferTimeout(kWaitMs);
    if (!token.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + token);
    QByteArray payload;
    if (!body.isEmpty()) {
        payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
        r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    }
    QNetworkReply* reply
        = payload.isEmpty() ? network.sendCustomRequest(r, method) : network.sendCustomRequest(r, method, payload);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    Http result;
    if (!reply->isFinished() && !finished.wait(kWaitMs + 5000)) {
        reply->abort();
        result.error = QStringLiteral("timed out");
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (reply->error() != QNetworkReply::NoError)
        result.error = reply->errorString();
    result.body = reply->readAll();
    result.contentType = reply->rawHeader("Content-Type");
    result.retryAfter = reply->rawHeader("Retry-After");
    reply->deleteLater();
    return result;
}

QByteArray signIn(QNetworkAccessManager& network, const QString& baseUrl)
{
    const Http r = request(network, baseUrl, "POST", QStringLiteral("/api/auth/login"), {},
                           { { QStringLiteral("email"), kRootEmail }, { QStringLiteral("password"), kRootPassword } });
    if (r.status != 200)
        qWarning().noquote() << "sign-in failed:" << r.describe();
    return r.json().value(QStringLiteral("access_token")).toString().toLatin1();
}

QJsonObject newUser(const QString& name)
{
    return { { QStringLiteral("email"), QString(name + QStringLiteral("@example.com")) },
             { QStringLiteral("username"), name },
             { QStringLiteral("full_name"), QString(QStringLiteral("Fault ") + name) },
             { QStringLiteral("password"), kPassword },
             { QStringLiteral("organization_id"), 1 },
             { QStringLiteral("role_codes"), QJsonArray { QStringLiteral("user") } } };
}

bool isProblem(const LoadResult& r)
{
    return r.contentType.startsWith("application/problem+json")
        && !QJsonDocument::fromJson(r.body).object().value(QStringLiteral("type")).toString().isEmpty();
}

} // namespace

class TestFaults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void killDuringConcurrentWritesLosesNothingAcknowledged();
    void postgresStoppedUnderLoadAnswers503AndRecovers_data();
    void postgresStoppedUnderLoadAnswers503AndRecovers();
    void lockedSqliteFileAnswers503WithRetryAfter();
    void serveWaitsForTheDatabaseAtStart();
};

void TestFaults::initTestCase()
{
    QVERIFY2(!serverBinary().isEmpty(), "PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
}

void TestFaults::killDuringConcurrentWritesLosesNothingAcknowledged()
{
    auto db = TestDatabase::create();
    QString error;
    QVERIFY2(initDeployment(db->url(), db->tempPath(), &error), qPrintable(error));
    const QString secret = db->tempPath() + QStringLiteral("/jwt-secret");
    QNetworkAccessManager network;
    auto server = std::make_unique<ServerProcess>();
    const QString run = QString::number(QCoreApplication::applicationPid());
    QList<QPair<qint64, QString>> users; // acknowledged creates: id, email
    QList<qint64> bans; // acknowledged bans
    int totalInterrupted = 0;
    // Three crashes in a row: each restart recovers what the last one left (SQLite's WAL,
    // PostgreSQL's sessions that died mid-transaction) before the next kill.
    constexpr int kRounds = 3;
    constexpr int kChains = 12;
    constexpr int kVictimsPerChain = 12;
    for (int round = 0; round < kRounds; ++round) {
        server = std::make_unique<ServerProcess>();
        QVERIFY2(server->start(db->url(), secret), qPrintable(server->output()));
        const QByteArray token = signIn(network, server->baseUrl());
        QVERIFY(!token.isEmpty());

        // Users to ban, a list per chain, so that no two chains ban the same user.
        QList<QList<qint64>> victims(kChains);
        for (int chain = 0; chain < kChains; ++chain) {
            for (int i = 0; i < kVictimsPerChain; ++i) {
                const Http created
                    = request(network, server->baseUrl(), "POST", QStringLiteral("/api/admin/users"), token,
                              newUser(QStringLiteral("victim%1r%2c%3x%4").arg(run).arg(round).arg(chain).arg(i)));
                QVERIFY2(created.status == 201, qPrintable(created.describe()));
                victims[chain] << created.json().value(QStringLiteral("id")).toInteger();
            }
        }

        // Each chain alternates a create and a ban of its next victim.
        LoadDriver load(
            server->baseUrl(), token,
            [&](int chain, int n) {
                LoadOp op;
                const int victim = n / 2;
                if (n % 2 == 1 && victim < kVictimsPerChain) {
                    const qint64 id = victims.at(chain).at(victim);
                    op.kind = QStringLiteral("ban");
                    op.method = "POST";
                    op.path = QStringLiteral("/api/admin/users/%1/ban").arg(id);
                    op.body = { { QStringLiteral("reason"), QStringLiteral("fault test") } };
                    op.tag = id;
                } else {
                    const QString name = QStringLiteral("k%1r%2c%3n%4").arg(run).arg(round).arg(chain).arg(n);
                    op.kind = QStringLiteral("create");
                    op.method = "POST";
                    op.path = QStringLiteral("/api/admin/users");
                    op.body = newUser(name);
                    op.tag = QString(name + QStringLiteral("@example.com"));
                }
                return op;
            },
            kChains);
        load.start();
        auto acknowledged = [&load] { return load.count([](const LoadResult& r) { return r.acknowledged(); }); };
        QTRY_VERIFY_WITH_TIMEOUT(acknowledged() >= 40 + 20 * round, 60000);
        QVERIFY2(load.inFlight() > 0, "nothing in flight to interrupt");
        load.stop(); // no new requests; the ones in flight stay in flight
        server->kill(); // SIGKILL, mid-flight
        QTRY_COMPARE_WITH_TIMEOUT(load.inFlight(), 0, 30000);

        // What the clients were told.
        int interrupted = 0;
        int created = 0;
        int banned = 0;
        for (const LoadResult& r : load.results()) {
            if (r.status == 0) {
                ++interrupted;
                continue;
            }
            QVERIFY2(r.acknowledged(), qPrintable(r.describe())); // nothing else is expected before the kill
            if (r.op.kind == QLatin1String("create")) {
                users << qMakePair(r.json().value(QStringLiteral("id")).toInteger(), r.op.tag.toString());
                ++created;
            } else {
                bans << r.op.tag.toLongLong();
                ++banned;
            }
        }
        qInfo("round %d: acknowledged %d creates and %d bans; %d requests interrupted by the kill", round + 1, created,
              banned, interrupted);
        QVERIFY(created > 0 && banned > 0);
        totalInterrupted += interrupted;
    }
    // Some writes were cut off mid-flight (their outcome is unknown, and nothing is asserted on them).
    QVERIFY(totalInterrupted > 0);

    // The same database, a new server: everything acknowledged is there.
    server = std::make_unique<ServerProcess>();
    QVERIFY2(server->start(db->url(), secret), qPrintable(server->output()));
    const QByteArray again = signIn(network, server->baseUrl());
    QVERIFY(!again.isEmpty());
    for (const auto& [id, email] : std::as_const(users)) {
        const Http r = request(network, server->baseUrl(), "GET", QStringLiteral("/api/admin/users/%1").arg(id), again);
        QVERIFY2(r.status == 200, qPrintable(QStringLiteral("acknowledged user %1 lost: ").arg(id) + r.describe()));
        QCOMPARE(r.json().value(QStringLiteral("email")).toString(), email);
    }
    for (const qint64 id : std::as_const(bans)) {
        const Http r = request(network, server->baseUrl(), "GET", QStringLiteral("/api/admin/users/%1").arg(id), again);
        QVERIFY2(r.status == 200, qPrintable(r.describe()));
        QVERIFY2(r.json().value(QStringLiteral("status")).toString() == QLatin1String("banned"),
                 qPrintable(QStringLiteral("acknowledged ban of %1 lost: ").arg(id) + r.describe()));
        QCOMPARE(r.json().value(QStringLiteral("ban_reason")).toString(), QStringLiteral("fault test"));
    }
    // And the restarted server takes writes.
    const Http after = request(network, server->baseUrl(), "POST", QStringLiteral("/api/admin/users"), again,
                               newUser(QStringLiteral("after%1").arg(run)));
    QVERIFY2(after.status == 201, qPrintable(after.describe()));
    server->stop();

    // The audit chain verifies (every acknowledged change wrote its event in the same transaction).
    const CommandRun verified = runCommand({ QStringLiteral("verify-audit"), QStringLiteral("--db"), db->url() });
    QVERIFY2(verified.exitCode == 0, qPrintable(verified.all()));
    if (!db->isPostgres()) {
        QSqlDatabase check = db->openConnection(QStringLiteral("tst_faults_integrity"));
        QSqlQuery q(check);
        QVERIFY2(q.exec(QStringLiteral("PRAGMA integrity_check")), qPrintable(q.lastError().text()));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
    }
}

void TestFaults::postgresStoppedUnderLoadAnswers503AndRecovers_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("pg_ctl stop -m fast") << QStringLiteral("fast");
    QTest::newRow("pg_ctl stop -m immediate (a crash)") << QStringLiteral("immediate");
}

void TestFaults::postgresStoppedUnderLoadAnswers503AndRecovers()
{
    QFETCH(QString, mode);
    SKIP_WITHOUT_PRIVATE_POSTGRES();
    PostgresDeployment deployment;
    QString error;
    QVERIFY2(deployment.create(&error), qPrintable(error));
    PrivatePostgres& postgres = deployment.postgres;
    ServerProcess server;
    QVERIFY2(server.start(postgres.url(), deployment.jwtSecretFile(),
                          { QStringLiteral("--threads"), QStringLiteral("4"), QStringLiteral("--checkpoint-interval"),
                            QStringLiteral("1") }),
             qPrintable(server.output()));
    QNetworkAccessManager network;
    const QByteArray token = signIn(network, server.baseUrl());
    QVERIFY(!token.isEmpty());

    // Reads and writes from eight chains.
    const QString run = QString::number(QCoreApplication::applicationPid());
    LoadDriver load(
        server.baseUrl(), token,
        [&](int chain, int n) {
            LoadOp op;
            op.method = n % 3 == 2 ? QByteArray("POST") : QByteArray("GET");
            if (op.method == "POST") {
                op.kind = QStringLiteral("create");
                op.path = QStringLiteral("/api/admin/users");
                op.body = newUser(QStringLiteral("pg%1c%2n%3").arg(run).arg(chain).arg(n));
            } else {
                op.kind = QStringLiteral("list");
                op.path = QStringLiteral("/api/admin/users?limit=5");
            }
            return op;
        },
        8);
    load.start();
    QTRY_VERIFY_WITH_TIMEOUT(load.count([](const LoadResult& r) { return r.acknowledged(); }) >= 30, 30000);

    const qint64 stopping = load.now();
    QVERIFY2(postgres.stop(mode, &error), qPrintable(error));
    const qint64 stopped = load.now();
    QTest::qWait(3000); // the load goes on against a server without its database
    QVERIFY2(server.process()->state() == QProcess::Running, qPrintable(server.log().right(3000)));
    const qint64 restarting = load.now();
    QVERIFY2(postgres.start(&error), qPrintable(error));
    const qint64 restarted = load.now();
    const qsizetype logAtRestart = server.log().size();
    // Back by itself: a run of successes, reads and writes, within a few seconds.
    auto recoveredAt = [&load, restarted]() -> qint64 {
        int streak = 0;
        bool write = false;
        for (const LoadResult& r : load.results()) {
            if (r.startedMs < restarted)
                continue;
            streak = r.acknowledged() ? streak + 1 : 0;
            write = streak == 0 ? false : (write || r.op.kind == QLatin1String("create"));
            if (streak >= 20 && write)
                return r.finishedMs;
        }
        return -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(recoveredAt() >= 0, 20000);
    load.stop();
    QTRY_COMPARE_WITH_TIMEOUT(load.inFlight(), 0, 30000);
    qInfo("PostgreSQL stopped in %lld ms, restarted in %lld ms; the server answered again %lld ms after the restart",
          stopped - stopping, restarted - restarting, recoveredAt() - restarted);
    QVERIFY2(recoveredAt() - restarted < 10000, "the server took more than 10 s to recover");

    int unavailable = 0;
    for (const LoadResult& r : load.results()) {
        // Never a transport error (the server stays up), never a 500, never a hang.
        QVERIFY2(r.status != 0, qPrintable(r.describe()));
        if (r.status >= 500 && r.status != 503) {
            // The cause is in the server's log, under the request id.
            const QStringList lines = server.log().split(QLatin1Char('\n'));
            QStringList why;
            for (const QString& line : lines) {
                if (line.contains(QLatin1String("storage error")) || line.contains(QLatin1String("portcullis.sql")))
                    why << line;
            }
            QFAIL(qPrintable(r.describe() + QLatin1Char('\n') + why.mid(0, 12).join(QLatin1Char('\n'))));
        }
        QVERIFY2(r.finishedMs - r.startedMs < 6000, qPrintable(r.describe()));
        if (r.status == 503) {
            ++unavailable;
            QVERIFY2(isProblem(r), qPrintable(r.describe()));
            QVERIFY2(!r.retryAfter.isEmpty(), qPrintable(r.describe()));
            QCOMPARE(r.json().value(QStringLiteral("code")).toString(), QStringLiteral("unavailable"));
        }
        // Started after the database was gone and finished before it came back: refused.
        if (r.startedMs > stopped && r.finishedMs < restarting)
            QVERIFY2(r.status == 503, qPrintable(r.describe()));
        else if (r.startedMs > recoveredAt())
            QVERIFY2(r.acknowledged(), qPrintable(r.describe()));
    }
    QVERIFY(unavailable > 0);
    const int down
        = load.count([&](const LoadResult& r) { return r.startedMs > stopped && r.finishedMs < restarting; });
    qInfo("%d requests while PostgreSQL was down, %d answers 503 in all", down, unavailable);
    QVERIFY2(down >= 20, "too few requests while PostgreSQL was down");
    QVERIFY2(server.process()->state() == QProcess::Running, qPrintable(server.log().right(3000)));
    // The audit checkpoint (every second here) was postponed while the database was away, never
    // reported as evidence of tampering, and is written again once it is back.
    const QRegularExpression written(QStringLiteral("audit checkpoint \\d+ at event"));
    QTRY_VERIFY2_WITH_TIMEOUT(server.log().mid(logAtRestart).contains(written), qPrintable(server.log().right(2000)),
                              10000);
    QVERIFY2(!server.log().contains(QLatin1String("audit checkpoint:")), qPrintable(server.log().right(2000)));
    // Every line of the log has a category, one message a line: the PostgreSQL driver's notices
    // ("FATAL: terminating connection ...", "server closed the connection unexpectedly" over
    // several lines) used to come without one, spread over several lines.
    server.stop();
    const QRegularExpression categorised(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+ [a-z][a-z0-9_.]* (debug|info|warning|critical|fatal): \\S"));
    int lines = 0;
    for (const QString& line : server.log().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        ++lines;
        QVERIFY2(categorised.match(line).hasMatch() || line.startsWith(QLatin1String("portcullis-server serve: ")),
                 qPrintable(QStringLiteral("a line without a category: \"%1\"").arg(line)));
    }
    QVERIFY(lines > 0);
    // An immediate shutdown warns every idle connection: that warning is in the log, one line.
    if (mode == QLatin1String("immediate"))
        QVERIFY2(server.log().contains(QLatin1String("portcullis.sql warning: PostgreSQL: WARNING: terminating "
                                                     "connection")),
                 qPrintable(server.log().right(3000)));
}

void TestFaults::lockedSqliteFileAnswers503WithRetryAfter()
{
    auto db = TestDatabase::create(QStringLiteral("sqlite"));
    QString error;
    QVERIFY2(initDeployment(db->url(), db->tempPath(), &error), qPrintable(error));
    ServerProcess server;
    QVERIFY2(server.start(db->url(), db->tempPath() + QStringLiteral("/jwt-secret")), qPrintable(server.output()));
    QNetworkAccessManager network;
    const QByteArray token = signIn(network, server.baseUrl());
    QVERIFY(!token.isEmpty());

    // Another program holds the write lock.
    QSqlDatabase other = db->openConnection(QStringLiteral("tst_faults_other_writer"));
    QSqlQuery lock(other);
    QVERIFY2(lock.exec(QStringLiteral("BEGIN IMMEDIATE")), qPrintable(lock.lastError().text()));
    QElapsedTimer timer;
    timer.start();
    const Http refused = request(network, server.baseUrl(), "POST", QStringLiteral("/api/admin/users"), token,
                                 newUser(QStringLiteral("locked")));
    const qint64 waited = timer.elapsed();
    QVERIFY2(refused.status == 503, qPrintable(refused.describe()));
    QVERIFY2(refused.contentType.startsWith("application/problem+json"), qPrintable(refused.describe()));
    QCOMPARE(refused.json().value(QStringLiteral("code")).toString(), QStringLiteral("unavailable"));
    QVERIFY2(!refused.retryAfter.isEmpty(), qPrintable(refused.describe()));
    QVERIFY2(waited < 10000, qPrintable(QString::number(waited)));
    // Reads go on meanwhile (WAL).
    QCOMPARE(request(network, server.baseUrl(), "GET", QStringLiteral("/api/admin/users?limit=5"), token).status, 200);

    QVERIFY(lock.exec(QStringLiteral("ROLLBACK")));
    const Http created = request(network, server.baseUrl(), "POST", QStringLiteral("/api/admin/users"), token,
                                 newUser(QStringLiteral("locked")));
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
}

QTEST_GUILESS_MAIN(TestFaults)
// A host that boots faster than its PostgreSQL: serve used to exit at once, and systemd stopped
// restarting it after five tries. Now it waits (saying so, with a growing delay) and starts when the
// database answers; with --startup-wait 0 it still fails at once.
void TestFaults::serveWaitsForTheDatabaseAtStart()
{
    SKIP_WITHOUT_PRIVATE_POSTGRES();
    PostgresDeployment deployment;
    QString error;
    QVERIFY2(deployment.create(&error), qPrintable(error));
    PrivatePostgres& postgres = deployment.postgres;
    QVERIFY2(postgres.stop(QStringLiteral("fast"), &error), qPrintable(error));
    const QString secret = deployment.jwtSecretFile();

    ServerProcess impatient;
    QVERIFY(!impatient.start(postgres.url(), secret, { QStringLiteral("--startup-wait"), QStringLiteral("0") }));
    QVERIFY2(!impatient.output().contains(QStringLiteral("trying again")), qPrintable(impatient.output()));

    // Meanwhile it listens and says it is starting: the health check is 503 "starting" with
    // Retry-After (a load balancer keeps it out, a monitor sees why), every other request a 503
    // problem; nothing reaches the database.
    ServerProcess patient;
    QVERIFY2(patient.start(postgres.url(), secret, {},
                           QStringLiteral("answering on (http://[0-9.]+:[0-9]+) with 503 \"starting\"")),
             qPrintable(patient.output()));
    QNetworkAccessManager network;
    const Http health = request(network, patient.baseUrl(), "GET", QStringLiteral("/api/health/auth"));
    QCOMPARE(health.status, 503);
    QCOMPARE(health.json().value(QStringLiteral("status")).toString(), QStringLiteral("starting"));
    QVERIFY2(!health.retryAfter.isEmpty(), qPrintable(health.describe()));
    const Http users = request(network, patient.baseUrl(), "GET", QStringLiteral("/api/admin/users"));
    QCOMPARE(users.status, 503);
    QVERIFY2(users.contentType.startsWith("application/problem+json"), qPrintable(users.describe()));
    QCOMPARE(users.json().value(QStringLiteral("type")).toString(), QStringLiteral("urn:portcullis:problem:starting"));
    QVERIFY2(!users.retryAfter.isEmpty(), qPrintable(users.describe()));
    const Http login
        = request(network, patient.baseUrl(), "POST", QStringLiteral("/api/auth/login"), {},
                  { { QStringLiteral("email"), kRootEmail }, { QStringLiteral("password"), kRootPassword } });
    QCOMPARE(login.status, 503);

    // PostgreSQL comes up: the same server, on the same port, then serves.
    QVERIFY2(postgres.start(&error), qPrintable(error));
    QTRY_VERIFY2_WITH_TIMEOUT(patient.output().contains(QStringLiteral("listening on ") + patient.baseUrl()),
                              qPrintable(patient.output()), 30000);
    QVERIFY2(patient.output().contains(QStringLiteral("the database is not reachable yet")),
             qPrintable(patient.output()));
    QVERIFY2(patient.output().contains(QStringLiteral("trying again in 1 s")), qPrintable(patient.output()));
    const Http healthy = request(network, patient.baseUrl(), "GET", QStringLiteral("/api/health/auth"));
    QCOMPARE(healthy.status, 200);
    QCOMPARE(healthy.json().value(QStringLiteral("status")).toString(), QStringLiteral("healthy"));
    QVERIFY(!signIn(network, patient.baseUrl()).isEmpty());
}

#include "tst_faults.moc"
