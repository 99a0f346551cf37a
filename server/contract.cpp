// The OpenAPI document of the REST API. The paths come from the route table (httphandlers.cpp);
// the response bodies are declared here, next to nothing else, as short property lists whose
// types read like this:
//   "string", "integer", "boolean", "date-time", "date", "object" (free-form JSON object),
//   "User" (a schema below), a trailing "[]" for an array of it, a trailing "?" when it may be null.
// Every property is required (the encoders of httpjson.cpp always write every key) unless marked
// Optional. The REST tests check every response they receive against this document, so a
// declaration that drifts from an encoder fails there.

#include "contract.h"

#include "httpcall.h"
#include "jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace portcullis::server {

namespace {

enum Presence
{
    Always,
    Optional
};

struct Property
{
    const char* name;
    const char* type;
    Presence presence = Always;
};

struct Schema
{
    const char* name;
    QList<Property> properties;
    const char* description = "";
};

QList<Property> pageOf(const char* items)
{
    return { { "items", items },
             { "total", "integer" },
             { "total_is_lower_bound", "boolean" },
             { "page", "integer" },
             { "limit", "integer" } };
}

QList<Schema> responseSchemas()
{
    const QList<Property> apiKey { { "id", "integer" },
                                   { "name", "string" },
                                   { "user_id", "integer" },
                                   { "owner_email", "string" },
                                   { "organization_id", "integer" },
                                   { "prefix", "string" },
                                   { "scopes", "string[]" },
                                   { "expires_at", "date-time?" },
                                   { "rate_limit_per_minute", "integer" },
                                   { "ip_allowlist", "string[]" },
                                   { "last_used_at", "date-time?" },
                                   { "created_at", "date-time" },
                                   { "revoked", "boolean" },
                                   { "rotated_at", "date-time?" },
                                   { "previous_valid_until", "date-time?" },
                                   { "previous_used_at", "date-time?" } };
    const QList<Property> invitation { { "id", "integer" },           { "organization_id", "integer" },
                                       { "email", "string" },         { "role_code", "string" },
                                       { "invited_by", "integer?" },  { "created_at", "date-time" },
                                       { "expires_at", "date-time" }, { "accepted_at", "date-time?" },
                                       { "revoked", "boolean" },      { "status", "string" } };
    return {
        { "User",
          { { "id", "integer" },
            { "email", "string" },
            { "username", "string" },
            { "full_name", "string" },
            { "organization_id", "integer" },
            { "status", "string" },
            { "active", "boolean" },
            { "verified", "boolean" },
            { "deleted", "boolean" },
            { "ban_reason", "string?" },
            { "ban_expires_at", "date-time?" },
            { "banned_by", "integer?" },
            { "failed_logins", "integer" },
            { "locked_until", "date-time?" },
            { "last_login_at", "date-time?" },
            { "created_at", "date-time" },
            { "version", "integer" },
            { "role_codes", "string[]" },
            { "highest_level", "integer" } },
          "A user account. The ETag of GET/PATCH is its version." },
        { "Organization",
          { { "id", "integer" },
            { "name", "string" },
            { "slug", "string" },
            { "plan", "string" },
            { "max_users", "integer" },
            { "features", "string[]" },
            { "active", "boolean" },
            { "created_at", "date-time" },
            { "user_count", "integer" },
            { "pending_invitations", "integer" } },
          "A tenant." },
        { "Role",
          { { "id", "integer" },
            { "code", "string" },
            { "name", "string" },
            { "description", "string" },
            { "level", "integer" },
            { "built_in", "boolean" },
            { "organization_id", "integer?" },
            { "permission_codes", "string[]" },
            { "grants", "string[]" } },
          "A built-in or custom role; organization_id is null for a global role." },
        { "Permission",
          { { "code", "string" },
            { "category", "string" },
            { "description", "string" },
            { "organization_id", "integer?" } },
          "A permission code: built in (organization_id null) or a custom code of that organization, whose slug is "
          "its category." },
        { "ApiKey", apiKey, "An API key; the secret is shown once, at creation." },
        { "CreatedApiKey", apiKey + QList<Property> { { "key", "string" } }, "A new API key with its secret." },
        { "Session",
          { { "id", "integer" },
            { "user_id", "integer" },
            { "user_email", "string" },
            { "organization_id", "integer" },
            { "ip", "string" },
            { "user_agent", "string" },
            { "created_at", "date-time" },
            { "last_seen_at", "date-time?" },
            { "expires_at", "date-time" },
            { "revoked", "boolean" },
            { "impersonator_id", "integer?" },
            { "impersonator_email", "string?" },
            { "impersonation_reason", "string?" } } },
        { "Invitation", invitation },
        { "CreatedInvitation", invitation + QList<Property> { { "token", "string" } },
          "A new invitation with its one-time token." },
        { "AuditEvent",
          { { "id", "integer" },
            { "time", "date-time" },
            { "actor_type", "string" },
            { "actor_id", "integer" },
            { "actor_email", "string" },
            { "organization_id", "integer" },
            { "action", "string" },
            { "resource_type", "string" },
            { "resource_id", "string" },
            { "resource_label", "string" },
            { "details", "object" },
            { "ip", "string" },
            { "outcome", "string" },
            { "prev_hash", "string" },
            { "hash", "string" } },
          "One event of the audit log's hash chain." },
        { "Problem",
          { { "type", "string" },
            { "title", "string" },
            { "status", "integer" },
            { "detail", "string" },
            { "code", "string" },
            { "reason", "string", Optional },
            { "errors", "object" } },
          "RFC 9457 problem details. code: unauthenticated, forbidden, not_found, conflict, validation, "
          "rate_limited, unavailable or storage; reason (conflicts only), e.g. stale_version; errors: a message "
          "per field of the request." },

        { "UserPage", pageOf("User[]"), "A page of users (docs/api.md, Totals)." },
        { "SessionPage", pageOf("Session[]") },
        { "ApiKeyPage", pageOf("ApiKey[]") },
        { "RoleList", { { "items", "Role[]" } } },
        { "PermissionList", { { "items", "Permission[]" } } },
        { "OrganizationList", { { "items", "Organization[]" } } },
        { "InvitationList", { { "items", "Invitation[]" } } },
        { "ActivityList", { { "items", "DayActivity[]" } } },
        { "DayActivity",
          { { "day", "date" },
            { "sign_ins", "integer" },
            { "failed_sign_ins", "integer" },
            { "admin_actions", "integer" } } },
        { "AuditPage",
          { { "items", "AuditEvent[]" }, { "next_cursor", "string?" }, { "total", "integer?" } },
          "A page of the audit log; next_cursor is null on the last page (and with after_id); total is the "
          "number of matching events below the cursor or before_id when with_total was asked, else null." },
        { "AuditVerification",
          { { "ok", "boolean" },
            { "count", "integer" },
            { "first_broken_id", "integer?" },
            { "problem", "string?" } } },
        { "Stats",
          { { "users_total", "integer" },
            { "users_active", "integer" },
            { "users_banned", "integer" },
            { "users_suspended", "integer" },
            { "sessions_active", "integer" },
            { "api_keys_active", "integer" },
            { "events_last_24h", "integer" } } },
        { "Settings",
          { { "access_token_minutes", "integer" },
            { "refresh_token_hours", "integer" },
            { "lockout_threshold", "integer" },
            { "lockout_minutes", "integer" },
            { "password_min_length", "integer" },
            { "api_key_rate_limit", "integer" },
            { "impersonation_enabled", "boolean" },
            { "impersonation_max_minutes", "integer" },
            { "audit_retention_days", "integer" },
            { "invitation_days", "integer" } },
          "The deployment settings in effect (docs/api.md, Deployment settings and maintenance); "
          "audit_retention_days 0 keeps the audit log forever." },
        { "MaintenanceRunList", { { "items", "MaintenanceRun[]" } } },
        { "MaintenanceRun",
          { { "id", "integer" },
            { "started_at", "date-time" },
            { "finished_at", "date-time?" },
            { "source", "string" },
            { "actor_id", "integer?" },
            { "sessions_removed", "integer" },
            { "tokens_removed", "integer" },
            { "invitations_removed", "integer" },
            { "audit_events_removed", "integer" },
            { "error", "string?" } },
          "One maintenance run; source is schedule (serve) or console; error is null when it succeeded." },
        { "Health",
          { { "status", "string" },
            { "database", "string" },
            { "dialect", "string" },
            { "version", "string" },
            { "time", "date-time" } } },
        { "TokenPair",
          { { "access_token", "string" },
            { "token_type", "string" },
            { "expires_in", "integer" },
            { "refresh_token", "string" },
            { "refresh_expires_in", "integer" },
            { "session_id", "integer" },
            { "user_id", "integer" } },
          "A signed access token (JWT) and its one-time refresh token." },
        { "Me",
          { { "actor_type", "string" },
            { "user_id", "integer" },
            { "email", "string" },
            { "organization_id", "integer" },
            { "api_key_id", "integer?" },
            { "session_id", "integer?" },
            { "impersonator_id", "integer?" },
            { "level", "integer" },
            { "roles", "string[]" },
            { "permissions", "string[]" },
            { "user", "User?" } },
          "The caller; user is null for an API key." },
        { "ResetToken", { { "user_id", "integer" }, { "token", "string" }, { "expires_at", "date-time" } } },
        { "Impersonation",
          { { "token", "string" },
            { "token_type", "string" },
            { "expires_at", "date-time" },
            { "expires_in", "integer" },
            { "session", "Session" } } },
        { "ImportRowResult",
          { { "row", "integer" },
            { "email", "string" },
            { "username", "string" },
            { "organization_id", "integer" },
            { "outcome", "string" },
            { "problem", "string" },
            { "message", "string" },
            { "user_id", "integer" },
            { "invitation_id", "integer" },
            { "code", "string" } },
          "One row: outcome will_create (dry run), created, exists (skipped), error (problem says why) or "
          "not_run (cancelled); code is the one-time reset code or invitation token, shown only here." },
        { "ImportCounts",
          { { "rows", "integer" },
            { "will_create", "integer" },
            { "created", "integer" },
            { "exists", "integer" },
            { "errors", "integer" },
            { "not_run", "integer" } } },
        { "ImportReport",
          { { "dry_run", "boolean" },
            { "cancelled", "boolean" },
            { "rows", "ImportRowResult[]" },
            { "counts", "ImportCounts" } } },
        { "RevokedCount", { { "revoked", "integer" } } },
        { "UserPermissions", { { "user_id", "integer" }, { "items", "string[]" } } },
        { "RolePermissions", { { "role_id", "integer" }, { "items", "string[]" } } },
        { "OpenApiDocument", {}, "This document." },
    };
}

QJsonObject ref(const QString& schema)
{
    return { { QStringLiteral("$ref"), QString(QStringLiteral("#/components/schemas/") + schema) } };
}

// A contract type ("date-time?", "User[]") as a JSON Schema.
QJsonObject schemaOf(QString type)
{
    const bool nullable = type.endsWith(QLatin1Char('?'));
    if (nullable)
        type.chop(1);
    QJsonObject schema;
    if (type.endsWith(QLatin1String("[]"))) {
        type.chop(2);
        schema = { { QStringLiteral("type"), QStringLiteral("array") }, { QStringLiteral("items"), schemaOf(type) } };
    } else if (type == QLatin1String("date-time") || type == QLatin1String("date")) {
        schema = { { QStringLiteral("type"), QStringLiteral("string") }, { QStringLiteral("format"), type } };
    } else if (type.at(0).isUpper()) {
        if (!nullable)
            return ref(type);
        return { { QStringLiteral("anyOf"),
                   QJsonArray { ref(type), QJsonObject { { QStringLiteral("type"), QStringLiteral("null") } } } } };
    } else {
        schema = { { QStringLiteral("type"), type } };
    }
    if (nullable)
        schema[QStringLiteral("type")] = QJsonArray { schema.value(QStringLiteral("type")), QStringLiteral("null") };
    return schema;
}

QJsonObject objectSchema(const QList<Property>& properties, const QString& description)
{
    QJsonObject props;
    QJsonArray required;
    for (const Property& p : properties) {
        props.insert(QString::fromLatin1(p.name), schemaOf(QString::fromLatin1(p.type)));
        if (p.presence == Always)
            required << QString::fromLatin1(p.name);
    }
    QJsonObject schema { { QStringLiteral("type"), QStringLiteral("object") } };
    if (!properties.isEmpty()) {
        schema.insert(QStringLiteral("properties"), props);
        schema.insert(QStringLiteral("required"), required);
    }
    if (!description.isEmpty())
        schema.insert(QStringLiteral("description"), description);
    return schema;
}

QJsonObject requestSchema(const BodyType& body)
{
    QJsonObject props;
    QJsonArray required;
    for (const BodyField& field : body.fields) {
        QJsonObject schema;
        switch (field.type) {
        case JsonType::String:
            schema = schemaOf(QStringLiteral("string"));
            schema.insert(QStringLiteral("maxLength"), field.maxLength);
            break;
        case JsonType::Integer:
            schema = schemaOf(QStringLiteral("integer"));
            break;
        case JsonType::Boolean:
            schema = schemaOf(QStringLiteral("boolean"));
            break;
        case JsonType::StringList:
            schema = schemaOf(QStringLiteral("string[]"));
            schema.insert(QStringLiteral("maxItems"), 1000);
            break;
        case JsonType::Time:
            schema = schemaOf(QStringLiteral("date-time"));
            break;
        }
        if (field.flags & JsonBody::Nullable)
            schema[QStringLiteral("type")]
                = QJsonArray { schema.value(QStringLiteral("type")), QStringLiteral("null") };
        props.insert(QString::fromLatin1(field.name), schema);
        if (field.flags & JsonBody::Required)
            required << QString::fromLatin1(field.name);
    }
    QJsonObject schema { { QStringLiteral("type"), QStringLiteral("object") },
                         { QStringLiteral("properties"), props },
                         { QStringLiteral("additionalProperties"), false } };
    if (!required.isEmpty())
        schema.insert(QStringLiteral("required"), required);
    return schema;
}

// The problems a route may answer besides its own: what the dispatcher, the authentication and the
// managers refuse with.
QList<int> problemStatuses(const RouteSpec& route)
{
    QList<int> statuses { 400, 404, 405, 413, 429, 500, 503 };
    if (route.auth == Auth::Required || route.body)
        statuses << 401 << 403;
    if (route.body || QByteArrayView(route.method) != "GET")
        statuses << 409;
    if (route.body)
        statuses << 415;
    statuses += route.extraProblems;
    std::sort(statuses.begin(), statuses.end());
    statuses.erase(std::unique(statuses.begin(), statuses.end()), statuses.end());
    return statuses;
}

QJsonObject operation(const RouteSpec& route)
{
    QJsonObject op { { QStringLiteral("summary"), QString::fromUtf8(route.summary) } };
    QJsonArray parameters;
    for (const QByteArray& segment : route.segments) {
        if (!segment.startsWith('{'))
            continue;
        const QString name = QString::fromLatin1(segment.mid(1, segment.size() - 2));
        QJsonObject schema
            = schemaOf(name == QLatin1String("id") ? QStringLiteral("integer") : QStringLiteral("string"));
        if (name == QLatin1String("id"))
            schema.insert(QStringLiteral("minimum"), 1);
        parameters << QJsonObject { { QStringLiteral("name"), name },
                                    { QStringLiteral("in"), QStringLiteral("path") },
                                    { QStringLiteral("required"), true },
                                    { QStringLiteral("schema"), schema } };
    }
    if (route.ifMatch)
        parameters << QJsonObject { { QStringLiteral("name"), QStringLiteral("If-Match") },
                                    { QStringLiteral("in"), QStringLiteral("header") },
                                    { QStringLiteral("required"), true },
                                    { QStringLiteral("description"),
                                      QStringLiteral("The ETag of the row version read") },
                                    { QStringLiteral("schema"), schemaOf(QStringLiteral("string")) } };
    for (const QueryParam& param : route.params) {
        QJsonObject schema = schemaOf(QString::fromLatin1(param.type));
        if (param.maximum > param.minimum) {
            schema.insert(QStringLiteral("minimum"), param.minimum);
            schema.insert(QStringLiteral("maximum"), param.maximum);
        }
        if (!param.oneOf.isEmpty()) {
            QJsonArray values;
            for (const char* value : param.oneOf)
                values << QString::fromLatin1(value);
            schema.insert(QStringLiteral("enum"), values);
        }
        parameters << QJsonObject { { QStringLiteral("name"), QString::fromLatin1(param.name) },
                                    { QStringLiteral("in"), QStringLiteral("query") },
                                    { QStringLiteral("schema"), schema } };
    }
    if (!parameters.isEmpty())
        op.insert(QStringLiteral("parameters"), parameters);

    if (route.body)
        op.insert(
            QStringLiteral("requestBody"),
            QJsonObject { { QStringLiteral("required"), !route.body->emptyAllowed },
                          { QStringLiteral("content"),
                            QJsonObject { { QStringLiteral("application/json"),
                                            QJsonObject { { QStringLiteral("schema"),
                                                            ref(QString::fromLatin1(route.body->name)) } } } } } });

    QJsonObject responses;
    auto addContent
        = [&](int status, const QString& description, const QString& contentType, const QJsonObject& schema) {
              const QString key = QString::number(status);
              QJsonObject response = responses.value(key).toObject();
              if (!response.contains(QStringLiteral("description")))
                  response.insert(QStringLiteral("description"), description);
              if (!contentType.isEmpty()) {
                  QJsonObject content = response.value(QStringLiteral("content")).toObject();
                  content.insert(contentType, QJsonObject { { QStringLiteral("schema"), schema } });
                  response.insert(QStringLiteral("content"), content);
              }
              responses.insert(key, response);
          };
    for (const ResponseSpec& response : route.responses) {
        const QString description = QString::fromLatin1(http::reasonPhrase(response.status));
        if (!response.contentType)
            addContent(response.status, description, {}, {});
        else if (!response.schema)
            addContent(response.status, description, QString::fromLatin1(response.contentType),
                       schemaOf(QStringLiteral("string")));
        else
            addContent(response.status, description, QString::fromLatin1(response.contentType),
                       ref(QString::fromLatin1(response.schema)));
    }
    for (int status : problemStatuses(route)) {
        // One shared response object for the errors, unless the route answers this status itself.
        if (!responses.contains(QString::number(status)))
            responses.insert(
                QString::number(status),
                QJsonObject { { QStringLiteral("$ref"), QStringLiteral("#/components/responses/Problem") } });
        else
            addContent(status, {}, QStringLiteral("application/problem+json"), ref(QStringLiteral("Problem")));
    }
    op.insert(QStringLiteral("responses"), responses);

    if (route.auth == Auth::Required) {
        op.insert(QStringLiteral("security"),
                  QJsonArray { QJsonObject { { QStringLiteral("bearerAuth"), QJsonArray() } },
                               QJsonObject { { QStringLiteral("apiKey"), QJsonArray() } } });
        if (!route.scopes.isEmpty())
            op.insert(QStringLiteral("x-api-key-permissions"), QJsonArray::fromStringList(route.scopes));
    } else {
        op.insert(QStringLiteral("security"), QJsonArray());
    }
    return op;
}

QByteArray buildDocument()
{
    QJsonObject paths;
    QJsonObject schemas;
    for (const RouteSpec& route : routes()) {
        const QString path = QString::fromLatin1(route.path);
        QJsonObject item = paths.value(path).toObject();
        item.insert(QString::fromLatin1(route.method).toLower(), operation(route));
        paths.insert(path, item);
        if (route.body)
            schemas.insert(QString::fromLatin1(route.body->name), requestSchema(*route.body));
    }
    for (const Schema& schema : responseSchemas())
        schemas.insert(QString::fromLatin1(schema.name),
                       objectSchema(schema.properties, QString::fromUtf8(schema.description)));

    const QJsonObject problemResponse {
        { QStringLiteral("description"), QStringLiteral("An RFC 9457 problem") },
        { QStringLiteral("content"),
          QJsonObject { { QStringLiteral("application/problem+json"),
                          QJsonObject { { QStringLiteral("schema"), ref(QStringLiteral("Problem")) } } } } },
    };
    const QJsonObject securitySchemes {
        { QStringLiteral("bearerAuth"),
          QJsonObject {
              { QStringLiteral("type"), QStringLiteral("http") },
              { QStringLiteral("scheme"), QStringLiteral("bearer") },
              { QStringLiteral("bearerFormat"), QStringLiteral("JWT") },
              { QStringLiteral("description"),
                QStringLiteral("The access token of POST /api/auth/login or /api/auth/refresh (HS256, the setting "
                               "access_token_minutes, by default %1 s), "
                               "or the opaque session token of an impersonation.")
                    .arg(jwt::AccessTokenSeconds) } } },
        { QStringLiteral("apiKey"),
          QJsonObject { { QStringLiteral("type"), QStringLiteral("apiKey") },
                        { QStringLiteral("in"), QStringLiteral("header") },
                        { QStringLiteral("name"), QStringLiteral("X-API-Key") },
                        { QStringLiteral("description"),
                          QStringLiteral("An API key; it must hold one of the operation's x-api-key-permissions. "
                                         "Never in the URL.") } } },
    };
    const QJsonObject document {
        { QStringLiteral("openapi"), QStringLiteral("3.1.0") },
        { QStringLiteral("info"),
          QJsonObject { { QStringLiteral("title"), QStringLiteral("Portcullis REST API") },
                        { QStringLiteral("version"), QStringLiteral(PORTCULLIS_VERSION) },
                        { QStringLiteral("description"),
                          QStringLiteral("Generated from the route declarations of portcullis-server "
                                         "(portcullis-server openapi). The readable guide is docs/api.md.") } } },
        { QStringLiteral("paths"), paths },
        { QStringLiteral("components"),
          QJsonObject { { QStringLiteral("schemas"), schemas },
                        { QStringLiteral("responses"), QJsonObject { { QStringLiteral("Problem"), problemResponse } } },
                        { QStringLiteral("securitySchemes"), securitySchemes } } },
    };
    return QJsonDocument(document).toJson(QJsonDocument::Indented);
}

} // namespace

const QByteArray& openApiDocument()
{
    static const QByteArray document = buildDocument();
    return document;
}

} // namespace portcullis::server
