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
        window = signInAndShow(*backend, user.email, QSize(1200, 800));
        return window != nullptr;
    }

    // The pane, shown and loaded (null when there is none by that name).
    template <typename P> P* showPane(const QString& name) { return showLoadedPane<P>(*window, name); }
};

// The data rows of a test that runs on both backends.
inline void addBackendRows()
{
    QTest::addColumn<bool>("rest");
    QTest::newRow("SqlBackend") << false;
    QTest::newRow("RestBackend against portcullis-server") << true;
}

} // namespace portcullis::test
