package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/cadastre/synth"
)

// cadastreServer serves a synthetic parcel file as Etalab does, and the ways a download
// goes wrong: a missing file, and a connection cut halfway through the file.
func cadastreServer(t *testing.T, file []byte) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/cadastre-94041-parcelles.json.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(file)))
		w.Write(file)
	})
	mux.HandleFunc("/cut.json.gz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(file)))
		w.WriteHeader(http.StatusOK)
		w.Write(file[:len(file)/2])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conn.Close()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func gzippedCadastre(t *testing.T, parcels int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := synth.Generate(zw, synth.GenOptions{Parcels: parcels, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportCadastreFromURL(t *testing.T) {
	t.Parallel()
	c := newCadastreCLI(t)
	file := gzippedCadastre(t, 1200)
	srv := cadastreServer(t, file)
	if _, _, err := c.run("seed"); err != nil {
		t.Fatal(err)
	}

	// A closed port: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/cadastre.json.gz"
	ln.Close()

	for _, tt := range []struct {
		name, url, want string
	}{
		{"not found", srv.URL + "/missing.json.gz", "404"},
		{"connection cut", srv.URL + "/cut.json.gz", "the download stopped after"},
		{"refused", refused, "cannot download"},
		{"no host", "http:///cadastre.json.gz", "not a valid URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.run("import", "cadastre", tt.url)
			if err == nil {
				t.Fatalf("import %s succeeded", tt.url)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.url) || !strings.Contains(msg, tt.want) || !strings.Contains(msg, "nothing was imported") {
				t.Errorf("import %s: %q; want the URL, %q and \"nothing was imported\"", tt.url, msg, tt.want)
			}
			if n := c.count(`SELECT count(*) FROM parcels`) + c.count(`SELECT count(*) FROM cadastre_imports`); n != 0 {
				t.Errorf("import %s left %d rows", tt.url, n)
			}
		})
	}

	url := srv.URL + "/cadastre-94041-parcelles.json.gz"
	out, errOut, err := c.run("import", "cadastre", url)
	if err != nil || !strings.Contains(out, "added 1200") {
		t.Fatalf("import %s: %v\nstdout:\n%s\nstderr:\n%s", url, err, out, errOut)
	}
	mb := float64(len(file)) / 1e6
	wantProgress := "import: 1200 parcels read in "
	wantBytes := strconv.FormatFloat(mb, 'f', 1, 64) + "/" + strconv.FormatFloat(mb, 'f', 1, 64) + " MB (100%)"
	if !strings.Contains(errOut, wantProgress) || !strings.Contains(errOut, wantBytes) || !strings.Contains(errOut, "downloading "+url) {
		t.Errorf("stderr lacks the download and its progress (%q, %q):\n%s", wantProgress, wantBytes, errOut)
	}
	sum := sha256.Sum256(file)
	if n := c.count(`SELECT count(*) FROM cadastre_imports WHERE sha256 = '` + hex.EncodeToString(sum[:]) +
		`' AND file_name = 'cadastre-94041-parcelles.json.gz'`); n != 1 {
		t.Errorf("the import is not recorded with the file's name and digest")
	}
	if n := c.count(`SELECT count(*) FROM parcels`); n != 1200 {
		t.Errorf("%d parcels imported; want 1200", n)
	}

	// Then the parcels under an approximate square are suggested, with the command that
	// links them.
	out, _, err = c.run("suggest", "--part", "cimetiere-parisien-ivry-nord")
	if err != nil || !strings.Contains(out, "% inside") || !strings.Contains(out, "emprises link --part cimetiere-parisien-ivry-nord --parcels 94041") {
		t.Errorf("suggest: %v\n%s", err, out)
	}
	if _, _, err := c.run("suggest"); exitCode(err) != 2 {
		t.Errorf("suggest without --part: %v; want a usage error", err)
	}
}
