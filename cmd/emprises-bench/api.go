package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emprises/emprises/internal/cadastre"
	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// The API benchmark loads a synthetic portfolio of parcels into a private database, serves
// it with bin/emprises in a child process on loopback, and load-tests four parcels
// requests at concurrency 1 and 4 against the same statements run by PostgreSQL alone.
// It reports requests per second, p50 and p99 latencies, the ratio to the database, the
// server's memory (VmRSS, VmHWM from /proc), and the effect of parallel workers.

// apiBenchConfig are the benchmark's settings.
type apiBenchConfig struct {
	parcels  int
	duration time.Duration // per measurement, at most
	requests int           // per measurement, at most
	bin      string
	seed     uint64
	rounds   int
	only     string // runs only the requests whose name contains it
	// peer is pg_featureserv's binary, run side by side when set; peerAssets its
	// templates folder.
	peer, peerAssets string
}

func runAPIBench(ctx context.Context, args []string) error {
	var cfg apiBenchConfig
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.IntVar(&cfg.parcels, "parcels", 100_000, "synthetic parcels to load")
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "longest run of one server in one round")
	fs.IntVar(&cfg.requests, "requests", 300, "most requests of one server in one round")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds, the servers taking turns in each")
	fs.StringVar(&cfg.only, "only", "", "run only the requests whose name contains this (bbox, page, crs…)")
	fs.StringVar(&cfg.peer, "peer", os.Getenv("PG_FEATURESERV"), "pg_featureserv binary to run side by side (default $PG_FEATURESERV; empty: Emprises alone)")
	fs.StringVar(&cfg.peerAssets, "peer-assets", "", "pg_featureserv's assets folder (default: assets beside its binary)")
	fs.StringVar(&cfg.bin, "bin", "bin/emprises", "the emprises binary to serve with (built with go build if missing)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the random boxes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	started := time.Now()
	out := os.Stdout

	connString, cleanup, err := benchDatabase(ctx)
	if err != nil {
		return err
	}
	defer cleanup()

	fmt.Fprintf(out, "emprises-bench api: %d synthetic parcels, PostgreSQL + PostGIS on this machine\n", cfg.parcels)
	loadStart := time.Now()
	if err := loadPortfolio(ctx, connString, cfg.parcels); err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded in %v (migrations, seed, parcels, VACUUM ANALYZE)\n", time.Since(loadStart).Round(time.Millisecond))

	// The database alone produces the same features as the service: the page statements
	// with PostgreSQL writing each feature (store.DatabaseFeatureSQL; the service writes
	// parcels from their values instead), the same planner settings (store.PageSettings)
	// and the same count of the matches where the service counts in the page statement.
	pool, err := benchPool(ctx, connString, store.PageSettings)
	if err != nil {
		return err
	}
	defer pool.Close()

	srv, err := startServer(ctx, cfg.bin, connString)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(out, "server: %s (PID %d) at %s; RSS %s after start\n\n", srv.bin, srv.cmd.Process.Pid, srv.base, srv.memory())

	scenarios, err := apiScenarios(ctx, pool, cfg)
	if err != nil {
		return err
	}
	scenarios = slices.DeleteFunc(scenarios, func(sc apiScenario) bool { return !strings.Contains(sc.name, cfg.only) })
	// Compression off in the client: an Accept-Encoding header is set by hand where wanted,
	// and the bytes counted are those on the wire.
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 8, DisableCompression: true,
	}}

	var peer *server
	if cfg.peer != "" {
		assets := cfg.peerAssets
		if assets == "" {
			assets = peerAssets(cfg.peer)
		}
		peer, err = startPeer(ctx, cfg.peer, assets, connString)
		if err != nil {
			return err
		}
		defer peer.stop()
		fmt.Fprintf(out, "peer: %s (PID %d) at %s, same database, max_parallel_workers_per_gather=0, 4 connections; RSS %s after start\n",
			peer.bin, peer.cmd.Process.Pid, peer.base, peer.memory())
	} else {
		fmt.Fprintln(out, "peer: none, Emprises alone (set PG_FEATURESERV, or -peer, to pg_featureserv's binary to run it side by side)")
	}
	fmt.Fprintf(out, "%d rounds of at most %v or %d requests per server, the servers taking turns (Emprises, pg_featureserv, PostgreSQL alone); load average %s\n\n",
		cfg.rounds, cfg.duration, cfg.requests, loadAverage())

	if err := sideBySide(ctx, out, client, srv, peer, pool, scenarios, cfg); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nload average after the table: %s\n", loadAverage())

	// The page of 10 000 parcels, as sent with and without gzip.
	fmt.Fprintln(out)
	for _, t := range []struct {
		name string
		s    *server
		path string
	}{{"Emprises", srv, "/collections/parcels/items?limit=10000"}, {"pg_featureserv", peer, peerCollection + "&limit=10000"}} {
		if t.s == nil {
			continue
		}
		plain, err := fetch(ctx, client, t.s.base+t.path, "")
		if err != nil {
			return err
		}
		gz, enc, err := fetchEncoding(ctx, client, t.s.base+t.path, "gzip")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "page of 10 000 parcels from %s: %.2f MB, %.2f MB with Accept-Encoding: gzip (Content-Encoding: %q)\n",
			t.name, float64(plain)/1e6, float64(gz)/1e6, enc)
	}

	// Peak memory under 8 concurrent pages of 10 000 features, three times each.
	for _, t := range []struct {
		name string
		s    *server
		path string
	}{{"Emprises", srv, "/collections/parcels/items?limit=10000"}, {"pg_featureserv", peer, peerCollection + "&limit=10000"}} {
		if t.s == nil {
			continue
		}
		before := t.s.memory()
		statuses, err := concurrentPages(ctx, client, t.s.base+t.path, 8, 3)
		if err != nil {
			return fmt.Errorf("%s, 8 concurrent pages of 10 000: %w", t.name, err)
		}
		fmt.Fprintf(out, "%s, 8 clients reading 3 pages of 10 000 features each (answers %v): RSS/peak %s before, %s after\n",
			t.name, statuses, before, t.s.memory())
	}

	// Flat memory: read the whole collection, 10 000 features a page, then all 100 000 at
	// once through the export; the server's peak RSS must not follow the feature count.
	before := srv.memory()
	t0 := time.Now()
	pages, features, bytes, err := readAllPages(ctx, client, srv.base+"/collections/parcels/items?limit=10000")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nwhole collection in pages of 10 000: %d pages, %d features, %.1f MB in %v; server RSS %s before, %s after\n",
		pages, features, float64(bytes)/(1<<20), time.Since(t0).Round(time.Millisecond), before, srv.memory())
	t0 = time.Now()
	n, err := fetch(ctx, client, srv.base+"/export/parcels.geojson", "")
	if err != nil {
		fmt.Fprintf(out, "whole collection in one export: %v\n", err)
	} else {
		fmt.Fprintf(out, "whole collection in one export (/export/parcels.geojson): %.1f MB in %v; server RSS %s\n",
			float64(n)/(1<<20), time.Since(t0).Round(time.Millisecond), srv.memory())
	}

	if err := parallelWorkers(ctx, out, connString, cfg); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nbenchmark took %v\n", time.Since(started).Round(time.Second))
	return nil
}

// benchDatabase returns the connection string of an empty database for the benchmark:
// a new database on $BENCH_DATABASE_URL's server, or a private cluster in a temporary
// folder (fast, not crash-safe). cleanup drops or stops it.
func benchDatabase(ctx context.Context) (connString string, cleanup func(), err error) {
	if admin := os.Getenv("BENCH_DATABASE_URL"); admin != "" {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return "", nil, fmt.Errorf("BENCH_DATABASE_URL: %w", err)
		}
		defer conn.Close(ctx)
		name := fmt.Sprintf("emprises_bench_%d", time.Now().UnixNano())
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", nil, fmt.Errorf("BENCH_DATABASE_URL: %w", err)
		}
		connString, err = withDatabase(admin, name)
		if err != nil {
			return "", nil, err
		}
		return connString, func() {
			ctx := context.Background()
			if conn, err := pgx.Connect(ctx, admin); err == nil {
				conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)") //nolint:errcheck
				conn.Close(ctx)
			}
		}, nil
	}
	dir, err := os.MkdirTemp("", "emprises-bench-")
	if err != nil {
		return "", nil, err
	}
	// As root, PostgreSQL runs as postgres, which must reach the folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", nil, err
	}
	c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: dir, Database: "bench", Fast: true})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return c.ConnString("bench"), func() {
		if err := c.Stop(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "emprises-bench: stopping PostgreSQL:", err)
		}
		os.RemoveAll(dir)
	}, nil
}

// withDatabase returns connString, in URL or keyword/value form, pointed at database db.
func withDatabase(connString, db string) (string, error) {
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		u, err := url.Parse(connString)
		if err != nil {
			return "", fmt.Errorf("BENCH_DATABASE_URL: %w", err)
		}
		u.Path, u.RawPath = "/"+db, ""
		return u.String(), nil
	}
	// In keyword/value form the last value of a keyword wins.
	return connString + " dbname='" + db + "'", nil
}

// loadPortfolio migrates, seeds the reference sites and loads n synthetic parcels as the
// issue measuring Emprises against pg_featureserv did: a synthetic Etalab file over Ivry
// (emprises gen cadastre --parcels n --extent ivry: small quadrilaterals tiling the
// commune) read by the importer, as emprises import cadastre does, then VACUUM ANALYZE.
func loadPortfolio(ctx context.Context, connString string, n int) error {
	st, err := seededStore(ctx, connString)
	if err != nil {
		return err
	}
	defer st.Close()
	pr, pw := io.Pipe()
	go func() {
		zw := gzip.NewWriter(pw)
		err := synth.Generate(zw, synth.GenOptions{Parcels: n, Seed: 1, Extent: synth.ExtentIvry})
		if err == nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	r, err := cadastre.NewReader(pr)
	if err != nil {
		return err
	}
	_, err = st.ImportCadastre(ctx, store.CommandLine("emprises-bench"), r,
		store.CadastreImport{FileName: "cadastre-94041-parcelles.json.gz", SHA256: strings.Repeat("0", 64)})
	pr.Close()
	if err != nil {
		return fmt.Errorf("synthetic parcels: %w", err)
	}
	_, err = st.Pool().Exec(ctx, "VACUUM ANALYZE")
	return err
}

// benchPool opens a pool with settings, the planner settings of one kind of the service's
// feature statements (store.PageSettings or store.ExportSettings).
func benchPool(ctx context.Context, connString string, settings map[string]string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 8
	// As the service runs its feature statements: custom plans.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	for k, v := range settings {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// apiScenario is one request, as the service's URL and as the statement behind it; i
// numbers the requests of a run (the bbox scenario changes box each time).
type apiScenario struct {
	name     string
	path     func(i int) string
	peerPath func(i int) string // the same request to pg_featureserv
	query    func(i int) benchQuery
}

type benchQuery struct {
	sql  string
	args []any
}

func apiScenarios(ctx context.Context, pool *pgxpool.Pool, cfg apiBenchConfig) ([]apiScenario, error) {
	fixed := func(name, params, peerParams string, q store.FeatureQuery) (apiScenario, error) {
		sql, args, err := store.DatabaseFeatureSQL(store.CollectionParcels, q)
		if err != nil {
			return apiScenario{}, err
		}
		return apiScenario{name: name,
			path:     func(int) string { return "/collections/parcels/items?" + params },
			peerPath: func(int) string { return peerCollection + "&" + peerParams },
			query:    func(int) benchQuery { return benchQuery{sql, args} },
		}, nil
	}
	var scenarios []apiScenario
	first, err := fixed("items?limit=1000", "limit=1000", "limit=1000", store.FeatureQuery{CRS: site.CRS84, Limit: 1000})
	if err != nil {
		return nil, err
	}
	scenarios = append(scenarios, first)

	// Random 300 m boxes inside the parcels' extent, made in Lambert-93 and sent in CRS84
	// as a client would.
	rng := rand.New(rand.NewPCG(cfg.seed, 2154))
	fx, fy := make([]float64, 256), make([]float64, 256)
	for i := range fx {
		fx[i], fy[i] = rng.Float64(), rng.Float64()
	}
	rows, err := pool.Query(ctx, `
		WITH e AS (SELECT ST_Extent(geom) AS b FROM parcels),
		box AS (
		    SELECT ord, ST_Transform(ST_MakeEnvelope(x - 150, y - 150, x + 150, y + 150, 2154), 4326) AS g
		    FROM e, unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS f(fx, fy, ord),
		         LATERAL (SELECT ST_XMin(b) + 150 + fx * (ST_XMax(b) - ST_XMin(b) - 300) AS x,
		                         ST_YMin(b) + 150 + fy * (ST_YMax(b) - ST_YMin(b) - 300) AS y) c
		)
		SELECT ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM box ORDER BY ord`, fx, fy)
	if err != nil {
		return nil, err
	}
	var boxes []store.BBox
	for rows.Next() {
		b := store.BBox{SRID: site.SRIDWGS84}
		if err := rows.Scan(&b.MinX, &b.MinY, &b.MaxX, &b.MaxY); err != nil {
			return nil, err
		}
		boxes = append(boxes, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	bboxQueries := make([]benchQuery, len(boxes))
	bboxPaths := make([]string, len(boxes))
	peerBBoxPaths := make([]string, len(boxes))
	for i, b := range boxes {
		sql, args, err := store.DatabaseFeatureSQL(store.CollectionParcels, store.FeatureQuery{CRS: site.CRS84, Limit: 1000, BBox: &b, Count: true})
		if err != nil {
			return nil, err
		}
		bboxQueries[i] = benchQuery{sql, args}
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', 7, 64) }
		bbox := f(b.MinX) + "," + f(b.MinY) + "," + f(b.MaxX) + "," + f(b.MaxY)
		bboxPaths[i] = "/collections/parcels/items?limit=1000&bbox=" + bbox
		peerBBoxPaths[i] = peerCollection + "&limit=1000&bbox=" + bbox
	}
	scenarios = append(scenarios, apiScenario{name: "random 300 m bbox, limit=1000",
		path:     func(i int) string { return bboxPaths[i%len(bboxPaths)] },
		peerPath: func(i int) string { return peerBBoxPaths[i%len(peerBBoxPaths)] },
		query:    func(i int) benchQuery { return bboxQueries[i%len(bboxQueries)] },
	})

	// Page 90 of 1 000: the keyset cursor is the id of the 89 000th parcel; the peer has
	// offsets only.
	var after string
	page := min(90, cfg.parcels/1000)
	if err := pool.QueryRow(ctx, "SELECT id FROM parcels ORDER BY id OFFSET $1 LIMIT 1", max(0, (page-1)*1000-1)).Scan(&after); err != nil {
		return nil, fmt.Errorf("deep page cursor: %w", err)
	}
	deep, err := fixed(fmt.Sprintf("page %d of 1000 (cursor / offset)", page), "limit=1000&after="+url.QueryEscape(after),
		fmt.Sprintf("limit=1000&offset=%d", (page-1)*1000),
		store.FeatureQuery{CRS: site.CRS84, Limit: 1000, After: after})
	if err != nil {
		return nil, err
	}
	scenarios = append(scenarios, deep)

	l93, err := fixed("crs=EPSG:2154, limit=1000", "limit=1000&crs="+url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/2154"), "limit=1000&crs=2154",
		store.FeatureQuery{CRS: site.Lambert93, Limit: 1000})
	if err != nil {
		return nil, err
	}
	return append(scenarios, l93), nil
}

// result holds the latencies of one measurement.
type result struct {
	n       int
	bytes   int64
	elapsed time.Duration
	lat     []time.Duration // sorted
}

func (r result) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

// add merges two measurements of the same thing.
func (r result) add(o result) result {
	r.n += o.n
	r.bytes += o.bytes
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
	slices.Sort(r.lat)
	return r
}

// pct is the p-th percentile latency (nearest rank).
func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(float64(len(r.lat))*p/100+0.5) - 1
	return r.lat[min(max(i, 0), len(r.lat)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// measure runs do from conc goroutines, after one warm-up call each, until cfg.requests
// calls or cfg.duration, and returns the latencies.
func measure(ctx context.Context, conc int, cfg apiBenchConfig, do func(ctx context.Context, i int) (int64, error)) (result, error) {
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for w := range conc { // warm-up: a connection each, PROJ loaded in each backend
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := do(ctx, w); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return result{}, err
	default:
	}

	var next atomic.Int64
	var bytes atomic.Int64
	lat := make([][]time.Duration, conc)
	deadline := time.Now().Add(cfg.duration)
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= cfg.requests {
					return
				}
				t := time.Now()
				n, err := do(ctx, i)
				if err != nil {
					errs <- err
					return
				}
				lat[w] = append(lat[w], time.Since(t))
				bytes.Add(n)
			}
		}()
	}
	wg.Wait()
	r := result{elapsed: time.Since(start), bytes: bytes.Load()}
	select {
	case err := <-errs:
		return r, err
	default:
	}
	for _, l := range lat {
		r.lat = append(r.lat, l...)
	}
	slices.Sort(r.lat)
	r.n = len(r.lat)
	return r, nil
}

// fetch GETs url, with Accept-Encoding: acceptEncoding unless empty, and reads the whole
// body; it returns the bytes received.
func fetch(ctx context.Context, client *http.Client, url, acceptEncoding string) (int64, error) {
	n, _, err := fetchEncoding(ctx, client, url, acceptEncoding)
	return n, err
}

// fetchEncoding is fetch, also returning the response's Content-Encoding. The client must
// not decompress (http.Transport.DisableCompression) for the count to be the bytes sent.
func fetchEncoding(ctx context.Context, client *http.Client, url, acceptEncoding string) (int64, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return n, "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return n, resp.Header.Get("Content-Encoding"), nil
}

// drain runs a statement and reads every row, as the service does, without using them.
func drain(ctx context.Context, pool *pgxpool.Pool, q benchQuery) (int64, error) {
	rows, err := pool.Query(ctx, q.sql, q.args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		for _, v := range rows.RawValues() {
			n += int64(len(v))
		}
	}
	return n, rows.Err()
}

// concurrentPages has clients clients GET url times times each, reading every body, and
// counts the answers by status: Emprises sheds a fifth concurrent long stream with a 503,
// which is part of what keeps its memory flat.
func concurrentPages(ctx context.Context, client *http.Client, url string, clients, times int) (map[int]int, error) {
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range times {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					errs <- err
					return
				}
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return statuses, err
	default:
	}
	return statuses, nil
}

// readAllPages follows the next links from url and counts pages, features and bytes.
func readAllPages(ctx context.Context, client *http.Client, url string) (pages, features int, bytes int64, err error) {
	for url != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return pages, features, bytes, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return pages, features, bytes, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return pages, features, bytes, fmt.Errorf("GET %s: %s %v", url, resp.Status, err)
		}
		pages++
		bytes += int64(len(body))
		features += strings.Count(string(body), `"type":"Feature"`)
		url = ""
		// The links come last; the next link is the one with rel "next".
		if i := strings.LastIndex(string(body), `"rel":"next"`); i >= 0 {
			if j := strings.LastIndex(string(body[:i]), `"href":"`); j >= 0 {
				rest := string(body[j+len(`"href":"`):])
				url = rest[:strings.IndexByte(rest, '"')]
			}
		}
	}
	return pages, features, bytes, nil
}

// server is bin/emprises serve in a child process.
type server struct {
	bin    string
	cmd    *exec.Cmd
	base   string
	log    string // its standard error, kept when it fails to start
	tmpBin string // a folder to remove, with a binary built for the benchmark
}

// startServer runs "emprises serve" on 127.0.0.1, port chosen by the kernel, and waits
// for /healthz. Without the binary at bin it builds one into a temporary folder.
func startServer(ctx context.Context, bin, connString string) (*server, error) {
	var tmpBin string
	if _, err := os.Stat(bin); err != nil {
		dir, err := os.MkdirTemp("", "emprises-bench-bin-")
		if err != nil {
			return nil, err
		}
		built := filepath.Join(dir, "emprises")
		fmt.Fprintf(os.Stderr, "emprises-bench: %s not found, building %s\n", bin, built)
		b := exec.CommandContext(ctx, "go", "build", "-o", built, "./cmd/emprises")
		b.Stdout, b.Stderr = os.Stderr, os.Stderr
		if err := b.Run(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("go build ./cmd/emprises: %w", err)
		}
		bin, tmpBin = built, dir
	}
	logFile, err := os.CreateTemp("", "emprises-bench-serve-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--database-url", connString, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "DATABASE_URL=", "EMPRISES_BASE_URL=")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{bin: bin, cmd: cmd, log: logFile.Name(), tmpBin: tmpBin}
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), "listening on "); ok {
				select {
				case found <- strings.TrimRight(rest, "/"):
				default:
				}
			}
		}
	}()
	select {
	case s.base = <-found:
	case <-time.After(60 * time.Second):
		s.kill()
		return nil, fmt.Errorf("%s serve did not start in a minute; see %s", bin, s.log)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	for i := 0; ; i++ {
		if _, err := fetch(ctx, http.DefaultClient, s.base+"/healthz", ""); err == nil {
			return s, nil
		} else if i > 100 {
			s.kill()
			return nil, fmt.Errorf("%s/healthz: %w; see %s", s.base, err, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill stops the server and keeps its log for the error message.
func (s *server) kill() {
	log := s.log
	s.log = ""
	s.stop()
	s.log = log
}

// stop sends SIGTERM and waits for the server to exit.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may be gone
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill() //nolint:errcheck
		<-done
	}
	if s.log != "" {
		os.Remove(s.log)
	}
	if s.tmpBin != "" {
		os.RemoveAll(s.tmpBin)
	}
}

// cpu reads the processor time the server has used (user and system), from /proc.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses: utime and stime are the
	// 12th and 13th, in clock ticks (100 per second on Linux).
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// memory reads the server's resident set size and its peak from /proc.
func (s *server) memory() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "?"
	}
	field := func(name string) string {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, name+":"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
				return fmt.Sprintf("%.0f", float64(kb)/1024)
			}
		}
		return "?"
	}
	return field("VmRSS") + "/" + field("VmHWM") + "MB"
}

// ivryBox is a 300 m box in the middle of Ivry-sur-Seine, dense with synthetic parcels.
var ivryBox = store.BBox{SRID: site.SRIDWGS84, MinX: 2.3900, MinY: 48.8130, MaxX: 2.3941, MaxY: 48.8157}

// parallelWorkers compares the feature statements with PostgreSQL's parallel workers on
// (the server's max_parallel_workers_per_gather) and off, at the database: a parallel plan
// starts worker processes, each of which sets up PROJ again before its first
// ST_Transform.
func parallelWorkers(ctx context.Context, out io.Writer, connString string, cfg apiBenchConfig) error {
	on, err := benchPool(ctx, connString, store.ExportSettings)
	if err != nil {
		return err
	}
	defer on.Close()
	off, err := benchPool(ctx, connString, store.PageSettings)
	if err != nil {
		return err
	}
	defer off.Close()
	var workers string
	if err := on.QueryRow(ctx, "SHOW max_parallel_workers_per_gather").Scan(&workers); err != nil {
		return err
	}
	load, setup, again, err := projSetup(ctx, connString)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nin a new backend, as every parallel worker is: loading PostGIS %s, the first ST_Transform (PROJ set-up) %s, the next %s\n",
		ms(load), ms(setup), ms(again))
	fmt.Fprintf(out, "parallel workers, at the database (max_parallel_workers_per_gather %s vs 0; p50 of runs after a warm-up):\n", workers)
	const row = "%-38s %8s %9s %9s %7s\n"
	fmt.Fprintf(out, row, "statement", "workers", "on p50", "off p50", "on/off")
	for _, tc := range []struct {
		name string
		q    store.FeatureQuery
		runs int
	}{
		{"limit=1000, CRS84", store.FeatureQuery{CRS: site.CRS84, Limit: 1000}, 20},
		{"300 m bbox, limit=1000, CRS84", store.FeatureQuery{CRS: site.CRS84, Limit: 1000, Count: true, BBox: &ivryBox}, 20},
		{"limit=10000, CRS84", store.FeatureQuery{CRS: site.CRS84, Limit: 10000}, 10},
		{"whole collection, CRS84 (export)", store.FeatureQuery{CRS: site.CRS84}, 5},
		{"whole collection, Lambert-93 (export)", store.FeatureQuery{CRS: site.Lambert93}, 5},
	} {
		sql, args, err := store.FeatureSQL(store.CollectionParcels, tc.q)
		if err != nil {
			return err
		}
		plan, err := planWorkers(ctx, on, sql, args)
		if err != nil {
			return err
		}
		var p50 [2]time.Duration
		for i, pool := range []*pgxpool.Pool{on, off} {
			r, err := measure(ctx, 1, apiBenchConfig{requests: tc.runs, duration: 2 * cfg.duration},
				func(ctx context.Context, _ int) (int64, error) { return drain(ctx, pool, benchQuery{sql, args}) })
			if err != nil {
				return err
			}
			p50[i] = r.pct(50)
		}
		fmt.Fprintf(out, row, tc.name, plan, ms(p50[0]), ms(p50[1]), fmt.Sprintf("%.2f", float64(p50[0])/float64(p50[1])))
	}
	return nil
}

// projSetup times, in new connections (medians of three), what a parallel worker does
// before its first feature: load PostGIS, then set up PROJ at the first ST_Transform;
// then the same ST_Transform again.
func projSetup(ctx context.Context, connString string) (load, setup, again time.Duration, err error) {
	var t [3][]time.Duration
	for range 3 {
		conn, err := pgx.Connect(ctx, connString)
		if err != nil {
			return 0, 0, 0, err
		}
		for i, sql := range []string{
			"SELECT ST_AsText(ST_MakePoint(2.39, 48.81))",
			"SELECT ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(2.39, 48.81), 4326), 2154))",
			"SELECT ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(2.39, 48.81), 4326), 2154))",
		} {
			start := time.Now()
			if _, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
				conn.Close(ctx)
				return 0, 0, 0, err
			}
			t[i] = append(t[i], time.Since(start))
		}
		conn.Close(ctx)
	}
	for i := range t {
		slices.Sort(t[i])
	}
	return t[0][1], t[1][1], t[2][1], nil
}

// planWorkers tells whether the planner uses parallel workers for a statement.
func planWorkers(ctx context.Context, pool *pgxpool.Pool, sql string, args []any) (string, error) {
	rows, err := pool.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	plan := "none"
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "Workers Planned: "); ok {
			plan = rest
		}
	}
	if err := rows.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return "", err
	}
	return plan, nil
}
