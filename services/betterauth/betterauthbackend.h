#pragma once

// BetterAuthBackend: the console on an existing better-auth deployment (docs/better-auth.md), through
// the HTTP API of better-auth's admin, organization, bearer and api-key plugins under its base path
// (e.g. https://app.example.com/api/auth).
//
// Threading and ownership as RestBackend: the QNetworkAccessManager is injected and not owned, the
// backend lives on its thread, futures resolve there through QPromises. The bearer token (from the
// sign-in answer's set-auth-token header) and the session tokens better-auth revokes by live in
// memory only and are never logged or shown, except the one of an impersonation, shown once as with
// our own server. Cookies are never sent, except better-auth's admin_session cookie to
// stop-impersonating (with the Origin header better-auth then requires).
//
// Ids: better-auth's ids are strings; the Backend interface speaks Id. A two-way map (IdMap,
// thread-safe) hands out a local Id the first time a string id is seen; the backends of one
// deployment in this process share it, so their Ids agree. Local ids are valid for the process's
// life only (while a backend of that deployment exists): never store them.
//
// What better-auth lacks (capabilities()) fails with ServiceError::forbidden(reason) without a
// request; our own rules it lacks (no banning, removing or re-roling yourself) are refused here,
// through services/policy, before anything is sent.

#include "backend.h"

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QPointer>
#include <QSslConfiguration>
#include <QUrl>
#include <QUrlQuery>

#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace portcullis {

namespace policy {
enum class UserAction;
}

// better-auth's string ids ↔ the console's Ids, one local Id per string for the map's life, and the
// session tokens better-auth revokes sessions by. Thread-safe. Shared by every BetterAuthBackend of
// the same deployment (base URL) in this process (IdMap::forServer), so an Id one of them hands out
// means the same record to the others, as the database's ids do.
class IdMap
{
public:
    // The map of the deployment at `baseUrl`; it lives while a backend holds it.
    static std::shared_ptr<IdMap> forServer(const QUrl& baseUrl);

    // The local Id of `remote` (a new one the first time); 0 for an empty string.
    Id local(const QString& remote);
    // The string id behind `local`; empty when this map never handed `local` out.
    QString remote(Id local) const;

    // The email of a user seen in an answer (for the sessions of a user, which better-auth lists
    // without it); empty when not seen yet.
    void setEmail(Id user, const QString& email);
    QString email(Id user) const;

    void setSessionToken(Id session, const QByteArray& token);
    QByteArray sessionToken(Id session) const;
    void forgetSessionToken(Id session);

private:
    mutable QMutex m_mutex;
    QHash<QString, Id> m_local;
    QHash<Id, QString> m_remote;
    QHash<Id, QByteArray> m_sessionTokens;
    QHash<Id, QString> m_emails;
    Id m_next = 1;
};

class BetterAuthBackend : public Backend
{
    Q_OBJECT

public:
    static constexpr int kDefaultTimeoutMs = 30000;

    // `baseUrl`: better-auth's base path, e.g. http://127.0.0.1:3000/api/auth.
    BetterAuthBackend(QNetworkAccessManager* network, const QUrl& baseUrl, QObject* parent = nullptr);
    ~BetterAuthBackend() override;

    QUrl baseUrl() const { return m_baseUrl; }
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }
    // Trusts the certificates in `pemFile` (a private CA or a self-signed server certificate) besides
    // the system's, as RestBackend::trustCaFile. Verification stays on.
    Status trustCaFile(const QString& pemFile);
    void cancelAll();

    // What better-auth lacks, each with its one-sentence reason (also before sign-in).
    static Capabilities betterAuthCapabilities();

    // GET <base>/ok: is a better-auth server answering at `baseUrl`? True only for {"ok":true}
    // (our own server and other web servers answer otherwise). For the connection dialog's detection.
    static QFuture<Result<bool>> detect(QNetworkAccessManager* network, const QUrl& baseUrl,
                                        int timeoutMs = kDefaultTimeoutMs);

    QString describe() const override;
    Capabilities capabilities() const override { return m_capabilities; }
    Actor actor() const override { return m_actor; }

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

    // One user's sessions (query.userId); without a user: refused (Capability::SessionList).
    QFuture<Result<Page<Session>>> listSessions(const SessionQuery& query) override;
    // A session listed by listSessions (or an impersonation of this backend). An impersonation this
    // backend started ends through stop-impersonating (better-auth then deletes it); any other
    // through revoke-user-session.
    QFuture<Status> revokeSession(Id sessionId) override;
    QFuture<Result<int>> revokeUserSessions(Id userId, bool revokeApiKeys) override;
    // better-auth fixes the length (one hour) and keeps no reason: `reason` and `minutes` are not sent.
    QFuture<Result<CreatedSession>> impersonate(Id userId, const QString& reason, int minutes) override;

    // The signed-in admin's own keys only (Capability::ApiKeysOfOthers is missing).
    using Backend::listApiKeys;
    QFuture<Result<Page<ApiKey>>> listApiKeys(const ApiKeyQuery& query) override;
    QFuture<Result<CreatedApiKey>> createApiKey(const NewApiKey& key) override;
    QFuture<Status> revokeApiKey(Id keyId) override;
    QFuture<Result<ApiKey>> getApiKey(Id keyId) override;
    QFuture<Result<ApiKey>> updateApiKey(Id keyId, const ApiKeyUpdate& update) override;
    QFuture<Result<CreatedApiKey>> rotateApiKey(Id keyId, qint64 graceSeconds) override;

    // The organizations the signed-in admin is a member of (better-auth lists no others).
    QFuture<Result<QList<Organization>>> listOrganizations() override;
    QFuture<Result<Organization>> createOrganization(const NewOrganization& organization) override;
    QFuture<Result<Organization>> updateOrganization(Id organizationId, const OrganizationUpdate& update) override;
    QFuture<Result<Organization>> suspendOrganization(Id organizationId) override;
    QFuture<Result<Organization>> unsuspendOrganization(Id organizationId) override;
    QFuture<Status> wipeOutOrganization(Id organizationId, const QString& confirmSlug) override;
    // better-auth fixes how long an invitation is valid (48 hours by default): `validDays` is not sent.
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

    // One HTTP answer with a 2xx status.
    struct Response
    {
        int status = 0;
        QByteArray body;
        QHash<QByteArray, QByteArray> headers; // lower-case names
        QHash<QByteArray, QByteArray> cookies; // Set-Cookie: name -> value
    };

private:
    struct Request
    {
        QByteArray method = "GET";
        QString path;
        QUrlQuery query;
        QByteArray body; // JSON; empty = no body ("{}" for a POST)
        bool authenticated = true; // with the admin's bearer token
        QByteArray bearer; // another bearer token instead of the admin's
        QByteArray cookie; // a Cookie header (then Origin too)
    };

    void send(Request request, std::function<void(const Result<Response>&)> done);
    void finished(QNetworkReply* reply, const Request& request,
                  const std::function<void(const Result<Response>&)>& done);
    ServiceError errorFor(QNetworkReply* reply, int status, const QByteArray& body, bool authenticated) const;
    void endSession(const QString& reason);
    // After better-auth refused an admin request as not allowed: the user's roles changed. Reads
    // them again; the actor keeps no admin rights, and actorChanged() says so.
    void loseAdminRights();
    template <typename T, typename Decode> QFuture<Result<T>> call(Request request, Decode decode);
    template <typename T> QFuture<Result<T>> refuse(Capability missing) const;
    template <typename T> static QFuture<Result<T>> done(Result<T> result);

    User userFromJson(const QJsonObject& o);
    Session sessionFromJson(const QJsonObject& o);
    ApiKey apiKeyFromJson(const QJsonObject& o);
    Organization organizationFromJson(const QJsonObject& o);
    Invitation invitationFromJson(const QJsonObject& o);

    // The user behind a local id (get-user): for our own rules that need the target, and for role changes.
    QFuture<Result<User>> fetchUser(Id userId);
    // Our rules better-auth lacks (policy::canActOnUser: never ban or remove yourself): the refusal.
    std::optional<ServiceError> refusal(const User& target, policy::UserAction action) const;
    QFuture<Status> setRoles(Id userId, std::function<QStringList(const QStringList&)> change);
    QFuture<Result<Page<User>>> listMembers(const UserQuery& query);

    QPointer<QNetworkAccessManager> m_network;
    QUrl m_baseUrl;
    int m_timeoutMs = kDefaultTimeoutMs;
    QSslConfiguration m_ssl;
    QByteArray m_token; // the admin's bearer token
    Actor m_actor;
    std::shared_ptr<IdMap> m_idMap; // this deployment's (IdMap::forServer)
    IdMap& m_ids;
    // Built once: the panes ask on every selection change (19 translated sentences each time).
    const Capabilities m_capabilities = betterAuthCapabilities();
    // Impersonation session Id -> better-auth's admin_session cookie that stop-impersonating needs.
    QHash<Id, QByteArray> m_adminSessionCookies;
    QList<QPointer<QNetworkReply>> m_inFlight;
};

} // namespace portcullis
