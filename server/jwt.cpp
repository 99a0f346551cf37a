#include "jwt.h"

#include "security/crypto.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <optional>

namespace portcullis::server::jwt {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Jwt)
};

bool isBase64UrlChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

ServiceError invalid()
{
    return ServiceError::unauthenticated(Tr::tr("The access token is not valid; sign in again"));
}

Id idClaim(const QJsonValue& value)
{
    bool ok = false;
    const Id id = value.isString() ? value.toString().toLongLong(&ok) : 0;
    return ok && id > 0 ? id : 0;
}

// "exp" and "iat": whole seconds that fit the clock's range. A double outside qint64 (1e300) would
// make the conversion undefined (found by fuzz/fuzz_jwt.cpp); such a claim is refused instead.
std::optional<qint64> secondsClaim(const QJsonValue& value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double seconds = value.toDouble();
    constexpr double Limit = 1e15; // about 31 million years: far beyond any real token
    if (!(seconds > -Limit && seconds < Limit)) // also false for NaN
        return std::nullopt;
    return qint64(seconds);
}

QByteArray headerSegment()
{
    static const QByteArray header = base64UrlEncode(QByteArrayLiteral(R"({"alg":"HS256","typ":"JWT"})"));
    return header;
}

} // namespace

QByteArray base64UrlEncode(const QByteArray& data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray base64UrlDecode(const QByteArray& text, bool* ok)
{
    *ok = false;
    if (text.size() % 4 == 1)
        return {};
    for (const char c : text) {
        if (!isBase64UrlChar(c))
            return {};
    }
    auto decoded
        = QByteArray::fromBase64Encoding(text, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    // Unused low bits in the last character must be zero: one value, one spelling (found by
    // fuzz/fuzz_jwt.cpp; Qt ignores those bits).
    if (decoded.decodingStatus != QByteArray::Base64DecodingStatus::Ok || base64UrlEncode(decoded.decoded) != text)
        return {};
    *ok = true;
    return decoded.decoded;
}

bool looksLikeJwt(const QByteArray& token)
{
    return token.count('.') == 2;
}

QByteArray sign(const QByteArray& secret, const AccessClaims& claims)
{
    QJsonObject payload {
        { QStringLiteral("sub"), QString::number(claims.userId) },
        { QStringLiteral("email"), claims.email },
        { QStringLiteral("org_id"), QString::number(claims.organizationId) },
        { QStringLiteral("roles"), QJsonArray::fromStringList(claims.roles) },
        { QStringLiteral("type"), QStringLiteral("access") },
        { QStringLiteral("sid"), QString::number(claims.sessionId) },
        { QStringLiteral("jti"), claims.tokenId },
        { QStringLiteral("iat"), claims.issuedAt },
        { QStringLiteral("exp"), claims.expiresAt },
    };
    // Only when given: tokens the server issues carry role codes only (an expanded list made a
    // super admin's token about 2 KB, sent with every request).
    if (!claims.permissions.isEmpty())
        payload.insert(QStringLiteral("permissions"), QJsonArray::fromStringList(claims.permissions));
    const QByteArray signingInput
        = headerSegment() + '.' + base64UrlEncode(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    return signingInput + '.' + base64UrlEncode(crypto::hmacSha256(secret, signingInput));
}

Result<AccessClaims> verify(const QByteArray& secret, const QByteArray& token, qint64 nowSeconds)
{
    if (token.isEmpty() || token.size() > MaxTokenBytes || !looksLikeJwt(token))
        return invalid();
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = token.indexOf('.', firstDot + 1);
    const QByteArray headerPart = token.left(firstDot);
    const QByteArray payloadPart = token.mid(firstDot + 1, secondDot - firstDot - 1);
    const QByteArray signaturePart = token.mid(secondDot + 1);

    bool ok = false;
    const QByteArray headerJson = base64UrlDecode(headerPart, &ok);
    if (!ok)
        return invalid();
    const QJsonObject header = QJsonDocument::fromJson(headerJson).object();
    // Only the algorithm this server signs with: "none", RS256 with an HMAC key and the like are
    // the classic JWT forgeries.
    if (header.value(QStringLiteral("alg")).toString() != QLatin1String("HS256"))
        return invalid();

    const QByteArray signature = base64UrlDecode(signaturePart, &ok);
    if (!ok)
        return invalid();
    const QByteArray expected = crypto::hmacSha256(secret, token.left(secondDot));
    if (expected.isEmpty() || !crypto::constantTimeEquals(signature, expected))
        return invalid();

    const QByteArray payloadJson = base64UrlDecode(payloadPart, &ok);
    if (!ok)
        return invalid();
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(payloadJson, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return invalid();
    const QJsonObject payload = document.object();
    if (payload.value(QStringLiteral("type")).toString() != QLatin1String("access"))
        return invalid();

    AccessClaims claims;
    claims.userId = idClaim(payload.value(QStringLiteral("sub")));
    claims.sessionId = idClaim(payload.value(QStringLiteral("sid")));
    claims.organizationId = idClaim(payload.value(QStringLiteral("org_id")));
    claims.email = payload.value(QStringLiteral("email")).toString();
    claims.tokenId = payload.value(QStringLiteral("jti")).toString();
    const std::optional<qint64> exp = secondsClaim(payload.value(QStringLiteral("exp")));
    const std::optional<qint64> iat = secondsClaim(payload.value(QStringLiteral("iat")));
    if (claims.userId == 0 || claims.sessionId == 0 || !exp || !iat)
        return invalid();
    claims.expiresAt = *exp;
    claims.issuedAt = *iat;
    for (const QJsonValue& role : payload.value(QStringLiteral("roles")).toArray())
        claims.roles << role.toString();
    for (const QJsonValue& permission : payload.value(QStringLiteral("permissions")).toArray())
        claims.permissions << permission.toString();

    if (claims.expiresAt <= nowSeconds)
        return ServiceError::unauthenticated(Tr::tr("The access token has expired; refresh it or sign in again"));
    if (claims.issuedAt > nowSeconds + ClockSkewSeconds)
        return invalid();
    return claims;
}

} // namespace portcullis::server::jwt
