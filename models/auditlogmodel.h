#pragma once

#include "backend.h"
#include "lazytablemodel.h"

#include <QHash>
#include <QPointer>

#include <memory>
#include <vector>

namespace portcullis {

// The audit log, newest first, keyset-paged (AuditQuery::cursor) 200 events at a time with the
// filter of an AuditQuery. The log has no cheap total, so total() stays -1 and atEnd() tells when
// the last page arrived. Organization names come from the pane (one lookup, not one per row).
//
// Memory stays bounded however far the user scrolls: the model remembers, for every page fetched,
// only where it starts (the cursor it was read with) and its first and last event ids; the rows of
// at most residentPageLimit() pages are kept (the least recently shown go first). A row whose page
// was dropped reads as empty and asks for its page again, by its cursor, off the GUI thread; the
// rows fill in with dataChanged() when it arrives. Keyset pages do not move when events are
// appended (new events are newer than every cursor), so a page read again holds the same events;
// should it not (a retention purge removed some), the model reloads. The first page (anything
// newer than it is not in the model) and the pages of rows someone holds a persistent index on
// (the view's current index and selection, the details panel) are never dropped.
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

    // Replaces the filter (cursor and limit are managed by the model) and reloads.
    void setQuery(const AuditQuery& query);
    const AuditQuery& query() const { return m_query; }
    // Names shown in the organization column; ids without a name are shown as "#id".
    void setOrganizationNames(const QHash<Id, QString>& names);
    QString organizationName(Id organizationId) const;
    const QHash<Id, QString>& organizationNames() const { return m_organizationNames; }

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

protected:
    void clearRows() override;
    void requestNextPage(int generation) override;

private:
    void applyPage(int generation, const Result<AuditPage>& result);
    void applyRefetch(int generation, int page, const Result<AuditPage>& result);

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
    // What the model remembers of every page fetched, held or not: about 60 bytes, so the 50,000
    // pages of a 10M-event log take a few MB.
    struct Page
    {
        QString cursor; // the cursor it is read with (empty for the first page)
        int firstRow = 0;
        int rowCount = 0;
        Id firstId = 0;
        Id lastId = 0;
        std::unique_ptr<PageRows> rows; // null when dropped
    };
    static std::unique_ptr<PageRows> makeRows(const QList<AuditEvent>& events);
    int pageOfRow(int row) const;
    // The row's stored form and its page's strings; null when the page is not held (then the page
    // is asked for on a later turn of the event loop).
    const Row* rowAt(int row, const PageRows** page) const;
    void wantPage(int page) const;
    void requestWantedPages();
    void dropPagesBeyondLimit(int keep);

    QPointer<Backend> m_backend;
    AuditQuery m_query;
    std::vector<Page> m_pages;
    QList<int> m_resident; // pages whose rows are held
    int m_rowCount = 0;
    int m_residentLimit = DefaultResidentPageLimit;
    mutable quint64 m_useClock = 0;
    mutable QList<int> m_wanted; // dropped pages a view asked for, most recent last
    mutable bool m_wantScheduled = false;
    QList<int> m_refetching; // pages being read again
    QString m_nextCursor;
    QHash<Id, QString> m_organizationNames;
};

} // namespace portcullis
