package web

import (
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// staticImport matches an ES module's static import or re-export of a sibling module:
// `import {a, b} from './x.js'`, over several lines too, `export {c} from './y.js'` and
// `import './z.js'`. Dynamic import() is left out: it runs after every module has been
// evaluated, so it cannot meet a binding still in its temporal dead zone.
var staticImport = regexp.MustCompile(`(?m)^[ \t]*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"]\./([^'"/]+\.js)['"]`)

// moduleImports lists the sibling modules a module's source imports, in its order.
func moduleImports(src string) []string {
	var names []string
	for _, m := range staticImport.FindAllStringSubmatch(src, -1) {
		names = append(names, m[1])
	}
	return names
}

// importCycles lists the cycles of an import graph, each as the modules along it with
// the first repeated at the end, once per cycle whatever module it is entered by. The
// walk is in sorted order, so that a failure names the same cycles every run.
func importCycles(graph map[string][]string) [][]string {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var stack []string
	seen := map[string]bool{}
	var cycles [][]string
	var visit func(string)
	visit = func(m string) {
		state[m] = open
		stack = append(stack, m)
		next := slices.Clone(graph[m])
		sort.Strings(next)
		for _, n := range next {
			switch state[n] {
			case unseen:
				visit(n)
			case open:
				i := slices.Index(stack, n)
				cycle := append(slices.Clone(stack[i:]), n)
				if key := cycleKey(cycle); !seen[key] {
					seen[key] = true
					cycles = append(cycles, cycle)
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[m] = done
	}
	names := make([]string, 0, len(graph))
	for m := range graph {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		if state[m] == unseen {
			visit(m)
		}
	}
	return cycles
}

// cycleKey names a cycle by its rotation that starts at its smallest module, so that
// a → b → a and b → a → b count once.
func cycleKey(cycle []string) string {
	ring := cycle[:len(cycle)-1]
	start := 0
	for i, m := range ring {
		if m < ring[start] {
			start = i
		}
	}
	return strings.Join(append(slices.Clone(ring[start:]), ring[:start]...), " → ")
}

func TestModuleImports(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"one line", "import {a, b} from './app.js';\n", []string{"app.js"}},
		{"several lines", "import {\n  a,\n  b,\n} from './api.js';\n", []string{"api.js"}},
		{"namespace and default", "import * as x from './x.js';\nimport y from \"./y.js\";\n", []string{"x.js", "y.js"}},
		{"side effect only", "import './z.js';\n", []string{"z.js"}},
		{"re-export", "export {c} from './c.js';\nexport * from './d.js';\n", []string{"c.js", "d.js"}},
		{"library by absolute path", "import * as L from '/vendor/leaflet/leaflet-src.esm.js';\n", nil},
		{"dynamic import", "const m = await import('./late.js');\n", nil},
		{"comment", "// import {a} from './not.js';\n", nil},
		{"exported function", "export function f() {\n  return './no.js';\n}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := moduleImports(tt.src); !slices.Equal(got, tt.want) {
				t.Errorf("moduleImports(%q) = %q; want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestImportCycles(t *testing.T) {
	tests := []struct {
		name  string
		graph map[string][]string
		want  []string
	}{
		{"none", map[string][]string{"a": {"b", "c"}, "b": {"c"}, "c": nil}, nil},
		{"two modules", map[string][]string{"a": {"b"}, "b": {"a"}}, []string{"a → b"}},
		{"three modules", map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, []string{"a → b → c"}},
		{"self", map[string][]string{"a": {"a"}}, []string{"a"}},
		{"two cycles", map[string][]string{"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}}, []string{"a → b", "c → d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range importCycles(tt.graph) {
				got = append(got, cycleKey(c))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("importCycles(%v) = %q; want %q", tt.graph, got, tt.want)
			}
		})
	}
}

// TestPageModulesHaveNoImportCycle keeps the page's module graph a tree of layers. In a
// cycle, which module is evaluated first depends on which one the page enters by, and a
// binding read before its module has run throws; a cycle also hides which module
// decides what. A module that must call one above it takes a callback.
func TestPageModulesHaveNoImportCycle(t *testing.T) {
	files, err := fs.Glob(Static(), "js/*.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no module in static/js")
	}
	graph := map[string][]string{}
	for _, f := range files {
		src, err := fs.ReadFile(Static(), f)
		if err != nil {
			t.Fatal(err)
		}
		name := path.Base(f)
		graph[name] = moduleImports(string(src))
		for _, dep := range graph[name] {
			if !slices.Contains(files, "js/"+dep) {
				t.Errorf("%s imports ./%s, which is not in static/js", name, dep)
			}
		}
	}
	for _, c := range importCycles(graph) {
		t.Errorf("import cycle: %s", strings.Join(c, " → "))
	}
}
