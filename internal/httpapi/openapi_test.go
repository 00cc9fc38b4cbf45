package httpapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// kin-openapi (github.com/getkin/kin-openapi) is the test's OpenAPI 3.0 validator: the
// document's structure (doc.Validate), and real requests and responses of the service
// against its parameters and schemas (openapi3filter). It is used by tests only.

// registerDecoders teaches openapi3filter the JSON media types the service answers with,
// besides application/json and application/problem+json, which it knows.
var registerDecoders = sync.OnceFunc(func() {
	for _, mt := range []string{"application/geo+json", "application/vnd.oai.openapi+json"} {
		openapi3filter.RegisterBodyDecoder(mt, openapi3filter.JSONBodyDecoder)
	}
})

// testServer is the service's router with its route table and document, over no store:
// enough to read what routes() registered.
func testServer(t *testing.T) (*Server, *chi.Mux) {
	t.Helper()
	srv := &Server{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mux, ok := srv.routes().(*chi.Mux)
	if !ok {
		t.Fatalf("routes() is a %T, not a chi router", srv.routes())
	}
	return srv, mux
}

// loadOpenAPI parses and validates an OpenAPI document.
func loadOpenAPI(t *testing.T, data []byte) *openapi3.T {
	t.Helper()
	doc, err := validateOpenAPI(data)
	if err != nil {
		t.Fatalf("the OpenAPI document is not valid OpenAPI 3.0: %v", err)
	}
	return doc
}

// validateOpenAPI validates an OpenAPI 3.0 document with kin-openapi (every $ref resolves,
// every path parameter is declared, schemas and examples are well formed…), then checks
// what kin-openapi lets through but OpenAPI 3.0's own JSON Schema refuses: an empty
// "required" or "enum" array (JSON Schema draft 4, which 3.0 schemas follow: "MUST have
// at least one element").
func validateOpenAPI(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	var root any
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	var errs []error
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if a, ok := child.([]any); ok && len(a) == 0 && (k == "required" || k == "enum") && !strings.HasSuffix(at, "/properties") {
					errs = append(errs, fmt.Errorf("%s/%s: an empty array, which OpenAPI 3.0 refuses", at, k))
				}
				walk(child, at+"/"+k)
			}
		case []any:
			for i, child := range v {
				walk(child, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(root, "#")
	return doc, errors.Join(errs...)
}

func TestOpenAPIValid(t *testing.T) {
	srv, _ := testServer(t)
	doc := loadOpenAPI(t, srv.openAPI)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") || doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("openapi %q, info %+v; want 3.0.x with a title and version", doc.OpenAPI, doc.Info)
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if other, dup := ids[op.OperationID]; dup || op.OperationID == "" {
				t.Errorf("%s: operationId %q, also %s's", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
		}
	}
}

// TestOpenAPIValidatorCatches shows that validateOpenAPI refuses what the hand-written
// document of old held, a schema with "required": [], and what kin-openapi checks itself.
func TestOpenAPIValidatorCatches(t *testing.T) {
	tests := map[string]string{
		"empty required": `"schemas":{"Empty":{"type":"object","required":[]}}`,
		"empty enum":     `"schemas":{"Empty":{"type":"string","enum":[]}}`,
		"dangling $ref":  `"schemas":{"A":{"$ref":"#/components/schemas/B"}}`,
		"bad type":       `"schemas":{"A":{"type":"whole number"}}`,
	}
	for name, components := range tests {
		t.Run(name, func(t *testing.T) {
			bad := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{` + components + `}}`
			if _, err := validateOpenAPI([]byte(bad)); err == nil {
				t.Errorf("validateOpenAPI(%s) = nil; want an error", bad)
			}
		})
	}
	good := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},
		"components":{"schemas":{"A":{"type":"object","properties":{"required":{"type":"array","items":{"type":"string"}}}}}}}`
	if _, err := validateOpenAPI([]byte(good)); err != nil {
		t.Errorf("validateOpenAPI(%s) = %v; want nil", good, err)
	}
}

// documentedPaths lists the OpenAPI paths a route pattern is documented at: one per
// collection for the OGC routes below /collections/{collectionId}.
func documentedPaths(pattern string) []string {
	if !strings.Contains(pattern, "{collectionId}") {
		return []string{openAPIPath(pattern)}
	}
	var paths []string
	for _, c := range store.Collections() {
		if collectionServes(c, pattern) {
			paths = append(paths, openAPIPath(strings.ReplaceAll(pattern, "{collectionId}", c.ID)))
		}
	}
	return paths
}

// TestOpenAPICollectionPathsAnswer requests every path the served document lists below
// /collections on the real service, with a real feature of the collection and its first
// version: each answers 200, so the document offers no path that can only answer 404 (it
// listed the versions of every collection's features, when only sites keeps them).
func TestOpenAPICollectionPathsAnswer(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	_, body := e.call(t, "GET", "/api/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	features := map[string]string{}
	for _, c := range store.Collections() {
		features[c.ID] = firstFeature(t, e, c.ID)
	}
	var versioned []string
	for path, item := range doc.Paths {
		rest, ok := strings.CutPrefix(path, "/collections/")
		if !ok || item["get"] == nil {
			continue
		}
		collection, _, _ := strings.Cut(rest, "/")
		if strings.HasSuffix(path, "/items/{featureId}/versions") {
			versioned = append(versioned, collection)
		}
		t.Run(path, func(t *testing.T) {
			id, ok := features[collection]
			if !ok {
				t.Fatalf("%s: the document lists a path of collection %q, which is not one", path, collection)
			}
			if strings.Contains(path, "{featureId}") && id == "" {
				t.Skipf("collection %s has no feature in the test database", collection)
			}
			target := strings.NewReplacer("{featureId}", url.PathEscape(id), "{n}", "1").Replace(path)
			if resp, b := e.call(t, "GET", target, nil); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d %.300s; the document lists %s: want 200", target, resp.StatusCode, b, path)
			}
		})
	}
	slices.Sort(versioned)
	if want := []string{store.CollectionSites}; !slices.Equal(versioned, want) {
		t.Errorf("the document lists the versions of the features of %v; want %v, the collections that keep them", versioned, want)
	}
}

// TestOpenAPIDescribesEveryRoute walks the router: every route is in the document with
// its method, and the document has no operation the router does not serve; each
// operation's security is the role the route table gives it.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	srv, mux := testServer(t)
	doc := loadOpenAPI(t, srv.openAPI)
	roles := map[string]auth.Role{}
	for _, rt := range srv.routeList {
		roles[rt.Method+" "+rt.Pattern] = rt.Role
	}
	served := map[string]bool{} // "GET /collections/sites/items"
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		role, ok := roles[method+" "+route]
		if !ok {
			t.Errorf("route %s %s is not in the route table: register it with routeTable", method, route)
		}
		for _, p := range documentedPaths(route) {
			served[method+" "+p] = true
			item := doc.Paths.Value(p)
			var op *openapi3.Operation
			if item != nil {
				op = item.GetOperation(method)
			}
			if op == nil {
				t.Errorf("route %s %s is not in the document at %s", method, route, p)
				continue
			}
			secured := op.Security != nil && len(*op.Security) > 0
			if secured != (role != public) || op.Extensions["x-emprises-role"] != nilIfEmpty(role) {
				t.Errorf("%s %s: security %v, x-emprises-role %v; the route needs role %q", method, p,
					op.Security, op.Extensions["x-emprises-role"], role)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !served[method+" "+path] {
				t.Errorf("the document describes %s %s, which no route serves", method, path)
			}
		}
	}
	if len(served) < len(srv.routeList) {
		t.Errorf("%d documented operations for %d routes", len(served), len(srv.routeList))
	}
}

// nilIfEmpty is the x-emprises-role a role's operation carries: none when public.
func nilIfEmpty(role auth.Role) any {
	if role == public {
		return nil
	}
	return string(role)
}

// TestOpenAPIItemsParameters sends each collection's items path every query parameter
// its operation lists, and every queryable of the other collections: the first are
// accepted, the second refused with a 400 naming them, so that the document lists exactly
// what the server takes (GDAL sends a -where as such parameters when the document lists
// them).
func TestOpenAPIItemsParameters(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	_, body := e.call(t, "GET", "/api/openapi.json", nil)
	doc := loadOpenAPI(t, body)
	for _, c := range store.Collections() {
		path := "/collections/" + c.ID + "/items"
		t.Run(c.ID, func(t *testing.T) {
			id := cmp.Or(firstFeature(t, e, c.ID), "1")
			samples := map[string]string{"bbox": "2.38,48.80,2.40,48.82", "datetime": "2020-01-01", "after": id, "before": id,
				"filter": "TRUE"}
			op := doc.Paths.Value(path).Get
			documented := map[string]bool{}
			for _, ref := range op.Parameters {
				p := ref.Value
				if p.In != openapi3.ParameterInQuery {
					continue
				}
				documented[p.Name] = true
				v, ok := samples[p.Name]
				if !ok {
					v = sampleValue(p.Schema.Value)
				}
				// An admin may use every filter, confidential ones too.
				resp, b := e.as(t, auth.Admin, "GET", path+"?"+url.Values{p.Name: {v}}.Encode(), "")
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s?%s=%s: %d %s; the document lists %s", path, p.Name, v, resp.StatusCode, b, p.Name)
				}
			}
			for _, other := range store.Collections() {
				for _, name := range other.Queryables(auth.Admin) {
					if documented[name] {
						continue
					}
					resp, b := e.as(t, auth.Admin, "GET", path+"?"+name+"=x", "")
					if resp.StatusCode != http.StatusBadRequest || problemOf(t, b).Param != name {
						t.Errorf("GET %s?%s=x: %d %s; the document does not list %s: want a 400 naming it", path, name, resp.StatusCode, b, name)
					}
				}
			}
			for _, name := range c.Queryables(auth.Admin) {
				if !documented[name] {
					t.Errorf("%s: queryable %s is not a documented parameter", path, name)
				}
			}
		})
	}
}

// firstFeature returns the id of the first feature of collection id; "" when it has none
// (the test database holds no cadastre).
func firstFeature(t *testing.T, e *editEnv, id string) string {
	t.Helper()
	resp, body := e.call(t, "GET", "/collections/"+id+"/items?limit=1", nil)
	var page struct {
		Features []struct {
			ID any `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /collections/%s/items?limit=1: %d %.300s (%v)", id, resp.StatusCode, body, err)
	}
	if len(page.Features) == 0 {
		return ""
	}
	return toString(page.Features[0].ID)
}

// sampleValue is a value a parameter of schema s accepts.
func sampleValue(s *openapi3.Schema) string {
	switch {
	case s.Default != nil:
		return toString(s.Default)
	case len(s.Enum) > 0:
		return toString(s.Enum[0])
	case s.Type.Is("integer"), s.Type.Is("number"):
		return "1"
	case s.Type.Is("boolean"):
		return "true"
	case s.Format == "date":
		return "2020-01-01"
	}
	return "x"
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// apiValidator checks requests to the service and its answers against the document the
// service serves.
type apiValidator struct {
	e      *editEnv
	router routers.Router
}

func newAPIValidator(t *testing.T, e *editEnv) *apiValidator {
	t.Helper()
	registerDecoders()
	_, body := e.call(t, "GET", "/api/openapi.json", nil)
	doc := loadOpenAPI(t, body)
	// The document's server is "/", relative to wherever it is served: here, the test
	// server.
	doc.Servers = openapi3.Servers{{URL: e.srv.URL}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiValidator{e: e, router: router}
}

// call sends a request as role (public: nobody) and checks it and its answer, which must
// have status want, against the document.
func (v *apiValidator) call(t *testing.T, role auth.Role, want int, method, path, body string, header ...string) []byte {
	t.Helper()
	var resp *http.Response
	var b []byte
	if role == public {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		resp, b = v.e.call(t, method, path, r, header...)
	} else {
		resp, b = v.e.as(t, role, method, path, body, header...)
	}
	if resp.StatusCode != want {
		t.Errorf("%s %s: %d %s; want %d", method, path, resp.StatusCode, b, want)
	}
	req := resp.Request.Clone(context.Background())
	req.Body = io.NopCloser(strings.NewReader(body))
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		if want != http.StatusNotFound { // a 404 may well answer a path the document has not
			t.Errorf("%s %s: no operation of the document: %v", method, path, err)
		}
		return b
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	// A refused request may be one the document refuses too (no If-Match, a bad value);
	// the others must be requests the document describes.
	if resp.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: the request does not match the document: %v", method, path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Options: opts}
	out.SetBodyBytes(b)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s: the answer %d does not match the document: %v\n%.600s", method, path, resp.StatusCode, err, b)
	}
	return b
}

// TestOpenAPIResponses checks real answers of the service, read and write, success and
// refusal, against the schemas of the document it serves.
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	v := newAPIValidator(t, e)
	js := []string{"Accept", "application/json"}

	t.Run("read", func(t *testing.T) {
		v.call(t, public, 200, "GET", "/", "", js...)
		v.call(t, public, 200, "GET", "/conformance", "")
		v.call(t, public, 200, "GET", "/collections", "")
		v.call(t, public, 200, "GET", "/api/openapi.json", "")
		v.call(t, public, 200, "GET", "/healthz", "")
		for _, c := range store.Collections() {
			v.call(t, public, 200, "GET", "/collections/"+c.ID, "")
			v.call(t, public, 200, "GET", "/collections/"+c.ID+"/items?limit=50", "")
			v.call(t, auth.Admin, 200, "GET", "/collections/"+c.ID+"/items?limit=50&crs=EPSG:2154", "")
		}
		v.call(t, public, 200, "GET", "/collections/sites/items?status=ceded&datetime=2014-01-01", "")
		v.call(t, public, 200, "GET", "/collections/events/items?planned=true", "")
		for _, c := range store.Collections() {
			id := firstFeature(t, e, c.ID)
			if id == "" {
				continue
			}
			v.call(t, public, 200, "GET", "/collections/"+c.ID+"/items/"+id, "")
			v.call(t, auth.Viewer, 200, "GET", "/collections/"+c.ID+"/items/"+id+"?crs=EPSG:4326", "")
			v.call(t, public, 200, "GET", "/collections/"+c.ID+"/items?limit=1&after="+id, "")
		}
		v.call(t, public, 200, "GET", "/api/sites/cpcu-ivry", "")
		v.call(t, auth.Viewer, 200, "GET", "/api/sites/cpcu-ivry", "")
		v.call(t, public, 200, "GET", "/api/calendar", "")
		v.call(t, public, 200, "GET", "/api/calendar?date=2019-06-30", "")
		v.call(t, public, 200, "GET", "/api/dashboard", "")
		v.call(t, public, 200, "GET", "/api/config", "")
		v.call(t, auth.Viewer, 200, "GET", "/api/sites/cpcu-ivry/history", "")
		v.call(t, public, 200, "GET", "/api/session", "")
		v.call(t, auth.Editor, 200, "GET", "/api/session", "")
	})

	t.Run("refusals", func(t *testing.T) {
		v.call(t, public, 400, "GET", "/collections/sites/items?limit=0", "")
		v.call(t, public, 400, "GET", "/collections/parcels/items?kind=decision", "")
		v.call(t, public, 400, "GET", "/collections/events/items?amount_eur=1", "")
		v.call(t, public, 404, "GET", "/collections/nowhere/items", "")
		v.call(t, public, 404, "GET", "/collections/sites/items/nowhere", "")
		v.call(t, public, 404, "GET", "/api/sites/nowhere", "")
		v.call(t, public, 400, "GET", "/api/calendar?date=2019-13-01", "")
		v.call(t, public, 401, "GET", "/api/sites/cpcu-ivry/history", "")
		v.call(t, auth.Viewer, 403, "PATCH", "/api/sites/cpcu-ivry", `{"name":"x"}`, "If-Match", `"v1"`)
		v.call(t, auth.Editor, 428, "PATCH", "/api/sites/cpcu-ivry", `{"name":"x"}`)
		v.call(t, auth.Editor, 412, "PATCH", "/api/sites/cpcu-ivry", `{"name":"x"}`, "If-Match", `"v999"`)
	})

	t.Run("writes", func(t *testing.T) {
		write := func(t *testing.T, role auth.Role, want int, method, path, siteID, body string) map[string]any {
			t.Helper()
			b := v.call(t, role, want, method, path, body, "If-Match", e.etag(t, siteID))
			var out map[string]any
			json.Unmarshal(b, &out) //nolint:errcheck // checked against the document above
			return out
		}
		write(t, auth.Editor, 400, "PATCH", "/api/sites/cpcu-ivry", "cpcu-ivry", `{"modality":"gift"}`)
		write(t, auth.Editor, 200, "PATCH", "/api/sites/cpcu-ivry", "cpcu-ivry", `{"name":"Chaufferie CPCU","reason":"comité"}`)
		write(t, auth.Editor, 400, "POST", "/api/parts/cpcu-ivry-chaufferie/status", "cpcu-ivry", `{"status":"sold","date":"2025"}`)
		write(t, auth.Editor, 200, "POST", "/api/parts/cpcu-ivry-chaufferie/status", "cpcu-ivry",
			`{"status":"released","date":"2025-02","reason":"fin de la délégation"}`)
		write(t, auth.Editor, 400, "PUT", "/api/parts/tam-robert-witchitz-garage/geometry", "tam-robert-witchitz", `{"geometry":{"type":"Point"}}`)
		write(t, auth.Editor, 200, "PUT", "/api/parts/tam-robert-witchitz-garage/geometry", "tam-robert-witchitz",
			`{"geometry":`+polygonInside+`,"crs":"CRS84","quality":"approximate","source":"dessin sur plan IGN"}`)
		write(t, auth.Editor, 400, "POST", "/api/parts/cpcu-ivry-chaufferie/split", "cpcu-ivry", `{"label":"x"}`)
		write(t, auth.Editor, 201, "POST", "/api/parts/cpcu-ivry-chaufferie/split", "cpcu-ivry",
			`{"geometry":`+polygonInside+`,"label":"Emprise du parc","id":"cpcu-ivry-parc","reason":"cession au département"}`)
		write(t, auth.Editor, 400, "POST", "/api/sites/cpcu-ivry/events", "cpcu-ivry", `{"kind":"party","date":"2026"}`)
		ev := write(t, auth.Editor, 201, "POST", "/api/sites/cpcu-ivry/events", "cpcu-ivry",
			`{"kind":"committee_review","date":"2026-Q4","planned":true,"title":"Comité technique","amount_eur":1250000.5,"part_id":"cpcu-ivry-chaufferie"}`)
		evPath := "/api/events/" + toString(ev["entity_id"])
		write(t, auth.Editor, 400, "PATCH", evPath, "cpcu-ivry", `{"kind":"party"}`)
		write(t, auth.Editor, 200, "PATCH", evPath, "cpcu-ivry", `{"title":"Comité technique n° 4","amount_eur":null}`)
		write(t, auth.Editor, 200, "DELETE", evPath+"?mode=delete", "cpcu-ivry", "")
		write(t, auth.Admin, 200, "POST", evPath+"/restore", "cpcu-ivry", `{"reason":"supprimé par erreur"}`)
		write(t, auth.Editor, 400, "POST", "/api/sites/cpcu-ivry/milestones", "cpcu-ivry", `{"kind":"party"}`)
		m := write(t, auth.Editor, 201, "POST", "/api/sites/cpcu-ivry/milestones", "cpcu-ivry",
			`{"kind":"release","label":"Libération du quai","date":"2027-Q2","decided_on":"2026-10-15","source":"CR comité"}`)
		mPath := "/api/milestones/" + toString(m["entity_id"])
		write(t, auth.Editor, 400, "POST", mPath+"/plans", "cpcu-ivry", `{"date":"someday"}`)
		write(t, auth.Editor, 200, "POST", mPath+"/plans", "cpcu-ivry", `{"date":"2028","reason":"retard des travaux"}`)
		write(t, auth.Editor, 400, "PUT", mPath+"/actual", "cpcu-ivry", `{"date":null}`)
		write(t, auth.Editor, 200, "PUT", mPath+"/actual", "cpcu-ivry", `{"date":"2026-11"}`)
		write(t, auth.Editor, 400, "POST", "/api/parts/cpcu-ivry-chaufferie/parcels", "cpcu-ivry", `{"ids":["nope"]}`)
		write(t, auth.Editor, 200, "POST", "/api/parts/cpcu-ivry-chaufferie/parcels", "cpcu-ivry", `{"ids":["94041000AZ0056"]}`)
		write(t, auth.Editor, 200, "DELETE", "/api/parts/cpcu-ivry-chaufferie/parcels/94041000AZ0056", "cpcu-ivry", "")
		write(t, auth.Editor, 200, "DELETE", "/api/sites/estacade", "estacade", `{"reason":"doublon"}`)
		write(t, auth.Admin, 200, "POST", "/api/sites/estacade/restore", "estacade", `{"reason":"pas un doublon"}`)
		v.call(t, auth.Editor, 400, "POST", "/api/committees", `{"id":"gt-berges","kind":"board","name":"Berges","sources":["s"]}`)
		v.call(t, auth.Editor, 201, "POST", "/api/committees",
			`{"id":"gt-berges","kind":"working_group","name":"Berges","sources":["s"],"cadences":[{"months":4,"clause":"III"}]}`)
		v.call(t, auth.Editor, 400, "POST", "/api/sites", `{"id":"terrain-rue-molière","name":"x","part":{"status":"in_use","status_since":"2020"}}`)
		v.call(t, auth.Editor, 201, "POST", "/api/sites",
			`{"id":"terrain-rue-moliere","name":"Terrain rue Molière","department":"DPE","modality":"long_lease",
			  "part":{"label":"Terrain","status":"release_planned","status_since":"2026-Q3","status_reason":"annoncé"}}`)
	})
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	resp, body := get(t, srv, "/api/openapi.json")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != openAPIMediaType {
		t.Errorf("GET /api/openapi.json: %d %q; want 200 %q", resp.StatusCode, resp.Header.Get("Content-Type"), openAPIMediaType)
	}
	local, _ := testServer(t)
	if !bytes.Equal(body, local.openAPI) {
		t.Errorf("GET /api/openapi.json is not the document routes() wrote")
	}
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	var items []string
	for p := range doc.Paths {
		if strings.HasSuffix(p, "/items") {
			items = append(items, p)
		}
	}
	sort.Strings(items)
	want := []string{"/collections/boundaries/items", "/collections/commitments/items", "/collections/events/items",
		"/collections/parcels/items", "/collections/sites/items"}
	if !slices.Equal(items, want) {
		t.Errorf("items paths %v; want one per collection, %v", items, want)
	}
}

func TestOpenAPIPath(t *testing.T) {
	tests := []struct{ route, want string }{
		{"/", "/"},
		{"/api/sites/{id}", "/api/sites/{id}"},
		{"/collections/{collectionId}/items/{featureId:[^/]+}", "/collections/{collectionId}/items/{featureId}"},
		{"/static/*", "/static/{path}"},
		{"/web/", "/web/"},
	}
	for _, tt := range tests {
		if got := openAPIPath(tt.route); got != tt.want {
			t.Errorf("openAPIPath(%q) = %q; want %q", tt.route, got, tt.want)
		}
	}
}

func TestLibraryOf(t *testing.T) {
	tests := []struct {
		pattern, lib string
		ok           bool
	}{
		{"/vendor/leaflet/*", "leaflet", true},
		{"/vendor/a/b/*", "", false},
		{"/static/*", "", false},
		{"/vendor/leaflet", "", false},
	}
	for _, tt := range tests {
		if lib, ok := libraryOf(tt.pattern); lib != tt.lib && tt.ok || ok != tt.ok {
			t.Errorf("libraryOf(%q) = %q, %v; want %q, %v", tt.pattern, lib, ok, tt.lib, tt.ok)
		}
	}
}

func TestStructSchema(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type shape struct {
		inner
		Name   string      `json:"name"`
		Since  *site.Date  `json:"since"`
		Area   *float64    `json:"area_m2"`
		Status site.Status `json:"status"`
		Tags   []string    `json:"tags"`
		skip   int
	}
	refs := map[reflect.Type]string{reflect.TypeFor[site.Status](): "Status", reflect.TypeFor[site.Date](): "DateWithPrecision"}
	base := map[string]any{"properties": map[string]any{"area_m2": map[string]any{"type": "string", "minimum": 0, "description": "d"}}}
	got, err := structSchema(reflect.TypeFor[shape](), refs, base)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "object", "required": []string{"n", "name", "since", "area_m2", "status", "tags"},
		"properties": map[string]any{
			"n":       map[string]any{"type": "integer"},
			"name":    map[string]any{"type": "string"},
			"since":   map[string]any{"allOf": []any{map[string]any{"$ref": "#/components/schemas/DateWithPrecision"}}, "nullable": true},
			"area_m2": map[string]any{"type": "number", "nullable": true, "minimum": 0, "description": "d"},
			"status":  map[string]any{"$ref": "#/components/schemas/Status"},
			"tags":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("structSchema(shape) = %v; want %v", got, want)
	}
	base = map[string]any{"properties": map[string]any{"gone": map[string]any{"type": "string"}}}
	if _, err := structSchema(reflect.TypeFor[shape](), refs, base); err == nil {
		t.Error("structSchema with a hand-written field the struct has not = nil error; want one")
	}
}
