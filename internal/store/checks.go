package store

import (
	"context"
	"fmt"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// ListChecks gathers what site.Checks needs as of day and returns its list: the parts'
// statuses on day, the calendar as known on day, and the changes the last cadastre import
// of a vintage no later than day made to parcels linked to a part. Plans are late as of
// today when day is after it (site.LateOn).
func (s *Store) ListChecks(ctx context.Context, day, today time.Time, staleAfter time.Duration) ([]site.Check, error) {
	calendar, err := queryCalendar(ctx, s.pool, CalendarQuery{AsOf: day})
	if err != nil {
		return nil, fmt.Errorf("store: list checks: %w", err)
	}
	parts, err := s.partStates(ctx, day)
	if err != nil {
		return nil, fmt.Errorf("store: list checks: %w", err)
	}
	changes, err := s.lastVintageChanges(ctx, day)
	if err != nil {
		return nil, fmt.Errorf("store: list checks: %w", err)
	}
	return site.Checks(day, today, staleAfter, parts, calendar, changes), nil
}

func (s *Store) partStates(ctx context.Context, day time.Time) ([]site.PartState, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT h.site_id, s.name, h.part_id, p.label, h.status, lower(h.valid), h.since_precision::text
		  FROM part_states_on($1::date) h
		  JOIN sites s ON s.id = h.site_id AND s.deleted_at IS NULL
		  JOIN site_parts p ON p.id = h.part_id
		 ORDER BY s.name, h.part_id`, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []site.PartState
	for rows.Next() {
		var p site.PartState
		var since time.Time
		var precision string
		if err := rows.Scan(&p.SiteID, &p.SiteName, &p.PartID, &p.PartLabel, &p.Status, &since, &precision); err != nil {
			return nil, err
		}
		if p.Since, err = site.NewDate(since, precision); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (s *Store) lastVintageChanges(ctx context.Context, day time.Time) ([]site.ParcelChange, error) {
	rows, err := s.pool.Query(ctx, `
		WITH last AS (
		    SELECT id, vintage FROM cadastre_imports
		     WHERE finished_at IS NOT NULL AND vintage <= $1::date
		     ORDER BY vintage DESC, id DESC LIMIT 1)
		SELECT p.site_id, s.name, c.part_id, c.parcel_id, c.kind, last.id, last.vintage
		  FROM last JOIN cadastre_changes c ON c.import_id = last.id
		  JOIN site_parts p ON p.id = c.part_id
		  JOIN sites s ON s.id = p.site_id AND s.deleted_at IS NULL
		 ORDER BY s.name, c.part_id, c.parcel_id`, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []site.ParcelChange
	for rows.Next() {
		var c site.ParcelChange
		if err := rows.Scan(&c.SiteID, &c.SiteName, &c.PartID, &c.ParcelID, &c.Kind, &c.ImportID, &c.Vintage); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
