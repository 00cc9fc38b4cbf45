package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// partsAsOf is every part of a site not deleted that existed on $1, with its status then.
// Unlocated parts have no computed area and count for 0 m².
const partsAsOf = `
WITH cur AS (
    SELECT p.id, p.site_id, s.department, h.status, h.valid, p.geom IS NOT NULL AS located,
           coalesce(p.area_m2, 0) AS area, p.geometry_quality, p.declared_area_m2
    FROM part_states_on($1::date) h
    JOIN site_parts p ON p.id = h.part_id
    JOIN sites s ON s.id = p.site_id
)`

// m2 rounds a sum of square metres to 0.1 m².
const m2 = `round(coalesce(sum(area), 0)::numeric, 1)::float8`

// DashboardAsOf computes the dashboard as it stood on asOf, or as it is projected when
// asOf is after today (what is late is judged on today, see site.LateOn).
func (s *Store) DashboardAsOf(ctx context.Context, asOf, today time.Time) (*site.Dashboard, error) {
	asOf = dayOf(asOf)
	d := &site.Dashboard{AsOf: asOf, Today: dayOf(today)}
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		return loadDashboard(ctx, tx, d)
	})
	if err != nil {
		return nil, fmt.Errorf("store: dashboard as of %s: %w", asOf.Format(time.DateOnly), err)
	}
	return d, nil
}

func loadDashboard(ctx context.Context, tx pgx.Tx, d *site.Dashboard) error {
	asOf := d.AsOf
	day := asOf.Format(time.DateOnly)
	t := &d.Totals
	err := tx.QueryRow(ctx, partsAsOf+`
		SELECT count(DISTINCT site_id), count(*), count(*) FILTER (WHERE located),
		       count(*) FILTER (WHERE NOT located), `+m2+`
		FROM cur`, day).Scan(&t.Sites, &t.Parts, &t.LocatedParts, &t.UnlocatedParts, &t.AreaM2)
	if err != nil {
		return fmt.Errorf("totals: %w", err)
	}

	statuses := []string{}
	for _, st := range site.Statuses() {
		statuses = append(statuses, string(st))
	}
	rows, err := tx.Query(ctx, partsAsOf+`
		SELECT st.status, count(cur.id), `+m2+`
		FROM unnest($2::text[]) WITH ORDINALITY AS st(status, ord)
		LEFT JOIN cur ON cur.status = st.status
		GROUP BY st.status, st.ord
		ORDER BY st.ord`, day, statuses)
	if err != nil {
		return fmt.Errorf("by status: %w", err)
	}
	d.ByStatus, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.StatusArea, error) {
		var a site.StatusArea
		err := row.Scan(&a.Status, &a.Parts, &a.AreaM2)
		return a, err
	})
	if err != nil {
		return fmt.Errorf("by status: %w", err)
	}

	rows, err = tx.Query(ctx, partsAsOf+`
		SELECT department, count(*), `+m2+`
		FROM cur
		GROUP BY department
		ORDER BY sum(area) DESC, department`, day)
	if err != nil {
		return fmt.Errorf("by department: %w", err)
	}
	d.ByDepartment, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.DepartmentArea, error) {
		var a site.DepartmentArea
		err := row.Scan(&a.Department, &a.Parts, &a.AreaM2)
		return a, err
	})
	if err != nil {
		return fmt.Errorf("by department: %w", err)
	}
	d.ByDepartment = nonNilSlice(d.ByDepartment)

	// Where each area comes from is the domain's rule (site.SourceOfArea): the parts are
	// read one by one and summed there, in total, by status, by department, ceded and still held.
	rows, err = tx.Query(ctx, partsAsOf+`
		SELECT status, department, geometry_quality, declared_area_m2, area FROM cur`, day)
	if err != nil {
		return fmt.Errorf("areas: %w", err)
	}
	parts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.PartArea, error) {
		var (
			p        site.PartArea
			quality  site.GeometryQuality
			declared *float64
		)
		err := row.Scan(&p.Status, &p.Department, &quality, &declared, &p.AreaM2)
		p.Source = site.SourceOfArea(quality, declared)
		return p, err
	})
	if err != nil {
		return fmt.Errorf("areas: %w", err)
	}
	d.AccountAreas(parts)

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
	d.CededByYear, err = pgx.CollectRows(rows, pgx.RowToStructByPos[site.CededYear])
	if err != nil {
		return fmt.Errorf("ceded by year: %w", err)
	}
	d.CededByYear = nonNilSlice(d.CededByYear)

	calendar, err := queryCalendar(ctx, tx, CalendarQuery{AsOf: asOf})
	if err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	d.DueNext12, d.Overdue = site.DueAndOverdue(calendar, asOf, d.Today)
	return nil
}
