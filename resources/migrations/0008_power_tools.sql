-- Portcullis schema, version 8: the admin's power tools (issue 13). Same conventions as 0001:
-- "--@@" separates statements, "--@@ sqlite" / "--@@ postgres" start a statement for one dialect.
-- One section per tool; each section is owned by the code that reads it.

-- == API key rotation ==
-- A rotated key keeps its id, name, owner and scopes; the new secret goes into key_hash/prefix and
-- the old one moves here, accepted until previous_valid_until (NULL = not accepted at all). One
-- previous secret at most: rotating again replaces it (the older one is refused from then on).
-- previous_used_at: the last time the previous secret was used (like last_used_at, per minute).
--@@
ALTER TABLE api_keys ADD COLUMN previous_key_hash TEXT
--@@
ALTER TABLE api_keys ADD COLUMN previous_valid_until BIGINT
--@@
ALTER TABLE api_keys ADD COLUMN rotated_at BIGINT
--@@
ALTER TABLE api_keys ADD COLUMN previous_used_at BIGINT
--@@
CREATE UNIQUE INDEX api_keys_previous_hash ON api_keys (previous_key_hash)

-- == Deployment settings ==
-- One row per setting a super admin changed; a missing row means the compiled-in default. Values
-- are text (integers and booleans written as such); the code validates them.
--@@
CREATE TABLE deployment_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by BIGINT
)

-- == Maintenance ==
-- One row per run (scheduled by serve, or from the console's Tools > Run maintenance).
--@@
CREATE TABLE maintenance_runs (
    id {{ID}},
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    source TEXT NOT NULL, -- "schedule" (serve) or "console"
    actor_id BIGINT,
    sessions_removed BIGINT NOT NULL DEFAULT 0,
    tokens_removed BIGINT NOT NULL DEFAULT 0,
    invitations_removed BIGINT NOT NULL DEFAULT 0,
    audit_events_removed BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT ''
)
--@@
CREATE INDEX maintenance_runs_started ON maintenance_runs (started_at)

-- == Custom permission codes per organization ==
-- Codes an organization defines under its own prefix ("acme:report:view"); the built-in catalog
-- (permissions) stays as seeded and may not be shadowed. The rules (grammar, prefix, at most 500 per
-- organization, who may) are policy::canDefineCustomCode and PermissionManager::define. Roles
-- (role_permissions) and API keys (api_keys.scopes) name a code by its text: a code still named
-- there is not deleted. Deleting the organization deletes its codes (ON DELETE CASCADE).
--@@
CREATE TABLE organization_permissions (
    code TEXT PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    description TEXT NOT NULL DEFAULT '',
    created_by BIGINT,
    created_at BIGINT NOT NULL
)
--@@
CREATE INDEX organization_permissions_organization ON organization_permissions (organization_id, code)
