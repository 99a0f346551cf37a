#pragma once

// The audit hash chain: every event stores the hash of the previous event and
// sha256(prev_hash "\n" canonical(event)). The canonical form is the stored column values joined
// by U+001F in a fixed order, with the details column exactly as stored (no re-serialisation), so
// `verify-audit` can recompute it from the rows alone.

#include "domain/types.h"

namespace portcullis::auditchain {

inline const QByteArray kGenesisHash(64, '0');

struct Row
{
    Id id = 0;
    qint64 occurredAtMs = 0;
    QString actorType;
    Id actorId = 0;
    QString actorLabel;
    Id organizationId = 0;
    QString action;
    QString resourceType;
    QString resourceId;
    QString details; // JSON text as stored
    QString ip;
    QString outcome;
};

QByteArray canonical(const Row& row);
QByteArray hash(const QByteArray& prevHashHex, const Row& row); // lower-case hex

} // namespace portcullis::auditchain
