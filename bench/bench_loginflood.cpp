// A sign-in flood against a real `portcullis-server serve`: the latency of the health check and the
// users page, alone and while 32 clients sign in as fast as they can (right passwords: each costs a
// full Argon2 check, and the address throttle does not apply). Password hashing runs in a pool of
// its own (RestApi::m_passwordPool), so the other requests should keep their p99 within 2x.
// Not a test: run by hand and paste the table into docs/benchmarks.md.
//
//   portcullis-bench-loginflood [--client raw|qt] /usr/bin/portcullis-server [seconds [serve options...]]
//
// e.g. `... 10 --password-threads 0` for the old behaviour, Argon2 on the shared workers.
//
// It makes a SQLite database in a temporary folder with `init` and starts `serve` on 127.0.0.1. The
// flood comes from a second process (this program with --flood URL SECONDS). The measuring client
// is one blocking keep-alive connection (`--client raw`, the default: what a load balancer's health
// check is) or QNetworkAccessManager (`--client qt`: its threads and event loop add their own
// latency when the cores are busy).

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

namespace {

const QString kEmail = QStringLiteral("root@bench.example");
const QString kPassword = QStringLiteral("Bench-Gatekeeper-7-Raven!");

struct Stats
{
    std::vector<double> ms;
    int errors = 0;
    double percentile(double p)
    {
        if (ms.empty())
            return 0;
        std::sort(ms.begin(), ms.end());
        return ms[std::min(ms.size() - 1, size_t(p * double(ms.size())))];
    }
};

QNetworkReply* post(QNetworkAccessManager& nam, const QString& url, const QJsonObject& body)
{
    QNetworkRequest request { QUrl(url) };
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    return nam.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

// One client that signs in again as soon as the previous answer came.
class Flooder : public QObject
{
public:
    Flooder(const QString& base, const std::atomic_bool* running)
        : m_base(base)
        , m_running(running)
    { }
    void next()
    {
        if (!*m_running)
            return;
        QNetworkReply* reply = post(m_nam, m_base + QStringLiteral("/api/auth/login"),
                                    { { QStringLiteral("email"), kEmail }, { QStringLiteral("password"), kPassword } });
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            // 200: signed in; anything else (503 when the password queue is full) is a refusal.
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200)
                ++count;
            else
                ++refused;
            reply->deleteLater();
            next();
        });
    }
    int count = 0;
    int refused = 0;

private:
    QNetworkAccessManager m_nam;
    QString m_base;
    const std::atomic_bool* m_running;
};

// Sequential requests to `url` for `seconds`, timed one by one, through QNetworkAccessManager (what a
// Qt client sees: its own thread hops included).
Stats measureQt(QNetworkAccessManager& nam, const QString& url, const QByteArray& token, int seconds)
{
    Stats stats;
    QElapsedTimer total;
    total.start();
    while (total.elapsed() < seconds * 1000) {
        QNetworkRequest request { QUrl(url) };
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token);
        QElapsedTimer one;
        one.start();
        QNetworkReply* reply = nam.get(request);
        while (!reply->isFinished())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
        stats.ms.push_back(double(one.nsecsElapsed()) / 1e6);
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
            ++stats.errors;
        reply->deleteLater();
    }
    return stats;
}

// The same through one keep-alive connection in blocking mode on this thread: a minimal client
// (as a load balancer's health check is), so that the numbers are the server's and not the
// client's event loop and threads on a machine whose two cores are busy.
Stats measureRaw(const QUrl& url, const QByteArray& token, int seconds)
{
    Stats stats;
    QTcpSocket socket;
    QByteArray request = "GET " + url.path(QUrl::FullyEncoded).toLatin1();
    if (url.hasQuery())
        request += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    request += " HTTP/1.1\r\nHost: " + url.host().toLatin1() + "\r\nUser-Agent: portcullis-bench-loginflood\r\n";
    if (!token.isEmpty())
        request += "Authorization: Bearer " + token + "\r\n";
    request += "\r\n";
    QElapsedTimer total;
    total.start();
    QByteArray buffer;
    while (total.elapsed() < seconds * 1000) {
        if (socket.state() != QAbstractSocket::ConnectedState) {
            socket.abort();
            socket.connectToHost(url.host(), quint16(url.port()));
            if (!socket.waitForConnected(5000)) {
                ++stats.errors;
                continue;
            }
            socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
            buffer.clear();
        }
        QElapsedTimer one;
        one.start();
        socket.write(request);
        socket.flush();
        // Read the head, then Content-Length bytes of body.
        qsizetype headEnd = -1;
        qsizetype bodyLength = -1;
        int status = 0;
        bool failed = false;
        while (true) {
            if (headEnd < 0) {
                headEnd = buffer.indexOf("\r\n\r\n");
                if (headEnd >= 0) {
                    const QByteArray head = buffer.left(headEnd);
                    status = head.mid(9, 3).toInt();
                    const QList<QByteArray> lines = head.split('\n');
                    for (const QByteArray& line : lines) {
                        if (line.toLower().startsWith("content-length:"))
                            bodyLength = line.mid(15).trimmed().toLongLong();
                    }
                    if (bodyLength < 0) {
                        failed = true; // not expected from this server
                        break;
                    }
                }
            }
            if (headEnd >= 0 && buffer.size() >= headEnd + 4 + bodyLength) {
                buffer.remove(0, headEnd + 4 + bodyLength);
                break;
            }
            // Qt may have read the answer into the socket's buffer already (waitForReadyRead
            // waits for new bytes only).
            if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(10000)) {
                failed = true;
                break;
            }
            buffer += socket.readAll();
        }
        stats.ms.push_back(double(one.nsecsElapsed()) / 1e6);
        if (failed || status != 200) {
            if (stats.errors++ < 3)
                std::fprintf(stderr, "%s: status %d, %s\n", qPrintable(url.toString()), status,
                             qPrintable(socket.errorString()));
            socket.abort();
        }
    }
    return stats;
}

// The attacker: 32 clients in a process of their own (their event loop and threads do not share
// the measuring client's), signing in until `seconds` have passed. Prints "signed-in refused ms".
int flood(const QString& base, int seconds)
{
    std::atomic_bool running { true };
    std::vector<std::unique_ptr<Flooder>> flooders;
    for (int i = 0; i < 32; ++i) {
        flooders.push_back(std::make_unique<Flooder>(base, &running));
        flooders.back()->next();
    }
    QElapsedTimer elapsed;
    elapsed.start();
    QTimer::singleShot(seconds * 1000, qApp, [&] {
        running = false;
        QCoreApplication::quit();
    });
    QCoreApplication::exec();
    int logins = 0;
    int refusals = 0;
    for (const auto& f : flooders) {
        logins += f->count;
        refusals += f->refused;
    }
    std::printf("%d %d %lld\n", logins, refusals, static_cast<long long>(elapsed.elapsed()));
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments();
    if (args.size() == 4 && args.at(1) == QLatin1String("--flood"))
        return flood(args.at(2), args.at(3).toInt());
    // --client qt: measure through QNetworkAccessManager instead of the minimal blocking client.
    bool qtClient = false;
    if (const qsizetype at = args.indexOf(QStringLiteral("--client")); at > 0 && at + 1 < args.size()) {
        qtClient = args.at(at + 1) == QLatin1String("qt");
        args.remove(at, 2);
    }
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: %s [--client raw|qt] PORTCULLIS_SERVER [SECONDS [serve options...]]\n", argv[0]);
        return 64;
    }
    const QString server = args.at(1);
    const int seconds = args.size() > 2 ? args.at(2).toInt() : 10;
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bench.db"));
    QFile passwordFile(dir.filePath(QStringLiteral("password")));
    if (!passwordFile.open(QIODevice::WriteOnly))
        return 1;
    passwordFile.write(kPassword.toUtf8() + '\n');
    passwordFile.close();
    QFile secret(dir.filePath(QStringLiteral("jwt-secret")));
    if (!secret.open(QIODevice::WriteOnly))
        return 1;
    secret.write(QByteArray(48, 'k'));
    secret.close();
    secret.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);

    QProcess init;
    init.start(server,
               { QStringLiteral("init"), QStringLiteral("--db"), db, QStringLiteral("--admin-email"), kEmail,
                 QStringLiteral("--admin-password-file"), passwordFile.fileName() });
    if (!init.waitForFinished(60000) || init.exitCode() != 0) {
        std::fprintf(stderr, "init failed: %s\n", init.readAllStandardError().constData());
        return 1;
    }
    QProcess serve;
    // The access log (standard error) goes to a file: a pipe that this program reads only while it
    // waits in an event loop would fill and stop the server.
    const QString serveLog = dir.filePath(QStringLiteral("serve.log"));
    serve.setStandardErrorFile(serveLog);
    serve.start(server,
                QStringList { QStringLiteral("serve"), QStringLiteral("--db"), db, QStringLiteral("--listen"),
                              QStringLiteral("127.0.0.1:0"), QStringLiteral("--jwt-secret-file"), secret.fileName() }
                    + args.mid(3));
    QString base;
    const QRegularExpression ready(QStringLiteral("listening on (https?://[0-9.]+:[0-9]+)"));
    QByteArray out;
    QElapsedTimer wait;
    wait.start();
    while (base.isEmpty() && wait.elapsed() < 60000) {
        serve.waitForReadyRead(200);
        out += serve.readAllStandardOutput();
        const auto match = ready.match(QString::fromUtf8(out));
        if (match.hasMatch())
            base = match.captured(1);
    }
    if (base.isEmpty()) {
        QFile log(serveLog);
        std::fprintf(stderr, "serve did not start: %s\n",
                     log.open(QIODevice::ReadOnly) ? log.readAll().constData() : "(no log)");
        return 1;
    }

    QNetworkAccessManager nam;
    QNetworkReply* login = post(nam, base + QStringLiteral("/api/auth/login"),
                                { { QStringLiteral("email"), kEmail }, { QStringLiteral("password"), kPassword } });
    while (!login->isFinished())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    const QByteArray token = QJsonDocument::fromJson(login->readAll())
                                 .object()
                                 .value(QStringLiteral("access_token"))
                                 .toString()
                                 .toLatin1();
    if (token.isEmpty()) {
        std::fprintf(stderr, "cannot sign in\n");
        return 1;
    }
    const QString health = base + QStringLiteral("/api/health/auth");
    const QString users = base + QStringLiteral("/api/admin/users?limit=50");
    auto measure = [&](const QString& url, const QByteArray& bearer) {
        return qtClient ? measureQt(nam, url, bearer, seconds) : measureRaw(QUrl(url), bearer, seconds);
    };

    Stats healthIdle = measure(health, {});
    Stats usersIdle = measure(users, token);

    // The flood: this program again, in a process of its own (an attacker's clients are not the
    // measuring client), for one second of warm-up and both measurements.
    QProcess attacker;
    attacker.start(QCoreApplication::applicationFilePath(),
                   { QStringLiteral("--flood"), base, QString::number(2 * seconds + 1) });
    if (!attacker.waitForStarted(10000)) {
        std::fprintf(stderr, "cannot start the flood\n");
        return 1;
    }
    QThread::sleep(1);
    Stats healthFlood = measure(health, {});
    Stats usersFlood = measure(users, token);
    attacker.waitForFinished(60000);
    const QList<QByteArray> counts = attacker.readAllStandardOutput().trimmed().split(' ');
    const double floodSeconds = counts.size() == 3 ? counts.at(2).toDouble() / 1000.0 : 0;
    const double loginRate = floodSeconds > 0 ? counts.at(0).toDouble() / floodSeconds : 0;
    const double refusalRate = floodSeconds > 0 ? counts.at(1).toDouble() / floodSeconds : 0;

    std::printf("Client: %s\n\n", qtClient ? "QNetworkAccessManager" : "one blocking keep-alive connection");
    std::printf(
        "| request | p50 alone (ms) | p99 alone (ms) | p50 during flood (ms) | p99 during flood (ms) | p99 ratio "
        "| errors |\n|---|---|---|---|---|---|---|\n");
    auto row = [](const char* name, Stats& alone, Stats& flooded) {
        const double p99a = alone.percentile(0.99);
        const double p99f = flooded.percentile(0.99);
        std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %d |\n", name, alone.percentile(0.5), p99a,
                    flooded.percentile(0.5), p99f, p99a > 0 ? p99f / p99a : 0.0, alone.errors + flooded.errors);
    };
    row("GET /api/health/auth", healthIdle, healthFlood);
    row("GET /api/admin/users?limit=50", usersIdle, usersFlood);
    std::printf("\n32 clients signed in %.1f times a second during the flood (%.1f refusals a second).\n", loginRate,
                refusalRate);
    serve.terminate();
    serve.waitForFinished(10000);
    return 0;
}
