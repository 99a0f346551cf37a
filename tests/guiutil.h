#pragma once

// GUI test fixture: the real main window with every pane, on a real temporary database, signed in
// as a chosen user through the real SqlBackend.

#include "mainwindow.h"
#include "pane.h"
#include "panes.h"
#include "sqlbackend.h"
#include "testutil.h"

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QWidget>

namespace portcullis::test {

// The action named `name` below `root` (a pane or the window).
inline QAction* findAction(QObject* root, const char* name)
{
    return root->findChild<QAction*>(QString::fromLatin1(name));
}

// Waits for a status message of the pane that starts with `prefix`; returns it (empty on timeout).
inline QString waitForStatus(QSignalSpy& spy, const QString& prefix, int timeoutMs = 30000)
{
    QElapsedTimer timer;
    timer.start();
    int seen = 0;
    while (timer.elapsed() < timeoutMs) {
        for (; seen < spy.count(); ++seen) {
            const QString message = spy.at(seen).at(0).toString();
            if (message.startsWith(prefix))
                return message;
        }
        spy.wait(200);
    }
    return {};
}

// Signs `backend` in as `email` (password kStrongPassword) and opens the console's window over it
// with every pane, resized to `size` when one is given; null when the sign-in fails.
inline std::unique_ptr<MainWindow> signInAndShow(Backend& backend, const QString& email, QSize size = {})
{
    auto signedIn = awaitResult(backend.signIn(email, kStrongPassword));
    if (!signedIn.ok()) {
        qWarning() << "sign-in failed:" << signedIn.error().toString();
        return nullptr;
    }
    auto window = std::make_unique<MainWindow>(&backend);
    addAllPanes(window.get(), &backend);
    if (size.isValid())
        window->resize(size);
    window->show();
    return window;
}

// The pane `name` of `window`, shown and loaded (null when there is none by that name).
template <typename P> P* showLoadedPane(MainWindow& window, const QString& name)
{
    if (!window.showPane(name))
        return nullptr;
    auto* pane = qobject_cast<P*>(window.pane(name));
    if (pane && !pane->isLoaded()) {
        QSignalSpy loaded(pane, &Pane::loaded);
        loaded.wait(15000);
    }
    return pane;
}

struct Console
{
    std::unique_ptr<TestDatabase> db;
    World world;
    std::unique_ptr<SqlBackend> backend;
    std::unique_ptr<MainWindow> window;

    // Signs in as `user` (password kStrongPassword) and shows the window.
    bool open(const User& user)
    {
        backend = std::make_unique<SqlBackend>(db->config());
        window = signInAndShow(*backend, user.email);
        return window != nullptr;
    }

    static Console create()
    {
        Console c;
        c.db = TestDatabase::create();
        c.world = World::build(c.db->store());
        return c;
    }

    // The pane, shown and loaded.
    template <typename P> P* showPane(const QString& name) { return showLoadedPane<P>(*window, name); }

    // The first top-level widget of type W that is visible (dialogs opened with open()).
    template <typename W> static W* visibleTopLevel()
    {
        for (QWidget* w : QApplication::topLevelWidgets()) {
            if (auto* typed = qobject_cast<W*>(w); typed && typed->isVisible())
                return typed;
        }
        return nullptr;
    }
};

// Types `text` into the line edit called `name` below `parent`, replacing what it held.
inline void type(QWidget* parent, const char* name, const QString& text)
{
    auto* edit = parent->findChild<QLineEdit*>(QString::fromLatin1(name));
    QVERIFY2(edit, name);
    QTRY_VERIFY2(edit->isVisible() && edit->isEnabled(), name);
    edit->clear();
    QTest::keyClicks(edit, text);
}

// Clicks the push button called `name` below `parent` once it is shown and enabled.
inline void click(QWidget* parent, const char* name)
{
    auto* button = parent->findChild<QPushButton*>(QString::fromLatin1(name));
    QVERIFY2(button, name);
    QTRY_VERIFY(button->isVisible() && button->isEnabled() && !button->rect().isEmpty());
    QTest::mouseClick(button, Qt::LeftButton);
}

} // namespace portcullis::test
