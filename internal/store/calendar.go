package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// CalendarQuery selects calendar items.
type CalendarQuery struct {
	AsOf   time.Time // the day the calendar is seen from
	SiteID string    // one site only; empty for all
}

// calendarSQL lists the milestones of the parts (and sites, not deleted) that existed on $1, with the
// plans decided by then ($1), oldest first. A plan with no decision date is taken as
// known all along. Ordered by site, then latest planned date.
const calendarSQL = `
SELECT m.id, m.site_id, s.name, m.part_id, p.label, round(p.area_m2::numeric, 1)::float8,
       m.kind, m.label, m.actual_date, m.actual_precision::text,
       pl.dates, pl.precisions, pl.decided, pl.reasons, pl.sources, pl.recorded
FROM milestones m
JOIN sites s ON s.id = m.site_id
LEFT JOIN site_parts p ON p.id = m.part_id
LEFT JOIN LATERAL (
    SELECT array_agg(mp.planned_date ORDER BY mp.id) AS dates,
           array_agg(mp.planned_precision::text ORDER BY mp.id) AS precisions,
           array_agg(mp.decided_on ORDER BY mp.id) AS decided,
           array_agg(mp.reason ORDER BY mp.id) AS reasons,
           array_agg(mp.source ORDER BY mp.id) AS sources,
           array_agg(mp.recorded_at ORDER BY mp.id) AS recorded,
           (array_agg(mp.planned_date ORDER BY mp.id DESC))[1] AS latest
    FROM milestone_plans mp
    WHERE mp.milestone_id = m.id AND (mp.decided_on IS NULL OR mp.decided_on <= $1::date)
) pl ON true
WHERE s.deleted_at IS NULL AND ($2::text = '' OR m.site_id = $2::text)
  AND EXISTS (
    SELECT 1 FROM part_states_on($1::date) h
    WHERE h.site_id = m.site_id AND (m.part_id IS NULL OR h.part_id = m.part_id))
ORDER BY s.name, s.id, pl.latest NULLS LAST, m.actual_date NULLS LAST, m.id`

// ListCalendar returns the disposal calendar as it stood on q.AsOf, ordered by site then
// planned date.
func (s *Store) ListCalendar(ctx context.Context, q CalendarQuery) ([]site.Milestone, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list calendar: %w", err)
	}
	defer db.Release()
	items, err := queryCalendar(ctx, db, q)
	if err != nil {
		return nil, fmt.Errorf("store: list calendar: %w", err)
	}
	return items, nil
}

// querier is what a pool and a transaction have in common.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func queryCalendar(ctx context.Context, db querier, q CalendarQuery) ([]site.Milestone, error) {
	asOf := dayOf(q.AsOf)
	rows, err := db.Query(ctx, calendarSQL, asOf.Format(time.DateOnly), q.SiteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []site.Milestone{}
	for rows.Next() {
		var (
			m               site.Milestone
			actualStart     *time.Time
			actualPrecision *string
			plans           planColumns
		)
		if err := rows.Scan(&m.ID, &m.SiteID, &m.SiteName, &m.PartID, &m.PartLabel, &m.PartAreaM2,
			&m.Kind, &m.Label, &actualStart, &actualPrecision, &plans.dates, &plans.precisions,
			&plans.decided, &plans.reasons, &plans.sources, &plans.recorded); err != nil {
			return nil, err
		}
		if m.Plans, err = plans.plans(); err != nil {
			return nil, fmt.Errorf("milestone %d: %w", m.ID, err)
		}
		// A milestone whose actual period starts after asOf had not happened yet on asOf.
		if actualStart != nil && actualPrecision != nil && !actualStart.After(asOf) {
			d, err := site.NewDate(*actualStart, *actualPrecision)
			if err != nil {
				return nil, fmt.Errorf("milestone %d: %w", m.ID, err)
			}
			m.Actual = &d
		}
		items = append(items, m)
	}
	return items, rows.Err()
}

// planColumns are a milestone's plans as calendarSQL aggregates them, one array a column.
type planColumns struct {
	dates      []time.Time
	precisions []string
	decided    []*time.Time
	reasons    []string
	sources    []string
	recorded   []time.Time
}

func (c planColumns) plans() ([]site.Plan, error) {
	plans := make([]site.Plan, len(c.dates))
	for i := range c.dates {
		d, err := site.NewDate(c.dates[i], c.precisions[i])
		if err != nil {
			return nil, err
		}
		plans[i] = site.Plan{Date: d, DecidedOn: c.decided[i], Reason: c.reasons[i], Source: c.sources[i], RecordedAt: c.recorded[i]}
	}
	return plans, nil
}

// dayOf is the calendar day of t, as a UTC midnight like site.Date's.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
