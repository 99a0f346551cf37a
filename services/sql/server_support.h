#pragma once

// ServerSupport: the state `portcullis-server serve` keeps in the database next to the managers'
// (migration 0002), so that several serve processes on one database behave as one deployment:
// refresh tokens bound to sessions with rotation and reuse detection, the per-request session check
// behind JWT access tokens, and per-key API rate-limit windows.
//
// Like the managers it works over one StoreCore (one connection) and is not thread-safe: the server
// keeps one per worker thread. It decides nothing the policy decides; it only answers "is this
// session (still) valid" and "how many requests has this key made this minute".

#include "store.h"

#include <QHash>
#include <QSqlQuery>

#include <memory>

namespace portcullis {

namespace serverlimits {
// The compiled-in default; the effective lifetime is the setting refresh_token_hours.
inline constexpr int RefreshTokenDays = DeploymentSettings {}.refreshTokenHours / 24;
// A refresh token presented again within this many seconds of its exchange (a retry, or two tabs
// refreshing at once) gets the same successor instead of ending the session.
inline constexpr int RefreshReuseGraceSeconds = 10;
// Sign-in throttling per client address: failed sign-ins are counted in fixed windows of this many
// minutes; from the LoginFreeFailures-th failure in a window on, each failure refuses the address
// for 2^(failures - LoginFreeFailures) seconds, at most LoginMaxDelaySeconds.
inline constexpr int LoginWindowMinutes = 15;
inline constexpr int LoginFreeFailures = 10;
inline constexpr int LoginMaxDelaySeconds = 15 * 60;
} // namespace serverlimits

struct IssuedRefreshToken
{
    QString token; // shown once; only its SHA-256 is stored
    QDateTime expiresAt;
};

struct RotatedRefreshToken
{
    Id sessionId = 0;
    Id userId = 0;
    IssuedRefreshToken next;
};

struct RateLimitDecision
{
    bool allowed = true;
    int limit = 0; // requests per minute
    int remaining = 0;
    int retryAfterSeconds = 0; // until the next window, when refused
};

class ServerSupport
{
public:
    explicit ServerSupport(StoreCore& core);
    ~ServerSupport();
    ServerSupport(const ServerSupport&) = delete;
    ServerSupport& operator=(const ServerSupport&) = delete;

    // After a sign-in: the first refresh token of the session. The session is extended to live as
    // long as its refresh token.
    Result<IssuedRefreshToken> issueRefreshToken(Id sessionId);

    // Exchanges a refresh token for its successor. Refused (unauthenticated) when the token is
    // unknown, expired or revoked, when its session was revoked or expired, or when the user can no
    // longer sign in. Presenting a token that was already used is reuse: the whole session is
    // revoked (with its refresh tokens) and the refusal is audited; except within
    // serverlimits::RefreshReuseGraceSeconds of its exchange while its successor is still unused
    // (and a token secret is set): then the same successor is answered again.
    Result<RotatedRefreshToken> rotateRefreshToken(const QString& token, const QString& ip = {});

    // The server's secret (the JWT secret). With it, the successor of a refresh token is derived
    // from it (HMAC-SHA256 under a key derived from the secret), so a repeated exchange can answer
    // the same successor again without storing it: the database keeps only SHA-256 hashes.
    // Without it successors are random and there is no grace.
    void setTokenSecret(const QByteArray& secret);

    // Marks the refresh tokens of a session revoked (sign-out). The session itself is ended by
    // AuthManager::logout.
    Status revokeRefreshTokens(Id sessionId);

    // The check behind every request with an access token: one indexed query over the session, its
    // user and organization, the user's role ids and the role catalog version. Unauthenticated when
    // the session is unknown, revoked or expired, belongs to another user, or the user is deleted,
    // banned or suspended, or the organization suspended. Role definitions are cached on this
    // connection and reloaded when the catalog version (kept by triggers) changes.
    Result<Actor> actorForSession(Id sessionId, Id expectedUserId, const QString& ip = {},
                                  const QString& userAgent = {});

    // Before a sign-in from `ip`: how many seconds the address must still wait (0: go ahead). The
    // state is in the database, so every server of a deployment refuses the same addresses.
    Result<int> loginWait(const QString& ip);
    // After a refused sign-in from `ip` (unknown account, wrong password, locked): counts it in the
    // address's window with one upsert and sets the growing delay once the window is past
    // serverlimits::LoginFreeFailures. Returns the delay it set in seconds (0: none).
    Result<int> recordLoginFailure(const QString& ip);

    // Counts one request of an API key in the current UTC minute (fixed window) and says whether
    // it is within the key's rate_limit_per_minute.
    Result<RateLimitDecision> countApiKeyRequest(Id apiKeyId);

    // A trivial query, for the health endpoint.
    Status ping();

private:
    Status loadRoleCatalog(qint64 version);
    Result<IssuedRefreshToken> insertRefreshToken(Id sessionId, qint64 now, const QString& token = {});
    QString successorOf(const QString& token) const;

    StoreCore& m_core;
    QHash<Id, Role> m_roles; // the role catalog as of m_catalogVersion
    qint64 m_catalogVersion = -1;
    QByteArray m_successorKey; // empty: random successors, no grace
};

} // namespace portcullis
