#pragma once

// Internal to the REST API (httpapi.cpp, httphandlers.cpp): one request on a worker thread, the
// reply it produces, and the route table.

#include "httpapi.h"
#include "httpjson.h"
#include "httpserver.h"
#include "sql/server_support.h"
#include "sql/store.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <utility>
#include <variant>

namespace portcullis::server {

struct Reply
{
    int status = 200;
    QByteArray contentType = "application/json";
    http::HeaderList headers;
    QByteArray body;
    bool streamed = false; // the handler answered through the exchange itself
};

// --- declarations --------------------------------------------------------------------------------
//
// Each route of the API is one RouteSpec in the table of httphandlers.cpp: what it answers, who may
// call it, what it reads and what it returns. The dispatcher (RestApi::process) reads the
// declaration to authenticate, refuse unknown query parameters, turn a bad path id into 404, check
// If-Match, and decode and validate the body before the handler runs; contract.cpp turns the same
// table into the OpenAPI document. A handler only calls its manager and encodes the result.

// The JSON type of a request body field (and how JsonBody reads it).
enum class JsonType
{
    String,
    Integer,
    Boolean,
    StringList,
    Time // an ISO 8601 string with a time zone
};

struct BodyField
{
    const char* name;
    JsonType type;
    int flags = JsonBody::Optional; // JsonBody::Required and/or JsonBody::Nullable
    int maxLength = 10000; // strings: longer values are refused
};

// A request body: its name in the contract and its fields, all others refused.
struct BodyType
{
    const char* name; // "CreateUserRequest"
    QList<BodyField> fields;
    bool emptyAllowed = false; // an empty body reads as {}
};

// A body decoded by the dispatcher from its BodyType: the handler asks for the fields by name.
// Asking for a field the type does not declare, or with another type, is a programming error.
class Body
{
public:
    Field<QString> string(const char* name) const { return get<QString>(name); }
    Field<qint64> integer(const char* name) const { return get<qint64>(name); }
    Field<bool> boolean(const char* name) const { return get<bool>(name); }
    Field<QStringList> strings(const char* name) const { return get<QStringList>(name); }
    Field<QDateTime> time(const char* name) const { return get<QDateTime>(name); }

    // Reads every field of `type` from `json`; on failure returns the validation error.
    static Result<Body> decode(const BodyType& type, JsonBody& json);

private:
    using Value = std::variant<Field<QString>, Field<qint64>, Field<bool>, Field<QStringList>, Field<QDateTime>>;
    template <typename T> Field<T> get(const char* name) const
    {
        for (const auto& [field, value] : m_values) {
            if (qstrcmp(field, name) == 0) {
                if (const auto* typed = std::get_if<Field<T>>(&value))
                    return *typed;
                break;
            }
        }
        qFatal("body field %s is not declared with this type", name);
    }
    QList<std::pair<const char*, Value>> m_values;
};

// A query parameter the route reads. The dispatcher checks every one present against its type,
// range and values before the handler runs (one 400 naming each bad parameter); the handler then
// reads the values and applies its defaults.
struct QueryParam
{
    const char* name = nullptr;
    const char* type = "string"; // a contract type: "string", "integer", "boolean", "date-time"
    qint64 minimum = 0; // integers: the range
    qint64 maximum = 0;
    QList<const char*> oneOf = {}; // strings: the values allowed (compared in lower case)
};

// A response the route gives on success. Errors are RFC 9457 problems (contract.cpp lists them).
struct ResponseSpec
{
    int status;
    const char* schema = nullptr; // a component of contract.cpp; nullptr: no body
    const char* contentType = "application/json";
};

// Everything a handler needs, on the worker thread that answers the request.
struct Call
{
    http::HttpExchange& exchange;
    const http::HttpRequest& request;
    SqlStore& store;
    ServerSupport& support;
    const ApiConfig& config;
    Actor actor; // the authenticated actor (empty for public endpoints)
    QList<QString> pathParams; // decoded values of the {placeholders}, in order
    QueryParams query;
    QString ip;
    QString userAgent;
    QString actorLabel; // for the access log
    Id id = 0; // the {id} of the path, a positive whole number (routes that declare `idOf`)
    qint64 expectedVersion = -1; // the If-Match row version (routes that declare `ifMatch`)
    Body body = {}; // the decoded body (routes that declare `body`)
};

enum class Auth
{
    None, // public: health, login, refresh, invitation acceptance, the contract
    Required // a bearer access token, an impersonation session token or an API key
};

using HandlerFn = Reply (*)(Call&);

struct RouteSpec
{
    const char* method;
    const char* path; // "/api/admin/users/{id}": "{...}" matches one segment
    const char* summary; // one line for the contract
    Auth auth = Auth::Required;
    // The permissions an API key must carry (any one of them; empty: no scope needed, e.g. /me).
    // The managers check the same permissions again on the actor; this gives a key a clear 403.
    QStringList scopes = {};
    QList<QueryParam> params = {}; // the query parameters the endpoint reads; others are refused
    // The first path parameter is the id of this kind of object ("user"): one that is not a positive
    // whole number is answered 404 "No user with id ..." before the handler runs.
    const char* idOf = nullptr;
    // Updates guarded by a row version: If-Match is required (428) and read into expectedVersion.
    // The ETag is the one GET answers on the same path, for the object `idOf` names.
    bool ifMatch = false;
    const BodyType* body = nullptr; // nullptr: the body is not read
    QList<ResponseSpec> responses = {};
    HandlerFn handler = nullptr;
    QList<int> extraProblems = {}; // problem statuses beyond the ones every route may answer

    QList<QByteArray> segments = {}; // filled in by routes()

    QStringList paramNames() const; // in declared order
    bool takes(const QString& queryParameter) const;
};

const QList<RouteSpec>& routes();

// Answers an authenticated call of `route` from its declaration (path id, If-Match, body), then
// runs its handler.
Reply dispatch(Call& call, const RouteSpec& route);

// --- replies -------------------------------------------------------------------------------------

Reply json(int status, JsonWriter& writer);
Reply noContent();
// RFC 9457 problem for a service error. Storage errors are logged with `requestId` and answered
// without their (internal) text. `reason` (ServiceError::reasonName(), e.g. "stale_version") is
// written when not empty.
Reply problem(const ServiceError& error, quint64 requestId);
Reply problem(int status, const QString& type, const QString& title, const QString& detail, const QString& code,
              const QHash<QString, QString>& errors = {}, const QString& reason = {});
int statusFor(ErrorCode code);

// The ETag of a row version: "\"7\"".
QByteArray etag(qint64 version);

// 400 problems for a body or a query string that does not hold what the route declares.
Reply invalidBody(const ServiceError& error);
Reply invalidQuery(const ServiceError& error);
// 404 "No user with id "x"".
Reply noSuch(const QString& what, const QString& value);

// A signed access token for `actor` (its session id must be set), valid for `lifetimeSeconds` (the
// setting access_token_minutes).
QByteArray issueAccessToken(const ApiConfig& config, const Actor& actor, qint64 lifetimeSeconds);

} // namespace portcullis::server
