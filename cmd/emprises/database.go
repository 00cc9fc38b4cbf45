package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/internal/store"
	"github.com/emprises/emprises/migrations"
)

// dbFlags are the database settings every subcommand that touches data shares.
type dbFlags struct {
	url        string
	migrateURL string
	dataDir    string
	// readURL reaches the streaming replicas that serve reads (serve only; see
	// registerReplicas).
	readURL string
}

func (d *dbFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&d.url, "database-url", e.getenv("DATABASE_URL"),
		"PostgreSQL+PostGIS connection string, as the service's role ($DATABASE_URL); empty: the private cluster in the data folder")
	fs.StringVar(&d.migrateURL, "migrate-database-url", e.getenv("EMPRISES_MIGRATE_DATABASE_URL"),
		"connection string for migrations, as the role that owns the schema ($EMPRISES_MIGRATE_DATABASE_URL); default: --database-url")
	fs.StringVar(&d.dataDir, "data", envOr(e, "EMPRISES_DATA", "./.data"),
		"data folder for the private cluster ($EMPRISES_DATA)")
}

// registerReplicas adds --read-database-url, for the commands that serve reads.
func (d *dbFlags) registerReplicas(fs *flag.FlagSet, e *env) {
	fs.StringVar(&d.readURL, "read-database-url", e.getenv("EMPRISES_READ_DATABASE_URL"),
		"connection string of the streaming replicas that serve reads, as the service's role ($EMPRISES_READ_DATABASE_URL); "+
			"several hosts allowed, e.g. host=r1,r2 target_session_attrs=prefer-standby; empty: every read from --database-url")
}

// database is an open, migrated store and, with the embedded default, the cluster under it.
type database struct {
	store   *store.Store
	cluster *pgcluster.Cluster
	log     io.Writer
}

// openDatabase connects to DATABASE_URL or, without one, creates and starts (or attaches
// to) the private cluster in the data folder; then it applies the migrations, as the role
// that owns the schema, and opens the store as the service's role, which may only read and
// write rows (migrations/006_least_privilege.sql). With seed, an empty database is loaded
// with the reference sites.
func openDatabase(ctx context.Context, e *env, d dbFlags, seed bool) (*database, error) {
	db := &database{log: e.stderr}
	connString, migrateURL := d.url, d.migrateURL
	switch {
	case connString == "" && migrateURL != "":
		return nil, usageError{"--migrate-database-url ($EMPRISES_MIGRATE_DATABASE_URL) goes with --database-url ($DATABASE_URL); the private cluster has its own roles"}
	case connString == "" && d.readURL != "":
		return nil, usageError{"--read-database-url ($EMPRISES_READ_DATABASE_URL) goes with --database-url ($DATABASE_URL): replicas follow a primary the operator runs"}
	case connString == "":
		dir, err := filepath.Abs(d.dataDir)
		if err != nil {
			return nil, err
		}
		c, err := pgcluster.Open(ctx, pgcluster.Options{
			Dir:        dir,
			Database:   "emprises",
			Owner:      migrations.OwnerRole,
			Users:      []string{migrations.AppRole},
			Extensions: migrations.Extensions,
			Log:        e.stderr,
		})
		if err != nil {
			return nil, err
		}
		db.cluster = c
		connString = c.UserConnString(migrations.AppRole, "emprises")
		migrateURL = c.UserConnString(migrations.OwnerRole, "emprises")
	case migrateURL == "":
		// One role for both, the operator's choice (see the README); once the schema is
		// up to date, migrating changes nothing and needs no privilege beyond reading it.
		migrateURL = connString
	}
	if err := store.Migrate(ctx, migrateURL); err != nil {
		db.close(ctx)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" && d.migrateURL == "" && d.url != "" {
			return nil, fmt.Errorf("%w\nmigrations run as the role that owns the schema: give its connection string in --migrate-database-url ($EMPRISES_MIGRATE_DATABASE_URL)", err)
		}
		return nil, err
	}
	s, err := store.OpenWithReplicas(ctx, connString, d.readURL)
	if err != nil {
		db.close(ctx)
		return nil, err
	}
	db.store = s
	if seed {
		empty, err := s.Empty(ctx)
		if err != nil {
			db.close(ctx)
			return nil, err
		}
		if empty {
			if err := seedReference(ctx, e, s); err != nil {
				db.close(ctx)
				return nil, err
			}
		}
	}
	return db, nil
}

// close releases the pool and leaves the private cluster, which stops it if no other
// process uses it (pgcluster's rule: the last to leave stops it, whoever started it).
func (db *database) close(ctx context.Context) {
	if db.store != nil {
		db.store.Close()
	}
	if db.cluster != nil {
		if err := db.cluster.Close(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(db.log, "emprises: stopping PostgreSQL:", err)
		}
	}
}

func seedReference(ctx context.Context, e *env, s *store.Store) error {
	ds, err := geodata.Load()
	if err != nil {
		return err
	}
	r, err := s.Seed(ctx, cliActor(e), ds)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "seed: %d sites, %d parts, %d events, %d calendar entries added; %d sites already present\n",
		r.Sites, r.Parts, r.Events, r.Milestones, r.Skipped)
	fmt.Fprintf(e.stderr, "seed: %d committees, %d commitments, %d meetings of the convention added\n",
		r.Committees, r.Commitments, r.Meetings)
	return nil
}

// cliActor is who makes the changes of this command line, as the sites' history and the
// audit log name them: "cli:" and the operating-system user, or $USER when the system does
// not say (a container with no passwd entry).
func cliActor(e *env) store.Actor {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = e.getenv("USER")
	}
	return store.CommandLine(name)
}

func envOr(e *env, key, fallback string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return fallback
}

// envBool reads a boolean setting: 1, true, yes or on.
func envBool(e *env, key string) bool {
	switch strings.ToLower(e.getenv(key)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
