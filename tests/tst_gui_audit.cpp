// The Audit Log, Dashboard and Sessions panes and the impersonation dialog, driven as an admin
// would: the real main window with every pane, a real temporary database, offscreen.

#include "auditlogmodel.h"
#include "auditpane.h"
#include "dashboardpane.h"
#include "displayformat.h"
#include "guiutil.h"
#include "impersonatedialog.h"
#include "messagebox.h"
#include "rest/restbackend.h"
#include "secretdialog.h"
#include "serverprocess.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "userspane.h"

#include <QAction>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QIcon>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTableView>
#include <QTest>
#include <QToolButton>
#include <QXYSeries>

using namespace portcullis;
using namespace portcullis::test;

namespace {

// True once the audit pane shows the complete result of the filter it was given last.
bool settled(AuditPane* pane)
{
    return pane->model()->atEnd() && !pane->model()->isLoading();
}

} // namespace

class TestGuiAudit : public QObject
{
    Q_OBJECT

private slots:
    void actionFilterShowsExactlyTheBannedEvents();
    void exportWritesTheFilteredSet();
    void verifyIntegritySaysIntact();
    void verifyIntegrityIsForSuperAdminsOnly();
    void actorFilterTakesEmailNameOrId();
    void usersPaneOpensTheAuditTrail();
    void detailsShowTheJsonAndHashes();
    void scrollingFarAndBackShowsTheRightEvents_data();
    void scrollingFarAndBackShowsTheRightEvents();
    void followShowsNewEventsWithoutRefresh_data();
    void followShowsNewEventsWithoutRefresh();

private:
    // Two users banned through the store (plus a few other events around them).
    QList<User> banTwo(Console& c);
};

QList<User> TestGuiAudit::banTwo(Console& c)
{
    QList<User> users;
    for (int i = 0; i < 4; ++i)
        users << c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    auto first = c.db->store().users().ban(c.world.superActor, users.at(1).id, QStringLiteral("Spam"));
    auto second = c.db->store().users().ban(c.world.superActor, users.at(3).id, QStringLiteral("Abuse"));
    auto third = c.db->store().users().suspend(c.world.superActor, users.at(2).id);
    if (!first || !second || !third)
        qFatal("the fixture could not ban or suspend");
    return { users.at(1), users.at(3) };
}

void TestGuiAudit::actionFilterShowsExactlyTheBannedEvents()
{
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QTRY_VERIFY(settled(pane) || pane->model()->rowCount() > 0);
    QVERIFY(pane->model()->rowCount() > 2);

    auto* action = pane->findChild<QComboBox*>(QStringLiteral("auditActionFilter"));
    QVERIFY(action);
    QTest::keyClicks(action->lineEdit(), QStringLiteral("user.banned"));
    QCOMPARE(action->currentText(), QStringLiteral("user.banned"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.banned") && settled(pane), 15000);

    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    QVERIFY(table);
    QAbstractItemModel* shown = table->model();
    QCOMPARE(shown->rowCount(), 2);
    QSet<QString> resources;
    for (int row = 0; row < shown->rowCount(); ++row) {
        QCOMPARE(shown->index(row, AuditLogModel::ActionColumn).data().toString(), QStringLiteral("user.banned"));
        QCOMPARE(shown->index(row, AuditLogModel::ActorColumn).data().toString(),
                 QStringLiteral("%1 (#%2)").arg(c.world.superAdmin.email).arg(c.world.superAdmin.id));
        resources.insert(shown->index(row, AuditLogModel::ResourceColumn).data().toString());
    }
    QCOMPARE(resources,
             (QSet<QString> { QStringLiteral("user #%1").arg(banned.at(0).id),
                              QStringLiteral("user #%1").arg(banned.at(1).id) }));
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditCountLabel"))->text(), QStringLiteral("2 events"));

    // A prefix: every user.* event, banned ones included, nothing else.
    action->lineEdit()->clear();
    QTest::keyClicks(action->lineEdit(), QStringLiteral("user.*"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.*") && settled(pane), 15000);
    QVERIFY(shown->rowCount() > 2);
    for (int row = 0; row < shown->rowCount(); ++row)
        QVERIFY(shown->index(row, AuditLogModel::ActionColumn).data().toString().startsWith(QLatin1String("user.")));

    // Outcome "denied" on top: nothing was refused, and the empty state says what to do.
    auto* outcome = pane->findChild<QComboBox*>(QStringLiteral("auditOutcomeFilter"));
    outcome->setCurrentIndex(outcome->findData(QStringLiteral("denied")));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().outcome == QLatin1String("denied") && settled(pane), 15000);
    QCOMPARE(shown->rowCount(), 0);
    auto* empty = pane->findChild<QLabel*>(QStringLiteral("auditEmptyLabel"));
    QVERIFY(empty->isVisible());
    QVERIFY(empty->text().contains(QLatin1String("clear the filters")));
}

void TestGuiAudit::exportWritesTheFilteredSet()
{
    Console c = Console::create();
    banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    auto* action = pane->findChild<QComboBox*>(QStringLiteral("auditActionFilter"));
    QTest::keyClicks(action->lineEdit(), QStringLiteral("user.banned"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.banned") && settled(pane), 15000);
    const qint64 matching
        = countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE action = 'user.banned'"));
    QCOMPARE(matching, 2);

    QSignalSpy status(pane, &Pane::statusMessage);
    QAction* exportAction = findAction(pane, "auditExportAction");
    QVERIFY(exportAction && exportAction->isEnabled());

    // JSON Lines, chosen by the extension.
    const QString jsonPath = c.db->tempPath() + QStringLiteral("/banned.jsonl");
    FileDialog::setNextFileName(jsonPath);
    exportAction->trigger();
    QString message = waitForStatus(status, QStringLiteral("Exported"));
    QCOMPARE(message, QStringLiteral("Exported 2 events to %1").arg(QDir::toNativeSeparators(jsonPath)));
    QFile json(jsonPath);
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = json.readAll().trimmed().split('\n');
    QCOMPARE(qint64(lines.size()), matching);
    for (const QByteArray& line : lines)
        QCOMPARE(QJsonDocument::fromJson(line).object().value(QStringLiteral("action")).toString(),
                 QStringLiteral("user.banned"));
    QTRY_VERIFY(exportAction->isEnabled()); // one export at a time, and it finished

    // CSV: a header line plus one line per event.
    const QString csvPath = c.db->tempPath() + QStringLiteral("/banned.csv");
    FileDialog::setNextFileName(csvPath);
    status.clear();
    exportAction->trigger();
    message = waitForStatus(status, QStringLiteral("Exported"));
    QVERIFY2(message.startsWith(QStringLiteral("Exported 2 events")), qPrintable(message));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(qint64(csv.readAll().trimmed().split('\n').size()), matching + 1);
    QTRY_VERIFY(!Console::visibleTopLevel<QProgressDialog>()); // the progress dialog went away
}

// The chain covers every organization: an organization admin's console does not offer the check
// (the core refuses it as well), and says why.
void TestGuiAudit::verifyIntegrityIsForSuperAdminsOnly()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QAction* verify = findAction(pane, "verifyAuditAction");
    QVERIFY(verify);
    QVERIFY(!verify->isEnabled());
    QVERIFY2(verify->toolTip().contains(QStringLiteral("super admins")), qPrintable(verify->toolTip()));
}

void TestGuiAudit::verifyIntegritySaysIntact()
{
    Console c = Console::create();
    banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QSignalSpy status(pane, &Pane::statusMessage);
    QAction* verify = findAction(pane, "verifyAuditAction");
    QVERIFY(verify && verify->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::Ok); // record the result box instead of showing it
    verify->trigger();
    const QString message = waitForStatus(status, QStringLiteral("Chain"));
    QVERIFY2(message.startsWith(QStringLiteral("Chain intact: ")), qPrintable(message));
    QVERIFY2(MessageBox::lastText().contains(QLatin1String("intact")), qPrintable(MessageBox::lastText()));
}

void TestGuiAudit::actorFilterTakesEmailNameOrId()
{
    Console c = Console::create();
    const User lead = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"), QStringLiteral("zelda_lead"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("twin_one"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("twin_two"));
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().users().suspend(c.world.actorFor(lead), target.id));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    auto* actor = pane->findChild<QLineEdit*>(QStringLiteral("auditActorFilter"));
    QVERIFY(actor);
    auto actorsShown = [pane] {
        QSet<Id> ids;
        for (int row = 0; row < pane->model()->rowCount(); ++row)
            ids.insert(pane->model()->eventAt(row).actorId);
        return ids;
    };

    // An email.
    QTest::keyClicks(actor, lead.email);
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().actorEmail == lead.email && settled(pane), 15000);
    QVERIFY(pane->model()->rowCount() > 0);
    QCOMPARE(actorsShown(), QSet<Id> { lead.id });

    // A name that designates one user resolves to their email.
    actor->clear();
    QTest::keyClicks(actor, QStringLiteral("zelda"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().actorEmail == lead.email && settled(pane), 15000);
    QCOMPARE(actorsShown(), QSet<Id> { lead.id });

    // A name that matches several asks for the email and leaves the table alone.
    actor->clear();
    QTest::keyClicks(actor, QStringLiteral("twin"));
    auto* message = pane->findChild<QLabel*>(QStringLiteral("auditFilterMessage"));
    QTRY_VERIFY_WITH_TIMEOUT(message->isVisible() && message->text() == QLatin1String("2 users match, type the email"),
                             15000);

    // An id.
    actor->clear();
    QTest::keyClicks(actor, QStringLiteral("#%1").arg(lead.id));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().actorId == lead.id && settled(pane), 15000);
    QCOMPARE(actorsShown(), QSet<Id> { lead.id });
    QVERIFY(!message->isVisible());
}

void TestGuiAudit::usersPaneOpensTheAuditTrail()
{
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    const User lead = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY_RESULT(c.db->store().users().unban(c.world.actorFor(lead), banned.at(0).id));
    QVERIFY(c.open(c.world.superAdmin));
    auto* users = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(users);
    auto* audit = qobject_cast<AuditPane*>(c.window->pane(QStringLiteral("audit")));
    QVERIFY(audit);
    // Filters set before are cleared by "Show audit trail".
    audit->findChild<QComboBox*>(QStringLiteral("auditActionFilter"))->setEditText(QStringLiteral("role.*"));
    emit users->showAuditTrailRequested(lead.id, lead.email);
    QCOMPARE(c.window->currentPane(), audit);
    QCOMPARE(audit->findChild<QLineEdit*>(QStringLiteral("auditActorFilter"))->text(), lead.email);
    QTRY_VERIFY_WITH_TIMEOUT(audit->currentQuery().actorEmail == lead.email && audit->currentQuery().action.isEmpty()
                                 && settled(audit),
                             15000);
    QCOMPARE(audit->model()->rowCount(), 1);
    QCOMPARE(audit->model()->eventAt(0).action, QStringLiteral("user.unbanned"));

    // And "Show sessions" opens the Sessions pane on that user.
    QVERIFY_RESULT(c.db->store().auth().login(lead.email, kStrongPassword));
    emit users->showSessionsRequested(lead.id, lead.email);
    auto* sessions = qobject_cast<SessionsPane*>(c.window->pane(QStringLiteral("sessions")));
    QCOMPARE(c.window->currentPane(), sessions);
    QTRY_VERIFY_WITH_TIMEOUT(sessions->model()->query().userId == lead.id && sessions->model()->atEnd()
                                 && !sessions->model()->isLoading(),
                             15000);
    QCOMPARE(sessions->model()->rowCount(), 1);
    QCOMPARE(sessions->model()->sessionAt(0).userEmail, lead.email);
}

void TestGuiAudit::detailsShowTheJsonAndHashes()
{
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QTest::keyClicks(pane->findChild<QComboBox*>(QStringLiteral("auditActionFilter"))->lineEdit(),
                     QStringLiteral("user.banned"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == QLatin1String("user.banned") && settled(pane), 15000);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    table->setFocus();
    table->selectRow(1); // the older one: the first ban
    // The list holds the columns; the details JSON and hashes arrive with the whole event.
    auto stored = c.db->store().audit().get(c.world.superActor, pane->model()->eventAt(1).id);
    QVERIFY_RESULT(stored);
    const AuditEvent event = *stored;
    auto* json = pane->findChild<QPlainTextEdit*>(QStringLiteral("auditDetailsJson"));
    QTRY_VERIFY(json->isVisible());
    QTRY_VERIFY2(json->toPlainText().contains(QLatin1String("\"reason\": \"Spam\"")), qPrintable(json->toPlainText()));
    auto* hash = pane->findChild<QLabel*>(QStringLiteral("auditDetail_hash"));
    QCOMPARE(hash->text().remove(QLatin1Char(' ')), QString::fromLatin1(event.hash));
    auto* prev = pane->findChild<QLabel*>(QStringLiteral("auditDetail_prevHash"));
    QCOMPARE(prev->text().remove(QLatin1Char(' ')), QString::fromLatin1(event.prevHash));
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditDetail_resource"))->text(),
             QStringLiteral("user #%1").arg(banned.at(0).id));
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditDetail_organization"))->text(), c.world.orgA.name);
}

void TestGuiAudit::scrollingFarAndBackShowsTheRightEvents_data()
{
    QTest::addColumn<bool>("rest");
    QTest::newRow("SqlBackend") << false;
    QTest::newRow("RestBackend against portcullis-server") << true;
}

void TestGuiAudit::scrollingFarAndBackShowsTheRightEvents()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    const Actor viewer = c.world.actorFor(c.world.makeUser(c.world.orgA.id, QStringLiteral("viewer")));
    for (int i = 0; i < 6 * AuditLogModel::PageSize + 20; ++i)
        QVERIFY(!c.db->store().stats().get(viewer).ok()); // a refusal, audited
    ServerProcess server;
    QNetworkAccessManager network;
    std::unique_ptr<Backend> backend;
    if (rest) {
        QVERIFY2(server.start(c.db->url(), c.db->tempPath() + QStringLiteral("/jwt-secret")),
                 qPrintable(server.output()));
        backend = std::make_unique<RestBackend>(&network, server.url());
    } else {
        backend = std::make_unique<SqlBackend>(c.db->config());
    }
    QVERIFY_RESULT(awaitResult(backend->signIn(c.world.superAdmin.email, kStrongPassword)));
    QList<Id> expected; // the store's answer, newest first
    {
        QSqlQuery q(c.db->store().core().db());
        QVERIFY(q.exec(QStringLiteral("SELECT id FROM audit_events ORDER BY id DESC")));
        while (q.next())
            expected << q.value(0).toLongLong();
    }
    MainWindow window(backend.get());
    addAllPanes(&window, backend.get());
    window.resize(1200, 800);
    window.show();
    QVERIFY(window.showPane(QStringLiteral("audit")));
    auto* pane = qobject_cast<AuditPane*>(window.pane(QStringLiteral("audit")));
    QVERIFY(pane);
    AuditLogModel* model = pane->model();
    model->setResidentPageLimit(2); // 400 rows besides the first page and the selected one
    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    QVERIFY(table);
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0 && !model->isLoading(), 30000);

    // The rows the user sees are the store's events in order, once their pages are in.
    auto shownRight = [&] {
        const int top = table->rowAt(0);
        const int bottom = table->rowAt(table->viewport()->height() - 1);
        if (top < 0)
            return false;
        for (int row = top; row <= (bottom < 0 ? model->rowCount() - 1 : bottom); ++row) {
            const QModelIndex index = table->model()->index(row, AuditLogModel::TimeColumn);
            if (index.data(AuditLogModel::EventIdRole).toLongLong() != expected.at(row)
                || index.data().toString().isEmpty())
                return false;
        }
        return true;
    };

    // An event of the third page selected: its details stay while the user scrolls away.
    table->setFocus();
    const int chosen = 2 * AuditLogModel::PageSize + 7;
    while (model->rowCount() <= chosen && model->lastError().isEmpty()) {
        table->scrollToBottom();
        QTRY_VERIFY_WITH_TIMEOUT(!model->isLoading(), 30000);
    }
    table->selectRow(chosen);
    auto* id = pane->findChild<QLabel*>(QStringLiteral("auditDetail_id"));
    QVERIFY(id);
    QTRY_COMPARE(id->text(), QStringLiteral("#%1").arg(expected.at(chosen)));

    // Down to the end of the log by the scroll bar, as the user drags it.
    QScrollBar* bar = table->verticalScrollBar();
    while (!model->atEnd() && model->lastError().isEmpty()) {
        bar->setValue(bar->maximum());
        QTRY_VERIFY_WITH_TIMEOUT(!model->isLoading(), 30000);
        QVERIFY2(model->residentPageCount() <= 2 + 3, "first page, selected page, the newest and two more");
    }
    QCOMPARE(model->rowCount(), int(expected.size()));
    QTRY_VERIFY_WITH_TIMEOUT(shownRight(), 30000);
    // The count gave the scroll bar its length: the end was read without the pages before it.
    QVERIFY(model->isCounted());
    QVERIFY(model->residentPageCount() <= 2 + 3);

    // Back up a screen at a time, then to the middle and the top: dropped pages are read again.
    for (int row = model->rowCount() - 1; row >= 0; row -= AuditLogModel::PageSize + 50) {
        table->scrollTo(model->index(row, 0), QAbstractItemView::PositionAtTop);
        QTRY_VERIFY_WITH_TIMEOUT(shownRight(), 30000);
    }
    table->scrollTo(model->index(model->rowCount() / 2, 0), QAbstractItemView::PositionAtCenter);
    QTRY_VERIFY_WITH_TIMEOUT(shownRight(), 30000);
    table->scrollTo(model->index(AuditLogModel::PageSize + 30, 0), QAbstractItemView::PositionAtTop);
    QTRY_VERIFY_WITH_TIMEOUT(shownRight(), 30000);
    QVERIFY(model->residentPageCount() <= 2 + 4);
    QVERIFY(model->lastError().isEmpty());

    // The selection and the details are still the chosen event.
    QVERIFY(table->selectionModel()->isRowSelected(chosen, {}));
    QCOMPARE(model->eventAt(chosen).id, expected.at(chosen));
    QCOMPARE(id->text(), QStringLiteral("#%1").arg(expected.at(chosen)));
    table->scrollTo(model->index(chosen, 0));
    QTRY_VERIFY_WITH_TIMEOUT(shownRight(), 30000);
}

void TestGuiAudit::followShowsNewEventsWithoutRefresh_data()
{
    QTest::addColumn<bool>("rest");
    QTest::newRow("SqlBackend") << false;
    QTest::newRow("RestBackend against portcullis-server") << true;
}

// Follow on a real pane: an event written elsewhere after it was turned on comes in at the top
// without F5, the selection stays on its event; scrolling away and an end date turn it off, and
// the pane says so.
void TestGuiAudit::followShowsNewEventsWithoutRefresh()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    const Actor viewer = c.world.actorFor(c.world.makeUser(c.world.orgA.id, QStringLiteral("viewer")));
    for (int i = 0; i < 120; ++i)
        QVERIFY(!c.db->store().stats().get(viewer).ok()); // more rows than a screen
    ServerProcess server;
    QNetworkAccessManager network;
    std::unique_ptr<Backend> backend;
    if (rest) {
        QVERIFY2(server.start(c.db->url(), c.db->tempPath() + QStringLiteral("/jwt-secret")),
                 qPrintable(server.output()));
        backend = std::make_unique<RestBackend>(&network, server.url());
    } else {
        backend = std::make_unique<SqlBackend>(c.db->config());
    }
    QVERIFY_RESULT(awaitResult(backend->signIn(c.world.superAdmin.email, kStrongPassword)));
    MainWindow window(backend.get());
    addAllPanes(&window, backend.get());
    window.resize(1200, 800);
    window.show();
    QVERIFY(window.showPane(QStringLiteral("audit")));
    auto* pane = qobject_cast<AuditPane*>(window.pane(QStringLiteral("audit")));
    QVERIFY(pane);
    AuditLogModel* model = pane->model();
    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    QVERIFY(table);
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() > 0 && !model->isLoading(), 30000);
    const int rowsBefore = model->rowCount();
    table->selectRow(2);
    const Id selectedId = model->eventAt(2).id;

    auto* follow = pane->findChild<QToolButton*>(QStringLiteral("auditFollowButton"));
    QVERIFY(follow);
    QVERIFY(follow->isVisible());
    QVERIFY(!follow->isChecked());
    QTest::mouseClick(follow, Qt::LeftButton);
    QVERIFY(follow->isChecked());

    // Written after Follow was turned on, by someone else.
    const User target = c.world.makeUser(c.world.orgB.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().users().ban(c.world.superActor, target.id, QStringLiteral("Fraud")));
    QAbstractItemModel* shown = table->model();
    QTRY_VERIFY_WITH_TIMEOUT(shown->index(0, AuditLogModel::ActionColumn).data().toString()
                                 == QLatin1String("user.banned"),
                             4 * AuditPane::FollowIntervalMs);
    QCOMPARE(shown->index(0, AuditLogModel::ResourceColumn).data().toString(),
             QStringLiteral("user #%1").arg(target.id));
    QVERIFY(shown->rowCount() > rowsBefore);
    QCOMPARE(table->rowAt(0), 0); // the newest row is in view
    const QModelIndexList selected = table->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(selected.first().data(AuditLogModel::EventIdRole).toLongLong(), selectedId);
    auto* count = pane->findChild<QLabel*>(QStringLiteral("auditCountLabel"));
    QVERIFY(count);
    QCOMPARE(count->text(), QStringLiteral("%1 events").arg(shown->rowCount()));

    // Scrolling down to older events stops following, and says so.
    auto* message = pane->findChild<QLabel*>(QStringLiteral("auditFilterMessage"));
    QVERIFY(message);
    QScrollBar* bar = table->verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    bar->setValue(bar->maximum() / 2);
    QVERIFY(!follow->isChecked());
    QTRY_VERIFY(message->isVisible());
    QVERIFY(message->text().contains(QStringLiteral("Stopped following")));

    // On again (back at the top), then an end date turns it off.
    QTest::mouseClick(follow, Qt::LeftButton);
    QVERIFY(follow->isChecked());
    QCOMPARE(bar->value(), 0);
    QTRY_VERIFY(!message->isVisible());
    auto* to = pane->findChild<QCheckBox*>(QStringLiteral("auditToCheck"));
    QVERIFY(to);
    to->setChecked(true);
    QTRY_VERIFY_WITH_TIMEOUT(!follow->isChecked(), 15000);
    QVERIFY(message->text().contains(QStringLiteral("Stopped following")));
}

QTEST_MAIN(TestGuiAudit)
#include "tst_gui_audit.moc"
