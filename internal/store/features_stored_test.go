package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// TestStoredOutlines checks that the outlines parcels keep written as GeoJSON
// (migrations/010_parcel_geojson.sql) are the ones the service would write itself in
// their CRS, after an insert and after an update of the outline, and that the features
// read with the CRS84 one and without it (EPSG:4326 is written afresh) carry the same
// coordinates.
func TestStoredOutlines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSeeded(t)
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO parcels (id, contenance_m2, geom, source)
		SELECT '94041000ZY' || lpad((g + 1)::text, 4, '0'), 64,
		       ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(652000 + g * 12.345678, 6851000 + g * 3.21), 2154), 5, 'quad_segs=2')),
		       'test'
		FROM generate_series(0, 19) AS g`); err != nil {
		t.Fatal(err)
	}
	// An outline written clockwise, which the GeoJSON must turn.
	if _, err := s.pool.Exec(ctx, `
		UPDATE parcels SET geom = ST_Multi(ST_ForcePolygonCW(ST_Translate(geom, 0.0137, -0.0071)))
		WHERE id = '94041000ZY0003'`); err != nil {
		t.Fatal(err)
	}
	c, err := lookup(CollectionParcels)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.storedGeom) != 2 {
		t.Fatalf("parcels keep %d outlines; the test knows 2", len(c.storedGeom))
	}
	for _, g := range c.storedGeom {
		q := FeatureQuery{CRS: g.crs}
		computed, err := q.geometryJSON("pa.geom")
		if err != nil {
			t.Fatal(err)
		}
		var stale, kept int
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE `+g.column+` IS DISTINCT FROM `+computed+`), count(*)
			FROM parcels pa WHERE geom IS NOT NULL`).Scan(&stale, &kept); err != nil {
			t.Fatal(err)
		}
		if stale != 0 || kept < 20 {
			t.Errorf("%s: %d of %d parcels keep an outline other than the one the service writes in %s", g.column, stale, kept, g.crs.URI)
		}
	}

	coordinates := func(crs site.CRS) map[string][]byte {
		out := map[string][]byte{}
		b := BBox{SRID: site.SRIDLambert93, MinX: 651900, MinY: 6850900, MaxX: 652400, MaxY: 6851200}
		_, err := s.Features(ctx, CollectionParcels, FeatureQuery{CRS: crs, BBox: &b, Limit: 100}, func(id, feature []byte) error {
			var f struct {
				Geometry struct {
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
			}
			if err := json.Unmarshal(feature, &f); err != nil {
				return err
			}
			out[string(id)] = f.Geometry.Coordinates
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	stored, fresh := coordinates(site.CRS84), coordinates(site.EPSG4326)
	if len(stored) != 20 {
		t.Fatalf("%d features in the box, want 20", len(stored))
	}
	for id, c := range stored {
		var lonLat, latLon [][][][2]float64
		if err := json.Unmarshal(c, &lonLat); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(fresh[id], &latLon); err != nil {
			t.Fatal(err)
		}
		for i, p := range lonLat[0][0] {
			if q := latLon[0][0][i]; p[0] != q[1] || p[1] != q[0] {
				t.Errorf("%s position %d: %v in CRS84, %v in EPSG:4326", id, i, p, q)
				break
			}
		}
	}
}

// TestFeatureSettingsStayInTheirBatch checks what streamFeatures relies on: settings made
// local by the first statement of a batch hold for the next statement of the batch (one
// implicit transaction), and are gone for the connection's next user.
func TestFeatureSettingsStayInTheirBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSeeded(t)
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	show := `SELECT current_setting('max_parallel_workers_per_gather') || ' ' || current_setting('plan_cache_mode') || ' ' || current_setting('jit')`
	var before, within, after string
	if err := c.QueryRow(ctx, show).Scan(&before); err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	b.Queue(pageSettingsSQL)
	b.Queue(show).QueryRow(func(row pgx.Row) error { return row.Scan(&within) })
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, show).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if want := "0 force_custom_plan off"; within != want {
		t.Errorf("within the batch: %q, want %q", within, want)
	}
	if after != before || after == within {
		t.Errorf("after the batch: %q, want the connection's own %q", after, before)
	}
}

// TestWholeCollectionCountedInPage checks the pages of a whole collection, whose count and
// previous page the page statement reads itself (pageCount): numberMatched and HasPrev on
// the first page, after a cursor, and past the last feature, where no row carries them.
func TestWholeCollectionCountedInPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSeeded(t)
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO parcels (id, contenance_m2, geom, source)
		SELECT '94041000ZX' || lpad((g + 1)::text, 4, '0'), 64,
		       ST_Multi(ST_MakeEnvelope(653000 + g * 10, 6852000, 653008 + g * 10, 6852008, 2154)), 'test'
		FROM generate_series(0, 29) AS g`); err != nil {
		t.Fatal(err)
	}
	var total int64
	var last string
	if err := s.pool.QueryRow(ctx, `SELECT count(*), max(id) FROM parcels`).Scan(&total, &last); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		after    string
		prev     bool
		returned int
	}{
		{"first page", "", false, 10},
		{"after a cursor", "94041000ZX0005", true, 10},
		{"past the last feature", last, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := FeatureQuery{CRS: site.CRS84, Limit: 10, Count: true, After: tc.after}
			sql, _, err := FeatureSQL(CollectionParcels, q)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(sql, "feature_counts") {
				t.Errorf("the page statement does not read the kept count:\n%s", sql)
			}
			p, err := s.Features(ctx, CollectionParcels, q, func(_, _ []byte) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if p.Matched != total || p.HasPrev != tc.prev || p.Returned != tc.returned {
				t.Errorf("matched %d, has_prev %v, returned %d; want %d, %v, %d",
					p.Matched, p.HasPrev, p.Returned, total, tc.prev, tc.returned)
			}
		})
	}
}
