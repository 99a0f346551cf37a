#pragma once

// The invitations of one organization, newest first: email, role, status (pending, accepted,
// revoked, expired) and expiry. Reload drops answers that arrive after a newer reload or after the
// organization changed; continuations are bound to the model.

#include "backend.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace portcullis {

class InvitationListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        EmailColumn,
        RoleColumn,
        StatusColumn,
        ExpiresColumn,
        ColumnCount
    };
    enum DataRole
    {
        InvitationIdRole = Qt::UserRole + 1,
        StatusRole
    };

    explicit InvitationListModel(Backend* backend, QObject* parent = nullptr);

    // 0 = none (the list empties). Reloads.
    void setOrganization(Id organizationId);
    Id organization() const { return m_organization; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const Invitation& invitationAt(int row) const { return m_rows.at(row); }
    bool hasLoadedOnce() const { return m_loadedOnce; }
    QString lastError() const { return m_lastError; }

    static QString statusText(const QString& status);

public slots:
    void reload();

signals:
    void loaded();
    void loadFailed(const portcullis::ServiceError& error);

private:
    QPointer<Backend> m_backend;
    QList<Invitation> m_rows;
    Id m_organization = 0;
    int m_generation = 0;
    bool m_loadedOnce = false;
    QString m_lastError;
};

} // namespace portcullis
