#include "roleeditor.h"

#include "dialogparts.h"
#include "keyboard.h"
#include "permissiontreemodel.h"
#include "policy/catalog.h"
#include "policy/policy.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace portcullis {

RoleEditor::RoleEditor(Backend* backend, Mode mode, const Role& role, const QList<Role>& roles,
                       const QHash<Id, QString>& organizationNames, Id defaultOrganization, QWidget* parent)
    : FormDialog(parent)
    , m_backend(backend)
    , m_mode(mode)
{
    setObjectName(QStringLiteral("roleEditorDialog"));
    const Actor actor = backend ? backend->actor() : Actor();
    if (mode != Mode::Create)
        m_original = role;
    decideReadOnly(actor);
    setTitle(role);
    QLabel* note = buildReadOnlyNote();
    buildFields(actor, role);
    fillOrganizations(actor, role, organizationNames, defaultOrganization);
    QWidget* left = buildFormSide(role, roles);
    QWidget* right = buildPermissionSide(actor);
    buildButtons();
    layOut(note, left, right);
    connectFields();

    resize(std::max(sizeHint().width(), 980), 640);
    updateInheritance();
    loadCatalog();
}

// Built-in roles, and roles the admin may not edit, open read-only with the reason in a note.
void RoleEditor::decideReadOnly(const Actor& actor)
{
    if (m_mode != Mode::Edit)
        return;
    QString why;
    if (m_original.builtIn) {
        why = tr("%1 is a built-in role: it comes with Portcullis and cannot be changed. To start from it, "
                 "close this and choose \"New role based on this…\".")
                  .arg(m_original.code);
    } else if (const auto permission = policy::requirePermission(actor, perm::RoleEdit); !permission) {
        why = permission.reason;
    } else if (const auto decision = policy::canManageRole(actor, m_original); !decision) {
        why = decision.reason;
    }
    m_readOnlyReason = why;
}

void RoleEditor::setTitle(const Role& role)
{
    switch (m_mode) {
    case Mode::Create:
        setWindowTitle(tr("New role"));
        break;
    case Mode::Duplicate:
        setWindowTitle(tr("New role based on %1").arg(role.code));
        break;
    case Mode::Edit:
        setWindowTitle(isReadOnly() ? tr("Role %1").arg(role.code) : tr("Edit role %1").arg(role.code));
        break;
    }
}

QLabel* RoleEditor::buildReadOnlyNote()
{
    auto* note = new QLabel(this);
    note->setObjectName(QStringLiteral("roleReadOnlyNote"));
    note->setWordWrap(true);
    note->setFrameShape(QFrame::StyledPanel);
    note->setMargin(6);
    note->setText(m_readOnlyReason);
    note->setVisible(isReadOnly());
    return note;
}

// The form's fields, with the values of the role edited or copied.
void RoleEditor::buildFields(const Actor& actor, const Role& role)
{
    m_code = new QLineEdit(this);
    m_code->setObjectName(QStringLiteral("roleCodeEdit"));
    m_code->setAccessibleName(tr("Role code"));
    m_code->setPlaceholderText(tr("e.g. support_agent"));
    m_code->setToolTip(tr("Lower-case letters, digits and underscores; it cannot be changed later"));
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("roleNameEdit"));
    m_name->setAccessibleName(tr("Role name"));
    m_name->setMaxLength(policy::Limits::Name + 1);
    m_description = new QPlainTextEdit(this);
    m_description->setObjectName(QStringLiteral("roleDescriptionEdit"));
    m_description->setAccessibleName(tr("Role description"));
    m_description->setTabChangesFocus(true);
    m_description->setFixedHeight(m_description->fontMetrics().lineSpacing() * 3 + 14);
    m_level = new QSpinBox(this);
    m_level->setObjectName(QStringLiteral("roleLevelSpin"));
    m_level->setAccessibleName(tr("Role level"));
    m_level->setRange(levels::CustomMin, levels::CustomMax);
    m_level->setToolTip(
        actor.isSuperAdmin()
            ? tr("Higher levels manage lower ones; custom roles go from %1 to %2")
                  .arg(levels::CustomMin)
                  .arg(levels::CustomMax)
            : tr("Higher levels manage lower ones; your level is %1, so a role you manage stays below it")
                  .arg(actor.level));
    m_inheritance = new QLabel(this);
    m_inheritance->setObjectName(QStringLiteral("roleInheritanceLabel"));
    m_inheritance->setWordWrap(true);
    m_organization = new QComboBox(this);
    m_organization->setObjectName(QStringLiteral("roleOrganizationCombo"));
    m_organization->setAccessibleName(tr("Organization of the role"));

    if (m_mode == Mode::Create) {
        m_level->setValue(std::clamp(std::min(30, actor.level - 1), levels::CustomMin, levels::CustomMax));
    } else {
        m_code->setText(m_mode == Mode::Edit ? role.code : role.code + QStringLiteral("_copy"));
        m_name->setText(m_mode == Mode::Edit ? role.name : tr("Copy of %1").arg(role.name));
        m_description->setPlainText(role.description);
        m_level->setValue(std::clamp(role.level, levels::CustomMin, levels::CustomMax));
    }
    if (m_mode == Mode::Edit) {
        m_code->setReadOnly(true);
        m_code->setToolTip(tr("The code of a role cannot be changed"));
    }
}

// The scopes the role may be in: global and every organization for super admins, else the admin's own.
void RoleEditor::fillOrganizations(const Actor& actor, const Role& role, const QHash<Id, QString>& organizationNames,
                                   Id defaultOrganization)
{
    const Mode mode = m_mode;
    const Id organization = mode == Mode::Edit ? role.organizationId : defaultOrganization;
    if (actor.isSuperAdmin() || (mode == Mode::Edit && role.organizationId == 0))
        m_organization->addItem(tr("Global (every organization)"), QVariant::fromValue<qint64>(0));
    if (actor.isSuperAdmin()) {
        QList<Id> ids = organizationNames.keys();
        std::sort(ids.begin(), ids.end(), [&](Id a, Id b) {
            return organizationNames.value(a).localeAwareCompare(organizationNames.value(b)) < 0;
        });
        for (Id id : std::as_const(ids))
            m_organization->addItem(organizationNames.value(id), QVariant::fromValue<qint64>(id));
    } else if (!(mode == Mode::Edit && role.organizationId == 0)) {
        const Id own = mode == Mode::Edit ? role.organizationId : actor.organizationId;
        const QString name = organizationNames.value(own);
        m_organization->addItem(name.isEmpty() ? tr("My organization") : name, QVariant::fromValue<qint64>(own));
    }
    m_organization->setCurrentIndex(std::max(0, m_organization->findData(QVariant::fromValue<qint64>(organization))));
    if (mode == Mode::Edit) {
        m_organization->setEnabled(false);
        m_organization->setToolTip(tr("A role stays in the scope it was created in"));
    } else if (!actor.isSuperAdmin()) {
        m_organization->setEnabled(false);
        m_organization->setToolTip(tr("Only super admins create global roles or roles of other organizations"));
    }
}

// The left side: the form and the grants.
QWidget* RoleEditor::buildFormSide(const Role& role, const QList<Role>& roles)
{
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_errors.addRow(form, tr("&Code:"), m_code, QStringLiteral("code"));
    m_errors.addRow(form, tr("&Name:"), m_name, QStringLiteral("name"));
    m_errors.addRow(form, tr("&Description:"), m_description, QStringLiteral("description"));
    m_errors.addRow(form, tr("&Level:"), m_level, QStringLiteral("level"));
    form->addRow(QString(), m_inheritance);
    m_errors.addRow(form, tr("&Organization:"), m_organization, QStringLiteral("organization_id"));

    buildGrants(role, roles);
    auto* grantsLabel = new QLabel(tr("&Grants: roles its holders may assign"), this);
    grantsLabel->setBuddy(m_grants);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(form);
    leftLayout->addWidget(grantsLabel);
    leftLayout->addWidget(m_grants, 1);
    return left;
}

void RoleEditor::buildGrants(const Role& role, const QList<Role>& roles)
{
    m_grants = new QListWidget(this);
    m_grants->setObjectName(QStringLiteral("roleGrantsList"));
    m_grants->setAccessibleName(tr("Roles this role may assign"));
    m_grants->setToolTip(tr("Holders of this role may assign the checked roles without the permission to assign "
                            "roles, only to users below them and never a role at or above their own level"));
    // Only roles the author could assign itself can be granted (the core checks it again, and again
    // when a grant is used); a grant already on the role stays as it is.
    const int myLevel = m_backend ? m_backend->actor().level : 0;
    for (const Role& other : roles) {
        if (m_mode == Mode::Edit && other.id == role.id)
            continue;
        auto* item
            = new QListWidgetItem(tr("%1 — %2 (level %3)").arg(other.code, other.name).arg(other.level), m_grants);
        item->setData(Qt::UserRole, other.code);
        const bool held = m_mode != Mode::Create && role.grants.contains(other.code);
        const bool grantable = other.level < myLevel;
        item->setFlags(grantable || held ? Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable
                                         : Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        if (!grantable)
            item->setToolTip(tr("Only roles below your level (%1) can be granted").arg(myLevel));
        item->setCheckState(held ? Qt::Checked : Qt::Unchecked);
    }
}

// The right side: the permission tree with its filter and summary.
QWidget* RoleEditor::buildPermissionSide(const Actor& actor)
{
    m_permissionModel = new PermissionTreeModel(this);
    m_permissionModel->setObjectName(QStringLiteral("permissionTreeModel"));
    if (!actor.isSuperAdmin() && actor.kind != Actor::Kind::System)
        m_permissionModel->setHeldPermissions(actor.permissions);
    m_permissionModel->setReadOnly(isReadOnly());
    // A category stays when one of its permissions matches; all of a matching category shows.
    m_permissionProxy = new QSortFilterProxyModel(this);
    m_permissionProxy->setSourceModel(m_permissionModel);
    m_permissionProxy->setFilterKeyColumn(-1);
    m_permissionProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_permissionProxy->setRecursiveFilteringEnabled(true);
    m_permissionProxy->setAutoAcceptChildRows(true);
    m_permissionFilter = new QLineEdit(this);
    m_permissionFilter->setObjectName(QStringLiteral("permissionFilterEdit"));
    m_permissionFilter->setAccessibleName(tr("Filter permissions"));
    m_permissionFilter->setPlaceholderText(tr("Filter permissions (e.g. kb: or export)"));
    m_permissionFilter->setClearButtonEnabled(true);
    m_permissionFilter->installEventFilter(this);
    notInput(m_permissionFilter);
    buildPermissionTree();
    m_permissionSummary = new QLabel(this);
    m_permissionSummary->setObjectName(QStringLiteral("permissionSummaryLabel"));
    m_permissionSummary->setWordWrap(true);
    auto* treeLabel = new QLabel(tr("&Permissions (inherited ones are in italics and cannot be cleared here):"), this);
    treeLabel->setWordWrap(true);
    treeLabel->setBuddy(m_tree);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(treeLabel);
    rightLayout->addWidget(m_permissionFilter);
    // Errors about the permissions (an unknown code) appear in the message under the dialog.
    rightLayout->addWidget(m_tree, 1);
    rightLayout->addWidget(m_permissionSummary);
    return right;
}

void RoleEditor::buildPermissionTree()
{
    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("permissionTreeView"));
    m_tree->setAccessibleName(tr("Permissions by category"));
    m_tree->setModel(m_permissionProxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    const int codeWidth = m_tree->fontMetrics().horizontalAdvance(perm::UserImpersonate) + 90;
    m_tree->setColumnWidth(PermissionTreeModel::CodeColumn, codeWidth);
    // Room for the code and the start of the description (the rest elides), so that the editor fits an
    // 800×600 screen; a wider dialog shows the whole description.
    m_tree->setMinimumWidth(codeWidth + m_tree->fontMetrics().horizontalAdvance(QLatin1Char('m')) * 14);
}

// The message line and the buttons: Close for a read-only role (every field read-only too), else
// Cancel and Save (or Create), enabled once the catalog is loaded.
void RoleEditor::buildButtons()
{
    m_message = dialogparts::errorMessage(this, QStringLiteral("roleEditorMessage"));
    if (isReadOnly()) {
        m_buttons = new QDialogButtonBox(this);
        m_buttons->setStandardButtons(QDialogButtonBox::Close);
        connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
        m_code->setReadOnly(true);
        m_name->setReadOnly(true);
        m_description->setReadOnly(true);
        m_level->setReadOnly(true);
        m_level->setButtonSymbols(QAbstractSpinBox::NoButtons);
        m_organization->setEnabled(false);
        for (int i = 0; i < m_grants->count(); ++i)
            m_grants->item(i)->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
        return;
    }
    QPushButton* save = nullptr;
    m_buttons = dialogparts::cancelAndAccept(this, m_mode == Mode::Edit ? tr("&Save") : tr("C&reate"),
                                             QStringLiteral("saveRoleButton"), &RoleEditor::submit, &save);
    save->setEnabled(false); // until the catalog is loaded
    keyboard::addSubmitShortcut(this, save); // Return in the description is a new line
}

void RoleEditor::layOut(QLabel* note, QWidget* left, QWidget* right)
{
    // The form scrolls when the dialog is short (an 800×600 screen) instead of crushing its fields.
    auto* leftScroll = new QScrollArea(this);
    leftScroll->setObjectName(QStringLiteral("roleFormScroll"));
    leftScroll->setFrameShape(QFrame::NoFrame);
    leftScroll->setFocusPolicy(Qt::NoFocus); // Tab goes to the fields in it
    leftScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    leftScroll->setWidgetResizable(true);
    leftScroll->setWidget(left);
    leftScroll->setMinimumWidth(left->minimumSizeHint().width()
                                + leftScroll->style()->pixelMetric(QStyle::PM_ScrollBarExtent));
    auto* splitter = new QSplitter(this);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(leftScroll);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(note);
    layout->addWidget(splitter, 1);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
}

void RoleEditor::connectFields()
{
    // (A refusal of the old level goes when the level changes: FieldErrors watches every field.)
    connect(m_level, &QSpinBox::valueChanged, this, &RoleEditor::updateInheritance);
    connect(m_organization, &QComboBox::currentIndexChanged, this, &RoleEditor::offerOrganizationCodes);
    connect(m_permissionFilter, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_permissionProxy->setFilterFixedString(text.trimmed());
        m_tree->expandAll();
    });
    connect(m_permissionModel, &PermissionTreeModel::checkedPermissionsChanged, this, [this] {
        const int direct = int(m_permissionModel->checkedPermissions().size());
        m_permissionSummary->setText(tr("%n direct permission(s) checked", nullptr, direct));
    });
}

bool RoleEditor::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_permissionFilter && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if (key == Qt::Key_Return || key == Qt::Key_Enter) {
            m_tree->setFocus();
            if (!m_tree->currentIndex().isValid() && m_permissionProxy->rowCount() > 0)
                m_tree->setCurrentIndex(m_permissionProxy->index(0, 0));
            return true;
        }
    }
    return FormDialog::eventFilter(watched, event);
}

void RoleEditor::loadCatalog()
{
    if (!m_backend)
        return;
    m_permissionSummary->setText(tr("Loading the permission catalog…"));
    whenDone(m_backend->listPermissions(), this, [this](const Result<QList<Permission>>& catalog) {
        if (!catalog.ok()) {
            m_permissionSummary->setText(QString());
            m_message->setText(tr("Could not load the permission catalog: %1").arg(catalog.error().message));
            m_message->show();
            return;
        }
        m_permissionModel->setPermissions(catalog.value());
        offerOrganizationCodes();
        m_permissionModel->setCheckedPermissions(m_mode == Mode::Create ? QStringList() : m_original.permissions);
        m_permissionModel->setLevel(m_level->value());
        m_loadedPermissions = m_permissionModel->checkedPermissions();
        // Editing: every category open to choose from. Viewing: only what the role has.
        for (int row = 0; row < m_permissionProxy->rowCount(); ++row) {
            const QModelIndex category = m_permissionProxy->index(row, 0);
            m_tree->setExpanded(category, !isReadOnly() || category.data(Qt::CheckStateRole).toInt() != Qt::Unchecked);
        }
        dialogparts::setAcceptEnabled(m_buttons, true);
    });
}

void RoleEditor::offerOrganizationCodes()
{
    const Actor actor = m_backend ? m_backend->actor() : Actor();
    const Id organization = m_organization->currentData().toLongLong();
    m_permissionModel->setOrganization(organization, bool(policy::canManageCustomCodes(actor, organization)));
}

bool RoleEditor::hasChanges() const
{
    if (isReadOnly())
        return false;
    return FormDialog::hasChanges()
        || (m_loadedPermissions && *m_loadedPermissions != m_permissionModel->checkedPermissions());
}

void RoleEditor::updateInheritance()
{
    const int level = m_level->value();
    m_permissionModel->setLevel(level);
    QStringList below;
    for (const Role& builtIn : policy::builtInRoles()) {
        if (builtIn.level < level)
            below.prepend(builtIn.code);
    }
    m_inheritance->setText(below.isEmpty() ? tr("Inherits nothing: no built-in role is below level %1.").arg(level)
                                           : tr("Inherits the permissions of %1 (built-in roles below level %2).")
                                                 .arg(below.join(QStringLiteral(", ")))
                                                 .arg(level));
}

void RoleEditor::showFailure(const ServiceError& error)
{
    ServiceError placed = error;
    const Actor actor = m_backend ? m_backend->actor() : Actor();
    // The core refuses a level at or above the admin's own as "forbidden" without naming a field;
    // that refusal belongs under the level, where the admin can fix it.
    if (error.code == ErrorCode::Forbidden && error.fieldErrors.isEmpty() && !actor.isSuperAdmin()
        && m_level->value() >= actor.level)
        placed.fieldErrors.insert(QStringLiteral("level"), error.message);
    m_errors.show(placed, m_message);
}

void RoleEditor::submit()
{
    if (!m_backend || isReadOnly())
        return;
    m_message->hide();
    m_errors.clear();
    QStringList grants;
    for (int i = 0; i < m_grants->count(); ++i) {
        if (m_grants->item(i)->checkState() == Qt::Checked)
            grants << m_grants->item(i)->data(Qt::UserRole).toString();
    }
    dialogparts::setAcceptEnabled(m_buttons, false);
    auto handle = [this](const Result<Role>& result) {
        dialogparts::setAcceptEnabled(m_buttons, true);
        if (result.ok()) {
            m_saved = result.value();
            accept();
            return;
        }
        showFailure(result.error());
    };
    if (m_mode == Mode::Edit) {
        RoleUpdate update;
        update.name = m_name->text();
        update.description = m_description->toPlainText();
        update.level = m_level->value();
        update.permissions = m_permissionModel->checkedPermissions();
        update.grants = grants;
        whenDone(m_backend->updateRole(m_original.id, update), this, handle);
        return;
    }
    NewRole role;
    role.code = m_code->text().trimmed();
    role.name = m_name->text();
    role.description = m_description->toPlainText();
    role.level = m_level->value();
    role.organizationId = m_organization->currentData().toLongLong();
    role.permissions = m_permissionModel->checkedPermissions();
    role.grants = grants;
    whenDone(m_backend->createRole(role), this, handle);
}

} // namespace portcullis
