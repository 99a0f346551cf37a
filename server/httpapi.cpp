#include "httpapi.h"

#include "policy/catalog.h"

#include "httpcall.h"
#include "jwt.h"
#include "policy/policy.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QThread>
#include <QTimer>

#ifdef Q_OS_LINUX
#include <pthread.h>
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>

namespace portcullis::server {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Http)
};

std::atomic<quint64> g_nextApiId { 1 };

} // namespace

Result<WorkerStore*> RestApi::contextForThisThread()
{
    return m_stores.forThisThread(m_config.database, false, [this](WorkerStore& worker) {
        worker.store->core().setAuditKeyFile(m_config.auditKeyFile);
        worker.support->setTokenSecret(m_config.jwtSecret);
    });
}

void RestApi::dropContextOfThisThread()
{
    m_stores.dropThisThread(); // the next request reconnects
}

namespace {

// Passwords that a driver message might carry (a URL's user:password@, password=...), masked
// before the message reaches the log.
QString redactSecrets(QString text)
{
    static const QRegularExpression userInfo(QStringLiteral("(://[^:/@\\s]*:)[^@\\s]*@"));
    static const QRegularExpression keyValue(QStringLiteral("(password\\s*=\\s*)('[^']*'|\\S+)"),
                                             QRegularExpression::CaseInsensitiveOption);
    text.replace(userInfo, QStringLiteral("\\1***@"));
    text.replace(keyValue, QStringLiteral("\\1***"));
    return text;
}

QString problemTitle(int status)
{
    return QString::fromLatin1(http::reasonPhrase(status));
}

// Query parameters that carry credentials: refused on every endpoint, because URLs end up in logs,
// proxies and browser history.
bool isCredentialParameter(const QString& name)
{
    static const QStringList names
        = { QStringLiteral("api_key"),       QStringLiteral("apikey"), QStringLiteral("api-key"),
            QStringLiteral("x-api-key"),     QStringLiteral("key"),    QStringLiteral("access_token"),
            QStringLiteral("refresh_token"), QStringLiteral("token"),  QStringLiteral("password") };
    return names.contains(name.toLower());
}

QList<QString> splitPath(const QByteArray& path, bool* ok)
{
    *ok = true;
    QList<QString> segments;
    const QList<QByteArray> raw = path.split('/');
    for (qsizetype i = 1; i < raw.size(); ++i) {
        if (raw.at(i).isEmpty() && i == raw.size() - 1 && i > 1)
            break; // one trailing slash is tolerated
        if (raw.at(i).isEmpty()) {
            *ok = false;
            return {};
        }
        segments << QString::fromUtf8(QByteArray::fromPercentEncoding(raw.at(i)));
    }
    return segments;
}

struct Match
{
    const RouteSpec* route = nullptr;
    QList<QString> params;
    QStringList allowed; // methods of routes matching the path, for 405
};

Match matchRoute(const QByteArray& method, const QList<QString>& segments)
{
    Match match;
    for (const RouteSpec& route : routes()) {
        if (route.segments.size() != segments.size())
            continue;
        QList<QString> params;
        bool same = true;
        for (qsizetype i = 0; i < segments.size() && same; ++i) {
            const QByteArray& pattern = route.segments.at(i);
            if (pattern.startsWith('{'))
                params << segments.at(i);
            else
                same = segments.at(i) == QLatin1String(pattern);
        }
        if (!same)
            continue;
        if (route.method == method) {
            match.route = &route;
            match.params = params;
            return match;
        }
        if (!match.allowed.contains(QString::fromLatin1(route.method)))
            match.allowed << QString::fromLatin1(route.method);
    }
    return match;
}

Reply unauthenticated(const QString& detail, bool invalidToken)
{
    Reply reply = problem(401, QStringLiteral("urn:portcullis:problem:unauthenticated"), problemTitle(401), detail,
                          QStringLiteral("unauthenticated"));
    reply.headers.emplaceBack("WWW-Authenticate",
                              invalidToken ? QByteArray("Bearer realm=\"portcullis\", error=\"invalid_token\"")
                                           : QByteArray("Bearer realm=\"portcullis\""));
    return reply;
}

QString labelFor(const Actor& actor)
{
    if (actor.kind == Actor::Kind::ApiKey)
        return QStringLiteral("api_key:") + QString::number(actor.apiKeyId);
    QString label = QStringLiteral("user:") + QString::number(actor.userId);
    if (actor.impersonatorId != 0)
        label += QStringLiteral("(impersonated_by:") + QString::number(actor.impersonatorId) + QLatin1Char(')');
    return label;
}

// Authenticates the request for `route`. On failure returns the reply to send.
std::optional<Reply> authenticate(Call& call, const RouteSpec& route)
{
    const QByteArray authorization = call.request.header("authorization");
    const QByteArray apiKey = call.request.header("x-api-key");
    if (!authorization.isNull() && !apiKey.isNull())
        return problem(400, QStringLiteral("urn:portcullis:problem:ambiguous-credentials"), problemTitle(400),
                       Tr::tr("Send either an Authorization header or an X-API-Key header, not both."),
                       QStringLiteral("validation"));

    if (!apiKey.isNull()) {
        const QString key = QString::fromLatin1(apiKey.trimmed());
        Result<Actor> verified = route.scopes.size() == 1
            ? call.store.apiKeys().verify(key, call.ip, route.scopes.constFirst())
            : call.store.apiKeys().verify(key, call.ip);
        if (!verified) {
            if (verified.error().code == ErrorCode::Unauthenticated)
                return unauthenticated(verified.error().message, true);
            return problem(verified.error(), call.request.id);
        }
        call.actor = *verified;
        call.actor.userAgent = call.userAgent;
        call.actorLabel = labelFor(call.actor);
        if (route.scopes.size() > 1) {
            const bool covered = std::any_of(route.scopes.cbegin(), route.scopes.cend(), [&](const QString& scope) {
                return policy::hasPermission(call.actor.permissions, scope);
            });
            if (!covered)
                // Bounded per key: a key hammering an endpoint it lacks adds a few rows a minute.
                return problem(call.store.core().denyBounded(
                                   QStringLiteral("key:") + QString::number(call.actor.apiKeyId), call.actor,
                                   AuditTarget { actions::ApiKeyUsed, QStringLiteral("api_key"),
                                                 QString::number(call.actor.apiKeyId), call.actor.organizationId },
                                   Tr::tr("API key lacks scope %1").arg(route.scopes.join(QStringLiteral(" or ")))),
                               call.request.id);
        }
        auto counted = call.support.countApiKeyRequest(call.actor.apiKeyId);
        if (!counted)
            return problem(counted.error(), call.request.id);
        if (!counted->allowed) {
            Reply reply = problem(429, QStringLiteral("urn:portcullis:problem:rate_limited"), problemTitle(429),
                                  Tr::tr("This API key is limited to %1 requests per minute; retry in %2 s.")
                                      .arg(counted->limit)
                                      .arg(counted->retryAfterSeconds),
                                  QStringLiteral("rate_limited"));
            reply.headers.emplaceBack("Retry-After", QByteArray::number(counted->retryAfterSeconds));
            reply.headers.emplaceBack("X-RateLimit-Limit", QByteArray::number(counted->limit));
            reply.headers.emplaceBack("X-RateLimit-Remaining", "0");
            return reply;
        }
        return std::nullopt;
    }

    if (authorization.isNull())
        return unauthenticated(Tr::tr("Sign in first: send \"Authorization: Bearer <access token>\" or an "
                                      "X-API-Key header."),
                               false);
    const QByteArray trimmed = authorization.trimmed();
    if (trimmed.size() < 8 || trimmed.left(7).toLower() != "bearer ")
        return unauthenticated(Tr::tr("Only Bearer tokens are accepted in the Authorization header."), true);
    const QByteArray token = trimmed.mid(7).trimmed();

    Result<Actor> actor = ServiceError::unauthenticated(QString());
    if (jwt::looksLikeJwt(token)) {
        auto claims = jwt::verify(call.config.jwtSecret, token, QDateTime::currentSecsSinceEpoch());
        if (!claims)
            return unauthenticated(claims.error().message, true);
        actor = call.support.actorForSession(claims->sessionId, claims->userId, call.ip, call.userAgent);
    } else {
        // An opaque session token, such as the one an impersonation hands out.
        actor = call.store.sessions().authenticate(QString::fromLatin1(token), call.ip);
        if (actor)
            actor->userAgent = call.userAgent;
    }
    if (!actor) {
        if (actor.error().code == ErrorCode::Unauthenticated)
            return unauthenticated(actor.error().message, true);
        return problem(actor.error(), call.request.id);
    }
    call.actor = *actor;
    call.actorLabel = labelFor(call.actor);
    return std::nullopt;
}

} // namespace

// --- helpers shared with the handlers ------------------------------------------------------------

QString clientAddress(const QHostAddress& peer, const QByteArray& forwardedFor,
                      const QList<QPair<QHostAddress, int>>& trustedProxies)
{
    auto trusted = [&](const QHostAddress& address) {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        bool mapped = false;
        const QHostAddress plain(address.toIPv4Address(&mapped));
        for (const auto& subnet : trustedProxies) {
            if (address.isInSubnet(subnet) || (mapped && plain.isInSubnet(subnet)))
                return true;
        }
        return false;
    };
    const auto text = [](const QHostAddress& address) {
        bool mapped = false;
        const quint32 v4 = address.toIPv4Address(&mapped);
        return mapped ? QHostAddress(v4).toString() : address.toString();
    };
    if (trustedProxies.isEmpty() || forwardedFor.isEmpty() || !trusted(peer))
        return text(peer);
    // "1.2.3.4", "1.2.3.4:5678", "2001:db8::1", "[2001:db8::1]" or "[2001:db8::1]:5678".
    auto parse = [](QByteArray hop) {
        hop = hop.trimmed();
        if (hop.startsWith('[')) {
            const qsizetype close = hop.indexOf(']');
            hop = close > 0 ? hop.mid(1, close - 1) : QByteArray();
        } else if (hop.count(':') == 1) {
            hop = hop.left(hop.indexOf(':'));
        }
        // Only the characters of an IP literal: QHostAddress also takes an IPv6 zone ("%eth0", any
        // bytes up to the end), which means nothing outside the proxy's host and would put the
        // client's bytes into the audit log and the allowlist checks.
        static const QByteArray literal("0123456789abcdefABCDEF:.");
        if (hop.isEmpty() || std::any_of(hop.cbegin(), hop.cend(), [](char c) { return !literal.contains(c); }))
            return QHostAddress();
        return QHostAddress(QString::fromLatin1(hop));
    };
    const QList<QByteArray> hops = forwardedFor.split(',');
    QHostAddress last = peer;
    for (auto it = hops.crbegin(); it != hops.crend(); ++it) {
        const QHostAddress hop = parse(*it);
        // Not an address: whoever wrote it is not a proxy we trust, and nothing left of it can be
        // believed. Recorded as unknown, which matches no allowlist.
        if (hop.isNull())
            return QStringLiteral("unknown");
        if (!trusted(hop))
            return text(hop);
        last = hop;
    }
    return text(last); // every hop is a trusted proxy: the left-most one sent the request
}

Reply json(int status, JsonWriter& writer)
{
    Reply reply;
    reply.status = status;
    reply.body = writer.take();
    return reply;
}

Reply noContent()
{
    Reply reply;
    reply.status = 204;
    reply.contentType.clear();
    return reply;
}

int statusFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Unauthenticated:
        return 401;
    case ErrorCode::Forbidden:
        return 403;
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::Conflict:
        return 409;
    case ErrorCode::Validation:
        return 400;
    case ErrorCode::RateLimited:
        return 429;
    case ErrorCode::Unavailable:
        return 503;
    case ErrorCode::Storage:
        return 500;
    }
    return 500;
}

Reply problem(int status, const QString& type, const QString& title, const QString& detail, const QString& code,
              const QHash<QString, QString>& errors, const QString& reason)
{
    JsonWriter w;
    w.beginObject();
    w.field("type", type);
    w.field("title", title);
    w.field("status", status);
    w.field("detail", detail);
    w.field("code", code);
    if (!reason.isEmpty())
        w.field("reason", reason);
    w.key("errors").beginObject();
    QStringList names = errors.keys();
    names.sort();
    for (const QString& name : std::as_const(names))
        w.key(name).value(errors.value(name)); // client field names: escaped like any string
    w.endObject();
    w.endObject();
    Reply reply;
    reply.status = status;
    reply.contentType = "application/problem+json";
    reply.body = w.take();
    return reply;
}

Reply problem(const ServiceError& error, quint64 requestId)
{
    const int status = statusFor(error.code);
    QString detail = error.message;
    if (error.code == ErrorCode::Storage) {
        // Database messages name tables and constraints: they stay in the server log.
        qCWarning(lcHttp).noquote()
            << QStringLiteral("#%1 storage error: %2").arg(requestId).arg(redactSecrets(error.message));
        detail = Tr::tr("The server could not complete the request because of a storage error (request %1); the "
                        "server log has the details.")
                     .arg(requestId);
    } else if (error.code == ErrorCode::Unavailable) {
        // "Cannot connect to postgresql://user@host:port/db: ..." names the deployment's database
        // host and role: useful to the operator, not to a client.
        qCWarning(lcHttp).noquote()
            << QStringLiteral("#%1 unavailable: %2").arg(requestId).arg(redactSecrets(error.message));
        detail = Tr::tr("The service is temporarily unavailable (request %1); try again shortly.").arg(requestId);
    }
    Reply reply = problem(status, QStringLiteral("urn:portcullis:problem:") + error.codeName(), problemTitle(status),
                          detail, error.codeName(), error.fieldErrors,
                          // Why a conflict happened is the client's business (reload, pick another
                          // value); why the database failed is the operator's (the log has it).
                          error.code == ErrorCode::Conflict ? error.reasonName() : QString());
    if (error.code == ErrorCode::Unavailable)
        reply.headers.emplaceBack("Retry-After", "1");
    if (error.code == ErrorCode::Unauthenticated)
        reply.headers.emplaceBack("WWW-Authenticate", "Bearer realm=\"portcullis\"");
    return reply;
}

QByteArray etag(qint64 version)
{
    return '"' + QByteArray::number(version) + '"';
}

QByteArray issueAccessToken(const ApiConfig& config, const Actor& actor, qint64 lifetimeSeconds)
{
    jwt::AccessClaims claims;
    claims.userId = actor.userId;
    claims.email = actor.email;
    claims.organizationId = actor.organizationId;
    claims.roles = actor.roleCodes;
    claims.sessionId = actor.sessionId;
    claims.tokenId = crypto::randomToken(16);
    claims.issuedAt = QDateTime::currentSecsSinceEpoch();
    claims.expiresAt = claims.issuedAt + lifetimeSeconds;
    return jwt::sign(config.jwtSecret, claims);
}

// --- RestApi -------------------------------------------------------------------------------------

RestApi::RestApi(ApiConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_id(g_nextApiId++)
    , m_stores(QStringLiteral("portcullis-http-%1").arg(m_id))
{
    m_pool.setMaxThreadCount(std::max(1, m_config.threads));
    // Threads keep their database connection: never retire them.
    m_pool.setExpiryTimeout(-1);
    m_pool.setObjectName(QStringLiteral("portcullis-http"));
    m_passwordPool.setMaxThreadCount(m_config.passwordThreads > 0 ? m_config.passwordThreads
                                                                  : std::max(1, QThread::idealThreadCount() / 2));
    m_sharedPasswordWork = m_config.passwordThreads == 0;
    m_passwordPool.setExpiryTimeout(-1);
    m_passwordPool.setObjectName(QStringLiteral("portcullis-passwords"));
    const int workers = m_pool.maxThreadCount();
    const int hashers = m_passwordPool.maxThreadCount();
    m_poolCapacity = workers + (m_config.queueLimit > 0 ? m_config.queueLimit : 64 * workers);
    m_passwordCapacity = hashers + (m_config.queueLimit > 0 ? m_config.queueLimit : 16 * hashers);
}

RestApi::~RestApi()
{
    m_passwordPool.clear();
    m_pool.clear();
    m_passwordPool.waitForDone();
    m_pool.waitForDone();
}

bool RestApi::drain(int msecs)
{
    QElapsedTimer timer;
    timer.start();
    m_passwordPool.clear();
    m_pool.clear();
    const bool passwords = m_passwordPool.waitForDone(msecs);
    return m_pool.waitForDone(std::max<qint64>(0, msecs - timer.elapsed())) && passwords;
}

namespace {

// The requests that verify or hash a password with Argon2 (tens of milliseconds and tens of MiB
// each): a flood of them queues in a pool of their own instead of taking every worker.
constexpr int PasswordRefusalDelayMs = 1000;

// A reply as it goes out: every answer of the API carries the same security headers and its id.
http::HttpResponse responseOf(Reply reply, quint64 requestId, const QString& actorLabel)
{
    http::HttpResponse response;
    response.status = reply.status;
    response.contentType = reply.contentType;
    response.body = std::move(reply.body);
    response.headers = std::move(reply.headers);
    // Nothing the API answers may be stored by a cache, except what says otherwise (the contract).
    const bool cacheable = std::any_of(response.headers.cbegin(), response.headers.cend(),
                                       [](const auto& header) { return header.first == "Cache-Control"; });
    if (!cacheable)
        response.headers.emplaceBack("Cache-Control", "no-store");
    response.headers.emplaceBack("X-Content-Type-Options", "nosniff");
    response.headers.emplaceBack("X-Request-Id", QByteArray::number(requestId));
    response.actorLabel = actorLabel;
    return response;
}
constexpr qint64 RefusalLogIntervalMs = 10000;

bool hashesPasswords(const http::HttpRequest& request)
{
    return request.method == "POST"
        && (request.path == "/api/auth/login" || request.path == "/api/auth/password/reset");
}

// Argon2 is CPU-bound for tens of milliseconds; on a machine with few cores a flood of sign-ins
// would take the CPU from the workers even in a pool of its own. The password threads run under
// SCHED_IDLE: they get whatever CPU the other requests leave, and a woken worker preempts them at
// once. Measured on 2 cores (bench_loginflood, docs/benchmarks.md), nice +10 and +19 left the other
// requests' p99 at 5-8 ms during a flood, SCHED_IDLE at about 4 ms. The price: while the other
// requests keep every core busy, sign-ins wait (on a machine that is never idle, give it more cores
// than --threads, or --password-threads 0).
void lowerPriorityOfThisThread()
{
#ifdef Q_OS_LINUX
    thread_local bool lowered = false;
    if (lowered)
        return;
    lowered = true;
    // Per thread: pthread_setschedparam changes this thread's policy only.
    sched_param param {};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) != 0)
        qCWarning(lcHttp) << "could not lower the priority of a password thread:" << qt_error_string(errno);
#endif
}

} // namespace

void answerStarting(http::HttpExchange& exchange, const DatabaseConfig& database)
{
    const http::HttpRequest& request = exchange.request();
    Reply reply;
    if (request.path == "/api/health/auth" && (request.method == "GET" || request.method == "HEAD")) {
        JsonWriter w;
        w.beginObject();
        w.field("status", "starting");
        w.field("database", "unreachable");
        w.field("dialect", database.dialect == Dialect::Sqlite ? "sqlite" : "postgresql");
        w.field("version", QStringLiteral(PORTCULLIS_VERSION));
        w.key("time").time(QDateTime::currentDateTimeUtc());
        w.endObject();
        reply = json(503, w);
    } else {
        reply = problem(503, QStringLiteral("urn:portcullis:problem:starting"), problemTitle(503),
                        Tr::tr("The server is starting and waits for its database; try again in a few seconds."),
                        QStringLiteral("unavailable"));
    }
    reply.headers.emplaceBack("Retry-After", "5");
    exchange.respond(responseOf(std::move(reply), request.id, QStringLiteral("-")));
}

void RestApi::handle(std::shared_ptr<http::HttpExchange> exchange)
{
    const bool passwords = !m_sharedPasswordWork && hashesPasswords(exchange->request());
    QThreadPool& pool = passwords ? m_passwordPool : m_pool;
    std::atomic_int& load = passwords ? m_passwordLoad : m_poolLoad;
    const int capacity = passwords ? m_passwordCapacity : m_poolCapacity;
    if (load.fetch_add(1, std::memory_order_relaxed) >= capacity) {
        load.fetch_sub(1, std::memory_order_relaxed);
        refuseOverloaded(std::move(exchange), passwords);
        return;
    }
    pool.start([this, exchange, &load, passwords]() {
        if (!passwords) {
            process(*exchange);
            load.fetch_sub(1, std::memory_order_relaxed);
            return;
        }
        lowerPriorityOfThisThread();
        QElapsedTimer spent;
        spent.start();
        process(*exchange);
        load.fetch_sub(1, std::memory_order_relaxed);
        // A flood (more sign-ins waiting than there are password threads): each thread rests as long
        // as its check took before the next, so Argon2 takes at most half of the cores it runs on and
        // the rest of the server keeps its caches and memory bandwidth. Sign-ins beyond that rate are
        // refused by the bounded queue, as they would be anyway.
        if (load.load(std::memory_order_relaxed) > m_passwordPool.maxThreadCount())
            QThread::msleep(std::min<qint64>(spent.elapsed(), 200));
    });
}

void RestApi::refuseOverloaded(std::shared_ptr<http::HttpExchange> exchange, bool passwords)
{
    // Answered without a worker or the database: a flood is refused at the cost of a few hundred
    // bytes.
    Reply reply = problem(503, QStringLiteral("urn:portcullis:problem:overloaded"), problemTitle(503),
                          passwords ? Tr::tr("Too many sign-ins are waiting; try again in a few seconds.")
                                    : Tr::tr("The server is busy; try again in a few seconds."),
                          QStringLiteral("unavailable"));
    reply.headers.emplaceBack("Retry-After", passwords ? "5" : "2");
    http::HttpResponse response = responseOf(std::move(reply), exchange->request().id, QStringLiteral("-"));
    // One line for the first refusal, then at most one every 10 s with the count: a flood must not
    // turn into a flood of log lines.
    const qint64 refused = m_refusedSinceLog.fetch_add(1, std::memory_order_relaxed) + 1;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    qint64 last = m_lastRefusalLogMs.load(std::memory_order_relaxed);
    if (nowMs - last >= RefusalLogIntervalMs
        && m_lastRefusalLogMs.compare_exchange_strong(last, nowMs, std::memory_order_relaxed)) {
        m_refusedSinceLog.fetch_sub(refused, std::memory_order_relaxed);
        qCWarning(lcHttp).noquote() << QStringLiteral("overloaded: %1 requests refused with 503 since the last report "
                                                      "(latest #%2: the %3 queue was full, %4 requests)")
                                           .arg(refused)
                                           .arg(exchange->request().id)
                                           .arg(passwords ? QStringLiteral("password") : QStringLiteral("worker"))
                                           .arg(passwords ? m_passwordCapacity : m_poolCapacity);
    }
    if (!passwords) {
        exchange->respond(std::move(response));
        return;
    }
    // A sign-in flood that ignores Retry-After would otherwise come straight back: its refusal is
    // held for a second (a timer on this object's thread, no worker), so each of the attacker's
    // connections costs it a second per attempt and the server a few bytes.
    QMetaObject::invokeMethod(
        this,
        [this, exchange, response = std::move(response)]() mutable {
            QTimer::singleShot(PasswordRefusalDelayMs, this, [exchange, response = std::move(response)]() mutable {
                exchange->respond(std::move(response));
            });
        },
        Qt::QueuedConnection);
}

void RestApi::process(http::HttpExchange& exchange)
{
    const http::HttpRequest& request = exchange.request();
    if (exchange.clientGone())
        return; // nobody is waiting for the answer

    auto send = [&exchange, &request](Reply reply, const QString& actorLabel, const http::HeaderList& extra = {}) {
        if (reply.streamed)
            return;
        reply.headers += extra;
        exchange.respond(responseOf(std::move(reply), request.id, actorLabel));
    };

    auto query = QueryParams::parse(request.query);
    if (!query) {
        send(problem(400, QStringLiteral("urn:portcullis:problem:invalid-query"), problemTitle(400),
                     query.error().message, QStringLiteral("validation"), query.error().fieldErrors),
             {});
        return;
    }
    // Credentials in the URL: refused before anything else, whatever the endpoint.
    for (const QString& name : query->names()) {
        if (isCredentialParameter(name) || crypto::looksLikeApiKey(query->value(name))) {
            send(problem(400, QStringLiteral("urn:portcullis:problem:credentials-in-url"), problemTitle(400),
                         Tr::tr("Credentials are not accepted in the URL (query parameter \"%1\"): URLs end up in "
                                "logs and histories. Send an API key in the X-API-Key header and tokens in the "
                                "Authorization header or the body; treat a key that was sent in a URL as exposed.")
                             .arg(name),
                         QStringLiteral("validation"), { { name, Tr::tr("Credentials belong in headers") } }),
                 {});
            return;
        }
    }

    bool pathOk = false;
    const QList<QString> segments = splitPath(request.path, &pathOk);
    const Match match = pathOk ? matchRoute(request.method, segments) : Match();
    if (!match.route) {
        if (!match.allowed.isEmpty()) {
            Reply reply
                = problem(405, QStringLiteral("urn:portcullis:problem:method-not-allowed"), problemTitle(405),
                          Tr::tr("%1 is not supported here; use %2.")
                              .arg(QString::fromLatin1(request.method), match.allowed.join(QStringLiteral(", "))),
                          QStringLiteral("not_found"));
            reply.headers.emplaceBack("Allow", match.allowed.join(QStringLiteral(", ")).toLatin1());
            send(reply, {});
        } else {
            send(problem(404, QStringLiteral("urn:portcullis:problem:not_found"), problemTitle(404),
                         Tr::tr("There is no endpoint %1 %2.")
                             .arg(QString::fromLatin1(request.method), QString::fromUtf8(request.path)),
                         QStringLiteral("not_found")),
                 {});
        }
        return;
    }
    const RouteSpec& route = *match.route;
    for (const QString& name : query->names()) {
        if (!route.takes(name)) {
            send(problem(400, QStringLiteral("urn:portcullis:problem:invalid-query"), problemTitle(400),
                         Tr::tr("Unknown query parameter \"%1\"%2")
                             .arg(name,
                                  route.params.isEmpty() ? Tr::tr("; this endpoint takes none.")
                                                         : Tr::tr("; this endpoint takes %1.")
                                                               .arg(route.paramNames().join(QStringLiteral(", ")))),
                         QStringLiteral("validation"), { { name, Tr::tr("Unknown query parameter") } }),
                 {});
            return;
        }
    }

    auto context = contextForThisThread();
    if (!context) {
        send(problem(context.error(), request.id), {});
        return;
    }
    Call call { exchange,
                request,
                *(*context)->store,
                *(*context)->support,
                m_config,
                Actor(),
                match.params,
                std::move(*query),
                clientAddress(request.peer, request.combinedHeader("x-forwarded-for"), m_config.trustedProxies),
                QString::fromUtf8(request.header("user-agent").left(500)),
                QString() };

    Reply reply;
    bool failedAuth = false;
    if (route.auth == Auth::Required) {
        if (auto refused = authenticate(call, route)) {
            reply = std::move(*refused);
            failedAuth = true;
        }
    }
    if (!failedAuth)
        reply = dispatch(call, route);
    const bool unavailable = reply.status == 503;
    send(std::move(reply), call.actorLabel);
    if (unavailable)
        dropContextOfThisThread(); // reconnect on the next request of this thread
}

} // namespace portcullis::server
