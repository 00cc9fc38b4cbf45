package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// rounds are the measurements of one server for one table row, one per round.
type rounds struct {
	runs []result
	cpu  time.Duration // the server's processor time over all runs, warm-ups included
	reqs int           // requests over all runs, warm-ups included
}

func (r *rounds) add(res result, cpu time.Duration, warmups int) {
	r.runs = append(r.runs, res)
	r.cpu += cpu
	r.reqs += res.n + warmups
}

// rps is the median of the rounds' requests per second.
func (r rounds) rps() float64 {
	v := make([]float64, len(r.runs))
	for i, res := range r.runs {
		v[i] = res.rps()
	}
	return median(v)
}

// all merges the rounds, for percentiles over every request.
func (r rounds) all() result {
	var all result
	for _, res := range r.runs {
		all = all.add(res)
	}
	return all
}

func (r rounds) cpuPerRequest() time.Duration {
	if r.reqs == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.reqs)
}

func (r rounds) summary() string {
	a := r.all()
	return fmt.Sprintf("%.1f (%s / %s)", r.rps(), ms(a.pct(50)), ms(a.pct(99)))
}

func (r rounds) kbPerResponse() string {
	a := r.all()
	if a.n == 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", float64(a.bytes)/float64(a.n)/1024)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// sideBySide prints the comparison table: every scenario at concurrency 1 and 4, without
// and with gzip, Emprises, pg_featureserv (when peer is not nil) and, without gzip,
// PostgreSQL alone running Emprises' statement, taking turns in each of cfg.rounds rounds
// so that a change in the machine's load falls on all of them.
func sideBySide(ctx context.Context, out io.Writer, client *http.Client, srv, peer *server, pool *pgxpool.Pool,
	scenarios []apiScenario, cfg apiBenchConfig) error {
	fmt.Fprintln(out, "| request | conc. | Accept-Encoding | Emprises req/s (p50 / p99) | pg_featureserv req/s (p50 / p99) | ratio (rounds) | PostgreSQL alone req/s (p50) | Emprises p50 / PostgreSQL's | KB/resp E / P | CPU/req E / P |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|")
	httpRun := func(s *server, path func(int) string, enc string, conc, offset int) (result, time.Duration, error) {
		cpu0 := s.cpu()
		r, err := measure(ctx, conc, cfg, func(ctx context.Context, i int) (int64, error) {
			return fetch(ctx, client, s.base+path(offset+i), enc)
		})
		return r, s.cpu() - cpu0, err
	}
	for _, sc := range scenarios {
		for _, conc := range []int{1, 4} {
			for _, enc := range []string{"", "gzip"} {
				var e, p, d rounds
				var ratios []float64
				for round := range cfg.rounds {
					// Each round its own boxes, the same for every server.
					offset := round * (cfg.requests + conc)
					r, cpu, err := httpRun(srv, sc.path, enc, conc, offset)
					if err != nil {
						return fmt.Errorf("%s: %w", sc.name, err)
					}
					e.add(r, cpu, conc)
					if peer != nil {
						r, cpu, err := httpRun(peer, sc.peerPath, enc, conc, offset)
						if err != nil {
							return fmt.Errorf("%s, pg_featureserv: %w", sc.name, err)
						}
						p.add(r, cpu, conc)
						ratios = append(ratios, e.runs[round].rps()/r.rps())
					}
					if enc == "" {
						r, err := measure(ctx, conc, cfg, func(ctx context.Context, i int) (int64, error) {
							return drain(ctx, pool, sc.query(offset+i))
						})
						if err != nil {
							return fmt.Errorf("%s, database alone: %w", sc.name, err)
						}
						d.add(r, 0, conc)
					}
				}
				peerCol, ratioCol, peerKB, peerCPU := "not run", "—", "—", "—"
				if peer != nil {
					peerCol = p.summary()
					ratioCol = fmt.Sprintf("**%.2f** (%.2f–%.2f)", median(ratios), slices.Min(ratios), slices.Max(ratios))
					peerKB, peerCPU = p.kbPerResponse(), ms(p.cpuPerRequest())
				}
				dbCol, dbRatio, encCol := "—", "—", "identity"
				if enc == "" {
					dbCol = fmt.Sprintf("%.1f (%s)", d.rps(), ms(d.all().pct(50)))
					dbRatio = fmt.Sprintf("%.2f", float64(e.all().pct(50))/float64(d.all().pct(50)))
				} else {
					encCol = enc
				}
				fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s |\n",
					sc.name, conc, encCol, e.summary(), peerCol, ratioCol, dbCol, dbRatio,
					e.kbPerResponse(), peerKB, ms(e.cpuPerRequest()), peerCPU)
			}
		}
	}
	fmt.Fprintf(out, "\nreq/s: median of %d rounds; p50 / p99 over every request of the rounds; ratio: Emprises' req/s over pg_featureserv's, median (and range) of the rounds.\n", cfg.rounds)
	fmt.Fprintln(out, "PostgreSQL alone: PostgreSQL writing the same features (Emprises' page statement with the database writing the GeoJSON, store.DatabaseFeatureSQL) through pgx, every row read (without gzip only); its p50 against the service's.")
	fmt.Fprintln(out, "KB/resp: bytes on the wire per response; CPU/req: processor time of each server process per request, warm-ups included (PostgreSQL's not counted).")
	fmt.Fprintf(out, "Emprises: %s; pg_featureserv: %s (RSS/peak).\n", srv.memory(), peerMemory(peer))
	return nil
}

func peerMemory(peer *server) string {
	if peer == nil {
		return "not run"
	}
	return peer.memory()
}

// loadAverage reads the 1, 5 and 15 minute load averages, which tell how busy the shared
// machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
