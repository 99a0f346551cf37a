// The console on a better-auth deployment: the real main window and panes over BetterAuthBackend
// against the real better-auth 1.7.5 test server (tests/betterauth/server.mjs on a loopback port,
// betterauthprocess.h). The users pane (list, search, paging, create, edit, roles, ban with reason
// and expiry, unban, remove, impersonate), a user's sessions (list, revoke one, revoke all, end an
// impersonation), the panes better-auth lacks (their reason, no request), and our own rules that
// better-auth lacks (banning yourself).

#include "auditpane.h"
#include "betterauth/betterauthbackend.h"
#include "betterauthprocess.h"
#include "connectdialog.h"
#include "credentials/secretstore.h"
#include "dashboardpane.h"
#include "displayformat.h"
#include "guiutil.h"
#include "impersonatedialog.h"
#include "invitationlistmodel.h"
#include "launcher.h"
#include "messagebox.h"
#include "organizationdialogs.h"
#include "organizationlistmodel.h"
#include "organizationspane.h"
#include "rolespane.h"
#include "secretdialog.h"
#include "sessionlistmodel.h"
#include "sessionspane.h"
#include "userdialogs.h"
#include "userlistmodel.h"
#include "userspane.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryFile>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr int kSeededUsers = 60; // server.mjs --users: user0001@example.com ... (more than one page)
constexpr int kWaitMs = 30000;

// Counts the requests that leave, and remembers their paths (a pane that must ask for nothing).
class CountingNetwork : public QNetworkAccessManager
{
public:
    QStringList paths;

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request, QIODevice* data) override
    {
        paths << request.url().path();
        return QNetworkAccessManager::createRequest(op, request, data);
    }
};

void clickButton(QPushButton* button)
{
    QVERIFY(button);
    QTRY_VERIFY(button->isVisible() && button->isEnabled() && !button->rect().isEmpty());
    QTest::mouseClick(button, Qt::LeftButton);
}

int rowOfEmail(UserListModel* model, const QString& email)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->userAt(row).email == email)
            return row;
    }
    return -1;
}

} // namespace

class TestGuiBetterAuth : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();
    void usersAreListedSearchedAndPaged();
    void createEditRolesAndRemove();
    void banWithReasonAndExpiryThenUnban();
    void setPasswordOfAUser();
    void sessionsOfAUserRevokeOneAndAll();
    void impersonateThenEndItFromTheSessions();
    void panesBetterAuthLacksShowTheReasonAndAskForNothing();
    void banningYourselfIsRefused();
    void organizationInviteWithARoleNameAndRevoke();
    void connectDialogSignsInAndRemembersThePasswordPerKind();
    void serverWithoutKindIsDetected();
    void wrongPasswordIsTheUsualMessage();

private:
    // A session of the user's own (another device), for the sessions tests.
    bool signInAs(const QString& email, const QString& password = kStrongPassword);
    User createUser(const QString& email);
    template <typename P> P* showPane(const QString& name)
    {
        if (!m_window->showPane(name))
            return nullptr;
        auto* pane = qobject_cast<P*>(m_window->pane(name));
        if (pane && !pane->isLoaded()) {
            QSignalSpy loaded(pane, &Pane::loaded);
            loaded.wait(kWaitMs);
        }
        return pane;
    }
    UsersPane* usersPaneShowing(const QString& search);

    BetterAuthProcess m_server;
    CountingNetwork m_network;
    std::unique_ptr<BetterAuthBackend> m_backend;
    std::unique_ptr<MainWindow> m_window;
    int m_counter = 0;
};

void TestGuiBetterAuth::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY2(m_server.start({ QStringLiteral("--users"), QString::number(kSeededUsers) }),
             qPrintable(m_server.error()));
}

// Every test starts from a fresh console signed in as the server's first admin.
void TestGuiBetterAuth::init()
{
    m_backend = std::make_unique<BetterAuthBackend>(&m_network, m_server.url());
    QVERIFY_RESULT(awaitResult(m_backend->signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword), kWaitMs));
    m_window = std::make_unique<MainWindow>(m_backend.get());
    addAllPanes(m_window.get(), m_backend.get());
    m_window->resize(1200, 800);
    m_window->show();
    m_network.paths.clear();
}

void TestGuiBetterAuth::cleanup()
{
    m_window.reset();
    m_backend.reset();
}

void TestGuiBetterAuth::cleanupTestCase()
{
    m_server.stop();
}

bool TestGuiBetterAuth::signInAs(const QString& email, const QString& password)
{
    // As the user's own app would: POST /sign-in/email, a session of theirs on the server.
    QNetworkRequest request(QUrl(m_server.baseUrl() + QStringLiteral("/sign-in/email")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkAccessManager network;
    QNetworkReply* reply = network.post(
        request,
        QJsonDocument(QJsonObject { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } })
            .toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(kWaitMs);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status == 200;
}

User TestGuiBetterAuth::createUser(const QString& email)
{
    NewUser nu;
    nu.email = email;
    nu.fullName = QStringLiteral("Made %1").arg(++m_counter);
    nu.password = kStrongPassword;
    nu.roleCodes = { QStringLiteral("user") };
    const Result<User> created = awaitResult(m_backend->createUser(nu), kWaitMs);
    if (!created.ok())
        qWarning() << created.error().toString();
    return created.ok() ? created.value() : User();
}

UsersPane* TestGuiBetterAuth::usersPaneShowing(const QString& search)
{
    auto* pane = showPane<UsersPane>(QStringLiteral("users"));
    if (!pane)
        return nullptr;
    auto* field = pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit"));
    field->setText(search);
    QTest::keyClick(field, Qt::Key_Return);
    if (!QTest::qWaitFor([&] { return pane->model()->query().search == search && !pane->model()->isLoading(); },
                         kWaitMs))
        return nullptr;
    return pane;
}

void TestGuiBetterAuth::usersAreListedSearchedAndPaged()
{
    auto* pane = showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    QTRY_VERIFY(pane->model()->rowCount() > 0);
    // Server-side search with the total the server counted, as the admin types it.
    QTest::keyClicks(pane->findChild<QLineEdit*>(QStringLiteral("userSearchEdit")), QStringLiteral("@example.com"));
    QTRY_COMPARE_WITH_TIMEOUT(pane->model()->query().search, QStringLiteral("@example.com"), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(pane->model()->total(), qint64(kSeededUsers), kWaitMs);
    QTRY_VERIFY(pane->findChild<QLabel*>(QStringLiteral("userCountLabel"))
                    ->text()
                    .startsWith(QStringLiteral("%1 user").arg(kSeededUsers)));
    // Paging: the first page is less than everything, scrolling fetches the rest.
    QVERIFY(pane->model()->rowCount() < kSeededUsers);
    auto* table = pane->findChild<QTableView*>(QStringLiteral("userTableView"));
    for (int i = 0; i < 10 && pane->model()->rowCount() < kSeededUsers; ++i) {
        table->scrollToBottom();
        QTest::qWait(200);
        if (pane->model()->canFetchMore({}))
            pane->model()->fetchMore({});
        QTRY_VERIFY_WITH_TIMEOUT(!pane->model()->isLoading(), kWaitMs);
    }
    QCOMPARE(pane->model()->rowCount(), kSeededUsers);
    QSet<QString> emails;
    for (int row = 0; row < pane->model()->rowCount(); ++row)
        emails.insert(pane->model()->userAt(row).email);
    QCOMPARE(emails.size(), kSeededUsers); // no row twice across the pages
    // A name search (better-auth's memory adapter compares names case-sensitively).
    pane = usersPaneShowing(QStringLiteral("User 0042"));
    QVERIFY(pane);
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QCOMPARE(pane->model()->userAt(0).email, QStringLiteral("user0042@example.com"));
    // No username column on better-auth.
    QVERIFY(table->isColumnHidden(UserListModel::UsernameColumn));

    // Sorted by the server: email descending puts the last seeded user first.
    pane = usersPaneShowing(QStringLiteral("@example.com"));
    QVERIFY(pane);
    table->sortByColumn(UserListModel::EmailColumn, Qt::DescendingOrder);
    QTRY_VERIFY_WITH_TIMEOUT(
        pane->model()->query().descending && !pane->model()->isLoading() && pane->model()->rowCount() > 0, kWaitMs);
    QCOMPARE(pane->model()->userAt(0).email,
             QStringLiteral("user%1@example.com").arg(kSeededUsers, 4, 10, QChar(u'0')));
    table->sortByColumn(UserListModel::EmailColumn, Qt::AscendingOrder);

    // The role filter takes a role name (better-auth's roles are names): only the admins.
    pane = usersPaneShowing(QString());
    QVERIFY(pane);
    auto* roles = pane->findChild<QComboBox*>(QStringLiteral("roleFilterCombo"));
    QVERIFY(roles->isEditable());
    roles->lineEdit()->setText(QStringLiteral("admin"));
    QTest::keyClick(roles->lineEdit(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(pane->model()->query().roleCode == QLatin1String("admin") && !pane->model()->isLoading(),
                             kWaitMs);
    QVERIFY(pane->model()->rowCount() >= 1);
    for (int row = 0; row < pane->model()->rowCount(); ++row)
        QVERIFY(pane->model()->userAt(row).roleCodes.contains(QStringLiteral("admin")));
    QVERIFY(rowOfEmail(pane->model(), kBetterAuthAdminEmail) >= 0);
}

void TestGuiBetterAuth::createEditRolesAndRemove()
{
    auto* pane = showPane<UsersPane>(QStringLiteral("users"));
    QVERIFY(pane);
    pane->createNew();
    UserDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserDialog>()));
    QVERIFY(!dialog->findChild<QLineEdit*>(QStringLiteral("usernameEdit"))); // better-auth has none
    QVERIFY(!dialog->findChild<QComboBox*>(QStringLiteral("organizationCombo")));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("emailEdit")),
                     QStringLiteral("gui.new@test.example"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("fullNameEdit")), QStringLiteral("Gui New"));
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("passwordEdit")), kStrongPassword);
    auto* roles = dialog->findChild<QLineEdit*>(QStringLiteral("roleNamesEdit"));
    roles->setText(QStringLiteral("user, support"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    QTRY_VERIFY_WITH_TIMEOUT(!Console::visibleTopLevel<UserDialog>(), kWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(!pane->selectedUsers().isEmpty(), kWaitMs);
    User created = pane->selectedUsers().first();
    QCOMPARE(created.email, QStringLiteral("gui.new@test.example"));
    QCOMPARE(created.fullName, QStringLiteral("Gui New"));
    QStringList held = created.roleCodes;
    held.sort();
    QCOMPARE(held, (QStringList { QStringLiteral("support"), QStringLiteral("user") }));

    // Edit the name and the email.
    findAction(pane, "editUserAction")->trigger();
    QTRY_VERIFY((dialog = Console::visibleTopLevel<UserDialog>()));
    auto* name = dialog->findChild<QLineEdit*>(QStringLiteral("fullNameEdit"));
    name->setText(QStringLiteral("Gui Renamed"));
    auto* email = dialog->findChild<QLineEdit*>(QStringLiteral("emailEdit"));
    email->setText(QStringLiteral("gui.renamed@test.example"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("saveUserButton")));
    QTRY_VERIFY_WITH_TIMEOUT(!Console::visibleTopLevel<UserDialog>(), kWaitMs);
    Result<User> stored = awaitResult(m_backend->getUser(created.id), kWaitMs);
    QVERIFY_RESULT(stored);
    QCOMPARE(stored->fullName, QStringLiteral("Gui Renamed"));
    QCOMPARE(stored->email, QStringLiteral("gui.renamed@test.example"));

    // Set the roles: names, as better-auth knows them.
    pane->selectId(created.id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    findAction(pane, "userRolesAction")->trigger();
    UserRolesDialog* rolesDialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((rolesDialog = Console::visibleTopLevel<UserRolesDialog>()), kWaitMs);
    auto* names = rolesDialog->findChild<QLineEdit*>(QStringLiteral("roleNamesEdit"));
    QVERIFY(names);
    names->setText(QStringLiteral("admin"));
    clickButton(rolesDialog->findChild<QPushButton*>(QStringLiteral("applyRolesButton")));
    QTRY_VERIFY_WITH_TIMEOUT(!Console::visibleTopLevel<UserRolesDialog>(), kWaitMs);
    stored = awaitResult(m_backend->getUser(created.id), kWaitMs);
    QVERIFY_RESULT(stored);
    QCOMPARE(stored->roleCodes, QStringList { QStringLiteral("admin") });

    // Remove, after the usual confirmation.
    pane->selectId(created.id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    findAction(pane, "deleteUserAction")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!awaitResult(m_backend->getUser(created.id), kWaitMs).ok(), kWaitMs);
    QTRY_COMPARE_WITH_TIMEOUT(rowOfEmail(pane->model(), QStringLiteral("gui.renamed@test.example")), -1, kWaitMs);
}

// An administrator's reset through the dialog: better-auth cannot revoke another user's API keys,
// so the dialog does not offer it (checked by default elsewhere, it made every reset fail here).
void TestGuiBetterAuth::setPasswordOfAUser()
{
    const User target = createUser(QStringLiteral("gui.password@test.example"));
    QVERIFY(target.id != 0);
    auto* pane = usersPaneShowing(QStringLiteral("gui.password@"));
    QVERIFY(pane);
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    pane->selectId(pane->model()->userAt(0).id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    QAction* set = findAction(pane, "setPasswordAction");
    QTRY_VERIFY(set->isEnabled());
    set->trigger();
    SetPasswordDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<SetPasswordDialog>()));
    auto* revokeKeys = dialog->findChild<QCheckBox*>(QStringLiteral("revokeApiKeysCheck"));
    QVERIFY(!revokeKeys || !revokeKeys->isVisible());
    const QString fresh = QStringLiteral("Fresh-Password-2026!");
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("newPasswordEdit")), fresh);
    QTest::keyClicks(dialog->findChild<QLineEdit*>(QStringLiteral("repeatPasswordEdit")), fresh);
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("confirmSetPasswordButton")));
    QTRY_VERIFY_WITH_TIMEOUT(!Console::visibleTopLevel<SetPasswordDialog>(), kWaitMs);
    QVERIFY(signInAs(target.email, fresh));
    QVERIFY(!signInAs(target.email));
}

void TestGuiBetterAuth::banWithReasonAndExpiryThenUnban()
{
    const User target = createUser(QStringLiteral("gui.ban@test.example"));
    QVERIFY(target.id != 0);
    auto* pane = usersPaneShowing(QStringLiteral("gui.ban@"));
    QVERIFY(pane);
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    pane->selectId(pane->model()->userAt(0).id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    findAction(pane, "banUserAction")->trigger();
    BanDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<BanDialog>()));
    QTest::keyClicks(dialog->findChild<QPlainTextEdit*>(QStringLiteral("banReasonEdit")),
                     QStringLiteral("Chargeback fraud"));
    dialog->findChild<QCheckBox*>(QStringLiteral("banExpiresCheck"))->setChecked(true);
    const QDateTime until = QDateTime::currentDateTimeUtc().addDays(3);
    dialog->findChild<QDateTimeEdit*>(QStringLiteral("banExpiresEdit"))->setDateTime(until.toLocalTime());
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("confirmBanButton")));
    QTRY_VERIFY_WITH_TIMEOUT(!Console::visibleTopLevel<BanDialog>(), kWaitMs);
    Result<User> stored = awaitResult(m_backend->getUser(pane->selectedUsers().first().id), kWaitMs);
    QVERIFY_RESULT(stored);
    QVERIFY(stored->isBanned());
    QCOMPARE(stored->banReason, QStringLiteral("Chargeback fraud"));
    QVERIFY2(qAbs(stored->banExpiresAt.secsTo(until)) < 120, qPrintable(stored->banExpiresAt.toString(Qt::ISODate)));
    // The details say so.
    QTRY_VERIFY(
        pane->findChild<QLabel*>(QStringLiteral("detail_status"))->text().contains(QStringLiteral("Chargeback fraud")));

    QTRY_VERIFY(findAction(pane, "unbanUserAction")->isEnabled());
    findAction(pane, "unbanUserAction")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!awaitResult(m_backend->getUser(stored->id), kWaitMs)->isBanned(), kWaitMs);
}

void TestGuiBetterAuth::sessionsOfAUserRevokeOneAndAll()
{
    const User user = createUser(QStringLiteral("gui.sessions@test.example"));
    QVERIFY(user.id != 0);
    for (int device = 0; device < 3; ++device)
        QVERIFY(signInAs(user.email));

    auto* users = usersPaneShowing(QStringLiteral("gui.sessions@"));
    QVERIFY(users);
    QTRY_COMPARE(users->model()->rowCount(), 1);
    users->selectId(users->model()->userAt(0).id);
    QTRY_COMPARE(users->selectedUsers().size(), 1);
    findAction(users, "showSessionsAction")->trigger();
    auto* pane = qobject_cast<SessionsPane*>(m_window->pane(QStringLiteral("sessions")));
    QTRY_COMPARE(m_window->currentPane(), static_cast<Pane*>(pane));
    QTRY_COMPARE_WITH_TIMEOUT(pane->model()->rowCount(), 3, kWaitMs);
    QCOMPARE(pane->model()->sessionAt(0).userId, users->selectedUsers().first().id);

    // Revoke one.
    auto* table = pane->findChild<QTableView*>(QStringLiteral("sessionTableView"));
    table->selectRow(0);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    findAction(pane, "revokeSessionAction")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(pane->model()->rowCount(), 2, kWaitMs);

    // All of them.
    table->selectRow(0);
    MessageBox::setNextAnswer(QMessageBox::Yes);
    findAction(pane, "revokeUserSessionsAction")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(pane->model()->rowCount(), 0, kWaitMs);
    const Result<Page<Session>> left
        = awaitResult(m_backend->listSessions(SessionQuery {
                          .userId = users->selectedUsers().isEmpty() ? Id(0) : users->selectedUsers().first().id }),
                      kWaitMs);
    QVERIFY_RESULT(left);
    QCOMPARE(left->items.size(), 0);
}

void TestGuiBetterAuth::impersonateThenEndItFromTheSessions()
{
    const User target = createUser(QStringLiteral("gui.impersonated@test.example"));
    QVERIFY(target.id != 0);
    auto* users = usersPaneShowing(QStringLiteral("gui.impersonated@"));
    QVERIFY(users);
    QTRY_COMPARE(users->model()->rowCount(), 1);
    const Id id = users->model()->userAt(0).id;
    users->selectId(id);
    QTRY_COMPARE(users->selectedUsers().size(), 1);
    QAction* impersonate = findAction(users, "impersonateAction");
    QVERIFY2(impersonate->isEnabled(), qPrintable(impersonate->toolTip()));
    impersonate->trigger();
    ImpersonateDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = Console::visibleTopLevel<ImpersonateDialog>()));
    QVERIFY(dialog->findChild<QLabel*>(QStringLiteral("impersonationWarning"))->isVisible()); // same warning
    QTest::keyClicks(dialog->findChild<QPlainTextEdit*>(QStringLiteral("impersonationReasonEdit")),
                     QStringLiteral("Ticket 4711: checkout fails for this user"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("impersonateButton")));
    SecretDialog* secret = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((secret = Console::visibleTopLevel<SecretDialog>()), kWaitMs);
    QVERIFY(!secret->findChild<QLineEdit*>(QStringLiteral("secretEdit"))->text().isEmpty());
    secret->close();
    // The admin's own session still works: the console goes on.
    QVERIFY_RESULT(awaitResult(m_backend->getUser(id), kWaitMs));

    findAction(users, "showSessionsAction")->trigger();
    auto* pane = qobject_cast<SessionsPane*>(m_window->pane(QStringLiteral("sessions")));
    QTRY_VERIFY_WITH_TIMEOUT(pane->model()->rowCount() >= 1, kWaitMs);
    int row = -1;
    for (int r = 0; r < pane->model()->rowCount(); ++r) {
        if (pane->model()->sessionAt(r).isImpersonation())
            row = r;
    }
    QVERIFY(row >= 0);
    pane->findChild<QTableView*>(QStringLiteral("sessionTableView"))->selectRow(row);
    QAction* end = findAction(pane, "revokeSessionAction");
    QTRY_VERIFY(end->isEnabled());
    QCOMPARE(end->text(), QStringLiteral("&End impersonation…"));
    QTRY_VERIFY(pane->findChild<QLabel*>(QStringLiteral("sessionImpersonationNote"))->isVisible());
    MessageBox::setNextAnswer(QMessageBox::Yes);
    end->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int r = 0; r < pane->model()->rowCount(); ++r) {
                if (pane->model()->sessionAt(r).isImpersonation())
                    return false;
            }
            return !pane->model()->isLoading();
        }(),
        kWaitMs);
    SessionQuery ofUser;
    ofUser.userId = id;
    const Result<Page<Session>> left = awaitResult(m_backend->listSessions(ofUser), kWaitMs);
    QVERIFY_RESULT(left);
    for (const Session& s : left->items)
        QVERIFY(!s.isImpersonation());
    // And the admin is still signed in as themselves.
    QVERIFY_RESULT(awaitResult(m_backend->getUser(id), kWaitMs));
}

void TestGuiBetterAuth::panesBetterAuthLacksShowTheReasonAndAskForNothing()
{
    const Capabilities capabilities = m_backend->capabilities();
    for (const auto& [name, capability] : { std::pair { QStringLiteral("audit"), Capability::AuditLog },
                                            std::pair { QStringLiteral("roles"), Capability::RoleCatalog } }) {
        m_network.paths.clear();
        auto* pane = showPane<Pane>(name);
        QVERIFY(pane);
        auto* reason = pane->findChild<QLabel*>(QStringLiteral("capabilityReasonLabel"));
        QVERIFY2(reason && reason->isVisible(), qPrintable(name));
        QVERIFY2(reason->text().startsWith(capabilities.whyNot(capability)), qPrintable(reason->text()));
        // Nothing of it is asked for (better-auth has no such endpoint: only the lists of the
        // panes the window loads on its own may have gone out), and F5 asks for nothing at all.
        for (const QString& path : std::as_const(m_network.paths))
            QVERIFY2(path.endsWith(QStringLiteral("/admin/list-users"))
                         || path.endsWith(QStringLiteral("/api-key/list")),
                     qPrintable(path));
        QTest::qWait(300);
        m_network.paths.clear();
        pane->refresh();
        QTest::qWait(300);
        QVERIFY2(m_network.paths.isEmpty(), qPrintable(m_network.paths.join(QLatin1Char(' '))));
    }
    // Sessions: the reason, nothing asked for until a user is named.
    m_network.paths.clear();
    auto* sessions = showPane<SessionsPane>(QStringLiteral("sessions"));
    QVERIFY(sessions);
    auto* empty = sessions->findChild<QLabel*>(QStringLiteral("sessionsEmptyLabel"));
    QTRY_VERIFY(empty->isVisible());
    QVERIFY2(empty->text().startsWith(capabilities.whyNot(Capability::SessionList)), qPrintable(empty->text()));
    QTest::qWait(300);
    for (const QString& path : std::as_const(m_network.paths))
        QVERIFY2(!path.contains(QStringLiteral("session")), qPrintable(path));
    // The dashboard: the user list's totals only, the reason in place of the chart.
    m_network.paths.clear();
    auto* dashboard = showPane<DashboardPane>(QStringLiteral("dashboard"));
    QVERIFY(dashboard);
    QTRY_VERIFY_WITH_TIMEOUT(dashboard->isLoaded(), kWaitMs);
    for (const QString& path : std::as_const(m_network.paths))
        QVERIFY2(path.endsWith(QStringLiteral("/admin/list-users")), qPrintable(path));
    UserQuery everyone;
    everyone.limit = 1;
    const Result<Page<User>> all = awaitResult(m_backend->listUsers(everyone), kWaitMs);
    QVERIFY_RESULT(all);
    QTRY_COMPARE(dashboard->tileText(QStringLiteral("usersTotal")), display::number(all->total));
    QCOMPARE(dashboard->findChild<QLabel*>(QStringLiteral("activityMessageLabel"))->text(),
             capabilities.whyNot(Capability::Statistics));
    // Menu entries say why.
    QAction* import = findAction(m_window.get(), "importUsersAction");
    QVERIFY(!import->isEnabled());
    QCOMPARE(import->statusTip(), capabilities.whyNot(Capability::UserImportExport));
}

void TestGuiBetterAuth::banningYourselfIsRefused()
{
    auto* pane = usersPaneShowing(kBetterAuthAdminEmail);
    QVERIFY(pane);
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    pane->selectId(pane->model()->userAt(0).id);
    QTRY_COMPARE(pane->selectedUsers().size(), 1);
    QAction* ban = findAction(pane, "banUserAction");
    QVERIFY(!ban->isEnabled());
    QCOMPARE(ban->toolTip(), QStringLiteral("You cannot do this to your own account"));
    QVERIFY(!findAction(pane, "deleteUserAction")->isEnabled());
    // Not even the backend sends it.
    m_network.paths.clear();
    const Result<User> refused = awaitResult(
        m_backend->banUser(pane->selectedUsers().first().id, QStringLiteral("oops"), QDateTime()), kWaitMs);
    QVERIFY(!refused.ok());
    QVERIFY(!refused.error().message.isEmpty());
    for (const QString& path : std::as_const(m_network.paths))
        QVERIFY2(!path.endsWith(QStringLiteral("/admin/ban-user")), qPrintable(path));
}

// Organizations the admin belongs to: invite with a role name (better-auth mails it: no token to
// show), then revoke the invitation; no plan, seat limit or suspension offered.
void TestGuiBetterAuth::organizationInviteWithARoleNameAndRevoke()
{
    NewOrganization organization;
    organization.name = QStringLiteral("Gui Org");
    organization.slug = QStringLiteral("gui-org");
    const Result<Organization> created = awaitResult(m_backend->createOrganization(organization), kWaitMs);
    QVERIFY_RESULT(created);
    auto* pane = showPane<OrganizationsPane>(QStringLiteral("organizations"));
    QVERIFY(pane);
    pane->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(pane->model()->rowOf(created->id) >= 0, kWaitMs);
    pane->selectId(created->id);
    QTRY_VERIFY(pane->selectedOrganization().has_value());
    for (const char* lacking : { "suspendOrganizationAction", "wipeOutOrganizationAction" }) {
        QAction* action = findAction(pane, lacking);
        QVERIFY2(!action->isEnabled(), lacking);
        QCOMPARE(action->toolTip(), m_backend->capabilities().whyNot(Capability::OrganizationLifecycle));
    }
    QAction* invite = findAction(pane, "inviteAction");
    QTRY_VERIFY(invite->isEnabled());
    invite->trigger();
    InvitationDialog* dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = Console::visibleTopLevel<InvitationDialog>()), kWaitMs);
    dialog->findChild<QLineEdit*>(QStringLiteral("invitationEmailEdit"))
        ->setText(QStringLiteral("invitee@test.example"));
    auto* role = dialog->findChild<QComboBox*>(QStringLiteral("invitationRoleCombo"));
    QVERIFY(role->isEditable());
    // better-auth decides how long an invitation lasts: no field for it.
    QVERIFY(!dialog->findChild<QSpinBox*>(QStringLiteral("invitationDaysSpin"))->isVisible());
    role->setEditText(QStringLiteral("admin"));
    clickButton(dialog->findChild<QPushButton*>(QStringLiteral("sendInvitationButton")));
    QTRY_VERIFY_WITH_TIMEOUT(!Console::visibleTopLevel<InvitationDialog>(), kWaitMs);
    QVERIFY(!Console::visibleTopLevel<SecretDialog>()); // no empty token shown
    QTRY_COMPARE_WITH_TIMEOUT(pane->invitationModel()->rowCount(), 1, kWaitMs);
    const Invitation sent = pane->invitationModel()->invitationAt(0);
    QCOMPARE(sent.email, QStringLiteral("invitee@test.example"));
    QCOMPARE(sent.roleCode, QStringLiteral("admin"));
    QCOMPARE(sent.status(), QStringLiteral("pending"));

    pane->findChild<QTableView*>(QStringLiteral("invitationTableView"))->selectRow(0);
    QTRY_VERIFY(findAction(pane, "revokeInvitationAction")->isEnabled());
    MessageBox::setNextAnswer(QMessageBox::Yes);
    findAction(pane, "revokeInvitationAction")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const Result<QList<Invitation>> left = awaitResult(m_backend->listInvitations(created->id), kWaitMs);
            return left.ok() && std::none_of(left->cbegin(), left->cend(), [](const Invitation& i) {
                       return i.status() == QLatin1String("pending");
                   });
        }(),
        kWaitMs);
}

// The connection dialog: kind "better-auth server", the base path, email and password; the
// password remembered in the keychain under its own entry (kind + URL + user).
void TestGuiBetterAuth::connectDialogSignsInAndRemembersThePasswordPerKind()
{
    MemorySecretStore secrets;
    {
        Launcher launcher(LaunchOptions {}, nullptr, &secrets);
        launcher.start();
        ConnectDialog* connect = nullptr;
        QTRY_VERIFY((connect = Console::visibleTopLevel<ConnectDialog>()));
        auto* kind = connect->findChild<QComboBox*>(QStringLiteral("kindCombo"));
        kind->setCurrentIndex(kind->findData(QStringLiteral("betterauth")));
        QVERIFY(kind->currentIndex() >= 0);
        auto* location = connect->findChild<QLineEdit*>(QStringLiteral("locationEdit"));
        QCOMPARE(location->placeholderText(), QStringLiteral("https://app.example.com/api/auth"));
        location->setText(m_server.baseUrl());
        connect->findChild<QLineEdit*>(QStringLiteral("userEdit"))->setText(kBetterAuthAdminEmail);
        connect->findChild<QLineEdit*>(QStringLiteral("passwordEdit"))->setText(kBetterAuthAdminPassword);
        connect->findChild<QCheckBox*>(QStringLiteral("rememberSecretCheck"))->setChecked(true);
        clickButton(connect->findChild<QPushButton*>(QStringLiteral("connectButton")));
        QTRY_VERIFY_WITH_TIMEOUT(launcher.mainWindow() && launcher.mainWindow()->isVisible(), kWaitMs);
        QVERIFY(qobject_cast<BetterAuthBackend*>(launcher.backend()));
        launcher.mainWindow()->setAttribute(Qt::WA_QuitOnClose, false);
    }
    const QString key = SecretStore::keyFor(QStringLiteral("betterauth"), m_server.baseUrl(), kBetterAuthAdminEmail);
    const Result<QString> stored = awaitResult(secrets.read(key));
    QVERIFY_RESULT(stored);
    QCOMPARE(*stored, kBetterAuthAdminPassword);
    // Not the entry of our own server at the same address.
    QVERIFY(!awaitResult(
                 secrets.read(SecretStore::keyFor(QStringLiteral("rest"), m_server.baseUrl(), kBetterAuthAdminEmail)))
                 .ok());
}

// --server without --kind: better-auth answers {"ok":true} at <url>/ok, so the console speaks
// better-auth; a screenshot run shows it worked end to end.
void TestGuiBetterAuth::serverWithoutKindIsDetected()
{
    QTemporaryFile password;
    QVERIFY(password.open());
    password.write(kBetterAuthAdminPassword.toUtf8());
    password.flush();
    LaunchOptions options;
    options.server = m_server.baseUrl();
    options.user = kBetterAuthAdminEmail;
    options.passwordFile = password.fileName();
    options.pane = QStringLiteral("users");
    Launcher launcher(options);
    launcher.start();
    QTRY_VERIFY_WITH_TIMEOUT(launcher.mainWindow() && launcher.mainWindow()->isVisible(), kWaitMs);
    QVERIFY(qobject_cast<BetterAuthBackend*>(launcher.backend()));
    QCOMPARE(launcher.backend()->actor().email, kBetterAuthAdminEmail);
    launcher.mainWindow()->setAttribute(Qt::WA_QuitOnClose, false);

    // An unknown --kind is refused before anything is sent.
    LaunchOptions wrong = options;
    wrong.kind = QStringLiteral("keycloak");
    wrong.screenshot = QStringLiteral("never.png");
    Launcher refused(wrong);
    QSignalSpy finished(&refused, &Launcher::finished);
    refused.start();
    QTRY_COMPARE(finished.count(), 1);
    QCOMPARE(finished.first().first().toInt(), 1);
    QVERIFY(!refused.backend());
}

// better-auth's 401 INVALID_EMAIL_OR_PASSWORD is the console's usual sentence, in the dialog.
void TestGuiBetterAuth::wrongPasswordIsTheUsualMessage()
{
    MemorySecretStore secrets;
    LaunchOptions options;
    options.server = m_server.baseUrl();
    options.kind = QStringLiteral("better-auth");
    options.user = kBetterAuthAdminEmail;
    Launcher launcher(options, nullptr, &secrets);
    launcher.start();
    ConnectDialog* connect = nullptr;
    QTRY_VERIFY((connect = Console::visibleTopLevel<ConnectDialog>()));
    QCOMPARE(connect->profile().kind, QStringLiteral("betterauth"));
    QCOMPARE(connect->profile().location, m_server.baseUrl());
    connect->findChild<QLineEdit*>(QStringLiteral("passwordEdit"))->setText(QStringLiteral("not-the-password"));
    clickButton(connect->findChild<QPushButton*>(QStringLiteral("connectButton")));
    auto* message = connect->findChild<QLabel*>(QStringLiteral("connectMessage"));
    QTRY_VERIFY_WITH_TIMEOUT(message->isVisible() && message->text() != QStringLiteral("Connecting…"), kWaitMs);
    QCOMPARE(message->text(), QStringLiteral("Wrong email or password"));
    QVERIFY(!launcher.mainWindow());
    connect->close();
}

QTEST_MAIN(TestGuiBetterAuth)
#include "tst_gui_betterauth.moc"
