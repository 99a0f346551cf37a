// The shapes of credentials a client sends before anything is looked up: API keys
// (crypto::looksLikeApiKey, the gate of ApiKeyManager::verify in services/sql/apikeys.cpp, and
// the visible prefix), the Bearer/JWT split of the Authorization header (jwt::looksLikeJwt), and
// base62 (the alphabet of keys and opaque tokens).
//
// Invariants: an accepted API key has the scheme, the fixed length and only base62 characters,
// and its prefix is a prefix of it; a freshly made key is accepted; base62 output is [0-9A-Za-z].

#include "fuzzutil.h"
#include "jwt.h"
#include "security/crypto.h"

using namespace portcullis;

namespace {

bool isBase62(QChar c)
{
    return (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z'))
        || (c >= QLatin1Char('a') && c <= QLatin1Char('z'));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    static const QString fresh = crypto::newApiKey();
    static const bool freshAccepted = crypto::looksLikeApiKey(fresh);
    FUZZ_CHECK(freshAccepted, fresh.toUtf8());

    const QByteArray raw = fuzz::bytes(data, size);
    // The server reads X-API-Key as Latin-1 (httpapi.cpp); a client could send either.
    for (const QString& key : { QString::fromLatin1(raw.trimmed()), QString::fromUtf8(raw) }) {
        if (crypto::looksLikeApiKey(key)) {
            FUZZ_CHECK(key.size() == fresh.size(), raw);
            FUZZ_CHECK(key.left(8) == fresh.left(8), raw); // the scheme, "pk_live_"
            for (qsizetype i = 8; i < key.size(); ++i)
                FUZZ_CHECK(isBase62(key.at(i)), raw);
            FUZZ_CHECK(key.startsWith(crypto::apiKeyPrefix(key)), raw);
        }
    }
    const QString encoded = crypto::base62(raw);
    for (const QChar c : encoded)
        FUZZ_CHECK(isBase62(c), raw);
    FUZZ_CHECK(server::jwt::looksLikeJwt(raw) == (raw.count('.') == 2), raw);
    return 0;
}
