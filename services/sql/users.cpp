#include "domain/csv.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QSet>
#include <QSqlQuery>

#include <cmath>

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Users)
};

} // namespace

using namespace sqlutil;

namespace {

const QString kUserResource = QStringLiteral("user");
// Joins the searched fields for a short term on PostgreSQL (UserManager::list): chr(1).
constexpr QChar kFieldSeparator(1);

// The users of every organization, from the counts the triggers keep (migration 3). Read through
// the primary key, not the table: every user written updates its organization's row, and a bulk
// write (seed-demo, an import in one transaction) leaves the few rows spread over thousands of pages
// that no vacuum gives back (100,000 users in 20 tenants: 15 MB, 3 ms for a sequential read of 21
// rows against 0.2 ms through the index, on every users page).
QString everyUsersCount()
{
    return QStringLiteral("SELECT COALESCE(SUM(user_count), 0) FROM organizations WHERE id > 0");
}

policy::Decision requireAnyPermission(const Actor& actor, std::initializer_list<QString> codes)
{
    policy::Decision last;
    for (const QString& code : codes) {
        last = policy::requirePermission(actor, code);
        if (last)
            return last;
    }
    return last;
}

// A unique value refused by the database: which of the two it was (both may be), with the value, under
// the field it belongs to. Read after the refused transaction; a row that changed in between (rare)
// leaves the general answer under the email.
ServiceError alreadyInUse(StoreCore& core, const QString& email, const QString& username, Id self)
{
    bool emailTaken = false;
    bool usernameTaken = false;
    QSqlQuery q(core.db());
    if (core.exec(q, QStringLiteral("SELECT email, username FROM users WHERE (email = ? OR username = ?) AND id <> ?"),
                  { email, username, self })) {
        while (q.next()) {
            emailTaken = emailTaken || q.value(0).toString() == email;
            usernameTaken = usernameTaken || q.value(1).toString() == username;
        }
    }
    QHash<QString, QString> fields;
    if (emailTaken)
        fields.insert(QStringLiteral("email"), Tr::tr("The email %1 is already in use").arg(email));
    if (usernameTaken)
        fields.insert(QStringLiteral("username"), Tr::tr("The username %1 is already in use").arg(username));
    if (emailTaken && usernameTaken)
        return ServiceError::validation(
            Tr::tr("The email %1 and the username %2 are already in use").arg(email, username), fields);
    if (emailTaken || usernameTaken)
        return ServiceError::validation(fields.cbegin().value(), fields);
    return ServiceError::validation(Tr::tr("That email or username is already taken"),
                                    { { QStringLiteral("email"), Tr::tr("Email or username already in use") } });
}

Status validateProfile(const QString& email, const QString& username, const QString& fullName)
{
    QHash<QString, QString> fields;
    if (auto e = policy::validateEmail(email); !e)
        fields.insert(e.error().fieldErrors.isEmpty() ? QStringLiteral("email") : e.error().fieldErrors.cbegin().key(),
                      e.error().message);
    if (auto u = policy::validateUsername(username); !u)
        fields.insert(u.error().fieldErrors.isEmpty() ? QStringLiteral("username")
                                                      : u.error().fieldErrors.cbegin().key(),
                      u.error().message);
    if (fullName.size() > policy::Limits::FullName)
        fields.insert(QStringLiteral("full_name"),
                      Tr::tr("Full name is longer than %1 characters").arg(policy::Limits::FullName));
    if (!fields.isEmpty())
        return ServiceError::validation(Tr::tr("Please correct the highlighted fields"), fields);
    return {};
}

// Ends every open session of a user inside the current transaction; returns how many.
Result<int> endSessions(StoreCore& core, Id userId, qint64 now)
{
    QSqlQuery q(core.db());
    if (!core.exec(q, QStringLiteral("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"),
                   { now, userId }))
        return core.sqlError(q, Tr::tr("Ending the user's sessions"));
    return q.numRowsAffected();
}

} // namespace

Result<User> UserManager::loadManageable(Audited& op, Id userId, policy::UserAction what)
{
    const Actor& actor = op.actor();
    // The tenant check comes first: another tenant's user is missing, whatever the actor may do.
    auto target = m_core.userFor(actor, userId, op.action());
    if (!target)
        return target.error();
    op.setOrganization(target->organizationId);
    if (target->deleted && op.action() != actions::UserViewed)
        return ServiceError::notFound(Tr::tr("User %1 has been deleted").arg(target->email));
    // The permission, one's own account, the level and tenant rule: the policy's one call, which
    // the console asks too before it offers the action.
    if (auto d = policy::canActOnUser(actor, *target, what); !d)
        return op.deny(d.reason);
    return target;
}

Result<User> UserManager::create(const Actor& actor, const NewUser& nu)
{
    const Id orgId = nu.organizationId != 0 ? nu.organizationId : actor.organizationId;
    if (orgId == 0)
        return ServiceError::validationField(QStringLiteral("organization_id"), Tr::tr("Choose an organization"));
    // Every id the request names is looked up first (another tenant's reads as missing).
    Audited op(m_core, actor, actions::UserCreated, kUserResource, {}, orgId);
    auto org = m_core.organizationFor(actor, orgId, op.action());
    if (!org)
        return org.error();
    QList<Role> roles;
    for (const QString& code : nu.roleCodes) {
        auto role = m_core.roleFor(actor, code, op.action());
        if (!role)
            return role.error();
        roles << *role;
    }
    if (auto d = policy::requirePermission(actor, perm::UserCreate); !d)
        return op.deny(d.reason);
    if (auto d = policy::requireTenant(actor, orgId); !d)
        return op.deny(d.reason);

    const QString email = nu.email.trimmed().toLower();
    const QString username = nu.username.trimmed();
    if (auto v = validateProfile(email, username, nu.fullName); !v)
        return v.error();
    if (auto p = policy::validatePassword(nu.password, QStringLiteral("password"), m_core.settings().passwordMinLength);
        !p)
        return p.error();

    if (!org->active)
        return ServiceError::conflict(Tr::tr("Organization %1 is suspended").arg(org->name));

    // Every initial role is checked like an assignment to a new user (level 0).
    if (actor.kind != Actor::Kind::System) {
        const QList<Role> actorRoles = m_core.loadRolesOfUser(actor.userId);
        User pseudo;
        pseudo.organizationId = orgId;
        for (const Role& role : std::as_const(roles)) {
            if (auto d = policy::canAssignRole(actor, actorRoles, pseudo, role); !d)
                return op.deny(d.reason);
        }
    }

    // Argon2id is slow on purpose: hash before taking the write lock.
    const QString hash = crypto::hashPassword(nu.password);
    if (hash.isEmpty())
        return ServiceError::storage(Tr::tr("Could not hash the password"));

    auto created = m_core.inTransaction<Id>([&]() -> Result<Id> {
        QSqlQuery q(m_core.db());
        // Seats held by pending invitations count too, so an accepted invitation never finds the
        // organization full (the same count as OrganizationManager::invite).
        const qint64 nowMs = m_core.now();
        auto taken = m_core.seatsTaken(orgId);
        if (!taken)
            return taken.error();
        if (auto seat = policy::seatAvailable(*org, *taken, policy::SeatFor::NewUser); !seat)
            return ServiceError::validationField(QStringLiteral("organization_id"), seat.reason);
        const qint64 now = nowMs;
        if (!m_core.exec(
                q,
                QStringLiteral("INSERT INTO users (email, username, full_name, organization_id, password_hash, "
                               "verified, password_changed_at, created_at, updated_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
                { email, username, nu.fullName.trimmed(), orgId, hash, nu.verified ? 1 : 0, now, now, now })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the user"));
        const Id id = q.value(0).toLongLong();
        q.finish();
        QJsonArray roleCodes;
        for (const Role& role : std::as_const(roles)) {
            if (!m_core.exec(q,
                             QStringLiteral("INSERT INTO user_roles (user_id, role_id, assigned_by, assigned_at) "
                                            "VALUES (?, ?, ?, ?)"),
                             { id, role.id, actor.userId, now }))
                return m_core.sqlError(q, Tr::tr("Assigning the roles"));
            roleCodes.append(role.code);
        }
        if (auto a = op.setResourceId(QString::number(id))
                         .succeed({ { QStringLiteral("email"), email }, { QStringLiteral("roles"), roleCodes } });
            !a)
            return a.error();
        return id;
    });
    if (!created) {
        if (created.error().reason == ErrorReason::Duplicate)
            return alreadyInUse(m_core, email, username, 0);
        return created.error();
    }
    return m_core.loadUser(*created);
}

// --- import ---------------------------------------------------------------------------------------

namespace {

// Rows created per write transaction: fewer commits (each one a disk sync) for a large file, short
// enough that other writers do not wait long and that a cancel is seen between rows.
constexpr int kImportRowsPerTransaction = 50;
// Marks a user that has no password yet: not a PHC string, so no password ever verifies against it
// (crypto::verifyPassword) until a reset code or an administrator sets one.
const QString kNoPassword = QStringLiteral("!import");

ImportRowResult refused(ImportRowResult result, ImportProblem problem, const QString& message)
{
    result.outcome = ImportOutcome::Error;
    result.problem = problem;
    result.message = message;
    return result;
}

} // namespace

Result<ImportReport> UserManager::importUsers(const Actor& actor, const ImportRequest& request,
                                              const ImportControl& control)
{
    const Id defaultOrgId = request.organizationId != 0 ? request.organizationId : actor.organizationId;
    Audited op(m_core, actor, actions::UserImported, kUserResource, {}, defaultOrgId);
    if (request.rows.size() > userimport::MaxRowsPerFile)
        return ServiceError::validation(Tr::tr("An import takes at most %L1 rows").arg(userimport::MaxRowsPerFile));
    // The id the request names is looked up first (another tenant's reads as missing, as for
    // create()); then the permission: without it nothing about the file is answered.
    if (request.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, request.organizationId, op.action()); !org)
            return org.error();
    }
    const QString needed = request.delivery == ImportDelivery::Invitation ? perm::OrgInvite : perm::UserCreate;
    if (auto d = policy::requirePermission(actor, needed); !d)
        return op.deny(d.reason);

    const bool superAdmin = actor.isSuperAdmin() || actor.kind == Actor::Kind::System;
    const QList<Role> actorRoles
        = actor.kind == Actor::Kind::System ? QList<Role>() : m_core.loadRolesOfUser(actor.userId);
    const bool invitations = request.delivery == ImportDelivery::Invitation;

    // What the rows name, looked up once each.
    QHash<QString, std::optional<Organization>> organizations; // by lower-case slug or name
    QHash<Id, Organization> organizationsById;
    QHash<Id, qint64> seats; // taken + planned by earlier rows
    QHash<QString, std::optional<Role>> roles;
    auto organizationNamed = [&](const QString& name) -> Result<std::optional<Organization>> {
        const QString key = name.trimmed().toLower();
        if (auto it = organizations.constFind(key); it != organizations.cend())
            return *it;
        std::optional<Organization> found;
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q,
                QStringLiteral("SELECT id FROM organizations WHERE id > 0 AND (lower(slug) = ? OR lower(name) = ?) "
                               "ORDER BY CASE WHEN lower(slug) = ? THEN 0 ELSE 1 END, id LIMIT 1"),
                { key, key, key }))
            return m_core.sqlError(q, Tr::tr("Looking up the organizations"));
        if (q.next()) {
            const Id id = q.value(0).toLongLong();
            q.finish();
            // Another tenant's organization reads exactly like a missing one.
            if (StoreCore::canSee(actor, id)) {
                auto org = m_core.loadOrganization(id);
                if (!org)
                    return org.error();
                found = *org;
            }
        }
        organizations.insert(key, found);
        return found;
    };
    auto organizationWithId = [&](Id id) -> Result<Organization> {
        if (auto it = organizationsById.constFind(id); it != organizationsById.cend())
            return *it;
        auto org = m_core.loadOrganization(id);
        if (!org)
            return org.error();
        organizationsById.insert(id, *org);
        return *org;
    };
    auto roleCoded = [&](const QString& code) -> std::optional<Role> {
        if (auto it = roles.constFind(code); it != roles.cend())
            return *it;
        std::optional<Role> found;
        if (auto role = m_core.loadRole(code); role && StoreCore::canSee(actor, role->organizationId))
            found = *role;
        roles.insert(code, found);
        return found;
    };

    // The emails and usernames that exist already, in chunks (one statement per 400 rows).
    QSet<QString> existingEmails;
    QSet<QString> existingUsernames;
    for (qsizetype start = 0; start < request.rows.size(); start += 400) {
        const QList<ImportRow> chunk = request.rows.mid(start, 400);
        QVariantList values;
        QStringList marks;
        for (const ImportRow& row : chunk) {
            values << row.email.trimmed().toLower();
            marks << QStringLiteral("?");
        }
        for (const ImportRow& row : chunk)
            values << row.username.trimmed();
        const QString in = marks.join(QLatin1Char(','));
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q,
                QStringLiteral("SELECT email, username FROM users WHERE email IN (%1) OR username IN (%2)").arg(in, in),
                values))
            return m_core.sqlError(q, Tr::tr("Looking up existing users"));
        while (q.next()) {
            existingEmails.insert(q.value(0).toString());
            existingUsernames.insert(q.value(1).toString());
        }
    }

    ImportReport report;
    report.dryRun = request.dryRun;
    report.rows.reserve(request.rows.size());
    QList<QList<Role>> rowRoles(request.rows.size());
    QSet<QString> seenEmails;
    QSet<QString> seenUsernames;
    QSet<QString> noUsernames; // invitations: the invitee chooses a username when accepting
    QList<int> deniedRoleRows;
    QList<int> deniedOrganizationRows;
    for (qsizetype i = 0; i < request.rows.size(); ++i) {
        const ImportRow& row = request.rows.at(i);
        ImportRowResult result;
        result.row = row.row;
        result.email = row.email.trimmed().toLower();
        result.username = invitations ? QString() : row.username.trimmed();
        result.outcome = ImportOutcome::WillCreate;
        auto classify = [&]() -> Result<ImportRowResult> {
            if (!row.problem.isEmpty())
                return refused(result, ImportProblem::Malformed, row.problem);
            if (auto e = policy::validateEmail(result.email); !e)
                return refused(result, ImportProblem::InvalidEmail, e.error().message);
            if (!invitations) {
                if (auto v = validateProfile(result.email, result.username, row.fullName); !v)
                    return refused(result, ImportProblem::InvalidField,
                                   v.error().fieldErrors.isEmpty() ? v.error().message
                                                                   : v.error().fieldErrors.cbegin().value());
            }
            ImportRow key = row;
            key.email = result.email;
            key.username = result.username;
            if (userimport::isDuplicate(key, seenEmails, invitations ? noUsernames : seenUsernames))
                return refused(result, ImportProblem::DuplicateInFile,
                               Tr::tr("An earlier row has the same email or username"));
            if (existingEmails.contains(result.email) || existingUsernames.contains(result.username)) {
                result.outcome = ImportOutcome::Exists;
                result.message = Tr::tr("A user with this email or username exists; skipped");
                return result;
            }
            // The organization: by slug or name for super admins; anyone else only their own.
            Organization org;
            if (row.organization.isEmpty()) {
                auto own = organizationWithId(defaultOrgId);
                if (!own)
                    return own.error();
                org = *own;
            } else {
                auto named = organizationNamed(row.organization);
                if (!named)
                    return named.error();
                if (!*named) {
                    if (!superAdmin)
                        deniedOrganizationRows << row.row;
                    return refused(result, ImportProblem::UnknownOrganization,
                                   Tr::tr("No organization %1").arg(row.organization));
                }
                org = **named;
            }
            result.organizationId = org.id;
            if (!org.active)
                return refused(result, ImportProblem::OrganizationSuspended,
                               Tr::tr("Organization %1 is suspended").arg(org.name));
            const QStringList codes = row.roleCodes.isEmpty() ? QStringList { QStringLiteral("user") } : row.roleCodes;
            if (invitations && codes.size() != 1)
                return refused(result, ImportProblem::InvitationOneRole,
                               Tr::tr("An invitation carries exactly one role"));
            User pseudo;
            pseudo.organizationId = org.id;
            for (const QString& code : codes) {
                const auto role = roleCoded(code);
                if (!role || (role->organizationId != 0 && role->organizationId != org.id))
                    return refused(result, ImportProblem::UnknownRole, Tr::tr("No role %1").arg(code));
                if (actor.kind != Actor::Kind::System) {
                    const policy::Decision d = invitations ? policy::canInviteWithRole(actor, *role)
                                                           : policy::canAssignRole(actor, actorRoles, pseudo, *role);
                    if (!d) {
                        deniedRoleRows << row.row;
                        return refused(result, ImportProblem::RoleNotAllowed,
                                       Tr::tr("You may not assign the role %1").arg(code));
                    }
                }
                rowRoles[i] << *role;
            }
            if (!seats.contains(org.id)) {
                auto taken = m_core.seatsTaken(org.id);
                if (!taken)
                    return taken.error();
                seats.insert(org.id, *taken);
            }
            if (auto seat = policy::seatAvailable(org, seats.value(org.id), policy::SeatFor::NewUser); !seat)
                return refused(result, ImportProblem::SeatLimit, seat.reason);
            seats[org.id] += 1;
            return result;
        };
        auto classified = classify();
        if (!classified)
            return classified.error();
        report.rows << *classified;
    }
    if (request.dryRun)
        return report;

    // The refusals of the level and tenant rules, one audited denial for the file.
    if (!deniedRoleRows.isEmpty() || !deniedOrganizationRows.isEmpty()) {
        auto rowList = [](const QList<int>& rows) -> QString {
            QStringList out;
            for (int r : rows.mid(0, 50))
                out << QString::number(r);
            return out.join(QStringLiteral(", ")) + (rows.size() > 50 ? QStringLiteral(", …") : QString());
        };
        QStringList reasons;
        if (!deniedRoleRows.isEmpty())
            reasons << QStringLiteral("role not assignable in rows ") + rowList(deniedRoleRows);
        if (!deniedOrganizationRows.isEmpty())
            reasons << QStringLiteral("organization outside the tenant in rows ") + rowList(deniedOrganizationRows);
        op.deny(reasons.join(QStringLiteral("; ")));
    }

    // The rows that passed, in file order.
    const int total = int(report.rows.size());
    int done = 0;
    OrganizationManager organizationsManager(m_core);
    TokenManager tokens(m_core);
    auto cancelled = [&] { return control.cancel && control.cancel->load(); };
    auto notRun = [&](qsizetype from) {
        for (qsizetype j = from; j < report.rows.size(); ++j) {
            ImportRowResult& r = report.rows[j];
            if (r.outcome == ImportOutcome::WillCreate) {
                r.outcome = ImportOutcome::NotRun;
                r.message = Tr::tr("Not imported: the import was cancelled");
            }
        }
        report.cancelled = true;
    };
    auto step = [&] {
        ++done;
        if (control.progress)
            control.progress(done, total);
    };

    // One row with a reset code, inside the current transaction. A row that a concurrent writer made
    // impossible since the classification (taken, plan full) is reported, not fatal.
    auto createRow = [&](qsizetype i) -> Status {
        ImportRowResult& r = report.rows[i];
        const ImportRow& row = request.rows.at(i);
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("SELECT 1 FROM users WHERE email = ? OR username = ?"),
                         { r.email, r.username }))
            return m_core.sqlError(q, Tr::tr("Looking up existing users"));
        if (q.next()) {
            r.outcome = ImportOutcome::Exists;
            r.message = Tr::tr("A user with this email or username exists; skipped");
            return {};
        }
        q.finish();
        auto org = organizationWithId(r.organizationId);
        if (!org)
            return org.error();
        auto taken = m_core.seatsTaken(r.organizationId);
        if (!taken)
            return taken.error();
        if (auto seat = policy::seatAvailable(*org, *taken, policy::SeatFor::NewUser); !seat) {
            r = refused(r, ImportProblem::SeatLimit, seat.reason);
            return {};
        }
        const qint64 now = m_core.now();
        if (!m_core.exec(
                q,
                QStringLiteral("INSERT INTO users (email, username, full_name, organization_id, password_hash, "
                               "verified, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id"),
                { r.email, r.username, row.fullName.trimmed(), r.organizationId, kNoPassword, now, now })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the user"));
        const Id id = q.value(0).toLongLong();
        q.finish();
        QJsonArray roleCodes;
        for (const Role& role : std::as_const(rowRoles.at(i))) {
            if (!m_core.exec(q,
                             QStringLiteral("INSERT INTO user_roles (user_id, role_id, assigned_by, assigned_at) "
                                            "VALUES (?, ?, ?, ?)"),
                             { id, role.id, actor.userId, now }))
                return m_core.sqlError(q, Tr::tr("Assigning the roles"));
            roleCodes.append(role.code);
        }
        Audited created(m_core, actor, actions::UserCreated, kUserResource, QString::number(id), r.organizationId);
        if (auto a = created.succeed({ { QStringLiteral("email"), r.email },
                                       { QStringLiteral("roles"), roleCodes },
                                       { QStringLiteral("source"), QStringLiteral("import") } });
            !a)
            return a.error();
        auto code = tokens.issuePasswordResetWithin(actor, id, r.organizationId, r.email, limits::ImportResetCodeHours);
        if (!code)
            return code.error();
        r.outcome = ImportOutcome::Created;
        r.userId = id;
        r.code = *code;
        r.message.clear();
        return {};
    };

    std::optional<ServiceError> failure;
    if (invitations) {
        for (qsizetype i = 0; i < report.rows.size(); ++i) {
            ImportRowResult& r = report.rows[i];
            if (r.outcome != ImportOutcome::WillCreate) {
                step();
                continue;
            }
            if (cancelled()) {
                notRun(i);
                break;
            }
            auto invited = organizationsManager.invite(actor, r.organizationId, r.email,
                                                       rowRoles.at(i).constFirst().code, limits::InvitationDays);
            if (invited) {
                r.outcome = ImportOutcome::Created;
                r.invitationId = invited->invitation.id;
                r.code = invited->token;
            } else if (invited.error().code == ErrorCode::Unavailable || invited.error().code == ErrorCode::Storage) {
                failure = invited.error();
                notRun(i);
                report.cancelled = false;
                break;
            } else {
                r = refused(r, ImportProblem::Failed, invited.error().message);
            }
            step();
        }
    } else {
        qsizetype i = 0;
        while (i < report.rows.size() && !failure) {
            // One transaction for the next few rows; a failure rolls all of them back.
            if (auto begun = m_core.begin(); !begun) {
                failure = begun.error();
                break;
            }
            const qsizetype first = i;
            int written = 0;
            bool stop = false;
            while (i < report.rows.size() && written < kImportRowsPerTransaction) {
                if (report.rows.at(i).outcome == ImportOutcome::WillCreate) {
                    if (cancelled()) {
                        stop = true;
                        break;
                    }
                    if (auto row = createRow(i); !row) {
                        failure = row.error();
                        break;
                    }
                    ++written;
                }
                step();
                ++i;
            }
            if (!failure) {
                if (auto committed = m_core.commit(); !committed)
                    failure = committed.error();
            } else {
                m_core.rollback();
            }
            if (failure) {
                // Nothing of this transaction stayed.
                for (qsizetype j = first; j < i + 1 && j < report.rows.size(); ++j) {
                    ImportRowResult& r = report.rows[j];
                    if (r.outcome == ImportOutcome::Created || r.outcome == ImportOutcome::WillCreate) {
                        r = refused(r, ImportProblem::Failed, failure->message);
                        r.userId = 0;
                        r.code.clear();
                    }
                }
                notRun(i + 1);
                report.cancelled = false;
                break;
            }
            if (stop) {
                notRun(i);
                break;
            }
        }
    }

    // The import itself, with its counts.
    const QJsonObject details { { QStringLiteral("rows"), total },
                                { QStringLiteral("created"), report.count(ImportOutcome::Created) },
                                { QStringLiteral("exists"), report.count(ImportOutcome::Exists) },
                                { QStringLiteral("errors"), report.count(ImportOutcome::Error) },
                                { QStringLiteral("not_run"), report.count(ImportOutcome::NotRun) },
                                { QStringLiteral("cancelled"), report.cancelled },
                                { QStringLiteral("delivery"), userimport::deliveryName(request.delivery) } };
    auto audited = m_core.inTransaction<bool>([&]() -> Result<bool> {
        if (auto a = op.succeed(details); !a)
            return a.error();
        return true;
    });
    if (!audited && !failure)
        failure = audited.error();
    if (failure && report.count(ImportOutcome::Created) == 0)
        return *failure;
    return report;
}

Result<User> UserManager::get(const Actor& actor, Id userId)
{
    Audited op(m_core, actor, actions::UserViewed, kUserResource, QString::number(userId));
    auto user = m_core.userFor(actor, userId, op.action());
    if (!user)
        return user.error();
    if (userId == actor.userId && actor.kind == Actor::Kind::User)
        return user;
    if (auto d = requireAnyPermission(actor, { perm::UserView, perm::UserRead }); !d)
        return op.setOrganization(user->organizationId).deny(d.reason);
    return user;
}

namespace {

// One page of users for UserManager::list: the filters as SQL, then the cheapest way to the page
// and its total for them. Each way is a method below; the statements and the choice between them
// are as measured (docs/benchmarks.md, "Scale").
class UserListing
{
public:
    UserListing(StoreCore& core, const UserQuery& query, Id organizationId)
        : m_core(core)
        , m_query(query)
        , m_orgId(organizationId)
        , m_search(query.search.trimmed())
        // SQLite: a term of three characters or more takes its candidates from the trigram index
        // (migration 6, users_search); the LIKE below still decides, so the rows are exactly those
        // of the scan (the index folds case beyond ASCII, LIKE does not: the candidates are a
        // superset). Shorter terms have no trigram: they are matched by the LIKE alone, walking the
        // page's order and stopping after the page and after the bounded total (docs/api.md).
        // PostgreSQL serves the same ILIKE from its pg_trgm indexes.
        , m_sqlite(core.dialect() == Dialect::Sqlite)
        , m_trigramSearch(!m_search.isEmpty() && m_search.toUcs4().size() >= 3)
    { }

    Result<Page<User>> run()
    {
        if (m_orgId != 0) {
            m_where << QStringLiteral("u.organization_id = ?");
            m_values << m_orgId;
        }
        addSearch();
        if (!m_query.roleCode.isEmpty()) {
            m_where << QStringLiteral("EXISTS (SELECT 1 FROM user_roles fr JOIN roles frr ON frr.id = fr.role_id "
                                      "WHERE fr.user_id = u.id AND frr.code = ?)");
            m_values << m_query.roleCode;
        }
        if (auto status = addStatus(); !status)
            return status.error();
        if (auto order = chooseOrder(); !order)
            return order.error();
        planPage();
        if (auto scan = decideScan(); !scan)
            return scan.error();
        planSearchStatement();
        if (m_search.isEmpty() && m_query.roleCode.isEmpty() && m_query.status.isEmpty())
            return unfilteredPage();
        if (m_sqlite && (m_trigramSearch || m_scanSearch))
            return searchPage();
        if (!m_sqlite && !m_search.isEmpty())
            return postgresSearchPage();
        return filteredPage();
    }

private:
    void addSearch()
    {
        if (m_trigramSearch && m_sqlite)
            m_phrase = QLatin1Char('"') + QString(m_search).replace(QLatin1Char('"'), QLatin1String("\"\""))
                + QLatin1Char('"');
        if (m_search.isEmpty())
            return;
        QString pattern = m_search;
        pattern.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('%'), QLatin1String("\\%"))
            .replace(QLatin1Char('_'), QLatin1String("\\_"));
        pattern = QLatin1Char('%') + pattern + QLatin1Char('%');
        const QString like = m_core.likeOperator();
        if (!m_sqlite && !m_trigramSearch && !m_search.contains(kFieldSeparator)) {
            // PostgreSQL, a term of one or two characters: every row in scope is read (below), so
            // the test per row is made cheap. In a UTF-8 database ILIKE is LIKE over lower() of
            // both sides (PostgreSQL's like.c), so lower() of the three fields joined by a character
            // the term does not hold answers exactly what the three ILIKEs answer, with one lower()
            // and one match per row instead of three of each and three lower()s of the pattern (48
            // against 85 ms for 100,000 users).
            m_where << QStringLiteral("lower(u.email || chr(1) || u.username || chr(1) || u.full_name) LIKE lower(?) "
                                      "ESCAPE '\\'");
            m_values << pattern;
        } else {
            m_where << QStringLiteral(
                           "(u.email %1 ? ESCAPE '\\' OR u.username %1 ? ESCAPE '\\' OR u.full_name %1 ? ESCAPE "
                           "'\\')")
                           .arg(like);
            m_values << pattern << pattern << pattern;
        }
    }

    Status addStatus()
    {
        const qint64 now = m_core.now();
        const QString& status = m_query.status;
        // The current time is bound, not written into the text, so the statement stays the same
        // from one call to the next (StoreCore::execPrepared keeps it prepared).
        const QString banned
            = QStringLiteral("(u.ban_reason IS NOT NULL AND (u.ban_expires_at IS NULL OR u.ban_expires_at > ?))");
        if (status.isEmpty() || status == QLatin1String("all")) {
            if (status.isEmpty())
                m_where << QStringLiteral("u.deleted = 0");
        } else if (status == QLatin1String("active")) {
            m_where << QStringLiteral("u.deleted = 0 AND u.active = 1 AND NOT ") + banned;
            m_values << now;
        } else if (status == QLatin1String("suspended")) {
            m_where << QStringLiteral("u.deleted = 0 AND u.active = 0");
        } else if (status == QLatin1String("banned")) {
            m_where << QStringLiteral("u.deleted = 0 AND ") + banned;
            m_values << now;
        } else if (status == QLatin1String("locked")) {
            m_where << QStringLiteral("u.deleted = 0 AND u.locked_until > ?");
            m_values << now;
        } else if (status == QLatin1String("deleted")) {
            m_where << QStringLiteral("u.deleted = 1");
        } else {
            return ServiceError::validationField(QStringLiteral("status"),
                                                 Tr::tr("Unknown status filter %1").arg(status));
        }
        return {};
    }

    Status chooseOrder()
    {
        static const QHash<QString, QString> sortColumns = {
            { QStringLiteral("email"), QStringLiteral("u.email") },
            { QStringLiteral("username"), QStringLiteral("u.username") },
            { QStringLiteral("full_name"), QStringLiteral("u.full_name") },
            { QStringLiteral("created_at"), QStringLiteral("u.created_at") },
            { QStringLiteral("last_login_at"), QStringLiteral("u.last_login_at") },
            { QStringLiteral("id"), QStringLiteral("u.id") },
        };
        m_sortColumn = sortColumns.value(m_query.sortBy);
        if (m_sortColumn.isEmpty())
            return ServiceError::validationField(QStringLiteral("sort"),
                                                 Tr::tr("Cannot sort by %1").arg(m_query.sortBy));
        m_direction = m_query.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
        m_whereSql = m_where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + m_where.join(QStringLiteral(" AND "));
        m_orderBy = QStringLiteral(" ORDER BY ") + m_sortColumn + m_direction + QStringLiteral(", u.id") + m_direction;
        return {};
    }

    void planPage()
    {
        m_page.page = clampPage(m_query.page);
        m_page.limit = clampLimit(m_query.limit);
        // On PostgreSQL a search pattern decides the plan (trigram index or not): such statements are
        // planned for their values each time instead of being kept prepared with a generic plan.
        m_keepPrepared = m_search.isEmpty() || m_sqlite;
        // The few banned, suspended or locked users are read from their partial index (migration 6);
        // SQLite's planner would rather walk the index of every live user, so it is told which.
        if (m_query.status == QLatin1String("banned"))
            m_usersFrom += m_core.indexedBy(QStringLiteral("users_banned"));
        else if (m_query.status == QLatin1String("suspended"))
            m_usersFrom += m_core.indexedBy(QStringLiteral("users_suspended"));
        else if (m_query.status == QLatin1String("locked"))
            m_usersFrom += m_core.indexedBy(QStringLiteral("users_locked"));
        // The page's bounds. SQLite binds them. On PostgreSQL a statement kept prepared with LIMIT
        // and OFFSET bound is planned anew on every call: its generic plan assumes a tenth of the
        // table for each, costs a thousand times more and is never chosen (forced, it is compiled by
        // the JIT: 29 ms for the first page at 100k users). So the limit (a handful of page sizes) is
        // written into the text, and so is the first page's offset, 0: the first page, which every
        // list opens and every search retypes, runs its cached plan. Further pages bind the offset
        // and are planned for it, so that each page does not keep a statement of its own. Both are
        // clamped integers.
        const qint64 offset = qint64(m_page.page - 1) * m_page.limit;
        m_limitSql = m_sqlite ? QStringLiteral(" LIMIT ? OFFSET ?")
            : offset == 0     ? QStringLiteral(" LIMIT %1").arg(m_page.limit)
                              : QStringLiteral(" LIMIT %1 OFFSET ?").arg(m_page.limit);
        m_limitValues = m_sqlite ? QVariantList { m_page.limit, offset }
            : offset == 0        ? QVariantList {}
                                 : QVariantList { offset };
    }

    // The users in scope (the maintained counts), for choosing between ways to a page below.
    Result<qint64> usersInScope(Id organizationId)
    {
        auto users = m_core.execPrepared(organizationId != 0
                                             ? QStringLiteral("SELECT user_count FROM organizations WHERE id = ?")
                                             : everyUsersCount(),
                                         organizationId != 0 ? QVariantList { organizationId } : QVariantList {});
        if (!users.ok())
            return m_core.sqlError(users.query(), Tr::tr("Counting users"));
        return users.query().next() ? users.query().value(0).toLongLong() : 0;
    }

    // SQLite, a term of one or two characters: no index can find it, every row in scope is read.
    // Reading the table in storage order costs about a 25th of reading it through an index (one
    // random read per row, measured at 1M users: 0.04 s against 1.1 s for 175,000 rows), so it is
    // read in order unless the scope is a tenant small enough that its index reads fewer rows.
    Status decideScan()
    {
        if (!m_sqlite || m_search.isEmpty() || m_trigramSearch || m_usersFrom != QLatin1String("users u"))
            return {};
        m_scanSearch = true;
        if (m_orgId != 0) {
            auto tenant = usersInScope(m_orgId);
            auto all = usersInScope(0);
            if (!tenant || !all)
                return (tenant ? all : tenant).error();
            m_scanSearch = *tenant * 25 > *all;
        }
        return {};
    }

    // SQLite, a search's candidates (searchPage): from users_search, joined first (a trigram term),
    // or from the table read in storage order (a short term). PostgreSQL has postgresSearchPage.
    void planSearchStatement()
    {
        m_fromIndex = m_scanSearch ? QStringLiteral("users u NOT INDEXED")
            : m_sqlite             ? QStringLiteral("users_search CROSS JOIN users u ON u.id = users_search.rowid")
                                   : QStringLiteral("users u");
        m_whereIndex = m_sqlite && !m_scanSearch ? QStringLiteral(" WHERE users_search MATCH ?")
                + (m_where.isEmpty() ? QString() : QStringLiteral(" AND ") + m_where.join(QStringLiteral(" AND ")))
                                                 : m_whereSql;
        m_valuesIndex = m_values;
        if (m_sqlite && !m_scanSearch)
            m_valuesIndex.prepend(m_phrase);
        // SQLite: the candidates are sorted by their ids and sort keys alone and only the page's rows
        // are read in full (SQLite computes every column of a row, the roles among them, before
        // sorting).
        m_selectIndex = userSelect(m_core) + QStringLiteral(" WHERE u.id IN (SELECT u.id FROM ") + m_fromIndex
            + m_whereIndex + m_orderBy + m_limitSql + QStringLiteral(")") + m_orderBy;
    }

    // Reads the page's rows. `total`: a scalar sub-select read with the page, as its last column
    // (one statement instead of two); then the page's first row, if any, carries the total.
    Status readPage(bool throughIndex, const QString& total = {}, const QVariantList& totalValues = {})
    {
        const QVariantList pageValues = totalValues + (throughIndex ? m_valuesIndex : m_values) + m_limitValues;
        const QString pageSql = throughIndex
            ? m_selectIndex
            : QString(userSelect(m_core, m_usersFrom, total) + m_whereSql + m_orderBy + m_limitSql);
        m_page.items.reserve(m_page.limit);
        auto readRows = [this, &total](QSqlQuery& q) {
            while (q.next()) {
                if (!total.isEmpty() && m_page.items.isEmpty())
                    m_page.total = q.value(UserColumnCount).toLongLong();
                m_page.items << userFromQuery(q);
            }
        };
        if (m_keepPrepared) {
            auto rows = m_core.execPrepared(pageSql, pageValues);
            if (!rows.ok())
                return m_core.sqlError(rows.query(), Tr::tr("Listing users"));
            readRows(rows.query());
        } else {
            QSqlQuery q(m_core.db());
            if (!m_core.exec(q, pageSql, pageValues))
                return m_core.sqlError(q, Tr::tr("Listing users"));
            readRows(q);
        }
        return {};
    }

    // Without a search, role or status filter the total is the maintained per-organization count
    // (migration 0003), one row per organization instead of a COUNT(*) over every user.
    // On PostgreSQL it comes with the page, in the same statement (one round trip, one snapshot);
    // only an empty page asks for it on its own. SQLite has no round trip to save (measured: no
    // gain), so there the count and the page stay two prepared statements.
    Result<Page<User>> unfilteredPage()
    {
        const QVariantList orgValues = m_orgId != 0 ? QVariantList { m_orgId } : QVariantList {};
        if (!m_sqlite) {
            const QString total = m_orgId != 0 ? QStringLiteral("(SELECT user_count FROM organizations WHERE id = ?)")
                                               : QStringLiteral("(") + everyUsersCount() + QStringLiteral(")");
            if (auto read = readPage(false, total, orgValues); !read)
                return read.error();
            if (!m_page.items.isEmpty())
                return m_page;
        }
        auto count = m_core.execPrepared(
            m_orgId != 0 ? QStringLiteral("SELECT user_count FROM organizations WHERE id = ?") : everyUsersCount(),
            orgValues);
        if (!count.ok())
            return m_core.sqlError(count.query(), Tr::tr("Counting users"));
        if (!count.query().next()) // an organization that does not exist has no users
            return m_page;
        m_page.total = count.query().value(0).toLongLong();
        if (m_sqlite) {
            if (auto read = readPage(false); !read)
                return read.error();
        }
        return m_page;
    }

    // A search the index serves (or, on SQLite, a short term read in storage order): matches are
    // counted up to limits::ExactTotalBound (countBounded).
    Result<Page<User>> searchPage()
    {
        auto count = countBounded(m_core, QStringLiteral("SELECT 1 FROM ") + m_fromIndex + m_whereIndex, m_valuesIndex,
                                  m_keepPrepared, Tr::tr("Counting users"));
        if (!count)
            return count.error();
        m_page.total = count->total;
        m_page.totalIsLowerBound = count->isLowerBound;
        if (!count->isLowerBound && count->total <= qint64(m_page.page - 1) * m_page.limit)
            return m_page; // nothing on this page (no match at all, say): no second pass
        // Two ways to the page: sort the matches the index gives (cost: their number), or walk the
        // users in the page's order through its index and keep the matches (cost: about the users
        // walked, (rows up to the page's end) x (users) / (matches)). The walk wins for common
        // terms: always past the bound, and from the square root of (rows x users) matches on.
        // Without an index on the sort column there is no walk.
        static const QSet<QString> walkable { QStringLiteral("email"), QStringLiteral("username"),
                                              QStringLiteral("created_at"), QStringLiteral("id") };
        bool throughIndex = !count->isLowerBound;
        if (throughIndex && walkable.contains(m_query.sortBy)) {
            auto inScope = usersInScope(m_orgId);
            if (!inScope)
                return inScope.error();
            throughIndex = double(count->total) <= std::sqrt(double(m_page.page) * m_page.limit * double(*inScope));
        }
        if (auto read = readPage(throughIndex); !read)
            return read.error();
        return m_page;
    }

    // PostgreSQL, a search: the matches are collected in one pass that stops at the bound's first
    // match beyond it; up to the bound they are all there, the page is a sort of them and their
    // number the total. Past the bound the term is common: the page walks the sort order's index,
    // where matches are dense, and the total is "10,000+". A term of one or two characters has no
    // trigram, and left to itself the planner read every user for the total and again for the page;
    // a longer term's matches come from the GIN indexes as a bitmap whose every row is read and
    // tested again, which a count and then a page did twice (smith at 1M users: 54 -> 21 ms).
    // On SQLite the count and the page stay apart (searchPage): there a common term's page is
    // cheaper walked than sorted, and its trigram index counts without reading the rows' pages.
    Result<Page<User>> postgresSearchPage()
    {
        // The matches' ids and sort keys only; the page's rows are read in full once sorted.
        const QString matched = QStringLiteral("WITH matched AS MATERIALIZED (SELECT u.id, ") + m_sortColumn
            + QStringLiteral(" AS sort_key FROM ") + m_usersFrom + m_whereSql + QStringLiteral(" LIMIT ")
            + QString::number(limits::ExactTotalBound + 1)
            + QStringLiteral("), paged AS (SELECT id FROM matched ORDER BY sort_key") + m_direction
            + QStringLiteral(", id") + m_direction + m_limitSql + QStringLiteral(") ")
            + userSelect(m_core, QStringLiteral("users u"), QStringLiteral("(SELECT COUNT(*) FROM matched)"))
            + QStringLiteral(" WHERE u.id IN (SELECT id FROM paged)") + m_orderBy;
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, matched, m_values + m_limitValues))
            return m_core.sqlError(q, Tr::tr("Listing users"));
        qint64 matches = -1;
        while (q.next()) {
            if (matches < 0)
                matches = q.value(UserColumnCount).toLongLong();
            m_page.items << userFromQuery(q);
        }
        q.finish();
        if (matches < 0 && m_page.page == 1)
            return m_page; // no match at all
        if (matches < 0) { // an empty page past the first: how many matches there are
            auto count = countBounded(m_core, QStringLiteral("SELECT 1 FROM ") + m_usersFrom + m_whereSql, m_values,
                                      false, Tr::tr("Counting users"));
            if (!count)
                return count.error();
            m_page.total = count->total;
            m_page.totalIsLowerBound = count->isLowerBound;
            if (!count->isLowerBound)
                return m_page;
        } else if (matches <= limits::ExactTotalBound) {
            m_page.total = matches;
            return m_page;
        }
        m_page.items.clear();
        m_page.total = limits::ExactTotalBound;
        m_page.totalIsLowerBound = true;
        if (auto read = readPage(false); !read)
            return read.error();
        return m_page;
    }

    // A role or status filter: the page first. When it is not full it tells the total by itself,
    // and a filter or short term that few users match is not scanned for twice.
    Result<Page<User>> filteredPage()
    {
        if (auto read = readPage(false); !read)
            return read.error();
        const qint64 before = qint64(m_page.page - 1) * m_page.limit;
        if (m_page.items.size() < m_page.limit && (m_page.page == 1 || !m_page.items.isEmpty())) {
            m_page.total = before + m_page.items.size();
            return m_page;
        }
        auto count = countBounded(m_core, QStringLiteral("SELECT 1 FROM ") + m_usersFrom + m_whereSql, m_values,
                                  m_keepPrepared, Tr::tr("Counting users"));
        if (!count)
            return count.error();
        m_page.total = count->total;
        m_page.totalIsLowerBound = count->isLowerBound;
        return m_page;
    }

    StoreCore& m_core;
    const UserQuery& m_query;
    const Id m_orgId;
    const QString m_search;
    const bool m_sqlite;
    const bool m_trigramSearch;
    bool m_scanSearch = false;
    bool m_keepPrepared = true;
    QString m_phrase; // the search as an FTS5 phrase (SQLite, three characters or more)
    QStringList m_where;
    QVariantList m_values;
    QString m_sortColumn;
    QString m_direction;
    QString m_whereSql;
    QString m_orderBy;
    QString m_usersFrom = QStringLiteral("users u");
    QString m_limitSql;
    QVariantList m_limitValues;
    QString m_fromIndex;
    QString m_whereIndex;
    QVariantList m_valuesIndex;
    QString m_selectIndex;
    Page<User> m_page;
};

} // namespace

Result<Page<User>> UserManager::list(const Actor& actor, const UserQuery& query)
{
    const Audited op(m_core, actor, actions::UserListed, kUserResource, {}, query.organizationId);
    if (query.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, query.organizationId, op.action()); !org)
            return org.error();
    }
    if (auto d = requireAnyPermission(actor, { perm::UserView, perm::UserRead }); !d)
        return op.deny(d.reason);
    // Everyone but super admins lists their own organization, whatever they ask for.
    return UserListing(m_core, query, actor.isSuperAdmin() ? query.organizationId : actor.organizationId).run();
}

Result<qint64> UserManager::exportTo(const Actor& actor, const UserQuery& query, QIODevice& out,
                                     const ExportOptions& options)
{
    const Id scope = actor.isSuperAdmin() ? query.organizationId : actor.organizationId;
    Audited op(m_core, actor, actions::UserExported, kUserResource, {}, scope);
    // Checked before the first byte goes out (over REST the answer has started then): another
    // tenant's organization reads as missing, as for list().
    if (query.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, query.organizationId, op.action()); !org)
            return org.error();
    }
    if (auto d = requireAnyPermission(actor, { perm::UserView, perm::UserRead }); !d)
        return op.deny(d.reason);
    // The slugs, so that the file can go back through the import.
    QHash<Id, QString> slugs;
    {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("SELECT id, slug FROM organizations")))
            return m_core.sqlError(q, Tr::tr("Exporting the users"));
        while (q.next())
            slugs.insert(q.value(0).toLongLong(), q.value(1).toString());
    }
    if (out.write("email,username,full name,roles,organization,id,status,verified,created_at,last_login_at\r\n") < 0)
        return ServiceError::storage(Tr::tr("Could not write the export: %1").arg(out.errorString()));
    UserQuery page = query;
    page.limit = limits::MaxPageSize;
    page.page = 1;
    qint64 written = 0;
    for (;;) {
        if (options.cancel && options.cancel->load())
            return ServiceError::conflict(Tr::tr("Export cancelled after %1 users").arg(written));
        auto users = list(actor, page); // the permission and the tenant, as for the list
        if (!users)
            return users.error();
        QString chunk;
        for (const User& u : std::as_const(users->items)) {
            chunk += csv::field(u.email) + QLatin1Char(',') + csv::field(u.username) + QLatin1Char(',')
                + csv::field(u.fullName) + QLatin1Char(',') + csv::field(u.roleCodes.join(QLatin1Char(' ')))
                + QLatin1Char(',') + csv::field(slugs.value(u.organizationId)) + QLatin1Char(',')
                + QString::number(u.id) + QLatin1Char(',') + u.status() + QLatin1Char(',')
                + (u.verified ? QStringLiteral("true") : QStringLiteral("false")) + QLatin1Char(',')
                + u.createdAt.toUTC().toString(Qt::ISODate) + QLatin1Char(',')
                + (u.lastLoginAt.isValid() ? u.lastLoginAt.toUTC().toString(Qt::ISODate) : QString())
                + QStringLiteral("\r\n");
        }
        const QByteArray bytes = chunk.toUtf8();
        if (!bytes.isEmpty() && out.write(bytes) != bytes.size())
            return ServiceError::storage(Tr::tr("Could not write the export: %1").arg(out.errorString()));
        written += users->items.size();
        if (options.progress)
            options.progress(written);
        if (users->items.size() < page.limit)
            break;
        ++page.page;
    }
    const QJsonObject details { { QStringLiteral("count"), written },
                                { QStringLiteral("search"), query.search },
                                { QStringLiteral("status"), query.status },
                                { QStringLiteral("role"), query.roleCode },
                                { QStringLiteral("organization_id"), scope } };
    auto audited = m_core.inTransaction<bool>([&]() -> Result<bool> {
        if (auto a = op.succeed(details); !a)
            return a.error();
        return true;
    });
    if (!audited)
        return audited.error();
    return written;
}

Result<User> UserManager::update(const Actor& actor, Id userId, const UserUpdate& update)
{
    const bool self = actor.kind == Actor::Kind::User && actor.userId == userId;
    Audited op(m_core, actor, actions::UserUpdated, kUserResource, QString::number(userId));
    auto target = loadManageable(op, userId, policy::UserAction::Edit);
    if (!target)
        return target.error();
    if (self && update.verified.has_value())
        return op.deny(Tr::tr("You cannot verify your own account"));
    const QString email = update.email ? update.email->trimmed().toLower() : target->email;
    const QString username = update.username ? update.username->trimmed() : target->username;
    const QString fullName = update.fullName ? update.fullName->trimmed() : target->fullName;
    if (auto v = validateProfile(email, username, fullName); !v)
        return v.error();

    // A verified address proves that someone received mail there; a new address of one's own has
    // not been proven yet (an administrator's change may say otherwise with `verified`).
    const bool emailChanged = email != target->email;
    const bool verified = self && emailChanged ? false : update.verified.value_or(target->verified);
    auto saved = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE users SET email = ?, username = ?, full_name = ?, verified = ?, "
                                        "updated_at = ?, version = version + 1 WHERE id = ? AND version = ?"),
                         { email, username, fullName, verified ? 1 : 0, m_core.now(), userId, update.expectedVersion }))
            return m_core.sqlError(q, Tr::tr("Saving the user"));
        if (q.numRowsAffected() == 0)
            return ServiceError::staleVersion(
                Tr::tr("%1 was changed by someone else; reload to see the current values").arg(target->email));
        QJsonObject changes;
        if (emailChanged) {
            changes.insert(QStringLiteral("email"), email);
            changes.insert(QStringLiteral("previous_email"), target->email);
        }
        if (username != target->username)
            changes.insert(QStringLiteral("username"), username);
        if (fullName != target->fullName)
            changes.insert(QStringLiteral("full_name"), fullName);
        if (verified != target->verified)
            changes.insert(QStringLiteral("verified"), verified);
        if (auto a = op.succeed({ { QStringLiteral("changes"), changes } }); !a)
            return a.error();
        return true;
    });
    if (!saved) {
        if (saved.error().reason == ErrorReason::Duplicate)
            return alreadyInUse(m_core, email, username, userId);
        return saved.error();
    }
    return m_core.loadUser(userId);
}

Status UserManager::remove(const Actor& actor, Id userId)
{
    Audited op(m_core, actor, actions::UserDeleted, kUserResource, QString::number(userId));
    auto target = loadManageable(op, userId, policy::UserAction::Delete);
    if (!target)
        return target.error();
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q,
                QStringLiteral("UPDATE users SET deleted = 1, active = 0, updated_at = ?, version = version + 1 "
                               "WHERE id = ?"),
                { now, userId }))
            return m_core.sqlError(q, Tr::tr("Deleting the user"));
        auto ended = endSessions(m_core, userId, now);
        if (!ended)
            return ended.error();
        auto keys = m_core.revokeApiKeysOf(userId);
        if (!keys)
            return keys.error();
        if (auto a = op.succeed({ { QStringLiteral("email"), target->email },
                                  { QStringLiteral("sessions_ended"), *ended },
                                  { QStringLiteral("api_keys_revoked"), *keys } });
            !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<User> UserManager::suspend(const Actor& actor, Id userId, const QString& reason)
{
    if (reason.size() > policy::Limits::Reason)
        return ServiceError::validationField(QStringLiteral("reason"),
                                             Tr::tr("Reason is longer than %1 characters").arg(policy::Limits::Reason));
    Audited op(m_core, actor, actions::UserSuspended, kUserResource, QString::number(userId));
    auto target = loadManageable(op, userId, policy::UserAction::Suspend);
    if (!target)
        return target.error();
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q, QStringLiteral("UPDATE users SET active = 0, updated_at = ?, version = version + 1 WHERE id = ?"),
                { now, userId }))
            return m_core.sqlError(q, Tr::tr("Suspending the user"));
        auto ended = endSessions(m_core, userId, now);
        if (!ended)
            return ended.error();
        if (auto a = op.succeed({ { QStringLiteral("reason"), reason }, { QStringLiteral("sessions_ended"), *ended } });
            !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return m_core.loadUser(userId);
}

Result<User> UserManager::unsuspend(const Actor& actor, Id userId)
{
    Audited op(m_core, actor, actions::UserUnsuspended, kUserResource, QString::number(userId));
    auto target = loadManageable(op, userId, policy::UserAction::Suspend);
    if (!target)
        return target.error();
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE users SET active = 1, failed_logins = 0, locked_until = NULL, "
                                        "updated_at = ?, version = version + 1 WHERE id = ?"),
                         { m_core.now(), userId }))
            return m_core.sqlError(q, Tr::tr("Reactivating the user"));
        if (auto a = op.succeed(); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return m_core.loadUser(userId);
}

Result<User> UserManager::ban(const Actor& actor, Id userId, const QString& reason, const QDateTime& expiresAt)
{
    const QString why = reason.trimmed();
    if (why.isEmpty())
        return ServiceError::validationField(QStringLiteral("reason"), Tr::tr("A ban needs a reason"));
    if (why.size() > policy::Limits::Reason)
        return ServiceError::validationField(QStringLiteral("reason"),
                                             Tr::tr("Reason is longer than %1 characters").arg(policy::Limits::Reason));
    if (expiresAt.isValid() && expiresAt <= QDateTime::currentDateTimeUtc())
        return ServiceError::validationField(QStringLiteral("expires_at"), Tr::tr("The ban must end in the future"));
    Audited op(m_core, actor, actions::UserBanned, kUserResource, QString::number(userId));
    auto target = loadManageable(op, userId, policy::UserAction::Ban);
    if (!target)
        return target.error();
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE users SET ban_reason = ?, ban_expires_at = ?, banned_by = ?, "
                                        "updated_at = ?, version = version + 1 WHERE id = ?"),
                         { why, nullableTime(expiresAt), actor.userId, now, userId }))
            return m_core.sqlError(q, Tr::tr("Banning the user"));
        auto ended = endSessions(m_core, userId, now);
        if (!ended)
            return ended.error();
        QJsonObject details { { QStringLiteral("reason"), why }, { QStringLiteral("sessions_ended"), *ended } };
        if (expiresAt.isValid())
            details.insert(QStringLiteral("expires_at"), expiresAt.toUTC().toString(Qt::ISODateWithMs));
        if (auto a = op.succeed(details); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return m_core.loadUser(userId);
}

Result<User> UserManager::unban(const Actor& actor, Id userId)
{
    Audited op(m_core, actor, actions::UserUnbanned, kUserResource, QString::number(userId));
    auto target = loadManageable(op, userId, policy::UserAction::Ban);
    if (!target)
        return target.error();
    if (target->banReason.isEmpty())
        return ServiceError::conflict(Tr::tr("%1 is not banned").arg(target->email));
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE users SET ban_reason = NULL, ban_expires_at = NULL, banned_by = NULL, "
                                        "updated_at = ?, version = version + 1 WHERE id = ?"),
                         { m_core.now(), userId }))
            return m_core.sqlError(q, Tr::tr("Lifting the ban"));
        if (auto a = op.succeed({ { QStringLiteral("previous_reason"), target->banReason } }); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return m_core.loadUser(userId);
}

Result<User> UserManager::move(const Actor& actor, Id userId, Id organizationId)
{
    Audited op(m_core, actor, actions::UserMoved, kUserResource, QString::number(userId));
    auto target = loadManageable(op, userId, policy::UserAction::Move);
    if (!target)
        return target.error();
    const Id from = target->organizationId;
    if (organizationId <= 0)
        return ServiceError::validationField(QStringLiteral("organization_id"), Tr::tr("Choose an organization"));
    auto org = m_core.organizationFor(actor, organizationId, op.action());
    if (!org)
        return org.error();
    if (org->id == from)
        return ServiceError::validationField(QStringLiteral("organization_id"),
                                             Tr::tr("%1 already belongs to %2").arg(target->email, org->name));
    if (!org->active)
        return ServiceError::conflict(
            Tr::tr("Organization %1 is suspended; reactivate it before moving users into it").arg(org->name));

    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        // The seat check inside the write transaction, as create() does.
        auto taken = m_core.seatsTaken(org->id);
        if (!taken)
            return taken.error();
        if (auto seat = policy::seatAvailable(*org, *taken, policy::SeatFor::NewUser); !seat)
            return ServiceError::validationField(QStringLiteral("organization_id"), seat.reason);
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        QJsonArray removed;
        if (!m_core.exec(q,
                         QStringLiteral("SELECT r.code FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
                                        "WHERE ur.user_id = ? AND r.organization_id IS NOT NULL ORDER BY r.code"),
                         { userId }))
            return m_core.sqlError(q, Tr::tr("Reading the user's roles"));
        while (q.next())
            removed.append(q.value(0).toString());
        q.finish();
        if (!m_core.exec(q,
                         QStringLiteral("DELETE FROM user_roles WHERE user_id = ? AND role_id IN "
                                        "(SELECT id FROM roles WHERE organization_id IS NOT NULL)"),
                         { userId }))
            return m_core.sqlError(q, Tr::tr("Removing the user's roles"));
        // The triggers of migration 3 move the seat between the two organizations' user counts.
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE users SET organization_id = ?, updated_at = ?, version = version + 1 "
                                        "WHERE id = ?"),
                         { org->id, now, userId }))
            return m_core.sqlError(q, Tr::tr("Moving the user"));
        auto ended = endSessions(m_core, userId, now);
        if (!ended)
            return ended.error();
        auto keys = m_core.revokeApiKeysOf(userId);
        if (!keys)
            return keys.error();
        op.setOrganization(org->id);
        if (auto a = op.succeed({ { QStringLiteral("email"), target->email },
                                  { QStringLiteral("from_organization_id"), QString::number(from) },
                                  { QStringLiteral("to_organization_id"), QString::number(org->id) },
                                  { QStringLiteral("roles_removed"), removed },
                                  { QStringLiteral("sessions_ended"), *ended },
                                  { QStringLiteral("api_keys_revoked"), *keys } });
            !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return m_core.loadUser(userId);
}

Status UserManager::setPassword(const Actor& actor, Id userId, const PasswordChange& change)
{
    Audited op(m_core, actor, actions::UserPasswordChanged, kUserResource, QString::number(userId));
    const bool self = actor.kind == Actor::Kind::User && actor.userId == userId;
    auto target = self ? m_core.loadUser(userId) : loadManageable(op, userId, policy::UserAction::SetPassword);
    if (!target)
        return target.error();
    op.setOrganization(target->organizationId);
    if (self) {
        // Whoever sits at an unlocked console or holds a stolen session must not be able to lock the
        // owner out: one's own password changes only with the current one.
        if (change.currentPassword.isEmpty())
            return ServiceError::validationField(QStringLiteral("current_password"),
                                                 Tr::tr("Enter your current password to change it."));
        // Guessing it is guessing a password: it counts toward the same lockout as the sign-in.
        if (target->isLocked())
            return ServiceError::validationField(
                QStringLiteral("current_password"),
                Tr::tr("Too many wrong passwords: try again after %1 UTC")
                    .arg(target->lockedUntil.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
        QString hash;
        auto stored = m_core.loadUserByLogin(target->email, &hash);
        if (!stored)
            return stored.error();
        if (change.currentPassword.size() > policy::Limits::MaxPasswordLength
            || !crypto::verifyPassword(change.currentPassword, hash)) {
            auto locked
                = m_core.recordFailedPassword(actor, *target, op.action(), QStringLiteral("wrong current password"));
            if (!locked)
                return locked.error();
            return ServiceError::validationField(QStringLiteral("current_password"),
                                                 Tr::tr("Your current password is not right."));
        }
    }
    if (auto p
        = policy::validatePassword(change.password, QStringLiteral("password"), m_core.settings().passwordMinLength);
        !p)
        return p.error();
    const QString hash = crypto::hashPassword(change.password);
    if (hash.isEmpty())
        return ServiceError::storage(Tr::tr("Could not hash the password"));
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q,
                QStringLiteral("UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, "
                               "locked_until = NULL, updated_at = ?, version = version + 1 WHERE id = ?"),
                { hash, now, now, userId }))
            return m_core.sqlError(q, Tr::tr("Changing the password"));
        // A changed password ends every session (the actor's own included: they sign in again).
        auto ended = endSessions(m_core, userId, now);
        if (!ended)
            return ended.error();
        QJsonObject details { { QStringLiteral("sessions_ended"), *ended } };
        if (change.revokeApiKeys) {
            auto keys = m_core.revokeApiKeysOf(userId);
            if (!keys)
                return keys.error();
            details.insert(QStringLiteral("api_keys_revoked"), *keys);
        }
        if (auto a = op.succeed(details); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<Role> UserManager::loadAssignable(const Audited& op, const User& target, const QString& roleCode)
{
    const Actor& actor = op.actor();
    // Looked up first: another tenant's role reads exactly like a missing one (StoreCore::roleFor).
    auto role = m_core.roleFor(actor, roleCode, op.action());
    if (!role)
        return role.error();
    if (actor.kind == Actor::Kind::System)
        return role;
    // The roles (and so the grants) the actor holds now, not those it held when it signed in: a
    // user who has lost rank since reaches no further than its current level, grants included.
    const QList<Role> actorRoles = m_core.loadRolesOfUser(actor.userId);
    Actor current = actor;
    if (actor.kind == Actor::Kind::User) {
        int level = 0;
        for (const Role& own : actorRoles)
            level = std::max(level, own.level);
        current.level = std::min(actor.level, level);
        const QSet<QString> held = policy::effectivePermissions(actorRoles);
        current.permissions.removeIf([&](const QString& code) { return !policy::hasPermission(held, code); });
    }
    // No right to assign at all is the actor's own matter; a refused target names its tenant (op).
    if (auto d = policy::mayAssignRoles(current, actorRoles, *role); !d)
        return Audited(m_core, actor, op.action(), kUserResource, QString::number(target.id)).deny(d.reason);
    if (auto d = policy::canAssignRole(current, actorRoles, target, *role); !d)
        return op.deny(d.reason);
    return role;
}

Status UserManager::assignRole(const Actor& actor, Id userId, const QString& roleCode)
{
    Audited op(m_core, actor, actions::RoleAssigned, kUserResource, QString::number(userId));
    auto target = m_core.userFor(actor, userId, op.action());
    if (!target)
        return target.error();
    op.setOrganization(target->organizationId);
    if (target->deleted)
        return ServiceError::notFound(Tr::tr("User %1 has been deleted").arg(target->email));
    auto role = loadAssignable(op, *target, roleCode);
    if (!role)
        return role.error();
    if (target->roleCodes.contains(roleCode))
        return ServiceError::conflict(Tr::tr("%1 already holds %2").arg(target->email, roleCode));
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral(
                             "INSERT INTO user_roles (user_id, role_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)"),
                         { userId, role->id, actor.userId, now }))
            return m_core.sqlError(q, Tr::tr("Assigning the role"));
        if (!m_core.exec(q, QStringLiteral("UPDATE users SET updated_at = ?, version = version + 1 WHERE id = ?"),
                         { now, userId }))
            return m_core.sqlError(q, Tr::tr("Assigning the role"));
        if (auto a = op.succeed({ { QStringLiteral("role"), roleCode }, { QStringLiteral("level"), role->level } }); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Status UserManager::revokeRole(const Actor& actor, Id userId, const QString& roleCode)
{
    Audited op(m_core, actor, actions::RoleRevoked, kUserResource, QString::number(userId));
    auto target = m_core.userFor(actor, userId, op.action());
    if (!target)
        return target.error();
    op.setOrganization(target->organizationId);
    auto role = loadAssignable(op, *target, roleCode);
    if (!role)
        return role.error();
    if (!target->roleCodes.contains(roleCode))
        return ServiceError::notFound(Tr::tr("%1 does not hold %2").arg(target->email, roleCode));
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("DELETE FROM user_roles WHERE user_id = ? AND role_id = ?"),
                         { userId, role->id }))
            return m_core.sqlError(q, Tr::tr("Revoking the role"));
        if (!m_core.exec(q, QStringLiteral("UPDATE users SET updated_at = ?, version = version + 1 WHERE id = ?"),
                         { now, userId }))
            return m_core.sqlError(q, Tr::tr("Revoking the role"));
        if (auto a = op.succeed({ { QStringLiteral("role"), roleCode }, { QStringLiteral("level"), role->level } }); !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<QList<Role>> UserManager::roles(const Actor& actor, Id userId)
{
    auto user = get(actor, userId);
    if (!user)
        return user.error();
    return m_core.loadRolesOfUser(userId);
}

} // namespace portcullis
