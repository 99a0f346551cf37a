#pragma once

#include "listpane.h"

class QLabel;
class QLineEdit;
class QTableView;
class QTimer;

namespace portcullis {

class ApiKeyListModel;
class ApiKeyDetailsPanel;

// API keys: the list (prefix only, never a secret), filtered by owner; create (the secret shown
// once) and revoke.
class ApiKeysPane : public ListPane
{
    Q_OBJECT

public:
    explicit ApiKeysPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("api-keys"); }
    QString title() const override { return tr("API Keys"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/api-keys.svg")); }

    void refresh() override;
    void createNew() override;
    void deleteSelected() override;
    void copySelection() override;
    bool canCreate(QString* whyNot = nullptr) const override;
    bool canDelete(QString* whyNot = nullptr) const override;

    ApiKeyListModel* model() const { return m_model; }
    std::optional<ApiKey> selectedKey() const;
    // Shows the keys of the user with this email (empty: everyone's).
    void filterByOwner(const QString& email);

protected:
    void updateCount() override;
    void updateDetails() override;
    void showContextMenu(const QPoint& pos) override;

private:
    void buildFilters();
    void buildTable();
    void buildDetails();
    void buildActions();
    void connectSignals();
    void resolveOwnerFilter();

    ApiKeyListModel* m_model = nullptr;
    QLineEdit* m_ownerFilter = nullptr; // the search field (m_search)
    QLabel* m_ownerFilterStatus = nullptr;
    QTimer* m_filterDelay = nullptr;
    ApiKeyDetailsPanel* m_details = nullptr;
    int m_filterGeneration = 0;
    QString m_ownerEmail; // the resolved owner filter, for the empty state

    QAction* m_revokeAction = nullptr;
    QAction* m_copyPrefixAction = nullptr;
    QAction* m_ownerKeysAction = nullptr;
};

} // namespace portcullis
