#pragma once

#include "listpane.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace portcullis {

class InvitationListModel;
class OrganizationListModel;
class OrganizationDetailsPanel;

// Organizations (tenants): plan, user limit and features; suspend, reactivate and wipe out (super
// admins); invitations into the selected organization. Non-super admins see only their own.
class OrganizationsPane : public ListPane
{
    Q_OBJECT

public:
    explicit OrganizationsPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("organizations"); }
    QString title() const override { return tr("Organizations"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/organizations.svg")); }

    void refresh() override;
    void applyRequest(const PaneRequest& request) override;
    void createNew() override;
    // Wipe out (with the typed confirmation).
    void deleteSelected() override;
    void copySelection() override;
    bool canCreate(QString* whyNot = nullptr) const override;
    bool canDelete(QString* whyNot = nullptr) const override;

    OrganizationListModel* model() const { return m_model; }
    InvitationListModel* invitationModel() const { return m_invitations; }
    std::optional<Organization> selectedOrganization() const;
    std::optional<Invitation> selectedInvitation() const;

    void editSelected();
    void suspendSelected();
    void reactivateSelected();
    void inviteIntoSelected();
    void revokeSelectedInvitation();

protected:
    void organizationScopeChanged() override;
    void showScopeNote();
    void updateCount() override;
    void updateDetails() override;
    void showContextMenu(const QPoint& pos) override;

private:
    void buildFilters();
    void buildTable();
    void buildDetails();
    void buildActions();
    void connectSignals();
    void connectInvitations();
    void applyFilter();
    void updateInvitationActions();
    void showInvitationMenu(const QPoint& pos);
    void selectOrganization(Id organizationId);
    void afterWrite(const QString& message, Id selectId);
    void openInvitationDialog(const Organization& organization);

    OrganizationListModel* m_model = nullptr;
    InvitationListModel* m_invitations = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QComboBox* m_statusFilter = nullptr;
    OrganizationDetailsPanel* m_details = nullptr;
    QList<Role> m_roles;
    Id m_pendingSelection = 0;

    QAction* m_editAction = nullptr;
    QAction* m_suspendAction = nullptr;
    QAction* m_reactivateAction = nullptr;
    QAction* m_wipeOutAction = nullptr;
    QAction* m_inviteAction = nullptr;
    QAction* m_revokeInvitationAction = nullptr;
    QAction* m_copyAction = nullptr;
};

} // namespace portcullis
