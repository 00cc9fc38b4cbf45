package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/store"
)

// seededStore is a fresh database seeded with the reference sites, dropped at the end of
// the test.
func seededStore(t testing.TB) *store.Store {
	t.Helper()
	st := store.New(pgtest.NewDB(t))
	ds, err := geodata.Load()
	if err != nil {
		t.Fatalf("geodata.Load: %v", err)
	}
	if _, err := st.Seed(context.Background(), store.CommandLine("test"), ds); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return st
}

// newTestServer serves the whole service over a seeded database. The server is closed and
// the database dropped at the end of the test.
func newTestServer(t *testing.T) (*httptest.Server, *store.Store) {
	t.Helper()
	st := seededStore(t)
	cfg := Config{TileURL: "https://tiles.invalid/{z}/{x}/{y}.png", TileAttribution: "© test"}
	srv := httptest.NewServer(NewServer(st, cfg, testLogger(t)))
	t.Cleanup(srv.Close)
	return srv, st
}

// testLogger writes the server's log into the test's output, shown when a test fails or
// with -v.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// get fetches path from srv and returns the response with its whole body read.
func get(t *testing.T, srv *httptest.Server, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	return resp, body
}

// getJSON fetches path, wants a 200 JSON answer and decodes it into v.
func getJSON(t *testing.T, srv *httptest.Server, path string, v any) {
	t.Helper()
	resp, body := get(t, srv, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d; want 200: %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// wantProblem checks that resp is an RFC 9457 problem with the given status and, when
// param is not empty, naming that query parameter.
func wantProblem(t *testing.T, path string, resp *http.Response, body []byte, status int, param string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("GET %s: status %d; want %d: %s", path, resp.StatusCode, status, body)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("GET %s: Content-Type %q; want application/problem+json", path, ct)
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Errorf("GET %s: problem body %s: %v", path, body, err)
		return
	}
	if p.Status != status || p.Title == "" || p.Type == "" || p.Detail == "" {
		t.Errorf("GET %s: problem %+v; want status %d with type, title and detail", path, p, status)
	}
	if param != "" && p.Param != param {
		t.Errorf("GET %s: problem names param %q; want %q (%s)", path, p.Param, param, p.Detail)
	}
}
