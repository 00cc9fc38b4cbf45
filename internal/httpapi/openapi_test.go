package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// openAPI is the part of an OpenAPI 3.0 document the test checks.
type openAPI struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	} `json:"info"`
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

// operationMethods are the methods an OpenAPI path item may describe.
var operationMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// catchAll are the methods chi registers for a route that takes any method.
var catchAll = []string{"delete", "get", "patch", "post", "put"}

// chiParam matches a chi path parameter, with or without a regular expression.
var chiParam = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

// openAPIPath writes a chi route pattern as an OpenAPI path: "{id:[0-9]+}" becomes "{id}",
// and a trailing wildcard "/*" becomes "/{path}".
func openAPIPath(route string) string {
	p := chiParam.ReplaceAllString(route, "{$1}")
	if rest, ok := strings.CutSuffix(p, "/*"); ok {
		p = rest + "/{path}"
	}
	return p
}

// routedMethods walks the service's router: OpenAPI path → lower-case methods.
func routedMethods(t *testing.T) map[string][]string {
	t.Helper()
	srv := &Server{logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	router, ok := srv.routes().(chi.Routes)
	if !ok {
		t.Fatalf("routes() is a %T, not a chi router", srv.routes())
	}
	routed := map[string][]string{}
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		m := strings.ToLower(method)
		switch m {
		case "head", "options", "connect", "trace":
			return nil // answered by net/http and chi for every route, or never
		}
		p := openAPIPath(route)
		if !slices.Contains(routed[p], m) {
			routed[p] = append(routed[p], m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range routed {
		sort.Strings(routed[p])
	}
	return routed
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc openAPI
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") || doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("openapi.json: openapi %q, info %+v; want 3.0.x with a title and version", doc.OpenAPI, doc.Info)
	}
	routed := routedMethods(t)
	documented := map[string][]string{}
	for p, item := range doc.Paths {
		for m := range item {
			if slices.Contains(operationMethods, m) {
				documented[p] = append(documented[p], m)
			}
		}
		sort.Strings(documented[p])
	}

	for p, methods := range routed {
		docs, ok := documented[p]
		if !ok {
			t.Errorf("route %s (%s) is not in openapi.json; describe it there", p, strings.Join(methods, ", "))
			continue
		}
		if slices.Equal(methods, catchAll) {
			// A handler for every method (r.Handle, r.Mount of a plain handler): its
			// description says which methods it answers.
			for _, m := range docs {
				if !slices.Contains(catchAll, m) {
					t.Errorf("openapi.json describes %s %s, which no route answers", strings.ToUpper(m), p)
				}
			}
			continue
		}
		for _, m := range methods {
			if !slices.Contains(docs, m) {
				t.Errorf("route %s %s is not in openapi.json; describe it there", strings.ToUpper(m), p)
			}
		}
		for _, m := range docs {
			if !slices.Contains(methods, m) {
				t.Errorf("openapi.json describes %s %s, which no route answers", strings.ToUpper(m), p)
			}
		}
	}
	for p := range documented {
		if _, ok := routed[p]; !ok {
			t.Errorf("openapi.json describes %s, which no route answers", p)
		}
	}
}

// TestOpenAPIDocumentIsWellFormed checks what a generic OpenAPI validator would catch
// first: every $ref resolves, every operation has an id and responses, every path
// parameter is declared.
func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	var root any
	if err := json.Unmarshal(openAPIDocument, &root); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	// Every $ref points into the document.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, ok := resolve(root, ref); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
				if len(v) > 1 {
					t.Errorf("%s: members beside $ref are ignored by OpenAPI 3.0: %v", at, v)
				}
			}
			for k, child := range v {
				walk(child, at+"/"+k)
			}
		case []any:
			for _, child := range v {
				walk(child, at+"[]")
			}
		}
	}
	walk(root, "#")

	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string            `json:"operationId"`
			Parameters  []json.RawMessage `json:"parameters"`
			Responses   map[string]any    `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for p, item := range doc.Paths {
		for m, op := range item {
			where := strings.ToUpper(m) + " " + p
			if op.OperationID == "" || len(op.Responses) == 0 {
				t.Errorf("%s: operationId %q, %d responses; want both", where, op.OperationID, len(op.Responses))
			}
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s: operationId %q is also %s's", where, op.OperationID, other)
			}
			ids[op.OperationID] = where
			declared := map[string]bool{}
			for _, raw := range op.Parameters {
				var param struct {
					Ref  string `json:"$ref"`
					Name string `json:"name"`
					In   string `json:"in"`
				}
				json.Unmarshal(raw, &param) //nolint:errcheck // checked by the walk above
				if param.Ref != "" {
					resolved, _ := resolve(root, param.Ref)
					b, _ := json.Marshal(resolved)
					json.Unmarshal(b, &param) //nolint:errcheck
				}
				if param.In == "path" {
					declared[param.Name] = true
				}
			}
			for _, m := range chiParam.FindAllStringSubmatch(p, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s is not declared", where, m[1])
				}
			}
			for name := range declared {
				if !strings.Contains(p, "{"+name+"}") {
					t.Errorf("%s: declares path parameter %s that is not in the path", where, name)
				}
			}
		}
	}
}

// resolve follows a local JSON pointer such as "#/components/schemas/Problem".
func resolve(root any, ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	v := root
	for _, name := range strings.Split(rest, "/") {
		name = strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[name]; !ok {
			return nil, false
		}
	}
	return v, true
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	resp, body := get(t, srv, "/api/openapi.json")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != openAPIMediaType {
		t.Errorf("GET /api/openapi.json: %d %q; want 200 %q", resp.StatusCode, resp.Header.Get("Content-Type"), openAPIMediaType)
	}
	if !bytes.Equal(body, openAPIDocument) {
		t.Errorf("GET /api/openapi.json is not the embedded document")
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
