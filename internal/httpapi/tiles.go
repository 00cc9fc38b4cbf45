package httpapi

import "github.com/go-chi/chi/v5"

// mountTiles is a placeholder, filled in by the work on this area.
func (s *Server) mountTiles(r chi.Router) {}
