// Tenant isolation over HTTP, for every route the server has. The real portcullis-server (the test
// build, PORTCULLIS_SERVER_BIN) serves a deployment with two tenants, A and B; users of A name B's
// ids (users, roles, role codes, organizations, sessions, API keys, invitations, audit events) in
// paths, queries and bodies, and ids that do not exist, and must get the very same 404 problem for
// both: nothing tells another tenant's id from a missing one, not even the actor's own audit log,
// and nothing is written into B's log. The list of routes is the server's own table (httpcall.h),
// checked against docs/api.md, so a new route fails this suite until it is probed here. Super
// admins are the exception and see B's rows. With PORTCULLIS_TEST_DIALECT=postgres
// (tst_rest_isolation_pg) the deployment lives in a fresh PostgreSQL database.

#include "contractcheck.h"
#include "httpcall.h"
#include "serverprocess.h"
#include "testutil.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

using portcullis::test::checkContract;
using portcullis::test::kRootEmail;
using portcullis::test::kRootPassword;
using portcullis::test::ServerProcess;

namespace {

const QString kPassword = QStringLiteral("Correct-Horse-42-battery");
constexpr int kWaitMs = 30000;

struct HttpResult
{
    int status = 0;
    QByteArray body;
    QByteArray contentType;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QString describe() const { return QStringLiteral("HTTP %1 %2").arg(status).arg(QString::fromUtf8(body.left(400))); }
};

// What a route's {placeholders}, query and body name.
enum class Kind
{
    User,
    Role,
    RoleCode,
    Organization,
    Session,
    ApiKey,
    Invitation,
    AuditEvent,
    PermissionCode // an organization's custom permission code
};

// One set of ids: tenant B's, or ids that do not exist.
struct Ids
{
    QHash<Kind, QString> values;
    QString operator[](Kind kind) const { return values.value(kind); }
};

// One request of the walk. Placeholders: the route's {..} segments (the kind follows from the
// segment before it), and "{user}", "{org}", "{role_code}" in the query and in body strings (a
// whole string "{org}" becomes the number). `own` lists the kinds taken from tenant A instead (to
// name B's role code for A's own user, say).
struct Probe
{
    QString query;
    QJsonObject body;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QSet<Kind> own;
};

QString routeKey(const QByteArray& method, const QList<QByteArray>& segments)
{
    QStringList parts;
    for (const QByteArray& segment : segments)
        parts << (segment.startsWith('{') ? QStringLiteral("{}") : QString::fromLatin1(segment));
    return QString::fromLatin1(method) + QStringLiteral(" /") + parts.join(QLatin1Char('/'));
}

QString routeKey(const portcullis::server::RouteSpec& route)
{
    return routeKey(route.method, route.segments);
}

} // namespace

class TestRestIsolation : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();

    void everyRouteIsDocumentedAndProbed();
    void foreignIdsReadAsMissing_data();
    void foreignIdsReadAsMissing();
    void listsHoldOnlyTheOwnTenant();
    void auditVerifyIsForSuperAdminsOnly();
    void superAdminsSeeEveryTenant();
    void customPermissionCodes();

private:
    HttpResult send(const QByteArray& method, const QString& pathAndQuery, const QByteArray& token,
                    const QJsonObject& body = {}, const QList<std::pair<QByteArray, QByteArray>>& headers = {});
    QJsonObject login(const QString& email, const QString& password = kPassword);
    QByteArray token(const QString& email)
    {
        return login(email).value(QStringLiteral("access_token")).toString().toLatin1();
    }
    qint64 created(const HttpResult& result, const char* what);
    QJsonObject makeUser(qint64 organizationId, const QString& role, const QString& name);
    // The audit events of `organizationId` newer than `afterId`, newest first (as the super admin).
    QJsonArray eventsOf(qint64 organizationId, qint64 afterId = 0);
    qint64 newestEventId();
    // The request of `probe` for `route` with `ids` (own kinds from tenant A).
    HttpResult run(const portcullis::server::RouteSpec& route, const Probe& probe, const Ids& ids,
                   const QByteArray& token, QStringList* named);
    static const QHash<QString, QList<Probe>>& probes();
    static const QHash<QString, QString>& idFree();

    QTemporaryDir m_dir;
    std::unique_ptr<portcullis::test::TestDatabase> m_db;
    ServerProcess m_server;
    QNetworkAccessManager m_network;
    QByteArray m_root;
    qint64 m_orgA = 0;
    qint64 m_orgB = 0;
    QHash<QString, QByteArray> m_actorsOfA; // data row -> access token
    QHash<QString, qint64> m_actorIdsOfA;
    Ids m_own; // tenant A's
    Ids m_foreign; // tenant B's
    Ids m_missing; // nobody's
};

// --- the probes: one or more requests per route that names an id ---------------------------------

const QHash<QString, QList<Probe>>& TestRestIsolation::probes()
{
    static const QHash<QString, QList<Probe>> table = [] {
        const QJsonObject none;
        const auto body = [](std::initializer_list<std::pair<QString, QJsonValue>> fields) {
            QJsonObject object;
            for (const auto& [key, value] : fields)
                object.insert(key, value);
            return object;
        };
        const auto s = [](const char* text) { return QString::fromLatin1(text); };
        QHash<QString, QList<Probe>> t;
        t.insert(s("GET /api/admin/users"), { { s("organization_id={org}"), none, {}, {} } });
        t.insert(s("POST /api/admin/users"),
                 { { {},
                     body({ { s("email"), s("probe@a.example") },
                            { s("username"), s("probe") },
                            { s("password"), kPassword },
                            { s("organization_id"), s("{org}") },
                            { s("role_codes"), QJsonArray { s("viewer") } } }),
                     {},
                     {} },
                   { {},
                     body({ { s("email"), s("probe@a.example") },
                            { s("username"), s("probe") },
                            { s("password"), kPassword },
                            { s("organization_id"), s("{org}") },
                            { s("role_codes"), QJsonArray { s("{role_code}") } } }),
                     {},
                     { Kind::Organization } } });
        t.insert(s("GET /api/admin/users/export"), { { s("organization_id={org}"), none, {}, {} } });
        t.insert(s("POST /api/admin/users/import"),
                 { { {},
                     body({ { s("csv"), s("email,username\nprobe@a.example,probeuser\n") },
                            { s("dry_run"), false },
                            { s("organization_id"), s("{org}") } }),
                     {},
                     {} } });
        t.insert(s("GET /api/admin/users/{}"), { {} });
        t.insert(s("PATCH /api/admin/users/{}"),
                 { { {}, body({ { s("full_name"), s("Probe") } }), { { "If-Match", "\"1\"" } }, {} } });
        t.insert(s("DELETE /api/admin/users/{}"), { {} });
        t.insert(s("POST /api/admin/users/{}/roles"),
                 { { {}, body({ { s("role_code"), s("viewer") } }), {}, {} },
                   { {}, body({ { s("role_code"), s("{role_code}") } }), {}, { Kind::User } } });
        t.insert(s("DELETE /api/admin/users/{}/roles/{}"), { {}, { {}, none, {}, { Kind::User } } });
        t.insert(s("POST /api/admin/users/{}/ban"), { { {}, body({ { s("reason"), s("probe") } }), {}, {} } });
        t.insert(s("POST /api/admin/users/{}/unban"), { {} });
        t.insert(s("POST /api/admin/users/{}/move"),
                 { { {}, body({ { s("organization_id"), s("{org}") } }), {}, {} } });
        t.insert(s("POST /api/admin/users/{}/suspend"), { {} });
        t.insert(s("POST /api/admin/users/{}/unsuspend"), { {} });
        t.insert(s("POST /api/admin/users/{}/password"), { { {}, body({ { s("password"), kPassword } }), {}, {} } });
        t.insert(s("POST /api/admin/users/{}/reset-token"), { {} });
        t.insert(s("POST /api/admin/users/{}/impersonate"), { { {}, body({ { s("reason"), s("probe") } }), {}, {} } });
        t.insert(s("GET /api/admin/users/{}/sessions"), { {} });
        t.insert(s("DELETE /api/admin/users/{}/sessions"), { {} });
        t.insert(s("GET /api/admin/users/{}/permissions"), { {} });
        t.insert(s("POST /api/admin/users/{}/api-keys"), { { {}, body({ { s("name"), s("probe") } }), {}, {} } });
        t.insert(s("GET /api/admin/api-keys"), { { s("user_id={user}"), none, {}, {} } });
        t.insert(s("DELETE /api/admin/api-keys/{}"), { {} });
        t.insert(s("GET /api/admin/api-keys/{}"), { {} });
        t.insert(s("PATCH /api/admin/api-keys/{}"),
                 { { {}, body({ { s("name"), s("taken over") }, { s("rate_limit_per_minute"), 100000 } }), {}, {} } });
        t.insert(s("POST /api/admin/api-keys/{}/rotate"), { { {}, body({ { s("grace"), s("7d") } }), {}, {} } });
        t.insert(s("POST /api/admin/roles"),
                 { { {},
                     body({ { s("code"), s("probe_role") },
                            { s("name"), s("Probe") },
                            { s("level"), 10 },
                            { s("organization_id"), s("{org}") } }),
                     {},
                     {} } });
        t.insert(s("PATCH /api/admin/roles/{}"), { { {}, body({ { s("name"), s("Probe") } }), {}, {} } });
        t.insert(s("DELETE /api/admin/roles/{}"), { {} });
        t.insert(s("GET /api/admin/roles/{}/permissions"), { {} });
        t.insert(s("GET /api/admin/sessions"), { { s("user_id={user}"), none, {}, {} } });
        t.insert(s("DELETE /api/admin/sessions/{}"), { {} });
        t.insert(s("GET /api/admin/audit"), { { s("organization_id={org}"), none, {}, {} } });
        t.insert(s("GET /api/admin/audit/export"), { { s("organization_id={org}"), none, {}, {} } });
        t.insert(s("GET /api/admin/audit/activity"), { { s("organization_id={org}"), none, {}, {} } });
        t.insert(s("GET /api/admin/audit/{}"), { {} });
        t.insert(s("GET /api/admin/organizations/{}"), { {} });
        t.insert(s("PATCH /api/admin/organizations/{}"), { { {}, body({ { s("name"), s("Probe") } }), {}, {} } });
        t.insert(s("DELETE /api/admin/organizations/{}"), { {} });
        t.insert(s("POST /api/admin/organizations/{}/suspend"), { {} });
        t.insert(s("POST /api/admin/organizations/{}/unsuspend"), { {} });
        t.insert(s("GET /api/admin/organizations/{}/invitations"), { {} });
        t.insert(s("POST /api/admin/organizations/{}/invitations"),
                 { { {}, body({ { s("email"), s("probe@a.example") }, { s("role_code"), s("viewer") } }), {}, {} },
                   { {},
                     body({ { s("email"), s("probe@a.example") }, { s("role_code"), s("{role_code}") } }),
                     {},
                     { Kind::Organization } } });
        t.insert(s("DELETE /api/admin/invitations/{}"), { {} });
        t.insert(s("GET /api/admin/organizations/{}/permissions"), { {} });
        t.insert(s("POST /api/admin/organizations/{}/permissions"),
                 { { {}, body({ { s("code"), s("tenant-b:probe:edit") } }), {}, {} } });
        // B's code in B's organization, and B's code through A's own organization.
        t.insert(s("DELETE /api/admin/organizations/{}/permissions/{}"),
                 { {}, { {}, none, {}, { Kind::Organization } } });
        t.insert(s("GET /api/admin/stats"), { { s("organization_id={org}"), none, {}, {} } });
        return t;
    }();
    return table;
}

// Routes that take no id of anything tenant-owned, and why.
const QHash<QString, QString>& TestRestIsolation::idFree()
{
    static const QHash<QString, QString> table {
        { QStringLiteral("GET /api/health/auth"), QStringLiteral("public, no id") },
        { QStringLiteral("GET /api/openapi.json"), QStringLiteral("public, the contract") },
        { QStringLiteral("POST /api/auth/login"), QStringLiteral("public, credentials only") },
        { QStringLiteral("POST /api/auth/refresh"), QStringLiteral("public, a refresh token only") },
        { QStringLiteral("POST /api/auth/logout"), QStringLiteral("the caller's own session") },
        { QStringLiteral("POST /api/auth/password/reset"), QStringLiteral("public, a one-time code only") },
        { QStringLiteral("GET /api/auth/me"), QStringLiteral("the caller itself") },
        { QStringLiteral("GET /api/admin/roles"), QStringLiteral("no id; listsHoldOnlyTheOwnTenant") },
        { QStringLiteral("GET /api/admin/permissions"),
          QStringLiteral("the catalog and the caller's own custom codes; customPermissionCodes") },
        { QStringLiteral("GET /api/admin/organizations"), QStringLiteral("no id; listsHoldOnlyTheOwnTenant") },
        { QStringLiteral("POST /api/admin/organizations"), QStringLiteral("no id; super admins only") },
        { QStringLiteral("POST /api/admin/audit/verify"), QStringLiteral("no id; auditVerifyIsForSuperAdminsOnly") },
        { QStringLiteral("POST /api/invitations/accept"), QStringLiteral("public, the token is the credential") },
        // Deployment-wide, super admins only (tst_settings_server: restRefusesBelowSuperAdmin).
        { QStringLiteral("GET /api/admin/settings"), QStringLiteral("no id; deployment-wide, super admins only") },
        { QStringLiteral("PATCH /api/admin/settings"), QStringLiteral("no id; deployment-wide, super admins only") },
        { QStringLiteral("GET /api/admin/maintenance"), QStringLiteral("no id; deployment-wide, super admins only") },
        { QStringLiteral("POST /api/admin/maintenance/run"),
          QStringLiteral("no id; deployment-wide, super admins only") },
    };
    return table;
}

// --- fixture -------------------------------------------------------------------------------------

void TestRestIsolation::initTestCase()
{
    if (portcullis::test::serverBinary().isEmpty())
        QFAIL("PORTCULLIS_SERVER_BIN is not set (run the suite through ctest)");
    QVERIFY(m_dir.isValid());
    m_db = portcullis::test::TestDatabase::create();
    QString error;
    QVERIFY2(portcullis::test::initDeployment(m_db->url(), m_dir.path(), &error), qPrintable(error));
    QVERIFY2(m_server.start(m_db->url(), m_dir.filePath(QStringLiteral("jwt-secret"))), qPrintable(m_server.output()));
    m_root = login(kRootEmail, kRootPassword).value(QStringLiteral("access_token")).toString().toLatin1();
    QVERIFY(!m_root.isEmpty());

    m_orgA = created(send("POST", QStringLiteral("/api/admin/organizations"), m_root,
                          { { QStringLiteral("name"), QStringLiteral("Tenant A") } }),
                     "organization A");
    m_orgB = created(send("POST", QStringLiteral("/api/admin/organizations"), m_root,
                          { { QStringLiteral("name"), QStringLiteral("Tenant B") } }),
                     "organization B");
    QVERIFY(m_orgA && m_orgB);

    // Tenant A: the actors of the walk, and a user of their own.
    const QJsonObject adminA = makeUser(m_orgA, QStringLiteral("admin"), QStringLiteral("admin.a"));
    const QJsonObject viewerA = makeUser(m_orgA, QStringLiteral("viewer"), QStringLiteral("viewer.a"));
    const QJsonObject plainA = makeUser(m_orgA, QStringLiteral("user"), QStringLiteral("plain.a"));
    QVERIFY(!adminA.isEmpty() && !viewerA.isEmpty() && !plainA.isEmpty());
    m_actorsOfA.insert(QStringLiteral("organization admin"), token(adminA.value(QStringLiteral("email")).toString()));
    m_actorsOfA.insert(QStringLiteral("viewer"), token(viewerA.value(QStringLiteral("email")).toString()));
    m_actorIdsOfA.insert(QStringLiteral("organization admin"), adminA.value(QStringLiteral("id")).toInteger());
    m_actorIdsOfA.insert(QStringLiteral("viewer"), viewerA.value(QStringLiteral("id")).toInteger());
    // An API key of A's admin, carrying every admin permission its owner holds.
    QJsonArray scopes;
    const HttpResult me
        = send("GET", QStringLiteral("/api/auth/me"), m_actorsOfA.value(QStringLiteral("organization admin")));
    for (const QJsonValue& permission : me.json().value(QStringLiteral("permissions")).toArray()) {
        if (permission.toString().startsWith(QLatin1String("admin:")))
            scopes.append(permission);
    }
    QVERIFY(scopes.size() > 10);
    const HttpResult key = send(
        "POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(adminA.value(QStringLiteral("id")).toInteger()),
        m_root,
        { { QStringLiteral("name"), QStringLiteral("A admin key") },
          { QStringLiteral("scopes"), scopes },
          { QStringLiteral("rate_limit_per_minute"), 100000 } });
    QVERIFY2(key.status == 201, qPrintable(key.describe()));
    m_actorsOfA.insert(QStringLiteral("API key of the organization admin"),
                       key.json().value(QStringLiteral("key")).toString().toLatin1());
    m_actorIdsOfA.insert(QStringLiteral("API key of the organization admin"),
                         key.json().value(QStringLiteral("id")).toInteger());
    m_own.values.insert(Kind::User, QString::number(plainA.value(QStringLiteral("id")).toInteger()));
    m_own.values.insert(Kind::Organization, QString::number(m_orgA));

    // Tenant B: one of everything.
    const QJsonObject userB = makeUser(m_orgB, QStringLiteral("user"), QStringLiteral("user.b"));
    QVERIFY(!userB.isEmpty());
    const qint64 userBId = userB.value(QStringLiteral("id")).toInteger();
    const HttpResult role = send("POST", QStringLiteral("/api/admin/roles"), m_root,
                                 { { QStringLiteral("code"), QStringLiteral("tenant_b_auditor") },
                                   { QStringLiteral("name"), QStringLiteral("B auditor") },
                                   { QStringLiteral("level"), 15 },
                                   { QStringLiteral("organization_id"), m_orgB } });
    const qint64 sessionB
        = login(userB.value(QStringLiteral("email")).toString()).value(QStringLiteral("session_id")).toInteger();
    const qint64 keyB = created(send("POST", QStringLiteral("/api/admin/users/%1/api-keys").arg(userBId), m_root,
                                     { { QStringLiteral("name"), QStringLiteral("B key") } }),
                                "API key of B");
    const qint64 invitationB
        = created(send("POST", QStringLiteral("/api/admin/organizations/%1/invitations").arg(m_orgB), m_root,
                       { { QStringLiteral("email"), QStringLiteral("invitee@b.example") },
                         { QStringLiteral("role_code"), QStringLiteral("viewer") } }),
                  "invitation of B");
    const HttpResult codeB = send("POST", QStringLiteral("/api/admin/organizations/%1/permissions").arg(m_orgB), m_root,
                                  { { QStringLiteral("code"), QStringLiteral("tenant-b:probe:view") } });
    QVERIFY2(codeB.status == 201, qPrintable(codeB.describe()));
    const QJsonArray eventsB = eventsOf(m_orgB);
    QVERIFY(!eventsB.isEmpty());
    m_foreign.values
        = { { Kind::User, QString::number(userBId) },
            { Kind::Role, QString::number(created(role, "role of B")) },
            { Kind::RoleCode, QStringLiteral("tenant_b_auditor") },
            { Kind::Organization, QString::number(m_orgB) },
            { Kind::Session, QString::number(sessionB) },
            { Kind::ApiKey, QString::number(keyB) },
            { Kind::Invitation, QString::number(invitationB) },
            { Kind::AuditEvent, QString::number(eventsB.at(0).toObject().value(QStringLiteral("id")).toInteger()) },
            { Kind::PermissionCode, QStringLiteral("tenant-b:probe:view") } };
    for (auto it = m_foreign.values.cbegin(); it != m_foreign.values.cend(); ++it)
        QVERIFY2(!it.value().isEmpty() && it.value() != QLatin1String("0"), "a row of tenant B was not created");
    m_missing.values = { { Kind::User, QStringLiteral("900000001") },
                         { Kind::Role, QStringLiteral("900000002") },
                         { Kind::RoleCode, QStringLiteral("no_such_role") },
                         { Kind::Organization, QStringLiteral("900000003") },
                         { Kind::Session, QStringLiteral("900000004") },
                         { Kind::ApiKey, QStringLiteral("900000005") },
                         { Kind::Invitation, QStringLiteral("900000006") },
                         { Kind::AuditEvent, QStringLiteral("900000007") },
                         { Kind::PermissionCode, QStringLiteral("tenant-a:no:such") } };
}

void TestRestIsolation::cleanupTestCase()
{
    m_server.stop();
    m_db.reset();
}

HttpResult TestRestIsolation::send(const QByteArray& method, const QString& pathAndQuery, const QByteArray& token,
                                   const QJsonObject& body, const QList<std::pair<QByteArray, QByteArray>>& headers)
{
    QNetworkRequest request(QUrl(m_server.baseUrl() + pathAndQuery));
    request.setTransferTimeout(kWaitMs);
    if (token.startsWith("pk_"))
        request.setRawHeader("X-API-Key", token);
    else if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    const QByteArray payload = body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
    if (!payload.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply* reply = m_network.sendCustomRequest(request, method, payload);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    HttpResult result;
    if (reply->isFinished() || finished.wait(kWaitMs)) {
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        result.contentType = reply->rawHeader("Content-Type");
        checkContract(method, pathAndQuery, result.status, result.contentType, result.body, __FILE__, __LINE__);
    }
    reply->deleteLater();
    return result;
}

QJsonObject TestRestIsolation::login(const QString& email, const QString& password)
{
    const HttpResult r = send("POST", QStringLiteral("/api/auth/login"), {},
                              { { QStringLiteral("email"), email }, { QStringLiteral("password"), password } });
    if (r.status != 200)
        qWarning().noquote() << "login of" << email << "failed:" << r.describe();
    return r.json();
}

qint64 TestRestIsolation::created(const HttpResult& result, const char* what)
{
    if (result.status != 201) {
        qWarning().noquote() << "creating" << what << "failed:" << result.describe();
        return 0;
    }
    return result.json().value(QStringLiteral("id")).toInteger();
}

QJsonObject TestRestIsolation::makeUser(qint64 organizationId, const QString& role, const QString& name)
{
    const HttpResult r = send("POST", QStringLiteral("/api/admin/users"), m_root,
                              { { QStringLiteral("email"), QString(name + QStringLiteral("@example.com")) },
                                { QStringLiteral("username"), name },
                                { QStringLiteral("password"), kPassword },
                                { QStringLiteral("organization_id"), organizationId },
                                { QStringLiteral("role_codes"), QJsonArray { role } } });
    if (r.status != 201) {
        qWarning().noquote() << "creating" << name << "failed:" << r.describe();
        return {};
    }
    return r.json();
}

QJsonArray TestRestIsolation::eventsOf(qint64 organizationId, qint64 afterId)
{
    const HttpResult r
        = send("GET", QStringLiteral("/api/admin/audit?limit=500&organization_id=%1").arg(organizationId), m_root);
    QJsonArray newer;
    for (const QJsonValue& event : r.json().value(QStringLiteral("items")).toArray()) {
        if (event.toObject().value(QStringLiteral("id")).toInteger() > afterId)
            newer.append(event);
    }
    return newer;
}

qint64 TestRestIsolation::newestEventId()
{
    const HttpResult r = send("GET", QStringLiteral("/api/admin/audit?limit=1"), m_root);
    return r.json().value(QStringLiteral("items")).toArray().at(0).toObject().value(QStringLiteral("id")).toInteger();
}

HttpResult TestRestIsolation::run(const portcullis::server::RouteSpec& route, const Probe& probe, const Ids& ids,
                                  const QByteArray& token, QStringList* named)
{
    const auto pick = [&](Kind kind) {
        const QString value = probe.own.contains(kind) ? m_own[kind] : ids[kind];
        if (!probe.own.contains(kind))
            named->append(value);
        return value;
    };
    QStringList path;
    for (qsizetype i = 0; i < route.segments.size(); ++i) {
        const QByteArray& segment = route.segments.at(i);
        if (!segment.startsWith('{')) {
            path << QString::fromLatin1(segment);
            continue;
        }
        // The kind of a {placeholder} is named by the segment before it.
        static const QHash<QByteArray, Kind> kinds {
            { "users", Kind::User },
            { "roles", Kind::Role },
            { "organizations", Kind::Organization },
            { "sessions", Kind::Session },
            { "api-keys", Kind::ApiKey },
            { "invitations", Kind::Invitation },
            { "audit", Kind::AuditEvent },
            { "permissions", Kind::PermissionCode },
        };
        const QByteArray before = route.segments.at(i - 1);
        Kind kind = kinds.value(before, Kind::User);
        if (!kinds.contains(before))
            qFatal("add the kind of the placeholder after /%s to tst_rest_isolation", before.constData());
        if (kind == Kind::Role && route.segments.contains("users"))
            kind = Kind::RoleCode; // /users/{id}/roles/{code}
        path << pick(kind);
    }
    QString query = probe.query;
    if (query.contains(QLatin1String("{org}")))
        query.replace(QLatin1String("{org}"), pick(Kind::Organization));
    if (query.contains(QLatin1String("{user}")))
        query.replace(QLatin1String("{user}"), pick(Kind::User));
    QJsonObject body = probe.body;
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.value() == QLatin1String("{org}"))
            it.value() = pick(Kind::Organization).toLongLong();
        else if (it.value() == QLatin1String("{role_code}"))
            it.value() = pick(Kind::RoleCode);
        else if (it.value() == QJsonArray { QStringLiteral("{role_code}") })
            it.value() = QJsonArray { pick(Kind::RoleCode) };
    }
    const QString target = QStringLiteral("/") + path.join(QLatin1Char('/'))
        + (query.isEmpty() ? QString() : QStringLiteral("?") + query);
    return send(route.method, target, token, body, probe.headers);
}

// --- the tests -----------------------------------------------------------------------------------

// Every route of the server is documented in docs/api.md and either probed here or listed as taking
// no tenant-owned id; nothing is listed that the server does not have.
void TestRestIsolation::everyRouteIsDocumentedAndProbed()
{
    QSet<QString> served;
    for (const auto& route : portcullis::server::routes())
        served << routeKey(route);
    QCOMPARE(served.size(), portcullis::server::routes().size()); // no route twice

    QFile doc(QStringLiteral(PORTCULLIS_API_DOC));
    QVERIFY2(doc.open(QIODevice::ReadOnly), PORTCULLIS_API_DOC);
    QSet<QString> documented;
    static const QRegularExpression heading(QStringLiteral("^#### `([A-Z]+) (/[^`]*)`"),
                                            QRegularExpression::MultilineOption);
    for (const QRegularExpressionMatch& match : heading.globalMatch(QString::fromUtf8(doc.readAll()))) {
        QList<QByteArray> segments;
        for (const QString& part : match.captured(2).split(QLatin1Char('/'), Qt::SkipEmptyParts))
            segments << part.toUtf8();
        documented << routeKey(match.captured(1).toLatin1(), segments);
    }
    QCOMPARE(documented.size(), served.size());
    QVERIFY2(documented == served,
             qPrintable(QStringLiteral("served, not documented: %1; documented, not served: %2")
                            .arg(QStringList((served - documented).values()).join(QStringLiteral(", ")),
                                 QStringList((documented - served).values()).join(QStringLiteral(", ")))));

    QSet<QString> covered;
    for (auto it = probes().cbegin(); it != probes().cend(); ++it)
        covered << it.key();
    for (auto it = idFree().cbegin(); it != idFree().cend(); ++it) {
        QVERIFY2(!covered.contains(it.key()), qPrintable(it.key() + QStringLiteral(" is both probed and id-free")));
        covered << it.key();
    }
    QVERIFY2(covered == served,
             qPrintable(QStringLiteral("served, not probed: %1; probed, not served: %2")
                            .arg(QStringList((served - covered).values()).join(QStringLiteral(", ")),
                                 QStringList((covered - served).values()).join(QStringLiteral(", ")))));
    QCOMPARE(covered.size(), portcullis::server::routes().size());
}

void TestRestIsolation::foreignIdsReadAsMissing_data()
{
    QTest::addColumn<QString>("actor");
    QTest::newRow("organization admin") << QStringLiteral("organization admin");
    QTest::newRow("viewer") << QStringLiteral("viewer");
    QTest::newRow("API key of the organization admin") << QStringLiteral("API key of the organization admin");
}

// Each probe twice, with B's ids and with ids that do not exist: the same 404 problem (status, type,
// title, code, errors, and the detail but for the id it names), and the same audit trail: one
// denial in A's own log for each, none in B's. An API key is refused a route outside its scopes
// before any lookup: the same 403 for both.
void TestRestIsolation::foreignIdsReadAsMissing()
{
    QFETCH(QString, actor);
    const QByteArray token = m_actorsOfA.value(actor);
    QVERIFY(!token.isEmpty());
    const qint64 actorId = m_actorIdsOfA.value(actor);
    const bool apiKey = token.startsWith("pk_");
    QVERIFY(!eventsOf(m_orgB).isEmpty());
    const QJsonArray eventsOfBBefore = eventsOf(m_orgB);

    int requests = 0;
    for (const auto& route : portcullis::server::routes()) {
        const QString key = routeKey(route);
        const QList<Probe> list = probes().value(key);
        for (qsizetype n = 0; n < list.size(); ++n) {
            const QString where = QStringLiteral("%1 (probe %2, %3)").arg(key).arg(n + 1).arg(actor);
            QJsonObject shapes[2];
            QList<QJsonObject> denials[2];
            for (int variant = 0; variant < 2; ++variant) {
                const Ids& ids = variant == 0 ? m_foreign : m_missing;
                const qint64 marker = newestEventId();
                QStringList named;
                const HttpResult r = run(route, list.at(n), ids, token, &named);
                ++requests;
                const bool outOfScope = apiKey && r.status == 403
                    && r.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("lacks scope"));
                QVERIFY2(r.status == 404 || outOfScope, qPrintable(where + QStringLiteral(": ") + r.describe()));
                QVERIFY2(r.contentType.startsWith("application/problem+json"), qPrintable(where));
                QJsonParseError parseError;
                QJsonObject problem = QJsonDocument::fromJson(r.body, &parseError).object();
                QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(where + r.describe()));
                // The detail names the id the client sent: the rest must be the same.
                QString detail = problem.value(QStringLiteral("detail")).toString();
                std::sort(named.begin(), named.end(),
                          [](const QString& a, const QString& b) { return a.size() > b.size(); });
                for (const QString& id : std::as_const(named))
                    detail.replace(QRegularExpression(QStringLiteral("\\b%1\\b").arg(QRegularExpression::escape(id))),
                                   QStringLiteral("{id}"));
                problem.insert(QStringLiteral("detail"), detail);
                shapes[variant] = problem;
                // What the request left in A's log, by this actor.
                for (const QJsonValue& value : eventsOf(m_orgA, marker)) {
                    QJsonObject event = value.toObject();
                    if (event.value(QStringLiteral("actor_id")).toInteger() != actorId
                        || (event.value(QStringLiteral("actor_type")).toString() == QLatin1String("api_key")) != apiKey)
                        continue;
                    QCOMPARE(event.value(QStringLiteral("outcome")).toString(), QStringLiteral("denied"));
                    QString reason
                        = event.value(QStringLiteral("details")).toObject().value(QStringLiteral("reason")).toString();
                    for (const QString& id : std::as_const(named))
                        reason.replace(id, QStringLiteral("{id}"));
                    denials[variant] << QJsonObject {
                        { QStringLiteral("action"), event.value(QStringLiteral("action")) },
                        { QStringLiteral("resource_type"), event.value(QStringLiteral("resource_type")) },
                        { QStringLiteral("reason"), reason }
                    };
                }
            }
            QVERIFY2(shapes[0] == shapes[1],
                     qPrintable(where + QStringLiteral(":\n  B's id: ")
                                + QString::fromUtf8(QJsonDocument(shapes[0]).toJson(QJsonDocument::Compact))
                                + QStringLiteral("\n  missing: ")
                                + QString::fromUtf8(QJsonDocument(shapes[1]).toJson(QJsonDocument::Compact))));
            QVERIFY(shapes[0].value(QStringLiteral("code")).toString() == QLatin1String("not_found")
                    || (apiKey && shapes[0].value(QStringLiteral("code")).toString() == QLatin1String("forbidden")));
            QVERIFY2(!denials[0].isEmpty(), qPrintable(where + QStringLiteral(": no denial in A's log")));
            QVERIFY2(denials[0] == denials[1], qPrintable(where + QStringLiteral(": the audit trails differ")));
        }
    }
    QVERIFY(requests >= 2 * probes().size());
    // Nothing of the walk reached B's log.
    QCOMPARE(eventsOf(m_orgB), eventsOfBBefore);
}

// The lists that take no id show tenant A only (and the global roles).
void TestRestIsolation::listsHoldOnlyTheOwnTenant()
{
    const QByteArray token = m_actorsOfA.value(QStringLiteral("organization admin"));
    const HttpResult roles = send("GET", QStringLiteral("/api/admin/roles"), token);
    QCOMPARE(roles.status, 200);
    for (const QJsonValue& role : roles.json().value(QStringLiteral("items")).toArray()) {
        const qint64 organization = role.toObject().value(QStringLiteral("organization_id")).toInteger();
        QVERIFY2(organization == 0 || organization == m_orgA, qPrintable(roles.describe()));
    }
    const HttpResult organizations = send("GET", QStringLiteral("/api/admin/organizations"), token);
    QCOMPARE(organizations.status, 200);
    const QJsonArray items = organizations.json().value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.at(0).toObject().value(QStringLiteral("id")).toInteger(), m_orgA);
    for (const char* list : { "/api/admin/users", "/api/admin/sessions?include_revoked=true", "/api/admin/api-keys",
                              "/api/admin/audit?limit=500" }) {
        const HttpResult r = send("GET", QString::fromLatin1(list), token);
        QVERIFY2(r.status == 200, qPrintable(r.describe()));
        for (const QJsonValue& item : r.json().value(QStringLiteral("items")).toArray())
            QVERIFY2(item.toObject().value(QStringLiteral("organization_id")).toInteger() == m_orgA,
                     qPrintable(QString::fromLatin1(list) + QStringLiteral(": ") + r.describe()));
    }
}

// The chain covers every tenant: an organization admin may not learn its size (refused, with the
// denial in A's log), a super admin may.
void TestRestIsolation::auditVerifyIsForSuperAdminsOnly()
{
    const QByteArray token = m_actorsOfA.value(QStringLiteral("organization admin"));
    const qint64 marker = newestEventId();
    const HttpResult refused = send("POST", QStringLiteral("/api/admin/audit/verify"), token);
    QCOMPARE(refused.status, 403);
    QVERIFY(!refused.json().contains(QStringLiteral("count")));
    QVERIFY2(refused.json().value(QStringLiteral("detail")).toString().contains(QStringLiteral("super admins")),
             qPrintable(refused.describe()));
    const QJsonArray denials = eventsOf(m_orgA, marker);
    QCOMPARE(denials.size(), 1);
    QCOMPARE(denials.at(0).toObject().value(QStringLiteral("action")).toString(), QStringLiteral("audit.verified"));
    QCOMPARE(denials.at(0).toObject().value(QStringLiteral("outcome")).toString(), QStringLiteral("denied"));
    const HttpResult verified = send("POST", QStringLiteral("/api/admin/audit/verify"), m_root);
    QCOMPARE(verified.status, 200);
    QVERIFY(verified.json().value(QStringLiteral("count")).toInteger() > 0);
}

// Super admins cross tenants: B's rows are there for them (so the ids of the walk were real).
void TestRestIsolation::superAdminsSeeEveryTenant()
{
    for (const QString& path :
         { QStringLiteral("/api/admin/users/%1").arg(m_foreign[Kind::User]),
           QStringLiteral("/api/admin/roles/%1/permissions").arg(m_foreign[Kind::Role]),
           QStringLiteral("/api/admin/organizations/%1").arg(m_foreign[Kind::Organization]),
           QStringLiteral("/api/admin/organizations/%1/invitations").arg(m_foreign[Kind::Organization]),
           QStringLiteral("/api/admin/audit/%1").arg(m_foreign[Kind::AuditEvent]),
           QStringLiteral("/api/admin/sessions?user_id=%1").arg(m_foreign[Kind::User]),
           QStringLiteral("/api/admin/api-keys?user_id=%1").arg(m_foreign[Kind::User]) }) {
        const HttpResult r = send("GET", path, m_root);
        QVERIFY2(r.status == 200, qPrintable(path + QStringLiteral(": ") + r.describe()));
    }
    const HttpResult sessions
        = send("GET", QStringLiteral("/api/admin/sessions?user_id=%1").arg(m_foreign[Kind::User]), m_root);
    QVERIFY(!sessions.json().value(QStringLiteral("items")).toArray().isEmpty());
    const HttpResult keys
        = send("GET", QStringLiteral("/api/admin/api-keys?user_id=%1").arg(m_foreign[Kind::User]), m_root);
    QVERIFY(!keys.json().value(QStringLiteral("items")).toArray().isEmpty());
}

// Custom permission codes, as A's admin would try to abuse them: B's prefix or a built-in one is
// refused and audited in A; B's codes never show, nor fit in A's roles or keys; A's own code works as
// an ordinary code (roles, effective permissions, API-key scopes) and opens no admin route.
void TestRestIsolation::customPermissionCodes()
{
    const QByteArray admin = m_actorsOfA.value(QStringLiteral("organization admin"));
    const QString codes = QStringLiteral("/api/admin/organizations/%1/permissions").arg(m_orgA);
    for (const QString& code : { QStringLiteral("tenant-b:report:view"), QStringLiteral("admin:report:view"),
                                 QStringLiteral("admin:user:view") }) {
        const qint64 marker = newestEventId();
        const HttpResult r = send("POST", codes, admin, { { QStringLiteral("code"), code } });
        QVERIFY2(r.status == 403, qPrintable(code + QStringLiteral(": ") + r.describe()));
        const QJsonArray denials = eventsOf(m_orgA, marker);
        QCOMPARE(denials.size(), 1);
        QCOMPARE(denials.at(0).toObject().value(QStringLiteral("action")).toString(),
                 QStringLiteral("permission.created"));
        QCOMPARE(denials.at(0).toObject().value(QStringLiteral("outcome")).toString(), QStringLiteral("denied"));
    }
    for (const QString& code : { QStringLiteral("Admin:user:view"), QStringLiteral("admin\uFF1Auser\uFF1Aview") }) {
        const HttpResult r = send("POST", codes, admin, { { QStringLiteral("code"), code } });
        QVERIFY2(r.status == 400, qPrintable(code + QStringLiteral(": ") + r.describe()));
    }
    // A viewer (no admin:role:edit) may not define.
    const HttpResult byViewer = send("POST", codes, m_actorsOfA.value(QStringLiteral("viewer")),
                                     { { QStringLiteral("code"), QStringLiteral("tenant-a:report:view") } });
    QCOMPARE(byViewer.status, 403);

    const HttpResult defined = send("POST", codes, admin,
                                    { { QStringLiteral("code"), QStringLiteral("tenant-a:report:view") },
                                      { QStringLiteral("description"), QStringLiteral("Read reports") } });
    QVERIFY2(defined.status == 201, qPrintable(defined.describe()));
    QCOMPARE(defined.json().value(QStringLiteral("organization_id")).toInteger(), m_orgA);
    const HttpResult own = send("GET", codes, admin);
    QCOMPARE(own.status, 200);
    QCOMPARE(own.json().value(QStringLiteral("items")).toArray().size(), 1);

    // The permission list: the catalog, A's code, none of B's.
    const HttpResult list = send("GET", QStringLiteral("/api/admin/permissions"), admin);
    QCOMPARE(list.status, 200);
    QStringList listed;
    for (const QJsonValue& item : list.json().value(QStringLiteral("items")).toArray())
        listed << item.toObject().value(QStringLiteral("code")).toString();
    QVERIFY(listed.contains(QStringLiteral("tenant-a:report:view")));
    QVERIFY(listed.contains(QStringLiteral("admin:user:view")));
    QVERIFY(!listed.contains(m_foreign[Kind::PermissionCode]));
    const HttpResult all = send("GET", QStringLiteral("/api/admin/permissions"), m_root);
    QVERIFY(all.body.contains(m_foreign[Kind::PermissionCode].toUtf8()));
    QVERIFY(all.body.contains("tenant-a:report:view"));

    // B's code in A's role: unknown. A's code: fine, and it reaches the user's effective permissions.
    const HttpResult foreignRole
        = send("POST", QStringLiteral("/api/admin/roles"), admin,
               { { QStringLiteral("code"), QStringLiteral("a_b_reader") },
                 { QStringLiteral("name"), QStringLiteral("B reader") },
                 { QStringLiteral("level"), 30 },
                 { QStringLiteral("organization_id"), m_orgA },
                 { QStringLiteral("permission_codes"), QJsonArray { m_foreign[Kind::PermissionCode] } } });
    QCOMPARE(foreignRole.status, 400);
    const qint64 roleId = created(
        send("POST", QStringLiteral("/api/admin/roles"), admin,
             { { QStringLiteral("code"), QStringLiteral("a_report_reader") },
               { QStringLiteral("name"), QStringLiteral("Report reader") },
               { QStringLiteral("level"), 30 },
               { QStringLiteral("organization_id"), m_orgA },
               { QStringLiteral("permission_codes"), QJsonArray { QStringLiteral("tenant-a:report:view") } } }),
        "role with a custom code");
    QVERIFY(roleId > 0);
    const QString plain = m_own[Kind::User];
    const HttpResult assigned = send("POST", QStringLiteral("/api/admin/users/%1/roles").arg(plain), admin,
                                     { { QStringLiteral("role_code"), QStringLiteral("a_report_reader") } });
    QVERIFY2(assigned.status == 204 || assigned.status == 200, qPrintable(assigned.describe()));
    const HttpResult effective = send("GET", QStringLiteral("/api/admin/users/%1/permissions").arg(plain), admin);
    QVERIFY2(effective.body.contains("tenant-a:report:view"), qPrintable(effective.describe()));

    // API keys: B's code refused; A's code carried, and it opens no admin route.
    const QString keys = QStringLiteral("/api/admin/users/%1/api-keys").arg(plain);
    const HttpResult foreignKey
        = send("POST", keys, admin,
               { { QStringLiteral("name"), QStringLiteral("b scope") },
                 { QStringLiteral("scopes"), QJsonArray { m_foreign[Kind::PermissionCode] } } });
    QCOMPARE(foreignKey.status, 400);
    const HttpResult key
        = send("POST", keys, admin,
               { { QStringLiteral("name"), QStringLiteral("reports") },
                 { QStringLiteral("scopes"), QJsonArray { QStringLiteral("tenant-a:report:view") } } });
    QVERIFY2(key.status == 201, qPrintable(key.describe()));
    const QByteArray secret = key.json().value(QStringLiteral("key")).toString().toLatin1();
    const HttpResult me = send("GET", QStringLiteral("/api/auth/me"), secret);
    QVERIFY2(me.status == 200, qPrintable(me.describe()));
    QVERIFY2(me.json().value(QStringLiteral("permissions")).toArray().contains(QStringLiteral("tenant-a:report:view")),
             qPrintable(me.describe()));
    QCOMPARE(send("GET", QStringLiteral("/api/admin/users"), secret).status, 403);
    QCOMPARE(send("GET", codes, secret).status, 403);

    // In use: refused, naming the role and the key; B's code through A's organization: missing.
    const HttpResult inUse = send("DELETE", codes + QStringLiteral("/tenant-a:report:view"), admin);
    QCOMPARE(inUse.status, 409);
    QVERIFY2(inUse.body.contains("a_report_reader") && inUse.body.contains("reports"), qPrintable(inUse.describe()));
    QCOMPARE(send("DELETE", codes + QStringLiteral("/") + m_foreign[Kind::PermissionCode], admin).status, 404);
    QCOMPARE(send("GET", QStringLiteral("/api/admin/organizations/%1/permissions").arg(m_orgB), m_root)
                 .json()
                 .value(QStringLiteral("items"))
                 .toArray()
                 .size(),
             1);
}

QTEST_GUILESS_MAIN(TestRestIsolation)
#include "tst_rest_isolation.moc"
