// The connection limits of `portcullis-server serve` (server/httpserver.h) against the real binary
// on 127.0.0.1, each with short times from serve's options: the connection cap below the descriptor
// limit, the per-address cap, the header deadline, the minimum body rate, the idle keep-alive
// timeout, no busy loop when descriptors run out, and a stalled download that is dropped after the
// write deadline with its worker freed.
//
// The clients are what an attacker runs: raw sockets that trickle bytes, never read, or pile up.

#include "serverprocess.h"
#include "testutil.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using portcullis::test::ServerProcess;

namespace {

constexpr int kWaitMs = 15000;

// A plain POSIX client socket: it reads only when told to, so the kernel buffers fill up the way a
// client that stopped reading makes them.
class RawSocket
{
public:
    RawSocket() = default;
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;
    ~RawSocket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool connect(quint16 port, int receiveBuffer = 0)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0)
            return false;
        if (receiveBuffer > 0)
            ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return ::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    bool send(const QByteArray& bytes)
    {
        return ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
    }
    int fd() const { return m_fd; }

private:
    int m_fd = -1;
};

// Waits until the server closes `socket` (end of stream or reset), reading what arrives. False
// when it is still open after `ms`.
bool waitForClose(QTcpSocket& socket, int ms, QByteArray* received = nullptr)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms) {
        if (socket.state() != QAbstractSocket::ConnectedState)
            break;
        socket.waitForReadyRead(int(qMin<qint64>(100, ms - timer.elapsed())));
        const QByteArray data = socket.readAll();
        if (received)
            *received += data;
    }
    if (received)
        *received += socket.readAll();
    return socket.state() != QAbstractSocket::ConnectedState;
}

// One whole response (Content-Length framed) on an open socket.
QByteArray readResponse(QTcpSocket& socket, int ms = kWaitMs)
{
    QByteArray in;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms) {
        const qsizetype end = in.indexOf("\r\n\r\n");
        if (end >= 0) {
            static const QRegularExpression length(QStringLiteral("(?i)content-length: *([0-9]+)"));
            const auto match = length.match(QString::fromLatin1(in.left(end)));
            if (match.hasMatch() && in.size() >= end + 4 + match.captured(1).toLongLong())
                return in;
        }
        if (!socket.waitForReadyRead(100) && socket.state() != QAbstractSocket::ConnectedState)
            break;
        in += socket.readAll();
    }
    return in + socket.readAll();
}

std::unique_ptr<QTcpSocket> connectTo(quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    if (!socket->waitForConnected(5000))
        return nullptr;
    return socket;
}

QByteArray healthRequest(bool close = false)
{
    return QByteArray("GET /api/health/auth HTTP/1.1\r\nHost: 127.0.0.1\r\n") + (close ? "Connection: close\r\n" : "")
        + "\r\n";
}

int statusOf(const QByteArray& response)
{
    if (!response.startsWith("HTTP/1.1 "))
        return 0;
    return response.mid(9, 3).toInt();
}

// User + system CPU seconds of a process so far (/proc/PID/stat, fields 14 and 15).
double cpuSeconds(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray stat = file.readAll();
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = double(::sysconf(_SC_CLK_TCK));
    return (fields.at(11).toDouble() + fields.at(12).toDouble()) / ticks;
}

int openDescriptors(qint64 pid)
{
    return int(QDir(QStringLiteral("/proc/%1/fd").arg(pid)).entryList(QDir::NoDotAndDotDot | QDir::System).size());
}

} // namespace

class TestHttpLimits : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void connectionCapIsBelowTheDescriptorLimit();
    void perAddressCap();
    void slowHeadIsDroppedAtTheHeaderDeadline();
    void slowBodyIsDroppedAtTheMinimumRate();
    void idleKeepAliveIsClosed();
    void noBusyLoopWhenDescriptorsRunOut();
    void stalledDownloadIsDroppedAndItsWorkerFreed();
    void shutdownClosesIdleConnectionsAndStalledDownloads(); // after the one above: its events
    void tlsBelow12IsRefused();
    void accessLogHasALineForEveryRequest();

private:
    bool startServer(ServerProcess& server, const QStringList& extra);
    // Stops the server and checks its log: in the sanitizer build it reports memory errors, leaks
    // and undefined behaviour there, none of which may appear.
    // `outOfDescriptors`: the server ran out of file descriptors on purpose. In the sanitizer build
    // UBSan then cannot check a virtual call it has not seen before: it probes the object's memory
    // through a pipe, which it cannot create, and reports the object as having an invalid vptr
    // ("<memory cannot be printed>"). Those reports, and only those, are not findings then.
    void stopClean(ServerProcess& server, bool outOfDescriptors = false);
    QByteArray login(quint16 port);

    QTemporaryDir m_dir;
    std::unique_ptr<portcullis::test::TestDatabase> m_db;
    QString m_secretFile;
};

void TestHttpLimits::initTestCase()
{
    QVERIFY2(QFileInfo(portcullis::test::serverBinary()).isExecutable(),
             "PORTCULLIS_SERVER_BIN is not set to an executable (run the suite through ctest)");
    QVERIFY(m_dir.isValid());
    m_db = portcullis::test::TestDatabase::create();
    QString error;
    QVERIFY2(portcullis::test::initDeployment(m_db->url(), m_dir.path(), &error), qPrintable(error));
    m_secretFile = m_dir.filePath(QStringLiteral("jwt-secret"));
}

bool TestHttpLimits::startServer(ServerProcess& server, const QStringList& extra)
{
    return server.start(m_db->url(), m_secretFile, extra);
}

void TestHttpLimits::stopClean(ServerProcess& server, bool outOfDescriptors)
{
    server.stop();
    QString log = server.log();
    if (outOfDescriptors) {
        static const QRegularExpression probeFailed(
            QStringLiteral("[^\\n]*runtime error: [^\\n]*does not point to an object of type [^\\n]*\\n[^\\n]*note: "
                           "object has invalid vptr\\n<memory cannot be printed>\\n"));
        log.remove(probeFailed);
    }
    for (const QString& marker : { QStringLiteral("Sanitizer"), QStringLiteral("runtime error:") })
        QVERIFY2(!log.contains(marker), qPrintable(log.mid(std::max<qsizetype>(0, log.indexOf(marker) - 200), 3000)));
}

QByteArray TestHttpLimits::login(quint16 port)
{
    auto socket = connectTo(port);
    if (!socket)
        return {};
    const QByteArray body
        = QJsonDocument(QJsonObject { { QStringLiteral("email"), portcullis::test::kRootEmail },
                                      { QStringLiteral("password"), portcullis::test::kRootPassword } })
              .toJson(QJsonDocument::Compact);
    socket->write("POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: "
                  "application/json\r\nContent-Length: "
                  + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    const QByteArray response = readResponse(*socket);
    const QByteArray json = response.mid(response.indexOf("\r\n\r\n") + 4);
    return QJsonDocument::fromJson(json).object().value(QStringLiteral("access_token")).toString().toLatin1();
}

// The soft descriptor limit is raised to the hard one at start, and the connection cap stays below
// it: connections over the cap are closed at once, the ones under it are served.
void TestHttpLimits::connectionCapIsBelowTheDescriptorLimit()
{
    const QString prlimit = QStandardPaths::findExecutable(QStringLiteral("prlimit"));
    if (prlimit.isEmpty())
        QSKIP("prlimit (util-linux) is not installed");
    // The server through prlimit: soft limit 100, hard limit 200.
    const QString wrapper = m_dir.filePath(QStringLiteral("limited-server"));
    {
        QFile file(wrapper);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("#!/bin/sh\nexec " + prlimit.toUtf8() + " --nofile=100:200 "
                   + portcullis::test::serverBinary().toUtf8() + " \"$@\"\n");
        file.close();
        QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
    }
    const QByteArray realBinary = qgetenv("PORTCULLIS_SERVER_BIN");
    qputenv("PORTCULLIS_SERVER_BIN", wrapper.toUtf8());
    ServerProcess server;
    const bool started
        = startServer(server,
                      { QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--password-threads"),
                        QStringLiteral("1"), QStringLiteral("--max-connections-per-address"), QStringLiteral("0"),
                        QStringLiteral("--header-timeout"), QStringLiteral("60") });
    qputenv("PORTCULLIS_SERVER_BIN", realBinary);
    QVERIFY2(started, qPrintable(server.output()));
    const quint16 port = quint16(server.url().port());

    const QRegularExpression capLine(QStringLiteral("file descriptor limit (\\d+): at most (\\d+) connections"));
    QRegularExpressionMatch match;
    QTRY_VERIFY_WITH_TIMEOUT((match = capLine.match(server.log())).hasMatch(), kWaitMs);
    QCOMPARE(match.captured(1).toInt(), 200); // the soft limit was raised to the hard one
    const int cap = match.captured(2).toInt();
    QVERIFY2(cap >= 16 && cap < 200 - 50, qPrintable(match.captured(0)));
    QVERIFY(server.output().contains(QStringLiteral("at most %1 connections").arg(cap)));

    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < cap + 10; ++i) {
        auto socket = connectTo(port);
        QVERIFY(socket);
        sockets.push_back(std::move(socket));
    }
    // The ones over the cap are closed by the server without a byte.
    int closed = 0;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 5000 && closed < 10) {
        closed = 0;
        for (auto& socket : sockets) {
            socket->waitForReadyRead(0);
            if (socket->state() != QAbstractSocket::ConnectedState)
                ++closed;
        }
    }
    QCOMPARE(closed, 10);
    // The first one is within the cap and is answered.
    sockets.front()->write(healthRequest());
    QCOMPARE(statusOf(readResponse(*sockets.front())), 200);
    // Once some go, new ones are accepted again.
    sockets.resize(cap - 5);
    auto fresh = connectTo(port);
    QVERIFY(fresh);
    fresh->write(healthRequest(true));
    QCOMPARE(statusOf(readResponse(*fresh)), 200);
    stopClean(server);
    QCOMPARE(server.process()->exitCode(), 0);
}

// One address may hold a few connections at once; more are closed at once, and the ones it has
// keep working.
void TestHttpLimits::perAddressCap()
{
    ServerProcess server;
    QVERIFY2(startServer(server, { QStringLiteral("--max-connections-per-address"), QStringLiteral("4") }),
             qPrintable(server.output()));
    const quint16 port = quint16(server.url().port());
    std::vector<std::unique_ptr<QTcpSocket>> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(connectTo(port));
        QVERIFY(held.back());
    }
    // The server has accepted the four: each is answered.
    for (auto& socket : held) {
        socket->write(healthRequest());
        QCOMPARE(statusOf(readResponse(*socket)), 200);
    }
    auto fifth = connectTo(port);
    QVERIFY(fifth); // the kernel accepts; the server closes it without reading
    fifth->write(healthRequest());
    QByteArray answer;
    QVERIFY2(waitForClose(*fifth, 5000, &answer), "the fifth connection from one address stayed open");
    QVERIFY(answer.isEmpty());
    for (auto& socket : held) {
        socket->write(healthRequest());
        QCOMPARE(statusOf(readResponse(*socket)), 200);
    }
    held.pop_back();
    QTest::qWait(300); // real time for the server to see the close (nothing observable says it has)
    auto again = connectTo(port);
    QVERIFY(again);
    again->write(healthRequest(true));
    QCOMPARE(statusOf(readResponse(*again)), 200);
    QTRY_VERIFY(server.log().contains(QStringLiteral("(the limit per address)")));
    stopClean(server);
}

// Slowloris: the request head trickles in a byte at a time; the connection ends at the header
// deadline (2 s here), not when the client is done.
void TestHttpLimits::slowHeadIsDroppedAtTheHeaderDeadline()
{
    ServerProcess server;
    QVERIFY2(startServer(server, { QStringLiteral("--header-timeout"), QStringLiteral("2") }),
             qPrintable(server.output()));
    const quint16 port = quint16(server.url().port());
    auto socket = connectTo(port);
    QVERIFY(socket);
    const QByteArray head
        = "GET /api/health/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + QByteArray(200, 'a') + "\r\n\r\n";
    QElapsedTimer timer;
    timer.start();
    qsizetype sent = 0;
    while (sent < head.size() && socket->state() == QAbstractSocket::ConnectedState && timer.elapsed() < 10000) {
        socket->write(head.mid(sent, 1));
        socket->waitForBytesWritten(100);
        ++sent;
        socket->waitForReadyRead(100);
    }
    waitForClose(*socket, 2000);
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(socket->state() != QAbstractSocket::ConnectedState, "the slow head is still being read");
    QVERIFY2(sent < head.size(), "the whole head went through");
    QVERIFY2(elapsed >= 1500 && elapsed < 4500, qPrintable(QString::number(elapsed)));
    QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(QStringLiteral("the request head did not arrive in time")), 5000);

    // A connection that never sends a byte ends at the same deadline.
    auto silent = connectTo(port);
    QVERIFY(silent);
    timer.restart();
    QVERIFY(waitForClose(*silent, 5000));
    QVERIFY2(timer.elapsed() >= 1500, qPrintable(QString::number(timer.elapsed())));

    // A head sent at once is answered.
    auto normal = connectTo(port);
    QVERIFY(normal);
    normal->write(healthRequest(true));
    QCOMPARE(statusOf(readResponse(*normal)), 200);
    stopClean(server);
}

// A body must arrive at the minimum rate: with a header timeout of 1 s and 10,000 bytes/s, a body
// of 20,000 bytes has 3 s; sent at 500 bytes/s it is cut off then (and a quick one is answered).
void TestHttpLimits::slowBodyIsDroppedAtTheMinimumRate()
{
    ServerProcess server;
    QVERIFY2(startServer(server,
                         { QStringLiteral("--header-timeout"), QStringLiteral("1"), QStringLiteral("--min-body-rate"),
                           QStringLiteral("10000") }),
             qPrintable(server.output()));
    const quint16 port = quint16(server.url().port());
    const QByteArray head = "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                            "application/json\r\nContent-Length: 20000\r\n\r\n";
    QByteArray body = R"({"email":"nobody@example.com","password":")";
    body += QByteArray(20000 - body.size() - 2, 'x') + "\"}";
    QCOMPARE(body.size(), 20000);

    auto slow = connectTo(port);
    QVERIFY(slow);
    slow->write(head);
    QElapsedTimer timer;
    timer.start();
    qsizetype sent = 0;
    while (sent < body.size() && slow->state() == QAbstractSocket::ConnectedState && timer.elapsed() < 15000) {
        slow->write(body.mid(sent, 100));
        slow->waitForBytesWritten(100);
        sent += 100;
        slow->waitForReadyRead(200);
    }
    waitForClose(*slow, 2000);
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(slow->state() != QAbstractSocket::ConnectedState, "the slow body is still being read");
    QVERIFY2(sent < body.size(), "the whole body went through");
    QVERIFY2(elapsed >= 2500 && elapsed < 6000, qPrintable(QString::number(elapsed)));
    QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(QStringLiteral("the request body did not arrive in time")), 5000);

    auto quick = connectTo(port);
    QVERIFY(quick);
    quick->write(QByteArray(head).replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n") + body);
    const QByteArray answer = readResponse(*quick);
    QVERIFY2(statusOf(answer) >= 400 && statusOf(answer) < 500, answer.left(300).constData());
    stopClean(server);
}

// A kept-alive connection that sends nothing more is closed after the idle timeout; one that keeps
// asking within it stays.
void TestHttpLimits::idleKeepAliveIsClosed()
{
    ServerProcess server;
    QVERIFY2(startServer(server, { QStringLiteral("--idle-timeout"), QStringLiteral("1.5") }),
             qPrintable(server.output()));
    auto socket = connectTo(quint16(server.url().port()));
    QVERIFY(socket);
    for (int i = 0; i < 3; ++i) {
        socket->write(healthRequest());
        QCOMPARE(statusOf(readResponse(*socket)), 200);
        QTest::qWait(700); // real time: a pause under the idle timeout
        QCOMPARE(socket->state(), QAbstractSocket::ConnectedState);
    }
    QElapsedTimer timer;
    timer.start();
    QVERIFY(waitForClose(*socket, 5000));
    QVERIFY2(timer.elapsed() < 3000, qPrintable(QString::number(timer.elapsed())));
    stopClean(server);
}

// At EMFILE the accept loop must not spin: the server's descriptor limit is lowered under it
// (prlimit --pid) and more clients connect than it has descriptors for. It stays well under one core,
// keeps answering the connections it has, and accepts again once descriptors are free.
void TestHttpLimits::noBusyLoopWhenDescriptorsRunOut()
{
    const QString prlimit = QStandardPaths::findExecutable(QStringLiteral("prlimit"));
    if (prlimit.isEmpty())
        QSKIP("prlimit (util-linux) is not installed");
    ServerProcess server;
    QVERIFY2(startServer(server,
                         { QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--password-threads"),
                           QStringLiteral("0"), QStringLiteral("--max-connections-per-address"), QStringLiteral("0"),
                           QStringLiteral("--header-timeout"), QStringLiteral("60") }),
             qPrintable(server.output()));
    const quint16 port = quint16(server.url().port());
    const qint64 pid = server.process()->processId();
    // Warm up: the worker opens its database connection now, not when descriptors are short.
    for (int i = 0; i < 3; ++i) {
        auto socket = connectTo(port);
        QVERIFY(socket);
        socket->write(healthRequest(true));
        QCOMPARE(statusOf(readResponse(*socket)), 200);
    }
    QTest::qWait(300); // real time for the warm-up connections to be closed on the server's side
    const int limit = openDescriptors(pid) + 8;
    QProcess lower;
    lower.start(prlimit,
                { QStringLiteral("--pid"), QString::number(pid), QStringLiteral("--nofile=%1:%1").arg(limit) });
    QVERIFY(lower.waitForFinished(10000));
    QCOMPARE(lower.exitCode(), 0);

    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int i = 0; i < 40; ++i) { // the kernel queues them in the listen backlog
        auto socket = connectTo(port);
        QVERIFY(socket);
        sockets.push_back(std::move(socket));
    }
    QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(QStringLiteral("cannot accept connections")), 5000);
    const double before = cpuSeconds(pid);
    QElapsedTimer timer;
    timer.start();
    QTest::qWait(2000); // real time: the CPU the server uses over 2 s at EMFILE is measured
    const double used = cpuSeconds(pid) - before;
    const double share = used / (double(timer.elapsed()) / 1000.0);
    qInfo("server CPU at EMFILE: %.0f%% of one core", share * 100);
    QVERIFY2(share < 0.3, qPrintable(QStringLiteral("%1% of a core").arg(share * 100)));

    // A connection it accepted is still served.
    sockets.front()->write(healthRequest());
    QCOMPARE(statusOf(readResponse(*sockets.front())), 200);

    sockets.clear();
    QTest::qWait(500); // real time for the server to see the closes and free their descriptors
    auto fresh = connectTo(port);
    QVERIFY(fresh);
    fresh->write(healthRequest(true));
    QCOMPARE(statusOf(readResponse(*fresh)), 200);
    stopClean(server, true);
    QCOMPARE(server.process()->exitCode(), 0);
}

// A client starts the audit export and never reads. With one worker thread, the worker would be
// stuck in the export for good; after the write deadline (2 s) the connection is dropped, the export
// stops, and a request on a new connection is answered.
void TestHttpLimits::stalledDownloadIsDroppedAndItsWorkerFreed()
{
    // Enough audit rows that the export outgrows every buffer between the worker and the client.
    const auto seeded
        = portcullis::test::runCommand({ QStringLiteral("seed-demo"), QStringLiteral("--db"), m_db->url(),
                                         QStringLiteral("--tenants"), QStringLiteral("2"), QStringLiteral("--users"),
                                         QStringLiteral("200"), QStringLiteral("--events"), QStringLiteral("120000") });
    QVERIFY2(seeded.exitCode == 0, qPrintable(seeded.all()));
    ServerProcess server;
    QVERIFY2(startServer(server,
                         { QStringLiteral("--threads"), QStringLiteral("1"), QStringLiteral("--write-timeout"),
                           QStringLiteral("2") }),
             qPrintable(server.output()));
    const quint16 port = quint16(server.url().port());
    const QByteArray token = login(port);
    QVERIFY(!token.isEmpty());

    RawSocket stalled;
    QVERIFY(stalled.connect(port, 4096));
    QVERIFY(
        stalled.send("GET /api/admin/audit/export?format=jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                     + token + "\r\n\r\n"));
    // A request that queues behind the export and whose client leaves before a worker takes it
    // is not answered into the void. (Real time: the export must have reached the worker first.)
    QTest::qWait(300);
    {
        RawSocket impatient;
        QVERIFY(impatient.connect(port));
        QVERIFY(impatient.send("GET /api/admin/users?limit=7 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                               + token + "\r\n\r\n"));
        QTest::qWait(200); // real time: the impatient client waits a moment, then leaves
    }
    // The one worker is busy with the export now; the stall is noticed after 2 s without progress.
    QTRY_VERIFY_WITH_TIMEOUT(server.log().contains(QStringLiteral("dropped, the client took nothing")), 20000);

    QElapsedTimer timer;
    timer.start();
    auto socket = connectTo(port);
    QVERIFY(socket);
    socket->write("GET /api/admin/users?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: "
                  "Bearer "
                  + token + "\r\n\r\n");
    const QByteArray answer = readResponse(*socket, 10000);
    QVERIFY2(statusOf(answer) == 200, answer.left(300).constData());
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QTRY_VERIFY(server.log().contains(QStringLiteral("/api/admin/audit/export")));
    QVERIFY2(!server.log().contains(QStringLiteral("limit=7")), qPrintable(server.log().right(2000)));
    stopClean(server);
}

// SIGTERM: connections waiting for a request are closed at once, a stalled export (the client
// reads nothing, the write timeout is far away) is ended after the drain time, and the server exits
// with 0.
void TestHttpLimits::shutdownClosesIdleConnectionsAndStalledDownloads()
{
    ServerProcess server;
    QVERIFY2(startServer(server, { QStringLiteral("--threads"), QStringLiteral("2") }), qPrintable(server.output()));
    const quint16 port = quint16(server.url().port());
    const QByteArray token = login(port);
    QVERIFY(!token.isEmpty());
    auto idle = connectTo(port);
    QVERIFY(idle);
    idle->write(healthRequest());
    QCOMPARE(statusOf(readResponse(*idle)), 200);
    RawSocket stalled;
    QVERIFY(stalled.connect(port, 4096));
    QVERIFY(stalled.send("GET /api/admin/audit/export HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                         + "\r\n\r\n"));
    QTest::qWait(1500); // the export fills the buffers and its worker blocks

    QElapsedTimer timer;
    timer.start();
    QSignalSpy finished(server.process(), &QProcess::finished);
    server.process()->terminate();
    QVERIFY2(waitForClose(*idle, 3000), "an idle connection outlived SIGTERM");
    // The drain waits up to 10 s for the stalled export's worker; then it is told that its client is
    // gone and the server exits.
    QVERIFY2(finished.wait(40000), qPrintable(server.log().right(3000)));
    qInfo("SIGTERM to exit: %lld ms", timer.elapsed());
    QVERIFY2(timer.elapsed() < 30000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(server.process()->exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.process()->exitCode(), 0);
    stopClean(server);
}

// TLS 1.2 and 1.3 are served; a client that offers at most TLS 1.1 (with its own security level
// lowered so that it would) gets a protocol-version alert from the server.
void TestHttpLimits::tlsBelow12IsRefused()
{
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty())
        QSKIP("openssl is not installed");
    const QString certificate = m_dir.filePath(QStringLiteral("cert.pem"));
    const QString key = m_dir.filePath(QStringLiteral("key.pem"));
    QString error;
    QVERIFY2(portcullis::test::makeSelfSignedCertificate(certificate, key, &error), qPrintable(error));
    ServerProcess server;
    QVERIFY2(startServer(server, { QStringLiteral("--tls-cert"), certificate, QStringLiteral("--tls-key"), key }),
             qPrintable(server.output()));
    const QString address = QStringLiteral("127.0.0.1:%1").arg(server.url().port());
    auto client = [&](const QString& version) {
        QProcess process;
        process.start(openssl,
                      { QStringLiteral("s_client"), QStringLiteral("-connect"), address, QStringLiteral("-") + version,
                        QStringLiteral("-cipher"), QStringLiteral("DEFAULT:@SECLEVEL=0"), QStringLiteral("-quiet") });
        process.write(healthRequest(true));
        process.waitForFinished(15000);
        return QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
    };
    for (const QString& version : { QStringLiteral("tls1_2"), QStringLiteral("tls1_3") }) {
        const QString answer = client(version);
        QVERIFY2(answer.contains(QStringLiteral("HTTP/1.1 200 OK")), qPrintable(version + QLatin1Char('\n') + answer));
    }
    for (const QString& version : { QStringLiteral("tls1"), QStringLiteral("tls1_1") }) {
        const QString answer = client(version);
        QVERIFY2(!answer.contains(QStringLiteral("HTTP/1.1")), qPrintable(version + QLatin1Char('\n') + answer));
        QVERIFY2(answer.contains(QStringLiteral("protocol version")) || answer.contains(QStringLiteral("no protocols")),
                 qPrintable(version + QLatin1Char('\n') + answer));
    }
    stopClean(server);
}

// The access log is written by a thread of its own (httpserver.cpp, AccessLogWriter): every request
// still gets its line, once, with its own id, including those answered just before the server is
// told to stop.
void TestHttpLimits::accessLogHasALineForEveryRequest()
{
    ServerProcess server;
    QVERIFY2(startServer(server, {}), qPrintable(server.output()));
    const QUrl base(server.baseUrl());
    constexpr int Connections = 8;
    constexpr int Rounds = 60;
    std::vector<std::unique_ptr<QTcpSocket>> sockets;
    for (int c = 0; c < Connections; ++c) {
        auto socket = std::make_unique<QTcpSocket>();
        socket->connectToHost(base.host(), quint16(base.port()));
        QVERIFY(socket->waitForConnected(10000));
        sockets.push_back(std::move(socket));
    }
    // Reads one whole response (head and Content-Length body) and returns its status.
    auto readResponse = [](QTcpSocket& socket) {
        QByteArray data;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 10000) {
            const qsizetype end = data.indexOf("\r\n\r\n");
            if (end >= 0) {
                static const QRegularExpression length(QStringLiteral("(?i)content-length: *([0-9]+)"));
                const auto match = length.match(QString::fromLatin1(data.left(end)));
                const qsizetype body = match.hasMatch() ? match.captured(1).toLongLong() : 0;
                if (data.size() >= end + 4 + body)
                    return data.mid(9, 3).toInt();
            }
            if (!socket.waitForReadyRead(1000) && socket.state() != QAbstractSocket::ConnectedState)
                break;
            data += socket.readAll();
        }
        return 0;
    };
    for (int round = 0; round < Rounds; ++round) {
        for (auto& socket : sockets)
            socket->write("GET /api/health/auth HTTP/1.1\r\nHost: localhost\r\n\r\n");
        for (auto& socket : sockets)
            QCOMPARE(readResponse(*socket), 200);
    }
    sockets.clear();
    server.stop(); // at once: the last lines may still be queued
    const QString log = server.log();
    static const QRegularExpression line(QStringLiteral("#([0-9]+) [^ ]+ \"GET /api/health/auth\" 200 "));
    QSet<qint64> ids;
    int lines = 0;
    for (auto it = line.globalMatch(log); it.hasNext();) {
        ids.insert(it.next().captured(1).toLongLong());
        ++lines;
    }
    QCOMPARE(lines, Connections * Rounds);
    QCOMPARE(int(ids.size()), Connections * Rounds);
}

QTEST_GUILESS_MAIN(TestHttpLimits)
#include "tst_http_limits.moc"
