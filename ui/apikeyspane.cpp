#include "apikeyspane.h"

#include "apikeydialog.h"
#include "apikeylistmodel.h"
#include "detailsparts.h"
#include "displayformat.h"
#include "flowlayout.h"
#include "messagebox.h"
#include "policy/catalog.h"
#include "secretdialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QCoreApplication>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace portcullis {

// The side panel: everything about the selected key except its secret, which nobody has any more.
class ApiKeyDetailsPanel : public details::Panel
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::ApiKeyDetailsPanel)

public:
    ApiKeyDetailsPanel(const Capabilities& capabilities, QWidget* parent)
        : details::Panel(QStringLiteral("apiKeyDetailsPanel"), tr("API key details"), parent)
    {
        addPlaceholder(tr("Select a key to see its scopes and limits.\n\nCreate a key with "
                          "Ctrl+N: its secret is shown once, then only its prefix remains."));
        addTitle(QStringLiteral("apiKeyDetailsTitle"));
        // Only what the deployment's keys have: no scopes without a permission catalog, no limits of
        // the key's own, no old secret without rotation (a row left out is never filled in).
        QList<QPair<QString, QString>> rows { { QStringLiteral("prefix"), tr("Key:") },
                                              { QStringLiteral("owner"), tr("Owner:") },
                                              { QStringLiteral("status"), tr("Status:") } };
        if (capabilities.has(Capability::PermissionCatalog))
            rows.append({ QStringLiteral("scopes"), tr("Scopes:") });
        if (capabilities.has(Capability::ApiKeyLimits))
            rows.append(
                { { QStringLiteral("ips"), tr("Allowed IPs:") }, { QStringLiteral("rate"), tr("Rate limit:") } });
        rows.append({ { QStringLiteral("created"), tr("Created:") }, { QStringLiteral("used"), tr("Last used:") } });
        if (capabilities.has(Capability::ApiKeyRotation))
            rows.append({ QStringLiteral("previous"), tr("Old secret:") });
        rows.append({ QStringLiteral("expires"), tr("Expires:") });
        addForm(rows, QStringLiteral("apiKeyDetail_"), { QStringLiteral("owner") });
        value(QStringLiteral("prefix"))->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        addButtonColumn();
        m_layout->addStretch(1);
        setMinimumWidth(240);
        show(nullptr);
    }

    void show(const ApiKey* key)
    {
        const bool one = key != nullptr;
        showSelection(one);
        if (!one)
            return;
        m_title->setText(key->name);
        setValue(QStringLiteral("prefix"), ApiKeyListModel::displayPrefix(*key));
        setValue(QStringLiteral("owner"), key->ownerEmail);
        setValue(QStringLiteral("status"), ApiKeyListModel::statusText(ApiKeyListModel::status(*key)));
        setValue(QStringLiteral("scopes"),
                 key->scopes.isEmpty() ? tr("none: the key can do nothing") : key->scopes.join(QLatin1Char('\n')));
        setValue(QStringLiteral("ips"),
                 key->ipAllowlist.isEmpty() ? tr("any address") : key->ipAllowlist.join(QLatin1Char('\n')));
        setValue(QStringLiteral("rate"), tr("%1 requests per minute").arg(display::number(key->rateLimitPerMinute)));
        setValue(QStringLiteral("created"), display::dateTime(key->createdAt));
        setValue(QStringLiteral("used"), key->lastUsedAt.isValid() ? display::dateTime(key->lastUsedAt) : tr("never"));
        setValue(QStringLiteral("expires"), key->expiresAt.isValid() ? display::dateTime(key->expiresAt) : tr("never"));
        // During a rotation's grace period: until when the old secret works, and whether it is still used.
        const bool grace = !key->revoked && key->previousValidUntil.isValid()
            && key->previousValidUntil > QDateTime::currentDateTimeUtc();
        setValue(QStringLiteral("previous"),
                 !grace ? (key->rotatedAt.isValid() ? tr("refused (rotated %1)").arg(display::dateTime(key->rotatedAt))
                                                    : tr("none"))
                        : tr("works until %1; last used %2")
                              .arg(display::dateTime(key->previousValidUntil),
                                   key->previousLastUsedAt.isValid() ? display::dateTime(key->previousLastUsedAt)
                                                                     : tr("never")));
    }
};

ApiKeysPane::ApiKeysPane(Backend* backend, QWidget* parent)
    : ListPane(backend, parent)
{
    setObjectName(QStringLiteral("apiKeysPane"));
    m_model = new ApiKeyListModel(backend, this);
    buildFilters();
    buildTable();
    buildDetails();
    buildActions();
    connectSignals();
    updateDetails();
}

// The search field finds keys by name, prefix (or a whole pasted key) or owner email; the owner
// filter (from another pane, or "Show all keys of this owner") narrows the list to one user.
void ApiKeysPane::buildFilters()
{
    createSearch(QStringLiteral("apiKeySearchEdit"), tr("Search API keys"),
                 deploymentHas(Capability::ApiKeysOfOthers) ? tr("Search name, key prefix or owner email (Ctrl+F)")
                                                            : tr("Search name or key prefix (Ctrl+F)"));
    m_search->setToolTip(tr("Finds keys whose name or owner email contains the text, and the key a pasted "
                            "prefix (pk_live_…) or whole key belongs to. Type at least %n character(s).",
                            nullptr, MinimumSearch));
    // "Active": neither revoked nor expired, as the dashboard's "Active API keys" counts them.
    m_statusFilter = createFilterCombo(QStringLiteral("apiKeyStatusFilterCombo"), tr("Filter by status"),
                                       { tr("Any status"), tr("Active only") });
    m_ownerFilterStatus = new QLabel(this);
    m_ownerFilterStatus->setObjectName(QStringLiteral("apiKeyOwnerFilterStatus"));
    m_clearOwner = new QToolButton(this);
    m_clearOwner->setObjectName(QStringLiteral("apiKeyClearOwnerButton"));
    m_clearOwner->setText(tr("Show everyone's keys"));
    m_clearOwner->setToolTip(tr("Clear the owner filter"));
    m_clearOwner->hide();
    createCount(QStringLiteral("apiKeyCountLabel"));
    createFilterMessage(QStringLiteral("apiKeyFilterMessage"));
    auto* filters = new FlowLayout; // wraps in a narrow window
    filters->addWidget(m_search, 2);
    filters->addWidget(m_statusFilter, 0);
    filters->addWidget(m_ownerFilterStatus, 2);
    filters->addWidget(m_clearOwner, 0);
    auto* count = new QHBoxLayout;
    count->addStretch(1);
    count->addWidget(m_count);
    filters->addLayout(count, 1);
    addFilterRow(filters);
}

void ApiKeysPane::buildTable()
{
    createTable(QStringLiteral("apiKeyTableView"), tr("API keys"), m_model, QAbstractItemView::SingleSelection,
                QStringLiteral("apiKeysEmptyLabel"));
    // Keys come newest first from the backend a page at a time; sorting a partial list would mislead.
    m_table->setSortingEnabled(false);
    const QFontMetrics fm = m_table->fontMetrics();
    const int ch = fm.averageCharWidth();
    const int pad = 2 * ch + 6;
    const QFontMetrics mono(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    const QString samplePrefix = QStringLiteral("pk_live_WWWW") + QChar(0x2026);
    const QString sampleDate = QLocale().toString(QDate(2026, 12, 28), QLocale::ShortFormat);
    auto fit = [&](const QStringList& texts) {
        int width = 0;
        for (const QString& t : texts)
            width = std::max(width, fm.horizontalAdvance(t));
        return width + pad;
    };
    QHeaderView* header = m_table->horizontalHeader();
    header->setStretchLastSection(false);
    header->setMinimumSectionSize(4 * ch);
    // Owners are the longest values that matter most; scopes (in full in the tooltip and the side
    // panel) take the room that is left.
    header->setSectionResizeMode(ApiKeyListModel::ScopesColumn, QHeaderView::Stretch);
    m_table->setColumnWidth(ApiKeyListModel::NameColumn, 19 * ch);
    m_table->setColumnWidth(ApiKeyListModel::PrefixColumn, mono.horizontalAdvance(samplePrefix) + pad);
    m_table->setColumnWidth(ApiKeyListModel::OwnerColumn, 27 * ch);
    m_table->setColumnWidth(ApiKeyListModel::LastUsedColumn, fit({ sampleDate, tr("never"), tr("Last used") }));
    m_table->setColumnWidth(ApiKeyListModel::ExpiresColumn, fit({ sampleDate, tr("never"), tr("Expires") }));
    m_table->setColumnWidth(ApiKeyListModel::RateLimitColumn,
                            fit({ tr("%1/min").arg(display::number(10000)), tr("Rate limit") }));
    m_table->setColumnWidth(ApiKeyListModel::StatusColumn,
                            fit({ ApiKeyListModel::statusText(QStringLiteral("active")),
                                  ApiKeyListModel::statusText(QStringLiteral("revoked")),
                                  ApiKeyListModel::statusText(QStringLiteral("expired")), tr("Status") }));
    // Only one's own keys (no owner to show) and no scopes where there is no permission catalog.
    m_table->setColumnHidden(ApiKeyListModel::OwnerColumn, !deploymentHas(Capability::ApiKeysOfOthers));
    m_table->setColumnHidden(ApiKeyListModel::RateLimitColumn, !deploymentHas(Capability::ApiKeyLimits));
    if (!deploymentHas(Capability::PermissionCatalog)) {
        m_table->setColumnHidden(ApiKeyListModel::ScopesColumn, true);
        header->setSectionResizeMode(ApiKeyListModel::NameColumn, QHeaderView::Stretch);
    }
}

void ApiKeysPane::buildDetails()
{
    m_details = new ApiKeyDetailsPanel(m_backend ? m_backend->capabilities() : Capabilities(), this);
    layOut(m_details, { .sizes = { 920, 260 } });
}

void ApiKeysPane::buildActions()
{
    m_editAction = createAction(tr("&Edit…"), "editApiKeyAction", [this] { editSelected(); });
    bindToTable(m_editAction, QKeySequence(Qt::Key_Return));
    m_rotateAction = createAction(tr("Ro&tate…"), "rotateApiKeyAction", [this] { rotateSelected(); });
    bindToPane(m_rotateAction, QKeySequence(QStringLiteral("Ctrl+Shift+R")));
    m_revokeAction = createAction(tr("&Revoke…"), "revokeApiKeyAction", &ApiKeysPane::deleteSelected);
    m_copyPrefixAction = createAction(tr("&Copy the prefix"), "copyApiKeyPrefixAction", &ApiKeysPane::copySelection);
    m_ownerKeysAction = createAction(tr("Show all keys of this &owner"), "showOwnerKeysAction", [this] {
        if (const auto key = selectedKey())
            setOwnerFilter(key->userId, key->ownerEmail);
    });
    bindToPane(m_ownerKeysAction, QKeySequence(QStringLiteral("Ctrl+Shift+O")));
    m_details->addAction(m_editAction);
    m_details->addAction(m_rotateAction);
    m_details->addAction(m_ownerKeysAction);
    m_details->addAction(m_copyPrefixAction);
    m_details->addAction(m_revokeAction);
}

void ApiKeysPane::connectSignals()
{
    m_filterDelay = createDelay(300, &ApiKeysPane::applyFilter);
    connect(m_search, &QLineEdit::textChanged, m_filterDelay, qOverload<>(&QTimer::start));
    connect(m_search, &QLineEdit::returnPressed, this, &ApiKeysPane::applyFilter);
    connect(m_clearOwner, &QToolButton::clicked, this, [this] { setOwnerFilter(0, {}); });
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, &ApiKeysPane::applyFilter);
    connectTable();
    keepSelectionById(ApiKeyListModel::KeyIdRole);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ApiKeysPane::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ApiKeysPane::updateDetails);
    connect(m_model, &LazyTableModel::pageLoaded, this, [this] {
        updateCount();
        if (!m_table->selectionModel()->hasSelection() && m_model->rowCount() > 0)
            m_table->selectRow(0);
        markLoaded();
    });
    reportLoadFailures(m_model, &LazyTableModel::loadFailed, tr("Could not load the API keys: %1"));
}

void ApiKeysPane::refresh()
{
    loadTenantNames();
    m_forceReload = true;
    applyFilter();
}

void ApiKeysPane::organizationScopeChanged()
{
    loadTenantNames();
    if (isLoaded())
        applyFilter();
}

void ApiKeysPane::applyRequest(const PaneRequest& request)
{
    {
        const QSignalBlocker block(m_search);
        const QSignalBlocker blockStatus(m_statusFilter);
        m_search->setText(request.search);
        m_statusFilter->setCurrentIndex(request.status == QLatin1String("active") ? 1 : 0);
    }
    m_ownerId = request.userId;
    m_ownerEmail.clear();
    if (request.userId != 0 && m_backend) {
        // The owner's email for the filter line and the New API key default.
        const Id owner = request.userId;
        whenDone(m_backend->getUser(owner), this, [this, owner](const Result<User>& user) {
            if (m_ownerId != owner || !user.ok())
                return;
            m_ownerEmail = user->email;
            showOwnerFilter();
            updateCount();
        });
    }
    showOwnerFilter();
    applyFilter();
    if (request.selectId != 0)
        selectId(request.selectId);
}

void ApiKeysPane::setOwnerFilter(Id userId, const QString& email)
{
    m_ownerId = userId;
    m_ownerEmail = userId != 0 ? email : QString();
    showOwnerFilter();
    applyFilter();
}

void ApiKeysPane::showOwnerFilter()
{
    const bool filtered = m_ownerId != 0;
    m_ownerFilterStatus->setText(
        filtered ? tr("Keys of %1").arg(m_ownerEmail.isEmpty() ? QStringLiteral("#%1").arg(m_ownerId) : m_ownerEmail)
                 : QString());
    m_ownerFilterStatus->setVisible(filtered);
    m_clearOwner->setVisible(filtered);
}

void ApiKeysPane::applyFilter()
{
    m_filterDelay->stop();
    const QString text = m_search->text().trimmed();
    ApiKeyQuery query;
    query.userId = m_ownerId;
    query.organizationId = organizationScope();
    query.activeOnly = m_statusFilter->currentIndex() == 1;
    // One character would match nearly every key (every prefix starts "pk_"): say so instead.
    if (text.size() >= MinimumSearch) {
        query.search = text;
        showFilterMessage({}, false);
    } else if (!text.isEmpty()) {
        showFilterMessage(tr("Type at least %n character(s) to search the keys; all keys are listed meanwhile.",
                             nullptr, MinimumSearch),
                          true);
    } else if (QString why; !deploymentHas(Capability::ApiKeysOfOthers, &why)) {
        showFilterMessage(why + QLatin1Char(' ') + tr("Only your own keys are listed."), false);
    } else {
        showFilterMessage({}, false);
    }
    if (!deploymentHas(Capability::ApiKeysOfOthers))
        query.userId = actor().userId; // nobody else's keys are asked for
    const ApiKeyQuery& current = m_model->query();
    if (m_model->hasLoadedOnce() && current.userId == query.userId && current.organizationId == query.organizationId
        && current.search == query.search && current.activeOnly == query.activeOnly && !m_forceReload)
        return;
    m_forceReload = false;
    m_count->setText(tr("Loading…"));
    m_model->setQuery(query);
}

void ApiKeysPane::updateCount()
{
    if (!m_model->lastError().isEmpty()) {
        m_count->setText(tr("Error"));
        m_empty->setText(tr("Could not load the API keys:\n%1\n\nPress F5 to try again.").arg(m_model->lastError()));
    } else {
        m_count->setText(inTenant(tr("%n key(s)", nullptr, int(std::max<qint64>(m_model->total(), 0)))));
        const QString tenant = tenantName();
        if (!m_model->query().search.isEmpty())
            m_empty->setText(tenant.isEmpty()
                                 ? tr("No API key matches “%1”.\nSearch a name, a key prefix or an owner email.")
                                       .arg(m_model->query().search)
                                 : tr("No API key in %2 matches “%1”.\nSearch a name, a key prefix or an owner "
                                      "email, or pick all tenants in the tenant switcher.")
                                       .arg(m_model->query().search, tenant));
        else if (m_model->owner() != 0 && !deploymentHas(Capability::ApiKeysOfOthers))
            m_empty->setText(tr("You have no API keys yet.\nCreate one with Ctrl+N: its secret is shown once, then "
                                "only its prefix remains."));
        else if (m_model->owner() != 0)
            m_empty->setText(
                tr("%1 has no API keys.\nCreate one with Ctrl+N, or clear the owner filter to see "
                   "everyone's keys.")
                    .arg(m_ownerEmail.isEmpty() ? QStringLiteral("#%1").arg(m_model->owner()) : m_ownerEmail));
        else if (!tenant.isEmpty())
            m_empty->setText(tr("No API keys in %1.\nCreate one with Ctrl+N.").arg(tenant));
        else
            m_empty->setText(tr("No API keys yet.\nCreate one with Ctrl+N: its secret is shown once, then only "
                                "its prefix remains."));
    }
    showEmptyState(m_model->rowCount() == 0);
}

std::optional<ApiKey> ApiKeysPane::selectedKey() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.size() != 1)
        return std::nullopt;
    return m_model->keyAt(rows.first().row());
}

void ApiKeysPane::updateDetails()
{
    const auto key = selectedKey();
    m_details->show(key ? &*key : nullptr);
    const QString selectFirst = tr("Select a key first");
    if (!key) {
        setActionAllowed(m_editAction, false, selectFirst);
        setActionAllowed(m_rotateAction, false, selectFirst);
        setActionAllowed(m_revokeAction, false, selectFirst);
        setActionAllowed(m_copyPrefixAction, false, selectFirst);
        setActionAllowed(m_ownerKeysAction, false, selectFirst);
    } else {
        QString why;
        bool allowed = key->userId == actor().userId || may(perm::ApiKeyRevoke, &why);
        if (allowed && key->revoked) {
            allowed = false;
            why = tr("This key is already revoked");
        }
        setActionAllowed(m_revokeAction, allowed, why);
        // Edit and rotate follow create: admin:apikey:create, and a revoked key stays as it was.
        QString whyNotChange;
        bool mayChange = may(perm::ApiKeyCreate, &whyNotChange);
        if (mayChange && key->revoked) {
            mayChange = false;
            whyNotChange = tr("This key is revoked");
        }
        setActionAllowed(m_editAction, mayChange, whyNotChange);
        setActionAllowed(m_rotateAction, mayChange, whyNotChange);
        setActionAllowed(m_copyPrefixAction, true, {});
        setActionAllowed(m_ownerKeysAction, m_model->owner() != key->userId, tr("Already showing this owner's keys"));
    }
    requireCapability(m_editAction, Capability::ApiKeyRotation);
    requireCapability(m_rotateAction, Capability::ApiKeyRotation);
    requireCapability(m_ownerKeysAction, Capability::ApiKeysOfOthers);
    emit actionsChanged();
}

void ApiKeysPane::showContextMenu(const QPoint& pos)
{
    if (!m_table->indexAt(pos).isValid() && !selectedKey())
        return;
    popupMenu(m_table,
              { m_editAction, m_rotateAction, nullptr, m_ownerKeysAction, m_copyPrefixAction, nullptr, m_revokeAction },
              pos);
}

bool ApiKeysPane::canCreate(QString* whyNot) const
{
    return may(perm::ApiKeyCreate, whyNot);
}

bool ApiKeysPane::canDelete(QString* whyNot) const
{
    if (whyNot)
        *whyNot = m_revokeAction->toolTip();
    return m_revokeAction->isEnabled();
}

void ApiKeysPane::createNew()
{
    QString why;
    if (!canCreate(&why)) {
        emit statusMessage(why);
        return;
    }
    // In a list filtered to one user the key is theirs by default, not the signed-in admin's.
    if (m_ownerId != 0 && m_ownerEmail.isEmpty() && m_backend) {
        const Id owner = m_ownerId;
        whenDone(m_backend->getUser(owner), this, [this, owner](const Result<User>& user) {
            if (m_ownerId != owner)
                return;
            if (!user.ok())
                return showError(tr("New API key"), user.error());
            m_ownerEmail = user->email;
            showOwnerFilter();
            openCreateDialog(m_ownerEmail);
        });
        return;
    }
    openCreateDialog(m_ownerId != 0 ? m_ownerEmail : QString());
}

void ApiKeysPane::openCreateDialog(const QString& ownerEmail)
{
    auto* dialog = new ApiKeyDialog(m_backend, this, ownerEmail);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        // The secret passes from the dialog to the one-time display and is kept nowhere else.
        const CreatedApiKey created = dialog->takeCreated();
        auto* secret = new SecretDialog(
            tr("API key %1").arg(created.key.name),
            tr("The API key <b>%1</b> for %2 is ready. Send it in the <code>X-API-Key</code> header.")
                .arg(created.key.name.toHtmlEscaped(), created.key.ownerEmail.toHtmlEscaped()),
            created.secret, this);
        secret->setAttribute(Qt::WA_DeleteOnClose);
        secret->open();
        emit statusMessage(
            tr("Created the API key %1 (%2)").arg(created.key.name, ApiKeyListModel::displayPrefix(created.key)));
        m_model->reload();
        selectId(created.key.id);
    });
    dialog->open();
}

bool ApiKeysPane::selectChangeableKey()
{
    if (const auto key = selectedKey(); key && !key->revoked)
        return true;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (!m_model->keyAt(row).revoked) {
            m_table->selectRow(row);
            return true;
        }
    }
    return false;
}

QDialog* ApiKeysPane::editSelected()
{
    if (!selectedKey() && m_model->rowCount() > 0)
        m_table->selectRow(0);
    const auto key = selectedKey();
    if (!key || !m_editAction->isEnabled()) {
        if (key)
            emit statusMessage(m_editAction->toolTip());
        return nullptr;
    }
    auto* dialog = new ApiKeyDialog(m_backend, key->id, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const ApiKey saved = dialog->updated();
        emit statusMessage(tr("Saved the API key %1").arg(saved.name));
        m_model->reload();
        selectId(saved.id);
    });
    dialog->open();
    return dialog;
}

QDialog* ApiKeysPane::rotateSelected()
{
    if (!selectedKey() && m_model->rowCount() > 0)
        m_table->selectRow(0);
    const auto key = selectedKey();
    if (!key || !m_rotateAction->isEnabled()) {
        if (key)
            emit statusMessage(m_rotateAction->toolTip());
        return nullptr;
    }
    auto* dialog = new RotateApiKeyDialog(m_backend, *key, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        // The new secret passes from the dialog to the one-time display and is kept nowhere else.
        const CreatedApiKey rotated = dialog->takeRotated();
        const QString grace = rotated.key.previousValidUntil.isValid()
            ? tr("The old secret keeps working until %1.").arg(display::dateTime(rotated.key.previousValidUntil))
            : tr("The old secret is refused from now on.");
        auto* secret = new SecretDialog(
            tr("API key %1").arg(rotated.key.name),
            tr("The API key <b>%1</b> of %2 has a new secret. %3")
                .arg(rotated.key.name.toHtmlEscaped(), rotated.key.ownerEmail.toHtmlEscaped(), grace.toHtmlEscaped()),
            rotated.secret, this);
        secret->setAttribute(Qt::WA_DeleteOnClose);
        secret->open();
        emit statusMessage(
            tr("Rotated the API key %1 (%2)").arg(rotated.key.name, ApiKeyListModel::displayPrefix(rotated.key)));
        m_model->reload();
        selectId(rotated.key.id);
    });
    dialog->open();
    return dialog;
}

void ApiKeysPane::deleteSelected()
{
    const auto key = selectedKey();
    if (!key || !m_revokeAction->isEnabled())
        return;
    MessageBox::confirm(this, tr("Revoke API key"),
                        tr("Revoke the key %1 (%2) of %3? Programs using it are refused from now on. This "
                           "cannot be undone.")
                            .arg(key->name, ApiKeyListModel::displayPrefix(*key), key->ownerEmail),
                        tr("&Revoke"), [=, this] {
                            const Id id = key->id;
                            const QString name = key->name;
                            whenDone(m_backend->revokeApiKey(id), this, [this, id, name](const Status& status) {
                                if (!status.ok())
                                    return showError(tr("Revoke API key"), status.error());
                                m_model->markRevoked(id);
                                emit statusMessage(tr("Revoked the API key %1").arg(name));
                            });
                        });
}

void ApiKeysPane::copySelection()
{
    const auto key = selectedKey();
    if (!key)
        return;
    QApplication::clipboard()->setText(key->prefix);
    emit statusMessage(tr("Copied the prefix %1 (the key itself is never stored)").arg(key->prefix));
}

} // namespace portcullis
