// One-time tokens in the store: a password reset token works once, an email verification token.
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

class TestTokens : public QObject
{
    Q_OBJECT

private slots:
    void passwordResetTokenSingleUse();
    void verificationToken();
};

void TestTokens::passwordResetTokenSingleUse()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    const User b1 = f.w.makeUser(f.w.orgB.id, QStringLiteral("user"));
    const TestSession s = insertSession(f.sql(), u1, Hour);
    execSql(f.sql(), QStringLiteral("UPDATE users SET failed_logins = 3, locked_until = ? WHERE id = ?"),
            { QDateTime::currentMSecsSinceEpoch() + Hour, u1.id });

    QVERIFY_ERROR(f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), b1.id), ErrorCode::NotFound);
    QVERIFY_ERROR(f.store().tokens().issuePasswordReset(f.w.actorFor(u1), adminA.id), ErrorCode::Forbidden);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("token.reset_issued"), kDenied), 2);

    auto older = f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(older);
    auto token = f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(token);
    QVERIFY(*token != *older);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("token.reset_issued"), kSuccess, QString::number(u1.id)), 2);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT COUNT(*) FROM one_time_tokens WHERE token_hash = ?"),
                    { QString::fromLatin1(crypto::sha256Hex(token->toUtf8())) }),
             1);
    QVERIFY(!allAuditText(f.sql()).contains(*token));

    // The newest link replaces the older one.
    QVERIFY_ERROR(f.store().tokens().resetPassword(*older, QStringLiteral("Another-Good-Pass-77")),
                  ErrorCode::NotFound);
    // A weak password does not burn the link.
    auto r = f.store().tokens().resetPassword(*token, QStringLiteral("short"));
    QVERIFY_ERROR(r, ErrorCode::Validation);
    QVERIFY(r.error().fieldErrors.contains(QStringLiteral("password")));

    const qint64 version = scalar(f.sql(), QStringLiteral("SELECT version FROM users WHERE id = ?"), { u1.id });
    const QString newPassword = QStringLiteral("Brand-New-Secret-99");
    QVERIFY_RESULT(f.store().tokens().resetPassword(*token, newPassword, QStringLiteral("203.0.113.1")));
    QVERIFY(crypto::verifyPassword(
        newPassword, text(f.sql(), QStringLiteral("SELECT password_hash FROM users WHERE id = ?"), { u1.id })));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT version FROM users WHERE id = ?"), { u1.id }), version + 1);
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT failed_logins FROM users WHERE id = ?"), { u1.id }), 0);
    QVERIFY(isNullValue(f.sql(), QStringLiteral("SELECT locked_until FROM users WHERE id = ?"), { u1.id }));
    QVERIFY_ERROR(f.store().sessions().authenticate(s.token), ErrorCode::Unauthenticated);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.password_reset"), kSuccess, QString::number(u1.id)), 1);
    QCOMPARE(text(f.sql(), QStringLiteral("SELECT actor_label FROM audit_events WHERE action = 'user.password_reset'")),
             u1.email);

    // Single use.
    r = f.store().tokens().resetPassword(*token, QStringLiteral("Yet-Another-Pass-11"));
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(crypto::verifyPassword(
        newPassword, text(f.sql(), QStringLiteral("SELECT password_hash FROM users WHERE id = ?"), { u1.id })));
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.password_reset"), kSuccess), 1);

    // Expired.
    auto late = f.store().tokens().issuePasswordReset(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(late);
    execSql(f.sql(), QStringLiteral("UPDATE one_time_tokens SET expires_at = ? WHERE token_hash = ?"),
            { QDateTime::currentMSecsSinceEpoch() - 1000, QString::fromLatin1(crypto::sha256Hex(late->toUtf8())) });
    r = f.store().tokens().resetPassword(*late, QStringLiteral("Yet-Another-Pass-11"));
    QVERIFY_ERROR(r, ErrorCode::Conflict);
    QVERIFY(r.error().message.contains(QStringLiteral("expired")));
}

void TestTokens::verificationToken()
{
    auto f = Fixture::make();
    const User adminA = f.w.makeUser(f.w.orgA.id, QStringLiteral("admin"));
    const User u1 = f.w.makeUser(f.w.orgA.id, QStringLiteral("user"));
    QVERIFY(!u1.verified);

    auto token = f.store().tokens().issueVerification(f.w.actorFor(adminA), u1.id);
    QVERIFY_RESULT(token);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("token.verification_issued"), kSuccess, QString::number(u1.id)), 1);
    // A verification token is no reset token.
    QVERIFY_ERROR(f.store().tokens().resetPassword(*token, QStringLiteral("Brand-New-Secret-99")), ErrorCode::NotFound);

    QVERIFY_RESULT(f.store().tokens().verifyEmail(*token));
    QCOMPARE(scalar(f.sql(), QStringLiteral("SELECT verified FROM users WHERE id = ?"), { u1.id }), 1);
    QCOMPARE(auditCount(f.sql(), QStringLiteral("user.verified"), kSuccess, QString::number(u1.id)), 1);
    QVERIFY_ERROR(f.store().tokens().verifyEmail(*token), ErrorCode::Conflict);
    QVERIFY_ERROR(f.store().tokens().issueVerification(f.w.actorFor(adminA), u1.id), ErrorCode::Conflict);
    QVERIFY_ERROR(f.store().tokens().verifyEmail(QString()), ErrorCode::NotFound);
}

QTEST_GUILESS_MAIN(TestTokens)
#include "tst_tokens.moc"
