// Package store is the only package that speaks SQL. It keeps Emprises' data in PostgreSQL +
// PostGIS and lets PostGIS do the geometry work: reprojection, areas, validity, GeoJSON.
package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/migrations"
)

// StatementTimeout bounds every query, so that no request can hold the database forever.
const StatementTimeout = 30 * time.Second

// Store is a pool of connections to the Emprises database and, with replicas, a second
// pool that serves the reads that may be a moment stale (see replica.go).
type Store struct {
	pool    *pgxpool.Pool // the primary: writes, and reads that must see them
	read    *pgxpool.Pool // the replicas; nil when there are none
	replica replicaState
	extents *extentCache

	stopWatch context.CancelFunc // ends watchReplica
	watchDone chan struct{}
}

// Open connects to the database at connString. It does not migrate.
func Open(ctx context.Context, connString string) (*Store, error) {
	return OpenWithReplicas(ctx, connString, "")
}

// OpenWithReplicas connects to the primary at connString and, unless readConnString is
// empty, to the streaming replicas at readConnString (one server, or several in a libpq
// multi-host string such as "host=r1,r2 target_session_attrs=standby"), which then serve
// the reads that may be a moment stale. It does not migrate.
func OpenWithReplicas(ctx context.Context, connString, readConnString string) (*Store, error) {
	pool, err := openPool(ctx, connString)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s := New(pool)
	if readConnString == "" {
		return s, nil
	}
	// The pool connects lazily: a replica down at startup is no reason not to serve.
	if s.read, err = openPool(ctx, readConnString); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: open read pool: %w", err)
	}
	watchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopWatch, s.watchDone = cancel, make(chan struct{})
	go s.watchReplica(watchCtx, s.watchDone)
	return s, nil
}

// openPool makes a pool with the service's settings.
func openPool(ctx context.Context, connString string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["statement_timeout"]; !ok {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(StatementTimeout.Milliseconds())
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "emprises"
	if !strings.Contains(connString, "pool_max_conns") {
		// pgx's default (4 on 2 cores) let four slow downloads take every connection.
		// The HTTP layer runs at most a few long streams at once; the rest of the pool
		// stays for health checks, sign-ins and small reads. PostgreSQL allows 100.
		cfg.MaxConns = int32(max(16, 4*runtime.NumCPU()))
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// New wraps an existing pool (tests get theirs from pgtest).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool, extents: &extentCache{}} }

// Pool exposes the primary's pool for packages that stream large results with their own
// SQL.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close releases every connection.
func (s *Store) Close() {
	if s.stopWatch != nil {
		s.stopWatch()
		<-s.watchDone
	}
	if s.read != nil {
		s.read.Close()
	}
	s.pool.Close()
}

// Ready reports whether the database answers and is fully migrated.
func (s *Store) Ready(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: ready: %w", err)
	}
	defer conn.Release()
	want, have, err := migrations.Version(ctx, conn.Conn())
	if err != nil {
		return err
	}
	if have != want {
		return fmt.Errorf("store: database is at migration %d of %d", have, want)
	}
	return nil
}

// inTx runs fn in one transaction: every write in Emprises is all or nothing.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		if Unavailable(err) {
			return fmt.Errorf("%w: %w", ErrOutcomeUnknown, err)
		}
		return err
	}
	s.noteCommit(ctx)
	return nil
}

// constraintFields names the input field behind each database rule, so that a refusal by
// PostgreSQL reaches the user as a 400 naming the field rather than as a 500.
var constraintFields = map[string]string{
	"geometry_valid":          "geometry",
	"geometry_area":           "geometry",
	"event_actual_not_future": "date",
	"geometry_in_ivry":        "geometry",
	"status_since_increases":  "status_since",
	"parcels_id_check":        "parcel_id",
	"sites_id_check":          "id",
	"site_parts_id_check":     "id",
}

// domainError turns the database's refusals into the domain's errors.
func domainError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23514", "23P01", "22007", "22008", "22P02", "23503", "XX000":
		// check, exclusion, date/time, text representation, foreign key, and PostGIS's
		// own complaints about a geometry.
		field := constraintFields[pgErr.ConstraintName]
		if field == "" && pgErr.Code == "XX000" {
			field = "geometry"
		}
		if field == "" {
			field = strings.TrimSuffix(strings.TrimPrefix(pgErr.ConstraintName, pgErr.TableName+"_"), "_check")
		}
		return &site.InvalidError{Field: field, Reason: pgErr.Message}
	case "23505":
		return &site.InvalidError{Field: "id", Reason: "already exists: " + pgErr.Detail}
	}
	return err
}

// isUniqueViolation reports whether err is PostgreSQL refusing a second row with the same
// key.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// Empty reports whether no site has been loaded yet.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sites)`).Scan(&exists); err != nil {
		return false, fmt.Errorf("store: empty: %w", err)
	}
	return !exists, nil
}
