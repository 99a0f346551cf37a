// The Audit Log, Dashboard and Sessions panes and the impersonation dialog, driven as an admin
// would: the real main window with every pane, a real temporary database, offscreen.

#include "auditlogmodel.h"
#include "auditpane.h"
#include "dashboardpane.h"
#include "displayformat.h"
#include "guidesk.h"
#include "guiutil.h"
#include "impersonatedialog.h"
#include "messagebox.h"
#include "policy/catalog.h"
#include "rest/restbackend.h"
#include "secretdialog.h"
#include "serverprocess.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "userspane.h"

#include <QAbstractScrollArea>
#include <QAction>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
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

// Every visible widget under `root` lies inside its parent and overlaps no visible sibling. What a
// scroll area shows through its viewport may be larger than it (that is what scrolling is for).
void checkNothingClippedOrOverlapping(QWidget* root)
{
    const QList<QWidget*> widgets = root->findChildren<QWidget*>();
    for (QWidget* w : widgets) {
        if (!w->isVisible() || w->isWindow())
            continue;
        QWidget* parent = w->parentWidget();
        bool scrolled = false;
        for (QWidget* p = parent; p && p != root; p = p->parentWidget()) {
            if (qobject_cast<QAbstractScrollArea*>(p))
                scrolled = true;
        }
        if (scrolled)
            continue;
        const QString name
            = w->objectName().isEmpty() ? QString::fromLatin1(w->metaObject()->className()) : w->objectName();
        QVERIFY2(
            parent->rect().contains(w->geometry()),
            qPrintable(QStringLiteral("%1 %2 is clipped by its parent %3 (%4x%5)")
                           .arg(name)
                           .arg(QStringLiteral("%1,%2 %3x%4").arg(w->x()).arg(w->y()).arg(w->width()).arg(w->height()))
                           .arg(parent->objectName())
                           .arg(parent->width())
                           .arg(parent->height())));
        for (QObject* o : parent->children()) {
            auto* sibling = qobject_cast<QWidget*>(o);
            if (!sibling || sibling == w || !sibling->isVisible() || sibling->isWindow())
                continue;
            QVERIFY2(!w->geometry().intersects(sibling->geometry()),
                     qPrintable(QStringLiteral("%1 overlaps %2").arg(name, sibling->objectName())));
        }
    }
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
    void namesResolveOnTheFirstLoad_data() { addBackendRows(); }
    void namesResolveOnTheFirstLoad();
    void showingThePaneAgainListsNewEvents();
    void targetsAreNamedInRowsDetailsAndExports_data() { addBackendRows(); }
    void targetsAreNamedInRowsDetailsAndExports();
    void anotherTenantsTargetStaysUnnamed_data() { addBackendRows(); }
    void anotherTenantsTargetStaysUnnamed();
    void openThisUserAndOrganization();
    void typedDatesReadAsTheyAreShown_data();
    void typedDatesReadAsTheyAreShown();
    void shownDatesReadBack_data();
    void shownDatesReadBack();
    void typedDateFiltersExactlyOrSaysWhy();
    void rangePresetsMoveWithNow();
    void filtersFitTheWindow_data();
    void filtersFitTheWindow();
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
    // The target is named beside its id.
    for (int row = 0; row < shown->rowCount(); ++row) {
        QCOMPARE(shown->index(row, AuditLogModel::ActionColumn).data().toString(), QStringLiteral("user.banned"));
        QCOMPARE(shown->index(row, AuditLogModel::ActorColumn).data().toString(),
                 QStringLiteral("%1 (#%2)").arg(c.world.superAdmin.email).arg(c.world.superAdmin.id));
        resources.insert(shown->index(row, AuditLogModel::ResourceColumn).data().toString());
    }
    QCOMPARE(resources,
             (QSet<QString> { QStringLiteral("user #%1 (%2)").arg(banned.at(0).id).arg(banned.at(0).email),
                              QStringLiteral("user #%1 (%2)").arg(banned.at(1).id).arg(banned.at(1).email) }));
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
             QStringLiteral("user #%1 (%2)").arg(banned.at(0).id).arg(banned.at(0).email));
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

// The first page names every organization: the rows and the details never show "#3" first. The
// list opened directly and the list opened by "Show audit trail" (which loads it with a filter).
void TestGuiAudit::namesResolveOnTheFirstLoad()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    banTwo(c); // events of organization A
    const User other = c.world.makeUser(c.world.orgB.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().users().suspend(c.world.superActor, other.id));
    for (const bool viaUsersPane : { false, true }) {
        Desk desk;
        QVERIFY(desk.open(c, rest, c.world.superAdmin));
        AuditPane* pane = qobject_cast<AuditPane*>(desk.window->pane(QStringLiteral("audit")));
        QVERIFY(pane);
        // What the rows say the moment the first page is in, before anything else runs.
        QStringList firstShown;
        QObject context;
        QObject::connect(pane->model(), &LazyTableModel::pageLoaded, &context, [&] {
            if (!firstShown.isEmpty())
                return;
            for (int row = 0; row < pane->model()->rowCount(); ++row)
                firstShown << pane->model()->index(row, AuditLogModel::OrganizationColumn).data().toString();
        });
        if (viaUsersPane) {
            auto* users = qobject_cast<UsersPane*>(desk.window->pane(QStringLiteral("users")));
            QVERIFY(users);
            emit users->showAuditTrailRequested(c.world.superAdmin.id, c.world.superAdmin.email);
        } else {
            QVERIFY(desk.window->showPane(QStringLiteral("audit")));
        }
        QTRY_VERIFY_WITH_TIMEOUT(!firstShown.isEmpty() && settled(pane), 30000);
        QVERIFY(firstShown.contains(c.world.orgA.name));
        QVERIFY(firstShown.contains(c.world.orgB.name));
        for (const QString& shown : std::as_const(firstShown))
            QVERIFY2(!shown.startsWith(QLatin1Char('#')), qPrintable(shown));
        // The details of an event of organization B name it too.
        auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
        const int row = int(firstShown.indexOf(c.world.orgB.name));
        table->setFocus();
        table->selectRow(row);
        QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditDetail_organization"))->text(), c.world.orgB.name);
    }
}

// The audit log shown again a while after its last load lists what happened meanwhile, without F5.
void TestGuiAudit::showingThePaneAgainListsNewEvents()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QTRY_VERIFY_WITH_TIMEOUT(settled(pane) && pane->model()->rowCount() > 0, 15000);
    const Id newestBefore = pane->model()->eventAt(0).id;
    pane->setMaxDataAge(60000);

    QVERIFY(c.window->showPane(QStringLiteral("users")));
    QVERIFY_RESULT(c.db->store().users().ban(c.world.superActor, target.id, QStringLiteral("Spam")));
    // Shown again at once: the list is fresh enough and stays as it was.
    QVERIFY(c.window->showPane(QStringLiteral("audit")));
    QTest::qWait(100);
    QCOMPARE(pane->model()->eventAt(0).id, newestBefore);

    pane->setMaxDataAge(300);
    QVERIFY(c.window->showPane(QStringLiteral("users")));
    QTest::qWait(400);
    QVERIFY(c.window->showPane(QStringLiteral("audit")));
    QTRY_VERIFY_WITH_TIMEOUT(settled(pane) && pane->model()->eventAt(0).action == actions::UserBanned, 15000);
    QVERIFY(pane->model()->eventAt(0).id > newestBefore);
    QCOMPARE(pane->model()->eventAt(0).resourceLabel, target.email);
}

// Rows, details and both export formats name the target beside its id: a user's email, an
// organization's and an API key's name (roles are recorded by their code, which names them).
void TestGuiAudit::targetsAreNamedInRowsDetailsAndExports()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    NewRole newRole;
    newRole.code = QStringLiteral("support_desk");
    newRole.name = QStringLiteral("Support desk");
    newRole.level = 30;
    newRole.organizationId = c.world.orgA.id;
    auto role = c.db->store().roles().create(c.world.superActor, newRole);
    QVERIFY_RESULT(role);
    NewOrganization newOrg;
    newOrg.name = QStringLiteral("Northwind Traders");
    auto org = c.db->store().organizations().create(c.world.superActor, newOrg);
    QVERIFY_RESULT(org);
    NewApiKey newKey;
    newKey.name = QStringLiteral("ci-deploy");
    newKey.userId = c.world.superAdmin.id;
    auto key = c.db->store().apiKeys().create(c.world.superActor, newKey);
    QVERIFY_RESULT(key);

    Desk desk;
    QVERIFY(desk.open(c, rest, c.world.superAdmin));
    QVERIFY(desk.window->showPane(QStringLiteral("audit")));
    AuditPane* pane = qobject_cast<AuditPane*>(desk.window->pane(QStringLiteral("audit")));
    QTRY_VERIFY_WITH_TIMEOUT(pane->isLoaded() && settled(pane), 30000);
    auto rowOf = [pane](const QString& action, const QString& resourceId) {
        for (int row = 0; row < pane->model()->rowCount(); ++row) {
            const AuditEvent e = pane->model()->eventAt(row);
            if (e.action == action && e.resourceId == resourceId)
                return row;
        }
        return -1;
    };
    auto resourceShown
        = [pane](int row) { return pane->model()->index(row, AuditLogModel::ResourceColumn).data().toString(); };
    const int bannedRow = rowOf(actions::UserBanned, QString::number(banned.at(0).id));
    const int roleRow = rowOf(actions::RoleCreated, role->code); // roles are recorded by their code
    const int orgRow = rowOf(actions::OrgCreated, QString::number(org->id));
    const int keyRow = rowOf(actions::ApiKeyCreated, QString::number(key->key.id));
    QVERIFY(bannedRow >= 0 && roleRow >= 0 && orgRow >= 0 && keyRow >= 0);
    QCOMPARE(resourceShown(bannedRow), QStringLiteral("user #%1 (%2)").arg(banned.at(0).id).arg(banned.at(0).email));
    QCOMPARE(resourceShown(roleRow), QStringLiteral("role support_desk"));
    QCOMPARE(resourceShown(orgRow), QStringLiteral("organization #%1 (Northwind Traders)").arg(org->id));
    QCOMPARE(resourceShown(keyRow), QStringLiteral("api_key #%1 (ci-deploy)").arg(key->key.id));

    // The details (read again whole from the backend) say the same.
    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    table->setFocus();
    table->selectRow(roleRow);
    auto* json = pane->findChild<QPlainTextEdit*>(QStringLiteral("auditDetailsJson"));
    QTRY_VERIFY(json->isVisible());
    QCOMPARE(pane->findChild<QLabel*>(QStringLiteral("auditDetail_resource"))->text(),
             QStringLiteral("role support_desk"));

    // Exports: the column resource_label beside resource_id, and the JSON field.
    QSignalSpy status(pane, &Pane::statusMessage);
    QAction* exportAction = findAction(pane, "auditExportAction");
    const QString csvPath = c.db->tempPath() + QStringLiteral("/named.csv");
    FileDialog::setNextFileName(csvPath);
    exportAction->trigger();
    waitForStatus(status, QStringLiteral("Exported"));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    const QList<QByteArray> header = lines.first().split(',');
    const auto idColumn = header.indexOf("resource_id");
    const auto labelColumn = header.indexOf("resource_label");
    const auto actionColumn = header.indexOf("action");
    QCOMPARE(labelColumn, idColumn + 1);
    QHash<QByteArray, QByteArray> labels; // "action resource_id" -> resource_label
    for (const QByteArray& line : lines.mid(1)) {
        const QList<QByteArray> cells = line.split(','); // the details (with commas) come after these
        labels.insert(cells.at(actionColumn) + ' ' + cells.at(idColumn), cells.at(labelColumn));
    }
    QCOMPARE(labels.value(actions::UserBanned.toUtf8() + ' ' + QByteArray::number(banned.at(0).id)),
             banned.at(0).email.toUtf8());
    QCOMPARE(labels.value(actions::OrgCreated.toUtf8() + ' ' + QByteArray::number(org->id)),
             QByteArray("Northwind Traders"));
    QTRY_VERIFY(exportAction->isEnabled());

    const QString jsonPath = c.db->tempPath() + QStringLiteral("/named.jsonl");
    FileDialog::setNextFileName(jsonPath);
    status.clear();
    exportAction->trigger();
    waitForStatus(status, QStringLiteral("Exported"));
    QFile jsonFile(jsonPath);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    bool keyFound = false;
    for (const QByteArray& line : jsonFile.readAll().trimmed().split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(QStringLiteral("action")).toString() == actions::ApiKeyCreated
            && o.value(QStringLiteral("resource_id")).toString() == QString::number(key->key.id)) {
            QCOMPARE(o.value(QStringLiteral("resource_label")).toString(), QStringLiteral("ci-deploy"));
            keyFound = true;
        }
    }
    QVERIFY(keyFound);
}

// An organization admin's refused attempt on another tenant's user is in their own log; its target
// stays "user #id" there (the name would disclose the other tenant's user), in rows and exports.
void TestGuiAudit::anotherTenantsTargetStaysUnnamed()
{
    QFETCH(bool, rest);
    Console c = Console::create();
    const User lead = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    const User stranger = c.world.makeUser(c.world.orgB.id, QStringLiteral("user"));
    QVERIFY(!c.db->store().users().ban(c.world.actorFor(lead), stranger.id, QStringLiteral("x")).ok());
    Desk desk;
    QVERIFY(desk.open(c, rest, lead));
    QVERIFY(desk.window->showPane(QStringLiteral("audit")));
    AuditPane* pane = qobject_cast<AuditPane*>(desk.window->pane(QStringLiteral("audit")));
    QTRY_VERIFY_WITH_TIMEOUT(pane->isLoaded() && settled(pane), 30000);
    int denied = -1;
    for (int row = 0; row < pane->model()->rowCount(); ++row) {
        const AuditEvent e = pane->model()->eventAt(row);
        if (e.resourceType == QLatin1String("user") && e.resourceId == QString::number(stranger.id))
            denied = row;
    }
    QVERIFY(denied >= 0);
    QCOMPARE(pane->model()->eventAt(denied).outcome, QStringLiteral("denied"));
    QCOMPARE(pane->model()->index(denied, AuditLogModel::ResourceColumn).data().toString(),
             QStringLiteral("user #%1").arg(stranger.id));

    QSignalSpy status(pane, &Pane::statusMessage);
    const QString jsonPath = c.db->tempPath() + QStringLiteral("/lead.jsonl");
    FileDialog::setNextFileName(jsonPath);
    findAction(pane, "auditExportAction")->trigger();
    waitForStatus(status, QStringLiteral("Exported"));
    QFile jsonFile(jsonPath);
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QByteArray all = jsonFile.readAll();
    QVERIFY(!all.isEmpty());
    QVERIFY(!all.contains(stranger.email.toUtf8()));
    // A super admin, who sees both tenants, reads the same event with the name.
    auto seen = c.db->store().audit().get(c.world.superActor, pane->model()->eventAt(denied).id);
    QVERIFY_RESULT(seen);
    QCOMPARE(seen->resourceLabel, stranger.email);
}

// "Open this user" and "Open this organization" in the context menu ask the main window for the
// users and organizations panes on the event's target (the pane's openRequested).
void TestGuiAudit::openThisUserAndOrganization()
{
    Console c = Console::create();
    const QList<User> banned = banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QTest::keyClicks(pane->findChild<QComboBox*>(QStringLiteral("auditActionFilter"))->lineEdit(), actions::UserBanned);
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().action == actions::UserBanned && settled(pane), 15000);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("auditTableView"));
    table->setFocus();
    table->selectRow(1); // the first ban
    QCOMPARE(pane->model()->eventAt(1).resourceId, QString::number(banned.at(0).id));

    QList<std::pair<QString, PaneRequest>> requests;
    QObject context;
    QObject::connect(pane, &Pane::openRequested, &context, [&](const QString& name, const PaneRequest& request) {
        requests.append({ name, request });
    });
    QAction* openUser = findAction(pane, "openAuditUserAction");
    QVERIFY(openUser && openUser->isEnabled());
    QCOMPARE(openUser->text(), QStringLiteral("Open &user %1").arg(banned.at(0).email));
    openUser->trigger();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().first, QStringLiteral("users"));
    QCOMPARE(requests.first().second.search, banned.at(0).email);
    QCOMPARE(requests.first().second.selectId, banned.at(0).id);
    QCOMPARE(c.window->currentPane(), c.window->pane(QStringLiteral("users")));

    QVERIFY(c.window->showPane(QStringLiteral("audit")));
    QAction* openOrganization = findAction(pane, "openAuditOrganizationAction");
    QVERIFY(openOrganization && openOrganization->isEnabled());
    QCOMPARE(openOrganization->text(), QStringLiteral("Open or&ganization %1").arg(c.world.orgA.name));
    openOrganization->trigger();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(requests.last().first, QStringLiteral("organizations"));
    QCOMPARE(requests.last().second.search, c.world.orgA.name);
    QCOMPARE(requests.last().second.selectId, c.world.orgA.id);
    QCOMPARE(c.window->currentPane(), c.window->pane(QStringLiteral("organizations")));

    // And the other way: another pane asks for the audit trail of a user (Pane::applyRequest).
    QVERIFY(c.window->showPane(QStringLiteral("audit")));
    pane->applyRequest(PaneRequest { .search = banned.at(1).email, .userId = banned.at(1).id });
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().actorEmail == banned.at(1).email
                                 && pane->currentQuery().action.isEmpty() && settled(pane),
                             15000);
}

namespace {

// Sets the default locale for one test and puts the previous one back.
struct LocaleScope
{
    QLocale previous;
    explicit LocaleScope(const QString& name) { QLocale::setDefault(QLocale(name)); }
    ~LocaleScope() { QLocale::setDefault(previous); }
};

} // namespace

void TestGuiAudit::typedDatesReadAsTheyAreShown_data()
{
    QTest::addColumn<QString>("locale");
    QTest::addColumn<QString>("typed");
    QTest::addColumn<QDateTime>("expected"); // invalid: not a date, said so
    const QDateTime evening(QDate(2026, 12, 4), QTime(22, 0));
    QTest::newRow("en_US four-digit year") << "en_US"
                                           << "12/4/2026 10:00 PM" << evening;
    QTest::newRow("en_US two-digit year") << "en_US"
                                          << "12/4/26 10:00 PM" << evening;
    QTest::newRow("en_US as shown, with the zone") << "en_US"
                                                   << "(as shown)" << evening;
    QTest::newRow("en_US in UTC") << "en_US"
                                  << "12/4/2026 10:00 PM UTC" << QDateTime(QDate(2026, 12, 4), QTime(22, 0), Qt::UTC);
    QTest::newRow("en_US date alone is midnight") << "en_US"
                                                  << "12/4/2026" << QDateTime(QDate(2026, 12, 4), QTime(0, 0));
    QTest::newRow("en_US month first") << "en_US"
                                       << "4/12/2026 10:00 PM" << QDateTime(QDate(2026, 4, 12), QTime(22, 0));
    QTest::newRow("ISO 8601") << "en_US"
                              << "2026-12-04T22:00" << evening;
    QTest::newRow("en_US month 13") << "en_US"
                                    << "13/4/2026 10:00 PM" << QDateTime();
    QTest::newRow("en_US day 32") << "en_US"
                                  << "12/32/2026" << QDateTime();
    QTest::newRow("en_US hour 25") << "en_US"
                                   << "12/4/2026 25:00" << QDateTime();
    QTest::newRow("words") << "en_US"
                           << "yesterday" << QDateTime();
    QTest::newRow("de_DE") << "de_DE"
                           << "04.12.2026 22:00" << evening;
    QTest::newRow("de_DE two-digit year") << "de_DE"
                                          << "4.12.26 22:00" << evening;
    QTest::newRow("de_DE, US order is not a date") << "de_DE"
                                                   << "12/4/2026 10:00 PM" << QDateTime();
    QTest::newRow("fr_FR day first") << "fr_FR"
                                     << "04/12/2026 22:00" << evening;
}

void TestGuiAudit::typedDatesReadAsTheyAreShown()
{
    QFETCH(QString, locale);
    QFETCH(QString, typed);
    QFETCH(QDateTime, expected);
    const LocaleScope scope(locale);
    if (typed == QLatin1String("(as shown)"))
        typed = display::dateTime(expected);
    const QDateTime parsed = display::parseDateTime(typed);
    QCOMPARE(parsed.isValid(), expected.isValid());
    if (expected.isValid())
        QCOMPARE(parsed.toUTC(), expected.toUTC());
}

void TestGuiAudit::shownDatesReadBack_data()
{
    QTest::addColumn<QString>("locale");
    for (const char* name : { "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "ja_JP" })
        QTest::newRow(name) << QString::fromLatin1(name);
}

// Whatever dateTime() writes reads back as the same minute, in every locale.
void TestGuiAudit::shownDatesReadBack()
{
    QFETCH(QString, locale);
    const LocaleScope scope(locale);
    for (const QDateTime& time :
         { QDateTime(QDate(2026, 12, 4), QTime(22, 0)), QDateTime(QDate(2027, 1, 9), QTime(3, 7)),
           QDateTime(QDate(2026, 7, 15), QTime(12, 30)), QDateTime(QDate(2031, 10, 31), QTime(0, 59)) }) {
        const QString shown = display::dateTime(time);
        QCOMPARE(display::parseDateTime(shown).toUTC(), time.toUTC());
    }
}

// In the pane: typed as the list writes it, the filter is exactly that time; a date that does not
// read is said so and the list keeps its range (never a silently wider one).
void TestGuiAudit::typedDateFiltersExactlyOrSaysWhy()
{
    const LocaleScope scope(QStringLiteral("en_US"));
    Console c = Console::create();
    banTwo(c);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    QTRY_VERIFY_WITH_TIMEOUT(settled(pane), 15000);
    auto* preset = pane->findChild<QComboBox*>(QStringLiteral("auditRangePreset"));
    auto* from = pane->findChild<QLineEdit*>(QStringLiteral("auditFromEdit"));
    auto* to = pane->findChild<QLineEdit*>(QStringLiteral("auditToEdit"));
    auto* message = pane->findChild<QLabel*>(QStringLiteral("auditFilterMessage"));
    QVERIFY(preset && from && to && message);
    auto retype = [](QLineEdit* edit, const QString& text) {
        edit->setFocus();
        QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
        QTest::keyClicks(edit, text);
        QTest::keyClick(edit, Qt::Key_Return);
    };
    preset->setCurrentIndex(AuditPane::Last7Days);
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().from.isValid() && settled(pane), 15000);

    // Typing makes the range a custom one, read exactly as typed.
    retype(from, QStringLiteral("12/4/2026 10:00 PM"));
    QCOMPARE(preset->currentIndex(), int(AuditPane::CustomRange));
    const QDateTime evening = QDateTime(QDate(2026, 12, 4), QTime(22, 0)).toUTC();
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().from == evening && settled(pane), 15000);
    QVERIFY(!pane->currentQuery().to.isValid()); // "To" empty: now, an open end
    QCOMPARE(to->placeholderText(), QStringLiteral("now"));
    QCOMPARE(from->text(), QStringLiteral("12/4/2026 10:00 PM"));
    QVERIFY(!message->isVisible());
    const int rows = pane->model()->rowCount();

    // Not a date: said so, the list keeps its range.
    retype(from, QStringLiteral("12/45/2026 10:00 PM"));
    QTRY_VERIFY(message->isVisible());
    QVERIFY2(message->text().contains(QLatin1String("is not a date")), qPrintable(message->text()));
    QVERIFY2(message->text().contains(display::dateTime(QDateTime(QDate(2026, 12, 4), QTime(22, 0)))),
             qPrintable(message->text()));
    QTest::qWait(500); // longer than the filter's pause
    QCOMPARE(pane->currentQuery().from, evening);
    QCOMPARE(pane->model()->rowCount(), rows);

    // An end before the start: said so too.
    retype(from, QStringLiteral("12/4/2026 10:00 PM"));
    retype(to, QStringLiteral("12/1/2026"));
    QTRY_VERIFY(message->isVisible() && message->text().contains(QLatin1String("before")));
    QVERIFY(!pane->currentQuery().to.isValid());

    // A real end applies; cleared, the end is "now" again.
    retype(to, QStringLiteral("12/31/2026 11:59 PM"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().to == QDateTime(QDate(2026, 12, 31), QTime(23, 59)).toUTC(), 15000);
    QVERIFY(!message->isVisible());
    to->setFocus();
    QTest::keyClick(to, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(to, Qt::Key_Delete);
    QTRY_VERIFY_WITH_TIMEOUT(!pane->currentQuery().to.isValid() && settled(pane), 15000);
}

// The presets are windows that end now, and "now" moves: a reload lists what happened since.
void TestGuiAudit::rangePresetsMoveWithNow()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<AuditPane>(QStringLiteral("audit"));
    QVERIFY(pane);
    auto* preset = pane->findChild<QComboBox*>(QStringLiteral("auditRangePreset"));
    auto* from = pane->findChild<QLineEdit*>(QStringLiteral("auditFromEdit"));
    auto* to = pane->findChild<QLineEdit*>(QStringLiteral("auditToEdit"));
    QCOMPARE(preset->count(), 6);
    const QList<std::pair<AuditPane::RangePreset, qint64>> spans { { AuditPane::LastHour, 3600 },
                                                                   { AuditPane::Last24Hours, 86400 },
                                                                   { AuditPane::Last7Days, 7 * 86400 },
                                                                   { AuditPane::Last30Days, 30 * 86400 } };
    for (const auto& [choice, seconds] : spans) {
        preset->setCurrentIndex(int(choice));
        const QDateTime expected = QDateTime::currentDateTimeUtc().addSecs(-seconds);
        QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().from.isValid()
                                     && std::abs(pane->currentQuery().from.secsTo(expected)) < 30 && settled(pane),
                                 15000);
        QVERIFY(!pane->currentQuery().to.isValid());
        QCOMPARE(from->text(), display::dateTime(pane->currentQuery().from));
        QVERIFY(to->text().isEmpty());
    }
    preset->setCurrentIndex(AuditPane::LastHour);
    QTRY_VERIFY_WITH_TIMEOUT(std::abs(pane->currentQuery().from.secsTo(QDateTime::currentDateTimeUtc().addSecs(-3600)))
                                     < 30
                                 && settled(pane),
                             15000);
    const QDateTime firstFrom = pane->currentQuery().from;
    QTest::qWait(20);
    QVERIFY_RESULT(c.db->store().users().ban(c.world.superActor, target.id, QStringLiteral("Spam")));
    pane->refresh(); // F5
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().from > firstFrom && settled(pane), 15000);
    QCOMPARE(pane->model()->eventAt(0).action, actions::UserBanned);

    preset->setCurrentIndex(AuditPane::AnyTime);
    QTRY_VERIFY_WITH_TIMEOUT(!pane->currentQuery().from.isValid() && settled(pane), 15000);
    QVERIFY(from->text().isEmpty());
}

void TestGuiAudit::filtersFitTheWindow_data()
{
    QTest::addColumn<QSize>("size");
    QTest::newRow("1024x700") << QSize(1024, 700);
    QTest::newRow("800x600") << QSize(800, 600);
    QTest::newRow("1280x800, the filters two lines") << QSize(1280, 800);
}

// At 1024×700 and 800×600 (and at 200 % in the tst_gui_audit_scale2 run): nothing clipped or
// overlapping, the dates whole, a typical address whole in the actor field.
void TestGuiAudit::filtersFitTheWindow()
{
    QFETCH(QSize, size);
    Console c = Console::create();
    banTwo(c);
    // The audit pane alone in the window: the other panes' own minimum sizes are their tests'.
    SqlBackend backend(c.db->config());
    QVERIFY_RESULT(awaitResult(backend.signIn(c.world.superAdmin.email, kStrongPassword)));
    MainWindow window(&backend);
    auto* pane = new AuditPane(&backend, &window);
    window.addPane(pane);
    window.resize(size);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(pane->isLoaded() && settled(pane), 15000);
    pane->setRangePreset(AuditPane::Last7Days);
    QTRY_VERIFY_WITH_TIMEOUT(pane->currentQuery().from.isValid() && settled(pane), 15000);
    QTRY_COMPARE(window.size(), size);
    QTest::qWait(50); // the layout settles
    checkNothingClippedOrOverlapping(pane);

    auto* from = pane->findChild<QLineEdit*>(QStringLiteral("auditFromEdit"));
    const int em = from->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    QVERIFY2(from->fontMetrics().horizontalAdvance(from->text()) + 2 * em <= from->width(), qPrintable(from->text()));
    auto* actor = pane->findChild<QLineEdit*>(QStringLiteral("auditActorFilter"));
    QVERIFY(actor->fontMetrics().horizontalAdvance(QStringLiteral("dana.schmidt@contoso.example")) + 2 * em
            <= actor->width());
    if (const QByteArray dir = qgetenv("PORTCULLIS_TEST_SHOTS"); !dir.isEmpty()) {
        QDir().mkpath(QString::fromLocal8Bit(dir));
        window.grab().save(QString::fromLocal8Bit(dir)
                           + QStringLiteral("/audit-%1x%2-scale%3.png")
                                 .arg(size.width())
                                 .arg(size.height())
                                 .arg(QString::fromLocal8Bit(qgetenv("QT_SCALE_FACTOR"))));
    }
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
             QStringLiteral("user #%1 (%2)").arg(target.id).arg(target.email));
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
    auto* to = pane->findChild<QLineEdit*>(QStringLiteral("auditToEdit"));
    QVERIFY(to);
    QTest::keyClicks(to, display::dateTime(QDateTime::currentDateTime().addDays(1)));
    QTRY_VERIFY_WITH_TIMEOUT(!follow->isChecked(), 15000);
    QVERIFY(message->text().contains(QStringLiteral("Stopped following")));
}

QTEST_MAIN(TestGuiAudit)
#include "tst_gui_audit.moc"
