package httpapi

import "github.com/go-chi/chi/v5"

// mountOGC is a placeholder, filled in by the work on this area.
func (s *Server) mountOGC(r chi.Router) {}
