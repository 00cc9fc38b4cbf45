package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/internal/store"
	"github.com/emprises/emprises/migrations"
)

// The replica benchmark measures read throughput with one database server and with two:
// a primary and its streaming replica (two private clusters on this machine, the replica
// copied with pg_basebackup -R). Two instances answer, the requests alternating between
// them as a reverse proxy would: first both read from the primary; then instance A reads
// from the primary and instance B from the replica (its --read-database-url). The client,
// both instances and both servers share this machine's cores: on a small machine a second
// server adds no processor, and the figures say so.

func runReplicaBench(ctx context.Context, args []string) error {
	var cfg apiBenchConfig
	fs := flag.NewFlagSet("replica", flag.ContinueOnError)
	fs.IntVar(&cfg.parcels, "parcels", 100_000, "synthetic parcels to load")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "longest run of one measurement")
	fs.IntVar(&cfg.requests, "requests", 2000, "most requests of one measurement")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the random boxes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	out := os.Stdout
	dir, err := os.MkdirTemp("", "emprises-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// As root, PostgreSQL runs as postgres, which must reach the folder.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	primary, err := pgcluster.Open(ctx, pgcluster.Options{Dir: filepath.Join(dir, "p"), Database: "emprises",
		Owner: migrations.OwnerRole, Users: []string{migrations.AppRole}, Extensions: migrations.Extensions, Fast: true})
	if err != nil {
		return err
	}
	defer primary.Stop(context.Background()) //nolint:errcheck // a throw-away cluster

	fmt.Fprintf(out, "emprises-bench replica: %d synthetic parcels, a primary and a streaming replica on this machine (%d cores)\n",
		cfg.parcels, runtime.NumCPU())
	t0 := time.Now()
	if err := loadPortfolio(ctx, primary.UserConnString(migrations.OwnerRole, "emprises"), cfg.parcels); err != nil {
		return err
	}
	replica, err := pgcluster.Open(ctx, pgcluster.Options{Dir: filepath.Join(dir, "r"),
		StandbyOf: primary.ConnString("postgres"), Fast: true})
	if err != nil {
		return err
	}
	defer replica.Stop(context.Background()) //nolint:errcheck // a throw-away cluster
	fmt.Fprintf(out, "loaded and replicated in %v\n\n", time.Since(t0).Round(time.Millisecond))

	primaryURL := primary.UserConnString(migrations.AppRole, "emprises")
	replicaURL := replica.UserConnString(migrations.AppRole, "emprises")
	pool, err := benchPool(ctx, primaryURL, store.PageSettings)
	if err != nil {
		return err
	}
	defer pool.Close()
	scenarios, err := apiScenarios(ctx, pool, cfg)
	if err != nil {
		return err
	}

	setups := []struct {
		name         string
		readA, readB string // each instance's read pool; empty: its primary
	}{
		{"one server", "", ""},
		{"two servers", "", replicaURL},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}}
	const row = "%-18s %-12s %4s %6s %8s %8s %8s\n"
	fmt.Fprintf(out, row, "request", "databases", "conc", "n", "req/s", "p50", "p99")
	for _, sc := range scenarios {
		for _, conc := range []int{4, 8} {
			for _, setup := range setups {
				bases, closeAll, err := benchInstances(ctx, primaryURL, setup.readA, setup.readB)
				if err != nil {
					return err
				}
				r, err := measure(ctx, conc, cfg, func(ctx context.Context, i int) (int64, error) {
					return fetch(ctx, client, bases[i%2]+sc.path(i), "")
				})
				closeAll()
				if err != nil {
					return fmt.Errorf("%s, %s: %w", sc.name, setup.name, err)
				}
				fmt.Fprintf(out, row, sc.name, setup.name, fmt.Sprint(conc), fmt.Sprint(r.n),
					fmt.Sprintf("%.1f", r.rps()), ms(r.pct(50)), ms(r.pct(99)))
			}
		}
	}
	fmt.Fprintln(out, "\none server: two instances reading from the primary; two servers: instance A reads from the primary,")
	fmt.Fprintln(out, "instance B from the replica. Requests alternate between the instances. The load generator, both")
	fmt.Fprintln(out, "instances and both PostgreSQL servers share this machine's cores: a second server on the same")
	fmt.Fprintln(out, "machine adds no processor, so a gain near 1.0 here says nothing about two machines.")
	return nil
}

// benchInstances starts two instances in this process, each on the primary and, when
// given, reading from readA or readB; closeAll stops them.
func benchInstances(ctx context.Context, primaryURL, readA, readB string) (bases [2]string, closeAll func(), err error) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var closers []func()
	closeAll = func() {
		for _, c := range closers {
			c()
		}
	}
	for i, read := range []string{readA, readB} {
		st, err := store.OpenWithReplicas(ctx, primaryURL, read)
		if err != nil {
			closeAll()
			return bases, nil, err
		}
		srv := httptest.NewServer(httpapi.NewServer(st, httpapi.Config{}, logger))
		closers = append(closers, srv.Close, st.Close)
		bases[i] = srv.URL
	}
	return bases, closeAll, nil
}
