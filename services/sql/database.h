#pragma once

// Opening a store: SQLite file (embedded default) or PostgreSQL URL, and the schema migrations.
// A QSqlDatabase connection belongs to the thread that opened it; every worker thread opens its
// own named connection (see SqlBackend).

#include "domain/result.h"

#include <QSqlDatabase>
#include <QString>

namespace portcullis {

enum class Dialect
{
    Sqlite,
    Postgres
};

struct DatabaseConfig
{
    Dialect dialect = Dialect::Sqlite;
    QString path; // SQLite file
    QString host = QStringLiteral("localhost");
    int port = 5432;
    QString user;
    QString password;
    QString databaseName;
    QString options; // QPSQL connect options, e.g. "sslmode=require"
    // SQLite: read the file through a memory map of up to this many bytes (PRAGMA mmap_size; 0:
    // through read(2) into each connection's own 2 MB page cache). serve sets it: its worker
    // connections then share the operating system's cached pages instead of copying them, which
    // made a search over HTTP 1.5-1.8 times faster (docs/benchmarks.md). The console leaves it off:
    // its memory is measured, and mapped pages count as its own.
    qint64 sqliteMmapBytes = 0;

    // A SQLite file path or a postgresql:// (or postgres://) URL:
    // postgresql://user:password@host:port/dbname?sslmode=require
    static Result<DatabaseConfig> parse(const QString& pathOrUrl);
    // For messages and logs: never contains the password.
    QString displayName() const;
};

// Opens (and configures) a connection with the given unique name: for SQLite WAL journal,
// foreign keys on, busy timeout 5 s; for PostgreSQL UTC time zone. `createIfMissing` = false
// refuses a SQLite path that does not exist (the console offers its first-run wizard instead).
Result<QSqlDatabase> openDatabase(const DatabaseConfig& config, const QString& connectionName,
                                  bool createIfMissing = true);

// Applies the pending migrations of resources/migrations in one transaction each; returns the
// number applied. Safe to run on every start.
Result<int> migrate(QSqlDatabase& db, Dialect dialect);
int schemaVersion(QSqlDatabase& db);
int latestSchemaVersion();

// Splits a migration script into the statements for `dialect` (exposed for tests).
QStringList migrationStatements(const QString& script, Dialect dialect);

} // namespace portcullis
