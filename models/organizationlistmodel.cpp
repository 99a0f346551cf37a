#include "organizationlistmodel.h"

#include "displayformat.h"

namespace portcullis {

OrganizationListModel::OrganizationListModel(Backend* backend, QObject* parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{ }

int OrganizationListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int OrganizationListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString OrganizationListModel::planText(const QString& plan)
{
    if (plan == QLatin1String("free"))
        return tr("Free");
    if (plan == QLatin1String("business"))
        return tr("Business");
    if (plan == QLatin1String("enterprise"))
        return tr("Enterprise");
    // A plan of its own ("starter"): shown like the known ones.
    return plan.isEmpty() ? plan : plan.left(1).toUpper() + plan.mid(1);
}

QVariant OrganizationListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Organization& o = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return o.name;
        case SlugColumn:
            return o.slug;
        case PlanColumn:
            return planText(o.plan);
        case UsersColumn:
            if (!m_seatLimits)
                return o.pendingInvitations > 0
                    ? tr("%1 + %2 invited").arg(display::number(o.userCount), display::number(o.pendingInvitations))
                    : display::number(o.userCount);
            // The seats the limit counts: users and pending invitations (see Organization).
            return o.pendingInvitations > 0
                ? tr("%1 + %2 invited / %3")
                      .arg(display::number(o.userCount), display::number(o.pendingInvitations),
                           display::number(o.maxUsers))
                : tr("%1 / %2").arg(display::number(o.userCount), display::number(o.maxUsers));
        case FeaturesColumn:
            return o.features.isEmpty() ? tr("none") : o.features.join(QStringLiteral(", "));
        case StatusColumn:
            return o.active ? tr("Active") : tr("Suspended");
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == UsersColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::ForegroundRole:
        if ((index.column() == StatusColumn && !o.active)
            || (index.column() == UsersColumn && m_seatLimits && o.seatsTaken() >= o.maxUsers))
            return display::warningBrush();
        break;
    case Qt::ToolTipRole:
        if (index.column() == UsersColumn && !m_seatLimits)
            return tr("%1 members").arg(o.userCount);
        if (index.column() == UsersColumn)
            return o.pendingInvitations > 0
                ? tr("%1 users and %2 pending invitations of at most %3 on the %4 plan: a pending invitation "
                     "holds a seat until it is accepted, revoked or expires")
                      .arg(o.userCount)
                      .arg(o.pendingInvitations)
                      .arg(o.maxUsers)
                      .arg(planText(o.plan))
                : tr("%1 users of at most %2 on the %3 plan").arg(o.userCount).arg(o.maxUsers).arg(planText(o.plan));
        if (index.column() == StatusColumn && !o.active)
            return tr("Suspended: nobody in this organization can sign in");
        break;
    case SortRole:
        switch (index.column()) {
        case UsersColumn:
            return o.seatsTaken();
        default:
            return data(index, Qt::DisplayRole).toString().toLower();
        }
    case OrganizationIdRole:
        return o.id;
    case ActiveRole:
        return o.active;
    case SlugRole:
        return o.slug;
    }
    return {};
}

QVariant OrganizationListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case SlugColumn:
        return tr("Slug");
    case PlanColumn:
        return tr("Plan");
    case UsersColumn:
        return tr("Users");
    case FeaturesColumn:
        return tr("Features");
    case StatusColumn:
        return tr("Status");
    }
    return {};
}

int OrganizationListModel::rowOf(Id organizationId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == organizationId)
            return i;
    }
    return -1;
}

void OrganizationListModel::updateOrganization(const Organization& organization)
{
    const int row = rowOf(organization.id);
    if (row < 0)
        return;
    m_rows[row] = organization;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void OrganizationListModel::reload()
{
    // Answers are applied on a later turn of the event loop (as LazyTableModel does): a future that
    // has already finished would otherwise reset the model inside the caller's slot.
    const int generation = ++m_generation;
    if (!m_backend) {
        m_lastError = tr("Not connected");
        emit loadFailed(ServiceError::unavailable(m_lastError));
        return;
    }
    m_loading = true;
    whenDone(m_backend->listOrganizations(), this, [this, generation](const Result<QList<Organization>>& result) {
        if (generation != m_generation)
            return;
        m_loading = false;
        m_loadedOnce = true;
        beginResetModel();
        if (result.ok()) {
            m_lastError.clear();
            m_rows = result.value();
        } else {
            m_lastError = result.error().message;
            m_rows.clear();
        }
        endResetModel();
        if (result.ok())
            emit loaded();
        else
            emit loadFailed(result.error());
    });
}

} // namespace portcullis
