#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSqlQuery>
#include <QTimeZone>

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Auth)
};

} // namespace

using namespace sqlutil;

namespace {

// An anonymous actor for events about a sign-in attempt before anyone is authenticated.
Actor attemptActor(const User* user, const QString& ip, const QString& userAgent)
{
    Actor a;
    a.kind = Actor::Kind::User;
    a.ip = ip;
    a.userAgent = userAgent;
    if (user) {
        a.userId = user->id;
        a.email = user->email;
        a.organizationId = user->organizationId;
    }
    return a;
}

// Verifying against a fixed hash when the account does not exist keeps the answer time the same,
// so response times do not reveal which emails have accounts.
const QString& dummyHash()
{
    static const QString hash = crypto::hashPassword(QStringLiteral("portcullis-timing-equaliser"));
    return hash;
}

} // namespace

Result<bool> AuthManager::signedInBefore(Id userId, const QString& ip, const QDateTime& now)
{
    if (ip.isEmpty())
        return false;
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q,
                     QStringLiteral("SELECT 1 FROM sessions WHERE user_id = ? AND ip = ? AND impersonator_id IS NULL "
                                    "AND created_at > ? LIMIT 1"),
                     { userId, ip, now.addDays(-lockout::KnownAddressDays).toMSecsSinceEpoch() }))
        return m_core.sqlError(q, Tr::tr("Checking the account"));
    return q.next();
}

// The phases of a sign-in, in the order login() runs them: the credentials given, the account, the
// password check reserved against the lockout, the password (and the lock, from a known address),
// the eligibility of the account, and the session with its audit event.
Result<LoginResult> AuthManager::login(const QString& emailOrUsername, const QString& password, const QString& ip,
                                       const QString& userAgent)
{
    // One answer for an unknown account, a locked one and a wrong password: same status, same text,
    // and (an Argon2 check against a dummy hash where no real one is checked) about the same time.
    // A locked account's password is never checked, so the lock is never told: telling it after a
    // right password would let a guesser go on through the lock (docs/api.md, POST /api/auth/login).
    const QString wrong = Tr::tr("Wrong email or password");
    if (Status given = checkCredentialsGiven(emailOrUsername, password, wrong); !given)
        return given.error();

    QString hash;
    auto found = m_core.loadUserByLogin(emailOrUsername, &hash);
    if (!found && found.error().code != ErrorCode::NotFound)
        return found.error();
    // Refused attempts are audited bounded per client address: a flood adds a few rows a minute.
    const QString source = ip.isEmpty() ? QString() : QStringLiteral("ip:") + ip;
    if (!found || found->deleted)
        return refuseUnknownAccount(password, ip, userAgent, source, wrong);
    const User user = *found;
    const Actor attempt = attemptActor(&user, ip, userAgent);
    const QDateTime now = QDateTime::currentDateTimeUtc();

    auto reserved = reservePasswordCheck(user, now);
    if (!reserved)
        return reserved.error();
    auto effective = checkPassword(user, attempt, *reserved, password, hash, source, now, wrong);
    if (!effective)
        return effective.error();
    if (!*effective)
        return refuseIneligible(user, attempt, *effective);
    return openSession(user, ip, userAgent, now);
}

Status AuthManager::checkCredentialsGiven(const QString& emailOrUsername, const QString& password, const QString& wrong)
{
    if (emailOrUsername.trimmed().isEmpty() || password.isEmpty())
        return ServiceError::validation(Tr::tr("Enter your email and password"),
                                        { { QStringLiteral("email"), Tr::tr("Required") } });
    if (password.size() > policy::Limits::MaxPasswordLength)
        return ServiceError::unauthenticated(wrong);
    return {};
}

Result<LoginResult> AuthManager::refuseUnknownAccount(const QString& password, const QString& ip,
                                                      const QString& userAgent, const QString& source,
                                                      const QString& wrong)
{
    crypto::verifyPassword(password, dummyHash());
    auto audited = m_core.inTransaction<bool>([&]() -> Result<bool> {
        if (auto a = m_core.appendBoundedAudit(
                source, attemptActor(nullptr, ip, userAgent), actions::UserLoginFailed, QStringLiteral("user"), {}, 0,
                { { QStringLiteral("reason"), QStringLiteral("unknown account") } }, QStringLiteral("denied"));
            !a)
            return a.error();
        return true;
    });
    if (!audited)
        return audited.error();
    return ServiceError::unauthenticated(wrong);
}

Result<AuthManager::PasswordCheck> AuthManager::reservePasswordCheck(const User& user, const QDateTime& now)
{
    // One decision (policy::signInEligibility). A lock stops the check of the password; the other
    // refusals come only after a right password, so they tell a guesser nothing.
    auto state = m_core.loadSignInState(user.id);
    if (!state)
        return state.error();
    const policy::Eligibility eligibility = policy::signInEligibility(*state, policy::Credential::Password, now);
    // The attempt is counted before its password is checked (atomically, in the database), so that
    // concurrent guesses cannot check more passwords than the lockout allows.
    int attemptNumber = 0;
    if (eligibility.why != policy::Ineligible::Locked) {
        auto reserved = m_core.reservePasswordCheck(user.id);
        if (!reserved)
            return reserved.error();
        attemptNumber = *reserved;
    }
    return PasswordCheck { *state, eligibility, attemptNumber };
}

Result<policy::Eligibility> AuthManager::checkPassword(const User& user, const Actor& attempt,
                                                       const PasswordCheck& reserved, const QString& password,
                                                       const QString& hash, const QString& source, const QDateTime& now,
                                                       const QString& wrong)
{
    const int attemptNumber = reserved.attemptNumber;
    policy::Eligibility effective = reserved.eligibility;
    if (attemptNumber == 0)
        return checkPasswordOfLockedAccount(user, attempt, reserved.state, password, hash, source, now, wrong);
    if (!crypto::verifyPassword(password, hash)) {
        auto lockedUntil = m_core.recordFailedPassword(attempt, user, actions::UserLoginFailed,
                                                       QStringLiteral("wrong password"), attemptNumber, source);
        if (!lockedUntil)
            return lockedUntil.error();
        return ServiceError::unauthenticated(wrong);
    }
    return effective;
}

Result<policy::Eligibility> AuthManager::checkPasswordOfLockedAccount(const User& user, const Actor& attempt,
                                                                      const policy::AccountState& state,
                                                                      const QString& password, const QString& hash,
                                                                      const QString& source, const QDateTime& now,
                                                                      const QString& wrong)
{
    // The lock stops strangers, not the owner: from an address the account signed in from within
    // the last lockout::KnownAddressDays (its own sessions, not impersonations) the password is
    // still checked, uncounted. So nobody can keep an account locked by guessing at it from
    // elsewhere; guessing from the owner's own address is bounded by the address throttle of
    // `serve` instead.
    auto known = signedInBefore(user.id, attempt.ip, now);
    if (!known)
        return known.error();
    const Audited failure(m_core, attempt, actions::UserLoginFailed, QStringLiteral("user"), QString::number(user.id),
                          user.organizationId);
    if (!*known) {
        crypto::verifyPassword(password, dummyHash());
        failure.denyBounded(source, QStringLiteral("account locked"));
        return ServiceError::unauthenticated(wrong);
    }
    if (!crypto::verifyPassword(password, hash)) {
        failure.denyBounded(source, QStringLiteral("wrong password from a known address, account locked"));
        return ServiceError::unauthenticated(wrong);
    }
    policy::AccountState unlocked = state;
    unlocked.lockedUntil = QDateTime();
    return policy::signInEligibility(unlocked, policy::Credential::Password, now);
}

Result<LoginResult> AuthManager::refuseIneligible(const User& user, const Actor& attempt,
                                                  const policy::Eligibility& effective)
{
    if (auto cleared = m_core.clearFailedPasswords(user.id); !cleared)
        return cleared.error();
    return Audited(m_core, attempt, actions::UserLogin, QStringLiteral("user"), QString::number(user.id),
                   user.organizationId)
        .deny(effective.reason);
}

Result<LoginResult> AuthManager::openSession(const User& user, const QString& ip, const QString& userAgent,
                                             const QDateTime& now)
{
    auto actor = m_core.actorForUser(user.id);
    if (!actor)
        return actor.error();
    LoginResult result;
    result.sessionToken = crypto::randomToken(32);
    auto session = m_core.inTransaction<Id>(
        [&]() -> Result<Id> { return recordSession(user, *actor, ip, userAgent, now, result); });
    if (!session)
        return session.error();
    result.actor = *actor;
    result.actor.sessionId = *session;
    result.actor.ip = ip;
    result.actor.userAgent = userAgent;
    return result;
}

// In openSession's transaction: the user's sign-in, the session row and the audit event.
Result<Id> AuthManager::recordSession(const User& user, const Actor& actor, const QString& ip, const QString& userAgent,
                                      const QDateTime& now, LoginResult& result)
{
    const qint64 nowMs = now.toMSecsSinceEpoch();
    const qint64 expires = now.addSecs(qint64(limits::SessionHours) * 3600).toMSecsSinceEpoch();
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q,
                     QStringLiteral("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? "
                                    "WHERE id = ?"),
                     { nowMs, user.id }))
        return m_core.sqlError(q, Tr::tr("Recording the sign-in"));
    if (!m_core.exec(
            q,
            QStringLiteral("INSERT INTO sessions (user_id, organization_id, token_hash, ip, user_agent, "
                           "created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
            { user.id, user.organizationId, QString::fromLatin1(crypto::sha256Hex(result.sessionToken.toUtf8())), ip,
              userAgent.left(500), nowMs, nowMs, expires })
        || !q.next())
        return m_core.sqlError(q, Tr::tr("Opening the session"));
    const Id id = q.value(0).toLongLong();
    q.finish();
    // The event records where the sign-in came from, like the failed attempts do.
    Actor signedIn = actor;
    signedIn.ip = ip;
    signedIn.userAgent = userAgent;
    if (auto a = m_core.appendAudit(signedIn, actions::UserLogin, QStringLiteral("session"), QString::number(id),
                                    user.organizationId, { { QStringLiteral("user_agent"), userAgent.left(200) } });
        !a)
        return a.error();
    result.session.id = id;
    result.session.userId = user.id;
    result.session.userEmail = user.email;
    result.session.organizationId = user.organizationId;
    result.session.ip = ip;
    result.session.userAgent = userAgent;
    result.session.createdAt = now;
    result.session.lastSeenAt = now;
    result.session.expiresAt = QDateTime::fromMSecsSinceEpoch(expires, Qt::UTC);
    return id;
}

Status AuthManager::logout(const Actor& actor)
{
    if (actor.sessionId == 0)
        return {};
    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, QStringLiteral("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
                         { m_core.now(), actor.sessionId }))
            return m_core.sqlError(q, Tr::tr("Ending the session"));
        if (auto a = m_core.appendAudit(actor, actions::UserLogout, QStringLiteral("session"),
                                        QString::number(actor.sessionId), actor.organizationId);
            !a)
            return a.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

} // namespace portcullis
