// Query strings (server/httpjson.cpp, QueryParams) and the ISO 8601 times they carry, read as the
// list endpoints read them (page, limit, filters, from/to), plus the audit cursor handed on.
//
// Invariants: an integer that is accepted lies within the bounds asked for; a time that is
// accepted is valid and in UTC-comparable form; every refusal becomes a 400 problem with a JSON
// body; parseIsoTime never accepts something it cannot format back.

#include "fuzzutil.h"
#include "httpcall.h"
#include "httpjson.h"
#include "sql/auditformat.h"

#include <QJsonDocument>

using namespace portcullis;
using namespace portcullis::server;

namespace {

void checkProblem(const ServiceError& error, const QByteArray& input)
{
    const Reply reply = problem(error, 1);
    FUZZ_CHECK(reply.status == 400, QByteArray::number(reply.status) + ' ' + input);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(reply.body, &parseError);
    FUZZ_CHECK(parseError.error == QJsonParseError::NoError && doc.isObject(), reply.body);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    const QByteArray query = fuzz::bytes(data, size);
    auto parsed = QueryParams::parse(query);
    if (!parsed) {
        checkProblem(parsed.error(), query);
        return 0;
    }
    QueryParams params = *parsed;
    if (const auto page = params.integer("page", 1, 1000000))
        FUZZ_CHECK(*page >= 1 && *page <= 1000000, query);
    if (const auto limit = params.integer("limit", 1, 500))
        FUZZ_CHECK(*limit >= 1 && *limit <= 500, query);
    if (const auto id = params.integer("organization_id", 1, std::numeric_limits<qint64>::max()))
        FUZZ_CHECK(*id >= 1, query);
    params.boolean("banned");
    for (const char* name : { "from", "to" }) {
        if (const auto time = params.time(name))
            FUZZ_CHECK(time->isValid(), query);
    }
    if (params.has("cursor")) {
        const QString cursor = params.string("cursor");
        if (auto id = auditformat::decodeCursor(cursor))
            FUZZ_CHECK(*id > 0 && auditformat::encodeCursor(*id) == cursor, cursor.toUtf8());
    }
    const Status status = params.finish();
    if (!status)
        checkProblem(status.error(), query);
    const QDateTime time = parseIsoTime(QString::fromUtf8(query));
    if (time.isValid())
        FUZZ_CHECK(!time.toUTC().toString(Qt::ISODateWithMs).isEmpty(), query);
    return 0;
}
