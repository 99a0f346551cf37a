#include "listpane.h"

#include "displayformat.h"
#include "flowlayout.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QScrollArea>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace portcullis {

namespace {
// The details panel's scroll area: it scrolls down, never sideways. As narrow as the panel can be
// (plus the vertical scroll bar), so that the splitter gives the list the room the panel does not
// need instead of cutting the panel's values and buttons off at the right edge.
class DetailsScrollArea : public QScrollArea
{
public:
    using QScrollArea::QScrollArea;

    QSize minimumSizeHint() const override
    {
        QSize size = QScrollArea::minimumSizeHint();
        if (const QWidget* panel = widget()) {
            const int frame = 2 * frameWidth();
            const int panelWidth = std::max(panel->minimumSizeHint().width(), panel->minimumWidth());
            size.setWidth(std::max(size.width(), panelWidth + verticalScrollBar()->sizeHint().width() + frame));
        }
        return size;
    }
};
} // namespace

void ListPane::find()
{
    if (!m_search)
        return;
    m_search->setFocus();
    m_search->selectAll();
}

void ListPane::displayFormatChanged()
{
    Pane::displayFormatChanged();
    updateDetails();
}

bool ListPane::eventFilter(QObject* watched, QEvent* event)
{
    if (m_empty && watched == m_table->viewport() && event->type() == QEvent::Resize && !m_empty->isHidden())
        placeEmptyState();
    return Pane::eventFilter(watched, event);
}

QLineEdit* ListPane::createSearch(const QString& objectName, const QString& accessibleName, const QString& placeholder)
{
    m_search = new QLineEdit(this);
    m_search->setObjectName(objectName);
    m_search->setAccessibleName(accessibleName);
    m_search->setPlaceholderText(placeholder);
    m_search->setClearButtonEnabled(true);
    // Wide enough for the whole hint and the clear button: the filter rows wrap instead
    // (FlowLayout), so a long hint in a narrow window moves the other filters to a line below.
    const int em = m_search->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    m_search->setMinimumWidth(m_search->fontMetrics().horizontalAdvance(placeholder) + 3 * em);
    return m_search;
}

QComboBox* ListPane::createFilterCombo(const QString& objectName, const QString& accessibleName,
                                       const QStringList& items)
{
    auto* combo = new QComboBox(this);
    combo->setObjectName(objectName);
    combo->setAccessibleName(accessibleName);
    combo->addItems(items);
    return combo;
}

QLabel* ListPane::createCount(const QString& objectName)
{
    m_count = new QLabel(this);
    m_count->setObjectName(objectName);
    // Wraps rather than widening the window: a long count ("200+ events (scroll for more)" in
    // German, while the total is counted) once held the window wider than 800 px.
    m_count->setWordWrap(true);
    m_count->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return m_count;
}

QLabel* ListPane::createFilterMessage(const QString& objectName)
{
    m_filterMessage = new QLabel(this);
    m_filterMessage->setObjectName(objectName);
    m_filterMessage->setWordWrap(true);
    m_filterMessage->hide();
    return m_filterMessage;
}

QLayout* ListPane::addSearchRow(const QList<QWidget*>& filters)
{
    auto* row = new FlowLayout;
    row->addWidget(m_search, 3);
    for (QWidget* filter : filters)
        row->addWidget(filter, 1);
    // The count keeps to the right end of its line.
    auto* count = new QHBoxLayout;
    count->addStretch(1);
    count->addWidget(m_count);
    row->addLayout(count, 1);
    addFilterRow(row);
    return row;
}

void ListPane::addFilterRow(QLayout* row)
{
    m_filterRows << row;
}

QTableView* ListPane::createTable(const QString& objectName, const QString& accessibleName, QAbstractItemModel* model,
                                  int selectionMode, const QString& emptyObjectName)
{
    m_table = createListTable(objectName, accessibleName, model, selectionMode);
    // The list loads again (a filter, F5, the pane's own reload after a write): it is current.
    connect(model, &QAbstractItemModel::modelReset, this, &ListPane::noteReloading);
    m_empty = new QLabel(m_table->viewport());
    m_empty->setObjectName(emptyObjectName);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->hide();
    m_table->viewport()->installEventFilter(this);
    return m_table;
}

QSplitter* ListPane::layOut(QWidget* details, const DetailsPlacement& placement)
{
    auto* scroll = new DetailsScrollArea(this);
    if (!placement.scrollName.isEmpty())
        scroll->setObjectName(placement.scrollName);
    scroll->setWidget(details);
    scroll->setWidgetResizable(true);
    scroll->setFocusPolicy(Qt::NoFocus); // the panel's own controls take the focus, not its frame
    scroll->setFrameShape(QFrame::NoFrame);

    auto* splitter = new QSplitter(placement.orientation, this);
    if (!placement.splitterName.isEmpty())
        splitter->setObjectName(placement.splitterName);
    splitter->addWidget(m_table);
    splitter->addWidget(scroll);
    splitter->setStretchFactor(0, placement.tableStretch);
    splitter->setStretchFactor(1, placement.detailsStretch);
    // Below the table, the details may shrink away but the table may not.
    if (placement.orientation == Qt::Vertical)
        splitter->setCollapsible(0, false);
    splitter->setSizes(placement.sizes);

    auto* layout = new QVBoxLayout(this);
    for (QLayout* row : std::as_const(m_filterRows))
        layout->addLayout(row);
    if (m_filterMessage)
        layout->addWidget(m_filterMessage);
    layout->addWidget(splitter, 1);
    return splitter;
}

void ListPane::connectTable()
{
    connect(m_table, &QWidget::customContextMenuRequested, this, &ListPane::showContextMenu);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ListPane::updateDetails);
}

void ListPane::keepSelectionById(int idRole)
{
    m_idRole = idRole;
    QAbstractItemModel* model = m_table->model();
    connect(model, &QAbstractItemModel::modelAboutToBeReset, this, &ListPane::rememberSelection);
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        QAbstractItemModel* listed = m_table->model();
        // A model that lists everything at once (roles, organizations) has its rows now; a paged
        // one gets them with its first page (rowsInserted below).
        m_awaitingFirstPage = listed->canFetchMore({});
        if (const int rows = listed->rowCount(); rows > 0)
            restoreSelection(0, rows - 1, !m_awaitingFirstPage);
    });
    connect(model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex& parent, int first, int last) {
        if (parent.isValid())
            return;
        const bool firstPage = m_awaitingFirstPage;
        m_awaitingFirstPage = false;
        restoreSelection(first, last, firstPage);
    });
    // A selection the user makes replaces any that was waiting for its rows.
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (!m_restoring && m_table->selectionModel()->hasSelection())
            m_keptIds.clear();
    });
}

QList<Id> ListPane::selectedIds() const
{
    QList<Id> ids;
    if (!m_table || m_idRole < 0)
        return ids;
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    for (const QModelIndex& index : std::as_const(rows))
        ids << index.data(m_idRole).toLongLong();
    return ids;
}

int ListPane::selectedCount() const
{
    return m_table ? int(m_table->selectionModel()->selectedRows().size()) : 0;
}

void ListPane::selectId(Id id)
{
    m_keptIds = { id };
    const int rows = m_table->model()->rowCount();
    if (rows > 0)
        restoreSelection(0, rows - 1, false);
}

void ListPane::rememberSelection()
{
    // A selection still waiting for its rows (a reload right after another) is kept as it is.
    const QList<Id> ids = selectedIds();
    if (!ids.isEmpty())
        m_keptIds = ids;
}

void ListPane::restoreSelection(int first, int last, bool finalAttempt)
{
    if (m_keptIds.isEmpty())
        return;
    QAbstractItemModel* model = m_table->model();
    QItemSelection selection;
    QModelIndex firstFound;
    for (int row = first; row <= last; ++row) {
        const QModelIndex index = model->index(row, 0);
        if (m_keptIds.contains(index.data(m_idRole).toLongLong())) {
            selection.select(index, model->index(row, model->columnCount() - 1));
            if (!firstFound.isValid())
                firstFound = index;
        }
    }
    // The first rows after a reset decide: ids not among them are no longer listed here.
    if (finalAttempt || firstFound.isValid()) {
        m_keptIds.clear();
        if (!firstFound.isValid())
            return;
        m_restoring = true;
        m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_table->selectionModel()->setCurrentIndex(firstFound, QItemSelectionModel::NoUpdate);
        m_table->scrollTo(firstFound);
        m_restoring = false;
    }
}

QString ListPane::tenantName() const
{
    const Id scope = organizationScope();
    return scope == 0 ? QString() : m_tenantNames.value(scope);
}

QString ListPane::inTenant(const QString& text) const
{
    const QString name = tenantName();
    return name.isEmpty() ? text
                          : tr("%1 in %2", "a count or heading, then the tenant: 12 users in Contoso").arg(text, name);
}

void ListPane::loadTenantNames()
{
    // Once, and again when the switcher names a tenant created since.
    const bool known = m_tenantNamesLoaded && (organizationScope() == 0 || m_tenantNames.contains(organizationScope()));
    if (!m_backend || m_tenantNamesLoading || known)
        return;
    // Where users belong to no organization the switcher never names one: no names are needed.
    if (organizationScope() == 0 && !deploymentHas(Capability::MoveUsers))
        return;
    m_tenantNamesLoading = true;
    whenDone(m_backend->listOrganizations(), this, [this](const Result<QList<Organization>>& organizations) {
        m_tenantNamesLoading = false;
        if (!organizations.ok())
            return; // the count shows no tenant name; the next refresh tries again
        m_tenantNamesLoaded = true;
        for (const Organization& o : organizations.value())
            m_tenantNames.insert(o.id, o.name);
        updateCount();
    });
}

void ListPane::bindToTable(QAction* action, const QKeySequence& key)
{
    action->setShortcut(key);
    action->setShortcutContext(Qt::WidgetShortcut);
    m_table->addAction(action);
}

void ListPane::bindToPane(QAction* action, const QKeySequence& key)
{
    action->setShortcut(key);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(action);
}

void ListPane::popupMenu(QAbstractItemView* view, const QList<QAction*>& actions, const QPoint& pos)
{
    auto* menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    for (QAction* action : actions) {
        if (action)
            menu->addAction(action);
        else
            menu->addSeparator();
    }
    menu->popup(view->viewport()->mapToGlobal(pos));
}

void ListPane::showFilterMessage(const QString& message, bool problem)
{
    m_filterMessage->setText(message);
    m_filterMessage->setVisible(!message.isEmpty());
    const QString color = display::warningBrush().color().name();
    m_filterMessage->setStyleSheet(problem ? QStringLiteral("color: %1;").arg(color) : QString());
    m_search->setStyleSheet(problem ? QStringLiteral("QLineEdit { border: 1px solid %1; }").arg(color) : QString());
}

void ListPane::showEmptyState(bool empty)
{
    m_empty->setVisible(empty);
    if (empty)
        placeEmptyState();
}

void ListPane::placeEmptyState()
{
    m_empty->setGeometry(m_table->viewport()->rect().adjusted(20, 20, -20, -20));
}

} // namespace portcullis
