package pgcluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// majorVersion is the PostgreSQL major version clusters are created with; a cluster only
// runs under the major version that created it.
const majorVersion = "15"

// Errors Open returns, wrapped, when the system lacks PostgreSQL or PostGIS.
var (
	ErrNoPostgreSQL = errors.New("PostgreSQL " + majorVersion + " not found: install it with `apt-get install postgresql-" + majorVersion + "-postgis-3`")
	ErrNoPostGIS    = errors.New("PostGIS for PostgreSQL " + majorVersion + " not found: install it with `apt-get install postgresql-" + majorVersion + "-postgis-3`")
)

// findBinDir returns the folder holding PostgreSQL's initdb, pg_ctl and postgres, of the
// right major version: bindir if given, else `pg_config --bindir`, else Debian's
// /usr/lib/postgresql/15/bin, else any /usr/lib/postgresql/*/bin.
func findBinDir(bindir string) (string, error) {
	var candidates []string
	if bindir != "" {
		candidates = []string{bindir}
	} else {
		// On Debian, pg_config on PATH reports the newest installed version, which may not be ours.
		if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
			candidates = append(candidates, strings.TrimSpace(string(out)))
		}
		candidates = append(candidates, filepath.Join("/usr/lib/postgresql", majorVersion, "bin"))
		more, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		candidates = append(candidates, more...)
	}
	var problems []string
	for _, dir := range candidates {
		err := checkBinDir(dir)
		if err == nil {
			return dir, nil
		}
		problems = append(problems, err.Error())
	}
	return "", fmt.Errorf("%w (%s)", ErrNoPostgreSQL, strings.Join(problems, "; "))
}

// checkBinDir reports why dir is not a usable PostgreSQL bin folder, or nil.
func checkBinDir(dir string) error {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("no %s in %s", name, dir)
		}
	}
	out, err := exec.Command(filepath.Join(dir, "postgres"), "--version").Output()
	if err != nil {
		return fmt.Errorf("%s/postgres --version: %v", dir, err)
	}
	major, ok := parseMajor(string(out))
	if !ok {
		return fmt.Errorf("%s/postgres --version: unexpected output %q", dir, strings.TrimSpace(string(out)))
	}
	if major != majorVersion {
		return fmt.Errorf("%s holds PostgreSQL %s", dir, major)
	}
	return nil
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// parseMajor extracts the major version from `postgres --version` output.
func parseMajor(version string) (string, bool) {
	m := versionRE.FindStringSubmatch(version)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// checkPostGIS reports ErrNoPostGIS unless the PostGIS extension is installed for the
// PostgreSQL in bindir. sharedir replaces `pg_config --sharedir` when given.
func checkPostGIS(bindir, sharedir string) error {
	if sharedir == "" {
		sharedir = filepath.Join("/usr/share/postgresql", majorVersion)
		if out, err := exec.Command(filepath.Join(bindir, "pg_config"), "--sharedir").Output(); err == nil {
			sharedir = strings.TrimSpace(string(out))
		}
	}
	control := filepath.Join(sharedir, "extension", "postgis.control")
	if _, err := os.Stat(control); err != nil {
		return fmt.Errorf("%w (no %s)", ErrNoPostGIS, control)
	}
	return nil
}
