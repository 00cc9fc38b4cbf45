package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/store"
)

// editEnv is a served, seeded database with one account of each role, each with an API
// token, and the password of every account.
type editEnv struct {
	srv    *httptest.Server
	st     *store.Store
	tokens map[auth.Role]string // editor "alice", viewer "victor", admin "ada"
	names  map[auth.Role]string
}

const testPassword = "correct horse battery staple"

// newEditEnv serves the whole service as NewServer builds it over a fresh seeded database.
func newEditEnv(t *testing.T, cfg Config) *editEnv {
	t.Helper()
	st := seededStore(t)
	ctx := context.Background()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	e := &editEnv{st: st, tokens: map[auth.Role]string{}, names: map[auth.Role]string{
		auth.Editor: "alice", auth.Viewer: "victor", auth.Admin: "ada"}}
	for role, name := range e.names {
		if _, err := st.CreateUser(ctx, store.CommandLine("test"), name, role, hash); err != nil {
			t.Fatalf("CreateUser(%s): %v", name, err)
		}
		tok := auth.Secret(auth.TokenMarker)
		if _, err := st.CreateToken(ctx, store.CommandLine("test"), name, tok); err != nil {
			t.Fatalf("CreateToken(%s): %v", name, err)
		}
		e.tokens[role] = tok
	}
	if cfg.TileURL == "" {
		cfg.TileURL = "https://tiles.invalid/{z}/{x}/{y}.png"
	}
	e.srv = httptest.NewServer(NewServer(st, cfg, testLogger(t)))
	t.Cleanup(e.srv.Close)
	return e
}

// call sends a request and returns the response with its body read. header holds
// name/value pairs, each replacing any earlier value, "" removing the header;
// Content-Type defaults to application/json when there is a body.
func (e *editEnv) call(t *testing.T, method, path string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, b
}

// as sends a request with the API token of role.
func (e *editEnv) as(t *testing.T, role auth.Role, method, path, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	return e.call(t, method, path, r, append([]string{"Authorization", "Bearer " + e.tokens[role]}, header...)...)
}

// etag reads the current ETag of a site from its history (GET /api/sites/{id} sends the
// same once the read API sets it).
func (e *editEnv) etag(t *testing.T, siteID string) string {
	t.Helper()
	resp, body := e.as(t, auth.Viewer, "GET", "/api/sites/"+siteID+"/history", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET history of %s: %d %s", siteID, resp.StatusCode, body)
	}
	return resp.Header.Get("ETag")
}

// edit sends an edit as the editor with the site's current ETag and wants 200 or 201.
func (e *editEnv) edit(t *testing.T, method, path, siteID, body string) editResponse {
	t.Helper()
	resp, b := e.as(t, auth.Editor, method, path, body, "If-Match", e.etag(t, siteID))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		t.Fatalf("%s %s %s: %d %s", method, path, body, resp.StatusCode, b)
	}
	var out editResponse
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %v in %s", method, path, err, b)
	}
	if got := resp.Header.Get("ETag"); got != out.ETag || got != siteETag(out.Version) {
		t.Errorf("%s %s: ETag header %q, body %q, version %d; want them to agree", method, path, got, out.ETag, out.Version)
	}
	return out
}

// digest is a fingerprint of every row an edit could touch, in every table, so that a
// refused edit can be shown to have changed nothing at all.
func digest(t *testing.T, st *store.Store) string {
	t.Helper()
	var d string
	err := st.Pool().QueryRow(context.Background(), `
		SELECT md5(concat_ws('|',
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM sites x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM site_parts x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM part_status_history x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM events x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM milestones x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM milestone_plans x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM parcels x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM audit_log x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM committees x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.committee_id, x.clause)) FROM committee_cadences x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM commitments x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM commitment_followups x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM meetings x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM agenda_items x),
		    (SELECT md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)) FROM decisions x),
		    (SELECT count(*) FROM audit_log)))`).Scan(&d)
	if err != nil {
		t.Fatalf("digest: %v", err)
	}
	return d
}

// problemOf decodes a problem body.
func problemOf(t *testing.T, body []byte) Problem {
	t.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("problem body %q: %v", body, err)
	}
	return p
}
