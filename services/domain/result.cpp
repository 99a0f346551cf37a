#include "result.h"

namespace portcullis {

QString ServiceError::codeName() const
{
    switch (code) {
    case ErrorCode::Unauthenticated:
        return QStringLiteral("unauthenticated");
    case ErrorCode::Forbidden:
        return QStringLiteral("forbidden");
    case ErrorCode::NotFound:
        return QStringLiteral("not_found");
    case ErrorCode::Conflict:
        return QStringLiteral("conflict");
    case ErrorCode::Validation:
        return QStringLiteral("validation");
    case ErrorCode::RateLimited:
        return QStringLiteral("rate_limited");
    case ErrorCode::Unavailable:
        return QStringLiteral("unavailable");
    case ErrorCode::Storage:
        return QStringLiteral("storage");
    }
    return QStringLiteral("storage");
}

namespace {

struct ReasonName
{
    ErrorReason reason;
    const char16_t* name;
};

constexpr ReasonName kReasonNames[] = {
    { ErrorReason::Duplicate, u"duplicate" },
    { ErrorReason::StaleVersion, u"stale_version" },
    { ErrorReason::InUse, u"in_use" },
    { ErrorReason::DatabaseLocked, u"database_locked" },
    { ErrorReason::DatabaseDamaged, u"database_damaged" },
    { ErrorReason::ConnectionLost, u"connection_lost" },
    { ErrorReason::AlreadyRunning, u"already_running" },
};

} // namespace

QString ServiceError::reasonName() const
{
    for (const ReasonName& entry : kReasonNames) {
        if (entry.reason == reason)
            return QString::fromUtf16(entry.name);
    }
    return {};
}

ErrorReason ServiceError::reasonFromName(QStringView name)
{
    for (const ReasonName& entry : kReasonNames) {
        if (name == QStringView(entry.name))
            return entry.reason;
    }
    return ErrorReason::Unspecified;
}

QString ServiceError::toString() const
{
    QString text = codeName();
    if (reason != ErrorReason::Unspecified)
        text += u'/' + reasonName();
    text += QStringLiteral(": ") + message;
    for (auto it = fieldErrors.cbegin(); it != fieldErrors.cend(); ++it)
        text += QStringLiteral(" [") + it.key() + QStringLiteral(": ") + it.value() + QStringLiteral("]");
    return text;
}

} // namespace portcullis
