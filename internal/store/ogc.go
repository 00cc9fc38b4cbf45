package store

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Extent is where and when the features of a collection lie.
type Extent struct {
	// BBox is the bounding box in longitude/latitude (CRS84): west, south, east, north;
	// nil when no feature has a geometry.
	BBox *[4]float64
	// Temporal tells whether the collection has a time extent; Start and End bound it,
	// nil for an open end.
	Temporal   bool
	Start, End *time.Time
}

// CollectionExtents returns the extent of every feature collection, by id. The boxes are
// computed in Lambert-93 and their corners projected, which at the scale of Ivry is exact
// to well under a metre. Deleted sites and events count for nothing.
//
// Computing them reads every parcel; they are kept until a layer version moves on, so a
// request costs one lookup of the versions.
func (s *Store) CollectionExtents(ctx context.Context) (map[string]Extent, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: collection extents: %w", err)
	}
	defer db.Release()
	var key string
	// Commitments have no layer version: their count and versions (each change of one adds
	// to its version) stand for it, read from a few dozen rows.
	if err := db.QueryRow(ctx, `
		SELECT (SELECT string_agg(layer || ':' || version, ',' ORDER BY layer) FROM layer_versions)
		       || ',commitments:' || (SELECT count(*) || '/' || coalesce(sum(version), 0) FROM commitments)`).Scan(&key); err != nil {
		return nil, fmt.Errorf("store: collection extents: %w", err)
	}
	s.extents.mu.Lock()
	defer s.extents.mu.Unlock()
	if s.extents.key == key {
		return maps.Clone(s.extents.byID), nil
	}
	byID, err := collectionExtents(ctx, db)
	if err != nil {
		return nil, err
	}
	s.extents.key, s.extents.byID = key, byID
	return maps.Clone(byID), nil
}

// extentCache holds the collection extents of one set of layer versions.
type extentCache struct {
	mu   sync.Mutex
	key  string // the layer versions they were computed for
	byID map[string]Extent
}

func collectionExtents(ctx context.Context, db querier) (map[string]Extent, error) {
	rows, err := db.Query(ctx, `
		WITH boxes AS (
		    SELECT 'sites' AS id, ST_Extent(p.geom) AS box
		      FROM site_parts p JOIN sites s ON s.id = p.site_id AND s.deleted_at IS NULL
		    UNION ALL
		    SELECT 'parcels', ST_Extent(geom) FROM parcels
		    UNION ALL
		    SELECT 'events', ST_Extent(g.geom) FROM site_parts g
		     WHERE EXISTS (SELECT 1 FROM events e
		                    JOIN sites s ON s.id = e.site_id AND s.deleted_at IS NULL
		                    WHERE e.deleted_at IS NULL
		                      AND (e.part_id = g.id OR (e.part_id IS NULL AND e.site_id = g.site_id)))
		    UNION ALL
		    SELECT 'boundaries', ST_Extent(geom) FROM boundaries
		    UNION ALL
		    SELECT 'commitments', ST_Extent(g.geom) FROM site_parts g
		      JOIN sites s ON s.id = g.site_id AND s.deleted_at IS NULL
		     WHERE g.site_id IN (SELECT site_id FROM commitment_sites)
		        OR g.id IN (SELECT part_id FROM commitment_parts)
		), lonlat AS (
		    SELECT id, ST_Transform(ST_SetSRID(box::geometry, 2154), 4326) AS g FROM boxes
		)
		SELECT id, ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g),
		       CASE id
		           WHEN 'sites' THEN (SELECT min(lower(h.valid)) FROM part_status_history h
		                               JOIN site_parts p ON p.id = h.part_id
		                               JOIN sites s ON s.id = p.site_id AND s.deleted_at IS NULL)
		           WHEN 'events' THEN (SELECT min(e.date_start) FROM events e
		                               JOIN sites s ON s.id = e.site_id AND s.deleted_at IS NULL
		                               WHERE e.deleted_at IS NULL)
		           WHEN 'commitments' THEN (SELECT min(due_start) FROM commitments)
		       END,
		       CASE id
		           WHEN 'events' THEN (SELECT max(period_end(e.date_start, e.date_precision)) - 1 FROM events e
		                               JOIN sites s ON s.id = e.site_id AND s.deleted_at IS NULL
		                               WHERE e.deleted_at IS NULL)
		           WHEN 'commitments' THEN (SELECT max(period_end(due_start, due_precision)) - 1 FROM commitments)
		       END
		FROM lonlat`)
	if err != nil {
		return nil, fmt.Errorf("store: collection extents: %w", err)
	}
	defer rows.Close()
	extents := map[string]Extent{}
	for rows.Next() {
		var id string
		var minX, minY, maxX, maxY *float64
		var e Extent
		if err := rows.Scan(&id, &minX, &minY, &maxX, &maxY, &e.Start, &e.End); err != nil {
			return nil, fmt.Errorf("store: collection extents: %w", err)
		}
		if minX != nil {
			e.BBox = &[4]float64{*minX, *minY, *maxX, *maxY}
		}
		e.Temporal = collections[id].temporal != nil || collections[id].from != nil
		extents[id] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: collection extents: %w", err)
	}
	return extents, nil
}
