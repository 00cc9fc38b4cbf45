package httpapi

import (
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/emprises/emprises/web"
)

func TestPageAtRoot(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	resp, body := get(t, srv, "/", "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / as a browser: status %d; want 200: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q; want text/html; charset=utf-8", ct)
	}
	for _, want := range []string{`<html lang="fr">`, `src="/static/js/main.js"`, `href="/vendor/leaflet/leaflet.css"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /: the page lacks %s", want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("GET /: Content-Security-Policy %q; want scripts from the service only", csp)
	}
	if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept") {
		t.Errorf("GET /: Vary %q; want Accept, since / also answers JSON", resp.Header.Values("Vary"))
	}
}

// requireLibraries stops a page test at once, with the fix, when the test binary was built
// without the front-end libraries (a plain `go test` before `make web-deps`).
func requireLibraries(t *testing.T) {
	t.Helper()
	if missing := web.MissingLibraries(); len(missing) > 0 {
		t.Fatalf("libraries %q are not embedded: run `make web-deps` first", missing)
	}
}

func TestPageFiles(t *testing.T) {
	t.Parallel()
	requireLibraries(t)
	srv, _ := newTestServer(t)
	tests := []struct {
		path   string
		status int
		ctype  string
	}{
		{"/static/js/main.js", 200, "text/javascript; charset=utf-8"},
		{"/static/css/app.css", 200, "text/css; charset=utf-8"},
		{"/static/favicon.svg", 200, "image/svg+xml"},
		{"/vendor/leaflet/leaflet-src.esm.js", 200, "text/javascript; charset=utf-8"},
		{"/vendor/leaflet/leaflet.css", 200, "text/css; charset=utf-8"},
		{"/vendor/leaflet/images/layers.png", 200, "image/png"},
		{"/vendor/leaflet/LICENSE", 200, "text/plain; charset=utf-8"},
		{"/vendor/leaflet-geoman/leaflet-geoman.min.js", 200, "text/javascript; charset=utf-8"},
		{"/vendor/vector-tile/index.js", 200, "text/javascript; charset=utf-8"},
		{"/vendor/README.md", 404, "application/problem+json"},
		{"/static/", 404, "application/problem+json"},
		{"/static/js", 404, "application/problem+json"},
		{"/static/js/", 404, "application/problem+json"},
		{"/static/nothing.js", 404, "application/problem+json"},
		{"/static/%2e%2e/web.go", 404, "application/problem+json"},
		{"/static/js/../index.html", 404, "application/problem+json"},
		{"/vendor/leaflet/../package.json", 404, "application/problem+json"},
		{"/vendor/nothing/x.js", 404, "application/problem+json"},
	}
	for _, tt := range tests {
		resp, body := get(t, srv, tt.path)
		if resp.StatusCode != tt.status {
			t.Errorf("GET %s: status %d; want %d: %.200s", tt.path, resp.StatusCode, tt.status, body)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != tt.ctype {
			t.Errorf("GET %s: Content-Type %q; want %q", tt.path, ct, tt.ctype)
		}
	}
}

func TestPageFilesRevalidate(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	resp, _ := get(t, srv, "/static/js/main.js")
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET /static/js/main.js: ETag %q, Cache-Control %q; want an ETag and no-cache", etag, resp.Header.Get("Cache-Control"))
	}
	resp, body := get(t, srv, "/static/js/main.js", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("GET with If-None-Match %s: status %d, %d bytes; want 304 and no body", etag, resp.StatusCode, len(body))
	}
}

// pageImportRE finds the files a module or the page refers to by absolute or relative path.
var pageImportRE = regexp.MustCompile(`(?:from\s+|import\s*\(\s*|src=|href=)["']((?:\.\.?/|/)[^"']+)["']`)

// TestPageReferencesResolve follows every import, script and stylesheet of the page to a
// file the service serves, so that a typo in a path fails here rather than in a browser.
func TestPageReferencesResolve(t *testing.T) {
	t.Parallel()
	requireLibraries(t)
	srv, _ := newTestServer(t)
	seen := map[string]bool{}
	var visit func(path string)
	visit = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		resp, body := get(t, srv, path, "Accept", "text/html")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d; want 200", path, resp.StatusCode)
			return
		}
		if !strings.HasSuffix(path, ".js") && path != "/" {
			return
		}
		dir := path[:strings.LastIndex(path, "/")+1]
		for _, m := range pageImportRE.FindAllStringSubmatch(string(body), -1) {
			ref := m[1]
			if !strings.HasPrefix(ref, "/") {
				ref = joinModulePath(dir, ref)
			}
			if strings.HasPrefix(ref, "/static/") || strings.HasPrefix(ref, "/vendor/") {
				visit(ref)
			}
		}
	}
	visit("/")
	for _, want := range []string{"/static/js/main.js", "/static/js/map.js", "/vendor/leaflet/leaflet-src.esm.js"} {
		if !seen[want] {
			t.Errorf("the page never reaches %s", want)
		}
	}
}

// joinModulePath joins a relative module path to the folder of the module that imports it.
func joinModulePath(dir, ref string) string {
	parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	for _, p := range strings.Split(ref, "/") {
		switch p {
		case ".":
		case "..":
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// TestPageSourcesKeepDataAsText guards the rules the page lives by: no data parsed as
// HTML (a site may be named <img src=x onerror=…>), and nothing the CSP would refuse.
func TestPageSourcesKeepDataAsText(t *testing.T) {
	t.Parallel()
	forbidden := map[string][]string{
		".js": {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "bindPopup", "eval(",
			"new Function", "setAttribute('style'", `setAttribute("style"`, "cssText", "javascript:"},
		".html": {" style=", "<style", "javascript:", " on"},
	}
	scriptTag := regexp.MustCompile(`<script\b[^>]*>`)
	err := fs.WalkDir(web.Static(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := path[strings.LastIndex(path, "."):]
		data, err := fs.ReadFile(web.Static(), path)
		if err != nil {
			return err
		}
		text := string(data)
		for _, bad := range forbidden[ext] {
			if bad == " on" {
				if m := regexp.MustCompile(`<[^>]*\son[a-z]+=`).FindString(text); m != "" {
					t.Errorf("%s: inline event handler %s", path, m)
				}
				continue
			}
			if strings.Contains(text, bad) {
				t.Errorf("%s uses %s", path, bad)
			}
		}
		if ext == ".html" {
			for _, tag := range scriptTag.FindAllString(text, -1) {
				if !strings.Contains(tag, "src=") {
					t.Errorf("%s: inline script %s (the CSP allows only the service's files)", path, tag)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
