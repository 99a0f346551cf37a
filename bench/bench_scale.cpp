// portcullis-bench-scale: the requests of issue 11 ("Scale") timed in the store, on a database
// filled by
//   portcullis-server init ... && portcullis-server seed-demo --users 100000 --events 1000000
// Prints a markdown table (median and p95 over N runs, in milliseconds) for what an admin waits on
// in a large directory: the users page with its total, the users search over a set of terms (each
// term's median and the median over all of them), the status filters, the sessions page, the
// dashboard's numbers for every tenant and for one, one day of the audit log 45 days ago, the audit
// log's first page with the console's filters, and the audit export's rows per second.
// Calls go straight to the store (no HTTP), as the super admin of the database: the numbers are the
// database work a request does. It only reads (plus the audit events of its own refusals: none).
//
// It compiles against the store of main before issue 11 as well (it uses nothing newer), so that
// the same program measures before and after.

#include "domain/actor.h"
#include "sql/database.h"
#include "sql/store.h"

#include "benchutil.h"

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

void row(const QString& name, int runs, const QList<double>& samples, const QString& note)
{
    if (samples.isEmpty()) {
        print(QStringLiteral("| %1 | %2 | failed | | %3 |").arg(name).arg(runs).arg(note));
        return;
    }
    const Timing t = summarize(samples);
    print(QStringLiteral("| %1 | %2 | %3 | %4 | %5 |").arg(name).arg(runs).arg(number(t.median), number(t.p95), note));
}

qint64 scalar(QSqlDatabase& db, const QString& sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next())
        return 0;
    return q.value(0).toLongLong();
}

int run(const QString& pathOrUrl, int runs, const QStringList& terms, int exportDays)
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
    auto actor = store.core().actorForUser(adminId);
    if (!check(actor, QStringLiteral("building the super admin actor")))
        return 2;
    Actor admin = *actor;
    admin.ip = QStringLiteral("127.0.0.1");
    // The biggest tenant: the one whose admins wait longest.
    const Id tenant = scalar(db,
                             QStringLiteral("SELECT organization_id FROM users GROUP BY organization_id "
                                            "ORDER BY COUNT(*) DESC LIMIT 1"));

    print(QStringLiteral("# portcullis-bench-scale on %1 (%2), schema %3")
              .arg(config->displayName(),
                   config->dialect == Dialect::Sqlite ? QStringLiteral("SQLite") : QStringLiteral("PostgreSQL"))
              .arg(schemaVersion(db)));
    print(QString());
    print(QStringLiteral("%1 users, %2 sessions, %3 audit events; the biggest tenant (%4) has %5 users")
              .arg(scalar(db, QStringLiteral("SELECT COUNT(*) FROM users")))
              .arg(scalar(db, QStringLiteral("SELECT COUNT(*) FROM sessions")))
              .arg(scalar(db, QStringLiteral("SELECT COUNT(*) FROM audit_events")))
              .arg(tenant)
              .arg(scalar(db, QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = %1").arg(tenant))));
    print(QString());
    print(QStringLiteral("| request | runs | median ms | p95 ms | notes |"));
    print(QStringLiteral("|---|---:|---:|---:|---|"));

    auto usersPage = [&](const QString& name, const UserQuery& base) {
        qint64 total = 0;
        const auto samples = sample(runs, [&] {
            UserQuery q = base;
            q.limit = 50;
            auto page = store.users().list(admin, q);
            if (page.ok())
                total = page->total;
            return check(page, name);
        });
        row(name, runs, samples, QStringLiteral("total %1").arg(total));
        return samples;
    };
    usersPage(QStringLiteral("users page of 50 (with total)"), {});
    {
        UserQuery q;
        q.organizationId = tenant;
        usersPage(QStringLiteral("users page of 50, biggest tenant"), q);
    }

    // The search: each term on its own, then the median over every run of every term.
    QList<double> allSearches;
    for (const QString& term : terms) {
        UserQuery q;
        q.search = term;
        allSearches << usersPage(QStringLiteral("users search `%1` (page of 50 with total)").arg(term), q);
    }
    row(QStringLiteral("**users search, median over the %1 terms**").arg(terms.size()), int(allSearches.size()),
        allSearches, terms.join(QStringLiteral(", ")));
    {
        UserQuery q;
        q.search = terms.value(0);
        q.organizationId = tenant;
        usersPage(QStringLiteral("users search `%1`, biggest tenant").arg(q.search), q);
    }

    for (const char* status : { "banned", "suspended", "locked", "deleted", "active" }) {
        UserQuery q;
        q.status = QString::fromLatin1(status);
        usersPage(QStringLiteral("users filtered by status `%1`").arg(q.status), q);
    }
    {
        UserQuery q;
        q.status = QStringLiteral("banned");
        q.organizationId = tenant;
        usersPage(QStringLiteral("users filtered by status `banned`, biggest tenant"), q);
    }

    {
        qint64 total = 0;
        const auto samples = sample(runs, [&] {
            SessionQuery q;
            q.limit = 50;
            auto page = store.sessions().list(admin, q);
            if (page.ok())
                total = page->total;
            return check(page, QStringLiteral("sessions page"));
        });
        row(QStringLiteral("sessions page of 50 (open sessions, with total)"), runs, samples,
            QStringLiteral("total %1").arg(total));
    }

    for (const Id scope : { Id(0), tenant }) {
        qint64 users = 0;
        const auto samples = sample(runs, [&] {
            auto stats = store.stats().get(admin, scope);
            if (stats.ok())
                users = stats->usersTotal;
            return check(stats, QStringLiteral("stats"));
        });
        row(scope == 0 ? QStringLiteral("stats (dashboard tiles), every tenant")
                       : QStringLiteral("stats (dashboard tiles), biggest tenant"),
            runs, samples, QStringLiteral("%1 users").arg(users));
    }

    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        int rows = 0;
        const auto samples = sample(runs, [&] {
            AuditQuery q;
            q.from = now.addDays(-45);
            q.to = now.addDays(-44);
            q.limit = 100;
            auto page = store.audit().query(admin, q);
            if (page.ok())
                rows = int(page->items.size());
            return check(page, QStringLiteral("audit range"));
        });
        row(QStringLiteral("audit first page (100), one day 45 days ago"), runs, samples,
            QStringLiteral("%1 rows").arg(rows));
    }

    // The audit log's first page unfiltered and with the console's common filters.
    {
        const QString ip = [&] {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT ip FROM audit_events WHERE ip <> '' ORDER BY id DESC LIMIT 1"))
                && q.next())
                return q.value(0).toString();
            return QString();
        }();
        struct AuditFilter
        {
            QString name;
            AuditQuery query;
        };
        QList<AuditFilter> filters;
        filters.append({ QStringLiteral("audit first page (100), no filter"), {} });
        AuditQuery q;
        q.action = QStringLiteral("role.*");
        filters.append({ QStringLiteral("audit first page (100), action `role.*`"), q });
        q = {};
        q.action = QStringLiteral("user.login_failed");
        filters.append({ QStringLiteral("audit first page (100), login failures"), q });
        q = {};
        q.ip = ip;
        filters.append({ QStringLiteral("audit first page (100), one IP address"), q });
        for (const AuditFilter& f : std::as_const(filters)) {
            int rows = 0;
            const auto samples = sample(runs, [&] {
                AuditQuery query = f.query;
                query.limit = 100;
                auto page = store.audit().query(admin, query);
                if (page.ok())
                    rows = int(page->items.size());
                return check(page, f.name);
            });
            row(f.name, runs, samples, QStringLiteral("%1 rows").arg(rows));
        }
    }

    // The audit export (CSV, as GET /api/admin/audit/export streams it) of the last `exportDays`
    // days, written to nowhere: rows per second of the store's side.
    if (exportDays > 0) {
        QFile sink(QStringLiteral("/dev/null"));
        sink.open(QIODevice::WriteOnly);
        AuditQuery q;
        q.from = QDateTime::currentDateTimeUtc().addDays(-exportDays);
        q.to = QDateTime::currentDateTimeUtc().addDays(1);
        ExportOptions options;
        options.format = ExportFormat::Csv;
        QElapsedTimer timer;
        timer.start();
        auto written = store.audit().exportTo(admin, q, sink, options);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        if (check(written, QStringLiteral("audit export")))
            print(QStringLiteral("| audit export (CSV), the last %1 days | 1 | %2 | | %3 rows, **%4 rows/s** |")
                      .arg(exportDays)
                      .arg(number(seconds * 1000))
                      .arg(*written)
                      .arg(qint64(double(*written) / seconds)));
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("portcullis-bench-scale"));
    QLoggingCategory::setFilterRules(QStringLiteral("portcullis.*.info=false\nportcullis.*.debug=false"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("The requests of a large directory timed in the store (median and p95 per request)."));
    parser.addHelpOption();
    const QCommandLineOption dbOption(QStringList { QStringLiteral("db"), QStringLiteral("database") },
                                      QStringLiteral("SQLite database file or postgresql:// URL."),
                                      QStringLiteral("PATH_OR_URL"));
    const QCommandLineOption iterationsOption(QStringLiteral("iterations"),
                                              QStringLiteral("Runs per request (default 10)."), QStringLiteral("N"),
                                              QStringLiteral("10"));
    const QCommandLineOption termsOption(
        QStringLiteral("terms"),
        QStringLiteral("Comma-separated search terms (default: smith,garcia,anna,chen,zzq,son,mar,ex,jo,k)."),
        QStringLiteral("LIST"), QStringLiteral("smith,garcia,anna,chen,zzq,son,mar,ex,jo,k"));
    const QCommandLineOption exportOption(
        QStringLiteral("export-days"),
        QStringLiteral("Time the audit export of the last N days (default 7; 0: no export)."), QStringLiteral("N"),
        QStringLiteral("7"));
    parser.addOptions({ dbOption, iterationsOption, termsOption, exportOption });
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
    const QStringList terms = parser.value(termsOption).split(QLatin1Char(','), Qt::SkipEmptyParts);
    const int code = run(parser.value(dbOption), iterations, terms, parser.value(exportOption).toInt());
    QSqlDatabase::removeDatabase(QStringLiteral("bench"));
    return code;
}
