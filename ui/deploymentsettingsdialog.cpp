#include "deploymentsettingsdialog.h"

#include "policy/settings.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

namespace portcullis {

namespace {

using Unit = policy::SettingSpec::Unit;

const QString kImpersonationEnabled = QStringLiteral("impersonation_enabled");

} // namespace

DeploymentSettingsDialog::DeploymentSettingsDialog(Backend* backend, QWidget* parent)
    : FormDialog(parent)
    , m_backend(backend)
{
    setObjectName(QStringLiteral("deploymentSettingsDialog"));
    setWindowTitle(tr("Deployment settings"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("These settings apply to every server and console of this deployment. Servers pick "
                                "up a change within a few seconds; each change is recorded in the audit log."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    // The groups scroll when the screen is short (800×600, large text) instead of the dialog
    // reaching past the screen's bottom with its buttons.
    auto* groups = new QWidget(this);
    auto* groupsLayout = new QVBoxLayout(groups);
    groupsLayout->setContentsMargins(0, 0, 0, 0);

    QFormLayout* signIn = addGroup(groupsLayout, tr("Sign-in"), QStringLiteral("signInGroup"));
    addSetting(signIn, QStringLiteral("access_token_minutes"), tr("&Access token lifetime:"));
    addSetting(signIn, QStringLiteral("refresh_token_hours"), tr("&Refresh token lifetime:"));
    QFormLayout* passwords = addGroup(groupsLayout, tr("Passwords and lockout"), QStringLiteral("passwordsGroup"));
    addSetting(passwords, QStringLiteral("password_min_length"), tr("&Minimum password length:"));
    addSetting(passwords, QStringLiteral("lockout_threshold"), tr("&Lock after wrong passwords:"));
    addSetting(passwords, QStringLiteral("lockout_minutes"), tr("Lock &duration:"));
    QFormLayout* apiKeys = addGroup(groupsLayout, tr("API keys"), QStringLiteral("apiKeysGroup"));
    addSetting(apiKeys, QStringLiteral("api_key_rate_limit"), tr("Default ra&te limit:"));
    QFormLayout* impersonation = addGroup(groupsLayout, tr("Impersonation"), QStringLiteral("impersonationGroup"));
    m_impersonation = new QCheckBox(tr("Super admins may impersonate users"), this);
    m_impersonation->setObjectName(QStringLiteral("impersonationEnabledCheck"));
    m_impersonation->setToolTip(tr("Default: on"));
    m_errors.addRow(impersonation, tr("All&owed:"), m_impersonation, kImpersonationEnabled);
    addSetting(impersonation, QStringLiteral("impersonation_max_minutes"), tr("Lon&gest impersonation:"));
    connect(m_impersonation, &QCheckBox::toggled, this,
            [this](bool on) { m_spins.value(QStringLiteral("impersonation_max_minutes"))->setEnabled(on); });
    QFormLayout* audit = addGroup(groupsLayout, tr("Audit"), QStringLiteral("auditGroup"));
    addSetting(audit, QStringLiteral("audit_retention_days"), tr("&Keep audit events for:"));
    QFormLayout* invitations = addGroup(groupsLayout, tr("Invitations"), QStringLiteral("invitationsGroup"));
    addSetting(invitations, QStringLiteral("invitation_days"), tr("In&vitations valid for:"));

    groupsLayout->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("deploymentSettingsScroll"));
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setFocusPolicy(Qt::NoFocus); // Tab goes to the fields in it
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setWidgetResizable(true);
    scroll->setWidget(groups);
    scroll->setMinimumWidth(groups->minimumSizeHint().width() + style()->pixelMetric(QStyle::PM_ScrollBarExtent));
    layout->addWidget(scroll, 1);

    m_message = dialogparts::errorMessage(this, QStringLiteral("deploymentSettingsMessage"));
    m_buttons = dialogparts::cancelAndAccept(this, tr("&Save"), QStringLiteral("saveSettingsButton"),
                                             &DeploymentSettingsDialog::submit);
    m_restore = m_buttons->addButton(tr("Restore de&faults"), QDialogButtonBox::ResetRole);
    m_restore->setObjectName(QStringLiteral("restoreDefaultsButton"));
    m_restore->setToolTip(tr("Put every field back to its default; nothing is saved until you save"));
    connect(m_restore, &QPushButton::clicked, this, &DeploymentSettingsDialog::restoreDefaults);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(520);
    // All groups in view when the screen has the room, else as much as it has (the rest scrolls).
    QSize size(scroll->minimumWidth() + layout->contentsMargins().left() + layout->contentsMargins().right(),
               sizeHint().height() + groups->sizeHint().height() - scroll->sizeHint().height());
    if (const QScreen* shown = screen())
        size = size.boundedTo(shown->availableGeometry().size() * 9 / 10);
    resize(size.expandedTo(QSize(520, 0)));
    load();
}

QFormLayout* DeploymentSettingsDialog::addGroup(QVBoxLayout* layout, const QString& title, const QString& objectName)
{
    auto* group = new QGroupBox(title, this);
    group->setObjectName(objectName);
    auto* form = new QFormLayout(group);
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    layout->addWidget(group);
    return form;
}

void DeploymentSettingsDialog::addSetting(QFormLayout* form, const QString& name, const QString& label)
{
    const policy::SettingSpec* spec = policy::settingSpec(name);
    Q_ASSERT(spec);
    auto* spin = new QSpinBox(this);
    spin->setObjectName(name + QStringLiteral("Spin"));
    spin->setRange(spec->zeroMeansOff ? 0 : int(spec->minimum), int(spec->maximum));
    spin->setGroupSeparatorShown(true);
    QString defaultText;
    const int fallback = int(spec->defaultValue());
    switch (spec->unit) {
    case Unit::Minutes:
        spin->setSuffix(tr(" minutes"));
        defaultText = tr("Default: %n minute(s)", "", fallback);
        break;
    case Unit::Hours:
        spin->setSuffix(tr(" hours"));
        defaultText = fallback % 24 == 0 ? tr("Default: %1 hours (%n day(s))", "", fallback / 24).arg(fallback)
                                         : tr("Default: %n hour(s)", "", fallback);
        break;
    case Unit::Days:
        spin->setSuffix(tr(" days"));
        defaultText = tr("Default: %n day(s)", "", fallback);
        break;
    case Unit::Count:
    case Unit::Switch:
        if (name == QLatin1String("password_min_length"))
            spin->setSuffix(tr(" characters"));
        else if (name == QLatin1String("lockout_threshold"))
            spin->setSuffix(tr(" in a row"));
        else if (name == QLatin1String("api_key_rate_limit"))
            spin->setSuffix(tr(" requests/min"));
        defaultText = tr("Default: %1").arg(QString::number(fallback) + spin->suffix());
        break;
    }
    if (spec->zeroMeansOff) {
        spin->setSpecialValueText(tr("Keep forever"));
        defaultText = fallback == 0 ? tr("Default: keep forever") : defaultText;
    }
    spin->setAccessibleName(QString(label).remove(QLatin1Char('&')).remove(QLatin1Char(':')));
    spin->setToolTip(spec->zeroMeansOff ? tr("0 (keep forever), or %1 to %2").arg(spec->minimum).arg(spec->maximum)
                                        : tr("%1 to %2").arg(spec->minimum).arg(spec->maximum));
    m_spins.insert(name, spin);

    auto* row = new QWidget(this);
    auto* rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    rowLayout->addWidget(spin);
    auto* hint = new QLabel(defaultText, row);
    hint->setObjectName(name + QStringLiteral("Default"));
    hint->setForegroundRole(QPalette::PlaceholderText);
    rowLayout->addWidget(hint);
    rowLayout->addStretch();
    m_errors.addRow(form, label, row, name);
    if (auto* fieldLabel = qobject_cast<QLabel*>(form->labelForField(row)))
        fieldLabel->setBuddy(spin);
}

void DeploymentSettingsDialog::load()
{
    setProperty("loading", true);
    setEnabled(false);
    if (!m_backend)
        return;
    whenDone(m_backend->settings(), this, [this](const Result<DeploymentSettings>& result) {
        setEnabled(true);
        setProperty("loading", false);
        if (!result) {
            m_message->setText(result.error().message);
            m_message->show();
            dialogparts::setAcceptEnabled(m_buttons, false);
            m_restore->setEnabled(false);
            return;
        }
        m_loaded = *result;
        showSettings(*result);
    });
}

void DeploymentSettingsDialog::showSettings(const DeploymentSettings& settings)
{
    for (const policy::SettingSpec& spec : policy::settingSpecs()) {
        if (QSpinBox* spin = m_spins.value(spec.name))
            spin->setValue(int(spec.get(settings)));
    }
    m_impersonation->setChecked(settings.impersonationEnabled);
    m_spins.value(QStringLiteral("impersonation_max_minutes"))->setEnabled(settings.impersonationEnabled);
}

DeploymentSettings DeploymentSettingsDialog::current() const
{
    DeploymentSettings settings;
    for (const policy::SettingSpec& spec : policy::settingSpecs()) {
        if (const QSpinBox* spin = m_spins.value(spec.name))
            spec.set(settings, spin->value());
    }
    settings.impersonationEnabled = m_impersonation->isChecked();
    return settings;
}

bool DeploymentSettingsDialog::hasChanges() const
{
    // Compared with what was loaded, not with the empty form shown before the settings arrived.
    return m_loaded && current() != *m_loaded;
}

void DeploymentSettingsDialog::restoreDefaults()
{
    m_errors.clear();
    m_message->hide();
    showSettings(DeploymentSettings {});
}

void DeploymentSettingsDialog::submit()
{
    if (!m_backend || !m_loaded)
        return;
    m_message->hide();
    m_errors.clear();
    const DeploymentSettings wanted = current();
    SettingsChange change;
    for (const policy::SettingSpec& spec : policy::settingSpecs()) {
        if (spec.get(wanted) != spec.get(*m_loaded))
            change.insert(spec.name, spec.get(wanted));
    }
    if (change.isEmpty()) {
        accept();
        return;
    }
    dialogparts::setAcceptEnabled(m_buttons, false);
    whenDone(m_backend->updateSettings(change), this, [this](const Result<DeploymentSettings>& result) {
        dialogparts::setAcceptEnabled(m_buttons, true);
        if (!result) {
            m_errors.show(result.error(), m_message);
            return;
        }
        m_loaded = *result;
        emit saved(*result);
        accept();
    });
}

} // namespace portcullis
