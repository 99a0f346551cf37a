// Malformed requests against the real server: the portcullis-server binary (PORTCULLIS_SERVER_BIN)
// runs `serve` on 127.0.0.1 over a temporary database, and the test sends thousands of broken
// requests over raw QTcpSocket connections: bad framing, unknown methods, huge, duplicate and
// invalid headers, bodies with wrong types, huge numbers, deep nesting, bad UTF-8 and odd field
// names, and query strings that are not what the endpoint reads. Everything is generated from a
// fixed seed (kSeed) so a failure names a case that the next run sends again.
//
// What must hold: the server stays up and keeps answering; it never answers 500; every body it
// sends is valid JSON; every error (4xx/5xx) is application/problem+json. With
// PORTCULLIS_TEST_DIALECT=postgres (tst_rest_abuse_pg) the same runs on a PostgreSQL database.

#include "serverprocess.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using portcullis::test::ServerProcess;

namespace {

constexpr quint32 kSeed = 20261205;
constexpr int kFramingCases = 700;
constexpr int kBodyCases = 1600;
constexpr int kQueryCases = 700;

const QString kAdminEmail = QStringLiteral("root@portcullis.example");
const QString kAdminPassword = QStringLiteral("Gatekeeper-7-Raven!");

struct RawResponse
{
    bool parsed = false; // a whole response arrived
    int status = 0;
    QByteArray contentType;
    QByteArray body;
    QByteArray raw;
};

// Reads one HTTP/1.1 response (after any 100 Continue) from `data`; false while incomplete.
// `closed`: the server closed the connection (a body without a length ends there).
bool parseResponse(const QByteArray& data, bool closed, RawResponse* out)
{
    qsizetype start = 0;
    for (;;) {
        const qsizetype end = data.indexOf("\r\n\r\n", start);
        if (end < 0)
            return false;
        const QByteArray head = data.mid(start, end - start);
        const QList<QByteArray> lines = head.split('\n');
        const QList<QByteArray> statusLine = lines.constFirst().trimmed().split(' ');
        if (statusLine.size() < 2 || !statusLine.at(0).startsWith("HTTP/1."))
            return false;
        out->status = statusLine.at(1).toInt();
        if (out->status == 100) {
            start = end + 4;
            continue;
        }
        qint64 length = -1;
        bool chunked = false;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            const QByteArray name = line.left(colon).trimmed().toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length")
                length = value.toLongLong();
            else if (name == "content-type")
                out->contentType = value;
            else if (name == "transfer-encoding")
                chunked = value.toLower().contains("chunked");
        }
        const QByteArray rest = data.mid(end + 4);
        if (chunked) {
            QByteArray body;
            qsizetype pos = 0;
            for (;;) {
                const qsizetype lineEnd = rest.indexOf("\r\n", pos);
                if (lineEnd < 0)
                    return false;
                bool ok = false;
                const qint64 size = rest.mid(pos, lineEnd - pos).trimmed().toLongLong(&ok, 16);
                if (!ok)
                    return false;
                if (size == 0) {
                    out->body = body;
                    out->parsed = true;
                    return true;
                }
                if (rest.size() < lineEnd + 2 + size + 2)
                    return false;
                body += rest.mid(lineEnd + 2, size);
                pos = lineEnd + 2 + size + 2;
            }
        }
        if (length >= 0) {
            if (rest.size() < length)
                return false;
            out->body = rest.left(length);
            out->parsed = true;
            return true;
        }
        if (!closed)
            return false;
        out->body = rest;
        out->parsed = true;
        return true;
    }
}

QByteArray excerpt(const QByteArray& bytes)
{
    QByteArray shown = bytes.left(300);
    shown.replace("\r", "\\r").replace("\n", "\\n").replace('\0', "\\0");
    return bytes.size() > 300 ? shown + "... (" + QByteArray::number(bytes.size()) + " bytes)" : shown;
}

} // namespace

class TestRestAbuse : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void malformedFraming();
    void malformedBodies();
    void malformedQueries();
    void serverStillAnswers(); // after all of the above

private:
    // Sends `bytes` on a fresh connection and checks the answer, if one comes, against the rules
    // above. `complete`: the request is whole, so an answer must come.
    void exchange(const QByteArray& label, const QByteArray& bytes, bool complete = true);
    QByteArray request(const QByteArray& method, const QByteArray& target, const QByteArray& body,
                       const QByteArray& contentType = "application/json", bool withToken = true) const;
    QByteArray randomBody();
    QJsonValue wrongValue();
    QByteArray randomFieldName();
    void checkStillUp(const char* stage);
    QString describeStatuses() const;
    QJsonObject call(const QByteArray& method, const QByteArray& target, const QJsonObject& body);

    QTemporaryDir m_dir;
    std::unique_ptr<portcullis::test::TestDatabase> m_db;
    ServerProcess m_server;
    quint16 m_port = 0;
    QByteArray m_token;
    qint64 m_victimId = 0;
    qint64 m_orgId = 0;
    qint64 m_roleId = 0;
    QRandomGenerator m_random { kSeed };
    QStringList m_failures;
    int m_answered = 0;
    int m_exchanges = 0;
    QMap<int, int> m_statuses; // of the stage running, for the log: what the cases reached
};

void TestRestAbuse::initTestCase()
{
    QVERIFY2(QFileInfo(portcullis::test::serverBinary()).isExecutable(),
             "PORTCULLIS_SERVER_BIN is not set to an executable (run the suite through ctest)");
    QVERIFY(m_dir.isValid());
    m_db = portcullis::test::TestDatabase::create();
    QString error;
    QVERIFY2(portcullis::test::initDeployment(m_db->url(), m_dir.path(), &error), qPrintable(error));
    QVERIFY2(m_server.start(m_db->url(), m_dir.filePath(QStringLiteral("jwt-secret"))), qPrintable(m_server.output()));
    QCOMPARE(m_server.url().host(), QStringLiteral("127.0.0.1")); // loopback only
    m_port = quint16(m_server.url().port());

    const QJsonObject login
        = call("POST", "/api/auth/login",
               { { QStringLiteral("email"), kAdminEmail }, { QStringLiteral("password"), kAdminPassword } });
    m_token = login.value(QStringLiteral("access_token")).toString().toLatin1();
    QVERIFY2(!m_token.isEmpty(), QJsonDocument(login).toJson().constData());
    // Targets for the routes that take an id: a user, an organization and a custom role of our own.
    const QJsonObject org = call("POST", "/api/admin/organizations",
                                 { { QStringLiteral("name"), QStringLiteral("Abuse Org") },
                                   { QStringLiteral("slug"), QStringLiteral("abuse-org") } });
    m_orgId = org.value(QStringLiteral("id")).toInteger();
    const QJsonObject victim = call("POST", "/api/admin/users",
                                    { { QStringLiteral("email"), QStringLiteral("victim@example.com") },
                                      { QStringLiteral("username"), QStringLiteral("victim") },
                                      { QStringLiteral("password"), QStringLiteral("Correct-Horse-42-battery") } });
    m_victimId = victim.value(QStringLiteral("id")).toInteger();
    QVERIFY2(m_victimId > 0, QJsonDocument(victim).toJson().constData());
    const QJsonObject role = call("POST", "/api/admin/roles",
                                  { { QStringLiteral("code"), QStringLiteral("abuse_role") },
                                    { QStringLiteral("name"), QStringLiteral("Abuse role") },
                                    { QStringLiteral("level"), 15 },
                                    { QStringLiteral("permissions"), QJsonArray {} } });
    m_roleId = role.value(QStringLiteral("id")).toInteger();
}

void TestRestAbuse::cleanupTestCase()
{
    m_server.stop();
    m_db.reset();
    // In the sanitizer pass (scripts/test.sh) the server reports memory errors, leaks and undefined
    // behaviour that the malformed input caused on its standard error: none may appear.
    const QString log = m_server.log();
    for (const QString& marker : { QStringLiteral("Sanitizer"), QStringLiteral("runtime error:") })
        QVERIFY2(!log.contains(marker), qPrintable(log.mid(log.indexOf(marker) - 200, 3000)));
}

QJsonObject TestRestAbuse::call(const QByteArray& method, const QByteArray& target, const QJsonObject& body)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(request(method, target, QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json",
                         !m_token.isEmpty()));
    QByteArray in;
    RawResponse response;
    while (!parseResponse(in, socket.state() != QAbstractSocket::ConnectedState, &response)
           && (socket.waitForReadyRead(10000) || socket.bytesAvailable() > 0))
        in += socket.readAll();
    parseResponse(in, true, &response);
    return QJsonDocument::fromJson(response.body).object();
}

QByteArray TestRestAbuse::request(const QByteArray& method, const QByteArray& target, const QByteArray& body,
                                  const QByteArray& contentType, bool withToken) const
{
    QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (withToken && !m_token.isEmpty())
        out += "Authorization: Bearer " + m_token + "\r\n";
    if (!body.isEmpty() || method == "POST" || method == "PATCH") {
        if (!contentType.isEmpty())
            out += "Content-Type: " + contentType + "\r\n";
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    }
    return out + "\r\n" + body;
}

void TestRestAbuse::exchange(const QByteArray& label, const QByteArray& bytes, bool complete)
{
    // The server writes an access-log line per request to its standard error. This test waits on
    // sockets without an event loop, so let QProcess read that pipe now and then: a full pipe would
    // block the server's logging thread and look like a hang.
    if (++m_exchanges % 16 == 0) {
        QCoreApplication::processEvents();
        m_server.log();
    }
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_port);
    if (!socket.waitForConnected(5000)) {
        m_failures << QStringLiteral("%1: could not connect (%2)").arg(QString::fromUtf8(label), socket.errorString());
        return;
    }
    socket.write(bytes);
    QByteArray in;
    RawResponse response;
    QElapsedTimer timer;
    timer.start();
    const int timeoutMs = complete ? 10000 : 200;
    bool closed = false;
    while (!parseResponse(in, closed, &response) && !closed && timer.elapsed() < timeoutMs) {
        socket.waitForReadyRead(int(qMax<qint64>(1, qMin<qint64>(200, timeoutMs - timer.elapsed()))));
        in += socket.readAll();
        closed = socket.state() != QAbstractSocket::ConnectedState;
    }
    in += socket.readAll();
    socket.abort();
    if (timer.elapsed() > 2000)
        qWarning("slow: %s took %lld ms", label.constData(), timer.elapsed());
    const QString where = QString::fromUtf8(label + ": " + excerpt(bytes));
    if (in.isEmpty()) {
        // Refusing to read a request that never ends is fine; a whole request gets an answer.
        if (complete)
            m_failures << where + QStringLiteral(" -> no answer");
        return;
    }
    response = RawResponse();
    if (!parseResponse(in, true, &response)) {
        m_failures << where + QStringLiteral(" -> not an HTTP response: ") + QString::fromUtf8(excerpt(in));
        return;
    }
    ++m_answered;
    ++m_statuses[response.status];
    const QString got = QStringLiteral(" -> ") + QString::fromUtf8(excerpt(in));
    if (response.status == 500 || response.status < 200 || response.status > 599
        || (response.status >= 500 && response.status != 503 && response.status != 505))
        m_failures << where + got;
    else if (response.status >= 400 && !response.contentType.startsWith("application/problem+json"))
        m_failures << where + QStringLiteral(" (not a problem)") + got;
    else if (!response.body.isEmpty()) {
        QJsonParseError error;
        QJsonDocument::fromJson(response.body, &error);
        if (error.error != QJsonParseError::NoError || !response.contentType.contains("json"))
            m_failures << where + QStringLiteral(" (not JSON)") + got;
    }
}

QString TestRestAbuse::describeStatuses() const
{
    QStringList parts;
    for (auto it = m_statuses.cbegin(); it != m_statuses.cend(); ++it)
        parts << QStringLiteral("%1 x%2").arg(it.key()).arg(it.value());
    return parts.join(QStringLiteral(", "));
}

void TestRestAbuse::checkStillUp(const char* stage)
{
    QVERIFY2(m_server.process()->state() == QProcess::Running,
             qPrintable(QStringLiteral("the server died during ") + QLatin1String(stage) + QLatin1Char('\n')
                        + m_server.log().right(3000)));
    const QJsonObject health = call("GET", "/api/health/auth", {});
    QVERIFY2(health.value(QStringLiteral("status")).toString() == QLatin1String("healthy"),
             qPrintable(QStringLiteral("no healthy answer after ") + QLatin1String(stage)));
    if (!m_failures.isEmpty()) {
        const qsizetype count = m_failures.size();
        const QString shown = m_failures.mid(0, 15).join(QLatin1Char('\n'));
        m_failures.clear();
        QFAIL(qPrintable(QStringLiteral("%1 of the %2 cases broke a rule (seed %3):\n%4")
                             .arg(count)
                             .arg(QLatin1String(stage))
                             .arg(kSeed)
                             .arg(shown)));
    }
}

// --- framing ---------------------------------------------------------------------------------------

void TestRestAbuse::malformedFraming()
{
    QElapsedTimer timer;
    timer.start();
    const QByteArray valid
        = request("POST", "/api/auth/login", R"({"email":"nobody@example.com","password":"wrong-password-1"})",
                  "application/json", false);
    // Hand-written cases first: each a classic of request smuggling or parser confusion.
    const QList<std::pair<QByteArray, QByteArray>> fixed = {
        { "no version", "GET /api/health/auth\r\nHost: x\r\n\r\n" },
        { "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" },
        { "HTTP/9.9", "GET /api/health/auth HTTP/9.9\r\nHost: x\r\n\r\n" },
        { "no host", "GET /api/health/auth HTTP/1.1\r\n\r\n" },
        { "absolute target", "GET http://127.0.0.1/api/health/auth HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "asterisk", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "bare LF", "GET /api/health/auth HTTP/1.1\nHost: x\n\n" },
        { "folded header", "GET /api/health/auth HTTP/1.1\r\nHost: x\r\n X-Fold: y\r\n\r\n" },
        { "space before colon", "GET /api/health/auth HTTP/1.1\r\nHost : x\r\n\r\n" },
        { "NUL in header", "GET /api/health/auth HTTP/1.1\r\nHost: x\r\nX-A: a" + QByteArray(1, '\0') + "b\r\n\r\n" },
        { "two lengths",
          "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x" },
        { "negative length", "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" },
        { "huge length", "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n" },
        { "hex length", "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n" },
        { "chunked",
          "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" },
        { "chunked and length",
          "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}" },
        { "non-ASCII target",
          "GET /api/h\xc3\xa9"
          "alth HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "percent-encoded NUL", "GET /api/admin/users/%00 HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "dot segments", "GET /api/../api/./health/auth HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "empty method", " /api/health/auth HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "lower-case method", "get /api/health/auth HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "HTTP/1.0 keep-alive", "GET /api/health/auth HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" },
        { "expect continue",
          "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: "
          "application/json\r\nContent-Length: 2\r\n\r\n{}" },
        { "expect unknown",
          "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Type: "
          "application/json\r\nContent-Length: 2\r\n\r\n{}" },
        { "huge header", "GET /api/health/auth HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(20000, 'a') + "\r\n\r\n" },
        { "huge target", "GET /api/admin/users?q=" + QByteArray(17000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n" },
        { "huge authorization",
          "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + QByteArray(15000, 'A') + "\r\n\r\n" },
        { "two authorizations",
          "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\nAuthorization: "
          "Bearer "
              + m_token + "\r\n\r\n" },
        { "authorization and key",
          "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a.b.c\r\nX-API-Key: "
          "pk_live_x\r\n\r\n" },
        { "basic auth", "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Basic cm9vdDpyb290\r\n\r\n" },
        { "bad JWT", "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer e30.e30.\r\n\r\n" },
        { "alg none",
          "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwic2lkIjoiMSIsInR5cGUiOiJhY2Nlc3MifQ.\r\n\r\n" },
        { "Latin-1 API key", "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nX-API-Key: pk_live_\xff\xfe\r\n\r\n" },
        { "forwarded garbage",
          "GET /api/health/auth HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: [::1, 999.1.1.1, ,,\r\n\r\n" },
        { "pipelined",
          "GET /api/health/auth HTTP/1.1\r\nHost: x\r\n\r\nGET /api/health/auth HTTP/1.1\r\nHost: "
          "x\r\nConnection: close\r\n\r\n" },
    };
    for (const auto& [label, bytes] : fixed)
        exchange(label, bytes);
    {
        QByteArray many = "GET /api/health/auth HTTP/1.1\r\nHost: x\r\n";
        for (int i = 0; i < 150; ++i)
            many += "X-H" + QByteArray::number(i) + ": v\r\n";
        exchange("150 headers", many + "\r\n");
    }
    exchange("short body", request("POST", "/api/auth/login", "{}").replace("Content-Length: 2", "Content-Length: 10"),
             false);
    exchange("body over the limit", request("POST", "/api/admin/users", QByteArray(2 * 1024 * 1024, ' ')), false);

    // Mutations of a valid request: bytes flipped, inserted, deleted, lines duplicated or cut.
    const QByteArray methods[] = { "GET",   "POST",    "PUT",  "DELETE",   "PATCH",  "HEAD", "OPTIONS",
                                   "TRACE", "CONNECT", "BREW", "M-SEARCH", "G\x01T", "" };
    static const char interesting[] = { '\r', '\n', '\0', ' ', ':', '\t', '\x7f', '\xff', '"', '%', '?', '#', '/' };
    for (int i = 0; i < kFramingCases; ++i) {
        QByteArray bytes = valid;
        const int kind = int(m_random.bounded(6));
        if (kind == 0) { // an unknown or odd method
            bytes = request(methods[m_random.bounded(int(std::size(methods)))], "/api/admin/users", "{}");
        } else {
            const int edits = 1 + int(m_random.bounded(4));
            for (int e = 0; e < edits && !bytes.isEmpty(); ++e) {
                const qsizetype at = m_random.bounded(bytes.size());
                const char c = m_random.bounded(2) ? interesting[m_random.bounded(int(sizeof interesting))]
                                                   : char(m_random.bounded(256));
                switch (kind) {
                case 1:
                    bytes[at] = c;
                    break;
                case 2:
                    bytes.insert(at, c);
                    break;
                case 3:
                    bytes.remove(at, 1 + m_random.bounded(8));
                    break;
                case 4: { // duplicate a line
                    const qsizetype lineStart = bytes.lastIndexOf('\n', at) + 1;
                    const qsizetype lineEnd = bytes.indexOf('\n', at);
                    if (lineEnd > lineStart)
                        bytes.insert(lineEnd + 1, bytes.mid(lineStart, lineEnd - lineStart + 1));
                    break;
                }
                default:
                    bytes.truncate(at);
                    break;
                }
            }
        }
        // An edit can leave the head or the body unfinished: then no answer is owed.
        const qsizetype headEnd = bytes.indexOf("\r\n\r\n");
        const bool complete = headEnd >= 0 && bytes == valid;
        exchange("framing #" + QByteArray::number(i), bytes, complete);
    }
    checkStillUp("framing");
    qInfo("framing: %d cases answered in %lld ms; statuses: %s", m_answered, timer.elapsed(),
          qPrintable(describeStatuses()));
    m_statuses.clear();
}

// --- bodies -----------------------------------------------------------------------------------------

QJsonValue TestRestAbuse::wrongValue()
{
    switch (m_random.bounded(14)) {
    case 0:
        return QJsonValue(QJsonValue::Null);
    case 1:
        return true;
    case 2:
        return double(m_random.generate()) * (m_random.bounded(2) ? -1 : 1);
    case 3:
        return 1e308;
    case 4:
        return -9.2233720368547758e18;
    case 5:
        return 0.5;
    case 6:
        return QJsonArray { 1, QStringLiteral("x"), QJsonObject {} };
    case 7:
        return QJsonObject { { QStringLiteral("nested"), QJsonArray { QJsonObject {} } } };
    case 8:
        return QString(int(m_random.bounded(20000)), QLatin1Char('x'));
    case 9:
        return QStringLiteral("");
    case 10:
        return QStringLiteral("<script>alert(1)</script>");
    case 11:
        return QStringLiteral("=cmd|' /C calc'!A0");
    case 12:
        return QJsonArray { QStringLiteral("admin"), QStringLiteral("super_admin") };
    default:
        return QStringLiteral("2026-13-45T25:61:61Z");
    }
}

QByteArray TestRestAbuse::randomFieldName()
{
    static const char* const names[] = { "email",
                                         "password",
                                         "username",
                                         "full_name",
                                         "name",
                                         "slug",
                                         "role",
                                         "role_codes",
                                         "roles",
                                         "code",
                                         "organization_id",
                                         "reason",
                                         "until",
                                         "scopes",
                                         "expires_at",
                                         "permissions",
                                         "level",
                                         "description",
                                         "plan",
                                         "max_users",
                                         "refresh_token",
                                         "token",
                                         "new_password",
                                         "ip_allowlist",
                                         "rate_limit_per_minute",
                                         "version",
                                         "current_password",
                                         "metadata",
                                         "global",
                                         "status" };
    switch (m_random.bounded(8)) {
    case 0:
        return "";
    case 1:
        return "__proto__";
    case 2:
        return QByteArray(int(1 + m_random.bounded(3000)), 'k');
    case 3:
        return "na\\u0000me";
    case 4:
        return "\xc3\xa9mail"; // "émail"
    default:
        return names[m_random.bounded(int(std::size(names)))];
    }
}

QByteArray TestRestAbuse::randomBody()
{
    switch (m_random.bounded(12)) {
    case 0: { // deep nesting
        const int depth = 100 + int(m_random.bounded(20000));
        return "{\"email\":" + QByteArray(depth, '[') + QByteArray(depth, ']') + "}";
    }
    case 1:
        return QByteArray("{\"email\":\"a\xff\xfe@example.com\",\"password\":\"\xc0\x80\"}"); // bad UTF-8
    case 2:
        return "{\"email\":\"\\ud800\",\"name\":\"\\udfff\\u0000\"}"; // lone surrogates, NUL
    case 3:
        return "{\"level\":123456789012345678901234567890,\"max_users\":-1e400,\"organization_id\":1e999}";
    case 4:
        return "{\"email\":1,\"email\":\"dup@example.com\"}"; // duplicate keys
    case 5: { // not an object at all
        static const char* const tops[]
            = { "[]", "null", "42", "\"text\"", "true", "", " ", "{", "{\"a\":}", "\xef\xbb\xbf{}" };
        return tops[m_random.bounded(int(std::size(tops)))];
    }
    case 6: { // a valid object with bytes broken
        QByteArray body = R"({"email":"x@example.com","password":"Correct-Horse-42-battery","name":"n"})";
        for (int e = 0; e < 3; ++e)
            body[m_random.bounded(body.size())] = char(m_random.bounded(256));
        return body;
    }
    default: { // wrong types under known and odd names
        QByteArray body = "{";
        const int fields = int(m_random.bounded(6));
        for (int f = 0; f < fields; ++f) {
            if (f)
                body += ',';
            const QByteArray name = randomFieldName();
            body += QJsonDocument(QJsonArray { QString::fromUtf8(name) })
                        .toJson(QJsonDocument::Compact)
                        .mid(1)
                        .chopped(1);
            body += ':';
            body += QJsonDocument(QJsonArray { wrongValue() }).toJson(QJsonDocument::Compact).mid(1).chopped(1);
        }
        return body + '}';
    }
    }
}

void TestRestAbuse::malformedBodies()
{
    QElapsedTimer timer;
    timer.start();
    m_answered = 0;
    const QByteArray victim = QByteArray::number(m_victimId);
    const QByteArray org = QByteArray::number(m_orgId);
    const QByteArray role = QByteArray::number(m_roleId);
    // Every route that reads a body, except logout (it would end the session the test works with).
    const QList<std::pair<QByteArray, QByteArray>> routes = {
        { "POST", "/api/auth/login" },
        { "POST", "/api/auth/refresh" },
        { "POST", "/api/auth/password/reset" },
        { "POST", "/api/invitations/accept" },
        { "POST", "/api/admin/users" },
        { "PATCH", "/api/admin/users/" + victim },
        { "POST", "/api/admin/users/" + victim + "/roles" },
        { "POST", "/api/admin/users/" + victim + "/ban" },
        { "POST", "/api/admin/users/" + victim + "/suspend" },
        { "POST", "/api/admin/users/" + victim + "/password" },
        { "POST", "/api/admin/users/" + victim + "/reset-token" },
        { "POST", "/api/admin/users/" + victim + "/api-keys" },
        { "POST", "/api/admin/roles" },
        { "PATCH", "/api/admin/roles/" + role },
        { "POST", "/api/admin/organizations" },
        { "PATCH", "/api/admin/organizations/" + org },
        { "POST", "/api/admin/organizations/" + org + "/invitations" },
        { "POST", "/api/admin/organizations/" + org + "/suspend" },
        { "POST", "/api/admin/audit/verify" },
    };
    static const char* const contentTypes[] = { "application/json",
                                                "application/json",
                                                "application/json",
                                                "application/problem+json",
                                                "text/plain",
                                                "application/json; charset=latin1",
                                                "",
                                                "application/x-www-form-urlencoded" };
    for (int i = 0; i < kBodyCases; ++i) {
        const auto& [method, path] = routes.at(m_random.bounded(routes.size()));
        const QByteArray body = randomBody();
        const QByteArray type = contentTypes[m_random.bounded(int(std::size(contentTypes)))];
        QByteArray bytes = request(method, path, body, type);
        if (m_random.bounded(10) == 0) // If-Match for the row-version routes, sometimes garbage
            bytes.replace(
                "Connection: close\r\n",
                QByteArray("Connection: close\r\nIf-Match: \"" + QByteArray::number(m_random.bounded(5)) + "x\"\r\n"));
        exchange("body #" + QByteArray::number(i) + ' ' + method + ' ' + path, bytes);
    }
    checkStillUp("bodies");
    qInfo("bodies: %d cases answered in %lld ms; statuses: %s", m_answered, timer.elapsed(),
          qPrintable(describeStatuses()));
    m_statuses.clear();
}

// --- query strings ----------------------------------------------------------------------------------

void TestRestAbuse::malformedQueries()
{
    QElapsedTimer timer;
    timer.start();
    m_answered = 0;
    // Each list route with the parameters it reads (most cases use those, so they reach the
    // parsers behind the router's check for unknown names), plus ids that are not ids.
    const QByteArray victim = QByteArray::number(m_victimId);
    const QList<std::pair<QByteArray, QList<QByteArray>>> routes = {
        { "/api/admin/users", { "search", "role", "status", "organization_id", "sort", "order", "page", "limit" } },
        { "/api/admin/audit",
          { "actor_id", "actor_type", "actor_email", "action", "resource_type", "resource_id", "outcome", "from", "to",
            "organization_id", "cursor", "limit" } },
        { "/api/admin/sessions", { "user_id", "include_revoked", "include_expired", "page", "limit" } },
        { "/api/admin/users/" + victim + "/sessions", { "include_revoked", "include_expired", "page", "limit" } },
        { "/api/admin/audit/activity", { "days", "organization_id" } },
        { "/api/admin/api-keys", { "user_id", "organization_id", "page", "limit" } },
        { "/api/admin/stats", { "organization_id" } },
        { "/api/admin/users/99999999999999999999", {} },
        { "/api/admin/users/-1", {} },
        { "/api/admin/users/%31", {} },
        { "/api/admin/audit/0x10", {} },
    };
    static const char* const odd[] = { "unknown", "", "%zz", "page%00", "PAGE", "limit[]" };
    static const char* const values[] = { "",
                                          "0",
                                          "-1",
                                          "1",
                                          "99999999999999999999999",
                                          "1e3",
                                          "0x10",
                                          " 1",
                                          "1 ",
                                          "abc",
                                          "%ff%fe",
                                          "%",
                                          "%2",
                                          "%00",
                                          "true",
                                          "TRUE",
                                          "yes",
                                          "2026-01-01",
                                          "2026-13-45T99:99:99Z",
                                          "2026-01-01T00:00:00+99:00",
                                          "YToxMA",
                                          "YToxMA==",
                                          "YTotMQ",
                                          "Y!ToxMA",
                                          "a:10",
                                          "%E2%80%AE",
                                          "\xc3\xa9",
                                          "+",
                                          "%2B1",
                                          "desc",
                                          "email",
                                          "user.login",
                                          "success",
                                          "9223372036854775807",
                                          "-9223372036854775808" };
    for (int i = 0; i < kQueryCases; ++i) {
        const auto& [path, names] = routes.at(m_random.bounded(routes.size()));
        QByteArray query;
        const int pairs = 1 + int(m_random.bounded(4));
        for (int p = 0; p < pairs; ++p) {
            if (p)
                query += m_random.bounded(8) ? "&" : "&&";
            query += names.isEmpty() || m_random.bounded(8) == 0
                ? QByteArray(odd[m_random.bounded(int(std::size(odd)))])
                : names.at(m_random.bounded(names.size()));
            if (m_random.bounded(6))
                query += QByteArray("=") + values[m_random.bounded(int(std::size(values)))];
        }
        // Characters a target may not hold are the framing test's business: percent-encode them.
        QByteArray target = path + '?';
        for (const char c : query)
            target += (uchar(c) <= 0x20 || uchar(c) >= 0x7f)
                ? "%" + QByteArray::number(uchar(c), 16).rightJustified(2, '0')
                : QByteArray(1, c);
        exchange("query #" + QByteArray::number(i), request("GET", target, {}));
    }
    checkStillUp("queries");
    qInfo("queries: %d cases answered in %lld ms; statuses: %s", m_answered, timer.elapsed(),
          qPrintable(describeStatuses()));
    m_statuses.clear();
}

void TestRestAbuse::serverStillAnswers()
{
    checkStillUp("the whole run");
    // The token still works: nothing above ended the session or broke the database.
    const QJsonObject me = call("GET", "/api/auth/me", {});
    QCOMPARE(me.value(QStringLiteral("email")).toString(), kAdminEmail);
}

QTEST_GUILESS_MAIN(TestRestAbuse)
#include "tst_rest_abuse.moc"
