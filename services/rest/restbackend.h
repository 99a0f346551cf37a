#pragma once

// RestBackend: the console's REST mode, the Backend interface spoken over the API of docs/api.md.
//
// Threading and ownership: the QNetworkAccessManager is injected (never a global) and not owned;
// the backend must live on the manager's thread (the GUI thread in the console). Replies are handled
// there, and each call's future is resolved there through a QPromise: nothing blocks, no nested
// event loop. Tokens live in memory only and are never logged.
//
// Token refresh: a 401 on an authenticated request starts one POST /api/auth/refresh; every request
// that fails or starts meanwhile waits for it and is re-sent with the new token. If the refresh fails,
// all of them fail with "Your session has ended; sign in again".

#include "backend.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPointer>
#include <QPromise>
#include <QSslConfiguration>
#include <QUrl>
#include <QUrlQuery>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;

namespace portcullis {

class RestBackend : public Backend
{
    Q_OBJECT

public:
    static constexpr int kDefaultTimeoutMs = 30000;

    RestBackend(QNetworkAccessManager* network, const QUrl& baseUrl, QObject* parent = nullptr);
    ~RestBackend() override;

    QUrl baseUrl() const { return m_baseUrl; }
    // Where later requests go (the same deployment behind another address).
    void setBaseUrl(const QUrl& baseUrl) { m_baseUrl = baseUrl; }
    // A request that moves no bytes for this long fails with a timeout (QNetworkRequest::setTransferTimeout).
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }
    int timeout() const { return m_timeoutMs; }
    // Trusts the certificates in `pemFile` (a private CA or a self-signed server certificate) besides
    // the system's. Verification stays on. Fails when the file holds no certificate.
    Status trustCaFile(const QString& pemFile);
    // Aborts every request in flight; their futures fail with "cancelled".
    void cancelAll();

    // The refresh token of the current session (for "Remember me"); empty when signed out.
    QString refreshToken() const { return QString::fromUtf8(m_refreshToken); }
    // Signs in again from a remembered refresh token (rotated on use: store the new refreshToken()).
    QFuture<Result<SignedIn>> resumeSession(const QString& refreshToken);

    QString describe() const override;
    Actor actor() const override { return m_actor; }

    // GET /api/health/auth: the server answers and reaches its database.
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
    // In batches (userimport::MaxRowsPerRequest rows for a dry run, ImportWriteBatch for an import, so
    // that progress and Cancel work between requests). Duplicates across batches are found here with
    // the core's rule (userimport::isDuplicate) before anything is sent.
    QFuture<Result<qint64>> exportUsers(const UserQuery& query, const QString& path,
                                        std::function<void(qint64)> progress,
                                        std::shared_ptr<std::atomic_bool> cancel) override;
    QFuture<Result<ImportReport>> importUsers(const ImportRequest& request, std::function<void(int, int)> progress,
                                              std::shared_ptr<std::atomic_bool> cancel) override;
    static constexpr int ImportWriteBatch = 100;

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
    // Streams GET /api/admin/audit/export into a QSaveFile: committed only when the whole answer
    // arrived. `progress` is called on this backend's thread.
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

    // One HTTP answer, already checked for transport errors and error statuses.
    struct Response
    {
        int status = 0;
        QByteArray body;
        QHash<QByteArray, QByteArray> headers; // lower-case names
    };

private:
    struct Request
    {
        QByteArray method;
        QString path;
        QUrlQuery query;
        QByteArray body; // JSON; empty = no body
        QByteArray ifMatch;
        bool authenticated = true;
        // Streaming: called for each chunk of a 2xx answer instead of collecting the body;
        // returns false to abort the transfer.
        std::function<bool(QNetworkReply*)> onData;
        std::shared_ptr<std::atomic_bool> cancel; // polled: set = abort
    };
    struct Pending
    {
        Request request;
        std::function<void(const Result<Response>&)> done;
        bool retried = false; // re-sent once after a refresh already
        QByteArray tokenUsed;
    };

    void send(Request request, std::function<void(const Result<Response>&)> done);
    // An export streamed into `path` (the audit log's, the users list's).
    QFuture<Result<qint64>> downloadExport(Request request, const QString& path, bool csv,
                                           std::function<void(qint64)> progress,
                                           std::shared_ptr<std::atomic_bool> cancel);
    void issue(std::shared_ptr<Pending> pending);
    void finished(QNetworkReply* reply, const std::shared_ptr<Pending>& pending);
    void startRefresh();
    void refreshFinished(const Result<Response>& result);
    ServiceError errorFor(QNetworkReply* reply, int status, const QByteArray& body) const;
    ServiceError transportError(QNetworkReply* reply) const;
    void adoptTokens(const QJsonObject& tokens);
    // The session cannot act any more (refresh refused): forget the actor and say so once.
    void endSession(const QString& reason);
    // After a 403: reads the actor again (GET /api/auth/me) and says when its rights changed.
    void recheckActor();
    QFuture<Result<SignedIn>> fetchActor(std::shared_ptr<QPromise<Result<SignedIn>>> promise, Id sessionId);

    template <typename T, typename Decode> QFuture<Result<T>> call(Request request, Decode decode);
    template <typename T, typename Decode>
    QFuture<Result<T>> json(const QByteArray& method, const QString& path, const QJsonObject* body, Decode decode);
    struct ImportState;
    void sendImportBatch(std::shared_ptr<ImportState> state);
    QFuture<Status> empty(const QByteArray& method, const QString& path, const QJsonObject* body = nullptr,
                          const QUrlQuery& query = {});

    QPointer<QNetworkAccessManager> m_network;
    QUrl m_baseUrl;
    int m_timeoutMs = kDefaultTimeoutMs;
    QSslConfiguration m_ssl;
    QByteArray m_accessToken;
    QByteArray m_refreshToken;
    Actor m_actor;
    bool m_recheckingActor = false;
    bool m_refreshing = false;
    QList<std::shared_ptr<Pending>> m_waiting; // for the refresh in flight
    QList<QPointer<QNetworkReply>> m_inFlight;
    QList<QNetworkReply*> m_cancelled; // aborted by cancelAll(), not by a timeout
};

} // namespace portcullis
