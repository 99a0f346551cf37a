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
QString userStatus(const QString& status);
QString number(qint64 value);
QBrush warningBrush();

} // namespace portcullis::display
