package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/emprises/emprises/internal/cadastre"
	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// importSynthetic loads a synthetic cadastre of n parcels over Ivry.
func importSynthetic(t *testing.T, st *store.Store, n int) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := synth.Generate(zw, synth.GenOptions{Parcels: n, Seed: 11}); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	r, err := cadastre.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportCadastre(t.Context(), store.CommandLine("test"), r, store.CadastreImport{
		FileName: "test.json.gz", SHA256: strings.Repeat("a", 64)}); err != nil {
		t.Fatalf("ImportCadastre: %v", err)
	}
}

// tileOf is the tile at zoom z over the centre of a parcel (or part) given by an SQL query
// returning its WGS84 centre.
func tileOf(t *testing.T, st *store.Store, z maptile.Zoom, query string, args ...any) maptile.Tile {
	t.Helper()
	var lon, lat float64
	if err := st.Pool().QueryRow(t.Context(), query, args...).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	return maptile.At(orb.Point{lon, lat}, z)
}

func decodeTile(t *testing.T, path string, body []byte) mvt.Layers {
	t.Helper()
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("GET %s: not a vector tile: %v", path, err)
	}
	return layers
}

func TestParcelTiles(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	importSynthetic(t, st, 2000)
	const parcel = "940410000A0001"
	tile := tileOf(t, st, 17, `
		SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS c
		                                FROM parcels WHERE id = $1) p`, parcel)
	path := fmt.Sprintf("/tiles/parcels/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)

	resp, body := get(t, srv, path)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("GET %s: %d %q; want 200 application/vnd.mapbox-vector-tile", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Errorf("GET %s: ETag %q, Cache-Control %q; want both", path, etag, resp.Header.Get("Cache-Control"))
	}
	layers := decodeTile(t, path, body)
	if len(layers) != 1 || layers[0].Name != "parcels" || len(layers[0].Features) == 0 {
		t.Fatalf("GET %s: layers %v; want one non-empty layer \"parcels\"", path, layers)
	}
	found := false
	for _, f := range layers[0].Features {
		id, _ := f.Properties["id"].(string)
		if _, err := site.ParseParcelID(id); err != nil {
			t.Errorf("feature id %v: %v", f.Properties["id"], err)
		}
		if _, ok := f.Properties["contenance"]; !ok && id == parcel {
			t.Errorf("parcel %s has no contenance in the tile: %v", id, f.Properties)
		}
		if _, ok := f.Properties["part_id"]; ok {
			t.Errorf("parcel %s has a part_id before any link: %v", id, f.Properties)
		}
		found = found || id == parcel
	}
	if !found {
		t.Errorf("GET %s: parcel %s missing", path, parcel)
	}

	// Revalidation: 304 with the same ETag, until a link changes the parcels.
	resp, _ = get(t, srv, path, "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET %s with If-None-Match: %d; want 304", path, resp.StatusCode)
	}
	var part string
	if err := st.Pool().QueryRow(t.Context(), `SELECT id FROM site_parts ORDER BY id LIMIT 1`).Scan(&part); err != nil {
		t.Fatal(err)
	}
	if _, err := st.LinkParcels(t.Context(), store.CommandLine("test"), part, store.AnyVersion, store.ParcelLink{IDs: []site.ParcelID{parcel}}); err != nil {
		t.Fatal(err)
	}
	resp, body = get(t, srv, path, "If-None-Match", etag)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Fatalf("GET %s after a link: %d, ETag %q; want 200 with a new ETag", path, resp.StatusCode, resp.Header.Get("ETag"))
	}
	for _, f := range decodeTile(t, path, body)[0].Features {
		if f.Properties["id"] == parcel && f.Properties["part_id"] != part {
			t.Errorf("parcel %s: part_id %v; want %q", parcel, f.Properties["part_id"], part)
		}
	}

	// Below zoom 15, and away from any parcel: nothing.
	for _, p := range []string{"/tiles/parcels/14/8300/5640.mvt", "/tiles/parcels/17/0/0.mvt"} {
		if resp, body := get(t, srv, p); resp.StatusCode != http.StatusNoContent || len(body) != 0 {
			t.Errorf("GET %s: %d with %d bytes; want 204", p, resp.StatusCode, len(body))
		}
	}
}

func TestSiteTiles(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	var part string
	tile := tileOf(t, st, 15, `
		SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS c, id
		                                FROM site_parts WHERE geom IS NOT NULL ORDER BY id LIMIT 1) p`)
	if err := st.Pool().QueryRow(t.Context(), `SELECT id FROM site_parts WHERE geom IS NOT NULL ORDER BY id LIMIT 1`).Scan(&part); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/tiles/sites/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
	resp, body := get(t, srv, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d; want 200", path, resp.StatusCode)
	}
	layers := decodeTile(t, path, body)
	if len(layers) != 1 || layers[0].Name != "sites" {
		t.Fatalf("GET %s: layers %v; want \"sites\"", path, layers)
	}
	found := false
	for _, f := range layers[0].Features {
		for _, key := range []string{"part_id", "site_id", "name", "label", "status", "quality"} {
			if _, ok := f.Properties[key]; !ok {
				t.Errorf("feature %v has no %s", f.Properties, key)
			}
		}
		found = found || f.Properties["part_id"] == part
	}
	if !found {
		t.Errorf("GET %s: part %s missing", path, part)
	}
	resp, _ = get(t, srv, path, "If-None-Match", resp.Header.Get("ETag"))
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET %s with If-None-Match: %d; want 304", path, resp.StatusCode)
	}
}

func TestTileCoordinatesAreChecked(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	tests := []struct{ path, param string }{
		{"/tiles/parcels/25/0/0.mvt", "z"},
		{"/tiles/parcels/x/0/0.mvt", "z"},
		{"/tiles/parcels/16/-1/0.mvt", "x"},
		{"/tiles/parcels/16/65536/0.mvt", "x"},
		{"/tiles/parcels/16/0/65536.mvt", "y"},
		{"/tiles/sites/2/1/4.mvt", "y"},
		{"/tiles/sites/3/+1/0.mvt", "x"},
		{"/tiles/sites/99999999999/0/0.mvt", "z"},
	}
	for _, tt := range tests {
		resp, body := get(t, srv, tt.path)
		wantProblem(t, tt.path, resp, body, http.StatusBadRequest, tt.param)
	}
	resp, body := get(t, srv, "/tiles/roads/16/0/0.mvt")
	wantProblem(t, "/tiles/roads/16/0/0.mvt", resp, body, http.StatusNotFound, "")
}

func TestTileCache(t *testing.T) {
	c := newTileCache(100)
	renders := 0
	render := func(n int) func(context.Context) ([]byte, error) {
		return func(context.Context) ([]byte, error) {
			renders++
			return bytes.Repeat([]byte{'x'}, n), nil
		}
	}
	get := func(version int64, x, n int) []byte {
		t.Helper()
		tile, err := c.get(t.Context(), version, [3]int{16, x, 0}, render(n))
		if err != nil {
			t.Fatal(err)
		}
		return tile
	}
	get(1, 1, 20)
	get(1, 1, 20)
	if renders != 1 {
		t.Errorf("%d renders of one tile; want 1", renders)
	}
	get(1, 2, 20)
	get(1, 3, 20)
	get(1, 1, 20) // the most recently used now
	get(1, 4, 20)
	get(1, 5, 20) // 100 bytes: full
	get(1, 6, 20) // the least recently used (2) goes
	renders = 0
	get(1, 1, 20)
	get(1, 2, 20)
	if renders != 1 {
		t.Errorf("after eviction, %d renders; want 1 (tile 2 only)", renders)
	}
	renders = 0
	get(2, 1, 20) // a new version of the layer
	if renders != 1 || c.version != 2 || len(c.items) != 1 {
		t.Errorf("new version: %d renders, version %d, %d tiles; want 1, 2, 1", renders, c.version, len(c.items))
	}
	get(1, 8, 20) // rendered from old data: not kept
	if len(c.items) != 1 {
		t.Errorf("a tile of an older version was kept")
	}
	if tile := get(2, 7, 60); len(tile) != 60 || len(c.items) != 1 {
		t.Errorf("a tile larger than a quarter of the cache: %d bytes, %d tiles kept; want it served, not kept", len(tile), len(c.items))
	}
}
