#pragma once

// The rules of Portcullis, in one place: role levels, grants, tenant scope, effective permissions
// and the password policy. Plain functions over values; no storage, no Qt objects. Backends and the
// server call these; nobody re-implements a check.

#include "domain/actor.h"
#include "domain/result.h"
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

// The six built-in roles of seed 002 with their direct permissions (inheritance not applied).
const QList<Role>& builtInRoles();
int builtInLevel(const QString& roleCode); // 0 when not a built-in role

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
// Assign or revoke `role` on `target`. Needs the actor's level strictly above the role's level and
// above the target's current highest level, or a grant among the actor's roles naming this role
// (a grant never lets anyone give a role above their own level). Nobody raises their own level.
Decision canAssignRole(const Actor& actor, const QList<Role>& actorRoles, const User& target, const Role& role);
// Impersonation: super admins only, never of another super admin, never oneself.
Decision canImpersonate(const Actor& actor, const User& target);
// Create/edit/delete a custom role with this level in this organization.
Decision canManageRole(const Actor& actor, const Role& role);

// --- validation ------------------------------------------------------------------------------

// Seed 002: at least 12 characters with an upper-case letter, a lower-case letter, a digit and a
// special character. Returns the list of unmet rules (empty = acceptable).
QStringList passwordProblems(const QString& password);
Status validatePassword(const QString& password, const QString& field = QStringLiteral("password"));
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
