// Package httpapi serves Emprises over HTTP: OGC API – Features, the JSON API behind the
// map page, the calendar and dashboard, downloads for APUR, and the page itself.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
	"github.com/emprises/emprises/web"
)

// Base map defaults: Plan IGN, the French national base map, served by the Géoplateforme.
const (
	DefaultTileURL         = "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
	DefaultTileAttribution = "© IGN – Plan IGN"
)

// Config is what the service needs beyond its store.
type Config struct {
	BaseURL         string // public URL for links; empty: derived from each request
	TileURL         string // base map tile template; empty: no base map
	TileAttribution string
	Private         bool // every route but /healthz and sign-in needs a signed-in user
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and -Proto are
	// believed; from any other peer those headers are anybody's and ignored.
	TrustedProxies []netip.Prefix
	// Now is the clock; nil is time.Now. Every "today" of the service (the default of
	// ?date= and datetime, the edit rules' "not in the future") is site.TodayAt(Now()).
	Now func() time.Time
}

// Server holds the dependencies of every handler.
type Server struct {
	store   *store.Store
	cfg     Config
	logger  *slog.Logger
	streams chan struct{} // the long-stream slots: see beginLongStream
	// parcelTiles keeps rendered parcel tiles; metrics counts requests and reads the
	// figures of the store, the streams and the tile cache. routes makes both.
	parcelTiles *tileCache
	metrics     *metrics
	// routeList is every route with its role, as routes registered them.
	routeList []apiRoute
	// openAPI is the API definition, written by routes from routeList.
	openAPI []byte
}

// now is the current instant, from the configured clock.
func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// today is the current day in Paris, as a UTC midnight (see site.TodayAt).
func (s *Server) today() time.Time { return site.TodayAt(s.now()) }

// NewServer returns the service's whole HTTP handler.
func NewServer(s *store.Store, cfg Config, logger *slog.Logger) http.Handler {
	srv := &Server{store: s, cfg: cfg, logger: logger, streams: make(chan struct{}, maxLongStreams)}
	// A plain `go build` makes a binary without the page's libraries: it still serves the
	// API, and says once, at startup, why the map page will not draw.
	for _, name := range web.MissingLibraries() {
		logger.Warn("front-end library not embedded: /vendor/"+name+"/ answers 404; build with `make build`", "library", name)
	}
	return srv.routes()
}
