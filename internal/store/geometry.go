package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"github.com/emprises/emprises/internal/site"
)

// Geometries go to PostGIS as EWKB written by go-geom, the store's database codec; the
// rest of the service holds them as orb's types, which read and write GeoJSON.

// ewkbEncoder writes orb multipolygons as EWKB. It keeps its buffers from one outline to
// the next, so that the cadastre import, which encodes hundreds of thousands of parcels,
// only allocates when a parcel outgrows them.
type ewkbEncoder struct {
	flat  []float64
	ends  []int
	endss [][]int
	buf   bytes.Buffer
}

// encode returns mp as EWKB with srid (none if 0). The bytes are the encoder's until the
// next call.
func (e *ewkbEncoder) encode(mp orb.MultiPolygon, srid int) ([]byte, error) {
	g := e.multiPolygon(mp).SetSRID(srid)
	e.buf.Reset()
	if err := ewkb.Write(&e.buf, binary.LittleEndian, g); err != nil {
		return nil, fmt.Errorf("store: encode EWKB: %w", err)
	}
	return e.buf.Bytes(), nil
}

// multiPolygon copies mp into go-geom's flat layout: the coordinates in one slice, and
// for each polygon the ends of its rings in it.
func (e *ewkbEncoder) multiPolygon(mp orb.MultiPolygon) *geom.MultiPolygon {
	rings := 0
	for _, p := range mp {
		rings += len(p)
	}
	// Each polygon's ends are a window on e.ends: growing it first keeps them on one array.
	e.flat, e.ends, e.endss = e.flat[:0], slices.Grow(e.ends[:0], rings), e.endss[:0]
	for _, p := range mp {
		start := len(e.ends)
		for _, r := range p {
			for _, pt := range r {
				e.flat = append(e.flat, pt[0], pt[1])
			}
			e.ends = append(e.ends, len(e.flat))
		}
		e.endss = append(e.endss, e.ends[start:len(e.ends):len(e.ends)])
	}
	return geom.NewMultiPolygonFlat(geom.XY, e.flat, e.endss)
}

// outlineEWKB encodes a checked outline, with its SRID, for ST_GeomFromEWKB.
func outlineEWKB(o site.Outline) ([]byte, error) {
	var e ewkbEncoder
	return e.encode(o.Polygons, o.SRID)
}

// geometryEWKB writes g as EWKB with srid, with go-geom, the store's codec.
func geometryEWKB(g orb.Geometry, srid int) ([]byte, error) {
	t, err := geomOf(g)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ewkb.Write(&buf, binary.LittleEndian, withSRID(t, srid)); err != nil {
		return nil, fmt.Errorf("store: encode EWKB: %w", err)
	}
	return buf.Bytes(), nil
}

func coords(ps []orb.Point) []geom.Coord {
	out := make([]geom.Coord, len(ps))
	for i, p := range ps {
		out[i] = geom.Coord{p[0], p[1]}
	}
	return out
}

func rings(p orb.Polygon) [][]geom.Coord {
	out := make([][]geom.Coord, len(p))
	for i, r := range p {
		out[i] = coords(r)
	}
	return out
}

// geomOf copies an orb geometry into go-geom's types.
func geomOf(g orb.Geometry) (geom.T, error) {
	switch g := g.(type) {
	case orb.Point:
		return geom.NewPointFlat(geom.XY, []float64{g[0], g[1]}), nil
	case orb.MultiPoint:
		return geom.NewMultiPoint(geom.XY).SetCoords(coords(g))
	case orb.LineString:
		return geom.NewLineString(geom.XY).SetCoords(coords(g))
	case orb.MultiLineString:
		ls := make([][]geom.Coord, len(g))
		for i, l := range g {
			ls[i] = coords(l)
		}
		return geom.NewMultiLineString(geom.XY).SetCoords(ls)
	case orb.Polygon:
		return geom.NewPolygon(geom.XY).SetCoords(rings(g))
	case orb.MultiPolygon:
		ps := make([][][]geom.Coord, len(g))
		for i, p := range g {
			ps[i] = rings(p)
		}
		return geom.NewMultiPolygon(geom.XY).SetCoords(ps)
	case orb.Collection:
		c := geom.NewGeometryCollection()
		for _, m := range g {
			t, err := geomOf(m)
			if err != nil {
				return nil, err
			}
			if err := c.Push(t); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	return nil, fmt.Errorf("store: geometry %T is not supported", g)
}

// withSRID sets the SRID of a go-geom geometry.
func withSRID(t geom.T, srid int) geom.T {
	switch t := t.(type) {
	case *geom.Point:
		return t.SetSRID(srid)
	case *geom.MultiPoint:
		return t.SetSRID(srid)
	case *geom.LineString:
		return t.SetSRID(srid)
	case *geom.MultiLineString:
		return t.SetSRID(srid)
	case *geom.Polygon:
		return t.SetSRID(srid)
	case *geom.MultiPolygon:
		return t.SetSRID(srid)
	case *geom.GeometryCollection:
		return t.SetSRID(srid)
	}
	return t
}
