#include "displayformat.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>
#include <QRegularExpression>
#include <QSettings>

namespace portcullis::display {

namespace {

DateStyle g_style = DateStyle::Locale;
bool g_utc = false;

// Spaces a person types: the locale data separates the time from AM/PM with a narrow or a
// no-break space in some locales, which nobody can type.
QString withPlainSpaces(QString text)
{
    return text.replace(QChar(0x202F), QLatin1Char(' ')).replace(QChar(0x00A0), QLatin1Char(' '));
}

QLocale formatLocale()
{
    // ISO 8601 is written with Latin digits whatever the language.
    return g_style == DateStyle::Iso ? QLocale::c() : QLocale();
}

QString dateFormat()
{
    if (g_style == DateStyle::Iso)
        return QStringLiteral("yyyy-MM-dd");
    // The locale's numeric date with the year in full: "M/d/yy" becomes "M/d/yyyy".
    QString format = withPlainSpaces(QLocale().dateFormat(QLocale::ShortFormat));
    static const QRegularExpression twoDigitYear(QStringLiteral("(?<!y)yy(?!y)"));
    format.replace(twoDigitYear, QStringLiteral("yyyy"));
    return format;
}

// The locale's short time format without seconds, which only widen a column.
QString timeFormat()
{
    if (g_style == DateStyle::Iso)
        return QStringLiteral("HH:mm");
    QString format = withPlainSpaces(QLocale().timeFormat(QLocale::ShortFormat));
    format.remove(QLatin1String(":ss")).remove(QLatin1String(".ss"));
    return format;
}

QDateTime inDisplayZone(const QDateTime& time)
{
    return g_utc ? time.toUTC() : time.toLocalTime();
}

} // namespace

DateStyle dateStyle()
{
    return g_style;
}

bool showsUtc()
{
    return g_utc;
}

Preferences* Preferences::instance()
{
    static Preferences* preferences = new Preferences(QCoreApplication::instance());
    return preferences;
}

void setDateStyle(DateStyle style)
{
    if (g_style == style)
        return;
    g_style = style;
    emit Preferences::instance()->changed();
}

void setShowsUtc(bool utc)
{
    if (g_utc == utc)
        return;
    g_utc = utc;
    emit Preferences::instance()->changed();
}

void loadPreferences()
{
    const QSettings settings;
    setDateStyle(settings.value(QLatin1String(DateStyleKey)).toString() == QLatin1String("iso") ? DateStyle::Iso
                                                                                                : DateStyle::Locale);
    setShowsUtc(settings.value(QLatin1String(TimeZoneKey)).toString() == QLatin1String("utc"));
}

void savePreferences()
{
    QSettings settings;
    settings.setValue(QLatin1String(DateStyleKey),
                      g_style == DateStyle::Iso ? QStringLiteral("iso") : QStringLiteral("locale"));
    settings.setValue(QLatin1String(TimeZoneKey), g_utc ? QStringLiteral("utc") : QStringLiteral("local"));
}

QString dateTimeFormat()
{
    return dateFormat() + QLatin1Char(' ') + timeFormat();
}

QTimeZone displayZone()
{
    return g_utc ? QTimeZone::utc() : QTimeZone::systemTimeZone();
}

QString zoneName(const QDateTime& time)
{
    if (g_utc)
        return QStringLiteral("UTC");
    return (time.isValid() ? time : QDateTime::currentDateTimeUtc()).toLocalTime().timeZoneAbbreviation();
}

QString dateTime(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    return dateTimeForEditing(time) + QLatin1Char(' ') + zoneName(time);
}

QString dateTimeForEditing(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    const QDateTime shown = inDisplayZone(time);
    return formatLocale().toString(shown.date(), dateFormat()) + QLatin1Char(' ')
        + formatLocale().toString(shown.time(), timeFormat());
}

QString date(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    return formatLocale().toString(inDisplayZone(time).date(), dateFormat());
}

QString timeOfDay(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    return formatLocale().toString(inDisplayZone(time).time(), timeFormat()) + QLatin1Char(' ') + zoneName(time);
}

namespace {

// The year as typed: four digits as they are; two digits (`twoDigits`: parsed with "yy", which Qt
// reads as 19xx) the year within 80 years before and 20 after today ("12/4/26" is 2026, never 1926).
QDate withCentury(const QDate& parsed, bool twoDigits)
{
    if (!parsed.isValid() || (!twoDigits && parsed.year() >= 1000))
        return parsed;
    const int now = QDate::currentDate().year();
    int full = now - now % 100 + parsed.year() % 100;
    if (full > now + 20)
        full -= 100;
    return QDate(full, parsed.month(), parsed.day());
}

// The date formats `format` is typed in: as shown, with the year's other width ("yyyy" or "yy"),
// and with one-digit days and months allowed ("4.12.2026" for "dd.MM.yyyy").
QStringList typedDateFormats(const QString& format)
{
    static const QRegularExpression fourDigits(QStringLiteral("yyyy"));
    static const QRegularExpression twoDigits(QStringLiteral("(?<!y)yy(?!y)"));
    QString other = format;
    if (format.contains(fourDigits))
        other.replace(fourDigits, QStringLiteral("yy"));
    else
        other.replace(twoDigits, QStringLiteral("yyyy"));
    static const QRegularExpression paddedDay(QStringLiteral("(?<!d)dd(?!d)"));
    static const QRegularExpression paddedMonth(QStringLiteral("(?<!M)MM(?!M)"));
    QStringList formats { format, other };
    for (const QString& f : { format, other })
        formats << QString(f).replace(paddedDay, QStringLiteral("d")).replace(paddedMonth, QStringLiteral("M"));
    formats.removeDuplicates();
    return formats;
}

} // namespace

QDateTime parseDateTime(const QString& typed)
{
    QString text = withPlainSpaces(typed).simplified();
    if (text.isEmpty())
        return {};
    // ISO 8601 with its own offset ("2026-12-04T22:00:00Z") means what it says.
    if (text.contains(QLatin1Char('T'))
        && (text.endsWith(QLatin1Char('Z')) || text.lastIndexOf(QLatin1Char('+')) > 10)) {
        const QDateTime iso = QDateTime::fromString(text, Qt::ISODateWithMs);
        if (iso.isValid())
            return iso;
    }
    // A zone name after the time: UTC (or GMT) means UTC, the local zone's name local time; without
    // one, the zone times are shown in.
    const QDateTime now = QDateTime::currentDateTime();
    const QStringList localZones { now.timeZoneAbbreviation(),
                                   QDateTime(QDate(now.date().year(), 1, 15), QTime(12, 0)).timeZoneAbbreviation(),
                                   QDateTime(QDate(now.date().year(), 7, 15), QTime(12, 0)).timeZoneAbbreviation() };
    bool utc = g_utc;
    const qsizetype space = text.lastIndexOf(QLatin1Char(' '));
    if (space > 0) {
        const QString last = text.mid(space + 1);
        if (last.compare(QLatin1String("UTC"), Qt::CaseInsensitive) == 0
            || last.compare(QLatin1String("GMT"), Qt::CaseInsensitive) == 0) {
            utc = true;
            text.truncate(space);
        } else if (localZones.contains(last)) {
            utc = false;
            text.truncate(space);
        }
    }

    QDate day;
    QTime clock(0, 0);
    auto tryFormats = [&](const QLocale& in, const QString& dateFormatText, const QString& timeFormatText) {
        for (const QString& dates : typedDateFormats(dateFormatText)) {
            static const QRegularExpression twoDigitYear(QStringLiteral("(?<!y)yy(?!y)"));
            const bool twoDigits = dates.contains(twoDigitYear);
            for (const QString& times :
                 { timeFormatText, QString(timeFormatText).replace(QLatin1String("mm"), QLatin1String("mm:ss")) }) {
                const QDateTime both = in.toDateTime(text, dates + QLatin1Char(' ') + times);
                if (both.isValid()) {
                    day = withCentury(both.date(), twoDigits);
                    clock = both.time();
                    return true;
                }
            }
            const QDate alone = in.toDate(text, dates);
            if (alone.isValid()) {
                day = withCentury(alone, twoDigits);
                clock = QTime(0, 0);
                return true;
            }
        }
        return false;
    };
    if (!tryFormats(formatLocale(), dateFormat(), timeFormat())
        && !tryFormats(QLocale::c(), QStringLiteral("yyyy-MM-dd"), QStringLiteral("HH:mm"))) {
        text.replace(QLatin1Char('T'), QLatin1Char(' '));
        if (!tryFormats(QLocale::c(), QStringLiteral("yyyy-MM-dd"), QStringLiteral("HH:mm")))
            return {};
    }
    const QDateTime result = utc ? QDateTime(day, clock, QTimeZone::utc()) : QDateTime(day, clock);
    return result.isValid() ? result.toUTC() : QDateTime();
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
