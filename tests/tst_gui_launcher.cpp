// Start-up as a user meets it: the connection dialog, the first-run wizard on a new SQLite file,
// refused sign-ins with the core's message, and --screenshot's unattended path.

#include "backendidle.h"
#include "connectdialog.h"
#include "credentials/secretstore.h"
#include "firstrundialog.h"
#include "guiutil.h"
#include "launcher.h"
#include "pane.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>

using namespace portcullis;
using namespace portcullis::test;

class TestGuiLauncher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void firstRunCreatesTheDatabaseAndSignsIn();
    void refusedSignInShowsTheReason();
    void screenshotWritesAPng();
    void dialogScreenshotSavesTheDialog();
    void rememberedProfileHoldsNoPassword();
    void rememberedPasswordComesBackAndCanBeForgotten();
    void withoutADisplayTheConsoleSaysWhatToDo();
    void aMissingCaFileIsNamedAsMissing();
    void bannedElsewhereReturnsToSignIn();
    void windowOpenedOnAPaneLoadsOnlyThatPane();
};

void TestGuiLauncher::firstRunCreatesTheDatabaseAndSignsIn()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("new.db"));
    Launcher launcher(LaunchOptions {});
    launcher.start();
    ConnectDialog* connect = nullptr;
    QTRY_VERIFY((connect = Console::visibleTopLevel<ConnectDialog>()));
    auto* kind = connect->findChild<QComboBox*>(QStringLiteral("kindCombo"));
    kind->setCurrentIndex(kind->findData(QStringLiteral("sqlite")));
    type(connect, "locationEdit", path);
    type(connect, "userEdit", QStringLiteral("founder@example.test"));
    type(connect, "passwordEdit", kStrongPassword);
    click(connect, "connectButton");
    FirstRunDialog* wizard = nullptr;
    QTRY_VERIFY((wizard = Console::visibleTopLevel<FirstRunDialog>()));
    auto* create = wizard->findChild<QPushButton*>(QStringLiteral("createDatabaseButton"));
    QVERIFY(!create->isEnabled()); // the password is not repeated yet
    QVERIFY(
        wizard->findChild<QLabel*>(QStringLiteral("passwordPolicyLabel"))->text().contains(QLatin1String("differ")));
    type(wizard, "organizationEdit", QStringLiteral("Founders Inc"));
    type(wizard, "confirmPasswordEdit", kStrongPassword);
    click(wizard, "createDatabaseButton");
    QTRY_VERIFY_WITH_TIMEOUT(launcher.mainWindow() && launcher.mainWindow()->isVisible(), 15000);
    QVERIFY(QFile::exists(path));
    // Password hashes inside: nobody but the owner reads the new file.
    QCOMPARE(QFileInfo(path).permissions()
                 & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
             QFile::Permissions());
    QCOMPARE(launcher.backend()->actor().email, QStringLiteral("founder@example.test"));
    QVERIFY(launcher.backend()->actor().isSuperAdmin());
    auto orgs = awaitResult(launcher.backend()->listOrganizations());
    QVERIFY_RESULT(orgs);
    QCOMPARE(orgs->size(), 1);
    QCOMPARE(orgs->first().name, QStringLiteral("Founders Inc"));
    // The profile is remembered, without the password.
    const auto profiles = ConnectDialog::savedProfiles();
    QVERIFY(!profiles.isEmpty());
    QCOMPARE(profiles.first().location, path);
    QCOMPARE(profiles.first().user, QStringLiteral("founder@example.test"));
}

void TestGuiLauncher::refusedSignInShowsTheReason()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User admin = world.makeUser(world.orgA.id, QStringLiteral("admin"));
    QVERIFY_RESULT(db->store().users().ban(world.superActor, admin.id, QStringLiteral("Left the company")));
    Launcher launcher(LaunchOptions {});
    launcher.start();
    ConnectDialog* connect = nullptr;
    QTRY_VERIFY((connect = Console::visibleTopLevel<ConnectDialog>()));
    auto* kind = connect->findChild<QComboBox*>(QStringLiteral("kindCombo"));
    kind->setCurrentIndex(kind->findData(QStringLiteral("sqlite")));
    type(connect, "locationEdit", db->sqlitePath());
    type(connect, "userEdit", world.superAdmin.email);
    type(connect, "passwordEdit", QStringLiteral("Not-The-Password-1"));
    click(connect, "connectButton");
    auto* message = connect->findChild<QLabel*>(QStringLiteral("connectMessage"));
    QTRY_COMPARE(message->text(), QStringLiteral("Wrong email or password"));
    QVERIFY(!launcher.mainWindow());
    type(connect, "userEdit", admin.email);
    type(connect, "passwordEdit", kStrongPassword);
    click(connect, "connectButton");
    QTRY_VERIFY(message->text().contains(QLatin1String("Left the company")));
    QVERIFY(!launcher.mainWindow());
}

void TestGuiLauncher::screenshotWritesAPng()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    QTemporaryDir dir;
    QFile pw(dir.filePath(QStringLiteral("pw")));
    QVERIFY(pw.open(QIODevice::WriteOnly));
    pw.write(kStrongPassword.toUtf8() + '\n');
    pw.close();
    LaunchOptions options;
    options.db = db->sqlitePath();
    options.user = world.superAdmin.email;
    options.passwordFile = pw.fileName();
    options.pane = QStringLiteral("audit");
    options.screenshot = dir.filePath(QStringLiteral("audit.png"));
    Launcher launcher(options);
    QSignalSpy finished(&launcher, &Launcher::finished);
    launcher.start();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.first().first().toInt(), 0);
    QImage image(options.screenshot);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 800);

    // Sessions still open, and sign-ins, of a user: an unattended run must leave neither behind
    // when it fails.
    auto count = [&db](const QString& sql, Id userId) {
        QSqlQuery q(db->store().core().db());
        q.prepare(sql);
        q.addBindValue(userId);
        return q.exec() && q.next() ? q.value(0).toLongLong() : -1;
    };
    const QString openSessions
        = QStringLiteral("SELECT COUNT(*) FROM sessions WHERE user_id = ? AND revoked_at IS NULL");
    const QString signIns = QStringLiteral(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'user.login' AND outcome = 'success' AND actor_id = ?");
    QCOMPARE(count(openSessions, world.superAdmin.id), 0); // the first run signed out
    const qint64 signInsBefore = count(signIns, world.superAdmin.id);

    // A wrong --pane is refused before signing in at all.
    options.pane = QStringLiteral("no-such-pane");
    Launcher failing(options);
    QSignalSpy failed(&failing, &Launcher::finished);
    failing.start();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000); // (at once: nothing to wait for)
    QCOMPARE(failed.first().first().toInt(), 1);
    QCOMPARE(count(signIns, world.superAdmin.id), signInsBefore);
    QCOMPARE(count(openSessions, world.superAdmin.id), 0);

    // A failure after signing in (an account the console is not for) ends the session it opened.
    const User plain = world.makeUser(world.orgA.id, QStringLiteral("user"));
    options.pane = QStringLiteral("users");
    options.user = plain.email;
    Launcher refused(options);
    QSignalSpy refusedDone(&refused, &Launcher::finished);
    refused.start();
    QVERIFY(refusedDone.wait(30000));
    QCOMPARE(refusedDone.first().first().toInt(), 1);
    QVERIFY(count(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE user_id = ?"), plain.id) >= 1); // it did sign in
    QCOMPARE(count(openSessions, plain.id), 0);
}

// --dialog NAME --screenshot F: the PNG is the named dialog (its size, not the window's), and the
// session ends; an unknown name fails listing the names, after signing out again.
void TestGuiLauncher::dialogScreenshotSavesTheDialog()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    QTemporaryDir dir;
    QFile pw(dir.filePath(QStringLiteral("pw")));
    QVERIFY(pw.open(QIODevice::WriteOnly));
    pw.write(kStrongPassword.toUtf8() + '\n');
    pw.close();
    LaunchOptions options;
    options.db = db->sqlitePath();
    options.user = world.superAdmin.email;
    options.passwordFile = pw.fileName();
    options.pane = QStringLiteral("users");
    options.dialog = QStringLiteral("preferences");
    options.screenshot = dir.filePath(QStringLiteral("preferences.png"));
    {
        Launcher launcher(options);
        QSignalSpy finished(&launcher, &Launcher::finished);
        launcher.start();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().toInt(), 0);
        const QImage image(options.screenshot);
        QVERIFY(!image.isNull());
        QVERIFY2(
            image.width() < 800 && image.height() < 600,
            qPrintable(QStringLiteral("%1x%2: the window, not the dialog").arg(image.width()).arg(image.height())));
    }
    options.dialog = QStringLiteral("no-such-dialog");
    options.screenshot = dir.filePath(QStringLiteral("none.png"));
    Launcher failing(options);
    QSignalSpy failed(&failing, &Launcher::finished);
    failing.start();
    QVERIFY(failed.wait(30000));
    QCOMPARE(failed.first().first().toInt(), 1);
    QVERIFY(!QFileInfo::exists(options.screenshot));
    QSqlQuery q(db->store().core().db());
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM sessions WHERE user_id = ? AND revoked_at IS NULL"));
    q.addBindValue(world.superAdmin.id);
    QVERIFY(q.exec() && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
}

void TestGuiLauncher::rememberedProfileHoldsNoPassword()
{
    ConnectDialog dialog;
    ConnectionProfile profile;
    profile.kind = QStringLiteral("postgres");
    profile.location = QStringLiteral("postgresql://iam:S3cret-Pass@db.example.test:5432/iam");
    profile.user = QStringLiteral("ops@example.test");
    dialog.setProfile(profile);
    dialog.rememberProfile();
    const auto saved = ConnectDialog::savedProfiles();
    QVERIFY(!saved.isEmpty());
    QCOMPARE(saved.first().location, QStringLiteral("postgresql://iam@db.example.test:5432/iam"));
    QSettings settings;
    QFile file(settings.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("S3cret-Pass"));
}

void TestGuiLauncher::rememberedPasswordComesBackAndCanBeForgotten()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    MemorySecretStore secrets;
    const QString key = SecretStore::keyFor(QStringLiteral("sqlite"), db->sqlitePath(), world.superAdmin.email);
    {
        Launcher launcher(LaunchOptions {}, nullptr, &secrets);
        launcher.start();
        ConnectDialog* connect = nullptr;
        QTRY_VERIFY((connect = Console::visibleTopLevel<ConnectDialog>()));
        auto* kind = connect->findChild<QComboBox*>(QStringLiteral("kindCombo"));
        kind->setCurrentIndex(kind->findData(QStringLiteral("sqlite"))); // a saved profile may be another kind
        type(connect, "locationEdit", db->sqlitePath());
        type(connect, "userEdit", world.superAdmin.email);
        type(connect, "passwordEdit", kStrongPassword);
        connect->findChild<QCheckBox*>(QStringLiteral("rememberSecretCheck"))->setChecked(true);
        click(connect, "connectButton");
        QTRY_VERIFY_WITH_TIMEOUT(launcher.mainWindow() && launcher.mainWindow()->isVisible(), 15000);
    }
    auto stored = awaitResult(secrets.read(key));
    QVERIFY_RESULT(stored);
    QCOMPARE(*stored, kStrongPassword);
    // Nothing of it in the settings file.
    QSettings settings;
    QFile file(settings.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains(kStrongPassword.toUtf8()));

    // Next start: the saved profile comes with its password; "Forget" removes it.
    ConnectDialog dialog;
    dialog.setSecretStore(&secrets);
    ConnectionProfile profile;
    profile.kind = QStringLiteral("sqlite");
    profile.location = db->sqlitePath();
    profile.user = world.superAdmin.email;
    dialog.setProfile(profile);
    QTRY_COMPARE(dialog.password(), kStrongPassword);
    auto* forget = dialog.findChild<QPushButton*>(QStringLiteral("forgetCredentialsButton"));
    QVERIFY(forget->isEnabled());
    forget->click();
    QTRY_VERIFY(dialog.password().isEmpty());
    QVERIFY_ERROR(awaitResult(secrets.read(key)), ErrorCode::NotFound);
}

// A window opened on a pane (--pane users) loads that pane only: the dashboard, which becomes the
// current pane when it is added, does not load (and take the database threads) until it is shown.
void TestGuiLauncher::windowOpenedOnAPaneLoadsOnlyThatPane()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    QVERIFY(c.window->showPane(QStringLiteral("users")));
    Pane* users = c.window->pane(QStringLiteral("users"));
    Pane* dashboard = c.window->pane(QStringLiteral("dashboard"));
    QVERIFY(users && dashboard);
    QTRY_VERIFY_WITH_TIMEOUT(users->isLoaded(), 15000);
    // Had the dashboard asked for its numbers when it was added, they would have arrived by now.
    QVERIFY(waitUntilIdle(*c.backend));
    QVERIFY(!dashboard->isLoaded());
    // Shown, it loads.
    QVERIFY(c.showPane<Pane>(QStringLiteral("dashboard")));
    QVERIFY(dashboard->isLoaded());
}

QTEST_MAIN(TestGuiLauncher)
// An admin banned from elsewhere (another console, the server) while the window is open: the next
// action fails, the window closes and the connection dialog says why.
void TestGuiLauncher::bannedElsewhereReturnsToSignIn()
{
    auto db = TestDatabase::create();
    World world = World::build(db->store());
    const User admin = world.makeUser(world.orgA.id, QStringLiteral("admin"), QStringLiteral("soon-banned"));
    QTemporaryDir dir;
    QFile pw(dir.filePath(QStringLiteral("pw")));
    QVERIFY(pw.open(QIODevice::WriteOnly));
    pw.write(kStrongPassword.toUtf8() + '\n');
    pw.close();
    LaunchOptions options;
    options.db = db->sqlitePath();
    options.user = admin.email;
    options.passwordFile = pw.fileName();
    options.pane = QStringLiteral("users");
    Launcher launcher(options);
    launcher.start();
    QTRY_VERIFY_WITH_TIMEOUT(launcher.mainWindow() && launcher.mainWindow()->isVisible(), 15000);
    QPointer<MainWindow> window = launcher.mainWindow();

    QVERIFY_RESULT(db->store().users().ban(world.superActor, admin.id, QStringLiteral("Left the company")));
    window->pane(QStringLiteral("users"))->refresh(); // the admin's next action

    ConnectDialog* dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = Console::visibleTopLevel<ConnectDialog>()), 15000);
    QTRY_VERIFY(!window);
    const auto* message = dialog->findChild<QLabel*>(QStringLiteral("connectMessage"));
    QVERIFY(message);
    QTRY_VERIFY(message->isVisible());
    QVERIFY2(message->text().contains(QLatin1String("session has ended")), qPrintable(message->text()));
    QVERIFY2(message->text().contains(QLatin1String("banned")), qPrintable(message->text()));
    QCOMPARE(launcher.backend()->actor().userId, Id(0));
}

// The console binary started as on a server with no X: it explains (a virtual X server, or the
// offscreen platform with --screenshot) instead of Qt's platform-plugin abort; --version needs no display.
void TestGuiLauncher::withoutADisplayTheConsoleSaysWhatToDo()
{
    const QString console = qEnvironmentVariable("PORTCULLIS_CONSOLE_BIN");
    QVERIFY2(QFileInfo::exists(console), "PORTCULLIS_CONSOLE_BIN names the portcullis binary (tests/CMakeLists.txt)");
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : { "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM" })
        env.remove(QString::fromLatin1(name));

    QProcess noDisplay;
    noDisplay.setProcessEnvironment(env);
    noDisplay.start(console, { QStringLiteral("--db"), QStringLiteral("demo.db") });
    QVERIFY(noDisplay.waitForFinished(30000));
    const QString said = QString::fromUtf8(noDisplay.readAllStandardError());
    QCOMPARE(noDisplay.exitStatus(), QProcess::NormalExit);
    QCOMPARE(noDisplay.exitCode(), 1);
    QVERIFY2(said.contains(QLatin1String("no display")), qPrintable(said));
    QVERIFY2(said.contains(QLatin1String("xvfb-run")), qPrintable(said));
    QVERIFY2(said.contains(QLatin1String("QT_QPA_PLATFORM=offscreen")) && said.contains(QLatin1String("--screenshot")),
             qPrintable(said));
    QVERIFY2(!said.contains(QLatin1String("platform plugin")), qPrintable(said));

    QProcess version;
    version.setProcessEnvironment(env);
    version.start(console, { QStringLiteral("--version") });
    QVERIFY(version.waitForFinished(30000));
    QCOMPARE(version.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(version.readAllStandardOutput()).trimmed(),
             QStringLiteral("portcullis " PORTCULLIS_VERSION));
}

// `portcullis --ca-file` naming a file that is not there (a typo in a screenshot job) used to say
// the file "holds no PEM certificate"; it says the file does not exist, before signing in.
void TestGuiLauncher::aMissingCaFileIsNamedAsMissing()
{
    const QString console = qEnvironmentVariable("PORTCULLIS_CONSOLE_BIN");
    QVERIFY2(QFileInfo::exists(console), "PORTCULLIS_CONSOLE_BIN names the portcullis binary (tests/CMakeLists.txt)");
    QTemporaryDir dir;
    const QString missing = dir.filePath(QStringLiteral("company-ca.pem"));
    const QString passwordFile = dir.filePath(QStringLiteral("password"));
    QFile password(passwordFile);
    QVERIFY(password.open(QIODevice::WriteOnly));
    password.write("Gatekeeper-7-Raven!\n");
    password.close();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    QProcess run;
    run.setProcessEnvironment(env);
    // Port 9 (discard) on loopback: nothing answers there, and nothing must be asked.
    run.start(console,
              { QStringLiteral("--server"), QStringLiteral("https://127.0.0.1:9"), QStringLiteral("--ca-file"), missing,
                QStringLiteral("--user"), QStringLiteral("root@portcullis.example"), QStringLiteral("--password-file"),
                passwordFile, QStringLiteral("--screenshot"), dir.filePath(QStringLiteral("shot.png")) });
    QVERIFY(run.waitForFinished(60000));
    const QString said = QString::fromUtf8(run.readAllStandardError());
    QVERIFY(run.exitCode() != 0);
    QVERIFY2(said.contains(missing + QStringLiteral(" does not exist")), qPrintable(said));
    QVERIFY2(!said.contains(QLatin1String("PEM")), qPrintable(said));
    QVERIFY2(!said.contains(QLatin1String("Cannot reach")), qPrintable(said));
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("shot.png"))));
}

#include "tst_gui_launcher.moc"
