// ApiKeyManager: creating (secret shown once), listing, revoking and verifying API keys.

#include "store.h"

#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlQuery>

#include <algorithm>

namespace portcullis {

using namespace sqlutil;

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::ApiKeys)
};

// last_used_at is refreshed at most this often per key, so a busy client does not turn every
// request into a write.
constexpr qint64 LastUsedResolutionMs = 60 * 1000;

const QString kKeySelect = QStringLiteral(
    "SELECT k.id, k.name, k.user_id, k.organization_id, k.prefix, k.scopes, k.expires_at, k.rate_limit_per_minute, "
    "k.ip_allowlist, k.last_used_at, k.created_at, k.revoked_at, u.email, k.rotated_at, k.previous_valid_until, "
    "k.previous_used_at "
    "FROM api_keys k JOIN users u ON u.id = k.user_id");

ApiKey keyFromQuery(const QSqlQuery& q)
{
    ApiKey k;
    k.id = q.value(0).toLongLong();
    k.name = q.value(1).toString();
    k.userId = q.value(2).toLongLong();
    k.organizationId = q.value(3).toLongLong();
    k.prefix = q.value(4).toString();
    k.scopes = fromJsonArray(q.value(5).toString());
    k.expiresAt = timeFrom(q.value(6));
    k.rateLimitPerMinute = q.value(7).toInt();
    k.ipAllowlist = fromJsonArray(q.value(8).toString());
    k.lastUsedAt = timeFrom(q.value(9));
    k.createdAt = timeFrom(q.value(10));
    k.revoked = !q.value(11).isNull();
    k.ownerEmail = q.value(12).toString();
    k.rotatedAt = timeFrom(q.value(13));
    k.previousValidUntil = timeFrom(q.value(14));
    k.previousLastUsedAt = timeFrom(q.value(15));
    return k;
}

QVariant nullableId(Id id)
{
    return id != 0 ? QVariant(id) : QVariant(QMetaType::fromType<qint64>());
}

bool isOwnAccount(const Actor& actor, Id userId)
{
    // Only a signed-in user acts for themself here; an API key never gets the self-service shortcut.
    return actor.kind == Actor::Kind::User && actor.userId != 0 && actor.userId == userId;
}

// An allowlist entry is an address ("203.0.113.7", "2001:db8::1") or a CIDR range ("10.0.0.0/8").
bool isValidAllowlistEntry(const QString& entry)
{
    if (entry.contains(QLatin1Char('/')))
        return !QHostAddress::parseSubnet(entry).first.isNull();
    return !QHostAddress(entry).isNull();
}

bool addressAllowed(const QString& ip, const QStringList& allowlist)
{
    if (allowlist.isEmpty())
        return true;
    QHostAddress address(ip.trimmed());
    if (address.isNull())
        return false;
    // A client reaching an IPv6 socket shows up as ::ffff:a.b.c.d; compare it as the IPv4 it is.
    bool isV4Mapped = false;
    const quint32 v4 = address.toIPv4Address(&isV4Mapped);
    if (isV4Mapped && address.protocol() == QAbstractSocket::IPv6Protocol)
        address = QHostAddress(v4);
    for (const QString& entry : allowlist) {
        if (entry.contains(QLatin1Char('/'))) {
            const auto subnet = QHostAddress::parseSubnet(entry);
            if (!subnet.first.isNull() && address.isInSubnet(subnet))
                return true;
        } else if (address.isEqual(QHostAddress(entry), QHostAddress::TolerantConversion)) {
            return true;
        }
    }
    return false;
}

// The field rules of a key, one place for create and edit: each check records its problem under
// the field's name, so that every problem is reported at once.
struct KeyFieldCheck
{
    QHash<QString, QString> fields;

    QString name(const QString& raw)
    {
        const QString name = raw.trimmed();
        if (name.isEmpty())
            fields.insert(QStringLiteral("name"), Tr::tr("Give the key a name."));
        else if (name.size() > policy::Limits::Name)
            fields.insert(QStringLiteral("name"),
                          Tr::tr("A name has at most %1 characters.").arg(policy::Limits::Name));
        return name;
    }

    // Scopes within what the owner holds (and, for a key acting, what that key holds).
    // `organizationCodes`: the owner's organization's custom codes, which a key may carry too.
    QStringList scopes(const QStringList& raw, const QSet<QString>& ownerPermissions, const QString& ownerEmail,
                       const Actor& actor, const QSet<QString>& organizationCodes)
    {
        QStringList scopes;
        for (const QString& rawScope : raw) {
            const QString scope = rawScope.trimmed();
            if (scope.isEmpty() || scopes.contains(scope))
                continue;
            if (auto carried = policy::canCarryScope(scope, ownerPermissions, ownerEmail, actor, organizationCodes);
                !carried) {
                fields.insert(QStringLiteral("scopes"), carried.reason);
                break;
            }
            scopes << scope;
        }
        return scopes;
    }

    void rateLimit(int perMinute)
    {
        if (perMinute < 1 || perMinute > limits::MaxApiKeyRatePerMinute)
            fields.insert(
                QStringLiteral("rate_limit_per_minute"),
                Tr::tr("The rate limit is between 1 and %1 requests per minute.").arg(limits::MaxApiKeyRatePerMinute));
    }

    QStringList allowlist(const QStringList& raw)
    {
        QStringList allowlist;
        for (const QString& rawEntry : raw) {
            const QString entry = rawEntry.trimmed();
            if (entry.isEmpty() || allowlist.contains(entry))
                continue;
            if (!isValidAllowlistEntry(entry)) {
                fields.insert(QStringLiteral("ip_allowlist"),
                              Tr::tr("%1 is neither an IP address nor a CIDR range such as 10.0.0.0/8.").arg(entry));
                break;
            }
            allowlist << entry;
        }
        return allowlist;
    }

    void expiry(const QDateTime& expiresAt, qint64 now)
    {
        if (expiresAt.isValid() && expiresAt.toMSecsSinceEpoch() <= now)
            fields.insert(QStringLiteral("expires_at"), Tr::tr("The expiry date must be in the future."));
    }
};

QJsonValue timeJson(const QDateTime& time)
{
    return time.isValid() ? QJsonValue(time.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

} // namespace

Result<CreatedApiKey> ApiKeyManager::create(const Actor& actor, const NewApiKey& requested)
{
    NewApiKey key = requested;
    if (key.rateLimitPerMinute == 0) // none named: the deployment's setting api_key_rate_limit
        key.rateLimitPerMinute = m_core.settings().apiKeyRateLimit;
    Audited op(m_core, actor, actions::ApiKeyCreated, QStringLiteral("api_key"));
    // A key would outlive the impersonation that minted it: the impersonator would keep acting as
    // the user after the session ends.
    if (actor.impersonatorId != 0)
        return op.deny(Tr::tr("API keys cannot be created while impersonating a user; a key would outlive the "
                              "impersonation"));
    const Id ownerId = key.userId != 0 ? key.userId : actor.userId;
    if (ownerId == 0)
        return ServiceError::validationField(QStringLiteral("user_id"), Tr::tr("Choose the user the key acts for."));
    auto owner = m_core.userFor(actor, ownerId, op.action());
    if (!owner)
        return owner.error();
    if (const auto decision = policy::requirePermission(actor, perm::ApiKeyCreate); !decision)
        return op.deny(decision.reason);
    op.setOrganization(owner->organizationId);
    if (!isOwnAccount(actor, ownerId)) {
        // Refused for the owner: the event names the user, not a key that does not exist.
        if (const auto decision = policy::canManageUser(actor, *owner, false); !decision)
            return Audited(m_core, actor, op.action(), QStringLiteral("user"), QString::number(ownerId),
                           owner->organizationId)
                .deny(decision.reason);
    }
    if (owner->deleted)
        return ServiceError::conflict(Tr::tr("%1 is deleted and cannot own an API key").arg(owner->email));
    auto ownerActor = m_core.actorForUser(ownerId);
    if (!ownerActor)
        return ownerActor.error();

    // Validation: every problem at once, one message per field.
    // A key may carry its owner's organization's custom codes (and no other organization's).
    const auto organizationCodes = m_core.loadOrganizationCodes(owner->organizationId);
    if (!organizationCodes)
        return organizationCodes.error();
    KeyFieldCheck check;
    const QString name = check.name(key.name);
    const QStringList scopes
        = check.scopes(key.scopes, ownerActor->permissions, owner->email, actor, *organizationCodes);
    check.rateLimit(key.rateLimitPerMinute);
    const QStringList allowlist = check.allowlist(key.ipAllowlist);
    const qint64 now = m_core.now();
    check.expiry(key.expiresAt, now);
    if (!check.fields.isEmpty())
        return ServiceError::validation(Tr::tr("The API key cannot be created as entered."), check.fields);

    const QString secret = crypto::newApiKey();
    if (secret.isEmpty())
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure key"));
    const QString prefix = crypto::apiKeyPrefix(secret);

    return m_core.inTransaction<CreatedApiKey>([&]() -> Result<CreatedApiKey> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(
                q,
                QStringLiteral("INSERT INTO api_keys (name, user_id, organization_id, prefix, key_hash, scopes, "
                               "expires_at, rate_limit_per_minute, ip_allowlist, created_by, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"),
                { name, ownerId, owner->organizationId, prefix, QString::fromLatin1(crypto::sha256Hex(secret.toUtf8())),
                  toJsonArray(scopes), nullableTime(key.expiresAt), key.rateLimitPerMinute, toJsonArray(allowlist),
                  nullableId(actor.userId), now })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Creating the API key"));
        CreatedApiKey created;
        created.secret = secret;
        ApiKey& k = created.key;
        k.id = q.value(0).toLongLong();
        q.finish();
        k.name = name;
        k.userId = ownerId;
        k.organizationId = owner->organizationId;
        k.prefix = prefix;
        k.scopes = scopes;
        k.expiresAt = key.expiresAt.isValid() ? timeFrom(key.expiresAt.toMSecsSinceEpoch()) : QDateTime();
        k.rateLimitPerMinute = key.rateLimitPerMinute;
        k.ipAllowlist = allowlist;
        k.createdAt = timeFrom(now);
        k.ownerEmail = owner->email;

        // The prefix is meant to be seen (it identifies the key in lists); the secret never leaves here.
        QJsonObject details { { QStringLiteral("name"), name },
                              { QStringLiteral("prefix"), prefix },
                              { QStringLiteral("user_id"), ownerId },
                              { QStringLiteral("scopes"), QJsonArray::fromStringList(scopes) },
                              { QStringLiteral("rate_limit_per_minute"), key.rateLimitPerMinute },
                              { QStringLiteral("ip_allowlist"), QJsonArray::fromStringList(allowlist) } };
        if (k.expiresAt.isValid())
            details.insert(QStringLiteral("expires_at"), k.expiresAt.toString(Qt::ISODateWithMs));
        if (auto audited = op.setResourceId(QString::number(k.id)).succeed(details); !audited)
            return audited.error();
        return created;
    });
}

Result<Page<ApiKey>> ApiKeyManager::list(const Actor& actor, Id userId, int page, int limit)
{
    ApiKeyQuery query;
    query.userId = userId;
    query.page = page;
    query.limit = limit;
    return list(actor, query);
}

Result<Page<ApiKey>> ApiKeyManager::list(const Actor& actor, const ApiKeyQuery& query)
{
    const Audited op(m_core, actor, actions::ApiKeyListed, QStringLiteral("api_key"), {}, query.organizationId);
    if (query.userId != 0) {
        if (auto owner = m_core.userFor(actor, query.userId, op.action()); !owner)
            return owner.error();
    }
    if (query.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, query.organizationId, op.action()); !org)
            return org.error();
    }
    if (const auto decision = policy::requirePermission(actor, perm::ApiKeyView); !decision)
        return op.deny(decision.reason);

    QStringList where;
    QVariantList binds;
    if (query.userId != 0) {
        where << QStringLiteral("k.user_id = ?");
        binds << query.userId;
    }
    // Everyone but super admins lists their own organization, whatever they ask for.
    const Id organizationId = actor.isSuperAdmin() ? query.organizationId : actor.organizationId;
    if (organizationId != 0) {
        where << QStringLiteral("k.organization_id = ?");
        binds << organizationId;
    }
    if (query.activeOnly) {
        where << QStringLiteral("k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)");
        binds << m_core.now();
    }
    const QString search = query.search.trimmed();
    if (!search.isEmpty()) {
        QString escaped = search;
        escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('%'), QLatin1String("\\%"))
            .replace(QLatin1Char('_'), QLatin1String("\\_"));
        // The name or the owner's email contain the text; the prefix starts with it (a prefix
        // copied from the list); or the text starts with the prefix (a whole key pasted).
        where << QStringLiteral("(lower(k.name) LIKE ? ESCAPE '\\' OR lower(u.email) LIKE ? ESCAPE '\\' "
                                "OR k.prefix LIKE ? ESCAPE '\\' OR (? LIKE (k.prefix || '%') AND k.prefix <> ''))");
        const QString contains = QLatin1Char('%') + escaped.toLower() + QLatin1Char('%');
        binds << contains << contains << QString(escaped + QLatin1Char('%')) << search;
    }
    const QString whereSql
        = where.isEmpty() ? QString() : QString(QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND ")));
    // The owner's email is searched: the count joins the owners too.
    const QString countFrom = search.isEmpty()
        ? QStringLiteral("SELECT COUNT(*) FROM api_keys k")
        : QStringLiteral("SELECT COUNT(*) FROM api_keys k JOIN users u ON u.id = k.user_id");

    Page<ApiKey> result;
    result.page = clampPage(query.page);
    result.limit = clampLimit(query.limit);

    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, countFrom + whereSql, binds) || !q.next())
        return m_core.sqlError(q, Tr::tr("Counting API keys"));
    result.total = q.value(0).toLongLong();

    QVariantList pageBinds = binds;
    pageBinds << result.limit << qint64(result.page - 1) * result.limit;
    if (!m_core.exec(q, kKeySelect + whereSql + QStringLiteral(" ORDER BY k.id DESC LIMIT ? OFFSET ?"), pageBinds))
        return m_core.sqlError(q, Tr::tr("Listing API keys"));
    while (q.next())
        result.items << keyFromQuery(q);
    return result;
}

Status ApiKeyManager::revoke(const Actor& actor, Id keyId)
{
    Audited op(m_core, actor, actions::ApiKeyRevoked, QStringLiteral("api_key"), QString::number(keyId));

    ApiKey key;
    {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, kKeySelect + QStringLiteral(" WHERE k.id = ?"), { keyId }))
            return m_core.sqlError(q, Tr::tr("Loading the API key"));
        const bool found = q.next();
        if (found)
            key = keyFromQuery(q);
        q.finish(); // before requireVisible() may write a denial
        if (auto visible = m_core.requireVisible(actor, found, key.organizationId, Resource::ApiKey,
                                                 op.target().resourceId, op.action());
            !visible)
            return visible.error();
    }
    op.setOrganization(key.organizationId);

    // Revoking one's own key is always allowed: it only ever takes access away.
    if (!isOwnAccount(actor, key.userId)) {
        if (const auto decision = policy::requirePermission(actor, perm::ApiKeyRevoke); !decision)
            return op.deny(decision.reason);
        auto owner = m_core.loadUser(key.userId);
        if (!owner)
            return owner.error();
        if (const auto decision = policy::canManageUser(actor, *owner, false); !decision)
            return op.deny(decision.reason);
    }

    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE api_keys SET revoked_at = ?, previous_valid_until = NULL "
                                        "WHERE id = ? AND revoked_at IS NULL"),
                         { m_core.now(), keyId }))
            return m_core.sqlError(q, Tr::tr("Revoking the API key"));
        if (q.numRowsAffected() == 0)
            return true; // already revoked: nothing changed, nothing to audit
        const QJsonObject details { { QStringLiteral("name"), key.name },
                                    { QStringLiteral("prefix"), key.prefix },
                                    { QStringLiteral("user_id"), key.userId } };
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return true;
    });
    if (!done)
        return done.error();
    return {};
}

Result<ApiKey> ApiKeyManager::load(const Actor& actor, Id keyId, Audited& op)
{
    ApiKey key;
    QSqlQuery q(m_core.db());
    if (!m_core.exec(q, kKeySelect + QStringLiteral(" WHERE k.id = ?"), { keyId }))
        return m_core.sqlError(q, Tr::tr("Loading the API key"));
    const bool found = q.next();
    if (found)
        key = keyFromQuery(q);
    q.finish(); // before requireVisible() may write a denial
    // Another tenant's key reads exactly like a missing one (and is audited alike).
    if (auto visible = m_core.requireVisible(actor, found, key.organizationId, Resource::ApiKey, op.target().resourceId,
                                             op.action());
        !visible)
        return visible.error();
    op.setOrganization(key.organizationId);
    return key;
}

Result<ApiKeyManager::KeyWriter> ApiKeyManager::authorizeChange(const Actor& actor, const ApiKey& key,
                                                                const Audited& op)
{
    // The rules of create(), for a key that exists: changing a key's scopes or minting its next
    // secret is the power to create it (admin:apikey:create), over its owner (the level rule), never
    // while impersonating (the change would outlive the impersonation).
    if (actor.impersonatorId != 0)
        return op.deny(Tr::tr("API keys cannot be changed or rotated while impersonating a user"));
    if (const auto decision = policy::requirePermission(actor, perm::ApiKeyCreate); !decision)
        return op.deny(decision.reason);
    auto owner = m_core.loadUser(key.userId);
    if (!owner)
        return owner.error();
    if (!isOwnAccount(actor, key.userId)) {
        if (const auto decision = policy::canManageUser(actor, *owner, false); !decision)
            return op.deny(decision.reason);
    }
    if (key.revoked)
        return ServiceError::conflict(Tr::tr("The API key %1 is revoked and can no longer be changed").arg(key.name));
    if (owner->deleted)
        return ServiceError::conflict(Tr::tr("%1 is deleted and cannot own an API key").arg(owner->email));
    auto ownerActor = m_core.actorForUser(key.userId);
    if (!ownerActor)
        return ownerActor.error();
    return KeyWriter { *owner, *ownerActor };
}

Result<ApiKey> ApiKeyManager::get(const Actor& actor, Id keyId)
{
    Audited op(m_core, actor, actions::ApiKeyViewed, QStringLiteral("api_key"), QString::number(keyId));
    auto key = load(actor, keyId, op);
    if (!key)
        return key.error();
    if (const auto decision = policy::requirePermission(actor, perm::ApiKeyView); !decision)
        return op.deny(decision.reason);
    return key;
}

Result<ApiKey> ApiKeyManager::update(const Actor& actor, Id keyId, const ApiKeyUpdate& update)
{
    Audited op(m_core, actor, actions::ApiKeyUpdated, QStringLiteral("api_key"), QString::number(keyId));
    auto loaded = load(actor, keyId, op);
    if (!loaded)
        return loaded.error();
    auto writer = authorizeChange(actor, *loaded, op);
    if (!writer)
        return writer.error();
    const ApiKey& before = *loaded;

    // The same field rules as create(), for the fields given.
    KeyFieldCheck check;
    ApiKey after = before;
    if (update.name)
        after.name = check.name(*update.name);
    if (update.scopes) {
        // The owner's organization's custom codes, as create() allows them.
        const auto organizationCodes = m_core.loadOrganizationCodes(writer->owner.organizationId);
        if (!organizationCodes)
            return organizationCodes.error();
        after.scopes = check.scopes(*update.scopes, writer->ownerActor.permissions, writer->owner.email, actor,
                                    *organizationCodes);
    }
    if (update.rateLimitPerMinute) {
        check.rateLimit(*update.rateLimitPerMinute);
        after.rateLimitPerMinute = *update.rateLimitPerMinute;
    }
    if (update.ipAllowlist)
        after.ipAllowlist = check.allowlist(*update.ipAllowlist);
    const qint64 now = m_core.now();
    if (update.expiresAt) {
        // An unchanged expiry that has passed meanwhile is no reason to refuse the other changes.
        const bool unchanged = update.expiresAt->isValid() == before.expiresAt.isValid()
            && (!before.expiresAt.isValid()
                || update.expiresAt->toMSecsSinceEpoch() == before.expiresAt.toMSecsSinceEpoch());
        if (!unchanged)
            check.expiry(*update.expiresAt, now);
        after.expiresAt = update.expiresAt->isValid() ? timeFrom(update.expiresAt->toMSecsSinceEpoch()) : QDateTime();
    }
    if (!check.fields.isEmpty())
        return ServiceError::validation(Tr::tr("The API key cannot be changed as entered."), check.fields);

    // What changed, old → new; nothing changed: nothing written, nothing audited.
    QJsonObject changes;
    auto changed = [&](const char* field, const QJsonValue& from, const QJsonValue& to) {
        if (from != to)
            changes.insert(QLatin1String(field),
                           QJsonObject { { QStringLiteral("old"), from }, { QStringLiteral("new"), to } });
    };
    changed("name", before.name, after.name);
    changed("scopes", QJsonArray::fromStringList(before.scopes), QJsonArray::fromStringList(after.scopes));
    changed("rate_limit_per_minute", before.rateLimitPerMinute, after.rateLimitPerMinute);
    changed("ip_allowlist", QJsonArray::fromStringList(before.ipAllowlist),
            QJsonArray::fromStringList(after.ipAllowlist));
    changed("expires_at", timeJson(before.expiresAt), timeJson(after.expiresAt));
    if (changes.isEmpty())
        return after;

    auto done = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE api_keys SET name = ?, scopes = ?, rate_limit_per_minute = ?, "
                                        "ip_allowlist = ?, expires_at = ? WHERE id = ? AND revoked_at IS NULL"),
                         { after.name, toJsonArray(after.scopes), after.rateLimitPerMinute,
                           toJsonArray(after.ipAllowlist), nullableTime(after.expiresAt), keyId }))
            return m_core.sqlError(q, Tr::tr("Changing the API key"));
        if (q.numRowsAffected() == 0)
            return ServiceError::conflict(Tr::tr("The API key %1 was revoked meanwhile").arg(before.name));
        const QJsonObject details { { QStringLiteral("name"), after.name },
                                    { QStringLiteral("prefix"), before.prefix },
                                    { QStringLiteral("user_id"), before.userId },
                                    { QStringLiteral("changes"), changes } };
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return true;
    });
    if (!done)
        return done.error();
    return after;
}

Result<CreatedApiKey> ApiKeyManager::rotate(const Actor& actor, Id keyId, qint64 graceSeconds)
{
    Audited op(m_core, actor, actions::ApiKeyRotated, QStringLiteral("api_key"), QString::number(keyId));
    auto loaded = load(actor, keyId, op);
    if (!loaded)
        return loaded.error();
    if (auto writer = authorizeChange(actor, *loaded, op); !writer)
        return writer.error();
    if (std::find(std::begin(limits::ApiKeyRotationGraces), std::end(limits::ApiKeyRotationGraces), graceSeconds)
        == std::end(limits::ApiKeyRotationGraces))
        return ServiceError::validationField(QStringLiteral("grace"),
                                             Tr::tr("The grace period is none, 1 hour, 24 hours or 7 days."));

    const QString secret = crypto::newApiKey();
    if (secret.isEmpty())
        return ServiceError::unavailable(Tr::tr("The system could not generate a secure key"));
    const QString prefix = crypto::apiKeyPrefix(secret);
    const qint64 now = m_core.now();
    const qint64 validUntil = graceSeconds > 0 ? now + graceSeconds * 1000 : 0;

    // Read and replace the current secret inside one write transaction (writers are serialised):
    // two rotations at once run one after the other, and the second moves the first one's new
    // secret into the previous slot, dropping the older one. At most two secrets are ever valid:
    // the current one and the one before it, within its grace.
    return m_core.inTransaction<CreatedApiKey>([&]() -> Result<CreatedApiKey> {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("SELECT key_hash, prefix, previous_key_hash, previous_valid_until, revoked_at "
                                        "FROM api_keys WHERE id = ?"),
                         { keyId })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Rotating the API key"));
        const QString currentHash = q.value(0).toString();
        const QString oldPrefix = q.value(1).toString();
        const bool droppedPrevious = !q.value(2).isNull() && !q.value(3).isNull() && q.value(3).toLongLong() > now;
        const bool revokedMeanwhile = !q.value(4).isNull();
        q.finish();
        if (revokedMeanwhile)
            return ServiceError::conflict(
                Tr::tr("The API key %1 is revoked and can no longer be changed").arg(loaded->name));
        if (!m_core.exec(q,
                         QStringLiteral("UPDATE api_keys SET key_hash = ?, prefix = ?, previous_key_hash = ?, "
                                        "previous_valid_until = ?, previous_used_at = NULL, rotated_at = ? "
                                        "WHERE id = ? AND key_hash = ? AND revoked_at IS NULL"),
                         { QString::fromLatin1(crypto::sha256Hex(secret.toUtf8())), prefix,
                           validUntil != 0 ? QVariant(currentHash) : QVariant(QMetaType::fromType<QString>()),
                           validUntil != 0 ? QVariant(validUntil) : QVariant(QMetaType::fromType<qint64>()), now, keyId,
                           currentHash }))
            return m_core.sqlError(q, Tr::tr("Rotating the API key"));
        if (q.numRowsAffected() != 1)
            return ServiceError::conflict(
                Tr::tr("The API key %1 was changed at the same time; reload it and try again").arg(loaded->name));

        CreatedApiKey rotated;
        rotated.secret = secret;
        rotated.key = *loaded;
        rotated.key.prefix = prefix;
        rotated.key.rotatedAt = timeFrom(now);
        rotated.key.previousValidUntil = validUntil != 0 ? timeFrom(validUntil) : QDateTime();
        rotated.key.previousLastUsedAt = QDateTime();
        QJsonObject details { { QStringLiteral("name"), loaded->name },
                              { QStringLiteral("prefix"), prefix },
                              { QStringLiteral("previous_prefix"), oldPrefix },
                              { QStringLiteral("user_id"), loaded->userId },
                              { QStringLiteral("grace_seconds"), graceSeconds },
                              { QStringLiteral("previous_valid_until"), timeJson(rotated.key.previousValidUntil) } };
        if (droppedPrevious)
            details.insert(QStringLiteral("dropped_earlier_secret"), true);
        if (auto audited = op.succeed(details); !audited)
            return audited.error();
        return rotated;
    });
}

Result<Actor> ApiKeyManager::verify(const QString& key, const QString& ip, const QString& requiredScope)
{
    if (!crypto::looksLikeApiKey(key))
        return ServiceError::unauthenticated(Tr::tr("Malformed API key"));

    Actor keyActor; // who the refusals below are audited as
    keyActor.kind = Actor::Kind::ApiKey;
    keyActor.ip = ip;
    QStringList scopes;
    QStringList allowlist;
    qint64 expiresAt = 0;
    bool revoked = false;
    qint64 lastUsed = 0;
    bool previousSecret = false; // the secret before the last rotation was presented
    qint64 previousValidUntil = 0;
    policy::AccountState state;
    {
        const QString hash = QString::fromLatin1(crypto::sha256Hex(key.toUtf8()));
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q,
                         QStringLiteral("SELECT k.id, k.user_id, k.organization_id, k.scopes, k.expires_at, "
                                        "k.ip_allowlist, k.last_used_at, k.revoked_at, u.email, "
                                        "k.key_hash, k.previous_valid_until, k.previous_used_at, ")
                             + accountStateColumns()
                             + QStringLiteral(" FROM api_keys k JOIN users u ON u.id = k.user_id "
                                              "JOIN organizations o ON o.id = k.organization_id "
                                              "WHERE k.key_hash = ? OR k.previous_key_hash = ?"),
                         { hash, hash }))
            return m_core.sqlError(q, Tr::tr("Checking the API key"));
        if (!q.next())
            return ServiceError::unauthenticated(Tr::tr("Unknown API key"));
        keyActor.apiKeyId = q.value(0).toLongLong();
        keyActor.userId = q.value(1).toLongLong();
        keyActor.organizationId = q.value(2).toLongLong();
        scopes = fromJsonArray(q.value(3).toString());
        expiresAt = q.value(4).isNull() ? 0 : q.value(4).toLongLong();
        allowlist = fromJsonArray(q.value(5).toString());
        revoked = !q.value(7).isNull();
        keyActor.email = q.value(8).toString();
        previousSecret = q.value(9).toString() != hash;
        previousValidUntil = q.value(10).isNull() ? 0 : q.value(10).toLongLong();
        const int lastUsedColumn = previousSecret ? 11 : 6;
        lastUsed = q.value(lastUsedColumn).isNull() ? 0 : q.value(lastUsedColumn).toLongLong();
        state = accountStateFromQuery(q, 12);
        state.credentialRevoked = revoked;
        state.credentialExpiresAt = expiresAt != 0 ? timeFrom(expiresAt) : QDateTime();
    }

    // Use of a known key that is refused is a security event: audit it (unknown keys are not, they
    // name nobody and would let anyone fill the log). A refusal of the previous secret says so.
    const Audited op(m_core, keyActor, actions::ApiKeyUsed, QStringLiteral("api_key"),
                     QString::number(keyActor.apiKeyId), keyActor.organizationId);
    auto refuse = [&](const ServiceError& error) -> ServiceError {
        op.deny(previousSecret ? Tr::tr("%1 (the secret before the last rotation)").arg(error.message) : error.message);
        return error;
    };

    const qint64 now = m_core.now();
    if (const auto eligibility = policy::signInEligibility(state, policy::Credential::ApiKey, timeFrom(now));
        !eligibility)
        return refuse(ServiceError::unauthenticated(eligibility.reason));
    // The previous secret works only within the grace period of the last rotation.
    if (previousSecret && (previousValidUntil == 0 || previousValidUntil <= now))
        return refuse(ServiceError::unauthenticated(
            Tr::tr("This API key was rotated and its grace period has ended; use the new secret")));
    if (!addressAllowed(ip, allowlist))
        return refuse(ServiceError::forbidden(
            Tr::tr("API key not allowed from %1").arg(ip.isEmpty() ? Tr::tr("an unknown address") : ip)));

    auto owner = m_core.actorForUser(keyActor.userId);
    if (!owner)
        return owner.error();
    keyActor.level = owner->level;
    keyActor.roleCodes = owner->roleCodes;
    keyActor.permissions = policy::limitToScopes(owner->permissions, scopes);

    if (!requiredScope.isEmpty()) {
        if (auto covered = policy::keyCoversScope(scopes, keyActor.permissions, requiredScope); !covered)
            return refuse(ServiceError::forbidden(covered.reason));
    }

    if (lastUsed == 0 || now - lastUsed >= LastUsedResolutionMs) {
        auto touched = m_core.inTransaction<bool>([&]() -> Result<bool> {
            QSqlQuery q(m_core.db());
            // The previous secret is recorded apart, so that a rotation shows who still uses it.
            const bool ok = previousSecret
                ? m_core.exec(q,
                              QStringLiteral("UPDATE api_keys SET last_used_at = ?, previous_used_at = ? WHERE id = ?"),
                              { now, now, keyActor.apiKeyId })
                : m_core.exec(q, QStringLiteral("UPDATE api_keys SET last_used_at = ? WHERE id = ?"),
                              { now, keyActor.apiKeyId });
            if (!ok)
                return m_core.sqlError(q, Tr::tr("Recording the use of the API key"));
            return true;
        });
        // A missed refresh only makes "last used" a minute older; it is no reason to refuse the request.
        if (!touched)
            qCWarning(lcSql) << "could not refresh last_used_at of API key" << keyActor.apiKeyId << ":"
                             << touched.error().message;
    }
    return keyActor;
}

} // namespace portcullis
