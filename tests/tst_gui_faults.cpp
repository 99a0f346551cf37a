// The console when its deployment goes away, with real widgets: the main window in REST mode on the
// real portcullis-server over loopback. The server is killed: the next call that fails shows a
// non-modal banner naming the server, the lists keep what they showed, and the window checks by
// itself with growing pauses. The server comes back on the same port and database: the banner goes
// away without a click and the current list loads again.
//
// Also standalone mode on a private PostgreSQL that stops, and REST mode with the server's PostgreSQL
// stopped (the server answers 503: the banner says it cannot serve).
//
// PORTCULLIS_GUI_SCREENSHOT_DIR, when set, receives a screenshot of the window with the banner.

#include "auditlogmodel.h"
#include "auditpane.h"
#include "guiutil.h"
#include "language.h"
#include "mainwindow.h"
#include "panes.h"
#include "privatepostgres.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "sql/auditkey.h"
#include "sqlbackend.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QAction>
#include <QDir>
#include <QFrame>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QPushButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>

using namespace portcullis;
using namespace portcullis::test;

class TestGuiFaults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        // The English catalog holds the plural forms ("Retrying in 5 seconds").
        QVERIFY(language::apply(QStringLiteral("en"), QLocale(QLocale::English, QLocale::UnitedStates)));
    }
    void bannerWhileTheServerIsGoneAndBackByItself();
    void retryButtonChecksAtOnce();
    void standalonePostgresGoneAndBack();
    void serversDatabaseGoneAndBack();
};

void TestGuiFaults::bannerWhileTheServerIsGoneAndBackByItself()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString database = dir.filePath(QStringLiteral("deployment.db"));
    const QString secret = dir.filePath(QStringLiteral("jwt-secret"));
    QString error;
    QVERIFY2(initDeployment(database, dir.path(), &error), qPrintable(error));
    const QStringList fixedPort { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(freePort()) };
    auto server = std::make_unique<ServerProcess>();
    QVERIFY2(server->start(database, secret, fixedPort), qPrintable(server->output()));

    QNetworkAccessManager network;
    RestBackend backend(&network, server->url());
    const auto signedIn = awaitResult(backend.signIn(kRootEmail, kRootPassword));
    QVERIFY2(signedIn.ok(), qPrintable(signedIn.ok() ? QString() : signedIn.error().toString()));
    MainWindow window(&backend);
    addAllPanes(&window, &backend);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QVERIFY(window.showPane(QStringLiteral("users")));
    auto* users = qobject_cast<UsersPane*>(window.pane(QStringLiteral("users")));
    QVERIFY(users);
    QTRY_VERIFY_WITH_TIMEOUT(users->isLoaded(), 30000);
    QTRY_VERIFY(users->model()->rowCount() >= 1);
    const int usersShown = users->model()->rowCount();
    auto* banner = window.findChild<QFrame*>(QStringLiteral("connectionBanner"));
    auto* bannerText = window.findChild<QLabel*>(QStringLiteral("connectionBannerText"));
    QVERIFY(banner && bannerText);
    QVERIFY(!banner->isVisible());

    server->kill();
    // The next call fails: refreshing the audit log.
    QVERIFY(window.showPane(QStringLiteral("audit")));
    auto* audit = qobject_cast<AuditPane*>(window.pane(QStringLiteral("audit")));
    QTRY_VERIFY_WITH_TIMEOUT(audit->isLoaded(), 30000);
    window.findChild<QAction*>(QStringLiteral("refreshAction"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
    const QString host = QStringLiteral("127.0.0.1:%1").arg(server->url().port());
    QVERIFY2(bannerText->text().contains(host), qPrintable(bannerText->text()));
    QVERIFY2(bannerText->text().contains(QLatin1String("Cannot reach the server")), qPrintable(bannerText->text()));
    auto* retryText = window.findChild<QLabel*>(QStringLiteral("connectionBannerRetryText"));
    QTRY_VERIFY2(retryText->text().contains(QRegularExpression(QStringLiteral("Retrying in \\d+ seconds?\\."))),
                 qPrintable(retryText->text()));
    // Not modal: no dialog took over, and the users list still shows what it had.
    QVERIFY(!QApplication::activeModalWidget());
    QCOMPARE(users->model()->rowCount(), usersShown);
    // Refresh while away checks the connection instead of emptying the list.
    window.showPane(QStringLiteral("users"));
    QTRY_VERIFY(banner->isVisible());
    auto* retryButton = window.findChild<QPushButton*>(QStringLiteral("connectionRetryButton"));
    QVERIFY(retryButton);
    window.findChild<QAction*>(QStringLiteral("refreshAction"))->trigger();
    // The check it started is over (the retry button is enabled again when a check ends), and the
    // list kept its rows.
    QVERIFY(!retryButton->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(retryButton->isEnabled(), 15000);
    QCOMPARE(users->model()->rowCount(), usersShown);
    window.showPane(QStringLiteral("audit"));

    if (const QString shots = qEnvironmentVariable("PORTCULLIS_GUI_SCREENSHOT_DIR"); !shots.isEmpty()) {
        QTest::qWait(200); // real time, for the picture only: the banner's last paint
        QVERIFY(window.grab().save(QDir(shots).filePath(QStringLiteral("connection-banner.png")), "PNG"));
    }

    // Back on the same port and database: the banner goes by itself and the audit log loads.
    server = std::make_unique<ServerProcess>();
    QVERIFY2(server->start(database, secret, fixedPort), qPrintable(server->output()));
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(audit->model()->rowCount() >= 1, 30000);
    QVERIFY(backend.isReachable());
    QTRY_VERIFY_WITH_TIMEOUT(users->model()->rowCount() >= usersShown, 30000);
}

void TestGuiFaults::retryButtonChecksAtOnce()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString database = dir.filePath(QStringLiteral("deployment.db"));
    const QString secret = dir.filePath(QStringLiteral("jwt-secret"));
    QString error;
    QVERIFY2(initDeployment(database, dir.path(), &error), qPrintable(error));
    const QStringList fixedPort { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(freePort()) };
    auto server = std::make_unique<ServerProcess>();
    QVERIFY2(server->start(database, secret, fixedPort), qPrintable(server->output()));

    QNetworkAccessManager network;
    RestBackend backend(&network, server->url());
    QVERIFY(awaitResult(backend.signIn(kRootEmail, kRootPassword)).ok());
    MainWindow window(&backend);
    addAllPanes(&window, &backend);
    window.show();
    QVERIFY(window.showPane(QStringLiteral("users")));
    auto* users = qobject_cast<UsersPane*>(window.pane(QStringLiteral("users")));
    QTRY_VERIFY_WITH_TIMEOUT(users->isLoaded(), 30000);

    server->kill();
    window.findChild<QAction*>(QStringLiteral("refreshAction"))->trigger();
    auto* banner = window.findChild<QFrame*>(QStringLiteral("connectionBanner"));
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
    // Let the automatic checks back off past the next few seconds.
    for (int i = 0; i < 2; ++i) {
        click(&window, "connectionRetryButton");
        QTRY_VERIFY(window.findChild<QPushButton*>(QStringLiteral("connectionRetryButton"))->isEnabled());
    }
    QVERIFY(banner->isVisible());
    server = std::make_unique<ServerProcess>();
    QVERIFY2(server->start(database, secret, fixedPort), qPrintable(server->output()));
    click(&window, "connectionRetryButton");
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 5000);
}

// Standalone mode on PostgreSQL (the console's own connections): the database stops, the banner names
// it; it starts again, the banner goes and the list loads, without signing in again.
void TestGuiFaults::standalonePostgresGoneAndBack()
{
    SKIP_WITHOUT_PRIVATE_POSTGRES();
    PostgresDeployment deployment;
    QString error;
    QVERIFY2(deployment.create(&error), qPrintable(error));
    PrivatePostgres& postgres = deployment.postgres;
    auto config = DatabaseConfig::parse(postgres.url());
    QVERIFY(config.ok());

    SqlBackend backend(*config);
    QVERIFY(awaitResult(backend.open()).ok());
    const auto signedIn = awaitResult(backend.signIn(kRootEmail, kRootPassword));
    QVERIFY2(signedIn.ok(), qPrintable(signedIn.ok() ? QString() : signedIn.error().toString()));
    MainWindow window(&backend);
    addAllPanes(&window, &backend);
    window.show();
    QVERIFY(window.showPane(QStringLiteral("users")));
    auto* users = qobject_cast<UsersPane*>(window.pane(QStringLiteral("users")));
    QTRY_VERIFY_WITH_TIMEOUT(users->isLoaded(), 30000);
    QTRY_VERIFY(users->model()->rowCount() >= 1);
    auto* banner = window.findChild<QFrame*>(QStringLiteral("connectionBanner"));
    auto* bannerText = window.findChild<QLabel*>(QStringLiteral("connectionBannerText"));

    QVERIFY2(postgres.stop(QStringLiteral("fast"), &error), qPrintable(error));
    window.findChild<QAction*>(QStringLiteral("refreshAction"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
    QVERIFY2(bannerText->text().contains(QStringLiteral("127.0.0.1:%1/postgres").arg(postgres.port())),
             qPrintable(bannerText->text()));
    QVERIFY(!QApplication::activeModalWidget());

    QVERIFY2(postgres.start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(users->model()->rowCount() >= 1, 30000);
    QVERIFY(backend.isReachable());
    QVERIFY(backend.actor().userId != 0); // still signed in
}

// REST mode, the server up but its PostgreSQL stopped: the server answers 503 and the banner says the
// server cannot serve; PostgreSQL back, the server recovers by itself and so does the console.
void TestGuiFaults::serversDatabaseGoneAndBack()
{
    SKIP_WITHOUT_PRIVATE_POSTGRES();
    PostgresDeployment deployment;
    QString error;
    QVERIFY2(deployment.create(&error), qPrintable(error));
    PrivatePostgres& postgres = deployment.postgres;
    ServerProcess server;
    QVERIFY2(server.start(postgres.url(), deployment.jwtSecretFile()), qPrintable(server.output()));

    QNetworkAccessManager network;
    RestBackend backend(&network, server.url());
    QVERIFY(awaitResult(backend.signIn(kRootEmail, kRootPassword)).ok());
    MainWindow window(&backend);
    addAllPanes(&window, &backend);
    window.show();
    QVERIFY(window.showPane(QStringLiteral("users")));
    auto* users = qobject_cast<UsersPane*>(window.pane(QStringLiteral("users")));
    QTRY_VERIFY_WITH_TIMEOUT(users->isLoaded(), 30000);
    QTRY_VERIFY(users->model()->rowCount() >= 1);
    auto* banner = window.findChild<QFrame*>(QStringLiteral("connectionBanner"));
    auto* bannerText = window.findChild<QLabel*>(QStringLiteral("connectionBannerText"));

    QVERIFY2(postgres.stop(QStringLiteral("fast"), &error), qPrintable(error));
    window.findChild<QAction*>(QStringLiteral("refreshAction"))->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
    QVERIFY2(bannerText->text().contains(QLatin1String("cannot serve requests right now")),
             qPrintable(bannerText->text()));
    QVERIFY2(bannerText->text().contains(QStringLiteral("127.0.0.1:%1").arg(server.url().port())),
             qPrintable(bannerText->text()));

    QVERIFY2(postgres.start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(users->model()->rowCount() >= 1, 30000);
    QVERIFY(backend.actor().userId != 0); // still signed in
    QVERIFY(server.process()->state() == QProcess::Running);
}

QTEST_MAIN(TestGuiFaults)
#include "tst_gui_faults.moc"
