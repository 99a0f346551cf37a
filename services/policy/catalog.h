#pragma once

// The vocabulary of Portcullis in one place: the admin permission codes the product checks and the
// audit action names the core writes. Code everywhere (policy, SQL managers, REST routes, the
// console) names these constants instead of spelling the strings; tst_policy checks that every
// code spelled anywhere in the sources is one of them.
//
// The permission catalog with descriptions (seed 002 + seed 003) is policy::permissionCatalog();
// these are the codes of it that the product itself decides on.

#include <QList>
#include <QString>

namespace portcullis::perm {

// Users (seed 002 admin:user:*, seed 003 read/update/ban/impersonate)
inline const QString UserView = QStringLiteral("admin:user:view");
inline const QString UserRead = QStringLiteral("admin:user:read");
inline const QString UserCreate = QStringLiteral("admin:user:create");
inline const QString UserEdit = QStringLiteral("admin:user:edit");
inline const QString UserUpdate = QStringLiteral("admin:user:update");
inline const QString UserDelete = QStringLiteral("admin:user:delete");
inline const QString UserRoles = QStringLiteral("admin:user:roles");
inline const QString UserBan = QStringLiteral("admin:user:ban");
inline const QString UserImpersonate = QStringLiteral("admin:user:impersonate");
// Roles
inline const QString RoleView = QStringLiteral("admin:role:view");
inline const QString RoleCreate = QStringLiteral("admin:role:create");
inline const QString RoleEdit = QStringLiteral("admin:role:edit");
inline const QString RoleDelete = QStringLiteral("admin:role:delete");
inline const QString RoleAssign = QStringLiteral("admin:role:assign");
// API keys
inline const QString ApiKeyView = QStringLiteral("admin:apikey:view");
inline const QString ApiKeyCreate = QStringLiteral("admin:apikey:create");
inline const QString ApiKeyRevoke = QStringLiteral("admin:apikey:revoke");
// Audit
inline const QString AuditView = QStringLiteral("admin:audit:view");
inline const QString AuditRead = QStringLiteral("admin:audit:read");
inline const QString AuditExport = QStringLiteral("admin:audit:export");
inline const QString AuditVerify = QStringLiteral("admin:audit:verify");
// Sessions and statistics
inline const QString SessionRead = QStringLiteral("admin:session:read");
inline const QString SessionRevoke = QStringLiteral("admin:session:revoke");
inline const QString StatsRead = QStringLiteral("admin:stats:read");
// Organizations
inline const QString OrgView = QStringLiteral("admin:org:view");
inline const QString OrgCreate = QStringLiteral("admin:org:create");
inline const QString OrgEdit = QStringLiteral("admin:org:edit");
inline const QString OrgSuspend = QStringLiteral("admin:org:suspend");
inline const QString OrgDelete = QStringLiteral("admin:org:delete");
inline const QString OrgInvite = QStringLiteral("admin:org:invite");
// System
inline const QString SystemConfig = QStringLiteral("admin:system:config");
inline const QString SystemHealth = QStringLiteral("admin:system:health");
inline const QString SystemBackup = QStringLiteral("admin:system:backup");
// Everything (super admins)
inline const QString All = QStringLiteral("*");

// Every admin code above (not the wildcard All), in the order above. The catalog test reads it.
const QList<QString>& all();

} // namespace portcullis::perm

namespace portcullis::actions {

// Users and sign-in
inline const QString UserLogin = QStringLiteral("user.login");
inline const QString UserLoginFailed = QStringLiteral("user.login_failed");
inline const QString UserLogout = QStringLiteral("user.logout");
inline const QString UserLocked = QStringLiteral("user.locked");
inline const QString UserCreated = QStringLiteral("user.created");
inline const QString UserUpdated = QStringLiteral("user.updated");
inline const QString UserVerified = QStringLiteral("user.verified");
inline const QString UserViewed = QStringLiteral("user.viewed");
inline const QString UserListed = QStringLiteral("user.listed");
inline const QString UserBanned = QStringLiteral("user.banned");
inline const QString UserUnbanned = QStringLiteral("user.unbanned");
inline const QString UserSuspended = QStringLiteral("user.suspended");
inline const QString UserUnsuspended = QStringLiteral("user.unsuspended");
inline const QString UserDeleted = QStringLiteral("user.deleted");
inline const QString UserPasswordChanged = QStringLiteral("user.password_changed");
inline const QString UserPasswordReset = QStringLiteral("user.password_reset");
inline const QString UserImpersonated = QStringLiteral("user.impersonated");
inline const QString UserMoved = QStringLiteral("user.moved");
inline const QString UserImported = QStringLiteral("user.imported");
inline const QString UserExported = QStringLiteral("user.exported");
// Roles and permissions
inline const QString RoleAssigned = QStringLiteral("role.assigned");
inline const QString RoleRevoked = QStringLiteral("role.revoked");
inline const QString RoleCreated = QStringLiteral("role.created");
inline const QString RoleUpdated = QStringLiteral("role.updated");
inline const QString RoleDeleted = QStringLiteral("role.deleted");
inline const QString RoleViewed = QStringLiteral("role.viewed");
inline const QString RoleListed = QStringLiteral("role.listed");
inline const QString PermissionListed = QStringLiteral("permission.listed");
inline const QString PermissionCreated = QStringLiteral("permission.created"); // an organization's custom code
inline const QString PermissionDeleted = QStringLiteral("permission.deleted");
// Sessions and tokens
inline const QString SessionRevoked = QStringLiteral("session.revoked");
inline const QString SessionRevokedAll = QStringLiteral("session.revoked_all");
inline const QString SessionListed = QStringLiteral("session.listed");
inline const QString SessionPurged = QStringLiteral("session.purged");
inline const QString SessionRefreshReused = QStringLiteral("session.refresh_reused");
inline const QString TokenResetIssued = QStringLiteral("token.reset_issued");
inline const QString TokenVerificationIssued = QStringLiteral("token.verification_issued");
// API keys
inline const QString ApiKeyCreated = QStringLiteral("api_key.created");
inline const QString ApiKeyRevoked = QStringLiteral("api_key.revoked");
inline const QString ApiKeyUsed = QStringLiteral("api_key.used");
inline const QString ApiKeyListed = QStringLiteral("api_key.listed");
inline const QString ApiKeyViewed = QStringLiteral("api_key.viewed");
inline const QString ApiKeyUpdated = QStringLiteral("api_key.updated");
inline const QString ApiKeyRotated = QStringLiteral("api_key.rotated");
// Organizations and invitations
inline const QString OrgCreated = QStringLiteral("org.created");
inline const QString OrgUpdated = QStringLiteral("org.updated");
inline const QString OrgViewed = QStringLiteral("org.viewed");
inline const QString OrgListed = QStringLiteral("org.listed");
inline const QString OrgSuspended = QStringLiteral("org.suspended");
inline const QString OrgUnsuspended = QStringLiteral("org.unsuspended");
inline const QString OrgWipedOut = QStringLiteral("org.wiped_out");
inline const QString InvitationCreated = QStringLiteral("invitation.created");
inline const QString InvitationAccepted = QStringLiteral("invitation.accepted");
inline const QString InvitationRevoked = QStringLiteral("invitation.revoked");
inline const QString InvitationListed = QStringLiteral("invitation.listed");
// The audit log and statistics
inline const QString AuditQueried = QStringLiteral("audit.queried");
inline const QString AuditExported = QStringLiteral("audit.exported");
inline const QString AuditVerified = QStringLiteral("audit.verified");
inline const QString AuditPurged = QStringLiteral("audit.purged");
inline const QString StatsViewed = QStringLiteral("stats.viewed");
// Deployment settings and maintenance (super admins; serve's schedule runs maintenance as the system)
inline const QString SettingsViewed = QStringLiteral("settings.viewed");
inline const QString SettingsUpdated = QStringLiteral("settings.updated");
inline const QString MaintenanceRan = QStringLiteral("maintenance.run");
inline const QString MaintenanceListed = QStringLiteral("maintenance.listed");

// Every action above, grouped by family in the order a person reads them (users first). The audit
// pane's action filter and the catalog test read this list.
const QList<QString>& all();
// The families ("user", "role", …): the part before the dot of every action, in the order of all().
QList<QString> families();
bool isKnown(const QString& action);

} // namespace portcullis::actions
