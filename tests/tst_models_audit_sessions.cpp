// The audit log and session models as models: under QAbstractItemModelTester, fed by a real
// SqlBackend on a temporary database (and the audit log's window also by a RestBackend against the
// real portcullis-server, and a user's sessions by a BetterAuthBackend against a real better-auth
// server). Pages arrive (keyset for the audit log, page numbers for sessions),
// fetchMore pages in, a filter change resets and stale pages are dropped; the audit log holds a
// bounded window of pages and reads dropped ones again.

#include "auditlogmodel.h"
#include "betterauth/betterauthbackend.h"
#include "betterauthprocess.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "sessionlistmodel.h"
#include "sqlbackend.h"
#include "testutil.h"

#include <QAbstractItemModelTester>
#include <QIcon>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlQuery>

#include <algorithm>

using namespace portcullis;
using namespace portcullis::test;

namespace {

// Waits until the model has stopped loading; false on a timeout.
bool waitIdle(LazyTableModel& model, int timeoutMs = 30000)
{
    QSignalSpy changed(&model, &LazyTableModel::loadingChanged);
    QElapsedTimer timer;
    timer.start();
    while (model.isLoading() && timer.elapsed() < timeoutMs)
        changed.wait(200);
    return !model.isLoading();
}

int insertedCount(const QList<QVariant>& rowsInsertedArgs)
{
    return rowsInsertedArgs.at(2).toInt() - rowsInsertedArgs.at(1).toInt() + 1;
}

} // namespace

class TestModelsAuditSessions : public QObject
{
    Q_OBJECT

private slots:
    void auditPagesInWithTheCursor();
    void auditFilterResetsAndDropsStalePages();
    void auditRowsReadForPeople();
    void auditWindowStaysBoundedAndReadsPagesAgain_data();
    void auditWindowStaysBoundedAndReadsPagesAgain();
    void auditMiddleOfALargeLogReadsFewPages_data();
    void auditMiddleOfALargeLogReadsFewPages();
    void auditFollowInsertsNewEventsAtTheTopAndKeepsTheSelection_data();
    void auditFollowInsertsNewEventsAtTheTopAndKeepsTheSelection();
    void sessionsPageInWithTheTotal();
    void sessionFilterResetsAndShowsEndedSessions();
    void impersonatedSessionIsMarkedInEveryColumn();
    void betterAuthSessionsOfAUser();
};

void TestModelsAuditSessions::auditPagesInWithTheCursor()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    // Denials are audited too and are cheap to make: a viewer asking for the statistics.
    const Actor viewer = world.actorFor(world.makeUser(world.orgA.id, QStringLiteral("viewer")));
    for (int i = 0; i < 2 * AuditLogModel::PageSize + 50; ++i)
        QVERIFY(!db->store().stats().get(viewer).ok());
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));
    const qint64 expected = countRows(db->store(), QStringLiteral("SELECT COUNT(*) FROM audit_events"));
    QVERIFY2(expected > 2 * AuditLogModel::PageSize, "the fixture should make more than two pages");

    AuditLogModel model(&backend);
    model.setSeekEnabled(false); // keyset paging as the view scrolls (the count: auditMiddleOfALargeLog...)
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(false); // this test drives fetchMore itself
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy pages(&model, &LazyTableModel::pageLoaded);

    model.setQuery(AuditQuery {});
    QVERIFY(pages.wait(30000));
    QCOMPARE(model.rowCount(), AuditLogModel::PageSize);
    QCOMPARE(insertedCount(inserted.first()), AuditLogModel::PageSize);
    QVERIFY(model.canFetchMore({}));
    QCOMPARE(model.total(), qint64(-1)); // keyset paging reports no total
    // Newest first.
    QVERIFY(model.eventAt(0).id > model.eventAt(1).id);

    model.fetchMore({});
    QVERIFY(!model.canFetchMore({})); // one request at a time
    QVERIFY(pages.wait(30000));
    QCOMPARE(model.rowCount(), 2 * AuditLogModel::PageSize);
    // The second page continues exactly where the first ended.
    QCOMPARE(model.eventAt(AuditLogModel::PageSize).id, model.eventAt(AuditLogModel::PageSize - 1).id - 1);

    while (model.canFetchMore({})) {
        model.fetchMore({});
        QVERIFY(pages.wait(30000));
    }
    QVERIFY(model.atEnd());
    QCOMPARE(qint64(model.rowCount()), expected);
    QVERIFY(model.lastError().isEmpty());
}

void TestModelsAuditSessions::auditFilterResetsAndDropsStalePages()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    QList<User> made;
    for (int i = 0; i < 40; ++i)
        made << world.makeUser(world.orgA.id, QStringLiteral("viewer"));
    QVERIFY_RESULT(db->store().users().ban(world.superActor, made.at(3).id, QStringLiteral("spam")));
    QVERIFY_RESULT(db->store().users().ban(world.superActor, made.at(7).id, QStringLiteral("abuse")));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));

    AuditLogModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(true); // the tester pages in on its own as a view would
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);

    model.setQuery(AuditQuery {});
    QVERIFY(waitIdle(model));
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd(), 30000);
    const int all = model.rowCount();
    QVERIFY(all > 40);

    // Two filter changes in a row: the first one's page arrives after the second reset and must
    // be dropped (generation counter), so only banned events end up in the model.
    AuditQuery prefix;
    prefix.action = QStringLiteral("user.*");
    model.setQuery(prefix);
    AuditQuery banned;
    banned.action = QStringLiteral("user.banned");
    const int resetsBefore = int(resets.count());
    model.setQuery(banned);
    QVERIFY(resets.count() > resetsBefore);
    QCOMPARE(model.rowCount(), 0); // reset at once; rows follow asynchronously
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 2);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.eventAt(row).action, QStringLiteral("user.banned"));
    QCOMPARE(model.eventAt(0).resourceId, QString::number(made.at(7).id)); // newest first
    QCOMPARE(model.eventAt(1).resourceId, QString::number(made.at(3).id));

    // A prefix filter.
    AuditQuery denied;
    denied.outcome = QStringLiteral("denied");
    model.setQuery(denied);
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 0);

    // A bad filter is a load failure, not a crash, and the model stays usable.
    AuditQuery backwards;
    backwards.from = QDateTime::currentDateTimeUtc();
    backwards.to = backwards.from.addDays(-1);
    QSignalSpy failed(&model, &LazyTableModel::loadFailed);
    model.setQuery(backwards);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
    QVERIFY(!model.lastError().isEmpty());
    QVERIFY(!model.canFetchMore({}));
    model.setQuery(AuditQuery {});
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QVERIFY(model.lastError().isEmpty());
    QVERIFY(model.rowCount() >= all);
}

void TestModelsAuditSessions::auditRowsReadForPeople()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User target = world.makeUser(world.orgB.id, QStringLiteral("viewer"));
    const User lead = world.makeUser(world.orgB.id, QStringLiteral("team_lead"));
    // A denial: a team lead may not ban an admin-level user of another tenant.
    QVERIFY(!db->store().users().ban(world.actorFor(lead), world.superAdmin.id, QStringLiteral("no")).ok());
    QVERIFY_RESULT(db->store().users().ban(world.superActor, target.id, QStringLiteral("spam")));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));

    AuditLogModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setOrganizationNames({ { world.orgA.id, world.orgA.name }, { world.orgB.id, world.orgB.name } });
    AuditQuery q;
    q.action = QStringLiteral("user.banned");
    model.setQuery(q);
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 2);

    const int success = model.eventAt(0).outcome == QLatin1String("success") ? 0 : 1;
    const int refusal = 1 - success;
    auto cell = [&model](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(cell(success, AuditLogModel::ActorColumn),
             QStringLiteral("%1 (#%2)").arg(world.superAdmin.email).arg(world.superAdmin.id));
    QCOMPARE(cell(success, AuditLogModel::ResourceColumn),
             QStringLiteral("user #%1 (%2)").arg(target.id).arg(target.email)); // named beside its id
    QCOMPARE(cell(success, AuditLogModel::OrganizationColumn), world.orgB.name);
    QCOMPARE(cell(success, AuditLogModel::OutcomeColumn), QStringLiteral("Success"));
    QVERIFY(cell(success, AuditLogModel::TimeColumn).contains(QLatin1Char(' '))); // date, time and zone
    QCOMPARE(cell(refusal, AuditLogModel::OutcomeColumn), QStringLiteral("Denied"));
    QVERIFY(model.index(refusal, AuditLogModel::ActionColumn).data(Qt::ForegroundRole).isValid()); // highlighted
    QVERIFY(!model.index(success, AuditLogModel::ActionColumn).data(Qt::ForegroundRole).isValid());
    QVERIFY(model.index(refusal, 0).data(Qt::ToolTipRole).toString().isEmpty() == false);
    QVERIFY(model.index(refusal, AuditLogModel::ActorColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .startsWith(QStringLiteral("Denied")));
    QCOMPARE(model.index(success, 0).data(AuditLogModel::EventIdRole).toLongLong(), model.eventAt(success).id);
}

void TestModelsAuditSessions::auditWindowStaysBoundedAndReadsPagesAgain_data()
{
    QTest::addColumn<bool>("rest");
    QTest::newRow("SqlBackend") << false;
    QTest::newRow("RestBackend against portcullis-server") << true;
}

void TestModelsAuditSessions::auditWindowStaysBoundedAndReadsPagesAgain()
{
    QFETCH(bool, rest);
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const Actor viewer = world.actorFor(world.makeUser(world.orgA.id, QStringLiteral("viewer")));
    for (int i = 0; i < 7 * AuditLogModel::PageSize + 37; ++i)
        QVERIFY(!db->store().stats().get(viewer).ok());
    ServerProcess server;
    QNetworkAccessManager network;
    std::unique_ptr<Backend> backend;
    if (rest) {
        QVERIFY2(server.start(db->url(), db->tempPath() + QStringLiteral("/jwt-secret")), qPrintable(server.output()));
        backend = std::make_unique<RestBackend>(&network, server.url());
    } else {
        backend = std::make_unique<SqlBackend>(db->config());
    }
    QVERIFY_RESULT(awaitResult(backend->signIn(world.superAdmin.email, kStrongPassword)));
    // The store's own answer, newest first (the sign-in included): what every row must show.
    QList<Id> expected;
    QStringList actions;
    {
        QSqlQuery q(db->store().core().db());
        QVERIFY(q.exec(QStringLiteral("SELECT id, action FROM audit_events ORDER BY id DESC")));
        while (q.next()) {
            expected << q.value(0).toLongLong();
            actions << q.value(1).toString();
        }
    }
    QVERIFY(expected.size() > 7 * AuditLogModel::PageSize);

    AuditLogModel model(backend.get());
    model.setSeekEnabled(false); // pages in by fetchMore to the end, then reads dropped ones again
    model.setResidentPageLimit(2);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy pages(&model, &LazyTableModel::pageLoaded);
    model.setQuery(AuditQuery {});
    QVERIFY(pages.wait(30000));
    while (model.canFetchMore({})) {
        model.fetchMore({});
        QVERIFY(pages.wait(30000));
        QVERIFY2(model.residentPageCount() <= 2 + 2, "the first page, the newest page and two more");
    }
    QVERIFY(model.atEnd());
    QCOMPARE(model.rowCount(), int(expected.size()));
    const int pinnedRow = 2 * AuditLogModel::PageSize + 5;
    QVERIFY(model.isRowLoaded(0)); // the first page stays
    QVERIFY(model.isRowLoaded(model.rowCount() - 1));
    QVERIFY(!model.isRowLoaded(AuditLogModel::PageSize)); // the second was dropped
    QVERIFY(!model.isRowLoaded(pinnedRow));

    // A persistent index pins its page from then on.
    const QPersistentModelIndex held(model.index(pinnedRow, 0));
    // Dropped: reads as loading (the time column; the others empty), and is asked for.
    QCOMPARE(model.index(pinnedRow, AuditLogModel::TimeColumn).data().toString(), QStringLiteral("Loading…"));
    QCOMPARE(model.eventAt(pinnedRow).id, Id(0));
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(pinnedRow), 30000);
    QCOMPARE(held.data(AuditLogModel::EventIdRole).toLongLong(), expected.at(pinnedRow));

    // Scroll back up from the end, as a view would: every row asked for shows its event once its
    // page is read again, and the window stays bounded on the way.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    for (int row = model.rowCount() - 1; row >= 0; --row) {
        const QModelIndex index = model.index(row, AuditLogModel::ActionColumn);
        if (!model.isRowLoaded(row)) {
            QVERIFY(index.data().isNull());
            QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(row), 30000);
            // The view was told: a dataChanged() covers the row.
            QVERIFY(std::any_of(changed.cbegin(), changed.cend(), [row](const QList<QVariant>& args) {
                return args.at(0).value<QModelIndex>().row() <= row && args.at(1).value<QModelIndex>().row() >= row;
            }));
            changed.clear();
        }
        QCOMPARE(model.index(row, 0).data(AuditLogModel::EventIdRole).toLongLong(), expected.at(row));
        QCOMPARE(model.eventAt(row).id, expected.at(row));
        QCOMPARE(index.data().toString(), actions.at(row));
        QVERIFY2(model.residentPageCount() <= 2 + 3, "first page, held page, the one read and two more");
    }
    QVERIFY(model.isRowLoaded(pinnedRow));
    QVERIFY(model.lastError().isEmpty());

    // Then down again past the pages dropped on the way up.
    for (int row = 0; row < model.rowCount(); row += AuditLogModel::PageSize / 2) {
        model.index(row, 0).data();
        QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(row), 30000);
        QCOMPARE(model.eventAt(row).id, expected.at(row));
    }
}

// The store's events, newest first, as the model must show them: (id, action) with a filter.
static QList<Id> storeIds(SqlStore& store, const QString& where = {})
{
    QList<Id> ids;
    QSqlQuery q(store.core().db());
    if (!q.exec(QStringLiteral("SELECT id FROM audit_events %1 ORDER BY id DESC").arg(where)))
        return ids;
    while (q.next())
        ids << q.value(0).toLongLong();
    return ids;
}

void TestModelsAuditSessions::auditMiddleOfALargeLogReadsFewPages_data()
{
    QTest::addColumn<bool>("rest");
    QTest::addColumn<QString>("outcome");
    QTest::newRow("SqlBackend, unfiltered") << false << QString();
    QTest::newRow("SqlBackend, denied only") << false << QStringLiteral("denied");
    QTest::newRow("RestBackend, unfiltered") << true << QString();
    QTest::newRow("RestBackend, denied only") << true << QStringLiteral("denied");
}

// Jumping to the middle (a scroll bar dragged there) and to the end reads the pages there, not
// every page before them: rowCount() is the filtered count from the first page on.
void TestModelsAuditSessions::auditMiddleOfALargeLogReadsFewPages()
{
    QFETCH(bool, rest);
    QFETCH(QString, outcome);
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const Actor viewer = world.actorFor(world.makeUser(world.orgA.id, QStringLiteral("viewer")));
    const User somebody = world.makeUser(world.orgB.id, QStringLiteral("viewer"));
    // Denials and successes interleaved, so that the filter's rows are not the log's.
    for (int i = 0; i < 8 * AuditLogModel::PageSize; ++i) {
        if (i % 6 == 0)
            QVERIFY_RESULT(db->store().users().ban(world.superActor, somebody.id, QStringLiteral("spam")));
        else if (i % 6 == 3)
            QVERIFY_RESULT(db->store().users().unban(world.superActor, somebody.id));
        else
            QVERIFY(!db->store().stats().get(viewer).ok());
    }
    ServerProcess server;
    QNetworkAccessManager network;
    std::unique_ptr<Backend> backend;
    if (rest) {
        QVERIFY2(server.start(db->url(), db->tempPath() + QStringLiteral("/jwt-secret")), qPrintable(server.output()));
        backend = std::make_unique<RestBackend>(&network, server.url());
    } else {
        backend = std::make_unique<SqlBackend>(db->config());
    }
    QVERIFY_RESULT(awaitResult(backend->signIn(world.superAdmin.email, kStrongPassword)));

    AuditLogModel model(backend.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    AuditQuery query;
    query.outcome = outcome;
    model.setQuery(query);
    QTRY_VERIFY_WITH_TIMEOUT(model.isCounted() && !model.isLoading(), 30000);
    const Id top = model.eventAt(0).id;
    const QList<Id> expected
        = storeIds(db->store(),
                   QStringLiteral("WHERE id <= %1%2")
                       .arg(top)
                       .arg(outcome.isEmpty() ? QString() : QStringLiteral(" AND outcome = 'denied'")));
    QVERIFY(expected.size() > 3 * AuditLogModel::PageSize);
    QCOMPARE(qint64(model.rowCount()), qint64(expected.size())); // the count, before any scrolling
    QVERIFY(model.atEnd());
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(model.total(), qint64(expected.size()));
    // The first page, and the rows QAbstractItemModelTester looked at (its first and last rows);
    // the count is not a page.
    QVERIFY(model.pagesFetched() <= 3);
    model.index(model.rowCount() - 1, 0).data();
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(model.rowCount() - 1), 30000);
    const int fetchedBefore = model.pagesFetched();

    // The middle: not read yet, shown as loading, then read with one page.
    const int middle = model.rowCount() / 2 + 7;
    QVERIFY(!model.isRowLoaded(middle));
    QCOMPARE(model.index(middle, AuditLogModel::TimeColumn).data().toString(), QStringLiteral("Loading…"));
    QVERIFY(model.index(middle, AuditLogModel::ActionColumn).data().isNull());
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(middle), 30000);
    QCOMPARE(model.pagesFetched(), fetchedBefore + 1);
    QVERIFY(std::any_of(changed.cbegin(), changed.cend(), [middle](const QList<QVariant>& args) {
        return args.at(0).value<QModelIndex>().row() <= middle && args.at(1).value<QModelIndex>().row() >= middle;
    }));
    for (int row = middle - 5; row <= middle + 5; ++row) {
        QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(row), 30000);
        QCOMPARE(model.eventAt(row).id, expected.at(row));
        if (!outcome.isEmpty())
            QCOMPARE(model.eventAt(row).outcome, outcome);
    }
    QVERIFY(model.pagesFetched() <= fetchedBefore + 3); // the middle page, at most one neighbour per side

    // The end, and the rows next to the middle page: each one read more.
    const int last = model.rowCount() - 1;
    model.index(last, 0).data();
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(last), 30000);
    QCOMPARE(model.eventAt(last).id, expected.last());
    const int before = model.pagesFetched();
    const int from = std::max(0, middle - 3 * AuditLogModel::PageSize);
    const int to = std::min(model.rowCount(), middle + 3 * AuditLogModel::PageSize);
    for (int row = from; row < to; row += 37) {
        model.index(row, 0).data();
        QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(row), 30000);
        QCOMPARE(model.eventAt(row).id, expected.at(row));
    }
    QVERIFY2(model.pagesFetched() - before <= 7, "six pages around the middle, one read each");
    QVERIFY(model.lastError().isEmpty());
    QCOMPARE(qint64(model.rowCount()), qint64(expected.size()));
}

void TestModelsAuditSessions::auditFollowInsertsNewEventsAtTheTopAndKeepsTheSelection_data()
{
    QTest::addColumn<bool>("rest");
    QTest::newRow("SqlBackend") << false;
    QTest::newRow("RestBackend against portcullis-server") << true;
}

// Following: events written after the model loaded come in at the top with rowsInserted(); the
// selection and the rows below stay what they were, and a filter applies to the new events too.
void TestModelsAuditSessions::auditFollowInsertsNewEventsAtTheTopAndKeepsTheSelection()
{
    QFETCH(bool, rest);
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const Actor viewer = world.actorFor(world.makeUser(world.orgA.id, QStringLiteral("viewer")));
    const User somebody = world.makeUser(world.orgB.id, QStringLiteral("viewer"));
    for (int i = 0; i < AuditLogModel::PageSize + 20; ++i)
        QVERIFY(!db->store().stats().get(viewer).ok());
    ServerProcess server;
    QNetworkAccessManager network;
    std::unique_ptr<Backend> backend;
    if (rest) {
        QVERIFY2(server.start(db->url(), db->tempPath() + QStringLiteral("/jwt-secret")), qPrintable(server.output()));
        backend = std::make_unique<RestBackend>(&network, server.url());
    } else {
        backend = std::make_unique<SqlBackend>(db->config());
    }
    QVERIFY_RESULT(awaitResult(backend->signIn(world.superAdmin.email, kStrongPassword)));

    AuditLogModel model(backend.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QItemSelectionModel selection(&model);
    model.setQuery(AuditQuery {});
    QTRY_VERIFY_WITH_TIMEOUT(model.isCounted() && !model.isLoading(), 30000);
    const int rowsBefore = model.rowCount();
    const int selectedRow = 5;
    const Id selectedId = model.eventAt(selectedRow).id;
    selection.setCurrentIndex(model.index(selectedRow, 0),
                              QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    model.index(rowsBefore - 1, 0).data(); // the oldest, read by a seek
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(rowsBefore - 1), 30000);
    const Id oldestId = model.eventAt(rowsBefore - 1).id;

    // Nothing new: nothing inserted.
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy newer(&model, &AuditLogModel::newerEventsInserted);
    model.fetchNewer();
    QTRY_VERIFY_WITH_TIMEOUT(!model.isFetchingNewer(), 30000);
    QCOMPARE(inserted.count(), 0);

    // Three events written elsewhere.
    QVERIFY_RESULT(db->store().users().ban(world.superActor, somebody.id, QStringLiteral("spam")));
    QVERIFY(!db->store().stats().get(viewer).ok());
    QVERIFY_RESULT(db->store().users().unban(world.superActor, somebody.id));
    const QList<Id> newest = storeIds(db->store()).mid(0, 3);
    model.fetchNewer();
    QVERIFY(newer.wait(30000));
    QCOMPARE(newer.first().first().toInt(), 3);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 0); // at the top
    QCOMPARE(inserted.first().at(2).toInt(), 2);
    QCOMPARE(model.rowCount(), rowsBefore + 3);
    for (int row = 0; row < 3; ++row)
        QCOMPARE(model.eventAt(row).id, newest.at(row));
    QCOMPARE(model.eventAt(0).action, QStringLiteral("user.unbanned"));
    // The selection moved with its event.
    QCOMPARE(selection.currentIndex().row(), selectedRow + 3);
    QCOMPARE(selection.selectedRows().size(), 1);
    QCOMPARE(selection.selectedRows().first().data(AuditLogModel::EventIdRole).toLongLong(), selectedId);
    QCOMPARE(model.eventAt(selectedRow + 3).id, selectedId);
    // Rows far below still read their events at their new positions.
    model.index(model.rowCount() - 1, 0).data();
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(model.rowCount() - 1), 30000);
    QCOMPARE(model.eventAt(model.rowCount() - 1).id, oldestId);
    const int middle = model.rowCount() / 2;
    model.index(middle, 0).data();
    QTRY_VERIFY_WITH_TIMEOUT(model.isRowLoaded(middle), 30000);
    QCOMPARE(model.eventAt(middle).id, storeIds(db->store()).at(middle));

    // With a filter, only its events come in.
    AuditQuery banned;
    banned.action = QStringLiteral("user.banned");
    model.setQuery(banned);
    QTRY_VERIFY_WITH_TIMEOUT(model.isCounted() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 1);
    newer.clear();
    QVERIFY(!db->store().stats().get(viewer).ok());
    QVERIFY_RESULT(db->store().users().ban(world.superActor, somebody.id, QStringLiteral("again")));
    QVERIFY(!db->store().stats().get(viewer).ok());
    model.fetchNewer();
    QVERIFY(newer.wait(30000));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.eventAt(0).action, QStringLiteral("user.banned"));
    QVERIFY(model.eventAt(0).id > model.eventAt(1).id);
    QVERIFY(model.lastError().isEmpty());
}

void TestModelsAuditSessions::sessionsPageInWithTheTotal()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User member = world.makeUser(world.orgA.id, QStringLiteral("user"));
    const int logins = SessionListModel::PageSize + 30;
    for (int i = 0; i < logins; ++i)
        QVERIFY_RESULT(db->store().auth().login(member.email, kStrongPassword));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword))); // one more session

    SessionListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(false);
    QSignalSpy pages(&model, &LazyTableModel::pageLoaded);
    model.setQuery(SessionQuery {});
    QVERIFY(pages.wait(30000));
    QCOMPARE(model.rowCount(), SessionListModel::PageSize);
    QCOMPARE(model.total(), qint64(logins + 1));
    QVERIFY(model.canFetchMore({}));
    QCOMPARE(model.sessionAt(0).userEmail, world.superAdmin.email); // newest first

    model.fetchMore({});
    QVERIFY(pages.wait(30000));
    QCOMPARE(model.rowCount(), logins + 1);
    QVERIFY(model.atEnd());
    QVERIFY(!model.canFetchMore({}));
    QSet<Id> ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids.insert(model.sessionAt(row).id);
    QCOMPARE(ids.size(), logins + 1); // no session twice across pages

    const QModelIndex first = model.index(0, SessionListModel::UserColumn);
    // The newest is the session this backend signed in with: marked as this console's.
    QCOMPARE(first.data().toString(), world.superAdmin.email + QStringLiteral(" (this console)"));
    QVERIFY(first.data(SessionListModel::CurrentRole).toBool());
    QVERIFY(!model.index(1, SessionListModel::UserColumn).data(SessionListModel::CurrentRole).toBool());
    QCOMPARE(first.data(SessionListModel::UserIdRole).toLongLong(), world.superAdmin.id);
    QCOMPARE(model.index(0, SessionListModel::LastSeenColumn).data().toString(), QStringLiteral("just now"));
    QVERIFY(model.index(0, SessionListModel::ExpiresColumn).data().toString().startsWith(QStringLiteral("in ")));
    QVERIFY(model.index(0, SessionListModel::ImpersonatorColumn).data().toString().isEmpty());
}

void TestModelsAuditSessions::sessionFilterResetsAndShowsEndedSessions()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User member = world.makeUser(world.orgA.id, QStringLiteral("user"));
    const User other = world.makeUser(world.orgB.id, QStringLiteral("user"));
    QList<Id> memberSessions;
    for (int i = 0; i < 6; ++i) {
        auto login = db->store().auth().login(member.email, kStrongPassword);
        QVERIFY_RESULT(login);
        memberSessions << login->session.id;
    }
    QVERIFY_RESULT(db->store().auth().login(other.email, kStrongPassword));
    for (int i = 0; i < 2; ++i)
        QVERIFY_RESULT(db->store().sessions().revoke(world.superActor, memberSessions.at(i)));
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));

    SessionListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tester.setUseFetchMore(true);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.setQuery(SessionQuery {});
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 4 + 1 + 1); // member's open ones, other's, the admin's

    SessionQuery mine;
    mine.userId = member.id;
    const int before = int(resets.count());
    model.setQuery(mine);
    QVERIFY(resets.count() > before);
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.total(), qint64(4));

    mine.includeRevoked = true;
    mine.includeExpired = true;
    model.setQuery(mine);
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 6);
    int ended = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(SessionListModel::EndedRole).toBool()) {
            ++ended;
            QCOMPARE(model.index(row, SessionListModel::ExpiresColumn).data().toString(), QStringLiteral("Revoked"));
            QVERIFY(model.index(row, 0).data(Qt::ToolTipRole).toString().contains(QLatin1String("revoked")));
        }
    }
    QCOMPARE(ended, 2);
}

void TestModelsAuditSessions::impersonatedSessionIsMarkedInEveryColumn()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User member = world.makeUser(world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(db->store().auth().login(member.email, kStrongPassword));
    auto impersonation
        = db->store().sessions().impersonate(world.superActor, member.id, QStringLiteral("Ticket 4711"), 15);
    QVERIFY_RESULT(impersonation);
    SqlBackend backend(db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(world.superAdmin.email, kStrongPassword)));

    SessionListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    SessionQuery q;
    q.userId = member.id;
    model.setQuery(q);
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 2);
    int marked = -1;
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row, 0).data(SessionListModel::ImpersonatedRole).toBool())
            marked = row;
    }
    QVERIFY(marked >= 0);
    QCOMPARE(model.sessionAt(marked).id, impersonation->session.id);
    QCOMPARE(model.index(marked, SessionListModel::ImpersonatorColumn).data().toString(), world.superAdmin.email);
    for (int column = 0; column < SessionListModel::ColumnCount; ++column) {
        const QString tip = model.index(marked, column).data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(world.superAdmin.email) && tip.contains(QLatin1String("Ticket 4711")), qPrintable(tip));
    }
    QVERIFY(model.index(marked, SessionListModel::UserColumn).data(Qt::DecorationRole).canConvert<QIcon>());
    const int plain = 1 - marked;
    QVERIFY(!model.index(plain, SessionListModel::UserColumn).data(Qt::DecorationRole).isValid());
    QVERIFY(!model.index(plain, SessionListModel::UserColumn)
                 .data(Qt::ToolTipRole)
                 .toString()
                 .contains(QLatin1String("Impersonated")));
}

// A user's sessions on better-auth (which lists sessions per user only): a plain one and an
// impersonation by the signed-in admin, marked, with the emails better-auth does not list.
void TestModelsAuditSessions::betterAuthSessionsOfAUser()
{
    BetterAuthProcess server;
    QVERIFY2(server.start({ QStringLiteral("--users"), QStringLiteral("1") }), qPrintable(server.error()));
    QNetworkAccessManager network;
    BetterAuthBackend backend(&network, server.url());
    QVERIFY_RESULT(awaitResult(backend.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword)));
    const QString email = QStringLiteral("user0001@example.com");
    UserQuery byEmail;
    byEmail.search = email;
    const Result<Page<User>> users = awaitResult(backend.listUsers(byEmail));
    QVERIFY_RESULT(users);
    QCOMPARE(users->items.size(), 1);
    const User member = users->items.first();
    // The member signs in on its own (not an admin: not through the console).
    QNetworkRequest signIn(QUrl(server.baseUrl() + QStringLiteral("/sign-in/email")));
    signIn.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply
        = network.post(signIn,
                       QJsonDocument(QJsonObject { { QStringLiteral("email"), email },
                                                   { QStringLiteral("password"), kBetterAuthAdminPassword } })
                           .toJson());
    QSignalSpy signedIn(reply, &QNetworkReply::finished);
    QVERIFY(signedIn.wait(30000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    reply->deleteLater();
    const Result<CreatedSession> impersonation
        = awaitResult(backend.impersonate(member.id, QStringLiteral("Ticket 4711"), 15));
    QVERIFY_RESULT(impersonation);

    SessionListModel model(&backend);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    SessionQuery q;
    q.userId = member.id;
    model.setQuery(q);
    QTRY_VERIFY_WITH_TIMEOUT(model.atEnd() && !model.isLoading(), 30000);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.total(), qint64(2));
    int marked = -1;
    for (int row = 0; row < model.rowCount(); ++row) {
        QCOMPARE(model.sessionAt(row).userEmail, email);
        if (model.index(row, 0).data(SessionListModel::ImpersonatedRole).toBool())
            marked = row;
    }
    QVERIFY(marked >= 0);
    QCOMPARE(model.sessionAt(marked).id, impersonation->session.id);
    QCOMPARE(model.index(marked, SessionListModel::ImpersonatorColumn).data().toString(), kBetterAuthAdminEmail);
    QVERIFY(!model.index(1 - marked, 0).data(SessionListModel::ImpersonatedRole).toBool());
    // Without a user: better-auth has no list of every session, and the model says why.
    QSignalSpy failed(&model, &LazyTableModel::loadFailed);
    model.setQuery(SessionQuery {});
    QVERIFY(failed.wait(10000));
    QCOMPARE(model.lastError(), backend.capabilities().whyNot(Capability::SessionList));
}

QTEST_MAIN(TestModelsAuditSessions)
#include "tst_models_audit_sessions.moc"
