package store

import (
	"go/ast"
	"go/parser"
	"go/token"
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
