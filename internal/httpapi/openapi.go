package httpapi

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// The API definition at /api/openapi.json is written once, when the router is built, from
// three sources, so that it cannot drift from what the service does:
//   - the route table of routes.go: every path and method, and the role each needs (its
//     security);
//   - the collection tables of package store: one path per collection, its items
//     parameters (ogcItemsParamNames and the queryable properties), its feature schema,
//     and its versions paths if it keeps versions (CollectionInfo.Versioned);
//   - the structs of shapes.go: the schemas of the read API's answers (openapi_shapes.go);
//   - openapi_base.json, the words a table cannot hold: summaries, descriptions, request
//     bodies, the shapes no struct writes, and the shared parameters and responses.
//
// In openapi_base.json, paths are keyed by chi pattern ("/static/*"). A path with
// {collectionId} is a template written once per collection, with "{collectionId}" in its
// text (operationId, $ref, descriptions) replaced by the collection's id; a path with
// {library} is the template of the /vendor/<library>/* routes.

//go:embed openapi_base.json
var openAPIBase []byte

// openAPIMediaType is the media type OGC API – Features uses for an OpenAPI 3.0 document.
const openAPIMediaType = "application/vnd.oai.openapi+json;version=3.0"

// The paths buildOpenAPI writes more of than its template holds.
const (
	collectionPattern = "/collections/{collectionId}"
	itemsPattern      = "/collections/{collectionId}/items"
	versionsPattern   = "/collections/{collectionId}/items/{featureId}/versions"
	libraryPattern    = "/vendor/{library}/*"
)

// roleSecurity is the security of an operation that needs a role: a session cookie (with
// its CSRF header for writes) or an API token, either one.
var roleSecurity = []any{map[string]any{"session": []any{}}, map[string]any{"token": []any{}}}

// buildOpenAPI writes the OpenAPI 3.0 document of routes.
func buildOpenAPI(routes []apiRoute) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIBase, &doc); err != nil {
		return nil, fmt.Errorf("openapi: openapi_base.json: %w", err)
	}
	templates, _ := doc["paths"].(map[string]any)
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	if templates == nil || schemas == nil {
		return nil, fmt.Errorf("openapi: openapi_base.json has no paths or no components.schemas")
	}
	setEnums(schemas)
	if err := setShapeSchemas(schemas); err != nil {
		return nil, err
	}
	collections := store.Collections()
	for _, c := range collections {
		schemas[c.ID+"Feature"] = featureSchema(c)
		schemas[c.ID+"FeatureCollection"] = featureCollectionSchema(c.ID)
	}

	paths := map[string]any{}
	used := map[string]bool{}
	for _, rt := range routes {
		key, vars := rt.Pattern, map[string]string{}
		if lib, ok := libraryOf(rt.Pattern); ok {
			key, vars["{library}"] = libraryPattern, lib
		}
		item, _ := templates[key].(map[string]any)
		method := strings.ToLower(rt.Method)
		tmpl, ok := item[method].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("openapi: %s %s has no operation in openapi_base.json: describe it there", rt.Method, key)
		}
		used[method+" "+key] = true
		expanded := []map[string]string{vars}
		if strings.HasPrefix(key, collectionPattern) {
			expanded = nil
			for _, c := range collections {
				if collectionServes(c, key) {
					expanded = append(expanded, map[string]string{"{collectionId}": c.ID})
				}
			}
		}
		for _, vars := range expanded {
			op, err := instantiate(tmpl, vars)
			if err != nil {
				return nil, fmt.Errorf("openapi: %s %s: %w", rt.Method, key, err)
			}
			if key == itemsPattern {
				c, _ := store.FindCollection(vars["{collectionId}"])
				op["parameters"] = itemsParameters(c)
			}
			setSecurity(op, rt.Role)
			path := openAPIPath(replaceAll(rt.Pattern, vars))
			if paths[path] == nil {
				paths[path] = map[string]any{}
			}
			paths[path].(map[string]any)[method] = op
		}
	}
	for key, item := range templates {
		for method := range item.(map[string]any) {
			if !used[method+" "+key] {
				return nil, fmt.Errorf("openapi: openapi_base.json describes %s %s, which no route serves", strings.ToUpper(method), key)
			}
		}
	}
	doc["paths"] = paths

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<" in descriptions stays readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return buf.Bytes(), nil
}

// collectionServes reports whether collection c answers the route pattern below
// /collections/{collectionId}: the versions of a feature only where the collection keeps
// them, so that the document lists no path that can only answer 404.
func collectionServes(c store.CollectionInfo, pattern string) bool {
	if strings.HasPrefix(pattern, versionsPattern) {
		return c.Versioned
	}
	return true
}

// libraryOf returns the library of a /vendor/<library>/* pattern.
func libraryOf(pattern string) (string, bool) {
	rest, ok := strings.CutPrefix(pattern, "/vendor/")
	if !ok {
		return "", false
	}
	lib, ok := strings.CutSuffix(rest, "/*")
	return lib, ok && !strings.Contains(lib, "/")
}

// instantiate copies a template operation with its variables replaced in all its text.
func instantiate(tmpl map[string]any, vars map[string]string) (map[string]any, error) {
	b, err := json.Marshal(tmpl)
	if err != nil {
		return nil, err
	}
	var op map[string]any
	err = json.Unmarshal([]byte(replaceAll(string(b), vars)), &op)
	return op, err
}

// replaceAll replaces each variable name ("{collectionId}") of vars by its value.
func replaceAll(s string, vars map[string]string) string {
	for name, value := range vars {
		s = strings.ReplaceAll(s, name, value)
	}
	return s
}

// openAPIPath writes a chi route pattern as an OpenAPI path: "{id:[0-9]+}" becomes "{id}",
// and a trailing wildcard "/*" becomes "/{path}".
func openAPIPath(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '{' {
			b.WriteByte(pattern[i])
			continue
		}
		end := strings.IndexByte(pattern[i:], '}')
		if end < 0 {
			b.WriteString(pattern[i:])
			break
		}
		name, _, _ := strings.Cut(pattern[i+1:i+end], ":")
		b.WriteString("{" + name + "}")
		i += end
	}
	p := b.String()
	if rest, ok := strings.CutSuffix(p, "/*"); ok {
		p = rest + "/{path}"
	}
	return p
}

// setSecurity sets the security of an operation from the role its route needs; a role's
// refusals (401 nobody, 403 a role too low or no CSRF token) join its responses.
func setSecurity(op map[string]any, role auth.Role) {
	if role == public {
		return
	}
	op["security"] = roleSecurity
	op["x-emprises-role"] = string(role)
	desc, _ := op["description"].(string)
	op["description"] = strings.TrimSpace(desc + " Needs the " + string(role) + " role.")
	responses, _ := op["responses"].(map[string]any)
	for code, name := range map[string]string{"401": "Unauthorized", "403": "Forbidden"} {
		if _, ok := responses[code]; !ok {
			responses[code] = map[string]any{"$ref": "#/components/responses/" + name}
		}
	}
}

// itemsParameters are the query parameters the items path of c takes, in the order
// ogcParseItems checks them: ogcItemsParamNames (each a shared parameter of
// openapi_base.json), then one per queryable property, then f.
func itemsParameters(c store.CollectionInfo) []any {
	var params []any
	for _, name := range ogcItemsParamNames {
		params = append(params, map[string]any{"$ref": "#/components/parameters/" + name})
	}
	anonymous := c.Queryables(public)
	for _, p := range c.Properties {
		if !p.Queryable {
			continue
		}
		name := p.Name
		desc := "Only the features whose " + name + " is this value."
		if !slices.Contains(anonymous, name) {
			desc += " A confidential property: a filter for signed-in readers allowed to see it; anyone else gets a 400."
		}
		schema := kindSchema(p)
		if p.Kind == store.KindBoolean {
			desc += " true or false; 1 and 0 also (as GDAL writes them)."
		}
		params = append(params, map[string]any{
			"name": name, "in": "query", "required": false, "description": desc, "schema": schema,
		})
	}
	return append(params, map[string]any{"$ref": "#/components/parameters/fGeoJSON"})
}

// kindSchema is the schema of a property's values.
func kindSchema(p store.PropertyInfo) map[string]any {
	s := map[string]any{}
	switch p.Kind {
	case store.KindDate:
		s["type"], s["format"] = "string", "date"
	case store.KindNumber, store.KindInteger, store.KindBoolean:
		s["type"] = string(p.Kind)
	default:
		s["type"] = "string"
	}
	if p.Enum != nil {
		s["enum"] = p.Enum
	}
	return s
}

// featureSchema is the schema of a feature of c: its properties, typed from the
// collection's table. Every property may be null (a site without an address, a part not
// yet planned), and confidential ones are left out for whom may not see them, so none is
// required.
func featureSchema(c store.CollectionInfo) map[string]any {
	props := map[string]any{}
	for _, p := range c.Properties {
		s := kindSchema(p)
		s["nullable"] = true
		if !public.MaySee(p.Name) {
			s["description"] = "Confidential: written only for signed-in readers allowed to see it."
		}
		props[p.Name] = s
	}
	return map[string]any{
		"type":     "object",
		"required": []string{"type", "id", "geometry", "properties"},
		"properties": map[string]any{
			"type": map[string]any{"type": "string", "enum": []string{"Feature"}},
			"id": map[string]any{"oneOf": []any{
				map[string]any{"type": "string"}, map[string]any{"type": "integer"}}},
			"geometry":   map[string]any{"$ref": "#/components/schemas/Geometry"},
			"properties": map[string]any{"type": "object", "properties": props},
			"links":      map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Link"}},
		},
	}
}

// featureCollectionSchema is the schema of a page of the items of collection id.
func featureCollectionSchema(id string) map[string]any {
	count := map[string]any{"type": "integer", "minimum": 0}
	return map[string]any{
		"type":     "object",
		"required": []string{"type", "features", "links", "numberReturned"},
		"properties": map[string]any{
			"type":           map[string]any{"type": "string", "enum": []string{"FeatureCollection"}},
			"features":       map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/" + id + "Feature"}},
			"links":          map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Link"}},
			"timeStamp":      map[string]any{"type": "string", "format": "date-time"},
			"numberMatched":  count,
			"numberReturned": count,
		},
	}
}

// setEnums writes the codes of the domain's enumerations into their schemas, so that a
// new status or kind is documented the day it exists.
func setEnums(schemas map[string]any) {
	for name, codes := range map[string][]string{
		"Status":          codesOf(site.Statuses()),
		"Modality":        codesOf(site.Modalities()),
		"GeometryQuality": codesOf(site.GeometryQualities()),
		"EventKind":       codesOf(site.EventKinds()),
	} {
		if s, ok := schemas[name].(map[string]any); ok {
			s["enum"] = codes
		}
	}
}

func codesOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

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
	w.Write(s.openAPI) //nolint:errcheck // the client is gone if this fails
}
