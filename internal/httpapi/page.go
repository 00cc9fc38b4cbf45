package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/web"
)

// mountPage serves the map page's files under /static/ and the npm libraries it uses
// under /vendor/<library>/, all embedded in the binary. The page itself is served at "/"
// by serveIndex, which the OGC landing page calls for browsers.
func (s *Server) mountPage(r chi.Router) {
	r.Get("/static/*", s.serveFiles(web.Static(), "/static/"))
	// A plain `go build` makes a binary without the libraries: it still serves the API,
	// and says once, at startup, why the map page will not draw.
	for _, name := range web.MissingLibraries() {
		s.logger.Warn("front-end library not embedded: /vendor/"+name+"/ answers 404; build with `make build`", "library", name)
	}
	for name, fsys := range web.Libraries() {
		r.Get("/vendor/"+name+"/*", s.serveFiles(fsys, "/vendor/"+name+"/"))
	}
}

// serveIndex answers a browser asking for "/" with the map page (the OGC landing page
// hands HTML requests over to it).
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	// "/" also answers JSON to API clients: caches must keep the two apart.
	w.Header().Add("Vary", "Accept")
	s.serveFile(w, r, web.Static(), "index.html")
}

// serveFiles serves the files of fsys below the URL prefix.
func (s *Server) serveFiles(fsys fs.FS, prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, prefix)
		if name == "" || !fs.ValidPath(name) || path.Clean(name) != name {
			writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "no such file: " + r.URL.Path})
			return
		}
		s.serveFile(w, r, fsys, name)
	}
}

// contentTypes are the types of the files the page is made of, fixed here rather than
// taken from the system's MIME table: module scripts must be served as JavaScript.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".map":  "application/json",
}

// serveFile sends one embedded file with a content ETag, so browsers revalidate cheaply
// ("no-cache" means "ask first", not "do not store") and always see a new build's files.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isDir(fsys, name) {
			writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "no such file: " + r.URL.Path})
			return
		}
		s.writeError(w, r, err)
		return
	}
	ctype, ok := contentTypes[path.Ext(name)]
	if path.Base(name) == "LICENSE" {
		ctype, ok = "text/plain; charset=utf-8", true
	}
	if !ok {
		ctype = "application/octet-stream"
	}
	sum := sha256.Sum256(data)
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

func isDir(fsys fs.FS, name string) bool {
	info, err := fs.Stat(fsys, name)
	return err == nil && info.IsDir()
}
