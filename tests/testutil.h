#pragma once

// Shared by the test suites: a fresh real database per test (a temporary SQLite file, or a fresh
// PostgreSQL database when PORTCULLIS_TEST_PG_URL names a server), and result-checking macros
// that print the service error.

#include "domain/result.h"
#include "sql/store.h"

#include <QFuture>
#include <QFutureWatcher>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#define QVERIFY_RESULT(expr)                                                                                           \
    do {                                                                                                               \
        const auto& _r = (expr);                                                                                       \
        if (!_r.ok())                                                                                                  \
            QFAIL(qPrintable(QStringLiteral(#expr " failed: ") + _r.error().toString()));                              \
    } while (false)

#define QVERIFY_ERROR(expr, expectedCode)                                                                              \
    do {                                                                                                               \
        const auto& _r = (expr);                                                                                       \
        if (_r.ok())                                                                                                   \
            QFAIL(#expr " succeeded but should have failed");                                                          \
        const portcullis::ServiceError _expected { expectedCode, {}, {} };                                             \
        QCOMPARE(_r.error().codeName(), _expected.codeName());                                                         \
    } while (false)

namespace portcullis::test {

// Waits for a service call's future while the event loop runs (the backends answer through it),
// at most `timeoutMs`, and returns its result.
template <typename T> T awaitResult(QFuture<T> future, int timeoutMs = 30000)
{
    QFutureWatcher<T> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(future);
    if (!watcher.isFinished())
        finished.wait(timeoutMs);
    return future.result();
}

// The first column of the first row of `sql` (a COUNT(*)) on the store's connection; -1 when the
// query fails.
inline qint64 countRows(SqlStore& store, const QString& sql)
{
    QSqlQuery q(store.core().db());
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

// The statements that take a database back from schema 8 to schema 7 (drop what
// resources/migrations/0008_power_tools.sql creates), for the tests that migrate an older database.
// Leaves schema_migrations alone.
QStringList revertMigration8Statements();

} // namespace portcullis::test

namespace portcullis::test {

// A database of its own for one test. SQLite: a file in a temporary folder. PostgreSQL (when
// PORTCULLIS_TEST_DIALECT=postgres): a database "portcullis_t_<pid>_<n>" is created on the server
// named by PORTCULLIS_TEST_PG_URL (e.g. postgresql://user:secret@127.0.0.1:5432/postgres) and
// dropped afterwards.
class TestDatabase
{
public:
    ~TestDatabase();
    static std::unique_ptr<TestDatabase> create(const QString& forcedDialect = {});

    bool isPostgres() const { return m_config.dialect == Dialect::Postgres; }
    const DatabaseConfig& config() const { return m_config; }
    QString url() const { return m_url; } // PATH_OR_URL for portcullis-server, with credentials
    QString sqlitePath() const { return m_config.path; }
    QString tempPath() const { return m_dir.path(); }
    // The audit key of this database: beside the SQLite file, or (PostgreSQL) a file in the temporary
    // folder that PORTCULLIS_AUDIT_KEY_FILE names from create() on, for this process and the
    // portcullis-server processes it starts.
    QString auditKeyFile() const { return m_auditKeyFile; }

    // A store on a new connection of this thread (migrated and seeded by create()).
    SqlStore& store() { return *m_store; }
    QSqlDatabase openConnection(const QString& name);

private:
    TestDatabase() = default;
    QTemporaryDir m_dir;
    DatabaseConfig m_config;
    QString m_url;
    QString m_auditKeyFile;
    QString m_connectionName;
    QString m_adminConnectionName;
    std::unique_ptr<SqlStore> m_store;
    QStringList m_extraConnections;
};

// A small tenant world on a prepared store: two organizations and helpers to make users and actors.
struct World
{
    SqlStore* store = nullptr;
    Organization orgA;
    Organization orgB;
    User superAdmin;
    Actor superActor;

    static World build(SqlStore& store);
    // A user in `orgId` holding `roleCode` (created by the system actor; password kStrongPassword).
    User makeUser(Id orgId, const QString& roleCode, const QString& name = {});
    Actor actorFor(const User& user) const;
};

inline const QString kStrongPassword = QStringLiteral("Correct-Horse-42-battery");

// One audit event as the table holds it, read straight from it (as an auditor or attacker would).
struct EventRow
{
    bool found = false;
    Id id = 0;
    QString outcome;
    Id actorId = 0;
    QString resourceId;
    Id organizationId = 0;
    QJsonObject details;
};

// The newest audit event with this action (optionally for this resource id).
EventRow lastEvent(QSqlDatabase db, const QString& action, const QString& resourceId = {});
inline EventRow lastEvent(SqlStore& store, const QString& action, const QString& resourceId = {})
{
    return lastEvent(store.core().db(), action, resourceId);
}

// The statements that take a database back from schema 8 to schema 7 (drop what
// resources/migrations/0008_power_tools.sql creates), for the tests that migrate an older database.
// Leaves schema_migrations alone.
QStringList revertMigration8Statements();

} // namespace portcullis::test
