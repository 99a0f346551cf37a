// TokenManager: one-shot password-reset and email-verification tokens, stored hashed, single use.

#include "store.h"

#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QSqlQuery>

namespace portcullis {

using namespace sqlutil;

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Tokens)
};

const QString kPasswordReset = QStringLiteral("password_reset");
const QString kEmailVerification = QStringLiteral("email_verification");

QVariant nullableId(Id id)
{
    return id != 0 ? QVariant(id) : QVariant(QMetaType::fromType<qint64>());
}

// The holder of a token acts as the user the token was issued for.
Actor tokenHolder(const User& user, const QString& ip)
{
    Actor actor;
    actor.kind = Actor::Kind::User;
    actor.userId = user.id;
    actor.email = user.email;
    actor.organizationId = user.organizationId;
    actor.level = user.highestLevel;
    actor.roleCodes = user.roleCodes;
    actor.ip = ip;
    return actor;
}

} // namespace

Result<QString> TokenManager::issuePasswordReset(const Actor& actor, Id userId)
{
    return issue(actor, userId, kPasswordReset, limits::ResetTokenHours);
}

Result<QString> TokenManager::issueVerification(const Actor& actor, Id userId)
{
    return issue(actor, userId, kEmailVerification, limits::VerificationTokenHours);
}

Result<QString> TokenManager::issue(const Actor& actor, Id userId, const QString& purpose, int hours)
{
    const bool reset = purpose == kPasswordReset;
    Audited op(m_core, actor, reset ? actions::TokenResetIssued : actions::TokenVerificationIssued,
               QStringLiteral("user"), QString::number(userId));
    auto user = m_core.userFor(actor, userId, op.action());
    if (!user)
        return user.error();
    // A missing permission is recorded as the actor's own matter; a refused target names its tenant.
    if (const auto decision = policy::requirePermission(actor, policy::permissionFor(policy::UserAction::IssueToken));
        !decision)
        return op.deny(decision.reason);
    op.setOrganization(user->organizationId);
    if (const auto decision = policy::canActOnUser(actor, *user, policy::UserAction::IssueToken); !decision)
        return op.deny(decision.reason);
    if (user->deleted)
        return ServiceError::conflict(Tr::tr("%1 is deleted").arg(user->email));
    if (!reset && user->verified)
        return ServiceError::conflict(Tr::tr("%1 is already verified").arg(user->email));

    const QString token = crypto::randomToken(32);
    if (token.isEmpty())
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure token"));

    return m_core.inTransaction<QString>(
        [&]() -> Result<QString> { return insertToken(op, userId, user->email, purpose, hours, token); });
}

Result<QString> TokenManager::issuePasswordResetWithin(const Actor& actor, Id userId, Id organizationId,
                                                       const QString& email, int hours)
{
    Audited op(m_core, actor, actions::TokenResetIssued, QStringLiteral("user"), QString::number(userId),
               organizationId);
    const QString token = crypto::randomToken(32);
    if (token.isEmpty())
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure token"));
    return insertToken(op, userId, email, kPasswordReset, hours, token);
}

Result<QString> TokenManager::insertToken(const Audited& op, Id userId, const QString& email, const QString& purpose,
                                          int hours, const QString& token)
{
    const qint64 now = m_core.now();
    const qint64 expires = now + qint64(hours) * 60 * 60 * 1000;
    QSqlQuery q(m_core.db());
    // Only the newest token of a purpose works: an older link that leaked stops working.
    if (!m_core.exec(
            q, QStringLiteral("DELETE FROM one_time_tokens WHERE user_id = ? AND purpose = ? AND used_at IS NULL"),
            { userId, purpose }))
        return m_core.sqlError(q, Tr::tr("Replacing older tokens"));
    const int superseded = q.numRowsAffected();
    if (!m_core.exec(q,
                     QStringLiteral("INSERT INTO one_time_tokens (user_id, purpose, token_hash, created_by, "
                                    "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)"),
                     { userId, purpose, QString::fromLatin1(crypto::sha256Hex(token.toUtf8())),
                       nullableId(op.actor().userId), now, expires }))
        return m_core.sqlError(q, Tr::tr("Issuing the token"));
    const QJsonObject details { { QStringLiteral("purpose"), purpose },
                                { QStringLiteral("email"), email },
                                { QStringLiteral("expires_at"), timeFrom(expires).toString(Qt::ISODateWithMs) },
                                { QStringLiteral("superseded"), superseded } };
    if (auto audited = op.succeed(details); !audited)
        return audited.error();
    return token;
}

Result<Id> TokenManager::consume(const QString& token, const QString& purpose)
{
    const QString invalid = Tr::tr("This link is not valid; ask for a new one");
    if (token.isEmpty())
        return ServiceError::notFound(invalid);
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q,
                     QStringLiteral("SELECT id, user_id, expires_at, used_at FROM one_time_tokens "
                                    "WHERE token_hash = ? AND purpose = ?"),
                     { QString::fromLatin1(crypto::sha256Hex(token.toUtf8())), purpose }))
        return m_core.sqlError(q, Tr::tr("Checking the link"));
    if (!q.next())
        return ServiceError::notFound(invalid);
    const Id id = q.value(0).toLongLong();
    const Id userId = q.value(1).toLongLong();
    const qint64 expiresAt = q.value(2).toLongLong();
    const bool used = !q.value(3).isNull();
    q.finish();
    const qint64 now = m_core.now();
    if (used)
        return ServiceError::conflict(Tr::tr("This link was already used; ask for a new one"));
    if (expiresAt <= now)
        return ServiceError::conflict(Tr::tr("This link has expired; ask for a new one"));
    if (!m_core.exec(q, QStringLiteral("UPDATE one_time_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL"),
                     { now, id }))
        return m_core.sqlError(q, Tr::tr("Using the link"));
    if (q.numRowsAffected() == 0)
        return ServiceError::conflict(Tr::tr("This link was already used; ask for a new one"));
    return userId;
}

Status TokenManager::resetPassword(const QString& token, const QString& newPassword, const QString& ip,
                                   bool revokeApiKeys)
{
    // Check the password before touching the token so a weak one does not burn the link.
    if (auto valid
        = policy::validatePassword(newPassword, QStringLiteral("password"), m_core.settings().passwordMinLength);
        !valid)
        return valid;
    const QString passwordHash = crypto::hashPassword(newPassword); // slow: outside the write lock
    if (passwordHash.isEmpty())
        return ServiceError::unavailable(Tr::tr("The password could not be hashed; try again"));

    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        auto userId = consume(token, kPasswordReset);
        if (!userId)
            return userId.error();
        auto user = m_core.loadUser(*userId);
        if (!user)
            return user.error();
        if (user->deleted)
            return ServiceError::conflict(Tr::tr("This account has been deleted"));
        const qint64 now = m_core.now();
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ?, "
                                        "version = version + 1, failed_logins = 0, locked_until = NULL WHERE id = ?"),
                         { passwordHash, now, now, user->id }))
            return m_core.sqlError(q, Tr::tr("Saving the new password"));
        // Whoever knew the old password may hold a session: end them all.
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"),
                         { now, user->id }))
            return m_core.sqlError(q, Tr::tr("Ending the sessions of the account"));
        const int sessions = q.numRowsAffected();
        QJsonObject details { { QStringLiteral("sessions_revoked"), sessions } };
        // ... and whoever took the account over may have minted API keys.
        if (revokeApiKeys) {
            auto keys = m_core.revokeApiKeysOf(user->id);
            if (!keys)
                return keys.error();
            details.insert(QStringLiteral("api_keys_revoked"), *keys);
        }
        if (auto audited
            = m_core.appendAudit(tokenHolder(*user, ip), actions::UserPasswordReset, QStringLiteral("user"),
                                 QString::number(user->id), user->organizationId, details);
            !audited)
            return audited.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Status TokenManager::verifyEmail(const QString& token, const QString& ip)
{
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        auto userId = consume(token, kEmailVerification);
        if (!userId)
            return userId.error();
        auto user = m_core.loadUser(*userId);
        if (!user)
            return user.error();
        if (user->deleted)
            return ServiceError::conflict(Tr::tr("This account has been deleted"));
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE users SET verified = 1, updated_at = ?, version = version + 1 "
                                        "WHERE id = ?"),
                         { m_core.now(), user->id }))
            return m_core.sqlError(q, Tr::tr("Marking the email address as verified"));
        if (auto audited = m_core.appendAudit(tokenHolder(*user, ip), actions::UserVerified, QStringLiteral("user"),
                                              QString::number(user->id), user->organizationId,
                                              { { QStringLiteral("email"), user->email } });
            !audited)
            return audited.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

} // namespace portcullis
