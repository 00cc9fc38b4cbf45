-- The convention's governance: its committees and their meetings, the commitments it
-- makes, their dated and sourced follow-up, agendas and records of decisions.

-- Committees: COPIL, COTECH and thematic working groups. A committee may have several
-- cadences, one per clause that sets one (II.A.1 and III disagree), none for "as needed".
CREATE TABLE committees (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    kind text NOT NULL CHECK (kind IN ('copil', 'cotech', 'working_group')),
    name text NOT NULL CHECK (btrim(name) <> ''),
    sources text[] NOT NULL DEFAULT '{}'
);
CREATE TABLE committee_cadences (
    committee_id text NOT NULL REFERENCES committees(id),
    months integer NOT NULL CHECK (months BETWEEN 1 AND 60),
    clause text NOT NULL,
    PRIMARY KEY (committee_id, clause)
);

-- Meetings, held or planned. A meeting cannot be held after the day it is recorded; the
-- service checks that against the planners' day in Paris, the database against its own.
CREATE TABLE meetings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    committee_id text NOT NULL REFERENCES committees(id),
    day date NOT NULL CHECK (day BETWEEN '1800-01-01' AND '2200-12-31'),
    place text NOT NULL DEFAULT '',
    state text NOT NULL CHECK (state IN ('planned', 'held', 'cancelled')),
    minutes text NOT NULL DEFAULT '',
    sources text[] NOT NULL DEFAULT '{}',
    version bigint NOT NULL DEFAULT 1,
    UNIQUE (committee_id, day),
    CONSTRAINT meeting_held_not_future CHECK (state <> 'held' OR day <= current_date + 1)
);
CREATE TABLE meeting_attendees (
    meeting_id bigint NOT NULL REFERENCES meetings(id),
    position integer NOT NULL,
    organisation text NOT NULL CHECK (btrim(organisation) <> ''),
    role text NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, position)
);

-- Commitments. Parties are codes the domain knows; status and progress as first
-- recorded, follow-ups change them from their date on.
CREATE TABLE commitments (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 80),
    clause text NOT NULL CHECK (clause ~ '^(I|II|III|IV)(\.[A-C])?(\.[1-9])?(\.(i|ii|iii|iv|v))?$'),
    axis text NOT NULL CHECK (axis IN ('A', 'B', 'C', 'III')),
    title text NOT NULL CHECK (btrim(title) <> ''),
    quote text NOT NULL DEFAULT '',
    parties text[] NOT NULL CHECK (cardinality(parties) > 0 AND parties <@ ARRAY[
        'paris', 'ivry', 'cpcu', 'syctom', 'apur', 'idfm', 'haropa', 'vnf', 'val-de-marne',
        'sadev-94', 'eau-de-paris', 'la-grande-10', 'vitry', 'metropole-grand-paris']),
    due_start date,
    due_precision date_precision,
    firmness text NOT NULL CHECK (firmness IN ('commits', 'shall', 'will', 'aims', 'may')),
    status text NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done', 'abandoned', 'superseded', 'unknown')),
    progress integer CHECK (progress BETWEEN 0 AND 100),
    sources text[] NOT NULL CHECK (cardinality(sources) > 0),
    decided_at bigint REFERENCES meetings(id),
    version bigint NOT NULL DEFAULT 1,
    CHECK ((due_start IS NULL) = (due_precision IS NULL)),
    CHECK (due_start IS NULL OR period_aligned(due_start, due_precision))
);

-- The sites and parts a commitment concerns: they exist, and a deleted site is refused
-- (a site deleted later keeps its links, as it keeps its history).
CREATE TABLE commitment_sites (
    commitment_id text NOT NULL REFERENCES commitments(id),
    site_id text NOT NULL REFERENCES sites(id),
    PRIMARY KEY (commitment_id, site_id)
);
CREATE TABLE commitment_parts (
    commitment_id text NOT NULL REFERENCES commitments(id),
    part_id text NOT NULL REFERENCES site_parts(id),
    PRIMARY KEY (commitment_id, part_id)
);
CREATE FUNCTION check_live_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM sites WHERE id = NEW.site_id AND deleted_at IS NOT NULL) THEN
        RAISE EXCEPTION 'site % is deleted', NEW.site_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'site_ids_live';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER commitment_sites_live BEFORE INSERT OR UPDATE ON commitment_sites
    FOR EACH ROW EXECUTE FUNCTION check_live_site();

-- Follow-up notes: each with a date (to a precision) and a source, append-only.
CREATE TABLE commitment_followups (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    commitment_id text NOT NULL REFERENCES commitments(id),
    date_start date NOT NULL,
    date_precision date_precision NOT NULL,
    note text NOT NULL DEFAULT '',
    source text NOT NULL CHECK (btrim(source) <> ''),
    status text CHECK (status IN ('not_started', 'in_progress', 'done', 'abandoned', 'superseded', 'unknown')),
    progress integer CHECK (progress BETWEEN 0 AND 100),
    meeting_id bigint REFERENCES meetings(id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (period_aligned(date_start, date_precision))
);
CREATE INDEX commitment_followups_commitment ON commitment_followups (commitment_id, id);
CREATE TRIGGER commitment_followups_append_only BEFORE UPDATE OR DELETE ON commitment_followups
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- Agenda items, each linked to the commitments, sites and calendar milestones it is about.
CREATE TABLE agenda_items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id bigint NOT NULL REFERENCES meetings(id),
    position integer NOT NULL,
    title text NOT NULL CHECK (btrim(title) <> ''),
    notes text NOT NULL DEFAULT '',
    UNIQUE (meeting_id, position)
);
CREATE TABLE agenda_commitments (
    item_id bigint NOT NULL REFERENCES agenda_items(id),
    commitment_id text NOT NULL REFERENCES commitments(id),
    PRIMARY KEY (item_id, commitment_id)
);
CREATE TABLE agenda_sites (
    item_id bigint NOT NULL REFERENCES agenda_items(id),
    site_id text NOT NULL REFERENCES sites(id),
    PRIMARY KEY (item_id, site_id)
);
CREATE TRIGGER agenda_sites_live BEFORE INSERT OR UPDATE ON agenda_sites
    FOR EACH ROW EXECUTE FUNCTION check_live_site();
CREATE TABLE agenda_milestones (
    item_id bigint NOT NULL REFERENCES agenda_items(id),
    milestone_id bigint NOT NULL REFERENCES milestones(id),
    PRIMARY KEY (item_id, milestone_id)
);

-- The record of decisions. A decision that moves a planned date names the milestone, the
-- new date and the reason, and points at the plan it added to milestone_plans.
CREATE TABLE decisions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting_id bigint NOT NULL REFERENCES meetings(id),
    text text NOT NULL CHECK (btrim(text) <> ''),
    commitment_id text REFERENCES commitments(id),
    milestone_id bigint REFERENCES milestones(id),
    plan_id bigint REFERENCES milestone_plans(id),
    new_start date,
    new_precision date_precision,
    reason text NOT NULL DEFAULT '',
    owner text NOT NULL DEFAULT '',
    due_start date,
    due_precision date_precision,
    CHECK ((milestone_id IS NULL) = (new_start IS NULL) AND (new_start IS NULL) = (new_precision IS NULL)
           AND (new_start IS NULL) = (plan_id IS NULL)),
    CONSTRAINT decision_move_reason CHECK (new_start IS NULL OR btrim(reason) <> ''),
    CHECK ((due_start IS NULL) = (due_precision IS NULL))
);
CREATE INDEX decisions_meeting ON decisions (meeting_id, id);

-- Changes to commitments, committees and meetings concern no site: their audit records
-- carry none, like accounts and tokens.
ALTER TABLE audit_log
    DROP CONSTRAINT audit_log_entity_type_check,
    ADD CONSTRAINT audit_log_entity_type_check CHECK (
        entity_type IN ('site', 'part', 'event', 'milestone') AND site_id IS NOT NULL AND site_version IS NOT NULL
        OR entity_type IN ('account', 'token', 'commitment', 'committee', 'meeting') AND site_id IS NULL AND site_version IS NULL);

-- Follow-ups are append-only: the service's role may not change or remove them either
-- (the trigger above refuses it to everyone; this keeps it out of reach of the role too).
REVOKE UPDATE, DELETE, TRUNCATE ON commitment_followups FROM emprises_app;
