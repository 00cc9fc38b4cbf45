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
