#pragma once

// SqlStore: the SQL implementation of every manager, over one QSqlDatabase connection. It is
// synchronous and not thread-safe: use one store per thread (SqlBackend gives each worker thread
// its own connection; the server does the same). Every call takes the acting Actor, checks it with
// services/policy, and audits both the change and every denial.

#include "auditchain.h"
#include "backend.h"
#include "database.h"
#include "domain/actor.h"
#include "domain/result.h"
#include "domain/types.h"
#include "domain/userimport.h"
#include "policy/policy.h"

#include <QHash>
#include <QIODevice>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QSqlQuery;

namespace portcullis {

class SqlStore;

struct LoginResult
{
    Actor actor;
    Session session;
    QString sessionToken; // shown once; the store keeps only its hash
};

struct AuditVerification
{
    // What verify found first. Everything but None and Unreadable is a finding about the log.
    enum class Finding
    {
        None,
        EditedEvent, // an event whose content or link does not match its (keyed) hash
        MissingRange, // events missing between two that remain
        ForgedPurge, // a purge record the audit key did not authenticate
        TruncatedTail, // newer events than the database holds were recorded in a checkpoint
        KeyProblem, // no usable audit key, or a checkpoint that is not authentic
        Unreadable, // the database could not be read
    };
    bool ok = true;
    qint64 count = 0;
    Id firstBrokenId = 0;
    QString problem;
    Finding finding = Finding::None;
    Id missingFrom = 0; // MissingRange and TruncatedTail: the ids that are gone
    Id missingTo = 0;
    Id purgeRecordId = 0; // ForgedPurge: the purge record
    qint64 checkpointCounter = 0; // the checkpoint compared with (0: none found)
    Id unkeyedFrom = 0; // events from before the key (unkeyed SHA-256 links); 0 when none
    Id unkeyedTo = 0;
    bool cancelled = false; // verifyChain was stopped through its cancel flag: nothing was decided
};

enum class ExportFormat
{
    Csv,
    JsonLines
};

struct ExportOptions
{
    ExportFormat format = ExportFormat::Csv;
    int batchSize = 5000;
    // Called after each batch with the rows written so far; may be empty.
    std::function<void(qint64 written)> progress;
    // Set from another thread to stop; the export then returns a Conflict "cancelled" error.
    const std::atomic_bool* cancel = nullptr;
};

// The kinds of rows a caller names by id (or, for roles, by code).
enum class Resource
{
    User,
    Role, // by id
    RoleCode, // a role named by its code
    Organization,
    Session,
    ApiKey,
    Invitation,
    AuditEvent,
    PermissionCode // an organization's custom permission code
};

// What one manager call does and to which row: the action, resource and organization of its audit
// events. Named once per call (Audited); its denials and its success event share it.
struct AuditTarget
{
    QString action; // actions::UserBanned, ...
    QString resourceType; // "user", "role", ...
    QString resourceId; // empty when the call acts on no single row (a list, a create before the insert)
    Id organizationId = 0; // the target's organization; 0 when global or not known (yet)
};

// Shared by the managers: the connection, transactions, row decoding and the audit writer.
class StoreCore
{
public:
    StoreCore(QSqlDatabase db, Dialect dialect);

    QSqlDatabase& db() { return m_db; }
    Dialect dialect() const { return m_dialect; }
    qint64 now() const;

    // The audit key (auditkey.h). By default the store looks for it beside a SQLite file or at
    // $PORTCULLIS_AUDIT_KEY_FILE; a configured path replaces that. It is read on first use.
    void setAuditKeyFile(const QString& path);
    QString auditKeyFile() const { return m_auditKeyFile; }
    // The key for writing. When the file does not exist and the chain holds no keyed event yet (a
    // new database, or one from before the key) it is created; when the chain was keyed and the
    // file is gone the store refuses to write: events it could not authenticate would be
    // indistinguishable from forgeries. `createIfMissing` = false only reads.
    Result<QByteArray> auditKey(bool createIfMissing = true);

    // A write transaction: BEGIN IMMEDIATE on SQLite, BEGIN + an advisory lock on PostgreSQL, so
    // writers (and the audit chain head) are serialised across threads and processes.
    Status begin();
    Status commit();
    void rollback();

    // A deployment-wide exclusive job (e.g. "audit-verify"): at most one holder at a time across
    // every thread and every process on this database. PostgreSQL: a session advisory lock on this
    // connection (released with the guard, or by the server if the connection dies); SQLite: a lock
    // file beside the database file (QLockFile: a crashed holder's lock is taken over). A database
    // without a file (":memory:") is exclusive within this process. Busy: Conflict with `busyMessage`.
    class ExclusiveRun
    {
    public:
        virtual ~ExclusiveRun() = default;
    };
    Result<std::unique_ptr<ExclusiveRun>> tryExclusive(const QString& job, const QString& busyMessage);

    // The deployment settings in effect (sql/settings.cpp): the rows of deployment_settings over the
    // compiled-in defaults. Cached per database for at most settingsCacheMs, shared by every
    // connection of the process, so a change made by another server process takes effect here
    // within that bound (and one made through this process at once). A stored value that is not
    // valid (a database writer's edit) is ignored with a warning: its default applies.
    static constexpr qint64 settingsCacheMs = 5000;
    DeploymentSettings settings();
    // Read now, bypassing the cache.
    Result<DeploymentSettings> loadSettings();
    // Drops this database's cached settings (after a change).
    void forgetSettings();

    // Runs `body` in a write transaction; commits when it succeeds, rolls back when it fails.
    template <typename T, typename F> Result<T> inTransaction(F&& body)
    {
        if (auto started = begin(); !started)
            return started.error();
        Result<T> result = body();
        if (!result.ok()) {
            rollback();
            return result;
        }
        if (auto done = commit(); !done)
            return done.error();
        return result;
    }

    // Appends an audit event inside the current transaction.
    Status appendAudit(const Actor& actor, const QString& action, const QString& resourceType,
                       const QString& resourceId, Id organizationId, const QJsonObject& details = {},
                       const QString& outcome = QStringLiteral("success"));
    // appendAudit for the refusals of unauthenticated attempts, bounded per `source` (a client
    // address "ip:...", an API key "key:..."): per action and window of
    // auditbound::WindowSeconds, the first auditbound::FullEvents are written in full, the rest
    // only counted (table audit_throttle) and written as one summary event of the same action
    // (details: summary true, count, first_at, last_at, source) by the first such call after the
    // window, from any source. Nothing is updated in the audit table. An empty source: appendAudit.
    // Inside the current transaction. Never for what a signed-in user does.
    Status appendBoundedAudit(const QString& source, const Actor& actor, const QString& action,
                              const QString& resourceType, const QString& resourceId, Id organizationId,
                              const QJsonObject& details = {}, const QString& outcome = QStringLiteral("denied"));
    // Audits a denial of `target.action` in a transaction of its own and returns the Forbidden error
    // to hand back. The event goes into the actor's own organization, never into the target's
    // (`target.organizationId`, kept in the details when a super admin is refused): nobody writes
    // into another tenant's log. Managers deny through Audited, which names the target once.
    ServiceError deny(const Actor& actor, const AuditTarget& target, const QString& reason);
    // deny(), with the event bounded per `source` (appendBoundedAudit).
    ServiceError denyBounded(const QString& source, const Actor& actor, const AuditTarget& target,
                             const QString& reason);

    // --- tenant isolation: every id a caller names goes through these ---------------------------
    // Only super admins (and the system actor) see every organization; everyone else sees rows of
    // their own organization plus global rows (organization 0: built-in and global roles).
    static bool canSee(const Actor& actor, Id organizationId);
    // "No user with id 7": the one message for a row that does not exist or that the actor cannot see.
    static ServiceError notFound(Resource kind, const QString& key);
    // The lookup every manager starts with, before any permission or level check: a row of another
    // organization reads exactly like a missing one (same NotFound, same message), so ids cannot be
    // probed across tenants. For anyone but a super admin both cases are audited alike, as a denial
    // of `action` in the actor's own organization. Storage errors pass through.
    Result<User> userFor(const Actor& actor, Id userId, const QString& action);
    Result<Role> roleFor(const Actor& actor, Id roleId, const QString& action);
    Result<Role> roleFor(const Actor& actor, const QString& code, const QString& action);
    Result<Organization> organizationFor(const Actor& actor, Id organizationId, const QString& action);
    // The same check for rows a manager loads itself (sessions, API keys, invitations, events):
    // `found` false or an organization the actor cannot see gives the NotFound of `kind`.
    Status requireVisible(const Actor& actor, bool found, Id organizationId, Resource kind, const QString& key,
                          const QString& action);

    ServiceError sqlError(const QSqlQuery& query, const QString& what) const;
    bool exec(QSqlQuery& query, const QString& sql, const QVariantList& values = {});

    // The hot read paths (a page of users, its total) keep their statements prepared for the life of
    // the connection instead of parsing them on every call. Not reentrant: one user of a given SQL
    // text at a time. The statement is finished (its read snapshot released) when the run dies.
    class PreparedRun
    {
    public:
        PreparedRun(std::shared_ptr<QSqlQuery> query, bool ok)
            : m_query(std::move(query))
            , m_ok(ok)
        { }
        ~PreparedRun() { m_query->finish(); }
        PreparedRun(const PreparedRun&) = delete;
        PreparedRun& operator=(const PreparedRun&) = delete;
        bool ok() const { return m_ok; } // false: query().lastError() says why
        QSqlQuery& query() { return *m_query; }

    private:
        std::shared_ptr<QSqlQuery> m_query;
        bool m_ok;
    };
    PreparedRun execPrepared(const QString& sql, const QVariantList& values = {});

    // Row loaders (read-only helpers, no policy).
    Result<User> loadUser(Id id);
    Result<User> loadUserByLogin(const QString& emailOrUsername, QString* passwordHash = nullptr);
    Result<Role> loadRole(const QString& code);
    Result<Role> loadRoleById(Id id);
    QList<Role> loadRolesOfUser(Id userId);
    Result<Organization> loadOrganization(Id id);
    // The custom permission codes an organization defined (organization_permissions); none for 0.
    Result<QSet<QString>> loadOrganizationCodes(Id organizationId);
    Result<Actor> actorForUser(Id userId);

    // Sign-in eligibility, one rule (policy::signInEligibility) over one row: what it needs about
    // `userId`, its organization and, when `sessionId` is not 0, that session (a session that is
    // missing or not the user's counts as revoked).
    Result<policy::AccountState> loadSignInState(Id userId, Id sessionId = 0);
    // May `userId` act now through `via`? Loads with loadSignInState and decides with the policy.
    // The entry point for re-checking an actor before an operation (standalone console).
    Result<policy::Eligibility> signInEligibility(Id userId, policy::Credential via, Id sessionId = 0);
    // Seats taken in an organization for its plan limit: users not deleted plus, unless UsersOnly,
    // invitations still pending (not accepted, revoked or expired). Creating a user and inviting
    // count both, so an invitation always finds its seat; accepting one counts the users only (its
    // seat was held since the invitation; a plan lowered meanwhile is checked against the accounts
    // that exist). One statement, so it runs inside the transaction that adds the next seat. The
    // only seat count.
    enum class Seats
    {
        UsersAndPendingInvitations,
        UsersOnly
    };
    Result<qint64> seatsTaken(Id organizationId, Seats count = Seats::UsersAndPendingInvitations);
    // A wrong password for `user` (at sign-in, or as the current password when changing one's own):
    // counts the failure in the database (shared by every server), locks the account for
    // lockout::LockMinutes after lockout::MaxFailedLogins in a row, and audits `action` as denied
    // with `reason` (plus `user.locked` when it locks). Its own transaction. Returns the end of the
    // lock it set, or an invalid time.
    // `reserved` is the attempt number reservePasswordCheck returned (the failure is then already
    // counted); 0 counts it here, with one UPDATE ... RETURNING.
    // `auditSource` bounds its events per source (appendBoundedAudit): sign-in attempts only.
    Result<QDateTime> recordFailedPassword(const Actor& attempt, const User& user, const QString& action,
                                           const QString& reason, int reserved = 0, const QString& auditSource = {});
    // Before a password of `userId` is checked at sign-in: counts the attempt as a failure in one
    // atomic UPDATE ... RETURNING, so that N concurrent attempts count N and no more than
    // lockout::MaxFailedLogins passwords are ever checked before the lock (a right password takes
    // the count back to 0). Returns the attempt's number (1 = first in a row), or 0 when the account
    // is locked: no password may be checked then.
    Result<int> reservePasswordCheck(Id userId);
    // A right password: the failures in a row (and the reserved attempt) are forgotten.
    Status clearFailedPasswords(Id userId);
    // Revokes every API key of `userId` inside the current transaction; returns how many.
    Result<int> revokeApiKeysOf(Id userId);

    QString groupConcat(const QString& expression) const;
    QString likeOperator() const;
    // " INDEXED BY <index>" on SQLite, whose planner does not always prefer a partial index that
    // fits; nothing on PostgreSQL, whose planner does. The query must be able to use the index.
    QString indexedBy(const QString& index) const;

private:
    QSqlDatabase m_db;
    Dialect m_dialect;
    QString m_auditKeyFile;
    QByteArray m_auditKey;
    // Declared after m_db: the statements are released before the connection.
    QHash<QString, std::shared_ptr<QSqlQuery>> m_prepared;
};

// One manager call's audit trail: the actor and the AuditTarget, named once at the top of the
// method. Its denials (deny) and its success event (succeed) reuse them, so the events of one call
// cannot drift apart. The target's id and organization are filled in once the row is loaded.
class Audited
{
public:
    Audited(StoreCore& core, const Actor& actor, const QString& action, const QString& resourceType,
            const QString& resourceId = {}, Id organizationId = 0)
        : m_core(core)
        , m_actor(actor)
        , m_target { action, resourceType, resourceId, organizationId }
    { }

    const Actor& actor() const { return m_actor; }
    const QString& action() const { return m_target.action; }
    const AuditTarget& target() const { return m_target; }
    Audited& setResourceId(const QString& resourceId)
    {
        m_target.resourceId = resourceId;
        return *this;
    }
    Audited& setOrganization(Id organizationId)
    {
        m_target.organizationId = organizationId;
        return *this;
    }

    // StoreCore::deny: audits the refusal (its own transaction), returns the Forbidden error.
    ServiceError deny(const QString& reason) const { return m_core.deny(m_actor, m_target, reason); }
    // A client-sourced refusal, bounded per `source` (StoreCore::denyBounded).
    ServiceError denyBounded(const QString& source, const QString& reason) const
    {
        return m_core.denyBounded(source, m_actor, m_target, reason);
    }
    // The success event, inside the caller's transaction.
    Status succeed(const QJsonObject& details = {}) const
    {
        return m_core.appendAudit(m_actor, m_target.action, m_target.resourceType, m_target.resourceId,
                                  m_target.organizationId, details);
    }

private:
    StoreCore& m_core;
    const Actor& m_actor;
    AuditTarget m_target;
};

// UserManager::importUsers: progress after each row, and a flag that stops it between rows.
struct ImportControl
{
    std::function<void(int done, int total)> progress;
    const std::atomic_bool* cancel = nullptr;
};

class UserManager
{
public:
    explicit UserManager(StoreCore& core)
        : m_core(core)
    { }

    Result<User> create(const Actor& actor, const NewUser& user);
    // Users from a file (domain/userimport.h). Every row is classified first, in file order, as the
    // creation would go (the seats of each organization counted row by row); with request.dryRun
    // that is all, and nothing is written (not even the audit log). Otherwise the rows that pass are
    // created in that order, each with its roles and, as for create(), audited; with
    // ImportDelivery::ResetCode the user has no password (it cannot sign in) and gets a one-time reset
    // code, valid limits::ImportResetCodeHours, in the result only; with Invitation an invitation is
    // made instead (OrganizationManager::invite). `cancel` is checked between rows: rows created
    // stay, the rest are NotRun. Refused rows (the level rule, another tenant's organization) are
    // audited as one denial; the import itself as one user.imported event with the counts.
    // Needs admin:user:create (else Forbidden, audited). `progress(done, total)` after each row.
    Result<ImportReport> importUsers(const Actor& actor, const ImportRequest& request,
                                     const ImportControl& control = {});
    Result<User> get(const Actor& actor, Id userId);
    Result<Page<User>> list(const Actor& actor, const UserQuery& query);
    // Every user `query` selects (query.page and limit are ignored), as CSV with the import's
    // columns first (email, username, full name, roles, organization slug; then id, status,
    // verified, created_at, last_login_at), formula-safe. Checked and scoped as list(); audited as
    // user.exported with the filter and the count. Returns the number of users written.
    Result<qint64> exportTo(const Actor& actor, const UserQuery& query, QIODevice& out, const ExportOptions& options);
    Result<User> update(const Actor& actor, Id userId, const UserUpdate& update);
    Status remove(const Actor& actor, Id userId);
    Result<User> suspend(const Actor& actor, Id userId, const QString& reason = {});
    Result<User> unsuspend(const Actor& actor, Id userId);
    // Ends all the user's sessions and revokes nothing else.
    Result<User> ban(const Actor& actor, Id userId, const QString& reason, const QDateTime& expiresAt = {});
    Result<User> unban(const Actor& actor, Id userId);
    // Moves the user to `organizationId` (super admins only, policy::UserAction::Move): the target
    // must be active and have a seat (pending invitations count); in one transaction the user's
    // organization-scoped roles are removed (global roles stay), their sessions end and their API
    // keys are revoked (all of them carry the old tenant). Audited as user.moved in the destination.
    Result<User> move(const Actor& actor, Id userId, Id organizationId);
    // Changing one's own password needs change.currentPassword; an administrator's reset needs
    // admin:user:edit and a user below the actor. Every session of the user ends; API keys too when
    // change.revokeApiKeys.
    Status setPassword(const Actor& actor, Id userId, const PasswordChange& change);
    Status setPassword(const Actor& actor, Id userId, const QString& newPassword)
    {
        return setPassword(actor, userId, PasswordChange { newPassword, {}, true });
    }
    Status assignRole(const Actor& actor, Id userId, const QString& roleCode);
    Status revokeRole(const Actor& actor, Id userId, const QString& roleCode);
    Result<QList<Role>> roles(const Actor& actor, Id userId);

private:
    // The target of an admin action `op` (whose actor acts): visible to the actor
    // (StoreCore::userFor), not deleted, and then `permission` (when given) and the level rule.
    // Sets op's organization to the user's; refusals are audited through op.
    Result<User> loadManageable(Audited& op, Id userId, policy::UserAction what);
    // The role `roleCode` if op's actor may assign or revoke it on `target` (policy::mayAssignRoles
    // and canAssignRole over the actor's current roles); refusals audited as op's action.
    Result<Role> loadAssignable(const Audited& op, const User& target, const QString& roleCode);
    StoreCore& m_core;
};

class RoleManager
{
public:
    explicit RoleManager(StoreCore& core)
        : m_core(core)
    { }

    Result<QList<Role>> list(const Actor& actor);
    Result<Role> get(const Actor& actor, const QString& code);
    Result<Role> create(const Actor& actor, const NewRole& role);
    Result<Role> update(const Actor& actor, Id roleId, const RoleUpdate& update);
    // Refused while assigned unless `cascade` (then the assignments go too).
    Status remove(const Actor& actor, Id roleId, bool cascade = false);
    Result<Role> addPermission(const Actor& actor, Id roleId, const QString& permission);
    Result<Role> removePermission(const Actor& actor, Id roleId, const QString& permission);
    Result<QStringList> effectivePermissions(const Actor& actor, Id roleId);
    Result<QStringList> userEffectivePermissions(const Actor& actor, Id userId);
    // Idempotent: inserts the catalog and the built-in roles that are missing.
    Status seedCatalog();

private:
    Status writePermissions(Id roleId, const QStringList& permissions, const QStringList& grants);
    // The grants `added` to `grantingRole`: existing roles only, each allowed by policy::canGrantRole
    // (refusals audited as `action`). Empty when all pass.
    // `op` is the call's audit target, which names `grantingRole`.
    std::optional<ServiceError> checkGrants(const Actor& actor, const Role& grantingRole, const QStringList& added,
                                            const Audited& op);
    StoreCore& m_core;
};

class PermissionManager
{
public:
    explicit PermissionManager(StoreCore& core)
        : m_core(core)
    { }
    // The catalog plus the custom codes the actor can see: its organization's (super admins: every
    // organization's).
    Result<QList<Permission>> list(const Actor& actor);

    // Custom permission codes of one organization (policy::canDefineCustomCode). Listing needs
    // admin:role:view in the organization; defining and deleting policy::canManageCustomCodes. At most
    // policy::CustomCodes::PerOrganization per organization. A code still in a role or in an active API
    // key's scopes is not deleted: Conflict (InUse) naming them.
    Result<QList<Permission>> listOfOrganization(const Actor& actor, Id organizationId);
    Result<Permission> define(const Actor& actor, Id organizationId, const QString& code, const QString& description);
    Status remove(const Actor& actor, Id organizationId, const QString& code);

private:
    StoreCore& m_core;
};

class SessionManager
{
public:
    explicit SessionManager(StoreCore& core)
        : m_core(core)
    { }

    Result<Page<Session>> list(const Actor& actor, const SessionQuery& query);
    Status revoke(const Actor& actor, Id sessionId);
    // Ends every session of the user except `exceptSessionId` (0 = all); returns how many.
    // With `revokeApiKeys` the user's API keys are revoked in the same transaction (and audited with
    // the sessions): "end everything" after an account takeover.
    Result<int> revokeAllForUser(const Actor& actor, Id userId, Id exceptSessionId = 0, bool revokeApiKeys = false);
    Result<int> purgeExpired(const Actor& actor);
    // Super admins only; reason required; the session is marked with the impersonator.
    Result<CreatedSession> impersonate(const Actor& actor, Id userId, const QString& reason, int durationMinutes);
    // Resolves a session token to its actor (refreshing last_seen); unauthenticated when revoked,
    // expired or when the user can no longer sign in.
    Result<Actor> authenticate(const QString& token, const QString& ip = {});

private:
    StoreCore& m_core;
};

class ApiKeyManager
{
public:
    explicit ApiKeyManager(StoreCore& core)
        : m_core(core)
    { }

    // Scopes must be held by the owner. The secret is returned here and never again.
    Result<CreatedApiKey> create(const Actor& actor, const NewApiKey& key);
    Result<Page<ApiKey>> list(const Actor& actor, const ApiKeyQuery& query);
    Result<Page<ApiKey>> list(const Actor& actor, Id userId = 0, int page = 1, int limit = 50);
    // Revoking a key refuses its previous secret (within a rotation's grace) too.
    Status revoke(const Actor& actor, Id keyId);
    // One key, as listed (admin:apikey:view); another tenant's reads as missing.
    Result<ApiKey> get(const Actor& actor, Id keyId);
    // Edits and rotations follow the rules of create(): admin:apikey:create, the level rule over the
    // owner (unless it is one's own key), scopes the owner holds, not while impersonating; a
    // revoked key is a Conflict. Audited with what changed, old -> new.
    Result<ApiKey> update(const Actor& actor, Id keyId, const ApiKeyUpdate& update);
    // A new secret (returned here and never again); the old one is accepted for `graceSeconds`
    // more (one of limits::ApiKeyRotationGraces; 0: refused at once). Rotating during a grace period
    // drops the secret before the old one at once: at most two secrets are valid at any time.
    Result<CreatedApiKey> rotate(const Actor& actor, Id keyId, qint64 graceSeconds);
    // Authenticates a key: hash lookup (the current secret, or the previous one within its grace),
    // revocation, expiry, owner status, IP allowlist and, when `requiredScope` is given, the scope.
    // Returns an API-key actor limited to the key's scopes.
    Result<Actor> verify(const QString& key, const QString& ip = {}, const QString& requiredScope = {});

private:
    struct KeyWriter
    {
        User owner;
        Actor ownerActor;
    };
    // Loads a key the actor may see (NotFound and audited as `op` otherwise); sets op's organization.
    Result<ApiKey> load(const Actor& actor, Id keyId, Audited& op);
    Result<KeyWriter> authorizeChange(const Actor& actor, const ApiKey& key, const Audited& op);

    StoreCore& m_core;
};

class OrganizationManager
{
public:
    explicit OrganizationManager(StoreCore& core)
        : m_core(core)
    { }

    Result<Organization> create(const Actor& actor, const NewOrganization& organization);
    Result<Organization> get(const Actor& actor, Id organizationId);
    Result<QList<Organization>> list(const Actor& actor);
    Result<Organization> update(const Actor& actor, Id organizationId, const OrganizationUpdate& update);
    Result<Organization> suspend(const Actor& actor, Id organizationId);
    Result<Organization> unsuspend(const Actor& actor, Id organizationId);
    // Deletes the organization and all of its data; `confirmSlug` must repeat its slug.
    Status wipeOut(const Actor& actor, Id organizationId, const QString& confirmSlug);

    // Refused when active users plus pending invitations reach the plan's max_users. `validDays` 0:
    // the deployment's setting invitation_days.
    Result<CreatedInvitation> invite(const Actor& actor, Id organizationId, const QString& email,
                                     const QString& roleCode, int validDays = 0);
    Result<QList<Invitation>> invitations(const Actor& actor, Id organizationId);
    Status revokeInvitation(const Actor& actor, Id invitationId);
    // The token is the credential: no actor. Creates the user in the organization with the role.
    Result<User> acceptInvitation(const QString& token, const QString& username, const QString& fullName,
                                  const QString& password, const QString& ip = {});

private:
    StoreCore& m_core;
};

class TokenManager
{
public:
    explicit TokenManager(StoreCore& core)
        : m_core(core)
    { }

    // One-shot tokens, stored hashed, single use, expiring.
    Result<QString> issuePasswordReset(const Actor& actor, Id userId);
    Result<QString> issueVerification(const Actor& actor, Id userId);
    // A reset code for a user the caller has just checked (or created), inside the caller's
    // transaction; audited as token.reset_issued like issuePasswordReset.
    Result<QString> issuePasswordResetWithin(const Actor& actor, Id userId, Id organizationId, const QString& email,
                                             int hours);
    // Redeems a reset code: ends every session and, unless `revokeApiKeys` is false, revokes the
    // user's API keys.
    Status resetPassword(const QString& token, const QString& newPassword, const QString& ip = {},
                         bool revokeApiKeys = true);
    Status verifyEmail(const QString& token, const QString& ip = {});

private:
    Result<QString> issue(const Actor& actor, Id userId, const QString& purpose, int hours);
    // The token row and its audit event, inside the caller's transaction.
    Result<QString> insertToken(const Audited& op, Id userId, const QString& email, const QString& purpose, int hours,
                                const QString& token);
    Result<Id> consume(const QString& token, const QString& purpose); // within a transaction
    StoreCore& m_core;
};

class AuditManager
{
public:
    explicit AuditManager(StoreCore& core)
        : m_core(core)
    { }

    // Newest first, keyset paged with an opaque cursor.
    Result<AuditPage> query(const Actor& actor, const AuditQuery& query);
    // One event with its details and hashes (the console's list keeps only what it shows).
    Result<AuditEvent> get(const Actor& actor, Id eventId);
    // Streams the whole filtered set (no page limit) as CSV or JSON Lines; returns the row count.
    Result<qint64> exportTo(const Actor& actor, const AuditQuery& query, QIODevice& out, const ExportOptions& options);
    // The whole chain, for super admins. One verification at a time per deployment (a second one,
    // from any server or console, gets Conflict while the first runs); `cancel` set (the client went
    // away, the server is stopping, the user pressed Cancel) stops it within a few thousand events
    // with Unavailable and nothing audited as verified.
    Result<AuditVerification> verify(const Actor& actor, const std::atomic_bool* cancel = nullptr);
    // Unchecked, for `portcullis-server verify-audit` (an operator with file access): the keyed
    // chain from the newest authentic purge point, the purge records, and the head against the
    // checkpoint file beside the key. `cancel` set: returns early with `cancelled` true.
    AuditVerification verifyChain(const std::atomic_bool* cancel = nullptr);
    // Retention: deletes events older than `before`; the purge is itself audited and the chain stays
    // verifiable from the purge point (a purge record MACed with the audit key). Returns the number
    // of events removed. The chain can only lose a prefix: the purge point is the newest event older
    // than `before`. With `keepYounger` (scheduled retention) it is moreover below the first event
    // at or after `before`, so that no event younger than the retention goes even when ids and
    // times disagree (a server whose clock was behind); the older events above it stay for a later run.
    Result<qint64> purge(const Actor& actor, const QDateTime& before, bool keepYounger = false);
    // Records the chain's head in the checkpoint file beside the audit key (when it moved since the
    // last checkpoint). Refuses, and leaves the file alone, when the database no longer holds the
    // head the last checkpoint recorded. Returns the checkpoint now in the file.
    Result<auditchain::Checkpoint> writeCheckpoint();
    // Sign-ins, failed sign-ins and admin actions per UTC day over the last `days` days (oldest
    // first, days without events included). organizationId 0 = the actor's scope.
    Result<QList<DayActivity>> dailyActivity(const Actor& actor, Id organizationId, int days);

private:
    StoreCore& m_core;
};

// Deployment settings (Edit > Deployment settings..., GET|PATCH /api/admin/settings): super admins
// only; everyone else is refused and audited. A change is one event, settings.updated, with each
// changed setting's old and new value; a value set back to its default removes its row.
class SettingsManager
{
public:
    explicit SettingsManager(StoreCore& core)
        : m_core(core)
    { }
    Result<DeploymentSettings> get(const Actor& actor);
    Result<DeploymentSettings> update(const Actor& actor, const SettingsChange& change);

private:
    StoreCore& m_core;
};

// Maintenance: removes expired sessions (and with them their refresh tokens), used or expired
// one-time tokens, expired refresh tokens, and expired, accepted or revoked invitations, then
// applies the audit retention setting through AuditManager::purge (the purge-audit command's
// audited, MACed purge). Each run is a row of maintenance_runs and one maintenance.run event. At
// most one run at a time per deployment (StoreCore::tryExclusive "maintenance": an advisory lock on
// PostgreSQL, a lock file beside a SQLite file); a second gets Conflict. Every step is idempotent,
// so two runs one after the other remove nothing twice.
class MaintenanceManager
{
public:
    explicit MaintenanceManager(StoreCore& core)
        : m_core(core)
    { }
    // `source`: "schedule" (serve, as Actor::system()) or "console". `skipWithinMs` > 0: nothing
    // is done (a run with id 0 is returned) when another run started less than that long ago, so
    // that several serve processes on one database run maintenance once per interval between them.
    Result<MaintenanceRun> run(const Actor& actor, const QString& source, qint64 skipWithinMs = 0);
    // The newest runs first (super admins).
    Result<QList<MaintenanceRun>> recent(const Actor& actor, int limit = 10);

private:
    Status removeExpired(MaintenanceRun& run);
    StoreCore& m_core;
};

class StatsManager
{
public:
    explicit StatsManager(StoreCore& core)
        : m_core(core)
    { }
    // organizationId 0 = the actor's scope (everything for super admins).
    Result<Stats> get(const Actor& actor, Id organizationId = 0);

private:
    StoreCore& m_core;
};

class AuthManager
{
public:
    explicit AuthManager(StoreCore& core)
        : m_core(core)
    { }

    // Email or username + password. Wrong passwords count toward the lockout. An unknown account,
    // a wrong password and a locked account get the same answer ("Wrong email or password"); a
    // locked account's password is checked only from an address it signed in from before
    // (lockout::KnownAddressDays). Banned, suspended or deleted users and suspended organizations
    // are refused with a clear message after the right password.
    Result<LoginResult> login(const QString& emailOrUsername, const QString& password, const QString& ip = {},
                              const QString& userAgent = {});
    Status logout(const Actor& actor);

private:
    // The phases of login(), in order (auth.cpp).
    struct PasswordCheck
    {
        policy::AccountState state;
        policy::Eligibility eligibility;
        int attemptNumber = 0; // 0: the account is locked, the attempt is not counted
    };
    static Status checkCredentialsGiven(const QString& emailOrUsername, const QString& password, const QString& wrong);
    Result<LoginResult> refuseUnknownAccount(const QString& password, const QString& ip, const QString& userAgent,
                                             const QString& source, const QString& wrong);
    Result<PasswordCheck> reservePasswordCheck(const User& user, const QDateTime& now);
    Result<policy::Eligibility> checkPassword(const User& user, const Actor& attempt, const PasswordCheck& reserved,
                                              const QString& password, const QString& hash, const QString& source,
                                              const QDateTime& now, const QString& wrong);
    Result<policy::Eligibility> checkPasswordOfLockedAccount(const User& user, const Actor& attempt,
                                                             const policy::AccountState& state, const QString& password,
                                                             const QString& hash, const QString& source,
                                                             const QDateTime& now, const QString& wrong);
    Result<LoginResult> refuseIneligible(const User& user, const Actor& attempt, const policy::Eligibility& effective);
    Result<LoginResult> openSession(const User& user, const QString& ip, const QString& userAgent,
                                    const QDateTime& now);
    Result<Id> recordSession(const User& user, const Actor& actor, const QString& ip, const QString& userAgent,
                             const QDateTime& now, LoginResult& result);
    Result<bool> signedInBefore(Id userId, const QString& ip, const QDateTime& now);

    StoreCore& m_core;
};

// The facade: one manager per concern, in the spirit of seed 000.
class SqlStore
{
public:
    SqlStore(QSqlDatabase db, Dialect dialect);
    SqlStore(const SqlStore&) = delete;
    SqlStore& operator=(const SqlStore&) = delete;

    // Creates the schema (pending migrations) and seeds the catalog and built-in roles.
    Status prepare();

    StoreCore& core() { return m_core; }
    UserManager& users() { return m_users; }
    RoleManager& roles() { return m_roles; }
    PermissionManager& permissions() { return m_permissions; }
    SessionManager& sessions() { return m_sessions; }
    ApiKeyManager& apiKeys() { return m_apiKeys; }
    OrganizationManager& organizations() { return m_organizations; }
    TokenManager& tokens() { return m_tokens; }
    AuditManager& audit() { return m_audit; }
    StatsManager& stats() { return m_stats; }
    AuthManager& auth() { return m_auth; }
    SettingsManager& settings() { return m_settings; }
    MaintenanceManager& maintenance() { return m_maintenance; }

private:
    StoreCore m_core;
    UserManager m_users;
    RoleManager m_roles;
    PermissionManager m_permissions;
    SessionManager m_sessions;
    ApiKeyManager m_apiKeys;
    OrganizationManager m_organizations;
    TokenManager m_tokens;
    AuditManager m_audit;
    StatsManager m_stats;
    AuthManager m_auth;
    SettingsManager m_settings;
    MaintenanceManager m_maintenance;
};

// Helpers shared by the manager implementations.
namespace sqlutil {
QVariant nullableTime(const QDateTime& time);
QDateTime timeFrom(const QVariant& value);
QString toJsonArray(const QStringList& list);
QStringList fromJsonArray(const QString& text);
QString toJson(const QJsonObject& object);
} // namespace sqlutil

} // namespace portcullis
