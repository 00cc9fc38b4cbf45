package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

const crsTestPart = "cpcu-ivry-chaufferie"

// firstPosition is the first position of a site part's outline as a route wrote it.
func firstPosition(t *testing.T, what string, f ogcFeature) [2]float64 {
	t.Helper()
	if f.Geometry == nil || len(f.Geometry.Coordinates) == 0 || len(f.Geometry.Coordinates[0]) == 0 ||
		len(f.Geometry.Coordinates[0][0]) == 0 || len(f.Geometry.Coordinates[0][0][0]) < 2 {
		t.Fatalf("%s: feature %s has no outline: %+v", what, f.id(), f.Geometry)
	}
	p := f.Geometry.Coordinates[0][0][0]
	return [2]float64{p[0], p[1]}
}

// partIn finds the test part in a FeatureCollection.
func partIn(t *testing.T, what string, body []byte) ogcFeature {
	t.Helper()
	var fc ogcFC
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for _, f := range fc.Features {
		if f.id() == crsTestPart {
			return f
		}
	}
	t.Fatalf("%s: no feature %s among %d", what, crsTestPart, len(fc.Features))
	return ogcFeature{}
}

// wantAxes checks that p, written in crs, is Ivry in that CRS's axis order.
func wantAxes(t *testing.T, what string, crs site.CRS, p [2]float64) {
	t.Helper()
	if !inIvry(crs, p[0], p[1]) {
		t.Errorf("%s: first position %v; want Ivry in the axis order of %v (latitude first: %v)", what, p, crs, crs.LatFirst)
	}
}

// TestEPSG4326LatitudeFirstEverywhere: the EPSG:4326 URI means latitude first on the OGC
// items and on the download alike (the download used to write it longitude first).
func TestEPSG4326LatitudeFirstEverywhere(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	q := "crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326")
	_, items := get(t, srv, "/collections/sites/items?site_id=cpcu-ivry&"+q)
	_, export := get(t, srv, "/export/sites.geojson?"+q)
	fromItems := firstPosition(t, "items", partIn(t, "items", items))
	fromExport := firstPosition(t, "export", partIn(t, "export", export))
	if fromItems != fromExport || fromItems[0] < 48 || fromItems[0] > 49 {
		t.Errorf("first position with %s: items %v, export %v; want the same, latitude (48.8) first", q, fromItems, fromExport)
	}
}

// TestCRSOneMeaning: every spelling ParseCRS accepts means the same CRS, with the same axis
// order, on every route that takes a CRS: the OGC items and feature (crs), the items'
// bbox-crs, the downloads, and a geometry sent to the editing API.
func TestCRSOneMeaning(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	fetch := func(path string) (*http.Response, []byte) { return get(t, e.srv, path) }
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, crs := range site.CRSs() {
		for _, name := range crs.Names() {
			t.Run(name, func(t *testing.T) {
				parsed, err := site.ParseCRS(name)
				if err != nil || parsed != crs {
					t.Fatalf("site.ParseCRS(%q) = %v, %v; want %v", name, parsed, err, crs)
				}
				q := url.QueryEscape(name)

				path := "/collections/sites/items?site_id=cpcu-ivry&crs=" + q
				resp, body := fetch(path)
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Crs") != "<"+crs.URI+">" {
					t.Fatalf("GET %s: %d, Content-Crs %q; want 200, <%s>", path, resp.StatusCode, resp.Header.Get("Content-Crs"), crs.URI)
				}
				items := firstPosition(t, path, partIn(t, path, body))
				wantAxes(t, path, crs, items)

				path = "/collections/sites/items/" + crsTestPart + "?crs=" + q
				resp, body = fetch(path)
				var f ogcFeature
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Crs") != "<"+crs.URI+">" || json.Unmarshal(body, &f) != nil {
					t.Fatalf("GET %s: %d, Content-Crs %q; want 200, <%s>", path, resp.StatusCode, resp.Header.Get("Content-Crs"), crs.URI)
				}
				if got := firstPosition(t, path, f); got != items {
					t.Errorf("GET %s: first position %v; the items gave %v", path, got, items)
				}

				path = "/export/sites.geojson?crs=" + q
				body = download(t, path, "emprises-sites-"+crs.Tag+"-"+site.Today().Format("2006-01-02")+".geojson", fetch)
				if got := firstPosition(t, path, partIn(t, path, body)); got != items {
					t.Errorf("GET %s: first position %v; the items gave %v", path, got, items)
				}

				// A box of a few metres around that position, in the same axis order, finds
				// the part; the same numbers read the other way round find nothing.
				d := 5.0
				if crs.SRID == site.SRIDWGS84 {
					d = 5e-5
				}
				x, y := items[0], items[1]
				box := func(ax, ay float64) string {
					return "/collections/sites/items?limit=1000&bbox-crs=" + q + "&bbox=" + g(ax-d) + "," + g(ay-d) + "," + g(ax+d) + "," + g(ay+d)
				}
				var ids []string
				for _, f := range (func() ogcFC {
					var fc ogcFC
					ogcGet(t, e.srv, box(x, y), http.StatusOK, mediaGeoJSON, &fc)
					return fc
				})().Features {
					ids = append(ids, f.id())
				}
				if !slices.Contains(ids, crsTestPart) {
					t.Errorf("GET %s: %v; want %s", box(x, y), ids, crsTestPart)
				}
				if crs.SRID == site.SRIDWGS84 {
					var fc ogcFC
					ogcGet(t, e.srv, box(y, x), http.StatusOK, mediaGeoJSON, &fc)
					if len(fc.Features) != 0 {
						t.Errorf("GET %s (axes swapped): %d features; want none", box(y, x), len(fc.Features))
					}
				}

				// The outline as this CRS wrote it, sent back in this CRS, is the same place.
				var before ogcFeature // in CRS84, the default
				ogcGet(t, e.srv, "/collections/sites/items/"+crsTestPart, http.StatusOK, mediaGeoJSON, &before)
				geometry, err := json.Marshal(f.Geometry)
				if err != nil {
					t.Fatal(err)
				}
				e.edit(t, "PUT", "/api/parts/"+crsTestPart+"/geometry", "cpcu-ivry",
					`{"geometry":`+string(geometry)+`,"crs":`+strconv.Quote(name)+`,"quality":"surveyed","source":"test `+name+`"}`)
				var after ogcFeature
				ogcGet(t, e.srv, "/collections/sites/items/"+crsTestPart, http.StatusOK, mediaGeoJSON, &after)
				want, got := firstPosition(t, "before", before), firstPosition(t, "after", after)
				if math.Abs(got[0]-want[0]) > 1e-6 || math.Abs(got[1]-want[1]) > 1e-6 {
					t.Errorf("PUT geometry with crs %q: the part starts at %v (CRS84); want %v", name, got, want)
				}
			})
		}
	}
}
