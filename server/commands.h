#pragma once

// The headless admin commands of portcullis-server: init, seed-demo, verify-audit and purge-audit. Each command
// has an options struct, a parser (QCommandLineParser, with --help) and a run function that prints
// to stdout/stderr and returns the process exit code. Nothing here throws; nothing here prints a
// password, a token or an API key (seed-demo prints only the shared demo password, on purpose).
//
// Threading: everything runs on the calling thread over one database connection of its own.

#include "sql/store.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace portcullis::server {

// Process exit codes shared by the commands.
namespace exitcode {
inline constexpr int Ok = 0;
inline constexpr int Failure = 1; // the command ran and said no: weak password, broken audit chain, ...
inline constexpr int Storage = 2; // the database could not be opened, read or written
// verify-audit's findings (1 is an edited event): see docs/operator-guide.md.
inline constexpr int MissingRange = 3;
inline constexpr int ForgedPurge = 4;
inline constexpr int TruncatedTail = 5;
inline constexpr int AuditKey = 6; // no usable audit key, or a checkpoint file that is not authentic
inline constexpr int Usage = 64; // bad command line (EX_USAGE)
} // namespace exitcode

QString programName(); // "portcullis-server"
QString programVersion(); // the project version

struct InitOptions
{
    QString database; // SQLite file path or postgresql:// URL
    QString adminEmail;
    QString adminPasswordFile; // "-" reads standard input
    QString organization = QStringLiteral("Default");
    bool organizationGiven = false; // --org was on the command line
    QString adminUsername; // derived from the email when empty
    // PostgreSQL: a least-privilege login role for consoles and servers (created or updated, and
    // its grants applied again, on every init that names it).
    QString appRole;
    QString appRolePasswordFile; // "-" reads standard input
    QString auditKeyFile; // empty: beside a SQLite file, or $PORTCULLIS_AUDIT_KEY_FILE
    // The JWT signing secret `serve` will use, created when missing. Empty: beside a SQLite file
    // (<database>.jwt-secret, serve's default); with PostgreSQL none is made unless named.
    QString jwtSecretFile;
};

struct SeedDemoOptions
{
    QString database;
    int tenants = 5;
    qint64 users = 1000;
    qint64 events = 10000;
    quint64 seed = 42;
    QString auditKeyFile;
};

struct VerifyAuditOptions
{
    QString database;
    QString auditKeyFile;
};

struct PurgeAuditOptions
{
    QString database;
    int olderThanDays = 0; // events older than this many days go
    QString adminEmail; // the super admin the purge is recorded under, authenticated with:
    QString adminPasswordFile; // "-" reads standard input
    QString auditKeyFile;
};

// A parsed command line: either options to run, or an exit code to leave with right away (after
// --help, or a usage error that has already been printed).
template <typename Options> struct Parsed
{
    std::optional<Options> options;
    int exitCode = exitcode::Ok;
};

// `arguments` are the command's own arguments, without the program and the command name.
Parsed<InitOptions> parseInit(const QStringList& arguments);
Parsed<SeedDemoOptions> parseSeedDemo(const QStringList& arguments);
Parsed<VerifyAuditOptions> parseVerifyAudit(const QStringList& arguments);
Parsed<PurgeAuditOptions> parsePurgeAudit(const QStringList& arguments);

int runInit(const InitOptions& options);
int runSeedDemo(const SeedDemoOptions& options);
int runVerifyAudit(const VerifyAuditOptions& options);
int runPurgeAudit(const PurgeAuditOptions& options);

// Parse and run in one go (what main() dispatches to).
int initCommand(const QStringList& arguments);
int seedDemoCommand(const QStringList& arguments);
int verifyAuditCommand(const QStringList& arguments);
int purgeAuditCommand(const QStringList& arguments);
// `permissions`: the permission catalog and the built-in roles as Markdown (docs/permissions.md is
// its output, checked by tst_server_cli), so the documentation is the code's.
int permissionsCommand(const QStringList& arguments);
// `openapi`: the REST contract as OpenAPI 3.1 JSON (docs/openapi.json is its output).
int openApiCommand(const QStringList& arguments);
QString permissionsMarkdown();

// A SqlStore over a connection of its own, named uniquely; the connection is closed and removed
// when this goes away.
class StoreConnection
{
public:
    StoreConnection() = default;
    ~StoreConnection();
    StoreConnection(const StoreConnection&) = delete;
    StoreConnection& operator=(const StoreConnection&) = delete;

    // Parses PATH_OR_URL and opens it. `createIfMissing` = false refuses a SQLite file that does
    // not exist. The error is ready to print (it never contains the database password).
    // `auditKeyFile` names the audit key (empty: the store's default, see auditkey::resolvePath).
    Status open(const QString& pathOrUrl, bool createIfMissing, const QString& auditKeyFile = {});

    const DatabaseConfig& config() const { return m_config; }
    SqlStore& store() { return *m_store; }
    QSqlDatabase& db() { return m_store->core().db(); }

private:
    QString m_connectionName;
    DatabaseConfig m_config;
    std::unique_ptr<SqlStore> m_store;
};

// Output helpers: one line each, UTF-8, flushed at once so the order of stdout and stderr holds.
void printOut(const QString& line);
void printErr(const QString& line);

} // namespace portcullis::server
