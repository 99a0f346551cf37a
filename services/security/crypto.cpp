#include "crypto.h"

#include <QtGlobal>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <atomic>
#include <cmath>
#include <vector>

namespace portcullis::crypto {

namespace {

constexpr char Base62Alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr int ApiKeyBytes = 32;
constexpr int ApiKeyPrefixLength = 12; // "pk_live_" + 4
constexpr quint32 SaltBytes = 16;
constexpr quint32 HashBytes = 32;
constexpr quint32 DefaultMemoryKiB = 19 * 1024;

// 0: the product's cost. Set only through setArgon2MemoryKiBForTests() (test executables).
std::atomic<quint32> g_testMemoryKiB { 0 };

QString apiKeyScheme()
{
    return QStringLiteral("pk_live_");
}

// Number of base62 digits needed for any value of `byteCount` bytes: the smallest L with
// 62^L >= 256^byteCount. 62^L never equals a power of 256, so the ceiling is never borderline.
qsizetype base62Length(qsizetype byteCount)
{
    return static_cast<qsizetype>(std::ceil(static_cast<double>(byteCount) * 8.0 / std::log2(62.0)));
}

bool isBase62(QChar c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z');
}

} // namespace

QByteArray randomBytes(int count)
{
    if (count <= 0)
        return {};
    QByteArray bytes(count, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), count) != 1)
        return {};
    return bytes;
}

QString base62(const QByteArray& bytes)
{
    if (bytes.isEmpty())
        return {};
    // Schoolbook division of the big-endian number by 62, one digit per pass. The output is always
    // base62Length() characters, left-padded with '0', so leading zero bytes keep the length stable.
    std::vector<unsigned char> number(bytes.cbegin(), bytes.cend());
    const qsizetype length = base62Length(bytes.size());
    QString digits(length, u'0');
    qsizetype position = length;
    std::size_t start = 0;
    while (start < number.size()) {
        unsigned remainder = 0;
        for (std::size_t i = start; i < number.size(); ++i) {
            const unsigned value = (remainder << 8) | number[i];
            number[i] = static_cast<unsigned char>(value / 62);
            remainder = value % 62;
        }
        Q_ASSERT(position > 0);
        digits[--position] = QLatin1Char(Base62Alphabet[remainder]);
        while (start < number.size() && number[start] == 0)
            ++start;
    }
    return digits;
}

QString randomToken(int bytes)
{
    return base62(randomBytes(bytes));
}

QByteArray sha256(const QByteArray& data)
{
    QByteArray digest(EVP_MAX_MD_SIZE, Qt::Uninitialized);
    unsigned int size = 0;
    if (EVP_Digest(data.constData(), static_cast<size_t>(data.size()), reinterpret_cast<unsigned char*>(digest.data()),
                   &size, EVP_sha256(), nullptr)
        != 1)
        return {};
    digest.resize(static_cast<qsizetype>(size));
    return digest;
}

QByteArray sha256Hex(const QByteArray& data)
{
    return sha256(data).toHex();
}

QByteArray hmacSha256(const QByteArray& key, const QByteArray& data)
{
    QByteArray mac(EVP_MAX_MD_SIZE, Qt::Uninitialized);
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), key.constData(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.constData()), static_cast<size_t>(data.size()),
              reinterpret_cast<unsigned char*>(mac.data()), &size))
        return {};
    mac.resize(static_cast<qsizetype>(size));
    return mac;
}

bool constantTimeEquals(const QByteArray& a, const QByteArray& b)
{
    // The length is not secret (hashes and MACs have fixed sizes); the contents are.
    if (a.size() != b.size())
        return false;
    return CRYPTO_memcmp(a.constData(), b.constData(), static_cast<size_t>(a.size())) == 0;
}

QString newApiKey()
{
    const QByteArray secret = randomBytes(ApiKeyBytes);
    if (secret.isEmpty())
        return {};
    return apiKeyScheme() + base62(secret);
}

QString apiKeyPrefix(const QString& key)
{
    return key.left(ApiKeyPrefixLength);
}

bool looksLikeApiKey(const QString& key)
{
    const QString scheme = apiKeyScheme();
    if (key.size() != scheme.size() + base62Length(ApiKeyBytes) || !key.startsWith(scheme))
        return false;
    for (qsizetype i = scheme.size(); i < key.size(); ++i) {
        if (!isBase62(key.at(i)))
            return false;
    }
    return true;
}

Argon2Cost defaultArgon2Cost()
{
    Argon2Cost cost;
    cost.memoryKiB = DefaultMemoryKiB;
    cost.iterations = 2;
    cost.parallelism = 1;
    if (const quint32 lowered = g_testMemoryKiB.load(std::memory_order_relaxed); lowered != 0)
        cost.memoryKiB = lowered;
    return cost;
}

void setArgon2MemoryKiBForTests(quint32 memoryKiB)
{
    // Argon2 itself refuses less than 8 KiB per lane.
    if (memoryKiB == 0 || memoryKiB >= 8)
        g_testMemoryKiB.store(memoryKiB, std::memory_order_relaxed);
}

QString hashPassword(const QString& password, const Argon2Cost& cost)
{
    const QByteArray salt = randomBytes(SaltBytes);
    if (salt.isEmpty())
        return {};
    QByteArray utf8 = password.toUtf8();
    const size_t encodedLength
        = argon2_encodedlen(cost.iterations, cost.memoryKiB, cost.parallelism, SaltBytes, HashBytes, Argon2_id);
    QByteArray encoded(static_cast<qsizetype>(encodedLength), '\0');
    const int rc = argon2id_hash_encoded(cost.iterations, cost.memoryKiB, cost.parallelism, utf8.constData(),
                                         static_cast<size_t>(utf8.size()), salt.constData(), SaltBytes, HashBytes,
                                         encoded.data(), encodedLength);
    OPENSSL_cleanse(utf8.data(), static_cast<size_t>(utf8.size()));
    if (rc != ARGON2_OK)
        return {};
    return QString::fromLatin1(encoded.constData()); // stops at the terminating NUL
}

bool verifyPassword(const QString& password, const QString& phcHash)
{
    if (!phcHash.startsWith(QStringLiteral("$argon2id$")))
        return false;
    const QByteArray encoded = phcHash.toLatin1();
    QByteArray utf8 = password.toUtf8();
    const int rc = argon2id_verify(encoded.constData(), utf8.constData(), static_cast<size_t>(utf8.size()));
    OPENSSL_cleanse(utf8.data(), static_cast<size_t>(utf8.size()));
    return rc == ARGON2_OK;
}

} // namespace portcullis::crypto
