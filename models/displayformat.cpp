#include "displayformat.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QHash>
#include <QLocale>
#include <QPalette>
#include <QRegularExpression>

namespace portcullis::display {

namespace {

// The locale's short time format without seconds, which only widen a column.
QString shortTimeFormat(const QLocale& locale)
{
    QString format = locale.timeFormat(QLocale::ShortFormat);
    format.remove(QLatin1String(":ss")).remove(QLatin1String(".ss"));
    return format;
}

} // namespace

QString dateTime(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    const QDateTime local = time.toLocalTime();
    const QLocale locale;
    return locale.toString(local.date(), QLocale::ShortFormat) + QLatin1Char(' ')
        + locale.toString(local.time(), shortTimeFormat(locale)) + QLatin1Char(' ') + local.timeZoneAbbreviation();
}

QString date(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    return QLocale().toString(time.toLocalTime().date(), QLocale::ShortFormat);
}

QString timeOfDay(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    const QDateTime local = time.toLocalTime();
    const QLocale locale;
    return locale.toString(local.time(), shortTimeFormat(locale)) + QLatin1Char(' ') + local.timeZoneAbbreviation();
}

namespace {

// How dateTime() writes, as a format QLocale parses: learnt from what it writes for a sample time
// whose every field differs (year 2026, month 12, day 28, hour 23, minute 58), so that a change of
// dateTime()'s format (a preference, another locale) changes the reading with it.
struct Reading
{
    QString format; // date and time
    QString dateFormat; // the date part alone
    Qt::TimeSpec spec = Qt::LocalTime; // the zone dateTime() shows
    bool ok = false;
};

Reading readingFor(const QString& written, const QString& zone, Qt::TimeSpec spec)
{
    const QLocale locale;
    const QDate sampleDay(2026, 12, 28);
    // Any space (a locale's no-break space between the time and AM/PM) as typed: one plain space.
    QString text = written.simplified();
    if (!zone.isEmpty() && text.endsWith(zone))
        text.chop(zone.size());
    text = text.trimmed();
    // Names first (they may hold dots or spaces), longest first.
    const QList<std::pair<QString, QString>> names {
        { locale.monthName(12, QLocale::LongFormat), QStringLiteral("MMMM") },
        { locale.dayName(sampleDay.dayOfWeek(), QLocale::LongFormat), QStringLiteral("dddd") },
        { locale.monthName(12, QLocale::ShortFormat), QStringLiteral("MMM") },
        { locale.dayName(sampleDay.dayOfWeek(), QLocale::ShortFormat), QStringLiteral("ddd") },
        { locale.pmText(), QStringLiteral("AP") },
    };
    const QHash<QString, QString> numbers {
        { QStringLiteral("2026"), QStringLiteral("yyyy") }, { QStringLiteral("26"), QStringLiteral("yy") },
        { QStringLiteral("12"), QStringLiteral("M") },      { QStringLiteral("28"), QStringLiteral("d") },
        { QStringLiteral("23"), QStringLiteral("H") },      { QStringLiteral("11"), QStringLiteral("h") },
        { QStringLiteral("58"), QStringLiteral("m") },      { QStringLiteral("59"), QStringLiteral("s") },
    };
    Reading r;
    r.spec = spec;
    QString literal;
    auto flushLiteral = [&] {
        if (literal.isEmpty())
            return;
        QString quoted = literal;
        quoted.replace(QLatin1Char('\''), QStringLiteral("''"));
        r.format += QLatin1Char('\'') + quoted + QLatin1Char('\'');
        literal.clear();
    };
    bool timeSeen = false;
    qsizetype i = 0;
    while (i < text.size()) {
        bool named = false;
        for (const auto& [name, field] : names) {
            if (!name.isEmpty() && text.mid(i).startsWith(name, Qt::CaseInsensitive)) {
                flushLiteral();
                r.format += field;
                i += name.size();
                named = true;
                break;
            }
        }
        if (named)
            continue;
        if (text.at(i).isDigit()) {
            qsizetype j = i;
            while (j < text.size() && text.at(j).isDigit())
                ++j;
            const QString field = numbers.value(text.mid(i, j - i));
            if (field.isEmpty())
                return {}; // a number the sample does not have: not this zone's reading
            if (!timeSeen && (field == QLatin1String("H") || field == QLatin1String("h"))) {
                timeSeen = true;
                r.dateFormat = r.format;
                while (!r.dateFormat.isEmpty()
                       && (r.dateFormat.endsWith(QLatin1Char('\'')) || !r.dateFormat.back().isLetter())) {
                    // Drop the separator between the date and the time (a quoted literal or a space).
                    if (r.dateFormat.endsWith(QLatin1Char('\''))) {
                        const qsizetype open = r.dateFormat.lastIndexOf(QLatin1Char('\''), -2);
                        r.dateFormat.truncate(open < 0 ? 0 : open);
                    } else {
                        r.dateFormat.chop(1);
                    }
                }
            }
            flushLiteral();
            r.format += field;
            i = j;
            continue;
        }
        literal += text.at(i);
        ++i;
    }
    flushLiteral();
    if (!timeSeen)
        r.dateFormat = r.format;
    r.ok = r.format.contains(QLatin1Char('m')) && r.format.contains(QLatin1Char('d'));
    return r;
}

Reading currentReading()
{
    // Written as local time first; when dateTime() shows another zone (UTC), the sample's fields
    // only come out as written when the sample is in that zone.
    const QDate day(2026, 12, 28);
    const QTime time(23, 58, 59);
    for (const Qt::TimeSpec spec : { Qt::LocalTime, Qt::UTC }) {
        const QDateTime sample(day, time, spec);
        const QString written = dateTime(sample);
        const QLocale locale;
        QString zone = written.section(QLatin1Char(' '), -1);
        if (zone == locale.amText() || zone == locale.pmText()
            || !zone.contains(QRegularExpression(QStringLiteral("[^\\d.:/-]"))))
            zone.clear(); // the last field, not a zone

        Reading r = readingFor(written, zone, spec);
        if (r.ok)
            return r;
    }
    return {};
}

// The year as typed: four digits as they are; two digits (or a year parsed from two digits) the one
// within 80 years before and 20 after today.
QDate withCentury(const QDate& parsed, bool fourDigits)
{
    if (!parsed.isValid() || (fourDigits && parsed.year() >= 1000))
        return parsed;
    const int now = QDate::currentDate().year();
    int full = now - now % 100 + parsed.year() % 100;
    if (full > now + 20)
        full -= 100;
    return QDate(full, parsed.month(), parsed.day());
}

} // namespace

QDateTime parseDateTime(const QString& typed)
{
    QString text = typed.simplified();
    if (text.isEmpty())
        return {};
    const QDateTime iso = QDateTime::fromString(text, Qt::ISODate);
    if (iso.isValid())
        return iso;
    const Reading reading = currentReading();
    if (!reading.ok)
        return {};
    // A zone named at the end: UTC (or GMT, Z) or the local zone's abbreviation (standard or summer).
    Qt::TimeSpec spec = reading.spec;
    const QString last = text.section(QLatin1Char(' '), -1);
    const QDateTime now = QDateTime::currentDateTime();
    const QStringList localZones { now.timeZoneAbbreviation(),
                                   QDateTime(QDate(now.date().year(), 1, 15), QTime(12, 0)).timeZoneAbbreviation(),
                                   QDateTime(QDate(now.date().year(), 7, 15), QTime(12, 0)).timeZoneAbbreviation() };
    if (text.contains(QLatin1Char(' '))) {
        if (last.compare(QLatin1String("UTC"), Qt::CaseInsensitive) == 0
            || last.compare(QLatin1String("GMT"), Qt::CaseInsensitive) == 0 || last == QLatin1String("Z")) {
            spec = Qt::UTC;
            text.chop(last.size() + 1);
        } else if (localZones.contains(last)) {
            spec = Qt::LocalTime;
            text.chop(last.size() + 1);
        }
    }
    const QLocale locale;
    QStringList formats { reading.format };
    if (reading.format.contains(QLatin1String("yyyy")))
        formats << QString(reading.format).replace(QLatin1String("yyyy"), QLatin1String("yy"));
    else
        formats << QString(reading.format).replace(QLatin1String("yy"), QLatin1String("yyyy"));
    if (!reading.format.contains(QLatin1Char('s'))) { // seconds typed although not shown
        for (const QString& f : QStringList(formats))
            formats << QString(f).replace(QLatin1Char('m'), QStringLiteral("m:ss"));
    }
    for (const QString& format : std::as_const(formats)) {
        const QDateTime parsed = locale.toDateTime(text, format);
        if (parsed.isValid()) {
            return QDateTime(withCentury(parsed.date(), format.contains(QLatin1String("yyyy"))), parsed.time(), spec);
        }
    }
    QStringList dateFormats { reading.dateFormat };
    if (reading.dateFormat.contains(QLatin1String("yyyy")))
        dateFormats << QString(reading.dateFormat).replace(QLatin1String("yyyy"), QLatin1String("yy"));
    else
        dateFormats << QString(reading.dateFormat).replace(QLatin1String("yy"), QLatin1String("yyyy"));
    for (const QString& format : std::as_const(dateFormats)) {
        if (format.isEmpty())
            continue;
        const QDate parsed = locale.toDate(text, format);
        if (parsed.isValid()) {
            return QDateTime(withCentury(parsed, format.contains(QLatin1String("yyyy"))), QTime(0, 0), spec);
        }
    }
    return {};
}

QString userStatus(const QString& status)
{
    if (status == QLatin1String("active"))
        return QCoreApplication::translate("portcullis::display", "Active");
    if (status == QLatin1String("suspended"))
        return QCoreApplication::translate("portcullis::display", "Suspended");
    if (status == QLatin1String("banned"))
        return QCoreApplication::translate("portcullis::display", "Banned");
    if (status == QLatin1String("locked"))
        return QCoreApplication::translate("portcullis::display", "Locked");
    if (status == QLatin1String("deleted"))
        return QCoreApplication::translate("portcullis::display", "Deleted");
    return status;
}

QString number(qint64 value)
{
    return QLocale().toString(value);
}

QBrush warningBrush()
{
    // Readable on light and dark palettes: derived from the palette's link colour family.
    const bool dark = QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
    return QBrush(dark ? QColor(0xff, 0x9e, 0x80) : QColor(0xb0, 0x30, 0x20));
}

} // namespace portcullis::display
