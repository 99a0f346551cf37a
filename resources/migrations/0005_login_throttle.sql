-- Portcullis schema, version 5: sign-in throttling per client address, shared by every server of
-- a deployment. One row per address ("ip:<address>"): the failed sign-ins of the current window
-- (fixed, 15 minutes from window_start) and until when the address is refused (429). Counted with
-- one upsert so that concurrent failures on several servers each count.
--@@
CREATE TABLE login_throttle (
    source TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures INTEGER NOT NULL,
    blocked_until BIGINT NOT NULL DEFAULT 0
)
--@@
CREATE INDEX login_throttle_window ON login_throttle (window_start)
