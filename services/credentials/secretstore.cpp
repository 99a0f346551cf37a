#include "credentials/secretstore.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QPromise>
#include <QUrl>

#include <qt6keychain/keychain.h>

#include <memory>

namespace portcullis {

Q_LOGGING_CATEGORY(lcCredentials, "portcullis.credentials")

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::SecretStore)
};

template <typename T> QFuture<T> ready(T value)
{
    QPromise<T> promise;
    promise.start();
    promise.addResult(std::move(value));
    promise.finish();
    return promise.future();
}

ServiceError noSecret()
{
    return ServiceError::notFound(Tr::tr("No saved credentials"));
}

} // namespace

QString SecretStore::keyFor(const QString& kind, const QString& location, const QString& user)
{
    // An entry's name is visible to anything that lists the keychain, and a PostgreSQL URL may
    // carry the database password: the name uses the location without it, which is also how the
    // remembered profile keeps it, so the entry is found again next time.
    QString where = location.trimmed();
    const QUrl url(where);
    if (url.isValid() && !url.scheme().isEmpty() && !url.password().isEmpty())
        where = url.toString(QUrl::RemovePassword);
    return QStringLiteral("portcullis/%1/%2/%3").arg(kind, where, user);
}

// --- memory --------------------------------------------------------------------------------------

QFuture<Result<QString>> MemorySecretStore::read(const QString& key)
{
    const auto it = m_secrets.constFind(key);
    return ready(it == m_secrets.constEnd() ? Result<QString>(noSecret()) : Result<QString>(*it));
}

QFuture<Status> MemorySecretStore::write(const QString& key, const QString& secret)
{
    m_secrets.insert(key, secret);
    return ready(Status());
}

QFuture<Status> MemorySecretStore::remove(const QString& key)
{
    m_secrets.remove(key);
    return ready(Status());
}

// --- keychain ------------------------------------------------------------------------------------

KeychainSecretStore::KeychainSecretStore(const QString& service, QObject* parent)
    : SecretStore(parent)
    , m_service(service)
{ }

QString KeychainSecretStore::sessionOnlyMessage(const QString& reason)
{
    return QCoreApplication::translate(
               "Portcullis::SecretStore",
               "The system keychain is not available (%1). Your credentials are kept in memory for this "
               "session only and will not be remembered.")
        .arg(reason);
}

QFuture<Result<QString>> KeychainSecretStore::read(const QString& key)
{
    auto promise = std::make_shared<QPromise<Result<QString>>>();
    QFuture<Result<QString>> future = promise->future();
    promise->start();
    // Jobs are not children of the store: the Secret Service answers asynchronously and QtKeychain
    // touches the job when it does, so a job must outlive a store destroyed meanwhile. It deletes
    // itself when finished (autoDelete); the continuation is bound to the store and is dropped.
    auto* job = new QKeychain::ReadPasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, promise, key](QKeychain::Job* finished) {
        auto* readJob = static_cast<QKeychain::ReadPasswordJob*>(finished);
        Result<QString> result = noSecret();
        if (readJob->error() == QKeychain::NoError) {
            result = readJob->textData();
        } else if (readJob->error() == QKeychain::EntryNotFound) {
            result = noSecret();
        } else {
            // No keychain: what this session remembered in memory, if anything.
            result = m_memory.read(key).result();
            if (!result.ok())
                result = ServiceError::unavailable(sessionOnlyMessage(readJob->errorString()));
        }
        promise->addResult(result);
        promise->finish();
    });
    job->start();
    return future;
}

QFuture<Status> KeychainSecretStore::write(const QString& key, const QString& secret)
{
    auto promise = std::make_shared<QPromise<Status>>();
    QFuture<Status> future = promise->future();
    promise->start();
    auto* job = new QKeychain::WritePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this, [this, promise, key, secret](QKeychain::Job* finished) {
        if (finished->error() != QKeychain::NoError) {
            // Never a plaintext file: the secret lives in this process only.
            m_sessionOnly = true;
            m_unavailableReason = finished->errorString();
            qCWarning(lcCredentials) << "keychain unavailable, keeping the secret in memory:" << m_unavailableReason;
            (void)m_memory.write(key, secret);
            emit keychainUnavailable(sessionOnlyMessage(m_unavailableReason));
        }
        promise->addResult(Status());
        promise->finish();
    });
    job->start();
    return future;
}

QFuture<Status> KeychainSecretStore::remove(const QString& key)
{
    (void)m_memory.remove(key);
    auto promise = std::make_shared<QPromise<Status>>();
    QFuture<Status> future = promise->future();
    promise->start();
    auto* job = new QKeychain::DeletePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [promise](QKeychain::Job* finished) {
        const QKeychain::Error error = finished->error();
        promise->addResult(error == QKeychain::NoError || error == QKeychain::EntryNotFound
                               ? Status()
                               : Status(ServiceError::unavailable(sessionOnlyMessage(finished->errorString()))));
        promise->finish();
    });
    job->start();
    return future;
}

} // namespace portcullis
