#include "serve.h"

#include "httpapi.h"
#include "httpserver.h"
#include "jwt.h"
#include "security/crypto.h"
#include "sql/auditkey.h"
#include "sql/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLockFile>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSocketNotifier>
#include <QSqlQuery>
#include <QSslCertificate>
#include <QSslKey>
#include <QThread>
#include <QTimer>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <csignal>
#include <cstdio>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portcullis::server {

namespace {

class Cli
{
    Q_DECLARE_TR_FUNCTIONS(Cli)
};

const QString kServe = QStringLiteral("serve");

void serveError(const QString& message)
{
    printErr(QStringLiteral("%1 %2: %3").arg(programName(), kServe, message));
}

// The settings this start took from the environment (PORTCULLIS_THREADS=8, ...), named in a usage
// error so that a bad value in /etc/default/portcullis-server is found where it was written.
QStringList g_settingsFromEnvironment;

void usageError(const QString& message)
{
    serveError(message);
    if (!g_settingsFromEnvironment.isEmpty())
        printErr(
            Cli::tr("(settings from the environment: %1)").arg(g_settingsFromEnvironment.join(QStringLiteral(", "))));
    printErr(Cli::tr("Try '%1 %2 --help'.").arg(programName(), kServe));
}

// Messages without a category come from libraries: the SQL drivers above all (the PostgreSQL
// driver prints the server's notices, "WARNING: ..." or a "server closed the connection
// unexpectedly" over several lines, with plain qWarning). Each becomes one line under a category:
// portcullis.sql for the database's, qt for the rest, so a log reader can filter and grep them.
QtMessageHandler g_defaultMessageHandler = nullptr;

void oneCategorisedLine(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (context.category && qstrcmp(context.category, "default") != 0 && !message.contains(QLatin1Char('\n'))) {
        g_defaultMessageHandler(type, context, message);
        return;
    }
    QStringList lines = message.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (QString& line : lines)
        line = line.trimmed();
    lines.removeAll(QString());
    const QString text = lines.join(QStringLiteral(" | "));
    const char* category = context.category;
    if (!category || qstrcmp(category, "default") == 0) {
        static const QRegularExpression database(
            QStringLiteral("^(WARNING|NOTICE|INFO|LOG|DEBUG|ERROR|FATAL|PANIC):|QPSQL|QSQLITE|QSql|server closed the "
                           "connection|connection to server"));
        category = database.match(text).hasMatch() ? "portcullis.sql" : "qt";
    }
    const QMessageLogContext categorised(context.file, context.line, context.function, category);
    g_defaultMessageHandler(type, categorised, text);
}

// SIGINT/SIGTERM -> a byte on a socket pair -> QSocketNotifier -> quit, on the main thread.
int g_signalFds[2] = { -1, -1 };

void onSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(g_signalFds[0], &byte, 1);
}

// Reads and checks the certificate chain and key with Qt, for messages that name the file; the
// server (asio::ssl on OpenSSL) takes the PEM bytes.
struct TlsFiles
{
    http::HttpServer::TlsPem pem;
    QString subject; // the certificate's common name
    QDateTime expires; // UTC
};

Result<TlsFiles> loadTls(const QString& certificateFile, const QString& keyFile)
{
    // A missing file is named as missing, not as one without a certificate.
    for (const auto& [option, path] : { std::pair { QStringLiteral("tls-cert"), certificateFile },
                                        std::pair { QStringLiteral("tls-key"), keyFile } }) {
        if (!QFileInfo::exists(path))
            return ServiceError::validationField(option, Cli::tr("--%1 %2: the file does not exist").arg(option, path));
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certificateFile, QSsl::Pem);
    if (chain.isEmpty())
        return ServiceError::validationField(QStringLiteral("tls-cert"),
                                             Cli::tr("no PEM certificate could be read from %1").arg(certificateFile));
    QFile file(keyFile);
    if (!file.open(QIODevice::ReadOnly))
        return ServiceError::validationField(QStringLiteral("tls-key"),
                                             Cli::tr("cannot read %1: %2").arg(keyFile, file.errorString()));
    const QByteArray pem = file.readAll();
    QSslKey key;
    for (const QSsl::KeyAlgorithm algorithm : { QSsl::Rsa, QSsl::Ec, QSsl::Dsa }) {
        key = QSslKey(pem, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull())
        return ServiceError::validationField(
            QStringLiteral("tls-key"),
            Cli::tr("%1 holds no unencrypted PEM private key (RSA, EC or DSA)").arg(keyFile));
    // A key of another certificate would let the server start and then fail every handshake, with
    // nothing in the log: refuse it here, with OpenSSL's own check (the library that serves TLS).
    {
        const QByteArray certificatePem = chain.constFirst().toPem();
        const QByteArray keyPem = key.toPem();
        BIO* certificateBio = BIO_new_mem_buf(certificatePem.constData(), int(certificatePem.size()));
        BIO* keyBio = BIO_new_mem_buf(keyPem.constData(), int(keyPem.size()));
        X509* x509 = certificateBio ? PEM_read_bio_X509(certificateBio, nullptr, nullptr, nullptr) : nullptr;
        EVP_PKEY* privateKey = keyBio ? PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr) : nullptr;
        const bool matches = x509 && privateKey && X509_check_private_key(x509, privateKey) == 1;
        ERR_clear_error();
        EVP_PKEY_free(privateKey);
        X509_free(x509);
        BIO_free(keyBio);
        BIO_free(certificateBio);
        if (!matches)
            return ServiceError::validationField(
                QStringLiteral("tls-key"),
                Cli::tr("%1 is not the private key of the certificate in %2 (the first certificate of the file); "
                        "give the key that was made with that certificate")
                    .arg(keyFile, certificateFile));
    }
    const QSslCertificate& leaf = chain.constFirst();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString subject = leaf.subjectInfo(QSslCertificate::CommonName).join(QStringLiteral(", "));
    if (leaf.expiryDate() <= now)
        return ServiceError::validationField(
            QStringLiteral("tls-cert"),
            Cli::tr("the certificate in %1 (%2) expired on %3 UTC; renew it")
                .arg(certificateFile, subject, leaf.expiryDate().toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
    if (leaf.effectiveDate() > now)
        return ServiceError::validationField(
            QStringLiteral("tls-cert"),
            Cli::tr("the certificate in %1 (%2) is not valid before %3 UTC (check the clock of this host)")
                .arg(certificateFile, subject,
                     leaf.effectiveDate().toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
    TlsFiles tls;
    for (const QSslCertificate& certificate : chain)
        tls.pem.certificateChain += certificate.toPem();
    tls.pem.privateKey = key.toPem();
    tls.subject = subject;
    tls.expires = leaf.expiryDate().toUTC();
    return tls;
}

// Opens the database once on this thread: applies pending migrations (0002 adds the server's
// tables) and makes sure it was initialised. `auditKeyFault` is set when what failed is the audit
// key (its own exit status), not the database.
Status prepareDatabase(const DatabaseConfig& config, const QString& auditKeyFile, bool* auditKeyFault)
{
    *auditKeyFault = false;
    const QString name = QStringLiteral("portcullis-serve-setup");
    Status status;
    {
        auto opened = openDatabase(config, name, false);
        if (!opened) {
            if (opened.error().code == ErrorCode::NotFound && config.dialect == Dialect::Sqlite)
                return ServiceError::notFound(
                    Cli::tr("%1; create it with \"%2 init --db %3 --admin-email EMAIL --admin-password-file FILE\"")
                        .arg(opened.error().message, programName(), config.path));
            return opened.error();
        }
        QSqlDatabase& db = opened.value();
        if (schemaVersion(db) == 0) {
            status = ServiceError::notFound(Cli::tr("%1 is not a Portcullis database yet; run \"%2 init\" first")
                                                .arg(config.displayName(), programName()));
        } else {
            const int before = schemaVersion(db);
            SqlStore store(db, config.dialect);
            store.core().setAuditKeyFile(auditKeyFile);
            status = store.prepare();
            // Another server starting at the same moment may have applied the same migration.
            if (!status && schemaVersion(db) == latestSchemaVersion())
                status = store.roles().seedCatalog();
            // A schema change is something an operator wants to read in the log, not discover.
            if (const int after = schemaVersion(db); status && after != before)
                printOut(Cli::tr("migrated %1 from schema version %2 to %3")
                             .arg(config.displayName())
                             .arg(before)
                             .arg(after));
            if (status) {
                QSqlQuery q(db);
                if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM users")) || !q.next())
                    status = ServiceError::storage(Cli::tr("cannot read the users of %1").arg(config.displayName()));
                else if (q.value(0).toLongLong() == 0)
                    status = ServiceError::notFound(
                        Cli::tr("%1 has no users; run \"%2 init\" first").arg(config.displayName(), programName()));
            }
            // No request is served without the audit key: every change writes a keyed event.
            if (status) {
                if (auto key = store.core().auditKey(); !key) {
                    status = key.error();
                    *auditKeyFault = true;
                }
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return status;
}

// Checkpoints the audit chain's head beside the audit key, on the main thread over a connection of
// its own: every `checkpointSeconds` and once more at shutdown. A connection lost with the database
// (PostgreSQL restarted) is opened again on the next checkpoint.
class Checkpointer
{
public:
    Checkpointer(const DatabaseConfig& config, const QString& auditKeyFile)
        : m_config(config)
        , m_auditKeyFile(auditKeyFile)
        , m_name(QStringLiteral("portcullis-serve-checkpoint"))
    {
        open();
    }
    ~Checkpointer() { close(); }
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    void write()
    {
        if (!m_store && !open())
            return;
        auto written = m_store->audit().writeCheckpoint();
        if (!written) {
            if (written.error().code == ErrorCode::Unavailable) {
                qCWarning(lcHttp) << "audit checkpoint postponed:" << written.error().message;
                close(); // reconnect next time
                return;
            }
            // A head the last checkpoint no longer finds is evidence: keep saying so, never overwrite it.
            qCCritical(lcHttp) << "audit checkpoint:" << written.error().message;
            return;
        }
        if (written->counter != m_lastCounter)
            qCInfo(lcHttp) << "audit checkpoint" << written->counter << "at event" << written->lastId;
        m_lastCounter = written->counter;
    }

private:
    bool open()
    {
        auto db = openDatabase(m_config, m_name, false);
        if (!db) {
            qCWarning(lcHttp) << "cannot open the database for audit checkpoints:" << db.error().message;
            return false;
        }
        m_store = std::make_unique<SqlStore>(*db, m_config.dialect);
        m_store->core().setAuditKeyFile(m_auditKeyFile);
        return true;
    }
    void close()
    {
        m_store.reset();
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }

    DatabaseConfig m_config;
    QString m_auditKeyFile;
    QString m_name;
    std::unique_ptr<SqlStore> m_store;
    qint64 m_lastCounter = -1;
};

// Runs maintenance (MaintenanceManager: expired sessions, tokens and invitations, the audit
// retention) on the main thread over a connection of its own, every `intervalSeconds` with a jitter
// of +-10 % (the first run within about five minutes of start), as the system actor. Several servers on one
// database: the run takes the deployment-wide "maintenance" lock, and one that finds a run started
// less than half an interval ago (by any server) does nothing, so the servers between them run it
// about once per interval.
class Maintainer
{
public:
    Maintainer(const DatabaseConfig& config, const QString& auditKeyFile, int intervalSeconds)
        : m_config(config)
        , m_auditKeyFile(auditKeyFile)
        , m_name(QStringLiteral("portcullis-serve-maintenance"))
        , m_intervalMs(qint64(intervalSeconds) * 1000)
    {
        m_timer.setSingleShot(true);
        m_timer.setTimerType(Qt::VeryCoarseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this]() {
            run();
            schedule(jittered(m_intervalMs));
        });
    }
    ~Maintainer() { close(); }
    Maintainer(const Maintainer&) = delete;
    Maintainer& operator=(const Maintainer&) = delete;

    void start()
    {
        if (m_intervalMs > 0)
            schedule(jittered(std::min<qint64>(m_intervalMs, 5 * 60000)));
    }
    void stop() { m_timer.stop(); }

private:
    static qint64 jittered(qint64 ms)
    {
        return std::max<qint64>(100, ms * (900 + QRandomGenerator::global()->bounded(201)) / 1000);
    }
    void schedule(qint64 ms)
    {
        if (m_intervalMs > 0)
            m_timer.start(int(std::min<qint64>(ms, std::numeric_limits<int>::max())));
    }
    void run()
    {
        if (!m_store && !open())
            return;
        auto done = m_store->maintenance().run(Actor::system(), QStringLiteral("schedule"), m_intervalMs / 2);
        if (!done) {
            if (done.error().code == ErrorCode::Conflict) {
                qCInfo(lcHttp) << "maintenance: another run is under way; skipped";
                return;
            }
            qCWarning(lcHttp) << "maintenance failed:" << done.error().message;
            if (done.error().code == ErrorCode::Unavailable)
                close(); // reconnect next time
            return;
        }
        if (done->id == 0)
            return; // another server ran it within this interval
        qCInfo(lcHttp).noquote() << QStringLiteral("maintenance run %1: removed %2 sessions, %3 tokens, %4 "
                                                   "invitations, %5 audit events")
                                        .arg(done->id)
                                        .arg(done->sessionsRemoved)
                                        .arg(done->tokensRemoved)
                                        .arg(done->invitationsRemoved)
                                        .arg(done->auditEventsRemoved);
    }
    bool open()
    {
        auto db = openDatabase(m_config, m_name, false);
        if (!db) {
            qCWarning(lcHttp) << "cannot open the database for maintenance:" << db.error().message;
            return false;
        }
        m_store = std::make_unique<SqlStore>(*db, m_config.dialect);
        m_store->core().setAuditKeyFile(m_auditKeyFile);
        return true;
    }
    void close()
    {
        m_store.reset();
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }

    DatabaseConfig m_config;
    QString m_auditKeyFile;
    QString m_name;
    qint64 m_intervalMs;
    QTimer m_timer;
    std::unique_ptr<SqlStore> m_store;
};

} // namespace

QString settingVariable(const QString& option)
{
    return QStringLiteral("PORTCULLIS_") + option.toUpper().replace(QLatin1Char('-'), QLatin1Char('_'));
}

bool parseListenAddress(const QString& text, QHostAddress* address, quint16* port)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon < 0)
        return false;
    QString host = text.left(colon).trimmed();
    bool ok = false;
    const uint number = text.mid(colon + 1).toUInt(&ok);
    if (!ok || number > 65535)
        return false;
    *port = quint16(number);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (host.isEmpty() || host == QLatin1String("*")) {
        *address = QHostAddress::Any;
        return true;
    }
    if (host == QLatin1String("localhost")) {
        *address = QHostAddress::LocalHost;
        return true;
    }
    const QHostAddress parsed(host);
    if (parsed.isNull())
        return false;
    *address = parsed;
    return true;
}

Result<QByteArray> loadOrCreateJwtSecret(const QString& path, bool mayCreate, bool* created)
{
    if (created)
        *created = false;
    const QByteArray native = QFile::encodeName(path);
    for (int attempt = 0; attempt < 2; ++attempt) {
        const QFileInfo info(path);
        if (info.exists()) {
            const QFileDevice::Permissions open
                = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther;
            if (info.permissions() & open)
                return ServiceError::validationField(
                    QStringLiteral("jwt-secret-file"),
                    Cli::tr("%1 may be read by other users; restrict it with \"chmod 600 %1\"").arg(path));
            QFile file(path);
            if (!file.open(QIODevice::ReadOnly))
                return ServiceError::validationField(QStringLiteral("jwt-secret-file"),
                                                     Cli::tr("cannot read %1: %2").arg(path, file.errorString()));
            const QByteArray secret = file.read(4096);
            if (secret.size() < jwt::MinimumSecretBytes)
                return ServiceError::validationField(QStringLiteral("jwt-secret-file"),
                                                     Cli::tr("%1 holds %2 bytes; a signing secret needs at least %3")
                                                         .arg(path)
                                                         .arg(secret.size())
                                                         .arg(jwt::MinimumSecretBytes));
            return secret;
        }
        if (!mayCreate)
            return ServiceError::validationField(
                QStringLiteral("jwt-secret-file"),
                Cli::tr("%1 does not exist, and --no-create-secret forbids making a new one: copy the signing secret "
                        "of this deployment's other servers there (mode 0600), or start the first server without "
                        "--no-create-secret")
                    .arg(path));
        if (!info.absoluteDir().exists())
            return ServiceError::validationField(
                QStringLiteral("jwt-secret-file"),
                Cli::tr("the folder of %1 does not exist").arg(QDir::toNativeSeparators(info.absolutePath())));
        QByteArray secret = crypto::randomBytes(32);
        if (secret.size() != 32)
            return ServiceError::unavailable(Cli::tr("the system could not generate a secure secret"));
        // Written whole to a private temporary file, then linked into place: link() fails when the
        // file appeared meanwhile, and then everyone reads the one that won.
        const QByteArray temporary = native + ".tmp-" + QByteArray::number(QCoreApplication::applicationPid()) + '-'
            + crypto::randomToken(6).toLatin1();
        const int fd = ::open(temporary.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return ServiceError::storage(
                Cli::tr("cannot create %1: %2").arg(path, QString::fromLocal8Bit(strerror(errno))));
        const bool written
            = ::write(fd, secret.constData(), size_t(secret.size())) == secret.size() && ::fsync(fd) == 0;
        ::close(fd);
        secret.fill('\0');
        if (!written) {
            ::unlink(temporary.constData());
            return ServiceError::storage(Cli::tr("cannot write %1").arg(path));
        }
        const int linked = ::link(temporary.constData(), native.constData());
        const int linkError = errno;
        ::unlink(temporary.constData());
        if (linked != 0 && linkError != EEXIST)
            return ServiceError::storage(
                Cli::tr("cannot create %1: %2").arg(path, QString::fromLocal8Bit(strerror(linkError))));
        if (linked == 0 && created)
            *created = true;
        // Read it back (ours, or the one another server created first).
    }
    return ServiceError::storage(Cli::tr("cannot create %1").arg(path));
}

namespace {

// The options of `serve`, in the order --help lists them.
struct ServeCli
{
    const QCommandLineOption help { QStringList { QStringLiteral("h"), QStringLiteral("help") },
                                    Cli::tr("Show this help and exit.") };
    const QCommandLineOption db { QStringList { QStringLiteral("db"), QStringLiteral("database") },
                                  Cli::tr("SQLite database file, or a PostgreSQL URL such as "
                                          "postgresql://user:pass@host/db"),
                                  QStringLiteral("PATH_OR_URL") };
    const QCommandLineOption listen { QStringLiteral("listen"),
                                      Cli::tr("Address and port, e.g. 127.0.0.1:8443, [::]:8443 or *:8443 (port 0 "
                                              "picks a free port; the chosen one is printed)."),
                                      QStringLiteral("HOST:PORT") };
    const QCommandLineOption cert { QStringLiteral("tls-cert"),
                                    Cli::tr("PEM certificate (then its chain) to serve HTTPS with."),
                                    QStringLiteral("FILE") };
    const QCommandLineOption key { QStringLiteral("tls-key"), Cli::tr("PEM private key of the certificate."),
                                   QStringLiteral("FILE") };
    const QCommandLineOption secret {
        QStringLiteral("jwt-secret-file"),
        Cli::tr("File with the secret that signs access tokens (created with 32 random bytes, mode 0600, when "
                "missing). Servers sharing a database must share it. Default for SQLite: <database>.jwt-secret; "
                "required for PostgreSQL."),
        QStringLiteral("FILE")
    };
    const QCommandLineOption noCreateSecret {
        QStringLiteral("no-create-secret"),
        Cli::tr("Refuse to start when the JWT secret file is missing instead of making a new one (a second host "
                "must use the first host's secret).")
    };
    const QCommandLineOption auditKey {
        QStringLiteral("audit-key"),
        Cli::tr("File with the audit key that authenticates the audit log (made by \"init\", mode 0600); checkpoints "
                "of the log's head are written beside it. Servers sharing a database must share it. Default for "
                "SQLite: <database>.audit-key; for PostgreSQL $%1, else <jwt-secret-file>.audit-key.")
            .arg(QLatin1String(auditkey::kEnvironmentVariable)),
        QStringLiteral("FILE")
    };
    const QCommandLineOption startupWait {
        QStringLiteral("startup-wait"),
        Cli::tr("Seconds to keep trying at start while the database cannot be reached (default 60; 0: do not "
                "wait)."),
        QStringLiteral("SECONDS")
    };
    const QCommandLineOption checkpointInterval {
        QStringLiteral("checkpoint-interval"),
        Cli::tr("Seconds between two checkpoints of the audit log's head (default 60; 1 to 86400)."),
        QStringLiteral("SECONDS")
    };
    const QCommandLineOption maintenanceInterval {
        QStringLiteral("maintenance-interval"),
        Cli::tr("Seconds between two maintenance runs (expired sessions, tokens and invitations; the audit "
                "retention setting), each with a jitter of 10 % (default 3600; 0: never; at most 604800). Servers "
                "sharing a database run it about once per interval between them."),
        QStringLiteral("SECONDS")
    };
    const QCommandLineOption threads { QStringLiteral("threads"),
                                       Cli::tr("Worker threads, each with its own database connection (default twice "
                                               "the number of processors, at least 4)."),
                                       QStringLiteral("N") };
    const QCommandLineOption passwordThreads {
        QStringLiteral("password-threads"),
        Cli::tr("Threads that answer sign-ins and reset redemptions, which hash passwords, apart from the workers "
                "(default half the cores; 0 shares the workers)."),
        QStringLiteral("N")
    };
    const QCommandLineOption queueLimit {
        QStringLiteral("queue-limit"),
        Cli::tr("Requests that may wait for a worker (and, apart, for a password thread) before new ones are "
                "answered at once with 503 and Retry-After (default 64 per worker thread, 16 per password thread)."),
        QStringLiteral("N")
    };
    const QCommandLineOption proxy {
        QStringLiteral("trusted-proxy"),
        Cli::tr("Address or subnet (e.g. 10.0.0.5 or 10.0.0.0/24) of a load balancer in front of this server: "
                "for its requests the client address is taken from X-Forwarded-For. Repeatable."),
        QStringLiteral("ADDRESS[/BITS]")
    };
    const QCommandLineOption headerTimeout {
        QStringLiteral("header-timeout"),
        Cli::tr("Seconds a request's line and headers may take from their first byte (and a new connection "
                "to start them); a client that is slower is disconnected (default 10)."),
        QStringLiteral("SECONDS")
    };
    const QCommandLineOption minBodyRate {
        QStringLiteral("min-body-rate"),
        Cli::tr("Bytes per second a request body must at least arrive at: the body may take the header "
                "timeout plus its size at this rate (default 8192)."),
        QStringLiteral("BYTES")
    };
    const QCommandLineOption idleTimeout {
        QStringLiteral("idle-timeout"),
        Cli::tr("Seconds a kept-alive connection may wait for its next request (default 30)."),
        QStringLiteral("SECONDS")
    };
    const QCommandLineOption writeTimeout {
        QStringLiteral("write-timeout"),
        Cli::tr("Seconds a client may take nothing of an answer (a stalled download) before it is "
                "disconnected and its worker freed (default 60)."),
        QStringLiteral("SECONDS")
    };
    const QCommandLineOption maxConnections {
        QStringLiteral("max-connections"),
        Cli::tr("Connections open at once; more are closed at once (default: what the file descriptor limit "
                "allows, after room for the database and the log)."),
        QStringLiteral("N")
    };
    const QCommandLineOption maxPerAddress {
        QStringLiteral("max-connections-per-address"),
        Cli::tr("Connections open at once from one address, as the socket sees it; more are closed at once "
                "(default 64; 0: no limit)."),
        QStringLiteral("N")
    };

    QList<QCommandLineOption> all() const
    {
        return { help,
                 db,
                 listen,
                 cert,
                 key,
                 secret,
                 noCreateSecret,
                 auditKey,
                 startupWait,
                 checkpointInterval,
                 maintenanceInterval,
                 threads,
                 passwordThreads,
                 queueLimit,
                 proxy,
                 headerTimeout,
                 minBodyRate,
                 idleTimeout,
                 writeTimeout,
                 maxConnections,
                 maxPerAddress };
    }
};

// Every option may also come from a variable of its own, PORTCULLIS_<OPTION> (--tls-cert:
// PORTCULLIS_TLS_CERT), so that settings in /etc/default/portcullis-server add up line by line
// instead of one options line replacing another. The command line wins over a variable: the
// variables' values are appended to `argv` for the options it does not set. False after a usage
// error.
bool addSettingsFromEnvironment(const QList<QCommandLineOption>& allOptions, QStringList& argv)
{
    g_settingsFromEnvironment.clear();
    QCommandLineParser commandLine;
    commandLine.addOptions(allOptions);
    if (!commandLine.parse(argv)) {
        usageError(commandLine.errorText());
        return false;
    }
    for (const QCommandLineOption& option : allOptions) {
        const QString name = option.names().constLast() == QLatin1String("database") ? QStringLiteral("db")
                                                                                     : option.names().constLast();
        // The audit key has its variable already, PORTCULLIS_AUDIT_KEY_FILE, which every command
        // reads the same way (for PostgreSQL; beside a SQLite file otherwise): not a second one.
        if (name == QLatin1String("help") || name == QLatin1String("audit-key") || commandLine.isSet(option))
            continue;
        const QString variable = settingVariable(name);
        const QString value = qEnvironmentVariable(variable.toLatin1().constData()).trimmed();
        if (value.isEmpty())
            continue;
        // A PostgreSQL URL may carry a password: never repeat it.
        static const QRegularExpression userPassword(QStringLiteral("(://[^:@/]*:)[^@/]*@"));
        static const QRegularExpression passwordOption(QStringLiteral("(password=)[^&;\\s]*"));
        QString shown = value;
        shown.replace(userPassword, QStringLiteral("\\1***@")).replace(passwordOption, QStringLiteral("\\1***"));
        g_settingsFromEnvironment << variable + QLatin1Char('=') + shown;
        if (option.valueName().isEmpty()) { // a switch: yes or no
            const QString answer = value.toLower();
            if (answer == QLatin1String("1") || answer == QLatin1String("yes") || answer == QLatin1String("true")
                || answer == QLatin1String("on")) {
                argv << QStringLiteral("--") + name;
            } else if (answer != QLatin1String("0") && answer != QLatin1String("no") && answer != QLatin1String("false")
                       && answer != QLatin1String("off")) {
                usageError(Cli::tr("%1 takes yes or no, not \"%2\"").arg(variable, value));
                return false;
            }
        } else if (name == QLatin1String("trusted-proxy")) { // repeatable: a list
            const QStringList values = value.split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts);
            for (const QString& each : values)
                argv << QStringLiteral("--") + name << each;
        } else {
            argv << QStringLiteral("--") + name << value;
        }
    }
    return true;
}

void printServeHelp(const QCommandLineParser& parser)
{
    QString text = parser.helpText();
    const qsizetype firstLineEnd = text.indexOf(QLatin1Char('\n'));
    text.replace(0, firstLineEnd, Cli::tr("Usage: %1 %2 [options]").arg(programName(), kServe));
    text += QLatin1Char('\n')
        + Cli::tr("Serves until SIGINT or SIGTERM. Prints \"listening on URL\" once ready; the access log goes "
                  "to standard error\n(QT_LOGGING_RULES=\"portcullis.http.info=false\" turns it off).\n"
                  "Each option may instead be set by the variable PORTCULLIS_<OPTION> (dashes as underscores: "
                  "PORTCULLIS_TLS_CERT,\nPORTCULLIS_NO_CREATE_SECRET=yes, PORTCULLIS_TRUSTED_PROXY=\"A B\"); the "
                  "command line wins. The audit key's is\nPORTCULLIS_AUDIT_KEY_FILE.")
        + QLatin1Char('\n');
    std::fputs(text.toUtf8().constData(), stdout);
    std::fflush(stdout);
}

// An optional whole-number option read into `*out`; false after `outOfRange` when it is not a whole
// number from `min` to `max`.
template <typename T>
bool readWhole(const QCommandLineParser& parser, const QCommandLineOption& option, qint64 min, qint64 max, T* out,
               const QString& outOfRange)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const qint64 value = parser.value(option).toLongLong(&ok);
    if (!ok || value < min || value > max) {
        usageError(outOfRange);
        return false;
    }
    *out = static_cast<T>(value);
    return true;
}

// An optional number of seconds (a fraction allowed, for tests) read into `*ms` as milliseconds.
bool readSeconds(const QCommandLineParser& parser, const QCommandLineOption& option, int* ms)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const double value = parser.value(option).toDouble(&ok);
    if (!ok || value < 0.1 || value > 86400) {
        usageError(Cli::tr("--%1 takes a number of seconds from 0.1 to 86400").arg(option.names().constFirst()));
        return false;
    }
    *ms = int(value * 1000);
    return true;
}

bool readListen(const QCommandLineParser& parser, const QCommandLineOption& listen, ServeOptions& options)
{
    if (!parser.isSet(listen)) {
        usageError(Cli::tr("--listen HOST:PORT is required, e.g. 127.0.0.1:8443"));
        return false;
    }
    const QString given = parser.value(listen).trimmed();
    if (parseListenAddress(given, &options.address, &options.port))
        return true;
    // Given, but not understood: say what was wrong with it rather than that it is missing.
    usageError(given.contains(QLatin1Char(':')) || given.startsWith(QLatin1Char('['))
                   ? Cli::tr("--listen \"%1\" is not HOST:PORT with a port from 0 to 65535 (e.g. 127.0.0.1:8443, "
                             "[::1]:8443 or *:8443)")
                         .arg(given)
                   : Cli::tr("--listen \"%1\" has no port: give HOST:PORT, e.g. %1:8443").arg(given));
    return false;
}

bool readTrustedProxies(const QCommandLineParser& parser, const QCommandLineOption& proxy, ServeOptions& options)
{
    for (const QString& value : parser.values(proxy)) {
        QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(value.trimmed());
        if (subnet.first.isNull() && !value.contains(QLatin1Char('/')))
            subnet = { QHostAddress(value.trimmed()), -1 };
        if (subnet.first.isNull()) {
            usageError(
                Cli::tr("--trusted-proxy takes an address or a subnet such as 10.0.0.0/24, not \"%1\"").arg(value));
            return false;
        }
        if (subnet.second < 0)
            subnet.second = subnet.first.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32;
        options.trustedProxies << subnet;
    }
    return true;
}

// Where the server reaches its database and its clients, and its secrets.
bool readPlaces(const QCommandLineParser& parser, const ServeCli& cli, ServeOptions& options)
{
    if (!parser.positionalArguments().isEmpty()) {
        usageError(Cli::tr("unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst()));
        return false;
    }
    options.database = parser.value(cli.db).trimmed();
    if (options.database.isEmpty()) {
        usageError(Cli::tr("--db is required"));
        return false;
    }
    if (!readListen(parser, cli.listen, options))
        return false;
    options.tlsCertificate = parser.value(cli.cert);
    options.tlsKey = parser.value(cli.key);
    if (options.tlsCertificate.isEmpty() != options.tlsKey.isEmpty()) {
        usageError(Cli::tr("--tls-cert and --tls-key go together"));
        return false;
    }
    options.jwtSecretFile = parser.value(cli.secret);
    options.noCreateSecret = parser.isSet(cli.noCreateSecret);
    options.auditKeyFile = parser.value(cli.auditKey);
    return true;
}

// Threads, queues, timeouts and connection limits, each checked against its range.
bool readLimits(const QCommandLineParser& parser, const ServeCli& cli, ServeOptions& options)
{
    int waitSeconds = options.startupWaitMs / 1000;
    if (!readWhole(parser, cli.startupWait, 0, 3600, &waitSeconds,
                   Cli::tr("--startup-wait takes a whole number of seconds from 0 to 3600")))
        return false;
    options.startupWaitMs = waitSeconds * 1000;
    return readWhole(parser, cli.checkpointInterval, 1, 86400, &options.checkpointSeconds,
                     Cli::tr("--checkpoint-interval takes a whole number of seconds from 1 to 86400"))
        && readWhole(parser, cli.maintenanceInterval, 0, 604800, &options.maintenanceSeconds,
                     Cli::tr("--maintenance-interval takes a whole number of seconds from 0 to 604800"))
        && readWhole(parser, cli.threads, 1, 256, &options.threads,
                     Cli::tr("--threads takes a whole number from 1 to 256"))
        && readWhole(parser, cli.passwordThreads, 0, 64, &options.passwordThreads,
                     Cli::tr("--password-threads takes a whole number from 0 to 64"))
        && readWhole(parser, cli.queueLimit, 1, 100000, &options.queueLimit,
                     Cli::tr("--queue-limit takes a whole number from 1 to 100000"))
        && readTrustedProxies(parser, cli.proxy, options)
        && readSeconds(parser, cli.headerTimeout, &options.headerTimeoutMs)
        && readSeconds(parser, cli.idleTimeout, &options.idleTimeoutMs)
        && readSeconds(parser, cli.writeTimeout, &options.writeTimeoutMs)
        && readWhole(parser, cli.minBodyRate, 1, 1'000'000'000, &options.minBodyRate,
                     Cli::tr("--min-body-rate takes a whole number of bytes per second from 1 to 1000000000"))
        && readWhole(parser, cli.maxConnections, 1, 1'000'000, &options.maxConnections,
                     Cli::tr("--max-connections takes a whole number from 1 to 1000000"))
        && readWhole(parser, cli.maxPerAddress, 0, 1'000'000, &options.maxConnectionsPerAddress,
                     Cli::tr("--max-connections-per-address takes a whole number from 0 to 1000000"));
}

} // namespace

Parsed<ServeOptions> parseServe(const QStringList& arguments)
{
    Parsed<ServeOptions> parsed;
    parsed.exitCode = exitcode::Usage;
    const ServeCli cli;
    QCommandLineParser parser;
    parser.setApplicationDescription(Cli::tr("Serve the Portcullis REST API (docs/api.md)."));
    parser.addOptions(cli.all());
    QStringList argv = arguments;
    argv.prepend(programName());
    if (!addSettingsFromEnvironment(cli.all(), argv))
        return parsed;
    if (!parser.parse(argv)) {
        usageError(parser.errorText());
        return parsed;
    }
    if (parser.isSet(cli.help)) {
        printServeHelp(parser);
        parsed.exitCode = exitcode::Ok;
        return parsed;
    }
    ServeOptions options;
    if (!readPlaces(parser, cli, options) || !readLimits(parser, cli, options))
        return parsed;
    parsed.options = options;
    parsed.exitCode = exitcode::Ok;
    return parsed;
}

namespace {

// The access log and the server's warnings; the library's debug chatter stays off.
void setUpServeLogging()
{
    QLoggingCategory::setFilterRules(QStringLiteral("portcullis.*.debug=false\nportcullis.*.info=false\n"
                                                    "portcullis.http.info=true"));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{if-category}%{category} %{endif}%{type}: "
                                      "%{message}"));
    if (!g_defaultMessageHandler)
        g_defaultMessageHandler = qInstallMessageHandler(&oneCategorisedLine);
}

// The JWT secret's file: as given, or beside a SQLite file. Empty after a usage error.
QString jwtSecretPath(const ServeOptions& options, const DatabaseConfig& config)
{
    if (!options.jwtSecretFile.isEmpty())
        return options.jwtSecretFile;
    if (config.dialect != Dialect::Sqlite) {
        usageError(Cli::tr("--jwt-secret-file is required with PostgreSQL (every server of the deployment "
                           "must share it)"));
        return {};
    }
    return config.path + QStringLiteral(".jwt-secret");
}

// The certificate and key, with a line about the certificate's expiry at every start, so that an
// expiry is seen coming in the log, not in the clients. False after an error.
bool loadServeTls(const ServeOptions& options, std::optional<http::HttpServer::TlsPem>* tls)
{
    if (options.tlsCertificate.isEmpty())
        return true;
    auto loaded = loadTls(options.tlsCertificate, options.tlsKey);
    if (!loaded) {
        serveError(loaded.error().message);
        return false;
    }
    *tls = loaded->pem;
    const qint64 daysLeft = QDateTime::currentDateTimeUtc().daysTo(loaded->expires);
    printOut(Cli::tr("TLS certificate %1, valid until %2 UTC (%3 days)")
                 .arg(loaded->subject, loaded->expires.toString(QStringLiteral("yyyy-MM-dd HH:mm")))
                 .arg(daysLeft));
    if (daysLeft < 30)
        serveError(Cli::tr("warning: the TLS certificate expires in %1 days; renew it").arg(daysLeft));
    return true;
}

// Several servers on one SQLite file work (WAL), but every write waits for the file's one writer
// lock: fine for a failover, not for sharing load. Say so when it happens; the lock file is held
// for the life of this server and taken over when its holder died.
std::unique_ptr<QLockFile> takeServingLock(const DatabaseConfig& config)
{
    if (config.dialect != Dialect::Sqlite)
        return {};
    auto serving = std::make_unique<QLockFile>(config.path + QStringLiteral(".serve.lock"));
    serving->setStaleLockTime(0);
    if (!serving->tryLock(0) && serving->error() == QLockFile::LockFailedError) {
        qint64 pid = 0;
        QString host;
        QString application;
        serving->getLockInfo(&pid, &host, &application);
        serveError(Cli::tr("warning: another server (process %1) already serves %2; servers sharing a SQLite file "
                           "take turns for every write; use PostgreSQL to spread load over several servers")
                       .arg(pid)
                       .arg(config.displayName()));
    }
    return serving;
}

// Connection limits and timeouts. Connections take descriptors: the soft limit is raised as far
// as allowed and the connection cap kept below it, with room for the database and the log (else
// accept() fails with EMFILE).
http::HttpServer::Options connectionOptions(const ServeOptions& options, const ApiConfig& apiConfig,
                                            const std::optional<http::HttpServer::TlsPem>& tls)
{
    const qint64 descriptors = http::HttpServer::raiseDescriptorLimit();
    const int connectionBudget = http::HttpServer::maxConnectionsFor(
        descriptors,
        apiConfig.threads + (options.passwordThreads < 0 ? QThread::idealThreadCount() : options.passwordThreads));
    http::HttpServer::Options serverOptions;
    serverOptions.tls = tls;
    serverOptions.headerTimeoutMs = options.headerTimeoutMs;
    serverOptions.idleTimeoutMs = options.idleTimeoutMs;
    serverOptions.writeTimeoutMs = options.writeTimeoutMs;
    serverOptions.minBodyBytesPerSecond = options.minBodyRate;
    serverOptions.maxConnectionsPerAddress = options.maxConnectionsPerAddress;
    serverOptions.maxConnections = options.maxConnections > 0 ? options.maxConnections : connectionBudget;
    if (options.maxConnections > connectionBudget)
        qCWarning(lcHttp) << "--max-connections" << options.maxConnections << "is above what" << descriptors
                          << "file descriptors allow (" << connectionBudget
                          << "); new connections wait while descriptors run out";
    qCInfo(lcHttp).noquote() << QStringLiteral("file descriptor limit %1: at most %2 connections, %3 per address")
                                    .arg(descriptors)
                                    .arg(serverOptions.maxConnections)
                                    .arg(serverOptions.maxConnectionsPerAddress > 0
                                             ? QString::number(serverOptions.maxConnectionsPerAddress)
                                             : QStringLiteral("any"));
    return serverOptions;
}

// The listening socket of `serve`: opened once, early when the database is awaited.
class Listener
{
public:
    Listener(http::HttpServer& server, const ServeOptions& options, bool tls)
        : m_server(server)
        , m_options(options)
        , m_tls(tls)
    { }

    bool listening() const { return m_listening; }

    bool listen()
    {
        if (m_server.listen(m_options.address, m_options.port)) {
            m_listening = true;
            return true;
        }
        serveError(Cli::tr("cannot listen on %1:%2: %3")
                       .arg(m_options.address.toString())
                       .arg(m_options.port)
                       .arg(m_server.errorString()));
        return false;
    }

    QString url() const
    {
        const QString host = m_server.serverAddress().protocol() == QAbstractSocket::IPv6Protocol
            ? QLatin1Char('[') + m_server.serverAddress().toString() + QLatin1Char(']')
            : m_server.serverAddress().toString();
        return QStringLiteral("%1://%2:%3")
            .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"), host)
            .arg(m_server.serverPort());
    }

private:
    http::HttpServer& m_server;
    const ServeOptions& m_options;
    bool m_tls = false;
    bool m_listening = false;
};

// A database that is still starting (a host booting with PostgreSQL, a restart) is waited for,
// with a growing delay and a line each time, instead of exiting at once and leaving a unit that
// systemd stops restarting after five tries. Meanwhile the server listens and answers health
// checks with "starting" (503): a load balancer keeps it out, a monitor sees why. A database that
// answers at once is ready before anything listens. Returns the exit code when the wait failed.
std::optional<int> awaitDatabase(const ServeOptions& options, const DatabaseConfig& config, const QString& auditKeyPath,
                                 Listener& listener)
{
    bool auditKeyFault = false;
    Status prepared = prepareDatabase(config, auditKeyPath, &auditKeyFault);
    // Worth waiting for: a server that does not answer (yet), or a SQLite file another program holds.
    auto waitable = [](const ServiceError& error) {
        return error.reason == ErrorReason::ConnectionLost || error.reason == ErrorReason::DatabaseLocked;
    };
    QElapsedTimer waiting;
    waiting.start();
    for (int delayMs = 1000;
         !prepared && waitable(prepared.error()) && waiting.elapsed() + delayMs <= options.startupWaitMs;
         delayMs = std::min(delayMs * 2, 15000)) {
        if (!listener.listening()) {
            if (!listener.listen())
                return exitcode::Failure;
            printOut(Cli::tr("waiting for the database; answering on %1 with 503 \"starting\" meanwhile")
                         .arg(listener.url()));
        }
        serveError(Cli::tr("the database is not reachable yet (%1); trying again in %2 s (giving up after %3 s)")
                       .arg(prepared.error().message)
                       .arg(delayMs / 1000)
                       .arg(options.startupWaitMs / 1000));
        QThread::msleep(static_cast<unsigned long>(delayMs));
        prepared = prepareDatabase(config, auditKeyPath, &auditKeyFault);
    }
    if (prepared)
        return std::nullopt;
    serveError(prepared.error().message);
    if (auditKeyFault)
        return exitcode::AuditKey;
    return prepared.error().code == ErrorCode::NotFound ? exitcode::Failure : exitcode::Storage;
}

// The JWT secret, made when missing and allowed. The classic multi-host mistake is a second host
// minting its own secret: then each host refuses the other's access tokens. Say it, every time it
// happens.
std::optional<QByteArray> jwtSecret(const ServeOptions& options, const QString& secretPath)
{
    bool secretCreated = false;
    auto secret = loadOrCreateJwtSecret(secretPath, !options.noCreateSecret, &secretCreated);
    if (!secret) {
        serveError(secret.error().message);
        return std::nullopt;
    }
    if (secretCreated)
        printOut(Cli::tr("created a new JWT signing secret in %1: access tokens signed by any other secret are "
                         "refused. Servers sharing this database must share this file (copy it, mode 0600, "
                         "and start them with --jwt-secret-file and --no-create-secret)")
                     .arg(secretPath));
    return *secret;
}

// SIGINT and SIGTERM quit the event loop through a socket pair (a signal handler may only write).
std::unique_ptr<QSocketNotifier> quitOnSignals()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFds) != 0) {
        serveError(Cli::tr("cannot set up signal handling"));
        return {};
    }
    auto notifier = std::make_unique<QSocketNotifier>(g_signalFds[1], QSocketNotifier::Read);
    QSocketNotifier* raw = notifier.get();
    QObject::connect(raw, &QSocketNotifier::activated, raw, [raw]() {
        char byte = 0;
        [[maybe_unused]] const auto got = ::read(g_signalFds[1], &byte, 1);
        raw->setEnabled(false);
        QCoreApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = &onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return notifier;
}

} // namespace

int runServe(const ServeOptions& options)
{
    setUpServeLogging();
    auto config = DatabaseConfig::parse(options.database);
    if (!config) {
        serveError(config.error().message);
        return exitcode::Usage;
    }
    config->sqliteMmapBytes = qint64(1) << 30; // 1 GiB of address space per connection, not of memory
    const QString secretPath = jwtSecretPath(options, *config);
    if (secretPath.isEmpty())
        return exitcode::Usage;
    // Like the JWT secret: beside a SQLite file; with PostgreSQL beside the JWT secret unless named.
    QString auditKeyPath = auditkey::resolvePath(options.auditKeyFile, config->dialect, config->path);
    if (auditKeyPath.isEmpty())
        auditKeyPath = secretPath + QStringLiteral(".audit-key");
    std::optional<http::HttpServer::TlsPem> tls;
    if (!loadServeTls(options, &tls))
        return exitcode::Failure;
    const std::unique_ptr<QLockFile> serving = takeServingLock(*config);

    // The HTTP server comes first, so that it can answer while the database is awaited; requests
    // reach the API only once it is ready (before that: answerStarting, on the I/O thread).
    ApiConfig apiConfig;
    apiConfig.database = *config;
    apiConfig.auditKeyFile = auditKeyPath;
    // SQL waits on the database (PostgreSQL round trips, SQLite's writer lock), so more threads
    // than cores pay off; each holds one connection.
    apiConfig.threads = options.threads > 0 ? options.threads : std::max(4, QThread::idealThreadCount() * 2);
    apiConfig.trustedProxies = options.trustedProxies;
    apiConfig.passwordThreads = options.passwordThreads;
    apiConfig.queueLimit = options.queueLimit;
    // Destroyed before the server (below): its destructor waits for the workers, which may still
    // hold exchanges, and the server's connections must outlive those.
    std::optional<RestApi> api;
    std::atomic_bool ready { false }; // set once `api` exists; read on the I/O threads
    const http::HttpServer::Options serverOptions = connectionOptions(options, apiConfig, tls);
    const DatabaseConfig database = *config;
    http::HttpServer server(serverOptions, [&api, &ready, &database](std::shared_ptr<http::HttpExchange> exchange) {
        if (!ready.load(std::memory_order_acquire))
            answerStarting(*exchange, database);
        else
            api->handle(std::move(exchange));
    });
    Listener listener(server, options, tls.has_value());
    if (const auto failed = awaitDatabase(options, *config, auditKeyPath, listener))
        return *failed;
    const auto secret = jwtSecret(options, secretPath);
    if (!secret)
        return exitcode::Failure;
    apiConfig.jwtSecret = *secret;
    api.emplace(apiConfig);
    ready.store(true, std::memory_order_release);
    if (!listener.listening() && !listener.listen())
        return exitcode::Failure;
    const std::unique_ptr<QSocketNotifier> onSignals = quitOnSignals();
    if (!onSignals)
        return exitcode::Failure;
    printOut(Cli::tr("listening on %1 (database %2, %3 worker threads, at most %4 connections)")
                 .arg(listener.url(), config->displayName())
                 .arg(apiConfig.threads)
                 .arg(serverOptions.maxConnections));

    Checkpointer checkpointer(*config, auditKeyPath);
    checkpointer.write();
    QTimer checkpoints;
    checkpoints.setTimerType(Qt::VeryCoarseTimer);
    QObject::connect(&checkpoints, &QTimer::timeout, &checkpoints, [&checkpointer]() { checkpointer.write(); });
    checkpoints.start(options.checkpointSeconds * 1000);
    Maintainer maintainer(*config, auditKeyPath, options.maintenanceSeconds);
    maintainer.start();

    const int code = QCoreApplication::exec();
    qCInfo(lcHttp) << "shutting down";
    checkpoints.stop();
    maintainer.stop();
    server.close();
    if (!api->drain(10000))
        qCWarning(lcHttp) << "requests still running after 10 s; stopping anyway";
    server.stop(); // no request reaches the API any more; streaming workers are told to stop
    api.reset();
    http::flushAccessLog(); // the lines of requests whose client left meanwhile
    // The last head this server wrote, recorded outside the database.
    checkpointer.write();
    return code == 0 ? exitcode::Ok : exitcode::Failure;
}

int serveCommand(const QStringList& arguments)
{
    const Parsed<ServeOptions> parsed = parseServe(arguments);
    if (!parsed.options)
        return parsed.exitCode;
    return runServe(*parsed.options);
}

} // namespace portcullis::server
