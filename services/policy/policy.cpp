#include "policy.h"
#include "catalog.h"

#include "catalog.h"

#include <QCoreApplication>
#include <QRegularExpression>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace portcullis::policy {

namespace {

// Decisions and validation messages reach the user, so they go through Qt's translation system.
// The catalog and the built-in roles are data (they are seeded into the database) and stay English.
// (Qt Creator's pattern: a Tr struct whose context lupdate reads from the macro.)
struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Policy)
};

Permission perm(const QString& code, const QString& category, const QString& description)
{
    return Permission { code, category, description };
}

QList<Permission> buildCatalog()
{
    const QString chat = u"chat"_s;
    const QString builder = u"builder"_s;
    const QString kb = u"knowledge_base"_s;
    const QString admin = u"admin"_s;
    return {
        // Chat (seed 002, 15)
        perm(u"chat:view"_s, chat, u"View the chat interface"_s),
        perm(u"chat:create"_s, chat, u"Create conversations"_s),
        perm(u"chat:delete"_s, chat, u"Delete own conversations"_s),
        perm(u"chat:delete:any"_s, chat, u"Delete any conversation"_s),
        perm(u"chat:export"_s, chat, u"Export conversations"_s),
        perm(u"chat:share"_s, chat, u"Share conversations"_s),
        perm(u"chat:model:free"_s, chat, u"Use free tier models"_s),
        perm(u"chat:model:balanced"_s, chat, u"Use balanced tier models"_s),
        perm(u"chat:model:premium"_s, chat, u"Use premium models"_s),
        perm(u"chat:model:select"_s, chat, u"Select the model manually"_s),
        perm(u"chat:multimodal"_s, chat, u"Analyse images and documents"_s),
        perm(u"chat:streaming"_s, chat, u"Receive answers in real time (streaming)"_s),
        perm(u"chat:history"_s, chat, u"View the conversation history"_s),
        perm(u"chat:context"_s, chat, u"Provide a custom context"_s),
        perm(u"chat:system_prompt"_s, chat, u"Use custom system prompts"_s),
        // Builder (seed 002, 15)
        perm(u"project:view"_s, builder, u"View projects"_s),
        perm(u"project:create"_s, builder, u"Create projects"_s),
        perm(u"project:edit"_s, builder, u"Edit projects"_s),
        perm(u"project:delete"_s, builder, u"Delete projects"_s),
        perm(u"project:settings"_s, builder, u"Manage project settings"_s),
        perm(u"pipeline:view"_s, builder, u"View pipelines"_s),
        perm(u"pipeline:create"_s, builder, u"Create pipelines"_s),
        perm(u"pipeline:execute"_s, builder, u"Run pipelines"_s),
        perm(u"pipeline:cancel"_s, builder, u"Cancel running pipelines"_s),
        perm(u"agent:view"_s, builder, u"View agents"_s),
        perm(u"agent:configure"_s, builder, u"Configure agents"_s),
        perm(u"agent:custom"_s, builder, u"Create custom agents"_s),
        perm(u"deploy:view"_s, builder, u"View deployments"_s),
        perm(u"deploy:execute"_s, builder, u"Execute deployments"_s),
        perm(u"deploy:approve"_s, builder, u"Approve deployments"_s),
        // Knowledge base (seed 002, 10)
        perm(u"kb:view"_s, kb, u"View the knowledge base"_s),
        perm(u"kb:search"_s, kb, u"Search documents"_s),
        perm(u"kb:upload"_s, kb, u"Upload documents"_s),
        perm(u"kb:delete"_s, kb, u"Delete documents"_s),
        perm(u"kb:index"_s, kb, u"Manage indexes"_s),
        perm(u"kb:configure"_s, kb, u"Configure knowledge base settings"_s),
        perm(u"kb:export"_s, kb, u"Export documents"_s),
        perm(u"kb:share"_s, kb, u"Share knowledge base access"_s),
        perm(u"kb:embed"_s, kb, u"Generate embeddings"_s),
        perm(u"kb:rag"_s, kb, u"Use retrieval-augmented generation"_s),
        // Admin (seed 002, 20)
        perm(perm::UserView, admin, u"View users"_s),
        perm(perm::UserCreate, admin, u"Create users"_s),
        perm(perm::UserEdit, admin, u"Edit users"_s),
        perm(perm::UserDelete, admin, u"Delete users"_s),
        perm(perm::UserRoles, admin, u"Manage the roles of users"_s),
        perm(perm::RoleView, admin, u"View roles"_s),
        perm(perm::RoleCreate, admin, u"Create custom roles"_s),
        perm(perm::RoleEdit, admin, u"Edit custom roles"_s),
        perm(perm::RoleDelete, admin, u"Delete custom roles"_s),
        perm(perm::ApiKeyView, admin, u"View API keys"_s),
        perm(perm::ApiKeyCreate, admin, u"Create API keys"_s),
        perm(perm::ApiKeyRevoke, admin, u"Revoke API keys"_s),
        perm(perm::AuditView, admin, u"View the audit log"_s),
        perm(perm::AuditExport, admin, u"Export the audit log"_s),
        perm(perm::SystemConfig, admin, u"Change the system configuration"_s),
        perm(perm::SystemHealth, admin, u"View the system health"_s),
        perm(perm::SystemBackup, admin, u"Back up and restore the system"_s),
        perm(perm::OrgView, admin, u"View organizations"_s),
        perm(perm::OrgCreate, admin, u"Create organizations"_s),
        perm(perm::OrgEdit, admin, u"Edit organizations"_s),
        // Admin operations (seed 003; admin:user:create and admin:user:delete are already above)
        perm(perm::UserRead, admin, u"List and view users"_s),
        perm(perm::UserUpdate, admin, u"Update user information"_s),
        perm(perm::UserBan, admin, u"Ban and unban users"_s),
        perm(perm::UserImpersonate, admin, u"Impersonate users (security-sensitive)"_s),
        perm(perm::SessionRead, admin, u"View sessions"_s),
        perm(perm::SessionRevoke, admin, u"Revoke sessions"_s),
        perm(perm::RoleAssign, admin, u"Assign and revoke roles"_s),
        perm(perm::StatsRead, admin, u"View statistics"_s),
        perm(perm::AuditRead, admin, u"Read audit events"_s),
        // Used by the product
        perm(perm::OrgSuspend, admin, u"Suspend and reactivate organizations"_s),
        perm(perm::OrgDelete, admin, u"Delete organizations"_s),
        perm(perm::OrgInvite, admin, u"Invite users into an organization"_s),
        perm(perm::AuditVerify, admin, u"Verify the audit hash chain"_s),
        // Everything
        perm(u"*"_s, admin, u"Every permission (super admins)"_s),
    };
}

Role builtIn(const QString& code, const QString& name, const QString& description, int level,
             const QStringList& permissions)
{
    Role role;
    role.code = code;
    role.name = name;
    role.description = description;
    role.level = level;
    role.builtIn = true;
    role.organizationId = 0;
    role.permissions = permissions;
    return role;
}

// Direct permissions only; effectivePermissions() adds those of the lower roles. The admin role
// lists its user permissions one by one on purpose: "admin:user:*" would include
// admin:user:impersonate, which is for super admins only (as are organization create/suspend/delete
// and system config/backup, reached through "*").
QList<Role> buildBuiltInRoles()
{
    return {
        builtIn(u"super_admin"_s, u"Super Admin"_s, u"Full platform control"_s, Level::SuperAdmin, { u"*"_s }),
        builtIn(u"admin"_s, u"Admin"_s, u"Organization administrator"_s, Level::Admin,
                {
                    perm::UserView,     perm::UserRead,      perm::UserCreate, perm::UserEdit,    perm::UserUpdate,
                    perm::UserDelete,   perm::UserBan,       perm::UserRoles,  perm::RoleView,    perm::RoleCreate,
                    perm::RoleEdit,     perm::RoleDelete,    perm::RoleAssign, perm::ApiKeyView,  perm::ApiKeyCreate,
                    perm::ApiKeyRevoke, perm::AuditView,     perm::AuditRead,  perm::AuditExport, perm::AuditVerify,
                    perm::SessionRead,  perm::SessionRevoke, perm::StatsRead,  perm::OrgView,     perm::OrgEdit,
                    perm::OrgInvite,    perm::SystemHealth,
                }),
        builtIn(u"team_lead"_s, u"Team Lead"_s, u"Team manager with deployment rights"_s, Level::TeamLead,
                {
                    u"project:settings"_s,
                    u"project:delete"_s,
                    u"deploy:execute"_s,
                    u"deploy:approve"_s,
                    u"kb:delete"_s,
                    u"kb:index"_s,
                    u"kb:configure"_s,
                    u"chat:delete:any"_s,
                    perm::UserView,
                    perm::UserRead,
                }),
        builtIn(u"power_user"_s, u"Power User"_s, u"Advanced user with create rights"_s, Level::PowerUser,
                {
                    u"project:create"_s,
                    u"project:edit"_s,
                    u"pipeline:create"_s,
                    u"agent:configure"_s,
                    u"agent:custom"_s,
                    u"kb:upload"_s,
                    u"kb:embed"_s,
                    u"kb:export"_s,
                    u"kb:share"_s,
                    u"chat:export"_s,
                    u"chat:model:premium"_s,
                    u"chat:model:select"_s,
                    u"chat:multimodal"_s,
                    u"chat:system_prompt"_s,
                }),
        builtIn(u"user"_s, u"User"_s, u"Standard user"_s, Level::User,
                {
                    u"chat:create"_s,
                    u"chat:delete"_s,
                    u"chat:share"_s,
                    u"chat:model:free"_s,
                    u"chat:model:balanced"_s,
                    u"chat:streaming"_s,
                    u"chat:context"_s,
                    u"pipeline:execute"_s,
                    u"pipeline:cancel"_s,
                    u"kb:search"_s,
                    u"kb:rag"_s,
                }),
        builtIn(u"viewer"_s, u"Viewer"_s, u"Read-only access"_s, Level::Viewer,
                {
                    u"chat:view"_s,
                    u"chat:history"_s,
                    u"project:view"_s,
                    u"pipeline:view"_s,
                    u"agent:view"_s,
                    u"deploy:view"_s,
                    u"kb:view"_s,
                }),
    };
}

bool isWildcard(const QString& code)
{
    return code == u"*"_s || code.endsWith(u":*"_s);
}

bool isSelf(const Actor& actor, const User& target)
{
    return target.id != 0 && target.id == actor.userId;
}

// The name of the actor's highest role for messages ("admin (level 80) cannot ...").
QString actorLabel(const Actor& actor, const QList<Role>& actorRoles)
{
    for (const Role& role : actorRoles) {
        if (role.level == actor.level)
            return role.code;
    }
    for (const QString& code : actor.roleCodes) {
        if (builtInLevel(code) == actor.level)
            return code;
    }
    return Tr::tr("You");
}

} // namespace

// --- catalog ---------------------------------------------------------------------------------

const QList<Permission>& permissionCatalog()
{
    static const QList<Permission> catalog = buildCatalog();
    return catalog;
}

bool isKnownPermission(const QString& code)
{
    static const QSet<QString> codes = [] {
        QSet<QString> set;
        for (const Permission& permission : permissionCatalog())
            set.insert(permission.code);
        return set;
    }();
    if (codes.contains(code))
        return true;
    if (code.size() > 2 && code.endsWith(u":*"_s)) {
        const QString prefix = code.chopped(1); // keeps the colon: "admin:user:"
        return std::any_of(codes.cbegin(), codes.cend(),
                           [&](const QString& known) { return known.startsWith(prefix); });
    }
    return false;
}

bool isKnownPermission(const QString& code, const QSet<QString>& organizationCodes)
{
    return organizationCodes.contains(code) || isKnownPermission(code);
}

// --- custom permission codes -----------------------------------------------------------------

bool isBuiltInPrefix(const QString& prefix)
{
    static const QSet<QString> reserved = [] {
        QSet<QString> set { u"self"_s, u"system"_s, u"api"_s, u"auth"_s, u"portcullis"_s, u"admin"_s };
        for (const Permission& permission : permissionCatalog()) {
            set.insert(permission.code.section(u':', 0, 0));
            set.insert(permission.category);
        }
        return set;
    }();
    return reserved.contains(prefix);
}

Status validateCustomCode(const QString& code)
{
    // ASCII only, matched as written: "Admin:user:view" or a fullwidth colon is refused, never folded.
    static const QRegularExpression pattern(
        u"^[a-z0-9]+(?:-[a-z0-9]+)*:[a-z][a-z0-9_-]{0,%1}:[a-z][a-z0-9_-]{0,%1}$"_s.arg(CustomCodes::MaxPart - 1));
    const QString field = u"code"_s;
    if (code.isEmpty() || code.size() > CustomCodes::MaxCode)
        return ServiceError::validationField(
            field, Tr::tr("A permission code has between 1 and %1 characters.").arg(CustomCodes::MaxCode));
    if (!pattern.match(code).hasMatch())
        return ServiceError::validationField(
            field,
            Tr::tr("A permission code reads <organization slug>:<resource>:<action>, in lower-case letters, "
                   "digits, '_' and '-', each part starting with a letter (at most %1 characters).")
                .arg(CustomCodes::MaxPart));
    return {};
}

Decision canManageCustomCodes(const Actor& actor, Id organizationId)
{
    if (const Decision permission = requirePermission(actor, perm::RoleEdit); !permission)
        return permission;
    if (organizationId == 0)
        return Decision::deny(Tr::tr("Custom permission codes belong to an organization"));
    return requireTenant(actor, organizationId);
}

Decision canDefineCustomCode(const Actor& actor, const Organization& organization, const QString& code)
{
    if (const Decision manage = canManageCustomCodes(actor, organization.id); !manage)
        return manage;
    const QString prefix = code.section(u':', 0, 0);
    if (isBuiltInPrefix(prefix) || isKnownPermission(code))
        return Decision::deny(
            Tr::tr("%1 would shadow a built-in permission: custom codes cannot start with %2:").arg(code, prefix));
    if (isBuiltInPrefix(organization.slug))
        return Decision::deny(Tr::tr("The slug of %1 (%2) is reserved by Portcullis, so it cannot have custom codes")
                                  .arg(organization.name, organization.slug));
    if (prefix != organization.slug)
        return Decision::deny(
            Tr::tr("Custom codes of %1 start with its slug: %2:").arg(organization.name, organization.slug));
    return Decision::allow();
}

Decision canGivePermission(const Actor& actor, const QString& code, Id roleOrganizationId,
                           const QSet<QString>& organizationCodes)
{
    if (hasPermission(actor.permissions, code))
        return Decision::allow();
    if (organizationCodes.contains(code) && canManageCustomCodes(actor, roleOrganizationId))
        return Decision::allow();
    return Decision::deny(Tr::tr("You cannot give a role the permission %1, which you do not hold").arg(code));
}

const QList<Role>& builtInRoles()
{
    static const QList<Role> roles = buildBuiltInRoles();
    return roles;
}

int builtInLevel(const QString& roleCode)
{
    for (const Role& role : builtInRoles()) {
        if (role.code == roleCode)
            return role.level;
    }
    return 0;
}

// --- permissions -----------------------------------------------------------------------------

bool permissionMatches(const QString& granted, const QString& required)
{
    if (granted.isEmpty() || required.isEmpty())
        return false;
    if (granted == u"*"_s)
        return true;
    if (granted.endsWith(u":*"_s)) {
        const QString prefix = granted.chopped(1); // "admin:"
        return required.startsWith(prefix) || required == granted.chopped(2);
    }
    return granted == required;
}

bool hasPermission(const QSet<QString>& granted, const QString& required)
{
    if (granted.contains(required) && !required.isEmpty())
        return true;
    return std::any_of(granted.cbegin(), granted.cend(),
                       [&](const QString& code) { return isWildcard(code) && permissionMatches(code, required); });
}

QSet<QString> effectivePermissions(const Role& role, const QList<Role>& builtIns)
{
    QSet<QString> result(role.permissions.cbegin(), role.permissions.cend());
    for (const Role& lower : builtIns) {
        if (lower.level < role.level) {
            for (const QString& code : lower.permissions)
                result.insert(code);
        }
    }
    return result;
}

QSet<QString> effectivePermissions(const QList<Role>& roles, const QList<Role>& builtIns)
{
    QSet<QString> result;
    for (const Role& role : roles)
        result.unite(effectivePermissions(role, builtIns));
    return result;
}

QSet<QString> limitToScopes(const QSet<QString>& ownerPermissions, const QStringList& scopes)
{
    // A code ends up in the result only when the owner holds it or something broader, and a scope
    // covers it: the result is the intersection of the two sets of codes, never more.
    QSet<QString> result;
    for (const QString& held : ownerPermissions) {
        for (const QString& scope : scopes) {
            if (permissionMatches(scope, held)) // the scope is as broad as the held code
                result.insert(held);
            else if (permissionMatches(held, scope)) // the held code (a wildcard) covers the scope
                result.insert(scope);
        }
    }
    return result;
}

// --- decisions -------------------------------------------------------------------------------

Decision requirePermission(const Actor& actor, const QString& permission)
{
    if (hasPermission(actor.permissions, permission))
        return Decision::allow();
    return Decision::deny(Tr::tr("Missing permission %1").arg(permission));
}

Decision requireTenant(const Actor& actor, Id targetOrganizationId)
{
    if (actor.isSuperAdmin())
        return Decision::allow();
    if (targetOrganizationId == 0)
        return Decision::deny(Tr::tr("Only super admins can change global objects"));
    if (actor.organizationId == targetOrganizationId)
        return Decision::allow();
    return Decision::deny(Tr::tr("Only super admins can act outside their organization"));
}

Decision canManageUser(const Actor& actor, const User& target, bool destructive)
{
    if (isSelf(actor, target)) {
        if (destructive)
            return Decision::deny(Tr::tr("You cannot do this to your own account"));
        return Decision::allow();
    }
    if (const Decision tenant = requireTenant(actor, target.organizationId); !tenant)
        return tenant;
    if (actor.level > target.highestLevel)
        return Decision::allow();
    return Decision::deny(Tr::tr("Your level (%1) must be above the level of %2 (%3)")
                              .arg(actor.level)
                              .arg(target.email.isEmpty() ? Tr::tr("this user") : target.email)
                              .arg(target.highestLevel));
}

Decision canAssignRole(const Actor& actor, const QList<Role>& actorRoles, const User& target, const Role& role)
{
    if (const Decision tenant = requireTenant(actor, target.organizationId); !tenant)
        return tenant;
    if (role.organizationId != 0 && role.organizationId != target.organizationId)
        return Decision::deny(Tr::tr("Role belongs to another organization"));

    const QString who = actorLabel(actor, actorRoles);
    const auto cannotAssign = [&] {
        return Decision::deny(Tr::tr("%1 (level %2) cannot assign %3 (level %4)")
                                  .arg(who)
                                  .arg(actor.level)
                                  .arg(role.code)
                                  .arg(role.level));
    };
    if (role.level > actor.level)
        return cannotAssign();

    if (isSelf(actor, target)) {
        // Nobody raises their own privileges: only roles strictly below one's own level, and only
        // when the role brings no permission the actor does not already hold.
        if (role.level >= actor.level)
            return Decision::deny(Tr::tr("Nobody can raise their own privileges (%1 is level %2, yours is %3)")
                                      .arg(role.code)
                                      .arg(role.level)
                                      .arg(actor.level));
        for (const QString& code : role.permissions) {
            if (!hasPermission(actor.permissions, code))
                return Decision::deny(
                    Tr::tr("Nobody can raise their own privileges (%1 brings %2)").arg(role.code, code));
        }
        return Decision::allow();
    }

    // Whom: never a user at or above the actor, whatever grants the actor holds.
    if (actor.level <= target.highestLevel) {
        return Decision::deny(Tr::tr("%1 (level %2) cannot change the roles of a user at level %3")
                                  .arg(who)
                                  .arg(actor.level)
                                  .arg(target.highestLevel));
    }
    // Which: strictly below the actor's own level, grants included.
    if (role.level >= actor.level)
        return cannotAssign();
    return Decision::allow();
}

Decision mayAssignRoles(const Actor& actor, const QList<Role>& actorRoles, const Role& role)
{
    const Decision byPermission = requirePermission(actor, perm::UserRoles);
    if (byPermission || requirePermission(actor, perm::RoleAssign))
        return Decision::allow();
    if (usableGrant(actor, actorRoles, role))
        return Decision::allow();
    return byPermission;
}

Decision canGiveRole(const Actor& actor, const QList<Role>& actorRoles, const User& target, const Role& role)
{
    if (const Decision may = mayAssignRoles(actor, actorRoles, role); !may)
        return may;
    return canAssignRole(actor, actorRoles, target, role);
}

// --- grants ------------------------------------------------------------------------------------

Decision canGrantRole(const Actor& actor, const Role& grantingRole, const Role& granted)
{
    if (granted.organizationId != 0 && granted.organizationId != grantingRole.organizationId)
        return Decision::deny(
            Tr::tr("A role can only grant global roles or roles of its own organization (%1 belongs to another)")
                .arg(granted.code));
    if (granted.level >= actor.level)
        return Decision::deny(Tr::tr("You can only grant roles below your own level (%1 is level %2, yours is %3)")
                                  .arg(granted.code)
                                  .arg(granted.level)
                                  .arg(actor.level));
    if (granted.organizationId != 0) {
        if (const Decision tenant = requireTenant(actor, granted.organizationId); !tenant)
            return tenant;
    }
    return Decision::allow();
}

bool usableGrant(const Actor& actor, const QList<Role>& actorRoles, const Role& role)
{
    if (actor.kind == Actor::Kind::ApiKey || role.level >= actor.level)
        return false;
    return std::any_of(actorRoles.cbegin(), actorRoles.cend(), [&](const Role& own) {
        return own.grants.contains(role.code)
            && (role.organizationId == 0 || role.organizationId == own.organizationId);
    });
}

Decision canImpersonate(const Actor& actor, const User& target)
{
    if (actor.kind == Actor::Kind::ApiKey)
        return Decision::deny(Tr::tr("API keys cannot impersonate users"));
    if (!actor.isSuperAdmin())
        return Decision::deny(Tr::tr("Only super admins can impersonate users"));
    if (isSelf(actor, target))
        return Decision::deny(Tr::tr("You cannot impersonate yourself"));
    if (target.highestLevel >= Level::SuperAdmin)
        return Decision::deny(Tr::tr("Super admins cannot be impersonated"));
    return Decision::allow();
}

namespace {

struct UserActionRule
{
    const QString& permission;
    bool destructive; // never on oneself (canManageUser)
    bool selfService; // one's own account needs no permission
};

UserActionRule ruleOf(UserAction action)
{
    switch (action) {
    case UserAction::Edit:
        return { perm::UserEdit, false, true };
    case UserAction::Delete:
        return { perm::UserDelete, true, false };
    case UserAction::Suspend:
        return { perm::UserEdit, true, false };
    case UserAction::Ban:
        return { perm::UserBan, true, false };
    case UserAction::SetPassword:
        return { perm::UserEdit, true, true };
    case UserAction::IssueToken:
        return { perm::UserEdit, false, false };
    case UserAction::EndSessions:
        return { perm::SessionRevoke, false, true };
    case UserAction::Move:
        return { perm::UserEdit, true, false };
    case UserAction::Impersonate:
        break;
    }
    return { perm::UserImpersonate, true, false };
}

} // namespace

const QString& permissionFor(UserAction action)
{
    return ruleOf(action).permission;
}

Decision canActOnUser(const Actor& actor, const User& target, UserAction action)
{
    const UserActionRule rule = ruleOf(action);
    // Only a signed-in user acts for themself; an API key never gets the self-service shortcut.
    if (rule.selfService && actor.kind == Actor::Kind::User && isSelf(actor, target))
        return Decision::allow();
    if (const Decision permission = requirePermission(actor, rule.permission); !permission)
        return permission;
    if (action == UserAction::Impersonate)
        return canImpersonate(actor, target);
    // Moving crosses tenants, which only super admins do; the level rule then keeps other super
    // admins (level 100) out of reach.
    if (action == UserAction::Move && !actor.isSuperAdmin())
        return Decision::deny(Tr::tr("Only super admins can move users to another organization"));
    return canManageUser(actor, target, rule.destructive);
}

Decision canManageRole(const Actor& actor, const Role& role, const QSet<QString>& organizationCodes)
{
    if (role.builtIn)
        return Decision::deny(Tr::tr("Built-in roles cannot be changed"));
    if (role.level >= actor.level)
        return Decision::deny(
            Tr::tr("The role's level (%1) must be below your level (%2)").arg(role.level).arg(actor.level));
    if (role.organizationId == 0 && !actor.isSuperAdmin())
        return Decision::deny(Tr::tr("Only super admins can change global roles"));
    if (const Decision tenant = requireTenant(actor, role.organizationId); !tenant)
        return tenant;
    // A role may only carry permissions its author holds, or a lower role would become a way around
    // the levels.
    for (const QString& code : role.permissions) {
        if (const Decision give = canGivePermission(actor, code, role.organizationId, organizationCodes); !give)
            return give;
    }
    return Decision::allow();
}

Decision canInviteWithRole(const Actor& actor, const Role& role)
{
    if (role.level < actor.level)
        return Decision::allow();
    return Decision::deny(Tr::tr("Your level (%1) must be above the level of %2 (%3) to invite with it")
                              .arg(actor.level)
                              .arg(role.code)
                              .arg(role.level));
}

// --- plan limits ---------------------------------------------------------------------------------

Decision seatAvailable(const Organization& organization, qint64 seatsTaken, SeatFor purpose)
{
    if (seatsTaken < organization.maxUsers)
        return Decision::allow();
    switch (purpose) {
    case SeatFor::NewUser:
        return Decision::deny(Tr::tr("%1 has reached its plan limit of %2 users (pending invitations included)")
                                  .arg(organization.name)
                                  .arg(organization.maxUsers));
    case SeatFor::Invitation:
        return Decision::deny(Tr::tr("The plan of %1 allows at most %2 users, counting pending invitations; remove a "
                                     "user, revoke an invitation or raise the plan limit first.")
                                  .arg(organization.name)
                                  .arg(organization.maxUsers));
    case SeatFor::AcceptedInvitation:
        break;
    }
    return Decision::deny(Tr::tr("%1 has reached its plan limit of %2 users; ask an administrator")
                              .arg(organization.name)
                              .arg(organization.maxUsers));
}

// --- API key scopes ----------------------------------------------------------------------------

Decision canCarryScope(const QString& scope, const QSet<QString>& ownerPermissions, const QString& ownerName,
                       const Actor& creator, const QSet<QString>& organizationCodes)
{
    if (!isKnownPermission(scope, organizationCodes))
        return Decision::deny(Tr::tr("%1 is not a known permission.").arg(scope));
    if (!hasPermission(ownerPermissions, scope))
        return Decision::deny(
            Tr::tr("%1 does not hold the permission %2, so the key cannot carry it.").arg(ownerName, scope));
    if (creator.kind == Actor::Kind::ApiKey && !hasPermission(creator.permissions, scope))
        return Decision::deny(Tr::tr("This API key does not hold %1, so it cannot give it to a new key.").arg(scope));
    return Decision::allow();
}

Decision keyCoversScope(const QStringList& scopes, const QSet<QString>& keyPermissions, const QString& required)
{
    const bool covered = std::any_of(scopes.cbegin(), scopes.cend(),
                                     [&](const QString& scope) { return permissionMatches(scope, required); });
    if (!covered)
        return Decision::deny(Tr::tr("API key lacks scope %1").arg(required));
    if (!hasPermission(keyPermissions, required))
        return Decision::deny(Tr::tr("The owner of this API key no longer holds %1").arg(required));
    return Decision::allow();
}

// --- sign-in eligibility -------------------------------------------------------------------------

Eligibility signInEligibility(const AccountState& state, Credential via, const QDateTime& now)
{
    const auto refuse = [](Ineligible why, const QString& reason) { return Eligibility { why, reason }; };
    const auto utc = [](const QDateTime& time) { return time.toUTC().toString(u"yyyy-MM-dd HH:mm"_s); };
    const bool key = via == Credential::ApiKey;

    // The account's state comes first: a ban or a suspension also revokes the sessions, and it is
    // the reason worth giving ("banned", not "revoked").
    if (state.deleted)
        return refuse(Ineligible::Deleted,
                      key ? Tr::tr("The owner of this API key has been deleted")
                          : Tr::tr("This account has been deleted"));
    if (via == Credential::Password && state.lockedUntil.isValid() && state.lockedUntil > now)
        return refuse(Ineligible::Locked,
                      Tr::tr("This account is locked after too many failed sign-ins; try again after %1 UTC")
                          .arg(utc(state.lockedUntil)));
    if (!state.banReason.isEmpty() && (!state.banExpiresAt.isValid() || state.banExpiresAt > now)) {
        QString reason;
        if (key) {
            reason = Tr::tr("The owner of this API key is banned");
        } else if (via == Credential::Password) {
            reason = Tr::tr("This account is banned: %1").arg(state.banReason);
            if (state.banExpiresAt.isValid())
                reason += Tr::tr(" (until %1 UTC)").arg(utc(state.banExpiresAt));
        } else {
            reason = Tr::tr("This account is banned");
        }
        return refuse(Ineligible::Banned, reason);
    }
    if (!state.active)
        return refuse(Ineligible::Suspended,
                      key ? Tr::tr("The owner of this API key is suspended")
                          : via == Credential::Password
                          ? Tr::tr("This account is suspended; ask an administrator to reactivate it")
                          : Tr::tr("This account is suspended"));
    if (!state.organizationActive)
        return refuse(Ineligible::OrganizationSuspended,
                      key ? Tr::tr("The organization of this API key is suspended")
                          : via == Credential::Password && !state.organizationName.isEmpty()
                          ? Tr::tr("The organization %1 is suspended").arg(state.organizationName)
                          : Tr::tr("This organization is suspended"));
    if (via != Credential::Password) {
        if (state.credentialRevoked)
            return refuse(Ineligible::CredentialRevoked,
                          key ? Tr::tr("API key revoked") : Tr::tr("This session was revoked; sign in again"));
        if (state.credentialExpiresAt.isValid() && state.credentialExpiresAt <= now)
            return refuse(Ineligible::CredentialExpired,
                          key ? Tr::tr("API key expired") : Tr::tr("This session has expired; sign in again"));
    }
    return {};
}

// --- validation ------------------------------------------------------------------------------

QStringList passwordProblems(const QString& password, int minLength)
{
    const int MinLength = std::max(12, minLength);
    QStringList problems;
    if (password.size() < MinLength)
        problems << Tr::tr("Use at least %1 characters.").arg(MinLength);
    if (password.size() > Limits::MaxPasswordLength)
        problems << Tr::tr("Use at most %1 characters.").arg(Limits::MaxPasswordLength);
    bool upper = false;
    bool lower = false;
    bool digit = false;
    bool special = false;
    for (const QChar c : password) {
        if (c.isUpper())
            upper = true;
        else if (c.isLower())
            lower = true;
        else if (c.isDigit())
            digit = true;
        else if (!c.isLetterOrNumber())
            special = true;
    }
    if (!upper)
        problems << Tr::tr("Add an upper-case letter.");
    if (!lower)
        problems << Tr::tr("Add a lower-case letter.");
    if (!digit)
        problems << Tr::tr("Add a digit.");
    if (!special)
        problems << Tr::tr("Add a special character (such as ! or #).");
    return problems;
}

Status validatePassword(const QString& password, const QString& field, int minLength)
{
    const QStringList problems = passwordProblems(password, minLength);
    if (problems.isEmpty())
        return {};
    return ServiceError::validationField(field, problems.join(u' '));
}

Status validateEmail(const QString& email)
{
    static const QRegularExpression pattern(
        u"^[^@\\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
        u"\\.[A-Za-z]{2,63}$"_s);
    const QString field = u"email"_s;
    if (email.isEmpty())
        return ServiceError::validationField(field, Tr::tr("Enter an email address."));
    if (email.size() > Limits::Email)
        return ServiceError::validationField(field,
                                             Tr::tr("An email address has at most %1 characters.").arg(Limits::Email));
    if (!pattern.match(email).hasMatch())
        return ServiceError::validationField(field, Tr::tr("Enter an email address like name@example.com."));
    return {};
}

Status validateUsername(const QString& username)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9._-]+$"_s);
    const QString field = u"username"_s;
    if (username.size() < 3 || username.size() > Limits::Username)
        return ServiceError::validationField(
            field, Tr::tr("A username has between 3 and %1 characters.").arg(Limits::Username));
    if (!pattern.match(username).hasMatch())
        return ServiceError::validationField(
            field, Tr::tr("A username may only contain letters, digits, dots, hyphens and underscores."));
    return {};
}

Status validateRoleCode(const QString& code)
{
    static const QRegularExpression pattern(u"^[a-z][a-z0-9_]{1,63}$"_s);
    if (!pattern.match(code).hasMatch())
        return ServiceError::validationField(
            u"code"_s,
            Tr::tr("A role code starts with a lower-case letter, followed by 1 to 63 lower-case letters, "
                   "digits or underscores."));
    return {};
}

Status validateSlug(const QString& slug)
{
    constexpr int MaxSlug = 63;
    static const QRegularExpression pattern(u"^[a-z0-9]+(?:-[a-z0-9]+)*$"_s);
    const QString field = u"slug"_s;
    if (slug.isEmpty() || slug.size() > MaxSlug)
        return ServiceError::validationField(field, Tr::tr("A slug has between 1 and %1 characters.").arg(MaxSlug));
    if (!pattern.match(slug).hasMatch())
        return ServiceError::validationField(
            field, Tr::tr("A slug is made of lower-case letters and digits, in groups separated by single hyphens."));
    return {};
}

QString slugify(const QString& name)
{
    constexpr int MaxSlug = 63;
    // Decompose first so accented letters keep their base letter ("Café" -> "cafe").
    const QString decomposed = name.normalized(QString::NormalizationForm_KD);
    QString slug;
    slug.reserve(decomposed.size());
    bool pendingDash = false;
    for (const QChar c : decomposed) {
        if (c.category() == QChar::Mark_NonSpacing)
            continue;
        const QChar lower = c.toLower();
        const bool alnum = (lower >= u'a' && lower <= u'z') || (lower >= u'0' && lower <= u'9');
        if (!alnum) {
            pendingDash = true;
            continue;
        }
        if (pendingDash && !slug.isEmpty())
            slug += u'-';
        pendingDash = false;
        slug += lower;
    }
    if (slug.size() > MaxSlug) {
        slug.truncate(MaxSlug);
        while (slug.endsWith(u'-'))
            slug.chop(1);
    }
    return slug;
}

} // namespace portcullis::policy
