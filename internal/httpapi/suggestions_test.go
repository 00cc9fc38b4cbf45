package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestParcelSuggestions(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	importSynthetic(t, st, 3000)

	var got parcelSuggestionsJSON
	getJSON(t, srv, "/api/parts/cimetiere-parisien-ivry-nord/parcel-suggestions", &got)
	if got.SiteID != "cimetiere-parisien-ivry" || got.Quality != "approximate" || len(got.Suggestions) == 0 ||
		got.LinkEndpoint != "/api/parts/cimetiere-parisien-ivry-nord/parcels" {
		t.Fatalf("suggestions = %+v; want parcels under the approximate square", got)
	}
	for _, p := range got.Suggestions {
		if p.Share < got.MinShare || !strings.HasPrefix(p.ID, "94041") || p.Label == "" || p.AreaM2 <= 0 {
			t.Errorf("suggestion %+v; want a parcel of Ivry at least %.0f %% inside", p, 100*got.MinShare)
		}
	}

	for _, tt := range []struct {
		name, path string
		status     int
		none       bool
	}{
		{"unlocated part", "/api/parts/tam-robert-witchitz-garage/parcel-suggestions", http.StatusOK, true},
		{"no such part", "/api/parts/no-such-part/parcel-suggestions", http.StatusNotFound, true},
		{"not a slug", "/api/parts/A%20B/parcel-suggestions", http.StatusNotFound, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s: %d %s; want %d", tt.path, resp.StatusCode, body, tt.status)
			}
			if tt.status == http.StatusOK && !strings.Contains(string(body), `"suggestions":[]`) {
				t.Errorf("GET %s: %s; want no suggestion", tt.path, body)
			}
		})
	}
}
