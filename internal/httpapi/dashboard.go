package httpapi

import "net/http"

// handleDashboard answers GET /api/dashboard?date=: the commitments dashboard as it stood
// on that day.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
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
	d, err := s.store.DashboardAsOf(r.Context(), asOf)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.respondJSON(w, r, d)
}
