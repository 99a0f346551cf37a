#include "userlistmodel.h"

#include "displayformat.h"

#include <QIcon>

namespace portcullis {

UserListModel::UserListModel(Backend* backend, QObject* parent)
    : LazyTableModel(parent)
    , m_backend(backend)
{
    m_query.limit = 50;
}

void UserListModel::setQuery(const UserQuery& query)
{
    m_query = query;
    m_query.limit = query.limit > 0 ? query.limit : 50;
    m_pinned = User();
    reload();
}

int UserListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int UserListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant UserListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const User& u = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case EmailColumn:
            return u.email;
        case NameColumn:
            return u.fullName;
        case UsernameColumn:
            return u.username;
        case RolesColumn:
            return u.roleCodes.join(QStringLiteral(", "));
        case StatusColumn:
            return display::userStatus(u.status());
        case LastLoginColumn:
            return u.lastLoginAt.isValid() ? display::dateTime(u.lastLoginAt) : tr("never");
        case OrganizationColumn:
            return organizationName(u.organizationId);
        }
        break;
    case Qt::ToolTipRole:
        if (m_pinned.id != 0 && u.id == m_pinned.id)
            return tr("Just created: listed although the search or filters would hide it");
        if (index.column() == StatusColumn && u.isBanned())
            return tr("Banned: %1").arg(u.banReason);
        break;
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn && u.status() != QLatin1String("active"))
            return display::warningBrush();
        break;
    case UserIdRole:
        return u.id;
    case VersionRole:
        return u.version;
    case StatusRole:
        return u.status();
    case LevelRole:
        return u.highestLevel;
    }
    return {};
}

QVariant UserListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case EmailColumn:
        return tr("Email");
    case NameColumn:
        return tr("Name");
    case UsernameColumn:
        return tr("Username");
    case RolesColumn:
        return tr("Roles");
    case StatusColumn:
        return tr("Status");
    case LastLoginColumn:
        return tr("Last sign-in");
    case OrganizationColumn:
        return tr("Organization");
    }
    return {};
}

void UserListModel::sort(int column, Qt::SortOrder order)
{
    static const QHash<int, QString> keys = { { EmailColumn, QStringLiteral("email") },
                                              { NameColumn, QStringLiteral("full_name") },
                                              { UsernameColumn, QStringLiteral("username") },
                                              { LastLoginColumn, QStringLiteral("last_login_at") } };
    // Sorting happens in the database (the model holds only the pages seen so far).
    if (!keys.contains(column))
        return;
    m_query.sortBy = keys.value(column);
    m_query.descending = order == Qt::DescendingOrder;
    reload();
}

int UserListModel::rowOf(Id userId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == userId)
            return i;
    }
    return -1;
}

void UserListModel::updateUser(const User& user)
{
    const int row = rowOf(user.id);
    if (row < 0)
        return;
    m_rows[row] = user;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void UserListModel::setOrganizationNames(const QHash<Id, QString>& names)
{
    m_organizationNames = names;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, OrganizationColumn), index(int(m_rows.size()) - 1, OrganizationColumn));
}

QString UserListModel::organizationName(Id organizationId) const
{
    if (organizationId == 0)
        return {};
    const QString name = m_organizationNames.value(organizationId);
    return name.isEmpty() ? QStringLiteral("#%1").arg(organizationId) : name;
}

void UserListModel::pinUser(const User& user)
{
    m_pinned = user;
}

void UserListModel::unpinUser(Id userId)
{
    if (m_pinned.id == userId)
        m_pinned = User();
}

void UserListModel::clearRows()
{
    m_rows.clear();
    m_nextPage = 1;
    m_listed = 0;
    // The pinned user comes first; the pages that follow skip it.
    if (m_pinned.id != 0)
        m_rows << m_pinned;
}

void UserListModel::requestNextPage(int generation)
{
    if (!m_backend) {
        failPage(generation, ServiceError::unavailable(tr("Not connected")));
        return;
    }
    UserQuery q = m_query;
    q.page = m_nextPage;
    whenReady(m_backend->listUsers(q), generation, [this, generation](const Page<User>& page) {
        QList<User> items = page.items;
        if (m_pinned.id != 0) {
            items.removeIf([this](const User& u) { return u.id == m_pinned.id; });
            // The pinned row is refreshed by the page when the page has it.
            for (const User& u : page.items) {
                if (u.id == m_pinned.id) {
                    m_pinned = u;
                    updateUser(u);
                }
            }
        }
        if (!items.isEmpty()) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + items.size() - 1));
            m_rows.append(items);
            endInsertRows();
        }
        ++m_nextPage;
        // A bounded total ("10,000+") says nothing about where the list ends: only a short page does.
        m_listed += page.items.size();
        const bool atEnd = page.items.size() < page.limit || (!page.totalIsLowerBound && m_listed >= page.total);
        finishPage(generation, atEnd, page.total, page.totalIsLowerBound);
    });
}

} // namespace portcullis
