package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes lists every route of the service. Each area mounts its own routes from the file
// that implements it.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.logAndRecover, secure, s.authenticate)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "no such resource: " + r.URL.Path})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not allowed on " + r.URL.Path})
	})
	r.Get("/healthz", s.handleHealth)
	s.mountOGC(r)   // ogc.go: /, /conformance, /collections/...
	s.mountAPI(r)   // api.go: /api/sites, /api/calendar, /api/dashboard, /export/...
	s.mountPage(r)  // page.go: the map page and its static files
	s.mountTiles(r) // tiles.go: /tiles/{layer}/{z}/{x}/{y}.mvt
	s.mountAuth(r)  // auth.go: sign-in, accounts, editing
	return r
}
