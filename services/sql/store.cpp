#include "store.h"

#include "auditchain.h"
#include "auditkey.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLockFile>
#include <QLoggingCategory>
#include <QMutex>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTimeZone>

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Store)
};

} // namespace

namespace sqlutil {

QVariant nullableTime(const QDateTime& time)
{
    return time.isValid() ? QVariant(time.toMSecsSinceEpoch()) : QVariant(QMetaType::fromType<qint64>());
}

QDateTime timeFrom(const QVariant& value)
{
    if (value.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

QString toJsonArray(const QStringList& list)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(list)).toJson(QJsonDocument::Compact));
}

QStringList fromJsonArray(const QString& text)
{
    QStringList out;
    const QJsonArray array = QJsonDocument::fromJson(text.toUtf8()).array();
    for (const QJsonValue& value : array)
        out << value.toString();
    return out;
}

QString toJson(const QJsonObject& object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace sqlutil

using namespace sqlutil;

StoreCore::StoreCore(QSqlDatabase db, Dialect dialect)
    : m_db(std::move(db))
    , m_dialect(dialect)
    , m_auditKeyFile(auditkey::resolvePath({}, dialect, m_db.databaseName()))
{ }

void StoreCore::setAuditKeyFile(const QString& path)
{
    if (path == m_auditKeyFile)
        return;
    m_auditKeyFile = path;
    m_auditKey.fill('\0');
    m_auditKey.clear();
}

Result<QByteArray> StoreCore::auditKey(bool createIfMissing)
{
    if (!m_auditKey.isEmpty())
        return m_auditKey;
    if (m_auditKeyFile.isEmpty())
        return ServiceError::unavailable(
            Tr::tr("No audit key is configured: with PostgreSQL give the key file with --audit-key or in %1")
                .arg(QLatin1String(auditkey::kEnvironmentVariable)));
    auto loaded = auditkey::load(m_auditKeyFile);
    if (!loaded && loaded.error().code == ErrorCode::NotFound && createIfMissing) {
        // Only a chain without keyed events may get a new key; a keyed chain needs its own key back.
        QSqlQuery q(m_db);
        q.setForwardOnly(true);
        if (!q.exec(QStringLiteral("SELECT id, occurred_at, actor_type, actor_id, actor_label, organization_id, "
                                   "action, resource_type, resource_id, details, ip, outcome, prev_hash, hash "
                                   "FROM audit_events ORDER BY id DESC LIMIT 1")))
            return sqlError(q, Tr::tr("Reading the audit chain"));
        bool keyedChain = false;
        if (q.next()) {
            auditchain::Row row;
            row.id = q.value(0).toLongLong();
            row.occurredAtMs = q.value(1).toLongLong();
            row.actorType = q.value(2).toString();
            row.actorId = q.value(3).toLongLong();
            row.actorLabel = q.value(4).toString();
            row.organizationId = q.value(5).toLongLong();
            row.action = q.value(6).toString();
            row.resourceType = q.value(7).toString();
            row.resourceId = q.value(8).toString();
            row.details = q.value(9).toString();
            row.ip = q.value(10).toString();
            row.outcome = q.value(11).toString();
            keyedChain = auditchain::hash(q.value(12).toString().toLatin1(), row) != q.value(13).toString().toLatin1();
        }
        q.finish();
        if (keyedChain)
            return ServiceError::unavailable(
                Tr::tr("The audit key %1 is missing, but this audit log was written with a key; restore the key "
                       "file from a backup (nothing is written without it)")
                    .arg(m_auditKeyFile));
        loaded = auditkey::create(m_auditKeyFile);
        if (loaded)
            qCInfo(lcSql) << "created the audit key" << m_auditKeyFile;
    }
    if (!loaded) {
        ServiceError error = loaded.error();
        if (error.code == ErrorCode::NotFound || error.code == ErrorCode::Validation)
            error.code = ErrorCode::Unavailable;
        error.message = Tr::tr("Audit events cannot be written or checked: %1").arg(error.message);
        return error;
    }
    m_auditKey = *loaded;
    return m_auditKey;
}

qint64 StoreCore::now() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

// True when `db` no longer answers a trivial query (the server went away).
static bool connectionLost(const QSqlDatabase& db)
{
    QSqlQuery ping(db);
    if (ping.exec(QStringLiteral("SELECT 1")))
        return false;
    // A failed transaction refuses every statement (SQLSTATE 25P02) on a live connection; only
    // connection-class states, or none at all (libpq's own errors), mean the session is gone.
    const QString state = ping.lastError().nativeErrorCode();
    return state.isEmpty() || state.startsWith(QLatin1String("08")) || state.startsWith(QLatin1String("57P"));
}

namespace {

// What the driver's native error code says, for the failures callers act on. SQLite: Qt's driver
// reports the extended result code (2067 SQLITE_CONSTRAINT_UNIQUE, 1555 ..._PRIMARYKEY; the low byte
// is the primary code: 5 BUSY, 6 LOCKED, 11 CORRUPT, 26 NOTADB). PostgreSQL: the SQLSTATE (23505
// unique_violation, class 08 connection exception, 57P01-57P03 shut down or cannot connect now,
// 53300 too many connections, 55P03 lock not available, 40001/40P01 serialization failure and
// deadlock). Messages are never matched: they are translated and differ between versions.
ErrorReason reasonOf(Dialect dialect, const QString& nativeCode)
{
    if (dialect == Dialect::Sqlite) {
        bool ok = false;
        const int code = nativeCode.toInt(&ok);
        if (!ok)
            return ErrorReason::Unspecified;
        if (code == 2067 || code == 1555)
            return ErrorReason::Duplicate;
        switch (code & 0xff) {
        case 5:
        case 6:
            return ErrorReason::DatabaseLocked;
        case 11:
        case 26:
            return ErrorReason::DatabaseDamaged;
        default:
            return ErrorReason::Unspecified;
        }
    }
    if (nativeCode == u"23505")
        return ErrorReason::Duplicate;
    if (nativeCode.startsWith(u"08") || nativeCode.startsWith(u"57P") || nativeCode == u"53300")
        return ErrorReason::ConnectionLost;
    if (nativeCode == u"55P03" || nativeCode == u"40001" || nativeCode == u"40P01")
        return ErrorReason::DatabaseLocked;
    return ErrorReason::Unspecified;
}

} // namespace

ServiceError StoreCore::sqlError(const QSqlQuery& query, const QString& what) const
{
    const QSqlError error = query.lastError();
    QString text = error.databaseText().trimmed();
    if (text.isEmpty())
        text = error.driverText().trimmed();
    ErrorReason reason = reasonOf(m_dialect, error.nativeErrorCode());
    // libpq's own failures when the socket died carry no SQLSTATE: its messages are the only sign
    // (they are not translated: libpq's messages in the server's C locale).
    if (reason == ErrorReason::Unspecified && m_dialect == Dialect::Postgres && error.nativeErrorCode().isEmpty()) {
        const QString lower = text.toLower();
        if (lower.contains(QLatin1String("connection")) || lower.contains(QLatin1String("server closed"))
            || lower.contains(QLatin1String("could not receive data"))
            || lower.contains(QLatin1String("could not send data")) || lower.contains(QLatin1String("eof detected"))
            || lower.contains(QLatin1String("shutting down")))
            reason = ErrorReason::ConnectionLost;
    }
    // The PostgreSQL driver reports some failures on a connection that just died with no text at
    // all (BEGIN right after the server ended the session): whatever the message, a database that
    // no longer answers is unavailable (503, and the server reconnects), not a storage fault (500).
    if (reason == ErrorReason::Unspecified && connectionLost(m_db))
        reason = ErrorReason::ConnectionLost;
    switch (reason) {
    case ErrorReason::Duplicate:
        qCDebug(lcSql) << what << "refused a duplicate:" << text;
        return ServiceError::duplicate(Tr::tr("%1: a record with the same value already exists").arg(what));
    case ErrorReason::DatabaseLocked:
        qCWarning(lcSql) << what << "failed:" << text;
        return ServiceError::unavailable(
                   Tr::tr("%1: the database is locked by another program; try again in a moment").arg(what))
            .withReason(reason);
    case ErrorReason::DatabaseDamaged:
        qCWarning(lcSql) << what << "failed:" << text;
        return ServiceError::storage(Tr::tr("%1: the database file is damaged (%2)").arg(what, text))
            .withReason(reason);
    case ErrorReason::ConnectionLost:
        qCWarning(lcSql) << what << "failed:" << text;
        return ServiceError::unavailable(text.isEmpty()
                                             ? Tr::tr("%1: lost the connection to the database").arg(what)
                                             : Tr::tr("%1: lost the connection to the database (%2)").arg(what, text))
            .withReason(reason);
    default:
        qCWarning(lcSql) << what << "failed:" << text;
        return ServiceError::storage(QStringLiteral("%1: %2").arg(what, text));
    }
}

bool StoreCore::exec(QSqlQuery& query, const QString& sql, const QVariantList& values)
{
    if (!query.prepare(sql))
        return false;
    // A null QString would bind as SQL NULL; text columns hold '' instead. Intended NULLs are
    // passed as typed null QVariants (sqlutil::nullableTime and friends).
    static const QString empty = QStringLiteral("");
    for (const QVariant& value : values) {
        if (value.typeId() == QMetaType::QString && !value.isNull() && value.toString().isNull())
            query.addBindValue(empty);
        else
            query.addBindValue(value);
    }
    return query.exec();
}

StoreCore::PreparedRun StoreCore::execPrepared(const QString& sql, const QVariantList& values)
{
    std::shared_ptr<QSqlQuery> query = m_prepared.value(sql);
    // Still in use by a run of the same text (a nested call): that one keeps it; this call gets a
    // statement of its own, prepared for this once.
    if (query && query->isActive()) {
        auto own = std::make_shared<QSqlQuery>(m_db);
        own->setForwardOnly(true);
        if (!own->prepare(sql))
            return PreparedRun(own, false);
        query = std::move(own);
    } else if (!query) {
        query = std::make_shared<QSqlQuery>(m_db);
        query->setForwardOnly(true);
        if (!query->prepare(sql))
            return PreparedRun(query, false);
        // Each filter and sort combination is a text of its own: a bounded set, but keep it bounded.
        if (m_prepared.size() >= 256)
            m_prepared.clear();
        m_prepared.insert(sql, query);
    }
    static const QString empty = QStringLiteral("");
    for (int i = 0; i < values.size(); ++i) {
        const QVariant& value = values.at(i);
        if (value.typeId() == QMetaType::QString && !value.isNull() && value.toString().isNull())
            query->bindValue(i, empty);
        else
            query->bindValue(i, value);
    }
    Q_ASSERT(values.size() == query->boundValues().size()); // the same text always has the same placeholders
    const bool ok = query->exec();
    return PreparedRun(std::move(query), ok);
}

namespace {

// The jobs running in this process (for databases without a file, and so that two threads of one
// process never both take a lock file that QLockFile would hand to the same process twice).
QMutex g_exclusiveMutex;
QSet<QString> g_exclusiveJobs;

class LocalExclusive : public StoreCore::ExclusiveRun
{
public:
    explicit LocalExclusive(QString key)
        : m_key(std::move(key))
    { }
    ~LocalExclusive() override
    {
        QMutexLocker locker(&g_exclusiveMutex);
        g_exclusiveJobs.remove(m_key);
    }
    std::unique_ptr<QLockFile> file; // SQLite: held for the life of the run

private:
    QString m_key;
};

class AdvisoryExclusive : public StoreCore::ExclusiveRun
{
public:
    AdvisoryExclusive(QSqlDatabase db, QString job, std::unique_ptr<LocalExclusive> local)
        : m_db(std::move(db))
        , m_job(std::move(job))
        , m_local(std::move(local))
    { }
    ~AdvisoryExclusive() override
    {
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("SELECT pg_advisory_unlock(7433102, hashtext(?))"));
        q.addBindValue(m_job);
        q.exec(); // a dead connection has released it already
    }

private:
    QSqlDatabase m_db;
    QString m_job;
    std::unique_ptr<LocalExclusive> m_local;
};

} // namespace

Result<std::unique_ptr<StoreCore::ExclusiveRun>> StoreCore::tryExclusive(const QString& job, const QString& busyMessage)
{
    const QString file = m_dialect == Dialect::Sqlite ? m_db.databaseName() : QString();
    const bool onDisk = !file.isEmpty() && file != u":memory:" && !file.startsWith(u"file::memory:");
    const QString key = (m_dialect == Dialect::Sqlite ? (onDisk ? QFileInfo(file).absoluteFilePath() : QString())
                                                      : m_db.hostName() + u'/' + m_db.databaseName())
        + u'#' + job;
    {
        QMutexLocker locker(&g_exclusiveMutex);
        if (g_exclusiveJobs.contains(key))
            return ServiceError::conflict(busyMessage, ErrorReason::AlreadyRunning);
        g_exclusiveJobs.insert(key);
    }
    auto local = std::make_unique<LocalExclusive>(key);
    if (m_dialect == Dialect::Postgres) {
        // The two-key form: a lock space of its own, apart from the writers' transaction lock (7433101).
        QSqlQuery q(m_db);
        q.prepare(QStringLiteral("SELECT pg_try_advisory_lock(7433102, hashtext(?))"));
        q.addBindValue(job);
        if (!q.exec() || !q.next())
            return sqlError(q, Tr::tr("Locking the job \"%1\"").arg(job));
        if (!q.value(0).toBool())
            return ServiceError::conflict(busyMessage, ErrorReason::AlreadyRunning);
        return std::unique_ptr<ExclusiveRun>(new AdvisoryExclusive(m_db, job, std::move(local)));
    }
    if (onDisk) {
        local->file = std::make_unique<QLockFile>(file + u'.' + job + QStringLiteral(".lock"));
        local->file->setStaleLockTime(0); // a live holder may run for hours; only a dead one is stale
        if (!local->file->tryLock(0)) {
            if (local->file->error() == QLockFile::LockFailedError)
                return ServiceError::conflict(busyMessage, ErrorReason::AlreadyRunning);
            return ServiceError::storage(
                Tr::tr("Cannot create the lock file beside %1 for \"%2\"").arg(QFileInfo(file).fileName(), job));
        }
    }
    return std::unique_ptr<ExclusiveRun>(std::move(local));
}

Status StoreCore::begin()
{
    QSqlQuery q(m_db);
    if (m_dialect == Dialect::Sqlite) {
        if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
            return sqlError(q, Tr::tr("Starting a transaction"));
        return {};
    }
    if (!q.exec(QStringLiteral("BEGIN")))
        return sqlError(q, Tr::tr("Starting a transaction"));
    // One writer at a time across every process on this database keeps the audit chain linear.
    if (!q.exec(QStringLiteral("SELECT pg_advisory_xact_lock(7433101)"))) {
        const ServiceError error = sqlError(q, Tr::tr("Locking the audit chain"));
        rollback();
        return error;
    }
    return {};
}

Status StoreCore::commit()
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("COMMIT"))) {
        const ServiceError error = sqlError(q, Tr::tr("Saving the change"));
        rollback();
        return error;
    }
    return {};
}

void StoreCore::rollback()
{
    QSqlQuery q(m_db);
    q.exec(QStringLiteral("ROLLBACK"));
}

Status StoreCore::appendAudit(const Actor& actor, const QString& action, const QString& resourceType,
                              const QString& resourceId, Id organizationId, const QJsonObject& details,
                              const QString& outcome)
{
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")))
        return sqlError(q, Tr::tr("Reading the audit chain"));
    auditchain::Row row;
    QByteArray prev = auditchain::kGenesisHash;
    if (q.next()) {
        row.id = q.value(0).toLongLong() + 1;
        prev = q.value(1).toString().toLatin1();
    } else {
        // Everything purged: continue from the last purge anchor.
        if (!q.exec(QStringLiteral("SELECT purged_before_id, anchor_hash FROM audit_purges ORDER BY id DESC LIMIT 1")))
            return sqlError(q, Tr::tr("Reading the audit chain"));
        if (q.next()) {
            row.id = q.value(0).toLongLong();
            prev = q.value(1).toString().toLatin1();
        } else {
            row.id = 1;
        }
    }
    row.occurredAtMs = now();
    row.actorType = actor.typeName();
    row.actorId = actor.auditActorId();
    row.actorLabel = actor.email;
    row.organizationId = organizationId;
    row.action = action;
    row.resourceType = resourceType;
    row.resourceId = resourceId;
    QJsonObject allDetails = details;
    if (actor.kind == Actor::Kind::ApiKey)
        allDetails.insert(QStringLiteral("on_behalf_of_user_id"), QString::number(actor.userId));
    if (actor.impersonatorId != 0)
        allDetails.insert(QStringLiteral("impersonator_id"), QString::number(actor.impersonatorId));
    row.details = toJson(allDetails);
    row.ip = actor.ip;
    row.outcome = outcome;
    auto key = auditKey();
    if (!key)
        return key.error();
    const QByteArray hash = auditchain::keyedHash(*key, prev, row);
    if (!exec(q,
              QStringLiteral(
                  "INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, actor_label, "
                  "organization_id, action, resource_type, resource_id, details, ip, outcome, prev_hash, hash) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
              { row.id, row.occurredAtMs, row.actorType, row.actorId, row.actorLabel, row.organizationId, row.action,
                row.resourceType, row.resourceId, row.details, row.ip, row.outcome, QString::fromLatin1(prev),
                QString::fromLatin1(hash) }))
        return sqlError(q, Tr::tr("Writing the audit log"));
    return {};
}

Status StoreCore::appendBoundedAudit(const QString& source, const Actor& actor, const QString& action,
                                     const QString& resourceType, const QString& resourceId, Id organizationId,
                                     const QJsonObject& details, const QString& outcome)
{
    if (source.isEmpty())
        return appendAudit(actor, action, resourceType, resourceId, organizationId, details, outcome);
    // Every transaction holds the one writer lock (begin()), so reading and then writing the
    // counters here is not racy, on one server or several.
    const qint64 nowMs = now();
    const qint64 windowOpen = nowMs - qint64(auditbound::WindowSeconds) * 1000;
    QSqlQuery q(m_db);

    // Windows that are over and hid events: their summaries first (a few at a time).
    if (!exec(q,
              QStringLiteral("SELECT source, action, suppressed, first_suppressed_at, last_suppressed_at "
                             "FROM audit_throttle WHERE suppressed > 0 AND window_start <= ? LIMIT 20"),
              { windowOpen }))
        return sqlError(q, Tr::tr("Writing the audit log"));
    struct Pending
    {
        QString source;
        QString action;
        qint64 count;
        qint64 first;
        qint64 last;
    };
    QList<Pending> pending;
    while (q.next())
        pending.append({ q.value(0).toString(), q.value(1).toString(), q.value(2).toLongLong(), q.value(3).toLongLong(),
                         q.value(4).toLongLong() });
    q.finish();
    for (const Pending& p : std::as_const(pending)) {
        Actor summaryActor;
        summaryActor.kind = Actor::Kind::User;
        if (p.source.startsWith(QLatin1String("ip:")))
            summaryActor.ip = p.source.mid(3);
        const QJsonObject summary {
            { QStringLiteral("summary"), true },
            { QStringLiteral("count"), p.count },
            { QStringLiteral("first_at"), timeFrom(p.first).toString(Qt::ISODateWithMs) },
            { QStringLiteral("last_at"), timeFrom(p.last).toString(Qt::ISODateWithMs) },
            { QStringLiteral("source"), p.source },
            { QStringLiteral("reason"), QStringLiteral("repeated refusals from one source, counted, not each written") }
        };
        if (auto a = appendAudit(summaryActor, p.action, QString(), QString(), 0, summary, QStringLiteral("denied"));
            !a)
            return a;
        if (!exec(q, QStringLiteral("UPDATE audit_throttle SET suppressed = 0 WHERE source = ? AND action = ?"),
                  { p.source, p.action }))
            return sqlError(q, Tr::tr("Writing the audit log"));
    }

    if (!exec(q, QStringLiteral("SELECT window_start, events FROM audit_throttle WHERE source = ? AND action = ?"),
              { source, action }))
        return sqlError(q, Tr::tr("Writing the audit log"));
    const bool known = q.next();
    const bool open = known && q.value(0).toLongLong() > windowOpen;
    const int events = open ? q.value(1).toInt() + 1 : 1;
    q.finish();
    bool ok = true;
    if (!known)
        ok = exec(
            q, QStringLiteral("INSERT INTO audit_throttle (source, action, window_start, events) VALUES (?, ?, ?, 1)"),
            { source, action, nowMs });
    else if (!open)
        ok = exec(q,
                  // A count not yet summarised (more windows were pending than one call writes)
                  // stays and is summarised with this window's.
                  QStringLiteral("UPDATE audit_throttle SET window_start = ?, events = 1 "
                                 "WHERE source = ? AND action = ?"),
                  { nowMs, source, action });
    else if (events <= auditbound::FullEvents)
        ok = exec(q, QStringLiteral("UPDATE audit_throttle SET events = ? WHERE source = ? AND action = ?"),
                  { events, source, action });
    else
        ok = exec(q,
                  QStringLiteral("UPDATE audit_throttle SET events = ?, "
                                 "first_suppressed_at = CASE WHEN suppressed = 0 THEN ? ELSE first_suppressed_at END, "
                                 "suppressed = suppressed + 1, last_suppressed_at = ? WHERE source = ? AND action = ?"),
                  { events, nowMs, nowMs, source, action });
    if (!ok)
        return sqlError(q, Tr::tr("Writing the audit log"));
    if (events > auditbound::FullEvents)
        return {};
    return appendAudit(actor, action, resourceType, resourceId, organizationId, details, outcome);
}

ServiceError StoreCore::denyBounded(const QString& source, const Actor& actor, const AuditTarget& target,
                                    const QString& reason)
{
    QJsonObject details { { QStringLiteral("reason"), reason } };
    auto written = inTransaction<bool>([&]() -> Result<bool> {
        if (auto s = appendBoundedAudit(source, actor, target.action, target.resourceType, target.resourceId,
                                        actor.organizationId, details, QStringLiteral("denied"));
            !s)
            return s.error();
        return true;
    });
    if (!written)
        qCWarning(lcSql) << "could not audit a denial of" << target.action << ":" << written.error().message;
    return ServiceError::forbidden(reason);
}

ServiceError StoreCore::deny(const Actor& actor, const AuditTarget& target, const QString& reason)
{
    // Whatever the target, a refusal is the actor's doing: it is recorded where the actor lives.
    // Recording it in the target's organization let anyone write events into another tenant's log.
    QJsonObject details { { QStringLiteral("reason"), reason } };
    if (actor.isSuperAdmin() && target.organizationId != 0 && target.organizationId != actor.organizationId)
        details.insert(QStringLiteral("target_organization_id"), target.organizationId);
    auto written = inTransaction<bool>([&]() -> Result<bool> {
        if (auto s = appendAudit(actor, target.action, target.resourceType, target.resourceId, actor.organizationId,
                                 details, QStringLiteral("denied"));
            !s)
            return s.error();
        return true;
    });
    if (!written)
        qCWarning(lcSql) << "could not audit a denial of" << target.action << ":" << written.error().message;
    return ServiceError::forbidden(reason);
}

bool StoreCore::canSee(const Actor& actor, Id organizationId)
{
    return actor.isSuperAdmin() || organizationId == 0 || organizationId == actor.organizationId;
}

ServiceError StoreCore::notFound(Resource kind, const QString& key)
{
    switch (kind) {
    case Resource::User:
        return ServiceError::notFound(Tr::tr("No user with id %1").arg(key));
    case Resource::Role:
        return ServiceError::notFound(Tr::tr("No role with id %1").arg(key));
    case Resource::RoleCode:
        return ServiceError::notFound(Tr::tr("No role with code %1").arg(key));
    case Resource::Organization:
        return ServiceError::notFound(Tr::tr("No organization with id %1").arg(key));
    case Resource::Session:
        return ServiceError::notFound(Tr::tr("No session with id %1").arg(key));
    case Resource::ApiKey:
        return ServiceError::notFound(Tr::tr("No API key with id %1").arg(key));
    case Resource::Invitation:
        return ServiceError::notFound(Tr::tr("No invitation with id %1").arg(key));
    case Resource::AuditEvent:
        return ServiceError::notFound(Tr::tr("No audit event #%1").arg(key));
    case Resource::PermissionCode:
        return ServiceError::notFound(Tr::tr("No permission code %1").arg(key));
    }
    return ServiceError::notFound(key);
}

Status StoreCore::requireVisible(const Actor& actor, bool found, Id organizationId, Resource kind, const QString& key,
                                 const QString& action)
{
    if (found && canSee(actor, organizationId))
        return {};
    const ServiceError missing = notFound(kind, key);
    if (!actor.isSuperAdmin()) {
        // Audited alike whether the row is missing or another tenant's, so that not even the
        // actor's own audit log tells the two apart.
        static const QHash<Resource, QString> types {
            { Resource::User, QStringLiteral("user") },
            { Resource::Role, QStringLiteral("role") },
            { Resource::RoleCode, QStringLiteral("role") },
            { Resource::Organization, QStringLiteral("organization") },
            { Resource::Session, QStringLiteral("session") },
            { Resource::ApiKey, QStringLiteral("api_key") },
            { Resource::Invitation, QStringLiteral("invitation") },
            { Resource::AuditEvent, QStringLiteral("audit") },
            { Resource::PermissionCode, QStringLiteral("permission") },
        };
        deny(actor, { action, types.value(kind), key, actor.organizationId }, missing.message);
    }
    return missing;
}

Result<User> StoreCore::userFor(const Actor& actor, Id userId, const QString& action)
{
    auto user = loadUser(userId);
    if (!user && user.error().code != ErrorCode::NotFound)
        return user.error();
    if (auto visible = requireVisible(actor, user.ok(), user ? user->organizationId : 0, Resource::User,
                                      QString::number(userId), action);
        !visible)
        return visible.error();
    return user;
}

Result<Role> StoreCore::roleFor(const Actor& actor, Id roleId, const QString& action)
{
    auto role = loadRoleById(roleId);
    if (!role && role.error().code != ErrorCode::NotFound)
        return role.error();
    if (auto visible = requireVisible(actor, role.ok(), role ? role->organizationId : 0, Resource::Role,
                                      QString::number(roleId), action);
        !visible)
        return visible.error();
    return role;
}

Result<Role> StoreCore::roleFor(const Actor& actor, const QString& code, const QString& action)
{
    auto role = loadRole(code);
    if (!role && role.error().code != ErrorCode::NotFound)
        return role.error();
    if (auto visible
        = requireVisible(actor, role.ok(), role ? role->organizationId : 0, Resource::RoleCode, code.left(200), action);
        !visible)
        return visible.error();
    return role;
}

Result<Organization> StoreCore::organizationFor(const Actor& actor, Id organizationId, const QString& action)
{
    // An organization is its own tenant; 0 names none (canSee() would read it as global).
    auto organization = organizationId > 0
        ? loadOrganization(organizationId)
        : Result<Organization>(notFound(Resource::Organization, QStringLiteral("0")));
    if (!organization && organization.error().code != ErrorCode::NotFound)
        return organization.error();
    if (auto visible = requireVisible(actor, organization.ok(), organizationId, Resource::Organization,
                                      QString::number(organizationId), action);
        !visible)
        return visible.error();
    return organization;
}

QString StoreCore::groupConcat(const QString& expression) const
{
    return m_dialect == Dialect::Sqlite ? QStringLiteral("group_concat(%1, ',')").arg(expression)
                                        : QStringLiteral("string_agg(%1, ',')").arg(expression);
}

QString StoreCore::indexedBy(const QString& index) const
{
    return m_dialect == Dialect::Sqlite ? QStringLiteral(" INDEXED BY ") + index : QString();
}

QString StoreCore::likeOperator() const
{
    return m_dialect == Dialect::Sqlite ? QStringLiteral("LIKE") : QStringLiteral("ILIKE");
}

namespace {

const QString kUserColumns = QStringLiteral(
    "u.id, u.email, u.username, u.full_name, u.organization_id, u.active, u.verified, u.deleted, u.ban_reason, "
    "u.ban_expires_at, u.banned_by, u.failed_logins, u.locked_until, u.last_login_at, u.created_at, u.version");

} // namespace

// Shared with users.cpp: the user columns plus the user's roles in one query. The roles come as
// "code:level" pairs from one subquery (codes match ^[a-z][a-z0-9_]+$, so ':' and ',' cannot occur
// in them): one index walk per row instead of one for the codes and another for the highest level.
QString userSelect(const StoreCore& core, const QString& from, const QString& extraColumn)
{
    return QStringLiteral("SELECT ") + kUserColumns + QStringLiteral(", (SELECT ")
        + core.groupConcat(QStringLiteral("r.code || ':' || r.level"))
        + QStringLiteral(" FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = u.id) AS roles")
        + (extraColumn.isEmpty() ? QString() : QStringLiteral(", ") + extraColumn) + QStringLiteral(" FROM ") + from;
}

Result<BoundedTotal> countBounded(StoreCore& core, const QString& sql, const QVariantList& values, bool prepared,
                                  const QString& what)
{
    // The inner LIMIT stops the scan at the first ExactTotalBound + 1 matches, whatever the plan.
    const QString bounded = QStringLiteral("SELECT COUNT(*) FROM (") + sql + QStringLiteral(" LIMIT ")
        + QString::number(limits::ExactTotalBound + 1) + QStringLiteral(") AS bounded");
    BoundedTotal result;
    auto read = [&](QSqlQuery& q) -> Status {
        if (!q.next())
            return core.sqlError(q, what);
        const qint64 count = q.value(0).toLongLong();
        result.isLowerBound = count > limits::ExactTotalBound;
        result.total = std::min<qint64>(count, limits::ExactTotalBound);
        return {};
    };
    if (prepared) {
        auto run = core.execPrepared(bounded, values);
        if (!run.ok())
            return core.sqlError(run.query(), what);
        if (auto done = read(run.query()); !done)
            return done.error();
        return result;
    }
    QSqlQuery q(core.db());
    if (!core.exec(q, bounded, values))
        return core.sqlError(q, what);
    if (auto done = read(q); !done)
        return done.error();
    return result;
}

User userFromQuery(const QSqlQuery& q)
{
    User u;
    u.id = q.value(0).toLongLong();
    u.email = q.value(1).toString();
    u.username = q.value(2).toString();
    u.fullName = q.value(3).toString();
    u.organizationId = q.value(4).toLongLong();
    u.active = q.value(5).toInt() != 0;
    u.verified = q.value(6).toInt() != 0;
    u.deleted = q.value(7).toInt() != 0;
    u.banReason = q.value(8).toString();
    u.banExpiresAt = timeFrom(q.value(9));
    u.bannedBy = q.value(10).toLongLong();
    u.failedLogins = q.value(11).toInt();
    u.lockedUntil = timeFrom(q.value(12));
    u.lastLoginAt = timeFrom(q.value(13));
    u.createdAt = timeFrom(q.value(14));
    u.version = q.value(15).toLongLong();
    const QString roles = q.value(16).toString();
    for (QStringView pair : QStringView(roles).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const qsizetype colon = pair.lastIndexOf(QLatin1Char(':'));
        if (colon <= 0)
            continue;
        u.roleCodes << pair.left(colon).toString();
        u.highestLevel = std::max(u.highestLevel, pair.mid(colon + 1).toInt());
    }
    u.roleCodes.sort();
    return u;
}

Result<User> StoreCore::loadUser(Id id)
{
    QSqlQuery q(m_db);
    if (!exec(q, userSelect(*this) + QStringLiteral(" WHERE u.id = ?"), { id }))
        return sqlError(q, Tr::tr("Loading a user"));
    if (!q.next())
        return notFound(Resource::User, QString::number(id));
    return userFromQuery(q);
}

Result<User> StoreCore::loadUserByLogin(const QString& emailOrUsername, QString* passwordHash)
{
    QSqlQuery q(m_db);
    const QString login = emailOrUsername.trimmed();
    const bool byEmail = login.contains(QLatin1Char('@'));
    const QString sql = userSelect(*this)
        + (byEmail ? QStringLiteral(" WHERE u.email = ?") : QStringLiteral(" WHERE u.username = ?"));
    if (!exec(q, sql, { byEmail ? login.toLower() : login }))
        return sqlError(q, Tr::tr("Looking up the account"));
    if (!q.next())
        return ServiceError::notFound(Tr::tr("No such account"));
    User user = userFromQuery(q);
    if (passwordHash) {
        QSqlQuery h(m_db);
        if (!exec(h, QStringLiteral("SELECT password_hash FROM users WHERE id = ?"), { user.id }) || !h.next())
            return sqlError(h, Tr::tr("Looking up the account"));
        *passwordHash = h.value(0).toString();
    }
    return user;
}

Role roleFromQuery(const QSqlQuery& q)
{
    Role r;
    r.id = q.value(0).toLongLong();
    r.code = q.value(1).toString();
    r.name = q.value(2).toString();
    r.description = q.value(3).toString();
    r.level = q.value(4).toInt();
    r.builtIn = q.value(5).toInt() != 0;
    r.organizationId = q.value(6).toLongLong();
    const QString permissions = q.value(7).toString();
    r.permissions = permissions.isEmpty() ? QStringList() : permissions.split(QLatin1Char(','));
    r.permissions.sort();
    const QString grants = q.value(8).toString();
    r.grants = grants.isEmpty() ? QStringList() : grants.split(QLatin1Char(','));
    r.grants.sort();
    return r;
}

QString roleSelect(const StoreCore& core)
{
    return QStringLiteral(
               "SELECT r.id, r.code, r.name, r.description, r.level, r.built_in, r.organization_id, (SELECT ")
        + core.groupConcat(QStringLiteral("rp.permission_code"))
        + QStringLiteral(" FROM role_permissions rp WHERE rp.role_id = r.id), (SELECT ")
        + core.groupConcat(QStringLiteral("rg.grantable_role_code"))
        + QStringLiteral(" FROM role_grants rg WHERE rg.role_id = r.id) FROM roles r");
}

QList<Role> rolesFromQuery(QSqlQuery& q)
{
    QList<Role> roles;
    while (q.next())
        roles << roleFromQuery(q);
    return roles;
}

Result<Role> StoreCore::loadRole(const QString& code)
{
    QSqlQuery q(m_db);
    if (!exec(q, roleSelect(*this) + QStringLiteral(" WHERE r.code = ?"), { code }))
        return sqlError(q, Tr::tr("Loading a role"));
    if (!q.next())
        return notFound(Resource::RoleCode, code);
    return roleFromQuery(q);
}

Result<Role> StoreCore::loadRoleById(Id id)
{
    QSqlQuery q(m_db);
    if (!exec(q, roleSelect(*this) + QStringLiteral(" WHERE r.id = ?"), { id }))
        return sqlError(q, Tr::tr("Loading a role"));
    if (!q.next())
        return notFound(Resource::Role, QString::number(id));
    return roleFromQuery(q);
}

QList<Role> StoreCore::loadRolesOfUser(Id userId)
{
    QSqlQuery q(m_db);
    if (!exec(
            q,
            roleSelect(*this)
                + QStringLiteral(" JOIN user_roles ur ON ur.role_id = r.id WHERE ur.user_id = ? ORDER BY r.level DESC"),
            { userId }))
        return {};
    return rolesFromQuery(q);
}

Organization organizationFromQuery(const QSqlQuery& q)
{
    Organization o;
    o.id = q.value(0).toLongLong();
    o.name = q.value(1).toString();
    o.slug = q.value(2).toString();
    o.plan = q.value(3).toString();
    o.maxUsers = q.value(4).toInt();
    o.features = fromJsonArray(q.value(5).toString());
    o.active = q.value(6).toInt() != 0;
    o.createdAt = timeFrom(q.value(7));
    o.userCount = q.value(8).toLongLong();
    o.pendingInvitations = q.value(9).toLongLong();
    return o;
}

QString organizationSelect(qint64 now)
{
    // The pending invitations as seatsTaken() counts them against the limit (StoreCore::seatsTaken).
    return QStringLiteral("SELECT o.id, o.name, o.slug, o.plan, o.max_users, o.features, o.active, o.created_at, "
                          "(SELECT COUNT(*) FROM users u WHERE u.organization_id = o.id AND u.deleted = 0), "
                          "(SELECT COUNT(*) FROM invitations i WHERE i.organization_id = o.id AND "
                          "i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > %1) "
                          "FROM organizations o")
        .arg(now);
}

Result<Organization> StoreCore::loadOrganization(Id id)
{
    QSqlQuery q(m_db);
    if (!exec(q, organizationSelect(now()) + QStringLiteral(" WHERE o.id = ?"), { id }))
        return sqlError(q, Tr::tr("Loading an organization"));
    if (!q.next())
        return notFound(Resource::Organization, QString::number(id));
    return organizationFromQuery(q);
}

Result<QSet<QString>> StoreCore::loadOrganizationCodes(Id organizationId)
{
    QSet<QString> codes;
    if (organizationId <= 0)
        return codes;
    QSqlQuery q(m_db);
    if (!exec(q, QStringLiteral("SELECT code FROM organization_permissions WHERE organization_id = ?"),
              { organizationId }))
        return sqlError(q, Tr::tr("Loading the organization's permission codes"));
    while (q.next())
        codes.insert(q.value(0).toString());
    return codes;
}

Result<Actor> StoreCore::actorForUser(Id userId)
{
    auto user = loadUser(userId);
    if (!user)
        return user.error();
    Actor actor;
    actor.kind = Actor::Kind::User;
    actor.userId = user->id;
    actor.organizationId = user->organizationId;
    actor.email = user->email;
    const QList<Role> roles = loadRolesOfUser(userId);
    for (const Role& role : roles) {
        actor.roleCodes << role.code;
        actor.level = std::max(actor.level, role.level);
    }
    actor.permissions = policy::effectivePermissions(roles);
    return actor;
}

QString accountStateColumns()
{
    return QStringLiteral(
        "u.id, u.deleted, u.active, u.ban_reason, u.ban_expires_at, u.locked_until, o.active, o.name");
}

policy::AccountState accountStateFromQuery(const QSqlQuery& q, int first)
{
    policy::AccountState state;
    state.userId = q.value(first).toLongLong();
    state.deleted = q.value(first + 1).toInt() != 0;
    state.active = q.value(first + 2).toInt() != 0;
    state.banReason = q.value(first + 3).toString();
    state.banExpiresAt = timeFrom(q.value(first + 4));
    state.lockedUntil = timeFrom(q.value(first + 5));
    // A user without an organization (LEFT JOIN) has no organization that could be suspended.
    state.organizationActive = q.value(first + 6).isNull() || q.value(first + 6).toInt() != 0;
    state.organizationName = q.value(first + 7).toString();
    return state;
}

Result<policy::AccountState> StoreCore::loadSignInState(Id userId, Id sessionId)
{
    const bool withSession = sessionId != 0;
    const QString sql = QStringLiteral("SELECT ") + accountStateColumns()
        + (withSession ? QStringLiteral(", s.revoked_at, s.expires_at, s.user_id FROM users u "
                                        "LEFT JOIN organizations o ON o.id = u.organization_id "
                                        "LEFT JOIN sessions s ON s.id = ? WHERE u.id = ?")
                       : QStringLiteral(" FROM users u LEFT JOIN organizations o ON o.id = u.organization_id "
                                        "WHERE u.id = ?"));
    auto run = execPrepared(sql, withSession ? QVariantList { sessionId, userId } : QVariantList { userId });
    if (!run.ok())
        return sqlError(run.query(), Tr::tr("Checking the account"));
    if (!run.query().next())
        return ServiceError::notFound(Tr::tr("No user with id %1").arg(userId));
    policy::AccountState state = accountStateFromQuery(run.query(), 0);
    if (withSession) {
        const QSqlQuery& q = run.query();
        // A session that does not exist, or belongs to someone else, is as good as revoked.
        state.credentialRevoked = !q.value(8).isNull() || q.value(10).isNull() || q.value(10).toLongLong() != userId;
        state.credentialExpiresAt = timeFrom(q.value(9));
    }
    return state;
}

Result<qint64> StoreCore::seatsTaken(Id organizationId, Seats count)
{
    // The users: the per-organization count of users not deleted that the triggers of migration 3
    // keep in the same transaction as every users write (one row, where counting a large tenant's
    // users on every create read 186,000 rows at a million users).
    QSqlQuery q(m_db);
    const QString users = QStringLiteral("SELECT COALESCE((SELECT user_count FROM organizations WHERE id = ?), 0)");
    const bool ok = count == Seats::UsersOnly
        ? exec(q, users, { organizationId })
        : exec(q,
               QStringLiteral("SELECT (SELECT COALESCE((SELECT user_count FROM organizations WHERE id = ?), 0)) + "
                              "(SELECT COUNT(*) FROM invitations WHERE organization_id = ? AND "
                              "accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?)"),
               { organizationId, organizationId, now() });
    if (!ok || !q.next())
        return sqlError(q, Tr::tr("Counting the users of the organization"));
    return q.value(0).toLongLong();
}

Result<int> StoreCore::reservePasswordCheck(Id userId)
{
    // One statement, so concurrent attempts (threads, or several servers on one PostgreSQL) each get
    // their own number: the database serializes the increments.
    QSqlQuery q(m_db);
    const qint64 nowMs = now();
    if (!exec(q,
              QStringLiteral("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? AND "
                             "(locked_until IS NULL OR locked_until <= ?) RETURNING failed_logins"),
              { userId, nowMs }))
        return sqlError(q, Tr::tr("Recording the failed sign-in"));
    const int number = q.next() ? q.value(0).toInt() : 0;
    q.finish();
    // Beyond the limit, other attempts in flight hold the remaining checks: as good as locked.
    return number > settings().lockoutThreshold ? 0 : number;
}

Status StoreCore::clearFailedPasswords(Id userId)
{
    QSqlQuery q(m_db);
    if (!exec(q, QStringLiteral("UPDATE users SET failed_logins = 0 WHERE id = ?"), { userId }))
        return sqlError(q, Tr::tr("Recording the sign-in"));
    return {};
}

Result<QDateTime> StoreCore::recordFailedPassword(const Actor& attempt, const User& user, const QString& action,
                                                  const QString& reason, int reserved, const QString& auditSource)
{
    QDateTime lockedUntil;
    auto counted = inTransaction<int>([&]() -> Result<int> {
        QSqlQuery q(m_db);
        // Count in the database, not in memory, so several servers share one lockout; one
        // UPDATE ... RETURNING, so concurrent failures each count.
        int failures = reserved;
        if (failures <= 0) {
            if (!exec(q,
                      QStringLiteral(
                          "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins"),
                      { user.id })
                || !q.next())
                return sqlError(q, Tr::tr("Recording the failed sign-in"));
            failures = q.value(0).toInt();
            q.finish();
        }
        QJsonObject details { { QStringLiteral("reason"), reason }, { QStringLiteral("failed_attempts"), failures } };
        const DeploymentSettings effective = settings();
        if (failures >= effective.lockoutThreshold) {
            lockedUntil = timeFrom(now()).addSecs(qint64(effective.lockoutMinutes) * 60);
            if (!exec(q, QStringLiteral("UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?"),
                      { lockedUntil.toMSecsSinceEpoch(), user.id }))
                return sqlError(q, Tr::tr("Locking the account"));
            details.insert(QStringLiteral("locked_until"), lockedUntil.toString(Qt::ISODate));
        }
        if (auto a = appendBoundedAudit(auditSource, attempt, action, QStringLiteral("user"), QString::number(user.id),
                                        user.organizationId, details, QStringLiteral("denied"));
            !a)
            return a.error();
        if (lockedUntil.isValid()) {
            if (auto a = appendBoundedAudit(auditSource, attempt, actions::UserLocked, QStringLiteral("user"),
                                            QString::number(user.id), user.organizationId,
                                            { { QStringLiteral("locked_until"), lockedUntil.toString(Qt::ISODate) } },
                                            QStringLiteral("success"));
                !a)
                return a.error();
        }
        return failures;
    });
    if (!counted)
        return counted.error();
    return lockedUntil;
}

Result<int> StoreCore::revokeApiKeysOf(Id userId)
{
    QSqlQuery q(m_db);
    if (!exec(q, QStringLiteral("UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"),
              { now(), userId }))
        return sqlError(q, Tr::tr("Revoking the user's API keys"));
    return q.numRowsAffected();
}

Result<policy::Eligibility> StoreCore::signInEligibility(Id userId, policy::Credential via, Id sessionId)
{
    auto state = loadSignInState(userId, sessionId);
    if (!state)
        return state.error();
    return policy::signInEligibility(*state, via, timeFrom(now()));
}

SqlStore::SqlStore(QSqlDatabase db, Dialect dialect)
    : m_core(std::move(db), dialect)
    , m_users(m_core)
    , m_roles(m_core)
    , m_permissions(m_core)
    , m_sessions(m_core)
    , m_apiKeys(m_core)
    , m_organizations(m_core)
    , m_tokens(m_core)
    , m_audit(m_core)
    , m_stats(m_core)
    , m_auth(m_core)
    , m_settings(m_core)
    , m_maintenance(m_core)
{ }

Status SqlStore::prepare()
{
    auto migrated = migrate(m_core.db(), m_core.dialect());
    if (!migrated)
        return migrated.error();
    return m_roles.seedCatalog();
}

} // namespace portcullis
