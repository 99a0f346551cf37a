#pragma once

// Randomness, hashing and secret formats, on OpenSSL and libargon2. Thread-safe.

#include <QByteArray>
#include <QString>

namespace portcullis::crypto {

QByteArray randomBytes(int count); // RAND_bytes; aborts never, returns empty on failure
QString base62(const QByteArray& bytes); // big-number base62 of the bytes, [0-9A-Za-z]
QString randomToken(int bytes = 32); // base62 of random bytes, for reset/invite/session tokens
QByteArray sha256(const QByteArray& data); // raw 32 bytes
QByteArray sha256Hex(const QByteArray& data); // lower-case hex, 64 chars
QByteArray hmacSha256(const QByteArray& key, const QByteArray& data);
bool constantTimeEquals(const QByteArray& a, const QByteArray& b);

// API keys: "pk_live_" + base62 of 32 random bytes. The display prefix is the first 12
// characters ("pk_live_" + 4), the stored form is sha256Hex of the whole key.
QString newApiKey();
QString apiKeyPrefix(const QString& key);
bool looksLikeApiKey(const QString& key);

// Argon2id in the PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
struct Argon2Cost
{
    quint32 memoryKiB = 19 * 1024; // OWASP minimum recommendation
    quint32 iterations = 2;
    quint32 parallelism = 1;
};
// The cost every new password hash gets: the product's, which nothing in the environment changes.
Argon2Cost defaultArgon2Cost();
// For test executables only: lowers the memory cost of defaultArgon2Cost() for the rest of the
// process (0 restores the product's; values Argon2 refuses, below 8 KiB, are ignored). No product
// code calls it: the test hooks (tests/testhooks.cpp, linked into the suites and into
// portcullis-server-test, never into an installed binary) read PORTCULLIS_ARGON2_MEMORY_KIB and call
// it, so no environment can weaken the hashing of a packaged portcullis or portcullis-server.
void setArgon2MemoryKiBForTests(quint32 memoryKiB);
QString hashPassword(const QString& password, const Argon2Cost& cost = defaultArgon2Cost());
bool verifyPassword(const QString& password, const QString& phcHash);

} // namespace portcullis::crypto
