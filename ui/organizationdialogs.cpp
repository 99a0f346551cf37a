#include "organizationdialogs.h"

#include "dialogparts.h"
#include "displayformat.h"
#include "keyboard.h"
#include "policy/policy.h"
#include "secretdialog.h"
#include "userdialogs.h"

#include <QClipboard>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QUrl>
#include <QUrlQuery>
#include <QVBoxLayout>

namespace portcullis {

namespace {

// Context for the strings of the free functions below.
struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::OrganizationDialogs)
};

} // namespace

// --- OrganizationDialog ----------------------------------------------------------------------

QStringList OrganizationDialog::knownFeatures()
{
    return { QStringLiteral("chat"), QStringLiteral("builder"), QStringLiteral("knowledge_base"),
             QStringLiteral("api"),  QStringLiteral("sso"),     QStringLiteral("audit_export") };
}

OrganizationDialog::OrganizationDialog(Backend* backend, const Organization* organization, QWidget* parent)
    : FormDialog(parent)
    , m_backend(backend)
    , m_editing(organization != nullptr)
{
    setObjectName(QStringLiteral("organizationDialog"));
    if (organization)
        m_original = *organization;
    setWindowTitle(m_editing ? tr("Edit %1").arg(m_original.name) : tr("New organization"));
    const Actor actor = backend ? backend->actor() : Actor();
    // The plan, the user limit and the features are the commercial terms: super admins only, and
    // only where the deployment has them (not on better-auth: Capability::OrganizationLifecycle).
    const Capabilities capabilities = backend ? backend->capabilities() : Capabilities();
    const bool lifecycle = capabilities.has(Capability::OrganizationLifecycle);
    const bool commercial = actor.isSuperAdmin() && lifecycle;
    const QString superOnly = lifecycle ? tr("Only super admins change the plan, the user limit and the features")
                                        : capabilities.whyNot(Capability::OrganizationLifecycle);
    buildNameAndSlug();
    buildPlan();
    QWidget* featuresBox = buildFeatures();
    if (!commercial) {
        for (QWidget* w :
             { static_cast<QWidget*>(m_plan), static_cast<QWidget*>(m_maxUsers), static_cast<QWidget*>(featuresBox) }) {
            w->setEnabled(false);
            w->setToolTip(superOnly);
        }
    }
    QFormLayout* form = buildForm(featuresBox, commercial ? QString() : superOnly);

    m_message = dialogparts::errorMessage(this, QStringLiteral("organizationDialogMessage"));
    m_buttons = dialogparts::cancelAndAccept(this, m_editing ? tr("&Save") : tr("C&reate"),
                                             QStringLiteral("saveOrganizationButton"), &OrganizationDialog::submit);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(480);
    if (!m_editing)
        deriveSlugFromName();
}

void OrganizationDialog::buildNameAndSlug()
{
    m_name = new QLineEdit(m_original.name, this);
    m_name->setObjectName(QStringLiteral("organizationNameEdit"));
    m_name->setAccessibleName(tr("Organization name"));
    m_name->setMaxLength(policy::Limits::Name + 1);
    m_slug = new QLineEdit(m_original.slug, this);
    m_slug->setObjectName(QStringLiteral("organizationSlugEdit"));
    m_slug->setAccessibleName(tr("Slug"));
    if (m_editing) {
        m_slug->setReadOnly(true);
        m_slug->setToolTip(tr("The slug identifies the organization and cannot be changed"));
    } else {
        m_slug->setPlaceholderText(tr("derived from the name"));
        m_slug->setToolTip(tr("Lower-case letters and digits in groups separated by hyphens; derived from the name "
                              "until you edit it"));
    }
}

void OrganizationDialog::buildPlan()
{
    m_plan = new QComboBox(this);
    m_plan->setObjectName(QStringLiteral("organizationPlanCombo"));
    m_plan->setAccessibleName(tr("Plan"));
    m_plan->setEditable(true);
    m_plan->setInsertPolicy(QComboBox::NoInsert);
    m_plan->addItems({ QStringLiteral("free"), QStringLiteral("business"), QStringLiteral("enterprise") });
    m_plan->setCurrentText(m_editing ? m_original.plan : QStringLiteral("free"));

    m_maxUsers = new QSpinBox(this);
    m_maxUsers->setObjectName(QStringLiteral("organizationMaxUsersSpin"));
    m_maxUsers->setAccessibleName(tr("User limit"));
    m_maxUsers->setRange(1, 10000000);
    m_maxUsers->setGroupSeparatorShown(true);
    m_maxUsers->setValue(m_editing ? m_original.maxUsers : 100);
    m_maxUsers->setSuffix(tr(" users"));
}

// The known features and the organization's own, and a line to add another.
QWidget* OrganizationDialog::buildFeatures()
{
    m_features = new QListWidget(this);
    m_features->setObjectName(QStringLiteral("organizationFeaturesList"));
    m_features->setAccessibleName(tr("Features"));
    m_features->setMaximumHeight(m_features->fontMetrics().height() * 9);
    for (const QString& f : knownFeatures())
        addFeature(f, m_original.features.contains(f));
    for (const QString& f : std::as_const(m_original.features)) {
        if (!knownFeatures().contains(f))
            addFeature(f, true);
    }
    m_newFeature = new QLineEdit(this);
    m_newFeature->setObjectName(QStringLiteral("organizationFeatureEdit"));
    m_newFeature->setAccessibleName(tr("Another feature"));
    m_newFeature->setPlaceholderText(tr("Another feature, then Enter"));
    auto* addButton = new QPushButton(tr("&Add"), this);
    addButton->setObjectName(QStringLiteral("addFeatureButton"));
    addButton->setAutoDefault(false);
    auto addTyped = [this] {
        const QString feature = m_newFeature->text().trimmed();
        if (feature.isEmpty())
            return;
        const auto existing = m_features->findItems(feature, Qt::MatchFixedString);
        if (existing.isEmpty())
            addFeature(feature, true);
        else
            existing.first()->setCheckState(Qt::Checked);
        m_newFeature->clear();
    };
    connect(addButton, &QPushButton::clicked, this, addTyped);
    m_newFeature->installEventFilter(this);
    auto* featuresBox = new QWidget(this);
    auto* featuresLayout = new QVBoxLayout(featuresBox);
    featuresLayout->setContentsMargins(0, 0, 0, 0);
    featuresLayout->addWidget(m_features);
    auto* addRow = new QHBoxLayout;
    addRow->addWidget(m_newFeature, 1);
    addRow->addWidget(addButton);
    featuresLayout->addLayout(addRow);
    return featuresBox;
}

// `superOnlyNote` (if any) says under the form why the commercial terms cannot be changed.
QFormLayout* OrganizationDialog::buildForm(QWidget* featuresBox, const QString& superOnlyNote)
{
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_errors.addRow(form, tr("&Name:"), m_name, QStringLiteral("name"));
    m_errors.addRow(form, tr("S&lug:"), m_slug, QStringLiteral("slug"));
    m_errors.addRow(form, tr("&Plan:"), m_plan, QStringLiteral("plan"));
    m_errors.addRow(form, tr("&User limit:"), m_maxUsers, QStringLiteral("max_users"));
    m_errors.addRow(form, tr("&Features:"), featuresBox, QStringLiteral("features"));
    if (auto* label = qobject_cast<QLabel*>(form->labelForField(featuresBox->parentWidget())))
        label->setBuddy(m_features);
    if (!superOnlyNote.isEmpty()) {
        auto* note = new QLabel(superOnlyNote, this);
        note->setObjectName(QStringLiteral("organizationSuperOnlyNote"));
        note->setWordWrap(true);
        form->addRow(QString(), note);
    }
    return form;
}

// A new organization's slug follows its name until the slug is edited by hand.
void OrganizationDialog::deriveSlugFromName()
{
    connect(m_name, &QLineEdit::textChanged, this, [this](const QString& name) {
        if (!m_slugEdited)
            m_slug->setText(policy::slugify(name));
    });
    // Once the slug is edited by hand it stays; clearing it goes back to deriving it.
    connect(m_slug, &QLineEdit::textEdited, this, [this](const QString& text) {
        m_slugEdited = !text.isEmpty();
        if (!m_slugEdited)
            m_slug->setText(policy::slugify(m_name->text()));
    });
}

bool OrganizationDialog::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_newFeature && event->type() == QEvent::KeyPress) {
        const int key = static_cast<QKeyEvent*>(event)->key();
        if ((key == Qt::Key_Return || key == Qt::Key_Enter) && !m_newFeature->text().trimmed().isEmpty()) {
            if (auto* add = findChild<QPushButton*>(QStringLiteral("addFeatureButton")))
                add->click();
            return true;
        }
    }
    return FormDialog::eventFilter(watched, event);
}

void OrganizationDialog::addFeature(const QString& feature, bool checked)
{
    auto* item = new QListWidgetItem(feature, m_features);
    item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
}

QStringList OrganizationDialog::checkedFeatures() const
{
    QStringList features;
    for (int i = 0; i < m_features->count(); ++i) {
        if (m_features->item(i)->checkState() == Qt::Checked)
            features << m_features->item(i)->text();
    }
    return features;
}

void OrganizationDialog::submit()
{
    if (!m_backend)
        return;
    m_message->hide();
    m_errors.clear();
    dialogparts::setAcceptEnabled(m_buttons, false);
    auto handle = [this](const Result<Organization>& result) {
        dialogparts::setAcceptEnabled(m_buttons, true);
        if (result.ok()) {
            m_saved = result.value();
            accept();
            return;
        }
        ServiceError placed = result.error();
        // A taken slug comes back as a conflict; it belongs under the slug.
        if (placed.reason == ErrorReason::Duplicate && !m_editing && placed.fieldErrors.isEmpty())
            placed.fieldErrors.insert(QStringLiteral("slug"), placed.message);
        m_errors.show(placed, m_message);
    };
    const bool commercial = m_backend->actor().isSuperAdmin();
    if (m_editing) {
        OrganizationUpdate update;
        if (m_name->text() != m_original.name)
            update.name = m_name->text();
        if (commercial) {
            if (m_plan->currentText().trimmed() != m_original.plan)
                update.plan = m_plan->currentText().trimmed();
            if (m_maxUsers->value() != m_original.maxUsers)
                update.maxUsers = m_maxUsers->value();
            if (checkedFeatures() != m_original.features)
                update.features = checkedFeatures();
        }
        whenDone(m_backend->updateOrganization(m_original.id, update), this, handle);
        return;
    }
    NewOrganization created;
    created.name = m_name->text();
    created.slug = m_slug->text().trimmed();
    created.plan = m_plan->currentText().trimmed();
    created.maxUsers = m_maxUsers->value();
    created.features = checkedFeatures();
    whenDone(m_backend->createOrganization(created), this, handle);
}

// --- WipeOutDialog ---------------------------------------------------------------------------

WipeOutDialog::WipeOutDialog(Backend* backend, const Organization& organization, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_organization(organization)
{
    setObjectName(QStringLiteral("wipeOutDialog"));
    setWindowTitle(tr("Wipe out %1").arg(organization.name));
    auto* icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/warning.svg")).pixmap(32, 32));
    auto* text = new QLabel(this);
    text->setObjectName(QStringLiteral("wipeOutExplanation"));
    text->setWordWrap(true);
    text->setTextFormat(Qt::RichText);
    text->setText(tr("<p><b>This deletes %1 for good</b>, with everything in it:</p>"
                     "<ul><li>its %n user(s) and their role assignments,</li>"
                     "<li>its custom roles,</li><li>its API keys,</li><li>its sessions (everyone is signed out),</li>"
                     "<li>its invitations.</li></ul>"
                     "<p>The audit log stays: it cannot be changed, and it records this wipe-out. "
                     "There is no undo.</p>",
                     nullptr, int(organization.userCount))
                      .arg(organization.name.toHtmlEscaped()));
    m_confirm = new QLineEdit(this);
    m_confirm->setObjectName(QStringLiteral("wipeOutConfirmEdit"));
    m_confirm->setAccessibleName(tr("Type the slug to confirm"));
    m_confirm->setPlaceholderText(organization.slug);

    auto* form = new QFormLayout;
    form->setRowWrapPolicy(QFormLayout::WrapAllRows);
    m_errors.addRow(form, tr("&Type the slug <b>%1</b> to confirm:").arg(organization.slug.toHtmlEscaped()), m_confirm,
                    QStringLiteral("confirm"));
    if (auto* label = qobject_cast<QLabel*>(form->labelForField(m_confirm->parentWidget())))
        label->setTextFormat(Qt::RichText); // the slug in bold, escaped above

    m_message = dialogparts::errorMessage(this, QStringLiteral("wipeOutMessage"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_wipeOut = buttons->addButton(tr("&Wipe out"), QDialogButtonBox::DestructiveRole);
    m_wipeOut->setObjectName(QStringLiteral("wipeOutButton"));
    m_wipeOut->setEnabled(false);
    m_wipeOut->setAutoDefault(false);
    m_wipeOut->setToolTip(tr("Type the slug first"));
    if (QPushButton* cancel = buttons->button(QDialogButtonBox::Cancel))
        cancel->setDefault(true); // Enter never destroys anything
    connect(m_confirm, &QLineEdit::textChanged, this, [this](const QString& typed) {
        const bool exact = typed == m_organization.slug;
        m_wipeOut->setEnabled(exact && !m_busy);
        m_wipeOut->setToolTip(exact ? tr("Delete %1 and everything in it").arg(m_organization.name)
                                    : tr("Type the slug first"));
    });
    connect(m_wipeOut, &QPushButton::clicked, this, &WipeOutDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addWidget(text, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, buttons);
    setMinimumWidth(500);
}

void WipeOutDialog::submit()
{
    if (!m_backend || m_busy || m_confirm->text() != m_organization.slug)
        return;
    m_busy = true;
    m_wipeOut->setEnabled(false);
    m_message->hide();
    m_errors.clear();
    whenDone(m_backend->wipeOutOrganization(m_organization.id, m_confirm->text()), this, [this](const Status& status) {
        m_busy = false;
        if (status.ok()) {
            accept();
            return;
        }
        m_wipeOut->setEnabled(m_confirm->text() == m_organization.slug);
        m_errors.show(status.error(), m_message);
    });
}

// --- InvitationDialog ------------------------------------------------------------------------

InvitationDialog::InvitationDialog(Backend* backend, const Organization& organization, const QList<Role>& roles,
                                   QWidget* parent)
    : FormDialog(parent)
    , m_backend(backend)
    , m_organization(organization)
{
    setObjectName(QStringLiteral("invitationDialog"));
    setWindowTitle(tr("Invite into %1").arg(organization.name));
    const Actor actor = backend ? backend->actor() : Actor();

    m_email = new QLineEdit(this);
    m_email->setObjectName(QStringLiteral("invitationEmailEdit"));
    m_email->setAccessibleName(tr("Email of the invitee"));
    m_email->setPlaceholderText(tr("name@example.com"));
    m_email->setMaxLength(policy::Limits::Email + 1);
    m_role = new QComboBox(this);
    m_role->setObjectName(QStringLiteral("invitationRoleCombo"));
    m_role->setAccessibleName(tr("Role of the invitee"));
    for (const Role& role : roles) {
        if (role.organizationId != 0 && role.organizationId != organization.id)
            continue;
        // Only roles strictly below the admin's own level: the invitee gets the role without anyone
        // assigning it later.
        if (!roleRefusal(actor, roles, role, nullptr, organization.id).isEmpty())
            continue;
        m_role->addItem(tr("%1 — %2 (level %3)").arg(role.code, role.name).arg(role.level), role.code);
    }
    m_role->setCurrentIndex(std::max(0, m_role->findData(QStringLiteral("user"))));
    m_role->setToolTip(tr("Roles below your level (%1)").arg(actor.level));
    if (!backend->capabilities().has(Capability::RoleCatalog)) {
        // No role catalog (better-auth): the member's role is a name the server knows.
        m_role->setEditable(true);
        m_role->setEditText(QStringLiteral("member"));
        m_role->setToolTip(tr("The member's role name, as the server knows it (e.g. member, admin, owner)"));
    }
    m_days = new QSpinBox(this);
    m_days->setObjectName(QStringLiteral("invitationDaysSpin"));
    m_days->setAccessibleName(tr("Days the invitation is valid"));
    // 0: the deployment's setting invitation_days (Edit > Deployment settings).
    m_days->setRange(0, limits::MaxInvitationDays);
    m_days->setSpecialValueText(tr("Deployment default"));
    m_days->setValue(0);
    m_days->setSuffix(tr(" days"));

    auto* form = new QFormLayout;
    m_errors.addRow(form, tr("&Email:"), m_email, QStringLiteral("email"));
    m_errors.addRow(form, tr("&Role:"), m_role, QStringLiteral("role"));
    if (!backend || backend->capabilities().has(Capability::InvitationLength))
        m_errors.addRow(form, tr("&Valid for:"), m_days, QStringLiteral("valid_days"));
    else
        m_days->hide(); // the deployment decides (better-auth: 48 hours)

    m_message = dialogparts::errorMessage(this, QStringLiteral("invitationDialogMessage"));
    QPushButton* invite = nullptr;
    m_buttons = dialogparts::cancelAndAccept(this, tr("&Invite"), QStringLiteral("sendInvitationButton"),
                                             &InvitationDialog::submit, &invite);
    if (m_role->count() == 0 && !m_role->isEditable()) {
        invite->setEnabled(false);
        invite->setToolTip(tr("There is no role below your level to invite with"));
    }

    // Where the server mails the invitation itself and has no plans (better-auth), the intro says so.
    const bool lifecycle = !backend || backend->capabilities().has(Capability::OrganizationLifecycle);
    auto* intro = new QLabel(
        lifecycle ? tr("The invitee receives a one-time token that creates their account in %1 "
                       "with the role you choose. It counts against the plan's user limit while "
                       "pending.")
                        .arg(organization.name)
                  : tr("The server sends the invitation to join %1 with the role you choose.").arg(organization.name),
        this);
    intro->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(460);
}

CreatedInvitation InvitationDialog::takeCreated()
{
    CreatedInvitation created = m_created;
    m_created.token.clear();
    return created;
}

void InvitationDialog::submit()
{
    if (!m_backend || (m_role->count() == 0 && !m_role->isEditable()))
        return;
    m_message->hide();
    m_errors.clear();
    dialogparts::setAcceptEnabled(m_buttons, false);
    const QString role = m_role->isEditable() ? m_role->currentText().trimmed() : m_role->currentData().toString();
    m_backend->invite(m_organization.id, m_email->text(), role, m_days->value())
        .then(this, [this](const Result<CreatedInvitation>& result) {
            dialogparts::setAcceptEnabled(m_buttons, true);
            if (result.ok()) {
                m_created = result.value();
                accept();
                return;
            }
            ServiceError placed = result.error();
            // "already a user" / "already invited" are about the address.
            if (placed.reason == ErrorReason::Duplicate && placed.fieldErrors.isEmpty())
                placed.fieldErrors.insert(QStringLiteral("email"), placed.message);
            if (placed.code == ErrorCode::Forbidden && placed.fieldErrors.isEmpty())
                placed.fieldErrors.insert(QStringLiteral("role"), placed.message);
            m_errors.show(placed, m_message);
        });
}

// --- the one-time display --------------------------------------------------------------------

QString invitationLink(const QString& token)
{
    QUrl url;
    url.setScheme(QStringLiteral("portcullis"));
    url.setHost(QStringLiteral("accept"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("token"), token);
    url.setQuery(query);
    return url.toString(QUrl::FullyEncoded);
}

SecretDialog* showInvitationSecret(const CreatedInvitation& created, const Organization& organization, QWidget* parent)
{
    const Invitation& i = created.invitation;
    const QString explanation
        = Tr::tr("Send this invitation token to <b>%1</b>: it lets them join %2 as %3 until %4.<br>"
                 "They can accept it with <code>POST /api/invitations/accept</code> once the REST server "
                 "is deployed, or open the link from <i>Copy link</i>.")
              .arg(i.email.toHtmlEscaped(), organization.name.toHtmlEscaped(), i.roleCode.toHtmlEscaped(),
                   display::dateTime(i.expiresAt).toHtmlEscaped());
    auto* dialog = new SecretDialog(Tr::tr("Invitation for %1").arg(i.email), explanation, created.token, parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (auto* buttons = dialog->findChild<QDialogButtonBox*>()) {
        auto* copyLink = buttons->addButton(Tr::tr("Copy &link"), QDialogButtonBox::ActionRole);
        copyLink->setObjectName(QStringLiteral("copyInvitationLinkButton"));
        copyLink->setAutoDefault(false);
        const QString link = invitationLink(created.token);
        QObject::connect(copyLink, &QPushButton::clicked, dialog, [copyLink, link] {
            QGuiApplication::clipboard()->setText(link);
            copyLink->setText(Tr::tr("Link copied"));
        });
    }
    dialog->open();
    return dialog;
}

} // namespace portcullis
