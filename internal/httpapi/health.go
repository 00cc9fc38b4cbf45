package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/emprises/emprises/internal/store"
)

// healthPool is one database pool as /healthz reports it.
type healthPool struct {
	Name          string `json:"name"`
	Ready         bool   `json:"ready"`
	Error         string `json:"error,omitempty"`
	TotalConns    int32  `json:"total_conns"`
	IdleConns     int32  `json:"idle_conns"`
	AcquiredConns int32  `json:"acquired_conns"`
	MaxConns      int32  `json:"max_conns"`
	AcquireWaits  int64  `json:"acquire_waits"`
}

// healthReplica is the replica's state as /healthz reports it.
type healthReplica struct {
	Up         bool       `json:"up"`
	Usable     bool       `json:"usable"`
	LagSeconds float64    `json:"lag_seconds"`
	LagBytes   int64      `json:"lag_bytes"`
	CheckedAt  *time.Time `json:"checked_at,omitempty"`
	Error      string     `json:"error,omitempty"`
}

type health struct {
	Status  string         `json:"status"` // "ok" or "degraded"
	Pools   []healthPool   `json:"pools"`
	Replica *healthReplica `json:"replica,omitempty"`
}

// handleHealth answers 200 while the instance can serve reads, with each pool and the
// replica's lag: "ok" when the primary answers and is fully migrated, "degraded" when the
// primary does not answer but a replica does (reads go on from it, writes answer 503), so
// that a load balancer keeps the instance for readers. It answers 503 when no database
// server answers, or when the primary answers but is not fully migrated (this binary must
// not serve an older schema).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	h := health{Status: "ok"}
	var primaryErr error
	replicaReady := false
	for _, p := range s.store.Pools(ctx, true) {
		hp := healthPool{Name: p.Name, Ready: p.Ready == nil, TotalConns: p.Stat.TotalConns(),
			IdleConns: p.Stat.IdleConns(), AcquiredConns: p.Stat.AcquiredConns(),
			MaxConns: p.Stat.MaxConns(), AcquireWaits: p.Stat.EmptyAcquireCount()}
		if p.Ready != nil {
			s.logger.Warn("health check failed", "pool", p.Name, "err", p.Ready)
			hp.Error = "not ready" // the cause goes to the log, not to anybody who asks
		}
		if p.Name == "primary" {
			primaryErr = p.Ready
		} else if p.Ready == nil {
			replicaReady = true
		}
		h.Pools = append(h.Pools, hp)
	}
	if rs := s.store.Replica(); rs.Configured {
		h.Replica = &healthReplica{Up: rs.Up, Usable: rs.Usable, LagSeconds: rs.Lag.Seconds(), LagBytes: rs.LagBytes}
		if !rs.Checked.IsZero() {
			h.Replica.CheckedAt = &rs.Checked
		}
		if rs.Error != "" {
			h.Replica.Error = "not answering"
		}
	}
	if primaryErr != nil {
		if !store.Unavailable(primaryErr) || !replicaReady {
			w.Header().Set("Retry-After", "1")
			writeProblem(w, Problem{Status: http.StatusServiceUnavailable, Detail: "the database is not ready"})
			return
		}
		h.Status = "degraded"
	}
	s.writeJSON(w, r, http.StatusOK, h)
}
