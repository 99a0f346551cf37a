// SessionManager: listing and ending sessions, impersonation and session-token authentication.

#include "store.h"

#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlQuery>

namespace portcullis {

using namespace sqlutil;

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Sessions)
};

// last_seen_at is refreshed at most this often per session, so a busy client does not turn every
// request into a write.
constexpr qint64 LastSeenResolutionMs = 60 * 1000;

const QString kSessionSelect = QStringLiteral(
    "SELECT s.id, s.user_id, u.email, s.organization_id, s.ip, s.user_agent, s.created_at, s.last_seen_at, "
    "s.expires_at, s.revoked_at, s.impersonator_id, imp.email, s.impersonation_reason "
    "FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN users imp ON imp.id = s.impersonator_id");

Session sessionFromQuery(const QSqlQuery& q)
{
    Session s;
    s.id = q.value(0).toLongLong();
    s.userId = q.value(1).toLongLong();
    s.userEmail = q.value(2).toString();
    s.organizationId = q.value(3).toLongLong();
    s.ip = q.value(4).toString();
    s.userAgent = q.value(5).toString();
    s.createdAt = timeFrom(q.value(6));
    s.lastSeenAt = timeFrom(q.value(7));
    s.expiresAt = timeFrom(q.value(8));
    s.revoked = !q.value(9).isNull();
    s.impersonatorId = q.value(10).toLongLong();
    s.impersonatorEmail = q.value(11).toString();
    s.impersonationReason = q.value(12).toString();
    return s;
}

// The few columns the write paths need to decide; loaded before any transaction opens so that a
// denial can be audited in a transaction of its own.
struct SessionOwner
{
    Id id = 0;
    Id userId = 0;
    Id organizationId = 0;
};

Result<SessionOwner> loadSessionOwner(StoreCore& core, Id sessionId)
{
    QSqlQuery q(core.db());
    if (!core.exec(q, QStringLiteral("SELECT id, user_id, organization_id FROM sessions WHERE id = ?"), { sessionId }))
        return core.sqlError(q, Tr::tr("Loading a session"));
    if (!q.next())
        return ServiceError::notFound(Tr::tr("No session with id %1").arg(sessionId));
    return SessionOwner { q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toLongLong() };
}

QVariant nullableId(Id id)
{
    return id != 0 ? QVariant(id) : QVariant(QMetaType::fromType<qint64>());
}

bool isOwnAccount(const Actor& actor, Id userId)
{
    // Only a signed-in user acts for themself here; an API key never gets the self-service shortcut.
    return actor.kind == Actor::Kind::User && actor.userId != 0 && actor.userId == userId;
}

} // namespace

Result<Page<Session>> SessionManager::list(const Actor& actor, const SessionQuery& query)
{
    const Audited op(m_core, actor, actions::SessionListed, QStringLiteral("session"), {}, query.organizationId);
    if (query.userId != 0) {
        if (auto target = m_core.userFor(actor, query.userId, op.action()); !target)
            return target.error();
    }
    if (query.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, query.organizationId, op.action()); !org)
            return org.error();
    }
    if (const auto decision = policy::requirePermission(actor, perm::SessionRead); !decision)
        return op.deny(decision.reason);

    QStringList where;
    QVariantList binds;
    if (query.userId != 0) {
        where << QStringLiteral("s.user_id = ?");
        binds << query.userId;
    }
    // Everyone but super admins lists their own organization, whatever they ask for.
    const Id organizationId = actor.isSuperAdmin() ? query.organizationId : actor.organizationId;
    if (organizationId != 0) {
        where << QStringLiteral("s.organization_id = ?");
        binds << organizationId;
    }
    if (!query.includeRevoked)
        where << QStringLiteral("s.revoked_at IS NULL");
    if (!query.includeExpired) {
        where << QStringLiteral("s.expires_at > ?");
        binds << m_core.now();
    }
    const QString whereSql
        = where.isEmpty() ? QString() : QString(QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND ")));

    Page<Session> page;
    page.page = clampPage(query.page);
    page.limit = clampLimit(query.limit);

    // Counted up to limits::ExactTotalBound; open sessions are found through the partial indexes of
    // migration 6 (sessions_live, sessions_live_all), in the order of the page (newest first).
    // The open sessions of everyone or of a tenant are counted in their index by expiry (SQLite is
    // told which; its planner would read every row the plain expiry index gives).
    QString countFrom = QStringLiteral("sessions s");
    if (query.userId == 0 && !query.includeRevoked && !query.includeExpired)
        countFrom += m_core.indexedBy(organizationId == 0 ? QStringLiteral("sessions_open")
                                                          : QStringLiteral("sessions_open_organization"));
    auto count = countBounded(m_core, QStringLiteral("SELECT 1 FROM ") + countFrom + whereSql, binds, true,
                              Tr::tr("Counting sessions"));
    if (!count)
        return count.error();
    page.total = count->total;
    page.totalIsLowerBound = count->isLowerBound;

    QSqlQuery q(m_core.db());

    QVariantList pageBinds = binds;
    pageBinds << page.limit << qint64(page.page - 1) * page.limit;
    if (!m_core.exec(q, kSessionSelect + whereSql + QStringLiteral(" ORDER BY s.id DESC LIMIT ? OFFSET ?"), pageBinds))
        return m_core.sqlError(q, Tr::tr("Listing sessions"));
    while (q.next())
        page.items << sessionFromQuery(q);
    return page;
}

Status SessionManager::revoke(const Actor& actor, Id sessionId)
{
    Audited op(m_core, actor, actions::SessionRevoked, QStringLiteral("session"), QString::number(sessionId));
    auto session = loadSessionOwner(m_core, sessionId);
    if (!session && session.error().code != ErrorCode::NotFound)
        return session.error();
    if (auto visible = m_core.requireVisible(actor, session.ok(), session ? session->organizationId : 0,
                                             Resource::Session, op.target().resourceId, op.action());
        !visible)
        return visible.error();
    op.setOrganization(session->organizationId);

    // Ending one of one's own sessions is always allowed (signing out another device).
    if (!isOwnAccount(actor, session->userId)) {
        if (const auto decision = policy::requirePermission(actor, perm::SessionRevoke); !decision)
            return op.deny(decision.reason);
        auto owner = m_core.loadUser(session->userId);
        if (!owner)
            return owner.error();
        if (const auto decision = policy::canManageUser(actor, *owner, false); !decision)
            return op.deny(decision.reason);
    }

    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
                         { m_core.now(), sessionId }))
            return m_core.sqlError(q, Tr::tr("Revoking the session"));
        if (q.numRowsAffected() == 0)
            return true; // already revoked: nothing changed, nothing to audit
        const QJsonObject details { { QStringLiteral("user_id"), session->userId } };
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<int> SessionManager::revokeAllForUser(const Actor& actor, Id userId, Id exceptSessionId, bool revokeApiKeys)
{
    Audited op(m_core, actor, actions::SessionRevokedAll, QStringLiteral("user"), QString::number(userId));
    auto target = m_core.userFor(actor, userId, op.action());
    if (!target)
        return target.error();
    op.setOrganization(target->organizationId);

    // "Sign out my other devices" needs no admin permission; anything else does.
    if (const auto decision = policy::canActOnUser(actor, *target, policy::UserAction::EndSessions); !decision)
        return op.deny(decision.reason);

    return m_core.inTransaction<int>([&]() -> Result<int> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? "
                                        "AND revoked_at IS NULL AND expires_at > ?"),
                         { now, userId, exceptSessionId, now }))
            return m_core.sqlError(q, Tr::tr("Revoking the sessions"));
        const int count = q.numRowsAffected();
        QJsonObject details { { QStringLiteral("count"), count } };
        if (exceptSessionId != 0)
            details.insert(QStringLiteral("except_session_id"), exceptSessionId);
        if (revokeApiKeys) {
            auto keys = m_core.revokeApiKeysOf(userId);
            if (!keys)
                return keys.error();
            details.insert(QStringLiteral("api_keys_revoked"), *keys);
        }
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return count;
    });
}

Result<int> SessionManager::purgeExpired(const Actor& actor)
{
    const bool everywhere = actor.isSuperAdmin();
    // The event of a super admin's purge is global: it covers every organization.
    const Audited op(m_core, actor, actions::SessionPurged, QStringLiteral("session"), {},
                     everywhere ? 0 : actor.organizationId);
    if (const auto decision = policy::requirePermission(actor, perm::SessionRevoke); !decision)
        return op.deny(decision.reason);

    return m_core.inTransaction<int>([&]() -> Result<int> {
        QString sql = QStringLiteral("DELETE FROM sessions WHERE expires_at <= ?");
        QVariantList binds { m_core.now() };
        if (!everywhere) {
            sql += QStringLiteral(" AND organization_id = ?");
            binds << actor.organizationId;
        }
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, sql, binds))
            return m_core.sqlError(q, Tr::tr("Purging expired sessions"));
        const int count = q.numRowsAffected();
        const QJsonObject details { { QStringLiteral("count"), count },
                                    { QStringLiteral("scope"),
                                      everywhere ? QStringLiteral("all") : QStringLiteral("organization") } };
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return count;
    });
}

Result<CreatedSession> SessionManager::impersonate(const Actor& actor, Id userId, const QString& reason,
                                                   int durationMinutes)
{
    Audited op(m_core, actor, actions::UserImpersonated, QStringLiteral("user"), QString::number(userId));
    auto target = m_core.userFor(actor, userId, op.action());
    if (!target)
        return target.error();
    // A missing permission is recorded as the actor's own matter; a refused target names its tenant.
    if (const auto decision = policy::requirePermission(actor, policy::permissionFor(policy::UserAction::Impersonate));
        !decision)
        return op.deny(decision.reason);
    op.setOrganization(target->organizationId);
    if (const auto decision = policy::canActOnUser(actor, *target, policy::UserAction::Impersonate); !decision)
        return op.deny(decision.reason);
    // The deployment settings may turn impersonation off, or shorten it.
    const DeploymentSettings settings = m_core.settings();
    if (!settings.impersonationEnabled)
        return op.deny(Tr::tr("Impersonation is turned off in the deployment settings"));

    const QString why = reason.trimmed();
    QHash<QString, QString> fields;
    if (why.isEmpty())
        fields.insert(QStringLiteral("reason"), Tr::tr("Say why you impersonate this user; the reason is audited."));
    else if (why.size() > policy::Limits::Reason)
        fields.insert(QStringLiteral("reason"),
                      Tr::tr("A reason has at most %1 characters.").arg(policy::Limits::Reason));
    if (durationMinutes < 1 || durationMinutes > settings.impersonationMaxMinutes)
        fields.insert(QStringLiteral("duration_minutes"),
                      Tr::tr("An impersonation lasts between 1 and %1 minutes.").arg(settings.impersonationMaxMinutes));
    if (!fields.isEmpty())
        return ServiceError::validation(Tr::tr("The impersonation request is incomplete."), fields);
    // The impersonation session must pass the same check as any session of the user.
    auto eligibility = m_core.signInEligibility(target->id, policy::Credential::Session);
    if (!eligibility)
        return eligibility.error();
    if (!*eligibility)
        return ServiceError::conflict(
            Tr::tr("%1 cannot sign in (%2), so it cannot be impersonated").arg(target->email, eligibility->reason));

    const QString token = crypto::randomToken(32);
    if (token.isEmpty())
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure token"));
    const qint64 now = m_core.now();
    const qint64 expires = now + qint64(durationMinutes) * 60 * 1000;

    return m_core.inTransaction<CreatedSession>([&]() -> Result<CreatedSession> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("INSERT INTO sessions (user_id, organization_id, token_hash, ip, user_agent, "
                                        "created_at, last_seen_at, expires_at, impersonator_id, impersonation_reason) "
                                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
                         { target->id, target->organizationId, QString::fromLatin1(crypto::sha256Hex(token.toUtf8())),
                           actor.ip, actor.userAgent, now, now, expires, nullableId(actor.userId), why })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the impersonation session"));
        CreatedSession created;
        created.token = token;
        Session& s = created.session;
        s.id = q.value(0).toLongLong();
        s.userId = target->id;
        s.userEmail = target->email;
        s.organizationId = target->organizationId;
        s.ip = actor.ip;
        s.userAgent = actor.userAgent;
        s.createdAt = timeFrom(now);
        s.lastSeenAt = s.createdAt;
        s.expiresAt = timeFrom(expires);
        s.impersonatorId = actor.userId;
        s.impersonatorEmail = actor.email;
        s.impersonationReason = why;
        q.finish();
        const QJsonObject details { { QStringLiteral("session_id"), s.id },
                                    { QStringLiteral("reason"), why },
                                    { QStringLiteral("duration_minutes"), durationMinutes } };
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return created;
    });
}

Result<Actor> SessionManager::authenticate(const QString& token, const QString& ip)
{
    if (token.isEmpty())
        return ServiceError::unauthenticated(Tr::tr("Sign in first: no session token was given"));

    Id sessionId = 0;
    Id userId = 0;
    Id impersonatorId = 0;
    qint64 lastSeen = 0;
    {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("SELECT s.id, s.user_id, s.expires_at, s.revoked_at, s.last_seen_at, "
                                        "s.impersonator_id, ")
                             + accountStateColumns()
                             + QStringLiteral(" FROM sessions s JOIN users u ON u.id = s.user_id "
                                              "JOIN organizations o ON o.id = u.organization_id "
                                              "WHERE s.token_hash = ?"),
                         { QString::fromLatin1(crypto::sha256Hex(token.toUtf8())) }))
            return m_core.sqlError(q, Tr::tr("Checking the session"));
        if (!q.next())
            return ServiceError::unauthenticated(Tr::tr("Unknown session; sign in again"));
        policy::AccountState state = accountStateFromQuery(q, 6);
        state.credentialRevoked = !q.value(3).isNull();
        state.credentialExpiresAt = timeFrom(q.value(2));
        if (const auto eligibility
            = policy::signInEligibility(state, policy::Credential::Session, timeFrom(m_core.now()));
            !eligibility)
            return ServiceError::unauthenticated(eligibility.reason);
        sessionId = q.value(0).toLongLong();
        userId = q.value(1).toLongLong();
        lastSeen = q.value(4).toLongLong();
        impersonatorId = q.value(5).toLongLong();
    }

    const qint64 now = m_core.now();
    if (now - lastSeen >= LastSeenResolutionMs) {
        auto touched = m_core.inTransaction<bool>([&]() -> Result<bool> {
            QSqlQuery q(m_core.db());
            if (!m_core.exec(q, QStringLiteral("UPDATE sessions SET last_seen_at = ? WHERE id = ?"),
                             { now, sessionId }))
                return m_core.sqlError(q, Tr::tr("Refreshing the session"));
            return true;
        });
        // A missed refresh only makes "last seen" a minute older; it is no reason to refuse the request.
        if (!touched)
            qCWarning(lcSql) << "could not refresh last_seen_at of session" << sessionId << ":"
                             << touched.error().message;
    }

    auto actor = m_core.actorForUser(userId);
    if (!actor)
        return actor.error();
    actor->sessionId = sessionId;
    actor->impersonatorId = impersonatorId;
    actor->ip = ip;
    return actor;
}

} // namespace portcullis
