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
const QString kPermissionResource = QStringLiteral("permission");

// A custom code with its organization's slug as its category.
QString customCodeSelect()
{
    return QStringLiteral("SELECT p.code, o.slug, p.description, p.organization_id FROM organization_permissions p "
                          "JOIN organizations o ON o.id = p.organization_id");
}

Permission customCodeFromQuery(const QSqlQuery& q)
{
    return Permission { q.value(0).toString(), q.value(1).toString(), q.value(2).toString(), q.value(3).toLongLong() };
}

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

// `organizationCodes`: the custom codes of the role's organization, the only custom codes it may carry.
static Status validateRoleFields(const QString& name, const QString& description, int level,
                                 const QStringList& permissions, const QSet<QString>& organizationCodes)
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
        if (!policy::isKnownPermission(code, organizationCodes)) {
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
    const auto organizationCodes = m_core.loadOrganizationCodes(nr.organizationId);
    if (!organizationCodes)
        return organizationCodes.error();
    if (auto v = validateRoleFields(nr.name, nr.description, nr.level, nr.permissions, *organizationCodes); !v)
        return v.error();
    Role candidate;
    candidate.code = nr.code;
    candidate.level = nr.level;
    candidate.organizationId = nr.organizationId;
    if (auto d = policy::canManageRole(actor, candidate); !d)
        return op.deny(d.reason);
    // A role may not carry a permission its creator lacks: no privilege escalation through roles.
    // (The organization's own custom codes: whoever may manage them, policy::canGivePermission.)
    for (const QString& code : nr.permissions) {
        if (!policy::canGivePermission(actor, code, nr.organizationId, *organizationCodes))
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
    const auto organizationCodes = m_core.loadOrganizationCodes(role->organizationId);
    if (!organizationCodes)
        return organizationCodes.error();
    // Both the role as it is and as it would be must be within the actor's reach.
    if (auto d = policy::canManageRole(actor, *role, *organizationCodes); !d)
        return op.deny(d.reason);
    if (auto v = validateRoleFields(next.name, next.description, next.level, next.permissions, *organizationCodes); !v)
        return v.error();
    if (auto d = policy::canManageRole(actor, next, *organizationCodes); !d)
        return op.deny(d.reason);
    for (const QString& code : next.permissions) {
        if (!role->permissions.contains(code)
            && !policy::canGivePermission(actor, code, role->organizationId, *organizationCodes))
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
    const Audited op(m_core, actor, actions::PermissionListed, kPermissionResource);
    if (auto d = policy::requirePermission(actor, perm::RoleView); !d)
        return op.deny(d.reason);
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, QStringLiteral("SELECT code, category, description FROM permissions ORDER BY category, code")))
        return m_core.sqlError(q, Tr::tr("Listing permissions"));
    QList<Permission> list;
    while (q.next())
        list << Permission { q.value(0).toString(), q.value(1).toString(), q.value(2).toString() };
    q.finish();
    // The custom codes the actor can see: its organization's, every organization's for super admins.
    const QString custom = customCodeSelect();
    const bool ok = actor.isSuperAdmin()
        ? m_core.exec(q, custom + QStringLiteral(" ORDER BY o.slug, p.code"))
        : m_core.exec(q, custom + QStringLiteral(" WHERE p.organization_id = ? ORDER BY p.code"),
                      { actor.organizationId });
    if (!ok)
        return m_core.sqlError(q, Tr::tr("Listing permissions"));
    while (q.next())
        list << customCodeFromQuery(q);
    return list;
}

Result<QList<Permission>> PermissionManager::listOfOrganization(const Actor& actor, Id organizationId)
{
    Audited op(m_core, actor, actions::PermissionListed, kPermissionResource, {}, organizationId);
    auto organization = m_core.organizationFor(actor, organizationId, op.action());
    if (!organization)
        return organization.error();
    if (auto d = policy::requirePermission(actor, perm::RoleView); !d)
        return op.deny(d.reason);
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, customCodeSelect() + QStringLiteral(" WHERE p.organization_id = ? ORDER BY p.code"),
                     { organizationId }))
        return m_core.sqlError(q, Tr::tr("Listing permissions"));
    QList<Permission> list;
    while (q.next())
        list << customCodeFromQuery(q);
    return list;
}

Result<Permission> PermissionManager::define(const Actor& actor, Id organizationId, const QString& code,
                                             const QString& description)
{
    Audited op(m_core, actor, actions::PermissionCreated, kPermissionResource, code.left(policy::CustomCodes::MaxCode),
               organizationId);
    auto organization = m_core.organizationFor(actor, organizationId, op.action());
    if (!organization)
        return organization.error();
    if (auto d = policy::canManageCustomCodes(actor, organizationId); !d)
        return op.deny(d.reason);
    // The grammar first (a typo is a validation error), then whose prefix it is (a refusal, audited).
    if (auto v = policy::validateCustomCode(code); !v)
        return v.error();
    const QString text = description.trimmed();
    if (text.size() > policy::Limits::Description)
        return ServiceError::validationField(
            QStringLiteral("description"),
            Tr::tr("Description is longer than %1 characters").arg(policy::Limits::Description));
    if (auto d = policy::canDefineCustomCode(actor, *organization, code); !d)
        return op.deny(d.reason);
    auto created = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        // Counted inside the write transaction: writers are serialised, so a flood cannot pass the cap.
        if (!m_core.exec(q, QStringLiteral("SELECT COUNT(*) FROM organization_permissions WHERE organization_id = ?"),
                         { organizationId })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Counting the organization's permission codes"));
        const qint64 count = q.value(0).toLongLong();
        q.finish();
        if (count >= policy::CustomCodes::PerOrganization)
            return ServiceError::conflict(Tr::tr("%1 already has %2 custom permission codes, the most it can have; "
                                                 "delete some it no longer uses first")
                                              .arg(organization->name)
                                              .arg(policy::CustomCodes::PerOrganization));
        if (!m_core.exec(q,
                         QStringLiteral("INSERT INTO organization_permissions (code, organization_id, description, "
                                        "created_by, created_at) VALUES (?, ?, ?, ?, ?)"),
                         { code, organizationId, text,
                           actor.userId != 0 ? QVariant(actor.userId) : QVariant(QMetaType::fromType<qint64>()),
                           m_core.now() }))
            return m_core.sqlError(q, Tr::tr("Defining the permission code"));
        if (auto a = op.succeed({ { QStringLiteral("description"), text } }); !a)
            return a.error();
        return true;
    });
    if (!created) {
        if (created.error().reason == ErrorReason::Duplicate)
            return ServiceError::validationField(QStringLiteral("code"),
                                                 Tr::tr("The permission code %1 already exists").arg(code));
        return created.error();
    }
    return Permission { code, organization->slug, text, organizationId };
}

Status PermissionManager::remove(const Actor& actor, Id organizationId, const QString& code)
{
    Audited op(m_core, actor, actions::PermissionDeleted, kPermissionResource, code.left(policy::CustomCodes::MaxCode),
               organizationId);
    auto organization = m_core.organizationFor(actor, organizationId, op.action());
    if (!organization)
        return organization.error();
    // The lookup before any permission check: another organization's code reads like a missing one
    // (the same NotFound, the same audited denial), whoever asks.
    QString description;
    {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("SELECT description FROM organization_permissions WHERE code = ? AND "
                                        "organization_id = ?"),
                         { code, organizationId }))
            return m_core.sqlError(q, Tr::tr("Deleting the permission code"));
        const bool found = q.next();
        description = found ? q.value(0).toString() : QString();
        if (auto visible = m_core.requireVisible(actor, found, organizationId, Resource::PermissionCode,
                                                 code.left(policy::CustomCodes::MaxCode), op.action());
            !visible)
            return visible.error();
    }
    if (auto d = policy::canManageCustomCodes(actor, organizationId); !d)
        return op.deny(d.reason);
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        // In use: refused, naming every role and active API key that carries it (the admin takes it
        // out of them first). Silently narrowing a role or a key would change what an application allows.
        QStringList roles;
        if (!m_core.exec(q,
                         QStringLiteral("SELECT r.code FROM role_permissions rp JOIN roles r ON r.id = rp.role_id "
                                        "WHERE rp.permission_code = ? ORDER BY r.code"),
                         { code }))
            return m_core.sqlError(q, Tr::tr("Deleting the permission code"));
        while (q.next())
            roles << q.value(0).toString();
        q.finish();
        QStringList keys;
        if (!m_core.exec(q,
                         QStringLiteral("SELECT id, name, scopes FROM api_keys WHERE organization_id = ? AND "
                                        "revoked_at IS NULL ORDER BY id"),
                         { organizationId }))
            return m_core.sqlError(q, Tr::tr("Deleting the permission code"));
        while (q.next()) {
            if (sqlutil::fromJsonArray(q.value(2).toString()).contains(code))
                keys << Tr::tr("%1 (#%2)").arg(q.value(1).toString()).arg(q.value(0).toLongLong());
        }
        q.finish();
        if (!roles.isEmpty() || !keys.isEmpty()) {
            QStringList users;
            if (!roles.isEmpty())
                users << Tr::tr("roles: %1").arg(roles.join(QStringLiteral(", ")));
            if (!keys.isEmpty())
                users << Tr::tr("API keys: %1").arg(keys.join(QStringLiteral(", ")));
            return ServiceError::conflict(Tr::tr("%1 is still in use (%2); take it out of them first")
                                              .arg(code, users.join(QStringLiteral("; "))),
                                          ErrorReason::InUse);
        }
        if (!m_core.exec(q, QStringLiteral("DELETE FROM organization_permissions WHERE code = ?"), { code }))
            return m_core.sqlError(q, Tr::tr("Deleting the permission code"));
        if (auto a = op.succeed({ { QStringLiteral("description"), description } }); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

} // namespace portcullis
