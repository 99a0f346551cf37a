#pragma once

// SqlBackend: the asynchronous face of the SQL store for callers that must not block (the console's
// GUI thread). Work runs on the backend's own thread pool; each worker thread opens its own named
// connection on first use and closes it when the pool retires the thread. Results come back as
// QFuture<Result<T>>: attach continuations with a context object (QFuture::then(context, ...)) so
// they never run after their receiver died.

#include "backend.h"
#include "sql/store.h"
#include "sql/workerstores.h"

#include <QFuture>
#include <QMutex>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <type_traits>

namespace portcullis {

class SqlBackend : public Backend
{
    Q_OBJECT

public:
    // SQLite allows one writer at a time (writers wait up to the busy timeout); two threads let a
    // long export and an interactive page load run side by side.
    explicit SqlBackend(const DatabaseConfig& config, int maxThreads = 2, QObject* parent = nullptr);
    ~SqlBackend() override;

    const DatabaseConfig& config() const { return m_config; }
    QString describe() const override;
    Actor actor() const override;

    // Opens the database, applies pending migrations and seeds the catalog.
    QFuture<Status> open();
    // The first-run wizard's step on a new database: its first organization and super admin
    // (refused once the database has a super admin).
    QFuture<Result<User>> createFirstSuperAdmin(const NewOrganization& organization, const NewUser& admin);

    // Runs `work(SqlStore&)` on a worker thread. `work` must return a Result<T> (or Status) and
    // must capture by value: it outlives the caller's stack frame.
    template <typename F> auto run(F work) -> QFuture<std::invoke_result_t<F, SqlStore&>>
    {
        using R = std::invoke_result_t<F, SqlStore&>;
        return QtConcurrent::run(&m_pool, [this, work = std::move(work)]() mutable -> R {
            SqlStore* store = storeForCurrentThread();
            if (!store) {
                const ServiceError error = lastOpenError();
                noteOpenFailure(error);
                return R(error);
            }
            R result = work(*store);
            afterCall(*store, result.ok() ? nullptr : &result.error());
            return result;
        });
    }

    // Runs `work(SqlStore&, const Actor&)` on a worker thread as the signed-in actor, re-derived
    // from the database first exactly as the server does for each request
    // (ServerSupport::actorForSession): a session that was revoked, or whose user was banned,
    // suspended or deleted meanwhile, ends here (sessionEnded) and `work` does not run; changed
    // roles take effect on this call (actorChanged).
    template <typename F> auto runAsActor(F work) -> QFuture<std::invoke_result_t<F, SqlStore&, const Actor&>>
    {
        using R = std::invoke_result_t<F, SqlStore&, const Actor&>;
        const Actor signedIn = actor();
        return run([this, signedIn, work = std::move(work)](SqlStore& store) mutable -> R {
            Result<Actor> current = currentActor(store, signedIn);
            if (!current)
                return R(current.error());
            return work(store, *current);
        });
    }

    // A trivial query on a worker's connection (reconnecting when it was lost).
    QFuture<Status> checkConnection() override;

    QFuture<Result<SignedIn>> signIn(const QString& emailOrUsername, const QString& password) override;
    QFuture<Status> signOut() override;

    QFuture<Result<Page<User>>> listUsers(const UserQuery& query) override;
    QFuture<Result<User>> getUser(Id userId) override;
    QFuture<Result<User>> createUser(const NewUser& user) override;
    QFuture<Result<User>> updateUser(Id userId, const UserUpdate& update) override;
    QFuture<Status> deleteUser(Id userId) override;
    QFuture<Result<User>> suspendUser(Id userId, const QString& reason) override;
    QFuture<Result<User>> unsuspendUser(Id userId) override;
    QFuture<Result<User>> banUser(Id userId, const QString& reason, const QDateTime& expiresAt) override;
    QFuture<Result<User>> unbanUser(Id userId) override;
    QFuture<Result<User>> moveUser(Id userId, Id organizationId) override;
    QFuture<Status> setPassword(Id userId, const PasswordChange& change) override;
    QFuture<Result<QString>> issuePasswordReset(Id userId) override;
    QFuture<Status> assignRole(Id userId, const QString& roleCode) override;
    QFuture<Status> revokeRole(Id userId, const QString& roleCode) override;
    QFuture<Result<QStringList>> userEffectivePermissions(Id userId) override;
    QFuture<Result<qint64>> exportUsers(const UserQuery& query, const QString& path,
                                        std::function<void(qint64)> progress,
                                        std::shared_ptr<std::atomic_bool> cancel) override;
    QFuture<Result<ImportReport>> importUsers(const ImportRequest& request, std::function<void(int, int)> progress,
                                              std::shared_ptr<std::atomic_bool> cancel) override;

    QFuture<Result<QList<Role>>> listRoles() override;
    QFuture<Result<Role>> createRole(const NewRole& role) override;
    QFuture<Result<Role>> updateRole(Id roleId, const RoleUpdate& update) override;
    QFuture<Status> deleteRole(Id roleId, bool cascade) override;
    QFuture<Result<QList<Permission>>> listPermissions() override;
    QFuture<Result<QStringList>> roleEffectivePermissions(Id roleId) override;
    QFuture<Result<QList<Permission>>> listOrganizationPermissions(Id organizationId) override;
    QFuture<Result<Permission>> defineOrganizationPermission(Id organizationId, const QString& code,
                                                             const QString& description) override;
    QFuture<Status> deleteOrganizationPermission(Id organizationId, const QString& code) override;

    QFuture<Result<Page<Session>>> listSessions(const SessionQuery& query) override;
    QFuture<Status> revokeSession(Id sessionId) override;
    QFuture<Result<int>> revokeUserSessions(Id userId, bool revokeApiKeys) override;
    QFuture<Result<CreatedSession>> impersonate(Id userId, const QString& reason, int minutes) override;

    using Backend::listApiKeys;
    QFuture<Result<Page<ApiKey>>> listApiKeys(const ApiKeyQuery& query) override;
    QFuture<Result<CreatedApiKey>> createApiKey(const NewApiKey& key) override;
    QFuture<Status> revokeApiKey(Id keyId) override;
    QFuture<Result<ApiKey>> getApiKey(Id keyId) override;
    QFuture<Result<ApiKey>> updateApiKey(Id keyId, const ApiKeyUpdate& update) override;
    QFuture<Result<CreatedApiKey>> rotateApiKey(Id keyId, qint64 graceSeconds) override;

    QFuture<Result<QList<Organization>>> listOrganizations() override;
    QFuture<Result<Organization>> createOrganization(const NewOrganization& organization) override;
    QFuture<Result<Organization>> updateOrganization(Id organizationId, const OrganizationUpdate& update) override;
    QFuture<Result<Organization>> suspendOrganization(Id organizationId) override;
    QFuture<Result<Organization>> unsuspendOrganization(Id organizationId) override;
    QFuture<Status> wipeOutOrganization(Id organizationId, const QString& confirmSlug) override;
    QFuture<Result<CreatedInvitation>> invite(Id organizationId, const QString& email, const QString& roleCode,
                                              int validDays) override;
    QFuture<Result<QList<Invitation>>> listInvitations(Id organizationId) override;
    QFuture<Status> revokeInvitation(Id invitationId) override;

    QFuture<Result<AuditPage>> queryAudit(const AuditQuery& query) override;
    QFuture<Result<AuditEvent>> getAuditEvent(Id eventId) override;
    QFuture<Result<qint64>> exportAudit(const AuditQuery& query, const QString& path, bool jsonLines,
                                        std::function<void(qint64)> progress,
                                        std::shared_ptr<std::atomic_bool> cancel) override;
    QFuture<Result<AuditCheck>> verifyAudit(std::shared_ptr<std::atomic_bool> cancel) override;
    QFuture<Result<Stats>> stats(Id organizationId) override;
    QFuture<Result<QList<DayActivity>>> activity(Id organizationId, int days) override;

    QFuture<Result<DeploymentSettings>> settings() override;
    QFuture<Result<DeploymentSettings>> updateSettings(const SettingsChange& change) override;
    QFuture<Result<QList<MaintenanceRun>>> maintenanceRuns(int limit) override;
    QFuture<Result<MaintenanceRun>> runMaintenance() override;

private:
    SqlStore* storeForCurrentThread();
    // On a worker thread: `signedIn` as the database has it now (see runAsActor).
    Result<Actor> currentActor(SqlStore& store, const Actor& signedIn);
    ServiceError lastOpenError() const;
    // On a worker thread, after each call: a failure as unavailable whose connection no longer
    // answers drops this thread's connection (the next call reconnects) and reports the database
    // unreachable; anything else reports it reachable.
    void afterCall(SqlStore& store, const ServiceError* error);
    void noteOpenFailure(const ServiceError& error);

    DatabaseConfig m_config;
    quint64 m_id;
    WorkerStores m_stores; // before m_pool: the pool's threads go first
    QThreadPool m_pool;
    mutable QMutex m_actorMutex; // guards m_actor: set by signIn's worker, read by callers
    Actor m_actor;
    mutable QMutex m_errorMutex; // guards m_lastOpenError, written by whichever worker failed to open
    ServiceError m_lastOpenError;
};

} // namespace portcullis
