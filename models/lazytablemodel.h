#pragma once

// Base of the console's lazy table models (Qt's fetchMore example, made asynchronous): rows arrive
// a page at a time from a Backend future; fetchMore() starts at most one request; a generation
// counter drops pages that arrive after a reset (a new filter), as DB Browser for SQLite's
// RowLoader does. Continuations are bound to the model, so nothing runs after it is destroyed.

#include "domain/result.h"

#include <QAbstractTableModel>
#include <QFuture>

namespace portcullis {

class LazyTableModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    using QAbstractTableModel::QAbstractTableModel;

    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    bool isLoading() const { return m_loading; }
    bool hasLoadedOnce() const { return m_loadedOnce; }
    bool atEnd() const { return m_atEnd; }
    // The total the backend reported, when it reports one (-1 otherwise).
    qint64 total() const { return m_total; }
    // The backend counted only up to a bound: at least total() rows match (Page::totalIsLowerBound).
    bool totalIsLowerBound() const { return m_totalIsLowerBound; }
    QString lastError() const { return m_lastError; }

public slots:
    // Drops all rows and loads the first page again (after a filter change, F5 or a write).
    void reload();
    // Drops all rows and loads nothing (a filter the deployment cannot answer): total() is 0.
    void clear();

signals:
    void loadingChanged(bool loading);
    // A page arrived (also the first one: the view shows data).
    void pageLoaded();
    void loadFailed(const portcullis::ServiceError& error);

protected:
    // Subclasses clear their rows here (inside begin/endResetModel).
    virtual void clearRows() = 0;
    // Start loading the next page; call finishPage() or failPage() from the continuation.
    virtual void requestNextPage(int generation) = 0;

    bool isCurrent(int generation) const { return generation == m_generation; }
    // The generation of the rows shown now (a reload starts the next one).
    int generation() const { return m_generation; }
    // Call after appending (with begin/endInsertRows) the rows of a page.
    void finishPage(int generation, bool atEnd, qint64 total = -1, bool totalIsLowerBound = false);
    void failPage(int generation, const ServiceError& error);

    // Binds a backend future to this model: `apply` runs on the model's thread with the result,
    // only while the model lives and only if no reload happened meanwhile.
    template <typename T, typename Apply> void whenReady(QFuture<Result<T>> future, int generation, Apply apply)
    {
        future.then(this, [this, generation, apply](const Result<T>& result) {
            // Always apply on a later turn of the event loop: when the future had already finished,
            // then() would otherwise run this inside fetchMore(), inserting rows in the middle of the
            // caller's reset or slot.
            QMetaObject::invokeMethod(
                this,
                [this, generation, apply, result] {
                    if (!isCurrent(generation))
                        return;
                    if (!result.ok()) {
                        failPage(generation, result.error());
                        return;
                    }
                    apply(result.value());
                },
                Qt::QueuedConnection);
        });
    }

private:
    void resetTo(bool empty);

    int m_generation = 0;
    bool m_loading = false;
    bool m_atEnd = false;
    bool m_loadedOnce = false;
    qint64 m_total = -1;
    bool m_totalIsLowerBound = false;
    QString m_lastError;
};

} // namespace portcullis
