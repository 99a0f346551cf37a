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

QByteArray hash(const QByteArray& prevHashHex, const Row& row)
{
    QByteArray data = prevHashHex;
    data += '\n';
    data += canonical(row);
    return crypto::sha256Hex(data);
}

} // namespace portcullis::auditchain
