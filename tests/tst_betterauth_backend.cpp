// BetterAuthBackend against the real better-auth server (tests/betterauth/server.mjs, better-auth
// 1.7.5 pinned by its lockfile) on a loopback port: sign-in, users, sessions, impersonation,
// organizations, API keys, what better-auth lacks (refused without a request), our own rules it
// lacks, and its errors; then a server that dies and a fake peer that answers garbage.

#include "betterauth/betterauthbackend.h"
#include "betterauthprocess.h"
#include "testutil.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr int kWaitMs = kBetterAuthWaitMs;
constexpr int kSeededUsers = 12; // server.mjs --users: user0001@example.com ... with the admin's password

template <typename T> T awaitFor(QFuture<T> future)
{
    return awaitResult(std::move(future), kWaitMs);
}

} // namespace

class TestBetterAuthBackend : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void serverAnswers();
    void detectsBetterAuth();
    void signInBuildsTheActor();
    void wrongPasswordIsUnauthenticated();
    void nonAdminIsRefused();
    void listUsersPagesWithTotal();
    void listUsersSearchesEmailAndName();
    void listUsersSorts();
    void listUsersFiltersByRole();
    void listUsersFiltersBanned();

private:
    std::unique_ptr<BetterAuthBackend> makeBackend();
    std::unique_ptr<BetterAuthBackend> signedIn(const QString& email, const QString& password);
    Result<User> makeUser(const QString& role = QStringLiteral("user"));

    BetterAuthProcess m_server;
    QNetworkAccessManager m_network;
    std::unique_ptr<BetterAuthBackend> m_admin;
    int m_counter = 0;
};

std::unique_ptr<BetterAuthBackend> TestBetterAuthBackend::makeBackend()
{
    return std::make_unique<BetterAuthBackend>(&m_network, m_server.url());
}

std::unique_ptr<BetterAuthBackend> TestBetterAuthBackend::signedIn(const QString& email, const QString& password)
{
    auto backend = makeBackend();
    const Result<SignedIn> result = awaitFor(backend->signIn(email, password));
    if (!result.ok())
        qWarning() << "sign-in of" << email << "failed:" << result.error().toString();
    return result.ok() ? std::move(backend) : nullptr;
}

Result<User> TestBetterAuthBackend::makeUser(const QString& role)
{
    ++m_counter;
    NewUser nu;
    nu.email = QStringLiteral("made%1@test.example").arg(m_counter, 3, 10, QLatin1Char('0'));
    nu.fullName = QStringLiteral("Made %1").arg(m_counter);
    nu.password = kStrongPassword;
    nu.roleCodes = { role };
    return awaitFor(m_admin->createUser(nu));
}

void TestBetterAuthBackend::initTestCase()
{
    QVERIFY2(m_server.start({ QStringLiteral("--users"), QString::number(kSeededUsers) }),
             qPrintable(m_server.error()));
    m_admin = makeBackend();
    QVERIFY_RESULT(awaitFor(m_admin->signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword)));
}

void TestBetterAuthBackend::cleanupTestCase()
{
    m_admin.reset();
    m_server.stop();
}

// The fixture's server: /ok answers, the first admin signs in and gets a bearer token.
void TestBetterAuthBackend::serverAnswers()
{
    QNetworkRequest request(QUrl(m_server.baseUrl() + QStringLiteral("/sign-in/email")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply
        = m_network.post(request,
                         QJsonDocument(QJsonObject { { QStringLiteral("email"), kBetterAuthAdminEmail },
                                                     { QStringLiteral("password"), kBetterAuthAdminPassword } })
                             .toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(kWaitMs));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QVERIFY(!reply->rawHeader("set-auth-token").isEmpty());
    const QJsonObject user
        = QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("user")).toObject();
    QCOMPARE(user.value(QStringLiteral("role")).toString(), QStringLiteral("admin"));
    reply->deleteLater();
}

void TestBetterAuthBackend::detectsBetterAuth()
{
    const Result<bool> yes = awaitFor(BetterAuthBackend::detect(&m_network, m_server.url()));
    QVERIFY_RESULT(yes);
    QVERIFY(*yes);
    // Another path of the same server answers 404: not better-auth's base path.
    QUrl elsewhere = m_server.url();
    elsewhere.setPath(QStringLiteral("/not/auth"));
    const Result<bool> no = awaitFor(BetterAuthBackend::detect(&m_network, elsewhere));
    QVERIFY_RESULT(no);
    QVERIFY(!*no);
}

void TestBetterAuthBackend::signInBuildsTheActor()
{
    const Actor actor = m_admin->actor();
    QVERIFY(actor.userId != 0);
    QVERIFY(actor.sessionId != 0);
    QCOMPARE(actor.email, kBetterAuthAdminEmail);
    QCOMPARE(actor.roleCodes, QStringList { QStringLiteral("admin") });
    QCOMPARE(actor.level, Level::SuperAdmin);
    QVERIFY(actor.permissions.contains(QStringLiteral("admin:user:ban")));
    QVERIFY(!actor.permissions.contains(QStringLiteral("*")));
    QVERIFY(m_admin->describe().contains(m_server.baseUrl()));
}

void TestBetterAuthBackend::wrongPasswordIsUnauthenticated()
{
    auto backend = makeBackend();
    const Result<SignedIn> result
        = awaitFor(backend->signIn(kBetterAuthAdminEmail, QStringLiteral("not-the-password")));
    QVERIFY_ERROR(result, ErrorCode::Unauthenticated);
    QCOMPARE(result.error().message, QStringLiteral("Wrong email or password"));
    QCOMPARE(backend->actor().userId, Id(0));
}

void TestBetterAuthBackend::nonAdminIsRefused()
{
    auto backend = makeBackend();
    const Result<SignedIn> result
        = awaitFor(backend->signIn(QStringLiteral("user0001@example.com"), kBetterAuthAdminPassword));
    QVERIFY_ERROR(result, ErrorCode::Forbidden);
    QVERIFY2(result.error().message.contains(QStringLiteral("not an administrator")),
             qPrintable(result.error().message));
    QCOMPARE(backend->actor().userId, Id(0));
}

void TestBetterAuthBackend::listUsersPagesWithTotal()
{
    UserQuery query;
    query.search = QStringLiteral("@example.com");
    query.limit = 5;
    query.page = 1;
    const Result<Page<User>> first = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(first);
    QCOMPARE(first->total, qint64(kSeededUsers));
    QVERIFY(!first->totalIsLowerBound);
    QCOMPARE(first->items.size(), 5);
    QCOMPARE(first->items.first().email, QStringLiteral("user0001@example.com"));
    query.page = 3;
    const Result<Page<User>> last = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(last);
    QCOMPARE(last->items.size(), kSeededUsers - 10);
    QCOMPARE(last->items.first().email, QStringLiteral("user0011@example.com"));
    const User& u = last->items.first();
    QVERIFY(u.id != 0);
    QCOMPARE(u.fullName, QStringLiteral("User 0011"));
    QCOMPARE(u.roleCodes, QStringList { QStringLiteral("user") });
    QVERIFY(u.username.isEmpty());
    QCOMPARE(u.organizationId, Id(0));
    QVERIFY(u.createdAt.isValid());
    QVERIFY(!u.isBanned());
    // The same string id maps to the same local id every time.
    const Result<User> again = awaitFor(m_admin->getUser(u.id));
    QVERIFY_RESULT(again);
    QCOMPARE(again->email, u.email);
}

void TestBetterAuthBackend::listUsersSearchesEmailAndName()
{
    QVERIFY_RESULT(makeUser());
    NewUser named;
    named.email = QStringLiteral("zed@elsewhere.test");
    named.fullName = QStringLiteral("Quintessa Searchable");
    named.password = kStrongPassword;
    QVERIFY_RESULT(awaitFor(m_admin->createUser(named)));
    UserQuery query;
    query.search = QStringLiteral("Quintessa"); // by name (better-auth compares names as written)
    Result<Page<User>> found = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(found);
    QCOMPARE(found->items.size(), 1);
    QCOMPARE(found->items.first().email, named.email);
    QCOMPARE(found->total, qint64(1));
    query.search = QStringLiteral("ELSEWHERE"); // by email (any case), without an @
    found = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(found);
    QCOMPARE(found->items.size(), 1);
    query.search = QStringLiteral("user000"); // in the emails and the names ("User 0001"): counted once
    found = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(found);
    QCOMPARE(found->total, qint64(9));
    QCOMPARE(found->items.size(), 9);
}

void TestBetterAuthBackend::listUsersSorts()
{
    UserQuery query;
    query.search = QStringLiteral("@example.com");
    query.sortBy = QStringLiteral("email");
    query.descending = true;
    query.limit = 3;
    const Result<Page<User>> page = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(page);
    QCOMPARE(page->items.size(), 3);
    QCOMPARE(page->items.at(0).email, QStringLiteral("user0012@example.com"));
    QCOMPARE(page->items.at(2).email, QStringLiteral("user0010@example.com"));
}

void TestBetterAuthBackend::listUsersFiltersByRole()
{
    UserQuery query;
    query.roleCode = QStringLiteral("admin");
    const Result<Page<User>> admins = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(admins);
    QVERIFY(admins->total >= 1);
    for (const User& u : admins->items)
        QVERIFY2(u.roleCodes.contains(QStringLiteral("admin")), qPrintable(u.email));
    bool sawMe = false;
    for (const User& u : admins->items)
        sawMe = sawMe || u.email == kBetterAuthAdminEmail;
    QVERIFY(sawMe);
}

void TestBetterAuthBackend::listUsersFiltersBanned()
{
    UserQuery query;
    query.status = QStringLiteral("banned");
    const Result<Page<User>> banned = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(banned);
    for (const User& u : banned->items)
        QVERIFY(u.isBanned());
    query.status = QStringLiteral("suspended"); // no such thing on better-auth: none
    const Result<Page<User>> suspended = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(suspended);
    QCOMPARE(suspended->total, qint64(0));
}

QTEST_GUILESS_MAIN(TestBetterAuthBackend)
#include "tst_betterauth_backend.moc"
