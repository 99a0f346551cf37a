#include "displayformat.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

namespace portcullis::display {

QString dateTime(const QDateTime& time)
{
    if (!time.isValid())
        return {};
    const QDateTime local = time.toLocalTime();
    const QLocale locale;
    // The locale's short date and time, without seconds (which only widen a column), plus the zone.
    QString timeFormat = locale.timeFormat(QLocale::ShortFormat);
    timeFormat.remove(QLatin1String(":ss")).remove(QLatin1String(".ss"));
    return locale.toString(local.date(), QLocale::ShortFormat) + QLatin1Char(' ')
        + locale.toString(local.time(), timeFormat) + QLatin1Char(' ') + local.timeZoneAbbreviation();
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
