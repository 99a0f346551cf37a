#include "catalog.h"

#include <QSet>

namespace portcullis::perm {

const QList<QString>& all()
{
    static const QList<QString> list {
        UserView,    UserRead,        UserCreate,   UserEdit,     UserUpdate,   UserDelete,  UserRoles,
        UserBan,     UserImpersonate, RoleView,     RoleCreate,   RoleEdit,     RoleDelete,  RoleAssign,
        ApiKeyView,  ApiKeyCreate,    ApiKeyRevoke, AuditView,    AuditRead,    AuditExport, AuditVerify,
        SessionRead, SessionRevoke,   StatsRead,    OrgView,      OrgCreate,    OrgEdit,     OrgSuspend,
        OrgDelete,   OrgInvite,       SystemConfig, SystemHealth, SystemBackup,
    };
    return list;
}

} // namespace portcullis::perm

namespace portcullis::actions {

const QList<QString>& all()
{
    // New actions go in their family's place, on a line of their own, without reflowing the rest.
    // clang-format off
    static const QList<QString> list {
        UserLogin,          UserLoginFailed,      UserLogout,          UserLocked,
        UserCreated,        UserUpdated,          UserVerified,        UserViewed,
        UserListed,         UserBanned,           UserUnbanned,        UserSuspended,
        UserUnsuspended,    UserDeleted,          UserPasswordChanged, UserPasswordReset,
        UserImpersonated,   UserMoved,            UserImported,        UserExported,
        RoleAssigned,       RoleRevoked,          RoleCreated,
        RoleUpdated,        RoleDeleted,          RoleViewed,          RoleListed,
        PermissionListed,   PermissionCreated,    PermissionDeleted,
        SessionRevoked,     SessionRevokedAll,    SessionListed,
        SessionPurged,      SessionRefreshReused, TokenResetIssued,    TokenVerificationIssued,
        ApiKeyCreated,      ApiKeyRevoked,        ApiKeyUsed,          ApiKeyListed,
        ApiKeyViewed,       ApiKeyUpdated,        ApiKeyRotated,
        OrgCreated,         OrgUpdated,           OrgViewed,           OrgListed,
        OrgSuspended,       OrgUnsuspended,       OrgWipedOut,         InvitationCreated,
        InvitationAccepted, InvitationRevoked,    InvitationListed,    AuditQueried,
        AuditExported,      AuditVerified,        AuditPurged,         StatsViewed,
        SettingsViewed,     SettingsUpdated,      MaintenanceRan,      MaintenanceListed,
    };
    // clang-format on
    return list;
}

QList<QString> families()
{
    QList<QString> result;
    for (const QString& action : all()) {
        const QString family = action.section(QLatin1Char('.'), 0, 0);
        if (!result.contains(family))
            result << family;
    }
    return result;
}

bool isKnown(const QString& action)
{
    static const QSet<QString> known(all().cbegin(), all().cend());
    return known.contains(action);
}

} // namespace portcullis::actions
