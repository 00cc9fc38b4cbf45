package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestParseMajor(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", "15", true},
		{"postgres (PostgreSQL) 16.2\n", "16", true},
		{"postgres (PostgreSQL) 9.6.24\n", "9", true},
		{"", "", false},
		{"bash: postgres: command not found", "", false},
	}
	for _, tt := range tests {
		got, ok := parseMajor(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseMajor(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestParsePIDFile(t *testing.T) {
	tests := []struct {
		in      string
		want    pidFile
		wantErr bool
	}{
		{"7014\n/tmp/x/pg\n1795121973\n5432\n/tmp/x/run\n\n  1234567     65536\nready   \n", pidFile{pid: 7014, status: "ready"}, false},
		{"42\n/d\n", pidFile{pid: 42}, false},
		{"", pidFile{}, true},
		{"abc\n", pidFile{}, true},
		{"-3\n", pidFile{}, true},
	}
	for _, tt := range tests {
		got, err := parsePIDFile([]byte(tt.in))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parsePIDFile(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		in          string
		comm, state string
		ok          bool
	}{
		{"7014 (postgres) Z 1 7014 7014 0 -1", "postgres", "Z", true},
		{"12 (odd) name)) S 1 2", "odd) name)", "S", true},
		{"12 (x y) R", "x y", "R", true},
		{"garbage", "", "", false},
		{"12 (x)", "", "", false},
	}
	for _, tt := range tests {
		comm, state, ok := parseProcStat(tt.in)
		if comm != tt.comm || state != tt.state || ok != tt.ok {
			t.Errorf("parseProcStat(%q) = %q, %q, %v; want %q, %q, %v", tt.in, comm, state, ok, tt.comm, tt.state, tt.ok)
		}
	}
}

func TestBlockingDir(t *testing.T) {
	pg := &account{name: "postgres", uid: 101, gid: 104, groups: []uint32{103}}
	dirs := map[string]dirInfo{
		"/":                     {mode: fs.ModeDir | 0o755},
		"/root":                 {mode: fs.ModeDir | 0o700},
		"/root/data":            {mode: fs.ModeDir | 0o755},
		"/srv":                  {mode: fs.ModeDir | 0o711},
		"/srv/own":              {mode: fs.ModeDir | 0o700, uid: 101},
		"/srv/group":            {mode: fs.ModeDir | 0o750, gid: 103},
		"/srv/group/data":       {mode: fs.ModeDir | 0o755},
		"/srv/othergroup":       {mode: fs.ModeDir | 0o750, gid: 7},
		"/srv/othergroup/data":  {mode: fs.ModeDir | 0o755},
		"/srv/ownernox":         {mode: fs.ModeDir | 0o677, uid: 101},
		"/srv/ownernox/data":    {mode: fs.ModeDir | 0o755},
		"/srv/own/deeper":       {mode: fs.ModeDir | 0o700},
		"/srv/own/deeper/still": {mode: fs.ModeDir | 0o777},
	}
	stat := func(p string) (dirInfo, error) {
		if d, ok := dirs[p]; ok {
			return d, nil
		}
		return dirInfo{}, fs.ErrNotExist
	}
	tests := []struct {
		dir     string
		blocker string // "" when reachable
	}{
		{"/", ""},
		{"/srv", ""},
		{"/srv/own", ""},
		{"/srv/group/data", ""},
		{"/root/data", "/root"},
		{"/root", "/root"},
		{"/srv/othergroup/data", "/srv/othergroup"},
		{"/srv/ownernox/data", "/srv/ownernox"}, // the owner bits apply to the owner, not the others
		{"/srv/own/deeper/still", "/srv/own/deeper"},
	}
	for _, tt := range tests {
		err := blockingDir(tt.dir, pg, stat)
		switch {
		case tt.blocker == "" && err != nil:
			t.Errorf("blockingDir(%q) = %v; want nil", tt.dir, err)
		case tt.blocker != "" && (err == nil || !strings.Contains(err.Error(), "directory "+tt.blocker+" ")):
			t.Errorf("blockingDir(%q) = %v; want an error naming %s", tt.dir, err, tt.blocker)
		}
	}
}

func TestConnString(t *testing.T) {
	for _, dir := range []string{"/tmp/plain", "/tmp/with space", `/tmp/quote'back\slash`} {
		c := &Cluster{socketDir: filepath.Join(dir, "run")}
		for _, db := range []string{"emprises", "deux mots", ""} {
			cs := c.ConnString(db)
			cfg, err := pgx.ParseConfig(cs)
			if err != nil {
				t.Errorf("pgx.ParseConfig(%q): %v", cs, err)
				continue
			}
			if cfg.Host != c.socketDir || cfg.Database != db || cfg.User != "postgres" || cfg.Port != port {
				t.Errorf("pgx.ParseConfig(%q) = host %q db %q user %q port %d; want %q %q postgres %d",
					cs, cfg.Host, cfg.Database, cfg.User, cfg.Port, c.socketDir, db, port)
			}
		}
	}
}

// TestOpenRejects covers the errors Open returns before touching anything.
func TestOpenRejects(t *testing.T) {
	empty := t.TempDir()
	long := "/tmp/" + strings.Repeat("d", 90)
	tests := []struct {
		name string
		opts Options
		want string
		is   error
	}{
		{"no dir", Options{}, "no data folder", nil},
		{"socket path too long", Options{Dir: long}, "unix sockets allow 107", nil},
		{"no binaries", Options{Dir: t.TempDir(), bindir: empty}, "apt-get install postgresql-15-postgis-3", ErrNoPostgreSQL},
		{"no PostGIS", Options{Dir: t.TempDir(), sharedir: empty}, "apt-get install postgresql-15-postgis-3", ErrNoPostGIS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Open(t.Context(), tt.opts)
			if err == nil {
				c.Stop(context.Background())
				t.Fatalf("Open(%+v) succeeded; want an error containing %q", tt.opts, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("Open(%+v) = %v; want an error containing %q", tt.opts, err, tt.want)
			}
			if _, statErr := os.Stat(filepath.Join(tt.opts.Dir, "pg")); tt.opts.Dir != "" && statErr == nil {
				t.Errorf("Open(%+v) created %s/pg", tt.opts, tt.opts.Dir)
			}
		})
	}
	if _, err := os.Stat(long); err == nil {
		t.Errorf("Open created %s", long)
	}
}

func TestOpenUnreachableDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root hands the cluster to the postgres user")
	}
	locked := filepath.Join(dataDir(t), "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(locked, "data")
	_, err := Open(t.Context(), Options{Dir: dir})
	if err == nil {
		Shutdown(context.Background(), dir)
		t.Fatalf("Open(%s) under a 0700 root directory succeeded; want an error", dir)
	}
	for _, want := range []string{"directory " + locked + " ", "chmod o+x " + locked, "postgres user"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%s) = %v; want it to mention %q", dir, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pg")); err == nil {
		t.Errorf("Open created %s/pg before finding the data folder unreachable", dir)
	}
}

// dataDir returns a fresh data folder the postgres user can reach (t.TempDir makes its
// parent 0700), whose server is stopped at the end of the test.
func dataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := Shutdown(context.Background(), dir); err != nil {
			t.Errorf("Shutdown(%s): %v", dir, err)
		}
	})
	return dir
}

func open(t *testing.T, opts Options) *Cluster {
	t.Helper()
	var log bytes.Buffer
	opts.Log = &log
	c, err := Open(t.Context(), opts)
	if testing.Verbose() {
		t.Logf("Open log:\n%s", log.String())
	}
	if err != nil {
		t.Fatalf("Open(%s): %v", opts.Dir, err)
	}
	return c
}

func connect(t *testing.T, c *Cluster, db string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.ConnString(db))
	if err != nil {
		t.Fatalf("connect to %s: %v", db, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec1(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func countRows(t *testing.T, c *Cluster) int {
	t.Helper()
	conn := connect(t, c, "emprises")
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM kept").Scan(&n); err != nil {
		t.Fatalf("count kept rows: %v", err)
	}
	conn.Close(t.Context())
	return n
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	begin := time.Now()
	c := open(t, Options{Dir: dir, Database: "emprises", Fast: true})
	t.Logf("initdb + start + create database: %v", time.Since(begin))
	if !c.Started() {
		t.Errorf("first Open: Started() = false; want true")
	}

	conn := connect(t, c, "emprises")
	exec1(t, conn, "CREATE TABLE kept (n int)")
	exec1(t, conn, "INSERT INTO kept VALUES (1), (2)")
	var listen string
	if err := conn.QueryRow(t.Context(), "SHOW listen_addresses").Scan(&listen); err != nil || listen != "" {
		t.Errorf("SHOW listen_addresses = %q, %v; want \"\"", listen, err)
	}
	var postgis string
	if err := conn.QueryRow(t.Context(), "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'").Scan(&postgis); err != nil {
		t.Errorf("PostGIS is not available to the server: %v", err)
	}
	conn.Close(t.Context())

	// Several Opens at once, in this process: all attach.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			c2, err := Open(t.Context(), Options{Dir: dir, Database: fmt.Sprintf("other%d", i%2)})
			if err != nil {
				t.Errorf("concurrent Open: %v", err)
				return
			}
			if c2.Started() {
				t.Errorf("concurrent Open of a running cluster: Started() = true; want false")
			}
		})
	}
	wg.Wait()
	if n := countRows(t, c); n != 2 {
		t.Errorf("after attaching: %d rows; want 2", n)
	}

	begin = time.Now()
	if err := c.Stop(t.Context()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("stop: %v", time.Since(begin))
	if err := c.Stop(t.Context()); err != nil {
		t.Errorf("second Stop: %v; want nil", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg", "postmaster.pid")); err == nil {
		t.Errorf("postmaster.pid remains after Stop")
	}

	begin = time.Now()
	c = open(t, Options{Dir: dir, Database: "emprises"})
	t.Logf("restart: %v", time.Since(begin))
	if !c.Started() {
		t.Errorf("Open after Stop: Started() = false; want true")
	}
	if n := countRows(t, c); n != 2 {
		t.Errorf("after restart: %d rows; want 2", n)
	}
}

func TestRecoverAfterSIGKILL(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	c := open(t, Options{Dir: dir, Database: "emprises"}) // durable settings, as in production
	conn := connect(t, c, "emprises")
	exec1(t, conn, "CREATE TABLE kept (n int)")
	exec1(t, conn, "INSERT INTO kept SELECT generate_series(1, 1000)")

	data, err := os.ReadFile(filepath.Join(dir, "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parsePIDFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pf.pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pf.pid, err)
	}
	for deadline := time.Now().Add(10 * time.Second); processIsPostgres(pf.pid); {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d survives SIGKILL", pf.pid)
		}
		time.Sleep(20 * time.Millisecond)
	}

	begin := time.Now()
	c = open(t, Options{Dir: dir, Database: "emprises"})
	t.Logf("start after SIGKILL (crash recovery): %v", time.Since(begin))
	if !c.Started() {
		t.Errorf("Open after SIGKILL: Started() = false; want true")
	}
	if n := countRows(t, c); n != 1000 {
		t.Errorf("after SIGKILL and restart: %d rows; want 1000", n)
	}
}

// TestOpenFromProcesses starts two processes that Open the same new cluster at once and
// exit without stopping it: one initialises and starts it, the other waits and attaches.
// The test then attaches to the orphaned server.
func TestOpenFromProcesses(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), "PGCLUSTER_HELPER_DIR="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("helper process: %v\n%s", err, out)
			}
			outs[i] = string(out)
		})
	}
	wg.Wait()
	started := strings.Count(outs[0]+outs[1], "started=true")
	attached := strings.Count(outs[0]+outs[1], "started=false")
	if started != 1 || attached != 1 {
		t.Errorf("two processes opening at once: %d started and %d attached; want 1 and 1\n%s\n%s", started, attached, outs[0], outs[1])
	}
	c := open(t, Options{Dir: dir})
	if c.Started() {
		t.Errorf("Open of the orphaned server: Started() = true; want false")
	}
	conn := connect(t, c, "emprises")
	exec1(t, conn, "SELECT 1")
}

// TestHelperProcess is the process TestOpenFromProcesses runs twice.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("PGCLUSTER_HELPER_DIR")
	if dir == "" {
		return
	}
	c, err := Open(context.Background(), Options{Dir: dir, Database: "emprises", Fast: true})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Printf("started=%v\n", c.Started())
	if os.Getenv("PGCLUSTER_HELPER_HOLD") != "" {
		io.Copy(io.Discard, os.Stdin) // until the test closes it
		if err := c.Close(context.Background()); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	}
	os.Exit(0)
}

// TestSymlinksNotFollowed plants, in a data folder, links to a file or folder outside it
// where pgcluster creates, changes or rewrites files, and checks that the outside is left
// as it was: as root, following them would hand system files to the postgres user.
func TestSymlinksNotFollowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		link    string // in the data folder
		toDir   bool   // the link points to a folder, else to a file
		initial bool   // the cluster exists (initialised and stopped) before the link is planted
		refused string // Open's error, or "" if Open succeeds (replacing the link)
	}{
		{"server log", "pg.log", false, false, "pg.log is a symbolic link"},
		{"socket folder", "run", true, false, "run is a symbolic link"},
		{"settings rewritten at each start", "pg/emprises.conf", false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := dataDir(t)
			if tt.initial {
				c := open(t, Options{Dir: dir, Fast: true})
				if err := c.Stop(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			outside := filepath.Join(t.TempDir(), "precious")
			if tt.toDir {
				if err := os.Mkdir(outside, 0o755); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(outside, []byte("precious\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			before := statOf(t, outside)
			if err := os.Remove(filepath.Join(dir, tt.link)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, tt.link)); err != nil {
				t.Fatal(err)
			}

			c, err := Open(t.Context(), Options{Dir: dir, Fast: true})
			switch {
			case tt.refused == "" && err != nil:
				t.Errorf("Open with a link at %s: %v; want it replaced", tt.link, err)
			case tt.refused != "" && (err == nil || !strings.Contains(err.Error(), tt.refused)):
				t.Errorf("Open with a link at %s: %v; want an error containing %q", tt.link, err, tt.refused)
			}
			if err == nil {
				c.Close(context.Background())
			}
			if after := statOf(t, outside); after != before {
				t.Errorf("the target of the link at %s changed: %+v; want %+v", tt.link, after, before)
			}
		})
	}
}

// fileState is what a followed link would change about its target.
type fileState struct {
	mode     fs.FileMode
	uid, gid uint32
	content  string
}

func statOf(t *testing.T, path string) fileState {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	s := fileState{mode: fi.Mode(), uid: st.Uid, gid: st.Gid}
	if fi.Mode().IsRegular() {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s.content = string(data)
	}
	return s
}

// TestDataDirOfAnotherUser checks that Open refuses, before changing anything, a data folder
// that belongs to another user and, as root, one reached through another user's folder.
func TestDataDirOfAnotherUser(t *testing.T) {
	t.Parallel()
	const nobody = 65534
	root := os.Geteuid() == 0
	tests := []struct {
		name     string
		rootOnly bool
		dir      func(t *testing.T) string
		want     []string
	}{
		{"folder of another user", false, func(t *testing.T) string {
			if !root {
				return "/usr/share" // root's, as on every system
			}
			dir := dataDir(t)
			if err := os.Chown(dir, nobody, nobody); err != nil {
				t.Fatal(err)
			}
			return dir
		}, []string{"belongs to", "not to the user running this program"}},
		{"as root, a folder of another user on the way", true, func(t *testing.T) string {
			parent := dataDir(t)
			if err := os.Chown(parent, nobody, nobody); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(parent, "data")
		}, []string{"(uid 65534)", "another user could swap the data folder"}},
		{"as root, a folder others may write to on the way", true, func(t *testing.T) string {
			parent := dataDir(t)
			if err := os.Chmod(parent, 0o777); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(parent, "data")
		}, []string{"is writable by other users (mode 0777)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rootOnly && !root {
				t.Skip("only root is refused a path other users can change")
			}
			dir := tt.dir(t)
			c, err := Open(t.Context(), Options{Dir: dir, Fast: true})
			if err == nil {
				c.Stop(context.Background())
				t.Fatalf("Open(%s) succeeded; want it refused", dir)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Open(%s) = %v; want it to mention %q", dir, err, want)
				}
			}
			for _, made := range []string{"pg", "run", "pgcluster.lock"} {
				if _, err := os.Lstat(filepath.Join(dir, made)); err == nil {
					t.Errorf("Open(%s) created %s before refusing the folder", dir, made)
				}
			}
		})
	}
}

// running reports whether a server runs in dir.
func running(t *testing.T, dir string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(dir, "pg", "postmaster.pid"))
	return err == nil
}

// TestLastUserStops opens one cluster twice, as two programs sharing a data folder would,
// and checks that the first to Close leaves the server running for the other, whichever
// started it, and that the last to Close stops it.
func TestLastUserStops(t *testing.T) {
	t.Parallel()
	for _, starterFirst := range []bool{true, false} {
		t.Run(fmt.Sprintf("starter leaves first %v", starterFirst), func(t *testing.T) {
			t.Parallel()
			dir := dataDir(t)
			starter := open(t, Options{Dir: dir, Fast: true})
			attached := open(t, Options{Dir: dir})
			if !starter.Started() || attached.Started() {
				t.Fatalf("Started() = %v, %v; want true, false", starter.Started(), attached.Started())
			}
			first, last := attached, starter
			if starterFirst {
				first, last = starter, attached
			}
			if err := first.Close(t.Context()); err != nil {
				t.Fatalf("first Close: %v", err)
			}
			if !running(t, dir) {
				t.Fatalf("the first user to Close stopped the server the other still uses")
			}
			conn := connect(t, last, "postgres")
			exec1(t, conn, "SELECT 1")
			conn.Close(t.Context())
			if err := last.Close(t.Context()); err != nil {
				t.Fatalf("last Close: %v", err)
			}
			if running(t, dir) {
				t.Errorf("the last user to Close left the server running")
			}
			if err := last.Close(t.Context()); err != nil {
				t.Errorf("second Close: %v; want nil", err)
			}
		})
	}
}

// TestLastUserStopsAcrossProcesses runs a user of the cluster in another process: the test
// attaching and leaving does not stop the server that process started and uses; that
// process leaving last does.
func TestLastUserStopsAcrossProcesses(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "PGCLUSTER_HELPER_DIR="+dir, "PGCLUSTER_HELPER_HOLD=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(out.String(), "started="); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("helper process did not open the cluster:\n%s", out.String())
		}
	}
	c := open(t, Options{Dir: dir})
	if c.Started() {
		t.Fatalf("Open while the helper uses the server: Started() = true; want false")
	}
	if err := c.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !running(t, dir) {
		t.Fatalf("Close in the test stopped the server the helper process uses")
	}
	stdin.Close() // the helper closes its Cluster and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out.String())
	}
	if running(t, dir) {
		t.Errorf("the helper, last to Close, left the server running:\n%s", out.String())
	}
}
