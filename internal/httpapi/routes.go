package httpapi

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/web"
)

// routes lists every route of the service and the role it needs. Public routes are
// readable by anyone (in private mode, authenticate asks for a signed-in user first);
// the others are grouped under the middleware that checks their role, so no handler
// decides who may call it.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.logAndRecover, secure, s.authenticate, middleware.GetHead,
		middleware.Compress(compressionLevel, compressedTypes...))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "no such resource: " + r.URL.Path})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req.URL.Path)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed,
			Detail: req.Method + " is not allowed on " + req.URL.Path + "; allowed: " + strings.Join(allowed, ", ")})
	})

	// Public: health, the OGC API, the read API and downloads, tiles, the page, sign-in.
	r.Get("/healthz", s.handleHealth)
	r.Get("/", s.handleOGCLanding) // the map page for browsers
	r.Get("/conformance", s.handleOGCConformance)
	r.Get("/collections", s.handleOGCCollections)
	r.Get("/collections/{collectionId}", s.handleOGCCollection)
	r.Get("/collections/{collectionId}/items", s.handleOGCItems)
	r.Get("/collections/{collectionId}/items/{featureId}", s.handleOGCFeature)
	r.Get("/collections/{collectionId}/items/{featureId}/versions", s.handleOGCVersions)
	r.Get("/collections/{collectionId}/items/{featureId}/versions/{n}", s.handleOGCVersion)
	r.Get("/api/openapi.json", s.handleOpenAPI)
	r.Get("/api/config", s.handleConfig)
	r.Get("/api/sites/{id}", s.handleSite)
	r.Get("/api/calendar", s.handleCalendar)
	r.Get("/api/calendar.csv", s.handleCalendarCSV)
	r.Get("/api/calendar.ics", s.handleCalendarICS)
	r.Get("/api/dashboard", s.handleDashboard)
	r.Get("/export/sites.geojson", s.handleExportSites)
	r.Get("/export/parcels.geojson", s.handleExportParcels)
	r.Get("/export/sites.csv", s.handleExportFriches)
	r.Get("/tiles/parcels/{z}/{x}/{y}.mvt", s.handleParcelTile(newTileCache(parcelTileMemory)))
	r.Get("/tiles/sites/{z}/{x}/{y}.mvt", s.handleSiteTile)
	r.Get("/static/*", s.serveFiles(web.Static(), "/static/"))
	for name, fsys := range web.Libraries() {
		r.Get("/vendor/"+name+"/*", s.serveFiles(fsys, "/vendor/"+name+"/"))
	}
	r.Get("/api/session", s.handleWhoAmI)
	r.Post("/api/session", s.handleSignIn)
	r.Delete("/api/session", s.handleSignOut)

	// Viewer: the change history holds confidential fields.
	r.With(s.require(auth.Viewer)).Get("/api/sites/{id}/history", s.handleHistory)

	// Editor: every write is one transaction with one audit record and, but for creating
	// a site, must send the site's current ETag in If-Match.
	r.Group(func(r chi.Router) {
		r.Use(s.require(auth.Editor))
		r.Post("/api/sites", s.handleCreateSite)
		r.Patch("/api/sites/{id}", s.handleUpdateSite)
		r.Delete("/api/sites/{id}", s.handleDeleteSite)
		r.Post("/api/sites/{id}/events", s.handleCreateEvent)
		r.Post("/api/sites/{id}/milestones", s.handleCreateMilestone)
		r.Patch("/api/events/{id}", s.handleUpdateEvent)
		r.Delete("/api/events/{id}", s.handleDeleteEvent)
		r.Post("/api/parts/{id}/status", s.handleChangeStatus)
		r.Put("/api/parts/{id}/geometry", s.handleSetGeometry)
		r.Post("/api/parts/{id}/split", s.handleSplitPart)
		r.Post("/api/parts/{id}/parcels", s.handleLinkParcels)
		r.Delete("/api/parts/{id}/parcels/{parcel}", s.handleUnlinkParcel)
		r.Post("/api/milestones/{id}/plans", s.handleAddPlan)
		r.Put("/api/milestones/{id}/actual", s.handleSetActual)
	})

	// Admin: bringing back what an editor deleted.
	r.Group(func(r chi.Router) {
		r.Use(s.require(auth.Admin))
		r.Post("/api/sites/{id}/restore", s.handleRestoreSite)
		r.Post("/api/events/{id}/restore", s.handleRestoreEvent)
	})
	return r
}

// Responses are compressed when the client accepts gzip (or deflate), streaming kept: the
// compressor flushes with every flush of a page or download. Level 5 of 9: on a page of
// 10 000 parcels it keeps most of the size gain of level 9 for a fraction of the CPU.
const compressionLevel = 5

// compressedTypes are the media types worth compressing: text and vector tiles.
var compressedTypes = []string{
	mediaJSON, mediaGeoJSON, "application/problem+json", "application/schema+json",
	"application/vnd.oai.openapi+json", "text/csv", "text/calendar", "text/html", "text/css",
	"text/javascript", "application/javascript", "image/svg+xml", mvtContentType,
}

// allowedMethods lists the methods router answers on path, for the Allow header of a 405
// (RFC 9110): HEAD wherever GET is, as middleware.GetHead serves it.
func allowedMethods(router *chi.Mux, path string) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if router.Match(chi.NewRouteContext(), m, path) {
			allowed = append(allowed, m)
			if m == http.MethodGet {
				allowed = append(allowed, http.MethodHead)
			}
		}
	}
	return allowed
}

// require lets a request through only from a caller who may act as role: 401 when
// nobody (or a stale session) is calling, 403 when the role is too low or the CSRF
// token is missing.
func (s *Server) require(role auth.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := s.requireRole(r, role); err != nil {
				s.writeError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
