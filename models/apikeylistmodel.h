#pragma once

#include "backend.h"
#include "lazytablemodel.h"

#include <QPointer>

namespace portcullis {

// API keys of the actor's scope (or of one owner), newest first, a page at a time. Only the
// visible prefix of a key is ever known here: the secret exists once, in the create dialog.
class ApiKeyListModel : public LazyTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        NameColumn,
        PrefixColumn,
        OwnerColumn,
        ScopesColumn,
        LastUsedColumn,
        ExpiresColumn,
        RateLimitColumn,
        StatusColumn,
        ColumnCount
    };
    enum DataRole
    {
        KeyIdRole = Qt::UserRole + 1,
        OwnerIdRole,
        StatusRole,
        RevokedRole
    };

    explicit ApiKeyListModel(Backend* backend, QObject* parent = nullptr);

    // 0 = every owner of the actor's scope. Reloads.
    void setOwner(Id userId);
    Id owner() const { return m_query.userId; }
    // Replaces the filter (owner, tenant, search; the paging is the model's) and reloads.
    void setQuery(const ApiKeyQuery& query);
    const ApiKeyQuery& query() const { return m_query; }
    void setPageSize(int limit);
    int pageSize() const { return m_limit; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const ApiKey& keyAt(int row) const { return m_rows.at(row); }
    int rowOf(Id keyId) const;
    // Marks a key revoked in place after a successful revoke (no reload, the selection stays).
    void markRevoked(Id keyId);

    // "active", "revoked" or "expired".
    static QString status(const ApiKey& key, const QDateTime& now = QDateTime::currentDateTimeUtc());
    static QString statusText(const QString& status);
    // "pk_live_AbCd…": the prefix with an ellipsis, so nobody mistakes it for the whole key.
    static QString displayPrefix(const ApiKey& key);

protected:
    void clearRows() override;
    void requestNextPage(int generation) override;

private:
    QPointer<Backend> m_backend;
    QList<ApiKey> m_rows;
    ApiKeyQuery m_query;
    int m_limit = 50;
    int m_nextPage = 1;
};

} // namespace portcullis
