// The REST server's JSON writer: what every response body is made of. Times must be exactly the
// ISO 8601 form Qt would write (clients parse them back with Qt::ISODateWithMs) and strings must
// survive a round trip through a standard JSON parser whatever they contain.

#include "httpjson.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using portcullis::server::JsonWriter;

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
};

QTEST_GUILESS_MAIN(TestHttpJson)
#include "tst_httpjson.moc"
