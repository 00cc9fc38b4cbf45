package httpapi

import "net/http"

// handleDashboard answers GET /api/dashboard?date=: the commitments dashboard as it stood
// on that day.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	asOf, err := s.asOfQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.store.DashboardAsOf(r.Context(), asOf, s.today())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.markProjection(w, asOf)
	s.writeJSON(w, r, http.StatusOK, shapeDashboard(d))
}
