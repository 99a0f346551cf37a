// The endpoints of docs/api.md: each reads its path, query and body strictly, calls one manager
// (which checks the actor) and encodes the result. No rule is decided here.

#include "httpcall.h"
#include "jwt.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QIODevice>

namespace portcullis::server {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Http)
};

constexpr qint64 MaxId = 9007199254740991LL;
constexpr qint64 MaxPage = 1000000000LL;

Reply invalidBody(const ServiceError& error)
{
    return problem(400, QStringLiteral("urn:portcullis:problem:malformed-body"),
                   QString::fromLatin1(http::reasonPhrase(400)), error.message, QStringLiteral("validation"),
                   error.fieldErrors);
}

Reply invalidQuery(const ServiceError& error)
{
    return problem(400, QStringLiteral("urn:portcullis:problem:invalid-query"),
                   QString::fromLatin1(http::reasonPhrase(400)), error.message, QStringLiteral("validation"),
                   error.fieldErrors);
}

Reply failed(const Call& call, const ServiceError& error)
{
    return problem(error, call.request.id);
}

Reply noSuch(const QString& what, const QString& value)
{
    return problem(404, QStringLiteral("urn:portcullis:problem:not_found"),
                   QString::fromLatin1(http::reasonPhrase(404)), Tr::tr("No %1 with id \"%2\"").arg(what, value),
                   QStringLiteral("not_found"));
}

template <typename T> Reply listOf(const QList<T>& items, void (*write)(JsonWriter&, const T&))
{
    JsonWriter w;
    w.reserve(256 + items.size() * 640); // a user is about 550 bytes: one allocation per list
    w.beginObject();
    w.key("items").beginArray();
    for (const T& item : items)
        write(w, item);
    w.endArray();
    w.endObject();
    return json(200, w);
}

template <typename T> Reply pageOf(const Page<T>& page, void (*write)(JsonWriter&, const T&))
{
    JsonWriter w;
    w.reserve(256 + page.items.size() * 640); // a user is about 550 bytes: one allocation per page
    w.beginObject();
    w.key("items").beginArray();
    for (const T& item : page.items)
        write(w, item);
    w.endArray();
    w.field("total", page.total);
    // true: the list counted its matches only up to a bound (limits::ExactTotalBound), and at least
    // `total` rows match (docs/api.md, "Totals").
    w.field("total_is_lower_bound", page.totalIsLowerBound);
    w.field("page", page.page);
    w.field("limit", page.limit);
    w.endObject();
    return json(200, w);
}

Reply userReply(int status, const User& user)
{
    JsonWriter w;
    writeUser(w, user);
    Reply reply = json(status, w);
    reply.headers.emplaceBack("ETag", etag(user.version));
    if (status == 201)
        reply.headers.emplaceBack("Location", "/api/admin/users/" + QByteArray::number(user.id));
    return reply;
}

Reply organizationReply(int status, const Organization& organization)
{
    JsonWriter w;
    writeOrganization(w, organization);
    Reply reply = json(status, w);
    if (status == 201)
        reply.headers.emplaceBack("Location", "/api/admin/organizations/" + QByteArray::number(organization.id));
    return reply;
}

Reply roleReply(int status, const Role& role)
{
    JsonWriter w;
    writeRole(w, role);
    Reply reply = json(status, w);
    if (status == 201)
        reply.headers.emplaceBack("Location", "/api/admin/roles/" + QByteArray::number(role.id));
    return reply;
}

void writeApiKeyObject(JsonWriter& w, const ApiKey& key)
{
    w.beginObject();
    writeApiKey(w, key);
    w.endObject();
}

void writeInvitationObject(JsonWriter& w, const Invitation& invitation)
{
    w.beginObject();
    writeInvitation(w, invitation);
    w.endObject();
}

// page and limit of the small paged lists.
bool readPaging(Call& call, int* page, int* limit)
{
    *page = int(call.query.integer("page", 1, MaxPage).value_or(1));
    *limit = int(call.query.integer("limit", 1, limits::MaxPageSize).value_or(50));
    return true;
}

Reply tokenPair(Call& call, const Actor& actor, const IssuedRefreshToken& refresh)
{
    call.actorLabel = QStringLiteral("user:") + QString::number(actor.userId);
    JsonWriter w;
    w.beginObject();
    w.field("access_token", QString::fromLatin1(issueAccessToken(call.config, actor)));
    w.field("token_type", "bearer");
    w.field("expires_in", jwt::AccessTokenSeconds);
    w.field("refresh_token", refresh.token);
    w.field("refresh_expires_in", QDateTime::currentDateTimeUtc().secsTo(refresh.expiresAt));
    w.key("session_id").id(actor.sessionId);
    w.key("user_id").id(actor.userId);
    w.endObject();
    return json(200, w);
}

// "\"7\"", W/"7" or 7 -> 7.
std::optional<qint64> parseEntityTag(QByteArray tag)
{
    tag = tag.trimmed();
    if (tag.startsWith("W/"))
        tag = tag.mid(2);
    if (tag.size() >= 2 && tag.startsWith('"') && tag.endsWith('"'))
        tag = tag.mid(1, tag.size() - 2);
    bool ok = false;
    const qint64 version = tag.toLongLong(&ok);
    if (!ok || version < 0)
        return std::nullopt;
    return version;
}

// --- auth ----------------------------------------------------------------------------------------

Reply health(Call& call)
{
    const Status ping = call.support.ping();
    JsonWriter w;
    w.beginObject();
    w.field("status", ping ? "healthy" : "unhealthy");
    w.field("database", ping ? "connected" : "unreachable");
    w.field("dialect", call.config.database.dialect == Dialect::Sqlite ? "sqlite" : "postgresql");
    w.field("version", QStringLiteral(PORTCULLIS_VERSION));
    w.key("time").time(QDateTime::currentDateTimeUtc());
    w.endObject();
    return json(ping ? 200 : 503, w);
}

Reply tooManySignIns(int retryAfterSeconds)
{
    Reply reply = problem(429, QStringLiteral("urn:portcullis:problem:rate_limited"),
                          QString::fromLatin1(http::reasonPhrase(429)),
                          Tr::tr("Too many failed sign-ins from this address; retry in %1 s.").arg(retryAfterSeconds),
                          QStringLiteral("rate_limited"));
    reply.headers.emplaceBack("Retry-After", QByteArray::number(retryAfterSeconds));
    return reply;
}

Reply login(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto email = body->string("email", JsonBody::Required, 1000);
    const auto password = body->string("password", JsonBody::Required, 10000);
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    // Throttled per client address before anything about the account is looked at, so the 429
    // says nothing about which accounts exist (docs/api.md, POST /api/auth/login).
    auto wait = call.support.loginWait(call.ip);
    if (!wait)
        return failed(call, wait.error());
    if (*wait > 0)
        return tooManySignIns(*wait);
    auto signedIn = call.store.auth().login(*email, *password, call.ip, call.userAgent);
    if (!signedIn) {
        if (signedIn.error().code == ErrorCode::Unauthenticated) {
            if (auto counted = call.support.recordLoginFailure(call.ip); !counted)
                return failed(call, counted.error());
        }
        return failed(call, signedIn.error());
    }
    auto refresh = call.support.issueRefreshToken(signedIn->session.id);
    if (!refresh)
        return failed(call, refresh.error());
    Actor actor = signedIn->actor;
    actor.sessionId = signedIn->session.id;
    return tokenPair(call, actor, *refresh);
}

Reply refresh(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto token = body->string("refresh_token", JsonBody::Required, 1000);
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto rotated = call.support.rotateRefreshToken(*token, call.ip);
    if (!rotated)
        return failed(call, rotated.error());
    auto actor = call.support.actorForSession(rotated->sessionId, rotated->userId, call.ip, call.userAgent);
    if (!actor)
        return failed(call, actor.error());
    return tokenPair(call, *actor, rotated->next);
}

Reply logout(Call& call)
{
    if (call.actor.kind == Actor::Kind::ApiKey || call.actor.sessionId == 0)
        return noContent(); // an API key has no session to end
    if (auto done = call.store.auth().logout(call.actor); !done)
        return failed(call, done.error());
    if (auto revoked = call.support.revokeRefreshTokens(call.actor.sessionId); !revoked)
        return failed(call, revoked.error());
    return noContent();
}

Reply me(Call& call)
{
    JsonWriter w;
    w.beginObject();
    writeActor(w, call.actor);
    w.key("user");
    if (call.actor.kind == Actor::Kind::User) {
        auto user = call.store.users().get(call.actor, call.actor.userId);
        if (!user)
            return failed(call, user.error());
        writeUser(w, *user);
    } else {
        w.null();
    }
    w.endObject();
    return json(200, w);
}

// --- users ---------------------------------------------------------------------------------------

Reply listUsers(Call& call)
{
    UserQuery query;
    query.search = call.query.string("search");
    query.roleCode = call.query.string("role");
    query.status = call.query.string("status");
    query.organizationId = call.query.integer("organization_id", 1, MaxId).value_or(0);
    if (call.query.has("sort"))
        query.sortBy = call.query.string("sort");
    const QString order = call.query.has("order") ? call.query.string("order").toLower() : QStringLiteral("asc");
    readPaging(call, &query.page, &query.limit);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    if (order != QLatin1String("asc") && order != QLatin1String("desc"))
        return invalidQuery(ServiceError::validationField(QStringLiteral("order"), Tr::tr("Must be asc or desc")));
    query.descending = order == QLatin1String("desc");
    auto page = call.store.users().list(call.actor, query);
    if (!page)
        return failed(call, page.error());
    return pageOf<User>(*page, &writeUser);
}

Reply createUser(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    NewUser user;
    const auto email = body->string("email", JsonBody::Required);
    const auto username = body->string("username", JsonBody::Required);
    const auto fullName = body->string("full_name");
    const auto password = body->string("password", JsonBody::Required);
    const auto organization = body->integer("organization_id", JsonBody::Nullable);
    const auto roles = body->strings("role_codes");
    const auto verified = body->boolean("verified");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    user.email = *email;
    user.username = *username;
    user.fullName = fullName.value;
    user.password = *password;
    user.organizationId = organization.has() ? *organization : 0;
    if (roles.has())
        user.roleCodes = *roles;
    user.verified = verified.has() && *verified;
    auto created = call.store.users().create(call.actor, user);
    if (!created)
        return failed(call, created.error());
    return userReply(201, *created);
}

Reply getUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    auto user = call.store.users().get(call.actor, id);
    if (!user)
        return failed(call, user.error());
    return userReply(200, *user);
}

Reply updateUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    const QByteArray ifMatch = call.request.header("if-match");
    if (ifMatch.isNull())
        return problem(428, QStringLiteral("urn:portcullis:problem:precondition-required"),
                       QString::fromLatin1(http::reasonPhrase(428)),
                       Tr::tr("Send If-Match with the ETag from GET /api/admin/users/%1, so that a change made "
                              "meanwhile by someone else is not overwritten.")
                           .arg(id),
                       QStringLiteral("validation"));
    const auto version = parseEntityTag(ifMatch);
    if (!version)
        return problem(428, QStringLiteral("urn:portcullis:problem:precondition-required"),
                       QString::fromLatin1(http::reasonPhrase(428)),
                       Tr::tr("If-Match must hold one ETag of this user (such as \"3\"), not \"%1\".")
                           .arg(QString::fromLatin1(ifMatch.left(60))),
                       QStringLiteral("validation"));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    UserUpdate update;
    update.expectedVersion = *version;
    const auto email = body->string("email");
    const auto username = body->string("username");
    const auto fullName = body->string("full_name");
    const auto verified = body->boolean("verified");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    if (email.has())
        update.email = *email;
    if (username.has())
        update.username = *username;
    if (fullName.has())
        update.fullName = *fullName;
    if (verified.has())
        update.verified = *verified;
    if (!update.email && !update.username && !update.fullName && !update.verified)
        return invalidBody(ServiceError::validation(
            Tr::tr("Nothing to change: send at least one of email, username, full_name, verified")));
    auto updated = call.store.users().update(call.actor, id, update);
    if (!updated) {
        if (updated.error().reason == ErrorReason::StaleVersion) {
            // The row version moved on since the client read it: the precondition failed.
            auto current = call.store.core().loadUser(id);
            if (current && current->version != *version) {
                Reply reply = problem(412, QStringLiteral("urn:portcullis:problem:precondition-failed"),
                                      QString::fromLatin1(http::reasonPhrase(412)), updated.error().message,
                                      QStringLiteral("conflict"), {}, updated.error().reasonName());
                reply.headers.emplaceBack("ETag", etag(current->version));
                return reply;
            }
        }
        return failed(call, updated.error());
    }
    return userReply(200, *updated);
}

Reply deleteUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    if (auto done = call.store.users().remove(call.actor, id); !done)
        return failed(call, done.error());
    return noContent();
}

Reply assignRole(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto code = body->string("role_code", JsonBody::Required, 200);
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    if (auto done = call.store.users().assignRole(call.actor, id, *code); !done)
        return failed(call, done.error());
    return noContent();
}

Reply revokeRole(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    if (auto done = call.store.users().revokeRole(call.actor, id, call.pathParams.value(1)); !done)
        return failed(call, done.error());
    return noContent();
}

Reply banUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto reason = body->string("reason", JsonBody::Required);
    const auto expires = body->time("expires_at", JsonBody::Nullable);
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto user = call.store.users().ban(call.actor, id, *reason, expires.has() ? *expires : QDateTime());
    if (!user)
        return failed(call, user.error());
    return userReply(200, *user);
}

Reply unbanUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto user = call.store.users().unban(call.actor, id);
    if (!user)
        return failed(call, user.error());
    return userReply(200, *user);
}

Reply suspendUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    const auto reason = body->string("reason");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto user = call.store.users().suspend(call.actor, id, reason.value);
    if (!user)
        return failed(call, user.error());
    return userReply(200, *user);
}

Reply unsuspendUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto user = call.store.users().unsuspend(call.actor, id);
    if (!user)
        return failed(call, user.error());
    return userReply(200, *user);
}

Reply setPassword(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto password = body->string("password", JsonBody::Required);
    const auto current = body->string("current_password");
    const auto revokeKeys = body->boolean("revoke_api_keys");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    // An administrator's reset revokes the user's API keys unless told not to; changing one's own
    // password keeps them unless asked.
    const bool self = call.actor.kind == Actor::Kind::User && call.actor.userId == id;
    PasswordChange change;
    change.password = *password;
    change.currentPassword = current.value;
    change.revokeApiKeys = revokeKeys.has() ? *revokeKeys : !self;
    if (auto done = call.store.users().setPassword(call.actor, id, change); !done)
        return failed(call, done.error());
    return noContent();
}

Reply resetToken(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto token = call.store.tokens().issuePasswordReset(call.actor, id);
    if (!token)
        return failed(call, token.error());
    JsonWriter w;
    w.beginObject();
    w.key("user_id").id(id);
    w.field("token", *token);
    w.key("expires_at").time(QDateTime::currentDateTimeUtc().addSecs(qint64(limits::ResetTokenHours) * 3600));
    w.endObject();
    return json(201, w);
}

Reply impersonate(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto reason = body->string("reason", JsonBody::Required);
    const auto minutes = body->integer("duration_minutes");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    const qint64 duration = minutes.has() ? *minutes : 30;
    auto created = call.store.sessions().impersonate(
        call.actor, id, *reason, int(std::clamp<qint64>(duration, -1, limits::MaxImpersonationMinutes + 1)));
    if (!created)
        return failed(call, created.error());
    JsonWriter w;
    w.beginObject();
    w.field("token", created->token);
    w.field("token_type", "bearer");
    w.key("expires_at").time(created->session.expiresAt);
    w.field("expires_in", QDateTime::currentDateTimeUtc().secsTo(created->session.expiresAt));
    w.key("session");
    writeSession(w, created->session);
    w.endObject();
    return json(201, w);
}

Reply sessionsOfUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    SessionQuery query;
    query.userId = id;
    readPaging(call, &query.page, &query.limit);
    query.includeRevoked = call.query.boolean("include_revoked").value_or(false);
    query.includeExpired = call.query.boolean("include_expired").value_or(false);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    auto page = call.store.sessions().list(call.actor, query);
    if (!page)
        return failed(call, page.error());
    return pageOf<Session>(*page, &writeSession);
}

Reply revokeSessionsOfUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    const bool revokeKeys = call.query.boolean("revoke_api_keys").value_or(false);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    auto count = call.store.sessions().revokeAllForUser(call.actor, id, 0, revokeKeys);
    if (!count)
        return failed(call, count.error());
    JsonWriter w;
    w.beginObject();
    w.field("revoked", *count);
    w.endObject();
    return json(200, w);
}

Reply permissionsOfUser(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    auto permissions = call.store.roles().userEffectivePermissions(call.actor, id);
    if (!permissions)
        return failed(call, permissions.error());
    JsonWriter w;
    w.beginObject();
    w.key("user_id").id(id);
    w.key("items").strings(*permissions);
    w.endObject();
    return json(200, w);
}

// --- API keys ------------------------------------------------------------------------------------

Reply createApiKey(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("user"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    NewApiKey key;
    key.userId = id;
    const auto name = body->string("name", JsonBody::Required);
    const auto scopes = body->strings("scopes");
    const auto expires = body->time("expires_at", JsonBody::Nullable);
    const auto rate = body->integer("rate_limit_per_minute");
    const auto allowlist = body->strings("ip_allowlist");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    key.name = *name;
    key.scopes = scopes.value;
    if (expires.has())
        key.expiresAt = *expires;
    if (rate.has())
        key.rateLimitPerMinute = int(std::clamp<qint64>(*rate, -1, 1000000000));
    key.ipAllowlist = allowlist.value;
    auto created = call.store.apiKeys().create(call.actor, key);
    if (!created)
        return failed(call, created.error());
    JsonWriter w;
    w.beginObject();
    writeApiKey(w, created->key);
    w.field("key", created->secret);
    w.endObject();
    Reply reply = json(201, w);
    reply.headers.emplaceBack("Location", "/api/admin/api-keys/" + QByteArray::number(created->key.id));
    return reply;
}

Reply listApiKeys(Call& call)
{
    const Id userId = call.query.integer("user_id", 1, MaxId).value_or(0);
    int page = 1;
    int limit = 50;
    readPaging(call, &page, &limit);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    auto keys = call.store.apiKeys().list(call.actor, userId, page, limit);
    if (!keys)
        return failed(call, keys.error());
    return pageOf<ApiKey>(*keys, &writeApiKeyObject);
}

Reply revokeApiKey(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("API key"), call.pathParams.value(0));
    if (auto done = call.store.apiKeys().revoke(call.actor, id); !done)
        return failed(call, done.error());
    return noContent();
}

// --- roles and permissions -----------------------------------------------------------------------

Reply listRoles(Call& call)
{
    auto roles = call.store.roles().list(call.actor);
    if (!roles)
        return failed(call, roles.error());
    return listOf<Role>(*roles, &writeRole);
}

Reply createRole(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    NewRole role;
    const auto code = body->string("code", JsonBody::Required, 200);
    const auto name = body->string("name", JsonBody::Required);
    const auto description = body->string("description");
    const auto level = body->integer("level", JsonBody::Required);
    const auto organization = body->integer("organization_id", JsonBody::Nullable);
    const auto permissions = body->strings("permission_codes");
    const auto grants = body->strings("grants");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    role.code = *code;
    role.name = *name;
    role.description = description.value;
    role.level = int(std::clamp<qint64>(*level, -1, 1000));
    role.organizationId = organization.has() ? *organization : 0;
    role.permissions = permissions.value;
    role.grants = grants.value;
    auto created = call.store.roles().create(call.actor, role);
    if (!created)
        return failed(call, created.error());
    return roleReply(201, *created);
}

Reply updateRole(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("role"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    RoleUpdate update;
    const auto name = body->string("name");
    const auto description = body->string("description");
    const auto level = body->integer("level");
    const auto permissions = body->strings("permission_codes");
    const auto grants = body->strings("grants");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    if (name.has())
        update.name = *name;
    if (description.has())
        update.description = *description;
    if (level.has())
        update.level = int(std::clamp<qint64>(*level, -1, 1000));
    if (permissions.has())
        update.permissions = *permissions;
    if (grants.has())
        update.grants = *grants;
    auto updated = call.store.roles().update(call.actor, id, update);
    if (!updated)
        return failed(call, updated.error());
    return roleReply(200, *updated);
}

Reply deleteRole(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("role"), call.pathParams.value(0));
    const bool cascade = call.query.boolean("cascade").value_or(false);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    if (auto done = call.store.roles().remove(call.actor, id, cascade); !done)
        return failed(call, done.error());
    return noContent();
}

Reply rolePermissions(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("role"), call.pathParams.value(0));
    auto permissions = call.store.roles().effectivePermissions(call.actor, id);
    if (!permissions)
        return failed(call, permissions.error());
    JsonWriter w;
    w.beginObject();
    w.key("role_id").id(id);
    w.key("items").strings(*permissions);
    w.endObject();
    return json(200, w);
}

Reply listPermissions(Call& call)
{
    auto permissions = call.store.permissions().list(call.actor);
    if (!permissions)
        return failed(call, permissions.error());
    return listOf<Permission>(*permissions, &writePermission);
}

// --- sessions ------------------------------------------------------------------------------------

Reply listSessions(Call& call)
{
    SessionQuery query;
    query.userId = call.query.integer("user_id", 1, MaxId).value_or(0);
    readPaging(call, &query.page, &query.limit);
    query.includeRevoked = call.query.boolean("include_revoked").value_or(false);
    query.includeExpired = call.query.boolean("include_expired").value_or(false);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    auto page = call.store.sessions().list(call.actor, query);
    if (!page)
        return failed(call, page.error());
    return pageOf<Session>(*page, &writeSession);
}

Reply revokeSession(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("session"), call.pathParams.value(0));
    if (auto done = call.store.sessions().revoke(call.actor, id); !done)
        return failed(call, done.error());
    // The refresh tokens follow the session (they are refused once it is revoked); marking them
    // revoked too keeps the table honest.
    if (auto revoked = call.support.revokeRefreshTokens(id); !revoked)
        return failed(call, revoked.error());
    return noContent();
}

// --- audit ---------------------------------------------------------------------------------------

void readAuditFilters(Call& call, AuditQuery& query)
{
    query.actorId = call.query.integer("actor_id", 1, MaxId).value_or(0);
    query.actorType = call.query.string("actor_type");
    query.actorEmail = call.query.string("actor_email");
    query.action = call.query.string("action");
    query.resourceType = call.query.string("resource_type");
    query.resourceId = call.query.string("resource_id");
    query.outcome = call.query.string("outcome");
    query.organizationId = call.query.integer("organization_id", 1, MaxId).value_or(0);
    query.ip = call.query.string("ip");
    query.from = call.query.time("from").value_or(QDateTime());
    query.to = call.query.time("to").value_or(QDateTime());
}

Reply queryAudit(Call& call)
{
    AuditQuery query;
    readAuditFilters(call, query);
    query.cursor = call.query.string("cursor");
    query.limit = int(call.query.integer("limit", 1, limits::MaxPageSize).value_or(100));
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    auto page = call.store.audit().query(call.actor, query);
    if (!page)
        return failed(call, page.error());
    JsonWriter w;
    w.reserve(256 + page->items.size() * 512);
    w.beginObject();
    w.key("items").beginArray();
    for (const AuditEvent& event : std::as_const(page->items))
        writeAuditEvent(w, event);
    w.endArray();
    w.key("next_cursor");
    if (page->nextCursor.isEmpty())
        w.null();
    else
        w.value(page->nextCursor);
    w.endObject();
    return json(200, w);
}

Reply getAuditEvent(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("audit event"), call.pathParams.value(0));
    auto event = call.store.audit().get(call.actor, id);
    if (!event)
        return failed(call, event.error());
    JsonWriter w;
    writeAuditEvent(w, *event);
    return json(200, w);
}

// The export's output: every write becomes one chunk of the HTTP response, sent with back-pressure
// (a write blocks while the client is behind). The response starts with the first write, so that a
// refusal before any row still gets a proper problem response.
class ExchangeDevice : public QIODevice
{
public:
    ExchangeDevice(Call& call, QByteArray contentType, http::HeaderList headers)
        : m_call(call)
        , m_contentType(std::move(contentType))
        , m_headers(std::move(headers))
    { }
    bool isSequential() const override { return true; }
    void start()
    {
        if (!m_call.exchange.streamStarted())
            m_call.exchange.startStream(200, m_contentType, m_headers, m_call.actorLabel);
    }

protected:
    qint64 readData(char*, qint64) override { return -1; }
    qint64 writeData(const char* data, qint64 size) override
    {
        start();
        if (!m_call.exchange.writeChunk(QByteArray(data, size))) {
            setErrorString(Tr::tr("the client went away"));
            return -1;
        }
        return size;
    }

private:
    Call& m_call;
    QByteArray m_contentType;
    http::HeaderList m_headers;
};

Reply exportAudit(Call& call)
{
    AuditQuery query;
    readAuditFilters(call, query);
    const QString format = call.query.has("format") ? call.query.string("format").toLower() : QStringLiteral("csv");
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    if (format != QLatin1String("csv") && format != QLatin1String("jsonl"))
        return invalidQuery(ServiceError::validationField(QStringLiteral("format"), Tr::tr("Must be csv or jsonl")));
    if (call.request.http10)
        return problem(505, QStringLiteral("urn:portcullis:problem:http-version"),
                       QString::fromLatin1(http::reasonPhrase(505)),
                       Tr::tr("The export is streamed in chunks: use HTTP/1.1."), QStringLiteral("validation"));
    const bool csv = format == QLatin1String("csv");
    const QByteArray fileName = "audit-"
        + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")).toLatin1()
        + (csv ? ".csv" : ".jsonl");
    http::HeaderList headers { { "Content-Disposition", "attachment; filename=\"" + fileName + '"' },
                               { "Cache-Control", "no-store" },
                               { "X-Content-Type-Options", "nosniff" },
                               { "X-Request-Id", QByteArray::number(call.request.id) } };
    ExchangeDevice device(call, csv ? QByteArray("text/csv; charset=utf-8") : QByteArray("application/x-ndjson"),
                          headers);
    device.open(QIODevice::WriteOnly);
    ExportOptions options;
    options.format = csv ? ExportFormat::Csv : ExportFormat::JsonLines;
    options.batchSize = 1000;
    options.cancel = call.exchange.cancelFlag();
    auto written = call.store.audit().exportTo(call.actor, query, device, options);
    Reply streamed;
    streamed.streamed = true;
    if (!written) {
        if (call.exchange.streamStarted()) {
            // Part of the body is out: only a cut connection can tell the client it is incomplete.
            qCWarning(lcHttp).noquote()
                << QStringLiteral("#%1 export stopped: %2").arg(call.request.id).arg(written.error().message);
            call.exchange.abortStream();
            return streamed;
        }
        return failed(call, written.error());
    }
    device.start();
    call.exchange.finishStream();
    return streamed;
}

Reply verifyAudit(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    // Stops when the client goes away: nobody would read the answer.
    auto result = call.store.audit().verify(call.actor, call.exchange.cancelFlag());
    if (!result)
        return failed(call, result.error());
    JsonWriter w;
    w.beginObject();
    w.field("ok", result->ok);
    w.field("count", result->count);
    w.key("first_broken_id").idOrNull(result->firstBrokenId);
    w.key("problem");
    if (result->problem.isEmpty())
        w.null();
    else
        w.value(result->problem);
    w.endObject();
    return json(200, w);
}

Reply activity(Call& call)
{
    const int days = int(call.query.integer("days", 1, 366).value_or(30));
    const Id organizationId = call.query.integer("organization_id", 1, MaxId).value_or(0);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    auto series = call.store.audit().dailyActivity(call.actor, organizationId, days);
    if (!series)
        return failed(call, series.error());
    return listOf<DayActivity>(*series, &writeDayActivity);
}

// --- organizations and invitations ---------------------------------------------------------------

Reply listOrganizations(Call& call)
{
    auto organizations = call.store.organizations().list(call.actor);
    if (!organizations)
        return failed(call, organizations.error());
    return listOf<Organization>(*organizations, &writeOrganization);
}

Reply createOrganization(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    NewOrganization organization;
    const auto name = body->string("name", JsonBody::Required);
    const auto slug = body->string("slug");
    const auto plan = body->string("plan");
    const auto maxUsers = body->integer("max_users");
    const auto features = body->strings("features");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    organization.name = *name;
    organization.slug = slug.value;
    if (plan.has())
        organization.plan = *plan;
    if (maxUsers.has())
        organization.maxUsers = int(std::clamp<qint64>(*maxUsers, -1, 1000000000));
    organization.features = features.value;
    auto created = call.store.organizations().create(call.actor, organization);
    if (!created)
        return failed(call, created.error());
    return organizationReply(201, *created);
}

Reply getOrganization(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("organization"), call.pathParams.value(0));
    auto organization = call.store.organizations().get(call.actor, id);
    if (!organization)
        return failed(call, organization.error());
    return organizationReply(200, *organization);
}

Reply updateOrganization(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("organization"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    OrganizationUpdate update;
    const auto name = body->string("name");
    const auto plan = body->string("plan");
    const auto maxUsers = body->integer("max_users");
    const auto features = body->strings("features");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    if (name.has())
        update.name = *name;
    if (plan.has())
        update.plan = *plan;
    if (maxUsers.has())
        update.maxUsers = int(std::clamp<qint64>(*maxUsers, -1, 1000000000));
    if (features.has())
        update.features = *features;
    auto updated = call.store.organizations().update(call.actor, id, update);
    if (!updated)
        return failed(call, updated.error());
    return organizationReply(200, *updated);
}

Reply deleteOrganization(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("organization"), call.pathParams.value(0));
    QString confirm = call.query.string("confirm");
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    const auto confirmField = body->string("confirm");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    if (confirmField.has()) {
        if (call.query.has("confirm") && confirm != *confirmField)
            return invalidBody(ServiceError::validationField(QStringLiteral("confirm"),
                                                             Tr::tr("The body and the query name different slugs")));
        confirm = *confirmField;
    }
    if (auto done = call.store.organizations().wipeOut(call.actor, id, confirm); !done)
        return failed(call, done.error());
    return noContent();
}

Reply suspendOrganization(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("organization"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto organization = call.store.organizations().suspend(call.actor, id);
    if (!organization)
        return failed(call, organization.error());
    return organizationReply(200, *organization);
}

Reply unsuspendOrganization(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("organization"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure, true);
    if (!body)
        return failure;
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto organization = call.store.organizations().unsuspend(call.actor, id);
    if (!organization)
        return failed(call, organization.error());
    return organizationReply(200, *organization);
}

Reply listInvitations(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("organization"), call.pathParams.value(0));
    auto invitations = call.store.organizations().invitations(call.actor, id);
    if (!invitations)
        return failed(call, invitations.error());
    return listOf<Invitation>(*invitations, &writeInvitationObject);
}

Reply invite(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("organization"), call.pathParams.value(0));
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto email = body->string("email", JsonBody::Required);
    const auto role = body->string("role_code", JsonBody::Required, 200);
    const auto days = body->integer("valid_days");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    const int validDays = days.has() ? int(std::clamp<qint64>(*days, -1, 100000)) : limits::InvitationDays;
    auto created = call.store.organizations().invite(call.actor, id, *email, *role, validDays);
    if (!created)
        return failed(call, created.error());
    JsonWriter w;
    w.beginObject();
    writeInvitation(w, created->invitation);
    w.field("token", created->token);
    w.endObject();
    return json(201, w);
}

Reply revokeInvitation(Call& call)
{
    const Id id = call.id();
    if (!id)
        return noSuch(QStringLiteral("invitation"), call.pathParams.value(0));
    if (auto done = call.store.organizations().revokeInvitation(call.actor, id); !done)
        return failed(call, done.error());
    return noContent();
}

// The one-time code an admin issued (POST /api/admin/users/{id}/reset-token) sets a new password;
// every session of the account ends, and its API keys are revoked unless revoke_api_keys is false.
Reply resetPassword(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto token = body->string("token", JsonBody::Required, 1000);
    const auto password = body->string("new_password", JsonBody::Required, 10000);
    const auto revokeKeys = body->boolean("revoke_api_keys");
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    if (auto done = call.store.tokens().resetPassword(*token, *password, call.ip, !revokeKeys.has() || *revokeKeys);
        !done)
        return failed(call, done.error());
    return noContent();
}

Reply acceptInvitation(Call& call)
{
    Reply failure;
    auto body = readBody(call, failure);
    if (!body)
        return failure;
    const auto token = body->string("token", JsonBody::Required, 1000);
    const auto username = body->string("username", JsonBody::Required);
    const auto fullName = body->string("full_name");
    const auto password = body->string("password", JsonBody::Required);
    if (auto s = body->finish(); !s)
        return invalidBody(s.error());
    auto user = call.store.organizations().acceptInvitation(*token, *username, fullName.value, *password, call.ip);
    if (!user)
        return failed(call, user.error());
    call.actorLabel = QStringLiteral("user:") + QString::number(user->id);
    JsonWriter w;
    writeUser(w, *user);
    return json(201, w);
}

// --- stats ---------------------------------------------------------------------------------------

Reply stats(Call& call)
{
    const Id organizationId = call.query.integer("organization_id", 1, MaxId).value_or(0);
    if (auto s = call.query.finish(); !s)
        return invalidQuery(s.error());
    auto result = call.store.stats().get(call.actor, organizationId);
    if (!result)
        return failed(call, result.error());
    JsonWriter w;
    writeStats(w, *result);
    return json(200, w);
}

// --- the table -----------------------------------------------------------------------------------

RouteSpec route(const char* method, const char* path, Auth auth, QStringList scopes, HandlerFn handler,
                QStringList params = {})
{
    RouteSpec spec;
    spec.method = method;
    const QList<QByteArray> parts = QByteArray(path).split('/');
    for (const QByteArray& part : parts) {
        if (!part.isEmpty())
            spec.segments << part;
    }
    spec.auth = auth;
    spec.scopes = std::move(scopes);
    spec.params = std::move(params);
    spec.handler = handler;
    return spec;
}

QList<RouteSpec> buildRoutes()
{
    const QStringList paging { QStringLiteral("page"), QStringLiteral("limit") };
    const QStringList auditFilters { QStringLiteral("actor_id"),
                                     QStringLiteral("actor_type"),
                                     QStringLiteral("actor_email"),
                                     QStringLiteral("action"),
                                     QStringLiteral("resource_type"),
                                     QStringLiteral("resource_id"),
                                     QStringLiteral("outcome"),
                                     QStringLiteral("organization_id"),
                                     QStringLiteral("ip"),
                                     QStringLiteral("from"),
                                     QStringLiteral("to") };
    const QStringList userView { QStringLiteral("admin:user:view"), QStringLiteral("admin:user:read") };
    const QStringList userEdit { QStringLiteral("admin:user:edit") };
    const QStringList userRoles { QStringLiteral("admin:user:roles"), QStringLiteral("admin:role:assign") };
    const QStringList sessionRead { QStringLiteral("admin:session:read") };
    const QStringList sessionRevoke { QStringLiteral("admin:session:revoke") };
    const Auth pub = Auth::None;
    const Auth req = Auth::Required;
    const QString u = QStringLiteral("admin:user:");

    return {
        route("GET", "/api/health/auth", pub, {}, &health),
        route("POST", "/api/auth/login", pub, {}, &login),
        route("POST", "/api/auth/refresh", pub, {}, &refresh),
        route("POST", "/api/auth/logout", req, {}, &logout),
        route("POST", "/api/auth/password/reset", pub, {}, &resetPassword),
        route("GET", "/api/auth/me", req, {}, &me),

        route("GET", "/api/admin/users", req, userView, &listUsers,
              QStringList { QStringLiteral("search"), QStringLiteral("role"), QStringLiteral("status"),
                            QStringLiteral("organization_id"), QStringLiteral("sort"), QStringLiteral("order") }
                  + paging),
        route("POST", "/api/admin/users", req, { u + QStringLiteral("create") }, &createUser),
        route("GET", "/api/admin/users/{id}", req, userView, &getUser),
        route("PATCH", "/api/admin/users/{id}", req, userEdit, &updateUser),
        route("DELETE", "/api/admin/users/{id}", req, { u + QStringLiteral("delete") }, &deleteUser),
        route("POST", "/api/admin/users/{id}/roles", req, userRoles, &assignRole),
        route("DELETE", "/api/admin/users/{id}/roles/{code}", req, userRoles, &revokeRole),
        route("POST", "/api/admin/users/{id}/ban", req, { u + QStringLiteral("ban") }, &banUser),
        route("POST", "/api/admin/users/{id}/unban", req, { u + QStringLiteral("ban") }, &unbanUser),
        route("POST", "/api/admin/users/{id}/suspend", req, userEdit, &suspendUser),
        route("POST", "/api/admin/users/{id}/unsuspend", req, userEdit, &unsuspendUser),
        route("POST", "/api/admin/users/{id}/password", req, userEdit, &setPassword),
        route("POST", "/api/admin/users/{id}/reset-token", req, userEdit, &resetToken),
        route("POST", "/api/admin/users/{id}/impersonate", req, { u + QStringLiteral("impersonate") }, &impersonate),
        route("GET", "/api/admin/users/{id}/sessions", req, sessionRead, &sessionsOfUser,
              QStringList { QStringLiteral("include_revoked"), QStringLiteral("include_expired") } + paging),
        route("DELETE", "/api/admin/users/{id}/sessions", req, sessionRevoke, &revokeSessionsOfUser,
              { QStringLiteral("revoke_api_keys") }),
        route("GET", "/api/admin/users/{id}/permissions", req, { u + QStringLiteral("view") }, &permissionsOfUser),
        route("POST", "/api/admin/users/{id}/api-keys", req, { QStringLiteral("admin:apikey:create") }, &createApiKey),

        route("GET", "/api/admin/api-keys", req, { QStringLiteral("admin:apikey:view") }, &listApiKeys,
              QStringList { QStringLiteral("user_id") } + paging),
        route("DELETE", "/api/admin/api-keys/{id}", req, { QStringLiteral("admin:apikey:revoke") }, &revokeApiKey),

        route("GET", "/api/admin/roles", req, { QStringLiteral("admin:role:view") }, &listRoles),
        route("POST", "/api/admin/roles", req, { QStringLiteral("admin:role:create") }, &createRole),
        route("PATCH", "/api/admin/roles/{id}", req, { QStringLiteral("admin:role:edit") }, &updateRole),
        route("DELETE", "/api/admin/roles/{id}", req, { QStringLiteral("admin:role:delete") }, &deleteRole,
              { QStringLiteral("cascade") }),
        route("GET", "/api/admin/roles/{id}/permissions", req, { QStringLiteral("admin:role:view") }, &rolePermissions),
        route("GET", "/api/admin/permissions", req, { QStringLiteral("admin:role:view") }, &listPermissions),

        route("GET", "/api/admin/sessions", req, sessionRead, &listSessions,
              QStringList { QStringLiteral("user_id"), QStringLiteral("include_revoked"),
                            QStringLiteral("include_expired") }
                  + paging),
        route("DELETE", "/api/admin/sessions/{id}", req, sessionRevoke, &revokeSession),

        route("GET", "/api/admin/audit", req,
              { QStringLiteral("admin:audit:view"), QStringLiteral("admin:audit:read") }, &queryAudit,
              auditFilters + QStringList { QStringLiteral("cursor"), QStringLiteral("limit") }),
        route("GET", "/api/admin/audit/export", req, { QStringLiteral("admin:audit:export") }, &exportAudit,
              auditFilters + QStringList { QStringLiteral("format") }),
        route("POST", "/api/admin/audit/verify", req, { QStringLiteral("admin:audit:verify") }, &verifyAudit),
        route("GET", "/api/admin/audit/activity", req, { QStringLiteral("admin:stats:read") }, &activity,
              { QStringLiteral("days"), QStringLiteral("organization_id") }),
        route("GET", "/api/admin/audit/{id}", req,
              { QStringLiteral("admin:audit:view"), QStringLiteral("admin:audit:read") }, &getAuditEvent),

        route("GET", "/api/admin/organizations", req, { QStringLiteral("admin:org:view") }, &listOrganizations),
        route("POST", "/api/admin/organizations", req, { QStringLiteral("admin:org:create") }, &createOrganization),
        route("GET", "/api/admin/organizations/{id}", req, { QStringLiteral("admin:org:view") }, &getOrganization),
        route("PATCH", "/api/admin/organizations/{id}", req, { QStringLiteral("admin:org:edit") }, &updateOrganization),
        route("DELETE", "/api/admin/organizations/{id}", req, { QStringLiteral("admin:org:delete") },
              &deleteOrganization, { QStringLiteral("confirm") }),
        route("POST", "/api/admin/organizations/{id}/suspend", req, { QStringLiteral("admin:org:suspend") },
              &suspendOrganization),
        route("POST", "/api/admin/organizations/{id}/unsuspend", req, { QStringLiteral("admin:org:suspend") },
              &unsuspendOrganization),
        route("GET", "/api/admin/organizations/{id}/invitations", req, { QStringLiteral("admin:org:view") },
              &listInvitations),
        route("POST", "/api/admin/organizations/{id}/invitations", req, { QStringLiteral("admin:org:invite") },
              &invite),
        route("DELETE", "/api/admin/invitations/{id}", req, { QStringLiteral("admin:org:invite") }, &revokeInvitation),
        route("POST", "/api/invitations/accept", pub, {}, &acceptInvitation),

        route("GET", "/api/admin/stats", req, { QStringLiteral("admin:stats:read") }, &stats,
              { QStringLiteral("organization_id") }),
    };
}

} // namespace

const QList<RouteSpec>& routes()
{
    static const QList<RouteSpec> table = buildRoutes();
    return table;
}

} // namespace portcullis::server
