// portcullis-bench-import: a user import of N rows (10,000 by default) through the store, and
// optionally through a running portcullis-server with RestBackend (in its batches of 100).
//   portcullis-bench-import [--db PATH_OR_URL] [--rows N]
//   portcullis-bench-import --rest https://127.0.0.1:8443 --email admin@x --password-file FILE [--rows N]
// Store: a fresh SQLite file in a temporary folder unless --db names a database (it writes an
// organization and N users there: use a scratch database). Prints the read, the preview (dry run)
// and the import, each with rows per second; the import must stay under a minute for 10,000 rows
// (docs/benchmarks.md, "User import").

#include "domain/userimport.h"
#include "rest/restbackend.h"
#include "sql/database.h"
#include "sql/store.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFutureWatcher>
#include <QNetworkAccessManager>
#include <QTemporaryDir>

#include <cstdio>

using namespace portcullis;

namespace {

void print(const QString& line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

QByteArray csvOf(const QString& prefix, int rows)
{
    QString csv = QStringLiteral("email,username,full name,roles,organization\n");
    csv.reserve(rows * 80);
    for (int i = 1; i <= rows; ++i)
        csv += QStringLiteral("%1.%2@import.example,%1.%2,Imported Person %2,user,\n").arg(prefix).arg(i);
    return csv.toUtf8();
}

QString perSecond(int rows, qint64 ms)
{
    return QString::number(ms > 0 ? double(rows) * 1000.0 / double(ms) : 0.0, 'f', 0);
}

template <typename T> T await(QFuture<T> future)
{
    QFutureWatcher<T> watcher;
    QEventLoop loop;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &loop, &QEventLoop::quit);
    watcher.setFuture(future);
    if (!future.isFinished())
        loop.exec();
    return future.result();
}

int runStore(const QString& pathOrUrl, int rows)
{
    QTemporaryDir dir;
    const QString target = pathOrUrl.isEmpty() ? dir.filePath(QStringLiteral("bench-import.db")) : pathOrUrl;
    auto config = DatabaseConfig::parse(target);
    if (!config) {
        print(config.error().message);
        return 64;
    }
    auto opened = openDatabase(*config, QStringLiteral("bench-import"), true);
    if (!opened) {
        print(opened.error().message);
        return 2;
    }
    SqlStore store(*opened, config->dialect);
    if (auto prepared = store.prepare(); !prepared) {
        print(prepared.error().toString());
        return 2;
    }
    const QString stamp = QString::number(QDateTime::currentMSecsSinceEpoch());
    NewOrganization org;
    org.name = QStringLiteral("Bench Import ") + stamp;
    org.maxUsers = rows + 10;
    auto organization = store.organizations().create(Actor::system(), org);
    if (!organization) {
        print(organization.error().toString());
        return 2;
    }
    NewUser admin;
    admin.email = QStringLiteral("admin.%1@import.example").arg(stamp);
    admin.username = QStringLiteral("admin.") + stamp;
    admin.password = QStringLiteral("Bench-Import-Password-1!");
    admin.organizationId = organization->id;
    admin.roleCodes = { QStringLiteral("admin") };
    auto adminUser = store.users().create(Actor::system(), admin);
    if (!adminUser) {
        print(adminUser.error().toString());
        return 2;
    }
    auto actor = store.core().actorForUser(adminUser->id);
    if (!actor) {
        print(actor.error().toString());
        return 2;
    }

    const QByteArray csv = csvOf(QStringLiteral("s") + stamp, rows);
    QElapsedTimer timer;
    timer.start();
    auto parsed = userimport::parseCsv(csv);
    const qint64 readMs = timer.elapsed();
    if (!parsed) {
        print(parsed.error().toString());
        return 2;
    }
    ImportRequest request;
    request.rows = parsed->rows;
    timer.restart();
    auto preview = store.users().importUsers(*actor, request);
    const qint64 previewMs = timer.elapsed();
    if (!preview || preview->count(ImportOutcome::WillCreate) != rows) {
        print(preview ? QStringLiteral("the preview did not accept every row") : preview.error().toString());
        return 2;
    }
    request.dryRun = false;
    timer.restart();
    auto report = store.users().importUsers(*actor, request);
    const qint64 importMs = timer.elapsed();
    if (!report || report->count(ImportOutcome::Created) != rows) {
        print(report ? QStringLiteral("the import did not create every row") : report.error().toString());
        return 2;
    }
    print(QStringLiteral("| step (store, %1, %2 rows) | ms | rows/s |").arg(config->displayName()).arg(rows));
    print(QStringLiteral("|---|---|---|"));
    print(QStringLiteral("| read the CSV (%1 KB) | %2 | %3 |")
              .arg(csv.size() / 1024)
              .arg(readMs)
              .arg(perSecond(rows, readMs)));
    print(QStringLiteral("| preview (dry run) | %1 | %2 |").arg(previewMs).arg(perSecond(rows, previewMs)));
    print(QStringLiteral("| import (users, roles, reset codes, audit) | %1 | %2 |")
              .arg(importMs)
              .arg(perSecond(rows, importMs)));
    return 0;
}

int runRest(const QString& url, const QString& email, const QString& passwordFile, int rows)
{
    QFile file(passwordFile);
    if (!file.open(QIODevice::ReadOnly)) {
        print(QStringLiteral("cannot read %1").arg(passwordFile));
        return 64;
    }
    const QString password = QString::fromUtf8(file.readAll()).trimmed();
    QNetworkAccessManager network;
    RestBackend backend(&network, QUrl(url));
    if (auto signedIn = await(backend.signIn(email, password)); !signedIn) {
        print(signedIn.error().toString());
        return 2;
    }
    const QString stamp = QString::number(QDateTime::currentMSecsSinceEpoch());
    NewOrganization org;
    org.name = QStringLiteral("Bench Import REST ") + stamp;
    org.maxUsers = rows + 10;
    auto organization = await(backend.createOrganization(org));
    if (!organization) {
        print(organization.error().toString());
        return 2;
    }
    auto parsed = userimport::parseCsv(csvOf(QStringLiteral("r") + stamp, rows));
    if (!parsed) {
        print(parsed.error().toString());
        return 2;
    }
    ImportRequest request;
    request.rows = parsed->rows;
    request.organizationId = organization->id;
    QElapsedTimer timer;
    timer.start();
    auto preview = await(backend.importUsers(request, {}, {}));
    const qint64 previewMs = timer.elapsed();
    if (!preview || preview->count(ImportOutcome::WillCreate) != rows) {
        print(preview ? QStringLiteral("the preview did not accept every row") : preview.error().toString());
        return 2;
    }
    request.dryRun = false;
    timer.restart();
    auto report = await(backend.importUsers(request, {}, {}));
    const qint64 importMs = timer.elapsed();
    if (!report || report->count(ImportOutcome::Created) != rows) {
        print(report ? QStringLiteral("the import did not create every row") : report.error().toString());
        return 2;
    }
    print(QStringLiteral("| step (REST %1, %2 rows) | ms | rows/s |").arg(url).arg(rows));
    print(QStringLiteral("|---|---|---|"));
    print(QStringLiteral("| preview (dry run, %1 requests) | %2 | %3 |")
              .arg((rows + userimport::MaxRowsPerRequest - 1) / userimport::MaxRowsPerRequest)
              .arg(previewMs)
              .arg(perSecond(rows, previewMs)));
    print(QStringLiteral("| import (%1 requests of %2 rows) | %3 | %4 |")
              .arg((rows + RestBackend::ImportWriteBatch - 1) / RestBackend::ImportWriteBatch)
              .arg(RestBackend::ImportWriteBatch)
              .arg(importMs)
              .arg(perSecond(rows, importMs)));
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("A user import of N rows through the store or over REST."));
    parser.addHelpOption();
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("SQLite file or postgresql:// URL (scratch)."),
                                QStringLiteral("PATH_OR_URL"));
    const QCommandLineOption rowsOption(QStringLiteral("rows"), QStringLiteral("Rows to import (10000)."),
                                        QStringLiteral("N"), QStringLiteral("10000"));
    const QCommandLineOption rest(QStringLiteral("rest"), QStringLiteral("Import over REST into this server."),
                                  QStringLiteral("URL"));
    const QCommandLineOption email(QStringLiteral("email"), QStringLiteral("REST: a super admin's email."),
                                   QStringLiteral("EMAIL"));
    const QCommandLineOption passwordFile(QStringLiteral("password-file"), QStringLiteral("REST: its password."),
                                          QStringLiteral("FILE"));
    parser.addOptions({ db, rowsOption, rest, email, passwordFile });
    parser.process(app);
    const int rows = parser.value(rowsOption).toInt();
    if (rows < 1 || rows > userimport::MaxRowsPerFile) {
        print(QStringLiteral("--rows: 1 to %1").arg(userimport::MaxRowsPerFile));
        return 64;
    }
    if (parser.isSet(rest))
        return runRest(parser.value(rest), parser.value(email), parser.value(passwordFile), rows);
    return runStore(parser.value(db), rows);
}
