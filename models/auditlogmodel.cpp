#include "auditlogmodel.h"

#include "displayformat.h"

#include <QFont>

#include <algorithm>

namespace portcullis {

AuditLogModel::AuditLogModel(Backend* backend, QObject* parent)
    : LazyTableModel(parent)
    , m_backend(backend)
{
    m_query.limit = PageSize;
}

void AuditLogModel::setQuery(const AuditQuery& query)
{
    m_query = query;
    m_query.cursor.clear();
    m_query.limit = PageSize;
    reload();
}

void AuditLogModel::setOrganizationNames(const QHash<Id, QString>& names)
{
    m_organizationNames = names;
    if (m_rowCount > 0)
        emit dataChanged(index(0, OrganizationColumn), index(m_rowCount - 1, OrganizationColumn));
}

QString AuditLogModel::organizationName(Id organizationId) const
{
    if (organizationId == 0)
        return tr("(global)");
    const QString name = m_organizationNames.value(organizationId);
    return name.isEmpty() ? QStringLiteral("#%1").arg(organizationId) : name;
}

namespace {

AuditEvent eventFromRow(const auto& r, const auto& page)
{
    AuditEvent e;
    e.id = r.id;
    e.time = QDateTime::fromMSecsSinceEpoch(r.timeMs, Qt::UTC);
    e.actorType = page.text(r.actorType);
    e.actorId = r.actorId;
    e.actorLabel = page.text(r.actorLabel);
    e.organizationId = r.organizationId;
    e.action = page.text(r.action);
    e.resourceType = page.text(r.resourceType);
    e.resourceId = page.text(r.resourceId);
    e.resourceLabel = page.text(r.resourceLabel);
    e.ip = page.text(r.ip);
    e.outcome = r.denied ? QStringLiteral("denied") : QStringLiteral("success");
    if (r.denied)
        e.details.insert(QStringLiteral("reason"), page.text(r.reason));
    return e;
}

} // namespace

std::unique_ptr<AuditLogModel::PageRows> AuditLogModel::makeRows(const QList<AuditEvent>& events)
{
    auto page = std::make_unique<PageRows>();
    QHash<QString, quint32> index;
    auto intern = [&](const QString& value) {
        const auto it = index.constFind(value);
        if (it != index.cend())
            return it.value();
        const auto at = quint32(page->strings.size());
        page->strings.append(value);
        index.insert(value, at);
        return at;
    };
    intern(QString()); // index 0 is the empty string
    page->rows.reserve(events.size());
    for (const AuditEvent& e : events) {
        Row row;
        row.id = e.id;
        row.timeMs = e.time.toMSecsSinceEpoch();
        row.actorId = e.actorId;
        row.organizationId = e.organizationId;
        row.actorType = intern(e.actorType);
        row.actorLabel = intern(e.actorLabel);
        row.action = intern(e.action);
        row.resourceType = intern(e.resourceType);
        row.resourceId = intern(e.resourceId);
        row.resourceLabel = intern(e.resourceLabel);
        row.ip = intern(e.ip);
        row.denied = e.outcome == QLatin1String("denied");
        if (row.denied)
            row.reason = intern(e.details.value(QStringLiteral("reason")).toString());
        page->rows.append(row);
    }
    page->strings.squeeze();
    return page;
}

int AuditLogModel::pageOfRow(int row) const
{
    const auto after = std::upper_bound(m_pages.cbegin(), m_pages.cend(), row,
                                        [](int r, const Page& page) { return r < page.firstRow; });
    return int(after - m_pages.cbegin()) - 1;
}

const AuditLogModel::Row* AuditLogModel::rowAt(int row, const PageRows** rows) const
{
    if (row < 0 || row >= m_rowCount)
        return nullptr;
    const int page = pageOfRow(row);
    const Page& p = m_pages.at(size_t(page));
    if (!p.rows) {
        wantPage(page);
        return nullptr;
    }
    p.rows->lastUse = ++m_useClock;
    *rows = p.rows.get();
    return &p.rows->rows.at(row - p.firstRow);
}

bool AuditLogModel::isRowLoaded(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return false;
    return m_pages.at(size_t(pageOfRow(row))).rows != nullptr;
}

AuditEvent AuditLogModel::eventAt(int row) const
{
    const PageRows* page = nullptr;
    const Row* r = rowAt(row, &page);
    return r ? eventFromRow(*r, *page) : AuditEvent {};
}

void AuditLogModel::setResidentPageLimit(int pages)
{
    m_residentLimit = std::max(2, pages);
    dropPagesBeyondLimit(-1);
}

void AuditLogModel::wantPage(int page) const
{
    // data() is const and may run inside a paint: remember the page and ask on a later turn. Only
    // the pages asked for last are worth reading (a scroll bar dragged fast passes many).
    m_wanted.removeOne(page);
    m_wanted.append(page);
    while (m_wanted.size() > 8)
        m_wanted.removeFirst();
    if (m_wantScheduled)
        return;
    m_wantScheduled = true;
    auto* self = const_cast<AuditLogModel*>(this);
    QMetaObject::invokeMethod(
        self, [self] { self->requestWantedPages(); }, Qt::QueuedConnection);
}

void AuditLogModel::requestWantedPages()
{
    m_wantScheduled = false;
    // At most two reads at a time: the newest wishes first; older ones wait for their turn.
    while (m_refetching.size() < 2 && !m_wanted.isEmpty()) {
        const int page = m_wanted.takeLast();
        if (page < 0 || size_t(page) >= m_pages.size() || m_pages.at(size_t(page)).rows || m_refetching.contains(page))
            continue;
        if (!m_backend)
            return;
        m_refetching.append(page);
        AuditQuery q = m_query;
        q.cursor = m_pages.at(size_t(page)).cursor;
        q.limit = PageSize;
        const int current = generation();
        whenDone(m_backend->queryAudit(q), this,
                 [this, current, page](const Result<AuditPage>& result) { applyRefetch(current, page, result); });
    }
}

void AuditLogModel::dropPagesBeyondLimit(int keep)
{
    // Pinned: the first page, the page just read, and the pages of rows someone holds a persistent
    // index on (the current index and the ends of the selection's ranges).
    QList<int> pinned { 0, keep };
    if (m_resident.size() > m_residentLimit) {
        const QModelIndexList held = persistentIndexList();
        for (const QModelIndex& index : held) {
            if (index.isValid() && index.row() < m_rowCount)
                pinned.append(pageOfRow(index.row()));
        }
    }
    for (;;) {
        int droppable = 0;
        int oldest = -1;
        for (int page : std::as_const(m_resident)) {
            if (pinned.contains(page))
                continue;
            ++droppable;
            if (oldest < 0 || m_pages.at(size_t(page)).rows->lastUse < m_pages.at(size_t(oldest)).rows->lastUse)
                oldest = page;
        }
        if (droppable <= m_residentLimit)
            return;
        m_pages.at(size_t(oldest)).rows.reset();
        m_resident.removeOne(oldest);
    }
}

int AuditLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_rowCount;
}

int AuditLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString AuditLogModel::actorText(const AuditEvent& e)
{
    if (e.actorType == QLatin1String("system"))
        return tr("system");
    if (e.actorType == QLatin1String("api_key"))
        return e.actorLabel.isEmpty() ? tr("API key #%1").arg(e.actorId)
                                      : tr("API key #%1 of %2").arg(QString::number(e.actorId), e.actorLabel);
    if (e.actorLabel.isEmpty())
        return QStringLiteral("#%1").arg(e.actorId);
    return QStringLiteral("%1 (#%2)").arg(e.actorLabel, QString::number(e.actorId));
}

QString AuditLogModel::resourceText(const AuditEvent& e)
{
    if (e.resourceId.isEmpty())
        return e.resourceType;
    bool numeric = false;
    e.resourceId.toLongLong(&numeric);
    if (!numeric) // a name already (a role's code)
        return QStringLiteral("%1 %2").arg(e.resourceType, e.resourceId);
    if (e.resourceLabel.isEmpty())
        return QStringLiteral("%1 #%2").arg(e.resourceType, e.resourceId);
    return QStringLiteral("%1 #%2 (%3)").arg(e.resourceType, e.resourceId, e.resourceLabel);
}

QString AuditLogModel::outcomeText(const QString& outcome)
{
    if (outcome == QLatin1String("success"))
        return tr("Success");
    if (outcome == QLatin1String("denied"))
        return tr("Denied");
    return outcome;
}

QVariant AuditLogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rowCount || index.column() >= ColumnCount)
        return {};
    const PageRows* page = nullptr;
    const Row* row = rowAt(index.row(), &page);
    if (!row)
        return {}; // its page is read again; dataChanged() follows
    const AuditEvent e = eventFromRow(*row, *page);
    const bool denied = e.outcome == QLatin1String("denied");
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return display::dateTime(e.time);
        case ActorColumn:
            return actorText(e);
        case OrganizationColumn:
            return organizationName(e.organizationId);
        case ActionColumn:
            return e.action;
        case ResourceColumn:
            return resourceText(e);
        case OutcomeColumn:
            return outcomeText(e.outcome);
        case IpColumn:
            return e.ip;
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return e.time.toUTC().toString(Qt::ISODateWithMs);
        if (denied)
            return tr("Denied: %1").arg(e.details.value(QStringLiteral("reason")).toString());
        if (index.column() == ActorColumn)
            return actorText(e);
        if (index.column() == ResourceColumn)
            return resourceText(e);
        break;
    case Qt::ForegroundRole:
        if (denied)
            return display::warningBrush();
        break;
    case Qt::FontRole:
        if (denied && index.column() == OutcomeColumn) {
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        break;
    case EventIdRole:
        return e.id;
    case DeniedRole:
        return denied;
    }
    return {};
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case ActorColumn:
        return tr("Actor");
    case OrganizationColumn:
        return tr("Organization");
    case ActionColumn:
        return tr("Action");
    case ResourceColumn:
        return tr("Resource");
    case OutcomeColumn:
        return tr("Outcome");
    case IpColumn:
        return tr("IP address");
    }
    return {};
}

void AuditLogModel::clearRows()
{
    m_pages.clear();
    m_resident.clear();
    m_rowCount = 0;
    m_wanted.clear();
    m_refetching.clear();
    m_nextCursor.clear();
}

void AuditLogModel::requestNextPage(int generation)
{
    if (!m_backend) {
        failPage(generation, ServiceError::unavailable(tr("Not connected")));
        return;
    }
    AuditQuery q = m_query;
    q.cursor = m_nextCursor;
    q.limit = PageSize;
    // whenDone() applies the page on a later turn of the event loop, bound to this model.
    whenDone(m_backend->queryAudit(q), this,
             [this, generation](const Result<AuditPage>& result) { applyPage(generation, result); });
}

void AuditLogModel::applyPage(int generation, const Result<AuditPage>& result)
{
    if (!isCurrent(generation))
        return; // a reload happened meanwhile: a page of the old filter
    if (!result.ok()) {
        failPage(generation, result.error());
        return;
    }
    const AuditPage& page = result.value();
    if (!page.items.isEmpty()) {
        Page p;
        p.cursor = m_nextCursor; // the cursor this page was read with
        p.firstRow = m_rowCount;
        p.rowCount = int(page.items.size());
        p.firstId = page.items.first().id;
        p.lastId = page.items.last().id;
        p.rows = makeRows(page.items);
        p.rows->lastUse = ++m_useClock;
        beginInsertRows({}, m_rowCount, m_rowCount + p.rowCount - 1);
        m_rowCount += p.rowCount;
        m_pages.push_back(std::move(p));
        m_resident.append(int(m_pages.size()) - 1);
        endInsertRows();
        dropPagesBeyondLimit(int(m_pages.size()) - 1);
    }
    m_nextCursor = page.nextCursor;
    finishPage(generation, page.nextCursor.isEmpty());
}

void AuditLogModel::applyRefetch(int generation, int page, const Result<AuditPage>& result)
{
    if (!isCurrent(generation))
        return; // a page of the rows before a reload
    m_refetching.removeOne(page);
    if (!result.ok()) {
        failPage(generation, result.error());
        return;
    }
    Page& p = m_pages.at(size_t(page));
    const QList<AuditEvent>& items = result.value().items;
    // The same cursor reads the same events in an append-only log; when it does not (a retention
    // purge removed the oldest), the rows' positions no longer hold: start again from the top.
    if (items.size() != p.rowCount || items.first().id != p.firstId || items.last().id != p.lastId) {
        reload();
        return;
    }
    if (!p.rows) {
        p.rows = makeRows(items);
        p.rows->lastUse = ++m_useClock;
        m_resident.append(page);
        dropPagesBeyondLimit(page);
        emit dataChanged(index(p.firstRow, 0), index(p.firstRow + p.rowCount - 1, ColumnCount - 1));
    }
    requestWantedPages();
}

} // namespace portcullis
