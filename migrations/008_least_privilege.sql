-- Least privilege. The migrations run as the role that owns the schema (emprises_owner in
-- the private cluster); the service, and every command but migrate, connects as
-- emprises_app, which may read and write rows and nothing more: no DDL (PostgreSQL 15 gives
-- PUBLIC no CREATE on the public schema), no TRUNCATE, and neither UPDATE nor DELETE on the
-- append-only tables, audit_log and milestone_plans, whose triggers become a second line.
--
-- The grants go to the role emprises_app. A login role of another name gets them by
-- membership (GRANT emprises_app TO my_login). If the role is missing, a migrating role
-- allowed to create roles makes it as a group role (NOLOGIN), so that an upgrade run by a
-- superuser goes through; otherwise the migration stops and says what to do.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'emprises_app') THEN
        IF (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            CREATE ROLE emprises_app NOLOGIN;
        ELSE
            RAISE EXCEPTION 'role emprises_app does not exist'
                USING HINT = 'create it first (CREATE ROLE emprises_app LOGIN, as a superuser); see "Database roles" in the README';
        END IF;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO emprises_app;

-- Every table of the schema, whichever migration (this one's predecessors, or one merged
-- with a lower number) made it; tables of extensions (PostGIS's spatial_ref_sys) keep the
-- grants their extension gives.
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace
           AND c.relkind IN ('r', 'p', 'v', 'm')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO emprises_app', t);
    END LOOP;
END
$$;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO emprises_app;

-- Append-only: rows are added, never changed or removed.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, milestone_plans FROM emprises_app;
-- tern's record of the applied migrations: the service reads it to check the schema.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_version FROM emprises_app;

-- Tables and sequences later migrations make (as the same owner) follow. A later
-- append-only table must REVOKE UPDATE, DELETE from emprises_app in its own migration.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO emprises_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO emprises_app;
