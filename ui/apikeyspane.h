#pragma once

#include "listpane.h"

class QComboBox;
class QDialog;
class QLabel;
class QLineEdit;
class QTableView;
class QTimer;
class QToolButton;

namespace portcullis {

class ApiKeyListModel;
class ApiKeyDetailsPanel;

// API keys: the list (prefix only, never a secret), filtered by owner; create (the secret shown
// once), edit, rotate (the new secret shown once) and revoke.
class ApiKeysPane : public ListPane
{
    Q_OBJECT

public:
    explicit ApiKeysPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("api-keys"); }
    QString title() const override { return tr("API Keys"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/api-keys.svg")); }

    // A search of fewer characters is not sent (it would match nearly every key).
    static constexpr int MinimumSearch = 2;

    void refresh() override;
    void applyRequest(const PaneRequest& request) override;
    void createNew() override;
    void deleteSelected() override;
    void copySelection() override;
    bool canCreate(QString* whyNot = nullptr) const override;
    bool canDelete(QString* whyNot = nullptr) const override;

    ApiKeyListModel* model() const { return m_model; }
    std::optional<ApiKey> selectedKey() const;
    // Shows the keys of this user only (0: everyone's); `email` names them in the filter line.
    void setOwnerFilter(Id userId, const QString& email);
    Id ownerFilter() const { return m_ownerId; }
    // Edit… and Rotate… on the selected key (or the first listed); the dialog opened, or null.
    QDialog* editSelected();
    QDialog* rotateSelected();
    // Keeps the selection when it is a key that is not revoked, else selects the first listed one
    // that is not (the dialogs opened by name, MainWindow::registerDialog); false when none is.
    bool selectChangeableKey();

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
    void showOwnerFilter();
    void openCreateDialog(const QString& ownerEmail);

    ApiKeyListModel* m_model = nullptr;
    QComboBox* m_statusFilter = nullptr;
    QLabel* m_ownerFilterStatus = nullptr;
    QToolButton* m_clearOwner = nullptr;
    QTimer* m_filterDelay = nullptr;
    ApiKeyDetailsPanel* m_details = nullptr;
    Id m_ownerId = 0; // the owner filter (0: every owner)
    QString m_ownerEmail; // the owner filter's email, for the filter line, the empty state, New API key
    bool m_forceReload = false;

    QAction* m_editAction = nullptr;
    QAction* m_rotateAction = nullptr;
    QAction* m_revokeAction = nullptr;
    QAction* m_copyPrefixAction = nullptr;
    QAction* m_ownerKeysAction = nullptr;
};

} // namespace portcullis
