package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// Actor is who makes a change: an account, through the API, or someone with no account,
// such as "cli:alice" at the command line. Every change records its actor.
type Actor struct {
	UserID int64  // the account; 0 for someone with no account
	Name   string // the account's name, or the actor's ("cli:alice")
}

// Actor is the account as the author of a change.
func (u User) Actor() Actor { return Actor{UserID: u.ID, Name: u.Name} }

// CommandLine is the actor of a change made at the command line by the operating-system
// user osUser: "cli:" and its name. The caller says who it is; the store does not guess.
func CommandLine(osUser string) Actor {
	if osUser == "" {
		osUser = "unknown"
	}
	return Actor{Name: "cli:" + osUser}
}

// SiteHistory returns the changes made to a site, its parts, events, calendar and parcels,
// through the API or at the command line, newest first. A deleted site keeps its history.
func (s *Store) SiteHistory(ctx context.Context, siteID string) (site.History, error) {
	var h site.History
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT version, deleted_at IS NOT NULL FROM sites WHERE id = $1`, siteID).Scan(&h.Version, &h.Deleted)
		if errors.Is(err, pgx.ErrNoRows) {
			return site.ErrNotFound
		}
		if err != nil {
			return err
		}
		h.Changes, err = siteHistory(ctx, tx, siteID)
		return err
	})
	if err != nil {
		return site.History{}, fmt.Errorf("store: site history %q: %w", siteID, err)
	}
	return h, nil
}

func siteHistory(ctx context.Context, tx pgx.Tx, siteID string) ([]site.Change, error) {
	rows, err := tx.Query(ctx, `
		SELECT a.id, a.at, coalesce(u.name, a.actor), a.action, a.entity_type, a.entity_id, a.site_id, a.site_version,
		       a.reason, coalesce(a.before, 'null'::jsonb), coalesce(a.after, 'null'::jsonb)
		  FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
		 WHERE a.site_id = $1
		 ORDER BY a.id DESC`, siteID)
	if err != nil {
		return nil, err
	}
	records, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.Change, error) {
		var a site.Change
		var before, after []byte
		err := row.Scan(&a.ID, &a.At, &a.Actor, &a.Action, &a.EntityType, &a.EntityID, &a.SiteID,
			&a.SiteVersion, &a.Reason, &before, &after)
		a.Before, a.After = before, after
		return a, err
	})
	return nonNilSlice(records), err
}

// SiteVersion returns the current version of a site that is not deleted: its ETag is
// httpapi's quoted form of it. Every edit through the API increments it.
func (s *Store) SiteVersion(ctx context.Context, id string) (int64, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: site version %q: %w", id, err)
	}
	defer db.Release()
	var v int64
	err = db.QueryRow(ctx, `SELECT version FROM sites WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("store: site %q: %w", id, site.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: site version %q: %w", id, err)
	}
	return v, nil
}

// Entity snapshots, as the audit log keeps them: readable JSON, geometries as GeoJSON in
// WGS84 with 7 decimals (about a centimetre), dates in their text form.
const (
	siteSnapshotSQL = `
		SELECT jsonb_build_object(
		    'id', s.id, 'name', s.name, 'address', s.address, 'department', s.department,
		    'current_use', s.current_use, 'occupant', s.occupant, 'owner', s.owner,
		    'modality', s.modality, 'modality_done', s.modality_done, 'counterparty', s.counterparty,
		    'notes', s.notes, 'sources', to_jsonb(s.sources), 'deleted', s.deleted_at IS NOT NULL)
		  FROM sites s WHERE s.id = $1`
	partSnapshotSQL = `
		SELECT jsonb_build_object(
		    'id', p.id, 'site_id', p.site_id, 'label', p.label,
		    'status', p.status, 'status_since', date_text(p.status_since, p.status_since_precision),
		    'status_reason', p.status_reason,
		    'geometry_quality', p.geometry_quality, 'geometry_source', p.geometry_source,
		    'area_m2', round(p.area_m2::numeric, 1), 'declared_area_m2', p.declared_area_m2,
		    'geometry', ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7)::jsonb,
		    'parcels', (SELECT coalesce(jsonb_agg(c.id ORDER BY c.id), '[]') FROM parcels c WHERE c.part_id = p.id))
		  FROM site_parts p WHERE p.id = $1`
	eventSnapshotSQL = `
		SELECT jsonb_build_object(
		    'id', e.id, 'site_id', e.site_id, 'part_id', e.part_id, 'kind', e.kind,
		    'date', date_text(e.date_start, e.date_precision), 'planned', e.planned,
		    'cancelled', e.cancelled, 'title', e.title, 'description', e.description,
		    'source', e.source, 'area_m2', e.area_m2, 'amount_eur', e.amount_eur,
		    'deleted', e.deleted_at IS NOT NULL)
		  FROM events e WHERE e.id::text = $1`
	milestoneSnapshotSQL = `
		SELECT jsonb_build_object(
		    'id', m.id, 'site_id', m.site_id, 'part_id', m.part_id, 'kind', m.kind, 'label', m.label,
		    'actual', date_text(m.actual_date, m.actual_precision),
		    'plans', (SELECT coalesce(jsonb_agg(jsonb_build_object(
		                  'date', date_text(mp.planned_date, mp.planned_precision),
		                  'decided_on', mp.decided_on, 'reason', mp.reason, 'source', mp.source,
		                  'recorded_at', mp.recorded_at) ORDER BY mp.id), '[]')
		                FROM milestone_plans mp WHERE mp.milestone_id = m.id))
		  FROM milestones m WHERE m.id::text = $1`

	// Accounts and tokens without their secrets' hashes.
	accountSnapshotSQL = `
		SELECT jsonb_build_object('name', u.name, 'role', u.role, 'disabled', u.disabled_at IS NOT NULL)
		  FROM users u WHERE u.name = $1`
	tokenSnapshotSQL = `
		SELECT jsonb_build_object('id', t.id, 'user', u.name, 'prefix', t.prefix, 'revoked', t.revoked_at IS NOT NULL)
		  FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id::text = $1`
)

var snapshotSQL = map[string]string{
	"site":      siteSnapshotSQL,
	"part":      partSnapshotSQL,
	"event":     eventSnapshotSQL,
	"milestone": milestoneSnapshotSQL,
	"account":   accountSnapshotSQL,
	"token":     tokenSnapshotSQL,
}

// snapshot returns an entity as the audit log records it, or nil if it does not exist.
func snapshot(ctx context.Context, tx pgx.Tx, entityType, id string) (json.RawMessage, error) {
	var b []byte
	err := tx.QueryRow(ctx, snapshotSQL[entityType], id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s %s: %w", entityType, id, err)
	}
	return b, nil
}

// record writes the audit record of a change inside its transaction: the one place that
// writes audit_log. A change to a site, or to what belongs to it, gives the site and its
// version once changed; a change to an account or a token gives neither.
func record(ctx context.Context, tx pgx.Tx, by Actor, c change) (int64, error) {
	var userID *int64
	var actor *string
	if by.UserID != 0 {
		userID = &by.UserID
	} else {
		actor = &by.Name
	}
	var siteID *string
	var version *int64
	if c.siteID != "" {
		siteID, version = &c.siteID, &c.version
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO audit_log (user_id, actor, action, entity_type, entity_id, site_id, site_version,
		                       before, after, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id`,
		userID, actor, c.action, c.entityType, c.entityID, siteID, version, nullJSON(c.before),
		nullJSON(c.after), c.reason).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("audit %s %s: %w", c.action, c.entityID, err)
	}
	return id, nil
}

// audited runs a change that concerns no site (an account, a token) as one transaction
// with one audit record: the snapshot of the entity before, fn, the snapshot after. fn
// may set c.entityID (a creation) and c.after.
func (s *Store) audited(ctx context.Context, by Actor, c change, fn func(tx pgx.Tx, c *change) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if c.entityID != "" {
			if c.before, err = snapshot(ctx, tx, c.entityType, c.entityID); err != nil {
				return err
			}
		}
		if err := fn(tx, &c); err != nil {
			return err
		}
		if c.after == nil {
			if c.after, err = snapshot(ctx, tx, c.entityType, c.entityID); err != nil {
				return err
			}
		}
		_, err = record(ctx, tx, by, c)
		return err
	})
}
