package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/friches"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// featureCollection is a downloaded GeoJSON file.
type featureCollection struct {
	Type string `json:"type"`
	CRS  *struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	} `json:"crs"`
	Features []struct {
		ID       string `json:"id"`
		Geometry *struct {
			Type        string          `json:"type"`
			Coordinates [][][][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func download(t *testing.T, path, wantFile string, get func(string) (*http.Response, []byte)) []byte {
	t.Helper()
	resp, body := get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+wantFile+`"` {
		t.Errorf("GET %s: Content-Disposition %q; want the file named %s", path, cd, wantFile)
	}
	return body
}

func TestExportSites(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	fetch := func(path string) (*http.Response, []byte) { return get(t, srv, path) }
	today := site.Today().Format(time.DateOnly)
	tests := []struct {
		path, file string
		crs        site.CRS
	}{
		{"/export/sites.geojson", "emprises-sites-wgs84-" + today + ".geojson", site.CRS84},
		{"/export/sites.geojson?crs=CRS84&date=2014-01-01", "emprises-sites-wgs84-2014-01-01.geojson", site.CRS84},
		{"/export/sites.geojson?crs=EPSG:4326", "emprises-sites-wgs84-latlon-" + today + ".geojson", site.EPSG4326},
		{"/export/sites.geojson?crs=http://www.opengis.net/def/crs/EPSG/0/4326", "emprises-sites-wgs84-latlon-" + today + ".geojson", site.EPSG4326},
		{"/export/sites.geojson?crs=EPSG:2154", "emprises-sites-lambert93-" + today + ".geojson", site.Lambert93},
		{"/export/sites.geojson?crs=http://www.opengis.net/def/crs/EPSG/0/2154&date=2026-11-26", "emprises-sites-lambert93-2026-11-26.geojson", site.Lambert93},
	}
	statuses := map[string]map[string]any{}
	for _, tt := range tests {
		body := download(t, tt.path, tt.file, fetch)
		var fc featureCollection
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
			t.Fatalf("GET %s: %s with %d features", tt.path, fc.Type, len(fc.Features))
		}
		// RFC 7946 output names no CRS; any other names its own.
		wantMember := tt.crs.URN()
		if tt.crs == site.CRS84 {
			wantMember = ""
		}
		if gotMember := fcCRSName(fc); gotMember != wantMember {
			t.Errorf("GET %s: crs member %q; want %q", tt.path, gotMember, wantMember)
		}
		located := 0
		for _, f := range fc.Features {
			for _, p := range []string{"geometry_quality", "geometry_source", "status", "site_id"} {
				if _, ok := f.Properties[p]; !ok {
					t.Errorf("GET %s: feature %s has no %s", tt.path, f.ID, p)
				}
			}
			if f.Properties["geometry_quality"] == "unlocated" {
				if f.Geometry != nil {
					t.Errorf("GET %s: unlocated feature %s has a geometry", tt.path, f.ID)
				}
				continue
			}
			located++
			x, y := f.Geometry.Coordinates[0][0][0][0], f.Geometry.Coordinates[0][0][0][1]
			if !inIvry(tt.crs, x, y) {
				t.Errorf("GET %s: feature %s starts at (%v, %v); want Ivry in the axis order of %v", tt.path, f.ID, x, y, tt.crs)
			}
		}
		if located == 0 {
			t.Errorf("GET %s: no located feature", tt.path)
		}
		byPart := map[string]any{}
		for _, f := range fc.Features {
			byPart[f.ID] = f.Properties["status"]
		}
		statuses[tt.path] = byPart
	}
	then, now := statuses[tests[1].path], statuses[tests[0].path]
	if then["triangle-cours-sud-emprise"] != "in_use" || now["triangle-cours-sud-emprise"] != "ceded" {
		t.Errorf("Triangle Cours Sud: %v as of 2014-01-01, %v today; want in_use then ceded",
			then["triangle-cours-sud-emprise"], now["triangle-cours-sud-emprise"])
	}
}

// fcCRSName is the name in a FeatureCollection's "crs" member, or "" without one.
func fcCRSName(fc featureCollection) string {
	if fc.CRS == nil {
		return ""
	}
	return fc.CRS.Properties.Name
}

// inIvry reports whether (x, y), in the axis order of crs, lies in Ivry-sur-Seine.
func inIvry(crs site.CRS, x, y float64) bool {
	switch {
	case crs.SRID == site.SRIDLambert93:
		return x > 600000 && x < 700000 && y > 6800000 && y < 6900000
	case crs.LatFirst:
		return y > 2.3 && y < 2.5 && x > 48.7 && x < 48.9
	}
	return x > 2.3 && x < 2.5 && y > 48.7 && y < 48.9
}

// linkParcels records two parcels of the ceded part of the filter basins.
func linkParcels(t *testing.T, st *store.Store) {
	t.Helper()
	_, err := st.Pool().Exec(context.Background(), `
		INSERT INTO parcels (id, contenance_m2, geom, part_id, source)
		SELECT pid, 1000, ST_Multi(ST_Buffer(ST_Centroid(p.geom), 10)), p.id, 'test'
		FROM site_parts p, unnest(ARRAY['94041000AZ0057', '94041000AZ0056']) AS pid
		WHERE p.id = 'bassins-filtrants-halle-partie-cedee'`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestExportParcels(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	linkParcels(t, st)
	fetch := func(path string) (*http.Response, []byte) { return get(t, srv, path) }
	today := site.Today().Format(time.DateOnly)
	body := download(t, "/export/parcels.geojson?crs=EPSG:2154", "emprises-parcels-lambert93-"+today+".geojson", fetch)
	var fc featureCollection
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 2 || fc.Features[0].ID != "94041000AZ0056" {
		t.Fatalf("parcels.geojson has %d features; want the 2 parcels in id order: %s", len(fc.Features), body)
	}
	for _, f := range fc.Features {
		if f.Properties["geometry_quality"] != "cadastre" || f.Properties["geometry_source"] != "test" {
			t.Errorf("parcel %s: geometry_quality %v, geometry_source %v; want cadastre, test", f.ID,
				f.Properties["geometry_quality"], f.Properties["geometry_source"])
		}
		if f.Properties["site_id"] != "bassins-filtrants-halle" {
			t.Errorf("parcel %s: site_id %v; want bassins-filtrants-halle", f.ID, f.Properties["site_id"])
		}
	}
	download(t, "/export/parcels.geojson", "emprises-parcels-wgs84-"+today+".geojson", fetch)
}

func TestExportFriches(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	linkParcels(t, st)
	fetch := func(path string) (*http.Response, []byte) { return get(t, srv, path) }
	body := download(t, "/export/sites.csv?date=2026-11-26", "emprises-sites-friches-2026-11-26.csv", fetch)
	if bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Errorf("sites.csv starts with a byte-order mark; the exchange format has none")
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("sites.csv does not read back: %v", err)
	}
	if !slices.Equal(records[0], friches.Fields) {
		t.Fatalf("header %q; want the schema's fields %q", records[0], friches.Fields)
	}
	var dash struct {
		Totals struct {
			Parts int `json:"parts"`
		} `json:"totals"`
	}
	getJSON(t, srv, "/api/dashboard?date=2026-11-26", &dash)
	if len(records)-1 != dash.Totals.Parts {
		t.Errorf("%d rows; want one per part, %d", len(records)-1, dash.Totals.Parts)
	}
	col := func(name string) int { return slices.Index(friches.Fields, name) }
	statuts := []string{"friche potentielle", "friche sans projet", "friche avec projet", "friche reconvertie", "inconnu", "autre", "sans objet"}
	occupations := []string{"totalement inoccupé", "partiellement inoccupé", "occupation transitoire ou temporaire",
		"occupation illicite supposée", "occupation illicite avérée", "inconnu", "autre", "sans objet"}
	rows := map[string][]string{}
	for _, row := range records[1:] {
		rows[row[col("site_id")]] = row
		for _, required := range []string{"site_id", "site_nom", "site_type", "site_identif_date", "site_actu_date", "comm_nom", "comm_insee", "source_nom"} {
			if row[col(required)] == "" {
				t.Errorf("row %s: required %s is empty", row[col("site_id")], required)
			}
		}
		if !slices.Contains(statuts, row[col("site_statut")]) || !slices.Contains(occupations, row[col("site_occupation")]) {
			t.Errorf("row %s: site_statut %q, site_occupation %q; want values of the schema", row[col("site_id")],
				row[col("site_statut")], row[col("site_occupation")])
		}
		for _, d := range []string{"site_identif_date", "site_actu_date"} {
			if _, err := time.Parse(time.DateOnly, row[col(d)]); err != nil {
				t.Errorf("row %s: %s %q is not an ISO date", row[col("site_id")], d, row[col(d)])
			}
		}
	}
	ceded := rows["94041_bassins-filtrants-halle-partie-cedee"]
	if ceded == nil {
		t.Fatalf("no row for the ceded part of the filter basins")
	}
	if got := ceded[col("unite_fonciere_refcad")]; got != "94041000AZ0056|94041000AZ0057" {
		t.Errorf("unite_fonciere_refcad = %q; want the parcel ids joined by |", got)
	}
	if got := ceded[col("unite_fonciere_surface")]; got != "2000" {
		t.Errorf("unite_fonciere_surface = %q; want 2000", got)
	}
	if got := ceded[col("site_statut")]; got != "friche avec projet" && got != "friche reconvertie" {
		t.Errorf("ceded part: site_statut %q; want a project", got)
	}
	if !strings.HasPrefix(ceded[col("geompoint")], "POINT(2.") || !strings.HasPrefix(ceded[col("geomsurf")], "MULTIPOLYGON(((2.") {
		t.Errorf("geompoint %q, geomsurf %q; want WKT in longitude/latitude", ceded[col("geompoint")], ceded[col("geomsurf")])
	}
	if got := rows["94041_cimetiere-parisien-ivry-nord"][col("site_statut")]; got != "sans objet" {
		t.Errorf("a part in service: site_statut %q; want sans objet", got)
	}
	if got := rows["94041_usine-des-eaux-quartus"][col("source_url")]; got != "" && !strings.HasPrefix(got, "http") {
		t.Errorf("source_url %q; want a URL or nothing", got)
	}
}

// TestCSVFormulasNeutralized names a site as a spreadsheet formula would be written: both
// CSV files give it back as text (a leading apostrophe), so that a French spreadsheet
// shows it and never runs it.
func TestCSVFormulasNeutralized(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const evil = `=HYPERLINK("http://evil.invalid","x")`
	e.edit(t, "PATCH", "/api/sites/cpcu-ivry", "cpcu-ivry", `{"name":"=HYPERLINK(\"http://evil.invalid\",\"x\")","occupant":"+cmd|' /C calc'!A0"}`)
	for _, path := range []string{"/api/calendar.csv", "/export/sites.csv"} {
		resp, body := e.call(t, "GET", path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		sep := ';'
		if path == "/export/sites.csv" {
			sep = ','
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\uFEFF"))))
		r.Comma, r.FieldsPerRecord = sep, -1
		records, err := r.ReadAll()
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		found := false
		for _, rec := range records {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+@", rune(cell[0])) {
					t.Errorf("GET %s: cell %q would run as a formula", path, cell)
				}
				found = found || strings.HasPrefix(cell, "'"+evil)
			}
		}
		if !found {
			t.Errorf("GET %s: the site's name is not there as text (%q)", path, "'"+evil)
		}
	}
}
