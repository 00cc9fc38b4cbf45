-- The cadastre: Etalab parcel files (cadastre.data.gouv.fr) imported into parcels, a record
-- of every import and of what each one changed, and the version counter that vector tiles
-- use as their ETag.

-- One row per import of a parcel file. vintage is the file's date (the --vintage flag, or
-- the latest "updated" date of its parcels); communes are the INSEE codes the file covers:
-- a parcel missing from the file counts as removed only within those communes.
CREATE TABLE cadastre_imports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_name text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    vintage date NOT NULL,
    communes text[] NOT NULL,
    parcels integer NOT NULL CHECK (parcels >= 0),       -- features in the file
    added integer NOT NULL DEFAULT 0,                    -- ids new to the database
    modified integer NOT NULL DEFAULT 0,                 -- contenance or outline changed
    refreshed integer NOT NULL DEFAULT 0,                -- only dates or arpente changed
    unchanged integer NOT NULL DEFAULT 0,
    removed integer NOT NULL DEFAULT 0,                  -- ids gone, whatever their land became
    split integer NOT NULL DEFAULT 0,                    -- among removed: land now under >= 2 new ids
    merged integer NOT NULL DEFAULT 0,                   -- among removed: land now in a new id with others
    renumbered integer NOT NULL DEFAULT 0,               -- among removed: same land, one new id
    reorganised integer NOT NULL DEFAULT 0,              -- among removed: several old to several new
    started_at timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX cadastre_imports_sha256 ON cadastre_imports (sha256);

-- What each import changed, parcel by parcel. related lists, for a removed id, the new ids
-- that cover its land and, for an added id, the old ids it comes from. part_id is the site
-- part the parcel was linked to (for an added id: the link it inherited). The first import
-- of a commune records no "added" rows: everything is new then.
CREATE TABLE cadastre_changes (
    import_id bigint NOT NULL REFERENCES cadastre_imports(id),
    parcel_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN (
        'added', 'modified', 'removed', 'split', 'merged', 'renumbered', 'reorganised')),
    related text[] NOT NULL DEFAULT '{}',
    part_id text REFERENCES site_parts(id),
    contenance_before integer,
    contenance_after integer,
    geometry_changed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (import_id, parcel_id)
);
CREATE INDEX cadastre_changes_part ON cadastre_changes (part_id) WHERE part_id IS NOT NULL;

-- Parcels keep the file's own attributes, and the import that last wrote them (NULL for a
-- parcel entered by hand, which no import removes).
ALTER TABLE parcels
    ADD COLUMN arpente boolean,
    ADD COLUMN cadastre_created date,
    ADD COLUMN cadastre_updated date,
    ADD COLUMN import_id bigint REFERENCES cadastre_imports(id);

-- A counter per tile layer, bumped by any statement that writes its table, whoever runs
-- it: the tile ETag is derived from it without reading the table.
CREATE TABLE layer_versions (
    layer text PRIMARY KEY,
    version bigint NOT NULL,
    changed_at timestamptz NOT NULL
);
INSERT INTO layer_versions (layer, version, changed_at) VALUES ('parcels', 1, now());

CREATE FUNCTION bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE layer_versions SET version = version + 1, changed_at = now()
     WHERE layer = TG_ARGV[0];
    RETURN NULL;
END
$$;
CREATE TRIGGER parcels_layer_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON parcels
    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('parcels');
