package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/site"
)

// SeedReport counts what Seed added.
type SeedReport struct {
	Sites, Parts, Events, Milestones  int
	Skipped                           int // sites already in the database, left as they are
	Committees, Commitments, Meetings int // the convention's governance added
}

// Seed loads the reference data set in one transaction. It is idempotent: a site already in
// the database is left untouched, so seeding twice changes nothing and never overwrites what
// planners have edited since. Each site added gets an audit record (site.create) by the
// actor, the first of its history.
func (s *Store) Seed(ctx context.Context, by Actor, ds *geodata.Dataset) (SeedReport, error) {
	var r SeedReport
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := seedBoundary(ctx, tx, ds.Commune); err != nil {
			return err
		}
		for i := range ds.Sites {
			id := ds.Sites[i].ID
			added, err := seedSite(ctx, tx, &ds.Sites[i], &r)
			if err != nil {
				return fmt.Errorf("site %q: %w", id, err)
			}
			if !added {
				r.Skipped++
				continue
			}
			after, err := snapshot(ctx, tx, "site", id)
			if err != nil {
				return err
			}
			// A new site is at version 1.
			c := change{action: "site.create", entityType: "site", entityID: id, siteID: id, version: 1,
				after: after, reason: site.SeedReason}
			if _, err := record(ctx, tx, by, c); err != nil {
				return err
			}
		}
		return seedGovernance(ctx, tx, by, &ds.Governance, &r)
	})
	if err != nil {
		return SeedReport{}, fmt.Errorf("store: seed: %w", err)
	}
	return r, nil
}

func seedBoundary(ctx context.Context, tx pgx.Tx, b geodata.Boundary) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO boundaries (id, name, geom, source)
		VALUES ($1, $2, ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($3), 4326), 2154)), $4)
		ON CONFLICT (id) DO NOTHING`,
		b.ID, b.Name, string(b.Geometry), b.Source)
	if err != nil {
		return fmt.Errorf("boundary %q: %w", b.ID, err)
	}
	return nil
}

func seedSite(ctx context.Context, tx pgx.Tx, s *geodata.Site, r *SeedReport) (bool, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO sites (id, name, address, department, current_use, occupant, owner,
		                   modality, modality_done, counterparty, notes, sources)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (id) DO NOTHING`,
		s.ID, s.Name, s.Address, s.Department, s.CurrentUse, s.Occupant, s.Owner,
		s.Modality, s.ModalityDone, s.Counterparty, s.Notes, nonNil(s.Sources))
	if err != nil {
		return false, domainError(err)
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	r.Sites++
	for i := range s.Parts {
		if err := seedPart(ctx, tx, s.ID, &s.Parts[i]); err != nil {
			return false, fmt.Errorf("part %q: %w", s.Parts[i].ID, domainError(err))
		}
		r.Parts++
	}
	for i, e := range s.Events {
		_, err := tx.Exec(ctx, `
			INSERT INTO events (site_id, part_id, kind, date_start, date_precision, planned,
			                    cancelled, title, description, source, area_m2, amount_eur)
			VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			s.ID, e.Part, e.Kind, e.Date.Start, string(e.Date.Precision), e.Planned,
			e.Cancelled, e.Title, e.Description, e.Source, e.AreaM2, e.AmountEUR)
		if err != nil {
			return false, fmt.Errorf("event %d: %w", i+1, domainError(err))
		}
		r.Events++
	}
	for i := range s.Calendar {
		if err := seedMilestone(ctx, tx, s.ID, &s.Calendar[i]); err != nil {
			return false, fmt.Errorf("calendar entry %d: %w", i+1, domainError(err))
		}
		r.Milestones++
	}
	return true, nil
}

// seedPart inserts a part with its first status, then replays its later statuses as
// updates, so that the status-history trigger records them exactly as a planner's edits.
func seedPart(ctx context.Context, tx pgx.Tx, siteID string, p *geodata.Part) error {
	first := p.StatusHistory[0]
	var lon, lat, area, dx, dy *float64
	if l := p.Location; l != nil {
		lon, lat, area, dx, dy = &l.Point[0], &l.Point[1], &l.AreaM2, &l.OffsetM[0], &l.OffsetM[1]
	}
	// The footprint is a square of the given area around the projected reference point:
	// obviously schematic on a map, and exactly the known area.
	_, err := tx.Exec(ctx, `
		INSERT INTO site_parts (id, site_id, label, geom, declared_area_m2, geometry_quality,
		                        geometry_source, status, status_since, status_since_precision,
		                        status_reason)
		VALUES ($1, $2, $3,
		        ST_Multi(ST_Expand(ST_Translate(
		            ST_Transform(ST_SetSRID(ST_MakePoint($4, $5), 4326), 2154), $7, $8),
		            sqrt($6::float8) / 2)),
		        $9, $10, $11, $12, $13, $14, $15)`,
		p.ID, siteID, p.Label, lon, lat, area, dx, dy, p.DeclaredAreaM2, p.GeometryQuality,
		p.GeometrySource, first.Status, first.From.Start, string(first.From.Precision), first.Reason)
	if err != nil {
		return err
	}
	for _, h := range p.StatusHistory[1:] {
		if err := setStatus(ctx, tx, p.ID, site.Status(h.Status), h.From, h.Reason); err != nil {
			return fmt.Errorf("status %s from %s: %w", h.Status, h.From, err)
		}
	}
	return nil
}

// setStatus changes a part's status from a date on; the trigger closes the previous
// period of the history and opens the new one.
func setStatus(ctx context.Context, tx pgx.Tx, partID string, st site.Status, from site.Date, reason string) error {
	_, err := tx.Exec(ctx, `
		UPDATE site_parts
		   SET status = $2, status_since = $3, status_since_precision = $4, status_reason = $5,
		       updated_at = now()
		 WHERE id = $1`,
		partID, string(st), from.Start, string(from.Precision), reason)
	return err
}

func seedMilestone(ctx context.Context, tx pgx.Tx, siteID string, m *geodata.Milestone) error {
	var actualStart *time.Time
	var actualPrecision *string
	if m.Actual != nil {
		p := string(m.Actual.Precision)
		actualStart, actualPrecision = &m.Actual.Start, &p
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO milestones (site_id, part_id, kind, label, actual_date, actual_precision)
		VALUES ($1, NULLIF($2, ''), $3, $4, $5, $6)
		RETURNING id`,
		siteID, m.Part, m.Kind, m.Label, actualStart, actualPrecision).Scan(&id)
	if err != nil {
		return err
	}
	for _, p := range m.Plans {
		var decided *time.Time
		if p.DecidedOn != nil {
			decided = &p.DecidedOn.Start
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO milestone_plans (milestone_id, planned_date, planned_precision,
			                             decided_on, reason, source)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			id, p.Date.Start, string(p.Date.Precision), decided, p.Reason, p.Source)
		if err != nil {
			return err
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
