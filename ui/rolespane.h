#pragma once

#include "listpane.h"

class QComboBox;
class QDialog;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace portcullis {

class RoleListModel;
class RoleDetailsPanel;

// Roles: built-in and custom, highest level first, with the details of the selected role (its
// effective permissions and grants) and the role editor.
class RolesPane : public ListPane
{
    Q_OBJECT

public:
    explicit RolesPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("roles"); }
    QString title() const override { return tr("Roles"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/roles.svg")); }

    void refresh() override;
    void applyRequest(const PaneRequest& request) override;
    void createNew() override;
    void deleteSelected() override;
    void copySelection() override;
    bool canCreate(QString* whyNot = nullptr) const override;
    bool canDelete(QString* whyNot = nullptr) const override;

    RoleListModel* model() const { return m_model; }
    // The selected role, if exactly one is selected.
    std::optional<Role> selectedRole() const;

    void editSelected();
    void duplicateSelected();
    // Permission codes…: the custom codes of the organization the tenant switcher names (else the
    // actor's own). Returns the dialog, shown and deleted on close.
    QDialog* openPermissionCodes();

protected:
    void organizationScopeChanged() override;
    void updateCount() override;
    void updateDetails() override;
    void showContextMenu(const QPoint& pos) override;

private:
    void buildFilters();
    void buildTable();
    void buildDetails();
    void buildActions();
    void connectSignals();
    void applyFilter();
    void loadEffectivePermissions(const Role& role);
    void loadHolders(const Role& role);
    void deleteRole(const Role& role, bool cascade);
    void offerCascade(const Role& role, const ServiceError& refusal);
    void afterWrite(const QString& message, Id selectId = 0);
    void selectRole(Id roleId);

    RoleListModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QComboBox* m_kindFilter = nullptr;
    RoleDetailsPanel* m_details = nullptr;
    Id m_pendingSelection = 0;
    Id m_effectiveFor = 0;
    Id m_holdersFor = 0;

    QAction* m_editAction = nullptr;
    QAction* m_duplicateAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_copyAction = nullptr;
    QAction* m_permissionCodesAction = nullptr;
};

} // namespace portcullis
