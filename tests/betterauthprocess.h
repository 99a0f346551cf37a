#pragma once

// The real better-auth server (tests/betterauth/server.mjs, better-auth 1.7.5 pinned by its
// package-lock.json) as tests start it: `node server.mjs` on a free loopback port with a first admin,
// ready once `GET <base>/ok` answers {"ok":true}. scripts/install-deps.sh --test runs `npm ci` there;
// without node or node_modules start() fails and says so (a test that needs the server must fail,
// not skip).

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
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

inline const QString kBetterAuthAdminEmail = QStringLiteral("admin@betterauth.example");
inline const QString kBetterAuthAdminPassword = QStringLiteral("Better-Auth-Admin-7!");
constexpr int kBetterAuthWaitMs = 60000;

// tests/betterauth in the source tree (PORTCULLIS_BETTERAUTH_DIR overrides it).
inline QString betterAuthDirectory()
{
    const QString fromEnvironment = qEnvironmentVariable("PORTCULLIS_BETTERAUTH_DIR");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
#ifdef PORTCULLIS_BETTERAUTH_SOURCE_DIR
    return QStringLiteral(PORTCULLIS_BETTERAUTH_SOURCE_DIR);
#else
    return {};
#endif
}

// A `node server.mjs` process on 127.0.0.1:0.
class BetterAuthProcess
{
public:
    ~BetterAuthProcess() { stop(); }

    // `extra`: more server.mjs arguments (--users N, --rate-limit MAX). On failure `error()` says why.
    bool start(const QStringList& extra = {}, const QString& adminEmail = kBetterAuthAdminEmail,
               const QString& adminPassword = kBetterAuthAdminPassword)
    {
        const QString directory = betterAuthDirectory();
        const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
        if (node.isEmpty())
            return fail(QStringLiteral("node is not installed (scripts/install-deps.sh --test installs it)"));
        if (directory.isEmpty() || !QFileInfo::exists(directory + QStringLiteral("/node_modules/better-auth")))
            return fail(QStringLiteral("better-auth is not installed in %1/node_modules: run scripts/install-deps.sh "
                                       "--test (or npm ci there)")
                            .arg(directory));
        m_process = std::make_unique<QProcess>();
#ifdef Q_OS_LINUX
        m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
#endif
        m_process->setWorkingDirectory(directory);
        QSignalSpy output(m_process.get(), &QProcess::readyReadStandardOutput);
        m_process->start(node,
                         QStringList { QStringLiteral("server.mjs"), QStringLiteral("--port"), QStringLiteral("0"),
                                       QStringLiteral("--admin-email"), adminEmail, QStringLiteral("--admin-password"),
                                       adminPassword }
                             + extra);
        const QRegularExpression ready(QStringLiteral("listening on (http://[0-9.]+:[0-9]+/api/auth)"));
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < kBetterAuthWaitMs) {
            m_stdout += m_process->readAllStandardOutput();
            const QRegularExpressionMatch match = ready.match(QString::fromUtf8(m_stdout));
            if (match.hasMatch()) {
                m_url = QUrl(match.captured(1));
                if (answersOk())
                    return true;
                return fail(QStringLiteral("better-auth printed its URL but GET /ok did not answer: ") + log());
            }
            if (m_process->state() == QProcess::NotRunning)
                return fail(QStringLiteral("better-auth ended at start: ") + log());
            output.wait(500);
        }
        return fail(QStringLiteral("better-auth did not start within a minute: ") + log());
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
        if (!m_process)
            return;
        QSignalSpy finished(m_process.get(), &QProcess::finished);
        m_process->kill();
        finished.wait(5000);
    }
    // better-auth's base path, "http://127.0.0.1:PORT/api/auth", without a trailing slash.
    QUrl url() const
    {
        return m_url;
    }
    QString baseUrl() const
    {
        return m_url.toString();
    }
    QString error() const
    {
        return m_error;
    }
    QString log()
    {
        if (m_process)
            m_stderr += m_process->readAllStandardError();
        return QString::fromUtf8(m_stderr);
    }

private:
    bool fail(const QString& why)
    {
        m_error = why;
        stop();
        return false;
    }
    bool answersOk()
    {
        QNetworkAccessManager network;
        for (int attempt = 0; attempt < 20; ++attempt) {
            QNetworkReply* reply = network.get(QNetworkRequest(QUrl(baseUrl() + QStringLiteral("/ok"))));
            QSignalSpy finished(reply, &QNetworkReply::finished);
            finished.wait(5000);
            const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
            reply->deleteLater();
            if (answer.value(QStringLiteral("ok")).toBool())
                return true;
            QSignalSpy pause(m_process.get(), &QProcess::readyReadStandardError);
            pause.wait(250);
        }
        return false;
    }

    std::unique_ptr<QProcess> m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QUrl m_url;
    QString m_error;
};

} // namespace portcullis::test
