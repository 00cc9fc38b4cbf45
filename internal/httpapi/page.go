package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// mountPage is a placeholder, filled in by the work on the map page.
func (s *Server) mountPage(r chi.Router) {}

// serveIndex answers a browser asking for "/" with the map page (the OGC landing page
// hands HTML requests over to it).
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "the map page is not built yet"})
}
