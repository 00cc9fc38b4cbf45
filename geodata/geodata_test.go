package geodata

import (
	"strings"
	"testing"
)

func TestLoadEmbedded(t *testing.T) {
	ds, err := Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	if n := len(ds.Sites); n < 12 {
		t.Errorf("Load() has %d sites; want at least the 12 rows of the reference table", n)
	}
	unlocated := map[string]bool{"tam-robert-witchitz": true, "site-jean-mazet": true, "ateliers-voirie-proprete": true}
	for _, s := range ds.Sites {
		for _, p := range s.Parts {
			if unlocated[s.ID] && p.Location != nil {
				t.Errorf("site %s part %s has a location; the reference gives none", s.ID, p.ID)
			}
			if p.Location != nil && p.GeometrySource == "" {
				t.Errorf("site %s part %s is located without a geometry_source", s.ID, p.ID)
			}
		}
	}
	if ds.Commune.ID != "commune-94041" || len(ds.Commune.Geometry) == 0 {
		t.Errorf("commune = %q with %d bytes of geometry; want commune-94041 with an outline", ds.Commune.ID, len(ds.Commune.Geometry))
	}
}

// TestParseRefuses checks that mistakes in a seed file are reported by site, part and
// field before anything reaches the database.
func TestParseRefuses(t *testing.T) {
	const part = `{"id":"p-1","label":"L","location":null,"geometry_quality":"unlocated",
		"status_history":[%s]}`
	site := func(id, statuses string) string {
		return `{"sites":[{"id":"` + id + `","name":"N","modality":"undecided","parts":[` +
			strings.Replace(part, "%s", statuses, 1) + `]}]}`
	}
	tests := []struct {
		name, sites, want string
	}{
		{"malformed JSON", `{"sites":[`, "unexpected EOF"},
		{"unknown field", `{"sites":[{"id":"a","colour":"red"}]}`, `unknown field "colour"`},
		{"bad slug", site("Bad Id", `{"status":"in_use","from":"2006"}`), `"Bad Id"`},
		{"unknown status", site("a", `{"status":"sold","from":"2006"}`), `unknown status "sold"`},
		{"impossible date", site("a", `{"status":"in_use","from":"2019-02-30"}`), `not a real day`},
		{"illegal transition", site("a", `{"status":"ceded","from":"2006"},{"status":"in_use","from":"2010"}`),
			`part "p-1": status_history[1]: invalid status: a ceded part cannot become in_use`},
		{"dates not increasing", site("a", `{"status":"in_use","from":"2010"},{"status":"released","from":"2009"}`),
			`is not after`},
		{"location with unlocated quality", strings.Replace(site("a", `{"status":"in_use","from":"2006"}`),
			`"location":null`, `"location":{"point":[2.39,48.81],"area_m2":100}`, 1), `does not match location`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.sites), communeJSON)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%s) = %v; want an error containing %q", tt.name, err, tt.want)
			}
		})
	}
}
