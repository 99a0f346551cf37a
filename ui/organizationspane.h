#pragma once

#include "pane.h"

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
class OrganizationsPane : public Pane
{
    Q_OBJECT

public:
    explicit OrganizationsPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("organizations"); }
    QString title() const override { return tr("Organizations"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/organizations.svg")); }

    void refresh() override;
    void find() override;
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
    // Keeps the empty-state label over the table's viewport when it resizes.
    bool eventFilter(QObject* watched, QEvent* event) override;
    void organizationScopeChanged() override;

private:
    void applyFilter();
    void updateDetails();
    void updateInvitationActions();
    void updateCount();
    void showContextMenu(const QPoint& pos);
    void showInvitationMenu(const QPoint& pos);
    void selectOrganization(Id organizationId);
    void afterWrite(const QString& message, Id selectId);
    void openInvitationDialog(const Organization& organization);

    OrganizationListModel* m_model = nullptr;
    InvitationListModel* m_invitations = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_table = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_statusFilter = nullptr;
    QLabel* m_count = nullptr;
    QLabel* m_empty = nullptr;
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
