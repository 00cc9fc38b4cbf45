// Package web embeds the map page (static/) and the front-end libraries it uses.
//
// The libraries are npm packages at the exact versions of package-lock.json, installed
// into node_modules/ by `make web-deps` (npm ci), which every make target that compiles
// runs first. They are embedded from there at build time, so the binary serves them
// itself and needs no file beside it; a build without them fails at the go:embed line,
// naming the missing folder.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

//go:embed node_modules/leaflet/dist
var leaflet embed.FS

// Leaflet-Geoman draws and edits outlines for editors. Only the two files the page loads
// are embedded: the minified script (no eval, no inline style, so it runs under the CSP)
// and its stylesheet.
//
//go:embed node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js
//go:embed node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css
var geoman embed.FS

// protomaps-leaflet draws the cadastral parcels from the service's vector tiles. Its ES
// module build imports other packages by bare name, which a browser resolves only through
// an inline import map, refused by the CSP: the page loads its self-contained classic
// script instead (no eval, no inline style), and its source map.
//
//go:embed node_modules/protomaps-leaflet/dist/protomaps-leaflet.js
//go:embed node_modules/protomaps-leaflet/dist/protomaps-leaflet.js.map
var protomaps embed.FS

// Each library's licence is served beside its files, as /vendor/<name>/LICENSE: the MIT
// and BSD licences ask for their notice to travel with the code.
//
//go:embed node_modules/leaflet/LICENSE
//go:embed node_modules/@geoman-io/leaflet-geoman-free/LICENSE
//go:embed node_modules/protomaps-leaflet/LICENSE
var licenses embed.FS

// Static returns the page's own files: index.html, css/, js/.
func Static() fs.FS {
	return sub(static, "static")
}

// Libraries returns each library's distributed files by the name it is served under
// (/vendor/<name>/…).
func Libraries() map[string]fs.FS {
	return map[string]fs.FS{
		"leaflet":           withLicense(sub(leaflet, "node_modules/leaflet/dist"), "node_modules/leaflet"),
		"leaflet-geoman":    withLicense(sub(geoman, "node_modules/@geoman-io/leaflet-geoman-free/dist"), "node_modules/@geoman-io/leaflet-geoman-free"),
		"protomaps-leaflet": withLicense(sub(protomaps, "node_modules/protomaps-leaflet/dist"), "node_modules/protomaps-leaflet"),
	}
}

// sub cannot fail for a folder named in a go:embed directive above.
func sub(fsys fs.FS, dir string) fs.FS {
	f, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return f
}

// licensed adds a package's LICENSE file to the root of its distributed files.
type licensed struct {
	fs.FS
	pkg string
}

func withLicense(dist fs.FS, pkg string) fs.FS { return licensed{dist, pkg} }

// Open implements fs.FS.
func (l licensed) Open(name string) (fs.File, error) {
	if name == "LICENSE" {
		return licenses.Open(l.pkg + "/LICENSE")
	}
	return l.FS.Open(name)
}
