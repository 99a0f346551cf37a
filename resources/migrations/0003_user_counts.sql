-- Portcullis schema, version 3: a maintained count of each organization's users (not deleted), so a
-- users page's `total` without filters is one row read instead of a COUNT(*) over the users table.
--@@
ALTER TABLE organizations ADD COLUMN user_count BIGINT NOT NULL DEFAULT 0
--@@
UPDATE organizations SET user_count = (SELECT COUNT(*) FROM users u WHERE u.organization_id = organizations.id AND u.deleted = 0)
--@@ sqlite
CREATE TRIGGER users_count_insert AFTER INSERT ON users WHEN NEW.deleted = 0
BEGIN
    UPDATE organizations SET user_count = user_count + 1 WHERE id = NEW.organization_id;
END
--@@ sqlite
CREATE TRIGGER users_count_delete AFTER DELETE ON users WHEN OLD.deleted = 0
BEGIN
    UPDATE organizations SET user_count = user_count - 1 WHERE id = OLD.organization_id;
END
--@@ sqlite
CREATE TRIGGER users_count_update AFTER UPDATE OF deleted, organization_id ON users
BEGIN
    UPDATE organizations SET user_count = user_count - 1 WHERE id = OLD.organization_id AND OLD.deleted = 0;
    UPDATE organizations SET user_count = user_count + 1 WHERE id = NEW.organization_id AND NEW.deleted = 0;
END
--@@ postgres
CREATE FUNCTION portcullis_user_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.deleted = 0 THEN
        UPDATE organizations SET user_count = user_count - 1 WHERE id = OLD.organization_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.deleted = 0 THEN
        UPDATE organizations SET user_count = user_count + 1 WHERE id = NEW.organization_id;
    END IF;
    RETURN NULL;
END
$$
--@@ postgres
CREATE TRIGGER users_count AFTER INSERT OR DELETE OR UPDATE OF deleted, organization_id ON users
FOR EACH ROW EXECUTE FUNCTION portcullis_user_count()
