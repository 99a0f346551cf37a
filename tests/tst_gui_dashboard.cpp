// The dashboard, as support staff open it first: real widgets, real database, offscreen.

#include "dashboardpane.h"
#include "displayformat.h"
#include "guiutil.h"

#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QTest>
#include <QXYSeries>

using namespace portcullis;
using namespace portcullis::test;

class TestGuiDashboard : public QObject
{
    Q_OBJECT

private slots:
    void dashboardTilesShowTheUserTotal();
};

void TestGuiDashboard::dashboardTilesShowTheUserTotal()
{
    Console c = Console::create();
    // Four users in one tenant, two banned, one suspended; three in the other.
    QList<User> users;
    for (int i = 0; i < 4; ++i)
        users << c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(c.db->store().users().ban(c.world.superActor, users.at(1).id, QStringLiteral("Spam")));
    QVERIFY_RESULT(c.db->store().users().ban(c.world.superActor, users.at(3).id, QStringLiteral("Abuse")));
    QVERIFY_RESULT(c.db->store().users().suspend(c.world.superActor, users.at(2).id));
    for (int i = 0; i < 3; ++i)
        c.world.makeUser(c.world.orgB.id, QStringLiteral("viewer"));
    const qint64 total = countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0"));
    QCOMPARE(total, 1 + 4 + 3);
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<DashboardPane>(QStringLiteral("dashboard"));
    QVERIFY(pane);
    QVERIFY(pane->isLoaded());
    QCOMPARE(pane->tileText(QStringLiteral("usersTotal")), display::number(total));
    auto* tile = pane->findChild<QWidget*>(QStringLiteral("statTile_usersTotal"));
    QVERIFY(tile && tile->isVisible());
    QCOMPARE(tile->findChild<QLabel*>(QStringLiteral("statTileValue"))->text(), display::number(total));
    QCOMPARE(pane->tileText(QStringLiteral("usersBanned")), QStringLiteral("2"));
    QCOMPARE(pane->tileText(QStringLiteral("usersSuspended")), QStringLiteral("1"));
    QCOMPARE(pane->tileText(QStringLiteral("sessionsActive")), QStringLiteral("1")); // this console's own

    auto* view = pane->findChild<QChartView*>(QStringLiteral("dashboardChart"));
    QVERIFY(view && view->isVisible());
    const auto series = view->chart()->series();
    QCOMPARE(series.size(), 3);
    auto* signIns = qobject_cast<QXYSeries*>(series.at(0));
    QVERIFY(signIns);
    QCOMPARE(signIns->count(), DashboardPane::Days);
    QCOMPARE(signIns->at(DashboardPane::Days - 1).y(), 1.0); // today: the admin signing in

    // Scoped to one tenant: the numbers follow the tenant switcher.
    auto* switcher = c.window->findChild<QComboBox*>(QStringLiteral("tenantSwitcher"));
    QTRY_VERIFY(switcher->findData(QVariant::fromValue<qint64>(c.world.orgB.id)) >= 0);
    switcher->setCurrentIndex(switcher->findData(QVariant::fromValue<qint64>(c.world.orgB.id)));
    QTRY_COMPARE(pane->tileText(QStringLiteral("usersTotal")), QStringLiteral("3"));
}

QTEST_MAIN(TestGuiDashboard)
#include "tst_gui_dashboard.moc"
