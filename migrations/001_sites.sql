-- The core model: sites, their parts (each with its own geometry and status), cadastral
-- parcels, dated timeline events, the disposal calendar with the history of every planned
-- date, and the status history of every part. Geometries are stored in Lambert-93
-- (EPSG:2154), the legal projection, so areas computed by PostGIS are true square metres.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A date known only to some precision ("début 2019", "d'ici fin 2021") is stored as the
-- first day of its period plus the precision; period_end gives the exclusive end.
CREATE DOMAIN date_precision AS text
    CHECK (VALUE IN ('day', 'month', 'quarter', 'year'));

CREATE FUNCTION period_end(start date, prec date_precision) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (start + CASE prec
        WHEN 'day' THEN interval '1 day'
        WHEN 'month' THEN interval '1 month'
        WHEN 'quarter' THEN interval '3 months'
        WHEN 'year' THEN interval '1 year'
    END)::date
$$;

-- period_aligned is true when start is the first day of a period of that precision, so
-- that "2019-Q1" can only be stored as 2019-01-01.
CREATE FUNCTION period_aligned(start date, prec date_precision) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE prec
        WHEN 'day' THEN true
        WHEN 'month' THEN extract(day FROM start) = 1
        WHEN 'quarter' THEN extract(day FROM start) = 1 AND extract(month FROM start) IN (1, 4, 7, 10)
        WHEN 'year' THEN extract(day FROM start) = 1 AND extract(month FROM start) = 1
    END
$$;

-- date_text renders a date with its precision in the text form the API speaks:
-- "2021", "2019-Q1", "2015-09", "2017-01-19".
CREATE FUNCTION date_text(start date, prec date_precision) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE prec
        WHEN 'day' THEN to_char(start, 'YYYY-MM-DD')
        WHEN 'month' THEN to_char(start, 'YYYY-MM')
        WHEN 'quarter' THEN to_char(start, 'YYYY-"Q"Q')
        WHEN 'year' THEN to_char(start, 'YYYY')
    END
$$;

CREATE DOMAIN part_status AS text CHECK (VALUE IN (
    'in_use', 'under_study', 'release_planned', 'released', 'disposal_in_progress', 'ceded'));

CREATE DOMAIN geometry_quality AS text
    CHECK (VALUE IN ('surveyed', 'cadastre', 'approximate', 'unlocated'));

CREATE TABLE sites (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name text NOT NULL CHECK (btrim(name) <> ''),
    address text NOT NULL DEFAULT '',
    department text NOT NULL DEFAULT '',   -- the Paris department or body that uses it
    current_use text NOT NULL DEFAULT '',
    occupant text NOT NULL DEFAULT '',
    owner text NOT NULL DEFAULT '',
    modality text NOT NULL DEFAULT 'undecided' CHECK (modality IN (
        'undecided', 'sale_to_developer', 'sale_after_call_for_projects', 'long_lease',
        'relocation_then_disposal', 'transfer', 'made_available', 'kept_by_paris')),
    modality_done boolean NOT NULL DEFAULT false, -- false: envisaged; true: carried out
    counterparty text NOT NULL DEFAULT '',
    notes text NOT NULL DEFAULT '',
    sources text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE site_parts (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    site_id text NOT NULL REFERENCES sites(id),
    label text NOT NULL CHECK (btrim(label) <> ''),
    geom geometry(MultiPolygon, 2154),
    area_m2 double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    declared_area_m2 double precision CHECK (declared_area_m2 > 0), -- as stated by a document
    geometry_quality geometry_quality NOT NULL,
    geometry_source text NOT NULL DEFAULT '',
    status part_status NOT NULL,
    status_since date NOT NULL,
    status_since_precision date_precision NOT NULL DEFAULT 'day',
    status_reason text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((geom IS NULL) = (geometry_quality = 'unlocated')),
    CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))),
    CHECK (period_aligned(status_since, status_since_precision))
);
CREATE INDEX site_parts_site_id ON site_parts (site_id);
CREATE INDEX site_parts_geom ON site_parts USING gist (geom);

-- Geometries of site parts are checked here, whatever path writes them (seed, API, import):
-- valid, with an area, and within 500 m of Ivry-sur-Seine. The messages reach the user.
CREATE FUNCTION check_part_geometry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ivry geometry;
BEGIN
    IF NEW.geom IS NULL THEN
        RETURN NEW;
    END IF;
    IF NOT ST_IsValid(NEW.geom) THEN
        RAISE EXCEPTION 'geometry is not valid: %', ST_IsValidReason(NEW.geom)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'geometry_valid';
    END IF;
    IF ST_Area(NEW.geom) < 1 THEN
        RAISE EXCEPTION 'geometry has no area (% m²)', round(ST_Area(NEW.geom)::numeric, 2)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'geometry_area';
    END IF;
    SELECT geom INTO ivry FROM boundaries WHERE id = 'commune-94041';
    IF ivry IS NULL THEN
        RAISE EXCEPTION 'the commune outline of Ivry-sur-Seine is not loaded; run emprises seed'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'geometry_in_ivry';
    END IF;
    IF NOT ST_CoveredBy(NEW.geom, ST_Buffer(ivry, 500)) THEN
        RAISE EXCEPTION 'geometry lies outside Ivry-sur-Seine and its 500 m margin (nearest point % m from the commune)',
            round(ST_Distance(NEW.geom, ivry)::numeric)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'geometry_in_ivry';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER site_parts_check_geometry
    BEFORE INSERT OR UPDATE OF geom ON site_parts
    FOR EACH ROW EXECUTE FUNCTION check_part_geometry();

-- Every status a part has had, with its validity period. Maintained by a trigger on
-- site_parts so that no code path can change a status without leaving a trace; periods of
-- one part never overlap, so "the state on date D" has one answer.
CREATE TABLE part_status_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    part_id text NOT NULL REFERENCES site_parts(id),
    status part_status NOT NULL,
    valid daterange NOT NULL CHECK (NOT isempty(valid)),
    since_precision date_precision NOT NULL,
    reason text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    EXCLUDE USING gist (part_id WITH =, valid WITH &&)
);
CREATE INDEX part_status_history_part ON part_status_history (part_id, valid);

CREATE FUNCTION record_part_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status = OLD.status AND NEW.status_since = OLD.status_since THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.status_since <= OLD.status_since AND NEW.status <> OLD.status THEN
            RAISE EXCEPTION 'status of part % cannot change on % (current status since %)',
                NEW.id, NEW.status_since, OLD.status_since
                USING ERRCODE = 'check_violation', CONSTRAINT = 'status_since_increases';
        END IF;
        UPDATE part_status_history
           SET valid = daterange(lower(valid), NEW.status_since)
         WHERE part_id = NEW.id AND upper_inf(valid);
    END IF;
    INSERT INTO part_status_history (part_id, status, valid, since_precision, reason)
    VALUES (NEW.id, NEW.status, daterange(NEW.status_since, NULL), NEW.status_since_precision,
            NEW.status_reason);
    RETURN NEW;
END
$$;
CREATE TRIGGER site_parts_status_history
    AFTER INSERT OR UPDATE OF status, status_since ON site_parts
    FOR EACH ROW EXECUTE FUNCTION record_part_status();

-- Cadastral parcels as referenced by sites. The 14-character id is INSEE code (5), prefix
-- (3), section (2) and number (4), e.g. 94041000AZ0056.
CREATE TABLE parcels (
    id text PRIMARY KEY CHECK (id ~ '^([0-9]{2}|2[AB])[0-9]{3}[0-9]{3}[0-9A-Z]{2}[0-9]{4}$'),
    section text NOT NULL GENERATED ALWAYS AS (ltrim(substr(id, 9, 2), '0')) STORED,
    number integer NOT NULL GENERATED ALWAYS AS (substr(id, 11, 4)::integer) STORED,
    contenance_m2 integer CHECK (contenance_m2 >= 0), -- legal area
    geom geometry(MultiPolygon, 2154),
    part_id text REFERENCES site_parts(id),
    source text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parcels_geom ON parcels USING gist (geom);
CREATE INDEX parcels_part_id ON parcels (part_id);

CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id text NOT NULL REFERENCES sites(id),
    part_id text REFERENCES site_parts(id),
    kind text NOT NULL CHECK (kind IN ('decision', 'study', 'disposal', 'release', 'delivery',
        'deadline', 'committee_review', 'agreement', 'opening', 'note')),
    date_start date NOT NULL,
    date_precision date_precision NOT NULL,
    planned boolean NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    title text NOT NULL CHECK (btrim(title) <> ''),
    description text NOT NULL DEFAULT '',
    source text NOT NULL DEFAULT '',
    area_m2 double precision CHECK (area_m2 > 0),
    amount_eur numeric(14, 2),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (period_aligned(date_start, date_precision))
);
CREATE INDEX events_site ON events (site_id, date_start);

-- An event that happened cannot start after today (Paris time), whatever path writes it:
-- one still to come is planned.
CREATE FUNCTION check_event_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT NEW.planned AND NEW.date_start > (now() AT TIME ZONE 'Europe/Paris')::date THEN
        RAISE EXCEPTION 'an event that happened cannot be dated %: an event to come must have planned true',
            date_text(NEW.date_start, NEW.date_precision)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_actual_not_future';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER events_check_date
    BEFORE INSERT OR UPDATE OF date_start, date_precision, planned ON events
    FOR EACH ROW EXECUTE FUNCTION check_event_date();

-- The disposal calendar: one milestone per site or part and kind. Its planned date lives in
-- milestone_plans, an append-only log, so that every slip stays visible; the actual date is
-- filled in once the milestone happens.
CREATE TABLE milestones (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id text NOT NULL REFERENCES sites(id),
    part_id text REFERENCES site_parts(id),
    kind text NOT NULL CHECK (kind IN ('release', 'disposal', 'deadline')),
    label text NOT NULL DEFAULT '',
    actual_date date,
    actual_precision date_precision,
    CHECK ((actual_date IS NULL) = (actual_precision IS NULL)),
    CHECK (actual_date IS NULL OR period_aligned(actual_date, actual_precision))
);
CREATE UNIQUE INDEX milestones_one_per_kind
    ON milestones (site_id, coalesce(part_id, ''), kind, label);

CREATE TABLE milestone_plans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    milestone_id bigint NOT NULL REFERENCES milestones(id),
    planned_date date NOT NULL,
    planned_precision date_precision NOT NULL,
    decided_on date,  -- when the plan was made (committee, document), if known
    reason text NOT NULL DEFAULT '',
    source text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (period_aligned(planned_date, planned_precision))
);
CREATE INDEX milestone_plans_milestone ON milestone_plans (milestone_id, id);

CREATE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER milestone_plans_append_only BEFORE UPDATE OR DELETE ON milestone_plans
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- The commune outline (and any other reference layer the map draws).
CREATE TABLE boundaries (
    id text PRIMARY KEY,
    name text NOT NULL,
    geom geometry(MultiPolygon, 2154) NOT NULL,
    source text NOT NULL DEFAULT ''
);
