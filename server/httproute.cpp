// The part of answering a request that every route shares, driven by its declaration (RouteSpec):
// the 404 for a path id that cannot exist, the If-Match precondition, the query parameters' types
// and ranges, and the strict decoding of the body. What is left for the handler is the call of its
// manager.

#include "httpcall.h"

#include <QCoreApplication>

#include <algorithm>

namespace portcullis::server {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Http)
};

QString problemTitle(int status)
{
    return QString::fromLatin1(http::reasonPhrase(status));
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

// The If-Match of a guarded update, read into call.expectedVersion; otherwise the 428 to send.
std::optional<Reply> readIfMatch(Call& call, const RouteSpec& route)
{
    const QByteArray ifMatch = call.request.header("if-match");
    if (ifMatch.isNull()) {
        // Where the client reads the ETag: GET on the same path.
        const QString source
            = QString::fromLatin1(route.path).replace(QStringLiteral("{id}"), QString::number(call.id));
        return problem(428, QStringLiteral("urn:portcullis:problem:precondition-required"), problemTitle(428),
                       Tr::tr("Send If-Match with the ETag from GET %1, so that a change made meanwhile by someone "
                              "else is not overwritten.")
                           .arg(source),
                       QStringLiteral("validation"));
    }
    const auto version = parseEntityTag(ifMatch);
    if (!version)
        return problem(428, QStringLiteral("urn:portcullis:problem:precondition-required"), problemTitle(428),
                       Tr::tr("If-Match must hold one ETag of this %1 (such as \"3\"), not \"%2\".")
                           .arg(QString::fromLatin1(route.idOf), QString::fromLatin1(ifMatch.left(60))),
                       QStringLiteral("validation"));
    call.expectedVersion = *version;
    return std::nullopt;
}

// Every declared query parameter that is present, checked against its declaration.
Status checkQuery(Call& call, const RouteSpec& route)
{
    for (const QueryParam& param : route.params) {
        if (QByteArrayView(param.type) == "integer")
            call.query.integer(param.name, param.minimum, param.maximum);
        else if (QByteArrayView(param.type) == "boolean")
            call.query.boolean(param.name);
        else if (QByteArrayView(param.type) == "date-time")
            call.query.time(param.name);
    }
    if (auto finished = call.query.finish(); !finished)
        return finished;
    for (const QueryParam& param : route.params) {
        if (param.oneOf.isEmpty() || !call.query.has(param.name))
            continue;
        const QString value = call.query.string(param.name).toLower();
        QStringList allowed;
        for (const char* one : param.oneOf)
            allowed << QString::fromLatin1(one);
        if (!allowed.contains(value))
            return ServiceError::validationField(QString::fromLatin1(param.name),
                                                 Tr::tr("Must be %1").arg(allowed.join(QStringLiteral(" or "))));
    }
    return {};
}

// The n-th path parameter as an id; 0 when it is not a positive whole number.
Id pathId(const Call& call, int n)
{
    if (n >= call.pathParams.size())
        return 0;
    bool ok = false;
    const Id value = call.pathParams.at(n).toLongLong(&ok);
    return ok && value > 0 ? value : 0;
}

} // namespace

Result<Body> Body::decode(const BodyType& type, JsonBody& json)
{
    Body body;
    for (const BodyField& field : type.fields) {
        Value value;
        switch (field.type) {
        case JsonType::String:
            value = json.string(field.name, field.flags, field.maxLength);
            break;
        case JsonType::Integer:
            value = json.integer(field.name, field.flags);
            break;
        case JsonType::Boolean:
            value = json.boolean(field.name, field.flags);
            break;
        case JsonType::StringList:
            value = json.strings(field.name, field.flags);
            break;
        case JsonType::Time:
            value = json.time(field.name, field.flags);
            break;
        }
        body.m_values.emplaceBack(field.name, std::move(value));
    }
    if (auto finished = json.finish(); !finished)
        return finished.error();
    return body;
}

Reply invalidBody(const ServiceError& error)
{
    return problem(400, QStringLiteral("urn:portcullis:problem:malformed-body"), problemTitle(400), error.message,
                   QStringLiteral("validation"), error.fieldErrors);
}

Reply invalidQuery(const ServiceError& error)
{
    return problem(400, QStringLiteral("urn:portcullis:problem:invalid-query"), problemTitle(400), error.message,
                   QStringLiteral("validation"), error.fieldErrors);
}

Reply noSuch(const QString& what, const QString& value)
{
    return problem(404, QStringLiteral("urn:portcullis:problem:not_found"), problemTitle(404),
                   Tr::tr("No %1 with id \"%2\"").arg(what, value), QStringLiteral("not_found"));
}

namespace {

// Reads a strict JSON body; on failure the reply to send is in `failure`.
std::optional<JsonBody> readBody(Call& call, Reply& failure, bool allowEmpty)
{
    auto body = JsonBody::parse(call.request.body, call.request.header("content-type"), allowEmpty);
    if (!body) {
        if (JsonBody::isUnsupportedMediaType(body.error()))
            failure = problem(415, QStringLiteral("urn:portcullis:problem:unsupported-media-type"), problemTitle(415),
                              body.error().message, QStringLiteral("validation"));
        else
            failure = problem(400, QStringLiteral("urn:portcullis:problem:malformed-body"), problemTitle(400),
                              body.error().message, QStringLiteral("validation"), body.error().fieldErrors);
        return std::nullopt;
    }
    return std::move(body.value());
}

} // namespace

Reply dispatch(Call& call, const RouteSpec& route)
{
    if (route.idOf) {
        call.id = pathId(call, 0);
        if (!call.id)
            return noSuch(QString::fromLatin1(route.idOf), call.pathParams.value(0));
    }
    if (route.ifMatch) {
        if (auto refused = readIfMatch(call, route))
            return std::move(*refused);
    }
    if (auto checked = checkQuery(call, route); !checked)
        return invalidQuery(checked.error());
    if (route.body) {
        Reply failure;
        auto parsed = readBody(call, failure, route.body->emptyAllowed);
        if (!parsed)
            return failure;
        auto body = Body::decode(*route.body, *parsed);
        if (!body)
            return invalidBody(body.error());
        call.body = std::move(*body);
    }
    return route.handler(call);
}

QStringList RouteSpec::paramNames() const
{
    QStringList names;
    for (const QueryParam& param : params)
        names << QString::fromLatin1(param.name);
    return names;
}

bool RouteSpec::takes(const QString& name) const
{
    return std::any_of(params.cbegin(), params.cend(),
                       [&](const QueryParam& param) { return name == QLatin1String(param.name); });
}

} // namespace portcullis::server
