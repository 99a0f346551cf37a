#include "userspane.h"

#include "detailsparts.h"
#include "displayformat.h"
#include "impersonatedialog.h"
#include "messagebox.h"
#include "moveuserdialog.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "secretdialog.h"
#include "useractivity.h"
#include "userdialogs.h"
#include "userlistmodel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QCoreApplication>
#include <QDate>
#include <QDir>
#include <QFormLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressDialog>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <memory>

namespace portcullis {

// The side panel: the selected user's details and the actions on them.
class UserDetailsPanel : public details::Panel
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::UserDetailsPanel)

public:
    UserDetailsPanel(Backend* backend, QWidget* parent)
        : details::Panel(QStringLiteral("userDetailsPanel"), tr("User details"), parent)
    {
        m_hint = addPlaceholder(tr("Select a user to see the details and act on them.\n\n"
                                   "Select several with Ctrl or Shift for bulk actions."))
                     ->text();
        addTitle(QStringLiteral("userDetailsTitle"));
        // An email address or a user name is one long word: elided with a tooltip, not cut off.
        // No username and no organization where the deployment's users have none.
        const Capabilities capabilities = backend ? backend->capabilities() : Capabilities();
        QList<QPair<QString, QString>> rows { { QStringLiteral("email"), tr("Email:") } };
        if (capabilities.has(Capability::Usernames))
            rows.append({ QStringLiteral("username"), tr("Username:") });
        rows.append({ { QStringLiteral("status"), tr("Status:") }, { QStringLiteral("roles"), tr("Roles:") } });
        if (capabilities.has(Capability::MoveUsers))
            rows.append({ QStringLiteral("organization"), tr("Organization:") });
        if (capabilities.has(Capability::LastSignIn))
            rows.append({ QStringLiteral("last"), tr("Last sign-in:") });
        rows.append({ { QStringLiteral("created"), tr("Created:") }, { QStringLiteral("verified"), tr("Verified:") } });
        addForm(rows, QStringLiteral("detail_"), { QStringLiteral("email"), QStringLiteral("username") });
        m_activity = new UserActivityView(backend, this);
        m_layout->addWidget(m_activity);
        addButtonColumn();
        m_layout->addStretch(1);
        setMinimumWidth(230);
        show(nullptr, {}, 0);
    }

    UserActivityView* activity() const { return m_activity; }

    // `reloadActivity`: the users were loaded again (after a write, F5), so their events may be new.
    void show(const User* user, const QString& organization, int selected, bool reloadActivity = false)
    {
        const bool one = user != nullptr;
        showSelection(one, one || selected > 1);
        m_activity->showUser(user, reloadActivity);
        // The count of the rows selected now; with none, the hint again (never a stale count).
        m_placeholder->setText(
            selected > 1 ? tr("%n users selected. Use the context menu (right-click or the Menu key) for bulk actions.",
                              nullptr, selected)
                         : m_hint);
        if (!one)
            return;
        m_title->setText(user->fullName.isEmpty() ? user->email : user->fullName);
        setValue(QStringLiteral("email"), user->email);
        setValue(QStringLiteral("username"), user->username);
        QString status = display::userStatus(user->status());
        if (user->isBanned()) {
            status += QStringLiteral(" — ") + user->banReason;
            if (user->banExpiresAt.isValid())
                status += QLatin1Char(' ') + tr("(until %1)").arg(display::dateTime(user->banExpiresAt));
        }
        setValue(QStringLiteral("status"), status);
        setValue(QStringLiteral("roles"),
                 user->roleCodes.isEmpty() ? tr("none") : user->roleCodes.join(QStringLiteral(", ")));
        setValue(QStringLiteral("organization"), organization);
        setValue(QStringLiteral("last"),
                 user->lastLoginAt.isValid() ? display::dateTime(user->lastLoginAt) : tr("never"));
        setValue(QStringLiteral("created"), display::dateTime(user->createdAt));
        setValue(QStringLiteral("verified"), user->verified ? tr("yes") : tr("no"));
    }

private:
    QString m_hint;
    UserActivityView* m_activity = nullptr;
};

UsersPane::UsersPane(Backend* backend, QWidget* parent)
    : ListPane(backend, parent)
{
    setObjectName(QStringLiteral("usersPane"));
    m_model = new UserListModel(backend, this);
    buildFilters();
    buildTable();
    buildDetails();
    buildActions();
    connectSignals();
    updateDetails();
}

void UsersPane::buildFilters()
{
    createSearch(QStringLiteral("userSearchEdit"), tr("Search users"),
                 deploymentHas(Capability::Usernames) ? tr("Search email, username or name (Ctrl+F)")
                                                      : tr("Search email or name (Ctrl+F)"));
    m_search->setToolTip(deploymentHas(Capability::Usernames)
                             ? tr("Finds users whose email, username or full name contains the text, in any case. "
                                  "Three characters or more are looked up in the search index; one or two are "
                                  "matched row by row, which is slower on large directories.")
                             : tr("Finds users whose email or name contains the text; the server searches."));
    m_roleFilter = createFilterCombo(QStringLiteral("roleFilterCombo"), tr("Filter by role"));
    m_roleFilter->addItem(tr("Any role"), QString());
    m_statusFilter = createFilterCombo(QStringLiteral("statusFilterCombo"), tr("Filter by status"));
    m_statusFilter->addItem(tr("Any status"), QString());
    for (const QString& s : { QStringLiteral("active"), QStringLiteral("suspended"), QStringLiteral("banned"),
                              QStringLiteral("locked"), QStringLiteral("deleted") }) {
        // Suspended, locked and soft-deleted are states of Portcullis' own accounts: a deployment that
        // cannot suspend (better-auth: bans only, no lockout, removal is final) has none of them, and
        // a filter on one would list users who are not in it.
        if (s != QLatin1String("active") && s != QLatin1String("banned") && !deploymentHas(Capability::SuspendUsers))
            continue;
        m_statusFilter->addItem(display::userStatus(s), s);
    }
    if (!deploymentHas(Capability::RoleCatalog)) {
        // No role catalog: a role is a name; the list offers the names of the users listed.
        m_roleFilter->setEditable(true);
        m_roleFilter->setInsertPolicy(QComboBox::NoInsert);
        m_roleFilter->setItemText(0, QString());
        m_roleFilter->lineEdit()->setPlaceholderText(tr("Any role"));
        m_roleFilter->setToolTip(tr("Only users with this role name"));
    }
    createCount(QStringLiteral("userCountLabel"));
    addSearchRow({ m_roleFilter, m_statusFilter });
}

void UsersPane::buildTable()
{
    createTable(QStringLiteral("userTableView"), tr("Users"), m_model, QAbstractItemView::ExtendedSelection,
                QStringLiteral("usersEmptyLabel"));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(UserListModel::EmailColumn, Qt::AscendingOrder);
    const int em = m_table->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    m_table->setColumnWidth(UserListModel::EmailColumn, 19 * em);
    m_table->setColumnWidth(UserListModel::NameColumn, 10 * em);
    m_table->setColumnWidth(UserListModel::UsernameColumn, 8 * em);
    m_table->setColumnWidth(UserListModel::RolesColumn, 8 * em);
    m_table->setColumnWidth(UserListModel::StatusColumn, 8 * em);
    m_table->setColumnWidth(UserListModel::LastLoginColumn, 11 * em);
    keepSelectionById(UserListModel::UserIdRole);
    showOrganizationColumn();
    m_table->setColumnHidden(UserListModel::UsernameColumn, !deploymentHas(Capability::Usernames));
    // No "never" where the deployment does not know when users sign in.
    m_table->setColumnHidden(UserListModel::LastLoginColumn, !deploymentHas(Capability::LastSignIn));
}

// The Organization column says which tenant a user belongs to when several are listed: for a
// super admin with the tenant switcher on all tenants.
void UsersPane::showOrganizationColumn()
{
    // Not where users do not belong to one organization (Capability::MoveUsers).
    m_table->setColumnHidden(UserListModel::OrganizationColumn,
                             organizationScope() != 0 || !actor().isSuperAdmin()
                                 || !deploymentHas(Capability::MoveUsers));
}

void UsersPane::buildDetails()
{
    m_details = new UserDetailsPanel(m_backend, this);
    connect(m_details->activity(), &UserActivityView::showAllRequested, this, [this](Id userId, const QString& email) {
        // The audit pane's "involves" filter: what the user did and what was done to them.
        emit openRequested(QStringLiteral("audit"),
                           PaneRequest { .search = email, .userId = userId, .status = QStringLiteral("involves") });
    });
    layOut(m_details, { .sizes = { 900, 300 } });
}

void UsersPane::buildActions()
{
    m_editAction = createAction(tr("&Edit…"), "editUserAction", &UsersPane::editSelected);
    bindToTable(m_editAction, QKeySequence(Qt::Key_Return));
    m_banAction = createAction(tr("&Ban…"), "banUserAction", &UsersPane::banSelected);
    bindToPane(m_banAction, QKeySequence(QStringLiteral("Ctrl+B")));
    m_unbanAction = createAction(tr("&Unban"), "unbanUserAction", &UsersPane::unbanSelected);
    m_suspendAction = createAction(tr("&Suspend"), "suspendUserAction", &UsersPane::suspendSelected);
    m_unsuspendAction = createAction(tr("Reac&tivate"), "unsuspendUserAction", &UsersPane::unsuspendSelected);
    m_rolesAction = createAction(tr("&Roles…"), "userRolesAction", &UsersPane::rolesOfSelected);
    m_assignRoleAction = createAction(tr("&Assign a role…"), "assignRoleAction", [this] { bulkRole(true); });
    m_removeRoleAction = createAction(tr("Re&move a role…"), "removeRoleAction", [this] { bulkRole(false); });
    m_resetPasswordAction
        = createAction(tr("Reset &password…"), "resetPasswordAction", &UsersPane::resetPasswordOfSelected);
    m_setPasswordAction = createAction(tr("Set pass&word…"), "setPasswordAction", &UsersPane::setPasswordOfSelected);
    m_revokeSessionsAction
        = createAction(tr("E&nd all sessions"), "revokeSessionsAction", &UsersPane::revokeSessionsOfSelected);
    m_impersonateAction = createAction(tr("&Impersonate…"), "impersonateAction", &UsersPane::impersonateSelected);
    m_moveAction = createAction(tr("Move to or&ganization…"), "moveUserAction", [this] { moveSelected(); });
    m_sessionsAction = createAction(tr("Show sessi&ons"), "showSessionsAction", [this] {
        const auto users = selectedUsers();
        if (users.size() == 1)
            emit showSessionsRequested(users.first().id, users.first().email);
    });
    m_auditAction = createAction(tr("Show audit tr&ail"), "showAuditTrailAction", [this] {
        const auto users = selectedUsers();
        if (users.size() == 1)
            emit showAuditTrailRequested(users.first().id, users.first().email);
    });
    m_deleteAction = createAction(tr("&Delete…"), "deleteUserAction", &UsersPane::deleteSelected);

    for (QAction* a : { m_editAction, m_banAction, m_unbanAction, m_suspendAction, m_unsuspendAction, m_rolesAction,
                        m_resetPasswordAction, m_setPasswordAction, m_revokeSessionsAction, m_sessionsAction,
                        m_auditAction, m_moveAction, m_deleteAction })
        m_details->addAction(a);
}

void UsersPane::connectSignals()
{
    m_searchDelay = createDelay(250, &UsersPane::applyFilter);
    connect(m_search, &QLineEdit::textChanged, m_searchDelay, qOverload<>(&QTimer::start));
    connect(m_search, &QLineEdit::returnPressed, this, &UsersPane::applyFilter);
    connect(m_roleFilter, &QComboBox::currentIndexChanged, this, &UsersPane::applyFilter);
    if (m_roleFilter->isEditable())
        connect(m_roleFilter->lineEdit(), &QLineEdit::editingFinished, this, [this] {
            if (roleFilterCode() != m_model->query().roleCode)
                applyFilter();
        });
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, &UsersPane::applyFilter);
    connectTable(&UsersPane::editSelected);
    // Loaded again: the selected user's events may have changed too (before updateDetails runs).
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { m_reloadActivity = true; });
    connect(m_model, &QAbstractItemModel::modelReset, this, &UsersPane::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &UsersPane::updateDetails);
    connect(m_model, &LazyTableModel::pageLoaded, this, [this] {
        updateCount();
        if (m_roleFilter->isEditable())
            offerListedRoleNames();
        markLoaded();
    });
    reportLoadFailures(m_model, &LazyTableModel::loadFailed, tr("Could not load users: %1"));
}

void UsersPane::refresh()
{
    loadLookups();
    loadTenantNames();
    applyFilter();
}

void UsersPane::applyRequest(const PaneRequest& request)
{
    {
        const QSignalBlocker blockSearch(m_search);
        const QSignalBlocker blockStatus(m_statusFilter);
        const QSignalBlocker blockRole(m_roleFilter);
        m_search->setText(request.search);
        m_statusFilter->setCurrentIndex(std::max(0, m_statusFilter->findData(request.status)));
        m_roleFilter->setCurrentIndex(0);
        if (m_roleFilter->isEditable())
            m_roleFilter->setEditText(QString());
    }
    m_searchDelay->stop();
    applyFilter();
    if (request.selectId != 0 || request.userId != 0)
        selectId(request.selectId != 0 ? request.selectId : request.userId);
}

void UsersPane::organizationScopeChanged()
{
    showOrganizationColumn();
    loadTenantNames();
    if (isLoaded())
        applyFilter();
}

void UsersPane::loadLookups()
{
    if (!m_backend)
        return;
    if (!deploymentHas(Capability::RoleCatalog)) {
        offerListedRoleNames();
    } else {
        whenDone(m_backend->listRoles(), this, [this](const Result<QList<Role>>& roles) {
            if (!roles.ok())
                return;
            m_roles = roles.value();
            const QString current = m_roleFilter->currentData().toString();
            const QSignalBlocker block(m_roleFilter);
            while (m_roleFilter->count() > 1)
                m_roleFilter->removeItem(1);
            for (const Role& r : std::as_const(m_roles))
                m_roleFilter->addItem(r.name, r.code);
            m_roleFilter->setCurrentIndex(std::max(0, m_roleFilter->findData(current)));
        });
    }
    if (!deploymentHas(Capability::MoveUsers))
        return; // users do not belong to one organization: no names to show
    whenDone(m_backend->listOrganizations(), this, [this](const Result<QList<Organization>>& orgs) {
        if (!orgs.ok())
            return;
        m_organizations = orgs.value();
        QHash<Id, QString> names;
        for (const Organization& o : std::as_const(m_organizations))
            names.insert(o.id, o.name);
        m_model->setOrganizationNames(names);
        updateDetails();
    });
}

void UsersPane::offerListedRoleNames()
{
    QStringList names;
    for (int i = 1; i < m_roleFilter->count(); ++i)
        names << m_roleFilter->itemData(i).toString();
    const QString typed = m_roleFilter->currentText();
    const QSignalBlocker block(m_roleFilter);
    for (int row = 0; row < m_model->rowCount(); ++row) {
        for (const QString& code : m_model->userAt(row).roleCodes) {
            if (!names.contains(code)) {
                names << code;
                m_roleFilter->addItem(code, code);
            }
        }
    }
    m_roleFilter->setEditText(typed);
}

QString UsersPane::roleFilterCode() const
{
    return m_roleFilter->isEditable() ? m_roleFilter->currentText().trimmed() : m_roleFilter->currentData().toString();
}

void UsersPane::applyFilter()
{
    UserQuery q = m_model->query();
    q.search = m_search->text().trimmed();
    q.roleCode = roleFilterCode();
    q.status = m_statusFilter->currentData().toString();
    q.organizationId = organizationScope();
    m_count->setText(tr("Loading…"));
    m_model->setQuery(q);
}

void UsersPane::updateCount()
{
    if (!m_model->lastError().isEmpty()) {
        m_count->setText(tr("Error"));
        m_empty->setText(tr("Could not load the users:\n%1\n\nPress F5 to try again.").arg(m_model->lastError()));
    } else {
        if (m_model->totalIsLowerBound()) // the server counted up to a bound: "10,000+ users"
            m_count->setText(inTenant(tr("%1+ users").arg(display::number(m_model->total()))));
        else
            m_count->setText(inTenant(tr("%n user(s)", nullptr, int(std::max<qint64>(m_model->total(), 0)))));
        const bool filtered
            = !m_search->text().isEmpty() || !roleFilterCode().isEmpty() || m_statusFilter->currentIndex() > 0;
        const QString tenant = tenantName();
        if (filtered)
            m_empty->setText(
                tenant.isEmpty()
                    ? tr("No user matches these filters.\nClear the search or the filters to see everyone.")
                    : tr("No user in %1 matches these filters.\nClear the search or the filters, or pick all "
                         "tenants in the tenant switcher.")
                          .arg(tenant));
        else
            m_empty->setText(tenant.isEmpty() ? tr("No users yet.\nCreate the first one with Ctrl+N.")
                                              : tr("No users in %1.\nCreate one with Ctrl+N.").arg(tenant));
    }
    showEmptyState(m_model->rowCount() == 0);
}

QList<User> UsersPane::selectedUsers() const
{
    QList<User> users;
    const auto rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex& index : rows)
        users << m_model->userAt(index.row());
    return users;
}

QString UsersPane::organizationName(Id organizationId) const
{
    return m_model->organizationName(organizationId);
}

void UsersPane::updateDetails()
{
    const QList<User> users = selectedUsers();
    const User* one = users.size() == 1 ? &users.first() : nullptr;
    m_details->show(one, one ? organizationName(one->organizationId) : QString(), int(users.size()),
                    std::exchange(m_reloadActivity, false));

    // An action is enabled when the policy allows it on every selected user: the call the store
    // makes again before it writes (policy::canActOnUser), not a copy of its rules.
    const Actor me = actor();
    const bool single = users.size() == 1;
    auto refusal = [&](const auto& decide, const QString& permission) {
        if (users.isEmpty()) {
            QString reason;
            return may(permission, &reason) ? tr("Select a user first") : reason;
        }
        for (const User& u : users) {
            if (const policy::Decision d = decide(u); !d)
                return d.reason;
        }
        return QString();
    };
    auto gate = [&](QAction* action, policy::UserAction what, bool extra = true, const QString& extraWhy = {}) {
        QString reason
            = refusal([&](const User& u) { return policy::canActOnUser(me, u, what); }, policy::permissionFor(what));
        if (reason.isEmpty() && !extra)
            reason = extraWhy;
        setActionAllowed(action, reason.isEmpty(), reason);
    };
    const bool anyBanned = std::any_of(users.begin(), users.end(), [](const User& u) { return u.isBanned(); });
    const bool anySuspended = std::any_of(users.begin(), users.end(), [](const User& u) { return !u.active; });
    const bool anyActive = std::any_of(users.begin(), users.end(), [](const User& u) { return u.active; });
    using policy::UserAction;
    gate(m_editAction, UserAction::Edit, single, tr("Select one user to edit"));
    gate(m_banAction, UserAction::Ban);
    gate(m_unbanAction, UserAction::Ban, anyBanned, tr("Nobody selected is banned"));
    gate(m_suspendAction, UserAction::Suspend, anyActive,
         users.size() == 1 ? tr("Already suspended") : tr("Everyone selected is already suspended"));
    gate(m_unsuspendAction, UserAction::Suspend, anySuspended, tr("Nobody selected is suspended"));
    gate(m_resetPasswordAction, UserAction::IssueToken, single, tr("Select one user"));
    gate(m_setPasswordAction, UserAction::SetPassword, single, tr("Select one user"));
    gate(m_revokeSessionsAction, UserAction::EndSessions);
    gate(m_deleteAction, UserAction::Delete);
    gate(m_impersonateAction, UserAction::Impersonate, single, tr("Select one user"));
    gate(m_moveAction, UserAction::Move, single, tr("Select one user"));
    // What the deployment lacks is disabled whatever the selection, with its reason.
    requireCapability(m_suspendAction, Capability::SuspendUsers);
    requireCapability(m_unsuspendAction, Capability::SuspendUsers);
    requireCapability(m_resetPasswordAction, Capability::PasswordResetCodes);
    requireCapability(m_impersonateAction, Capability::Impersonation);
    requireCapability(m_moveAction, Capability::MoveUsers);
    // Roles: the dialogs offer each role by policy::canGiveRole; here, the right to manage the
    // user's roles at all (never one's own, from the console).
    for (QAction* rolesAction : { m_rolesAction, m_assignRoleAction, m_removeRoleAction }) {
        QString reason;
        if (may(perm::UserRoles, &reason))
            reason = refusal([&](const User& u) { return policy::canManageUser(me, u, true); }, perm::UserRoles);
        if (reason.isEmpty() && rolesAction == m_rolesAction && !single)
            reason = tr("Select one user");
        setActionAllowed(rolesAction, reason.isEmpty(), reason);
    }
    QString r;
    setActionAllowed(m_sessionsAction, single && may(perm::SessionRead, &r), single ? r : tr("Select one user"));
    setActionAllowed(m_auditAction, single && may(perm::AuditView, &r), single ? r : tr("Select one user"));
    requireCapability(m_auditAction, Capability::AuditLog);
    emit actionsChanged();
}

void UsersPane::showContextMenu(const QPoint& pos)
{
    if (!m_table->indexAt(pos).isValid() && selectedUsers().isEmpty())
        return;
    QList<QAction*> actions;
    const bool bulk = selectedUsers().size() > 1;
    if (!bulk)
        actions << m_editAction << m_rolesAction << m_resetPasswordAction << m_setPasswordAction << nullptr;
    actions << m_banAction << m_unbanAction << m_suspendAction << m_unsuspendAction << m_revokeSessionsAction;
    if (bulk)
        actions << nullptr << m_assignRoleAction << m_removeRoleAction;
    else
        actions << nullptr << m_sessionsAction << m_auditAction << m_impersonateAction << m_moveAction;
    actions << nullptr << m_deleteAction;
    popupMenu(m_table, actions, pos);
}

bool UsersPane::canCreate(QString* whyNot) const
{
    return may(perm::UserCreate, whyNot);
}

bool UsersPane::canDelete(QString* whyNot) const
{
    if (whyNot)
        *whyNot = m_deleteAction->toolTip();
    return m_deleteAction->isEnabled();
}

void UsersPane::afterWrite(const QString& message)
{
    emit statusMessage(message);
    m_model->reload(); // the selection follows its users into the new rows (keepSelectionById)
}

void UsersPane::createNew()
{
    QString why;
    if (!canCreate(&why)) {
        emit statusMessage(why);
        return;
    }
    // The dialog offers the roles and organizations as they are now (what the deployment has of them).
    auto open = [this] {
        auto* dialog = new UserDialog(m_backend, nullptr, m_organizations, m_roles,
                                      organizationScope() ? organizationScope() : actor().organizationId, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this, dialog] {
            // Listed first and selected even when the search or the filters would hide it.
            const User created = dialog->savedUser();
            m_model->pinUser(created);
            afterWrite(tr("Created %1").arg(created.email));
            selectId(created.id);
        });
        dialog->open();
    };
    auto withOrganizations = [this, open] {
        if (!deploymentHas(Capability::MoveUsers))
            return open();
        whenDone(m_backend->listOrganizations(), this, [this, open](const Result<QList<Organization>>& organizations) {
            if (organizations.ok())
                m_organizations = organizations.value();
            open();
        });
    };
    if (!deploymentHas(Capability::RoleCatalog))
        return withOrganizations();
    whenDone(m_backend->listRoles(), this, [this, withOrganizations](const Result<QList<Role>>& roles) {
        if (!roles.ok())
            return showError(tr("New user"), roles.error());
        m_roles = roles.value();
        withOrganizations();
    });
}

void UsersPane::editSelected()
{
    const auto users = selectedUsers();
    if (users.size() != 1 || !m_editAction->isEnabled())
        return;
    auto* dialog = new UserDialog(m_backend, &users.first(), m_organizations, m_roles, 0, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_model->updateUser(dialog->savedUser());
        emit statusMessage(tr("Saved %1").arg(dialog->savedUser().email));
    });
    dialog->open();
}

BulkActionDialog* UsersPane::runBulk(const QString& title, const QString& verb, const QList<User>& users,
                                     std::function<QFuture<Status>(Backend*, const User&)> operation)
{
    auto* dialog = new BulkActionDialog(m_backend, title, verb, users, std::move(operation), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &BulkActionDialog::finishedAll, this, [this, dialog] {
        emit statusMessage(dialog->summary());
        m_model->reload();
    });
    dialog->open();
    return dialog;
}

namespace {
template <typename T> QFuture<Status> toStatus(QFuture<Result<T>> future)
{
    return future.then([](const Result<T>& r) { return r.ok() ? Status() : Status(r.error()); });
}
} // namespace

void UsersPane::banSelected()
{
    const auto users = selectedUsers();
    if (users.isEmpty() || !m_banAction->isEnabled())
        return;
    auto* dialog = new BanDialog(m_backend, users, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, users] {
        if (users.size() == 1) {
            m_model->updateUser(dialog->bannedUser());
            emit statusMessage(tr("Banned %1").arg(users.first().email));
            return;
        }
        const QString reason = dialog->reason();
        const QDateTime expires = dialog->expiresAt();
        runBulk(tr("Ban users"), tr("Ban"), users,
                [reason, expires](Backend* b, const User& u) { return toStatus(b->banUser(u.id, reason, expires)); });
    });
    dialog->open();
}

void UsersPane::unbanSelected()
{
    const auto users = selectedUsers();
    if (users.isEmpty() || !m_unbanAction->isEnabled())
        return;
    if (users.size() == 1) {
        whenDone(m_backend->unbanUser(users.first().id), this, [this](const Result<User>& r) {
            if (!r.ok())
                return showError(tr("Unban"), r.error());
            m_model->updateUser(r.value());
            emit statusMessage(tr("Lifted the ban of %1").arg(r.value().email));
        });
        return;
    }
    runBulk(tr("Unban users"), tr("Unban"), users,
            [](Backend* b, const User& u) { return toStatus(b->unbanUser(u.id)); });
}

void UsersPane::suspendSelected()
{
    const auto users = selectedUsers();
    if (users.isEmpty() || !m_suspendAction->isEnabled())
        return;
    if (users.size() == 1) {
        const Id id = users.first().id;
        MessageBox::confirm(this, tr("Suspend"),
                            tr("Suspend %1? They cannot sign in until reactivated, and their sessions end now.")
                                .arg(users.first().email),
                            tr("&Suspend"), [this, id] {
                                whenDone(m_backend->suspendUser(id, {}), this, [this](const Result<User>& r) {
                                    if (!r.ok())
                                        return showError(tr("Suspend"), r.error());
                                    m_model->updateUser(r.value());
                                    emit statusMessage(tr("Suspended %1").arg(r.value().email));
                                });
                            });
        return;
    }
    runBulk(tr("Suspend users"), tr("Suspend"), users,
            [](Backend* b, const User& u) { return toStatus(b->suspendUser(u.id, {})); });
}

void UsersPane::unsuspendSelected()
{
    const auto users = selectedUsers();
    if (users.isEmpty() || !m_unsuspendAction->isEnabled())
        return;
    runBulk(tr("Reactivate users"), tr("Reactivate"), users,
            [](Backend* b, const User& u) { return toStatus(b->unsuspendUser(u.id)); });
}

void UsersPane::rolesOfSelected()
{
    const auto users = selectedUsers();
    if (users.size() != 1 || !m_rolesAction->isEnabled())
        return;
    // The dialog lists the roles as they are now (a role created meanwhile is offered too).
    const User user = users.first();
    auto open = [this, user] {
        auto* dialog = new UserRolesDialog(m_backend, user, m_roles, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this] { afterWrite(tr("Roles updated")); });
        dialog->open();
    };
    if (!deploymentHas(Capability::RoleCatalog))
        return open(); // role names: nothing to list first
    whenDone(m_backend->listRoles(), this, [this, open](const Result<QList<Role>>& roles) {
        if (!roles.ok())
            return showError(tr("Roles"), roles.error());
        m_roles = roles.value();
        open();
    });
}

void UsersPane::exportUsers()
{
    if (!m_backend)
        return;
    QString path = FileDialog::getSaveFileName(
        this, tr("Export Users"), QStringLiteral("users-%1.csv").arg(QDate::currentDate().toString(Qt::ISODate)),
        tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive))
        path += QStringLiteral(".csv");
    UserQuery query = m_model->query();
    query.search = m_search->text().trimmed();
    query.roleCode = roleFilterCode();
    query.status = m_statusFilter->currentData().toString();
    query.organizationId = organizationScope();
    auto cancel = std::make_shared<std::atomic_bool>(false);
    const QString shownPath = QDir::toNativeSeparators(path);
    auto* dialog = new QProgressDialog(tr("Exporting users to %1…").arg(shownPath), tr("Cancel"), 0, 0, this);
    dialog->setObjectName(QStringLiteral("usersExportProgress"));
    dialog->setWindowTitle(tr("Export Users"));
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    dialog->setMinimumDuration(0);
    connect(dialog, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
    const QPointer<QProgressDialog> guard(dialog);
    // Called on a backend worker thread: the label is updated on the GUI thread, if still there.
    auto progress = [guard, shownPath](qint64 written) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, shownPath, written] {
                if (guard)
                    guard->setLabelText(
                        tr("Exporting users to %1…\n%2 written").arg(shownPath, display::number(written)));
            },
            Qt::QueuedConnection);
    };
    emit statusMessage(tr("Exporting to %1…").arg(shownPath));
    whenDone(m_backend->exportUsers(query, path, progress, cancel), this,
             [this, guard, shownPath, cancel](const Result<qint64>& written) {
                 if (guard) {
                     guard->hide();
                     guard->deleteLater();
                 }
                 if (!written) {
                     if (cancel->load()) {
                         emit statusMessage(tr("Export cancelled; no file was written"));
                         return;
                     }
                     showError(tr("Export Users"), written.error());
                     return;
                 }
                 emit statusMessage(tr("Exported %1 users to %2").arg(display::number(*written), shownPath));
             });
    dialog->open();
}

void UsersPane::bulkRole(bool assign)
{
    const auto users = selectedUsers();
    if (users.isEmpty())
        return;
    const Actor me = actor();
    QStringList items;
    QStringList codes;
    const bool names = !deploymentHas(Capability::RoleCatalog); // roles are free names here
    for (const Role& r : std::as_const(m_roles)) {
        if (!names && roleRefusal(me, m_roles, r, nullptr, r.organizationId).isEmpty()) {
            items << QStringLiteral("%1 (%2)").arg(r.name, r.code);
            codes << r.code;
        }
    }
    if (names) {
        for (int i = 1; i < m_roleFilter->count(); ++i)
            items << m_roleFilter->itemData(i).toString();
        codes = items;
    }
    if (codes.isEmpty() && !names) {
        MessageBox::warning(this, tr("Roles"), tr("There is no role you may give or take."));
        return;
    }
    auto* picker = new QInputDialog(this);
    picker->setObjectName(QStringLiteral("bulkRolePicker"));
    picker->setAttribute(Qt::WA_DeleteOnClose);
    picker->setWindowTitle(assign ? tr("Assign a role") : tr("Remove a role"));
    picker->setLabelText(tr("Role:"));
    picker->setComboBoxItems(items);
    picker->setComboBoxEditable(names);
    connect(picker, &QInputDialog::textValueSelected, this,
            [this, users, assign, items, codes, names](const QString& text) {
                const QString code = names ? text.trimmed() : codes.value(items.indexOf(text));
                if (code.isEmpty())
                    return;
                if (assign)
                    runBulk(tr("Assign %1").arg(code), tr("Assign %1").arg(code), users,
                            [code](Backend* b, const User& u) { return b->assignRole(u.id, code); });
                else
                    runBulk(tr("Remove %1").arg(code), tr("Remove %1").arg(code), users,
                            [code](Backend* b, const User& u) { return b->revokeRole(u.id, code); });
            });
    picker->open();
}

void UsersPane::resetPasswordOfSelected()
{
    const auto users = selectedUsers();
    if (users.size() != 1 || !m_resetPasswordAction->isEnabled())
        return;
    const User user = users.first();
    whenDone(m_backend->issuePasswordReset(user.id), this, [this, user](const Result<QString>& token) {
        if (!token.ok())
            return showError(tr("Reset password"), token.error());
        auto* dialog = new SecretDialog(tr("Password reset for %1").arg(user.email),
                                        tr("Send this one-time reset code to %1. It works once and expires in 2 hours.")
                                            .arg(user.email.toHtmlEscaped()),
                                        token.value(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
        emit statusMessage(tr("Issued a reset code for %1").arg(user.email));
    });
}

void UsersPane::setPasswordOfSelected()
{
    const auto users = selectedUsers();
    if (users.size() != 1 || !m_setPasswordAction->isEnabled())
        return;
    const User user = users.first();
    auto* dialog = new SetPasswordDialog(m_backend, user, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const bool self = user.id == actor().userId;
    connect(dialog, &QDialog::accepted, this, [this, user, self] {
        emit statusMessage(self ? tr("Your password was changed; your sessions ended, sign in again with it")
                                : tr("Set a new password for %1; their sessions ended").arg(user.email));
        m_model->reload();
    });
    dialog->open();
}

void UsersPane::revokeSessionsOfSelected()
{
    const auto users = selectedUsers();
    if (users.isEmpty() || !m_revokeSessionsAction->isEnabled())
        return;
    // Read when each user's turn comes, after the admin has set the checkbox and pressed Run.
    auto revokeKeys = std::make_shared<bool>(false);
    BulkActionDialog* dialog
        = runBulk(tr("End sessions"), tr("End all sessions of"), users, [revokeKeys](Backend* b, const User& u) {
              return toStatus(b->revokeUserSessions(u.id, *revokeKeys));
          });
    if (!deploymentHas(Capability::ApiKeysOfOthers))
        return; // other users' keys are out of reach there (better-auth): no option to offer
    QCheckBox* option = dialog->addOption(tr("Also revoke their API &keys (after a suspected account takeover)"),
                                          QStringLiteral("revokeApiKeysCheck"), false);
    connect(option, &QCheckBox::toggled, dialog, [revokeKeys](bool on) { *revokeKeys = on; });
}

void UsersPane::impersonateSelected()
{
    const auto users = selectedUsers();
    if (users.size() != 1 || !m_impersonateAction->isEnabled())
        return;
    auto* dialog = new ImpersonateDialog(m_backend, users.first(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, users] { emit statusMessage(tr("Impersonation session opened for %1").arg(users.first().email)); });
    dialog->open();
}

MoveUserDialog* UsersPane::moveSelected()
{
    const auto users = selectedUsers();
    if (users.size() != 1 || !m_moveAction->isEnabled())
        return nullptr;
    auto* dialog = new MoveUserDialog(m_backend, users.first(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &MoveUserDialog::moved, this, [this](const User& user) {
        afterWrite(tr("Moved %1 to %2").arg(user.email, organizationName(user.organizationId)));
    });
    dialog->open();
    return dialog;
}

void UsersPane::deleteSelected()
{
    const auto users = selectedUsers();
    if (users.isEmpty() || !m_deleteAction->isEnabled())
        return;
    if (users.size() == 1) {
        const User user = users.first();
        MessageBox::confirm(this, tr("Delete user"),
                            tr("Delete %1? They can no longer sign in; their sessions end and their API keys "
                               "are revoked. The audit trail stays.")
                                .arg(user.email),
                            tr("&Delete"), [this, user] {
                                whenDone(m_backend->deleteUser(user.id), this, [this, user](const Status& s) {
                                    if (!s.ok())
                                        return showError(tr("Delete user"), s.error());
                                    m_model->unpinUser(user.id);
                                    afterWrite(tr("Deleted %1").arg(user.email));
                                });
                            });
        return;
    }
    for (const User& u : users)
        m_model->unpinUser(u.id); // a deleted user must not stay listed first
    runBulk(tr("Delete users"), tr("Delete"), users, [](Backend* b, const User& u) { return b->deleteUser(u.id); });
}

void UsersPane::copySelection()
{
    QStringList lines;
    for (const User& u : selectedUsers())
        lines << QStringList { u.email, u.fullName, u.username, u.roleCodes.join(QLatin1Char(' ')), u.status() }.join(
            QLatin1Char('\t'));
    if (!lines.isEmpty()) {
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
        emit statusMessage(tr("Copied %n row(s)", nullptr, int(lines.size())));
    }
}

} // namespace portcullis
