package store

import (
	"context"
	"fmt"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// FeatureQuery selects the site-part features to stream.
type FeatureQuery struct {
	SRID int        // output CRS: site.SRIDWGS84 (RFC 7946) or site.SRIDLambert93
	AsOf *time.Time // state on that day; nil for today
}

// decimals is the precision written for each output CRS: 7 decimals of a degree and 2 of a
// metre are both about a centimetre, finer than any land record.
func decimals(srid int) (int, error) {
	switch srid {
	case site.SRIDWGS84:
		return 7, nil
	case site.SRIDLambert93:
		return 2, nil
	}
	return 0, site.Invalid("crs", "unsupported SRID %d", srid)
}

// partFeatureSQL builds one GeoJSON Feature per site part in PostgreSQL, with the part's
// status as of $3, its site's facts and its current calendar. Outer rings are made
// counter-clockwise as RFC 7946 asks. A part that did not exist yet on $3 is left out.
const partFeatureSQL = `
SELECT json_build_object(
    'type', 'Feature',
    'id', p.id,
    'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(p.geom, $1::int)), $2::int, 0)::json,
    'properties', json_build_object(
        'site_id', s.id,
        'name', s.name,
        'part_label', p.label,
        'address', s.address,
        'department', s.department,
        'current_use', s.current_use,
        'occupant', s.occupant,
        'owner', s.owner,
        'status', h.status,
        'status_since', date_text(lower(h.valid), h.since_precision),
        'modality', s.modality,
        'modality_done', s.modality_done,
        'counterparty', s.counterparty,
        'area_m2', round(p.area_m2::numeric, 1),
        'declared_area_m2', p.declared_area_m2,
        'geometry_quality', p.geometry_quality,
        'geometry_source', p.geometry_source,
        'planned_release', cal.planned_release,
        'actual_release', cal.actual_release,
        'planned_disposal', cal.planned_disposal,
        'actual_disposal', cal.actual_disposal
    )
)::text
FROM site_parts p
JOIN sites s ON s.id = p.site_id
JOIN part_status_history h ON h.part_id = p.id AND h.valid @> $3::date
LEFT JOIN LATERAL (
    SELECT max(m.planned) FILTER (WHERE m.kind = 'release') AS planned_release,
           max(m.actual) FILTER (WHERE m.kind = 'release') AS actual_release,
           max(m.planned) FILTER (WHERE m.kind = 'disposal') AS planned_disposal,
           max(m.actual) FILTER (WHERE m.kind = 'disposal') AS actual_disposal
    FROM (
        SELECT m.kind,
               date_text(m.actual_date, m.actual_precision) AS actual,
               (SELECT date_text(mp.planned_date, mp.planned_precision)
                  FROM milestone_plans mp WHERE mp.milestone_id = m.id
                 ORDER BY mp.id DESC LIMIT 1) AS planned
        FROM milestones m
        WHERE m.site_id = p.site_id AND (m.part_id = p.id OR m.part_id IS NULL)
    ) m
) cal ON true
ORDER BY p.id`

// EachPartFeature streams the site-part features as GeoJSON, one call of fn per feature,
// without holding the result in memory. The bytes passed to fn are only valid during the
// call.
func (s *Store) EachPartFeature(ctx context.Context, q FeatureQuery, fn func(feature []byte) error) error {
	digits, err := decimals(q.SRID)
	if err != nil {
		return err
	}
	asOf := time.Now()
	if q.AsOf != nil {
		asOf = *q.AsOf
	}
	rows, err := s.pool.Query(ctx, partFeatureSQL, q.SRID, digits, asOf.Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("store: part features: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.RawValues()[0]); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: part features: %w", err)
	}
	return nil
}
