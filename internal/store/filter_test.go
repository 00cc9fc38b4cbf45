package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/cql2"
	"github.com/emprises/emprises/internal/site"
)

// filterIDs returns the ids of the features of collection that q selects, and their count
// as the count statement makes it.
func filterIDs(t *testing.T, s *Store, collection string, q FeatureQuery) ([]string, error) {
	t.Helper()
	q.Limit, q.Count = 10000, true
	var ids []string
	page, err := s.Features(context.Background(), collection, q, func(id, _ []byte) error {
		ids = append(ids, string(id))
		return nil
	})
	if err == nil && page.Matched != int64(len(ids)) {
		t.Errorf("%s: matched %d, returned %d", collection, page.Matched, len(ids))
	}
	return ids, err
}

// sqlIDs runs a query of ids, sorted as the features are.
func sqlIDs(t *testing.T, s *Store, query string, args ...any) []string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ids, func(a, b string) int { // as PostgreSQL sorts the text ids (C collation aside, none here differ)
		if len(a) != len(b) && isNumber(a) && isNumber(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	return ids
}

func isNumber(s string) bool { return strings.Trim(s, "0123456789") == "" }

// TestFilterAgainstSQL runs CQL2 filters and compares the features they select with the
// ids a plain SQL query finds.
func TestFilterAgainstSQL(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	today := site.Today()
	day := today.Format(time.DateOnly)
	// A 150 m disc around a point of the first located part, in each CRS.
	var wkt2154, wkt84, wkt4326, point84 string
	if err := s.pool.QueryRow(ctx, `
		WITH d AS (SELECT ST_Buffer(ST_PointOnSurface(geom), 150, 4) AS g, ST_PointOnSurface(geom) AS pt
		           FROM site_parts WHERE geom IS NOT NULL ORDER BY id LIMIT 1)
		SELECT ST_AsText(g, 2), ST_AsText(ST_Transform(g, 4326), 9), ST_AsText(ST_FlipCoordinates(ST_Transform(g, 4326)), 9),
		       ST_AsText(ST_Transform(pt, 4326), 9)
		FROM d`).Scan(&wkt2154, &wkt84, &wkt4326, &point84); err != nil {
		t.Fatal(err)
	}
	parts := `SELECT h.part_id FROM part_states_on($1::date) h JOIN site_parts p ON p.id = h.part_id JOIN sites s ON s.id = p.site_id WHERE `
	events := `SELECT e.id::text FROM events e JOIN sites s ON s.id = e.site_id AND s.deleted_at IS NULL WHERE e.deleted_at IS NULL AND `
	for _, tt := range []struct {
		name, collection, filter string
		json                     bool
		crs                      site.CRS
		reader                   auth.Role
		want                     string // SQL of the expected ids; $1 is today for site parts
		some                     bool   // the expected set is not empty
	}{
		{name: "status and area", collection: "sites", filter: `status='ceded' AND area_m2 > 1000`,
			want: parts + `h.status = 'ceded' AND round(p.area_m2::numeric, 1) > 1000`, some: true},
		{name: "json", collection: "sites", json: true,
			filter: `{"op": "and", "args": [{"op": "=", "args": [{"property": "status"}, "ceded"]}, {"op": ">", "args": [{"property": "area_m2"}, 1000]}]}`,
			want:   parts + `h.status = 'ceded' AND round(p.area_m2::numeric, 1) > 1000`, some: true},
		{name: "or, not", collection: "sites", filter: `NOT (status = 'ceded' OR status = 'in_use')`,
			want: parts + `h.status NOT IN ('ceded', 'in_use')`, some: true},
		{name: "like", collection: "sites", filter: `name LIKE '%Ivry%'`, want: parts + `s.name LIKE '%Ivry%'`, some: true},
		{name: "not like", collection: "sites", filter: `name NOT LIKE '%Ivry%'`, want: parts + `s.name NOT LIKE '%Ivry%'`, some: true},
		{name: "in", collection: "sites", filter: `status IN ('ceded', 'released')`, want: parts + `h.status IN ('ceded', 'released')`, some: true},
		{name: "between", collection: "sites", filter: `area_m2 BETWEEN 1000 AND 20000`,
			want: parts + `round(p.area_m2::numeric, 1) BETWEEN 1000 AND 20000`, some: true},
		{name: "is null", collection: "sites", filter: `geometry IS NULL`, want: parts + `p.geom IS NULL`, some: true},
		{name: "is not null", collection: "sites", filter: `occupant IS NOT NULL AND geometry IS NOT NULL`,
			want: parts + `s.occupant IS NOT NULL AND p.geom IS NOT NULL`, some: true},
		{name: "boolean", collection: "sites", filter: `modality_done = false`, want: parts + `NOT s.modality_done`, some: true},
		{name: "property with property", collection: "sites", filter: `area_m2 > declared_area_m2`,
			want: parts + `round(p.area_m2::numeric, 1) > round(p.declared_area_m2::numeric, 1)`},
		{name: "true", collection: "sites", filter: `TRUE`, want: parts + `true`, some: true},
		{name: "false", collection: "sites", filter: `false`, want: parts + `false`},
		{name: "injection is a literal", collection: "sites", filter: `name = 'x'' OR 1=1 --'`, want: parts + `false`},
		{name: "polygon in Lambert-93", collection: "sites", filter: `S_INTERSECTS(geometry, ` + wkt2154 + `)`, crs: site.Lambert93,
			want: parts + `ST_Intersects(p.geom, ST_GeomFromText('` + wkt2154 + `', 2154))`, some: true},
		{name: "polygon in CRS84", collection: "sites", filter: `S_INTERSECTS(geometry, ` + wkt84 + `)`,
			want: parts + `ST_Intersects(p.geom, ST_Transform(ST_GeomFromText('` + wkt84 + `', 4326), 2154))`, some: true},
		{name: "polygon in EPSG:4326, latitude first", collection: "sites", filter: `S_INTERSECTS(geometry, ` + wkt4326 + `)`, crs: site.EPSG4326,
			want: parts + `ST_Intersects(p.geom, ST_Transform(ST_FlipCoordinates(ST_GeomFromText('` + wkt4326 + `', 4326)), 2154))`, some: true},
		{name: "point", collection: "sites", filter: `S_INTERSECTS(` + point84 + `, geometry)`,
			want: parts + `ST_Intersects(p.geom, ST_Transform(ST_GeomFromText('` + point84 + `', 4326), 2154))`, some: true},
		{name: "whole world box", collection: "sites", filter: `S_INTERSECTS(geometry, BBOX(-180, -90, 180, 90))`,
			want: parts + `p.geom IS NOT NULL`, some: true},
		{name: "collection partly outside", collection: "sites",
			filter: `S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(100 10), ` + wkt84 + `))`,
			want:   parts + `ST_Intersects(p.geom, ST_Transform(ST_GeomFromText('` + wkt84 + `', 4326), 2154))`, some: true},
		{name: "nowhere near", collection: "sites", filter: `S_INTERSECTS(geometry, POINT(100 10))`, want: parts + `false`},
		{name: "status period", collection: "sites", filter: `T_INTERSECTS(datetime, INTERVAL('2010-01-01', '2014-12-31'))`,
			want: parts + `EXISTS (SELECT 1 FROM part_status_history x WHERE x.part_id = p.id AND x.valid && daterange('2010-01-01', '2014-12-31', '[]'))`, some: true},
		{name: "event period", collection: "events", filter: `T_INTERSECTS(datetime, INTERVAL('2014-01-01', '..'))`,
			want: events + `period_end(e.date_start, e.date_precision) > '2014-01-01'`, some: true},
		{name: "event date", collection: "events", filter: `date_start >= DATE('2019-01-01') AND planned = TRUE`,
			want: events + `e.date_start >= '2019-01-01' AND e.planned`},
		{name: "event day as GDAL writes it", collection: "events", filter: `date_start < '2019-01-01' AND planned = 0`,
			want: events + `e.date_start < '2019-01-01' AND NOT e.planned`, some: true},
		{name: "event geometry", collection: "events", filter: `S_INTERSECTS(geometry, ` + wkt2154 + `)`, crs: site.Lambert93,
			want: events + `EXISTS (SELECT 1 FROM site_parts g WHERE (g.id = e.part_id OR (e.part_id IS NULL AND g.site_id = e.site_id)) AND ST_Intersects(g.geom, ST_GeomFromText('` + wkt2154 + `', 2154)))`, some: true},
		{name: "event without geometry", collection: "events", filter: `geometry IS NULL`,
			want: events + `NOT EXISTS (SELECT 1 FROM site_parts g WHERE (g.id = e.part_id OR (e.part_id IS NULL AND g.site_id = e.site_id)) AND g.geom IS NOT NULL)`},
		{name: "amount for a viewer", collection: "events", filter: `amount_eur > 1000`, reader: auth.Viewer,
			want: events + `e.amount_eur > 1000`, some: true},
		{name: "boundary", collection: "boundaries", filter: `name LIKE 'Ivry%' AND geometry IS NOT NULL`,
			want: `SELECT id::text FROM boundaries WHERE name LIKE 'Ivry%'`, some: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parse := cql2.ParseText
			if tt.json {
				parse = cql2.ParseJSON
			}
			e, err := parse(tt.filter)
			if err != nil {
				t.Fatalf("parse %s: %v", tt.filter, err)
			}
			q := FeatureQuery{CRS: site.CRS84, AsOf: &today, Filter: e, FilterCRS: tt.crs, Reader: tt.reader}
			got, err := filterIDs(t, s, tt.collection, q)
			if err != nil {
				t.Fatalf("filter %s: %v", tt.filter, err)
			}
			var want []string
			if strings.Contains(tt.want, "$1") {
				want = sqlIDs(t, s, tt.want, day)
			} else {
				want = sqlIDs(t, s, tt.want)
			}
			if !slices.Equal(got, want) || tt.some && len(want) == 0 {
				t.Errorf("filter %s = %v; want %v (from %s)", tt.filter, got, want, tt.want)
			}
		})
	}
}

// TestFilterRefused checks the filters the store refuses, each naming the field filter and
// where the trouble is.
func TestFilterRefused(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	for _, tt := range []struct {
		collection, filter string
		reader             auth.Role
		want               string
	}{
		{"sites", `area_m2 > 'big'`, auth.Anonymous, "at 11: area_m2 is a number: compare it with a number"},
		{"sites", `status = 3`, auth.Anonymous, "at 10: status is a string: compare it with a string"},
		{"sites", `planned = true`, auth.Anonymous, `at 1: "planned" is not a queryable property of this collection`},
		{"sites", `status_since = '2014'`, auth.Anonymous, `at 1: "status_since" is not a queryable property`},
		{"events", `amount_eur > 1000`, auth.Anonymous, `at 1: "amount_eur" is not a queryable property`},
		{"events", `amount_eur IS NULL`, auth.Anonymous, `at 1: "amount_eur" is not a queryable property`},
		{"sites", `geometry = 1`, auth.Anonymous, "at 1: the geometry is only compared with S_INTERSECTS or IS NULL"},
		{"sites", `S_INTERSECTS(name, POINT(2 48))`, auth.Anonymous, `at 14: S_INTERSECTS compares the geometry, not "name"`},
		{"sites", `S_INTERSECTS(geometry, POINT(90 180))`, auth.Anonymous, "at 24: coordinates outside longitudes"},
		{"sites", `S_INTERSECTS(geometry, BBOX(48.8, 2.3, 48.9, 2.4))`, auth.Anonymous, ""}, // valid, if far away
		{"sites", `CASEI(name) = 'x'`, auth.Anonymous, "at 1: the function CASEI is not supported"},
		{"sites", `name LIKE 3`, auth.Anonymous, "at 11: name is a string: compare it with a string"},
		{"sites", `area_m2 LIKE '1%'`, auth.Anonymous, "at 14: area_m2 is a number: compare it with a number"},
		{"sites", `name BETWEEN 'a' AND 'b'`, auth.Anonymous, "at 1: BETWEEN compares numbers or dates, not a string"},
		{"sites", `name = area_m2`, auth.Anonymous, "at 8: name is a string and area_m2 a number: they cannot be compared"},
		{"parcels", `T_INTERSECTS(datetime, DATE('2014-01-01'))`, auth.Anonymous, "at 14: the features of this collection have no time"},
		{"events", `T_INTERSECTS(datetime, INTERVAL('2015-01-01', '2014-01-01'))`, auth.Anonymous, "at 24: the interval ends before it starts"},
		{"events", `T_INTERSECTS(title, DATE('2014-01-01'))`, auth.Anonymous, "at 14: title is not a date"},
		{"sites", `name`, auth.Anonymous, ""}, // refused by the parser: a property alone is no predicate
	} {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := cql2.ParseText(tt.filter)
			if err != nil {
				if tt.want != "" {
					t.Fatalf("ParseText(%q): %v", tt.filter, err)
				}
				return
			}
			today := site.Today()
			_, err = filterIDs(t, s, tt.collection, FeatureQuery{CRS: site.CRS84, AsOf: &today, Filter: e, Reader: tt.reader})
			if tt.want == "" {
				if err != nil {
					t.Errorf("filter %q: %v; want no error", tt.filter, err)
				}
				return
			}
			var inv *site.InvalidError
			if !errors.As(err, &inv) || inv.Field != "filter" || !strings.Contains(inv.Reason, tt.want) {
				t.Errorf("filter %q: %v; want an invalid filter with %q", tt.filter, err, tt.want)
			}
		})
	}
}

// TestFilterSQLIsParameterised checks that no value of a filter reaches the SQL text.
func TestFilterSQLIsParameterised(t *testing.T) {
	e, err := cql2.ParseText(`name = 'zz''; DROP TABLE sites; --' OR area_m2 > 123456.5 OR S_INTERSECTS(geometry, POINT(2.123456 48.654321))`)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := FeatureSQL("sites", FeatureQuery{CRS: site.CRS84, Filter: e})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"DROP", "123456", "2.123456", "48.654321"} {
		if strings.Contains(sql, v) {
			t.Errorf("the SQL holds %q:\n%s", v, sql)
		}
	}
	b, _ := json.Marshal(args)
	if !strings.Contains(string(b), "DROP TABLE") {
		t.Errorf("args %s lack the string literal", b)
	}
}
