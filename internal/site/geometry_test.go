package site

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/twpayne/go-geom"
)

// Small squares in Ivry-sur-Seine, in both accepted CRSs.
const (
	ivryRing    = `[[2.38,48.81],[2.39,48.81],[2.39,48.82],[2.38,48.81]]`
	ivryHole    = `[[2.385,48.812],[2.386,48.812],[2.386,48.813],[2.385,48.812]]`
	ivryRing2   = `[[2.40,48.80],[2.41,48.80],[2.41,48.81],[2.40,48.80]]`
	lambertRing = `[[654000,6857000],[654100,6857000],[654100,6857100],[654000,6857000]]`
)

func TestDecodeGeometry(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		srid     int
		polygons int
		rings    []int // per polygon
		flat     []float64
	}{
		{
			name: "polygon", srid: SRIDWGS84, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[` + ivryRing + `]}`,
			flat: []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81},
		},
		{
			name: "polygon with a hole", srid: SRIDWGS84, polygons: 1, rings: []int{2},
			raw: `{"type":"Polygon","coordinates":[` + ivryRing + `,` + ivryHole + `]}`,
		},
		{
			name: "multipolygon", srid: SRIDWGS84, polygons: 2, rings: []int{1, 2},
			raw: `{"type":"MultiPolygon","coordinates":[[` + ivryRing2 + `],[` + ivryRing + `,` + ivryHole + `]]}`,
		},
		{
			name: "Lambert-93 polygon", srid: SRIDLambert93, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[` + lambertRing + `]}`,
			flat: []float64{654000, 6857000, 654100, 6857000, 654100, 6857100, 654000, 6857000},
		},
		{
			name: "extra members ignored", srid: SRIDWGS84, polygons: 1, rings: []int{1},
			raw: `{"type":"Polygon","coordinates":[` + ivryRing + `],"bbox":[2.38,48.81,2.39,48.82]}`,
		},
		{
			name: "3D polygon dropped to 2D", srid: SRIDWGS84, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[[[2.38,48.81,35],[2.39,48.81,36],[2.39,48.82,37],[2.38,48.81,35]]]}`,
			flat: []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81},
		},
		{
			name: "3D multipolygon dropped to 2D", srid: SRIDLambert93, polygons: 1, rings: []int{1},
			raw:  `{"type":"MultiPolygon","coordinates":[[[[654000,6857000,35],[654100,6857000,35],[654100,6857100,35],[654000,6857000,35]]]]}`,
			flat: []float64{654000, 6857000, 654100, 6857000, 654100, 6857100, 654000, 6857000},
		},
		{
			name: "4D polygon dropped to 2D", srid: SRIDWGS84, polygons: 1, rings: []int{1},
			raw:  `{"type":"Polygon","coordinates":[[[2.38,48.81,35,1],[2.39,48.81,36,2],[2.39,48.82,37,3],[2.38,48.81,35,1]]]}`,
			flat: []float64{2.38, 48.81, 2.39, 48.81, 2.39, 48.82, 2.38, 48.81},
		},
		{
			name: "closed in 2D though heights differ", srid: SRIDWGS84, polygons: 1, rings: []int{1},
			raw: `{"type":"Polygon","coordinates":[[[2.38,48.81,35],[2.39,48.81,36],[2.39,48.82,37],[2.38,48.81,99]]]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := DecodeGeometry(json.RawMessage(tt.raw), tt.srid)
			if err != nil {
				t.Fatalf("DecodeGeometry(%s, %d) error = %v; want nil", tt.raw, tt.srid, err)
			}
			if mp.Layout() != geom.XY {
				t.Errorf("DecodeGeometry(%s, %d).Layout() = %v; want XY", tt.raw, tt.srid, mp.Layout())
			}
			if mp.SRID() != tt.srid {
				t.Errorf("DecodeGeometry(%s, %d).SRID() = %d; want %d", tt.raw, tt.srid, mp.SRID(), tt.srid)
			}
			if mp.NumPolygons() != tt.polygons {
				t.Fatalf("DecodeGeometry(%s, %d) has %d polygons; want %d", tt.raw, tt.srid, mp.NumPolygons(), tt.polygons)
			}
			for i, want := range tt.rings {
				if got := mp.Polygon(i).NumLinearRings(); got != want {
					t.Errorf("DecodeGeometry(%s, %d): polygon %d has %d rings; want %d", tt.raw, tt.srid, i, got, want)
				}
			}
			if tt.flat != nil && !slices.Equal(mp.FlatCoords(), tt.flat) {
				t.Errorf("DecodeGeometry(%s, %d).FlatCoords() = %v; want %v", tt.raw, tt.srid, mp.FlatCoords(), tt.flat)
			}
		})
	}
}

func TestDecodeGeometryInvalid(t *testing.T) {
	polygon := func(ring string) string { return `{"type":"Polygon","coordinates":[` + ring + `]}` }
	tests := []struct {
		name       string
		raw        string
		srid       int
		wantField  string
		wantReason string
	}{
		{"point", `{"type":"Point","coordinates":[2.38,48.81]}`, SRIDWGS84, "geometry", "Polygon or MultiPolygon"},
		{"line", `{"type":"LineString","coordinates":[[2.38,48.81],[2.39,48.81]]}`, SRIDWGS84, "geometry", "Polygon or MultiPolygon"},
		{"multipoint", `{"type":"MultiPoint","coordinates":[[2.38,48.81]]}`, SRIDWGS84, "geometry", "Polygon or MultiPolygon"},
		{"collection", `{"type":"GeometryCollection","geometries":[` + polygon(ivryRing) + `]}`, SRIDWGS84, "geometry", "Polygon or MultiPolygon"},
		{"feature", `{"type":"Feature","geometry":` + polygon(ivryRing) + `,"properties":{}}`, SRIDWGS84, "geometry", "GeoJSON"},
		{"null", `null`, SRIDWGS84, "geometry", "Polygon or MultiPolygon"},
		{"unclosed ring", polygon(`[[2.38,48.81],[2.39,48.81],[2.39,48.82],[2.38,48.82]]`), SRIDWGS84, "geometry", "not closed"},
		{"unclosed hole", polygon(ivryRing + `,[[2.385,48.812],[2.386,48.812],[2.386,48.813],[2.385,48.813]]`), SRIDWGS84, "geometry", "not closed"},
		{"too few points", polygon(`[[2.38,48.81],[2.39,48.81],[2.38,48.81]]`), SRIDWGS84, "geometry", "at least 4"},
		{"one point", polygon(`[[2.38,48.81]]`), SRIDWGS84, "geometry", "at least 4"},
		{"empty ring", polygon(`[]`), SRIDWGS84, "geometry", "at least 4"},
		{"empty polygon", `{"type":"Polygon","coordinates":[]}`, SRIDWGS84, "geometry", "no ring"},
		{"no coordinates", `{"type":"Polygon"}`, SRIDWGS84, "geometry", ""},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, SRIDWGS84, "geometry", "no polygon"},
		{"multipolygon of an empty polygon", `{"type":"MultiPolygon","coordinates":[[]]}`, SRIDWGS84, "geometry", "no ring"},
		{"bad second polygon", `{"type":"MultiPolygon","coordinates":[[` + ivryRing + `],[[[2.38,48.81],[2.39,48.81],[2.38,48.81]]]]}`, SRIDWGS84, "geometry", "at least 4"},
		{"lat/lon swapped", polygon(`[[48.81,2.38],[48.81,2.39],[48.82,2.39],[48.81,2.38]]`), SRIDWGS84, "geometry", "longitude first"},
		{"Lambert-93 sent as 4326", polygon(lambertRing), SRIDWGS84, "geometry", "Lambert-93"},
		{"degrees sent as 2154", polygon(ivryRing), SRIDLambert93, "geometry", "look like degrees"},
		{"longitude beyond 180", polygon(`[[200,48.81],[201,48.81],[201,48.82],[200,48.81]]`), SRIDWGS84, "geometry", "not longitude/latitude"},
		{"latitude beyond 90", polygon(`[[2.38,91],[2.39,91],[2.39,92],[2.38,91]]`), SRIDWGS84, "geometry", "not longitude/latitude"},
		{"outside Lambert-93", polygon(`[[5000000,5000000],[5000100,5000000],[5000100,5000100],[5000000,5000000]]`), SRIDLambert93, "geometry", "outside Lambert-93"},
		{"huge numbers as 4326", polygon(`[[1e308,1e308],[1e308,1e308],[1e308,1e308],[1e308,1e308]]`), SRIDWGS84, "geometry", "not longitude/latitude"},
		{"huge numbers as 2154", polygon(`[[1e308,1e308],[1e308,1e308],[1e308,1e308],[1e308,1e308]]`), SRIDLambert93, "geometry", "outside Lambert-93"},
		{"overflowing numbers", polygon(`[[1e400,48.81],[2.39,48.81],[2.39,48.82],[1e400,48.81]]`), SRIDWGS84, "geometry", "GeoJSON"},
		{"NaN is not JSON", polygon(`[[NaN,48.81],[2.39,48.81],[2.39,48.82],[NaN,48.81]]`), SRIDWGS84, "geometry", "GeoJSON"},
		{"strings as numbers", polygon(`[["2.38","48.81"],["2.39","48.81"],["2.39","48.82"],["2.38","48.81"]]`), SRIDWGS84, "geometry", "GeoJSON"},
		{"mixed dimensions", polygon(`[[2.38,48.81],[2.39,48.81,3],[2.39,48.82],[2.38,48.81]]`), SRIDWGS84, "geometry", "GeoJSON"},
		{"one-dimensional positions", polygon(`[[2.38],[2.39],[2.39],[2.38]]`), SRIDWGS84, "geometry", "GeoJSON"},
		{"invalid JSON", `{"type":"Polygon","coordinates":[`, SRIDWGS84, "geometry", "GeoJSON"},
		{"empty input", ``, SRIDWGS84, "geometry", "GeoJSON"},
		{"a string", `"Polygon"`, SRIDWGS84, "geometry", "GeoJSON"},
		{"an array", `[[2.38,48.81]]`, SRIDWGS84, "geometry", "GeoJSON"},
		{"no type", `{"coordinates":[` + ivryRing + `]}`, SRIDWGS84, "geometry", "GeoJSON"},
		{"unsupported SRID", polygon(ivryRing), 3857, "crs", "3857"},
		{"unsupported SRID with an empty polygon", `{"type":"Polygon","coordinates":[]}`, 0, "crs", "SRID 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mp, err := DecodeGeometry(json.RawMessage(tt.raw), tt.srid)
			if err == nil {
				t.Fatalf("DecodeGeometry(%s, %d) = %v; want an error", tt.raw, tt.srid, mp.FlatCoords())
			}
			if mp != nil {
				t.Errorf("DecodeGeometry(%s, %d) = %v with an error; want nil", tt.raw, tt.srid, mp)
			}
			if field, ok := invalidField(err); !ok || field != tt.wantField {
				t.Errorf("DecodeGeometry(%s, %d) error = %v; want an *InvalidError on %s", tt.raw, tt.srid, err, tt.wantField)
			}
			if !strings.Contains(err.Error(), tt.wantReason) {
				t.Errorf("DecodeGeometry(%s, %d) error = %v; want it to mention %q", tt.raw, tt.srid, err, tt.wantReason)
			}
			if len(err.Error()) > 300 {
				t.Errorf("DecodeGeometry(%s, %d) error is %d bytes long; want a readable message", tt.raw, tt.srid, len(err.Error()))
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
	if _, err := DecodeGeometry(json.RawMessage(ring(MaxVertices)), SRIDWGS84); err != nil {
		t.Errorf("DecodeGeometry(%d vertices) = %v; want nil", MaxVertices, err)
	}
	_, err := DecodeGeometry(json.RawMessage(ring(MaxVertices+1)), SRIDWGS84)
	if field, ok := invalidField(err); !ok || field != "geometry" || !strings.Contains(err.Error(), "vertices") {
		t.Errorf("DecodeGeometry(%d vertices) = %v; want an *InvalidError on geometry about vertices", MaxVertices+1, err)
	}
}

func FuzzDecodeGeometry(f *testing.F) {
	for _, seed := range []struct {
		raw  string
		srid int
	}{
		{`{"type":"Polygon","coordinates":[` + ivryRing + `]}`, SRIDWGS84},
		{`{"type":"MultiPolygon","coordinates":[[` + ivryRing + `,` + ivryHole + `],[` + ivryRing2 + `]]}`, SRIDWGS84},
		{`{"type":"Polygon","coordinates":[` + lambertRing + `]}`, SRIDLambert93},
		{`{"type":"Polygon","coordinates":[[[2.38,48.81,35],[2.39,48.81,36],[2.39,48.82,37],[2.38,48.81,35]]]}`, SRIDWGS84},
		{`{"type":"Point","coordinates":[2.38,48.81]}`, SRIDWGS84},
		{`{"type":"Polygon","coordinates":[]}`, SRIDWGS84},
		{`{"type":"MultiPolygon","coordinates":[[]]}`, SRIDLambert93},
		{`{"type":"GeometryCollection","geometries":[]}`, SRIDWGS84},
		{`null`, 3857},
	} {
		f.Add([]byte(seed.raw), seed.srid)
	}
	f.Fuzz(func(t *testing.T, raw []byte, srid int) {
		mp, err := DecodeGeometry(raw, srid)
		if err != nil {
			if mp != nil {
				t.Errorf("DecodeGeometry(%q, %d) returned a geometry with error %v", raw, srid, err)
			}
			if _, ok := invalidField(err); !ok {
				t.Errorf("DecodeGeometry(%q, %d) error = %v (%T); want an *InvalidError", raw, srid, err, err)
			}
			return
		}
		if mp.Layout() != geom.XY || mp.SRID() != srid || mp.NumPolygons() == 0 {
			t.Fatalf("DecodeGeometry(%q, %d) = layout %v, SRID %d, %d polygons; want XY, %d, at least one",
				raw, srid, mp.Layout(), mp.SRID(), mp.NumPolygons(), srid)
		}
		for i := 0; i < mp.NumPolygons(); i++ {
			p := mp.Polygon(i)
			if p.NumLinearRings() == 0 {
				t.Errorf("DecodeGeometry(%q, %d): polygon %d has no ring", raw, srid, i)
			}
			for j := 0; j < p.NumLinearRings(); j++ {
				r := p.LinearRing(j)
				n := r.NumCoords()
				if n < 4 || r.Coord(0).X() != r.Coord(n-1).X() || r.Coord(0).Y() != r.Coord(n-1).Y() {
					t.Errorf("DecodeGeometry(%q, %d): ring %d.%d has %d positions or is open", raw, srid, i, j, n)
				}
			}
		}
	})
}
