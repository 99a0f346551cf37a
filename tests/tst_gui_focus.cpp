// Focus under a real window manager: run by tests/focus_wm.sh on Xvfb with openbox and the xcb
// platform (never offscreen, where nothing activates windows). The console opens each main dialog,
// closes it with Escape, with Cancel and (where that is safe) with OK, and then, without a click
// and without the test activating anything, the window manager has given the activation back to
// the main window, Ctrl+F focuses the pane's search and Ctrl+1…7 switch the sections. The keys go
// through the window system's path (QTest on the active QWindow): shortcuts, focus, as typed.

#include "apikeydialog.h"
#include "guiutil.h"
#include "organizationdialogs.h"
#include "preferencesdialog.h"
#include "roleeditor.h"
#include "secretdialog.h"
#include "userdialogs.h"

#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QItemSelectionModel>
#include <QPointer>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <QWindow>

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr int kTimeout = 20000;

QString describe(const QWidget* w)
{
    if (!w)
        return QStringLiteral("(nothing)");
    return QString::fromLatin1(w->metaObject()->className()) + QLatin1Char(' ') + w->objectName();
}

bool isInside(const QWidget* w, const QWidget* ancestor)
{
    for (; w; w = w->parentWidget()) {
        if (w == ancestor)
            return true;
    }
    return false;
}

// A key as the window system delivers it: to the active window, which routes it to shortcuts and
// to its focus widget.
void pressInActiveWindow(QKeyCombination key)
{
    QWidget* active = QApplication::activeWindow();
    QVERIFY2(active && active->windowHandle(), "no active window to type into");
    QTest::keyClick(active->windowHandle(), key.key(), key.keyboardModifiers());
}

} // namespace

class TestGuiFocus : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void keysWorkAfterADialogCloses_data();
    void keysWorkAfterADialogCloses();

private:
    QDialog* openDialog(const QString& name, QString* pane);
    void closeDialog(QDialog* dialog, const QString& how);
    void checkKeys(const QString& pane);

    Console m_console;
    QPointer<QWidget> m_focusBefore; // the focus widget when the dialog's key was pressed
    int m_invitations = 0;
};

void TestGuiFocus::initTestCase()
{
    QVERIFY2(QGuiApplication::platformName() == QLatin1String("xcb"),
             "this suite needs a real X display with a window manager: run it through tests/focus_wm.sh "
             "(ctest -R tst_gui_focus_wm)");
    QStandardPaths::setTestModeEnabled(true);
    m_console = Console::create();
    for (int i = 0; i < 3; ++i)
        m_console.world.makeUser(m_console.world.orgA.id, QStringLiteral("user"));
    QVERIFY(m_console.open(m_console.world.superAdmin));
    // The window manager activates a new window by itself (openbox: focusNew); the test never calls
    // activateWindow().
    QVERIFY2(QTest::qWaitForWindowActive(m_console.window.get(), kTimeout),
             "the window manager did not activate the main window");
}

void TestGuiFocus::cleanupTestCase()
{
    m_console.window.reset();
}

void TestGuiFocus::keysWorkAfterADialogCloses_data()
{
    QTest::addColumn<QString>("dialog");
    QTest::addColumn<QString>("how");
    for (const char* dialog : { "new-user", "invite", "role-editor", "api-key", "preferences" }) {
        for (const char* how : { "Escape", "Cancel" })
            QTest::addRow("%s, %s", dialog, how) << QString::fromLatin1(dialog) << QString::fromLatin1(how);
    }
    QTest::addRow("preferences, OK") << QStringLiteral("preferences") << QStringLiteral("OK");
    // OK on an invitation opens a second dialog (the token, shown once), closed with Escape.
    QTest::addRow("invite, OK") << QStringLiteral("invite") << QStringLiteral("OK");
}

void TestGuiFocus::keysWorkAfterADialogCloses()
{
    QFETCH(QString, dialog);
    QFETCH(QString, how);
    MainWindow* window = m_console.window.get();
    QString pane;
    QDialog* d = openDialog(dialog, &pane);
    QVERIFY2(d, qPrintable(dialog));
    QVERIFY2(m_focusBefore && isInside(m_focusBefore, window), "the main window had no focus widget before the dialog");
    // The dialog is the active window (the window manager activated it) and holds the focus.
    QTRY_VERIFY_WITH_TIMEOUT(QApplication::activeWindow() == d, kTimeout);
    QTRY_VERIFY(isInside(QApplication::focusWidget(), d));
    if (dialog == QLatin1String("invite") && how == QLatin1String("OK")) {
        // The email field has the focus; the rest keeps its defaults.
        QCOMPARE(QApplication::focusWidget()->objectName(), QStringLiteral("invitationEmailEdit"));
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("focus.check%1@example.com").arg(++m_invitations));
    }
    closeDialog(d, how);
    if (QTest::currentTestFailed())
        return;
    if (dialog == QLatin1String("invite") && how == QLatin1String("OK")) {
        SecretDialog* secret = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((secret = Console::visibleTopLevel<SecretDialog>()), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(QApplication::activeWindow() == secret, kTimeout);
        pressInActiveWindow(QKeyCombination(Qt::Key_Escape));
    }
    QTRY_VERIFY_WITH_TIMEOUT(!Console::visibleTopLevel<QDialog>(), kTimeout);
    // No click, no activateWindow(): the window manager gives the activation back.
    QTRY_VERIFY2_WITH_TIMEOUT(
        QApplication::activeWindow() == window,
        qPrintable(QStringLiteral("the active window is %1").arg(describe(QApplication::activeWindow()))), kTimeout);
    // The focus is back where it was when the dialog opened.
    QTRY_VERIFY2(QApplication::focusWidget() == m_focusBefore,
                 qPrintable(QStringLiteral("the focus is on %1, not back on %2")
                                .arg(describe(QApplication::focusWidget()), describe(m_focusBefore))));
    checkKeys(pane);
}

// Ctrl+F focuses the pane's search; Ctrl+1…7 go to each section and back.
void TestGuiFocus::checkKeys(const QString& pane)
{
    MainWindow* window = m_console.window.get();
    QCOMPARE(window->currentPane()->paneName(), pane);
    pressInActiveWindow(Qt::CTRL | Qt::Key_F);
    QTRY_VERIFY2(
        qobject_cast<QLineEdit*>(QApplication::focusWidget())
            && isInside(QApplication::focusWidget(), window->currentPane()),
        qPrintable(QStringLiteral("Ctrl+F in %1 focused %2").arg(pane, describe(QApplication::focusWidget()))));
    const QStringList names = window->paneNames();
    for (int i = 0; i < names.size() && i < 7; ++i) {
        pressInActiveWindow(QKeyCombination(Qt::ControlModifier, Qt::Key(Qt::Key_1 + i)));
        QTRY_COMPARE(window->currentPane()->paneName(), names.at(i));
    }
    const int back = int(names.indexOf(pane));
    pressInActiveWindow(QKeyCombination(Qt::ControlModifier, Qt::Key(Qt::Key_1 + back)));
    QTRY_COMPARE(window->currentPane()->paneName(), pane);
    QTRY_VERIFY_WITH_TIMEOUT(window->currentPane()->isLoaded(), kTimeout);
}

QDialog* TestGuiFocus::openDialog(const QString& name, QString* pane)
{
    MainWindow* window = m_console.window.get();
    auto goTo = [&](const QString& paneName) {
        *pane = paneName;
        // Ctrl+1…7 as the user would; the key works only when the window is active.
        pressInActiveWindow(
            QKeyCombination(Qt::ControlModifier, Qt::Key(Qt::Key_1 + window->paneNames().indexOf(paneName))));
        for (int i = 0;
             i < 200 && !(window->currentPane()->paneName() == paneName && window->currentPane()->isLoaded()); ++i)
            QTest::qWait(50);
        return window->currentPane()->paneName() == paneName ? window->currentPane() : nullptr;
    };
    auto waitFor = [](auto* typed) -> QDialog* {
        using T = std::remove_pointer_t<decltype(typed)>;
        for (int i = 0; i < 300; ++i) {
            if (T* found = Console::visibleTopLevel<T>())
                return found;
            QTest::qWait(50);
        }
        return nullptr;
    };
    if (name == QLatin1String("new-user")) {
        if (!goTo(QStringLiteral("users")))
            return nullptr;
        m_focusBefore = QApplication::focusWidget();
        pressInActiveWindow(Qt::CTRL | Qt::Key_N);
        return waitFor(static_cast<UserDialog*>(nullptr));
    }
    if (name == QLatin1String("invite")) {
        Pane* p = goTo(QStringLiteral("organizations"));
        auto* table = p ? p->findChild<QTableView*>() : nullptr;
        if (!table || table->model()->rowCount() == 0)
            return nullptr;
        // Into the list with the keyboard: its first row is selected; Ctrl+I invites into it.
        table->setFocus(Qt::TabFocusReason);
        table->selectionModel()->setCurrentIndex(table->model()->index(0, 0),
                                                 QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QAction* invite = findAction(p, "inviteAction");
        for (int i = 0; invite && i < 200 && !invite->isEnabled(); ++i)
            QTest::qWait(50);
        m_focusBefore = QApplication::focusWidget();
        pressInActiveWindow(Qt::CTRL | Qt::Key_I);
        return waitFor(static_cast<InvitationDialog*>(nullptr));
    }
    if (name == QLatin1String("role-editor")) {
        if (!goTo(QStringLiteral("roles")))
            return nullptr;
        m_focusBefore = QApplication::focusWidget();
        pressInActiveWindow(Qt::CTRL | Qt::Key_N);
        return waitFor(static_cast<RoleEditor*>(nullptr));
    }
    if (name == QLatin1String("api-key")) {
        if (!goTo(QStringLiteral("api-keys")))
            return nullptr;
        m_focusBefore = QApplication::focusWidget();
        pressInActiveWindow(Qt::CTRL | Qt::Key_N);
        return waitFor(static_cast<ApiKeyDialog*>(nullptr));
    }
    if (name == QLatin1String("preferences")) {
        if (!goTo(QStringLiteral("users")))
            return nullptr;
        QAction* preferences = findAction(window, "preferencesAction");
        if (!preferences)
            return nullptr;
        m_focusBefore = QApplication::focusWidget();
        if (preferences->shortcut().isEmpty())
            preferences->trigger(); // no Preferences key on this platform: the menu entry
        else
            pressInActiveWindow(preferences->shortcut()[0]);
        return waitFor(static_cast<PreferencesDialog*>(nullptr));
    }
    return nullptr;
}

void TestGuiFocus::closeDialog(QDialog* dialog, const QString& how)
{
    if (how == QLatin1String("Escape")) {
        pressInActiveWindow(QKeyCombination(Qt::Key_Escape));
        return;
    }
    auto* buttons = dialog->findChild<QDialogButtonBox*>();
    QVERIFY(buttons);
    // OK: the dialog's accepting button, whatever it says ("Invite", "OK").
    QPushButton* button = nullptr;
    for (QAbstractButton* b : buttons->buttons()) {
        const QDialogButtonBox::ButtonRole role = buttons->buttonRole(b);
        if (role == (how == QLatin1String("OK") ? QDialogButtonBox::AcceptRole : QDialogButtonBox::RejectRole))
            button = qobject_cast<QPushButton*>(b);
    }
    QVERIFY2(button, qPrintable(how));
    QTest::mouseClick(button, Qt::LeftButton);
}

QTEST_MAIN(TestGuiFocus)
#include "tst_gui_focus.moc"
