package replica

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/internal/store"
	"github.com/emprises/emprises/migrations"
)

const (
	siteID   = "cpcu-ivry"
	password = "correct horse battery staple"
)

// deployment is a primary, its streaming replica, and two instances over both.
type deployment struct {
	primaryOpts pgcluster.Options
	primary     *pgcluster.Cluster
	replica     *pgcluster.Cluster
	a, b        *instance
	token       string // alice's API token
}

// instance is one Emprises server with its own store (its own pools).
type instance struct {
	name  string
	url   string
	store *store.Store
}

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	ctx := context.Background()
	parent := os.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		parent = "/dev/shm"
	}
	dir, err := os.MkdirTemp(parent, "emprises-replica-")
	if err != nil {
		t.Fatal(err)
	}
	// The server runs as the postgres user when the test runs as root: it must reach in.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := &deployment{}
	t.Cleanup(func() {
		for _, c := range []*pgcluster.Cluster{d.replica, d.primary} {
			if c != nil {
				if err := c.Stop(ctx); err != nil {
					t.Error(err)
				}
			}
		}
		os.RemoveAll(dir)
	})
	d.primaryOpts = pgcluster.Options{
		Dir: filepath.Join(dir, "primary"), Database: "emprises",
		Owner: migrations.OwnerRole, Users: []string{migrations.AppRole}, Extensions: migrations.Extensions,
		Fast: true,
	}
	if d.primary, err = pgcluster.Open(ctx, d.primaryOpts); err != nil {
		t.Fatal(err)
	}
	// Fast mode commits without waiting for the WAL to reach the disk, and the WAL
	// sender sends only what has: a replica would then lag by up to the WAL writer's
	// delay, not by what a production primary (which waits) shows. ALTER SYSTEM wins over
	// the settings pgcluster writes, and the replica copies it.
	super, err := pgx.Connect(ctx, d.primary.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER SYSTEM SET synchronous_commit = on`, `SELECT pg_reload_conf()`} {
		if _, err := super.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	super.Close(ctx)
	if err := store.Migrate(ctx, d.primary.UserConnString(migrations.OwnerRole, "emprises")); err != nil {
		t.Fatal(err)
	}
	seed, err := store.Open(ctx, d.primary.UserConnString(migrations.AppRole, "emprises"))
	if err != nil {
		t.Fatal(err)
	}
	ds, err := geodata.Load()
	if err != nil {
		t.Fatal(err)
	}
	by := store.CommandLine("replica-test")
	if _, err := seed.Seed(ctx, by, ds); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.CreateUser(ctx, by, "alice", auth.Editor, hash); err != nil {
		t.Fatal(err)
	}
	d.token = auth.Secret(auth.TokenMarker)
	if _, err := seed.CreateToken(ctx, by, "alice", d.token); err != nil {
		t.Fatal(err)
	}
	seed.Close()

	if d.replica, err = pgcluster.Open(ctx, pgcluster.Options{
		Dir: filepath.Join(dir, "replica"), StandbyOf: d.primary.ConnString("postgres"), Fast: true,
	}); err != nil {
		t.Fatal(err)
	}
	d.a = d.newInstance(t, "A")
	d.b = d.newInstance(t, "B")
	return d
}

func (d *deployment) newInstance(t *testing.T, name string) *instance {
	t.Helper()
	st, err := store.OpenWithReplicas(context.Background(),
		d.primary.UserConnString(migrations.AppRole, "emprises"),
		d.replica.UserConnString(migrations.AppRole, "emprises"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(httpapi.NewServer(st, httpapi.Config{}, logger))
	t.Cleanup(srv.Close)
	return &instance{name: name, url: srv.URL, store: st}
}

// replicaSQL runs a statement on the replica as its superuser.
func (d *deployment) replicaSQL(t *testing.T, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.replica.ConnString("emprises"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// browser is a planner's browser: one cookie jar for both instances (cookies do not tell
// ports apart), as behind one reverse proxy.
type browser struct {
	client *http.Client
	csrf   string
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func send(c *http.Client, method, url, body string, header map[string]string) (response, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return response{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

func mustSend(t *testing.T, c *http.Client, method, url, body string, header map[string]string) response {
	t.Helper()
	resp, err := send(c, method, url, body, header)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp
}

func (d *deployment) signIn(t *testing.T, on *instance) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{client: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
	resp := mustSend(t, b.client, "POST", on.url+"/api/session", `{"name":"alice","password":"`+password+`"}`, nil)
	if resp.status != http.StatusOK {
		t.Fatalf("sign in on %s: %d %s", on.name, resp.status, resp.body)
	}
	var info struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal(resp.body, &info); err != nil || info.CSRFToken == "" {
		t.Fatalf("sign in on %s: no CSRF token in %s (%v)", on.name, resp.body, err)
	}
	b.csrf = info.CSRFToken
	return b
}

// notes reads the site's notes (a field for signed-in readers) on an instance.
func notes(t *testing.T, c *http.Client, on *instance, header map[string]string) string {
	t.Helper()
	resp := mustSend(t, c, "GET", on.url+"/api/sites/"+siteID, "", header)
	if resp.status != http.StatusOK {
		t.Fatalf("GET /api/sites/%s on %s: %d %s", siteID, on.name, resp.status, resp.body)
	}
	var s struct {
		Notes string `json:"notes"`
	}
	if err := json.Unmarshal(resp.body, &s); err != nil {
		t.Fatal(err)
	}
	return s.Notes
}

// writeNotes sets the site's notes on an instance, with the ETag read there first.
func (b *browser) writeNotes(on *instance, text string) (response, error) {
	resp, err := send(b.client, "GET", on.url+"/api/sites/"+siteID, "", nil)
	if err != nil {
		return resp, err
	}
	if resp.status != http.StatusOK {
		return resp, nil
	}
	body := fmt.Sprintf(`{"notes":%q,"reason":"replica test"}`, text)
	return send(b.client, "PATCH", on.url+"/api/sites/"+siteID, body,
		map[string]string{"If-Match": resp.header.Get("ETag"), "X-CSRF-Token": b.csrf})
}

type healthReport struct {
	Status string `json:"status"`
	Pools  []struct {
		Name  string `json:"name"`
		Ready bool   `json:"ready"`
	} `json:"pools"`
	Replica *struct {
		Up         bool    `json:"up"`
		Usable     bool    `json:"usable"`
		LagSeconds float64 `json:"lag_seconds"`
		LagBytes   int64   `json:"lag_bytes"`
	} `json:"replica"`
}

func health(t *testing.T, on *instance) (int, healthReport) {
	t.Helper()
	resp := mustSend(t, http.DefaultClient, "GET", on.url+"/healthz", "", nil)
	var h healthReport
	if resp.status == http.StatusOK {
		if err := json.Unmarshal(resp.body, &h); err != nil {
			t.Fatalf("/healthz on %s: %v: %s", on.name, err, resp.body)
		}
	}
	return resp.status, h
}

// metric returns the value of the series of /metrics whose line starts with prefix.
func (d *deployment) metric(t *testing.T, on *instance, prefix string) (float64, bool) {
	t.Helper()
	resp := mustSend(t, http.DefaultClient, "GET", on.url+"/metrics", "", map[string]string{"Authorization": "Bearer " + d.token})
	if resp.status != http.StatusOK {
		t.Fatalf("/metrics on %s: %d %s", on.name, resp.status, resp.body)
	}
	for _, line := range strings.Split(string(resp.body), "\n") {
		if strings.HasPrefix(line, prefix) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatalf("/metrics: %q: %v", line, err)
			}
			return v, true
		}
	}
	return 0, false
}

// eventually retries f every 100 ms until it returns nil or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still after %s: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestTwoInstancesOverPrimaryAndReplica(t *testing.T) {
	start := time.Now()
	d := newDeployment(t)
	t.Logf("primary, replica and two instances up in %s", time.Since(start).Round(time.Millisecond))
	planner := d.signIn(t, d.a)
	apiReader := &http.Client{Timeout: 20 * time.Second} // a token, no position sent back
	bearer := map[string]string{"Authorization": "Bearer " + d.token}

	eventually(t, 10*time.Second, "replica caught up after the seed", func() error {
		if _, h := health(t, d.a); h.Replica == nil || !h.Replica.Up || h.Replica.LagBytes != 0 {
			return fmt.Errorf("replica %+v", h.Replica)
		}
		return nil
	})

	t.Run("read your writes across instances", func(t *testing.T) {
		// Replay stopped on the replica, a read sent there is stale for sure: the
		// position the write hands back is then what makes the read fresh.
		d.replicaSQL(t, `SELECT pg_wal_replay_pause()`)
		resumed := false
		defer func() {
			if !resumed {
				d.replicaSQL(t, `SELECT pg_wal_replay_resume()`)
			}
		}()
		before := notes(t, apiReader, d.a, bearer)
		text := fmt.Sprintf("written on B at %s", time.Now().Format(time.RFC3339Nano))
		resp, err := planner.writeNotes(d.b, text)
		if err != nil || resp.status != http.StatusOK {
			t.Fatalf("PATCH on B: %v %d %s", err, resp.status, resp.body)
		}
		lsn := resp.header.Get(httpapi.LSNHeader)
		if _, err := store.ParseLSN(lsn); err != nil {
			t.Fatalf("PATCH on B: %s header %q: %v", httpapi.LSNHeader, lsn, err)
		}
		if got := notes(t, apiReader, d.a, bearer); got != before {
			t.Fatalf("read on A without the position = %q; want the replica's stale %q (are reads going to the replica?)", got, before)
		}
		tooLate := d.a.store.Replica().TooLate
		if got := notes(t, planner.client, d.a, nil); got != text {
			t.Fatalf("read on A with the cookie B set = %q; want %q", got, text)
		}
		if got := notes(t, apiReader, d.a, map[string]string{"Authorization": "Bearer " + d.token, httpapi.LSNHeader: lsn}); got != text {
			t.Fatalf("read on A with the %s header = %q; want %q", httpapi.LSNHeader, got, text)
		}
		if n := d.a.store.Replica().TooLate - tooLate; n != 2 {
			t.Errorf("reads on A that gave up on the paused replica = %d; want 2", n)
		}
		// A position that is not one costs freshness, never the answer.
		if got := notes(t, apiReader, d.a, map[string]string{"Authorization": "Bearer " + d.token, httpapi.LSNHeader: "not/a-position"}); got != before {
			t.Errorf("read on A with a malformed %s = %q; want the replica's %q", httpapi.LSNHeader, got, before)
		}

		// The lag of the paused replica, as both reports show it.
		eventually(t, 5*time.Second, "lag in /healthz", func() error {
			if _, h := health(t, d.a); h.Replica == nil || h.Replica.LagBytes <= 0 || h.Replica.LagSeconds <= 0 {
				return fmt.Errorf("replica %+v", h.Replica)
			}
			return nil
		})
		if v, ok := d.metric(t, d.a, "emprises_db_replica_lag_bytes "); !ok || v <= 0 {
			t.Errorf("/metrics emprises_db_replica_lag_bytes = %v (present %v); want > 0", v, ok)
		}
		if _, ok := d.metric(t, d.a, "emprises_db_replica_lag_seconds "); !ok {
			t.Error("/metrics: no emprises_db_replica_lag_seconds")
		}

		// Replay resumed, the replica serves the planner's next read once it has caught up.
		d.replicaSQL(t, `SELECT pg_wal_replay_resume()`)
		resumed = true
		eventually(t, 10*time.Second, "replica caught up after resuming", func() error {
			if _, h := health(t, d.a); h.Replica == nil || h.Replica.LagBytes != 0 || !h.Replica.Usable {
				return fmt.Errorf("replica %+v", h.Replica)
			}
			return nil
		})
		caughtUp := d.a.store.Replica().CaughtUp
		text = "written on B, replay running"
		if resp, err := planner.writeNotes(d.b, text); err != nil || resp.status != http.StatusOK {
			t.Fatalf("PATCH on B: %v %d %s", err, resp.status, resp.body)
		}
		if got := notes(t, planner.client, d.a, nil); got != text {
			t.Fatalf("read on A after the write on B = %q; want %q", got, text)
		}
		if d.a.store.Replica().CaughtUp == caughtUp {
			t.Errorf("the read on A after the write was not served by the replica once caught up (%+v)", d.a.store.Replica())
		}
	})

	t.Run("primary stopped: reads from the replica, writes 503", func(t *testing.T) {
		if err := d.primary.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Connections the pools held to the stopped primary fail once, then are dropped.
		eventually(t, 10*time.Second, "first read after the primary stopped", func() error {
			for _, in := range []*instance{d.a, d.b} {
				if resp, err := send(planner.client, "GET", in.url+"/api/sites/"+siteID, "", nil); err != nil || resp.status != http.StatusOK {
					return fmt.Errorf("%s: %v %d %s", in.name, err, resp.status, resp.body)
				}
			}
			return nil
		})
		reads := []string{"/api/sites/" + siteID, "/collections/sites/items?limit=5", "/api/dashboard",
			"/api/calendar", "/tiles/sites/14/8301/5639.mvt", "/export/sites.geojson"}
		for round := 0; round < 3; round++ {
			for _, in := range []*instance{d.a, d.b} {
				for _, path := range reads {
					resp := mustSend(t, planner.client, "GET", in.url+path, "", nil)
					if resp.status != http.StatusOK && resp.status != http.StatusNoContent {
						t.Errorf("GET %s on %s with the primary stopped: %d %s", path, in.name, resp.status, resp.body)
					}
				}
			}
		}
		if got := notes(t, planner.client, d.a, nil); got != "written on B, replay running" {
			t.Errorf("read on A with the primary stopped = %q", got)
		}
		status, h := health(t, d.a)
		if status != http.StatusOK || h.Status != "degraded" {
			t.Errorf("/healthz with the primary stopped: %d %+v; want 200 degraded", status, h)
		}
		resp, err := planner.writeNotes(d.b, "never saved")
		if err != nil {
			t.Fatal(err)
		}
		if resp.status != http.StatusServiceUnavailable || resp.header.Get("Retry-After") == "" {
			t.Errorf("PATCH on B with the primary stopped: %d Retry-After %q %s; want 503 with Retry-After",
				resp.status, resp.header.Get("Retry-After"), resp.body)
		}
	})

	t.Run("primary back: writes again, nothing restarted", func(t *testing.T) {
		c, err := pgcluster.Open(context.Background(), d.primaryOpts)
		if err != nil {
			t.Fatal(err)
		}
		d.primary = c
		text := "written on B after the primary came back"
		eventually(t, 15*time.Second, "write on B after the primary came back", func() error {
			resp, err := planner.writeNotes(d.b, text)
			if err != nil || resp.status != http.StatusOK {
				return fmt.Errorf("%v %d %s", err, resp.status, resp.body)
			}
			return nil
		})
		if got := notes(t, planner.client, d.a, nil); got != text {
			t.Errorf("read on A = %q; want %q", got, text)
		}
		eventually(t, 15*time.Second, "health ok with the replica streaming again", func() error {
			if status, h := health(t, d.a); status != http.StatusOK || h.Status != "ok" || h.Replica == nil || h.Replica.LagBytes != 0 {
				return fmt.Errorf("%d %+v %+v", status, h, h.Replica)
			}
			return nil
		})
	})

	t.Run("metrics", func(t *testing.T) {
		resp := mustSend(t, http.DefaultClient, "GET", d.a.url+"/metrics", "", nil)
		if resp.status != http.StatusUnauthorized {
			t.Errorf("/metrics for nobody: %d; want 401", resp.status)
		}
		for _, want := range []string{
			`emprises_http_request_duration_seconds_count{method="GET",route="/api/sites/{id}"} `,
			`emprises_http_requests_total{method="PATCH",route="/api/sites/{id}",status="503"} `,
			`emprises_db_pool_connections{pool="primary",state="max"} `,
			`emprises_db_pool_connections{pool="replica",state="max"} `,
			`emprises_db_pool_acquire_waits_total{pool="replica"} `,
			`emprises_db_replica_usable `,
			`emprises_long_streams_in_flight `,
			`emprises_tile_cache_hits_total `,
		} {
			in := d.b
			if strings.Contains(want, "duration") {
				in = d.a
			}
			if _, ok := d.metric(t, in, want); !ok {
				t.Errorf("/metrics on %s has no %s", in.name, want)
			}
		}
		// Routes are counted by pattern, never by path.
		body := string(mustSend(t, http.DefaultClient, "GET", d.a.url+"/metrics", "", map[string]string{"Authorization": "Bearer " + d.token}).body)
		if regexp.MustCompile(`route="/api/sites/` + siteID).MatchString(body) {
			t.Error("/metrics counts a path, not a route pattern")
		}
	})
	t.Logf("whole test: %s", time.Since(start).Round(time.Millisecond))
}
