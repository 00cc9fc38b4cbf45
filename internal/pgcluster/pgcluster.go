// Package pgcluster creates, starts and stops a private PostgreSQL 15 + PostGIS cluster that
// lives in a data folder, using the system's PostgreSQL binaries. It backs the embedded
// default of `emprises serve` and the test helper internal/pgtest.
//
// A data folder Dir holds:
//
//	Dir/pg/             the cluster (PGDATA)
//	Dir/run/            the unix socket directory, mode 0700: the server listens on no TCP port
//	Dir/pg.log          the server log
//	Dir/pgcluster.lock  the file lock taken around init, start and stop
//	Dir/pgcluster.users the file every user of the server holds a shared lock on
//
// The socket is Dir/run/.s.PGSQL.5432 and unix socket paths are limited to 107 bytes, so the
// absolute Dir may be at most 89 bytes long. Open rejects a longer Dir with an error instead
// of hiding the socket elsewhere, so that every process finds the server from Dir alone.
//
// PostgreSQL refuses to run as root: when the program runs as root, initdb, pg_ctl and the
// server run as the postgres system user, which owns Dir/pg, Dir/run and Dir/pg.log, and
// which therefore needs search permission on Dir and on every directory above it. Dir
// itself, and the lock files, belong to the running user.
//
// Open refuses a data folder that belongs to another user, and, as root, one on a path
// another user could change (a folder of theirs on the way, or one writable by them): such
// a user could otherwise plant links that make root hand over or truncate system files.
// Within Dir, pgcluster never follows a symbolic link it did not make (see safefs.go).
//
// The server outlives the process that started it and is shared: Open starts it or attaches
// to it (Started tells which), and every Cluster Open returns uses it until Close. The last
// user to Close stops it, whoever started it: a process leaving while another (serve, an
// import) still uses the server leaves it running, and the other stops it when it leaves.
// Each user holds a shared flock on Dir/pgcluster.users; Close drops its own and stops the
// server only if it then gets the exclusive lock at once. The kernel drops the locks of a
// process that dies, so a crashed user never keeps the server up for ever: the next
// process to Open and Close it stops it.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const (
	// port only names the socket file; the server opens no TCP port.
	port = 5432
	// socketName is the name PostgreSQL gives the socket for port.
	socketName = ".s.PGSQL.5432"
	// maxSocketPath is the longest socket path PostgreSQL accepts (sizeof sun_path - 1).
	maxSocketPath = 107
	// superuser is the role initdb creates, whoever runs the server.
	superuser = "postgres"
	// defaultStartTimeout leaves room for crash recovery after an unclean stop.
	defaultStartTimeout = time.Minute
)

// Options configures Open.
type Options struct {
	// Dir is the data folder; the cluster lives in Dir/pg and the unix socket in Dir/run.
	Dir string
	// Database is created if it does not exist; empty means none.
	Database string
	// Owner, if set, is a login role, created if missing, that owns Database and every object
	// of its public schema that no extension owns (objects the superuser made before the
	// database had an owner are given to it). Migrations run as Owner.
	Owner string
	// Users are more login roles created if missing, with no privilege of their own: the
	// migrations grant them what they need.
	Users []string
	// Extensions are created in Database by the superuser, as a database owner that is not
	// a superuser may not create untrusted extensions such as PostGIS.
	Extensions []string
	// Log receives progress messages ("initialising PostgreSQL cluster in ..."); may be nil.
	Log io.Writer
	// Fast trades durability for speed, for tests: initdb skips its fsync, and the server
	// runs with fsync, synchronous_commit and full_page_writes off. It applies when Open
	// starts the server, not when it attaches to a running one.
	Fast bool
	// StartTimeout bounds how long Open waits for the server to accept connections, crash
	// recovery included; zero means one minute.
	StartTimeout time.Duration
	// StandbyOf, when Dir holds no cluster yet, is the connection string of a primary to
	// copy it from (pg_basebackup -R, as the user the server runs as) instead of running
	// initdb: the server then runs as a streaming replica of that primary, read-only, with
	// hot_standby_feedback on. Database, Owner, Users and Extensions must then be empty:
	// they come from the primary.
	StandbyOf string

	// bindir and sharedir replace the search for PostgreSQL's binaries and PostGIS (tests).
	bindir, sharedir string
}

// Cluster is a PostgreSQL cluster in a data folder, running once Open returns.
type Cluster struct {
	dir       string   // the data folder, absolute
	dataDir   string   // Dir/pg
	socketDir string   // Dir/run
	logFile   string   // Dir/pg.log
	bin       string   // PostgreSQL's bin folder
	owner     *account // the user the server runs as, or nil for the current user
	log       io.Writer
	timeout   time.Duration
	standbyOf string // copy a new cluster from this primary (Options.StandbyOf)
	started   bool
	users     *os.File // Dir/pgcluster.users, share-locked from Open until Close
}

// Open makes sure the cluster in opts.Dir exists and runs: it initialises it on first use,
// starts it unless it is already running (then it attaches to it), and creates
// opts.Database, its roles and extensions if missing. A file lock in Dir keeps concurrent
// callers, in this process or others, from initialising or starting it twice. The caller
// uses the server until it calls Close.
func Open(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := newCluster(opts)
	if err != nil {
		return nil, err
	}
	if c.standbyOf != "" && (opts.Database != "" || opts.Owner != "" || len(opts.Users) > 0 || len(opts.Extensions) > 0) {
		return nil, errors.New("pgcluster: a standby gets its databases, roles and extensions from its primary")
	}
	if err := checkPostGIS(c.bin, opts.sharedir); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	euid := uint32(os.Geteuid())
	if err := checkDataDir(c.dir, euid, true, os.Lstat); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if err := checkDataDir(c.dir, euid, false, os.Lstat); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	unlock, err := lockDir(ctx, c.dir, c.logf)
	if err != nil {
		return nil, err
	}
	defer unlock()

	running, err := c.waitRunning(ctx)
	if err != nil {
		return nil, err
	}
	if !running {
		if err := c.start(ctx, opts.Fast); err != nil {
			return nil, err
		}
		c.started = true
	}
	if opts.Database != "" {
		if err := c.createDatabase(ctx, opts); err != nil {
			return nil, err
		}
	}
	if err := c.join(); err != nil {
		return nil, err
	}
	return c, nil
}

// usersFile is the file each user of the server holds a shared lock on.
const usersFile = "pgcluster.users"

// join takes this Cluster's shared lock on the users file. The caller holds the directory
// lock, so no Close is between its check and its stop.
func (c *Cluster) join() error {
	f, err := openNoFollow(filepath.Join(c.dir, usersFile), syscall.O_CREAT|syscall.O_RDONLY, 0o644)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := checkRegular(f); err != nil {
		f.Close()
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return fmt.Errorf("pgcluster: lock %s: %w", f.Name(), err)
	}
	c.users = f
	return nil
}

// Close ends this Cluster's use of the server and, if no other Cluster in any process uses
// it, stops it. A Cluster is not used after Close; a second Close does nothing.
func (c *Cluster) Close(ctx context.Context) error {
	if c.users == nil {
		return nil
	}
	unlock, err := lockDir(ctx, c.dir, c.logf)
	c.users.Close() // drops the shared lock
	c.users = nil
	if err != nil {
		return err
	}
	defer unlock()
	f, err := openNoFollow(filepath.Join(c.dir, usersFile), syscall.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		c.logf("leaving PostgreSQL running in %s: another process uses it", c.dir)
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: lock %s: %w", f.Name(), err)
	}
	return c.stopLocked(ctx)
}

// Shutdown stops the cluster in dir if one is running there, without creating or starting
// anything; test helpers use it to clean up after a process that died before Stop.
func Shutdown(ctx context.Context, dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "pg")); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	c, err := newCluster(Options{Dir: dir})
	if err != nil {
		return err
	}
	return c.Stop(ctx)
}

// newCluster checks opts and finds the binaries and the user to run them as.
func newCluster(opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("pgcluster: no data folder given")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	c := &Cluster{
		dir:       dir,
		dataDir:   filepath.Join(dir, "pg"),
		socketDir: filepath.Join(dir, "run"),
		logFile:   filepath.Join(dir, "pg.log"),
		log:       opts.Log,
		timeout:   opts.StartTimeout,
		standbyOf: opts.StandbyOf,
	}
	if c.timeout <= 0 {
		c.timeout = defaultStartTimeout
	}
	if p := filepath.Join(c.socketDir, socketName); len(p) > maxSocketPath {
		return nil, fmt.Errorf("pgcluster: data folder %s is too long: the socket path %s would be %d bytes, and unix sockets allow %d; use a data folder of at most %d bytes",
			dir, p, len(p), maxSocketPath, maxSocketPath-len(p)+len(dir))
	}
	if c.bin, err = findBinDir(opts.bindir); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	if os.Geteuid() == 0 {
		if c.owner, err = lookupAccount(superuser); err != nil {
			return nil, fmt.Errorf("pgcluster: running as root, the server must run as the postgres user: %w", err)
		}
	}
	return c, nil
}

// ConnString returns a keyword/value connection string for database on this cluster's
// socket, as the postgres superuser.
func (c *Cluster) ConnString(database string) string {
	return c.UserConnString(superuser, database)
}

// UserConnString returns a keyword/value connection string for database on this cluster's
// socket, as role user. The socket folder is open to the server's owner only, and within it
// the server trusts whoever connects.
func (c *Cluster) UserConnString(user, database string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteConnValue(c.socketDir), port, quoteConnValue(user), quoteConnValue(database))
}

// Started reports whether Open started the server, rather than attaching to a running one.
func (c *Cluster) Started() bool { return c.started }

// Dir returns the absolute data folder.
func (c *Cluster) Dir() string { return c.dir }

// Stop shuts the server down cleanly (pg_ctl stop -m fast: open sessions are ended) and waits
// for it to exit, whoever else uses it: it is for cleaning up (tests, a program's own
// throw-away cluster); a program that shares the data folder calls Close. It ends this
// Cluster's use of the server; stopping a server that is not running is not an error.
func (c *Cluster) Stop(ctx context.Context) error {
	unlock, err := lockDir(ctx, c.dir, c.logf)
	if c.users != nil {
		c.users.Close()
		c.users = nil
	}
	if err != nil {
		return err
	}
	defer unlock()
	return c.stopLocked(ctx)
}

// stopLocked stops the server; the caller holds the directory lock.
func (c *Cluster) stopLocked(ctx context.Context) error {
	pf, err := c.livePostmaster()
	if err != nil || pf.pid == 0 {
		return err
	}
	c.logf("stopping PostgreSQL (PID %d) in %s", pf.pid, c.dir)
	out, err := c.command(ctx, "pg_ctl", "stop", "-D", c.dataDir, "-m", "fast", "-w",
		"-t", timeoutSeconds(c.timeout), "-s").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgcluster: stop server (PID %d) in %s: %w: %s", pf.pid, c.dataDir, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// waitRunning reports whether a server runs in the cluster and accepts connections. A
// server that runs but does not yet accept them (crash recovery, shutdown) is waited for.
// Stale pid files are removed.
func (c *Cluster) waitRunning(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var pingErr error
	for {
		pf, err := c.livePostmaster()
		if err != nil || pf.pid == 0 {
			return false, err
		}
		if pingErr = c.ping(ctx); pingErr == nil {
			c.logf("attaching to PostgreSQL (PID %d) in %s", pf.pid, c.dir)
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("pgcluster: server (PID %d, status %q) in %s runs but does not accept connections (see %s): %w",
				pf.pid, pf.status, c.dataDir, c.logFile, pingErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// livePostmaster returns the pid file of the server running in the cluster, or one with
// PID 0. A pid file
// whose process is gone, a zombie, or not a postgres process is stale (SIGKILL, reboot, a
// container restart reusing PIDs) and is removed here, as PostgreSQL would refuse to start
// over a live or zombie PID.
func (c *Cluster) livePostmaster() (pidFile, error) {
	path := filepath.Join(c.dataDir, "postmaster.pid")
	data, err := readFileNoFollow(path, 4096)
	if errors.Is(err, os.ErrNotExist) {
		return pidFile{}, nil
	}
	if err != nil {
		return pidFile{}, fmt.Errorf("pgcluster: %w", err)
	}
	pf, err := parsePIDFile(data)
	if err != nil {
		// Never seen in practice (the server writes it in one go), so never guessed at.
		return pidFile{}, fmt.Errorf("pgcluster: %s: %w; if no server runs there, remove the file", path, err)
	}
	if processIsPostgres(pf.pid) {
		return pf, nil
	}
	c.logf("removing stale %s (PID %d is not a running postgres)", path, pf.pid)
	if err := removeStale(path); err != nil {
		return pidFile{}, err
	}
	return pidFile{}, removeStale(filepath.Join(c.socketDir, socketName+".lock"))
}

func removeStale(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgcluster: remove stale %w", err)
	}
	return nil
}

// start initialises the cluster if needed and starts the server.
func (c *Cluster) start(ctx context.Context, fast bool) error {
	if c.owner != nil {
		if err := checkReachable(c.dir, c.owner); err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
	}
	whose := "the user PostgreSQL runs as"
	for _, d := range []string{c.dataDir, c.dataDir + ".new", c.socketDir} {
		if err := checkOwnedDir(d, c.ownerUID(), whose); err != nil {
			return err
		}
	}
	if err := c.initIfNeeded(ctx, fast); err != nil {
		return err
	}
	if err := c.mkdirOwned(c.socketDir, 0o700); err != nil {
		return err
	}
	_, err := os.Lstat(filepath.Join(c.dataDir, "standby.signal"))
	standby := err == nil
	if err := c.writeFileOwned(filepath.Join(c.dataDir, confName), []byte(serverConf(c.socketDir, fast, standby)), 0o600); err != nil {
		return err
	}
	if err := c.createOwned(c.logFile); err != nil {
		return err
	}
	c.logf("starting PostgreSQL in %s (log: %s)", c.dir, c.logFile)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	for {
		out, err := c.command(ctx, "pg_ctl", "start", "-D", c.dataDir, "-l", c.logFile, "-w",
			"-t", timeoutSeconds(c.timeout), "-s").CombinedOutput()
		if err == nil {
			return c.ping(ctx)
		}
		// After a SIGKILL of the postmaster its children linger for a moment, holding the
		// shared memory; the server refuses to start until they have gone.
		tail := logTail(c.logFile)
		if strings.Contains(tail, "pre-existing shared memory block") && ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		return fmt.Errorf("pgcluster: start server in %s: %w: %s\n%s", c.dataDir, err, strings.TrimSpace(string(out)), tail)
	}
}

// initIfNeeded runs initdb unless Dir/pg holds a cluster. initdb writes into Dir/pg.new,
// renamed once complete, so an interrupted initdb is redone rather than half used.
func (c *Cluster) initIfNeeded(ctx context.Context, fast bool) error {
	version, err := readFileNoFollow(filepath.Join(c.dataDir, "PG_VERSION"), 64)
	if err == nil {
		if v := strings.TrimSpace(string(version)); v != majorVersion {
			return fmt.Errorf("pgcluster: the cluster in %s was created by PostgreSQL %s, but this program uses PostgreSQL %s", c.dataDir, v, majorVersion)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if entries, _ := os.ReadDir(c.dataDir); len(entries) > 0 {
		return fmt.Errorf("pgcluster: %s is not empty but holds no PostgreSQL cluster (no PG_VERSION); move it away", c.dataDir)
	}
	tmp := c.dataDir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := c.mkdirOwned(tmp, 0o700); err != nil {
		return err
	}
	if c.standbyOf != "" {
		return c.copyFromPrimary(ctx, tmp, fast)
	}
	c.logf("initialising PostgreSQL cluster in %s", c.dataDir)
	args := []string{"-D", tmp, "-U", superuser, "--auth-local=trust", "--auth-host=reject",
		"-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"}
	if fast {
		args = append(args, "--no-sync")
	}
	if out, err := c.command(ctx, "initdb", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: initdb %s: %w\n%s", tmp, err, out)
	}
	include := fmt.Sprintf("\n# Settings that depend on where the cluster lives are rewritten at every start.\ninclude_if_exists = '%s'\n", confName)
	if err := c.appendOwned(filepath.Join(tmp, "postgresql.conf"), []byte(include)); err != nil {
		return err
	}
	if err := os.Remove(c.dataDir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// copyFromPrimary copies the cluster of the primary c.standbyOf into tmp, set up as its
// streaming replica (standby.signal and primary_conninfo: pg_basebackup -R), and renames
// it into place once complete. The copy's postgresql.conf is the primary's, which already
// includes confName: start rewrites that file with this cluster's own settings.
func (c *Cluster) copyFromPrimary(ctx context.Context, tmp string, fast bool) error {
	c.logf("copying PostgreSQL cluster into %s from its primary", c.dataDir)
	args := []string{"-D", tmp, "-R", "-X", "stream", "-c", "fast", "-d", c.standbyOf}
	if fast {
		args = append(args, "--no-sync")
	}
	if out, err := c.command(ctx, "pg_basebackup", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("pgcluster: pg_basebackup into %s: %w\n%s", tmp, err, out)
	}
	if err := os.Remove(c.dataDir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// confName is the file, included from postgresql.conf, that start rewrites.
const confName = "emprises.conf"

// serverConf returns the settings start writes to confName.
func serverConf(socketDir string, fast, standby bool) string {
	var b strings.Builder
	b.WriteString("# Written by internal/pgcluster at every start; edits are lost.\n")
	b.WriteString("listen_addresses = ''\n")
	fmt.Fprintf(&b, "port = %d\n", port)
	fmt.Fprintf(&b, "unix_socket_directories = %s\n", quoteConfValue(socketDir))
	if fast {
		b.WriteString("# Fast mode, for tests: a crash of the machine may corrupt the cluster.\n")
		b.WriteString("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
	}
	if standby {
		b.WriteString("# A streaming replica: the primary keeps the rows its queries still read, so that\n")
		b.WriteString("# a long export is not cancelled by a vacuum on the primary.\n")
		b.WriteString("hot_standby_feedback = on\n")
	}
	return b.String()
}

// createDatabase creates opts.Database unless it exists, with its roles and extensions.
func (c *Cluster) createDatabase(ctx context.Context, opts Options) error {
	name := opts.Database
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: create database %q: %w", name, err)
	}
	defer conn.Close(ctx)
	roles := opts.Users
	if opts.Owner != "" {
		roles = append([]string{opts.Owner}, roles...)
	}
	for _, role := range roles {
		if err := createRole(ctx, conn, role); err != nil {
			return fmt.Errorf("pgcluster: create role %q: %w", role, err)
		}
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("pgcluster: create database %q: %w", name, err)
	}
	if !exists {
		c.logf("creating database %s", name)
		create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
		if opts.Owner != "" {
			create += " OWNER " + pgx.Identifier{opts.Owner}.Sanitize()
		}
		_, err = conn.Exec(ctx, create)
		var pgErr *pgconn.PgError
		if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "42P04") { // duplicate_database: created meanwhile
			return fmt.Errorf("pgcluster: create database %q: %w", name, err)
		}
	}
	if opts.Owner == "" && len(opts.Extensions) == 0 {
		return nil
	}
	db, err := pgx.Connect(ctx, c.ConnString(name))
	if err != nil {
		return fmt.Errorf("pgcluster: database %q: %w", name, err)
	}
	defer db.Close(ctx)
	for _, ext := range opts.Extensions {
		if _, err := db.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+pgx.Identifier{ext}.Sanitize()); err != nil {
			return fmt.Errorf("pgcluster: database %q: create extension %s: %w", name, ext, err)
		}
	}
	if opts.Owner != "" {
		if _, err := db.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER TO "+pgx.Identifier{opts.Owner}.Sanitize()); err != nil {
			return fmt.Errorf("pgcluster: database %q: %w", name, err)
		}
		if _, err := db.Exec(ctx, fmt.Sprintf(adoptObjects, quoteLiteral(opts.Owner))); err != nil {
			return fmt.Errorf("pgcluster: database %q: give its objects to %s: %w", name, opts.Owner, err)
		}
	}
	return nil
}

// createRole creates a login role unless it exists, and lets it log in if it exists
// without (a migration may have made it as a group role).
func createRole(ctx context.Context, conn *pgx.Conn, role string) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
		return err
	}
	verb := "ALTER"
	if !exists {
		verb = "CREATE"
	}
	_, err := conn.Exec(ctx, verb+" ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN")
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505") { // created meanwhile
		return nil
	}
	return err
}

// adoptObjects gives the owner role (a quoted literal, in place of the first %s) the tables, views,
// sequences, routines and types of the public schema that the superuser owns and no
// extension does: a database made before it had an owner role was migrated by the superuser.
// Sequences that belong to a table follow it.
const adoptObjects = `
DO $$
DECLARE
	target text := %s;
	r record;
BEGIN
	FOR r IN
		SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
		                      WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind,
		       c.oid::regclass::text AS name
		  FROM pg_class c
		 WHERE c.relnamespace = 'public'::regnamespace
		   AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
		   AND c.relowner = current_user::regrole
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d
		                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
		                      AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
	LOOP
		EXECUTE format('ALTER %%s %%s OWNER TO %%I', r.kind, r.name, target);
	END LOOP;
	FOR r IN
		SELECT p.oid::regprocedure::text AS name
		  FROM pg_proc p
		 WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = current_user::regrole
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d
		                    WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('ALTER ROUTINE %%s OWNER TO %%I', r.name, target);
	END LOOP;
	FOR r IN
		SELECT t.oid::regtype::text AS name
		  FROM pg_type t
		 WHERE t.typnamespace = 'public'::regnamespace AND t.typowner = current_user::regrole
		   AND t.typtype IN ('e', 'd', 'r')
		   AND NOT EXISTS (SELECT 1 FROM pg_depend d
		                    WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('ALTER TYPE %%s OWNER TO %%I', r.name, target);
	END LOOP;
END
$$`

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ping connects once to check that the server accepts connections.
func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.ConnString("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func (c *Cluster) logf(format string, args ...any) {
	if c.log != nil {
		fmt.Fprintf(c.log, format+"\n", args...)
	}
}

// logTail returns the end of the server log, for error messages.
func logTail(path string) string {
	data, err := readFileNoFollow(path, 64<<20)
	if err != nil {
		return ""
	}
	const max = 2000
	if len(data) > max {
		data = data[len(data)-max:]
		if i := strings.IndexByte(string(data), '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return strings.TrimSpace(string(data))
}

// timeoutSeconds formats d, rounded up, for pg_ctl -t.
func timeoutSeconds(d time.Duration) string {
	return fmt.Sprint(int((d + time.Second - 1) / time.Second))
}

// quoteConnValue quotes v for a keyword/value connection string when needed.
func quoteConnValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\\'") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(v) + "'"
}

// quoteConfValue quotes v as a postgresql.conf string.
func quoteConfValue(v string) string {
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}
