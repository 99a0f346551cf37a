// The list panes as a daily admin uses them (issue 16, items 3 to 6 and 11): the selection follows
// the rows that are shown, actions keep the acted-on row selected, API keys are found by name or
// pasted prefix, the tenant switcher says what it filters, the dashboard's cards open the lists
// they count. Real widgets, real database (SQLite, or PostgreSQL in the _pg variant), offscreen.

#include "apikeydialog.h"
#include "apikeylistmodel.h"
#include "apikeyspane.h"
#include "auditpane.h"
#include "dashboardpane.h"
#include "guiutil.h"
#include "language.h"
#include "organizationspane.h"
#include "rolelistmodel.h"
#include "rolespane.h"
#include "sessionspane.h"
#include "userdialogs.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QComboBox>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QTest>
#include <QToolButton>

using namespace portcullis;
using namespace portcullis::test;

namespace {

QTableView* tableOf(QWidget* pane, const char* name)
{
    return pane->findChild<QTableView*>(QString::fromLatin1(name));
}

QString labelText(QWidget* pane, const char* name)
{
    auto* label = pane->findChild<QLabel*>(QString::fromLatin1(name));
    return label ? label->text() : QStringLiteral("<no %1>").arg(QString::fromLatin1(name));
}

// Selects the rows of these users (all on the first page here).
// A label shown in the details panel `panel` says `text`.
bool panelSays(QWidget* pane, const char* panel, const QString& text)
{
    auto* details = pane->findChild<QWidget*>(QString::fromLatin1(panel));
    if (!details)
        return false;
    for (const QLabel* label : details->findChildren<QLabel*>()) {
        if (label->isVisible() && label->text().contains(text))
            return true;
    }
    return false;
}

bool selectUsers(UsersPane* pane, const QList<Id>& ids)
{
    auto* table = tableOf(pane, "userTableView");
    table->clearSelection();
    for (Id id : ids) {
        const int row = pane->model()->rowOf(id);
        if (row < 0)
            return false;
        table->selectionModel()->select(pane->model()->index(row, 0),
                                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    return true;
}

void switchTenant(Console& c, Id organizationId)
{
    auto* switcher = c.window->findChild<QComboBox*>(QStringLiteral("tenantSwitcher"));
    QVERIFY(switcher);
    QTRY_VERIFY(switcher->findData(QVariant::fromValue<qint64>(organizationId)) >= 0);
    switcher->setCurrentIndex(switcher->findData(QVariant::fromValue<qint64>(organizationId)));
}

void clickButton(QPushButton* button)
{
    QVERIFY(button);
    QTRY_VERIFY(button->isVisible() && button->isEnabled() && !button->rect().isEmpty());
    QTest::mouseClick(button, Qt::LeftButton);
}

CreatedApiKey makeKey(Console& c, const User& owner, const QString& name)
{
    NewApiKey nk;
    nk.name = name;
    nk.userId = owner.id;
    nk.scopes = { QStringLiteral("chat:create") };
    auto created = c.db->store().apiKeys().create(c.world.superActor, nk);
    if (!created.ok())
        qWarning() << "cannot create the key:" << created.error().toString();
    return created.ok() ? *created : CreatedApiKey();
}

} // namespace

class TestGuiLists : public QObject
{
    Q_OBJECT

private slots:
    // The English catalog: its plural forms ("1 user", "2 users"), as the console loads it.
    void initTestCase()
    {
        QVERIFY(language::apply(QStringLiteral("en"), QLocale(QLocale::English, QLocale::UnitedStates)));
    }

    // Item 3: the details panel describes the real selection.
    void selectionFollowsTheSearch();
    void selectionFollowsTheTenantSwitcher();
    void selectionSurvivesRefresh();
    void bannedUserStaysSelected();
    void rolesApplyKeepsTheUserSelected();
    // Item 4: New API key in a list filtered to one user.
    void newApiKeyDefaultsToTheFilteredUser();
    // Item 5: find things the way you see them.
    void apiKeyFoundByPastedPrefixAndByName();
    void oneCharacterSearchSaysWhy();
    void organizationColumnFollowsTheSwitcher();
    void roleHoldersAreListed();
    void dashboardCardsOpenTheFilteredLists();
    // Item 6: the tenant switcher says what it filters.
    void panesNameTheTenant();
    void apiKeysFollowTheSwitcher();
    void organizationsSayTheSwitcherDoesNotFilterThem();
    // Item 11: a new user hidden by the search is still selected and shown.
    void newUserHiddenBySearchIsSelected();
};

void TestGuiLists::selectionFollowsTheSearch()
{
    Console c = Console::create();
    const User a = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("anna.lists"));
    const User b = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("bert.lists"));
    const User d = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("dora.lists"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->model()->rowOf(d.id) >= 0);
    QVERIFY(selectUsers(pane, { a.id, b.id, d.id }));
    QTRY_VERIFY(panelSays(pane, "userDetailsPanel", QStringLiteral("3 users selected")));
    QCOMPARE(pane->selectedIds().size(), 3);

    // A search that lists one of the three: only that one stays selected, and the panel shows them.
    type(pane, "userSearchEdit", QStringLiteral("bert.lists"));
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QTRY_COMPARE(pane->selectedIds(), QList<Id> { b.id });
    QTRY_COMPARE(labelText(pane, "userDetailsTitle"), QStringLiteral("bert.lists"));

    // A search that lists none of them: nothing is selected, nothing claims to be.
    type(pane, "userSearchEdit", QStringLiteral("nobody-has-this"));
    QTRY_COMPARE(pane->model()->rowCount(), 0);
    QVERIFY(pane->model()->hasLoadedOnce());
    QTRY_VERIFY(pane->selectedIds().isEmpty());
    QVERIFY(!pane->findChild<QLabel*>(QStringLiteral("userDetailsTitle"))->isVisible());
    QVERIFY(!panelSays(pane, "userDetailsPanel", QStringLiteral("selected.")));
    QVERIFY(panelSays(pane, "userDetailsPanel", QStringLiteral("Select a user")));
}

void TestGuiLists::selectionFollowsTheTenantSwitcher()
{
    Console c = Console::create();
    const User inA = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const User inB = c.world.makeUser(c.world.orgB.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QTRY_VERIFY(pane->model()->rowOf(inB.id) >= 0);
    QVERIFY(selectUsers(pane, { inA.id, inB.id }));
    QCOMPARE(pane->selectedIds().size(), 2);
    switchTenant(c, c.world.orgB.id);
    QTRY_VERIFY(pane->model()->hasLoadedOnce() && pane->model()->rowOf(inA.id) < 0
                && pane->model()->rowOf(inB.id) >= 0);
    QTRY_COMPARE(pane->selectedIds(), QList<Id> { inB.id });
    QTRY_COMPARE(labelText(pane, "userDetailsTitle"), inB.fullName);
}

void TestGuiLists::selectionSurvivesRefresh()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* users = c.showPane<UsersPane>(QStringLiteral("users"));
    QTRY_VERIFY(users->model()->rowOf(target.id) >= 0);
    QVERIFY(selectUsers(users, { target.id }));
    QSignalSpy reset(users->model(), &QAbstractItemModel::modelReset);
    users->refresh();
    QVERIFY(reset.count() >= 1);
    QTRY_COMPARE(users->selectedIds(), QList<Id> { target.id });

    // The roles pane (a model that lists everything at once, behind a filter proxy) too.
    auto* roles = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(roles);
    QTRY_VERIFY(roles->model()->rowCount() > 2);
    const Role viewer = roles->model()->roleAt(roles->model()->rowCount() - 1);
    roles->selectId(viewer.id);
    QTRY_COMPARE(roles->selectedIds(), QList<Id> { viewer.id });
    roles->refresh();
    QTRY_VERIFY(roles->model()->hasLoadedOnce() && !roles->model()->isLoading());
    QTRY_COMPARE(roles->selectedIds(), QList<Id> { viewer.id });
}

void TestGuiLists::bannedUserStaysSelected()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QTRY_VERIFY(pane->model()->rowOf(target.id) >= 0);
    QVERIFY(selectUsers(pane, { target.id }));
    QAction* ban = findAction(pane, "banUserAction");
    QTRY_VERIFY(ban->isEnabled());
    ban->trigger();
    BanDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<BanDialog>()));
    QTest::keyClicks(dialog->findChild<QPlainTextEdit*>(QStringLiteral("banReasonEdit")), QStringLiteral("Spam"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("confirmBanButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<BanDialog>());
    QTRY_VERIFY(c.db->store().core().loadUser(target.id)->isBanned());
    QTRY_VERIFY(labelText(pane, "detail_status").startsWith(QLatin1String("Banned")));
    QCOMPARE(pane->selectedIds(), QList<Id> { target.id });
    // After the next reload (F5) too.
    pane->refresh();
    QTRY_VERIFY(pane->model()->hasLoadedOnce() && !pane->model()->isLoading());
    QTRY_COMPARE(pane->selectedIds(), QList<Id> { target.id });
}

void TestGuiLists::rolesApplyKeepsTheUserSelected()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    QTRY_VERIFY(pane->model()->rowOf(target.id) >= 0);
    QVERIFY(selectUsers(pane, { target.id }));
    QAction* roles = findAction(pane, "userRolesAction");
    QTRY_VERIFY(roles->isEnabled());
    roles->trigger();
    UserRolesDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserRolesDialog>()));
    auto* list = dialog->findChild<QListWidget*>(QStringLiteral("userRolesList"));
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->data(Qt::UserRole).toString() == QLatin1String("power_user"))
            list->item(i)->setCheckState(Qt::Checked);
    }
    QSignalSpy reset(pane->model(), &QAbstractItemModel::modelReset);
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("applyRolesButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<UserRolesDialog>());
    QTRY_VERIFY(reset.count() >= 1); // the list reloaded...
    QTRY_VERIFY(pane->model()->rowOf(target.id) >= 0);
    QTRY_COMPARE(pane->selectedIds(), QList<Id> { target.id }); // ...and the user is still selected
    QTRY_VERIFY(labelText(pane, "detail_roles").contains(QLatin1String("power_user")));
}

void TestGuiLists::newApiKeyDefaultsToTheFilteredUser()
{
    Console c = Console::create();
    const User owner = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QVERIFY(pane);
    // As the Users pane or the audit log asks for it: the keys of one user.
    PaneRequest request;
    request.userId = owner.id;
    pane->applyRequest(request);
    QTRY_COMPARE(pane->model()->owner(), owner.id);
    QTRY_VERIFY(labelText(pane, "apiKeyOwnerFilterStatus").contains(owner.email));
    pane->createNew();
    ApiKeyDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<ApiKeyDialog>()));
    QCOMPARE(dialog->findChild<QLineEdit*>(QStringLiteral("apiKeyOwnerEdit"))->text(), owner.email);
    QTRY_COMPARE(dialog->ownerId(), owner.id);
    dialog->reject();
    QTRY_VERIFY(!Console::visibleTopLevel<ApiKeyDialog>());

    // Without an owner filter the admin's own email is the default, as before.
    auto* clear = pane->findChild<QToolButton*>(QStringLiteral("apiKeyClearOwnerButton"));
    QVERIFY(clear && clear->isVisible());
    QTest::mouseClick(clear, Qt::LeftButton);
    QTRY_COMPARE(pane->model()->owner(), Id(0));
    QVERIFY(!clear->isVisible());
    pane->createNew();
    QTRY_VERIFY((dialog = Console::visibleTopLevel<ApiKeyDialog>()));
    QCOMPARE(dialog->findChild<QLineEdit*>(QStringLiteral("apiKeyOwnerEdit"))->text(), c.world.superAdmin.email);
    dialog->reject();
}

void TestGuiLists::apiKeyFoundByPastedPrefixAndByName()
{
    Console c = Console::create();
    const User owner = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    const CreatedApiKey deploy = makeKey(c, owner, QStringLiteral("Deploy bot"));
    const CreatedApiKey backup = makeKey(c, owner, QStringLiteral("Nightly backup"));
    QVERIFY(!deploy.secret.isEmpty() && !backup.secret.isEmpty());
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QTRY_COMPARE(pane->model()->rowCount(), 2);

    // The prefix as the list shows it (pk_live_…), pasted.
    type(pane, "apiKeySearchEdit", deploy.key.prefix);
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->keyAt(0).id, deploy.key.id);
    // The first characters of it, as in the issue ("pk_live_e0qq").
    type(pane, "apiKeySearchEdit", backup.key.prefix.left(12));
    QTRY_VERIFY(pane->model()->rowOf(backup.key.id) >= 0 && pane->model()->query().search.size() == 12);
    // The whole secret pasted finds its key.
    type(pane, "apiKeySearchEdit", backup.secret);
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->keyAt(0).id, backup.key.id);
    // A part of the name, in any case.
    type(pane, "apiKeySearchEdit", QStringLiteral("nightLY"));
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->keyAt(0).id, backup.key.id);
    // Nothing matches: the empty state says what was searched.
    type(pane, "apiKeySearchEdit", QStringLiteral("no-such-key"));
    QTRY_COMPARE(pane->model()->query().search, QStringLiteral("no-such-key"));
    QTRY_VERIFY(pane->model()->hasLoadedOnce() && pane->model()->rowCount() == 0);
    QTRY_VERIFY(labelText(pane, "apiKeysEmptyLabel").contains(QLatin1String("no-such-key")));
}

void TestGuiLists::oneCharacterSearchSaysWhy()
{
    Console c = Console::create();
    const User owner = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    makeKey(c, owner, QStringLiteral("Deploy bot"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    type(pane, "apiKeySearchEdit", QStringLiteral("p"));
    auto* message = pane->findChild<QLabel*>(QStringLiteral("apiKeyFilterMessage"));
    QVERIFY(message);
    QTRY_VERIFY(message->isVisible());
    QVERIFY2(message->text().contains(QLatin1String("at least 2 characters")), qPrintable(message->text()));
    type(pane, "apiKeySearchEdit", QStringLiteral("de"));
    QTRY_VERIFY(!message->isVisible());
    QTRY_COMPARE(pane->model()->query().search, QStringLiteral("de"));

    // The users list searches a single character (row by row), so it says nothing and finds.
    auto* users = c.showPane<UsersPane>(QStringLiteral("users"));
    type(users, "userSearchEdit", QStringLiteral("z"));
    QTRY_COMPARE(users->model()->query().search, QStringLiteral("z"));
    QTRY_VERIFY(users->model()->hasLoadedOnce() && !users->model()->isLoading());
}

void TestGuiLists::organizationColumnFollowsTheSwitcher()
{
    Console c = Console::create();
    const User inB = c.world.makeUser(c.world.orgB.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    auto* table = tableOf(pane, "userTableView");
    QVERIFY(!table->isColumnHidden(UserListModel::OrganizationColumn));
    QTRY_VERIFY(pane->model()->rowOf(inB.id) >= 0);
    const int row = pane->model()->rowOf(inB.id);
    // The name, on the first load (not "#2").
    QTRY_COMPARE(pane->model()->data(pane->model()->index(row, UserListModel::OrganizationColumn)).toString(),
                 QStringLiteral("Globex"));
    switchTenant(c, c.world.orgB.id);
    QTRY_VERIFY(table->isColumnHidden(UserListModel::OrganizationColumn));
    switchTenant(c, 0);
    QTRY_VERIFY(!table->isColumnHidden(UserListModel::OrganizationColumn));

    // An organization's admin sees one tenant only: no column.
    Console admin = Console::create();
    const User orgAdmin = admin.world.makeUser(admin.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(admin.open(orgAdmin));
    auto* theirs = admin.showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(tableOf(theirs, "userTableView")->isColumnHidden(UserListModel::OrganizationColumn));
}

void TestGuiLists::roleHoldersAreListed()
{
    Console c = Console::create();
    const User lead1 = c.world.makeUser(c.world.orgA.id, QStringLiteral("team_lead"));
    const User lead2 = c.world.makeUser(c.world.orgB.id, QStringLiteral("team_lead"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<RolesPane>(QStringLiteral("roles"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->model()->rowCount() > 0);
    Id teamLead = 0;
    for (const Role& r : pane->model()->roles()) {
        if (r.code == QLatin1String("team_lead"))
            teamLead = r.id;
    }
    QVERIFY(teamLead != 0);
    pane->selectId(teamLead);
    auto* holders = pane->findChild<QListWidget*>(QStringLiteral("roleHoldersList"));
    QVERIFY(holders);
    QTRY_COMPARE(holders->count(), 2);
    QTRY_VERIFY2(labelText(pane, "roleHoldersLabel").contains(QLatin1String("2 users")),
                 qPrintable(labelText(pane, "roleHoldersLabel")));
    QStringList emails;
    for (int i = 0; i < holders->count(); ++i)
        emails << holders->item(i)->data(Qt::UserRole + 1).toString();
    emails.sort();
    QStringList expected { lead1.email, lead2.email };
    expected.sort();
    QCOMPARE(emails, expected);

    // In one tenant: that tenant's holders only, and the line says where.
    switchTenant(c, c.world.orgB.id);
    QTRY_COMPARE(holders->count(), 1);
    QCOMPARE(holders->item(0)->data(Qt::UserRole).toLongLong(), lead2.id);
    QTRY_VERIFY2(labelText(pane, "roleHoldersLabel").contains(QLatin1String("1 user in Globex")),
                 qPrintable(labelText(pane, "roleHoldersLabel")));

    // A holder opens in the Users pane, selected.
    emit holders->itemActivated(holders->item(0));
    QTRY_COMPARE(c.window->currentPane()->paneName(), QStringLiteral("users"));
    auto* users = qobject_cast<UsersPane*>(c.window->currentPane());
    QTRY_COMPARE(users->selectedIds(), QList<Id> { lead2.id });
}

void TestGuiLists::dashboardCardsOpenTheFilteredLists()
{
    Console c = Console::create();
    const User banned = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    QVERIFY(c.db->store().users().ban(c.world.superActor, banned.id, QStringLiteral("Spam"), {}).ok());
    const User owner = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    const CreatedApiKey live = makeKey(c, owner, QStringLiteral("Live key"));
    const CreatedApiKey revoked = makeKey(c, owner, QStringLiteral("Revoked key"));
    QVERIFY(c.db->store().apiKeys().revoke(c.world.superActor, revoked.key.id).ok());
    QVERIFY(c.open(c.world.superAdmin));
    auto* dashboard = c.showPane<DashboardPane>(QStringLiteral("dashboard"));
    QVERIFY(dashboard);
    QTRY_COMPARE(dashboard->tileText(QStringLiteral("usersBanned")), QStringLiteral("1"));

    struct Card
    {
        const char* tile;
        QString pane;
        QString status;
    };
    const QList<Card> cards = {
        { "usersTotal", QStringLiteral("users"), QString() },
        { "usersActive", QStringLiteral("users"), QStringLiteral("active") },
        { "usersBanned", QStringLiteral("users"), QStringLiteral("banned") },
        { "usersSuspended", QStringLiteral("users"), QStringLiteral("suspended") },
        { "sessionsActive", QStringLiteral("sessions"), QString() },
        { "apiKeysActive", QStringLiteral("api-keys"), QStringLiteral("active") },
        { "eventsLast24h", QStringLiteral("audit"), QStringLiteral("last24h") },
    };
    for (const Card& card : cards) {
        QVERIFY(c.window->showPane(QStringLiteral("dashboard")));
        auto* tile = dashboard->findChild<QFrame*>(QStringLiteral("statTile_") + QString::fromLatin1(card.tile));
        QVERIFY2(tile, card.tile);
        QTRY_VERIFY(tile->isVisible());
        QTest::mouseClick(tile, Qt::LeftButton);
        QTRY_COMPARE(c.window->currentPane()->paneName(), card.pane);
        if (card.pane == QLatin1String("users")) {
            auto* users = qobject_cast<UsersPane*>(c.window->currentPane());
            auto* status = users->findChild<QComboBox*>(QStringLiteral("statusFilterCombo"));
            QCOMPARE(status->currentData().toString(), card.status);
            QTRY_COMPARE(users->model()->query().status, card.status);
            if (card.status == QLatin1String("banned")) {
                QTRY_VERIFY(users->model()->hasLoadedOnce() && !users->model()->isLoading());
                QTRY_COMPARE(users->model()->rowCount(), 1);
                QCOMPARE(users->model()->userAt(0).id, banned.id);
            }
        }
        if (card.pane == QLatin1String("api-keys")) {
            // Active keys only, as the card counts them: the revoked one is not listed.
            auto* keys = qobject_cast<ApiKeysPane*>(c.window->currentPane());
            QCOMPARE(keys->findChild<QComboBox*>(QStringLiteral("apiKeyStatusFilterCombo"))->currentIndex(), 1);
            QTRY_VERIFY(keys->model()->query().activeOnly && keys->model()->hasLoadedOnce()
                        && !keys->model()->isLoading());
            QTRY_COMPARE(keys->model()->rowCount(), 1);
            QCOMPARE(keys->model()->keyAt(0).id, live.key.id);
        }
        if (card.pane == QLatin1String("audit")) {
            // The last 24 hours, as the card counts them: a window that ends now.
            auto* audit = qobject_cast<AuditPane*>(c.window->currentPane());
            QCOMPARE(audit->findChild<QComboBox*>(QStringLiteral("auditRangePreset"))->currentData().toInt(),
                     24 * 3600);
            QTRY_VERIFY(audit->currentQuery().from.isValid());
            const qint64 span = audit->currentQuery().from.secsTo(QDateTime::currentDateTimeUtc());
            QVERIFY2(span >= 24 * 3600 && span < 24 * 3600 + 120, qPrintable(QString::number(span)));
            QVERIFY(!audit->currentQuery().to.isValid());
        }
    }
    // The keyboard opens a card too.
    QVERIFY(c.window->showPane(QStringLiteral("dashboard")));
    auto* banCard = dashboard->findChild<QFrame*>(QStringLiteral("statTile_usersBanned"));
    banCard->setFocus();
    QTest::keyClick(banCard, Qt::Key_Return);
    QTRY_COMPARE(c.window->currentPane()->paneName(), QStringLiteral("users"));
}

void TestGuiLists::panesNameTheTenant()
{
    Console c = Console::create();
    c.world.makeUser(c.world.orgB.id, QStringLiteral("user"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* users = c.showPane<UsersPane>(QStringLiteral("users"));
    QTRY_VERIFY(users->isLoaded());
    QVERIFY(!labelText(users, "userCountLabel").contains(QLatin1String(" in ")));
    switchTenant(c, c.world.orgB.id);
    QTRY_COMPARE(labelText(users, "userCountLabel"), QStringLiteral("1 user in Globex"));
    type(users, "userSearchEdit", QStringLiteral("nobody-has-this"));
    QTRY_VERIFY(users->model()->hasLoadedOnce() && users->model()->rowCount() == 0
                && users->model()->query().search == QLatin1String("nobody-has-this"));
    QTRY_VERIFY2(labelText(users, "usersEmptyLabel").contains(QLatin1String("No user in Globex")),
                 qPrintable(labelText(users, "usersEmptyLabel")));

    auto* keys = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QTRY_VERIFY(keys->model()->hasLoadedOnce());
    QTRY_COMPARE(labelText(keys, "apiKeyCountLabel"), QStringLiteral("0 keys in Globex"));
    QTRY_VERIFY(labelText(keys, "apiKeysEmptyLabel").contains(QLatin1String("No API keys in Globex")));

    auto* sessions = c.showPane<SessionsPane>(QStringLiteral("sessions"));
    QTRY_VERIFY(sessions->isLoaded());
    // The super admin's own session is in Acme Corp: none in Globex.
    QTRY_VERIFY2(labelText(sessions, "sessionCountLabel").endsWith(QLatin1String(" in Globex")),
                 qPrintable(labelText(sessions, "sessionCountLabel")));
    QTRY_VERIFY2(labelText(sessions, "sessionsEmptyLabel").contains(QLatin1String("Globex")),
                 qPrintable(labelText(sessions, "sessionsEmptyLabel")));

    auto* roles = c.showPane<RolesPane>(QStringLiteral("roles"));
    QTRY_VERIFY2(labelText(roles, "roleCountLabel").endsWith(QLatin1String(" in Globex")),
                 qPrintable(labelText(roles, "roleCountLabel")));
}

void TestGuiLists::apiKeysFollowTheSwitcher()
{
    Console c = Console::create();
    const User inA = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    const User inB = c.world.makeUser(c.world.orgB.id, QStringLiteral("admin"));
    const CreatedApiKey keyA = makeKey(c, inA, QStringLiteral("Contoso key"));
    const CreatedApiKey keyB = makeKey(c, inB, QStringLiteral("Fabrikam key"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<ApiKeysPane>(QStringLiteral("api-keys"));
    QTRY_COMPARE(pane->model()->rowCount(), 2);
    switchTenant(c, c.world.orgB.id);
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->keyAt(0).id, keyB.key.id);
    QTRY_COMPARE(labelText(pane, "apiKeyCountLabel"), QStringLiteral("1 key in Globex"));
    switchTenant(c, c.world.orgA.id);
    QTRY_VERIFY(pane->model()->rowCount() == 1 && pane->model()->keyAt(0).id == keyA.key.id);
}

void TestGuiLists::organizationsSayTheSwitcherDoesNotFilterThem()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<OrganizationsPane>(QStringLiteral("organizations"));
    QVERIFY(pane);
    auto* message = pane->findChild<QLabel*>(QStringLiteral("organizationFilterMessage"));
    QVERIFY(message && !message->isVisible());
    switchTenant(c, c.world.orgB.id);
    QTRY_VERIFY(message->isVisible());
    QTRY_VERIFY2(message->text().contains(QLatin1String("does not filter"))
                     && message->text().contains(QLatin1String("Globex")),
                 qPrintable(message->text()));
    QTRY_COMPARE(pane->selectedIds(), QList<Id> { c.world.orgB.id });
}

void TestGuiLists::newUserHiddenBySearchIsSelected()
{
    Console c = Console::create();
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("someone.else"));
    QVERIFY(c.open(c.world.superAdmin));
    auto* pane = c.showPane<UsersPane>(QStringLiteral("users"));
    type(pane, "userSearchEdit", QStringLiteral("someone.else"));
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    pane->createNew();
    UserDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserDialog>()));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("emailEdit")),
                     QStringLiteral("fresh.hire@example.test"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("usernameEdit")), QStringLiteral("freshhire"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("fullNameEdit")), QStringLiteral("Fresh Hire"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("passwordEdit")), kStrongPassword);
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    QTRY_VERIFY(!Console::visibleTopLevel<UserDialog>());
    // Listed (first) and selected although the search "someone.else" does not match it.
    QTRY_VERIFY(pane->model()->pinnedUserId() != 0);
    const Id created = pane->model()->pinnedUserId();
    QTRY_VERIFY(pane->model()->rowOf(created) == 0 && pane->model()->rowCount() == 2);
    QTRY_COMPARE(pane->selectedIds(), QList<Id> { created });
    QTRY_COMPARE(labelText(pane, "userDetailsTitle"), QStringLiteral("Fresh Hire"));
    // The next search forgets it.
    type(pane, "userSearchEdit", QStringLiteral("someone"));
    QTRY_VERIFY(pane->model()->query().search == QLatin1String("someone") && pane->model()->hasLoadedOnce()
                && !pane->model()->isLoading());
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->rowOf(created), -1);
}

QTEST_MAIN(TestGuiLists)
#include "tst_gui_lists.moc"
