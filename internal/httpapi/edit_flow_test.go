package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

// partRow reads a part's status, area and geometry quality straight from the database.
func (e *editEnv) partRow(t *testing.T, id string) (status string, area float64, quality string) {
	t.Helper()
	err := e.st.Pool().QueryRow(t.Context(), `
		SELECT status, coalesce(area_m2, 0), geometry_quality FROM site_parts WHERE id = $1`, id).Scan(&status, &area, &quality)
	if err != nil {
		t.Fatalf("part %s: %v", id, err)
	}
	return status, area, quality
}

func TestStatusChange(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	out := e.edit(t, "POST", "/api/parts/cpcu-ivry-chaufferie/status", "cpcu-ivry",
		`{"status":"released","date":"2025-02","reason":"fin de la délégation"}`)
	if status, _, _ := e.partRow(t, "cpcu-ivry-chaufferie"); status != "released" {
		t.Errorf("status = %s; want released", status)
	}
	var periods []string
	rows, _ := e.st.Pool().Query(t.Context(), `
		SELECT status || ' ' || valid::text FROM part_status_history
		 WHERE part_id = 'cpcu-ivry-chaufferie' ORDER BY lower(valid)`)
	for rows.Next() {
		var p string
		rows.Scan(&p)
		periods = append(periods, p)
	}
	if n := len(periods); n < 2 || periods[n-1] != "released [2025-02-01,)" || !strings.HasSuffix(periods[n-2], ",2025-02-01)") {
		t.Errorf("status history %v; want the last period closed on 2025-02-01 and released from then", periods)
	}
	if !strings.Contains(string(out.After), `"status_since":"2025-02"`) {
		t.Errorf("after = %s; want status_since 2025-02", out.After)
	}
	// A ceded part comes back only by a correction with a reason.
	e.edit(t, "POST", "/api/parts/triangle-cours-sud-emprise/status", "triangle-cours-sud",
		`{"status":"disposal_in_progress","date":"2024-06-01","reason":"acte annulé","correction":true}`)
	h := e.history(t, "triangle-cours-sud")
	if h.Items[0].Action != "part.status_correction" || h.Items[0].Reason != "acte annulé" {
		t.Errorf("history[0] = %+v; want a status correction with its reason", h.Items[0])
	}
}

// history fetches a site's history as the viewer.
func (e *editEnv) history(t *testing.T, siteID string) historyResponse {
	t.Helper()
	resp, body := e.as(t, auth.Viewer, "GET", "/api/sites/"+siteID+"/history", "")
	var h historyResponse
	if err := json.Unmarshal(body, &h); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("history of %s: %d %s", siteID, resp.StatusCode, body)
	}
	return h
}

func TestPlaceAndReplaceGeometry(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	// An unlocated part placed from WGS84 GeoJSON.
	e.edit(t, "PUT", "/api/parts/tam-robert-witchitz-garage/geometry", "tam-robert-witchitz",
		`{"geometry":`+polygonInside+`,"crs":"CRS84","quality":"approximate","source":"dessin sur plan IGN"}`)
	_, area, quality := e.partRow(t, "tam-robert-witchitz-garage")
	if quality != "approximate" || area < 4500 || area > 5500 {
		t.Errorf("placed part: quality %s, area %.0f m²; want approximate, about 4,900 m²", quality, area)
	}
	// A Lambert-93 outline, 3D and as a MultiPolygon, as surveyors send them.
	var ring string
	err := e.st.Pool().QueryRow(t.Context(), `
		SELECT ST_AsGeoJSON(ST_Force3D(ST_Multi(ST_Buffer(ST_Centroid(geom), 40, 2))), 2)
		  FROM site_parts WHERE id = 'cpcu-ivry-chaufferie'`).Scan(&ring)
	if err != nil {
		t.Fatal(err)
	}
	e.edit(t, "PUT", "/api/parts/cpcu-ivry-chaufferie/geometry", "cpcu-ivry",
		`{"geometry":`+ring+`,"crs":"EPSG:2154","quality":"surveyed","source":"levé géomètre 2026"}`)
	_, area, quality = e.partRow(t, "cpcu-ivry-chaufferie")
	if want := 40 * 40 * 2 * math.Sqrt2; quality != "surveyed" || math.Abs(area-want) > 1 {
		t.Errorf("replaced part: quality %s, area %.1f m²; want surveyed, %.1f m² (an octagon of radius 40 m)", quality, area, want)
	}
	h := e.history(t, "cpcu-ivry")
	var before, after struct {
		Geometry json.RawMessage `json:"geometry"`
		Quality  string          `json:"geometry_quality"`
	}
	json.Unmarshal(h.Items[0].Before, &before)
	json.Unmarshal(h.Items[0].After, &after)
	if h.Items[0].Action != "part.geometry" || before.Quality != "approximate" || after.Quality != "surveyed" ||
		!strings.Contains(string(after.Geometry), "MultiPolygon") {
		t.Errorf("history[0] = %s: before %s after %s; want the geometry change with both outlines", h.Items[0].Action, h.Items[0].Before, h.Items[0].After)
	}
}

func TestSplitPart(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	_, total, _ := e.partRow(t, "cpcu-ivry-chaufferie")
	// The piece sticks out of the part by less than the tolerance on one side: it is clipped.
	out := e.edit(t, "POST", "/api/parts/cpcu-ivry-chaufferie/split", "cpcu-ivry",
		`{"geometry":`+polygonInside+`,"label":"Emprise du parc","id":"cpcu-ivry-parc","reason":"cession au département"}`)
	_, retained, _ := e.partRow(t, "cpcu-ivry-chaufferie")
	status, ceded, quality := e.partRow(t, "cpcu-ivry-parc")
	if math.Abs(retained+ceded-total) > 0.01 || ceded < 4000 {
		t.Errorf("areas: retained %.3f + ceded %.3f = %.3f; want the part's %.3f", retained, ceded, retained+ceded, total)
	}
	if status != "under_study" || quality != "approximate" {
		t.Errorf("new part: %s, %s; want the part's status and quality", status, quality)
	}
	var copied int
	e.st.Pool().QueryRow(t.Context(), `
		SELECT count(*) FROM part_status_history a JOIN part_status_history b
		    ON b.part_id = 'cpcu-ivry-parc' AND a.valid = b.valid AND a.status = b.status
		 WHERE a.part_id = 'cpcu-ivry-chaufferie'`).Scan(&copied)
	var periods int
	e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM part_status_history WHERE part_id = 'cpcu-ivry-chaufferie'`).Scan(&periods)
	if copied != periods {
		t.Errorf("the new part shares %d of the part's %d status periods; want all", copied, periods)
	}
	if !strings.Contains(string(out.After), `"ceded"`) || !strings.Contains(string(out.After), `"retained"`) {
		t.Errorf("after = %s; want the ceded and retained parts", out.After)
	}
	// The new part is a part of the site like the others: it can be edited in turn.
	e.edit(t, "POST", "/api/parts/cpcu-ivry-parc/status", "cpcu-ivry", `{"status":"released","date":"2025","reason":"libéré"}`)

	// A piece that would leave nothing is refused, and changes nothing.
	var whole string
	e.st.Pool().QueryRow(t.Context(), `
		SELECT ST_AsGeoJSON(ST_Transform(ST_Buffer(geom, 0.5), 4326), 9) FROM site_parts WHERE id = 'cpcu-ivry-chaufferie'`).Scan(&whole)
	start := digest(t, e.st)
	resp, body := e.as(t, auth.Editor, "POST", "/api/parts/cpcu-ivry-chaufferie/split",
		`{"geometry":`+whole+`,"label":"tout"}`, "If-Match", e.etag(t, "cpcu-ivry"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "nothing would remain") {
		t.Errorf("split of the whole part: %d %s; want 400 saying nothing would remain", resp.StatusCode, body)
	}
	if digest(t, e.st) != start {
		t.Errorf("a refused split changed the database")
	}
}

func TestEventsAndCalendar(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	out := e.edit(t, "POST", "/api/sites/cpcu-ivry/events", "cpcu-ivry",
		`{"kind":"committee_review","date":"2026-Q4","planned":true,"title":"Comité technique","amount_eur":1250000.5,"part_id":"cpcu-ivry-chaufferie"}`)
	if out.EntityType != "event" || out.EntityID == "" {
		t.Fatalf("created event: %+v", out)
	}
	ev := "/api/events/" + out.EntityID
	e.edit(t, "PATCH", ev, "cpcu-ivry", `{"title":"Comité technique n° 4","amount_eur":null,"part_id":null}`)
	var title string
	var amount *float64
	var part *string
	e.st.Pool().QueryRow(t.Context(), `SELECT title, amount_eur::float8, part_id FROM events WHERE id = $1`, out.EntityID).Scan(&title, &amount, &part)
	if title != "Comité technique n° 4" || amount != nil || part != nil {
		t.Errorf("patched event: %q, %v, %v; want the new title, no amount, no part", title, amount, part)
	}
	// An event that happened cannot be moved into the future by changing its date alone.
	e.edit(t, "PATCH", ev, "cpcu-ivry", `{"date":"2025-Q4","planned":false}`)
	if resp, body := e.as(t, auth.Editor, "PATCH", ev, `{"date":"2199"}`, "If-Match", e.etag(t, "cpcu-ivry")); resp.StatusCode != http.StatusBadRequest || problemOf(t, body).Field != "date" {
		t.Errorf("PATCH of a past event's date to 2199: %d %s; want 400 on date", resp.StatusCode, body)
	}
	cancelled := e.edit(t, "DELETE", ev, "cpcu-ivry", "")
	if !strings.Contains(string(cancelled.After), `"cancelled":true`) {
		t.Errorf("DELETE = %s; want the event cancelled", cancelled.After)
	}
	e.edit(t, "DELETE", ev+"?mode=delete", "cpcu-ivry", "")
	if resp, body := e.as(t, auth.Editor, "PATCH", ev, `{"title":"x"}`, "If-Match", e.etag(t, "cpcu-ivry")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PATCH of a deleted event: %d %s; want 404", resp.StatusCode, body)
	}
	resp, body := e.as(t, auth.Admin, "POST", ev+"/restore", `{"reason":"supprimé par erreur"}`, "If-Match", e.etag(t, "cpcu-ivry"))
	if resp.StatusCode != http.StatusOK {
		t.Errorf("admin restore of the event: %d %s", resp.StatusCode, body)
	}

	// A new calendar row, then a slip: both plans are kept.
	m := e.edit(t, "POST", "/api/sites/cpcu-ivry/milestones", "cpcu-ivry",
		`{"kind":"release","label":"Libération du quai","date":"2027-Q2","decided_on":"2026-10-15","source":"CR comité"}`)
	plans := "/api/milestones/" + m.EntityID + "/plans"
	e.edit(t, "POST", plans, "cpcu-ivry", `{"date":"2028","reason":"retard des travaux de relocalisation"}`)
	var n int
	e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM milestone_plans WHERE milestone_id = $1`, m.EntityID).Scan(&n)
	if n != 2 {
		t.Errorf("%d plans; want 2, the slip appended", n)
	}
	if resp, body := e.as(t, auth.Editor, "POST", plans, `{"date":"2028","reason":"idem"}`, "If-Match", e.etag(t, "cpcu-ivry")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("re-planning the same date: %d %s; want 400", resp.StatusCode, body)
	}
	actual := "/api/milestones/" + m.EntityID + "/actual"
	e.edit(t, "PUT", actual, "cpcu-ivry", `{"date":"2026-11"}`)
	if resp, body := e.as(t, auth.Editor, "PUT", actual, `{"date":null}`, "If-Match", e.etag(t, "cpcu-ivry")); resp.StatusCode != http.StatusBadRequest || problemOf(t, body).Field != "reason" {
		t.Errorf("clearing the actual date without a reason: %d %s; want 400 on reason", resp.StatusCode, body)
	}
	e.edit(t, "PUT", actual, "cpcu-ivry", `{"date":null,"reason":"saisi sur le mauvais jalon"}`)

	h := e.history(t, "cpcu-ivry")
	var actions []string
	for _, r := range h.Items {
		actions = append(actions, r.Action)
	}
	// The last (oldest) record is the seed's creation of the site, at version 1.
	want := "milestone.actual milestone.actual milestone.plan milestone.create event.restore event.delete event.cancel event.update event.update event.create site.create"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("history actions %q; want %q", got, want)
	}
	if h.Version != int64(len(h.Items)) {
		t.Errorf("version %d after %d records; want %d", h.Version, len(h.Items), len(h.Items))
	}
}

func TestLinkParcels(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	e.edit(t, "POST", "/api/parts/cpcu-ivry-chaufferie/parcels", "cpcu-ivry", `{"ids":["94041000az0056","94041000AZ0057","94041000AZ0056"]}`)
	var linked []string
	rows, _ := e.st.Pool().Query(t.Context(), `SELECT id FROM parcels WHERE part_id = 'cpcu-ivry-chaufferie' ORDER BY id`)
	for rows.Next() {
		var id string
		rows.Scan(&id)
		linked = append(linked, id)
	}
	if strings.Join(linked, ",") != "94041000AZ0056,94041000AZ0057" {
		t.Errorf("linked parcels %v; want AZ 56 and AZ 57", linked)
	}
	// A parcel of another part must be unlinked there first.
	start := digest(t, e.st)
	resp, body := e.as(t, auth.Editor, "POST", "/api/parts/syctom-ivry-paris13-site/parcels", `{"ids":["94041000AZ0057"]}`,
		"If-Match", e.etag(t, "syctom-ivry-paris13"))
	if resp.StatusCode != http.StatusBadRequest || problemOf(t, body).Field != "ids" || digest(t, e.st) != start {
		t.Errorf("linking a parcel of another part: %d %s; want 400 on ids, nothing changed", resp.StatusCode, body)
	}
	e.edit(t, "DELETE", "/api/parts/cpcu-ivry-chaufferie/parcels/94041000AZ0057", "cpcu-ivry", "")
	e.edit(t, "POST", "/api/parts/syctom-ivry-paris13-site/parcels", "syctom-ivry-paris13", `{"ids":["94041000AZ0057"]}`)
}

func TestSoftDeleteAndRestore(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	out := e.edit(t, "DELETE", "/api/sites/estacade", "estacade", `{"reason":"doublon"}`)
	if resp, _ := e.call(t, "GET", "/api/sites/estacade", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a deleted site: %d; want 404", resp.StatusCode)
	}
	if resp, body := e.as(t, auth.Editor, "PATCH", "/api/sites/estacade", `{"name":"x"}`, "If-Match", out.ETag); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PATCH a deleted site: %d %s; want 404", resp.StatusCode, body)
	}
	h := e.history(t, "estacade")
	if !h.Deleted || h.Items[0].Action != "site.delete" || h.Items[0].Reason != "doublon" {
		t.Errorf("history of the deleted site: %+v; want deleted with the delete recorded", h)
	}
	var rows int
	e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM site_parts WHERE site_id = 'estacade'`).Scan(&rows)
	if rows == 0 {
		t.Errorf("the deleted site's parts are gone; want them kept")
	}
	if resp, _ := e.as(t, auth.Editor, "POST", "/api/sites/estacade/restore", "", "If-Match", out.ETag); resp.StatusCode != http.StatusForbidden {
		t.Errorf("editor restore: %d; want 403", resp.StatusCode)
	}
	resp, body := e.as(t, auth.Admin, "POST", "/api/sites/estacade/restore", `{"reason":"pas un doublon"}`, "If-Match", out.ETag)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin restore: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.call(t, "GET", "/api/sites/estacade", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET a restored site: %d; want 200", resp.StatusCode)
	}
}

func TestCreateSite(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	resp, body := e.as(t, auth.Editor, "POST", "/api/sites",
		`{"id":"terrain-rue-molière","name":"x","part":{"status":"in_use","status_since":"2020"}}`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST a site with an accented id: %d %s; want 400", resp.StatusCode, body)
	}
	resp, body = e.as(t, auth.Editor, "POST", "/api/sites",
		`{"id":"terrain-rue-moliere","name":"Terrain rue Molière","department":"DPE","modality":"long_lease",
		  "sources":["délibération 2026 DU 12"],
		  "part":{"label":"Terrain","status":"release_planned","status_since":"2026-Q3","status_reason":"annoncé en comité"}}`)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Location") != "/api/sites/terrain-rue-moliere" || resp.Header.Get("ETag") != `"v1"` {
		t.Fatalf("POST /api/sites: %d, Location %q, ETag %q: %s", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("ETag"), body)
	}
	var detail struct {
		Name  string `json:"name"`
		Parts []struct {
			ID          string `json:"id"`
			Status      string `json:"status"`
			StatusSince string `json:"status_since"`
		} `json:"parts"`
	}
	resp, body = e.call(t, "GET", "/api/sites/terrain-rue-moliere", nil)
	if err := json.Unmarshal(body, &detail); err != nil || detail.Name != "Terrain rue Molière" || len(detail.Parts) != 1 ||
		detail.Parts[0].ID != "terrain-rue-moliere" || detail.Parts[0].Status != "release_planned" {
		t.Errorf("GET the new site: %d %s", resp.StatusCode, body)
	}
	// The new site is edited like any other: place its part, starting from its first ETag.
	e.edit(t, "PUT", "/api/parts/terrain-rue-moliere/geometry", "terrain-rue-moliere",
		`{"geometry":`+polygonFar+`,"quality":"approximate","source":"plan"}`)
	if h := e.history(t, "terrain-rue-moliere"); len(h.Items) != 2 || h.Items[1].Action != "site.create" || h.Items[1].User != "alice" {
		t.Errorf("history %+v; want the creation by alice, then the geometry", h.Items)
	}
}

func TestNamesAreStoredAsTyped(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const name = `<img src=x onerror=alert(1)>`
	e.edit(t, "PATCH", "/api/sites/estacade", "estacade", `{"name":"<img src=x onerror=alert(1)>"}`)
	for _, path := range []string{"/api/sites/estacade", "/api/sites/estacade/history"} {
		resp, body := e.as(t, auth.Viewer, "GET", path, "")
		if strings.Contains(string(body), "<img") {
			t.Errorf("GET %s sends the markup raw: %s", path, body)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: Content-Type %q, nosniff %q; want JSON that no browser sniffs as HTML", path,
				resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"))
		}
	}
	var detail struct {
		Name string `json:"name"`
	}
	_, body := e.call(t, "GET", "/api/sites/estacade", nil)
	if json.Unmarshal(body, &detail); detail.Name != name {
		t.Errorf("name = %q; want %q, exactly as typed", detail.Name, name)
	}
}

func TestPrivateMode(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{Private: true})
	for _, path := range []string{"/api/dashboard", "/api/sites/cpcu-ivry", "/api/calendar", "/export/sites.geojson", "/collections"} {
		if resp, body := e.call(t, "GET", path, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s in private mode: %d %.100s; want 401", path, resp.StatusCode, body)
		}
		if resp, body := e.as(t, auth.Viewer, "GET", path, ""); resp.StatusCode == http.StatusUnauthorized {
			t.Errorf("viewer GET %s in private mode: %d %.100s; want it served", path, resp.StatusCode, body)
		}
	}
	if resp, _ := e.call(t, "GET", "/healthz", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz in private mode: %d; want 200", resp.StatusCode)
	}
	resp, body := e.call(t, "GET", "/api/session", nil)
	var info sessionInfo
	if json.Unmarshal(body, &info); resp.StatusCode != http.StatusOK || info.SignedIn || !info.Private {
		t.Errorf("anonymous GET /api/session: %d %s; want signed_in false, private true", resp.StatusCode, body)
	}
	cookie, _ := e.signIn(t, "victor")
	if resp, _ := e.call(t, "GET", "/api/dashboard", nil, "Cookie", sessionCookie+"="+cookie.Value); resp.StatusCode != http.StatusOK {
		t.Errorf("signed-in GET /api/dashboard in private mode: %d; want 200", resp.StatusCode)
	}
}

func TestViewer(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	s := &Server{store: e.st, logger: testLogger(t)}
	for _, c := range []struct {
		header, want string
	}{
		{"", ""},
		{"Bearer " + e.tokens[auth.Viewer], "victor"},
		{"Bearer " + e.tokens[auth.Admin], "ada"},
		{"Bearer emp_nope", ""},
	} {
		r := httptestRequest(t, c.header)
		got := ""
		if u := s.viewer(r); u != nil {
			got = u.Name
		}
		if got != c.want {
			t.Errorf("viewer(Authorization: %.20q) = %q; want %q", c.header, got, c.want)
		}
	}
}

func httptestRequest(t *testing.T, authorization string) *http.Request {
	r, err := http.NewRequestWithContext(t.Context(), "GET", "/api/sites/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}
