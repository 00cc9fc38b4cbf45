package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emprises/emprises/internal/pgtest"
)

// TestAccounts runs the account commands in-process: add prints a password once, tokens
// print the token on their last line and work until revoked, disable stops everything.
func TestAccounts(t *testing.T) {
	url := pgtest.NewDBURL(t)
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	runCmd := func(args ...string) (string, string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	lastLine := func(s string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return lines[len(lines)-1]
	}

	out, _, err := runCmd("users", "add", "--name", "M.Dupont", "--role", "editor")
	if err != nil {
		t.Fatalf("users add: %v", err)
	}
	password := strings.TrimSpace(out)
	if len(password) != 23 {
		t.Errorf("users add printed %q; want the generated password alone", out)
	}
	if _, _, err := runCmd("users", "add", "--name", "m.dupont", "--role", "admin"); err == nil || exitCode(err) != 2 ||
		!strings.Contains(err.Error(), "already exists") {
		t.Errorf("users add of an existing name = %v; want a usage error saying it exists", err)
	}
	out, _, err = runCmd("tokens", "create", "--user", "m.dupont")
	if err != nil {
		t.Fatalf("tokens create: %v", err)
	}
	token := lastLine(out)
	if !strings.HasPrefix(token, "emp_") || len(token) != 47 {
		t.Errorf("tokens create printed %q last; want the token", token)
	}
	out, _, err = runCmd("tokens", "list")
	if err != nil || !strings.Contains(out, token[:12]+"…") || strings.Contains(out, token) {
		t.Errorf("tokens list = %q, %v; want the prefix, never the token", out, err)
	}
	var stored int
	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens WHERE token_hash = sha256($1::bytea)`, []byte(token)).Scan(&stored)
	var plain int
	pool.QueryRow(t.Context(), `SELECT count(*) FROM api_tokens t, users u WHERE strpos(t.token_hash::text || u.password_hash, $1) > 0`, token[4:]).Scan(&plain)
	if stored != 1 || plain != 0 {
		t.Errorf("token stored as its SHA-256: %d rows, in clear: %d rows; want 1 and 0", stored, plain)
	}
	var hash string
	pool.QueryRow(t.Context(), `SELECT password_hash FROM users WHERE name = 'm.dupont'`).Scan(&hash)
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, password) {
		t.Errorf("password stored as %q; want an argon2id hash", hash)
	}

	out, _, err = runCmd("users", "list")
	if err != nil || !strings.Contains(out, "m.dupont") || !strings.Contains(out, "editor") || !strings.Contains(out, "active") {
		t.Errorf("users list = %q, %v", out, err)
	}
	for _, bad := range [][]string{
		{"users"}, {"users", "frobnicate"}, {"users", "add", "--name", "x"}, {"users", "add", "--name", "Bad Name", "--role", "editor"},
		{"users", "add", "--name", "x", "--role", "root"}, {"users", "disable"}, {"users", "disable", "nobody"},
		{"tokens", "create"}, {"tokens", "create", "--user", "nobody"}, {"tokens", "revoke"}, {"tokens", "revoke", "emp_"},
		{"tokens", "revoke", "--id", "99"}, {"tokens", "revoke", "--id", "1", "emp_abcd"},
	} {
		if _, _, err := runCmd(bad...); exitCode(err) != 2 {
			t.Errorf("%q = %v (exit %d); want exit 2", bad, err, exitCode(err))
		}
	}
	if _, _, err := runCmd("tokens", "revoke", token[:10]); err != nil {
		t.Errorf("tokens revoke by prefix: %v", err)
	}
	if _, errOut, err := runCmd("users", "disable", "m.dupont"); err != nil || !strings.Contains(errOut, "disabled") {
		t.Errorf("users disable = %v, %q", err, errOut)
	}
	out, _, _ = runCmd("users", "list")
	if !strings.Contains(out, "disabled") {
		t.Errorf("users list after disable = %q; want disabled", out)
	}
	if _, _, err := runCmd("tokens", "create", "--user", "m.dupont"); exitCode(err) != 2 {
		t.Errorf("tokens create for a disabled account = %v; want exit 2", err)
	}
	out, _, err = runCmd("users", "reset-password", "m.dupont")
	if err != nil || len(strings.TrimSpace(out)) != 23 || strings.TrimSpace(out) == password {
		t.Errorf("users reset-password = %q, %v; want a new password", out, err)
	}
}

// TestKillDuringEdit shows that an edit is all or nothing when the server dies in the
// middle of it. The test holds a lock on audit_log, so that a large geometry edit stops
// after it has bumped the site's version and written the new outline but before its audit
// record and its commit; then it SIGKILLs the server, releases the lock, and finds the
// database exactly as before. The same edit, sent again to a restarted server, lands
// whole: version, outline and audit record together.
func TestKillDuringEdit(t *testing.T) {
	bin := buildBinary(t)
	url := pgtest.NewDBURL(t)
	env := []string{"DATABASE_URL=" + url}
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	ctx := context.Background()
	var out bytes.Buffer
	for _, args := range [][]string{{"users", "add", "--name", "alice", "--role", "editor"}, {"tokens", "create", "--user", "alice"}} {
		out.Reset()
		if err := run(ctx, args, getenv, strings.NewReader(""), &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := lines[len(lines)-1]

	serve, base := startServe(t, bin, env)
	// The owner may lock audit_log, which the service's role may not.
	pool, err := pgxpool.New(ctx, pgtest.OwnerURL(url))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	etag := siteETag(t, base, "cpcu-ivry")
	before := dbDigest(t, pool)
	body := circleGeometry(2.406, 48.816, 60, 50_000)

	// The lock: INSERT INTO audit_log needs ROW EXCLUSIVE, which SHARE ROW EXCLUSIVE blocks.
	lockTx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockTx.Exec(ctx, `LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := putGeometry(base, token, etag, body)
		done <- err
	}()
	waitFor(t, "the edit to block on audit_log", func() bool {
		var n int
		pool.QueryRow(ctx, `
			SELECT count(*) FROM pg_stat_activity
			 WHERE datname = current_database() AND application_name = 'emprises'
			   AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO audit_log%'`).Scan(&n)
		return n == 1
	})
	// Mid-edit: the site row is locked by an open transaction that has already written.
	var locked bool
	pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	                     WHERE c.relname = 'sites' AND l.mode = 'RowExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid())`).Scan(&locked)
	if !locked {
		t.Errorf("the blocked edit holds no write lock on sites; want it mid-transaction")
	}
	if err := serve.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	serve.Wait()
	if err := <-done; err == nil {
		t.Errorf("the edit got an answer from a killed server")
	}
	lockTx.Rollback(ctx)
	// PostgreSQL finds the client gone once the statement can run, and rolls back.
	waitFor(t, "the killed server's sessions to end", func() bool {
		var n int
		pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		                     WHERE datname = current_database() AND application_name = 'emprises'`).Scan(&n)
		return n == 0
	})
	after := dbDigest(t, pool)
	if after != before {
		t.Fatalf("the database changed although the edit was killed before its commit:\n%s\nbecame\n%s", before, after)
	}

	// All: the same edit on a restarted server lands whole.
	_, base = startServe(t, bin, env)
	status, err := putGeometry(base, token, etag, body)
	if err != nil || status != http.StatusOK {
		t.Fatalf("the edit after restart: %d, %v; want 200", status, err)
	}
	var version, records, vertices int
	pool.QueryRow(ctx, `SELECT version FROM sites WHERE id = 'cpcu-ivry'`).Scan(&version)
	// The seed's creation of the site is recorded too; the edit is recorded once.
	pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE site_id = 'cpcu-ivry' AND action = 'part.geometry'`).Scan(&records)
	pool.QueryRow(ctx, `SELECT ST_NPoints(geom) FROM site_parts WHERE id = 'cpcu-ivry-chaufferie'`).Scan(&vertices)
	if version != 2 || records != 1 || vertices != 50_001 || dbDigest(t, pool) == after {
		t.Errorf("after the edit: version %d, %d audit records, %d vertices; want 2, 1, 50001, and a changed database", version, records, vertices)
	}
}

// circleGeometry is the body of a geometry edit: a polygon of n vertices, radius metres
// around lon, lat.
func circleGeometry(lon, lat, radius float64, n int) string {
	var b strings.Builder
	b.WriteString(`{"quality":"surveyed","source":"levé test","geometry":{"type":"Polygon","coordinates":[[`)
	dx, dy := radius/(111_320*math.Cos(lat*math.Pi/180)), radius/110_574
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.9f,%.9f]", lon+dx*math.Cos(a), lat+dy*math.Sin(a))
	}
	b.WriteString(`]]}}`)
	return b.String()
}

func putGeometry(base, token, etag, body string) (int, error) {
	req, err := http.NewRequest("PUT", base+"/api/parts/cpcu-ivry-chaufferie/geometry", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("If-Match", etag)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func siteETag(t *testing.T, base, id string) string {
	t.Helper()
	resp, err := http.Get(base + "/api/sites/" + id)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" {
		t.Fatalf("GET /api/sites/%s: %d, ETag %q", id, resp.StatusCode, resp.Header.Get("ETag"))
	}
	return resp.Header.Get("ETag")
}

// dbDigest fingerprints every table an edit writes.
func dbDigest(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var parts []string
	for _, table := range []string{"sites", "site_parts", "part_status_history", "events", "milestones", "milestone_plans", "parcels", "audit_log"} {
		var d string
		err := pool.QueryRow(context.Background(),
			`SELECT count(*) || ':' || coalesce(md5(string_agg(to_jsonb(x)::text, ',' ORDER BY x.id)), '') FROM `+table+` x`).Scan(&d)
		if err != nil {
			t.Fatalf("digest %s: %v", table, err)
		}
		parts = append(parts, table+"="+d)
	}
	return strings.Join(parts, "\n")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
