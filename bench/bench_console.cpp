// portcullis-bench-console: the console's responsiveness on a seed-demo database, measured with the
// real widgets offscreen (not a test; see docs/benchmarks.md):
//  - launch (the start of main) to the first pane painted with data: the database opened, the sign-in
//    (Argon2id), the window shown with the dashboard's data;
//  - sign-in to a usable window (dashboard shown with its data) and the users pane's first page;
//  - an audit filter change until its first page is in the model;
//  - memory while scrolling (fetching) the whole audit log through the audit model.

#include "auditlogmodel.h"
#include "mainwindow.h"
#include "pane.h"
#include "panes.h"
#include "sqlbackend.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QFutureWatcher>
#include <QSignalSpy>
#include <QTableView>

#include <algorithm>
#include <cstdio>

using namespace portcullis;

namespace {

template <typename T> T await(QFuture<T> future)
{
    QFutureWatcher<T> watcher;
    QSignalSpy finished(&watcher, &QFutureWatcherBase::finished);
    watcher.setFuture(future);
    if (!watcher.isFinished())
        finished.wait(120000);
    return future.result();
}

qint64 rssKiB(const char* field = "VmRSS:")
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(int(qstrlen(field))).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

bool waitLoaded(Pane* pane)
{
    if (pane->isLoaded())
        return true;
    QSignalSpy loaded(pane, &Pane::loaded);
    return loaded.wait(60000);
}

int fail(const char* what)
{
    std::fprintf(stderr, "portcullis-bench-console: %s\n", what);
    return 1;
}

double median(QList<double> values)
{
    std::sort(values.begin(), values.end());
    return values.isEmpty() ? 0 : values.at(values.size() / 2);
}

} // namespace

int main(int argc, char* argv[])
{
    QElapsedTimer launch; // from the start of main(): the process's own start-up is not in it
    launch.start();
    qputenv("QT_QPA_PLATFORM", qEnvironmentVariable("QT_QPA_PLATFORM", QStringLiteral("offscreen")).toUtf8());
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Console responsiveness on a seed-demo database"));
    parser.addHelpOption();
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("seed-demo database"), QStringLiteral("PATH"));
    const QCommandLineOption user(QStringLiteral("user"), QStringLiteral("admin email"), QStringLiteral("EMAIL"));
    const QCommandLineOption passwordFile(QStringLiteral("password-file"), QStringLiteral("password file"),
                                          QStringLiteral("F"));
    const QCommandLineOption noScroll(QStringLiteral("no-scroll"),
                                      QStringLiteral("skip paging the whole audit log in (minutes at 10M events)"));
    parser.addOptions({ db, user, passwordFile, noScroll });
    parser.process(app);
    QFile pw(parser.value(passwordFile));
    if (!parser.isSet(db) || !parser.isSet(user) || !pw.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "usage: portcullis-bench-console --db PATH --user EMAIL --password-file F\n");
        return 2;
    }
    const QString password = QString::fromUtf8(pw.readAll()).trimmed();
    auto config = DatabaseConfig::parse(parser.value(db));
    if (!config) {
        std::fprintf(stderr, "%s\n", qPrintable(config.error().message));
        return 2;
    }

    const qint64 rssStart = rssKiB();
    SqlBackend backend(*config);
    QElapsedTimer clock;
    clock.start();
    if (auto opened = await(backend.open()); !opened.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error().message));
        return 1;
    }
    auto signedIn = await(backend.signIn(parser.value(user), password));
    if (!signedIn.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(signedIn.error().message));
        return 1;
    }
    const double signInMs = clock.nsecsElapsed() / 1e6;
    clock.restart();
    MainWindow window(&backend);
    addAllPanes(&window, &backend);
    window.show();
    if (!waitLoaded(window.currentPane()))
        return fail("the dashboard did not load within 60 s");
    window.grab(); // painted, as --screenshot saves it
    const double dashboardMs = clock.nsecsElapsed() / 1e6;
    const double launchMs = launch.nsecsElapsed() / 1e6;
    window.showPane(QStringLiteral("users"));
    auto* users = qobject_cast<UsersPane*>(window.pane(QStringLiteral("users")));
    if (!users || !waitLoaded(users))
        return fail("the users pane did not load within 60 s");
    // A fresh load of the first page (F5), as the pane may have pre-loaded while hidden.
    QList<double> userPages;
    for (int i = 0; i < 7; ++i) {
        QSignalSpy page(users->model(), &LazyTableModel::pageLoaded);
        clock.restart();
        users->refresh();
        if (!page.wait(30000))
            return fail("a users page did not arrive within 30 s");
        userPages << clock.nsecsElapsed() / 1e6;
    }
    const double usersMs = median(userPages);

    std::printf("# portcullis-bench-console on %s\n\n", qPrintable(backend.describe()));
    std::printf("| step | ms |\n|---|---:|\n");
    std::printf("| launch → first pane with data (open, sign-in with Argon2id, dashboard) | %.1f |\n", launchMs);
    std::printf("| sign-in (Argon2id verify + session) | %.1f |\n", signInMs);
    std::printf("| window shown with the dashboard's data (tiles + 30-day chart) | %.1f |\n", dashboardMs);
    std::printf("| users pane: refresh until the first page of 50 (with total) is in the model, median | %.1f |\n",
                usersMs);

    // Audit filter changes, measured on the model the pane uses.
    AuditLogModel model(&backend);
    struct Filter
    {
        const char* name;
        AuditQuery query;
    };
    QList<Filter> filters;
    filters.append(Filter { "unfiltered", AuditQuery {} });
    AuditQuery q;
    q.action = QStringLiteral("user.login_failed");
    filters.append(Filter { "action = user.login_failed", q });
    q = {};
    q.action = QStringLiteral("role.*");
    filters.append(Filter { "action = role.*", q });
    q = {};
    q.outcome = QStringLiteral("denied");
    filters.append(Filter { "outcome = denied", q });
    q = {};
    q.actorEmail = parser.value(user);
    filters.append(Filter { "actor = the admin", q });
    q = {};
    q.from = QDateTime::currentDateTimeUtc().addDays(-46);
    q.to = QDateTime::currentDateTimeUtc().addDays(-45);
    filters.append(Filter { "one day, 45 days ago", q });
    // The model counts the filter's events after its first page (rowCount() is the count); the
    // count is waited for before the next change, so that it does not delay the next first page.
    auto waitCounted = [&model]() {
        QElapsedTimer t;
        t.start();
        while (!model.isCounted() && model.lastError().isEmpty() && t.elapsed() < 300000) {
            QSignalSpy page(&model, &LazyTableModel::pageLoaded);
            page.wait(1000);
        }
        return model.isCounted();
    };
    std::printf("\n| audit filter change → first page in the model | median ms | max ms | count | count ms, median "
                "|\n|---|---:|---:|---:|---:|\n");
    for (const Filter& f : std::as_const(filters)) {
        QList<double> times;
        QList<double> counts;
        for (int i = 0; i < 5; ++i) {
            QSignalSpy page(&model, &LazyTableModel::pageLoaded);
            QElapsedTimer t;
            t.start();
            model.setQuery(f.query);
            if (!page.wait(30000))
                return fail("an audit page did not arrive within 30 s");
            times << t.nsecsElapsed() / 1e6;
            if (!waitCounted())
                return fail("the audit count did not arrive within 300 s");
            counts << t.nsecsElapsed() / 1e6;
        }
        std::printf("| %s | %.1f | %.1f | %d | %.1f |\n", f.name, median(times),
                    *std::max_element(times.begin(), times.end()), model.rowCount(), median(counts));
    }

    // The middle of the log, as a scroll bar dragged there shows it: a table view on a fresh model
    // (the view's per-row header included), the filter's first page and count, then the screen at
    // the middle row (its page read by a seek).
    std::printf("\n| middle row of the audit log (fresh model in a table view) | rows | first page + count ms | screen "
                "at the middle ms | pages read |\n|---|---:|---:|---:|---:|\n");
    for (int i : { 0, 1, 3 }) {
        AuditLogModel fresh(&backend);
        QTableView view;
        view.setModel(&fresh);
        view.resize(1000, 700);
        view.show();
        QElapsedTimer t;
        t.start();
        fresh.setQuery(filters.at(i).query);
        while (!fresh.isCounted() && fresh.lastError().isEmpty() && t.elapsed() < 300000) {
            QSignalSpy page(&fresh, &LazyTableModel::pageLoaded);
            page.wait(1000);
        }
        if (!fresh.isCounted())
            return fail("the audit count did not arrive within 300 s");
        const double countMs = t.nsecsElapsed() / 1e6;
        const int middle = fresh.rowCount() / 2;
        t.restart();
        view.scrollTo(fresh.index(middle, 0), QAbstractItemView::PositionAtCenter);
        auto screenLoaded = [&] {
            const int top = view.rowAt(0);
            const int bottom = view.rowAt(view.viewport()->height() - 1);
            if (top < 0)
                return false;
            for (int row = top; row <= (bottom < 0 ? fresh.rowCount() - 1 : bottom); ++row) {
                if (!fresh.isRowLoaded(row)) {
                    fresh.index(row, 0).data(); // as the paint does
                    return false;
                }
            }
            return true;
        };
        while (!screenLoaded() && t.elapsed() < 30000) {
            QSignalSpy changed(&fresh, &QAbstractItemModel::dataChanged);
            changed.wait(200);
        }
        if (!screenLoaded())
            return fail("the middle screen was not read within 30 s");
        std::printf("| %s | %d | %.1f | %.1f | %d |\n", filters.at(i).name, fresh.rowCount(), countMs,
                    t.nsecsElapsed() / 1e6, fresh.pagesFetched());
        if (i == 0)
            std::printf("| resident memory with that view (10M rows: the header's per-row entries) | %.0f MB | | | |\n",
                        rssKiB() / 1024.0);
    }
    std::printf("| resident memory after showing the middle rows | %.0f MB | | | |\n", rssKiB() / 1024.0);
    std::printf("| peak resident memory so far (VmHWM) | %.0f MB | | | |\n", rssKiB("VmHWM:") / 1024.0);
    if (parser.isSet(noScroll))
        return 0;
    model.setSeekEnabled(false); // the old way: every page in turn, as a view scrolled to the end

    // Scroll the whole log: fetch every page, as a view scrolled to the end would.
    model.setQuery({});
    {
        QSignalSpy page(&model, &LazyTableModel::pageLoaded);
        page.wait(30000);
    }
    const qint64 rssBefore = rssKiB();
    clock.restart();
    while (model.canFetchMore({})) {
        QSignalSpy page(&model, &LazyTableModel::pageLoaded);
        model.fetchMore({});
        if (!page.wait(30000))
            return fail("an audit page did not arrive within 30 s while scrolling");
    }
    const double scrollMs = clock.nsecsElapsed() / 1e6;
    const qint64 rssAfter = rssKiB();
    const int heldAfter = model.residentPageCount();

    // Back up: a view showing rows whose pages were dropped asks for them (data() on a row), and
    // the model reads each again by its cursor. 41 pages spread over the whole log, deepest first.
    QList<double> rereads;
    for (int i = 40; i >= 0; --i) {
        const int row = int(qint64(model.rowCount() - 1) * i / 40);
        if (model.isRowLoaded(row))
            continue;
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QElapsedTimer t;
        t.start();
        model.index(row, 0).data();
        while (!model.isRowLoaded(row)) {
            if (!changed.wait(30000))
                return fail("a dropped audit page was not read again within 30 s");
        }
        rereads << t.nsecsElapsed() / 1e6;
    }
    std::printf("\n| whole audit log through the model | value |\n|---|---:|\n");
    std::printf("| events fetched | %d |\n", model.rowCount());
    std::printf("| time | %.1f s |\n", scrollMs / 1000);
    std::printf("| pages of rows held after scrolling (200 events each) | %d |\n", heldAfter);
    std::printf("| resident memory at start of process | %.0f MB |\n", rssStart / 1024.0);
    std::printf("| resident memory before scrolling | %.0f MB |\n", rssBefore / 1024.0);
    std::printf("| resident memory after scrolling to the end | %.0f MB |\n", rssAfter / 1024.0);
    if (!rereads.isEmpty())
        std::printf("| a dropped page read again (%lld spread over the log), median / max | %.1f / %.1f ms |\n",
                    static_cast<long long>(rereads.size()), median(rereads),
                    *std::max_element(rereads.begin(), rereads.end()));
    std::printf("| resident memory after reading them again | %.0f MB |\n", rssKiB() / 1024.0);
    std::printf("| peak resident memory (VmHWM) | %.0f MB |\n", rssKiB("VmHWM:") / 1024.0);
    return 0;
}
