// The sign-in attacks of issue 10 ("Trust II"), replayed as an attacker would: through the store on
// a real database (SQLite, or PostgreSQL in tst_throttle_pg) with several connections at once, and
// through the real portcullis-server over HTTP with parallel requests.
//
// - A racy failure counter: concurrent wrong passwords must each count, and no more passwords may
//   be checked than the lockout allows, however many arrive at once.
// - Account enumeration through the answer: a locked account, an unknown account and a wrong
//   password must give the same status and body.
// - Login floods: one address is throttled (429 with Retry-After, growing), on every server of the
//   deployment; a stranger cannot keep the owner (a super admin) locked out.
// - Refresh reuse: a benign repeat within the grace keeps the session, a later one ends it.

#include "security/crypto.h"
#include "serverprocess.h"
#include "sql/server_support.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSet>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <latch>
#include <utility>

using namespace portcullis;
using namespace portcullis::test;

namespace {

const QString kWrong = QStringLiteral("Wrong-Password-123");

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QByteArray wwwAuthenticate;
    QByteArray retryAfter;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString describe() const { return QStringLiteral("HTTP %1 %2").arg(status).arg(QString::fromUtf8(body.left(600))); }
};

qint64 scalar(QSqlDatabase db, const QString& sql, const QVariantList& values)
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : values)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

// How many passwords of `userId` were checked and found wrong: one denied event each.
qint64 checkedWrongPasswords(QSqlDatabase db, Id userId)
{
    return scalar(db,
                  QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.login_failed' AND "
                                 "resource_id = ? AND details LIKE '%wrong password%'"),
                  { QString::number(userId) });
}

} // namespace

class TestThrottle : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    // 1. the failure counter, with several connections at once
    void concurrentWrongPasswordsEachCount();
    void concurrentGuessesCheckNoMoreThanTheLimit();

    // 2. one answer
    void lockedUnknownAndWrongLookAlikeInTheStore();

    // over HTTP, against the real server
    void parallelGuessesOverHttpCheckNoMoreThanTheLimit();
    void lockedUnknownAndWrongLookAlikeOverHttp();

    // 3. throttling per address and per account
    void oneAddressIsThrottledWithGrowingDelays();
    void twoServersShareTheThrottle();
    void aStrangerCannotLockOutASuperAdmin();
    void aFullPasswordQueueIsRefusedAtOnce();

    // 4. audit volume per source
    void aFloodOfFailedSignInsIsAFewAuditRows();
    void aSignedInUsersDenialsAreEachRecorded();
    void anApiKeyRefusedForScopeIsAFewAuditRows();

    // 5. refresh-token reuse
    void aRepeatedRefreshWithinTheGraceGetsTheSamePair();
    void parallelRefreshesKeepTheSession();
    void reuseAfterTheGraceEndsTheSession();

private:
    SqlStore& store() { return m_db->store(); }
    QSqlDatabase db() { return m_db->store().core().db(); }
    // `threads` threads, each on a connection of its own, start together and sign in `perThread`
    // times as `login` with `password`.
    void guessConcurrently(const QString& login, const QString& password, int threads, int perThread);

    // REST
    bool startServer(const QStringList& extra = {});
    HttpResult send(const QByteArray& method, const QString& path, const QJsonObject& body = {});
    QList<HttpResult> sendParallel(const QString& path, const QList<QJsonObject>& bodies);
    Id makeUserOverHttp(const QString& name);
    HttpResult refresh(const QString& token);
    QString signInForRefreshToken();

    std::unique_ptr<TestDatabase> m_db;
    World m_world;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ServerProcess> m_server;
    QNetworkAccessManager m_network;
    QByteArray m_root;
    QByteArray m_forwardedFor; // the client address the trusted proxy (127.0.0.1) reports
    QString m_target; // another server than m_server, when set
    QByteArray m_apiKey; // sent instead of m_root, when set
};

void TestThrottle::init()
{
    m_db = TestDatabase::create();
    QVERIFY(m_db);
}

void TestThrottle::cleanup()
{
    if (m_server)
        m_server->stop();
    m_server.reset();
    m_dir.reset();
    m_world = World();
    m_db.reset();
}

void TestThrottle::guessConcurrently(const QString& login, const QString& password, int threads, int perThread)
{
    std::latch ready(threads);
    std::atomic<int> unexpected { 0 };
    QList<QThread*> workers;
    for (int t = 0; t < threads; ++t) {
        workers << QThread::create([&, t] {
            const QString name = QStringLiteral("guesser-%1").arg(t);
            {
                auto conn = openDatabase(m_db->config(), name);
                if (!conn) {
                    ++unexpected;
                    ready.count_down();
                    return;
                }
                {
                    SqlStore guesser(*conn, m_db->config().dialect);
                    ready.arrive_and_wait();
                    for (int i = 0; i < perThread; ++i) {
                        auto r = guesser.auth().login(login, password,
                                                      QStringLiteral("203.0.%1.%2").arg(t + 1).arg(i + 1));
                        if (r || r.error().code != ErrorCode::Unauthenticated) {
                            qWarning().noquote()
                                << "guess" << t << i << (r ? QStringLiteral("signed in") : r.error().toString());
                            ++unexpected;
                        }
                    }
                }
                conn->close();
            }
            QSqlDatabase::removeDatabase(name);
        });
    }
    for (QThread* w : std::as_const(workers))
        w->start();
    for (QThread* w : std::as_const(workers)) {
        w->wait();
        delete w;
    }
    QCOMPARE(unexpected.load(), 0);
}

// --- 1. the failure counter ----------------------------------------------------------------------

void TestThrottle::concurrentWrongPasswordsEachCount()
{
    m_world = World::build(store());
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    // Four at once, below the limit: the counter says four (a read-modify-write would lose some).
    guessConcurrently(target.email, kWrong, 4, 1);
    QCOMPARE(scalar(db(), QStringLiteral("SELECT failed_logins FROM users WHERE id = ?"), { target.id }), 4);
    QCOMPARE(checkedWrongPasswords(db(), target.id), 4);
    // One more locks it: 5 means 5.
    QVERIFY_ERROR(store().auth().login(target.email, kWrong), ErrorCode::Unauthenticated);
    auto user = store().core().loadUser(target.id);
    QVERIFY_RESULT(user);
    QCOMPARE(user->status(), QStringLiteral("locked"));
}

void TestThrottle::concurrentGuessesCheckNoMoreThanTheLimit()
{
    m_world = World::build(store());
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    // 8 threads × 3 guesses at once: exactly lockout::MaxFailedLogins passwords get checked, the
    // rest meet the lock (or the attempts in flight that hold the remaining checks).
    guessConcurrently(target.email, kWrong, 8, 3);
    QCOMPARE(checkedWrongPasswords(db(), target.id), qint64(lockout::MaxFailedLogins));
    QCOMPARE(
        scalar(db(),
               QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.locked' AND resource_id = ?"),
               { QString::number(target.id) }),
        1);
    auto user = store().core().loadUser(target.id);
    QVERIFY_RESULT(user);
    QCOMPARE(user->status(), QStringLiteral("locked"));
    // Even the right password is not checked now.
    QVERIFY_ERROR(store().auth().login(target.email, kStrongPassword), ErrorCode::Unauthenticated);
    QCOMPARE(checkedWrongPasswords(db(), target.id), qint64(lockout::MaxFailedLogins));
}

// --- 2. one answer -------------------------------------------------------------------------------

void TestThrottle::lockedUnknownAndWrongLookAlikeInTheStore()
{
    m_world = World::build(store());
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const User other = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    auto unknown = store().auth().login(QStringLiteral("nobody@example.test"), kWrong);
    auto wrong = store().auth().login(other.email, kWrong);
    for (int i = 0; i < lockout::MaxFailedLogins; ++i)
        QVERIFY_ERROR(store().auth().login(target.email, kWrong), ErrorCode::Unauthenticated);
    auto lockedRight = store().auth().login(target.email, kStrongPassword);
    auto lockedWrong = store().auth().login(target.email, kWrong);
    QVERIFY_ERROR(unknown, ErrorCode::Unauthenticated);
    QVERIFY_ERROR(wrong, ErrorCode::Unauthenticated);
    QVERIFY_ERROR(lockedRight, ErrorCode::Unauthenticated);
    QVERIFY_ERROR(lockedWrong, ErrorCode::Unauthenticated);
    QCOMPARE(wrong.error().message, unknown.error().message);
    QCOMPARE(lockedRight.error().message, unknown.error().message);
    QCOMPARE(lockedWrong.error().message, unknown.error().message);
    QCOMPARE(lockedRight.error().fieldErrors, unknown.error().fieldErrors);
    // The record still tells the administrators what happened.
    QCOMPARE(scalar(db(),
                    QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.login_failed' AND "
                                   "resource_id = ? AND details LIKE '%account locked%'"),
                    { QString::number(target.id) }),
             2);
}

// --- over HTTP -----------------------------------------------------------------------------------

bool TestThrottle::startServer(const QStringList& extra)
{
    m_dir = std::make_unique<QTemporaryDir>();
    QString error;
    if (!initDeployment(m_db->url(), m_dir->path(), &error)) {
        qWarning().noquote() << "init failed:" << error;
        return false;
    }
    m_server = std::make_unique<ServerProcess>();
    if (!m_server->start(m_db->url(), m_dir->filePath(QStringLiteral("jwt-secret")),
                         QStringList { QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1") } + extra)) {
        qWarning().noquote() << m_server->output();
        return false;
    }
    const HttpResult r
        = send("POST", QStringLiteral("/api/auth/login"),
               { { QStringLiteral("email"), kRootEmail }, { QStringLiteral("password"), kRootPassword } });
    m_root = r.json().value(QStringLiteral("access_token")).toString().toLatin1();
    if (m_root.isEmpty())
        qWarning().noquote() << "root sign-in failed:" << r.describe();
    return !m_root.isEmpty();
}

HttpResult TestThrottle::send(const QByteArray& method, const QString& path, const QJsonObject& body)
{
    QNetworkRequest request(QUrl((m_target.isEmpty() ? m_server->baseUrl() : m_target) + path));
    request.setTransferTimeout(30000);
    if (!m_apiKey.isEmpty())
        request.setRawHeader("X-API-Key", m_apiKey);
    else if (!m_root.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_root);
    if (!m_forwardedFor.isEmpty())
        request.setRawHeader("X-Forwarded-For", m_forwardedFor);
    QByteArray payload;
    if (!body.isEmpty()) {
        payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    }
    QNetworkReply* reply = m_network.sendCustomRequest(request, method, payload);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpResult result;
    if (reply->isFinished() || finished.wait(30000)) {
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        result.wwwAuthenticate = reply->rawHeader("WWW-Authenticate");
        result.retryAfter = reply->rawHeader("Retry-After");
    }
    reply->deleteLater();
    return result;
}

QList<HttpResult> TestThrottle::sendParallel(const QString& path, const QList<QJsonObject>& bodies)
{
    QList<QNetworkReply*> replies;
    int n = 0;
    for (const QJsonObject& body : bodies) {
        QNetworkRequest request(QUrl(m_server->baseUrl() + path));
        request.setTransferTimeout(60000);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        // Each from an address of its own: these tests are about the account, not the address.
        request.setRawHeader("X-Forwarded-For", "203.0.113." + QByteArray::number(++n));
        replies << m_network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    }
    const bool answered = QTest::qWaitFor(
        [&replies] {
            return std::all_of(replies.cbegin(), replies.cend(), [](QNetworkReply* r) { return r->isFinished(); });
        },
        60000);
    if (!answered)
        qWarning("not every parallel request was answered within 60 s"); // their status reads 0 below
    QList<HttpResult> results;
    for (QNetworkReply* reply : std::as_const(replies)) {
        HttpResult r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        results << r;
        reply->deleteLater();
    }
    return results;
}

Id TestThrottle::makeUserOverHttp(const QString& name)
{
    const HttpResult me = send("GET", QStringLiteral("/api/auth/me"));
    const Id org = me.json().value(QStringLiteral("organization_id")).toInteger();
    const HttpResult r = send("POST", QStringLiteral("/api/admin/users"),
                              { { QStringLiteral("email"), QString(name + QStringLiteral("@example.com")) },
                                { QStringLiteral("username"), name },
                                { QStringLiteral("password"), kStrongPassword },
                                { QStringLiteral("organization_id"), org },
                                { QStringLiteral("role_codes"), QJsonArray { QStringLiteral("user") } } });
    if (r.status != 201)
        qWarning().noquote() << "creating" << name << "failed:" << r.describe();
    return r.json().value(QStringLiteral("id")).toInteger();
}

void TestThrottle::parallelGuessesOverHttpCheckNoMoreThanTheLimit()
{
    QVERIFY(startServer());
    const Id target = makeUserOverHttp(QStringLiteral("tess"));
    QVERIFY(target != 0);
    const QJsonObject guess { { QStringLiteral("email"), QStringLiteral("tess@example.com") },
                              { QStringLiteral("password"), kWrong } };
    // Four at once: four counted.
    for (const HttpResult& r : sendParallel(QStringLiteral("/api/auth/login"), QList<QJsonObject>(4, guess)))
        QVERIFY2(r.status == 401, qPrintable(r.describe()));
    QCOMPARE(scalar(db(), QStringLiteral("SELECT failed_logins FROM users WHERE id = ?"), { target }), 4);
    // Then a burst: one more check, and the lock for the rest.
    for (const HttpResult& r : sendParallel(QStringLiteral("/api/auth/login"), QList<QJsonObject>(12, guess)))
        QVERIFY2(r.status == 401, qPrintable(r.describe()));
    QCOMPARE(checkedWrongPasswords(db(), target), qint64(lockout::MaxFailedLogins));
    QVERIFY(scalar(db(), QStringLiteral("SELECT locked_until FROM users WHERE id = ?"), { target }) > 0);
}

void TestThrottle::lockedUnknownAndWrongLookAlikeOverHttp()
{
    QVERIFY(startServer());
    QVERIFY(makeUserOverHttp(QStringLiteral("lena")) != 0);
    QVERIFY(makeUserOverHttp(QStringLiteral("otto")) != 0);
    m_root.clear(); // sign-ins without a token
    int address = 0;
    auto login = [&](const QString& email, const QString& password) {
        m_forwardedFor = "198.51.100." + QByteArray::number(++address % 250 + 1); // not throttled
        return send("POST", QStringLiteral("/api/auth/login"),
                    { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } });
    };
    for (int i = 0; i < lockout::MaxFailedLogins; ++i)
        QCOMPARE(login(QStringLiteral("lena@example.com"), kWrong).status, 401);

    struct Case
    {
        const char* name;
        QString email;
        QString password;
    };
    const QList<Case> cases { { "unknown account", QStringLiteral("nobody@example.com"), kWrong },
                              { "wrong password", QStringLiteral("otto@example.com"), kWrong },
                              { "locked, right password", QStringLiteral("lena@example.com"), kStrongPassword },
                              { "locked, wrong password", QStringLiteral("lena@example.com"), kWrong } };
    const HttpResult reference = login(cases.first().email, cases.first().password);
    QCOMPARE(reference.status, 401);
    QCOMPARE(reference.json().value(QStringLiteral("detail")).toString(), QStringLiteral("Wrong email or password"));
    for (const Case& c : cases) {
        const HttpResult r = login(c.email, c.password);
        QVERIFY2(r.status == reference.status, c.name);
        QVERIFY2(r.body == reference.body,
                 qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(c.name), r.describe())));
        QVERIFY2(r.wwwAuthenticate == reference.wwwAuthenticate, c.name);
    }

    // Timing: a bench line, not an assertion (the hash cost is lowered in tests).
    QStringList medians;
    for (const Case& c : cases) {
        QList<qint64> ms;
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer t;
            t.start();
            login(c.email, c.password);
            ms << t.nsecsElapsed() / 1000;
        }
        std::sort(ms.begin(), ms.end());
        medians << QStringLiteral("%1 %2 µs").arg(QLatin1String(c.name)).arg(ms.at(ms.size() / 2));
    }
    qInfo().noquote() << "median sign-in answer:" << medians.join(QStringLiteral(", "));
}

// --- 3. throttling -------------------------------------------------------------------------------

namespace {

QJsonObject credentials(const QString& email, const QString& password)
{
    return { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } };
}

} // namespace

// A flood of sign-ins with right passwords (the address throttle does not apply) must not queue
// without bound: with one password thread and room for one waiting request, the rest are refused
// at once with 503, Retry-After and a problem body, while other requests are still answered.
void TestThrottle::aFullPasswordQueueIsRefusedAtOnce()
{
    // A password hash at a real cost (64 MiB): each sign-in of this user takes tens of milliseconds,
    // long enough for the flood below to arrive while the first ones are being checked.
    QVERIFY(startServer({ QStringLiteral("--password-threads"), QStringLiteral("1"), QStringLiteral("--queue-limit"),
                          QStringLiteral("1") }));
    const Id slow = makeUserOverHttp(QStringLiteral("slowhash"));
    QVERIFY(slow != 0);
    crypto::Argon2Cost cost = crypto::defaultArgon2Cost();
    cost.memoryKiB = 65536;
    QSqlQuery q(db());
    q.prepare(QStringLiteral("UPDATE users SET password_hash = ? WHERE id = ?"));
    q.addBindValue(crypto::hashPassword(kStrongPassword, cost));
    q.addBindValue(slow);
    QVERIFY(q.exec());
    const QString email = QStringLiteral("slowhash@example.com");
    const QByteArray body = QJsonDocument(credentials(email, kStrongPassword)).toJson(QJsonDocument::Compact);
    // Raw connections, all at once (QNetworkAccessManager would send six at a time).
    constexpr int Flood = 16;
    QList<QTcpSocket*> sockets;
    for (int i = 0; i < Flood; ++i) {
        auto* socket = new QTcpSocket(this);
        socket->connectToHost(QHostAddress::LocalHost, quint16(QUrl(m_server->baseUrl()).port()));
        sockets << socket;
    }
    for (QTcpSocket* socket : std::as_const(sockets))
        QVERIFY(socket->waitForConnected(5000));
    for (int i = 0; i < Flood; ++i) {
        sockets[i]->write("POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                          "Content-Type: application/json\r\nX-Forwarded-For: 198.51.100."
                          + QByteArray::number(i + 1) + "\r\nContent-Length: " + QByteArray::number(body.size())
                          + "\r\n\r\n" + body);
        sockets[i]->flush();
    }
    // Meanwhile a request for the workers is answered.
    m_root.clear();
    const HttpResult health = send("GET", QStringLiteral("/api/health/auth"));
    QVERIFY2(health.status == 200, qPrintable(health.describe()));
    int signedIn = 0;
    int refused = 0;
    for (QTcpSocket* socket : std::as_const(sockets)) {
        QElapsedTimer timer;
        timer.start();
        while (socket->state() != QAbstractSocket::UnconnectedState && timer.elapsed() < 30000)
            socket->waitForReadyRead(100);
        const QByteArray answer = socket->readAll();
        const qsizetype split = answer.indexOf("\r\n\r\n");
        QVERIFY2(split > 0, answer.constData());
        const QByteArray head = answer.left(split).toLower();
        const QJsonObject json = QJsonDocument::fromJson(answer.mid(split + 4)).object();
        if (head.startsWith("http/1.1 200")) {
            ++signedIn;
            QVERIFY(!json.value(QStringLiteral("access_token")).toString().isEmpty());
        } else {
            QVERIFY2(head.startsWith("http/1.1 503"), head.constData());
            QVERIFY2(head.contains("\r\nretry-after: 5"), head.constData());
            QVERIFY2(head.contains("content-type: application/problem+json"), head.constData());
            QCOMPARE(json.value(QStringLiteral("type")).toString(),
                     QStringLiteral("urn:portcullis:problem:overloaded"));
            QCOMPARE(json.value(QStringLiteral("status")).toInt(), 503);
            ++refused;
        }
        delete socket;
    }
    QVERIFY2(signedIn >= 1, qPrintable(QStringLiteral("%1 signed in, %2 refused").arg(signedIn).arg(refused)));
    QVERIFY2(refused >= Flood / 2, qPrintable(QStringLiteral("%1 signed in, %2 refused").arg(signedIn).arg(refused)));
    // Once the queue has room again, a sign-in goes through.
    const HttpResult later = send("POST", QStringLiteral("/api/auth/login"), credentials(email, kStrongPassword));
    QVERIFY2(later.status == 200, qPrintable(later.describe()));
}

void TestThrottle::oneAddressIsThrottledWithGrowingDelays()
{
    QVERIFY(startServer());
    m_root.clear();
    m_forwardedFor = "203.0.113.50";
    const QString path = QStringLiteral("/api/auth/login");
    // Unknown accounts, so no account lock is involved: the address alone.
    for (int i = 1; i < serverlimits::LoginFreeFailures; ++i) {
        const HttpResult r = send("POST", path, credentials(QStringLiteral("x%1@example.com").arg(i), kWrong));
        QVERIFY2(r.status == 401, qPrintable(QStringLiteral("attempt %1: %2").arg(i).arg(r.describe())));
    }
    QCOMPARE(send("POST", path, credentials(QStringLiteral("last@example.com"), kWrong)).status, 401);
    // Now refused before anything is looked at, even the right password of a real account.
    HttpResult r = send("POST", path, credentials(kRootEmail, kRootPassword));
    QVERIFY2(r.status == 429, qPrintable(r.describe()));
    QCOMPARE(r.retryAfter, QByteArray("1"));
    QCOMPARE(r.json().value(QStringLiteral("code")).toString(), QStringLiteral("rate_limited"));
    // Another address is not affected.
    m_forwardedFor = "198.51.100.9";
    QCOMPARE(send("POST", path, credentials(QStringLiteral("x@example.com"), kWrong)).status, 401);
    // After the wait, one more failure doubles it.
    m_forwardedFor = "203.0.113.50";
    QTest::qWait(1100); // real time: the address's 1 s refusal must run out (the server's clock)
    QCOMPARE(send("POST", path, credentials(QStringLiteral("again@example.com"), kWrong)).status, 401);
    r = send("POST", path, credentials(QStringLiteral("again@example.com"), kWrong));
    QVERIFY2(r.status == 429, qPrintable(r.describe()));
    QCOMPARE(r.retryAfter, QByteArray("2"));
    QTest::qWait(2100); // real time: the doubled, 2 s refusal must run out
    QCOMPARE(send("POST", path, credentials(kRootEmail, kRootPassword)).status, 200);
}

void TestThrottle::twoServersShareTheThrottle()
{
    QVERIFY(startServer());
    ServerProcess other;
    QVERIFY2(other.start(m_db->url(), m_dir->filePath(QStringLiteral("jwt-secret")),
                         { QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1") }),
             qPrintable(other.output()));
    m_root.clear();
    m_forwardedFor = "203.0.113.77";
    const QString path = QStringLiteral("/api/auth/login");
    // The failures alternate between the two servers; the limit is one.
    for (int i = 1; i <= serverlimits::LoginFreeFailures; ++i) {
        m_target = i % 2 ? other.baseUrl() : QString();
        const HttpResult r = send("POST", path, credentials(QStringLiteral("n%1@example.com").arg(i), kWrong));
        QVERIFY2(r.status == 401, qPrintable(QStringLiteral("attempt %1: %2").arg(i).arg(r.describe())));
    }
    for (const QString& target : { other.baseUrl(), QString() }) {
        m_target = target;
        const HttpResult r = send("POST", path, credentials(QStringLiteral("n@example.com"), kWrong));
        QVERIFY2(r.status == 429, qPrintable(r.describe()));
        QVERIFY(r.retryAfter.toInt() >= 1);
    }
    m_target.clear();
}

void TestThrottle::aStrangerCannotLockOutASuperAdmin()
{
    QVERIFY(startServer());
    m_root.clear();
    const QString path = QStringLiteral("/api/auth/login");
    // The owner signed in from their office before.
    m_forwardedFor = "198.51.100.7";
    QCOMPARE(send("POST", path, credentials(kRootEmail, kRootPassword)).status, 200);
    // A stranger guesses until the account locks.
    m_forwardedFor = "203.0.113.66";
    for (int i = 0; i < lockout::MaxFailedLogins; ++i)
        QCOMPARE(send("POST", path, credentials(kRootEmail, kWrong)).status, 401);
    QVERIFY(scalar(db(), QStringLiteral("SELECT locked_until FROM users WHERE email = ?"), { kRootEmail }) > 0);
    // The lock holds for the stranger, even with the right password, and for other new addresses.
    QCOMPARE(send("POST", path, credentials(kRootEmail, kRootPassword)).status, 401);
    m_forwardedFor = "192.0.2.44";
    QCOMPARE(send("POST", path, credentials(kRootEmail, kRootPassword)).status, 401);
    // The owner, from an address the account signed in from, is not locked out; a wrong password
    // from there is still a wrong password.
    m_forwardedFor = "198.51.100.7";
    QCOMPARE(send("POST", path, credentials(kRootEmail, kWrong)).status, 401);
    const HttpResult owner = send("POST", path, credentials(kRootEmail, kRootPassword));
    QVERIFY2(owner.status == 200, qPrintable(owner.describe()));
    QVERIFY(!owner.json().value(QStringLiteral("access_token")).toString().isEmpty());
    QCOMPARE(scalar(db(),
                    QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.login_failed' AND "
                                   "details LIKE '%account locked%'"),
                    {}),
             2); // the stranger's own refusal past the first 3 of the minute is only counted (item 4)
}

// --- 4. audit volume per source -------------------------------------------------------------------

void TestThrottle::aFloodOfFailedSignInsIsAFewAuditRows()
{
    m_world = World::build(store());
    const User target = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));
    const QString flooder = QStringLiteral("203.0.113.9");
    const int attempts = 1000;
    for (int i = 0; i < attempts; ++i) {
        const QString login = i % 4 == 0 ? target.email : QStringLiteral("ghost%1@example.test").arg(i);
        QVERIFY_ERROR(store().auth().login(login, kWrong, flooder), ErrorCode::Unauthenticated);
    }
    const auto rowsFrom
        = [&] { return scalar(db(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE ip = ?"), { flooder }); };
    const qint64 rows = rowsFrom();
    qInfo().noquote() << attempts << "failed sign-ins from one address:" << rows << "audit rows";
    QVERIFY2(rows <= 8, qPrintable(QString::number(rows)));
    // The account was still locked (the lock is not part of the bounding, only its audit row).
    auto user = store().core().loadUser(target.id);
    QVERIFY_RESULT(user);
    QCOMPARE(user->status(), QStringLiteral("locked"));

    // The window closes; the next refusal (from anyone) writes the summaries: nothing is lost.
    QSqlQuery q(db());
    QVERIFY(q.exec(QStringLiteral("UPDATE audit_throttle SET window_start = window_start - %1")
                       .arg(qint64(auditbound::WindowSeconds + 1) * 1000)));
    QVERIFY_ERROR(store().auth().login(QStringLiteral("last@example.test"), kWrong, flooder),
                  ErrorCode::Unauthenticated);
    q.prepare(QStringLiteral("SELECT action, details FROM audit_events WHERE ip = ? ORDER BY id"));
    q.addBindValue(flooder);
    QVERIFY(q.exec());
    qint64 counted = 0;
    int summaries = 0;
    while (q.next()) {
        if (q.value(0).toString() != QLatin1String("user.login_failed"))
            continue;
        const QJsonObject details = QJsonDocument::fromJson(q.value(1).toString().toUtf8()).object();
        if (details.value(QStringLiteral("summary")).toBool()) {
            ++summaries;
            counted += details.value(QStringLiteral("count")).toInteger();
            QVERIFY(!details.value(QStringLiteral("first_at")).toString().isEmpty());
            QVERIFY(!details.value(QStringLiteral("last_at")).toString().isEmpty());
        } else {
            ++counted;
        }
    }
    QCOMPARE(summaries, 1);
    QCOMPARE(counted, qint64(attempts + 1));
    QVERIFY(rowsFrom() <= 10);
}

void TestThrottle::aSignedInUsersDenialsAreEachRecorded()
{
    m_world = World::build(store());
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const User stranger = m_world.makeUser(m_world.orgB.id, QStringLiteral("user"));
    Actor actor = m_world.actorFor(admin);
    actor.ip = QStringLiteral("198.51.100.20");
    for (int i = 0; i < 50; ++i)
        QVERIFY(!store().users().ban(actor, m_world.superAdmin.id, QStringLiteral("attempt %1").arg(i)));
    QCOMPARE(scalar(db(),
                    QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.banned' AND outcome = "
                                   "'denied' AND actor_id = ?"),
                    { admin.id }),
             50);
    (void)stranger;
}

void TestThrottle::anApiKeyRefusedForScopeIsAFewAuditRows()
{
    QVERIFY(startServer());
    const Id rootId = send("GET", QStringLiteral("/api/auth/me")).json().value(QStringLiteral("user_id")).toInteger();
    const HttpResult created = send("POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(rootId),
                                    { { QStringLiteral("name"), QStringLiteral("reader") },
                                      { QStringLiteral("scopes"), QJsonArray { QStringLiteral("admin:user:view") } },
                                      { QStringLiteral("rate_limit_per_minute"), 10000 } });
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
    const QString keyId = QString::number(created.json().value(QStringLiteral("id")).toInteger());
    m_apiKey = created.json().value(QStringLiteral("key")).toString().toLatin1();
    QCOMPARE(send("GET", QStringLiteral("/api/admin/users")).status, 200);
    for (int i = 0; i < 40; ++i)
        QCOMPARE(send("GET", QStringLiteral("/api/admin/audit")).status, 403);
    m_apiKey.clear();
    QCOMPARE(scalar(db(),
                    QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.used' AND outcome = "
                                   "'denied' AND resource_id = ?"),
                    { keyId }),
             qint64(auditbound::FullEvents));
}

// --- 5. refresh-token reuse ----------------------------------------------------------------------

HttpResult TestThrottle::refresh(const QString& token)
{
    const QByteArray root = std::exchange(m_root, {});
    HttpResult r = send("POST", QStringLiteral("/api/auth/refresh"), { { QStringLiteral("refresh_token"), token } });
    m_root = root;
    return r;
}

QString TestThrottle::signInForRefreshToken()
{
    const QByteArray root = std::exchange(m_root, {});
    const HttpResult r
        = send("POST", QStringLiteral("/api/auth/login"),
               { { QStringLiteral("email"), kRootEmail }, { QStringLiteral("password"), kRootPassword } });
    m_root = root;
    return r.json().value(QStringLiteral("refresh_token")).toString();
}

namespace {

qint64 reuseEvents(QSqlDatabase db)
{
    return scalar(db, QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'session.refresh_reused'"), {});
}

} // namespace

void TestThrottle::aRepeatedRefreshWithinTheGraceGetsTheSamePair()
{
    QVERIFY(startServer());
    const QString first = signInForRefreshToken();
    QVERIFY(first.startsWith(QLatin1String("rt_")));
    const HttpResult a = refresh(first);
    QVERIFY2(a.status == 200, qPrintable(a.describe()));
    const QString second = a.json().value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!second.isEmpty() && second != first);
    // The answer was lost; the client retries with the same token: the same successor, session on.
    const HttpResult b = refresh(first);
    QVERIFY2(b.status == 200, qPrintable(b.describe()));
    QCOMPARE(b.json().value(QStringLiteral("refresh_token")).toString(), second);
    QVERIFY(!b.json().value(QStringLiteral("access_token")).toString().isEmpty());
    // Only hashes are stored: neither token appears in the table.
    QCOMPARE(scalar(db(), QStringLiteral("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash IN (?, ?)"),
                    { first, second }),
             0);
    // The successor goes on working; once it is exchanged the old token gets no grace any more.
    const HttpResult c = refresh(second);
    QVERIFY2(c.status == 200, qPrintable(c.describe()));
    QCOMPARE(reuseEvents(db()), 0);
    const HttpResult late = refresh(first);
    QCOMPARE(late.status, 401);
    QCOMPARE(reuseEvents(db()), 1);
}

void TestThrottle::parallelRefreshesKeepTheSession()
{
    QVERIFY(startServer());
    const QString first = signInForRefreshToken();
    QVERIFY(!first.isEmpty());
    const QJsonObject body { { QStringLiteral("refresh_token"), first } };
    const QList<HttpResult> answers = sendParallel(QStringLiteral("/api/auth/refresh"), { body, body, body, body });
    QSet<QString> successors;
    for (const HttpResult& r : answers) {
        QVERIFY2(r.status == 200, qPrintable(r.describe()));
        successors << r.json().value(QStringLiteral("refresh_token")).toString();
    }
    QCOMPARE(successors.size(), 1);
    const HttpResult next = refresh(*successors.cbegin());
    QVERIFY2(next.status == 200, qPrintable(next.describe()));
    QCOMPARE(reuseEvents(db()), 0);
}

void TestThrottle::reuseAfterTheGraceEndsTheSession()
{
    QVERIFY(startServer());
    const QString first = signInForRefreshToken();
    const HttpResult a = refresh(first);
    QVERIFY2(a.status == 200, qPrintable(a.describe()));
    const QString second = a.json().value(QStringLiteral("refresh_token")).toString();
    // The exchange happened longer ago than the grace (moved back rather than waited for).
    QSqlQuery q(db());
    q.prepare(QStringLiteral("UPDATE refresh_tokens SET used_at = used_at - ? WHERE used_at IS NOT NULL"));
    q.addBindValue(qint64(serverlimits::RefreshReuseGraceSeconds + 1) * 1000);
    QVERIFY(q.exec());
    const HttpResult reused = refresh(first);
    QVERIFY2(reused.status == 401, qPrintable(reused.describe()));
    QVERIFY2(reused.json().value(QStringLiteral("detail")).toString().contains(QLatin1String("already used")),
             qPrintable(reused.describe()));
    // The whole session is over: its successor no longer works either.
    QCOMPARE(refresh(second).status, 401);
    QCOMPARE(reuseEvents(db()), 1);
}

QTEST_MAIN(TestThrottle)
#include "tst_throttle.moc"
