#include "apikeylistmodel.h"

#include "displayformat.h"

#include <QFontDatabase>

namespace portcullis {

namespace {
// The list shows the day; the tooltip and the details panel show the exact time.
QString shortDate(const QDateTime& time)
{
    return display::date(time);
}
} // namespace

ApiKeyListModel::ApiKeyListModel(Backend* backend, QObject* parent)
    : LazyTableModel(parent)
    , m_backend(backend)
{ }

void ApiKeyListModel::setOwner(Id userId)
{
    m_query.userId = userId;
    reload();
}

void ApiKeyListModel::setQuery(const ApiKeyQuery& query)
{
    m_query = query;
    reload();
}

void ApiKeyListModel::setPageSize(int limit)
{
    m_limit = std::max(1, limit);
}

int ApiKeyListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ApiKeyListModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ApiKeyListModel::status(const ApiKey& key, const QDateTime& now)
{
    if (key.revoked)
        return QStringLiteral("revoked");
    if (key.expiresAt.isValid() && key.expiresAt <= now)
        return QStringLiteral("expired");
    return QStringLiteral("active");
}

QString ApiKeyListModel::statusText(const QString& status)
{
    if (status == QLatin1String("revoked"))
        return tr("Revoked");
    if (status == QLatin1String("expired"))
        return tr("Expired");
    return tr("Active");
}

QString ApiKeyListModel::displayPrefix(const ApiKey& key)
{
    return key.prefix + QChar(0x2026);
}

QVariant ApiKeyListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ApiKey& k = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return k.name;
        case PrefixColumn:
            return displayPrefix(k);
        case OwnerColumn:
            return k.ownerEmail;
        case ScopesColumn:
            return k.scopes.isEmpty() ? tr("none") : k.scopes.join(QStringLiteral(", "));
        case LastUsedColumn:
            return k.lastUsedAt.isValid() ? shortDate(k.lastUsedAt) : tr("never");
        case ExpiresColumn:
            return k.expiresAt.isValid() ? shortDate(k.expiresAt) : tr("never");
        case RateLimitColumn:
            return tr("%1/min").arg(display::number(k.rateLimitPerMinute));
        case StatusColumn:
            return statusText(status(k));
        }
        break;
    case Qt::FontRole:
        if (index.column() == PrefixColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == RateLimitColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn && status(k) != QLatin1String("active"))
            return display::warningBrush();
        break;
    case Qt::ToolTipRole:
        if (index.column() == ScopesColumn && !k.scopes.isEmpty())
            return k.scopes.join(QLatin1Char('\n'));
        if (index.column() == PrefixColumn)
            return tr("Only the start of the key is stored in a readable form; the key itself was shown once.");
        if (index.column() == LastUsedColumn && k.lastUsedAt.isValid())
            return display::dateTime(k.lastUsedAt);
        if (index.column() == ExpiresColumn && k.expiresAt.isValid())
            return display::dateTime(k.expiresAt);
        if (index.column() == OwnerColumn || index.column() == NameColumn)
            return data(index, Qt::DisplayRole);
        break;
    case KeyIdRole:
        return k.id;
    case OwnerIdRole:
        return k.userId;
    case StatusRole:
        return status(k);
    case RevokedRole:
        return k.revoked;
    }
    return {};
}

QVariant ApiKeyListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case PrefixColumn:
        return tr("Key");
    case OwnerColumn:
        return tr("Owner");
    case ScopesColumn:
        return tr("Scopes");
    case LastUsedColumn:
        return tr("Last used");
    case ExpiresColumn:
        return tr("Expires");
    case RateLimitColumn:
        return tr("Rate limit");
    case StatusColumn:
        return tr("Status");
    }
    return {};
}

int ApiKeyListModel::rowOf(Id keyId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == keyId)
            return i;
    }
    return -1;
}

void ApiKeyListModel::markRevoked(Id keyId)
{
    const int row = rowOf(keyId);
    if (row < 0)
        return;
    m_rows[row].revoked = true;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ApiKeyListModel::clearRows()
{
    m_rows.clear();
    m_nextPage = 1;
}

void ApiKeyListModel::requestNextPage(int generation)
{
    if (!m_backend) {
        failPage(generation, ServiceError::unavailable(tr("Not connected")));
        return;
    }
    ApiKeyQuery query = m_query;
    query.page = m_nextPage;
    query.limit = m_limit;
    whenReady(m_backend->listApiKeys(query), generation, [this, generation](const Page<ApiKey>& page) {
        if (!page.items.isEmpty()) {
            beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page.items.size() - 1));
            m_rows.append(page.items);
            endInsertRows();
        }
        ++m_nextPage;
        finishPage(generation, m_rows.size() >= page.total || page.items.size() < page.limit, page.total);
    });
}

} // namespace portcullis
