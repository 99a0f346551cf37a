// Soak: mixed traffic against real `portcullis-server serve` processes for a while, to see errors,
// latency per kind of request and whether the servers' memory stays flat. 32 clients each keep one
// request in flight: users pages, user searches, audit pages (following cursors), sign-ins with
// right and wrong passwords, and writes (create a user, update it with If-Match, ban and unban it).
// Not a test: run by hand and paste the table into docs/benchmarks.md.
//
//   portcullis-bench-soak PORTCULLIS_SERVER [--seconds 60] [--users 20000] [--clients 32]
//                         [--warmup 10] [--pg ADMIN_URL] [--servers N]
//
// SQLite (default): a database in a temporary folder, one serve. With --pg (e.g.
// postgresql://user:pass@127.0.0.1:5432/postgres) a database "portcullis_soak_<pid>" is created on
// that server (and dropped afterwards) and --servers serve processes (default 2) share it; the
// clients are spread over them. The database is filled with `init` and `seed-demo --users N`.
//
// Expected answers: 200 (201 for a create); a wrong password gets 401, or 429 once the address
// throttle holds (every client comes from 127.0.0.1: the wrong passwords are sent with
// X-Forwarded-For addresses of their own through --trusted-proxy 127.0.0.1, as a load balancer would,
// so that the throttle does not refuse the right ones). Everything else is an error: any other
// status, a transport failure or a timeout (30 s). The RSS of every server (VmRSS of
// /proc/PID/status) is read after the warm-up and at the end.

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

namespace {

const QString kEmail = QStringLiteral("root@soak.example");
const QString kPassword = QStringLiteral("Soak-Gatekeeper-7-Raven!");
const QString kUserPassword = QStringLiteral("Correct-Horse-42-battery");
constexpr int kTimeoutMs = 30000;

struct KindStats
{
    std::vector<double> ms;
    int errors = 0;
    int throttled = 0; // 429 for a wrong password: expected
    QStringList samples;
    double percentile(double p)
    {
        if (ms.empty())
            return 0;
        std::sort(ms.begin(), ms.end());
        return ms[std::min(ms.size() - 1, size_t(p * double(ms.size())))];
    }
};

qint64 rssKib(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray& line : lines) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

bool runTool(const QString& program, const QStringList& arguments, QString* output = nullptr)
{
    QProcess process;
    process.start(program, arguments);
    if (!process.waitForFinished(600000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        std::fprintf(stderr, "%s %s failed: %s\n", qPrintable(program), qPrintable(arguments.value(0)),
                     process.readAllStandardError().constData());
        return false;
    }
    if (output)
        *output = QString::fromUtf8(process.readAllStandardOutput());
    return true;
}

struct Server
{
    std::unique_ptr<QProcess> process;
    QString base;
    qint64 warmRss = -1;
    qint64 endRss = -1;
};

class Soak;

// One client: one request in flight at a time, the next chosen at random when the answer came.
class Client : public QObject
{
public:
    Client(Soak* soak, int index, QString base, QByteArray token, QString loginEmail)
        : m_soak(soak)
        , m_index(index)
        , m_base(std::move(base))
        , m_token(std::move(token))
        , m_loginEmail(std::move(loginEmail))
        , m_random(quint32(1000 + index))
    { }
    void next();

private:
    void send(const QString& kind, const QByteArray& method, const QString& path, const QJsonObject& body,
              QList<QPair<QByteArray, QByteArray>> headers, QList<int> expected,
              std::function<void(int status, const QJsonObject& answer, QNetworkReply* reply)> then = {});

    Soak* m_soak;
    int m_index;
    QString m_base;
    QByteArray m_token;
    QString m_loginEmail;
    QRandomGenerator m_random;
    QNetworkAccessManager m_nam;
    QList<qint64> m_created; // users this client made (to update, ban and unban)
    QList<qint64> m_banned;
    QString m_auditCursor;
    int m_serial = 0;
};

class Soak
{
public:
    bool running = true;
    bool counting = false; // after the warm-up
    std::map<QString, KindStats> stats;
    int wrongAddress = 0;
    int runId = 0;

    void record(const QString& kind, double ms, int status, bool expected, bool throttled, const QByteArray& body,
                const QString& error)
    {
        if (!counting)
            return;
        KindStats& s = stats[kind];
        s.ms.push_back(ms);
        if (throttled)
            ++s.throttled;
        if (!expected) {
            ++s.errors;
            if (s.samples.size() < 3)
                s.samples << QStringLiteral("HTTP %1 %2 %3").arg(status).arg(error, QString::fromUtf8(body.left(200)));
        }
    }
};

void Client::send(const QString& kind, const QByteArray& method, const QString& path, const QJsonObject& body,
                  QList<QPair<QByteArray, QByteArray>> headers, QList<int> expected,
                  std::function<void(int, const QJsonObject&, QNetworkReply*)> then)
{
    QNetworkRequest request { QUrl(m_base + path) };
    request.setTransferTimeout(kTimeoutMs);
    if (!m_token.isEmpty() && !path.startsWith(QLatin1String("/api/auth/login")))
        request.setRawHeader("Authorization", "Bearer " + m_token);
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    QByteArray payload;
    if (!body.isEmpty()) {
        payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    }
    QElapsedTimer timer;
    timer.start();
    QNetworkReply* reply = payload.isEmpty() ? m_nam.sendCustomRequest(request, method)
                                             : m_nam.sendCustomRequest(request, method, payload);
    connect(reply, &QNetworkReply::finished, this, [this, reply, kind, expected, then, timer] {
        const double ms = double(timer.nsecsElapsed()) / 1e6;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray answer = reply->readAll();
        const bool transport = reply->error() != QNetworkReply::NoError && (status == 0 || int(reply->error()) < 100);
        // Expected refusals: the address throttle (429) for wrong passwords, and a full password
        // queue (503 with Retry-After) for any sign-in. A well-behaved client waits as told.
        const bool signIn = kind.startsWith(QLatin1String("login"));
        const QByteArray retryAfter = reply->rawHeader("Retry-After");
        const bool throttled = (kind == QLatin1String("login (wrong)") && status == 429)
            || (signIn && status == 503 && !retryAfter.isEmpty());
        const bool ok = !transport && (expected.contains(status) || throttled);
        m_soak->record(kind, ms, status, ok, throttled, answer, transport ? reply->errorString() : QString());
        reply->deleteLater();
        if (ok && then && !throttled)
            then(status, QJsonDocument::fromJson(answer).object(), reply);
        else if (throttled && status == 503)
            QTimer::singleShot(retryAfter.toInt() * 1000, this, [this] { next(); });
        else
            next();
    });
}

void Client::next()
{
    if (!m_soak->running)
        return;
    const int roll = int(m_random.bounded(100));
    if (roll < 28) {
        const int page = 1 + int(m_random.bounded(40));
        send(QStringLiteral("users page"), "GET", QStringLiteral("/api/admin/users?limit=50&page=%1").arg(page), {}, {},
             { 200 }, {});
    } else if (roll < 42) {
        static const QStringList stems { QStringLiteral("ann"),         QStringLiteral("mar"), QStringLiteral("son"),
                                         QStringLiteral("lee"),         QStringLiteral("ber"), QStringLiteral("ola"),
                                         QStringLiteral("example.org"), QStringLiteral("xyz") };
        const QString search = stems.at(int(m_random.bounded(int(stems.size()))));
        send(QStringLiteral("user search"), "GET",
             QStringLiteral("/api/admin/users?limit=50&search=%1")
                 .arg(QString::fromLatin1(QUrl::toPercentEncoding(search))),
             {}, {}, { 200 }, {});
    } else if (roll < 56) {
        QString path = QStringLiteral("/api/admin/audit?limit=50");
        if (!m_auditCursor.isEmpty() && m_random.bounded(4) != 0)
            path += QStringLiteral("&cursor=") + QString::fromLatin1(QUrl::toPercentEncoding(m_auditCursor));
        send(QStringLiteral("audit page"), "GET", path, {}, {}, { 200 },
             [this](int, const QJsonObject& answer, QNetworkReply*) {
                 m_auditCursor = answer.value(QStringLiteral("next_cursor")).toString();
                 next();
             });
    } else if (roll < 63) {
        send(QStringLiteral("login (right)"), "POST", QStringLiteral("/api/auth/login"),
             { { QStringLiteral("email"), m_loginEmail }, { QStringLiteral("password"), kUserPassword } }, {}, { 200 },
             {});
    } else if (roll < 70) {
        // A stranger's guess from an address of its own (through the trusted proxy), at an account
        // that exists or one that does not.
        const int n = ++m_soak->wrongAddress;
        const QByteArray address
            = QStringLiteral("10.%1.%2.%3").arg((n >> 16) & 255).arg((n >> 8) & 255).arg(n & 255).toLatin1();
        const QString email = m_random.bounded(2) == 0 ? QStringLiteral("nobody%1@soak.example").arg(n)
                                                       : QStringLiteral("decoy%1@soak.example").arg(m_index);
        send(QStringLiteral("login (wrong)"), "POST", QStringLiteral("/api/auth/login"),
             { { QStringLiteral("email"), email }, { QStringLiteral("password"), QStringLiteral("Wrong-Guess-1!") } },
             { { "X-Forwarded-For", address } }, { 401 }, {});
    } else if (roll < 80 || m_created.isEmpty()) {
        const QString name = QStringLiteral("soak%1c%2n%3").arg(m_soak->runId).arg(m_index).arg(++m_serial);
        send(QStringLiteral("create user"), "POST", QStringLiteral("/api/admin/users"),
             { { QStringLiteral("email"), QString(name + QStringLiteral("@soak.example")) },
               { QStringLiteral("username"), name },
               { QStringLiteral("full_name"), QStringLiteral("Soak %1").arg(name) },
               { QStringLiteral("password"), kUserPassword },
               { QStringLiteral("organization_id"), 1 },
               { QStringLiteral("role_codes"), QJsonArray { QStringLiteral("user") } } },
             {}, { 201 }, [this](int, const QJsonObject& answer, QNetworkReply*) {
                 m_created << answer.value(QStringLiteral("id")).toInteger();
                 next();
             });
    } else if (roll < 88) {
        const qint64 id = m_created.at(int(m_random.bounded(int(m_created.size()))));
        // Read for the ETag, then update with If-Match (two requests, timed apart).
        send(QStringLiteral("get user"), "GET", QStringLiteral("/api/admin/users/%1").arg(id), {}, {}, { 200 },
             [this, id](int, const QJsonObject&, QNetworkReply* reply) {
                 const QByteArray etag = reply->rawHeader("ETag");
                 send(QStringLiteral("update user"), "PATCH", QStringLiteral("/api/admin/users/%1").arg(id),
                      { { QStringLiteral("full_name"), QStringLiteral("Soak renamed %1").arg(++m_serial) } },
                      { { "If-Match", etag } }, { 200 }, {});
             });
    } else {
        if (!m_banned.isEmpty() && m_random.bounded(2) == 0) {
            const qint64 id = m_banned.takeFirst();
            send(QStringLiteral("unban"), "POST", QStringLiteral("/api/admin/users/%1/unban").arg(id), {}, {}, { 200 },
                 {});
        } else {
            const qint64 id = m_created.takeFirst();
            send(QStringLiteral("ban"), "POST", QStringLiteral("/api/admin/users/%1/ban").arg(id),
                 { { QStringLiteral("reason"), QStringLiteral("soak") } }, {}, { 200 },
                 [this, id](int, const QJsonObject&, QNetworkReply*) {
                     m_banned << id;
                     next();
                 });
        }
    }
}

void waitMs(int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
}

QJsonObject request(QNetworkAccessManager& nam, const QString& url, const QByteArray& method, const QJsonObject& body,
                    const QByteArray& token, int* status = nullptr)
{
    QNetworkRequest r { QUrl(url) };
    if (!token.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + token);
    r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = nam.sendCustomRequest(r, method, QJsonDocument(body).toJson(QJsonDocument::Compact));
    while (!reply->isFinished())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    if (status)
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return answer;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("server"), QStringLiteral("the portcullis-server binary"));
    const QCommandLineOption secondsOption(QStringLiteral("seconds"), QStringLiteral("measured seconds (60)"),
                                           QStringLiteral("N"), QStringLiteral("60"));
    const QCommandLineOption usersOption(QStringLiteral("users"), QStringLiteral("seed-demo users (20000)"),
                                         QStringLiteral("N"), QStringLiteral("20000"));
    const QCommandLineOption clientsOption(QStringLiteral("clients"), QStringLiteral("concurrent clients (32)"),
                                           QStringLiteral("N"), QStringLiteral("32"));
    const QCommandLineOption warmupOption(QStringLiteral("warmup"), QStringLiteral("warm-up seconds (10)"),
                                          QStringLiteral("N"), QStringLiteral("10"));
    const QCommandLineOption pgOption(QStringLiteral("pg"), QStringLiteral("PostgreSQL admin URL"),
                                      QStringLiteral("URL"));
    const QCommandLineOption serversOption(QStringLiteral("servers"),
                                           QStringLiteral("serve processes (1 on SQLite, 2 on PostgreSQL)"),
                                           QStringLiteral("N"));
    parser.addOptions({ secondsOption, usersOption, clientsOption, warmupOption, pgOption, serversOption });
    parser.addHelpOption();
    parser.process(app);
    if (parser.positionalArguments().size() != 1)
        parser.showHelp(64);
    const QString binary = parser.positionalArguments().first();
    const int seconds = parser.value(secondsOption).toInt();
    const int warmup = parser.value(warmupOption).toInt();
    const int clients = parser.value(clientsOption).toInt();
    const bool postgres = parser.isSet(pgOption);
    const int servers = parser.isSet(serversOption) ? parser.value(serversOption).toInt() : (postgres ? 2 : 1);

    QTemporaryDir dir;
    QString database = dir.filePath(QStringLiteral("soak.db"));
    QString pgDatabaseName;
    QSqlDatabase admin;
    if (postgres) {
        const QUrl url(parser.value(pgOption));
        pgDatabaseName = QStringLiteral("portcullis_soak_%1").arg(QCoreApplication::applicationPid());
        admin = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("soak-admin"));
        admin.setHostName(url.host());
        admin.setPort(url.port(5432));
        admin.setUserName(url.userName());
        admin.setPassword(url.password());
        admin.setDatabaseName(url.path().mid(1));
        if (!admin.open()) {
            std::fprintf(stderr, "cannot reach PostgreSQL: %s\n", qPrintable(admin.lastError().text()));
            return 1;
        }
        QSqlQuery q(admin);
        if (!q.exec(QStringLiteral("CREATE DATABASE ") + pgDatabaseName)) {
            std::fprintf(stderr, "cannot create the database: %s\n", qPrintable(q.lastError().text()));
            return 1;
        }
        QUrl target = url;
        target.setPath(QLatin1Char('/') + pgDatabaseName);
        database = target.toString();
        qputenv("PORTCULLIS_AUDIT_KEY_FILE", QFile::encodeName(dir.filePath(QStringLiteral("audit-key"))));
    }
    auto dropDatabase = [&] {
        if (!postgres)
            return;
        QSqlQuery q(admin);
        q.exec(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(pgDatabaseName));
    };

    QFile passwordFile(dir.filePath(QStringLiteral("password")));
    if (!passwordFile.open(QIODevice::WriteOnly))
        return 1;
    passwordFile.write(kPassword.toUtf8() + '\n');
    passwordFile.close();
    QElapsedTimer setup;
    setup.start();
    if (!runTool(binary,
                 { QStringLiteral("init"), QStringLiteral("--db"), database, QStringLiteral("--admin-email"), kEmail,
                   QStringLiteral("--admin-password-file"), passwordFile.fileName() })
        || !runTool(binary,
                    { QStringLiteral("seed-demo"), QStringLiteral("--db"), database, QStringLiteral("--users"),
                      parser.value(usersOption), QStringLiteral("--events"),
                      QString::number(parser.value(usersOption).toInt() * 5) })) {
        dropDatabase();
        return 1;
    }
    std::fprintf(stderr, "seeded in %.1f s\n", double(setup.elapsed()) / 1000.0);

    const QString secret = dir.filePath(QStringLiteral("jwt-secret"));
    std::vector<Server> serves(size_t(std::max(1, servers)));
    const QRegularExpression ready(QStringLiteral("listening on (https?://[0-9.]+:[0-9]+)"));
    for (Server& server : serves) {
        server.process = std::make_unique<QProcess>();
        server.process->setProcessChannelMode(QProcess::SeparateChannels);
        server.process->setStandardErrorFile(QProcess::nullDevice()); // the access log
        server.process->start(binary,
                              { QStringLiteral("serve"), QStringLiteral("--db"), database, QStringLiteral("--listen"),
                                QStringLiteral("127.0.0.1:0"), QStringLiteral("--jwt-secret-file"), secret,
                                QStringLiteral("--trusted-proxy"), QStringLiteral("127.0.0.1") });
        QByteArray out;
        QElapsedTimer wait;
        wait.start();
        while (server.base.isEmpty() && wait.elapsed() < 60000) {
            server.process->waitForReadyRead(200);
            out += server.process->readAllStandardOutput();
            const auto match = ready.match(QString::fromUtf8(out));
            if (match.hasMatch())
                server.base = match.captured(1);
        }
        if (server.base.isEmpty()) {
            std::fprintf(stderr, "serve did not start\n");
            dropDatabase();
            return 1;
        }
    }

    QNetworkAccessManager nam;
    const QByteArray token
        = request(nam, serves.front().base + QStringLiteral("/api/auth/login"), "POST",
                  { { QStringLiteral("email"), kEmail }, { QStringLiteral("password"), kPassword } }, {})
              .value(QStringLiteral("access_token"))
              .toString()
              .toLatin1();
    if (token.isEmpty()) {
        std::fprintf(stderr, "cannot sign in\n");
        dropDatabase();
        return 1;
    }
    // Room for every user the clients create (the first organization's plan allows 1,000).
    {
        int status = 0;
        request(nam, serves.front().base + QStringLiteral("/api/admin/organizations/1"), "PATCH",
                { { QStringLiteral("max_users"), 10000000 } }, token, &status);
        if (status != 200) {
            std::fprintf(stderr, "cannot raise the plan limit of organization 1 (HTTP %d)\n", status);
            dropDatabase();
            return 1;
        }
    }
    Soak soak;
    soak.runId = int(QCoreApplication::applicationPid());
    // A user per client to sign in as, and a decoy per client that only ever gets wrong passwords.
    std::vector<std::unique_ptr<Client>> clientList;
    for (int i = 0; i < clients; ++i) {
        for (const QString& stem : { QStringLiteral("login%1"), QStringLiteral("decoy%1") }) {
            const QString name = stem.arg(i);
            int status = 0;
            request(nam, serves.front().base + QStringLiteral("/api/admin/users"), "POST",
                    { { QStringLiteral("email"), QString(name + QStringLiteral("@soak.example")) },
                      { QStringLiteral("username"), name },
                      { QStringLiteral("password"), kUserPassword },
                      { QStringLiteral("organization_id"), 1 },
                      { QStringLiteral("role_codes"), QJsonArray { QStringLiteral("user") } } },
                    token, &status);
            if (status != 201) {
                std::fprintf(stderr, "cannot create %s (HTTP %d)\n", qPrintable(name), status);
                dropDatabase();
                return 1;
            }
        }
        const Server& server = serves.at(size_t(i) % serves.size());
        clientList.push_back(
            std::make_unique<Client>(&soak, i, server.base, token, QStringLiteral("login%1@soak.example").arg(i)));
    }

    for (auto& client : clientList)
        client->next();
    waitMs(warmup * 1000);
    for (Server& server : serves)
        server.warmRss = rssKib(server.process->processId());
    soak.counting = true;
    QElapsedTimer measured;
    measured.start();
    waitMs(seconds * 1000);
    soak.counting = false;
    const double elapsed = double(measured.elapsed()) / 1000.0;
    for (Server& server : serves)
        server.endRss = rssKib(server.process->processId());
    soak.running = false;
    waitMs(2000); // the requests in flight finish

    int total = 0;
    int errors = 0;
    std::printf("| request | count | per second | p50 (ms) | p99 (ms) | errors |\n|---|---|---|---|---|---|\n");
    for (auto& [kind, stats] : soak.stats) {
        total += int(stats.ms.size());
        errors += stats.errors;
        const QString note = stats.throttled
            ? QStringLiteral(" (%1 refused with 429 or 503 + Retry-After: throttled, expected)").arg(stats.throttled)
            : QString();
        std::printf("| %s | %d%s | %.1f | %.1f | %.1f | %d |\n", qPrintable(kind), int(stats.ms.size()),
                    qPrintable(note), double(stats.ms.size()) / elapsed, stats.percentile(0.5), stats.percentile(0.99),
                    stats.errors);
    }
    std::printf("| all | %d | %.1f | | | %d |\n\n", total, double(total) / elapsed, errors);
    std::printf("| server | RSS after %d s warm-up (MiB) | RSS at the end (MiB) | change | within 10 %% |\n"
                "|---|---|---|---|---|\n",
                warmup);
    bool flat = true;
    for (size_t i = 0; i < serves.size(); ++i) {
        const Server& server = serves.at(i);
        const double change
            = server.warmRss > 0 ? 100.0 * double(server.endRss - server.warmRss) / double(server.warmRss) : 0;
        const bool within = server.warmRss > 0 && server.endRss > 0 && change <= 10.0;
        flat = flat && within;
        std::printf("| serve %d | %.1f | %.1f | %+.1f %% | %s |\n", int(i + 1), double(server.warmRss) / 1024.0,
                    double(server.endRss) / 1024.0, change, within ? "yes" : "no");
    }
    for (auto& [kind, stats] : soak.stats) {
        for (const QString& sample : std::as_const(stats.samples))
            std::fprintf(stderr, "error (%s): %s\n", qPrintable(kind), qPrintable(sample));
    }
    std::printf("\n%s, %d clients over %d serve process(es), %.0f s measured after %d s warm-up, seed-demo %s users.\n",
                postgres ? "PostgreSQL" : "SQLite", clients, int(serves.size()), elapsed, warmup,
                qPrintable(parser.value(usersOption)));
    for (Server& server : serves) {
        server.process->terminate();
        server.process->waitForFinished(15000);
    }
    clientList.clear();
    dropDatabase();
    return errors == 0 && flat ? 0 : 2;
}
