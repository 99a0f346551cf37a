// Deployment settings and maintenance through the real portcullis-server (SQLite, or PostgreSQL
// with the _pg variant): the REST routes and their refusals, RestBackend's methods against them,
// serve's scheduled maintenance applying the audit retention through the audited purge (the chain
// still verifies, nothing younger than the retention goes), and two serve processes on one
// database: a change through one takes effect in the other within StoreCore::settingsCacheMs, and
// their scheduled runs never overlap.

#include "policy/catalog.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "sql/store.h"
#include "storefixture.h"
#include "testutil.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

struct Answer
{
    int status = 0;
    QJsonObject json;
    QString describe() const
    {
        return QStringLiteral("HTTP %1: %2")
            .arg(status)
            .arg(QString::fromUtf8(QJsonDocument(json).toJson(QJsonDocument::Compact)));
    }
};

} // namespace

class TestSettingsServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void restRefusesBelowSuperAdmin();
    void restChangesAndValidates();
    void restBackendSettingsAndMaintenance();
    void scheduledMaintenanceAppliesRetention();
    void retentionNeverRemovesYoungerEvents();
    void twoServersShareSettingsAndTakeTurns();

private:
    Answer request(const QUrl& base, const QByteArray& method, const QString& path, const QByteArray& token = {},
                   const QJsonObject& body = {});
    QByteArray signIn(const QUrl& base, const QString& email, const QString& password, qint64* expiresIn = nullptr);
    QString secretFile() const { return m_db->tempPath() + QStringLiteral("/jwt-secret"); }
    qint64 scalar(const QString& sql) { return portcullis::test::scalar(m_db->store().core().db(), sql); }

    QNetworkAccessManager m_network;
    std::unique_ptr<TestDatabase> m_db;
    World m_world;
};

void TestSettingsServer::initTestCase()
{
    QVERIFY2(!serverBinary().isEmpty(), "PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
}

void TestSettingsServer::init()
{
    m_db = TestDatabase::create();
    QString error;
    QVERIFY2(initDeployment(m_db->url(), m_db->tempPath(), &error), qPrintable(error));
    // The world around init's super admin (World::build would make a second "root").
    SqlStore& store = m_db->store();
    m_world = World {};
    m_world.store = &store;
    auto org = store.organizations().create(
        Actor::system(), { QStringLiteral("Acme Corp"), QStringLiteral("acme"), QStringLiteral("business"), 50, {} });
    QVERIFY_RESULT(org);
    m_world.orgA = *org;
    auto root = store.core().loadUserByLogin(kRootEmail);
    QVERIFY_RESULT(root);
    m_world.superAdmin = *root;
    m_world.superActor = m_world.actorFor(*root);
}

void TestSettingsServer::cleanup()
{
    m_db.reset();
}

Answer TestSettingsServer::request(const QUrl& base, const QByteArray& method, const QString& path,
                                   const QByteArray& token, const QJsonObject& body)
{
    QNetworkRequest r(base.resolved(QUrl(path)));
    if (!token.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + token);
    QByteArray payload;
    if (method != "GET") {
        r.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
    }
    QNetworkReply* reply = m_network.sendCustomRequest(r, method, payload);
    QSignalSpy done(reply, &QNetworkReply::finished);
    Answer answer;
    if (!reply->isFinished() && !done.wait(30000)) {
        reply->abort();
        reply->deleteLater();
        return answer;
    }
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.json = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return answer;
}

QByteArray TestSettingsServer::signIn(const QUrl& base, const QString& email, const QString& password,
                                      qint64* expiresIn)
{
    const Answer a = request(base, "POST", QStringLiteral("/api/auth/login"), {},
                             { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } });
    if (a.status != 200)
        qWarning() << "sign-in failed:" << a.describe();
    if (expiresIn)
        *expiresIn = a.json.value(QLatin1String("expires_in")).toInteger();
    return a.json.value(QLatin1String("access_token")).toString().toLatin1();
}

void TestSettingsServer::restRefusesBelowSuperAdmin()
{
    ServerProcess server;
    QVERIFY2(server.start(m_db->url(), secretFile(), { QStringLiteral("--maintenance-interval"), QStringLiteral("0") }),
             qPrintable(server.output()));
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    const QByteArray token = signIn(server.url(), admin.email, kStrongPassword);
    QVERIFY(!token.isEmpty());

    Answer a = request(server.url(), "GET", QStringLiteral("/api/admin/settings"), token);
    QCOMPARE(a.status, 403);
    a = request(server.url(), "PATCH", QStringLiteral("/api/admin/settings"), token,
                { { QStringLiteral("lockout_threshold"), 100 }, { QStringLiteral("password_min_length"), 12 } });
    QVERIFY2(a.status == 403, qPrintable(a.describe()));
    QCOMPARE(a.json.value(QLatin1String("code")).toString(), QStringLiteral("forbidden"));
    a = request(server.url(), "POST", QStringLiteral("/api/admin/maintenance/run"), token);
    QCOMPARE(a.status, 403);
    a = request(server.url(), "GET", QStringLiteral("/api/admin/maintenance"), token);
    QCOMPARE(a.status, 403);
    QSqlDatabase& db = m_db->store().core().db();
    QCOMPARE(auditCount(db, actions::SettingsViewed, kDenied), 1);
    QCOMPARE(auditCount(db, actions::SettingsUpdated, kDenied), 1);
    QCOMPARE(auditCount(db, actions::MaintenanceRan, kDenied), 1);
    QCOMPARE(auditCount(db, actions::MaintenanceListed, kDenied), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM maintenance_runs")), 0);
    // Unauthenticated: 401, nothing changes.
    a = request(server.url(), "PATCH", QStringLiteral("/api/admin/settings"), {},
                { { QStringLiteral("lockout_threshold"), 100 } });
    QCOMPARE(a.status, 401);
}

void TestSettingsServer::restChangesAndValidates()
{
    ServerProcess server;
    QVERIFY2(server.start(m_db->url(), secretFile(), { QStringLiteral("--maintenance-interval"), QStringLiteral("0") }),
             qPrintable(server.output()));
    qint64 expiresIn = 0;
    const QByteArray token = signIn(server.url(), kRootEmail, kRootPassword, &expiresIn);
    QVERIFY(!token.isEmpty());
    QCOMPARE(expiresIn, 3600);

    Answer a = request(server.url(), "GET", QStringLiteral("/api/admin/settings"), token);
    QVERIFY2(a.status == 200, qPrintable(a.describe()));
    QCOMPARE(a.json.value(QLatin1String("access_token_minutes")).toInt(), 60);
    QCOMPARE(a.json.value(QLatin1String("impersonation_enabled")).toBool(), true);
    QCOMPARE(a.json.value(QLatin1String("audit_retention_days")).toInt(), 0);
    QCOMPARE(a.json.size(), 10);

    // Absurd values: 400 with a message per field, nothing stored.
    a = request(server.url(), "PATCH", QStringLiteral("/api/admin/settings"), token,
                { { QStringLiteral("access_token_minutes"), 0 }, { QStringLiteral("lockout_threshold"), 100000 } });
    QVERIFY2(a.status == 400, qPrintable(a.describe()));
    const QJsonObject errors = a.json.value(QLatin1String("errors")).toObject();
    QVERIFY(errors.contains(QLatin1String("access_token_minutes")));
    QVERIFY(errors.contains(QLatin1String("lockout_threshold")));
    a = request(server.url(), "PATCH", QStringLiteral("/api/admin/settings"), token,
                { { QStringLiteral("lockout_threshold"), QStringLiteral("10") } });
    QCOMPARE(a.status, 400); // a string where a number belongs
    a = request(server.url(), "PATCH", QStringLiteral("/api/admin/settings"), token,
                { { QStringLiteral("secret_backdoor"), 1 } });
    QCOMPARE(a.status, 400); // not a setting
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 0);

    a = request(server.url(), "PATCH", QStringLiteral("/api/admin/settings"), token,
                { { QStringLiteral("access_token_minutes"), 15 },
                  { QStringLiteral("impersonation_enabled"), false },
                  { QStringLiteral("audit_retention_days"), QJsonValue::Null } });
    QVERIFY2(a.status == 200, qPrintable(a.describe()));
    QCOMPARE(a.json.value(QLatin1String("access_token_minutes")).toInt(), 15);
    QCOMPARE(a.json.value(QLatin1String("impersonation_enabled")).toBool(), false);
    const QJsonObject changes
        = auditDetails(m_db->store().core().db(), actions::SettingsUpdated).value(QLatin1String("changes")).toObject();
    QCOMPARE(changes.keys(),
             (QStringList { QStringLiteral("access_token_minutes"), QStringLiteral("impersonation_enabled") }));
    // The next sign-in through this server gets the new lifetime at once.
    QVERIFY(!signIn(server.url(), kRootEmail, kRootPassword, &expiresIn).isEmpty());
    QCOMPARE(expiresIn, 15 * 60);

    a = request(server.url(), "POST", QStringLiteral("/api/admin/maintenance/run"), token);
    QVERIFY2(a.status == 200, qPrintable(a.describe()));
    QVERIFY(a.json.value(QLatin1String("id")).toInteger() > 0);
    QCOMPARE(a.json.value(QLatin1String("source")).toString(), QStringLiteral("console"));
    QVERIFY(a.json.value(QLatin1String("error")).isNull());
    a = request(server.url(), "GET", QStringLiteral("/api/admin/maintenance?limit=5"), token);
    QVERIFY2(a.status == 200, qPrintable(a.describe()));
    QCOMPARE(a.json.value(QLatin1String("items")).toArray().size(), 1);
}

void TestSettingsServer::restBackendSettingsAndMaintenance()
{
    ServerProcess server;
    QVERIFY2(server.start(m_db->url(), secretFile(), { QStringLiteral("--maintenance-interval"), QStringLiteral("0") }),
             qPrintable(server.output()));
    RestBackend backend(&m_network, server.url());
    QVERIFY_RESULT(awaitResult(backend.signIn(kRootEmail, kRootPassword)));
    const auto settings = awaitResult(backend.settings());
    QVERIFY_RESULT(settings);
    QVERIFY(*settings == DeploymentSettings {});
    const auto refused = awaitResult(backend.updateSettings(
        { { QStringLiteral("refresh_token_hours"), 1 }, { QStringLiteral("access_token_minutes"), 120 } }));
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY(refused.error().fieldErrors.contains(QStringLiteral("refresh_token_hours")));
    const auto updated = awaitResult(backend.updateSettings({ { QStringLiteral("invitation_days"), 3 },
                                                              { QStringLiteral("impersonation_enabled"), 0 },
                                                              { QStringLiteral("api_key_rate_limit"), 90 } }));
    QVERIFY_RESULT(updated);
    QCOMPARE(updated->invitationDays, 3);
    QCOMPARE(updated->impersonationEnabled, false);
    // A key that names no rate limit gets the deployment's.
    NewApiKey key;
    key.name = QStringLiteral("nightly export");
    key.userId = m_world.superAdmin.id;
    const auto created = awaitResult(backend.createApiKey(key));
    QVERIFY_RESULT(created);
    QCOMPARE(created->key.rateLimitPerMinute, 90);
    const auto run = awaitResult(backend.runMaintenance());
    QVERIFY_RESULT(run);
    const auto runs = awaitResult(backend.maintenanceRuns(3));
    QVERIFY_RESULT(runs);
    QCOMPARE(runs->size(), 1);
    QCOMPARE(runs->constFirst().id, run->id);
    QCOMPARE(runs->constFirst().source, QStringLiteral("console"));
    QCOMPARE(runs->constFirst().actorId,
             scalar(QStringLiteral("SELECT id FROM users WHERE email = '%1'").arg(kRootEmail)));
    QVERIFY(runs->constFirst().finishedAt.isValid());

    // An org admin's RestBackend is refused.
    const User admin = m_world.makeUser(m_world.orgA.id, QStringLiteral("admin"));
    RestBackend adminBackend(&m_network, server.url());
    QVERIFY_RESULT(awaitResult(adminBackend.signIn(admin.email, kStrongPassword)));
    QVERIFY_ERROR(awaitResult(adminBackend.settings()), ErrorCode::Forbidden);
    QVERIFY_ERROR(awaitResult(adminBackend.updateSettings({ { QStringLiteral("lockout_threshold"), 50 } })),
                  ErrorCode::Forbidden);
    QVERIFY_ERROR(awaitResult(adminBackend.runMaintenance()), ErrorCode::Forbidden);
    QVERIFY_ERROR(awaitResult(adminBackend.maintenanceRuns(1)), ErrorCode::Forbidden);
}

void TestSettingsServer::scheduledMaintenanceAppliesRetention()
{
    // A log written in time order, as servers write it: seed-demo on a database without init, so
    // that its back-dated history comes first.
    m_db = TestDatabase::create();
    const CommandRun seeded = runCommand({ QStringLiteral("seed-demo"), QStringLiteral("--db"), m_db->url(),
                                           QStringLiteral("--tenants"), QStringLiteral("2"), QStringLiteral("--users"),
                                           QStringLiteral("30"), QStringLiteral("--events"), QStringLiteral("1500") });
    QVERIFY2(seeded.exitCode == 0, qPrintable(seeded.all()));
    QVERIFY_RESULT(
        m_db->store().settings().update(Actor::system(), { { QStringLiteral("audit_retention_days"), 30 } }));
    const qint64 cutoff = QDateTime::currentDateTimeUtc().addDays(-30).toMSecsSinceEpoch();
    const qint64 old = scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at < %1").arg(cutoff));
    QVERIFY2(old > 100, qPrintable(QString::number(old)));
    // What the retention keeps (a minute's margin for the clock between here and the run).
    const QString youngSql
        = QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at >= %1").arg(cutoff + 60000);
    const qint64 young = scalar(youngSql);

    ServerProcess server;
    QVERIFY2(server.start(m_db->url(), secretFile(), { QStringLiteral("--maintenance-interval"), QStringLiteral("1") }),
             qPrintable(server.output()));
    QTRY_VERIFY_WITH_TIMEOUT(scalar(QStringLiteral("SELECT COUNT(*) FROM maintenance_runs WHERE finished_at IS NOT "
                                                   "NULL AND audit_events_removed > 0"))
                                 == 1,
                             30000);
    server.stop();
    QVERIFY2(server.log().contains(QStringLiteral("maintenance run")), qPrintable(server.log()));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM maintenance_runs WHERE error <> ''")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at < %1").arg(cutoff - 60000)), 0);
    QVERIFY(scalar(youngSql) >= young); // nothing younger than the retention went
    // Through the purge-audit purge: one MACed purge record, audited as audit.purged.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_purges")), 1);
    const EventRow purged = lastEvent(m_db->store(), actions::AuditPurged);
    QVERIFY(purged.found);
    QVERIFY(purged.details.value(QLatin1String("events_removed")).toInteger() >= old);
    const EventRow ran = lastEvent(m_db->store(), actions::MaintenanceRan);
    QCOMPARE(ran.outcome, kSuccess);
    QCOMPARE(ran.details.value(QLatin1String("source")).toString(), QStringLiteral("schedule"));

    // The chain still verifies, offline (verify-audit) and through the manager.
    const CommandRun verify = runCommand({ QStringLiteral("verify-audit"), QStringLiteral("--db"), m_db->url() });
    QVERIFY2(verify.exitCode == 0, qPrintable(verify.all()));
    auto verified = m_db->store().audit().verify(Actor::system());
    QVERIFY_RESULT(verified);
    QVERIFY2(verified->ok, qPrintable(verified->problem));
}

// Times that disagree with ids (init's events are new, seed-demo's history after them is back-dated,
// as a server with a slow clock would write): retention removes nothing younger than itself, even
// where that leaves older events for later.
void TestSettingsServer::retentionNeverRemovesYoungerEvents()
{
    const CommandRun seeded = runCommand({ QStringLiteral("seed-demo"), QStringLiteral("--db"), m_db->url(),
                                           QStringLiteral("--tenants"), QStringLiteral("2"), QStringLiteral("--users"),
                                           QStringLiteral("30"), QStringLiteral("--events"), QStringLiteral("600") });
    QVERIFY2(seeded.exitCode == 0, qPrintable(seeded.all()));
    QVERIFY_RESULT(
        m_db->store().settings().update(m_world.superActor, { { QStringLiteral("audit_retention_days"), 30 } }));
    const qint64 cutoff = QDateTime::currentDateTimeUtc().addDays(-30).toMSecsSinceEpoch();
    const QString youngSql = QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at >= %1").arg(cutoff);
    const qint64 young = scalar(youngSql);
    const qint64 firstYoung
        = scalar(QStringLiteral("SELECT MIN(id) FROM audit_events WHERE occurred_at >= %1").arg(cutoff));
    QVERIFY(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at < %1 AND id > %2")
                       .arg(cutoff)
                       .arg(firstYoung))
            > 0);
    auto run = m_db->store().maintenance().run(m_world.superActor, QStringLiteral("console"));
    QVERIFY_RESULT(run);
    QVERIFY(scalar(youngSql) >= young);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE id = %1").arg(firstYoung)), 1);
    auto verified = m_db->store().audit().verify(m_world.superActor);
    QVERIFY_RESULT(verified);
    QVERIFY2(verified->ok, qPrintable(verified->problem));
}

void TestSettingsServer::twoServersShareSettingsAndTakeTurns()
{
    ServerProcess a;
    ServerProcess b;
    const QStringList every2s { QStringLiteral("--maintenance-interval"), QStringLiteral("2") };
    QVERIFY2(a.start(m_db->url(), secretFile(), every2s), qPrintable(a.output()));
    QVERIFY2(b.start(m_db->url(), secretFile(), every2s), qPrintable(b.output()));
    qint64 expiresIn = 0;
    const QByteArray token = signIn(a.url(), kRootEmail, kRootPassword);
    QVERIFY(!signIn(b.url(), kRootEmail, kRootPassword, &expiresIn).isEmpty());
    QCOMPARE(expiresIn, 3600);
    const User user = m_world.makeUser(m_world.orgA.id, QStringLiteral("user"));

    const Answer changed
        = request(a.url(), "PATCH", QStringLiteral("/api/admin/settings"), token,
                  { { QStringLiteral("access_token_minutes"), 5 }, { QStringLiteral("lockout_threshold"), 3 } });
    QVERIFY2(changed.status == 200, qPrintable(changed.describe()));
    QElapsedTimer since;
    since.start();
    // B picks the change up within the documented bound (settingsCacheMs), and not much later.
    while (since.elapsed() < StoreCore::settingsCacheMs + 3000) {
        QVERIFY(!signIn(b.url(), kRootEmail, kRootPassword, &expiresIn).isEmpty());
        if (expiresIn == 5 * 60)
            break;
        QTest::qWait(250);
    }
    QCOMPARE(expiresIn, 5 * 60);
    QVERIFY2(since.elapsed() <= StoreCore::settingsCacheMs + 1000, qPrintable(QString::number(since.elapsed())));
    // The lockout threshold too: three wrong passwords through B lock the account.
    for (int i = 0; i < 3; ++i)
        QCOMPARE(request(b.url(), "POST", QStringLiteral("/api/auth/login"), {},
                         { { QStringLiteral("email"), user.email },
                           { QStringLiteral("password"), QStringLiteral("Nope-1234567!") } })
                     .status,
                 401);
    QVERIFY(scalar(QStringLiteral("SELECT COUNT(*) FROM users WHERE id = %1 AND locked_until IS NOT NULL").arg(user.id))
            == 1);

    // Scheduled maintenance: both servers try every ~2 s; runs never overlap, and between them
    // they run about once per half interval at most.
    QTest::qWait(7000);
    a.stop();
    b.stop();
    QSqlQuery q(m_db->store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT started_at, finished_at FROM maintenance_runs WHERE source = 'schedule' "
                                  "ORDER BY started_at")));
    qint64 previousEnd = 0;
    int runs = 0;
    while (q.next()) {
        QVERIFY2(!q.value(1).isNull(), "a scheduled run never finished");
        QVERIFY2(q.value(0).toLongLong() >= previousEnd, "two scheduled runs overlapped");
        previousEnd = q.value(1).toLongLong();
        ++runs;
    }
    QVERIFY2(runs >= 2 && runs <= 10, qPrintable(QString::number(runs)));
}

QTEST_MAIN(TestSettingsServer)
#include "tst_settings_server.moc"
