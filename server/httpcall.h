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

namespace portcullis::server {

struct Reply
{
    int status = 200;
    QByteArray contentType = "application/json";
    http::HeaderList headers;
    QByteArray body;
    bool streamed = false; // the handler answered through the exchange itself
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

    // The n-th path parameter as an id; 0 when it is not a positive whole number.
    Id id(int n = 0) const;
};

enum class Auth
{
    None, // public: health, login, refresh, invitation acceptance
    Required // a bearer access token, an impersonation session token or an API key
};

using HandlerFn = Reply (*)(Call&);

struct RouteSpec
{
    QByteArray method;
    QList<QByteArray> segments; // "{...}" matches one segment
    Auth auth = Auth::Required;
    // The permissions an API key must carry (any one of them; empty: no scope needed, e.g. /me).
    // The managers check the same permissions again on the actor; this gives a key a clear 403.
    QStringList scopes;
    QStringList params; // the query parameters the endpoint reads; others are refused
    HandlerFn handler = nullptr;
};

const QList<RouteSpec>& routes();

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

// Reads a strict JSON body; on failure the reply to send is in `failure`.
std::optional<JsonBody> readBody(Call& call, Reply& failure, bool allowEmpty = false);

// A signed access token for `actor` (its session id must be set) and its lifetime in seconds.
QByteArray issueAccessToken(const ApiConfig& config, const Actor& actor);

} // namespace portcullis::server
