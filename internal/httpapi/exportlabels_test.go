package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

func TestWithFrenchLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"codes", `{"type" : "Feature", "id" : "a", "geometry" : null, "properties" : {"status" : "ceded", "modality" : "sale_to_developer", "geometry_quality" : "approximate"}}`,
			`{"type" : "Feature", "id" : "a", "geometry" : null, "properties" : {"geometry_quality_label":"emprise approximative","modality_label":"Cession à un aménageur","status_label":"Cédé","status" : "ceded", "modality" : "sale_to_developer", "geometry_quality" : "approximate"}}`},
		{"only a status", `{"properties":{"status":"in_use"}}`, `{"properties":{"status_label":"En service","status":"in_use"}}`},
		{"no code", `{"properties":{"name":"x"}}`, `{"properties":{"name":"x"}}`},
		{"unknown code", `{"properties":{"status":"sold"}}`, `{"properties":{"status":"sold"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := withFrenchLabels([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want || !json.Valid(got) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if _, err := withFrenchLabels([]byte(`{"properties":`)); err == nil {
		t.Error("a cut feature gave no error")
	}
}

func TestExportSitesFrenchLabels(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	for _, crs := range []string{"CRS84", "EPSG:2154"} {
		t.Run(crs, func(t *testing.T) {
			var fc struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			getJSON(t, srv, "/export/sites.geojson?crs="+crs, &fc)
			if len(fc.Features) == 0 {
				t.Fatal("no feature")
			}
			for _, f := range fc.Features {
				p := f.Properties
				status, _ := p["status"].(string)
				quality, _ := p["geometry_quality"].(string)
				if p["status_label"] != site.Status(status).Label() || p["status_label"] == "" ||
					p["geometry_quality_label"] != qualityLabels[quality] {
					t.Errorf("%v: status %v labelled %v, quality %v labelled %v", p["name"], status, p["status_label"], quality, p["geometry_quality_label"])
				}
			}
		})
	}
}
