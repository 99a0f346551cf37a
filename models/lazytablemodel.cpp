#include "lazytablemodel.h"

namespace portcullis {

bool LazyTableModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && !m_atEnd && !m_loading && m_lastError.isEmpty();
}

void LazyTableModel::fetchMore(const QModelIndex& parent)
{
    if (!canFetchMore(parent))
        return;
    m_loading = true;
    emit loadingChanged(true);
    requestNextPage(m_generation);
}

void LazyTableModel::reload()
{
    resetTo(false);
    fetchMore({});
}

void LazyTableModel::clear()
{
    resetTo(true);
}

// Drops every row and any page still on its way; `empty`: the list is known to hold nothing (no
// total to wait for, nothing to fetch), else it starts over.
void LazyTableModel::resetTo(bool empty)
{
    ++m_generation; // a page still on its way is dropped
    beginResetModel();
    clearRows();
    m_atEnd = empty;
    m_total = empty ? 0 : -1;
    m_totalIsLowerBound = false;
    m_lastError.clear();
    const bool wasLoading = m_loading;
    m_loading = false;
    endResetModel();
    if (wasLoading)
        emit loadingChanged(false);
}

void LazyTableModel::finishPage(int generation, bool atEnd, qint64 total, bool totalIsLowerBound)
{
    if (!isCurrent(generation))
        return;
    m_atEnd = atEnd;
    m_total = total;
    m_totalIsLowerBound = totalIsLowerBound;
    m_loading = false;
    m_loadedOnce = true;
    emit loadingChanged(false);
    emit pageLoaded();
}

void LazyTableModel::failPage(int generation, const ServiceError& error)
{
    if (!isCurrent(generation))
        return;
    m_loading = false;
    m_lastError = error.message;
    m_loadedOnce = true;
    emit loadingChanged(false);
    emit loadFailed(error);
}

} // namespace portcullis
