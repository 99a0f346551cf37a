#include "invitationlistmodel.h"

#include "displayformat.h"

namespace portcullis {

InvitationListModel::InvitationListModel(Backend* backend, QObject* parent)
    : QAbstractTableModel(parent)
    , m_backend(backend)
{ }

void InvitationListModel::setOrganization(Id organizationId)
{
    m_organization = organizationId;
    reload();
}

int InvitationListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int InvitationListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString InvitationListModel::statusText(const QString& status)
{
    if (status == QLatin1String("pending"))
        return tr("Pending");
    if (status == QLatin1String("accepted"))
        return tr("Accepted");
    if (status == QLatin1String("revoked"))
        return tr("Revoked");
    if (status == QLatin1String("expired"))
        return tr("Expired");
    return status;
}

QVariant InvitationListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Invitation& i = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case EmailColumn:
            return i.email;
        case RoleColumn:
            return i.roleCode;
        case StatusColumn:
            return statusText(i.status());
        case ExpiresColumn:
            return display::date(i.expiresAt);
        }
        break;
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn
            && (i.status() == QLatin1String("revoked") || i.status() == QLatin1String("expired")))
            return display::warningBrush();
        break;
    case Qt::ToolTipRole:
        if (index.column() == ExpiresColumn)
            return tr("Expires %1").arg(display::dateTime(i.expiresAt));
        if (i.acceptedAt.isValid())
            return tr("Accepted %1").arg(display::dateTime(i.acceptedAt));
        return tr("Sent %1").arg(display::dateTime(i.createdAt));
    case InvitationIdRole:
        return i.id;
    case StatusRole:
        return i.status();
    }
    return {};
}

QVariant InvitationListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case EmailColumn:
        return tr("Email");
    case RoleColumn:
        return tr("Role");
    case StatusColumn:
        return tr("Status");
    case ExpiresColumn:
        return tr("Expires");
    }
    return {};
}

void InvitationListModel::reload()
{
    // Answers are applied on a later turn of the event loop (as LazyTableModel does): a future that
    // has already finished would otherwise reset the model inside the caller's slot.
    const int generation = ++m_generation;
    if (m_organization == 0 || !m_backend) {
        beginResetModel();
        m_rows.clear();
        endResetModel();
        return;
    }
    whenDone(m_backend->listInvitations(m_organization), this,
             [this, generation](const Result<QList<Invitation>>& result) {
                 if (generation != m_generation)
                     return;
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
