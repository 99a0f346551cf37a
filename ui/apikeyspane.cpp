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
    explicit ApiKeyDetailsPanel(QWidget* parent)
        : details::Panel(QStringLiteral("apiKeyDetailsPanel"), tr("API key details"), parent)
    {
        addPlaceholder(tr("Select a key to see its scopes and limits.\n\nCreate a key with "
                          "Ctrl+N: its secret is shown once, then only its prefix remains."));
        addTitle(QStringLiteral("apiKeyDetailsTitle"));
        addForm({ { QStringLiteral("prefix"), tr("Key:") },
                  { QStringLiteral("owner"), tr("Owner:") },
                  { QStringLiteral("status"), tr("Status:") },
                  { QStringLiteral("scopes"), tr("Scopes:") },
                  { QStringLiteral("ips"), tr("Allowed IPs:") },
                  { QStringLiteral("rate"), tr("Rate limit:") },
                  { QStringLiteral("created"), tr("Created:") },
                  { QStringLiteral("used"), tr("Last used:") },
                  { QStringLiteral("expires"), tr("Expires:") } },
                QStringLiteral("apiKeyDetail_"), { QStringLiteral("owner") });
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

// The search field is the owner filter: an email, resolved to the user whose keys are listed.
void ApiKeysPane::buildFilters()
{
    m_ownerFilter = createSearch(QStringLiteral("apiKeyOwnerFilterEdit"), tr("Filter by owner"),
                                 tr("Filter by owner email (Ctrl+F)"));
    m_ownerFilterStatus = new QLabel(this);
    m_ownerFilterStatus->setObjectName(QStringLiteral("apiKeyOwnerFilterStatus"));
    createCount(QStringLiteral("apiKeyCountLabel"));
    auto* filters = new FlowLayout; // wraps in a narrow window
    filters->addWidget(m_ownerFilter, 2);
    filters->addWidget(m_ownerFilterStatus, 2);
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
}

void ApiKeysPane::buildDetails()
{
    m_details = new ApiKeyDetailsPanel(this);
    layOut(m_details, { .sizes = { 920, 260 } });
}

void ApiKeysPane::buildActions()
{
    m_revokeAction = createAction(tr("&Revoke…"), "revokeApiKeyAction", &ApiKeysPane::deleteSelected);
    m_copyPrefixAction = createAction(tr("&Copy the prefix"), "copyApiKeyPrefixAction", &ApiKeysPane::copySelection);
    m_ownerKeysAction = createAction(tr("Show all keys of this &owner"), "showOwnerKeysAction", [this] {
        if (const auto key = selectedKey())
            filterByOwner(key->ownerEmail);
    });
    bindToPane(m_ownerKeysAction, QKeySequence(QStringLiteral("Ctrl+Shift+O")));
    m_details->addAction(m_ownerKeysAction);
    m_details->addAction(m_copyPrefixAction);
    m_details->addAction(m_revokeAction);
}

void ApiKeysPane::connectSignals()
{
    m_filterDelay = createDelay(350, &ApiKeysPane::resolveOwnerFilter);
    connect(m_ownerFilter, &QLineEdit::textChanged, m_filterDelay, qOverload<>(&QTimer::start));
    connect(m_ownerFilter, &QLineEdit::returnPressed, this, &ApiKeysPane::resolveOwnerFilter);
    connectTable();
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
    m_count->setText(tr("Loading…"));
    m_model->reload();
}

void ApiKeysPane::filterByOwner(const QString& email)
{
    m_ownerFilter->setText(email);
    resolveOwnerFilter();
}

void ApiKeysPane::resolveOwnerFilter()
{
    m_filterDelay->stop();
    const int generation = ++m_filterGeneration;
    const QString typed = m_ownerFilter->text().trimmed();
    auto apply = [this](Id owner, const QString& email, const QString& status) {
        m_ownerEmail = email;
        m_ownerFilterStatus->setText(status);
        if (owner != m_model->owner() || !m_model->hasLoadedOnce()) {
            m_count->setText(tr("Loading…"));
            m_model->setOwner(owner);
        }
    };
    if (typed.isEmpty())
        return apply(0, {}, {});
    if (!m_backend)
        return;
    UserQuery query;
    query.search = typed;
    query.status = QStringLiteral("all");
    query.limit = 10;
    m_ownerFilterStatus->setText(tr("Looking for the owner…"));
    whenDone(m_backend->listUsers(query), this, [this, generation, typed, apply](const Result<Page<User>>& page) {
        if (generation != m_filterGeneration)
            return;
        if (!page.ok()) {
            m_ownerFilterStatus->setText(page.error().message);
            return;
        }
        const User* match = nullptr;
        for (const User& u : page->items) {
            if (u.email.compare(typed, Qt::CaseInsensitive) == 0 || u.username.compare(typed, Qt::CaseInsensitive) == 0)
                match = &u;
        }
        if (!match && page->items.size() == 1)
            match = &page->items.first();
        if (match)
            return apply(match->id, match->email, tr("Keys of %1").arg(match->email));
        // Nothing narrowed: say so and keep showing what was shown.
        m_ownerFilterStatus->setText(page->items.isEmpty()
                                         ? tr("No user matches “%1”").arg(typed)
                                         : tr("%n users match; type the whole address", nullptr, int(page->total)));
    });
}

void ApiKeysPane::updateCount()
{
    if (!m_model->lastError().isEmpty()) {
        m_count->setText(tr("Error"));
        m_empty->setText(tr("Could not load the API keys:\n%1\n\nPress F5 to try again.").arg(m_model->lastError()));
    } else {
        m_count->setText(tr("%n key(s)", nullptr, int(std::max<qint64>(m_model->total(), 0))));
        m_empty->setText(m_model->owner() != 0
                             ? tr("%1 has no API keys.\nCreate one with Ctrl+N, or clear the owner filter to see "
                                  "everyone's keys.")
                                   .arg(m_ownerEmail)
                             : tr("No API keys yet.\nCreate one with Ctrl+N: its secret is shown once, then only "
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
        setActionAllowed(m_copyPrefixAction, true, {});
        setActionAllowed(m_ownerKeysAction, m_model->owner() != key->userId, tr("Already showing this owner's keys"));
    }
    emit actionsChanged();
}

void ApiKeysPane::showContextMenu(const QPoint& pos)
{
    if (!m_table->indexAt(pos).isValid() && !selectedKey())
        return;
    popupMenu(m_table, { m_ownerKeysAction, m_copyPrefixAction, nullptr, m_revokeAction }, pos);
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
    auto* dialog = new ApiKeyDialog(m_backend, this);
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
    });
    dialog->open();
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
                        [=, this] {
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
