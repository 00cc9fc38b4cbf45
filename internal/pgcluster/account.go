package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// account is the system user the server runs as when the program runs as root.
type account struct {
	name     string
	uid, gid uint32
	groups   []uint32 // supplementary groups
}

func lookupAccount(name string) (*account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	a := &account{name: name}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
	}
	a.uid, a.gid = uint32(uid), uint32(gid)
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("user %s: groups: %w", name, err)
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			a.groups = append(a.groups, uint32(n))
		}
	}
	return a, nil
}

// inGroup reports whether the account belongs to group gid.
func (a *account) inGroup(gid uint32) bool {
	if gid == a.gid {
		return true
	}
	for _, g := range a.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// command prepares one of PostgreSQL's programs to run as the cluster's owner, from /
// (the caller's working directory may be closed to that user), without the caller's PG*
// variables, which could point it at another cluster.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = "/"
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if c.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: c.owner.uid, Gid: c.owner.gid, Groups: c.owner.groups,
		}}
	}
	// pg_ctl start leaves the server running; never wait on output it might have inherited.
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// dirInfo is what checkReachable needs to know of a directory.
type dirInfo struct {
	mode     fs.FileMode
	uid, gid uint32
}

func statDir(path string) (dirInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return dirInfo{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return dirInfo{}, fmt.Errorf("stat %s: no owner information", path)
	}
	return dirInfo{mode: fi.Mode(), uid: st.Uid, gid: st.Gid}, nil
}

// checkReachable reports, before anything is created for it, whether the account can reach
// dir: it needs search (x) permission on dir and on every directory above it.
func checkReachable(dir string, a *account) error {
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	return blockingDir(resolved, a, statDir)
}

// blockingDir returns an error naming the first directory on the absolute path dir that a
// cannot search, according to the permission bits stat reports (ACLs are not consulted).
func blockingDir(dir string, a *account, stat func(string) (dirInfo, error)) error {
	path := "/"
	rest := strings.Split(strings.Trim(filepath.Clean(dir), "/"), "/")
	for i := 0; ; i++ {
		info, err := stat(path)
		if err != nil {
			return err
		}
		var bit fs.FileMode = 0o001
		switch {
		case info.uid == a.uid:
			bit = 0o100
		case a.inGroup(info.gid):
			bit = 0o010
		}
		if info.mode.Perm()&bit == 0 {
			return fmt.Errorf("the %s user, which runs PostgreSQL, cannot reach %s: directory %s (mode %04o, owner uid %d) blocks it; "+
				"allow it through with `chmod o+x %s`, or use a data folder it can reach (e.g. EMPRISES_DATA=/var/tmp/emprises)",
				a.name, dir, path, info.mode.Perm(), info.uid, path)
		}
		if i == len(rest) || rest[i] == "" {
			return nil
		}
		path = filepath.Join(path, rest[i])
	}
}

// pidFile holds what pgcluster reads of postmaster.pid.
type pidFile struct {
	pid    int
	status string // "starting", "ready", "stopping" or "standby"
}

// parsePIDFile parses postmaster.pid: PID, data directory, start time, port, socket
// directory, listen address, shared memory key and status, one per line; the server
// writes the status last.
func parsePIDFile(data []byte) (pidFile, error) {
	lines := strings.Split(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 {
		return pidFile{}, fmt.Errorf("postmaster.pid: bad PID %q", lines[0])
	}
	pf := pidFile{pid: pid}
	if len(lines) > 7 {
		pf.status = strings.TrimSpace(lines[7])
	}
	return pf, nil
}

// processIsPostgres reports whether pid is a live (not zombie) postgres process. Where
// /proc is missing it trusts kill(pid, 0).
func processIsPostgres(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat("/proc/self/stat"); statErr == nil {
			return false // exited meanwhile
		}
		return true
	}
	if err != nil {
		return true
	}
	comm, state, ok := parseProcStat(string(data))
	if !ok {
		return true
	}
	return state != "Z" && state != "X" && (comm == "postgres" || comm == "postmaster")
}

// parseProcStat extracts the command name and state from /proc/PID/stat:
// "PID (comm) S ...", where comm may itself hold spaces and parentheses.
func parseProcStat(stat string) (comm, state string, ok bool) {
	open, closing := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || closing < open {
		return "", "", false
	}
	fields := strings.Fields(stat[closing+1:])
	if len(fields) == 0 {
		return "", "", false
	}
	return stat[open+1 : closing], fields[0], true
}

// lockDir takes an exclusive flock on Dir/pgcluster.lock, which other processes and other
// Opens in this process (each with its own open file) wait for. The kernel releases it if
// the process dies.
func lockDir(ctx context.Context, dir string, logf func(string, ...any)) (unlock func(), err error) {
	path := filepath.Join(dir, "pgcluster.lock")
	f, err := openNoFollow(path, syscall.O_CREAT|syscall.O_RDONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: lock: %w", err)
	}
	if err := checkRegular(f); err != nil {
		f.Close()
		return nil, err
	}
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("pgcluster: lock %s: %w", path, err)
		}
		if !waited {
			logf("waiting for another process to finish starting or stopping PostgreSQL in %s", dir)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("pgcluster: lock %s: %w", path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return func() { f.Close() }, nil
}
