// JWT access tokens (server/jwt.cpp). The first byte picks the mode: verify the input as a token
// as it came from a client; or sign the input as a payload with the server's secret (the fuzzer
// cannot forge HMAC, so this is how it reaches the claims parsing behind the signature check);
// or check base64url.
//
// Invariants: a token the fuzzer made up never verifies; verify() never crashes nor overflows on
// any payload; accepted claims have a user, a session and exp > now; sign(claims) verifies to the
// same claims; base64url that decodes re-encodes to itself.

#include "fuzzutil.h"
#include "jwt.h"
#include "security/crypto.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace portcullis;
using namespace portcullis::server;

namespace {

const QByteArray kSecret = QByteArrayLiteral("fuzzing-secret-fuzzing-secret-0123456789");
constexpr qint64 kNow = 1767225600; // 2026-01-01

QByteArray signPayload(const QByteArray& payload)
{
    const QByteArray input = jwt::base64UrlEncode(QByteArrayLiteral(R"({"alg":"HS256","typ":"JWT"})")) + '.'
        + jwt::base64UrlEncode(payload);
    // The signature jwt::sign() computes, over any payload bytes.
    return input + '.' + jwt::base64UrlEncode(crypto::hmacSha256(kSecret, input));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    if (size == 0)
        return 0;
    const QByteArray input = fuzz::bytes(data + 1, size - 1);
    switch (data[0] % 3) {
    case 0: {
        const auto claims = jwt::verify(kSecret, input, kNow);
        FUZZ_CHECK(!claims, input); // not signed with kSecret by the fuzzer
        FUZZ_CHECK(claims.error().code == ErrorCode::Unauthenticated, input);
        break;
    }
    case 1: {
        const QByteArray token = signPayload(input);
        const auto claims = jwt::verify(kSecret, token, kNow);
        if (claims) {
            FUZZ_CHECK(claims->userId > 0 && claims->sessionId > 0, input);
            FUZZ_CHECK(claims->expiresAt > kNow && claims->issuedAt <= kNow + jwt::ClockSkewSeconds, input);
            // The round trip holds for what verify accepts at all: claims that re-sign to more than
            // MaxTokenBytes (control characters are written as 6-byte escapes) are refused by size.
            const QByteArray resigned = jwt::sign(kSecret, *claims);
            const auto again = jwt::verify(kSecret, resigned, kNow);
            const bool roundTrip = again && again->userId == claims->userId && again->sessionId == claims->sessionId
                && again->expiresAt == claims->expiresAt && again->tokenId == claims->tokenId
                && again->roles == claims->roles;
            FUZZ_CHECK(resigned.size() > jwt::MaxTokenBytes ? !again : roundTrip, input);
        } else {
            FUZZ_CHECK(claims.error().code == ErrorCode::Unauthenticated, input);
        }
        break;
    }
    default: {
        bool ok = false;
        const QByteArray decoded = jwt::base64UrlDecode(input, &ok);
        if (ok)
            FUZZ_CHECK(jwt::base64UrlEncode(decoded) == input, input);
        FUZZ_CHECK(jwt::looksLikeJwt(input) == (input.count('.') == 2), input);
        break;
    }
    }
    return 0;
}
