// The audit export writers (services/sql/audit.cpp: auditformat::csvLine and jsonLine, with
// csv::field from services/domain/csv.h) and the server's JsonWriter (server/httpjson.cpp), which
// writes every response body, on field values the fuzzer chooses. What a client once typed (an
// email, a reason, a user agent) ends up in these fields.
//
// Invariants: every CSV record reads back (RFC 4180) as 14 fields equal to the values, with an
// apostrophe before a value a spreadsheet would take for a formula, and no cell starts with
// = + - @ TAB or CR; every JSON line and every JsonWriter output parses, and strings read back equal.

#include "domain/csv.h"
#include "fuzzutil.h"
#include "httpjson.h"
#include "sql/auditformat.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace portcullis;

namespace {

// A minimal RFC 4180 reader for one record without the final newline.
QStringList readCsvRecord(const QString& line, bool* ok)
{
    QStringList fields;
    QString field;
    qsizetype i = 0;
    *ok = true;
    for (;;) {
        field.clear();
        if (i < line.size() && line.at(i) == QLatin1Char('"')) {
            ++i;
            for (;;) {
                if (i >= line.size()) {
                    *ok = false;
                    return fields;
                }
                if (line.at(i) == QLatin1Char('"')) {
                    if (i + 1 < line.size() && line.at(i + 1) == QLatin1Char('"')) {
                        field += QLatin1Char('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += line.at(i++);
            }
        } else {
            while (i < line.size() && line.at(i) != QLatin1Char(',')) {
                if (line.at(i) == QLatin1Char('"') || line.at(i) == QLatin1Char('\n')
                    || line.at(i) == QLatin1Char('\r')) {
                    *ok = false; // must have been quoted
                    return fields;
                }
                field += line.at(i++);
            }
        }
        fields << field;
        if (i >= line.size())
            return fields;
        if (line.at(i) != QLatin1Char(',')) {
            *ok = false;
            return fields;
        }
        ++i;
    }
}

// Qt's JSON reader decodes each string with QString::fromUtf8, which drops a U+FEFF at the start of
// a string as a byte order mark (found by this target); the writers keep it. Compared without it.
QString withoutBom(QString text)
{
    return text.remove(QChar(0xFEFF));
}

bool startsLikeFormula(const QString& value)
{
    return !value.isEmpty() && QStringLiteral("=+-@\t\r").contains(value.at(0));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    fuzz::ensureApp();
    FuzzedDataProvider provider(data, size);
    QStringList values;
    for (int i = 0; i < 14; ++i)
        values << QString::fromUtf8(QByteArray::fromStdString(provider.ConsumeRandomLengthString(64)));

    auditformat::ExportRow row;
    row.id = 1 + (provider.ConsumeIntegral<quint32>());
    row.time = values.at(1);
    row.actorType = values.at(2);
    row.actorId = values.at(3);
    row.actorLabel = values.at(4);
    row.organizationId = values.at(5);
    row.action = values.at(6);
    row.resourceType = values.at(7);
    row.resourceId = values.at(8);
    row.outcome = values.at(9);
    row.ip = values.at(10);
    row.details = values.at(11);
    row.hash = values.at(12);
    row.resourceLabel = values.at(13);
    values[0] = QString::number(row.id);
    const QStringList csvOrder = { values[0],          row.time,   row.actorType,    row.actorId,    row.actorLabel,
                                   row.organizationId, row.action, row.resourceType, row.resourceId, row.resourceLabel,
                                   row.outcome,        row.ip,     row.details,      row.hash };

    // CSV
    const QByteArray csv = auditformat::csvLine(row);
    FUZZ_CHECK(csv.endsWith('\n'), csv);
    bool ok = false;
    const QStringList cells = readCsvRecord(QString::fromUtf8(csv.chopped(1)), &ok);
    FUZZ_CHECK(ok && cells.size() == 14, csv);
    for (qsizetype i = 0; i < cells.size(); ++i) {
        FUZZ_CHECK(!startsLikeFormula(cells.at(i)), csv);
        const QString& value = csvOrder.at(i);
        const QString expected = startsLikeFormula(value) ? QLatin1Char('\'') + value : value;
        FUZZ_CHECK(cells.at(i) == expected, csv);
    }
    const QString single = csv::field(values.at(4));
    FUZZ_CHECK(!startsLikeFormula(single), single.toUtf8());

    // JSON Lines
    const QByteArray line = auditformat::jsonLine(row);
    FUZZ_CHECK(line.endsWith('\n') && line.count('\n') == 1, line);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    FUZZ_CHECK(error.error == QJsonParseError::NoError && doc.isObject(), line);
    const QJsonObject o = doc.object();
    FUZZ_CHECK(withoutBom(o.value(QStringLiteral("actor_email")).toString()) == withoutBom(row.actorLabel), line);
    FUZZ_CHECK(withoutBom(o.value(QStringLiteral("resource_id")).toString()) == withoutBom(row.resourceId), line);
    FUZZ_CHECK(withoutBom(o.value(QStringLiteral("resource_label")).toString()) == withoutBom(row.resourceLabel), line);
    FUZZ_CHECK(o.value(QStringLiteral("details")).isObject(), line);

    // The server's writer, including keys from the client and strings with lone surrogates.
    QString raw16;
    const std::string rest = provider.ConsumeRemainingBytesAsString();
    for (size_t i = 0; i + 1 < rest.size(); i += 2)
        raw16 += QChar(char16_t(uint8_t(rest[i]) | (uint16_t(uint8_t(rest[i + 1])) << 8)));
    server::JsonWriter writer;
    writer.beginObject();
    writer.key(values.at(4)).value(raw16);
    writer.key(raw16).beginArray().value(values.at(6)).value(qint64(row.id)).null().endArray();
    writer.endObject();
    const QJsonDocument written = QJsonDocument::fromJson(writer.data(), &error);
    FUZZ_CHECK(error.error == QJsonParseError::NoError && written.isObject(), writer.data());
    // The keys as written: lone surrogates become '?' on the way (Qt's UTF-8 encoder), so a key is
    // looked up by what it became, and two keys that became the same are one key in the object.
    const QString firstKey = QString::fromUtf8(values.at(4).toUtf8());
    if (withoutBom(firstKey) != withoutBom(QString::fromUtf8(raw16.toUtf8()))) {
        // What the writer promises: lone surrogates become '?', nothing else changes (U+FEFF aside,
        // see withoutBom()).
        const QJsonObject object = written.object();
        QJsonValue firstValue;
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (withoutBom(it.key()) == withoutBom(firstKey))
                firstValue = it.value();
        }
        FUZZ_CHECK(withoutBom(firstValue.toString()) == withoutBom(QString::fromUtf8(raw16.toUtf8())), writer.data());
    }
    return 0;
}
