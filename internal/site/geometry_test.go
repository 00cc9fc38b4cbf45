package site

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Small squares in Ivry-sur-Seine, in both accepted CRSs.
const (
	ivryRing    = `[[2.38,48.81],[2.39,48.81],[2.39,48.82],[2.38,48.81]]`
	ivryHole    = `[[2.385,48.812],[2.386,48.812],[2.386,48.813],[2.385,48.812]]`
	ivryRing2   = `[[2.40,48.80],[2.41,48.80],[2.41,48.81],[2.40,48.80]]`
	lambertRing = `[[654000,6857000],[654100,6857000],[654100,6857100],[654000,6857000]]`
)

// flatCoords lists an outline's coordinates in order, x then y.
func flatCoords(o Outline) []float64 {
	var flat []float64
	for _, p := range o.Polygons {
		for _, r := range p {
			for _, pt := range r {
				flat = append(flat, pt[0], pt[1])
			}
		}
	}
	return flat
}

func TestDecodeGeometry(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		crs      CRS
		polygons int
		rings    []int // per polygon
		flat     []float64
	}{
		{
			name: "polygon", crs: CRS84, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[` + ivryRing + `]}`,
			flat: []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81},
		},
		{
			name: "polygon with a hole", crs: CRS84, polygons: 1, rings: []int{2},
			raw: `{"type":"Polygon","coordinates":[` + ivryRing + `,` + ivryHole + `]}`,
		},
		{
			name: "multipolygon", crs: CRS84, polygons: 2, rings: []int{1, 2},
			raw: `{"type":"MultiPolygon","coordinates":[[` + ivryRing2 + `],[` + ivryRing + `,` + ivryHole + `]]}`,
		},
		{
			name: "Lambert-93 polygon", crs: Lambert93, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[` + lambertRing + `]}`,
			flat: []float64{654000, 6857000, 654100, 6857000, 654100, 6857100, 654000, 6857000},
		},
		{
			name: "extra members ignored", crs: CRS84, polygons: 1, rings: []int{1},
			raw: `{"type":"Polygon","coordinates":[` + ivryRing + `],"bbox":[2.38,48.81,2.39,48.82]}`,
		},
		{
			name: "3D polygon dropped to 2D", crs: CRS84, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[[[2.38,48.81,35],[2.39,48.81,36],[2.39,48.82,37],[2.38,48.81,35]]]}`,
			flat: []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81},
		},
		{
			name: "3D multipolygon dropped to 2D", crs: Lambert93, polygons: 1, rings: []int{1},
			raw:  `{"type":"MultiPolygon","coordinates":[[[[654000,6857000,35],[654100,6857000,35],[654100,6857100,35],[654000,6857000,35]]]]}`,
			flat: []float64{654000, 6857000, 654100, 6857000, 654100, 6857100, 654000, 6857000},
		},
		{
			name: "4D polygon dropped to 2D", crs: CRS84, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[[[2.38,48.81,35,1],[2.39,48.81,36,2],[2.39,48.82,37,3],[2.38,48.81,35,1]]]}`,
			flat: []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81},
		},
		{
			name: "5D polygon dropped to 2D", crs: CRS84, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[[[2.38,48.81,35,1,0],[2.39,48.81,36,2,0],[2.39,48.82,37,3,0],[2.38,48.81,35,1,0]]]}`,
			flat: []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81},
		},
		{
			name: "latitude first swapped", crs: EPSG4326, polygons: 2, rings: []int{1, 2},
			raw:  `{"type":"MultiPolygon","coordinates":[[[[48.80,2.40],[48.80,2.41],[48.81,2.41],[48.80,2.40]]],[[[48.81,2.38],[48.81,2.39],[48.82,2.39],[48.81,2.38]],[[48.812,2.385],[48.812,2.386],[48.813,2.386],[48.812,2.385]]]]}`,
			flat: []float64{2.40, 48.80, 2.41, 48.80, 2.41, 48.81, 2.40, 48.80, 2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81, 2.385, 48.812, 2.386, 48.812, 2.386, 48.813, 2.385, 48.812},
		},
		{
			name: "closed in 2D though heights differ", crs: CRS84, polygons: 1, rings: []int{1},
			raw: `{"type":"Polygon","coordinates":[[[2.38,48.81,35],[2.39,48.81,36],[2.39,48.82,37],[2.38,48.81,99]]]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := DecodeGeometry(json.RawMessage(tt.raw), tt.crs)
			if err != nil {
				t.Fatalf("DecodeGeometry(%s, %v) error = %v; want nil", tt.raw, tt.crs, err)
			}
			if o.SRID != tt.crs.SRID {
				t.Errorf("DecodeGeometry(%s, %v).SRID = %d; want %d", tt.raw, tt.crs, o.SRID, tt.crs.SRID)
			}
			if len(o.Polygons) != tt.polygons {
				t.Fatalf("DecodeGeometry(%s, %v) has %d polygons; want %d", tt.raw, tt.crs, len(o.Polygons), tt.polygons)
			}
			for i, want := range tt.rings {
				if got := len(o.Polygons[i]); got != want {
					t.Errorf("DecodeGeometry(%s, %v): polygon %d has %d rings; want %d", tt.raw, tt.crs, i, got, want)
				}
			}
			if tt.flat != nil && !slices.Equal(flatCoords(o), tt.flat) {
				t.Errorf("DecodeGeometry(%s, %v) coordinates = %v; want %v", tt.raw, tt.crs, flatCoords(o), tt.flat)
			}
		})
	}
}

func TestDecodeGeometryInvalid(t *testing.T) {
	polygon := func(ring string) string { return `{"type":"Polygon","coordinates":[` + ring + `]}` }
	tests := []struct {
		name       string
		raw        string
		crs        CRS
		wantField  string
		wantReason string
	}{
		{"point", `{"type":"Point","coordinates":[2.38,48.81]}`, CRS84, "geometry", "must be a Polygon or MultiPolygon, got Point"},
		{"line", `{"type":"LineString","coordinates":[[2.38,48.81],[2.39,48.81]]}`, CRS84, "geometry", "Polygon or MultiPolygon"},
		{"multipoint", `{"type":"MultiPoint","coordinates":[[2.38,48.81]]}`, CRS84, "geometry", "Polygon or MultiPolygon"},
		{"collection", `{"type":"GeometryCollection","geometries":[` + polygon(ivryRing) + `]}`, CRS84, "geometry", "Polygon or MultiPolygon"},
		{"feature", `{"type":"Feature","geometry":` + polygon(ivryRing) + `,"properties":{}}`, CRS84, "geometry", "GeoJSON"},
		{"null", `null`, CRS84, "geometry", "must be a Polygon or MultiPolygon, got null"},
		{"unclosed ring", polygon(`[[2.38,48.81],[2.39,48.81],[2.39,48.82],[2.38,48.82]]`), CRS84, "geometry", "not closed"},
		{"unclosed hole", polygon(ivryRing + `,[[2.385,48.812],[2.386,48.812],[2.386,48.813],[2.385,48.813]]`), CRS84, "geometry", "not closed"},
		{"too few points", polygon(`[[2.38,48.81],[2.39,48.81],[2.38,48.81]]`), CRS84, "geometry", "at least 4"},
		{"one point", polygon(`[[2.38,48.81]]`), CRS84, "geometry", "at least 4"},
		{"empty ring", polygon(`[]`), CRS84, "geometry", "at least 4"},
		{"empty polygon", `{"type":"Polygon","coordinates":[]}`, CRS84, "geometry", "no ring"},
		{"no coordinates", `{"type":"Polygon"}`, CRS84, "geometry", "no ring"},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, CRS84, "geometry", "no polygon"},
		{"multipolygon of an empty polygon", `{"type":"MultiPolygon","coordinates":[[]]}`, CRS84, "geometry", "no ring"},
		{"bad second polygon", `{"type":"MultiPolygon","coordinates":[[` + ivryRing + `],[[[2.38,48.81],[2.39,48.81],[2.38,48.81]]]]}`, CRS84, "geometry", "at least 4"},
		{"lat/lon swapped", polygon(`[[48.81,2.38],[48.81,2.39],[48.82,2.39],[48.81,2.38]]`), CRS84, "geometry", "longitude first"},
		{"Lambert-93 sent as 4326", polygon(lambertRing), CRS84, "geometry", "Lambert-93"},
		{"degrees sent as 2154", polygon(ivryRing), Lambert93, "geometry", "look like degrees"},
		{"longitude beyond 180", polygon(`[[200,48.81],[201,48.81],[201,48.82],[200,48.81]]`), CRS84, "geometry", "not longitude/latitude"},
		{"latitude beyond 90", polygon(`[[2.38,91],[2.39,91],[2.39,92],[2.38,91]]`), CRS84, "geometry", "not longitude/latitude"},
		{"outside Lambert-93", polygon(`[[5000000,5000000],[5000100,5000000],[5000100,5000100],[5000000,5000000]]`), Lambert93, "geometry", "outside Lambert-93"},
		{"huge numbers as 4326", polygon(`[[1e308,1e308],[1e308,1e308],[1e308,1e308],[1e308,1e308]]`), CRS84, "geometry", "not longitude/latitude"},
		{"huge numbers as 2154", polygon(`[[1e308,1e308],[1e308,1e308],[1e308,1e308],[1e308,1e308]]`), Lambert93, "geometry", "outside Lambert-93"},
		{"overflowing numbers", polygon(`[[1e400,48.81],[2.39,48.81],[2.39,48.82],[1e400,48.81]]`), CRS84, "geometry", "GeoJSON"},
		{"NaN is not JSON", polygon(`[[NaN,48.81],[2.39,48.81],[2.39,48.82],[NaN,48.81]]`), CRS84, "geometry", "GeoJSON"},
		{"strings as numbers", polygon(`[["2.38","48.81"],["2.39","48.81"],["2.39","48.82"],["2.38","48.81"]]`), CRS84, "geometry", "GeoJSON"},
		{"mixed dimensions", polygon(`[[2.38,48.81],[2.39,48.81,3],[2.39,48.82],[2.38,48.81]]`), CRS84, "geometry", "GeoJSON"},
		{"one-dimensional positions", polygon(`[[2.38],[2.39],[2.39],[2.38]]`), CRS84, "geometry", "GeoJSON"},
		// orb reads a position into two numbers whatever was sent; DecodeGeometry still
		// refuses positions too short, null or of mixed dimensions.
		{"mixed dimensions, 3D first", polygon(`[[2.38,48.81,3],[2.39,48.81],[2.39,48.82],[2.38,48.81]]`), CRS84, "geometry", "GeoJSON"},
		{"mixed dimensions across polygons", `{"type":"MultiPolygon","coordinates":[[` + ivryRing + `],[[[2.40,48.80,1],[2.41,48.80,1],[2.41,48.81,1],[2.40,48.80,1]]]]}`, CRS84, "geometry", "GeoJSON"},
		{"mixed dimensions across rings", polygon(ivryRing + `,[[2.385,48.812,1],[2.386,48.812,1],[2.386,48.813,1],[2.385,48.812,1]]`), CRS84, "geometry", "GeoJSON"},
		{"empty positions", polygon(`[[],[],[],[]]`), CRS84, "geometry", "GeoJSON"},
		{"null positions", polygon(`[null,null,null,null]`), CRS84, "geometry", "GeoJSON"},
		{"multipolygon without coordinates", `{"type":"MultiPolygon"}`, CRS84, "geometry", "no polygon"},
		{"feature collection", `{"type":"FeatureCollection","features":[]}`, CRS84, "geometry", "unsupported type: FeatureCollection"},
		{"invalid JSON", `{"type":"Polygon","coordinates":[`, CRS84, "geometry", "GeoJSON"},
		{"empty input", ``, CRS84, "geometry", "GeoJSON"},
		{"a string", `"Polygon"`, CRS84, "geometry", "GeoJSON"},
		{"an array", `[[2.38,48.81]]`, CRS84, "geometry", "GeoJSON"},
		{"no type", `{"coordinates":[` + ivryRing + `]}`, CRS84, "geometry", "GeoJSON"},
		{"unsupported CRS", polygon(ivryRing), CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/3857", SRID: 3857}, "crs", "3857"},
		{"zero CRS with an empty polygon", `{"type":"Polygon","coordinates":[]}`, CRS{}, "crs", "unsupported CRS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := DecodeGeometry(json.RawMessage(tt.raw), tt.crs)
			if err == nil {
				t.Fatalf("DecodeGeometry(%s, %v) = %v; want an error", tt.raw, tt.crs, flatCoords(o))
			}
			if o.Polygons != nil || o.SRID != 0 {
				t.Errorf("DecodeGeometry(%s, %v) = %v with an error; want the zero Outline", tt.raw, tt.crs, o)
			}
			if field, ok := invalidField(err); !ok || field != tt.wantField {
				t.Errorf("DecodeGeometry(%s, %v) error = %v; want an *InvalidError on %s", tt.raw, tt.crs, err, tt.wantField)
			}
			if !strings.Contains(err.Error(), tt.wantReason) {
				t.Errorf("DecodeGeometry(%s, %v) error = %v; want it to mention %q", tt.raw, tt.crs, err, tt.wantReason)
			}
			if len(err.Error()) > 300 {
				t.Errorf("DecodeGeometry(%s, %v) error is %d bytes long; want a readable message", tt.raw, tt.crs, len(err.Error()))
			}
		})
	}
}

func TestDecodeGeometryMaxVertices(t *testing.T) {
	ring := func(n int) string {
		// n positions on a tiny circle-ish path in Ivry, closed by repeating the first.
		var b strings.Builder
		b.WriteString(`{"type":"Polygon","coordinates":[[`)
		for i := 0; i < n-1; i++ {
			fmt.Fprintf(&b, "[%.7f,%.7f],", 2.38+float64(i%1000)*1e-6, 48.81+float64(i/1000)*1e-6)
		}
		b.WriteString(`[2.3800000,48.8100000]]]}`)
		return b.String()
	}
	if _, err := DecodeGeometry(json.RawMessage(ring(MaxVertices)), CRS84); err != nil {
		t.Errorf("DecodeGeometry(%d vertices) = %v; want nil", MaxVertices, err)
	}
	_, err := DecodeGeometry(json.RawMessage(ring(MaxVertices+1)), CRS84)
	if field, ok := invalidField(err); !ok || field != "geometry" || !strings.Contains(err.Error(), "vertices") {
		t.Errorf("DecodeGeometry(%d vertices) = %v; want an *InvalidError on geometry about vertices", MaxVertices+1, err)
	}
}

func FuzzDecodeGeometry(f *testing.F) {
	for _, seed := range []struct {
		raw string
		crs int // index in CRSs; out of range: the zero CRS
	}{
		{`{"type":"Polygon","coordinates":[` + ivryRing + `]}`, 0},
		{`{"type":"MultiPolygon","coordinates":[[` + ivryRing + `,` + ivryHole + `],[` + ivryRing2 + `]]}`, 0},
		{`{"type":"Polygon","coordinates":[` + lambertRing + `]}`, 2},
		{`{"type":"Polygon","coordinates":[[[2.38,48.81,35],[2.39,48.81,36],[2.39,48.82,37],[2.38,48.81,35]]]}`, 0},
		{`{"type":"Point","coordinates":[2.38,48.81]}`, 0},
		{`{"type":"Polygon","coordinates":[]}`, 0},
		{`{"type":"MultiPolygon","coordinates":[[]]}`, 2},
		{`{"type":"GeometryCollection","geometries":[]}`, 0},
		{`null`, 3},
		{`{"type":"Polygon","coordinates":[[[48.81,2.38],[48.81,2.39],[48.82,2.39],[48.81,2.38]]]}`, 1},
	} {
		f.Add([]byte(seed.raw), seed.crs)
	}
	f.Fuzz(func(t *testing.T, raw []byte, which int) {
		var crs CRS
		if all := CRSs(); which >= 0 && which < len(all) {
			crs = all[which]
		}
		srid := crs.SRID
		o, err := DecodeGeometry(raw, crs)
		if err != nil {
			if o.Polygons != nil {
				t.Errorf("DecodeGeometry(%q, %d) returned a geometry with error %v", raw, srid, err)
			}
			if _, ok := invalidField(err); !ok {
				t.Errorf("DecodeGeometry(%q, %d) error = %v (%T); want an *InvalidError", raw, srid, err, err)
			}
			return
		}
		if o.SRID != srid || len(o.Polygons) == 0 {
			t.Fatalf("DecodeGeometry(%q, %d) = SRID %d, %d polygons; want %d, at least one",
				raw, srid, o.SRID, len(o.Polygons), srid)
		}
		for i, p := range o.Polygons {
			if len(p) == 0 {
				t.Errorf("DecodeGeometry(%q, %d): polygon %d has no ring", raw, srid, i)
			}
			for j, r := range p {
				n := len(r)
				if n < 4 || r[0] != r[n-1] {
					t.Errorf("DecodeGeometry(%q, %d): ring %d.%d has %d positions or is open", raw, srid, i, j, n)
				}
			}
		}
	})
}

// TestDecodeGeometryLatFirst: EPSG:4326 coordinates come latitude first and are stored
// longitude first; the same numbers longitude first are refused as swapped.
func TestDecodeGeometryLatFirst(t *testing.T) {
	latFirst := `{"type":"Polygon","coordinates":[[[48.81,2.38],[48.81,2.39],[48.82,2.39],[48.81,2.38]]]}`
	o, err := DecodeGeometry(json.RawMessage(latFirst), EPSG4326)
	if err != nil {
		t.Fatalf("DecodeGeometry(%s, EPSG:4326) = %v; want nil", latFirst, err)
	}
	if want := []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81}; !slices.Equal(flatCoords(o), want) || o.SRID != SRIDWGS84 {
		t.Errorf("DecodeGeometry(%s, EPSG:4326) = %v, SRID %d; want %v, SRID 4326", latFirst, flatCoords(o), o.SRID, want)
	}
	lonFirst := `{"type":"Polygon","coordinates":[` + ivryRing + `]}`
	_, err = DecodeGeometry(json.RawMessage(lonFirst), EPSG4326)
	if field, ok := invalidField(err); !ok || field != "geometry" || !strings.Contains(err.Error(), "latitude first") {
		t.Errorf("DecodeGeometry(%s, EPSG:4326) = %v; want an *InvalidError on geometry saying latitude first", lonFirst, err)
	}
	_, err = DecodeGeometry(json.RawMessage(`{"type":"Polygon","coordinates":[`+lambertRing+`]}`), EPSG4326)
	if field, ok := invalidField(err); !ok || field != "geometry" || !strings.Contains(err.Error(), "Lambert-93") {
		t.Errorf("DecodeGeometry(Lambert-93 ring, EPSG:4326) = %v; want an *InvalidError on geometry naming Lambert-93", err)
	}
}
