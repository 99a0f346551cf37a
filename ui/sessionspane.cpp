#include "sessionspane.h"

#include "auditpane.h" // userfilter
#include "detailsparts.h"
#include "displayformat.h"
#include "flowlayout.h"
#include "messagebox.h"
#include "policy/catalog.h"
#include "sessionlistmodel.h"
#include "useragent.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCoreApplication>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSet>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <memory>

namespace portcullis {

// The panel under the table: the selected session in full (the table elides long user agents),
// an unmissable note when it is an impersonation, and the actions on it.
class SessionDetailsPanel : public QWidget
{
    Q_DECLARE_TR_FUNCTIONS(portcullis::SessionDetailsPanel)

public:
    explicit SessionDetailsPanel(QWidget* parent)
        : QWidget(parent)
    {
        setObjectName(QStringLiteral("sessionDetailsPanel"));
        setAccessibleName(tr("Session details"));
        const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
        auto* outer = new QVBoxLayout(this);
        outer->setContentsMargins(0, em / 2, 0, 0);
        m_placeholder = details::placeholder(QString(), this);
        m_placeholder->setObjectName(QStringLiteral("sessionDetailsPlaceholder"));
        outer->addWidget(m_placeholder);

        m_impersonation = new QLabel(this);
        m_impersonation->setObjectName(QStringLiteral("sessionImpersonationNote"));
        m_impersonation->setWordWrap(true);
        m_impersonation->setTextFormat(Qt::RichText);
        m_impersonation->setMargin(em / 3);
        outer->addWidget(m_impersonation);

        // Two forms and the buttons side by side, wrapping onto further lines in a narrow window.
        auto* columns = new FlowLayout;
        columns->setSpacing(em);
        outer->addLayout(columns);
        outer->addStretch(1);
        auto makeForm = [columns] {
            auto* form = details::form();
            form->setVerticalSpacing(2);
            form->setLabelAlignment(Qt::AlignRight | Qt::AlignTop);
            columns->addLayout(form, 1);
            return form;
        };
        // The user (an email) is one token: elided in the middle to the room it has (the whole of it
        // in the tooltip), so a long address neither widens the panel nor wraps into a second line
        // that a short panel's form row does not give it.
        auto addRow = [this](QFormLayout* form, const QString& key, const QString& label) {
            const bool token = key == QLatin1String("user");
            auto* value = details::addValue(form, label, token ? new details::ElidingLabel(this) : new QLabel(this),
                                            QStringLiteral("sessionDetail_") + key, !token);
            value->setTextFormat(Qt::PlainText);
            m_values.insert(key, value);
        };
        QFormLayout* who = makeForm();
        addRow(who, QStringLiteral("id"), tr("Session:"));
        addRow(who, QStringLiteral("user"), tr("User:"));
        addRow(who, QStringLiteral("status"), tr("Status:"));
        addRow(who, QStringLiteral("ip"), tr("IP address:"));
        QFormLayout* when = makeForm();
        addRow(when, QStringLiteral("agent"), tr("User agent:"));
        addRow(when, QStringLiteral("started"), tr("Started:"));
        addRow(when, QStringLiteral("lastSeen"), tr("Last seen:"));
        addRow(when, QStringLiteral("expires"), tr("Expires:"));
        m_forms = { who, when };
        m_buttons = new QVBoxLayout;
        m_buttons->setSpacing(4);
        m_buttons->addStretch(1);
        columns->addLayout(m_buttons);
        setSession(nullptr, 0);
    }

    void addAction(QAction* action)
    {
        auto* button = details::actionButton(action, this);
        m_buttons->insertWidget(m_buttons->count() - 1, button);
        m_actionButtons << button;
    }

    void setSession(const Session* s, int selected, bool thisConsole = false)
    {
        const bool one = s != nullptr;
        m_placeholder->setVisible(!one);
        m_placeholder->setText(selected > 1
                                   ? tr("%n sessions selected. Delete revokes them all.", nullptr, selected)
                                   : tr("Select a session to see its details. Delete revokes the selected sessions; "
                                        "the context menu (right-click or the Menu key) ends all sessions of a user."));
        m_impersonation->setVisible(one && s->isImpersonation());
        for (QFormLayout* form : std::as_const(m_forms)) {
            for (int i = 0; i < form->rowCount(); ++i)
                form->setRowVisible(i, one);
        }
        for (QToolButton* b : std::as_const(m_actionButtons))
            b->setVisible(one);
        if (!one)
            return;
        if (s->isImpersonation()) {
            const QString who
                = s->impersonatorEmail.isEmpty() ? QStringLiteral("#%1").arg(s->impersonatorId) : s->impersonatorEmail;
            const QString color = display::warningBrush().color().name();
            m_impersonation->setText(QStringLiteral("<img src=\":/icons/impersonated.svg\" width=16 height=16> <b>")
                                     + tr("Impersonated session").toHtmlEscaped() + QStringLiteral("</b> — ")
                                     + tr("%1 acts as this user. Reason: %2")
                                           .arg(who.toHtmlEscaped(), s->impersonationReason.toHtmlEscaped()));
            m_impersonation->setStyleSheet(QStringLiteral("QLabel { border: 1px solid %1; }").arg(color));
        }
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QString status = thisConsole ? tr("Active — this console's session") : tr("Active");
        if (s->revoked)
            status = tr("Revoked");
        else if (s->expiresAt.isValid() && s->expiresAt <= now)
            status = tr("Expired");
        auto set
            = [this](const char* key, const QString& text) { m_values.value(QString::fromLatin1(key))->setText(text); };
        set("id", QStringLiteral("#%1").arg(s->id));
        static_cast<details::ElidingLabel*>(m_values.value(QStringLiteral("user")))
            ->setFullText(QStringLiteral("%1 (#%2)").arg(s->userEmail, QString::number(s->userId)));
        set("status", status);
        set("ip", s->ip.isEmpty() ? tr("(unknown)") : s->ip);
        // The client by name, and the header as it came (it is only what the client says it is).
        const QString client = useragent::readable(s->userAgent);
        set("agent",
            s->userAgent.isEmpty()
                ? tr("(unknown)")
                : (client == s->userAgent ? client : QStringLiteral("%1\n%2").arg(client, s->userAgent)));
        m_values.value(QStringLiteral("agent"))->setToolTip(s->userAgent);
        set("started", display::dateTime(s->createdAt));
        set("lastSeen", display::dateTime(s->lastSeenAt));
        set("expires", display::dateTime(s->expiresAt));
    }

private:
    QLabel* m_placeholder = nullptr;
    QLabel* m_impersonation = nullptr;
    QList<QFormLayout*> m_forms;
    QVBoxLayout* m_buttons = nullptr;
    QHash<QString, QLabel*> m_values;
    QList<QToolButton*> m_actionButtons;
};

SessionsPane::SessionsPane(Backend* backend, QWidget* parent)
    : ListPane(backend, parent)
{
    setObjectName(QStringLiteral("sessionsPane"));
    m_model = new SessionListModel(backend, this);
    buildFilters();
    buildTable();
    buildDetails();
    buildActions();
    connectSignals();
    updateDetails();
    // Without a list of everyone's sessions the model's default query (everyone) is not fetched when
    // the table first asks for rows: only a user's sessions are (load()).
    if (!deploymentHas(Capability::SessionList))
        m_model->clear();
}

// The search field is the user filter: an email, a name or an id, resolved to one user.
void SessionsPane::buildFilters()
{
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    m_userFilter = createSearch(QStringLiteral("sessionUserFilter"), tr("Filter by user"),
                                deploymentHas(Capability::SessionList)
                                    ? tr("User: email, name or #id — empty for everyone (Ctrl+F)")
                                    : tr("User: email or name (Ctrl+F)"));
    auto* userLabel = new QLabel(tr("&User:"), this);
    userLabel->setBuddy(m_userFilter);
    m_includeEnded = new QCheckBox(tr("&Include ended sessions"), this);
    m_includeEnded->setObjectName(QStringLiteral("sessionIncludeEndedCheck"));
    m_includeEnded->setAccessibleName(tr("Include revoked and expired sessions"));
    m_includeEnded->setToolTip(tr("Also list sessions that were revoked or have expired"));
    createCount(QStringLiteral("sessionCountLabel"));
    createFilterMessage(QStringLiteral("sessionFilterMessage"));

    auto* user = new QHBoxLayout;
    user->addWidget(userLabel);
    user->addWidget(m_userFilter, 1);
    auto* filters = new FlowLayout;
    filters->setSpacing(em);
    filters->addLayout(user, 3);
    filters->addWidget(m_includeEnded);
    auto* count = new QHBoxLayout;
    count->addStretch(1);
    count->addWidget(m_count);
    filters->addLayout(count, 1);
    addFilterRow(filters);
}

void SessionsPane::buildTable()
{
    createTable(QStringLiteral("sessionTableView"), tr("Sessions"), m_model, QAbstractItemView::ExtendedSelection,
                QStringLiteral("sessionsEmptyLabel"));
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    const QFontMetrics fm = m_table->fontMetrics();
    const int pad = em;
    const int icon = m_table->style()->pixelMetric(QStyle::PM_SmallIconSize) + 6;
    const int dateWidth
        = fm.horizontalAdvance(display::dateTime(QDateTime(QDate(2026, 12, 28), QTime(23, 58, 59)))) + pad;
    m_table->setColumnWidth(SessionListModel::UserColumn, 22 * em + icon);
    m_table->setColumnWidth(SessionListModel::IpColumn, fm.horizontalAdvance(QStringLiteral("255.255.255.255")) + pad);
    m_table->setColumnWidth(SessionListModel::UserAgentColumn, 14 * em);
    m_table->setColumnWidth(SessionListModel::StartedColumn, dateWidth);
    // The relative columns: as wide as their longest wording ("Expired 47 h ago").
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto widest = [&fm](const QStringList& texts) {
        int w = 0;
        for (const QString& t : texts)
            w = std::max(w, fm.horizontalAdvance(t));
        return w;
    };
    m_table->setColumnWidth(SessionListModel::LastSeenColumn,
                            widest({ m_model->headerData(SessionListModel::LastSeenColumn, Qt::Horizontal).toString(),
                                     SessionListModel::relativeTime(now.addSecs(-59 * 60), now),
                                     SessionListModel::relativeTime(now.addSecs(-47 * 3600), now),
                                     SessionListModel::relativeTime(now.addDays(-30), now) })
                                + pad);
    m_table->setColumnWidth(
        SessionListModel::ExpiresColumn,
        widest({ tr("Revoked"), tr("Expired %1").arg(SessionListModel::relativeTime(now.addSecs(-47 * 3600), now)),
                 SessionListModel::relativeTime(now.addSecs(59 * 60), now) })
            + pad);
}

void SessionsPane::buildDetails()
{
    m_details = new SessionDetailsPanel(this);
    const int lines = fontMetrics().lineSpacing();
    layOut(m_details,
           { .orientation = Qt::Vertical,
             .tableStretch = 4,
             .sizes = { 40 * lines, 8 * lines },
             .splitterName = QStringLiteral("sessionSplitter") });
}

void SessionsPane::buildActions()
{
    // Delete is the main window's Delete (routed to deleteSelected()); the shortcut shows in menus.
    m_revokeAction = createAction(tr("&Revoke session…"), "revokeSessionAction", &SessionsPane::revokeSelected);
    m_revokeAction->setShortcut(QKeySequence::Delete);
    m_revokeAction->setShortcutContext(Qt::WidgetShortcut);
    m_revokeAllAction = createAction(tr("End &all sessions of this user…"), "revokeUserSessionsAction",
                                     &SessionsPane::revokeAllOfUser);
    bindToPane(m_revokeAllAction, QKeySequence(QStringLiteral("Ctrl+Shift+Del")));
    m_copyAction = createAction(tr("&Copy"), "copySessionsAction", &SessionsPane::copySelection);
    m_copyAction->setShortcut(QKeySequence::Copy);
    m_copyAction->setShortcutContext(Qt::WidgetShortcut);
    m_details->addAction(m_revokeAction);
    m_details->addAction(m_revokeAllAction);
}

void SessionsPane::connectSignals()
{
    m_filterDelay = createDelay(300, &SessionsPane::applyFilter);
    connect(m_userFilter, &QLineEdit::textChanged, m_filterDelay, qOverload<>(&QTimer::start));
    connect(m_userFilter, &QLineEdit::returnPressed, this, &SessionsPane::applyFilter);
    connect(m_includeEnded, &QCheckBox::toggled, this, &SessionsPane::applyFilter);

    connectTable();
    keepSelectionById(SessionListModel::SessionIdRole);
    connect(m_model, &QAbstractItemModel::modelReset, this, &SessionsPane::updateDetails);
    connect(m_model, &LazyTableModel::pageLoaded, this, [this] {
        updateCount();
        if (!m_columnsFitted) {
            m_columnsFitted = true;
            fitColumns();
        }
        markLoaded();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { m_columnsFitted = false; });
    reportLoadFailures(m_model, &LazyTableModel::loadFailed, tr("Could not load the sessions: %1"));
}

void SessionsPane::refresh()
{
    loadTenantNames();
    applyFilter();
}

void SessionsPane::displayFormatChanged()
{
    ListPane::displayFormatChanged();
    fitColumns();
}

void SessionsPane::organizationScopeChanged()
{
    loadTenantNames();
    if (isLoaded())
        applyFilter();
}

void SessionsPane::applyRequest(const PaneRequest& request)
{
    if (request.userId != 0) {
        showForUser(request.userId, request.search);
    } else {
        m_userFilter->setText(request.search);
        applyFilter();
    }
    if (request.selectId != 0)
        selectId(request.selectId);
}

void SessionsPane::showForUser(Id userId, const QString& email)
{
    m_knownUserId = userId;
    m_knownUserEmail = email.isEmpty() ? QStringLiteral("#%1").arg(userId) : email;
    const QSignalBlocker block(m_userFilter);
    m_userFilter->setText(m_knownUserEmail);
    applyFilter();
}

void SessionsPane::applyFilter()
{
    m_filterDelay->stop();
    const int generation = ++m_filterGeneration;
    const QString text = m_userFilter->text().trimmed();
    if (!m_knownUserEmail.isEmpty() && text.compare(m_knownUserEmail, Qt::CaseInsensitive) == 0) {
        showFilterMessage({}, false);
        load(m_knownUserId);
        return;
    }
    m_knownUserId = 0;
    m_knownUserEmail.clear();
    switch (userfilter::classify(text)) {
    case userfilter::Kind::Empty:
        showFilterMessage({}, false);
        load(0);
        return;
    case userfilter::Kind::Id:
        showFilterMessage({}, false);
        load(userfilter::idOf(text));
        return;
    case userfilter::Kind::Email:
    case userfilter::Kind::Name:
        break;
    }
    showFilterMessage(tr("Looking up “%1”…").arg(text), false);
    userfilter::resolve(m_backend, this, text, organizationScope(), [this, generation, text](const Result<User>& user) {
        if (generation != m_filterGeneration)
            return; // the filter changed while the lookup ran
        if (!user.ok()) {
            showFilterMessage(user.error().message, true);
            markLoaded();
            return;
        }
        if (userfilter::classify(text) == userfilter::Kind::Name)
            showFilterMessage(tr("Sessions of %1").arg(user->email), false);
        else
            showFilterMessage({}, false);
        load(user->id);
    });
}

void SessionsPane::load(Id userId)
{
    // A deployment that lists sessions per user only (better-auth): everyone's list is not asked
    // for; the empty state says why and how to get to one user's sessions.
    m_listUnavailable = userId == 0 && !deploymentHas(Capability::SessionList);
    if (m_listUnavailable) {
        m_model->clear();
        updateCount();
        markLoaded();
        return;
    }
    SessionQuery q;
    q.userId = userId;
    q.organizationId = organizationScope();
    q.includeRevoked = m_includeEnded->isChecked();
    q.includeExpired = m_includeEnded->isChecked();
    m_count->setText(tr("Loading…"));
    m_model->setQuery(q);
}

void SessionsPane::fitColumns()
{
    // Every column as wide as what it shows (the rows loaded so far and its heading), within bounds
    // so that one long email or agent does not push the others out of sight; the last column takes
    // the rest. Again when a filter or the date format changes what the columns hold.
    if (m_model->rowCount() == 0)
        return;
    const int em = m_table->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    for (int c = 0; c < SessionListModel::ImpersonatorColumn; ++c) {
        const int content = static_cast<QAbstractItemView*>(m_table)->sizeHintForColumn(c);
        const int heading = m_table->horizontalHeader()->sectionSizeHint(c);
        const int widest = c == SessionListModel::UserColumn ? 30 * em : 24 * em;
        m_table->setColumnWidth(c, std::min(std::max(content, heading) + em / 2, widest));
    }
}

void SessionsPane::updateCount()
{
    if (QString why; m_listUnavailable && !deploymentHas(Capability::SessionList, &why)) {
        m_count->clear();
        m_empty->setText(why + QStringLiteral("\n\n")
                         + tr("Type a user's email or name above, or choose “Show sessions” on a user in the Users "
                              "pane."));
    } else if (!m_model->lastError().isEmpty()) {
        m_count->setText(tr("Error"));
        m_empty->setText(tr("Could not load the sessions:\n%1\n\nPress F5 to try again.").arg(m_model->lastError()));
    } else {
        const int total = int(std::max<qint64>(m_model->total(), 0));
        if (m_model->totalIsLowerBound()) // the server counted up to a bound: "10,000+ sessions"
            m_count->setText(inTenant(tr("%1+ sessions").arg(display::number(m_model->total()))));
        else
            m_count->setText(inTenant(total == 1 ? tr("1 session") : tr("%Ln sessions", nullptr, total)));
        if (m_model->query().userId != 0)
            m_empty->setText(m_includeEnded->isChecked()
                                 ? tr("This user has no sessions.\nThey appear when the user signs in.")
                                 : tr("This user has no active session.\nTick “Include ended sessions” to see "
                                      "revoked and expired ones, or clear the user filter to see everyone's."));
        else if (!tenantName().isEmpty())
            m_empty->setText(m_includeEnded->isChecked()
                                 ? tr("No sessions in %1 yet.\nThey appear when its users sign in.").arg(tenantName())
                                 : tr("Nobody in %1 is signed in right now.\nTick “Include ended sessions” to see "
                                      "revoked and expired ones.")
                                       .arg(tenantName()));
        else
            m_empty->setText(m_includeEnded->isChecked()
                                 ? tr("No sessions yet.\nThey appear when users sign in.")
                                 : tr("Nobody is signed in right now.\nTick “Include ended sessions” to see revoked "
                                      "and expired ones."));
    }
    showEmptyState(m_model->rowCount() == 0);
}

QList<Session> SessionsPane::selectedSessions() const
{
    QList<int> rows;
    const auto indexes = m_table->selectionModel()->selectedRows();
    for (const QModelIndex& index : indexes)
        rows << index.row();
    std::sort(rows.begin(), rows.end());
    QList<Session> sessions;
    for (int row : rows)
        sessions << m_model->sessionAt(row);
    return sessions;
}

void SessionsPane::updateDetails()
{
    const QList<Session> sessions = selectedSessions();
    m_details->setSession(sessions.size() == 1 ? &sessions.first() : nullptr, int(sessions.size()),
                          sessions.size() == 1 && m_model->isThisConsole(sessions.first()));

    QString why;
    bool allowed = may(perm::SessionRevoke, &why);
    const bool anyOpen = std::any_of(sessions.cbegin(), sessions.cend(),
                                     [](const Session& s) { return !SessionListModel::isEnded(s); });
    if (allowed && sessions.isEmpty()) {
        allowed = false;
        why = tr("Select a session first");
    } else if (allowed && !anyOpen) {
        allowed = false;
        why = tr("The selected sessions have already ended");
    } else if (allowed && m_revoking > 0) {
        allowed = false;
        why = tr("Revoking…");
    }
    // An impersonation is stopped by revoking its session (on better-auth as on our server): the
    // action says so when that is what is selected.
    const bool impersonation = sessions.size() == 1 && sessions.first().isImpersonation();
    m_revokeAction->setText(impersonation ? tr("&End impersonation…") : tr("&Revoke session…"));
    setActionAllowed(m_revokeAction, allowed, why,
                     impersonation ? tr("End this impersonation now: its session is revoked (Delete)")
                                   : tr("End the selected sessions now (Delete)"));

    allowed = may(perm::SessionRevoke, &why);
    QSet<Id> users;
    for (const Session& s : sessions)
        users.insert(s.userId);
    if (allowed && users.size() != 1) {
        allowed = false;
        why = users.isEmpty() ? tr("Select a session first") : tr("The selected sessions belong to several users");
    }
    setActionAllowed(m_revokeAllAction, allowed, why, tr("End every session of the selected session's user"));
    setActionAllowed(m_copyAction, !sessions.isEmpty(), tr("Select a session first"));
    emit actionsChanged();
}

bool SessionsPane::canDelete(QString* whyNot) const
{
    if (whyNot)
        *whyNot = m_revokeAction->toolTip();
    return m_revokeAction->isEnabled();
}

void SessionsPane::showContextMenu(const QPoint& pos)
{
    if (!m_table->indexAt(pos).isValid() && selectedSessions().isEmpty())
        return;
    popupMenu(m_table, { m_revokeAction, m_revokeAllAction, nullptr, m_copyAction }, pos);
}

void SessionsPane::deleteSelected()
{
    revokeSelected();
}

void SessionsPane::revokeSelected()
{
    if (!m_backend || !m_revokeAction->isEnabled())
        return;
    QList<Session> open;
    for (const Session& s : selectedSessions()) {
        if (!SessionListModel::isEnded(s))
            open << s;
    }
    if (open.isEmpty())
        return;
    QString question = open.size() == 1
        ? tr("Revoke the session of %1 from %2? They are signed out on that device at once.")
              .arg(open.first().userEmail, open.first().ip.isEmpty() ? tr("an unknown address") : open.first().ip)
        : tr("Revoke %n sessions? Their users are signed out on those devices at once.", nullptr, int(open.size()));
    const bool ownSession
        = std::any_of(open.cbegin(), open.cend(), [this](const Session& s) { return m_model->isThisConsole(s); });
    if (ownSession)
        question = (open.size() == 1 ? tr("This is the session of this console. Revoking it signs you out of "
                                          "Portcullis at once; you have to sign in again.")
                                     : tr("One of them is the session of this console. Revoking it signs you out "
                                          "of Portcullis at once; you have to sign in again."))
            + QStringLiteral("\n\n") + question;
    MessageBox::confirm(
        this, ownSession ? tr("Sign yourself out?") : tr("Revoke sessions"), question, tr("&Revoke"), [=, this] {
            m_revoking = int(open.size());
            updateDetails();
            // Shared by the continuations; all run on this pane's thread.
            auto failures = std::make_shared<QStringList>();
            const int total = int(open.size());
            for (const Session& s : std::as_const(open)) {
                const QString email = s.userEmail;
                whenDone(m_backend->revokeSession(s.id), this, [this, failures, email, total](const Status& status) {
                    if (!status.ok())
                        *failures << QStringLiteral("%1: %2").arg(email, status.error().message);
                    if (--m_revoking > 0)
                        return;
                    if (failures->isEmpty()) {
                        emit statusMessage(total == 1 ? tr("Revoked the session of %1").arg(email)
                                                      : tr("Revoked %n sessions", nullptr, total));
                    } else {
                        MessageBox::warning(this, tr("Revoke sessions"),
                                            tr("%1 of %2 sessions could not be revoked:\n\n%3")
                                                .arg(QString::number(failures->size()), QString::number(total),
                                                     failures->join(QLatin1Char('\n'))));
                    }
                    m_model->reload();
                });
            }
        });
}

void SessionsPane::revokeAllOfUser()
{
    if (!m_backend || !m_revokeAllAction->isEnabled())
        return;
    const QList<Session> sessions = selectedSessions();
    if (sessions.isEmpty())
        return;
    const Id userId = sessions.first().userId;
    const QString email = sessions.first().userEmail;
    // One's own account: the console's own session stays (the backend keeps the caller's session).
    const bool self = userId == actor().userId;
    MessageBox::confirmWithOption(
        this, tr("End all sessions"),
        self ? tr("End your other sessions? You are signed out everywhere else at once; this console stays signed in.")
             : tr("End every session of %1? They are signed out everywhere at once.").arg(email),
        tr("Also revoke their API &keys (after a suspected account takeover)"), false, tr("&End sessions"),
        [=, this](bool revokeKeys) {
            whenDone(m_backend->revokeUserSessions(userId, revokeKeys), this, [this, email](const Result<int>& count) {
                if (!count.ok()) {
                    showError(tr("End all sessions"), count.error());
                    return;
                }
                emit statusMessage((count.value() == 1 ? tr("Ended 1 session of %1")
                                                       : tr("Ended %n sessions of %1", nullptr, count.value()))
                                       .arg(email));
                m_model->reload();
            });
        });
}

void SessionsPane::copySelection()
{
    QStringList lines;
    for (const Session& s : selectedSessions()) {
        lines << QStringList { s.userEmail,
                               s.ip,
                               s.userAgent,
                               s.createdAt.toUTC().toString(Qt::ISODate),
                               s.lastSeenAt.toUTC().toString(Qt::ISODate),
                               s.expiresAt.toUTC().toString(Qt::ISODate),
                               s.impersonatorEmail }
                     .join(QLatin1Char('\t'));
    }
    if (lines.isEmpty())
        return;
    QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
    emit statusMessage(lines.size() == 1 ? tr("Copied 1 session")
                                         : tr("Copied %n sessions", nullptr, int(lines.size())));
}

} // namespace portcullis
