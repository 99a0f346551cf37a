#pragma once

// The byte formats of the audit log that face clients: the opaque page cursor and the lines of an
// export (CSV, JSON Lines). Plain functions over values, so the fuzz targets (fuzz/) and the unit
// tests reach them without a database. Thread-safe.

#include "domain/result.h"
#include "domain/types.h"

#include <QByteArray>
#include <QString>

namespace portcullis::auditformat {

// "a:<id>" in unpadded base64url.
QString encodeCursor(Id id);
// Only what encodeCursor() produced decodes: a cursor with stray characters, padding, a sign, spaces
// or leading zeros is a validation error on the field "cursor", so every accepted cursor re-encodes
// to itself.
Result<Id> decodeCursor(const QString& cursor);

// One exported event as the database holds it.
struct ExportRow
{
    Id id = 0;
    QString time; // ISO 8601 with milliseconds
    QString actorType;
    QString actorId; // as stored: empty when NULL (CSV), 0 in JSON
    QString actorLabel;
    QString organizationId; // likewise
    QString action;
    QString resourceType;
    QString resourceId;
    QString resourceLabel; // the target's name now (AuditEvent::resourceLabel), not part of the chain
    QString outcome;
    QString ip;
    QString details; // the stored JSON text (a JSON object; anything else exports as {})
    QString hash;
};

// One CSV record (columns as in docs/api.md, every field through csv::field) ending in '\n'.
QByteArray csvLine(const ExportRow& row);
// One JSON Lines record: a compact JSON object ending in '\n'.
QByteArray jsonLine(const ExportRow& row);

} // namespace portcullis::auditformat
