package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/site"
)

// handleSite answers GET /api/sites/{id}?date=: one site as it stood on that day, with its
// parts, parcels, timeline, status history and calendar. Anonymous readers do not see the
// confidential fields.
func (s *Server) handleSite(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	notFound := func() {
		writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "no site has the id " + strconv.Quote(id)})
	}
	// Every site id is a slug: another id names no site and is not looked up (one holding
	// NUL would fail the query).
	if site.ValidateSlug("id", id) != nil {
		notFound()
		return
	}
	d, err := s.store.FindSiteDetail(r.Context(), id, asOf)
	if errors.Is(err, site.ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The ETag is the site's version, which every edit wants back in If-Match. The body
	// depends on the caller too (confidential fields): authenticate sends Vary for that.
	w.Header().Set("ETag", siteETag(d.Version))
	s.markProjection(w, asOf)
	s.writeJSON(w, r, http.StatusOK, shapeSite(d, s.readerRole(r), s.today()))
}
