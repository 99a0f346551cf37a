-- Portcullis schema, version 7: the dashboard's 30-day activity chart from counters.
-- Same conventions as 0001: "--@@" separates statements, "--@@ sqlite" / "--@@ postgres" start a
-- statement for one dialect only.
--
-- audit_daily holds, per organization and UTC day (occurred_at / 86400000), what the chart shows:
-- successful sign-ins, failed sign-ins and admin actions (successful state changes by people, not
-- the sign-in bookkeeping). Before, the chart counted the audit events of the last 30 days on every
-- load (3.3 million rows at 10 million events: 2.4 s). Triggers keep the counters in the transaction
-- of every audit append (and of a retention purge), whatever writes the events (the store,
-- seed-demo's bulk inserts); the migration counts the events a database already holds.
--@@
CREATE TABLE audit_daily (
    organization_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    sign_ins BIGINT NOT NULL DEFAULT 0,
    failed_sign_ins BIGINT NOT NULL DEFAULT 0,
    admin_actions BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organization_id, day)
)
--@@
CREATE INDEX audit_daily_day ON audit_daily (day, organization_id)
--@@
INSERT INTO audit_daily (organization_id, day, sign_ins, failed_sign_ins, admin_actions)
SELECT organization_id, occurred_at / 86400000,
       SUM(CASE WHEN action = 'user.login' AND outcome = 'success' THEN 1 ELSE 0 END),
       SUM(CASE WHEN action = 'user.login_failed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN outcome = 'success' AND action NOT IN ('user.login', 'user.login_failed', 'user.logout',
                                                            'user.locked') THEN 1 ELSE 0 END)
FROM audit_events
WHERE (action = 'user.login' AND outcome = 'success') OR action = 'user.login_failed'
   OR (outcome = 'success' AND action NOT IN ('user.login', 'user.login_failed', 'user.logout', 'user.locked'))
GROUP BY organization_id, occurred_at / 86400000
--@@ sqlite
CREATE TRIGGER audit_daily_insert AFTER INSERT ON audit_events
WHEN (NEW.action = 'user.login' AND NEW.outcome = 'success') OR NEW.action = 'user.login_failed'
  OR (NEW.outcome = 'success' AND NEW.action NOT IN ('user.login', 'user.login_failed', 'user.logout', 'user.locked'))
BEGIN
    INSERT INTO audit_daily (organization_id, day, sign_ins, failed_sign_ins, admin_actions)
    VALUES (NEW.organization_id, NEW.occurred_at / 86400000,
            NEW.action = 'user.login' AND NEW.outcome = 'success',
            NEW.action = 'user.login_failed',
            NEW.outcome = 'success' AND NEW.action NOT IN ('user.login', 'user.login_failed', 'user.logout',
                                                           'user.locked'))
    ON CONFLICT (organization_id, day) DO UPDATE SET
        sign_ins = sign_ins + excluded.sign_ins,
        failed_sign_ins = failed_sign_ins + excluded.failed_sign_ins,
        admin_actions = admin_actions + excluded.admin_actions;
END
--@@ sqlite
CREATE TRIGGER audit_daily_delete AFTER DELETE ON audit_events
WHEN (OLD.action = 'user.login' AND OLD.outcome = 'success') OR OLD.action = 'user.login_failed'
  OR (OLD.outcome = 'success' AND OLD.action NOT IN ('user.login', 'user.login_failed', 'user.logout', 'user.locked'))
BEGIN
    UPDATE audit_daily SET
        sign_ins = sign_ins - (OLD.action = 'user.login' AND OLD.outcome = 'success'),
        failed_sign_ins = failed_sign_ins - (OLD.action = 'user.login_failed'),
        admin_actions = admin_actions - (OLD.outcome = 'success' AND OLD.action NOT IN ('user.login',
                                         'user.login_failed', 'user.logout', 'user.locked'))
    WHERE organization_id = OLD.organization_id AND day = OLD.occurred_at / 86400000;
END
--@@ postgres
-- SECURITY DEFINER: the counters are the owner's table; a least-privilege application role
-- (init --app-role) appends audit events without any right on them.
CREATE FUNCTION portcullis_audit_daily() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path FROM CURRENT AS $$
DECLARE
    e audit_events;
    s BIGINT;
    f BIGINT;
    a BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        e := NEW;
    ELSE
        e := OLD;
    END IF;
    s := CASE WHEN e.action = 'user.login' AND e.outcome = 'success' THEN 1 ELSE 0 END;
    f := CASE WHEN e.action = 'user.login_failed' THEN 1 ELSE 0 END;
    a := CASE WHEN e.outcome = 'success' AND e.action NOT IN ('user.login', 'user.login_failed', 'user.logout',
                                                              'user.locked') THEN 1 ELSE 0 END;
    IF s + f + a = 0 THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_daily (organization_id, day, sign_ins, failed_sign_ins, admin_actions)
        VALUES (e.organization_id, e.occurred_at / 86400000, s, f, a)
        ON CONFLICT (organization_id, day) DO UPDATE SET
            sign_ins = audit_daily.sign_ins + EXCLUDED.sign_ins,
            failed_sign_ins = audit_daily.failed_sign_ins + EXCLUDED.failed_sign_ins,
            admin_actions = audit_daily.admin_actions + EXCLUDED.admin_actions;
    ELSE
        UPDATE audit_daily SET sign_ins = sign_ins - s, failed_sign_ins = failed_sign_ins - f,
            admin_actions = admin_actions - a
        WHERE organization_id = e.organization_id AND day = e.occurred_at / 86400000;
    END IF;
    RETURN NULL;
END
$$
--@@ postgres
CREATE TRIGGER audit_daily AFTER INSERT OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION portcullis_audit_daily()
--@@ postgres
-- Whoever may read the audit log may read its daily counts (the application role of init --app-role
-- was granted its rights on the tables that existed then).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
             WHERE table_name = 'audit_events' AND privilege_type = 'SELECT' AND grantee <> current_user
                   AND grantee <> 'PUBLIC' LOOP
        EXECUTE format('GRANT SELECT ON audit_daily TO %I', r.grantee);
    END LOOP;
END
$$
