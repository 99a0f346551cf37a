// POST /api/admin/users/import against the real portcullis-server on a loopback port: a dry run
// that writes nothing (and is the default), an import whose reset codes work, the size limits, an
// organization admin naming another tenant, an unauthenticated flood, and RestBackend sending a
// file in batches with progress and Cancel. Every answer is checked against docs/openapi.json.

#include "contractcheck.h"
#include "domain/userimport.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "testutil.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>

using namespace portcullis;
using namespace portcullis::test;

namespace {

const QString kPassword = QStringLiteral("Correct-Horse-42-battery");
constexpr int kWaitMs = 60000;

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString describe() const { return QStringLiteral("HTTP %1 %2").arg(status).arg(QString::fromUtf8(body.left(400))); }
};

QString csvOf(const QString& prefix, int count, const QString& organization = {})
{
    QString csv = QStringLiteral("email,username,full name,roles,organization\n");
    for (int i = 1; i <= count; ++i)
        csv += QStringLiteral("%1%2@example.test,%1%2,Person %2,user,%3\n").arg(prefix).arg(i).arg(organization);
    return csv;
}

} // namespace

class TestRestImport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void dryRunClassifiesAndWritesNothing();
    void importWritesAndTheCodesWork();
    void limits();
    void orgAdminCannotImportIntoAnotherTenant();
    void unauthenticatedFloodIsRefused();
    void restBackendSendsBatchesWithProgressAndCancel();
    void restBackendExportsTheFilteredUsers();

private:
    HttpResult send(const QByteArray& method, const QString& path, const QByteArray& token, const QJsonObject& body,
                    const QByteArray& rawBody = {});
    HttpResult import(const QByteArray& token, const QString& csv, bool dryRun, qint64 organizationId = 0);
    QByteArray login(const QString& email, const QString& password = kPassword);
    qint64 count(const QString& sql) { return countRows(m_db->store(), sql); }

    QTemporaryDir m_dir;
    std::unique_ptr<TestDatabase> m_db;
    ServerProcess m_server;
    QNetworkAccessManager m_network;
    ContractCheckingNetwork m_backendNetwork;
    QByteArray m_root;
    QByteArray m_adminA;
    qint64 m_orgA = 0;
    qint64 m_orgB = 0;
};

HttpResult TestRestImport::send(const QByteArray& method, const QString& path, const QByteArray& token,
                                const QJsonObject& body, const QByteArray& rawBody)
{
    QNetworkRequest request(QUrl(m_server.baseUrl() + path));
    request.setTransferTimeout(kWaitMs);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    const QByteArray payload = !rawBody.isEmpty() ? rawBody : QJsonDocument(body).toJson(QJsonDocument::Compact);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = m_network.sendCustomRequest(request, method, payload);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpResult result;
    if (reply->isFinished() || finished.wait(kWaitMs)) {
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        checkContract(method, path, result.status, reply->rawHeader("Content-Type"), result.body, __FILE__, __LINE__);
    }
    reply->deleteLater();
    return result;
}

HttpResult TestRestImport::import(const QByteArray& token, const QString& csv, bool dryRun, qint64 organizationId)
{
    QJsonObject body { { QStringLiteral("csv"), csv }, { QStringLiteral("dry_run"), dryRun } };
    if (organizationId != 0)
        body.insert(QStringLiteral("organization_id"), organizationId);
    return send("POST", QStringLiteral("/api/admin/users/import"), token, body);
}

QByteArray TestRestImport::login(const QString& email, const QString& password)
{
    const HttpResult r = send("POST", QStringLiteral("/api/auth/login"), {},
                              { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } });
    return r.json().value(QStringLiteral("access_token")).toString().toLatin1();
}

void TestRestImport::initTestCase()
{
    if (serverBinary().isEmpty())
        QFAIL("PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QVERIFY(m_dir.isValid());
    m_db = TestDatabase::create();
    QString error;
    QVERIFY2(initDeployment(m_db->url(), m_dir.path(), &error), qPrintable(error));
    QVERIFY2(m_server.start(m_db->url(), m_dir.filePath(QStringLiteral("jwt-secret"))), qPrintable(m_server.output()));
    m_root = login(kRootEmail, kRootPassword);
    QVERIFY(!m_root.isEmpty());
    for (const auto& [name, id] :
         { std::pair { QStringLiteral("Tenant A"), &m_orgA }, std::pair { QStringLiteral("Tenant B"), &m_orgB } }) {
        const HttpResult r
            = send("POST", QStringLiteral("/api/admin/organizations"), m_root,
                   { { QStringLiteral("name"), name },
                     { QStringLiteral("slug"), name.toLower().replace(QLatin1Char(' '), QLatin1Char('-')) },
                     { QStringLiteral("max_users"), 1000 } });
        QVERIFY2(r.status == 201, qPrintable(r.describe()));
        *id = r.json().value(QStringLiteral("id")).toInteger();
    }
    const HttpResult admin = send("POST", QStringLiteral("/api/admin/users"), m_root,
                                  { { QStringLiteral("email"), QStringLiteral("admin.a@example.test") },
                                    { QStringLiteral("username"), QStringLiteral("admin.a") },
                                    { QStringLiteral("password"), kPassword },
                                    { QStringLiteral("organization_id"), m_orgA },
                                    { QStringLiteral("role_codes"), QJsonArray { QStringLiteral("admin") } } });
    QVERIFY2(admin.status == 201, qPrintable(admin.describe()));
    m_adminA = login(QStringLiteral("admin.a@example.test"));
    QVERIFY(!m_adminA.isEmpty());
}

void TestRestImport::dryRunClassifiesAndWritesNothing()
{
    const qint64 users = count(QStringLiteral("SELECT COUNT(*) FROM users"));
    const qint64 events = count(QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    const QString csv = QStringLiteral("email,username,roles\n"
                                       "dry1@example.test,dryone,user\n"
                                       "dry2@example.test,drytwo,super_admin\n"
                                       "not-an-email,drythree,user\n"
                                       "DRY1@example.test,dryfour,user\n");
    const HttpResult r = import(m_adminA, csv, true);
    QVERIFY2(r.status == 200, qPrintable(r.describe()));
    const QJsonArray rows = r.json().value(QStringLiteral("rows")).toArray();
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows.at(0)[QStringLiteral("outcome")].toString(), QStringLiteral("will_create"));
    QCOMPARE(rows.at(1)[QStringLiteral("problem")].toString(), QStringLiteral("role_not_allowed"));
    QCOMPARE(rows.at(2)[QStringLiteral("problem")].toString(), QStringLiteral("invalid_email"));
    QCOMPARE(rows.at(3)[QStringLiteral("problem")].toString(), QStringLiteral("duplicate_in_file"));
    QCOMPARE(rows.at(3)[QStringLiteral("row")].toInt(), 5);
    // Without dry_run it is a preview too.
    const HttpResult preview
        = send("POST", QStringLiteral("/api/admin/users/import"), m_adminA, { { QStringLiteral("csv"), csv } });
    QVERIFY2(preview.status == 200, qPrintable(preview.describe()));
    QCOMPARE(preview.json().value(QStringLiteral("dry_run")).toBool(), true);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM users")), users);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM audit_events")), events);
}

void TestRestImport::importWritesAndTheCodesWork()
{
    const HttpResult r = import(m_adminA, csvOf(QStringLiteral("rest"), 3), false);
    QVERIFY2(r.status == 200, qPrintable(r.describe()));
    const QJsonObject counts = r.json().value(QStringLiteral("counts")).toObject();
    QCOMPARE(counts.value(QStringLiteral("created")).toInt(), 3);
    const QJsonObject first = r.json().value(QStringLiteral("rows")).toArray().at(0).toObject();
    const QString code = first.value(QStringLiteral("code")).toString();
    QVERIFY(code.size() >= 40);
    QCOMPARE(first.value(QStringLiteral("organization_id")).toInteger(), m_orgA);
    // No password yet: nothing signs in; the code sets one.
    QVERIFY(login(QStringLiteral("rest1@example.test"), QStringLiteral("!import")).isEmpty());
    const HttpResult reset = send("POST", QStringLiteral("/api/auth/password/reset"), {},
                                  { { QStringLiteral("token"), code }, { QStringLiteral("new_password"), kPassword } });
    QVERIFY2(reset.status == 204, qPrintable(reset.describe()));
    QVERIFY(!login(QStringLiteral("rest1@example.test")).isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.imported' AND "
                                  "outcome = 'success'")),
             1);
    // The same file again: every row exists and is skipped.
    const HttpResult again = import(m_adminA, csvOf(QStringLiteral("rest"), 3), false);
    QCOMPARE(again.json().value(QStringLiteral("counts")).toObject().value(QStringLiteral("exists")).toInt(), 3);
}

void TestRestImport::limits()
{
    const qint64 users = count(QStringLiteral("SELECT COUNT(*) FROM users"));
    // More rows than one request takes.
    const HttpResult tooMany = import(m_adminA, csvOf(QStringLiteral("many"), userimport::MaxRowsPerRequest + 1), true);
    QVERIFY2(tooMany.status == 400, qPrintable(tooMany.describe()));
    // A body over the server's limit is refused from its length.
    const QByteArray huge = "{\"csv\":\"" + QByteArray(2 * 1024 * 1024, 'x') + "\"}";
    const HttpResult tooLarge = send("POST", QStringLiteral("/api/admin/users/import"), m_adminA, {}, huge);
    QVERIFY2(tooLarge.status == 413, qPrintable(tooLarge.describe()));
    // Not CSV the reader accepts.
    const HttpResult broken = import(m_adminA, QStringLiteral("email,password\na@example.test,secret\n"), false);
    QVERIFY2(broken.status == 400, qPrintable(broken.describe()));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM users")), users);
}

void TestRestImport::orgAdminCannotImportIntoAnotherTenant()
{
    const QString usersOfB = QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = %1").arg(m_orgB);
    const qint64 before = count(usersOfB);
    // By the request's organization: another tenant's id reads as missing.
    const HttpResult byId = import(m_adminA, csvOf(QStringLiteral("intruder"), 2), false, m_orgB);
    QVERIFY2(byId.status == 404, qPrintable(byId.describe()));
    // By a row's organization (slug or name): that row is refused, nothing lands in B.
    for (const QString& name : { QStringLiteral("tenant-b"), QStringLiteral("Tenant B") }) {
        const HttpResult byRow = import(m_adminA, csvOf(QStringLiteral("sneak"), 1, name), false);
        QVERIFY2(byRow.status == 200, qPrintable(byRow.describe()));
        const QJsonObject row = byRow.json().value(QStringLiteral("rows")).toArray().at(0).toObject();
        QCOMPARE(row.value(QStringLiteral("problem")).toString(), QStringLiteral("unknown_organization"));
    }
    QCOMPARE(count(usersOfB), before);
    QVERIFY(count(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.imported' AND "
                                 "outcome = 'denied'"))
            >= 3);
}

void TestRestImport::unauthenticatedFloodIsRefused()
{
    const qint64 users = count(QStringLiteral("SELECT COUNT(*) FROM users"));
    int refused = 0;
    for (int i = 0; i < 60; ++i) {
        const QByteArray token = i % 2 ? QByteArray("forged.token.value") : QByteArray();
        const HttpResult r = import(token, csvOf(QStringLiteral("flood"), 5), false);
        QVERIFY2(r.status == 401 || r.status == 429, qPrintable(r.describe()));
        ++refused;
    }
    QCOMPARE(refused, 60);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM users")), users);
}

void TestRestImport::restBackendSendsBatchesWithProgressAndCancel()
{
    RestBackend backend(&m_backendNetwork, m_server.url());
    QVERIFY_RESULT(awaitResult(backend.signIn(QStringLiteral("admin.a@example.test"), kPassword)));
    const int rows = RestBackend::ImportWriteBatch * 2 + 50;
    // A file larger than one request, with a duplicate across batches.
    QString csv = csvOf(QStringLiteral("batch"), rows);
    csv += QStringLiteral("batch1@example.test,batchcopy,Copy,user,\n");
    auto parsed = userimport::parseCsv(csv.toUtf8());
    QVERIFY_RESULT(parsed);
    ImportRequest request;
    request.rows = parsed->rows;
    request.dryRun = true;
    auto preview = awaitResult(backend.importUsers(request, {}, {}), kWaitMs);
    QVERIFY_RESULT(preview);
    QCOMPARE(preview->count(ImportOutcome::WillCreate), rows);
    QCOMPARE(preview->rows.constLast().problem, ImportProblem::DuplicateInFile);
    QCOMPARE(preview->rows.constLast().row, rows + 2);

    // The import, cancelled after its first batch: that batch stays, with its codes.
    request.dryRun = false;
    auto cancel = std::make_shared<std::atomic_bool>(false);
    std::atomic_int lastDone = 0;
    auto report = awaitResult(backend.importUsers(
                                  request,
                                  [cancel, &lastDone](int done, int) {
                                      lastDone = done;
                                      cancel->store(true);
                                  },
                                  cancel),
                              kWaitMs);
    QVERIFY_RESULT(report);
    QVERIFY(report->cancelled);
    QCOMPARE(lastDone.load(), RestBackend::ImportWriteBatch);
    QCOMPARE(report->count(ImportOutcome::Created), RestBackend::ImportWriteBatch);
    QCOMPARE(report->count(ImportOutcome::NotRun), rows - RestBackend::ImportWriteBatch);
    QVERIFY(!report->rows.at(0).code.isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM users WHERE email LIKE 'batch%'")),
             RestBackend::ImportWriteBatch);
}

void TestRestImport::restBackendExportsTheFilteredUsers()
{
    RestBackend backend(&m_backendNetwork, m_server.url());
    QVERIFY_RESULT(awaitResult(backend.signIn(QStringLiteral("admin.a@example.test"), kPassword)));
    const HttpResult made = import(m_adminA, csvOf(QStringLiteral("exported"), 7), false);
    QVERIFY2(made.status == 200, qPrintable(made.describe()));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("users.csv"));
    UserQuery query;
    query.search = QStringLiteral("exported");
    std::atomic_llong progress = 0;
    auto written = awaitResult(backend.exportUsers(
                                   query, path, [&progress](qint64 n) { progress = n; }, nullptr),
                               kWaitMs);
    QVERIFY_RESULT(written);
    QCOMPARE(*written, 7);
    QCOMPARE(progress.load(), 7);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray content = file.readAll();
    QVERIFY(content.startsWith("email,username,full name,roles,organization,"));
    QCOMPARE(content.count('\n'), 8);
    QVERIFY(content.contains("exported1@example.test,exported1,Person 1,user,tenant-a,"));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.exported'")), 1);
}

QTEST_GUILESS_MAIN(TestRestImport)
#include "tst_rest_import.moc"
