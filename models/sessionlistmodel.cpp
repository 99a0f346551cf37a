#include "sessionlistmodel.h"

#include "displayformat.h"
#include "useragent.h"

#include <QFont>
#include <QGuiApplication>
#include <QIcon>
#include <QPalette>
#include <QTimer>

namespace portcullis {

SessionListModel::SessionListModel(Backend* backend, QObject* parent)
    : LazyTableModel(parent)
    , m_backend(backend)
{
    m_query.limit = PageSize;
    // "5 min ago" ages: repaint the relative columns every minute (no reload, no request).
    auto* tick = new QTimer(this);
    tick->setInterval(60 * 1000);
    connect(tick, &QTimer::timeout, this, [this] {
        if (!m_rows.isEmpty())
            emit dataChanged(index(0, LastSeenColumn), index(int(m_rows.size()) - 1, ExpiresColumn));
    });
    tick->start();
}

void SessionListModel::setQuery(const SessionQuery& query)
{
    m_query = query;
    m_query.page = 1;
    m_query.limit = PageSize;
    reload();
}

int SessionListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

bool SessionListModel::isEnded(const Session& session, const QDateTime& now)
{
    return session.revoked || (session.expiresAt.isValid() && session.expiresAt <= now);
}

QString SessionListModel::impersonationText(const Session& s)
{
    if (!s.isImpersonation())
        return {};
    const QString who
        = s.impersonatorEmail.isEmpty() ? QStringLiteral("#%1").arg(s.impersonatorId) : s.impersonatorEmail;
    return tr("Impersonated by %1 — reason: %2").arg(who, s.impersonationReason);
}

QString SessionListModel::relativeTime(const QDateTime& time, const QDateTime& now)
{
    if (!time.isValid())
        return {};
    const qint64 seconds = now.secsTo(time); // > 0: in the future
    const qint64 span = std::abs(seconds);
    const bool future = seconds > 0;
    if (span < 60)
        return future ? tr("in under a minute") : tr("just now");
    if (span < 3600) {
        const int minutes = int(span / 60);
        return future ? tr("in %n min", nullptr, minutes) : tr("%n min ago", nullptr, minutes);
    }
    if (span < 48 * 3600) {
        const int hours = int(span / 3600);
        return future ? tr("in %n h", nullptr, hours) : tr("%n h ago", nullptr, hours);
    }
    const int days = int(span / 86400);
    return future ? tr("in %n days", nullptr, days) : tr("%n days ago", nullptr, days);
}

QVariant SessionListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const Session& s = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case UserColumn:
            return isThisConsole(s) ? tr("%1 (this console)").arg(s.userEmail) : s.userEmail;
        case IpColumn:
            return s.ip;
        case UserAgentColumn:
            return useragent::readable(s.userAgent);
        case StartedColumn:
            return display::dateTime(s.createdAt);
        case LastSeenColumn:
            return relativeTime(s.lastSeenAt);
        case ExpiresColumn:
            if (s.revoked)
                return tr("Revoked");
            if (isEnded(s))
                return tr("Expired %1").arg(relativeTime(s.expiresAt));
            return relativeTime(s.expiresAt);
        case ImpersonatorColumn:
            return s.isImpersonation()
                ? (s.impersonatorEmail.isEmpty() ? QStringLiteral("#%1").arg(s.impersonatorId) : s.impersonatorEmail)
                : QString();
        }
        break;
    case Qt::DecorationRole:
        if (s.isImpersonation() && (index.column() == UserColumn || index.column() == ImpersonatorColumn))
            return QIcon(QStringLiteral(":/icons/impersonated.svg"));
        break;
    case Qt::ToolTipRole: {
        QStringList lines;
        if (isThisConsole(s))
            lines << tr("The session of this console: revoking it signs you out.");
        if (index.column() == UserAgentColumn && !s.userAgent.isEmpty())
            lines << s.userAgent;
        if (index.column() == LastSeenColumn)
            lines << display::dateTime(s.lastSeenAt);
        if (index.column() == ExpiresColumn)
            lines << display::dateTime(s.expiresAt);
        if (s.isImpersonation())
            lines << impersonationText(s);
        if (s.revoked)
            lines << tr("This session was revoked.");
        else if (isEnded(s))
            lines << tr("This session has expired.");
        if (!lines.isEmpty())
            return lines.join(QLatin1Char('\n'));
        break;
    }
    case Qt::ForegroundRole:
        if (isEnded(s))
            return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
        if (s.isImpersonation() && index.column() == ImpersonatorColumn)
            return display::warningBrush();
        break;
    case Qt::FontRole:
        if (isThisConsole(s)) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        break;
    case SessionIdRole:
        return s.id;
    case UserIdRole:
        return s.userId;
    case ImpersonatedRole:
        return s.isImpersonation();
    case EndedRole:
        return isEnded(s);
    case CurrentRole:
        return isThisConsole(s);
    }
    return {};
}

QVariant SessionListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case UserColumn:
        return tr("User");
    case IpColumn:
        return tr("IP address");
    case UserAgentColumn:
        return tr("User agent");
    case StartedColumn:
        return tr("Started");
    case LastSeenColumn:
        return tr("Last seen");
    case ExpiresColumn:
        return tr("Expires");
    case ImpersonatorColumn:
        return tr("Impersonated by");
    }
    return {};
}

void SessionListModel::clearRows()
{
    m_rows.clear();
    m_seen.clear();
    m_nextPage = 1;
}

void SessionListModel::requestNextPage(int generation)
{
    if (!m_backend) {
        failPage(generation, ServiceError::unavailable(tr("Not connected")));
        return;
    }
    m_currentSessionId = m_backend->actor().sessionId;
    SessionQuery q = m_query;
    q.page = m_nextPage;
    q.limit = PageSize;
    // whenDone() applies the page on a later turn of the event loop, bound to this model.
    whenDone(m_backend->listSessions(q), this,
             [this, generation](const Result<Page<Session>>& result) { applyPage(generation, result); });
}

void SessionListModel::applyPage(int generation, const Result<Page<Session>>& result)
{
    if (!isCurrent(generation))
        return; // a reload happened meanwhile: a page of the old filter
    if (!result.ok()) {
        failPage(generation, result.error());
        return;
    }
    const Page<Session>& page = result.value();
    QList<Session> fresh;
    fresh.reserve(page.items.size());
    for (const Session& s : page.items) {
        if (!m_seen.contains(s.id)) {
            m_seen.insert(s.id);
            fresh << s;
        }
    }
    if (!fresh.isEmpty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + fresh.size() - 1));
        m_rows.append(fresh);
        endInsertRows();
    }
    ++m_nextPage;
    // A bounded total ("10,000+") says nothing about where the list ends: only a short page does.
    const bool atEnd
        = page.items.size() < page.limit || (!page.totalIsLowerBound && qint64(page.page) * page.limit >= page.total);
    finishPage(generation, atEnd, page.total, page.totalIsLowerBound);
}

} // namespace portcullis
