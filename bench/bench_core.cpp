// portcullis-bench: timings of the core at scale, on a database filled by
//   portcullis-server init ... && portcullis-server seed-demo --users 100000 --events 1000000
// Prints a markdown table (median and p95 over N runs) for the paths the console waits on: the
// user search page, the first page of the audit log under each filter, an audit export, API key
// verification and a password login. It signs in as the first super admin of the database (no
// password needed: the actor is built from the row) and measures logins with a demo user, whose
// password seed-demo prints. It writes a little (audit events of its own calls, one API key that
// it revokes at the end, the login sessions), so run it on a demo database only.

#include "domain/actor.h"
#include "security/crypto.h"
#include "sql/database.h"
#include "sql/store.h"

#include "benchutil.h"

#include <QBuffer>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QSqlQuery>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

using namespace portcullis;
using namespace portcullis::bench;

namespace {

const QString kDemoPassword = QStringLiteral("Demo-Password-2026!"); // printed by seed-demo
constexpr qint64 kExportRows = 100000;

// Runs `body` once to warm up, then `iterations` times; `body` returns false on failure (already
// reported), which stops the measurement.
class Bench
{
public:
    explicit Bench(int iterations)
        : m_iterations(iterations)
    { }

    // `note` is asked for after the runs, so it can report what they saw.
    bool measure(const QString& name, const std::function<bool()>& body, int iterations = 0,
                 const std::function<QString()>& note = {})
    {
        const int runs = iterations > 0 ? iterations : m_iterations;
        const QList<double> samples = sample(runs, body);
        if (samples.isEmpty())
            return false;
        const Timing t = summarize(samples);
        print(QStringLiteral("| %1 | %2 | %3 | %4 | %5 |")
                  .arg(name)
                  .arg(runs)
                  .arg(number(t.median), number(t.p95), note ? note() : QString()));
        return true;
    }

private:
    int m_iterations;
};

qint64 scalar(QSqlDatabase& db, const QString& sql, const QVariantList& values = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& value : values)
        q.addBindValue(value);
    if (!q.exec() || !q.next())
        return 0;
    return q.value(0).toLongLong();
}

QString text(QSqlDatabase& db, const QString& sql, const QVariantList& values = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& value : values)
        q.addBindValue(value);
    if (!q.exec() || !q.next())
        return {};
    return q.value(0).toString();
}

int run(const QString& pathOrUrl, int iterations, const QString& loginEmail, const QString& loginPassword)
{
    auto config = DatabaseConfig::parse(pathOrUrl);
    if (!config) {
        fail(config.error().message);
        return 64;
    }
    auto opened = openDatabase(*config, QStringLiteral("bench"), false);
    if (!opened) {
        fail(opened.error().message);
        return 2;
    }
    QSqlDatabase db = *opened;
    if (schemaVersion(db) == 0) {
        fail(QStringLiteral("%1 holds no Portcullis schema").arg(config->displayName()));
        return 2;
    }
    SqlStore store(db, config->dialect);

    const Id adminId = scalar(db,
                              QStringLiteral("SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id "
                                             "JOIN roles r ON r.id = ur.role_id WHERE r.code = 'super_admin' "
                                             "AND u.deleted = 0 ORDER BY u.id LIMIT 1"));
    if (adminId == 0) {
        fail(QStringLiteral("no super admin in the database; run portcullis-server init first"));
        return 2;
    }
    auto actorResult = store.core().actorForUser(adminId);
    if (!check(actorResult, QStringLiteral("building the super admin actor")))
        return 2;
    Actor admin = *actorResult;
    admin.ip = QStringLiteral("127.0.0.1");

    const qint64 users = scalar(db, QStringLiteral("SELECT COUNT(*) FROM users"));
    const qint64 events = scalar(db, QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    const crypto::Argon2Cost cost = crypto::defaultArgon2Cost();
    print(QStringLiteral("# portcullis-bench on %1 (%2)")
              .arg(config->displayName(),
                   config->dialect == Dialect::Sqlite ? QStringLiteral("SQLite") : QStringLiteral("PostgreSQL")));
    print(QString());
    print(QStringLiteral("%1 users, %2 audit events; acting as super admin %3; Argon2id m=%4 KiB, t=%5, p=%6")
              .arg(users)
              .arg(events)
              .arg(admin.email)
              .arg(cost.memoryKiB)
              .arg(cost.iterations)
              .arg(cost.parallelism));
    print(QString());
    print(QStringLiteral("| operation | runs | median ms | p95 ms | notes |"));
    print(QStringLiteral("|---|---:|---:|---:|---|"));

    Bench bench(iterations);

    // --- user search -----------------------------------------------------------------------
    const QStringList terms { QStringLiteral("smith"), QStringLiteral("garcia"), QStringLiteral("anna"),
                              QStringLiteral("chen"), QStringLiteral("contoso") };
    int term = 0;
    qint64 lastTotal = 0;
    bench.measure(
        QStringLiteral("user search page (limit 50, with total)"),
        [&] {
            UserQuery query;
            query.search = terms.at(term++ % terms.size());
            query.limit = 50;
            auto page = store.users().list(admin, query);
            if (page.ok())
                lastTotal = page->total;
            return check(page, QStringLiteral("user search"));
        },
        0, [&] { return QStringLiteral("terms %1; last total %2").arg(terms.join(QLatin1Char('/'))).arg(lastTotal); });

    // --- audit first page, one filter at a time ----------------------------------------------
    const Id someActor
        = scalar(db,
                 QStringLiteral("SELECT actor_id FROM audit_events WHERE actor_type = 'user' AND actor_id <> ? "
                                "ORDER BY id DESC LIMIT 1 OFFSET 5000"),
                 { adminId });
    const Id someOrganization = scalar(db, QStringLiteral("SELECT id FROM organizations ORDER BY id DESC LIMIT 1"));
    const QString someIp = text(db,
                                QStringLiteral("SELECT ip FROM audit_events WHERE ip <> '' "
                                               "ORDER BY id DESC LIMIT 1 OFFSET 20000"));
    const QString someUser = text(db,
                                  QStringLiteral("SELECT resource_id FROM audit_events WHERE resource_type = 'user' "
                                                 "AND resource_id <> '' ORDER BY id DESC LIMIT 1 OFFSET 50000"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    struct AuditCase
    {
        QString name;
        AuditQuery query;
    };
    QList<AuditCase> cases;
    cases << AuditCase { QStringLiteral("unfiltered"), {} };
    {
        AuditQuery q;
        q.action = QStringLiteral("user.login_failed");
        cases << AuditCase { QStringLiteral("action = user.login_failed"), q };
        q = {};
        q.action = QStringLiteral("role.*");
        cases << AuditCase { QStringLiteral("action = role.*"), q };
        q = {};
        q.actorId = someActor;
        cases << AuditCase { QStringLiteral("actor id = %1").arg(someActor), q };
        q = {};
        q.organizationId = someOrganization;
        cases << AuditCase { QStringLiteral("organization = %1").arg(someOrganization), q };
        q = {};
        q.outcome = QStringLiteral("denied");
        cases << AuditCase { QStringLiteral("outcome = denied"), q };
        q = {};
        q.ip = someIp;
        cases << AuditCase { QStringLiteral("ip = %1").arg(someIp), q };
        q = {};
        q.resourceType = QStringLiteral("user");
        q.resourceId = someUser;
        cases << AuditCase { QStringLiteral("resource = user/%1").arg(someUser), q };
        q = {};
        q.from = now.addDays(-45);
        q.to = now.addDays(-44);
        cases << AuditCase { QStringLiteral("time range = one day, 45 days ago"), q };
    }
    for (const AuditCase& c : std::as_const(cases)) {
        int rows = 0;
        bench.measure(
            QStringLiteral("audit first page (limit 100), ") + c.name,
            [&] {
                AuditQuery query = c.query;
                query.limit = 100;
                auto page = store.audit().query(admin, query);
                if (page.ok())
                    rows = int(page->items.size());
                return check(page, QStringLiteral("audit query ") + c.name);
            },
            0, [&] { return QStringLiteral("%1 rows").arg(rows); });
    }

    // --- export ------------------------------------------------------------------------------
    {
        // The newest kExportRows events: everything from the time of the kExportRows-th newest on.
        AuditQuery query;
        const qint64 fromMs = scalar(db,
                                     QStringLiteral("SELECT occurred_at FROM audit_events ORDER BY id DESC "
                                                    "LIMIT 1 OFFSET ?"),
                                     { kExportRows - 1 });
        if (fromMs > 0)
            query.from = QDateTime::fromMSecsSinceEpoch(fromMs, Qt::UTC);
        qint64 written = 0;
        qint64 bytes = 0;
        bench.measure(
            QStringLiteral("audit export to CSV (QBuffer)"),
            [&] {
                QByteArray data;
                QBuffer buffer(&data);
                buffer.open(QIODevice::WriteOnly);
                auto exported = store.audit().exportTo(admin, query, buffer, ExportOptions {});
                if (exported.ok())
                    written = *exported;
                bytes = data.size();
                return check(exported, QStringLiteral("audit export"));
            },
            std::max(3, iterations / 4),
            [&] { return QStringLiteral("%1 rows, %2 MB").arg(written).arg(double(bytes) / 1e6, 0, 'f', 1); });
    }

    // --- API key verification --------------------------------------------------------------
    {
        NewApiKey key;
        key.name = QStringLiteral("portcullis-bench");
        key.userId = admin.userId;
        key.scopes = { QStringLiteral("admin:user:read") };
        key.rateLimitPerMinute = 100000; // the most the policy allows: the loop must not be throttled
        auto created = store.apiKeys().create(admin, key);
        if (check(created, QStringLiteral("creating the bench API key"))) {
            const QString secret = created->secret;
            bench.measure(QStringLiteral("API key verify"), [&] {
                return check(store.apiKeys().verify(secret, QStringLiteral("127.0.0.1")),
                             QStringLiteral("API key verify"));
            });
            (void)store.apiKeys().revoke(admin, created->key.id);
        }
    }

    // --- login -------------------------------------------------------------------------------
    {
        QString email = loginEmail;
        if (email.isEmpty()) {
            // A demo user who can sign in: active, verified, not banned or locked, in an active organization.
            email = text(db,
                         QStringLiteral("SELECT u.email FROM users u JOIN organizations o ON o.id = u.organization_id "
                                        "JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id "
                                        "WHERE r.code = 'user' AND u.active = 1 AND u.deleted = 0 AND u.verified = 1 "
                                        "AND u.ban_reason IS NULL AND u.failed_logins = 0 AND u.locked_until IS NULL "
                                        "AND o.active = 1 ORDER BY u.id LIMIT 1"));
        }
        if (email.isEmpty()) {
            fail(QStringLiteral("no demo user to sign in with; give --login-email"));
        } else {
            bench.measure(
                QStringLiteral("login (Argon2id verify + session)"),
                [&] {
                    auto login = store.auth().login(email, loginPassword, QStringLiteral("127.0.0.1"),
                                                    QStringLiteral("portcullis-bench"));
                    if (login.ok())
                        (void)store.auth().logout(login->actor);
                    return check(login, QStringLiteral("login as %1").arg(email));
                },
                0,
                [&] {
                    return QStringLiteral("%1; Argon2id m=%2 KiB, t=%3, p=%4")
                        .arg(email)
                        .arg(cost.memoryKiB)
                        .arg(cost.iterations)
                        .arg(cost.parallelism);
                });
        }
    }
    return 0;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("portcullis-bench"));
    QLoggingCategory::setFilterRules(QStringLiteral("portcullis.*.info=false\nportcullis.*.debug=false"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Timings of the Portcullis core on a seed-demo database (median and p95 per operation)."));
    parser.addHelpOption();
    const QCommandLineOption dbOption(QStringList { QStringLiteral("db"), QStringLiteral("database") },
                                      QStringLiteral("SQLite database file or postgresql:// URL."),
                                      QStringLiteral("PATH_OR_URL"));
    const QCommandLineOption iterationsOption(QStringLiteral("iterations"),
                                              QStringLiteral("Runs per operation (default 20)."), QStringLiteral("N"),
                                              QStringLiteral("20"));
    const QCommandLineOption loginOption(QStringLiteral("login-email"),
                                         QStringLiteral("Account for the login timing (default: a demo user)."),
                                         QStringLiteral("EMAIL"));
    const QCommandLineOption passwordOption(
        QStringLiteral("login-password-file"),
        QStringLiteral("File with that account's password (default: the seed-demo password)."), QStringLiteral("FILE"));
    parser.addOptions({ dbOption, iterationsOption, loginOption, passwordOption });
    parser.process(app);

    if (parser.value(dbOption).isEmpty()) {
        fail(QStringLiteral("--db is required"));
        return 64;
    }
    bool ok = false;
    const int iterations = parser.value(iterationsOption).toInt(&ok);
    if (!ok || iterations < 1 || iterations > 100000) {
        fail(QStringLiteral("--iterations takes a whole number from 1 to 100000"));
        return 64;
    }
    QString password = kDemoPassword;
    if (parser.isSet(passwordOption)) {
        QFile file(parser.value(passwordOption));
        if (!file.open(QIODevice::ReadOnly)) {
            fail(QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
            return 64;
        }
        QByteArray bytes = file.readAll();
        if (bytes.endsWith('\n'))
            bytes.chop(1);
        password = QString::fromUtf8(bytes);
    }
    const int code = run(parser.value(dbOption), iterations, parser.value(loginOption).trimmed(), password);
    QSqlDatabase::removeDatabase(QStringLiteral("bench"));
    return code;
}
