#pragma once

// Every response a REST test receives, checked against the contract (docs/openapi.json, the output
// of `portcullis-server openapi`): the status is one the route declares, the content type is one
// declared for that status, and a JSON body matches its schema (required properties, types, items,
// nullable types, $ref, anyOf, enum). A path or method the contract does not know must be answered
// with a 404 or 405 problem.
//
// Why no library: Debian 12's JSON Schema validators (libvalijson-dev 1.0, libnlohmann-json-schema-
// validator-dev) implement drafts 4/7 over their own JSON types, not the 2020-12 dialect of OpenAPI
// 3.1, and would add a dependency for the small subset the generator (server/contract.cpp) emits.
// This checker covers exactly that subset and fails on any keyword it does not know, so the
// generator cannot start emitting something that goes unchecked.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QString>
#include <QStringList>
#include <QTest>

namespace portcullis::test {

class Contract
{
public:
    // docs/openapi.json of the source tree (PORTCULLIS_OPENAPI_DOC).
    static const Contract& instance()
    {
        static const Contract contract(QStringLiteral(PORTCULLIS_OPENAPI_DOC));
        return contract;
    }

    explicit Contract(const QString& file)
    {
        QFile in(file);
        if (in.open(QIODevice::ReadOnly))
            m_document = QJsonDocument::fromJson(in.readAll()).object();
    }

    bool isLoaded() const { return m_document.contains(QStringLiteral("paths")); }

    // What is wrong with a response to `method pathAndQuery`, or an empty string when it conforms.
    QString check(const QByteArray& method, const QString& pathAndQuery, int status, const QByteArray& contentType,
                  const QByteArray& body) const
    {
        if (!isLoaded())
            return QStringLiteral("the contract %1 could not be read").arg(QStringLiteral(PORTCULLIS_OPENAPI_DOC));
        if (status == 0)
            return {}; // no response (a connection error): nothing to check
        const QString where = QStringLiteral("%1 %2 -> %3").arg(QString::fromLatin1(method), pathAndQuery).arg(status);
        const QJsonObject operation = operationFor(method, pathAndQuery);
        const QString mediaType = QString::fromLatin1(contentType).section(QLatin1Char(';'), 0, 0).trimmed().toLower();
        if (operation.isEmpty()) {
            // Not a route of the contract: only the router's 404 and 405 problems may answer.
            if (status != 404 && status != 405)
                return where + QStringLiteral(": no route in the contract, and not a 404 or 405");
            return mediaType == QLatin1String("application/problem+json")
                ? checkJson(body, ref(QStringLiteral("Problem")), where)
                : where + QStringLiteral(": a 404/405 must be application/problem+json, not \"%1\"").arg(mediaType);
        }
        QJsonObject response
            = operation.value(QStringLiteral("responses")).toObject().value(QString::number(status)).toObject();
        if (response.contains(QStringLiteral("$ref"))) // #/components/responses/Name
            response = m_document.value(QStringLiteral("components"))
                           .toObject()
                           .value(QStringLiteral("responses"))
                           .toObject()
                           .value(response.value(QStringLiteral("$ref")).toString().section(QLatin1Char('/'), -1))
                           .toObject();
        if (response.isEmpty())
            return where + QStringLiteral(": status %1 is not declared for this route").arg(status);
        const QJsonObject content = response.value(QStringLiteral("content")).toObject();
        if (content.isEmpty()) {
            if (!body.isEmpty())
                return where
                    + QStringLiteral(": the contract declares no body, the server sent %1 bytes").arg(body.size());
            return {};
        }
        QJsonObject media;
        for (auto it = content.begin(); it != content.end(); ++it) {
            if (it.key().section(QLatin1Char(';'), 0, 0).trimmed().toLower() == mediaType)
                media = it.value().toObject();
        }
        if (media.isEmpty())
            return where
                + QStringLiteral(": content type \"%1\" is not declared (declared: %2)")
                      .arg(mediaType, content.keys().join(QStringLiteral(", ")));
        if (mediaType != QLatin1String("application/json") && mediaType != QLatin1String("application/problem+json"))
            return {}; // CSV and JSON lines: the type is all the contract says
        if (method == "HEAD")
            return {};
        return checkJson(body, media.value(QStringLiteral("schema")).toObject(), where);
    }

private:
    static QJsonObject ref(const QString& name)
    {
        return { { QStringLiteral("$ref"), QString(QStringLiteral("#/components/schemas/") + name) } };
    }

    // The operation whose path template matches (literal segments win over {placeholders}).
    QJsonObject operationFor(const QByteArray& method, const QString& pathAndQuery) const
    {
        QString path = pathAndQuery.section(QLatin1Char('?'), 0, 0);
        if (path.size() > 1 && path.endsWith(QLatin1Char('/')))
            path.chop(1);
        const QStringList segments = path.split(QLatin1Char('/'));
        const QJsonObject paths = m_document.value(QStringLiteral("paths")).toObject();
        int bestLiterals = -1;
        QJsonObject best;
        for (auto it = paths.begin(); it != paths.end(); ++it) {
            const QStringList pattern = it.key().split(QLatin1Char('/'));
            if (pattern.size() != segments.size())
                continue;
            int literals = 0;
            bool same = true;
            for (qsizetype i = 0; i < pattern.size() && same; ++i) {
                if (pattern.at(i).startsWith(QLatin1Char('{')))
                    same = !segments.at(i).isEmpty();
                else if ((same = pattern.at(i) == segments.at(i)))
                    ++literals;
            }
            const QJsonObject operation = it.value().toObject().value(QString::fromLatin1(method).toLower()).toObject();
            if (same && !operation.isEmpty() && literals > bestLiterals) {
                bestLiterals = literals;
                best = operation;
            }
        }
        return best;
    }

    QString checkJson(const QByteArray& body, const QJsonObject& schema, const QString& where) const
    {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(body, &error);
        if (error.error != QJsonParseError::NoError)
            return where + QStringLiteral(": the body is not JSON (%1)").arg(error.errorString());
        const QJsonValue value = document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
        return validate(value, schema, where + QStringLiteral(": $"));
    }

    static bool hasType(const QJsonValue& value, const QString& type)
    {
        if (type == QLatin1String("string"))
            return value.isString();
        if (type == QLatin1String("integer"))
            return value.isDouble() && value.toDouble() == double(qint64(value.toDouble()));
        if (type == QLatin1String("number"))
            return value.isDouble();
        if (type == QLatin1String("boolean"))
            return value.isBool();
        if (type == QLatin1String("object"))
            return value.isObject();
        if (type == QLatin1String("array"))
            return value.isArray();
        if (type == QLatin1String("null"))
            return value.isNull();
        return false;
    }

    static QString describe(const QJsonValue& value)
    {
        switch (value.type()) {
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Bool:
            return QStringLiteral("a boolean");
        case QJsonValue::Double:
            return QStringLiteral("the number %1").arg(value.toDouble());
        case QJsonValue::String:
            return QStringLiteral("a string");
        case QJsonValue::Array:
            return QStringLiteral("an array");
        case QJsonValue::Object:
            return QStringLiteral("an object");
        case QJsonValue::Undefined:
            break;
        }
        return QStringLiteral("nothing");
    }

    QString validate(const QJsonValue& value, const QJsonObject& schema, const QString& at) const
    {
        static const QStringList known { QStringLiteral("$ref"),        QStringLiteral("anyOf"),
                                         QStringLiteral("type"),        QStringLiteral("properties"),
                                         QStringLiteral("required"),    QStringLiteral("items"),
                                         QStringLiteral("enum"),        QStringLiteral("format"),
                                         QStringLiteral("description"), QStringLiteral("additionalProperties"),
                                         QStringLiteral("maxLength"),   QStringLiteral("maxItems"),
                                         QStringLiteral("minimum") };
        for (const QString& keyword : schema.keys()) {
            if (!known.contains(keyword))
                return at + QStringLiteral(": the checker does not know the keyword \"%1\"").arg(keyword);
        }
        if (schema.contains(QStringLiteral("$ref"))) {
            const QString target = schema.value(QStringLiteral("$ref")).toString();
            const QString name = target.section(QLatin1Char('/'), -1);
            const QJsonObject resolved = m_document.value(QStringLiteral("components"))
                                             .toObject()
                                             .value(QStringLiteral("schemas"))
                                             .toObject()
                                             .value(name)
                                             .toObject();
            if (resolved.isEmpty())
                return at + QStringLiteral(": unknown schema %1").arg(target);
            return validate(value, resolved, at);
        }
        if (schema.contains(QStringLiteral("anyOf"))) {
            QStringList failures;
            for (const QJsonValue& option : schema.value(QStringLiteral("anyOf")).toArray()) {
                const QString failure = validate(value, option.toObject(), at);
                if (failure.isEmpty())
                    return {};
                failures << failure;
            }
            return failures.join(QStringLiteral(" / "));
        }
        if (schema.contains(QStringLiteral("type"))) {
            const QJsonValue type = schema.value(QStringLiteral("type"));
            QStringList types;
            if (type.isArray()) {
                for (const QJsonValue& t : type.toArray())
                    types << t.toString();
            } else {
                types << type.toString();
            }
            if (!std::any_of(types.cbegin(), types.cend(), [&](const QString& t) { return hasType(value, t); }))
                return at
                    + QStringLiteral(": expected %1, got %2").arg(types.join(QStringLiteral(" or ")), describe(value));
        }
        if (schema.contains(QStringLiteral("enum")) && !schema.value(QStringLiteral("enum")).toArray().contains(value))
            return at + QStringLiteral(": %1 is not one of the declared values").arg(describe(value));
        if (value.isObject()) {
            const QJsonObject object = value.toObject();
            for (const QJsonValue& name : schema.value(QStringLiteral("required")).toArray()) {
                if (!object.contains(name.toString()))
                    return at + QStringLiteral(": the required property \"%1\" is missing").arg(name.toString());
            }
            const QJsonObject properties = schema.value(QStringLiteral("properties")).toObject();
            for (auto it = properties.begin(); it != properties.end(); ++it) {
                if (!object.contains(it.key()))
                    continue;
                const QString failure
                    = validate(object.value(it.key()), it.value().toObject(), at + QLatin1Char('.') + it.key());
                if (!failure.isEmpty())
                    return failure;
            }
        }
        if (value.isArray() && schema.contains(QStringLiteral("items"))) {
            const QJsonArray items = value.toArray();
            for (qsizetype i = 0; i < items.size(); ++i) {
                const QString failure = validate(items.at(i), schema.value(QStringLiteral("items")).toObject(),
                                                 at + QStringLiteral("[%1]").arg(i));
                if (!failure.isEmpty())
                    return failure;
            }
        }
        return {};
    }

    QJsonObject m_document;
};

// Fails the running test function when a response does not conform to the contract.
inline void checkContract(const QByteArray& method, const QString& pathAndQuery, int status,
                          const QByteArray& contentType, const QByteArray& body, const char* file, int line)
{
    const QString failure = Contract::instance().check(method, pathAndQuery, status, contentType, body);
    if (!failure.isEmpty())
        QTest::qFail(qPrintable(QStringLiteral("response breaks docs/openapi.json: ") + failure), file, line);
}

// A network manager that checks every reply against the contract before its receiver reads it: for
// the suites that talk to the server through the product's own client (RestBackend).
class ContractCheckingNetwork : public QNetworkAccessManager
{
protected:
    QNetworkReply* createRequest(Operation operation, const QNetworkRequest& request, QIODevice* outgoingData) override
    {
        QNetworkReply* reply = QNetworkAccessManager::createRequest(operation, request, outgoingData);
        QByteArray method;
        switch (operation) {
        case HeadOperation:
            method = "HEAD";
            break;
        case GetOperation:
            method = "GET";
            break;
        case PutOperation:
            method = "PUT";
            break;
        case PostOperation:
            method = "POST";
            break;
        case DeleteOperation:
            method = "DELETE";
            break;
        case CustomOperation:
        case UnknownOperation:
            method = request.attribute(QNetworkRequest::CustomVerbAttribute).toByteArray();
            break;
        }
        // Connected before the caller's own connection, so this runs first and only peeks.
        connect(reply, &QNetworkReply::finished, reply, [reply, method] {
            QString target = reply->url().path(QUrl::FullyEncoded);
            if (reply->url().hasQuery())
                target += QLatin1Char('?') + reply->url().query(QUrl::FullyEncoded);
            checkContract(method, target, reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                          reply->rawHeader("Content-Type"), reply->peek(reply->bytesAvailable()), __FILE__, __LINE__);
        });
        return reply;
    }
};

} // namespace portcullis::test
