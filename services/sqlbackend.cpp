#include "sqlbackend.h"

#include "sql/bootstrap.h"
#include "sql/server_support.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QSqlQuery>
#include <QThread>

#include <atomic>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcSql) // "portcullis.sql", defined in sql/database.cpp

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::SqlBackend)
};

} // namespace

namespace {

std::atomic<quint64> g_nextBackendId { 1 };

} // namespace

SqlBackend::SqlBackend(const DatabaseConfig& config, int maxThreads, QObject* parent)
    : Backend(parent)
    , m_config(config)
    , m_id(g_nextBackendId++)
    , m_stores(QStringLiteral("portcullis-%1").arg(m_id))
{
    m_pool.setMaxThreadCount(std::max(1, maxThreads));
    m_pool.setObjectName(QStringLiteral("portcullis-sql"));
    m_lastOpenError = ServiceError::unavailable(Tr::tr("The database is not open"));
}

SqlBackend::~SqlBackend()
{
    // Destroying the pool (after this body) joins its threads; their stores (m_stores), and so their
    // connections, are deleted as each thread finishes.
    m_pool.clear();
    m_pool.waitForDone();
}

QFuture<Result<User>> SqlBackend::createFirstSuperAdmin(const NewOrganization& organization, const NewUser& admin)
{
    return run([organization, admin](SqlStore& store) {
        return portcullis::createFirstSuperAdmin(store, organization, admin);
    });
}

QFuture<Status> SqlBackend::open()
{
    return QtConcurrent::run(&m_pool, [this]() -> Status {
        SqlStore* store = storeForCurrentThread();
        if (!store)
            return lastOpenError();
        return store->prepare();
    });
}

ServiceError SqlBackend::lastOpenError() const
{
    QMutexLocker lock(&m_errorMutex);
    return m_lastOpenError;
}

SqlStore* SqlBackend::storeForCurrentThread()
{
    auto worker = m_stores.forThisThread(m_config, true);
    if (!worker) {
        QMutexLocker lock(&m_errorMutex);
        m_lastOpenError = worker.error();
        return nullptr;
    }
    return (*worker)->store.get();
}

Result<Actor> SqlBackend::currentActor(SqlStore& store, const Actor& signedIn)
{
    if (signedIn.userId == 0 || signedIn.sessionId == 0)
        return ServiceError::unauthenticated(Tr::tr("Not signed in"));
    WorkerStore& holder = *m_stores.ofThisThread();
    Q_ASSERT(holder.store.get() == &store);
    Result<Actor> current
        = holder.support->actorForSession(signedIn.sessionId, signedIn.userId, signedIn.ip, signedIn.userAgent);
    if (!current) {
        if (current.error().code != ErrorCode::Unauthenticated)
            return current.error(); // the database is unreachable, say: nothing is known about the session
        const QString reason = Tr::tr("Your session has ended: %1").arg(current.error().message);
        bool first = false;
        {
            QMutexLocker lock(&m_actorMutex);
            if (m_actor.sessionId == signedIn.sessionId) {
                m_actor = Actor();
                first = true;
            }
        }
        if (first)
            QMetaObject::invokeMethod(
                this, [this, reason] { emit sessionEnded(reason); }, Qt::QueuedConnection);
        return ServiceError::unauthenticated(reason);
    }
    bool changed = false;
    {
        QMutexLocker lock(&m_actorMutex);
        if (m_actor.sessionId != signedIn.sessionId)
            return ServiceError::unauthenticated(Tr::tr("Not signed in")); // signed out meanwhile
        changed = m_actor.level != current->level || m_actor.roleCodes != current->roleCodes
            || m_actor.permissions != current->permissions || m_actor.organizationId != current->organizationId;
        if (changed)
            m_actor = *current;
    }
    if (changed)
        QMetaObject::invokeMethod(
            this, [this] { emit actorChanged(); }, Qt::QueuedConnection);
    return current;
}

void SqlBackend::afterCall(SqlStore& store, const ServiceError* error)
{
    if (!error || error->code != ErrorCode::Unavailable) {
        noteReachability(true);
        return;
    }
    // Unavailable also means "locked by another writer" or "no secure random bytes": only a
    // connection that no longer answers a trivial query is lost.
    bool answers = false;
    {
        QSqlQuery ping(store.core().db());
        answers = ping.exec(QStringLiteral("SELECT 1")) && ping.next();
    }
    if (answers) {
        noteReachability(true);
        return;
    }
    qCWarning(lcSql) << "lost the connection to" << m_config.displayName() << "- reconnecting on the next call";
    m_stores.dropThisThread(); // closes the connection
    noteReachability(false, Tr::tr("Cannot reach the database %1: %2").arg(m_config.displayName(), error->message));
}

void SqlBackend::noteOpenFailure(const ServiceError& error)
{
    if (error.code == ErrorCode::Unavailable)
        noteReachability(false, error.message);
}

QFuture<Status> SqlBackend::checkConnection()
{
    return run([](SqlStore& store) -> Status {
        QSqlQuery ping(store.core().db());
        if (!ping.exec(QStringLiteral("SELECT 1")) || !ping.next())
            return store.core().sqlError(ping, Tr::tr("Checking the database"));
        return {};
    });
}

QString SqlBackend::describe() const
{
    return (m_config.dialect == Dialect::Sqlite ? QStringLiteral("SQLite ") : QStringLiteral("PostgreSQL "))
        + m_config.displayName();
}

Actor SqlBackend::actor() const
{
    QMutexLocker lock(&m_actorMutex);
    return m_actor;
}

QFuture<Result<SignedIn>> SqlBackend::signIn(const QString& emailOrUsername, const QString& password)
{
    return run([this, emailOrUsername, password](SqlStore& store) -> Result<SignedIn> {
        auto login = store.auth().login(emailOrUsername, password, QStringLiteral("local"),
                                        QStringLiteral("Portcullis console"));
        if (!login)
            return login.error();
        {
            QMutexLocker lock(&m_actorMutex);
            m_actor = login->actor;
        }
        return SignedIn { login->actor, login->session };
    });
}

QFuture<Status> SqlBackend::signOut()
{
    const Actor a = actor();
    return run([this, a](SqlStore& store) -> Status {
        Status status = store.auth().logout(a);
        QMutexLocker lock(&m_actorMutex);
        m_actor = Actor();
        return status;
    });
}

// Each call runs as the signed-in actor as the database has it when the call runs (runAsActor).
#define PORTCULLIS_RUN(expr) return runAsActor([=](SqlStore& store, const Actor& a) { return expr; })
// A write: the same, and recordsChanged(records) once it succeeded.
#define PORTCULLIS_WRITE(records, expr)                                                                                \
    return announce(records, runAsActor([=](SqlStore& store, const Actor& a) { return expr; }))

QFuture<Result<Page<User>>> SqlBackend::listUsers(const UserQuery& query)
{
    PORTCULLIS_RUN(store.users().list(a, query));
}
QFuture<Result<User>> SqlBackend::getUser(Id userId)
{
    PORTCULLIS_RUN(store.users().get(a, userId));
}
QFuture<Result<User>> SqlBackend::createUser(const NewUser& user)
{
    PORTCULLIS_WRITE(Record::Users | Record::Organizations, store.users().create(a, user));
}
QFuture<Result<User>> SqlBackend::updateUser(Id userId, const UserUpdate& update)
{
    PORTCULLIS_WRITE(Record::Users | Record::Organizations | Record::Sessions, store.users().update(a, userId, update));
}
QFuture<Status> SqlBackend::deleteUser(Id userId)
{
    PORTCULLIS_WRITE(Record::Users | Record::Organizations | Record::Sessions | Record::ApiKeys | Record::Roles,
                     store.users().remove(a, userId));
}
QFuture<Result<User>> SqlBackend::suspendUser(Id userId, const QString& reason)
{
    PORTCULLIS_WRITE(Record::Users | Record::Sessions | Record::Organizations,
                     store.users().suspend(a, userId, reason));
}
QFuture<Result<User>> SqlBackend::unsuspendUser(Id userId)
{
    PORTCULLIS_WRITE(Record::Users | Record::Sessions | Record::Organizations, store.users().unsuspend(a, userId));
}
QFuture<Result<User>> SqlBackend::banUser(Id userId, const QString& reason, const QDateTime& expiresAt)
{
    PORTCULLIS_WRITE(Record::Users | Record::Sessions | Record::Organizations,
                     store.users().ban(a, userId, reason, expiresAt));
}
QFuture<Result<User>> SqlBackend::unbanUser(Id userId)
{
    PORTCULLIS_WRITE(Record::Users | Record::Sessions | Record::Organizations, store.users().unban(a, userId));
}
QFuture<Result<User>> SqlBackend::moveUser(Id userId, Id organizationId)
{
    PORTCULLIS_WRITE(Record::Users | Record::Sessions | Record::Organizations | Record::ApiKeys | Record::Roles,
                     store.users().move(a, userId, organizationId));
}
QFuture<Status> SqlBackend::setPassword(Id userId, const PasswordChange& change)
{
    PORTCULLIS_WRITE(Record::Users | Record::Sessions | Record::ApiKeys, store.users().setPassword(a, userId, change));
}
QFuture<Result<QString>> SqlBackend::issuePasswordReset(Id userId)
{
    PORTCULLIS_WRITE(Record::Users, store.tokens().issuePasswordReset(a, userId));
}
QFuture<Status> SqlBackend::assignRole(Id userId, const QString& roleCode)
{
    PORTCULLIS_WRITE(Record::Users | Record::Roles, store.users().assignRole(a, userId, roleCode));
}
QFuture<Status> SqlBackend::revokeRole(Id userId, const QString& roleCode)
{
    PORTCULLIS_WRITE(Record::Users | Record::Roles, store.users().revokeRole(a, userId, roleCode));
}
QFuture<Result<QStringList>> SqlBackend::userEffectivePermissions(Id userId)
{
    PORTCULLIS_RUN(store.roles().userEffectivePermissions(a, userId));
}
QFuture<Result<qint64>> SqlBackend::exportUsers(const UserQuery& query, const QString& path,
                                                std::function<void(qint64)> progress,
                                                std::shared_ptr<std::atomic_bool> cancel)
{
    return announce(Record::Audit, runAsActor([=](SqlStore& store, const Actor& a) -> Result<qint64> {
                        // QSaveFile: the file appears only when the export is complete.
                        QSaveFile file(path);
                        if (!file.open(QIODevice::WriteOnly))
                            return ServiceError::storage(Tr::tr("Cannot write %1: %2").arg(path, file.errorString()));
                        ExportOptions options;
                        options.progress = progress;
                        options.cancel = cancel.get();
                        auto written = store.users().exportTo(a, query, file, options);
                        if (!written) {
                            file.cancelWriting();
                            return written.error();
                        }
                        if (!file.commit())
                            return ServiceError::storage(Tr::tr("Cannot save %1: %2").arg(path, file.errorString()));
                        return written;
                    }));
}
QFuture<Result<ImportReport>> SqlBackend::importUsers(const ImportRequest& request,
                                                      std::function<void(int, int)> progress,
                                                      std::shared_ptr<std::atomic_bool> cancel)
{
    auto work = runAsActor([=](SqlStore& store, const Actor& a) {
        ImportControl control;
        control.progress = progress;
        control.cancel = cancel.get();
        return store.users().importUsers(a, request, control);
    });
    // A dry run writes nothing: nobody's view is out of date.
    return request.dryRun ? work : announce(Record::Users | Record::Invitations, work);
}
QFuture<Result<QList<Role>>> SqlBackend::listRoles()
{
    PORTCULLIS_RUN(store.roles().list(a));
}
QFuture<Result<Role>> SqlBackend::createRole(const NewRole& role)
{
    PORTCULLIS_WRITE(Record::Roles | Record::Users, store.roles().create(a, role));
}
QFuture<Result<Role>> SqlBackend::updateRole(Id roleId, const RoleUpdate& update)
{
    PORTCULLIS_WRITE(Record::Roles | Record::Users, store.roles().update(a, roleId, update));
}
QFuture<Status> SqlBackend::deleteRole(Id roleId, bool cascade)
{
    PORTCULLIS_WRITE(Record::Roles | Record::Users, store.roles().remove(a, roleId, cascade));
}
QFuture<Result<QList<Permission>>> SqlBackend::listPermissions()
{
    PORTCULLIS_RUN(store.permissions().list(a));
}
QFuture<Result<QStringList>> SqlBackend::roleEffectivePermissions(Id roleId)
{
    PORTCULLIS_RUN(store.roles().effectivePermissions(a, roleId));
}
QFuture<Result<QList<Permission>>> SqlBackend::listOrganizationPermissions(Id organizationId)
{
    PORTCULLIS_RUN(store.permissions().listOfOrganization(a, organizationId));
}
QFuture<Result<Permission>> SqlBackend::defineOrganizationPermission(Id organizationId, const QString& code,
                                                                     const QString& description)
{
    PORTCULLIS_WRITE(Record::Roles, store.permissions().define(a, organizationId, code, description));
}
QFuture<Status> SqlBackend::deleteOrganizationPermission(Id organizationId, const QString& code)
{
    PORTCULLIS_WRITE(Record::Roles, store.permissions().remove(a, organizationId, code));
}
QFuture<Result<Page<Session>>> SqlBackend::listSessions(const SessionQuery& query)
{
    PORTCULLIS_RUN(store.sessions().list(a, query));
}
QFuture<Status> SqlBackend::revokeSession(Id sessionId)
{
    PORTCULLIS_WRITE(Record::Sessions, store.sessions().revoke(a, sessionId));
}
QFuture<Result<int>> SqlBackend::revokeUserSessions(Id userId, bool revokeApiKeys)
{
    PORTCULLIS_WRITE(Record::Sessions | Record::ApiKeys,
                     store.sessions().revokeAllForUser(a, userId, userId == a.userId ? a.sessionId : 0, revokeApiKeys));
}
QFuture<Result<CreatedSession>> SqlBackend::impersonate(Id userId, const QString& reason, int minutes)
{
    PORTCULLIS_WRITE(Record::Sessions, store.sessions().impersonate(a, userId, reason, minutes));
}
QFuture<Result<Page<ApiKey>>> SqlBackend::listApiKeys(const ApiKeyQuery& query)
{
    PORTCULLIS_RUN(store.apiKeys().list(a, query));
}
QFuture<Result<CreatedApiKey>> SqlBackend::createApiKey(const NewApiKey& key)
{
    PORTCULLIS_WRITE(Record::ApiKeys, store.apiKeys().create(a, key));
}
QFuture<Status> SqlBackend::revokeApiKey(Id keyId)
{
    PORTCULLIS_WRITE(Record::ApiKeys, store.apiKeys().revoke(a, keyId));
}
QFuture<Result<ApiKey>> SqlBackend::getApiKey(Id keyId)
{
    PORTCULLIS_RUN(store.apiKeys().get(a, keyId));
}
QFuture<Result<ApiKey>> SqlBackend::updateApiKey(Id keyId, const ApiKeyUpdate& update)
{
    PORTCULLIS_WRITE(Record::ApiKeys, store.apiKeys().update(a, keyId, update));
}
QFuture<Result<CreatedApiKey>> SqlBackend::rotateApiKey(Id keyId, qint64 graceSeconds)
{
    PORTCULLIS_WRITE(Record::ApiKeys, store.apiKeys().rotate(a, keyId, graceSeconds));
}
QFuture<Result<QList<Organization>>> SqlBackend::listOrganizations()
{
    PORTCULLIS_RUN(store.organizations().list(a));
}
QFuture<Result<Organization>> SqlBackend::createOrganization(const NewOrganization& organization)
{
    PORTCULLIS_WRITE(Record::Organizations, store.organizations().create(a, organization));
}
QFuture<Result<Organization>> SqlBackend::updateOrganization(Id organizationId, const OrganizationUpdate& update)
{
    PORTCULLIS_WRITE(Record::Organizations, store.organizations().update(a, organizationId, update));
}
QFuture<Result<Organization>> SqlBackend::suspendOrganization(Id organizationId)
{
    PORTCULLIS_WRITE(Record::Organizations | Record::Users | Record::Sessions,
                     store.organizations().suspend(a, organizationId));
}
QFuture<Result<Organization>> SqlBackend::unsuspendOrganization(Id organizationId)
{
    PORTCULLIS_WRITE(Record::Organizations | Record::Users | Record::Sessions,
                     store.organizations().unsuspend(a, organizationId));
}
QFuture<Status> SqlBackend::wipeOutOrganization(Id organizationId, const QString& confirmSlug)
{
    PORTCULLIS_WRITE(Record::All, store.organizations().wipeOut(a, organizationId, confirmSlug));
}
QFuture<Result<CreatedInvitation>> SqlBackend::invite(Id organizationId, const QString& email, const QString& roleCode,
                                                      int validDays)
{
    PORTCULLIS_WRITE(Record::Invitations | Record::Organizations,
                     store.organizations().invite(a, organizationId, email, roleCode, validDays));
}
QFuture<Result<QList<Invitation>>> SqlBackend::listInvitations(Id organizationId)
{
    PORTCULLIS_RUN(store.organizations().invitations(a, organizationId));
}
QFuture<Status> SqlBackend::revokeInvitation(Id invitationId)
{
    PORTCULLIS_WRITE(Record::Invitations | Record::Organizations,
                     store.organizations().revokeInvitation(a, invitationId));
}
QFuture<Result<AuditPage>> SqlBackend::queryAudit(const AuditQuery& query)
{
    PORTCULLIS_RUN(store.audit().query(a, query));
}
QFuture<Result<AuditEvent>> SqlBackend::getAuditEvent(Id eventId)
{
    PORTCULLIS_RUN(store.audit().get(a, eventId));
}
QFuture<Result<Stats>> SqlBackend::stats(Id organizationId)
{
    PORTCULLIS_RUN(store.stats().get(a, organizationId));
}
QFuture<Result<QList<DayActivity>>> SqlBackend::activity(Id organizationId, int days)
{
    PORTCULLIS_RUN(store.audit().dailyActivity(a, organizationId, days));
}

QFuture<Result<DeploymentSettings>> SqlBackend::settings()
{
    PORTCULLIS_RUN(store.settings().get(a));
}
QFuture<Result<DeploymentSettings>> SqlBackend::updateSettings(const SettingsChange& change)
{
    PORTCULLIS_WRITE(Record::Audit, store.settings().update(a, change));
}
QFuture<Result<QList<MaintenanceRun>>> SqlBackend::maintenanceRuns(int limit)
{
    PORTCULLIS_RUN(store.maintenance().recent(a, limit));
}
QFuture<Result<MaintenanceRun>> SqlBackend::runMaintenance()
{
    PORTCULLIS_WRITE(Record::Sessions | Record::Invitations, store.maintenance().run(a, QStringLiteral("console")));
}

#undef PORTCULLIS_RUN
#undef PORTCULLIS_WRITE

QFuture<Result<AuditCheck>> SqlBackend::verifyAudit(std::shared_ptr<std::atomic_bool> cancel)
{
    return runAsActor([cancel](SqlStore& store, const Actor& a) -> Result<AuditCheck> {
        auto v = store.audit().verify(a, cancel.get());
        if (!v)
            return v.error();
        return AuditCheck { v->ok, v->count, v->firstBrokenId, v->problem };
    });
}

QFuture<Result<qint64>> SqlBackend::exportAudit(const AuditQuery& query, const QString& path, bool jsonLines,
                                                std::function<void(qint64)> progress,
                                                std::shared_ptr<std::atomic_bool> cancel)
{
    return runAsActor([=](SqlStore& store, const Actor& a) -> Result<qint64> {
        // QSaveFile: the target appears only when the export is complete; a cancelled or failed
        // export leaves no partial file behind.
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly))
            return ServiceError::storage(Tr::tr("Cannot write %1: %2").arg(path, file.errorString()));
        ExportOptions options;
        options.format = jsonLines ? ExportFormat::JsonLines : ExportFormat::Csv;
        options.progress = progress;
        options.cancel = cancel.get();
        auto written = store.audit().exportTo(a, query, file, options);
        if (!written) {
            file.cancelWriting();
            return written.error();
        }
        if (!file.commit())
            return ServiceError::storage(Tr::tr("Cannot save %1: %2").arg(path, file.errorString()));
        return written;
    });
}

} // namespace portcullis
