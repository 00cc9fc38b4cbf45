-- Every sign-in attempt removes the attempts older than the throttle's window: an index on
-- their time keeps that to the rows removed instead of a scan of the table.
CREATE INDEX sign_in_attempts_at ON sign_in_attempts (at);

-- Layer versions for the site parts and the events too, so that what is derived from them
-- (collection extents, parcel tiles showing which part a parcel serves) is recomputed only
-- when they change. A statement that writes a site, a part or a status moves 'sites' on.
INSERT INTO layer_versions (layer, version, changed_at) VALUES ('sites', 1, now()), ('events', 1, now());
CREATE TRIGGER sites_layer_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sites
    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('sites');
CREATE TRIGGER site_parts_layer_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON site_parts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('sites');
CREATE TRIGGER part_status_history_layer_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON part_status_history
    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('sites');
CREATE TRIGGER events_layer_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('events');
