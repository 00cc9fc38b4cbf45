package httpapi

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/singleflight"
)

// Vector tiles (Mapbox Vector Tile 2.1, Web Mercator XYZ scheme) for the map:
//
//	/tiles/parcels/{z}/{x}/{y}.mvt  layer "parcels": id, contenance, part_id (absent when unlinked)
//	/tiles/sites/{z}/{x}/{y}.mvt    layer "sites": part_id, site_id, name, label, status, quality
//
// /tiles/parcels.json and /tiles/sites.json describe them as TileJSON (tilejson.go).
// A tile with nothing in it is answered 204 No Content. Parcels are drawn from zoom
// MinParcelZoom on; below it every parcel tile is empty. Tiles carry an ETag and
// Cache-Control so that browsers, proxies and CDNs keep them, and If-None-Match is
// answered 304.

// Tile zoom bounds and caching.
const (
	// MinParcelZoom is the first zoom level with parcels: below it a tile of Ivry would
	// hold tens of thousands of them, too small to see.
	MinParcelZoom = 15
	// MaxTileZoom is the deepest zoom served, far below a parcel's size.
	MaxTileZoom = 24
	// Parcels change with an import or a link, rarely; site parts with every edit, so
	// their tiles are kept a shorter time.
	parcelTileCache = "public, max-age=300"
	siteTileCache   = "public, max-age=60"
	mvtContentType  = "application/vnd.mapbox-vector-tile"
)

// parcelTileMemory bounds the rendered parcel tiles kept in memory.
const parcelTileMemory = 64 << 20

// handleParcelTile serves parcels tiles. Their ETag comes from the parcels layer's version
// (any write to parcels moves it on), so a revalidation costs one tiny query, not a tile;
// and the tiles of the current version are kept in memory once rendered: a z16 tile of a
// real cadastre (a couple of hundred parcels) takes PostGIS a few milliseconds, but one
// holding thousands of parcels takes hundreds.
func (s *Server) handleParcelTile(cache *tileCache) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		z, x, y, ok := tileCoords(w, r)
		if !ok {
			return
		}
		if z < MinParcelZoom {
			serveTile(w, r, nil, `"parcels-none"`, parcelTileCache)
			return
		}
		version, err := s.store.ParcelLayerVersion(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		etag := fmt.Sprintf(`"parcels-%d-%d-%d-%d"`, version, z, x, y)
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			notModified(w, etag, parcelTileCache)
			return
		}
		tile, err := cache.get(r.Context(), version, [3]int{z, x, y}, func(ctx context.Context) ([]byte, error) {
			return s.store.ParcelTile(ctx, z, x, y)
		})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		serveTile(w, r, tile, etag, parcelTileCache)
	}
}

// tileCache keeps the most recently used tiles of one layer version, up to a number of
// bytes. Concurrent requests for a tile not yet rendered wait for one rendering.
type tileCache struct {
	mu      sync.Mutex
	version int64
	max     int
	size    int
	order   *list.List // of *cachedTile, most recently used first
	items   map[[3]int]*list.Element
	renders singleflight.Group

	hits, misses atomic.Int64 // for /metrics
}

type cachedTile struct {
	key  [3]int
	tile []byte
}

func newTileCache(max int) *tileCache {
	return &tileCache{max: max, order: list.New(), items: map[[3]int]*list.Element{}}
}

// get returns the tile key of the given layer version, rendering it if needed. A newer
// version empties the cache.
func (c *tileCache) get(ctx context.Context, version int64, key [3]int, render func(context.Context) ([]byte, error)) ([]byte, error) {
	if tile, ok := c.lookup(version, key); ok {
		c.hits.Add(1)
		return tile, nil
	}
	c.misses.Add(1)
	name := fmt.Sprintf("%d/%d/%d/%d", version, key[0], key[1], key[2])
	ch := c.renders.DoChan(name, func() (any, error) {
		// The rendering serves every waiting request: it must not end with the first.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		tile, err := render(rctx)
		if err == nil {
			c.store(version, key, tile)
		}
		return tile, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]byte), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *tileCache) lookup(version int64, key [3]int) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version != c.version {
		return nil, false
	}
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cachedTile).tile, true
}

func (c *tileCache) store(version int64, key [3]int, tile []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.version:
		return // rendered from data already replaced
	case version > c.version:
		c.version, c.size = version, 0
		c.order.Init()
		clear(c.items)
	}
	if _, ok := c.items[key]; ok || len(tile) > c.max/4 {
		return
	}
	c.items[key] = c.order.PushFront(&cachedTile{key: key, tile: tile})
	c.size += len(tile)
	for c.size > c.max {
		old := c.order.Remove(c.order.Back()).(*cachedTile)
		delete(c.items, old.key)
		c.size -= len(old.tile)
	}
}

// handleSiteTile serves a sites tile. Site parts are few and edited by many paths, so the
// ETag is a digest of the tile itself: always right, whoever changed what.
func (s *Server) handleSiteTile(w http.ResponseWriter, r *http.Request) {
	z, x, y, ok := tileCoords(w, r)
	if !ok {
		return
	}
	tile, err := s.store.SiteTile(r.Context(), z, x, y)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum := sha256.Sum256(tile)
	serveTile(w, r, tile, `"sites-`+hex.EncodeToString(sum[:12])+`"`, siteTileCache)
}

// serveTile answers a tile, 204 when empty, 304 when the client holds it already.
func serveTile(w http.ResponseWriter, r *http.Request, tile []byte, etag, cacheControl string) {
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		notModified(w, etag, cacheControl)
		return
	}
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if len(tile) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Content-Type", mvtContentType)
	h.Set("Content-Length", strconv.Itoa(len(tile)))
	w.WriteHeader(http.StatusOK)
	w.Write(tile) //nolint:errcheck // the client is gone if this fails
}

func notModified(w http.ResponseWriter, etag, cacheControl string) {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", cacheControl)
	w.WriteHeader(http.StatusNotModified)
}

// etagMatches implements If-None-Match's weak comparison: a list of entity tags, or "*".
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// tileCoords reads z, x and y from the path, answering 400 naming the one that is wrong.
func tileCoords(w http.ResponseWriter, r *http.Request) (z, x, y int, ok bool) {
	z, err := tileNumber(chi.URLParam(r, "z"), MaxTileZoom)
	if err != nil {
		paramError(w, "z", "zoom %q must be a whole number from 0 to %d", chi.URLParam(r, "z"), MaxTileZoom)
		return 0, 0, 0, false
	}
	n := 1<<z - 1
	if x, err = tileNumber(chi.URLParam(r, "x"), n); err != nil {
		paramError(w, "x", "column %q must be a whole number from 0 to %d at zoom %d", chi.URLParam(r, "x"), n, z)
		return 0, 0, 0, false
	}
	if y, err = tileNumber(chi.URLParam(r, "y"), n); err != nil {
		paramError(w, "y", "row %q must be a whole number from 0 to %d at zoom %d", chi.URLParam(r, "y"), n, z)
		return 0, 0, 0, false
	}
	return z, x, y, true
}

// tileNumber parses a tile coordinate: decimal digits only, from 0 to max.
func tileNumber(s string, max int) (int, error) {
	if s == "" || len(s) > 9 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > max {
		return 0, strconv.ErrRange
	}
	return n, nil
}
