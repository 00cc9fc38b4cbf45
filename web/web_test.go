package web

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestLibrariesCarryTheirLicence checks the libraries this build embeds; those it lacks
// (a plain `go test` before `make web-deps`) are named, not failed: `make test` runs
// web-deps first, and the page tests of internal/httpapi require every library.
func TestLibrariesCarryTheirLicence(t *testing.T) {
	missing := MissingLibraries()
	for name, fsys := range Libraries() {
		t.Run(name, func(t *testing.T) {
			if slices.Contains(missing, name) {
				t.Skipf("%s is not embedded: run `make web-deps`", name)
			}
			b, err := fs.ReadFile(fsys, "LICENSE")
			if err != nil {
				t.Fatalf("LICENSE: %v", err)
			}
			if !strings.Contains(strings.ToLower(string(b)), "copyright") {
				t.Errorf("LICENSE has no copyright notice")
			}
		})
	}
}

func TestMissingLibraries(t *testing.T) {
	licence := &fstest.MapFile{Data: []byte("Copyright")}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want []string
	}{
		{"fresh clone", fstest.MapFS{"vendor/README.md": {}}, []string{"leaflet", "leaflet-geoman", "vector-tile", "pbf", "point-geometry"}},
		{"all copied", fstest.MapFS{
			"vendor/leaflet/LICENSE":        licence,
			"vendor/leaflet-geoman/LICENSE": licence,
			"vendor/vector-tile/LICENSE":    licence,
			"vendor/pbf/LICENSE":            licence,
			"vendor/point-geometry/LICENSE": licence,
		}, nil},
		{"folder without licence", fstest.MapFS{
			"vendor/leaflet/leaflet.js":     {},
			"vendor/leaflet-geoman/LICENSE": licence,
			"vendor/vector-tile/LICENSE":    licence,
			"vendor/pbf/LICENSE":            licence,
			"vendor/point-geometry/LICENSE": licence,
		}, []string{"leaflet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := missingLibraries(tt.fsys); !slices.Equal(got, tt.want) {
				t.Errorf("missingLibraries = %q; want %q", got, tt.want)
			}
			// A missing library still has its entry, so that its URLs answer "not found".
			libs := libraries(tt.fsys)
			for _, name := range tt.want {
				if _, err := fs.Stat(libs[name], "LICENSE"); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s/LICENSE: %v; want not found", name, err)
				}
			}
		})
	}
}

// TestVetsFromCommittedFilesAlone vets this package in a copy of the module holding only
// the files git tracks, as a fresh clone has them: no node_modules, no copied libraries.
func TestVetsFromCommittedFilesAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet on a copy of the package")
	}
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v (this test needs the git checkout)", err)
	}
	top := string(bytes.TrimSpace(root))
	out, err := exec.Command("git", "-C", top, "ls-files", "go.mod", "go.sum", "web").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	dir := t.TempDir()
	for _, name := range strings.Fields(string(out)) {
		data, err := os.ReadFile(filepath.Join(top, name))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "./web")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go vet ./web on the committed files alone: %v\n%s", err, out)
	}
}
