package httpapi

import (
	"context"
	"net/http"
	"time"
)

// handleHealth answers 200 once the database is reachable and fully migrated, 503 before.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Ready(ctx); err != nil {
		s.logger.Warn("health check failed", "err", err)
		w.Header().Set("Retry-After", "1")
		writeProblem(w, Problem{Status: http.StatusServiceUnavailable, Detail: "the database is not ready"})
		return
	}
	s.writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}
