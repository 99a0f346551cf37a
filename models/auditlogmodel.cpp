#include "auditlogmodel.h"

#include "displayformat.h"

#include <QFont>

#include <algorithm>
#include <limits>

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

int AuditLogModel::pageAtOrBefore(int row) const
{
    const auto after = std::upper_bound(m_pages.cbegin(), m_pages.cend(), row,
                                        [](int r, const Page& page) { return r < page.firstRow; });
    return int(after - m_pages.cbegin()) - 1;
}

int AuditLogModel::pageOfRow(int row) const
{
    const int page = pageAtOrBefore(row);
    if (page < 0)
        return -1;
    const Page& p = m_pages.at(size_t(page));
    return row < p.firstRow + p.rowCount ? page : -1;
}

const AuditLogModel::Row* AuditLogModel::rowAt(int row, const PageRows** rows) const
{
    if (row < 0 || row >= m_rowCount)
        return nullptr;
    const int page = pageOfRow(row);
    if (page < 0 || !m_pages.at(size_t(page)).rows) {
        wantRow(row);
        return nullptr;
    }
    const Page& p = m_pages.at(size_t(page));
    p.rows->lastUse = ++m_useClock;
    *rows = p.rows.get();
    return &p.rows->rows.at(row - p.firstRow);
}

bool AuditLogModel::isRowLoaded(int row) const
{
    if (row < 0 || row >= m_rowCount)
        return false;
    const int page = pageOfRow(row);
    return page >= 0 && m_pages.at(size_t(page)).rows != nullptr;
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

void AuditLogModel::wantRow(int row) const
{
    // data() is const and may run inside a paint: remember the row and ask on a later turn. Only
    // the rows asked for last are worth reading (a scroll bar dragged fast passes many); rows of
    // one page count once, so that the two or three pages a screen spans all stay wanted.
    const int target = readTargetOf(row);
    const auto samePage = [this, target](int other) { return readTargetOf(other) == target; };
    m_wanted.erase(std::remove_if(m_wanted.begin(), m_wanted.end(), samePage), m_wanted.end());
    m_wanted.append(row);
    while (m_wanted.size() > 8)
        m_wanted.removeFirst();
    if (m_wantScheduled)
        return;
    m_wantScheduled = true;
    auto* self = const_cast<AuditLogModel*>(this);
    QMetaObject::invokeMethod(
        self, [self] { self->requestWantedPages(); }, Qt::QueuedConnection);
}

int AuditLogModel::readTargetOf(int row) const
{
    const int page = pageAtOrBefore(row);
    if (page < 0)
        return 0;
    const Page& p = m_pages.at(size_t(page));
    if (row < p.firstRow + p.rowCount)
        return p.firstRow;
    const int gapStart = p.firstRow + p.rowCount;
    return gapStart + (row - gapStart) / PageSize * PageSize;
}

void AuditLogModel::requestWantedPages()
{
    m_wantScheduled = false;
    // At most two reads at a time: the newest wishes first; older ones wait for their turn.
    while (m_seeking.size() + m_refetching.size() < 2 && !m_wanted.isEmpty()) {
        const int row = m_wanted.takeLast();
        if (!m_backend)
            return;
        if (row < 0 || row >= m_rowCount)
            continue;
        const int page = pageOfRow(row);
        if (page >= 0) {
            if (!m_pages.at(size_t(page)).rows)
                refetchPage(page);
        } else {
            seekTo(row);
        }
    }
}

void AuditLogModel::refetchPage(int page)
{
    const Page& p = m_pages.at(size_t(page));
    if (m_refetching.contains(p.firstId))
        return;
    m_refetching.append(p.firstId);
    AuditQuery q = m_query;
    q.beforeId = p.firstId + 1;
    q.limit = p.rowCount;
    ++m_pagesFetched;
    const int current = generation();
    const Id firstId = p.firstId;
    whenDone(m_backend->queryAudit(q), this,
             [this, current, firstId](const Result<AuditPage>& result) { applyRefetch(current, firstId, result); });
}

void AuditLogModel::seekTo(int row)
{
    for (const auto& [first, count] : std::as_const(m_seeking)) {
        if (row >= first && row < first + count)
            return; // on its way
    }
    // The gap around the row, between the page above it and the next one below.
    const int above = pageAtOrBefore(row);
    if (above < 0)
        return; // row 0 is always read first; nothing to seek from yet
    const Page& anchor = m_pages.at(size_t(above));
    const int gapStart = anchor.firstRow + anchor.rowCount;
    const int gapEnd = size_t(above + 1) < m_pages.size() ? m_pages.at(size_t(above + 1)).firstRow : m_rowCount;
    // Pages in a gap are laid out from its start, so that neighbouring seeks meet without overlap.
    const int first = readTargetOf(row);
    int count = std::min(PageSize, gapEnd - first);
    for (const auto& [other, otherCount] : std::as_const(m_seeking)) {
        if (other > first && other < first + count)
            count = other - first;
    }
    if (count <= 0)
        return;
    m_seeking.append({ first, count });
    AuditQuery q = m_query;
    q.beforeId = anchor.lastId;
    q.offset = first - gapStart;
    q.limit = count;
    ++m_pagesFetched;
    const int current = generation();
    const int layout = m_layout;
    whenDone(m_backend->queryAudit(q), this, [this, current, layout, first, count](const Result<AuditPage>& result) {
        applySeek(current, layout, first, count, result);
    });
}

int AuditLogModel::insertPages(int firstRow, const QList<AuditEvent>& events)
{
    int filed = -1;
    int row = firstRow;
    const int end = std::min(firstRow + int(events.size()), m_rowCount);
    while (row < end) {
        // Skip what a page holds already; file the rows up to the next page as one page.
        const int at = pageOfRow(row);
        if (at >= 0) {
            const Page& p = m_pages.at(size_t(at));
            row = p.firstRow + p.rowCount;
            continue;
        }
        const int next = pageAtOrBefore(row) + 1;
        const int stop
            = std::min(end, size_t(next) < m_pages.size() ? m_pages.at(size_t(next)).firstRow : std::max(end, row));
        const QList<AuditEvent> part = events.mid(row - firstRow, stop - row);
        Page p;
        p.firstRow = row;
        p.rowCount = int(part.size());
        p.firstId = part.first().id;
        p.lastId = part.last().id;
        p.rows = makeRows(part);
        p.rows->lastUse = ++m_useClock;
        m_resident.append(p.firstId);
        m_pages.insert(m_pages.begin() + next, std::move(p));
        filed = next;
        row = stop;
    }
    return filed;
}

int AuditLogModel::pageWithFirstId(Id firstId) const
{
    // Pages are in row order, so their ids decrease.
    const auto it = std::lower_bound(m_pages.cbegin(), m_pages.cend(), firstId,
                                     [](const Page& page, Id id) { return page.firstId > id; });
    return it != m_pages.cend() && it->firstId == firstId ? int(it - m_pages.cbegin()) : -1;
}

void AuditLogModel::dropPagesBeyondLimit(int keep)
{
    if (m_resident.size() <= m_residentLimit)
        return;
    // Pinned: the top page, the page just read, and the pages of rows someone holds a persistent
    // index on (the current index and the ends of the selection's ranges).
    QList<int> pinned { 0, keep };
    const QModelIndexList held = persistentIndexList();
    for (const QModelIndex& index : held) {
        if (index.isValid() && index.row() < m_rowCount)
            pinned.append(pageOfRow(index.row()));
    }
    for (;;) {
        int droppable = 0;
        int oldest = -1;
        for (Id id : std::as_const(m_resident)) {
            const int page = pageWithFirstId(id);
            if (pinned.contains(page))
                continue;
            ++droppable;
            if (oldest < 0 || m_pages.at(size_t(page)).rows->lastUse < m_pages.at(size_t(oldest)).rows->lastUse)
                oldest = page;
        }
        if (droppable <= m_residentLimit)
            return;
        m_pages.at(size_t(oldest)).rows.reset();
        m_resident.removeOne(m_pages.at(size_t(oldest)).firstId);
    }
}

void AuditLogModel::positionsChanged()
{
    // The same ids read the same events in an append-only log; when they do not (a retention purge
    // removed the oldest), the rows' positions no longer hold: start again from the top, once.
    if (++m_positionFailures > 2) {
        failPage(generation(), ServiceError::unavailable(tr("The audit log changed while it was read; press F5")));
        return;
    }
    reload();
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
    if (!row) {
        // Its page is being read; dataChanged() follows.
        if (role == Qt::DisplayRole && index.column() == TimeColumn)
            return tr("Loading…");
        return {};
    }
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

bool AuditLogModel::canFetchMore(const QModelIndex& parent) const
{
    return !m_counted && LazyTableModel::canFetchMore(parent);
}

void AuditLogModel::clearRows()
{
    m_pages.clear();
    m_resident.clear();
    m_rowCount = 0;
    m_counted = false;
    m_insertedAtTop = 0;
    m_topId = 0;
    ++m_layout;
    m_wanted.clear();
    m_seeking.clear();
    m_refetching.clear();
    m_fetchingNewer = false;
}

void AuditLogModel::requestNextPage(int generation)
{
    if (!m_backend) {
        failPage(generation, ServiceError::unavailable(tr("Not connected")));
        return;
    }
    AuditQuery q = m_query;
    if (!m_pages.empty())
        q.beforeId = m_pages.back().lastId;
    q.limit = PageSize;
    ++m_pagesFetched;
    const int firstRow = m_rowCount;
    const int layout = m_layout;
    // whenDone() applies the page on a later turn of the event loop, bound to this model.
    whenDone(m_backend->queryAudit(q), this, [this, generation, firstRow, layout](const Result<AuditPage>& result) {
        applyPage(generation, firstRow, layout, result);
    });
}

void AuditLogModel::applyPage(int generation, int firstRow, int layout, const Result<AuditPage>& result)
{
    if (!isCurrent(generation))
        return; // a reload happened meanwhile: a page of the old filter
    if (!result.ok()) {
        failPage(generation, result.error());
        return;
    }
    const AuditPage& page = result.value();
    const bool first = m_pages.empty() && m_rowCount == 0;
    if (!page.items.isEmpty()) {
        if (m_counted) {
            // The count arrived while this page was read: its rows are there already.
            if (layout == m_layout) {
                const int filed = insertPages(firstRow, page.items);
                if (filed >= 0) {
                    dropPagesBeyondLimit(filed);
                    const int last = std::min(firstRow + int(page.items.size()), m_rowCount) - 1;
                    emit dataChanged(index(firstRow, 0), index(last, ColumnCount - 1));
                }
            }
        } else {
            // Appended below the last page (rows inserted at the top meanwhile moved it down).
            const int at = m_rowCount;
            beginInsertRows({}, at, at + int(page.items.size()) - 1);
            m_rowCount += int(page.items.size());
            const int filed = insertPages(at, page.items);
            endInsertRows();
            dropPagesBeyondLimit(filed);
            if (first)
                m_topId = page.items.first().id;
        }
    }
    const bool more = !page.nextCursor.isEmpty();
    if (first && more && m_seekEnabled && m_backend) {
        // The count of what lies below the first page's newest event: the rows' positions.
        AuditQuery q = m_query;
        q.beforeId = page.items.first().id + 1;
        q.limit = 1;
        q.withTotal = true;
        whenDone(m_backend->queryAudit(q), this,
                 [this, generation](const Result<AuditPage>& count) { applyCount(generation, count); });
    }
    if (first && !more)
        m_counted = true; // one page holds the whole filtered log
    finishPage(generation, m_counted || !more, m_counted ? m_rowCount : -1);
}

void AuditLogModel::applyCount(int generation, const Result<AuditPage>& result)
{
    if (!isCurrent(generation))
        return;
    if (!result.ok()) {
        // Without the count the model still pages in as the view scrolls.
        qWarning("AuditLogModel: the count failed: %s", qPrintable(result.error().message));
        return;
    }
    const qint64 rows = std::min<qint64>(result.value().total + m_insertedAtTop, std::numeric_limits<int>::max());
    // Counted before the rows go in: a view told of them must not page in below them.
    m_counted = true;
    if (rows > m_rowCount) {
        beginInsertRows({}, m_rowCount, int(rows) - 1);
        m_rowCount = int(rows);
        endInsertRows();
    }
    if (!isLoading())
        finishPage(generation, true, m_rowCount);
}

void AuditLogModel::applySeek(int generation, int layout, int firstRow, int count, const Result<AuditPage>& result)
{
    if (!isCurrent(generation))
        return; // rows of the filter before a reload
    m_seeking.removeOne(QPair<int, int>(firstRow, count));
    if (layout != m_layout) {
        requestWantedPages(); // rows were inserted at the top meanwhile: these positions moved
        return;
    }
    if (!result.ok()) {
        failPage(generation, result.error());
        return;
    }
    const QList<AuditEvent>& items = result.value().items;
    if (items.size() != count) {
        positionsChanged();
        return;
    }
    m_positionFailures = 0;
    const int filed = insertPages(firstRow, items);
    if (filed >= 0) {
        dropPagesBeyondLimit(filed);
        emit dataChanged(index(firstRow, 0), index(firstRow + count - 1, ColumnCount - 1));
    }
    requestWantedPages();
}

void AuditLogModel::applyRefetch(int generation, Id firstId, const Result<AuditPage>& result)
{
    if (!isCurrent(generation))
        return; // a page of the rows before a reload
    m_refetching.removeOne(firstId);
    if (!result.ok()) {
        failPage(generation, result.error());
        return;
    }
    const int page = pageWithFirstId(firstId);
    if (page < 0)
        return;
    Page& p = m_pages.at(size_t(page));
    const QList<AuditEvent>& items = result.value().items;
    if (items.size() != p.rowCount || items.first().id != p.firstId || items.last().id != p.lastId) {
        positionsChanged();
        return;
    }
    if (!p.rows) {
        p.rows = makeRows(items);
        p.rows->lastUse = ++m_useClock;
        m_resident.append(p.firstId);
        const int first = p.firstRow;
        const int last = p.firstRow + p.rowCount - 1;
        dropPagesBeyondLimit(page);
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    }
    requestWantedPages();
}

void AuditLogModel::fetchNewer()
{
    if (!m_backend || m_fetchingNewer || !hasLoadedOnce() || (isLoading() && m_rowCount == 0))
        return;
    m_fetchingNewer = true;
    AuditQuery q = m_query;
    q.limit = PageSize;
    q.afterId = m_topId; // 0 with no rows: the newest page
    ++m_pagesFetched;
    const int current = generation();
    const int layout = m_layout;
    whenDone(m_backend->queryAudit(q), this,
             [this, current, layout](const Result<AuditPage>& result) { applyNewer(current, layout, result); });
}

void AuditLogModel::applyNewer(int generation, int layout, const Result<AuditPage>& result)
{
    if (!isCurrent(generation) || layout != m_layout)
        return;
    m_fetchingNewer = false;
    if (!result.ok()) {
        emit loadFailed(result.error());
        return;
    }
    const AuditPage& page = result.value();
    if (page.items.isEmpty())
        return;
    if (m_topId == 0 && !page.nextCursor.isEmpty()) {
        reload(); // the log was empty and now has more than a page: read it as a new one
        return;
    }
    const int n = int(page.items.size());
    beginInsertRows({}, 0, n - 1);
    for (Page& p : m_pages)
        p.firstRow += n;
    m_seeking.clear(); // their rows moved: dropped when they arrive (m_layout)
    m_wanted.clear(); // the view asks again for what it shows
    m_rowCount += n;
    if (!m_counted)
        m_insertedAtTop += n;
    m_topId = page.items.first().id;
    ++m_layout;
    const int filed = insertPages(0, page.items);
    endInsertRows();
    dropPagesBeyondLimit(filed);
    emit newerEventsInserted(n);
    if (m_counted && !isLoading())
        finishPage(generation, true, m_rowCount);
    if (n == PageSize)
        fetchNewer(); // more came than a page holds
}

} // namespace portcullis
