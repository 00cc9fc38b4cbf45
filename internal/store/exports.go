package store

import (
	"context"
	"fmt"
	"time"
)

// BrownfieldPart is what the CNIG "Friches" export profile needs to know of one site part
// as it stood on a day.
type BrownfieldPart struct {
	PartID, SiteName, PartLabel, Address string
	Status                               string
	Modality                             string
	Owner, Counterparty                  string
	Sources                              []string
	Identified                           time.Time // the first day the part is on record
	Updated                              time.Time // the last change to the part or its site
	ParcelIDs                            []string
	ParcelAreaM2                         *int    // sum of the parcels' legal areas
	ReconvertedYear                      *int    // year of a delivery or opening on the part, if done
	CentroidWKT, GeometryWKT             *string // WGS84 lon/lat; nil when unlocated
}

// EachBrownfieldPart streams the parts of the sites not deleted that existed on asOf, with
// their status then, for the CNIG "Friches" export, in part id order.
func (s *Store) EachBrownfieldPart(ctx context.Context, asOf time.Time, fn func(*BrownfieldPart) error) error {
	db, err := s.reader(ctx)
	if err != nil {
		return fmt.Errorf("store: brownfield parts: %w", err)
	}
	defer db.Release()
	rows, err := db.Query(ctx, `
		SELECT p.id, s.name, p.label, s.address, h.status::text, s.modality, s.owner,
		       s.counterparty, s.sources,
		       (SELECT min(lower(valid)) FROM part_status_history WHERE part_id = p.id),
		       greatest(p.updated_at, s.updated_at)::date,
		       coalesce((SELECT array_agg(pa.id ORDER BY pa.id) FROM parcels pa WHERE pa.part_id = p.id), '{}'),
		       (SELECT sum(pa.contenance_m2)::int FROM parcels pa WHERE pa.part_id = p.id),
		       (SELECT extract(year FROM max(e.date_start))::int FROM events e
		         WHERE e.site_id = p.site_id AND (e.part_id = p.id OR e.part_id IS NULL)
		           AND e.deleted_at IS NULL
		           AND e.kind IN ('delivery', 'opening') AND NOT e.planned AND NOT e.cancelled
		           AND e.date_start <= $1::date),
		       ST_AsText(ST_Centroid(ST_Transform(p.geom, 4326)), 7),
		       ST_AsText(ST_Transform(p.geom, 4326), 7)
		FROM site_parts p
		JOIN sites s ON s.id = p.site_id
		JOIN part_states_on($1::date) h ON h.part_id = p.id
		ORDER BY p.id`, dayOf(asOf).Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("store: brownfield parts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b BrownfieldPart
		if err := rows.Scan(&b.PartID, &b.SiteName, &b.PartLabel, &b.Address, &b.Status, &b.Modality,
			&b.Owner, &b.Counterparty, &b.Sources, &b.Identified, &b.Updated, &b.ParcelIDs,
			&b.ParcelAreaM2, &b.ReconvertedYear, &b.CentroidWKT, &b.GeometryWKT); err != nil {
			return fmt.Errorf("store: brownfield parts: %w", err)
		}
		if err := fn(&b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: brownfield parts: %w", err)
	}
	return nil
}
