#include "sqlbackend.h"

#include <QThread>

#include <atomic>
#include <map>
#include <memory>

namespace portcullis {

namespace {

std::atomic<quint64> g_nextBackendId { 1 };

// One store (and connection) per backend per worker thread; destroyed when the thread ends.
struct ThreadStore
{
    QString connectionName;
    std::unique_ptr<SqlStore> store;
    ~ThreadStore()
    {
        store.reset();
        QSqlDatabase::database(connectionName, false).close();
        QSqlDatabase::removeDatabase(connectionName);
    }
};

thread_local std::map<quint64, std::unique_ptr<ThreadStore>> t_stores;

} // namespace

SqlBackend::SqlBackend(const DatabaseConfig& config, int maxThreads, QObject* parent)
    : QObject(parent)
    , m_config(config)
    , m_id(g_nextBackendId++)
{
    m_pool.setMaxThreadCount(std::max(1, maxThreads));
    m_pool.setObjectName(QStringLiteral("portcullis-sql"));
    m_lastOpenError = ServiceError::unavailable(QStringLiteral("The database is not open"));
}

SqlBackend::~SqlBackend()
{
    // Joining the pool's threads runs their thread_local destructors, which close the connections.
    m_pool.clear();
    m_pool.waitForDone();
}

QFuture<Status> SqlBackend::open()
{
    return QtConcurrent::run(&m_pool, [this]() -> Status {
        SqlStore* store = storeForCurrentThread();
        if (!store)
            return lastOpenError();
        return store->prepare();
    });
}

ServiceError SqlBackend::lastOpenError() const
{
    QMutexLocker lock(&m_errorMutex);
    return m_lastOpenError;
}

SqlStore* SqlBackend::storeForCurrentThread()
{
    auto it = t_stores.find(m_id);
    if (it != t_stores.end())
        return it->second->store.get();
    const QString name
        = QStringLiteral("portcullis-%1-%2").arg(m_id).arg(reinterpret_cast<quintptr>(QThread::currentThread()), 0, 16);
    auto db = openDatabase(m_config, name);
    if (!db) {
        QMutexLocker lock(&m_errorMutex);
        m_lastOpenError = db.error();
        return nullptr;
    }
    auto holder = std::make_unique<ThreadStore>();
    holder->connectionName = name;
    holder->store = std::make_unique<SqlStore>(*db, m_config.dialect);
    SqlStore* store = holder->store.get();
    t_stores.emplace(m_id, std::move(holder));
    return store;
}

} // namespace portcullis
