-- Portcullis schema, version 4: the keyed audit chain. Events from now on are linked with
-- HMAC-SHA256 under the audit key kept outside the database (services/sql/auditchain.h); the events
-- already stored keep their unkeyed SHA-256 links and verify-audit reports them as such. A purge
-- record carries a MAC over what it allows (purged_before_id, anchor_hash, purged_at, purged_by):
-- the delete trigger cannot check it, verify-audit does. Purges made before this version have none.
--@@
ALTER TABLE audit_purges ADD COLUMN mac TEXT NOT NULL DEFAULT ''
