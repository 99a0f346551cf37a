// The audit log's page cursor (services/sql/audit.cpp, auditformat::decodeCursor).
//
// Invariants: a cursor that decodes names a positive id and re-encodes to exactly itself (so one
// position has one cursor and nothing else is accepted); an id encodes to a cursor that decodes
// back to it.

#include "fuzzutil.h"
#include "sql/auditformat.h"

#include <cstring>

using namespace portcullis;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    const QByteArray raw = fuzz::bytes(data, size);
    const QString cursor = QString::fromUtf8(raw);
    if (auto id = auditformat::decodeCursor(cursor)) {
        FUZZ_CHECK(*id > 0, raw);
        FUZZ_CHECK(auditformat::encodeCursor(*id) == cursor, raw);
    } else {
        FUZZ_CHECK(id.error().code == ErrorCode::Validation, raw);
    }
    if (size >= sizeof(qint64)) {
        qint64 id = 0;
        std::memcpy(&id, data, sizeof id);
        if (id > 0) {
            const auto back = auditformat::decodeCursor(auditformat::encodeCursor(id));
            FUZZ_CHECK(back && *back == id, QByteArray::number(id));
        }
    }
    return 0;
}
