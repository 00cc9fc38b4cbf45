package pgcluster

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
)

// The data folder is shared with the postgres user when the program runs as root: that user
// owns Dir/pg and Dir/run and may plant symlinks or hard links there. Every path pgcluster
// opens, changes the owner or mode of, or writes is therefore opened without following a
// symlink in its last component (O_NOFOLLOW), checked on the open file (fstat), and changed
// through that file (fchown, fchmod), never by name. Files it writes in Dir/pg are created
// under a fresh name (O_CREAT|O_EXCL) and renamed into place, so that a planted link is
// replaced, not written through. Components above the last are trusted only after
// checkDataDir: Dir is the running user's and, as root, no other user can change the path to it.

// openNoFollow opens path with flags plus O_NOFOLLOW and O_CLOEXEC. A symlink in its last
// component is refused with an error saying so; O_NONBLOCK keeps a planted FIFO from
// blocking the open, and the caller checks the file type on the result.
func openNoFollow(path string, flags int, perm uint32) (*os.File, error) {
	fd, err := syscall.Open(path, flags|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, perm)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link; pgcluster does not follow links it did not make: remove it", path)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// fileOwner returns the type, owner and link count of an open file.
func fileOwner(f *os.File) (mode fs.FileMode, uid uint32, nlink uint64, err error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, 0, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0, fmt.Errorf("stat %s: no owner information", f.Name())
	}
	return fi.Mode(), st.Uid, uint64(st.Nlink), nil
}

// readFileNoFollow reads a regular file at most max bytes long, without following a symlink.
func readFileNoFollow(path string, max int64) ([]byte, error) {
	f, err := openNoFollow(path, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	mode, _, _, err := fileOwner(f)
	if err != nil {
		return nil, err
	}
	if !mode.IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return io.ReadAll(io.LimitReader(f, max))
}

// ownerUID is the user the cluster's files belong to: the postgres user as root, else the
// running user.
func (c *Cluster) ownerUID() uint32 {
	if c.owner != nil {
		return c.owner.uid
	}
	return uint32(os.Geteuid())
}

// give hands an open file or folder to the cluster's owner with mode perm, through the
// file descriptor so that no link is followed. It refuses a file with other hard links (a
// link to a file elsewhere) and one that belongs to neither the owner nor the running user.
func (c *Cluster) give(f *os.File, perm fs.FileMode) error {
	mode, uid, nlink, err := fileOwner(f)
	if err != nil {
		return err
	}
	if mode.IsRegular() && nlink != 1 {
		return fmt.Errorf("%s has %d hard links; pgcluster only writes files of its own: remove it", f.Name(), nlink)
	}
	if uid != c.ownerUID() && uid != uint32(os.Geteuid()) {
		return fmt.Errorf("%s belongs to uid %d, not to the user PostgreSQL runs as (uid %d): remove it", f.Name(), uid, c.ownerUID())
	}
	if c.owner != nil {
		if err := f.Chown(int(c.owner.uid), int(c.owner.gid)); err != nil {
			return err
		}
	}
	return f.Chmod(perm)
}

// mkdirOwned creates dir if missing and gives it to the cluster's owner with mode perm.
func (c *Cluster) mkdirOwned(dir string, perm fs.FileMode) error {
	if err := os.Mkdir(dir, perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	f, err := openNoFollow(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer f.Close()
	if err := c.give(f, perm); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// createOwned creates file if missing, owned by the cluster's owner, keeping what it holds.
func (c *Cluster) createOwned(file string) error {
	f, err := openNoFollow(file, syscall.O_CREAT|syscall.O_WRONLY|syscall.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	defer f.Close()
	if err := checkRegular(f); err != nil {
		return err
	}
	if err := c.give(f, 0o600); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// writeFileOwned replaces file with data, owned by the cluster's owner. The data goes to a
// new file that is then renamed over file: whatever stood at file before, a link included,
// is replaced rather than written through.
func (c *Cluster) writeFileOwned(file string, data []byte, perm fs.FileMode) error {
	tmp := file + ".tmp"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) { // unlink never follows a link
		return fmt.Errorf("pgcluster: %w", err)
	}
	f, err := openNoFollow(tmp, syscall.O_CREAT|syscall.O_EXCL|syscall.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	err = c.give(f, perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// appendOwned appends data to file, a regular file of the cluster's owner.
func (c *Cluster) appendOwned(file string, data []byte) error {
	f, err := openNoFollow(file, syscall.O_WRONLY|syscall.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	err = checkRegular(f)
	if err == nil {
		err = c.give(f, 0o600)
	}
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

func checkRegular(f *os.File) error {
	mode, _, _, err := fileOwner(f)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if !mode.IsRegular() {
		return fmt.Errorf("pgcluster: %s is not a regular file (%v): remove it", f.Name(), mode.Type())
	}
	return nil
}

// checkOwnedDir reports an error unless path is missing or a directory (not a link) of uid.
func checkOwnedDir(path string, uid uint32, whose string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("pgcluster: %s is a symbolic link; pgcluster does not follow links it did not make: remove it", path)
	}
	if !fi.IsDir() {
		return fmt.Errorf("pgcluster: %s is not a directory: remove it", path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != uid {
		return fmt.Errorf("pgcluster: %s belongs to uid %d, not to %s (uid %d): it was not made by pgcluster; move it away", path, st.Uid, whose, uid)
	}
	return nil
}

// lstatFunc is os.Lstat, replaceable in tests of checkDataDir's walk.
type lstatFunc func(string) (fs.FileInfo, error)

// checkDataDir refuses a data folder another user could tamper with. dir must be a directory
// of the running user (euid). When the program runs as root it must also be reached only
// through directories and links that no other user can change: each component of the path,
// links followed, belongs to root and is writable by no one else, unless it has the sticky
// bit (like /tmp), whose entries others cannot rename. Otherwise another user could swap a
// folder for a link and make root hand system files to the postgres user. A missing dir is
// not an error when missingOK (the walk stops there: it is about to be created).
func checkDataDir(dir string, euid uint32, missingOK bool, lstat lstatFunc) error {
	fi, err := lstat(dir)
	if errors.Is(err, fs.ErrNotExist) && missingOK {
		if euid == 0 {
			return walkTrusted(dir, missingOK, lstat)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		// A link given as the data folder (./.data -> /srv/emprises) is the user's choice;
		// what it points to is checked.
		target, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return err
		}
		if fi, err = lstat(target); err != nil {
			return err
		}
	}
	if !fi.IsDir() {
		return fmt.Errorf("data folder %s is not a directory", dir)
	}
	uid, _ := owner(fi)
	if uid != euid {
		return fmt.Errorf("data folder %s belongs to %s, not to the user running this program (%s): "+
			"a folder another user prepared could trick this program into changing files that are not its own; "+
			"use a folder of your own (chown it, or pick another)", dir, userName(uid), userName(euid))
	}
	if euid == 0 {
		return walkTrusted(dir, missingOK, lstat)
	}
	return nil
}

// walkTrusted checks, for root, every component on the way to dir (see checkDataDir).
func walkTrusted(dir string, missingOK bool, lstat lstatFunc) error {
	rest := strings.Split(strings.Trim(filepath.Clean(dir), "/"), "/")
	cur := "/"
	for hops := 0; ; {
		fi, err := lstat(cur)
		if errors.Is(err, fs.ErrNotExist) && missingOK {
			return nil
		}
		if err != nil {
			return err
		}
		if uid, _ := owner(fi); uid != 0 {
			return untrusted(dir, cur, fmt.Sprintf("belongs to %s", userName(uid)))
		}
		isLink := fi.Mode()&fs.ModeSymlink != 0
		if !isLink && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
			return untrusted(dir, cur, fmt.Sprintf("is writable by other users (mode %04o)", fi.Mode().Perm()))
		}
		if isLink {
			hops++
			if hops > 40 {
				return fmt.Errorf("data folder %s: too many symbolic links", dir)
			}
			target, err := os.Readlink(cur)
			if err != nil {
				return err
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(cur), target)
			}
			rest = append(strings.Split(strings.Trim(filepath.Clean(target), "/"), "/"), rest...)
			cur = "/"
			continue
		}
		if len(rest) == 0 || rest[0] == "" {
			return nil
		}
		cur, rest = filepath.Join(cur, rest[0]), rest[1:]
	}
}

func untrusted(dir, at, why string) error {
	return fmt.Errorf("data folder %s: %s %s, so another user could swap the data folder for a link "+
		"and make this program, running as root, change system files; as root, keep the data folder on a path "+
		"only root can change (e.g. /var/lib/emprises), or run as an ordinary user", dir, at, why)
}

func owner(fi fs.FileInfo) (uid, gid uint32) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid, st.Gid
	}
	return 0, 0
}

// userName names uid for messages: "alice (uid 1000)", or "uid 1000" if unknown.
func userName(uid uint32) string {
	if u, err := user.LookupId(fmt.Sprint(uid)); err == nil {
		return fmt.Sprintf("%s (uid %d)", u.Username, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}
