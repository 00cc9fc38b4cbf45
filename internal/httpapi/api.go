package httpapi

import "github.com/go-chi/chi/v5"

// mountAPI is a placeholder, filled in by the work on this area.
func (s *Server) mountAPI(r chi.Router) {}
