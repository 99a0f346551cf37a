#include "rolelistmodel.h"

#include <algorithm>

namespace portcullis {

RoleListModel::RoleListModel(Backend* backend, QObject* parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{ }

int RoleListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RoleListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RoleListModel::scopeName(Id organizationId) const
{
    if (organizationId == 0)
        return tr("Global");
    const QString name = m_organizationNames.value(organizationId);
    return name.isEmpty() ? tr("Organization #%1").arg(organizationId) : name;
}

QVariant RoleListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const portcullis::Role& r = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case CodeColumn:
            return r.code;
        case NameColumn:
            return r.name;
        case LevelColumn:
            return r.level;
        case KindColumn:
            return r.builtIn ? tr("Built-in") : tr("Custom");
        case ScopeColumn:
            return scopeName(r.organizationId);
        case PermissionsColumn:
            return int(r.permissions.size());
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == LevelColumn || index.column() == PermissionsColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::ToolTipRole:
        if (index.column() == PermissionsColumn)
            return tr("%n direct permission(s); the effective set adds those of the lower built-in roles", nullptr,
                      int(r.permissions.size()));
        if (index.column() == KindColumn && r.builtIn)
            return tr("Built-in roles come with the system and cannot be changed");
        return r.description.isEmpty() ? QVariant() : QVariant(r.description);
    case SortRole:
        switch (index.column()) {
        case LevelColumn:
            return r.level;
        case PermissionsColumn:
            return int(r.permissions.size());
        default:
            return data(index, Qt::DisplayRole).toString().toLower();
        }
    case RoleIdRole:
        return r.id;
    case BuiltInRole:
        return r.builtIn;
    case OrganizationIdRole:
        return r.organizationId;
    case LevelRole:
        return r.level;
    case CodeRole:
        return r.code;
    }
    return {};
}

QVariant RoleListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case CodeColumn:
        return tr("Code");
    case NameColumn:
        return tr("Name");
    case LevelColumn:
        return tr("Level");
    case KindColumn:
        return tr("Type");
    case ScopeColumn:
        return tr("Scope");
    case PermissionsColumn:
        return tr("Permissions");
    }
    return {};
}

int RoleListModel::rowOf(Id roleId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == roleId)
            return i;
    }
    return -1;
}

void RoleListModel::reload()
{
    // Answers are applied on a later turn of the event loop (as LazyTableModel does): a future that
    // has already finished would otherwise reset the model inside the caller's slot.
    const int generation = ++m_generation;
    if (!m_backend) {
        m_lastError = tr("Not connected");
        emit loadFailed(ServiceError::unavailable(m_lastError));
        return;
    }
    m_loading = true;
    whenDone(m_backend->listRoles(), this, [this, generation](const Result<QList<portcullis::Role>>& result) {
        if (generation != m_generation)
            return;
        m_loading = false;
        m_loadedOnce = true;
        if (!result.ok()) {
            m_lastError = result.error().message;
            beginResetModel();
            m_rows.clear();
            endResetModel();
            emit loadFailed(result.error());
            return;
        }
        m_lastError.clear();
        QList<portcullis::Role> rows = result.value();
        std::stable_sort(rows.begin(), rows.end(), [](const portcullis::Role& a, const portcullis::Role& b) {
            return a.level != b.level ? a.level > b.level : a.code < b.code;
        });
        beginResetModel();
        m_rows = rows;
        endResetModel();
        emit loaded();
    });
    // The scope column names organizations; without the permission to list them it shows ids.
    whenDone(m_backend->listOrganizations(), this, [this, generation](const Result<QList<Organization>>& result) {
        if (generation != m_generation || !result.ok())
            return;
        m_organizationNames.clear();
        for (const Organization& o : result.value())
            m_organizationNames.insert(o.id, o.name);
        if (!m_rows.isEmpty())
            emit dataChanged(index(0, ScopeColumn), index(int(m_rows.size()) - 1, ScopeColumn));
    });
}

} // namespace portcullis
