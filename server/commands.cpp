#include "commands.h"

#include "contract.h"
#include "serve.h"

#include "domain/actor.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "sql/auditkey.h"
#include "sql/bootstrap.h"
#include "sql/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

#include <cstdio>

namespace portcullis::server {

namespace {

// Context for the translatable strings of the command line.
class Cli
{
    Q_DECLARE_TR_FUNCTIONS(Cli)
};

const QString kDefaultOrganizationPlan = QStringLiteral("enterprise");
constexpr int kDefaultOrganizationMaxUsers = 1000;
// Bound on what is read from a password file: the policy's maximum length in the widest UTF-8.
constexpr qint64 kMaxPasswordFileBytes = qint64(policy::Limits::MaxPasswordLength) * 4 + 2;

void writeLine(std::FILE* stream, const QString& line)
{
    const QByteArray bytes = line.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

void usageError(const QString& command, const QString& message)
{
    printErr(QStringLiteral("%1 %2: %3").arg(programName(), command, message));
    printErr(Cli::tr("Try '%1 %2 --help'.").arg(programName(), command));
}

void commandError(const QString& command, const QString& message)
{
    printErr(QStringLiteral("%1 %2: %3").arg(programName(), command, message));
}

int exitCodeFor(const ServiceError& error)
{
    switch (error.code) {
    case ErrorCode::Storage:
    case ErrorCode::Unavailable:
        return exitcode::Storage;
    default:
        return exitcode::Failure;
    }
}

QCommandLineOption databaseOption()
{
    return QCommandLineOption(QStringList { QStringLiteral("db"), QStringLiteral("database") },
                              Cli::tr("SQLite database file, or a PostgreSQL URL such as "
                                      "postgresql://user:pass@host/db"),
                              QStringLiteral("PATH_OR_URL"));
}

QCommandLineOption auditKeyOption()
{
    return QCommandLineOption(
        QStringLiteral("audit-key"),
        Cli::tr("File holding the audit key (32 random bytes, mode 0600) that authenticates the audit log. Default "
                "for SQLite: <database>.audit-key; with PostgreSQL give it here or in %1. Every server of a "
                "deployment shares it.")
            .arg(QLatin1String(auditkey::kEnvironmentVariable)),
        QStringLiteral("FILE"));
}

// Sets up the help option, parses, and handles --help and usage errors. Returns the exit code to
// leave with, or nothing when the command should go on.
std::optional<int> parseCommand(QCommandLineParser& parser, const QString& command, const QString& description,
                                const QStringList& arguments, const QString& notes = {})
{
    parser.setApplicationDescription(description);
    const QCommandLineOption help(QStringList { QStringLiteral("h"), QStringLiteral("help") },
                                  Cli::tr("Show this help and exit."));
    parser.addOption(help);
    QStringList argv = arguments;
    argv.prepend(programName());
    if (!parser.parse(argv)) {
        usageError(command, parser.errorText());
        return exitcode::Usage;
    }
    if (parser.isSet(help)) {
        QString text = parser.helpText();
        // The first line names the executable path; name the command instead.
        const qsizetype firstLineEnd = text.indexOf(QLatin1Char('\n'));
        text.replace(0, firstLineEnd, Cli::tr("Usage: %1 %2 [options]").arg(programName(), command));
        if (!notes.isEmpty())
            text += QLatin1Char('\n') + notes + QLatin1Char('\n');
        std::fputs(text.toUtf8().constData(), stdout);
        std::fflush(stdout);
        return exitcode::Ok;
    }
    if (!parser.positionalArguments().isEmpty()) {
        usageError(command, Cli::tr("unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst()));
        return exitcode::Usage;
    }
    return std::nullopt;
}

std::optional<QString> requiredValue(const QCommandLineParser& parser, const QCommandLineOption& option,
                                     const QString& command)
{
    const QString value = parser.value(option).trimmed();
    if (value.isEmpty()) {
        usageError(command, Cli::tr("--%1 is required").arg(option.names().constFirst()));
        return std::nullopt;
    }
    return value;
}

std::optional<qint64> integerValue(const QCommandLineParser& parser, const QCommandLineOption& option,
                                   const QString& command, qint64 fallback, qint64 minimum, qint64 maximum)
{
    if (!parser.isSet(option))
        return fallback;
    bool ok = false;
    const qint64 value = parser.value(option).trimmed().toLongLong(&ok);
    if (!ok || value < minimum || value > maximum) {
        usageError(command,
                   Cli::tr("--%1 takes a whole number from %2 to %3")
                       .arg(option.names().constFirst())
                       .arg(minimum)
                       .arg(maximum));
        return std::nullopt;
    }
    return value;
}

// The admin password from a file (or standard input for "-"): one trailing newline is dropped.
Result<QString> readPasswordFile(const QString& path)
{
    QByteArray bytes;
    if (path == QLatin1String("-")) {
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly))
            return ServiceError::validation(Cli::tr("cannot read the admin password from standard input"));
        bytes = in.read(kMaxPasswordFileBytes);
    } else {
        const QFileInfo info(path);
        if (!info.exists())
            return ServiceError::validation(Cli::tr("the admin password file %1 does not exist").arg(path));
        if (info.isDir())
            return ServiceError::validation(Cli::tr("the admin password file %1 is a folder").arg(path));
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return ServiceError::validation(
                Cli::tr("cannot read the admin password file %1: %2").arg(path, file.errorString()));
        bytes = file.read(kMaxPasswordFileBytes);
    }
    if (bytes.endsWith('\n')) {
        bytes.chop(1);
        if (bytes.endsWith('\r'))
            bytes.chop(1);
    }
    QString password = QString::fromUtf8(bytes);
    bytes.fill('\0');
    if (password.isEmpty())
        return ServiceError::validation(Cli::tr("the admin password file %1 is empty").arg(path));
    if (password.size() > policy::Limits::MaxPasswordLength)
        return ServiceError::validation(
            Cli::tr("the admin password is longer than %1 characters").arg(policy::Limits::MaxPasswordLength));
    return password;
}

// "jane.doe+admin@example.com" -> "jane.doe.admin"; "admin" when nothing usable is left.
QString usernameFromEmail(const QString& email)
{
    QString name = email.section(QLatin1Char('@'), 0, 0);
    for (QChar& c : name) {
        const bool allowed = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'.' || c == u'_' || c == u'-';
        if (!allowed)
            c = u'.';
    }
    name.truncate(policy::Limits::Username);
    if (!policy::validateUsername(name))
        return QStringLiteral("admin");
    return name;
}

Result<qint64> countRows(QSqlDatabase& db, const QString& table)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM ") + table) || !q.next())
        return ServiceError::storage(Cli::tr("cannot count the rows of %1").arg(table));
    return q.value(0).toLongLong();
}

const QString kInit = QStringLiteral("init");
const QString kSeedDemo = QStringLiteral("seed-demo");
const QString kVerifyAudit = QStringLiteral("verify-audit");
const QString kPurgeAudit = QStringLiteral("purge-audit");

} // namespace

QString programName()
{
    return QStringLiteral("portcullis-server");
}

QString programVersion()
{
    return QStringLiteral(PORTCULLIS_VERSION); // from the top-level CMakeLists project() version
}

void printOut(const QString& line)
{
    writeLine(stdout, line);
}

void printErr(const QString& line)
{
    writeLine(stderr, line);
}

// --- StoreConnection -------------------------------------------------------------------------

StoreConnection::~StoreConnection()
{
    m_store.reset();
    if (m_connectionName.isEmpty())
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

Status StoreConnection::open(const QString& pathOrUrl, bool createIfMissing, const QString& auditKeyFile)
{
    static int counter = 0;
    auto config = DatabaseConfig::parse(pathOrUrl);
    if (!config)
        return config.error();
    m_config = *config;
    const QString name = QStringLiteral("portcullis-cli-") + QString::number(++counter);
    auto db = openDatabase(m_config, name, createIfMissing);
    if (!db)
        return db.error();
    m_connectionName = name;
    m_store = std::make_unique<SqlStore>(*db, m_config.dialect);
    if (!auditKeyFile.isEmpty())
        m_store->core().setAuditKeyFile(auditKeyFile);
    return {};
}

// --- init ------------------------------------------------------------------------------------

Parsed<InitOptions> parseInit(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption email(QStringLiteral("admin-email"), Cli::tr("Email address of the first super admin."),
                                   QStringLiteral("EMAIL"));
    const QCommandLineOption passwordFile(
        QStringLiteral("admin-password-file"),
        Cli::tr("File holding the super admin's password (one trailing newline is ignored; \"-\" reads standard "
                "input). The password policy applies."),
        QStringLiteral("FILE"));
    const QCommandLineOption organization(QStringLiteral("org"),
                                          Cli::tr("Name of the first organization (default \"Default\")."),
                                          QStringLiteral("NAME"));
    const QCommandLineOption username(QStringLiteral("admin-username"),
                                      Cli::tr("Username of the super admin (default: from the email address)."),
                                      QStringLiteral("USERNAME"));
    const QCommandLineOption appRole(
        QStringLiteral("app-role"),
        Cli::tr("PostgreSQL only: create (or update) this login role for consoles and serve, with no more rights "
                "than they need: no DDL, no UPDATE or DELETE of audit events, no purge records."),
        QStringLiteral("NAME"));
    const QCommandLineOption appRolePassword(QStringLiteral("app-role-password-file"),
                                             Cli::tr("File holding the password of the --app-role (\"-\" reads "
                                                     "standard input; at least 16 characters)."),
                                             QStringLiteral("FILE"));
    const QCommandLineOption auditKey = auditKeyOption();
    const QCommandLineOption jwtSecret(
        QStringLiteral("jwt-secret-file"),
        Cli::tr("File for the secret that signs access tokens, created (32 random bytes, mode 0600) when missing: "
                "the one \"serve --jwt-secret-file\" takes. Default for SQLite: <database>.jwt-secret; with "
                "PostgreSQL none is made unless this is given."),
        QStringLiteral("FILE"));
    parser.addOptions(
        { db, email, passwordFile, organization, username, auditKey, jwtSecret, appRole, appRolePassword });
    const QString notes
        = Cli::tr("Creates the schema, the built-in roles and permissions, the first organization and its super admin\n"
                  "(--admin-email and --admin-password-file are required for that), the audit key (mode 0600)\n"
                  "with a first checkpoint of the audit log beside it, and the JWT signing secret (mode 0600) when\n"
                  "it is missing.\n"
                  "On a database that is already initialised it only applies pending schema migrations and creates\n"
                  "the audit key when there is none yet; the admin options are not needed then. The password is\n"
                  "never printed.\n"
                  "On PostgreSQL, --app-role creates the role consoles and servers should connect as (run init\n"
                  "with it again after an upgrade, so that new tables are granted too).");
    Parsed<InitOptions> parsed;
    if (auto leave
        = parseCommand(parser, kInit, Cli::tr("Create and initialise a Portcullis database."), arguments, notes)) {
        parsed.exitCode = *leave;
        return parsed;
    }
    auto dbValue = requiredValue(parser, db, kInit);
    if (!dbValue) {
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    // --admin-email and --admin-password-file are needed to create a database, not to bring an
    // initialised one up to date (runInit says so when they are missing and needed).
    InitOptions options;
    options.database = *dbValue;
    options.adminEmail = parser.value(email).trimmed();
    options.adminPasswordFile = parser.value(passwordFile); // as given: a file name may have spaces
    if (parser.isSet(organization)) {
        options.organization = parser.value(organization).trimmed();
        options.organizationGiven = true;
    }
    options.adminUsername = parser.value(username).trimmed();
    options.auditKeyFile = parser.value(auditKey);
    options.jwtSecretFile = parser.value(jwtSecret);
    options.appRole = parser.value(appRole).trimmed();
    options.appRolePasswordFile = parser.value(appRolePassword);
    if (!options.appRole.isEmpty() && options.appRolePasswordFile.isEmpty()) {
        usageError(kInit, Cli::tr("--app-role needs --app-role-password-file"));
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    if (options.appRole.isEmpty() && !options.appRolePasswordFile.isEmpty()) {
        usageError(kInit, Cli::tr("--app-role-password-file is only used with --app-role"));
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    static const QRegularExpression roleName(QStringLiteral("^[a-z_][a-z0-9_]{0,62}$"));
    if (!options.appRole.isEmpty() && !roleName.match(options.appRole).hasMatch()) {
        usageError(kInit,
                   Cli::tr("--app-role: use lower-case letters, digits and _ (at most 63, not starting with "
                           "a digit)"));
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    parsed.options = options;
    return parsed;
}

namespace {

// The least-privilege role of a PostgreSQL deployment (init --app-role): may read and write what
// consoles and serve write, may append to the audit log but not change or delete it, may not make
// purge records (only purge-audit, run as the owner, does) and may not change the schema. The
// statements are built by the server's format() with %I and %L, so the name and the password are
// quoted by PostgreSQL itself. Applied again on every run: tables added by a migration are granted.
Status applyAppRole(QSqlDatabase& db, const QString& role, const QString& password)
{
    QSqlQuery q(db);
    auto run = [&](const QString& sql, const QVariantList& values = {}) -> Status {
        q.prepare(sql);
        for (const QVariant& v : values)
            q.addBindValue(v);
        if (!q.exec())
            return ServiceError::storage(q.lastError().databaseText().trimmed());
        return {};
    };
    // Builds a statement with format() on the server and runs it.
    auto runFormatted = [&](const QString& pattern, const QVariantList& values) -> Status {
        if (auto built = run(QStringLiteral("SELECT format(") + pattern + QStringLiteral(")"), values); !built)
            return built;
        if (!q.next())
            return ServiceError::storage(QStringLiteral("format() returned nothing"));
        const QString statement = q.value(0).toString();
        q.finish();
        // Run as it is: DDL cannot be a prepared statement.
        QSqlQuery direct(db);
        if (!direct.exec(statement))
            return ServiceError::storage(direct.lastError().databaseText().trimmed());
        return {};
    };
    if (auto exists = run(QStringLiteral("SELECT 1 FROM pg_roles WHERE rolname = ?"), { role }); !exists)
        return exists;
    const bool exists = q.next();
    q.finish();
    const QString attributes = QStringLiteral(" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD %L");
    if (auto made = runFormatted(QStringLiteral("'") + (exists ? QStringLiteral("ALTER") : QStringLiteral("CREATE"))
                                     + QStringLiteral(" ROLE %I") + attributes + QStringLiteral("', ?::text, ?::text"),
                                 { role, password });
        !made)
        return made;
    const QStringList grants = {
        QStringLiteral("GRANT CONNECT ON DATABASE %2$I TO %1$I"),
        QStringLiteral("GRANT USAGE ON SCHEMA public TO %1$I"),
        QStringLiteral("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %1$I"),
        QStringLiteral("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %1$I"),
        // The audit log: appended to and read, never changed or deleted; purges are the owner's.
        QStringLiteral("REVOKE UPDATE, DELETE ON audit_events FROM %1$I"),
        QStringLiteral("REVOKE INSERT, UPDATE, DELETE ON audit_purges, schema_migrations FROM %1$I"),
        QStringLiteral("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %1$I"),
    };
    for (const QString& grant : grants) {
        if (auto done
            = runFormatted(QStringLiteral("'") + grant + QStringLiteral("', ?::text, current_database()"), { role });
            !done)
            return done;
    }
    return {};
}

} // namespace

namespace {

// One run of `init`: check what was given, open (or create) the database, then either complete an
// existing deployment (migrations, audit key, JWT secret, app role) or create its first
// organization and super admin. Each step says what went wrong and gives the exit code.
class InitRun
{
public:
    explicit InitRun(const InitOptions& options)
        : m_options(options)
        , m_email(options.adminEmail.trimmed().toLower())
        , m_adminGiven(!m_email.isEmpty() || !options.adminPasswordFile.isEmpty())
        , m_username(options.adminUsername.isEmpty() ? usernameFromEmail(m_email) : options.adminUsername)
        , m_organizationName(options.organization.trimmed())
        , m_slug(policy::slugify(m_organizationName))
    { }

    int run()
    {
        if (const auto failed = checkNames())
            return *failed;
        auto config = DatabaseConfig::parse(m_options.database);
        if (!config) {
            commandError(kInit, config.error().message);
            return exitcode::Usage;
        }
        m_config = *config;
        if (const auto failed = readAppRolePassword())
            return *failed;
        // The password is checked before anything is written; for a new SQLite file even before
        // the file is created, so a refused init leaves nothing behind.
        const bool newFile = m_config.dialect == Dialect::Sqlite && !QFileInfo::exists(m_config.path);
        if (newFile && adminMissing())
            return exitcode::Usage;
        if (newFile && !loadPassword())
            return exitcode::Failure;
        if (const auto failed = open())
            return *failed;
        if (schemaVersion(m_connection.db()) > 0) {
            auto users = countRows(m_connection.db(), QStringLiteral("users"));
            if (!users) {
                commandError(kInit, users.error().message);
                return exitcode::Storage;
            }
            if (*users > 0)
                return completeExisting();
            // A schema without a single user is an init that stopped half-way: nobody could ever
            // sign in, so finish it.
            printOut(Cli::tr("%1 has a schema but no users; completing the initialisation").arg(where()));
        }
        return createFirst();
    }

private:
    QString where() const { return m_connection.config().displayName(); }

    std::optional<int> checkNames() const
    {
        if (m_adminGiven) {
            if (auto v = policy::validateEmail(m_email); !v) {
                commandError(kInit, Cli::tr("--admin-email: %1").arg(v.error().message));
                return exitcode::Failure;
            }
            if (auto v = policy::validateUsername(m_username); !v) {
                commandError(kInit, Cli::tr("--admin-username: %1").arg(v.error().message));
                return exitcode::Failure;
            }
        }
        if (m_organizationName.isEmpty() || !policy::validateSlug(m_slug)) {
            commandError(kInit, Cli::tr("--org: give the organization a name with letters or digits"));
            return exitcode::Failure;
        }
        return std::nullopt;
    }

    std::optional<int> readAppRolePassword()
    {
        if (m_options.appRole.isEmpty())
            return std::nullopt;
        if (m_config.dialect != Dialect::Postgres) {
            usageError(kInit, Cli::tr("--app-role is for PostgreSQL; a SQLite file is protected by its file mode"));
            return exitcode::Usage;
        }
        auto read = readPasswordFile(m_options.appRolePasswordFile);
        if (!read) {
            commandError(kInit, read.error().message);
            return exitcode::Failure;
        }
        if (read->size() < 16) {
            commandError(kInit, Cli::tr("--app-role-password-file: use at least 16 characters"));
            return exitcode::Failure;
        }
        m_appRolePassword = *read;
        return std::nullopt;
    }

    // Creating needs both; checked again once we know whether the database must be created.
    bool adminMissing() const
    {
        if (!m_email.isEmpty() && !m_options.adminPasswordFile.isEmpty())
            return false;
        usageError(kInit, Cli::tr("--admin-email and --admin-password-file are required to create a database"));
        return true;
    }

    bool loadPassword()
    {
        auto read = readPasswordFile(m_options.adminPasswordFile);
        if (!read) {
            commandError(kInit, read.error().message);
            return false;
        }
        const QStringList problems = policy::passwordProblems(*read);
        if (!problems.isEmpty()) {
            commandError(kInit,
                         Cli::tr("the admin password does not meet the password policy: %1")
                             .arg(problems.join(QLatin1Char(' '))));
            return false;
        }
        m_password = *read;
        return true;
    }

    // The key must have a place before anything is written: every audit event is keyed.
    std::optional<int> open()
    {
        const QString keyFile = auditkey::resolvePath(m_options.auditKeyFile, m_config.dialect, m_config.path);
        if (keyFile.isEmpty()) {
            usageError(kInit,
                       Cli::tr("--audit-key is required with PostgreSQL (or set %1); every server of the deployment "
                               "must share it")
                           .arg(QLatin1String(auditkey::kEnvironmentVariable)));
            return exitcode::Usage;
        }
        if (auto opened = m_connection.open(m_options.database, true, keyFile); !opened) {
            commandError(kInit, opened.error().message);
            return exitcode::Storage;
        }
        return std::nullopt;
    }

    // An initialised database: pending migrations, then the key, secret and role steps.
    int completeExisting()
    {
        auto applied = migrate(m_connection.db(), m_connection.config().dialect);
        if (!applied) {
            commandError(kInit, applied.error().message);
            return exitcode::Storage;
        }
        printOut(Cli::tr("database already initialised (schema version %1); %2")
                     .arg(schemaVersion(m_connection.db()))
                     .arg(*applied == 0       ? Cli::tr("no migration was pending")
                              : *applied == 1 ? Cli::tr("applied 1 migration")
                                              : Cli::tr("applied %1 migrations").arg(*applied)));
        // Options that only shape a new database: say they were not used rather than let the
        // operator believe an admin or an organization was created.
        QStringList unused;
        if (!m_options.adminEmail.isEmpty())
            unused << QStringLiteral("--admin-email");
        if (!m_options.adminPasswordFile.isEmpty())
            unused << QStringLiteral("--admin-password-file");
        if (!m_options.adminUsername.isEmpty())
            unused << QStringLiteral("--admin-username");
        if (m_options.organizationGiven)
            unused << QStringLiteral("--org");
        if (!unused.isEmpty())
            printErr(Cli::tr("%1: %2 not used: %3 is initialised already, so no admin or organization was "
                             "created (add them in the console or through the API)")
                         .arg(kInit, unused.join(QStringLiteral(", ")), where()));
        return finish();
    }

    // A new deployment: its first organization and super admin.
    int createFirst()
    {
        if (!m_password && adminMissing())
            return exitcode::Usage;
        if (!m_password && !loadPassword())
            return exitcode::Failure;
        NewOrganization newOrganization;
        newOrganization.name = m_organizationName;
        newOrganization.slug = m_slug;
        newOrganization.plan = kDefaultOrganizationPlan;
        newOrganization.maxUsers = kDefaultOrganizationMaxUsers;
        NewUser admin;
        admin.email = m_email;
        admin.username = m_username;
        admin.fullName = Cli::tr("Super Admin");
        admin.password = *m_password;
        auto user = createFirstSuperAdmin(m_connection.store(), newOrganization, admin);
        admin.password.fill(QLatin1Char('\0'));
        m_password->fill(QLatin1Char('\0'));
        if (!user) {
            QString message = user.error().message;
            for (auto it = user.error().fieldErrors.cbegin(); it != user.error().fieldErrors.cend(); ++it) {
                if (it.value() != message)
                    message += QStringLiteral(" (%1: %2)").arg(it.key(), it.value());
            }
            commandError(kInit, Cli::tr("cannot create the super admin: %1").arg(message));
            return exitCodeFor(user.error());
        }
        printOut(Cli::tr("initialised %1 (schema version %2)").arg(where()).arg(schemaVersion(m_connection.db())));
        printOut(
            Cli::tr("organization \"%1\" (slug %2, id %3)").arg(m_organizationName, m_slug).arg(user->organizationId));
        printOut(Cli::tr("super admin %1 (username %2, id %3)").arg(user->email, user->username).arg(user->id));
        return finish();
    }

    // What every successful init ends with: the audit key and a checkpoint, the JWT secret, the
    // app role.
    int finish()
    {
        if (!keyAndCheckpoint())
            return exitcode::AuditKey;
        if (!writeJwtSecret())
            return exitcode::Failure;
        return finishAppRole();
    }

    // The audit key (created when the chain has no keyed event yet) and a checkpoint of the head.
    bool keyAndCheckpoint()
    {
        SqlStore& store = m_connection.store();
        if (auto key = store.core().auditKey(); !key) {
            commandError(kInit, key.error().message);
            return false;
        }
        if (auto checkpoint = store.audit().writeCheckpoint(); !checkpoint) {
            commandError(kInit, checkpoint.error().message);
            return false;
        }
        printOut(Cli::tr("audit key %1 (checkpoints in %2)")
                     .arg(store.core().auditKeyFile(), auditkey::checkpointPath(store.core().auditKeyFile())));
        return true;
    }

    // The JWT signing secret, made here once for the deployment: under the systemd unit `serve`
    // refuses to create one (--no-create-secret), so that a second host cannot mint its own.
    bool writeJwtSecret() const
    {
        const QString path = !m_options.jwtSecretFile.isEmpty() ? m_options.jwtSecretFile
            : m_config.dialect == Dialect::Sqlite               ? m_config.path + QStringLiteral(".jwt-secret")
                                                                : QString();
        if (path.isEmpty())
            return true;
        bool created = false;
        if (auto secret = loadOrCreateJwtSecret(path, true, &created); !secret) {
            commandError(kInit, secret.error().message);
            return false;
        }
        if (created)
            printOut(Cli::tr("created the JWT signing secret %1 (mode 0600); every server of this deployment needs "
                             "this file")
                         .arg(path));
        return true;
    }

    // Creates or updates the --app-role once the schema is there, and says what it did.
    int finishAppRole()
    {
        if (m_options.appRole.isEmpty())
            return exitcode::Ok;
        const Status applied = applyAppRole(m_connection.db(), m_options.appRole, m_appRolePassword);
        m_appRolePassword.fill(QLatin1Char('\0'));
        if (!applied) {
            commandError(kInit,
                         Cli::tr("--app-role %1: %2 (the database user of --db needs CREATEROLE)")
                             .arg(m_options.appRole, applied.error().message));
            return exitcode::Storage;
        }
        printOut(Cli::tr("role %1 may now sign in: it reads and writes what consoles and serve need, appends to the "
                         "audit log and changes neither it nor the schema")
                     .arg(m_options.appRole));
        return exitcode::Ok;
    }

    const InitOptions& m_options;
    const QString m_email;
    const bool m_adminGiven;
    const QString m_username;
    const QString m_organizationName;
    const QString m_slug;
    DatabaseConfig m_config;
    QString m_appRolePassword;
    std::optional<QString> m_password;
    StoreConnection m_connection;
};

} // namespace

int runInit(const InitOptions& options)
{
    return InitRun(options).run();
}

int initCommand(const QStringList& arguments)
{
    const Parsed<InitOptions> parsed = parseInit(arguments);
    return parsed.options ? runInit(*parsed.options) : parsed.exitCode;
}

// --- seed-demo -------------------------------------------------------------------------------

Parsed<SeedDemoOptions> parseSeedDemo(const QStringList& arguments)
{
    const SeedDemoOptions defaults;
    QCommandLineParser parser;
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption tenants(QStringLiteral("tenants"),
                                     Cli::tr("Number of demo organizations (default %1).").arg(defaults.tenants),
                                     QStringLiteral("N"));
    const QCommandLineOption users(
        QStringLiteral("users"),
        Cli::tr("Number of demo users, spread over the organizations (default %1).").arg(defaults.users),
        QStringLiteral("N"));
    const QCommandLineOption events(
        QStringLiteral("events"),
        Cli::tr("Number of audit events over the last 90 days (default %1).").arg(defaults.events),
        QStringLiteral("N"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  Cli::tr("Seed of the random generator; the same seed gives the same data "
                                          "(default %1).")
                                      .arg(defaults.seed),
                                  QStringLiteral("S"));
    const QCommandLineOption auditKey = auditKeyOption();
    parser.addOptions({ db, tenants, users, events, seed, auditKey });
    const QString notes = Cli::tr(
        "Adds realistic demo data to a database (creating the schema first when it has none): organizations\n"
        "with plans, users with roles across all levels (some suspended, banned, locked or deleted), API keys,\n"
        "sessions (active, expired, revoked, impersonated) and an audit history that continues the existing\n"
        "hash chain, so verify-audit still passes.\n"
        "\n"
        "All demo users share ONE password, hashed once with Argon2id, and the command prints it. Do not\n"
        "seed a database that real people use. API key and session secrets are random (not derived from\n"
        "--seed) and are never shown; only their SHA-256 is stored.");
    Parsed<SeedDemoOptions> parsed;
    if (auto leave = parseCommand(parser, kSeedDemo, Cli::tr("Fill a database with demo tenants, users and events."),
                                  arguments, notes)) {
        parsed.exitCode = *leave;
        return parsed;
    }
    SeedDemoOptions options;
    auto dbValue = requiredValue(parser, db, kSeedDemo);
    auto tenantCount = dbValue ? integerValue(parser, tenants, kSeedDemo, defaults.tenants, 1, 10000) : std::nullopt;
    auto userCount = tenantCount ? integerValue(parser, users, kSeedDemo, defaults.users, 0, 10000000) : std::nullopt;
    auto eventCount = userCount ? integerValue(parser, events, kSeedDemo, defaults.events, 0, 100000000) : std::nullopt;
    if (!eventCount) {
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    if (parser.isSet(seed)) {
        bool ok = false;
        options.seed = parser.value(seed).trimmed().toULongLong(&ok);
        if (!ok) {
            usageError(kSeedDemo, Cli::tr("--seed takes a non-negative whole number"));
            parsed.exitCode = exitcode::Usage;
            return parsed;
        }
    }
    options.database = *dbValue;
    options.tenants = int(*tenantCount);
    options.users = *userCount;
    options.events = *eventCount;
    options.auditKeyFile = parser.value(auditKey);
    parsed.options = options;
    return parsed;
}

int seedDemoCommand(const QStringList& arguments)
{
    const Parsed<SeedDemoOptions> parsed = parseSeedDemo(arguments);
    return parsed.options ? runSeedDemo(*parsed.options) : parsed.exitCode;
}

// --- verify-audit ----------------------------------------------------------------------------

Parsed<VerifyAuditOptions> parseVerifyAudit(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption auditKey = auditKeyOption();
    parser.addOptions({ db, auditKey });
    const QString notes = Cli::tr(
        "Recomputes the keyed hash chain (HMAC-SHA256 under the audit key) of the audit log from the stored rows,\n"
        "checks every purge record's MAC, and compares the newest events with the checkpoint file beside the key.\n"
        "Prints \"ok: N events\" and exits 0, or names what it found:\n"
        "  1  an edited event (its id)          3  a missing range of events (their ids)\n"
        "  4  a forged purge record             5  a truncated tail since checkpoint N\n"
        "  6  no usable audit key, or a checkpoint file that is not authentic\n"
        "Exits 2 when the database cannot be read. Events from before the key are reported as unkeyed.");
    Parsed<VerifyAuditOptions> parsed;
    if (auto leave
        = parseCommand(parser, kVerifyAudit, Cli::tr("Check the audit log's hash chain."), arguments, notes)) {
        parsed.exitCode = *leave;
        return parsed;
    }
    auto dbValue = requiredValue(parser, db, kVerifyAudit);
    if (!dbValue) {
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    parsed.options = VerifyAuditOptions { *dbValue, parser.value(auditKey) };
    return parsed;
}

int runVerifyAudit(const VerifyAuditOptions& options)
{
    StoreConnection connection;
    if (auto opened = connection.open(options.database, false, options.auditKeyFile); !opened) {
        commandError(kVerifyAudit, opened.error().message);
        return exitcode::Storage;
    }
    if (schemaVersion(connection.db()) == 0) {
        commandError(kVerifyAudit,
                     Cli::tr("%1 holds no Portcullis schema; run \"%2 init\" first")
                         .arg(connection.config().displayName(), programName()));
        return exitcode::Storage;
    }
    if (schemaVersion(connection.db()) < latestSchemaVersion()) {
        commandError(kVerifyAudit,
                     Cli::tr("%1 is at schema version %2; run \"%3 init\" to migrate it and create its audit key")
                         .arg(connection.config().displayName())
                         .arg(schemaVersion(connection.db()))
                         .arg(programName()));
        return exitcode::AuditKey;
    }
    using Finding = AuditVerification::Finding;
    const AuditVerification result = connection.store().audit().verifyChain();
    if (result.ok) {
        printOut(Cli::tr("ok: %1 events").arg(result.count));
        if (result.unkeyedFrom != 0)
            printOut(Cli::tr("note: events %1 to %2 are from before the key (unkeyed, not authenticated)")
                         .arg(result.unkeyedFrom)
                         .arg(result.unkeyedTo));
        const QString checkpoints = auditkey::checkpointPath(connection.store().core().auditKeyFile());
        if (result.checkpointCounter > 0)
            printOut(Cli::tr("checkpoint %1 matches").arg(result.checkpointCounter));
        else
            printOut(Cli::tr("note: no checkpoint in %1, so a cut-off tail would not be noticed").arg(checkpoints));
        return exitcode::Ok;
    }
    switch (result.finding) {
    case Finding::Unreadable:
    case Finding::None:
        commandError(kVerifyAudit, Cli::tr("cannot read the audit log: %1").arg(result.problem));
        return exitcode::Storage;
    case Finding::KeyProblem:
        commandError(kVerifyAudit, result.problem);
        return exitcode::AuditKey;
    case Finding::EditedEvent:
        printOut(Cli::tr("broken: event %1: %2").arg(result.firstBrokenId).arg(result.problem));
        return exitcode::Failure;
    case Finding::MissingRange:
        printOut(Cli::tr("broken: %1").arg(result.problem));
        return exitcode::MissingRange;
    case Finding::ForgedPurge:
        printOut(Cli::tr("broken: %1").arg(result.problem));
        return exitcode::ForgedPurge;
    case Finding::TruncatedTail:
        printOut(Cli::tr("broken: %1").arg(result.problem));
        return exitcode::TruncatedTail;
    }
    return exitcode::Failure;
}

int verifyAuditCommand(const QStringList& arguments)
{
    const Parsed<VerifyAuditOptions> parsed = parseVerifyAudit(arguments);
    return parsed.options ? runVerifyAudit(*parsed.options) : parsed.exitCode;
}

// --- purge-audit -----------------------------------------------------------------------------

Parsed<PurgeAuditOptions> parsePurgeAudit(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption db = databaseOption();
    const QCommandLineOption olderThan(QStringLiteral("older-than"),
                                       Cli::tr("Remove the events older than this many days (1 to 36500)."),
                                       QStringLiteral("DAYS"));
    const QCommandLineOption email(QStringLiteral("admin-email"),
                                   Cli::tr("Email address of the super admin the purge is recorded under."),
                                   QStringLiteral("EMAIL"));
    const QCommandLineOption passwordFile(
        QStringLiteral("admin-password-file"),
        Cli::tr("File holding that super admin's password (one trailing newline is ignored; \"-\" reads standard "
                "input). The admin signs in with it, as in the console."),
        QStringLiteral("FILE"));
    const QCommandLineOption auditKey = auditKeyOption();
    parser.addOptions({ db, olderThan, email, passwordFile, auditKey });
    const QString notes
        = Cli::tr("Audit retention: deletes the audit events older than the given age, oldest first. The hash of the\n"
                  "last removed event is kept as the anchor the remaining chain is verified from, in a purge record\n"
                  "authenticated with the audit key, so verify-audit still passes, and the purge itself is audited\n"
                  "(audit.purged, with the number of events removed). A checkpoint is written afterwards.\n"
                  "Prints \"purged N events\" and exits 0 (nothing when no event was old enough; the run is audited\n"
                  "either way); exits 1 when the admin is not a super admin or the password is wrong.");
    Parsed<PurgeAuditOptions> parsed;
    if (auto leave = parseCommand(parser, kPurgeAudit,
                                  Cli::tr("Remove old audit events (retention), keeping the chain verifiable."),
                                  arguments, notes)) {
        parsed.exitCode = *leave;
        return parsed;
    }
    auto dbValue = requiredValue(parser, db, kPurgeAudit);
    if (!dbValue) {
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    if (!parser.isSet(olderThan)) {
        usageError(kPurgeAudit, Cli::tr("--older-than is required"));
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    auto days = integerValue(parser, olderThan, kPurgeAudit, 0, 1, 36500);
    if (!days) {
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    auto emailValue = requiredValue(parser, email, kPurgeAudit);
    if (!emailValue) {
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    if (parser.value(passwordFile).isEmpty()) {
        usageError(kPurgeAudit, Cli::tr("--admin-password-file is required (the super admin signs in)"));
        parsed.exitCode = exitcode::Usage;
        return parsed;
    }
    parsed.options = PurgeAuditOptions { *dbValue, int(*days), emailValue->toLower(), parser.value(passwordFile),
                                         parser.value(auditKey) };
    return parsed;
}

int runPurgeAudit(const PurgeAuditOptions& options)
{
    StoreConnection connection;
    if (auto opened = connection.open(options.database, false, options.auditKeyFile); !opened) {
        commandError(kPurgeAudit, opened.error().message);
        return exitcode::Storage;
    }
    if (schemaVersion(connection.db()) == 0) {
        commandError(kPurgeAudit,
                     Cli::tr("%1 holds no Portcullis schema; run \"%2 init\" first")
                         .arg(connection.config().displayName(), programName()));
        return exitcode::Storage;
    }
    if (auto applied = migrate(connection.db(), connection.config().dialect); !applied) {
        commandError(kPurgeAudit, applied.error().message);
        return exitcode::Storage;
    }
    SqlStore& store = connection.store();
    // The purge record is MACed with the key: without one there is no purge.
    if (auto key = store.core().auditKey(); !key) {
        commandError(kPurgeAudit, key.error().message);
        return exitcode::AuditKey;
    }
    auto admin = store.core().loadUserByLogin(options.adminEmail);
    if (!admin) {
        commandError(kPurgeAudit, Cli::tr("--admin-email: no account %1").arg(options.adminEmail));
        return exitcode::Failure;
    }
    // Only an account that could sign in now may be recorded as the one who purged.
    if (admin->deleted || !admin->active || admin->isBanned(QDateTime::currentDateTimeUtc())) {
        commandError(kPurgeAudit, Cli::tr("--admin-email: %1 is deleted, suspended or banned").arg(admin->email));
        return exitcode::Failure;
    }
    auto password = readPasswordFile(options.adminPasswordFile);
    if (!password) {
        commandError(kPurgeAudit, password.error().message);
        return exitcode::Failure;
    }
    // The admin signs in as in the console: password, lockout, status, and the sign-in is audited.
    auto login = store.auth().login(options.adminEmail, *password, QStringLiteral("local"),
                                    programName() + QStringLiteral(" purge-audit"));
    password->fill(QLatin1Char('\0'));
    if (!login) {
        commandError(kPurgeAudit,
                     Cli::tr("--admin-email: %1 could not sign in: %2").arg(options.adminEmail, login.error().message));
        return exitCodeFor(login.error());
    }
    Actor actor = login->actor;
    actor.ip = QStringLiteral("local");
    actor.userAgent = programName() + QStringLiteral(" purge-audit");
    const QDateTime before = QDateTime::currentDateTimeUtc().addDays(-options.olderThanDays);
    auto purged = store.audit().purge(actor, before);
    if (auto ended = store.auth().logout(actor); !ended)
        commandError(kPurgeAudit, ended.error().message);
    if (!purged) {
        commandError(kPurgeAudit, purged.error().message);
        return exitCodeFor(purged.error());
    }
    if (auto checkpoint = store.audit().writeCheckpoint(); !checkpoint) {
        commandError(kPurgeAudit, checkpoint.error().message);
        return exitcode::AuditKey;
    }
    // Quiet when there was nothing to purge (a monthly cron job mails only what it did); the run is
    // in the audit log either way.
    if (*purged > 0)
        printOut(Cli::tr("purged %1 events older than %2 UTC")
                     .arg(*purged)
                     .arg(before.toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
    return exitcode::Ok;
}

// --- permissions -----------------------------------------------------------------------------

QString permissionsMarkdown()
{
    // English on purpose: the codes and descriptions are data, stored in every database as they are.
    QStringList out;
    out << QStringLiteral("# Permissions and built-in roles") << QString()
        << QStringLiteral("Generated by `portcullis-server permissions > docs/permissions.md` from the code that seeds "
                          "every database; `tst_server_cli` fails when this page and the program disagree.")
        << QString() << QStringLiteral("## Built-in roles") << QString()
        << QStringLiteral("A role holds its own permissions plus those of every built-in role with a lower level. "
                          "Access tokens carry role codes only; `GET /api/auth/me` returns the effective permissions.")
        << QString() << QStringLiteral("| role | level | description | own permissions |")
        << QStringLiteral("|---|---|---|---|");
    for (const Role& role : policy::builtInRoles()) {
        QStringList codes = role.permissions;
        codes.sort();
        for (QString& code : codes)
            code = QLatin1Char('`') + code + QLatin1Char('`');
        out << QStringLiteral("| `%1` | %2 | %3 | %4 |")
                   .arg(role.code)
                   .arg(role.level)
                   .arg(role.description, codes.join(QStringLiteral(", ")));
    }
    out << QString() << QStringLiteral("Effective permissions (own plus inherited):") << QString()
        << QStringLiteral("| role | count |") << QStringLiteral("|---|---|");
    for (const Role& role : policy::builtInRoles()) {
        const QSet<QString> effective = policy::effectivePermissions(role);
        out << QStringLiteral("| `%1` | %2 |")
                   .arg(role.code,
                        effective.contains(QStringLiteral("*")) ? QStringLiteral("every permission (`*`)")
                                                                : QString::number(effective.size()));
    }
    QStringList categories;
    for (const Permission& p : policy::permissionCatalog()) {
        if (!categories.contains(p.category))
            categories << p.category;
    }
    out << QString() << QStringLiteral("## Permission catalog") << QString()
        << QStringLiteral("Custom roles may hold any of these, or a wildcard such as `admin:user:*`, but never a "
                          "permission their creator lacks.");
    for (const QString& category : std::as_const(categories)) {
        QList<Permission> inCategory;
        for (const Permission& p : policy::permissionCatalog()) {
            if (p.category == category)
                inCategory << p;
        }
        out << QString() << QStringLiteral("### %1 (%2)").arg(category).arg(inCategory.size()) << QString()
            << QStringLiteral("| code | description |") << QStringLiteral("|---|---|");
        for (const Permission& p : std::as_const(inCategory))
            out << QStringLiteral("| `%1` | %2 |").arg(p.code, p.description);
    }
    // The prefixes a custom code may not use: every first segment and category of the catalog, and
    // the reserved words (policy::isBuiltInPrefix).
    QStringList reserved { QStringLiteral("api"), QStringLiteral("auth"), QStringLiteral("portcullis"),
                           QStringLiteral("self"), QStringLiteral("system") };
    for (const Permission& p : policy::permissionCatalog()) {
        for (const QString& prefix : { p.code.section(QLatin1Char(':'), 0, 0), p.category }) {
            if (prefix != QLatin1String("*") && !reserved.contains(prefix))
                reserved << prefix;
        }
    }
    reserved.sort();
    for (QString& prefix : reserved)
        prefix = QLatin1Char('`') + prefix + QLatin1Char('`');
    out << QString() << QStringLiteral("## Custom permission codes") << QString()
        << QStringLiteral("Besides the catalog, each organization may define up to %1 codes of its own for the "
                          "applications that use Portcullis: `<slug>:<resource>:<action>`, where `<slug>` is the "
                          "organization's slug and `<resource>` and `<action>` are 1 to %2 lower-case ASCII letters, "
                          "digits, `_` or `-`, each starting with a letter (`acme:report:view`). They go into the "
                          "organization's own roles and its users' API keys and are checked by exact match; "
                          "Portcullis itself never grants a right for one. Defining and deleting them needs `%3` in "
                          "the organization (see `docs/api.md`, \"Custom permission codes\").")
               .arg(policy::CustomCodes::PerOrganization)
               .arg(policy::CustomCodes::MaxPart)
               .arg(perm::RoleEdit)
        << QString()
        << QStringLiteral("No custom code may start with a built-in prefix: %1.")
               .arg(reserved.join(QStringLiteral(", ")));
    return out.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

int permissionsCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QString kPermissions = QStringLiteral("permissions");
    if (auto leave
        = parseCommand(parser, kPermissions,
                       Cli::tr("Print the permission catalog and the built-in roles as Markdown."), arguments, {}))
        return *leave;
    std::fputs(permissionsMarkdown().toUtf8().constData(), stdout);
    return exitcode::Ok;
}

int openApiCommand(const QStringList& arguments)
{
    QCommandLineParser parser;
    const QString kOpenApi = QStringLiteral("openapi");
    if (auto leave = parseCommand(
            parser, kOpenApi, Cli::tr("Print the REST API's contract as an OpenAPI 3.1 document (JSON)."), arguments,
            Cli::tr("The document is built from the server's route declarations; the server serves the same at\n"
                    "GET /api/openapi.json. docs/openapi.json is this output.")))
        return *leave;
    std::fwrite(openApiDocument().constData(), 1, size_t(openApiDocument().size()), stdout);
    return exitcode::Ok;
}

int purgeAuditCommand(const QStringList& arguments)
{
    const Parsed<PurgeAuditOptions> parsed = parsePurgeAudit(arguments);
    return parsed.options ? runPurgeAudit(*parsed.options) : parsed.exitCode;
}

} // namespace portcullis::server
