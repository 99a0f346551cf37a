// The headless admin commands, run as the real portcullis-server binary (PORTCULLIS_SERVER_BIN) on
// temporary SQLite files: init, seed-demo, verify-audit, their --help, and that no secret reaches
// the database file or the console.

#include "serverprocess.h"
#include "testutil.h"

#include "policy/policy.h"
#include "security/crypto.h"
#include "sql/database.h"
#include "sql/store.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QScopeGuard>

#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>

using namespace portcullis;

namespace {

const QString kAdminEmail = QStringLiteral("root@portcullis.example");
const QString kAdminPassword = QStringLiteral("Gatekeeper-7-Raven!");

using Run = portcullis::test::CommandRun;

// A store on its own connection for as long as it lives.
class OpenStore
{
public:
    explicit OpenStore(const QString& path)
    {
        static int counter = 0;
        m_name = QStringLiteral("tst_server_cli_") + QString::number(++counter);
        DatabaseConfig config;
        config.path = path;
        auto db = openDatabase(config, m_name, false);
        if (!db)
            qFatal("cannot open %s: %s", qPrintable(path), qPrintable(db.error().message));
        m_store = std::make_unique<SqlStore>(*db, Dialect::Sqlite);
    }
    ~OpenStore()
    {
        m_store.reset();
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    SqlStore& store() { return *m_store; }
    QSqlDatabase& db() { return m_store->core().db(); }

    qint64 count(const QString& table)
    {
        QSqlQuery q(db());
        if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM ") + table) || !q.next())
            return -1;
        return q.value(0).toLongLong();
    }

private:
    QString m_name;
    std::unique_ptr<SqlStore> m_store;
};

// `portcullis-server serve ARGUMENTS` in `environment` until it listens (true) or exits (false);
// `output` gets what it printed. The server is stopped before this returns.
bool serveOnce(const QString& binary, const QProcessEnvironment& environment, const QStringList& arguments,
               QString* output, int* exitCode = nullptr)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(binary, QStringList { QStringLiteral("serve") } + arguments);
    QByteArray printed;
    QElapsedTimer timer;
    timer.start();
    bool listening = false;
    while (timer.elapsed() < portcullis::test::kServerWaitMs) {
        process.waitForReadyRead(200);
        printed += process.readAll();
        if (printed.contains("listening on ")) {
            listening = true;
            break;
        }
        if (process.state() == QProcess::NotRunning)
            break;
    }
    if (process.state() != QProcess::NotRunning) {
        process.terminate();
        if (!process.waitForFinished(10000))
            process.kill();
    }
    process.waitForFinished(5000);
    printed += process.readAll();
    *output = QString::fromUtf8(printed);
    if (exitCode)
        *exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    return listening;
}

// The environment systemd gives the service: the unit's Environment= lines (its defaults).
QProcessEnvironment unitEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    QFile unit(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../resources/linux/portcullis-server.service"));
    if (!unit.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(unit.fileName()));
    for (const QByteArray& raw : unit.readAll().split('\n')) {
        QString line = QString::fromUtf8(raw).trimmed();
        if (!line.startsWith(QLatin1String("Environment=")))
            continue;
        line = line.mid(int(qstrlen("Environment=")));
        if (line.startsWith(QLatin1Char('"')) && line.endsWith(QLatin1Char('"')))
            line = line.mid(1, line.size() - 2);
        line.replace(QLatin1String("%%"), QLatin1String("%"));
        const qsizetype equals = line.indexOf(QLatin1Char('='));
        environment.insert(line.left(equals), line.mid(equals + 1));
    }
    return environment;
}

} // namespace

class TestServerCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void initCreatesAWorkingDatabase();
    void initTwiceChangesNothing();
    void initRefusesAWeakPassword();
    void initRefusesAMissingPasswordFile();
    void initRefusesAnEmptyPasswordFile();
    void seedDemoKeepsTheAuditChainValid();
    void seedDemoIsDeterministic();
    void verifyAuditFindsATamperedEvent();
    void verifyAuditOnAMissingFileIsAnError();
    void initOnAnInitialisedDatabaseNeedsNoAdmin();
    void purgeAuditKeepsRecentEventsAndAVerifiableChain();
    void helpOfEachCommand_data();
    void helpOfEachCommand();
    void unknownCommandListsTheCommands();
    void serveErrorsSayWhatIsWrong();
    void permissionsPageIsTheProgramsOutput();
    void openApiDocumentIsTheProgramsOutput();
    void secretsAreNotStoredOrPrinted();
    void databaseFilesAreOwnerOnlyWhateverTheUmask();
    void serveRefusesATlsKeyOfAnotherCertificateAndAnExpiredOne();
    void serveSaysWhenItMakesASecretAndCanRefuseTo();
    void serveTakesEachSettingFromItsOwnVariable();
    void everyCommandRefusesANewerSchemaWithExitStatus2();
    void appRoleCanWorkButNotRewriteTheAuditLog();
    void appRoleNeedsPostgresAndAPassword();
    void productBinaryIgnoresTheArgon2Override_data();
    void productBinaryIgnoresTheArgon2Override();

private:
    Run server(const QStringList& arguments, const QString& program = {});
    QString writeFile(const QString& name, const QByteArray& content);
    QString dbPath(const QString& name = QStringLiteral("portcullis.db")) const { return m_dir->filePath(name); }
    Run initDatabase(const QString& path);
    QStringList emails(const QString& path);

    QString m_binary;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_passwordFile;
};

void TestServerCli::initTestCase()
{
    m_binary = qEnvironmentVariable("PORTCULLIS_SERVER_BIN");
    if (m_binary.isEmpty())
        QFAIL("PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), qPrintable(m_binary + QStringLiteral(" is not an executable")));
}

void TestServerCli::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_passwordFile = writeFile(QStringLiteral("admin-password"), kAdminPassword.toUtf8() + '\n');
}

void TestServerCli::cleanup()
{
    m_dir.reset();
}

Run TestServerCli::server(const QStringList& arguments, const QString& program)
{
    return test::runCommand(arguments, {}, program.isEmpty() ? m_binary : program);
}

QString TestServerCli::writeFile(const QString& name, const QByteArray& content)
{
    const QString path = m_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(path));
    file.write(content);
    return path;
}

Run TestServerCli::initDatabase(const QString& path)
{
    return server({ QStringLiteral("init"), QStringLiteral("--db"), path, QStringLiteral("--admin-email"), kAdminEmail,
                    QStringLiteral("--admin-password-file"), m_passwordFile });
}

QStringList TestServerCli::emails(const QString& path)
{
    OpenStore open(path);
    QSqlQuery q(open.db());
    QStringList list;
    if (!q.exec(QStringLiteral("SELECT email FROM users ORDER BY id")))
        return list;
    while (q.next())
        list << q.value(0).toString();
    return list;
}

void TestServerCli::initCreatesAWorkingDatabase()
{
    const Run run = initDatabase(dbPath());
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    QVERIFY(run.out.contains(kAdminEmail));
    QVERIFY(!run.all().contains(kAdminPassword));

    OpenStore open(dbPath());
    QCOMPARE(schemaVersion(open.db()), latestSchemaVersion());
    QCOMPARE(open.count(QStringLiteral("organizations")), qint64(1));
    auto login = open.store().auth().login(kAdminEmail, kAdminPassword);
    QVERIFY_RESULT(login);
    QVERIFY(login->actor.isSuperAdmin());
    QVERIFY(login->actor.roleCodes.contains(QStringLiteral("super_admin")));
    // The username defaults to the email's local part.
    QVERIFY_RESULT(open.store().auth().login(QStringLiteral("root"), kAdminPassword));
}

void TestServerCli::initTwiceChangesNothing()
{
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    qint64 users = 0;
    qint64 organizations = 0;
    qint64 events = 0;
    {
        OpenStore open(dbPath());
        users = open.count(QStringLiteral("users"));
        organizations = open.count(QStringLiteral("organizations"));
        events = open.count(QStringLiteral("audit_events"));
    }
    // Even with another admin and organization on the command line, nothing is created.
    const Run again
        = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--admin-email"),
                   QStringLiteral("other@portcullis.example"), QStringLiteral("--admin-password-file"), m_passwordFile,
                   QStringLiteral("--org"), QStringLiteral("Another Org") });
    QVERIFY2(again.exitCode == 0, qPrintable(again.all()));
    QVERIFY2(
        again.out.contains(QStringLiteral("database already initialised (schema version %1); no migration was pending")
                               .arg(latestSchemaVersion())),
        qPrintable(again.out));
    // ... and says that those options were not used, naming each.
    QVERIFY2(again.err.contains(QStringLiteral("--admin-email, --admin-password-file, --org not used")),
             qPrintable(again.err));
    QVERIFY2(again.err.contains(QStringLiteral("no admin or organization was created")), qPrintable(again.err));
    // A plain upgrade run (no such options) says nothing of the kind.
    const Run upgrade = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath() });
    QVERIFY2(upgrade.exitCode == 0 && !upgrade.err.contains(QStringLiteral("not used")), qPrintable(upgrade.all()));
    OpenStore open(dbPath());
    QCOMPARE(open.count(QStringLiteral("users")), users);
    QCOMPARE(open.count(QStringLiteral("organizations")), organizations);
    QCOMPARE(open.count(QStringLiteral("audit_events")), events);
}

void TestServerCli::initRefusesAWeakPassword()
{
    const QString weak = writeFile(QStringLiteral("weak"), "password\n");
    const Run run = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--admin-email"),
                             kAdminEmail, QStringLiteral("--admin-password-file"), weak });
    QVERIFY(run.exitCode != 0);
    QVERIFY2(run.err.contains(QStringLiteral("password policy")), qPrintable(run.err));
    QVERIFY2(run.err.contains(QStringLiteral("12 characters")), qPrintable(run.err));
    QVERIFY(!run.all().contains(QStringLiteral("password\n")));
    QVERIFY2(!QFileInfo::exists(dbPath()), "a refused init must not leave a database behind");
}

void TestServerCli::initRefusesAMissingPasswordFile()
{
    const Run run
        = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--admin-email"),
                   kAdminEmail, QStringLiteral("--admin-password-file"), m_dir->filePath(QStringLiteral("nope")) });
    QVERIFY(run.exitCode != 0);
    QVERIFY2(run.err.contains(QStringLiteral("does not exist")), qPrintable(run.err));
    QVERIFY(!QFileInfo::exists(dbPath()));

    // The option itself is required.
    const Run missing = server(
        { QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--admin-email"), kAdminEmail });
    QVERIFY(missing.exitCode != 0);
    QVERIFY2(missing.err.contains(QStringLiteral("--admin-password-file")), qPrintable(missing.err));
}

void TestServerCli::initRefusesAnEmptyPasswordFile()
{
    const QString empty = writeFile(QStringLiteral("empty"), "\n");
    const Run run = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--admin-email"),
                             kAdminEmail, QStringLiteral("--admin-password-file"), empty });
    QVERIFY(run.exitCode != 0);
    QVERIFY2(run.err.contains(QStringLiteral("is empty")), qPrintable(run.err));
}

void TestServerCli::seedDemoKeepsTheAuditChainValid()
{
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    const Run seed = server({ QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(),
                              QStringLiteral("--tenants"), QStringLiteral("3"), QStringLiteral("--users"),
                              QStringLiteral("200"), QStringLiteral("--events"), QStringLiteral("2000") });
    QVERIFY2(seed.exitCode == 0, qPrintable(seed.all()));
    QVERIFY(seed.out.contains(QStringLiteral("Demo-Password-2026!")));

    const Run verify = server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() });
    QVERIFY2(verify.exitCode == 0, qPrintable(verify.all()));
    const QRegularExpression ok(QStringLiteral("^ok: (\\d+) events$"), QRegularExpression::MultilineOption);
    const QRegularExpressionMatch match = ok.match(verify.out);
    QVERIFY2(match.hasMatch(), qPrintable(verify.out));
    QVERIFY(match.captured(1).toLongLong() >= 2000);

    OpenStore open(dbPath());
    QCOMPARE(open.count(QStringLiteral("organizations")), qint64(1 + 3));
    QCOMPARE(open.count(QStringLiteral("users")), qint64(1 + 200));
    QVERIFY(open.count(QStringLiteral("sessions")) > 0);
    QVERIFY(open.count(QStringLiteral("api_keys")) > 0);
    // A demo user signs in with the printed password, through the real login.
    QSqlQuery q(open.db());
    QVERIFY(q.exec(QStringLiteral("SELECT u.email FROM users u JOIN organizations o ON o.id = u.organization_id "
                                  "WHERE u.id > 1 AND u.active = 1 AND u.deleted = 0 AND u.verified = 1 "
                                  "AND u.ban_reason IS NULL AND u.locked_until IS NULL AND o.active = 1 "
                                  "ORDER BY u.id LIMIT 1")));
    QVERIFY(q.next());
    const QString demoUser = q.value(0).toString();
    q.finish();
    QVERIFY_RESULT(open.store().auth().login(demoUser, QStringLiteral("Demo-Password-2026!")));
    // The store keeps appending to the seeded chain.
    QVERIFY(open.store().audit().verifyChain().ok);

    // Seeding on top of a seeded database continues the chain too.
    const Run more = server({ QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(),
                              QStringLiteral("--tenants"), QStringLiteral("1"), QStringLiteral("--users"),
                              QStringLiteral("20"), QStringLiteral("--events"), QStringLiteral("100") });
    QVERIFY2(more.exitCode == 0, qPrintable(more.all()));
    const Run verifyAgain = server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() });
    QVERIFY2(verifyAgain.exitCode == 0, qPrintable(verifyAgain.all()));
}

void TestServerCli::seedDemoIsDeterministic()
{
    const QStringList arguments { QStringLiteral("--tenants"), QStringLiteral("4"),        QStringLiteral("--users"),
                                  QStringLiteral("150"),       QStringLiteral("--events"), QStringLiteral("300"),
                                  QStringLiteral("--seed"),    QStringLiteral("7") };
    for (const QString& name : { QStringLiteral("one.db"), QStringLiteral("two.db") }) {
        QCOMPARE(initDatabase(dbPath(name)).exitCode, 0);
        const Run seed
            = server(QStringList { QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(name) } + arguments);
        QVERIFY2(seed.exitCode == 0, qPrintable(seed.all()));
    }
    const QStringList one = emails(dbPath(QStringLiteral("one.db")));
    QCOMPARE(one.size(), 151);
    QCOMPARE(emails(dbPath(QStringLiteral("two.db"))), one);

    // Another seed, other people.
    QCOMPARE(initDatabase(dbPath(QStringLiteral("three.db"))).exitCode, 0);
    QStringList other = arguments;
    other.last() = QStringLiteral("8");
    QCOMPARE(
        server(QStringList { QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(QStringLiteral("three.db")) }
               + other)
            .exitCode,
        0);
    QVERIFY(emails(dbPath(QStringLiteral("three.db"))) != one);
}

void TestServerCli::verifyAuditFindsATamperedEvent()
{
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    QCOMPARE(server({ QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(), QStringLiteral("--tenants"),
                      QStringLiteral("2"), QStringLiteral("--users"), QStringLiteral("50"), QStringLiteral("--events"),
                      QStringLiteral("1000") })
                 .exitCode,
             0);
    qint64 target = 0;
    {
        // A separate, raw connection: what an attacker with the file would do.
        const QString name = QStringLiteral("tamper");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(dbPath());
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("SELECT MAX(id) FROM audit_events")) && q.next());
            target = q.value(0).toLongLong() / 2;
            q.finish();
            QVERIFY2(
                !q.exec(QStringLiteral("UPDATE audit_events SET action = 'user.viewed' WHERE id = %1").arg(target)),
                "the trigger should refuse the update");
            QVERIFY2(q.exec(QStringLiteral("DROP TRIGGER audit_events_no_update")), qPrintable(q.lastError().text()));
            QVERIFY2(q.exec(QStringLiteral("UPDATE audit_events SET action = CASE action WHEN 'user.viewed' THEN "
                                           "'user.login' ELSE 'user.viewed' END WHERE id = %1")
                                .arg(target)),
                     qPrintable(q.lastError().text()));
            QCOMPARE(q.numRowsAffected(), 1);
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
    }
    const Run verify = server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() });
    QCOMPARE(verify.exitCode, 1);
    QVERIFY2(verify.all().contains(QStringLiteral("broken: event %1:").arg(target)), qPrintable(verify.all()));
}

void TestServerCli::verifyAuditOnAMissingFileIsAnError()
{
    const Run run
        = server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath(QStringLiteral("none.db")) });
    QCOMPARE(run.exitCode, 2);
    QVERIFY(!run.err.isEmpty());
    QVERIFY(!QFileInfo::exists(dbPath(QStringLiteral("none.db"))));
}

void TestServerCli::initOnAnInitialisedDatabaseNeedsNoAdmin()
{
    // Creating a database needs the admin; nothing is created without one.
    const Run bare = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath() });
    QCOMPARE(bare.exitCode, 64);
    QVERIFY2(bare.err.contains(QStringLiteral("--admin-email and --admin-password-file are required")),
             qPrintable(bare.err));
    QVERIFY(!QFileInfo::exists(dbPath()));

    // Bringing an initialised one up to date (an upgrade) does not.
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    const Run upgrade = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath() });
    QVERIFY2(upgrade.exitCode == 0, qPrintable(upgrade.all()));
    QVERIFY2(upgrade.out.contains(QStringLiteral("database already initialised")), qPrintable(upgrade.out));
    QCOMPARE(emails(dbPath()), QStringList { kAdminEmail });

    // A database a newer Portcullis migrated is refused, not written to with an older schema in mind.
    {
        OpenStore open(dbPath());
        QSqlQuery q(open.db());
        QVERIFY(q.exec(QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (%1, 0)")
                           .arg(latestSchemaVersion() + 1)));
    }
    const Run older = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath() });
    QCOMPARE(older.exitCode, 2);
    QVERIFY2(older.err.contains(QStringLiteral("newer than this version of Portcullis knows")), qPrintable(older.err));
    // Every program that opens it refuses it the same way, before writing anything: the server
    // (which used to start and create users), seed-demo (which used to fill it), the audit tools.
    const QStringList writers[] = {
        { QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(), QStringLiteral("--tenants"),
          QStringLiteral("1"), QStringLiteral("--users"), QStringLiteral("5"), QStringLiteral("--events"),
          QStringLiteral("10") },
        { QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() },
        { QStringLiteral("purge-audit"), QStringLiteral("--db"), dbPath(), QStringLiteral("--older-than"),
          QStringLiteral("30"), QStringLiteral("--admin-email"), kAdminEmail, QStringLiteral("--admin-password-file"),
          m_passwordFile },
    };
    for (const QStringList& arguments : writers) {
        const Run refused = server(arguments);
        QVERIFY2(refused.exitCode != 0, qPrintable(arguments.first() + QStringLiteral(": ") + refused.all()));
        QVERIFY2(refused.err.contains(QStringLiteral("newer than this version of Portcullis knows")),
                 qPrintable(arguments.first() + QStringLiteral(": ") + refused.all()));
    }
    portcullis::test::ServerProcess serve;
    QVERIFY2(!serve.start(dbPath(), m_dir->filePath(QStringLiteral("jwt-secret"))), "serve started on a newer schema");
    QVERIFY2(serve.output().contains(QStringLiteral("newer than this version of Portcullis knows")),
             qPrintable(serve.output()));
    // Nothing was written: still the one user (read with a plain connection, as the store refuses it).
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("raw"));
        raw.setDatabaseName(dbPath());
        QVERIFY(raw.open());
        QSqlQuery q(raw);
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM users")) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("raw"));
}

void TestServerCli::purgeAuditKeepsRecentEventsAndAVerifiableChain()
{
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    const Run seed = server({ QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(),
                              QStringLiteral("--tenants"), QStringLiteral("2"), QStringLiteral("--users"),
                              QStringLiteral("40"), QStringLiteral("--events"), QStringLiteral("1500") });
    QVERIFY2(seed.exitCode == 0, qPrintable(seed.all()));
    const qint64 cutoff = QDateTime::currentDateTimeUtc().addDays(-30).toMSecsSinceEpoch();
    qint64 old = 0;
    qint64 recent = 0;
    QString tenantAdmin;
    {
        OpenStore open(dbPath());
        QSqlQuery q(open.db());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FILTER (WHERE occurred_at < %1), "
                                      "COUNT(*) FILTER (WHERE occurred_at >= %1) FROM audit_events")
                           .arg(cutoff)));
        QVERIFY(q.next());
        old = q.value(0).toLongLong();
        recent = q.value(1).toLongLong();
        q.finish();
        // A tenant admin who can sign in (purge-audit signs the admin in before anything else).
        QVERIFY(q.exec(QStringLiteral("SELECT u.email FROM users u JOIN user_roles ur ON ur.user_id = u.id "
                                      "JOIN roles r ON r.id = ur.role_id JOIN organizations o ON o.id = "
                                      "u.organization_id WHERE r.code = 'admin' AND u.active = 1 AND u.deleted = 0 "
                                      "AND u.verified = 1 AND u.ban_reason IS NULL AND u.locked_until IS NULL "
                                      "AND o.active = 1 LIMIT 1")));
        QVERIFY(q.next());
        tenantAdmin = q.value(0).toString();
    }
    const QString demoPasswordFile = writeFile(QStringLiteral("demo-password"), "Demo-Password-2026!\n");
    QVERIFY2(old > 100 && recent > 100, qPrintable(QStringLiteral("%1 old, %2 recent").arg(old).arg(recent)));

    // Only a super admin may purge; the refusal changes nothing and is itself audited.
    const Run refused = server({ QStringLiteral("purge-audit"), QStringLiteral("--db"), dbPath(),
                                 QStringLiteral("--older-than"), QStringLiteral("30"), QStringLiteral("--admin-email"),
                                 tenantAdmin, QStringLiteral("--admin-password-file"), demoPasswordFile });
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains(QStringLiteral("Only super admins")), qPrintable(refused.err));
    const Run badAge = server({ QStringLiteral("purge-audit"), QStringLiteral("--db"), dbPath(),
                                QStringLiteral("--older-than"), QStringLiteral("0"), QStringLiteral("--admin-email"),
                                kAdminEmail, QStringLiteral("--admin-password-file"), m_passwordFile });
    QCOMPARE(badAge.exitCode, 64);

    // Nor an account that could not sign in now.
    auto setActive = [&](bool active) {
        OpenStore open(dbPath());
        QSqlQuery q(open.db());
        return q.exec(
            QStringLiteral("UPDATE users SET active = %1 WHERE email = '%2'").arg(active ? 1 : 0).arg(kAdminEmail));
    };
    QVERIFY(setActive(false));
    const Run suspended
        = server({ QStringLiteral("purge-audit"), QStringLiteral("--db"), dbPath(), QStringLiteral("--older-than"),
                   QStringLiteral("30"), QStringLiteral("--admin-email"), kAdminEmail,
                   QStringLiteral("--admin-password-file"), m_passwordFile });
    QCOMPARE(suspended.exitCode, 1);
    QVERIFY2(suspended.err.contains(QStringLiteral("deleted, suspended or banned")), qPrintable(suspended.err));
    QVERIFY(setActive(true));

    const Run purge = server({ QStringLiteral("purge-audit"), QStringLiteral("--db"), dbPath(),
                               QStringLiteral("--older-than"), QStringLiteral("30"), QStringLiteral("--admin-email"),
                               kAdminEmail, QStringLiteral("--admin-password-file"), m_passwordFile });
    QVERIFY2(purge.exitCode == 0, qPrintable(purge.all()));
    const QRegularExpression purged(QStringLiteral("^purged (\\d+) events older than"));
    const QRegularExpressionMatch match = purged.match(purge.out);
    QVERIFY2(match.hasMatch(), qPrintable(purge.out));
    // Every old event goes (those written in the same second as the cutoff may differ by a few).
    QVERIFY2(qAbs(match.captured(1).toLongLong() - old) <= 5, qPrintable(purge.out));

    const Run verify = server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() });
    QVERIFY2(verify.exitCode == 0, qPrintable(verify.all()));
    OpenStore open(dbPath());
    QSqlQuery q(open.db());
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at < %1").arg(cutoff - 60000)));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toLongLong(), qint64(0));
    q.finish();
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE occurred_at >= %1").arg(cutoff)));
    QVERIFY(q.next());
    QVERIFY(q.value(0).toLongLong() >= recent); // recent events stay (plus the purge and the refusal)
    q.finish();
    QVERIFY(q.exec(QStringLiteral("SELECT outcome FROM audit_events WHERE action = 'audit.purged' ORDER BY id")));
    QStringList outcomes;
    while (q.next())
        outcomes << q.value(0).toString();
    QCOMPARE(outcomes, (QStringList { QStringLiteral("denied"), QStringLiteral("success") }));
    q.finish();

    // Run again (the next month's cron job): nothing is that old any more. It says nothing (cron
    // mails only output) and exits 0, and the run is still in the audit log, with 0 removed.
    const Run again = server({ QStringLiteral("purge-audit"), QStringLiteral("--db"), dbPath(),
                               QStringLiteral("--older-than"), QStringLiteral("30"), QStringLiteral("--admin-email"),
                               kAdminEmail, QStringLiteral("--admin-password-file"), m_passwordFile });
    QVERIFY2(again.exitCode == 0, qPrintable(again.all()));
    QVERIFY2(again.out.isEmpty(), qPrintable(again.out));
    QVERIFY(q.exec(QStringLiteral("SELECT outcome, details FROM audit_events WHERE action = 'audit.purged' "
                                  "ORDER BY id DESC LIMIT 1")));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("success"));
    QCOMPARE(QJsonDocument::fromJson(q.value(1).toString().toUtf8()).object().value(QStringLiteral("events_removed")),
             QJsonValue(0));
    q.finish();
    QCOMPARE(server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() }).exitCode, 0);
}

namespace {

// A self-signed certificate whose validity ended yesterday (openssl req cannot make one).
bool writeExpiredCertificate(const QString& certificatePath, const QString& keyPath)
{
    EVP_PKEY* key = EVP_RSA_gen(2048);
    X509* x509 = X509_new();
    bool ok = key && x509;
    if (ok) {
        X509_set_version(x509, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x509), 7);
        X509_gmtime_adj(X509_getm_notBefore(x509), -2 * 86400);
        X509_gmtime_adj(X509_getm_notAfter(x509), -86400);
        X509_set_pubkey(x509, key);
        X509_NAME* name = X509_get_subject_name(x509);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1,
                                   -1, 0);
        X509_set_issuer_name(x509, name);
        ok = X509_sign(x509, key, EVP_sha256()) > 0;
    }
    if (ok) {
        BIO* certificate = BIO_new_file(QFile::encodeName(certificatePath).constData(), "w");
        BIO* privateKey = BIO_new_file(QFile::encodeName(keyPath).constData(), "w");
        ok = certificate && privateKey && PEM_write_bio_X509(certificate, x509) == 1
            && PEM_write_bio_PrivateKey(privateKey, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
        BIO_free(certificate);
        BIO_free(privateKey);
    }
    X509_free(x509);
    EVP_PKEY_free(key);
    return ok;
}

} // namespace

// A key that belongs to another certificate used to start a server whose every handshake failed,
// silently; an expired certificate the same. Both are refused at start, naming the files, and a
// good pair says until when it is valid.
void TestServerCli::serveRefusesATlsKeyOfAnotherCertificateAndAnExpiredOne()
{
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    const QString certificateA = m_dir->filePath(QStringLiteral("a.pem"));
    const QString keyA = m_dir->filePath(QStringLiteral("a.key"));
    const QString certificateB = m_dir->filePath(QStringLiteral("b.pem"));
    const QString keyB = m_dir->filePath(QStringLiteral("b.key"));
    QString error;
    QVERIFY2(portcullis::test::makeSelfSignedCertificate(certificateA, keyA, &error), qPrintable(error));
    QVERIFY2(portcullis::test::makeSelfSignedCertificate(certificateB, keyB, &error), qPrintable(error));
    const QString secret = m_dir->filePath(QStringLiteral("jwt-secret"));

    portcullis::test::ServerProcess mismatched;
    QVERIFY2(!mismatched.start(dbPath(), secret,
                               { QStringLiteral("--tls-cert"), certificateA, QStringLiteral("--tls-key"), keyB }),
             "serve started with the key of another certificate");
    QVERIFY2(mismatched.output().contains(QStringLiteral("is not the private key of the certificate")),
             qPrintable(mismatched.output()));
    QVERIFY2(mismatched.output().contains(keyB), qPrintable(mismatched.output()));

    // A file that is not there is named as missing, not as one without a certificate or key.
    const QString missing = m_dir->filePath(QStringLiteral("missing.pem"));
    for (const QStringList& files : { QStringList { missing, keyA }, QStringList { certificateA, missing } }) {
        const Run absent
            = server({ QStringLiteral("serve"), QStringLiteral("--db"), dbPath(), QStringLiteral("--listen"),
                       QStringLiteral("127.0.0.1:0"), QStringLiteral("--jwt-secret-file"), secret,
                       QStringLiteral("--tls-cert"), files.at(0), QStringLiteral("--tls-key"), files.at(1) });
        QCOMPARE(absent.exitCode, 1);
        QVERIFY2(absent.err.contains(missing + QStringLiteral(": the file does not exist")), qPrintable(absent.err));
        QVERIFY2(!absent.err.contains(QStringLiteral("no PEM")), qPrintable(absent.err));
    }

    const QString expired = m_dir->filePath(QStringLiteral("expired.pem"));
    const QString expiredKey = m_dir->filePath(QStringLiteral("expired.key"));
    QVERIFY(writeExpiredCertificate(expired, expiredKey));
    portcullis::test::ServerProcess old;
    QVERIFY2(!old.start(dbPath(), secret,
                        { QStringLiteral("--tls-cert"), expired, QStringLiteral("--tls-key"), expiredKey }),
             "serve started with an expired certificate");
    QVERIFY2(old.output().contains(QStringLiteral("expired on")), qPrintable(old.output()));

    portcullis::test::ServerProcess good;
    QVERIFY2(
        good.start(dbPath(), secret, { QStringLiteral("--tls-cert"), certificateA, QStringLiteral("--tls-key"), keyA }),
        qPrintable(good.output()));
    QVERIFY2(good.output().contains(QStringLiteral("TLS certificate localhost, valid until")),
             qPrintable(good.output()));
}

// A second host started with a path where no secret is yet used to mint its own silently, and
// each host then refused the other's tokens. Now serve says when it makes one, and
// --no-create-secret (for every host but the first) refuses to start instead.
void TestServerCli::serveSaysWhenItMakesASecretAndCanRefuseTo()
{
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    const QString secret = m_dir->filePath(QStringLiteral("second-host-secret"));
    portcullis::test::ServerProcess strict;
    QVERIFY2(!strict.start(dbPath(), secret, { QStringLiteral("--no-create-secret") }),
             "serve --no-create-secret started without a secret");
    QVERIFY2(strict.output().contains(QStringLiteral("--no-create-secret forbids making a new one")),
             qPrintable(strict.output()));
    QVERIFY(!QFileInfo::exists(secret));

    {
        portcullis::test::ServerProcess first;
        QVERIFY2(first.start(dbPath(), secret), qPrintable(first.output()));
        QVERIFY2(first.output().contains(QStringLiteral("created a new JWT signing secret in %1").arg(secret)),
                 qPrintable(first.output()));
    }
    QVERIFY(QFileInfo::exists(secret));
    // With the secret in place: nothing to say, and --no-create-secret starts.
    portcullis::test::ServerProcess again;
    QVERIFY2(again.start(dbPath(), secret, { QStringLiteral("--no-create-secret") }), qPrintable(again.output()));
    QVERIFY2(!again.output().contains(QStringLiteral("created a new JWT signing secret")), qPrintable(again.output()));
    QVERIFY2(!again.output().contains(QStringLiteral("already serves")), qPrintable(again.output()));
    // A second server on the same SQLite file starts, with a warning naming the first.
    portcullis::test::ServerProcess second;
    QVERIFY2(second.start(dbPath(), secret), qPrintable(second.output()));
    QTRY_VERIFY2(second.output().contains(QStringLiteral("already serves")), qPrintable(second.output()));
}

// Settings used to be one PORTCULLIS_OPTIONS line, and the guide's second example replaced the
// first (TLS dropped silently). Each option now has its variable: the unit's defaults plus lines
// of /etc/default/portcullis-server add up, and the command line wins over them. The unit refuses
// to mint a JWT secret; init made the first one.
void TestServerCli::serveTakesEachSettingFromItsOwnVariable()
{
    const Run init = initDatabase(dbPath());
    QCOMPARE(init.exitCode, 0);
    const QString secret = dbPath() + QStringLiteral(".jwt-secret");
    QVERIFY2(init.out.contains(QStringLiteral("created the JWT signing secret %1").arg(secret)), qPrintable(init.out));
    QCOMPARE(QFileInfo(secret).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
    const QString certificate = m_dir->filePath(QStringLiteral("cert.pem"));
    const QString key = m_dir->filePath(QStringLiteral("key.pem"));
    QString error;
    QVERIFY2(portcullis::test::makeSelfSignedCertificate(certificate, key, &error), qPrintable(error));

    QProcessEnvironment environment = unitEnvironment();
    QCOMPARE(environment.value(QStringLiteral("PORTCULLIS_NO_CREATE_SECRET")), QStringLiteral("yes"));
    // As /etc/default/portcullis-server would set them, one line per setting.
    environment.insert(QStringLiteral("PORTCULLIS_DB"), dbPath());
    environment.insert(QStringLiteral("PORTCULLIS_LISTEN"), QStringLiteral("127.0.0.1:0"));
    environment.insert(QStringLiteral("PORTCULLIS_TLS_CERT"), certificate);
    environment.insert(QStringLiteral("PORTCULLIS_TLS_KEY"), key);
    environment.insert(QStringLiteral("PORTCULLIS_THREADS"), QStringLiteral("3"));
    environment.insert(QStringLiteral("PORTCULLIS_TRUSTED_PROXY"), QStringLiteral("10.0.0.5 10.0.1.0/24"));
    QString output;
    QVERIFY2(serveOnce(m_binary, environment, {}, &output), qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("listening on https://127.0.0.1:")), qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("3 worker threads")), qPrintable(output));
    QVERIFY2(!output.contains(QStringLiteral("created a new JWT")), qPrintable(output));

    // The command line wins over a variable.
    QVERIFY2(serveOnce(m_binary, environment, { QStringLiteral("--threads"), QStringLiteral("5") }, &output),
             qPrintable(output));
    QVERIFY2(output.contains(QStringLiteral("5 worker threads")), qPrintable(output));

    // A second host whose copy of the secret is missing refuses to start, under the unit's defaults.
    QProcessEnvironment secondHost = environment;
    secondHost.insert(QStringLiteral("PORTCULLIS_JWT_SECRET_FILE"), m_dir->filePath(QStringLiteral("missing")));
    int exitCode = 0;
    QVERIFY2(!serveOnce(m_binary, secondHost, {}, &output, &exitCode), qPrintable(output));
    QCOMPARE(exitCode, 1);
    QVERIFY2(output.contains(QStringLiteral("--no-create-secret forbids making a new one")), qPrintable(output));
    QVERIFY(!QFileInfo::exists(m_dir->filePath(QStringLiteral("missing"))));

    // A bad value is a usage error that names the variable it came from.
    const QList<QPair<QString, QString>> bad {
        { QStringLiteral("PORTCULLIS_THREADS"), QStringLiteral("lots") },
        { QStringLiteral("PORTCULLIS_NO_CREATE_SECRET"), QStringLiteral("perhaps") },
        { QStringLiteral("PORTCULLIS_TRUSTED_PROXY"), QStringLiteral("10.0.0.5 balancer") },
        { QStringLiteral("PORTCULLIS_LISTEN"), QStringLiteral("localhost") },
    };
    for (const auto& [variable, value] : bad) {
        QProcessEnvironment wrong = environment;
        wrong.insert(variable, value);
        QVERIFY2(!serveOnce(m_binary, wrong, {}, &output, &exitCode), qPrintable(output));
        QCOMPARE(exitCode, 64);
        QVERIFY2(output.contains(variable), qPrintable(variable + QStringLiteral(": ") + output));
    }
    // A password in a PostgreSQL URL is not repeated in that note.
    {
        QProcessEnvironment withPassword = environment;
        withPassword.insert(QStringLiteral("PORTCULLIS_DB"),
                            QStringLiteral("postgresql://app:Sup3rSecret@db.invalid/iam"));
        withPassword.insert(QStringLiteral("PORTCULLIS_THREADS"), QStringLiteral("0"));
        QVERIFY(!serveOnce(m_binary, withPassword, {}, &output, &exitCode));
        QCOMPARE(exitCode, 64);
        QVERIFY2(output.contains(QStringLiteral("PORTCULLIS_DB=postgresql://app:***@db.invalid/iam")),
                 qPrintable(output));
        QVERIFY2(!output.contains(QStringLiteral("Sup3rSecret")), qPrintable(output));
    }
    // serve --help says so.
    const Run help = server({ QStringLiteral("serve"), QStringLiteral("--help") });
    QVERIFY2(help.out.contains(QStringLiteral("PORTCULLIS_<OPTION>")), qPrintable(help.out));
    // Without PORTCULLIS_DB or --db: still "--db is required".
    QProcessEnvironment none = QProcessEnvironment::systemEnvironment();
    none.remove(QStringLiteral("PORTCULLIS_DB"));
    QVERIFY(
        !serveOnce(m_binary, none, { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0") }, &output, &exitCode));
    QCOMPARE(exitCode, 64);
    QVERIFY2(output.contains(QStringLiteral("--db is required")), qPrintable(output));
}

// The operator guide's table: 2 when the database cannot be used, and a schema newer than the
// program knows is that, for every command that opens one (serve used to say 2 where the table
// said 1 and others said 1).
void TestServerCli::everyCommandRefusesANewerSchemaWithExitStatus2()
{
    QCOMPARE(initDatabase(dbPath()).exitCode, 0);
    {
        OpenStore open(dbPath());
        QSqlQuery q(open.db());
        QVERIFY(q.exec(QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (%1, 0)")
                           .arg(latestSchemaVersion() + 1)));
    }
    const QStringList commands[] = {
        { QStringLiteral("init"), QStringLiteral("--db"), dbPath() },
        { QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(), QStringLiteral("--tenants"),
          QStringLiteral("1"), QStringLiteral("--users"), QStringLiteral("5"), QStringLiteral("--events"),
          QStringLiteral("10") },
        { QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() },
        { QStringLiteral("purge-audit"), QStringLiteral("--db"), dbPath(), QStringLiteral("--older-than"),
          QStringLiteral("30"), QStringLiteral("--admin-email"), kAdminEmail, QStringLiteral("--admin-password-file"),
          m_passwordFile },
        { QStringLiteral("serve"), QStringLiteral("--db"), dbPath(), QStringLiteral("--listen"),
          QStringLiteral("127.0.0.1:0"), QStringLiteral("--startup-wait"), QStringLiteral("0") },
    };
    for (const QStringList& arguments : commands) {
        const Run refused = server(arguments);
        QVERIFY2(refused.exitCode == 2,
                 qPrintable(arguments.first() + QStringLiteral(": exit status ") + QString::number(refused.exitCode)
                            + QLatin1Char('\n') + refused.all()));
        QVERIFY2(refused.err.contains(QStringLiteral("newer than this version of Portcullis knows")),
                 qPrintable(arguments.first() + QStringLiteral(": ") + refused.all()));
    }
}

void TestServerCli::helpOfEachCommand_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QStringList>("options");
    QTest::newRow("init") << QStringLiteral("init") << QStringList { QStringLiteral("--db"),
                                                                     QStringLiteral("--admin-email"),
                                                                     QStringLiteral("--admin-password-file"),
                                                                     QStringLiteral("--org"),
                                                                     QStringLiteral("--admin-username"),
                                                                     QStringLiteral("--jwt-secret-file") };
    QTest::newRow("seed-demo") << QStringLiteral("seed-demo")
                               << QStringList { QStringLiteral("--db"),    QStringLiteral("--tenants"),
                                                QStringLiteral("--users"), QStringLiteral("--events"),
                                                QStringLiteral("--seed"),  QStringLiteral("ONE password") };
    QTest::newRow("verify-audit") << QStringLiteral("verify-audit") << QStringList { QStringLiteral("--db") };
    QTest::newRow("openapi") << QStringLiteral("openapi") << QStringList { QStringLiteral("/api/openapi.json") };
    QTest::newRow("purge-audit") << QStringLiteral("purge-audit")
                                 << QStringList { QStringLiteral("--db"), QStringLiteral("--older-than"),
                                                  QStringLiteral("--admin-email"),
                                                  QStringLiteral("--admin-password-file"),
                                                  QStringLiteral("--audit-key") };
}

void TestServerCli::helpOfEachCommand()
{
    QFETCH(QString, command);
    QFETCH(QStringList, options);
    for (const QStringList& arguments :
         { QStringList { command, QStringLiteral("--help") }, QStringList { QStringLiteral("help"), command } }) {
        const Run run = server(arguments);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(QStringLiteral("Usage: portcullis-server ") + command), qPrintable(run.out));
        for (const QString& option : options)
            QVERIFY2(run.out.contains(option), qPrintable(option + QStringLiteral(" missing from:\n") + run.out));
    }
    const Run bad = server({ command, QStringLiteral("--no-such-option") });
    QCOMPARE(bad.exitCode, 64);
    QVERIFY(bad.err.contains(QStringLiteral("no-such-option")));
}

// docs/permissions.md is the output of `portcullis-server permissions`: every code of the catalog
// and every built-in role is on it, and the page in the repository is what the program prints now
// (regenerate it with the command when the catalog changes).
void TestServerCli::permissionsPageIsTheProgramsOutput()
{
    const Run run = server({ QStringLiteral("permissions") });
    QCOMPARE(run.exitCode, 0);
    for (const Permission& p : policy::permissionCatalog())
        QVERIFY2(run.out.contains(QStringLiteral("| `%1` | %2 |").arg(p.code, p.description)), qPrintable(p.code));
    for (const Role& role : policy::builtInRoles())
        QVERIFY2(run.out.contains(QStringLiteral("| `%1` | %2 |").arg(role.code).arg(role.level)),
                 qPrintable(role.code));
    QFile page(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../docs/permissions.md"));
    QVERIFY2(page.open(QIODevice::ReadOnly), qPrintable(page.fileName()));
    QVERIFY2(QString::fromUtf8(page.readAll()) == run.out,
             "docs/permissions.md is out of date: run portcullis-server permissions > docs/permissions.md");
}

// docs/openapi.json is the output of `portcullis-server openapi` (the CTest openapi_current checks the
// same from outside): an OpenAPI 3.1 document with every route, its API-key permissions, and the
// components the issue asked for.
void TestServerCli::openApiDocumentIsTheProgramsOutput()
{
    const Run run = server({ QStringLiteral("openapi") });
    QCOMPARE(run.exitCode, 0);
    QJsonParseError error;
    const QJsonObject document = QJsonDocument::fromJson(run.out.toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(document.value(QStringLiteral("openapi")).toString(), QStringLiteral("3.1.0"));
    const QJsonObject paths = document.value(QStringLiteral("paths")).toObject();
    const QJsonObject getUser
        = paths.value(QStringLiteral("/api/admin/users/{id}")).toObject().value(QStringLiteral("get")).toObject();
    QCOMPARE(getUser.value(QStringLiteral("x-api-key-permissions")).toArray(),
             (QJsonArray { QStringLiteral("admin:user:view"), QStringLiteral("admin:user:read") }));
    QVERIFY(paths.value(QStringLiteral("/api/openapi.json")).toObject().contains(QStringLiteral("get")));
    const QJsonObject components = document.value(QStringLiteral("components")).toObject();
    const QJsonObject schemas = components.value(QStringLiteral("schemas")).toObject();
    for (const char* name : { "User", "Organization", "Role", "ApiKey", "Session", "Invitation", "AuditEvent",
                              "Problem", "UserPage", "CreateUserRequest" })
        QVERIFY2(schemas.contains(QLatin1String(name)), name);
    QCOMPARE(schemas.value(QStringLiteral("UserPage")).toObject().value(QStringLiteral("required")).toArray(),
             (QJsonArray { QStringLiteral("items"), QStringLiteral("total"), QStringLiteral("total_is_lower_bound"),
                           QStringLiteral("page"), QStringLiteral("limit") }));
    const QJsonObject security = components.value(QStringLiteral("securitySchemes")).toObject();
    QCOMPARE(security.value(QStringLiteral("apiKey")).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("X-API-Key"));
    QCOMPARE(security.value(QStringLiteral("bearerAuth")).toObject().value(QStringLiteral("bearerFormat")).toString(),
             QStringLiteral("JWT"));
    QFile page(QStringLiteral(QT_TESTCASE_SOURCEDIR "/../docs/openapi.json"));
    QVERIFY2(page.open(QIODevice::ReadOnly), qPrintable(page.fileName()));
    QVERIFY2(QString::fromUtf8(page.readAll()) == run.out,
             "docs/openapi.json is out of date: run portcullis-server openapi > docs/openapi.json");
}

// Errors a new operator met that sent them the wrong way: "--listen localhost" was reported as a
// missing --listen, and a missing SQLite file gave no hint that init makes it.
void TestServerCli::serveErrorsSayWhatIsWrong()
{
    const QString secret = m_dir->filePath(QStringLiteral("jwt-secret"));
    const Run noPort = server({ QStringLiteral("serve"), QStringLiteral("--db"), dbPath(), QStringLiteral("--listen"),
                                QStringLiteral("localhost"), QStringLiteral("--jwt-secret-file"), secret });
    QCOMPARE(noPort.exitCode, 64);
    QVERIFY2(noPort.err.contains(QStringLiteral("--listen \"localhost\" has no port")), qPrintable(noPort.err));
    QVERIFY2(!noPort.err.contains(QStringLiteral("is required")), qPrintable(noPort.err));
    const Run badPort = server({ QStringLiteral("serve"), QStringLiteral("--db"), dbPath(), QStringLiteral("--listen"),
                                 QStringLiteral("127.0.0.1:99999"), QStringLiteral("--jwt-secret-file"), secret });
    QCOMPARE(badPort.exitCode, 64);
    QVERIFY2(badPort.err.contains(QStringLiteral("is not HOST:PORT")), qPrintable(badPort.err));

    QVERIFY(!QFileInfo::exists(dbPath()));
    const Run missing = server({ QStringLiteral("serve"), QStringLiteral("--db"), dbPath(), QStringLiteral("--listen"),
                                 QStringLiteral("127.0.0.1:0"), QStringLiteral("--jwt-secret-file"), secret });
    QVERIFY(missing.exitCode != 0);
    QVERIFY2(missing.err.contains(QStringLiteral("does not exist")), qPrintable(missing.err));
    QVERIFY2(missing.err.contains(QStringLiteral("init --db ") + dbPath()), qPrintable(missing.err));
    QVERIFY(!QFileInfo::exists(dbPath()));
}

void TestServerCli::unknownCommandListsTheCommands()
{
    const Run help = server({ QStringLiteral("--help") });
    QCOMPARE(help.exitCode, 0);
    for (const char* command : { "init", "seed-demo", "verify-audit" })
        QVERIFY(help.out.contains(QLatin1String(command)));
    QVERIFY(server({ QStringLiteral("--version") }).out.startsWith(QStringLiteral("portcullis-server ")));

    const Run unknown = server({ QStringLiteral("frobnicate") });
    QVERIFY(unknown.exitCode != 0);
    QVERIFY(unknown.err.contains(QStringLiteral("unknown command")));
    QVERIFY(unknown.err.contains(QStringLiteral("frobnicate")));
    for (const char* command : { "init", "seed-demo", "verify-audit" })
        QVERIFY(unknown.err.contains(QLatin1String(command)));
    QVERIFY(server({}).exitCode != 0);
}

void TestServerCli::secretsAreNotStoredOrPrinted()
{
    const Run init = initDatabase(dbPath());
    QVERIFY2(init.exitCode == 0, qPrintable(init.all()));
    const Run seed = server({ QStringLiteral("seed-demo"), QStringLiteral("--db"), dbPath(),
                              QStringLiteral("--tenants"), QStringLiteral("2"), QStringLiteral("--users"),
                              QStringLiteral("30"), QStringLiteral("--events"), QStringLiteral("200") });
    QCOMPARE(seed.exitCode, 0);
    const Run verify = server({ QStringLiteral("verify-audit"), QStringLiteral("--db"), dbPath() });
    for (const Run* run : { &init, &seed, &verify })
        QVERIFY(!run->all().contains(kAdminPassword));

    // While the store is open the WAL holds the latest pages: look at both files.
    OpenStore open(dbPath());
    auto login = open.store().auth().login(kAdminEmail, kAdminPassword);
    QVERIFY_RESULT(login);
    NewApiKey key;
    key.name = QStringLiteral("secret test");
    key.userId = login->actor.userId;
    key.scopes = { QStringLiteral("admin:user:read") };
    auto created = open.store().apiKeys().create(login->actor, key);
    QVERIFY_RESULT(created);
    const QString secret = created->secret;
    QVERIFY(secret.size() > 20);
    QVERIFY_RESULT(open.store().apiKeys().verify(secret));

    QByteArray bytes;
    for (const QString& path : { dbPath(), QString(dbPath() + QStringLiteral("-wal")) }) {
        QFile file(path);
        if (file.open(QIODevice::ReadOnly))
            bytes += file.readAll();
    }
    QVERIFY(bytes.size() > 0);
    for (const QString& needle : { kAdminPassword, secret, login->sessionToken }) {
        QVERIFY2(!bytes.contains(needle.toUtf8()), "a secret is stored in clear");
        QByteArray utf16(reinterpret_cast<const char*>(needle.utf16()), needle.size() * 2);
        QVERIFY2(!bytes.contains(utf16), "a secret is stored in clear (UTF-16)");
    }
    // What is stored instead: the key's SHA-256 and its display prefix.
    QVERIFY(bytes.contains(crypto::sha256Hex(secret.toUtf8())));
}

// PORTCULLIS_ARGON2_MEMORY_KIB (set by ctest for every suite) lowers the hashing cost only in the
// test build of the server (portcullis-server-test, with tests/testhooks.cpp); the portcullis-server
// that gets installed hashes with the product's cost whatever the environment says.
void TestServerCli::productBinaryIgnoresTheArgon2Override_data()
{
    QTest::addColumn<QString>("variable"); // PORTCULLIS_*_BIN naming the binary
    QTest::addColumn<QString>("expectedCost");
    QTest::newRow("the installed portcullis-server keeps m=19456")
        << QStringLiteral("PORTCULLIS_PRODUCT_SERVER_BIN") << QStringLiteral("$argon2id$v=19$m=19456,t=2,p=1$");
    QTest::newRow("the test build honours the override")
        << QStringLiteral("PORTCULLIS_SERVER_BIN") << QStringLiteral("$argon2id$v=19$m=256,t=2,p=1$");
}

void TestServerCli::productBinaryIgnoresTheArgon2Override()
{
    QFETCH(QString, variable);
    QFETCH(QString, expectedCost);
    const QString program = qEnvironmentVariable(qPrintable(variable));
    if (program.isEmpty())
        QFAIL(qPrintable(variable + QStringLiteral(" is not set (run the suite through ctest)")));
    const QByteArray before = qgetenv("PORTCULLIS_ARGON2_MEMORY_KIB");
    qputenv("PORTCULLIS_ARGON2_MEMORY_KIB", "256");
    const Run run = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--admin-email"),
                             kAdminEmail, QStringLiteral("--admin-password-file"), m_passwordFile },
                           program);
    if (before.isNull())
        qunsetenv("PORTCULLIS_ARGON2_MEMORY_KIB");
    else
        qputenv("PORTCULLIS_ARGON2_MEMORY_KIB", before);
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    OpenStore open(dbPath());
    QSqlQuery q(open.db());
    QVERIFY(q.exec(QStringLiteral("SELECT password_hash FROM users WHERE email = '%1'").arg(kAdminEmail)));
    QVERIFY(q.next());
    const QString hash = q.value(0).toString();
    QVERIFY2(hash.startsWith(expectedCost), qPrintable(hash.left(40)));
    QVERIFY(crypto::verifyPassword(kAdminPassword, hash));
}

QTEST_GUILESS_MAIN(TestServerCli)
// PostgreSQL: the role made by `init --app-role` runs serve and signs in (it writes sessions and audit
// events), but as an attacker holding its credentials cannot change or delete audit events, forge a
// purge record, or change the schema.
void TestServerCli::appRoleCanWorkButNotRewriteTheAuditLog()
{
    auto database = test::TestDatabase::create(QStringLiteral("postgres"));
    QVERIFY(database->isPostgres());
    const QString role = QStringLiteral("pc_app_%1").arg(QDateTime::currentMSecsSinceEpoch());
    const QString rolePassword = QStringLiteral("App-Role-Password-1234");
    const QString roleFile = writeFile(QStringLiteral("app-password"), rolePassword.toUtf8() + '\n');
    const Run run
        = server({ QStringLiteral("init"), QStringLiteral("--db"), database->url(), QStringLiteral("--admin-email"),
                   kAdminEmail, QStringLiteral("--admin-password-file"), m_passwordFile, QStringLiteral("--app-role"),
                   role, QStringLiteral("--app-role-password-file"), roleFile });
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    QVERIFY2(run.out.contains(role), qPrintable(run.out));
    QVERIFY(!run.all().contains(rolePassword));
    const auto dropRole = qScopeGuard([&] {
        QSqlQuery admin(database->store().core().db());
        admin.exec(QStringLiteral("DROP OWNED BY ") + role);
        admin.exec(QStringLiteral("DROP ROLE ") + role);
    });

    DatabaseConfig asApp = database->config();
    asApp.user = role;
    asApp.password = rolePassword;
    auto opened = openDatabase(asApp, QStringLiteral("tst_server_cli_app_role"));
    QVERIFY_RESULT(opened);
    {
        SqlStore store(*opened, Dialect::Postgres);
        QVERIFY_RESULT(store.prepare()); // an up-to-date schema needs no DDL
        // The work of a console or serve: sign in (a session and an audit event are written).
        auto login = store.auth().login(kAdminEmail, kAdminPassword);
        QVERIFY_RESULT(login);
        QSqlQuery q(store.core().db());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM audit_events")) && q.next());
        QVERIFY(q.value(0).toLongLong() > 0);
        // What it must not do.
        for (const QString& attack : {
                 QStringLiteral("UPDATE audit_events SET action = 'nothing.happened'"),
                 QStringLiteral("DELETE FROM audit_events"),
                 QStringLiteral("TRUNCATE audit_events"),
                 QStringLiteral("INSERT INTO audit_purges (purged_before_id, anchor_hash, purged_at, purged_by) "
                                "VALUES (1000000, 'x', 0, 1)"),
                 QStringLiteral("CREATE TABLE evil (x integer)"),
                 QStringLiteral("DROP TABLE users"),
                 QStringLiteral("ALTER TABLE users ADD COLUMN evil integer"),
                 QStringLiteral("DROP TRIGGER audit_events_guard ON audit_events"),
             }) {
            QVERIFY2(!q.exec(attack), qPrintable(attack));
            QCOMPARE(q.lastError().nativeErrorCode(), QStringLiteral("42501")); // insufficient_privilege
        }
    }
    opened->close();
    opened = Result<QSqlDatabase>(ServiceError::storage(QStringLiteral("closed"))); // the last handle goes
    QSqlDatabase::removeDatabase(QStringLiteral("tst_server_cli_app_role"));

    // serve runs as the role.
    QUrl url(database->url());
    url.setUserName(role);
    url.setPassword(rolePassword);
    test::ServerProcess serve;
    QVERIFY2(serve.start(url.toString(), m_dir->filePath(QStringLiteral("jwt-secret"))), qPrintable(serve.output()));
}

void TestServerCli::appRoleNeedsPostgresAndAPassword()
{
    const QString roleFile = writeFile(QStringLiteral("app-password"), "App-Role-Password-1234\n");
    Run run
        = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--admin-email"),
                   kAdminEmail, QStringLiteral("--admin-password-file"), m_passwordFile, QStringLiteral("--app-role"),
                   QStringLiteral("pc_app"), QStringLiteral("--app-role-password-file"), roleFile });
    QCOMPARE(run.exitCode, 64); // usage
    QVERIFY2(run.err.contains(QLatin1String("PostgreSQL")), qPrintable(run.err));
    QVERIFY(!QFile::exists(dbPath())); // refused before anything was written
    run = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--app-role"),
                   QStringLiteral("pc_app") });
    QCOMPARE(run.exitCode, 64); // usage
    QVERIFY2(run.err.contains(QLatin1String("--app-role-password-file")), qPrintable(run.err));
    run = server({ QStringLiteral("init"), QStringLiteral("--db"), dbPath(), QStringLiteral("--app-role"),
                   QStringLiteral("x; DROP TABLE users"), QStringLiteral("--app-role-password-file"), roleFile });
    QCOMPARE(run.exitCode, 64); // usage
}

// The database holds password and key hashes: `init` creates it 0600 even under umask 000, and
// SQLite's -wal and -shm files beside it take the same mode.
void TestServerCli::databaseFilesAreOwnerOnlyWhateverTheUmask()
{
    const mode_t previous = ::umask(0);
    const auto restore = qScopeGuard([previous] { ::umask(previous); });
    const QString path = dbPath(QStringLiteral("private.db"));
    const Run run = initDatabase(path);
    QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
    const auto modeOf = [](const QString& file) {
        struct stat st
        {
        };
        return ::stat(QFile::encodeName(file).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
    };
    QCOMPARE(modeOf(path), 0600);

    OpenStore open(path); // keeps a connection, so the WAL files stay
    QSqlQuery q(open.db());
    QVERIFY(q.exec(QStringLiteral("UPDATE organizations SET name = name")));
    QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
    QCOMPARE(modeOf(path + QStringLiteral("-wal")), 0600);
    QCOMPARE(modeOf(path + QStringLiteral("-shm")), 0600);
}

#include "tst_server_cli.moc"
