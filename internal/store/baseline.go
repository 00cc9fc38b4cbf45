package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

// StateOn reads a meeting's baseline, or any day's state, from the logs that already
// hold it: the parts with their status that day (part_status_history), the calendar as
// it was known that day (milestone_plans by decision day), and the commitments as of
// that day (their dated follow-ups), among those known by then. Nothing is snapshotted:
// the same day reads the same state again, whatever was recorded since, but for plans
// recorded later with no decision day, which the calendar takes as known all along.
func (s *Store) StateOn(ctx context.Context, day time.Time) (governance.State, error) {
	st := governance.State{Day: dayOf(day)}
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		if st.Parts, err = partStatesOn(ctx, tx, st.Day); err != nil {
			return fmt.Errorf("parts: %w", err)
		}
		if st.Calendar, err = queryCalendar(ctx, tx, CalendarQuery{AsOf: st.Day}); err != nil {
			return fmt.Errorf("calendar: %w", err)
		}
		all, err := loadCommitments(ctx, tx, "")
		if err != nil {
			return fmt.Errorf("commitments: %w", err)
		}
		known, err := commitmentsKnownFrom(ctx, tx)
		if err != nil {
			return fmt.Errorf("commitments: %w", err)
		}
		for i := range all {
			all[i] = all[i].AsOf(st.Day)
		}
		st.Commitments = governance.KnownFrom(all, known, st.Day)
		return nil
	})
	if err != nil {
		return governance.State{}, fmt.Errorf("store: state on %s: %w", st.Day.Format(time.DateOnly), err)
	}
	return st, nil
}

// partStatesOn lists the parts of the sites not deleted that existed on day, with their
// status then, by site name and part.
func partStatesOn(ctx context.Context, tx pgx.Tx, day time.Time) ([]governance.PartState, error) {
	rows, err := tx.Query(ctx, `
		SELECT h.site_id, s.name, h.part_id, p.label, h.status::text, lower(h.valid), h.since_precision::text,
		       round(p.area_m2::numeric, 1)::float8
		  FROM part_states_on($1::date) h
		  JOIN site_parts p ON p.id = h.part_id
		  JOIN sites s ON s.id = h.site_id
		 ORDER BY s.name, s.id, p.id`, day.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (governance.PartState, error) {
		var p governance.PartState
		var since time.Time
		var precision string
		if err := row.Scan(&p.SiteID, &p.SiteName, &p.PartID, &p.Label, &p.Status, &since, &precision, &p.AreaM2); err != nil {
			return p, err
		}
		var err error
		p.Since, err = site.NewDate(since, precision)
		return p, err
	})
}

// commitmentsKnownFrom gives the day from which each commitment was known: the day of the
// meeting whose decision made it, or the Paris day its creation was recorded. The
// convention's own commitments, which the seed records, are known all along (left out):
// the text dates from 2019, whenever the seed ran.
func commitmentsKnownFrom(ctx context.Context, tx pgx.Tx) (map[string]time.Time, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.id, coalesce(m.day, (
		           SELECT (a.at AT TIME ZONE 'Europe/Paris')::date FROM audit_log a
		            WHERE a.entity_type = 'commitment' AND a.entity_id = c.id AND a.action = 'commitment.create'
		              AND a.reason <> $1
		            ORDER BY a.id LIMIT 1))
		  FROM commitments c LEFT JOIN meetings m ON m.id = c.decided_at`, governance.SeedReason)
	if err != nil {
		return nil, err
	}
	known := map[string]time.Time{}
	var id string
	var from *time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &from}, func() error {
		if from != nil {
			known[id] = *from
		}
		return nil
	})
	return known, err
}

// RecordedSiteChanges counts, by site, the changes recorded in the audit log after the
// Paris day after and up to the end of the Paris day until: the edits a committee did not
// see at its last meeting.
func (s *Store) RecordedSiteChanges(ctx context.Context, after, until time.Time) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT site_id, count(*)::int FROM audit_log
		 WHERE site_id IS NOT NULL
		   AND (at AT TIME ZONE 'Europe/Paris')::date > $1::date
		   AND (at AT TIME ZONE 'Europe/Paris')::date <= $2::date
		 GROUP BY site_id`, after.Format(time.DateOnly), until.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("store: recorded site changes: %w", err)
	}
	out := map[string]int{}
	var id string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = n; return nil }); err != nil {
		return nil, fmt.Errorf("store: recorded site changes: %w", err)
	}
	return out, nil
}

// PartMap is the outline of every located part on a day as SVG path data, drawn by
// PostGIS in Lambert-93 metres. SVG's y axis points down, so ST_AsSVG writes -y: the
// view box starts at (MinX, -MaxY).
type PartMap struct {
	ViewBox [4]float64 // min-x, min-y, width, height, in SVG user units (metres)
	Commune string     // Ivry-sur-Seine's outline, for context; "" when not loaded
	Parts   []MapPart
}

// MapPart is one located part on the map.
type MapPart struct {
	PartID   string
	SiteID   string
	SiteName string
	Label    string
	Status   site.Status
	Path     string // SVG path data, absolute, to the decimetre
}

// mapMargin is the room left around the parts, in metres, so that no outline touches the
// frame.
const mapMargin = 60

// PartMapOn draws the parts that existed on day and have an outline, with a view box
// from their extent.
func (s *Store) PartMapOn(ctx context.Context, day time.Time) (PartMap, error) {
	var m PartMap
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT p.id, p.site_id, s.name, p.label, h.status::text, ST_AsSVG(p.geom, 0, 1)
			  FROM part_states_on($1::date) h
			  JOIN site_parts p ON p.id = h.part_id
			  JOIN sites s ON s.id = h.site_id
			 WHERE p.geom IS NOT NULL
			 ORDER BY s.name, p.id`, dayOf(day).Format(time.DateOnly))
		if err != nil {
			return err
		}
		if m.Parts, err = pgx.CollectRows(rows, pgx.RowToStructByPos[MapPart]); err != nil {
			return err
		}
		if len(m.Parts) == 0 {
			return nil
		}
		var minX, minY, maxX, maxY float64
		err = tx.QueryRow(ctx, `
			SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
			  FROM (SELECT ST_Extent(p.geom) AS e FROM part_states_on($1::date) h
			          JOIN site_parts p ON p.id = h.part_id WHERE p.geom IS NOT NULL) x`,
			dayOf(day).Format(time.DateOnly)).Scan(&minX, &minY, &maxX, &maxY)
		if err != nil {
			return err
		}
		minX, minY, maxX, maxY = minX-mapMargin, minY-mapMargin, maxX+mapMargin, maxY+mapMargin
		m.ViewBox = [4]float64{minX, -maxY, maxX - minX, maxY - minY}
		// The commune's outline, clipped to the frame so that the path stays small.
		return tx.QueryRow(ctx, `
			SELECT coalesce((SELECT ST_AsSVG(ST_Intersection(ST_Boundary(geom), ST_MakeEnvelope($1, $2, $3, $4, 2154)), 0, 1)
			                   FROM boundaries WHERE id = 'commune-94041'), '')`,
			minX, minY, maxX, maxY).Scan(&m.Commune)
	})
	if err != nil {
		return PartMap{}, fmt.Errorf("store: part map on %s: %w", dayOf(day).Format(time.DateOnly), err)
	}
	return m, nil
}
