package cql2

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// show writes a node back as text, fully parenthesised, to compare trees in tests.
func show(e Expr) string {
	switch e := e.(type) {
	case *Bool:
		return fmt.Sprint(e.Value)
	case *Logic:
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			parts[i] = show(a)
		}
		return "(" + strings.Join(parts, " "+e.Op+" ") + ")"
	case *Not:
		return "not " + show(e.Arg)
	case *Compare:
		return "(" + show(e.Left) + " " + e.Op + " " + show(e.Right) + ")"
	case *Like:
		return "(" + show(e.Arg) + " like " + show(e.Pattern) + ")"
	case *Between:
		return "(" + show(e.Arg) + " between " + show(e.Low) + " and " + show(e.High) + ")"
	case *In:
		parts := make([]string, len(e.List))
		for i, a := range e.List {
			parts[i] = show(a)
		}
		return "(" + show(e.Arg) + " in [" + strings.Join(parts, ",") + "])"
	case *IsNull:
		return "(" + show(e.Arg) + " is null)"
	case *Func:
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			parts[i] = show(a)
		}
		return e.Name + "(" + strings.Join(parts, ",") + ")"
	case *Property:
		return "{" + e.Name + "}"
	case *String:
		return fmt.Sprintf("%q", e.Value)
	case *Number:
		return fmt.Sprint(e.Value)
	case *Date:
		return "date:" + e.Value.Format(time.DateOnly)
	case *Timestamp:
		return "ts:" + e.Value.Format(time.RFC3339)
	case *Interval:
		return "interval(" + show(e.Start) + "," + show(e.End) + ")"
	case *Open:
		return ".."
	case *Geometry:
		return fmt.Sprintf("%s%v", e.Value.GeoJSONType(), e.Value)
	case *BBox:
		return fmt.Sprint("bbox", e.Value)
	}
	return fmt.Sprintf("?%T", e)
}

func TestParseText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`status='ceded' AND area_m2 > 1000`, `(({status} = "ceded") and ({area_m2} > 1000))`},
		{`a = 1 OR b = 2 AND c = 3`, `(({a} = 1) or (({b} = 2) and ({c} = 3)))`},
		{`(a = 1 OR b = 2) AND NOT c <> -3.5e2`, `((({a} = 1) or ({b} = 2)) and not ({c} <> -350))`},
		{`name = 'x'' OR 1=1 --'`, `({name} = "x' OR 1=1 --")`},
		{`name NOT LIKE 'Us%'`, `not ({name} like "Us%")`},
		{`area_m2 not between 10 and 20`, `not ({area_m2} between 10 and 20)`},
		{`status IN ('ceded', 'released')`, `({status} in ["ceded","released"])`},
		{`owner IS NOT NULL`, `not ({owner} is null)`},
		{`"and" is null`, `({and} is null)`},
		{`TRUE`, `true`},
		{`planned = false`, `({planned} = false)`},
		{`date_start >= DATE('2019-01-01')`, `({date_start} >= date:2019-01-01)`},
		{`T_INTERSECTS(datetime, INTERVAL('2014-01-01', '..'))`, `t_intersects({datetime},interval(date:2014-01-01,..))`},
		{`t_intersects(datetime, TIMESTAMP('2014-01-01T10:00:00Z'))`, `t_intersects({datetime},ts:2014-01-01T10:00:00Z)`},
		{`S_INTERSECTS(geometry, POINT(2.39 48.81))`, `s_intersects({geometry},Point[2.39 48.81])`},
		{`s_intersects(geometry, BBOX(2.38, 48.80, 2.40, 48.82))`, `s_intersects({geometry},bbox[2.38 48.8 2.4 48.82])`},
		{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))`, `s_intersects({geometry},Polygon[[[0 0] [1 0] [1 1] [0 0]]])`},
		{`S_INTERSECTS(geometry, MULTIPOINT((0 0), (1 1)))`, `s_intersects({geometry},MultiPoint[[0 0] [1 1]])`},
		{`S_INTERSECTS(geometry, MULTIPOINT(0 0, 1 1))`, `s_intersects({geometry},MultiPoint[[0 0] [1 1]])`},
		{`S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(0 0), LINESTRING(0 0, 1 1)))`, `s_intersects({geometry},GeometryCollection[[0 0] [[0 0] [1 1]]])`},
		{`S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5))))`, `s_intersects({geometry},MultiPolygon[[[[0 0] [1 0] [1 1] [0 0]]] [[[5 5] [6 5] [6 6] [5 5]]]])`},
		{`name = 'Ivry — Île'`, `({name} = "Ivry — Île")`},
	} {
		t.Run(tt.in, func(t *testing.T) {
			e, err := ParseText(tt.in)
			if err != nil {
				t.Fatalf("ParseText(%q): %v", tt.in, err)
			}
			if got := show(e); got != tt.want {
				t.Errorf("ParseText(%q) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	deep := strings.Repeat("(", 40) + "a = 1" + strings.Repeat(")", 40)
	var many strings.Builder
	many.WriteString("S_INTERSECTS(geometry, LINESTRING(")
	for i := range 1001 {
		if i > 0 {
			many.WriteString(", ")
		}
		fmt.Fprintf(&many, "%d 0", i)
	}
	many.WriteString("))")
	for _, tt := range []struct{ in, want string }{
		{`status=`, "at 8: expected a value, found the end of the filter"},
		{`status = 'ceded`, "at 10: this string has no closing quote"},
		{`area_m2 > 1000 AND`, "at 19: expected a value"},
		{`area_m2 1000`, "at 9: expected a comparison"},
		{`(a = 1`, "at 7: expected ')'"},
		{`a = 1)`, "at 6: expected AND, OR or the end"},
		{`a ! 1`, "at 3: unexpected character '!'"},
		{`a = AND`, "at 5: expected a value, found AND"},
		{`a NOT NULL`, "at 7: expected LIKE, BETWEEN or IN after NOT"},
		{`a IS 1`, "at 6: expected NULL after IS"},
		{`a BETWEEN 1 OR 2`, "at 13: expected AND in BETWEEN"},
		{`d = DATE('2019-13-01')`, `at 10: "2019-13-01" is not a date`},
		{`S_INTERSECTS(geometry, POINT(1))`, "at 31: expected a number"},
		{`S_INTERSECTS(geometry, POINT Z(1 2 3))`, "at 30: only 2D coordinates"},
		{`S_INTERSECTS(geometry, POINT(1 2 3))`, "at 34: only 2D coordinates"},
		{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))`, "at 24: a polygon's ring has at least 4 points, the last equal to the first"},
		{`S_INTERSECTS(geometry, BBOX(1, 2, 3))`, "at 24: a BBOX has 4 numbers"},
		{`a = 1e999`, "at 5: the number 1e999 is out of range"},
		{deep, "at 33: the filter nests more than 32 levels deep"},
		{many.String(), "the geometries of a filter have more than 1000 points"},
		{strings.Repeat("a = 1 OR ", 1000) + "a = 1", "at 1: the filter is longer than 8 KB"},
		{"a = '\xff'", "not valid UTF-8"},
	} {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			_, err := ParseText(tt.in)
			var perr *Error
			if !errors.As(err, &perr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseText(%q) = %v; want an *Error with %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"op": "and", "args": [{"op": "=", "args": [{"property": "status"}, "ceded"]}, {"op": ">", "args": [{"property": "area_m2"}, 1000]}]}`,
			`(({status} = "ceded") and ({area_m2} > 1000))`},
		{`{"op": "not", "args": [{"op": "like", "args": [{"property": "name"}, "Us%"]}]}`, `not ({name} like "Us%")`},
		{`{"op": "in", "args": [{"property": "status"}, ["ceded", "released"]]}`, `({status} in ["ceded","released"])`},
		{`{"op": "between", "args": [{"property": "area_m2"}, 10, 20]}`, `({area_m2} between 10 and 20)`},
		{`{"op": "isNull", "args": [{"property": "owner"}]}`, `({owner} is null)`},
		{`{"op": ">=", "args": [{"property": "date_start"}, {"date": "2019-01-01"}]}`, `({date_start} >= date:2019-01-01)`},
		{`{"op": "t_intersects", "args": [{"property": "datetime"}, {"interval": ["2014-01-01", ".."]}]}`, `t_intersects({datetime},interval(date:2014-01-01,..))`},
		{`{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [2.39, 48.81]}]}`, `s_intersects({geometry},Point[2.39 48.81])`},
		{`{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [2.38, 48.80, 2.40, 48.82]}]}`, `s_intersects({geometry},bbox[2.38 48.8 2.4 48.82])`},
		{`{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}]}`, `s_intersects({geometry},Polygon[[[0 0] [1 0] [1 1] [0 0]]])`},
		{`{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [0, 0]}]}]}`, `s_intersects({geometry},GeometryCollection[[0 0]])`},
		{`true`, `true`},
	} {
		t.Run(tt.in, func(t *testing.T) {
			e, err := ParseJSON(tt.in)
			if err != nil {
				t.Fatalf("ParseJSON(%s): %v", tt.in, err)
			}
			if got := show(e); got != tt.want {
				t.Errorf("ParseJSON(%s) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"op": "=", "args": [{"property": "status"}]}`, `at 21: "=" takes 2 argument(s)`},
		{`{"op": "=", "args": [{"property": "status"}, null]}`, "at 46: null is not a value"},
		{`{"op": "=", "args": [{"property": "status"}, "x"]`, "the JSON ends too soon"},
		{`{"op": "=", "args": [{"property": "status"}, "x"]} 1`, "at 52: expected the end of the filter"},
		{`{"op": "=", "op": "<"}`, `at 13: the member "op" is given twice`},
		{`{"op": "and", "args": [true]}`, `at 23: "and" takes 2 arguments or more`},
		{`{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [1, 2, 3]}]}`, "at 92: only 2D coordinates"},
		{`{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Blob", "coordinates": []}]}`, `at 68: "Blob" is not a GeoJSON geometry type`},
		{`{"op": "=", "args": [{"property": "é"}, {"date": "2019-02-30"}]}`, `at 50: "2019-02-30" is not a date`},
		{`{"foo": 1}`, "at 1: expected an expression"},
		{`{"op": "=", "args": [1, 2], "x": 3}`, "at 1: an op has no member but op and args"},
		{`[1,`, "the JSON ends too soon"},
		{`{"op": "=" "args": []}`, "not JSON"},
		{strings.Repeat(`{"op": "not", "args": [`, 33) + "true" + strings.Repeat("]}", 33), "nests more than 32 levels deep"},
	} {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			_, err := ParseJSON(tt.in)
			var perr *Error
			if !errors.As(err, &perr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseJSON(%s) = %v; want an *Error with %q", tt.in, err, tt.want)
			}
		})
	}
}

// TestTextAndJSONAgree parses the same filters in both encodings.
func TestTextAndJSONAgree(t *testing.T) {
	for text, js := range map[string]any{
		`name LIKE 'A%' OR NOT (b IS NULL)`: map[string]any{"op": "or", "args": []any{
			map[string]any{"op": "like", "args": []any{map[string]any{"property": "name"}, "A%"}},
			map[string]any{"op": "not", "args": []any{map[string]any{"op": "isNull", "args": []any{map[string]any{"property": "b"}}}}},
		}},
		`S_INTERSECTS(geometry, LINESTRING(1 2, 3 4))`: map[string]any{"op": "s_intersects", "args": []any{
			map[string]any{"property": "geometry"}, map[string]any{"type": "LineString", "coordinates": [][]float64{{1, 2}, {3, 4}}},
		}},
	} {
		b, _ := json.Marshal(js)
		a, err1 := ParseText(text)
		j, err2 := ParseJSON(string(b))
		if err1 != nil || err2 != nil {
			t.Fatalf("ParseText(%q): %v; ParseJSON(%s): %v", text, err1, b, err2)
		}
		if show(a) != show(j) {
			t.Errorf("ParseText(%q) = %s; ParseJSON(%s) = %s", text, show(a), b, show(j))
		}
	}
}

// FuzzParse feeds both parsers anything: they must not panic, must answer an *Error with a
// position inside the filter (or just after it) when they refuse, and a geometry they
// accept must be one PostGIS takes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`status='ceded' AND area_m2 > 1000`,
		`name NOT LIKE 'Us%' OR area_m2 BETWEEN 1 AND 2.5e3`,
		`status IN ('ceded','released') AND owner IS NOT NULL`,
		`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))`,
		`S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(0 0), MULTIPOINT((1 1))))`,
		`T_INTERSECTS(datetime, INTERVAL('2014-01-01', '..')) AND d < DATE('2020-01-01')`,
		`"quoted name" = 'x''y'`,
		`{"op": "and", "args": [{"op": "=", "args": [{"property": "status"}, "ceded"]}, true]}`,
		`{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}]}`,
		`{"op": "in", "args": [{"property": "a"}, [1, 2]]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, parse := range map[string]func(string) (Expr, error){"ParseText": ParseText, "ParseJSON": ParseJSON} {
			e, err := parse(s)
			if err != nil {
				var perr *Error
				if !errors.As(err, &perr) {
					t.Fatalf("%s(%q): %T %v; want an *Error", name, s, err, err)
				}
				if perr.Pos < 1 || perr.Pos > len(s)+1 {
					t.Fatalf("%s(%q): position %d outside 1…%d", name, s, perr.Pos, len(s)+1)
				}
				continue
			}
			if e == nil {
				t.Fatalf("%s(%q) = nil, nil", name, s)
			}
			walk(e, func(n Expr) {
				if n.Pos() < 1 || n.Pos() > len(s) {
					t.Fatalf("%s(%q): %T at %d, outside the filter", name, s, n, n.Pos())
				}
				if g, ok := n.(*Geometry); ok {
					if err := checkGeometry(g.Value, 1, nil); err != nil {
						t.Fatalf("%s(%q) accepted a geometry PostGIS refuses: %v", name, s, err)
					}
					if countPoints(g.Value) > MaxVertices {
						t.Fatalf("%s(%q): %d points", name, s, countPoints(g.Value))
					}
				}
			})
		}
	})
}

// walk calls fn on every node of e.
func walk(e Expr, fn func(Expr)) {
	fn(e)
	var kids []Expr
	switch e := e.(type) {
	case *Logic:
		kids = e.Args
	case *Not:
		kids = []Expr{e.Arg}
	case *Compare:
		kids = []Expr{e.Left, e.Right}
	case *Like:
		kids = []Expr{e.Arg, e.Pattern}
	case *Between:
		kids = []Expr{e.Arg, e.Low, e.High}
	case *In:
		kids = append([]Expr{e.Arg}, e.List...)
	case *IsNull:
		kids = []Expr{e.Arg}
	case *Func:
		kids = e.Args
	case *Interval:
		kids = []Expr{e.Start, e.End}
	}
	for _, k := range kids {
		walk(k, fn)
	}
}
