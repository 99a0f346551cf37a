// BetterAuthBackend against the real better-auth server (tests/betterauth/server.mjs, better-auth
// 1.7.5 pinned by its lockfile) on a loopback port: sign-in, users, sessions, impersonation,
// organizations, API keys, what better-auth lacks (refused without a request), our own rules it
// lacks, and its errors; then a server that dies and a fake peer that answers garbage.

#include "betterauth/betterauthbackend.h"
#include "betterauthprocess.h"
#include "testutil.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <thread>

using namespace portcullis;
using namespace portcullis::test;

namespace {

// Counts the requests that leave (to check that a refusal sent nothing).
class CountingNetwork : public QNetworkAccessManager
{
public:
    int requests = 0;

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request, QIODevice* data) override
    {
        ++requests;
        return QNetworkAccessManager::createRequest(op, request, data);
    }
};

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
    void idMapIsTwoWayAndThreadSafe();
    void detectsBetterAuth();
    void signInBuildsTheActor();
    void wrongPasswordIsUnauthenticated();
    void nonAdminIsRefused();
    void listUsersPagesWithTotal();
    void listUsersSearchesEmailAndName();
    void listUsersSorts();
    void listUsersFiltersByRole();
    void listUsersFiltersBanned();
    void createEditAndRemove();
    void duplicateEmailIsAConflict();
    void setRolesAndFilter();
    void setPasswordThenSignIn();
    void ownPasswordNeedsTheCurrentOne();
    void banWithReasonAndExpiryThenUnban();
    void ownRulesAreRefusedWithoutARequest();
    void serverRefusesAFormerAdmin();
    void sessionsOfAUserListAndRevoke();
    void revokingAllSessionsEndsThem();
    void impersonateAndStop();
    void organizationsMembersAndInvitations();
    void apiKeysOfTheAdmin();
    void capabilitiesSayWhy();
    void missingCapabilitiesSendNothing();
    void writesAnnounceWhatChanged();
    void deadServerIsConnectionLost();
    void garbageIsAClearError();
    void rateLimitSaysHowLongToWait();

private:
    std::unique_ptr<BetterAuthBackend> makeBackend();
    std::unique_ptr<BetterAuthBackend> signedIn(const QString& email, const QString& password);
    Result<User> makeUser(const QString& role = QStringLiteral("user"));

    BetterAuthProcess m_server;
    CountingNetwork m_network;
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
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
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

// Four threads map the same string ids at once: one local Id each, the same for all, both ways;
// another deployment's map is another map.
void TestBetterAuthBackend::idMapIsTwoWayAndThreadSafe()
{
    const QUrl base(QStringLiteral("http://map.test:1/api/auth"));
    std::shared_ptr<IdMap> map = IdMap::forServer(base);
    QCOMPARE(IdMap::forServer(QUrl(QStringLiteral("http://map.test:1/api/auth/"))), map);
    QVERIFY(IdMap::forServer(QUrl(QStringLiteral("http://other.test:1/api/auth"))) != map);
    QCOMPARE(map->local(QString()), Id(0));
    QVERIFY(map->remote(12345).isEmpty());
    constexpr int kIds = 2000;
    QList<QList<Id>> seen(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kIds; ++i)
                seen[t] << map->local(QStringLiteral("id-%1").arg((i * (t + 1)) % kIds));
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    QSet<Id> distinct;
    for (int i = 0; i < kIds; ++i) {
        const Id id = map->local(QStringLiteral("id-%1").arg(i));
        QVERIFY(id != 0);
        QCOMPARE(map->remote(id), QStringLiteral("id-%1").arg(i));
        distinct.insert(id);
        for (int t = 0; t < 4; ++t)
            QCOMPARE(seen[t][i], map->local(QStringLiteral("id-%1").arg((i * (t + 1)) % kIds)));
    }
    QCOMPARE(distinct.size(), kIds);
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
    // Paging through a search on both fields: the pages fit together, nothing twice, nothing lost.
    query.search = QStringLiteral("e"); // in emails and in names ("User", "Made", "Quintessa")
    query.limit = 1000;
    const Result<Page<User>> whole = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(whole);
    QVERIFY(whole->items.size() > 10);
    QCOMPARE(whole->total, qint64(whole->items.size()));
    QList<Id> paged;
    query.limit = 4;
    for (query.page = 1; paged.size() < whole->items.size() && query.page < 50; ++query.page) {
        const Result<Page<User>> page = awaitFor(m_admin->listUsers(query));
        QVERIFY_RESULT(page);
        QVERIFY(!page->items.isEmpty());
        QVERIFY(page->total >= whole->items.size() - paged.size() || page->totalIsLowerBound);
        for (const User& u : page->items)
            paged << u.id;
    }
    QList<Id> all;
    for (const User& u : whole->items)
        all << u.id;
    QCOMPARE(paged, all);
    query.page = 1;
    query.limit = 50;
    query.search = QStringLiteral("user000"); // the emails; not the names ("User 0001": compared as written)
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
    // "all" (the deleted too, where there are such) is everyone: the same total as no filter.
    query.status = QStringLiteral("all");
    const Result<Page<User>> all = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(all);
    query.status.clear();
    const Result<Page<User>> everyone = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(everyone);
    QVERIFY(everyone->total > 0);
    QCOMPARE(all->total, everyone->total);
}

// Raw better-auth call with a bearer token: the status and the JSON answer.
static std::pair<int, QJsonDocument> rawCall(QNetworkAccessManager& network, const QString& url,
                                             const QByteArray& bearer, const QByteArray& method = "GET",
                                             const QJsonObject& body = {})
{
    QNetworkRequest request { QUrl(url) };
    request.setRawHeader("Authorization", "Bearer " + bearer);
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    QNetworkReply* reply = method == "GET" ? network.get(request)
                                           : network.sendCustomRequest(request, method, QJsonDocument(body).toJson());
    QSignalSpy finished(reply, &QNetworkReply::finished);
    finished.wait(kWaitMs);
    reply->deleteLater();
    return { reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
             QJsonDocument::fromJson(reply->readAll()) };
}

void TestBetterAuthBackend::createEditAndRemove()
{
    NewUser nu;
    nu.email = QStringLiteral("Edit.Me@Test.Example");
    nu.fullName = QStringLiteral("Edit Me");
    nu.password = kStrongPassword;
    nu.verified = true;
    const Result<User> created = awaitFor(m_admin->createUser(nu));
    QVERIFY_RESULT(created);
    QCOMPARE(created->email, QStringLiteral("edit.me@test.example")); // better-auth keeps emails in lower case
    QCOMPARE(created->fullName, nu.fullName);
    QCOMPARE(created->roleCodes, QStringList { QStringLiteral("user") });
    QVERIFY(created->verified);
    UserUpdate update;
    update.fullName = QStringLiteral("Edited Name");
    update.email = QStringLiteral("edited@test.example");
    const Result<User> edited = awaitFor(m_admin->updateUser(created->id, update));
    QVERIFY_RESULT(edited);
    QCOMPARE(edited->id, created->id);
    QCOMPARE(edited->fullName, QStringLiteral("Edited Name"));
    QCOMPARE(edited->email, QStringLiteral("edited@test.example"));
    const Result<User> read = awaitFor(m_admin->getUser(created->id));
    QVERIFY_RESULT(read);
    QCOMPARE(read->email, QStringLiteral("edited@test.example"));
    // A username does not exist on better-auth.
    UserUpdate withName;
    withName.username = QStringLiteral("edited");
    QVERIFY_ERROR(awaitFor(m_admin->updateUser(created->id, withName)), ErrorCode::Forbidden);
    QVERIFY_RESULT(awaitFor(m_admin->deleteUser(created->id)));
    const Result<User> gone = awaitFor(m_admin->getUser(created->id));
    QVERIFY_ERROR(gone, ErrorCode::NotFound);
    QCOMPARE(gone.error().message, QStringLiteral("The user no longer exists on the server"));
    QVERIFY_ERROR(awaitFor(m_admin->deleteUser(created->id)), ErrorCode::NotFound);
}

void TestBetterAuthBackend::duplicateEmailIsAConflict()
{
    NewUser nu;
    nu.email = QStringLiteral("user0002@example.com");
    nu.fullName = QStringLiteral("Twice");
    nu.password = kStrongPassword;
    const Result<User> again = awaitFor(m_admin->createUser(nu));
    // As the database says it: a field error on the email, with the reason.
    QVERIFY_ERROR(again, ErrorCode::Validation);
    QCOMPARE(again.error().reason, ErrorReason::Duplicate);
    QCOMPARE(again.error().message, QStringLiteral("A user with this email address already exists"));
    QCOMPARE(again.error().fieldErrors.value(QStringLiteral("email")), again.error().message);
    nu.email = QStringLiteral("not an email");
    QVERIFY_ERROR(awaitFor(m_admin->createUser(nu)), ErrorCode::Validation);
}

void TestBetterAuthBackend::setRolesAndFilter()
{
    const Result<User> user = makeUser();
    QVERIFY_RESULT(user);
    QVERIFY_RESULT(awaitFor(m_admin->assignRole(user->id, QStringLiteral("support"))));
    Result<User> read = awaitFor(m_admin->getUser(user->id));
    QVERIFY_RESULT(read);
    QCOMPARE(read->roleCodes, (QStringList { QStringLiteral("user"), QStringLiteral("support") }));
    UserQuery query;
    query.roleCode = QStringLiteral("support");
    const Result<Page<User>> supporters = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(supporters);
    QCOMPARE(supporters->total, qint64(1));
    QCOMPARE(supporters->items.first().id, user->id);
    QVERIFY_RESULT(awaitFor(m_admin->revokeRole(user->id, QStringLiteral("user"))));
    read = awaitFor(m_admin->getUser(user->id));
    QVERIFY_RESULT(read);
    QCOMPARE(read->roleCodes, QStringList { QStringLiteral("support") });
    // The last role stays: better-auth has no user without a role.
    QVERIFY_ERROR(awaitFor(m_admin->revokeRole(user->id, QStringLiteral("support"))), ErrorCode::Validation);
}

void TestBetterAuthBackend::setPasswordThenSignIn()
{
    const Result<User> user = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(user);
    PasswordChange change;
    change.password = QStringLiteral("A-new-password-for-ba-1");
    // better-auth cannot revoke another user's API keys: asked to, the console refuses.
    QVERIFY_ERROR(awaitFor(m_admin->setPassword(user->id, change)), ErrorCode::Forbidden);
    change.revokeApiKeys = false;
    QVERIFY_RESULT(awaitFor(m_admin->setPassword(user->id, change)));
    auto old = makeBackend();
    QVERIFY_ERROR(awaitFor(old->signIn(user->email, kStrongPassword)), ErrorCode::Unauthenticated);
    QVERIFY(signedIn(user->email, change.password) != nullptr);
    change.password = QStringLiteral("short");
    const Status tooShort = awaitFor(m_admin->setPassword(user->id, change));
    QVERIFY_ERROR(tooShort, ErrorCode::Validation);
    QVERIFY(tooShort.error().fieldErrors.contains(QStringLiteral("password")));
}

void TestBetterAuthBackend::ownPasswordNeedsTheCurrentOne()
{
    const Result<User> user = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(user);
    auto console = signedIn(user->email, kStrongPassword);
    QVERIFY(console);
    PasswordChange change;
    change.password = QStringLiteral("My-own-new-password-2");
    change.revokeApiKeys = false;
    QVERIFY_ERROR(awaitFor(console->setPassword(console->actor().userId, change)), ErrorCode::Validation);
    change.currentPassword = QStringLiteral("not-my-password-1");
    const Status wrong = awaitFor(console->setPassword(console->actor().userId, change));
    QVERIFY_ERROR(wrong, ErrorCode::Validation);
    QCOMPARE(wrong.error().fieldErrors.value(QStringLiteral("current_password")),
             QStringLiteral("The current password is not right"));
    QVERIFY(console->actor().userId != 0); // a wrong current password does not end the session
    change.currentPassword = kStrongPassword;
    QVERIFY_RESULT(awaitFor(console->setPassword(console->actor().userId, change)));
    QVERIFY(signedIn(user->email, change.password) != nullptr);
}

void TestBetterAuthBackend::banWithReasonAndExpiryThenUnban()
{
    const Result<User> user = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(user);
    auto victim = signedIn(user->email, kStrongPassword);
    QVERIFY(victim);
    QSignalSpy ended(victim.get(), &Backend::sessionEnded);
    const QDateTime until = QDateTime::currentDateTimeUtc().addSecs(3600);
    QVERIFY_ERROR(awaitFor(m_admin->banUser(user->id, QString(), until)), ErrorCode::Validation);
    const Result<User> banned = awaitFor(m_admin->banUser(user->id, QStringLiteral("Spam"), until));
    QVERIFY_RESULT(banned);
    QVERIFY(banned->isBanned());
    QCOMPARE(banned->banReason, QStringLiteral("Spam"));
    QVERIFY(qAbs(banned->banExpiresAt.secsTo(until)) <= 5);
    // better-auth ends the banned user's sessions: their console finds out on its next call.
    QVERIFY_ERROR(awaitFor(victim->listUsers(UserQuery())), ErrorCode::Unauthenticated);
    QTRY_COMPARE(ended.count(), 1);
    const Result<SignedIn> refused = awaitFor(makeBackend()->signIn(user->email, kStrongPassword));
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QCOMPARE(refused.error().message, QStringLiteral("This account is banned"));
    UserQuery query;
    query.status = QStringLiteral("banned");
    const Result<Page<User>> list = awaitFor(m_admin->listUsers(query));
    QVERIFY_RESULT(list);
    QVERIFY(std::any_of(list->items.cbegin(), list->items.cend(), [&](const User& u) { return u.id == user->id; }));
    const Result<User> unbanned = awaitFor(m_admin->unbanUser(user->id));
    QVERIFY_RESULT(unbanned);
    QVERIFY(!unbanned->isBanned());
    QVERIFY(signedIn(user->email, kStrongPassword) != nullptr);
    QVERIFY_ERROR(awaitFor(m_admin->unbanUser(user->id)), ErrorCode::Conflict); // no ban to lift
    // A ban without an end.
    const Result<User> permanent = awaitFor(m_admin->banUser(user->id, QStringLiteral("For good"), QDateTime()));
    QVERIFY_RESULT(permanent);
    QVERIFY(permanent->isBanned());
    QVERIFY(!permanent->banExpiresAt.isValid());
}

void TestBetterAuthBackend::ownRulesAreRefusedWithoutARequest()
{
    const Id me = m_admin->actor().userId;
    const int before = m_network.requests;
    const Result<User> ban = awaitFor(m_admin->banUser(me, QStringLiteral("oops"), QDateTime()));
    QVERIFY_ERROR(ban, ErrorCode::Forbidden);
    QCOMPARE(ban.error().message, QStringLiteral("You cannot do this to your own account"));
    QVERIFY_ERROR(awaitFor(m_admin->deleteUser(me)), ErrorCode::Forbidden);
    QVERIFY_ERROR(awaitFor(m_admin->assignRole(me, QStringLiteral("user"))), ErrorCode::Forbidden);
    QVERIFY_ERROR(awaitFor(m_admin->revokeRole(me, QStringLiteral("admin"))), ErrorCode::Forbidden);
    QVERIFY_ERROR(awaitFor(m_admin->impersonate(me, QStringLiteral("test"), 10)), ErrorCode::Forbidden);
    QVERIFY_ERROR(awaitFor(m_admin->revokeUserSessions(me, false)), ErrorCode::Forbidden);
    QCOMPARE(m_network.requests, before);
    QCOMPARE(m_admin->actor().roleCodes, QStringList { QStringLiteral("admin") });
}

void TestBetterAuthBackend::serverRefusesAFormerAdmin()
{
    const Result<User> user = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(user);
    auto former = signedIn(user->email, kStrongPassword);
    QVERIFY(former);
    QSignalSpy changed(former.get(), &Backend::actorChanged);
    QVERIFY_RESULT(awaitFor(m_admin->assignRole(user->id, QStringLiteral("user"))));
    QVERIFY_RESULT(awaitFor(m_admin->revokeRole(user->id, QStringLiteral("admin"))));
    const Result<Page<User>> refused = awaitFor(former->listUsers(UserQuery()));
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QVERIFY2(refused.error().message.startsWith(QStringLiteral("The server refused the request: ")),
             qPrintable(refused.error().message));
    // The console learns that the rights are gone (and stops offering what needs them).
    QTRY_COMPARE(changed.count(), 1);
    QVERIFY(former->actor().permissions.isEmpty());
    QCOMPARE(former->actor().roleCodes, QStringList { QStringLiteral("user") });
    QVERIFY(former->actor().userId != 0);
}

void TestBetterAuthBackend::sessionsOfAUserListAndRevoke()
{
    const Result<User> user = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(user);
    auto first = signedIn(user->email, kStrongPassword);
    auto second = signedIn(user->email, kStrongPassword);
    QVERIFY(first && second);
    SessionQuery query;
    query.userId = user->id;
    const Result<Page<Session>> sessions = awaitFor(m_admin->listSessions(query));
    QVERIFY_RESULT(sessions);
    QCOMPARE(sessions->total, qint64(2));
    QCOMPARE(sessions->items.size(), 2);
    for (const Session& s : sessions->items) {
        QCOMPARE(s.userId, user->id);
        QCOMPARE(s.userEmail, user->email);
        QVERIFY(s.id != 0);
        QVERIFY(s.expiresAt > QDateTime::currentDateTimeUtc());
        QVERIFY(!s.isImpersonation());
    }
    // Newest first; the backends of one deployment agree on ids.
    QVERIFY(sessions->items.at(0).createdAt >= sessions->items.at(1).createdAt);
    const Id firstSession = first->actor().sessionId;
    QCOMPARE(sessions->items.last().id, firstSession);
    QVERIFY_RESULT(awaitFor(m_admin->revokeSession(firstSession)));
    QVERIFY_ERROR(awaitFor(first->listUsers(UserQuery())), ErrorCode::Unauthenticated);
    QVERIFY_RESULT(awaitFor(second->listUsers(UserQuery())));
    const Result<Page<Session>> left = awaitFor(m_admin->listSessions(query));
    QVERIFY_RESULT(left);
    QCOMPARE(left->total, qint64(1));
    // Every session at once (the global list does not exist on better-auth).
    QVERIFY_ERROR(awaitFor(m_admin->listSessions(SessionQuery())), ErrorCode::Forbidden);
}

void TestBetterAuthBackend::revokingAllSessionsEndsThem()
{
    const Result<User> user = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(user);
    auto one = signedIn(user->email, kStrongPassword);
    auto two = signedIn(user->email, kStrongPassword);
    QVERIFY(one && two);
    QSignalSpy ended(one.get(), &Backend::sessionEnded);
    QVERIFY_ERROR(awaitFor(m_admin->revokeUserSessions(user->id, true)), ErrorCode::Forbidden); // keys: not here
    const Result<int> count = awaitFor(m_admin->revokeUserSessions(user->id, false));
    QVERIFY_RESULT(count);
    QCOMPARE(*count, 2);
    QVERIFY_ERROR(awaitFor(one->listUsers(UserQuery())), ErrorCode::Unauthenticated);
    QVERIFY_ERROR(awaitFor(two->listUsers(UserQuery())), ErrorCode::Unauthenticated);
    QTRY_COMPARE(ended.count(), 1);
    QCOMPARE(ended.first().first().toString(), QStringLiteral("Your session has ended; sign in again"));
    QCOMPARE(one->actor().userId, Id(0));
    // The admin's own console is untouched.
    QVERIFY_RESULT(awaitFor(m_admin->listUsers(UserQuery())));
}

void TestBetterAuthBackend::impersonateAndStop()
{
    const Result<User> user = makeUser();
    QVERIFY_RESULT(user);
    const Result<CreatedSession> created = awaitFor(m_admin->impersonate(user->id, QStringLiteral("support"), 30));
    QVERIFY_RESULT(created);
    QVERIFY(!created->token.isEmpty());
    QCOMPARE(created->session.userId, user->id);
    QCOMPARE(created->session.impersonatorId, m_admin->actor().userId);
    QCOMPARE(created->session.userEmail, user->email);
    QVERIFY(created->session.isImpersonation());
    // The token is the user's session now; the admin's console goes on as the admin.
    const QString base = m_server.baseUrl();
    auto [status, session] = rawCall(m_network, base + QStringLiteral("/get-session"), created->token.toUtf8());
    QCOMPARE(status, 200);
    QCOMPARE(session.object().value(QStringLiteral("user")).toObject().value(QStringLiteral("email")).toString(),
             user->email);
    QVERIFY_RESULT(awaitFor(m_admin->listUsers(UserQuery())));
    SessionQuery query;
    query.userId = user->id;
    const Result<Page<Session>> sessions = awaitFor(m_admin->listSessions(query));
    QVERIFY_RESULT(sessions);
    QCOMPARE(sessions->items.size(), 1);
    QCOMPARE(sessions->items.first().id, created->session.id);
    QCOMPARE(sessions->items.first().impersonatorId, m_admin->actor().userId);
    QCOMPARE(sessions->items.first().impersonatorEmail, kBetterAuthAdminEmail);
    // Stop: better-auth's stop-impersonating ends the impersonation session.
    QVERIFY_RESULT(awaitFor(m_admin->revokeSession(created->session.id)));
    std::tie(status, session) = rawCall(m_network, base + QStringLiteral("/get-session"), created->token.toUtf8());
    QCOMPARE(status, 200);
    QVERIFY(session.isNull() || session.object().isEmpty());
    const Result<Page<Session>> after = awaitFor(m_admin->listSessions(query));
    QVERIFY_RESULT(after);
    QCOMPARE(after->total, qint64(0));
    QVERIFY_RESULT(awaitFor(m_admin->listUsers(UserQuery())));
    // Another admin: better-auth refuses (403 YOU_CANNOT_IMPERSONATE_ADMINS), in its words.
    const Result<User> admin = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(admin);
    const Result<CreatedSession> refused = awaitFor(m_admin->impersonate(admin->id, QStringLiteral("x"), 10));
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QCOMPARE(refused.error().message, QStringLiteral("The server refused the request: You cannot impersonate admins"));
}

void TestBetterAuthBackend::organizationsMembersAndInvitations()
{
    NewOrganization org;
    org.name = QStringLiteral("Acme Better");
    const Result<Organization> created = awaitFor(m_admin->createOrganization(org));
    QVERIFY_RESULT(created);
    QCOMPARE(created->slug, QStringLiteral("acme-better"));
    const Result<QList<Organization>> listed = awaitFor(m_admin->listOrganizations());
    QVERIFY_RESULT(listed);
    const auto it
        = std::find_if(listed->cbegin(), listed->cend(), [&](const Organization& o) { return o.id == created->id; });
    QVERIFY(it != listed->cend());
    QCOMPARE(it->name, org.name);
    QCOMPARE(it->userCount, qint64(1)); // the admin who created it, as its owner
    QCOMPARE(it->pendingInvitations, qint64(0));
    UserQuery members;
    members.organizationId = created->id;
    const Result<Page<User>> people = awaitFor(m_admin->listUsers(members));
    QVERIFY_RESULT(people);
    QCOMPARE(people->total, qint64(1));
    QCOMPARE(people->items.first().id, m_admin->actor().userId);
    QCOMPARE(people->items.first().roleCodes, QStringList { QStringLiteral("owner") });
    QCOMPARE(people->items.first().organizationId, created->id);

    const Result<CreatedInvitation> invited
        = awaitFor(m_admin->invite(created->id, QStringLiteral("newcomer@test.example"), QStringLiteral("member"), 7));
    QVERIFY_RESULT(invited);
    QCOMPARE(invited->invitation.organizationId, created->id);
    QCOMPARE(invited->invitation.roleCode, QStringLiteral("member"));
    QCOMPARE(invited->invitation.status(), QStringLiteral("pending"));
    QVERIFY(invited->token.isEmpty()); // better-auth mails it itself
    Result<QList<Invitation>> invitations = awaitFor(m_admin->listInvitations(created->id));
    QVERIFY_RESULT(invitations);
    QCOMPARE(invitations->size(), 1);
    QCOMPARE(invitations->first().email, QStringLiteral("newcomer@test.example"));
    const Result<QList<Organization>> counted = awaitFor(m_admin->listOrganizations());
    QVERIFY_RESULT(counted);
    for (const Organization& o : *counted) {
        if (o.id == created->id)
            QCOMPARE(o.pendingInvitations, qint64(1));
    }
    QVERIFY_RESULT(awaitFor(m_admin->revokeInvitation(invitations->first().id)));
    invitations = awaitFor(m_admin->listInvitations(created->id));
    QVERIFY_RESULT(invitations);
    QCOMPARE(invitations->size(), 1);
    QVERIFY(invitations->first().revoked);
    // Someone accepts an invitation (as themself, over better-auth's API): two members, paged by
    // the server, searched here.
    const Result<User> joiner = makeUser();
    QVERIFY_RESULT(joiner);
    const Result<CreatedInvitation> second = awaitFor(m_admin->invite(created->id, joiner->email, QString(), 7));
    QVERIFY_RESULT(second);
    QNetworkRequest signIn(QUrl(m_server.baseUrl() + QStringLiteral("/sign-in/email")));
    signIn.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    // No cookie jar (a cookie makes better-auth demand an Origin): the bearer header only.
    signIn.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    signIn.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    QNetworkReply* reply = m_network.post(signIn,
                                          QJsonDocument(QJsonObject { { QStringLiteral("email"), joiner->email },
                                                                      { QStringLiteral("password"), kStrongPassword } })
                                              .toJson());
    QSignalSpy signedIn(reply, &QNetworkReply::finished);
    QVERIFY(signedIn.wait(kWaitMs));
    const QByteArray joinerToken = reply->rawHeader("set-auth-token");
    reply->deleteLater();
    QVERIFY(!joinerToken.isEmpty());
    QNetworkAccessManager plain;
    // The joiner's invitation in the admin's list; its better-auth id from the deployment's id map.
    const Result<QList<Invitation>> open = awaitFor(m_admin->listInvitations(created->id));
    QVERIFY_RESULT(open);
    Id joinerInvitation = 0;
    for (const Invitation& i : *open) {
        if (i.email == joiner->email)
            joinerInvitation = i.id;
    }
    QCOMPARE(joinerInvitation, second->invitation.id);
    QCOMPARE(second->invitation.roleCode, QStringLiteral("member")); // no role given: member
    auto [accepted, answer]
        = rawCall(plain, m_server.baseUrl() + QStringLiteral("/organization/accept-invitation"), joinerToken, "POST",
                  { { QStringLiteral("invitationId"), IdMap::forServer(m_server.url())->remote(joinerInvitation) } });
    QCOMPARE(accepted, 200);
    QCOMPARE(answer.object().value(QStringLiteral("member")).toObject().value(QStringLiteral("role")).toString(),
             QStringLiteral("member"));
    members.limit = 1;
    members.page = 2;
    const Result<Page<User>> pageTwo = awaitFor(m_admin->listUsers(members));
    QVERIFY_RESULT(pageTwo);
    QCOMPARE(pageTwo->total, qint64(2));
    QCOMPARE(pageTwo->items.size(), 1);
    members.limit = 50;
    members.page = 1;
    members.search = joiner->email;
    const Result<Page<User>> searched = awaitFor(m_admin->listUsers(members));
    QVERIFY_RESULT(searched);
    QCOMPARE(searched->total, qint64(1));
    QCOMPARE(searched->items.first().id, joiner->id);
    QCOMPARE(searched->items.first().roleCodes, QStringList { QStringLiteral("member") });
    members.search.clear();
    members.roleCode = QStringLiteral("owner");
    const Result<Page<User>> owners = awaitFor(m_admin->listUsers(members));
    QVERIFY_RESULT(owners);
    QCOMPARE(owners->total, qint64(1));
    QCOMPARE(owners->items.first().id, m_admin->actor().userId);
    // Plans and seat limits do not exist here.
    OrganizationUpdate plan;
    plan.plan = QStringLiteral("pro");
    QVERIFY_ERROR(awaitFor(m_admin->updateOrganization(created->id, plan)), ErrorCode::Forbidden);
    OrganizationUpdate rename;
    rename.name = QStringLiteral("Acme Renamed");
    const Result<Organization> renamed = awaitFor(m_admin->updateOrganization(created->id, rename));
    QVERIFY_RESULT(renamed);
    QCOMPARE(renamed->name, QStringLiteral("Acme Renamed"));
}

void TestBetterAuthBackend::apiKeysOfTheAdmin()
{
    NewApiKey key;
    key.name = QStringLiteral("deploy");
    key.expiresAt = QDateTime::currentDateTimeUtc().addDays(30);
    const Result<CreatedApiKey> created = awaitFor(m_admin->createApiKey(key));
    QVERIFY_RESULT(created);
    QCOMPARE(created->secret.size(), 64);
    QCOMPARE(created->key.name, QStringLiteral("deploy"));
    QCOMPARE(created->key.userId, m_admin->actor().userId);
    QVERIFY(created->secret.startsWith(created->key.prefix));
    QVERIFY(qAbs(created->key.expiresAt.secsTo(key.expiresAt)) <= 5);
    // The key works (better-auth's verify is server-only; server.mjs exposes it for tests).
    auto [status, verified] = rawCall(
        m_network, m_server.url().adjusted(QUrl::RemovePath).toString() + QStringLiteral("/peer/verify-api-key"),
        QByteArray(), "POST", { { QStringLiteral("key"), created->secret } });
    QCOMPARE(status, 200);
    QVERIFY(verified.object().value(QStringLiteral("valid")).toBool());
    const Result<Page<ApiKey>> mine = awaitFor(m_admin->listApiKeys(0, 1, 50));
    QVERIFY_RESULT(mine);
    QCOMPARE(mine->total, qint64(1));
    QCOMPARE(mine->items.first().id, created->key.id);
    ApiKeyUpdate rename;
    rename.name = QStringLiteral("deploy-2");
    const Result<ApiKey> renamed = awaitFor(m_admin->updateApiKey(created->key.id, rename));
    QVERIFY_RESULT(renamed);
    QCOMPARE(renamed->name, QStringLiteral("deploy-2"));
    const Result<ApiKey> read = awaitFor(m_admin->getApiKey(created->key.id));
    QVERIFY_RESULT(read);
    QCOMPARE(read->name, QStringLiteral("deploy-2"));
    // Scopes are server-only on better-auth; other users' keys are out of reach.
    NewApiKey scoped;
    scoped.name = QStringLiteral("scoped");
    scoped.scopes = { QStringLiteral("admin:user:view") };
    QVERIFY_ERROR(awaitFor(m_admin->createApiKey(scoped)), ErrorCode::Forbidden);
    const Result<User> other = makeUser();
    QVERIFY_RESULT(other);
    QVERIFY_ERROR(awaitFor(m_admin->listApiKeys(other->id, 1, 50)), ErrorCode::Forbidden);
    QVERIFY_RESULT(awaitFor(m_admin->revokeApiKey(created->key.id)));
    const Result<Page<ApiKey>> none = awaitFor(m_admin->listApiKeys(0, 1, 50));
    QVERIFY_RESULT(none);
    QCOMPARE(none->total, qint64(0));
    std::tie(status, verified) = rawCall(
        m_network, m_server.url().adjusted(QUrl::RemovePath).toString() + QStringLiteral("/peer/verify-api-key"),
        QByteArray(), "POST", { { QStringLiteral("key"), created->secret } });
    QVERIFY(!verified.object().value(QStringLiteral("valid")).toBool());
}

void TestBetterAuthBackend::capabilitiesSayWhy()
{
    const Capabilities c = m_admin->capabilities();
    QVERIFY(!c.has(Capability::AuditLog));
    QCOMPARE(c.whyNot(Capability::AuditLog), QStringLiteral("This server keeps no audit log."));
    for (const Capability missing :
         { Capability::RoleCatalog, Capability::PermissionCatalog, Capability::Statistics, Capability::SessionList,
           Capability::SuspendUsers, Capability::MoveUsers, Capability::UserImportExport,
           Capability::DeploymentSettings, Capability::Maintenance, Capability::PasswordResetCodes,
           Capability::ApiKeyRotation, Capability::OrganizationLifecycle, Capability::Usernames,
           Capability::ApiKeysOfOthers, Capability::LastSignIn, Capability::ImpersonationLength }) {
        QVERIFY(!c.has(missing));
        QVERIFY(!c.whyNot(missing).isEmpty());
        QVERIFY(c.whyNot(missing).endsWith(QLatin1Char('.')));
    }
    QVERIFY(c.has(Capability::Impersonation));
    QCOMPARE(BetterAuthBackend::betterAuthCapabilities().set, c.set);
}

// Every call for something better-auth lacks fails at once with the reason, and nothing is sent.
void TestBetterAuthBackend::missingCapabilitiesSendNothing()
{
    const Capabilities c = m_admin->capabilities();
    const int before = m_network.requests;
    const Id someone = m_admin->actor().userId + 1;
    const auto refused = [&](const auto& result, Capability missing) {
        return !result.ok() && result.error().code == ErrorCode::Forbidden
            && result.error().message == c.whyNot(missing);
    };
    auto cancel = std::make_shared<std::atomic_bool>(false);
    QVERIFY(refused(awaitFor(m_admin->listRoles()), Capability::RoleCatalog));
    QVERIFY(refused(awaitFor(m_admin->createRole(NewRole())), Capability::RoleCatalog));
    QVERIFY(refused(awaitFor(m_admin->listPermissions()), Capability::PermissionCatalog));
    QVERIFY(refused(awaitFor(m_admin->userEffectivePermissions(someone)), Capability::PermissionCatalog));
    QVERIFY(refused(awaitFor(m_admin->queryAudit(AuditQuery())), Capability::AuditLog));
    QVERIFY(refused(awaitFor(m_admin->verifyAudit(cancel)), Capability::AuditLog));
    QVERIFY(refused(awaitFor(m_admin->stats(0)), Capability::Statistics));
    QVERIFY(refused(awaitFor(m_admin->activity(0, 7)), Capability::Statistics));
    QVERIFY(refused(awaitFor(m_admin->listSessions(SessionQuery())), Capability::SessionList));
    QVERIFY(refused(awaitFor(m_admin->suspendUser(someone, QStringLiteral("x"))), Capability::SuspendUsers));
    QVERIFY(refused(awaitFor(m_admin->moveUser(someone, 1)), Capability::MoveUsers));
    QVERIFY(refused(awaitFor(m_admin->exportUsers(UserQuery(), QStringLiteral("/tmp/x.csv"), {}, cancel)),
                    Capability::UserImportExport));
    QVERIFY(refused(awaitFor(m_admin->settings()), Capability::DeploymentSettings));
    QVERIFY(refused(awaitFor(m_admin->runMaintenance()), Capability::Maintenance));
    QVERIFY(refused(awaitFor(m_admin->issuePasswordReset(someone)), Capability::PasswordResetCodes));
    QVERIFY(refused(awaitFor(m_admin->rotateApiKey(1, 0)), Capability::ApiKeyRotation));
    QVERIFY(refused(awaitFor(m_admin->suspendOrganization(1)), Capability::OrganizationLifecycle));
    QVERIFY(refused(awaitFor(m_admin->wipeOutOrganization(1, QStringLiteral("x"))), Capability::OrganizationLifecycle));
    NewOrganization limited;
    limited.name = QStringLiteral("Limited");
    limited.maxUsers = 5;
    QVERIFY(refused(awaitFor(m_admin->createOrganization(limited)), Capability::OrganizationLifecycle));
    NewUser named;
    named.email = QStringLiteral("named@test.example");
    named.username = QStringLiteral("named");
    QVERIFY(refused(awaitFor(m_admin->createUser(named)), Capability::Usernames));
    QVERIFY(refused(awaitFor(m_admin->listApiKeys(someone, 1, 50)), Capability::ApiKeysOfOthers));
    QCOMPARE(m_network.requests, before);
}

void TestBetterAuthBackend::writesAnnounceWhatChanged()
{
    QSignalSpy changed(m_admin.get(), &Backend::recordsChanged);
    QVERIFY_RESULT(awaitFor(m_admin->listUsers(UserQuery())));
    QVERIFY_ERROR(awaitFor(m_admin->banUser(m_admin->actor().userId, QStringLiteral("x"), QDateTime())),
                  ErrorCode::Forbidden);
    QCoreApplication::processEvents();
    QCOMPARE(changed.count(), 0);
    const Result<User> user = makeUser();
    QVERIFY_RESULT(user);
    QTRY_COMPARE(changed.count(), 1);
    QVERIFY(changed.first().first().value<Records>().testFlag(Record::Users));
}

void TestBetterAuthBackend::deadServerIsConnectionLost()
{
    BetterAuthProcess doomed;
    QVERIFY2(doomed.start(), qPrintable(doomed.error()));
    QNetworkAccessManager network;
    BetterAuthBackend backend(&network, doomed.url());
    QVERIFY_RESULT(awaitFor(backend.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword)));
    QSignalSpy lost(&backend, &Backend::connectionLost);
    QSignalSpy ended(&backend, &Backend::sessionEnded);
    doomed.kill();
    const Result<Page<User>> result = awaitFor(backend.listUsers(UserQuery()));
    QVERIFY_ERROR(result, ErrorCode::Unavailable);
    QVERIFY2(result.error().message.contains(QStringLiteral("127.0.0.1")), qPrintable(result.error().message));
    QTRY_COMPARE(lost.count(), 1);
    QVERIFY(!backend.isReachable());
    QCOMPARE(ended.count(), 0);
    QVERIFY_ERROR(awaitFor(backend.checkConnection()), ErrorCode::Unavailable);
}

// A peer that answers every request with `answer` (then closes).
class FakePeer : public QTcpServer
{
public:
    explicit FakePeer(QByteArray answer)
        : m_answer(std::move(answer))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                    socket->readAll();
                    socket->write(m_answer);
                    socket->disconnectFromHost();
                });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1/api/auth").arg(serverPort())); }

private:
    QByteArray m_answer;
};

void TestBetterAuthBackend::garbageIsAClearError()
{
    // Signs in (a token header), then the session answer is not JSON.
    FakePeer garbage("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nset-auth-token: abc\r\n"
                     "Content-Length: 9\r\nConnection: close\r\n\r\n{\"user\":[");
    QVERIFY(garbage.listen(QHostAddress::LocalHost));
    QNetworkAccessManager network;
    BetterAuthBackend backend(&network, garbage.url());
    const Result<SignedIn> result = awaitFor(backend.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword));
    QVERIFY_ERROR(result, ErrorCode::Unavailable);
    QCOMPARE(result.error().message, QStringLiteral("The server sent an answer that is not valid JSON"));
    const Result<bool> detected = awaitFor(BetterAuthBackend::detect(&network, garbage.url()));
    QVERIFY_RESULT(detected);
    QVERIFY(!*detected);
    // A server error with better-auth's error shape, and one with none.
    FakePeer failing("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                     "Content-Length: 36\r\nConnection: close\r\n\r\n{\"message\":\"boom\",\"code\":\"INTERNAL\"}");
    QVERIFY(failing.listen(QHostAddress::LocalHost));
    BetterAuthBackend broken(&network, failing.url());
    const Result<SignedIn> failed = awaitFor(broken.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword));
    QVERIFY_ERROR(failed, ErrorCode::Storage);
    QCOMPARE(failed.error().message, QStringLiteral("The server failed (HTTP 500): boom"));
    // A peer that never answers: the request times out.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    BetterAuthBackend waiting(&network, QUrl(QStringLiteral("http://127.0.0.1:%1/api/auth").arg(silent.serverPort())));
    waiting.setTimeout(500);
    const Result<SignedIn> hung = awaitFor(waiting.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword));
    QVERIFY_ERROR(hung, ErrorCode::Unavailable);
    QCOMPARE(hung.error().message, QStringLiteral("127.0.0.1 did not answer within 1 seconds"));
    // A file that holds no certificate is refused as a field error.
    QVERIFY_ERROR(waiting.trustCaFile(QStringLiteral(PORTCULLIS_BETTERAUTH_SOURCE_DIR "/server.mjs")),
                  ErrorCode::Validation);
    FakePeer limited("HTTP/1.1 429 Too Many Requests\r\nX-Retry-After: 17\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n");
    QVERIFY(limited.listen(QHostAddress::LocalHost));
    BetterAuthBackend throttled(&network, limited.url());
    const Result<SignedIn> slow = awaitFor(throttled.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword));
    QVERIFY_ERROR(slow, ErrorCode::RateLimited);
    QCOMPARE(slow.error().message, QStringLiteral("Too many requests: wait 17 seconds and try again."));
}

// better-auth's own rate limiter (server.mjs --rate-limit): sign-in allows 3 tries per 10 seconds,
// then 429 with X-Retry-After and no code.
void TestBetterAuthBackend::rateLimitSaysHowLongToWait()
{
    BetterAuthProcess limited;
    QVERIFY2(limited.start({ QStringLiteral("--rate-limit"), QStringLiteral("100") }), qPrintable(limited.error()));
    QNetworkAccessManager network;
    BetterAuthBackend backend(&network, limited.url());
    for (int i = 0; i < 3; ++i)
        QVERIFY_ERROR(awaitFor(backend.signIn(kBetterAuthAdminEmail, QStringLiteral("wrong-password-1"))),
                      ErrorCode::Unauthenticated);
    const Result<SignedIn> slow = awaitFor(backend.signIn(kBetterAuthAdminEmail, kBetterAuthAdminPassword));
    QVERIFY_ERROR(slow, ErrorCode::RateLimited);
    QVERIFY2(slow.error().message.startsWith(QStringLiteral("Too many requests: wait ")),
             qPrintable(slow.error().message));
    QVERIFY(!slow.error().message.contains(QStringLiteral("wait 1 seconds")));
}

QTEST_GUILESS_MAIN(TestBetterAuthBackend)
#include "tst_betterauth_backend.moc"
