#include "permissioncodesdialog.h"

#include "backend.h"
#include "dialogparts.h"
#include "messagebox.h"
#include "policy/policy.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScreen>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace portcullis {

PermissionCodesDialog::PermissionCodesDialog(Backend* backend, Id organizationId, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
{
    setObjectName(QStringLiteral("permissionCodesDialog"));
    setWindowTitle(tr("Permission codes"));
    setProperty("loading", true);

    m_organization = new QComboBox(this);
    m_organization->setObjectName(QStringLiteral("permissionCodesOrganizationCombo"));
    m_organization->setAccessibleName(tr("Organization"));

    m_help = new QLabel(this);
    m_help->setObjectName(QStringLiteral("permissionCodesHelp"));
    m_help->setWordWrap(true);
    m_help->setText(tr("Codes the applications that use Portcullis check, written slug:resource:action in lower-case "
                       "letters, digits, _ and -. Put them into the organization's custom roles and API-key scopes; "
                       "they never give a right in Portcullis itself. A code still in use cannot be deleted."));

    m_codes = new QTreeWidget(this);
    m_codes->setObjectName(QStringLiteral("permissionCodesList"));
    m_codes->setAccessibleName(tr("Permission codes"));
    m_codes->setRootIsDecorated(false);
    m_codes->setUniformRowHeights(true);
    m_codes->setColumnCount(2);
    m_codes->setHeaderLabels({ tr("Code"), tr("Description") });
    m_codes->header()->setStretchLastSection(true);
    m_codes->setColumnWidth(0, m_codes->fontMetrics().horizontalAdvance(QLatin1Char('m')) * 22);
    m_codes->setMinimumHeight(m_codes->fontMetrics().height() * 7);

    m_empty = new QLabel(this);
    m_empty->setObjectName(QStringLiteral("permissionCodesEmptyLabel"));
    m_empty->setWordWrap(true);
    m_empty->hide();

    m_code = new QLineEdit(this);
    m_code->setObjectName(QStringLiteral("permissionCodeEdit"));
    m_code->setMaxLength(policy::CustomCodes::MaxCode);
    m_description = new QLineEdit(this);
    m_description->setObjectName(QStringLiteral("permissionDescriptionEdit"));
    m_description->setMaxLength(policy::Limits::Description);
    m_description->setPlaceholderText(tr("What the code lets its holder do"));
    auto* top = new QFormLayout;
    m_errors.addRow(top, tr("&Organization:"), m_organization, QStringLiteral("organization_id"));
    auto* form = new QFormLayout;
    m_errors.addRow(form, tr("New &code:"), m_code, QStringLiteral("code"));
    m_errors.addRow(form, tr("D&escription:"), m_description, QStringLiteral("description"));

    m_add = new QPushButton(tr("&Add"), this);
    m_add->setObjectName(QStringLiteral("addPermissionCodeButton"));
    m_delete = new QPushButton(tr("&Delete…"), this);
    m_delete->setObjectName(QStringLiteral("deletePermissionCodeButton"));
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_add);
    actions->addWidget(m_delete);
    actions->addStretch(1);

    m_message = dialogparts::errorMessage(this, QStringLiteral("permissionCodesMessage"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->setObjectName(QStringLiteral("permissionCodesButtons"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_help);
    layout->addLayout(top);
    layout->addWidget(m_codes, 1);
    layout->addWidget(m_empty);
    layout->addLayout(form);
    layout->addLayout(actions);
    dialogparts::addMessageAndButtons(layout, m_message, buttons);
    setTabOrder(m_organization, m_codes);
    setTabOrder(m_codes, m_code);
    setTabOrder(m_code, m_description);
    setTabOrder(m_description, m_add);
    setTabOrder(m_add, m_delete);
    // As wide as 46 "m", and as tall as the wrapped help text needs at that width (the size hint's
    // height is for its own, narrower width), never more than the screen has.
    const int width = qMax(sizeHint().width(), m_codes->fontMetrics().horizontalAdvance(QLatin1Char('m')) * 46);
    const int height = layout->hasHeightForWidth() ? layout->totalHeightForWidth(width) : sizeHint().height();
    QSize size(width, height);
    if (const QScreen* shown = screen())
        size = size.boundedTo(shown->availableGeometry().size() - QSize(0, 60));
    resize(size);

    connect(m_organization, &QComboBox::currentIndexChanged, this, &PermissionCodesDialog::organizationChosen);
    connect(m_codes, &QTreeWidget::itemSelectionChanged, this, &PermissionCodesDialog::updateButtons);
    connect(m_code, &QLineEdit::textChanged, this, &PermissionCodesDialog::updateButtons);
    connect(m_code, &QLineEdit::returnPressed, this, &PermissionCodesDialog::addCode);
    connect(m_description, &QLineEdit::returnPressed, this, &PermissionCodesDialog::addCode);
    connect(m_add, &QPushButton::clicked, this, &PermissionCodesDialog::addCode);
    connect(m_delete, &QPushButton::clicked, this, &PermissionCodesDialog::deleteSelected);
    updateButtons();
    loadOrganizations(organizationId);
}

Id PermissionCodesDialog::organizationId() const
{
    return m_organization->currentData().toLongLong();
}

QString PermissionCodesDialog::prefix() const
{
    const QString slug = m_slugs.value(organizationId());
    return slug.isEmpty() ? QString() : slug + QLatin1Char(':');
}

void PermissionCodesDialog::loadOrganizations(Id preferred)
{
    if (!m_backend)
        return;
    const Id wanted = preferred != 0 ? preferred : m_backend->actor().organizationId;
    whenDone(m_backend->listOrganizations(), this, [this, wanted](const Result<QList<Organization>>& list) {
        QList<Organization> organizations;
        if (list.ok()) {
            organizations = list.value();
        } else if (list.error().code == ErrorCode::Forbidden && m_backend->actor().organizationId != 0) {
            // Without admin:org:view: the actor's own organization, whose slug the list does not tell.
            Organization own;
            own.id = m_backend->actor().organizationId;
            own.name = tr("My organization");
            organizations << own;
        } else {
            setProperty("loading", false);
            return showFailure(list.error());
        }
        std::sort(organizations.begin(), organizations.end(),
                  [](const Organization& a, const Organization& b) { return a.name.localeAwareCompare(b.name) < 0; });
        const QSignalBlocker blocker(m_organization);
        m_organization->clear();
        for (const Organization& organization : std::as_const(organizations)) {
            m_slugs.insert(organization.id, organization.slug);
            m_organization->addItem(organization.slug.isEmpty()
                                        ? organization.name
                                        : tr("%1 (%2)").arg(organization.name, organization.slug),
                                    QVariant::fromValue<qint64>(organization.id));
        }
        m_organization->setCurrentIndex(std::max(0, m_organization->findData(QVariant::fromValue<qint64>(wanted))));
        m_organization->setEnabled(m_organization->count() > 1);
        if (m_organization->count() == 0) {
            setProperty("loading", false);
            m_empty->setText(tr("No organization to show."));
            m_empty->show();
            return;
        }
        organizationChosen();
    });
}

void PermissionCodesDialog::organizationChosen()
{
    m_errors.clear();
    m_message->hide();
    m_code->setText(prefix());
    m_code->setPlaceholderText(prefix().isEmpty() ? tr("slug:resource:action")
                                                  : prefix() + QStringLiteral("report:view"));
    loadCodes();
}

void PermissionCodesDialog::loadCodes()
{
    if (!m_backend || organizationId() == 0)
        return;
    const int generation = ++m_generation;
    const Id organization = organizationId();
    whenDone(m_backend->listOrganizationPermissions(organization), this,
             [this, generation](const Result<QList<Permission>>& list) {
                 if (generation != m_generation)
                     return; // another organization was chosen meanwhile
                 setProperty("loading", false);
                 m_codes->clear();
                 if (!list.ok()) {
                     updateButtons();
                     return showFailure(list.error());
                 }
                 for (const Permission& permission : list.value()) {
                     auto* item = new QTreeWidgetItem(m_codes, { permission.code, permission.description });
                     item->setToolTip(0, permission.code);
                     item->setToolTip(1, permission.description);
                 }
                 m_empty->setText(tr("%1 has no permission codes of its own yet.").arg(m_organization->currentText()));
                 m_empty->setVisible(list.value().isEmpty());
                 updateButtons();
             });
}

void PermissionCodesDialog::updateButtons()
{
    const Actor actor = m_backend ? m_backend->actor() : Actor();
    const policy::Decision may = policy::canManageCustomCodes(actor, organizationId());
    const QString code = m_code->text().trimmed();
    m_add->setEnabled(may && !m_busy && organizationId() != 0 && code.size() > prefix().size());
    m_add->setToolTip(may ? tr("Define the code for this organization (Enter)") : may.reason);
    m_delete->setEnabled(may && !m_busy && m_codes->currentItem() && m_codes->currentItem()->isSelected());
    m_delete->setToolTip(may ? tr("Delete the selected code") : may.reason);
    m_code->setReadOnly(!may);
    m_description->setReadOnly(!may);
}

void PermissionCodesDialog::showFailure(const ServiceError& error)
{
    m_errors.show(error, m_message);
}

void PermissionCodesDialog::addCode()
{
    if (!m_backend || !m_add->isEnabled())
        return;
    m_errors.clear();
    m_message->hide();
    m_busy = true;
    updateButtons();
    const QString code = m_code->text().trimmed();
    whenDone(m_backend->defineOrganizationPermission(organizationId(), code, m_description->text()), this,
             [this](const Result<Permission>& defined) {
                 m_busy = false;
                 if (!defined.ok()) {
                     updateButtons();
                     return showFailure(defined.error());
                 }
                 m_code->setText(prefix());
                 m_description->clear();
                 m_code->setFocus();
                 loadCodes();
             });
}

void PermissionCodesDialog::deleteSelected()
{
    QTreeWidgetItem* item = m_codes->currentItem();
    if (!m_backend || !item || !m_delete->isEnabled())
        return;
    const QString code = item->text(0);
    const Id organization = organizationId();
    MessageBox::confirm(
        this, tr("Delete permission code"),
        tr("Delete %1? Applications that check it will no longer find it. A code still in a role or an API key is "
           "not deleted.")
            .arg(code),
        tr("Delete"), [this, code, organization] {
            m_errors.clear();
            m_message->hide();
            m_busy = true;
            updateButtons();
            whenDone(m_backend->deleteOrganizationPermission(organization, code), this, [this](const Status& done) {
                m_busy = false;
                if (!done.ok()) {
                    updateButtons();
                    return showFailure(done.error());
                }
                loadCodes();
            });
        });
}

} // namespace portcullis
