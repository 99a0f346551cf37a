#pragma once

// JWT access tokens of the REST API: HS256 (HMAC-SHA-256 over "header.payload", base64url without
// padding), with the claims of seed 002 plus the server-side session id and a token id. Thread-safe
// (plain functions over values).
//
// The roles claim describes the actor when the token was issued, for clients (the effective
// permissions are in GET /api/auth/me, not in the token, which stays small); the
// server never authorises from them: every request re-reads the session, the user and the roles
// from the database (ServerSupport::actorForSession).

#include "domain/result.h"
#include "domain/settings.h"
#include "domain/types.h"

#include <QByteArray>
#include <QStringList>

namespace portcullis::server::jwt {

// The compiled-in default; tokens are issued for the setting access_token_minutes.
inline constexpr qint64 AccessTokenSeconds = qint64(DeploymentSettings {}.accessTokenMinutes) * 60;
// A clock difference between servers that is tolerated on "iat".
inline constexpr qint64 ClockSkewSeconds = 60;
// The smallest signing secret accepted (bytes).
inline constexpr int MinimumSecretBytes = 32;
// Larger tokens are refused before any decoding (the server's own are well under 1 KiB).
inline constexpr qsizetype MaxTokenBytes = 16 * 1024;

struct AccessClaims
{
    Id userId = 0; // "sub" (a string in the token)
    QString email;
    Id organizationId = 0; // "org_id" (a string in the token)
    QStringList roles;
    QStringList permissions; // read when present; the server no longer issues it (empty)
    Id sessionId = 0; // "sid"
    QString tokenId; // "jti"
    qint64 issuedAt = 0; // "iat", seconds since the epoch
    qint64 expiresAt = 0; // "exp"
};

// The compact serialisation of a signed access token.
QByteArray sign(const QByteArray& secret, const AccessClaims& claims);

// Checks the form, the algorithm (HS256 only: "none" and every other algorithm are refused), the
// signature (compared in constant time), the type ("access"), expiry and issue time. Errors are
// Unauthenticated with a message fit for a client; they never echo the token.
Result<AccessClaims> verify(const QByteArray& secret, const QByteArray& token, qint64 nowSeconds);

// True when `token` has the shape of a JWT (three dot-separated parts) rather than an opaque
// session token.
bool looksLikeJwt(const QByteArray& token);

QByteArray base64UrlEncode(const QByteArray& data);
// Empty (and *ok = false) when `text` is not unpadded base64url.
QByteArray base64UrlDecode(const QByteArray& text, bool* ok);

} // namespace portcullis::server::jwt
