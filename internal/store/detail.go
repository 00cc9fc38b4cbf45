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

// FindSiteDetail returns the site id as it stood on asOf. Parts that did not exist yet and
// deleted events are left out. It returns an error wrapping site.ErrNotFound if there is
// no such site, or if it is deleted.
func (s *Store) FindSiteDetail(ctx context.Context, id string, asOf time.Time) (*site.Site, error) {
	asOf = dayOf(asOf)
	var d *site.Site
	// One snapshot for the five queries, so that the parts, parcels and calendar agree.
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		d, err = findSiteDetail(ctx, tx, id, asOf)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: find site %q: %w", id, err)
	}
	return d, nil
}

func findSiteDetail(ctx context.Context, tx pgx.Tx, id string, asOf time.Time) (*site.Site, error) {
	d := &site.Site{AsOf: asOf}
	err := tx.QueryRow(ctx, `
		SELECT id, name, address, department, current_use, occupant, owner, modality,
		       modality_done, counterparty, notes, sources, version
		FROM sites WHERE id = $1 AND deleted_at IS NULL`, id).Scan(
		&d.ID, &d.Name, &d.Address, &d.Department, &d.CurrentUse, &d.Occupant, &d.Owner,
		&d.Modality, &d.ModalityDone, &d.Counterparty, &d.Notes, &d.Sources, &d.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, site.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if d.Parts, err = queryParts(ctx, tx, id, asOf); err != nil {
		return nil, fmt.Errorf("parts: %w", err)
	}
	if d.Parcels, err = queryParcelRefs(ctx, tx, id, asOf); err != nil {
		return nil, fmt.Errorf("parcels: %w", err)
	}
	if d.Timeline, err = queryTimeline(ctx, tx, id); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	if d.Calendar, err = queryCalendar(ctx, tx, CalendarQuery{AsOf: asOf, SiteID: id}); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return d, nil
}

// queryParts lists the parts of a site that existed on $2, with their status then and
// their whole status history.
func queryParts(ctx context.Context, tx pgx.Tx, siteID string, asOf time.Time) ([]site.Part, error) {
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.label, h.status::text, lower(h.valid), h.since_precision::text, h.projected,
		       round(p.area_m2::numeric, 1)::float8, p.declared_area_m2,
		       p.geometry_quality::text, p.geometry_source,
		       ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(p.geom, 4326)), 7),
		       hist.statuses, hist.froms, hist.precisions, hist.untils, hist.reasons
		FROM site_parts p
		JOIN part_states_on($2::date) h ON h.part_id = p.id
		CROSS JOIN LATERAL (
		    SELECT array_agg(ph.status::text ORDER BY lower(ph.valid)) AS statuses,
		           array_agg(lower(ph.valid) ORDER BY lower(ph.valid)) AS froms,
		           array_agg(ph.since_precision::text ORDER BY lower(ph.valid)) AS precisions,
		           array_agg(upper(ph.valid) ORDER BY lower(ph.valid)) AS untils,
		           array_agg(ph.reason ORDER BY lower(ph.valid)) AS reasons
		    FROM part_status_history ph WHERE ph.part_id = p.id
		) hist
		WHERE p.site_id = $1
		ORDER BY p.id`, siteID, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	parts := []site.Part{}
	for rows.Next() {
		var (
			p          site.Part
			since      time.Time
			precision  string
			geometry   *string
			statuses   []site.Status
			froms      []time.Time
			precisions []string
			untils     []*time.Time
			reasons    []string
		)
		if err := rows.Scan(&p.ID, &p.Label, &p.Status, &since, &precision, &p.Projected, &p.AreaM2,
			&p.DeclaredAreaM2, &p.GeometryQuality, &p.GeometrySource, &geometry,
			&statuses, &froms, &precisions, &untils, &reasons); err != nil {
			return nil, err
		}
		if p.StatusSince, err = site.NewDate(since, precision); err != nil {
			return nil, fmt.Errorf("part %q: %w", p.ID, err)
		}
		if geometry != nil {
			p.Geometry = json.RawMessage(*geometry)
		}
		for i, st := range statuses {
			from, err := site.NewDate(froms[i], precisions[i])
			if err != nil {
				return nil, fmt.Errorf("part %q: status history: %w", p.ID, err)
			}
			p.StatusHistory = append(p.StatusHistory, site.StatusPeriod{Status: st, From: from, Until: untils[i], Reason: reasons[i]})
		}
		parts = append(parts, p)
	}
	return parts, rows.Err()
}

// queryParcelRefs lists the parcels of the parts of a site that existed on $2.
func queryParcelRefs(ctx context.Context, tx pgx.Tx, siteID string, asOf time.Time) ([]site.ParcelRef, error) {
	rows, err := tx.Query(ctx, `
		SELECT pa.id, pa.section, pa.number, pa.contenance_m2, pa.part_id
		FROM parcels pa
		JOIN site_parts p ON p.id = pa.part_id
		JOIN part_states_on($2::date) h ON h.part_id = p.id
		WHERE p.site_id = $1
		ORDER BY pa.id`, siteID, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	parcels, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.ParcelRef, error) {
		var p site.ParcelRef
		err := row.Scan(&p.ID, &p.Section, &p.Number, &p.ContenanceM2, &p.PartID)
		return p, err
	})
	if err != nil {
		return nil, err
	}
	return nonNilSlice(parcels), nil
}

// queryTimeline lists a site's events, past and planned together, by date: a coarser date
// comes before a finer one that starts on the same day ("2019" before "2019-01-15").
func queryTimeline(ctx context.Context, tx pgx.Tx, siteID string) ([]site.Event, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, part_id, kind, date_start, date_precision::text, planned, cancelled, title,
		       description, source, area_m2, amount_eur::float8
		FROM events
		WHERE site_id = $1 AND deleted_at IS NULL
		ORDER BY date_start, period_end(date_start, date_precision) DESC, id`, siteID)
	if err != nil {
		return nil, err
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.Event, error) {
		var (
			e         site.Event
			start     time.Time
			precision string
		)
		if err := row.Scan(&e.ID, &e.PartID, &e.Kind, &start, &precision, &e.Planned, &e.Cancelled,
			&e.Title, &e.Description, &e.Source, &e.AreaM2, &e.AmountEUR); err != nil {
			return e, err
		}
		var err error
		if e.Date, err = site.NewDate(start, precision); err != nil {
			return e, fmt.Errorf("event %d: %w", e.ID, err)
		}
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return nonNilSlice(events), nil
}

// readTx runs fn in a read-only transaction that sees one snapshot of the database.
// It runs on a replica unless the context asks for fresher data (see reader).
func (s *Store) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	db, err := s.reader(ctx)
	if err != nil {
		return err
	}
	defer db.Release()
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only: nothing to undo
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// readList runs load in one read-only snapshot and returns its rows, an empty slice for none.
func readList[T any](ctx context.Context, s *Store, load func(tx pgx.Tx) ([]T, error)) ([]T, error) {
	var out []T
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = load(tx)
		return err
	})
	return nonNilSlice(out), err
}

// readOne is readList for a load that selects one row by its key: site.ErrNotFound when
// there is none.
func readOne[T any](ctx context.Context, s *Store, load func(tx pgx.Tx) ([]T, error)) (T, error) {
	out, err := readList(ctx, s, load)
	if err == nil && len(out) == 0 {
		err = site.ErrNotFound
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return out[0], nil
}

// nonNilSlice makes an empty result an empty slice rather than nil.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
