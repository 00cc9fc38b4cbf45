package faults

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// service is the whole HTTP service over a fresh seeded database, with an editor's token.
type service struct {
	url    string
	store  *store.Store
	token  string
	client *http.Client
}

func newService(t *testing.T) *service {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, pgtest.NewDBURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	ds, err := geodata.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Seed(ctx, store.CommandLine("faults-test"), ds); err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, store.CommandLine("faults-test"), "alice", auth.Editor, hash); err != nil {
		t.Fatal(err)
	}
	token := auth.Secret(auth.TokenMarker)
	if _, err := st.CreateToken(ctx, store.CommandLine("faults-test"), "alice", token); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(httpapi.NewServer(st, httpapi.Config{}, logger))
	t.Cleanup(srv.Close)
	return &service{url: srv.URL, store: st, token: token, client: &http.Client{Timeout: 20 * time.Second}}
}

// do sends a request, as the editor when auth is set, and returns the status, the body and
// the ETag.
func (s *service) do(method, path, body, ifMatch string, auth bool) (int, []byte, string, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		return 0, nil, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("ETag"), err
}

// restartPostgres stops the cluster behind st as `pg_ctl restart -m fast` would (SIGINT to
// the postmaster: every backend is cut), waits until it is down, and starts it again.
func restartPostgres(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	var dataDir string
	if err := pgtest.OwnerPool(t, st.Pool()).QueryRow(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The postmaster removes its pid file last; its process may stay a zombie here.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(pidFile); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("PostgreSQL did not stop")
		}
	}
	time.Sleep(time.Second) // down for a moment, as a restart is
	c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: filepath.Dir(dataDir), Fast: true})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	// This process's own use of the cluster ends here; pgtest's goes on and stops it.
	c.Close(ctx) //nolint:errcheck // it only leaves, pgtest still uses the cluster
}

// TestPostgresRestartUnderLoad restarts PostgreSQL while readers and a writer use the
// service: no answer is a 500, the service answers again within 5 s of the server being
// back, and every write acknowledged with 201 is in the database afterwards.
func TestPostgresRestartUnderLoad(t *testing.T) {
	s := newService(t)
	const siteID = "cpcu-ivry"
	var (
		mu        sync.Mutex
		statuses  = map[int]int{}
		acked     []string
		lastOK    time.Time
		restarted time.Time
		firstOK   time.Time
	)
	record := func(status int) {
		mu.Lock()
		defer mu.Unlock()
		statuses[status]++
		if status < 300 {
			lastOK = time.Now()
			if !restarted.IsZero() && firstOK.IsZero() {
				firstOK = lastOK
			}
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			paths := []string{"/collections/sites/items?limit=10", "/api/dashboard", "/api/sites/" + siteID, "/healthz"}
			for n := 0; ctx.Err() == nil; n++ {
				status, _, _, err := s.do("GET", paths[(i+n)%len(paths)], "", "", false)
				if err != nil {
					continue // the client's own timeout: not an answer
				}
				record(status)
				time.Sleep(5 * time.Millisecond)
			}
		}(i)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		etag := ""
		for n := 0; ctx.Err() == nil; n++ {
			if etag == "" {
				status, _, tag, err := s.do("GET", "/api/sites/"+siteID, "", "", false)
				if err != nil || status != http.StatusOK {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				etag = tag
			}
			title := fmt.Sprintf("fault-%d", n)
			body := `{"kind":"decision","date":"2020","planned":false,"title":"` + title + `"}`
			status, _, tag, err := s.do("POST", "/api/sites/"+siteID+"/events", body, etag, true)
			if err != nil {
				etag = ""
				continue
			}
			record(status)
			if status == http.StatusCreated {
				mu.Lock()
				acked = append(acked, title)
				mu.Unlock()
				etag = tag
			} else {
				etag = "" // 503 (or 412 after an unknown outcome): read the version again
				time.Sleep(20 * time.Millisecond)
			}
		}
	}()

	time.Sleep(time.Second)
	restartPostgres(t, s.store)
	mu.Lock()
	restarted = time.Now()
	mu.Unlock()
	time.Sleep(3 * time.Second)
	stop()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("answers: %v; %d writes acknowledged", statuses, len(acked))
	if statuses[http.StatusInternalServerError] > 0 {
		t.Errorf("%d answers were 500 during the restart; want 503", statuses[http.StatusInternalServerError])
	}
	if statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 at all: the restart did not reach the service")
	}
	if firstOK.IsZero() || firstOK.Sub(restarted) > 5*time.Second {
		t.Errorf("first success %v after PostgreSQL was back; want within 5 s", firstOK.Sub(restarted))
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	var present int
	err := s.store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM events WHERE site_id = $1 AND title = ANY($2)`, siteID, acked).Scan(&present)
	if err != nil {
		t.Fatal(err)
	}
	if present != len(acked) {
		t.Errorf("%d of %d acknowledged writes are in the database", present, len(acked))
	}
}

// TestSlowReadersDoNotStarve connects eight clients that ask for the whole parcel layer
// and never read, then checks that health, a small page and a sign-in still answer at
// once.
func TestSlowReadersDoNotStarve(t *testing.T) {
	s := newService(t)
	ctx := t.Context()
	// Enough parcels that the export outgrows every socket buffer and blocks.
	_, err := s.store.Pool().Exec(ctx, `
INSERT INTO parcels (id, contenance_m2, geom, source)
SELECT '94041000' || (ARRAY['ZX', 'ZY', 'ZZ'])[n / 10000 + 1] || lpad((n % 10000)::text, 4, '0'), 400,
       ST_Multi(ST_MakeEnvelope(652500 + (n % 200) * 10, 6857000 + (n / 200) * 10,
                                652509 + (n % 200) * 10, 6857009 + (n / 200) * 10, 2154)),
       'synthetic'
FROM generate_series(0, 29999) AS n`)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		conn := stalledRequest(t, s.url, "/export/parcels.geojson")
		t.Cleanup(func() { conn.Close() })
	}
	time.Sleep(500 * time.Millisecond) // the exports start and fill the buffers
	checks := []struct{ method, path, body string }{
		{"GET", "/healthz", ""},
		{"GET", "/collections/sites/items?limit=10", ""},
		{"POST", "/api/session", `{"name":"alice","password":"correct horse battery staple"}`},
	}
	for _, c := range checks {
		start := time.Now()
		status, body, _, err := s.do(c.method, c.path, c.body, "", false)
		took := time.Since(start)
		if err != nil || status != http.StatusOK {
			t.Errorf("%s %s under eight stalled readers: %d %v %s", c.method, c.path, status, err, body)
		}
		if took > time.Second {
			t.Errorf("%s %s under eight stalled readers took %v; want under 1 s", c.method, c.path, took)
		}
	}
}

// stalledRequest sends a GET on a connection with a tiny receive buffer and never reads
// the answer.
func stalledRequest(t *testing.T, base, path string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1024)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, addr); err != nil {
		t.Fatal(err)
	}
	return conn
}
