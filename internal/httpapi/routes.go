package httpapi

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzhttp"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/store"
	"github.com/emprises/emprises/web"
)

// routes lists every route of the service and the role it needs. Public routes are
// readable by anyone (in private mode, authenticate asks for a signed-in user first);
// the others pass the middleware that checks their role, so no handler decides who may
// call it. The table records each route with its role: the OpenAPI document is written
// from it (see buildOpenAPI), so the router, the roles and the API definition are one list.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	// Compression wraps every answer but a crash's 500, a refused sign-in's 401 included.
	r.Use(s.logAndRecover, compressor(), secure, s.readYourWrites, s.authenticate, middleware.GetHead)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "no such resource: " + r.URL.Path})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req.URL.Path)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed,
			Detail: req.Method + " is not allowed on " + req.URL.Path + "; allowed: " + strings.Join(allowed, ", ")})
	})
	t := &routeTable{r: r, require: s.require}
	s.parcelTiles = newTileCache(parcelTileMemory)
	s.metrics = newMetrics(s)

	// Public: health, the OGC API, the read API and downloads, tiles, the page, sign-in.
	t.Get("/healthz", public, s.handleHealth)
	t.Get("/", public, s.handleOGCLanding) // the map page for browsers
	t.Get("/conformance", public, s.handleOGCConformance)
	t.Get("/collections", public, s.handleOGCCollections)
	t.Get("/collections/{collectionId}", public, s.handleOGCCollection)
	t.Get("/collections/{collectionId}/schema", public, s.handleOGCSchema())
	t.Get("/collections/{collectionId}/schema/geojson", public, s.handleOGCGeoJSONSchema())
	t.Get("/collections/{collectionId}/queryables", public, s.handleOGCQueryables())
	t.Get("/collections/{collectionId}/items", public, s.handleOGCItems)
	t.Get("/collections/{collectionId}/items/{featureId}", public, s.handleOGCFeature)
	t.Get("/collections/{collectionId}/items/{featureId}/versions", public, s.handleOGCVersions)
	t.Get("/collections/{collectionId}/items/{featureId}/versions/{n}", public, s.handleOGCVersion)
	t.Get("/api/openapi.json", public, s.handleOpenAPI)
	t.Get("/api/config", public, s.handleConfig)
	t.Get("/api/sites/{id}", public, s.handleSite)
	t.Get("/api/calendar", public, s.handleCalendar)
	t.Get("/api/calendar.csv", public, s.handleCalendarCSV)
	t.Get("/api/calendar.ics", public, s.handleCalendarICS)
	t.Get("/api/export.xlsx", public, s.handleViewXLSX)
	t.Get("/api/dashboard", public, s.handleDashboard)
	t.Get("/api/parts/{id}/parcel-suggestions", public, s.handleParcelSuggestions)
	t.Get("/api/checks", public, s.handleChecks)
	t.Get("/api/commitments", public, s.handleCommitments)
	t.Get("/api/commitments.csv", public, s.handleCommitmentsCSV)
	t.Get("/api/commitments/dashboard", public, s.handleGovernanceDashboard)
	t.Get("/api/commitments/{id}", public, s.handleCommitment)
	t.Get("/api/committees", public, s.handleCommittees)
	t.Get("/api/meetings", public, s.handleMeetings)
	t.Get("/api/meetings/{id}", public, s.handleMeeting)
	t.Get("/api/meetings/{id}/baseline", public, s.handleMeetingBaseline)
	t.Get("/api/meetings/{id}/pack.xlsx", public, s.handleMeetingPackXLSX)
	t.Get("/api/meetings/{id}/pack.html", public, s.handleMeetingPackHTML)
	t.Get("/export/sites.geojson", public, s.handleExportSites)
	t.Get("/export/parcels.geojson", public, s.handleExportParcels)
	t.Get("/export/sites.csv", public, s.handleExportFriches)
	t.Get("/tiles/parcels/{z}/{x}/{y}.mvt", public, s.handleParcelTile(s.parcelTiles))
	t.Get("/tiles/sites/{z}/{x}/{y}.mvt", public, s.handleSiteTile)
	t.Get("/tiles/parcels.json", public, s.handleTileJSON(store.CollectionParcels))
	t.Get("/tiles/sites.json", public, s.handleTileJSON(store.CollectionSites))
	t.Get("/static/*", public, s.serveFiles(web.Static(), "/static/"))
	for name, fsys := range web.Libraries() {
		t.Get("/vendor/"+name+"/*", public, s.serveFiles(fsys, "/vendor/"+name+"/"))
	}
	t.Get("/api/session", public, s.handleWhoAmI)
	t.Post("/api/session", public, s.handleSignIn)
	t.Delete("/api/session", public, s.handleSignOut)

	// Viewer: the change history holds confidential fields. The service's figures are
	// for its operators: Prometheus scrapes them with a viewer's API token.
	t.Get("/api/sites/{id}/history", auth.Viewer, s.handleHistory)
	t.Get("/metrics", auth.Viewer, s.handleMetrics)

	// Editor: every write is one transaction with one audit record and, but for creating
	// a site, must send the site's current ETag in If-Match.
	t.Post("/api/sites", auth.Editor, s.handleCreateSite)
	t.Patch("/api/sites/{id}", auth.Editor, s.handleUpdateSite)
	t.Delete("/api/sites/{id}", auth.Editor, s.handleDeleteSite)
	t.Post("/api/sites/{id}/events", auth.Editor, s.handleCreateEvent)
	t.Post("/api/sites/{id}/milestones", auth.Editor, s.handleCreateMilestone)
	t.Patch("/api/events/{id}", auth.Editor, s.handleUpdateEvent)
	t.Delete("/api/events/{id}", auth.Editor, s.handleDeleteEvent)
	t.Post("/api/parts/{id}/status", auth.Editor, s.handleChangeStatus)
	t.Put("/api/parts/{id}/geometry", auth.Editor, s.handleSetGeometry)
	t.Post("/api/parts/{id}/split", auth.Editor, s.handleSplitPart)
	t.Post("/api/parts/{id}/parcels", auth.Editor, s.handleLinkParcels)
	t.Delete("/api/parts/{id}/parcels/{parcel}", auth.Editor, s.handleUnlinkParcel)
	t.Post("/api/milestones/{id}/plans", auth.Editor, s.handleAddPlan)
	t.Put("/api/milestones/{id}/actual", auth.Editor, s.handleSetActual)
	// The convention's governance: a commitment's or a meeting's ETag in If-Match (a
	// committee is created whole, and has none).
	t.Post("/api/commitments", auth.Editor, s.handleCreateCommitment)
	t.Patch("/api/commitments/{id}", auth.Editor, s.handleUpdateCommitment)
	t.Post("/api/commitments/{id}/follow-ups", auth.Editor, s.handleAddFollowUp)
	t.Post("/api/committees", auth.Editor, s.handleCreateCommittee)
	t.Post("/api/meetings", auth.Editor, s.handleCreateMeeting)
	t.Patch("/api/meetings/{id}", auth.Editor, s.handleUpdateMeeting)
	t.Post("/api/meetings/{id}/agenda", auth.Editor, s.handleAddAgendaItem)
	t.Post("/api/meetings/{id}/decisions", auth.Editor, s.handleAddDecision)

	// Admin: bringing back what an editor deleted.
	t.Post("/api/sites/{id}/restore", auth.Admin, s.handleRestoreSite)
	t.Post("/api/events/{id}/restore", auth.Admin, s.handleRestoreEvent)

	s.routeList = t.routes
	doc, err := buildOpenAPI(t.routes)
	if err != nil {
		// The document is written from constant tables: a failure is a programming error
		// that every test run meets, like chi's panic on a bad pattern.
		panic(err)
	}
	s.openAPI = doc
	return r
}

// compressor gzips responses for clients that accept gzip, streaming kept: the compressor
// flushes with every flush of a page or download. klauspost/compress's gzhttp reads
// Accept-Encoding as RFC 9110 says ("gzip;q=0" refuses gzip, which chi's Compress took as
// a yes), adds Vary: Accept-Encoding to every answer, compressed or not, and its gzip is
// faster than the standard library's at the same level. Level 5 of 9: on a page of 10 000
// parcels it keeps most of the size gain of level 9 for a fraction of the CPU. Answers of
// under a kilobyte go as they are. ETags are left as the handlers make them, so that a
// tile or a page revalidates whatever the encoding it came in.
func compressor() func(http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(5), gzhttp.ContentTypes(compressedTypes),
		gzhttp.EnableZstd(false))
	if err != nil {
		panic(err) // constant options: a programming error every test run meets
	}
	return func(h http.Handler) http.Handler { return wrap(h) }
}

// compressedTypes are the media types worth compressing: text and vector tiles.
var compressedTypes = []string{
	mediaJSON, mediaGeoJSON, "application/problem+json", "application/schema+json",
	"application/vnd.oai.openapi+json", "text/csv", "text/calendar", "text/html", "text/css",
	"text/javascript", "application/javascript", "image/svg+xml", mvtContentType,
}

// public is the role of a route anyone may call.
const public auth.Role = ""

// apiRoute is one route of the service as the router serves it and the API definition
// describes it.
type apiRoute struct {
	Method  string    // GET, POST…
	Pattern string    // chi's pattern: "/api/sites/{id}", "/static/*"
	Role    auth.Role // the least role a caller needs; public for anyone
}

// routeTable registers routes on a chi router, each behind the check of its role, and
// records them in order.
type routeTable struct {
	r       chi.Router
	require func(auth.Role) func(http.Handler) http.Handler
	routes  []apiRoute
}

func (t *routeTable) handle(method, pattern string, role auth.Role, h http.HandlerFunc) {
	r := t.r
	if role != public {
		r = r.With(t.require(role))
	}
	r.Method(method, pattern, h)
	t.routes = append(t.routes, apiRoute{Method: method, Pattern: pattern, Role: role})
}

// Get registers a GET route (HEAD too, through middleware.GetHead).
func (t *routeTable) Get(pattern string, role auth.Role, h http.HandlerFunc) {
	t.handle(http.MethodGet, pattern, role, h)
}

// Post registers a POST route.
func (t *routeTable) Post(pattern string, role auth.Role, h http.HandlerFunc) {
	t.handle(http.MethodPost, pattern, role, h)
}

// Put registers a PUT route.
func (t *routeTable) Put(pattern string, role auth.Role, h http.HandlerFunc) {
	t.handle(http.MethodPut, pattern, role, h)
}

// Patch registers a PATCH route.
func (t *routeTable) Patch(pattern string, role auth.Role, h http.HandlerFunc) {
	t.handle(http.MethodPatch, pattern, role, h)
}

// Delete registers a DELETE route.
func (t *routeTable) Delete(pattern string, role auth.Role, h http.HandlerFunc) {
	t.handle(http.MethodDelete, pattern, role, h)
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
