#include "types.h"

namespace portcullis {

QString User::status(const QDateTime& now) const
{
    if (deleted)
        return QStringLiteral("deleted");
    if (isBanned(now))
        return QStringLiteral("banned");
    if (!active)
        return QStringLiteral("suspended");
    if (isLocked(now))
        return QStringLiteral("locked");
    return QStringLiteral("active");
}

QString Invitation::status(const QDateTime& now) const
{
    if (acceptedAt.isValid())
        return QStringLiteral("accepted");
    if (revoked)
        return QStringLiteral("revoked");
    if (expiresAt.isValid() && expiresAt <= now)
        return QStringLiteral("expired");
    return QStringLiteral("pending");
}

} // namespace portcullis
