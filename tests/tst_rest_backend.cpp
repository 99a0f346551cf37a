// One body of service-level checks run against the backends: SqlBackend on a temporary database,
// RestBackend against the real portcullis-server (PORTCULLIS_SERVER_BIN) serving the same kind of
// database on a loopback port, and, for the checks that apply to it, BetterAuthBackend against the
// real better-auth server (tests/betterauth). The first two deployments are made the same way:
// `portcullis-server init` creates the first super admin; better-auth's test server creates its
// first admin with the same credentials. Then the REST-only failures: a fake server that answers garbage,
// hangs or closes mid-answer, a killed server, a revoked or foreign-signed session (one refresh for
// all waiting requests), and TLS with a self-signed certificate.

#include "betterauth/betterauthbackend.h"
#include "betterauthprocess.h"
#include "contractcheck.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "sqlbackend.h"
#include "testutil.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <memory>

#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr int kWaitMs = kServerWaitMs;

// Waits for a future with the event loop running (as the console would), as long as the server
// tests wait, then returns its result.
template <typename T> T awaitFor(QFuture<T> future)
{
    return awaitResult(std::move(future), kWaitMs);
}

} // namespace

// --- the contract both backends keep ---------------------------------------------------------------

class BackendContract : public QObject
{
    Q_OBJECT

protected:
    // Prepares the deployment (database, first super admin, server); returns false with a reason.
    virtual bool setUpDeployment(QString* error) = 0;
    // A backend on the deployment, not signed in.
    virtual std::unique_ptr<Backend> makeBackend() = 0;
    // Why the check `test` does not apply to this deployment (empty: it applies).
    virtual QString notApplicable(const QString& test) const
    {
        Q_UNUSED(test);
        return {};
    }

    Result<User> makeUser(const QString& role)
    {
        ++m_counter;
        NewUser nu;
        nu.email = QStringLiteral("member%1@example.test").arg(m_counter);
        if (m_root->capabilities().has(Capability::Usernames))
            nu.username = QStringLiteral("member%1").arg(m_counter);
        nu.fullName = QStringLiteral("Member %1").arg(m_counter);
        nu.password = kStrongPassword;
        nu.roleCodes = { role };
        return awaitFor(m_root->createUser(nu));
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Backend> m_root; // signed in as the super admin
    int m_counter = 0;

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void signInBuildsTheActor();
    void wrongPasswordIsUnauthenticated();
    void usersListCreateUpdate();
    void staleVersionIsAConflict();
    void conflictsSayWhy();
    void banNeedsAReason();
    void banAndUnban();
    void adminCannotAssignSuperAdmin();
    void rolesAreListed();
    void customPermissionCodes();
    void apiKeyIsShownOnceAndRevoked();
    void apiKeysFoundByNamePrefixOrPastedKey();
    void sessionsListAndRevoke();
    void auditCursorAndExport();
    void cancelledExportLeavesNoFile();
    void statsCount();
    // Issue 16: an organization's count holds its pending invitations (they count against the
    // limit), and a write tells the console which records changed; a read or a refusal does not.
    void organizationCountsPendingInvitations();
    void writesAnnounceWhatChanged();
    // Live rights: what happens elsewhere takes effect on the signed-in console's next call.
    void bannedAdminIsSignedOutOnTheNextCall();
    void revokedSessionEndsOnTheNextCall();
    void demotedAdminLosesItsRightsOnTheNextCall();
};

void BackendContract::initTestCase()
{
    if (serverBinary().isEmpty())
        QFAIL("PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(setUpDeployment(&error), qPrintable(error));
    m_root = makeBackend();
    QVERIFY_RESULT(awaitFor(m_root->signIn(kRootEmail, kRootPassword)));
}

void BackendContract::init()
{
    if (const QString why = notApplicable(QString::fromLatin1(QTest::currentTestFunction())); !why.isEmpty())
        QSKIP(qPrintable(why));
}

void BackendContract::organizationCountsPendingInvitations()
{
    NewOrganization small;
    small.name = QStringLiteral("Seats %1").arg(++m_counter);
    small.maxUsers = 5;
    auto org = awaitFor(m_root->createOrganization(small));
    QVERIFY_RESULT(org);
    QCOMPARE(org->pendingInvitations, 0);
    QVERIFY_RESULT(awaitFor(
        m_root->invite(org->id, QStringLiteral("seat%1@example.test").arg(m_counter), QStringLiteral("user"), 7)));
    auto listed = awaitFor(m_root->listOrganizations());
    QVERIFY_RESULT(listed);
    const auto it
        = std::find_if(listed->cbegin(), listed->cend(), [&](const Organization& o) { return o.id == org->id; });
    QVERIFY(it != listed->cend());
    QCOMPARE(it->userCount, 0);
    QCOMPARE(it->pendingInvitations, 1);
    QCOMPARE(it->seatsTaken(), 1);
}

void BackendContract::writesAnnounceWhatChanged()
{
    QSignalSpy changed(m_root.get(), &Backend::recordsChanged);
    QVERIFY_RESULT(awaitFor(m_root->listRoles()));
    auto user = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(user);
    QTRY_COMPARE(changed.count(), 1); // the read announced nothing, the create did
    auto records = changed.at(0).at(0).value<Records>();
    QVERIFY(records.testFlag(Record::Users));
    QVERIFY(records.testFlag(Record::Audit));
    QVERIFY(!records.testFlag(Record::ApiKeys));

    QVERIFY_RESULT(awaitFor(m_root->banUser(user->id, QStringLiteral("Spam"), {})));
    QTRY_COMPARE(changed.count(), 2);
    records = changed.at(1).at(0).value<Records>();
    QVERIFY(records.testFlag(Record::Users) && records.testFlag(Record::Sessions));

    // A refused write changes nothing: nothing to announce.
    QVERIFY(!awaitFor(m_root->banUser(user->id, QString(), {})).ok());
    QVERIFY(!awaitFor(m_root->revokeSession(987654321)).ok());
    // An announcement is posted before the future the caller waits for finishes: one turn of the
    // event loop delivers it, if there is one.
    QCoreApplication::processEvents();
    QCOMPARE(changed.count(), 2);
}

void BackendContract::cleanupTestCase()
{
    m_root.reset();
}

void BackendContract::signInBuildsTheActor()
{
    auto backend = makeBackend();
    const Result<SignedIn> signedIn = awaitFor(backend->signIn(kRootEmail, kRootPassword));
    QVERIFY_RESULT(signedIn);
    QCOMPARE(signedIn->actor.email, kRootEmail);
    QCOMPARE(signedIn->actor.level, Level::SuperAdmin);
    QVERIFY(signedIn->actor.roleCodes.contains(QStringLiteral("super_admin")));
    QVERIFY(!signedIn->actor.permissions.isEmpty());
    QVERIFY(signedIn->actor.organizationId != 0);
    QVERIFY(signedIn->session.id != 0);
    QCOMPARE(backend->actor().userId, signedIn->actor.userId);
    QVERIFY_RESULT(awaitFor(backend->signOut()));
}

void BackendContract::wrongPasswordIsUnauthenticated()
{
    auto backend = makeBackend();
    QVERIFY_ERROR(awaitFor(backend->signIn(kRootEmail, QStringLiteral("Not-The-Password-1"))),
                  ErrorCode::Unauthenticated);
}

void BackendContract::usersListCreateUpdate()
{
    const Result<User> created = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(created);
    QVERIFY(created->id != 0);
    QCOMPARE(created->roleCodes, QStringList { QStringLiteral("user") });

    UserQuery query;
    query.search = created->username;
    const Result<Page<User>> page = awaitFor(m_root->listUsers(query));
    QVERIFY_RESULT(page);
    QCOMPARE(page->total, 1);
    QCOMPARE(page->items.first().email, created->email);

    UserUpdate update;
    update.expectedVersion = created->version;
    update.fullName = QStringLiteral("Renamed Member");
    const Result<User> updated = awaitFor(m_root->updateUser(created->id, update));
    QVERIFY_RESULT(updated);
    QCOMPARE(updated->fullName, QStringLiteral("Renamed Member"));
    QVERIFY(updated->version > created->version);
    const Result<User> fetched = awaitFor(m_root->getUser(created->id));
    QVERIFY_RESULT(fetched);
    QCOMPARE(fetched->fullName, QStringLiteral("Renamed Member"));

    // Taken email: a field error.
    NewUser twin;
    twin.email = created->email;
    twin.username = QStringLiteral("twin%1").arg(created->id);
    twin.password = kStrongPassword;
    const Result<User> refused = awaitFor(m_root->createUser(twin));
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY(refused.error().fieldErrors.contains(QStringLiteral("email")));
}

void BackendContract::staleVersionIsAConflict()
{
    const Result<User> created = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(created);
    UserUpdate first;
    first.expectedVersion = created->version;
    first.fullName = QStringLiteral("First Writer");
    QVERIFY_RESULT(awaitFor(m_root->updateUser(created->id, first)));
    UserUpdate second = first;
    second.fullName = QStringLiteral("Second Writer");
    const Result<User> stale = awaitFor(m_root->updateUser(created->id, second));
    QVERIFY_ERROR(stale, ErrorCode::Conflict);
    QCOMPARE(stale.error().reason, ErrorReason::StaleVersion); // what the console acts on (reload)
    const Result<User> current = awaitFor(m_root->getUser(created->id));
    QVERIFY_RESULT(current);
    QCOMPARE(current->fullName, QStringLiteral("First Writer")); // nothing silently overwritten
}

// The console acts on why a conflict happened (the field to mark, offer cascade; reload for a stale
// version, checked in staleVersionIsAConflict), so the reason is the same through the database and
// over REST, whatever the message's language.
void BackendContract::conflictsSayWhy()
{
    const Result<User> created = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(created);
    NewOrganization organization;
    organization.name = QStringLiteral("Reasons Inc");
    organization.slug = QStringLiteral("reasons-%1").arg(++m_counter);
    QVERIFY_RESULT(awaitFor(m_root->createOrganization(organization)));
    const Result<Organization> twice = awaitFor(m_root->createOrganization(organization));
    QVERIFY_ERROR(twice, ErrorCode::Conflict);
    QCOMPARE(twice.error().reason, ErrorReason::Duplicate);

    NewRole role;
    role.code = QStringLiteral("reason_role_%1").arg(m_counter);
    role.name = QStringLiteral("Reason role");
    role.level = 20;
    role.permissions = { QStringLiteral("admin:user:read") };
    const Result<Role> made = awaitFor(m_root->createRole(role));
    QVERIFY_RESULT(made);
    QVERIFY_RESULT(awaitFor(m_root->assignRole(created->id, role.code)));
    const Status inUse = awaitFor(m_root->deleteRole(made->id, false));
    QVERIFY_ERROR(inUse, ErrorCode::Conflict);
    QCOMPARE(inUse.error().reason, ErrorReason::InUse);
    QVERIFY_RESULT(awaitFor(m_root->deleteRole(made->id, true)));
}

void BackendContract::banNeedsAReason()
{
    const Result<User> created = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(created);
    const Result<User> refused = awaitFor(m_root->banUser(created->id, QString(), QDateTime()));
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY2(refused.error().fieldErrors.contains(QStringLiteral("reason")), qPrintable(refused.error().toString()));
}

void BackendContract::banAndUnban()
{
    const Result<User> created = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(created);
    const Result<User> banned = awaitFor(m_root->banUser(created->id, QStringLiteral("Spam"), QDateTime()));
    QVERIFY_RESULT(banned);
    QVERIFY(banned->isBanned());
    QCOMPARE(banned->status(), QStringLiteral("banned"));
    auto member = makeBackend();
    QVERIFY_ERROR(awaitFor(member->signIn(created->email, kStrongPassword)), ErrorCode::Forbidden);
    const Result<User> unbanned = awaitFor(m_root->unbanUser(created->id));
    QVERIFY_RESULT(unbanned);
    QVERIFY(!unbanned->isBanned());
    QVERIFY_ERROR(awaitFor(m_root->unbanUser(created->id)), ErrorCode::Conflict);
}

void BackendContract::adminCannotAssignSuperAdmin()
{
    const Result<User> admin = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(admin);
    const Result<User> target = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(target);
    auto adminBackend = makeBackend();
    QVERIFY_RESULT(awaitFor(adminBackend->signIn(admin->email, kStrongPassword)));
    QCOMPARE(adminBackend->actor().level, Level::Admin);
    const Status refused = awaitFor(adminBackend->assignRole(target->id, QStringLiteral("super_admin")));
    QVERIFY_ERROR(refused, ErrorCode::Forbidden);
    QVERIFY2(refused.error().message.contains(QLatin1String("super_admin")), qPrintable(refused.error().message));
    QVERIFY_RESULT(awaitFor(adminBackend->assignRole(target->id, QStringLiteral("viewer"))));
    const Result<User> after = awaitFor(m_root->getUser(target->id));
    QVERIFY_RESULT(after);
    QVERIFY(after->roleCodes.contains(QStringLiteral("viewer")));
    QVERIFY(!after->roleCodes.contains(QStringLiteral("super_admin")));
}

void BackendContract::rolesAreListed()
{
    const Result<QList<Role>> roles = awaitFor(m_root->listRoles());
    QVERIFY_RESULT(roles);
    QStringList codes;
    for (const Role& role : *roles)
        codes << role.code;
    for (const char* code : { "super_admin", "admin", "team_lead", "power_user", "user", "viewer" })
        QVERIFY2(codes.contains(QLatin1String(code)), code);
    QCOMPARE(roles->first().level, Level::SuperAdmin);
    const Result<QList<Permission>> permissions = awaitFor(m_root->listPermissions());
    QVERIFY_RESULT(permissions);
    QVERIFY(permissions->size() >= 60);
}

// An organization's own codes through the backend: defined, listed (alone and in the catalog), used
// in a role, refused under a built-in prefix, kept while in use, deleted.
void BackendContract::customPermissionCodes()
{
    const Id organization = m_root->actor().organizationId;
    QVERIFY(organization != 0);
    const Result<QList<Organization>> organizations = awaitFor(m_root->listOrganizations());
    QVERIFY_RESULT(organizations);
    QString slug;
    for (const Organization& o : *organizations) {
        if (o.id == organization)
            slug = o.slug;
    }
    QVERIFY(!slug.isEmpty());
    const QString code = slug + QStringLiteral(":report:view");
    const Result<Permission> defined
        = awaitFor(m_root->defineOrganizationPermission(organization, code, QStringLiteral("Read reports")));
    QVERIFY_RESULT(defined);
    QCOMPARE(defined->code, code);
    QCOMPARE(defined->organizationId, organization);
    QCOMPARE(defined->category, slug);
    QVERIFY_ERROR(awaitFor(m_root->defineOrganizationPermission(organization, QStringLiteral("admin:report:view"), {})),
                  ErrorCode::Forbidden);

    const Result<QList<Permission>> own = awaitFor(m_root->listOrganizationPermissions(organization));
    QVERIFY_RESULT(own);
    QCOMPARE(own->size(), 1);
    QCOMPARE(own->first().description, QStringLiteral("Read reports"));
    const Result<QList<Permission>> all = awaitFor(m_root->listPermissions());
    QVERIFY_RESULT(all);
    QVERIFY(std::any_of(all->cbegin(), all->cend(),
                        [&](const Permission& p) { return p.code == code && p.organizationId == organization; }));

    NewRole nr;
    nr.code = QStringLiteral("report_reader");
    nr.name = QStringLiteral("Report reader");
    nr.level = 30;
    nr.organizationId = organization;
    nr.permissions = { code };
    const Result<Role> role = awaitFor(m_root->createRole(nr));
    QVERIFY_RESULT(role);
    const Result<QStringList> effective = awaitFor(m_root->roleEffectivePermissions(role->id));
    QVERIFY_RESULT(effective);
    QVERIFY(effective->contains(code));

    const Status inUse = awaitFor(m_root->deleteOrganizationPermission(organization, code));
    QVERIFY_ERROR(inUse, ErrorCode::Conflict);
    QVERIFY2(inUse.error().message.contains(QStringLiteral("report_reader")), qPrintable(inUse.error().message));
    QVERIFY_RESULT(awaitFor(m_root->deleteRole(role->id, false)));
    QVERIFY_RESULT(awaitFor(m_root->deleteOrganizationPermission(organization, code)));
    QVERIFY_ERROR(awaitFor(m_root->deleteOrganizationPermission(organization, code)), ErrorCode::NotFound);
    const Result<QList<Permission>> none = awaitFor(m_root->listOrganizationPermissions(organization));
    QVERIFY_RESULT(none);
    QVERIFY(none->isEmpty());
}

void BackendContract::apiKeyIsShownOnceAndRevoked()
{
    NewApiKey nk;
    nk.name = QStringLiteral("reporting");
    nk.userId = m_root->actor().userId;
    nk.scopes = { QStringLiteral("admin:user:view") };
    const Result<CreatedApiKey> created = awaitFor(m_root->createApiKey(nk));
    QVERIFY_RESULT(created);
    QVERIFY(created->secret.startsWith(QLatin1String("pk_live_")));
    QVERIFY(created->secret.startsWith(created->key.prefix));
    const Result<Page<ApiKey>> listed = awaitFor(m_root->listApiKeys(nk.userId, 1, 50));
    QVERIFY_RESULT(listed);
    const auto found = std::find_if(listed->items.cbegin(), listed->items.cend(),
                                    [&](const ApiKey& k) { return k.id == created->key.id; });
    QVERIFY(found != listed->items.cend());
    QCOMPARE(found->scopes, nk.scopes);
    QVERIFY(!found->revoked);
    QVERIFY_RESULT(awaitFor(m_root->revokeApiKey(created->key.id)));
    const Result<Page<ApiKey>> after = awaitFor(m_root->listApiKeys(nk.userId, 1, 50));
    QVERIFY_RESULT(after);
    for (const ApiKey& key : after->items) {
        if (key.id == created->key.id)
            QVERIFY(key.revoked);
    }
}

// The API keys list searches (issue 16): part of the name in any case, the prefix as the list
// shows it, the whole key pasted, the owner's email; and narrows to one organization.
void BackendContract::apiKeysFoundByNamePrefixOrPastedKey()
{
    NewApiKey nk;
    nk.userId = m_root->actor().userId;
    nk.scopes = { QStringLiteral("admin:user:view") };
    nk.name = QStringLiteral("Searchable Deploy_Bot 100%");
    const Result<CreatedApiKey> deploy = awaitFor(m_root->createApiKey(nk));
    QVERIFY_RESULT(deploy);
    nk.name = QStringLiteral("Other key");
    const Result<CreatedApiKey> other = awaitFor(m_root->createApiKey(nk));
    QVERIFY_RESULT(other);
    auto search = [this](const QString& text) {
        ApiKeyQuery query;
        query.search = text;
        QList<Id> ids;
        const Result<Page<ApiKey>> page = awaitFor(m_root->listApiKeys(query));
        if (!page.ok())
            qWarning() << page.error().toString();
        for (const ApiKey& k : page.ok() ? page->items : QList<ApiKey>())
            ids << k.id;
        return ids;
    };
    const QList<Id> onlyDeploy { deploy->key.id };
    QCOMPARE(search(QStringLiteral("searchable deploy")), onlyDeploy);
    QCOMPARE(search(QStringLiteral("deploy_bot 100%")), onlyDeploy); // LIKE's wildcards are literal
    QCOMPARE(search(QStringLiteral("Deploy?Bot")), QList<Id>());
    QCOMPARE(search(deploy->key.prefix), onlyDeploy);
    QCOMPARE(search(deploy->secret), onlyDeploy);
    QCOMPARE(search(other->secret), QList<Id> { other->key.id });
    QVERIFY(search(m_root->actor().email).contains(deploy->key.id));
    QCOMPARE(search(QStringLiteral("no such key anywhere")), QList<Id>());
    // Narrowed to an organization that holds none of them.
    const Result<Organization> elsewhere = awaitFor(m_root->createOrganization(
        { QStringLiteral("Keyless"), QStringLiteral("keyless"), QStringLiteral("free"), 5, {} }));
    QVERIFY_RESULT(elsewhere);
    ApiKeyQuery scoped;
    scoped.organizationId = elsewhere->id;
    const Result<Page<ApiKey>> none = awaitFor(m_root->listApiKeys(scoped));
    QVERIFY_RESULT(none);
    QCOMPARE(none->total, 0);
    scoped.organizationId = m_root->actor().organizationId;
    const Result<Page<ApiKey>> home = awaitFor(m_root->listApiKeys(scoped));
    QVERIFY_RESULT(home);
    QVERIFY(home->total >= 2);
    // Active keys only: a revoked key drops out (as the dashboard counts).
    QVERIFY_RESULT(awaitFor(m_root->revokeApiKey(other->key.id)));
    ApiKeyQuery active;
    active.search = QStringLiteral("Other key");
    const Result<Page<ApiKey>> all = awaitFor(m_root->listApiKeys(active));
    QVERIFY_RESULT(all);
    QCOMPARE(all->total, 1);
    active.activeOnly = true;
    const Result<Page<ApiKey>> live = awaitFor(m_root->listApiKeys(active));
    QVERIFY_RESULT(live);
    QCOMPARE(live->total, 0);
}

void BackendContract::sessionsListAndRevoke()
{
    const Result<User> member = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(member);
    auto memberBackend = makeBackend();
    const Result<SignedIn> signedIn = awaitFor(memberBackend->signIn(member->email, kStrongPassword));
    QVERIFY_RESULT(signedIn);
    SessionQuery query;
    query.userId = member->id;
    const Result<Page<Session>> sessions = awaitFor(m_root->listSessions(query));
    QVERIFY_RESULT(sessions);
    QCOMPARE(sessions->total, 1);
    QCOMPARE(sessions->items.first().id, signedIn->session.id);
    QCOMPARE(sessions->items.first().userEmail, member->email);
    QVERIFY_RESULT(awaitFor(m_root->revokeSession(signedIn->session.id)));
    const Result<Page<Session>> after = awaitFor(m_root->listSessions(query));
    QVERIFY_RESULT(after);
    QCOMPARE(after->total, 0);
    query.includeRevoked = true;
    const Result<Page<Session>> withRevoked = awaitFor(m_root->listSessions(query));
    QVERIFY_RESULT(withRevoked);
    QCOMPARE(withRevoked->total, 1);
    QVERIFY(withRevoked->items.first().revoked);
}

void BackendContract::bannedAdminIsSignedOutOnTheNextCall()
{
    const Result<User> admin = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(admin);
    auto console = makeBackend();
    QVERIFY_RESULT(awaitFor(console->signIn(admin->email, kStrongPassword)));
    QVERIFY_RESULT(awaitFor(console->listUsers({})));
    QSignalSpy ended(console.get(), &Backend::sessionEnded);

    QVERIFY_RESULT(awaitFor(m_root->banUser(admin->id, QStringLiteral("Compromised laptop"), {})));
    // The banned admin's next action is refused, and the console learns that its session is over.
    NewUser nu;
    nu.email = QStringLiteral("after-ban@example.test");
    nu.username = QStringLiteral("afterban");
    nu.password = kStrongPassword;
    QVERIFY_ERROR(awaitFor(console->createUser(nu)), ErrorCode::Unauthenticated);
    QTRY_COMPARE(ended.size(), 1);
    QVERIFY2(ended.first().first().toString().contains(QLatin1String("ended")),
             qPrintable(ended.first().first().toString()));
    QCOMPARE(console->actor().userId, Id(0));
    UserQuery byEmail;
    byEmail.search = nu.email;
    const Result<Page<User>> none = awaitFor(m_root->listUsers(byEmail));
    QVERIFY_RESULT(none);
    QCOMPARE(none->total, 0);
    // Later calls stay refused, and the end is said once.
    QVERIFY_ERROR(awaitFor(console->listUsers({})), ErrorCode::Unauthenticated);
    QCOMPARE(ended.size(), 1);
}

void BackendContract::revokedSessionEndsOnTheNextCall()
{
    const Result<User> admin = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(admin);
    auto console = makeBackend();
    const Result<SignedIn> signedIn = awaitFor(console->signIn(admin->email, kStrongPassword));
    QVERIFY_RESULT(signedIn);
    QSignalSpy ended(console.get(), &Backend::sessionEnded);
    QVERIFY_RESULT(awaitFor(m_root->revokeSession(signedIn->session.id)));
    QVERIFY_ERROR(awaitFor(console->listUsers({})), ErrorCode::Unauthenticated);
    QTRY_COMPARE(ended.size(), 1);
    QCOMPARE(console->actor().userId, Id(0));
}

void BackendContract::demotedAdminLosesItsRightsOnTheNextCall()
{
    const Result<User> admin = makeUser(QStringLiteral("admin"));
    QVERIFY_RESULT(admin);
    const Result<User> member = makeUser(QStringLiteral("user"));
    QVERIFY_RESULT(member);
    auto console = makeBackend();
    QVERIFY_RESULT(awaitFor(console->signIn(admin->email, kStrongPassword)));
    QCOMPARE(console->actor().level, Level::Admin);
    QSignalSpy changed(console.get(), &Backend::actorChanged);

    QVERIFY_RESULT(awaitFor(m_root->assignRole(admin->id, QStringLiteral("viewer"))));
    QVERIFY_RESULT(awaitFor(m_root->revokeRole(admin->id, QStringLiteral("admin"))));
    // A viewer may not ban: refused on the very next call, not at the next sign-in.
    QVERIFY_ERROR(awaitFor(console->banUser(member->id, QStringLiteral("Should not work"), {})), ErrorCode::Forbidden);
    const Result<User> still = awaitFor(m_root->getUser(member->id));
    QVERIFY_RESULT(still);
    QVERIFY(still->banReason.isEmpty());
    // And the console knows the new rights (so it stops offering what it may no longer do).
    QTRY_VERIFY(changed.size() >= 1);
    QCOMPARE(console->actor().level, Level::Viewer);
    QVERIFY(console->actor().roleCodes.contains(QStringLiteral("viewer")));
    QVERIFY(!console->actor().roleCodes.contains(QStringLiteral("admin")));
}

void BackendContract::auditCursorAndExport()
{
    for (int i = 0; i < 3; ++i)
        QVERIFY_RESULT(makeUser(QStringLiteral("viewer")));
    AuditQuery query;
    query.limit = 2;
    const Result<AuditPage> first = awaitFor(m_root->queryAudit(query));
    QVERIFY_RESULT(first);
    QCOMPARE(first->items.size(), 2);
    QVERIFY(!first->nextCursor.isEmpty());
    query.cursor = first->nextCursor;
    const Result<AuditPage> second = awaitFor(m_root->queryAudit(query));
    QVERIFY_RESULT(second);
    QCOMPARE(second->items.size(), 2);
    QVERIFY(second->items.first().id < first->items.last().id); // newest first, no overlap
    AuditQuery created;
    created.action = QStringLiteral("user.*");
    const Result<AuditPage> filtered = awaitFor(m_root->queryAudit(created));
    QVERIFY_RESULT(filtered);
    QVERIFY(filtered->items.size() >= 3);
    for (const AuditEvent& event : filtered->items)
        QVERIFY2(event.action.startsWith(QLatin1String("user.")), qPrintable(event.action));

    // One event with its details and hashes (the console's details panel asks for it).
    const Result<AuditEvent> single = awaitFor(m_root->getAuditEvent(filtered->items.first().id));
    QVERIFY_RESULT(single);
    QCOMPARE(single->id, filtered->items.first().id);
    QCOMPARE(single->action, filtered->items.first().action);
    QCOMPARE(single->hash.size(), 64);
    QVERIFY(!single->details.isEmpty());
    QVERIFY_ERROR(awaitFor(m_root->getAuditEvent(999999999)), ErrorCode::NotFound);

    for (const bool jsonLines : { true, false }) {
        const QString path = m_dir.filePath(jsonLines ? QStringLiteral("audit.jsonl") : QStringLiteral("audit.csv"));
        auto progressCalls = std::make_shared<std::atomic_int>(0);
        const Result<qint64> written = awaitFor(m_root->exportAudit(
            AuditQuery {}, path, jsonLines, [progressCalls](qint64) { ++*progressCalls; },
            std::make_shared<std::atomic_bool>(false)));
        QVERIFY_RESULT(written);
        QVERIFY(*written >= 5);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const qint64 lines = file.readAll().trimmed().split('\n').size();
        QCOMPARE(lines, *written + (jsonLines ? 0 : 1)); // CSV has a header line
        QVERIFY(progressCalls->load() > 0);
    }
}

void BackendContract::cancelledExportLeavesNoFile()
{
    const QString path = m_dir.filePath(QStringLiteral("cancelled.csv"));
    const Result<qint64> refused
        = awaitFor(m_root->exportAudit(AuditQuery {}, path, false, {}, std::make_shared<std::atomic_bool>(true)));
    QVERIFY(!refused.ok());
    QVERIFY(!QFile::exists(path));
}

void BackendContract::statsCount()
{
    const Result<Stats> stats = awaitFor(m_root->stats(0));
    QVERIFY_RESULT(stats);
    UserQuery all;
    all.limit = 1;
    const Result<Page<User>> users = awaitFor(m_root->listUsers(all));
    QVERIFY_RESULT(users);
    QVERIFY(stats->usersTotal >= users->total);
    QVERIFY(stats->usersTotal >= 2);
    QVERIFY(stats->sessionsActive >= 1);
    QVERIFY(stats->eventsLast24h > 0);
}

// --- the two deployments -----------------------------------------------------------------------------

class SqlContract : public BackendContract
{
    Q_OBJECT

protected:
    bool setUpDeployment(QString* error) override
    {
        m_db = TestDatabase::create();
        return initDeployment(m_db->url(), m_dir.path(), error);
    }
    std::unique_ptr<Backend> makeBackend() override { return std::make_unique<SqlBackend>(m_db->config()); }

private:
    std::unique_ptr<TestDatabase> m_db;
};

class RestContract : public BackendContract
{
    Q_OBJECT

protected:
    bool setUpDeployment(QString* error) override
    {
        m_db = TestDatabase::create();
        if (!initDeployment(m_db->url(), m_dir.path(), error))
            return false;
        if (!m_server.start(m_db->url(), m_dir.filePath(QStringLiteral("jwt-secret")))) {
            *error = m_server.output();
            return false;
        }
        return true;
    }
    std::unique_ptr<Backend> makeBackend() override
    {
        return std::make_unique<RestBackend>(&m_network, m_server.url());
    }

private:
    std::unique_ptr<TestDatabase> m_db;
    ServerProcess m_server;
    ContractCheckingNetwork m_network; // every answer of the real server is checked against the contract
};

// better-auth (docs/better-auth.md): the checks that need what it lacks (levels, role and permission
// catalogs, row versions, the audit log, statistics, API key scopes, usernames, plans) or that sign
// in a non-admin to the console say why they do not apply. The others run unchanged.
class BetterAuthContract : public BackendContract
{
    Q_OBJECT

protected:
    bool setUpDeployment(QString* error) override
    {
        if (!m_server.start({}, kRootEmail, kRootPassword)) {
            *error = m_server.error();
            return false;
        }
        return true;
    }
    std::unique_ptr<Backend> makeBackend() override
    {
        return std::make_unique<BetterAuthBackend>(&m_network, m_server.url());
    }
    QString notApplicable(const QString& test) const override
    {
        static const QHash<QString, QString> reasons {
            { QStringLiteral("signInBuildsTheActor"),
              QStringLiteral("better-auth has no super_admin role and no organization of the actor") },
            { QStringLiteral("usersListCreateUpdate"),
              QStringLiteral("better-auth users have no username or version") },
            { QStringLiteral("staleVersionIsAConflict"), QStringLiteral("better-auth keeps no row versions") },
            { QStringLiteral("conflictsSayWhy"), QStringLiteral("better-auth has no role catalog") },
            { QStringLiteral("adminCannotAssignSuperAdmin"), QStringLiteral("better-auth has no role levels") },
            { QStringLiteral("rolesAreListed"), QStringLiteral("better-auth has no role catalog") },
            { QStringLiteral("customPermissionCodes"), QStringLiteral("better-auth has no permission catalog") },
            { QStringLiteral("apiKeyIsShownOnceAndRevoked"), QStringLiteral("better-auth API keys have no scopes") },
            { QStringLiteral("apiKeysFoundByNamePrefixOrPastedKey"),
              QStringLiteral("better-auth API keys have no scopes") },
            { QStringLiteral("sessionsListAndRevoke"),
              QStringLiteral("only better-auth admins sign in to the console; revoked sessions are deleted") },
            { QStringLiteral("auditCursorAndExport"), QStringLiteral("better-auth keeps no audit log") },
            { QStringLiteral("cancelledExportLeavesNoFile"), QStringLiteral("better-auth keeps no audit log") },
            { QStringLiteral("statsCount"), QStringLiteral("better-auth keeps no statistics") },
            { QStringLiteral("organizationCountsPendingInvitations"),
              QStringLiteral("better-auth organizations have no seat limits") },
            { QStringLiteral("writesAnnounceWhatChanged"), QStringLiteral("better-auth has no role catalog to read") },
            { QStringLiteral("bannedAdminIsSignedOutOnTheNextCall"),
              QStringLiteral("better-auth users have no username (the check creates one)") },
            { QStringLiteral("demotedAdminLosesItsRightsOnTheNextCall"),
              QStringLiteral("better-auth has no role levels") },
        };
        return reasons.value(test);
    }

private:
    BetterAuthProcess m_server;
    QNetworkAccessManager m_network;
};

// --- REST-only failures ----------------------------------------------------------------------------

// A server that misbehaves on purpose: answers garbage JSON, never answers, or closes mid-answer.
class FakeServer : public QObject
{
    Q_OBJECT

public:
    enum class Mode
    {
        Garbage,
        Hang,
        CloseMidAnswer,
        Canned // answers `canned` to every request
    };

    explicit FakeServer(Mode mode, QByteArray canned = {})
        : m_mode(mode)
        , m_canned(std::move(canned))
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { answer(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    QUrl url() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort())); }
    // Requests whose head has arrived, answered or not.
    int requestsReceived() const { return m_requests; }

private:
    void answer(QTcpSocket* socket)
    {
        QByteArray& buffer = m_buffers[socket];
        buffer += socket->readAll();
        if (!buffer.contains("\r\n\r\n"))
            return;
        ++m_requests;
        switch (m_mode) {
        case Mode::Garbage:
            socket->write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"access_to");
            break;
        case Mode::Hang:
            break;
        case Mode::CloseMidAnswer:
            socket->write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"items\": [");
            socket->flush();
            socket->disconnectFromHost();
            break;
        case Mode::Canned:
            socket->write(m_canned);
            break;
        }
        buffer.clear();
    }

    Mode m_mode;
    QByteArray m_canned;
    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_buffers;
    int m_requests = 0;
};

class RestFailures : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void garbageJsonIsAClearError();
    void hangingServerTimesOut();
    void connectionClosedMidAnswer();
    void httpErrorsAreMapped_data();
    void httpErrorsAreMapped();
    void killedServerIsUnavailable();
    void revokedSessionRefreshesOnceThenAsksToSignIn();
    void refusedAccessTokenIsRefreshedOnceForAllWaiting();
    void tlsTrustedThroughCaFileOnly();
    void sessionsNameTheConsole();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<TestDatabase> m_db;
    ServerProcess m_server;
    QNetworkAccessManager m_network;
};

void RestFailures::initTestCase()
{
    if (serverBinary().isEmpty())
        QFAIL("PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    m_db = TestDatabase::create();
    QString error;
    QVERIFY2(initDeployment(m_db->url(), m_dir.path(), &error), qPrintable(error));
    QVERIFY2(m_server.start(m_db->url(), m_dir.filePath(QStringLiteral("jwt-secret"))), qPrintable(m_server.output()));
}

void RestFailures::garbageJsonIsAClearError()
{
    FakeServer fake(FakeServer::Mode::Garbage);
    RestBackend backend(&m_network, fake.url());
    const Result<SignedIn> signedIn = awaitFor(backend.signIn(kRootEmail, kRootPassword));
    QVERIFY(!signedIn.ok());
    QCOMPARE(signedIn.error().message, QStringLiteral("The server sent an answer that is not valid JSON"));
    QVERIFY(backend.actor().userId == 0);
}

void RestFailures::hangingServerTimesOut()
{
    FakeServer fake(FakeServer::Mode::Hang);
    RestBackend backend(&m_network, fake.url());
    backend.setTimeout(700);
    QElapsedTimer timer;
    timer.start();
    const Result<SignedIn> signedIn = awaitFor(backend.signIn(kRootEmail, kRootPassword));
    QVERIFY_ERROR(signedIn, ErrorCode::Unavailable);
    QVERIFY2(signedIn.error().message.contains(QLatin1String("did not answer")), qPrintable(signedIn.error().message));
    QVERIFY(timer.elapsed() < 20000);

    // Cancellation: cancelAll() ends a waiting request at once.
    backend.setTimeout(RestBackend::kDefaultTimeoutMs);
    const int received = fake.requestsReceived();
    QFuture<Result<SignedIn>> pending = backend.signIn(kRootEmail, kRootPassword);
    QTRY_VERIFY(fake.requestsReceived() > received); // the server holds this one, unanswered
    QVERIFY(!pending.isFinished());
    backend.cancelAll();
    const Result<SignedIn> cancelled = awaitFor(pending);
    QVERIFY(!cancelled.ok());
    QVERIFY2(cancelled.error().message.contains(QLatin1String("cancelled")), qPrintable(cancelled.error().message));
}

void RestFailures::connectionClosedMidAnswer()
{
    FakeServer fake(FakeServer::Mode::CloseMidAnswer);
    RestBackend backend(&m_network, fake.url());
    const Result<SignedIn> signedIn = awaitFor(backend.signIn(kRootEmail, kRootPassword));
    QVERIFY_ERROR(signedIn, ErrorCode::Unavailable);
    QVERIFY2(signedIn.error().message.startsWith(QLatin1String("Cannot reach 127.0.0.1")),
             qPrintable(signedIn.error().message));
}

void RestFailures::httpErrorsAreMapped_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("field");
    const auto problem
        = [](int status, const char* reason, const QByteArray& extraHeaders, const QByteArray& body) -> QByteArray {
        return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason
            + "\r\nContent-Type: application/problem+json\r\n" + extraHeaders
            + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    };
    QTest::newRow("403 with the server's reason")
        << problem(403, "Forbidden", {},
                   R"({"status":403,"detail":"admin (level 80) cannot assign super_admin","errors":{}})")
        << QStringLiteral("forbidden") << QStringLiteral("admin (level 80) cannot assign super_admin") << QString();
    QTest::newRow("409 says reload") << problem(409, "Conflict", {},
                                                R"({"status":409,"detail":"The user was changed.","errors":{}})")
                                     << QStringLiteral("conflict") << QStringLiteral("reload") << QString();
    QTest::newRow("412 says reload") << problem(412, "Precondition Failed", "ETag: \"7\"\r\n",
                                                R"({"status":412,"detail":"Stale version.","errors":{}})")
                                     << QStringLiteral("conflict") << QStringLiteral("reload") << QString();
    QTest::newRow("429 with the wait") << problem(429, "Too Many Requests", "Retry-After: 17\r\n",
                                                  R"({"status":429,"detail":"Slow down","errors":{}})")
                                       << QStringLiteral("rate_limited") << QStringLiteral("17 seconds") << QString();
    QTest::newRow("500") << problem(500, "Internal Server Error", {}, R"({"status":500,"detail":"request 12 failed"})")
                         << QStringLiteral("storage") << QStringLiteral("HTTP 500") << QString();
    QTest::newRow("502 not json") << problem(502, "Bad Gateway", {}, "<html>bad gateway</html>")
                                  << QStringLiteral("storage") << QStringLiteral("HTTP 502") << QString();
    QTest::newRow("503") << problem(503, "Service Unavailable", "Retry-After: 1\r\n",
                                    R"({"status":503,"detail":"The database is busy"})")
                         << QStringLiteral("unavailable") << QStringLiteral("The database is busy") << QString();
    QTest::newRow("400 field errors") << problem(
        400, "Bad Request", {},
        R"({"status":400,"detail":"Please correct the highlighted fields","errors":{"email":"Not a valid email address"}})")
                                      << QStringLiteral("validation") << QStringLiteral("highlighted")
                                      << QStringLiteral("email");
    QTest::newRow("200 not json") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnope")
                                  << QStringLiteral("unavailable") << QStringLiteral("not valid JSON") << QString();
}

void RestFailures::httpErrorsAreMapped()
{
    QFETCH(QByteArray, answer);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QString, field);
    FakeServer fake(FakeServer::Mode::Canned, answer);
    RestBackend backend(&m_network, fake.url());
    const Result<Page<User>> page = awaitFor(backend.listUsers(UserQuery {}));
    QVERIFY(!page.ok());
    QCOMPARE(page.error().codeName(), code);
    QVERIFY2(page.error().message.contains(message, Qt::CaseInsensitive), qPrintable(page.error().message));
    if (!field.isEmpty())
        QVERIFY(page.error().fieldErrors.contains(field));
}

void RestFailures::killedServerIsUnavailable()
{
    ServerProcess doomed;
    QVERIFY2(doomed.start(m_db->url(), m_dir.filePath(QStringLiteral("jwt-secret"))), qPrintable(doomed.output()));
    RestBackend backend(&m_network, doomed.url());
    QVERIFY_RESULT(awaitFor(backend.signIn(kRootEmail, kRootPassword)));
    doomed.kill();
    const Result<Page<User>> page = awaitFor(backend.listUsers(UserQuery {}));
    QVERIFY_ERROR(page, ErrorCode::Unavailable);
    QVERIFY2(page.error().message.startsWith(QLatin1String("Cannot reach 127.0.0.1")),
             qPrintable(page.error().message));
}

void RestFailures::revokedSessionRefreshesOnceThenAsksToSignIn()
{
    RestBackend root(&m_network, m_server.url());
    QVERIFY_RESULT(awaitFor(root.signIn(kRootEmail, kRootPassword)));
    QNetworkAccessManager victimNetwork; // its own, so that the victim's requests in flight can be seen
    RestBackend victim(&victimNetwork, m_server.url());
    const Result<SignedIn> signedIn = awaitFor(victim.signIn(kRootEmail, kRootPassword));
    QVERIFY_RESULT(signedIn);
    QVERIFY_RESULT(awaitFor(root.revokeSession(signedIn->session.id)));

    const int refreshesBefore = m_server.count(QStringLiteral("/api/auth/refresh"));
    QList<QFuture<Result<Page<User>>>> waiting;
    for (int i = 0; i < 3; ++i)
        waiting << victim.listUsers(UserQuery {});
    for (const QFuture<Result<Page<User>>>& future : waiting) {
        const Result<Page<User>> page = awaitFor(future);
        QVERIFY_ERROR(page, ErrorCode::Unauthenticated);
        QCOMPARE(page.error().message, QStringLiteral("Your session has ended; sign in again"));
    }
    QTRY_COMPARE(m_server.count(QStringLiteral("/api/auth/refresh")), refreshesBefore + 1);
    QVERIFY(victim.refreshToken().isEmpty());
    // Still refused afterwards, without another refresh.
    QVERIFY_ERROR(awaitFor(victim.listRoles()), ErrorCode::Unauthenticated);
    // Every request the victim sent has its answer (no reply of its network is open), and the server
    // has logged a request of root's sent after that: a refresh of the victim's would be logged too.
    QTRY_VERIFY(std::ranges::all_of(victimNetwork.findChildren<QNetworkReply*>(),
                                    [](const QNetworkReply* reply) { return reply->isFinished(); }));
    const int rolesBefore = m_server.count(QStringLiteral("/api/admin/roles"));
    QVERIFY_RESULT(awaitFor(root.listRoles()));
    QTRY_VERIFY(m_server.count(QStringLiteral("/api/admin/roles")) > rolesBefore);
    QCOMPARE(m_server.count(QStringLiteral("/api/auth/refresh")), refreshesBefore + 1);
}

void RestFailures::refusedAccessTokenIsRefreshedOnceForAllWaiting()
{
    // A server with another signing secret on the same database: its access tokens mean nothing to
    // m_server, its refresh tokens (in the database) are fine.
    ServerProcess other;
    QVERIFY2(other.start(m_db->url(), m_dir.filePath(QStringLiteral("other-secret"))), qPrintable(other.output()));
    RestBackend backend(&m_network, other.url());
    QVERIFY_RESULT(awaitFor(backend.signIn(kRootEmail, kRootPassword)));
    const QString firstRefreshToken = backend.refreshToken();
    backend.setBaseUrl(m_server.url());

    const int refreshesBefore = m_server.count(QStringLiteral("/api/auth/refresh"));
    QList<QFuture<Result<Page<User>>>> waiting;
    for (int i = 0; i < 4; ++i)
        waiting << backend.listUsers(UserQuery {});
    for (const QFuture<Result<Page<User>>>& future : waiting)
        QVERIFY_RESULT(awaitFor(future));
    QTRY_COMPARE(m_server.count(QStringLiteral("/api/auth/refresh")), refreshesBefore + 1);
    QVERIFY(!backend.refreshToken().isEmpty());
    QVERIFY(backend.refreshToken() != firstRefreshToken); // rotated
    // The access token never reaches the server's log.
    QVERIFY(!m_server.log().contains(backend.refreshToken()));
}

void RestFailures::tlsTrustedThroughCaFileOnly()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("Qt has no TLS backend here");
    const QString certificate = m_dir.filePath(QStringLiteral("cert.pem"));
    const QString key = m_dir.filePath(QStringLiteral("key.pem"));
    QString error;
    QVERIFY2(makeSelfSignedCertificate(certificate, key, &error), qPrintable(error));

    ServerProcess secure;
    QVERIFY2(secure.start(m_db->url(), m_dir.filePath(QStringLiteral("jwt-secret")),
                          { QStringLiteral("--tls-cert"), certificate, QStringLiteral("--tls-key"), key }),
             qPrintable(secure.output()));
    QCOMPARE(secure.url().scheme(), QStringLiteral("https"));

    RestBackend trusting(&m_network, secure.url());
    QVERIFY_RESULT(trusting.trustCaFile(certificate));
    QVERIFY_RESULT(awaitFor(trusting.signIn(kRootEmail, kRootPassword)));
    QVERIFY_RESULT(awaitFor(trusting.listRoles()));

    QNetworkAccessManager fresh; // no TLS session cache shared with the trusting client
    RestBackend suspicious(&fresh, secure.url());
    const Result<SignedIn> refused = awaitFor(suspicious.signIn(kRootEmail, kRootPassword));
    QVERIFY_ERROR(refused, ErrorCode::Unavailable);
    // The server was reached; what is wrong is trust, and the message says where to fix it.
    QVERIFY2(refused.error().message.contains(QLatin1String("certificate is not trusted")),
             qPrintable(refused.error().message));
    QVERIFY2(refused.error().message.contains(QLatin1String("Trusted CA")), qPrintable(refused.error().message));
    QVERIFY2(refused.error().message.contains(QLatin1String("--ca-file")), qPrintable(refused.error().message));

    // Plain HTTP to the TLS port: the answer suggests https://.
    QUrl plainUrl = secure.url();
    plainUrl.setScheme(QStringLiteral("http"));
    QNetworkAccessManager plainNetwork;
    RestBackend plain(&plainNetwork, plainUrl);
    const Result<SignedIn> plainRefused = awaitFor(plain.signIn(kRootEmail, kRootPassword));
    QVERIFY_ERROR(plainRefused, ErrorCode::Unavailable);
    QVERIFY2(plainRefused.error().message.contains(QLatin1String("https://")),
             qPrintable(plainRefused.error().message));

    // The server's log says that handshakes failed, with the peer and the reason, but not once per
    // attempt: a scanner's thousand failures are a line every 10 s with a count.
    QTRY_VERIFY2(secure.log().contains(QLatin1String("TLS handshake with 127.0.0.1 failed")), qPrintable(secure.log()));
    for (int i = 0; i < 20; ++i) {
        QTcpSocket plainSocket;
        plainSocket.connectToHost(QHostAddress::LocalHost, quint16(secure.url().port()));
        QVERIFY(plainSocket.waitForConnected(5000));
        plainSocket.write("GET /api/health/auth HTTP/1.1\r\nHost: x\r\n\r\n");
        plainSocket.waitForDisconnected(5000);
    }
    QVERIFY2(secure.log().count(QLatin1String("TLS handshake with")) <= 2, qPrintable(secure.log()));

    // A CA file: not a certificate, missing, each with its own reason.
    auto notPem = suspicious.trustCaFile(m_dir.filePath(QStringLiteral("jwt-secret")));
    QVERIFY_ERROR(notPem, ErrorCode::Validation);
    QVERIFY2(notPem.error().toString().contains(QLatin1String("no PEM certificate")),
             qPrintable(notPem.error().toString()));
    auto missing = suspicious.trustCaFile(m_dir.filePath(QStringLiteral("missing.pem")));
    QVERIFY_ERROR(missing, ErrorCode::Validation);
    QVERIFY2(missing.error().toString().contains(QLatin1String("does not exist")),
             qPrintable(missing.error().toString()));
}

// The sessions list says what opened a session: the console by name and version, which an admin
// can tell from a browser or a script (it used to read "Mozilla/5.0").
void RestFailures::sessionsNameTheConsole()
{
    RestBackend backend(&m_network, m_server.url());
    const Result<SignedIn> signedIn = awaitFor(backend.signIn(kRootEmail, kRootPassword));
    QVERIFY_RESULT(signedIn);
    SessionQuery query;
    query.userId = signedIn->actor.userId;
    const auto sessions = awaitFor(backend.listSessions(query));
    QVERIFY_RESULT(sessions);
    bool found = false;
    for (const Session& s : sessions->items)
        found = found || s.userAgent == QStringLiteral("Portcullis-Console/" PORTCULLIS_VERSION);
    QVERIFY2(found,
             qPrintable(sessions->items.isEmpty() ? QStringLiteral("no session") : sessions->items.first().userAgent));
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    int status = 0;
    {
        SqlContract sql;
        status |= QTest::qExec(&sql, argc, argv);
    }
    {
        RestContract rest;
        status |= QTest::qExec(&rest, argc, argv);
    }
    {
        BetterAuthContract betterAuth;
        status |= QTest::qExec(&betterAuth, argc, argv);
    }
    {
        RestFailures failures;
        status |= QTest::qExec(&failures, argc, argv);
    }
    return status;
}

#include "tst_rest_backend.moc"
