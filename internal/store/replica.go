package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Reads and writes on more than one database server.
//
// With a read pool (OpenWithReplicas), reads that may be a moment stale — features, tiles,
// exports, the calendar, the dashboard, a site's page — go to the streaming replicas, and
// writes, the reads of a write request, sign-in and the sessions go to the primary. A
// reader that wrote comes back with the position of its commit (ReadAfter): its read
// waits on the replica until the replica has replayed that far, at most ReadAfterWait,
// then goes to the primary. On loopback, a read sent to a replica right after a write
// found the old data 42–92 % of the time; the wait costs about a millisecond.
//
// The replica is watched once a second (its replay position against the primary's): one
// that does not answer, or lags by more than MaxReplicaLag, is left aside and its reads go
// to the primary until it has caught up. When the primary does not answer, reads go on
// from the replicas, even those that asked for a newer position (there is nowhere fresher
// to read), and writes fail with an error Unavailable recognises (HTTP 503).

const (
	// ReadAfterWait bounds how long a read waits for a replica to replay a position
	// before it reads from the primary instead.
	ReadAfterWait = 200 * time.Millisecond
	// MaxReplicaLag is the lag beyond which a replica gets no reads.
	MaxReplicaLag = 5 * time.Second
	// replicaCheckEvery is how often the replica's lag is measured.
	replicaCheckEvery = time.Second
)

// LSN is a position in PostgreSQL's write-ahead log, as pg_current_wal_insert_lsn()
// reports it: the position of a commit, which a replica has applied once its
// pg_last_wal_replay_lsn() has reached it.
type LSN uint64

// String formats l as PostgreSQL does: two hexadecimal halves, "16/B374D848".
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint32(l)) }

// ParseLSN reads an LSN written as PostgreSQL does.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok || len(hi) == 0 || len(lo) == 0 || len(hi) > 8 || len(lo) > 8 {
		return 0, fmt.Errorf("store: %q is not a WAL position (like 16/B374D848)", s)
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("store: %q is not a WAL position (like 16/B374D848)", s)
	}
	return LSN(h<<32 | l), nil
}

type (
	readAfterKey struct{}
	primaryKey   struct{}
	commitsKey   struct{}
)

// ReadAfter returns a context whose reads see at least the data committed at lsn.
func ReadAfter(ctx context.Context, lsn LSN) context.Context {
	if prev, _ := ctx.Value(readAfterKey{}).(LSN); prev >= lsn {
		return ctx
	}
	return context.WithValue(ctx, readAfterKey{}, lsn)
}

// Primary returns a context whose reads go to the primary: those of a request that
// writes, which check the versions it was sent and answer what it changed.
func Primary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// Commits notes the position of the last commit of the writes made with a context from
// TrackCommits, for the caller to hand back to the client (see ReadAfter).
type Commits struct{ lsn atomic.Uint64 }

// Last returns the position of the last commit, or 0 when nothing was written.
func (c *Commits) Last() LSN { return LSN(c.lsn.Load()) }

func (c *Commits) note(l LSN) {
	for {
		old := c.lsn.Load()
		if uint64(l) <= old || c.lsn.CompareAndSwap(old, uint64(l)) {
			return
		}
	}
}

// TrackCommits returns a context whose writes note their commit position in the returned
// Commits; the reads that follow a write in that context go to the primary.
func TrackCommits(ctx context.Context) (context.Context, *Commits) {
	c := &Commits{}
	return context.WithValue(ctx, commitsKey{}, c), c
}

// noteCommit records the position of a commit just made, when the caller tracks them.
// The insert position read after the commit is at or past the end of its commit record.
// A failure costs only read-your-writes (the next read may go to a replica that has not
// caught up), never the write, which is done: it is not reported.
func (s *Store) noteCommit(ctx context.Context) {
	c, _ := ctx.Value(commitsKey{}).(*Commits)
	if c == nil || s.read == nil {
		return
	}
	var pos string
	if err := s.pool.QueryRow(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&pos); err != nil {
		return
	}
	if l, err := ParseLSN(pos); err == nil {
		c.note(l)
	}
}

// conn is what an acquired connection offers the store's read methods.
type conn interface {
	querier
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Release()
}

// reader returns a connection for a read that may be served by a replica: the replica's
// unless the context asks for the primary (Primary, or a write already made with it), the
// replica is down or lags, or it has not replayed the context's ReadAfter position within
// ReadAfterWait. The caller releases it.
func (s *Store) reader(ctx context.Context) (conn, error) {
	if s.read == nil || ctx.Value(primaryKey{}) != nil {
		return s.primaryFirst(ctx)
	}
	if c, _ := ctx.Value(commitsKey{}).(*Commits); c != nil && c.Last() != 0 {
		return s.primaryFirst(ctx)
	}
	if s.replica.usable() {
		rc, err := s.read.Acquire(ctx)
		switch {
		case err == nil:
			lsn, _ := ctx.Value(readAfterKey{}).(LSN)
			if lsn == 0 {
				return rc, nil
			}
			caughtUp, err := waitReplay(ctx, rc, lsn)
			if err == nil && caughtUp {
				s.replica.caughtUp.Add(1)
				return rc, nil
			}
			rc.Release()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.replica.tooLate.Add(1)
		case ctx.Err() != nil:
			return nil, err
		default:
			s.replica.markDown(err)
		}
	}
	return s.primaryFirst(ctx)
}

// primaryFirst returns a connection to the primary or, when it does not answer, to a
// replica: a read is better served a moment stale than not at all.
func (s *Store) primaryFirst(ctx context.Context) (conn, error) {
	pc, err := s.pool.Acquire(ctx)
	if err == nil || s.read == nil || !Unavailable(err) {
		return pc, err
	}
	if rc, rerr := s.read.Acquire(ctx); rerr == nil {
		return rc, nil
	}
	return nil, err
}

// waitReplay polls the replica behind rc until it has replayed lsn, for at most
// ReadAfterWait. Polls start a few hundred microseconds apart, as a replica on a good
// network is usually that close behind, and grow to 20 ms.
func waitReplay(ctx context.Context, rc conn, lsn LSN) (bool, error) {
	deadline := time.Now().Add(ReadAfterWait)
	pause := 250 * time.Microsecond
	for {
		var done bool
		// On a primary (a read pool pointing at it), pg_last_wal_replay_lsn() is NULL:
		// the primary holds every commit.
		err := rc.QueryRow(ctx, `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, true)`, lsn.String()).Scan(&done)
		if err != nil || done {
			return done, err
		}
		if time.Now().Add(pause).After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
}

// replicaState is what the watcher last saw of the replicas.
type replicaState struct {
	mu        sync.Mutex
	checked   time.Time     // last measure; zero before the first
	up        bool          // the replica answered the last measure
	lag       time.Duration // how far its replay is behind the primary
	lagBytes  int64         // how many bytes of WAL it has still to replay; -1 unknown
	lastError string

	caughtUp atomic.Int64 // reads that waited for a position and got it on the replica
	tooLate  atomic.Int64 // reads that gave up waiting and went to the primary
}

// usable reports whether reads may go to the replica: not measured yet (it is tried), or
// up and no further behind than MaxReplicaLag.
func (r *replicaState) usable() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.checked.IsZero() || r.up && r.lag <= MaxReplicaLag
}

func (r *replicaState) markDown(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checked, r.up, r.lastError = time.Now(), false, err.Error()
}

// watchReplica measures the replica's lag every replicaCheckEvery until ctx ends.
func (s *Store) watchReplica(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(replicaCheckEvery)
	defer t.Stop()
	for {
		s.measureReplica(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// measureReplica measures the replica's lag once. The lag is the age of the last commit
// replayed when some WAL is still to replay, and zero when none is: an idle primary
// leaves its replica's last replayed commit old without the replica being behind. When
// the primary does not answer, the bytes to replay are unknown and the lag is left as
// the replica has it (its reads go on).
func (s *Store) measureReplica(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var primaryPos *string
	_ = s.pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&primaryPos)
	var replay *string
	var age *float64
	err := s.read.QueryRow(ctx, `
		SELECT pg_last_wal_replay_lsn()::text,
		       extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8`).Scan(&replay, &age)
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return
	}
	r := &s.replica
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checked = time.Now()
	if err != nil {
		r.up, r.lastError = false, err.Error()
		return
	}
	r.up, r.lastError, r.lagBytes = true, "", -1
	if replay == nil {
		// The read pool reaches a primary (a configuration with no replica yet).
		r.lag, r.lagBytes = 0, 0
		return
	}
	if primaryPos == nil {
		return
	}
	p, err1 := ParseLSN(*primaryPos)
	rp, err2 := ParseLSN(*replay)
	if err1 != nil || err2 != nil {
		return
	}
	r.lagBytes = max(0, int64(p)-int64(rp))
	switch {
	case r.lagBytes == 0:
		r.lag = 0
	case age != nil:
		r.lag = time.Duration(max(0, *age) * float64(time.Second))
	}
}

// PoolStatus is one database pool as health checks and metrics report it.
type PoolStatus struct {
	Name  string        // "primary" or "replica"
	Stat  *pgxpool.Stat // sizes and acquire waits
	Ready error         // nil when the pool's server answers (and, for the primary, is migrated)
}

// ReplicaStatus is what the store last measured of its replicas.
type ReplicaStatus struct {
	Configured bool          // a read pool was given
	Up         bool          // the replica answered the last measure
	Usable     bool          // reads go to it
	Lag        time.Duration // how far its replay is behind the primary
	LagBytes   int64         // WAL still to replay; -1 unknown (the primary does not answer)
	Checked    time.Time     // when it was last measured
	Error      string        // why it did not answer
	// CaughtUp and TooLate count the reads that waited for a commit position: served by
	// the replica once it had replayed it, or sent to the primary after ReadAfterWait.
	CaughtUp, TooLate int64
}

// Replica reports what the store last measured of its replicas.
func (s *Store) Replica() ReplicaStatus {
	if s.read == nil {
		return ReplicaStatus{}
	}
	r := &s.replica
	r.mu.Lock()
	defer r.mu.Unlock()
	return ReplicaStatus{Configured: true, Up: r.up, Usable: r.checked.IsZero() || r.up && r.lag <= MaxReplicaLag,
		Lag: r.lag, LagBytes: r.lagBytes, Checked: r.checked, Error: r.lastError,
		CaughtUp: r.caughtUp.Load(), TooLate: r.tooLate.Load()}
}

// Pools returns the store's pools with their figures; the readiness is checked only with
// check, as it costs a query on each server.
func (s *Store) Pools(ctx context.Context, check bool) []PoolStatus {
	out := []PoolStatus{{Name: "primary", Stat: s.pool.Stat()}}
	if check {
		out[0].Ready = s.Ready(ctx)
	}
	if s.read != nil {
		p := PoolStatus{Name: "replica", Stat: s.read.Stat()}
		if check {
			var one int
			if err := s.read.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
				p.Ready = fmt.Errorf("store: replica: %w", err)
			}
		}
		out = append(out, p)
	}
	return out
}
