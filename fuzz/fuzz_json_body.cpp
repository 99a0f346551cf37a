// Request bodies (server/httpjson.cpp, JsonBody): arbitrary bytes parsed as a JSON body and read
// the way the handlers read them (server/httphandlers.cpp), with each field's expected type chosen
// from the input, then turned into the problem response the server would send.
//
// Invariants: a body that is not a JSON object is refused; reading never crashes whatever the
// types; every refusal becomes a 400 problem whose body is a JSON object naming only fields of the
// request; a body read with every field accounted for finishes cleanly only if it is an object.

#include "fuzzutil.h"
#include "httpcall.h"
#include "httpjson.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace portcullis;
using namespace portcullis::server;

namespace {

void checkProblem(const ServiceError& error, const QByteArray& input)
{
    const Reply reply = problem(error, 1);
    FUZZ_CHECK(reply.status >= 400 && reply.status < 500, QByteArray::number(reply.status) + ' ' + input);
    FUZZ_CHECK(reply.contentType == "application/problem+json", reply.contentType);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(reply.body, &parseError);
    FUZZ_CHECK(parseError.error == QJsonParseError::NoError && doc.isObject(), reply.body);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    const QByteArray body = fuzz::bytes(data, size);
    auto parsed = JsonBody::parse(body, "application/json", size % 2 == 0);
    const QJsonDocument reference = QJsonDocument::fromJson(body);
    if (!parsed) {
        checkProblem(parsed.error(), body);
        return 0;
    }
    FUZZ_CHECK(reference.isObject() || body.trimmed().isEmpty(), body);
    JsonBody json = *parsed;
    // Read every field the client sent, with a type picked from the name (the fuzzer controls both),
    // plus the fixed names of the login and user bodies.
    const QStringList names = reference.object().keys();
    for (const QString& name : names) {
        const QByteArray latin = name.toUtf8();
        switch (qHash(name) % 5) {
        case 0:
            json.string(latin.constData(), JsonBody::Required, 200);
            break;
        case 1:
            json.integer(latin.constData(), JsonBody::Nullable);
            break;
        case 2:
            json.boolean(latin.constData());
            break;
        case 3:
            json.strings(latin.constData());
            break;
        default:
            json.time(latin.constData(), JsonBody::Nullable);
            break;
        }
    }
    json.string("email");
    json.string("password", JsonBody::Optional, 1024);
    json.integer("organization_id", JsonBody::Nullable);
    json.strings("roles");
    const Status status = json.finish();
    if (!status)
        checkProblem(status.error(), body);
    return 0;
}
