#pragma once

// The roles the actor may see (built-in and custom, global and of their organization), highest
// level first, as one list: roles are few, so there is no paging. Reload drops answers that arrive
// after a newer reload (generation counter); continuations are bound to the model.

#include "backend.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QPointer>

namespace portcullis {

class RoleListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        CodeColumn,
        NameColumn,
        LevelColumn,
        KindColumn,
        ScopeColumn,
        PermissionsColumn,
        ColumnCount
    };
    enum DataRole
    {
        RoleIdRole = Qt::UserRole + 1,
        SortRole,
        BuiltInRole,
        OrganizationIdRole,
        LevelRole,
        CodeRole
    };

    explicit RoleListModel(Backend* backend, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const QList<portcullis::Role>& roles() const { return m_rows; }
    const portcullis::Role& roleAt(int row) const { return m_rows.at(row); }
    int rowOf(Id roleId) const;
    // "Global" or the organization's name, for the scope column and the details panel.
    QString scopeName(Id organizationId) const;
    const QHash<Id, QString>& organizationNames() const { return m_organizationNames; }

    bool isLoading() const { return m_loading; }
    bool hasLoadedOnce() const { return m_loadedOnce; }
    QString lastError() const { return m_lastError; }

public slots:
    // Loads the roles (and the organization names for the scope column) again.
    void reload();

signals:
    void loaded();
    void loadFailed(const portcullis::ServiceError& error);

private:
    QPointer<Backend> m_backend;
    QList<portcullis::Role> m_rows;
    QHash<Id, QString> m_organizationNames;
    int m_generation = 0;
    bool m_loading = false;
    bool m_loadedOnce = false;
    QString m_lastError;
};

} // namespace portcullis
