// Audit integrity against a database writer who lacks the server's audit key, on SQLite and (the _pg
// variant) PostgreSQL. The real portcullis-server does what an operator does (init, seed-demo,
// serve, purge-audit, verify-audit); the attacker is a plain database connection with no key that
// edits, deletes and forges rows, recomputing the unkeyed SHA-256 links as the old chain used them.

#include "serverprocess.h"
#include "testutil.h"

#include "sql/auditchain.h"
#include "sql/auditkey.h"
#include "sql/database.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace portcullis;
using namespace portcullis::test;

namespace {

using Run = portcullis::test::CommandRun;

constexpr QFileDevice::Permissions kOwnerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
constexpr QFileDevice::Permissions kGroupOther
    = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ReadOther | QFileDevice::WriteOther;

} // namespace

class TestAuditIntegrity : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void initCreatesThePrivateKeyAndACheckpoint();
    void intactChainVerifies();
    void bulkSeedRebuildsIndexesAndCounters();
    void editedEventWithRecomputedHashesIsNamed_data();
    void editedEventWithRecomputedHashesIsNamed();
    void forgedPurgeLettingDeletesThroughIsFound_data();
    void forgedPurgeLettingDeletesThroughIsFound();
    void deletedMiddleRangeIsNamed();
    void cutOffNewestEventsAreATruncatedTail();
    void legitimatePurgeStillVerifies();
    void purgeAuthenticatesTheSuperAdmin();
    void alteredPurgeRecordIsForged();
    void preKeyDatabaseMigratesAndReportsItsUnkeyedPart();
    void writesWithoutTheKeyAreRefused();
    void checkpointWithoutAValidMacIsRefused();

private:
    Run server(const QStringList& arguments, const QByteArray& input = {});
    void seed(int events);
    QSqlDatabase attacker();
    void dropGuards(QSqlDatabase& db);
    void restoreGuards(QSqlDatabase& db);
    // Rewrites the links from `fromId` on with the unkeyed SHA-256, as the old chain did.
    void recomputeUnkeyed(QSqlDatabase& db, Id fromId, Id toId = std::numeric_limits<Id>::max());
    Id scalar(const QString& sql);
    QString text(const QString& sql);
    QJsonObject checkpointFile();
    QString keyFile() const { return m_db->auditKeyFile(); }
    QString checkpointPath() const { return auditkey::checkpointPath(keyFile()); }
    Run verify() { return server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), m_db->url() }); }

    QString m_passwordFile;
    std::unique_ptr<TestDatabase> m_db;
    int m_connections = 0;
};

void TestAuditIntegrity::initTestCase()
{
    QVERIFY2(!serverBinary().isEmpty(), "PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
}

void TestAuditIntegrity::init()
{
    m_db = TestDatabase::create();
    m_passwordFile = m_db->tempPath() + QStringLiteral("/admin-password");
    QString error;
    QVERIFY2(initDeployment(m_db->url(), m_db->tempPath(), &error), qPrintable(error));
}

void TestAuditIntegrity::cleanup()
{
    m_db.reset();
}

Run TestAuditIntegrity::server(const QStringList& arguments, const QByteArray& input)
{
    return runCommand(arguments, input);
}

void TestAuditIntegrity::seed(int events)
{
    const Run run = server({ QStringLiteral("seed-demo"), QStringLiteral("--db"), m_db->url(),
                             QStringLiteral("--tenants"), QStringLiteral("2"), QStringLiteral("--users"),
                             QStringLiteral("30"), QStringLiteral("--events"), QString::number(events) });
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
}

QSqlDatabase TestAuditIntegrity::attacker()
{
    return m_db->openConnection(QStringLiteral("attacker_%1").arg(++m_connections));
}

void TestAuditIntegrity::dropGuards(QSqlDatabase& db)
{
    QSqlQuery q(db);
    const QStringList statements = m_db->isPostgres()
        ? QStringList { QStringLiteral("DROP TRIGGER audit_events_guard ON audit_events"),
                        QStringLiteral("DROP TRIGGER audit_purges_guard ON audit_purges") }
        : QStringList { QStringLiteral("DROP TRIGGER audit_events_no_update"),
                        QStringLiteral("DROP TRIGGER audit_events_no_delete"),
                        QStringLiteral("DROP TRIGGER audit_purges_no_update"),
                        QStringLiteral("DROP TRIGGER audit_purges_no_delete") };
    for (const QString& sql : statements)
        QVERIFY2(q.exec(sql), qPrintable(sql + QLatin1Char(' ') + q.lastError().text()));
}

void TestAuditIntegrity::restoreGuards(QSqlDatabase& db)
{
    QSqlQuery q(db);
    const QStringList statements = m_db->isPostgres()
        ? QStringList { QStringLiteral("CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events "
                                       "FOR EACH ROW EXECUTE FUNCTION portcullis_audit_guard()"),
                        QStringLiteral("CREATE TRIGGER audit_purges_guard BEFORE UPDATE OR DELETE ON audit_purges "
                                       "FOR EACH ROW EXECUTE FUNCTION portcullis_audit_guard()") }
        : QStringList { QStringLiteral("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN "
                                       "SELECT RAISE(ABORT, 'audit events are append-only'); END"),
                        QStringLiteral(
                            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events WHEN OLD.id >= "
                            "COALESCE((SELECT MAX(purged_before_id) FROM audit_purges), 0) BEGIN "
                            "SELECT RAISE(ABORT, 'audit events are append-only'); END"),
                        QStringLiteral("CREATE TRIGGER audit_purges_no_update BEFORE UPDATE ON audit_purges BEGIN "
                                       "SELECT RAISE(ABORT, 'audit purge records are append-only'); END"),
                        QStringLiteral("CREATE TRIGGER audit_purges_no_delete BEFORE DELETE ON audit_purges BEGIN "
                                       "SELECT RAISE(ABORT, 'audit purge records are append-only'); END") };
    for (const QString& sql : statements)
        QVERIFY2(q.exec(sql), qPrintable(sql + QLatin1Char(' ') + q.lastError().text()));
}

void TestAuditIntegrity::recomputeUnkeyed(QSqlDatabase& db, Id fromId, Id toId)
{
    QSqlQuery q(db);
    QVERIFY(q.exec(QStringLiteral("SELECT id, occurred_at, actor_type, actor_id, actor_label, organization_id, action, "
                                  "resource_type, resource_id, details, ip, outcome, prev_hash FROM audit_events "
                                  "WHERE id >= %1 AND id <= %2 ORDER BY id")
                       .arg(fromId)
                       .arg(toId)));
    QList<QPair<auditchain::Row, QByteArray>> rows;
    while (q.next()) {
        auditchain::Row r;
        r.id = q.value(0).toLongLong();
        r.occurredAtMs = q.value(1).toLongLong();
        r.actorType = q.value(2).toString();
        r.actorId = q.value(3).toLongLong();
        r.actorLabel = q.value(4).toString();
        r.organizationId = q.value(5).toLongLong();
        r.action = q.value(6).toString();
        r.resourceType = q.value(7).toString();
        r.resourceId = q.value(8).toString();
        r.details = q.value(9).toString();
        r.ip = q.value(10).toString();
        r.outcome = q.value(11).toString();
        rows.append({ r, q.value(12).toString().toLatin1() });
    }
    q.finish();
    QVERIFY(!rows.isEmpty());
    QByteArray prev = rows.first().second;
    QVERIFY(db.transaction());
    QSqlQuery update(db);
    QVERIFY(update.prepare(QStringLiteral("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?")));
    for (const auto& [row, storedPrev] : std::as_const(rows)) {
        Q_UNUSED(storedPrev)
        const QByteArray hash = auditchain::hash(prev, row);
        update.addBindValue(QString::fromLatin1(prev));
        update.addBindValue(QString::fromLatin1(hash));
        update.addBindValue(row.id);
        QVERIFY2(update.exec(), qPrintable(update.lastError().text()));
        prev = hash;
    }
    QVERIFY(db.commit());
}

Id TestAuditIntegrity::scalar(const QString& sql)
{
    QSqlQuery q(m_db->store().core().db());
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

QString TestAuditIntegrity::text(const QString& sql)
{
    QSqlQuery q(m_db->store().core().db());
    if (!q.exec(sql) || !q.next())
        return QStringLiteral("(%1)").arg(q.lastError().text());
    return q.value(0).toString();
}

QJsonObject TestAuditIntegrity::checkpointFile()
{
    QFile file(checkpointPath());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

// --- the key and the checkpoint -------------------------------------------------------------------

void TestAuditIntegrity::initCreatesThePrivateKeyAndACheckpoint()
{
    const QFileInfo key(keyFile());
    QVERIFY2(key.exists(), qPrintable(keyFile()));
    QCOMPARE(key.size(), qint64(auditchain::KeyBytes));
    QCOMPARE(key.permissions() & kGroupOther, QFileDevice::Permissions());
    QCOMPARE(key.permissions() & kOwnerOnly, kOwnerOnly);
    const QFileInfo checkpoint(checkpointPath());
    QVERIFY(checkpoint.exists());
    QCOMPARE(checkpoint.permissions() & kGroupOther, QFileDevice::Permissions());
    const QJsonObject cp = checkpointFile();
    QCOMPARE(cp.value(QLatin1String("counter")).toInteger(), 1);
    QCOMPARE(cp.value(QLatin1String("last_id")).toInteger(),
             scalar(QStringLiteral("SELECT MAX(id) FROM audit_events")));
    QCOMPARE(cp.value(QLatin1String("first_keyed_id")).toInteger(), 1);
    // The key never reaches the database.
    QFile keyBytes(keyFile());
    QVERIFY(keyBytes.open(QIODevice::ReadOnly));
    const QString hex = QString::fromLatin1(keyBytes.readAll().toHex());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE details LIKE '%%1%'").arg(hex)), Id(0));

    // A key others may read is refused, as the JWT secret is.
    QVERIFY(QFile::setPermissions(keyFile(), kOwnerOnly | QFileDevice::ReadOther));
    const Run open = verify();
    QCOMPARE(open.exitCode, 6);
    QVERIFY2(open.err.contains(QStringLiteral("chmod 600")), qPrintable(open.all()));
}

void TestAuditIntegrity::intactChainVerifies()
{
    seed(300);
    const Run run = verify();
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    QVERIFY2(run.out.startsWith(
                 QStringLiteral("ok: %1 events\n").arg(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events")))),
             qPrintable(run.out));
    QVERIFY2(run.out.contains(QStringLiteral("checkpoint 1 matches")), qPrintable(run.out));
    QVERIFY2(!run.out.contains(QStringLiteral("unkeyed")), qPrintable(run.out));
}

// A seed large enough to take the bulk path (indexes dropped and built once at the end, the
// counters' triggers off and the counters counted in one pass, all in one transaction) leaves the
// database as the row-by-row path would: every index and trigger back and working, the users and
// daily counters equal to a count of the rows, the chain intact.
void TestAuditIntegrity::bulkSeedRebuildsIndexesAndCounters()
{
    const QString indexes = m_db->isPostgres()
        ? QStringLiteral("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
                         "WHERE tablename IN ('users', 'sessions', 'audit_events')")
        : QStringLiteral("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                         "WHERE type = 'index' AND tbl_name IN ('users', 'sessions', 'audit_events') ORDER BY name)");
    const QString triggers = m_db->isPostgres()
        ? QStringLiteral("SELECT string_agg(tgname || ':' || tgenabled, ',' ORDER BY tgname) FROM pg_trigger "
                         "WHERE NOT tgisinternal AND tgrelid IN ('users'::regclass, 'audit_events'::regclass)")
        : QStringLiteral("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                         "WHERE type = 'trigger' AND tbl_name IN ('users', 'audit_events') ORDER BY name)");
    const QString indexesBefore = text(indexes);
    const QString triggersBefore = text(triggers);
    QVERIFY(indexesBefore.contains(QStringLiteral("audit_organization")));
    QVERIFY(indexesBefore.contains(QStringLiteral("sessions_live_all")));
    QVERIFY(!triggersBefore.isEmpty());

    // 100,000 users and events: the bulk path's threshold (seeddemo.cpp kRebuildIndexesFrom).
    const Run run = server({ QStringLiteral("seed-demo"), QStringLiteral("--db"), m_db->url(),
                             QStringLiteral("--tenants"), QStringLiteral("3"), QStringLiteral("--users"),
                             QStringLiteral("100000"), QStringLiteral("--events"), QStringLiteral("100001") });
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    QCOMPARE(text(indexes), indexesBefore);
    QCOMPARE(text(triggers), triggersBefore);

    const QString wrongUserCounts
        = QStringLiteral("SELECT COUNT(*) FROM organizations o WHERE o.user_count <> "
                         "(SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id AND u.deleted = 0)");
    // The daily counters against the rule of migration 7, counted from the events themselves.
    const QString wrongDays = QStringLiteral(
        "SELECT COUNT(*) FROM (SELECT organization_id, occurred_at / 86400000 AS day, "
        "SUM(CASE WHEN action = 'user.login' AND outcome = 'success' THEN 1 ELSE 0 END) AS s, "
        "SUM(CASE WHEN action = 'user.login_failed' THEN 1 ELSE 0 END) AS f, "
        "SUM(CASE WHEN outcome = 'success' AND action NOT IN ('user.login', 'user.login_failed', 'user.logout', "
        "'user.locked') THEN 1 ELSE 0 END) AS a FROM audit_events GROUP BY organization_id, occurred_at / 86400000) c "
        "LEFT JOIN audit_daily d ON d.organization_id = c.organization_id AND d.day = c.day "
        "WHERE COALESCE(d.sign_ins, 0) <> c.s OR COALESCE(d.failed_sign_ins, 0) <> c.f "
        "OR COALESCE(d.admin_actions, 0) <> c.a");
    QCOMPARE(scalar(wrongUserCounts), Id(0));
    QCOMPARE(scalar(wrongDays), Id(0));
    QVERIFY(scalar(QStringLiteral("SELECT SUM(user_count) FROM organizations")) > 99000);
    const Run verified = verify();
    QVERIFY2(verified.exitCode == 0, qPrintable(verified.all()));

    // The triggers count again: a small seed afterwards (row by row) keeps both counters exact.
    seed(500);
    QCOMPARE(scalar(wrongUserCounts), Id(0));
    QCOMPARE(scalar(wrongDays), Id(0));
}

// --- the attacks ----------------------------------------------------------------------------------

void TestAuditIntegrity::editedEventWithRecomputedHashesIsNamed_data()
{
    QTest::addColumn<QString>("which");
    QTest::newRow("the first event") << QStringLiteral("first");
    QTest::newRow("an event in the middle") << QStringLiteral("middle");
    QTest::newRow("the newest event") << QStringLiteral("newest");
}

void TestAuditIntegrity::editedEventWithRecomputedHashesIsNamed()
{
    QFETCH(QString, which);
    seed(200);
    const Id newest = scalar(QStringLiteral("SELECT MAX(id) FROM audit_events"));
    const Id victim = which == QLatin1String("first") ? 1 : which == QLatin1String("middle") ? newest / 2 : newest;
    {
        QSqlDatabase db = attacker();
        dropGuards(db);
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE audit_events SET actor_label = 'nobody@example.test', outcome = "
                                      "'success' WHERE id = %1")
                           .arg(victim)));
        QCOMPARE(q.numRowsAffected(), 1);
        recomputeUnkeyed(db, victim);
        restoreGuards(db);
    }
    const Run run = verify();
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.out.contains(QStringLiteral("broken: event %1: edited event").arg(victim)), qPrintable(run.all()));
}

void TestAuditIntegrity::forgedPurgeLettingDeletesThroughIsFound_data()
{
    QTest::addColumn<QString>("mac");
    QTest::addColumn<bool>("everything");
    QTest::newRow("no MAC, the oldest half") << QString() << false;
    QTest::newRow("made-up MAC, the oldest half") << QString(QLatin1Char('a')).repeated(64) << false;
    QTest::newRow("no MAC, every event") << QString() << true;
    QTest::newRow("made-up MAC, every event") << QString(QLatin1Char('b')).repeated(64) << true;
}

void TestAuditIntegrity::forgedPurgeLettingDeletesThroughIsFound()
{
    QFETCH(QString, mac);
    QFETCH(bool, everything);
    seed(200);
    const Id newest = scalar(QStringLiteral("SELECT MAX(id) FROM audit_events"));
    const Id cut = everything ? newest + 1 : newest / 2;
    const QString anchor = everything ? QString(QLatin1Char('0')).repeated(64)
                                      : QStringLiteral("(SELECT prev_hash FROM audit_events WHERE id = %1)").arg(cut);
    {
        // The triggers stay in place: the forged record is what lets the DELETE through.
        QSqlDatabase db = attacker();
        QSqlQuery q(db);
        QVERIFY(!q.exec(QStringLiteral("DELETE FROM audit_events WHERE id < %1").arg(cut)));
        const QString anchorValue = everything ? QStringLiteral("'%1'").arg(anchor) : anchor;
        QVERIFY2(q.exec(QStringLiteral("INSERT INTO audit_purges (purged_before_id, anchor_hash, purged_at, purged_by, "
                                       "mac) VALUES (%1, %2, %3, 1, '%4')")
                            .arg(cut)
                            .arg(anchorValue)
                            .arg(QDateTime::currentMSecsSinceEpoch())
                            .arg(mac)),
                 qPrintable(q.lastError().text()));
        QVERIFY2(q.exec(QStringLiteral("DELETE FROM audit_events WHERE id < %1").arg(cut)),
                 qPrintable(q.lastError().text()));
        QCOMPARE(q.numRowsAffected(), int(cut - 1));
    }
    const Run run = verify();
    QCOMPARE(run.exitCode, 4);
    QVERIFY2(run.out.contains(QStringLiteral("forged purge")), qPrintable(run.all()));
    QVERIFY2(run.out.contains(QStringLiteral("events before %1").arg(cut)), qPrintable(run.all()));
    QVERIFY(!run.out.contains(QStringLiteral("ok:")));
}

void TestAuditIntegrity::deletedMiddleRangeIsNamed()
{
    seed(200);
    const Id from = 60;
    const Id to = 75;
    {
        QSqlDatabase db = attacker();
        dropGuards(db);
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("DELETE FROM audit_events WHERE id BETWEEN %1 AND %2").arg(from).arg(to)));
        QCOMPARE(q.numRowsAffected(), int(to - from + 1));
        restoreGuards(db);
    }
    const Run run = verify();
    QCOMPARE(run.exitCode, 3);
    QVERIFY2(run.out.contains(QStringLiteral("missing range: events %1 to %2 are missing").arg(from).arg(to)),
             qPrintable(run.all()));
}

void TestAuditIntegrity::cutOffNewestEventsAreATruncatedTail()
{
    seed(100);
    // serve checkpoints the head every second (and at start and shutdown).
    ServerProcess serve;
    const QString jwt = m_db->tempPath() + QStringLiteral("/jwt-secret");
    QVERIFY2(serve.start(m_db->url(), jwt, { QStringLiteral("--checkpoint-interval"), QStringLiteral("1") }),
             qPrintable(serve.output()));
    // A console with the key writes while the server runs; the next checkpoint records the new head.
    for (int i = 0; i < 3; ++i)
        QVERIFY_RESULT(m_db->store().auth().login(kRootEmail, kRootPassword));
    const Id head = scalar(QStringLiteral("SELECT MAX(id) FROM audit_events"));
    QTRY_COMPARE_WITH_TIMEOUT(checkpointFile().value(QLatin1String("last_id")).toInteger(), head, 15000);
    serve.stop();
    const QJsonObject cp = checkpointFile();
    const qint64 counter = cp.value(QLatin1String("counter")).toInteger();
    QVERIFY(counter >= 2);
    QCOMPARE(QFileInfo(checkpointPath()).permissions() & kGroupOther, QFileDevice::Permissions());

    const Id keep = head - 4;
    {
        QSqlDatabase db = attacker();
        dropGuards(db);
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("DELETE FROM audit_events WHERE id > %1").arg(keep)));
        QCOMPARE(q.numRowsAffected(), 4);
        restoreGuards(db);
    }
    Run run = verify();
    QCOMPARE(run.exitCode, 5);
    QVERIFY2(run.out.contains(QStringLiteral("truncated tail since checkpoint %1: events %2 to %3 are missing")
                                  .arg(counter)
                                  .arg(keep + 1)
                                  .arg(head)),
             qPrintable(run.all()));

    // A server started on the cut log does not overwrite the evidence, and says so.
    ServerProcess again;
    QVERIFY2(again.start(m_db->url(), jwt), qPrintable(again.output()));
    QTRY_VERIFY_WITH_TIMEOUT(again.log().contains(QStringLiteral("no longer holds event %1").arg(head)), 15000);
    again.stop();
    QCOMPARE(checkpointFile().value(QLatin1String("counter")).toInteger(), counter);

    // Nor does writing new events over the cut hide it: the event at the recorded head differs now.
    for (int i = 0; i < 6; ++i)
        QVERIFY_RESULT(m_db->store().auth().login(kRootEmail, kRootPassword));
    QVERIFY(scalar(QStringLiteral("SELECT MAX(id) FROM audit_events")) > head);
    run = verify();
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(
        run.out.contains(
            QStringLiteral("broken: event %1: edited event: it does not match checkpoint %2").arg(head).arg(counter)),
        qPrintable(run.all()));
}

void TestAuditIntegrity::legitimatePurgeStillVerifies()
{
    seed(1000);
    const qint64 cutoff = QDateTime::currentDateTimeUtc().addDays(-30).toMSecsSinceEpoch();
    const Id old = scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at < %1").arg(cutoff));
    QVERIFY(old > 100);
    const Run purge = server({ QStringLiteral("purge-audit"), QStringLiteral("--db"), m_db->url(),
                               QStringLiteral("--older-than"), QStringLiteral("30"), QStringLiteral("--admin-email"),
                               kRootEmail, QStringLiteral("--admin-password-file"), QStringLiteral("-") },
                             kRootPassword.toUtf8() + '\n');
    QVERIFY2(purge.exitCode == 0, qPrintable(purge.all()));
    QVERIFY2(purge.out.startsWith(QStringLiteral("purged ")), qPrintable(purge.out));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at < %1").arg(cutoff - 60000)),
             Id(0));
    // The purge record carries a MAC, and purge-audit checkpointed the new head.
    QSqlQuery q(m_db->store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT mac FROM audit_purges")) && q.next());
    QCOMPARE(q.value(0).toString().size(), 64);
    q.finish();
    QCOMPARE(checkpointFile().value(QLatin1String("last_id")).toInteger(),
             scalar(QStringLiteral("SELECT MAX(id) FROM audit_events")));
    QCOMPARE(checkpointFile().value(QLatin1String("counter")).toInteger(), 2);

    const Run run = verify();
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    QVERIFY2(run.out.contains(QStringLiteral("checkpoint 2 matches")), qPrintable(run.out));
    // Still protected above the purge point.
    QVERIFY(!q.exec(QStringLiteral("DELETE FROM audit_events")));
}

void TestAuditIntegrity::purgeAuthenticatesTheSuperAdmin()
{
    seed(500);
    const Id before = scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    const QString wrong = m_db->tempPath() + QStringLiteral("/wrong-password");
    {
        QFile file(wrong);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("Not-The-Password-1\n");
    }
    const QStringList common {
        QStringLiteral("purge-audit"), QStringLiteral("--db"),          m_db->url(), QStringLiteral("--older-than"),
        QStringLiteral("30"),          QStringLiteral("--admin-email"), kRootEmail
    };
    // Naming a super admin is not enough any more.
    const Run unnamed = server(common);
    QCOMPARE(unnamed.exitCode, 64);
    QVERIFY2(unnamed.err.contains(QStringLiteral("--admin-password-file")), qPrintable(unnamed.err));
    const Run refused = server(common + QStringList { QStringLiteral("--admin-password-file"), wrong });
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains(QStringLiteral("could not sign in")), qPrintable(refused.err));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_purges")), Id(0));
    // Nothing was purged; the failed sign-in is on the record.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events")), before + 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.login_failed' AND "
                                   "actor_label = '%1' AND id > %2")
                        .arg(kRootEmail)
                        .arg(before)),
             Id(1));
    const Run accepted = server(common + QStringList { QStringLiteral("--admin-password-file"), m_passwordFile });
    QVERIFY2(accepted.exitCode == 0, qPrintable(accepted.all()));
    QSqlQuery q(m_db->store().core().db());
    QVERIFY(q.exec(QStringLiteral("SELECT actor_label FROM audit_events WHERE action = 'audit.purged'")) && q.next());
    QCOMPARE(q.value(0).toString(), kRootEmail);
    QCOMPARE(verify().exitCode, 0);
}

void TestAuditIntegrity::alteredPurgeRecordIsForged()
{
    seed(1000);
    const Run purge = server({ QStringLiteral("purge-audit"), QStringLiteral("--db"), m_db->url(),
                               QStringLiteral("--older-than"), QStringLiteral("30"), QStringLiteral("--admin-email"),
                               kRootEmail, QStringLiteral("--admin-password-file"), m_passwordFile });
    QVERIFY2(purge.exitCode == 0, qPrintable(purge.all()));
    const Id purgedBefore = scalar(QStringLiteral("SELECT purged_before_id FROM audit_purges"));
    {
        // Stretch the authentic record over more events and delete them.
        QSqlDatabase db = attacker();
        dropGuards(db);
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE audit_purges SET purged_before_id = purged_before_id + 20, anchor_hash "
                                      "= (SELECT prev_hash FROM audit_events WHERE id = %1)")
                           .arg(purgedBefore + 20)));
        QVERIFY(q.exec(QStringLiteral("DELETE FROM audit_events WHERE id < %1").arg(purgedBefore + 20)));
        restoreGuards(db);
    }
    const Run run = verify();
    QCOMPARE(run.exitCode, 4);
    QVERIFY2(run.out.contains(QStringLiteral("forged purge: purge record #")), qPrintable(run.all()));
}

// --- migration and the key's absence --------------------------------------------------------------

void TestAuditIntegrity::preKeyDatabaseMigratesAndReportsItsUnkeyedPart()
{
    seed(100);
    const Id oldHead = scalar(QStringLiteral("SELECT MAX(id) FROM audit_events"));
    {
        // Turn the database into what schema 3 wrote: unkeyed links, purge records without a MAC,
        // no key and no checkpoint.
        QSqlDatabase db = attacker();
        dropGuards(db);
        recomputeUnkeyed(db, 1);
        restoreGuards(db);
        QSqlQuery q(db);
        QVERIFY2(q.exec(QStringLiteral("ALTER TABLE audit_purges DROP COLUMN mac")), qPrintable(q.lastError().text()));
        QVERIFY(q.exec(QStringLiteral("DELETE FROM schema_migrations WHERE version = 4")));
        // Schema 3 had none of the later tables either (0005: sign-in throttle, audit bounds).
        QVERIFY(q.exec(QStringLiteral("DROP TABLE login_throttle")));
        QVERIFY(q.exec(QStringLiteral("DROP TABLE audit_throttle")));
        // Nor the search and partial indexes of 0006.
        QStringList drop;
        if (m_db->isPostgres())
            drop << QStringLiteral("DROP EXTENSION pg_trgm CASCADE");
        else
            drop << QStringLiteral("DROP TRIGGER users_search_insert")
                 << QStringLiteral("DROP TRIGGER users_search_delete")
                 << QStringLiteral("DROP TRIGGER users_search_update") << QStringLiteral("DROP TABLE users_search");
        for (const char* index :
             { "users_banned", "users_suspended", "users_locked", "sessions_live", "sessions_live_all", "sessions_open",
               "sessions_open_organization", "api_keys_live", "audit_organization_time" })
            drop << QStringLiteral("DROP INDEX ") + QString::fromLatin1(index);
        // Nor the daily audit counters of 0007.
        if (m_db->isPostgres())
            drop << QStringLiteral("DROP TRIGGER audit_daily ON audit_events")
                 << QStringLiteral("DROP FUNCTION portcullis_audit_daily()");
        else
            drop << QStringLiteral("DROP TRIGGER audit_daily_insert")
                 << QStringLiteral("DROP TRIGGER audit_daily_delete");
        drop << QStringLiteral("DROP TABLE audit_daily");
        // Nor the power tools of 0008 (API key rotation, settings, maintenance, custom codes).
        drop << revertMigration8Statements();
        for (const QString& statement : std::as_const(drop))
            QVERIFY2(q.exec(statement), qPrintable(q.lastError().text()));
        QVERIFY(q.exec(QStringLiteral("DELETE FROM schema_migrations WHERE version > 4")));
    }
    QVERIFY(QFile::remove(keyFile()));
    QVERIFY(QFile::remove(checkpointPath()));
    const Run premature = verify();
    QCOMPARE(premature.exitCode, 6);
    QVERIFY2(premature.err.contains(QStringLiteral("init")), qPrintable(premature.all()));

    // The upgrade: init migrates and creates the key, since no event was keyed yet.
    const Run upgrade = server({ QStringLiteral("init"), QStringLiteral("--db"), m_db->url() });
    QVERIFY2(upgrade.exitCode == 0, qPrintable(upgrade.all()));
    QVERIFY2(upgrade.out.contains(QStringLiteral("applied %1 migrations").arg(latestSchemaVersion() - 3)),
             qPrintable(upgrade.out));
    QVERIFY(QFileInfo::exists(keyFile()));
    QCOMPARE(checkpointFile().value(QLatin1String("first_keyed_id")).toInteger(), 0);

    // New events are keyed; the old part is reported, not silently trusted.
    seed(50);
    Run run = verify();
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    QVERIFY2(run.out.contains(QStringLiteral("note: events 1 to %1 are from before the key (unkeyed, not "
                                             "authenticated)")
                                  .arg(oldHead)),
             qPrintable(run.out));

    // The first keyed event pins the unkeyed part: rewriting it is found where the pin breaks.
    {
        QSqlDatabase db = attacker();
        dropGuards(db);
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE audit_events SET actor_label = 'nobody@example.test' WHERE id = 10")));
        q.finish();
        recomputeUnkeyed(db, 10, oldHead);
        restoreGuards(db);
    }
    run = verify();
    QCOMPARE(run.exitCode, 1);
    // The checkpoint init wrote holds the old head; without it the first keyed event's link breaks.
    QVERIFY2(run.out.contains(QStringLiteral("broken: event %1: edited event").arg(oldHead)), qPrintable(run.all()));
    QVERIFY(QFile::remove(checkpointPath()));
    run = verify();
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(
        run.out.contains(QStringLiteral("broken: event %1: edited event: the previous-hash link").arg(oldHead + 1)),
        qPrintable(run.all()));
}

void TestAuditIntegrity::writesWithoutTheKeyAreRefused()
{
    seed(20);
    const Id before = scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    QVERIFY(QFile::rename(keyFile(), keyFile() + QStringLiteral(".away")));
    // A console or server without the key writes nothing it could not authenticate.
    {
        auto connection = m_db->openConnection(QStringLiteral("keyless"));
        SqlStore store(connection, m_db->config().dialect);
        store.core().setAuditKeyFile(keyFile());
        auto login = store.auth().login(kRootEmail, kRootPassword);
        QVERIFY(!login.ok());
        QVERIFY2(login.error().message.contains(QStringLiteral("audit key")), qPrintable(login.error().message));
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_events")), before);
    QVERIFY(!QFileInfo::exists(keyFile())); // and no new key replaced the lost one
    ServerProcess serve;
    QVERIFY(!serve.start(m_db->url(), m_db->tempPath() + QStringLiteral("/jwt-secret")));
    QVERIFY2(serve.output().contains(QStringLiteral("restore the key")), qPrintable(serve.output()));
    const Run run = verify();
    QCOMPARE(run.exitCode, 6);
}

void TestAuditIntegrity::checkpointWithoutAValidMacIsRefused()
{
    seed(20);
    // Moving the recorded head back (to hide a cut) without the key breaks the checkpoint's MAC.
    QJsonObject cp = checkpointFile();
    cp.insert(QStringLiteral("last_id"), 1);
    {
        QFile file(checkpointPath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(QJsonDocument(cp).toJson(QJsonDocument::Compact));
    }
    const Run run = verify();
    QCOMPARE(run.exitCode, 6);
    QVERIFY2(run.err.contains(QStringLiteral("is not authentic")), qPrintable(run.all()));
    // A server does not write over it either.
    const QByteArray before = [this] {
        QFile file(checkpointPath());
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    ServerProcess serve;
    QVERIFY2(serve.start(m_db->url(), m_db->tempPath() + QStringLiteral("/jwt-secret")), qPrintable(serve.output()));
    QTRY_VERIFY_WITH_TIMEOUT(serve.log().contains(QStringLiteral("is not authentic")), 15000);
    serve.stop();
    QFile after(checkpointPath());
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), before);
}

QTEST_GUILESS_MAIN(TestAuditIntegrity)
#include "tst_audit_integrity.moc"
