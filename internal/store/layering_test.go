package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestStoreSpeaksTheDomain reads the package's sources: the store returns the domain's
// types, so no struct of its carries a JSON tag, and no text of its is French (labels and
// wording live in internal/site and internal/httpapi).
func TestStoreSpeaksTheDomain(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	literals := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Field:
				if n.Tag != nil && strings.Contains(n.Tag.Value, `json:"`) {
					t.Errorf("%s: a JSON tag in store: %s", fset.Position(n.Pos()), n.Tag.Value)
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				literals++
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					return true
				}
				for _, r := range s {
					if r > unicode.MaxASCII && unicode.IsLetter(r) {
						t.Errorf("%s: French text in store: %q", fset.Position(n.Pos()), s)
						break
					}
				}
			}
			return true
		})
	}
	if literals < 100 {
		t.Errorf("read %d string literals: the check no longer sees the sources", literals)
	}
}

// TestGeometryLibraryJobs reads the module's sources: each geometry library has one job.
// go-geom is the database codec, spoken by the store alone; orb reads and writes GeoJSON
// and holds the geometries everywhere else, and never writes WKB for PostGIS.
func TestGeometryLibraryJobs(t *testing.T) {
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", "vendor", "testdata", "testout":
				return filepath.SkipDir
			}
			if strings.HasPrefix(d.Name(), ".") && path != "../.." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case strings.HasPrefix(p, "github.com/twpayne/go-geom") && dir != "../../internal/store":
				t.Errorf("%s imports %s: go-geom is the store's database codec", path, p)
			case strings.HasPrefix(p, "github.com/paulmach/orb/encoding/wkb"), strings.HasPrefix(p, "github.com/paulmach/orb/encoding/ewkb"):
				t.Errorf("%s imports %s: the store writes EWKB with go-geom", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Errorf("read %d Go files: the check no longer sees the sources", files)
	}
}
