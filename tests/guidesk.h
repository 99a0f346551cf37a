#pragma once

// The console on one of the two backends, for GUI tests that run the same task through both: the
// SqlBackend on the test database, or the RestBackend against the real portcullis-server serving
// that database on loopback.

#include "guiutil.h"
#include "rest/restbackend.h"
#include "serverprocess.h"

#include <QNetworkAccessManager>

namespace portcullis::test {

struct Desk
{
    ServerProcess server;
    QNetworkAccessManager network;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<MainWindow> window;

    bool open(Console& c, bool rest, const User& user)
    {
        if (rest) {
            if (!server.start(c.db->url(), c.db->tempPath() + QStringLiteral("/jwt-secret"))) {
                qWarning() << server.output();
                return false;
            }
            backend = std::make_unique<RestBackend>(&network, server.url());
        } else {
            backend = std::make_unique<SqlBackend>(c.db->config());
        }
        if (auto signedIn = awaitResult(backend->signIn(user.email, kStrongPassword)); !signedIn.ok()) {
            qWarning() << "sign-in failed:" << signedIn.error().toString();
            return false;
        }
        window = std::make_unique<MainWindow>(backend.get());
        addAllPanes(window.get(), backend.get());
        window->resize(1200, 800);
        window->show();
        return true;
    }

    // The pane, shown and loaded (null when there is none by that name).
    template <typename P> P* showPane(const QString& name)
    {
        if (!window->showPane(name))
            return nullptr;
        auto* pane = qobject_cast<P*>(window->pane(name));
        if (pane && !pane->isLoaded()) {
            QSignalSpy loaded(pane, &Pane::loaded);
            loaded.wait(15000);
        }
        return pane;
    }
};

// The data rows of a test that runs on both backends.
inline void addBackendRows()
{
    QTest::addColumn<bool>("rest");
    QTest::newRow("SqlBackend") << false;
    QTest::newRow("RestBackend against portcullis-server") << true;
}

} // namespace portcullis::test
