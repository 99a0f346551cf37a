#include "permissiontreemodel.h"

#include "policy/policy.h"

#include <QFont>

#include <algorithm>

namespace portcullis {

namespace {
const QString kOtherCategory = QStringLiteral("other");
} // namespace

PermissionTreeModel::PermissionTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
{ }

QString PermissionTreeModel::categoryTitle(const QString& category)
{
    if (category == QLatin1String("chat"))
        return tr("Chat");
    if (category == QLatin1String("builder"))
        return tr("Builder");
    if (category == QLatin1String("knowledge_base"))
        return tr("Knowledge base");
    if (category == QLatin1String("admin"))
        return tr("Administration");
    if (category == kOtherCategory)
        return tr("Other (wildcards and codes outside the catalog)");
    return category;
}

void PermissionTreeModel::setPermissions(const QList<Permission>& catalog)
{
    beginResetModel();
    m_catalog = catalog;
    rebuild();
    computeInherited();
    endResetModel();
}

void PermissionTreeModel::setCheckedPermissions(const QStringList& codes)
{
    beginResetModel();
    m_checked = QSet<QString>(codes.cbegin(), codes.cend());
    m_initial = m_checked;
    rebuild();
    computeInherited();
    endResetModel();
    emit checkedPermissionsChanged();
}

void PermissionTreeModel::setOrganization(Id organizationId, bool mayManage)
{
    beginResetModel();
    m_organization = organizationId;
    m_mayManageCustom = mayManage;
    // A custom code of another organization cannot be in this role (the core refuses it).
    for (const Permission& p : std::as_const(m_catalog)) {
        if (p.organizationId != 0 && p.organizationId != organizationId)
            m_checked.remove(p.code);
    }
    rebuild();
    computeInherited();
    endResetModel();
    emit checkedPermissionsChanged();
}

QString PermissionTreeModel::titleOf(const Category& category) const
{
    return category.custom ? tr("Own codes of %1").arg(category.key) : categoryTitle(category.key);
}

void PermissionTreeModel::rebuild()
{
    m_categories.clear();
    m_customCodes.clear();
    QSet<QString> known;
    for (const Permission& p : std::as_const(m_catalog)) {
        // Another organization's codes are not offered (a super admin's list holds every one).
        if (p.organizationId != 0 && p.organizationId != m_organization)
            continue;
        known.insert(p.code);
        if (p.organizationId != 0)
            m_customCodes.insert(p.code);
        auto it = std::find_if(m_categories.begin(), m_categories.end(), [&](const Category& c) {
            return c.key == p.category && c.custom == (p.organizationId != 0);
        });
        if (it == m_categories.end()) {
            m_categories.append(Category { p.category, {}, p.organizationId != 0 });
            it = std::prev(m_categories.end());
        }
        it->permissions.append(p);
    }
    QStringList extras;
    for (const QString& code : std::as_const(m_checked)) {
        if (!known.contains(code))
            extras << code;
    }
    if (!extras.isEmpty()) {
        extras.sort();
        Category other { kOtherCategory, {} };
        for (const QString& code : std::as_const(extras))
            other.permissions.append(Permission { code, kOtherCategory, tr("Not in the permission catalog") });
        m_categories.append(other);
    }
}

QStringList PermissionTreeModel::checkedPermissions() const
{
    QStringList codes(m_checked.cbegin(), m_checked.cend());
    codes.sort();
    return codes;
}

void PermissionTreeModel::setLevel(int level)
{
    m_level = level;
    computeInherited();
    emitAllChanged();
}

void PermissionTreeModel::computeInherited()
{
    m_inherited.clear();
    QList<Role> lower;
    for (const Role& role : policy::builtInRoles()) {
        if (role.level < m_level)
            lower.append(role);
    }
    // The lowest role that grants a permission is the one named as its source.
    std::sort(lower.begin(), lower.end(), [](const Role& a, const Role& b) { return a.level < b.level; });
    for (const Category& category : std::as_const(m_categories)) {
        for (const Permission& p : category.permissions) {
            for (const Role& role : std::as_const(lower)) {
                const bool grants = std::any_of(role.permissions.cbegin(), role.permissions.cend(),
                                                [&](const QString& g) { return policy::permissionMatches(g, p.code); });
                if (grants) {
                    m_inherited.insert(p.code, role.code);
                    break;
                }
            }
        }
    }
}

void PermissionTreeModel::setHeldPermissions(const QSet<QString>& held)
{
    m_held = held;
    m_restrictToHeld = true;
    emitAllChanged();
}

void PermissionTreeModel::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    emitAllChanged();
}

QString PermissionTreeModel::inheritedFrom(const QString& code) const
{
    return m_inherited.value(code);
}

QString PermissionTreeModel::coveredBy(const QString& code) const
{
    for (const QString& direct : m_checked) {
        if (direct != code && policy::permissionMatches(direct, code) && direct.endsWith(QLatin1Char('*')))
            return direct;
    }
    return {};
}

bool PermissionTreeModel::isEditable(const QString& code) const
{
    if (m_readOnly || m_inherited.contains(code) || !coveredBy(code).isEmpty())
        return false;
    // A permission the role already has may always be taken away; a new one must be held.
    if (m_restrictToHeld && !m_initial.contains(code) && !policy::hasPermission(m_held, code)
        && !(m_mayManageCustom && m_customCodes.contains(code)))
        return false;
    return true;
}

const Permission* PermissionTreeModel::permissionAt(const QModelIndex& index) const
{
    if (!index.isValid() || index.internalId() == 0)
        return nullptr;
    const int category = int(index.internalId()) - 1;
    if (category < 0 || category >= m_categories.size())
        return nullptr;
    const auto& permissions = m_categories.at(category).permissions;
    if (index.row() < 0 || index.row() >= permissions.size())
        return nullptr;
    return &permissions.at(index.row());
}

Qt::CheckState PermissionTreeModel::categoryState(int row) const
{
    const auto& permissions = m_categories.at(row).permissions;
    int on = 0;
    for (const Permission& p : permissions) {
        if (m_checked.contains(p.code) || m_inherited.contains(p.code) || !coveredBy(p.code).isEmpty())
            ++on;
    }
    if (on == 0)
        return Qt::Unchecked;
    return on == permissions.size() ? Qt::Checked : Qt::PartiallyChecked;
}

QModelIndex PermissionTreeModel::indexOf(const QString& code, int column) const
{
    for (int c = 0; c < m_categories.size(); ++c) {
        const auto& permissions = m_categories.at(c).permissions;
        for (int r = 0; r < permissions.size(); ++r) {
            if (permissions.at(r).code == code)
                return createIndex(r, column, quintptr(c + 1));
        }
    }
    return {};
}

QModelIndex PermissionTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < m_categories.size() ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (!isCategory(parent) || parent.column() != 0 || parent.row() >= m_categories.size())
        return {};
    if (row >= m_categories.at(parent.row()).permissions.size())
        return {};
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex PermissionTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(int(child.internalId()) - 1, 0, quintptr(0));
}

int PermissionTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return int(m_categories.size());
    if (isCategory(parent) && parent.column() == 0 && parent.row() < m_categories.size())
        return int(m_categories.at(parent.row()).permissions.size());
    return 0;
}

int PermissionTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant PermissionTreeModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    if (isCategory(index)) {
        if (index.row() >= m_categories.size())
            return {};
        const Category& category = m_categories.at(index.row());
        switch (role) {
        case Qt::DisplayRole:
            if (index.column() == CodeColumn)
                return titleOf(category);
            {
                int on = 0;
                for (const Permission& p : category.permissions) {
                    if (m_checked.contains(p.code) || m_inherited.contains(p.code) || !coveredBy(p.code).isEmpty())
                        ++on;
                }
                return tr("%1 of %2 granted").arg(on).arg(category.permissions.size());
            }
        case Qt::CheckStateRole:
            if (index.column() == CodeColumn)
                return categoryState(index.row());
            break;
        case Qt::FontRole:
            if (index.column() == CodeColumn) {
                QFont font;
                font.setBold(true);
                return font;
            }
            break;
        case Qt::ToolTipRole:
            return tr("Check or clear every permission of %1 you may change").arg(titleOf(category));
        case IsCategoryRole:
            return true;
        }
        return {};
    }
    const Permission* p = permissionAt(index);
    if (!p)
        return {};
    const QString inherited = m_inherited.value(p->code);
    const QString covered = coveredBy(p->code);
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == CodeColumn ? p->code : p->description;
    case Qt::CheckStateRole:
        if (index.column() == CodeColumn)
            return (m_checked.contains(p->code) || !inherited.isEmpty() || !covered.isEmpty()) ? Qt::Checked
                                                                                               : Qt::Unchecked;
        break;
    case Qt::FontRole:
        if (!inherited.isEmpty() || !covered.isEmpty()) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        break;
    case Qt::ToolTipRole:
        if (!inherited.isEmpty())
            return tr("inherited from %1").arg(inherited);
        if (!covered.isEmpty())
            return tr("included in %1").arg(covered);
        if (m_restrictToHeld && !m_readOnly && !m_initial.contains(p->code) && !policy::hasPermission(m_held, p->code))
            return tr("You do not hold %1, so you cannot give it to a role").arg(p->code);
        return p->description;
    case CodeRole:
        return p->code;
    case IsCategoryRole:
        return false;
    case InheritedFromRole:
        return inherited;
    case CoveredByRole:
        return covered;
    }
    return {};
}

bool PermissionTreeModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::CheckStateRole || !index.isValid() || index.column() != CodeColumn)
        return false;
    const bool on = value.toInt() != Qt::Unchecked;
    if (isCategory(index)) {
        const Category& category = m_categories.at(index.row());
        bool changed = false;
        for (const Permission& p : category.permissions) {
            if (!isEditable(p.code) || m_checked.contains(p.code) == on)
                continue;
            if (on)
                m_checked.insert(p.code);
            else
                m_checked.remove(p.code);
            changed = true;
        }
        if (!changed)
            return false;
        // A wildcard in the category may cover (or stop covering) any code: refresh everything.
        emitAllChanged();
        emit checkedPermissionsChanged();
        return true;
    }
    const Permission* p = permissionAt(index);
    if (!p || !isEditable(p->code) || m_checked.contains(p->code) == on)
        return false;
    if (on)
        m_checked.insert(p->code);
    else
        m_checked.remove(p->code);
    if (p->code.endsWith(QLatin1Char('*'))) {
        emitAllChanged();
    } else {
        emit dataChanged(index, index.siblingAtColumn(DescriptionColumn));
        const QModelIndex category = index.parent();
        emit dataChanged(category, category.siblingAtColumn(DescriptionColumn));
    }
    emit checkedPermissionsChanged();
    return true;
}

Qt::ItemFlags PermissionTreeModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    if (isCategory(index)) {
        if (index.row() >= m_categories.size())
            return Qt::NoItemFlags;
        const auto& permissions = m_categories.at(index.row()).permissions;
        const bool any = std::any_of(permissions.cbegin(), permissions.cend(),
                                     [this](const Permission& p) { return isEditable(p.code); });
        Qt::ItemFlags f = Qt::ItemIsSelectable | Qt::ItemIsEnabled;
        if (index.column() == CodeColumn && any)
            f |= Qt::ItemIsUserCheckable;
        return f;
    }
    const Permission* p = permissionAt(index);
    if (!p)
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
    if (index.column() == CodeColumn)
        f |= Qt::ItemIsUserCheckable;
    if (isEditable(p->code))
        f |= Qt::ItemIsEnabled;
    return f;
}

QVariant PermissionTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    return section == CodeColumn ? tr("Permission") : tr("Description");
}

void PermissionTreeModel::emitAllChanged()
{
    if (m_categories.isEmpty())
        return;
    emit dataChanged(index(0, 0), index(int(m_categories.size()) - 1, ColumnCount - 1));
    for (int c = 0; c < m_categories.size(); ++c) {
        const int rows = int(m_categories.at(c).permissions.size());
        if (rows > 0)
            emit dataChanged(createIndex(0, 0, quintptr(c + 1)),
                             createIndex(rows - 1, ColumnCount - 1, quintptr(c + 1)));
    }
}

} // namespace portcullis
