package store

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

// TestFeaturesBBoxMatched checks numberMatched of bbox queries against PostgreSQL's own
// count, on the first page (counted by the page statement itself) and after a cursor
// (counted by the count statement), with more matches than a page holds, as many, and
// none.
func TestFeaturesBBoxMatched(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSeeded(t)
	// A grid of 30 × 30 square parcels of 8 m every 10 m, in section ZZ, away from the
	// seeded ones.
	const x0, y0 = 651000.0, 6850000.0
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO parcels (id, contenance_m2, geom, source)
		SELECT '94041000ZZ' || lpad((g + 1)::text, 4, '0'), 64,
		       ST_Multi(ST_MakeEnvelope($1 + (g % 30) * 10, $2 + (g / 30) * 10, $1 + (g % 30) * 10 + 8, $2 + (g / 30) * 10 + 8, 2154)),
		       'test grid'
		FROM generate_series(0, 899) AS g`, x0, y0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		box   [4]float64 // Lambert-93, from the grid's corner
		limit int
	}{
		{"more matches than the page", [4]float64{5, 5, 125, 95}, 50}, // 13 × 10 parcels
		{"one page holds all", [4]float64{5, 5, 125, 95}, 1000},
		{"as many as the page", [4]float64{0, 0, 49, 9}, 5},
		{"none", [4]float64{-500, -500, -400, -400}, 10},
		{"edges only touched", [4]float64{8, 8, 10, 10}, 10}, // 4 parcels
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := BBox{SRID: site.SRIDLambert93, MinX: x0 + tc.box[0], MinY: y0 + tc.box[1], MaxX: x0 + tc.box[2], MaxY: y0 + tc.box[3]}
			var want int64
			if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM parcels WHERE ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 2154))`,
				b.MinX, b.MinY, b.MaxX, b.MaxY).Scan(&want); err != nil {
				t.Fatal(err)
			}
			q := FeatureQuery{CRS: site.CRS84, BBox: &b, Limit: tc.limit, Count: true}
			var seen int64
			for page := 1; ; page++ {
				var n int
				p, err := s.Features(ctx, CollectionParcels, q, func(_, feature []byte) error {
					if !strings.Contains(string(feature), `"type"`) {
						t.Errorf("page %d: feature %s", page, feature)
					}
					n++
					return nil
				})
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				if p.Matched != want {
					t.Errorf("page %d (after %q): Matched = %d; want %d", page, q.After, p.Matched, want)
				}
				if p.HasPrev != (page > 1) {
					t.Errorf("page %d: HasPrev = %v", page, p.HasPrev)
				}
				seen += int64(n)
				if p.HasNext != (seen < want) {
					t.Errorf("page %d: HasNext = %v with %d of %d seen", page, p.HasNext, seen, want)
				}
				if !p.HasNext || page > 10 {
					break
				}
				q.After = p.Last
			}
			if seen != want {
				t.Errorf("%d features over the pages; want %d", seen, want)
			}
		})
	}

	// The first page of a bbox query counts in its own statement, and only it.
	b := BBox{SRID: site.SRIDLambert93, MinX: x0, MinY: y0, MaxX: x0 + 100, MaxY: y0 + 100}
	for _, tc := range []struct {
		name string
		q    FeatureQuery
		want bool
	}{
		{"bbox, first page", FeatureQuery{CRS: site.CRS84, BBox: &b, Limit: 10, Count: true}, true},
		{"bbox, after a cursor", FeatureQuery{CRS: site.CRS84, BBox: &b, Limit: 10, Count: true, After: "94041000ZZ0005"}, false},
		{"bbox, not counted", FeatureQuery{CRS: site.CRS84, BBox: &b, Limit: 10}, false},
		{"no bbox", FeatureQuery{CRS: site.CRS84, Limit: 10, Count: true}, false},
	} {
		sql, _, err := FeatureSQL(CollectionParcels, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(sql, "count(*) OVER ()"); got != tc.want {
			t.Errorf("%s: the page statement counts = %v; want %v", tc.name, got, tc.want)
		}
	}
}

// TestFeaturesBBoxInnerRectangle checks the shortcut of BBox.inner against PostGIS's own
// exact test: random boxes, in CRS84 and in Lambert-93, over a dense grid of 3 m squares
// (many of them crossing each box's edges), select exactly the squares that meet the box.
func TestFeaturesBBoxInnerRectangle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSeeded(t)
	const x0, y0 = 652500.0, 6855000.0 // in Ivry
	if _, err := s.pool.Exec(ctx, `
		INSERT INTO parcels (id, contenance_m2, geom, source)
		SELECT '94041000' || chr(65 + g / 26000) || chr(65 + (g / 1000) % 26) || lpad((g % 1000 + 1)::text, 4, '0'), 9,
		       ST_Multi(ST_MakeEnvelope($1 + (g % 80) * 4.1, $2 + (g / 80) * 4.1, $1 + (g % 80) * 4.1 + 3, $2 + (g / 80) * 4.1 + 3, 2154)),
		       'test grid'
		FROM generate_series(0, 6399) AS g`, x0, y0); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 2154))
	var corner [2]float64
	if err := s.pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 2154), 4326) p`,
		x0, y0).Scan(&corner[0], &corner[1]); err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		var b BBox
		var exact string
		if i%2 == 0 { // CRS84, 20 to 250 m
			w, h := (20+rng.Float64()*230)/73000, (20+rng.Float64()*230)/111000
			lon, lat := corner[0]+rng.Float64()*0.004, corner[1]+rng.Float64()*0.0028
			b = BBox{SRID: site.SRIDWGS84, MinX: lon, MinY: lat, MaxX: lon + w, MaxY: lat + h}
			exact = `ST_Transform(ST_Segmentize(ST_MakeEnvelope($1, $2, $3, $4, 4326), $5), 2154)`
		} else {
			w, h := 20+rng.Float64()*230, 20+rng.Float64()*230
			x, y := x0+rng.Float64()*300, y0+rng.Float64()*300
			b = BBox{SRID: site.SRIDLambert93, MinX: x, MinY: y, MaxX: x + w, MaxY: y + h}
			exact = `ST_MakeEnvelope($1, $2, $3, $4, 2154)`
		}
		step := math.Max(b.MaxX-b.MinX, b.MaxY-b.MinY) / 16
		var want int64
		args := []any{b.MinX, b.MinY, b.MaxX, b.MaxY}
		if b.SRID == site.SRIDWGS84 {
			args = append(args, step)
		}
		if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM parcels WHERE ST_Intersects(geom, `+exact+`)`,
			args...).Scan(&want); err != nil {
			t.Fatal(err)
		}
		var a sqlArgs
		if b.inner(&a) == "" {
			t.Fatalf("box %d (%v): no inner rectangle", i, b)
		}
		p, err := s.Features(ctx, CollectionParcels, FeatureQuery{CRS: site.CRS84, BBox: &b, Limit: 10000, Count: true},
			func(_, _ []byte) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if p.Matched != want || int64(p.Returned) != want {
			t.Errorf("box %d (%v): matched %d, returned %d; PostGIS's exact test finds %d", i, b, p.Matched, p.Returned, want)
		}
	}
}
