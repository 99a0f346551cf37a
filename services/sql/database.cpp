#include "database.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcSql, "portcullis.sql")

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Database)
};

} // namespace

namespace {
const QStringList kMigrations = { QStringLiteral(":/portcullis/migrations/0001_schema.sql"),
                                  QStringLiteral(":/portcullis/migrations/0002_server.sql"),
                                  QStringLiteral(":/portcullis/migrations/0003_user_counts.sql"),
                                  QStringLiteral(":/portcullis/migrations/0004_audit_keys.sql"),
                                  QStringLiteral(":/portcullis/migrations/0005_login_throttle.sql"),
                                  QStringLiteral(":/portcullis/migrations/0006_search_indexes.sql"),
                                  QStringLiteral(":/portcullis/migrations/0007_audit_daily.sql"),
                                  QStringLiteral(":/portcullis/migrations/0008_power_tools.sql") };
}

Result<DatabaseConfig> DatabaseConfig::parse(const QString& pathOrUrl)
{
    DatabaseConfig config;
    const QString text = pathOrUrl.trimmed();
    if (text.isEmpty())
        return ServiceError::validationField(QStringLiteral("db"), Tr::tr("No database path or URL given"));
    if (text.startsWith(QLatin1String("postgresql://")) || text.startsWith(QLatin1String("postgres://"))) {
        const QUrl url(text, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty())
            return ServiceError::validationField(
                QStringLiteral("db"),
                Tr::tr("Not a valid PostgreSQL URL (postgresql://user:password@host:port/database)"));
        config.dialect = Dialect::Postgres;
        config.host = url.host();
        config.port = url.port(5432);
        config.user = url.userName();
        config.password = url.password();
        config.databaseName = url.path().mid(1);
        if (config.databaseName.isEmpty())
            return ServiceError::validationField(QStringLiteral("db"), Tr::tr("The PostgreSQL URL names no database"));
        const QUrlQuery query(url);
        QStringList options;
        for (const auto& item : query.queryItems(QUrl::FullyDecoded))
            options << item.first + QLatin1Char('=') + item.second;
        config.options = options.join(QLatin1Char(';'));
        return config;
    }
    if (text.contains(QLatin1String("://")) && !text.startsWith(QLatin1String("file://")))
        return ServiceError::validationField(
            QStringLiteral("db"), QStringLiteral("Unsupported database URL: use a file path or postgresql://"));
    config.dialect = Dialect::Sqlite;
    config.path = text.startsWith(QLatin1String("file://")) ? QUrl(text).toLocalFile() : text;
    return config;
}

QString DatabaseConfig::displayName() const
{
    if (dialect == Dialect::Sqlite)
        return QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath());
    QString name = QStringLiteral("postgresql://");
    if (!user.isEmpty())
        name += user + QLatin1Char('@');
    return name + host + QLatin1Char(':') + QString::number(port) + QLatin1Char('/') + databaseName;
}

static Status createPrivateFile(const QString& path)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ServiceError::storage(QString::fromLocal8Bit(std::strerror(errno)));
    // open() applies the umask, which may take away the owner's own bits; the mode is meant exactly.
    const bool modeSet = ::fchmod(fd, 0600) == 0;
    const int savedErrno = errno;
    ::close(fd);
    if (!modeSet)
        return ServiceError::storage(QString::fromLocal8Bit(std::strerror(savedErrno)));
    return {};
}

static QString describe(const QSqlError& error)
{
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    return text;
}

namespace {

ServiceError newerSchema(int version)
{
    return ServiceError::storage(Tr::tr("This database has schema version %1, newer than this version of "
                                        "Portcullis knows (%2): upgrade Portcullis before using it")
                                     .arg(version)
                                     .arg(latestSchemaVersion()));
}

// PostgreSQL's notices and warnings ("WARNING:  terminating connection due to administrator
// command" when the server restarts) reach libpq's notice processor, which writes them to standard
// error as they are, over several lines and outside any logging category; Qt's driver (6.4) does
// not install one. Each connection gets one that logs them as one line under portcullis.sql.
// libpq is looked up where the driver already loaded it, so that nothing links against it.
void logNotice(void*, const char* message)
{
    QStringList lines = QString::fromUtf8(message).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (QString& line : lines)
        line = line.simplified();
    lines.removeAll(QString());
    const QString text = lines.join(QStringLiteral(" | "));
    static const QRegularExpression quiet(QStringLiteral("^(NOTICE|INFO|LOG|DEBUG)\\b"));
    if (quiet.match(text).hasMatch())
        qCInfo(lcSql).noquote() << "PostgreSQL:" << text;
    else
        qCWarning(lcSql).noquote() << "PostgreSQL:" << text;
}

void routeNoticesToTheLog(const QSqlDatabase& db)
{
    using NoticeProcessor = void (*)(void*, const char*);
    using SetNoticeProcessor = NoticeProcessor (*)(void*, NoticeProcessor, void*);
    static const SetNoticeProcessor setNoticeProcessor = []() -> SetNoticeProcessor {
        void* libpq = ::dlopen("libpq.so.5", RTLD_LAZY | RTLD_NOLOAD);
        return libpq ? reinterpret_cast<SetNoticeProcessor>(::dlsym(libpq, "PQsetNoticeProcessor")) : nullptr;
    }();
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!setNoticeProcessor || !handle.isValid()
        || (qstrcmp(handle.typeName(), "PGconn*") != 0 && qstrcmp(handle.typeName(), "pg_conn*") != 0))
        return;
    if (void* connection = *static_cast<void* const*>(handle.constData()))
        setNoticeProcessor(connection, &logNotice, nullptr);
}

Result<QSqlDatabase> openConnection(const DatabaseConfig& config, const QString& connectionName, bool createIfMissing)
{
    if (config.dialect == Dialect::Sqlite) {
        if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QSQLITE")))
            return ServiceError::unavailable(Tr::tr("The Qt SQLite driver is not installed (libqt6sql6-sqlite)"));
        const QFileInfo info(config.path);
        if (!info.exists() && !createIfMissing)
            return ServiceError::notFound(Tr::tr("The database file %1 does not exist").arg(config.displayName()));
        if (!info.exists() && !info.absoluteDir().exists())
            return ServiceError::storage(
                Tr::tr("The folder %1 does not exist").arg(QDir::toNativeSeparators(info.absolutePath())));
        if (!info.exists()) {
            // The file holds password hashes and key hashes: created 0600 whatever the umask, so that
            // SQLite gives its -wal and -shm files the same mode (it copies the database file's).
            if (auto created = createPrivateFile(config.path); !created)
                return ServiceError::storage(
                    Tr::tr("Cannot create %1: %2").arg(config.displayName(), created.error().message));
        }
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
        db.setDatabaseName(config.path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        if (!db.open()) {
            const QString why = describe(db.lastError());
            db = QSqlDatabase();
            QSqlDatabase::removeDatabase(connectionName);
            return ServiceError::storage(Tr::tr("Cannot open %1: %2").arg(config.displayName(), why));
        }
        QSqlQuery q(db);
        // A file that is not a database fails here, on the first read, with "file is not a database".
        for (const char* pragma : { "PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL",
                                    "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 5000" }) {
            if (!q.exec(QString::fromLatin1(pragma))) {
                const QString why = describe(q.lastError());
                q = QSqlQuery();
                db.close();
                db = QSqlDatabase();
                QSqlDatabase::removeDatabase(connectionName);
                return ServiceError::storage(Tr::tr("Cannot use %1: %2").arg(config.displayName(), why));
            }
        }
        // Not required: SQLite keeps reading through read(2) where the map cannot be had.
        if (config.sqliteMmapBytes > 0)
            q.exec(QStringLiteral("PRAGMA mmap_size = %1").arg(config.sqliteMmapBytes));
        return db;
    }

    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL")))
        return ServiceError::unavailable(Tr::tr("The Qt PostgreSQL driver is not installed (libqt6sql6-psql)"));
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
    db.setHostName(config.host);
    db.setPort(config.port);
    db.setUserName(config.user);
    db.setPassword(config.password);
    db.setDatabaseName(config.databaseName);
    QString options = config.options;
    if (!options.contains(QLatin1String("connect_timeout")))
        options += (options.isEmpty() ? QString() : QStringLiteral(";")) + QStringLiteral("connect_timeout=5");
    db.setConnectOptions(options);
    if (!db.open()) {
        const QString why = describe(db.lastError());
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(connectionName);
        // Qt's driver gives no SQLSTATE for a failed connect, so a refused login cannot be told from
        // a server that is not up yet without reading libpq's (localised) text: both count as a
        // lost connection, which `serve` waits for within --startup-wait.
        return ServiceError::unavailable(Tr::tr("Cannot connect to %1: %2").arg(config.displayName(), why))
            .withReason(ErrorReason::ConnectionLost);
    }
    routeNoticesToTheLog(db);
    QSqlQuery q(db);
    q.exec(QStringLiteral("SET TIME ZONE 'UTC'"));
    q.exec(QStringLiteral("SET client_min_messages TO WARNING"));
    return db;
}

} // namespace

Result<QSqlDatabase> openDatabase(const DatabaseConfig& config, const QString& connectionName, bool createIfMissing)
{
    Result<QSqlDatabase> db = openConnection(config, connectionName, createIfMissing);
    if (!db)
        return db;
    // The one check every program passes through (console, serve and each of its workers, every
    // command): a newer program has migrated this database, and an older one must not read or
    // write it with a schema it does not know in mind.
    if (const int version = schemaVersion(db.value()); version > latestSchemaVersion()) {
        db.value().close();
        db = newerSchema(version); // drops the last handle of the connection before it is removed
        QSqlDatabase::removeDatabase(connectionName);
        return db;
    }
    return db;
}

QStringList migrationStatements(const QString& script, Dialect dialect)
{
    // Statements are separated by lines "--@@" (both dialects), "--@@ sqlite" or "--@@ postgres".
    // Placeholders: {{ID}} the auto-increment primary key, {{BIGINT}}.
    const QString id = dialect == Dialect::Sqlite
        ? QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT")
        : QStringLiteral("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    const QString key
        = dialect == Dialect::Sqlite ? QStringLiteral("INTEGER PRIMARY KEY") : QStringLiteral("BIGINT PRIMARY KEY");
    QStringList statements;
    QString current;
    bool include = true;
    auto flush = [&] {
        const QString statement = current.trimmed();
        if (include && !statement.isEmpty())
            statements
                << QString(statement).replace(QLatin1String("{{ID}}"), id).replace(QLatin1String("{{KEY}}"), key);
        current.clear();
    };
    const auto lines = script.split(QLatin1Char('\n'));
    for (const QString& line : lines) {
        if (line.startsWith(QLatin1String("--@@"))) {
            flush();
            const QString tag = line.mid(4).trimmed();
            include = tag.isEmpty() || (tag == QLatin1String("sqlite") && dialect == Dialect::Sqlite)
                || (tag == QLatin1String("postgres") && dialect == Dialect::Postgres);
            continue;
        }
        if (line.trimmed().startsWith(QLatin1String("--")))
            continue;
        current += line + QLatin1Char('\n');
    }
    flush();
    return statements;
}

int latestSchemaVersion()
{
    return int(kMigrations.size());
}

int schemaVersion(QSqlDatabase& db)
{
    if (!db.tables().contains(QStringLiteral("schema_migrations")))
        return 0;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) || !q.next())
        return 0;
    return q.value(0).toInt();
}

Result<int> migrate(QSqlDatabase& db, Dialect dialect)
{
    const int current = schemaVersion(db);
    // A newer program has migrated this database: an older one must not run on a schema it does
    // not know (it would write rows the newer code does not expect).
    if (current > latestSchemaVersion())
        return newerSchema(current);
    int applied = 0;
    for (int version = current + 1; version <= latestSchemaVersion(); ++version) {
        QFile file(kMigrations.at(version - 1));
        if (!file.open(QIODevice::ReadOnly))
            return ServiceError::storage(Tr::tr("Migration %1 is missing from the build").arg(version));
        const QString script = QString::fromUtf8(file.readAll());
        if (!db.transaction())
            return ServiceError::storage(
                Tr::tr("Cannot start migration %1: %2").arg(version).arg(describe(db.lastError())));
        QSqlQuery q(db);
        for (const QString& statement : migrationStatements(script, dialect)) {
            if (!q.exec(statement)) {
                const QString why = describe(q.lastError());
                // SQLSTATE 42501 (insufficient_privilege): a least-privilege role (init --app-role)
                // may not change the schema; the owner applies migrations.
                const bool notOwner = q.lastError().nativeErrorCode() == QLatin1String("42501");
                db.rollback();
                qCWarning(lcSql) << "migration" << version << "failed:" << why;
                // A PostgreSQL extension (pg_trgm, migration 6) the role could not create: the
                // contrib files are missing or the role may not create objects in the database.
                if (statement.startsWith(QLatin1String("CREATE EXTENSION")))
                    return ServiceError::storage(
                        Tr::tr("Migration %1 needs the PostgreSQL extension named in \"%2\": install the "
                               "server's contrib modules (Debian: postgresql-contrib) and run portcullis-server "
                               "init --db with the database owner's URL, or have a superuser run that statement "
                               "in this database first (%3)")
                            .arg(version)
                            .arg(statement.simplified(), why));
                if (notOwner)
                    return ServiceError::storage(
                        Tr::tr("Migration %1 needs the database owner: run portcullis-server init --db with the "
                               "owner's URL to upgrade the schema, then start again (%2)")
                            .arg(version)
                            .arg(why));
                return ServiceError::storage(Tr::tr("Migration %1 failed: %2").arg(version).arg(why));
            }
        }
        q.prepare(QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
        q.addBindValue(version);
        q.addBindValue(QDateTime::currentMSecsSinceEpoch());
        if (!q.exec() || !db.commit()) {
            const QString why = describe(q.lastError());
            db.rollback();
            return ServiceError::storage(Tr::tr("Migration %1 could not be recorded: %2").arg(version).arg(why));
        }
        qCInfo(lcSql) << "applied migration" << version;
        ++applied;
    }
    return applied;
}

} // namespace portcullis
