package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
)

func TestConfig(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var c map[string]any
	getJSON(t, srv, "/api/config", &c)
	for _, key := range []string{"tile_url", "tile_attribution", "today"} {
		if _, ok := c[key]; !ok {
			t.Errorf("GET /api/config: no %q in %v", key, c)
		}
	}
	if c["today"] != site.Today().Format(time.DateOnly) {
		t.Errorf("GET /api/config: today = %v; want %s", c["today"], site.Today().Format(time.DateOnly))
	}
}

// TestConfigVocabulary: the page takes the statuses, the moves allowed between them and
// the modalities from /api/config, so these must be the domain's own, in its order.
func TestConfigVocabulary(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var c struct {
		Statuses []struct {
			Key   site.Status   `json:"key"`
			Label string        `json:"label"`
			Next  []site.Status `json:"next"`
		} `json:"statuses"`
		Modalities []struct {
			Key   site.Modality `json:"key"`
			Label string        `json:"label"`
		} `json:"modalities"`
	}
	getJSON(t, srv, "/api/config", &c)

	var keys []site.Status
	for _, st := range c.Statuses {
		keys = append(keys, st.Key)
	}
	if !slices.Equal(keys, site.Statuses()) {
		t.Errorf("GET /api/config: statuses %v; want %v", keys, site.Statuses())
	}
	for _, st := range c.Statuses {
		if st.Next == nil {
			t.Errorf("GET /api/config: %s has next = null; want a list, empty when final", st.Key)
		}
		if !slices.Equal(st.Next, st.Key.Next()) {
			t.Errorf("GET /api/config: %s may move to %v; want %v", st.Key, st.Next, st.Key.Next())
		}
		if st.Label != st.Key.Label() || st.Label == "" {
			t.Errorf("GET /api/config: %s is labelled %q; want %q", st.Key, st.Label, st.Key.Label())
		}
	}

	var modalities []site.Modality
	for _, m := range c.Modalities {
		modalities = append(modalities, m.Key)
		if m.Label != m.Key.Label() || m.Label == "" {
			t.Errorf("GET /api/config: modality %s is labelled %q; want %q", m.Key, m.Label, m.Key.Label())
		}
	}
	if !slices.Equal(modalities, site.Modalities()) {
		t.Errorf("GET /api/config: modalities %v; want %v", modalities, site.Modalities())
	}
}

// TestConfigDateForms: the page reads the precision of a date with the patterns of
// /api/config and keeps no copy of them, so each pattern must say what site.ParseDate
// says: a text it parses matches exactly the pattern of its precision.
func TestConfigDateForms(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var c struct {
		DateForms []struct {
			Precision site.Precision `json:"precision"`
			Pattern   string         `json:"pattern"`
			Example   string         `json:"example"`
			Label     string         `json:"label"`
		} `json:"date_forms"`
	}
	getJSON(t, srv, "/api/config", &c)
	var precisions []site.Precision
	patterns := map[site.Precision]*regexp.Regexp{}
	for _, f := range c.DateForms {
		precisions = append(precisions, f.Precision)
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			t.Fatalf("GET /api/config: the %s pattern %q does not compile: %v", f.Precision, f.Pattern, err)
		}
		patterns[f.Precision] = re
		if d, err := site.ParseDate(f.Example); err != nil || d.Precision != f.Precision {
			t.Errorf("ParseDate(%q) = %v, %v; want a %s date", f.Example, d, err, f.Precision)
		}
		if f.Label == "" {
			t.Errorf("GET /api/config: the %s form has no label", f.Precision)
		}
	}
	if want := []site.Precision{site.Year, site.Quarter, site.Month, site.Day}; !slices.Equal(precisions, want) {
		t.Fatalf("GET /api/config: date forms %v; want %v", precisions, want)
	}
	for _, text := range []string{"2021", "1800", "2019-Q1", "2019-Q4", "2015-09", "2017-01-19", "2024-02-29", "2200-12-31"} {
		d, err := site.ParseDate(text)
		if err != nil {
			t.Fatalf("ParseDate(%q): %v", text, err)
		}
		for p, re := range patterns {
			if got, want := re.MatchString(text), p == d.Precision; got != want {
				t.Errorf("the %s pattern matches %q: %v; want %v (ParseDate says %s)", p, text, got, want, d.Precision)
			}
		}
	}
}

// TestConfigParcelsAndKinds: the page completes "AZ 56" with the service's parcel-id
// prefix (so that the result is an id the service takes) and names the calendar's kinds
// as the domain does.
func TestConfigParcelsAndKinds(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var c struct {
		ParcelIDPrefix string `json:"parcel_id_prefix"`
		MilestoneKinds []struct {
			Key   site.MilestoneKind `json:"key"`
			Label string             `json:"label"`
		} `json:"milestone_kinds"`
	}
	getJSON(t, srv, "/api/config", &c)
	id := c.ParcelIDPrefix + "AZ0056"
	if p, err := site.ParseParcelID(id); err != nil || p.Insee() != site.InseeIvry {
		t.Errorf("ParseParcelID(%q) = %v, %v; want a parcel of Ivry-sur-Seine", id, p, err)
	}
	if len(c.MilestoneKinds) != 3 {
		t.Errorf("GET /api/config: %d milestone kinds; want release, disposal and deadline", len(c.MilestoneKinds))
	}
	for _, k := range c.MilestoneKinds {
		if _, err := site.ParseMilestoneKind(string(k.Key)); err != nil || k.Label != k.Key.Label() {
			t.Errorf("GET /api/config: milestone kind %q labelled %q (%v); want a kind labelled %q", k.Key, k.Label, err, k.Key.Label())
		}
	}
}

// contractKeys are the members the shared HTTP contract promises, by object.
var contractKeys = map[string][]string{
	"site": {"id", "name", "address", "department", "current_use", "occupant", "owner", "modality",
		"modality_label", "modality_done", "counterparty", "notes", "sources", "as_of", "area_m2",
		"area_ha", "parts", "parcels", "timeline", "calendar"},
	"part": {"id", "label", "status", "status_label", "status_since", "status_since_label", "area_m2", "declared_area_m2",
		"geometry_quality", "geometry_source", "area_source", "area_source_label", "geometry", "status_history"},
	"status_history": {"status", "status_label", "from", "from_label", "until", "reason"},
	"timeline": {"id", "part_id", "kind", "date", "date_label", "date_start", "planned", "unconfirmed", "cancelled", "title",
		"description", "source", "area_m2", "amount_eur"},
	"calendar": {"id", "site_id", "site_name", "part_id", "part_label", "kind", "kind_label", "label",
		"planned", "planned_label", "planned_start", "planned_end", "actual", "actual_label",
		"actual_start", "overdue", "slips", "plans"},
	"plan": {"date", "date_label", "date_start", "decided_on", "reason", "source", "recorded_at"},
	"dashboard": {"as_of", "totals", "by_status", "by_department", "ceded_to_date", "held_by_paris", "ceded_by_year",
		"due_next_12_months", "overdue"},
	"totals": {"sites", "parts", "located_parts", "unlocated_parts", "area_m2", "area_ha",
		"estimated_m2", "estimated_ha", "nominal_parts"},
	"by_status": {"status", "label", "parts", "area_m2", "area_ha", "estimated_m2", "estimated_ha",
		"measured_m2", "nominal_parts", "unknown_parts"},
	"by_department": {"department", "parts", "area_m2", "area_ha", "estimated_m2", "estimated_ha",
		"measured_m2", "nominal_parts", "unknown_parts"},
	"ceded_to_date": {"parts", "area_m2", "area_ha", "estimated_m2", "estimated_ha", "measured_m2",
		"nominal_parts", "unknown_parts"},
	"held_by_paris": {"parts", "area_m2", "area_ha", "estimated_m2", "estimated_ha", "measured_m2",
		"nominal_parts", "unknown_parts"},
	"ceded_by_year": {"year", "area_m2", "cumulative_m2"},
}

// wantKeys checks that the JSON object raw has every member the contract names for what.
func wantKeys(t *testing.T, what string, raw json.RawMessage) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v in %s", what, err, raw)
	}
	for _, k := range contractKeys[what] {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no %q member in %s", what, k, raw)
		}
	}
}

// members decodes a JSON object.
func members(t *testing.T, raw json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	return m
}

// elements decodes a JSON array.
func elements(t *testing.T, raw json.RawMessage) []json.RawMessage {
	t.Helper()
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	return list
}

// siteReply is the part of /api/sites/{id} the tests look into.
type siteReply struct {
	AsOf   string  `json:"as_of"`
	AreaM2 float64 `json:"area_m2"`
	AreaHa float64 `json:"area_ha"`
	Parts  []struct {
		ID            string          `json:"id"`
		Status        string          `json:"status"`
		AreaM2        *float64        `json:"area_m2"`
		Geometry      json.RawMessage `json:"geometry"`
		StatusHistory []struct {
			Status string  `json:"status"`
			From   string  `json:"from"`
			Until  *string `json:"until"`
		} `json:"status_history"`
	} `json:"parts"`
	Timeline []struct {
		Date    string `json:"date"`
		Planned bool   `json:"planned"`
	} `json:"timeline"`
	Calendar []json.RawMessage `json:"calendar"`
}

func TestSite(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	const path = "/api/sites/triangle-cours-sud"

	resp, body := get(t, srv, path)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %d %s: %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	wantKeys(t, "site", body)
	doc := members(t, body)
	for _, p := range elements(t, doc["parts"]) {
		wantKeys(t, "part", p)
		for _, h := range elements(t, members(t, p)["status_history"]) {
			wantKeys(t, "status_history", h)
		}
	}
	for _, e := range elements(t, doc["timeline"]) {
		wantKeys(t, "timeline", e)
	}
	for _, c := range elements(t, doc["calendar"]) {
		wantKeys(t, "calendar", c)
		for _, p := range elements(t, members(t, c)["plans"]) {
			wantKeys(t, "plan", p)
		}
	}

	var now, then siteReply
	getJSON(t, srv, path, &now)
	getJSON(t, srv, path+"?date=2014-01-01", &then)
	if now.AsOf != site.Today().Format(time.DateOnly) || then.AsOf != "2014-01-01" {
		t.Errorf("as_of = %q and %q; want today and 2014-01-01", now.AsOf, then.AsOf)
	}
	if len(now.Parts) == 0 || len(then.Parts) != len(now.Parts) {
		t.Fatalf("%d parts today, %d as of 2014-01-01; want the same, at least one", len(now.Parts), len(then.Parts))
	}
	if now.Parts[0].Status != "ceded" || then.Parts[0].Status != "in_use" {
		t.Errorf("status today %q, as of 2014-01-01 %q; want ceded, in_use", now.Parts[0].Status, then.Parts[0].Status)
	}
	if h := now.Parts[0].StatusHistory; len(h) < 2 || h[len(h)-1].Until != nil || h[0].Until == nil {
		t.Errorf("status history %+v; want every period closed but the last", h)
	}
	if now.Parts[0].Geometry == nil || now.Parts[0].AreaM2 == nil || now.AreaM2 <= 0 || now.AreaHa <= 0 {
		t.Errorf("site area %v m² (%v ha), first part geometry %s; want a located part with an area", now.AreaM2, now.AreaHa, now.Parts[0].Geometry)
	}
	if len(now.Calendar) == 0 {
		t.Errorf("no calendar item; want the disposal of the Triangle")
	}

	// Timelines are ordered by date, planned and actual together.
	var usine siteReply
	getJSON(t, srv, "/api/sites/usine-des-eaux", &usine)
	for i := 1; i < len(usine.Timeline); i++ {
		if usine.Timeline[i].Date[:4] < usine.Timeline[i-1].Date[:4] {
			t.Errorf("timeline out of order: %s after %s", usine.Timeline[i].Date, usine.Timeline[i-1].Date)
		}
	}
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	type area struct {
		Status string  `json:"status"`
		Parts  int     `json:"parts"`
		AreaM2 float64 `json:"area_m2"`
		AreaHa float64 `json:"area_ha"`
	}
	type dashboard struct {
		AsOf   string `json:"as_of"`
		Totals struct {
			Parts  int     `json:"parts"`
			AreaM2 float64 `json:"area_m2"`
		} `json:"totals"`
		ByStatus    []area            `json:"by_status"`
		CededToDate area              `json:"ceded_to_date"`
		CededByYear []json.RawMessage `json:"ceded_by_year"`
		Overdue     []struct {
			Overdue bool `json:"overdue"`
		} `json:"overdue"`
	}
	var then, now dashboard
	getJSON(t, srv, "/api/dashboard?date=2014-01-01", &then)
	getJSON(t, srv, "/api/dashboard", &now)

	_, body := get(t, srv, "/api/dashboard")
	wantKeys(t, "dashboard", body)
	doc := members(t, body)
	wantKeys(t, "totals", doc["totals"])
	wantKeys(t, "ceded_to_date", doc["ceded_to_date"])
	wantKeys(t, "held_by_paris", doc["held_by_paris"])
	for _, name := range []string{"by_status", "by_department", "ceded_by_year"} {
		list := elements(t, doc[name])
		if len(list) == 0 {
			t.Errorf("dashboard: %s is empty", name)
		}
		for _, item := range list {
			wantKeys(t, name, item)
		}
	}
	for _, name := range []string{"due_next_12_months", "overdue"} {
		for _, item := range elements(t, doc[name]) {
			wantKeys(t, "calendar", item)
		}
	}

	journey := []string{"in_use", "under_study", "release_planned", "released", "disposal_in_progress", "ceded"}
	for _, d := range []dashboard{then, now} {
		if len(d.ByStatus) != len(journey) {
			t.Fatalf("as of %s: by_status has %d statuses; want %d", d.AsOf, len(d.ByStatus), len(journey))
		}
		for i, a := range d.ByStatus {
			if a.Status != journey[i] {
				t.Errorf("as of %s: by_status[%d] = %s; want %s", d.AsOf, i, a.Status, journey[i])
			}
		}
	}
	if then.CededToDate.AreaM2 != 0 || then.CededToDate.Parts != 0 {
		t.Errorf("as of 2014-01-01: ceded %+v; want nothing", then.CededToDate)
	}
	if now.CededToDate.AreaM2 <= 0 || now.CededToDate.AreaHa <= 0 || len(now.CededByYear) == 0 {
		t.Errorf("today: ceded %+v by year %s; want some", now.CededToDate, now.CededByYear)
	}
	if then.ByStatus[0].Parts <= now.ByStatus[0].Parts {
		t.Errorf("parts in use: %d as of 2014-01-01, %d today; want more then", then.ByStatus[0].Parts, now.ByStatus[0].Parts)
	}
	if len(now.Overdue) == 0 {
		t.Errorf("today: nothing overdue; want the CPCU decisions due by end 2021 and 2022")
	}
	for _, c := range now.Overdue {
		if !c.Overdue {
			t.Errorf("an item listed overdue is not flagged overdue")
		}
	}
}

func TestBadParameters(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	tests := []struct {
		path   string
		status int
		param  string
	}{
		{"/api/sites/no-such-site", http.StatusNotFound, ""},
		{"/api/sites/NOT%20A%20SLUG", http.StatusNotFound, ""},
		{"/api/sites/a%00b", http.StatusNotFound, ""},     // PostgreSQL text cannot hold NUL
		{"/api/sites/a%FFb", http.StatusNotFound, ""},     // nor bytes that are not UTF-8
		{"/api/sites/caf%C3%A9", http.StatusNotFound, ""}, // valid UTF-8, not a slug
		{"/api/sites/usine-des-eaux?date=abc", http.StatusBadRequest, "date"},
		{"/api/sites/usine-des-eaux?date=2021-13-01", http.StatusBadRequest, "date"},
		{"/api/sites/usine-des-eaux?date=2021-02-30", http.StatusBadRequest, "date"},
		{"/api/sites/usine-des-eaux?date=0001-01-01", http.StatusBadRequest, "date"},
		{"/api/sites/usine-des-eaux?date=2201-01-01", http.StatusBadRequest, "date"},
		{"/api/sites/usine-des-eaux?date=", http.StatusBadRequest, "date"},
		{"/api/sites/usine-des-eaux?date=2021-01-01&date=2022-01-01", http.StatusBadRequest, "date"},
		{"/api/sites/usine-des-eaux?dat=2021-01-01", http.StatusBadRequest, "dat"},
		{"/api/calendar?date=yesterday", http.StatusBadRequest, "date"},
		{"/api/calendar?limit=10", http.StatusBadRequest, "limit"},
		{"/api/calendar.csv?date=2021", http.StatusBadRequest, "date"},
		{"/api/calendar.ics?date=abc", http.StatusBadRequest, "date"},
		{"/api/dashboard?date=26/11/2026", http.StatusBadRequest, "date"},
		{"/api/config?x=1", http.StatusBadRequest, "x"},
		{"/export/sites.geojson?crs=EPSG:3857", http.StatusBadRequest, "crs"},
		{"/export/sites.geojson?crs=", http.StatusOK, ""},
		{"/export/sites.geojson?date=abc", http.StatusBadRequest, "date"},
		{"/export/parcels.geojson?crs=4326x", http.StatusBadRequest, "crs"},
		{"/export/parcels.geojson?date=2021-01-01", http.StatusBadRequest, "date"},
		{"/export/sites.csv?crs=EPSG:2154", http.StatusBadRequest, "crs"},
		{"/api/no-such-thing", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		resp, body := get(t, srv, tt.path)
		if tt.status == http.StatusOK {
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: status %d; want 200: %s", tt.path, resp.StatusCode, body)
			}
			continue
		}
		wantProblem(t, tt.path, resp, body, tt.status, tt.param)
	}
}

func TestSiteConfidentialFieldsAndETag(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const path = "/api/sites/usine-des-eaux"
	type detail struct {
		Notes    string `json:"notes"`
		Timeline []struct {
			AmountEUR *float64 `json:"amount_eur"`
		} `json:"timeline"`
	}
	read := func(resp *http.Response, body []byte) (d detail, amounts int) {
		t.Helper()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		for _, ev := range d.Timeline {
			if ev.AmountEUR != nil {
				amounts++
			}
		}
		return d, amounts
	}
	resp, body := e.call(t, "GET", path, nil)
	public, amounts := read(resp, body)
	if public.Notes != "" || amounts != 0 {
		t.Errorf("anonymous: notes %q, %d amounts; want neither", public.Notes, amounts)
	}
	if got, want := resp.Header.Get("ETag"), e.etag(t, "usine-des-eaux"); got != want || got == "" {
		t.Errorf("ETag %q; want the site's version %q", got, want)
	}
	// The body depends on who asks: shared caches must tell callers apart, once (and the
	// client's Accept-Encoding, which the compressor adds).
	if got := slices.DeleteFunc(resp.Header.Values("Vary"), func(v string) bool { return v == "Accept-Encoding" }); !slices.Equal(got, []string{"Cookie, Authorization"}) {
		t.Errorf("Vary %q; want [\"Cookie, Authorization\"] once", resp.Header.Values("Vary"))
	}
	resp, body = e.as(t, auth.Viewer, "GET", path, "")
	signedIn, amounts := read(resp, body)
	if signedIn.Notes == "" || amounts == 0 {
		t.Errorf("viewer: notes %q, %d amounts; want both", signedIn.Notes, amounts)
	}
}

func TestDeletedSiteIsHidden(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	get := func(path string, v any) {
		t.Helper()
		resp, body := e.call(t, "GET", path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatal(err)
		}
	}
	type dashboard struct {
		Totals struct {
			Sites, Parts int
		} `json:"totals"`
	}
	var before, after dashboard
	get("/api/dashboard", &before)
	_, err := e.st.Pool().Exec(context.Background(), `
		UPDATE sites SET deleted_at = now(), deleted_by = (SELECT min(id) FROM users)
		WHERE id = 'cpcu-ivry'`)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.call(t, "GET", "/api/sites/cpcu-ivry", nil)
	wantProblem(t, "/api/sites/cpcu-ivry", resp, body, http.StatusNotFound, "")
	get("/api/dashboard", &after)
	if after.Totals.Sites != before.Totals.Sites-1 || after.Totals.Parts != before.Totals.Parts-1 {
		t.Errorf("dashboard totals %+v after deleting a one-part site; want one site and part fewer than %+v", after.Totals, before.Totals)
	}
	var cal calendarJSON
	get("/api/calendar", &cal)
	for _, c := range cal.Items {
		if c.SiteID == "cpcu-ivry" {
			t.Errorf("the calendar lists milestone %d of the deleted site", c.ID)
		}
	}
	resp, body = e.call(t, "GET", "/export/sites.geojson", nil)
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"cpcu-ivry"`)) {
		t.Errorf("GET /export/sites.geojson: %d, lists the deleted site: %v", resp.StatusCode, bytes.Contains(body, []byte(`"cpcu-ivry"`)))
	}
	resp, body = e.call(t, "GET", "/export/sites.csv", nil)
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte("cpcu-ivry")) {
		t.Errorf("GET /export/sites.csv: %d, lists the deleted site: %v", resp.StatusCode, bytes.Contains(body, []byte("cpcu-ivry")))
	}
}
