package httpapi

import (
	"testing"

	"github.com/emprises/emprises/internal/site"
)

// TestPartAreaSource: a site's parts say where their area comes from; the seed's squares
// of nominal size used to read like any other area.
func TestPartAreaSource(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	tests := []struct {
		site, part string
		want       site.AreaSource
	}{
		{"cpcu-ivry", "cpcu-ivry-chaufferie", site.AreaDeclared},
		{"bassins-filtrants-halle", "bassins-filtrants-halle-partie-cedee", site.AreaNominal},
		{"tam-robert-witchitz", "tam-robert-witchitz-garage", site.AreaUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.part, func(t *testing.T) {
			var doc struct {
				Parts []struct {
					ID              string          `json:"id"`
					AreaSource      site.AreaSource `json:"area_source"`
					AreaSourceLabel string          `json:"area_source_label"`
				} `json:"parts"`
			}
			getJSON(t, srv, "/api/sites/"+tt.site, &doc)
			for _, p := range doc.Parts {
				if p.ID != tt.part {
					continue
				}
				if p.AreaSource != tt.want || p.AreaSourceLabel == "" {
					t.Errorf("%s: area_source %q (%q); want %q with a label", tt.part, p.AreaSource, p.AreaSourceLabel, tt.want)
				}
				return
			}
			t.Errorf("no part %s in /api/sites/%s", tt.part, tt.site)
		})
	}
}
