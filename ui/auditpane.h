#pragma once

#include "listpane.h"

#include <functional>

class QBoxLayout;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTimer;
class QToolButton;

namespace portcullis {

class AuditLogModel;
class AuditDetailsPanel;

// What an admin typed into a "user" filter (shared by the Audit Log and Sessions panes): a number
// ("42" or "#42") is an id, text with an '@' an email, anything else part of a name.
namespace userfilter {
enum class Kind
{
    Empty,
    Id,
    Email,
    Name
};
Kind classify(const QString& text);
Id idOf(const QString& text); // 0 unless classify() says Id
// Finds the one user `text` (an email, or part of a name/username) designates through
// Backend::listUsers (one short page). Fails with a message for the filter bar when no user or
// several users match. `done` runs on `context`'s thread, and only while `context` lives.
void resolve(Backend* backend, QObject* context, const QString& text, Id organizationScope,
             std::function<void(const Result<User>&)> done);
} // namespace userfilter

// The audit log: filters (actor, action, resource, outcome, IP, date range) applied after a short
// pause, a lazily paged table, the selected event's details with its JSON and hashes, export of
// the whole filtered set with progress and cancel, and the hash-chain check.
class AuditPane : public ListPane
{
    Q_OBJECT

public:
    explicit AuditPane(Backend* backend, QWidget* parent = nullptr);

    // How often follow mode asks for new events while the pane is visible.
    static constexpr int FollowIntervalMs = 2000;

    QString paneName() const override { return QStringLiteral("audit"); }
    QString title() const override { return tr("Audit Log"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/audit.svg")); }

    void refresh() override;
    void copySelection() override;
    // "Open this user" elsewhere: request.userId (or request.search, an actor filter) shows that
    // user's events, other filters cleared.
    void applyRequest(const PaneRequest& request) override;

    AuditLogModel* model() const { return m_model; }
    // The filter the table shows (after a name in the actor filter was resolved to an email).
    AuditQuery currentQuery() const;

    // The Users pane's "Show audit trail": the events of this user only (other filters cleared).
    void showForUser(portcullis::Id userId, const QString& email);
    // The users pane's "Show all in the audit log": the events this user took part in, as actor or
    // as target (AuditQuery::involvesUserId; other filters cleared). The filter shows as a button
    // above the table ("auditInvolvesFilter") that clears it.
    void showInvolving(portcullis::Id userId, const QString& email);
    void clearFilters();
    void exportLog();
    void verifyIntegrity();

    // How old the list may be when the pane is shown again before it reloads (default 5 s).

    // The time range's presets, in the order of the range combo box.
    enum RangePreset
    {
        AnyTime,
        LastHour,
        Last24Hours,
        Last7Days,
        Last30Days,
        CustomRange
    };
    void setRangePreset(RangePreset preset);

protected:
    bool event(QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void organizationScopeChanged() override;
    void updateCount() override;
    void updateDetails() override;
    void showContextMenu(const QPoint& pos) override;

private:
    void buildWhoWhatFilters();
    void buildActionFilter();
    void buildWhereWhenFilters();
    void buildActions();
    void buildFilterByActions();
    void buildFilterRows();
    void buildTable();
    void buildDetails();
    void connectFilters();
    void connectModel();
    void scheduleFilter();
    void resetFilterWidgets(); // without applying
    void applyFilter();
    AuditQuery filterQuery() const; // everything but the actor and the time range
    // The time range into `query`; false, with `problem` saying why, when a typed date does not read.
    bool readRange(AuditQuery* query, QString* problem, QLineEdit** wrongField);
    void rangePresetChanged();
    void rangeEdited(); // typed into From or To: the range is a custom one
    void fitFilterLines();
    void openUser();
    void openOrganization();
    void load(const AuditQuery& query);
    void loadOrganizations();
    void fitColumns();
    void updateActions();
    bool hasFilters() const;
    QList<int> selectedRows() const;
    // Follow mode: new events appear at the top as they happen (the toggle, its timer, and what
    // stops it: scrolling away, an end date, a failure).
    void buildFollow();
    void stopFollowing(const QString& why);

    AuditLogModel* m_model = nullptr;
    QLineEdit* m_actorFilter = nullptr; // the search field (m_search)
    Id m_involvesUserId = 0; // showInvolving()'s filter, 0 = none
    QToolButton* m_involvesFilter = nullptr;
    QComboBox* m_actionFilter = nullptr;
    QComboBox* m_resourceTypeFilter = nullptr;
    QLineEdit* m_resourceIdFilter = nullptr;
    QComboBox* m_outcomeFilter = nullptr;
    QLineEdit* m_ipFilter = nullptr;
    QComboBox* m_rangePreset = nullptr;
    QLineEdit* m_fromEdit = nullptr; // empty: no lower bound
    QLineEdit* m_toEdit = nullptr; // empty: "now", an open end that moves
    QList<QBoxLayout*> m_filterLines; // two rows each, side by side when the pane is wide enough
    QTimer* m_filterDelay = nullptr;
    AuditDetailsPanel* m_details = nullptr;

    QAction* m_exportAction = nullptr;
    QAction* m_verifyAction = nullptr;
    QAction* m_clearFiltersAction = nullptr;
    QAction* m_copyAction = nullptr;
    QAction* m_filterByActorAction = nullptr;
    QAction* m_filterByActionAction = nullptr;
    QAction* m_filterByResourceAction = nullptr;
    QAction* m_filterByIpAction = nullptr;
    QAction* m_openUserAction = nullptr;
    QAction* m_openOrganizationAction = nullptr;
    QAction* m_followAction = nullptr;
    QTimer* m_followTimer = nullptr;

    int m_filterGeneration = 0; // drops actor lookups that finish after the filter changed again
    bool m_exporting = false;
    bool m_verifying = false;
    bool m_columnsFitted = false;
    bool m_namesFitted = false;
    bool m_suppressFilter = false; // set while filters are changed programmatically
    bool m_namesLoaded = false; // the organization names arrived (or could not be read)
    Id m_reselectId = 0; // the event selected before a reload, selected again if it is listed
    bool m_namesLoading = false;
    bool m_hasPendingQuery = false; // a load waits for the names (the first one)
    AuditQuery m_pendingQuery;
};

} // namespace portcullis
