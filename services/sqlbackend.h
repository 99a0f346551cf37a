#pragma once

// SqlBackend: the asynchronous face of the SQL store for callers that must not block (the console's
// GUI thread). Work runs on the backend's own thread pool; each worker thread opens its own named
// connection on first use and closes it when the pool retires the thread. Results come back as
// QFuture<Result<T>>: attach continuations with a context object (QFuture::then(context, ...)) so
// they never run after their receiver died.

#include "sql/store.h"

#include <QFuture>
#include <QMutex>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <type_traits>

namespace portcullis {

class SqlBackend : public QObject
{
    Q_OBJECT

public:
    // SQLite allows one writer at a time (writers wait up to the busy timeout); two threads let a
    // long export and an interactive page load run side by side.
    explicit SqlBackend(const DatabaseConfig& config, int maxThreads = 2, QObject* parent = nullptr);
    ~SqlBackend() override;

    const DatabaseConfig& config() const { return m_config; }

    // Opens the database, applies pending migrations and seeds the catalog.
    QFuture<Status> open();

    // Runs `work(SqlStore&)` on a worker thread. `work` must return a Result<T> (or Status) and
    // must capture by value: it outlives the caller's stack frame.
    template <typename F> auto run(F work) -> QFuture<std::invoke_result_t<F, SqlStore&>>
    {
        using R = std::invoke_result_t<F, SqlStore&>;
        return QtConcurrent::run(&m_pool, [this, work = std::move(work)]() mutable -> R {
            SqlStore* store = storeForCurrentThread();
            if (!store)
                return R(lastOpenError());
            return work(*store);
        });
    }

private:
    SqlStore* storeForCurrentThread();
    ServiceError lastOpenError() const;

    DatabaseConfig m_config;
    quint64 m_id;
    QThreadPool m_pool;
    mutable QMutex m_errorMutex; // guards m_lastOpenError, written by whichever worker failed to open
    ServiceError m_lastOpenError;
};

} // namespace portcullis
