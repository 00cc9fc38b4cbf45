package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/auth"
)

// versionsDoc is a decoded /versions answer.
type versionsDoc struct {
	Type           string           `json:"type"`
	Features       []versionFeature `json:"features"`
	NumberReturned int              `json:"numberReturned"`
	Links          []struct {
		Href     string `json:"href"`
		Rel      string `json:"rel"`
		Datetime string `json:"datetime"`
	} `json:"links"`
}

type versionFeature struct {
	ID   string `json:"id"`
	Time struct {
		Interval [2]string `json:"interval"`
	} `json:"time"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
	Links      []struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
	} `json:"links"`
}

// summary is what a test compares of a version: "n status status_since from..to quality changed_by".
func (f versionFeature) summary() string {
	p := f.Properties
	to := ""
	if p["valid_to"] != nil {
		to = p["valid_to"].(string)
	}
	return fmt.Sprintf("%v %v %v %v..%v %v %v", p["version"], p["status"], p["status_since"], p["valid_from"], to,
		p["geometry_quality"], p["changed_by"])
}

// link returns the href of the first link with rel, or "".
func (f versionFeature) link(rel string) string {
	for _, l := range f.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

// getVersions fetches path as role ("" for nobody) and wants a 200 GeoJSON answer.
func (e *editEnv) getVersions(t *testing.T, role auth.Role, path string) (versionsDoc, *http.Response) {
	t.Helper()
	resp, body := e.call(t, "GET", path, nil)
	if role != auth.Anonymous {
		resp, body = e.as(t, role, "GET", path, "")
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mediaGeoJSON {
		t.Fatalf("GET %s as %q: %d %s %s", path, role, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var doc versionsDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return doc, resp
}

// statusPeriodsSQL are a part's status periods as the database holds them: status, the
// since text, the first day, the exclusive last day ("" when open).
func (e *editEnv) statusPeriodsSQL(t *testing.T, part string) [][4]string {
	t.Helper()
	rows, err := e.st.Pool().Query(t.Context(), `
		SELECT status, date_text(lower(valid), since_precision), lower(valid)::text, coalesce(upper(valid)::text, '')
		  FROM part_status_history WHERE part_id = $1 ORDER BY lower(valid)`, part)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][4]string
	for rows.Next() {
		var p [4]string
		if err := rows.Scan(&p[0], &p[1], &p[2], &p[3]); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sqlScalar runs a query of one text value.
func (e *editEnv) sqlScalar(t *testing.T, query string, args ...any) string {
	t.Helper()
	var s string
	if err := e.st.Pool().QueryRow(t.Context(), query, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

// sameOutline reports how far, in metres, a GeoJSON geometry in CRS84 lies from a
// Lambert-93 WKT one (Hausdorff distance).
func (e *editEnv) outlineDistance(t *testing.T, geojson json.RawMessage, wkt string) float64 {
	t.Helper()
	var d float64
	err := e.st.Pool().QueryRow(t.Context(), `
		SELECT ST_HausdorffDistance(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 2154), ST_GeomFromText($2, 2154))`,
		string(geojson), wkt).Scan(&d)
	if err != nil {
		t.Fatalf("outline distance of %s: %v", geojson, err)
	}
	return d
}

// TestPartVersions checks the versions of the filter basins' ceded part (in use since 2006,
// disposal from 2018-Q4, ceded in 2019-Q1) against its status periods and audit records in
// SQL, before and after its outline is redrawn: its 2014 state and today's are there, each
// with the outline it had, and who redrew it only for signed-in readers.
func TestPartVersions(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const part = "bassins-filtrants-halle-partie-cedee"
	const path = "/collections/sites/items/" + part + "/versions"
	periods := e.statusPeriodsSQL(t, part)
	if len(periods) != 3 || periods[0][0] != "in_use" || periods[2][0] != "ceded" || periods[2][3] != "" {
		t.Fatalf("seeded status periods of %s: %v; want in use, disposal, ceded", part, periods)
	}
	seeder := e.sqlScalar(t, `
		SELECT coalesce(u.name, a.actor) FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
		 WHERE a.action = 'site.create' AND a.entity_id = 'bassins-filtrants-halle'`)
	seeded := e.sqlScalar(t, `SELECT ST_AsText(geom) FROM site_parts WHERE id = $1`, part)

	// As seeded: one version per status period, the outline of today in each.
	doc, _ := e.getVersions(t, auth.Viewer, path)
	var want []string
	for i, p := range periods {
		want = append(want, fmt.Sprintf("%d %s %s %s..%s approximate %s", i+1, p[0], p[1], p[2], p[3], seeder))
	}
	var got []string
	for _, f := range doc.Features {
		got = append(got, f.summary())
	}
	if !slices.Equal(got, want) || doc.NumberReturned != len(want) {
		t.Errorf("GET %s (seeded) =\n%q\nwant\n%q (numberReturned %d)", path, got, want, doc.NumberReturned)
	}

	// Redrawn today: the ceded period splits on the day of the audit record.
	e.edit(t, "PUT", "/api/parts/"+part+"/geometry", "bassins-filtrants-halle",
		`{"geometry":`+polygonInside+`,"crs":"CRS84","quality":"surveyed","source":"levé du géomètre","reason":"plan de bornage"}`)
	redrawn := e.sqlScalar(t, `SELECT ST_AsText(geom) FROM site_parts WHERE id = $1`, part)
	day := e.sqlScalar(t, `
		SELECT (at AT TIME ZONE 'Europe/Paris')::date::text FROM audit_log
		 WHERE entity_id = $1 AND action = 'part.geometry'`, part)
	want = want[:2]
	want = append(want,
		fmt.Sprintf("3 ceded %s %s..%s approximate %s", periods[2][1], periods[2][2], day, seeder),
		fmt.Sprintf("4 ceded %s %s.. surveyed alice", periods[2][1], day))
	doc, resp := e.getVersions(t, auth.Viewer, path)
	got = nil
	for _, f := range doc.Features {
		got = append(got, f.summary())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("GET %s (redrawn) =\n%q\nwant\n%q", path, got, want)
	}
	if ct := resp.Header.Get("Content-Crs"); ct != "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>" {
		t.Errorf("Content-Crs = %q; want CRS84", ct)
	}
	for i, f := range doc.Features {
		wkt := seeded
		if i == 3 {
			wkt = redrawn
		}
		if d := e.outlineDistance(t, f.Geometry, wkt); d > 0.05 {
			t.Errorf("version %d: outline %.3f m from the one it had; want the same", i+1, d)
		}
	}
	last := doc.Features[3]
	if last.Properties["change_reason"] != "plan de bornage" || last.Properties["geometry_source"] != "levé du géomètre" {
		t.Errorf("version 4: change_reason %v, geometry_source %v; want the redrawing's", last.Properties["change_reason"], last.Properties["geometry_source"])
	}
	if first := doc.Features[0]; first.Time.Interval != [2]string{periods[0][2], periods[0][3]} || last.Time.Interval[1] != ".." {
		t.Errorf("time intervals %v … %v; want the first period's and an open one", first.Time.Interval, last.Time.Interval)
	}

	// The 2014 state (in use) and today's (ceded) are among them.
	var in2014 string
	for _, f := range doc.Features {
		from, to := f.Properties["valid_from"].(string), f.Properties["valid_to"]
		if from <= "2014-01-01" && (to == nil || to.(string) > "2014-01-01") {
			in2014 = f.Properties["status"].(string)
		}
	}
	if in2014 != "in_use" || last.Properties["status"] != e.sqlScalar(t, `SELECT status FROM site_parts WHERE id = $1`, part) {
		t.Errorf("status in 2014 %q, current version %v; want in_use, and today's status", in2014, last.Properties["status"])
	}

	// The Time Map's links.
	rels := map[string][]string{}
	for _, l := range doc.Links {
		rels[l.Rel] = append(rels[l.Rel], strings.TrimPrefix(l.Href, e.srv.URL))
		if l.Rel == "memento" && l.Datetime == "" {
			t.Errorf("memento link %s has no datetime", l.Href)
		}
	}
	if len(rels["memento"]) != 4 || rels["latest-version"][0] != path+"/4" || rels["first"][0] != path+"/1" ||
		rels["original"][0] != "/collections/sites/items/"+part {
		t.Errorf("links = %v; want 4 mementos, first, latest-version and original", rels)
	}
	if v := doc.Features[1]; v.link("predecessor-version") != e.srv.URL+path+"/1" || v.link("successor-version") != e.srv.URL+path+"/3" {
		t.Errorf("version 2 links: %+v; want its predecessor and successor", v.Links)
	}

	// Anonymously: the same versions, without who changed them, when or why.
	anon, _ := e.getVersions(t, auth.Anonymous, path)
	for i, f := range anon.Features {
		for _, field := range []string{"changed_by", "changed_at", "change_reason"} {
			if _, ok := f.Properties[field]; ok {
				t.Errorf("anonymous version %d has %s", i+1, field)
			}
		}
		if f.Properties["status"] != doc.Features[i].Properties["status"] || f.ID != doc.Features[i].ID {
			t.Errorf("anonymous version %d = %v; want the viewer's %v", i+1, f.Properties, doc.Features[i].Properties)
		}
	}

	// One version; Lambert-93 on request.
	resp, body := e.call(t, "GET", path+"/1?crs=http://www.opengis.net/def/crs/EPSG/0/2154", nil)
	var one versionFeature
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &one) != nil {
		t.Fatalf("GET %s/1: %d %s", path, resp.StatusCode, body)
	}
	var ring struct{ Coordinates [][][][2]float64 }
	json.Unmarshal(one.Geometry, &ring) //nolint:errcheck // checked below
	if one.Properties["status"] != "in_use" || len(ring.Coordinates) == 0 || ring.Coordinates[0][0][0][0] < 600_000 {
		t.Errorf("GET %s/1 in Lambert-93: %s; want version 1 in metres", path, body)
	}
	wantMemento := time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	if got := resp.Header.Get("Memento-Datetime"); got != wantMemento {
		t.Errorf("Memento-Datetime = %q; want %q", got, wantMemento)
	}
	if !strings.HasSuffix(one.link("successor-version"), path+"/2?crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F2154") {
		t.Errorf("successor-version = %q; want version 2 in the same CRS", one.link("successor-version"))
	}
}

// TestPartVersionsOfASplit: the part split keeps its versions and gains one with the outline
// it retained; the new part has the statuses it inherited, with today's outline.
func TestPartVersionsOfASplit(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const part = "cpcu-ivry-chaufferie"
	before := e.sqlScalar(t, `SELECT ST_AsText(geom) FROM site_parts WHERE id = $1`, part)
	e.edit(t, "POST", "/api/parts/"+part+"/split", "cpcu-ivry",
		`{"geometry":`+polygonInside+`,"label":"Emprise du parc","id":"cpcu-ivry-parc","reason":"cession au département"}`)
	day := e.sqlScalar(t, `SELECT (at AT TIME ZONE 'Europe/Paris')::date::text FROM audit_log WHERE action = 'part.split'`)
	seeder := e.sqlScalar(t, `SELECT actor FROM audit_log WHERE action = 'site.create' AND entity_id = 'cpcu-ivry'`)

	doc, _ := e.getVersions(t, auth.Viewer, "/collections/sites/items/"+part+"/versions")
	var got []string
	for _, f := range doc.Features {
		got = append(got, f.summary())
	}
	want := []string{
		"1 in_use 2006 2006-01-01..2019-12-01 approximate " + seeder,
		"2 under_study 2019-12 2019-12-01.." + day + " approximate " + seeder,
		"3 under_study 2019-12 " + day + ".. approximate alice",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("versions of the part split =\n%q\nwant\n%q", got, want)
	}
	if d := e.outlineDistance(t, doc.Features[1].Geometry, before); d > 0.05 {
		t.Errorf("version 2: outline %.3f m from the part's before the split; want the same", d)
	}
	retained := e.sqlScalar(t, `SELECT ST_AsText(geom) FROM site_parts WHERE id = $1`, part)
	if d := e.outlineDistance(t, doc.Features[2].Geometry, retained); d > 0.05 {
		t.Errorf("version 3: outline %.3f m from the part retained; want the same", d)
	}

	doc, _ = e.getVersions(t, auth.Viewer, "/collections/sites/items/cpcu-ivry-parc/versions")
	got = nil
	for _, f := range doc.Features {
		got = append(got, f.summary())
	}
	// Its open period was written by the split: alice recorded it.
	want = []string{
		"1 in_use 2006 2006-01-01..2019-12-01 approximate " + seeder,
		"2 under_study 2019-12 2019-12-01.. approximate alice",
	}
	if !slices.Equal(got, want) {
		t.Errorf("versions of the new part =\n%q\nwant\n%q", got, want)
	}
}

// TestPartVersionsRefused: what names no version is a 404, a bad parameter a 400 naming it.
func TestPartVersionsRefused(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const versions = "/collections/sites/items/bassins-filtrants-halle-partie-cedee/versions"
	tests := []struct {
		path   string
		status int
		param  string
	}{
		{versions + "/4", http.StatusNotFound, ""},
		{versions + "/0", http.StatusNotFound, ""},
		{versions + "/first", http.StatusNotFound, ""},
		{versions + "/-1", http.StatusNotFound, ""},
		{"/collections/sites/items/no-such-part/versions", http.StatusNotFound, ""},
		{"/collections/sites/items/no-such-part/versions/1", http.StatusNotFound, ""},
		{"/collections/parcels/items/94041000AZ0056/versions", http.StatusNotFound, ""},
		{"/collections/nothing/items/x/versions", http.StatusNotFound, ""},
		{versions + "?limit=10", http.StatusBadRequest, "limit"},
		{versions + "/1?crs=EPSG:9999", http.StatusBadRequest, "crs"},
		{versions + "?f=html", http.StatusBadRequest, "f"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := e.call(t, "GET", tt.path, nil)
			wantProblem(t, tt.path, resp, body, tt.status, tt.param)
		})
	}
	for _, n := range []string{"1", "2", "3"} {
		if resp, body := e.call(t, "GET", versions+"/"+n, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s/%s: %d %s", versions, n, resp.StatusCode, body)
		}
	}
}

// TestFeatureDatetime: a site part asked for a day is in its status that day, links to the
// version of that day, and is 410 Gone on a day it had no status.
func TestFeatureDatetime(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const item = "/collections/sites/items/bassins-filtrants-halle-partie-cedee"
	tests := []struct {
		query   string
		status  string
		memento string // the version linked as the one shown
	}{
		{"", "ceded", "3"},
		{"?datetime=2014-01-01", "in_use", "1"},
		{"?datetime=2014-01-01T", "in_use", "1"},
		{"?datetime=2018-11-15T10:00:00Z", "disposal_in_progress", "2"},
		{"?datetime=2014-01-01/2018-12-31", "disposal_in_progress", "2"},
		{"?datetime=2019-01-01", "ceded", "3"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := e.call(t, "GET", item+tt.query, nil)
			var f versionFeature
			if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &f) != nil {
				t.Fatalf("GET %s%s: %d %s", item, tt.query, resp.StatusCode, body)
			}
			if f.Properties["status"] != tt.status {
				t.Errorf("GET %s%s: status %v; want %s", item, tt.query, f.Properties["status"], tt.status)
			}
			if got := f.link("memento"); got != e.srv.URL+item+"/versions/"+tt.memento {
				t.Errorf("GET %s%s: memento link %q; want version %s", item, tt.query, got, tt.memento)
			}
			if f.link("version-history") != e.srv.URL+item+"/versions" || f.link("latest-version") != e.srv.URL+item+"/versions/3" {
				t.Errorf("GET %s%s: links %+v; want version-history and latest-version", item, tt.query, f.Links)
			}
		})
	}
	// Before its first status the part had no state: Gone, not unknown.
	resp, body := e.call(t, "GET", item+"?datetime=2000-01-01", nil)
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(body), "2006-01-01") {
		t.Errorf("GET %s?datetime=2000-01-01: %d %s; want 410 naming its first day", item, resp.StatusCode, body)
	}
	resp, body = e.call(t, "GET", "/collections/sites/items/no-such-part?datetime=2000-01-01", nil)
	wantProblem(t, "no-such-part?datetime=2000-01-01", resp, body, http.StatusNotFound, "")
	resp, body = e.call(t, "GET", item+"?datetime=2014-13-01", nil)
	wantProblem(t, item+"?datetime=2014-13-01", resp, body, http.StatusBadRequest, "datetime")
	// Collections without versions take datetime as items does: an event outside it is not there.
	resp, body = e.call(t, "GET", "/collections/boundaries/items/commune-94041?datetime=2014-01-01", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("boundary with datetime: %d %s; want 200 (no time: every day)", resp.StatusCode, body)
	}
}

// TestGDALReadsPartVersions: GDAL's GeoJSON driver reads a part's versions as a layer, with
// the version a whole number and the validity as dates.
func TestGDALReadsPartVersions(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	out := runTool(t, "ogrinfo", "-ro", "-al", "-so",
		e.srv.URL+"/collections/sites/items/bassins-filtrants-halle-partie-cedee/versions")
	for _, want := range []string{"Feature Count: 3", "version: Integer", "valid_from: Date", "valid_to: Date", "status: String"} {
		if !strings.Contains(out, want) {
			t.Errorf("ogrinfo of the versions: no %q in\n%s", want, out)
		}
	}
}
