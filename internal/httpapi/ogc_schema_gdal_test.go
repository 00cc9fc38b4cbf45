package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

// gdalFieldType returns the type ogrinfo -so reports for field, "" when absent.
func gdalFieldType(summary, field string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(field) + `: (\S+)`).FindStringSubmatch(summary)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestGDALTypesFromSchema: GDAL's OAPIF driver reads the describedby schema and types the
// fields from it, where it used to guess from a first page (events' area_m2, null on most
// events, came out as String). A signed-in reader (GDAL sending the API token) gets
// amount_eur, typed as well; an anonymous one does not get it at all.
func TestGDALTypesFromSchema(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	root := "OAPIF:" + e.srv.URL + "/"
	want := map[string]map[string]string{
		"events": {"area_m2": "Real", "date_start": "Date", "date_end": "Date", "planned": "Integer(Boolean)",
			"kind": "String", "date": "String", "amount_eur": ""},
		"sites":   {"area_m2": "Real", "declared_area_m2": "Real", "modality_done": "Integer(Boolean)", "status": "String"},
		"parcels": {"number": "Integer", "contenance_m2": "Integer", "section": "String"},
	}
	for collection, fields := range want {
		summary := runTool(t, "ogrinfo", "-ro", "-al", "-so", root, collection)
		for field, typ := range fields {
			if got := gdalFieldType(summary, field); got != typ {
				t.Errorf("ogrinfo -so %s (anonymous): field %s is %q; want %q\n%s", collection, field, got, typ, summary)
			}
		}
	}
	summary := runTool(t, "ogrinfo", "--config", "GDAL_HTTP_HEADERS", "Authorization: Bearer "+e.tokens[auth.Viewer],
		"-ro", "-al", "-so", root, "events")
	for field, typ := range map[string]string{"amount_eur": "Real", "area_m2": "Real", "date_start": "Date"} {
		if got := gdalFieldType(summary, field); got != typ {
			t.Errorf("ogrinfo -so events (viewer): field %s is %q; want %q\n%s", field, got, typ, summary)
		}
	}
}

// TestGDALPageSize checks the README's advice for GDAL 3.6, whose OAPIF driver asks for 10
// features a page unless told otherwise: with -oo PAGE_SIZE=1000, ogr2ogr copies 2 500
// parcels in a handful of requests, and every one of them.
func TestGDALPageSize(t *testing.T) {
	t.Parallel()
	st := seededStore(t)
	ogcSeedParcels(t, st, 2500)
	var pages atomic.Int64
	h := NewServer(st, Config{}, testLogger(t))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/collections/parcels/items" {
			pages.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var n int
	if err := st.Pool().QueryRow(t.Context(), "SELECT count(*) FROM parcels").Scan(&n); err != nil {
		t.Fatal(err)
	}
	gpkg := filepath.Join(t.TempDir(), "parcels.gpkg")
	runTool(t, "ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+srv.URL+"/", "parcels", "-oo", "PAGE_SIZE=1000")
	info := runTool(t, "ogrinfo", "-ro", "-so", gpkg, "parcels")
	if !strings.Contains(info, "Feature Count: "+strconv.Itoa(n)+"\n") {
		t.Errorf("ogr2ogr -oo PAGE_SIZE=1000: want %d parcels in\n%s", n, info)
	}
	t.Logf("%d items requests for %d parcels", pages.Load(), n)
	// One request for the layer's fields, then ceil(n / 1000) pages.
	if got, max := pages.Load(), int64(1+(n+999)/1000); got > max {
		t.Errorf("ogr2ogr -oo PAGE_SIZE=1000 made %d items requests for %d parcels; want at most %d", got, n, max)
	}
}

// TestGDALReadsTileFromTileJSON follows the parcels' TileJSON as a client does: the tile
// URL template filled at the announced minimum zoom over a parcel gives a tile that GDAL's
// MVT driver reads, with the layer and fields the document announces.
func TestGDALReadsTileFromTileJSON(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	importSynthetic(t, st, 500)
	var doc tileJSON
	getJSON(t, srv, "/tiles/parcels.json", &doc)
	tile := tileOf(t, st, 15, `SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS c
		FROM parcels WHERE id = $1) p`, "940410000A0001")
	if int(tile.Z) != doc.MinZoom {
		t.Fatalf("parcels TileJSON minzoom %d; the test reads zoom %d", doc.MinZoom, tile.Z)
	}
	url := strings.NewReplacer("{z}", fmt.Sprint(tile.Z), "{x}", fmt.Sprint(tile.X), "{y}", fmt.Sprint(tile.Y)).Replace(doc.Tiles[0])
	summary := runTool(t, "ogrinfo", "-ro", "-al", "-so", "MVT:/vsicurl/"+url)
	if !strings.Contains(summary, "Layer name: "+doc.VectorLayers[0].ID+"\n") {
		t.Errorf("ogrinfo %s: no layer %q in\n%s", url, doc.VectorLayers[0].ID, summary)
	}
	if m := regexp.MustCompile(`Feature Count: (\d+)`).FindStringSubmatch(summary); m == nil || m[1] == "0" {
		t.Errorf("ogrinfo %s: no parcel in\n%s", url, summary)
	}
	for _, field := range []string{"id", "contenance"} {
		if _, ok := doc.VectorLayers[0].Fields[field]; !ok || gdalFieldType(summary, field) == "" {
			t.Errorf("field %s: announced %v, read by GDAL as %q", field, ok, gdalFieldType(summary, field))
		}
	}
}

// TestGDALWherePlanned copies the planned events with GDAL's own -where as a GIS desktop
// writes it (a boolean as 1) and a day with GDAL 3.6's trailing T: the server answers both,
// and the copy holds exactly the planned events.
func TestGDALWherePlanned(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	var planned int
	if err := st.Pool().QueryRow(t.Context(), `
SELECT count(*) FROM events e JOIN sites s ON s.id = e.site_id AND s.deleted_at IS NULL
 WHERE e.deleted_at IS NULL AND e.planned`).Scan(&planned); err != nil {
		t.Fatal(err)
	}
	if planned == 0 {
		t.Fatal("the seed has no planned event: the check could not fail")
	}
	gpkg := filepath.Join(t.TempDir(), "events.gpkg")
	runTool(t, "ogr2ogr", "-f", "GPKG", gpkg, "OAPIF:"+srv.URL+"/", "events", "-oo", "PAGE_SIZE=1000",
		"-where", "planned = 1")
	info := runTool(t, "ogrinfo", "-ro", "-so", gpkg, "events")
	if !strings.Contains(info, "Feature Count: "+strconv.Itoa(planned)+"\n") {
		t.Errorf("ogr2ogr -where \"planned = 1\": want %d events in\n%s", planned, info)
	}
}

// TestQGISDrawsParcelTiles builds QGIS's vector-tile layer from /tiles/parcels.json (its
// template and zoom range), as the README tells planners to, renders it headless over a
// few parcels and checks that QGIS painted them.
func TestQGISDrawsParcelTiles(t *testing.T) {
	t.Parallel()
	python := "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import qgis.core").CombinedOutput(); err != nil {
		t.Fatalf("QGIS's Python bindings are needed (Debian: apt-get install python3-qgis; make test does it): %v\n%s", err, out)
	}
	srv, st := newTestServer(t)
	ogcSeedParcels(t, st, 400)
	var x, y float64
	if err := st.Pool().QueryRow(t.Context(), `
SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(ST_Collect(geom)), 3857) c FROM parcels) p`).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(t.TempDir(), "parcels.png")
	cmd := exec.CommandContext(t.Context(), python, filepath.Join("testdata", "qgis_draw_tiles.py"), srv.URL+"/tiles/parcels.json",
		strconv.FormatFloat(x-200, 'f', 1, 64), strconv.FormatFloat(y-200, 'f', 1, 64),
		strconv.FormatFloat(x+200, 'f', 1, 64), strconv.FormatFloat(y+200, 'f', 1, 64), png)
	runtime := t.TempDir()
	os.Chmod(runtime, 0o700) // Qt wants its runtime folder private
	cmd.Env = append(cmd.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+runtime)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("QGIS: %v\n%s", err, out)
	}
	var painted int
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "painted "); ok {
			fmt.Sscan(rest, &painted)
		}
	}
	// 512² pixels sampled every other one: 65 536 samples; parcels of 20 m every 25 m
	// cover some 60 % of the box, their outlines more.
	t.Logf("QGIS painted %d samples", painted)
	if painted < 5000 {
		t.Errorf("QGIS painted %d samples of parcels; want them drawn\n%s", painted, out)
	}
}
