#pragma once

// A PostgreSQL 15 cluster of a test's own, which the test may stop and start (tst_faults,
// tst_gui_faults), plus small process helpers that keep the event loop running.

#include "serverprocess.h"
#include "sql/auditkey.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>

#include <memory>

#include <pwd.h>
#include <unistd.h>

namespace portcullis::test {

inline const QString kPgBin = QStringLiteral("/usr/lib/postgresql/15/bin");

// A PostgreSQL deployment's audit key: PORTCULLIS_AUDIT_KEY_FILE names `path` for this process and
// the portcullis-server processes it starts, for the life of the object, then what it was before.
class AuditKeyEnvironment
{
public:
    explicit AuditKeyEnvironment(const QString& path)
        : m_previous(qgetenv(auditkey::kEnvironmentVariable))
    {
        qputenv(auditkey::kEnvironmentVariable, QFile::encodeName(path));
    }
    ~AuditKeyEnvironment()
    {
        if (m_previous.isEmpty())
            qunsetenv(auditkey::kEnvironmentVariable);
        else
            qputenv(auditkey::kEnvironmentVariable, m_previous);
    }
    AuditKeyEnvironment(const AuditKeyEnvironment&) = delete;
    AuditKeyEnvironment& operator=(const AuditKeyEnvironment&) = delete;

private:
    QByteArray m_previous;
};

// A process run to its end without blocking the event loop (the load keeps going meanwhile).
inline CommandRun runAsync(const QString& program, const QStringList& arguments, int timeoutMs = 60000)
{
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.start(program, arguments);
    CommandRun run;
    if (!process.waitForStarted(10000)) {
        run.err = process.errorString();
        return run;
    }
    if (!finished.wait(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        run.err = QStringLiteral("timed out");
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

inline quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

// A PostgreSQL 15 cluster of the test's own in a temporary folder, on 127.0.0.1 and a free port, with
// trust authentication for its superuser "portcullis". PostgreSQL refuses to run as root: then the
// folder is given to the "postgres" user and the tools run as that user (runuser), as
// scripts/start-postgres.sh does for the shared cluster.
class PrivatePostgres
{
public:
    ~PrivatePostgres()
    {
        if (m_started)
            runAsync(QStringLiteral("runuser"),
                     asUser(QStringLiteral("pg_ctl"),
                            { QStringLiteral("-D"), dataDir(), QStringLiteral("-m"), QStringLiteral("immediate"),
                              QStringLiteral("-w"), QStringLiteral("stop") }));
    }

    static bool available() { return QFileInfo(kPgBin + QStringLiteral("/initdb")).isExecutable(); }

    bool create(QString* error)
    {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temporary folder");
            return false;
        }
        m_root = ::geteuid() == 0;
        if (m_root) {
            const passwd* user = ::getpwnam("postgres");
            if (!user) {
                *error = QStringLiteral("running as root and there is no postgres user to run PostgreSQL as");
                return false;
            }
            if (::chown(QFile::encodeName(m_dir.path()).constData(), user->pw_uid, user->pw_gid) != 0) {
                *error = QStringLiteral("cannot give %1 to the postgres user").arg(m_dir.path());
                return false;
            }
        }
        m_port = freePort();
        const CommandRun init = run(QStringLiteral("initdb"),
                                    { QStringLiteral("-D"), dataDir(), QStringLiteral("-U"),
                                      QStringLiteral("portcullis"), QStringLiteral("-A"), QStringLiteral("trust"),
                                      QStringLiteral("-E"), QStringLiteral("UTF8"), QStringLiteral("--no-sync") });
        if (init.exitCode != 0) {
            *error = QStringLiteral("initdb failed: ") + init.all();
            return false;
        }
        return start(error);
    }
    bool start(QString* error)
    {
        const CommandRun started = run(
            QStringLiteral("pg_ctl"),
            { QStringLiteral("-D"), dataDir(), QStringLiteral("-o"),
              QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off").arg(m_port).arg(m_dir.path()),
              QStringLiteral("-l"), m_dir.filePath(QStringLiteral("server.log")), QStringLiteral("-w"),
              QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("start") });
        m_started = started.exitCode == 0;
        if (!m_started)
            *error = QStringLiteral("pg_ctl start failed: ") + started.all() + serverLog();
        return m_started;
    }
    // `mode`: "fast" (sessions are ended) or "immediate" (the server quits at once, as in a crash).
    bool stop(const QString& mode, QString* error)
    {
        const CommandRun stopped = run(QStringLiteral("pg_ctl"),
                                       { QStringLiteral("-D"), dataDir(), QStringLiteral("-m"), mode,
                                         QStringLiteral("-w"), QStringLiteral("stop") });
        if (stopped.exitCode != 0) {
            *error = QStringLiteral("pg_ctl stop failed: ") + stopped.all();
            return false;
        }
        m_started = false;
        return true;
    }
    quint16 port() const { return m_port; }
    QString url() const { return QStringLiteral("postgresql://portcullis@127.0.0.1:%1/postgres").arg(m_port); }
    QString serverLog() const
    {
        QFile file(m_dir.filePath(QStringLiteral("server.log")));
        return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll().right(3000)) : QString();
    }

private:
    QString dataDir() const { return m_dir.filePath(QStringLiteral("data")); }
    QStringList asUser(const QString& tool, const QStringList& arguments) const
    {
        return QStringList { QStringLiteral("-u"), QStringLiteral("postgres"), QStringLiteral("--"),
                             kPgBin + QLatin1Char('/') + tool }
        + arguments;
    }
    CommandRun run(const QString& tool, const QStringList& arguments) const
    {
        if (m_root)
            return runAsync(QStringLiteral("runuser"), asUser(tool, arguments));
        return runAsync(kPgBin + QLatin1Char('/') + tool, arguments);
    }

    QTemporaryDir m_dir;
    bool m_root = false;
    bool m_started = false;
    quint16 m_port = 0;
};

// A deployment on a private PostgreSQL: the cluster, a folder for the JWT secret and the audit
// key (named to every process through AuditKeyEnvironment), and `init`'s first super admin
// (kRootEmail / kRootPassword). What the fault tests stop and start under a server or console.
struct PostgresDeployment
{
    PrivatePostgres postgres;
    QTemporaryDir dir;
    std::unique_ptr<AuditKeyEnvironment> auditKey;

    bool create(QString* error)
    {
        if (!postgres.create(error))
            return false;
        auditKey = std::make_unique<AuditKeyEnvironment>(dir.filePath(QStringLiteral("audit-key")));
        return initDeployment(postgres.url(), dir.path(), error);
    }
    QString url() const { return postgres.url(); }
    QString jwtSecretFile() const { return dir.filePath(QStringLiteral("jwt-secret")); }
};

} // namespace portcullis::test

// In a test function: skips when the PostgreSQL 15 server binaries are missing.
#define SKIP_WITHOUT_PRIVATE_POSTGRES()                                                                                \
    do {                                                                                                               \
        if (!portcullis::test::PrivatePostgres::available())                                                           \
            QSKIP("The PostgreSQL 15 server binaries (/usr/lib/postgresql/15/bin, package postgresql-15) are not "     \
                  "installed: cannot run a private PostgreSQL to stop");                                               \
    } while (false)
