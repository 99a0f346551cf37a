// Issue 13: a user's activity (the audit events a user took part in, as actor or as target) and
// moving a user to another organization. The store's rules on a real database (SQLite, or
// PostgreSQL with PORTCULLIS_TEST_DIALECT=postgres: tst_user_activity_pg), attacker cases first;
// then the same calls through both backends: SqlBackend, and RestBackend against the real
// portcullis-server (PORTCULLIS_SERVER_BIN) on a loopback port.

#include "contractcheck.h"
#include "policy/catalog.h"
#include "rest/restbackend.h"
#include "serverprocess.h"
#include "sqlbackend.h"
#include "storefixture.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace portcullis;
using namespace portcullis::test;

namespace {

const QString kUser = QStringLiteral("user");

QSet<Id> idsOf(const QList<AuditEvent>& events)
{
    QSet<Id> ids;
    for (const AuditEvent& e : events)
        ids << e.id;
    return ids;
}

bool involves(const AuditEvent& e, Id userId)
{
    return (e.actorType == kUser && e.actorId == userId)
        || (e.resourceType == kUser && e.resourceId == QString::number(userId));
}

qint64 userCount(QSqlDatabase& db, Id organizationId)
{
    return scalar(db, QStringLiteral("SELECT user_count FROM organizations WHERE id = ?"), { organizationId });
}

qint64 countedUsers(QSqlDatabase& db, Id organizationId)
{
    return scalar(db, QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = ? AND deleted = 0"),
                  { organizationId });
}

} // namespace

// --- the store ---------------------------------------------------------------------------------------

class StoreActivity : public QObject
{
    Q_OBJECT

private slots:
    void involvesUserFindsBothSidesOnce();
    void involvesUserPagesCountsAndCombines();
    void involvesUserStaysInTheReadersTenant();
    void moveIsRefused_data();
    void moveIsRefused();
    void moveTakesSeatRolesSessionsAndKeys();
};

void StoreActivity::involvesUserFindsBothSidesOnce()
{
    Fixture f = Fixture::make();
    User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    User dana = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    User other = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const Actor adminActor = f.w.actorFor(admin);
    const Actor danaActor = f.w.actorFor(dana);
    // Dana as the target, Dana as the actor (on her own account: both halves), and noise.
    QVERIFY_RESULT(f.store().users().suspend(adminActor, dana.id, QStringLiteral("holiday")));
    QVERIFY_RESULT(f.store().users().unsuspend(adminActor, dana.id));
    UserUpdate own;
    own.fullName = QStringLiteral("Dana S.");
    own.expectedVersion = f.store().core().loadUser(dana.id)->version;
    QVERIFY_RESULT(f.store().users().update(f.w.actorFor(dana), dana.id, own));
    QVERIFY_ERROR(f.store().users().ban(danaActor, other.id, QStringLiteral("no")), ErrorCode::Forbidden);
    QVERIFY_RESULT(f.store().users().suspend(adminActor, other.id, QStringLiteral("noise")));

    AuditQuery q;
    q.involvesUserId = dana.id;
    auto page = f.store().audit().query(f.w.superActor, q);
    QVERIFY_RESULT(page);
    const qint64 expected
        = scalar(f.sql(),
                 QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE (actor_type = 'user' AND actor_id = ?) OR "
                                "(resource_type = 'user' AND resource_id = ?)"),
                 { dana.id, QString::number(dana.id) });
    QCOMPARE(page->items.size(), expected);
    QCOMPARE(idsOf(page->items).size(), page->items.size()); // an event on her own account: once
    QStringList actions;
    for (const AuditEvent& e : std::as_const(page->items)) {
        QVERIFY2(involves(e, dana.id), qPrintable(e.action));
        actions << e.action;
    }
    QVERIFY(actions.contains(actions::UserSuspended));
    QVERIFY(actions.contains(actions::UserUpdated));
    QVERIFY(actions.contains(actions::UserBanned)); // her denied attempt
    for (int i = 1; i < page->items.size(); ++i)
        QVERIFY(page->items.at(i - 1).id > page->items.at(i).id);
}

void StoreActivity::involvesUserPagesCountsAndCombines()
{
    Fixture f = Fixture::make();
    User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    User dana = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const Actor adminActor = f.w.actorFor(admin);
    for (int i = 0; i < 4; ++i) {
        QVERIFY_RESULT(f.store().users().suspend(adminActor, dana.id));
        QVERIFY_RESULT(f.store().users().unsuspend(adminActor, dana.id));
        UserUpdate own;
        own.fullName = QStringLiteral("Dana %1").arg(i);
        own.expectedVersion = f.store().core().loadUser(dana.id)->version;
        QVERIFY_RESULT(f.store().users().update(f.w.actorFor(dana), dana.id, own));
    }
    AuditQuery all;
    all.involvesUserId = dana.id;
    all.withTotal = true;
    auto whole = f.store().audit().query(f.w.superActor, all);
    QVERIFY_RESULT(whole);
    QCOMPARE(whole->total, qint64(whole->items.size()));
    QVERIFY(whole->items.size() >= 12);

    // Cursor pages of 5 give the same events, none twice.
    AuditQuery paged = all;
    paged.withTotal = false;
    paged.limit = 5;
    QList<AuditEvent> walked;
    for (int guard = 0; guard < 20; ++guard) {
        auto page = f.store().audit().query(f.w.superActor, paged);
        QVERIFY_RESULT(page);
        walked += page->items;
        if (page->nextCursor.isEmpty())
            break;
        paged.cursor = page->nextCursor;
    }
    QCOMPARE(walked.size(), whole->items.size());
    QCOMPARE(idsOf(walked), idsOf(whole->items));

    // With an offset (the audit pane's scroll bar): the events after the first three.
    AuditQuery skipping = all;
    skipping.withTotal = false;
    skipping.offset = 3;
    auto skipped = f.store().audit().query(f.w.superActor, skipping);
    QVERIFY_RESULT(skipped);
    QCOMPARE(skipped->items.first().id, whole->items.at(3).id);

    // ANDed with the other filters: only the updates she made herself.
    AuditQuery updates = all;
    updates.action = actions::UserUpdated;
    auto own = f.store().audit().query(f.w.superActor, updates);
    QVERIFY_RESULT(own);
    QCOMPARE(own->items.size(), 4);
    QCOMPARE(own->total, 4);
    // An actor filter naming someone else leaves only the events done to her by that actor.
    AuditQuery byAdmin = all;
    byAdmin.actorId = admin.id;
    auto done = f.store().audit().query(f.w.superActor, byAdmin);
    QVERIFY_RESULT(done);
    QCOMPARE(done->items.size(), 8);
    QCOMPARE(done->total, 8);
}

void StoreActivity::involvesUserStaysInTheReadersTenant()
{
    // Dana worked in A, then moved to B: A's admin sees her A past only, B's admin her B present only.
    Fixture f = Fixture::make();
    User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    User dana = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(f.store().users().suspend(f.w.actorFor(adminA), dana.id, QStringLiteral("in A")));
    QVERIFY_RESULT(f.store().users().unsuspend(f.w.actorFor(adminA), dana.id));
    QVERIFY_RESULT(f.store().users().move(f.w.superActor, dana.id, f.w.orgB.id));
    QVERIFY_RESULT(f.store().users().suspend(f.w.actorFor(adminB), dana.id, QStringLiteral("in B")));

    AuditQuery q;
    q.involvesUserId = dana.id;
    q.withTotal = true;
    for (const User& reader : { adminA, adminB }) {
        auto page = f.store().audit().query(f.w.actorFor(reader), q);
        QVERIFY_RESULT(page);
        QVERIFY(!page->items.isEmpty());
        QCOMPARE(page->total, qint64(page->items.size()));
        for (const AuditEvent& e : std::as_const(page->items)) {
            QCOMPARE(e.organizationId, reader.organizationId);
            QVERIFY(
                !e.details.value(QStringLiteral("reason"))
                     .toString()
                     .contains(reader.organizationId == f.w.orgA.id ? QStringLiteral("in B") : QStringLiteral("in A")));
        }
    }
    // Naming the other tenant explicitly is refused, not widened.
    AuditQuery foreign = q;
    foreign.organizationId = f.w.orgB.id;
    QVERIFY(!f.store().audit().query(f.w.actorFor(adminA), foreign).ok());
    // The super admin sees both tenants' events, the move among them.
    auto all = f.store().audit().query(f.w.superActor, q);
    QVERIFY_RESULT(all);
    QSet<Id> tenants;
    bool moved = false;
    for (const AuditEvent& e : std::as_const(all->items)) {
        tenants << e.organizationId;
        moved = moved || e.action == actions::UserMoved;
    }
    QVERIFY(tenants.contains(f.w.orgA.id) && tenants.contains(f.w.orgB.id));
    QVERIFY(moved);
}

void StoreActivity::moveIsRefused_data()
{
    QTest::addColumn<QString>("actor"); // "super", "org admin"
    QTest::addColumn<QString>("target"); // "plain", "other tenant", "super", "self", "missing", "deleted"
    QTest::addColumn<QString>("destination"); // "B", "missing", "suspended", "full", "same"
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("deniedAudited");

    QTest::newRow("org admin cannot move") << "org admin"
                                           << "plain"
                                           << "B" << int(ErrorCode::Forbidden) << true;
    QTest::newRow("org admin naming another tenant's user") << "org admin"
                                                            << "other tenant"
                                                            << "A" << int(ErrorCode::NotFound) << true;
    QTest::newRow("super admin cannot move another super admin") << "super"
                                                                 << "super"
                                                                 << "B" << int(ErrorCode::Forbidden) << true;
    QTest::newRow("super admin cannot move themself") << "super"
                                                      << "self"
                                                      << "B" << int(ErrorCode::Forbidden) << true;
    QTest::newRow("missing user") << "super"
                                  << "missing"
                                  << "B" << int(ErrorCode::NotFound) << false;
    QTest::newRow("deleted user") << "super"
                                  << "deleted"
                                  << "B" << int(ErrorCode::NotFound) << false;
    QTest::newRow("missing organization") << "super"
                                          << "plain"
                                          << "missing" << int(ErrorCode::NotFound) << false;
    QTest::newRow("suspended organization") << "super"
                                            << "plain"
                                            << "suspended" << int(ErrorCode::Conflict) << false;
    QTest::newRow("full organization") << "super"
                                       << "plain"
                                       << "full" << int(ErrorCode::Validation) << false;
    QTest::newRow("same organization") << "super"
                                       << "plain"
                                       << "same" << int(ErrorCode::Validation) << false;
}

void StoreActivity::moveIsRefused()
{
    QFETCH(QString, actor);
    QFETCH(QString, target);
    QFETCH(QString, destination);
    QFETCH(int, code);
    QFETCH(bool, deniedAudited);

    Fixture f = Fixture::make();
    User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    User plain = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    User inB = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    User otherSuper = f.w.makeUser(f.w.orgA.id, QStringLiteral("super_admin"));
    User gone = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(f.store().users().remove(f.w.superActor, gone.id));

    const Actor who = actor == QLatin1String("super") ? f.w.superActor : f.w.actorFor(adminA);
    Id userId = plain.id;
    if (target == QLatin1String("other tenant"))
        userId = inB.id;
    else if (target == QLatin1String("super"))
        userId = otherSuper.id;
    else if (target == QLatin1String("self"))
        userId = who.userId;
    else if (target == QLatin1String("missing"))
        userId = 987654;
    else if (target == QLatin1String("deleted"))
        userId = gone.id;

    Id to = f.w.orgB.id;
    if (destination == QLatin1String("A") || destination == QLatin1String("same"))
        to = f.w.orgA.id;
    else if (destination == QLatin1String("missing"))
        to = 987654;
    else if (destination == QLatin1String("suspended")) {
        auto org = f.store().organizations().create(Actor::system(),
                                                    { QStringLiteral("Frozen"), {}, QStringLiteral("free"), 10, {} });
        QVERIFY_RESULT(org);
        QVERIFY_RESULT(f.store().organizations().suspend(Actor::system(), org->id));
        to = org->id;
    } else if (destination == QLatin1String("full")) {
        auto org = f.store().organizations().create(Actor::system(),
                                                    { QStringLiteral("Tiny"), {}, QStringLiteral("free"), 2, {} });
        QVERIFY_RESULT(org);
        f.w.makeUser(org->id, QStringLiteral("user"));
        // The second seat is held by a pending invitation.
        QVERIFY_RESULT(
            f.store().organizations().invite(f.w.superActor, org->id, QStringLiteral("pending@example.test"), kUser));
        to = org->id;
    }

    const qint64 deniedBefore = auditCount(f.sql(), actions::UserMoved, kDenied);
    const qint64 countA = userCount(f.sql(), f.w.orgA.id);
    const qint64 countB = userCount(f.sql(), f.w.orgB.id);
    const auto moved = f.store().users().move(who, userId, to);
    QVERIFY(!moved.ok());
    QCOMPARE(int(moved.error().code), code);
    QVERIFY2(!moved.error().message.isEmpty(), "a refusal says why");
    QCOMPARE(auditCount(f.sql(), actions::UserMoved, kDenied) > deniedBefore, deniedAudited);
    QCOMPARE(auditCount(f.sql(), actions::UserMoved, kSuccess), 0);
    // Nothing moved.
    QCOMPARE(userCount(f.sql(), f.w.orgA.id), countA);
    QCOMPARE(userCount(f.sql(), f.w.orgB.id), countB);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT organization_id FROM users WHERE id = ?"), { plain.id }),
             f.w.orgA.id);
}

void StoreActivity::moveTakesSeatRolesSessionsAndKeys()
{
    Fixture f = Fixture::make();
    User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    User dana = f.w.makeUser(f.w.orgA.id, QStringLiteral("power_user"));
    // A role of A's own, carrying a permission the built-in "power_user" role does not.
    NewRole reporter;
    reporter.code = QStringLiteral("acme_reporter");
    reporter.name = QStringLiteral("Reporter");
    reporter.level = 30;
    reporter.organizationId = f.w.orgA.id;
    reporter.permissions = { perm::AuditExport };
    auto role = f.store().roles().create(f.w.superActor, reporter);
    QVERIFY_RESULT(role);
    QVERIFY_RESULT(f.store().users().assignRole(f.w.actorFor(adminA), dana.id, reporter.code));
    QVERIFY(f.w.actorFor(dana).permissions.contains(perm::AuditExport));
    const TestSession session = insertSession(f.sql(), dana, Hour);
    NewApiKey key;
    key.name = QStringLiteral("dana's key");
    key.userId = dana.id;
    auto created = f.store().apiKeys().create(f.w.superActor, key);
    QVERIFY_RESULT(created);

    const qint64 countA = userCount(f.sql(), f.w.orgA.id);
    const qint64 countB = userCount(f.sql(), f.w.orgB.id);
    auto moved = f.store().users().move(f.w.superActor, dana.id, f.w.orgB.id);
    QVERIFY_RESULT(moved);
    QCOMPARE(moved->organizationId, f.w.orgB.id);
    QCOMPARE(moved->roleCodes, QStringList { QStringLiteral("power_user") }); // the global role stays

    // The counters of migration 3 follow the seat, and still agree with COUNT(*).
    QCOMPARE(userCount(f.sql(), f.w.orgA.id), countA - 1);
    QCOMPARE(userCount(f.sql(), f.w.orgB.id), countB + 1);
    QCOMPARE(userCount(f.sql(), f.w.orgA.id), countedUsers(f.sql(), f.w.orgA.id));
    QCOMPARE(userCount(f.sql(), f.w.orgB.id), countedUsers(f.sql(), f.w.orgB.id));

    // The old tenant's role grants nothing any more; her session and her key are over.
    QVERIFY(!f.w.actorFor(dana).permissions.contains(perm::AuditExport));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM user_roles WHERE user_id = ? AND role_id = ?"),
                    { dana.id, role->id }),
             0);
    QVERIFY(!isNullValue(f.sql(), QStringLiteral("SELECT revoked_at FROM sessions WHERE id = ?"), { session.id }));
    QVERIFY(!isNullValue(f.sql(), QStringLiteral("SELECT revoked_at FROM api_keys WHERE id = ?"), { created->key.id }));
    QVERIFY(!f.store().apiKeys().verify(created->secret).ok());

    // Audited in the destination, naming both tenants and what was removed.
    const EventRow event = lastEvent(f.store(), actions::UserMoved, QString::number(dana.id));
    QVERIFY(event.found);
    QCOMPARE(event.outcome, kSuccess);
    QCOMPARE(event.organizationId, f.w.orgB.id);
    QCOMPARE(event.details.value(QStringLiteral("from_organization_id")).toString(), QString::number(f.w.orgA.id));
    QCOMPARE(event.details.value(QStringLiteral("to_organization_id")).toString(), QString::number(f.w.orgB.id));
    QCOMPARE(event.details.value(QStringLiteral("roles_removed")).toArray(), QJsonArray { reporter.code });
    QCOMPARE(event.details.value(QStringLiteral("sessions_ended")).toInt(), 1);
    QCOMPARE(event.details.value(QStringLiteral("api_keys_revoked")).toInt(), 1);

    // A's admin no longer reaches her; B's admin does.
    QVERIFY_ERROR(f.store().users().get(f.w.actorFor(adminA), dana.id), ErrorCode::NotFound);
}

// --- both backends ----------------------------------------------------------------------------------

class BackendActivity : public QObject
{
    Q_OBJECT

protected:
    virtual bool setUpDeployment(QString* error) = 0;
    virtual std::unique_ptr<Backend> makeBackend() = 0;

    Result<User> makeUser(const QString& role, Id organizationId)
    {
        ++m_counter;
        NewUser nu;
        nu.email = QStringLiteral("mover%1@example.test").arg(m_counter);
        nu.username = QStringLiteral("mover%1").arg(m_counter);
        nu.password = kStrongPassword;
        nu.organizationId = organizationId;
        nu.roleCodes = { role };
        return awaitResult(m_root->createUser(nu));
    }
    Result<Organization> makeOrganization(int maxUsers)
    {
        NewOrganization org;
        org.name = QStringLiteral("Move %1").arg(++m_counter);
        org.maxUsers = maxUsers;
        return awaitResult(m_root->createOrganization(org));
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Backend> m_root;
    int m_counter = 0;

private slots:
    void initTestCase();
    void moveOverTheBackend();
    void orgAdminCannotMove();
    void activityOverTheBackend();
};

void BackendActivity::initTestCase()
{
    if (serverBinary().isEmpty())
        QFAIL("PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(setUpDeployment(&error), qPrintable(error));
    m_root = makeBackend();
    QVERIFY_RESULT(awaitResult(m_root->signIn(kRootEmail, kRootPassword)));
}

void BackendActivity::moveOverTheBackend()
{
    auto from = makeOrganization(10);
    auto to = makeOrganization(3);
    QVERIFY_RESULT(from);
    QVERIFY_RESULT(to);
    auto dana = makeUser(QStringLiteral("user"), from->id);
    QVERIFY_RESULT(dana);
    // Dana is signed in (a console of her own) when she is moved.
    std::unique_ptr<Backend> hers = makeBackend();
    QVERIFY_RESULT(awaitResult(hers->signIn(dana->email, kStrongPassword)));
    QVERIFY_RESULT(awaitResult(hers->getUser(dana->id)));

    QSignalSpy changed(m_root.get(), &Backend::recordsChanged);
    auto moved = awaitResult(m_root->moveUser(dana->id, to->id));
    QVERIFY_RESULT(moved);
    QCOMPARE(moved->organizationId, to->id);
    QTRY_VERIFY(!changed.isEmpty()); // announced on the GUI thread once the write finished
    auto orgs = awaitResult(m_root->listOrganizations());
    QVERIFY_RESULT(orgs);
    for (const Organization& o : std::as_const(*orgs)) {
        if (o.id == from->id)
            QCOMPARE(o.userCount, 0);
        if (o.id == to->id)
            QCOMPARE(o.userCount, 1);
    }
    // Her old session is refused on its next call.
    QVERIFY_ERROR(awaitResult(hers->getUser(dana->id)), ErrorCode::Unauthenticated);

    // Moving into a full organization says so.
    auto full = makeOrganization(1);
    QVERIFY_RESULT(full);
    QVERIFY_RESULT(makeUser(QStringLiteral("user"), full->id));
    auto refused = awaitResult(m_root->moveUser(dana->id, full->id));
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY2(refused.error().message.contains(full->name) || refused.error().toString().contains(full->name),
             qPrintable(refused.error().toString()));
}

void BackendActivity::orgAdminCannotMove()
{
    auto from = makeOrganization(10);
    auto to = makeOrganization(10);
    QVERIFY_RESULT(from);
    QVERIFY_RESULT(to);
    auto admin = makeUser(QStringLiteral("admin"), from->id);
    auto plain = makeUser(QStringLiteral("user"), from->id);
    QVERIFY_RESULT(admin);
    QVERIFY_RESULT(plain);
    std::unique_ptr<Backend> console = makeBackend();
    QVERIFY_RESULT(awaitResult(console->signIn(admin->email, kStrongPassword)));
    QVERIFY_ERROR(awaitResult(console->moveUser(plain->id, to->id)), ErrorCode::Forbidden);
    // The refusal is in the log.
    AuditQuery q;
    q.action = actions::UserMoved;
    q.outcome = kDenied;
    q.involvesUserId = admin->id;
    auto denied = awaitResult(m_root->queryAudit(q));
    QVERIFY_RESULT(denied);
    QCOMPARE(denied->items.size(), 1);
    QCOMPARE(denied->items.first().resourceId, QString::number(plain->id));
}

void BackendActivity::activityOverTheBackend()
{
    auto org = makeOrganization(10);
    QVERIFY_RESULT(org);
    auto dana = makeUser(QStringLiteral("user"), org->id);
    QVERIFY_RESULT(dana);
    QVERIFY_RESULT(awaitResult(m_root->suspendUser(dana->id, QStringLiteral("look"))));
    QVERIFY_RESULT(awaitResult(m_root->unsuspendUser(dana->id)));
    AuditQuery q;
    q.involvesUserId = dana->id;
    q.limit = 10;
    auto page = awaitResult(m_root->queryAudit(q));
    QVERIFY_RESULT(page);
    QStringList actions;
    for (const AuditEvent& e : std::as_const(page->items)) {
        QVERIFY(involves(e, dana->id));
        actions << e.action;
    }
    QCOMPARE(actions.mid(0, 3),
             (QStringList { actions::UserUnsuspended, actions::UserSuspended, actions::UserCreated }));
    // A user of another organization: nothing of hers for their admin, not an error.
    auto otherOrg = makeOrganization(10);
    QVERIFY_RESULT(otherOrg);
    auto otherAdmin = makeUser(QStringLiteral("admin"), otherOrg->id);
    QVERIFY_RESULT(otherAdmin);
    std::unique_ptr<Backend> console = makeBackend();
    QVERIFY_RESULT(awaitResult(console->signIn(otherAdmin->email, kStrongPassword)));
    auto foreign = awaitResult(console->queryAudit(q));
    QVERIFY_RESULT(foreign);
    QVERIFY(foreign->items.isEmpty());
    // Without audit permission: Forbidden (the console hides the list).
    auto plain = makeUser(QStringLiteral("user"), org->id);
    QVERIFY_RESULT(plain);
    std::unique_ptr<Backend> plainConsole = makeBackend();
    QVERIFY_RESULT(awaitResult(plainConsole->signIn(plain->email, kStrongPassword)));
    QVERIFY_ERROR(awaitResult(plainConsole->queryAudit(q)), ErrorCode::Forbidden);
}

class SqlActivity : public BackendActivity
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

class RestActivity : public BackendActivity
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
    ContractCheckingNetwork m_network;
};

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    int status = 0;
    {
        StoreActivity store;
        status |= QTest::qExec(&store, argc, argv);
    }
    {
        SqlActivity sql;
        status |= QTest::qExec(&sql, argc, argv);
    }
    {
        RestActivity rest;
        status |= QTest::qExec(&rest, argc, argv);
    }
    return status;
}

#include "tst_user_activity.moc"
