package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

// ogcFilterIDs reads every page of an items request and returns the feature ids, checking
// numberMatched against them.
func ogcFilterIDs(t *testing.T, e *editEnv, role auth.Role, path string) []string {
	t.Helper()
	var ids []string
	matched := -1
	for path != "" {
		var resp *http.Response
		var body []byte
		if role == auth.Anonymous {
			resp, body = e.call(t, "GET", path, nil)
		} else {
			resp, body = e.as(t, role, "GET", path, "")
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
		}
		var fc ogcFC
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if matched < 0 {
			matched = *fc.NumberMatched
		}
		for _, f := range fc.Features {
			ids = append(ids, f.id())
		}
		path = ""
		if next, ok := ogcFindLink(fc.Links, "next"); ok {
			u, err := url.Parse(next.Href)
			if err != nil {
				t.Fatal(err)
			}
			path = u.RequestURI()
		}
	}
	if matched != len(ids) {
		t.Errorf("numberMatched %d; %d features", matched, len(ids))
	}
	return ids
}

// ogcSQLIDs runs a query of feature ids and sorts them as the service does.
func ogcSQLIDs(t *testing.T, e *editEnv, query string) []string {
	t.Helper()
	rows, err := e.st.Pool().Query(context.Background(), query)
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
	slices.SortFunc(ids, func(a, b string) int {
		if x, err1 := strconv.Atoi(a); err1 == nil {
			if y, err2 := strconv.Atoi(b); err2 == nil {
				return x - y
			}
		}
		return strings.Compare(a, b)
	})
	return ids
}

// TestOGCFilter checks GET …/items?filter=… against the ids plain SQL finds: both
// encodings, every filter-crs, the CQL2 operators, and filter combined with the other
// parameters.
func TestOGCFilter(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	// A disc of 150 m around a point of the first located part, in each CRS.
	var wkt2154, wkt84, box4326 string
	if err := e.st.Pool().QueryRow(context.Background(), `
		WITH d AS (SELECT ST_Buffer(ST_PointOnSurface(geom), 150, 4) AS g FROM site_parts WHERE geom IS NOT NULL ORDER BY id LIMIT 1),
		     w AS (SELECT g, ST_Transform(g, 4326) AS w FROM d)
		SELECT ST_AsText(g, 2), ST_AsText(w, 9),
		       concat_ws(',', ST_YMin(w), ST_XMin(w), ST_YMax(w), ST_XMax(w))
		FROM w`).Scan(&wkt2154, &wkt84, &box4326); err != nil {
		t.Fatal(err)
	}
	today := `(now() AT TIME ZONE 'Europe/Paris')::date`
	parts := `SELECT h.part_id FROM part_states_on(` + today + `) h JOIN site_parts p ON p.id = h.part_id JOIN sites s ON s.id = p.site_id WHERE `
	events := `SELECT e.id::text FROM events e JOIN sites s ON s.id = e.site_id AND s.deleted_at IS NULL WHERE e.deleted_at IS NULL AND `
	jsonFilter := `{"op": "and", "args": [{"op": "=", "args": [{"property": "status"}, "ceded"]}, {"op": ">", "args": [{"property": "area_m2"}, 1000]}]}`
	for _, tt := range []struct {
		name, query string
		role        auth.Role
		want        string // SQL of the expected ids
		some        bool   // the expected set is not empty
	}{
		{"status and area", "sites?filter=" + url.QueryEscape(`status='ceded' AND area_m2 > 1000`),
			auth.Anonymous, parts + `h.status = 'ceded' AND round(p.area_m2::numeric, 1) > 1000`, true},
		{"cql2-json", "sites?filter-lang=cql2-json&filter=" + url.QueryEscape(jsonFilter),
			auth.Anonymous, parts + `h.status = 'ceded' AND round(p.area_m2::numeric, 1) > 1000`, true},
		{"S_INTERSECTS, CRS84", "sites?filter=" + url.QueryEscape(`S_INTERSECTS(geometry, `+wkt84+`)`),
			auth.Anonymous, parts + `ST_Intersects(p.geom, ST_Transform(ST_GeomFromText('` + wkt84 + `', 4326), 2154))`, true},
		{"S_INTERSECTS, filter-crs EPSG:2154", "sites?filter-crs=EPSG:2154&filter=" + url.QueryEscape(`S_INTERSECTS(geometry, `+wkt2154+`)`),
			auth.Anonymous, parts + `ST_Intersects(p.geom, ST_GeomFromText('` + wkt2154 + `', 2154))`, true},
		{"BBOX, filter-crs EPSG:4326 latitude first", "sites?filter-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326") +
			"&filter=" + url.QueryEscape(`S_INTERSECTS(geometry, BBOX(`+box4326+`))`),
			auth.Anonymous, parts + `ST_Intersects(p.geom, ST_Transform(ST_Envelope(ST_Transform(ST_GeomFromText('` + wkt84 + `', 4326), 4326)), 2154))`, true},
		{"LIKE", "sites?filter=" + url.QueryEscape(`name LIKE '%Ivry%'`), auth.Anonymous, parts + `s.name LIKE '%Ivry%'`, true},
		{"IN", "sites?filter=" + url.QueryEscape(`status IN ('ceded', 'released')`), auth.Anonymous, parts + `h.status IN ('ceded', 'released')`, true},
		{"BETWEEN", "sites?filter=" + url.QueryEscape(`area_m2 BETWEEN 1000 AND 20000`), auth.Anonymous,
			parts + `round(p.area_m2::numeric, 1) BETWEEN 1000 AND 20000`, true},
		{"IS NULL", "sites?filter=" + url.QueryEscape(`geometry IS NULL OR occupant IS NULL`), auth.Anonymous,
			parts + `(p.geom IS NULL OR s.occupant IS NULL)`, true},
		{"NOT", "sites?filter=" + url.QueryEscape(`NOT (status = 'ceded' OR status = 'in_use')`), auth.Anonymous,
			parts + `h.status NOT IN ('ceded', 'in_use')`, true},
		{"injection is a literal", "sites?filter=" + url.QueryEscape(`name='x'' OR 1=1 --'`), auth.Anonymous, parts + `false`, false},
		{"with bbox, datetime and a property parameter", "events?kind=disposal&datetime=2010-01-01/..&bbox-crs=EPSG:2154&bbox=600000,6800000,700000,6900000&filter=" +
			url.QueryEscape(`planned = false AND title LIKE '%'`), auth.Anonymous,
			events + `e.kind = 'disposal' AND period_end(e.date_start, e.date_precision) > '2010-01-01' AND NOT e.planned AND EXISTS (SELECT 1 FROM site_parts g WHERE (g.id = e.part_id OR (e.part_id IS NULL AND g.site_id = e.site_id)) AND g.geom IS NOT NULL)`, true},
		{"T_INTERSECTS on events", "events?filter=" + url.QueryEscape(`T_INTERSECTS(datetime, INTERVAL('2014-01-01', '2016-12-31'))`), auth.Anonymous,
			events + `daterange(e.date_start, period_end(e.date_start, e.date_precision)) && daterange('2014-01-01', '2016-12-31', '[]')`, true},
		{"a confidential property for a viewer", "events?filter=" + url.QueryEscape(`amount_eur >= 1000`), auth.Viewer,
			events + `e.amount_eur >= 1000`, true},
		{"pages keep the filter", "sites?limit=2&filter=" + url.QueryEscape(`geometry IS NOT NULL`), auth.Anonymous,
			parts + `p.geom IS NOT NULL`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ogcFilterIDs(t, e, tt.role, "/collections/"+strings.Replace(tt.query, "?", "/items?", 1))
			want := ogcSQLIDs(t, e, tt.want)
			if !slices.Equal(got, want) || tt.some && len(want) == 0 {
				t.Errorf("GET %s = %v; want %v", tt.query, got, want)
			}
		})
	}
}

// TestOGCFilterRefused checks the 400s of the filter parameters: each names its parameter,
// and a bad filter says where.
func TestOGCFilterRefused(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	for _, tt := range []struct {
		query  string
		role   auth.Role
		param  string
		detail string
	}{
		{"filter=" + url.QueryEscape("status="), auth.Anonymous, "filter", "at 8: expected a value"},
		{"filter=" + url.QueryEscape("status='ceded' AND"), auth.Anonymous, "filter", "at 19: expected a value"},
		{"filter=", auth.Anonymous, "filter", "is empty"},
		{"filter=" + url.QueryEscape("area_m2 > 'big'"), auth.Anonymous, "filter", "area_m2 is a number"},
		{"filter=" + url.QueryEscape("nope = 1"), auth.Anonymous, "filter", `"nope" is not a queryable property`},
		{"filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op": "=", "args": [1]}`), auth.Anonymous, "filter", `"=" takes 2 argument(s)`},
		{"filter-lang=cql-json&filter=" + url.QueryEscape(`true`), auth.Anonymous, "filter-lang", "not a filter language"},
		{"filter-crs=EPSG:3857&filter=" + url.QueryEscape(`true`), auth.Anonymous, "filter-crs", "unsupported CRS"},
		// Latitude first: 120 is no latitude (it is a longitude in CRS84, the default).
		{"filter-crs=EPSG:4326&filter=" + url.QueryEscape(`S_INTERSECTS(geometry, POINT(120 2.39))`), auth.Anonymous, "filter", "at 24: coordinates outside"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			path := "/collections/sites/items?" + tt.query
			resp, body := e.call(t, "GET", path, nil)
			wantProblem(t, path, resp, body, http.StatusBadRequest, tt.param)
			var p Problem
			json.Unmarshal(body, &p)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("GET %s: detail %q; want one with %q", path, p.Detail, tt.detail)
			}
		})
	}
	// A confidential property is no filter for whom may not see it, whatever the encoding.
	for _, query := range []string{"filter=" + url.QueryEscape("amount_eur > 0"),
		"filter=" + url.QueryEscape("amount_eur IS NULL"),
		"filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op": ">", "args": [{"property": "amount_eur"}, 0]}`)} {
		path := "/collections/events/items?" + query
		resp, body := e.call(t, "GET", path, nil)
		wantProblem(t, path, resp, body, http.StatusBadRequest, "filter")
		if resp, body := e.as(t, auth.Viewer, "GET", path, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s as a viewer: %d %s", path, resp.StatusCode, body)
		}
	}
}

func TestOGCConformanceFiltering(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var c struct {
		ConformsTo []string `json:"conformsTo"`
	}
	ogcGet(t, srv, "/conformance", http.StatusOK, mediaJSON, &c)
	for _, class := range []string{"ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter",
		"cql2/1.0/conf/cql2-text", "cql2/1.0/conf/cql2-json", "cql2/1.0/conf/basic-cql2",
		"cql2/1.0/conf/advanced-comparison-operators", "cql2/1.0/conf/basic-spatial-functions",
		"cql2/1.0/conf/basic-spatial-functions-plus"} {
		if !slices.Contains(c.ConformsTo, "http://www.opengis.net/spec/"+class) {
			t.Errorf("conformsTo = %v; want %s", c.ConformsTo, class)
		}
	}
}

// TestOGCFilterReadmeExamples requests every example of the README's Filtering section.
func TestOGCFilterReadmeExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "#### Filtering (CQL2)")
	if !ok {
		t.Fatal("README.md has no Filtering (CQL2) section")
	}
	section, _, _ = strings.Cut(section, "\n#")
	srv, _ := newTestServer(t)
	n := 0
	for line := range strings.Lines(section) {
		path, query, ok := strings.Cut(strings.TrimSpace(line), "?")
		if !ok || !strings.HasPrefix(path, "/collections/") {
			continue
		}
		v := url.Values{}
		for param := range strings.SplitSeq(query, "&") {
			name, value, _ := strings.Cut(param, "=")
			v.Set(name, value)
		}
		var fc ogcFC
		ogcGet(t, srv, path+"?"+v.Encode(), http.StatusOK, mediaGeoJSON, &fc)
		n++
	}
	if n < 5 {
		t.Errorf("%d examples in the README's Filtering section; want 5", n)
	}
}
