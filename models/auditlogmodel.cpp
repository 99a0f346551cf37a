#include "auditlogmodel.h"

#include "displayformat.h"

#include <QFont>

namespace portcullis {

AuditLogModel::AuditLogModel(Backend* backend, QObject* parent)
    : LazyTableModel(parent)
    , m_backend(backend)
{
    m_query.limit = PageSize;
    intern(QString()); // index 0 is the empty string
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
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, OrganizationColumn), index(int(m_rows.size()) - 1, OrganizationColumn));
}

QString AuditLogModel::organizationName(Id organizationId) const
{
    if (organizationId == 0)
        return tr("(global)");
    const QString name = m_organizationNames.value(organizationId);
    return name.isEmpty() ? QStringLiteral("#%1").arg(organizationId) : name;
}

quint32 AuditLogModel::intern(const QString& value)
{
    const auto it = m_stringIndex.constFind(value);
    if (it != m_stringIndex.cend())
        return it.value();
    const auto index = quint32(m_strings.size());
    m_strings.append(value);
    m_stringIndex.insert(value, index);
    return index;
}

AuditEvent AuditLogModel::eventAt(int row) const
{
    const Row& r = m_rows.at(row);
    AuditEvent e;
    e.id = r.id;
    e.time = QDateTime::fromMSecsSinceEpoch(r.timeMs, Qt::UTC);
    e.actorType = text(r.actorType);
    e.actorId = r.actorId;
    e.actorLabel = text(r.actorLabel);
    e.organizationId = r.organizationId;
    e.action = text(r.action);
    e.resourceType = text(r.resourceType);
    e.resourceId = text(r.resourceId);
    e.ip = text(r.ip);
    e.outcome = r.denied ? QStringLiteral("denied") : QStringLiteral("success");
    if (r.denied)
        e.details.insert(QStringLiteral("reason"), text(r.reason));
    return e;
}

int AuditLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
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
    return QStringLiteral("%1 #%2").arg(e.resourceType, e.resourceId);
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
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const AuditEvent e = eventAt(index.row());
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
    m_rows.clear();
    m_strings.clear();
    m_stringIndex.clear();
    intern(QString()); // index 0 is the empty string
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
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page.items.size() - 1));
        for (const AuditEvent& e : page.items) {
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
            row.ip = intern(e.ip);
            row.denied = e.outcome == QLatin1String("denied");
            if (row.denied)
                row.reason = intern(e.details.value(QStringLiteral("reason")).toString());
            m_rows.append(row);
        }
        endInsertRows();
    }
    m_nextCursor = page.nextCursor;
    finishPage(generation, page.nextCursor.isEmpty());
}

} // namespace portcullis
