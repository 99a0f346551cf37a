// Every input the fuzzers (fuzz/, scripts/fuzz.sh) found that broke a rule, kept as a test of the
// normal suite so the fix stays: what the input was, what went wrong, what must happen instead.
// Also the invariants the fuzz targets assert, checked here on fixed examples.

#include "httpapi.h"
#include "httpserver.h"
#include "jwt.h"
#include "security/crypto.h"
#include "sql/auditformat.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace portcullis;
using namespace portcullis::server;

namespace {

const QByteArray kSecret = QByteArrayLiteral("regression-secret-regression-secret-01234");
constexpr qint64 kNow = 1767225600;

// A token over `payload` with a valid signature: what only the holder of the secret can make.
QByteArray signedToken(const QJsonObject& payload)
{
    const QByteArray input = jwt::base64UrlEncode(QByteArrayLiteral(R"({"alg":"HS256","typ":"JWT"})")) + '.'
        + jwt::base64UrlEncode(QJsonDocument(payload).toJson(QJsonDocument::Compact));
    return input + '.' + jwt::base64UrlEncode(crypto::hmacSha256(kSecret, input));
}

} // namespace

class TestFuzzRegressions : public QObject
{
    Q_OBJECT

private slots:
    void jwtTimesOutsideTheClockAreRefused_data();
    void jwtTimesOutsideTheClockAreRefused();
    void base64UrlHasOneSpelling();
    void auditCursorsAreCanonical_data();
    void auditCursorsAreCanonical();
    void requestHeadParserRefusesWhatTheConnectionRefused_data();
    void requestHeadParserRefusesWhatTheConnectionRefused();
    void forwardedForIsAnAddressOrUnknown_data();
    void forwardedForIsAnAddressOrUnknown();
};

void TestFuzzRegressions::jwtTimesOutsideTheClockAreRefused_data()
{
    QTest::addColumn<QJsonValue>("exp");
    QTest::addColumn<QJsonValue>("iat");
    QTest::addColumn<bool>("accepted");
    // fuzz_jwt: "exp": 1e300 reached qint64(double), undefined behaviour (UBSan float-cast-overflow).
    QTest::newRow("exp 1e300 (fuzz_jwt crash)") << QJsonValue(1e300) << QJsonValue(double(kNow)) << false;
    QTest::newRow("exp -1e300") << QJsonValue(-1e300) << QJsonValue(double(kNow)) << false;
    QTest::newRow("iat 1e300") << QJsonValue(double(kNow + 60)) << QJsonValue(1e300) << false;
    QTest::newRow("iat -1e300") << QJsonValue(double(kNow + 60)) << QJsonValue(-1e300) << false;
    QTest::newRow("exp as a string") << QJsonValue(QStringLiteral("9999999999")) << QJsonValue(double(kNow)) << false;
    QTest::newRow("ordinary token") << QJsonValue(double(kNow + 60)) << QJsonValue(double(kNow)) << true;
}

void TestFuzzRegressions::jwtTimesOutsideTheClockAreRefused()
{
    QFETCH(QJsonValue, exp);
    QFETCH(QJsonValue, iat);
    QFETCH(bool, accepted);
    const QJsonObject payload { { QStringLiteral("sub"), QStringLiteral("1") },
                                { QStringLiteral("sid"), QStringLiteral("2") },
                                { QStringLiteral("type"), QStringLiteral("access") },
                                { QStringLiteral("exp"), exp },
                                { QStringLiteral("iat"), iat } };
    const auto claims = jwt::verify(kSecret, signedToken(payload), kNow);
    QCOMPARE(bool(claims), accepted);
    if (!claims)
        QCOMPARE(claims.error().code, ErrorCode::Unauthenticated);
}

void TestFuzzRegressions::base64UrlHasOneSpelling()
{
    // "QR" and "QQ" both decoded to "A" (Qt ignores the unused low bits): a signature or payload had
    // several spellings. Only the canonical one decodes now.
    bool ok = false;
    QCOMPARE(jwt::base64UrlDecode("QQ", &ok), QByteArray("A"));
    QVERIFY(ok);
    jwt::base64UrlDecode("QR", &ok);
    QVERIFY(!ok);
    jwt::base64UrlDecode("QQ==", &ok); // padding is not base64url as JWTs use it
    QVERIFY(!ok);
}

void TestFuzzRegressions::auditCursorsAreCanonical_data()
{
    QTest::addColumn<QString>("cursor");
    QTest::addColumn<qint64>("id");
    QTest::newRow("canonical") << auditformat::encodeCursor(10) << qint64(10);
    // Before: Qt's lenient base64 skipped stray characters and toLongLong() took signs and spaces.
    QTest::newRow("stray character") << QStringLiteral("Y!ToxMA") << qint64(0);
    QTest::newRow("padding") << QStringLiteral("YToxMA==") << qint64(0);
    QTest::newRow("plus sign") << QString::fromLatin1(
        QByteArray("a:+10").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals))
                               << qint64(0);
    QTest::newRow("leading space") << QString::fromLatin1(
        QByteArray("a: 10").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals))
                                   << qint64(0);
    QTest::newRow("leading zero") << QString::fromLatin1(
        QByteArray("a:010").toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals))
                                  << qint64(0);
    QTest::newRow("zero") << auditformat::encodeCursor(0) << qint64(0);
    QTest::newRow("negative") << auditformat::encodeCursor(-5) << qint64(0);
    QTest::newRow("empty") << QString() << qint64(0);
    QTest::newRow("non-Latin-1") << QStringLiteral("YTox\u00e9MA") << qint64(0);
}

void TestFuzzRegressions::auditCursorsAreCanonical()
{
    QFETCH(QString, cursor);
    QFETCH(qint64, id);
    const auto decoded = auditformat::decodeCursor(cursor);
    if (id == 0) {
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().code, ErrorCode::Validation);
        QVERIFY(decoded.error().fieldErrors.contains(QStringLiteral("cursor")));
    } else {
        QVERIFY(decoded);
        QCOMPARE(*decoded, id);
        QCOMPARE(auditformat::encodeCursor(*decoded), cursor);
    }
}

void TestFuzzRegressions::requestHeadParserRefusesWhatTheConnectionRefused_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<int>("status");
    QTest::newRow("valid") << QByteArray("GET /api/health/auth?x=1#f HTTP/1.1\r\nHost: a") << 0;
    QTest::newRow("HTTP/1.0 without Host") << QByteArray("GET / HTTP/1.0") << 0;
    QTest::newRow("no Host") << QByteArray("GET / HTTP/1.1") << 400;
    QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\nHost: a") << 505;
    QTest::newRow("chunked") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked") << 411;
    QTest::newRow("two lengths") << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2")
                                 << 400;
    QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: a") << 400;
    QTest::newRow("folded") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n b") << 400;
    QTest::newRow("NUL") << QByteArray("GET / HTTP/1.1\r\nHost: a\0", 25) << 400;
}

void TestFuzzRegressions::requestHeadParserRefusesWhatTheConnectionRefused()
{
    QFETCH(QByteArray, head);
    QFETCH(int, status);
    const http::RequestHead parsed = http::parseRequestHead(head);
    QCOMPARE(parsed.error ? parsed.error->status : 0, status);
    if (!parsed.error) {
        QVERIFY(parsed.request.target.startsWith(parsed.request.path));
        QVERIFY(!parsed.request.query.contains('#'));
    }
}

// fuzz_forwarded_for: an IPv6 zone ("f0::1%e \x01") was taken with the client's bytes in it. Behind a
// trusted proxy the client is an IP literal or "unknown", nothing else.
void TestFuzzRegressions::forwardedForIsAnAddressOrUnknown_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("client");
    QTest::newRow("IPv4") << QByteArray("203.0.113.7") << QStringLiteral("203.0.113.7");
    QTest::newRow("IPv6 with port") << QByteArray("[2001:db8::7]:4711") << QStringLiteral("2001:db8::7");
    QTest::newRow("zone with junk (the crash)")
        << QByteArray("\x69\x70\x74\xf8\x3e, ., f0::1%e \x01\x00", 20) << QStringLiteral("unknown");
    QTest::newRow("zone") << QByteArray("fe80::1%eth0") << QStringLiteral("unknown");
    QTest::newRow("bracketed zone") << QByteArray("[fe80::1%eth0]:80") << QStringLiteral("unknown");
    QTest::newRow("space inside") << QByteArray("203.0.113.7 1") << QStringLiteral("unknown");
}

void TestFuzzRegressions::forwardedForIsAnAddressOrUnknown()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, client);
    const QList<QPair<QHostAddress, int>> proxies = { QHostAddress::parseSubnet(QStringLiteral("10.0.0.0/8")) };
    QCOMPARE(server::clientAddress(QHostAddress(QStringLiteral("10.1.2.3")), header, proxies), client);
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "tst_fuzz_regressions.moc"
