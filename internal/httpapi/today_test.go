package httpapi

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/auth"
)

// TestTodayInParis runs the service on a clock just after midnight in Paris, when UTC (and
// the page's old UTC today) is still the day before: every "today" is the Paris day, the
// default of ?date= and datetime as well as the edit rules' "not in the future".
func TestTodayInParis(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Date(2026, 2, 28, 22, 30, 0, 0, time.UTC) // 23:30 on 28 February in Paris (UTC+1)
	setClock := func(c time.Time) { mu.Lock(); clock = c; mu.Unlock() }
	e := newEditEnv(t, Config{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	const status = "/api/parts/cpcu-ivry-chaufferie/status"
	release := func(day string) (*http.Response, []byte) {
		return e.as(t, auth.Editor, "POST", status, `{"status":"released","date":"`+day+`","reason":"fin de la délégation"}`,
			"If-Match", e.etag(t, "cpcu-ivry"))
	}
	partStatus := func(path string) any {
		t.Helper()
		var f ogcFeature
		if strings.Contains(path, "/items?") {
			resp, body := get(t, e.srv, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
			}
			f = partIn(t, path, body)
		} else {
			ogcGet(t, e.srv, path, http.StatusOK, mediaGeoJSON, &f)
		}
		return f.Properties["status"]
	}
	before := partStatus("/collections/sites/items?site_id=cpcu-ivry")
	if before == "released" {
		t.Fatalf("cpcu-ivry-chaufferie is already released; the test needs another status")
	}

	// 23:30 in Paris: 1 March is tomorrow.
	if resp, body := release("2026-03-01"); resp.StatusCode != http.StatusBadRequest || problemOf(t, body).Field != "date" ||
		!strings.Contains(string(body), "today is 2026-02-28") {
		t.Fatalf("release dated 2026-03-01 at 23:30 in Paris: %d %s; want 400 on date, today 2026-02-28", resp.StatusCode, body)
	}

	// 00:30 in Paris, 1 March; still 23:30 on 28 February in UTC.
	setClock(time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC))
	var config struct {
		Today string `json:"today"`
	}
	getJSON(t, e.srv, "/api/config", &config)
	if config.Today != "2026-03-01" {
		t.Errorf("GET /api/config: today %q; want 2026-03-01", config.Today)
	}
	for _, path := range []string{"/api/dashboard", "/api/sites/cpcu-ivry"} {
		var v struct {
			AsOf string `json:"as_of"`
		}
		getJSON(t, e.srv, path, &v)
		if v.AsOf != "2026-03-01" {
			t.Errorf("GET %s: as_of %q; want 2026-03-01, the default ?date=", path, v.AsOf)
		}
	}
	if resp, body := release("2026-03-02"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "today is 2026-03-01") {
		t.Errorf("release dated 2026-03-02: %d %s; want 400, today 2026-03-01", resp.StatusCode, body)
	}
	if resp, body := release("2026-03-01"); resp.StatusCode != http.StatusOK {
		t.Fatalf("release dated 2026-03-01 at 00:30 in Paris: %d %s; want 200", resp.StatusCode, body)
	}
	resp, body := e.as(t, auth.Editor, "POST", "/api/sites/cpcu-ivry/events",
		`{"kind":"note","date":"2026-03-01","planned":false,"title":"remise des clés"}`, "If-Match", e.etag(t, "cpcu-ivry"))
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("an event that happened on 2026-03-01, at 00:30 in Paris: %d %s; want 201", resp.StatusCode, body)
	}
	for _, path := range []string{"/collections/sites/items?site_id=cpcu-ivry", "/collections/sites/items/cpcu-ivry-chaufferie"} {
		if got := partStatus(path); got != "released" {
			t.Errorf("GET %s: status %v; want released, as of 1 March", path, got)
		}
	}
	fetch := func(path string) (*http.Response, []byte) { return get(t, e.srv, path) }
	download(t, "/export/sites.geojson", "emprises-sites-wgs84-2026-03-01.geojson", fetch)
	download(t, "/export/parcels.geojson", "emprises-parcels-wgs84-2026-03-01.geojson", fetch)
	download(t, "/export/sites.csv", "emprises-sites-friches-2026-03-01.csv", fetch)

	// Back to 23:30 on 28 February in Paris: the default day is the clock's, not the real one.
	setClock(time.Date(2026, 2, 28, 22, 30, 0, 0, time.UTC))
	for _, path := range []string{"/collections/sites/items?site_id=cpcu-ivry", "/collections/sites/items/cpcu-ivry-chaufferie"} {
		if got := partStatus(path); got != before {
			t.Errorf("GET %s on 28 February: status %v; want %v, the status before the release", path, got, before)
		}
	}
}
