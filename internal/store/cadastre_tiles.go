package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Vector tiles are made by PostGIS (ST_AsMVT) in Web Mercator, the tiling scheme of every
// web map. The tile's envelope is projected to Lambert-93 for the && filter, so that the
// GiST index on the stored geometries answers it; only the geometries found are projected.
// Tiles have the usual 4096-unit grid and a 64-unit margin, so that outlines show no seam
// at tile edges.
//
// Each outline is clipped and snapped to the grid (ST_AsMVTGeom) in a MATERIALIZED CTE,
// then the empty ones left out: written as a subquery, the planner pushes "geom IS NOT
// NULL" down into the scan and ST_AsMVTGeom runs twice per feature, once for the filter
// and once for the output. Evaluated once, a z16 parcel tile over Ivry of the department's
// file (some 200 parcels) takes 1.6 ms of PostGIS instead of 3.1 ms (EXPLAIN ANALYZE and
// the 110 tiles over Ivry in one statement, warm cache).

// parcelTileSQL draws the parcels of tile $1/$2/$3 as the layer "parcels", with the
// properties id, contenance (m²) and part_id (absent when the parcel serves no part, or
// only a part of a deleted site).
const parcelTileSQL = `
WITH t AS MATERIALIZED (
    SELECT p.id, p.contenance_m2 AS contenance,
           CASE WHEN s.id IS NOT NULL THEN p.part_id END AS part_id,
           ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM parcels p
      LEFT JOIN site_parts sp ON sp.id = p.part_id
      LEFT JOIN sites s ON s.id = sp.site_id AND s.deleted_at IS NULL
     WHERE p.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 2154))
SELECT coalesce(ST_AsMVT(t, 'parcels', 4096, 'geom'), '') FROM t WHERE t.geom IS NOT NULL`

// siteTileSQL draws the site parts of tile $1/$2/$3 as the layer "sites", with their
// current status: part_id, site_id, name (the site's), label (the part's), status and
// quality (geometry quality). Deleted sites are left out.
const siteTileSQL = `
WITH t AS MATERIALIZED (
    SELECT p.id AS part_id, p.site_id, s.name, p.label, p.status, p.geometry_quality AS quality,
           ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
      FROM site_parts p JOIN sites s ON s.id = p.site_id
     WHERE p.geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 2154)
       AND s.deleted_at IS NULL)
SELECT coalesce(ST_AsMVT(t, 'sites', 4096, 'geom'), '') FROM t WHERE t.geom IS NOT NULL`

// ParcelTile returns the MVT tile z/x/y of the parcels layer; empty when no parcel
// crosses it. The caller checks z, x and y.
func (s *Store) ParcelTile(ctx context.Context, z, x, y int) ([]byte, error) {
	b, err := s.tile(ctx, parcelTileSQL, z, x, y)
	if err != nil {
		return nil, fmt.Errorf("store: parcel tile %d/%d/%d: %w", z, x, y, err)
	}
	return b, nil
}

// SiteTile returns the MVT tile z/x/y of the sites layer; empty when no part crosses it.
func (s *Store) SiteTile(ctx context.Context, z, x, y int) ([]byte, error) {
	b, err := s.tile(ctx, siteTileSQL, z, x, y)
	if err != nil {
		return nil, fmt.Errorf("store: site tile %d/%d/%d: %w", z, x, y, err)
	}
	return b, nil
}

// tile runs a tile query. The planner's estimates for thousands of ST_AsMVTGeom calls
// bring in JIT compilation (some 50 ms, more than the query) and parallel workers (which
// only compete with the other tile requests on a small server): both are off for it.
func (s *Store) tile(ctx context.Context, sql string, z, x, y int) ([]byte, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Release()
	var b []byte
	err = pgx.BeginTxFunc(ctx, db, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
			return err
		}
		return tx.QueryRow(ctx, sql, z, x, y).Scan(&b)
	})
	return b, err
}

// ParcelLayerVersion is a number that changes whenever anything writes to parcels or to
// the sites (statement triggers count both: a deleted site takes its part ids off the
// parcels), so that it can stand for the content of every parcel tile.
func (s *Store) ParcelLayerVersion(ctx context.Context) (int64, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: parcel layer version: %w", err)
	}
	defer db.Release()
	var v int64
	if err := db.QueryRow(ctx, `SELECT sum(version)::bigint FROM layer_versions WHERE layer IN ('parcels', 'sites')`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: parcel layer version: %w", err)
	}
	return v, nil
}
