-- The OGC API's support: exact feature counts of the collections that grow large.
--
-- Every page of items says how many features the request matches (numberMatched). With
-- no filter that is the whole table, and counting 100 000 parcels costs a scan (about
-- 4 ms) on every page, more than a third of what producing a page of 1 000 features
-- costs; GDAL reads a collection 10 features a page by default, which would count the
-- parcels 10 000 times. Statement-level triggers keep the count instead, whatever writes
-- the table (an import, the editing API, psql), in the writing transaction itself.
CREATE TABLE feature_counts (
    collection text PRIMARY KEY,
    features bigint NOT NULL CHECK (features >= 0)
);

CREATE FUNCTION count_features() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE feature_counts SET features = features + (SELECT count(*) FROM new_rows)
         WHERE collection = TG_ARGV[0];
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE feature_counts SET features = features - (SELECT count(*) FROM old_rows)
         WHERE collection = TG_ARGV[0];
    ELSE -- TRUNCATE
        UPDATE feature_counts SET features = 0 WHERE collection = TG_ARGV[0];
    END IF;
    RETURN NULL;
END
$$;

-- Transition tables allow one event per trigger, hence three.
CREATE TRIGGER parcels_count_insert AFTER INSERT ON parcels
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_features('parcels');
CREATE TRIGGER parcels_count_delete AFTER DELETE ON parcels
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_features('parcels');
CREATE TRIGGER parcels_count_truncate AFTER TRUNCATE ON parcels
    FOR EACH STATEMENT EXECUTE FUNCTION count_features('parcels');

INSERT INTO feature_counts (collection, features) SELECT 'parcels', count(*) FROM parcels;
