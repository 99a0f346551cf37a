#include "rolespane.h"

#include "detailsparts.h"
#include "messagebox.h"
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
#include <QMenu>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
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
class RoleDetailsPanel : public QWidget
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::RoleDetailsPanel)

public:
    explicit RoleDetailsPanel(QWidget* parent)
        : QWidget(parent)
    {
        setObjectName(QStringLiteral("roleDetailsPanel"));
        setAccessibleName(tr("Role details"));
        auto* layout = new QVBoxLayout(this);
        m_placeholder = details::placeholder(
            tr("Select a role to see its permissions.\n\nCreate a custom role with Ctrl+N, or "
               "start from an existing one with \"New role based on this…\" in its context menu."),
            this);
        layout->addWidget(m_placeholder);
        m_title = details::title(QStringLiteral("roleDetailsTitle"), this);
        layout->addWidget(m_title);
        m_form = details::form();
        const QList<QPair<QString, QString>> rows = {
            { QStringLiteral("code"), tr("Code:") },         { QStringLiteral("level"), tr("Level:") },
            { QStringLiteral("kind"), tr("Type:") },         { QStringLiteral("scope"), tr("Scope:") },
            { QStringLiteral("description"), tr("About:") }, { QStringLiteral("direct"), tr("Direct:") },
            { QStringLiteral("grants"), tr("Grants:") },
        };
        for (const auto& [key, label] : rows)
            m_values.insert(key,
                            details::addValue(m_form, label, new QLabel(this), QStringLiteral("roleDetail_") + key));
        layout->addLayout(m_form);
        m_effectiveLabel = new QLabel(this);
        m_effectiveLabel->setObjectName(QStringLiteral("effectivePermissionsLabel"));
        m_effectiveLabel->setWordWrap(true);
        layout->addWidget(m_effectiveLabel);
        m_effective = new QListWidget(this);
        m_effective->setObjectName(QStringLiteral("effectivePermissionsList"));
        m_effective->setAccessibleName(tr("Effective permissions"));
        m_effective->setMinimumHeight(160);
        m_effectiveLabel->setBuddy(m_effective);
        layout->addWidget(m_effective, 1);
        m_buttons = new QVBoxLayout;
        m_buttons->setSpacing(4);
        layout->addLayout(m_buttons);
        setMinimumWidth(280);
        show(nullptr, {});
    }

    void addAction(QAction* action)
    {
        auto* button = details::actionButton(action, this);
        m_buttons->addWidget(button);
        m_actionButtons << button;
    }

    void show(const Role* role, const QString& scope)
    {
        const bool one = role != nullptr;
        m_placeholder->setVisible(!one);
        m_title->setVisible(one);
        for (int i = 0; i < m_form->rowCount(); ++i)
            m_form->setRowVisible(i, one);
        m_effectiveLabel->setVisible(one);
        m_effective->setVisible(one);
        for (QToolButton* b : std::as_const(m_actionButtons))
            b->setVisible(one);
        if (!one)
            return;
        m_title->setText(role->name);
        m_values.value(QStringLiteral("code"))->setText(role->code);
        m_values.value(QStringLiteral("level"))->setText(QString::number(role->level));
        m_values.value(QStringLiteral("kind"))
            ->setText(role->builtIn ? tr("Built-in (cannot be changed)") : tr("Custom"));
        m_values.value(QStringLiteral("scope"))->setText(scope);
        m_values.value(QStringLiteral("description"))
            ->setText(role->description.isEmpty() ? tr("no description") : role->description);
        m_values.value(QStringLiteral("direct"))
            ->setText(tr("%n permission(s)", nullptr, int(role->permissions.size())));
        m_values.value(QStringLiteral("grants"))
            ->setText(role->grants.isEmpty() ? tr("none") : role->grants.join(QStringLiteral(", ")));
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

private:
    QLabel* m_placeholder = nullptr;
    QLabel* m_title = nullptr;
    QFormLayout* m_form = nullptr;
    QHash<QString, QLabel*> m_values;
    QLabel* m_effectiveLabel = nullptr;
    QListWidget* m_effective = nullptr;
    QVBoxLayout* m_buttons = nullptr;
    QList<QToolButton*> m_actionButtons;
};

RolesPane::RolesPane(Backend* backend, QWidget* parent)
    : Pane(backend, parent)
{
    setObjectName(QStringLiteral("rolesPane"));
    m_model = new RoleListModel(backend, this);
    auto* proxy = new RoleFilterProxy(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(RoleListModel::SortRole);
    m_proxy = proxy;

    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("roleSearchEdit"));
    m_search->setAccessibleName(tr("Search roles"));
    m_search->setPlaceholderText(tr("Search code, name or description (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_kindFilter = new QComboBox(this);
    m_kindFilter->setObjectName(QStringLiteral("roleKindFilterCombo"));
    m_kindFilter->setAccessibleName(tr("Filter by type"));
    m_kindFilter->addItem(tr("Built-in and custom"));
    m_kindFilter->addItem(tr("Built-in only"));
    m_kindFilter->addItem(tr("Custom only"));
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("roleCountLabel"));
    auto* filters = new QHBoxLayout;
    filters->addWidget(m_search, 3);
    filters->addWidget(m_kindFilter, 1);
    filters->addWidget(m_count);

    m_table
        = createListTable(QStringLiteral("roleTableView"), tr("Roles"), m_proxy, QAbstractItemView::SingleSelection);
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

    m_empty = new QLabel(m_table->viewport());
    m_empty->setObjectName(QStringLiteral("rolesEmptyLabel"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->hide();
    m_table->viewport()->installEventFilter(this);

    m_details = new RoleDetailsPanel(this);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(m_details);
    scroll->setWidgetResizable(true);
    scroll->setFocusPolicy(Qt::NoFocus); // the panel's own controls take the focus, not its frame
    scroll->setFrameShape(QFrame::NoFrame);

    auto* splitter = new QSplitter(this);
    splitter->addWidget(m_table);
    splitter->addWidget(scroll);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ 820, 360 });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addWidget(splitter, 1);

    m_editAction = new QAction(tr("&Edit…"), this);
    m_editAction->setObjectName(QStringLiteral("editRoleAction"));
    m_editAction->setShortcut(QKeySequence(Qt::Key_Return));
    m_editAction->setShortcutContext(Qt::WidgetShortcut);
    m_table->addAction(m_editAction);
    connect(m_editAction, &QAction::triggered, this, &RolesPane::editSelected);
    m_duplicateAction = new QAction(tr("New role &based on this…"), this);
    m_duplicateAction->setObjectName(QStringLiteral("duplicateRoleAction"));
    m_duplicateAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+D")));
    m_duplicateAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(m_duplicateAction);
    connect(m_duplicateAction, &QAction::triggered, this, &RolesPane::duplicateSelected);
    m_deleteAction = new QAction(tr("&Delete…"), this);
    m_deleteAction->setObjectName(QStringLiteral("deleteRoleAction"));
    connect(m_deleteAction, &QAction::triggered, this, &RolesPane::deleteSelected);
    m_copyAction = new QAction(tr("&Copy"), this);
    m_copyAction->setObjectName(QStringLiteral("copyRoleAction"));
    connect(m_copyAction, &QAction::triggered, this, &RolesPane::copySelection);
    m_details->addAction(m_editAction);
    m_details->addAction(m_duplicateAction);
    m_details->addAction(m_deleteAction);

    auto applyFilter = [this, proxy] {
        proxy->setFilter(m_search->text().trimmed(), m_kindFilter->currentIndex(), organizationScope());
        updateCount();
    };
    connect(m_search, &QLineEdit::textChanged, this, applyFilter);
    connect(m_kindFilter, &QComboBox::currentIndexChanged, this, applyFilter);
    connect(m_table, &QWidget::customContextMenuRequested, this, &RolesPane::showContextMenu);
    connect(m_table, &QAbstractItemView::doubleClicked, this, &RolesPane::editSelected);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RolesPane::updateDetails);
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
    connect(m_model, &RoleListModel::loadFailed, this, [this](const ServiceError& error) {
        updateCount();
        markLoaded();
        emit statusMessage(tr("Could not load the roles: %1").arg(error.message));
    });
    updateDetails();
}

void RolesPane::refresh()
{
    m_count->setText(tr("Loading…"));
    if (const auto role = selectedRole(); role && m_pendingSelection == 0)
        m_pendingSelection = role->id;
    m_model->reload();
}

void RolesPane::organizationScopeChanged()
{
    static_cast<RoleFilterProxy*>(m_proxy)->setFilter(m_search->text().trimmed(), m_kindFilter->currentIndex(),
                                                      organizationScope());
    updateCount();
}

void RolesPane::find()
{
    m_search->setFocus();
    m_search->selectAll();
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
        m_count->setText(shown == m_model->rowCount()
                             ? tr("%n role(s)", nullptr, shown)
                             : tr("%1 of %n role(s)", nullptr, m_model->rowCount()).arg(shown));
        m_empty->setText(m_model->rowCount() > 0
                             ? tr("No role matches the search.\nClear the search or the type filter to see every role.")
                             : tr("No roles yet.\nCreate the first custom role with Ctrl+N."));
    }
    const bool empty = shown == 0 && m_model->hasLoadedOnce();
    m_empty->setVisible(empty);
    if (empty)
        m_empty->setGeometry(m_table->viewport()->rect().adjusted(20, 20, -20, -20));
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
    const QString selectFirst = tr("Select a role first");
    if (!role) {
        m_effectiveFor = 0;
        setActionAllowed(m_editAction, false, selectFirst);
        setActionAllowed(m_duplicateAction, false, selectFirst);
        setActionAllowed(m_deleteAction, false, selectFirst);
        setActionAllowed(m_copyAction, false, selectFirst);
        emit actionsChanged();
        return;
    }
    loadEffectivePermissions(*role);

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
    // Not exec(): no nested event loop; the menu deletes itself when it closes.
    auto* menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addAction(m_editAction);
    menu->addAction(m_duplicateAction);
    menu->addSeparator();
    menu->addAction(m_copyAction);
    menu->addSeparator();
    menu->addAction(m_deleteAction);
    menu->popup(m_table->viewport()->mapToGlobal(pos));
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
                        [=, this] { deleteRole(*role, false); });
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
            this, title, text, [this, role] { deleteRole(role, true); },
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

bool RolesPane::eventFilter(QObject* watched, QEvent* event)
{
    if (m_empty && watched == m_table->viewport() && event->type() == QEvent::Resize && !m_empty->isHidden())
        m_empty->setGeometry(m_table->viewport()->rect().adjusted(20, 20, -20, -20));
    return Pane::eventFilter(watched, event);
}

} // namespace portcullis
