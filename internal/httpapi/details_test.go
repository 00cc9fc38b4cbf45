package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

// TestCacheControlFollowsTheReader: an anonymous answer of a public service keeps its own
// caching rule; an answer to a signed-in caller, and every answer of a private service, is
// private for shared caches.
func TestCacheControlFollowsTheReader(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const tile = "/tiles/sites/14/8301/5639.mvt"
	for _, tt := range []struct {
		path    string
		role    auth.Role
		private bool
	}{
		{tile, auth.Anonymous, false},
		{tile, auth.Viewer, true},
		{"/collections/events/items?limit=5", auth.Viewer, true},
		{"/api/sites/usine-des-eaux", auth.Viewer, true},
		{"/api/sites/usine-des-eaux", auth.Anonymous, false},
	} {
		var resp *http.Response
		if tt.role == auth.Anonymous {
			resp, _ = e.call(t, "GET", tt.path, nil)
		} else {
			resp, _ = e.as(t, tt.role, "GET", tt.path, "")
		}
		cc := resp.Header.Get("Cache-Control")
		if got := strings.Contains(cc, "private") || strings.Contains(cc, "no-store"); got != tt.private {
			t.Errorf("GET %s as %q: Cache-Control %q; private %v, want %v", tt.path, tt.role, cc, got, tt.private)
		}
		if strings.Contains(cc, "public") && tt.private {
			t.Errorf("GET %s as %q: Cache-Control %q says public", tt.path, tt.role, cc)
		}
	}
	if cc := func() string { resp, _ := e.call(t, "GET", tile, nil); return resp.Header.Get("Cache-Control") }(); !strings.Contains(cc, "public") {
		t.Errorf("anonymous tile: Cache-Control %q; want public, for proxies and CDNs", cc)
	}
	p := newEditEnv(t, Config{Private: true})
	for _, path := range []string{tile, "/tiles/parcels/16/33209/22560.mvt", "/collections/sites/items?limit=1"} {
		resp, body := p.as(t, auth.Viewer, "GET", path, "")
		if resp.StatusCode >= 300 {
			t.Fatalf("GET %s in private mode: %d %s", path, resp.StatusCode, body)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || strings.Contains(cc, "public") {
			t.Errorf("GET %s in private mode: Cache-Control %q; want private, never public", path, cc)
		}
	}
}

// TestAccessLog: one line per request with method, path, status, bytes, duration and user,
// and never the query string or a credential.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	var buf bytes.Buffer
	srv := httptest.NewServer(NewServer(e.st, Config{}, slog.New(slog.NewJSONHandler(&buf, nil))))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/sites/cpcu-ivry?date=2020-01-01", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[auth.Viewer])
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var line map[string]any
	found := 0
	for _, l := range bytes.Split(buf.Bytes(), []byte("\n")) {
		if json.Unmarshal(l, &line) != nil || line["msg"] != "request" {
			continue
		}
		found++
		if line["method"] != "GET" || line["path"] != "/api/sites/cpcu-ivry" || line["status"] != float64(200) ||
			line["user"] != "victor" || line["bytes"].(float64) <= 0 || line["duration"] == nil {
			t.Errorf("access log line %v; want GET /api/sites/cpcu-ivry 200, its bytes, duration and user victor", line)
		}
	}
	if found != 1 {
		t.Errorf("%d access log lines for one request; want 1:\n%s", found, buf.String())
	}
	if strings.Contains(buf.String(), e.tokens[auth.Viewer]) || strings.Contains(buf.String(), "date=2020") {
		t.Errorf("the log holds the token or the query string:\n%s", buf.String())
	}
}

// TestDeletedSiteGoneFromParcels: once a site is deleted, its parts' parcels show no site
// and no part in the parcels collection and tiles, and the extents no longer cover it.
func TestDeletedSiteGoneFromParcels(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	ctx := t.Context()
	const part, parcel = "cpcu-ivry-chaufferie", "94041000ZZ0001"
	if _, err := e.st.Pool().Exec(ctx, `
INSERT INTO parcels (id, contenance_m2, geom, source)
SELECT $1, 100, ST_Multi(ST_Buffer(ST_PointOnSurface(geom), 5, 'quad_segs=1')), 'test' FROM site_parts WHERE id = $2`, parcel, part); err != nil {
		t.Fatal(err)
	}
	e.edit(t, "POST", "/api/parts/"+part+"/parcels", "cpcu-ivry", `{"ids":["`+parcel+`"],"reason":"r"}`)
	read := func() (feature map[string]any, matched float64) {
		resp, body := e.call(t, "GET", "/collections/parcels/items/"+parcel, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET parcel: %d %s", resp.StatusCode, body)
		}
		var f struct{ Properties map[string]any }
		json.Unmarshal(body, &f)
		var page struct{ NumberMatched float64 }
		_, body = e.call(t, "GET", "/collections/parcels/items?part_id="+part, nil)
		json.Unmarshal(body, &page)
		return f.Properties, page.NumberMatched
	}
	tileParts := func() (n int) {
		tile := tileOf(t, e.st, 16, `SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) c FROM parcels WHERE id = $1) x`, parcel)
		path := fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
		_, body := e.call(t, "GET", path, nil)
		for _, l := range decodeTile(t, path, body) {
			for _, f := range l.Features {
				if f.Properties["part_id"] == part {
					n++
				}
			}
		}
		return n
	}
	extentOf := func() []any {
		var c struct {
			Extent struct{ Spatial struct{ BBox [][]any } }
		}
		_, body := e.call(t, "GET", "/collections/sites", nil)
		json.Unmarshal(body, &c)
		return c.Extent.Spatial.BBox[0]
	}
	props, matched := read()
	if props["site_id"] != "cpcu-ivry" || props["part_id"] != part || matched != 1 || tileParts() != 1 {
		t.Fatalf("before: %v, %v matched by part, %d in the tile; want the link shown", props, matched, tileParts())
	}
	before := extentOf()
	e.edit(t, "DELETE", "/api/sites/cpcu-ivry", "cpcu-ivry", `{"reason":"doublon"}`)
	props, matched = read()
	if props["site_id"] != nil || props["part_id"] != nil || props["site_name"] != nil || matched != 0 {
		t.Errorf("after the delete: %v, %v matched by part; want no site, no part", props, matched)
	}
	if n := tileParts(); n != 0 {
		t.Errorf("after the delete the parcel tile still names the part (%d)", n)
	}
	var want [4]float64
	if err := e.st.Pool().QueryRow(ctx, `
SELECT ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM (
  SELECT ST_Transform(ST_SetSRID(ST_Extent(p.geom)::geometry, 2154), 4326) g
    FROM site_parts p JOIN sites s ON s.id = p.site_id WHERE s.deleted_at IS NULL) x`).Scan(&want[0], &want[1], &want[2], &want[3]); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) == fmt.Sprint(want) {
		t.Fatalf("deleting cpcu-ivry does not change the extent %v: the check below could not fail", want)
	}
	after := extentOf()
	for i := range want {
		if got, ok := after[i].(float64); !ok || got-want[i] > 1e-6 || want[i]-got > 1e-6 {
			t.Errorf("sites extent after the delete %v; want %v (before: %v)", after, want, before)
			break
		}
	}
}

// TestCompression: with Accept-Encoding: gzip the big responses are gzipped, say so in
// Vary, and decompress to the bytes sent without it; without it nothing changes.
func TestCompression(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	for _, path := range []string{"/collections/sites/items?limit=100", "/api/calendar.csv", "/api/sites/cpcu-ivry", "/export/sites.geojson"} {
		plainResp, plain := e.call(t, "GET", path, nil, "Accept-Encoding", "identity")
		if plainResp.Header.Get("Content-Encoding") != "" {
			t.Errorf("GET %s without gzip: Content-Encoding %q", path, plainResp.Header.Get("Content-Encoding"))
		}
		resp, body := e.call(t, "GET", path, nil, "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("GET %s with gzip: Content-Encoding %q, Vary %q; want gzip and Vary Accept-Encoding",
				path, resp.Header.Get("Content-Encoding"), resp.Header.Values("Vary"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if len(body) >= len(unzipped) {
			t.Errorf("GET %s: %d bytes gzipped for %d plain", path, len(body), len(unzipped))
		}
		// timeStamp differs between two item pages; compare the rest.
		strip := func(b []byte) string {
			return regexp.MustCompile(`"timeStamp":"[^"]*"`).ReplaceAllString(string(b), "")
		}
		if strip(unzipped) != strip(plain) {
			t.Errorf("GET %s: the gzipped body differs from the plain one", path)
		}
	}
	// Accept-Encoding read as RFC 9110 §12.5.3 says: a coding with q=0 is refused, and
	// every answer, compressed or not, tells caches that it depends on the header.
	for _, tc := range []struct {
		accept, want string
	}{
		{"gzip", "gzip"},
		{"gzip;q=0", ""},
		{"GZIP;q=0.5, identity;q=1", "gzip"},
		{"deflate, gzip;q=0", ""},
		{"br", ""},
		{"identity", ""},
	} {
		resp, _ := e.call(t, "GET", "/collections/sites/items?limit=100", nil, "Accept-Encoding", tc.accept)
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding: %s: Content-Encoding %q; want %q", tc.accept, got, tc.want)
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Accept-Encoding: %s: Vary %q; want Accept-Encoding in it", tc.accept, resp.Header.Values("Vary"))
		}
	}
}
