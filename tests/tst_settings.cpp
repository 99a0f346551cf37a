// Deployment settings and maintenance in the store (SettingsManager, StoreCore::settings,
// MaintenanceManager), against a real database (SQLite, or PostgreSQL with the _pg variant). The
// attacker first: anyone below super admin is refused and audited; absurd values are refused with
// a field error; a database writer's invalid value falls back to the default; then the settings
// take effect where the compiled-in values did, and maintenance removes only what has expired.

#include "policy/catalog.h"
#include "policy/settings.h"
#include "sql/store.h"
#include "storefixture.h"
#include "testutil.h"

#include <QJsonObject>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

class TestSettings : public QObject
{
    Q_OBJECT

private slots:
    void belowSuperAdminIsRefused_data();
    void belowSuperAdminIsRefused();
    void absurdValuesAreRefused_data();
    void absurdValuesAreRefused();
    void defaultsWithoutRows();
    void changeIsOneEventOldToNew();
    void restoringADefaultRemovesItsRow();
    void invalidStoredValueFallsBack_data();
    void invalidStoredValueFallsBack();
    void lockoutFollowsTheSettings();
    void passwordLengthFollowsTheSetting();
    void impersonationFollowsTheSettings();
    void invitationAndApiKeyDefaultsFollowTheSettings();
    void maintenanceIsForSuperAdmins();
    void maintenanceRemovesOnlyWhatExpired();
    void maintenanceRunsOneAtATime();
};

namespace {

Actor apiKeyActorOf(const Actor& owner)
{
    Actor key = owner;
    key.kind = Actor::Kind::ApiKey;
    key.apiKeyId = 1;
    key.permissions = { QStringLiteral("*") };
    return key;
}

} // namespace

void TestSettings::belowSuperAdminIsRefused_data()
{
    QTest::addColumn<QString>("role");
    QTest::addColumn<bool>("asApiKey");
    QTest::newRow("org admin cannot change settings") << QStringLiteral("admin") << false;
    QTest::newRow("team lead cannot change settings") << QStringLiteral("team_lead") << false;
    QTest::newRow("viewer cannot change settings") << QStringLiteral("viewer") << false;
    QTest::newRow("a super admin's API key cannot change settings") << QStringLiteral("super_admin") << true;
}

void TestSettings::belowSuperAdminIsRefused()
{
    QFETCH(QString, role);
    QFETCH(bool, asApiKey);
    auto f = Fixture::make();
    const User user = f.w.makeUser(f.w.orgA.id, role);
    const Actor actor = asApiKey ? apiKeyActorOf(f.w.actorFor(user)) : f.w.actorFor(user);

    QVERIFY_ERROR(f.store().settings().get(actor), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), actions::SettingsViewed, kDenied), 1);
    QVERIFY_ERROR(f.store().settings().update(actor, { { QStringLiteral("lockout_threshold"), 100 } }),
                  ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), actions::SettingsUpdated, kDenied), 1);
    QCOMPARE(auditCount(f.sql(), actions::SettingsUpdated, kSuccess), 0);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 0);
    QCOMPARE(f.store().core().settings().lockoutThreshold, lockout::MaxFailedLogins);

    QVERIFY_ERROR(f.store().maintenance().run(actor, QStringLiteral("console")), ErrorCode::Forbidden);
    QVERIFY_ERROR(f.store().maintenance().recent(actor), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), actions::MaintenanceRan, kDenied), 1);
    QCOMPARE(auditCount(f.sql(), actions::MaintenanceListed, kDenied), 1);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM maintenance_runs")), 0);
    // The denial is written into the actor's own organization.
    const EventRow denied = lastEvent(f.store(), actions::SettingsUpdated);
    QCOMPARE(denied.organizationId, user.organizationId);
}

void TestSettings::absurdValuesAreRefused_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<qint64>("value");
    QTest::addColumn<QString>("errorField");
    QTest::newRow("access token of 0 minutes")
        << QStringLiteral("access_token_minutes") << qint64(0) << QStringLiteral("access_token_minutes");
    QTest::newRow("access token of a week")
        << QStringLiteral("access_token_minutes") << qint64(7 * 24 * 60) << QStringLiteral("access_token_minutes");
    QTest::newRow("refresh token of a year")
        << QStringLiteral("refresh_token_hours") << qint64(365 * 24) << QStringLiteral("refresh_token_hours");
    QTest::newRow("lockout after 1 wrong password")
        << QStringLiteral("lockout_threshold") << qint64(1) << QStringLiteral("lockout_threshold");
    QTest::newRow("lockout after a million")
        << QStringLiteral("lockout_threshold") << qint64(1000000) << QStringLiteral("lockout_threshold");
    QTest::newRow("passwords of 8 characters (below the seeds)")
        << QStringLiteral("password_min_length") << qint64(8) << QStringLiteral("password_min_length");
    QTest::newRow("negative rate limit") << QStringLiteral("api_key_rate_limit") << qint64(-5)
                                         << QStringLiteral("api_key_rate_limit");
    QTest::newRow("impersonation switch of 2")
        << QStringLiteral("impersonation_enabled") << qint64(2) << QStringLiteral("impersonation_enabled");
    QTest::newRow("impersonation for a day") << QStringLiteral("impersonation_max_minutes") << qint64(24 * 60)
                                             << QStringLiteral("impersonation_max_minutes");
    QTest::newRow("audit kept one day") << QStringLiteral("audit_retention_days") << qint64(1)
                                        << QStringLiteral("audit_retention_days");
    QTest::newRow("negative retention") << QStringLiteral("audit_retention_days") << qint64(-1)
                                        << QStringLiteral("audit_retention_days");
    QTest::newRow("invitations for 10 years")
        << QStringLiteral("invitation_days") << qint64(3650) << QStringLiteral("invitation_days");
    QTest::newRow("a setting that does not exist")
        << QStringLiteral("root_password") << qint64(1) << QStringLiteral("root_password");
}

void TestSettings::absurdValuesAreRefused()
{
    QFETCH(QString, name);
    QFETCH(qint64, value);
    QFETCH(QString, errorField);
    auto f = Fixture::make();
    auto refused = f.store().settings().update(f.w.superActor, { { name, value } });
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY2(refused.error().fieldErrors.contains(errorField), qPrintable(refused.error().toString()));
    QVERIFY(!refused.error().fieldErrors.value(errorField).isEmpty());
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 0);
    QCOMPARE(auditCount(f.sql(), actions::SettingsUpdated, kSuccess), 0);
}

void TestSettings::defaultsWithoutRows()
{
    auto f = Fixture::make();
    auto settings = f.store().settings().get(f.w.superActor);
    QVERIFY_RESULT(settings);
    QVERIFY(*settings == DeploymentSettings {});
    QCOMPARE(settings->passwordMinLength, 12);
    QCOMPARE(settings->lockoutThreshold, lockout::MaxFailedLogins);
    QCOMPARE(settings->invitationDays, limits::InvitationDays);
    QCOMPARE(settings->auditRetentionDays, 0);
    // A refresh token shorter than the access token is refused, whichever of the two changes.
    auto refused = f.store().settings().update(
        f.w.superActor,
        { { QStringLiteral("access_token_minutes"), 180 }, { QStringLiteral("refresh_token_hours"), 2 } });
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY(refused.error().fieldErrors.contains(QStringLiteral("refresh_token_hours")));
}

void TestSettings::changeIsOneEventOldToNew()
{
    auto f = Fixture::make();
    auto changed = f.store().settings().update(f.w.superActor,
                                               { { QStringLiteral("lockout_threshold"), 8 },
                                                 { QStringLiteral("audit_retention_days"), 400 },
                                                 { QStringLiteral("invitation_days"), 7 } }); // as is
    QVERIFY_RESULT(changed);
    QCOMPARE(changed->lockoutThreshold, 8);
    QCOMPARE(changed->auditRetentionDays, 400);
    QCOMPARE(auditCount(f.sql(), actions::SettingsUpdated, kSuccess), 1);
    const QJsonObject changes
        = auditDetails(f.sql(), actions::SettingsUpdated).value(QLatin1String("changes")).toObject();
    QCOMPARE(changes.keys(),
             (QStringList { QStringLiteral("audit_retention_days"), QStringLiteral("lockout_threshold") }));
    QCOMPARE(changes.value(QLatin1String("lockout_threshold")).toObject().value(QLatin1String("old")).toInt(), 5);
    QCOMPARE(changes.value(QLatin1String("lockout_threshold")).toObject().value(QLatin1String("new")).toInt(), 8);
    QCOMPARE(changes.value(QLatin1String("audit_retention_days")).toObject().value(QLatin1String("old")).toInt(), 0);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT value FROM deployment_settings WHERE name = 'lockout_threshold'")),
             QStringLiteral("8"));
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT updated_by FROM deployment_settings WHERE name = 'lockout_threshold'")),
        f.w.superAdmin.id);
    // In effect at once in this process (another process: within StoreCore::settingsCacheMs).
    QCOMPARE(f.store().core().settings().lockoutThreshold, 8);
    // The same values again change nothing and record nothing.
    QVERIFY_RESULT(f.store().settings().update(f.w.superActor, { { QStringLiteral("lockout_threshold"), 8 } }));
    QCOMPARE(auditCount(f.sql(), actions::SettingsUpdated, kSuccess), 1);
}

void TestSettings::restoringADefaultRemovesItsRow()
{
    auto f = Fixture::make();
    QVERIFY_RESULT(f.store().settings().update(
        f.w.superActor,
        { { QStringLiteral("impersonation_enabled"), 0 }, { QStringLiteral("password_min_length"), 16 } }));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 2);
    SettingsChange defaults;
    for (const policy::SettingSpec& spec : policy::settingSpecs())
        defaults.insert(spec.name, spec.defaultValue());
    auto restored = f.store().settings().update(f.w.superActor, defaults);
    QVERIFY_RESULT(restored);
    QVERIFY(*restored == DeploymentSettings {});
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM deployment_settings")), 0);
    QCOMPARE(auditCount(f.sql(), actions::SettingsUpdated, kSuccess), 2);
}

void TestSettings::invalidStoredValueFallsBack_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("value");
    QTest::newRow("not a number") << QStringLiteral("lockout_threshold") << QStringLiteral("lots");
    QTest::newRow("below the floor") << QStringLiteral("password_min_length") << QStringLiteral("4");
    QTest::newRow("zero access token") << QStringLiteral("access_token_minutes") << QStringLiteral("0");
    QTest::newRow("huge number") << QStringLiteral("invitation_days") << QStringLiteral("99999999999999999999");
    QTest::newRow("switch of 7") << QStringLiteral("impersonation_enabled") << QStringLiteral("7");
    QTest::newRow("unknown setting") << QStringLiteral("backdoor") << QStringLiteral("1");
}

void TestSettings::invalidStoredValueFallsBack()
{
    QFETCH(QString, name);
    QFETCH(QString, value);
    auto f = Fixture::make();
    // A database writer, bypassing the manager.
    execSql(f.sql(), QStringLiteral("INSERT INTO deployment_settings (name, value, updated_at) VALUES (?, ?, 0)"),
            { name, value });
    f.store().core().forgetSettings();
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("deployment_settings: .*")));
    QVERIFY(f.store().core().settings() == DeploymentSettings {});
    auto read = f.store().settings().get(f.w.superActor);
    QVERIFY_RESULT(read);
    QVERIFY(*read == DeploymentSettings {});
    // Everything still works: a sign-in, with the default lockout.
    const User user = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(f.store().auth().login(user.email, kStrongPassword));
}

void TestSettings::lockoutFollowsTheSettings()
{
    auto f = Fixture::make();
    QVERIFY_RESULT(f.store().settings().update(
        f.w.superActor, { { QStringLiteral("lockout_threshold"), 3 }, { QStringLiteral("lockout_minutes"), 90 } }));
    const User user = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    for (int i = 0; i < 3; ++i)
        QVERIFY_ERROR(f.store().auth().login(user.email, QStringLiteral("Wrong-password-1!")),
                      ErrorCode::Unauthenticated);
    const qint64 lockedUntil
        = scalar(f.sql(), QStringLiteral("SELECT locked_until FROM users WHERE id = ?"), { user.id });
    const qint64 expected = QDateTime::currentMSecsSinceEpoch() + 90 * 60 * 1000;
    QVERIFY2(qAbs(lockedUntil - expected) < 60 * 1000, qPrintable(QString::number(lockedUntil - expected)));
    // Locked: the right password from a new address does not get in.
    QVERIFY_ERROR(f.store().auth().login(user.email, kStrongPassword, QStringLiteral("203.0.113.9")),
                  ErrorCode::Unauthenticated);
}

void TestSettings::passwordLengthFollowsTheSetting()
{
    auto f = Fixture::make();
    QVERIFY_RESULT(f.store().settings().update(f.w.superActor, { { QStringLiteral("password_min_length"), 30 } }));
    NewUser nu;
    nu.email = QStringLiteral("short@a.example");
    nu.username = QStringLiteral("short");
    nu.password = kStrongPassword; // 24 characters: enough for the seeds, not for this deployment
    nu.organizationId = f.w.orgA.id;
    auto refused = f.store().users().create(f.w.superActor, nu);
    QVERIFY_ERROR(refused, ErrorCode::Validation);
    QVERIFY2(refused.error().fieldErrors.value(QStringLiteral("password")).contains(QStringLiteral("30")),
             qPrintable(refused.error().toString()));
    nu.password = kStrongPassword + QStringLiteral("-and-some-more");
    QVERIFY_RESULT(f.store().users().create(f.w.superActor, nu));
}

void TestSettings::impersonationFollowsTheSettings()
{
    auto f = Fixture::make();
    const User target = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY_RESULT(
        f.store().settings().update(f.w.superActor, { { QStringLiteral("impersonation_max_minutes"), 10 } }));
    auto tooLong = f.store().sessions().impersonate(f.w.superActor, target.id, QStringLiteral("ticket 1"), 30);
    QVERIFY_ERROR(tooLong, ErrorCode::Validation);
    QVERIFY(tooLong.error().fieldErrors.value(QStringLiteral("duration_minutes")).contains(QStringLiteral("10")));
    QVERIFY_RESULT(f.store().sessions().impersonate(f.w.superActor, target.id, QStringLiteral("ticket 1"), 10));

    QVERIFY_RESULT(f.store().settings().update(f.w.superActor, { { QStringLiteral("impersonation_enabled"), 0 } }));
    const qint64 deniedBefore = auditCount(f.sql(), actions::UserImpersonated, kDenied);
    QVERIFY_ERROR(f.store().sessions().impersonate(f.w.superActor, target.id, QStringLiteral("ticket 2"), 5),
                  ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), actions::UserImpersonated, kDenied), deniedBefore + 1);
}

void TestSettings::invitationAndApiKeyDefaultsFollowTheSettings()
{
    auto f = Fixture::make();
    QVERIFY_RESULT(f.store().settings().update(
        f.w.superActor, { { QStringLiteral("invitation_days"), 2 }, { QStringLiteral("api_key_rate_limit"), 250 } }));
    auto invited = f.store().organizations().invite(f.w.superActor, f.w.orgA.id, QStringLiteral("new@a.example"),
                                                    QStringLiteral("user"));
    QVERIFY_RESULT(invited);
    const qint64 days = QDateTime::currentDateTimeUtc().secsTo(invited->invitation.expiresAt) / 3600;
    QVERIFY2(days >= 47 && days <= 48, qPrintable(QString::number(days)));
    // An inviter who names a lifetime gets it.
    auto named = f.store().organizations().invite(f.w.superActor, f.w.orgA.id, QStringLiteral("other@a.example"),
                                                  QStringLiteral("user"), 30);
    QVERIFY_RESULT(named);
    QVERIFY(QDateTime::currentDateTimeUtc().daysTo(named->invitation.expiresAt) >= 29);

    const User owner = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    NewApiKey key;
    key.name = QStringLiteral("ci");
    key.userId = owner.id;
    auto created = f.store().apiKeys().create(f.w.actorFor(owner), key);
    QVERIFY_RESULT(created);
    QCOMPARE(created->key.rateLimitPerMinute, 250);
    key.name = QStringLiteral("ci-2");
    key.rateLimitPerMinute = 30;
    created = f.store().apiKeys().create(f.w.actorFor(owner), key);
    QVERIFY_RESULT(created);
    QCOMPARE(created->key.rateLimitPerMinute, 30);
}

void TestSettings::maintenanceIsForSuperAdmins()
{
    auto f = Fixture::make();
    const User admin = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    insertSession(f.sql(), admin, -Hour);
    QVERIFY_ERROR(f.store().maintenance().run(f.w.actorFor(admin), QStringLiteral("console")), ErrorCode::Forbidden);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM sessions")), 1);
    QCOMPARE(auditCount(f.sql(), actions::MaintenanceRan, kDenied), 1);
}

void TestSettings::maintenanceRemovesOnlyWhatExpired()
{
    auto f = Fixture::make();
    const User u = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User b = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const TestSession live = insertSession(f.sql(), u, Hour);
    const TestSession revokedLive = insertSession(f.sql(), u, Hour, true);
    insertSession(f.sql(), u, -Hour);
    insertSession(f.sql(), b, -1000);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QString tokenSql = QStringLiteral("INSERT INTO one_time_tokens (user_id, purpose, token_hash, created_at, "
                                            "expires_at, used_at) VALUES (?, 'reset', ?, ?, ?, ?)");
    execSql(f.sql(), tokenSql, { u.id, QStringLiteral("h1"), now, now + Hour, nullInt() }); // valid: stays
    execSql(f.sql(), tokenSql, { u.id, QStringLiteral("h2"), now, now + Hour, now }); // used
    execSql(f.sql(), tokenSql, { u.id, QStringLiteral("h3"), now - 2 * Hour, now - Hour, nullInt() }); // expired
    auto pending = f.store().organizations().invite(f.w.superActor, f.w.orgA.id, QStringLiteral("p@a.example"),
                                                    QStringLiteral("user"));
    QVERIFY_RESULT(pending);
    auto revoked = f.store().organizations().invite(f.w.superActor, f.w.orgA.id, QStringLiteral("r@a.example"),
                                                    QStringLiteral("user"));
    QVERIFY_RESULT(revoked);
    QVERIFY_RESULT(f.store().organizations().revokeInvitation(f.w.superActor, revoked->invitation.id));
    execSql(f.sql(),
            QStringLiteral("INSERT INTO invitations (organization_id, email, role_code, token_hash, created_at, "
                           "expires_at) VALUES (?, 'old@b.example', 'user', 'ih', ?, ?)"),
            { f.w.orgB.id, now - 10 * Hour, now - Hour });
    const qint64 eventsBefore = scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM audit_events"));

    auto run = f.store().maintenance().run(f.w.superActor, QStringLiteral("console"));
    QVERIFY_RESULT(run);
    QVERIFY(run->id > 0);
    QCOMPARE(run->sessionsRemoved, 2);
    QCOMPARE(run->tokensRemoved, 2);
    QCOMPARE(run->invitationsRemoved, 2);
    QCOMPARE(run->auditEventsRemoved, 0); // retention: keep forever
    QVERIFY(run->error.isEmpty());
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM sessions WHERE id IN (?, ?)"),
                    { live.id, revokedLive.id }),
             2);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM one_time_tokens")), 1);
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM invitations WHERE id = ?"), { pending->invitation.id }),
        1);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM invitations")), 1);
    // Nothing of the audit log went; the run added its own event.
    QVERIFY(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM audit_events")) > eventsBefore);
    const EventRow event = lastEvent(f.store(), actions::MaintenanceRan);
    QCOMPARE(event.outcome, kSuccess);
    QCOMPARE(event.resourceId, QString::number(run->id));
    QCOMPARE(event.details.value(QLatin1String("sessions_removed")).toInt(), 2);
    QCOMPARE(event.details.value(QLatin1String("source")).toString(), QStringLiteral("console"));

    auto recent = f.store().maintenance().recent(f.w.superActor);
    QVERIFY_RESULT(recent);
    QCOMPARE(recent->size(), 1);
    QCOMPARE(recent->constFirst().id, run->id);
    QCOMPARE(recent->constFirst().sessionsRemoved, 2);
    QCOMPARE(recent->constFirst().actorId, f.w.superAdmin.id);
    QVERIFY(recent->constFirst().finishedAt.isValid());

    // Idempotent: a second run finds nothing more.
    auto again = f.store().maintenance().run(f.w.superActor, QStringLiteral("console"));
    QVERIFY_RESULT(again);
    QCOMPARE(again->sessionsRemoved + again->tokensRemoved + again->invitationsRemoved, 0);

    // The audit chain still verifies.
    auto verified = f.store().audit().verify(f.w.superActor);
    QVERIFY_RESULT(verified);
    QVERIFY2(verified->ok, qPrintable(verified->problem));
}

void TestSettings::maintenanceRunsOneAtATime()
{
    auto f = Fixture::make();
    // Another holder of the deployment-wide maintenance lock (another server's run).
    auto held = f.store().core().tryExclusive(QStringLiteral("maintenance"), QStringLiteral("busy"));
    QVERIFY_RESULT(held);
    QSqlDatabase other = f.db->openConnection(QStringLiteral("second"));
    SqlStore second(other, f.db->config().dialect);
    second.core().setAuditKeyFile(f.store().core().auditKeyFile());
    QVERIFY_ERROR(second.maintenance().run(Actor::system(), QStringLiteral("schedule")), ErrorCode::Conflict);
    held->reset();
    auto run = second.maintenance().run(Actor::system(), QStringLiteral("schedule"));
    QVERIFY_RESULT(run);
    QVERIFY(run->id > 0);
    QCOMPARE(run->actorId, 0);
    // A scheduled run that finds one started within its window does nothing.
    auto skipped = second.maintenance().run(Actor::system(), QStringLiteral("schedule"), 60 * 60 * 1000);
    QVERIFY_RESULT(skipped);
    QCOMPARE(skipped->id, 0);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM maintenance_runs")), 1);
}

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
