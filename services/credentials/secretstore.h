#pragma once

// SecretStore: where the console keeps a password or refresh token it was asked to remember.
// KeychainSecretStore uses the OS keychain through QtKeychain (the Secret Service on Linux);
// MemorySecretStore keeps secrets for the life of the process (unit tests, and the session-only
// fallback when no keychain is available). Nothing secret is ever written to disk in clear.
//
// Threading: use a store on the thread that created it (the GUI thread); futures are resolved there.

#include "domain/result.h"

#include <QFuture>
#include <QHash>
#include <QObject>
#include <QString>

namespace portcullis {

class SecretStore : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~SecretStore() override = default;

    // "portcullis/<kind>/<location>/<user>", e.g. "portcullis/rest/https://iam.example.com/ana@example.com".
    static QString keyFor(const QString& kind, const QString& location, const QString& user);

    // The secret under `key`; not_found when there is none.
    virtual QFuture<Result<QString>> read(const QString& key) = 0;
    virtual QFuture<Status> write(const QString& key, const QString& secret) = 0;
    // Removing a key that holds nothing succeeds.
    virtual QFuture<Status> remove(const QString& key) = 0;
};

class MemorySecretStore : public SecretStore
{
    Q_OBJECT

public:
    using SecretStore::SecretStore;

    QFuture<Result<QString>> read(const QString& key) override;
    QFuture<Status> write(const QString& key, const QString& secret) override;
    QFuture<Status> remove(const QString& key) override;

private:
    QHash<QString, QString> m_secrets;
};

class KeychainSecretStore : public SecretStore
{
    Q_OBJECT

public:
    explicit KeychainSecretStore(const QString& service = QStringLiteral("portcullis"), QObject* parent = nullptr);

    QFuture<Result<QString>> read(const QString& key) override;
    // When the keychain cannot be used, the secret is kept in memory for this session only, the
    // write still succeeds, and keychainUnavailable() says why (the console shows it).
    QFuture<Status> write(const QString& key, const QString& secret) override;
    QFuture<Status> remove(const QString& key) override;

    // True once a secret had to be kept in memory because the keychain failed.
    bool isSessionOnly() const { return m_sessionOnly; }
    QString unavailableReason() const { return m_unavailableReason; }

    // The message the console shows when it falls back to memory.
    static QString sessionOnlyMessage(const QString& reason);

signals:
    void keychainUnavailable(const QString& message);

private:
    QString m_service;
    MemorySecretStore m_memory;
    bool m_sessionOnly = false;
    QString m_unavailableReason;
};

} // namespace portcullis
