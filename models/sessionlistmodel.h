#pragma once

#include "backend.h"
#include "lazytablemodel.h"

#include <QPointer>
#include <QSet>

namespace portcullis {

// Sessions (all of the actor's scope, or one user's), newest first, page-number paged with the
// total the backend reports. Impersonated sessions carry the impersonated icon and a tooltip
// naming the impersonator and the reason in every column. The console's own session is marked
// "this console" and shown in bold; the user agent column names the client (useragent::readable),
// its tooltip has the raw header.
class SessionListModel : public LazyTableModel
{
    Q_OBJECT

public:
    enum Column
    {
        UserColumn,
        IpColumn,
        UserAgentColumn,
        StartedColumn,
        LastSeenColumn,
        ExpiresColumn,
        ImpersonatorColumn,
        ColumnCount
    };
    enum Role
    {
        SessionIdRole = Qt::UserRole + 1,
        UserIdRole,
        ImpersonatedRole,
        EndedRole,
        CurrentRole // the session this console signed in with
    };
    static constexpr int PageSize = 100;

    explicit SessionListModel(Backend* backend, QObject* parent = nullptr);

    // Replaces the filter (page and limit are managed by the model) and reloads.
    void setQuery(const SessionQuery& query);
    const SessionQuery& query() const { return m_query; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const Session& sessionAt(int row) const { return m_rows.at(row); }
    // The session this console signed in with (the signed-in actor's, as of the last load).
    Id currentSessionId() const { return m_currentSessionId; }
    bool isThisConsole(const Session& session) const { return session.id != 0 && session.id == m_currentSessionId; }
    // Revoked, or expired by now.
    static bool isEnded(const Session& session, const QDateTime& now = QDateTime::currentDateTimeUtc());
    static QString impersonationText(const Session& session);
    // "5 min ago", "in 11 h": last-seen and expiry read at a glance (the tooltip has the date).
    static QString relativeTime(const QDateTime& time, const QDateTime& now = QDateTime::currentDateTimeUtc());

protected:
    void clearRows() override;
    void requestNextPage(int generation) override;

private:
    void applyPage(int generation, const Result<Page<Session>>& result);

    QPointer<Backend> m_backend;
    SessionQuery m_query;
    QList<Session> m_rows;
    // Page numbers shift when sessions start while the list is open; a session seen on an earlier
    // page is not added twice.
    QSet<Id> m_seen;
    int m_nextPage = 1;
    Id m_currentSessionId = 0;
};

} // namespace portcullis
