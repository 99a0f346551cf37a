#pragma once

// How values are shown to people: dates in the user's locale with their zone, statuses as words.

#include <QBrush>
#include <QDateTime>
#include <QString>

namespace portcullis::display {

// "23 Nov 2026 14:05 UTC" style, in the user's locale, always naming the zone.
QString dateTime(const QDateTime& time);
QString userStatus(const QString& status);
QString number(qint64 value);
QBrush warningBrush();

} // namespace portcullis::display
