#include "displayformat.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QLocale>
#include <QPalette>

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
