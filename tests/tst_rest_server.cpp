// The REST API, as a client sees it: the real portcullis-server binary (PORTCULLIS_SERVER_BIN) runs
// `serve` on a loopback port over a temporary SQLite database, and the tests speak HTTP to it with
// QNetworkAccessManager (and a raw QTcpSocket where a misbehaving client is the point). Covers
// sign-in, token rotation and revocation (also across two servers on one database), paging and filters, validation and
// problem responses, optimistic concurrency, the policy as seen over HTTP, API keys (scopes, rate limit, never in the
// URL), the streamed audit export, TLS, and a server that survives bad clients. With
// PORTCULLIS_TEST_DIALECT=postgres (tst_rest_server_pg) the servers share a fresh PostgreSQL database.

#include "contractcheck.h"
#include "serverprocess.h"
#include "testutil.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

#include <csignal>
#include <memory>

#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

using portcullis::test::checkContract;
using portcullis::test::ServerProcess;

namespace {

const QString kAdminEmail = QStringLiteral("root@portcullis.example");
const QString kAdminPassword = QStringLiteral("Gatekeeper-7-Raven!");
const QString kPassword = QStringLiteral("Correct-Horse-42-battery");
constexpr int kWaitMs = 30000;

struct HttpResult
{
    int status = 0;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; // lower-case names

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray& name) const { return headers.value(name.toLower()); }
    QString describe() const
    {
        return QStringLiteral("HTTP %1 %2 %3").arg(status).arg(errorString, QString::fromUtf8(body.left(600)));
    }
};

} // namespace

class TestRestServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void healthAnswersWithoutCredentials();
    void contractIsServedWithoutCredentials();
    void contractCheckCatchesAWrongTypeOrAMissingField();
    void loginThenMe();
    void wrongPasswordIsAProblem();
    void lockoutAfterFiveFailures();
    void refreshRotatesAndRefusesReuse();
    void logoutRevokesTheSession();
    void revokedSessionIsRefusedAtOnce();
    void usersArePagedWithTotalAndFilters();
    void createUserAndValidationErrors();
    void patchNeedsTheCurrentVersion();
    void adminCannotAssignSuperAdmin();
    void crossTenantReadsAsMissing();
    void banAndUnban();
    void impersonation();
    void apiKeyScopesAndHeaderOnly();
    void apiKeyRateLimit();
    void apiKeyReadEditRotate();
    void apiKeyConcurrentRotations();
    void endOtherSessionsKeepsTheCurrentOne();
    void malformedBodies_data();
    void malformedBodies();
    void oversizedBodyIsRefused();
    void unknownRouteAndMethod();
    void invitationRoundTrip();
    void passwordResetCodeSetsANewPasswordOnce();
    void rolesOverHttp();
    void auditCursorAndStreamedExport();
    void concurrentClients();
    void clientDisconnectingMidRequest();
    void twoServersAreOneDeployment();
    void clientAddressBehindATrustedProxy();
    void killedServerIsAConnectionError();
    void tlsWithASelfSignedCertificate();
    void unreachableDatabaseIsAGeneric503();
    void accessLogHoldsNoSecrets(); // last: it reads the log of everything above

private:
    HttpResult send(const QByteArray& method, const QString& path, const QByteArray& token = {},
                    const QJsonObject& body = {}, const QList<std::pair<QByteArray, QByteArray>>& headers = {},
                    const QString& baseUrl = {});
    HttpResult sendRaw(const QByteArray& method, const QString& path, const QByteArray& token, const QByteArray& body,
                       const QList<std::pair<QByteArray, QByteArray>>& headers, const QString& baseUrl = {},
                       QNetworkAccessManager* manager = nullptr);
    HttpResult get(const QString& path, const QByteArray& token) { return send("GET", path, token); }
    // Signs in and returns the response object (access_token, refresh_token, session_id, ...).
    QJsonObject login(const QString& email, const QString& password = kPassword);
    QByteArray accessToken(const QString& email, const QString& password = kPassword);
    // Creates a user (as the super admin) and returns it.
    QJsonObject makeUser(const QString& role, qint64 organizationId = 1, const QString& tag = {});
    QString unique(const QString& stem);
    // Rate windows are UTC minutes: late in a minute, wait for the next so a test's requests share one.
    static void waitForAFreshMinute();
    void remember(const QString& secret) { m_secrets << secret; }

    QString m_binary;
    QTemporaryDir m_dir;
    std::unique_ptr<portcullis::test::TestDatabase> m_db;
    QString m_database; // PATH_OR_URL
    QString m_secretFile;
    ServerProcess m_server;
    QNetworkAccessManager m_network;
    QByteArray m_root; // the super admin's access token
    qint64 m_rootId = 0;
    int m_counter = 0;
    QStringList m_secrets; // every password, token and key the tests handled: none may reach the log
};

// --- fixture -------------------------------------------------------------------------------------

void TestRestServer::initTestCase()
{
    m_binary = qEnvironmentVariable("PORTCULLIS_SERVER_BIN");
    if (m_binary.isEmpty())
        QFAIL("PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), qPrintable(m_binary + QStringLiteral(" is not an executable")));
    QVERIFY(m_dir.isValid());
    // A fresh database: a SQLite file, or a PostgreSQL database of its own (schema applied, no users).
    m_db = portcullis::test::TestDatabase::create();
    m_database = m_db->url();
    m_secretFile = m_dir.filePath(QStringLiteral("jwt-secret"));
    const QString passwordFile = m_dir.filePath(QStringLiteral("admin-password"));
    {
        QFile file(passwordFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(kAdminPassword.toUtf8() + '\n');
    }
    QProcess init;
    init.start(m_binary,
               { QStringLiteral("init"), QStringLiteral("--db"), m_database, QStringLiteral("--admin-email"),
                 kAdminEmail, QStringLiteral("--admin-password-file"), passwordFile });
    QSignalSpy initDone(&init, &QProcess::finished);
    QVERIFY(initDone.wait(60000));
    QVERIFY2(init.exitCode() == 0, init.readAllStandardError().constData());
    remember(kAdminPassword);
    remember(kPassword);

    QVERIFY2(m_server.start(m_database, m_secretFile), qPrintable(m_server.output() + m_server.log()));
    // The signing secret was created, readable by its owner only.
    const QFileInfo secret(m_secretFile);
    QVERIFY(secret.exists());
    QCOMPARE(secret.size(), 32);
    QCOMPARE(secret.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions());

    const QJsonObject root = login(kAdminEmail, kAdminPassword);
    m_root = root.value(QStringLiteral("access_token")).toString().toLatin1();
    QVERIFY(!m_root.isEmpty());
    m_rootId = root.value(QStringLiteral("user_id")).toInteger();
}

void TestRestServer::cleanupTestCase()
{
    m_server.stop();
    m_db.reset();
    // In a sanitizer build the server reports memory errors, leaks and undefined behaviour on
    // standard error (leaks at exit): none may appear.
    const QString log = m_server.log();
    for (const QString& marker : { QStringLiteral("Sanitizer"), QStringLiteral("runtime error:") })
        QVERIFY2(!log.contains(marker), qPrintable(log.mid(log.indexOf(marker) - 200, 3000)));
}

void TestRestServer::waitForAFreshMinute()
{
    const int second = QDateTime::currentDateTimeUtc().time().second();
    if (second < 45)
        return;
    QTimer timer;
    timer.setSingleShot(true);
    QSignalSpy elapsed(&timer, &QTimer::timeout);
    timer.start((61 - second) * 1000);
    QVERIFY(elapsed.wait(70000));
}

QString TestRestServer::unique(const QString& stem)
{
    return stem + QString::number(++m_counter);
}

HttpResult TestRestServer::sendRaw(const QByteArray& method, const QString& path, const QByteArray& token,
                                   const QByteArray& body, const QList<std::pair<QByteArray, QByteArray>>& headers,
                                   const QString& baseUrl, QNetworkAccessManager* manager)
{
    QNetworkRequest request(QUrl((baseUrl.isEmpty() ? m_server.baseUrl() : baseUrl) + path));
    request.setTransferTimeout(kWaitMs);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkAccessManager& network = manager ? *manager : m_network;
    QNetworkReply* reply = network.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpResult result;
    if (!reply->isFinished() && !finished.wait(kWaitMs)) {
        reply->abort();
        result.errorString = QStringLiteral("timed out");
        reply->deleteLater();
        return result;
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.error = reply->error();
    result.errorString = reply->errorString();
    result.body = reply->readAll();
    for (const auto& [name, value] : reply->rawHeaderPairs())
        result.headers.insert(name.toLower(), value);
    reply->deleteLater();
    checkContract(method, path, result.status, result.headers.value("content-type"), result.body, __FILE__, __LINE__);
    return result;
}

HttpResult TestRestServer::send(const QByteArray& method, const QString& path, const QByteArray& token,
                                const QJsonObject& body, const QList<std::pair<QByteArray, QByteArray>>& headers,
                                const QString& baseUrl)
{
    const QByteArray payload = body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
    return sendRaw(method, path, token, payload, headers, baseUrl);
}

QJsonObject TestRestServer::login(const QString& email, const QString& password)
{
    const HttpResult r = send("POST", QStringLiteral("/api/auth/login"), {},
                              { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } });
    if (r.status != 200)
        qWarning().noquote() << "login of" << email << "failed:" << r.describe();
    const QJsonObject tokens = r.json();
    remember(tokens.value(QStringLiteral("access_token")).toString());
    remember(tokens.value(QStringLiteral("refresh_token")).toString());
    return tokens;
}

QByteArray TestRestServer::accessToken(const QString& email, const QString& password)
{
    return login(email, password).value(QStringLiteral("access_token")).toString().toLatin1();
}

QJsonObject TestRestServer::makeUser(const QString& role, qint64 organizationId, const QString& tag)
{
    const QString name = unique(tag.isEmpty() ? role.left(6) : tag);
    const HttpResult r = send("POST", QStringLiteral("/api/admin/users"), m_root,
                              { { QStringLiteral("email"), QString(name + QStringLiteral("@example.com")) },
                                { QStringLiteral("username"), name },
                                { QStringLiteral("full_name"), QString(QStringLiteral("Test ") + name) },
                                { QStringLiteral("password"), kPassword },
                                { QStringLiteral("organization_id"), organizationId },
                                { QStringLiteral("role_codes"), QJsonArray { role } } });
    if (r.status != 201)
        qWarning().noquote() << "creating" << name << "failed:" << r.describe();
    return r.json();
}

// --- sign-in and sessions ------------------------------------------------------------------------

void TestRestServer::healthAnswersWithoutCredentials()
{
    const HttpResult r = get(QStringLiteral("/api/health/auth"), {});
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json().value(QStringLiteral("status")).toString(), QStringLiteral("healthy"));
    QCOMPARE(r.json().value(QStringLiteral("database")).toString(), QStringLiteral("connected"));
}

// GET /api/openapi.json: public, JSON, cacheable (unlike every other answer), and the very document
// `portcullis-server openapi` prints and docs/openapi.json holds.
void TestRestServer::contractIsServedWithoutCredentials()
{
    const HttpResult r = get(QStringLiteral("/api/openapi.json"), {});
    QCOMPARE(r.status, 200);
    QVERIFY2(r.headers.value("content-type").startsWith("application/json"), r.headers.value("content-type"));
    QCOMPARE(r.headers.value("cache-control"), QByteArray("public, max-age=3600"));
    QCOMPARE(r.json().value(QStringLiteral("openapi")).toString(), QStringLiteral("3.1.0"));
    const portcullis::test::CommandRun printed = portcullis::test::runCommand({ QStringLiteral("openapi") });
    QCOMPARE(printed.exitCode, 0);
    QVERIFY2(r.body == printed.out.toUtf8(), "GET /api/openapi.json differs from portcullis-server openapi");
    QFile committed(QStringLiteral(PORTCULLIS_OPENAPI_DOC));
    QVERIFY(committed.open(QIODevice::ReadOnly));
    QVERIFY2(committed.readAll() == r.body,
             "docs/openapi.json is stale: portcullis-server openapi > docs/openapi.json");
}

// The check every request of these suites goes through (contractcheck.h) would notice an encoder
// that changed a field's type or dropped a required one, or a status the route does not declare.
void TestRestServer::contractCheckCatchesAWrongTypeOrAMissingField()
{
    const portcullis::test::Contract& contract = portcullis::test::Contract::instance();
    QVERIFY(contract.isLoaded());
    const HttpResult r = get(QStringLiteral("/api/admin/users/%1").arg(m_rootId), m_root);
    QCOMPARE(r.status, 200);
    const QString path = QStringLiteral("/api/admin/users/%1").arg(m_rootId);
    QCOMPARE(contract.check("GET", path, 200, "application/json", r.body), QString());

    QJsonObject wrongType = r.json();
    wrongType.insert(QStringLiteral("version"), QStringLiteral("7"));
    QVERIFY(contract.check("GET", path, 200, "application/json", QJsonDocument(wrongType).toJson())
                .contains(QStringLiteral("$.version: expected integer, got a string")));
    QJsonObject missing = r.json();
    missing.remove(QStringLiteral("email"));
    QVERIFY(contract.check("GET", path, 200, "application/json", QJsonDocument(missing).toJson())
                .contains(QStringLiteral("the required property \"email\" is missing")));
    QJsonObject wrongItem = r.json();
    wrongItem.insert(QStringLiteral("role_codes"), QJsonArray { 1 });
    QVERIFY(contract.check("GET", path, 200, "application/json", QJsonDocument(wrongItem).toJson())
                .contains(QStringLiteral("$.role_codes[0]: expected string")));
    QVERIFY(contract.check("GET", path, 201, "application/json", r.body).contains(QStringLiteral("not declared")));
    QVERIFY(contract.check("GET", path, 200, "text/html", r.body).contains(QStringLiteral("content type")));
    QVERIFY(contract
                .check("GET", path, 404, "application/problem+json",
                       QByteArray(
                           R"({"type":1,"title":"Not Found","status":404,"detail":"","code":"not_found","errors":{}})"))
                .contains(QStringLiteral("$.type: expected string")));
    QVERIFY(contract.check("DELETE", path, 204, {}, {}).isEmpty());
    QVERIFY(!contract.check("DELETE", path, 204, "application/json", "{}").isEmpty());
}

void TestRestServer::loginThenMe()
{
    const QJsonObject user = makeUser(QStringLiteral("admin"));
    const QJsonObject tokens = login(user.value(QStringLiteral("email")).toString());
    QCOMPARE(tokens.value(QStringLiteral("token_type")).toString(), QStringLiteral("bearer"));
    QCOMPARE(tokens.value(QStringLiteral("expires_in")).toInt(), 3600);
    QVERIFY(tokens.value(QStringLiteral("refresh_token")).toString().size() > 30);
    const QByteArray token = tokens.value(QStringLiteral("access_token")).toString().toLatin1();
    QCOMPARE(token.count('.'), 2);

    // The JWT carries the claims of seed 002 plus the session id.
    const QJsonObject claims
        = QJsonDocument::fromJson(QByteArray::fromBase64(token.split('.').at(1), QByteArray::Base64UrlEncoding))
              .object();
    QCOMPARE(claims.value(QStringLiteral("type")).toString(), QStringLiteral("access"));
    QCOMPARE(claims.value(QStringLiteral("sub")).toString(),
             QString::number(user.value(QStringLiteral("id")).toInteger()));
    QCOMPARE(claims.value(QStringLiteral("email")).toString(), user.value(QStringLiteral("email")).toString());
    QCOMPARE(claims.value(QStringLiteral("org_id")).toString(), QStringLiteral("1"));
    QVERIFY(claims.value(QStringLiteral("roles")).toArray().contains(QStringLiteral("admin")));
    // Role codes, not an expanded permission list: the token stays small (GET /api/auth/me has them).
    QVERIFY(!claims.contains(QStringLiteral("permissions")));
    QVERIFY2(token.size() < 700, token.constData());
    QCOMPARE(claims.value(QStringLiteral("exp")).toInteger() - claims.value(QStringLiteral("iat")).toInteger(), 3600);
    QCOMPARE(claims.value(QStringLiteral("sid")).toString(),
             QString::number(tokens.value(QStringLiteral("session_id")).toInteger()));

    const HttpResult me = get(QStringLiteral("/api/auth/me"), token);
    QVERIFY2(me.status == 200, qPrintable(me.describe()));
    QCOMPARE(me.json().value(QStringLiteral("user_id")).toInteger(), user.value(QStringLiteral("id")).toInteger());

    // The sign-in is audited with the address it came from, for an incident review.
    const HttpResult signIn
        = get(QStringLiteral("/api/admin/audit?action=user.login&resource_type=session&resource_id=")
                  + QString::number(tokens.value(QStringLiteral("session_id")).toInteger()),
              m_root);
    const QJsonArray signIns = signIn.json().value(QStringLiteral("items")).toArray();
    QCOMPARE(signIns.size(), 1);
    QCOMPARE(signIns.at(0).toObject().value(QStringLiteral("ip")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(signIns.at(0).toObject().value(QStringLiteral("actor_id")).toInteger(),
             user.value(QStringLiteral("id")).toInteger());
    QCOMPARE(me.json().value(QStringLiteral("actor_type")).toString(), QStringLiteral("user"));
    QCOMPARE(me.json().value(QStringLiteral("user")).toObject().value(QStringLiteral("email")).toString(),
             user.value(QStringLiteral("email")).toString());
    QVERIFY(me.json().value(QStringLiteral("roles")).toArray().contains(QStringLiteral("admin")));

    // A tampered token is refused.
    QByteArray forged = token;
    forged[forged.size() - 3] = forged.at(forged.size() - 3) == 'A' ? 'B' : 'A';
    QCOMPARE(get(QStringLiteral("/api/auth/me"), forged).status, 401);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), {}).status, 401);

    // "alg": "none" is refused, and so is a correctly signed token that expired or that names a
    // session of somebody else.
    const QByteArray payload = token.split('.').at(1);
    const QByteArray none = QByteArray(R"({"alg":"none","typ":"JWT"})")
                                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), none + '.' + payload + '.').status, 401);
    QFile secretFile(m_secretFile);
    QVERIFY(secretFile.open(QIODevice::ReadOnly));
    const QByteArray secret = secretFile.readAll();
    auto signedToken = [&](QJsonObject body) -> QByteArray {
        const QByteArray head = QByteArray(R"({"alg":"HS256","typ":"JWT"})")
                                    .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        const QByteArray input = head + '.'
            + QJsonDocument(body)
                  .toJson(QJsonDocument::Compact)
                  .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        return input + '.'
            + QMessageAuthenticationCode::hash(input, secret, QCryptographicHash::Sha256)
                  .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QCOMPARE(get(QStringLiteral("/api/auth/me"), signedToken(claims)).status, 200); // the recipe is right
    QJsonObject expired = claims;
    expired.insert(QStringLiteral("iat"), now - 7200);
    expired.insert(QStringLiteral("exp"), now - 3600);
    const HttpResult late = get(QStringLiteral("/api/auth/me"), signedToken(expired));
    QCOMPARE(late.status, 401);
    QVERIFY(late.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("expired")));
    QJsonObject someoneElse = claims;
    someoneElse.insert(QStringLiteral("sub"), QString::number(m_rootId));
    QCOMPARE(get(QStringLiteral("/api/auth/me"), signedToken(someoneElse)).status, 401);
    QJsonObject refreshType = claims;
    refreshType.insert(QStringLiteral("type"), QStringLiteral("refresh"));
    QCOMPARE(get(QStringLiteral("/api/auth/me"), signedToken(refreshType)).status, 401);
}

void TestRestServer::wrongPasswordIsAProblem()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const HttpResult r = send("POST", QStringLiteral("/api/auth/login"), {},
                              { { QStringLiteral("email"), user.value(QStringLiteral("email")) },
                                { QStringLiteral("password"), QStringLiteral("Not-The-Password-1") } });
    QCOMPARE(r.status, 401);
    QVERIFY2(r.header("Content-Type").startsWith("application/problem+json"), r.header("Content-Type").constData());
    const QJsonObject problem = r.json();
    QCOMPARE(problem.value(QStringLiteral("status")).toInt(), 401);
    QCOMPARE(problem.value(QStringLiteral("code")).toString(), QStringLiteral("unauthenticated"));
    QVERIFY(!problem.value(QStringLiteral("type")).toString().isEmpty());
    QVERIFY(!problem.value(QStringLiteral("title")).toString().isEmpty());
    QVERIFY(problem.value(QStringLiteral("detail")).toString().contains(QStringLiteral("Wrong email or password")));
    QVERIFY(problem.value(QStringLiteral("errors")).isObject());
}

void TestRestServer::lockoutAfterFiveFailures()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const QString email = user.value(QStringLiteral("email")).toString();
    for (int attempt = 1; attempt <= 5; ++attempt) {
        const HttpResult r = send("POST", QStringLiteral("/api/auth/login"), {},
                                  { { QStringLiteral("email"), email },
                                    { QStringLiteral("password"), QStringLiteral("Wrong-Password-99") } });
        QCOMPARE(r.status, 401);
    }
    // Now even the right password is refused, with the answer of a wrong one (the lock is not told).
    const HttpResult locked = send("POST", QStringLiteral("/api/auth/login"), {},
                                   { { QStringLiteral("email"), email }, { QStringLiteral("password"), kPassword } });
    QCOMPARE(locked.status, 401);
    QVERIFY2(locked.json().value(QStringLiteral("detail")).toString() == QStringLiteral("Wrong email or password"),
             qPrintable(locked.describe()));
    const HttpResult listed = get(QStringLiteral("/api/admin/users?status=locked&search=") + email, m_root);
    QCOMPARE(listed.json().value(QStringLiteral("total")).toInt(), 1);
}

void TestRestServer::refreshRotatesAndRefusesReuse()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const QJsonObject first = login(user.value(QStringLiteral("email")).toString());
    const QString refresh1 = first.value(QStringLiteral("refresh_token")).toString();

    const HttpResult rotated
        = send("POST", QStringLiteral("/api/auth/refresh"), {}, { { QStringLiteral("refresh_token"), refresh1 } });
    QVERIFY2(rotated.status == 200, qPrintable(rotated.describe()));
    const QString refresh2 = rotated.json().value(QStringLiteral("refresh_token")).toString();
    const QByteArray access2 = rotated.json().value(QStringLiteral("access_token")).toString().toLatin1();
    remember(refresh2);
    remember(QString::fromLatin1(access2));
    QVERIFY(refresh2 != refresh1);
    QCOMPARE(rotated.json().value(QStringLiteral("session_id")), first.value(QStringLiteral("session_id")));
    QCOMPARE(get(QStringLiteral("/api/auth/me"), access2).status, 200);

    // A repeat within the grace (a retry) gets the same successor; once the successor is used, the
    // old token is spent for good: presenting it again is reuse, and ends the session for everyone.
    const HttpResult retried
        = send("POST", QStringLiteral("/api/auth/refresh"), {}, { { QStringLiteral("refresh_token"), refresh1 } });
    QVERIFY2(retried.status == 200, qPrintable(retried.describe()));
    QCOMPARE(retried.json().value(QStringLiteral("refresh_token")).toString(), refresh2);
    const HttpResult rotatedAgain
        = send("POST", QStringLiteral("/api/auth/refresh"), {}, { { QStringLiteral("refresh_token"), refresh2 } });
    QVERIFY2(rotatedAgain.status == 200, qPrintable(rotatedAgain.describe()));
    const QString refresh3 = rotatedAgain.json().value(QStringLiteral("refresh_token")).toString();
    remember(refresh3);
    remember(rotatedAgain.json().value(QStringLiteral("access_token")).toString());
    const HttpResult reused
        = send("POST", QStringLiteral("/api/auth/refresh"), {}, { { QStringLiteral("refresh_token"), refresh1 } });
    QCOMPARE(reused.status, 401);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), access2).status, 401);
    const HttpResult thief
        = send("POST", QStringLiteral("/api/auth/refresh"), {}, { { QStringLiteral("refresh_token"), refresh3 } });
    QCOMPARE(thief.status, 401);
    const HttpResult audit = get(QStringLiteral("/api/admin/audit?action=session.refresh_reused&resource_id=")
                                     + QString::number(first.value(QStringLiteral("session_id")).toInteger()),
                                 m_root);
    QCOMPARE(audit.json().value(QStringLiteral("items")).toArray().size(), 1);

    const HttpResult garbage = send("POST", QStringLiteral("/api/auth/refresh"), {},
                                    { { QStringLiteral("refresh_token"), QStringLiteral("rt_nonsense") } });
    QCOMPARE(garbage.status, 401);
}

void TestRestServer::logoutRevokesTheSession()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const QJsonObject tokens = login(user.value(QStringLiteral("email")).toString());
    const QByteArray access = tokens.value(QStringLiteral("access_token")).toString().toLatin1();
    QCOMPARE(get(QStringLiteral("/api/auth/me"), access).status, 200);
    QCOMPARE(send("POST", QStringLiteral("/api/auth/logout"), access).status, 204);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), access).status, 401);
    const HttpResult refreshed
        = send("POST", QStringLiteral("/api/auth/refresh"), {},
               { { QStringLiteral("refresh_token"), tokens.value(QStringLiteral("refresh_token")) } });
    QCOMPARE(refreshed.status, 401);
}

void TestRestServer::revokedSessionIsRefusedAtOnce()
{
    const QJsonObject admin = makeUser(QStringLiteral("admin"));
    const QJsonObject tokens = login(admin.value(QStringLiteral("email")).toString());
    const QByteArray access = tokens.value(QStringLiteral("access_token")).toString().toLatin1();
    QCOMPARE(get(QStringLiteral("/api/admin/users?limit=1"), access).status, 200);

    const qint64 session = tokens.value(QStringLiteral("session_id")).toInteger();
    const HttpResult sessions = get(QStringLiteral("/api/admin/sessions?user_id=")
                                        + QString::number(admin.value(QStringLiteral("id")).toInteger()),
                                    m_root);
    QCOMPARE(sessions.status, 200);
    QCOMPARE(sessions.json()
                 .value(QStringLiteral("items"))
                 .toArray()
                 .first()
                 .toObject()
                 .value(QStringLiteral("id"))
                 .toInteger(),
             session);
    QCOMPARE(send("DELETE", QStringLiteral("/api/admin/sessions/") + QString::number(session), m_root).status, 204);

    // The access token has most of its hour left, yet the very next request is refused.
    const HttpResult after = get(QStringLiteral("/api/admin/users?limit=1"), access);
    QCOMPARE(after.status, 401);
    QVERIFY(after.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("revoked")));
}

// --- users ---------------------------------------------------------------------------------------

void TestRestServer::usersArePagedWithTotalAndFilters()
{
    const QString tag = unique(QStringLiteral("pg"));
    for (int i = 0; i < 7; ++i)
        QVERIFY(makeUser(i < 2 ? QStringLiteral("power_user") : QStringLiteral("viewer"), 1, tag + QStringLiteral("x"))
                    .contains(QStringLiteral("id")));
    const QString base = QStringLiteral("/api/admin/users?search=") + tag + QStringLiteral("x&limit=3&sort=email");
    const HttpResult first = get(base, m_root);
    QVERIFY2(first.status == 200, qPrintable(first.describe()));
    QCOMPARE(first.json().value(QStringLiteral("total")).toInt(), 7);
    // Exact: fewer than 10,000 match (docs/api.md, Paging).
    QCOMPARE(first.json().value(QStringLiteral("total_is_lower_bound")), QJsonValue(false));
    QCOMPARE(first.json().value(QStringLiteral("page")).toInt(), 1);
    QCOMPARE(first.json().value(QStringLiteral("limit")).toInt(), 3);
    QCOMPARE(first.json().value(QStringLiteral("items")).toArray().size(), 3);
    const HttpResult last = get(base + QStringLiteral("&page=3"), m_root);
    QCOMPARE(last.json().value(QStringLiteral("items")).toArray().size(), 1);
    QCOMPARE(last.json().value(QStringLiteral("total")).toInt(), 7); // told by the short last page
    const HttpResult descending = get(base + QStringLiteral("&order=desc"), m_root);
    QCOMPARE(
        descending.json().value(QStringLiteral("items")).toArray().first().toObject().value(QStringLiteral("email")),
        last.json().value(QStringLiteral("items")).toArray().first().toObject().value(QStringLiteral("email")));

    const HttpResult byRole = get(base + QStringLiteral("&role=power_user"), m_root);
    QCOMPARE(byRole.json().value(QStringLiteral("total")).toInt(), 2);
    const HttpResult byOrg = get(base + QStringLiteral("&organization_id=1&status=active"), m_root);
    QCOMPARE(byOrg.json().value(QStringLiteral("total")).toInt(), 7);
    const HttpResult banned = get(base + QStringLiteral("&status=banned"), m_root);
    QCOMPARE(banned.json().value(QStringLiteral("total")).toInt(), 0);

    // Bad query values name the parameter.
    const HttpResult badLimit = get(base.left(base.indexOf(QLatin1Char('&'))) + QStringLiteral("&limit=ten"), m_root);
    QCOMPARE(badLimit.status, 400);
    QVERIFY(badLimit.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("limit")));
    const HttpResult badStatus = get(QStringLiteral("/api/admin/users?status=sleeping"), m_root);
    QCOMPARE(badStatus.status, 400);
    QVERIFY(badStatus.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("status")));
    const HttpResult unknown = get(QStringLiteral("/api/admin/users?colour=red"), m_root);
    QCOMPARE(unknown.status, 400);
    QVERIFY(unknown.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("colour")));
}

void TestRestServer::createUserAndValidationErrors()
{
    const QString name = unique(QStringLiteral("new"));
    const HttpResult created = send("POST", QStringLiteral("/api/admin/users"), m_root,
                                    { { QStringLiteral("email"), QString(name + QStringLiteral("@example.com")) },
                                      { QStringLiteral("username"), name },
                                      { QStringLiteral("password"), kPassword } });
    QCOMPARE(created.status, 201);
    const qint64 id = created.json().value(QStringLiteral("id")).toInteger();
    QCOMPARE(created.header("Location"), "/api/admin/users/" + QByteArray::number(id));
    QCOMPARE(created.header("ETag"), QByteArray("\"1\""));
    QCOMPARE(created.json().value(QStringLiteral("role_codes")).toArray(), QJsonArray { QStringLiteral("user") });
    QCOMPARE(get(QStringLiteral("/api/admin/users/") + QString::number(id), m_root).status, 200);

    const HttpResult weak = send("POST", QStringLiteral("/api/admin/users"), m_root,
                                 { { QStringLiteral("email"), QStringLiteral("not-an-email") },
                                   { QStringLiteral("username"), unique(QStringLiteral("weak")) },
                                   { QStringLiteral("password"), QStringLiteral("short") } });
    QCOMPARE(weak.status, 400);
    QCOMPARE(weak.json().value(QStringLiteral("code")).toString(), QStringLiteral("validation"));
    QVERIFY2(weak.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("email")),
             qPrintable(weak.describe()));

    const HttpResult missing = send("POST", QStringLiteral("/api/admin/users"), m_root,
                                    { { QStringLiteral("email"), QStringLiteral("a@b.c") } });
    QCOMPARE(missing.status, 400);
    const QJsonObject errors = missing.json().value(QStringLiteral("errors")).toObject();
    QVERIFY(errors.contains(QStringLiteral("username")));
    QVERIFY(errors.contains(QStringLiteral("password")));

    const HttpResult duplicate = send("POST", QStringLiteral("/api/admin/users"), m_root,
                                      { { QStringLiteral("email"), QString(name + QStringLiteral("@example.com")) },
                                        { QStringLiteral("username"), unique(QStringLiteral("dup")) },
                                        { QStringLiteral("password"), kPassword } });
    QCOMPARE(duplicate.status, 400);
    // The problem names the value in use, under its field, and nothing about the free username.
    const QString taken = name + QStringLiteral("@example.com");
    const QJsonObject dupErrors = duplicate.json().value(QStringLiteral("errors")).toObject();
    QVERIFY2(dupErrors.value(QStringLiteral("email")).toString().contains(taken), qPrintable(duplicate.describe()));
    QVERIFY2(!dupErrors.contains(QStringLiteral("username")), qPrintable(duplicate.describe()));
    QVERIFY2(duplicate.json().value(QStringLiteral("detail")).toString().contains(taken),
             qPrintable(duplicate.describe()));
}

void TestRestServer::patchNeedsTheCurrentVersion()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const QString path
        = QStringLiteral("/api/admin/users/") + QString::number(user.value(QStringLiteral("id")).toInteger());
    const HttpResult current = get(path, m_root);
    const QByteArray etag = current.header("ETag");
    QCOMPARE(etag, QByteArray("\"1\""));

    const QJsonObject change { { QStringLiteral("full_name"), QStringLiteral("Renamed Once") } };
    const HttpResult missing = send("PATCH", path, m_root, change);
    QCOMPARE(missing.status, 428);
    const HttpResult first = send("PATCH", path, m_root, change, { { "If-Match", etag } });
    QVERIFY2(first.status == 200, qPrintable(first.describe()));
    QCOMPARE(first.header("ETag"), QByteArray("\"2\""));
    QCOMPARE(first.json().value(QStringLiteral("full_name")).toString(), QStringLiteral("Renamed Once"));

    // A second writer still holding version 1 gets 412, and nothing is overwritten.
    const HttpResult stale = send("PATCH", path, m_root, { { QStringLiteral("full_name"), QStringLiteral("Lost") } },
                                  { { "If-Match", etag } });
    QCOMPARE(stale.status, 412);
    QCOMPARE(stale.json().value(QStringLiteral("code")).toString(), QStringLiteral("conflict"));
    QCOMPARE(get(path, m_root).json().value(QStringLiteral("full_name")).toString(), QStringLiteral("Renamed Once"));
}

void TestRestServer::adminCannotAssignSuperAdmin()
{
    const QJsonObject admin = makeUser(QStringLiteral("admin"));
    const QJsonObject target = makeUser(QStringLiteral("user"));
    const QByteArray token = accessToken(admin.value(QStringLiteral("email")).toString());
    const QString path = QStringLiteral("/api/admin/users/")
        + QString::number(target.value(QStringLiteral("id")).toInteger()) + QStringLiteral("/roles");
    const HttpResult refused
        = send("POST", path, token, { { QStringLiteral("role_code"), QStringLiteral("super_admin") } });
    QCOMPARE(refused.status, 403);
    QCOMPARE(refused.json().value(QStringLiteral("code")).toString(), QStringLiteral("forbidden"));
    QVERIFY2(refused.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("super_admin")),
             qPrintable(refused.describe()));
    // Assigning a lower role works, and revoking it again.
    QCOMPARE(send("POST", path, token, { { QStringLiteral("role_code"), QStringLiteral("power_user") } }).status, 204);
    QCOMPARE(send("DELETE", path + QStringLiteral("/power_user"), token).status, 204);
}

// Another tenant's user is missing, not forbidden (tst_rest_isolation walks every route).
void TestRestServer::crossTenantReadsAsMissing()
{
    const HttpResult org = send("POST", QStringLiteral("/api/admin/organizations"), m_root,
                                { { QStringLiteral("name"), unique(QStringLiteral("Beta ")) } });
    QVERIFY2(org.status == 201, qPrintable(org.describe()));
    const qint64 betaId = org.json().value(QStringLiteral("id")).toInteger();
    const QJsonObject betaAdmin = makeUser(QStringLiteral("admin"), betaId);
    const QJsonObject alphaUser = makeUser(QStringLiteral("user"), 1);
    const QByteArray token = accessToken(betaAdmin.value(QStringLiteral("email")).toString());

    const HttpResult read
        = get(QStringLiteral("/api/admin/users/") + QString::number(alphaUser.value(QStringLiteral("id")).toInteger()),
              token);
    QCOMPARE(read.status, 404);
    const HttpResult list = get(QStringLiteral("/api/admin/users?organization_id=1"), token);
    QCOMPARE(list.status, 404);
    // Their own list holds only their organization.
    const HttpResult own = get(QStringLiteral("/api/admin/users"), token);
    QCOMPARE(own.status, 200);
    for (const QJsonValue& item : own.json().value(QStringLiteral("items")).toArray())
        QCOMPARE(item.toObject().value(QStringLiteral("organization_id")).toInteger(), betaId);
}

void TestRestServer::banAndUnban()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const QString email = user.value(QStringLiteral("email")).toString();
    const QByteArray userToken = accessToken(email);
    const QString path
        = QStringLiteral("/api/admin/users/") + QString::number(user.value(QStringLiteral("id")).toInteger());

    const HttpResult noReason
        = send("POST", path + QStringLiteral("/ban"), m_root, { { QStringLiteral("expires_at"), QJsonValue() } });
    QCOMPARE(noReason.status, 400);
    QVERIFY(noReason.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("reason")));
    const HttpResult badDate = send("POST", path + QStringLiteral("/ban"), m_root,
                                    { { QStringLiteral("reason"), QStringLiteral("spam") },
                                      { QStringLiteral("expires_at"), QStringLiteral("next tuesday") } });
    QCOMPARE(badDate.status, 400);
    QVERIFY(badDate.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("expires_at")));

    const HttpResult banned = send("POST", path + QStringLiteral("/ban"), m_root,
                                   { { QStringLiteral("reason"), QStringLiteral("spam") },
                                     { QStringLiteral("expires_at"), QStringLiteral("2099-01-01T00:00:00Z") } });
    QVERIFY2(banned.status == 200, qPrintable(banned.describe()));
    QCOMPARE(banned.json().value(QStringLiteral("status")).toString(), QStringLiteral("banned"));
    QCOMPARE(banned.json().value(QStringLiteral("ban_expires_at")).toString(),
             QStringLiteral("2099-01-01T00:00:00.000Z"));
    // The ban ended the user's sessions: their token stops working, and they cannot sign in.
    QCOMPARE(get(QStringLiteral("/api/auth/me"), userToken).status, 401);
    const HttpResult login = send("POST", QStringLiteral("/api/auth/login"), {},
                                  { { QStringLiteral("email"), email }, { QStringLiteral("password"), kPassword } });
    QCOMPARE(login.status, 403);
    QVERIFY(login.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("banned")));

    const HttpResult unbanned = send("POST", path + QStringLiteral("/unban"), m_root);
    QCOMPARE(unbanned.status, 200);
    QCOMPARE(unbanned.json().value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QVERIFY(!accessToken(email).isEmpty());

    QCOMPARE(send("POST", path + QStringLiteral("/suspend"), m_root,
                  { { QStringLiteral("reason"), QStringLiteral("audit") } })
                 .json()
                 .value(QStringLiteral("status"))
                 .toString(),
             QStringLiteral("suspended"));
    QCOMPARE(
        send("POST", path + QStringLiteral("/unsuspend"), m_root).json().value(QStringLiteral("status")).toString(),
        QStringLiteral("active"));
}

void TestRestServer::impersonation()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const qint64 userId = user.value(QStringLiteral("id")).toInteger();
    const QString path = QStringLiteral("/api/admin/users/") + QString::number(userId) + QStringLiteral("/impersonate");
    const HttpResult noReason = send("POST", path, m_root, { { QStringLiteral("duration_minutes"), 10 } });
    QCOMPARE(noReason.status, 400);

    const HttpResult created = send(
        "POST", path, m_root,
        { { QStringLiteral("reason"), QStringLiteral("ticket 42") }, { QStringLiteral("duration_minutes"), 10 } });
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
    const QByteArray token = created.json().value(QStringLiteral("token")).toString().toLatin1();
    remember(QString::fromLatin1(token));
    QVERIFY(!token.isEmpty());
    QCOMPARE(
        created.json().value(QStringLiteral("session")).toObject().value(QStringLiteral("impersonator_id")).toInteger(),
        m_rootId);

    // The session token works as a bearer token and acts as the user, marked with the impersonator.
    const HttpResult me = get(QStringLiteral("/api/auth/me"), token);
    QVERIFY2(me.status == 200, qPrintable(me.describe()));
    QCOMPARE(me.json().value(QStringLiteral("user_id")).toInteger(), userId);
    QCOMPARE(me.json().value(QStringLiteral("impersonator_id")).toInteger(), m_rootId);

    // An admin (not a super admin) may not impersonate.
    const QJsonObject admin = makeUser(QStringLiteral("admin"));
    const HttpResult refused = send("POST", path, accessToken(admin.value(QStringLiteral("email")).toString()),
                                    { { QStringLiteral("reason"), QStringLiteral("curious") } });
    QCOMPARE(refused.status, 403);
}

// --- API keys ------------------------------------------------------------------------------------

void TestRestServer::apiKeyScopesAndHeaderOnly()
{
    const QJsonObject admin = makeUser(QStringLiteral("admin"));
    const qint64 adminId = admin.value(QStringLiteral("id")).toInteger();
    const HttpResult created = send(
        "POST", QStringLiteral("/api/admin/users/") + QString::number(adminId) + QStringLiteral("/api-keys"), m_root,
        { { QStringLiteral("name"), QStringLiteral("reporting") },
          { QStringLiteral("scopes"), QJsonArray { QStringLiteral("admin:user:view") } } });
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
    const QByteArray key = created.json().value(QStringLiteral("key")).toString().toLatin1();
    remember(QString::fromLatin1(key));
    QVERIFY(key.startsWith("pk_live_"));
    QVERIFY(key.startsWith(created.json().value(QStringLiteral("prefix")).toString().toLatin1()));
    const qint64 keyId = created.json().value(QStringLiteral("id")).toInteger();

    // Shown once: the list has the prefix, never the key.
    const HttpResult listed = get(QStringLiteral("/api/admin/api-keys?user_id=") + QString::number(adminId), m_root);
    QCOMPARE(listed.status, 200);
    QCOMPARE(listed.json().value(QStringLiteral("total")).toInt(), 1);
    QVERIFY(!listed.body.contains(key));

    const HttpResult allowed
        = sendRaw("GET", QStringLiteral("/api/admin/users?limit=2"), {}, {}, { { "X-API-Key", key } });
    QVERIFY2(allowed.status == 200, qPrintable(allowed.describe()));
    const HttpResult me = sendRaw("GET", QStringLiteral("/api/auth/me"), {}, {}, { { "X-API-Key", key } });
    QCOMPARE(me.json().value(QStringLiteral("actor_type")).toString(), QStringLiteral("api_key"));
    QCOMPARE(me.json().value(QStringLiteral("api_key_id")).toInteger(), keyId);

    // Outside its scope: 403 with the reason.
    const HttpResult outside
        = sendRaw("POST", QStringLiteral("/api/admin/users"), {},
                  QJsonDocument(QJsonObject { { QStringLiteral("email"), QStringLiteral("k@example.com") } })
                      .toJson(QJsonDocument::Compact),
                  { { "X-API-Key", key } });
    QCOMPARE(outside.status, 403);
    QVERIFY2(outside.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("admin:user:create")),
             qPrintable(outside.describe()));

    // Never in the URL, whatever the parameter is called.
    const HttpResult inQuery = get(QStringLiteral("/api/admin/users?api_key=") + QString::fromLatin1(key), {});
    QCOMPARE(inQuery.status, 400);
    QVERIFY(inQuery.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("X-API-Key")));
    QCOMPARE(get(QStringLiteral("/api/admin/users?q=") + QString::fromLatin1(key), {}).status, 400);

    // Revoked: refused at once.
    QCOMPARE(send("DELETE", QStringLiteral("/api/admin/api-keys/") + QString::number(keyId), m_root).status, 204);
    QCOMPARE(sendRaw("GET", QStringLiteral("/api/admin/users?limit=2"), {}, {}, { { "X-API-Key", key } }).status, 401);
    QCOMPARE(sendRaw("GET", QStringLiteral("/api/admin/users"), {}, {}, { { "X-API-Key", "pk_live_nonsense" } }).status,
             401);
}

void TestRestServer::apiKeyRateLimit()
{
    const QJsonObject admin = makeUser(QStringLiteral("admin"));
    const HttpResult created
        = send("POST",
               QStringLiteral("/api/admin/users/") + QString::number(admin.value(QStringLiteral("id")).toInteger())
                   + QStringLiteral("/api-keys"),
               m_root,
               { { QStringLiteral("name"), QStringLiteral("slow") },
                 { QStringLiteral("scopes"), QJsonArray { QStringLiteral("admin:user:view") } },
                 { QStringLiteral("rate_limit_per_minute"), 3 } });
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
    const QByteArray key = created.json().value(QStringLiteral("key")).toString().toLatin1();
    remember(QString::fromLatin1(key));

    // Three in a minute pass; then 429 with Retry-After. (Windows are UTC minutes.)
    waitForAFreshMinute();
    for (int i = 0; i < 3; ++i)
        QCOMPARE(sendRaw("GET", QStringLiteral("/api/admin/users?limit=1"), {}, {}, { { "X-API-Key", key } }).status,
                 200);
    const HttpResult limited
        = sendRaw("GET", QStringLiteral("/api/admin/users?limit=1"), {}, {}, { { "X-API-Key", key } });
    QCOMPARE(limited.status, 429);
    QCOMPARE(limited.json().value(QStringLiteral("code")).toString(), QStringLiteral("rate_limited"));
    bool ok = false;
    const int retryAfter = limited.header("Retry-After").toInt(&ok);
    QVERIFY2(ok && retryAfter >= 1 && retryAfter <= 60, limited.header("Retry-After").constData());
    QCOMPARE(limited.header("X-RateLimit-Limit"), QByteArray("3"));
}

// Issue 13: GET/PATCH one key, rotate with a grace period. Attackers first: a user who may only
// view keys, an admin raising scopes beyond the owner's permissions, the old secret after its
// grace, a revoked key's previous secret, PATCH on a revoked key.
void TestRestServer::apiKeyReadEditRotate()
{
    const QJsonObject admin = makeUser(QStringLiteral("admin"));
    const QByteArray adminToken = accessToken(admin.value(QStringLiteral("email")).toString());
    const QJsonObject owner = makeUser(QStringLiteral("user"));
    const qint64 ownerId = owner.value(QStringLiteral("id")).toInteger();
    const HttpResult role
        = send("POST", QStringLiteral("/api/admin/roles"), m_root,
               { { QStringLiteral("code"), unique(QStringLiteral("key_viewer_")) },
                 { QStringLiteral("name"), unique(QStringLiteral("Key viewer ")) },
                 { QStringLiteral("level"), 30 },
                 { QStringLiteral("organization_id"), 1 },
                 { QStringLiteral("permission_codes"), QJsonArray { QStringLiteral("admin:apikey:view") } } });
    QVERIFY2(role.status == 201, qPrintable(role.describe()));
    const QJsonObject viewer = makeUser(role.json().value(QStringLiteral("code")).toString());
    const QByteArray viewerToken = accessToken(viewer.value(QStringLiteral("email")).toString());

    const HttpResult created = send("POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(ownerId), adminToken,
                                    { { QStringLiteral("name"), QStringLiteral("bot") },
                                      { QStringLiteral("scopes"), QJsonArray { QStringLiteral("chat:create") } } });
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
    const QByteArray secret = created.json().value(QStringLiteral("key")).toString().toLatin1();
    remember(QString::fromLatin1(secret));
    const QString path
        = QStringLiteral("/api/admin/api-keys/%1").arg(created.json().value(QStringLiteral("id")).toInteger());
    const auto works = [&](const QByteArray& key) {
        return sendRaw("GET", QStringLiteral("/api/auth/me"), {}, {}, { { "X-API-Key", key } }).status;
    };

    // Read: the viewer may, and sees no secret.
    const HttpResult read = get(path, viewerToken);
    QVERIFY2(read.status == 200, qPrintable(read.describe()));
    QCOMPARE(read.json().value(QStringLiteral("prefix")).toString(),
             created.json().value(QStringLiteral("prefix")).toString());
    QVERIFY(!read.body.contains(secret));
    QVERIFY(read.json().value(QStringLiteral("previous_valid_until")).isNull());

    // A viewer may neither edit nor rotate.
    QCOMPARE(send("PATCH", path, viewerToken, { { QStringLiteral("name"), QStringLiteral("mine now") } }).status, 403);
    QCOMPARE(send("POST", path + QStringLiteral("/rotate"), viewerToken,
                  { { QStringLiteral("grace"), QStringLiteral("none") } })
                 .status,
             403);
    // Beyond the owner's permissions: a field error on scopes.
    const HttpResult widened
        = send("PATCH", path, adminToken,
               { { QStringLiteral("scopes"), QJsonArray { QStringLiteral("admin:user:delete") } } });
    QCOMPARE(widened.status, 400);
    QVERIFY(widened.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("scopes")));
    // Bad allowlist, expiry in the past, an empty PATCH, an unknown grace.
    const HttpResult bad = send("PATCH", path, adminToken,
                                { { QStringLiteral("ip_allowlist"), QJsonArray { QStringLiteral("10.0.0.0/40") } },
                                  { QStringLiteral("expires_at"), QStringLiteral("2001-01-01T00:00:00Z") } });
    QCOMPARE(bad.status, 400);
    QVERIFY(bad.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("ip_allowlist")));
    QVERIFY(bad.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("expires_at")));
    QCOMPARE(sendRaw("PATCH", path, adminToken, "{}", {}).status, 400);
    QCOMPARE(send("POST", path + QStringLiteral("/rotate"), adminToken,
                  { { QStringLiteral("grace"), QStringLiteral("2h") } })
                 .status,
             400);
    QCOMPARE(send("POST", path + QStringLiteral("/rotate"), adminToken, { { QStringLiteral("grace_seconds"), 7200 } })
                 .status,
             400);

    // A good edit.
    const HttpResult edited = send("PATCH", path, adminToken,
                                   { { QStringLiteral("name"), QStringLiteral("chat bot") },
                                     { QStringLiteral("rate_limit_per_minute"), 90 },
                                     { QStringLiteral("expires_at"), QStringLiteral("2099-01-01T00:00:00Z") } });
    QVERIFY2(edited.status == 200, qPrintable(edited.describe()));
    QCOMPARE(edited.json().value(QStringLiteral("name")).toString(), QStringLiteral("chat bot"));
    QCOMPARE(edited.json().value(QStringLiteral("rate_limit_per_minute")).toInt(), 90);
    const HttpResult never = send("PATCH", path, adminToken, { { QStringLiteral("expires_at"), QJsonValue() } });
    QVERIFY2(never.status == 200, qPrintable(never.describe()));
    QVERIFY(never.json().value(QStringLiteral("expires_at")).isNull());

    // Rotate with 1 hour of grace: both secrets work; the new one is shown once.
    const HttpResult rotated = send("POST", path + QStringLiteral("/rotate"), adminToken,
                                    { { QStringLiteral("grace"), QStringLiteral("1h") } });
    QVERIFY2(rotated.status == 200, qPrintable(rotated.describe()));
    const QByteArray next = rotated.json().value(QStringLiteral("key")).toString().toLatin1();
    remember(QString::fromLatin1(next));
    QVERIFY(next.startsWith("pk_live_") && next != secret);
    QVERIFY(!rotated.json().value(QStringLiteral("previous_valid_until")).isNull());
    QCOMPARE(works(secret), 200);
    QCOMPARE(works(next), 200);
    QVERIFY(!get(path, adminToken).body.contains(next));

    // After the grace period (moved into the past in the database): the old secret is refused.
    {
        QSqlQuery q(m_db->store().core().db());
        q.prepare(QStringLiteral("UPDATE api_keys SET previous_valid_until = ? WHERE id = ?"));
        q.addBindValue(QDateTime::currentMSecsSinceEpoch() - 1000);
        q.addBindValue(created.json().value(QStringLiteral("id")).toInteger());
        QVERIFY(q.exec());
    }
    QCOMPARE(works(secret), 401);
    QCOMPARE(works(next), 200);

    // A revoked key's previous secret is refused with it; PATCH and rotate on it are conflicts.
    const HttpResult again
        = send("POST", path + QStringLiteral("/rotate"), m_root, { { QStringLiteral("grace"), QStringLiteral("7d") } });
    QVERIFY2(again.status == 200, qPrintable(again.describe()));
    const QByteArray third = again.json().value(QStringLiteral("key")).toString().toLatin1();
    remember(QString::fromLatin1(third));
    QCOMPARE(works(next), 200);
    QCOMPARE(send("DELETE", path, adminToken).status, 204);
    QCOMPARE(works(next), 401);
    QCOMPARE(works(third), 401);
    QCOMPARE(send("PATCH", path, adminToken, { { QStringLiteral("name"), QStringLiteral("late") } }).status, 409);
    QCOMPARE(send("POST", path + QStringLiteral("/rotate"), adminToken, {}).status, 409);

    // The audit log has the edit (old -> new) and the rotations with their grace.
    const HttpResult audit = get(QStringLiteral("/api/admin/audit?action=api_key.rotated&limit=10"), m_root);
    QVERIFY2(audit.status == 200, qPrintable(audit.describe()));
    QVERIFY(audit.body.contains("\"grace_seconds\":3600"));
    QVERIFY(!audit.body.contains(next) && !audit.body.contains(secret));
}

void TestRestServer::apiKeyConcurrentRotations()
{
    const QJsonObject owner = makeUser(QStringLiteral("user"));
    const HttpResult created = send(
        "POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(owner.value(QStringLiteral("id")).toInteger()),
        m_root, { { QStringLiteral("name"), QStringLiteral("raced") } });
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
    QList<QByteArray> secrets { created.json().value(QStringLiteral("key")).toString().toLatin1() };
    const QString path
        = QStringLiteral("/api/admin/api-keys/%1/rotate").arg(created.json().value(QStringLiteral("id")).toInteger());

    // Four rotations in flight at once, on connections of their own.
    QList<QNetworkAccessManager*> managers;
    QList<QNetworkReply*> replies;
    for (int i = 0; i < 4; ++i) {
        managers << new QNetworkAccessManager(this);
        QNetworkRequest request(QUrl(m_server.baseUrl() + path));
        request.setRawHeader("Authorization", "Bearer " + m_root);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        replies << managers.last()->post(request, QByteArray("{\"grace\":\"24h\"}"));
    }
    int ok = 0;
    for (QNetworkReply* reply : std::as_const(replies)) {
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || finished.wait(kWaitMs));
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        QVERIFY2(status == 200 || status == 409, qPrintable(QString::number(status)));
        if (status == 200) {
            ++ok;
            secrets << body.value(QStringLiteral("key")).toString().toLatin1();
            remember(QString::fromLatin1(secrets.last()));
        }
        reply->deleteLater();
    }
    qDeleteAll(managers);
    QVERIFY(ok >= 1);
    // The current secret and the one before it, no more.
    int valid = 0;
    for (const QByteArray& key : std::as_const(secrets))
        valid += sendRaw("GET", QStringLiteral("/api/auth/me"), {}, {}, { { "X-API-Key", key } }).status == 200 ? 1 : 0;
    QCOMPARE(valid, 2);
}

// DELETE /api/admin/users/{id}/sessions?keep_current=true ends one's other sessions and keeps the
// caller's; for another user, or with an API key (no current session), every session ends.
void TestRestServer::endOtherSessionsKeepsTheCurrentOne()
{
    const QJsonObject admin = makeUser(QStringLiteral("admin"));
    const QString email = admin.value(QStringLiteral("email")).toString();
    const qint64 adminId = admin.value(QStringLiteral("id")).toInteger();
    const QByteArray here = accessToken(email);
    const QByteArray elsewhere = accessToken(email);
    const QByteArray third = accessToken(email);
    const QString sessions = QStringLiteral("/api/admin/users/%1/sessions").arg(adminId);

    const HttpResult kept = send("DELETE", sessions + QStringLiteral("?keep_current=true"), here);
    QVERIFY2(kept.status == 200, qPrintable(kept.describe()));
    QCOMPARE(kept.json().value(QStringLiteral("revoked")).toInt(), 2);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), here).status, 200);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), elsewhere).status, 401);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), third).status, 401);

    // keep_current names the caller's session only: the super admin ending this admin's sessions
    // with it still ends them all.
    const QByteArray another = accessToken(email);
    const HttpResult forOther = send("DELETE", sessions + QStringLiteral("?keep_current=true"), m_root);
    QCOMPARE(forOther.status, 200);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), here).status, 401);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), another).status, 401);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), m_root).status, 200);

    // An API key of the admin has no current session: all of them end.
    const HttpResult key
        = send("POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(adminId), m_root,
               { { QStringLiteral("name"), QStringLiteral("sessions") },
                 { QStringLiteral("scopes"), QJsonArray { QStringLiteral("admin:session:revoke") } } });
    QVERIFY2(key.status == 201, qPrintable(key.describe()));
    const QByteArray secret = key.json().value(QStringLiteral("key")).toString().toLatin1();
    remember(QString::fromLatin1(secret));
    const QByteArray fresh = accessToken(email);
    const HttpResult byKey
        = sendRaw("DELETE", sessions + QStringLiteral("?keep_current=true"), {}, {}, { { "X-API-Key", secret } });
    QVERIFY2(byKey.status == 200, qPrintable(byKey.describe()));
    QCOMPARE(byKey.json().value(QStringLiteral("revoked")).toInt(), 1);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), fresh).status, 401);

    // Without keep_current one's own current session ends too (as before).
    const QByteArray last = accessToken(email);
    QCOMPARE(send("DELETE", sessions, last).status, 200);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), last).status, 401);
}

// --- malformed requests --------------------------------------------------------------------------

void TestRestServer::malformedBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field"); // expected in "errors", or empty
    QTest::addColumn<QString>("detail"); // expected in "detail"

    QTest::newRow("malformed JSON") << QByteArray(R"({"name": "x",)") << QByteArray("application/json") << 400
                                    << QString() << QStringLiteral("Malformed JSON");
    QTest::newRow("not an object") << QByteArray(R"(["name"])") << QByteArray("application/json") << 400 << QString()
                                   << QStringLiteral("JSON object");
    QTest::newRow("wrong type") << QByteArray(R"({"name": "x", "rate_limit_per_minute": "ten"})")
                                << QByteArray("application/json") << 400 << QStringLiteral("rate_limit_per_minute")
                                << QStringLiteral("integer");
    QTest::newRow("unknown field") << QByteArray(R"({"name": "x", "colour": "red"})") << QByteArray("application/json")
                                   << 400 << QStringLiteral("colour") << QStringLiteral("Unknown field");
    QTest::newRow("array of numbers for scopes")
        << QByteArray(R"({"name": "x", "scopes": [1, 2]})") << QByteArray("application/json") << 400
        << QStringLiteral("scopes") << QStringLiteral("array of strings");
    // A field name that would close its string and add members if written unescaped.
    QTest::newRow("field name with quotes")
        << QByteArray(R"({"name": "x", "z\",\"status\":200,\"q": 1})") << QByteArray("application/json") << 400
        << QStringLiteral("z\",\"status\":200,\"q") << QStringLiteral("Unknown field");
    QTest::newRow("not JSON") << QByteArray("name=x") << QByteArray("application/x-www-form-urlencoded") << 415
                              << QString() << QStringLiteral("Content-Type");
}

void TestRestServer::malformedBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, field);
    QFETCH(QString, detail);
    const HttpResult r
        = sendRaw("POST", QStringLiteral("/api/admin/users/") + QString::number(m_rootId) + QStringLiteral("/api-keys"),
                  m_root, body, { { "Content-Type", contentType } });
    QCOMPARE(r.status, status);
    QVERIFY(r.header("Content-Type").startsWith("application/problem+json"));
    // The problem itself is valid JSON whatever the client sent, and says the same status.
    QJsonParseError parseError;
    const QJsonDocument problem = QJsonDocument::fromJson(r.body, &parseError);
    QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(r.describe()));
    QCOMPARE(problem.object().value(QStringLiteral("status")).toInt(), status);
    QVERIFY2(r.json().value(QStringLiteral("detail")).toString().contains(detail), qPrintable(r.describe()));
    if (!field.isEmpty())
        QVERIFY2(r.json().value(QStringLiteral("errors")).toObject().contains(field), qPrintable(r.describe()));
}

void TestRestServer::oversizedBodyIsRefused()
{
    QByteArray huge = R"({"name": ")";
    huge += QByteArray(2 * 1024 * 1024, 'x');
    huge += R"("})";
    const HttpResult r = sendRaw("POST", QStringLiteral("/api/admin/roles"), m_root, huge, {});
    QCOMPARE(r.status, 413);
    QVERIFY(r.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("limit")));
    QCOMPARE(get(QStringLiteral("/api/health/auth"), {}).status, 200);
}

void TestRestServer::unknownRouteAndMethod()
{
    QCOMPARE(get(QStringLiteral("/api/admin/nothing"), m_root).status, 404);
    QCOMPARE(get(QStringLiteral("/api/admin/users/abc"), m_root).status, 404);
    const HttpResult method = send("PUT", QStringLiteral("/api/admin/users"), m_root);
    QCOMPARE(method.status, 405);
    QVERIFY(method.header("Allow").contains("GET"));
    QCOMPARE(get(QStringLiteral("/api/admin/users/999999"), m_root).status, 404);
}

// --- organizations, invitations, roles -----------------------------------------------------------

void TestRestServer::passwordResetCodeSetsANewPasswordOnce()
{
    const QJsonObject user = makeUser(QStringLiteral("user"));
    const QString email = user.value(QStringLiteral("email")).toString();
    const QByteArray before = accessToken(email);
    QVERIFY(!before.isEmpty());
    const HttpResult issued = send(
        "POST", QStringLiteral("/api/admin/users/%1/reset-token").arg(user.value(QStringLiteral("id")).toInteger()),
        m_root);
    QVERIFY2(issued.status == 201, qPrintable(issued.describe()));
    const QString code = issued.json().value(QStringLiteral("token")).toString();
    remember(code);
    const QString fresh = QStringLiteral("Another-Horse-77-staple");
    remember(fresh);
    auto redeem = [&](const QString& token, const QString& password) {
        return send("POST", QStringLiteral("/api/auth/password/reset"), {},
                    { { QStringLiteral("token"), token }, { QStringLiteral("new_password"), password } });
    };

    // A weak password is refused with the field, and does not use the code up.
    const HttpResult weak = redeem(code, QStringLiteral("short"));
    QCOMPARE(weak.status, 400);
    QVERIFY2(weak.json().value(QStringLiteral("errors")).toObject().contains(QStringLiteral("password")),
             qPrintable(weak.describe()));
    QCOMPARE(redeem(QStringLiteral("not-a-code"), fresh).status / 100, 4);

    const HttpResult reset = redeem(code, fresh);
    QVERIFY2(reset.status == 204, qPrintable(reset.describe()));
    // Every session of the account ended; the old password is gone, the new one works.
    QCOMPARE(get(QStringLiteral("/api/auth/me"), before).status, 401);
    QCOMPARE(send("POST", QStringLiteral("/api/auth/login"), {},
                  { { QStringLiteral("email"), email }, { QStringLiteral("password"), kPassword } })
                 .status,
             401);
    QVERIFY(!accessToken(email, fresh).isEmpty());
    // The code works once.
    QCOMPARE(redeem(code, QStringLiteral("Third-Horse-99-staple")).status / 100, 4);
    const HttpResult audit = get(QStringLiteral("/api/admin/audit?action=user.password_reset&resource_id=")
                                     + QString::number(user.value(QStringLiteral("id")).toInteger()),
                                 m_root);
    QCOMPARE(audit.json().value(QStringLiteral("items")).toArray().size(), 1);
}

void TestRestServer::invitationRoundTrip()
{
    const HttpResult org
        = send("POST", QStringLiteral("/api/admin/organizations"), m_root,
               { { QStringLiteral("name"), unique(QStringLiteral("Gamma ")) }, { QStringLiteral("max_users"), 5 } });
    QCOMPARE(org.status, 201);
    const QString orgPath = QStringLiteral("/api/admin/organizations/")
        + QString::number(org.json().value(QStringLiteral("id")).toInteger());
    const QString slug = org.json().value(QStringLiteral("slug")).toString();
    const QString email = unique(QStringLiteral("invitee")) + QStringLiteral("@example.com");
    const HttpResult invited = send("POST", orgPath + QStringLiteral("/invitations"), m_root,
                                    { { QStringLiteral("email"), email },
                                      { QStringLiteral("role_code"), QStringLiteral("power_user") },
                                      { QStringLiteral("valid_days"), 3 } });
    QVERIFY2(invited.status == 201, qPrintable(invited.describe()));
    const QString token = invited.json().value(QStringLiteral("token")).toString();
    remember(token);
    QCOMPARE(
        get(orgPath + QStringLiteral("/invitations"), m_root).json().value(QStringLiteral("items")).toArray().size(),
        1);

    const HttpResult accepted = send("POST", QStringLiteral("/api/invitations/accept"), {},
                                     { { QStringLiteral("token"), token },
                                       { QStringLiteral("username"), unique(QStringLiteral("invitee")) },
                                       { QStringLiteral("full_name"), QStringLiteral("Invited Person") },
                                       { QStringLiteral("password"), kPassword } });
    QVERIFY2(accepted.status == 201, qPrintable(accepted.describe()));
    QCOMPARE(accepted.json().value(QStringLiteral("role_codes")).toArray(),
             QJsonArray { QStringLiteral("power_user") });
    QVERIFY(!accessToken(email).isEmpty());
    const HttpResult again = send("POST", QStringLiteral("/api/invitations/accept"), {},
                                  { { QStringLiteral("token"), token },
                                    { QStringLiteral("username"), unique(QStringLiteral("again")) },
                                    { QStringLiteral("password"), kPassword } });
    QCOMPARE(again.status, 409);

    QCOMPARE(send("POST", orgPath + QStringLiteral("/suspend"), m_root).json().value(QStringLiteral("active")).toBool(),
             false);
    QCOMPARE(
        send("POST", orgPath + QStringLiteral("/unsuspend"), m_root).json().value(QStringLiteral("active")).toBool(),
        true);
    const HttpResult renamed
        = send("PATCH", orgPath, m_root, { { QStringLiteral("name"), QStringLiteral("Gamma Renamed") } });
    QCOMPARE(renamed.json().value(QStringLiteral("name")).toString(), QStringLiteral("Gamma Renamed"));
    // Wiping out needs the slug repeated.
    QCOMPARE(send("DELETE", orgPath + QStringLiteral("?confirm=wrong"), m_root).status, 400);
    QCOMPARE(send("DELETE", orgPath, m_root, { { QStringLiteral("confirm"), slug } }).status, 204);
    QCOMPARE(get(orgPath, m_root).status, 404);
}

void TestRestServer::rolesOverHttp()
{
    const QString code = unique(QStringLiteral("auditor_"));
    const HttpResult created
        = send("POST", QStringLiteral("/api/admin/roles"), m_root,
               { { QStringLiteral("code"), code },
                 { QStringLiteral("name"), QStringLiteral("Auditor") },
                 { QStringLiteral("level"), 30 },
                 { QStringLiteral("organization_id"), 1 },
                 { QStringLiteral("permission_codes"), QJsonArray { QStringLiteral("admin:audit:view") } } });
    QVERIFY2(created.status == 201, qPrintable(created.describe()));
    const QString path
        = QStringLiteral("/api/admin/roles/") + QString::number(created.json().value(QStringLiteral("id")).toInteger());
    QCOMPARE(created.header("Location"), path.toLatin1());
    const HttpResult effective = get(path + QStringLiteral("/permissions"), m_root);
    QVERIFY(effective.json().value(QStringLiteral("items")).toArray().contains(QStringLiteral("admin:audit:view")));
    QVERIFY(
        effective.json().value(QStringLiteral("items")).toArray().contains(QStringLiteral("chat:view"))); // inherited

    const HttpResult patched
        = send("PATCH", path, m_root,
               { { QStringLiteral("permission_codes"),
                   QJsonArray { QStringLiteral("admin:audit:view"), QStringLiteral("admin:audit:export") } } });
    QCOMPARE(patched.status, 200);
    QCOMPARE(patched.json().value(QStringLiteral("permission_codes")).toArray().size(), 2);
    const HttpResult unknownPermission = send(
        "PATCH", path, m_root, { { QStringLiteral("permission_codes"), QJsonArray { QStringLiteral("no:such") } } });
    QCOMPARE(unknownPermission.status, 400);

    const QJsonObject holder = makeUser(code);
    QVERIFY(holder.contains(QStringLiteral("id")));
    QCOMPARE(send("DELETE", path, m_root).status, 409); // assigned
    QCOMPARE(send("DELETE", path + QStringLiteral("?cascade=true"), m_root).status, 204);
    QVERIFY(!get(QStringLiteral("/api/admin/roles"), m_root).body.contains(code.toUtf8()));
    QVERIFY(get(QStringLiteral("/api/admin/permissions"), m_root).json().value(QStringLiteral("items")).toArray().size()
            > 60);
    QCOMPARE(get(QStringLiteral("/api/admin/stats"), m_root).status, 200);
    QCOMPARE(get(QStringLiteral("/api/admin/audit/activity?days=7"), m_root)
                 .json()
                 .value(QStringLiteral("items"))
                 .toArray()
                 .size(),
             7);
    const HttpResult verified = send("POST", QStringLiteral("/api/admin/audit/verify"), m_root);
    QCOMPARE(verified.status, 200);
    QCOMPARE(verified.json().value(QStringLiteral("ok")).toBool(), true);
}

// --- audit ---------------------------------------------------------------------------------------

void TestRestServer::auditCursorAndStreamedExport()
{
    const QString filter = QStringLiteral("action=user.created&actor_id=") + QString::number(m_rootId);
    // Walk the log with a small page and the cursor.
    QSet<qint64> seen;
    QString cursor;
    int pages = 0;
    do {
        QString path = QStringLiteral("/api/admin/audit?limit=4&") + filter;
        if (!cursor.isEmpty())
            path += QStringLiteral("&cursor=") + cursor;
        const HttpResult page = get(path, m_root);
        QVERIFY2(page.status == 200, qPrintable(page.describe()));
        const QJsonArray items = page.json().value(QStringLiteral("items")).toArray();
        QVERIFY(items.size() <= 4);
        for (const QJsonValue& item : items) {
            QCOMPARE(item.toObject().value(QStringLiteral("action")).toString(), QStringLiteral("user.created"));
            QVERIFY2(!seen.contains(item.toObject().value(QStringLiteral("id")).toInteger()), "an event came twice");
            seen.insert(item.toObject().value(QStringLiteral("id")).toInteger());
        }
        cursor = page.json().value(QStringLiteral("next_cursor")).toString();
        ++pages;
    } while (!cursor.isEmpty() && pages < 100);
    QVERIFY(seen.size() > 10);
    QVERIFY(pages >= 3);

    const HttpResult csv = get(QStringLiteral("/api/admin/audit/export?format=csv&") + filter, m_root);
    QVERIFY2(csv.status == 200, qPrintable(csv.describe()));
    QVERIFY(csv.header("Content-Type").startsWith("text/csv"));
    QCOMPARE(csv.header("Transfer-Encoding"), QByteArray("chunked"));
    const QList<QByteArray> lines = csv.body.trimmed().split('\n');
    QVERIFY(lines.first().startsWith("id,time_utc,"));
    QCOMPARE(lines.size() - 1, seen.size());

    const HttpResult jsonl = get(QStringLiteral("/api/admin/audit/export?format=jsonl&") + filter, m_root);
    QCOMPARE(jsonl.status, 200);
    QCOMPARE(jsonl.body.trimmed().split('\n').size(), seen.size());

    QCOMPARE(get(QStringLiteral("/api/admin/audit?cursor=garbage"), m_root).status, 400);
    QCOMPARE(get(QStringLiteral("/api/admin/audit?from=yesterday"), m_root).status, 400);
    QCOMPARE(get(QStringLiteral("/api/admin/audit/export?format=xml"), m_root).status, 400);
    const HttpResult ranged
        = get(QStringLiteral("/api/admin/audit?limit=1&from=2000-01-01T00:00:00Z&to=2000-01-02"), m_root);
    QCOMPARE(ranged.status, 200);
    QCOMPARE(ranged.json().value(QStringLiteral("items")).toArray().size(), 0);

    // An admin without admin:audit:export (a viewer) is refused before any byte is streamed.
    const QJsonObject viewer = makeUser(QStringLiteral("viewer"));
    const HttpResult refused
        = get(QStringLiteral("/api/admin/audit/export"), accessToken(viewer.value(QStringLiteral("email")).toString()));
    QCOMPARE(refused.status, 403);
}

// --- robustness ----------------------------------------------------------------------------------

void TestRestServer::concurrentClients()
{
    // Several managers: several connections at once, each with requests in flight.
    std::vector<std::unique_ptr<QNetworkAccessManager>> managers;
    QList<QNetworkReply*> replies;
    for (int m = 0; m < 4; ++m) {
        managers.push_back(std::make_unique<QNetworkAccessManager>());
        for (int i = 0; i < 10; ++i) {
            QNetworkRequest request(
                QUrl(m_server.baseUrl() + QStringLiteral("/api/admin/users?limit=20&page=") + QString::number(i + 1)));
            request.setRawHeader("Authorization", "Bearer " + m_root);
            replies << managers.back()->get(request);
        }
    }
    for (QNetworkReply* reply : std::as_const(replies)) {
        if (!reply->isFinished()) {
            QSignalSpy finished(reply, &QNetworkReply::finished);
            QVERIFY(finished.wait(kWaitMs));
        }
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY(QJsonDocument::fromJson(reply->readAll()).object().contains(QStringLiteral("total")));
        reply->deleteLater();
    }
}

void TestRestServer::clientDisconnectingMidRequest()
{
    const QUrl base(m_server.baseUrl());
    auto openSocket = [&]() {
        auto socket = std::make_unique<QTcpSocket>();
        QSignalSpy connected(socket.get(), &QTcpSocket::connected);
        socket->connectToHost(base.host(), quint16(base.port()));
        if (socket->state() != QAbstractSocket::ConnectedState)
            connected.wait(kWaitMs);
        return socket;
    };
    {
        // Half the headers, then gone.
        auto socket = openSocket();
        QCOMPARE(socket->state(), QAbstractSocket::ConnectedState);
        socket->write("POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-");
        QSignalSpy written(socket.get(), &QTcpSocket::bytesWritten);
        written.wait(1000);
        socket->abort();
    }
    {
        // The headers and half the body, then gone.
        auto socket = openSocket();
        socket->write("POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                      "Content-Length: 200\r\n\r\n{\"email\": \"root@");
        QSignalSpy written(socket.get(), &QTcpSocket::bytesWritten);
        written.wait(1000);
        socket->close();
    }
    {
        // A whole request whose answer nobody waits for.
        auto socket = openSocket();
        socket->write("GET /api/admin/audit/export HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + m_root
                      + "\r\n\r\n");
        QSignalSpy written(socket.get(), &QTcpSocket::bytesWritten);
        written.wait(1000);
        socket->abort();
    }
    {
        // Garbage instead of HTTP gets a 400 and a closed connection.
        auto socket = openSocket();
        socket->write("HELLO THERE\r\n\r\n");
        QSignalSpy closed(socket.get(), &QTcpSocket::disconnected);
        QVERIFY(closed.wait(kWaitMs));
        QVERIFY(socket->readAll().startsWith("HTTP/1.1 400"));
    }
    // The server carries on.
    QCOMPARE(get(QStringLiteral("/api/health/auth"), {}).status, 200);
    QCOMPARE(get(QStringLiteral("/api/admin/users?limit=1"), m_root).status, 200);
}

void TestRestServer::clientAddressBehindATrustedProxy()
{
    // The sign-in's audit event records where it came from. A server told that 127.0.0.1 is its load
    // balancer takes the client from X-Forwarded-For; the default server ignores the header, since
    // any client can send one.
    ServerProcess behindProxy;
    QVERIFY2(
        behindProxy.start(m_database, m_secretFile, { QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1") }),
        qPrintable(behindProxy.output()));
    const QString email = makeUser(QStringLiteral("user")).value(QStringLiteral("email")).toString();
    auto signInAddress = [&](const QByteArray& forwardedFor, const QString& baseUrl) -> QString {
        const HttpResult signedIn
            = send("POST", QStringLiteral("/api/auth/login"), {},
                   { { QStringLiteral("email"), email }, { QStringLiteral("password"), kPassword } },
                   { { "X-Forwarded-For", forwardedFor } }, baseUrl);
        if (signedIn.status != 200)
            return signedIn.describe();
        const HttpResult events
            = get(QStringLiteral("/api/admin/audit?action=user.login&resource_type=session&resource_id=")
                      + QString::number(signedIn.json().value(QStringLiteral("session_id")).toInteger()),
                  m_root);
        const QJsonArray items = events.json().value(QStringLiteral("items")).toArray();
        if (items.size() == 1)
            return items.at(0).toObject().value(QStringLiteral("ip")).toString();
        QStringList seen;
        for (const QJsonValue& item : items)
            seen << QString::fromUtf8(QJsonDocument(item.toObject()).toJson(QJsonDocument::Compact));
        return seen.join(u'\n');
    };
    QCOMPARE(signInAddress("198.51.100.9, 203.0.113.7", behindProxy.baseUrl()), QStringLiteral("203.0.113.7"));
    // A chain of proxies: the right-most address that is not a trusted proxy is the client.
    QCOMPARE(signInAddress("203.0.113.7, 127.0.0.1", behindProxy.baseUrl()), QStringLiteral("203.0.113.7"));
    // Ports and brackets are not part of the address.
    QCOMPARE(signInAddress("[2001:db8::7]:4711", behindProxy.baseUrl()), QStringLiteral("2001:db8::7"));
    QCOMPARE(signInAddress("203.0.113.8:4711", behindProxy.baseUrl()), QStringLiteral("203.0.113.8"));
    // Something that is not an address is not believed, and matches no allowlist.
    QCOMPARE(signInAddress("<script>", behindProxy.baseUrl()), QStringLiteral("unknown"));
    QCOMPARE(signInAddress("203.0.113.7", m_server.baseUrl()), QStringLiteral("127.0.0.1"));

    // HAProxy's "option forwardfor" appends a header line of its own and keeps the client's: the
    // lines are one list, so the client's claim stays on the left where it is not believed.
    {
        const QUrl url(behindProxy.baseUrl());
        QTcpSocket socket;
        socket.connectToHost(url.host(), quint16(url.port()));
        QVERIFY(socket.waitForConnected(5000));
        const QByteArray body = QJsonDocument(QJsonObject { { QStringLiteral("email"), email },
                                                            { QStringLiteral("password"), kPassword } })
                                    .toJson(QJsonDocument::Compact);
        socket.write("POST /api/auth/login HTTP/1.1\r\nHost: " + url.host().toLatin1()
                     + "\r\nContent-Type: application/json\r\nX-Forwarded-For: 192.0.2.66\r\n"
                       "X-Forwarded-For: 203.0.113.9\r\nConnection: close\r\nContent-Length: "
                     + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QByteArray response;
        while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(5000))
            response += socket.readAll();
        response += socket.readAll();
        QVERIFY2(response.startsWith("HTTP/1.1 200"), response.constData());
        const qint64 session = QJsonDocument::fromJson(response.mid(response.indexOf("\r\n\r\n") + 4))
                                   .object()
                                   .value(QStringLiteral("session_id"))
                                   .toInteger();
        const HttpResult events
            = get(QStringLiteral("/api/admin/audit?action=user.login&resource_type=session&resource_id=")
                      + QString::number(session),
                  m_root);
        const QJsonArray items = events.json().value(QStringLiteral("items")).toArray();
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.at(0).toObject().value(QStringLiteral("ip")).toString(), QStringLiteral("203.0.113.9"));
    }

    ServerProcess misconfigured;
    QVERIFY(!misconfigured.start(m_database, m_secretFile,
                                 { QStringLiteral("--trusted-proxy"), QStringLiteral("nonsense") }));
    QVERIFY2(misconfigured.log().contains(QStringLiteral("--trusted-proxy")), qPrintable(misconfigured.log()));
}

void TestRestServer::twoServersAreOneDeployment()
{
    // A second server on the same database (behind any load balancer): tokens, rotation, revocation
    // and rate limits live in the database, so the two behave as one.
    ServerProcess other;
    QVERIFY2(other.start(m_database, m_secretFile), qPrintable(other.output() + other.log()));
    const QString b = other.baseUrl();
    const QJsonObject user = makeUser(QStringLiteral("admin"));
    const QJsonObject tokens = login(user.value(QStringLiteral("email")).toString()); // on server A
    const QByteArray access = tokens.value(QStringLiteral("access_token")).toString().toLatin1();
    QCOMPARE(send("GET", QStringLiteral("/api/auth/me"), access, {}, {}, b).status, 200);

    // Rotated on B; the spent token is refused on A, which ends the session on both.
    const HttpResult rotated
        = send("POST", QStringLiteral("/api/auth/refresh"), {},
               { { QStringLiteral("refresh_token"), tokens.value(QStringLiteral("refresh_token")) } }, {}, b);
    QVERIFY2(rotated.status == 200, qPrintable(rotated.describe()));
    remember(rotated.json().value(QStringLiteral("refresh_token")).toString());
    remember(rotated.json().value(QStringLiteral("access_token")).toString());
    // A retry on A within the grace: the same successor (derived under the shared secret).
    const HttpResult retried
        = send("POST", QStringLiteral("/api/auth/refresh"), {},
               { { QStringLiteral("refresh_token"), tokens.value(QStringLiteral("refresh_token")) } });
    QVERIFY2(retried.status == 200, qPrintable(retried.describe()));
    QCOMPARE(retried.json().value(QStringLiteral("refresh_token")),
             rotated.json().value(QStringLiteral("refresh_token")));
    // The successor used on A; then the spent token on A is reuse.
    const HttpResult onward
        = send("POST", QStringLiteral("/api/auth/refresh"), {},
               { { QStringLiteral("refresh_token"), rotated.json().value(QStringLiteral("refresh_token")) } });
    QVERIFY2(onward.status == 200, qPrintable(onward.describe()));
    remember(onward.json().value(QStringLiteral("refresh_token")).toString());
    remember(onward.json().value(QStringLiteral("access_token")).toString());
    const HttpResult reused
        = send("POST", QStringLiteral("/api/auth/refresh"), {},
               { { QStringLiteral("refresh_token"), tokens.value(QStringLiteral("refresh_token")) } });
    QCOMPARE(reused.status, 401);
    QCOMPARE(send("GET", QStringLiteral("/api/auth/me"), access, {}, {}, b).status, 401);

    // Revoked through B, refused at once on A.
    const QJsonObject second = login(user.value(QStringLiteral("email")).toString());
    const QByteArray access2 = second.value(QStringLiteral("access_token")).toString().toLatin1();
    QCOMPARE(get(QStringLiteral("/api/auth/me"), access2).status, 200);
    QCOMPARE(send("DELETE",
                  QStringLiteral("/api/admin/sessions/")
                      + QString::number(second.value(QStringLiteral("session_id")).toInteger()),
                  m_root, {}, {}, b)
                 .status,
             204);
    QCOMPARE(get(QStringLiteral("/api/auth/me"), access2).status, 401);

    // One rate limit over both servers.
    const HttpResult created
        = send("POST",
               QStringLiteral("/api/admin/users/") + QString::number(user.value(QStringLiteral("id")).toInteger())
                   + QStringLiteral("/api-keys"),
               m_root,
               { { QStringLiteral("name"), QStringLiteral("shared") },
                 { QStringLiteral("scopes"), QJsonArray { QStringLiteral("admin:user:view") } },
                 { QStringLiteral("rate_limit_per_minute"), 4 } });
    QCOMPARE(created.status, 201);
    const QByteArray key = created.json().value(QStringLiteral("key")).toString().toLatin1();
    remember(QString::fromLatin1(key));
    waitForAFreshMinute();
    for (int i = 0; i < 5; ++i) {
        const HttpResult r = sendRaw("GET", QStringLiteral("/api/admin/users?limit=1"), {}, {},
                                     { { "X-API-Key", key } }, i % 2 ? b : QString());
        // Four in the minute, whichever server counted them; the fifth is refused.
        QCOMPARE(r.status, i < 4 ? 200 : 429);
    }
    other.stop();
    QVERIFY2(!other.log().contains(QStringLiteral("Sanitizer")), qPrintable(other.log().right(3000)));
}

void TestRestServer::killedServerIsAConnectionError()
{
    ServerProcess doomed;
    QVERIFY2(doomed.start(m_database, m_secretFile), qPrintable(doomed.output() + doomed.log()));
    QNetworkAccessManager network;
    QCOMPARE(sendRaw("GET", QStringLiteral("/api/health/auth"), {}, {}, {}, doomed.baseUrl(), &network).status, 200);
    doomed.kill();
    const HttpResult after = sendRaw("GET", QStringLiteral("/api/health/auth"), {}, {}, {}, doomed.baseUrl(), &network);
    QCOMPARE(after.status, 0);
    QVERIFY2(after.error != QNetworkReply::NoError, qPrintable(after.describe()));
}

void TestRestServer::tlsWithASelfSignedCertificate()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("Qt has no TLS backend here");
    const QString certificate = m_dir.filePath(QStringLiteral("cert.pem"));
    const QString key = m_dir.filePath(QStringLiteral("key.pem"));
    QString error;
    QVERIFY2(portcullis::test::makeSelfSignedCertificate(certificate, key, &error), qPrintable(error));

    ServerProcess secure;
    QVERIFY2(secure.start(m_database, m_secretFile,
                          { QStringLiteral("--tls-cert"), certificate, QStringLiteral("--tls-key"), key }),
             qPrintable(secure.output() + secure.log()));
    QVERIFY(secure.baseUrl().startsWith(QStringLiteral("https://")));

    // Trusted through the certificate as CA: works.
    QNetworkAccessManager trusting;
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(QSslCertificate::fromPath(certificate));
    QNetworkRequest request(QUrl(secure.baseUrl() + QStringLiteral("/api/health/auth")));
    request.setSslConfiguration(configuration);
    QNetworkReply* reply = trusting.get(request);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY2(reply->error() == QNetworkReply::NoError, qPrintable(reply->errorString()));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    reply->deleteLater();

    // Not trusted: the handshake fails.
    QNetworkAccessManager suspicious;
    const HttpResult refused
        = sendRaw("GET", QStringLiteral("/api/health/auth"), {}, {}, {}, secure.baseUrl(), &suspicious);
    QCOMPARE(refused.error, QNetworkReply::SslHandshakeFailedError);

    // Plain HTTP to the TLS port gets no answer, and the server is fine afterwards.
    QNetworkAccessManager plain;
    QString httpUrl = secure.baseUrl();
    httpUrl.replace(QStringLiteral("https://"), QStringLiteral("http://"));
    QVERIFY(sendRaw("GET", QStringLiteral("/api/health/auth"), {}, {}, {}, httpUrl, &plain).status != 200);
    QNetworkReply* again = trusting.get(request);
    QSignalSpy againFinished(again, &QNetworkReply::finished);
    QVERIFY(againFinished.wait(kWaitMs));
    QCOMPARE(again->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    again->deleteLater();
    secure.stop();
    QVERIFY2(!secure.log().contains(QStringLiteral("Sanitizer")), qPrintable(secure.log().right(3000)));
}

// The database goes away under a running server (PostgreSQL: its connections are ended and new ones
// refused): the client gets 503 problems that name neither the database host, nor its user, nor
// its name; the server log has the cause (without a password); the server recovers afterwards.
void TestRestServer::unreachableDatabaseIsAGeneric503()
{
    if (!m_db->isPostgres())
        QSKIP("A SQLite file has no connection to lose (tst_rest_server_pg covers this)");
    const portcullis::DatabaseConfig& config = m_db->config();
    QSqlDatabase admin = m_db->openConnection(QStringLiteral("tst_rest_server_unreachable"));
    QSqlQuery q(admin);
    const QString database = config.databaseName;
    QVERIFY2(q.exec(QStringLiteral("ALTER DATABASE %1 CONNECTION LIMIT 0").arg(database)),
             qPrintable(q.lastError().text()));
    QVERIFY2(q.exec(QStringLiteral("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")),
             qPrintable(q.lastError().text()));
    const int logBefore = m_server.log().size();
    QList<HttpResult> refused;
    for (int i = 0; i < 12; ++i) // more requests than worker threads: lost connections, then refused ones
        refused << get(QStringLiteral("/api/admin/users?limit=1"), m_root);
    QVERIFY2(q.exec(QStringLiteral("ALTER DATABASE %1 CONNECTION LIMIT -1").arg(database)),
             qPrintable(q.lastError().text()));

    int unavailable = 0;
    for (const HttpResult& r : std::as_const(refused)) {
        if (r.status == 200)
            continue; // a worker that had not been used yet may still have connected before the limit
        QCOMPARE(r.status, 503);
        QCOMPARE(r.json().value(QStringLiteral("code")).toString(), QStringLiteral("unavailable"));
        QCOMPARE(r.header("Retry-After"), QByteArray("1"));
        ++unavailable;
        for (const QString& leak : { QString(config.host + QLatin1Char(':') + QString::number(config.port)),
                                     config.user, database, QStringLiteral("postgresql"), QStringLiteral("FATAL") })
            QVERIFY2(!r.body.contains(leak.toUtf8()), qPrintable(leak + QStringLiteral(" in ") + r.describe()));
    }
    QVERIFY2(unavailable > 0, "no request noticed the lost database");
    // The operator learns why, without the password.
    QTRY_VERIFY_WITH_TIMEOUT(m_server.log().mid(logBefore).contains(QStringLiteral("unavailable:")), 5000);
    const QString log = m_server.log().mid(logBefore);
    QVERIFY2(log.contains(QStringLiteral("unavailable:")), qPrintable(log.left(2000)));
    QVERIFY2(!log.contains(QLatin1Char(':') + config.password + QLatin1Char('@')), qPrintable(log.left(2000)));

    // Back again: each worker reconnects on its next request.
    bool recovered = false;
    for (int i = 0; i < 40 && !recovered; ++i)
        recovered = get(QStringLiteral("/api/admin/users?limit=1"), m_root).status == 200;
    QVERIFY(recovered);
}

void TestRestServer::accessLogHoldsNoSecrets()
{
    // Give the log a moment to catch up with the last requests.
    QCOMPARE(get(QStringLiteral("/api/health/auth"), {}).status, 200);
    QSignalSpy more(m_server.process(), &QProcess::readyReadStandardError);
    more.wait(500);
    const QString log = m_server.log();
    QVERIFY2(log.contains(QStringLiteral("\"POST /api/auth/login\" 200")), qPrintable(log.left(2000)));
    QVERIFY(log.contains(QStringLiteral("\"GET /api/admin/users?api_key=***\" 400")));
    QVERIFY(log.contains(QStringLiteral("actor=user:")));
    QVERIFY(log.contains(QStringLiteral("actor=api_key:")));
    QVERIFY(!log.contains(QStringLiteral("Bearer")));
    QVERIFY(!log.contains(QStringLiteral("eyJ"))); // no JWT
    QVERIFY(!log.contains(QStringLiteral("pk_live_"))); // no API key, not even its prefix
    QVERIFY(!log.contains(QStringLiteral("rt_"))); // no refresh token
    int checked = 0;
    for (const QString& secret : std::as_const(m_secrets)) {
        if (secret.size() < 8)
            continue;
        ++checked;
        QVERIFY2(!log.contains(secret),
                 qPrintable(QStringLiteral("a secret of %1 characters is in the log").arg(secret.size())));
    }
    QVERIFY(checked > 20);
}

QTEST_GUILESS_MAIN(TestRestServer)
#include "tst_rest_server.moc"
