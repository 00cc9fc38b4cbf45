package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/site"
)

// handleSite answers GET /api/sites/{id}?date=: one site as it stood on that day, with its
// parts, parcels, timeline, status history and calendar.
func (s *Server) handleSite(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "date")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	asOf, err := asOfParam(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	d, err := s.store.FindSiteDetail(r.Context(), id, asOf)
	if errors.Is(err, site.ErrNotFound) {
		writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "no site has the id " + strconv.Quote(id)})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respondJSON(w, r, d)
}
