package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/store"
)

func TestEditorEditShowsInSiteAndHistory(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const id = "cpcu-ivry"
	before := e.etag(t, id)
	out := e.edit(t, "PATCH", "/api/sites/"+id, id, `{"name":"Chaufferie CPCU (renommée)","reason":"comité du 12"}`)
	if out.ETag == before {
		t.Errorf("PATCH kept the ETag %s; want a new one", before)
	}
	var detail struct {
		Name string `json:"name"`
	}
	resp, body := e.call(t, "GET", "/api/sites/"+id, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/sites/%s: %d %s", id, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &detail); err != nil || detail.Name != "Chaufferie CPCU (renommée)" {
		t.Errorf("GET /api/sites/%s name = %q, %v; want the new name", id, detail.Name, err)
	}
	resp, body = e.as(t, auth.Viewer, "GET", "/api/sites/"+id+"/history", "")
	var h historyResponse
	// The edit, then the site's creation by the seed.
	if err := json.Unmarshal(body, &h); err != nil || len(h.Items) != 2 || h.Items[1].Action != "site.create" {
		t.Fatalf("history = %s, %v; want the edit and the seed's creation", body, err)
	}
	rec := h.Items[0]
	if rec.User != "alice" || rec.Action != "site.update" || rec.Reason != "comité du 12" ||
		!strings.Contains(string(rec.Before), "Chaufferie") || !strings.Contains(string(rec.After), "renommée") {
		t.Errorf("history record = %+v before %s after %s; want alice's site.update with before and after", rec, rec.Before, rec.After)
	}
	if resp.Header.Get("ETag") != out.ETag {
		t.Errorf("history ETag %q; want %q", resp.Header.Get("ETag"), out.ETag)
	}
}

// writeRoutes is one request per editing route, valid but for the caller, to check that
// each refuses the wrong callers.
var writeRoutes = []struct{ method, path, body string }{
	{"PATCH", "/api/sites/cpcu-ivry", `{"name":"x"}`},
	{"POST", "/api/sites", `{"id":"nouveau","name":"n","part":{"status":"in_use","status_since":"2020"}}`},
	{"DELETE", "/api/sites/cpcu-ivry", ``},
	{"POST", "/api/sites/cpcu-ivry/restore", ``},
	{"POST", "/api/sites/cpcu-ivry/events", `{"kind":"note","date":"2020","planned":false,"title":"t"}`},
	{"POST", "/api/sites/cpcu-ivry/milestones", `{"kind":"release","label":"x","date":"2030"}`},
	{"PATCH", "/api/events/1", `{"title":"x"}`},
	{"DELETE", "/api/events/1", ``},
	{"POST", "/api/events/1/restore", ``},
	{"POST", "/api/parts/cpcu-ivry-chaufferie/status", `{"status":"released","date":"2024-01-10","reason":"r"}`},
	{"PUT", "/api/parts/cpcu-ivry-chaufferie/geometry", `{"geometry":` + polygonInside + `,"quality":"surveyed","source":"s"}`},
	{"POST", "/api/parts/cpcu-ivry-chaufferie/split", `{"geometry":` + polygonInside + `,"label":"cédé"}`},
	{"POST", "/api/parts/cpcu-ivry-chaufferie/parcels", `{"ids":["94041000AZ0056"]}`},
	{"DELETE", "/api/parts/cpcu-ivry-chaufferie/parcels/94041000AZ0056", ``},
	{"POST", "/api/milestones/2/plans", `{"date":"2031","reason":"r"}`},
	{"PUT", "/api/milestones/2/actual", `{"date":"2024"}`},
}

func TestWriteNeedsAnEditor(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	revoked := auth.Secret(auth.TokenMarker)
	if _, err := e.st.CreateToken(t.Context(), store.CommandLine("test"), "alice", revoked); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RevokeToken(t.Context(), store.CommandLine("test"), 0, revoked); err != nil {
		t.Fatal(err)
	}
	etag := e.etag(t, "cpcu-ivry")
	start := digest(t, e.st)
	callers := []struct {
		name   string
		auth   string
		status int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"viewer", "Bearer " + e.tokens[auth.Viewer], http.StatusForbidden},
		{"unknown token", "Bearer " + auth.Secret(auth.TokenMarker), http.StatusUnauthorized},
		{"revoked token", "Bearer " + revoked, http.StatusUnauthorized},
		{"not a bearer", "Basic YWxpY2U6eA==", http.StatusUnauthorized},
	}
	for _, c := range callers {
		for _, w := range writeRoutes {
			t.Run(c.name+" "+w.method+" "+w.path, func(t *testing.T) {
				var body *strings.Reader
				if w.body != "" {
					body = strings.NewReader(w.body)
				}
				header := []string{"If-Match", etag, "Authorization", c.auth}
				var resp *http.Response
				var got []byte
				if body != nil {
					resp, got = e.call(t, w.method, w.path, body, header...)
				} else {
					resp, got = e.call(t, w.method, w.path, nil, header...)
				}
				if resp.StatusCode != c.status {
					t.Fatalf("status %d; want %d: %s", resp.StatusCode, c.status, got)
				}
				if c.status == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without WWW-Authenticate")
				}
				if problemOf(t, got).Detail == "" {
					t.Errorf("problem without detail: %s", got)
				}
			})
		}
	}
	// An editor may not restore: that is an admin's.
	for _, path := range []string{"/api/sites/cpcu-ivry/restore", "/api/events/1/restore"} {
		if resp, body := e.as(t, auth.Editor, "POST", path, "", "If-Match", etag); resp.StatusCode != http.StatusForbidden {
			t.Errorf("editor POST %s: %d %s; want 403", path, resp.StatusCode, body)
		}
	}
	if digest(t, e.st) != start {
		t.Errorf("refused writes changed the database")
	}
	// Disabling an account (an audited write) stops its token at once.
	if err := e.st.DisableUser(t.Context(), store.CommandLine("test"), "alice"); err != nil {
		t.Fatal(err)
	}
	start = digest(t, e.st)
	if resp, body := e.as(t, auth.Editor, "PATCH", "/api/sites/cpcu-ivry", `{"name":"x"}`, "If-Match", etag); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled editor's PATCH: %d %s; want 401", resp.StatusCode, body)
	}
	if digest(t, e.st) != start {
		t.Errorf("a disabled editor's refused write changed the database")
	}
}

// signIn signs name in over POST /api/session and returns the session cookie and the
// CSRF token.
func (e *editEnv) signIn(t *testing.T, name string, header ...string) (*http.Cookie, string) {
	t.Helper()
	resp, body := e.call(t, "POST", "/api/session", strings.NewReader(`{"name":"`+name+`","password":"`+testPassword+`"}`), header...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in as %s: %d %s", name, resp.StatusCode, body)
	}
	var info sessionInfo
	if err := json.Unmarshal(body, &info); err != nil || !info.SignedIn || info.User != auth.NormalizeName(name) || info.CSRFToken == "" {
		t.Fatalf("sign in as %s: %s, %v; want signed in with a CSRF token", name, body, err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c, info.CSRFToken
		}
	}
	t.Fatalf("sign in as %s: no %s cookie in %v", name, sessionCookie, resp.Header["Set-Cookie"])
	return nil, ""
}

func TestSessionCookieAndCSRF(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	resp, body := e.call(t, "POST", "/api/session", strings.NewReader(`{"name":"alice","password":"wrong"}`))
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d %s; want 401", resp.StatusCode, body)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("wrong password set cookies %v", resp.Cookies())
	}
	cookie, csrf := e.signIn(t, "Alice") // names are case-insensitive
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.Path != "/" {
		t.Errorf("cookie %+v; want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", cookie)
	}
	withCookie := "emprises_session=" + cookie.Value
	resp, body = e.call(t, "GET", "/api/session", nil, "Cookie", withCookie)
	var info sessionInfo
	if err := json.Unmarshal(body, &info); resp.StatusCode != http.StatusOK || err != nil || info.User != "alice" || info.Role != auth.Editor || info.CSRFToken != csrf || info.Auth != "session" {
		t.Errorf("GET /api/session = %d %s, %v; want 200 with alice, editor, the CSRF token", resp.StatusCode, body, err)
	}

	etag := e.etag(t, "cpcu-ivry")
	start := digest(t, e.st)
	patch := `{"name":"Chaufferie"}`
	for _, c := range []struct{ name, token string }{{"without the CSRF header", ""}, {"with a wrong CSRF token", csrf + "x"}} {
		resp, body = e.call(t, "PATCH", "/api/sites/cpcu-ivry", strings.NewReader(patch),
			"Cookie", withCookie, "If-Match", etag, csrfHeader, c.token)
		if resp.StatusCode != http.StatusForbidden || problemOf(t, body).Field != csrfHeader {
			t.Errorf("PATCH %s: %d %s; want 403 naming %s", c.name, resp.StatusCode, body, csrfHeader)
		}
	}
	if digest(t, e.st) != start {
		t.Fatalf("a refused cookie write changed the database")
	}
	resp, body = e.call(t, "PATCH", "/api/sites/cpcu-ivry", strings.NewReader(patch),
		"Cookie", withCookie, "If-Match", etag, csrfHeader, csrf)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH with cookie and CSRF token: %d %s", resp.StatusCode, body)
	}

	// Signing out needs the token too, and kills the session for good.
	if resp, body = e.call(t, "DELETE", "/api/session", nil, "Cookie", withCookie); resp.StatusCode != http.StatusForbidden {
		t.Errorf("DELETE /api/session without CSRF: %d %s; want 403", resp.StatusCode, body)
	}
	resp, _ = e.call(t, "DELETE", "/api/session", nil, "Cookie", withCookie, csrfHeader, csrf)
	if resp.StatusCode != http.StatusNoContent || len(resp.Cookies()) != 1 || resp.Cookies()[0].MaxAge >= 0 {
		t.Errorf("DELETE /api/session: %d, cookies %v; want 204 clearing the cookie", resp.StatusCode, resp.Cookies())
	}
	_, body = e.call(t, "GET", "/api/session", nil, "Cookie", withCookie)
	if err := json.Unmarshal(body, &info); err != nil || info.SignedIn {
		t.Errorf("GET /api/session after sign-out = %s; want signed_in false", body)
	}
	resp, body = e.call(t, "PATCH", "/api/sites/cpcu-ivry", strings.NewReader(`{"name":"Encore"}`),
		"Cookie", withCookie, "If-Match", e.etag(t, "cpcu-ivry"), csrfHeader, csrf)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("PATCH with a signed-out cookie: %d %s; want 401", resp.StatusCode, body)
	}
}

func TestSessionCookieSecureBehindTLSProxy(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{TrustedProxies: loopback})
	cookie, _ := e.signIn(t, "alice", "X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.9")
	if !cookie.Secure {
		t.Errorf("cookie behind an HTTPS proxy %+v; want Secure", cookie)
	}
	// From a peer that is not a trusted proxy the header is anybody's and is ignored.
	e = newEditEnv(t, Config{})
	if cookie, _ := e.signIn(t, "alice", "X-Forwarded-Proto", "https"); cookie.Secure {
		t.Errorf("cookie with an untrusted X-Forwarded-Proto %+v; want not Secure", cookie)
	}
}

func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{TrustedProxies: loopback})
	try := func(name, password, ip string) *http.Response {
		resp, _ := e.call(t, "POST", "/api/session", strings.NewReader(`{"name":"`+name+`","password":"`+password+`"}`),
			"X-Forwarded-For", "198.51.100.1, "+ip)
		return resp
	}
	// By name: five failures from five addresses, then even the right password waits.
	for i := range 5 {
		if resp := try("alice", "guess", fmt.Sprintf("203.0.113.%d", i+1)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d; want 401", i+1, resp.StatusCode)
		}
	}
	resp := try("alice", testPassword, "203.0.113.99")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt on alice: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp := try("ada", testPassword, "203.0.113.100"); resp.StatusCode != http.StatusOK {
		t.Errorf("another account from another address: %d; want 200", resp.StatusCode)
	}
	// By address: five failures on five names from one address, then that address waits.
	for i := range 5 {
		if resp := try(fmt.Sprintf("nobody%d", i), "guess", "192.0.2.7"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d from one address: status %d; want 401", i+1, resp.StatusCode)
		}
	}
	if resp := try("victor", testPassword, "192.0.2.7"); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sixth attempt from 192.0.2.7: %d; want 429", resp.StatusCode)
	}
	if resp := try("victor", testPassword, "192.0.2.8"); resp.StatusCode != http.StatusOK {
		t.Errorf("same account from another address: %d; want 200", resp.StatusCode)
	}
}

func TestStaleETagChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	old := e.etag(t, "cpcu-ivry")
	out := e.edit(t, "PATCH", "/api/sites/cpcu-ivry", "cpcu-ivry", `{"occupant":"CPCU (Dalkia)"}`)
	start := digest(t, e.st)
	for _, w := range []struct{ method, path, body string }{
		{"PATCH", "/api/sites/cpcu-ivry", `{"occupant":"autre"}`},
		{"POST", "/api/parts/cpcu-ivry-chaufferie/status", `{"status":"released","date":"2024-01-10","reason":"r"}`},
		{"PUT", "/api/parts/cpcu-ivry-chaufferie/geometry", `{"geometry":` + polygonInside + `,"quality":"surveyed","source":"s"}`},
	} {
		resp, body := e.as(t, auth.Editor, w.method, w.path, w.body, "If-Match", old)
		if resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("%s %s with the old ETag: %d %s; want 412", w.method, w.path, resp.StatusCode, body)
		}
		if resp.Header.Get("ETag") != out.ETag {
			t.Errorf("412 ETag %q; want the current %q", resp.Header.Get("ETag"), out.ETag)
		}
	}
	if digest(t, e.st) != start {
		t.Errorf("stale writes changed the database")
	}
}

func TestConcurrentEditsOneWins(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	etag := e.etag(t, "usine-des-eaux")
	const n = 8
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, _ := e.as(t, auth.Editor, "PATCH", "/api/sites/usine-des-eaux",
				fmt.Sprintf(`{"occupant":"occupant %d"}`, i), "If-Match", etag)
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusPreconditionFailed] != n-1 {
		t.Errorf("statuses %v; want one 200 and %d 412", count, n-1)
	}
	var records int
	e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM audit_log WHERE site_id = 'usine-des-eaux' AND action <> 'site.create'`).Scan(&records)
	if records != 1 {
		t.Errorf("%d audit records; want 1", records)
	}
}

// TestEntityTags reads If-Match as RFC 9110 writes it: a list of strong or weak tags with
// optional white space and empty elements; anything else is refused.
func TestEntityTags(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string // nil with ok false: refused
		ok   bool
	}{
		{`"v1"`, []string{`"v1"`}, true},
		{`"v1", "v2"`, []string{`"v1"`, `"v2"`}, true},
		{` "v1" ,, W/"v2",  "x!#" `, []string{`"v1"`, `"x!#"`}, true},
		{`""`, []string{`""`}, true},
		{`"v6", garbage`, nil, false},
		{`v1`, nil, false},
		{`"v1`, nil, false},
		{`"v1" "v2"`, nil, false},
		{`"v 1"`, nil, false},
		{`W/v1`, nil, false},
		{"\"v1\x00\"", nil, false},
	} {
		got, err := entityTags(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("entityTags(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
