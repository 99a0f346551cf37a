-- Portcullis schema, version 6: searches, filters and dashboard numbers that do not scan.
-- Same conventions as 0001: "--@@" separates statements, "--@@ sqlite" / "--@@ postgres" start a
-- statement for one dialect only.
--
-- users_search (SQLite): an FTS5 trigram index over email, username and full name. It is an
-- external-content table (it stores only the index; the text stays in users) kept current by
-- triggers, so that every way a user row changes - the store's writes, seed-demo's bulk inserts,
-- an organization's wipe-out cascading to its users - updates it in the same transaction. The
-- users search takes its candidates from here and re-checks them with the LIKE it always used, so
-- its results are exactly those of the plain scan (UserManager::list).
--@@ sqlite
CREATE VIRTUAL TABLE users_search USING fts5(email, username, full_name, tokenize = 'trigram',
    content = 'users', content_rowid = 'id')
--@@ sqlite
INSERT INTO users_search (users_search) VALUES ('rebuild')
--@@ sqlite
CREATE TRIGGER users_search_insert AFTER INSERT ON users
BEGIN
    INSERT INTO users_search (rowid, email, username, full_name) VALUES (NEW.id, NEW.email, NEW.username, NEW.full_name);
END
--@@ sqlite
CREATE TRIGGER users_search_delete AFTER DELETE ON users
BEGIN
    INSERT INTO users_search (users_search, rowid, email, username, full_name)
    VALUES ('delete', OLD.id, OLD.email, OLD.username, OLD.full_name);
END
--@@ sqlite
CREATE TRIGGER users_search_update AFTER UPDATE OF email, username, full_name ON users
BEGIN
    INSERT INTO users_search (users_search, rowid, email, username, full_name)
    VALUES ('delete', OLD.id, OLD.email, OLD.username, OLD.full_name);
    INSERT INTO users_search (rowid, email, username, full_name) VALUES (NEW.id, NEW.email, NEW.username, NEW.full_name);
END
--@@ postgres
-- pg_trgm is a trusted extension (PostgreSQL 13 and later): the database owner who runs the
-- migrations may create it. When it cannot be created (the contrib files are missing, or the role
-- may not create objects in the database) the migration fails and says so (database.cpp).
CREATE EXTENSION IF NOT EXISTS pg_trgm
--@@ postgres
-- GIN trigram indexes serve the users search's ILIKE '%term%' as it is written.
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops)
--@@ postgres
CREATE INDEX users_username_trgm ON users USING gin (username gin_trgm_ops)
--@@ postgres
CREATE INDEX users_full_name_trgm ON users USING gin (full_name gin_trgm_ops)
--@@
-- Partial indexes over the few users in each state other than active: the status filters walk
-- them in the page's default order (email) within a tenant, and the dashboard counts them without
-- reading the table (ban_reason, ban_expires_at and active are in the index for that). Deleted
-- users need none: users_live and users_organization_live (0002) lead with `deleted`.
CREATE INDEX users_banned ON users (organization_id, email, ban_reason, ban_expires_at, active)
    WHERE deleted = 0 AND ban_reason IS NOT NULL
--@@
CREATE INDEX users_suspended ON users (organization_id, email) WHERE deleted = 0 AND active = 0
--@@
CREATE INDEX users_locked ON users (locked_until, organization_id) WHERE deleted = 0 AND locked_until IS NOT NULL
--@@
-- Sessions not revoked, in the order the sessions list sorts by (newest first), with their expiry:
-- the list and its total read only these; by expiry, for the dashboard's count of open sessions.
CREATE INDEX sessions_live ON sessions (organization_id, id, expires_at) WHERE revoked_at IS NULL
--@@
CREATE INDEX sessions_live_all ON sessions (id, expires_at) WHERE revoked_at IS NULL
--@@
CREATE INDEX sessions_open ON sessions (expires_at, organization_id) WHERE revoked_at IS NULL
--@@
CREATE INDEX sessions_open_organization ON sessions (organization_id, expires_at) WHERE revoked_at IS NULL
--@@
CREATE INDEX api_keys_live ON api_keys (organization_id, expires_at) WHERE revoked_at IS NULL
--@@
-- One tenant's events of a time range (the dashboard's last 24 hours, the audit log's date filter).
CREATE INDEX audit_organization_time ON audit_events (organization_id, occurred_at)
