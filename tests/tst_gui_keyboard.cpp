// The console driven with the keyboard alone: every key goes to the focused widget (or the window),
// as a user without a mouse would type it. Real window, real SQLite file, real SqlBackend.

#include "auditlogmodel.h"
#include "auditpane.h"
#include "backendidle.h"
#include "displayformat.h"
#include "guiutil.h"
#include "helpdialogs.h"
#include "messagebox.h"
#include "panes.h"
#include "userdialogs.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr int kTimeout = 20000;

QWidget* focused()
{
    return QApplication::focusWidget();
}

QString focusedName()
{
    QWidget* w = focused();
    return w ? w->objectName() : QStringLiteral("(nothing)");
}

// One key to whatever has the focus (the window when nothing does), like a real keyboard.
void press(QWidget* window, QKeyCombination key)
{
    QWidget* target = focused() ? focused() : window;
    QTest::keyClick(target, key.key(), key.keyboardModifiers());
}

void type(const QString& text)
{
    QVERIFY(focused());
    QTest::keyClicks(focused(), text);
}

template <typename W> W* visibleDialog()
{
    return Console::visibleTopLevel<W>();
}

} // namespace

class TestGuiKeyboard : public QObject
{
    Q_OBJECT

private slots:
    void banAUserAndFindItInTheAuditLog();
    void banDialogKeys();
    void sectionsByShortcut();

private:
    bool activate(Console& c);
    bool windowManagerReactivates(Console& c) { return activate(c); }
};

// The offscreen platform has no window manager: nothing activates the main window at the start or
// gives the activation back to it when a dialog closes, as a desktop does. The tests do it here;
// the keys themselves always go to the focused widget.
bool TestGuiKeyboard::activate(Console& c)
{
    c.window->activateWindow();
    return QTest::qWaitForWindowActive(c.window.get());
}

void TestGuiKeyboard::banAUserAndFindItInTheAuditLog()
{
    Console c = Console::create();
    for (int i = 0; i < 5; ++i)
        c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("quentin_keys"));
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    QVERIFY(activate(c));
    QWidget* window = c.window.get();
    const QString reason = QStringLiteral("Keyboard-only ban: spam in ticket 4711");

    // Users, by its section shortcut.
    press(window, Qt::CTRL | Qt::Key_3);
    QTRY_COMPARE(c.window->currentPane()->paneName(), QStringLiteral("users"));
    auto* pane = qobject_cast<UsersPane*>(c.window->currentPane());
    QVERIFY(pane);
    QTRY_VERIFY_WITH_TIMEOUT(pane->isLoaded(), kTimeout);
    UserListModel* users = pane->model();
    QTRY_VERIFY_WITH_TIMEOUT(users->rowCount() > 1, kTimeout);

    // Find: the search field takes the focus; part of the name narrows the list to that user.
    press(window, Qt::CTRL | Qt::Key_F);
    QTRY_COMPARE(focusedName(), QStringLiteral("userSearchEdit"));
    type(QStringLiteral("quentin_k"));
    QTRY_VERIFY_WITH_TIMEOUT(users->rowCount() == 1 && users->userAt(0).id == target.id, kTimeout);

    // Tab walks the filters in the order they are laid out, then enters the list on the first row.
    press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("roleFilterCombo"));
    press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("statusFilterCombo"));
    press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("userTableView"));
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    QCOMPARE(pane->selectedUsers().first().id, target.id);

    // The context-menu key opens the row's menu; B (the mnemonic of "Ban…") opens the ban dialog.
    press(window, Qt::Key_Menu);
    QTRY_VERIFY(qobject_cast<QMenu*>(QApplication::activePopupWidget()));
    QTest::keyClick(QApplication::activePopupWidget(), Qt::Key_B); // an open menu takes the keys
    BanDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = visibleDialog<BanDialog>()));
    QTRY_COMPARE(focusedName(), QStringLiteral("banReasonEdit"));

    // The reason, then Tab out of the text and Enter: the default button bans.
    type(reason);
    press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("banExpiresCheck"));
    press(window, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(!visibleDialog<BanDialog>(), kTimeout);
    QVERIFY(windowManagerReactivates(c));
    QCOMPARE(focusedName(), QStringLiteral("userTableView")); // back where it was

    // The list shows the user as banned.
    QTRY_VERIFY_WITH_TIMEOUT(users->rowCount() == 1 && users->userAt(0).isBanned(), kTimeout);
    QCOMPARE(users->data(users->index(0, UserListModel::StatusColumn)).toString(),
             display::userStatus(QStringLiteral("banned")));
    QCOMPARE(users->userAt(0).banReason, reason);
    QVERIFY(c.db->store().core().loadUser(target.id)->isBanned());

    // The audit log, by its section shortcut; filter by action and resource id with the keyboard.
    press(window, Qt::CTRL | Qt::Key_7);
    QTRY_COMPARE(c.window->currentPane()->paneName(), QStringLiteral("audit"));
    auto* audit = qobject_cast<AuditPane*>(c.window->currentPane());
    QVERIFY(audit);
    QTRY_VERIFY_WITH_TIMEOUT(audit->isLoaded(), kTimeout);
    press(window, Qt::CTRL | Qt::Key_F);
    QTRY_COMPARE(focusedName(), QStringLiteral("auditActorFilter"));
    press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("auditActionFilter"));
    type(QStringLiteral("user.banned"));
    press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("auditResourceTypeFilter"));
    press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("auditResourceIdFilter"));
    type(QString::number(target.id));
    press(window, Qt::Key_Return);
    AuditLogModel* events = audit->model();
    QTRY_VERIFY_WITH_TIMEOUT(audit->currentQuery().action == QLatin1String("user.banned")
                                 && audit->currentQuery().resourceId == QString::number(target.id)
                                 && events->rowCount() == 1,
                             kTimeout);
    const AuditEvent& event = events->eventAt(0);
    QCOMPARE(event.action, QStringLiteral("user.banned"));
    QCOMPARE(event.resourceId, QString::number(target.id));
    QCOMPARE(event.actorId, admin.id);

    // Into the list (Tab through the rest of the filters) and read the reason in the details.
    QTableView* table = audit->findChild<QTableView*>(QStringLiteral("auditTableView"));
    for (int i = 0; i < 20 && focused() != table; ++i)
        press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("auditTableView"));
    auto* json = audit->findChild<QPlainTextEdit*>(QStringLiteral("auditDetailsJson"));
    QVERIFY(json);
    QTRY_VERIFY_WITH_TIMEOUT(json->isVisible() && json->toPlainText().contains(reason), kTimeout);
}

void TestGuiKeyboard::banDialogKeys()
{
    Console c = Console::create();
    const User target = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"), QStringLiteral("rita_keys"));
    QVERIFY(c.open(c.world.superAdmin));
    QVERIFY(activate(c));
    QWidget* window = c.window.get();
    press(window, Qt::CTRL | Qt::Key_3);
    auto* pane = qobject_cast<UsersPane*>(c.window->currentPane());
    QVERIFY(pane);
    QTRY_VERIFY_WITH_TIMEOUT(pane->isLoaded(), kTimeout);
    press(window, Qt::CTRL | Qt::Key_F);
    type(QStringLiteral("rita_k"));
    QTRY_VERIFY_WITH_TIMEOUT(pane->model()->rowCount() == 1, kTimeout);
    // Tab into the list: its first row is selected.
    for (int i = 0; i < 5 && focusedName() != QLatin1String("userTableView"); ++i)
        press(window, Qt::Key_Tab);
    QCOMPARE(focusedName(), QStringLiteral("userTableView"));
    QTRY_COMPARE(pane->selectedUsers().size(), 1);

    // Ctrl+B opens the dialog; Escape cancels it and nothing happens.
    press(window, Qt::CTRL | Qt::Key_B);
    QTRY_VERIFY(visibleDialog<BanDialog>());
    QTRY_COMPARE(focusedName(), QStringLiteral("banReasonEdit"));
    type(QStringLiteral("not this time"));
    press(window, Qt::Key_Escape);
    QTRY_VERIFY(!visibleDialog<BanDialog>());
    QVERIFY(!c.db->store().core().loadUser(target.id)->isBanned());
    QVERIFY(windowManagerReactivates(c));
    QCOMPARE(focusedName(), QStringLiteral("userTableView"));

    // Enter in an empty reason: the core's message under the field, the dialog stays.
    press(window, Qt::CTRL | Qt::Key_B);
    BanDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = visibleDialog<BanDialog>()));
    QTRY_COMPARE(focusedName(), QStringLiteral("banReasonEdit"));
    press(window, Qt::CTRL | Qt::Key_Return);
    auto* error = dialog->findChild<QLabel*>(QStringLiteral("reasonError"));
    QVERIFY(error);
    QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), kTimeout);
    QVERIFY(dialog->isVisible());
    QCOMPARE(focusedName(), QStringLiteral("banReasonEdit"));

    // Ctrl+Return from inside the reason submits (Return alone is a new line there).
    type(QStringLiteral("Abuse"));
    press(window, Qt::CTRL | Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(!visibleDialog<BanDialog>(), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(pane->model()->userAt(0).isBanned(), kTimeout);
    QCOMPARE(c.db->store().core().loadUser(target.id)->banReason, QStringLiteral("Abuse"));
}

void TestGuiKeyboard::sectionsByShortcut()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    QVERIFY(activate(c));
    QWidget* window = c.window.get();
    const QStringList names = c.window->paneNames();
    QCOMPARE(names.size(), 7);
    // --pane is checked against this list before signing in: it must name the panes there are.
    QCOMPARE(allPaneNames(), names);
    // Ctrl+1 … Ctrl+7, from wherever the focus is; the navigation list follows.
    for (int i = names.size(); i >= 1; --i) {
        press(window, QKeyCombination(Qt::ControlModifier, Qt::Key(Qt::Key_0 + i)));
        QTRY_COMPARE(c.window->currentPane()->paneName(), names.at(i - 1));
        auto* navigation = window->findChild<QListWidget*>(QStringLiteral("navigationList"));
        QVERIFY(navigation);
        QCOMPARE(navigation->currentRow(), i - 1);
    }
    // F5 reloads the current list (one binding per key: a doubly bound F5 would do nothing).
    press(window, Qt::CTRL | Qt::Key_3);
    auto* users = qobject_cast<UsersPane*>(c.window->currentPane());
    QVERIFY(users);
    QTRY_VERIFY_WITH_TIMEOUT(users->isLoaded() && users->model()->rowCount() > 0, kTimeout);
    const int before = users->model()->rowCount();
    c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    // Nothing reloads by itself: whatever the console had asked for is over, and the list is as it was.
    QVERIFY(waitUntilIdle(*c.backend));
    QVERIFY(!users->model()->isLoading());
    QCOMPARE(users->model()->rowCount(), before);
    press(window, Qt::Key_F5);
    QTRY_COMPARE_WITH_TIMEOUT(users->model()->rowCount(), before + 1, kTimeout);
    // F1 shows the keyboard shortcuts (tst_gui_daily checks the table).
    press(window, Qt::Key_F1);
    ShortcutsDialog* shortcuts = nullptr;
    QTRY_VERIFY((shortcuts = Console::visibleTopLevel<ShortcutsDialog>()));
    QVERIFY(
        !shortcuts->table()->findItems(QStringLiteral("Ctrl+F"), Qt::MatchExactly | Qt::MatchRecursive, 0).isEmpty());
    shortcuts->close();
}

QTEST_MAIN(TestGuiKeyboard)
#include "tst_gui_keyboard.moc"
