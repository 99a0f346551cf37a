#pragma once

// Backend: what the console asks of a deployment, asynchronously. Two implementations: SqlBackend
// (standalone mode: a local SQLite file or a PostgreSQL server, through SqlStore on worker threads)
// and RestBackend (a portcullis-server over HTTPS). Every call runs as the signed-in actor and is
// checked by the core; a failure is a ServiceError, never an exception.
//
// Futures complete on a worker thread: consumers attach continuations with a context object
// (future.then(receiver, ...)) so the continuation runs on the receiver's thread and never after the
// receiver died.

#include "domain/actor.h"
#include "domain/result.h"
#include "domain/settings.h"
#include "domain/types.h"
#include "domain/userimport.h"

#include <QFuture>
#include <QHash>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

namespace portcullis {

struct DayActivity
{
    QDate day; // UTC
    qint64 signIns = 0;
    qint64 failedSignIns = 0;
    qint64 adminActions = 0;
};

struct AuditCheck
{
    bool ok = true;
    qint64 count = 0;
    Id firstBrokenId = 0;
    QString problem;
};

struct SignedIn
{
    Actor actor;
    Session session;
};

// The kinds of records a successful write changed (Backend::recordsChanged): a pane that shows
// any of them is out of date. Every write also adds audit events.
enum class Record
{
    Users = 0x01,
    Roles = 0x02,
    Sessions = 0x04,
    ApiKeys = 0x08,
    Organizations = 0x10,
    Invitations = 0x20,
    Audit = 0x40,
    All = 0x7f,
};
Q_DECLARE_FLAGS(Records, Record)
Q_DECLARE_OPERATORS_FOR_FLAGS(Records)

// What a deployment can do. The database and portcullis-server do all of it; another kind of server
// (BetterAuthBackend: a better-auth deployment) lacks some. The console disables or hides what is
// missing and shows Capabilities::whyNot, one sentence ("This server keeps no audit log."); it never
// shows made-up data in its place. A call the deployment cannot serve fails with
// ServiceError::forbidden(whyNot) and sends nothing.
enum class Capability
{
    RoleCatalog = 0x0001, // roles as records with levels and permissions (Roles pane, role editor)
    PermissionCatalog = 0x0002, // the permission catalog and organizations' custom codes
    AuditLog = 0x0004, // the audit pane, export, verify, a user's activity
    Statistics = 0x0008, // dashboard tiles and the activity chart
    SessionList = 0x0010, // every session of the deployment in one list (else: a user's sessions)
    SuspendUsers = 0x0020, // suspend / unsuspend (better-auth has bans only)
    MoveUsers = 0x0040, // a user belongs to one organization and can be moved
    UserImportExport = 0x0080, // CSV import and export of users
    DeploymentSettings = 0x0100,
    Maintenance = 0x0200,
    PasswordResetCodes = 0x0400, // one-time reset codes an administrator hands out
    ApiKeyRotation = 0x0800, // rotate with a grace period, edit scopes
    OrganizationLifecycle = 0x1000, // plans, seat limits, suspend, wipe out
    Usernames = 0x2000, // users have a username besides the email
    ApiKeysOfOthers = 0x4000, // an administrator lists and revokes other users' keys
    Impersonation = 0x8000,
    LastSignIn = 0x10000, // when each user last signed in (better-auth keeps no such time)
    ImpersonationLength = 0x20000, // the administrator chooses how long an impersonation lasts
    ApiKeyLimits = 0x40000, // a key's own rate limit per minute and address allow-list
    InvitationLength = 0x80000, // the administrator chooses how long an invitation stays valid
    All = 0xfffff,
};
Q_DECLARE_FLAGS(CapabilitySet, Capability)
Q_DECLARE_OPERATORS_FOR_FLAGS(CapabilitySet)

struct Capabilities
{
    CapabilitySet set = Capability::All;
    QHash<Capability, QString> reasons; // why each missing one is missing, translated

    bool has(Capability capability) const { return set.testFlag(capability); }
    // One sentence for a missing capability (empty when it is there).
    QString whyNot(Capability capability) const { return has(capability) ? QString() : reasons.value(capability); }
};

// Runs `handler(result)` on `context`'s thread, on a later turn of its event loop, and only while
// `context` lives. Unlike a bare QFuture::then(context, ...), it never runs the handler inside the
// caller when the future has already finished (which re-enters whatever the caller was doing).
template <typename T, typename Handler> void whenDone(QFuture<T> future, QObject* context, Handler handler)
{
    future.then(context, [context, handler](const T& result) {
        QMetaObject::invokeMethod(
            context, [handler, result] { handler(result); }, Qt::QueuedConnection);
    });
}

class Backend : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~Backend() override = default;

    // "SQLite /home/ana/portcullis.db", "PostgreSQL db.example.com/iam", "https://iam.example.com".
    virtual QString describe() const = 0;
    // What this deployment can do (fixed for the backend's life; known before sign-in).
    virtual Capabilities capabilities() const { return {}; }
    // The signed-in actor (empty before signIn succeeds). Kept current: every call re-derives it
    // (standalone mode) or the server does (REST mode), see actorChanged() and sessionEnded().
    virtual Actor actor() const = 0;

    virtual QFuture<Result<SignedIn>> signIn(const QString& emailOrUsername, const QString& password) = 0;
    virtual QFuture<Status> signOut() = 0;

    // Users
    virtual QFuture<Result<Page<User>>> listUsers(const UserQuery& query) = 0;
    virtual QFuture<Result<User>> getUser(Id userId) = 0;
    virtual QFuture<Result<User>> createUser(const NewUser& user) = 0;
    virtual QFuture<Result<User>> updateUser(Id userId, const UserUpdate& update) = 0;
    virtual QFuture<Status> deleteUser(Id userId) = 0;
    virtual QFuture<Result<User>> suspendUser(Id userId, const QString& reason) = 0;
    virtual QFuture<Result<User>> unsuspendUser(Id userId) = 0;
    virtual QFuture<Result<User>> banUser(Id userId, const QString& reason, const QDateTime& expiresAt) = 0;
    virtual QFuture<Result<User>> unbanUser(Id userId) = 0;
    // Super admins: to another organization; its organization-scoped roles are removed, its sessions
    // end and its API keys are revoked (UserManager::move).
    virtual QFuture<Result<User>> moveUser(Id userId, Id organizationId) = 0;
    // Changing one's own password needs change.currentPassword; an administrator's reset may revoke
    // the user's API keys too (change.revokeApiKeys).
    virtual QFuture<Status> setPassword(Id userId, const PasswordChange& change) = 0;
    virtual QFuture<Result<QString>> issuePasswordReset(Id userId) = 0;
    virtual QFuture<Status> assignRole(Id userId, const QString& roleCode) = 0;
    virtual QFuture<Status> revokeRole(Id userId, const QString& roleCode) = 0;
    virtual QFuture<Result<QStringList>> userEffectivePermissions(Id userId) = 0;
    // Users from a file (domain/userimport.h; the rules in UserManager::importUsers): with
    // request.dryRun the classification of every row and nothing written. `progress(done, total)`
    // is called from a worker thread; setting `*cancel` stops between rows (rows created stay and
    // are in the report, the rest are NotRun).
    // Writes every user `query` selects into `path` as CSV (UserManager::exportTo). `progress` is
    // called from a worker thread with the users written so far; setting `*cancel` stops the
    // export and removes the partial file.
    virtual QFuture<Result<qint64>> exportUsers(const UserQuery& query, const QString& path,
                                                std::function<void(qint64)> progress,
                                                std::shared_ptr<std::atomic_bool> cancel)
        = 0;
    virtual QFuture<Result<ImportReport>> importUsers(const ImportRequest& request,
                                                      std::function<void(int done, int total)> progress,
                                                      std::shared_ptr<std::atomic_bool> cancel)
        = 0;

    // Roles and permissions
    virtual QFuture<Result<QList<Role>>> listRoles() = 0;
    virtual QFuture<Result<Role>> createRole(const NewRole& role) = 0;
    virtual QFuture<Result<Role>> updateRole(Id roleId, const RoleUpdate& update) = 0;
    virtual QFuture<Status> deleteRole(Id roleId, bool cascade) = 0;
    virtual QFuture<Result<QList<Permission>>> listPermissions() = 0;
    virtual QFuture<Result<QStringList>> roleEffectivePermissions(Id roleId) = 0;
    // An organization's custom permission codes ("acme:report:view", policy::canDefineCustomCode):
    // listed with admin:role:view, defined and deleted with admin:role:edit in that organization. A
    // code still in a role or an active API key is not deleted (Conflict naming them).
    virtual QFuture<Result<QList<Permission>>> listOrganizationPermissions(Id organizationId) = 0;
    virtual QFuture<Result<Permission>> defineOrganizationPermission(Id organizationId, const QString& code,
                                                                     const QString& description)
        = 0;
    virtual QFuture<Status> deleteOrganizationPermission(Id organizationId, const QString& code) = 0;

    // Sessions
    virtual QFuture<Result<Page<Session>>> listSessions(const SessionQuery& query) = 0;
    virtual QFuture<Status> revokeSession(Id sessionId) = 0;
    // Ends every session of the user (one's own current session excepted) and, with
    // `revokeApiKeys`, revokes the user's API keys too.
    virtual QFuture<Result<int>> revokeUserSessions(Id userId, bool revokeApiKeys) = 0;
    virtual QFuture<Result<CreatedSession>> impersonate(Id userId, const QString& reason, int minutes) = 0;

    // API keys
    virtual QFuture<Result<Page<ApiKey>>> listApiKeys(const ApiKeyQuery& query) = 0;
    // The keys of one owner (0: everyone's in the actor's scope).
    QFuture<Result<Page<ApiKey>>> listApiKeys(Id userId, int page, int limit)
    {
        ApiKeyQuery query;
        query.userId = userId;
        query.page = page;
        query.limit = limit;
        return listApiKeys(query);
    }
    virtual QFuture<Result<CreatedApiKey>> createApiKey(const NewApiKey& key) = 0;
    virtual QFuture<Status> revokeApiKey(Id keyId) = 0;
    virtual QFuture<Result<ApiKey>> getApiKey(Id keyId) = 0;
    virtual QFuture<Result<ApiKey>> updateApiKey(Id keyId, const ApiKeyUpdate& update) = 0;
    // A new secret (shown once); the old one keeps working for `graceSeconds` (one of
    // limits::ApiKeyRotationGraces).
    virtual QFuture<Result<CreatedApiKey>> rotateApiKey(Id keyId, qint64 graceSeconds) = 0;

    // Organizations and invitations
    virtual QFuture<Result<QList<Organization>>> listOrganizations() = 0;
    virtual QFuture<Result<Organization>> createOrganization(const NewOrganization& organization) = 0;
    virtual QFuture<Result<Organization>> updateOrganization(Id organizationId, const OrganizationUpdate& update) = 0;
    virtual QFuture<Result<Organization>> suspendOrganization(Id organizationId) = 0;
    virtual QFuture<Result<Organization>> unsuspendOrganization(Id organizationId) = 0;
    virtual QFuture<Status> wipeOutOrganization(Id organizationId, const QString& confirmSlug) = 0;
    virtual QFuture<Result<CreatedInvitation>> invite(Id organizationId, const QString& email, const QString& roleCode,
                                                      int validDays)
        = 0;
    virtual QFuture<Result<QList<Invitation>>> listInvitations(Id organizationId) = 0;
    virtual QFuture<Status> revokeInvitation(Id invitationId) = 0;

    // Audit and stats
    virtual QFuture<Result<AuditPage>> queryAudit(const AuditQuery& query) = 0;
    virtual QFuture<Result<AuditEvent>> getAuditEvent(Id eventId) = 0;
    // Streams the whole filtered set into `path` (CSV or JSON Lines). `progress` is called from a
    // worker thread with the rows written so far; setting `*cancel` stops the export and removes
    // the partial file.
    virtual QFuture<Result<qint64>> exportAudit(const AuditQuery& query, const QString& path, bool jsonLines,
                                                std::function<void(qint64)> progress,
                                                std::shared_ptr<std::atomic_bool> cancel)
        = 0;
    // The whole audit chain (super admins). Setting `*cancel` stops it (an Unavailable error); a
    // verification already running anywhere on the deployment gives Conflict.
    virtual QFuture<Result<AuditCheck>> verifyAudit(std::shared_ptr<std::atomic_bool> cancel) = 0;
    virtual QFuture<Result<Stats>> stats(Id organizationId) = 0;
    virtual QFuture<Result<QList<DayActivity>>> activity(Id organizationId, int days) = 0;

    // Deployment settings and maintenance (super admins; everyone else is refused and audited).
    // The settings in effect; updateSettings applies `change` (only the settings it names) and
    // returns the settings now in effect.
    virtual QFuture<Result<DeploymentSettings>> settings() = 0;
    virtual QFuture<Result<DeploymentSettings>> updateSettings(const SettingsChange& change) = 0;
    // The newest maintenance runs first (serve's schedule and the console's).
    virtual QFuture<Result<QList<MaintenanceRun>>> maintenanceRuns(int limit) = 0;
    // One run now: expired sessions, tokens and invitations, and the audit retention.
    virtual QFuture<Result<MaintenanceRun>> runMaintenance() = 0;

    // The deployment answers (REST: the server is reachable and has its database; standalone: the
    // database answers): a cheap request that needs no session. Used to retry after
    // connectionLost(); a success also emits connectionRestored().
    virtual QFuture<Status> checkConnection() = 0;
    // False between connectionLost() and connectionRestored(). Any thread.
    bool isReachable() const { return m_reachable.load(); }

signals:
    // The session can no longer act (revoked, expired, or its user banned, suspended, deleted, or
    // its organization suspended): `reason` says which. The call that found out fails as well;
    // the console returns to sign-in. Emitted on the backend's thread.
    void sessionEnded(const QString& reason);
    // The signed-in actor's rights changed (roles granted or taken away elsewhere); actor() has the
    // new ones. Emitted on the backend's thread.
    void actorChanged();
    // A call failed because the server or the database could not be reached (transport failure,
    // 503, lost database connection): emitted once when that starts, with the reason.
    // connectionRestored() follows once a call gets through again. Emitted on the backend's thread.
    void connectionLost(const QString& reason);
    void connectionRestored();
    // A write of this console succeeded: `records` (always with Record::Audit) changed. Emitted on
    // the backend's thread, before the continuations of the caller run.
    void recordsChanged(portcullis::Records records);

protected:
    // Returns `future` with recordsChanged(`records` | Audit) emitted when it succeeds. Every write
    // of an implementation goes through it; reads do not.
    template <typename T> QFuture<T> announce(Records records, QFuture<T> future)
    {
        return future.then([this, records](const T& result) {
            if (result.ok())
                QMetaObject::invokeMethod(
                    this, [this, records] { emit recordsChanged(records | Record::Audit); }, Qt::QueuedConnection);
            return result;
        });
    }

    // Implementations report each call's outcome here, from any thread: a failure that means "cannot
    // reach" (`reachable` false) or any answer from the deployment (`reachable` true, even a
    // refusal). Only changes are signalled, queued to the backend's thread.
    void noteReachability(bool reachable, const QString& reason = {})
    {
        if (m_reachable.exchange(reachable) == reachable)
            return;
        if (reachable)
            QMetaObject::invokeMethod(
                this, [this] { emit connectionRestored(); }, Qt::QueuedConnection);
        else
            QMetaObject::invokeMethod(
                this, [this, reason] { emit connectionLost(reason); }, Qt::QueuedConnection);
    }

private:
    std::atomic_bool m_reachable { true };
};

} // namespace portcullis
