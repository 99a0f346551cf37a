// `portcullis-server seed-demo`: realistic demo data at a chosen scale.
//
// Speed matters (100k users and 1M audit events in well under two minutes on SQLite), so rows go in
// through prepared multi-row INSERTs with positional binds, a transaction per 50k rows, and every
// demo user shares one Argon2id hash. The writes bypass the managers on purpose: the audit events
// are chained here exactly as StoreCore::appendAudit chains them (auditchain::keyedHash), continuing from
// the current chain head, so `verify-audit` passes afterwards.
//
// Determinism: everything is drawn from one std::mt19937_64 seeded with --seed, using the raw engine
// output (the std distributions differ between standard libraries). The exceptions are secrets: API
// keys and session tokens come from the system's CSPRNG, so knowing the seed never yields a working
// credential. Only their SHA-256 is stored and none is ever printed.

#include "commands.h"
#include "httpjson.h"

#include "policy/catalog.h"
#include "policy/policy.h"
#include "security/crypto.h"
#include "sql/auditchain.h"
#include "sql/database.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QSqlQuery>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>

namespace portcullis::server {

namespace {

class SeedDemo
{
    Q_DECLARE_TR_FUNCTIONS(SeedDemo)
};

const QString kCommand = QStringLiteral("seed-demo");
const QString kDemoPassword = QStringLiteral("Demo-Password-2026!");

constexpr qint64 kMinuteMs = 60 * 1000;
constexpr qint64 kHourMs = 60 * kMinuteMs;
constexpr qint64 kDayMs = 24 * kHourMs;
constexpr qint64 kHistoryMs = 90 * kDayMs;
constexpr qint64 kRowsPerCommit = 50000;
// From this many new audit events on (and at least as many as there are already), SQLite drops the
// audit indexes and builds them again afterwards, in the same transaction: sorting once is about
// twice as fast as keeping eight indexes up to date row by row.
constexpr qint64 kRebuildIndexesFrom = 100000;
constexpr int kMaxRowsPerStatement = 500;
constexpr int kMaxBindsPerStatement = 32766; // SQLite's SQLITE_MAX_VARIABLE_NUMBER since 3.32

// --- word lists --------------------------------------------------------------------------------

const std::array kFirstNames = {
    "James",     "Mary",    "Robert",    "Patricia", "John",      "Jennifer", "Michael", "Linda",  "David",
    "Elizabeth", "William", "Barbara",   "Richard",  "Susan",     "Joseph",   "Jessica", "Thomas", "Sarah",
    "Charles",   "Karen",   "Daniel",    "Lisa",     "Matthew",   "Nancy",    "Anthony", "Sandra", "Mark",
    "Ashley",    "Steven",  "Emily",     "Andrew",   "Michelle",  "Joshua",   "Amanda",  "Kevin",  "Melissa",
    "Brian",     "Laura",   "Oliver",    "Sophie",   "Lucas",     "Emma",     "Noah",    "Mia",    "Liam",
    "Hannah",    "Elias",   "Lea",       "Jonas",    "Anna",      "Felix",    "Clara",   "Matteo", "Giulia",
    "Lorenzo",   "Chiara",  "Hugo",      "Camille",  "Louis",     "Chloe",    "Mateo",   "Lucia",  "Pablo",
    "Sofia",     "Diego",   "Valentina", "Ana",      "Joao",      "Beatriz",  "Lars",    "Ingrid", "Sven",
    "Astrid",    "Piotr",   "Zofia",     "Jakub",    "Katarzyna", "Dmitri",   "Olga",    "Ivan",   "Elena",
    "Mehmet",    "Ayse",    "Omar",      "Fatima",   "Yusuf",     "Layla",    "Amir",    "Leila",  "Raj",
    "Priya",     "Arjun",   "Ananya",    "Vikram",   "Deepa",     "Wei",      "Mei",     "Jun",    "Yuki",
    "Hiroshi",   "Sakura",  "Min-jun",   "Ji-woo",   "Kwame",     "Amara",    "Chinedu", "Zanele", "Tariq",
    "Nadia",     "Mateus",  "Isabela",   "Santiago", "Camila",    "Ethan",    "Ava",     "Aiden",  "Isla",
    "Finn",      "Freya",   "Declan",    "Siobhan",  "Rhys",      "Carys",    "Nils",    "Maja",   "Tomas",
    "Eva",       "Andrei",  "Ioana",     "Nikos",    "Eleni",     "Gabriel",  "Ines",    "Samuel", "Rebecca",
};

const std::array kLastNames = {
    "Smith",     "Johnson",  "Williams",  "Brown",        "Jones",      "Garcia",   "Miller",    "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez",        "Gonzalez",   "Wilson",   "Anderson",  "Thomas",
    "Taylor",    "Moore",    "Jackson",   "Martin",       "Lee",        "Thompson", "White",     "Harris",
    "Clark",     "Lewis",    "Robinson",  "Walker",       "Young",      "Allen",    "King",      "Wright",
    "Scott",     "Green",    "Baker",     "Adams",        "Nelson",     "Hill",     "Campbell",  "Mitchell",
    "Roberts",   "Carter",   "Phillips",  "Evans",        "Turner",     "Parker",   "Collins",   "Edwards",
    "Mueller",   "Schmidt",  "Schneider", "Fischer",      "Weber",      "Meyer",    "Wagner",    "Becker",
    "Hoffmann",  "Rossi",    "Russo",     "Ferrari",      "Esposito",   "Bianchi",  "Romano",    "Colombo",
    "Dubois",    "Lefebvre", "Moreau",    "Laurent",      "Girard",     "Fournier", "Fernandez", "Sanchez",
    "Perez",     "Gomez",    "Silva",     "Santos",       "Oliveira",   "Pereira",  "Costa",     "Jansen",
    "de Vries",  "van Dijk", "Bakker",    "Visser",       "Nielsen",    "Hansen",   "Larsen",    "Andersson",
    "Johansson", "Karlsson", "Nowak",     "Kowalski",     "Wisniewski", "Novak",    "Horvat",    "Ivanov",
    "Petrov",    "Popescu",  "Yilmaz",    "Kaya",         "Demir",      "Haddad",   "Khalil",    "Nasser",
    "Patel",     "Sharma",   "Singh",     "Kumar",        "Gupta",      "Reddy",    "Iyer",      "Chen",
    "Wang",      "Li",       "Zhang",     "Liu",          "Huang",      "Tanaka",   "Suzuki",    "Sato",
    "Watanabe",  "Kim",      "Park",      "Choi",         "Nguyen",     "Tran",     "Okafor",    "Mensah",
    "Dlamini",   "Abebe",    "O'Brien",   "Murphy",       "Kelly",      "Byrne",    "MacDonald", "Campos",
    "Lindqvist", "Berg",     "Halvorsen", "Papadopoulos", "Georgiou",   "Kovacs",   "Szabo",     "Cohen",
};

// Microsoft's fictitious sample companies first, then generated names.
const std::array kCompanyNames = {
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Tailspin Toys",
    "Wingtip Toys",
    "Adventure Works",
    "Litware",
    "Proseware",
    "Woodgrove Bank",
    "Lucerne Publishing",
    "Fourth Coffee",
    "Alpine Ski House",
    "Coho Winery",
    "Humongous Insurance",
    "Margie's Travel",
    "Trey Research",
    "Wide World Importers",
    "Blue Yonder Airlines",
    "Southridge Video",
    "Tasmanian Traders",
    "Consolidated Messenger",
    "City Power & Light",
    "Relecloud",
    "VanArsdel",
};
const std::array kCompanyWords = {
    "Silver", "Crimson", "Northern", "Bright",  "Granite", "Blue",   "Evergreen", "Summit",   "Harbor", "Quantum",
    "Iron",   "Cedar",   "Polar",    "Golden",  "Swift",   "Atlas",  "Beacon",    "Pioneer",  "Vertex", "Horizon",
    "Maple",  "Orbit",   "Copper",   "Redwood", "Lumen",   "Nimbus", "Falcon",    "Sterling", "Coral",  "Meridian",
};
const std::array kCompanyKinds = {
    "Analytics", "Logistics", "Robotics", "Health",  "Labs",     "Dynamics",  "Systems",  "Foods",
    "Energy",    "Media",     "Software", "Capital", "Networks", "Biotech",   "Studios",  "Freight",
    "Retail",    "Insurance", "Security", "Cloud",   "Pharma",   "Aerospace", "Mobility", "Consulting",
};
const std::array kCompanySuffixes = { "", "", "", " Inc.", " Ltd", " GmbH", " Group", " LLC", " AG", " SA", " BV" };

const std::array kUserAgents = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
    "Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Edg/120.0",
    "Portcullis-Console/0.1 (Qt 6.4; Linux)",
    "curl/8.4.0",
};

const std::array kApiKeyNames = {
    "CI pipeline",    "Zapier integration", "Grafana exporter",    "Nightly backup",       "Terraform",
    "Slack bot",      "Reporting script",   "Data warehouse sync", "Mobile app (staging)", "HR system sync",
    "Billing export", "Monitoring probe",   "Jupyter notebook",    "SCIM provisioning",    "Support desk",
};

const std::array kBanReasons = {
    "Spam and unsolicited messages",
    "Abusive behaviour toward support staff",
    "Credential stuffing from this account",
    "Terms of service violation",
    "Chargeback fraud",
    "Shared account used by several people",
};

const std::array kSuspendReasons
    = { "Left the company", "Parental leave", "Security review", "Contract ended", "Unpaid invoice" };

const std::array kImpersonationReasons = {
    "Support ticket #%1: reproduce a billing page error",
    "Support ticket #%1: user cannot see shared documents",
    "Support ticket #%1: verify SSO group mapping",
};

// First octets of address blocks run by real access providers and clouds.
const std::array kPublicFirstOctets = { 31,  37,  46,  62,  77,  78, 79, 80, 81, 82,  83,  84,  85,
                                        86,  87,  88,  89,  90,  91, 92, 93, 94, 95,  109, 151, 176,
                                        178, 188, 212, 213, 217, 24, 50, 66, 67, 68,  69,  70,  71,
                                        72,  73,  74,  75,  76,  96, 97, 98, 99, 104, 107, 108, 173 };
// Where password sprays come from in the demo.
const std::array kHostileFirstOctets = { 45, 185, 193, 103, 5, 194, 141, 92 };

// --- random ------------------------------------------------------------------------------------

class Random
{
public:
    explicit Random(quint64 seed)
        : m_engine(seed)
    { }

    quint64 next() { return m_engine(); }
    // Uniform in [0, n); the modulo bias is irrelevant for demo data.
    qint64 below(qint64 n) { return n <= 1 ? 0 : qint64(m_engine() % quint64(n)); }
    qint64 between(qint64 low, qint64 high) { return high <= low ? low : low + below(high - low); }
    double unit() { return double(m_engine() >> 11) * 0x1.0p-53; }
    bool chance(double p) { return unit() < p; }
    template <typename Container> auto pick(const Container& items) -> decltype(items[0])
    {
        return items[size_t(below(qint64(std::size(items))))];
    }

private:
    std::mt19937_64 m_engine;
};

QVariant nullInt()
{
    return QVariant(QMetaType::fromType<qint64>());
}

QVariant nullText()
{
    return QVariant(QMetaType::fromType<QString>());
}

QString jsonArray(const QStringList& items)
{
    return sqlutil::toJsonArray(items);
}

QString seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 2) + QStringLiteral(" s");
}

// --- bulk insert -------------------------------------------------------------------------------

// Multi-row INSERTs with positional binds, a statement per `rowsPerStatement` rows and a commit
// every kRowsPerCommit rows (each its own write transaction, so the audit chain head and the ids
// stay ours while we write).
class BulkInsert
{
public:
    // `rowsPerCommit` 0: one transaction for everything, committed by finish().
    BulkInsert(StoreCore& core, const QString& table, const QStringList& columns, qint64 rowsPerCommit = kRowsPerCommit)
        : m_core(core)
        , m_table(table)
        , m_columns(columns)
        , m_rowsPerCommit(rowsPerCommit)
        , m_rowsPerStatement(std::min<int>(kMaxRowsPerStatement, kMaxBindsPerStatement / int(columns.size())))
        , m_full(core.db())
    {
        m_values.reserve(qsizetype(m_rowsPerStatement) * columns.size());
    }
    ~BulkInsert()
    {
        if (m_inTransaction)
            m_core.rollback();
    }
    BulkInsert(const BulkInsert&) = delete;
    BulkInsert& operator=(const BulkInsert&) = delete;

    // Starts the first write transaction now instead of at the first flush (to read under its lock).
    Status beginTransaction()
    {
        if (m_inTransaction)
            return {};
        if (auto started = m_core.begin(); !started)
            return started;
        m_inTransaction = true;
        return {};
    }

    // Values of one row, in column order.
    Status add(std::initializer_list<QVariant> values)
    {
        Q_ASSERT(values.size() == size_t(m_columns.size()));
        // A null QString would bind as SQL NULL; the text columns want '' (as StoreCore::exec does).
        // Intended NULLs are typed null QVariants (nullText(), nullInt()).
        static const QVariant emptyText(QStringLiteral(""));
        for (const QVariant& value : values) {
            if (value.typeId() == QMetaType::QString && !value.isNull()
                && static_cast<const QString*>(value.constData())->isNull())
                m_values.append(emptyText);
            else
                m_values.append(value);
        }
        ++m_pendingRows;
        if (m_pendingRows == m_rowsPerStatement)
            return flush();
        return {};
    }

    // Writes what is pending and commits.
    Status finish()
    {
        if (m_pendingRows > 0) {
            if (auto flushed = flush(); !flushed)
                return flushed;
        }
        if (m_inTransaction) {
            m_inTransaction = false;
            return m_core.commit();
        }
        return {};
    }

    qint64 rows() const { return m_rows; }

private:
    QString statement(int rows) const
    {
        QString row = QStringLiteral("(?");
        for (qsizetype i = 1; i < m_columns.size(); ++i)
            row += QStringLiteral(",?");
        row += QLatin1Char(')');
        // On SQLite "OR ROLLBACK" spares the statement journal of a multi-row INSERT: a failing row
        // ends the whole transaction, which is what happens anyway.
        QString sql = (m_core.dialect() == Dialect::Sqlite ? QStringLiteral("INSERT OR ROLLBACK INTO ")
                                                           : QStringLiteral("INSERT INTO "))
            + m_table + QStringLiteral(" (") + m_columns.join(QLatin1Char(',')) + QStringLiteral(") VALUES ");
        sql.reserve(sql.size() + rows * (row.size() + 1));
        for (int i = 0; i < rows; ++i) {
            if (i > 0)
                sql += QLatin1Char(',');
            sql += row;
        }
        return sql;
    }

    Status flush()
    {
        if (auto started = beginTransaction(); !started)
            return started;
        QSqlQuery partial(m_core.db());
        QSqlQuery* query = &m_full;
        if (m_pendingRows == m_rowsPerStatement) {
            if (!m_fullPrepared) {
                if (!m_full.prepare(statement(m_rowsPerStatement)))
                    return m_core.sqlError(m_full, SeedDemo::tr("Preparing the %1 rows").arg(m_table));
                m_fullPrepared = true;
            }
        } else {
            query = &partial;
            if (!partial.prepare(statement(m_pendingRows)))
                return m_core.sqlError(partial, SeedDemo::tr("Preparing the %1 rows").arg(m_table));
        }
        for (qsizetype i = 0; i < m_values.size(); ++i)
            query->bindValue(int(i), m_values.at(i));
        if (!query->exec())
            return m_core.sqlError(*query, SeedDemo::tr("Writing the %1 rows").arg(m_table));
        query->finish();
        m_rows += m_pendingRows;
        m_sinceCommit += m_pendingRows;
        m_pendingRows = 0;
        m_values.clear(); // keeps the capacity
        if (m_rowsPerCommit > 0 && m_sinceCommit >= m_rowsPerCommit) {
            m_inTransaction = false;
            m_sinceCommit = 0;
            if (auto committed = m_core.commit(); !committed)
                return committed;
        }
        return {};
    }

    StoreCore& m_core;
    QString m_table;
    QStringList m_columns;
    qint64 m_rowsPerCommit;
    int m_rowsPerStatement;
    QSqlQuery m_full;
    bool m_fullPrepared = false;
    bool m_inTransaction = false;
    QVariantList m_values;
    int m_pendingRows = 0;
    qint64 m_rows = 0;
    qint64 m_sinceCommit = 0;
};

// --- the seeder --------------------------------------------------------------------------------

enum RoleIndex
{
    Viewer,
    Member,
    PowerUser,
    TeamLead,
    Admin,
    RoleCount
};

struct DemoOrganization
{
    Id id = 0;
    QString name;
    QString slug;
    QString domain;
    QString plan;
    int maxUsers = 0;
    qint64 createdAt = 0;
    bool active = true;
    qint64 userCount = 0;
    QString officePrefix; // "84.17.203."
    QList<int> managers; // indexes of its admins and team leads
    QList<int> members; // indexes of everybody else who can act
};

struct DemoUser
{
    Id id = 0;
    int organization = 0; // index into m_organizations
    QString email;
    QString username;
    QString fullName;
    QString ip;
    int role = Member;
    qint64 createdAt = 0;
    bool deleted = false;
    bool suspended = false;
    bool banned = false;
    bool locked = false;

    // Can still sign in and act.
    bool usable() const { return !deleted && !suspended && !banned; }
};

struct DemoApiKey
{
    Id id = 0;
    int owner = 0; // index into m_users
    QString name;
    QString prefix;
};

struct ExistingAdmin
{
    Id id = 0;
    QString email;
    Id organizationId = 0;
};

// One audit event's kind, and the words its rows are made of (both defined with seedAuditEvents).
enum class Event;
class EventWords;

// The audit indexes and triggers dropped for a bulk load: the name and CREATE statement of each.
struct AuditSchemaObjects
{
    QList<std::pair<QString, QString>> indexes;
    QList<std::pair<QString, QString>> triggers;
};

class DemoSeeder
{
public:
    DemoSeeder(StoreConnection& connection, const SeedDemoOptions& options)
        : m_connection(connection)
        , m_core(connection.store().core())
        , m_options(options)
        , m_random(options.seed)
        , m_now(QDateTime::currentMSecsSinceEpoch())
    { }

    int run();

private:
    Status loadExisting();
    Status seedOrganizations();
    Status seedUsers();
    Status seedRoleAssignments();
    Status seedApiKeys();
    Status seedSessions();
    Status seedAuditEvents();
    Status fixSequences();
    void analyze();

    // seedAuditEvents' parts: the bulk load's indexes, and one event by family.
    Status dropPostgresIndexes(const QString& table, AuditSchemaObjects& dropped);
    Status beginPostgresBulkLoad(BulkInsert& insert, const QString& table, AuditSchemaObjects& dropped);
    Status buildIndexes(const AuditSchemaObjects& dropped);
    Status dropAuditIndexes(AuditSchemaObjects& dropped);
    Status restoreAuditIndexes(const AuditSchemaObjects& dropped, Id firstSeeded);
    void makeEvent(auditchain::Row& row, EventWords& words, const QList<int>& actingUsers);
    void superAdminSignIn(auditchain::Row& row, EventWords& words);
    void actAsSubject(auditchain::Row& row, const EventWords& words, const DemoUser& subject);
    bool actAsManager(auditchain::Row& row, const EventWords& words, const DemoOrganization& org);
    void signInEvent(Event event, auditchain::Row& row, EventWords& words, const DemoUser& subject);
    void passwordEvent(Event event, auditchain::Row& row, EventWords& words, const DemoUser& subject);
    void userAdminEvent(Event event, auditchain::Row& row, EventWords& words, const DemoUser& subject,
                        const DemoOrganization& org);
    void roleEvent(Event event, auditchain::Row& row, EventWords& words, const DemoOrganization& org);
    void sessionEvent(auditchain::Row& row, EventWords& words, const DemoOrganization& org);
    void apiKeyEvent(Event event, auditchain::Row& row, EventWords& words);
    void organizationEvent(auditchain::Row& row, EventWords& words, const DemoOrganization& org);
    void impersonationEvent(auditchain::Row& row, EventWords& words);
    void auditExportEvent(auditchain::Row& row, EventWords& words, const DemoOrganization& org);
    QString randomSession();
    QList<int> usableUsers() const;

    Result<qint64> scalar(const QString& sql);
    QString randomPublicIp();
    QString hostileIp();
    QString uniqueValue(QSet<QString>& used, const QString& base, const QString& suffix = {});
    QString localPart(const QString& name) const;
    int pickRole(const DemoOrganization& organization, qint64 position);
    void phase(const QString& name, qint64 count, qint64 elapsedMs);

    StoreConnection& m_connection;
    StoreCore& m_core;
    SeedDemoOptions m_options;
    Random m_random;
    const qint64 m_now;

    QString m_passwordHash;
    QHash<QString, Id> m_roleIds;
    QList<ExistingAdmin> m_superAdmins;
    QSet<QString> m_usedEmails;
    QSet<QString> m_usedUsernames;
    QSet<QString> m_usedSlugs;
    QSet<QString> m_usedOrganizationNames;
    Id m_firstOrganizationId = 1;
    Id m_firstUserId = 1;
    Id m_firstApiKeyId = 1;
    Id m_firstSessionId = 1;
    Id m_nextEventId = 1;
    QByteArray m_chainHead = auditchain::kGenesisHash;
    QList<DemoOrganization> m_organizations;
    QList<DemoUser> m_users;
    QList<DemoApiKey> m_apiKeys;
    qint64 m_organizationCount = 0;
    qint64 m_userCount = 0;
    qint64 m_roleAssignmentCount = 0;
    qint64 m_apiKeyCount = 0;
    qint64 m_sessionCount = 0;
    QList<QString> m_hostileIps;
    QString m_indexNote;
};

Result<qint64> DemoSeeder::scalar(const QString& sql)
{
    QSqlQuery q(m_core.db());
    if (!q.exec(sql) || !q.next())
        return m_core.sqlError(q, SeedDemo::tr("Reading the database"));
    return q.value(0).toLongLong();
}

void DemoSeeder::phase(const QString& name, qint64 count, qint64 elapsedMs)
{
    printOut(QStringLiteral("  %1 %2 %3")
                 .arg(name.leftJustified(18), count >= 0 ? QString::number(count).rightJustified(9) : QString(9, u' '),
                      seconds(elapsedMs).rightJustified(10)));
}

QString DemoSeeder::randomPublicIp()
{
    if (m_random.chance(0.08)) {
        // Residential IPv6 of a European access provider.
        return QStringLiteral("2a02:%1:%2:%3::%4")
            .arg(m_random.between(0x1000, 0xffff), 0, 16)
            .arg(m_random.below(0xffff), 0, 16)
            .arg(m_random.below(0xffff), 0, 16)
            .arg(m_random.between(1, 0xffff), 0, 16);
    }
    return QStringLiteral("%1.%2.%3.%4")
        .arg(m_random.pick(kPublicFirstOctets))
        .arg(m_random.below(256))
        .arg(m_random.below(256))
        .arg(m_random.between(1, 255));
}

QString DemoSeeder::hostileIp()
{
    return m_hostileIps.at(m_random.below(m_hostileIps.size()));
}

QString DemoSeeder::uniqueValue(QSet<QString>& used, const QString& base, const QString& suffix)
{
    QString candidate = base + suffix;
    for (int n = 2; used.contains(candidate); ++n)
        candidate = base + QString::number(n) + suffix;
    used.insert(candidate);
    return candidate;
}

// "José" -> "jose", "O'Brien" -> "obrien", "de Vries" -> "devries".
QString DemoSeeder::localPart(const QString& name) const
{
    return policy::slugify(name).remove(QLatin1Char('-'));
}

Status DemoSeeder::loadExisting()
{
    QSqlQuery q(m_core.db());
    if (!q.exec(QStringLiteral("SELECT id, code FROM roles")))
        return m_core.sqlError(q, SeedDemo::tr("Reading the roles"));
    while (q.next())
        m_roleIds.insert(q.value(1).toString(), q.value(0).toLongLong());
    for (const char* code : { "viewer", "user", "power_user", "team_lead", "admin", "super_admin" }) {
        if (!m_roleIds.contains(QString::fromLatin1(code)))
            return ServiceError::storage(
                SeedDemo::tr("The built-in role %1 is missing").arg(QString::fromLatin1(code)));
    }

    if (!q.exec(QStringLiteral("SELECT u.id, u.email, u.organization_id FROM users u "
                               "JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id "
                               "WHERE r.code = 'super_admin' AND u.deleted = 0 ORDER BY u.id")))
        return m_core.sqlError(q, SeedDemo::tr("Reading the super admins"));
    while (q.next())
        m_superAdmins << ExistingAdmin { q.value(0).toLongLong(), q.value(1).toString(), q.value(2).toLongLong() };

    if (!q.exec(QStringLiteral("SELECT email, username FROM users")))
        return m_core.sqlError(q, SeedDemo::tr("Reading the users"));
    while (q.next()) {
        m_usedEmails.insert(q.value(0).toString().toLower());
        m_usedUsernames.insert(q.value(1).toString());
    }
    if (!q.exec(QStringLiteral("SELECT slug, name FROM organizations")))
        return m_core.sqlError(q, SeedDemo::tr("Reading the organizations"));
    while (q.next()) {
        m_usedSlugs.insert(q.value(0).toString());
        m_usedOrganizationNames.insert(q.value(1).toString());
    }
    q.finish();

    struct Next
    {
        const char* table;
        Id* first;
    };
    for (const Next& next : { Next { "organizations", &m_firstOrganizationId }, Next { "users", &m_firstUserId },
                              Next { "api_keys", &m_firstApiKeyId }, Next { "sessions", &m_firstSessionId } }) {
        auto max = scalar(QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM ") + QLatin1String(next.table));
        if (!max)
            return max.error();
        *next.first = *max + 1;
    }
    for (int i = 0; i < 40; ++i) {
        m_hostileIps << QStringLiteral("%1.%2.%3.%4")
                            .arg(m_random.pick(kHostileFirstOctets))
                            .arg(m_random.below(256))
                            .arg(m_random.below(256))
                            .arg(m_random.between(1, 255));
    }
    return {};
}

// The audit chain head, read as StoreCore::appendAudit reads it, inside the first transaction of
// the event batch (see seedAuditEvents).
Status readChainHead(StoreCore& core, Id* nextId, QByteArray* head)
{
    QSqlQuery q(core.db());
    if (!q.exec(QStringLiteral("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")))
        return core.sqlError(q, SeedDemo::tr("Reading the audit chain"));
    if (q.next()) {
        *nextId = q.value(0).toLongLong() + 1;
        *head = q.value(1).toString().toLatin1();
        return {};
    }
    if (!q.exec(QStringLiteral("SELECT purged_before_id, anchor_hash FROM audit_purges ORDER BY id DESC LIMIT 1")))
        return core.sqlError(q, SeedDemo::tr("Reading the audit chain"));
    if (q.next()) {
        *nextId = q.value(0).toLongLong();
        *head = q.value(1).toString().toLatin1();
    } else {
        *nextId = 1;
        *head = auditchain::kGenesisHash;
    }
    return {};
}

Status DemoSeeder::seedOrganizations()
{
    const int count = m_options.tenants;
    // A few large tenants and a long tail of small ones (weights 1/(rank+1)^0.9).
    QList<double> weights;
    double sum = 0;
    for (int i = 0; i < count; ++i) {
        weights << 1.0 / std::pow(double(i + 1), 0.9);
        sum += weights.last();
    }
    QList<qint64> sizes;
    qint64 assigned = 0;
    for (int i = 0; i < count; ++i) {
        sizes << qint64(std::floor(double(m_options.users) * weights.at(i) / sum));
        assigned += sizes.last();
    }
    for (int i = 0; assigned < m_options.users; i = (i + 1) % count, ++assigned)
        ++sizes[i];
    // Every tenant gets at least one user when there are enough to go round.
    for (int i = count - 1; i > 0 && m_options.users >= count; --i) {
        if (sizes.at(i) == 0) {
            --sizes[0];
            sizes[i] = 1;
        }
    }

    for (int i = 0; i < count; ++i) {
        DemoOrganization org;
        // The well-known sample names first, then made-up ones; never a name already in use.
        if (i < int(kCompanyNames.size()) && m_random.chance(0.7))
            org.name = QString::fromUtf8(kCompanyNames[size_t(i)]);
        for (int attempt = 0; org.name.isEmpty() || m_usedOrganizationNames.contains(org.name); ++attempt) {
            org.name = QString::fromLatin1(m_random.pick(kCompanyWords)) + QLatin1Char(' ')
                + QString::fromLatin1(m_random.pick(kCompanyKinds))
                + QString::fromLatin1(m_random.pick(kCompanySuffixes));
            if (attempt >= 20)
                org.name += QLatin1Char(' ') + QString::number(m_firstOrganizationId + i);
        }
        m_usedOrganizationNames.insert(org.name);
        org.slug = uniqueValue(m_usedSlugs, policy::slugify(org.name));
        org.domain = QString(org.slug).remove(QLatin1Char('-')) + QStringLiteral(".example");
        org.userCount = sizes.at(i);
        if (org.userCount < 80) {
            org.plan = QStringLiteral("free");
            org.maxUsers = 100;
        } else if (org.userCount < 400) {
            org.plan = QStringLiteral("starter");
            org.maxUsers = 500;
        } else if (org.userCount < 4000) {
            org.plan = QStringLiteral("business");
            org.maxUsers = 5000;
        } else {
            org.plan = QStringLiteral("enterprise");
            org.maxUsers = int(((org.userCount * 5 / 4) / 1000 + 1) * 1000);
        }
        org.maxUsers = std::max<int>(org.maxUsers, int(org.userCount + org.userCount / 5 + 10));
        // Organizations predate the audit window, big ones the longest.
        org.createdAt = m_now - kHistoryMs - m_random.between(10 * kDayMs, (i < 3 ? 1000 : 600) * kDayMs);
        // One small tenant is suspended (unpaid invoice) when there are enough of them.
        org.active = !(count >= 8 && i == count - 2);
        org.officePrefix = QStringLiteral("%1.%2.%3.")
                               .arg(m_random.pick(kPublicFirstOctets))
                               .arg(m_random.below(256))
                               .arg(m_random.below(256));
        org.id = m_firstOrganizationId + i;
        m_organizations << org;
    }

    const QStringList columns { QStringLiteral("id"),     QStringLiteral("name"),       QStringLiteral("slug"),
                                QStringLiteral("plan"),   QStringLiteral("max_users"),  QStringLiteral("features"),
                                QStringLiteral("active"), QStringLiteral("created_at"), QStringLiteral("updated_at") };
    BulkInsert insert(m_core, QStringLiteral("organizations"), columns);
    for (const DemoOrganization& org : std::as_const(m_organizations)) {
        QStringList features { QStringLiteral("chat") };
        if (org.plan != QLatin1String("free"))
            features << QStringLiteral("builder");
        if (org.plan == QLatin1String("business") || org.plan == QLatin1String("enterprise"))
            features << QStringLiteral("kb");
        if (org.plan == QLatin1String("enterprise"))
            features << QStringLiteral("rag") << QStringLiteral("sso") << QStringLiteral("audit_export");
        const qint64 updated = org.createdAt + m_random.below(m_now - org.createdAt);
        if (auto added = insert.add({ org.id, org.name, org.slug, org.plan, org.maxUsers, jsonArray(features),
                                      org.active ? 1 : 0, org.createdAt, updated });
            !added)
            return added;
    }
    Status done = insert.finish();
    m_organizationCount = insert.rows();
    return done;
}

int DemoSeeder::pickRole(const DemoOrganization& organization, qint64 position)
{
    // One or two admins per tenant (the first users), then mostly users and viewers.
    const int admins = organization.userCount >= 50 ? 2 : 1;
    if (position < admins)
        return Admin;
    const qint64 roll = m_random.below(1000);
    if (roll < 30)
        return TeamLead;
    if (roll < 110)
        return PowerUser;
    if (roll < 330)
        return Viewer;
    return Member;
}

Status DemoSeeder::seedUsers()
{
    QStringList firstNames;
    QStringList firstLocal;
    for (const char* name : kFirstNames) {
        firstNames << QString::fromUtf8(name);
        firstLocal << localPart(firstNames.last());
    }
    QStringList lastNames;
    QStringList lastLocal;
    for (const char* name : kLastNames) {
        lastNames << QString::fromUtf8(name);
        lastLocal << localPart(lastNames.last());
    }

    m_users.reserve(m_options.users);
    for (int o = 0; o < m_organizations.size(); ++o) {
        const DemoOrganization& org = m_organizations.at(o);
        for (qint64 position = 0; position < org.userCount; ++position) {
            DemoUser user;
            user.organization = o;
            const int first = int(m_random.below(firstNames.size()));
            const int last = int(m_random.below(lastNames.size()));
            user.fullName = firstNames.at(first) + QLatin1Char(' ') + lastNames.at(last);
            const QString& f = firstLocal.at(first);
            const QString& l = lastLocal.at(last);
            const qint64 emailStyle = m_random.below(100);
            QString local;
            if (emailStyle < 60)
                local = f + QLatin1Char('.') + l;
            else if (emailStyle < 80)
                local = f.left(1) + l;
            else if (emailStyle < 90)
                local = f + QLatin1Char('_') + l;
            else
                local = l + QLatin1Char('.') + f;
            user.email = uniqueValue(m_usedEmails, local, QLatin1Char('@') + org.domain);
            const qint64 nameStyle = m_random.below(100);
            QString username;
            if (nameStyle < 50)
                username = f + QLatin1Char('.') + l;
            else if (nameStyle < 80)
                username = f + l.left(1);
            else
                username = f + QLatin1Char('_') + l;
            user.username = uniqueValue(m_usedUsernames, username.left(policy::Limits::Username - 6));
            user.role = pickRole(org, position);
            // Admins arrive with their organization; everybody else any time since.
            user.createdAt = user.role == Admin && position < 2
                ? org.createdAt + (position + 1) * 7 * kMinuteMs
                : m_random.between(org.createdAt + kDayMs, m_now - kHourMs);
            user.ip = m_random.chance(0.6) ? org.officePrefix + QString::number(m_random.between(2, 254))
                                           : randomPublicIp();
            m_users << user;
        }
    }
    // Ids follow the creation time, as they would have in a real deployment.
    std::stable_sort(m_users.begin(), m_users.end(),
                     [](const DemoUser& a, const DemoUser& b) { return a.createdAt < b.createdAt; });

    const QStringList columns { QStringLiteral("id"),
                                QStringLiteral("email"),
                                QStringLiteral("username"),
                                QStringLiteral("full_name"),
                                QStringLiteral("organization_id"),
                                QStringLiteral("password_hash"),
                                QStringLiteral("active"),
                                QStringLiteral("verified"),
                                QStringLiteral("deleted"),
                                QStringLiteral("ban_reason"),
                                QStringLiteral("ban_expires_at"),
                                QStringLiteral("banned_by"),
                                QStringLiteral("failed_logins"),
                                QStringLiteral("locked_until"),
                                QStringLiteral("last_login_at"),
                                QStringLiteral("password_changed_at"),
                                QStringLiteral("created_at"),
                                QStringLiteral("updated_at"),
                                QStringLiteral("version") };
    // States first, so that only people who can still act become managers and actors.
    for (qsizetype i = 0; i < m_users.size(); ++i) {
        DemoUser& user = m_users[i];
        user.id = m_firstUserId + i;
        if (user.role == Admin)
            continue; // the tenant's admins stay in good standing
        const qint64 roll = m_random.below(1000);
        user.deleted = roll < 5;
        user.suspended = roll >= 5 && roll < 30;
        user.banned = roll >= 30 && roll < 40;
        user.locked = roll >= 40 && roll < 45;
    }
    for (qsizetype i = 0; i < m_users.size(); ++i) {
        const DemoUser& user = m_users.at(i);
        if (!user.usable())
            continue;
        DemoOrganization& org = m_organizations[user.organization];
        if (user.role >= TeamLead)
            org.managers << int(i);
        else
            org.members << int(i);
    }

    // Many users into PostgreSQL: one transaction, its indexes built at the end and the
    // organizations' user counters counted once (each counter row updated per user, in one
    // transaction, grows a chain of row versions that every further update walks).
    const bool rebuildIndexes = m_core.dialect() == Dialect::Postgres && m_options.users >= kRebuildIndexesFrom;
    BulkInsert insert(m_core, QStringLiteral("users"), columns, rebuildIndexes ? 0 : kRowsPerCommit);
    AuditSchemaObjects dropped;
    if (rebuildIndexes) {
        if (auto done = beginPostgresBulkLoad(insert, QStringLiteral("users"), dropped); !done)
            return done;
        QSqlQuery q(m_core.db());
        if (!q.exec(QStringLiteral("ALTER TABLE users DISABLE TRIGGER users_count")))
            return m_core.sqlError(q, SeedDemo::tr("Counting the users of each organization"));
    }
    for (const DemoUser& user : std::as_const(m_users)) {
        const DemoOrganization& org = m_organizations.at(user.organization);
        QVariant banReason = nullText();
        QVariant banExpires = nullInt();
        QVariant bannedBy = nullInt();
        int failedLogins = 0;
        QVariant lockedUntil = nullInt();
        qint64 version = 1 + m_random.below(3);
        if (user.suspended || user.deleted)
            ++version;
        if (user.banned) {
            banReason = QString::fromLatin1(m_random.pick(kBanReasons));
            if (m_random.chance(0.5))
                banExpires = m_now + m_random.between(7 * kDayMs, 90 * kDayMs);
            if (!org.managers.isEmpty())
                bannedBy = m_users.at(org.managers.first()).id;
            ++version;
        } else if (user.locked) {
            failedLogins = lockout::MaxFailedLogins;
            lockedUntil = m_now + m_random.between(kMinuteMs, lockout::LockMinutes * kMinuteMs);
        } else if (m_random.chance(0.08)) {
            failedLogins = int(m_random.between(1, lockout::MaxFailedLogins));
        }
        const bool verified = user.role == Admin || m_random.chance(0.93);
        QVariant lastLogin = nullInt();
        if (verified && m_random.chance(0.88)) {
            const qint64 since = std::max(user.createdAt, m_now - 30 * kDayMs);
            lastLogin = m_random.between(since, m_now);
        }
        const qint64 updated = m_random.between(user.createdAt, m_now);
        if (auto added = insert.add({ user.id, user.email, user.username, user.fullName, org.id, m_passwordHash,
                                      user.suspended ? 0 : 1, verified ? 1 : 0, user.deleted ? 1 : 0, banReason,
                                      banExpires, bannedBy, failedLogins, lockedUntil, lastLogin, user.createdAt,
                                      user.createdAt, updated, version });
            !added)
            return added;
    }
    if (rebuildIndexes) {
        if (auto built = buildIndexes(dropped); !built)
            return built;
        QSqlQuery q(m_core.db());
        // The rows still pending are written after this: the trigger counts them.
        if (!q.exec(QStringLiteral("UPDATE organizations o SET user_count = (SELECT COUNT(*) FROM users u "
                                   "WHERE u.organization_id = o.id AND u.deleted = 0)"))
            || !q.exec(QStringLiteral("ALTER TABLE users ENABLE TRIGGER users_count")))
            return m_core.sqlError(q, SeedDemo::tr("Counting the users of each organization"));
    }
    Status done = insert.finish();
    m_userCount = insert.rows();
    return done;
}

Status DemoSeeder::seedRoleAssignments()
{
    static const std::array<const char*, RoleCount> codes { "viewer", "user", "power_user", "team_lead", "admin" };
    QList<Id> roleIds;
    for (const char* code : codes)
        roleIds << m_roleIds.value(QString::fromLatin1(code));
    const QStringList columns { QStringLiteral("user_id"), QStringLiteral("role_id"), QStringLiteral("assigned_by"),
                                QStringLiteral("assigned_at") };
    BulkInsert insert(m_core, QStringLiteral("user_roles"), columns);
    for (const DemoUser& user : std::as_const(m_users)) {
        const DemoOrganization& org = m_organizations.at(user.organization);
        QVariant assignedBy = nullInt();
        if (user.role != Admin && !org.managers.isEmpty())
            assignedBy = m_users.at(org.managers.first()).id;
        else if (!m_superAdmins.isEmpty())
            assignedBy = m_superAdmins.first().id;
        if (auto added = insert.add({ user.id, roleIds.at(user.role), assignedBy, user.createdAt }); !added)
            return added;
        // Some power users also read dashboards of other teams.
        if (user.role == PowerUser && m_random.chance(0.1)) {
            if (auto added = insert.add({ user.id, roleIds.at(Viewer), assignedBy, user.createdAt + kDayMs }); !added)
                return added;
        }
    }
    Status done = insert.finish();
    m_roleAssignmentCount = insert.rows();
    return done;
}

Status DemoSeeder::seedApiKeys()
{
    // Scopes a key may carry: concrete permissions its owner's role holds.
    static const std::array<const char*, RoleCount> codes { "viewer", "user", "power_user", "team_lead", "admin" };
    QList<QStringList> scopesByRole;
    for (const char* code : codes) {
        QStringList scopes;
        for (const Role& role : policy::builtInRoles()) {
            if (role.code == QLatin1String(code)) {
                const QSet<QString> effective = policy::effectivePermissions(role);
                for (const QString& permission : effective) {
                    if (!permission.contains(QLatin1Char('*')))
                        scopes << permission;
                }
            }
        }
        scopes.sort();
        scopesByRole << scopes;
    }

    QList<int> owners;
    for (qsizetype i = 0; i < m_users.size(); ++i) {
        const DemoUser& user = m_users.at(i);
        if (user.deleted)
            continue;
        const double p = user.role >= PowerUser ? 0.3 : (user.role == Member ? 0.03 : 0.0);
        if (p > 0 && m_random.chance(p))
            owners << int(i);
    }

    const QStringList columns { QStringLiteral("id"),
                                QStringLiteral("name"),
                                QStringLiteral("user_id"),
                                QStringLiteral("organization_id"),
                                QStringLiteral("prefix"),
                                QStringLiteral("key_hash"),
                                QStringLiteral("scopes"),
                                QStringLiteral("expires_at"),
                                QStringLiteral("rate_limit_per_minute"),
                                QStringLiteral("ip_allowlist"),
                                QStringLiteral("last_used_at"),
                                QStringLiteral("created_by"),
                                QStringLiteral("created_at"),
                                QStringLiteral("revoked_at") };
    BulkInsert insert(m_core, QStringLiteral("api_keys"), columns);
    for (int owner : std::as_const(owners)) {
        const DemoUser& user = m_users.at(owner);
        const DemoOrganization& org = m_organizations.at(user.organization);
        DemoApiKey key;
        key.id = m_firstApiKeyId + m_apiKeys.size();
        key.owner = owner;
        key.name = QString::fromLatin1(m_random.pick(kApiKeyNames));
        // The secret is random (never from --seed), shown to nobody and dropped right away.
        const QString secret = crypto::newApiKey();
        key.prefix = crypto::apiKeyPrefix(secret);
        const QString hash = QString::fromLatin1(crypto::sha256Hex(secret.toUtf8()));

        const QStringList& available = scopesByRole.at(user.role);
        QStringList scopes;
        const qint64 scopeCount = std::min<qint64>(available.size(), m_random.between(1, 4));
        while (scopes.size() < scopeCount) {
            const QString& scope = available.at(m_random.below(available.size()));
            if (!scopes.contains(scope))
                scopes << scope;
        }
        scopes.sort();
        const qint64 createdAt = m_random.between(user.createdAt, m_now - kHourMs);
        QVariant expires = nullInt();
        const qint64 expiry = m_random.below(100);
        if (expiry < 10)
            expires = m_random.between(createdAt + kDayMs, m_now); // expired already
        else if (expiry < 60)
            expires = m_now + m_random.between(30 * kDayMs, 365 * kDayMs);
        QVariant revoked = nullInt();
        if (m_random.chance(0.1))
            revoked = m_random.between(createdAt, m_now);
        QVariant lastUsed = nullInt();
        if (m_random.chance(0.7))
            lastUsed = m_random.between(std::max(createdAt, m_now - 14 * kDayMs), m_now);
        const QStringList allowlist
            = m_random.chance(0.2) ? QStringList { org.officePrefix + QStringLiteral("0/24") } : QStringList {};
        static const std::array rateLimits { 60, 60, 120, 600 };
        if (auto added
            = insert.add({ key.id, key.name, user.id, org.id, key.prefix, hash, jsonArray(scopes), expires,
                           m_random.pick(rateLimits), jsonArray(allowlist), lastUsed, user.id, createdAt, revoked });
            !added)
            return added;
        m_apiKeys << key;
    }
    Status done = insert.finish();
    m_apiKeyCount = insert.rows();
    return done;
}

Status DemoSeeder::seedSessions()
{
    const qint64 count = m_users.size() * 3 / 5;
    const QStringList columns { QStringLiteral("id"),
                                QStringLiteral("user_id"),
                                QStringLiteral("organization_id"),
                                QStringLiteral("token_hash"),
                                QStringLiteral("ip"),
                                QStringLiteral("user_agent"),
                                QStringLiteral("created_at"),
                                QStringLiteral("last_seen_at"),
                                QStringLiteral("expires_at"),
                                QStringLiteral("revoked_at"),
                                QStringLiteral("impersonator_id"),
                                QStringLiteral("impersonation_reason") };
    const bool rebuildIndexes = m_core.dialect() == Dialect::Postgres && m_options.users >= kRebuildIndexesFrom;
    BulkInsert insert(m_core, QStringLiteral("sessions"), columns, rebuildIndexes ? 0 : kRowsPerCommit);
    AuditSchemaObjects dropped;
    if (rebuildIndexes) {
        if (auto done = beginPostgresBulkLoad(insert, QStringLiteral("sessions"), dropped); !done)
            return done;
    }
    const qint64 sessionMs = limits::SessionHours * kHourMs;
    // Random token material in bulk; only its hash is kept.
    constexpr int tokenBytes = 32;
    QByteArray material;
    qint64 materialUsed = 0;
    for (qint64 n = 0; n < count; ++n) {
        const DemoUser& user = m_users.at(m_random.below(m_users.size()));
        if (user.deleted)
            continue;
        const DemoOrganization& org = m_organizations.at(user.organization);
        if (materialUsed + tokenBytes > material.size()) {
            material = crypto::randomBytes(tokenBytes * 4096);
            if (material.isEmpty())
                return ServiceError::storage(SeedDemo::tr("The system's random generator failed"));
            materialUsed = 0;
        }
        const QString tokenHash = QString::fromLatin1(crypto::sha256Hex(material.mid(materialUsed, tokenBytes)));
        materialUsed += tokenBytes;

        const qint64 kind = m_random.below(100);
        qint64 created = 0;
        qint64 expires = 0;
        qint64 lastSeen = 0;
        QVariant revoked = nullInt();
        QVariant impersonator = nullInt();
        QVariant reason = nullText();
        QString ip = m_random.chance(0.85) ? user.ip : randomPublicIp();
        if (kind < 2 && !m_superAdmins.isEmpty()) {
            // Support staff looking at the account through the user's eyes.
            const ExistingAdmin& admin = m_superAdmins.at(m_random.below(m_superAdmins.size()));
            created = m_random.between(std::max(user.createdAt, m_now - 30 * kDayMs), m_now - kMinuteMs);
            expires = created + m_random.between(15, limits::MaxImpersonationMinutes + 1) * kMinuteMs;
            lastSeen = std::min(expires, m_random.between(created, m_now));
            impersonator = admin.id;
            reason = QString::fromLatin1(m_random.pick(kImpersonationReasons)).arg(m_random.between(10000, 99999));
            ip = randomPublicIp();
        } else if (kind < 27) {
            created = m_now - m_random.between(kMinuteMs, sessionMs - kMinuteMs); // active
            expires = created + sessionMs;
            lastSeen = m_random.between(created, m_now);
        } else {
            created = m_random.between(std::max(user.createdAt, m_now - kHistoryMs), m_now - sessionMs);
            expires = created + sessionMs;
            lastSeen = m_random.between(created, expires);
        }
        if (kind >= 2 && m_random.chance(0.15))
            revoked = m_random.between(lastSeen, std::max(lastSeen + 1, std::min(expires, m_now)));
        if (auto added = insert.add({ m_firstSessionId + m_sessionCount, user.id, org.id, tokenHash, ip,
                                      QString::fromLatin1(m_random.pick(kUserAgents)), created, lastSeen, expires,
                                      revoked, impersonator, reason });
            !added)
            return added;
        ++m_sessionCount;
    }
    if (auto built = buildIndexes(dropped); !built)
        return built;
    return insert.finish();
}

// One audit event, built the way the managers would have written it.
enum class Event
{
    Login,
    Logout,
    LoginFailed,
    Locked,
    UserViewed,
    UserListed,
    UserCreated,
    UserUpdated,
    PasswordChanged,
    PasswordReset,
    RoleAssigned,
    RoleRevoked,
    UserSuspended,
    UserUnsuspended,
    UserBanned,
    UserUnbanned,
    SessionRevoked,
    ApiKeyCreated,
    ApiKeyRevoked,
    ApiKeyCall,
    OrganizationUpdated,
    Impersonated,
    AuditExported,
};

struct EventWeight
{
    Event event;
    int weight; // per 10000
};

const std::array kEventWeights {
    EventWeight { Event::Login, 3900 },
    EventWeight { Event::Logout, 1200 },
    EventWeight { Event::LoginFailed, 850 },
    EventWeight { Event::Locked, 50 },
    EventWeight { Event::UserViewed, 700 },
    EventWeight { Event::UserListed, 300 },
    EventWeight { Event::UserCreated, 250 },
    EventWeight { Event::UserUpdated, 400 },
    EventWeight { Event::PasswordChanged, 200 },
    EventWeight { Event::PasswordReset, 100 },
    EventWeight { Event::RoleAssigned, 250 },
    EventWeight { Event::RoleRevoked, 80 },
    EventWeight { Event::UserSuspended, 60 },
    EventWeight { Event::UserUnsuspended, 30 },
    EventWeight { Event::UserBanned, 40 },
    EventWeight { Event::UserUnbanned, 20 },
    EventWeight { Event::SessionRevoked, 200 },
    EventWeight { Event::ApiKeyCreated, 100 },
    EventWeight { Event::ApiKeyRevoked, 40 },
    EventWeight { Event::ApiKeyCall, 1000 },
    EventWeight { Event::OrganizationUpdated, 20 },
    EventWeight { Event::Impersonated, 10 },
    EventWeight { Event::AuditExported, 10 },
};

Event pickEvent(Random& random)
{
    static const int total = [] {
        int sum = 0;
        for (const EventWeight& w : kEventWeights)
            sum += w.weight;
        return sum;
    }();
    int pick = int(random.below(total));
    for (const EventWeight& w : kEventWeights) {
        if (pick < w.weight)
            return w.event;
        pick -= w.weight;
    }
    return Event::Login;
}

// JSON text of the details column, keys in the order given (sorted by the callers, as
// QJsonDocument's compact form has them), through the server's one JSON writer.
QString jsonObject(std::initializer_list<std::pair<const char*, QString>> stringFields)
{
    JsonWriter w;
    w.reserve(128);
    w.beginObject();
    for (const auto& [key, value] : stringFields)
        w.field(key, value);
    w.endObject();
    return QString::fromUtf8(w.data());
}

const std::array<const char*, RoleCount> kRoleCodes { "viewer", "user", "power_user", "team_lead", "admin" };
const std::array<int, RoleCount> kRoleLevels { Level::Viewer, Level::User, Level::PowerUser, Level::TeamLead,
                                               Level::Admin };
const std::array kDenials {
    "Missing permission admin:user:edit",
    "Team leads can only manage users below their level",
    "Only super admins cross organizations",
    "Missing permission admin:audit:export",
};

// The columns of audit_events, in the order seedAuditEvents adds them.
const QStringList kAuditColumns { QStringLiteral("id"),          QStringLiteral("occurred_at"),
                                  QStringLiteral("actor_type"),  QStringLiteral("actor_id"),
                                  QStringLiteral("actor_label"), QStringLiteral("organization_id"),
                                  QStringLiteral("action"),      QStringLiteral("resource_type"),
                                  QStringLiteral("resource_id"), QStringLiteral("details"),
                                  QStringLiteral("ip"),          QStringLiteral("outcome"),
                                  QStringLiteral("prev_hash"),   QStringLiteral("hash") };

// The words the audit events are made of: one QString per constant, per action and per prepared
// details text, shared by all the rows that use it.
class EventWords
{
public:
    EventWords()
    {
        for (int r = 0; r < RoleCount; ++r) {
            roleDetails << QStringLiteral("{\"level\":%1,\"role\":\"%2\"}")
                               .arg(kRoleLevels[size_t(r)])
                               .arg(QString::fromLatin1(kRoleCodes[size_t(r)]));
        }
        for (const char* reason : kDenials)
            denialDetails << jsonObject({ { "reason", QString::fromLatin1(reason) } });
        for (const char* agent : kUserAgents)
            agentDetails << jsonObject({ { "user_agent", QString::fromLatin1(agent) } });
    }

    const QString user = QStringLiteral("user");
    const QString apiKey = QStringLiteral("api_key");
    const QString system = QStringLiteral("system");
    const QString success = QStringLiteral("success");
    const QString denied = QStringLiteral("denied");
    const QString session = QStringLiteral("session");
    const QString organization = QStringLiteral("organization");
    const QString audit = QStringLiteral("audit");
    const QString empty = QStringLiteral("{}");
    QStringList roleDetails;
    QStringList denialDetails;
    QStringList agentDetails;
    const QString badPassword = jsonObject({ { "reason", QStringLiteral("wrong password") } });
    const QString unknownAccount = jsonObject({ { "reason", QStringLiteral("unknown account") } });
    const QString lockedOut = jsonObject({ { "reason", QStringLiteral("account locked") } });
};

// The audit events: a weighted pick of event kinds over 90 days, each row built by its family
// below (sign-ins, passwords, user administration, roles, sessions, API keys, organizations,
// impersonation, audit exports) and chained with the audit key. A row is reused from one event to
// the next; each family sets what its events carry. For the same seed the same rows come out: the
// families draw from m_random in the order the events are generated.
Status DemoSeeder::seedAuditEvents()
{
    if (m_options.events <= 0)
        return {};

    EventWords words;
    const QList<int> actingUsers = usableUsers();
    if (actingUsers.isEmpty() && m_superAdmins.isEmpty())
        return ServiceError::validation(SeedDemo::tr("audit events need somebody to act: give --users"));

    // Whether to rebuild the indexes is decided on the event count before locking; the count is
    // only a heuristic, so reading it outside the transaction is fine.
    auto existing = scalar(QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM audit_events"));
    if (!existing)
        return existing.error();
    const bool rebuildIndexes = m_options.events >= kRebuildIndexesFrom && m_options.events >= *existing;
    BulkInsert insert(m_core, QStringLiteral("audit_events"), kAuditColumns, rebuildIndexes ? 0 : kRowsPerCommit);
    // The chain head is read under the write lock of the first batch, so no other writer can slip
    // an event in between; later batches continue from our own last hash (a concurrent writer
    // would then collide on the id and fail instead of forking the chain).
    if (auto started = insert.beginTransaction(); !started)
        return started;
    if (auto head = readChainHead(m_core, &m_nextEventId, &m_chainHead); !head)
        return head;
    AuditSchemaObjects dropped;
    const Id firstSeeded = m_nextEventId;
    if (rebuildIndexes) {
        if (auto done = dropAuditIndexes(dropped); !done)
            return done;
    }

    const qint64 start = m_now - kHistoryMs;
    const double step = double(kHistoryMs) / double(m_options.events);
    QByteArray prev = m_chainHead;
    auto auditKey = m_core.auditKey();
    if (!auditKey)
        return auditKey.error();
    auditchain::Row row;
    for (qint64 n = 0; n < m_options.events; ++n) {
        row.id = m_nextEventId + n;
        // Increasing with the id: event n falls in the n-th slice of the 90 days.
        row.occurredAtMs = start + qint64((double(n) + m_random.unit()) * step);
        row.details = words.empty;
        row.outcome = words.success;
        makeEvent(row, words, actingUsers);

        const QByteArray hash = auditchain::keyedHash(*auditKey, prev, row);
        if (auto added = insert.add({ row.id, row.occurredAtMs, row.actorType, row.actorId, row.actorLabel,
                                      row.organizationId, row.action, row.resourceType, row.resourceId, row.details,
                                      row.ip, row.outcome, QString::fromLatin1(prev), QString::fromLatin1(hash) });
            !added)
            return added;
        prev = hash;
    }
    if (auto done = restoreAuditIndexes(dropped, firstSeeded); !done)
        return done;
    return insert.finish();
}

// The users who can act in the audit history (indexes into m_users).
QList<int> DemoSeeder::usableUsers() const
{
    QList<int> actingUsers;
    for (qsizetype i = 0; i < m_users.size(); ++i) {
        if (m_users.at(i).usable())
            actingUsers << int(i);
    }
    return actingUsers;
}

// PostgreSQL, in the seeding's transaction: drops the indexes of `table` that back no constraint
// (their definitions go into `dropped`, to be run again at the end) and gives those builds room to
// sort. Building an index once over millions of rows is many times faster than keeping it current
// row by row (the users' trigram GIN indexes most of all).
Status DemoSeeder::dropPostgresIndexes(const QString& table, AuditSchemaObjects& dropped)
{
    QSqlQuery q(m_core.db());
    if (!q.exec(QStringLiteral("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                               "JOIN pg_class i ON i.oid = x.indexrelid "
                               "WHERE x.indrelid = '%1'::regclass AND NOT x.indisprimary "
                               "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)")
                    .arg(table)))
        return m_core.sqlError(q, SeedDemo::tr("Reading the indexes of %1").arg(table));
    while (q.next())
        dropped.indexes.append({ q.value(0).toString(), q.value(1).toString() });
    q.finish();
    for (const auto& index : std::as_const(dropped.indexes)) {
        if (!q.exec(QStringLiteral("DROP INDEX \"%1\"").arg(index.first)))
            return m_core.sqlError(q, SeedDemo::tr("Dropping the index %1").arg(index.first));
    }
    // Building the indexes sorts 10 million rows at most (this transaction only).
    q.exec(QStringLiteral("SET LOCAL maintenance_work_mem = '256MB'"));
    return {};
}

// Many rows into one PostgreSQL table: one transaction, started here, with the table's indexes
// dropped (buildIndexes puts them back before the commit).
Status DemoSeeder::beginPostgresBulkLoad(BulkInsert& insert, const QString& table, AuditSchemaObjects& dropped)
{
    if (auto started = insert.beginTransaction(); !started)
        return started;
    return dropPostgresIndexes(table, dropped);
}

Status DemoSeeder::buildIndexes(const AuditSchemaObjects& dropped)
{
    QSqlQuery q(m_core.db());
    for (const auto& index : std::as_const(dropped.indexes)) {
        if (!q.exec(index.second))
            return m_core.sqlError(q, SeedDemo::tr("Building the index %1").arg(index.first));
    }
    return {};
}

// Many events: the audit indexes and the daily counters' triggers are dropped first and built
// again once at the end (restoreAuditIndexes), which is much faster than keeping them. All of it
// happens in the seeding's one transaction, so nobody sees the table without its indexes and a
// failure puts them back. On PostgreSQL (the database's owner seeds) the indexes that back no
// constraint are dropped and the daily counters' trigger is disabled.
Status DemoSeeder::dropAuditIndexes(AuditSchemaObjects& dropped)
{
    QSqlQuery q(m_core.db());
    if (m_core.dialect() == Dialect::Postgres) {
        if (auto done = dropPostgresIndexes(QStringLiteral("audit_events"), dropped); !done)
            return done;
        if (!q.exec(QStringLiteral("ALTER TABLE audit_events DISABLE TRIGGER audit_daily")))
            return m_core.sqlError(q, SeedDemo::tr("Dropping the audit index %1").arg(QStringLiteral("audit_daily")));
        dropped.triggers.append(
            { QStringLiteral("audit_daily"), QStringLiteral("ALTER TABLE audit_events ENABLE TRIGGER audit_daily") });
        return {};
    }
    if (!q.exec(QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                               "AND tbl_name = 'audit_events' AND sql IS NOT NULL")))
        return m_core.sqlError(q, SeedDemo::tr("Reading the audit indexes"));
    while (q.next())
        dropped.indexes.append({ q.value(0).toString(), q.value(1).toString() });
    q.finish();
    for (const auto& index : std::as_const(dropped.indexes)) {
        if (!q.exec(QStringLiteral("DROP INDEX \"%1\"").arg(index.first)))
            return m_core.sqlError(q, SeedDemo::tr("Dropping the audit index %1").arg(index.first));
    }
    // The daily counters' triggers (migration 7) likewise: the seeded events are counted in one
    // pass at the end (a tenth of the cost of a trigger per event).
    if (!q.exec(QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                               "AND tbl_name = 'audit_events' AND name LIKE 'audit_daily_%'")))
        return m_core.sqlError(q, SeedDemo::tr("Reading the audit indexes"));
    while (q.next())
        dropped.triggers.append({ q.value(0).toString(), q.value(1).toString() });
    q.finish();
    for (const auto& trigger : std::as_const(dropped.triggers)) {
        if (!q.exec(QStringLiteral("DROP TRIGGER \"%1\"").arg(trigger.first)))
            return m_core.sqlError(q, SeedDemo::tr("Dropping the audit index %1").arg(trigger.first));
    }
    return {};
}

Status DemoSeeder::restoreAuditIndexes(const AuditSchemaObjects& dropped, Id firstSeeded)
{
    if (!dropped.indexes.isEmpty()) {
        QElapsedTimer timer;
        timer.start();
        QSqlQuery q(m_core.db());
        for (const auto& index : std::as_const(dropped.indexes)) {
            if (!q.exec(index.second))
                return m_core.sqlError(q, SeedDemo::tr("Building the audit index %1").arg(index.first));
        }
        m_indexNote = SeedDemo::tr("(of which %1 for building %2 audit indexes)")
                          .arg(seconds(timer.elapsed()))
                          .arg(dropped.indexes.size());
    }
    if (!dropped.triggers.isEmpty()) {
        // What the triggers would have counted (the rule of migration 7), added to the counters.
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral(
                             "INSERT INTO audit_daily (organization_id, day, sign_ins, failed_sign_ins, admin_actions) "
                             "SELECT organization_id, occurred_at / 86400000, "
                             "SUM(CASE WHEN action = 'user.login' AND outcome = 'success' THEN 1 ELSE 0 END), "
                             "SUM(CASE WHEN action = 'user.login_failed' THEN 1 ELSE 0 END), "
                             "SUM(CASE WHEN outcome = 'success' AND action NOT IN ('user.login', 'user.login_failed', "
                             "'user.logout', 'user.locked') THEN 1 ELSE 0 END) "
                             "FROM audit_events WHERE id >= ? GROUP BY organization_id, occurred_at / 86400000 "
                             "ON CONFLICT (organization_id, day) DO UPDATE SET sign_ins = audit_daily.sign_ins + "
                             "excluded.sign_ins, "
                             "failed_sign_ins = audit_daily.failed_sign_ins + excluded.failed_sign_ins, "
                             "admin_actions = audit_daily.admin_actions + excluded.admin_actions"),
                         { firstSeeded }))
            return m_core.sqlError(q, SeedDemo::tr("Building the audit index %1").arg(QStringLiteral("audit_daily")));
        for (const auto& trigger : std::as_const(dropped.triggers)) {
            if (!q.exec(trigger.second))
                return m_core.sqlError(q, SeedDemo::tr("Building the audit index %1").arg(trigger.first));
        }
    }
    return {};
}

// One event: its kind, its subject (a usable user, and the organization) and then its family.
void DemoSeeder::makeEvent(auditchain::Row& row, EventWords& words, const QList<int>& actingUsers)
{
    Event event = pickEvent(m_random);
    if ((event == Event::ApiKeyCall || event == Event::ApiKeyCreated || event == Event::ApiKeyRevoked)
        && m_apiKeys.isEmpty())
        event = Event::Login;
    if (event == Event::Impersonated && m_superAdmins.isEmpty())
        event = Event::UserViewed;

    if (actingUsers.isEmpty())
        return superAdminSignIn(row, words);
    const DemoUser& subject = m_users.at(actingUsers.at(m_random.below(actingUsers.size())));
    const DemoOrganization& org = m_organizations.at(subject.organization);
    row.organizationId = org.id;
    row.resourceType = words.user;
    row.resourceId = QString::number(subject.id);

    switch (event) {
    case Event::Login:
    case Event::Logout:
    case Event::LoginFailed:
    case Event::Locked:
        return signInEvent(event, row, words, subject);
    case Event::PasswordChanged:
    case Event::PasswordReset:
        return passwordEvent(event, row, words, subject);
    case Event::UserViewed:
    case Event::UserListed:
    case Event::UserCreated:
    case Event::UserUpdated:
    case Event::UserSuspended:
    case Event::UserUnsuspended:
    case Event::UserBanned:
    case Event::UserUnbanned:
        return userAdminEvent(event, row, words, subject, org);
    case Event::RoleAssigned:
    case Event::RoleRevoked:
        return roleEvent(event, row, words, org);
    case Event::SessionRevoked:
        return sessionEvent(row, words, org);
    case Event::ApiKeyCreated:
    case Event::ApiKeyRevoked:
    case Event::ApiKeyCall:
        return apiKeyEvent(event, row, words);
    case Event::OrganizationUpdated:
        return organizationEvent(row, words, org);
    case Event::Impersonated:
        return impersonationEvent(row, words);
    case Event::AuditExported:
        return auditExportEvent(row, words, org);
    }
}

QString DemoSeeder::randomSession()
{
    const qint64 sessions = std::max<qint64>(m_sessionCount, 1);
    return QString::number(m_firstSessionId + m_random.below(sessions));
}

// Nobody but the super admins: they sign in now and then.
void DemoSeeder::superAdminSignIn(auditchain::Row& row, EventWords& words)
{
    const ExistingAdmin& admin = m_superAdmins.at(m_random.below(m_superAdmins.size()));
    row.actorType = words.user;
    row.actorId = admin.id;
    row.actorLabel = admin.email;
    row.organizationId = admin.organizationId;
    row.action = actions::UserLogin;
    row.resourceType = words.session;
    row.resourceId = randomSession();
    row.details = words.agentDetails.at(m_random.below(words.agentDetails.size()));
    row.ip = randomPublicIp();
}

void DemoSeeder::actAsSubject(auditchain::Row& row, const EventWords& words, const DemoUser& subject)
{
    row.actorType = words.user;
    row.actorId = subject.id;
    row.actorLabel = subject.email;
    row.ip = m_random.chance(0.85) ? subject.ip : randomPublicIp();
}

// Admin actions are taken by a manager of the subject's organization; a few are attempted by
// somebody without the right and denied. Returns true when allowed.
bool DemoSeeder::actAsManager(auditchain::Row& row, const EventWords& words, const DemoOrganization& org)
{
    const bool intruder = !org.members.isEmpty() && (org.managers.isEmpty() || m_random.chance(0.05));
    if (intruder) {
        const DemoUser& member = m_users.at(org.members.at(m_random.below(org.members.size())));
        row.actorType = words.user;
        row.actorId = member.id;
        row.actorLabel = member.email;
        row.ip = member.ip;
        row.outcome = words.denied;
        row.details = words.denialDetails.at(m_random.below(words.denialDetails.size()));
        return false;
    }
    if (org.managers.isEmpty()) {
        row.actorType = words.system;
        row.actorId = 0;
        row.actorLabel = words.system;
        row.ip.clear();
        return true;
    }
    const DemoUser& manager = m_users.at(org.managers.at(m_random.below(org.managers.size())));
    row.actorType = words.user;
    row.actorId = manager.id;
    row.actorLabel = manager.email;
    row.ip = manager.ip;
    return true;
}

// Signing in and out, failed attempts (some of them password spraying), lockouts.
void DemoSeeder::signInEvent(Event event, auditchain::Row& row, EventWords& words, const DemoUser& subject)
{
    actAsSubject(row, words, subject);
    switch (event) {
    case Event::Login:
        row.action = actions::UserLogin;
        row.resourceType = words.session;
        row.resourceId = randomSession();
        row.details = words.agentDetails.at(m_random.below(words.agentDetails.size()));
        break;
    case Event::Logout:
        row.action = actions::UserLogout;
        row.resourceType = words.session;
        row.resourceId = randomSession();
        break;
    case Event::LoginFailed:
        row.action = actions::UserLoginFailed;
        row.outcome = words.denied;
        row.details = words.badPassword;
        if (m_random.chance(0.35)) {
            // Password spraying from a handful of hostile addresses, often at unknown names.
            row.ip = hostileIp();
            if (m_random.chance(0.5)) {
                row.actorType = words.system;
                row.actorId = 0;
                row.actorLabel.clear();
                row.organizationId = 0;
                row.resourceId.clear();
                row.details = words.unknownAccount;
            }
        } else if (subject.locked && m_random.chance(0.3)) {
            row.details = words.lockedOut;
        }
        break;
    default: // Event::Locked
        row.action = actions::UserLocked;
        row.details = jsonObject(
            { { "locked_until",
                QDateTime::fromMSecsSinceEpoch(row.occurredAtMs + lockout::LockMinutes * kMinuteMs, Qt::UTC)
                    .toString(Qt::ISODate) } });
        break;
    }
}

// The subject's own password: changed, or reset (ending some of its sessions).
void DemoSeeder::passwordEvent(Event event, auditchain::Row& row, EventWords& words, const DemoUser& subject)
{
    actAsSubject(row, words, subject);
    if (event == Event::PasswordChanged) {
        row.action = actions::UserPasswordChanged;
        return;
    }
    row.action = actions::UserPasswordReset;
    row.details = QStringLiteral("{\"sessions_revoked\":%1}").arg(m_random.below(4));
}

// A manager (or, denied, an intruder) looks at, lists, creates, edits, suspends or bans a user.
void DemoSeeder::userAdminEvent(Event event, auditchain::Row& row, EventWords& words, const DemoUser& subject,
                                const DemoOrganization& org)
{
    const bool allowed = actAsManager(row, words, org);
    switch (event) {
    case Event::UserViewed:
        row.action = actions::UserViewed;
        break;
    case Event::UserListed:
        row.action = actions::UserListed;
        row.resourceId.clear();
        break;
    case Event::UserCreated:
        if (allowed) {
            row.details = QStringLiteral("{\"email\":\"%1\",\"roles\":[\"%2\"]}")
                              .arg(subject.email, QString::fromLatin1(kRoleCodes[size_t(subject.role)]));
        }
        row.action = actions::UserCreated;
        break;
    case Event::UserUpdated:
        if (allowed)
            row.details = QStringLiteral("{\"fields\":[\"full_name\"]}");
        row.action = actions::UserUpdated;
        break;
    case Event::UserSuspended:
        if (allowed)
            row.details = jsonObject({ { "reason", QString::fromLatin1(m_random.pick(kSuspendReasons)) } });
        row.action = actions::UserSuspended;
        break;
    case Event::UserUnsuspended:
        row.action = actions::UserUnsuspended;
        break;
    case Event::UserBanned:
        if (allowed)
            row.details = jsonObject({ { "reason", QString::fromLatin1(m_random.pick(kBanReasons)) } });
        row.action = actions::UserBanned;
        break;
    default: // Event::UserUnbanned
        row.action = actions::UserUnbanned;
        break;
    }
}

// A role (up to team lead) assigned to or revoked from the subject.
void DemoSeeder::roleEvent(Event event, auditchain::Row& row, EventWords& words, const DemoOrganization& org)
{
    const int role = int(m_random.below(TeamLead + 1));
    if (actAsManager(row, words, org))
        row.details = words.roleDetails.at(role);
    row.action = event == Event::RoleAssigned ? actions::RoleAssigned : actions::RoleRevoked;
}

// One of the subject's sessions ended by a manager.
void DemoSeeder::sessionEvent(auditchain::Row& row, EventWords& words, const DemoOrganization& org)
{
    actAsManager(row, words, org);
    row.action = actions::SessionRevoked;
    row.resourceType = words.session;
    row.resourceId = randomSession();
}

// An API key created or revoked by its owner, or used by a script (a few calls rate limited).
void DemoSeeder::apiKeyEvent(Event event, auditchain::Row& row, EventWords& words)
{
    const DemoApiKey& key = m_apiKeys.at(m_random.below(m_apiKeys.size()));
    const DemoUser& owner = m_users.at(key.owner);
    row.organizationId = m_organizations.at(owner.organization).id;
    row.actorLabel = owner.email;
    row.ip = owner.ip;
    if (event != Event::ApiKeyCall) {
        row.actorType = words.user;
        row.actorId = owner.id;
        row.action = event == Event::ApiKeyCreated ? actions::ApiKeyCreated : actions::ApiKeyRevoked;
        row.resourceType = words.apiKey;
        row.resourceId = QString::number(key.id);
        row.details = jsonObject({ { "name", key.name }, { "prefix", key.prefix } });
        return;
    }
    // A script using its key: the key is the actor, on behalf of its owner.
    row.actorType = words.apiKey;
    row.actorId = key.id;
    const QString onBehalf = QString::number(owner.id);
    if (m_random.chance(0.03)) {
        row.action = actions::ApiKeyUsed;
        row.resourceType = words.apiKey;
        row.resourceId = QString::number(key.id);
        row.outcome = words.denied;
        row.details
            = jsonObject({ { "on_behalf_of_user_id", onBehalf }, { "reason", QStringLiteral("Rate limit exceeded") } });
    } else {
        row.action = actions::UserListed;
        row.resourceId.clear();
        row.details = jsonObject({ { "on_behalf_of_user_id", onBehalf } });
    }
}

// The subject's organization edited by a manager.
void DemoSeeder::organizationEvent(auditchain::Row& row, EventWords& words, const DemoOrganization& org)
{
    if (actAsManager(row, words, org))
        row.details = QStringLiteral("{\"fields\":[\"features\"]}");
    row.action = actions::OrgUpdated;
    row.resourceType = words.organization;
    row.resourceId = QString::number(org.id);
}

// Support staff (a super admin) looking at the subject's account through its eyes.
void DemoSeeder::impersonationEvent(auditchain::Row& row, EventWords& words)
{
    const ExistingAdmin& admin = m_superAdmins.at(m_random.below(m_superAdmins.size()));
    row.actorType = words.user;
    row.actorId = admin.id;
    row.actorLabel = admin.email;
    row.ip = randomPublicIp();
    row.action = actions::UserImpersonated;
    row.details
        = QStringLiteral("{\"duration_minutes\":60,\"reason\":\"%1\"}")
              .arg(QString::fromLatin1(m_random.pick(kImpersonationReasons)).arg(m_random.between(10000, 99999)));
}

// The audit log exported by a manager of the subject's organization.
void DemoSeeder::auditExportEvent(auditchain::Row& row, EventWords& words, const DemoOrganization& org)
{
    if (actAsManager(row, words, org))
        row.details = QStringLiteral("{\"format\":\"csv\",\"rows\":%1}").arg(m_random.between(100, 50000));
    row.action = actions::AuditExported;
    row.resourceType = words.audit;
    row.resourceId.clear();
}

Status DemoSeeder::fixSequences()
{
    if (m_core.dialect() != Dialect::Postgres)
        return {};
    QSqlQuery q(m_core.db());
    for (const char* table : { "organizations", "users", "api_keys", "sessions" }) {
        const QString name = QString::fromLatin1(table);
        const QString sql = QStringLiteral("SELECT setval(pg_get_serial_sequence('%1', 'id'), "
                                           "(SELECT COALESCE(MAX(id), 0) + 1 FROM %1), false)")
                                .arg(name);
        if (!q.exec(sql))
            return m_core.sqlError(q, SeedDemo::tr("Updating the id sequence of %1").arg(name));
    }
    return {};
}

void DemoSeeder::analyze()
{
    // Fresh statistics let the planner pick the audit indexes for filtered queries.
    QSqlQuery q(m_core.db());
    if (m_core.dialect() == Dialect::Sqlite) {
        q.exec(QStringLiteral("PRAGMA analysis_limit = 1000"));
        q.exec(QStringLiteral("ANALYZE"));
        q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
    } else {
        // Only our tables: a database-wide ANALYZE warns about every catalog the role may not touch.
        q.exec(QStringLiteral("ANALYZE organizations, users, user_roles, api_keys, sessions, audit_events"));
    }
}

int DemoSeeder::run()
{
    QElapsedTimer total;
    total.start();
    QElapsedTimer timer;
    auto fail = [](const ServiceError& error) {
        printErr(QStringLiteral("%1 %2: %3").arg(programName(), kCommand, error.message));
        return error.code == ErrorCode::Validation ? exitcode::Failure : exitcode::Storage;
    };

    printOut(SeedDemo::tr("seeding %1 with seed %2: %3 organizations, %4 users, %5 audit events")
                 .arg(m_connection.config().displayName())
                 .arg(m_options.seed)
                 .arg(m_options.tenants)
                 .arg(m_options.users)
                 .arg(m_options.events));
    if (auto loaded = loadExisting(); !loaded)
        return fail(loaded.error());

    timer.start();
    m_passwordHash = crypto::hashPassword(kDemoPassword);
    if (m_passwordHash.isEmpty())
        return fail(ServiceError::storage(SeedDemo::tr("Could not hash the demo password")));
    const crypto::Argon2Cost cost = crypto::defaultArgon2Cost();
    phase(SeedDemo::tr("password hash"), -1, timer.elapsed());

    // Bulk writes on SQLite: no fsync per commit and a large page cache while seeding; both are
    // restored when done (a crash mid-seed can lose the seeded rows, never earlier data: WAL).
    QSqlQuery pragma(m_core.db());
    const bool sqlite = m_core.dialect() == Dialect::Sqlite;
    auto pragmaValue = [&pragma](const QString& name) {
        return pragma.exec(QStringLiteral("PRAGMA ") + name) && pragma.next() ? pragma.value(0).toString() : QString();
    };
    struct Saved
    {
        QString name;
        QString value;
    };
    QList<Saved> saved;
    if (sqlite) {
        for (const QString& name : { QStringLiteral("synchronous"), QStringLiteral("cache_size"),
                                     QStringLiteral("temp_store"), QStringLiteral("threads") })
            saved << Saved { name, pragmaValue(name) };
        pragma.exec(QStringLiteral("PRAGMA synchronous = OFF"));
        pragma.exec(QStringLiteral("PRAGMA cache_size = -262144")); // 256 MiB
        pragma.exec(QStringLiteral("PRAGMA temp_store = MEMORY"));
        pragma.exec(QStringLiteral("PRAGMA threads = 2")); // sorter threads for building indexes
        pragma.finish();
    }
    struct Restore
    {
        QSqlQuery& query;
        const QList<Saved>& saved;
        ~Restore()
        {
            for (const Saved& item : saved) {
                if (!item.value.isEmpty())
                    query.exec(QStringLiteral("PRAGMA %1 = %2").arg(item.name, item.value));
            }
            query.finish();
        }
    } restore { pragma, saved };

    struct Step
    {
        QString name;
        Status (DemoSeeder::*run)();
        const qint64* count;
    };
    const qint64 events = m_options.events;
    const QList<Step> steps {
        { SeedDemo::tr("organizations"), &DemoSeeder::seedOrganizations, &m_organizationCount },
        { SeedDemo::tr("users"), &DemoSeeder::seedUsers, &m_userCount },
        { SeedDemo::tr("role assignments"), &DemoSeeder::seedRoleAssignments, &m_roleAssignmentCount },
        { SeedDemo::tr("api keys"), &DemoSeeder::seedApiKeys, &m_apiKeyCount },
        { SeedDemo::tr("sessions"), &DemoSeeder::seedSessions, &m_sessionCount },
        { SeedDemo::tr("audit events"), &DemoSeeder::seedAuditEvents, &events },
    };
    for (const Step& step : steps) {
        timer.restart();
        if (auto done = (this->*step.run)(); !done)
            return fail(done.error());
        phase(step.name, *step.count, timer.elapsed());
    }
    if (!m_indexNote.isEmpty())
        printOut(QStringLiteral("  ") + m_indexNote);
    if (auto fixed = fixSequences(); !fixed)
        return fail(fixed.error());
    timer.restart();
    analyze();
    phase(SeedDemo::tr("analyze"), -1, timer.elapsed());

    printOut(SeedDemo::tr("done in %1").arg(seconds(total.elapsed())));
    printOut(SeedDemo::tr("every demo user signs in with the password %1 (one shared Argon2id hash, m=%2 KiB, t=%3, "
                          "p=%4)")
                 .arg(kDemoPassword)
                 .arg(cost.memoryKiB)
                 .arg(cost.iterations)
                 .arg(cost.parallelism));
    for (const DemoOrganization& org : std::as_const(m_organizations)) {
        if (!org.managers.isEmpty() && org.active) {
            const DemoUser& admin = m_users.at(org.managers.first());
            printOut(SeedDemo::tr("for example %1, admin of %2").arg(admin.email, org.name));
            break;
        }
    }
    return exitcode::Ok;
}

} // namespace

int runSeedDemo(const SeedDemoOptions& options)
{
    StoreConnection connection;
    if (auto opened = connection.open(options.database, true, options.auditKeyFile); !opened) {
        printErr(QStringLiteral("%1 %2: %3").arg(programName(), kCommand, opened.error().message));
        return exitcode::Storage;
    }
    if (schemaVersion(connection.db()) == 0) {
        if (auto prepared = connection.store().prepare(); !prepared) {
            printErr(QStringLiteral("%1 %2: %3").arg(programName(), kCommand, prepared.error().message));
            return exitcode::Storage;
        }
        printOut(SeedDemo::tr("created the schema (version %1)").arg(schemaVersion(connection.db())));
    }
    DemoSeeder seeder(connection, options);
    return seeder.run();
}

} // namespace portcullis::server
