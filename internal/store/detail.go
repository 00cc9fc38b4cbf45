package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// SiteDetail is everything known about one site as it stood on a day: its facts, its
// parts with their status then and their whole status history, its parcels, its timeline
// and its calendar.
type SiteDetail struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Address       string         `json:"address"`
	Department    string         `json:"department"`
	CurrentUse    string         `json:"current_use"`
	Occupant      string         `json:"occupant"`
	Owner         string         `json:"owner"`
	Modality      site.Modality  `json:"modality"`
	ModalityLabel string         `json:"modality_label"`
	ModalityDone  bool           `json:"modality_done"`
	Counterparty  string         `json:"counterparty"`
	Notes         string         `json:"notes"`
	Sources       []string       `json:"sources"`
	AsOf          string         `json:"as_of"`   // YYYY-MM-DD
	AreaM2        float64        `json:"area_m2"` // sum of the parts' computed areas
	AreaHa        float64        `json:"area_ha"`
	Parts         []PartDetail   `json:"parts"`
	Parcels       []ParcelRef    `json:"parcels"`
	Timeline      []TimelineItem `json:"timeline"`
	Calendar      []CalendarItem `json:"calendar"`

	// Version is the site's revision, which the HTTP layer sends as its ETag.
	Version int64 `json:"-"`
}

// PartDetail is a site part with its status on the day asked for.
type PartDetail struct {
	ID              string          `json:"id"`
	Label           string          `json:"label"`
	Status          site.Status     `json:"status"`
	StatusLabel     string          `json:"status_label"`
	StatusSince     site.Date       `json:"status_since"`
	AreaM2          *float64        `json:"area_m2"` // computed by PostGIS; nil when unlocated
	DeclaredAreaM2  *float64        `json:"declared_area_m2"`
	GeometryQuality string          `json:"geometry_quality"`
	GeometrySource  string          `json:"geometry_source"`
	Geometry        json.RawMessage `json:"geometry"` // GeoJSON in WGS84; null when unlocated
	StatusHistory   []StatusPeriod  `json:"status_history"`
}

// StatusPeriod is one status a part has had, from a date (with its precision) until the
// day the next one began.
type StatusPeriod struct {
	Status      site.Status `json:"status"`
	StatusLabel string      `json:"status_label"`
	From        site.Date   `json:"from"`
	Until       *string     `json:"until"` // exclusive day YYYY-MM-DD; nil for the current status
	Reason      string      `json:"reason"`
}

// ParcelRef is a cadastral parcel linked to a part of a site.
type ParcelRef struct {
	ID           string  `json:"id"`
	Section      string  `json:"section"`
	Number       int     `json:"number"`
	ContenanceM2 *int    `json:"contenance_m2"`
	PartID       *string `json:"part_id"`
}

// TimelineItem is a dated event of a site's timeline, past or planned.
type TimelineItem struct {
	ID          int64          `json:"id"`
	PartID      *string        `json:"part_id"`
	Kind        site.EventKind `json:"kind"`
	Date        site.Date      `json:"date"`
	DateLabel   string         `json:"date_label"`
	Planned     bool           `json:"planned"`
	Cancelled   bool           `json:"cancelled"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Source      string         `json:"source"`
	AreaM2      *float64       `json:"area_m2"`
	AmountEUR   *float64       `json:"amount_eur"`
}

// FindSiteDetail returns the site id as it stood on asOf. Parts that did not exist yet and
// deleted events are left out. It returns an error wrapping site.ErrNotFound if there is
// no such site, or if it is deleted.
func (s *Store) FindSiteDetail(ctx context.Context, id string, asOf time.Time) (*SiteDetail, error) {
	asOf = dayOf(asOf)
	var d *SiteDetail
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

func findSiteDetail(ctx context.Context, tx pgx.Tx, id string, asOf time.Time) (*SiteDetail, error) {
	d := &SiteDetail{AsOf: asOf.Format(time.DateOnly)}
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
	d.ModalityLabel = d.Modality.Label()
	if d.Parts, err = queryParts(ctx, tx, id, asOf); err != nil {
		return nil, fmt.Errorf("parts: %w", err)
	}
	for _, p := range d.Parts {
		if p.AreaM2 != nil {
			d.AreaM2 += *p.AreaM2
		}
	}
	d.AreaM2 = math.Round(d.AreaM2*10) / 10
	d.AreaHa = math.Round(d.AreaM2/100) / 100
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
func queryParts(ctx context.Context, tx pgx.Tx, siteID string, asOf time.Time) ([]PartDetail, error) {
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.label, h.status::text, lower(h.valid), h.since_precision::text,
		       round(p.area_m2::numeric, 1)::float8, p.declared_area_m2,
		       p.geometry_quality::text, p.geometry_source,
		       ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(p.geom, 4326)), 7),
		       (SELECT json_agg(json_build_object(
		                   'status', ph.status,
		                   'from', date_text(lower(ph.valid), ph.since_precision),
		                   'until', upper(ph.valid),
		                   'reason', ph.reason) ORDER BY lower(ph.valid))
		          FROM part_status_history ph WHERE ph.part_id = p.id)
		FROM site_parts p
		JOIN part_status_history h ON h.part_id = p.id AND h.valid @> $2::date
		WHERE p.site_id = $1
		ORDER BY p.id`, siteID, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	parts := []PartDetail{}
	for rows.Next() {
		var (
			p         PartDetail
			since     time.Time
			precision string
			geometry  *string
			history   []byte
		)
		if err := rows.Scan(&p.ID, &p.Label, &p.Status, &since, &precision, &p.AreaM2,
			&p.DeclaredAreaM2, &p.GeometryQuality, &p.GeometrySource, &geometry, &history); err != nil {
			return nil, err
		}
		if p.StatusSince, err = site.NewDate(since, precision); err != nil {
			return nil, fmt.Errorf("part %q: %w", p.ID, err)
		}
		p.StatusLabel = p.Status.Label()
		if geometry != nil {
			p.Geometry = json.RawMessage(*geometry)
		}
		if err := json.Unmarshal(history, &p.StatusHistory); err != nil {
			return nil, fmt.Errorf("part %q: status history: %w", p.ID, err)
		}
		for i := range p.StatusHistory {
			p.StatusHistory[i].StatusLabel = p.StatusHistory[i].Status.Label()
		}
		parts = append(parts, p)
	}
	return parts, rows.Err()
}

// queryParcelRefs lists the parcels of the parts of a site that existed on $2.
func queryParcelRefs(ctx context.Context, tx pgx.Tx, siteID string, asOf time.Time) ([]ParcelRef, error) {
	rows, err := tx.Query(ctx, `
		SELECT pa.id, pa.section, pa.number, pa.contenance_m2, pa.part_id
		FROM parcels pa
		JOIN site_parts p ON p.id = pa.part_id
		JOIN part_status_history h ON h.part_id = p.id AND h.valid @> $2::date
		WHERE p.site_id = $1
		ORDER BY pa.id`, siteID, asOf.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	parcels, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ParcelRef, error) {
		var p ParcelRef
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
func queryTimeline(ctx context.Context, tx pgx.Tx, siteID string) ([]TimelineItem, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, part_id, kind, date_start, date_precision::text, planned, cancelled, title,
		       description, source, area_m2, amount_eur::float8
		FROM events
		WHERE site_id = $1 AND deleted_at IS NULL
		ORDER BY date_start, period_end(date_start, date_precision) DESC, id`, siteID)
	if err != nil {
		return nil, err
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (TimelineItem, error) {
		var (
			e         TimelineItem
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
		e.DateLabel = e.Date.French()
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return nonNilSlice(events), nil
}

// readTx runs fn in a read-only transaction that sees one snapshot of the database.
func (s *Store) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only: nothing to undo
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// nonNilSlice makes an empty result a JSON [] rather than null.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
