// Package web embeds the map page (static/) and the front-end libraries it uses (vendor/).
//
// The libraries are npm packages at the exact versions of package-lock.json. `make
// web-deps` (npm ci), which every make target that compiles runs first, copies the files
// the page loads, with each library's LICENSE, from node_modules/ into vendor/<name>/; the
// Makefile holds that list of files. Only vendor/README.md is committed, so a plain `go
// build` or `go vet` on a fresh clone works with Go alone: the binary then lacks the
// libraries, MissingLibraries names them and their URLs answer 404.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

//go:embed vendor
var vendor embed.FS

// libraryNames are the libraries the page loads, each from /vendor/<name>/:
// Leaflet draws the map, Leaflet-Geoman draws and edits outlines for editors; the parcel
// tiles' worker reads the service's vector tiles with @mapbox/vector-tile, over pbf, whose
// geometry is made of @mapbox/point-geometry's points.
var libraryNames = []string{"leaflet", "leaflet-geoman", "vector-tile", "pbf", "point-geometry"}

// Static returns the page's own files: index.html, css/, js/.
func Static() fs.FS {
	return sub(static, "static")
}

// Libraries returns each library's files, LICENSE included, by the name it is served
// under (/vendor/<name>/…). A library the build lacks is listed all the same, with no
// files, so that its URLs answer 404 rather than fall through to another route.
func Libraries() map[string]fs.FS {
	return libraries(vendor)
}

// MissingLibraries names the libraries this binary was built without, because `make
// web-deps` had not run; nil in a binary built by `make build`.
func MissingLibraries() []string {
	return missingLibraries(vendor)
}

func libraries(fsys fs.FS) map[string]fs.FS {
	libs := make(map[string]fs.FS, len(libraryNames))
	for _, name := range libraryNames {
		libs[name] = sub(fsys, "vendor/"+name)
	}
	return libs
}

func missingLibraries(fsys fs.FS) []string {
	var missing []string
	for _, name := range libraryNames {
		// LICENSE is copied with the library's files: without it the folder is not one
		// `make web-deps` filled.
		if _, err := fs.Stat(fsys, "vendor/"+name+"/LICENSE"); err != nil {
			missing = append(missing, name)
		}
	}
	return missing
}

// sub cannot fail for a valid path; a folder that does not exist gives an empty FS.
func sub(fsys fs.FS, dir string) fs.FS {
	f, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return f
}
