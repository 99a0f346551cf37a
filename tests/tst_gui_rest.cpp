// The console in REST mode as a user meets it: the connection dialog pointed at a real
// portcullis-server over TLS with a self-signed certificate. Without the CA the connection is refused
// with the reason; with the CA file given in the dialog, the console signs in, the Users pane lists the
// deployment's users and the Audit pane shows the sign-in with the address it came from.

#include "auditlogmodel.h"
#include "auditpane.h"
#include "connectdialog.h"
#include "guiutil.h"
#include "launcher.h"
#include "mainwindow.h"
#include "serverprocess.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>

using namespace portcullis;
using namespace portcullis::test;

namespace {

bool paneLoaded(Pane* pane)
{
    if (pane->isLoaded())
        return true;
    QSignalSpy loaded(pane, &Pane::loaded);
    return loaded.wait(30000);
}

} // namespace

class TestGuiRest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().remove(QStringLiteral("profiles")); // no connection remembered by an earlier run
        if (!QSslSocket::supportsSsl())
            QSKIP("Qt has no TLS backend here");
    }
    void signsInOverTlsWithTheCaFileOfTheConnection();
};

void TestGuiRest::signsInOverTlsWithTheCaFileOfTheConnection()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString database = dir.filePath(QStringLiteral("deployment.db"));
    const QString certificate = dir.filePath(QStringLiteral("cert.pem"));
    const QString key = dir.filePath(QStringLiteral("key.pem"));
    QString error;
    QVERIFY2(initDeployment(database, dir.path(), &error), qPrintable(error));
    QVERIFY2(makeSelfSignedCertificate(certificate, key, &error), qPrintable(error));
    ServerProcess server;
    QVERIFY2(server.start(database, dir.filePath(QStringLiteral("jwt-secret")),
                          { QStringLiteral("--tls-cert"), certificate, QStringLiteral("--tls-key"), key }),
             qPrintable(server.output()));
    QCOMPARE(server.url().scheme(), QStringLiteral("https"));

    Launcher launcher(LaunchOptions {});
    launcher.start();
    ConnectDialog* connect = nullptr;
    QTRY_VERIFY((connect = Console::visibleTopLevel<ConnectDialog>()));
    auto* kind = connect->findChild<QComboBox*>(QStringLiteral("kindCombo"));
    auto* caFile = connect->findChild<QLineEdit*>(QStringLiteral("caFileEdit"));
    QVERIFY(caFile);
    // The CA field belongs to REST connections only.
    kind->setCurrentIndex(kind->findData(QStringLiteral("sqlite")));
    QVERIFY(!caFile->isVisible());
    kind->setCurrentIndex(kind->findData(QStringLiteral("rest")));
    QTRY_VERIFY(caFile->isVisible());

    type(connect, "locationEdit", server.url().toString());
    type(connect, "userEdit", kRootEmail);
    type(connect, "passwordEdit", kRootPassword);
    click(connect, "connectButton");
    auto* message = connect->findChild<QLabel*>(QStringLiteral("connectMessage"));
    QTRY_VERIFY2_WITH_TIMEOUT(message->text().contains(QLatin1String("certificate is not trusted")),
                              qPrintable(message->text()), 30000);
    QVERIFY(!launcher.mainWindow());

    // A CA file that cannot be read is refused in the dialog, with the reason.
    type(connect, "caFileEdit", dir.filePath(QStringLiteral("missing.pem")));
    type(connect, "passwordEdit", kRootPassword);
    click(connect, "connectButton");
    QTRY_VERIFY2_WITH_TIMEOUT(message->text().contains(QLatin1String("missing.pem")), qPrintable(message->text()),
                              30000);
    QCOMPARE(Console::visibleTopLevel<ConnectDialog>(), connect);

    type(connect, "caFileEdit", certificate);
    type(connect, "passwordEdit", kRootPassword);
    click(connect, "connectButton");
    // The dialog (and its message) may be gone before the main window is there: read it guarded.
    const QPointer<QLabel> lastMessage = message;
    QTRY_VERIFY2_WITH_TIMEOUT(launcher.mainWindow(), qPrintable(lastMessage ? lastMessage->text() : QString()), 30000);
    MainWindow* window = launcher.mainWindow();

    QVERIFY(window->showPane(QStringLiteral("users")));
    auto* users = qobject_cast<UsersPane*>(window->pane(QStringLiteral("users")));
    QVERIFY(users && paneLoaded(users));
    QTRY_VERIFY(users->model()->rowCount() >= 1);
    QStringList emails;
    for (int row = 0; row < users->model()->rowCount(); ++row)
        emails << users->model()->index(row, UserListModel::EmailColumn).data().toString();
    QVERIFY2(emails.contains(kRootEmail), qPrintable(emails.join(u' ')));

    QVERIFY(window->showPane(QStringLiteral("audit")));
    auto* audit = qobject_cast<AuditPane*>(window->pane(QStringLiteral("audit")));
    QVERIFY(audit && paneLoaded(audit));
    QTRY_VERIFY(audit->model()->rowCount() >= 1);
    bool signInFromLoopback = false;
    for (int row = 0; row < audit->model()->rowCount(); ++row) {
        const auto cell = [&](int column) { return audit->model()->index(row, column).data().toString(); };
        if (cell(AuditLogModel::ActionColumn) == QLatin1String("user.login")
            && cell(AuditLogModel::IpColumn) == QLatin1String("127.0.0.1"))
            signInFromLoopback = true;
    }
    QVERIFY(signInFromLoopback);

    // The connection is remembered with its CA file (a path, not a secret).
    const QList<ConnectionProfile> profiles = ConnectDialog::savedProfiles();
    QVERIFY(!profiles.isEmpty());
    QCOMPARE(profiles.first().kind, QStringLiteral("rest"));
    QCOMPARE(profiles.first().caFile, certificate);
}

QTEST_MAIN(TestGuiRest)
#include "tst_gui_rest.moc"
