#pragma once

// How values are shown to people: dates in the user's locale with their zone, statuses as words.

#include <QBrush>
#include <QDateTime>
#include <QString>

namespace portcullis::display {

// Every time the console shows goes through these, in the default locale (which follows --lang and
// the language setting). Times are stored in UTC and shown in local time, always naming the zone:
// "23.11.26 17:05 CET", "11/23/26 5:05 PM UTC". Dates alone are local calendar days.
QString dateTime(const QDateTime& time);
QString date(const QDateTime& time);
QString timeOfDay(const QDateTime& time);
// Reads a time typed the way dateTime() writes it: the same fields in the same order (learnt from
// what dateTime() writes, so the two never disagree), the year with four or two digits, seconds and
// the zone optional (without a zone: the zone dateTime() shows), or the date part alone (midnight),
// or ISO 8601. An invalid QDateTime when the text is none of these: never a guess.
QDateTime parseDateTime(const QString& text);
QString userStatus(const QString& status);
QString number(qint64 value);
QBrush warningBrush();

} // namespace portcullis::display
