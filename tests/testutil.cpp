#include "testutil.h"

#include "sql/auditkey.h"
#include "sql/database.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QUuid>

namespace portcullis::test {

static int g_counter = 0;

std::unique_ptr<TestDatabase> TestDatabase::create(const QString& forcedDialect)
{
    std::unique_ptr<TestDatabase> db(new TestDatabase);
    const QString pgUrl = qEnvironmentVariable("PORTCULLIS_TEST_PG_URL");
    const QString dialect = forcedDialect.isEmpty() ? qEnvironmentVariable("PORTCULLIS_TEST_DIALECT") : forcedDialect;
    const bool usePostgres = dialect == QLatin1String("postgres");
    const QString suffix
        = QString::number(QCoreApplication::applicationPid()) + QLatin1Char('_') + QString::number(++g_counter);
    db->m_connectionName = QStringLiteral("test_") + suffix;
    if (usePostgres) {
        if (pgUrl.isEmpty())
            qFatal("PostgreSQL tests need PORTCULLIS_TEST_PG_URL (scripts/start-postgres.sh prints it)");
        auto admin = DatabaseConfig::parse(pgUrl);
        if (!admin)
            qFatal("bad PORTCULLIS_TEST_PG_URL: %s", qPrintable(admin.error().message));
        db->m_adminConnectionName = QStringLiteral("test_admin_") + suffix;
        auto adminDb = openDatabase(*admin, db->m_adminConnectionName);
        if (!adminDb)
            qFatal("cannot reach the test PostgreSQL server: %s", qPrintable(adminDb.error().message));
        const QString name = QStringLiteral("portcullis_t_") + suffix;
        QSqlQuery q(*adminDb);
        q.exec(QStringLiteral("DROP DATABASE IF EXISTS ") + name);
        if (!q.exec(QStringLiteral("CREATE DATABASE ") + name))
            qFatal("cannot create test database %s", qPrintable(name));
        db->m_config = *admin;
        db->m_config.databaseName = name;
        QString base = pgUrl.left(pgUrl.lastIndexOf(QLatin1Char('/')) + 1);
        db->m_url = base + name;
        db->m_auditKeyFile = db->m_dir.filePath(QStringLiteral("audit-key"));
        qputenv(auditkey::kEnvironmentVariable, QFile::encodeName(db->m_auditKeyFile));
    } else {
        db->m_config.dialect = Dialect::Sqlite;
        db->m_config.path = db->m_dir.filePath(QStringLiteral("portcullis.db"));
        db->m_url = db->m_config.path;
        db->m_auditKeyFile = db->m_config.path + QStringLiteral(".audit-key");
    }
    auto conn = openDatabase(db->m_config, db->m_connectionName);
    if (!conn)
        qFatal("cannot open the test database: %s", qPrintable(conn.error().message));
    db->m_store = std::make_unique<SqlStore>(*conn, db->m_config.dialect);
    db->m_store->core().setAuditKeyFile(db->m_auditKeyFile);
    if (auto prepared = db->m_store->prepare(); !prepared)
        qFatal("cannot prepare the test database: %s", qPrintable(prepared.error().toString()));
    return db;
}

QSqlDatabase TestDatabase::openConnection(const QString& name)
{
    auto conn = openDatabase(m_config, name);
    if (!conn)
        qFatal("cannot open a connection: %s", qPrintable(conn.error().message));
    m_extraConnections << name;
    return *conn;
}

TestDatabase::~TestDatabase()
{
    m_store.reset();
    for (const QString& name : std::as_const(m_extraConnections)) {
        QSqlDatabase::database(name, false).close();
        QSqlDatabase::removeDatabase(name);
    }
    QSqlDatabase::database(m_connectionName, false).close();
    QSqlDatabase::removeDatabase(m_connectionName);
    if (!m_adminConnectionName.isEmpty()) {
        {
            QSqlDatabase admin = QSqlDatabase::database(m_adminConnectionName, false);
            QSqlQuery q(admin);
            q.exec(QStringLiteral("DROP DATABASE IF EXISTS ") + m_config.databaseName
                   + QStringLiteral(" WITH (FORCE)"));
            admin.close();
        }
        QSqlDatabase::removeDatabase(m_adminConnectionName);
    }
}

World World::build(SqlStore& store)
{
    World w;
    w.store = &store;
    const Actor system = Actor::system();
    auto a = store.organizations().create(system,
                                          { QStringLiteral("Acme Corp"),
                                            QStringLiteral("acme"),
                                            QStringLiteral("business"),
                                            50,
                                            { QStringLiteral("chat") } });
    auto b = store.organizations().create(
        system, { QStringLiteral("Globex"), QStringLiteral("globex"), QStringLiteral("free"), 5, {} });
    if (!a || !b)
        qFatal("cannot create test organizations: %s", qPrintable((a ? b.error() : a.error()).toString()));
    w.orgA = *a;
    w.orgB = *b;
    w.superAdmin = w.makeUser(w.orgA.id, QStringLiteral("super_admin"), QStringLiteral("root"));
    w.superActor = w.actorFor(w.superAdmin);
    return w;
}

User World::makeUser(Id orgId, const QString& roleCode, const QString& name)
{
    const QString base = name.isEmpty() ? roleCode + QLatin1Char('_') + QString::number(++g_counter) : name;
    NewUser nu;
    nu.email = base + QStringLiteral("@example.test");
    nu.username = base;
    nu.fullName = base;
    nu.password = kStrongPassword;
    nu.organizationId = orgId;
    nu.roleCodes = { roleCode };
    auto created = store->users().create(Actor::system(), nu);
    if (!created)
        qFatal("cannot create test user: %s", qPrintable(created.error().toString()));
    return *created;
}

Actor World::actorFor(const User& user) const
{
    auto actor = store->core().actorForUser(user.id);
    if (!actor)
        qFatal("cannot build actor: %s", qPrintable(actor.error().toString()));
    Actor a = *actor;
    a.ip = QStringLiteral("127.0.0.1");
    return a;
}

QStringList revertMigration8Statements()
{
    QStringList statements { QStringLiteral("DROP INDEX api_keys_previous_hash") };
    for (const char* column : { "previous_key_hash", "previous_valid_until", "rotated_at", "previous_used_at" })
        statements << QStringLiteral("ALTER TABLE api_keys DROP COLUMN ") + QString::fromLatin1(column);
    for (const char* table : { "deployment_settings", "maintenance_runs", "organization_permissions" })
        statements << QStringLiteral("DROP TABLE ") + QString::fromLatin1(table);
    return statements;
}

EventRow lastEvent(QSqlDatabase db, const QString& action, const QString& resourceId)
{
    QSqlQuery q(db);
    QString sql
        = QStringLiteral("SELECT id, outcome, actor_id, resource_id, organization_id, details FROM audit_events "
                         "WHERE action = ?");
    if (!resourceId.isEmpty())
        sql += QStringLiteral(" AND resource_id = ?");
    sql += QStringLiteral(" ORDER BY id DESC LIMIT 1");
    q.prepare(sql);
    q.addBindValue(action);
    if (!resourceId.isEmpty())
        q.addBindValue(resourceId);
    EventRow row;
    if (q.exec() && q.next()) {
        row.found = true;
        row.id = q.value(0).toLongLong();
        row.outcome = q.value(1).toString();
        row.actorId = q.value(2).toLongLong();
        row.resourceId = q.value(3).toString();
        row.organizationId = q.value(4).toLongLong();
        row.details = QJsonDocument::fromJson(q.value(5).toString().toUtf8()).object();
    }
    return row;
}

} // namespace portcullis::test
