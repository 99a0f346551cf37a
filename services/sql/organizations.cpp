// OrganizationManager: tenants (create, edit, suspend, wipe out) and invitations into them.

#include "store.h"

#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>
#include <QSqlQuery>

namespace portcullis {

using namespace sqlutil;

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Organizations)
};

constexpr int MaxPlanLength = 32;

const QString kInvitationSelect
    = QStringLiteral("SELECT i.id, i.organization_id, i.email, i.role_code, i.invited_by, i.created_at, i.expires_at, "
                     "i.accepted_at, i.revoked_at FROM invitations i");

Invitation invitationFromQuery(const QSqlQuery& q)
{
    Invitation i;
    i.id = q.value(0).toLongLong();
    i.organizationId = q.value(1).toLongLong();
    i.email = q.value(2).toString();
    i.roleCode = q.value(3).toString();
    i.invitedBy = q.value(4).toLongLong();
    i.createdAt = timeFrom(q.value(5));
    i.expiresAt = timeFrom(q.value(6));
    i.acceptedAt = timeFrom(q.value(7));
    i.revoked = !q.value(8).isNull();
    return i;
}

QVariant nullableId(Id id)
{
    return id != 0 ? QVariant(id) : QVariant(QMetaType::fromType<qint64>());
}

QStringList cleanFeatures(const QStringList& features)
{
    QStringList out;
    for (const QString& raw : features) {
        const QString feature = raw.trimmed();
        if (!feature.isEmpty() && !out.contains(feature))
            out << feature;
    }
    return out;
}

// Validation shared by create and update; fills `fields` with one message per bad field.
void checkName(const QString& name, QHash<QString, QString>& fields)
{
    if (name.isEmpty())
        fields.insert(QStringLiteral("name"), Tr::tr("Enter the organization's name."));
    else if (name.size() > policy::Limits::Name)
        fields.insert(QStringLiteral("name"), Tr::tr("A name has at most %1 characters.").arg(policy::Limits::Name));
}

void checkPlan(const QString& plan, QHash<QString, QString>& fields)
{
    if (plan.isEmpty() || plan.size() > MaxPlanLength)
        fields.insert(QStringLiteral("plan"),
                      Tr::tr("A plan name has between 1 and %1 characters.").arg(MaxPlanLength));
}

void checkMaxUsers(int maxUsers, QHash<QString, QString>& fields)
{
    if (maxUsers < 1)
        fields.insert(QStringLiteral("max_users"), Tr::tr("An organization allows at least 1 user."));
}

} // namespace

Result<Organization> OrganizationManager::create(const Actor& actor, const NewOrganization& organization)
{
    Audited op(m_core, actor, actions::OrgCreated, QStringLiteral("organization"));
    if (const auto decision = policy::requirePermission(actor, perm::OrgCreate); !decision)
        return op.deny(decision.reason);
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can create organizations"));

    QHash<QString, QString> fields;
    const QString name = organization.name.trimmed();
    checkName(name, fields);
    QString slug = organization.slug.trimmed();
    if (slug.isEmpty())
        slug = policy::slugify(name);
    if (!name.isEmpty()) {
        if (auto valid = policy::validateSlug(slug); !valid)
            fields.insert(valid.error().fieldErrors);
    }
    const QString plan = organization.plan.trimmed();
    checkPlan(plan, fields);
    checkMaxUsers(organization.maxUsers, fields);
    if (!fields.isEmpty())
        return ServiceError::validation(Tr::tr("The organization cannot be created as entered."), fields);
    const QStringList features = cleanFeatures(organization.features);

    return m_core.inTransaction<Organization>([&]() -> Result<Organization> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("SELECT 1 FROM organizations WHERE slug = ?"), { slug }))
            return m_core.sqlError(q, Tr::tr("Checking the slug"));
        if (q.next())
            return ServiceError::duplicate(Tr::tr("An organization with the slug %1 already exists").arg(slug));
        const qint64 now = m_core.now();
        if (!m_core.exec(q,
                         QStringLiteral("INSERT INTO organizations (name, slug, plan, max_users, features, active, "
                                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id"),
                         { name, slug, plan, organization.maxUsers, toJsonArray(features), now, now })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the organization"));
        const Id id = q.value(0).toLongLong();
        q.finish();
        const QJsonObject details { { QStringLiteral("name"), name },
                                    { QStringLiteral("slug"), slug },
                                    { QStringLiteral("plan"), plan },
                                    { QStringLiteral("max_users"), organization.maxUsers },
                                    { QStringLiteral("features"), QJsonArray::fromStringList(features) } };
        if (auto audited = op.setResourceId(QString::number(id)).setOrganization(id).succeed(details); !audited)
            return audited.error();
        return m_core.loadOrganization(id);
    });
}

Result<Organization> OrganizationManager::get(const Actor& actor, Id organizationId)
{
    const Audited op(m_core, actor, actions::OrgViewed, QStringLiteral("organization"), QString::number(organizationId),
                     organizationId);
    auto organization = m_core.organizationFor(actor, organizationId, op.action());
    if (!organization)
        return organization.error();
    if (const auto decision = policy::requirePermission(actor, perm::OrgView); !decision)
        return op.deny(decision.reason);
    return organization;
}

Result<QList<Organization>> OrganizationManager::list(const Actor& actor)
{
    const Audited op(m_core, actor, actions::OrgListed, QStringLiteral("organization"));
    if (const auto decision = policy::requirePermission(actor, perm::OrgView); !decision)
        return op.deny(decision.reason);
    QSqlQuery q(m_core.db());
    const bool ok = actor.isSuperAdmin()
        ? m_core.exec(q, organizationSelect(m_core.now()) + QStringLiteral(" ORDER BY o.name, o.id"))
        : m_core.exec(q, organizationSelect(m_core.now()) + QStringLiteral(" WHERE o.id = ?"),
                      { actor.organizationId });
    if (!ok)
        return m_core.sqlError(q, Tr::tr("Listing organizations"));
    QList<Organization> organizations;
    while (q.next())
        organizations << organizationFromQuery(q);
    return organizations;
}

Result<Organization> OrganizationManager::update(const Actor& actor, Id organizationId,
                                                 const OrganizationUpdate& update)
{
    const Audited op(m_core, actor, actions::OrgUpdated, QStringLiteral("organization"),
                     QString::number(organizationId), organizationId);
    auto current = m_core.organizationFor(actor, organizationId, op.action());
    if (!current)
        return current.error();
    if (const auto decision = policy::requirePermission(actor, perm::OrgEdit); !decision)
        return op.deny(decision.reason);
    // The plan, its user limit and its features are the commercial side: super admins only. Admins
    // may rename their own organization.
    if ((update.plan || update.maxUsers || update.features) && !actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can change the plan, the user limit or the features"));

    QHash<QString, QString> fields;
    const QString name = update.name ? update.name->trimmed() : current->name;
    const QString plan = update.plan ? update.plan->trimmed() : current->plan;
    const int maxUsers = update.maxUsers ? *update.maxUsers : current->maxUsers;
    const QStringList features = update.features ? cleanFeatures(*update.features) : current->features;
    if (update.name)
        checkName(name, fields);
    if (update.plan)
        checkPlan(plan, fields);
    if (update.maxUsers)
        checkMaxUsers(maxUsers, fields);
    if (!fields.isEmpty())
        return ServiceError::validation(Tr::tr("The organization cannot be saved as entered."), fields);

    QJsonObject changes;
    auto change = [&](const QString& field, const QJsonValue& from, const QJsonValue& to) {
        if (from != to)
            changes.insert(field, QJsonObject { { QStringLiteral("from"), from }, { QStringLiteral("to"), to } });
    };
    change(QStringLiteral("name"), current->name, name);
    change(QStringLiteral("plan"), current->plan, plan);
    change(QStringLiteral("max_users"), current->maxUsers, maxUsers);
    change(QStringLiteral("features"), QJsonArray::fromStringList(current->features),
           QJsonArray::fromStringList(features));
    if (changes.isEmpty())
        return current; // nothing to save, nothing to audit

    return m_core.inTransaction<Organization>([&]() -> Result<Organization> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE organizations SET name = ?, plan = ?, max_users = ?, features = ?, "
                                        "updated_at = ? WHERE id = ?"),
                         { name, plan, maxUsers, toJsonArray(features), m_core.now(), organizationId }))
            return m_core.sqlError(q, Tr::tr("Saving the organization"));
        if (q.numRowsAffected() == 0)
            return ServiceError::notFound(Tr::tr("No organization with id %1").arg(organizationId));
        if (auto audited = op.succeed({ { QStringLiteral("changes"), changes } }); !audited)
            return audited.error();
        return m_core.loadOrganization(organizationId);
    });
}

namespace {

// Suspend and unsuspend differ only in the flag and the words.
Result<Organization> setOrganizationActive(StoreCore& core, const Actor& actor, Id organizationId, bool active)
{
    const Audited op(core, actor, active ? actions::OrgUnsuspended : actions::OrgSuspended,
                     QStringLiteral("organization"), QString::number(organizationId), organizationId);
    auto current = core.organizationFor(actor, organizationId, op.action());
    if (!current)
        return current.error();
    if (const auto decision = policy::requirePermission(actor, perm::OrgSuspend); !decision)
        return op.deny(decision.reason);
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can suspend or reactivate organizations"));
    if (!active && organizationId == actor.organizationId)
        return op.deny(Tr::tr("You cannot suspend your own organization"));

    if (current->active == active)
        return current; // already so: nothing changed, nothing to audit

    return core.inTransaction<Organization>([&]() -> Result<Organization> {
        QSqlQuery q(core.db());
        if (!core.exec(q, QStringLiteral("UPDATE organizations SET active = ?, updated_at = ? WHERE id = ?"),
                       { active ? 1 : 0, core.now(), organizationId }))
            return core.sqlError(
                q, active ? Tr::tr("Reactivating the organization") : Tr::tr("Suspending the organization"));
        if (auto audited
            = op.succeed({ { QStringLiteral("name"), current->name }, { QStringLiteral("slug"), current->slug } });
            !audited)
            return audited.error();
        return core.loadOrganization(organizationId);
    });
}

} // namespace

Result<Organization> OrganizationManager::suspend(const Actor& actor, Id organizationId)
{
    return setOrganizationActive(m_core, actor, organizationId, false);
}

Result<Organization> OrganizationManager::unsuspend(const Actor& actor, Id organizationId)
{
    return setOrganizationActive(m_core, actor, organizationId, true);
}

Status OrganizationManager::wipeOut(const Actor& actor, Id organizationId, const QString& confirmSlug)
{
    const Audited op(m_core, actor, actions::OrgWipedOut, QStringLiteral("organization"),
                     QString::number(organizationId), organizationId);
    auto organization = m_core.organizationFor(actor, organizationId, op.action());
    if (!organization)
        return organization.error();
    if (const auto decision = policy::requirePermission(actor, perm::OrgDelete); !decision)
        return op.deny(decision.reason);
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can wipe out organizations"));
    if (organizationId == actor.organizationId)
        return op.deny(Tr::tr("You cannot wipe out your own organization"));

    if (confirmSlug.trimmed() != organization->slug)
        return ServiceError::validationField(
            QStringLiteral("confirm"),
            Tr::tr("Type the slug %1 to confirm that everything in %2 is deleted for good.")
                .arg(organization->slug, organization->name));

    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("SELECT (SELECT COUNT(*) FROM users WHERE organization_id = ?), "
                                        "(SELECT COUNT(*) FROM sessions WHERE organization_id = ?), "
                                        "(SELECT COUNT(*) FROM api_keys WHERE organization_id = ?), "
                                        "(SELECT COUNT(*) FROM invitations WHERE organization_id = ?), "
                                        "(SELECT COUNT(*) FROM roles WHERE organization_id = ?)"),
                         { organizationId, organizationId, organizationId, organizationId, organizationId })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Counting the data of the organization"));
        const QJsonObject details { { QStringLiteral("name"), organization->name },
                                    { QStringLiteral("slug"), organization->slug },
                                    { QStringLiteral("users"), q.value(0).toLongLong() },
                                    { QStringLiteral("sessions"), q.value(1).toLongLong() },
                                    { QStringLiteral("api_keys"), q.value(2).toLongLong() },
                                    { QStringLiteral("invitations"), q.value(3).toLongLong() },
                                    { QStringLiteral("roles"), q.value(4).toLongLong() } };
        q.finish();
        // Foreign keys cascade to users, roles, sessions, API keys, invitations and tokens; the audit
        // events of the organization stay (append-only) and this event records the wipe-out.
        if (!m_core.exec(q, QStringLiteral("DELETE FROM organizations WHERE id = ?"), { organizationId }))
            return m_core.sqlError(q, Tr::tr("Wiping out the organization"));
        if (q.numRowsAffected() == 0)
            return ServiceError::notFound(Tr::tr("No organization with id %1").arg(organizationId));
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<CreatedInvitation> OrganizationManager::invite(const Actor& actor, Id organizationId, const QString& email,
                                                      const QString& roleCode, int validDays)
{
    const Id orgId = organizationId != 0 ? organizationId : actor.organizationId;
    Audited op(m_core, actor, actions::InvitationCreated, QStringLiteral("invitation"), {}, orgId);
    auto organization = m_core.organizationFor(actor, orgId, op.action());
    if (!organization)
        return organization.error();
    auto role = m_core.roleFor(actor, roleCode.trimmed(), op.action());
    if (!role)
        return role.error();
    if (role->organizationId != 0 && role->organizationId != orgId) // a super admin mixing tenants
        return ServiceError::notFound(Tr::tr("No role %1 in %2").arg(roleCode.trimmed(), organization->name));
    if (const auto decision = policy::requirePermission(actor, perm::OrgInvite); !decision)
        return op.deny(decision.reason);

    const QString address = email.trimmed().toLower();
    if (auto valid = policy::validateEmail(address); !valid)
        return valid.error();
    if (validDays == 0) // the inviter named no lifetime: the deployment's setting
        validDays = m_core.settings().invitationDays;
    if (validDays < 1 || validDays > limits::MaxInvitationDays)
        return ServiceError::validationField(
            QStringLiteral("valid_days"),
            Tr::tr("An invitation is valid for 1 to %1 days.").arg(limits::MaxInvitationDays));

    if (!organization->active)
        return ServiceError::conflict(Tr::tr("%1 is suspended; reactivate it before inviting").arg(organization->name));

    if (auto d = policy::canInviteWithRole(actor, *role); !d)
        return Audited(m_core, actor, op.action(), QStringLiteral("role"), role->code, orgId).deny(d.reason);

    const QString token = crypto::randomToken(32);
    if (token.isEmpty())
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure token"));

    return m_core.inTransaction<CreatedInvitation>([&]() -> Result<CreatedInvitation> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("SELECT 1 FROM users WHERE email = ?"), { address }))
            return m_core.sqlError(q, Tr::tr("Checking the email address"));
        if (q.next())
            return ServiceError::duplicate(Tr::tr("A user with the email address %1 already exists").arg(address));
        if (!m_core.exec(q,
                         QStringLiteral("SELECT 1 FROM invitations WHERE organization_id = ? AND email = ? "
                                        "AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?"),
                         { orgId, address, now }))
            return m_core.sqlError(q, Tr::tr("Checking the pending invitations"));
        if (q.next())
            return ServiceError::duplicate(
                Tr::tr("%1 already has a pending invitation; revoke it to send a new one").arg(address));
        q.finish();

        auto taken = m_core.seatsTaken(orgId);
        if (!taken)
            return taken.error();
        if (auto seat = policy::seatAvailable(*organization, *taken, policy::SeatFor::Invitation); !seat)
            return ServiceError::validationField(QStringLiteral("email"), seat.reason);

        const qint64 expires = now + qint64(validDays) * 24 * 60 * 60 * 1000;
        if (!m_core.exec(
                q,
                QStringLiteral("INSERT INTO invitations (organization_id, email, role_code, token_hash, "
                               "invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"),
                { orgId, address, role->code, QString::fromLatin1(crypto::sha256Hex(token.toUtf8())),
                  nullableId(actor.userId), now, expires })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the invitation"));
        CreatedInvitation created;
        created.token = token;
        Invitation& i = created.invitation;
        i.id = q.value(0).toLongLong();
        q.finish();
        i.organizationId = orgId;
        i.email = address;
        i.roleCode = role->code;
        i.invitedBy = actor.userId;
        i.createdAt = timeFrom(now);
        i.expiresAt = timeFrom(expires);
        const QJsonObject details { { QStringLiteral("email"), address },
                                    { QStringLiteral("role"), role->code },
                                    { QStringLiteral("valid_days"), validDays } };
        if (auto audited = op.setResourceId(QString::number(i.id)).succeed(details); !audited)
            return audited.error();
        return created;
    });
}

Result<QList<Invitation>> OrganizationManager::invitations(const Actor& actor, Id organizationId)
{
    const Id orgId = organizationId != 0 ? organizationId : actor.organizationId;
    const Audited op(m_core, actor, actions::InvitationListed, QStringLiteral("organization"), QString::number(orgId),
                     orgId);
    if (auto organization = m_core.organizationFor(actor, orgId, op.action()); !organization)
        return organization.error();
    if (const auto decision = policy::requirePermission(actor, perm::OrgView); !decision)
        return op.deny(decision.reason);
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, kInvitationSelect + QStringLiteral(" WHERE i.organization_id = ? ORDER BY i.id DESC"),
                     { orgId }))
        return m_core.sqlError(q, Tr::tr("Listing invitations"));
    QList<Invitation> result;
    while (q.next())
        result << invitationFromQuery(q);
    return result;
}

Status OrganizationManager::revokeInvitation(const Actor& actor, Id invitationId)
{
    Audited op(m_core, actor, actions::InvitationRevoked, QStringLiteral("invitation"), QString::number(invitationId));
    Invitation invitation;
    {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, kInvitationSelect + QStringLiteral(" WHERE i.id = ?"), { invitationId }))
            return m_core.sqlError(q, Tr::tr("Loading the invitation"));
        const bool found = q.next();
        if (found)
            invitation = invitationFromQuery(q);
        q.finish(); // before requireVisible() may write a denial
        if (auto visible = m_core.requireVisible(actor, found, invitation.organizationId, Resource::Invitation,
                                                 op.target().resourceId, op.action());
            !visible)
            return visible.error();
    }
    op.setOrganization(invitation.organizationId);
    if (const auto decision = policy::requirePermission(actor, perm::OrgInvite); !decision)
        return op.deny(decision.reason);
    if (invitation.acceptedAt.isValid())
        return ServiceError::conflict(Tr::tr("The invitation for %1 was already accepted").arg(invitation.email));
    if (invitation.revoked)
        return {}; // already revoked: nothing changed, nothing to audit

    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE invitations SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL "
                                        "AND accepted_at IS NULL"),
                         { m_core.now(), invitationId }))
            return m_core.sqlError(q, Tr::tr("Revoking the invitation"));
        if (q.numRowsAffected() == 0)
            return ServiceError::conflict(Tr::tr("The invitation for %1 is no longer pending").arg(invitation.email));
        const QJsonObject details { { QStringLiteral("email"), invitation.email },
                                    { QStringLiteral("role"), invitation.roleCode } };
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<User> OrganizationManager::acceptInvitation(const QString& token, const QString& username,
                                                   const QString& fullName, const QString& password, const QString& ip)
{
    const QString invalid = Tr::tr("This invitation link is not valid");
    if (token.isEmpty())
        return ServiceError::notFound(invalid);
    const QString tokenHash = QString::fromLatin1(crypto::sha256Hex(token.toUtf8()));

    Invitation invitation;
    {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, kInvitationSelect + QStringLiteral(" WHERE i.token_hash = ?"), { tokenHash }))
            return m_core.sqlError(q, Tr::tr("Looking up the invitation"));
        if (!q.next())
            return ServiceError::notFound(invalid);
        invitation = invitationFromQuery(q);
    }
    const auto checkPending = [&](const Invitation& i) -> Status {
        if (i.acceptedAt.isValid())
            return ServiceError::conflict(Tr::tr("This invitation was already used; sign in instead"));
        if (i.revoked)
            return ServiceError::conflict(Tr::tr("This invitation was revoked; ask for a new one"));
        if (i.expiresAt.toMSecsSinceEpoch() <= m_core.now())
            return ServiceError::conflict(Tr::tr("This invitation has expired; ask for a new one"));
        return {};
    };
    if (auto pending = checkPending(invitation); !pending)
        return pending.error();

    const QString name = username.trimmed();
    const QString full = fullName.trimmed();
    QHash<QString, QString> fields;
    if (auto valid = policy::validateUsername(name); !valid)
        fields.insert(valid.error().fieldErrors);
    if (full.size() > policy::Limits::FullName)
        fields.insert(QStringLiteral("full_name"),
                      Tr::tr("A full name has at most %1 characters.").arg(policy::Limits::FullName));
    if (auto valid
        = policy::validatePassword(password, QStringLiteral("password"), m_core.settings().passwordMinLength);
        !valid)
        fields.insert(valid.error().fieldErrors);
    if (!fields.isEmpty())
        return ServiceError::validation(Tr::tr("The account cannot be created as entered."), fields);

    auto organization = m_core.loadOrganization(invitation.organizationId);
    if (!organization)
        return organization.error();
    if (!organization->active)
        return ServiceError::conflict(
            Tr::tr("%1 is suspended; the invitation cannot be used now").arg(organization->name));
    auto role = m_core.loadRole(invitation.roleCode);
    if (!role)
        return ServiceError::conflict(
            Tr::tr("The role %1 of this invitation no longer exists; ask for a new invitation")
                .arg(invitation.roleCode));

    // Argon2 is slow on purpose: hash before taking the write lock.
    const QString passwordHash = crypto::hashPassword(password);
    if (passwordHash.isEmpty())
        return ServiceError::unavailable(Tr::tr("The password could not be hashed; try again"));

    auto created = m_core.inTransaction<Id>([&]() -> Result<Id> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        // Re-read inside the write lock: another request may have used or revoked it meanwhile.
        if (!m_core.exec(q, kInvitationSelect + QStringLiteral(" WHERE i.id = ?"), { invitation.id }) || !q.next())
            return m_core.sqlError(q, Tr::tr("Looking up the invitation"));
        const Invitation fresh = invitationFromQuery(q);
        q.finish();
        if (auto pending = checkPending(fresh); !pending)
            return pending.error();

        if (!m_core.exec(q, QStringLiteral("SELECT email, username FROM users WHERE email = ? OR username = ?"),
                         { invitation.email, name }))
            return m_core.sqlError(q, Tr::tr("Checking the account"));
        if (q.next()) {
            if (q.value(0).toString() == invitation.email)
                return ServiceError::duplicate(
                    Tr::tr("An account with the email address %1 already exists").arg(invitation.email));
            return ServiceError::duplicate(Tr::tr("The username %1 is taken; choose another").arg(name));
        }
        q.finish();

        // The invitation held a seat; the limit still holds for the users that actually exist (the
        // plan is read again here, inside the write lock).
        if (!m_core.exec(q, QStringLiteral("SELECT max_users FROM organizations WHERE id = ?"),
                         { invitation.organizationId })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Counting the users of the organization"));
        Organization current = *organization;
        current.maxUsers = q.value(0).toInt();
        q.finish();
        auto taken = m_core.seatsTaken(invitation.organizationId, StoreCore::Seats::UsersOnly);
        if (!taken)
            return taken.error();
        if (auto seat = policy::seatAvailable(current, *taken, policy::SeatFor::AcceptedInvitation); !seat)
            return ServiceError::conflict(seat.reason);

        if (!m_core.exec(
                q,
                QStringLiteral("INSERT INTO users (email, username, full_name, organization_id, password_hash, "
                               "active, verified, deleted, failed_logins, password_changed_at, created_at, "
                               "updated_at, version) VALUES (?, ?, ?, ?, ?, 1, 1, 0, 0, ?, ?, ?, 1) "
                               "RETURNING id"),
                { invitation.email, name, full, invitation.organizationId, passwordHash, now, now, now })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the account"));
        const Id userId = q.value(0).toLongLong();
        q.finish();
        if (!m_core.exec(q,
                         QStringLiteral("INSERT INTO user_roles (user_id, role_id, assigned_by, assigned_at) "
                                        "VALUES (?, ?, ?, ?)"),
                         { userId, role->id, nullableId(invitation.invitedBy), now }))
            return m_core.sqlError(q, Tr::tr("Giving the account its role"));
        if (!m_core.exec(q, QStringLiteral("UPDATE invitations SET accepted_at = ?, accepted_user_id = ? WHERE id = ?"),
                         { now, userId, invitation.id }))
            return m_core.sqlError(q, Tr::tr("Marking the invitation as used"));

        // Nobody is signed in here: the new user accepts for themself.
        Actor newcomer;
        newcomer.kind = Actor::Kind::User;
        newcomer.userId = userId;
        newcomer.email = invitation.email;
        newcomer.organizationId = invitation.organizationId;
        newcomer.level = role->level;
        newcomer.roleCodes = { role->code };
        newcomer.ip = ip;
        const QJsonObject details { { QStringLiteral("user_id"), userId },
                                    { QStringLiteral("email"), invitation.email },
                                    { QStringLiteral("username"), name },
                                    { QStringLiteral("role"), role->code },
                                    { QStringLiteral("invited_by"), invitation.invitedBy } };
        if (auto audited = m_core.appendAudit(newcomer, actions::InvitationAccepted, QStringLiteral("invitation"),
                                              QString::number(invitation.id), invitation.organizationId, details);
            !audited)
            return audited.error();
        return userId;
    });
    if (!created)
        return created.error();
    return m_core.loadUser(*created);
}

} // namespace portcullis
