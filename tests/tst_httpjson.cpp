// The REST server's JSON writer: what every response body is made of. Times must be exactly the
// ISO 8601 form Qt would write (clients parse them back with Qt::ISODateWithMs), and keys and
// strings must come out as valid JSON whatever they contain (a client names the fields of a
// problem's "errors" object). Also the problem responses built on it: a 503 tells the client
// nothing about the database.

#include "httpcall.h"
#include "httpjson.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using portcullis::ServiceError;
using portcullis::server::JsonWriter;

namespace {

// Parses `json` strictly; the error (with the text) as a failure message.
QJsonDocument parsed(const QByteArray& json, QString* failure)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        *failure = error.errorString() + QStringLiteral(" at ") + QString::number(error.offset) + QStringLiteral(": ")
            + QString::fromUtf8(json.left(300));
    return doc;
}

QString loneSurrogates()
{
    QString text = QStringLiteral("a");
    text += QChar(0xD800); // a high surrogate without its low half
    text += QStringLiteral("b");
    text += QChar(0xDC00); // a low surrogate without its high half
    text += QChar(0xDBFF); // a high surrogate at the very end
    return text;
}

QtMessageHandler g_previousHandler = nullptr;
QStringList g_messages;
void captureMessage(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    g_messages << message;
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

} // namespace

class TestHttpJson : public QObject
{
    Q_OBJECT

private:
    static QByteArray timeText(const QDateTime& time)
    {
        JsonWriter w;
        w.beginArray();
        w.time(time);
        w.endArray();
        return w.data();
    }

private slots:
    void timesMatchQtIsoFormat_data()
    {
        QTest::addColumn<qint64>("msecs");
        QTest::newRow("epoch") << qint64(0);
        QTest::newRow("last ms before epoch") << qint64(-1);
        QTest::newRow("1969-12-31 23:59:59.999 + 1 day") << qint64(86'399'999);
        QTest::newRow("leap day 2000")
            << QDateTime(QDate(2000, 2, 29), QTime(12, 34, 56, 789), Qt::UTC).toMSecsSinceEpoch();
        QTest::newRow("no leap day 1900") << QDateTime(QDate(1900, 3, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
        QTest::newRow("leap day 2400")
            << QDateTime(QDate(2400, 2, 29), QTime(23, 59, 59, 999), Qt::UTC).toMSecsSinceEpoch();
        QTest::newRow("year 1") << QDateTime(QDate(1, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
        QTest::newRow("year 9999")
            << QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59, 999), Qt::UTC).toMSecsSinceEpoch();
        QTest::newRow("2038 overflow of 32-bit time") << qint64(2'147'483'648'000);
        QTest::newRow("new year 2027") << QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    }

    void timesMatchQtIsoFormat()
    {
        QFETCH(qint64, msecs);
        const QDateTime utc = QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
        const QByteArray expected = "[\"" + utc.toString(Qt::ISODateWithMs).toLatin1() + "\"]";
        QCOMPARE(timeText(utc), expected);
        // The same instant in another zone is written as UTC too.
        QCOMPARE(timeText(utc.toOffsetFromUtc(5 * 3600 + 1800)), expected);
    }

    void randomTimesMatchQtIsoFormat()
    {
        QRandomGenerator random(20261123);
        const qint64 from = QDateTime(QDate(1600, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
        const qint64 to = QDateTime(QDate(2600, 1, 1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
        for (int i = 0; i < 20000; ++i) {
            const qint64 msecs = from + qint64(random.bounded(quint64(to - from)));
            const QDateTime utc = QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
            const QByteArray expected = "[\"" + utc.toString(Qt::ISODateWithMs).toLatin1() + "\"]";
            QCOMPARE(timeText(utc), expected);
        }
    }

    void invalidTimeIsNull() { QCOMPARE(timeText(QDateTime()), QByteArray("[null]")); }

    void stringsRoundTrip_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << QString();
        QTest::newRow("plain") << QStringLiteral("alice@example.com");
        QTest::newRow("quotes and backslashes") << QStringLiteral("say \"hi\" \\ C:\\path\\");
        QTest::newRow("control characters") << QStringLiteral("tab\there\nnew line\r\x01\x1f end");
        QTest::newRow("accents and CJK") << QStringLiteral("Zoë Ångström 日本語");
        QTest::newRow("emoji (surrogate pair)") << QStringLiteral("key \U0001F511 rotated");
        QTest::newRow("mixed runs") << QStringLiteral("a\"é\"b\\ü\nc");
        QTest::newRow("html") << QStringLiteral("<script>alert('x')</script>");
    }

    void stringsRoundTrip()
    {
        QFETCH(QString, text);
        JsonWriter w;
        w.beginObject();
        w.field("text", text);
        w.key("list").strings({ text, text });
        w.endObject();
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(w.data(), &error);
        QVERIFY2(error.error == QJsonParseError::NoError,
                 qPrintable(error.errorString() + u' ' + QString::fromUtf8(w.data())));
        QCOMPARE(doc.object().value(QStringLiteral("text")).toString(), text);
        QCOMPARE(doc.object().value(QStringLiteral("list")).toArray().at(1).toString(), text);
        // Control characters are never written raw.
        for (char c : w.data())
            QVERIFY(static_cast<unsigned char>(c) >= 0x20);
    }

    void keysAndSeparators()
    {
        JsonWriter w;
        w.reserve(4); // smaller than the output: must grow
        w.beginObject();
        w.field("a", qint64(1));
        w.key("b").beginArray();
        w.value(true);
        w.null();
        w.value(QStringLiteral("x"));
        w.endArray();
        w.key("c").beginObject().endObject();
        w.endObject();
        QCOMPARE(w.data(), QByteArray(R"({"a":1,"b":[true,null,"x"],"c":{}})"));
    }

    // Every key and value the writer is given comes out as JSON a strict parser reads back (lone
    // surrogates and invalid UTF-8 are replaced, everything else round-trips exactly).
    void keysAndValuesAreEscaped_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("exact"); // round-trips unchanged
        QTest::newRow("the problem body breaker") << QStringLiteral("z\",\"status\":200,\"q") << true;
        QTest::newRow("quotes") << QStringLiteral("\"\"\"") << true;
        QTest::newRow("backslashes") << QStringLiteral("\\ \\\\ \\u0041 \\") << true;
        QString controls;
        for (char16_t c = 0; c < 0x20; ++c)
            controls += QChar(c);
        controls += QChar(0x7f);
        QTest::newRow("every control character, NUL included") << controls << true;
        QTest::newRow("line and paragraph separators") << QStringLiteral("a\u2028b\u2029c") << true;
        QTest::newRow("emoji (surrogate pair)") << QStringLiteral("\U0001F511\U0001F600") << true;
        QTest::newRow("lone surrogates") << loneSurrogates() << false;
        QTest::newRow("invalid UTF-8 decoded by Qt")
            << QString::fromUtf8("x\xff\xfe\xc3(\xed\xa0\x80y") << true; // already U+FFFD in the QString
        QTest::newRow("very long (1 MiB with escapes)")
            << QString(QStringLiteral("\"\\\n\u00e9\U0001F511x").repeated(100000)) << true;
        QTest::newRow("empty") << QString() << true;
    }

    void keysAndValuesAreEscaped()
    {
        QFETCH(QString, text);
        QFETCH(bool, exact);
        JsonWriter w;
        w.beginObject();
        w.key(text).value(text);
        const QByteArray utf8Key = text.toUtf8();
        w.key("fixed").beginObject();
        w.key(utf8Key.constData()).value(text); // the const char* form escapes as well
        w.endObject();
        w.key("list").strings({ text, text });
        w.endObject();
        QString failure;
        const QJsonDocument doc = parsed(w.data(), &failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const QJsonObject object = doc.object();
        QCOMPARE(object.size(), text == QLatin1String("fixed") || text == QLatin1String("list") ? 2 : 3);
        for (char c : w.data())
            QVERIFY(static_cast<unsigned char>(c) >= 0x20); // control characters are never written raw
        if (!exact)
            return;
        QVERIFY(object.contains(text));
        QCOMPARE(object.value(text).toString(), text);
        if (!utf8Key.contains('\0'))
            QCOMPARE(object.value(QStringLiteral("fixed")).toObject().value(text).toString(), text);
        QCOMPARE(object.value(QStringLiteral("list")).toArray().at(1).toString(), text);
    }

    // Raw bytes that are not UTF-8 given as a key: replaced, never copied into the output.
    void invalidUtf8KeyBytesAreReplaced()
    {
        JsonWriter w;
        w.beginObject();
        w.key("a\xff\"b\xc3").value(1);
        w.endObject();
        QString failure;
        const QJsonDocument doc = parsed(w.data(), &failure);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(doc.object().size(), 1);
        QVERIFY(doc.object().keys().constFirst().contains(QLatin1Char('"')));
    }

    // The field names of a request body end up as keys of the problem's "errors" object.
    void problemWithHostileFieldNamesIsValidJson()
    {
        QHash<QString, QString> errors;
        errors.insert(QStringLiteral("z\",\"status\":200,\"q"), QStringLiteral("Unknown field"));
        errors.insert(loneSurrogates(), QStringLiteral("Unknown \"field\"\n"));
        errors.insert(QStringLiteral("plain"), QStringLiteral("ok"));
        const portcullis::server::Reply reply
            = portcullis::server::problem(ServiceError::validation(QStringLiteral("bad \"body\""), errors), 1);
        QCOMPARE(reply.status, 400);
        QString failure;
        const QJsonObject object = parsed(reply.body, &failure).object();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QCOMPARE(object.value(QStringLiteral("status")).toInt(), 400);
        QCOMPARE(object.value(QStringLiteral("detail")).toString(), QStringLiteral("bad \"body\""));
        const QJsonObject fields = object.value(QStringLiteral("errors")).toObject();
        QCOMPARE(fields.size(), 3);
        QCOMPARE(fields.value(QStringLiteral("z\",\"status\":200,\"q")).toString(), QStringLiteral("Unknown field"));
    }

    // A 503 names neither the database host nor its user; the server log has the detail, without
    // a password.
    void unavailableTellsTheClientNothingAboutTheDatabase()
    {
        g_messages.clear();
        g_previousHandler = qInstallMessageHandler(captureMessage);
        const portcullis::server::Reply reply = portcullis::server::problem(
            ServiceError::unavailable(QStringLiteral("Cannot connect to postgresql://portcullis_app@db7.internal:5432/"
                                                     "iam: connection to server at \"db7.internal\" failed; tried "
                                                     "postgresql://portcullis_app:Hunter2-secret@db7.internal/iam "
                                                     "with password=Hunter2-secret")),
            4242);
        qInstallMessageHandler(g_previousHandler);
        QCOMPARE(reply.status, 503);
        QString failure;
        const QJsonObject object = parsed(reply.body, &failure).object();
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const QString detail = object.value(QStringLiteral("detail")).toString();
        for (const QString& secret : { QStringLiteral("db7"), QStringLiteral("portcullis_app"), QStringLiteral("5432"),
                                       QStringLiteral("postgresql"), QStringLiteral("Hunter2") })
            QVERIFY2(!reply.body.contains(secret.toUtf8()), qPrintable(QString::fromUtf8(reply.body)));
        QVERIFY2(detail.contains(QStringLiteral("4242")), qPrintable(detail)); // the request id, to find the log line
        QCOMPARE(object.value(QStringLiteral("code")).toString(), QStringLiteral("unavailable"));
        const QString log = g_messages.join(QLatin1Char('\n'));
        QVERIFY2(log.contains(QStringLiteral("#4242")) && log.contains(QStringLiteral("db7.internal")),
                 qPrintable(log));
        QVERIFY2(!log.contains(QStringLiteral("Hunter2")), qPrintable(log));
    }
};

QTEST_GUILESS_MAIN(TestHttpJson)
#include "tst_httpjson.moc"
