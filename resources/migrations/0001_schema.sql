-- Portcullis schema, version 1. One script for SQLite and PostgreSQL: statements are separated by
-- "--@@" lines; "--@@ sqlite" / "--@@ postgres" start a statement for one dialect only.
-- Times are milliseconds since the epoch, UTC. Booleans are 0/1 integers in both dialects.
-- {{ID}} is an auto-increment primary key; {{KEY}} a 64-bit primary key the application assigns
-- (on SQLite an alias of the rowid, so the audit table carries no second index for it).
--@@
CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at BIGINT NOT NULL
)
--@@
CREATE TABLE organizations (
    id {{ID}},
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL DEFAULT 'free',
    max_users INTEGER NOT NULL DEFAULT 100,
    features TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
)
--@@
CREATE TABLE users (
    id {{ID}},
    email TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL DEFAULT '',
    organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    verified INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    ban_reason TEXT,
    ban_expires_at BIGINT,
    banned_by BIGINT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_login_at BIGINT,
    password_changed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
)
--@@
CREATE INDEX users_organization ON users (organization_id, email)
--@@
CREATE INDEX users_created ON users (created_at)
--@@
CREATE TABLE permissions (
    code TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
)
--@@
CREATE TABLE roles (
    id {{ID}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    level INTEGER NOT NULL,
    built_in INTEGER NOT NULL DEFAULT 0,
    organization_id BIGINT REFERENCES organizations(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
)
--@@
CREATE TABLE role_permissions (
    role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    permission_code TEXT NOT NULL,
    PRIMARY KEY (role_id, permission_code)
)
--@@
CREATE TABLE role_grants (
    role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    grantable_role_code TEXT NOT NULL,
    PRIMARY KEY (role_id, grantable_role_code)
)
--@@
CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    assigned_by BIGINT,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, role_id)
)
--@@
CREATE INDEX user_roles_role ON user_roles (role_id, user_id)
--@@
CREATE TABLE api_keys (
    id {{ID}},
    name TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL DEFAULT '[]',
    expires_at BIGINT,
    rate_limit_per_minute INTEGER NOT NULL DEFAULT 60,
    ip_allowlist TEXT NOT NULL DEFAULT '[]',
    last_used_at BIGINT,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
)
--@@
CREATE INDEX api_keys_user ON api_keys (user_id)
--@@
CREATE INDEX api_keys_organization ON api_keys (organization_id, id)
--@@
CREATE TABLE sessions (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    impersonator_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    impersonation_reason TEXT
)
--@@
CREATE INDEX sessions_user ON sessions (user_id, id)
--@@
CREATE INDEX sessions_organization ON sessions (organization_id, id)
--@@
CREATE INDEX sessions_expiry ON sessions (expires_at)
--@@
CREATE TABLE invitations (
    id {{ID}},
    organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role_code TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_user_id BIGINT,
    revoked_at BIGINT
)
--@@
CREATE INDEX invitations_organization ON invitations (organization_id, id)
--@@
CREATE TABLE one_time_tokens (
    id {{ID}},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
)
--@@
CREATE TABLE audit_events (
    id {{KEY}},
    occurred_at BIGINT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id BIGINT NOT NULL DEFAULT 0,
    actor_label TEXT NOT NULL DEFAULT '',
    organization_id BIGINT NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL DEFAULT '',
    resource_id TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',
    ip TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
)
--@@
CREATE INDEX audit_actor ON audit_events (actor_id, id)
--@@
CREATE INDEX audit_label ON audit_events (actor_label, id)
--@@
CREATE INDEX audit_action ON audit_events (action, id)
--@@
CREATE INDEX audit_resource ON audit_events (resource_type, resource_id, id)
--@@
CREATE INDEX audit_organization ON audit_events (organization_id, id)
--@@
CREATE INDEX audit_ip ON audit_events (ip, id)
--@@
CREATE INDEX audit_outcome ON audit_events (outcome, id)
--@@
CREATE INDEX audit_time ON audit_events (occurred_at)
--@@
CREATE TABLE audit_purges (
    id {{ID}},
    purged_before_id BIGINT NOT NULL,
    anchor_hash TEXT NOT NULL,
    purged_at BIGINT NOT NULL,
    purged_by BIGINT
)
--@@ sqlite
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END
--@@ sqlite
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
WHEN OLD.id >= COALESCE((SELECT MAX(purged_before_id) FROM audit_purges), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END
--@@ sqlite
CREATE TRIGGER audit_purges_no_update BEFORE UPDATE ON audit_purges
BEGIN
    SELECT RAISE(ABORT, 'audit purge records are append-only');
END
--@@ sqlite
CREATE TRIGGER audit_purges_no_delete BEFORE DELETE ON audit_purges
BEGIN
    SELECT RAISE(ABORT, 'audit purge records are append-only');
END
--@@ postgres
CREATE FUNCTION portcullis_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_events' THEN
        IF OLD.id < COALESCE((SELECT MAX(purged_before_id) FROM audit_purges), 0) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit events are append-only';
END
$$
--@@ postgres
CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION portcullis_audit_guard()
--@@ postgres
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION portcullis_audit_guard()
--@@ postgres
CREATE TRIGGER audit_purges_guard BEFORE UPDATE OR DELETE ON audit_purges
FOR EACH ROW EXECUTE FUNCTION portcullis_audit_guard()
