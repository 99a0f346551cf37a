#pragma once

#include <QHash>
#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace portcullis {

enum class ErrorCode
{
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Validation,
    RateLimited,
    Unavailable,
    Storage
};

// Why a call failed, when callers act on it: the message is for people (and translated), so code
// never matches its text. Set from the database driver's native error codes (SQLite extended
// result codes, PostgreSQL SQLSTATEs) or by the rule that refused; carried over REST as "reason".
enum class ErrorReason
{
    Unspecified,
    Duplicate, // a unique value (email, slug, role code) is taken
    StaleVersion, // the record changed since the caller read it (optimistic locking)
    InUse, // still referenced (a role that is assigned)
    DatabaseLocked, // another writer holds the database; try again
    DatabaseDamaged, // the file is not a database or is corrupt
    ConnectionLost, // the database server went away
    AlreadyRunning // a job that runs once at a time per deployment is running
};

// A failure of a service call: a machine-readable code, a message for a human and, for validation
// failures, a message per field (field names are the snake_case names of the REST contract).
struct ServiceError
{
    ErrorCode code = ErrorCode::Storage;
    QString message;
    QHash<QString, QString> fieldErrors;
    ErrorReason reason = ErrorReason::Unspecified;

    static ServiceError unauthenticated(const QString& message) { return { ErrorCode::Unauthenticated, message, {} }; }
    static ServiceError forbidden(const QString& message) { return { ErrorCode::Forbidden, message, {} }; }
    static ServiceError notFound(const QString& message) { return { ErrorCode::NotFound, message, {} }; }
    static ServiceError conflict(const QString& message, ErrorReason reason = ErrorReason::Unspecified)
    {
        return { ErrorCode::Conflict, message, {}, reason };
    }
    static ServiceError duplicate(const QString& message) { return conflict(message, ErrorReason::Duplicate); }
    static ServiceError staleVersion(const QString& message) { return conflict(message, ErrorReason::StaleVersion); }
    static ServiceError storage(const QString& message) { return { ErrorCode::Storage, message, {} }; }
    static ServiceError unavailable(const QString& message) { return { ErrorCode::Unavailable, message, {} }; }
    static ServiceError rateLimited(const QString& message) { return { ErrorCode::RateLimited, message, {} }; }
    static ServiceError validation(const QString& message, QHash<QString, QString> fields = {})
    {
        return { ErrorCode::Validation, message, std::move(fields) };
    }
    static ServiceError validationField(const QString& field, const QString& message)
    {
        return { ErrorCode::Validation, message, { { field, message } } };
    }

    ServiceError withReason(ErrorReason why) &&
    {
        reason = why;
        return std::move(*this);
    }

    // The code as written in the REST contract ("forbidden", "not_found", ...).
    QString codeName() const;
    // The reason as written in the REST contract ("duplicate", "stale_version", ...); empty when
    // unspecified. reasonFromName() is its inverse (Unspecified for names it does not know).
    QString reasonName() const;
    static ErrorReason reasonFromName(QStringView name);
    // "forbidden: Admins cannot assign super_admin" - for logs and test failures.
    QString toString() const;
};

// Value or error; never throws across the event loop (Qt Creator's Utils::Result in spirit).
template <typename T> class [[nodiscard]] Result
{
public:
    Result(const T& value)
        : m_data(value)
    { }
    Result(T&& value)
        : m_data(std::move(value))
    { }
    Result(const ServiceError& error)
        : m_data(error)
    { }
    Result(ServiceError&& error)
        : m_data(std::move(error))
    { }

    bool ok() const { return m_data.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T& value() const& { return std::get<0>(m_data); }
    T& value() & { return std::get<0>(m_data); }
    T&& value() && { return std::get<0>(std::move(m_data)); }
    const T& operator*() const& { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }

    const ServiceError& error() const { return std::get<1>(m_data); }

private:
    std::variant<T, ServiceError> m_data;
};

template <> class [[nodiscard]] Result<void>
{
public:
    Result() = default;
    Result(const ServiceError& error)
        : m_error(error)
    { }
    Result(ServiceError&& error)
        : m_error(std::move(error))
    { }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const ServiceError& error() const { return *m_error; }

private:
    std::optional<ServiceError> m_error;
};

using Status = Result<void>;

} // namespace portcullis
