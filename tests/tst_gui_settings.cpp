// Edit > Deployment settings…, Tools > Run maintenance… and the dashboard's maintenance line on the
// real main window over a real database (SQLite; PostgreSQL in the _pg variant), signed in through
// SqlBackend. An org admin sees none of them; a super admin edits the settings with units,
// defaults, field errors and Restore defaults, and runs maintenance off the GUI thread.

#include "dashboardpane.h"
#include "deploymentsettingsdialog.h"
#include "guiutil.h"
#include "language.h"
#include "messagebox.h"
#include "policy/catalog.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "storefixture.h"

#include <QCheckBox>
#include <QGroupBox>
#include <QLabel>
#include <QMenu>
#include <QNetworkAccessManager>
#include <QSpinBox>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

class TestGuiSettings : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void orgAdminSeesNoDeploymentTools();
    void settingsDialogEditsValidatesAndSaves();
    void restoreDefaultsAndDiscard();
    void runMaintenanceFromTheToolsMenu();
    void settingsAndMaintenanceOverRest();
};

namespace {

QSpinBox* spin(QWidget* dialog, const QString& name)
{
    return dialog->findChild<QSpinBox*>(name + QStringLiteral("Spin"));
}

DeploymentSettingsDialog* openSettings(Console& c)
{
    QAction* action = findAction(c.window.get(), "deploymentSettingsAction");
    if (!action || !action->isVisible())
        return nullptr;
    action->trigger();
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 15000) {
        auto* dialog = Console::visibleTopLevel<DeploymentSettingsDialog>();
        if (dialog && !dialog->property("loading").toBool() && dialog->isEnabled())
            return dialog;
        QTest::qWait(50);
    }
    return nullptr;
}

} // namespace

void TestGuiSettings::initTestCase()
{
    // English with its plural forms ("7 days"), as the console starts.
    QVERIFY(language::apply(QStringLiteral("en"), QLocale(QLocale::English, QLocale::UnitedStates)));
}

void TestGuiSettings::orgAdminSeesNoDeploymentTools()
{
    Console c = Console::create();
    const User admin = c.world.makeUser(c.world.orgA.id, QStringLiteral("admin"));
    QVERIFY(c.open(admin));
    QVERIFY(!findAction(c.window.get(), "deploymentSettingsAction")->isVisible());
    QVERIFY(!findAction(c.window.get(), "runMaintenanceAction")->isVisible());
    auto* tools = c.window->findChild<QMenu*>(QStringLiteral("toolsMenu"));
    QVERIFY(tools);
    QVERIFY(!tools->menuAction()->isVisible());
    QVERIFY(!c.window->openDialog(QStringLiteral("deployment-settings")));
    auto* dashboard = c.showPane<DashboardPane>(QStringLiteral("dashboard"));
    QVERIFY(dashboard);
    QVERIFY(!dashboard->findChild<QLabel*>(QStringLiteral("dashboardMaintenanceLabel"))->isVisible());
    // Nothing asked for them: no denial in the log either.
    QCOMPARE(auditCount(c.db->store().core().db(), actions::SettingsViewed, kDenied), 0);
}

void TestGuiSettings::settingsDialogEditsValidatesAndSaves()
{
    Console c = Console::create();
    QVERIFY(c.open(c.world.superAdmin));
    auto* tools = c.window->findChild<QMenu*>(QStringLiteral("toolsMenu"));
    QVERIFY(tools->menuAction()->isVisible());
    DeploymentSettingsDialog* dialog = openSettings(c);
    QVERIFY(dialog);
    for (const char* group :
         { "signInGroup", "passwordsGroup", "apiKeysGroup", "impersonationGroup", "auditGroup", "invitationsGroup" })
        QVERIFY2(dialog->findChild<QGroupBox*>(QString::fromLatin1(group)), group);
    QCOMPARE(spin(dialog, QStringLiteral("access_token_minutes"))->value(), 60);
    QCOMPARE(spin(dialog, QStringLiteral("access_token_minutes"))->suffix(), QStringLiteral(" minutes"));
    QCOMPARE(spin(dialog, QStringLiteral("refresh_token_hours"))->suffix(), QStringLiteral(" hours"));
    QCOMPARE(spin(dialog, QStringLiteral("audit_retention_days"))->text(), QStringLiteral("Keep forever"));
    QCOMPARE(spin(dialog, QStringLiteral("password_min_length"))->minimum(), 12);
    QCOMPARE(dialog->findChild<QLabel*>(QStringLiteral("refresh_token_hoursDefault"))->text(),
             QStringLiteral("Default: 168 hours (7 days)"));
    QVERIFY(dialog->findChild<QCheckBox*>(QStringLiteral("impersonationEnabledCheck"))->isChecked());
    QVERIFY(!dialog->hasChanges());

    // A refresh token shorter than the access token: the core's message under the field.
    spin(dialog, QStringLiteral("access_token_minutes"))->setValue(180);
    spin(dialog, QStringLiteral("refresh_token_hours"))->setValue(2);
    click(dialog, "saveSettingsButton");
    QLabel* error = nullptr;
    QTRY_VERIFY((error = dialog->findChild<QLabel*>(QStringLiteral("refresh_token_hoursError"))) && error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("at least as long")), qPrintable(error->text()));
    QVERIFY(dialog->isVisible());
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 0);

    spin(dialog, QStringLiteral("refresh_token_hours"))->setValue(48);
    QVERIFY(!error->isVisible()); // editing the field clears its error
    spin(dialog, QStringLiteral("lockout_threshold"))->setValue(7);
    dialog->findChild<QCheckBox*>(QStringLiteral("impersonationEnabledCheck"))->setChecked(false);
    QVERIFY(!spin(dialog, QStringLiteral("impersonation_max_minutes"))->isEnabled());
    click(dialog, "saveSettingsButton");
    QTRY_VERIFY(!dialog->isVisible());
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 4);
    QCOMPARE(c.db->store().core().loadSettings()->lockoutThreshold, 7);
    QCOMPARE(auditCount(c.db->store().core().db(), actions::SettingsUpdated, kSuccess), 1);

    // Opened again: what was saved.
    dialog = openSettings(c);
    QVERIFY(dialog);
    QCOMPARE(spin(dialog, QStringLiteral("lockout_threshold"))->value(), 7);
    QCOMPARE(spin(dialog, QStringLiteral("refresh_token_hours"))->value(), 48);
    QVERIFY(!dialog->findChild<QCheckBox*>(QStringLiteral("impersonationEnabledCheck"))->isChecked());
    dialog->reject();
    QTRY_VERIFY(!dialog->isVisible()); // nothing changed: no question
}

void TestGuiSettings::restoreDefaultsAndDiscard()
{
    Console c = Console::create();
    QVERIFY_RESULT(c.db->store().settings().update(
        c.world.superActor,
        { { QStringLiteral("invitation_days"), 30 }, { QStringLiteral("password_min_length"), 20 } }));
    QVERIFY(c.open(c.world.superAdmin));
    DeploymentSettingsDialog* dialog = openSettings(c);
    QVERIFY(dialog);
    QCOMPARE(spin(dialog, QStringLiteral("invitation_days"))->value(), 30);
    click(dialog, "restoreDefaultsButton");
    QCOMPARE(spin(dialog, QStringLiteral("invitation_days"))->value(), 7);
    QCOMPARE(spin(dialog, QStringLiteral("password_min_length"))->value(), 12);
    QVERIFY(dialog->hasChanges());
    // Escape with changes asks; keeping on editing keeps the dialog.
    MessageBox::setNextAnswer(QMessageBox::No);
    dialog->reject();
    QVERIFY(dialog->isVisible());
    click(dialog, "saveSettingsButton");
    QTRY_VERIFY(!dialog->isVisible());
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 0);
    const QJsonObject changes
        = auditDetails(c.db->store().core().db(), actions::SettingsUpdated).value(QLatin1String("changes")).toObject();
    QCOMPARE(changes.value(QLatin1String("invitation_days")).toObject().value(QLatin1String("new")).toInt(), 7);
}

void TestGuiSettings::runMaintenanceFromTheToolsMenu()
{
    Console c = Console::create();
    const User user = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    insertSession(c.db->store().core().db(), user, -Hour);
    insertSession(c.db->store().core().db(), user, -Hour);
    QVERIFY(c.open(c.world.superAdmin));
    auto* dashboard = c.showPane<DashboardPane>(QStringLiteral("dashboard"));
    QVERIFY(dashboard);
    auto* line = dashboard->findChild<QLabel*>(QStringLiteral("dashboardMaintenanceLabel"));
    QTRY_VERIFY(line->isVisible() && line->text().contains(QStringLiteral("has not run yet")));

    QAction* run = findAction(c.window.get(), "runMaintenanceAction");
    QVERIFY(run->isVisible());
    MessageBox::setNextAnswer(QMessageBox::Yes);
    run->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(MessageBox::lastText().startsWith(QStringLiteral("Maintenance removed")), 15000);
    QVERIFY2(MessageBox::lastText().contains(QStringLiteral("removed 2 sessions")), qPrintable(MessageBox::lastText()));
    QVERIFY(run->isEnabled());
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM maintenance_runs WHERE source = 'console'")),
             1);
    // The write announced itself: the dashboard reloads and says what the run removed.
    c.window->showPane(QStringLiteral("dashboard"));
    dashboard->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(line->text().contains(QStringLiteral("removed 2 sessions")), 15000);
    QVERIFY(line->text().contains(QStringLiteral("from a console")));
}

// The same window over a RestBackend and the real server: the dialog loads and saves through
// GET|PATCH /api/admin/settings, Tools > Run maintenance through POST /api/admin/maintenance/run.
void TestGuiSettings::settingsAndMaintenanceOverRest()
{
    Console c = Console::create();
    const User user = c.world.makeUser(c.world.orgA.id, QStringLiteral("user"));
    insertSession(c.db->store().core().db(), user, -Hour);
    ServerProcess server;
    QVERIFY2(server.start(c.db->url(), c.db->tempPath() + QStringLiteral("/jwt-secret"),
                          { QStringLiteral("--maintenance-interval"), QStringLiteral("0") }),
             qPrintable(server.output()));
    QNetworkAccessManager network;
    RestBackend backend(&network, server.url());
    QVERIFY_RESULT(awaitResult(backend.signIn(c.world.superAdmin.email, kStrongPassword)));
    MainWindow window(&backend);
    addAllPanes(&window, &backend);
    window.show();

    QAction* action = findAction(&window, "deploymentSettingsAction");
    QVERIFY(action->isVisible());
    action->trigger();
    DeploymentSettingsDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<DeploymentSettingsDialog>()) && dialog->isEnabled()
                && !dialog->property("loading").toBool());
    QCOMPARE(spin(dialog, QStringLiteral("invitation_days"))->value(), 7);
    spin(dialog, QStringLiteral("invitation_days"))->setValue(14);
    spin(dialog, QStringLiteral("lockout_threshold"))->setValue(200); // clamped by the spin box to 100
    QCOMPARE(spin(dialog, QStringLiteral("lockout_threshold"))->value(), 100);
    click(dialog, "saveSettingsButton");
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->isVisible(), 15000);
    auto stored = c.db->store().core().loadSettings();
    QVERIFY_RESULT(stored);
    QCOMPARE(stored->invitationDays, 14);
    QCOMPARE(stored->lockoutThreshold, 100);

    MessageBox::setNextAnswer(QMessageBox::Yes);
    findAction(&window, "runMaintenanceAction")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(MessageBox::lastText().contains(QStringLiteral("removed 1 sessions")), 15000);
    QCOMPARE(countRows(c.db->store(), QStringLiteral("SELECT COUNT(*) FROM maintenance_runs WHERE source = 'console'")),
             1);
}

QTEST_MAIN(TestGuiSettings)
#include "tst_gui_settings.moc"
