-- Portcullis schema, version 5: sign-in throttling per client address and bounded audit volume per
-- source, shared by every server of a deployment.
--
-- login_throttle: one row per address ("ip:<address>"): the failed sign-ins of the current window
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
--@@
-- audit_throttle: bounded audit volume per source. Refusals of unauthenticated attempts from one
-- source (a client address "ip:..." or an API key "key:...") are written in full for the first few
-- of a window of one minute per action; the rest are counted here and written as one summary event
-- (details.summary, count, first_at, last_at) once the window is over. The audit table stays
-- append-only: nothing is updated there.
CREATE TABLE audit_throttle (
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    events INTEGER NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0,
    first_suppressed_at BIGINT NOT NULL DEFAULT 0,
    last_suppressed_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (source, action)
)
--@@
CREATE INDEX audit_throttle_pending ON audit_throttle (suppressed, window_start)
