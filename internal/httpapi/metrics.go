package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/emprises/emprises/internal/store"
)

// metrics are the service's figures, served at /metrics in Prometheus's text format.
// Each Server has its own registry (tests run many servers in one process), and the
// figures of the store and of the tile cache are read when scraped, not copied as they
// change.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// newMetrics registers the service's figures; srv's store, streams and tile cache are
// read at each scrape.
func newMetrics(srv *Server) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "emprises_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "emprises_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, body sent, by route pattern and method.",
			// From a tile in cache (under a millisecond) to a whole-collection export.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "emprises_long_streams_in_flight",
			Help: "Downloads and large pages being sent, of at most emprises_long_streams_max.",
		}, func() float64 { return float64(len(srv.streams)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "emprises_long_streams_max",
			Help: "Downloads and large pages sent at once; beyond, 503.",
		}, func() float64 { return float64(cap(srv.streams)) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "emprises_tile_cache_hits_total",
			Help: "Parcel tiles served from the in-memory cache.",
		}, func() float64 { return float64(srv.parcelTiles.hits.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "emprises_tile_cache_misses_total",
			Help: "Parcel tiles rendered by PostGIS (or waited for while another request rendered them).",
		}, func() float64 { return float64(srv.parcelTiles.misses.Load()) }),
		&storeCollector{st: srv.store},
	)
	return m
}

// observe counts a request under its route pattern: chi's pattern, never the path, so
// that the series stay as few as the routes.
func (m *metrics) observe(r *http.Request, status int, elapsed time.Duration) {
	if m == nil {
		return // a Server whose routes were not built
	}
	route := "unmatched"
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		route = rc.RoutePattern()
	}
	if status == 0 {
		status = http.StatusOK // a handler that wrote nothing
	}
	m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
}

// handleMetrics serves the figures to Prometheus.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// storeCollector reads the pools' and the replica's figures at each scrape.
type storeCollector struct{ st *store.Store }

var (
	descPoolConns = prometheus.NewDesc("emprises_db_pool_connections",
		"Connections of a database pool, by state (acquired, idle, constructing) and max.",
		[]string{"pool", "state"}, nil)
	descPoolAcquires = prometheus.NewDesc("emprises_db_pool_acquires_total",
		"Connections taken from a database pool.", []string{"pool"}, nil)
	descPoolWaits = prometheus.NewDesc("emprises_db_pool_acquire_waits_total",
		"Acquires that had to wait for a connection, because the pool was busy.", []string{"pool"}, nil)
	descPoolWaitSeconds = prometheus.NewDesc("emprises_db_pool_acquire_wait_seconds_total",
		"Time spent acquiring connections from a database pool.", []string{"pool"}, nil)
	descReplicaUp = prometheus.NewDesc("emprises_db_replica_up",
		"1 when the replica answered its last check.", nil, nil)
	descReplicaUsable = prometheus.NewDesc("emprises_db_replica_usable",
		"1 when reads go to the replica: it answers and lags by no more than the bound.", nil, nil)
	descReplicaLag = prometheus.NewDesc("emprises_db_replica_lag_seconds",
		"How far the replica's replay is behind the primary.", nil, nil)
	descReplicaLagBytes = prometheus.NewDesc("emprises_db_replica_lag_bytes",
		"WAL the replica has still to replay; absent when the primary does not answer.", nil, nil)
	descReadAfter = prometheus.NewDesc("emprises_db_read_after_write_total",
		"Reads that carried a commit position: served by the replica once caught up, or by the primary after the wait bound.",
		[]string{"served_by"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPoolConns, descPoolAcquires, descPoolWaits, descPoolWaitSeconds,
		descReplicaUp, descReplicaUsable, descReplicaLag, descReplicaLagBytes, descReadAfter} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.st.Pools(context.Background(), false) {
		st := p.Stat
		for state, n := range map[string]int32{"acquired": st.AcquiredConns(), "idle": st.IdleConns(),
			"constructing": st.ConstructingConns(), "max": st.MaxConns()} {
			ch <- prometheus.MustNewConstMetric(descPoolConns, prometheus.GaugeValue, float64(n), p.Name, state)
		}
		ch <- prometheus.MustNewConstMetric(descPoolAcquires, prometheus.CounterValue, float64(st.AcquireCount()), p.Name)
		ch <- prometheus.MustNewConstMetric(descPoolWaits, prometheus.CounterValue, float64(st.EmptyAcquireCount()), p.Name)
		ch <- prometheus.MustNewConstMetric(descPoolWaitSeconds, prometheus.CounterValue, st.AcquireDuration().Seconds(), p.Name)
	}
	rs := c.st.Replica()
	if !rs.Configured {
		return
	}
	ch <- prometheus.MustNewConstMetric(descReplicaUp, prometheus.GaugeValue, boolFloat(rs.Up))
	ch <- prometheus.MustNewConstMetric(descReplicaUsable, prometheus.GaugeValue, boolFloat(rs.Usable))
	ch <- prometheus.MustNewConstMetric(descReplicaLag, prometheus.GaugeValue, rs.Lag.Seconds())
	if rs.LagBytes >= 0 {
		ch <- prometheus.MustNewConstMetric(descReplicaLagBytes, prometheus.GaugeValue, float64(rs.LagBytes))
	}
	ch <- prometheus.MustNewConstMetric(descReadAfter, prometheus.CounterValue, float64(rs.CaughtUp), "replica")
	ch <- prometheus.MustNewConstMetric(descReadAfter, prometheus.CounterValue, float64(rs.TooLate), "primary")
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
