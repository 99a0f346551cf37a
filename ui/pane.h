#pragma once

// Base of the main window's panes. A pane owns its list, filters and side panel; the main window
// routes the standard actions (Find, New, Delete, Refresh, Copy) to the current pane and shows
// its status messages. Panes never block: every call to the backend is asynchronous.

#include "backend.h"

#include <QElapsedTimer>
#include <QIcon>
#include <QPointer>
#include <QWidget>

class QAbstractItemModel;
class QTableView;
class QTimer;

namespace portcullis {

// What another pane asks a pane to show when it opens it (a dashboard card, "Open this user" in
// the audit log): a search text and/or one record's id. Empty fields leave the pane's filter alone.
struct PaneRequest
{
    QString search {}; // put into the search field
    Id userId = 0; // the user the list is about (API keys, sessions, audit: filter to this user)
    Id organizationId = 0;
    QString status {}; // a pane-specific status filter ("banned", "active", "pending", ...)
    Id selectId = 0; // select this row once it is listed
};

class Pane : public QWidget
{
    Q_OBJECT

public:
    Pane(Backend* backend, QWidget* parent = nullptr);

    virtual QString paneName() const = 0; // for --pane: "users", "audit", ...
    virtual QString title() const = 0;
    virtual QIcon icon() const = 0;

    // Standard actions; the main window enables them from the can*() answers.
    virtual void refresh() = 0;
    virtual void find() { }
    virtual void createNew() { }
    virtual void deleteSelected() { }
    virtual void copySelection() { }
    virtual bool canCreate(QString* whyNot = nullptr) const;
    virtual bool canDelete(QString* whyNot = nullptr) const;
    // Shows what `request` names (see PaneRequest); the main window calls it after opening the pane.
    virtual void applyRequest(const PaneRequest& request) { Q_UNUSED(request); }

    // The tenant switcher's choice (0 = all tenants, for super admins).
    void setOrganizationScope(Id organizationId);
    Id organizationScope() const { return m_organizationScope; }

    // The deployment lacks what the whole pane is about (showUnavailable): why, in one sentence.
    bool unavailable() const { return !m_unavailableReason.isEmpty(); }
    QString unavailableReason() const { return m_unavailableReason; }

    // True once the pane shows its first data (or its empty state): --screenshot waits for it.
    bool isLoaded() const { return m_loaded; }

    // Fresh data. A write of this console (Backend::recordsChanged) that touches what the pane shows
    // (shownRecords()) makes a loaded pane stale: it loads again when it is shown next, or at once
    // if it is visible and does not load again by itself (ListPane: its table's model resets) within
    // a moment. A pane whose data is older than maxDataAge() loads again when it is shown, too.
    bool isStale() const { return m_stale; }
    int maxDataAge() const { return m_maxDataAgeMs; }
    void setMaxDataAge(int msec) { m_maxDataAgeMs = msec; }
    virtual Records shownRecords() const { return Record::All; }

signals:
    void loaded();
    void statusMessage(const QString& message);
    void actionsChanged(); // selection or permissions changed: re-evaluate can*()
    // Asks the main window to open the pane named `paneName` ("users", "audit", ...) with `request`.
    void openRequested(const QString& paneName, const portcullis::PaneRequest& request);

protected:
    virtual void organizationScopeChanged() { }
    void markLoaded();
    // The pane has just started to load its data again (a new filter, F5, its own reload after a
    // write): it is no longer stale.
    void noteReloading();
    void showEvent(QShowEvent* event) override;
    // The date format or time zone changed (Preferences): show every date again. By default the
    // pane's item views repaint (their models format at paint time); ListPane also shows the
    // details again.
    virtual void displayFormatChanged();
    // Shows a failed call as a message box with the core's message and field errors.
    void showError(const QString& what, const ServiceError& error);
    // The actor may do `permission`; otherwise `whyNot` says why (for disabled actions' tooltips).
    bool may(const QString& permission, QString* whyNot = nullptr) const;
    // The deployment can do `capability` (Backend::capabilities); otherwise `whyNot` gets the
    // backend's one-sentence reason ("This server keeps no audit log.").
    bool deploymentHas(Capability capability, QString* whyNot = nullptr) const;
    // For a pane whose whole content needs a capability the deployment lacks: `reason` (and `hint`
    // under it) in place of the pane's widgets (label "capabilityReasonLabel"), every action of the
    // pane disabled with the reason as its tooltip, and the pane counts as loaded. Its refresh() must
    // then load nothing (check unavailable()).
    void showUnavailable(const QString& reason, const QString& hint = {});
    // Disables `action` with the reason as its tooltip and status tip when the deployment lacks
    // `capability` (call after the other checks, which it overrides); returns whether it has it.
    bool requireCapability(QAction* action, Capability capability) const;
    Actor actor() const;
    // A list table as every pane has one: whole rows selected, read-only, context menu, alternating
    // rows, compact row height, no row numbers; the last column takes the remaining width.
    QTableView* createListTable(const QString& objectName, const QString& accessibleName, QAbstractItemModel* model,
                                int selectionMode);

    QPointer<Backend> m_backend;

private:
    void onRecordsChanged(Records records);
    void reloadIfStale();

    Id m_organizationScope = 0;
    QString m_unavailableReason;
    bool m_loaded = false;
    bool m_stale = false;
    QElapsedTimer m_dataAge; // since the data shown was requested
    int m_maxDataAgeMs = 60 * 1000; // shown again after this, the pane loads again
    QTimer* m_staleDelay = nullptr; // a visible stale pane's reload, unless it reloads by itself
};

// The list table of Pane::createListTable() for a table outside a pane (a details panel's list).
QTableView* listTable(QWidget* parent, const QString& objectName, const QString& accessibleName,
                      QAbstractItemModel* model, int selectionMode);

// Sets `action` enabled or disabled, with the reason as its tooltip when disabled.
void setActionAllowed(class QAction* action, bool allowed, const QString& whyNot, const QString& normalTip = {});

} // namespace portcullis
