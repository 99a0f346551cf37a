#pragma once

// Base of the six list panes (users, organizations, roles, API keys, sessions, audit log): a row
// of filters with a search field and the result count, the list table with its empty-state text
// laid over it, the details panel beside or below the table, the context menu and the pane's
// shortcuts. A pane builds these from its constructor with the create*() helpers below, in the
// order its Tab chain follows (widgets join the focus chain in the order they are made), and
// says what is particular to it: its filters, columns, details and actions.
//
// Every text comes translated from the pane (the helpers take QStrings, never call tr()), so each
// message keeps its pane's translation context.

#include "pane.h"

#include <QAction>
#include <QHash>
#include <QList>
#include <QTableView>
#include <QTimer>

class QComboBox;
class QHBoxLayout;
class QLabel;
class QLayout;
class QLineEdit;
class QSplitter;

namespace portcullis {

// Where the details panel goes: beside the table (the default) or below it.
struct DetailsPlacement
{
    Qt::Orientation orientation = Qt::Horizontal;
    int tableStretch = 3;
    int detailsStretch = 1;
    QList<int> sizes {};
    QString splitterName {}; // objectName of the splitter, if tests look for it
    QString scrollName {}; // objectName of the details panel's scroll area
};

class ListPane : public Pane
{
    Q_OBJECT

public:
    using Pane::Pane;

    // Ctrl+F: into the search field, its text selected.
    void find() override;

    // The ids (the table's record id role, see keepSelectionById) of the selected rows, in row order.
    QList<Id> selectedIds() const;
    // Selects the row of record `id` alone, now if it is listed, or once it is (after a reload or
    // the next page): a record just created or named by a PaneRequest.
    void selectId(Id id);

protected:
    // What every list pane has: the count and empty state after a load, the details of the
    // selection, and the table's context menu at `pos` (viewport coordinates).
    virtual void updateCount() = 0;
    virtual void updateDetails() = 0;
    virtual void showContextMenu(const QPoint& pos) = 0;

    // Repaints the table and shows the details again in the new date format.
    void displayFormatChanged() override;

    // Keeps the empty-state text over the table's viewport when the viewport resizes.
    bool eventFilter(QObject* watched, QEvent* event) override;

    // The search field (m_search): clear button, and what Ctrl+F focuses.
    QLineEdit* createSearch(const QString& objectName, const QString& accessibleName, const QString& placeholder);
    // A drop-down filter with `items` (each with its index as the filter value).
    QComboBox* createFilterCombo(const QString& objectName, const QString& accessibleName,
                                 const QStringList& items = {});
    // The result count (m_count) at the end of the filter row.
    QLabel* createCount(const QString& objectName);
    // The hidden line under the filters that says why a filter did not apply (m_filterMessage).
    QLabel* createFilterMessage(const QString& objectName);
    // The filter row most panes have: the search field, its drop-downs, the count.
    QLayout* addSearchRow(const QList<QWidget*>& filters);
    // A row of filters above the table, in the order added.
    void addFilterRow(QLayout* row);
    // The list table (see Pane::createListTable) as m_table, with the empty-state label m_empty
    // over its viewport.
    QTableView* createTable(const QString& objectName, const QString& accessibleName, QAbstractItemModel* model,
                            int selectionMode, const QString& emptyObjectName);
    // Lays the pane out: the filter rows, the filter message (if any), and the table with
    // `details` in a scroll area beside or below it.
    QSplitter* layOut(QWidget* details, const DetailsPlacement& placement);
    // The table's context menu requests go to showContextMenu(), its selection changes to
    // updateDetails().
    void connectTable();
    // Keeps the selection by record id (the table model's `idRole`) across reloads: when the model
    // resets (a search, the tenant switcher, F5, a write), the rows listed again with the same ids
    // are selected again and the rest drop out, so the details panel and "N selected" describe
    // only rows that are shown. Call after createTable().
    void keepSelectionById(int idRole);
    // The selection as the table's model has it, for "N selected" (never more than the rows listed).
    int selectedCount() const;
    // "%1 in Contoso" when the tenant switcher names one tenant, else `text` as it is. The tenants'
    // names load asynchronously (loadTenantNames(), from refresh and a scope change), then
    // updateCount() runs again.
    QString inTenant(const QString& text) const;
    // The name of the tenant the switcher picked (empty for all tenants or while unknown).
    QString tenantName() const;
    void loadTenantNames();
    // The same, and a double click on a row runs `activated` (Edit).
    template <typename Derived> void connectTable(void (Derived::*activated)())
    {
        connectTable();
        connect(m_table, &QAbstractItemView::doubleClicked, static_cast<Derived*>(this), activated);
    }
    // A failed load ends the loading state: the count and empty state show the error, the pane
    // counts as loaded, and the status bar says `failedFormat` with the error's message as %1.
    template <typename Model, typename Signal>
    void reportLoadFailures(Model* model, Signal failed, QString failedFormat)
    {
        connect(model, failed, this, [this, failedFormat](const ServiceError& error) {
            updateCount();
            markLoaded();
            emit statusMessage(failedFormat.arg(error.message));
        });
    }

    // A single-shot timer that runs `slot` `msec` after it was last started (typing into a filter).
    template <typename Slot> QTimer* createDelay(int msec, Slot slot)
    {
        auto* timer = new QTimer(this);
        timer->setSingleShot(true);
        timer->setInterval(msec);
        connect(timer, &QTimer::timeout, receiverFor(slot), slot);
        return timer;
    }
    // An action of the pane named `objectName` that runs `slot`.
    template <typename Slot> QAction* createAction(const QString& text, const char* objectName, Slot slot)
    {
        auto* action = new QAction(text, this);
        action->setObjectName(QString::fromLatin1(objectName));
        connect(action, &QAction::triggered, receiverFor(slot), slot);
        return action;
    }
    // `key` triggers `action` while the table has the focus (Enter to edit, Delete, Ctrl+C).
    void bindToTable(QAction* action, const QKeySequence& key);
    // `key` triggers `action` anywhere in the pane.
    void bindToPane(QAction* action, const QKeySequence& key);
    // Pops up a menu of `actions` (nullptr: a separator) at `pos` in `view`'s viewport. Not exec():
    // no nested event loop; the menu deletes itself when it closes.
    void popupMenu(QAbstractItemView* view, const QList<QAction*>& actions, const QPoint& pos);
    // Says under the filters why a filter did not apply (empty: hides the line); a `problem` shows
    // in the warning colour, and so does the search field's frame.
    void showFilterMessage(const QString& message, bool problem);
    // Shows or hides the empty-state text (set its text first).
    void showEmptyState(bool empty);

    QLineEdit* m_search = nullptr;
    QLabel* m_count = nullptr;
    QLabel* m_filterMessage = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_empty = nullptr;

private:
    // The pane itself as the receiver of `slot`: as the subclass a member function belongs to.
    template <typename Class> Class* receiverFor(void (Class::*)()) { return static_cast<Class*>(this); }
    template <typename Functor> ListPane* receiverFor(const Functor&) { return this; }

    void placeEmptyState();
    void rememberSelection();
    void restoreSelection(int first, int last, bool finalAttempt);

    QList<QLayout*> m_filterRows;
    int m_idRole = -1;
    QList<Id> m_keptIds; // to select again once the rows are listed
    bool m_restoring = false;
    bool m_awaitingFirstPage = false;
    QHash<Id, QString> m_tenantNames;
    bool m_tenantNamesLoaded = false;
    bool m_tenantNamesLoading = false;
};

} // namespace portcullis
