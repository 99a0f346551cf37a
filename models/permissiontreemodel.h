#pragma once

// The permission catalog as a tree for the role editor: categories (chat, builder, knowledge base,
// admin) with their permissions underneath. A permission is checked when the role holds it
// directly, when a lower built-in role hands it down (inherited: checked, disabled, in italics,
// "inherited from viewer") or when a wildcard the role holds covers it. Categories are tri-state
// and check or clear all of their editable permissions at once. Pure data, no backend calls: the
// editor loads the catalog and hands it over.

#include "domain/types.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QSet>

namespace portcullis {

class PermissionTreeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column
    {
        CodeColumn,
        DescriptionColumn,
        ColumnCount
    };
    enum DataRole
    {
        CodeRole = Qt::UserRole + 1,
        IsCategoryRole,
        InheritedFromRole,
        CoveredByRole
    };

    explicit PermissionTreeModel(QObject* parent = nullptr);

    // The catalog (Backend::listPermissions or policy::permissionCatalog()); resets the model.
    void setPermissions(const QList<Permission>& catalog);
    // The role's direct permissions. Codes the catalog does not list (wildcards such as "kb:*")
    // appear in an extra "Other" category so they can be seen and cleared.
    void setCheckedPermissions(const QStringList& codes);
    // The direct permissions as checked now (inherited ones excluded), sorted.
    QStringList checkedPermissions() const;
    // The role's level: permissions of the built-in roles strictly below it are inherited.
    void setLevel(int level);
    int level() const { return m_level; }
    // What the editing admin holds: permissions outside it cannot be newly checked (the core refuses
    // to let anyone hand out a permission they lack). Without a call every permission is offered.
    void setHeldPermissions(const QSet<QString>& held);
    // The organization of the role (0: global). Only its custom codes (Permission::organizationId)
    // are offered, in a category of their own; checked custom codes of another organization are
    // dropped. `mayManage`: the editing admin may put them in without holding them
    // (policy::canManageCustomCodes).
    void setOrganization(Id organizationId, bool mayManage);
    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }

    // The lowest built-in role below the current level that grants `code` (empty if none).
    QString inheritedFrom(const QString& code) const;
    // The direct wildcard that covers `code` (empty if none).
    QString coveredBy(const QString& code) const;
    QModelIndex indexOf(const QString& code, int column = CodeColumn) const;
    static QString categoryTitle(const QString& category);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    void checkedPermissionsChanged();

private:
    struct Category
    {
        QString key;
        QList<Permission> permissions;
        bool custom = false; // an organization's own codes (the key is its slug)
    };
    QString titleOf(const Category& category) const;

    bool isCategory(const QModelIndex& index) const { return index.isValid() && index.internalId() == 0; }
    const Permission* permissionAt(const QModelIndex& index) const;
    bool isEditable(const QString& code) const;
    Qt::CheckState categoryState(int row) const;
    void rebuild();
    void computeInherited();
    void emitAllChanged();

    QList<Permission> m_catalog;
    QList<Category> m_categories;
    QSet<QString> m_checked;
    QSet<QString> m_initial; // direct permissions as loaded: kept editable even if not held
    QHash<QString, QString> m_inherited; // code -> built-in role code
    QSet<QString> m_held;
    bool m_restrictToHeld = false;
    Id m_organization = 0;
    bool m_mayManageCustom = false;
    QSet<QString> m_customCodes; // the custom codes offered (of m_organization)
    bool m_readOnly = false;
    int m_level = 0;
};

} // namespace portcullis
