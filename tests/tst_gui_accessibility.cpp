// Accessibility of the console, checked on the real widgets: every focusable control has an
// accessible name (its own, its buddy label's or its text), the Tab chain follows the layout,
// mnemonics are unique in each window and each menu, and every list's context menu opens from
// the keyboard. Failures name the widget (class, objectName, text and parents) so it can be found.

#include "apikeydialog.h"
#include "backendidle.h"
#include "connectdialog.h"
#include "firstrundialog.h"
#include "guiutil.h"
#include "impersonatedialog.h"
#include "organizationdialogs.h"
#include "preferencesdialog.h"
#include "roleeditor.h"
#include "secretdialog.h"
#include "userdialogs.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace portcullis;
using namespace portcullis::test;

namespace {

QString nameOf(const QObject* o)
{
    const QString cls = QString::fromLatin1(o->metaObject()->className());
    return o->objectName().isEmpty() ? cls : QStringLiteral("%1 \"%2\"").arg(cls, o->objectName());
}

// "QLineEdit "userSearchEdit" [text] in portcullis::UsersPane "usersPane" < QSplitter < ..."
QString describe(const QWidget* w)
{
    QString text = nameOf(w);
    QString shown;
    if (auto* b = qobject_cast<const QAbstractButton*>(w))
        shown = b->text();
    else if (auto* l = qobject_cast<const QLabel*>(w))
        shown = l->text();
    if (!shown.isEmpty())
        text += QStringLiteral(" [%1]").arg(shown.left(40));
    QStringList parents;
    for (const QWidget* p = w->parentWidget(); p && parents.size() < 4; p = p->parentWidget()) {
        parents << nameOf(p);
        if (p->isWindow())
            break;
    }
    if (!parents.isEmpty())
        text += QStringLiteral(" in ") + parents.join(QStringLiteral(" < "));
    return text;
}

QString accessibleName(QWidget* w)
{
    QAccessibleInterface* iface = QAccessible::queryAccessibleInterface(w);
    return iface ? iface->text(QAccessible::Name).trimmed() : QString();
}

// Line edits inside combo boxes and spin boxes hand their focus to them (focusProxy): the outer
// control is the one that is checked.
bool isInternal(const QWidget* w)
{
    return w->focusProxy() != nullptr;
}

// Every visible widget of `window` that can take the focus.
QList<QWidget*> focusableWidgets(QWidget* window)
{
    QList<QWidget*> result;
    const auto all = window->findChildren<QWidget*>();
    for (QWidget* w : all) {
        if (w->window() == window && w->isVisible() && w->focusPolicy() != Qt::NoFocus && !isInternal(w))
            result << w;
    }
    return result;
}

// The Tab chain of `window` as the keyboard walks it: visible, enabled, tab-focusable widgets.
QList<QWidget*> tabChain(QWidget* window)
{
    QList<QWidget*> chain;
    for (QWidget* w = window->nextInFocusChain(); w && w != window; w = w->nextInFocusChain()) {
        if (w->window() == window && w->isVisible() && w->isEnabled() && (w->focusPolicy() & Qt::TabFocus)
            && !isInternal(w))
            chain << w;
        if (chain.size() > 1000)
            break;
    }
    return chain;
}

QRect windowRect(const QWidget* w)
{
    return QRect(w->mapTo(w->window(), QPoint(0, 0)), w->size());
}

QString rectText(const QRect& r)
{
    return QStringLiteral("(%1,%2 %3×%4)").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height());
}

QStringList unnamedWidgets(QWidget* window)
{
    QStringList problems;
    for (QWidget* w : focusableWidgets(window)) {
        if (accessibleName(w).isEmpty())
            problems << QStringLiteral("no accessible name: %1").arg(describe(w));
    }
    return problems;
}

// Reading order: each Tab goes right along a row, down to a later row, or up into a column to the
// right of the one it leaves. Containment (a panel and its children) is always fine.
QStringList readingOrderProblems(QWidget* window)
{
    QStringList problems;
    const QList<QWidget*> chain = tabChain(window);
    for (int i = 1; i < chain.size(); ++i) {
        QWidget* a = chain.at(i - 1);
        QWidget* b = chain.at(i);
        const QRect ra = windowRect(a);
        const QRect rb = windowRect(b);
        if (ra.contains(rb) || rb.contains(ra))
            continue;
        const int overlap = std::min(ra.bottom(), rb.bottom()) - std::max(ra.top(), rb.top());
        const bool sameRow = overlap > std::min(ra.height(), rb.height()) / 2;
        bool ok = false;
        if (sameRow)
            ok = rb.center().x() > ra.center().x();
        else if (rb.center().y() > ra.center().y())
            ok = true;
        else
            ok = rb.left() >= ra.right() - 4;
        if (!ok)
            problems << QStringLiteral("Tab goes back in the layout: from %1 %2 to %3 %4")
                            .arg(describe(a), rectText(ra), describe(b), rectText(rb));
    }
    return problems;
}

QChar mnemonicOf(const QString& text)
{
    for (int i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) != QLatin1Char('&'))
            continue;
        if (text.at(i + 1) == QLatin1Char('&')) {
            ++i;
            continue;
        }
        return text.at(i + 1).toLower();
    }
    return {};
}

// Alt+letter must mean one thing in a window: the menu bar's titles, labels with buddies and
// buttons (check boxes included). A label with a mnemonic but no buddy shows the bare "&".
QStringList mnemonicProblems(QWidget* window)
{
    QStringList problems;
    QMultiMap<QChar, QString> owners;
    if (auto* main = qobject_cast<QMainWindow*>(window)) {
        for (QAction* a : main->menuBar()->actions()) {
            if (const QChar m = mnemonicOf(a->text()); !m.isNull())
                owners.insert(m, QStringLiteral("menu \"%1\"").arg(a->text()));
        }
    }
    const auto all = window->findChildren<QWidget*>();
    for (QWidget* w : all) {
        if (w->window() != window || !w->isVisible())
            continue;
        QString text;
        if (auto* label = qobject_cast<QLabel*>(w)) {
            if (label->textFormat() == Qt::RichText || label->text().startsWith(QLatin1Char('<')))
                continue;
            if (!mnemonicOf(label->text()).isNull() && !label->buddy()) {
                problems << QStringLiteral("label shows a bare '&' (no buddy): %1").arg(describe(w));
                continue;
            }
            if (label->buddy())
                text = label->text();
        } else if (auto* button = qobject_cast<QAbstractButton*>(w)) {
            text = button->text();
        }
        if (const QChar m = mnemonicOf(text); !m.isNull())
            owners.insert(m, describe(w));
    }
    for (const QChar key : owners.uniqueKeys()) {
        const QStringList users = owners.values(key);
        if (users.size() > 1)
            problems << QStringLiteral("Alt+%1 is used %2 times: %3")
                            .arg(key.toUpper())
                            .arg(users.size())
                            .arg(users.join(QStringLiteral("; ")));
    }
    return problems;
}

// Every entry of a menu has a mnemonic of its own.
QStringList menuProblems(QMenu* menu, const QString& where)
{
    QStringList problems;
    QMultiMap<QChar, QString> owners;
    for (QAction* a : menu->actions()) {
        if (a->isSeparator() || !a->isVisible())
            continue;
        const QChar m = mnemonicOf(a->text());
        if (m.isNull())
            problems << QStringLiteral("%1: \"%2\" has no mnemonic").arg(where, a->text());
        else
            owners.insert(m, a->text());
        if (a->menu())
            problems << menuProblems(a->menu(), where + QStringLiteral(" > ") + a->text());
    }
    for (const QChar key : owners.uniqueKeys()) {
        if (owners.values(key).size() > 1)
            problems << QStringLiteral("%1: '%2' is the mnemonic of %3")
                            .arg(where, QString(key), owners.values(key).join(QStringLiteral(", ")));
    }
    return problems;
}

QStringList windowProblems(QWidget* window, const QString& where)
{
    // PORTCULLIS_GRAB_DIR=dir keeps a picture of every window checked, e.g. to look at them with
    // QT_SCALE_FACTOR=2.
    if (const QString dir = qEnvironmentVariable("PORTCULLIS_GRAB_DIR"); !dir.isEmpty()) {
        QString file = where;
        file.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9-]+")), QStringLiteral("_"));
        // Real time, for the picture only (no assertion follows from it): as --screenshot does, so that
        // labels whose text just changed are laid out and painted again.
        QTest::qWait(250);
        window->grab().save(dir + QLatin1Char('/') + file + QStringLiteral(".png"));
    }
    QStringList problems = unnamedWidgets(window) + readingOrderProblems(window) + mnemonicProblems(window);
    for (QString& p : problems)
        p.prepend(where + QStringLiteral(": "));
    return problems;
}

// Lists every problem (QVERIFY2 would cut a long message short), then fails with the count.
#define VERIFY_NO_PROBLEMS(problems)                                                                                   \
    do {                                                                                                               \
        const QStringList _p = (problems);                                                                             \
        for (const QString& line : _p)                                                                                 \
            qWarning().noquote() << line;                                                                              \
        if (!_p.isEmpty())                                                                                             \
            QFAIL(qPrintable(QStringLiteral("%1 problem(s), listed above").arg(_p.size())));                           \
    } while (false)

// The pane's main list.
QTableView* mainTable(Pane* pane)
{
    static const QHash<QString, QString> names {
        { QStringLiteral("users"), QStringLiteral("userTableView") },
        { QStringLiteral("roles"), QStringLiteral("roleTableView") },
        { QStringLiteral("organizations"), QStringLiteral("organizationTableView") },
        { QStringLiteral("api-keys"), QStringLiteral("apiKeyTableView") },
        { QStringLiteral("sessions"), QStringLiteral("sessionTableView") },
        { QStringLiteral("audit"), QStringLiteral("auditTableView") },
    };
    const QString name = names.value(pane->paneName());
    return name.isEmpty() ? nullptr : pane->findChild<QTableView*>(name);
}

// A console with something in every list: users, an API key, an invitation, a custom role.
Console populatedConsole()
{
    Console c = Console::create();
    for (int i = 0; i < 3; ++i)
        c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    NewApiKey key;
    key.name = QStringLiteral("CI bot");
    key.userId = c.world.superAdmin.id;
    key.scopes = { QStringLiteral("admin:user:read") };
    if (!c.db->store().apiKeys().create(c.world.superActor, key))
        qWarning("could not create the API key");
    if (!c.db->store().organizations().invite(c.world.superActor, c.world.orgA.id,
                                              QStringLiteral("newcomer@example.test"), QStringLiteral("user")))
        qWarning("could not create the invitation");
    NewRole role;
    role.code = QStringLiteral("support_agent");
    role.name = QStringLiteral("Support agent");
    role.level = 20;
    role.permissions = { QStringLiteral("admin:user:read") };
    if (!c.db->store().roles().create(c.world.superActor, role))
        qWarning("could not create the role");
    return c;
}

QWidget* activePopup()
{
    return QApplication::activePopupWidget();
}

} // namespace

class TestGuiAccessibility : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void mainWindowWithEveryPane();
    void mainMenusHaveMnemonics();
    void contextMenusOpenFromTheKeyboard();
    void dialogs();
    void launcherDialogs();
    void checksCatchProblems();
};

void TestGuiAccessibility::mainWindowWithEveryPane()
{
    Console c = populatedConsole();
    QVERIFY(c.open(c.world.superAdmin));
    QVERIFY(QTest::qWaitForWindowExposed(c.window.get()));
    QStringList problems;
    const QStringList panes = c.window->paneNames();
    QCOMPARE(panes.size(), 7);
    for (const QString& name : panes) {
        Pane* pane = c.showPane<Pane>(name);
        QVERIFY2(pane && pane->isLoaded(), qPrintable(name));
        // With a row selected the details panel shows its fields and buttons.
        if (QTableView* table = mainTable(pane)) {
            QTRY_VERIFY2_WITH_TIMEOUT(table->model()->rowCount() > 0, qPrintable(name), 15000);
            table->setFocus();
            table->selectRow(0);
            QVERIFY(waitUntilIdle(*c.backend)); // details that load on selection (invitations) arrive
        }
        QVERIFY2(!focusableWidgets(c.window.get()).isEmpty(), qPrintable(name));
        problems << windowProblems(c.window.get(), QStringLiteral("main window, pane %1").arg(name));
    }
    VERIFY_NO_PROBLEMS(problems);
}

void TestGuiAccessibility::mainMenusHaveMnemonics()
{
    Console c = populatedConsole();
    QVERIFY(c.open(c.world.superAdmin));
    QStringList problems;
    QMultiMap<QKeySequence, QString> shortcuts;
    const auto menus = c.window->menuBar()->actions();
    QVERIFY(menus.size() >= 4);
    for (QAction* top : menus) {
        QVERIFY(top->menu());
        problems << menuProblems(top->menu(), top->text());
        for (QAction* a : top->menu()->actions()) {
            for (const QKeySequence& k : a->shortcuts())
                shortcuts.insert(k, a->text());
        }
    }
    // One shortcut, one action; the sections are Ctrl+1 … Ctrl+7 in navigation order.
    for (const QKeySequence& k : shortcuts.uniqueKeys()) {
        if (shortcuts.values(k).size() > 1)
            problems << QStringLiteral("%1 is the shortcut of %2")
                            .arg(k.toString(), shortcuts.values(k).join(QStringLiteral(", ")));
    }
    for (int i = 1; i <= 7; ++i) {
        const QKeySequence key(QStringLiteral("Ctrl+%1").arg(i));
        if (!shortcuts.contains(key))
            problems << QStringLiteral("no menu entry has %1").arg(key.toString());
    }
    for (const QKeySequence& key :
         { QKeySequence(QKeySequence::Find), QKeySequence(QKeySequence::New), QKeySequence(QKeySequence::Delete),
           QKeySequence(Qt::Key_F5), QKeySequence(QKeySequence::Copy), QKeySequence(QKeySequence::HelpContents) }) {
        if (!shortcuts.contains(key))
            problems << QStringLiteral("no menu entry has %1").arg(key.toString());
    }
    VERIFY_NO_PROBLEMS(problems);
}

void TestGuiAccessibility::contextMenusOpenFromTheKeyboard()
{
    Console c = populatedConsole();
    QVERIFY(c.open(c.world.superAdmin));
    QVERIFY(QTest::qWaitForWindowExposed(c.window.get()));
    c.window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(c.window.get()));
    QStringList problems;
    for (const QString& name : c.window->paneNames()) {
        Pane* pane = c.showPane<Pane>(name);
        QTableView* table = pane ? mainTable(pane) : nullptr;
        if (!table)
            continue;
        QTRY_VERIFY2_WITH_TIMEOUT(table->model()->rowCount() > 0, qPrintable(name), 15000);
        // The offscreen platform may leave no window active after a popup closed.
        c.window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(c.window.get()));
        table->setFocus();
        QTRY_VERIFY2(table->hasFocus(),
                     qPrintable(QStringLiteral("%1: the focus is on %2, the active window is %3")
                                    .arg(name,
                                         QApplication::focusWidget() ? describe(QApplication::focusWidget())
                                                                     : QStringLiteral("nothing"),
                                         QApplication::activeWindow() ? describe(QApplication::activeWindow())
                                                                      : QStringLiteral("none"))));
        QSet<QAction*> reachable;
        // The Menu key and Shift+F10 both open the menu of the current row.
        for (const QKeyCombination key : { QKeyCombination(Qt::Key_Menu), Qt::ShiftModifier | Qt::Key_F10 }) {
            table->selectRow(table->model()->rowCount() - 1);
            QSignalSpy requested(table, &QWidget::customContextMenuRequested);
            QTest::keyClick(table, key.key(), key.keyboardModifiers());
            QTRY_VERIFY2(
                activePopup(),
                qPrintable(QStringLiteral("%1: no context menu after %2").arg(name, QKeySequence(key).toString())));
            auto* menu = qobject_cast<QMenu*>(activePopup());
            QVERIFY(menu);
            // Asked for at the current row (viewport coordinates, as a right-click there), not at
            // the mouse pointer.
            QCOMPARE(requested.size(), 1);
            const QPoint at = requested.first().first().toPoint();
            QVERIFY2(table->indexAt(at).row() == table->currentIndex().row(),
                     qPrintable(QStringLiteral("%1: menu asked for at (%2,%3), the current row is %4")
                                    .arg(name)
                                    .arg(at.x())
                                    .arg(at.y())
                                    .arg(table->currentIndex().row())));
            problems << menuProblems(menu, QStringLiteral("context menu of %1").arg(name));
            for (QAction* a : menu->actions())
                reachable.insert(a);
            QTest::keyClick(menu, Qt::Key_Escape);
            QTRY_VERIFY(!activePopup());
        }
        if (name == QLatin1String("users")) {
            // The bulk menu of several users.
            table->selectAll();
            QTest::keyClick(table, Qt::Key_Menu);
            QTRY_VERIFY(activePopup());
            problems << menuProblems(qobject_cast<QMenu*>(activePopup()), QStringLiteral("bulk menu of users"));
            for (QAction* a : activePopup()->actions())
                reachable.insert(a);
            QTest::keyClick(activePopup(), Qt::Key_Escape);
            QTRY_VERIFY(!activePopup());
        }
        // Every action of the pane is in its context menu, on a button of its own or has a
        // shortcut: nothing needs the mouse.
        table->selectRow(0);
        for (QToolButton* b : pane->findChildren<QToolButton*>()) {
            if (b->defaultAction() && b->focusPolicy() != Qt::NoFocus)
                reachable.insert(b->defaultAction());
        }
        const auto actions = pane->findChildren<QAction*>(Qt::FindDirectChildrenOnly);
        QVERIFY2(actions.size() >= 3, qPrintable(name));
        for (QAction* a : actions) {
            if (!a->text().isEmpty() && !reachable.contains(a) && a->shortcut().isEmpty())
                problems << QStringLiteral("%1: \"%2\" (%3) is neither in the context menu nor on a button nor "
                                           "has a shortcut")
                                .arg(name, a->text(), a->objectName());
        }
    }
    VERIFY_NO_PROBLEMS(problems);
}

void TestGuiAccessibility::dialogs()
{
    Console c = populatedConsole();
    QVERIFY(c.open(c.world.superAdmin));
    Backend* backend = c.backend.get();
    QWidget* parent = c.window.get();
    const auto roles = awaitResult(backend->listRoles());
    QVERIFY_RESULT(roles);
    const auto organizations = awaitResult(backend->listOrganizations());
    QVERIFY_RESULT(organizations);
    QHash<Id, QString> organizationNames;
    for (const Organization& o : organizations.value())
        organizationNames.insert(o.id, o.name);
    const User member = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    const User other = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    Role custom;
    Role builtin;
    for (const Role& r : roles.value()) {
        if (r.code == QLatin1String("support_agent"))
            custom = r;
        if (r.code == QLatin1String("super_admin"))
            builtin = r;
    }
    QVERIFY(custom.id != 0 && builtin.id != 0);
    CreatedInvitation invitation;
    invitation.token = QStringLiteral("tok_example");
    invitation.invitation.email = QStringLiteral("newcomer@example.test");

    const QList<std::pair<QString, std::function<QDialog*()>>> dialogs {
        { QStringLiteral("new user"),
          [&] {
              return new UserDialog(backend, nullptr, organizations.value(), roles.value(), c.world.orgA.id, parent);
          } },
        { QStringLiteral("edit user"),
          [&] { return new UserDialog(backend, &member, organizations.value(), roles.value(), 0, parent); } },
        { QStringLiteral("ban one user"), [&] { return new BanDialog(backend, { member }, parent); } },
        { QStringLiteral("ban two users"),
          [&] {
              return new BanDialog(backend, { member, other }, parent);
          } },
        { QStringLiteral("roles of a user"),
          [&] { return new UserRolesDialog(backend, member, roles.value(), parent); } },
        { QStringLiteral("bulk action"),
          [&] {
              return new BulkActionDialog(
                  backend, QStringLiteral("Suspend users"), QStringLiteral("Suspend"), { member, other },
                  [](Backend* b, const User& u) {
                      return b->suspendUser(u.id, {}).then([](const Result<User>&) { return Status(); });
                  },
                  parent);
          } },
        { QStringLiteral("impersonate"), [&] { return new ImpersonateDialog(backend, member, parent); } },
        { QStringLiteral("set password"), [&] { return new SetPasswordDialog(backend, member, parent); } },
        { QStringLiteral("secret"),
          [&] {
              return new SecretDialog(QStringLiteral("Secret"), QStringLiteral("Keep it."), QStringLiteral("s3cr3t"),
                                      parent);
          } },
        { QStringLiteral("invitation secret"), [&] { return showInvitationSecret(invitation, c.world.orgA, parent); } },
        { QStringLiteral("new API key"),
          [&] {
              auto* d = new ApiKeyDialog(backend, parent);
              QSignalSpy resolved(d, &ApiKeyDialog::ownerResolved);
              resolved.wait(10000);
              return d;
          } },
        { QStringLiteral("new organization"), [&] { return new OrganizationDialog(backend, nullptr, parent); } },
        { QStringLiteral("edit organization"), [&] { return new OrganizationDialog(backend, &c.world.orgA, parent); } },
        { QStringLiteral("wipe out"), [&] { return new WipeOutDialog(backend, c.world.orgB, parent); } },
        { QStringLiteral("preferences"), [&] { return new PreferencesDialog(parent); } },
        { QStringLiteral("invitation"),
          [&] { return new InvitationDialog(backend, c.world.orgA, roles.value(), parent); } },
        { QStringLiteral("new role"),
          [&] {
              return new RoleEditor(backend, RoleEditor::Mode::Create, Role(), roles.value(), organizationNames,
                                    c.world.orgA.id, parent);
          } },
        { QStringLiteral("edit role"),
          [&] {
              return new RoleEditor(backend, RoleEditor::Mode::Edit, custom, roles.value(), organizationNames, 0,
                                    parent);
          } },
        { QStringLiteral("duplicate role"),
          [&] {
              return new RoleEditor(backend, RoleEditor::Mode::Duplicate, builtin, roles.value(), organizationNames,
                                    c.world.orgA.id, parent);
          } },
    };
    const QHash<QString, QStringList> expectedOrder {
        { QStringLiteral("new user"),
          { QStringLiteral("emailEdit"), QStringLiteral("usernameEdit"), QStringLiteral("fullNameEdit"),
            QStringLiteral("organizationCombo"), QStringLiteral("rolesList"), QStringLiteral("passwordEdit") } },
        { QStringLiteral("ban one user"), { QStringLiteral("banReasonEdit"), QStringLiteral("banExpiresCheck") } },
    };
    QStringList problems;
    for (const auto& [name, make] : dialogs) {
        QDialog* dialog = make();
        QVERIFY2(dialog, qPrintable(name));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        QVERIFY2(!focusableWidgets(dialog).isEmpty(), qPrintable(name));
        problems << windowProblems(dialog, QStringLiteral("dialog \"%1\"").arg(name));
        // The main forms by name: their fields top to bottom, then the dialog's buttons.
        if (expectedOrder.contains(name)) {
            const QList<QWidget*> chain = tabChain(dialog);
            const QStringList fields = expectedOrder.value(name);
            QStringList names;
            for (QWidget* w : chain)
                names << w->objectName();
            QCOMPARE(names.mid(0, fields.size()), fields);
            QVERIFY2(chain.size() > fields.size(), qPrintable(name));
            for (QWidget* w : chain.mid(fields.size()))
                QVERIFY2(qobject_cast<QDialogButtonBox*>(w->parentWidget()), qPrintable(describe(w)));
        }
        dialog->close();
    }
    VERIFY_NO_PROBLEMS(problems);
}

void TestGuiAccessibility::launcherDialogs()
{
    QTemporaryDir dir;
    QStringList problems;
    {
        ConnectDialog connect;
        connect.show();
        QVERIFY(QTest::qWaitForWindowExposed(&connect));
        // Every kind of connection shows other fields (a file, a URL, a CA file): each is checked.
        auto* kind = connect.findChild<QComboBox*>(QStringLiteral("kindCombo"));
        QVERIFY(kind && kind->count() >= 3);
        for (int i = 0; i < kind->count(); ++i) {
            kind->setCurrentIndex(i);
            QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest); // laid out again
            problems << windowProblems(&connect, QStringLiteral("connect dialog (%1)").arg(kind->itemText(i)));
        }
        // The form's order, named: a screen reader user tabs through it in this order.
        kind->setCurrentIndex(0);
        QStringList order;
        for (QWidget* w : tabChain(&connect))
            order << w->objectName();
        const QStringList expected { QStringLiteral("profileCombo"),  QStringLiteral("kindCombo"),
                                     QStringLiteral("locationEdit"),  QStringLiteral("browseButton"),
                                     QStringLiteral("userEdit"),      QStringLiteral("passwordEdit"),
                                     QStringLiteral("rememberCheck"), QStringLiteral("rememberSecretCheck") };
        QCOMPARE(order.mid(0, expected.size()), expected);
    }
    {
        FirstRunDialog wizard(dir.filePath(QStringLiteral("new.db")), QStringLiteral("root@example.test"), QString());
        wizard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&wizard));
        problems << windowProblems(&wizard, QStringLiteral("first-run dialog"));
    }
    VERIFY_NO_PROBLEMS(problems);
}

// The checks themselves find what they are meant to find.
void TestGuiAccessibility::checksCatchProblems()
{
    QWidget window;
    auto* first = new QLineEdit(&window);
    first->setObjectName(QStringLiteral("firstEdit"));
    auto* second = new QLineEdit(&window);
    second->setObjectName(QStringLiteral("secondEdit"));
    second->setAccessibleName(QStringLiteral("Second"));
    auto* a = new QPushButton(QStringLiteral("&Apply"), &window);
    auto* b = new QPushButton(QStringLiteral("&Add"), &window);
    first->setGeometry(10, 100, 100, 24); // below the second one, but first in the chain
    second->setGeometry(10, 10, 100, 24);
    a->setGeometry(10, 150, 80, 30);
    b->setGeometry(100, 150, 80, 30);
    window.resize(300, 200);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    const QStringList unnamed = unnamedWidgets(&window);
    QCOMPARE(unnamed.size(), 1);
    QVERIFY2(unnamed.first().contains(QLatin1String("firstEdit")), qPrintable(unnamed.first()));
    const QStringList order = readingOrderProblems(&window);
    QCOMPARE(order.size(), 1);
    QVERIFY2(order.first().contains(QLatin1String("firstEdit")) && order.first().contains(QLatin1String("secondEdit")),
             qPrintable(order.first()));
    const QStringList mnemonics = mnemonicProblems(&window);
    QCOMPARE(mnemonics.size(), 1);
    QVERIFY2(mnemonics.first().startsWith(QLatin1String("Alt+A is used 2 times")), qPrintable(mnemonics.first()));

    // Fixed: a buddy names the first edit, the chain follows the layout, the mnemonics differ.
    auto* label = new QLabel(QStringLiteral("&First:"), &window);
    label->setBuddy(first);
    label->setGeometry(120, 100, 60, 24);
    label->show();
    QWidget::setTabOrder(second, first);
    QWidget::setTabOrder(first, a);
    QWidget::setTabOrder(a, b);
    b->setText(QStringLiteral("A&dd"));
    QCOMPARE(accessibleName(first), QStringLiteral("First:"));
    VERIFY_NO_PROBLEMS(windowProblems(&window, QStringLiteral("fixed")));

    QMenu menu;
    menu.addAction(QStringLiteral("&Edit"));
    menu.addAction(QStringLiteral("&Export"));
    menu.addAction(QStringLiteral("Delete"));
    QCOMPARE(menuProblems(&menu, QStringLiteral("m")).size(), 2);
}

QTEST_MAIN(TestGuiAccessibility)
#include "tst_gui_accessibility.moc"
