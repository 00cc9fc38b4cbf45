package httpapi

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// ogcFC is the part of an items response the tests read.
type ogcFC struct {
	Type           string       `json:"type"`
	TimeStamp      string       `json:"timeStamp"`
	NumberMatched  *int         `json:"numberMatched"`
	NumberReturned *int         `json:"numberReturned"`
	Features       []ogcFeature `json:"features"`
	Links          []ogcLink    `json:"links"`
}

type ogcFeature struct {
	Type     string `json:"type"`
	ID       any    `json:"id"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates [][][][]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
	Links      []ogcLink      `json:"links"`
}

func (f ogcFeature) id() string {
	switch v := f.ID.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// newOGCServer is newTestServer with n synthetic parcels (see ogcSeedParcels).
func newOGCServer(t *testing.T, parcels int) (*httptest.Server, *store.Store) {
	t.Helper()
	srv, st := newTestServer(t)
	ogcSeedParcels(t, st, parcels)
	return srv, st
}

// ogcSeedParcels adds n synthetic 20 m square parcels on a grid inside Ivry, every third
// one linked to a site part.
func ogcSeedParcels(tb testing.TB, st *store.Store, n int) {
	tb.Helper()
	_, err := st.Pool().Exec(context.Background(), `
		WITH box AS (SELECT ST_Extent(geom) AS b FROM boundaries),
		parts AS (SELECT array_agg(id ORDER BY id) AS ids FROM site_parts WHERE geom IS NOT NULL)
		INSERT INTO parcels (id, contenance_m2, geom, part_id, source)
		SELECT '94041000' || chr(65 + (g / 1000) / 26) || chr(65 + (g / 1000) % 26) || lpad((g % 1000 + 1)::text, 4, '0'),
		       400,
		       ST_Multi(ST_MakeEnvelope(ST_XMin(b) + 1000 + 25 * (g % 100), ST_YMin(b) + 1000 + 25 * (g / 100),
		                                ST_XMin(b) + 1020 + 25 * (g % 100), ST_YMin(b) + 1020 + 25 * (g / 100), 2154)),
		       CASE WHEN g % 3 = 0 THEN ids[1 + g % cardinality(ids)] END,
		       'test'
		FROM box, parts, generate_series(0, $1::int - 1) g`, n)
	if err != nil {
		tb.Fatalf("seeding parcels: %v", err)
	}
}

// ogcGet fetches path, checks the status and media type, and decodes the body into v.
func ogcGet(t *testing.T, srv *httptest.Server, path string, status int, mediaType string, v any) *http.Response {
	t.Helper()
	resp, body := get(t, srv, path, "Accept", "application/json")
	if resp.StatusCode != status {
		t.Fatalf("GET %s: status %d; want %d\n%s", path, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != mediaType {
		t.Fatalf("GET %s: Content-Type %q; want %q", path, ct, mediaType)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
	return resp
}

// ogcRelPath turns an absolute link of the test server into a path to get.
func ogcRelPath(t *testing.T, srv *httptest.Server, href string) string {
	t.Helper()
	rest, ok := strings.CutPrefix(href, srv.URL)
	if !ok {
		t.Fatalf("link %q is not on the test server %s", href, srv.URL)
	}
	return rest
}

func ogcFindLink(links []ogcLink, rel string) (ogcLink, bool) {
	for _, l := range links {
		if l.Rel == rel {
			return l, true
		}
	}
	return ogcLink{}, false
}

func TestOGCLanding(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	for _, tc := range []struct{ path, accept string }{
		{"/", "application/json"},
		{"/", "application/geo+json, application/json"},
		{"/?f=json", "text/html"},
		{"/", "text/html;q=0.5, application/json"},
	} {
		resp, body := get(t, srv, tc.path, "Accept", tc.accept)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mediaJSON {
			t.Fatalf("GET %s (Accept %s): %d %s; want the JSON landing page", tc.path, tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var landing struct {
			Title string    `json:"title"`
			Links []ogcLink `json:"links"`
		}
		if err := json.Unmarshal(body, &landing); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"self": mediaJSON, "service-desc": mediaOpenAPI, "conformance": mediaJSON, "data": mediaJSON}
		for rel, mt := range want {
			l, ok := ogcFindLink(landing.Links, rel)
			if !ok || l.Type != mt || !strings.HasPrefix(l.Href, srv.URL+"/") {
				t.Errorf("landing page link %s = %+v; want type %s on %s", rel, l, mt, srv.URL)
			}
		}
	}
	// Browsers, and clients that state no preference, get the map page.
	for _, accept := range []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*", ""} {
		resp, _ := get(t, srv, "/", "Accept", accept)
		if ct := resp.Header.Get("Content-Type"); ct == mediaJSON {
			t.Errorf("GET / (Accept %q) = the JSON landing page; want the map page", accept)
		}
	}
	resp, body := get(t, srv, "/?f=xml")
	ogcWantProblem(t, resp, body, http.StatusBadRequest, "f")
	resp, body = get(t, srv, "/?f=json&limit=3")
	ogcWantProblem(t, resp, body, http.StatusBadRequest, "limit")
	// The map page takes no parameter, and refuses none: a shared link may carry some.
	resp, _ = get(t, srv, "/?utm_source=mail", "Accept", "text/html")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") == mediaJSON {
		t.Errorf("GET /?utm_source=mail (Accept text/html): %d %s; want the map page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// ogcWantProblem checks a problem+json response with a status and the offending parameter.
func ogcWantProblem(t *testing.T, resp *http.Response, body []byte, status int, param string) {
	t.Helper()
	if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s: %d %s; want %d problem+json\n%s", resp.Request.URL, resp.StatusCode, resp.Header.Get("Content-Type"), status, body)
		return
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%s: %v", resp.Request.URL, err)
	}
	if p.Status != status || p.Param != param || p.Detail == "" {
		t.Errorf("%s: problem %+v; want status %d naming param %q, with a detail", resp.Request.URL, p, status, param)
	}
}

func TestOGCConformance(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var c struct {
		ConformsTo []string `json:"conformsTo"`
	}
	ogcGet(t, srv, "/conformance", http.StatusOK, mediaJSON, &c)
	for _, class := range []string{"ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson",
		"ogcapi-features-1/1.0/conf/oas30", "ogcapi-features-2/1.0/conf/crs"} {
		if !slices.Contains(c.ConformsTo, "http://www.opengis.net/spec/"+class) {
			t.Errorf("conformsTo = %v; want %s", c.ConformsTo, class)
		}
	}
}

func TestOGCCollections(t *testing.T) {
	t.Parallel()
	srv, _ := newOGCServer(t, 10)
	var list struct {
		Links       []ogcLink       `json:"links"`
		Collections []ogcCollection `json:"collections"`
	}
	ogcGet(t, srv, "/collections", http.StatusOK, mediaJSON, &list)
	var ids []string
	for _, c := range list.Collections {
		ids = append(ids, c.ID)
		if c.StorageCRS != site.Lambert93.URI || !slices.Equal(c.CRS, ogcCRSURIs()) || c.ItemType != "feature" {
			t.Errorf("collection %s: crs %v, storageCrs %s, itemType %s", c.ID, c.CRS, c.StorageCRS, c.ItemType)
		}
		items, ok := ogcFindLink(c.Links, "items")
		if !ok || items.Type != mediaGeoJSON || items.Href != srv.URL+"/collections/"+c.ID+"/items" {
			t.Errorf("collection %s: items link %+v", c.ID, items)
		}
		// Everything lies in Ivry-sur-Seine, about 2.36–2.41° E, 48.80–48.83° N.
		if c.Extent == nil || c.Extent.Spatial == nil {
			t.Errorf("collection %s has no spatial extent", c.ID)
			continue
		}
		b := c.Extent.Spatial.BBox[0]
		if b[0] < 2.34 || b[2] > 2.43 || b[1] < 48.79 || b[3] > 48.84 || b[0] >= b[2] || b[1] >= b[3] {
			t.Errorf("collection %s: bbox %v is not around Ivry", c.ID, b)
		}
		var one ogcCollection
		ogcGet(t, srv, "/collections/"+c.ID, http.StatusOK, mediaJSON, &one)
		if one.ID != c.ID || one.Title == "" {
			t.Errorf("/collections/%s = %+v", c.ID, one)
		}
	}
	if want := []string{"sites", "parcels", "events", "boundaries", "commitments"}; !slices.Equal(ids, want) {
		t.Errorf("collections %v; want %v", ids, want)
	}
	for _, path := range []string{"/collections/nope", "/collections/nope/items", "/collections/nope/items/x",
		"/collections/sites/items/no-such-part", "/collections/events/items/999999", "/collections/events/items/abc",
		"/collections/parcels/items/94041000ZZ9999"} {
		resp, body := get(t, srv, path)
		ogcWantProblem(t, resp, body, http.StatusNotFound, "")
	}
}

// TestOGCItemsParams checks the answer to good and bad parameters of the items resources:
// a bad one is a 400 problem naming it, never a 5xx.
func TestOGCItemsParams(t *testing.T) {
	t.Parallel()
	srv, _ := newOGCServer(t, 10)
	for _, tc := range []struct {
		query  string
		status int
		param  string
	}{
		{"", 200, ""},
		{"f=json", 200, ""},
		{"f=geojson", 200, ""},
		{"limit=1", 200, ""},
		{"limit=10000", 200, ""},
		{"limit=10001", 200, ""}, // lowered to the maximum, as the standard asks
		{"limit=1e99999", 400, "limit"},
		{"limit=-1", 400, "limit"},
		{"limit=0", 400, "limit"},
		{"limit=abc", 400, "limit"},
		{"limit=1&limit=2", 400, "limit"},
		{"bbox=2.3,48.8,2.4,48.9", 200, ""},
		{"bbox=-180,-90,180,90", 200, ""},
		{"bbox=abc", 400, "bbox"},
		{"bbox=1,2,3", 400, "bbox"},
		{"bbox=1,2,3,4,5,6", 400, "bbox"},
		{"bbox=2.4,48.8,2.3,48.9", 400, "bbox"},
		{"bbox=2.3,48.8,2.4,NaN", 400, "bbox"},
		{"bbox=2.3,95,2.4,96", 400, "bbox"},
		{"bbox=48.8,2.3,48.9,2.4&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326", 200, ""},
		{"bbox=653000,6855000,657000,6859000&bbox-crs=EPSG:2154", 200, ""},
		{"bbox=2.3,48.8,2.4,48.9&bbox-crs=EPSG:3857", 400, "bbox-crs"},
		{"crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84", 200, ""},
		{"crs=http://www.opengis.net/def/crs/EPSG/0/4326", 200, ""},
		{"crs=http://www.opengis.net/def/crs/EPSG/0/2154", 200, ""},
		{"crs=EPSG:2154", 200, ""},
		{"crs=http://www.opengis.net/def/crs/EPSG/0/3857", 400, "crs"},
		{"crs=", 200, ""},
		{"datetime=2014-01-01", 200, ""},
		{"datetime=2014-01-01T12:00:00Z", 200, ""},
		{"datetime=2014-01-01T23:30:00-05:00", 200, ""},
		{"datetime=2014-01-01/2019-12-31", 200, ""},
		{"datetime=../2019-12-31", 200, ""},
		{"datetime=2014-01-01/..", 200, ""},
		{"datetime=/2019-12-31", 200, ""},
		{"datetime=yesterday", 400, "datetime"},
		{"datetime=2019-02-30", 400, "datetime"},
		{"datetime=0001-01-01", 400, "datetime"},
		{"datetime=1799-12-31T23:00:00Z", 400, "datetime"},
		{"datetime=1800-01-01/2201-01-01", 400, "datetime"},
		{"datetime=../..", 400, "datetime"},
		{"datetime=2019-12-31/2014-01-01", 400, "datetime"},
		{"datetime=2014/2015/2016", 400, "datetime"},
		{"status=ceded", 200, ""},
		{"status=sold", 400, "status"},
		{"geometry_quality=approximate", 200, ""},
		{"geometry_quality=good", 400, "geometry_quality"},
		{"department=Eau%20de%20Paris", 200, ""},
		{"site_id=cpcu-ivry", 200, ""},
		{"site_id=a%00b", 400, "site_id"},     // text PostgreSQL cannot hold: NUL
		{"department=%FF", 400, "department"}, // or bytes that are not UTF-8
		{"after=%00", 400, "after"},
		{"before=%FF", 400, "before"},
		{"after=a", 200, ""},
		{"before=z", 200, ""},
		{"after=", 400, "after"},
		{"after=a&before=z", 400, "before"},
		{"kind=study", 400, "kind"}, // a filter of events, not of sites
		{"foo=bar", 400, "foo"},
		{"f=html", 400, "f"},
	} {
		path := "/collections/sites/items?" + tc.query
		resp, body := get(t, srv, path)
		if tc.status != http.StatusOK {
			ogcWantProblem(t, resp, body, tc.status, tc.param)
			continue
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mediaGeoJSON {
			t.Errorf("GET %s: %d %s; want 200 GeoJSON\n%s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			continue
		}
		var fc ogcFC
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Errorf("GET %s: %v", path, err)
		}
	}
	for _, tc := range []struct {
		path   string
		status int
		param  string
	}{
		{"/collections/events/items?kind=study&planned=true&site_id=cpcu-ivry", 200, ""},
		{"/collections/events/items?kind=sale", 400, "kind"},
		{"/collections/events/items?planned=yes", 400, "planned"},
		{"/collections/events/items?after=abc", 400, "after"},
		{"/collections/events/items?status=ceded", 400, "status"},
		{"/collections/parcels/items?site_id=cpcu-ivry&part_id=cpcu-ivry-chaufferie", 200, ""},
		{"/collections/parcels/items?datetime=2014-01-01", 200, ""},
		{"/collections/boundaries/items?site_id=x", 400, "site_id"},
		{"/collections/parcels/items?part_id=%00", 400, "part_id"},
		{"/collections/events/items?part_id=%FF", 400, "part_id"},
		{"/collections/sites/items/a%00b", 404, ""},
		{"/collections/parcels/items/%FF", 404, ""},
		{"/collections/sites/items/cpcu-ivry-chaufferie?limit=3", 400, "limit"},
		{"/collections/sites/items/cpcu-ivry-chaufferie?crs=EPSG:9999", 400, "crs"},
		{"/collections?limit=3", 400, "limit"},
		{"/conformance?f=html", 400, "f"},
	} {
		resp, body := get(t, srv, tc.path)
		if tc.status != http.StatusOK {
			ogcWantProblem(t, resp, body, tc.status, tc.param)
		} else if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d; want 200\n%s", tc.path, resp.StatusCode, body)
		}
	}
}

// ogcPageThrough follows the next links from path and returns the ids of every feature, and
// the pages' sizes.
func ogcPageThrough(t *testing.T, srv *httptest.Server, path, rel string) (ids []string, sizes []int, matched int) {
	t.Helper()
	for pages := 0; path != ""; pages++ {
		if pages > 1000 {
			t.Fatalf("more than 1000 pages from %s", path)
		}
		var fc ogcFC
		ogcGet(t, srv, path, http.StatusOK, mediaGeoJSON, &fc)
		if fc.NumberReturned == nil || *fc.NumberReturned != len(fc.Features) || fc.NumberMatched == nil {
			t.Fatalf("GET %s: numberReturned %v for %d features, numberMatched %v", path, fc.NumberReturned, len(fc.Features), fc.NumberMatched)
		}
		if ts, err := time.Parse(time.RFC3339, fc.TimeStamp); err != nil || time.Since(ts) > time.Minute {
			t.Errorf("GET %s: timeStamp %q", path, fc.TimeStamp)
		}
		if self, ok := ogcFindLink(fc.Links, "self"); !ok || self.Type != mediaGeoJSON || ogcRelPath(t, srv, self.Href) != path {
			t.Errorf("GET %s: self link %+v", path, self)
		}
		matched = *fc.NumberMatched
		var page []string
		for _, f := range fc.Features {
			page = append(page, f.id())
		}
		if rel == "prev" {
			ids = append(page, ids...)
		} else {
			ids = append(ids, page...)
		}
		sizes = append(sizes, len(page))
		path = ""
		if l, ok := ogcFindLink(fc.Links, rel); ok {
			if l.Type != mediaGeoJSON {
				t.Errorf("%s link %+v; want type %s", rel, l, mediaGeoJSON)
			}
			path = ogcRelPath(t, srv, l.Href)
		}
	}
	return ids, sizes, matched
}

// TestOGCItemsPaging pages through every collection with small pages, forward by the next
// links and back by the prev links, and finds exactly the features of one big page.
func TestOGCItemsPaging(t *testing.T) {
	t.Parallel()
	srv, _ := newOGCServer(t, 23)
	for _, tc := range []struct {
		collection string
		limit      int
		filter     string
		min        int
	}{
		{"sites", 3, "", 20},
		{"sites", 4, "&datetime=2014-01-01&status=in_use", 5},
		{"parcels", 5, "", 23},
		{"parcels", 2, "&bbox=653000,6855000,660000,6860000&bbox-crs=EPSG:2154", 23},
		{"events", 7, "", 40},
		{"events", 3, "&planned=true", 2},
		{"boundaries", 1, "", 1},
	} {
		base := "/collections/" + tc.collection + "/items?"
		var all ogcFC
		ogcGet(t, srv, base+"limit=10000"+tc.filter, http.StatusOK, mediaGeoJSON, &all)
		var want []string
		for _, f := range all.Features {
			want = append(want, f.id())
		}
		if len(want) < tc.min || *all.NumberMatched != len(want) {
			t.Errorf("%s%s: %d features, numberMatched %d; want at least %d, all matched", base, tc.filter, len(want), *all.NumberMatched, tc.min)
		}
		if _, ok := ogcFindLink(all.Links, "next"); ok {
			t.Errorf("%s: a next link after the only page", base)
		}
		ids, sizes, matched := ogcPageThrough(t, srv, base+"limit="+strconv.Itoa(tc.limit)+tc.filter, "next")
		if !slices.Equal(ids, want) || matched != len(want) {
			t.Errorf("%s limit=%d%s: paged ids %v (matched %d); want %v", tc.collection, tc.limit, tc.filter, ids, matched, want)
		}
		for i, n := range sizes {
			if n > tc.limit || (n < tc.limit && i < len(sizes)-1) || (n == 0 && len(want) > 0) {
				t.Errorf("%s limit=%d: page sizes %v", tc.collection, tc.limit, sizes)
				break
			}
		}
		// Back from the last page by the prev links.
		if len(want) > tc.limit {
			last := want[len(want)-1]
			start := base + url.Values{"limit": {strconv.Itoa(tc.limit)}, "before": {"zzzzzzzzzzzzzzzzzzzz"}}.Encode() + tc.filter
			if tc.collection == "events" {
				start = base + "limit=" + strconv.Itoa(tc.limit) + "&before=999999999" + tc.filter
			}
			back, _, _ := ogcPageThrough(t, srv, start, "prev")
			if !slices.Equal(back, want) || back[len(back)-1] != last {
				t.Errorf("%s limit=%d%s: paged back %v; want %v", tc.collection, tc.limit, tc.filter, back, want)
			}
		}
	}
}

// TestOGCItemsAsOf reads the portfolio on different days: the parts ceded since 2014 change
// status, and parts did not exist before their first status.
func TestOGCItemsAsOf(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	status := func(query string) map[string]string {
		var fc ogcFC
		ogcGet(t, srv, "/collections/sites/items?limit=1000&"+query, http.StatusOK, mediaGeoJSON, &fc)
		got := map[string]string{}
		for _, f := range fc.Features {
			got[f.id()] = f.Properties["status"].(string)
		}
		return got
	}
	const triangle = "triangle-cours-sud-emprise"
	then, now := status("datetime=2014-01-01"), status("")
	if then[triangle] != "in_use" || now[triangle] != "ceded" {
		t.Errorf("%s: %q on 2014-01-01, %q today; want in_use, then ceded", triangle, then[triangle], now[triangle])
	}
	if got := status("datetime=" + site.Today().Format(time.DateOnly)); !ogcEqualMaps(got, now) {
		t.Errorf("datetime=today gives %v; no datetime gives %v", got, now)
	}
	if got := status("datetime=2017-06-01T10:00:00%2B02:00"); got[triangle] != "disposal_in_progress" {
		t.Errorf("%s on 2017-06-01: %q; want disposal_in_progress", triangle, got[triangle])
	}
	// An interval shows each part in the last status it held in it.
	if got := status("datetime=2014-01-01/2018-12-31"); got[triangle] != "disposal_in_progress" {
		t.Errorf("%s in 2014–2018: %q; want disposal_in_progress", triangle, got[triangle])
	}
	if got := status("datetime=../2005-12-31"); len(got) != 0 {
		t.Errorf("before 2006: %v; want no part", got)
	}
	ceded := status("status=ceded")
	if _, ok := ceded[triangle]; !ok || len(ceded) == 0 {
		t.Errorf("status=ceded today: %v; want %s among them", ceded, triangle)
	}
	for id, st := range ceded {
		if st != "ceded" {
			t.Errorf("status=ceded gave %s in status %s", id, st)
		}
	}
	if got := status("status=ceded&datetime=2014-01-01"); len(got) >= len(ceded) {
		t.Errorf("ceded on 2014-01-01: %v; want fewer than today's %v", got, ceded)
	}
	// Events: those whose date (a period of its precision) meets the interval.
	var fc ogcFC
	ogcGet(t, srv, "/collections/events/items?limit=1000&datetime=2019-01-01/2019-12-31", http.StatusOK, mediaGeoJSON, &fc)
	if len(fc.Features) == 0 {
		t.Errorf("no event in 2019")
	}
	for _, f := range fc.Features {
		start, end := f.Properties["date_start"].(string), f.Properties["date_end"].(string)
		if end < "2019-01-01" || start > "2019-12-31" {
			t.Errorf("event %s (%s–%s) is not in 2019", f.id(), start, end)
		}
	}
}

func ogcEqualMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// ogcRingArea is the signed area of a ring: positive when counter-clockwise in x/y.
func ogcRingArea(ring [][]float64) float64 {
	var a float64
	for i := 0; i+1 < len(ring); i++ {
		a += ring[i][0]*ring[i+1][1] - ring[i+1][0]*ring[i][1]
	}
	return a / 2
}

// ogcDecimals is the number of decimals a coordinate was written with.
func ogcDecimals(v float64) int {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// TestOGCItemsCRS writes the same part in the three CRS: longitude first in CRS84, latitude
// first in EPSG:4326, Lambert-93 metres; counter-clockwise outer rings; 7 decimals of a
// degree, 2 of a metre; the Content-Crs header.
func TestOGCItemsCRS(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	const part = "cpcu-ivry-chaufferie"
	for _, tc := range []struct {
		crs              string
		xMin, xMax       float64
		yMin, yMax       float64
		decimals         int
		counterClockwise bool
	}{
		{site.CRS84.URI, 2.34, 2.43, 48.79, 48.84, 7, true},
		{site.EPSG4326.URI, 48.79, 48.84, 2.34, 2.43, 7, false}, // axes swapped: the same ring turns the other way
		{site.Lambert93.URI, 650000, 660000, 6855000, 6865000, 2, true},
	} {
		for _, path := range []string{
			"/collections/sites/items?site_id=cpcu-ivry&crs=" + url.QueryEscape(tc.crs),
			"/collections/sites/items/" + part + "?crs=" + url.QueryEscape(tc.crs),
		} {
			var f ogcFeature
			resp, body := get(t, srv, path)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Crs") != "<"+tc.crs+">" ||
				resp.Header.Get("Content-Type") != mediaGeoJSON {
				t.Fatalf("GET %s: %d, Content-Crs %q, Content-Type %q", path, resp.StatusCode, resp.Header.Get("Content-Crs"), resp.Header.Get("Content-Type"))
			}
			if strings.Contains(path, "/items?") {
				var fc ogcFC
				if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) != 1 {
					t.Fatalf("GET %s: %v, %d features", path, err, len(fc.Features))
				}
				f = fc.Features[0]
			} else if err := json.Unmarshal(body, &f); err != nil {
				t.Fatal(err)
			}
			if f.id() != part || f.Geometry == nil || f.Geometry.Type != "MultiPolygon" {
				t.Fatalf("GET %s: feature %s with geometry %+v", path, f.id(), f.Geometry)
			}
			ring := f.Geometry.Coordinates[0][0]
			for _, c := range ring {
				if c[0] < tc.xMin || c[0] > tc.xMax || c[1] < tc.yMin || c[1] > tc.yMax {
					t.Errorf("GET %s: position %v outside %v–%v, %v–%v", path, c, tc.xMin, tc.xMax, tc.yMin, tc.yMax)
				}
				if ogcDecimals(c[0]) > tc.decimals || ogcDecimals(c[1]) > tc.decimals {
					t.Errorf("GET %s: position %v has more than %d decimals", path, c, tc.decimals)
				}
			}
			if ccw := ogcRingArea(ring) > 0; ccw != tc.counterClockwise {
				t.Errorf("GET %s: outer ring counter-clockwise = %v; want %v", path, ccw, tc.counterClockwise)
			}
		}
	}
}

// TestOGCItemsBBox finds a part by a box around it, in each bbox-crs, and nothing far away.
func TestOGCItemsBBox(t *testing.T) {
	t.Parallel()
	srv, _ := newOGCServer(t, 10)
	var f ogcFeature
	ogcGet(t, srv, "/collections/sites/items/cpcu-ivry-chaufferie", http.StatusOK, mediaGeoJSON, &f)
	ring := f.Geometry.Coordinates[0][0]
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var cx, cy float64
	for _, c := range ring[1:] {
		minX, minY, maxX, maxY = min(minX, c[0]), min(minY, c[1]), max(maxX, c[0]), max(maxY, c[1])
		cx, cy = cx+c[0]/float64(len(ring)-1), cy+c[1]/float64(len(ring)-1)
	}
	var l93 ogcFeature
	ogcGet(t, srv, "/collections/sites/items/cpcu-ivry-chaufferie?crs=EPSG:2154", http.StatusOK, mediaGeoJSON, &l93)
	c := l93.Geometry.Coordinates[0][0][0]
	ids := func(query string) []string {
		var fc ogcFC
		ogcGet(t, srv, "/collections/sites/items?limit=1000&"+query, http.StatusOK, mediaGeoJSON, &fc)
		var ids []string
		for _, f := range fc.Features {
			ids = append(ids, f.id())
		}
		if *fc.NumberMatched != len(ids) {
			t.Errorf("%s: numberMatched %d for %d features", query, *fc.NumberMatched, len(ids))
		}
		return ids
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	// A box of a metre or so in the middle of the part.
	const d = 1e-5
	for _, query := range []string{
		"bbox=" + g(cx-d) + "," + g(cy-d) + "," + g(cx+d) + "," + g(cy+d),
		"bbox-crs=" + url.QueryEscape(site.EPSG4326.URI) + "&bbox=" + g(cy-d) + "," + g(cx-d) + "," + g(cy+d) + "," + g(cx+d),
		"bbox-crs=EPSG:2154&bbox=" + g(c[0]-1) + "," + g(c[1]-1) + "," + g(c[0]+1) + "," + g(c[1]+1),
	} {
		if got := ids(query); !slices.Contains(got, "cpcu-ivry-chaufferie") || len(got) > 3 {
			t.Errorf("%s: %v; want cpcu-ivry-chaufferie (and at most overlapping parts)", query, got)
		}
	}
	if got := ids("bbox=4.8,45.7,4.9,45.8"); len(got) != 0 {
		t.Errorf("a box in Lyon: %v; want nothing", got)
	}
	if got := ids("bbox=100,-80,170,-10"); len(got) != 0 {
		t.Errorf("a box in the southern hemisphere: %v; want nothing", got)
	}
	located := ids("bbox=-180,-90,180,90")
	everything := ids("")
	if len(located) == 0 || len(located) >= len(everything) {
		t.Errorf("the whole world: %d parts of %d; want every located part, not the unlocated ones", len(located), len(everything))
	}
	var fc ogcFC
	ogcGet(t, srv, "/collections/events/items?limit=1000&bbox="+g(minX)+","+g(minY)+","+g(maxX)+","+g(maxY), http.StatusOK, mediaGeoJSON, &fc)
	for _, e := range fc.Features {
		if e.Properties["site_id"] != "cpcu-ivry" && e.Geometry == nil {
			t.Errorf("event %s of %v has no geometry, yet is in the box", e.id(), e.Properties["site_id"])
		}
	}
}

// TestOGCFeature checks one site part against the seed it comes from, and the properties the
// contract lists.
func TestOGCFeature(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	ds, err := geodata.Load()
	if err != nil {
		t.Fatal(err)
	}
	properties := []string{"site_id", "name", "part_label", "address", "department", "current_use", "occupant",
		"owner", "status", "status_since", "modality", "modality_done", "counterparty", "area_m2", "declared_area_m2",
		"geometry_quality", "geometry_source", "planned_release", "actual_release", "planned_disposal", "actual_disposal"}
	checked := 0
	for _, s := range ds.Sites {
		for _, p := range s.Parts {
			var f ogcFeature
			path := "/collections/sites/items/" + p.ID
			ogcGet(t, srv, path, http.StatusOK, mediaGeoJSON, &f)
			var keys []string
			for k := range f.Properties {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			want := slices.Sorted(slices.Values(properties))
			if !slices.Equal(keys, want) {
				t.Fatalf("%s: properties %v; want %v", path, keys, want)
			}
			last := p.StatusHistory[len(p.StatusHistory)-1]
			got := f.Properties
			if f.Type != "Feature" || f.id() != p.ID || got["site_id"] != s.ID || got["name"] != s.Name ||
				got["part_label"] != p.Label || got["department"] != s.Department || got["status"] != last.Status ||
				got["status_since"] != last.From.String() || got["geometry_quality"] != p.GeometryQuality {
				t.Errorf("%s = %v; want site %s, %q, status %s since %s, quality %s", path, got, s.ID, s.Name,
					last.Status, last.From, p.GeometryQuality)
			}
			if (f.Geometry == nil) != (p.Location == nil) {
				t.Errorf("%s: geometry %v for location %v", path, f.Geometry, p.Location)
			}
			if p.Location != nil {
				if a, ok := got["area_m2"].(float64); !ok || math.Abs(a-p.Location.AreaM2) > 0.1*p.Location.AreaM2 {
					t.Errorf("%s: area_m2 %v; want about %v", path, got["area_m2"], p.Location.AreaM2)
				}
			}
			if self, ok := ogcFindLink(f.Links, "self"); !ok || self.Href != srv.URL+path || self.Type != mediaGeoJSON {
				t.Errorf("%s: self link %+v", path, self)
			}
			if coll, ok := ogcFindLink(f.Links, "collection"); !ok || coll.Href != srv.URL+"/collections/sites" {
				t.Errorf("%s: collection link %+v", path, coll)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no site part in the seed")
	}
	var e ogcFeature
	ogcGet(t, srv, "/collections/events/items/1", http.StatusOK, mediaGeoJSON, &e)
	if id, ok := e.ID.(float64); !ok || id != 1 || e.Properties["kind"] == nil || e.Properties["date"] == nil {
		t.Errorf("event 1 = %+v; want a numeric id, a kind and a date", e)
	}
	var b ogcFeature
	ogcGet(t, srv, "/collections/boundaries/items/commune-94041", http.StatusOK, mediaGeoJSON, &b)
	if b.Geometry == nil || b.Properties["name"] == nil {
		t.Errorf("the commune outline = %+v", b)
	}
}

// TestOGCItemsFilters checks that each property filter keeps exactly the matching features.
func TestOGCItemsFilters(t *testing.T) {
	t.Parallel()
	srv, _ := newOGCServer(t, 12)
	for _, tc := range []struct {
		collection, param, value string
	}{
		{"sites", "status", "under_study"},
		{"sites", "department", "Eau de Paris"},
		{"sites", "site_id", "usine-des-eaux"},
		{"sites", "geometry_quality", "unlocated"},
		{"events", "kind", "disposal"},
		{"events", "planned", "true"},
		{"events", "site_id", "cpcu-ivry"},
		{"parcels", "part_id", ""}, // the part of the first linked parcel
		{"parcels", "site_id", ""},
	} {
		var all, some ogcFC
		ogcGet(t, srv, "/collections/"+tc.collection+"/items?limit=10000", http.StatusOK, mediaGeoJSON, &all)
		for _, f := range all.Features {
			if v, ok := f.Properties[tc.param].(string); ok && tc.value == "" {
				tc.value = v
			}
		}
		path := "/collections/" + tc.collection + "/items?limit=10000&" + tc.param + "=" + url.QueryEscape(tc.value)
		ogcGet(t, srv, path, http.StatusOK, mediaGeoJSON, &some)
		matches := func(v any) bool {
			if tc.param == "planned" {
				return v == true
			}
			return v == tc.value
		}
		want := 0
		for _, f := range all.Features {
			if matches(f.Properties[tc.param]) {
				want++
			}
		}
		if len(some.Features) != want || want == 0 {
			t.Errorf("%s: %d features; want %d (and some)", path, len(some.Features), want)
		}
		for _, f := range some.Features {
			if v := f.Properties[tc.param]; !matches(v) {
				t.Errorf("%s: feature %s has %s = %v", path, f.id(), tc.param, v)
			}
		}
	}
}

// TestOGCNumberMatchedAfterWrites checks the count of an unfiltered page, which comes from
// the feature_counts row kept by triggers, against the table after inserts, deletes, a
// rolled-back write and a truncation.
func TestOGCNumberMatchedAfterWrites(t *testing.T) {
	t.Parallel()
	srv, st := newOGCServer(t, 10)
	ctx := context.Background()
	check := func(when string) {
		t.Helper()
		var want int
		if err := st.Pool().QueryRow(ctx, "SELECT count(*) FROM parcels").Scan(&want); err != nil {
			t.Fatal(err)
		}
		for _, query := range []string{"limit=2", "limit=2&after=0", "limit=2&datetime=2014-01-01"} {
			var fc ogcFC
			ogcGet(t, srv, "/collections/parcels/items?"+query, http.StatusOK, mediaGeoJSON, &fc)
			if *fc.NumberMatched != want {
				t.Errorf("%s, ?%s: numberMatched %d; want %d", when, query, *fc.NumberMatched, want)
			}
		}
	}
	check("after seeding")
	exec := func(sql string) {
		t.Helper()
		if _, err := st.Pool().Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO parcels (id, contenance_m2) SELECT '94041000ZZ' || lpad(g::text, 4, '0'), 10 FROM generate_series(1, 5) g`)
	check("after inserting 5")
	exec(`DELETE FROM parcels WHERE id IN (SELECT id FROM parcels ORDER BY id LIMIT 3)`)
	check("after deleting 3")
	tx, err := st.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM parcels`); err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	check("after a rolled-back delete")
	// Only the schema's owner may TRUNCATE; the count follows all the same.
	if _, err := pgtest.OwnerPool(t, st.Pool()).Exec(ctx, `TRUNCATE parcels`); err != nil {
		t.Fatalf("TRUNCATE parcels: %v", err)
	}
	check("after TRUNCATE")
}

// TestQueryablesAsParameters: every queryable property is a query parameter selecting the
// features equal to a value, in the form GDAL sends it (booleans as 1/0, a day with a
// trailing T); a confidential property is no filter for whom may not see it.
func TestQueryablesAsParameters(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	matched := func(role auth.Role, path string) (int, float64) {
		t.Helper()
		var resp *http.Response
		var body []byte
		if role == auth.Anonymous {
			resp, body = e.call(t, "GET", path, nil)
		} else {
			resp, body = e.as(t, role, "GET", path, "")
		}
		var page struct{ NumberMatched float64 }
		json.Unmarshal(body, &page)
		return resp.StatusCode, page.NumberMatched
	}
	count := func(query string) float64 {
		var n float64
		if err := e.st.Pool().QueryRow(t.Context(), query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	planned := count(`SELECT count(*) FROM events e JOIN sites s ON s.id = e.site_id AND s.deleted_at IS NULL WHERE e.deleted_at IS NULL AND e.planned`)
	for _, tt := range []struct {
		role   auth.Role
		path   string
		status int
		want   float64
	}{
		{auth.Anonymous, "/collections/events/items?planned=1", 200, planned},
		{auth.Anonymous, "/collections/events/items?planned=true", 200, planned},
		{auth.Anonymous, "/collections/events/items?planned=yes", 400, 0},
		{auth.Anonymous, "/collections/parcels/items?geometry_quality=cadastre", 200, count(`SELECT count(*) FROM parcels WHERE geom IS NOT NULL`)},
		{auth.Anonymous, "/collections/sites/items?modality_done=true", 200,
			count(`SELECT count(*) FROM part_states_on((now() AT TIME ZONE 'Europe/Paris')::date) h JOIN site_parts p ON p.id = h.part_id JOIN sites s ON s.id = p.site_id WHERE s.modality_done`)},
		{auth.Anonymous, "/collections/events/items?date_start=2019-01-01", 200, count(`SELECT count(*) FROM events WHERE deleted_at IS NULL AND date_start = '2019-01-01'`)},
		{auth.Anonymous, "/collections/events/items?amount_eur=27000000", 400, 0},
		{auth.Viewer, "/collections/events/items?amount_eur=27000000", 200, count(`SELECT count(*) FROM events WHERE deleted_at IS NULL AND amount_eur = 27000000`)},
		{auth.Anonymous, "/collections/sites/items?datetime=2014-01-01T", 200, count(`SELECT count(*) FROM part_states_on('2014-01-01')`)},
	} {
		status, n := matched(tt.role, tt.path)
		if status != tt.status || status == 200 && n != tt.want {
			t.Errorf("GET %s as %q: %d, %v matched; want %d, %v", tt.path, tt.role, status, n, tt.status, tt.want)
		}
	}
}
