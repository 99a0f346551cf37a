#pragma once

// One database connection, with its SqlStore and ServerSupport, per thread of a worker pool: the
// console's SqlBackend and the server's RestApi hold theirs the same way.

#include "database.h"
#include "server_support.h"
#include "store.h"

#include <QString>
#include <QThreadStorage>

#include <functional>
#include <memory>

namespace portcullis {

// A worker thread's connection, for the life of the thread (pools keep their threads).
struct WorkerStore
{
    QString connectionName;
    std::unique_ptr<SqlStore> store;
    std::unique_ptr<ServerSupport> support; // the per-call session check, with its role cache
    // Closes the connection on the thread that used it, and releases OpenSSL's per-thread state
    // (the random generator of crypto::randomToken), which OpenSSL would otherwise free from a
    // pthread key destructor that may run after main() returned.
    ~WorkerStore();
};

// The WorkerStore of each thread of one pool. Held in a QThreadStorage, not a thread_local: Qt
// deletes QThreadStorage data inside QThread's own finish, before QThread::wait() returns, whereas
// C++ thread_local destructors run after that, possibly once main() is already tearing down the
// globals the SQL driver needs. Declare it before the pool whose threads use it, so that the pool
// (joining its threads, which deletes their stores) is destroyed first.
class WorkerStores
{
public:
    // Connections are named "<prefix>-<n>", unique in the process.
    explicit WorkerStores(QString prefix);
    WorkerStores(const WorkerStores&) = delete;
    WorkerStores& operator=(const WorkerStores&) = delete;

    // The calling thread's store: opened on first use (openDatabase(config, name, createIfMissing)),
    // then handed to `configure` once.
    Result<WorkerStore*> forThisThread(const DatabaseConfig& config, bool createIfMissing,
                                       const std::function<void(WorkerStore&)>& configure = {});
    // The calling thread's store if it has one, else nullptr.
    WorkerStore* ofThisThread();
    // Closes the calling thread's connection; the next forThisThread() opens a new one.
    void dropThisThread();

private:
    QString m_prefix;
    QThreadStorage<WorkerStore*> m_stores;
};

} // namespace portcullis
