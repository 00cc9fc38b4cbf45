package store

import (
	"bytes"
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/site"
)

// Outlines in Ivry-sur-Seine: a Lambert-93 pair of squares, one with a hole, and a WGS84
// square.
var (
	lambertSquares = orb.MultiPolygon{
		{{{655000, 6857000}, {655100, 6857000}, {655100, 6857100}, {655000, 6857100}, {655000, 6857000}},
			{{655040, 6857040}, {655060, 6857040}, {655060, 6857060}, {655040, 6857040}}},
		{{{655200, 6857000}, {655250.5, 6857000}, {655250.5, 6857050.25}, {655200, 6857000}}},
	}
	wgs84Square = orb.MultiPolygon{
		{{{2.38, 48.81}, {2.39, 48.81}, {2.39, 48.82}, {2.38, 48.81}}},
	}
)

// fromGeom reads back what PostGIS returns, through go-geom, as orb's polygons.
func fromGeom(t *testing.T, b []byte) (orb.MultiPolygon, int) {
	t.Helper()
	g, err := ewkb.Unmarshal(b)
	if err != nil {
		t.Fatalf("ewkb.Unmarshal: %v", err)
	}
	gmp, ok := g.(*geom.MultiPolygon)
	if !ok {
		t.Fatalf("PostGIS returned a %T; want a MultiPolygon", g)
	}
	mp := orb.MultiPolygon{}
	for i := range gmp.NumPolygons() {
		p := orb.Polygon{}
		for _, ring := range gmp.Polygon(i).Coords() {
			r := orb.Ring{}
			for _, c := range ring {
				r = append(r, orb.Point{c.X(), c.Y()})
			}
			p = append(p, r)
		}
		mp = append(mp, p)
	}
	return mp, gmp.SRID()
}

// TestOutlineEWKB: what the store writes for an outline, PostGIS reads as the same
// polygons with the same SRID.
func TestOutlineEWKB(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewDB(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		outline site.Outline
		wkt     string
	}{
		{"Lambert-93 with a hole", site.Outline{Polygons: lambertSquares, SRID: site.SRIDLambert93},
			"MULTIPOLYGON(((655000 6857000,655100 6857000,655100 6857100,655000 6857100,655000 6857000)," +
				"(655040 6857040,655060 6857040,655060 6857060,655040 6857040))," +
				"((655200 6857000,655250.5 6857000,655250.5 6857050.25,655200 6857000)))"},
		{"WGS84", site.Outline{Polygons: wgs84Square, SRID: site.SRIDWGS84},
			"MULTIPOLYGON(((2.38 48.81,2.39 48.81,2.39 48.82,2.38 48.81)))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := outlineEWKB(tt.outline)
			if err != nil {
				t.Fatalf("outlineEWKB(%v) = %v", tt.outline, err)
			}
			var srid int
			var wkt string
			var back []byte
			err = pool.QueryRow(ctx, `SELECT ST_SRID(g), ST_AsText(g), ST_AsEWKB(g) FROM (SELECT ST_GeomFromEWKB($1) AS g) t`, b).
				Scan(&srid, &wkt, &back)
			if err != nil {
				t.Fatalf("PostGIS reading outlineEWKB(%v): %v", tt.outline, err)
			}
			if srid != tt.outline.SRID || wkt != tt.wkt {
				t.Errorf("PostGIS read outlineEWKB(%v) as SRID %d %s; want %d %s", tt.outline, srid, wkt, tt.outline.SRID, tt.wkt)
			}
			if mp, srid := fromGeom(t, back); !orb.Equal(mp, tt.outline.Polygons) || srid != tt.outline.SRID {
				t.Errorf("read back %v, SRID %d; want %v, SRID %d", mp, srid, tt.outline.Polygons, tt.outline.SRID)
			}
		})
	}
}

// TestEWKBEncoderReuse: the cadastre import encodes every parcel with one encoder; an
// outline after a larger one must not keep anything of it.
func TestEWKBEncoderReuse(t *testing.T) {
	var enc ewkbEncoder
	for i, mp := range []orb.MultiPolygon{lambertSquares, wgs84Square, lambertSquares, {}, wgs84Square} {
		got, err := enc.encode(mp, site.SRIDWGS84)
		if err != nil {
			t.Fatalf("outline %d: encode = %v", i, err)
		}
		var fresh ewkbEncoder
		want, err := fresh.encode(mp, site.SRIDWGS84)
		if err != nil {
			t.Fatalf("outline %d: fresh encode = %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("outline %d encoded after others = %x; want %x", i, got, want)
		}
	}
}

// TestSetGeometryStoresTheOutline: an outline written through the edit path is read back
// from the part equal to what was sent.
func TestSetGeometryStoresTheOutline(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	const part = "cpcu-ivry-chaufferie"
	g := GeometryChange{
		Outline: site.Outline{Polygons: lambertSquares, SRID: site.SRIDLambert93},
		Quality: site.QualitySurveyed, Source: "relevé", Reason: "test",
	}
	if _, err := s.SetGeometry(ctx, User{Name: "cli:test"}, part, AnyVersion, g); err != nil {
		t.Fatalf("SetGeometry(%s) = %v", part, err)
	}
	var back []byte
	if err := s.pool.QueryRow(ctx, `SELECT ST_AsEWKB(geom) FROM site_parts WHERE id = $1`, part).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if mp, srid := fromGeom(t, back); !orb.Equal(mp, lambertSquares) || srid != site.SRIDLambert93 {
		t.Errorf("part %s holds %v, SRID %d; want %v, SRID 2154", part, mp, srid, lambertSquares)
	}
}
