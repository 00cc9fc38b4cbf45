package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// Governance snapshots, as the audit log keeps them: a commitment with its sites, parts and
// follow-ups; a meeting with its attendees, agenda and decisions; a committee with its
// cadences.
const (
	commitmentSnapshotSQL = `
		SELECT jsonb_build_object(
		    'id', c.id, 'clause', c.clause, 'axis', c.axis, 'title', c.title, 'quote', c.quote,
		    'parties', to_jsonb(c.parties), 'due', date_text(c.due_start, c.due_precision),
		    'firmness', c.firmness, 'status', c.status, 'progress', c.progress,
		    'sources', to_jsonb(c.sources), 'decided_at', c.decided_at,
		    'site_ids', (SELECT coalesce(jsonb_agg(s.site_id ORDER BY s.site_id), '[]')
		                   FROM commitment_sites s WHERE s.commitment_id = c.id),
		    'part_ids', (SELECT coalesce(jsonb_agg(p.part_id ORDER BY p.part_id), '[]')
		                   FROM commitment_parts p WHERE p.commitment_id = c.id),
		    'follow_ups', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		                       'id', f.id, 'date', date_text(f.date_start, f.date_precision), 'note', f.note,
		                       'source', f.source, 'status', f.status, 'progress', f.progress,
		                       'meeting_id', f.meeting_id) ORDER BY f.id), '[]')
		                     FROM commitment_followups f WHERE f.commitment_id = c.id))
		  FROM commitments c WHERE c.id = $1`
	meetingSnapshotSQL = `
		SELECT jsonb_build_object(
		    'id', m.id, 'committee_id', m.committee_id, 'date', m.day, 'place', m.place,
		    'state', m.state, 'minutes', m.minutes, 'sources', to_jsonb(m.sources),
		    'attendees', (SELECT coalesce(jsonb_agg(jsonb_build_object('organisation', a.organisation, 'role', a.role)
		                      ORDER BY a.position), '[]') FROM meeting_attendees a WHERE a.meeting_id = m.id),
		    'agenda', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		                   'id', i.id, 'position', i.position, 'title', i.title, 'notes', i.notes,
		                   'commitment_ids', (SELECT coalesce(jsonb_agg(x.commitment_id ORDER BY x.commitment_id), '[]') FROM agenda_commitments x WHERE x.item_id = i.id),
		                   'site_ids', (SELECT coalesce(jsonb_agg(x.site_id ORDER BY x.site_id), '[]') FROM agenda_sites x WHERE x.item_id = i.id),
		                   'milestone_ids', (SELECT coalesce(jsonb_agg(x.milestone_id ORDER BY x.milestone_id), '[]') FROM agenda_milestones x WHERE x.item_id = i.id))
		                   ORDER BY i.position), '[]') FROM agenda_items i WHERE i.meeting_id = m.id),
		    'decisions', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		                      'id', d.id, 'text', d.text, 'commitment_id', d.commitment_id,
		                      'milestone_id', d.milestone_id, 'plan_id', d.plan_id,
		                      'new_date', date_text(d.new_start, d.new_precision), 'reason', d.reason,
		                      'owner', d.owner, 'due', date_text(d.due_start, d.due_precision)) ORDER BY d.id), '[]')
		                    FROM decisions d WHERE d.meeting_id = m.id))
		  FROM meetings m WHERE m.id::text = $1`
	committeeSnapshotSQL = `
		SELECT jsonb_build_object('id', c.id, 'kind', c.kind, 'name', c.name, 'sources', to_jsonb(c.sources),
		    'cadences', (SELECT coalesce(jsonb_agg(jsonb_build_object('months', k.months, 'clause', k.clause)
		                     ORDER BY k.clause), '[]') FROM committee_cadences k WHERE k.committee_id = c.id))
		  FROM committees c WHERE c.id = $1`
)

var governanceSnapshotSQL = map[string]string{
	"commitment": commitmentSnapshotSQL,
	"meeting":    meetingSnapshotSQL,
	"committee":  committeeSnapshotSQL,
}

// versionedTables are the governance tables whose rows carry a version, their ETag.
var versionedTables = map[string]string{"commitment": "commitments", "meeting": "meetings"}

func govSnapshot(ctx context.Context, tx pgx.Tx, entityType, id string) (json.RawMessage, error) {
	var b []byte
	err := tx.QueryRow(ctx, governanceSnapshotSQL[entityType], id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s %s: %w", entityType, id, err)
	}
	return b, nil
}

// govEdit runs one change to a commitment or a meeting, or the creation of a committee, as
// one transaction with one audit record concerning no site: it runs fn (which checks its input against the database
// first, so that bad input is a 400 whatever the version sent), moves the entity to its
// next version if it is at one of ifMatch, and records the snapshots before and after. A
// creation (no entityID yet) has no version to match; fn sets c.entityID.
func (s *Store) govEdit(ctx context.Context, by Actor, c change, ifMatch Versions,
	fn func(tx pgx.Tx, c *change) error) (Edit, error) {
	var out Edit
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		creating := c.entityID == ""
		if !creating {
			b, err := govSnapshot(ctx, tx, c.entityType, c.entityID)
			if err != nil {
				return err
			}
			if b == nil {
				return fmt.Errorf("no %s %q: %w", c.entityType, c.entityID, site.ErrNotFound)
			}
			c.before = b
		}
		if err := fn(tx, &c); err != nil {
			return domainError(err)
		}
		v := int64(1)
		if !creating {
			var err error
			if v, err = bumpEntity(ctx, tx, c.entityType, c.entityID, ifMatch); err != nil {
				return err
			}
		}
		after, err := govSnapshot(ctx, tx, c.entityType, c.entityID)
		if err != nil {
			return err
		}
		if c.after == nil {
			c.after = after
		}
		out = Edit{Version: v, EntityID: c.entityID, After: after}
		out.AuditID, err = record(ctx, tx, by, c)
		return err
	})
	if err != nil {
		return Edit{}, fmt.Errorf("store: %s %s: %w", c.action, c.entityID, domainError(err))
	}
	return out, nil
}

// bumpEntity moves a commitment or a meeting to its next version if it is at one of
// ifMatch; a StaleError otherwise.
func bumpEntity(ctx context.Context, tx pgx.Tx, entityType, id string, ifMatch Versions) (int64, error) {
	table := versionedTables[entityType]
	var v int64
	err := tx.QueryRow(ctx, `UPDATE `+table+` SET version = version + 1
		 WHERE id::text = $1 AND ($3 OR version = ANY($2)) RETURNING version`,
		id, []int64(ifMatch), ifMatch.unconditional()).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, err
	}
	if err := tx.QueryRow(ctx, `SELECT version FROM `+table+` WHERE id::text = $1`, id).Scan(&v); err != nil {
		return 0, err
	}
	return 0, &StaleError{Current: v}
}

// CommitmentVersion returns a commitment's version, its ETag.
func (s *Store) CommitmentVersion(ctx context.Context, id string) (int64, error) {
	return s.entityVersion(ctx, "commitment", id)
}

// MeetingVersion returns a meeting's version, its ETag.
func (s *Store) MeetingVersion(ctx context.Context, id int64) (int64, error) {
	return s.entityVersion(ctx, "meeting", fmt.Sprint(id))
}

func (s *Store) entityVersion(ctx context.Context, entityType, id string) (int64, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: %s version %q: %w", entityType, id, err)
	}
	defer db.Release()
	var v int64
	err = db.QueryRow(ctx, `SELECT version FROM `+versionedTables[entityType]+` WHERE id::text = $1`, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: %s %q: %w", entityType, id, site.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: %s version %q: %w", entityType, id, err)
	}
	return v, nil
}

// datePair splits an optional date with its precision into the two columns that store it.
func datePair(d *site.Date) (*time.Time, *string) {
	if d == nil {
		return nil, nil
	}
	p := string(d.Precision)
	return &d.Start, &p
}

// scanDate rebuilds an optional date from its two columns.
func scanDate(start *time.Time, precision *string) (*site.Date, error) {
	if start == nil || precision == nil {
		return nil, nil
	}
	d, err := site.NewDate(*start, *precision)
	if err != nil {
		return nil, err
	}
	return &d, nil
}
