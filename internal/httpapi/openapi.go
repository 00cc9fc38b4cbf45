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
	q, err := checkParams(r, "f")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f := q.Get("f"); f != "" && f != "json" {
		paramError(w, "f", "%q is not a format of the API definition (json)", f)
		return
	}
	w.Header().Set("Content-Type", openAPIMediaType)
	w.Write(openAPIDocument) //nolint:errcheck // the client is gone if this fails
}
