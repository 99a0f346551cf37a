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

QString ServiceError::toString() const
{
    QString text = codeName() + QStringLiteral(": ") + message;
    for (auto it = fieldErrors.cbegin(); it != fieldErrors.cend(); ++it)
        text += QStringLiteral(" [") + it.key() + QStringLiteral(": ") + it.value() + QStringLiteral("]");
    return text;
}

} // namespace portcullis
