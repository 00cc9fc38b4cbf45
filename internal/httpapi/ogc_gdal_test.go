package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// gdalTool returns the path of a GDAL command-line tool. GDAL is part of the test
// environment (make test installs gdal-bin): a missing tool fails the test rather than
// skipping it, so that CI cannot pass without reading the service with a real client.
func gdalTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("GDAL's %s is needed to test the OGC API with a real client: install gdal-bin "+
			"(Debian: apt-get install gdal-bin; make test does it): %v", name, err)
	}
	return path
}

// runTool runs a command and returns its standard output, failing the test on an error or
// on anything GDAL reports as an ERROR.
func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), gdalTool(t, name), args...)
	cmd.Env = append(cmd.Environ(), "GDAL_HTTP_TIMEOUT=60", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(out), "ERROR") {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestGDALReadsOGCAPI reads the service with GDAL's OGC API – Features client: ogrinfo
// lists every site part with its fields, and ogr2ogr copies every collection, page by
// page, into a GeoPackage in Lambert-93.
func TestGDALReadsOGCAPI(t *testing.T) {
	t.Parallel()
	srv, st := newOGCServer(t, 17)
	root := "OAPIF:" + srv.URL + "/"
	counts := map[string]int{}
	for table, collection := range map[string]string{"site_parts": "sites", "parcels": "parcels", "events": "events", "boundaries": "boundaries"} {
		var n int
		if err := st.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[collection] = n
	}

	// The summary: the feature count (numberMatched) and every property as a field.
	summary := runTool(t, "ogrinfo", "-ro", "-al", "-so", root, "sites")
	if want := "Feature Count: " + strconv.Itoa(counts["sites"]); !strings.Contains(summary, want) {
		t.Errorf("ogrinfo -so sites: no %q in\n%s", want, summary)
	}
	for _, field := range []string{"site_id", "name", "part_label", "address", "department", "current_use",
		"occupant", "owner", "status", "status_since", "modality", "modality_done", "counterparty", "area_m2",
		"declared_area_m2", "geometry_quality", "geometry_source", "planned_release", "actual_release",
		"planned_disposal", "actual_disposal"} {
		if !regexp.MustCompile(`(?m)^` + field + `: `).MatchString(summary) {
			t.Errorf("ogrinfo -so sites: no field %s in\n%s", field, summary)
		}
	}

	// Every part, read three at a time through the next links.
	listing := runTool(t, "ogrinfo", "-ro", "-oo", "PAGE_SIZE=3", root, "sites")
	var parts []string
	rows, err := st.Pool().Query(context.Background(), "SELECT id FROM site_parts ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		parts = append(parts, id)
	}
	if len(parts) == 0 {
		t.Fatal("no site part in the database")
	}
	for _, id := range parts {
		if !strings.Contains(listing, "id (String) = "+id+"\n") {
			t.Errorf("ogrinfo sites: part %s is missing", id)
		}
	}
	if got := strings.Count(listing, "OGRFeature(sites):"); got != len(parts) {
		t.Errorf("ogrinfo sites: %d features; want %d", got, len(parts))
	}

	// Every collection, with small pages so that several are fetched, into a GeoPackage in
	// Lambert-93.
	gpkg := filepath.Join(t.TempDir(), "emprises.gpkg")
	runTool(t, "ogr2ogr", "-f", "GPKG", gpkg, root, "-oo", "PAGE_SIZE=3", "-t_srs", "EPSG:2154")
	for collection, want := range counts {
		info := runTool(t, "ogrinfo", "-ro", "-so", gpkg, collection)
		if !strings.Contains(info, "Feature Count: "+strconv.Itoa(want)+"\n") {
			t.Errorf("GeoPackage layer %s: want %d features in\n%s", collection, want, info)
		}
		if !strings.Contains(info, `ID["EPSG",2154]`) {
			t.Errorf("GeoPackage layer %s is not in EPSG:2154:\n%s", collection, info)
		}
		out := runTool(t, "ogrinfo", "-ro", gpkg, "-sql",
			"SELECT MIN(ST_MinX(geom)) AS min_x, MAX(ST_MaxX(geom)) AS max_x, "+
				"MIN(ST_MinY(geom)) AS min_y, MAX(ST_MaxY(geom)) AS max_y FROM "+collection)
		for name, bounds := range map[string][2]float64{
			"min_x": {650000, 660000}, "max_x": {650000, 660000},
			"min_y": {6855000, 6865000}, "max_y": {6855000, 6865000},
		} {
			m := regexp.MustCompile(name + ` \(Real\) = ([0-9.]+)`).FindStringSubmatch(out)
			if m == nil {
				t.Errorf("GeoPackage layer %s: no %s in\n%s", collection, name, out)
				continue
			}
			v, _ := strconv.ParseFloat(m[1], 64)
			if v < bounds[0] || v > bounds[1] {
				t.Errorf("GeoPackage layer %s: %s = %v; want Lambert-93, %v–%v", collection, name, v, bounds[0], bounds[1])
			}
		}
	}
}

// TestGDALFilter copies site parts with ogr2ogr -where. GDAL 3.6 does not read the
// conformance classes to decide whether to send a filter: it sends CQL text (filter-lang
// cql-text, the drafts' name) when the OpenAPI document lists that value for filter-lang,
// or when told to with OGR_OAPIF_ALLOW_CQL_TEXT; it evaluates on its side what it cannot
// send (properties it does not know as queryable). Either way the copy must hold exactly
// the parts plain SQL finds, and with CQL text allowed the server must have done the work.
func TestGDALFilter(t *testing.T) {
	t.Parallel()
	st := seededStore(t)
	var mu sync.Mutex
	var filters []string
	h := NewServer(st, Config{TileURL: "https://tiles.invalid/{z}/{x}/{y}.png"}, testLogger(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f := r.URL.Query().Get("filter"); f != "" {
			mu.Lock()
			filters = append(filters, r.URL.Query().Get("filter-lang")+": "+f)
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	count := func(where string) int {
		var n int
		err := st.Pool().QueryRow(context.Background(), `SELECT count(*) FROM part_states_on((now() AT TIME ZONE 'Europe/Paris')::date) h
			JOIN site_parts p ON p.id = h.part_id JOIN sites s ON s.id = p.site_id WHERE `+where).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range []struct {
		where, sql string
		cqlText    bool // CQL text allowed: the filter goes to the server
	}{
		{"area_m2 > 1000", "round(p.area_m2::numeric, 1) > 1000", false},
		{"status = 'ceded' OR department = 'Eau de Paris'", "h.status = 'ceded' OR s.department = 'Eau de Paris'", false},
		{"status = 'ceded' OR department = 'Eau de Paris'", "h.status = 'ceded' OR s.department = 'Eau de Paris'", true},
		{"NOT (status = 'ceded') AND department = 'Eau de Paris'", "h.status <> 'ceded' AND s.department = 'Eau de Paris'", true},
	} {
		t.Run(tt.where+" cql-text="+strconv.FormatBool(tt.cqlText), func(t *testing.T) {
			mu.Lock()
			filters = nil
			mu.Unlock()
			gpkg := filepath.Join(t.TempDir(), "sites.gpkg")
			args := []string{"-f", "GPKG", gpkg, "OAPIF:" + srv.URL + "/", "sites", "-where", tt.where}
			if tt.cqlText {
				args = append([]string{"--config", "OGR_OAPIF_ALLOW_CQL_TEXT", "YES"}, args...)
			}
			runTool(t, "ogr2ogr", args...)
			info := runTool(t, "ogrinfo", "-ro", "-so", gpkg, "sites")
			want := count(tt.sql)
			if !strings.Contains(info, "Feature Count: "+strconv.Itoa(want)+"\n") || want == 0 {
				t.Errorf("ogr2ogr -where %q: want %d parts in\n%s", tt.where, want, info)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.cqlText && len(filters) == 0 {
				t.Errorf("ogr2ogr -where %q with CQL text allowed sent no filter", tt.where)
			}
			t.Logf("filters sent: %q", filters)
		})
	}
}
