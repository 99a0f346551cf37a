#pragma once

// The audit key and the checkpoint file: secrets and records kept OUTSIDE the database, so that a
// database writer who lacks them cannot forge audit events, purges or the chain's head.
//
// The key is 32 random bytes in a file of mode 0600 (like the JWT secret): `<database>.audit-key`
// beside a SQLite file, or the file given with --audit-key (or PORTCULLIS_AUDIT_KEY_FILE, needed
// with PostgreSQL). Every server of a deployment shares it. The checkpoint file sits beside the key
// (`<key file>.checkpoint`) and holds the newest checkpoint of the chain's head, MACed with the key.
// See docs/security.md for the threat model.

#include "auditchain.h"
#include "database.h"
#include "domain/result.h"

#include <optional>

namespace portcullis::auditkey {

// Names the key file of a PostgreSQL deployment when no path is given on the command line (servers,
// consoles in standalone mode).
inline constexpr char kEnvironmentVariable[] = "PORTCULLIS_AUDIT_KEY_FILE";

// The key file to use: `explicitPath`, else "<sqlitePath>.audit-key" for SQLite, else
// $PORTCULLIS_AUDIT_KEY_FILE for PostgreSQL; empty when none applies.
QString resolvePath(const QString& explicitPath, Dialect dialect, const QString& sqlitePath);
QString checkpointPath(const QString& keyPath);

// Reads the key. NotFound when the file does not exist; Validation when it is readable by others,
// too short or unreadable.
Result<QByteArray> load(const QString& path);
// Creates a new random key file (mode 0600, written whole, then linked into place) unless one
// appeared meanwhile; returns the key in the file either way.
Result<QByteArray> create(const QString& path);

// The newest checkpoint in `path`: nothing when there is no file; Validation when its MAC does not
// verify with `key` or it was written with another key.
Result<std::optional<auditchain::Checkpoint>> readCheckpoint(const QString& path, const QByteArray& key);
// Replaces the checkpoint file atomically (QSaveFile), mode 0600.
Status writeCheckpoint(const QString& path, const auditchain::Checkpoint& checkpoint);

} // namespace portcullis::auditkey
