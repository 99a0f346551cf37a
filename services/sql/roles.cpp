#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QSqlQuery>

#include <optional>

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Roles)
};

} // namespace

namespace {
const QString kRoleResource = QStringLiteral("role");

QStringList sortedUnique(QStringList list)
{
    list.removeDuplicates();
    list.sort();
    return list;
}
} // namespace

std::optional<ServiceError> RoleManager::checkGrants(const Actor& actor, const Role& grantingRole,
                                                     const QStringList& added, const Audited& op)
{
    // Unknown codes first (a typo is a validation error), then the rule (a refusal is audited).
    QList<Role> granted;
    for (const QString& code : sortedUnique(added)) {
        auto role = m_core.loadRole(code);
        if (!role && role.error().code != ErrorCode::NotFound)
            return role.error();
        if (!role || (role->organizationId != 0 && !policy::requireTenant(actor, role->organizationId)))
            return ServiceError::validationField(QStringLiteral("grants"), Tr::tr("Unknown role %1").arg(code));
        granted << *role;
    }
    for (const Role& role : std::as_const(granted)) {
        if (auto d = policy::canGrantRole(actor, grantingRole, role); !d)
            return op.deny(d.reason); // op names grantingRole
    }
    return std::nullopt;
}

Status RoleManager::seedCatalog()
{
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        for (const Permission& p : policy::permissionCatalog()) {
            if (!m_core.exec(q, QStringLiteral("SELECT 1 FROM permissions WHERE code = ?"), { p.code }))
                return m_core.sqlError(q, Tr::tr("Seeding permissions"));
            if (q.next())
                continue;
            q.finish();
            if (!m_core.exec(q,
                             QStringLiteral("INSERT INTO permissions (code, category, description) VALUES (?, ?, ?)"),
                             { p.code, p.category, p.description }))
                return m_core.sqlError(q, Tr::tr("Seeding permissions"));
        }
        const qint64 now = m_core.now();
        for (const Role& role : policy::builtInRoles()) {
            if (!m_core.exec(q, QStringLiteral("SELECT id FROM roles WHERE code = ?"), { role.code }))
                return m_core.sqlError(q, Tr::tr("Seeding roles"));
            if (q.next())
                continue;
            q.finish();
            if (!m_core.exec(q,
                             QStringLiteral("INSERT INTO roles (code, name, description, level, built_in, created_at, "
                                            "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING id"),
                             { role.code, role.name, role.description, role.level, now, now })
                || !q.next())
                return m_core.sqlError(q, Tr::tr("Seeding roles"));
            const Id id = q.value(0).toLongLong();
            q.finish();
            if (auto w = writePermissions(id, role.permissions, role.grants); !w)
                return w.error();
        }
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Status RoleManager::writePermissions(Id roleId, const QStringList& permissions, const QStringList& grants)
{
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, QStringLiteral("DELETE FROM role_permissions WHERE role_id = ?"), { roleId })
        || !m_core.exec(q, QStringLiteral("DELETE FROM role_grants WHERE role_id = ?"), { roleId }))
        return m_core.sqlError(q, Tr::tr("Saving the role's permissions"));
    for (const QString& code : sortedUnique(permissions)) {
        if (!m_core.exec(q, QStringLiteral("INSERT INTO role_permissions (role_id, permission_code) VALUES (?, ?)"),
                         { roleId, code }))
            return m_core.sqlError(q, Tr::tr("Saving the role's permissions"));
    }
    for (const QString& code : sortedUnique(grants)) {
        if (!m_core.exec(q, QStringLiteral("INSERT INTO role_grants (role_id, grantable_role_code) VALUES (?, ?)"),
                         { roleId, code }))
            return m_core.sqlError(q, Tr::tr("Saving the role's grants"));
    }
    return {};
}

Result<QList<Role>> RoleManager::list(const Actor& actor)
{
    const Audited op(m_core, actor, actions::RoleListed, kRoleResource);
    if (auto d = policy::requirePermission(actor, perm::RoleView); !d)
        return op.deny(d.reason);
    QSqlQuery q(m_core.db());
    bool ok = actor.isSuperAdmin()
        ? m_core.exec(q, roleSelect(m_core) + QStringLiteral(" ORDER BY r.level DESC, r.code"))
        : m_core.exec(q,
                      roleSelect(m_core)
                          + QStringLiteral(" WHERE r.organization_id IS NULL OR r.organization_id = ? "
                                           "ORDER BY r.level DESC, r.code"),
                      { actor.organizationId });
    if (!ok)
        return m_core.sqlError(q, Tr::tr("Listing roles"));
    return rolesFromQuery(q);
}

Result<Role> RoleManager::get(const Actor& actor, const QString& code)
{
    const Audited op(m_core, actor, actions::RoleViewed, kRoleResource, code);
    auto role = m_core.roleFor(actor, code, op.action());
    if (!role)
        return role.error();
    if (auto d = policy::requirePermission(actor, perm::RoleView); !d)
        return op.deny(d.reason);
    return role;
}

static Status validateRoleFields(const QString& name, const QString& description, int level,
                                 const QStringList& permissions)
{
    QHash<QString, QString> fields;
    if (name.trimmed().isEmpty())
        fields.insert(QStringLiteral("name"), Tr::tr("A role needs a name"));
    else if (name.size() > policy::Limits::Name)
        fields.insert(QStringLiteral("name"), Tr::tr("Name is longer than %1 characters").arg(policy::Limits::Name));
    if (description.size() > policy::Limits::Description)
        fields.insert(QStringLiteral("description"),
                      Tr::tr("Description is longer than %1 characters").arg(policy::Limits::Description));
    if (level < levels::CustomMin || level > levels::CustomMax)
        fields.insert(QStringLiteral("level"),
                      Tr::tr("Custom role levels go from %1 to %2").arg(levels::CustomMin).arg(levels::CustomMax));
    for (const QString& code : permissions) {
        if (!policy::isKnownPermission(code)) {
            fields.insert(QStringLiteral("permission_codes"), Tr::tr("Unknown permission %1").arg(code));
            break;
        }
    }
    if (!fields.isEmpty())
        return ServiceError::validation(Tr::tr("Please correct the highlighted fields"), fields);
    return {};
}

Result<Role> RoleManager::create(const Actor& actor, const NewRole& nr)
{
    const Audited op(m_core, actor, actions::RoleCreated, kRoleResource, nr.code, nr.organizationId);
    if (nr.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, nr.organizationId, op.action()); !org)
            return org.error();
    }
    if (auto d = policy::requirePermission(actor, perm::RoleCreate); !d)
        return op.deny(d.reason);
    if (auto c = policy::validateRoleCode(nr.code); !c)
        return c.error();
    if (auto v = validateRoleFields(nr.name, nr.description, nr.level, nr.permissions); !v)
        return v.error();
    Role candidate;
    candidate.code = nr.code;
    candidate.level = nr.level;
    candidate.organizationId = nr.organizationId;
    if (auto d = policy::canManageRole(actor, candidate); !d)
        return op.deny(d.reason);
    // A role may not carry a permission its creator lacks: no privilege escalation through roles.
    for (const QString& code : nr.permissions) {
        if (!policy::hasPermission(actor.permissions, code))
            return op.deny(Tr::tr("You cannot grant %1, which you do not hold").arg(code));
    }
    if (auto refused = checkGrants(actor, candidate, nr.grants, op))
        return *refused;
    auto created = m_core.inTransaction<Id>([&]() -> Result<Id> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q,
                QStringLiteral("INSERT INTO roles (code, name, description, level, built_in, organization_id, "
                               "created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?) RETURNING id"),
                { nr.code, nr.name.trimmed(), nr.description, nr.level,
                  nr.organizationId == 0 ? QVariant(QMetaType::fromType<qint64>()) : QVariant(nr.organizationId), now,
                  now })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the role"));
        const Id id = q.value(0).toLongLong();
        q.finish();
        if (auto w = writePermissions(id, nr.permissions, nr.grants); !w)
            return w.error();
        if (auto a = op.succeed({ { QStringLiteral("level"), nr.level },
                                  { QStringLiteral("permissions"), QJsonArray::fromStringList(nr.permissions) },
                                  { QStringLiteral("grants"), QJsonArray::fromStringList(sortedUnique(nr.grants)) } });
            !a)
            return a.error();
        return id;
    });
    if (!created) {
        if (created.error().reason == ErrorReason::Duplicate)
            return ServiceError::validationField(QStringLiteral("code"),
                                                 Tr::tr("A role with code %1 already exists").arg(nr.code));
        return created.error();
    }
    return m_core.loadRoleById(*created);
}

Result<Role> RoleManager::update(const Actor& actor, Id roleId, const RoleUpdate& update)
{
    Audited op(m_core, actor, actions::RoleUpdated, kRoleResource);
    auto role = m_core.roleFor(actor, roleId, op.action());
    if (!role)
        return role.error();
    op.setResourceId(role->code).setOrganization(role->organizationId);
    if (auto d = policy::requirePermission(actor, perm::RoleEdit); !d)
        return op.deny(d.reason);
    Role next = *role;
    next.name = update.name.value_or(role->name);
    next.description = update.description.value_or(role->description);
    next.level = update.level.value_or(role->level);
    next.permissions = update.permissions.value_or(role->permissions);
    next.grants = update.grants.value_or(role->grants);
    // Both the role as it is and as it would be must be within the actor's reach.
    if (auto d = policy::canManageRole(actor, *role); !d)
        return op.deny(d.reason);
    if (auto v = validateRoleFields(next.name, next.description, next.level, next.permissions); !v)
        return v.error();
    if (auto d = policy::canManageRole(actor, next); !d)
        return op.deny(d.reason);
    for (const QString& code : next.permissions) {
        if (!role->permissions.contains(code) && !policy::hasPermission(actor.permissions, code))
            return op.deny(Tr::tr("You cannot grant %1, which you do not hold").arg(code));
    }
    // Grants already on the role were checked when they were added (and are checked again at use);
    // every new one must be within the editor's reach now.
    QStringList addedGrants;
    for (const QString& code : std::as_const(next.grants)) {
        if (!role->grants.contains(code))
            addedGrants << code;
    }
    if (auto refused = checkGrants(actor, next, addedGrants, op))
        return *refused;
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q, QStringLiteral("UPDATE roles SET name = ?, description = ?, level = ?, updated_at = ? WHERE id = ?"),
                { next.name.trimmed(), next.description, next.level, m_core.now(), roleId }))
            return m_core.sqlError(q, Tr::tr("Saving the role"));
        if (auto w = writePermissions(roleId, next.permissions, next.grants); !w)
            return w.error();
        QJsonObject details { { QStringLiteral("level"), next.level } };
        QStringList added, removed;
        for (const QString& p : next.permissions)
            if (!role->permissions.contains(p))
                added << p;
        for (const QString& p : role->permissions)
            if (!next.permissions.contains(p))
                removed << p;
        if (!added.isEmpty())
            details.insert(QStringLiteral("permissions_added"), QJsonArray::fromStringList(added));
        if (!removed.isEmpty())
            details.insert(QStringLiteral("permissions_removed"), QJsonArray::fromStringList(removed));
        if (next.grants != role->grants)
            details.insert(QStringLiteral("grants"), QJsonArray::fromStringList(next.grants));
        if (auto a = op.succeed(details); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return m_core.loadRoleById(roleId);
}

Status RoleManager::remove(const Actor& actor, Id roleId, bool cascade)
{
    Audited op(m_core, actor, actions::RoleDeleted, kRoleResource);
    auto role = m_core.roleFor(actor, roleId, op.action());
    if (!role)
        return role.error();
    op.setResourceId(role->code).setOrganization(role->organizationId);
    if (auto d = policy::requirePermission(actor, perm::RoleDelete); !d)
        return op.deny(d.reason);
    if (auto d = policy::canManageRole(actor, *role); !d)
        return op.deny(d.reason);
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("SELECT COUNT(*) FROM user_roles WHERE role_id = ?"), { roleId })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Checking the role's assignments"));
        const qint64 assigned = q.value(0).toLongLong();
        q.finish();
        if (assigned > 0 && !cascade)
            return ServiceError::conflict(
                Tr::tr("Role %1 is assigned to %n user(s); remove it from them first or delete with cascade", nullptr,
                       int(assigned))
                    .arg(role->code),
                ErrorReason::InUse);
        if (!m_core.exec(q, QStringLiteral("DELETE FROM roles WHERE id = ?"), { roleId }))
            return m_core.sqlError(q, Tr::tr("Deleting the role"));
        if (auto a = op.succeed({ { QStringLiteral("assignments_removed"), assigned } }); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<Role> RoleManager::addPermission(const Actor& actor, Id roleId, const QString& permission)
{
    auto role = m_core.roleFor(actor, roleId, actions::RoleUpdated);
    if (!role)
        return role.error();
    RoleUpdate update;
    QStringList permissions = role->permissions;
    if (!permissions.contains(permission))
        permissions << permission;
    update.permissions = permissions;
    return this->update(actor, roleId, update);
}

Result<Role> RoleManager::removePermission(const Actor& actor, Id roleId, const QString& permission)
{
    auto role = m_core.roleFor(actor, roleId, actions::RoleUpdated);
    if (!role)
        return role.error();
    if (!role->permissions.contains(permission))
        return ServiceError::notFound(Tr::tr("Role %1 does not have %2").arg(role->code, permission));
    RoleUpdate update;
    QStringList permissions = role->permissions;
    permissions.removeAll(permission);
    update.permissions = permissions;
    return this->update(actor, roleId, update);
}

Result<QStringList> RoleManager::effectivePermissions(const Actor& actor, Id roleId)
{
    // Another tenant's role is missing (this answered for any role id before).
    Audited op(m_core, actor, actions::RoleViewed, kRoleResource);
    auto role = m_core.roleFor(actor, roleId, op.action());
    if (!role)
        return role.error();
    if (auto d = policy::requirePermission(actor, perm::RoleView); !d)
        return op.setResourceId(role->code).setOrganization(role->organizationId).deny(d.reason);
    QStringList list = policy::effectivePermissions(*role).values();
    list.sort();
    return list;
}

Result<QStringList> RoleManager::userEffectivePermissions(const Actor& actor, Id userId)
{
    Audited op(m_core, actor, actions::UserViewed, QStringLiteral("user"), QString::number(userId));
    auto target = m_core.userFor(actor, userId, op.action());
    if (!target)
        return target.error();
    if (!(actor.kind == Actor::Kind::User && actor.userId == userId)) {
        const policy::Decision d = policy::requirePermission(actor, perm::UserView);
        if (!d)
            return op.setOrganization(target->organizationId).deny(d.reason);
    }
    QStringList list = policy::effectivePermissions(m_core.loadRolesOfUser(userId)).values();
    list.sort();
    return list;
}

Result<QList<Permission>> PermissionManager::list(const Actor& actor)
{
    const Audited op(m_core, actor, actions::PermissionListed, QStringLiteral("permission"));
    if (auto d = policy::requirePermission(actor, perm::RoleView); !d)
        return op.deny(d.reason);
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, QStringLiteral("SELECT code, category, description FROM permissions ORDER BY category, code")))
        return m_core.sqlError(q, Tr::tr("Listing permissions"));
    QList<Permission> list;
    while (q.next())
        list << Permission { q.value(0).toString(), q.value(1).toString(), q.value(2).toString() };
    return list;
}

} // namespace portcullis
