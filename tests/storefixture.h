#pragma once

// The store suites' fixture (a real database with the test world) and their SQL helpers: rows
// written directly, single values read back, audit events counted. Shared by tst_sessions_store,
// tst_apikeys, tst_organizations, tst_invitations, tst_tokens and tst_stats.

#include "security/crypto.h"
#include "sql/store.h"
#include "testutil.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>

namespace portcullis::test {

inline QVariant nullInt()
{
    return QVariant(QMetaType::fromType<qint64>());
}

struct Fixture
{
    std::unique_ptr<TestDatabase> db;
    World w;

    static Fixture make()
    {
        Fixture f;
        f.db = TestDatabase::create();
        f.w = World::build(f.db->store());
        return f;
    }
    SqlStore& store() { return db->store(); }
    QSqlDatabase& sql() { return db->store().core().db(); }
};

struct TestSession
{
    Id id = 0;
    QString token;
};

// A session row written directly, so a test controls its expiry and revocation.
inline TestSession insertSession(QSqlDatabase& db, const User& user, qint64 expiresInMs, bool revoked = false)
{
    TestSession s;
    s.token = crypto::randomToken(32);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSqlQuery q(db);
    q.prepare(QStringLiteral("INSERT INTO sessions (user_id, organization_id, token_hash, ip, user_agent, created_at, "
                             "last_seen_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.addBindValue(user.id);
    q.addBindValue(user.organizationId);
    q.addBindValue(QString::fromLatin1(crypto::sha256Hex(s.token.toUtf8())));
    q.addBindValue(QStringLiteral("10.0.0.1"));
    q.addBindValue(QStringLiteral("test"));
    q.addBindValue(now - 10 * 60 * 1000);
    q.addBindValue(now - 10 * 60 * 1000);
    q.addBindValue(now + expiresInMs);
    q.addBindValue(revoked ? QVariant(now) : nullInt());
    if (!q.exec() || !q.next())
        qFatal("cannot insert a test session");
    s.id = q.value(0).toLongLong();
    return s;
}

// The single value a query selects; the test stops when the query fails or selects nothing.
inline QVariant singleValue(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        qFatal("test query failed: %s", qPrintable(sql));
    return q.value(0);
}

inline qint64 scalar(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    return singleValue(db, sql, binds).toLongLong();
}

inline QString text(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    return singleValue(db, sql, binds).toString();
}

// Whether the single value the query selects is SQL NULL (drivers differ in how they print one).
inline bool isNullValue(QSqlDatabase& db, const QString& sql, const QVariantList& binds)
{
    return singleValue(db, sql, binds).isNull();
}

inline void execSql(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec())
        qFatal("test statement failed: %s", qPrintable(sql));
}

// Number of audit events with this action and outcome (and resource id, when given).
inline qint64 auditCount(QSqlDatabase& db, const QString& action, const QString& outcome,
                         const QString& resourceId = {})
{
    if (resourceId.isEmpty())
        return scalar(db, QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = ?"),
                      { action, outcome });
    return scalar(
        db, QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = ? AND outcome = ? AND resource_id = ?"),
        { action, outcome, resourceId });
}

// Details of the newest audit event with this action and outcome.
inline QJsonObject auditDetails(QSqlDatabase& db, const QString& action,
                                const QString& outcome = QStringLiteral("success"))
{
    const QString details = text(
        db,
        QStringLiteral("SELECT details FROM audit_events WHERE action = ? AND outcome = ? ORDER BY id DESC LIMIT 1"),
        { action, outcome });
    return QJsonDocument::fromJson(details.toUtf8()).object();
}

inline QString allAuditText(QSqlDatabase& db)
{
    QSqlQuery q(db);
    QString all;
    if (!q.exec(QStringLiteral("SELECT action, resource_id, details, actor_label FROM audit_events")))
        qFatal("cannot read the audit log");
    while (q.next())
        all += q.value(0).toString() + q.value(1).toString() + q.value(2).toString() + q.value(3).toString();
    return all;
}

inline const QString kSuccess = QStringLiteral("success");
inline const QString kDenied = QStringLiteral("denied");
constexpr qint64 Hour = 60 * 60 * 1000;

} // namespace portcullis::test
