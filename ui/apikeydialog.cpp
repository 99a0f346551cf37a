#include "apikeydialog.h"

#include "dialogparts.h"
#include "keyboard.h"
#include "policy/policy.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace portcullis {

namespace {

// The scope list asks for four rows, not a scroll area's default 192 px: the form's height is laid
// out from its fields' preferred heights, and with a line reserved under every field for its error
// the dialog has to fit an 800×600 screen. It grows with the dialog.
class ScopeList : public QListWidget
{
public:
    using QListWidget::QListWidget;
    QSize sizeHint() const override
    {
        return { QListWidget::sizeHint().width(), fontMetrics().height() * 4 + 2 * frameWidth() };
    }
};

} // namespace

ApiKeyDialog::ApiKeyDialog(Backend* backend, QWidget* parent, const QString& ownerEmail)
    : FormDialog(parent)
    , m_backend(backend)
{
    setObjectName(QStringLiteral("apiKeyDialog"));
    setWindowTitle(tr("New API key"));
    buildOwnerAndName(!ownerEmail.isEmpty() ? ownerEmail : backend ? backend->actor().email : QString());
    QWidget* scopes = buildScopes();
    QWidget* expiry = buildExpiry();
    buildLimits();
    QFormLayout* form = buildForm(scopes, expiry);
    buildButtons();
    layOut(form);
    connectFields();
    if (backend && !backend->capabilities().has(Capability::ApiKeysOfOthers)) {
        // Keys are made for the signed-in admin only on such a deployment (better-auth).
        m_owner->setText(backend->actor().email);
        m_owner->setReadOnly(true);
        m_owner->setClearButtonEnabled(false);
        m_owner->setToolTip(backend->capabilities().whyNot(Capability::ApiKeysOfOthers));
    }

    m_name->setFocus();
    resolveOwner();
}

ApiKeyDialog::ApiKeyDialog(Backend* backend, Id keyId, QWidget* parent)
    : FormDialog(parent)
    , m_backend(backend)
    , m_editId(keyId)
{
    setObjectName(QStringLiteral("apiKeyDialog"));
    setWindowTitle(tr("Edit API key"));
    buildOwnerAndName(QString());
    QWidget* scopes = buildScopes();
    QWidget* expiry = buildExpiry();
    buildLimits();
    QFormLayout* form = buildForm(scopes, expiry);
    buildButtons();
    layOut(form);
    connectFields();
    if (auto* intro = findChild<QLabel*>(QStringLiteral("apiKeyDialogIntro")))
        intro->setText(tr("The key keeps its owner and its secret (rotate it for a new secret). Programs using it "
                          "get the new scopes and limits with their next request."));
    // The owner stays: a key moves to nobody else (create a new one for them instead).
    m_owner->setReadOnly(true);
    m_owner->setClearButtonEnabled(false);
    m_owner->setToolTip(tr("A key keeps its owner; create a new key for someone else"));
    for (QAbstractButton* b : m_buttons->buttons()) {
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole) {
            b->setText(tr("Sa&ve"));
            b->setObjectName(QStringLiteral("saveApiKeyButton"));
        }
    }
    m_name->setFocus();
    loadKey();
}

// Edit mode: the key as it is now (not as the list had it), then the owner's scopes.
void ApiKeyDialog::loadKey()
{
    if (!m_backend)
        return;
    setProperty("loading", true);
    m_ownerStatus->setText(tr("Loading the key…"));
    whenDone(m_backend->getApiKey(m_editId), this, [this](const Result<ApiKey>& key) {
        if (!key.ok()) {
            setProperty("loading", false);
            return ownerFailed(tr("Could not load the key: %1").arg(key.error().message));
        }
        setKey(*key);
    });
}

void ApiKeyDialog::setKey(const ApiKey& key)
{
    m_original = key;
    setWindowTitle(tr("Edit API key %1").arg(key.name));
    m_owner->setText(key.ownerEmail);
    m_name->setText(key.name);
    m_expires->setChecked(key.expiresAt.isValid());
    if (key.expiresAt.isValid()) {
        const QDate date = key.expiresAt.toLocalTime().date();
        m_expiresOn->setMinimumDate(std::min(date, QDate::currentDate()));
        m_expiresOn->setDate(date);
    }
    m_rateLimit->setValue(key.rateLimitPerMinute);
    m_ipAllowlist->setPlainText(key.ipAllowlist.join(QLatin1Char('\n')));
    m_ownerId = key.userId;
    m_ownerStatus->hide(); // the fixed owner field says who it is; "→ same email" under it said it twice
    loadScopes(key.userId);
}

bool ApiKeyDialog::hasChanges() const
{
    if (!isEditing())
        return FormDialog::hasChanges();
    const ApiKeyUpdate update = pendingUpdate();
    return update.name || update.scopes || update.expiresAt || update.rateLimitPerMinute || update.ipAllowlist;
}

QStringList ApiKeyDialog::checkedScopes() const
{
    QStringList scopes;
    for (int i = 0; i < m_scopes->count(); ++i) {
        if (m_scopes->item(i)->checkState() == Qt::Checked)
            scopes << m_scopes->item(i)->data(Qt::UserRole).toString();
    }
    return scopes;
}

QStringList ApiKeyDialog::allowlistLines() const
{
    QStringList lines;
    for (const QString& line : m_ipAllowlist->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty())
            lines << line.trimmed();
    }
    return lines;
}

// What differs from the key as read: only that is sent.
ApiKeyUpdate ApiKeyDialog::pendingUpdate() const
{
    ApiKeyUpdate update;
    if (!m_keyLoaded)
        return update;
    if (m_name->text().trimmed() != m_original.name)
        update.name = m_name->text();
    const QStringList scopes = checkedScopes();
    if (QSet<QString>(scopes.cbegin(), scopes.cend())
        != QSet<QString>(m_original.scopes.cbegin(), m_original.scopes.cend()))
        update.scopes = scopes;
    const bool expires = m_expires->isChecked();
    if (expires != m_original.expiresAt.isValid()
        || (expires && m_expiresOn->date() != m_original.expiresAt.toLocalTime().date()))
        update.expiresAt = expires ? QDateTime(m_expiresOn->date(), QTime(23, 59, 59)).toUTC() : QDateTime();
    if (m_rateLimit->value() != m_original.rateLimitPerMinute)
        update.rateLimitPerMinute = m_rateLimit->value();
    if (allowlistLines() != m_original.ipAllowlist)
        update.ipAllowlist = allowlistLines();
    return update;
}

void ApiKeyDialog::submitEdit()
{
    if (!m_backend || !m_keyLoaded || m_busy)
        return;
    m_message->hide();
    m_errors.clear();
    if (!hasChanges()) {
        m_updated = m_original;
        accept();
        return;
    }
    m_busy = true;
    updateCreateEnabled();
    whenDone(m_backend->updateApiKey(m_editId, pendingUpdate()), this, [this](const Result<ApiKey>& updated) {
        m_busy = false;
        updateCreateEnabled();
        if (updated.ok()) {
            m_updated = updated.value();
            accept();
            return;
        }
        m_errors.show(updated.error(), m_message);
    });
}

// The owner (the signed-in admin or the user the list was filtered to, until changed; resolved to a
// user after a pause) and the name.
void ApiKeyDialog::buildOwnerAndName(const QString& ownerEmail)
{
    m_owner = new QLineEdit(ownerEmail, this);
    m_owner->setObjectName(QStringLiteral("apiKeyOwnerEdit"));
    m_owner->setAccessibleName(tr("Owner email"));
    m_owner->setPlaceholderText(tr("Email of the user the key acts for"));
    m_owner->setClearButtonEnabled(true);
    m_ownerStatus = new QLabel(this);
    m_ownerStatus->setObjectName(QStringLiteral("apiKeyOwnerStatus"));
    m_ownerStatus->setWordWrap(true);
    m_resolveDelay = new QTimer(this);
    m_resolveDelay->setSingleShot(true);
    m_resolveDelay->setInterval(300);

    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("apiKeyNameEdit"));
    m_name->setAccessibleName(tr("Key name"));
    m_name->setPlaceholderText(tr("What uses it, e.g. \"CI deploy bot\""));
    m_name->setMaxLength(policy::Limits::Name + 1);
}

// The scopes the owner holds, with a filter and a summary of what is checked.
QWidget* ApiKeyDialog::buildScopes()
{
    m_scopeFilter = new QLineEdit(this);
    m_scopeFilter->setObjectName(QStringLiteral("apiKeyScopeFilterEdit"));
    m_scopeFilter->setAccessibleName(tr("Filter scopes"));
    m_scopeFilter->setPlaceholderText(tr("Filter scopes"));
    m_scopeFilter->setClearButtonEnabled(true);
    notInput(m_scopeFilter);
    m_scopes = new ScopeList(this);
    m_scopes->setObjectName(QStringLiteral("apiKeyScopesList"));
    m_scopes->setAccessibleName(tr("Scopes"));
    m_scopes->setMinimumHeight(m_scopes->fontMetrics().height() * 4);
    m_scopeSummary = new QLabel(this);
    m_scopeSummary->setObjectName(QStringLiteral("apiKeyScopeSummary"));
    m_scopeSummary->setWordWrap(true);
    auto* scopesBox = new QWidget(this);
    auto* scopesLayout = new QVBoxLayout(scopesBox);
    scopesLayout->setContentsMargins(0, 0, 0, 0);
    scopesLayout->addWidget(m_scopeFilter);
    scopesLayout->addWidget(m_scopes, 1);
    scopesLayout->addWidget(m_scopeSummary);
    return scopesBox;
}

QWidget* ApiKeyDialog::buildExpiry()
{
    m_expires = new QCheckBox(tr("Expires at the end of"), this);
    m_expires->setObjectName(QStringLiteral("apiKeyExpiresCheck"));
    m_expires->setAccessibleName(tr("The key expires"));
    m_expiresOn = new QDateEdit(QDate::currentDate().addDays(90), this);
    m_expiresOn->setObjectName(QStringLiteral("apiKeyExpiryEdit"));
    m_expiresOn->setAccessibleName(tr("Expiry date"));
    m_expiresOn->setCalendarPopup(true);
    m_expiresOn->setMinimumDate(QDate::currentDate());
    m_expiresOn->setEnabled(false);
    connect(m_expires, &QCheckBox::toggled, m_expiresOn, &QWidget::setEnabled);
    auto* expiryBox = new QWidget(this);
    auto* expiryLayout = new QHBoxLayout(expiryBox);
    expiryLayout->setContentsMargins(0, 0, 0, 0);
    expiryLayout->addWidget(m_expires);
    expiryLayout->addWidget(m_expiresOn);
    expiryLayout->addStretch(1);
    return expiryBox;
}

// The rate limit and the IP allowlist.
void ApiKeyDialog::buildLimits()
{
    m_rateLimit = new QSpinBox(this);
    m_rateLimit->setObjectName(QStringLiteral("apiKeyRateLimitSpin"));
    m_rateLimit->setAccessibleName(tr("Rate limit per minute"));
    // 0: the deployment's setting api_key_rate_limit (Edit > Deployment settings).
    m_rateLimit->setRange(0, limits::MaxApiKeyRatePerMinute);
    m_rateLimit->setSpecialValueText(tr("Deployment default"));
    m_rateLimit->setValue(0);
    m_rateLimit->setSuffix(tr(" requests/min"));
    m_rateLimit->setGroupSeparatorShown(true);

    m_ipAllowlist = new QPlainTextEdit(this);
    m_ipAllowlist->setObjectName(QStringLiteral("apiKeyIpAllowlistEdit"));
    m_ipAllowlist->setAccessibleName(tr("IP allowlist"));
    m_ipAllowlist->setPlaceholderText(tr("One address or CIDR range per line, e.g. 203.0.113.7 or 10.0.0.0/8.\n"
                                         "Empty: any address."));
    m_ipAllowlist->setTabChangesFocus(true);
    m_ipAllowlist->setFixedHeight(m_ipAllowlist->fontMetrics().lineSpacing() * 2 + 14); // its two-line hint; it scrolls
}

QFormLayout* ApiKeyDialog::buildForm(QWidget* scopesBox, QWidget* expiryBox)
{
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_errors.addRow(form, tr("&Owner:"), m_owner, QStringLiteral("user_id"));
    form->addRow(QString(), m_ownerStatus);
    m_errors.addRow(form, tr("&Name:"), m_name, QStringLiteral("name"));
    m_errors.addRow(form, tr("&Scopes:"), scopesBox, QStringLiteral("scopes"));
    m_errors.addRow(form, tr("E&xpiry:"), expiryBox, QStringLiteral("expires_at"));
    // A key's own limits only where the deployment's keys have them (not on better-auth).
    if (!m_backend || m_backend->capabilities().has(Capability::ApiKeyLimits)) {
        m_errors.addRow(form, tr("Rate &limit:"), m_rateLimit, QStringLiteral("rate_limit_per_minute"));
        m_errors.addRow(form, tr("&IP allowlist:"), m_ipAllowlist, QStringLiteral("ip_allowlist"));
    } else {
        m_rateLimit->hide();
        m_ipAllowlist->hide();
    }
    // The buddies point at the boxes' first control for the mnemonic.
    if (auto* label = qobject_cast<QLabel*>(form->labelForField(scopesBox->parentWidget())))
        label->setBuddy(m_scopes);
    if (auto* label = qobject_cast<QLabel*>(form->labelForField(expiryBox->parentWidget())))
        label->setBuddy(m_expires);
    return form;
}

void ApiKeyDialog::buildButtons()
{
    m_message = dialogparts::errorMessage(this, QStringLiteral("apiKeyDialogMessage"));
    QPushButton* create = nullptr;
    m_buttons = dialogparts::cancelAndAccept(this, tr("C&reate key"), QStringLiteral("createApiKeyButton"),
                                             &ApiKeyDialog::submit, &create);
    create->setEnabled(false);
    keyboard::addSubmitShortcut(this, create); // Return in the IP allowlist is a new line
}

void ApiKeyDialog::layOut(QFormLayout* form)
{
    auto* intro = new QLabel(tr("The key acts for its owner, limited to the scopes you check. Its secret is shown "
                                "once, right after it is created."),
                             this);
    intro->setObjectName(QStringLiteral("apiKeyDialogIntro"));
    intro->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form, 1);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(560);
    // The wrapped intro makes the layout's height depend on the width, and a window's minimum size
    // ignores that: on a short screen the dialog opened shorter than its rows need and the scope
    // list was covered. At its narrowest it needs the most height; never less than that.
    setMinimumHeight(layout->totalHeightForWidth(560));
}

void ApiKeyDialog::connectFields()
{
    connect(m_owner, &QLineEdit::textEdited, this, &ApiKeyDialog::ownerEdited);
    connect(m_owner, &QLineEdit::returnPressed, this, &ApiKeyDialog::resolveOwner);
    connect(m_resolveDelay, &QTimer::timeout, this, &ApiKeyDialog::resolveOwner);
    connect(m_scopeFilter, &QLineEdit::textChanged, this, &ApiKeyDialog::applyScopeFilter);
    connect(m_scopes, &QListWidget::itemChanged, this, &ApiKeyDialog::updateCreateEnabled);
    connect(m_name, &QLineEdit::textChanged, this, &ApiKeyDialog::updateCreateEnabled);
}

CreatedApiKey ApiKeyDialog::takeCreated()
{
    CreatedApiKey created = m_created;
    m_created.secret.clear();
    return created;
}

void ApiKeyDialog::ownerEdited()
{
    m_ownerId = 0;
    ++m_resolveGeneration;
    m_scopes->clear();
    m_ownerStatus->setText(tr("Looking for the user…"));
    m_scopeSummary->clear();
    updateCreateEnabled();
    m_resolveDelay->start();
}

void ApiKeyDialog::resolveOwner()
{
    m_resolveDelay->stop();
    if (!m_backend)
        return;
    const int generation = ++m_resolveGeneration;
    const QString typed = m_owner->text().trimmed();
    if (typed.isEmpty())
        return ownerFailed(tr("Type the email of the user the key acts for."));
    UserQuery query;
    query.search = typed;
    query.limit = 10;
    m_ownerStatus->setText(tr("Looking for the user…"));
    whenDone(m_backend->listUsers(query), this, [this, generation, typed](const Result<Page<User>>& page) {
        if (generation != m_resolveGeneration)
            return;
        if (!page.ok())
            return ownerFailed(page.error().message);
        const QList<User>& users = page->items;
        for (const User& u : users) {
            if (u.email.compare(typed, Qt::CaseInsensitive) == 0 || u.username.compare(typed, Qt::CaseInsensitive) == 0)
                return setOwner(u);
        }
        if (users.size() == 1)
            return setOwner(users.first());
        if (users.isEmpty())
            return ownerFailed(tr("No user matches “%1”.").arg(typed));
        ownerFailed(tr("%n users match “%1”; type the whole email address.", nullptr, int(page->total)).arg(typed));
    });
}

void ApiKeyDialog::ownerFailed(const QString& message)
{
    m_ownerId = 0;
    m_ownerStatus->setText(message);
    m_ownerStatus->show();
    m_scopes->clear();
    m_scopeSummary->clear();
    updateCreateEnabled();
    emit ownerResolved(false);
}

void ApiKeyDialog::setOwner(const User& user)
{
    const Actor me = m_backend ? m_backend->actor() : Actor();
    const bool self = user.id == me.userId;
    if (!self) {
        if (const auto decision = policy::canManageUser(me, user, false); !decision)
            return ownerFailed(tr("You cannot create keys for %1: %2").arg(user.email, decision.reason));
    }
    m_ownerId = user.id;
    const QString who = user.fullName.isEmpty() ? user.email : tr("%1 <%2>").arg(user.fullName, user.email);
    m_ownerStatus->setText(self ? tr("→ %1 (you)").arg(who) : tr("→ %1").arg(who));
    loadScopes(user.id);
}

void ApiKeyDialog::loadScopes(Id ownerId)
{
    const int generation = m_resolveGeneration;
    if (const Capabilities capabilities = m_backend->capabilities(); !capabilities.has(Capability::PermissionCatalog)) {
        // No permission catalog: the key acts as its owner; there are no scopes to offer.
        m_scopes->clear();
        m_scopes->setEnabled(false);
        m_scopeFilter->setEnabled(false);
        updateCreateEnabled();
        return;
    }
    m_scopeSummary->setText(tr("Loading what the owner holds…"));
    whenDone(m_backend->userEffectivePermissions(ownerId), this, [this, generation](const Result<QStringList>& held) {
        if (generation != m_resolveGeneration)
            return;
        if (!held.ok())
            return ownerFailed(tr("Could not read the owner's permissions: %1").arg(held.error().message));
        const QSet<QString> owner(held->cbegin(), held->cend());
        // Offer every catalog permission the owner holds, plus the wildcards they hold themselves.
        QStringList offered;
        for (const Permission& p : policy::permissionCatalog()) {
            if (policy::hasPermission(owner, p.code))
                offered << p.code;
        }
        QStringList custom; // the owner's organization's own codes (roles carry no other unknown code)
        for (const QString& code : owner) {
            if (code.endsWith(QLatin1Char('*')) && !offered.contains(code))
                offered << code;
            else if (!policy::isKnownPermission(code))
                custom << code;
        }
        custom.sort();
        offered << custom;
        QSet<QString> previouslyChecked;
        for (int i = 0; i < m_scopes->count(); ++i) {
            if (m_scopes->item(i)->checkState() == Qt::Checked)
                previouslyChecked.insert(m_scopes->item(i)->data(Qt::UserRole).toString());
        }
        QSet<QString> lost; // edit mode: scopes of the key that its owner no longer holds
        if (isEditing() && !m_keyLoaded) {
            for (const QString& scope : std::as_const(m_original.scopes)) {
                previouslyChecked.insert(scope);
                if (!offered.contains(scope)) {
                    offered << scope;
                    lost.insert(scope);
                }
            }
        }
        const QSignalBlocker block(m_scopes);
        m_scopes->clear();
        QHash<QString, QString> descriptions;
        for (const Permission& p : policy::permissionCatalog())
            descriptions.insert(p.code, p.description);
        for (const QString& code : std::as_const(offered)) {
            auto* item = new QListWidgetItem(code, m_scopes);
            item->setData(Qt::UserRole, code);
            item->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            item->setCheckState(previouslyChecked.contains(code) ? Qt::Checked : Qt::Unchecked);
            const QString description = descriptions.value(code);
            item->setToolTip(lost.contains(code) ? tr("The owner no longer holds %1: uncheck it").arg(code)
                                 : code.endsWith(QLatin1Char('*'))
                                 ? tr("Wildcard: everything the owner holds under %1").arg(code)
                                 : custom.contains(code) ? tr("A permission code of the owner's organization")
                                                         : description);
        }
        applyScopeFilter();
        if (isEditing() && !m_keyLoaded) {
            m_keyLoaded = true;
            // The key's own scopes in view, not the top of the catalog.
            for (int i = 0; i < m_scopes->count(); ++i) {
                if (m_scopes->item(i)->checkState() == Qt::Checked) {
                    m_scopes->scrollToItem(m_scopes->item(i), QAbstractItemView::PositionAtTop);
                    break;
                }
            }
            setProperty("loading", false);
        }
        updateCreateEnabled();
        emit ownerResolved(true);
    });
}

void ApiKeyDialog::applyScopeFilter()
{
    const QString needle = m_scopeFilter->text().trimmed();
    for (int i = 0; i < m_scopes->count(); ++i) {
        QListWidgetItem* item = m_scopes->item(i);
        item->setHidden(!needle.isEmpty() && !item->text().contains(needle, Qt::CaseInsensitive)
                        && !item->toolTip().contains(needle, Qt::CaseInsensitive));
    }
}

void ApiKeyDialog::updateCreateEnabled()
{
    int checked = 0;
    for (int i = 0; i < m_scopes->count(); ++i) {
        if (m_scopes->item(i)->checkState() == Qt::Checked)
            ++checked;
    }
    if (const Capabilities capabilities = m_backend ? m_backend->capabilities() : Capabilities();
        !capabilities.has(Capability::PermissionCatalog))
        m_scopeSummary->setText(capabilities.whyNot(Capability::PermissionCatalog));
    else if (m_ownerId != 0)
        m_scopeSummary->setText(
            checked == 0 ? tr("Check at least one scope: a key without scopes can do nothing.")
                         : tr("%n scope(s) checked of %1 the owner holds", nullptr, checked).arg(m_scopes->count()));
    for (QAbstractButton* b : m_buttons->buttons()) {
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole) {
            b->setEnabled(!m_busy && m_ownerId != 0 && (!isEditing() || m_keyLoaded));
            b->setToolTip(m_ownerId == 0 ? tr("Choose an owner first") : QString());
        }
    }
}

void ApiKeyDialog::submit()
{
    if (isEditing())
        return submitEdit();
    if (!m_backend || m_ownerId == 0 || m_busy)
        return;
    m_message->hide();
    m_errors.clear();
    NewApiKey key;
    key.name = m_name->text();
    key.userId = m_ownerId;
    for (int i = 0; i < m_scopes->count(); ++i) {
        if (m_scopes->item(i)->checkState() == Qt::Checked)
            key.scopes << m_scopes->item(i)->data(Qt::UserRole).toString();
    }
    if (m_expires->isChecked())
        key.expiresAt = QDateTime(m_expiresOn->date(), QTime(23, 59, 59)).toUTC();
    key.rateLimitPerMinute = m_rateLimit->value();
    for (const QString& line : m_ipAllowlist->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty())
            key.ipAllowlist << line.trimmed();
    }
    m_busy = true;
    updateCreateEnabled();
    whenDone(m_backend->createApiKey(key), this, [this](const Result<CreatedApiKey>& created) {
        m_busy = false;
        updateCreateEnabled();
        if (created.ok()) {
            m_created = created.value();
            accept();
            return;
        }
        ServiceError placed = created.error();
        // A refusal about the owner (e.g. a user at or above your level) belongs under the owner.
        if (placed.code == ErrorCode::Forbidden && placed.fieldErrors.isEmpty())
            placed.fieldErrors.insert(QStringLiteral("user_id"), placed.message);
        m_errors.show(placed, m_message);
    });
}

RotateApiKeyDialog::RotateApiKeyDialog(Backend* backend, const ApiKey& key, QWidget* parent)
    : QDialog(parent)
    , m_backend(backend)
    , m_key(key)
{
    setObjectName(QStringLiteral("rotateApiKeyDialog"));
    setWindowTitle(tr("Rotate API key"));
    auto* intro
        = new QLabel(tr("Rotate the key <b>%1</b> (%2) of %3? It gets a new secret, shown once. Its name, "
                        "owner, scopes and limits stay.")
                         .arg(key.name.toHtmlEscaped(), key.prefix.toHtmlEscaped(), key.ownerEmail.toHtmlEscaped()),
                     this);
    intro->setObjectName(QStringLiteral("rotateApiKeyIntro"));
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::RichText);
    m_grace = new QComboBox(this);
    m_grace->setObjectName(QStringLiteral("rotateGraceCombo"));
    m_grace->setAccessibleName(tr("Grace period of the old secret"));
    m_grace->addItem(tr("None: refuse the old secret at once"), qint64(0));
    m_grace->addItem(tr("1 hour"), qint64(3600));
    m_grace->addItem(tr("24 hours"), qint64(24 * 3600));
    m_grace->addItem(tr("7 days"), qint64(7 * 24 * 3600));
    m_grace->setCurrentIndex(m_grace->findData(limits::DefaultApiKeyRotationGrace));
    auto* form = new QFormLayout;
    form->addRow(tr("The old secret &works for:"), m_grace);
    auto* note = new QLabel(tr("Programs keep working with the old secret during the grace period while you "
                               "hand out the new one. Rotating again within it refuses the older secret at once."),
                            this);
    note->setWordWrap(true);
    m_message = dialogparts::errorMessage(this, QStringLiteral("rotateApiKeyMessage"));
    m_buttons = dialogparts::cancelAndAccept(this, tr("&Rotate"), QStringLiteral("rotateApiKeyButton"),
                                             &RotateApiKeyDialog::submit);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(note);
    dialogparts::addMessageAndButtons(layout, m_message, m_buttons);
    setMinimumWidth(480);
    m_grace->setFocus();
}

CreatedApiKey RotateApiKeyDialog::takeRotated()
{
    CreatedApiKey rotated = m_rotated;
    m_rotated.secret.clear();
    return rotated;
}

void RotateApiKeyDialog::submit()
{
    if (!m_backend || m_busy)
        return;
    m_busy = true;
    m_message->hide();
    m_buttons->setEnabled(false);
    whenDone(m_backend->rotateApiKey(m_key.id, m_grace->currentData().toLongLong()), this,
             [this](const Result<CreatedApiKey>& rotated) {
                 m_busy = false;
                 m_buttons->setEnabled(true);
                 if (rotated.ok()) {
                     m_rotated = rotated.value();
                     accept();
                     return;
                 }
                 m_message->setText(rotated.error().message);
                 m_message->show();
             });
}

} // namespace portcullis
