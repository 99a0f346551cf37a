#include "workerstores.h"

#include <QSqlDatabase>

#include <openssl/crypto.h>

#include <atomic>

namespace portcullis {

WorkerStore::~WorkerStore()
{
    support.reset();
    store.reset();
    QSqlDatabase::database(connectionName, false).close();
    QSqlDatabase::removeDatabase(connectionName);
    OPENSSL_thread_stop();
}

WorkerStores::WorkerStores(QString prefix)
    : m_prefix(std::move(prefix))
{ }

Result<WorkerStore*> WorkerStores::forThisThread(const DatabaseConfig& config, bool createIfMissing,
                                                 const std::function<void(WorkerStore&)>& configure)
{
    if (WorkerStore* existing = m_stores.localData())
        return existing;
    static std::atomic<quint64> counter { 0 };
    const QString name = m_prefix + u'-' + QString::number(++counter);
    auto db = openDatabase(config, name, createIfMissing);
    if (!db)
        return db.error();
    auto* worker = new WorkerStore;
    worker->connectionName = name;
    worker->store = std::make_unique<SqlStore>(*db, config.dialect);
    worker->support = std::make_unique<ServerSupport>(worker->store->core());
    if (configure)
        configure(*worker);
    m_stores.setLocalData(worker); // owned by the storage from here
    return worker;
}

WorkerStore* WorkerStores::ofThisThread()
{
    return m_stores.hasLocalData() ? m_stores.localData() : nullptr;
}

void WorkerStores::dropThisThread()
{
    m_stores.setLocalData(nullptr); // deletes the store: the next call reconnects
}

} // namespace portcullis
