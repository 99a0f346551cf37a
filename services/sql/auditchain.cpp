#include "auditchain.h"

#include "security/crypto.h"

namespace portcullis::auditchain {

QByteArray canonical(const Row& row)
{
    constexpr char sep = '\x1f';
    QByteArray out;
    out.reserve(256 + row.details.size());
    out += QByteArray::number(row.id);
    out += sep;
    out += QByteArray::number(row.occurredAtMs);
    out += sep;
    out += row.actorType.toUtf8();
    out += sep;
    out += QByteArray::number(row.actorId);
    out += sep;
    out += row.actorLabel.toUtf8();
    out += sep;
    out += QByteArray::number(row.organizationId);
    out += sep;
    out += row.action.toUtf8();
    out += sep;
    out += row.resourceType.toUtf8();
    out += sep;
    out += row.resourceId.toUtf8();
    out += sep;
    out += row.details.toUtf8();
    out += sep;
    out += row.ip.toUtf8();
    out += sep;
    out += row.outcome.toUtf8();
    return out;
}

namespace {

QByteArray linkInput(const QByteArray& prevHashHex, const Row& row)
{
    QByteArray data = prevHashHex;
    data += '\n';
    data += canonical(row);
    return data;
}

} // namespace

QByteArray hash(const QByteArray& prevHashHex, const Row& row)
{
    return crypto::sha256Hex(linkInput(prevHashHex, row));
}

QByteArray keyedHash(const QByteArray& key, const QByteArray& prevHashHex, const Row& row)
{
    // A domain prefix keeps a link MAC from ever equalling a purge or checkpoint MAC.
    return crypto::hmacSha256(key, "portcullis-audit-event\n" + linkInput(prevHashHex, row)).toHex();
}

QByteArray purgeMac(const QByteArray& key, Id purgedBeforeId, const QByteArray& anchorHash, qint64 purgedAtMs,
                    Id purgedBy)
{
    QByteArray data("portcullis-audit-purge\n");
    data += QByteArray::number(purgedBeforeId) + '\n' + anchorHash + '\n' + QByteArray::number(purgedAtMs) + '\n'
        + QByteArray::number(purgedBy);
    return crypto::hmacSha256(key, data).toHex();
}

QByteArray keyId(const QByteArray& key)
{
    return crypto::hmacSha256(key, "portcullis-audit-key-id").toHex().left(16);
}

QByteArray checkpointMac(const QByteArray& key, const Checkpoint& checkpoint)
{
    QByteArray data("portcullis-audit-checkpoint\n");
    data += QByteArray::number(checkpoint.counter) + '\n' + QByteArray::number(checkpoint.lastId) + '\n'
        + checkpoint.lastHash + '\n' + QByteArray::number(checkpoint.writtenAtMs) + '\n' + checkpoint.keyId + '\n'
        + QByteArray::number(checkpoint.firstKeyedId);
    return crypto::hmacSha256(key, data).toHex();
}

} // namespace portcullis::auditchain
