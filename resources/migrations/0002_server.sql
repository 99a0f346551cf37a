-- Portcullis schema, version 2: what `portcullis-server serve` keeps in the database so that several
-- serve processes on one database behave as one deployment (nothing of this lives in process memory).
-- Same conventions as 0001: "--@@" separates statements, "--@@ sqlite" / "--@@ postgres" start a
-- statement for one dialect only, times are milliseconds since the epoch (UTC).
--
-- refresh_tokens: the refresh tokens of REST sign-ins, bound to the server-side session they extend.
-- Only the SHA-256 of a token is stored. A token is used once: rotation marks it used and issues its
-- successor; presenting a used token again is reuse (a stolen token) and ends the session.
--@@
CREATE TABLE refresh_tokens (
    id {{ID}},
    session_id BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
)
--@@
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id, id)
--@@
-- api_key_windows: requests per API key per UTC minute (fixed window), counted with one upsert so
-- that every server sharing the database enforces one limit.
CREATE TABLE api_key_windows (
    api_key_id BIGINT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    window_start BIGINT NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (api_key_id, window_start)
)
--@@
-- Covering indexes for the users page with its total (GET /api/admin/users): the count of live
-- users, overall or in one organization, reads only the index, and the default order (email)
-- walks it without a sort.
CREATE INDEX users_live ON users (deleted, email)
--@@
CREATE INDEX users_organization_live ON users (organization_id, deleted, email)
--@@
-- catalog_version: bumped by triggers whenever a role, its permissions or its grants change, so a
-- server may cache role definitions per connection and still see a change made by any process at
-- the very next request (the session check reads the version in the same query).
CREATE TABLE catalog_version (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
)
--@@
INSERT INTO catalog_version (id, version) VALUES (1, 1)
--@@ sqlite
CREATE TRIGGER roles_catalog_insert AFTER INSERT ON roles
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER roles_catalog_update AFTER UPDATE ON roles
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER roles_catalog_delete AFTER DELETE ON roles
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER role_permissions_catalog_insert AFTER INSERT ON role_permissions
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER role_permissions_catalog_update AFTER UPDATE ON role_permissions
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER role_permissions_catalog_delete AFTER DELETE ON role_permissions
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER role_grants_catalog_insert AFTER INSERT ON role_grants
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER role_grants_catalog_update AFTER UPDATE ON role_grants
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ sqlite
CREATE TRIGGER role_grants_catalog_delete AFTER DELETE ON role_grants
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
--@@ postgres
CREATE FUNCTION portcullis_bump_catalog() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$
--@@ postgres
CREATE TRIGGER roles_catalog AFTER INSERT OR UPDATE OR DELETE ON roles
FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_catalog()
--@@ postgres
CREATE TRIGGER role_permissions_catalog AFTER INSERT OR UPDATE OR DELETE ON role_permissions
FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_catalog()
--@@ postgres
CREATE TRIGGER role_grants_catalog AFTER INSERT OR UPDATE OR DELETE ON role_grants
FOR EACH STATEMENT EXECUTE FUNCTION portcullis_bump_catalog()
