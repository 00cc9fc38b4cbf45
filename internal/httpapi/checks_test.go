package httpapi

import (
	"net/http"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

func TestChecksRoute(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var got checksJSON
	getJSON(t, srv, "/api/checks?date=2025-06-01", &got)
	kinds := map[string]int{}
	for _, c := range got.Checks {
		kinds[string(c.Kind)]++
		if c.KindLabel == "" || c.Detail == "" || c.SiteID == "" {
			t.Errorf("check %+v lacks its label, detail or site", c)
		}
	}
	if got.AsOf != "2025-06-01" || got.StaleAfterMonth != 24 || kinds["past_plan"] == 0 || kinds["stale_status"] == 0 {
		t.Errorf("checks = %s, %d months, %v; want plans past and stale statuses", got.AsOf, got.StaleAfterMonth, kinds)
	}
	var longer checksJSON
	getJSON(t, srv, "/api/checks?date=2025-06-01&stale_after=240", &longer)
	stale := 0
	for _, c := range longer.Checks {
		if c.Kind == "stale_status" {
			stale++
		}
	}
	if stale >= kinds["stale_status"] {
		t.Errorf("with stale_after=240, %d stale statuses; want fewer than the %d of 24 months", stale, kinds["stale_status"])
	}
	for _, tt := range []struct{ query, param string }{
		{"stale_after=abc", "stale_after"},
		{"stale_after=0", "stale_after"},
		{"date=01/06/2025", "date"},
		{"when=2025", "when"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			path := "/api/checks?" + tt.query
			resp, body := get(t, srv, path)
			wantProblem(t, path, resp, body, http.StatusBadRequest, tt.param)
		})
	}
}

// TestDatePhrase: the checks' details agree with French (the page's French test found
// "prévu T4 2021" and "depuis T4 2014").
func TestDatePhrase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		preposition, date, want string
	}{
		{"en", "2021-Q4", "au T4 2021"},
		{"en", "2021", "en 2021"},
		{"en", "2015-09", "en sept. 2015"},
		{"en", "2017-01-19", "le 19/01/2017"},
		{"depuis", "2014-Q4", "depuis le T4 2014"},
		{"depuis", "2019", "depuis 2019"},
		{"depuis", "2017-01-19", "depuis le 19/01/2017"},
	}
	for _, tt := range tests {
		t.Run(tt.preposition+" "+tt.date, func(t *testing.T) {
			d, err := site.ParseDate(tt.date)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.date, err)
			}
			if got := datePhrase(tt.preposition, d); got != tt.want {
				t.Errorf("datePhrase(%q, %q) = %q; want %q", tt.preposition, tt.date, got, tt.want)
			}
		})
	}
}
