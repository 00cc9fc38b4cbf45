package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPIDocument describes every route of the service; TestOpenAPIDescribesEveryRoute
// keeps it true to the router.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIMediaType is the media type OGC API – Features uses for an OpenAPI 3.0 document.
const openAPIMediaType = "application/vnd.oai.openapi+json;version=3.0"

// handleOpenAPI answers GET /api/openapi.json.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	if _, err := checkParams(r, "f"); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", openAPIMediaType)
	w.Write(openAPIDocument) //nolint:errcheck // the client is gone if this fails
}
