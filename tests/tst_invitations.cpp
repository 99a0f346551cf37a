// Invitations in the store: create and accept, who may invite, the plan's user limit, and the
// refusals of an invitation token.
// Against a real database (SQLite, or PostgreSQL when PORTCULLIS_TEST_PG_URL is set); every state
// change and every denial is checked in the audit_events table as well.

#include "policy/policy.h"
#include "security/crypto.h"
#include "sql/store.h"
#include "storefixture.h"
#include "testutil.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

using namespace portcullis;
using namespace portcullis::test;

class TestInvitations : public QObject
{
    Q_OBJECT

private slots:
    void invitationCreateAndAccept();
    void invitationDenials();
    void invitationPlanLimit();
    void invitationTokenRefusals();
};

void TestInvitations::invitationCreateAndAccept()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    auto invited = f.store().organizations().invite(
        f.w.actorFor(adminA), f.w.orgA.id, QStringLiteral("  New.Person@Example.TEST "), QStringLiteral("power_user"));
    QVERIFY_RESULT(invited);
    QVERIFY(invited->token.size() >= 40);
    QCOMPARE(invited->invitation.email, QStringLiteral("new.person@example.test"));
    QCOMPARE(invited->invitation.status(), QStringLiteral("pending"));
    const qint64 days = QDateTime::currentDateTimeUtc().daysTo(invited->invitation.expiresAt);
    QVERIFY(days >= 6 && days <= 7);
    QCOMPARE(
        text(f.sql(), QStringLiteral("SELECT token_hash FROM invitations WHERE id = ?"), { invited->invitation.id }),
        QString::fromLatin1(crypto::sha256Hex(invited->token.toUtf8())));
    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.created"), kSuccess, QString::number(invited->invitation.id)),
        1);

    auto listed = f.store().organizations().invitations(f.w.actorFor(adminA), 0);
    QVERIFY_RESULT(listed);
    QCOMPARE(listed->size(), 1);
    QCOMPARE(listed->at(0).roleCode, QStringLiteral("power_user"));
    QCOMPARE(listed->at(0).invitedBy, adminA.id);

    // A weak password is refused and the invitation stays usable.
    auto r = f.store().organizations().acceptInvitation(invited->token, QStringLiteral("newperson"),
                                                        QStringLiteral("New Person"), QStringLiteral("weak"));
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("password")));

    auto user = f.store().organizations().acceptInvitation(invited->token, QStringLiteral("newperson"),
                                                           QStringLiteral("New Person"), kStrongPassword,
                                                           QStringLiteral("203.0.113.9"));
    QVERIFY_RESULT(user);
    QCOMPARE(user->email, QStringLiteral("new.person@example.test"));
    QCOMPARE(user->username, QStringLiteral("newperson"));
    QCOMPARE(user->organizationId, f.w.orgA.id);
    QVERIFY(user->verified);
    QCOMPARE(user->roleCodes, QStringList { QStringLiteral("power_user") });
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT assigned_by FROM user_roles WHERE user_id = ?"), { user->id }),
             adminA.id);
    QVERIFY(crypto::verifyPassword(
        kStrongPassword, text(f.sql(), QStringLiteral("SELECT password_hash FROM users WHERE id = ?"), { user->id })));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT accepted_user_id FROM invitations WHERE id = ?"),
                    { invited->invitation.id }),
             user->id);

    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.accepted"), kSuccess, QString::number(invited->invitation.id)),
        1);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT actor_label FROM audit_events WHERE action = 'invitation.accepted'")),
             user->email);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT ip FROM audit_events WHERE action = 'invitation.accepted'")),
             QStringLiteral("203.0.113.9"));
    QVERIFY(!allAuditText(f.sql()).contains(invited->token));

    // Used once; the new account can sign in.
    r = f.store().organizations().acceptInvitation(invited->token, QStringLiteral("another"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    auto login = f.store().auth().login(user->email, kStrongPassword);
    QVERIFY_RESULT(login);
    QCOMPARE(login->actor.userId, user->id);

    listed = f.store().organizations().invitations(f.w.actorFor(adminA), f.w.orgA.id);
    QVERIFY_RESULT(listed);
    QCOMPARE(listed->at(0).status(), QStringLiteral("accepted"));
}

void TestInvitations::invitationDenials()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User plain = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const Actor actorA = f.w.actorFor(adminA);
    auto& orgs = f.store().organizations();

    // Not at or above one's own level.
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("admin")),
                  ErrorCode::Forbidden);
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("super_admin")),
                  ErrorCode::Forbidden);
    // Not into another organization; not without the permission.
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgB.id, QStringLiteral("x@example.test"), QStringLiteral("user")),
                  ErrorCode::NotFound);
    QVERIFY_ERROR(
        orgs.invite(f.w.actorFor(plain), f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("user")),
        ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.created"), kDenied), 4);
    QVERIFY_ERROR(orgs.invitations(actorA, f.w.orgB.id), ErrorCode::NotFound);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.listed"), kDenied), 1);

    // Bad input.
    auto r = orgs.invite(actorA, f.w.orgA.id, QStringLiteral("not-an-email"), QStringLiteral("user"));
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("email")));
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, plain.email, QStringLiteral("user")), ErrorCode::Conflict);
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("no_such_role")),
                  ErrorCode::NotFound);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM invitations")), 0);

    // Revoking: another tenant's admin cannot.
    auto invited = orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(invited);
    QVERIFY_ERROR(orgs.invite(actorA, f.w.orgA.id, QStringLiteral("x@example.test"), QStringLiteral("user")),
                  ErrorCode::Conflict); // already pending
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    QVERIFY_ERROR(orgs.revokeInvitation(f.w.actorFor(adminB), invited->invitation.id), ErrorCode::NotFound);
    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.revoked"), kDenied, QString::number(invited->invitation.id)), 1);
    QVERIFY_RESULT(orgs.revokeInvitation(actorA, invited->invitation.id));
    QCOMPARE(
        auditCount(f.sql(), QStringLiteral("invitation.revoked"), kSuccess, QString::number(invited->invitation.id)),
        1);
}

void TestInvitations::invitationPlanLimit()
{
    auto f = Fixture::make();
    // Globex allows 5 users: an admin and two users leave room for two invitations.
    const User adminB = f.w.makeUser(f.w.orgB.id, QStringLiteral("admin"));
    f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const Actor actorB = f.w.actorFor(adminB);
    auto& orgs = f.store().organizations();
    auto first = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("one@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(first);
    auto second = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("two@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(second);

    auto full = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("three@example.test"), QStringLiteral("user"));
    QVERIFY_ERROR(full, ErrorCode::Validation);
    QVERIFY(full.error().fieldErrors.contains(QStringLiteral("email")));
    QVERIFY2(full.error().message.contains(QStringLiteral("5")), qPrintable(full.error().message));
    QCOMPARE(
        scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM invitations WHERE organization_id = ?"), { f.w.orgB.id }),
        2);

    // A revoked invitation frees its seat.
    QVERIFY_RESULT(orgs.revokeInvitation(actorB, second->invitation.id));
    auto third = orgs.invite(actorB, f.w.orgB.id, QStringLiteral("three@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(third);

    // Accepting re-checks the limit against the users that exist by then.
    OrganizationUpdate smaller;
    smaller.maxUsers = 3;
    QVERIFY_RESULT(orgs.update(f.w.superActor, f.w.orgB.id, smaller));
    auto refused = orgs.acceptInvitation(first->token, QStringLiteral("one_user"), {}, kStrongPassword);
    QVERIFY_ERROR(refused, ErrorCode::Conflict);
    QVERIFY2(refused.error().message.contains(QStringLiteral("3")), qPrintable(refused.error().message));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = ?"), { f.w.orgB.id }),
             3);

    smaller.maxUsers = 4;
    QVERIFY_RESULT(orgs.update(f.w.superActor, f.w.orgB.id, smaller));
    QVERIFY_RESULT(orgs.acceptInvitation(first->token, QStringLiteral("one_user"), {}, kStrongPassword));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM users WHERE organization_id = ?"), { f.w.orgB.id }),
             4);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.accepted"), kSuccess), 1);
}

void TestInvitations::invitationTokenRefusals()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const Actor actorA = f.w.actorFor(adminA);
    auto& orgs = f.store().organizations();

    QVERIFY_ERROR(orgs.acceptInvitation(crypto::randomToken(32), QStringLiteral("nobody"), {}, kStrongPassword),
                  ErrorCode::NotFound);

    auto revoked = orgs.invite(actorA, 0, QStringLiteral("r@example.test"), QStringLiteral("user"));
    QVERIFY_RESULT(revoked);
    QVERIFY_RESULT(orgs.revokeInvitation(actorA, revoked->invitation.id));
    auto r = orgs.acceptInvitation(revoked->token, QStringLiteral("revokeduser"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("revoked")));

    auto expired = orgs.invite(actorA, 0, QStringLiteral("e@example.test"), QStringLiteral("user"), 1);
    QVERIFY_RESULT(expired);
    execSql(f.sql(), QStringLiteral("UPDATE invitations SET expires_at = ? WHERE id = ?"),
            { QDateTime::currentMSecsSinceEpoch() - 1000, expired->invitation.id });
    r = orgs.acceptInvitation(expired->token, QStringLiteral("expireduser"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("expired")));

    auto used = orgs.invite(actorA, 0, QStringLiteral("u@example.test"), QStringLiteral("viewer"));
    QVERIFY_RESULT(used);
    QVERIFY_RESULT(orgs.acceptInvitation(used->token, QStringLiteral("useduser"), {}, kStrongPassword));
    r = orgs.acceptInvitation(used->token, QStringLiteral("useduser2"), {}, kStrongPassword);
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("already used")));

    QCOMPARE(scalar(f.sql(),
                    QStringLiteral("SELECT COUNT(*) FROM users WHERE email IN ('r@example.test', "
                                   "'e@example.test', 'u@example.test')")),
             1);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("invitation.accepted"), kSuccess), 1);
}

QTEST_GUILESS_MAIN(TestInvitations)
#include "tst_invitations.moc"
