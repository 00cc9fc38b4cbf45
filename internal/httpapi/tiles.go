package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
)

// Vector tiles (Mapbox Vector Tile 2.1, Web Mercator XYZ scheme) for the map:
//
//	/tiles/parcels/{z}/{x}/{y}.mvt  layer "parcels": id, contenance, part_id (absent when unlinked)
//	/tiles/sites/{z}/{x}/{y}.mvt    layer "sites": part_id, site_id, name, label, status, quality
//
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

func (s *Server) mountTiles(r chi.Router) {
	r.Get("/tiles/parcels/{z}/{x}/{y}.mvt", s.handleParcelTile)
	r.Get("/tiles/sites/{z}/{x}/{y}.mvt", s.handleSiteTile)
}

// handleParcelTile serves a parcels tile. Its ETag comes from the parcels layer's version
// (any write to parcels moves it on), so a revalidation costs one tiny query, not a tile.
func (s *Server) handleParcelTile(w http.ResponseWriter, r *http.Request) {
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
	tile, err := s.store.ParcelTile(r.Context(), z, x, y)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveTile(w, r, tile, etag, parcelTileCache)
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
