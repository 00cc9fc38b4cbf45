-- Every write is audited, those made at the command line too (link, rebuild, import
-- cadastre, seed, users, tokens), and changes to accounts and API tokens as well as to sites.
--
-- Who: an account (user_id) through the API, or actor for someone with no account, such as
-- "cli:alice" at the command line. An account's name cannot hold a colon, so an actor is
-- never mistaken for an account.
ALTER TABLE audit_log
    ALTER COLUMN user_id DROP NOT NULL,
    ADD COLUMN actor text CHECK (actor ~ '^[a-z]+:.'),
    ADD CONSTRAINT audit_log_who CHECK ((user_id IS NULL) <> (actor IS NULL));

-- What: a site and what belongs to it (site_id and site_version set, shown in the site's
-- history), or an account or a token (concerning no site).
ALTER TABLE audit_log
    ALTER COLUMN site_id DROP NOT NULL,
    ALTER COLUMN site_version DROP NOT NULL,
    DROP CONSTRAINT audit_log_entity_type_check,
    ADD CONSTRAINT audit_log_entity_type_check CHECK (
        entity_type IN ('site', 'part', 'event', 'milestone') AND site_id IS NOT NULL AND site_version IS NOT NULL
        OR entity_type IN ('account', 'token') AND site_id IS NULL AND site_version IS NULL);
CREATE INDEX audit_log_accounts ON audit_log (entity_type, entity_id) WHERE site_id IS NULL;
