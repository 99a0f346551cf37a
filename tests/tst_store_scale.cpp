// The store at scale (issue 11), against a real database (SQLite, or PostgreSQL when
// PORTCULLIS_TEST_DIALECT=postgres): the indexed users search returns exactly what the plain scan
// returned (same rows, same order, same tenant scope) on random terms over a random dataset;
// filtered totals are exact up to limits::ExactTotalBound and reported as a lower bound beyond;
// the dashboard's numbers, read from counters and partial indexes, equal COUNT(*) over the tables
// after every kind of write; migration 6 indexes the rows a database already holds; and the audit
// log's time range, read in id order between the range's lowest and highest id, gives the events
// the plain scan gives even when ids and times disagree (events written out of time order).

#include "sql/database.h"
#include "sql/store.h"
#include "testutil.h"

#include <QBuffer>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <optional>

using namespace portcullis;
using namespace portcullis::test;

namespace {

constexpr qint64 Hour = 60 * 60 * 1000;

QVariant nullInt()
{
    return QVariant(QMetaType::fromType<qint64>());
}

enum class State
{
    Active,
    Suspended,
    Banned,
    BanExpired,
    Locked,
    Deleted
};

struct Person
{
    QString email;
    QString username;
    QString fullName;
    int organization = 0; // 0: orgA, 1: orgB
    State state = State::Active;
    qint64 createdAt = 0;
};

// Pieces the names are made of: ASCII in both cases, non-ASCII letters whose case LIKE on SQLite
// does not fold (and the trigram index does), CJK, and the characters a pattern or a query string
// treats specially (%, _, quotes, backslash, space).
const QStringList kPieces = {
    QStringLiteral("an"),  QStringLiteral("Bo"),  QStringLiteral("smi"),  QStringLiteral("TH"), QStringLiteral("jo"),
    QStringLiteral("ée"),  QStringLiteral("Ém"),  QStringLiteral("dü"),   QStringLiteral("ÜR"), QStringLiteral("ß"),
    QStringLiteral("ıl"),  QStringLiteral("Øs"),  QStringLiteral("中文"), QStringLiteral("x%"), QStringLiteral("y_"),
    QStringLiteral("o'c"), QStringLiteral("z\""), QStringLiteral("w\\"),  QStringLiteral(" "),  QStringLiteral("ka"),
    QStringLiteral("Lee"), QStringLiteral("mar"), QStringLiteral("ia"),   QStringLiteral("-"),  QStringLiteral("😀"),
};

QString randomName(QRandomGenerator& random, int pieces)
{
    QString name;
    for (int i = 0; i < pieces; ++i)
        name += kPieces.at(int(random.bounded(qsizetype(kPieces.size()))));
    return name;
}

// The dataset, the same on every call (a fixed seed): the terms of the data rows are cut from it.
const QList<Person>& dataset()
{
    static const QList<Person> people = [] {
        QRandomGenerator random(20261205);
        QList<Person> list;
        const qint64 base = QDateTime::currentMSecsSinceEpoch() - 400 * Hour;
        for (int i = 0; i < 360; ++i) {
            Person p;
            // Emails are stored lower-cased (UserManager::create); usernames and names as typed.
            p.email = (randomName(random, 2 + int(random.bounded(3))) + QString::number(i) + QStringLiteral("@ex")
                       + randomName(random, 1) + QStringLiteral(".test"))
                          .toLower();
            p.username = randomName(random, 1 + int(random.bounded(3))) + QLatin1Char('.') + QString::number(i);
            p.fullName = random.bounded(10) == 0 ? QString() : randomName(random, 2 + int(random.bounded(4)));
            p.organization = int(random.bounded(2));
            const int roll = int(random.bounded(20));
            p.state = roll == 0 ? State::Suspended
                : roll == 1     ? State::Banned
                : roll == 2     ? State::BanExpired
                : roll == 3     ? State::Locked
                : roll == 4     ? State::Deleted
                                : State::Active;
            p.createdAt = base + qint64(random.bounded(40)) * Hour; // ties, so the order needs the id too
            list << p;
        }
        return list;
    }();
    return people;
}

Id insertUser(QSqlDatabase& db, Id orgId, const Person& p)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QSqlQuery q(db);
    q.prepare(QStringLiteral(
        "INSERT INTO users (email, username, full_name, organization_id, password_hash, active, deleted, ban_reason, "
        "ban_expires_at, locked_until, created_at, updated_at) VALUES (?, ?, ?, ?, 'x', ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id"));
    q.addBindValue(p.email);
    q.addBindValue(p.username);
    q.addBindValue(p.fullName.isEmpty() ? QStringLiteral("") : p.fullName); // a null QString binds NULL
    q.addBindValue(orgId);
    q.addBindValue(p.state == State::Suspended ? 0 : 1);
    q.addBindValue(p.state == State::Deleted ? 1 : 0);
    q.addBindValue(p.state == State::Banned || p.state == State::BanExpired ? QVariant(QStringLiteral("spam"))
                                                                            : QVariant(QMetaType::fromType<QString>()));
    q.addBindValue(p.state == State::BanExpired ? QVariant(now - Hour) : nullInt());
    q.addBindValue(p.state == State::Locked ? QVariant(now + Hour) : nullInt());
    q.addBindValue(p.createdAt);
    q.addBindValue(p.createdAt);
    if (!q.exec() || !q.next())
        qFatal("cannot insert a test user: %s", qPrintable(q.lastError().text()));
    return q.value(0).toLongLong();
}

qint64 scalar(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec() || !q.next())
        qFatal("test query failed: %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
    return q.value(0).toLongLong();
}

void execSql(QSqlDatabase& db, const QString& sql, const QVariantList& binds = {})
{
    QSqlQuery q(db);
    q.prepare(sql);
    for (const QVariant& v : binds)
        q.addBindValue(v);
    if (!q.exec())
        qFatal("test statement failed: %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
}

struct Scope
{
    const char* name;
    bool superAdmin; // false: an admin of orgA
    int organization; // -1: none named; 0: orgA; 1: orgB
};

const Scope kScopes[] = { { "super admin, every tenant", true, -1 },
                          { "super admin, organization B", true, 1 },
                          { "admin of A", false, -1 } };

struct SearchWorld
{
    std::unique_ptr<TestDatabase> db;
    World w;
    Actor adminOfA;
};

// The users search as it was before the indexes (UserManager::list of main): the same LIKE
// (ILIKE on PostgreSQL) over the three columns, the same status condition and tenant scope, the
// same order. The reference every indexed answer is compared with.
QList<Id> plainScan(StoreCore& core, const QString& term, Id orgId, const QString& status, const QString& sortColumn,
                    bool descending)
{
    QStringList where;
    QVariantList values;
    if (orgId != 0) {
        where << QStringLiteral("u.organization_id = ?");
        values << orgId;
    }
    QString pattern = term;
    pattern.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
        .replace(QLatin1Char('%'), QLatin1String("\\%"))
        .replace(QLatin1Char('_'), QLatin1String("\\_"));
    pattern = QLatin1Char('%') + pattern + QLatin1Char('%');
    where << QStringLiteral("(u.email %1 ? ESCAPE '\\' OR u.username %1 ? ESCAPE '\\' OR u.full_name %1 ? ESCAPE '\\')")
                 .arg(core.likeOperator());
    values << pattern << pattern << pattern;
    if (status.isEmpty())
        where << QStringLiteral("u.deleted = 0");
    else if (status == QLatin1String("banned")) {
        where << QStringLiteral(
            "u.deleted = 0 AND u.ban_reason IS NOT NULL AND (u.ban_expires_at IS NULL OR u.ban_expires_at > ?)");
        values << core.now();
    }
    const QString direction = descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
    QSqlQuery q(core.db());
    q.prepare(QStringLiteral("SELECT u.id FROM users u WHERE ") + where.join(QStringLiteral(" AND "))
              + QStringLiteral(" ORDER BY ") + sortColumn + direction + QStringLiteral(", u.id") + direction);
    for (const QVariant& v : std::as_const(values))
        q.addBindValue(v);
    if (!q.exec())
        qFatal("plain scan failed: %s", qPrintable(q.lastError().text()));
    QList<Id> ids;
    while (q.next())
        ids << q.value(0).toLongLong();
    return ids;
}

// Every page of the store's answer, in order.
Result<QList<Id>> listAll(SqlStore& store, const Actor& actor, UserQuery query, qint64* total, bool* lowerBound)
{
    QList<Id> ids;
    query.limit = 70;
    for (query.page = 1;; ++query.page) {
        auto page = store.users().list(actor, query);
        if (!page)
            return page.error();
        if (query.page == 1) {
            *total = page->total;
            *lowerBound = page->totalIsLowerBound;
        }
        for (const User& user : std::as_const(page->items))
            ids << user.id;
        if (page->items.size() < query.limit)
            return ids;
    }
}

// The dashboard's numbers as they were computed before the counters: COUNT(*) over the tables.
Stats countStar(StoreCore& core, Id scope)
{
    const qint64 now = core.now();
    const QString in = scope != 0 ? QStringLiteral(" AND organization_id = %1").arg(scope) : QString();
    const QString banned
        = QStringLiteral(
              "(ban_reason IS NOT NULL AND ban_reason <> '' AND (ban_expires_at IS NULL OR ban_expires_at > %1))")
              .arg(now);
    Stats s;
    s.usersTotal = scalar(core.db(), QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0") + in);
    s.usersActive
        = scalar(core.db(),
                 QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0 AND active = 1 AND NOT ") + banned + in);
    s.usersBanned
        = scalar(core.db(), QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0 AND ") + banned + in);
    s.usersSuspended
        = scalar(core.db(), QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0 AND active = 0") + in);
    s.sessionsActive = scalar(
        core.db(),
        QStringLiteral("SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > %1").arg(now) + in);
    s.apiKeysActive = scalar(core.db(),
                             QStringLiteral("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL AND "
                                            "(expires_at IS NULL OR expires_at > %1)")
                                     .arg(now)
                                 + in);
    return s;
}

// Undoes migration 6, leaving a database as schema 5 wrote it (with its rows).
// Undoes migration 7 (the daily audit counters), leaving a database as schema 6 wrote it.
void revertMigration8(QSqlDatabase& db)
{
    QSqlQuery q(db);
    QStringList statements = revertMigration8Statements();
    statements << QStringLiteral("DELETE FROM schema_migrations WHERE version >= 8");
    for (const QString& statement : std::as_const(statements)) {
        if (!q.exec(statement))
            qFatal("cannot revert migration 8: %s: %s", qPrintable(statement), qPrintable(q.lastError().text()));
    }
}

void revertMigration7(QSqlDatabase& db, bool postgres)
{
    QSqlQuery q(db);
    QStringList statements;
    if (!postgres)
        statements << QStringLiteral("DROP TRIGGER audit_daily_insert")
                   << QStringLiteral("DROP TRIGGER audit_daily_delete");
    else
        statements << QStringLiteral("DROP TRIGGER audit_daily ON audit_events")
                   << QStringLiteral("DROP FUNCTION portcullis_audit_daily()");
    statements << QStringLiteral("DROP TABLE audit_daily")
               << QStringLiteral("DELETE FROM schema_migrations WHERE version >= 7");
    for (const QString& statement : std::as_const(statements)) {
        if (!q.exec(statement))
            qFatal("cannot revert migration 7: %s: %s", qPrintable(statement), qPrintable(q.lastError().text()));
    }
}

void revertMigration6(QSqlDatabase& db, bool postgres)
{
    QSqlQuery q(db);
    QStringList statements;
    if (!postgres)
        statements << QStringLiteral("DROP TRIGGER users_search_insert")
                   << QStringLiteral("DROP TRIGGER users_search_delete")
                   << QStringLiteral("DROP TRIGGER users_search_update") << QStringLiteral("DROP TABLE users_search");
    else
        statements << QStringLiteral("DROP EXTENSION pg_trgm CASCADE"); // with its three indexes
    for (const char* index :
         { "users_banned", "users_suspended", "users_locked", "sessions_live", "sessions_live_all", "sessions_open",
           "sessions_open_organization", "api_keys_live", "audit_organization_time" })
        statements << QStringLiteral("DROP INDEX ") + QString::fromLatin1(index);
    statements << QStringLiteral("DELETE FROM schema_migrations WHERE version >= 6");
    for (const QString& statement : std::as_const(statements)) {
        if (!q.exec(statement))
            qFatal("cannot revert migration 6: %s: %s", qPrintable(statement), qPrintable(q.lastError().text()));
    }
}

} // namespace

class TestStoreScale : public QObject
{
    Q_OBJECT

private slots:
    void searchEqualsThePlainScan_data();
    void searchEqualsThePlainScan();
    void searchFollowsEveryWrite();
    void totalsAreBoundedBeyondTenThousand();
    void dashboardCountsEqualCountStar();
    void migrationIndexesExistingRows();
    void auditTimeRangeEqualsThePlainScan();
    void dailyActivityEqualsTheCount();
    void cleanupTestCase();

private:
    SearchWorld& searchWorld();
    void compareWithPlainScan(SearchWorld& sw, const QString& term, const QString& status = {});
    std::optional<SearchWorld> m_search;
};

SearchWorld& TestStoreScale::searchWorld()
{
    if (!m_search) {
        SearchWorld sw;
        sw.db = TestDatabase::create();
        sw.w = World::build(sw.db->store());
        sw.adminOfA = sw.w.actorFor(sw.w.makeUser(sw.w.orgA.id, QStringLiteral("admin"), QStringLiteral("adminofa")));
        QSqlDatabase& db = sw.db->store().core().db();
        db.transaction();
        for (const Person& p : dataset())
            insertUser(db, p.organization == 0 ? sw.w.orgA.id : sw.w.orgB.id, p);
        db.commit();
        m_search.emplace(std::move(sw));
    }
    return *m_search;
}

void TestStoreScale::cleanupTestCase()
{
    m_search.reset();
}

void TestStoreScale::compareWithPlainScan(SearchWorld& sw, const QString& term, const QString& status)
{
    struct Sort
    {
        const char* key;
        const char* column;
        bool descending;
    };
    const Sort sorts[] = { { "email", "u.email", false },
                           { "full_name", "u.full_name", true },
                           { "created_at", "u.created_at", false } };
    SqlStore& store = sw.db->store();
    for (const Scope& scope : kScopes) {
        const Actor& actor = scope.superAdmin ? sw.w.superActor : sw.adminOfA;
        const Id named = scope.organization < 0 ? 0 : scope.organization == 0 ? sw.w.orgA.id : sw.w.orgB.id;
        const Id effective = scope.superAdmin ? named : sw.w.orgA.id;
        for (const Sort& sort : sorts) {
            UserQuery query;
            query.search = term;
            query.status = status;
            query.organizationId = named;
            query.sortBy = QString::fromLatin1(sort.key);
            query.descending = sort.descending;
            qint64 total = -1;
            bool lowerBound = true;
            auto indexed = listAll(store, actor, query, &total, &lowerBound);
            QVERIFY_RESULT(indexed);
            const QList<Id> expected = plainScan(store.core(), term.trimmed(), effective, status,
                                                 QString::fromLatin1(sort.column), sort.descending);
            const QByteArray where = QByteArray(scope.name) + ", sorted by " + sort.key;
            QVERIFY2(*indexed == expected,
                     qPrintable(QStringLiteral("%1: %2 rows, the scan %3")
                                    .arg(QString::fromUtf8(where))
                                    .arg(indexed->size())
                                    .arg(expected.size())));
            QCOMPARE(total, qint64(expected.size()));
            QVERIFY(!lowerBound);
        }
    }
}

void TestStoreScale::searchEqualsThePlainScan_data()
{
    QTest::addColumn<QString>("term");
    QTest::addColumn<QString>("status");
    QTest::newRow("one ASCII character") << QStringLiteral("a") << QString();
    QTest::newRow("one character, upper case") << QStringLiteral("B") << QString();
    QTest::newRow("two characters") << QStringLiteral("jo") << QString();
    QTest::newRow("two characters, mixed case") << QStringLiteral("tH") << QString();
    QTest::newRow("two non-ASCII characters") << QStringLiteral("中文") << QString();
    QTest::newRow("one non-ASCII character, other case") << QStringLiteral("é") << QString();
    QTest::newRow("three characters") << QStringLiteral("smi") << QString();
    QTest::newRow("three characters, upper case") << QStringLiteral("SMI") << QString();
    QTest::newRow("non-ASCII, stored case") << QStringLiteral("Ém") << QString();
    QTest::newRow("non-ASCII, other case (LIKE on SQLite does not fold it)") << QStringLiteral("ÉE") << QString();
    QTest::newRow("non-ASCII, three characters other case") << QStringLiteral("DÜR") << QString();
    QTest::newRow("sharp s") << QStringLiteral("ßan") << QString();
    QTest::newRow("dotless i") << QStringLiteral("ıl") << QString();
    QTest::newRow("percent") << QStringLiteral("x%") << QString();
    QTest::newRow("percent alone") << QStringLiteral("%") << QString();
    QTest::newRow("percent, three characters") << QStringLiteral("x%a") << QString();
    QTest::newRow("underscore") << QStringLiteral("y_") << QString();
    QTest::newRow("underscore alone") << QStringLiteral("_") << QString();
    QTest::newRow("underscore, three characters") << QStringLiteral("_bo") << QString();
    QTest::newRow("single quote") << QStringLiteral("o'c") << QString();
    QTest::newRow("double quote") << QStringLiteral("z\"") << QString();
    QTest::newRow("double quote, three characters") << QStringLiteral("z\"a") << QString();
    QTest::newRow("quote of an FTS query") << QStringLiteral("\"an\"") << QString();
    QTest::newRow("FTS operators") << QStringLiteral("an OR bo") << QString();
    QTest::newRow("FTS column filter") << QStringLiteral("email:an") << QString();
    QTest::newRow("backslash") << QStringLiteral("w\\") << QString();
    QTest::newRow("backslash, three characters") << QStringLiteral("w\\j") << QString();
    QTest::newRow("space inside") << QStringLiteral("n b") << QString();
    QTest::newRow("surrounding spaces are trimmed") << QStringLiteral("  smi  ") << QString();
    QTest::newRow("emoji") << QStringLiteral("😀") << QString();
    QTest::newRow("emoji and two more") << QStringLiteral("😀an") << QString();
    QTest::newRow("at sign") << QStringLiteral("@ex") << QString();
    QTest::newRow("no match") << QStringLiteral("zzq") << QString();
    QTest::newRow("no match, long") << QStringLiteral("qqqqqqqqqqqqqqqq") << QString();
    QTest::newRow("every status") << QStringLiteral("an") << QStringLiteral("all");
    QTest::newRow("banned, three characters") << QStringLiteral("smi") << QStringLiteral("banned");
    QTest::newRow("banned, one character") << QStringLiteral("o") << QStringLiteral("banned");

    // Random terms cut out of the dataset (1 to 6 characters), their case changed at random.
    QRandomGenerator random(4242);
    const QList<Person>& people = dataset();
    for (int i = 0; i < 60; ++i) {
        const Person& p = people.at(int(random.bounded(qsizetype(people.size()))));
        const QString field = i % 3 == 0 ? p.email : i % 3 == 1 ? p.username : p.fullName;
        if (field.isEmpty())
            continue;
        const int length = 1 + int(random.bounded(6));
        const int from = int(random.bounded(std::max(1, int(field.size()) - length + 1)));
        QString term = field.mid(from, length);
        if (random.bounded(2) == 0)
            term = term.toUpper();
        if (term.trimmed().isEmpty())
            continue;
        QTest::addRow("random %d: %s", i, qPrintable(term)) << term << (i % 7 == 0 ? QStringLiteral("all") : QString());
    }
}

void TestStoreScale::searchEqualsThePlainScan()
{
    QFETCH(QString, term);
    QFETCH(QString, status);
    compareWithPlainScan(searchWorld(), term, status);
}

void TestStoreScale::searchFollowsEveryWrite()
{
    auto db = TestDatabase::create();
    World w = World::build(db->store());
    SqlStore& store = db->store();
    const User alice = w.makeUser(w.orgA.id, QStringLiteral("user"), QStringLiteral("alicewonder"));
    const User bob = w.makeUser(w.orgB.id, QStringLiteral("user"), QStringLiteral("bobbuilder"));
    auto find = [&](const QString& term) {
        UserQuery q;
        q.search = term;
        q.status = QStringLiteral("all");
        auto page = store.users().list(w.superActor, q);
        QList<Id> ids;
        if (page) {
            for (const User& u : std::as_const(page->items))
                ids << u.id;
        }
        return ids;
    };
    QCOMPARE(find(QStringLiteral("wonder")), QList<Id> { alice.id });
    QCOMPARE(find(QStringLiteral("BUILD")), QList<Id> { bob.id });

    // An update of each column: the old text is gone from the index, the new one found.
    UserUpdate update;
    update.expectedVersion = alice.version;
    update.email = QStringLiteral("queen.of.hearts@example.test");
    update.username = QStringLiteral("redqueen");
    update.fullName = QStringLiteral("Königin der Herzen");
    auto updated = store.users().update(w.superActor, alice.id, update);
    QVERIFY_RESULT(updated);
    QCOMPARE(find(QStringLiteral("wonder")), QList<Id> {});
    QCOMPARE(find(QStringLiteral("hearts@")), QList<Id> { alice.id });
    QCOMPARE(find(QStringLiteral("dqu")), QList<Id> { alice.id });
    QCOMPARE(find(QStringLiteral("nigin d")), QList<Id> { alice.id });

    // A soft delete keeps the row (status "all" finds it); wiping out the organization removes its
    // users by the foreign key's cascade, which the index follows too.
    QVERIFY_RESULT(store.users().remove(w.superActor, alice.id));
    QCOMPARE(find(QStringLiteral("hearts@")), QList<Id> { alice.id });
    QVERIFY_RESULT(store.organizations().wipeOut(w.superActor, w.orgB.id, w.orgB.slug));
    QCOMPARE(find(QStringLiteral("BUILD")), QList<Id> {});

    if (!db->isPostgres()) {
        // FTS5 compares its index with the users table itself.
        QSqlQuery q(store.core().db());
        QVERIFY2(q.exec(QStringLiteral("INSERT INTO users_search (users_search, rank) VALUES ('integrity-check', 1)")),
                 qPrintable(q.lastError().text()));
    }
}

void TestStoreScale::totalsAreBoundedBeyondTenThousand()
{
    auto db = TestDatabase::create();
    World w = World::build(db->store());
    SqlStore& store = db->store();
    QSqlDatabase& sql = store.core().db();
    const User owner = w.makeUser(w.orgA.id, QStringLiteral("user"), QStringLiteral("sessionowner"));
    const int many = limits::ExactTotalBound + 25;
    const qint64 base = QDateTime::currentMSecsSinceEpoch() - 1000 * Hour;
    QVERIFY(sql.transaction());
    for (int i = 0; i < many; ++i) {
        Person p;
        p.email = QStringLiteral("bulk%1@many.test").arg(i, 5, 10, QLatin1Char('0'));
        p.username = QStringLiteral("bulk%1").arg(i);
        p.fullName = QStringLiteral("Bulk Person %1").arg(i);
        p.state = i % 1000 == 7 ? State::Banned : State::Active;
        p.createdAt = base + i;
        insertUser(sql, w.orgA.id, p);
    }
    QVERIFY(sql.commit());

    struct Case
    {
        const char* name;
        QString search;
        QString status;
        qint64 total;
        bool lowerBound;
    };
    const Case cases[] = {
        { "indexed term matching every one", QStringLiteral("ulk"), {}, limits::ExactTotalBound, true },
        { "short term matching every one", QStringLiteral("bu"), {}, limits::ExactTotalBound, true },
        { "status filter", {}, QStringLiteral("active"), limits::ExactTotalBound, true },
        { "every status", {}, QStringLiteral("all"), limits::ExactTotalBound, true },
        { "banned few", {}, QStringLiteral("banned"), 11, false },
        { "indexed term matching a few", QStringLiteral("n 10000"), {}, 1, false },
    };
    for (const Case& c : cases) {
        UserQuery q;
        q.search = c.search;
        q.status = c.status;
        auto page = store.users().list(w.superActor, q);
        QVERIFY_RESULT(page);
        QVERIFY2(page->total == c.total,
                 qPrintable(QStringLiteral("%1: total %2").arg(QLatin1String(c.name)).arg(page->total)));
        QVERIFY2(page->totalIsLowerBound == c.lowerBound, c.name);
    }
    // Without a filter the total is the maintained count: exact, however large.
    auto everyone = store.users().list(w.superActor, UserQuery {});
    QVERIFY_RESULT(everyone);
    QCOMPARE(everyone->total, scalar(sql, QStringLiteral("SELECT COUNT(*) FROM users WHERE deleted = 0")));
    QVERIFY(!everyone->totalIsLowerBound);

    // Past the bound the pages are still those of the scan, the last one included, for a term the
    // trigram index serves and for a short one that every row is read for.
    for (const QString& term : { QStringLiteral("ULK"), QStringLiteral("BU") }) {
        UserQuery q;
        q.search = term;
        q.limit = 100;
        const QList<Id> expected = plainScan(store.core(), q.search, 0, {}, QStringLiteral("u.email"), false);
        QCOMPARE(expected.size(), qsizetype(many));
        for (int pageNo : { 1, 2, 100, 101, 102 }) {
            q.page = pageNo;
            auto page = store.users().list(w.superActor, q);
            QVERIFY_RESULT(page);
            QList<Id> ids;
            for (const User& u : std::as_const(page->items))
                ids << u.id;
            QCOMPARE(ids, expected.mid((pageNo - 1) * 100, 100));
            QCOMPARE(page->total, qint64(limits::ExactTotalBound));
            QVERIFY(page->totalIsLowerBound);
        }
    }
    // A short term matching a few of them: exact, on the first page and on an empty one past it.
    {
        UserQuery q;
        q.search = QStringLiteral("77");
        const QList<Id> expected = plainScan(store.core(), q.search, 0, {}, QStringLiteral("u.email"), false);
        QVERIFY(expected.size() > 50 && expected.size() < 1000);
        for (int pageNo : { 1, 2, 60 }) {
            q.page = pageNo;
            auto page = store.users().list(w.superActor, q);
            QVERIFY_RESULT(page);
            QList<Id> ids;
            for (const User& u : std::as_const(page->items))
                ids << u.id;
            QCOMPARE(ids, expected.mid((pageNo - 1) * 50, 50));
            QCOMPARE(page->total, qint64(expected.size()));
            QVERIFY(!page->totalIsLowerBound);
        }
    }

    // The sessions list counts the same way.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(sql.transaction());
    for (int i = 0; i < limits::ExactTotalBound + 3; ++i)
        execSql(sql,
                QStringLiteral("INSERT INTO sessions (user_id, organization_id, token_hash, created_at, last_seen_at, "
                               "expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                { owner.id, owner.organizationId, QStringLiteral("t%1").arg(i), now, now, now + Hour,
                  i % 2 == 0 ? nullInt() : QVariant(now) });
    QVERIFY(sql.commit());
    SessionQuery sq;
    auto open = store.sessions().list(w.superActor, sq);
    QVERIFY_RESULT(open);
    QCOMPARE(open->total, qint64(limits::ExactTotalBound / 2 + 2));
    QVERIFY(!open->totalIsLowerBound);
    sq.includeRevoked = true;
    auto all = store.sessions().list(w.superActor, sq);
    QVERIFY_RESULT(all);
    QCOMPARE(all->total, qint64(limits::ExactTotalBound));
    QVERIFY(all->totalIsLowerBound);
    QCOMPARE(all->items.size(), 50);
}

void TestStoreScale::dashboardCountsEqualCountStar()
{
    auto db = TestDatabase::create();
    World w = World::build(db->store());
    SqlStore& store = db->store();
    StoreCore& core = store.core();
    auto check = [&](const char* step) {
        for (const Id scope : { Id(0), w.orgA.id, w.orgB.id }) {
            auto stats = store.stats().get(w.superActor, scope);
            if (!stats)
                return QStringLiteral("%1: %2").arg(QLatin1String(step), stats.error().toString());
            const Stats expected = countStar(core, scope);
            const QList<qint64> got { stats->usersTotal,     stats->usersActive,    stats->usersBanned,
                                      stats->usersSuspended, stats->sessionsActive, stats->apiKeysActive };
            const QList<qint64> want { expected.usersTotal,     expected.usersActive,    expected.usersBanned,
                                       expected.usersSuspended, expected.sessionsActive, expected.apiKeysActive };
            if (got != want) {
                QStringList a, b;
                for (qint64 v : got)
                    a << QString::number(v);
                for (qint64 v : want)
                    b << QString::number(v);
                return QStringLiteral("%1, organization %2: %3, COUNT(*) %4")
                    .arg(QLatin1String(step))
                    .arg(scope)
                    .arg(a.join(QLatin1Char(' ')), b.join(QLatin1Char(' ')));
            }
            // The maintained user count of each organization too.
            if (scope != 0
                && scalar(core.db(), QStringLiteral("SELECT user_count FROM organizations WHERE id = ?"), { scope })
                    != expected.usersTotal)
                return QStringLiteral("%1: user_count of %2 drifted").arg(QLatin1String(step)).arg(scope);
        }
        return QString();
    };
#define CHECK_COUNTS(step)                                                                                             \
    do {                                                                                                               \
        const QString problem = check(step);                                                                           \
        QVERIFY2(problem.isEmpty(), qPrintable(problem));                                                              \
    } while (false)

    CHECK_COUNTS("empty");
    QList<User> users;
    for (int i = 0; i < 6; ++i)
        users << w.makeUser(i < 4 ? w.orgA.id : w.orgB.id, QStringLiteral("user"));
    CHECK_COUNTS("created");

    QVERIFY_RESULT(store.users().ban(w.superActor, users[0].id, QStringLiteral("spam")));
    QVERIFY_RESULT(store.users().ban(w.superActor, users[1].id, QStringLiteral("spam"),
                                     QDateTime::currentDateTimeUtc().addDays(1)));
    QVERIFY_RESULT(store.users().ban(w.superActor, users[4].id, QStringLiteral("spam")));
    CHECK_COUNTS("banned");
    QVERIFY_RESULT(store.users().suspend(w.superActor, users[0].id)); // banned and suspended
    QVERIFY_RESULT(store.users().suspend(w.superActor, users[2].id));
    CHECK_COUNTS("suspended");
    // A ban that has run out counts as over without anybody lifting it.
    execSql(core.db(), QStringLiteral("UPDATE users SET ban_expires_at = ? WHERE id = ?"),
            { core.now() - Hour, users[1].id });
    CHECK_COUNTS("ban expired");
    QVERIFY_RESULT(store.users().unban(w.superActor, users[4].id));
    QVERIFY_RESULT(store.users().unsuspend(w.superActor, users[2].id));
    CHECK_COUNTS("unbanned, unsuspended");
    QVERIFY_RESULT(store.users().remove(w.superActor, users[3].id));
    QVERIFY_RESULT(store.users().remove(w.superActor, users[0].id)); // banned, suspended and deleted
    CHECK_COUNTS("deleted");

    // Sessions: signed in, revoked, expired; API keys created and revoked.
    auto login = store.auth().login(users[5].email, kStrongPassword, QStringLiteral("10.1.1.1"));
    QVERIFY_RESULT(login);
    auto login2 = store.auth().login(users[2].email, kStrongPassword, QStringLiteral("10.1.1.1"));
    QVERIFY_RESULT(login2);
    auto login3 = store.auth().login(users[2].email, kStrongPassword, QStringLiteral("10.1.1.1"));
    QVERIFY_RESULT(login3);
    CHECK_COUNTS("signed in");
    QVERIFY_RESULT(store.sessions().revoke(w.superActor, login2->session.id));
    execSql(core.db(), QStringLiteral("UPDATE sessions SET expires_at = ? WHERE id = ?"),
            { core.now() - 1000, login3->session.id });
    CHECK_COUNTS("session revoked, session expired");
    NewApiKey nk;
    nk.name = QStringLiteral("k");
    nk.userId = users[5].id;
    nk.scopes = { QStringLiteral("chat:create") };
    auto key = store.apiKeys().create(w.superActor, nk);
    QVERIFY_RESULT(key);
    QVERIFY_RESULT(store.apiKeys().create(w.superActor, nk));
    CHECK_COUNTS("keys created");
    QVERIFY_RESULT(store.apiKeys().revoke(w.superActor, key->key.id));
    CHECK_COUNTS("key revoked");

    // A user moved to the other tenant by an operator's statement (not UserManager::move),
    // banned, suspended and signed in as they are.
    QVERIFY_RESULT(store.users().ban(w.superActor, users[2].id, QStringLiteral("spam")));
    QVERIFY_RESULT(store.users().suspend(w.superActor, users[5].id));
    execSql(core.db(), QStringLiteral("UPDATE users SET organization_id = ? WHERE id IN (?, ?)"),
            { w.orgB.id, users[2].id, users[5].id });
    CHECK_COUNTS("moved between tenants");
    execSql(core.db(), QStringLiteral("UPDATE users SET organization_id = ? WHERE id = ?"), { w.orgA.id, users[5].id });
    CHECK_COUNTS("moved back");
#undef CHECK_COUNTS
}

void TestStoreScale::migrationIndexesExistingRows()
{
    // A database of schema 5 with users in it: migration 6 must index the rows already there.
    auto db = TestDatabase::create();
    World w = World::build(db->store());
    SqlStore& store = db->store();
    QSqlDatabase& sql = store.core().db();
    for (int i = 0; i < 40; ++i) {
        Person p = dataset().at(i);
        insertUser(sql, w.orgA.id, p);
    }
    revertMigration8(sql);
    revertMigration7(sql, db->isPostgres());
    revertMigration6(sql, db->isPostgres());
    QCOMPARE(schemaVersion(sql), 5);
    auto applied = migrate(sql, db->config().dialect);
    QVERIFY_RESULT(applied);
    QCOMPARE(*applied, latestSchemaVersion() - 5);
    QCOMPARE(schemaVersion(sql), latestSchemaVersion());
    if (!db->isPostgres()) {
        QSqlQuery q(sql);
        QVERIFY2(q.exec(QStringLiteral("INSERT INTO users_search (users_search, rank) VALUES ('integrity-check', 1)")),
                 qPrintable(q.lastError().text()));
    }
    for (int i = 0; i < 40; i += 3) {
        const Person& p = dataset().at(i);
        const QString term = p.username.left(4);
        UserQuery q;
        q.search = term;
        q.limit = 500;
        auto page = store.users().list(w.superActor, q);
        QVERIFY_RESULT(page);
        QList<Id> ids;
        for (const User& u : std::as_const(page->items))
            ids << u.id;
        QCOMPARE(ids, plainScan(store.core(), term, 0, {}, QStringLiteral("u.email"), false));
        if (p.state != State::Deleted)
            QVERIFY(!ids.isEmpty());
    }
}

// The audit log's time range is read in id order between the lowest and the highest id of the
// range (AuditManager::query, exportTo). Events written out of time order (a clock set back, two
// servers) put events of other times inside that id range and events of the range far apart: every
// page, every filter and the export still give exactly the events of the plain scan, newest id first.
void TestStoreScale::auditTimeRangeEqualsThePlainScan()
{
    auto db = TestDatabase::create();
    World w = World::build(db->store());
    SqlStore& store = db->store();
    QSqlDatabase& sql = store.core().db();
    const Actor adminOfA = w.actorFor(w.makeUser(w.orgA.id, QStringLiteral("admin"), QStringLiteral("timeadmin")));

    // 1,200 events after the existing ones: mostly in time order, one in eight thrown up to 30 hours
    // back or forward, and a few far away (a year back).
    QRandomGenerator random(1205);
    const qint64 base = QDateTime::currentMSecsSinceEpoch() - 400 * Hour;
    const Id first = scalar(sql, QStringLiteral("SELECT MAX(id) FROM audit_events")) + 1;
    const QStringList actions { QStringLiteral("user.created"), QStringLiteral("user.banned"),
                                QStringLiteral("role.assigned"), QStringLiteral("role.revoked") };
    sql.transaction();
    for (int i = 0; i < 1200; ++i) {
        qint64 at = base + qint64(i) * (Hour / 4);
        const int roll = int(random.bounded(64));
        if (roll < 8)
            at += (qint64(random.bounded(60)) - 30) * Hour;
        else if (roll == 8)
            at -= 365 * 24 * Hour;
        const Id org = random.bounded(3) == 0 ? w.orgB.id : w.orgA.id;
        execSql(sql,
                QStringLiteral("INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, actor_label, "
                               "organization_id, action, resource_type, resource_id, details, ip, outcome, prev_hash, "
                               "hash) VALUES (?, ?, 'user', 1, 'a@x.test', ?, ?, 'user', ?, '{}', '10.0.0.1', ?, 'x', "
                               "'y')"),
                { first + i, at, org, actions.at(i % actions.size()), QString::number(i),
                  random.bounded(5) == 0 ? QStringLiteral("denied") : QStringLiteral("success") });
    }
    sql.commit();

    struct Case
    {
        const char* name;
        qint64 fromHour; // hours after base
        qint64 toHour;
        QString action;
        QString outcome;
        Id organization;
        bool asAdminOfA = false; // an admin of organization A, whose scope is A
    };
    const QList<Case> cases {
        { "one day", 100, 124, {}, {}, 0 },
        { "a week", 50, 218, {}, {}, 0 },
        { "an hour", 150, 151, {}, {}, 0 },
        { "a year back", -365 * 24 - 10, -365 * 24 + 400, {}, {}, 0 },
        { "before every event", -800 * 24, -799 * 24, {}, {}, 0 },
        { "one day, role.*", 100, 124, QStringLiteral("role.*"), {}, 0 },
        { "one day, user.banned", 100, 124, QStringLiteral("user.banned"), {}, 0 },
        { "two days, denied", 200, 248, {}, QStringLiteral("denied"), 0 },
        { "two days, organization B", 200, 248, {}, {}, w.orgB.id },
        { "two days, admin of A", 200, 248, {}, {}, w.orgA.id, true },
        { "one day, role.*, admin of A", 100, 124, QStringLiteral("role.*"), {}, w.orgA.id, true },
        { "everything", -800 * 24, 800, {}, {}, 0 },
    };
    for (const Case& c : cases) {
        AuditQuery query;
        query.from = QDateTime::fromMSecsSinceEpoch(base + c.fromHour * Hour, Qt::UTC);
        query.to = QDateTime::fromMSecsSinceEpoch(base + c.toHour * Hour, Qt::UTC);
        query.action = c.action;
        query.outcome = c.outcome;
        query.organizationId = c.asAdminOfA ? 0 : c.organization;
        query.limit = 17;
        const Actor& actor = c.asAdminOfA ? adminOfA : w.superActor;

        QString where = QStringLiteral("occurred_at >= ? AND occurred_at < ?");
        QVariantList binds { query.from.toMSecsSinceEpoch(), query.to.toMSecsSinceEpoch() };
        if (c.action.endsWith(QLatin1Char('*'))) {
            where += QStringLiteral(" AND action LIKE ?");
            binds << QString(c.action.chopped(1) + QLatin1Char('%'));
        } else if (!c.action.isEmpty()) {
            where += QStringLiteral(" AND action = ?");
            binds << c.action;
        }
        if (!c.outcome.isEmpty()) {
            where += QStringLiteral(" AND outcome = ?");
            binds << c.outcome;
        }
        if (c.organization != 0) {
            where += QStringLiteral(" AND organization_id = ?");
            binds << c.organization;
        }
        QList<Id> expected;
        {
            QSqlQuery q(sql);
            q.prepare(QStringLiteral("SELECT id FROM audit_events WHERE ") + where
                      + QStringLiteral(" ORDER BY id DESC"));
            for (const QVariant& v : std::as_const(binds))
                q.addBindValue(v);
            QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
            while (q.next())
                expected << q.value(0).toLongLong();
        }

        QList<Id> paged;
        for (int pages = 0;; ++pages) {
            QVERIFY2(pages < 200, c.name);
            auto page = store.audit().query(actor, query);
            QVERIFY_RESULT(page);
            for (const AuditEvent& e : std::as_const(page->items))
                paged << e.id;
            if (page->nextCursor.isEmpty())
                break;
            query.cursor = page->nextCursor;
        }
        QVERIFY2(paged == expected,
                 qPrintable(QStringLiteral("%1: %2 events paged, %3 in the plain scan")
                                .arg(QLatin1String(c.name))
                                .arg(paged.size())
                                .arg(expected.size())));

        query.cursor.clear();
        QBuffer out;
        out.open(QIODevice::WriteOnly);
        ExportOptions options;
        options.format = ExportFormat::Csv;
        options.batchSize = 100;
        auto written = store.audit().exportTo(actor, query, out, options);
        QVERIFY_RESULT(written);
        QList<Id> exported;
        const QList<QByteArray> lines = out.data().split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i)
            if (!lines.at(i).isEmpty())
                exported << lines.at(i).left(lines.at(i).indexOf(',')).toLongLong();
        QVERIFY2(exported == expected,
                 qPrintable(QStringLiteral("%1: %2 events exported, %3 in the plain scan")
                                .arg(QLatin1String(c.name))
                                .arg(exported.size())
                                .arg(expected.size())));
        if (qstrcmp(c.name, "before every event") != 0)
            QVERIFY2(!expected.isEmpty(), c.name);
    }
}

// The dashboard's 30-day chart reads the daily counters of migration 7 (audit_daily, kept by
// triggers on audit_events). They must equal the count over the events that the chart made before:
// after the store's own writes (sign-ins, failed sign-ins, admin actions, sign-outs, lock-outs),
// after events written straight into the table on other days and in both tenants, after a
// retention purge, and after migration 7 counts the events of a database of schema 6.
void TestStoreScale::dailyActivityEqualsTheCount()
{
    auto db = TestDatabase::create();
    World w = World::build(db->store());
    SqlStore& store = db->store();
    QSqlDatabase& sql = store.core().db();
    constexpr qint64 Day = 24 * Hour;
    constexpr int Days = 30;

    // The chart's numbers as the events give them (the query of AuditManager::dailyActivity before
    // migration 7), for the last `Days` days, oldest first.
    auto counted = [&](Id scope) {
        const QDate today = QDateTime::currentDateTimeUtc().date();
        const QDate first = today.addDays(-(Days - 1));
        const qint64 fromMs = QDateTime(first, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
        QString text = QStringLiteral(
            "SELECT occurred_at / 86400000, "
            "SUM(CASE WHEN action = 'user.login' AND outcome = 'success' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN action = 'user.login_failed' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN outcome = 'success' AND action NOT IN ('user.login', 'user.login_failed', 'user.logout', "
            "'user.locked') THEN 1 ELSE 0 END) FROM audit_events WHERE occurred_at >= ?");
        QVariantList binds { fromMs };
        if (scope != 0) {
            text += QStringLiteral(" AND organization_id = ?");
            binds << scope;
        }
        text += QStringLiteral(" GROUP BY occurred_at / 86400000");
        QSqlQuery q(sql);
        q.prepare(text);
        for (const QVariant& v : std::as_const(binds))
            q.addBindValue(v);
        if (!q.exec())
            qFatal("count failed: %s", qPrintable(q.lastError().text()));
        QHash<qint64, QList<qint64>> byDay;
        while (q.next())
            byDay.insert(q.value(0).toLongLong(),
                         { q.value(1).toLongLong(), q.value(2).toLongLong(), q.value(3).toLongLong() });
        QList<QList<qint64>> series;
        for (QDate day = first; day <= today; day = day.addDays(1))
            series << byDay.value(QDateTime(day, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch() / Day,
                                  QList<qint64> { 0, 0, 0 });
        return series;
    };
    auto check = [&](const char* step) -> QString {
        for (const Id scope : { Id(0), w.orgA.id, w.orgB.id }) {
            auto chart = store.audit().dailyActivity(w.superActor, scope, Days);
            if (!chart)
                return QStringLiteral("%1: %2").arg(QLatin1String(step), chart.error().toString());
            QList<QList<qint64>> got;
            for (const DayActivity& a : std::as_const(*chart))
                got << QList<qint64> { a.signIns, a.failedSignIns, a.adminActions };
            const auto want = counted(scope);
            if (got != want) {
                for (qsizetype i = 0; i < got.size() && i < want.size(); ++i) {
                    if (got.at(i) != want.at(i))
                        return QStringLiteral("%1, organization %2, day %3: %4 %5 %6, counted %7 %8 %9")
                            .arg(QLatin1String(step))
                            .arg(scope)
                            .arg(i)
                            .arg(got.at(i).at(0))
                            .arg(got.at(i).at(1))
                            .arg(got.at(i).at(2))
                            .arg(want.at(i).at(0))
                            .arg(want.at(i).at(1))
                            .arg(want.at(i).at(2));
                }
                return QStringLiteral("%1: %2 days, counted %3")
                    .arg(QLatin1String(step))
                    .arg(got.size())
                    .arg(want.size());
            }
        }
        return {};
    };
#define CHECK_CHART(step)                                                                                              \
    do {                                                                                                               \
        const QString problem = check(step);                                                                           \
        QVERIFY2(problem.isEmpty(), qPrintable(problem));                                                              \
    } while (false)

    CHECK_CHART("new database");
    // The store's writes: users created, signed in, failing to, signing out, banned; a lock-out.
    QList<User> users;
    for (int i = 0; i < 4; ++i)
        users << w.makeUser(i < 2 ? w.orgA.id : w.orgB.id, QStringLiteral("user"));
    for (const User& u : std::as_const(users)) {
        auto login = store.auth().login(u.email, kStrongPassword, QStringLiteral("10.1.1.1"));
        QVERIFY_RESULT(login);
        QVERIFY(!store.auth().login(u.email, QStringLiteral("wrong-password-1"), QStringLiteral("10.1.1.1")));
        QVERIFY_RESULT(store.auth().logout(login->actor));
    }
    for (int i = 0; i < 6; ++i) // past the lock-out threshold: user.locked
        (void)store.auth().login(users[3].email, QStringLiteral("wrong-password-2"), QStringLiteral("10.1.1.2"));
    QVERIFY_RESULT(store.users().ban(w.superActor, users[0].id, QStringLiteral("spam")));
    CHECK_CHART("the store's writes");

    // Events of other days (up to 40 days back, some in the future), every kind, both tenants,
    // written straight into the table as seed-demo does.
    QRandomGenerator random(20261206);
    const QStringList actions { QStringLiteral("user.login"),  QStringLiteral("user.login_failed"),
                                QStringLiteral("user.logout"), QStringLiteral("user.locked"),
                                QStringLiteral("user.banned"), QStringLiteral("role.assigned") };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const Id first = scalar(sql, QStringLiteral("SELECT MAX(id) FROM audit_events")) + 1;
    sql.transaction();
    for (int i = 0; i < 500; ++i) {
        const qint64 at = now - qint64(random.bounded(41 * 24)) * Hour + qint64(random.bounded(3)) * Day;
        const Id org = random.bounded(3) == 0 ? w.orgB.id : (random.bounded(4) == 0 ? Id(0) : w.orgA.id);
        execSql(sql,
                QStringLiteral("INSERT INTO audit_events (id, occurred_at, actor_type, actor_id, actor_label, "
                               "organization_id, action, resource_type, resource_id, details, ip, outcome, prev_hash, "
                               "hash) VALUES (?, ?, 'user', 1, 'a@x.test', ?, ?, 'user', '1', '{}', '10.0.0.1', ?, "
                               "'x', 'y')"),
                { first + i, at, org, actions.at(int(random.bounded(qsizetype(actions.size())))),
                  random.bounded(4) == 0 ? QStringLiteral("denied") : QStringLiteral("success") });
    }
    sql.commit();
    CHECK_CHART("events of other days");

    // Retention: events older than 20 days go; their counts with them.
    auto purged = store.audit().purge(w.superActor, QDateTime::currentDateTimeUtc().addDays(-20));
    QVERIFY_RESULT(purged);
    QVERIFY(*purged > 0);
    CHECK_CHART("purged");

    // A database of schema 6 holding these events: migration 7 counts them.
    revertMigration8(sql);
    revertMigration7(sql, db->isPostgres());
    auto applied = migrate(sql, db->config().dialect);
    QVERIFY_RESULT(applied);
    QCOMPARE(*applied, latestSchemaVersion() - 6);
    CHECK_CHART("migrated from schema 6");
    QVERIFY_RESULT(store.auth().login(users[1].email, kStrongPassword, QStringLiteral("10.1.1.1")));
    CHECK_CHART("a sign-in after the migration");
#undef CHECK_CHART
}
QTEST_GUILESS_MAIN(TestStoreScale)
#include "tst_store_scale.moc"
