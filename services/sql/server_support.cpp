// ServerSupport: refresh-token rotation, the per-request session check and API-key rate windows
// for `portcullis-server serve` (tables of migration 0002).

#include "server_support.h"

#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlQuery>

#include <algorithm>
#include <optional>

namespace portcullis {

using namespace sqlutil;

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::ServerSupport)
};

constexpr qint64 MinuteMs = 60 * 1000;
constexpr qint64 DayMs = 24 * 60 * MinuteMs;
// As SessionManager::authenticate: last_seen_at is refreshed at most once a minute per session.
constexpr qint64 LastSeenResolutionMs = MinuteMs;

} // namespace

ServerSupport::ServerSupport(StoreCore& core)
    : m_core(core)
{ }

ServerSupport::~ServerSupport() = default;

Status ServerSupport::ping()
{
    auto run = m_core.execPrepared(QStringLiteral("SELECT 1"));
    if (!run.ok() || !run.query().next())
        return m_core.sqlError(run.query(), Tr::tr("Checking the database"));
    return {};
}

void ServerSupport::setTokenSecret(const QByteArray& secret)
{
    m_successorKey = secret.isEmpty()
        ? QByteArray()
        : crypto::hmacSha256(secret, QByteArrayLiteral("portcullis refresh-token successor v1"));
}

QString ServerSupport::successorOf(const QString& token) const
{
    // Unpredictable without the secret (the token itself is random), the same on every server that
    // shares the secret, and never stored: only its SHA-256 is.
    return QStringLiteral("rt_")
        + QString::fromLatin1(crypto::hmacSha256(m_successorKey, token.toUtf8())
                                  .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

Result<IssuedRefreshToken> ServerSupport::insertRefreshToken(Id sessionId, qint64 now, const QString& token)
{
    IssuedRefreshToken issued;
    issued.token = token.isEmpty() ? QStringLiteral("rt_") + crypto::randomToken(32) : token;
    if (issued.token.size() < 20)
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure token"));
    const qint64 expires = now + qint64(m_core.settings().refreshTokenHours) * 3600 * 1000;
    issued.expiresAt = timeFrom(expires);
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q,
                     QStringLiteral("INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at) "
                                    "VALUES (?, ?, ?, ?)"),
                     { sessionId, QString::fromLatin1(crypto::sha256Hex(issued.token.toUtf8())), now, expires }))
        return m_core.sqlError(q, Tr::tr("Issuing the refresh token"));
    // The session lives as long as its newest refresh token: a client that keeps refreshing stays
    // signed in; one that stops is signed out when the token runs out.
    if (!m_core.exec(q, QStringLiteral("UPDATE sessions SET expires_at = ? WHERE id = ? AND revoked_at IS NULL"),
                     { expires, sessionId }))
        return m_core.sqlError(q, Tr::tr("Extending the session"));
    return issued;
}

Result<IssuedRefreshToken> ServerSupport::issueRefreshToken(Id sessionId)
{
    return m_core.inTransaction<IssuedRefreshToken>(
        [&]() -> Result<IssuedRefreshToken> { return insertRefreshToken(sessionId, m_core.now()); });
}

Result<RotatedRefreshToken> ServerSupport::rotateRefreshToken(const QString& token, const QString& ip)
{
    const QString unknown = Tr::tr("Unknown refresh token; sign in again");
    if (token.isEmpty() || token.size() > 200)
        return ServiceError::unauthenticated(unknown);
    const QString hash = QString::fromLatin1(crypto::sha256Hex(token.toUtf8()));

    // A refusal that must still commit (the reuse response revokes the session and is audited).
    struct Outcome
    {
        std::optional<ServiceError> refusal;
        RotatedRefreshToken rotated;
    };
    auto outcome = m_core.inTransaction<Outcome>([&]() -> Result<Outcome> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q,
                QStringLiteral("SELECT rt.id, rt.session_id, rt.expires_at, rt.used_at, rt.revoked_at, s.user_id, "
                               "s.expires_at, s.revoked_at, u.organization_id, u.email, ")
                    + accountStateColumns()
                    + QStringLiteral(" FROM refresh_tokens rt "
                                     "JOIN sessions s ON s.id = rt.session_id JOIN users u ON u.id = s.user_id "
                                     "JOIN organizations o ON o.id = u.organization_id WHERE rt.token_hash = ?"),
                { hash }))
            return m_core.sqlError(q, Tr::tr("Checking the refresh token"));
        Outcome result;
        if (!q.next()) {
            result.refusal = ServiceError::unauthenticated(unknown);
            return result;
        }
        const Id tokenId = q.value(0).toLongLong();
        const Id sessionId = q.value(1).toLongLong();
        const qint64 tokenExpires = q.value(2).toLongLong();
        const bool used = !q.value(3).isNull();
        const qint64 usedAt = q.value(3).toLongLong();
        const bool tokenRevoked = !q.value(4).isNull();
        const Id userId = q.value(5).toLongLong();
        const qint64 sessionExpires = q.value(6).toLongLong();
        const bool sessionRevoked = !q.value(7).isNull();
        const Id organizationId = q.value(8).toLongLong();
        const QString email = q.value(9).toString();
        // The session's own state is judged below with the refresh token's; here the account.
        const policy::Eligibility eligibility
            = policy::signInEligibility(accountStateFromQuery(q, 10), policy::Credential::Session, timeFrom(now));
        q.finish();

        // A repeat within the grace: the successor this token was exchanged for, if it is still
        // unused, is answered again (derived, not stored; its row proves it was issued).
        auto graceAnswer = [&](qint64 exchangedAt) -> Result<bool> {
            if (m_successorKey.isEmpty() || tokenRevoked || sessionRevoked || !eligibility
                || now - exchangedAt > qint64(serverlimits::RefreshReuseGraceSeconds) * 1000 || sessionExpires <= now)
                return false;
            const QString successor = successorOf(token);
            QSqlQuery s(m_core.db());
            if (!m_core.exec(s,
                             QStringLiteral("SELECT expires_at FROM refresh_tokens WHERE token_hash = ? AND "
                                            "session_id = ? AND used_at IS NULL AND revoked_at IS NULL"),
                             { QString::fromLatin1(crypto::sha256Hex(successor.toUtf8())), sessionId }))
                return m_core.sqlError(s, Tr::tr("Checking the refresh token"));
            if (!s.next())
                return false;
            result.rotated.sessionId = sessionId;
            result.rotated.userId = userId;
            result.rotated.next.token = successor;
            result.rotated.next.expiresAt = timeFrom(s.value(0).toLongLong());
            return true;
        };

        if (used) {
            auto repeated = graceAnswer(usedAt);
            if (!repeated)
                return repeated.error();
            if (*repeated)
                return result;
        }
        if (used || tokenRevoked) {
            if (used && !sessionRevoked) {
                // Somebody presents a token that was already exchanged: either the client or a thief
                // holds a copy. End the session so that neither can go on with it.
                if (!m_core.exec(q, QStringLiteral("UPDATE sessions SET revoked_at = ? WHERE id = ?"),
                                 { now, sessionId })
                    || !m_core.exec(q,
                                    QStringLiteral("UPDATE refresh_tokens SET revoked_at = ? WHERE session_id = ? "
                                                   "AND revoked_at IS NULL"),
                                    { now, sessionId }))
                    return m_core.sqlError(q, Tr::tr("Revoking the session"));
                Actor attempt;
                attempt.kind = Actor::Kind::User;
                attempt.userId = userId;
                attempt.email = email;
                attempt.organizationId = organizationId;
                attempt.sessionId = sessionId;
                attempt.ip = ip;
                const QString reason = Tr::tr("A refresh token was used twice; the session was revoked");
                if (auto audited = m_core.appendAudit(
                        attempt, actions::SessionRefreshReused, QStringLiteral("session"), QString::number(sessionId),
                        organizationId, { { QStringLiteral("reason"), reason } }, QStringLiteral("denied"));
                    !audited)
                    return audited.error();
                result.refusal = ServiceError::unauthenticated(
                    Tr::tr("This refresh token was already used; the session has been ended for safety. Sign in "
                           "again"));
                return result;
            }
            result.refusal = ServiceError::unauthenticated(Tr::tr("This refresh token is no longer valid; sign in "
                                                                  "again"));
            return result;
        }
        if (sessionRevoked) {
            result.refusal = ServiceError::unauthenticated(Tr::tr("This session was revoked; sign in again"));
            return result;
        }
        if (tokenExpires <= now || sessionExpires <= now) {
            result.refusal = ServiceError::unauthenticated(Tr::tr("This session has expired; sign in again"));
            return result;
        }
        if (!eligibility) {
            result.refusal = ServiceError::unauthenticated(eligibility.reason);
            return result;
        }

        if (!m_core.exec(q, QStringLiteral("UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL"),
                         { now, tokenId }))
            return m_core.sqlError(q, Tr::tr("Rotating the refresh token"));
        if (q.numRowsAffected() != 1) {
            // Exchanged by a parallel request a moment ago: the same successor.
            auto repeated = graceAnswer(now);
            if (!repeated)
                return repeated.error();
            if (*repeated)
                return result;
            result.refusal = ServiceError::unauthenticated(Tr::tr("This refresh token is no longer valid; sign in "
                                                                  "again"));
            return result;
        }
        // Used tokens are kept until they expire (to recognise their reuse), then dropped.
        if (!m_core.exec(q, QStringLiteral("DELETE FROM refresh_tokens WHERE session_id = ? AND expires_at < ?"),
                         { sessionId, now }))
            return m_core.sqlError(q, Tr::tr("Rotating the refresh token"));
        auto next = insertRefreshToken(sessionId, now, m_successorKey.isEmpty() ? QString() : successorOf(token));
        if (!next)
            return next.error();
        if (!m_core.exec(q, QStringLiteral("UPDATE sessions SET last_seen_at = ? WHERE id = ?"), { now, sessionId }))
            return m_core.sqlError(q, Tr::tr("Refreshing the session"));
        result.rotated.sessionId = sessionId;
        result.rotated.userId = userId;
        result.rotated.next = *next;
        return result;
    });
    if (!outcome)
        return outcome.error();
    if (outcome->refusal)
        return *outcome->refusal;
    return outcome->rotated;
}

Result<int> ServerSupport::loginWait(const QString& ip)
{
    if (ip.isEmpty())
        return 0;
    auto run = m_core.execPrepared(QStringLiteral("SELECT blocked_until FROM login_throttle WHERE source = ?"),
                                   { QString(QStringLiteral("ip:") + ip) });
    if (!run.ok())
        return m_core.sqlError(run.query(), Tr::tr("Checking the sign-in throttle"));
    if (!run.query().next())
        return 0;
    const qint64 left = run.query().value(0).toLongLong() - m_core.now();
    run.query().finish();
    return left > 0 ? int((left + 999) / 1000) : 0;
}

Result<int> ServerSupport::recordLoginFailure(const QString& ip)
{
    if (ip.isEmpty())
        return 0;
    const QString source = QStringLiteral("ip:") + ip;
    const qint64 now = m_core.now();
    const qint64 windowOpen = now - qint64(serverlimits::LoginWindowMinutes) * MinuteMs;
    QSqlQuery q(m_core.db());
    // One statement: concurrent failures (on any server) each count. A window that is over starts
    // again at 1 (the SET expressions see the old row in both dialects).
    if (!m_core.exec(q,
                     QStringLiteral("INSERT INTO login_throttle (source, window_start, failures, blocked_until) "
                                    "VALUES (?, ?, 1, 0) ON CONFLICT (source) DO UPDATE SET "
                                    "failures = CASE WHEN login_throttle.window_start <= ? THEN 1 "
                                    "ELSE login_throttle.failures + 1 END, "
                                    "window_start = CASE WHEN login_throttle.window_start <= ? THEN ? "
                                    "ELSE login_throttle.window_start END "
                                    "RETURNING failures"),
                     { source, now, windowOpen, windowOpen, now })
        || !q.next())
        return m_core.sqlError(q, Tr::tr("Counting the failed sign-in"));
    const int failures = q.value(0).toInt();
    q.finish();
    if (failures == 1) {
        // A new window: forget addresses that have been quiet for a day.
        if (!m_core.exec(q, QStringLiteral("DELETE FROM login_throttle WHERE window_start < ? AND blocked_until < ?"),
                         { now - DayMs, now }))
            return m_core.sqlError(q, Tr::tr("Counting the failed sign-in"));
    }
    if (failures < serverlimits::LoginFreeFailures)
        return 0;
    const int exponent = std::min(failures - serverlimits::LoginFreeFailures, 20);
    const int delay = int(std::min<qint64>(qint64(1) << exponent, serverlimits::LoginMaxDelaySeconds));
    if (!m_core.exec(
            q, QStringLiteral("UPDATE login_throttle SET blocked_until = ? WHERE source = ? AND blocked_until < ?"),
            { now + delay * 1000LL, source, now + delay * 1000LL }))
        return m_core.sqlError(q, Tr::tr("Counting the failed sign-in"));
    return delay;
}

Status ServerSupport::revokeRefreshTokens(Id sessionId)
{
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q,
                     QStringLiteral("UPDATE refresh_tokens SET revoked_at = ? WHERE session_id = ? AND revoked_at IS "
                                    "NULL"),
                     { m_core.now(), sessionId }))
        return m_core.sqlError(q, Tr::tr("Revoking the refresh tokens"));
    return {};
}

Status ServerSupport::loadRoleCatalog(qint64 version)
{
    QSqlQuery q(m_core.db());
    q.setForwardOnly(true);
    if (!q.exec(roleSelect(m_core)))
        return m_core.sqlError(q, Tr::tr("Loading the roles"));
    QHash<Id, Role> roles;
    while (q.next()) {
        Role role = roleFromQuery(q);
        roles.insert(role.id, role);
    }
    m_roles = std::move(roles);
    m_catalogVersion = version;
    return {};
}

Result<Actor> ServerSupport::actorForSession(Id sessionId, Id expectedUserId, const QString& ip,
                                             const QString& userAgent)
{
    const QString sql
        = QStringLiteral("SELECT s.user_id, s.expires_at, s.revoked_at, s.last_seen_at, s.impersonator_id, "
                         "u.email, u.organization_id, ")
        + accountStateColumns() + QStringLiteral(", (SELECT ")
        + m_core.groupConcat(QStringLiteral("CAST(ur.role_id AS TEXT)"))
        + QStringLiteral(" FROM user_roles ur WHERE ur.user_id = s.user_id), "
                         "(SELECT c.version FROM catalog_version c WHERE c.id = 1) "
                         "FROM sessions s JOIN users u ON u.id = s.user_id "
                         "JOIN organizations o ON o.id = u.organization_id WHERE s.id = ?");
    auto run = m_core.execPrepared(sql, { sessionId });
    QSqlQuery& q = run.query();
    if (!run.ok())
        return m_core.sqlError(q, Tr::tr("Checking the session"));
    if (!q.next())
        return ServiceError::unauthenticated(Tr::tr("Unknown session; sign in again"));
    const qint64 now = m_core.now();
    const Id userId = q.value(0).toLongLong();
    const qint64 expires = q.value(1).toLongLong();
    const bool revoked = !q.value(2).isNull();
    const qint64 lastSeen = q.value(3).toLongLong();
    const Id impersonatorId = q.value(4).toLongLong();
    Actor actor;
    actor.kind = Actor::Kind::User;
    actor.userId = userId;
    actor.email = q.value(5).toString();
    actor.organizationId = q.value(6).toLongLong();
    policy::AccountState state = accountStateFromQuery(q, 7);
    state.credentialRevoked = revoked;
    state.credentialExpiresAt = timeFrom(expires);
    const QString roleIds = q.value(15).toString();
    const qint64 catalogVersion = q.value(16).toLongLong();
    q.finish();

    if (userId != expectedUserId)
        return ServiceError::unauthenticated(Tr::tr("Unknown session; sign in again"));
    if (const auto eligibility = policy::signInEligibility(state, policy::Credential::Session, timeFrom(now));
        !eligibility)
        return ServiceError::unauthenticated(eligibility.reason);

    if (catalogVersion != m_catalogVersion) {
        if (auto loaded = loadRoleCatalog(catalogVersion); !loaded)
            return loaded.error();
    }
    QList<Role> roles;
    const QStringList ids = roleIds.isEmpty() ? QStringList() : roleIds.split(QLatin1Char(','));
    for (const QString& text : ids) {
        const Id roleId = text.toLongLong();
        auto it = m_roles.constFind(roleId);
        if (it == m_roles.cend()) {
            // Assigned after the catalog was read (the trigger bumps the version, but a role may
            // come and go between the two reads): read the catalog again.
            if (auto loaded = loadRoleCatalog(catalogVersion); !loaded)
                return loaded.error();
            it = m_roles.constFind(roleId);
            if (it == m_roles.cend())
                continue; // deleted meanwhile: it grants nothing
        }
        roles << *it;
    }
    std::sort(roles.begin(), roles.end(),
              [](const Role& a, const Role& b) { return a.level != b.level ? a.level > b.level : a.code < b.code; });
    for (const Role& role : std::as_const(roles)) {
        actor.roleCodes << role.code;
        actor.level = std::max(actor.level, role.level);
    }
    actor.permissions = policy::effectivePermissions(roles);
    actor.sessionId = sessionId;
    actor.impersonatorId = impersonatorId;
    actor.ip = ip;
    actor.userAgent = userAgent;

    if (now - lastSeen >= LastSeenResolutionMs) {
        // A missed refresh only makes "last seen" a minute older; it is no reason to refuse the request.
        if (!m_core
                 .execPrepared(QStringLiteral("UPDATE sessions SET last_seen_at = ? WHERE id = ?"), { now, sessionId })
                 .ok())
            qCWarning(lcSql) << "could not refresh last_seen_at of session" << sessionId;
    }
    return actor;
}

Result<RateLimitDecision> ServerSupport::countApiKeyRequest(Id apiKeyId)
{
    RateLimitDecision decision;
    {
        auto limit = m_core.execPrepared(QStringLiteral("SELECT rate_limit_per_minute FROM api_keys WHERE id = ?"),
                                         { apiKeyId });
        if (!limit.ok())
            return m_core.sqlError(limit.query(), Tr::tr("Reading the rate limit"));
        if (!limit.query().next())
            return ServiceError::unauthenticated(Tr::tr("Unknown API key"));
        decision.limit = std::max(1, limit.query().value(0).toInt());
    }

    const qint64 now = m_core.now();
    const qint64 window = now / MinuteMs;
    // One atomic statement: concurrent requests on any server each get their own count.
    int requests = 0;
    {
        auto count
            = m_core.execPrepared(QStringLiteral("INSERT INTO api_key_windows (api_key_id, window_start, requests) "
                                                 "VALUES (?, ?, 1) ON CONFLICT (api_key_id, window_start) "
                                                 "DO UPDATE SET requests = api_key_windows.requests + 1 "
                                                 "RETURNING requests"),
                                  { apiKeyId, window });
        if (!count.ok() || !count.query().next())
            return m_core.sqlError(count.query(), Tr::tr("Counting the request"));
        requests = count.query().value(0).toInt();
    }
    if (requests == 1) {
        // First request of a new window: drop the key's old windows.
        if (!m_core
                 .execPrepared(QStringLiteral("DELETE FROM api_key_windows WHERE api_key_id = ? AND window_start < ?"),
                               { apiKeyId, window })
                 .ok())
            qCWarning(lcSql) << "could not prune the rate windows of API key" << apiKeyId;
    }
    decision.allowed = requests <= decision.limit;
    decision.remaining = std::max(0, decision.limit - requests);
    const qint64 untilNext = (window + 1) * MinuteMs - now;
    decision.retryAfterSeconds = int(std::max<qint64>(1, (untilNext + 999) / 1000));
    return decision;
}

} // namespace portcullis
