#pragma once

#include "backend.h"
#include "lazytablemodel.h"

#include <QHash>
#include <QPointer>

#include <memory>
#include <vector>

namespace portcullis {

// The audit log, newest first, with the filter of an AuditQuery, read 200 events at a time off the
// GUI thread. Organization names come from the pane (one lookup, not one per row).
//
// Count and seek (on by default): after the first page the model asks for the number of matching
// events (AuditQuery::withTotal, below the first page's newest id) and rowCount() becomes that
// count at once, so the scroll bar has its real length. A row nobody read yet shows "Loading…" in
// its time column (other columns empty) and asks for its page on a later turn of the event loop:
// the 200 rows around it, read from the nearest page above it that the model knows, by its last
// id (keyset) plus an offset (AuditQuery::beforeId, offset). Dragging the scroll bar to the middle
// of a 10M-event log thus reads one page there, not every page before it; the rows fill in with
// dataChanged(). Without the count (setSeekEnabled(false)), pages are appended by fetchMore() as
// the view scrolls, as a plain lazy model.
//
// Memory stays bounded however far the user scrolls or jumps: the model remembers, for every page
// read, only its first row, length and first and last event ids (about 50 bytes); the rows of at
// most residentPageLimit() pages are kept (the least recently shown go first). A row whose page was
// dropped reads as not loaded and asks for its page again, by its ids. Positions do not move when
// events are appended (every read is bounded by ids at or below the first page's newest), so a page
// read again holds the same events; should it not (a retention purge removed some), the model
// reloads. The top page and the pages of rows someone holds a persistent index on (the view's
// current index and selection, the details panel) are never dropped.
//
// Following (fetchNewer()): the events newer than row 0 are read (AuditQuery::afterId) and inserted
// at the top with rowsInserted(), so views keep their selection and current row.
class AuditLogModel : public LazyTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        TimeColumn,
        ActorColumn,
        OrganizationColumn,
        ActionColumn,
        ResourceColumn,
        OutcomeColumn,
        IpColumn,
        ColumnCount
    };
    enum Role
    {
        EventIdRole = Qt::UserRole + 1,
        DeniedRole
    };
    static constexpr int PageSize = 200;
    // 16 pages: 3,200 rows around what the view shows (a screen holds a few dozen).
    static constexpr int DefaultResidentPageLimit = 16;

    explicit AuditLogModel(Backend* backend, QObject* parent = nullptr);

    // Whether the model counts the matching events and seeks to the rows shown (see above). Takes
    // effect with the next reload.
    void setSeekEnabled(bool enabled) { m_seekEnabled = enabled; }
    bool seekEnabled() const { return m_seekEnabled; }
    // Whether rowCount() is the count of the matching events (it arrived).
    bool isCounted() const { return m_counted; }
    // How many pages of rows were asked of the backend since the model was made (first pages,
    // fetchMore, seeks, pages read again, newer events): what a jump across the log costs.
    int pagesFetched() const { return m_pagesFetched; }

    // Reads the events newer than the newest row (the filter's), and inserts them at the top. Does
    // nothing while the first page is being read or newer events are being read already. A full
    // page of newer events asks again at once.
    void fetchNewer();
    bool isFetchingNewer() const { return m_fetchingNewer; }

    // Replaces the filter (cursor and limit are managed by the model) and reloads.
    void setQuery(const AuditQuery& query);
    const AuditQuery& query() const { return m_query; }
    // Names shown in the organization column; ids without a name are shown as "#id".
    void setOrganizationNames(const QHash<Id, QString>& names);
    QString organizationName(Id organizationId) const;
    const QHash<Id, QString>& organizationNames() const { return m_organizationNames; }

    // No paging in once the count is there: every row exists, and is read where it is shown.
    bool canFetchMore(const QModelIndex& parent) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The event of a row as the list holds it: every column's field, but not the details JSON
    // (except a denial's reason) nor the hashes; Backend::getAuditEvent() has the whole event.
    // A row whose page is not held reads as an event with id 0 (and its page is asked for).
    AuditEvent eventAt(int row) const;
    // Whether the row's event is held now (false while its page is read again).
    bool isRowLoaded(int row) const;

    // How many pages of rows the model holds at most, besides the first page and the pages of
    // rows held by persistent indexes (at least 2).
    void setResidentPageLimit(int pages);
    int residentPageLimit() const { return m_residentLimit; }
    // How many pages hold their rows now (the first page included).
    int residentPageCount() const { return int(m_resident.size()); }

    // How an event's actor and resource read in the table and the details ("ana@x.test (#42)",
    // "user #17 (bo@x.test)": the target's name beside its id when the event came with one;
    // "role support_desk": an id that is a name already).
    static QString actorText(const AuditEvent& event);
    static QString resourceText(const AuditEvent& event);
    static QString outcomeText(const QString& outcome);

signals:
    // fetchNewer() inserted `count` rows at the top.
    void newerEventsInserted(int count);

protected:
    void clearRows() override;
    void requestNextPage(int generation) override;

private:
    void applyPage(int generation, int firstRow, int layout, const Result<AuditPage>& result);
    void applyCount(int generation, const Result<AuditPage>& result);
    void applySeek(int generation, int layout, int firstRow, int count, const Result<AuditPage>& result);
    void applyRefetch(int generation, Id firstId, const Result<AuditPage>& result);
    void applyNewer(int generation, int layout, const Result<AuditPage>& result);

    // A row as stored: 72 bytes, its text fields as indices into its page's table of distinct
    // strings (the same actions, actors and addresses recur on most rows).
    struct Row
    {
        Id id = 0;
        qint64 timeMs = 0;
        Id actorId = 0;
        Id organizationId = 0;
        quint32 actorType = 0;
        quint32 actorLabel = 0;
        quint32 action = 0;
        quint32 resourceType = 0;
        quint32 resourceId = 0;
        quint32 resourceLabel = 0; // the target's name (AuditEvent::resourceLabel)
        quint32 ip = 0;
        quint32 reason = 0; // a denial's reason (the tooltip), else the empty string
        bool denied = false;
    };
    // The rows of one page while it is held.
    struct PageRows
    {
        QList<Row> rows;
        QList<QString> strings; // index 0 is the empty string
        mutable quint64 lastUse = 0;
        const QString& text(quint32 index) const { return strings.at(index); }
    };
    // What the model remembers of every page read, held or not: about 50 bytes, so the pages of
    // a 10M-event log, were every one of them read, would take a few MB.
    struct Page
    {
        int firstRow = 0;
        int rowCount = 0;
        Id firstId = 0;
        Id lastId = 0;
        std::unique_ptr<PageRows> rows; // null when dropped
    };
    static std::unique_ptr<PageRows> makeRows(const QList<AuditEvent>& events);
    // The index in m_pages of the page holding `row`, or -1 when no page read holds it.
    int pageOfRow(int row) const;
    // The index of the last page starting at or before `row` (-1 when none).
    int pageAtOrBefore(int row) const;
    // The row's stored form and its page's strings; null when its page is not held (then the page
    // is asked for on a later turn of the event loop).
    const Row* rowAt(int row, const PageRows** page) const;
    int pageWithFirstId(Id firstId) const;
    // The first row of the read that would bring `row`: its page's, or the page-sized slice of
    // its gap (laid out from the gap's start).
    int readTargetOf(int row) const;
    void wantRow(int row) const;
    void requestWantedPages();
    void refetchPage(int page);
    void seekTo(int row);
    // Files the events read for rows [firstRow, firstRow + count) into pages, skipping the rows
    // another page holds already; returns the index of a page filed (-1 when none).
    int insertPages(int firstRow, const QList<AuditEvent>& events);
    void dropPagesBeyondLimit(int keep);
    // The positions no longer hold (the log changed under the model): reload, or fail after twice.
    void positionsChanged();

    QPointer<Backend> m_backend;
    AuditQuery m_query;
    std::vector<Page> m_pages; // in row order, without overlaps; gaps are rows not read
    QList<Id> m_resident; // pages whose rows are held, by first id
    int m_rowCount = 0;
    int m_residentLimit = DefaultResidentPageLimit;
    bool m_seekEnabled = true;
    bool m_counted = false;
    int m_insertedAtTop = 0; // rows inserted by fetchNewer() before the count arrived
    Id m_topId = 0; // the event of row 0
    int m_layout = 0; // bumped when rows are inserted at the top: seeks asked before are dropped
    mutable quint64 m_useClock = 0;
    mutable QList<int> m_wanted; // rows a view asked for that are not held, most recent last
    mutable bool m_wantScheduled = false;
    QList<QPair<int, int>> m_seeking; // row ranges being read (first row, count)
    QList<Id> m_refetching; // pages being read again, by first id
    bool m_fetchingNewer = false;
    int m_pagesFetched = 0;
    int m_positionFailures = 0;
    QHash<Id, QString> m_organizationNames;
};

} // namespace portcullis
