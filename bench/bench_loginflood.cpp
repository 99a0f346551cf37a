// A sign-in flood against a real `portcullis-server serve`: the latency of the health check and the
// users page, alone and while 32 clients sign in as fast as they can (right passwords: each costs a
// full Argon2 check, and the address throttle does not apply). Password hashing runs in a pool of
// its own (RestApi::m_passwordPool), so the other requests should keep their p99 within 2x.
// Not a test: run by hand and paste the table into docs/benchmarks.md.
//
//   portcullis-bench-loginflood /usr/bin/portcullis-server [seconds [serve options...]]
//
// e.g. `... 10 --password-threads 0` for the old behaviour, Argon2 on the shared workers.
//
// It makes a SQLite database in a temporary folder with `init` and starts `serve` on 127.0.0.1.

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

// Sequential requests to `path` for `seconds`, timed one by one.
Stats measure(QNetworkAccessManager& nam, const QString& url, const QByteArray& token, int seconds)
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

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: %s PORTCULLIS_SERVER [SECONDS]\n", argv[0]);
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
        std::fprintf(stderr, "serve did not start: %s\n", serve.readAllStandardError().constData());
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

    Stats healthIdle = measure(nam, health, {}, seconds);
    Stats usersIdle = measure(nam, users, token, seconds);

    // The flood comes from a thread of its own (an attacker's clients are not the measuring
    // client): its answers never delay the measured requests' event loop.
    std::atomic_bool running { true };
    std::atomic_int logins { 0 };
    std::atomic_int refusals { 0 };
    QThread* floodThread = QThread::create([&] {
        std::vector<std::unique_ptr<Flooder>> flooders;
        for (int i = 0; i < 32; ++i) {
            flooders.push_back(std::make_unique<Flooder>(base, &running));
            flooders.back()->next();
        }
        QEventLoop loop;
        QTimer poll;
        QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
            if (!running)
                loop.quit();
        });
        poll.start(50);
        loop.exec();
        for (const auto& f : flooders) {
            logins += f->count;
            refusals += f->refused;
        }
    });
    floodThread->start();
    QElapsedTimer warm;
    warm.start();
    while (warm.elapsed() < 1000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    QElapsedTimer flood;
    flood.start();
    Stats healthFlood = measure(nam, health, {}, seconds);
    Stats usersFlood = measure(nam, users, token, seconds);
    const qint64 floodMs = flood.elapsed();
    running = false;
    floodThread->wait();
    delete floodThread;
    const double loginRate = double(logins.load()) / (double(floodMs) / 1000.0);
    const double refusalRate = double(refusals.load()) / (double(floodMs) / 1000.0);

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
