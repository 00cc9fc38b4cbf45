package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// SRID values Emprises accepts for geometries.
const (
	SRIDWGS84     = 4326 // WGS84; PostGIS keeps it longitude first whatever the CRS's axis order
	SRIDLambert93 = 2154 // the legal projection, in metres
)

// MaxVertices bounds one geometry: a cadastral outline has tens of vertices, a site a few
// hundred; more is a mistake or an attack.
const MaxVertices = 100_000

// Outline is a checked polygonal geometry, ready to be stored: its polygons in PostGIS's
// axis order, x then y (longitude first in WGS84), and the SRID of the CRS it was sent in.
type Outline struct {
	Polygons orb.MultiPolygon
	SRID     int
}

// DecodeGeometry parses a GeoJSON geometry in the given CRS and checks what can be checked
// without PostGIS: a polygonal type, closed rings of at least four positions, finite
// coordinates in the range of the CRS, and coordinates that look like that CRS (the usual
// mistakes: lat/lon swapped, Lambert-93 metres sent as degrees). Validity (self-intersection)
// and the distance to Ivry are checked by PostGIS when the geometry is stored.
//
// The result has the CRS's SRID and PostGIS's axis order, x then y: coordinates sent
// latitude first (EPSG:4326) come back longitude first. Heights are dropped.
func DecodeGeometry(raw json.RawMessage, crs CRS) (Outline, error) {
	if !crs.Known() {
		return Outline{}, Invalid("crs", "unsupported CRS %q; %s", crs.URI, crsChoices)
	}
	mp, err := decodePolygons(raw)
	if err != nil {
		return Outline{}, err
	}
	if len(mp) == 0 {
		return Outline{}, Invalid("geometry", "has no polygon")
	}
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	if n > MaxVertices {
		return Outline{}, Invalid("geometry", "has %d vertices, more than %d", n, MaxVertices)
	}
	for i, p := range mp {
		if len(p) == 0 {
			return Outline{}, Invalid("geometry", "polygon %d has no ring", i)
		}
		for _, r := range p {
			if err := checkRing(r, crs); err != nil {
				return Outline{}, err
			}
		}
	}
	if crs.LatFirst {
		// The rings are the outline's own storage: swapping in place swaps every position.
		for _, p := range mp {
			for _, r := range p {
				for j := range r {
					r[j][0], r[j][1] = r[j][1], r[j][0]
				}
			}
		}
	}
	return Outline{Polygons: mp, SRID: crs.SRID}, nil
}

// geometryHead is what DecodeGeometry reads of a geometry besides orb: the type, to name
// it in a refusal, and the coordinates as sent. encoding/json finds the members as it
// does inside orb's geojson, so both read the same coordinates.
type geometryHead struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// decodePolygons reads a GeoJSON Polygon or MultiPolygon with orb, as a MultiPolygon.
func decodePolygons(raw []byte) (orb.MultiPolygon, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, Invalid("geometry", "must be a Polygon or MultiPolygon, got null")
	}
	var head geometryHead
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, Invalid("geometry", "not a GeoJSON geometry: %v", err)
	}
	depth := 0 // of the positions in the coordinates arrays
	switch head.Type {
	case "Polygon":
		depth = 3
	case "MultiPolygon":
		depth = 4
	case "Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection":
		return nil, Invalid("geometry", "must be a Polygon or MultiPolygon, got %s", head.Type)
	default:
		return nil, Invalid("geometry", "not a GeoJSON geometry: geojson: unsupported type: %s", head.Type)
	}
	if head.Coordinates == nil {
		// No coordinates is read as none, as for "coordinates": null: the checks below
		// then say what is missing.
		if depth == 3 {
			return orb.MultiPolygon{nil}, nil
		}
		return nil, nil
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, Invalid("geometry", "not a GeoJSON geometry: %v", err)
	}
	if err := checkDimensions(head.Coordinates, depth); err != nil {
		return nil, Invalid("geometry", "not a GeoJSON geometry: %v", err)
	}
	switch g := g.Coordinates.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	case orb.MultiPolygon:
		return g, nil
	}
	return nil, Invalid("geometry", "must be a Polygon or MultiPolygon, got %s", g.Type)
}

// checkDimensions checks what orb's points, two numbers each, cannot tell: that every
// position of the coordinates has at least two numbers, and all the same number. A
// position of one number, or a file that mixes 2D and 3D positions, is broken; heights
// alone are dropped. orb has read coords already: it holds only arrays, numbers and nulls.
func checkDimensions(coords []byte, depth int) error {
	dec := jsontext.NewDecoder(bytes.NewReader(coords))
	level, n, want := 0, 0, -1
	check := func(n int) error {
		switch {
		case n < 2:
			return fmt.Errorf("geojson: dimensionality too low (%d)", n)
		case want < 0:
			want = n
		case n != want:
			return fmt.Errorf("positions of %d and of %d numbers are mixed", want, n)
		}
		return nil
	}
	for {
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.Kind() {
		case '[':
			level++
			n = 0
		case ']':
			if level == depth {
				if err := check(n); err != nil {
					return err
				}
			}
			level--
		case 'n':
			if level == depth-1 { // null for a whole position
				if err := check(0); err != nil {
					return err
				}
			}
			n++
		default:
			n++
		}
	}
}

func checkRing(r orb.Ring, crs CRS) error {
	n := len(r)
	if n < 4 {
		return Invalid("geometry", "a ring needs at least 4 positions (3 corners and the closing one), got %d", n)
	}
	if first, last := r[0], r[n-1]; first != last {
		return Invalid("geometry", "ring is not closed: first position %v differs from last %v", first[:], last[:])
	}
	for i, c := range r {
		x, y := c[0], c[1]
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
