#pragma once

// The rules of Portcullis, in one place: role levels, grants, tenant scope, effective permissions
// and the password policy. Plain functions over values; no storage, no Qt objects. Backends and the
// server call these; nobody re-implements a check.

#include "domain/actor.h"
#include "domain/result.h"
#include "domain/settings.h"
#include "domain/types.h"

namespace portcullis::policy {

struct Decision
{
    bool allowed = false;
    QString reason; // why not, for a human ("Admins cannot assign super_admin (level 100)")

    static Decision allow() { return { true, {} }; }
    static Decision deny(const QString& why) { return { false, why }; }
    explicit operator bool() const { return allowed; }
};

// --- catalog ---------------------------------------------------------------------------------

// The whole permission catalog: seed 002 (chat, builder, knowledge base, admin) plus the admin
// codes of seed 003 and the wildcard "*".
const QList<Permission>& permissionCatalog();
bool isKnownPermission(const QString& code); // true for catalog codes and valid wildcards of them
// The same, or one of `organizationCodes` (an organization's custom codes, exact only: no wildcards).
bool isKnownPermission(const QString& code, const QSet<QString>& organizationCodes);

// The six built-in roles of seed 002 with their direct permissions (inheritance not applied).
const QList<Role>& builtInRoles();
int builtInLevel(const QString& roleCode); // 0 when not a built-in role

// --- custom permission codes -----------------------------------------------------------------
// An organization may define its own codes for the applications that use Portcullis:
// "<slug>:<resource>:<action>" where <slug> is the organization's slug and <resource> and <action>
// are 1 to 40 lower-case ASCII letters, digits, '_' or '-', starting with a letter. They are
// ordinary codes to the checker (exact match only) and never mean anything to Portcullis itself:
// no custom code can start with a built-in prefix (isBuiltInPrefix), so none can match an admin check.

namespace CustomCodes {
inline constexpr int MaxPart = 40; // <resource> and <action>
inline constexpr int MaxCode = 63 + 1 + MaxPart + 1 + MaxPart; // a slug has at most 63 characters
inline constexpr int PerOrganization = 500;
} // namespace CustomCodes

// The first segment of a built-in code ("admin", "chat", "project", ...), a catalog category
// ("builder", "knowledge_base") or a word reserved for the product ("self", "system", "api", "auth",
// "portcullis"). An organization whose slug is one of these cannot define codes.
bool isBuiltInPrefix(const QString& prefix);
// The grammar alone (validation error on the field "code"): lower-case ASCII, three segments.
Status validateCustomCode(const QString& code);
// May `actor` define or delete custom codes of `organizationId`? admin:role:edit (the right to shape
// roles) in that organization (super admins: any).
Decision canManageCustomCodes(const Actor& actor, Id organizationId);
// May `actor` define `code` (grammatical) in `organization`? canManageCustomCodes, then the prefix
// must be the organization's own slug, not a built-in prefix, and the code not a built-in code.
Decision canDefineCustomCode(const Actor& actor, const Organization& organization, const QString& code);
// May `actor` put `code` into a role of `roleOrganizationId` whose organization's custom codes are
// `organizationCodes`? A built-in code (or wildcard) only when the actor holds it; a custom code of
// the role's organization when the actor holds it or may manage that organization's codes.
Decision canGivePermission(const Actor& actor, const QString& code, Id roleOrganizationId,
                           const QSet<QString>& organizationCodes = {});

// --- permissions -----------------------------------------------------------------------------

// "*" matches everything; "admin:*" matches "admin:user:view"; otherwise exact match.
bool permissionMatches(const QString& granted, const QString& required);
bool hasPermission(const QSet<QString>& granted, const QString& required);

// Effective permissions of one role: its own plus, for every role, the permissions of the
// built-in roles whose level is strictly below its level (a higher role inherits the lower ones).
QSet<QString> effectivePermissions(const Role& role, const QList<Role>& builtIns = builtInRoles());
// Union over all roles of a user.
QSet<QString> effectivePermissions(const QList<Role>& roles, const QList<Role>& builtIns = builtInRoles());
// Permissions an API key actor holds: the owner's effective permissions limited to the scopes.
QSet<QString> limitToScopes(const QSet<QString>& ownerPermissions, const QStringList& scopes);

// --- decisions -------------------------------------------------------------------------------

// The actor must hold `permission`.
Decision requirePermission(const Actor& actor, const QString& permission);
// Only super admins cross organizations. targetOrganizationId 0 means "global" (super admins only
// for writes; reads of global things such as built-in roles are allowed).
Decision requireTenant(const Actor& actor, Id targetOrganizationId);
// Manage (edit, suspend, ban, delete, reset password, revoke sessions of) a user: the actor's
// highest level strictly above the target's, same tenant unless super admin, never oneself for
// destructive actions (ban/suspend/delete yourself is refused).
Decision canManageUser(const Actor& actor, const User& target, bool destructive = true);
// Assign or revoke `role` on `target` (the level rule): the actor's highest level strictly above
// the role's level and strictly above the target's current highest level, whatever grants the actor
// holds. On oneself only roles strictly below one's level that bring nothing new. Nobody raises
// their own level. Whether the actor may assign roles at all is mayAssignRoles().
Decision canAssignRole(const Actor& actor, const QList<Role>& actorRoles, const User& target, const Role& role);
// The right to assign or revoke `role` at all: the permission admin:user:roles (or
// admin:role:assign), or a grant among the actor's roles that is usable now (usableGrant). Combine
// with canAssignRole, which decides whom and at which level.
Decision mayAssignRoles(const Actor& actor, const QList<Role>& actorRoles, const Role& role);
// Give or take `role` of the existing user `target`: mayAssignRoles, then canAssignRole. What the
// store checks before an assignment or a revocation, and what the console greys out.
Decision canGiveRole(const Actor& actor, const QList<Role>& actorRoles, const User& target, const Role& role);

// --- grants ------------------------------------------------------------------------------------
// A grant names a role its holders may assign. It widens *which* roles one may assign, never *whom*
// one may manage, and never reaches a role at or above the holder's own level.

// May `actor` (creating or editing `grantingRole`) let it grant `granted` (an existing role: the
// store refuses unknown codes before asking)? Only a role the actor could assign itself under the
// level rule: strictly below the actor's highest level, and global or of the granting role's
// organization.
Decision canGrantRole(const Actor& actor, const Role& grantingRole, const Role& granted);
// Checked again when a grant is used: a grant naming `role` among `actorRoles`, the role strictly
// below the actor's *current* level and of the granting role's organization (or global). A grant
// stored by someone who has since lost rank works no further than the holder's level. API keys
// never assign through grants (their scopes decide).
bool usableGrant(const Actor& actor, const QList<Role>& actorRoles, const Role& role);
// Invite someone into an organization with `role`: the invitee gets it without anyone assigning it
// later, so the inviter must be able to assign it: the role strictly below the inviter's own level.
Decision canInviteWithRole(const Actor& actor, const Role& role);
// Impersonation: super admins only, never of another super admin, never oneself.
Decision canImpersonate(const Actor& actor, const User& target);
// Create/edit/delete a custom role with this level in this organization. `organizationCodes`: the
// custom codes of the role's organization (canGivePermission).
Decision canManageRole(const Actor& actor, const Role& role, const QSet<QString>& organizationCodes = {});

// What an admin does to a user account. The store checks each with canActOnUser() before it
// writes, and the console enables its actions by the same call.
enum class UserAction
{
    Edit, // profile fields; one's own needs no permission
    Delete,
    Suspend, // and reactivate
    Ban, // and unban
    SetPassword, // one's own needs no permission (the current password is asked instead)
    IssueToken, // a password reset or e-mail verification code
    EndSessions, // "sign out everywhere": one's own needs no permission
    Impersonate,
    Move // to another organization: super admins only, never oneself or another super admin
};
// The permission an action needs (the right to act at all), then the level and tenant rule
// (canManageUser; destructive actions never on oneself) or, for impersonation, canImpersonate.
// Tenant visibility of `target` is the caller's: another tenant's user should read as missing.
Decision canActOnUser(const Actor& actor, const User& target, UserAction action);
// The permission `action` needs on another user's account.
const QString& permissionFor(UserAction action);

// --- plan limits ---------------------------------------------------------------------------------

// The three ways a person takes a seat in an organization.
enum class SeatFor
{
    NewUser, // an admin creates an account
    Invitation, // an invitation holds its seat from the moment it is sent
    AcceptedInvitation // the invitee signs up (the invitation held the seat)
};

// THE plan limit: a seat is free while the seats taken stay below the organization's user limit
// (maxUsers; "at the limit" is full). `seatsTaken` is what StoreCore::seatsTaken counts: users and
// pending invitations for NewUser and Invitation, users only for AcceptedInvitation (a plan lowered
// since the invitation is checked against the accounts that exist). The reason is worded for
// `purpose`. Used by user creation, invitation and acceptance alike.
Decision seatAvailable(const Organization& organization, qint64 seatsTaken, SeatFor purpose);

// --- API key scopes ----------------------------------------------------------------------------

// May a new key carry `scope`? Only a known permission (or a valid wildcard of one) that the key's
// owner holds (`ownerPermissions`, effective; a wildcard the owner holds covers it), and, when the
// key is made through another key (`creator` an API key actor), one that key holds too: no key
// comes out broader than its owner or than the key that made it. `ownerName` is for the reason.
// `organizationCodes`: the custom codes of the owner's organization, the only custom codes a key of
// that owner can know.
Decision canCarryScope(const QString& scope, const QSet<QString>& ownerPermissions, const QString& ownerName,
                       const Actor& creator, const QSet<QString>& organizationCodes = {});
// A request through a key that needs `required`: one of the key's `scopes` must cover it, and the
// key's permissions now (`keyPermissions`, limitToScopes of what the owner holds today) must still
// include it, since the owner may have lost the permission after the key was made.
Decision keyCoversScope(const QStringList& scopes, const QSet<QString>& keyPermissions, const QString& required);

// --- sign-in eligibility -------------------------------------------------------------------------

// How an account presents itself: a password sign-in, a session (standalone or the server's
// per-request check) or an API key acting for its owner.
enum class Credential
{
    Password,
    Session,
    ApiKey
};

// What the eligibility decision needs, as stored: the account, its organization and the credential
// in use. StoreCore fills it from one row (accountStateColumns / accountStateFromQuery in rows.h,
// or StoreCore::loadSignInState).
struct AccountState
{
    Id userId = 0;
    bool deleted = false;
    bool active = true; // false = suspended
    QString banReason; // empty = not banned
    QDateTime banExpiresAt; // invalid = permanent while banned
    QDateTime lockedUntil;
    bool organizationActive = true;
    QString organizationName;
    // The session or API key in use (ignored for Credential::Password).
    bool credentialRevoked = false;
    QDateTime credentialExpiresAt; // invalid = never
};

enum class Ineligible
{
    None,
    CredentialRevoked,
    CredentialExpired,
    Deleted,
    Locked,
    Banned,
    Suspended,
    OrganizationSuspended
};

struct Eligibility
{
    Ineligible why = Ineligible::None;
    QString reason; // for a human, worded for the credential ("The owner of this API key is banned")

    bool eligible() const { return why == Ineligible::None; }
    explicit operator bool() const { return eligible(); }
};

// THE rule for "may this account act right now?": credential not revoked or expired, account not
// deleted, not locked (password sign-in only: a lock stops password guessing and must not let a
// guesser end the owner's sessions), not banned (a ban past its expiry no longer counts), not
// suspended, organization active. Used by the password sign-in, the session check, the server's
// per-request check and API-key verification; the console re-checks its actor with it too.
Eligibility signInEligibility(const AccountState& state, Credential via,
                              const QDateTime& now = QDateTime::currentDateTimeUtc());

// --- validation ------------------------------------------------------------------------------

// Seed 002: at least 12 characters with an upper-case letter, a lower-case letter, a digit and a
// special character. Returns the list of unmet rules (empty = acceptable). `minLength` is the
// deployment's setting (password_min_length), never below 12.
QStringList passwordProblems(const QString& password, int minLength = 12);
Status validatePassword(const QString& password, const QString& field = QStringLiteral("password"), int minLength = 12);
Status validateEmail(const QString& email);
Status validateUsername(const QString& username);
Status validateRoleCode(const QString& code);
Status validateSlug(const QString& slug);
QString slugify(const QString& name);

// Field length limits shared by validation and the schema.
namespace Limits {
inline constexpr int Email = 254;
inline constexpr int Username = 64;
inline constexpr int FullName = 200;
inline constexpr int Name = 120;
inline constexpr int Description = 1000;
inline constexpr int Reason = 500;
inline constexpr int MaxPasswordLength = 1024;
} // namespace Limits

} // namespace portcullis::policy

namespace portcullis {

// The numbers behind the rules: the store and the server apply them, the console shows them. Here
// so that no layer keeps its own copy.
// MaxFailedLogins, LockMinutes, InvitationDays: the compiled-in defaults of the deployment settings
// (domain/settings.h); the store applies the effective values (StoreCore::settings()).
namespace lockout {
inline constexpr int MaxFailedLogins = DeploymentSettings {}.lockoutThreshold;
inline constexpr int LockMinutes = DeploymentSettings {}.lockoutMinutes;
// A lock does not stop sign-ins from an address the account signed in from within this many days.
inline constexpr int KnownAddressDays = 30;
} // namespace lockout

namespace auditbound {
inline constexpr int WindowSeconds = 60;
inline constexpr int FullEvents = 3;
} // namespace auditbound

namespace limits {
inline constexpr int SessionHours = 12;
inline constexpr int MaxImpersonationMinutes = 120;
inline constexpr int InvitationDays = DeploymentSettings {}.invitationDays;
inline constexpr int MaxInvitationDays = 90; // an invitation is valid for 1 to this many days
inline constexpr int MaxApiKeyRatePerMinute = 100000; // an API key's rate limit: 1 to this many requests
// The grace periods a rotated API key's old secret may keep working: none, 1 hour, 24 hours, 7 days.
inline constexpr qint64 ApiKeyRotationGraces[] = { 0, 3600, 24 * 3600, 7 * 24 * 3600 };
inline constexpr qint64 DefaultApiKeyRotationGrace = 24 * 3600;
inline constexpr int ResetTokenHours = 2;
// A reset code made by a user import: the administrator hands the codes out, which takes longer.
inline constexpr int ImportResetCodeHours = 72;
inline constexpr int VerificationTokenHours = 72;
inline constexpr int MaxPageSize = 500;
// Filtered lists (a users search, a status or role filter, the sessions list) count their matches
// up to this many and no further: more are reported as "at least this many"
// (Page::totalIsLowerBound), so that no request counts a million rows.
inline constexpr int ExactTotalBound = 10000;
} // namespace limits

// Role levels: built-in roles are fixed (policy::builtInLevel); custom roles lie in this range.
namespace levels {
inline constexpr int CustomMin = 1;
inline constexpr int CustomMax = 99;
} // namespace levels

} // namespace portcullis
