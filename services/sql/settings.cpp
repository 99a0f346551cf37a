// Deployment settings (SettingsManager, StoreCore::settings) and maintenance (MaintenanceManager).

#include "store.h"

#include "policy/catalog.h"
#include "policy/settings.h"
#include "rows.h"

#include <QCoreApplication>
#include <QHash>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>
#include <QSet>
#include <QSqlQuery>

namespace portcullis {

using namespace sqlutil;

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Settings)
};

// The settings of every database this process uses, shared by all its connections (threads): one
// read of the small table per database and settingsCacheMs, however many requests.
struct SettingsCache
{
    struct Entry
    {
        DeploymentSettings values;
        qint64 loadedAtMs = 0;
    };
    QMutex mutex;
    QHash<QString, Entry> entries;
    QSet<QString> warned; // "database|name|value": each bad stored value is reported once
};

SettingsCache& settingsCache()
{
    static SettingsCache cache;
    return cache;
}

QString databaseKey(const QSqlDatabase& db)
{
    return db.driverName() + u'|' + db.hostName() + u':' + QString::number(db.port()) + u'/' + db.databaseName();
}

void warnOnce(const QString& key, const QString& message)
{
    SettingsCache& cache = settingsCache();
    {
        QMutexLocker lock(&cache.mutex);
        if (cache.warned.contains(key))
            return;
        cache.warned.insert(key);
    }
    qCWarning(lcSql).noquote() << message;
}

// A stored value as the number a setting holds: integers as written, switches also as true/false.
std::optional<qint64> parseStored(const policy::SettingSpec& spec, const QString& text)
{
    const QString value = text.trimmed().toLower();
    if (spec.unit == policy::SettingSpec::Unit::Switch) {
        if (value == u"true" || value == u"on")
            return 1;
        if (value == u"false" || value == u"off")
            return 0;
    }
    bool ok = false;
    const qint64 number = value.toLongLong(&ok);
    if (!ok || !spec.inRange(number))
        return std::nullopt;
    return number;
}

QJsonObject settingsChanges(const DeploymentSettings& before, const DeploymentSettings& after)
{
    QJsonObject changes;
    for (const policy::SettingSpec& spec : policy::settingSpecs()) {
        const qint64 old = spec.get(before);
        const qint64 now = spec.get(after);
        if (old != now)
            changes.insert(spec.name, QJsonObject { { QStringLiteral("old"), old }, { QStringLiteral("new"), now } });
    }
    return changes;
}

} // namespace

// --- StoreCore: the effective settings ------------------------------------------------------------

Result<DeploymentSettings> StoreCore::loadSettings()
{
    QSqlQuery q(m_db);
    if (!exec(q, QStringLiteral("SELECT name, value FROM deployment_settings")))
        return sqlError(q, Tr::tr("Reading the deployment settings"));
    DeploymentSettings settings;
    const QString key = databaseKey(m_db);
    while (q.next()) {
        const QString name = q.value(0).toString();
        const QString text = q.value(1).toString();
        const policy::SettingSpec* spec = policy::settingSpec(name);
        if (!spec) {
            warnOnce(key + u'|' + name + u'|' + text,
                     QStringLiteral("deployment_settings: unknown setting \"%1\" ignored").arg(name));
            continue;
        }
        const std::optional<qint64> value = parseStored(*spec, text);
        if (!value) {
            warnOnce(key + u'|' + name + u'|' + text,
                     QStringLiteral("deployment_settings: %1 = \"%2\" is not valid (%3 to %4); the default %5 applies")
                         .arg(name, text.left(40))
                         .arg(spec->minimum)
                         .arg(spec->maximum)
                         .arg(spec->defaultValue()));
            continue;
        }
        spec->set(settings, *value);
    }
    q.finish();
    if (qint64(settings.refreshTokenHours) * 60 < settings.accessTokenMinutes) {
        warnOnce(key + QStringLiteral("|token-lifetimes|") + QString::number(settings.refreshTokenHours) + u'/'
                     + QString::number(settings.accessTokenMinutes),
                 QStringLiteral("deployment_settings: refresh_token_hours is shorter than access_token_minutes; the "
                                "defaults of both apply"));
        const DeploymentSettings defaults;
        settings.refreshTokenHours = defaults.refreshTokenHours;
        settings.accessTokenMinutes = defaults.accessTokenMinutes;
    }
    return settings;
}

DeploymentSettings StoreCore::settings()
{
    SettingsCache& cache = settingsCache();
    const QString key = databaseKey(m_db);
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    {
        QMutexLocker lock(&cache.mutex);
        const auto found = cache.entries.constFind(key);
        if (found != cache.entries.constEnd() && nowMs - found->loadedAtMs < settingsCacheMs)
            return found->values;
    }
    auto loaded = loadSettings();
    QMutexLocker lock(&cache.mutex);
    if (!loaded) {
        // The database did not answer: the last values known, else the defaults; not cached, so the
        // next call tries again.
        qCWarning(lcSql) << "deployment settings not readable:" << loaded.error().message;
        const auto found = cache.entries.constFind(key);
        return found != cache.entries.constEnd() ? found->values : DeploymentSettings {};
    }
    cache.entries.insert(key, { *loaded, nowMs });
    return *loaded;
}

void StoreCore::forgetSettings()
{
    SettingsCache& cache = settingsCache();
    QMutexLocker lock(&cache.mutex);
    cache.entries.remove(databaseKey(m_db));
}

// --- SettingsManager ------------------------------------------------------------------------------

Result<DeploymentSettings> SettingsManager::get(const Actor& actor)
{
    const Audited op(m_core, actor, actions::SettingsViewed, QStringLiteral("settings"));
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can see the deployment settings"));
    return m_core.loadSettings();
}

Result<DeploymentSettings> SettingsManager::update(const Actor& actor, const SettingsChange& change)
{
    // Settings are global: the event belongs to no organization.
    const Audited op(m_core, actor, actions::SettingsUpdated, QStringLiteral("settings"));
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can change the deployment settings"));
    auto result = m_core.inTransaction<DeploymentSettings>([&]() -> Result<DeploymentSettings> {
        auto current = m_core.loadSettings();
        if (!current)
            return current.error();
        auto next = policy::applySettingsChange(*current, change);
        if (!next)
            return next.error();
        const QJsonObject changes = settingsChanges(*current, *next);
        if (changes.isEmpty())
            return *next; // nothing changed, nothing to record
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        for (const policy::SettingSpec& spec : policy::settingSpecs()) {
            const qint64 value = spec.get(*next);
            if (value == spec.get(*current))
                continue;
            // The default is no row: "Restore defaults" leaves the table as a new deployment has it.
            const bool ok = value == spec.defaultValue()
                ? m_core.exec(q, QStringLiteral("DELETE FROM deployment_settings WHERE name = ?"), { spec.name })
                : m_core.exec(q,
                              QStringLiteral("INSERT INTO deployment_settings (name, value, updated_at, updated_by) "
                                             "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                                             "value = excluded.value, updated_at = excluded.updated_at, "
                                             "updated_by = excluded.updated_by"),
                              { spec.name, QString::number(value), now, actor.userId });
            if (!ok)
                return m_core.sqlError(q, Tr::tr("Saving the deployment settings"));
        }
        if (auto audited = op.succeed({ { QStringLiteral("changes"), changes } }); !audited)
            return audited.error();
        return *next;
    });
    if (result)
        m_core.forgetSettings();
    return result;
}

// --- MaintenanceManager ---------------------------------------------------------------------------

namespace {

const QString kRunSelect = QStringLiteral(
    "SELECT id, started_at, finished_at, source, actor_id, sessions_removed, tokens_removed, invitations_removed, "
    "audit_events_removed, error FROM maintenance_runs");

MaintenanceRun runFromQuery(const QSqlQuery& q)
{
    MaintenanceRun run;
    run.id = q.value(0).toLongLong();
    run.startedAt = timeFrom(q.value(1));
    run.finishedAt = timeFrom(q.value(2));
    run.source = q.value(3).toString();
    run.actorId = q.value(4).toLongLong();
    run.sessionsRemoved = q.value(5).toLongLong();
    run.tokensRemoved = q.value(6).toLongLong();
    run.invitationsRemoved = q.value(7).toLongLong();
    run.auditEventsRemoved = q.value(8).toLongLong();
    run.error = q.value(9).toString();
    return run;
}

QJsonObject runDetails(const MaintenanceRun& run)
{
    QJsonObject details { { QStringLiteral("run_id"), run.id },
                          { QStringLiteral("source"), run.source },
                          { QStringLiteral("sessions_removed"), run.sessionsRemoved },
                          { QStringLiteral("tokens_removed"), run.tokensRemoved },
                          { QStringLiteral("invitations_removed"), run.invitationsRemoved },
                          { QStringLiteral("audit_events_removed"), run.auditEventsRemoved } };
    if (!run.error.isEmpty())
        details.insert(QStringLiteral("error"), run.error);
    return details;
}

} // namespace

// Sessions past their end (their refresh tokens go with them, ON DELETE CASCADE), one-time tokens
// used or past their end, refresh tokens past their end, invitations accepted, revoked or past
// their end: one transaction.
Status MaintenanceManager::removeExpired(MaintenanceRun& run)
{
    auto removed = m_core.inTransaction<bool>([&]() -> Result<bool> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("DELETE FROM sessions WHERE expires_at <= ?"), { now }))
            return m_core.sqlError(q, Tr::tr("Removing expired sessions"));
        run.sessionsRemoved = q.numRowsAffected();
        if (!m_core.exec(q, QStringLiteral("DELETE FROM one_time_tokens WHERE used_at IS NOT NULL OR expires_at <= ?"),
                         { now }))
            return m_core.sqlError(q, Tr::tr("Removing used and expired tokens"));
        run.tokensRemoved = q.numRowsAffected();
        if (!m_core.exec(q, QStringLiteral("DELETE FROM refresh_tokens WHERE expires_at <= ?"), { now }))
            return m_core.sqlError(q, Tr::tr("Removing expired refresh tokens"));
        run.tokensRemoved += q.numRowsAffected();
        if (!m_core.exec(q,
                         QStringLiteral("DELETE FROM invitations WHERE accepted_at IS NOT NULL OR revoked_at IS NOT "
                                        "NULL OR expires_at <= ?"),
                         { now }))
            return m_core.sqlError(q, Tr::tr("Removing used and expired invitations"));
        run.invitationsRemoved = q.numRowsAffected();
        return true;
    });
    if (!removed)
        return removed.error();
    return {};
}

Result<MaintenanceRun> MaintenanceManager::run(const Actor& actor, const QString& source, qint64 skipWithinMs)
{
    Audited op(m_core, actor, actions::MaintenanceRan, QStringLiteral("maintenance"));
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can run maintenance"));
    auto exclusive = m_core.tryExclusive(QStringLiteral("maintenance"), Tr::tr("Maintenance is already running"));
    if (!exclusive)
        return exclusive.error();

    QSqlQuery q(m_core.db());
    const qint64 started = m_core.now();
    if (skipWithinMs > 0) {
        if (!m_core.exec(q, QStringLiteral("SELECT MAX(started_at) FROM maintenance_runs")) || !q.next())
            return m_core.sqlError(q, Tr::tr("Reading the maintenance runs"));
        const bool ranRecently = !q.value(0).isNull() && started - q.value(0).toLongLong() < skipWithinMs;
        q.finish();
        if (ranRecently)
            return MaintenanceRun {}; // another server's run covers this interval
    }

    MaintenanceRun run;
    run.source = source;
    run.actorId = actor.userId;
    run.startedAt = timeFrom(started);
    auto recorded = m_core.inTransaction<Id>([&]() -> Result<Id> {
        if (!m_core.exec(q,
                         QStringLiteral("INSERT INTO maintenance_runs (started_at, source, actor_id) VALUES (?, ?, ?) "
                                        "RETURNING id"),
                         { started, source, actor.userId == 0 ? QVariant() : QVariant(actor.userId) })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Recording the maintenance run"));
        const Id id = q.value(0).toLongLong();
        q.finish();
        return id;
    });
    if (!recorded)
        return recorded.error();
    run.id = *recorded;
    op.setResourceId(QString::number(run.id));

    Status done = removeExpired(run);
    if (done) {
        // Retention through the one audited, MACed purge (purge-audit's), never a second one.
        const int retentionDays = m_core.settings().auditRetentionDays;
        if (retentionDays > 0) {
            const QDateTime before = timeFrom(started).addDays(-retentionDays);
            auto purged = AuditManager(m_core).purge(actor, before, true);
            if (purged)
                run.auditEventsRemoved = *purged;
            else
                done = purged.error();
        }
    }
    if (!done) {
        run.error = done.error().message;
        qCWarning(lcSql).noquote() << "maintenance run" << run.id << "failed:" << run.error;
    }

    auto finished = m_core.inTransaction<bool>([&]() -> Result<bool> {
        run.finishedAt = timeFrom(m_core.now());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE maintenance_runs SET finished_at = ?, sessions_removed = ?, "
                                        "tokens_removed = ?, invitations_removed = ?, audit_events_removed = ?, "
                                        "error = ? WHERE id = ?"),
                         { run.finishedAt.toMSecsSinceEpoch(), run.sessionsRemoved, run.tokensRemoved,
                           run.invitationsRemoved, run.auditEventsRemoved, run.error, run.id }))
            return m_core.sqlError(q, Tr::tr("Recording the maintenance run"));
        const Status audited = run.error.isEmpty()
            ? op.succeed(runDetails(run))
            : m_core.appendAudit(actor, op.action(), op.target().resourceType, QString::number(run.id), 0,
                                 runDetails(run), QStringLiteral("failure"));
        if (!audited)
            return audited.error();
        return true;
    });
    if (!finished)
        return finished.error();
    if (!done)
        return done.error();
    return run;
}

Result<QList<MaintenanceRun>> MaintenanceManager::recent(const Actor& actor, int limit)
{
    const Audited op(m_core, actor, actions::MaintenanceListed, QStringLiteral("maintenance"));
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can see the maintenance runs"));
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, kRunSelect + QStringLiteral(" ORDER BY id DESC LIMIT ?"), { std::clamp(limit, 1, 100) }))
        return m_core.sqlError(q, Tr::tr("Reading the maintenance runs"));
    QList<MaintenanceRun> runs;
    while (q.next())
        runs << runFromQuery(q);
    return runs;
}

} // namespace portcullis
