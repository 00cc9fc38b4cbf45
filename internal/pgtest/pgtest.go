// Package pgtest gives each test a fresh, fully migrated PostGIS database of its own:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestFindSite(t *testing.T) {
//		t.Parallel()
//		db := pgtest.NewDB(t)
//		...
//	}
//
// Tests connect as the service does, with least privilege: their sessions act as the role
// migrations.AppRole (SET ROLE through the connection's options), which may read and write
// rows but not change the schema, TRUNCATE, or change the append-only tables. Tests that
// need more for their setup (DDL, disabling a trigger) take OwnerPool or OwnerURL, whose
// sessions act as migrations.OwnerRole, which owns the schema and ran the migrations.
//
// With TEST_DATABASE_URL set, the databases are created on that server, whose user must be
// a superuser (it creates the roles and PostGIS). Otherwise Main starts a private cluster (internal/pgcluster,
// fast and not crash-safe) for the test binary in a temporary folder, in RAM (/dev/shm)
// when there is room, and removes it after.
//
// Each database is cloned from a template migrated once per server and per set of
// migration files (the template is named after their hash), so NewDB takes milliseconds.
// Templates of older migration files are left on a shared server; drop pgtest_tmpl_*
// databases to reclaim them.
//
// pgtest applies the migrations with package migrations, not internal/store, so that
// store's own tests can use it.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/migrations"
)

// envURL names the variable that points the tests at an existing server.
const envURL = "TEST_DATABASE_URL"

// dirPrefix starts the names of the temporary folders Main keeps its clusters in.
const dirPrefix = "pgtest-"

// server is the one PostgreSQL server of this test binary. Main sets url before any test
// runs; setup fills the rest once, on the first NewDB.
var server struct {
	url string // admin connection string, set by Main for its private cluster

	once     sync.Once
	admin    *pgxpool.Pool // creates and drops the test databases
	baseURL  string
	template string
	err      error
}

// Main runs the tests of a package, m.Run, and returns its exit code. Unless
// TEST_DATABASE_URL is set it runs them against a private PostgreSQL cluster it starts
// before and stops after. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	if os.Getenv(envURL) != "" {
		defer closeAdmin()
		return m.Run()
	}
	ctx := context.Background()
	removeAbandoned(ctx)

	dir, release, err := makeDir()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		return 1
	}
	defer release()
	c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: dir, Fast: true})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: no database for the tests: %v\n", err)
		os.RemoveAll(dir)
		return 1
	}
	shutdown := func() {
		closeAdmin()
		// Stop, not Close: the cluster is this binary's alone and its folder goes next,
		// even if a test attached to it again (to restart it) and never let go.
		if err := c.Stop(context.Background()); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
		os.RemoveAll(dir)
	}
	// Interrupted tests would otherwise leave the server running until the next Main.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sigs; ok {
			shutdown()
			os.Exit(1)
		}
	}()

	server.url = c.ConnString("postgres")
	code := m.Run()
	signal.Stop(sigs)
	close(sigs)
	shutdown()
	return code
}

// shm is a RAM file system, on which cloning a database is ten times faster than on disk.
const shm = "/dev/shm"

// parentDirs returns where Main may keep its cluster, best first: shm if it exists and has
// room (container runtimes often give it 64 MB), then the usual temporary folder.
func parentDirs() []string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err == nil && st.Bavail*uint64(st.Bsize) >= 1<<30 {
		return []string{shm, os.TempDir()}
	}
	return []string{os.TempDir()}
}

// makeDir creates the private cluster's folder, reachable by the postgres user, with an
// owner.lock file this process holds locked until release (or its death), which tells
// removeAbandoned the folder is in use. The lock is taken before the file gets its name,
// so no other process can find it unlocked.
func makeDir() (dir string, release func(), err error) {
	for _, parent := range parentDirs() {
		if dir, err = os.MkdirTemp(parent, dirPrefix); err == nil {
			break
		}
	}
	if err != nil {
		return "", nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", nil, err
	}
	f, err := os.Create(filepath.Join(dir, "owner.lock.new"))
	if err != nil {
		return "", nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return "", nil, err
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, "owner.lock")); err != nil {
		f.Close()
		return "", nil, err
	}
	return dir, func() { f.Close() }, nil
}

// removeAbandoned stops the clusters and removes the folders left by test binaries that
// died before the end of Main (killed by a test timeout, say).
func removeAbandoned(ctx context.Context) {
	var dirs []string
	for _, parent := range []string{shm, os.TempDir()} {
		found, _ := filepath.Glob(filepath.Join(parent, dirPrefix+"*"))
		dirs = append(dirs, found...)
	}
	for _, dir := range dirs {
		f, err := os.Open(filepath.Join(dir, "owner.lock"))
		if err != nil {
			continue // not ours, or not yet set up
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			if err := pgcluster.Shutdown(ctx, dir); err == nil {
				os.RemoveAll(dir)
			}
		}
		f.Close()
	}
}

func closeAdmin() {
	if server.admin != nil {
		server.admin.Close()
	}
}

// NewDB returns a pool on a fresh, fully migrated database of the test's own, dropped at
// the end of the test, whose sessions act as migrations.AppRole. Tests using it may run in
// parallel.
func NewDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := NewDBURL(t)
	pool, err := pgxpool.New(t.Context(), dbURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close) // registered after the drop, so it runs before it
	return pool
}

// NewDBURL is like NewDB but returns the database's connection string, for tests that run
// the whole program.

// OwnerPool returns a pool on db's database whose sessions act as migrations.OwnerRole, for
// a test's setup that the service's role may not do; it is closed at the end of the test.
func OwnerPool(t testing.TB, db *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(t.Context(), OwnerURL(db.Config().ConnString()))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// OwnerURL returns dbURL, from NewDBURL, acting as migrations.OwnerRole.
func OwnerURL(dbURL string) string {
	return asRole(dbURL, migrations.OwnerRole)
}
func NewDBURL(t testing.TB) string {
	t.Helper()
	server.once.Do(setup)
	if server.err != nil {
		t.Fatalf("pgtest: %v", server.err)
	}
	name := "pgtest_" + strings.ToLower(rand.Text()[:16])
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{server.template}.Sanitize() +
		" OWNER " + pgx.Identifier{migrations.OwnerRole}.Sanitize()
	if err := execRetry(t.Context(), server.admin, create); err != nil {
		t.Fatalf("pgtest: create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := server.admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop test database %s: %v", name, err)
		}
	})
	dbURL, err := withDatabase(server.baseURL, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return asRole(dbURL, migrations.AppRole)
}

// setup connects to the server and makes sure the template exists, recording any error in
// server.err for every test to report.
func setup() {
	server.baseURL = server.url
	if server.baseURL == "" {
		server.baseURL = os.Getenv(envURL)
	}
	if server.baseURL == "" {
		server.err = errors.New("no database server: call pgtest.Main from TestMain (func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }) or set " + envURL)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	admin, err := pgxpool.New(ctx, server.baseURL)
	if err != nil {
		server.err = fmt.Errorf("connect to the test server: %w", err)
		return
	}
	server.admin = admin
	hash, err := migrationsHash(migrations.FS)
	if err != nil {
		server.err = err
		return
	}
	server.template = "pgtest_tmpl_" + hash[:16]
	if err := ensureRoles(ctx, admin); err != nil {
		server.err = fmt.Errorf("roles: %w", err)
		return
	}
	if err := ensureTemplate(ctx, server.baseURL, server.template); err != nil {
		server.err = fmt.Errorf("template database %s: %w", server.template, err)
	}
}

// templateLock is the advisory lock key that serialises template builds across the test
// binaries sharing a server.
const templateLock = 0x656d707269736573 // "emprises"

// ensureTemplate creates the template database name, fully migrated, unless it exists.
// It is built under another name and renamed when complete, so a build that failed or was
// interrupted is never used.
func ensureTemplate(ctx context.Context, baseURL, name string) error {
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx) // also releases the advisory lock
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(templateLock)); err != nil {
		return err
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	build := name + "_build"
	buildID := pgx.Identifier{build}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+buildID+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+buildID+" OWNER "+pgx.Identifier{migrations.OwnerRole}.Sanitize()); err != nil {
		return err
	}
	buildURL, err := withDatabase(baseURL, build)
	if err != nil {
		return err
	}
	if err := createExtensions(ctx, buildURL); err != nil {
		return err
	}
	// As the service's own migrations do: the owner, not the superuser, makes the schema.
	if err := migrations.Apply(ctx, asRole(buildURL, migrations.OwnerRole)); err != nil {
		return err
	}
	// No test connects to the template: cloning needs it idle.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+buildID+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	return execRetry(ctx, conn, "ALTER DATABASE "+buildID+" RENAME TO "+pgx.Identifier{name}.Sanitize())
}

// ensureRoles creates the owner and service roles unless they exist, as group roles: test
// sessions log in as the server's user and act as them.
func ensureRoles(ctx context.Context, admin *pgxpool.Pool) error {
	conn, err := admin.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// Roles belong to the whole server, which other test binaries share.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(templateLock)); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(templateLock)) //nolint:errcheck
	for _, role := range []string{migrations.OwnerRole, migrations.AppRole} {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := conn.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" NOLOGIN"); err != nil {
				return err
			}
		}
	}
	// A test's setup may watch the service's sessions (pg_stat_activity shows their queries
	// only to members of pg_read_all_stats, as they log in as the server's user) and read
	// the server's settings (data_directory, to restart it).
	_, err = conn.Exec(ctx, "GRANT pg_read_all_stats, pg_read_all_settings TO "+pgx.Identifier{migrations.OwnerRole}.Sanitize())
	return err
}

// createExtensions creates, as the server's superuser, the extensions the migrations need
// and the owner role may not create (PostGIS is not a trusted extension).
func createExtensions(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, ext := range migrations.Extensions {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+pgx.Identifier{ext}.Sanitize()); err != nil {
			return err
		}
	}
	return nil
}

// roleOption is the startup option that makes a session act as role from its start.
func roleOption(role string) string { return "-c role=" + role }

// asRole returns connString, in URL or keyword/value form, with sessions acting as role,
// in place of any role or other options it had (in keyword/value form the last value of
// a keyword wins).
func asRole(connString, role string) string {
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		u, err := url.Parse(connString)
		if err != nil {
			return connString // withDatabase parsed it already
		}
		q := u.Query()
		q.Set("options", roleOption(role))
		u.RawQuery = q.Encode()
		return u.String()
	}
	return connString + " options='" + roleOption(role) + "'"
}

// execRetry runs sql, retrying while a database it needs idle still has a session: the
// server ends a session shortly after its client closes it, not at once.
func execRetry(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, sql string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := db.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) { // object_in_use
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// migrationsHash returns a hex SHA-256 of the names and contents of the migration files.
func migrationsHash(fsys fs.FS) (string, error) {
	h := sha256.New()
	// How the template is built is part of it: templates of an older pgtest on a shared
	// server are not reused.
	fmt.Fprintf(h, "pgtest template: owner %s, extensions by the superuser\x00", migrations.OwnerRole)
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := fsys.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", path)
		_, err = io.Copy(h, f)
		h.Write([]byte{0})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// withDatabase returns connString, in URL or keyword/value form, pointed at database db.
func withDatabase(connString, db string) (string, error) {
	if strings.HasPrefix(connString, "postgres://") || strings.HasPrefix(connString, "postgresql://") {
		u, err := url.Parse(connString)
		if err != nil {
			return "", fmt.Errorf("parse %s: %w", envURL, err)
		}
		u.Path = "/" + db
		u.RawPath = ""
		return u.String(), nil
	}
	// In keyword/value form the last value of a keyword wins.
	return connString + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(db) + "'", nil
}
