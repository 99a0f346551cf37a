#pragma once

// The audit hash chain. Every event stores the hash of the previous event and its own link hash
// over (prev_hash "\n" canonical(event)). The canonical form is the stored column values joined by
// U+001F in a fixed order, with the details column exactly as stored (no re-serialisation), so
// `verify-audit` can recompute it from the rows alone.
//
// Since schema 4 the link is keyed: HMAC-SHA256 with the deployment's audit key, a secret kept
// outside the database (auditkey.h). A database writer without the key cannot compute a link that
// verifies. Events written before the key existed carry the unkeyed SHA-256 link; they can only
// form a prefix of the chain (once a keyed event is seen, every later one must be keyed), and the
// first keyed event's prev_hash pins them.

#include "domain/types.h"

namespace portcullis::auditchain {

inline const QByteArray kGenesisHash(64, '0');
inline constexpr int KeyBytes = 32;

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
// The unkeyed link of events written before the key (lower-case hex).
QByteArray hash(const QByteArray& prevHashHex, const Row& row);
// The keyed link: HMAC-SHA256(key, prev "\n" canonical), lower-case hex.
QByteArray keyedHash(const QByteArray& key, const QByteArray& prevHashHex, const Row& row);

// The MAC of a purge record: what it allows (deleting every event below purgedBeforeId), the hash
// the remaining chain continues from, when and by whom. Lower-case hex.
QByteArray purgeMac(const QByteArray& key, Id purgedBeforeId, const QByteArray& anchorHash, qint64 purgedAtMs,
                    Id purgedBy);

// A short public fingerprint of the key (not secret): names which key wrote a checkpoint.
QByteArray keyId(const QByteArray& key);

// The head of the chain as recorded outside the database.
struct Checkpoint
{
    qint64 counter = 0; // 1, 2, 3, ... per checkpoint file
    Id lastId = 0;
    QByteArray lastHash;
    qint64 writtenAtMs = 0;
    QByteArray keyId;
    Id firstKeyedId = 0; // the first event with a keyed link (0: none yet); earlier ones are unkeyed
    QByteArray mac;
};

QByteArray checkpointMac(const QByteArray& key, const Checkpoint& checkpoint);

} // namespace portcullis::auditchain
