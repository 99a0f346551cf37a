#include "betterauthbackend.h"

#include "policy/catalog.h"
#include "policy/policy.h"
#include "rest/jsoncodec.h"
#include "rest/transport.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkCookie>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPromise>
#include <QSet>

#include <algorithm>

namespace portcullis {

Q_LOGGING_CATEGORY(lcBetterAuth, "portcullis.betterauth", QtInfoMsg)

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::BetterAuth)
};

using Response = BetterAuthBackend::Response;

constexpr char kAdminSessionCookie[] = "better-auth.admin_session";

QString sessionEndedMessage()
{
    return Tr::tr("Your session has ended; sign in again");
}

ServiceError invalidJson()
{
    return ServiceError::unavailable(Tr::tr("The server sent an answer that is not valid JSON"));
}

Result<QJsonDocument> parseDocument(const Response& response)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &error);
    if (error.error != QJsonParseError::NoError)
        return invalidJson();
    return document;
}

Result<QJsonObject> parseObject(const Response& response)
{
    const Result<QJsonDocument> document = parseDocument(response);
    if (!document.ok())
        return document.error();
    if (!document->isObject())
        return invalidJson();
    return document->object();
}

Result<QJsonArray> parseArray(const Response& response)
{
    const Result<QJsonDocument> document = parseDocument(response);
    if (!document.ok())
        return document.error();
    if (!document->isArray())
        return invalidJson();
    return document->array();
}

QByteArray toBody(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString str(const QJsonObject& o, const char* key)
{
    return o.value(QLatin1String(key)).toString();
}

QStringList splitRoles(const QString& role)
{
    QStringList roles;
    for (const QString& part : role.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString trimmed = part.trimmed();
        if (!trimmed.isEmpty() && !roles.contains(trimmed))
            roles << trimmed;
    }
    return roles;
}

// better-auth's list-users sortBy for the console's sort keys; usernames and last sign-in do not exist
// there, so those sort by email (docs/better-auth.md).
QString sortField(const QString& sortBy)
{
    if (sortBy == QLatin1String("full_name"))
        return QStringLiteral("name");
    if (sortBy == QLatin1String("created_at"))
        return QStringLiteral("createdAt");
    return QStringLiteral("email");
}

} // namespace

// --- ids -------------------------------------------------------------------------------------------

std::shared_ptr<IdMap> IdMap::forServer(const QUrl& baseUrl)
{
    static QMutex mutex;
    static QHash<QString, std::weak_ptr<IdMap>> maps;
    const QString key = baseUrl.adjusted(QUrl::StripTrailingSlash | QUrl::RemoveUserInfo).toString();
    QMutexLocker lock(&mutex);
    std::shared_ptr<IdMap> map = maps.value(key).lock();
    if (!map) {
        map = std::make_shared<IdMap>();
        maps.insert(key, map);
    }
    return map;
}

Id IdMap::local(const QString& remote)
{
    if (remote.isEmpty())
        return 0;
    QMutexLocker lock(&m_mutex);
    const auto it = m_local.constFind(remote);
    if (it != m_local.constEnd())
        return *it;
    const Id id = m_next++;
    m_local.insert(remote, id);
    m_remote.insert(id, remote);
    return id;
}

QString IdMap::remote(Id local) const
{
    QMutexLocker lock(&m_mutex);
    return m_remote.value(local);
}

void IdMap::setEmail(Id user, const QString& email)
{
    QMutexLocker lock(&m_mutex);
    m_emails.insert(user, email);
}

QString IdMap::email(Id user) const
{
    QMutexLocker lock(&m_mutex);
    return m_emails.value(user);
}

void IdMap::setSessionToken(Id session, const QByteArray& token)
{
    QMutexLocker lock(&m_mutex);
    m_sessionTokens.insert(session, token);
}

QByteArray IdMap::sessionToken(Id session) const
{
    QMutexLocker lock(&m_mutex);
    return m_sessionTokens.value(session);
}

void IdMap::forgetSessionToken(Id session)
{
    QMutexLocker lock(&m_mutex);
    m_sessionTokens.remove(session);
}

// --- the backend -----------------------------------------------------------------------------------

BetterAuthBackend::BetterAuthBackend(QNetworkAccessManager* network, const QUrl& baseUrl, QObject* parent)
    : Backend(parent)
    , m_network(network)
    , m_baseUrl(baseUrl)
    , m_ssl(QSslConfiguration::defaultConfiguration())
    , m_idMap(IdMap::forServer(baseUrl))
    , m_ids(*m_idMap)
{ }

BetterAuthBackend::~BetterAuthBackend()
{
    cancelAll();
}

QString BetterAuthBackend::describe() const
{
    return Tr::tr("better-auth at %1").arg(m_baseUrl.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash));
}

Status BetterAuthBackend::trustCaFile(const QString& pemFile)
{
    return rest::trustCaFile(m_ssl, pemFile);
}

void BetterAuthBackend::cancelAll()
{
    const QList<QPointer<QNetworkReply>> replies = std::exchange(m_inFlight, {});
    for (const QPointer<QNetworkReply>& reply : replies) {
        if (reply)
            reply->abort();
    }
}

Capabilities BetterAuthBackend::betterAuthCapabilities()
{
    Capabilities c;
    const auto missing = [&c](Capability capability, const QString& why) {
        c.set &= ~CapabilitySet(capability);
        c.reasons.insert(capability, why);
    };
    missing(Capability::RoleCatalog, Tr::tr("This server has no role catalog: roles are names without levels."));
    missing(Capability::PermissionCatalog, Tr::tr("This server has no permission catalog."));
    missing(Capability::AuditLog, Tr::tr("This server keeps no audit log."));
    missing(Capability::Statistics, Tr::tr("This server keeps no statistics; the users list shows the total."));
    missing(Capability::SessionList,
            Tr::tr("This server lists sessions only per user: choose a user to see their sessions."));
    missing(Capability::SuspendUsers, Tr::tr("This server cannot suspend users; ban them instead."));
    missing(Capability::MoveUsers, Tr::tr("Users of this server belong to no single organization."));
    missing(Capability::UserImportExport, Tr::tr("This server cannot import or export users."));
    missing(Capability::DeploymentSettings, Tr::tr("This server's settings live in its code, not in the console."));
    missing(Capability::Maintenance, Tr::tr("This server runs no maintenance from the console."));
    missing(Capability::PasswordResetCodes, Tr::tr("This server hands out no password reset codes to administrators."));
    missing(Capability::ApiKeyRotation, Tr::tr("This server cannot rotate API keys or change their scopes."));
    missing(Capability::OrganizationLifecycle,
            Tr::tr("This server's organizations have no plans, seat limits or suspension."));
    missing(Capability::Usernames, Tr::tr("Users of this server have no username, only an email address."));
    missing(Capability::ApiKeysOfOthers, Tr::tr("On this server administrators manage only their own API keys."));
    missing(Capability::LastSignIn, Tr::tr("This server does not record when users last signed in."));
    missing(Capability::ImpersonationLength, Tr::tr("This server ends every impersonation after one hour."));
    missing(Capability::ApiKeyLimits,
            Tr::tr("This server sets API-key rate limits in its own configuration; keys have no address allow-list."));
    missing(Capability::InvitationLength,
            Tr::tr("This server decides how long invitations stay valid (48 hours "
                   "unless configured otherwise)."));
    return c;
}

template <typename T> QFuture<Result<T>> BetterAuthBackend::done(Result<T> result)
{
    QPromise<Result<T>> promise;
    QFuture<Result<T>> future = promise.future();
    promise.start();
    promise.addResult(std::move(result));
    promise.finish();
    return future;
}

template <typename T> QFuture<Result<T>> BetterAuthBackend::refuse(Capability missing) const
{
    return done<T>(ServiceError::forbidden(capabilities().whyNot(missing)));
}

// --- transport -------------------------------------------------------------------------------------

void BetterAuthBackend::send(Request r, std::function<void(const Result<Response>&)> done)
{
    if (!m_network) {
        done(ServiceError::unavailable(Tr::tr("No network access")));
        return;
    }
    QUrl url = m_baseUrl;
    QString basePath = url.path();
    while (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + r.path);
    if (!r.query.isEmpty())
        url.setQuery(r.query);
    QNetworkRequest request(url);
    request.setTransferTimeout(m_timeoutMs);
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Portcullis-Console/" PORTCULLIS_VERSION));
    // No cookie jar: a cookie better-auth set must not ride along on later requests (it would also
    // make better-auth demand an Origin on every POST).
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    if (url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(m_ssl);
    const QByteArray bearer = !r.bearer.isEmpty() ? r.bearer : (r.authenticated ? m_token : QByteArray());
    if (!bearer.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + bearer);
    if (!r.cookie.isEmpty()) {
        request.setRawHeader("Cookie", r.cookie);
        // better-auth refuses a POST with cookies unless it names a trusted origin: its own.
        request.setRawHeader(
            "Origin", m_baseUrl.adjusted(QUrl::RemovePath | QUrl::RemoveQuery).toString(QUrl::RemoveUserInfo).toUtf8());
    }
    QByteArray body = r.body;
    if (body.isEmpty() && r.method == "POST")
        body = "{}";
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply* reply = body.isEmpty() ? m_network->sendCustomRequest(request, r.method)
                                          : m_network->sendCustomRequest(request, r.method, body);
    m_inFlight << QPointer<QNetworkReply>(reply);
    rest::keepSslErrors(reply);
    qCDebug(lcBetterAuth) << r.method << r.path; // never query values, headers or bodies: no secrets in the log
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, r = std::move(r), done = std::move(done)] { finished(reply, r, done); });
}

void BetterAuthBackend::finished(QNetworkReply* reply, const Request& r,
                                 const std::function<void(const Result<Response>&)>& done)
{
    reply->deleteLater();
    m_inFlight.removeIf([reply](const QPointer<QNetworkReply>& p) { return !p || p.data() == reply; });
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    if (error != QNetworkReply::NoError && (status == 0 || int(error) < 100)) {
        const ServiceError failure = rest::transportError(reply, m_timeoutMs);
        qCInfo(lcBetterAuth) << r.method << r.path << "failed:" << failure.message;
        noteReachability(
            false, Tr::tr("Cannot reach the server at %1: %2").arg(m_baseUrl.toDisplayString(), reply->errorString()));
        done(failure);
        return;
    }
    const QByteArray body = reply->readAll();
    qCDebug(lcBetterAuth) << r.method << r.path << status;
    if (status == 503)
        noteReachability(false,
                         Tr::tr("The server at %1 cannot serve requests right now").arg(m_baseUrl.toDisplayString()));
    else
        noteReachability(true);
    const bool withAdminSession = r.authenticated && r.bearer.isEmpty();
    if (status < 200 || status >= 300) {
        const ServiceError failure = errorFor(reply, status, body, withAdminSession);
        done(failure);
        // An empty 401 is better-auth's "no session": the admin's session ended (revoked, banned,
        // expired). A 401 with a code is about the request (a wrong current password, say).
        if (status == 401 && withAdminSession && QJsonDocument::fromJson(body).object().isEmpty())
            endSession(sessionEndedMessage());
        // "You are not allowed to ...": the signed-in user is no admin any more (roles changed
        // elsewhere). The console stops offering what it may no longer do.
        if (status == 403 && withAdminSession
            && str(QJsonDocument::fromJson(body).object(), "code").startsWith(QLatin1String("YOU_ARE_NOT_ALLOWED")))
            loseAdminRights();
        return;
    }
    Response response;
    response.status = status;
    response.body = body;
    for (const auto& [name, value] : reply->rawHeaderPairs())
        response.headers.insert(name.toLower(), value);
    const QList<QNetworkCookie> cookies
        = reply->header(QNetworkRequest::SetCookieHeader).value<QList<QNetworkCookie>>();
    for (const QNetworkCookie& cookie : cookies)
        response.cookies.insert(cookie.name(), cookie.value());
    done(response);
}

void BetterAuthBackend::endSession(const QString& reason)
{
    if (m_actor.userId == 0)
        return; // said once, or never signed in
    m_actor = Actor();
    m_token.clear();
    qCInfo(lcBetterAuth) << "the session has ended";
    emit sessionEnded(reason);
}

void BetterAuthBackend::loseAdminRights()
{
    if (m_actor.userId == 0 || m_actor.permissions.isEmpty())
        return;
    Request request;
    request.path = QStringLiteral("/get-session");
    send(std::move(request), [this](const Result<Response>& response) {
        const Result<QJsonObject> answer
            = response.ok() ? parseObject(*response) : Result<QJsonObject>(response.error());
        if (m_actor.userId == 0 || m_actor.permissions.isEmpty())
            return;
        if (answer.ok() && answer->value(QLatin1String("user")).isObject())
            m_actor.roleCodes = splitRoles(str(answer->value(QLatin1String("user")).toObject(), "role"));
        m_actor.permissions.clear();
        m_actor.level = 0;
        qCInfo(lcBetterAuth) << "the signed-in user is no longer an admin";
        emit actorChanged();
    });
}

ServiceError BetterAuthBackend::errorFor(QNetworkReply* reply, int status, const QByteArray& body,
                                         bool authenticated) const
{
    const QJsonObject answer = QJsonDocument::fromJson(body).object();
    const QString code = str(answer, "code");
    const QString message = str(answer, "message");
    // The codes the console has its own words for.
    if (code == QLatin1String("INVALID_EMAIL_OR_PASSWORD"))
        return ServiceError::unauthenticated(Tr::tr("Wrong email or password"));
    if (code == QLatin1String("BANNED_USER"))
        return ServiceError::forbidden(Tr::tr("This account is banned"));
    if (code.startsWith(QLatin1String("USER_ALREADY_EXISTS"))) {
        // As the database says it: a field error on the email, and why (a taken unique value).
        ServiceError error = ServiceError::validationField(QStringLiteral("email"),
                                                           Tr::tr("A user with this email address already exists"));
        error.reason = ErrorReason::Duplicate;
        return error;
    }
    if (code == QLatin1String("USER_NOT_FOUND"))
        return ServiceError::notFound(Tr::tr("The user no longer exists on the server"));
    if (code == QLatin1String("INVALID_EMAIL"))
        return ServiceError::validationField(QStringLiteral("email"), Tr::tr("This is not a valid email address"));
    if (code == QLatin1String("INVALID_PASSWORD"))
        return ServiceError::validationField(QStringLiteral("current_password"),
                                             Tr::tr("The current password is not right"));
    if (code == QLatin1String("PASSWORD_TOO_SHORT"))
        return ServiceError::validationField(QStringLiteral("password"), Tr::tr("The password is too short"));
    if (code == QLatin1String("PASSWORD_TOO_LONG"))
        return ServiceError::validationField(QStringLiteral("password"), Tr::tr("The password is too long"));
    if (code == QLatin1String("YOU_CANNOT_BAN_YOURSELF") || code == QLatin1String("YOU_CANNOT_REMOVE_YOURSELF"))
        return ServiceError::forbidden(Tr::tr("You cannot do this to your own account"));

    const QString detail = message.isEmpty() ? Tr::tr("The server refused the request (HTTP %1)").arg(status)
                                             : Tr::tr("The server refused the request: %1").arg(message);
    switch (status) {
    case 401:
        return ServiceError::unauthenticated(authenticated ? sessionEndedMessage() : detail);
    case 403:
        return ServiceError::forbidden(detail);
    case 404:
    case 405:
        return ServiceError::notFound(message.isEmpty() ? Tr::tr("The server does not know this request or record")
                                                        : detail);
    case 409:
        return ServiceError::conflict(detail);
    case 429: {
        int wait = reply->rawHeader("Retry-After").toInt();
        if (wait <= 0)
            wait = reply->rawHeader("X-Retry-After").toInt();
        return ServiceError::rateLimited(
            Tr::tr("Too many requests: wait %1 seconds and try again.").arg(qMax(1, wait)));
    }
    case 503:
        return ServiceError::unavailable(detail);
    default:
        break;
    }
    if (status >= 500)
        return ServiceError::storage(Tr::tr("The server failed (HTTP %1): %2")
                                         .arg(status)
                                         .arg(message.isEmpty() ? Tr::tr("no reason given") : message));
    return ServiceError::validation(detail);
}

template <typename T, typename Decode> QFuture<Result<T>> BetterAuthBackend::call(Request request, Decode decode)
{
    auto promise = std::make_shared<QPromise<Result<T>>>();
    QFuture<Result<T>> future = promise->future();
    promise->start();
    send(std::move(request), [promise, decode](const Result<Response>& response) {
        if (!response.ok())
            promise->addResult(Result<T>(response.error()));
        else
            promise->addResult(decode(*response));
        promise->finish();
    });
    return future;
}

// --- decoding --------------------------------------------------------------------------------------

User BetterAuthBackend::userFromJson(const QJsonObject& o)
{
    User u;
    u.id = m_ids.local(str(o, "id"));
    u.email = str(o, "email");
    if (u.id != 0 && !u.email.isEmpty())
        m_ids.setEmail(u.id, u.email);
    u.fullName = str(o, "name");
    u.verified = o.value(QLatin1String("emailVerified")).toBool();
    u.createdAt = rest::timeFromJson(o.value(QLatin1String("createdAt")));
    u.roleCodes = splitRoles(str(o, "role"));
    if (o.value(QLatin1String("banned")).toBool()) {
        u.banReason = str(o, "banReason");
        if (u.banReason.isEmpty())
            u.banReason = QStringLiteral("No reason"); // better-auth's own default reason
        u.banExpiresAt = rest::timeFromJson(o.value(QLatin1String("banExpires")));
    }
    return u;
}

Session BetterAuthBackend::sessionFromJson(const QJsonObject& o)
{
    Session s;
    s.id = m_ids.local(str(o, "id"));
    s.userId = m_ids.local(str(o, "userId"));
    s.ip = str(o, "ipAddress");
    s.userAgent = str(o, "userAgent");
    s.createdAt = rest::timeFromJson(o.value(QLatin1String("createdAt")));
    s.lastSeenAt = rest::timeFromJson(o.value(QLatin1String("updatedAt")));
    s.expiresAt = rest::timeFromJson(o.value(QLatin1String("expiresAt")));
    s.userEmail = m_ids.email(s.userId);
    s.impersonatorId = m_ids.local(str(o, "impersonatedBy"));
    s.impersonatorEmail = m_ids.email(s.impersonatorId);
    s.organizationId = m_ids.local(str(o, "activeOrganizationId"));
    const QString token = str(o, "token");
    if (!token.isEmpty() && s.id != 0)
        m_ids.setSessionToken(s.id, token.toUtf8());
    return s;
}

ApiKey BetterAuthBackend::apiKeyFromJson(const QJsonObject& o)
{
    ApiKey k;
    k.id = m_ids.local(str(o, "id"));
    k.name = str(o, "name");
    k.userId = m_ids.local(str(o, "referenceId").isEmpty() ? str(o, "userId") : str(o, "referenceId"));
    k.prefix = str(o, "prefix") + str(o, "start");
    k.expiresAt = rest::timeFromJson(o.value(QLatin1String("expiresAt")));
    k.createdAt = rest::timeFromJson(o.value(QLatin1String("createdAt")));
    k.lastUsedAt = rest::timeFromJson(o.value(QLatin1String("lastRequest")));
    k.revoked = o.contains(QLatin1String("enabled")) && !o.value(QLatin1String("enabled")).toBool();
    // better-auth counts per window (default 10 per day): per minute only when that is what it says.
    const qint64 window = o.value(QLatin1String("rateLimitTimeWindow")).toInteger();
    const int max = o.value(QLatin1String("rateLimitMax")).toInt();
    k.rateLimitPerMinute = o.value(QLatin1String("rateLimitEnabled")).toBool() && window == 60000 ? max : 0;
    if (k.userId == m_actor.userId)
        k.ownerEmail = m_actor.email;
    return k;
}

Organization BetterAuthBackend::organizationFromJson(const QJsonObject& o)
{
    Organization g;
    g.id = m_ids.local(str(o, "id"));
    g.name = str(o, "name");
    g.slug = str(o, "slug");
    g.plan.clear();
    g.maxUsers = 0;
    g.createdAt = rest::timeFromJson(o.value(QLatin1String("createdAt")));
    if (o.contains(QLatin1String("members")))
        g.userCount = o.value(QLatin1String("members")).toArray().size();
    const QJsonArray invitations = o.value(QLatin1String("invitations")).toArray();
    for (const QJsonValue& i : invitations) {
        if (i.toObject().value(QLatin1String("status")).toString() == QLatin1String("pending"))
            ++g.pendingInvitations;
    }
    return g;
}

Invitation BetterAuthBackend::invitationFromJson(const QJsonObject& o)
{
    Invitation i;
    i.id = m_ids.local(str(o, "id"));
    i.organizationId = m_ids.local(str(o, "organizationId"));
    i.email = str(o, "email");
    i.roleCode = str(o, "role");
    i.invitedBy = m_ids.local(str(o, "inviterId"));
    i.createdAt = rest::timeFromJson(o.value(QLatin1String("createdAt")));
    i.expiresAt = rest::timeFromJson(o.value(QLatin1String("expiresAt")));
    const QString status = str(o, "status");
    if (status == QLatin1String("accepted"))
        i.acceptedAt = i.createdAt.isValid() ? i.createdAt : QDateTime::currentDateTimeUtc();
    i.revoked = status == QLatin1String("canceled") || status == QLatin1String("rejected");
    return i;
}

// --- connection and sign-in ------------------------------------------------------------------------

QFuture<Result<bool>> BetterAuthBackend::detect(QNetworkAccessManager* network, const QUrl& baseUrl, int timeoutMs)
{
    auto promise = std::make_shared<QPromise<Result<bool>>>();
    QFuture<Result<bool>> future = promise->future();
    promise->start();
    QUrl url = baseUrl;
    QString path = url.path();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    url.setPath(path + QStringLiteral("/ok"));
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    QNetworkReply* reply = network->get(request);
    rest::keepSslErrors(reply);
    QObject::connect(reply, &QNetworkReply::finished, reply, [reply, promise, timeoutMs] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError && (status == 0 || int(reply->error()) < 100)) {
            promise->addResult(Result<bool>(rest::transportError(reply, timeoutMs)));
        } else {
            const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
            promise->addResult(Result<bool>(status == 200 && answer.value(QLatin1String("ok")).toBool()));
        }
        promise->finish();
    });
    return future;
}

QFuture<Status> BetterAuthBackend::checkConnection()
{
    Request request;
    request.path = QStringLiteral("/ok");
    request.authenticated = false;
    return call<void>(std::move(request), [](const Response&) { return Status(); });
}

QFuture<Result<SignedIn>> BetterAuthBackend::signIn(const QString& emailOrUsername, const QString& password)
{
    auto promise = std::make_shared<QPromise<Result<SignedIn>>>();
    QFuture<Result<SignedIn>> future = promise->future();
    promise->start();
    m_token.clear();
    m_actor = Actor();
    const auto fail = [promise](const ServiceError& error) {
        promise->addResult(Result<SignedIn>(error));
        promise->finish();
    };
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/sign-in/email");
    request.authenticated = false;
    request.body = toBody({ { QStringLiteral("email"), emailOrUsername }, { QStringLiteral("password"), password } });
    send(std::move(request), [this, promise, fail](const Result<Response>& response) {
        if (!response.ok())
            return fail(response.error());
        const QByteArray token = response->headers.value("set-auth-token");
        if (token.isEmpty())
            return fail(ServiceError::unavailable(
                Tr::tr("The server signed in without a bearer token: is better-auth's bearer plugin enabled?")));
        m_token = token;
        Request current;
        current.path = QStringLiteral("/get-session");
        send(std::move(current), [this, promise, fail](const Result<Response>& sessionAnswer) {
            const Result<QJsonObject> answer
                = sessionAnswer.ok() ? parseObject(*sessionAnswer) : Result<QJsonObject>(sessionAnswer.error());
            if (!answer.ok() || !answer->value(QLatin1String("user")).isObject()) {
                m_token.clear();
                return fail(answer.ok() ? invalidJson() : answer.error());
            }
            const User user = userFromJson(answer->value(QLatin1String("user")).toObject());
            const Session session = sessionFromJson(answer->value(QLatin1String("session")).toObject());
            // Whether the server counts this user as an admin (its adminRoles and adminUserIds are
            // its own configuration): ask it, with the cheapest admin request.
            Request probe;
            probe.path = QStringLiteral("/admin/list-users");
            probe.query.addQueryItem(QStringLiteral("limit"), QStringLiteral("1"));
            send(std::move(probe), [this, promise, fail, user, session](const Result<Response>& probeAnswer) {
                if (!probeAnswer.ok()) {
                    if (probeAnswer.error().code != ErrorCode::Forbidden) {
                        m_token.clear();
                        return fail(probeAnswer.error());
                    }
                    // Not an admin: end the session it opened, then say why.
                    Request out;
                    out.method = "POST";
                    out.path = QStringLiteral("/sign-out");
                    send(std::move(out), [this, fail, email = user.email](const Result<Response>&) {
                        m_token.clear();
                        fail(ServiceError::forbidden(
                            Tr::tr("%1 is not an administrator of this better-auth server: the console needs an "
                                   "account with the admin role")
                                .arg(email)));
                    });
                    return;
                }
                Actor actor;
                actor.kind = Actor::Kind::User;
                actor.userId = user.id;
                actor.sessionId = session.id;
                actor.email = user.email;
                actor.roleCodes = user.roleCodes;
                // A better-auth admin manages every user of the deployment (no tenants, no levels):
                // the console treats it as a super admin with the rights better-auth gives admins.
                actor.level = Level::SuperAdmin;
                actor.permissions = { perm::UserView,        perm::UserRead,     perm::UserCreate,  perm::UserEdit,
                                      perm::UserUpdate,      perm::UserDelete,   perm::UserRoles,   perm::UserBan,
                                      perm::UserImpersonate, perm::RoleAssign,   perm::SessionRead, perm::SessionRevoke,
                                      perm::OrgView,         perm::OrgCreate,    perm::OrgEdit,     perm::OrgInvite,
                                      perm::ApiKeyView,      perm::ApiKeyCreate, perm::ApiKeyRevoke };
                m_actor = actor;
                SignedIn signedIn;
                signedIn.actor = actor;
                signedIn.session = session;
                signedIn.session.userEmail = user.email;
                qCInfo(lcBetterAuth) << "signed in to" << m_baseUrl.toDisplayString() << "as user" << actor.userId;
                promise->addResult(Result<SignedIn>(signedIn));
                promise->finish();
            });
        });
    });
    return future;
}

QFuture<Status> BetterAuthBackend::signOut()
{
    auto promise = std::make_shared<QPromise<Status>>();
    QFuture<Status> future = promise->future();
    promise->start();
    if (m_token.isEmpty()) {
        m_actor = Actor();
        promise->addResult(Status());
        promise->finish();
        return future;
    }
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/sign-out");
    send(std::move(request), [this, promise](const Result<Response>& response) {
        m_token.clear();
        m_actor = Actor();
        m_adminSessionCookies.clear();
        promise->addResult(
            response.ok() || response.error().code == ErrorCode::Unauthenticated ? Status() : Status(response.error()));
        promise->finish();
    });
    return future;
}

// --- users -----------------------------------------------------------------------------------------

std::optional<ServiceError> BetterAuthBackend::refusal(const User& target, policy::UserAction action) const
{
    if (const policy::Decision decision = policy::canActOnUser(m_actor, target, action); !decision)
        return ServiceError::forbidden(decision.reason);
    return std::nullopt;
}

namespace {

// A user known only by its local id: enough for the rules that look at who it is (oneself or not).
User userWithId(Id id)
{
    User u;
    u.id = id;
    return u;
}

} // namespace

QFuture<Result<Page<User>>> BetterAuthBackend::listUsers(const UserQuery& query)
{
    if (query.organizationId != 0)
        return listMembers(query);
    const int limit = qMax(1, query.limit);
    const int offset = (qMax(1, query.page) - 1) * limit;
    Page<User> empty;
    empty.page = query.page;
    empty.limit = limit;
    // Suspended, locked and deleted accounts do not exist on better-auth: such a filter finds none.
    // "all" (deleted users too) is every user there is.
    const QString status = query.status == QLatin1String("all") ? QString() : query.status;
    if (!status.isEmpty() && status != QLatin1String("banned") && status != QLatin1String("active"))
        return done<Page<User>>(empty);
    if (!status.isEmpty() && !query.roleCode.isEmpty())
        return done<Page<User>>(ServiceError::validation(
            Tr::tr("This server filters users by one thing at a time: choose a role or a status, not both")));

    // better-auth searches one field at a time. A search with an @ looks at emails only; any other
    // looks at emails and names, in two requests merged here (then the total is at least the larger).
    QStringList fields { QStringLiteral("email") };
    if (!query.search.isEmpty() && !query.search.contains(QLatin1Char('@')))
        fields << QStringLiteral("name");
    if (query.search.isEmpty())
        fields = { QString() };

    struct Merge
    {
        QList<QList<QJsonObject>> lists;
        QList<qint64> totals;
        int waiting = 0;
        std::optional<ServiceError> failure;
    };
    auto merge = std::make_shared<Merge>();
    merge->lists.resize(fields.size());
    merge->totals.resize(fields.size());
    merge->waiting = int(fields.size());
    auto promise = std::make_shared<QPromise<Result<Page<User>>>>();
    QFuture<Result<Page<User>>> future = promise->future();
    promise->start();
    const QString sortBy = sortField(query.sortBy);
    for (int i = 0; i < fields.size(); ++i) {
        Request request;
        request.path = QStringLiteral("/admin/list-users");
        QUrlQuery& q = request.query;
        if (!fields[i].isEmpty()) {
            // better-auth stores emails in lower case, and its memory adapter compares as is.
            q.addQueryItem(QStringLiteral("searchValue"),
                           fields[i] == QLatin1String("email") ? query.search.toLower() : query.search);
            q.addQueryItem(QStringLiteral("searchField"), fields[i]);
            q.addQueryItem(QStringLiteral("searchOperator"), QStringLiteral("contains"));
        }
        // Merging two answers needs the first offset + limit of each; one answer is paged by the server.
        q.addQueryItem(QStringLiteral("limit"), QString::number(fields.size() > 1 ? offset + limit : limit));
        q.addQueryItem(QStringLiteral("offset"), QString::number(fields.size() > 1 ? 0 : offset));
        q.addQueryItem(QStringLiteral("sortBy"), sortBy);
        q.addQueryItem(QStringLiteral("sortDirection"),
                       query.descending ? QStringLiteral("desc") : QStringLiteral("asc"));
        if (!query.roleCode.isEmpty()) {
            // Roles are stored comma-joined: "contains" finds a role among several.
            q.addQueryItem(QStringLiteral("filterField"), QStringLiteral("role"));
            q.addQueryItem(QStringLiteral("filterValue"), query.roleCode);
            q.addQueryItem(QStringLiteral("filterOperator"), QStringLiteral("contains"));
        } else if (!status.isEmpty()) {
            q.addQueryItem(QStringLiteral("filterField"), QStringLiteral("banned"));
            q.addQueryItem(QStringLiteral("filterValue"),
                           status == QLatin1String("banned") ? QStringLiteral("true") : QStringLiteral("false"));
            q.addQueryItem(QStringLiteral("filterOperator"), QStringLiteral("eq"));
        }
        send(std::move(request),
             [this, merge, promise, i, query, offset, limit, sortBy](const Result<Response>& response) {
                 const Result<QJsonObject> answer
                     = response.ok() ? parseObject(*response) : Result<QJsonObject>(response.error());
                 if (!answer.ok())
                     merge->failure = answer.error();
                 else if (!answer->value(QLatin1String("users")).isArray())
                     merge->failure = invalidJson();
                 else {
                     for (const QJsonValue& v : answer->value(QLatin1String("users")).toArray())
                         merge->lists[i] << v.toObject();
                     merge->totals[i] = answer->value(QLatin1String("total")).toInteger();
                 }
                 if (--merge->waiting > 0)
                     return;
                 if (merge->failure) {
                     promise->addResult(Result<Page<User>>(*merge->failure));
                     promise->finish();
                     return;
                 }
                 Page<User> page;
                 page.page = query.page;
                 page.limit = limit;
                 QList<QJsonObject> rows = merge->lists.value(0);
                 if (merge->lists.size() > 1) {
                     QSet<QString> seen;
                     for (const QJsonObject& o : std::as_const(rows))
                         seen.insert(str(o, "id"));
                     int overlap = 0;
                     for (const QJsonObject& o : std::as_const(merge->lists[1])) {
                         if (seen.contains(str(o, "id")))
                             ++overlap;
                         else
                             rows << o;
                     }
                     const QString key = sortBy;
                     const bool descending = query.descending;
                     std::stable_sort(rows.begin(), rows.end(),
                                      [&key, descending](const QJsonObject& a, const QJsonObject& b) {
                                          // As better-auth orders (code units): the pages fit together.
                                          const int c = QString::compare(a.value(key).toString(),
                                                                         b.value(key).toString(), Qt::CaseSensitive);
                                          return descending ? c > 0 : c < 0;
                                      });
                     rows = rows.mid(offset, limit);
                     const qint64 larger = qMax(merge->totals[0], merge->totals[1]);
                     const qint64 sum = merge->totals[0] + merge->totals[1];
                     // Exact when both lists came back whole (every overlap seen); else a lower bound.
                     const bool complete
                         = merge->lists[0].size() == merge->totals[0] && merge->lists[1].size() == merge->totals[1];
                     page.total = complete ? sum - overlap : larger;
                     page.totalIsLowerBound = !complete;
                 } else {
                     page.total = merge->totals.value(0);
                 }
                 for (const QJsonObject& o : std::as_const(rows))
                     page.items << userFromJson(o);
                 promise->addResult(Result<Page<User>>(page));
                 promise->finish();
             });
    }
    return future;
}

QFuture<Result<Page<User>>> BetterAuthBackend::listMembers(const UserQuery& query)
{
    const QString organization = m_ids.remote(query.organizationId);
    if (organization.isEmpty())
        return done<Page<User>>(ServiceError::notFound(Tr::tr("No such organization")));
    Request request;
    request.path = QStringLiteral("/organization/list-members");
    request.query.addQueryItem(QStringLiteral("organizationId"), organization);
    // list-members pages (limit/offset, with the total) but neither searches nor filters: without a
    // search or role the server pages; with one, the first kMemberScan members are searched here.
    const int limit = qMax(1, query.limit);
    const int page = qMax(1, query.page);
    const bool filtered = !query.search.isEmpty() || !query.roleCode.isEmpty();
    constexpr int kMemberScan = 1000;
    request.query.addQueryItem(QStringLiteral("limit"), QString::number(filtered ? kMemberScan : limit));
    request.query.addQueryItem(QStringLiteral("offset"), QString::number(filtered ? 0 : (page - 1) * limit));
    return call<Page<User>>(std::move(request),
                            [this, query, limit, page, filtered](const Response& response) -> Result<Page<User>> {
                                const Result<QJsonObject> answer = parseObject(response);
                                if (!answer.ok())
                                    return answer.error();
                                // Members carry the organization's roles (owner, admin, member), not the user's own
                                // role.
                                QList<User> users;
                                for (const QJsonValue& v : answer->value(QLatin1String("members")).toArray()) {
                                    const QJsonObject member = v.toObject();
                                    User u = userFromJson(member.value(QLatin1String("user")).toObject());
                                    u.organizationId = m_ids.local(str(member, "organizationId"));
                                    u.roleCodes = splitRoles(str(member, "role"));
                                    u.createdAt = rest::timeFromJson(member.value(QLatin1String("createdAt")));
                                    if (!query.search.isEmpty() && !u.email.contains(query.search, Qt::CaseInsensitive)
                                        && !u.fullName.contains(query.search, Qt::CaseInsensitive))
                                        continue;
                                    if (!query.roleCode.isEmpty() && !u.roleCodes.contains(query.roleCode))
                                        continue;
                                    users << u;
                                }
                                Page<User> result;
                                result.limit = limit;
                                result.page = page;
                                const qint64 members = answer->value(QLatin1String("total")).toInteger();
                                if (!filtered) {
                                    result.total = qMax<qint64>(members, users.size());
                                    result.items = users;
                                } else {
                                    result.total = users.size();
                                    // Members past the scan may match too.
                                    result.totalIsLowerBound = members > kMemberScan;
                                    result.items = users.mid((page - 1) * limit, limit);
                                }
                                return result;
                            });
}

QFuture<Result<User>> BetterAuthBackend::fetchUser(Id userId)
{
    const QString remote = m_ids.remote(userId);
    if (remote.isEmpty())
        return done<User>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    Request request;
    request.path = QStringLiteral("/admin/get-user");
    request.query.addQueryItem(QStringLiteral("id"), remote);
    return call<User>(std::move(request), [this](const Response& response) -> Result<User> {
        const Result<QJsonObject> answer = parseObject(response);
        if (!answer.ok())
            return answer.error();
        return userFromJson(*answer);
    });
}

QFuture<Result<User>> BetterAuthBackend::getUser(Id userId)
{
    return fetchUser(userId);
}

namespace {

// An answer that is {"user": User} (most admin writes) or the bare User (get-user, update-user).
QJsonObject userObject(const QJsonObject& answer)
{
    return answer.value(QLatin1String("user")).isObject() ? answer.value(QLatin1String("user")).toObject() : answer;
}

} // namespace

QFuture<Result<User>> BetterAuthBackend::createUser(const NewUser& user)
{
    if (!user.username.isEmpty())
        return refuse<User>(Capability::Usernames);
    if (user.organizationId != 0)
        return refuse<User>(Capability::MoveUsers);
    if (const Status email = policy::validateEmail(user.email); !email.ok())
        return done<User>(email.error());
    QJsonObject body { { QStringLiteral("email"), user.email },
                       { QStringLiteral("name"), user.fullName.isEmpty() ? user.email : user.fullName },
                       { QStringLiteral("role"), QJsonArray::fromStringList(user.roleCodes) } };
    if (!user.password.isEmpty())
        body.insert(QStringLiteral("password"), user.password);
    if (user.verified)
        body.insert(QStringLiteral("data"), QJsonObject { { QStringLiteral("emailVerified"), true } });
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/admin/create-user");
    request.body = toBody(body);
    return announce(Record::Users, call<User>(std::move(request), [this](const Response& response) -> Result<User> {
                        const Result<QJsonObject> answer = parseObject(response);
                        if (!answer.ok())
                            return answer.error();
                        return userFromJson(userObject(*answer));
                    }));
}

QFuture<Result<User>> BetterAuthBackend::updateUser(Id userId, const UserUpdate& update)
{
    if (update.username && !update.username->isEmpty())
        return refuse<User>(Capability::Usernames);
    if (const auto refused = refusal(userWithId(userId), policy::UserAction::Edit))
        return done<User>(*refused);
    const QString remote = m_ids.remote(userId);
    if (remote.isEmpty())
        return done<User>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    QJsonObject data;
    if (update.email) {
        if (const Status email = policy::validateEmail(*update.email); !email.ok())
            return done<User>(email.error());
        data.insert(QStringLiteral("email"), *update.email);
    }
    if (update.fullName)
        data.insert(QStringLiteral("name"), *update.fullName);
    if (update.verified)
        data.insert(QStringLiteral("emailVerified"), *update.verified);
    if (data.isEmpty())
        return fetchUser(userId);
    // better-auth keeps no row versions: the last writer wins (update.expectedVersion is not sent).
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/admin/update-user");
    request.body = toBody({ { QStringLiteral("userId"), remote }, { QStringLiteral("data"), data } });
    return announce(Record::Users, call<User>(std::move(request), [this](const Response& response) -> Result<User> {
                        const Result<QJsonObject> answer = parseObject(response);
                        if (!answer.ok())
                            return answer.error();
                        return userFromJson(userObject(*answer));
                    }));
}

QFuture<Status> BetterAuthBackend::deleteUser(Id userId)
{
    if (const auto refused = refusal(userWithId(userId), policy::UserAction::Delete))
        return done<void>(*refused);
    const QString remote = m_ids.remote(userId);
    if (remote.isEmpty())
        return done<void>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/admin/remove-user");
    request.body = toBody({ { QStringLiteral("userId"), remote } });
    return announce(Record::Users | Record::Sessions | Record::ApiKeys | Record::Organizations,
                    call<void>(std::move(request), [](const Response&) { return Status(); }));
}

QFuture<Result<User>> BetterAuthBackend::suspendUser(Id, const QString&)
{
    return refuse<User>(Capability::SuspendUsers);
}

QFuture<Result<User>> BetterAuthBackend::unsuspendUser(Id)
{
    return refuse<User>(Capability::SuspendUsers);
}

QFuture<Result<User>> BetterAuthBackend::banUser(Id userId, const QString& reason, const QDateTime& expiresAt)
{
    if (const auto refused = refusal(userWithId(userId), policy::UserAction::Ban))
        return done<User>(*refused);
    const QString remote = m_ids.remote(userId);
    if (remote.isEmpty())
        return done<User>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    if (reason.trimmed().isEmpty())
        return done<User>(ServiceError::validationField(QStringLiteral("reason"), Tr::tr("Give a reason for the ban")));
    QJsonObject body { { QStringLiteral("userId"), remote }, { QStringLiteral("banReason"), reason } };
    if (expiresAt.isValid()) {
        const qint64 seconds = QDateTime::currentDateTimeUtc().secsTo(expiresAt);
        if (seconds <= 0)
            return done<User>(
                ServiceError::validationField(QStringLiteral("expires_at"), Tr::tr("The ban must end in the future")));
        body.insert(QStringLiteral("banExpiresIn"), seconds);
    }
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/admin/ban-user");
    request.body = toBody(body);
    // better-auth ends every session of a banned user.
    return announce(Record::Users | Record::Sessions,
                    call<User>(std::move(request), [this](const Response& response) -> Result<User> {
                        const Result<QJsonObject> answer = parseObject(response);
                        if (!answer.ok())
                            return answer.error();
                        return userFromJson(userObject(*answer));
                    }));
}

QFuture<Result<User>> BetterAuthBackend::unbanUser(Id userId)
{
    if (const auto refused = refusal(userWithId(userId), policy::UserAction::Ban))
        return done<User>(*refused);
    // better-auth "unbans" anyone; the console says when there was no ban, as for its own users.
    auto promise = std::make_shared<QPromise<Result<User>>>();
    QFuture<Result<User>> future = promise->future();
    promise->start();
    whenDone(fetchUser(userId), this, [this, promise, userId](const Result<User>& user) {
        if (!user.ok() || !user->isBanned()) {
            promise->addResult(
                user.ok() ? Result<User>(ServiceError::conflict(Tr::tr("%1 is not banned").arg(user->email))) : user);
            promise->finish();
            return;
        }
        Request request;
        request.method = "POST";
        request.path = QStringLiteral("/admin/unban-user");
        request.body = toBody({ { QStringLiteral("userId"), m_ids.remote(userId) } });
        send(std::move(request), [this, promise](const Result<Response>& response) {
            const Result<QJsonObject> answer
                = response.ok() ? parseObject(*response) : Result<QJsonObject>(response.error());
            promise->addResult(answer.ok() ? Result<User>(userFromJson(userObject(*answer)))
                                           : Result<User>(answer.error()));
            promise->finish();
        });
    });
    return announce(Record::Users, future);
}

QFuture<Result<User>> BetterAuthBackend::moveUser(Id, Id)
{
    return refuse<User>(Capability::MoveUsers);
}

QFuture<Status> BetterAuthBackend::setPassword(Id userId, const PasswordChange& change)
{
    // better-auth's admin cannot revoke another user's API keys (ApiKeysOfOthers): asked to, refuse
    // rather than reset the password and leave the keys working.
    if (change.revokeApiKeys && userId != m_actor.userId)
        return refuse<void>(Capability::ApiKeysOfOthers);
    if (userId == m_actor.userId) {
        // One's own: better-auth's change-password, with the current password.
        if (change.currentPassword.isEmpty())
            return done<void>(ServiceError::validationField(QStringLiteral("current_password"),
                                                            Tr::tr("Enter your current password")));
        Request request;
        request.method = "POST";
        request.path = QStringLiteral("/change-password");
        request.body = toBody({ { QStringLiteral("currentPassword"), change.currentPassword },
                                { QStringLiteral("newPassword"), change.password },
                                { QStringLiteral("revokeOtherSessions"), false } });
        return announce(Record::Users, call<void>(std::move(request), [](const Response&) { return Status(); }));
    }
    if (const auto refused = refusal(userWithId(userId), policy::UserAction::SetPassword))
        return done<void>(*refused);
    const QString remote = m_ids.remote(userId);
    if (remote.isEmpty())
        return done<void>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/admin/set-user-password");
    request.body = toBody({ { QStringLiteral("userId"), remote }, { QStringLiteral("newPassword"), change.password } });
    return announce(Record::Users, call<void>(std::move(request), [](const Response&) { return Status(); }));
}

QFuture<Result<QString>> BetterAuthBackend::issuePasswordReset(Id)
{
    return refuse<QString>(Capability::PasswordResetCodes);
}

QFuture<Status> BetterAuthBackend::setRoles(Id userId, std::function<QStringList(const QStringList&)> change)
{
    // Nobody changes their own roles (better-auth would let an admin demote or re-role itself).
    if (const policy::Decision own = policy::canManageUser(m_actor, userWithId(userId), true); !own)
        return done<void>(ServiceError::forbidden(own.reason));
    auto promise = std::make_shared<QPromise<Status>>();
    QFuture<Status> future = promise->future();
    promise->start();
    whenDone(fetchUser(userId), this, [this, promise, userId, change](const Result<User>& user) {
        if (!user.ok()) {
            promise->addResult(Status(user.error()));
            promise->finish();
            return;
        }
        const QStringList roles = change(user->roleCodes);
        if (roles == user->roleCodes) {
            promise->addResult(Status());
            promise->finish();
            return;
        }
        if (roles.isEmpty()) {
            promise->addResult(Status(ServiceError::validation(Tr::tr("A user keeps at least one role"))));
            promise->finish();
            return;
        }
        Request request;
        request.method = "POST";
        request.path = QStringLiteral("/admin/set-role");
        request.body = toBody({ { QStringLiteral("userId"), m_ids.remote(userId) },
                                { QStringLiteral("role"), QJsonArray::fromStringList(roles) } });
        send(std::move(request), [promise](const Result<Response>& response) {
            promise->addResult(response.ok() ? Status() : Status(response.error()));
            promise->finish();
        });
    });
    return announce(Record::Users, future);
}

QFuture<Status> BetterAuthBackend::assignRole(Id userId, const QString& roleCode)
{
    if (const Status valid = policy::validateRoleCode(roleCode); !valid.ok())
        return done<void>(valid.error());
    return setRoles(userId, [roleCode](QStringList roles) {
        if (!roles.contains(roleCode))
            roles << roleCode;
        return roles;
    });
}

QFuture<Status> BetterAuthBackend::revokeRole(Id userId, const QString& roleCode)
{
    return setRoles(userId, [roleCode](QStringList roles) {
        roles.removeAll(roleCode);
        return roles;
    });
}

QFuture<Result<QStringList>> BetterAuthBackend::userEffectivePermissions(Id)
{
    return refuse<QStringList>(Capability::PermissionCatalog);
}

QFuture<Result<qint64>> BetterAuthBackend::exportUsers(const UserQuery&, const QString&, std::function<void(qint64)>,
                                                       std::shared_ptr<std::atomic_bool>)
{
    return refuse<qint64>(Capability::UserImportExport);
}

QFuture<Result<ImportReport>> BetterAuthBackend::importUsers(const ImportRequest&, std::function<void(int, int)>,
                                                             std::shared_ptr<std::atomic_bool>)
{
    return refuse<ImportReport>(Capability::UserImportExport);
}

// --- roles and permissions: none -------------------------------------------------------------------

QFuture<Result<QList<Role>>> BetterAuthBackend::listRoles()
{
    return refuse<QList<Role>>(Capability::RoleCatalog);
}

QFuture<Result<Role>> BetterAuthBackend::createRole(const NewRole&)
{
    return refuse<Role>(Capability::RoleCatalog);
}

QFuture<Result<Role>> BetterAuthBackend::updateRole(Id, const RoleUpdate&)
{
    return refuse<Role>(Capability::RoleCatalog);
}

QFuture<Status> BetterAuthBackend::deleteRole(Id, bool)
{
    return refuse<void>(Capability::RoleCatalog);
}

QFuture<Result<QList<Permission>>> BetterAuthBackend::listPermissions()
{
    return refuse<QList<Permission>>(Capability::PermissionCatalog);
}

QFuture<Result<QStringList>> BetterAuthBackend::roleEffectivePermissions(Id)
{
    return refuse<QStringList>(Capability::RoleCatalog);
}

QFuture<Result<QList<Permission>>> BetterAuthBackend::listOrganizationPermissions(Id)
{
    return refuse<QList<Permission>>(Capability::PermissionCatalog);
}

QFuture<Result<Permission>> BetterAuthBackend::defineOrganizationPermission(Id, const QString&, const QString&)
{
    return refuse<Permission>(Capability::PermissionCatalog);
}

QFuture<Status> BetterAuthBackend::deleteOrganizationPermission(Id, const QString&)
{
    return refuse<void>(Capability::PermissionCatalog);
}

// --- sessions --------------------------------------------------------------------------------------

QFuture<Result<Page<Session>>> BetterAuthBackend::listSessions(const SessionQuery& query)
{
    if (query.userId == 0)
        return refuse<Page<Session>>(Capability::SessionList);
    const QString remote = m_ids.remote(query.userId);
    if (remote.isEmpty())
        return done<Page<Session>>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/admin/list-user-sessions");
    request.body = toBody({ { QStringLiteral("userId"), remote } });
    return call<Page<Session>>(std::move(request), [this, query](const Response& response) -> Result<Page<Session>> {
        const Result<QJsonObject> answer = parseObject(response);
        if (!answer.ok())
            return answer.error();
        if (!answer->value(QLatin1String("sessions")).isArray())
            return invalidJson();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QList<Session> sessions;
        for (const QJsonValue& v : answer->value(QLatin1String("sessions")).toArray()) {
            Session s = sessionFromJson(v.toObject());
            if (!query.includeExpired && s.expiresAt.isValid() && s.expiresAt <= now)
                continue;
            sessions << s;
        }
        std::sort(sessions.begin(), sessions.end(),
                  [](const Session& a, const Session& b) { return a.createdAt > b.createdAt; });
        Page<Session> page;
        page.limit = qMax(1, query.limit);
        page.page = qMax(1, query.page);
        page.total = sessions.size();
        page.items = sessions.mid((page.page - 1) * page.limit, page.limit);
        return page;
    });
}

QFuture<Status> BetterAuthBackend::revokeSession(Id sessionId)
{
    const QByteArray token = m_ids.sessionToken(sessionId);
    if (token.isEmpty())
        return done<void>(ServiceError::notFound(Tr::tr("List the user's sessions again: this one is not known")));
    if (sessionId == m_actor.sessionId)
        return done<void>(ServiceError::forbidden(Tr::tr("This is the console's own session: sign out instead")));
    Request request;
    request.method = "POST";
    const QByteArray adminSession = m_adminSessionCookies.value(sessionId);
    if (!adminSession.isEmpty()) {
        // An impersonation this console started: better-auth's own way out, which deletes it.
        request.path = QStringLiteral("/admin/stop-impersonating");
        request.bearer = token;
        request.cookie = QByteArray(kAdminSessionCookie) + '=' + adminSession;
    } else {
        request.path = QStringLiteral("/admin/revoke-user-session");
        request.body = toBody({ { QStringLiteral("sessionToken"), QString::fromUtf8(token) } });
    }
    return announce(Record::Sessions, call<void>(std::move(request), [this, sessionId](const Response&) {
                        m_ids.forgetSessionToken(sessionId);
                        m_adminSessionCookies.remove(sessionId);
                        return Status();
                    }));
}

QFuture<Result<int>> BetterAuthBackend::revokeUserSessions(Id userId, bool revokeApiKeys)
{
    if (revokeApiKeys && userId != m_actor.userId)
        return refuse<int>(Capability::ApiKeysOfOthers);
    if (userId == m_actor.userId)
        return done<int>(
            ServiceError::forbidden(Tr::tr("This would end the console's own session too: sign out instead")));
    if (const auto refused = refusal(userWithId(userId), policy::UserAction::EndSessions))
        return done<int>(*refused);
    const QString remote = m_ids.remote(userId);
    if (remote.isEmpty())
        return done<int>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    // better-auth says only "success": count the sessions first so the console can say how many ended.
    auto promise = std::make_shared<QPromise<Result<int>>>();
    QFuture<Result<int>> future = promise->future();
    promise->start();
    SessionQuery query;
    query.userId = userId;
    query.limit = 1;
    whenDone(listSessions(query), this, [this, promise, remote](const Result<Page<Session>>& sessions) {
        const int count = sessions.ok() ? int(sessions->total) : 0;
        Request request;
        request.method = "POST";
        request.path = QStringLiteral("/admin/revoke-user-sessions");
        request.body = toBody({ { QStringLiteral("userId"), remote } });
        send(std::move(request), [promise, count](const Result<Response>& response) {
            promise->addResult(response.ok() ? Result<int>(count) : Result<int>(response.error()));
            promise->finish();
        });
    });
    return announce(Record::Sessions, future);
}

QFuture<Result<CreatedSession>> BetterAuthBackend::impersonate(Id userId, const QString&, int)
{
    if (const auto refused = refusal(userWithId(userId), policy::UserAction::Impersonate))
        return done<CreatedSession>(*refused);
    const QString remote = m_ids.remote(userId);
    if (remote.isEmpty())
        return done<CreatedSession>(ServiceError::notFound(Tr::tr("The user no longer exists on the server")));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/admin/impersonate-user");
    request.body = toBody({ { QStringLiteral("userId"), remote } });
    // The console keeps working with the admin's own bearer token: the impersonation's token is
    // shown once, and the admin_session cookie kept for stop-impersonating.
    return announce(
        Record::Sessions,
        call<CreatedSession>(std::move(request), [this](const Response& response) -> Result<CreatedSession> {
            const Result<QJsonObject> answer = parseObject(response);
            if (!answer.ok())
                return answer.error();
            if (!answer->value(QLatin1String("session")).isObject())
                return invalidJson();
            CreatedSession created;
            created.session = sessionFromJson(answer->value(QLatin1String("session")).toObject());
            created.session.userEmail = str(answer->value(QLatin1String("user")).toObject(), "email");
            if (created.session.impersonatorId == 0)
                created.session.impersonatorId = m_actor.userId;
            created.session.impersonatorEmail = m_actor.email;
            created.token = QString::fromUtf8(response.headers.value("set-auth-token"));
            if (created.token.isEmpty())
                created.token = QString::fromUtf8(m_ids.sessionToken(created.session.id));
            m_ids.setSessionToken(created.session.id, created.token.toUtf8());
            const QByteArray adminSession = response.cookies.value(kAdminSessionCookie);
            if (!adminSession.isEmpty())
                m_adminSessionCookies.insert(created.session.id, adminSession);
            return created;
        }));
}

// --- API keys (the admin's own) --------------------------------------------------------------------

QFuture<Result<Page<ApiKey>>> BetterAuthBackend::listApiKeys(const ApiKeyQuery& query)
{
    if (query.userId != 0 && query.userId != m_actor.userId)
        return refuse<Page<ApiKey>>(Capability::ApiKeysOfOthers);
    Request request;
    request.path = QStringLiteral("/api-key/list");
    return call<Page<ApiKey>>(std::move(request), [this, query](const Response& response) -> Result<Page<ApiKey>> {
        const Result<QJsonObject> answer = parseObject(response);
        if (!answer.ok())
            return answer.error();
        if (!answer->value(QLatin1String("apiKeys")).isArray())
            return invalidJson();
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QList<ApiKey> keys;
        for (const QJsonValue& v : answer->value(QLatin1String("apiKeys")).toArray()) {
            const ApiKey k = apiKeyFromJson(v.toObject());
            if (query.activeOnly && (k.revoked || (k.expiresAt.isValid() && k.expiresAt <= now)))
                continue;
            if (!query.search.isEmpty() && !k.name.contains(query.search, Qt::CaseInsensitive)
                && !query.search.startsWith(k.prefix) && !k.prefix.startsWith(query.search))
                continue;
            keys << k;
        }
        std::sort(keys.begin(), keys.end(), [](const ApiKey& a, const ApiKey& b) { return a.createdAt > b.createdAt; });
        Page<ApiKey> page;
        page.limit = qMax(1, query.limit);
        page.page = qMax(1, query.page);
        page.total = keys.size();
        page.items = keys.mid((page.page - 1) * page.limit, page.limit);
        return page;
    });
}

QFuture<Result<CreatedApiKey>> BetterAuthBackend::createApiKey(const NewApiKey& key)
{
    if (key.userId != 0 && key.userId != m_actor.userId)
        return refuse<CreatedApiKey>(Capability::ApiKeysOfOthers);
    // Scopes, rate limits and address lists are server-only properties in better-auth.
    if (!key.scopes.isEmpty() || key.rateLimitPerMinute != 0 || !key.ipAllowlist.isEmpty())
        return refuse<CreatedApiKey>(Capability::ApiKeyRotation);
    QJsonObject body;
    if (!key.name.isEmpty())
        body.insert(QStringLiteral("name"), key.name);
    if (key.expiresAt.isValid()) {
        const qint64 seconds = QDateTime::currentDateTimeUtc().secsTo(key.expiresAt);
        if (seconds <= 0)
            return done<CreatedApiKey>(ServiceError::validationField(QStringLiteral("expires_at"),
                                                                     Tr::tr("The key must expire in the future")));
        body.insert(QStringLiteral("expiresIn"), seconds);
    }
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api-key/create");
    request.body = toBody(body);
    return announce(Record::ApiKeys,
                    call<CreatedApiKey>(std::move(request), [this](const Response& response) -> Result<CreatedApiKey> {
                        const Result<QJsonObject> answer = parseObject(response);
                        if (!answer.ok())
                            return answer.error();
                        CreatedApiKey created;
                        created.key = apiKeyFromJson(*answer);
                        created.secret = str(*answer, "key");
                        if (created.secret.isEmpty())
                            return invalidJson();
                        return created;
                    }));
}

QFuture<Status> BetterAuthBackend::revokeApiKey(Id keyId)
{
    const QString remote = m_ids.remote(keyId);
    if (remote.isEmpty())
        return done<void>(ServiceError::notFound(Tr::tr("No such API key")));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api-key/delete");
    request.body = toBody({ { QStringLiteral("keyId"), remote } });
    return announce(Record::ApiKeys, call<void>(std::move(request), [](const Response&) { return Status(); }));
}

QFuture<Result<ApiKey>> BetterAuthBackend::getApiKey(Id keyId)
{
    const QString remote = m_ids.remote(keyId);
    if (remote.isEmpty())
        return done<ApiKey>(ServiceError::notFound(Tr::tr("No such API key")));
    Request request;
    request.path = QStringLiteral("/api-key/get");
    request.query.addQueryItem(QStringLiteral("id"), remote);
    return call<ApiKey>(std::move(request), [this](const Response& response) -> Result<ApiKey> {
        const Result<QJsonObject> answer = parseObject(response);
        if (!answer.ok())
            return answer.error();
        return apiKeyFromJson(*answer);
    });
}

QFuture<Result<ApiKey>> BetterAuthBackend::updateApiKey(Id keyId, const ApiKeyUpdate& update)
{
    if (update.scopes || update.rateLimitPerMinute || update.ipAllowlist)
        return refuse<ApiKey>(Capability::ApiKeyRotation);
    const QString remote = m_ids.remote(keyId);
    if (remote.isEmpty())
        return done<ApiKey>(ServiceError::notFound(Tr::tr("No such API key")));
    QJsonObject body { { QStringLiteral("keyId"), remote } };
    if (update.name)
        body.insert(QStringLiteral("name"), *update.name);
    if (update.expiresAt) {
        if (!update.expiresAt->isValid()) {
            body.insert(QStringLiteral("expiresIn"), QJsonValue::Null);
        } else {
            const qint64 seconds = QDateTime::currentDateTimeUtc().secsTo(*update.expiresAt);
            if (seconds <= 0)
                return done<ApiKey>(ServiceError::validationField(QStringLiteral("expires_at"),
                                                                  Tr::tr("The key must expire in the future")));
            body.insert(QStringLiteral("expiresIn"), seconds);
        }
    }
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api-key/update");
    request.body = toBody(body);
    return announce(Record::ApiKeys,
                    call<ApiKey>(std::move(request), [this](const Response& response) -> Result<ApiKey> {
                        const Result<QJsonObject> answer = parseObject(response);
                        if (!answer.ok())
                            return answer.error();
                        return apiKeyFromJson(*answer);
                    }));
}

QFuture<Result<CreatedApiKey>> BetterAuthBackend::rotateApiKey(Id, qint64)
{
    return refuse<CreatedApiKey>(Capability::ApiKeyRotation);
}

// --- organizations ---------------------------------------------------------------------------------

QFuture<Result<QList<Organization>>> BetterAuthBackend::listOrganizations()
{
    // organization/list has no counts: one get-full-organization per organization brings its members
    // and invitations (better-auth has no cheaper way).
    auto promise = std::make_shared<QPromise<Result<QList<Organization>>>>();
    QFuture<Result<QList<Organization>>> future = promise->future();
    promise->start();
    Request request;
    request.path = QStringLiteral("/organization/list");
    send(std::move(request), [this, promise](const Result<Response>& response) {
        const Result<QJsonArray> list = response.ok() ? parseArray(*response) : Result<QJsonArray>(response.error());
        if (!list.ok()) {
            promise->addResult(Result<QList<Organization>>(list.error()));
            promise->finish();
            return;
        }
        struct Gather
        {
            QList<Organization> organizations;
            int waiting = 0;
            std::optional<ServiceError> failure;
        };
        auto gather = std::make_shared<Gather>();
        for (const QJsonValue& v : *list)
            gather->organizations << organizationFromJson(v.toObject());
        gather->waiting = int(gather->organizations.size());
        if (gather->waiting == 0) {
            promise->addResult(Result<QList<Organization>>(gather->organizations));
            promise->finish();
            return;
        }
        for (int i = 0; i < gather->organizations.size(); ++i) {
            Request full;
            full.path = QStringLiteral("/organization/get-full-organization");
            full.query.addQueryItem(QStringLiteral("organizationId"), m_ids.remote(gather->organizations[i].id));
            send(std::move(full), [this, promise, gather, i](const Result<Response>& fullAnswer) {
                const Result<QJsonObject> o
                    = fullAnswer.ok() ? parseObject(*fullAnswer) : Result<QJsonObject>(fullAnswer.error());
                if (o.ok())
                    gather->organizations[i] = organizationFromJson(*o);
                else if (!gather->failure)
                    gather->failure = o.error();
                if (--gather->waiting > 0)
                    return;
                promise->addResult(gather->failure ? Result<QList<Organization>>(*gather->failure)
                                                   : Result<QList<Organization>>(gather->organizations));
                promise->finish();
            });
        }
    });
    return future;
}

QFuture<Result<Organization>> BetterAuthBackend::createOrganization(const NewOrganization& organization)
{
    if (organization.name.trimmed().isEmpty())
        return done<Organization>(
            ServiceError::validationField(QStringLiteral("name"), Tr::tr("Give the organization a name")));
    // Plans, seat limits and features do not exist here: anything but the defaults is refused.
    const NewOrganization defaults;
    if (organization.plan != defaults.plan || organization.maxUsers != defaults.maxUsers
        || !organization.features.isEmpty())
        return refuse<Organization>(Capability::OrganizationLifecycle);
    const QString slug = organization.slug.isEmpty() ? policy::slugify(organization.name) : organization.slug;
    if (const Status valid = policy::validateSlug(slug); !valid.ok())
        return done<Organization>(valid.error());
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/organization/create");
    request.body = toBody({ { QStringLiteral("name"), organization.name },
                            { QStringLiteral("slug"), slug },
                            { QStringLiteral("keepCurrentActiveOrganization"), true } });
    return announce(Record::Organizations,
                    call<Organization>(std::move(request), [this](const Response& response) -> Result<Organization> {
                        const Result<QJsonObject> answer = parseObject(response);
                        if (!answer.ok())
                            return answer.error();
                        return organizationFromJson(*answer);
                    }));
}

QFuture<Result<Organization>> BetterAuthBackend::updateOrganization(Id organizationId, const OrganizationUpdate& update)
{
    if (update.plan || update.maxUsers || update.features)
        return refuse<Organization>(Capability::OrganizationLifecycle);
    const QString remote = m_ids.remote(organizationId);
    if (remote.isEmpty())
        return done<Organization>(ServiceError::notFound(Tr::tr("No such organization")));
    QJsonObject data;
    if (update.name)
        data.insert(QStringLiteral("name"), *update.name);
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/organization/update");
    request.body = toBody({ { QStringLiteral("organizationId"), remote }, { QStringLiteral("data"), data } });
    return announce(Record::Organizations,
                    call<Organization>(std::move(request), [this](const Response& response) -> Result<Organization> {
                        const Result<QJsonObject> answer = parseObject(response);
                        if (!answer.ok())
                            return answer.error();
                        return organizationFromJson(*answer);
                    }));
}

QFuture<Result<Organization>> BetterAuthBackend::suspendOrganization(Id)
{
    return refuse<Organization>(Capability::OrganizationLifecycle);
}

QFuture<Result<Organization>> BetterAuthBackend::unsuspendOrganization(Id)
{
    return refuse<Organization>(Capability::OrganizationLifecycle);
}

QFuture<Status> BetterAuthBackend::wipeOutOrganization(Id, const QString&)
{
    return refuse<void>(Capability::OrganizationLifecycle);
}

QFuture<Result<CreatedInvitation>> BetterAuthBackend::invite(Id organizationId, const QString& email,
                                                             const QString& roleCode, int)
{
    const QString remote = m_ids.remote(organizationId);
    if (remote.isEmpty())
        return done<CreatedInvitation>(ServiceError::notFound(Tr::tr("No such organization")));
    if (const Status valid = policy::validateEmail(email); !valid.ok())
        return done<CreatedInvitation>(valid.error());
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/organization/invite-member");
    request.body = toBody({ { QStringLiteral("organizationId"), remote },
                            { QStringLiteral("email"), email },
                            { QStringLiteral("role"), roleCode.isEmpty() ? QStringLiteral("member") : roleCode } });
    // better-auth mails the invitation itself (its sendInvitationEmail hook): no token comes back.
    return announce(
        Record::Invitations | Record::Organizations,
        call<CreatedInvitation>(std::move(request), [this](const Response& response) -> Result<CreatedInvitation> {
            const Result<QJsonObject> answer = parseObject(response);
            if (!answer.ok())
                return answer.error();
            CreatedInvitation created;
            created.invitation = invitationFromJson(*answer);
            return created;
        }));
}

QFuture<Result<QList<Invitation>>> BetterAuthBackend::listInvitations(Id organizationId)
{
    const QString remote = m_ids.remote(organizationId);
    if (remote.isEmpty())
        return done<QList<Invitation>>(ServiceError::notFound(Tr::tr("No such organization")));
    Request request;
    request.path = QStringLiteral("/organization/list-invitations");
    request.query.addQueryItem(QStringLiteral("organizationId"), remote);
    return call<QList<Invitation>>(std::move(request), [this](const Response& response) -> Result<QList<Invitation>> {
        const Result<QJsonArray> answer = parseArray(response);
        if (!answer.ok())
            return answer.error();
        QList<Invitation> invitations;
        for (const QJsonValue& v : *answer)
            invitations << invitationFromJson(v.toObject());
        return invitations;
    });
}

QFuture<Status> BetterAuthBackend::revokeInvitation(Id invitationId)
{
    const QString remote = m_ids.remote(invitationId);
    if (remote.isEmpty())
        return done<void>(ServiceError::notFound(Tr::tr("No such invitation")));
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/organization/cancel-invitation");
    request.body = toBody({ { QStringLiteral("invitationId"), remote } });
    return announce(Record::Invitations | Record::Organizations,
                    call<void>(std::move(request), [](const Response&) { return Status(); }));
}

// --- audit, statistics, settings, maintenance: none -----------------------------------------------

QFuture<Result<AuditPage>> BetterAuthBackend::queryAudit(const AuditQuery&)
{
    return refuse<AuditPage>(Capability::AuditLog);
}

QFuture<Result<AuditEvent>> BetterAuthBackend::getAuditEvent(Id)
{
    return refuse<AuditEvent>(Capability::AuditLog);
}

QFuture<Result<qint64>> BetterAuthBackend::exportAudit(const AuditQuery&, const QString&, bool,
                                                       std::function<void(qint64)>, std::shared_ptr<std::atomic_bool>)
{
    return refuse<qint64>(Capability::AuditLog);
}

QFuture<Result<AuditCheck>> BetterAuthBackend::verifyAudit(std::shared_ptr<std::atomic_bool>)
{
    return refuse<AuditCheck>(Capability::AuditLog);
}

QFuture<Result<Stats>> BetterAuthBackend::stats(Id)
{
    return refuse<Stats>(Capability::Statistics);
}

QFuture<Result<QList<DayActivity>>> BetterAuthBackend::activity(Id, int)
{
    return refuse<QList<DayActivity>>(Capability::Statistics);
}

QFuture<Result<DeploymentSettings>> BetterAuthBackend::settings()
{
    return refuse<DeploymentSettings>(Capability::DeploymentSettings);
}

QFuture<Result<DeploymentSettings>> BetterAuthBackend::updateSettings(const SettingsChange&)
{
    return refuse<DeploymentSettings>(Capability::DeploymentSettings);
}

QFuture<Result<QList<MaintenanceRun>>> BetterAuthBackend::maintenanceRuns(int)
{
    return refuse<QList<MaintenanceRun>>(Capability::Maintenance);
}

QFuture<Result<MaintenanceRun>> BetterAuthBackend::runMaintenance()
{
    return refuse<MaintenanceRun>(Capability::Maintenance);
}

} // namespace portcullis
