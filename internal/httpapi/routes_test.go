package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/auth"
)

// reviewedRoles are the routes that need a role, as a reviewer expects them; every other
// route is public. The route table of routes.go is the one list the router and the API
// definition read; this copy makes a change of role a change a reviewer sees twice.
var reviewedRoles = map[string]auth.Role{
	"GET /api/sites/{id}/history":             auth.Viewer,
	"GET /metrics":                            auth.Viewer,
	"POST /api/sites":                         auth.Editor,
	"PATCH /api/sites/{id}":                   auth.Editor,
	"DELETE /api/sites/{id}":                  auth.Editor,
	"POST /api/sites/{id}/events":             auth.Editor,
	"POST /api/sites/{id}/milestones":         auth.Editor,
	"PATCH /api/events/{id}":                  auth.Editor,
	"DELETE /api/events/{id}":                 auth.Editor,
	"POST /api/parts/{id}/status":             auth.Editor,
	"PUT /api/parts/{id}/geometry":            auth.Editor,
	"POST /api/parts/{id}/split":              auth.Editor,
	"POST /api/parts/{id}/parcels":            auth.Editor,
	"DELETE /api/parts/{id}/parcels/{parcel}": auth.Editor,
	"POST /api/milestones/{id}/plans":         auth.Editor,
	"PUT /api/milestones/{id}/actual":         auth.Editor,
	"POST /api/commitments":                   auth.Editor,
	"PATCH /api/commitments/{id}":             auth.Editor,
	"POST /api/commitments/{id}/follow-ups":   auth.Editor,
	"POST /api/committees":                    auth.Editor,
	"POST /api/meetings":                      auth.Editor,
	"PATCH /api/meetings/{id}":                auth.Editor,
	"POST /api/meetings/{id}/agenda":          auth.Editor,
	"POST /api/meetings/{id}/decisions":       auth.Editor,
	"POST /api/sites/{id}/restore":            auth.Admin,
	"POST /api/events/{id}/restore":           auth.Admin,
}

// TestRouteRoles walks the router: every route is in the route table, whose roles are
// the reviewed ones, and each answers a caller below its role with 401 (nobody) or 403
// (a role too low) before any handler runs, while public routes never ask who calls.
func TestRouteRoles(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	srv := &Server{store: e.st, logger: testLogger(t)}
	mux := srv.routes().(*chi.Mux)
	table := map[string]auth.Role{}
	for _, rt := range srv.routeList {
		k := rt.Method + " " + rt.Pattern
		if _, dup := table[k]; dup {
			t.Errorf("route table: %s twice", k)
		}
		table[k] = rt.Role
		if want := reviewedRoles[k]; rt.Role != want {
			t.Errorf("route table: %s needs role %q; reviewed as %q", k, rt.Role, want)
		}
	}
	for k := range reviewedRoles {
		if _, ok := table[k]; !ok {
			t.Errorf("reviewedRoles names %s, which the route table does not hold", k)
		}
	}
	seen := map[string]bool{}
	err := chi.Walk(mux, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		seen[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range seen {
		if _, ok := table[k]; !ok {
			t.Errorf("route %s is not in the route table: register it with routeTable and its role", k)
		}
	}
	fill := strings.NewReplacer("{id}", "1", "{collectionId}", "sites", "{featureId}", "x",
		"{z}", "14", "{x}", "8301", "{y}", "5639", "{parcel}", "94041000AZ0056", "*", "index.html")
	lower := map[auth.Role]auth.Role{auth.Editor: auth.Viewer, auth.Admin: auth.Editor}
	for k, role := range table {
		if !seen[k] {
			t.Errorf("the route table names %s, which the router does not serve", k)
			continue
		}
		method, route, _ := strings.Cut(k, " ")
		path := fill.Replace(route)
		resp, body := e.call(t, method, path, strings.NewReader("{}"))
		switch {
		case role == public && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
			t.Errorf("anonymous %s %s: %d %s; a public route must not ask who calls", method, path, resp.StatusCode, body)
		case role != public && resp.StatusCode != http.StatusUnauthorized:
			t.Errorf("anonymous %s %s: %d %s; want 401", method, path, resp.StatusCode, body)
		}
		if below, ok := lower[role]; ok {
			resp, body := e.as(t, below, method, path, "{}")
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s %s: %d %s; want 403", below, method, path, resp.StatusCode, body)
			}
		}
	}
}

// TestRoutesOnlyInRoutesGo reads the package's sources: a route registered anywhere but
// routes.go would escape the one list a reviewer reads.
func TestRoutesOnlyInRoutesGo(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	register := []string{"Get", "Head", "Post", "Put", "Patch", "Delete", "Options", "Connect", "Trace",
		"Handle", "HandleFunc", "Method", "MethodFunc", "Mount", "Route"}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || !slices.Contains(register, sel.Sel.Name) {
				return true
			}
			if !startsWithSlash(call.Args[0]) {
				return true
			}
			if name != "routes.go" {
				t.Errorf("%s: %s registers a route outside routes.go", fset.Position(call.Pos()), sel.Sel.Name)
			}
			found++
			return true
		})
	}
	if found < len(reviewedRoles)+20 {
		t.Errorf("found %d route registrations; the check no longer sees them", found)
	}
}

// startsWithSlash reports whether e is a path: a string literal, or a sum starting with
// one, that begins with "/".
func startsWithSlash(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(e.Value)
		return err == nil && strings.HasPrefix(s, "/")
	case *ast.BinaryExpr:
		return startsWithSlash(e.X)
	}
	return false
}

// TestHeadAndAllow: HEAD works wherever GET does, and a 405 says what is allowed.
func TestHeadAndAllow(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	for _, path := range []string{"/healthz", "/collections/sites/items?limit=1", "/api/sites/cpcu-ivry", "/api/calendar.csv"} {
		resp, body := e.call(t, "HEAD", path, nil)
		if resp.StatusCode != http.StatusOK || len(body) != 0 {
			t.Errorf("HEAD %s: %d with %d bytes; want 200 with none", path, resp.StatusCode, len(body))
		}
	}
	for _, tt := range []struct{ method, path, allow string }{
		{"POST", "/api/calendar", "GET, HEAD"},
		{"PUT", "/api/sites/cpcu-ivry", "GET, HEAD, PATCH, DELETE"},
		{"GET", "/api/parts/x/status", "POST"},
	} {
		resp, body := e.call(t, tt.method, tt.path, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tt.allow {
			t.Errorf("%s %s: %d, Allow %q; want 405 with Allow %q (%s)", tt.method, tt.path,
				resp.StatusCode, resp.Header.Get("Allow"), tt.allow, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q; want a problem", tt.method, tt.path, ct)
		}
	}
}
