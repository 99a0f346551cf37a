#pragma once

#include "listpane.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTimer;

namespace portcullis {

class SessionListModel;
class SessionDetailsPanel;

// Sessions of the actor's scope, or of one user: a lazily paged table with the total, the selected
// session's details (impersonations named as such), and revoking one session or all of a user's.
class SessionsPane : public ListPane
{
    Q_OBJECT

public:
    explicit SessionsPane(Backend* backend, QWidget* parent = nullptr);

    QString paneName() const override { return QStringLiteral("sessions"); }
    QString title() const override { return tr("Sessions"); }
    QIcon icon() const override { return QIcon(QStringLiteral(":/icons/sessions.svg")); }

    void refresh() override;
    void applyRequest(const PaneRequest& request) override;
    void deleteSelected() override; // revokes the selected sessions
    void copySelection() override;
    bool canDelete(QString* whyNot = nullptr) const override;
    // Bans, suspensions and deletions of users end sessions too.
    Records shownRecords() const override { return Record::Sessions | Record::Users | Record::Organizations; }

    SessionListModel* model() const { return m_model; }
    QList<Session> selectedSessions() const;

    // The Users pane's "Show sessions": this user's sessions only.
    void showForUser(portcullis::Id userId, const QString& email);
    void revokeSelected();
    void revokeAllOfUser();

protected:
    void organizationScopeChanged() override;
    void displayFormatChanged() override;
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
    void load(Id userId);
    void fitColumns();

    SessionListModel* m_model = nullptr;
    QLineEdit* m_userFilter = nullptr; // the search field (m_search)
    QCheckBox* m_includeEnded = nullptr;
    QTimer* m_filterDelay = nullptr;
    SessionDetailsPanel* m_details = nullptr;

    QAction* m_revokeAction = nullptr;
    QAction* m_revokeAllAction = nullptr;
    QAction* m_copyAction = nullptr;

    // The user the filter names, once known (from showForUser() or a lookup): no second lookup.
    Id m_knownUserId = 0;
    QString m_knownUserEmail;
    bool m_listUnavailable = false; // everyone's sessions asked for where the deployment cannot list them
    int m_filterGeneration = 0;
    bool m_columnsFitted = false; // since the last reset: the first page sizes the columns
    int m_revoking = 0; // revocations still running
};

} // namespace portcullis
