#pragma once

#include "backend.h"
#include "lazytablemodel.h"

#include <QHash>
#include <QPointer>

namespace portcullis {

// Users of the actor's scope, a page (50) at a time, with the filter of a UserQuery. Roles and
// status come in the same page (never one request per row).
class UserListModel : public LazyTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        EmailColumn,
        NameColumn,
        UsernameColumn,
        RolesColumn,
        StatusColumn,
        LastLoginColumn,
        OrganizationColumn, // shown when all tenants are listed
        ColumnCount
    };
    enum Role
    {
        UserIdRole = Qt::UserRole + 1,
        VersionRole,
        StatusRole,
        LevelRole
    };

    explicit UserListModel(Backend* backend, QObject* parent = nullptr);

    // Replaces the filter (page and limit are managed by the model) and reloads.
    void setQuery(const UserQuery& query);
    const UserQuery& query() const { return m_query; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order) override;

    const User& userAt(int row) const { return m_rows.at(row); }
    int rowOf(Id userId) const;
    // Replaces one row in place after a write (no reload, the selection stays).
    void updateUser(const User& user);
    // The organizations' names for the Organization column.
    void setOrganizationNames(const QHash<Id, QString>& names);
    QString organizationName(Id organizationId) const;
    // Lists `user` first from the next reload on, even when the filter would hide it (a user just
    // created), until the filter changes (setQuery). The row says so in its tooltip.
    void pinUser(const User& user);
    // Drops the pinned user when it is `userId` (it was deleted: it must not stay listed).
    void unpinUser(Id userId);
    Id pinnedUserId() const { return m_pinned.id; }

protected:
    void clearRows() override;
    void requestNextPage(int generation) override;

private:
    QPointer<Backend> m_backend;
    UserQuery m_query;
    QList<User> m_rows;
    int m_nextPage = 1;
    qint64 m_listed = 0; // rows the pages brought (the pinned row aside)
    QHash<Id, QString> m_organizationNames;
    User m_pinned; // id 0: none
};

} // namespace portcullis
