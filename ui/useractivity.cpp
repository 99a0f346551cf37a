#include "useractivity.h"

#include "detailsparts.h"
#include "displayformat.h"
#include "policy/catalog.h"
#include "policy/policy.h"

#include <QAction>
#include <QLabel>
#include <QListWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace portcullis {

UserActivityView::UserActivityView(Backend* backend, QWidget* parent)
    : QWidget(parent)
    , m_backend(backend)
{
    setObjectName(QStringLiteral("userActivityView"));
    m_heading = new QLabel(tr("Recent activity"), this);
    m_heading->setObjectName(QStringLiteral("userActivityHeading"));
    QFont bold = m_heading->font();
    bold.setBold(true);
    m_heading->setFont(bold);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("userActivityStatus"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("userActivityList"));
    m_list->setAccessibleName(tr("Recent activity"));
    m_list->setSelectionMode(QAbstractItemView::NoSelection);
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setAlternatingRowColors(true);
    m_list->setSpacing(1);
    m_list->setWordWrap(false);
    m_list->setUniformItemSizes(true);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // Five events in view (two lines each), the rest a scroll away: the buttons stay close.
    m_list->setFixedHeight(m_list->fontMetrics().lineSpacing() * 2 * 5 + 5 * 8 + 2 * m_list->frameWidth());
    m_showAllAction = new QAction(tr("Show all in the audit &log"), this);
    m_showAllAction->setObjectName(QStringLiteral("showUserActivityAction"));
    m_showAllAction->setToolTip(tr("Opens the audit log filtered to the events this user took part in"));
    connect(m_showAllAction, &QAction::triggered, this, [this] {
        if (m_userId != 0)
            emit showAllRequested(m_userId, m_email);
    });
    m_showAll = details::actionButton(m_showAllAction, this);
    m_showAll->setObjectName(QStringLiteral("showUserActivityButton"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 8); // apart from the buttons of the user's actions
    layout->setSpacing(4);
    layout->addWidget(m_heading);
    layout->addWidget(m_status);
    layout->addWidget(m_list);
    layout->addWidget(m_showAll);
    showUser(nullptr, false);
}

QString UserActivityView::readableAction(const QString& action)
{
    const QString family = action.section(QLatin1Char('.'), 0, 0);
    QString verb = action.section(QLatin1Char('.'), 1);
    verb.replace(QLatin1Char('_'), QLatin1Char(' '));
    QString text;
    if (family == QLatin1String("user") || verb.isEmpty())
        text = verb.isEmpty() ? family : verb;
    else if (family == QLatin1String("api_key"))
        text = QStringLiteral("API key ") + verb;
    else if (family == QLatin1String("org"))
        text = QStringLiteral("organization ") + verb;
    else
        text = QString(family).replace(QLatin1Char('_'), QLatin1Char(' ')) + QLatin1Char(' ') + verb;
    if (!text.isEmpty())
        text[0] = text.at(0).toUpper();
    return text;
}

void UserActivityView::showUser(const User* user, bool reload)
{
    setVisible(user != nullptr);
    if (!user) {
        ++m_generation; // an answer on its way is for nobody now
        m_userId = 0;
        return;
    }
    if (user->id == m_userId && !reload)
        return;
    m_userId = user->id;
    m_email = user->email;
    load();
}

void UserActivityView::load()
{
    const int generation = ++m_generation;
    const Actor me = m_backend ? m_backend->actor() : Actor();
    const bool mayRead = policy::requirePermission(me, perm::AuditView).allowed
        || policy::requirePermission(me, perm::AuditRead).allowed;
    if (const Capabilities capabilities = m_backend ? m_backend->capabilities() : Capabilities();
        !capabilities.has(Capability::AuditLog)) {
        showStatus(capabilities.whyNot(Capability::AuditLog)); // nothing asked for
        m_list->hide();
        m_showAll->hide();
        return;
    }
    if (!m_backend || !mayRead) {
        showStatus(tr("Your role cannot read the audit log, so this user's activity is not shown."));
        m_list->hide();
        m_showAll->hide();
        return;
    }
    showStatus(tr("Loading…"));
    m_list->clear();
    m_list->hide();
    m_showAll->show();
    AuditQuery query;
    query.involvesUserId = m_userId;
    query.limit = ShownEvents;
    whenDone(m_backend->queryAudit(query), this, [this, generation](const Result<AuditPage>& page) {
        if (generation != m_generation)
            return; // the selection moved on while this was loading
        if (!page.ok()) {
            if (page.error().code == ErrorCode::Forbidden) {
                showStatus(tr("Your role cannot read the audit log, so this user's activity is not shown."));
                m_showAll->hide();
            } else {
                showStatus(tr("Could not load the activity: %1").arg(page.error().message));
            }
            return;
        }
        showEvents(page->items);
    });
}

void UserActivityView::showStatus(const QString& text)
{
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

QString UserActivityView::otherParty(const AuditEvent& e) const
{
    const bool acted = e.actorType == QLatin1String("user") && e.actorId == m_userId;
    const bool onSelf = e.resourceType == QLatin1String("user") && e.resourceId == QString::number(m_userId);
    if (acted && onSelf)
        return tr("own account");
    if (acted) {
        if (e.resourceId.isEmpty())
            return {};
        return tr("on %1").arg(e.resourceLabel.isEmpty() ? QStringLiteral("%1 #%2").arg(e.resourceType, e.resourceId)
                                                         : e.resourceLabel);
    }
    if (e.actorType == QLatin1String("system"))
        return tr("by the system");
    if (!e.actorLabel.isEmpty())
        return tr("by %1").arg(e.actorLabel);
    return tr("by %1 #%2").arg(e.actorType).arg(e.actorId);
}

void UserActivityView::showEvents(const QList<AuditEvent>& events)
{
    m_list->clear();
    if (events.isEmpty()) {
        showStatus(tr("No events"));
        m_list->hide();
        return;
    }
    showStatus({});
    for (const AuditEvent& e : events) {
        // "Suspended · by dana@…" over the time; a refusal says so first.
        const bool denied = e.outcome == QLatin1String("denied");
        QString first = readableAction(e.action);
        const QString party = otherParty(e);
        if (!party.isEmpty())
            first += QStringLiteral(" · ") + party;
        QString second = display::dateTime(e.time);
        if (denied)
            second = tr("denied") + QStringLiteral(" · ") + second;
        auto* item = new QListWidgetItem(first + QLatin1Char('\n') + second, m_list);
        item->setData(Qt::UserRole, e.id);
        item->setToolTip(QStringLiteral("%1 (%2)\n%3\n%4")
                             .arg(e.action, denied ? tr("denied") : tr("success"), party, display::dateTime(e.time)));
        if (denied)
            item->setForeground(display::warningBrush());
    }
    m_list->show();
}

} // namespace portcullis
