#include "rolespane.h"

#include "detailsparts.h"
#include "messagebox.h"
#include "permissioncodesdialog.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "roleeditor.h"
#include "rolelistmodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCoreApplication>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace portcullis {

namespace {

// Search over code, name and description; built-in/custom; and, for super admins who picked a
// tenant, global roles plus that tenant's own.
class RoleFilterProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setFilter(const QString& search, int kind, Id organization)
    {
        m_search = search;
        m_kind = kind;
        m_organization = organization;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override
    {
        const auto* model = static_cast<const RoleListModel*>(sourceModel());
        if (sourceParent.isValid() || sourceRow >= model->rowCount())
            return false;
        const Role& role = model->roleAt(sourceRow);
        if (m_kind == 1 && !role.builtIn)
            return false;
        if (m_kind == 2 && role.builtIn)
            return false;
        if (m_organization != 0 && role.organizationId != 0 && role.organizationId != m_organization)
            return false;
        if (m_search.isEmpty())
            return true;
        return role.code.contains(m_search, Qt::CaseInsensitive) || role.name.contains(m_search, Qt::CaseInsensitive)
            || role.description.contains(m_search, Qt::CaseInsensitive);
    }

private:
    QString m_search;
    int m_kind = 0;
    Id m_organization = 0;
};

// The lowest built-in role below `level` that grants `code` (empty if none).
QString inheritedSource(const QString& code, int level)
{
    QString source;
    int sourceLevel = 0;
    for (const Role& builtIn : policy::builtInRoles()) {
        if (builtIn.level >= level || (!source.isEmpty() && builtIn.level > sourceLevel))
            continue;
        const bool grants = std::any_of(builtIn.permissions.cbegin(), builtIn.permissions.cend(),
                                        [&](const QString& g) { return policy::permissionMatches(g, code); });
        if (grants) {
            source = builtIn.code;
            sourceLevel = builtIn.level;
        }
    }
    return source;
}

} // namespace

// The side panel: the selected role's details, its effective permissions and the actions on it.
class RoleDetailsPanel : public details::Panel
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::RoleDetailsPanel)

public:
    explicit RoleDetailsPanel(QWidget* parent)
        : details::Panel(QStringLiteral("roleDetailsPanel"), tr("Role details"), parent)
    {
        addPlaceholder(tr("Select a role to see its permissions.\n\nCreate a custom role with Ctrl+N, or "
                          "start from an existing one with \"New role based on this…\" in its context menu."));
        addTitle(QStringLiteral("roleDetailsTitle"));
        addForm({ { QStringLiteral("code"), tr("Code:") },
                  { QStringLiteral("level"), tr("Level:") },
                  { QStringLiteral("kind"), tr("Type:") },
                  { QStringLiteral("scope"), tr("Scope:") },
                  { QStringLiteral("description"), tr("About:") },
                  { QStringLiteral("direct"), tr("Direct:") },
                  { QStringLiteral("grants"), tr("Grants:") } },
                QStringLiteral("roleDetail_"));
        m_effectiveLabel = new QLabel(this);
        m_effectiveLabel->setObjectName(QStringLiteral("effectivePermissionsLabel"));
        m_effectiveLabel->setWordWrap(true);
        m_layout->addWidget(m_effectiveLabel);
        m_effective = new QListWidget(this);
        m_effective->setObjectName(QStringLiteral("effectivePermissionsList"));
        m_effective->setAccessibleName(tr("Effective permissions"));
        m_effective->setMinimumHeight(160);
        m_effectiveLabel->setBuddy(m_effective);
        m_layout->addWidget(m_effective, 1);
        m_holdersLabel = new QLabel(this);
        m_holdersLabel->setObjectName(QStringLiteral("roleHoldersLabel"));
        m_holdersLabel->setWordWrap(true);
        m_layout->addWidget(m_holdersLabel);
        m_holders = new QListWidget(this);
        m_holders->setObjectName(QStringLiteral("roleHoldersList"));
        m_holders->setAccessibleName(tr("Users holding this role"));
        m_holders->setToolTip(tr("Double-click a user to open them in the Users pane"));
        m_holders->setMinimumHeight(80);
        m_holdersLabel->setBuddy(m_holders);
        m_layout->addWidget(m_holders);
        addButtonColumn();
        setMinimumWidth(280);
        show(nullptr, {});
    }

    void show(const Role* role, const QString& scope)
    {
        const bool one = role != nullptr;
        showSelection(one);
        m_effectiveLabel->setVisible(one);
        m_effective->setVisible(one);
        m_holdersLabel->setVisible(one);
        m_holders->setVisible(one);
        if (!one)
            return;
        m_holdersLabel->setText(tr("Held by: loading…"));
        m_holders->clear();
        m_title->setText(role->name);
        setValue(QStringLiteral("code"), role->code);
        setValue(QStringLiteral("level"), QString::number(role->level));
        setValue(QStringLiteral("kind"), role->builtIn ? tr("Built-in (cannot be changed)") : tr("Custom"));
        setValue(QStringLiteral("scope"), scope);
        setValue(QStringLiteral("description"), role->description.isEmpty() ? tr("no description") : role->description);
        setValue(QStringLiteral("direct"), tr("%n permission(s)", nullptr, int(role->permissions.size())));
        setValue(QStringLiteral("grants"),
                 role->grants.isEmpty() ? tr("none") : role->grants.join(QStringLiteral(", ")));
        m_effectiveLabel->setText(tr("Effective permissions: loading…"));
        m_effective->clear();
    }

    void showEffective(const Role& role, const QStringList& effective)
    {
        m_effective->clear();
        int inherited = 0;
        for (const QString& code : effective) {
            auto* item = new QListWidgetItem(code, m_effective);
            if (!role.permissions.contains(code)) {
                ++inherited;
                QFont font = item->font();
                font.setItalic(true);
                item->setFont(font);
                const QString source = inheritedSource(code, role.level);
                item->setToolTip(source.isEmpty() ? tr("inherited") : tr("inherited from %1").arg(source));
            } else {
                item->setToolTip(tr("granted directly"));
            }
        }
        m_effectiveLabel->setText(
            tr("Effective &permissions: %1 (%2 inherited, in italics)").arg(effective.size()).arg(inherited));
    }

    void showEffectiveError(const QString& message)
    {
        m_effective->clear();
        m_effectiveLabel->setText(tr("Could not load the effective permissions: %1").arg(message));
    }

    // The users holding the role: the first page of them, and how many there are in all.
    void showHolders(const Page<User>& holders, const QString& tenant)
    {
        m_holders->clear();
        for (const User& u : holders.items) {
            auto* item = new QListWidgetItem(u.fullName.isEmpty() ? u.email : tr("%1 <%2>").arg(u.fullName, u.email),
                                             m_holders);
            item->setData(Qt::UserRole, u.id);
            item->setData(Qt::UserRole + 1, u.email);
        }
        const int total = int(std::max<qint64>(holders.total, holders.items.size()));
        QString text = tenant.isEmpty() ? tr("Held b&y %n user(s)", nullptr, total)
                                        : tr("Held b&y %n user(s) in %1", nullptr, total).arg(tenant);
        if (total > holders.items.size())
            text += QLatin1Char(' ') + tr("(the first %n shown)", nullptr, int(holders.items.size()));
        m_holdersLabel->setText(text);
    }

    void showHoldersError(const QString& message)
    {
        m_holders->clear();
        m_holdersLabel->setText(tr("Could not load who holds this role: %1").arg(message));
    }

    QListWidget* holders() const { return m_holders; }

private:
    QLabel* m_effectiveLabel = nullptr;
    QListWidget* m_effective = nullptr;
    QLabel* m_holdersLabel = nullptr;
    QListWidget* m_holders = nullptr;
};

RolesPane::RolesPane(Backend* backend, QWidget* parent)
    : ListPane(backend, parent)
{
    setObjectName(QStringLiteral("rolesPane"));
    m_model = new RoleListModel(backend, this);
    auto* proxy = new RoleFilterProxy(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(RoleListModel::SortRole);
    m_proxy = proxy;
    buildFilters();
    buildTable();
    buildDetails();
    buildActions();
    connectSignals();
    updateDetails();
    if (QString why; !deploymentHas(Capability::RoleCatalog, &why))
        showUnavailable(why, tr("Roles are set on each user in the Users pane."));
}

void RolesPane::buildFilters()
{
    createSearch(QStringLiteral("roleSearchEdit"), tr("Search roles"), tr("Search code, name or description (Ctrl+F)"));
    m_kindFilter = createFilterCombo(QStringLiteral("roleKindFilterCombo"), tr("Filter by type"),
                                     { tr("Built-in and custom"), tr("Built-in only"), tr("Custom only") });
    createCount(QStringLiteral("roleCountLabel"));
    addSearchRow({ m_kindFilter });
}

void RolesPane::buildTable()
{
    createTable(QStringLiteral("roleTableView"), tr("Roles"), m_proxy, QAbstractItemView::SingleSelection,
                QStringLiteral("rolesEmptyLabel"));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RoleListModel::LevelColumn, Qt::DescendingOrder);
    const QFontMetrics fm = m_table->fontMetrics();
    const int em = fm.horizontalAdvance(QLatin1Char('m'));
    const int headerPad = 3 * em; // room for the sort indicator
    m_table->setColumnWidth(RoleListModel::CodeColumn, 13 * em);
    m_table->setColumnWidth(RoleListModel::NameColumn, 14 * em);
    m_table->setColumnWidth(RoleListModel::LevelColumn, fm.horizontalAdvance(tr("Level")) + headerPad);
    m_table->setColumnWidth(RoleListModel::KindColumn,
                            std::max(fm.horizontalAdvance(tr("Built-in")), fm.horizontalAdvance(tr("Type")))
                                + headerPad);
    m_table->setColumnWidth(RoleListModel::ScopeColumn, 12 * em);
}

void RolesPane::buildDetails()
{
    m_details = new RoleDetailsPanel(this);
    layOut(m_details, { .sizes = { 820, 360 } });
}

void RolesPane::buildActions()
{
    m_editAction = createAction(tr("&Edit…"), "editRoleAction", &RolesPane::editSelected);
    bindToTable(m_editAction, QKeySequence(Qt::Key_Return));
    m_duplicateAction
        = createAction(tr("New role &based on this…"), "duplicateRoleAction", &RolesPane::duplicateSelected);
    bindToPane(m_duplicateAction, QKeySequence(QStringLiteral("Ctrl+D")));
    m_deleteAction = createAction(tr("&Delete…"), "deleteRoleAction", &RolesPane::deleteSelected);
    m_copyAction = createAction(tr("&Copy"), "copyRoleAction", &RolesPane::copySelection);
    m_permissionCodesAction
        = createAction(tr("&Permission codes…"), "permissionCodesAction", [this] { openPermissionCodes(); });
    m_permissionCodesAction->setToolTip(tr("The organization's own permission codes, for its roles and API keys"));
    bindToPane(m_permissionCodesAction, QKeySequence(QStringLiteral("Ctrl+Shift+P")));
    m_details->addAction(m_editAction);
    m_details->addAction(m_duplicateAction);
    m_details->addAction(m_deleteAction);
    m_details->addAction(m_permissionCodesAction);
}

void RolesPane::connectSignals()
{
    connect(m_search, &QLineEdit::textChanged, this, &RolesPane::applyFilter);
    connect(m_kindFilter, &QComboBox::currentIndexChanged, this, &RolesPane::applyFilter);
    connectTable(&RolesPane::editSelected);
    keepSelectionById(RoleListModel::RoleIdRole);
    connect(m_details->holders(), &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        PaneRequest request;
        request.search = item->data(Qt::UserRole + 1).toString();
        request.selectId = item->data(Qt::UserRole).toLongLong();
        emit openRequested(QStringLiteral("users"), request);
    });
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &RolesPane::updateDetails);
    connect(m_model, &RoleListModel::loaded, this, [this] {
        if (m_pendingSelection != 0) {
            selectRole(m_pendingSelection);
            m_pendingSelection = 0;
        }
        if (!m_table->selectionModel()->hasSelection() && m_proxy->rowCount() > 0)
            m_table->selectRow(0);
        updateCount();
        // With a selection the pane is shown once its effective permissions are (see below).
        if (!selectedRole())
            markLoaded();
    });
    reportLoadFailures(m_model, &RoleListModel::loadFailed, tr("Could not load the roles: %1"));
}

void RolesPane::refresh()
{
    if (unavailable())
        return; // no role catalog on this deployment: nothing to ask for
    loadTenantNames();
    m_count->setText(tr("Loading…"));
    if (const auto role = selectedRole(); role && m_pendingSelection == 0)
        m_pendingSelection = role->id;
    m_model->reload();
}

void RolesPane::organizationScopeChanged()
{
    if (unavailable())
        return;
    loadTenantNames();
    applyFilter();
    // The holders are counted in the tenant the switcher names.
    if (const auto role = selectedRole())
        loadHolders(*role);
}

void RolesPane::applyRequest(const PaneRequest& request)
{
    m_search->setText(request.search);
    if (request.selectId != 0) {
        m_pendingSelection = request.selectId;
        selectRole(request.selectId);
    }
}

void RolesPane::loadHolders(const Role& role)
{
    if (!m_backend)
        return;
    m_holdersFor = role.id;
    UserQuery query;
    query.roleCode = role.code;
    // A tenant's own role is held in that tenant; a global one in the tenant the switcher names.
    query.organizationId = role.organizationId != 0 ? role.organizationId : organizationScope();
    query.limit = 25;
    const QString tenant = role.organizationId != 0 ? QString() : tenantName();
    whenDone(m_backend->listUsers(query), this, [this, role, tenant](const Result<Page<User>>& holders) {
        if (m_holdersFor != role.id)
            return; // the selection moved on while this was loading
        if (!holders.ok())
            return m_details->showHoldersError(holders.error().message);
        m_details->showHolders(holders.value(), tenant);
    });
}

void RolesPane::applyFilter()
{
    static_cast<RoleFilterProxy*>(m_proxy)->setFilter(m_search->text().trimmed(), m_kindFilter->currentIndex(),
                                                      organizationScope());
    updateCount();
}

void RolesPane::updateCount()
{
    const int shown = m_proxy->rowCount();
    if (!m_model->lastError().isEmpty()) {
        m_count->setText(tr("Error"));
        m_empty->setText(tr("Could not load the roles:\n%1\n\nPress F5 to try again.").arg(m_model->lastError()));
    } else if (!m_model->hasLoadedOnce()) {
        m_count->setText(tr("Loading…"));
    } else {
        // Roles are global or a tenant's own: with a tenant chosen, the global ones and that tenant's.
        m_count->setText(inTenant(shown == m_model->rowCount()
                                      ? tr("%n role(s)", nullptr, shown)
                                      : tr("%1 of %n role(s)", nullptr, m_model->rowCount()).arg(shown)));
        const QString tenant = tenantName();
        m_empty->setText(m_model->rowCount() == 0 ? tr("No roles yet.\nCreate the first custom role with Ctrl+N.")
                             : tenant.isEmpty()
                             ? tr("No role matches the search.\nClear the search or the type filter to see every role.")
                             : tr("No role in %1 matches the search.\nClear the search or the type filter to see "
                                  "every role.")
                                   .arg(tenant));
    }
    showEmptyState(shown == 0 && m_model->hasLoadedOnce());
}

std::optional<Role> RolesPane::selectedRole() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.size() != 1)
        return std::nullopt;
    const QModelIndex source = m_proxy->mapToSource(rows.first());
    if (!source.isValid())
        return std::nullopt;
    return m_model->roleAt(source.row());
}

void RolesPane::selectRole(Id roleId)
{
    const int row = m_model->rowOf(roleId);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return;
    m_table->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
}

void RolesPane::updateDetails()
{
    const auto role = selectedRole();
    m_details->show(role ? &*role : nullptr, role ? m_model->scopeName(role->organizationId) : QString());
    QString whyNot;
    m_permissionCodesAction->setEnabled(deploymentHas(Capability::PermissionCatalog, &whyNot)
                                        && may(perm::RoleView, &whyNot));
    m_permissionCodesAction->setToolTip(
        whyNot.isEmpty() ? tr("The organization's own permission codes, for its roles and API keys") : whyNot);
    const QString selectFirst = tr("Select a role first");
    if (!role) {
        m_effectiveFor = 0;
        m_holdersFor = 0;
        setActionAllowed(m_editAction, false, selectFirst);
        setActionAllowed(m_duplicateAction, false, selectFirst);
        setActionAllowed(m_deleteAction, false, selectFirst);
        setActionAllowed(m_copyAction, false, selectFirst);
        emit actionsChanged();
        return;
    }
    loadEffectivePermissions(*role);
    loadHolders(*role);

    const Actor me = actor();
    QString why;
    bool mayEdit = may(perm::RoleEdit, &why);
    if (mayEdit && role->builtIn) {
        mayEdit = false;
        why = tr("Built-in roles cannot be changed");
    }
    if (mayEdit) {
        if (const auto decision = policy::canManageRole(me, *role); !decision) {
            mayEdit = false;
            why = decision.reason;
        }
    }
    // Viewing is always possible; the text says whether it opens for editing.
    m_editAction->setText(mayEdit ? tr("&Edit…") : tr("&View…"));
    setActionAllowed(m_editAction, true, {}, mayEdit ? tr("Edit this role") : tr("View this role (%1)").arg(why));

    QString whyNotCreate;
    setActionAllowed(m_duplicateAction, may(perm::RoleCreate, &whyNotCreate), whyNotCreate,
                     tr("Start a new custom role with this role's permissions"));

    QString whyNotDelete;
    bool mayDelete = may(perm::RoleDelete, &whyNotDelete);
    if (mayDelete && role->builtIn) {
        mayDelete = false;
        whyNotDelete = tr("Built-in roles cannot be deleted");
    }
    if (mayDelete) {
        if (const auto decision = policy::canManageRole(me, *role); !decision) {
            mayDelete = false;
            whyNotDelete = decision.reason;
        }
    }
    setActionAllowed(m_deleteAction, mayDelete, whyNotDelete);
    setActionAllowed(m_copyAction, true, {});
    emit actionsChanged();
}

void RolesPane::loadEffectivePermissions(const Role& role)
{
    if (!m_backend)
        return;
    m_effectiveFor = role.id;
    whenDone(m_backend->roleEffectivePermissions(role.id), this, [this, role](const Result<QStringList>& effective) {
        // The selection may have moved on while this was loading.
        if (m_effectiveFor != role.id)
            return;
        markLoaded();
        if (!effective.ok())
            return m_details->showEffectiveError(effective.error().message);
        m_details->showEffective(role, effective.value());
    });
}

void RolesPane::showContextMenu(const QPoint& pos)
{
    if (!m_table->indexAt(pos).isValid() && !selectedRole())
        return;
    popupMenu(m_table,
              { m_editAction, m_duplicateAction, nullptr, m_copyAction, nullptr, m_deleteAction, nullptr,
                m_permissionCodesAction },
              pos);
}

QDialog* RolesPane::openPermissionCodes()
{
    if (!deploymentHas(Capability::PermissionCatalog) || unavailable())
        return nullptr;
    auto* dialog = new PermissionCodesDialog(m_backend, organizationScope(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

bool RolesPane::canCreate(QString* whyNot) const
{
    return may(perm::RoleCreate, whyNot);
}

bool RolesPane::canDelete(QString* whyNot) const
{
    if (whyNot)
        *whyNot = m_deleteAction->toolTip();
    return m_deleteAction->isEnabled();
}

void RolesPane::afterWrite(const QString& message, Id selectId)
{
    emit statusMessage(message);
    m_pendingSelection = selectId;
    m_model->reload();
}

void RolesPane::createNew()
{
    QString why;
    if (!canCreate(&why)) {
        emit statusMessage(why);
        return;
    }
    const Id organization = actor().isSuperAdmin() ? organizationScope() : actor().organizationId;
    auto* editor = new RoleEditor(m_backend, RoleEditor::Mode::Create, Role(), m_model->roles(),
                                  m_model->organizationNames(), organization, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &QDialog::accepted, this, [this, editor] {
        afterWrite(tr("Created the role %1").arg(editor->savedRole().code), editor->savedRole().id);
    });
    editor->open();
}

void RolesPane::duplicateSelected()
{
    const auto role = selectedRole();
    if (!role || !m_duplicateAction->isEnabled())
        return;
    const Id organization = actor().isSuperAdmin() ? role->organizationId : actor().organizationId;
    auto* editor = new RoleEditor(m_backend, RoleEditor::Mode::Duplicate, *role, m_model->roles(),
                                  m_model->organizationNames(), organization, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &QDialog::accepted, this, [this, editor] {
        afterWrite(tr("Created the role %1").arg(editor->savedRole().code), editor->savedRole().id);
    });
    editor->open();
}

void RolesPane::editSelected()
{
    const auto role = selectedRole();
    if (!role)
        return;
    auto* editor = new RoleEditor(m_backend, RoleEditor::Mode::Edit, *role, m_model->roles(),
                                  m_model->organizationNames(), role->organizationId, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &QDialog::accepted, this, [this, editor] {
        afterWrite(tr("Saved the role %1").arg(editor->savedRole().code), editor->savedRole().id);
    });
    editor->open();
}

void RolesPane::deleteSelected()
{
    const auto role = selectedRole();
    if (!role || !m_deleteAction->isEnabled())
        return;
    MessageBox::confirm(this, tr("Delete role"),
                        tr("Delete the role %1 (%2)? Its permissions and grants go with it; the audit log "
                           "keeps the record.")
                            .arg(role->name, role->code),
                        tr("&Delete"), [=, this] { deleteRole(*role, false); });
}

void RolesPane::deleteRole(const Role& role, bool cascade)
{
    if (!m_backend)
        return;
    whenDone(m_backend->deleteRole(role.id, cascade), this, [this, role, cascade](const Status& status) {
        if (status.ok())
            return afterWrite(tr("Deleted the role %1").arg(role.code));
        if (status.error().reason == ErrorReason::InUse && !cascade)
            return offerCascade(role, status.error());
        showError(tr("Delete role"), status.error());
    });
}

void RolesPane::offerCascade(const Role& role, const ServiceError& refusal)
{
    // The core refuses to delete a role that is still assigned; count the holders so the question
    // can say how many people lose it.
    UserQuery holders;
    holders.roleCode = role.code;
    holders.status = QStringLiteral("all");
    holders.limit = 1;
    whenDone(m_backend->listUsers(holders), this, [this, role, refusal](const Result<Page<User>>& page) {
        const int count = page.ok() ? int(page->total) : 0;
        const QString title = count > 0 ? tr("Delete and remove it from %n user(s)", nullptr, count)
                                        : tr("Delete and remove it from its users");
        const QString text = count > 0
            ? tr("%1 is assigned to %n user(s).\n\nDelete it and remove it from those %n user(s)? They lose its "
                 "permissions at once.",
                 nullptr, count)
                  .arg(role.code)
            : refusal.message + QStringLiteral("\n\n") + tr("Delete it and remove it from every user who holds it?");
        MessageBox::confirm(
            this, title, text, tr("&Delete"), [this, role] { deleteRole(role, true); },
            [this, role] { emit statusMessage(tr("Kept the role %1").arg(role.code)); });
    });
}

void RolesPane::copySelection()
{
    const auto role = selectedRole();
    if (!role)
        return;
    QApplication::clipboard()->setText(QStringList {
        role->code, role->name, QString::number(role->level), role->builtIn ? tr("Built-in") : tr("Custom"),
        m_model->scopeName(role->organizationId), role->permissions.join(QLatin1Char(' ')) }
                                           .join(QLatin1Char('\t')));
    emit statusMessage(tr("Copied the role %1").arg(role->code));
}

} // namespace portcullis
