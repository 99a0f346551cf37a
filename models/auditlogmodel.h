#pragma once

#include "backend.h"
#include "lazytablemodel.h"

#include <QHash>
#include <QPointer>

namespace portcullis {

// The audit log, newest first, keyset-paged (AuditQuery::cursor) 200 events at a time with the
// filter of an AuditQuery. The log has no cheap total, so total() stays -1 and atEnd() tells when
// the last page arrived. Organization names come from the pane (one lookup, not one per row).
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
    AuditEvent eventAt(int row) const;

    // How an event's actor and resource read in the table and the details ("ana@x.test (#42)", "user #17").
    static QString actorText(const AuditEvent& event);
    static QString resourceText(const AuditEvent& event);
    static QString outcomeText(const QString& outcome);

protected:
    void clearRows() override;
    void requestNextPage(int generation) override;

private:
    void applyPage(int generation, const Result<AuditPage>& result);

    // A row as stored: 64 bytes, its text fields as indices into a table of distinct strings (the
    // same actions, actors and addresses recur on most rows), so a million rows scrolled through
    // stay around 100 MB instead of the ~1 GB full AuditEvent values would take.
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
        quint32 ip = 0;
        quint32 reason = 0; // a denial's reason (the tooltip), else the empty string
        bool denied = false;
    };
    quint32 intern(const QString& text);
    const QString& text(quint32 index) const { return m_strings.at(index); }

    QPointer<Backend> m_backend;
    AuditQuery m_query;
    QList<Row> m_rows;
    QList<QString> m_strings;
    QHash<QString, quint32> m_stringIndex;
    QString m_nextCursor;
    QHash<Id, QString> m_organizationNames;
};

} // namespace portcullis
