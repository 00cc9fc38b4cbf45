package httpapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
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
	if s.viewer(r) == nil {
		redactForPublic(d)
	}
	// The ETag is the site's version, which every edit wants back in If-Match. The body
	// depends on the caller too (confidential fields): authenticate sends Vary for that.
	w.Header().Set("ETag", siteETag(d.Version))
	s.writeJSON(w, r, http.StatusOK, d)
}

// redactForPublic empties what only signed-in users may read: the site's notes and the
// amounts of its events.
func redactForPublic(d *store.SiteDetail) {
	d.Notes = ""
	for i := range d.Timeline {
		d.Timeline[i].AmountEUR = nil
	}
}
