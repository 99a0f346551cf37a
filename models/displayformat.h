#pragma once

// How values are shown to people: dates in the user's chosen format and zone, statuses as words.

#include <QBrush>
#include <QDateTime>
#include <QObject>
#include <QString>
#include <QTimeZone>

namespace portcullis::display {

// Every time the console shows goes through these, in the default locale (which follows --lang and
// the language setting). Times are stored in UTC and shown in the zone the user chose (local time
// or UTC), always naming the zone. The date is written in the user's chosen style:
//   Locale: the locale's date with a four-digit year and its time without seconds,
//           "12/4/2026 10:00 PM EST", "04.12.2026 22:00 CET";
//   Iso:    ISO 8601 with a space, "2026-12-04 22:00 UTC".
// The choice lives in QSettings (Preferences) and applies at once: changed() tells the console to
// show every pane again. GUI thread only.
enum class DateStyle
{
    Locale,
    Iso
};

DateStyle dateStyle();
bool showsUtc();
// Set the choice for this run (the Preferences dialog saves it too); emits changed() when it changed.
void setDateStyle(DateStyle style);
void setShowsUtc(bool utc);
// Reads and writes the choice in QSettings (keys below).
void loadPreferences();
void savePreferences();
inline constexpr char DateStyleKey[] = "display/dateStyle"; // "locale" or "iso"
inline constexpr char TimeZoneKey[] = "display/timeZone"; // "local" or "utc"

// Sends changed() after a new date style or zone.
class Preferences : public QObject
{
    Q_OBJECT

public:
    static Preferences* instance();

signals:
    void changed();

private:
    using QObject::QObject;
};

QString dateTime(const QDateTime& time);
QString date(const QDateTime& time);
QString timeOfDay(const QDateTime& time);

// Typing a time: the format a date-time field shows and takes (without the zone, which the field's
// label or tooltip names): "M/d/yyyy h:mm AP", "yyyy-MM-dd HH:mm". Usable as a QDateTimeEdit's
// displayFormat in the default locale.
QString dateTimeFormat();
// The zone times are shown and typed in (the system's or UTC) and its short name ("CET", "UTC").
QTimeZone displayZone();
QString zoneName(const QDateTime& time);
// `time` as a date-time field shows it: dateTimeFormat() in displayZone(), without the zone.
QString dateTimeForEditing(const QDateTime& time);
// Reads what dateTime() or dateTimeForEditing() wrote, in displayZone(): the zone name after it is
// optional ("UTC" or "GMT" at the end means UTC, the local zone's name local time), seconds may be
// typed, the year may have two digits (the year within 80 years before and 20 after today), a date
// alone means its midnight. Also takes ISO 8601 in any style. Invalid when the text is not a time:
// a field that cannot read its text says so instead of guessing.
QDateTime parseDateTime(const QString& text);

QString userStatus(const QString& status);
QString number(qint64 value);
QBrush warningBrush();

} // namespace portcullis::display
