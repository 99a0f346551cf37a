#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace portcullis {

// Row ids. 0 means "none" (no organization for a global role, no impersonator, ...).
using Id = qint64;

// Built-in role levels of seed 002.
namespace Level {
inline constexpr int SuperAdmin = 100;
inline constexpr int Admin = 80;
inline constexpr int TeamLead = 60;
inline constexpr int PowerUser = 40;
inline constexpr int User = 20;
inline constexpr int Viewer = 10;
} // namespace Level

struct Organization
{
    Id id = 0;
    QString name;
    QString slug;
    QString plan = QStringLiteral("free");
    int maxUsers = 100;
    QStringList features;
    bool active = true;
    QDateTime createdAt;
    qint64 userCount = 0; // filled by list/get: users not deleted
    // Filled by list/get: invitations not accepted, revoked or expired. Each holds a seat: the user
    // limit counts userCount + pendingInvitations.
    qint64 pendingInvitations = 0;
    qint64 seatsTaken() const { return userCount + pendingInvitations; }
};

struct User
{
    Id id = 0;
    QString email;
    QString username;
    QString fullName;
    Id organizationId = 0;
    bool active = true; // false = suspended
    bool verified = false;
    bool deleted = false; // soft delete
    QString banReason; // empty = not banned
    QDateTime banExpiresAt; // invalid = permanent while banned
    Id bannedBy = 0;
    int failedLogins = 0;
    QDateTime lockedUntil;
    QDateTime lastLoginAt;
    QDateTime createdAt;
    qint64 version = 1; // row version for optimistic concurrency
    QStringList roleCodes; // filled in the same query as the row, never one query per row
    int highestLevel = 0;

    bool isBanned(const QDateTime& now = QDateTime::currentDateTimeUtc()) const
    {
        return !banReason.isEmpty() && (!banExpiresAt.isValid() || banExpiresAt > now);
    }
    bool isLocked(const QDateTime& now = QDateTime::currentDateTimeUtc()) const
    {
        return lockedUntil.isValid() && lockedUntil > now;
    }
    // "active", "suspended", "banned", "locked" or "deleted".
    QString status(const QDateTime& now = QDateTime::currentDateTimeUtc()) const;
};

struct Role
{
    Id id = 0;
    QString code;
    QString name;
    QString description;
    int level = 0;
    bool builtIn = false;
    Id organizationId = 0; // 0 = global
    QStringList permissions; // direct permissions (may contain wildcards)
    QStringList grants; // role codes this role may assign although they are not strictly below
};

struct Permission
{
    QString code;
    QString category; // a custom code's category is its organization's slug
    QString description;
    Id organizationId = 0; // 0: built in (the catalog); else the organization that defined the custom code
};

struct ApiKey
{
    Id id = 0;
    QString name;
    Id userId = 0;
    Id organizationId = 0;
    QString prefix; // the visible start of the key, e.g. "pk_live_AbC123"
    QStringList scopes;
    QDateTime expiresAt; // invalid = never
    int rateLimitPerMinute = 60;
    QStringList ipAllowlist; // empty = any address; entries are addresses or CIDR ranges
    QDateTime lastUsedAt;
    QDateTime createdAt;
    bool revoked = false;
    QString ownerEmail;
    // Rotation: the secret before the last rotation is accepted until previousValidUntil (invalid:
    // not accepted at all); previousLastUsedAt says when it was last used instead of the new one.
    QDateTime rotatedAt;
    QDateTime previousValidUntil;
    QDateTime previousLastUsedAt;
};

// The only time the secret exists outside the caller's hands (a new key, or a rotated one).
struct CreatedApiKey
{
    ApiKey key;
    QString secret;
};

struct Session
{
    Id id = 0;
    Id userId = 0;
    QString userEmail;
    Id organizationId = 0;
    QString ip;
    QString userAgent;
    QDateTime createdAt;
    QDateTime lastSeenAt;
    QDateTime expiresAt;
    bool revoked = false;
    Id impersonatorId = 0;
    QString impersonatorEmail;
    QString impersonationReason;

    bool isImpersonation() const { return impersonatorId != 0; }
};

struct CreatedSession
{
    Session session;
    QString token; // shown once; only its hash is stored
};

struct Invitation
{
    Id id = 0;
    Id organizationId = 0;
    QString email;
    QString roleCode;
    Id invitedBy = 0;
    QDateTime createdAt;
    QDateTime expiresAt;
    QDateTime acceptedAt;
    bool revoked = false;

    QString status(const QDateTime& now = QDateTime::currentDateTimeUtc()) const;
};

struct CreatedInvitation
{
    Invitation invitation;
    QString token;
};

struct AuditEvent
{
    Id id = 0;
    QDateTime time;
    QString actorType; // "user", "api_key" or "system"
    Id actorId = 0;
    QString actorLabel; // email of the user (or owner of the key) when known
    Id organizationId = 0;
    QString action; // "user.banned", ...
    QString resourceType;
    QString resourceId;
    // What the target is called now, read with the event (not part of the chain): a user's email,
    // a role's code, an organization's or an API key's name; empty when the target is gone, has no
    // name, or lies in a tenant the reader does not see.
    QString resourceLabel;
    QJsonObject details;
    QString ip;
    QString outcome = QStringLiteral("success"); // "success" or "denied"
    QByteArray prevHash; // hex
    QByteArray hash; // hex
};

struct Stats
{
    qint64 usersTotal = 0;
    qint64 usersActive = 0;
    qint64 usersBanned = 0;
    qint64 usersSuspended = 0;
    qint64 sessionsActive = 0;
    qint64 apiKeysActive = 0;
    qint64 eventsLast24h = 0;
};

template <typename T> struct Page
{
    QList<T> items;
    // The number of matching rows. Lists that count only up to a bound (a users search or filter,
    // the sessions list: see limits::ExactTotalBound) say so: then at least `total` rows match.
    qint64 total = 0;
    bool totalIsLowerBound = false;
    int page = 1;
    int limit = 50;
};

struct AuditPage
{
    QList<AuditEvent> items;
    QString nextCursor; // empty at the end
    // With AuditQuery::withTotal: how many events match the filter below the cursor (or beforeId),
    // exactly; -1 when not asked for.
    qint64 total = -1;
};

struct UserQuery
{
    QString search; // substring of email, username or full name
    QString roleCode; // only users holding this role
    QString status; // "", "active", "suspended", "banned", "locked", "deleted"
    Id organizationId = 0; // 0 = the actor's scope (all for super admins)
    QString sortBy = QStringLiteral("email"); // email, username, full_name, created_at, last_login_at
    bool descending = false;
    int page = 1;
    int limit = 50;
};

// API keys of the actor's scope, newest first.
struct ApiKeyQuery
{
    Id userId = 0; // 0 = every owner
    Id organizationId = 0; // 0 = the actor's scope (all tenants for super admins)
    // Part of the key's name or its owner's email (any case), or the start of the key itself: its
    // prefix, or the whole pasted key (then the key whose prefix it starts with).
    QString search;
    int page = 1;
    int limit = 50;
    bool activeOnly = false; // neither revoked nor expired (what the dashboard counts)
};

struct AuditQuery
{
    Id actorId = 0;
    QString actorType;
    QString actorEmail; // matched against the actor's email (exact, case-insensitive)
    QString action; // exact, or a prefix ending in '*' ("user.*")
    QString resourceType;
    QString resourceId;
    // Events the user took part in: as the acting user (not one of their API keys) or as the target
    // (resource user #id). ANDed with the other filters.
    Id involvesUserId = 0;
    QString outcome; // "", "success", "denied"
    Id organizationId = 0;
    QString ip;
    QDateTime from; // inclusive
    QDateTime to; // exclusive
    QString cursor; // from AuditPage::nextCursor
    int limit = 100;
    // Seeking (the console's scroll bar): only events older than this id (with a cursor as well,
    // the older of the two bounds), after skipping `offset` matching events.
    Id beforeId = 0;
    qint64 offset = 0;
    // Following: only events newer than this id; the page holds the oldest `limit` of them, newest
    // first, and has no next cursor (a full page means more may follow: ask again from its newest).
    Id afterId = 0;
    // Count the matching events below the cursor or beforeId into AuditPage::total.
    bool withTotal = false;
};

struct SessionQuery
{
    Id userId = 0;
    Id organizationId = 0; // 0 = the actor's scope (all tenants for super admins)
    bool includeRevoked = false;
    bool includeExpired = false;
    int page = 1;
    int limit = 50;
};

struct NewOrganization
{
    QString name;
    QString slug; // derived from the name when empty
    QString plan = QStringLiteral("free");
    int maxUsers = 100;
    QStringList features;
};

struct OrganizationUpdate
{
    std::optional<QString> name;
    std::optional<QString> plan;
    std::optional<int> maxUsers;
    std::optional<QStringList> features;
};

struct NewUser
{
    QString email;
    QString username;
    QString fullName;
    QString password;
    Id organizationId = 0; // 0 = the actor's organization
    QStringList roleCodes = { QStringLiteral("user") };
    bool verified = false;
};

struct UserUpdate
{
    qint64 expectedVersion = 0; // must match the stored version
    std::optional<QString> email;
    std::optional<QString> username;
    std::optional<QString> fullName;
    std::optional<bool> verified;
};

// A new password for a user. Changing one's own needs the current password; an administrator's
// reset revokes the user's API keys too unless told not to (whoever took the account over may have
// minted keys that the new password would not stop).
struct PasswordChange
{
    QString password;
    QString currentPassword; // required when the actor changes its own password
    bool revokeApiKeys = true;
};

struct NewRole
{
    QString code;
    QString name;
    QString description;
    int level = 30;
    Id organizationId = 0; // 0 = global (super admins only)
    QStringList permissions;
    QStringList grants;
};

struct RoleUpdate
{
    std::optional<QString> name;
    std::optional<QString> description;
    std::optional<int> level;
    std::optional<QStringList> permissions;
    std::optional<QStringList> grants;
};

struct NewApiKey
{
    QString name;
    Id userId = 0;
    QStringList scopes;
    QDateTime expiresAt;
    int rateLimitPerMinute = 0; // 0: the deployment's setting api_key_rate_limit
    QStringList ipAllowlist;
};

// An edit of an API key: only the fields that are set change. The owner and the secret stay
// (rotate for a new secret). expiresAt set to an invalid time: the key no longer expires.
struct ApiKeyUpdate
{
    std::optional<QString> name;
    std::optional<QStringList> scopes;
    std::optional<QDateTime> expiresAt;
    std::optional<int> rateLimitPerMinute;
    std::optional<QStringList> ipAllowlist;
};

} // namespace portcullis
