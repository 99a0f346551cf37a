// Two portcullis-server processes on one PostgreSQL database behind a real load balancer: HAProxy
// (Debian's haproxy package, installed by scripts/install-deps.sh --test), balancing every request
// round robin and naming the server that answered in X-Served-By. What one process learns, the other
// knows on the next request: a session revoked through one is refused by the other, and the sign-in
// throttle counts the failures that either saw. The suite skips only when haproxy is not installed.

#include "serverprocess.h"
#include "sql/server_support.h"
#include "testutil.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr int kWaitMs = 30000;

struct Answer
{
    int status = 0;
    QByteArray server; // X-Served-By: "a" or "b", as HAProxy names them
    QByteArray retryAfter;
    QByteArray body;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString describe() const
    {
        return QStringLiteral("HTTP %1 from %2: %3")
            .arg(status)
            .arg(QString::fromLatin1(server), QString::fromUtf8(body.left(400)));
    }
};

QString haproxyBinary()
{
    // Debian installs it in /usr/sbin, which is not always on a test runner's PATH.
    QString found = QStandardPaths::findExecutable(QStringLiteral("haproxy"));
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(QStringLiteral("haproxy"),
                                               { QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin") });
    return found;
}

int freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

} // namespace

class TestLoadBalancer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void bothServersAnswerThroughTheBalancer();
    void sessionRevokedThroughOneIsRefusedByTheOther();
    void signInThrottleIsShared(); // last: it leaves 127.0.0.1 refused for a while

private:
    Answer send(const QByteArray& method, const QString& path, const QByteArray& token = {},
                const QJsonObject& body = {});
    QJsonObject signIn(const QString& email, const QString& password);

    QString m_haproxy;
    QTemporaryDir m_dir;
    std::unique_ptr<TestDatabase> m_db;
    ServerProcess m_a;
    ServerProcess m_b;
    std::unique_ptr<QProcess> m_balancer;
    QString m_balancerUrl;
    QNetworkAccessManager m_network;
};

void TestLoadBalancer::initTestCase()
{
    m_haproxy = haproxyBinary();
    if (m_haproxy.isEmpty())
        QSKIP("haproxy is not installed (Debian package haproxy; scripts/install-deps.sh --test installs it): "
              "the load balancer tests did not run");
    QVERIFY2(!serverBinary().isEmpty(), "PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QVERIFY(m_dir.isValid());
    m_db = TestDatabase::create(QStringLiteral("postgres"));
    QString error;
    QVERIFY2(initDeployment(m_db->url(), m_dir.path(), &error), qPrintable(error));

    // Both servers share the database, the JWT secret and the audit key (PORTCULLIS_AUDIT_KEY_FILE,
    // set by TestDatabase), and believe X-Forwarded-For from the balancer only.
    const QString secret = m_dir.filePath(QStringLiteral("jwt-secret"));
    const QStringList behindBalancer { QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1") };
    QVERIFY2(m_a.start(m_db->url(), secret, behindBalancer), qPrintable(m_a.output()));
    QVERIFY2(m_b.start(m_db->url(), secret, behindBalancer), qPrintable(m_b.output()));

    const int port = freePort();
    QVERIFY(port != 0);
    const QString config = m_dir.filePath(QStringLiteral("haproxy.cfg"));
    {
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        // The configuration docs/operator-guide.md shows ("Scaling out behind a load balancer").
        file.write(QStringLiteral("global\n"
                                  "    maxconn 256\n"
                                  "defaults\n"
                                  "    mode http\n"
                                  "    option forwardfor\n"
                                  "    timeout connect 5s\n"
                                  "    timeout client 60s\n"
                                  "    timeout server 60s\n"
                                  "frontend portcullis\n"
                                  "    bind 127.0.0.1:%1\n"
                                  "    default_backend servers\n"
                                  "backend servers\n"
                                  "    balance roundrobin\n"
                                  "    option httpchk GET /api/health/auth\n"
                                  "    http-response set-header X-Served-By %[srv_name]\n"
                                  "    server a 127.0.0.1:%2 check inter 2s\n"
                                  "    server b 127.0.0.1:%3 check inter 2s\n")
                       .arg(port)
                       .arg(m_a.url().port())
                       .arg(m_b.url().port())
                       .toUtf8());
    }
    QProcess check;
    check.start(m_haproxy, { QStringLiteral("-c"), QStringLiteral("-f"), config });
    QVERIFY(check.waitForFinished(kWaitMs));
    QVERIFY2(check.exitCode() == 0, check.readAllStandardError().constData());

    m_balancer = std::make_unique<QProcess>();
#ifdef Q_OS_LINUX
    m_balancer->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
    m_balancer->setProcessChannelMode(QProcess::MergedChannels);
    // -db: in the foreground, so that the test owns the process.
    m_balancer->start(m_haproxy, { QStringLiteral("-db"), QStringLiteral("-f"), config });
    QVERIFY2(m_balancer->waitForStarted(kWaitMs), qPrintable(m_balancer->errorString()));
    m_balancerUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
    QElapsedTimer waited;
    waited.start();
    Answer health;
    while (waited.elapsed() < kWaitMs && health.status != 200) {
        if (m_balancer->state() == QProcess::NotRunning)
            QFAIL(m_balancer->readAll().constData());
        health = send("GET", QStringLiteral("/api/health/auth"));
        if (health.status != 200)
            QTest::qWait(100); // a retry loop until HAProxy answers (a positive event), not a check of absence
    }
    QVERIFY2(health.status == 200, qPrintable(health.describe() + QString::fromUtf8(m_balancer->readAll())));
}

void TestLoadBalancer::cleanupTestCase()
{
    if (m_balancer && m_balancer->state() != QProcess::NotRunning) {
        m_balancer->terminate();
        if (!m_balancer->waitForFinished(10000))
            m_balancer->kill();
    }
    m_a.stop();
    m_b.stop();
    for (ServerProcess* server : { &m_a, &m_b })
        QVERIFY2(!server->log().contains(QStringLiteral("Sanitizer")), qPrintable(server->log().right(3000)));
}

Answer TestLoadBalancer::send(const QByteArray& method, const QString& path, const QByteArray& token,
                              const QJsonObject& body)
{
    QNetworkRequest request(QUrl(m_balancerUrl + path));
    request.setTransferTimeout(kWaitMs);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    const QByteArray payload = body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
    if (!payload.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = m_network.sendCustomRequest(request, method, payload);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    Answer answer;
    if (reply->isFinished() || finished.wait(kWaitMs)) {
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.server = reply->rawHeader("X-Served-By");
        answer.retryAfter = reply->rawHeader("Retry-After");
        answer.body = reply->readAll();
    } else {
        reply->abort();
        answer.body = "timed out";
    }
    reply->deleteLater();
    return answer;
}

QJsonObject TestLoadBalancer::signIn(const QString& email, const QString& password)
{
    const Answer answer = send("POST", QStringLiteral("/api/auth/login"), {},
                               { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } });
    if (answer.status != 200)
        qWarning().noquote() << "sign-in failed:" << answer.describe();
    return answer.json();
}

void TestLoadBalancer::bothServersAnswerThroughTheBalancer()
{
    // Round robin over every request, kept-alive connection or not: the tests below rely on it.
    QSet<QByteArray> servers;
    for (int i = 0; i < 6; ++i) {
        const Answer answer = send("GET", QStringLiteral("/api/health/auth"));
        QVERIFY2(answer.status == 200, qPrintable(answer.describe()));
        servers.insert(answer.server);
    }
    QCOMPARE(servers, (QSet<QByteArray> { "a", "b" }));
}

void TestLoadBalancer::sessionRevokedThroughOneIsRefusedByTheOther()
{
    const QByteArray root
        = signIn(kRootEmail, kRootPassword).value(QStringLiteral("access_token")).toString().toLatin1();
    QVERIFY(!root.isEmpty());
    const QJsonObject victim = signIn(kRootEmail, kRootPassword);
    const QByteArray token = victim.value(QStringLiteral("access_token")).toString().toLatin1();
    const qint64 sessionId = victim.value(QStringLiteral("session_id")).toInteger();
    QVERIFY(!token.isEmpty());

    // Both processes accept the session (and have checked it, had either kept anything about it).
    QSet<QByteArray> accepted;
    for (int i = 0; i < 6 && accepted.size() < 2; ++i) {
        const Answer me = send("GET", QStringLiteral("/api/auth/me"), token);
        QVERIFY2(me.status == 200, qPrintable(me.describe()));
        accepted.insert(me.server);
    }
    QCOMPARE(accepted.size(), 2);

    const Answer revoked = send("DELETE", QStringLiteral("/api/admin/sessions/%1").arg(sessionId), root);
    QVERIFY2(revoked.status == 204, qPrintable(revoked.describe()));
    QVERIFY(revoked.server == "a" || revoked.server == "b");

    // The very next request is refused, and so is every one after it, by either process; the one
    // that did not revoke it among them.
    bool otherRefused = false;
    for (int i = 0; i < 6; ++i) {
        const Answer me = send("GET", QStringLiteral("/api/auth/me"), token);
        QVERIFY2(me.status == 401,
                 qPrintable(QStringLiteral("request %1 after the revocation through %2: %3")
                                .arg(i + 1)
                                .arg(QString::fromLatin1(revoked.server), me.describe())));
        otherRefused = otherRefused || me.server != revoked.server;
    }
    QVERIFY2(otherRefused, "the process that did not revoke the session was never asked");
}

void TestLoadBalancer::signInThrottleIsShared()
{
    // Failed sign-ins from one address (127.0.0.1: the balancer forwards it, and the servers trust
    // the balancer only) through the balancer, half to each process. The throttle refuses the
    // address from the serverlimits::LoginFreeFailures-th failure on, counted over both: neither
    // process alone has seen that many when the first refusal comes, and then both refuse.
    // (An unknown account, so that no account is locked on the way.)
    struct Attempt
    {
        int status;
        QByteArray server;
    };
    QList<Attempt> attempts;
    QSet<QByteArray> refusing;
    for (int i = 0; i < 30 && refusing.size() < 2; ++i) {
        const Answer answer = send("POST", QStringLiteral("/api/auth/login"), {},
                                   { { QStringLiteral("email"), QStringLiteral("nobody@nowhere.example") },
                                     { QStringLiteral("password"), QStringLiteral("Not-The-Password-1") } });
        QVERIFY2(answer.status == 401 || answer.status == 429, qPrintable(answer.describe()));
        if (answer.status == 429) {
            QVERIFY2(answer.retryAfter.toInt() >= 1, qPrintable(answer.describe()));
            refusing.insert(answer.server);
        }
        attempts.append({ answer.status, answer.server });
    }
    QCOMPARE(refusing.size(), 2); // both processes refused the address

    int failuresBefore = 0;
    QHash<QByteArray, int> failuresPerServer;
    for (const Attempt& attempt : std::as_const(attempts)) {
        if (attempt.status == 429)
            break;
        ++failuresBefore;
        ++failuresPerServer[attempt.server];
    }
    // The first refusal came after LoginFreeFailures failures in all (a slow machine may let a
    // one-second refusal run out and count a few more), when neither process had seen that many.
    QVERIFY2(failuresBefore >= serverlimits::LoginFreeFailures, qPrintable(QString::number(failuresBefore)));
    QVERIFY2(failuresPerServer.value("a") < serverlimits::LoginFreeFailures
                 && failuresPerServer.value("b") < serverlimits::LoginFreeFailures,
             qPrintable(QStringLiteral("failures before the first refusal: %1 on a, %2 on b")
                            .arg(failuresPerServer.value("a"))
                            .arg(failuresPerServer.value("b"))));
}

QTEST_GUILESS_MAIN(TestLoadBalancer)
#include "tst_load_balancer.moc"
