#include "rest/jsoncodec.h"

#include "policy/settings.h"

#include <QTimeZone>

namespace portcullis::rest {

namespace {

Id idOf(const QJsonValue& value)
{
    return value.isDouble() ? Id(value.toInteger()) : Id(0);
}

QString stringOf(const QJsonValue& value)
{
    return value.isString() ? value.toString() : QString();
}

QJsonArray toArray(const QStringList& list)
{
    return QJsonArray::fromStringList(list);
}

void putId(QUrlQuery& query, const QString& name, Id id)
{
    if (id != 0)
        query.addQueryItem(name, QString::number(id));
}

void putString(QUrlQuery& query, const QString& name, const QString& value)
{
    if (!value.isEmpty())
        query.addQueryItem(name, QString::fromLatin1(QUrl::toPercentEncoding(value)));
}

} // namespace

QString timeToString(const QDateTime& time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

QJsonValue timeToJson(const QDateTime& time)
{
    if (!time.isValid())
        return QJsonValue(QJsonValue::Null);
    return timeToString(time);
}

QDateTime timeFromJson(const QJsonValue& value)
{
    if (!value.isString())
        return {};
    QDateTime time = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return time.isValid() ? time.toUTC() : QDateTime();
}

QStringList stringsFromJson(const QJsonValue& value)
{
    QStringList out;
    const QJsonArray array = value.toArray();
    for (const QJsonValue& item : array)
        out << item.toString();
    return out;
}

User userFromJson(const QJsonObject& o)
{
    User u;
    u.id = idOf(o.value(QLatin1String("id")));
    u.email = stringOf(o.value(QLatin1String("email")));
    u.username = stringOf(o.value(QLatin1String("username")));
    u.fullName = stringOf(o.value(QLatin1String("full_name")));
    u.organizationId = idOf(o.value(QLatin1String("organization_id")));
    u.active = o.value(QLatin1String("active")).toBool(true);
    u.verified = o.value(QLatin1String("verified")).toBool();
    u.deleted = o.value(QLatin1String("deleted")).toBool();
    u.banReason = stringOf(o.value(QLatin1String("ban_reason")));
    u.banExpiresAt = timeFromJson(o.value(QLatin1String("ban_expires_at")));
    u.bannedBy = idOf(o.value(QLatin1String("banned_by")));
    u.failedLogins = o.value(QLatin1String("failed_logins")).toInt();
    u.lockedUntil = timeFromJson(o.value(QLatin1String("locked_until")));
    u.lastLoginAt = timeFromJson(o.value(QLatin1String("last_login_at")));
    u.createdAt = timeFromJson(o.value(QLatin1String("created_at")));
    u.version = o.value(QLatin1String("version")).toInteger(1);
    u.roleCodes = stringsFromJson(o.value(QLatin1String("role_codes")));
    u.highestLevel = o.value(QLatin1String("highest_level")).toInt();
    return u;
}

Role roleFromJson(const QJsonObject& o)
{
    Role r;
    r.id = idOf(o.value(QLatin1String("id")));
    r.code = stringOf(o.value(QLatin1String("code")));
    r.name = stringOf(o.value(QLatin1String("name")));
    r.description = stringOf(o.value(QLatin1String("description")));
    r.level = o.value(QLatin1String("level")).toInt();
    r.builtIn = o.value(QLatin1String("built_in")).toBool();
    r.organizationId = idOf(o.value(QLatin1String("organization_id")));
    r.permissions = stringsFromJson(o.value(QLatin1String("permission_codes")));
    r.grants = stringsFromJson(o.value(QLatin1String("grants")));
    return r;
}

Permission permissionFromJson(const QJsonObject& o)
{
    return { stringOf(o.value(QLatin1String("code"))), stringOf(o.value(QLatin1String("category"))),
             stringOf(o.value(QLatin1String("description"))), idOf(o.value(QLatin1String("organization_id"))) };
}

Session sessionFromJson(const QJsonObject& o)
{
    Session s;
    s.id = idOf(o.value(QLatin1String("id")));
    s.userId = idOf(o.value(QLatin1String("user_id")));
    s.userEmail = stringOf(o.value(QLatin1String("user_email")));
    s.organizationId = idOf(o.value(QLatin1String("organization_id")));
    s.ip = stringOf(o.value(QLatin1String("ip")));
    s.userAgent = stringOf(o.value(QLatin1String("user_agent")));
    s.createdAt = timeFromJson(o.value(QLatin1String("created_at")));
    s.lastSeenAt = timeFromJson(o.value(QLatin1String("last_seen_at")));
    s.expiresAt = timeFromJson(o.value(QLatin1String("expires_at")));
    s.revoked = o.value(QLatin1String("revoked")).toBool();
    s.impersonatorId = idOf(o.value(QLatin1String("impersonator_id")));
    s.impersonatorEmail = stringOf(o.value(QLatin1String("impersonator_email")));
    s.impersonationReason = stringOf(o.value(QLatin1String("impersonation_reason")));
    return s;
}

ApiKey apiKeyFromJson(const QJsonObject& o)
{
    ApiKey k;
    k.id = idOf(o.value(QLatin1String("id")));
    k.name = stringOf(o.value(QLatin1String("name")));
    k.userId = idOf(o.value(QLatin1String("user_id")));
    k.ownerEmail = stringOf(o.value(QLatin1String("owner_email")));
    k.organizationId = idOf(o.value(QLatin1String("organization_id")));
    k.prefix = stringOf(o.value(QLatin1String("prefix")));
    k.scopes = stringsFromJson(o.value(QLatin1String("scopes")));
    k.expiresAt = timeFromJson(o.value(QLatin1String("expires_at")));
    k.rateLimitPerMinute = o.value(QLatin1String("rate_limit_per_minute")).toInt(60);
    k.ipAllowlist = stringsFromJson(o.value(QLatin1String("ip_allowlist")));
    k.lastUsedAt = timeFromJson(o.value(QLatin1String("last_used_at")));
    k.createdAt = timeFromJson(o.value(QLatin1String("created_at")));
    k.revoked = o.value(QLatin1String("revoked")).toBool();
    k.rotatedAt = timeFromJson(o.value(QLatin1String("rotated_at")));
    k.previousValidUntil = timeFromJson(o.value(QLatin1String("previous_valid_until")));
    k.previousLastUsedAt = timeFromJson(o.value(QLatin1String("previous_used_at")));
    return k;
}

Organization organizationFromJson(const QJsonObject& o)
{
    Organization org;
    org.id = idOf(o.value(QLatin1String("id")));
    org.name = stringOf(o.value(QLatin1String("name")));
    org.slug = stringOf(o.value(QLatin1String("slug")));
    org.plan = stringOf(o.value(QLatin1String("plan")));
    org.maxUsers = o.value(QLatin1String("max_users")).toInt();
    org.features = stringsFromJson(o.value(QLatin1String("features")));
    org.active = o.value(QLatin1String("active")).toBool(true);
    org.createdAt = timeFromJson(o.value(QLatin1String("created_at")));
    org.userCount = o.value(QLatin1String("user_count")).toInteger();
    org.pendingInvitations = o.value(QLatin1String("pending_invitations")).toInteger();
    return org;
}

Invitation invitationFromJson(const QJsonObject& o)
{
    Invitation i;
    i.id = idOf(o.value(QLatin1String("id")));
    i.organizationId = idOf(o.value(QLatin1String("organization_id")));
    i.email = stringOf(o.value(QLatin1String("email")));
    i.roleCode = stringOf(o.value(QLatin1String("role_code")));
    i.invitedBy = idOf(o.value(QLatin1String("invited_by")));
    i.createdAt = timeFromJson(o.value(QLatin1String("created_at")));
    i.expiresAt = timeFromJson(o.value(QLatin1String("expires_at")));
    i.acceptedAt = timeFromJson(o.value(QLatin1String("accepted_at")));
    i.revoked = o.value(QLatin1String("revoked")).toBool();
    return i;
}

AuditEvent auditEventFromJson(const QJsonObject& o)
{
    AuditEvent e;
    e.id = idOf(o.value(QLatin1String("id")));
    e.time = timeFromJson(o.value(QLatin1String("time")));
    e.actorType = stringOf(o.value(QLatin1String("actor_type")));
    e.actorId = idOf(o.value(QLatin1String("actor_id")));
    e.actorLabel = stringOf(o.value(QLatin1String("actor_email")));
    e.organizationId = idOf(o.value(QLatin1String("organization_id")));
    e.action = stringOf(o.value(QLatin1String("action")));
    e.resourceType = stringOf(o.value(QLatin1String("resource_type")));
    e.resourceId = stringOf(o.value(QLatin1String("resource_id")));
    e.resourceLabel = stringOf(o.value(QLatin1String("resource_label")));
    e.details = o.value(QLatin1String("details")).toObject();
    e.ip = stringOf(o.value(QLatin1String("ip")));
    e.outcome = stringOf(o.value(QLatin1String("outcome")));
    e.prevHash = stringOf(o.value(QLatin1String("prev_hash"))).toLatin1();
    e.hash = stringOf(o.value(QLatin1String("hash"))).toLatin1();
    return e;
}

Stats statsFromJson(const QJsonObject& o)
{
    Stats s;
    s.usersTotal = o.value(QLatin1String("users_total")).toInteger();
    s.usersActive = o.value(QLatin1String("users_active")).toInteger();
    s.usersBanned = o.value(QLatin1String("users_banned")).toInteger();
    s.usersSuspended = o.value(QLatin1String("users_suspended")).toInteger();
    s.sessionsActive = o.value(QLatin1String("sessions_active")).toInteger();
    s.apiKeysActive = o.value(QLatin1String("api_keys_active")).toInteger();
    s.eventsLast24h = o.value(QLatin1String("events_last_24h")).toInteger();
    return s;
}

DeploymentSettings settingsFromJson(const QJsonObject& o)
{
    DeploymentSettings settings;
    for (const policy::SettingSpec& spec : policy::settingSpecs()) {
        const QJsonValue value = o.value(spec.name);
        if (value.isBool())
            spec.set(settings, value.toBool() ? 1 : 0);
        else if (value.isDouble())
            spec.set(settings, value.toInteger());
    }
    return settings;
}

QJsonObject settingsChangeToJson(const SettingsChange& change)
{
    QJsonObject body;
    for (auto it = change.cbegin(); it != change.cend(); ++it) {
        const policy::SettingSpec* spec = policy::settingSpec(it.key());
        if (spec && spec->unit == policy::SettingSpec::Unit::Switch && (it.value() == 0 || it.value() == 1))
            body.insert(it.key(), it.value() == 1);
        else
            body.insert(it.key(), it.value());
    }
    return body;
}

MaintenanceRun maintenanceRunFromJson(const QJsonObject& o)
{
    MaintenanceRun run;
    run.id = o.value(QLatin1String("id")).toInteger();
    run.startedAt = timeFromJson(o.value(QLatin1String("started_at")));
    run.finishedAt = timeFromJson(o.value(QLatin1String("finished_at")));
    run.source = o.value(QLatin1String("source")).toString();
    run.actorId = o.value(QLatin1String("actor_id")).toInteger();
    run.sessionsRemoved = o.value(QLatin1String("sessions_removed")).toInteger();
    run.tokensRemoved = o.value(QLatin1String("tokens_removed")).toInteger();
    run.invitationsRemoved = o.value(QLatin1String("invitations_removed")).toInteger();
    run.auditEventsRemoved = o.value(QLatin1String("audit_events_removed")).toInteger();
    run.error = o.value(QLatin1String("error")).toString();
    return run;
}

DayActivity dayActivityFromJson(const QJsonObject& o)
{
    DayActivity d;
    d.day = QDate::fromString(stringOf(o.value(QLatin1String("day"))), Qt::ISODate);
    d.signIns = o.value(QLatin1String("sign_ins")).toInteger();
    d.failedSignIns = o.value(QLatin1String("failed_sign_ins")).toInteger();
    d.adminActions = o.value(QLatin1String("admin_actions")).toInteger();
    return d;
}

AuditCheck auditCheckFromJson(const QJsonObject& o)
{
    AuditCheck c;
    c.ok = o.value(QLatin1String("ok")).toBool();
    c.count = o.value(QLatin1String("count")).toInteger();
    c.firstBrokenId = idOf(o.value(QLatin1String("first_broken_id")));
    c.problem = stringOf(o.value(QLatin1String("problem")));
    return c;
}

Actor actorFromJson(const QJsonObject& o)
{
    Actor a;
    const QString type = stringOf(o.value(QLatin1String("actor_type")));
    a.kind = type == QLatin1String("api_key") ? Actor::Kind::ApiKey
        : type == QLatin1String("system")     ? Actor::Kind::System
                                              : Actor::Kind::User;
    a.userId = idOf(o.value(QLatin1String("user_id")));
    a.apiKeyId = idOf(o.value(QLatin1String("api_key_id")));
    a.sessionId = idOf(o.value(QLatin1String("session_id")));
    a.impersonatorId = idOf(o.value(QLatin1String("impersonator_id")));
    a.organizationId = idOf(o.value(QLatin1String("organization_id")));
    a.email = stringOf(o.value(QLatin1String("email")));
    a.level = o.value(QLatin1String("level")).toInt();
    a.roleCodes = stringsFromJson(o.value(QLatin1String("roles")));
    const QStringList permissions = stringsFromJson(o.value(QLatin1String("permissions")));
    a.permissions = QSet<QString>(permissions.cbegin(), permissions.cend());
    return a;
}

QJsonObject newUserToJson(const NewUser& user)
{
    QJsonObject o { { QStringLiteral("email"), user.email },
                    { QStringLiteral("username"), user.username },
                    { QStringLiteral("password"), user.password },
                    { QStringLiteral("full_name"), user.fullName },
                    { QStringLiteral("role_codes"), toArray(user.roleCodes) },
                    { QStringLiteral("verified"), user.verified } };
    if (user.organizationId != 0)
        o.insert(QStringLiteral("organization_id"), qint64(user.organizationId));
    return o;
}

QJsonObject userUpdateToJson(const UserUpdate& update)
{
    QJsonObject o;
    if (update.email)
        o.insert(QStringLiteral("email"), *update.email);
    if (update.username)
        o.insert(QStringLiteral("username"), *update.username);
    if (update.fullName)
        o.insert(QStringLiteral("full_name"), *update.fullName);
    if (update.verified)
        o.insert(QStringLiteral("verified"), *update.verified);
    return o;
}

QJsonObject newRoleToJson(const NewRole& role)
{
    QJsonObject o { { QStringLiteral("code"), role.code },
                    { QStringLiteral("name"), role.name },
                    { QStringLiteral("description"), role.description },
                    { QStringLiteral("level"), role.level },
                    { QStringLiteral("permission_codes"), toArray(role.permissions) },
                    { QStringLiteral("grants"), toArray(role.grants) } };
    o.insert(QStringLiteral("organization_id"),
             role.organizationId != 0 ? QJsonValue(qint64(role.organizationId)) : QJsonValue(QJsonValue::Null));
    return o;
}

QJsonObject roleUpdateToJson(const RoleUpdate& update)
{
    QJsonObject o;
    if (update.name)
        o.insert(QStringLiteral("name"), *update.name);
    if (update.description)
        o.insert(QStringLiteral("description"), *update.description);
    if (update.level)
        o.insert(QStringLiteral("level"), *update.level);
    if (update.permissions)
        o.insert(QStringLiteral("permission_codes"), toArray(*update.permissions));
    if (update.grants)
        o.insert(QStringLiteral("grants"), toArray(*update.grants));
    return o;
}

QJsonObject newApiKeyToJson(const NewApiKey& key)
{
    QJsonObject o { { QStringLiteral("name"), key.name },
                    { QStringLiteral("scopes"), toArray(key.scopes) },
                    { QStringLiteral("expires_at"), timeToJson(key.expiresAt) },
                    { QStringLiteral("ip_allowlist"), toArray(key.ipAllowlist) } };
    // 0: none named, the server applies the deployment's setting api_key_rate_limit.
    if (key.rateLimitPerMinute != 0)
        o.insert(QStringLiteral("rate_limit_per_minute"), key.rateLimitPerMinute);
    return o;
}

QJsonObject apiKeyUpdateToJson(const ApiKeyUpdate& update)
{
    QJsonObject o;
    if (update.name)
        o.insert(QStringLiteral("name"), *update.name);
    if (update.scopes)
        o.insert(QStringLiteral("scopes"), toArray(*update.scopes));
    if (update.expiresAt)
        o.insert(QStringLiteral("expires_at"), timeToJson(*update.expiresAt));
    if (update.rateLimitPerMinute)
        o.insert(QStringLiteral("rate_limit_per_minute"), *update.rateLimitPerMinute);
    if (update.ipAllowlist)
        o.insert(QStringLiteral("ip_allowlist"), toArray(*update.ipAllowlist));
    return o;
}

QJsonObject newOrganizationToJson(const NewOrganization& organization)
{
    QJsonObject o { { QStringLiteral("name"), organization.name },
                    { QStringLiteral("plan"), organization.plan },
                    { QStringLiteral("max_users"), organization.maxUsers },
                    { QStringLiteral("features"), toArray(organization.features) } };
    if (!organization.slug.isEmpty())
        o.insert(QStringLiteral("slug"), organization.slug);
    return o;
}

QJsonObject organizationUpdateToJson(const OrganizationUpdate& update)
{
    QJsonObject o;
    if (update.name)
        o.insert(QStringLiteral("name"), *update.name);
    if (update.plan)
        o.insert(QStringLiteral("plan"), *update.plan);
    if (update.maxUsers)
        o.insert(QStringLiteral("max_users"), *update.maxUsers);
    if (update.features)
        o.insert(QStringLiteral("features"), toArray(*update.features));
    return o;
}

QUrlQuery userQueryToUrl(const UserQuery& query)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("page"), QString::number(query.page));
    q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    putString(q, QStringLiteral("search"), query.search);
    putString(q, QStringLiteral("role"), query.roleCode);
    putString(q, QStringLiteral("status"), query.status);
    putId(q, QStringLiteral("organization_id"), query.organizationId);
    putString(q, QStringLiteral("sort"), query.sortBy);
    q.addQueryItem(QStringLiteral("order"), query.descending ? QStringLiteral("desc") : QStringLiteral("asc"));
    return q;
}

QUrlQuery auditFiltersToUrl(const AuditQuery& query)
{
    QUrlQuery q;
    putId(q, QStringLiteral("actor_id"), query.actorId);
    putString(q, QStringLiteral("actor_type"), query.actorType);
    putString(q, QStringLiteral("actor_email"), query.actorEmail);
    putString(q, QStringLiteral("action"), query.action);
    putString(q, QStringLiteral("resource_type"), query.resourceType);
    putString(q, QStringLiteral("resource_id"), query.resourceId);
    putId(q, QStringLiteral("involves_user_id"), query.involvesUserId);
    putString(q, QStringLiteral("outcome"), query.outcome);
    putId(q, QStringLiteral("organization_id"), query.organizationId);
    putString(q, QStringLiteral("ip"), query.ip);
    if (query.from.isValid())
        putString(q, QStringLiteral("from"), timeToString(query.from));
    if (query.to.isValid())
        putString(q, QStringLiteral("to"), timeToString(query.to));
    return q;
}

} // namespace portcullis::rest
