// The endpoints of docs/api.md and their declarations (the table at the end). The dispatcher
// (httproute.cpp) has already checked what a route declares: the caller's credentials and API-key
// scope, the query parameters (names, types, ranges), the path id, If-Match and the typed body. Each
// handler reads its values, calls one manager (which checks the actor) and encodes the result. No
// rule is decided here.

#include "contract.h"
#include "httpcall.h"
#include "jwt.h"
#include "policy/catalog.h"
#include "policy/settings.h"
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

Reply failed(const Call& call, const ServiceError& error)
{
    return problem(error, call.request.id);
}

// The replies below take the manager's result: its error becomes the problem, its value the body.

Reply noContentOrProblem(const Call& call, const Status& done)
{
    return done ? noContent() : failed(call, done.error());
}

template <typename T>
Reply listOf(const Call& call, const Result<QList<T>>& result, void (*write)(JsonWriter&, const T&))
{
    if (!result)
        return failed(call, result.error());
    const QList<T>& items = *result;
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

template <typename T>
Reply pageOf(const Call& call, const Result<Page<T>>& result, void (*write)(JsonWriter&, const T&))
{
    if (!result)
        return failed(call, result.error());
    const Page<T>& page = *result;
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

Reply userReply(const Call& call, int status, const Result<User>& user)
{
    return user ? userReply(status, *user) : failed(call, user.error());
}

Reply organizationReply(const Call& call, int status, const Result<Organization>& organization)
{
    return organization ? organizationReply(status, *organization) : failed(call, organization.error());
}

Reply roleReply(const Call& call, int status, const Result<Role>& role)
{
    return role ? roleReply(status, *role) : failed(call, role.error());
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

// page and limit of the small paged lists (declared with their ranges as `paging`).
void readPaging(const Call& call, int* page, int* limit)
{
    *page = int(call.query.integer("page").value_or(1));
    *limit = int(call.query.integer("limit").value_or(50));
}

Reply tokenPair(Call& call, const Actor& actor, const IssuedRefreshToken& refresh)
{
    call.actorLabel = QStringLiteral("user:") + QString::number(actor.userId);
    // Read per sign-in and refresh (StoreCore::settings: cached for at most a few seconds).
    const qint64 lifetime = qint64(call.store.core().settings().accessTokenMinutes) * 60;
    JsonWriter w;
    w.beginObject();
    w.field("access_token", QString::fromLatin1(issueAccessToken(call.config, actor, lifetime)));
    w.field("token_type", "bearer");
    w.field("expires_in", lifetime);
    w.field("refresh_token", refresh.token);
    w.field("refresh_expires_in", QDateTime::currentDateTimeUtc().secsTo(refresh.expiresAt));
    w.key("session_id").id(actor.sessionId);
    w.key("user_id").id(actor.userId);
    w.endObject();
    return json(200, w);
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

// The contract, public and cacheable: it changes only with the server's version.
Reply openApi(Call&)
{
    Reply reply;
    reply.body = openApiDocument();
    reply.headers.emplaceBack("Cache-Control", "public, max-age=3600");
    return reply;
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
    const auto email = call.body.string("email");
    const auto password = call.body.string("password");
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
    const auto token = call.body.string("refresh_token");
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
    query.organizationId = call.query.integer("organization_id").value_or(0);
    if (call.query.has("sort"))
        query.sortBy = call.query.string("sort");
    readPaging(call, &query.page, &query.limit);
    query.descending = call.query.string("order").toLower() == QLatin1String("desc");
    return pageOf(call, call.store.users().list(call.actor, query), &writeUser);
}

Reply createUser(Call& call)
{
    NewUser user;
    const auto email = call.body.string("email");
    const auto username = call.body.string("username");
    const auto fullName = call.body.string("full_name");
    const auto password = call.body.string("password");
    const auto organization = call.body.integer("organization_id");
    const auto roles = call.body.strings("role_codes");
    const auto verified = call.body.boolean("verified");
    user.email = *email;
    user.username = *username;
    user.fullName = fullName.value;
    user.password = *password;
    user.organizationId = organization.has() ? *organization : 0;
    if (roles.has())
        user.roleCodes = *roles;
    user.verified = verified.has() && *verified;
    return userReply(call, 201, call.store.users().create(call.actor, user));
}

// The CSV text of a file (or of one batch of it) with a header row: the server reads it with the
// same reader as the console (domain/userimport.h), so the file's quoting rules hold alike.
Reply importUsers(Call& call)
{
    const auto csvText = call.body.string("csv");
    const auto dryRun = call.body.boolean("dry_run");
    const auto delivery = call.body.string("delivery");
    const auto organization = call.body.integer("organization_id");
    auto parsed = userimport::parseCsv((*csvText).toUtf8());
    // The text arrived as a well-formed body: what the reader refuses is its content (422).
    if (!parsed)
        return failed(call, parsed.error());
    if (parsed->rows.size() > userimport::MaxRowsPerRequest)
        return failed(
            call,
            ServiceError::validationField(
                QStringLiteral("csv"),
                Tr::tr("At most %1 rows per request: send the file in batches").arg(userimport::MaxRowsPerRequest)));
    ImportRequest request;
    request.rows = parsed->rows;
    request.dryRun = !dryRun.has() || *dryRun; // a preview unless asked to write
    request.delivery = delivery.has() && *delivery == QLatin1String("invitation") ? ImportDelivery::Invitation
                                                                                  : ImportDelivery::ResetCode;
    request.organizationId = organization.has() ? *organization : 0;
    // Stops between rows when the client goes away; what was created is committed and audited.
    ImportControl control;
    control.cancel = call.exchange.cancelFlag();
    auto report = call.store.users().importUsers(call.actor, request, control);
    if (!report)
        return failed(call, report.error());
    JsonWriter w;
    w.reserve(256 + report->rows.size() * 200);
    w.beginObject();
    w.field("dry_run", report->dryRun);
    w.field("cancelled", report->cancelled);
    w.key("rows").beginArray();
    for (const ImportRowResult& row : std::as_const(report->rows)) {
        w.beginObject();
        w.field("row", qint64(row.row));
        w.field("email", row.email);
        w.field("username", row.username);
        w.key("organization_id").id(row.organizationId);
        w.field("outcome", userimport::outcomeName(row.outcome));
        w.field("problem", userimport::problemName(row.problem));
        w.field("message", row.message);
        w.key("user_id").id(row.userId);
        w.key("invitation_id").id(row.invitationId);
        w.field("code", row.code);
        w.endObject();
    }
    w.endArray();
    w.key("counts").beginObject();
    w.field("rows", qint64(report->rows.size()));
    w.field("will_create", qint64(report->count(ImportOutcome::WillCreate)));
    w.field("created", qint64(report->count(ImportOutcome::Created)));
    w.field("exists", qint64(report->count(ImportOutcome::Exists)));
    w.field("errors", qint64(report->count(ImportOutcome::Error)));
    w.field("not_run", qint64(report->count(ImportOutcome::NotRun)));
    w.endObject();
    w.endObject();
    Reply reply = json(200, w);
    reply.headers.emplaceBack("Cache-Control", "no-store"); // the codes are secrets
    return reply;
}

Reply getUser(Call& call)
{
    return userReply(call, 200, call.store.users().get(call.actor, call.id));
}

Reply updateUser(Call& call)
{
    UserUpdate update;
    update.expectedVersion = call.expectedVersion;
    const auto email = call.body.string("email");
    const auto username = call.body.string("username");
    const auto fullName = call.body.string("full_name");
    const auto verified = call.body.boolean("verified");
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
    auto updated = call.store.users().update(call.actor, call.id, update);
    if (!updated) {
        if (updated.error().reason == ErrorReason::StaleVersion) {
            // The row version moved on since the client read it: the precondition failed.
            auto current = call.store.core().loadUser(call.id);
            if (current && current->version != call.expectedVersion) {
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
    return noContentOrProblem(call, call.store.users().remove(call.actor, call.id));
}

Reply assignRole(Call& call)
{
    const auto code = call.body.string("role_code");
    return noContentOrProblem(call, call.store.users().assignRole(call.actor, call.id, *code));
}

Reply revokeRole(Call& call)
{
    return noContentOrProblem(call, call.store.users().revokeRole(call.actor, call.id, call.pathParams.value(1)));
}

Reply banUser(Call& call)
{
    const auto reason = call.body.string("reason");
    const auto expires = call.body.time("expires_at");
    return userReply(call, 200,
                     call.store.users().ban(call.actor, call.id, *reason, expires.has() ? *expires : QDateTime()));
}

Reply unbanUser(Call& call)
{
    return userReply(call, 200, call.store.users().unban(call.actor, call.id));
}

Reply moveUser(Call& call)
{
    const auto organization = call.body.integer("organization_id");
    return userReply(call, 200, call.store.users().move(call.actor, call.id, *organization));
}

Reply suspendUser(Call& call)
{
    const auto reason = call.body.string("reason");
    return userReply(call, 200, call.store.users().suspend(call.actor, call.id, reason.value));
}

Reply unsuspendUser(Call& call)
{
    return userReply(call, 200, call.store.users().unsuspend(call.actor, call.id));
}

Reply setPassword(Call& call)
{
    const auto password = call.body.string("password");
    const auto current = call.body.string("current_password");
    const auto revokeKeys = call.body.boolean("revoke_api_keys");
    // An administrator's reset revokes the user's API keys unless told not to; changing one's own
    // password keeps them unless asked.
    const bool self = call.actor.kind == Actor::Kind::User && call.actor.userId == call.id;
    PasswordChange change;
    change.password = *password;
    change.currentPassword = current.value;
    change.revokeApiKeys = revokeKeys.has() ? *revokeKeys : !self;
    return noContentOrProblem(call, call.store.users().setPassword(call.actor, call.id, change));
}

Reply resetToken(Call& call)
{
    auto token = call.store.tokens().issuePasswordReset(call.actor, call.id);
    if (!token)
        return failed(call, token.error());
    JsonWriter w;
    w.beginObject();
    w.key("user_id").id(call.id);
    w.field("token", *token);
    w.key("expires_at").time(QDateTime::currentDateTimeUtc().addSecs(qint64(limits::ResetTokenHours) * 3600));
    w.endObject();
    return json(201, w);
}

Reply impersonate(Call& call)
{
    const auto reason = call.body.string("reason");
    const auto minutes = call.body.integer("duration_minutes");
    // Absent: 30 minutes, or the deployment's shorter maximum.
    const qint64 duration
        = minutes.has() ? *minutes : std::min(30, call.store.core().settings().impersonationMaxMinutes);
    auto created = call.store.sessions().impersonate(call.actor, call.id, *reason,
                                                     int(std::clamp<qint64>(duration, -1, 1000000)));
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
    SessionQuery query;
    query.userId = call.id;
    readPaging(call, &query.page, &query.limit);
    query.includeRevoked = call.query.boolean("include_revoked").value_or(false);
    query.includeExpired = call.query.boolean("include_expired").value_or(false);
    return pageOf(call, call.store.sessions().list(call.actor, query), &writeSession);
}

Reply revokeSessionsOfUser(Call& call)
{
    const bool revokeKeys = call.query.boolean("revoke_api_keys").value_or(false);
    // keep_current: the caller's own session stays when the caller ends their own other sessions.
    // An API key (or a session of another user) has no current session among them: all end.
    const bool keepCurrent = call.query.boolean("keep_current").value_or(false);
    const Id keep = keepCurrent && call.actor.kind == Actor::Kind::User && call.actor.userId == call.id
        ? call.actor.sessionId
        : 0;
    auto count = call.store.sessions().revokeAllForUser(call.actor, call.id, keep, revokeKeys);
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
    auto permissions = call.store.roles().userEffectivePermissions(call.actor, call.id);
    if (!permissions)
        return failed(call, permissions.error());
    JsonWriter w;
    w.beginObject();
    w.key("user_id").id(call.id);
    w.key("items").strings(*permissions);
    w.endObject();
    return json(200, w);
}

// --- API keys ------------------------------------------------------------------------------------

Reply createApiKey(Call& call)
{
    NewApiKey key;
    key.userId = call.id;
    const auto name = call.body.string("name");
    const auto scopes = call.body.strings("scopes");
    const auto expires = call.body.time("expires_at");
    const auto rate = call.body.integer("rate_limit_per_minute");
    const auto allowlist = call.body.strings("ip_allowlist");
    key.name = *name;
    key.scopes = scopes.value;
    if (expires.has())
        key.expiresAt = *expires;
    if (rate.has())
        key.rateLimitPerMinute = *rate < 1 ? -1 : int(std::min<qint64>(*rate, 1000000000)); // absent: the setting
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
    ApiKeyQuery query;
    query.userId = call.query.integer("user_id").value_or(0);
    query.organizationId = call.query.integer("organization_id").value_or(0);
    query.search = call.query.string("search");
    query.activeOnly = call.query.string("status").toLower() == QLatin1String("active");
    readPaging(call, &query.page, &query.limit);
    return pageOf(call, call.store.apiKeys().list(call.actor, query), &writeApiKeyObject);
}

Reply revokeApiKey(Call& call)
{
    return noContentOrProblem(call, call.store.apiKeys().revoke(call.actor, call.id));
}

Reply apiKeyReply(const Call& call, const Result<ApiKey>& key)
{
    if (!key)
        return failed(call, key.error());
    JsonWriter w;
    writeApiKeyObject(w, *key);
    return json(200, w);
}

Reply getApiKey(Call& call)
{
    return apiKeyReply(call, call.store.apiKeys().get(call.actor, call.id));
}

Reply updateApiKey(Call& call)
{
    ApiKeyUpdate update;
    const auto name = call.body.string("name");
    const auto scopes = call.body.strings("scopes");
    const auto expires = call.body.time("expires_at");
    const auto rate = call.body.integer("rate_limit_per_minute");
    const auto allowlist = call.body.strings("ip_allowlist");
    if (name.has())
        update.name = *name;
    if (scopes.has())
        update.scopes = *scopes;
    if (expires.present) // null: the key no longer expires
        update.expiresAt = expires.has() ? *expires : QDateTime();
    if (rate.has())
        update.rateLimitPerMinute = int(std::clamp<qint64>(*rate, -1, 1000000000));
    if (allowlist.has())
        update.ipAllowlist = *allowlist;
    if (!update.name && !update.scopes && !update.expiresAt && !update.rateLimitPerMinute && !update.ipAllowlist)
        return invalidBody(ServiceError::validation(Tr::tr(
            "Nothing to change: send at least one of name, scopes, expires_at, rate_limit_per_minute, ip_allowlist")));
    return apiKeyReply(call, call.store.apiKeys().update(call.actor, call.id, update));
}

Reply rotateApiKey(Call& call)
{
    // grace: none, 1h, 24h or 7d (the default: 24h), or grace_seconds with one of those in seconds.
    const auto grace = call.body.string("grace");
    const auto graceSeconds = call.body.integer("grace_seconds");
    qint64 seconds = limits::DefaultApiKeyRotationGrace;
    if (grace.has() && graceSeconds.has())
        return invalidBody(
            ServiceError::validationField(QStringLiteral("grace"), Tr::tr("Send grace or grace_seconds, not both.")));
    if (grace.has()) {
        static const QHash<QString, qint64> named { { QStringLiteral("none"), 0 },
                                                    { QStringLiteral("1h"), 3600 },
                                                    { QStringLiteral("24h"), 24 * 3600 },
                                                    { QStringLiteral("7d"), 7 * 24 * 3600 } };
        const auto found = named.constFind((*grace).trimmed().toLower());
        if (found == named.cend())
            return invalidBody(ServiceError::validationField(QStringLiteral("grace"),
                                                             Tr::tr("The grace period is none, 1h, 24h or 7d.")));
        seconds = *found;
    } else if (graceSeconds.has()) {
        seconds = *graceSeconds;
    }
    auto rotated = call.store.apiKeys().rotate(call.actor, call.id, seconds);
    if (!rotated)
        return failed(call, rotated.error());
    JsonWriter w;
    w.beginObject();
    writeApiKey(w, rotated->key);
    w.field("key", rotated->secret);
    w.endObject();
    return json(200, w);
}

// --- roles and permissions -----------------------------------------------------------------------

Reply listRoles(Call& call)
{
    return listOf(call, call.store.roles().list(call.actor), &writeRole);
}

Reply createRole(Call& call)
{
    NewRole role;
    const auto code = call.body.string("code");
    const auto name = call.body.string("name");
    const auto description = call.body.string("description");
    const auto level = call.body.integer("level");
    const auto organization = call.body.integer("organization_id");
    const auto permissions = call.body.strings("permission_codes");
    const auto grants = call.body.strings("grants");
    role.code = *code;
    role.name = *name;
    role.description = description.value;
    role.level = int(std::clamp<qint64>(*level, -1, 1000));
    role.organizationId = organization.has() ? *organization : 0;
    role.permissions = permissions.value;
    role.grants = grants.value;
    return roleReply(call, 201, call.store.roles().create(call.actor, role));
}

Reply updateRole(Call& call)
{
    RoleUpdate update;
    const auto name = call.body.string("name");
    const auto description = call.body.string("description");
    const auto level = call.body.integer("level");
    const auto permissions = call.body.strings("permission_codes");
    const auto grants = call.body.strings("grants");
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
    return roleReply(call, 200, call.store.roles().update(call.actor, call.id, update));
}

Reply deleteRole(Call& call)
{
    const bool cascade = call.query.boolean("cascade").value_or(false);
    return noContentOrProblem(call, call.store.roles().remove(call.actor, call.id, cascade));
}

Reply rolePermissions(Call& call)
{
    auto permissions = call.store.roles().effectivePermissions(call.actor, call.id);
    if (!permissions)
        return failed(call, permissions.error());
    JsonWriter w;
    w.beginObject();
    w.key("role_id").id(call.id);
    w.key("items").strings(*permissions);
    w.endObject();
    return json(200, w);
}

Reply listPermissions(Call& call)
{
    return listOf(call, call.store.permissions().list(call.actor), &writePermission);
}

Reply listOrganizationPermissions(Call& call)
{
    return listOf(call, call.store.permissions().listOfOrganization(call.actor, call.id), &writePermission);
}

Reply defineOrganizationPermission(Call& call)
{
    const auto code = call.body.string("code");
    const auto description = call.body.string("description");
    auto defined = call.store.permissions().define(call.actor, call.id, *code, description.value);
    if (!defined)
        return failed(call, defined.error());
    JsonWriter w;
    writePermission(w, *defined);
    return json(201, w);
}

Reply deleteOrganizationPermission(Call& call)
{
    return noContentOrProblem(call, call.store.permissions().remove(call.actor, call.id, call.pathParams.value(1)));
}

// --- sessions ------------------------------------------------------------------------------------

Reply listSessions(Call& call)
{
    SessionQuery query;
    query.userId = call.query.integer("user_id").value_or(0);
    query.organizationId = call.query.integer("organization_id").value_or(0);
    readPaging(call, &query.page, &query.limit);
    query.includeRevoked = call.query.boolean("include_revoked").value_or(false);
    query.includeExpired = call.query.boolean("include_expired").value_or(false);
    return pageOf(call, call.store.sessions().list(call.actor, query), &writeSession);
}

Reply revokeSession(Call& call)
{
    if (auto done = call.store.sessions().revoke(call.actor, call.id); !done)
        return failed(call, done.error());
    // The refresh tokens follow the session (they are refused once it is revoked); marking them
    // revoked too keeps the table honest.
    if (auto revoked = call.support.revokeRefreshTokens(call.id); !revoked)
        return failed(call, revoked.error());
    return noContent();
}

// --- audit ---------------------------------------------------------------------------------------

void readAuditFilters(Call& call, AuditQuery& query)
{
    query.actorId = call.query.integer("actor_id").value_or(0);
    query.actorType = call.query.string("actor_type");
    query.actorEmail = call.query.string("actor_email");
    query.action = call.query.string("action");
    query.resourceType = call.query.string("resource_type");
    query.resourceId = call.query.string("resource_id");
    query.involvesUserId = call.query.integer("involves_user_id").value_or(0);
    query.outcome = call.query.string("outcome");
    query.organizationId = call.query.integer("organization_id").value_or(0);
    query.ip = call.query.string("ip");
    query.from = call.query.time("from").value_or(QDateTime());
    query.to = call.query.time("to").value_or(QDateTime());
}

Reply queryAudit(Call& call)
{
    AuditQuery query;
    readAuditFilters(call, query);
    query.cursor = call.query.string("cursor");
    query.limit = int(call.query.integer("limit").value_or(100));
    query.beforeId = call.query.integer("before_id").value_or(0);
    query.afterId = call.query.integer("after_id").value_or(0);
    query.offset = call.query.integer("offset").value_or(0);
    query.withTotal = call.query.boolean("with_total").value_or(false);
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
    w.key("total");
    if (page->total < 0)
        w.null();
    else
        w.value(page->total);
    w.endObject();
    return json(200, w);
}

Reply getAuditEvent(Call& call)
{
    auto event = call.store.audit().get(call.actor, call.id);
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

// Streams an export as an attachment named `<prefix>-<UTC time>.<extension>` in chunks (HTTP/1.1):
// `write` writes it into the device. A failure before the first chunk is an ordinary error reply;
// after it, only a cut connection can tell the client the body is incomplete.
Reply streamExport(Call& call, const QByteArray& prefix, const QByteArray& extension, const QByteArray& contentType,
                   const std::function<Status(QIODevice&, const ExportOptions&)>& write, int batchSize = 0)
{
    if (call.request.http10)
        return problem(505, QStringLiteral("urn:portcullis:problem:http-version"),
                       QString::fromLatin1(http::reasonPhrase(505)),
                       Tr::tr("The export is streamed in chunks: use HTTP/1.1."), QStringLiteral("validation"));
    const QByteArray fileName = prefix + '-'
        + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")).toLatin1() + '.' + extension;
    http::HeaderList headers { { "Content-Disposition", "attachment; filename=\"" + fileName + '"' },
                               { "Cache-Control", "no-store" },
                               { "X-Content-Type-Options", "nosniff" },
                               { "X-Request-Id", QByteArray::number(call.request.id) } };
    ExchangeDevice device(call, contentType, headers);
    device.open(QIODevice::WriteOnly);
    ExportOptions options;
    if (batchSize > 0)
        options.batchSize = batchSize;
    options.cancel = call.exchange.cancelFlag();
    const Status written = write(device, options);
    Reply streamed;
    streamed.streamed = true;
    if (!written) {
        if (call.exchange.streamStarted()) {
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

Reply exportAudit(Call& call)
{
    AuditQuery query;
    readAuditFilters(call, query);
    const bool csv = call.query.string("format").toLower() != QLatin1String("jsonl"); // csv by default
    return streamExport(
        call, "audit", csv ? "csv" : "jsonl",
        csv ? QByteArray("text/csv; charset=utf-8") : QByteArray("application/x-ndjson"),
        [&](QIODevice& device, ExportOptions options) -> Status {
            options.format = csv ? ExportFormat::Csv : ExportFormat::JsonLines;
            auto written = call.store.audit().exportTo(call.actor, query, device, options);
            return written ? Status() : Status(written.error());
        },
        1000);
}

// Every user the filters select, as CSV (UserManager::exportTo), streamed like the audit export.
Reply exportUsers(Call& call)
{
    UserQuery query;
    query.search = call.query.string("search");
    query.roleCode = call.query.string("role");
    query.status = call.query.string("status");
    query.organizationId = call.query.integer("organization_id").value_or(0);
    if (call.query.has("sort"))
        query.sortBy = call.query.string("sort");
    query.descending = call.query.string("order").toLower() == QLatin1String("desc");
    return streamExport(call, "users", "csv", QByteArray("text/csv; charset=utf-8"),
                        [&](QIODevice& device, const ExportOptions& options) -> Status {
                            auto written = call.store.users().exportTo(call.actor, query, device, options);
                            return written ? Status() : Status(written.error());
                        });
}

Reply verifyAudit(Call& call)
{
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
    const int days = int(call.query.integer("days").value_or(30));
    const Id organizationId = call.query.integer("organization_id").value_or(0);
    return listOf(call, call.store.audit().dailyActivity(call.actor, organizationId, days), &writeDayActivity);
}

// --- organizations and invitations ---------------------------------------------------------------

Reply listOrganizations(Call& call)
{
    return listOf(call, call.store.organizations().list(call.actor), &writeOrganization);
}

Reply createOrganization(Call& call)
{
    NewOrganization organization;
    const auto name = call.body.string("name");
    const auto slug = call.body.string("slug");
    const auto plan = call.body.string("plan");
    const auto maxUsers = call.body.integer("max_users");
    const auto features = call.body.strings("features");
    organization.name = *name;
    organization.slug = slug.value;
    if (plan.has())
        organization.plan = *plan;
    if (maxUsers.has())
        organization.maxUsers = int(std::clamp<qint64>(*maxUsers, -1, 1000000000));
    organization.features = features.value;
    return organizationReply(call, 201, call.store.organizations().create(call.actor, organization));
}

Reply getOrganization(Call& call)
{
    return organizationReply(call, 200, call.store.organizations().get(call.actor, call.id));
}

Reply updateOrganization(Call& call)
{
    OrganizationUpdate update;
    const auto name = call.body.string("name");
    const auto plan = call.body.string("plan");
    const auto maxUsers = call.body.integer("max_users");
    const auto features = call.body.strings("features");
    if (name.has())
        update.name = *name;
    if (plan.has())
        update.plan = *plan;
    if (maxUsers.has())
        update.maxUsers = int(std::clamp<qint64>(*maxUsers, -1, 1000000000));
    if (features.has())
        update.features = *features;
    return organizationReply(call, 200, call.store.organizations().update(call.actor, call.id, update));
}

Reply deleteOrganization(Call& call)
{
    QString confirm = call.query.string("confirm");
    const auto confirmField = call.body.string("confirm");
    if (confirmField.has()) {
        if (call.query.has("confirm") && confirm != *confirmField)
            return invalidBody(ServiceError::validationField(QStringLiteral("confirm"),
                                                             Tr::tr("The body and the query name different slugs")));
        confirm = *confirmField;
    }
    return noContentOrProblem(call, call.store.organizations().wipeOut(call.actor, call.id, confirm));
}

Reply suspendOrganization(Call& call)
{
    return organizationReply(call, 200, call.store.organizations().suspend(call.actor, call.id));
}

Reply unsuspendOrganization(Call& call)
{
    return organizationReply(call, 200, call.store.organizations().unsuspend(call.actor, call.id));
}

Reply listInvitations(Call& call)
{
    return listOf(call, call.store.organizations().invitations(call.actor, call.id), &writeInvitationObject);
}

Reply invite(Call& call)
{
    const auto email = call.body.string("email");
    const auto role = call.body.string("role_code");
    const auto days = call.body.integer("valid_days");
    const int validDays = days.has() ? int(std::clamp<qint64>(*days, -1, 100000)) : 0; // 0: the setting
    auto created = call.store.organizations().invite(call.actor, call.id, *email, *role, validDays);
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
    return noContentOrProblem(call, call.store.organizations().revokeInvitation(call.actor, call.id));
}

// The one-time code an admin issued (POST /api/admin/users/{id}/reset-token) sets a new password;
// every session of the account ends, and its API keys are revoked unless revoke_api_keys is false.
Reply resetPassword(Call& call)
{
    const auto token = call.body.string("token");
    const auto password = call.body.string("new_password");
    const auto revokeKeys = call.body.boolean("revoke_api_keys");
    if (auto done = call.store.tokens().resetPassword(*token, *password, call.ip, !revokeKeys.has() || *revokeKeys);
        !done)
        return failed(call, done.error());
    return noContent();
}

Reply acceptInvitation(Call& call)
{
    const auto token = call.body.string("token");
    const auto username = call.body.string("username");
    const auto fullName = call.body.string("full_name");
    const auto password = call.body.string("password");
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
    const Id organizationId = call.query.integer("organization_id").value_or(0);
    auto result = call.store.stats().get(call.actor, organizationId);
    if (!result)
        return failed(call, result.error());
    JsonWriter w;
    writeStats(w, *result);
    return json(200, w);
}

// --- deployment settings and maintenance ---------------------------------------------------------

Reply getSettings(Call& call)
{
    auto result = call.store.settings().get(call.actor);
    if (!result)
        return failed(call, result.error());
    JsonWriter w;
    writeSettings(w, *result);
    return json(200, w);
}

// Only the settings the body names change; null (audit_retention_days) is 0, keep forever.
Reply updateSettings(Call& call)
{
    SettingsChange change;
    for (const policy::SettingSpec& spec : policy::settingSpecs()) {
        const QByteArray name = spec.name.toLatin1();
        if (spec.unit == policy::SettingSpec::Unit::Switch) {
            if (const auto on = call.body.boolean(name.constData()); on.has())
                change.insert(spec.name, *on ? 1 : 0);
        } else if (const auto value = call.body.integer(name.constData()); value.present) {
            change.insert(spec.name, value.null ? 0 : *value);
        }
    }
    auto result = call.store.settings().update(call.actor, change);
    if (!result)
        return failed(call, result.error());
    JsonWriter w;
    writeSettings(w, *result);
    return json(200, w);
}

Reply listMaintenanceRuns(Call& call)
{
    const int limit = int(call.query.integer("limit").value_or(10));
    return listOf(call, call.store.maintenance().recent(call.actor, limit), &writeMaintenanceRun);
}

Reply runMaintenance(Call& call)
{
    auto run = call.store.maintenance().run(call.actor, QStringLiteral("console"));
    if (!run)
        return failed(call, run.error());
    JsonWriter w;
    writeMaintenanceRun(w, *run);
    return json(200, w);
}

// --- the declarations ----------------------------------------------------------------------------

constexpr int Required = JsonBody::Required;
constexpr int Nullable = JsonBody::Nullable;
using Json = JsonType;

// The request bodies, field by field in the order the handlers read them.
const BodyType emptyBody { "EmptyRequest", {}, true };
const BodyType loginRequest {
    "LoginRequest", { { "email", Json::String, Required, 1000 }, { "password", Json::String, Required, 10000 } }
};
const BodyType refreshRequest { "RefreshRequest", { { "refresh_token", Json::String, Required, 1000 } } };
const BodyType passwordResetRequest { "PasswordResetRequest",
                                      { { "token", Json::String, Required, 1000 },
                                        { "new_password", Json::String, Required, 10000 },
                                        { "revoke_api_keys", Json::Boolean } } };
const BodyType createUserRequest { "CreateUserRequest",
                                   { { "email", Json::String, Required },
                                     { "username", Json::String, Required },
                                     { "full_name", Json::String },
                                     { "password", Json::String, Required },
                                     { "organization_id", Json::Integer, Nullable },
                                     { "role_codes", Json::StringList },
                                     { "verified", Json::Boolean } } };
const BodyType updateUserRequest { "UpdateUserRequest",
                                   { { "email", Json::String },
                                     { "username", Json::String },
                                     { "full_name", Json::String },
                                     { "verified", Json::Boolean } } };
const BodyType assignRoleRequest { "AssignRoleRequest", { { "role_code", Json::String, Required, 200 } } };
const BodyType banRequest { "BanRequest",
                            { { "reason", Json::String, Required }, { "expires_at", Json::Time, Nullable } } };
const BodyType moveUserRequest { "MoveUserRequest", { { "organization_id", Json::Integer, Required } } };
const BodyType suspendRequest { "SuspendRequest", { { "reason", Json::String } }, true };
const BodyType setPasswordRequest { "SetPasswordRequest",
                                    { { "password", Json::String, Required },
                                      { "current_password", Json::String },
                                      { "revoke_api_keys", Json::Boolean } } };
const BodyType impersonateRequest { "ImpersonateRequest",
                                    { { "reason", Json::String, Required }, { "duration_minutes", Json::Integer } } };
const BodyType createApiKeyRequest { "CreateApiKeyRequest",
                                     { { "name", Json::String, Required },
                                       { "scopes", Json::StringList },
                                       { "expires_at", Json::Time, Nullable },
                                       { "rate_limit_per_minute", Json::Integer },
                                       { "ip_allowlist", Json::StringList } } };
const BodyType updateApiKeyRequest { "UpdateApiKeyRequest",
                                     { { "name", Json::String },
                                       { "scopes", Json::StringList },
                                       { "expires_at", Json::Time, Nullable },
                                       { "rate_limit_per_minute", Json::Integer },
                                       { "ip_allowlist", Json::StringList } } };
const BodyType rotateApiKeyRequest { "RotateApiKeyRequest",
                                     { { "grace", Json::String, 0, 20 }, { "grace_seconds", Json::Integer } },
                                     true };
const BodyType importUsersRequest { "ImportUsersRequest",
                                    { { "csv", Json::String, Required, 1024 * 1024 },
                                      { "dry_run", Json::Boolean },
                                      { "delivery", Json::String, JsonBody::Optional, 20 },
                                      { "organization_id", Json::Integer } } };
const BodyType createRoleRequest { "CreateRoleRequest",
                                   { { "code", Json::String, Required, 200 },
                                     { "name", Json::String, Required },
                                     { "description", Json::String },
                                     { "level", Json::Integer, Required },
                                     { "organization_id", Json::Integer, Nullable },
                                     { "permission_codes", Json::StringList },
                                     { "grants", Json::StringList } } };
const BodyType updateRoleRequest { "UpdateRoleRequest",
                                   { { "name", Json::String },
                                     { "description", Json::String },
                                     { "level", Json::Integer },
                                     { "permission_codes", Json::StringList },
                                     { "grants", Json::StringList } } };
const BodyType definePermissionRequest { "DefinePermissionRequest",
                                         { { "code", Json::String, Required, 200 }, { "description", Json::String } } };
const BodyType createOrganizationRequest { "CreateOrganizationRequest",
                                           { { "name", Json::String, Required },
                                             { "slug", Json::String },
                                             { "plan", Json::String },
                                             { "max_users", Json::Integer },
                                             { "features", Json::StringList } } };
const BodyType updateOrganizationRequest { "UpdateOrganizationRequest",
                                           { { "name", Json::String },
                                             { "plan", Json::String },
                                             { "max_users", Json::Integer },
                                             { "features", Json::StringList } } };
const BodyType deleteOrganizationRequest { "DeleteOrganizationRequest", { { "confirm", Json::String } }, true };
const BodyType inviteRequest { "InviteRequest",
                               { { "email", Json::String, Required },
                                 { "role_code", Json::String, Required, 200 },
                                 { "valid_days", Json::Integer } } };
const BodyType acceptInvitationRequest { "AcceptInvitationRequest",
                                         { { "token", Json::String, Required, 1000 },
                                           { "username", Json::String, Required },
                                           { "full_name", Json::String },
                                           { "password", Json::String, Required } } };

// Every field optional; the names and bounds are policy::settingSpecs() (the contract test checks
// that the two agree).
const BodyType settingsRequest { "SettingsRequest",
                                 { { "access_token_minutes", Json::Integer },
                                   { "refresh_token_hours", Json::Integer },
                                   { "lockout_threshold", Json::Integer },
                                   { "lockout_minutes", Json::Integer },
                                   { "password_min_length", Json::Integer },
                                   { "api_key_rate_limit", Json::Integer },
                                   { "impersonation_enabled", Json::Boolean },
                                   { "impersonation_max_minutes", Json::Integer },
                                   { "audit_retention_days", Json::Integer, Nullable },
                                   { "invitation_days", Json::Integer } } };

QList<RouteSpec> buildRoutes()
{
    const QueryParam organizationId { "organization_id", "integer", 1, MaxId };
    const QList<QueryParam> paging { { "page", "integer", 1, MaxPage },
                                     { "limit", "integer", 1, limits::MaxPageSize } };
    const QList<QueryParam> auditFilters { { "actor_id", "integer", 1, MaxId },
                                           { "actor_type" },
                                           { "actor_email" },
                                           { "action" },
                                           { "resource_type" },
                                           { "resource_id" },
                                           { "involves_user_id", "integer", 1, MaxId },
                                           { "outcome" },
                                           organizationId,
                                           { "ip" },
                                           { "from", "date-time" },
                                           { "to", "date-time" } };
    const QList<QueryParam> sessionFilters { { "include_revoked", "boolean" }, { "include_expired", "boolean" } };
    const QStringList userView { perm::UserView, perm::UserRead };
    const QStringList userEdit { perm::UserEdit };
    const QStringList userRoles { perm::UserRoles, perm::RoleAssign };
    const QStringList auditView { perm::AuditView, perm::AuditRead };
    const Auth pub = Auth::None;
    const ResponseSpec noBody { 204, nullptr, nullptr };

    return {
        { .method = "GET",
          .path = "/api/health/auth",
          .summary = "Is the server and its database up?",
          .auth = pub,
          .responses = { { 200, "Health" }, { 503, "Health" } },
          .handler = &health },
        { .method = "GET",
          .path = "/api/openapi.json",
          .summary = "This contract (OpenAPI 3.1)",
          .auth = pub,
          .responses = { { 200, "OpenApiDocument" } },
          .handler = &openApi },
        { .method = "POST",
          .path = "/api/auth/login",
          .summary = "Sign in with email and password",
          .auth = pub,
          .body = &loginRequest,
          .responses = { { 200, "TokenPair" } },
          .handler = &login },
        { .method = "POST",
          .path = "/api/auth/refresh",
          .summary = "Trade a refresh token for a new pair",
          .auth = pub,
          .body = &refreshRequest,
          .responses = { { 200, "TokenPair" } },
          .handler = &refresh },
        { .method = "POST",
          .path = "/api/auth/logout",
          .summary = "End the caller's session",
          .responses = { noBody },
          .handler = &logout },
        { .method = "POST",
          .path = "/api/auth/password/reset",
          .summary = "Set a new password with a reset code",
          .auth = pub,
          .body = &passwordResetRequest,
          .responses = { noBody },
          .handler = &resetPassword },
        { .method = "GET",
          .path = "/api/auth/me",
          .summary = "The caller: actor, permissions and user",
          .responses = { { 200, "Me" } },
          .handler = &me },

        { .method = "GET",
          .path = "/api/admin/users",
          .summary = "List users",
          .scopes = userView,
          .params = QList<QueryParam> { { "search" },
                                        { "role" },
                                        { "status" },
                                        organizationId,
                                        { "sort" },
                                        { .name = "order", .oneOf = { "asc", "desc" } } }
              + paging,
          .responses = { { 200, "UserPage" } },
          .handler = &listUsers },
        { .method = "POST",
          .path = "/api/admin/users",
          .summary = "Create a user",
          .scopes = { perm::UserCreate },
          .body = &createUserRequest,
          .responses = { { 201, "User" } },
          .handler = &createUser },
        { .method = "GET",
          .path = "/api/admin/users/export",
          .summary = "Export the users the filters select as CSV (streamed)",
          .scopes = userView,
          .params = QList<QueryParam> { { "search" },
                                        { "role" },
                                        { "status" },
                                        organizationId,
                                        { "sort" },
                                        { .name = "order", .oneOf = { "asc", "desc" } } },
          .responses = { { 200, nullptr, "text/csv; charset=utf-8" } },
          .handler = &exportUsers,
          .extraProblems = { 505 } },
        { .method = "POST",
          .path = "/api/admin/users/import",
          .summary = "Import users from CSV text (dry_run: classify only)",
          .scopes = { perm::UserCreate },
          .body = &importUsersRequest,
          .responses = { { 200, "ImportReport" } },
          .handler = &importUsers },
        { .method = "GET",
          .path = "/api/admin/users/{id}",
          .summary = "One user",
          .scopes = userView,
          .idOf = "user",
          .responses = { { 200, "User" } },
          .handler = &getUser },
        { .method = "PATCH",
          .path = "/api/admin/users/{id}",
          .summary = "Change a user (If-Match required)",
          .scopes = userEdit,
          .idOf = "user",
          .ifMatch = true,
          .body = &updateUserRequest,
          .responses = { { 200, "User" } },
          .handler = &updateUser,
          .extraProblems = { 412, 428 } },
        { .method = "DELETE",
          .path = "/api/admin/users/{id}",
          .summary = "Delete a user",
          .scopes = { perm::UserDelete },
          .idOf = "user",
          .responses = { noBody },
          .handler = &deleteUser },
        { .method = "POST",
          .path = "/api/admin/users/{id}/roles",
          .summary = "Assign a role",
          .scopes = userRoles,
          .idOf = "user",
          .body = &assignRoleRequest,
          .responses = { noBody },
          .handler = &assignRole },
        { .method = "DELETE",
          .path = "/api/admin/users/{id}/roles/{code}",
          .summary = "Revoke a role",
          .scopes = userRoles,
          .idOf = "user",
          .responses = { noBody },
          .handler = &revokeRole },
        { .method = "POST",
          .path = "/api/admin/users/{id}/ban",
          .summary = "Ban a user",
          .scopes = { perm::UserBan },
          .idOf = "user",
          .body = &banRequest,
          .responses = { { 200, "User" } },
          .handler = &banUser },
        { .method = "POST",
          .path = "/api/admin/users/{id}/unban",
          .summary = "Lift a ban",
          .scopes = { perm::UserBan },
          .idOf = "user",
          .body = &emptyBody,
          .responses = { { 200, "User" } },
          .handler = &unbanUser },
        { .method = "POST",
          .path = "/api/admin/users/{id}/move",
          .summary = "Move a user to another organization (super admins)",
          .scopes = { perm::UserEdit },
          .idOf = "user",
          .body = &moveUserRequest,
          .responses = { { 200, "User" } },
          .handler = &moveUser },
        { .method = "POST",
          .path = "/api/admin/users/{id}/suspend",
          .summary = "Suspend a user",
          .scopes = userEdit,
          .idOf = "user",
          .body = &suspendRequest,
          .responses = { { 200, "User" } },
          .handler = &suspendUser },
        { .method = "POST",
          .path = "/api/admin/users/{id}/unsuspend",
          .summary = "Reactivate a suspended user",
          .scopes = userEdit,
          .idOf = "user",
          .body = &emptyBody,
          .responses = { { 200, "User" } },
          .handler = &unsuspendUser },
        { .method = "POST",
          .path = "/api/admin/users/{id}/password",
          .summary = "Set a user's password",
          .scopes = userEdit,
          .idOf = "user",
          .body = &setPasswordRequest,
          .responses = { noBody },
          .handler = &setPassword },
        { .method = "POST",
          .path = "/api/admin/users/{id}/reset-token",
          .summary = "Issue a password reset code",
          .scopes = userEdit,
          .idOf = "user",
          .body = &emptyBody,
          .responses = { { 201, "ResetToken" } },
          .handler = &resetToken },
        { .method = "POST",
          .path = "/api/admin/users/{id}/impersonate",
          .summary = "Start an impersonation session",
          .scopes = { perm::UserImpersonate },
          .idOf = "user",
          .body = &impersonateRequest,
          .responses = { { 201, "Impersonation" } },
          .handler = &impersonate },
        { .method = "GET",
          .path = "/api/admin/users/{id}/sessions",
          .summary = "A user's sessions",
          .scopes = { perm::SessionRead },
          .params = sessionFilters + paging,
          .idOf = "user",
          .responses = { { 200, "SessionPage" } },
          .handler = &sessionsOfUser },
        { .method = "DELETE",
          .path = "/api/admin/users/{id}/sessions",
          .summary = "End all sessions of a user",
          .scopes = { perm::SessionRevoke },
          .params = { { "revoke_api_keys", "boolean" }, { "keep_current", "boolean" } },
          .idOf = "user",
          .responses = { { 200, "RevokedCount" } },
          .handler = &revokeSessionsOfUser },
        { .method = "GET",
          .path = "/api/admin/users/{id}/permissions",
          .summary = "A user's effective permissions",
          .scopes = { perm::UserView },
          .idOf = "user",
          .responses = { { 200, "UserPermissions" } },
          .handler = &permissionsOfUser },
        { .method = "POST",
          .path = "/api/admin/users/{id}/api-keys",
          .summary = "Create an API key for a user",
          .scopes = { perm::ApiKeyCreate },
          .idOf = "user",
          .body = &createApiKeyRequest,
          .responses = { { 201, "CreatedApiKey" } },
          .handler = &createApiKey },

        { .method = "GET",
          .path = "/api/admin/api-keys",
          .summary = "List API keys",
          .scopes = { perm::ApiKeyView },
          .params = QList<QueryParam> { { "user_id", "integer", 1, MaxId },
                                        organizationId,
                                        { "search" },
                                        { "status", "string", 0, 0, { "active", "any" } } }
              + paging,
          .responses = { { 200, "ApiKeyPage" } },
          .handler = &listApiKeys },
        { .method = "GET",
          .path = "/api/admin/api-keys/{id}",
          .summary = "One API key",
          .scopes = { perm::ApiKeyView },
          .idOf = "API key",
          .responses = { { 200, "ApiKey" } },
          .handler = &getApiKey },
        { .method = "PATCH",
          .path = "/api/admin/api-keys/{id}",
          .summary = "Change an API key",
          .scopes = { perm::ApiKeyCreate },
          .idOf = "API key",
          .body = &updateApiKeyRequest,
          .responses = { { 200, "ApiKey" } },
          .handler = &updateApiKey },
        { .method = "POST",
          .path = "/api/admin/api-keys/{id}/rotate",
          .summary = "Rotate an API key's secret",
          .scopes = { perm::ApiKeyCreate },
          .idOf = "API key",
          .body = &rotateApiKeyRequest,
          .responses = { { 200, "CreatedApiKey" } },
          .handler = &rotateApiKey },
        { .method = "DELETE",
          .path = "/api/admin/api-keys/{id}",
          .summary = "Revoke an API key",
          .scopes = { perm::ApiKeyRevoke },
          .idOf = "API key",
          .responses = { noBody },
          .handler = &revokeApiKey },

        { .method = "GET",
          .path = "/api/admin/roles",
          .summary = "List roles",
          .scopes = { perm::RoleView },
          .responses = { { 200, "RoleList" } },
          .handler = &listRoles },
        { .method = "POST",
          .path = "/api/admin/roles",
          .summary = "Create a custom role",
          .scopes = { perm::RoleCreate },
          .body = &createRoleRequest,
          .responses = { { 201, "Role" } },
          .handler = &createRole },
        { .method = "PATCH",
          .path = "/api/admin/roles/{id}",
          .summary = "Change a custom role",
          .scopes = { perm::RoleEdit },
          .idOf = "role",
          .body = &updateRoleRequest,
          .responses = { { 200, "Role" } },
          .handler = &updateRole },
        { .method = "DELETE",
          .path = "/api/admin/roles/{id}",
          .summary = "Delete a custom role",
          .scopes = { perm::RoleDelete },
          .params = { { "cascade", "boolean" } },
          .idOf = "role",
          .responses = { noBody },
          .handler = &deleteRole },
        { .method = "GET",
          .path = "/api/admin/roles/{id}/permissions",
          .summary = "A role's effective permissions",
          .scopes = { perm::RoleView },
          .idOf = "role",
          .responses = { { 200, "RolePermissions" } },
          .handler = &rolePermissions },
        { .method = "GET",
          .path = "/api/admin/permissions",
          .summary = "The permission catalog",
          .scopes = { perm::RoleView },
          .responses = { { 200, "PermissionList" } },
          .handler = &listPermissions },

        { .method = "GET",
          .path = "/api/admin/sessions",
          .summary = "List sessions",
          .scopes = { perm::SessionRead },
          .params = QList<QueryParam> { { "user_id", "integer", 1, MaxId }, organizationId } + sessionFilters + paging,
          .responses = { { 200, "SessionPage" } },
          .handler = &listSessions },
        { .method = "DELETE",
          .path = "/api/admin/sessions/{id}",
          .summary = "Revoke a session",
          .scopes = { perm::SessionRevoke },
          .idOf = "session",
          .responses = { noBody },
          .handler = &revokeSession },

        { .method = "GET",
          .path = "/api/admin/audit",
          .summary = "Query the audit log (cursor paging)",
          .scopes = auditView,
          .params = auditFilters
              + QList<QueryParam> { { "cursor" },
                                    { "limit", "integer", 1, limits::MaxPageSize },
                                    { "before_id", "integer", 1, MaxId },
                                    { "after_id", "integer", 1, MaxId },
                                    { "offset", "integer", 0, MaxId },
                                    { "with_total", "boolean" } },
          .responses = { { 200, "AuditPage" } },
          .handler = &queryAudit },
        { .method = "GET",
          .path = "/api/admin/audit/export",
          .summary = "Export the audit log (streamed)",
          .scopes = { perm::AuditExport },
          .params = auditFilters + QList<QueryParam> { { .name = "format", .oneOf = { "csv", "jsonl" } } },
          .responses = { { 200, nullptr, "text/csv; charset=utf-8" }, { 200, nullptr, "application/x-ndjson" } },
          .handler = &exportAudit,
          .extraProblems = { 505 } },
        { .method = "POST",
          .path = "/api/admin/audit/verify",
          .summary = "Verify the audit hash chain",
          .scopes = { perm::AuditVerify },
          .body = &emptyBody,
          .responses = { { 200, "AuditVerification" } },
          .handler = &verifyAudit },
        { .method = "GET",
          .path = "/api/admin/audit/activity",
          .summary = "Sign-ins and admin actions per day",
          .scopes = { perm::StatsRead },
          .params = { { "days", "integer", 1, 366 }, organizationId },
          .responses = { { 200, "ActivityList" } },
          .handler = &activity },
        { .method = "GET",
          .path = "/api/admin/audit/{id}",
          .summary = "One audit event",
          .scopes = auditView,
          .idOf = "audit event",
          .responses = { { 200, "AuditEvent" } },
          .handler = &getAuditEvent },

        { .method = "GET",
          .path = "/api/admin/organizations",
          .summary = "List organizations",
          .scopes = { perm::OrgView },
          .responses = { { 200, "OrganizationList" } },
          .handler = &listOrganizations },
        { .method = "POST",
          .path = "/api/admin/organizations",
          .summary = "Create an organization",
          .scopes = { perm::OrgCreate },
          .body = &createOrganizationRequest,
          .responses = { { 201, "Organization" } },
          .handler = &createOrganization },
        { .method = "GET",
          .path = "/api/admin/organizations/{id}",
          .summary = "One organization",
          .scopes = { perm::OrgView },
          .idOf = "organization",
          .responses = { { 200, "Organization" } },
          .handler = &getOrganization },
        { .method = "PATCH",
          .path = "/api/admin/organizations/{id}",
          .summary = "Change an organization",
          .scopes = { perm::OrgEdit },
          .idOf = "organization",
          .body = &updateOrganizationRequest,
          .responses = { { 200, "Organization" } },
          .handler = &updateOrganization },
        { .method = "DELETE",
          .path = "/api/admin/organizations/{id}",
          .summary = "Wipe out an organization (confirm with its slug)",
          .scopes = { perm::OrgDelete },
          .params = { { "confirm" } },
          .idOf = "organization",
          .body = &deleteOrganizationRequest,
          .responses = { noBody },
          .handler = &deleteOrganization },
        { .method = "POST",
          .path = "/api/admin/organizations/{id}/suspend",
          .summary = "Suspend an organization",
          .scopes = { perm::OrgSuspend },
          .idOf = "organization",
          .body = &emptyBody,
          .responses = { { 200, "Organization" } },
          .handler = &suspendOrganization },
        { .method = "POST",
          .path = "/api/admin/organizations/{id}/unsuspend",
          .summary = "Reactivate a suspended organization",
          .scopes = { perm::OrgSuspend },
          .idOf = "organization",
          .body = &emptyBody,
          .responses = { { 200, "Organization" } },
          .handler = &unsuspendOrganization },
        { .method = "GET",
          .path = "/api/admin/organizations/{id}/invitations",
          .summary = "An organization's invitations",
          .scopes = { perm::OrgView },
          .idOf = "organization",
          .responses = { { 200, "InvitationList" } },
          .handler = &listInvitations },
        { .method = "GET",
          .path = "/api/admin/organizations/{id}/permissions",
          .summary = "An organization's custom permission codes",
          .scopes = { perm::RoleView },
          .idOf = "organization",
          .responses = { { 200, "PermissionList" } },
          .handler = &listOrganizationPermissions },
        { .method = "POST",
          .path = "/api/admin/organizations/{id}/permissions",
          .summary = "Define a custom permission code",
          .scopes = { perm::RoleEdit },
          .idOf = "organization",
          .body = &definePermissionRequest,
          .responses = { { 201, "Permission" } },
          .handler = &defineOrganizationPermission },
        { .method = "DELETE",
          .path = "/api/admin/organizations/{id}/permissions/{code}",
          .summary = "Delete a custom permission code",
          .scopes = { perm::RoleEdit },
          .idOf = "organization",
          .responses = { noBody },
          .handler = &deleteOrganizationPermission },
        { .method = "POST",
          .path = "/api/admin/organizations/{id}/invitations",
          .summary = "Invite someone",
          .scopes = { perm::OrgInvite },
          .idOf = "organization",
          .body = &inviteRequest,
          .responses = { { 201, "CreatedInvitation" } },
          .handler = &invite },
        { .method = "DELETE",
          .path = "/api/admin/invitations/{id}",
          .summary = "Revoke an invitation",
          .scopes = { perm::OrgInvite },
          .idOf = "invitation",
          .responses = { noBody },
          .handler = &revokeInvitation },
        { .method = "POST",
          .path = "/api/invitations/accept",
          .summary = "Accept an invitation: create the account",
          .auth = pub,
          .body = &acceptInvitationRequest,
          .responses = { { 201, "User" } },
          .handler = &acceptInvitation },

        { .method = "GET",
          .path = "/api/admin/stats",
          .summary = "Counts for the dashboard",
          .scopes = { perm::StatsRead },
          .params = { organizationId },
          .responses = { { 200, "Stats" } },
          .handler = &stats },

        { .method = "GET",
          .path = "/api/admin/settings",
          .summary = "The deployment settings in effect (super admins)",
          .scopes = { perm::SystemConfig },
          .responses = { { 200, "Settings" } },
          .handler = &getSettings },
        { .method = "PATCH",
          .path = "/api/admin/settings",
          .summary = "Change deployment settings (super admins)",
          .scopes = { perm::SystemConfig },
          .body = &settingsRequest,
          .responses = { { 200, "Settings" } },
          .handler = &updateSettings },
        { .method = "GET",
          .path = "/api/admin/maintenance",
          .summary = "The latest maintenance runs (super admins)",
          .scopes = { perm::SystemConfig },
          .params = { { "limit", "integer", 1, 100 } },
          .responses = { { 200, "MaintenanceRunList" } },
          .handler = &listMaintenanceRuns },
        { .method = "POST",
          .path = "/api/admin/maintenance/run",
          .summary = "Run maintenance now (super admins)",
          .scopes = { perm::SystemConfig },
          .body = &emptyBody,
          .responses = { { 200, "MaintenanceRun" } },
          .handler = &runMaintenance },
    };
}

} // namespace

const QList<RouteSpec>& routes()
{
    static const QList<RouteSpec> table = [] {
        QList<RouteSpec> built = buildRoutes();
        for (RouteSpec& route : built) {
            const QList<QByteArray> parts = QByteArray(route.path).split('/');
            for (const QByteArray& part : parts) {
                if (!part.isEmpty())
                    route.segments << part;
            }
        }
        return built;
    }();
    return table;
}

} // namespace portcullis::server
