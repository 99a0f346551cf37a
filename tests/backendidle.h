#pragma once

// waitUntilIdle(): the positive event that a test waits for before it asserts that something did
// NOT happen (a stale page was dropped, "No" revoked nothing, a pane did not load). Instead of a
// fixed sleep that hopes the work is over, it proves it is: every call submitted to the backend
// before it has finished, and the continuations bound to those calls have run on this thread.

#include "backend.h"
#include "sqlbackend.h"

#include <QCoreApplication>
#include <QFuture>
#include <QSemaphore>
#include <QTest>

#include <memory>

namespace portcullis::test {

// `threads` must be the backend's maxThreads (SqlBackend's default is 2).
//
// One task per worker thread, each held until all of them have started: the pool runs its queue in
// order, so once every worker holds one of these, every task queued before them has finished. Their
// results were posted to this thread before ours; the continuations of the core and the models
// (whenDone, LazyTableModel::whenReady) take two turns of the event loop, and ours take the same two
// plus one more, for a handler that itself posts once more (a pane that reloads after a write).
[[nodiscard]] inline bool waitUntilIdle(SqlBackend& backend, int threads = 2, int timeoutMs = 30000)
{
    auto started = std::make_shared<QSemaphore>();
    auto release = std::make_shared<QSemaphore>();
    QList<QFuture<Status>> barrier;
    for (int i = 0; i < threads; ++i)
        barrier << backend.run([started, release, timeoutMs](SqlStore&) -> Status {
            started->release();
            release->tryAcquire(1, timeoutMs);
            return Status();
        });
    // The workers need nothing from this thread to start a task: blocking here is safe.
    const bool allStarted = started->tryAcquire(threads, timeoutMs);
    release->release(threads);
    if (!allStarted) {
        qWarning("waitUntilIdle: %d worker threads did not all start; is the backend's maxThreads %d?", threads,
                 threads);
        return false;
    }
    QObject context;
    int finished = 0;
    bool lastTurn = false;
    for (const QFuture<Status>& future : std::as_const(barrier)) {
        whenDone(future, &context, [&finished, &lastTurn, &context, threads](const Status&) {
            if (++finished == threads)
                QMetaObject::invokeMethod(
                    &context, [&lastTurn] { lastTurn = true; }, Qt::QueuedConnection);
        });
    }
    return QTest::qWaitFor([&lastTurn] { return lastTurn; }, timeoutMs);
}

} // namespace portcullis::test
