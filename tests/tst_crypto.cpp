#include "security/crypto.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace portcullis;

class TestCrypto : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void sha256KnownVectors_data();
    void sha256KnownVectors();
    void sha256IsRaw32Bytes();

    void hmacRfc4231_data();
    void hmacRfc4231();

    void base62Encoding_data();
    void base62Encoding();
    void base62OfRandomBytesHasStableLength();

    void randomBytesAreRandom();
    void randomTokenUsesBase62();

    void apiKeyFormat();
    void apiKeysDiffer();
    void looksLikeApiKey_data();
    void looksLikeApiKey();

    void constantTimeEquals_data();
    void constantTimeEquals();

    void defaultCostIgnoresTheEnvironment();
    void testHookLowersTheCost();
    void passwordRoundTrip_data();
    void passwordRoundTrip();
    void passwordHashIsSalted();
    void tamperedHashIsRefused_data();
    void tamperedHashIsRefused();
};

namespace {

// Cheap Argon2 cost so the suite stays fast; the algorithm and format are the same as in production.
crypto::Argon2Cost testCost()
{
    crypto::Argon2Cost cost;
    cost.memoryKiB = 256;
    cost.iterations = 1;
    cost.parallelism = 1;
    return cost;
}

const QRegularExpression& base62Pattern()
{
    static const QRegularExpression pattern(u"^[0-9A-Za-z]*$"_s);
    return pattern;
}

} // namespace

void TestCrypto::initTestCase()
{
    // Fast hashes for the round trips below (the test-only hook, see tests/testhooks.cpp).
    crypto::setArgon2MemoryKiBForTests(256);
}

void TestCrypto::sha256KnownVectors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("hex");

    QTest::newRow("the empty string hashes to the FIPS 180-2 value")
        << QByteArray() << QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    QTest::newRow("abc hashes to the FIPS 180-2 value")
        << QByteArray("abc") << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::newRow("the two-block message hashes to the FIPS 180-2 value")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

void TestCrypto::sha256KnownVectors()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, hex);
    QCOMPARE(crypto::sha256Hex(input), hex);
    QCOMPARE(crypto::sha256(input), QByteArray::fromHex(hex));
}

void TestCrypto::sha256IsRaw32Bytes()
{
    QCOMPARE(crypto::sha256("abc").size(), 32);
    QCOMPARE(crypto::sha256Hex("abc").size(), 64);
}

void TestCrypto::hmacRfc4231_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("hex");

    QTest::newRow("RFC 4231 test case 1 (20-byte key) matches")
        << QByteArray(20, '\x0b') << QByteArray("Hi There")
        << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    QTest::newRow("RFC 4231 test case 2 (key Jefe) matches")
        << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
        << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    QTest::newRow("RFC 4231 test case 6 (key longer than a block) matches")
        << QByteArray(131, '\xaa') << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
        << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

void TestCrypto::hmacRfc4231()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, hex);
    QCOMPARE(crypto::hmacSha256(key, data).toHex(), hex);
}

void TestCrypto::base62Encoding_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no bytes encode to nothing") << QByteArray() << QString();
    QTest::newRow("one zero byte encodes to two zeros") << QByteArray(1, '\0') << u"00"_s;
    QTest::newRow("byte 61 is the last digit z") << QByteArray(1, '\x3d') << u"0z"_s;
    QTest::newRow("byte 62 carries into a second digit") << QByteArray(1, '\x3e') << u"10"_s;
    QTest::newRow("byte 255 is 4 times 62 plus 7") << QByteArray(1, '\xff') << u"47"_s;
    QTest::newRow("two bytes 0x0100 are 256") << QByteArray::fromHex("0100") << u"048"_s;
    QTest::newRow("a leading zero byte becomes a leading zero digit") << QByteArray::fromHex("00ff") << u"047"_s;
    QTest::newRow("32 zero bytes encode to 43 zeros") << QByteArray(32, '\0') << QString(43, u'0');
    QTest::newRow("32 bytes of 0xff encode to 43 digits")
        << QByteArray(32, '\xff') << u"yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp1"_s;
}

void TestCrypto::base62Encoding()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QCOMPARE(crypto::base62(bytes), expected);
}

void TestCrypto::base62OfRandomBytesHasStableLength()
{
    for (int i = 0; i < 200; ++i) {
        QByteArray bytes = crypto::randomBytes(32);
        QCOMPARE(bytes.size(), 32);
        if (i % 4 == 0)
            bytes[0] = '\0'; // make sure leading zero bytes are exercised
        if (i % 8 == 0)
            bytes[1] = '\0';
        const QString encoded = crypto::base62(bytes);
        QCOMPARE(encoded.size(), 43);
        QVERIFY2(base62Pattern().match(encoded).hasMatch(), qPrintable(encoded));
    }
}

void TestCrypto::randomBytesAreRandom()
{
    QCOMPARE(crypto::randomBytes(0), QByteArray());
    QCOMPARE(crypto::randomBytes(-1), QByteArray());
    QCOMPARE(crypto::randomBytes(16).size(), 16);
    QVERIFY(crypto::randomBytes(32) != crypto::randomBytes(32));
}

void TestCrypto::randomTokenUsesBase62()
{
    const QString token = crypto::randomToken();
    QCOMPARE(token.size(), 43);
    QVERIFY(base62Pattern().match(token).hasMatch());
    QVERIFY(crypto::randomToken() != token);
}

void TestCrypto::apiKeyFormat()
{
    const QString key = crypto::newApiKey();
    QVERIFY(key.startsWith(u"pk_live_"_s));
    QCOMPARE(key.size(), 8 + 43);
    QVERIFY(base62Pattern().match(key.mid(8)).hasMatch());
    QVERIFY(crypto::looksLikeApiKey(key));

    const QString prefix = crypto::apiKeyPrefix(key);
    QCOMPARE(prefix.size(), 12);
    QCOMPARE(prefix, key.left(12));
    QVERIFY(prefix.startsWith(u"pk_live_"_s));
}

void TestCrypto::apiKeysDiffer()
{
    QSet<QString> keys;
    for (int i = 0; i < 100; ++i)
        keys.insert(crypto::newApiKey());
    QCOMPARE(keys.size(), 100);
}

void TestCrypto::looksLikeApiKey_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("expected");

    const QString body = QString(43, u'a');
    QTest::newRow("a well-formed key is recognised") << (u"pk_live_"_s + body) << true;
    QTest::newRow("a key made of zeros is still well-formed") << (u"pk_live_"_s + QString(43, u'0')) << true;
    QTest::newRow("an empty string is not a key") << QString() << false;
    QTest::newRow("a key without its scheme is not a key") << body << false;
    QTest::newRow("a test-mode scheme is not a live key") << (u"pk_test_"_s + body) << false;
    QTest::newRow("a key one character short is refused") << (u"pk_live_"_s + body.left(42)) << false;
    QTest::newRow("a key one character long is refused") << (u"pk_live_"_s + body + u"a"_s) << false;
    QTest::newRow("a key with a dash in its body is refused") << (u"pk_live_"_s + body.left(42) + u"-"_s) << false;
    QTest::newRow("a key with an accented letter is refused") << (u"pk_live_"_s + body.left(42) + u"é"_s) << false;
}

void TestCrypto::looksLikeApiKey()
{
    QFETCH(QString, key);
    QFETCH(bool, expected);
    QCOMPARE(crypto::looksLikeApiKey(key), expected);
}

void TestCrypto::constantTimeEquals_data()
{
    QTest::addColumn<QByteArray>("a");
    QTest::addColumn<QByteArray>("b");
    QTest::addColumn<bool>("expected");

    QTest::newRow("equal bytes are equal") << QByteArray("secret") << QByteArray("secret") << true;
    QTest::newRow("two empty arrays are equal") << QByteArray() << QByteArray() << true;
    QTest::newRow("one differing byte makes them differ") << QByteArray("secret") << QByteArray("secreT") << false;
    QTest::newRow("a prefix is not equal to the whole") << QByteArray("secret") << QByteArray("secre") << false;
    QTest::newRow("empty and non-empty differ") << QByteArray() << QByteArray("x") << false;
    QTest::newRow("embedded zero bytes are compared too") << QByteArray("a\0b", 3) << QByteArray("a\0c", 3) << false;
}

void TestCrypto::constantTimeEquals()
{
    QFETCH(QByteArray, a);
    QFETCH(QByteArray, b);
    QFETCH(bool, expected);
    QCOMPARE(crypto::constantTimeEquals(a, b), expected);
}

// The library never reads PORTCULLIS_ARGON2_MEMORY_KIB: only the test hooks linked into test
// executables do (tst_server_cli checks the product binary ignores it).
void TestCrypto::defaultCostIgnoresTheEnvironment()
{
    crypto::setArgon2MemoryKiBForTests(0);
    for (const char* value : { "8", "256", "1024", "not a number" }) {
        qputenv("PORTCULLIS_ARGON2_MEMORY_KIB", value);
        QCOMPARE(crypto::defaultArgon2Cost().memoryKiB, 19456u);
        QCOMPARE(crypto::defaultArgon2Cost().iterations, 2u);
        QCOMPARE(crypto::defaultArgon2Cost().parallelism, 1u);
        QVERIFY(crypto::hashPassword(QStringLiteral("Correct-Horse-Battery-9"))
                    .startsWith(QStringLiteral("$argon2id$v=19$m=19456,t=2,p=1$")));
    }
    qunsetenv("PORTCULLIS_ARGON2_MEMORY_KIB");
    crypto::setArgon2MemoryKiBForTests(256);
}

void TestCrypto::testHookLowersTheCost()
{
    crypto::setArgon2MemoryKiBForTests(256);
    QCOMPARE(crypto::defaultArgon2Cost().memoryKiB, 256u);
    QVERIFY(crypto::hashPassword(QStringLiteral("Correct-Horse-Battery-9"))
                .startsWith(QStringLiteral("$argon2id$v=19$m=256,t=2,p=1$")));
    crypto::setArgon2MemoryKiBForTests(4); // below what Argon2 accepts: ignored
    QCOMPARE(crypto::defaultArgon2Cost().memoryKiB, 256u);
    crypto::setArgon2MemoryKiBForTests(0); // back to the product's cost
    QCOMPARE(crypto::defaultArgon2Cost().memoryKiB, 19456u);
    crypto::setArgon2MemoryKiBForTests(256);
}

void TestCrypto::passwordRoundTrip_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("attempt");
    QTest::addColumn<bool>("accepted");

    const QString password = u"Correct-Horse-Battery-9"_s;
    QTest::newRow("the right password is accepted") << password << password << true;
    QTest::newRow("a wrong password is refused") << password << u"Correct-Horse-Battery-8"_s << false;
    QTest::newRow("a different case is refused") << password << password.toLower() << false;
    QTest::newRow("an empty attempt is refused") << password << QString() << false;
    QTest::newRow("a password with non-ASCII characters round-trips")
        << u"Grüße-aus-Köln-2024!"_s << u"Grüße-aus-Köln-2024!"_s << true;
    QTest::newRow("a decomposed spelling of the same word is a different password")
        << u"Grüße-aus-Köln-2024!"_s << u"Gru\u0308ße-aus-Köln-2024!"_s << false;
}

void TestCrypto::passwordRoundTrip()
{
    QFETCH(QString, password);
    QFETCH(QString, attempt);
    QFETCH(bool, accepted);

    const QString hash = crypto::hashPassword(password, testCost());
    QVERIFY2(hash.startsWith(u"$argon2id$v=19$m="_s), qPrintable(hash));
    QVERIFY(hash.contains(u"m=256,t=1,p=1$"_s));
    QVERIFY(!hash.contains(password));
    QCOMPARE(crypto::verifyPassword(attempt, hash), accepted);
}

void TestCrypto::passwordHashIsSalted()
{
    const QString first = crypto::hashPassword(u"Same-Password-123"_s);
    const QString second = crypto::hashPassword(u"Same-Password-123"_s);
    QVERIFY(first.startsWith(u"$argon2id$v=19$m=256,t=2,p=1$"_s));
    QVERIFY(first != second);
    QVERIFY(crypto::verifyPassword(u"Same-Password-123"_s, first));
    QVERIFY(crypto::verifyPassword(u"Same-Password-123"_s, second));
}

void TestCrypto::tamperedHashIsRefused_data()
{
    QTest::addColumn<QString>("tampered");

    const QString hash = crypto::hashPassword(u"Tamper-Proof-123"_s, testCost());
    QVERIFY(crypto::verifyPassword(u"Tamper-Proof-123"_s, hash));

    QString flippedHash = hash;
    const qsizetype last = flippedHash.size() - 1;
    flippedHash[last] = flippedHash.at(last) == u'A' ? u'B' : u'A';
    QString flippedSalt = hash;
    const qsizetype saltStart = hash.indexOf(u"p=1$"_s) + 4;
    flippedSalt[saltStart] = flippedSalt.at(saltStart) == u'A' ? u'B' : u'A';
    QString otherCost = hash;
    otherCost.replace(u"t=1"_s, u"t=2"_s);
    QString argon2i = hash;
    argon2i.replace(u"$argon2id$"_s, u"$argon2i$"_s);

    QTest::newRow("a changed hash byte is refused") << flippedHash;
    QTest::newRow("a changed salt is refused") << flippedSalt;
    QTest::newRow("a changed cost is refused") << otherCost;
    QTest::newRow("an argon2i string is refused") << argon2i;
    QTest::newRow("a truncated string is refused") << hash.left(hash.size() - 10);
    QTest::newRow("an empty string is refused") << QString();
    QTest::newRow("a plaintext password is refused") << u"Tamper-Proof-123"_s;
}

void TestCrypto::tamperedHashIsRefused()
{
    QFETCH(QString, tampered);
    QVERIFY(!crypto::verifyPassword(u"Tamper-Proof-123"_s, tampered));
}

QTEST_GUILESS_MAIN(TestCrypto)
#include "tst_crypto.moc"
