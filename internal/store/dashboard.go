package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// Dashboard is the commitments dashboard of the convention (section III) as it stood on a
// day: how much Paris holds, in which state, used by whom, what has been ceded, and what
// is due or late in the calendar.
type Dashboard struct {
	AsOf         string           `json:"as_of"`
	Totals       DashboardTotals  `json:"totals"`
	ByStatus     []StatusArea     `json:"by_status"` // every status, in journey order
	ByDepartment []DepartmentArea `json:"by_department"`
	CededToDate  CededArea        `json:"ceded_to_date"`
	CededByYear  []CededYear      `json:"ceded_by_year"`
	DueNext12    []CalendarItem   `json:"due_next_12_months"`
	Overdue      []CalendarItem   `json:"overdue"`
}

// DashboardTotals counts the parts that existed on the day and sums their areas.
type DashboardTotals struct {
	Sites          int     `json:"sites"`
	Parts          int     `json:"parts"`
	LocatedParts   int     `json:"located_parts"`
	UnlocatedParts int     `json:"unlocated_parts"`
	AreaM2         float64 `json:"area_m2"`
	AreaHa         float64 `json:"area_ha"`
}

// StatusArea counts the parts in one status and sums their areas.
type StatusArea struct {
	Status site.Status `json:"status"`
	Label  string      `json:"label"`
	Parts  int         `json:"parts"`
	AreaM2 float64     `json:"area_m2"`
	AreaHa float64     `json:"area_ha"`
}

// DepartmentArea counts the parts used by one Paris department or body.
type DepartmentArea struct {
	Department string  `json:"department"`
	Parts      int     `json:"parts"`
	AreaM2     float64 `json:"area_m2"`
	AreaHa     float64 `json:"area_ha"`
}

// CededArea counts the parts ceded by the day.
type CededArea struct {
	Parts  int     `json:"parts"`
	AreaM2 float64 `json:"area_m2"`
	AreaHa float64 `json:"area_ha"`
}

// CededYear is the area ceded in one year, and in all years up to it.
type CededYear struct {
	Year         int     `json:"year"`
	AreaM2       float64 `json:"area_m2"`
	CumulativeM2 float64 `json:"cumulative_m2"`
}

// partsAsOf is every part of a site not deleted that existed on $1, with its status then.
// Unlocated parts have no computed area and count for 0 m².
const partsAsOf = `
WITH cur AS (
    SELECT p.id, p.site_id, s.department, h.status, h.valid, p.geom IS NOT NULL AS located,
           coalesce(p.area_m2, 0) AS area
    FROM site_parts p
    JOIN sites s ON s.id = p.site_id
    JOIN part_status_history h ON h.part_id = p.id AND h.valid @> $1::date
    WHERE s.deleted_at IS NULL
)`

// m2 and ha round a sum of square metres for display: 0.1 m², 0.01 ha.
const (
	m2 = `round(coalesce(sum(area), 0)::numeric, 1)::float8`
	ha = `round(coalesce(sum(area), 0)::numeric / 10000, 2)::float8`
)

// DashboardAsOf computes the dashboard as it stood on asOf.
func (s *Store) DashboardAsOf(ctx context.Context, asOf time.Time) (*Dashboard, error) {
	asOf = dayOf(asOf)
	d := &Dashboard{AsOf: asOf.Format(time.DateOnly)}
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		return d.load(ctx, tx, asOf)
	})
	if err != nil {
		return nil, fmt.Errorf("store: dashboard as of %s: %w", d.AsOf, err)
	}
	return d, nil
}

func (d *Dashboard) load(ctx context.Context, tx pgx.Tx, asOf time.Time) error {
	day := asOf.Format(time.DateOnly)
	t := &d.Totals
	err := tx.QueryRow(ctx, partsAsOf+`
		SELECT count(DISTINCT site_id), count(*), count(*) FILTER (WHERE located),
		       count(*) FILTER (WHERE NOT located), `+m2+`, `+ha+`
		FROM cur`, day).Scan(&t.Sites, &t.Parts, &t.LocatedParts, &t.UnlocatedParts, &t.AreaM2, &t.AreaHa)
	if err != nil {
		return fmt.Errorf("totals: %w", err)
	}

	statuses := []string{}
	for _, st := range site.Statuses() {
		statuses = append(statuses, string(st))
	}
	rows, err := tx.Query(ctx, partsAsOf+`
		SELECT st.status, count(cur.id), `+m2+`, `+ha+`
		FROM unnest($2::text[]) WITH ORDINALITY AS st(status, ord)
		LEFT JOIN cur ON cur.status = st.status
		GROUP BY st.status, st.ord
		ORDER BY st.ord`, day, statuses)
	if err != nil {
		return fmt.Errorf("by status: %w", err)
	}
	d.ByStatus, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (StatusArea, error) {
		var a StatusArea
		err := row.Scan(&a.Status, &a.Parts, &a.AreaM2, &a.AreaHa)
		a.Label = a.Status.Label()
		return a, err
	})
	if err != nil {
		return fmt.Errorf("by status: %w", err)
	}
	for _, a := range d.ByStatus {
		if a.Status == site.StatusCeded {
			d.CededToDate = CededArea{Parts: a.Parts, AreaM2: a.AreaM2, AreaHa: a.AreaHa}
		}
	}

	rows, err = tx.Query(ctx, partsAsOf+`
		SELECT department, count(*), `+m2+`, `+ha+`
		FROM cur
		GROUP BY department
		ORDER BY sum(area) DESC, department`, day)
	if err != nil {
		return fmt.Errorf("by department: %w", err)
	}
	d.ByDepartment, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DepartmentArea, error) {
		var a DepartmentArea
		err := row.Scan(&a.Department, &a.Parts, &a.AreaM2, &a.AreaHa)
		return a, err
	})
	if err != nil {
		return fmt.Errorf("by department: %w", err)
	}
	d.ByDepartment = nonNilSlice(d.ByDepartment)

	// The parts ceded by the day, by the year their cession took effect: the last
	// cumulative figure is the area ceded to date.
	rows, err = tx.Query(ctx, partsAsOf+`
		SELECT year, `+m2+`, round(sum(sum(area)) OVER (ORDER BY year)::numeric, 1)::float8
		FROM (SELECT extract(year FROM lower(valid))::int AS year, area
		      FROM cur WHERE status = 'ceded') ceded
		GROUP BY year
		ORDER BY year`, day)
	if err != nil {
		return fmt.Errorf("ceded by year: %w", err)
	}
	d.CededByYear, err = pgx.CollectRows(rows, pgx.RowToStructByPos[CededYear])
	if err != nil {
		return fmt.Errorf("ceded by year: %w", err)
	}
	d.CededByYear = nonNilSlice(d.CededByYear)

	calendar, err := queryCalendar(ctx, tx, CalendarQuery{AsOf: asOf})
	if err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	d.DueNext12, d.Overdue = dueAndOverdue(calendar, asOf)
	return nil
}

// dueAndOverdue picks from the calendar what is due in the twelve months from asOf and
// what is late, each ordered by planned date.
func dueAndOverdue(calendar []CalendarItem, asOf time.Time) (due, overdue []CalendarItem) {
	due, overdue = []CalendarItem{}, []CalendarItem{}
	until := asOf.AddDate(1, 0, 0)
	for _, c := range calendar {
		switch {
		case c.Overdue:
			overdue = append(overdue, c)
		case c.DueWithin(asOf, until):
			due = append(due, c)
		}
	}
	byPlanned := func(a, b CalendarItem) int { return a.Planned.Start.Compare(b.Planned.Start) }
	slices.SortStableFunc(due, byPlanned)
	slices.SortStableFunc(overdue, byPlanned)
	return due, overdue
}
