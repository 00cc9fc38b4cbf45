package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// CalendarItem is one milestone of the disposal calendar (a release, a disposal or a
// deadline of a site or part) as it stood on a day: the plans known by then, the latest
// of them, and the actual date if the milestone had happened.
type CalendarItem struct {
	ID        int64              `json:"id"`
	SiteID    string             `json:"site_id"`
	SiteName  string             `json:"site_name"`
	PartID    *string            `json:"part_id"`
	PartLabel *string            `json:"part_label"`
	Kind      site.MilestoneKind `json:"kind"`
	KindLabel string             `json:"kind_label"`
	Label     string             `json:"label"`

	Planned      *site.Date `json:"planned"`       // the latest plan; nil if none yet
	PlannedLabel *string    `json:"planned_label"` // in French: "T1 2019"
	PlannedStart *string    `json:"planned_start"` // first day of the planned period
	PlannedEnd   *string    `json:"planned_end"`   // last day of the planned period

	Actual      *site.Date `json:"actual"`
	ActualLabel *string    `json:"actual_label"`
	ActualStart *string    `json:"actual_start"`

	Overdue bool           `json:"overdue"` // the planned period has ended and nothing happened
	Slips   int            `json:"slips"`   // how many times the planned date was changed
	Plans   []CalendarPlan `json:"plans"`   // oldest first

	// PartAreaM2 is the computed area of the part, for the spreadsheet export.
	PartAreaM2 *float64 `json:"-"`
}

// CalendarPlan is one planned date of a milestone, as decided at some point.
type CalendarPlan struct {
	Date       site.Date `json:"date"`
	DateLabel  string    `json:"date_label"`
	DecidedOn  *string   `json:"decided_on"` // YYYY-MM-DD, when known
	Reason     string    `json:"reason"`
	Source     string    `json:"source"`
	RecordedAt time.Time `json:"recorded_at"`
}

// CalendarQuery selects calendar items.
type CalendarQuery struct {
	AsOf   time.Time // the day the calendar is seen from
	SiteID string    // one site only; empty for all
}

// DueWithin reports whether the item is still to happen and its planned period falls, at
// least in part, within [asOf, until).
func (c *CalendarItem) DueWithin(asOf, until time.Time) bool {
	if c.Planned == nil || c.Actual != nil {
		return false
	}
	return c.Planned.End().After(asOf) && c.Planned.Start.Before(until)
}

// calendarSQL lists the milestones of the parts (and sites, not deleted) that existed on $1, with the
// plans decided by then ($1), oldest first. A plan with no decision date is taken as
// known all along. Ordered by site, then latest planned date.
const calendarSQL = `
SELECT m.id, m.site_id, s.name, m.part_id, p.label, round(p.area_m2::numeric, 1)::float8,
       m.kind, m.label, m.actual_date, m.actual_precision::text,
       coalesce(pl.plans, '[]'::json)
FROM milestones m
JOIN sites s ON s.id = m.site_id
LEFT JOIN site_parts p ON p.id = m.part_id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
               'date', date_text(mp.planned_date, mp.planned_precision),
               'decided_on', mp.decided_on,
               'reason', mp.reason,
               'source', mp.source,
               'recorded_at', mp.recorded_at) ORDER BY mp.id) AS plans,
           (array_agg(mp.planned_date ORDER BY mp.id DESC))[1] AS latest
    FROM milestone_plans mp
    WHERE mp.milestone_id = m.id AND (mp.decided_on IS NULL OR mp.decided_on <= $1::date)
) pl ON true
WHERE s.deleted_at IS NULL AND ($2::text = '' OR m.site_id = $2::text)
  AND EXISTS (
    SELECT 1 FROM site_parts sp
    JOIN part_status_history h ON h.part_id = sp.id AND h.valid @> $1::date
    WHERE sp.site_id = m.site_id AND (m.part_id IS NULL OR sp.id = m.part_id))
ORDER BY s.name, s.id, pl.latest NULLS LAST, m.actual_date NULLS LAST, m.id`

// ListCalendar returns the disposal calendar as it stood on q.AsOf: ordered by site then
// planned date, overdue items flagged.
func (s *Store) ListCalendar(ctx context.Context, q CalendarQuery) ([]CalendarItem, error) {
	items, err := queryCalendar(ctx, s.pool, q)
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

func queryCalendar(ctx context.Context, db querier, q CalendarQuery) ([]CalendarItem, error) {
	asOf := dayOf(q.AsOf)
	rows, err := db.Query(ctx, calendarSQL, asOf.Format(time.DateOnly), q.SiteID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	items := []CalendarItem{}
	for rows.Next() {
		var (
			c               CalendarItem
			actualStart     *time.Time
			actualPrecision *string
			plans           []byte
		)
		if err := rows.Scan(&c.ID, &c.SiteID, &c.SiteName, &c.PartID, &c.PartLabel, &c.PartAreaM2,
			&c.Kind, &c.Label, &actualStart, &actualPrecision, &plans); err != nil {
			return nil, err
		}
		if err := c.fill(asOf, actualStart, actualPrecision, plans); err != nil {
			return nil, fmt.Errorf("milestone %d: %w", c.ID, err)
		}
		items = append(items, c)
	}
	return items, rows.Err()
}

// fill derives the item's dates, labels and flags as seen on asOf.
func (c *CalendarItem) fill(asOf time.Time, actualStart *time.Time, actualPrecision *string, plans []byte) error {
	c.KindLabel = c.Kind.Label()
	if err := json.Unmarshal(plans, &c.Plans); err != nil {
		return err
	}
	for i := range c.Plans {
		c.Plans[i].DateLabel = c.Plans[i].Date.French()
	}
	if n := len(c.Plans); n > 0 {
		d := c.Plans[n-1].Date
		c.Planned = &d
		c.PlannedLabel = ptr(d.French())
		c.PlannedStart = ptr(d.Start.Format(time.DateOnly))
		c.PlannedEnd = ptr(d.Last().Format(time.DateOnly))
		c.Slips = n - 1
	}
	// A milestone whose actual period starts after asOf had not happened yet on asOf.
	if actualStart != nil && actualPrecision != nil && !actualStart.After(asOf) {
		d, err := site.NewDate(*actualStart, *actualPrecision)
		if err != nil {
			return err
		}
		c.Actual = &d
		c.ActualLabel = ptr(d.French())
		c.ActualStart = ptr(d.Start.Format(time.DateOnly))
	}
	c.Overdue = c.Planned != nil && c.Actual == nil && !c.Planned.End().After(asOf)
	return nil
}

// dayOf is the calendar day of t, as a UTC midnight like site.Date's.
func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func ptr[T any](v T) *T { return &v }
