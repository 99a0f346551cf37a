#pragma once

// JSON for the REST API: a streaming writer (bytes straight into a buffer, no QJsonObject per row),
// strict readers for request bodies and query strings (unknown fields, wrong types and malformed
// JSON become validation errors naming the field), and the encoders of the domain types. All of it
// is plain values, used on the worker thread that answers the request.

#include "backend.h"
#include "domain/result.h"
#include "domain/types.h"
#include "sql/store.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVarLengthArray>

#include <optional>

namespace portcullis::server {

// The one JSON writer of the server: every response body, problem and streamed line goes through
// it (or through QJsonDocument for free-form objects), never through string concatenation. Output
// is valid JSON for any input: quotes, backslashes and control characters are escaped, and lone
// surrogates and invalid UTF-8 are replaced (by '?' and U+FFFD, as Qt's UTF-8 codec does).
class JsonWriter
{
public:
    JsonWriter();
    void reserve(qsizetype bytes) { m_out.reserve(bytes); }

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    // Keys are escaped like values: a name that came from a client (the "errors" object of a problem
    // names the client's fields) can never break out of its string. Plain ASCII names are copied.
    JsonWriter& key(const char* name); // UTF-8
    JsonWriter& key(const QString& name);

    JsonWriter& value(const QString& text);
    JsonWriter& value(const char* ascii);
    JsonWriter& value(qint64 number);
    JsonWriter& value(int number) { return value(qint64(number)); }
    JsonWriter& value(bool flag);
    JsonWriter& null();
    JsonWriter& time(const QDateTime& time); // ISO 8601 UTC with milliseconds, or null when invalid
    JsonWriter& strings(const QStringList& list);
    JsonWriter& object(const QJsonObject& object); // via QJsonDocument: for free-form details
    JsonWriter& id(Id id) { return value(qint64(id)); }
    JsonWriter& idOrNull(Id id) { return id == 0 ? null() : value(qint64(id)); }

    // key + value in one call
    template <typename T> JsonWriter& field(const char* name, const T& v)
    {
        key(name);
        return value(v);
    }

    const QByteArray& data() const { return m_out; }
    QByteArray take() { return std::move(m_out); }

private:
    void separate();
    void appendString(const QString& text);
    void appendIsoUtc(qint64 msecs);

    QByteArray m_out;
    QVarLengthArray<bool, 16> m_first; // per open container: nothing written in it yet
    bool m_afterKey = false;
};

// A field of a request body: absent, null, or a value.
template <typename T> struct Field
{
    bool present = false;
    bool null = false;
    T value {};

    bool has() const { return present && !null; }
    const T& operator*() const { return value; }
};

// A JSON request body read strictly: it must be an object; each field is read with its expected
// type; finish() reports every unknown field and every type error at once.
class JsonBody
{
public:
    enum Flag
    {
        Optional = 0,
        Required = 1,
        Nullable = 2
    };

    // `contentType` must be application/json (or +json) when the body is not empty. An empty body
    // reads as {} when `allowEmpty`. The error is a validation error ready for a problem response;
    // Result::error().fieldErrors is empty for malformed JSON and when the type is not JSON (the
    // caller turns the latter into 415 through unsupportedMediaType()).
    static Result<JsonBody> parse(const QByteArray& body, const QByteArray& contentType, bool allowEmpty = false);
    static bool isUnsupportedMediaType(const ServiceError& error);

    Field<QString> string(const char* name, int flags = Optional, int maxLength = 10000);
    Field<qint64> integer(const char* name, int flags = Optional);
    Field<bool> boolean(const char* name, int flags = Optional);
    Field<QStringList> strings(const char* name, int flags = Optional);
    Field<QDateTime> time(const char* name, int flags = Optional); // ISO 8601 with a time zone

    Status finish() const;

private:
    QJsonValue take(const char* name, int flags, const char* expected);
    void fail(const QString& field, const QString& message);

    QJsonObject m_object;
    QSet<QString> m_read;
    QHash<QString, QString> m_errors;
};

// The query string of a request, read strictly like a body (the router has already refused
// parameters the endpoint does not know).
class QueryParams
{
public:
    static Result<QueryParams> parse(const QByteArray& query);

    bool has(const char* name) const { return m_values.contains(QString::fromLatin1(name)); }
    QString string(const char* name) const;
    QString value(const QString& name) const { return m_values.value(name); }
    std::optional<qint64> integer(const char* name, qint64 minimum, qint64 maximum);
    // A value the dispatcher has already checked against its declared range (httproute.cpp).
    std::optional<qint64> integer(const char* name) const;
    std::optional<bool> boolean(const char* name);
    std::optional<QDateTime> time(const char* name);
    QStringList names() const { return m_values.keys(); }

    Status finish() const;

private:
    void fail(const QString& field, const QString& message);

    QHash<QString, QString> m_values;
    QHash<QString, QString> m_errors;
};

// Parses an ISO 8601 date-time that names its zone ("2024-05-01T10:00:00Z", "+02:00") or a bare
// date (midnight UTC). Invalid on failure.
QDateTime parseIsoTime(const QString& text);

// --- encoders ------------------------------------------------------------------------------------

void writeUser(JsonWriter& w, const User& user);
void writeRole(JsonWriter& w, const Role& role);
void writePermission(JsonWriter& w, const Permission& permission);
void writeSession(JsonWriter& w, const Session& session);
void writeApiKey(JsonWriter& w, const ApiKey& key); // fields only, inside an open object
void writeOrganization(JsonWriter& w, const Organization& organization);
void writeInvitation(JsonWriter& w, const Invitation& invitation); // fields only, inside an open object
void writeAuditEvent(JsonWriter& w, const AuditEvent& event);
void writeStats(JsonWriter& w, const Stats& stats);
void writeDayActivity(JsonWriter& w, const DayActivity& day);
void writeSettings(JsonWriter& w, const DeploymentSettings& settings);
void writeMaintenanceRun(JsonWriter& w, const MaintenanceRun& run);
void writeActor(JsonWriter& w, const Actor& actor); // fields only, inside an open object

} // namespace portcullis::server
