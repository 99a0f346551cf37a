#pragma once

#include "listpane.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QTableView;
class QTimer;
class QToolButton;

namespace portcullis {

class BulkActionDialog;
class MoveUserDialog;
class UserListModel;
class UserDetailsPanel;

class UsersPane : public ListPane
{
    Q_OBJECT

public:
    explicit UsersPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("users"); }
    QString title() const override { return tr("Users"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/users.svg")); }

    void refresh() override;
    void applyRequest(const PaneRequest& request) override;
    void createNew() override;
    void deleteSelected() override;
    void copySelection() override;
    bool canCreate(QString* whyNot = nullptr) const override;
    bool canDelete(QString* whyNot = nullptr) const override;

    UserListModel* model() const { return m_model; }
    QList<User> selectedUsers() const;

    // Actions on the selection (also reachable from the context menu and the details panel).
    void editSelected();
    void banSelected();
    void unbanSelected();
    void suspendSelected();
    void unsuspendSelected();
    void rolesOfSelected();
    void resetPasswordOfSelected();
    void setPasswordOfSelected();
    void revokeSessionsOfSelected();
    void impersonateSelected();
    // Super admins: the selected user to another organization (the dialog, opened; nullptr when the
    // action is not allowed on the selection).
    MoveUserDialog* moveSelected();
    QAction* moveAction() const { return m_moveAction; }
    void bulkRole(bool assign);
    // File > Export users…: the users the current search, status, role and tenant filter select,
    // to a CSV file, on a worker with a progress dialog and Cancel.
    void exportUsers();

signals:
    // "Show sessions" / "Show audit trail": the main window switches panes.
    void showSessionsRequested(portcullis::Id userId, const QString& email);
    void showAuditTrailRequested(portcullis::Id userId, const QString& email);

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
    void loadLookups();
    // Without a role catalog: the role filter offers the role names of the users listed, and takes
    // any name typed into it.
    void offerListedRoleNames();
    QString roleFilterCode() const;
    void showOrganizationColumn();
    QString organizationName(Id organizationId) const;
    BulkActionDialog* runBulk(const QString& title, const QString& verb, const QList<User>& users,
                              std::function<QFuture<Status>(Backend*, const User&)> operation);
    void afterWrite(const QString& message);

    UserListModel* m_model = nullptr;
    QComboBox* m_roleFilter = nullptr;
    QComboBox* m_statusFilter = nullptr;
    QTimer* m_searchDelay = nullptr;
    UserDetailsPanel* m_details = nullptr;
    QList<Role> m_roles;
    QList<Organization> m_organizations;
    bool m_reloadActivity = false;

    QAction* m_editAction = nullptr;
    QAction* m_banAction = nullptr;
    QAction* m_unbanAction = nullptr;
    QAction* m_suspendAction = nullptr;
    QAction* m_unsuspendAction = nullptr;
    QAction* m_rolesAction = nullptr;
    QAction* m_assignRoleAction = nullptr;
    QAction* m_removeRoleAction = nullptr;
    QAction* m_resetPasswordAction = nullptr;
    QAction* m_setPasswordAction = nullptr;
    QAction* m_revokeSessionsAction = nullptr;
    QAction* m_impersonateAction = nullptr;
    QAction* m_moveAction = nullptr;
    QAction* m_sessionsAction = nullptr;
    QAction* m_auditAction = nullptr;
    QAction* m_deleteAction = nullptr;
};

} // namespace portcullis
