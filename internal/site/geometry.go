package site

import (
	"encoding/json"
	"math"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"
)

// SRID values Emprises accepts for geometries.
const (
	SRIDWGS84     = 4326 // WGS84; PostGIS keeps it longitude first whatever the CRS's axis order
	SRIDLambert93 = 2154 // the legal projection, in metres
)

// MaxVertices bounds one geometry: a cadastral outline has tens of vertices, a site a few
// hundred; more is a mistake or an attack.
const MaxVertices = 100_000

// DecodeGeometry parses a GeoJSON geometry in the given CRS and checks what can be checked
// without PostGIS: a polygonal type, closed rings of at least four positions, finite
// coordinates in the range of the CRS, and coordinates that look like that CRS (the usual
// mistakes: lat/lon swapped, Lambert-93 metres sent as degrees). Validity (self-intersection)
// and the distance to Ivry are checked by PostGIS when the geometry is stored.
//
// The result has the CRS's SRID and PostGIS's axis order, x then y: coordinates sent
// latitude first (EPSG:4326) come back longitude first.
func DecodeGeometry(raw json.RawMessage, crs CRS) (*geom.MultiPolygon, error) {
	if !crs.Known() {
		return nil, Invalid("crs", "unsupported CRS %q; %s", crs.URI, crsChoices)
	}
	var g geom.T
	if err := geojson.Unmarshal(raw, &g); err != nil {
		return nil, Invalid("geometry", "not a GeoJSON geometry: %v", err)
	}
	var mp *geom.MultiPolygon
	switch g := g.(type) {
	case *geom.Polygon:
		// Keep the polygon's layout: a 3D polygon is flattened below like a 3D multipolygon.
		mp = geom.NewMultiPolygon(g.Layout())
		if err := mp.Push(g); err != nil {
			return nil, Invalid("geometry", "%v", err)
		}
	case *geom.MultiPolygon:
		mp = g
	default:
		return nil, Invalid("geometry", "must be a Polygon or MultiPolygon, got %T", g)
	}
	if mp.Layout() != geom.XY {
		// Heights are not part of a land record; drop them rather than refuse the file.
		flat := geom.NewMultiPolygon(geom.XY)
		for i := 0; i < mp.NumPolygons(); i++ {
			coords := mp.Polygon(i).Coords()
			for _, ring := range coords {
				for j := range ring {
					ring[j] = ring[j][:2]
				}
			}
			p, err := geom.NewPolygon(geom.XY).SetCoords(coords)
			if err != nil {
				return nil, Invalid("geometry", "%v", err)
			}
			_ = flat.Push(p)
		}
		mp = flat
	}
	if mp.NumPolygons() == 0 {
		return nil, Invalid("geometry", "has no polygon")
	}
	if n := len(mp.FlatCoords()) / 2; n > MaxVertices {
		return nil, Invalid("geometry", "has %d vertices, more than %d", n, MaxVertices)
	}
	for i := 0; i < mp.NumPolygons(); i++ {
		p := mp.Polygon(i)
		if p.NumLinearRings() == 0 {
			return nil, Invalid("geometry", "polygon %d has no ring", i)
		}
		for j := 0; j < p.NumLinearRings(); j++ {
			if err := checkRing(p.LinearRing(j), crs); err != nil {
				return nil, err
			}
		}
	}
	if crs.LatFirst {
		// FlatCoords is the geometry's own storage: swapping in place swaps every ring.
		flat := mp.FlatCoords()
		for i := 0; i+1 < len(flat); i += 2 {
			flat[i], flat[i+1] = flat[i+1], flat[i]
		}
	}
	mp.SetSRID(crs.SRID)
	return mp, nil
}

func checkRing(r *geom.LinearRing, crs CRS) error {
	n := r.NumCoords()
	if n < 4 {
		return Invalid("geometry", "a ring needs at least 4 positions (3 corners and the closing one), got %d", n)
	}
	first, last := r.Coord(0), r.Coord(n-1)
	if first.X() != last.X() || first.Y() != last.Y() {
		return Invalid("geometry", "ring is not closed: first position %v differs from last %v", []float64(first), []float64(last))
	}
	for i := 0; i < n; i++ {
		c := r.Coord(i)
		x, y := c.X(), c.Y()
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return Invalid("geometry", "coordinate %d is not a finite number", i)
		}
		if err := checkCRSRange(x, y, crs); err != nil {
			return err
		}
	}
	return nil
}

// Rough bounds of metropolitan France, enough to tell one CRS's numbers from another's.
// x and y are as sent, in the axis order of crs.
func checkCRSRange(x, y float64, crs CRS) error {
	switch crs.SRID {
	case SRIDWGS84:
		if x >= 1e5 && x <= 1.3e6 && y >= 6e6 && y <= 7.2e6 {
			return Invalid("geometry", "coordinates (%.0f, %.0f) look like Lambert-93 metres; send crs EPSG:2154", x, y)
		}
		lon, lat := x, y
		if crs.LatFirst {
			lon, lat = y, x
		}
		if math.Abs(lon) > 180 || math.Abs(lat) > 90 {
			return Invalid("geometry", "coordinates (%g, %g) are not %s degrees", x, y, crsAxes(crs))
		}
		// Ivry lies near 2.4° E, 48.8° N: a "longitude" above 40 with a "latitude" below
		// 10 is the other axis order.
		if lon > 40 && lat < 10 {
			if crs.LatFirst {
				return Invalid("geometry", "coordinates (%g, %g) look like longitude/latitude; %s wants latitude first (send crs CRS84 for longitude first)", x, y, crs.URI)
			}
			return Invalid("geometry", "coordinates (%g, %g) look like latitude/longitude; GeoJSON wants longitude first", x, y)
		}
	case SRIDLambert93:
		if x < 1e5 || x > 1.3e6 || y < 6e6 || y > 7.2e6 {
			if math.Abs(x) <= 180 && math.Abs(y) <= 90 {
				return Invalid("geometry", "coordinates (%g, %g) look like degrees, not Lambert-93 metres", x, y)
			}
			return Invalid("geometry", "coordinates (%g, %g) are outside Lambert-93's extent", x, y)
		}
	default:
		return Invalid("crs", "unsupported CRS %q; %s", crs.URI, crsChoices)
	}
	return nil
}

// crsAxes names the axes of a geographic CRS in its order.
func crsAxes(crs CRS) string {
	if crs.LatFirst {
		return "latitude/longitude"
	}
	return "longitude/latitude"
}
