// StatsManager: the dashboard numbers, scoped to the actor's tenant.

#include "store.h"

#include "policy/catalog.h"
#include "policy/policy.h"

#include <QCoreApplication>
#include <QSqlQuery>

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Stats)
};

constexpr qint64 DayMs = 24 * 60 * 60 * 1000;

} // namespace

Result<Stats> StatsManager::get(const Actor& actor, Id organizationId)
{
    Audited op(m_core, actor, actions::StatsViewed, QStringLiteral("stats"), {},
               organizationId != 0 ? organizationId : actor.organizationId);
    if (organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, organizationId, op.action()); !org)
            return org.error();
    }
    if (const auto decision = policy::requirePermission(actor, perm::StatsRead); !decision)
        return op.deny(decision.reason);

    // 0 = the actor's scope: everything for super admins, their own organization for everyone else.
    Id scope = organizationId;
    if (scope == 0 && !actor.isSuperAdmin())
        scope = actor.organizationId;
    if (scope != 0) {
        if (const auto decision = policy::requireTenant(actor, scope); !decision)
            return op.setResourceId(QString::number(scope)).setOrganization(scope).deny(decision.reason);
    }

    const qint64 now = m_core.now();
    const QString inScope = scope != 0 ? QStringLiteral(" AND organization_id = ?") : QString();
    QVariantList binds;
    auto scoped = [&](QVariantList values) {
        if (scope != 0)
            values << scope;
        binds << values;
    };
    // One statement, each number one sub-select that reads a counter or a partial index of
    // migration 6, never the users or sessions table itself: the users count is the one maintained
    // per organization (migration 3); suspended and banned users are counted in the indexes over
    // just them; the active ones are what remains (live, not suspended, not banned now). A user
    // counts as banned while the ban has not expired, as in User::isBanned(); expired bans stay in
    // the index until lifted, and are counted out by their expiry, read from the index too.
    const QString banned = QStringLiteral("deleted = 0 AND ban_reason IS NOT NULL AND ban_reason <> '' AND "
                                          "(ban_expires_at IS NULL OR ban_expires_at > ?)");
    const QString userCount = scope != 0
        ? QStringLiteral("(SELECT COALESCE(SUM(user_count), 0) FROM organizations WHERE id = ?)")
        // Through the primary key: a bulk write leaves the few rows spread over many pages (users.cpp).
        : QStringLiteral("(SELECT COALESCE(SUM(user_count), 0) FROM organizations WHERE id > 0)");
    // SQLite's planner would rather walk the index of every live user: it is told which to read.
    const QString suspended = QStringLiteral("(SELECT COUNT(*) FROM users")
        + m_core.indexedBy(QStringLiteral("users_suspended")) + QStringLiteral(" WHERE deleted = 0 AND active = 0")
        + inScope + QStringLiteral(")");
    const QString bannedUsers
        = QStringLiteral("(SELECT COUNT(*) FROM users") + m_core.indexedBy(QStringLiteral("users_banned"));
    QString sql = QStringLiteral("SELECT ") + userCount + QStringLiteral(", ") + userCount + QStringLiteral(" - ")
        + suspended + QStringLiteral(" - ") + bannedUsers + QStringLiteral(" WHERE ") + banned
        + QStringLiteral(" AND active = 1") + inScope + QStringLiteral("), ") + bannedUsers + QStringLiteral(" WHERE ")
        + banned + inScope + QStringLiteral("), ") + suspended + QStringLiteral(", (SELECT COUNT(*) FROM sessions")
        + m_core.indexedBy(scope != 0 ? QStringLiteral("sessions_open_organization") : QStringLiteral("sessions_open"))
        + QStringLiteral(" WHERE revoked_at IS NULL AND expires_at > ?") + inScope
        + QStringLiteral("), (SELECT COUNT(*) FROM api_keys") + m_core.indexedBy(QStringLiteral("api_keys_live"))
        + QStringLiteral(" WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)") + inScope
        + QStringLiteral("), (SELECT COUNT(*) FROM audit_events WHERE occurred_at >= ?") + inScope
        + QStringLiteral(")");
    auto scopeOnly = [&] {
        if (scope != 0)
            binds << scope;
    };
    scopeOnly(); // users total
    scopeOnly(); // active: users total
    scopeOnly(); // - suspended
    scoped({ now }); // - banned and not suspended
    scoped({ now }); // banned
    scoped({}); // suspended
    scoped({ now }); // sessions
    scoped({ now }); // API keys
    scoped({ now - DayMs }); // events

    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, sql, binds) || !q.next())
        return m_core.sqlError(q, Tr::tr("Reading the statistics"));
    Stats stats;
    stats.usersTotal = q.value(0).toLongLong();
    stats.usersActive = q.value(1).toLongLong();
    stats.usersBanned = q.value(2).toLongLong();
    stats.usersSuspended = q.value(3).toLongLong();
    stats.sessionsActive = q.value(4).toLongLong();
    stats.apiKeysActive = q.value(5).toLongLong();
    stats.eventsLast24h = q.value(6).toLongLong();
    return stats;
}

} // namespace portcullis
