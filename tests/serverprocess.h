#pragma once

// The real portcullis-server (PORTCULLIS_SERVER_BIN) as tests start it: `init` for the first super
// admin, `serve` on a loopback port, and a self-signed certificate for TLS.

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QUrl>

#include <csignal>
#include <memory>

#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

namespace portcullis::test {

inline const QString kRootEmail = QStringLiteral("root@portcullis.example");
inline const QString kRootPassword = QStringLiteral("Gatekeeper-7-Raven!");
constexpr int kServerWaitMs = 60000;

inline QString serverBinary()
{
    return qEnvironmentVariable("PORTCULLIS_SERVER_BIN");
}

// One run of a portcullis-server command to its end: exit code (-1 when it crashed or did not
// start), standard output and error.
struct CommandRun
{
    int exitCode = -1;
    QString out;
    QString err;

    QString all() const { return out + err; }
};

// Runs `program` (the server by default) with `arguments`, writing `input` to its standard input.
inline CommandRun runCommand(const QStringList& arguments, const QByteArray& input = {}, const QString& program = {})
{
    QProcess process;
    process.start(program.isEmpty() ? serverBinary() : program, arguments);
    CommandRun run;
    if (!process.waitForStarted(10000)) {
        run.err = process.errorString();
        return run;
    }
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(240000)) {
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

// `portcullis-server init` on `database`: the first organization and its super admin.
inline bool initDeployment(const QString& database, const QString& folder, QString* error)
{
    const QString passwordFile = folder + QStringLiteral("/admin-password");
    QFile file(passwordFile);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    file.write(kRootPassword.toUtf8() + '\n');
    file.close();
    QProcess init;
    QSignalSpy done(&init, &QProcess::finished);
    init.start(serverBinary(),
               { QStringLiteral("init"), QStringLiteral("--db"), database, QStringLiteral("--admin-email"), kRootEmail,
                 QStringLiteral("--admin-password-file"), passwordFile });
    if (!done.wait(kServerWaitMs) || init.exitCode() != 0) {
        *error = QString::fromUtf8(init.readAllStandardError());
        return false;
    }
    return true;
}

// A portcullis-server serve process on 127.0.0.1:0, ready once it printed its URL.
class ServerProcess
{
public:
    ~ServerProcess() { stop(); }

    // `readyLine`: what start() waits for, with the URL as its first capture (by default the line
    // that says the server serves requests).
    bool start(const QString& database, const QString& secretFile, const QStringList& extra = {},
               const QString& readyLine = QStringLiteral("listening on (https?://[0-9.]+:[0-9]+)"))
    {
        m_process = std::make_unique<QProcess>();
#ifdef Q_OS_LINUX
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
        QStringList arguments { QStringLiteral("serve"),
                                QStringLiteral("--db"),
                                database,
                                QStringLiteral("--listen"),
                                QStringLiteral("127.0.0.1:0"),
                                QStringLiteral("--jwt-secret-file"),
                                secretFile };
        // Scheduled maintenance (removing expired rows, writing maintenance.run events) stays off
        // unless a test asks for it: it would change what the other suites count.
        if (!extra.contains(QStringLiteral("--maintenance-interval")))
            arguments << QStringLiteral("--maintenance-interval") << QStringLiteral("0");
        arguments += extra;
        QSignalSpy output(m_process.get(), &QProcess::readyReadStandardOutput);
        m_process->start(serverBinary(), arguments);
        const QRegularExpression ready(readyLine);
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < kServerWaitMs) {
            m_stdout += m_process->readAllStandardOutput();
            const QRegularExpressionMatch match = ready.match(QString::fromUtf8(m_stdout));
            if (match.hasMatch()) {
                m_url = QUrl(match.captured(1));
                return true;
            }
            if (m_process->state() == QProcess::NotRunning)
                return false;
            output.wait(500);
        }
        return false;
    }
    void stop()
    {
        if (!m_process || m_process->state() == QProcess::NotRunning)
            return;
        QSignalSpy finished(m_process.get(), &QProcess::finished);
        m_process->terminate();
        if (!finished.wait(10000)) {
            m_process->kill();
            finished.wait(5000);
        }
    }
    void kill()
    {
        QSignalSpy finished(m_process.get(), &QProcess::finished);
        m_process->kill();
        finished.wait(5000);
    }
    QUrl url() const
    {
        return m_url;
    }
    QString baseUrl() const // "https://127.0.0.1:PORT", without a trailing slash
    {
        return m_url.toString();
    }
    QProcess* process()
    {
        return m_process.get();
    }
    QString log()
    {
        if (m_process)
            m_stderr += m_process->readAllStandardError();
        return QString::fromUtf8(m_stderr);
    }
    QString output()
    {
        if (m_process)
            m_stdout += m_process->readAllStandardOutput();
        return QString::fromUtf8(m_stdout) + log();
    }
    int count(const QString& needle)
    {
        return int(log().count(needle));
    }

private:
    std::unique_ptr<QProcess> m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QUrl m_url;
};

// A self-signed certificate for localhost and 127.0.0.1 (openssl req), valid for a day.
// Returns false with the reason when openssl is missing or fails.
inline bool makeSelfSignedCertificate(const QString& certificate, const QString& key, QString* error)
{
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty()) {
        *error = QStringLiteral("openssl is not installed");
        return false;
    }
    QProcess process;
    QSignalSpy done(&process, &QProcess::finished);
    process.start(openssl,
                  { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                    QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-subj"),
                    QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
                    QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1"), QStringLiteral("-days"),
                    QStringLiteral("1"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), certificate });
    if (!done.wait(kServerWaitMs) || process.exitCode() != 0) {
        *error = QString::fromUtf8(process.readAllStandardError());
        return false;
    }
    return true;
}

} // namespace portcullis::test
