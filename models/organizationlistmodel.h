#pragma once

// Organizations (tenants) the actor may see: all of them for super admins, their own for everyone
// else. One list, no paging (tenants number in the hundreds at most). Reload drops answers that
// arrive after a newer reload; continuations are bound to the model.

#include "backend.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace portcullis {

class OrganizationListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        NameColumn,
        SlugColumn,
        PlanColumn,
        UsersColumn,
        FeaturesColumn,
        StatusColumn,
        ColumnCount
    };
    enum DataRole
    {
        OrganizationIdRole = Qt::UserRole + 1,
        SortRole,
        ActiveRole,
        SlugRole
    };

    explicit OrganizationListModel(Backend* backend, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const QList<Organization>& organizations() const { return m_rows; }
    const Organization& organizationAt(int row) const { return m_rows.at(row); }
    int rowOf(Id organizationId) const;
    // Replaces one row in place after a write (no reload, the selection stays).
    void updateOrganization(const Organization& organization);

    bool isLoading() const { return m_loading; }
    bool hasLoadedOnce() const { return m_loadedOnce; }
    QString lastError() const { return m_lastError; }

    static QString planText(const QString& plan);
    // False where organizations have no seat limit (better-auth): the Users column counts the
    // members (and pending invitations) without "/ limit" and never warns.
    void setSeatLimits(bool seatLimits) { m_seatLimits = seatLimits; }

public slots:
    void reload();

signals:
    void loaded();
    void loadFailed(const portcullis::ServiceError& error);

private:
    QPointer<Backend> m_backend;
    QList<Organization> m_rows;
    int m_generation = 0;
    bool m_loading = false;
    bool m_loadedOnce = false;
    QString m_lastError;
    bool m_seatLimits = true;
};

} // namespace portcullis
