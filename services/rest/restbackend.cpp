#include "rest/restbackend.h"

#include "rest/jsoncodec.h"
#include "rest/transport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPromise>
#include <QSaveFile>
#include <QSet>
#include <QTimer>

namespace portcullis {

Q_LOGGING_CATEGORY(lcRest, "portcullis.rest", QtInfoMsg)

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Rest)
};

using Response = RestBackend::Response;

QString sessionEndedMessage()
{
    return Tr::tr("Your session has ended; sign in again");
}

QString sessionEndedBecause(const QString& why)
{
    return Tr::tr("Your session has ended: %1").arg(why);
}

ServiceError invalidJson()
{
    return ServiceError::unavailable(Tr::tr("The server sent an answer that is not valid JSON"));
}

Result<QJsonObject> parseObject(const Response& response)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(response.body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return invalidJson();
    return document.object();
}

QByteArray toBody(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QString idPath(const char* prefix, Id id, const char* suffix = "")
{
    return QString::fromLatin1(prefix) + QString::number(id) + QString::fromLatin1(suffix);
}

// Counts complete records in an export stream: lines, except that CSV lines inside quotes do not end a record.
struct RecordCounter
{
    bool csv = true;
    bool inQuotes = false;
    qint64 records = 0;

    void feed(const QByteArray& chunk)
    {
        for (const char c : chunk) {
            if (csv && c == '"')
                inQuotes = !inQuotes;
            else if (c == '\n' && !inQuotes)
                ++records;
        }
    }
};

} // namespace

RestBackend::RestBackend(QNetworkAccessManager* network, const QUrl& baseUrl, QObject* parent)
    : Backend(parent)
    , m_network(network)
    , m_baseUrl(baseUrl)
    , m_ssl(QSslConfiguration::defaultConfiguration())
{ }

RestBackend::~RestBackend()
{
    cancelAll();
}

QString RestBackend::describe() const
{
    return m_baseUrl.toString(QUrl::RemoveUserInfo | QUrl::StripTrailingSlash);
}

Status RestBackend::trustCaFile(const QString& pemFile)
{
    return rest::trustCaFile(m_ssl, pemFile);
}

void RestBackend::cancelAll()
{
    const QList<QPointer<QNetworkReply>> replies = m_inFlight;
    for (const QPointer<QNetworkReply>& reply : replies) {
        if (reply) {
            m_cancelled << reply.data();
            reply->abort();
        }
    }
    const QList<std::shared_ptr<Pending>> waiting = std::exchange(m_waiting, {});
    for (const std::shared_ptr<Pending>& pending : waiting)
        pending->done(
            ServiceError::unavailable(QCoreApplication::translate("Portcullis::Rest", "The request was cancelled")));
}

// --- transport -----------------------------------------------------------------------------------

void RestBackend::send(Request request, std::function<void(const Result<Response>&)> done)
{
    auto pending = std::make_shared<Pending>();
    pending->request = std::move(request);
    pending->done = std::move(done);
    if (m_refreshing && pending->request.authenticated) {
        m_waiting << pending;
        return;
    }
    issue(pending);
}

void RestBackend::issue(std::shared_ptr<Pending> pending)
{
    if (!m_network) {
        pending->done(ServiceError::unavailable(QCoreApplication::translate("Portcullis::Rest", "No network access")));
        return;
    }
    const Request& r = pending->request;
    QUrl url = m_baseUrl;
    QString basePath = url.path();
    while (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + r.path);
    if (!r.query.isEmpty())
        url.setQuery(r.query);
    QNetworkRequest request(url);
    request.setTransferTimeout(m_timeoutMs);
    request.setRawHeader("Accept", "application/json, application/problem+json");
    // Sessions list what opened them: the console by name and version, not a browser's string.
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArrayLiteral("Portcullis-Console/" PORTCULLIS_VERSION));
    if (url.scheme() == QLatin1String("https"))
        request.setSslConfiguration(m_ssl);
    if (r.authenticated && !m_accessToken.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_accessToken);
    pending->tokenUsed = m_accessToken;
    if (!r.ifMatch.isEmpty())
        request.setRawHeader("If-Match", r.ifMatch);
    QByteArray body = r.body;
    if (body.isEmpty() && (r.method == "POST" || r.method == "PATCH"))
        body = "{}";
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));

    QNetworkReply* reply = body.isEmpty() ? m_network->sendCustomRequest(request, r.method)
                                          : m_network->sendCustomRequest(request, r.method, body);
    m_inFlight << QPointer<QNetworkReply>(reply);
    rest::keepSslErrors(reply);
    qCDebug(lcRest) << r.method << r.path; // never the query values or headers: no secrets in the log
    if (r.onData) {
        connect(reply, &QNetworkReply::readyRead, this, [this, reply, pending] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status < 200 || status >= 300)
                return;
            if (!pending->request.onData(reply)) {
                m_cancelled << reply;
                reply->abort();
            }
        });
    }
    if (r.cancel) {
        auto* poll = new QTimer(reply);
        poll->setInterval(100);
        connect(poll, &QTimer::timeout, reply, [this, reply, cancel = r.cancel] {
            if (cancel->load() && reply->isRunning()) {
                m_cancelled << reply;
                reply->abort();
            }
        });
        poll->start();
    }
    connect(reply, &QNetworkReply::finished, this, [this, reply, pending] { finished(reply, pending); });
}

void RestBackend::finished(QNetworkReply* reply, const std::shared_ptr<Pending>& pending)
{
    reply->deleteLater();
    m_inFlight.removeIf([reply](const QPointer<QNetworkReply>& p) { return !p || p.data() == reply; });
    const bool cancelled = m_cancelled.removeAll(reply) > 0;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QNetworkReply::NetworkError error = reply->error();
    // No HTTP status, or a network-layer error (1-99: refused, closed, timed out, TLS) even after a
    // status line arrived: there is no usable answer. Other errors mirror the HTTP status.
    const bool transportFailed = error != QNetworkReply::NoError && (status == 0 || int(error) < 100);
    if (cancelled) {
        pending->done(
            ServiceError::unavailable(QCoreApplication::translate("Portcullis::Rest", "The request was cancelled")));
        return;
    }
    if (transportFailed) {
        const ServiceError failure = transportError(reply);
        qCInfo(lcRest) << pending->request.method << pending->request.path << "failed:" << failure.message;
        noteReachability(false,
                         QCoreApplication::translate("Portcullis::Rest", "Cannot reach the server at %1: %2")
                             .arg(m_baseUrl.toDisplayString(), reply->errorString()));
        pending->done(failure);
        return;
    }
    const QByteArray body = pending->request.onData ? QByteArray() : reply->readAll();
    qCDebug(lcRest) << pending->request.method << pending->request.path << status;
    // A 503 is the server without its database (or too busy): the deployment cannot serve either way.
    if (status == 503)
        noteReachability(
            false,
            QCoreApplication::translate("Portcullis::Rest", "The server at %1 cannot serve requests right now")
                .arg(m_baseUrl.toDisplayString()));
    else
        noteReachability(true);

    if (status == 401 && pending->request.authenticated) {
        if (!m_refreshToken.isEmpty() && !pending->retried) {
            pending->retried = true;
            if (pending->tokenUsed != m_accessToken && !m_refreshing) {
                issue(pending); // refreshed meanwhile by another request: try the new token
                return;
            }
            m_waiting << pending;
            startRefresh();
            return;
        }
        pending->done(ServiceError::unauthenticated(sessionEndedMessage()));
        endSession(sessionEndedMessage());
        return;
    }
    if (status < 200 || status >= 300) {
        pending->done(errorFor(reply, status, body));
        // Refused although the console offered it: the rights may have changed on the server.
        if (status == 403 && pending->request.authenticated)
            recheckActor();
        return;
    }
    Response response;
    response.status = status;
    response.body = body;
    for (const auto& [name, value] : reply->rawHeaderPairs())
        response.headers.insert(name.toLower(), value);
    pending->done(response);
}

void RestBackend::startRefresh()
{
    if (m_refreshing)
        return;
    m_refreshing = true;
    qCInfo(lcRest) << "access token refused; refreshing the session";
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api/auth/refresh");
    request.authenticated = false;
    request.body = toBody({ { QStringLiteral("refresh_token"), QString::fromUtf8(m_refreshToken) } });
    auto pending = std::make_shared<Pending>();
    pending->request = std::move(request);
    pending->done = [this](const Result<Response>& result) { refreshFinished(result); };
    issue(pending);
}

void RestBackend::refreshFinished(const Result<Response>& result)
{
    m_refreshing = false;
    const QList<std::shared_ptr<Pending>> waiting = std::exchange(m_waiting, {});
    std::optional<ServiceError> failure;
    if (!result.ok()) {
        // A refused refresh ends the session; a network failure is reported as what it is.
        failure = result.error().code == ErrorCode::Unauthenticated || result.error().code == ErrorCode::Forbidden
            ? ServiceError::unauthenticated(sessionEndedMessage())
            : result.error();
    } else {
        const Result<QJsonObject> tokens = parseObject(*result);
        if (!tokens.ok() || !tokens->value(QLatin1String("access_token")).isString())
            failure = tokens.ok() ? invalidJson() : tokens.error();
        else
            adoptTokens(*tokens);
    }
    if (failure && failure->code == ErrorCode::Unauthenticated) {
        m_accessToken.clear();
        m_refreshToken.clear();
    }
    for (const std::shared_ptr<Pending>& pending : waiting) {
        if (failure)
            pending->done(*failure);
        else
            issue(pending);
    }
    if (failure && failure->code == ErrorCode::Unauthenticated) {
        // The server's reason (banned, revoked, ...) when it gave one.
        const QString why = result.ok() ? QString() : result.error().message;
        endSession(why.isEmpty() ? sessionEndedMessage() : sessionEndedBecause(why));
    }
}

void RestBackend::recheckActor()
{
    if (m_recheckingActor || m_actor.userId == 0)
        return;
    m_recheckingActor = true;
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/auth/me");
    send(std::move(request), [this](const Result<Response>& response) {
        m_recheckingActor = false;
        const Result<QJsonObject> me = response.ok() ? parseObject(*response) : Result<QJsonObject>(response.error());
        if (!me.ok() || m_actor.userId == 0)
            return; // a refused refresh says so on its own (sessionEnded)
        Actor current = rest::actorFromJson(*me);
        if (current.userId != m_actor.userId)
            return;
        if (current.level == m_actor.level && current.roleCodes == m_actor.roleCodes
            && current.permissions == m_actor.permissions && current.organizationId == m_actor.organizationId)
            return;
        if (current.sessionId == 0)
            current.sessionId = m_actor.sessionId;
        m_actor = current;
        qCInfo(lcRest) << "the signed-in user's roles changed";
        emit actorChanged();
    });
}

void RestBackend::endSession(const QString& reason)
{
    if (m_actor.userId == 0)
        return; // said once, or never signed in
    m_actor = Actor();
    qCInfo(lcRest) << "the session has ended";
    emit sessionEnded(reason);
}

void RestBackend::adoptTokens(const QJsonObject& tokens)
{
    m_accessToken = tokens.value(QLatin1String("access_token")).toString().toUtf8();
    m_refreshToken = tokens.value(QLatin1String("refresh_token")).toString().toUtf8();
}

ServiceError RestBackend::transportError(QNetworkReply* reply) const
{
    return rest::transportError(reply, m_timeoutMs);
}

ServiceError RestBackend::errorFor(QNetworkReply* reply, int status, const QByteArray& body) const
{
    QString detail;
    QHash<QString, QString> fields;
    const QJsonObject problem = QJsonDocument::fromJson(body).object();
    detail = problem.value(QLatin1String("detail")).toString();
    const QJsonObject errors = problem.value(QLatin1String("errors")).toObject();
    for (auto it = errors.constBegin(); it != errors.constEnd(); ++it)
        fields.insert(it.key(), it.value().toString());
    if (detail.isEmpty())
        detail
            = QCoreApplication::translate("Portcullis::Rest", "The server refused the request (HTTP %1)").arg(status);

    switch (status) {
    case 401:
        return ServiceError::unauthenticated(detail);
    case 403:
        return ServiceError::forbidden(detail);
    case 404:
    case 405:
        return ServiceError::notFound(detail);
    case 409:
    case 412: {
        // Our server says why in "reason" and its detail is written for that reason (a stale
        // version's says to reload). Without one, a conflict is most often a change made
        // meanwhile: say to reload. A failed precondition (If-Match) is a stale version.
        const ErrorReason reason = ServiceError::reasonFromName(problem.value(QLatin1String("reason")).toString());
        if (reason != ErrorReason::Unspecified)
            return ServiceError::conflict(detail, reason);
        return ServiceError::conflict(
            QCoreApplication::translate("Portcullis::Rest", "%1 Someone else changed it: reload and try again.")
                .arg(detail),
            status == 412 ? ErrorReason::StaleVersion : ErrorReason::Unspecified);
    }
    case 429: {
        const int wait = reply->rawHeader("Retry-After").toInt();
        return ServiceError::rateLimited(
            QCoreApplication::translate("Portcullis::Rest", "Too many requests: wait %1 seconds and try again.")
                .arg(qMax(1, wait)));
    }
    case 503:
        return ServiceError::unavailable(detail);
    default:
        break;
    }
    if (status >= 500)
        return ServiceError::storage(
            QCoreApplication::translate("Portcullis::Rest", "The server failed (HTTP %1): %2").arg(status).arg(detail));
    return ServiceError::validation(detail, fields);
}

// --- call helpers --------------------------------------------------------------------------------

template <typename T, typename Decode> QFuture<Result<T>> RestBackend::call(Request request, Decode decode)
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

template <typename T, typename Decode>
QFuture<Result<T>> RestBackend::json(const QByteArray& method, const QString& path, const QJsonObject* body,
                                     Decode decode)
{
    Request request;
    request.method = method;
    request.path = path;
    if (body)
        request.body = toBody(*body);
    return call<T>(std::move(request), [decode](const Response& response) -> Result<T> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        return decode(*object);
    });
}

QFuture<Status> RestBackend::empty(const QByteArray& method, const QString& path, const QJsonObject* body,
                                   const QUrlQuery& query)
{
    Request request;
    request.method = method;
    request.path = path;
    request.query = query;
    if (body)
        request.body = toBody(*body);
    return call<void>(std::move(request), [](const Response&) { return Status(); });
}

QFuture<Status> RestBackend::checkConnection()
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/health/auth");
    request.authenticated = false;
    return call<void>(std::move(request), [](const Response&) { return Status(); });
}

// --- sign-in -------------------------------------------------------------------------------------

QFuture<Result<SignedIn>> RestBackend::signIn(const QString& emailOrUsername, const QString& password)
{
    auto promise = std::make_shared<QPromise<Result<SignedIn>>>();
    QFuture<Result<SignedIn>> future = promise->future();
    promise->start();
    m_accessToken.clear();
    m_refreshToken.clear();
    m_actor = Actor();
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api/auth/login");
    request.authenticated = false;
    request.body = toBody({ { QStringLiteral("email"), emailOrUsername }, { QStringLiteral("password"), password } });
    send(std::move(request), [this, promise](const Result<Response>& response) {
        if (!response.ok()) {
            promise->addResult(Result<SignedIn>(response.error()));
            promise->finish();
            return;
        }
        const Result<QJsonObject> tokens = parseObject(*response);
        if (!tokens.ok() || !tokens->value(QLatin1String("access_token")).isString()) {
            promise->addResult(Result<SignedIn>(tokens.ok() ? invalidJson() : tokens.error()));
            promise->finish();
            return;
        }
        adoptTokens(*tokens);
        fetchActor(promise, tokens->value(QLatin1String("session_id")).toInteger());
    });
    return future;
}

QFuture<Result<SignedIn>> RestBackend::resumeSession(const QString& refreshToken)
{
    auto promise = std::make_shared<QPromise<Result<SignedIn>>>();
    QFuture<Result<SignedIn>> future = promise->future();
    promise->start();
    m_accessToken.clear();
    m_refreshToken = refreshToken.toUtf8();
    m_actor = Actor();
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api/auth/refresh");
    request.authenticated = false;
    request.body = toBody({ { QStringLiteral("refresh_token"), refreshToken } });
    send(std::move(request), [this, promise](const Result<Response>& response) {
        const Result<QJsonObject> tokens
            = response.ok() ? parseObject(*response) : Result<QJsonObject>(response.error());
        if (!tokens.ok() || !tokens->value(QLatin1String("access_token")).isString()) {
            m_refreshToken.clear();
            ServiceError error = tokens.ok() ? invalidJson() : tokens.error();
            if (error.code == ErrorCode::Unauthenticated)
                error.message = sessionEndedMessage();
            promise->addResult(Result<SignedIn>(error));
            promise->finish();
            return;
        }
        adoptTokens(*tokens);
        fetchActor(promise, tokens->value(QLatin1String("session_id")).toInteger());
    });
    return future;
}

QFuture<Result<SignedIn>> RestBackend::fetchActor(std::shared_ptr<QPromise<Result<SignedIn>>> promise, Id sessionId)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/auth/me");
    send(std::move(request), [this, promise, sessionId](const Result<Response>& response) {
        const Result<QJsonObject> me = response.ok() ? parseObject(*response) : Result<QJsonObject>(response.error());
        if (!me.ok()) {
            m_accessToken.clear();
            m_refreshToken.clear();
            promise->addResult(Result<SignedIn>(me.error()));
            promise->finish();
            return;
        }
        SignedIn signedIn;
        signedIn.actor = rest::actorFromJson(*me);
        if (signedIn.actor.sessionId == 0)
            signedIn.actor.sessionId = sessionId;
        signedIn.session.id = signedIn.actor.sessionId;
        signedIn.session.userId = signedIn.actor.userId;
        signedIn.session.userEmail = signedIn.actor.email;
        signedIn.session.organizationId = signedIn.actor.organizationId;
        signedIn.session.createdAt = QDateTime::currentDateTimeUtc();
        signedIn.session.lastSeenAt = signedIn.session.createdAt;
        m_actor = signedIn.actor;
        qCInfo(lcRest) << "signed in to" << describe() << "as user" << m_actor.userId;
        promise->addResult(Result<SignedIn>(signedIn));
        promise->finish();
    });
    return promise->future();
}

QFuture<Status> RestBackend::signOut()
{
    auto promise = std::make_shared<QPromise<Status>>();
    QFuture<Status> future = promise->future();
    promise->start();
    if (m_accessToken.isEmpty()) {
        m_actor = Actor();
        promise->addResult(Status());
        promise->finish();
        return future;
    }
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api/auth/logout");
    send(std::move(request), [this, promise](const Result<Response>& response) {
        // Signed out locally whatever the server said: the tokens are forgotten.
        m_accessToken.clear();
        m_refreshToken.clear();
        m_actor = Actor();
        promise->addResult(
            response.ok() || response.error().code == ErrorCode::Unauthenticated ? Status() : Status(response.error()));
        promise->finish();
    });
    return future;
}

// --- users ---------------------------------------------------------------------------------------

QFuture<Result<Page<User>>> RestBackend::listUsers(const UserQuery& query)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/users");
    request.query = rest::userQueryToUrl(query);
    return call<Page<User>>(std::move(request), [](const Response& response) -> Result<Page<User>> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        return rest::pageFromJson<User>(*object, &rest::userFromJson);
    });
}

QFuture<Result<User>> RestBackend::getUser(Id userId)
{
    return json<User>("GET", idPath("/api/admin/users/", userId), nullptr, &rest::userFromJson);
}

QFuture<Result<User>> RestBackend::createUser(const NewUser& user)
{
    const QJsonObject body = rest::newUserToJson(user);
    return announce(Record::Users | Record::Organizations,
                    json<User>("POST", QStringLiteral("/api/admin/users"), &body, &rest::userFromJson));
}

QFuture<Result<User>> RestBackend::updateUser(Id userId, const UserUpdate& update)
{
    Request request;
    request.method = "PATCH";
    request.path = idPath("/api/admin/users/", userId);
    request.body = toBody(rest::userUpdateToJson(update));
    request.ifMatch = '"' + QByteArray::number(update.expectedVersion) + '"';
    return announce(Record::Users | Record::Organizations | Record::Sessions,
                    call<User>(std::move(request), [](const Response& response) -> Result<User> {
                        const Result<QJsonObject> object = parseObject(response);
                        if (!object.ok())
                            return object.error();
                        return rest::userFromJson(*object);
                    }));
}

QFuture<Status> RestBackend::deleteUser(Id userId)
{
    return announce(Record::Users | Record::Organizations | Record::Sessions | Record::ApiKeys | Record::Roles,
                    empty("DELETE", idPath("/api/admin/users/", userId)));
}

QFuture<Result<User>> RestBackend::suspendUser(Id userId, const QString& reason)
{
    QJsonObject body;
    if (!reason.isEmpty())
        body.insert(QStringLiteral("reason"), reason);
    return announce(Record::Users | Record::Sessions | Record::Organizations,
                    json<User>("POST", idPath("/api/admin/users/", userId, "/suspend"), &body, &rest::userFromJson));
}

QFuture<Result<User>> RestBackend::unsuspendUser(Id userId)
{
    return announce(
        Record::Users | Record::Sessions | Record::Organizations,
        json<User>("POST", idPath("/api/admin/users/", userId, "/unsuspend"), nullptr, &rest::userFromJson));
}

QFuture<Result<User>> RestBackend::banUser(Id userId, const QString& reason, const QDateTime& expiresAt)
{
    const QJsonObject body { { QStringLiteral("reason"), reason },
                             { QStringLiteral("expires_at"), rest::timeToJson(expiresAt) } };
    return announce(Record::Users | Record::Sessions | Record::Organizations,
                    json<User>("POST", idPath("/api/admin/users/", userId, "/ban"), &body, &rest::userFromJson));
}

QFuture<Result<User>> RestBackend::unbanUser(Id userId)
{
    return announce(Record::Users | Record::Sessions | Record::Organizations,
                    json<User>("POST", idPath("/api/admin/users/", userId, "/unban"), nullptr, &rest::userFromJson));
}

QFuture<Result<User>> RestBackend::moveUser(Id userId, Id organizationId)
{
    const QJsonObject body { { QStringLiteral("organization_id"), organizationId } };
    return announce(Record::Users | Record::Sessions | Record::Organizations | Record::ApiKeys | Record::Roles,
                    json<User>("POST", idPath("/api/admin/users/", userId, "/move"), &body, &rest::userFromJson));
}

QFuture<Status> RestBackend::setPassword(Id userId, const PasswordChange& change)
{
    QJsonObject body { { QStringLiteral("password"), change.password },
                       { QStringLiteral("revoke_api_keys"), change.revokeApiKeys } };
    if (!change.currentPassword.isEmpty())
        body.insert(QStringLiteral("current_password"), change.currentPassword);
    return announce(Record::Users | Record::Sessions | Record::ApiKeys,
                    empty("POST", idPath("/api/admin/users/", userId, "/password"), &body));
}

QFuture<Result<QString>> RestBackend::issuePasswordReset(Id userId)
{
    return announce(Record::Users,
                    json<QString>("POST", idPath("/api/admin/users/", userId, "/reset-token"), nullptr,
                                  [](const QJsonObject& o) { return o.value(QLatin1String("token")).toString(); }));
}

QFuture<Status> RestBackend::assignRole(Id userId, const QString& roleCode)
{
    const QJsonObject body { { QStringLiteral("role_code"), roleCode } };
    return announce(Record::Users | Record::Roles, empty("POST", idPath("/api/admin/users/", userId, "/roles"), &body));
}

QFuture<Status> RestBackend::revokeRole(Id userId, const QString& roleCode)
{
    return announce(
        Record::Users | Record::Roles,
        empty("DELETE",
              idPath("/api/admin/users/", userId, "/roles/") + QString::fromLatin1(QUrl::toPercentEncoding(roleCode))));
}

QFuture<Result<QStringList>> RestBackend::userEffectivePermissions(Id userId)
{
    return json<QStringList>(
        "GET", idPath("/api/admin/users/", userId, "/permissions"), nullptr,
        [](const QJsonObject& o) { return rest::stringsFromJson(o.value(QLatin1String("items"))); });
}

struct RestBackend::ImportState
{
    ImportRequest request;
    std::function<void(int, int)> progress;
    std::shared_ptr<std::atomic_bool> cancel;
    std::shared_ptr<QPromise<Result<ImportReport>>> promise;
    ImportReport report;
    QList<qsizetype> toSend; // indices of the rows the server decides on
    qsizetype next = 0; // in toSend
    int done = 0;
};

QFuture<Result<ImportReport>> RestBackend::importUsers(const ImportRequest& request,
                                                       std::function<void(int, int)> progress,
                                                       std::shared_ptr<std::atomic_bool> cancel)
{
    auto state = std::make_shared<ImportState>();
    state->request = request;
    state->progress = std::move(progress);
    state->cancel = std::move(cancel);
    state->promise = std::make_shared<QPromise<Result<ImportReport>>>();
    state->report.dryRun = request.dryRun;
    QFuture<Result<ImportReport>> future = state->promise->future();
    state->promise->start();
    const bool invitations = request.delivery == ImportDelivery::Invitation;
    QSet<QString> emails;
    QSet<QString> usernames;
    QSet<QString> ignored;
    state->report.rows.resize(request.rows.size());
    for (qsizetype i = 0; i < request.rows.size(); ++i) {
        const ImportRow& row = request.rows.at(i);
        ImportRowResult& result = state->report.rows[i];
        result.row = row.row;
        result.email = row.email.trimmed().toLower();
        result.username = invitations ? QString() : row.username.trimmed();
        if (row.problem.isEmpty() && userimport::isDuplicate(row, emails, invitations ? ignored : usernames)) {
            result.outcome = ImportOutcome::Error;
            result.problem = ImportProblem::DuplicateInFile;
            result.message = QCoreApplication::translate("Portcullis::UserImport",
                                                         "An earlier row has the same email or username");
        } else {
            state->toSend << i;
        }
    }
    sendImportBatch(state);
    return future;
}

void RestBackend::sendImportBatch(std::shared_ptr<ImportState> state)
{
    auto finish = [state] {
        state->promise->addResult(Result<ImportReport>(state->report));
        state->promise->finish();
    };
    // The rows not sent (cancelled, or after a failure) are NotRun; what was created stays reported.
    auto stopAt = [state](qsizetype from, const QString& message) {
        for (qsizetype k = from; k < state->toSend.size(); ++k) {
            ImportRowResult& r = state->report.rows[state->toSend.at(k)];
            r.outcome = ImportOutcome::NotRun;
            r.message = message;
        }
    };
    if (state->next >= state->toSend.size()) {
        finish();
        return;
    }
    if (state->cancel && state->cancel->load()) {
        state->report.cancelled = true;
        stopAt(state->next,
               QCoreApplication::translate("Portcullis::UserImport", "Not imported: the import was cancelled"));
        finish();
        return;
    }
    const int batch = state->request.dryRun ? userimport::MaxRowsPerRequest : ImportWriteBatch;
    const QList<qsizetype> indices = state->toSend.mid(state->next, batch);
    QList<ImportRow> rows;
    rows.reserve(indices.size());
    for (qsizetype i : indices)
        rows << state->request.rows.at(i);
    QJsonObject body { { QStringLiteral("csv"), QString::fromUtf8(userimport::toCsv(rows)) },
                       { QStringLiteral("dry_run"), state->request.dryRun },
                       { QStringLiteral("delivery"), userimport::deliveryName(state->request.delivery) } };
    if (state->request.organizationId != 0)
        body.insert(QStringLiteral("organization_id"), state->request.organizationId);
    const qsizetype count = indices.size();
    auto decode = [count](const QJsonObject& o) -> Result<ImportReport> {
        ImportReport part;
        const QJsonArray items = o.value(QLatin1String("rows")).toArray();
        if (items.size() != count)
            return ServiceError::unavailable(
                QCoreApplication::translate("Portcullis::Rest", "The server answered with an unexpected body"));
        part.cancelled = o.value(QLatin1String("cancelled")).toBool();
        for (const QJsonValue& item : items) {
            const QJsonObject r = item.toObject();
            ImportRowResult row;
            row.email = r.value(QLatin1String("email")).toString();
            row.username = r.value(QLatin1String("username")).toString();
            row.organizationId = r.value(QLatin1String("organization_id")).toInteger();
            row.outcome = userimport::outcomeFromName(r.value(QLatin1String("outcome")).toString());
            row.problem = userimport::problemFromName(r.value(QLatin1String("problem")).toString());
            row.message = r.value(QLatin1String("message")).toString();
            row.userId = r.value(QLatin1String("user_id")).toInteger();
            row.invitationId = r.value(QLatin1String("invitation_id")).toInteger();
            row.code = r.value(QLatin1String("code")).toString();
            part.rows << row;
        }
        return part;
    };
    const bool write = !state->request.dryRun;
    json<ImportReport>("POST", QStringLiteral("/api/admin/users/import"), &body, decode)
        .then(this, [this, state, indices, finish, stopAt, write](const Result<ImportReport>& part) {
            if (!part) {
                if (state->report.count(ImportOutcome::Created) == 0) {
                    state->promise->addResult(Result<ImportReport>(part.error()));
                    state->promise->finish();
                    return;
                }
                stopAt(state->next, part.error().message);
                finish();
                return;
            }
            for (qsizetype k = 0; k < indices.size(); ++k) {
                ImportRowResult r = part->rows.at(k);
                r.row = state->report.rows.at(indices.at(k)).row; // the file's row, not the batch's
                state->report.rows[indices.at(k)] = r;
            }
            state->next += indices.size();
            state->done += int(indices.size());
            if (state->progress)
                state->progress(state->done, int(state->toSend.size()));
            if (write && part->count(ImportOutcome::Created) > 0)
                emit recordsChanged(Record::Users | Record::Invitations | Record::Audit);
            if (part->cancelled) {
                state->report.cancelled = true;
                finish();
                return;
            }
            sendImportBatch(state);
        });
}

// --- roles ---------------------------------------------------------------------------------------

QFuture<Result<QList<Role>>> RestBackend::listRoles()
{
    return json<QList<Role>>("GET", QStringLiteral("/api/admin/roles"), nullptr, [](const QJsonObject& o) {
        return rest::listFromJson<Role>(o.value(QLatin1String("items")), &rest::roleFromJson);
    });
}

QFuture<Result<Role>> RestBackend::createRole(const NewRole& role)
{
    const QJsonObject body = rest::newRoleToJson(role);
    return announce(Record::Roles | Record::Users,
                    json<Role>("POST", QStringLiteral("/api/admin/roles"), &body, &rest::roleFromJson));
}

QFuture<Result<Role>> RestBackend::updateRole(Id roleId, const RoleUpdate& update)
{
    const QJsonObject body = rest::roleUpdateToJson(update);
    return announce(Record::Roles | Record::Users,
                    json<Role>("PATCH", idPath("/api/admin/roles/", roleId), &body, &rest::roleFromJson));
}

QFuture<Status> RestBackend::deleteRole(Id roleId, bool cascade)
{
    QUrlQuery query;
    if (cascade)
        query.addQueryItem(QStringLiteral("cascade"), QStringLiteral("true"));
    return announce(Record::Roles | Record::Users,
                    empty("DELETE", idPath("/api/admin/roles/", roleId), nullptr, query));
}

QFuture<Result<QList<Permission>>> RestBackend::listPermissions()
{
    return json<QList<Permission>>("GET", QStringLiteral("/api/admin/permissions"), nullptr, [](const QJsonObject& o) {
        return rest::listFromJson<Permission>(o.value(QLatin1String("items")), &rest::permissionFromJson);
    });
}

QFuture<Result<QStringList>> RestBackend::roleEffectivePermissions(Id roleId)
{
    return json<QStringList>(
        "GET", idPath("/api/admin/roles/", roleId, "/permissions"), nullptr,
        [](const QJsonObject& o) { return rest::stringsFromJson(o.value(QLatin1String("items"))); });
}

QFuture<Result<QList<Permission>>> RestBackend::listOrganizationPermissions(Id organizationId)
{
    return json<QList<Permission>>(
        "GET", idPath("/api/admin/organizations/", organizationId, "/permissions"), nullptr, [](const QJsonObject& o) {
            return rest::listFromJson<Permission>(o.value(QLatin1String("items")), &rest::permissionFromJson);
        });
}

QFuture<Result<Permission>> RestBackend::defineOrganizationPermission(Id organizationId, const QString& code,
                                                                      const QString& description)
{
    const QJsonObject body { { QStringLiteral("code"), code }, { QStringLiteral("description"), description } };
    return announce(Record::Roles,
                    json<Permission>("POST", idPath("/api/admin/organizations/", organizationId, "/permissions"), &body,
                                     &rest::permissionFromJson));
}

QFuture<Status> RestBackend::deleteOrganizationPermission(Id organizationId, const QString& code)
{
    return announce(Record::Roles,
                    // QUrl::setPath's decoded mode encodes what needs it: the code goes in as it is.
                    empty("DELETE", idPath("/api/admin/organizations/", organizationId, "/permissions/") + code));
}

// --- sessions ------------------------------------------------------------------------------------

QFuture<Result<Page<Session>>> RestBackend::listSessions(const SessionQuery& query)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/sessions");
    if (query.userId != 0)
        request.query.addQueryItem(QStringLiteral("user_id"), QString::number(query.userId));
    if (query.organizationId != 0)
        request.query.addQueryItem(QStringLiteral("organization_id"), QString::number(query.organizationId));
    request.query.addQueryItem(QStringLiteral("page"), QString::number(query.page));
    request.query.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    request.query.addQueryItem(QStringLiteral("include_revoked"),
                               query.includeRevoked ? QStringLiteral("true") : QStringLiteral("false"));
    request.query.addQueryItem(QStringLiteral("include_expired"),
                               query.includeExpired ? QStringLiteral("true") : QStringLiteral("false"));
    return call<Page<Session>>(std::move(request), [](const Response& response) -> Result<Page<Session>> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        return rest::pageFromJson<Session>(*object, &rest::sessionFromJson);
    });
}

QFuture<Status> RestBackend::revokeSession(Id sessionId)
{
    return announce(Record::Sessions, empty("DELETE", idPath("/api/admin/sessions/", sessionId)));
}

QFuture<Result<int>> RestBackend::revokeUserSessions(Id userId, bool revokeApiKeys)
{
    Request request;
    request.method = "DELETE";
    request.path = idPath("/api/admin/users/", userId, "/sessions");
    if (revokeApiKeys)
        request.query.addQueryItem(QStringLiteral("revoke_api_keys"), QStringLiteral("true"));
    // One's own current session stays, as in standalone mode (the server keeps it only when the
    // user is the caller).
    request.query.addQueryItem(QStringLiteral("keep_current"), QStringLiteral("true"));
    return announce(Record::Sessions | Record::ApiKeys,
                    call<int>(std::move(request), [](const Response& response) -> Result<int> {
                        const Result<QJsonObject> object = parseObject(response);
                        if (!object.ok())
                            return object.error();
                        return object->value(QLatin1String("revoked")).toInt();
                    }));
}

QFuture<Result<CreatedSession>> RestBackend::impersonate(Id userId, const QString& reason, int minutes)
{
    const QJsonObject body { { QStringLiteral("reason"), reason }, { QStringLiteral("duration_minutes"), minutes } };
    return announce(Record::Sessions,
                    json<CreatedSession>(
                        "POST", idPath("/api/admin/users/", userId, "/impersonate"), &body, [](const QJsonObject& o) {
                            CreatedSession created;
                            created.session = rest::sessionFromJson(o.value(QLatin1String("session")).toObject());
                            created.token = o.value(QLatin1String("token")).toString();
                            return created;
                        }));
}

// --- API keys ------------------------------------------------------------------------------------

QFuture<Result<Page<ApiKey>>> RestBackend::listApiKeys(const ApiKeyQuery& query)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/api-keys");
    if (query.userId != 0)
        request.query.addQueryItem(QStringLiteral("user_id"), QString::number(query.userId));
    if (query.organizationId != 0)
        request.query.addQueryItem(QStringLiteral("organization_id"), QString::number(query.organizationId));
    if (!query.search.isEmpty()) {
        // A whole key pasted into the search goes out as its visible prefix only (docs/api.md: the
        // first 12 characters): a secret never travels in a URL, and the server refuses one there.
        constexpr int VisiblePrefix = 12;
        const QString search = query.search.startsWith(QLatin1String("pk_")) && query.search.size() > VisiblePrefix
            ? query.search.left(VisiblePrefix)
            : query.search;
        request.query.addQueryItem(QStringLiteral("search"), QString::fromLatin1(QUrl::toPercentEncoding(search)));
    }
    if (query.activeOnly)
        request.query.addQueryItem(QStringLiteral("status"), QStringLiteral("active"));
    request.query.addQueryItem(QStringLiteral("page"), QString::number(query.page));
    request.query.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    return call<Page<ApiKey>>(std::move(request), [](const Response& response) -> Result<Page<ApiKey>> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        return rest::pageFromJson<ApiKey>(*object, &rest::apiKeyFromJson);
    });
}

QFuture<Result<CreatedApiKey>> RestBackend::createApiKey(const NewApiKey& key)
{
    const QJsonObject body = rest::newApiKeyToJson(key);
    return announce(Record::ApiKeys,
                    json<CreatedApiKey>(
                        "POST", idPath("/api/admin/users/", key.userId, "/api-keys"), &body, [](const QJsonObject& o) {
                            return CreatedApiKey { rest::apiKeyFromJson(o), o.value(QLatin1String("key")).toString() };
                        }));
}

QFuture<Status> RestBackend::revokeApiKey(Id keyId)
{
    return announce(Record::ApiKeys, empty("DELETE", idPath("/api/admin/api-keys/", keyId)));
}

QFuture<Result<ApiKey>> RestBackend::getApiKey(Id keyId)
{
    return json<ApiKey>("GET", idPath("/api/admin/api-keys/", keyId), nullptr, &rest::apiKeyFromJson);
}

QFuture<Result<ApiKey>> RestBackend::updateApiKey(Id keyId, const ApiKeyUpdate& update)
{
    const QJsonObject body = rest::apiKeyUpdateToJson(update);
    return announce(Record::ApiKeys,
                    json<ApiKey>("PATCH", idPath("/api/admin/api-keys/", keyId), &body, &rest::apiKeyFromJson));
}

QFuture<Result<CreatedApiKey>> RestBackend::rotateApiKey(Id keyId, qint64 graceSeconds)
{
    const QJsonObject body { { QStringLiteral("grace_seconds"), graceSeconds } };
    return announce(
        Record::ApiKeys,
        json<CreatedApiKey>("POST", idPath("/api/admin/api-keys/", keyId, "/rotate"), &body, [](const QJsonObject& o) {
            return CreatedApiKey { rest::apiKeyFromJson(o), o.value(QLatin1String("key")).toString() };
        }));
}

// --- organizations -------------------------------------------------------------------------------

QFuture<Result<QList<Organization>>> RestBackend::listOrganizations()
{
    return json<QList<Organization>>(
        "GET", QStringLiteral("/api/admin/organizations"), nullptr, [](const QJsonObject& o) {
            return rest::listFromJson<Organization>(o.value(QLatin1String("items")), &rest::organizationFromJson);
        });
}

QFuture<Result<Organization>> RestBackend::createOrganization(const NewOrganization& organization)
{
    const QJsonObject body = rest::newOrganizationToJson(organization);
    return announce(
        Record::Organizations,
        json<Organization>("POST", QStringLiteral("/api/admin/organizations"), &body, &rest::organizationFromJson));
}

QFuture<Result<Organization>> RestBackend::updateOrganization(Id organizationId, const OrganizationUpdate& update)
{
    const QJsonObject body = rest::organizationUpdateToJson(update);
    return announce(Record::Organizations,
                    json<Organization>("PATCH", idPath("/api/admin/organizations/", organizationId), &body,
                                       &rest::organizationFromJson));
}

QFuture<Result<Organization>> RestBackend::suspendOrganization(Id organizationId)
{
    return announce(Record::Organizations | Record::Users | Record::Sessions,
                    json<Organization>("POST", idPath("/api/admin/organizations/", organizationId, "/suspend"), nullptr,
                                       &rest::organizationFromJson));
}

QFuture<Result<Organization>> RestBackend::unsuspendOrganization(Id organizationId)
{
    return announce(Record::Organizations | Record::Users | Record::Sessions,
                    json<Organization>("POST", idPath("/api/admin/organizations/", organizationId, "/unsuspend"),
                                       nullptr, &rest::organizationFromJson));
}

QFuture<Status> RestBackend::wipeOutOrganization(Id organizationId, const QString& confirmSlug)
{
    Request request;
    request.method = "DELETE";
    request.path = idPath("/api/admin/organizations/", organizationId);
    request.body = toBody({ { QStringLiteral("confirm"), confirmSlug } });
    return announce(Record::All, call<void>(std::move(request), [](const Response&) { return Status(); }));
}

QFuture<Result<CreatedInvitation>> RestBackend::invite(Id organizationId, const QString& email, const QString& roleCode,
                                                       int validDays)
{
    const QJsonObject body { { QStringLiteral("email"), email },
                             { QStringLiteral("role_code"), roleCode },
                             { QStringLiteral("valid_days"), validDays } };
    return announce(
        Record::Invitations | Record::Organizations,
        json<CreatedInvitation>(
            "POST", idPath("/api/admin/organizations/", organizationId, "/invitations"), &body,
            [](const QJsonObject& o) {
                return CreatedInvitation { rest::invitationFromJson(o), o.value(QLatin1String("token")).toString() };
            }));
}

QFuture<Result<QList<Invitation>>> RestBackend::listInvitations(Id organizationId)
{
    return json<QList<Invitation>>(
        "GET", idPath("/api/admin/organizations/", organizationId, "/invitations"), nullptr, [](const QJsonObject& o) {
            return rest::listFromJson<Invitation>(o.value(QLatin1String("items")), &rest::invitationFromJson);
        });
}

QFuture<Status> RestBackend::revokeInvitation(Id invitationId)
{
    return announce(Record::Invitations | Record::Organizations,
                    empty("DELETE", idPath("/api/admin/invitations/", invitationId)));
}

// --- audit and stats -----------------------------------------------------------------------------

QFuture<Result<AuditPage>> RestBackend::queryAudit(const AuditQuery& query)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/audit");
    request.query = rest::auditFiltersToUrl(query);
    request.query.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    if (!query.cursor.isEmpty())
        request.query.addQueryItem(QStringLiteral("cursor"), query.cursor);
    if (query.beforeId > 0)
        request.query.addQueryItem(QStringLiteral("before_id"), QString::number(query.beforeId));
    if (query.afterId > 0)
        request.query.addQueryItem(QStringLiteral("after_id"), QString::number(query.afterId));
    if (query.offset > 0)
        request.query.addQueryItem(QStringLiteral("offset"), QString::number(query.offset));
    if (query.withTotal)
        request.query.addQueryItem(QStringLiteral("with_total"), QStringLiteral("true"));
    return call<AuditPage>(std::move(request), [](const Response& response) -> Result<AuditPage> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        AuditPage page;
        page.items = rest::listFromJson<AuditEvent>(object->value(QLatin1String("items")), &rest::auditEventFromJson);
        page.nextCursor = object->value(QLatin1String("next_cursor")).toString();
        const QJsonValue total = object->value(QLatin1String("total"));
        page.total = total.isDouble() ? qint64(total.toDouble()) : -1;
        return page;
    });
}

QFuture<Result<AuditEvent>> RestBackend::getAuditEvent(Id eventId)
{
    return json<AuditEvent>("GET", idPath("/api/admin/audit/", eventId), nullptr, &rest::auditEventFromJson);
}

// Streams an export (GET `request`) into `path` through QSaveFile, counting records (CSV: less the
// header row) for `progress`; the file appears only when the whole answer arrived.
QFuture<Result<qint64>> RestBackend::downloadExport(Request request, const QString& path, bool csv,
                                                    std::function<void(qint64)> progress,
                                                    std::shared_ptr<std::atomic_bool> cancel)
{
    struct ExportState
    {
        QSaveFile file;
        RecordCounter counter;
        bool writeFailed = false;
    };
    auto promise = std::make_shared<QPromise<Result<qint64>>>();
    QFuture<Result<qint64>> future = promise->future();
    promise->start();
    auto fail = [promise](const ServiceError& error) {
        promise->addResult(Result<qint64>(error));
        promise->finish();
    };
    if (cancel && cancel->load()) {
        fail(ServiceError::unavailable(QCoreApplication::translate("Portcullis::Rest", "The export was cancelled")));
        return future;
    }
    auto state = std::make_shared<ExportState>();
    state->file.setFileName(path);
    state->counter.csv = csv;
    if (!state->file.open(QIODevice::WriteOnly)) {
        fail(ServiceError::storage(QCoreApplication::translate("Portcullis::Rest", "Cannot write %1: %2")
                                       .arg(path, state->file.errorString())));
        return future;
    }
    request.cancel = cancel;
    request.onData = [state, progress, cancel, csv](QNetworkReply* reply) {
        if (cancel && cancel->load())
            return false;
        const QByteArray chunk = reply->readAll();
        if (state->file.write(chunk) != chunk.size()) {
            state->writeFailed = true;
            return false;
        }
        state->counter.feed(chunk);
        if (progress)
            progress(qMax<qint64>(0, state->counter.records - (csv ? 1 : 0)));
        return true;
    };
    send(std::move(request), [state, promise, cancel, csv, path, fail](const Result<Response>& response) {
        if (cancel && cancel->load()) {
            state->file.cancelWriting();
            fail(
                ServiceError::unavailable(QCoreApplication::translate("Portcullis::Rest", "The export was cancelled")));
            return;
        }
        if (state->writeFailed) {
            const QString reason = state->file.errorString();
            state->file.cancelWriting();
            fail(ServiceError::storage(
                QCoreApplication::translate("Portcullis::Rest", "Cannot write %1: %2").arg(path, reason)));
            return;
        }
        if (!response.ok()) {
            state->file.cancelWriting();
            fail(response.error());
            return;
        }
        if (!state->file.commit()) {
            fail(ServiceError::storage(QCoreApplication::translate("Portcullis::Rest", "Cannot write %1: %2")
                                           .arg(path, state->file.errorString())));
            return;
        }
        promise->addResult(Result<qint64>(qMax<qint64>(0, state->counter.records - (csv ? 1 : 0))));
        promise->finish();
    });
    return future;
}

// GET /api/admin/users/export streamed into the file, as exportAudit does with the audit log.

QFuture<Result<qint64>> RestBackend::exportAudit(const AuditQuery& query, const QString& path, bool jsonLines,
                                                 std::function<void(qint64)> progress,
                                                 std::shared_ptr<std::atomic_bool> cancel)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/audit/export");
    request.query = rest::auditFiltersToUrl(query);
    request.query.addQueryItem(QStringLiteral("format"), jsonLines ? QStringLiteral("jsonl") : QStringLiteral("csv"));
    return downloadExport(std::move(request), path, !jsonLines, std::move(progress), std::move(cancel));
}

QFuture<Result<qint64>> RestBackend::exportUsers(const UserQuery& query, const QString& path,
                                                 std::function<void(qint64)> progress,
                                                 std::shared_ptr<std::atomic_bool> cancel)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/users/export");
    request.query = rest::userQueryToUrl(query);
    request.query.removeQueryItem(QStringLiteral("page"));
    request.query.removeQueryItem(QStringLiteral("limit"));
    return downloadExport(std::move(request), path, true, std::move(progress), std::move(cancel));
}

QFuture<Result<AuditCheck>> RestBackend::verifyAudit(std::shared_ptr<std::atomic_bool> cancel)
{
    Request request;
    request.method = "POST";
    request.path = QStringLiteral("/api/admin/audit/verify");
    // Aborting the request is the cancel: the server stops verifying when its client goes away.
    request.cancel = std::move(cancel);
    return call<AuditCheck>(std::move(request), [](const Response& response) -> Result<AuditCheck> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        return rest::auditCheckFromJson(*object);
    });
}

QFuture<Result<Stats>> RestBackend::stats(Id organizationId)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/stats");
    if (organizationId != 0)
        request.query.addQueryItem(QStringLiteral("organization_id"), QString::number(organizationId));
    return call<Stats>(std::move(request), [](const Response& response) -> Result<Stats> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        return rest::statsFromJson(*object);
    });
}

QFuture<Result<QList<DayActivity>>> RestBackend::activity(Id organizationId, int days)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/audit/activity");
    request.query.addQueryItem(QStringLiteral("days"), QString::number(days));
    if (organizationId != 0)
        request.query.addQueryItem(QStringLiteral("organization_id"), QString::number(organizationId));
    return call<QList<DayActivity>>(std::move(request), [](const Response& response) -> Result<QList<DayActivity>> {
        const Result<QJsonObject> object = parseObject(response);
        if (!object.ok())
            return object.error();
        return rest::listFromJson<DayActivity>(object->value(QLatin1String("items")), &rest::dayActivityFromJson);
    });
}

QFuture<Result<DeploymentSettings>> RestBackend::settings()
{
    return json<DeploymentSettings>("GET", QStringLiteral("/api/admin/settings"), nullptr, &rest::settingsFromJson);
}

QFuture<Result<DeploymentSettings>> RestBackend::updateSettings(const SettingsChange& change)
{
    const QJsonObject body = rest::settingsChangeToJson(change);
    return announce(
        Record::Audit,
        json<DeploymentSettings>("PATCH", QStringLiteral("/api/admin/settings"), &body, &rest::settingsFromJson));
}

QFuture<Result<QList<MaintenanceRun>>> RestBackend::maintenanceRuns(int limit)
{
    Request request;
    request.method = "GET";
    request.path = QStringLiteral("/api/admin/maintenance");
    request.query.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return call<QList<MaintenanceRun>>(std::move(request),
                                       [](const Response& response) -> Result<QList<MaintenanceRun>> {
                                           const Result<QJsonObject> object = parseObject(response);
                                           if (!object.ok())
                                               return object.error();
                                           return rest::listFromJson<MaintenanceRun>(
                                               object->value(QLatin1String("items")), &rest::maintenanceRunFromJson);
                                       });
}

QFuture<Result<MaintenanceRun>> RestBackend::runMaintenance()
{
    const QJsonObject body;
    return announce(Record::Sessions | Record::Invitations,
                    json<MaintenanceRun>("POST", QStringLiteral("/api/admin/maintenance/run"), &body,
                                         &rest::maintenanceRunFromJson));
}

} // namespace portcullis
