package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// buildBinary compiles the program once for the tests that run it as a real process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "emprises")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe runs "emprises serve" on a free port and waits for /healthz.
func startServe(t *testing.T, bin string, env []string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base string
	select {
	case line, ok := <-lines:
		if !ok || !strings.HasPrefix(line, "listening on ") {
			t.Fatalf("serve printed %q; stderr:\n%s", line, stderr.String())
		}
		base = strings.TrimSuffix(strings.TrimPrefix(line, "listening on "), "/")
	case <-time.After(90 * time.Second):
		t.Fatalf("serve did not start; stderr:\n%s", stderr.String())
	}
	go func() {
		for range lines {
		}
	}()
	waitHealthy(t, base)
	return cmd, base
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s/healthz never answered 200", base)
}

type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		ID       string `json:"id"`
		Geometry *struct {
			Type        string          `json:"type"`
			Coordinates [][][][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func export(t *testing.T, bin string, env []string, args ...string) featureCollection {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"export"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("export %v: %v\n%s", args, err, stderr.String())
	}
	var fc featureCollection
	if err := json.Unmarshal(out, &fc); err != nil {
		t.Fatalf("export %v printed invalid JSON: %v", args, err)
	}
	return fc
}

// checkExport asserts what the foundation promises: at least 12 sites, each feature with a
// status and a geometry quality, every located one a polygon in the CRS's range.
func checkExport(t *testing.T, fc featureCollection, inRange func(x, y float64) bool) {
	t.Helper()
	sites := map[string]bool{}
	for _, f := range fc.Features {
		sites[f.Properties["site_id"].(string)] = true
		if f.Properties["status"] == nil || f.Properties["geometry_quality"] == nil {
			t.Errorf("feature %s lacks status or geometry_quality", f.ID)
		}
		if f.Geometry == nil {
			if f.Properties["geometry_quality"] != "unlocated" {
				t.Errorf("feature %s has no geometry but quality %v", f.ID, f.Properties["geometry_quality"])
			}
			continue
		}
		if f.Geometry.Type != "MultiPolygon" {
			t.Errorf("feature %s is a %s", f.ID, f.Geometry.Type)
		}
		for _, poly := range f.Geometry.Coordinates {
			for _, ring := range poly {
				for _, c := range ring {
					if !inRange(c[0], c[1]) {
						t.Fatalf("feature %s has coordinate %v out of range", f.ID, c)
					}
				}
			}
		}
	}
	if len(sites) < 12 {
		t.Errorf("export has %d sites; want at least 12", len(sites))
	}
}

// Ivry-sur-Seine's extent with its 500 m margin, in each CRS.
func inIvryWGS84(x, y float64) bool { return x > 2.355 && x < 2.42 && y > 48.79 && y < 48.832 }
func inIvryL93(x, y float64) bool {
	return x > 650000 && x < 660000 && y > 6855000 && y < 6863000
}

// TestEmbeddedDefault runs the program as planners do: serve on the private cluster, export
// beside it, SIGKILL everything, serve again with the same data, stop cleanly.
func TestEmbeddedDefault(t *testing.T) {
	bin := buildBinary(t)
	dir, err := os.MkdirTemp("", "emp")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // the postgres user must reach it when tests run as root
	t.Cleanup(func() { stopCluster(dir); os.RemoveAll(dir) })
	env := []string{"DATABASE_URL=", "EMPRISES_DATA=" + dir}

	serve, _ := startServe(t, bin, env)
	wgs := export(t, bin, env)
	checkExport(t, wgs, inIvryWGS84)
	checkExport(t, export(t, bin, env, "--crs", "EPSG:2154"), inIvryL93)

	// Kill everything without warning: the service and PostgreSQL.
	pid := postmasterPID(t, dir)
	serve.Process.Signal(syscall.SIGKILL)
	serve.Wait()
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 100 && alive(pid); i++ {
		time.Sleep(50 * time.Millisecond)
	}

	serve, _ = startServe(t, bin, env)
	again := export(t, bin, env)
	if a, b := mustJSON(t, wgs), mustJSON(t, again); a != b {
		t.Errorf("after SIGKILL and restart the export differs")
	}
	// SIGTERM stops the service and its cluster cleanly.
	pid = postmasterPID(t, dir)
	serve.Process.Signal(syscall.SIGTERM)
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	if alive(pid) {
		t.Errorf("PostgreSQL (PID %d) still runs after serve stopped", pid)
	}
}

// alive reports whether a process runs; a zombie (dead, not yet reaped by an init that
// may never reap it in a container) does not count.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func stopCluster(dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "pg", "postmaster.pid"))
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil {
		syscall.Kill(pid, syscall.SIGQUIT)
	}
}

// TestCommandLine runs subcommands in-process against a test database.
func TestCommandLine(t *testing.T) {
	url := pgtest.NewDBURL(t)
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	}
	runCmd := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	tests := []struct {
		args     []string
		wantErr  string
		wantOut  string
		wantCode int
	}{
		{args: []string{"version"}, wantOut: "emprises "},
		{args: []string{"bogus"}, wantErr: `unknown subcommand "bogus"`, wantCode: 2},
		{args: []string{}, wantErr: "no subcommand", wantCode: 2},
		{args: []string{"export", "--crs", "EPSG:3857"}, wantErr: `invalid --crs: unsupported CRS "EPSG:3857"`, wantCode: 2},
		{args: []string{"export", "--date", "2019-02-30"}, wantErr: `--date "2019-02-30"`, wantCode: 2},
		{args: []string{"export", "--date", "0000-01-01"}, wantErr: `--date "0000-01-01": year 0 is out of range 1800–2200`, wantCode: 2},
		{args: []string{"import", "cadastre", "--vintage", "2201-01-01", "x.json"}, wantErr: `--vintage "2201-01-01": year 2201 is out of range`, wantCode: 2},
		{args: []string{"gen", "cadastre", "--parcels", "1", "--vintage", "1799-12-31"}, wantErr: `--vintage "1799-12-31": year 1799 is out of range`, wantCode: 2},
		{args: []string{"export", "stray"}, wantErr: `unexpected argument "stray"`, wantCode: 2},
		{args: []string{"migrate"}},
		{args: []string{"seed"}},
		{args: []string{"seed"}}, // idempotent
		{args: []string{"export", "--date", "2014-01-01"}, wantOut: `"type":"FeatureCollection"`},
		{args: []string{"export", "--layer", "parcels", "--crs", "EPSG:2154"}, wantOut: `"name":"urn:ogc:def:crs:EPSG::2154"`},
		{args: []string{"export", "--format", "friches"}, wantOut: "site_id,site_nom,site_type"},
		{args: []string{"export", "--format", "friches", "--layer", "parcels"}, wantErr: "describes sites, not parcels", wantCode: 2},
		{args: []string{"export", "--format", "shapefile"}, wantErr: `--format "shapefile"`, wantCode: 2},
		{args: []string{"export", "--layer", "roads"}, wantErr: `--layer "roads"`, wantCode: 2},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, _, err := runCmd(tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || exitCode(err) != tt.wantCode {
					t.Fatalf("run(%q) = %v (exit %d); want error containing %q, exit %d", tt.args, err, exitCode(err), tt.wantErr, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("run(%q) = %v", tt.args, err)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("run(%q) printed %q; want %q", tt.args, out, tt.wantOut)
			}
		})
	}
	// --help of every subcommand works and exits 2 like the flag package.
	for name := range commands() {
		_, errOut, err := runCmd(name, "--help")
		if exitCode(err) != 2 || !strings.Contains(errOut, "Usage: emprises "+name) {
			t.Errorf("%s --help: %v, printed %q", name, err, errOut)
		}
	}
}
