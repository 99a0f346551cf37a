#include "organizationspane.h"

#include "detailsparts.h"
#include "displayformat.h"
#include "invitationlistmodel.h"
#include "messagebox.h"
#include "organizationdialogs.h"
#include "organizationlistmodel.h"
#include "policy/catalog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCoreApplication>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace portcullis {

namespace {

// Search over name, slug and plan; active or suspended.
class OrganizationFilterProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setFilter(const QString& search, int status)
    {
        m_search = search;
        m_status = status;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override
    {
        const auto* model = static_cast<const OrganizationListModel*>(sourceModel());
        if (sourceParent.isValid() || sourceRow >= model->rowCount())
            return false;
        const Organization& o = model->organizationAt(sourceRow);
        if ((m_status == 1 && !o.active) || (m_status == 2 && o.active))
            return false;
        return m_search.isEmpty() || o.name.contains(m_search, Qt::CaseInsensitive)
            || o.slug.contains(m_search, Qt::CaseInsensitive) || o.plan.contains(m_search, Qt::CaseInsensitive);
    }

private:
    QString m_search;
    int m_status = 0;
};

} // namespace

// The side panel: the selected organization's details, its invitations and the actions on both.
class OrganizationDetailsPanel : public details::Panel
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::OrganizationDetailsPanel)

public:
    // `lifecycle`: the deployment has plans, seat limits, features and suspension
    // (Capability::OrganizationLifecycle); without them those rows are left out.
    OrganizationDetailsPanel(InvitationListModel* invitations, bool lifecycle, QWidget* parent)
        : details::Panel(QStringLiteral("organizationDetailsPanel"), tr("Organization details"), parent)
        , m_lifecycle(lifecycle)
    {
        addPlaceholder(lifecycle ? tr("Select an organization to see its plan, features and invitations.")
                                 : tr("Select an organization to see its members and invitations."));
        addTitle(QStringLiteral("organizationDetailsTitle"));
        if (lifecycle)
            addForm({ { QStringLiteral("slug"), tr("Slug:") },
                      { QStringLiteral("plan"), tr("Plan:") },
                      { QStringLiteral("users"), tr("Users:") },
                      { QStringLiteral("features"), tr("Features:") },
                      { QStringLiteral("status"), tr("Status:") },
                      { QStringLiteral("created"), tr("Created:") } },
                    QStringLiteral("organizationDetail_"));
        else
            addForm({ { QStringLiteral("slug"), tr("Slug:") },
                      { QStringLiteral("users"), tr("Members:") },
                      { QStringLiteral("created"), tr("Created:") } },
                    QStringLiteral("organizationDetail_"));
        m_grid = new QGridLayout;
        m_grid->setSpacing(4);
        m_layout->addLayout(m_grid);
        addInvitations(invitations);
        setMinimumWidth(300); // leaves the list room in an 800×600 window
        show(nullptr);
    }

    QTableView* invitationTable() const { return m_invitationTable; }

    // The empty-state label lies over the invitation list and follows its size.
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (watched == m_invitationTable->viewport() && event->type() == QEvent::Resize
            && !m_invitationEmpty->isHidden())
            placeInvitationEmpty();
        return QWidget::eventFilter(watched, event);
    }

    // Two buttons a row, above the invitations.
    void addAction(QAction* action) override
    {
        auto* button = details::actionButton(action, this);
        const int index = int(m_actionButtons.size());
        m_grid->addWidget(button, index / 2, index % 2);
        m_actionButtons << button;
        QWidget::setTabOrder(button, m_invitationTable); // the buttons are above the invitations
    }

    void addInvitationAction(QAction* action)
    {
        auto* button = details::actionButton(action, this);
        m_invitationButtons->addWidget(button);
        m_actionButtons << button;
    }

    void show(const Organization* o)
    {
        const bool one = o != nullptr;
        showSelection(one);
        m_invitationTitle->setVisible(one);
        m_invitationTable->setVisible(one);
        if (!one)
            return;
        m_title->setText(o->name);
        setValue(QStringLiteral("slug"), o->slug);
        setValue(QStringLiteral("created"), display::dateTime(o->createdAt));
        if (!m_lifecycle) {
            setValue(
                QStringLiteral("users"),
                o->pendingInvitations > 0
                    ? tr("%1 and %2 invited").arg(display::number(o->userCount), display::number(o->pendingInvitations))
                    : display::number(o->userCount));
            return;
        }
        setValue(QStringLiteral("plan"), OrganizationListModel::planText(o->plan));
        setValue(QStringLiteral("users"),
                 o->pendingInvitations > 0
                     ? tr("%1 and %2 invited of at most %3 (a pending invitation holds a seat)")
                           .arg(display::number(o->userCount), display::number(o->pendingInvitations),
                                display::number(o->maxUsers))
                     : tr("%1 of at most %2").arg(display::number(o->userCount), display::number(o->maxUsers)));
        setValue(QStringLiteral("features"),
                 o->features.isEmpty() ? tr("none") : o->features.join(QStringLiteral(", ")));
        setValue(QStringLiteral("status"), o->active ? tr("Active") : tr("Suspended: nobody in it can sign in"));
        setValue(QStringLiteral("created"), display::dateTime(o->createdAt));
    }

    void showInvitationState(int count, const QString& error, bool loaded)
    {
        m_invitationTitle->setText(loaded && error.isEmpty() ? tr("&Invitations (%1)").arg(count) : tr("&Invitations"));
        if (!error.isEmpty())
            m_invitationEmpty->setText(tr("Could not load the invitations:\n%1").arg(error));
        else
            m_invitationEmpty->setText(loaded ? tr("No invitations yet.\nInvite someone with Ctrl+I.")
                                              : tr("Loading…"));
        const bool empty = count == 0;
        m_invitationEmpty->setVisible(empty);
        if (empty)
            placeInvitationEmpty();
    }

private:
    // The selected organization's invitations: a title, the list with its empty state, the buttons.
    void addInvitations(InvitationListModel* invitations)
    {
        m_invitationTitle = new QLabel(this);
        m_invitationTitle->setObjectName(QStringLiteral("invitationsTitle"));
        QFont bold = m_invitationTitle->font();
        bold.setBold(true);
        m_invitationTitle->setFont(bold);
        m_layout->addSpacing(8);
        m_layout->addWidget(m_invitationTitle);
        m_invitationTable = listTable(this, QStringLiteral("invitationTableView"), tr("Invitations"), invitations,
                                      QAbstractItemView::SingleSelection);
        const QFontMetrics fm = m_invitationTable->fontMetrics();
        const int em = fm.horizontalAdvance(QLatin1Char('m'));
        QHeaderView* header = m_invitationTable->horizontalHeader();
        header->setStretchLastSection(false);
        header->setSectionResizeMode(InvitationListModel::EmailColumn, QHeaderView::Stretch);
        int statusWidth = fm.horizontalAdvance(tr("Status"));
        for (const char* s : { "pending", "accepted", "revoked", "expired" })
            statusWidth
                = std::max(statusWidth, fm.horizontalAdvance(InvitationListModel::statusText(QLatin1String(s))));
        m_invitationTable->setColumnWidth(InvitationListModel::RoleColumn, 8 * em);
        m_invitationTable->setColumnWidth(InvitationListModel::StatusColumn, statusWidth + 2 * em);
        m_invitationTable->setColumnWidth(
            InvitationListModel::ExpiresColumn,
            std::max(fm.horizontalAdvance(QLocale().toString(QDate(2026, 12, 28), QLocale::ShortFormat)),
                     fm.horizontalAdvance(tr("Expires")))
                + 2 * em);
        m_invitationTable->setMinimumHeight(fm.height() * 9);
        m_invitationTitle->setBuddy(m_invitationTable);
        m_layout->addWidget(m_invitationTable, 1);
        m_invitationEmpty = new QLabel(m_invitationTable->viewport());
        m_invitationEmpty->setObjectName(QStringLiteral("invitationsEmptyLabel"));
        m_invitationEmpty->setAlignment(Qt::AlignCenter);
        m_invitationEmpty->setWordWrap(true);
        m_invitationEmpty->hide();
        m_invitationTable->viewport()->installEventFilter(this);
        m_invitationButtons = new QHBoxLayout;
        m_layout->addLayout(m_invitationButtons);
    }

    void placeInvitationEmpty()
    {
        m_invitationEmpty->setGeometry(m_invitationTable->viewport()->rect().adjusted(8, 8, -8, -8));
    }

    QGridLayout* m_grid = nullptr;
    bool m_lifecycle = true;
    QLabel* m_invitationTitle = nullptr;
    QTableView* m_invitationTable = nullptr;
    QLabel* m_invitationEmpty = nullptr;
    QHBoxLayout* m_invitationButtons = nullptr;
};

OrganizationsPane::OrganizationsPane(Backend* backend, QWidget* parent)
    : ListPane(backend, parent)
{
    setObjectName(QStringLiteral("organizationsPane"));
    m_model = new OrganizationListModel(backend, this);
    m_invitations = new InvitationListModel(backend, this);
    auto* proxy = new OrganizationFilterProxy(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(OrganizationListModel::SortRole);
    m_proxy = proxy;
    buildFilters();
    buildTable();
    buildDetails();
    buildActions();
    connectSignals();
    updateDetails();
}

void OrganizationsPane::buildFilters()
{
    const bool lifecycle = deploymentHas(Capability::OrganizationLifecycle);
    createSearch(QStringLiteral("organizationSearchEdit"), tr("Search organizations"),
                 lifecycle ? tr("Search name, slug or plan (Ctrl+F)") : tr("Search name or slug (Ctrl+F)"));
    m_statusFilter = createFilterCombo(QStringLiteral("organizationStatusFilterCombo"), tr("Filter by status"),
                                       { tr("Any status"), tr("Active"), tr("Suspended") });
    m_statusFilter->setVisible(lifecycle); // nothing is suspended where nothing can be
    createCount(QStringLiteral("organizationCountLabel"));
    addSearchRow({ m_statusFilter });
    createFilterMessage(QStringLiteral("organizationFilterMessage"));
}

void OrganizationsPane::buildTable()
{
    createTable(QStringLiteral("organizationTableView"), tr("Organizations"), m_proxy,
                QAbstractItemView::SingleSelection, QStringLiteral("organizationsEmptyLabel"));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(OrganizationListModel::NameColumn, Qt::AscendingOrder);
    const QFontMetrics fm = m_table->fontMetrics();
    const int ch = fm.averageCharWidth();
    const int headerPad = 2 * ch + 18; // margins and the sort indicator
    auto fit = [&](const QStringList& texts) {
        int width = 0;
        for (const QString& t : texts)
            width = std::max(width, fm.horizontalAdvance(t));
        return width + headerPad;
    };
    QHeaderView* header = m_table->horizontalHeader();
    header->setStretchLastSection(false);
    // Features are the open-ended list: they take the room that is left.
    header->setSectionResizeMode(OrganizationListModel::FeaturesColumn, QHeaderView::Stretch);
    m_table->setColumnWidth(OrganizationListModel::NameColumn, 22 * ch + headerPad);
    m_table->setColumnWidth(OrganizationListModel::SlugColumn, 22 * ch);
    m_table->setColumnWidth(OrganizationListModel::PlanColumn,
                            fit({ OrganizationListModel::planText(QStringLiteral("enterprise")), tr("Plan") }));
    m_table->setColumnWidth(
        OrganizationListModel::UsersColumn,
        fit({ tr("%1 + %2 invited / %3").arg(display::number(9999), display::number(99), display::number(10000)) }));
    m_table->setColumnWidth(OrganizationListModel::StatusColumn, fit({ tr("Active"), tr("Suspended"), tr("Status") }));
    if (!deploymentHas(Capability::OrganizationLifecycle)) {
        // No plans, features, seat limits or suspension: the members are counted, nothing else.
        m_model->setSeatLimits(false);
        for (const int column : { OrganizationListModel::PlanColumn, OrganizationListModel::FeaturesColumn,
                                  OrganizationListModel::StatusColumn })
            m_table->setColumnHidden(column, true);
        header->setSectionResizeMode(OrganizationListModel::SlugColumn, QHeaderView::Stretch);
    }
}

void OrganizationsPane::buildDetails()
{
    m_details = new OrganizationDetailsPanel(m_invitations, deploymentHas(Capability::OrganizationLifecycle), this);
    layOut(m_details, { .detailsStretch = 2, .sizes = { 760, 420 } });
}

void OrganizationsPane::buildActions()
{
    m_editAction = createAction(tr("&Edit…"), "editOrganizationAction", &OrganizationsPane::editSelected);
    bindToTable(m_editAction, QKeySequence(Qt::Key_Return));
    m_suspendAction = createAction(tr("&Suspend…"), "suspendOrganizationAction", &OrganizationsPane::suspendSelected);
    m_reactivateAction
        = createAction(tr("Reac&tivate"), "reactivateOrganizationAction", &OrganizationsPane::reactivateSelected);
    m_wipeOutAction = createAction(tr("&Wipe out…"), "wipeOutOrganizationAction", &OrganizationsPane::deleteSelected);
    m_inviteAction = createAction(tr("&Invite…"), "inviteAction", &OrganizationsPane::inviteIntoSelected);
    bindToPane(m_inviteAction, QKeySequence(QStringLiteral("Ctrl+I")));
    m_revokeInvitationAction = createAction(tr("&Revoke invitation…"), "revokeInvitationAction",
                                            &OrganizationsPane::revokeSelectedInvitation);
    // Delete (the main window's action) revokes the selected invitation while the invitation list has
    // the focus, see deleteSelected().
    m_copyAction = createAction(tr("&Copy"), "copyOrganizationAction", &OrganizationsPane::copySelection);

    m_details->addAction(m_editAction);
    m_details->addAction(m_suspendAction);
    m_details->addAction(m_reactivateAction);
    m_details->addAction(m_wipeOutAction);
    m_details->addInvitationAction(m_inviteAction);
    m_details->addInvitationAction(m_revokeInvitationAction);
}

void OrganizationsPane::connectSignals()
{
    connect(m_search, &QLineEdit::textChanged, this, &OrganizationsPane::applyFilter);
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, &OrganizationsPane::applyFilter);
    connectTable(&OrganizationsPane::editSelected);
    keepSelectionById(OrganizationListModel::OrganizationIdRole);
    connect(m_details->invitationTable(), &QWidget::customContextMenuRequested, this,
            &OrganizationsPane::showInvitationMenu);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &OrganizationsPane::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &OrganizationsPane::updateDetails);
    connect(m_details->invitationTable()->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &OrganizationsPane::updateInvitationActions);
    connectInvitations();
    connect(m_model, &OrganizationListModel::loaded, this, [this] {
        updateCount();
        Id select = m_pendingSelection;
        m_pendingSelection = 0;
        if (select == 0 && organizationScope() != 0)
            select = organizationScope();
        if (select == 0 && m_proxy->rowCount() > 0)
            select = m_proxy->index(0, 0).data(OrganizationListModel::OrganizationIdRole).toLongLong();
        selectOrganization(select);
        if (!selectedOrganization())
            markLoaded();
    });
    reportLoadFailures(m_model, &OrganizationListModel::loadFailed, tr("Could not load the organizations: %1"));
}

// The invitation list follows the selected organization; its state shows in the details panel.
void OrganizationsPane::connectInvitations()
{
    auto invitationsChanged = [this] {
        m_details->showInvitationState(m_invitations->rowCount(), m_invitations->lastError(),
                                       m_invitations->hasLoadedOnce());
        updateInvitationActions();
        // The pane counts as shown once the selected organization's invitations are there too.
        if (m_model->hasLoadedOnce() && m_invitations->hasLoadedOnce())
            markLoaded();
    };
    connect(m_invitations, &QAbstractItemModel::modelReset, this, invitationsChanged);
    connect(m_invitations, &InvitationListModel::loaded, this, invitationsChanged);
    connect(m_invitations, &InvitationListModel::loadFailed, this, invitationsChanged);
}

void OrganizationsPane::refresh()
{
    loadTenantNames();
    m_count->setText(tr("Loading…"));
    if (const auto o = selectedOrganization(); o && m_pendingSelection == 0)
        m_pendingSelection = o->id;
    m_model->reload();
    if (!m_backend || !deploymentHas(Capability::RoleCatalog))
        return;
    // The invitation dialog offers the roles below the admin's level.
    whenDone(m_backend->listRoles(), this, [this](const Result<QList<Role>>& roles) {
        if (roles.ok())
            m_roles = roles.value();
    });
}

void OrganizationsPane::organizationScopeChanged()
{
    loadTenantNames();
    showScopeNote();
    if (organizationScope() != 0)
        selectOrganization(organizationScope());
}

// Every organization stays listed whatever the tenant switcher says: the line under the filters
// says so, and the tenant it names is the one selected.
void OrganizationsPane::showScopeNote()
{
    const QString tenant = tenantName();
    showFilterMessage(organizationScope() == 0 || !actor().isSuperAdmin()
                          ? QString()
                          : tr("The tenant switcher does not filter this list: it selects %1.")
                                .arg(tenant.isEmpty() ? tr("the chosen tenant") : tenant),
                      false);
}

void OrganizationsPane::applyRequest(const PaneRequest& request)
{
    {
        const QSignalBlocker blockSearch(m_search);
        const QSignalBlocker blockStatus(m_statusFilter);
        m_search->setText(request.search);
        m_statusFilter->setCurrentIndex(request.status == QLatin1String("active")          ? 1
                                            : request.status == QLatin1String("suspended") ? 2
                                                                                           : 0);
    }
    applyFilter();
    const Id select = request.selectId != 0 ? request.selectId : request.organizationId;
    if (select != 0) {
        m_pendingSelection = select;
        selectOrganization(select);
    }
}

void OrganizationsPane::applyFilter()
{
    static_cast<OrganizationFilterProxy*>(m_proxy)->setFilter(m_search->text().trimmed(),
                                                              m_statusFilter->currentIndex());
    updateCount();
}

void OrganizationsPane::updateCount()
{
    const int shown = m_proxy->rowCount();
    if (!m_model->lastError().isEmpty()) {
        m_count->setText(tr("Error"));
        m_empty->setText(
            tr("Could not load the organizations:\n%1\n\nPress F5 to try again.").arg(m_model->lastError()));
    } else if (m_model->hasLoadedOnce()) {
        showScopeNote();
        m_count->setText(shown == m_model->rowCount()
                             ? tr("%n organization(s)", nullptr, shown)
                             : tr("%1 of %n organization(s)", nullptr, m_model->rowCount()).arg(shown));
        QString none = tr("No organizations yet.");
        if (canCreate())
            none += QLatin1Char('\n') + tr("Create the first one with Ctrl+N.");
        m_empty->setText(m_model->rowCount() > 0
                             ? tr("No organization matches.\nClear the search or the status filter to see all.")
                             : none);
    }
    showEmptyState(shown == 0 && m_model->hasLoadedOnce());
}

std::optional<Organization> OrganizationsPane::selectedOrganization() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.size() != 1)
        return std::nullopt;
    const QModelIndex source = m_proxy->mapToSource(rows.first());
    if (!source.isValid())
        return std::nullopt;
    return m_model->organizationAt(source.row());
}

std::optional<Invitation> OrganizationsPane::selectedInvitation() const
{
    const auto rows = m_details->invitationTable()->selectionModel()->selectedRows();
    if (rows.size() != 1 || rows.first().row() >= m_invitations->rowCount())
        return std::nullopt;
    return m_invitations->invitationAt(rows.first().row());
}

void OrganizationsPane::selectOrganization(Id organizationId)
{
    const int row = m_model->rowOf(organizationId);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return;
    m_table->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
}

void OrganizationsPane::updateDetails()
{
    const auto o = selectedOrganization();
    m_details->show(o ? &*o : nullptr);
    const Id shownInvitations = o ? o->id : 0;
    if (m_invitations->organization() != shownInvitations) {
        // "Loading" first: the answer may arrive within setOrganization() when it is already there.
        m_details->showInvitationState(0, {}, false);
        m_invitations->setOrganization(shownInvitations);
    }

    const Actor me = actor();
    const QString selectFirst = tr("Select an organization first");
    const QString superOnly = tr("Only super admins can do this to organizations");
    auto gate
        = [&](QAction* action, const QString& permission, bool superAdminOnly, bool extra, const QString& extraWhy) {
              QString why;
              bool ok = o.has_value();
              if (!ok)
                  why = selectFirst;
              // "Only super admins" says more than the missing permission behind it.
              if (ok && superAdminOnly && !me.isSuperAdmin()) {
                  ok = false;
                  why = superOnly;
              }
              if (ok && !may(permission, &why))
                  ok = false;
              if (ok && !extra) {
                  ok = false;
                  why = extraWhy;
              }
              setActionAllowed(action, ok, why);
          };
    const bool own = o && o->id == me.organizationId;
    const bool active = o && o->active;
    gate(m_editAction, perm::OrgEdit, false, true, {});
    gate(m_suspendAction, perm::OrgSuspend, true, active && !own,
         own ? tr("You cannot suspend your own organization") : tr("It is already suspended"));
    gate(m_reactivateAction, perm::OrgSuspend, true, o && !o->active, tr("It is active"));
    gate(m_wipeOutAction, perm::OrgDelete, true, !own, tr("You cannot wipe out your own organization"));
    gate(m_inviteAction, perm::OrgInvite, false, active, tr("It is suspended; reactivate it before inviting"));
    requireCapability(m_suspendAction, Capability::OrganizationLifecycle);
    requireCapability(m_reactivateAction, Capability::OrganizationLifecycle);
    requireCapability(m_wipeOutAction, Capability::OrganizationLifecycle);
    setActionAllowed(m_copyAction, o.has_value(), selectFirst);
    updateInvitationActions();
    emit actionsChanged();
}

void OrganizationsPane::updateInvitationActions()
{
    const auto invitation = selectedInvitation();
    QString why;
    bool ok = invitation.has_value();
    if (!ok)
        why = tr("Select an invitation first");
    if (ok && !may(perm::OrgInvite, &why))
        ok = false;
    if (ok && invitation->status() != QLatin1String("pending")) {
        ok = false;
        why = tr("Only pending invitations can be revoked");
    }
    setActionAllowed(m_revokeInvitationAction, ok, why);
    emit actionsChanged();
}

void OrganizationsPane::showContextMenu(const QPoint& pos)
{
    if (!m_table->indexAt(pos).isValid() && !selectedOrganization())
        return;
    popupMenu(m_table,
              { m_editAction, m_inviteAction, m_copyAction, nullptr, m_suspendAction, m_reactivateAction, nullptr,
                m_wipeOutAction },
              pos);
}

void OrganizationsPane::showInvitationMenu(const QPoint& pos)
{
    popupMenu(m_details->invitationTable(), { m_inviteAction, m_revokeInvitationAction }, pos);
}

bool OrganizationsPane::canCreate(QString* whyNot) const
{
    if (!actor().isSuperAdmin()) {
        if (whyNot)
            *whyNot = tr("Only super admins can create organizations");
        return false;
    }
    return may(perm::OrgCreate, whyNot);
}

bool OrganizationsPane::canDelete(QString* whyNot) const
{
    if (whyNot)
        *whyNot = m_wipeOutAction->toolTip();
    return m_wipeOutAction->isEnabled() || m_revokeInvitationAction->isEnabled();
}

void OrganizationsPane::afterWrite(const QString& message, Id selectId)
{
    emit statusMessage(message);
    m_pendingSelection = selectId;
    m_model->reload();
}

void OrganizationsPane::createNew()
{
    QString why;
    if (!canCreate(&why)) {
        emit statusMessage(why);
        return;
    }
    auto* dialog = new OrganizationDialog(m_backend, nullptr, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const Organization created = dialog->savedOrganization();
        afterWrite(tr("Created the organization %1 (%2)").arg(created.name, created.slug), created.id);
    });
    dialog->open();
}

void OrganizationsPane::editSelected()
{
    const auto o = selectedOrganization();
    if (!o || !m_editAction->isEnabled())
        return;
    auto* dialog = new OrganizationDialog(m_backend, &*o, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_model->updateOrganization(dialog->savedOrganization());
        emit statusMessage(tr("Saved %1").arg(dialog->savedOrganization().name));
    });
    dialog->open();
}

void OrganizationsPane::suspendSelected()
{
    const auto o = selectedOrganization();
    if (!o || !m_suspendAction->isEnabled())
        return;
    MessageBox::confirm(this, tr("Suspend organization"),
                        tr("Suspend %1? Nobody in it can sign in until it is reactivated, and its %n user(s) "
                           "are signed out. Nothing is deleted.",
                           nullptr, int(o->userCount))
                            .arg(o->name),
                        tr("&Suspend"), [=, this] {
                            whenDone(m_backend->suspendOrganization(o->id), this,
                                     [this](const Result<Organization>& r) {
                                         if (!r.ok())
                                             return showError(tr("Suspend organization"), r.error());
                                         m_model->updateOrganization(r.value());
                                         emit statusMessage(tr("Suspended %1").arg(r.value().name));
                                     });
                        });
}

void OrganizationsPane::reactivateSelected()
{
    const auto o = selectedOrganization();
    if (!o || !m_reactivateAction->isEnabled())
        return;
    whenDone(m_backend->unsuspendOrganization(o->id), this, [this](const Result<Organization>& r) {
        if (!r.ok())
            return showError(tr("Reactivate organization"), r.error());
        m_model->updateOrganization(r.value());
        emit statusMessage(tr("Reactivated %1").arg(r.value().name));
    });
}

void OrganizationsPane::deleteSelected()
{
    if (m_details->invitationTable()->hasFocus() && selectedInvitation())
        return revokeSelectedInvitation();
    const auto o = selectedOrganization();
    if (!o || !m_wipeOutAction->isEnabled())
        return;
    auto* dialog = new WipeOutDialog(m_backend, *o, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QString name = o->name;
    connect(dialog, &QDialog::accepted, this, [this, name] { afterWrite(tr("Wiped out %1").arg(name), 0); });
    dialog->open();
}

void OrganizationsPane::inviteIntoSelected()
{
    const auto o = selectedOrganization();
    if (!o || !m_inviteAction->isEnabled())
        return;
    if (!m_roles.isEmpty() || !deploymentHas(Capability::RoleCatalog))
        return openInvitationDialog(*o); // without a catalog the role is a name typed in the dialog
    // The roles were not there yet (or failed to load): fetch them first.
    const Organization organization = *o;
    whenDone(m_backend->listRoles(), this, [this, organization](const Result<QList<Role>>& roles) {
        if (!roles.ok())
            return showError(tr("Invite"), roles.error());
        m_roles = roles.value();
        openInvitationDialog(organization);
    });
}

void OrganizationsPane::openInvitationDialog(const Organization& organization)
{
    auto* dialog = new InvitationDialog(m_backend, organization, m_roles, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, organization] {
        const CreatedInvitation created = dialog->takeCreated();
        // A deployment that sends the invitation itself (better-auth's mail hook) gives no token:
        // there is nothing to hand over, so no empty secret is shown.
        if (created.token.isEmpty()) {
            emit statusMessage(tr("Invited %1 into %2; the server sends the invitation itself")
                                   .arg(created.invitation.email, organization.name));
            m_invitations->reload();
            return;
        }
        showInvitationSecret(created, organization, this);
        emit statusMessage(tr("Invited %1 into %2").arg(created.invitation.email, organization.name));
        m_invitations->reload();
    });
    dialog->open();
}

void OrganizationsPane::revokeSelectedInvitation()
{
    const auto invitation = selectedInvitation();
    if (!invitation || !m_revokeInvitationAction->isEnabled())
        return;
    MessageBox::confirm(this, tr("Revoke invitation"),
                        tr("Revoke the invitation for %1? Its token stops working at once.").arg(invitation->email),
                        tr("&Revoke"), [=, this] {
                            const QString email = invitation->email;
                            whenDone(m_backend->revokeInvitation(invitation->id), this,
                                     [this, email](const Status& status) {
                                         if (!status.ok())
                                             return showError(tr("Revoke invitation"), status.error());
                                         emit statusMessage(tr("Revoked the invitation for %1").arg(email));
                                         m_invitations->reload();
                                     });
                        });
}

void OrganizationsPane::copySelection()
{
    const auto o = selectedOrganization();
    if (!o)
        return;
    QApplication::clipboard()->setText(QStringList {
        o->name, o->slug, o->plan, QString::number(o->userCount), QString::number(o->maxUsers),
        o->features.join(QLatin1Char(' ')), o->active ? QStringLiteral("active") : QStringLiteral("suspended") }
                                           .join(QLatin1Char('\t')));
    emit statusMessage(tr("Copied %1").arg(o->name));
}

} // namespace portcullis
