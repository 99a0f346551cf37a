// The user import's CSV reader (services/domain/userimport.cpp: libcsv in strict mode, the BOM, the
// separator, the header names), as File › Import users… and POST /api/admin/users/import run it.
//
// Invariants: a file that is read has rows numbered from 2 upwards without gaps going backwards and
// at most userimport::MaxRowsPerFile of them; a refusal is a validation error with a message; the
// rows written back as CSV (userimport::toCsv, what the console sends over REST in batches) read
// back as the same rows.

#include "domain/userimport.h"
#include "fuzzutil.h"

using namespace portcullis;

namespace {

bool sameRow(const ImportRow& a, const ImportRow& b)
{
    return a.email == b.email && a.username == b.username && a.fullName == b.fullName && a.roleCodes == b.roleCodes
        && a.organization == b.organization;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    const QByteArray raw = fuzz::bytes(data, size);
    auto parsed = userimport::parseCsv(raw);
    if (!parsed) {
        FUZZ_CHECK(parsed.error().code == ErrorCode::Validation && !parsed.error().message.isEmpty(), raw);
        return 0;
    }
    FUZZ_CHECK(parsed->separator == ',' || parsed->separator == ';', raw);
    FUZZ_CHECK(parsed->rows.size() <= userimport::MaxRowsPerFile, raw);
    int previous = 1;
    bool problems = false;
    for (const ImportRow& row : std::as_const(parsed->rows)) {
        FUZZ_CHECK(row.row > previous, raw);
        previous = row.row;
        problems = problems || !row.problem.isEmpty();
    }
    if (!problems && !parsed->rows.isEmpty()) {
        auto again = userimport::parseCsv(userimport::toCsv(parsed->rows));
        FUZZ_CHECK(again.ok(), raw);
        FUZZ_CHECK(again->rows.size() == parsed->rows.size(), raw);
        for (qsizetype i = 0; i < parsed->rows.size(); ++i)
            FUZZ_CHECK(sameRow(again->rows.at(i), parsed->rows.at(i)), raw);
    }
    return 0;
}
