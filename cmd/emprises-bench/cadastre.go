package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/internal/store"
)

// Targets of the cadastre benchmark (issue 6).
const (
	cadastreRSSLimit   = 300 << 20 // bytes, the importer's peak resident memory
	cadastreTileP95Max = 50 * time.Millisecond
)

// cadastreBench holds one run of the cadastre benchmark: a private cluster, the files it
// generates and what it measures.
type cadastreBench struct {
	dir     string
	bin     string
	conn    string
	parcels int
	seed    int64
	extent  synth.Extent
	out     io.Writer
	rows    [][]string // the table printed at the end
	notes   []string
	failed  []string
}

// runCadastreBench generates a synthetic Etalab file of Val-de-Marne, as the department's
// file (parcels at a real commune's density, some 6 000 of them in Ivry), imports it with
// bin/emprises (a child process, whose peak RSS the kernel reports), loads the same file
// into the same database with ogr2ogr, then measures z16 tile latency over Ivry with that
// cadastre, and the import of a next vintage.
func runCadastreBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cadastre", flag.ContinueOnError)
	parcels := fs.Int("parcels", 500_000, "parcels in the synthetic file")
	seed := fs.Int64("seed", 1, "seed of the synthetic file")
	extentName := fs.String("extent", "department", "land of the synthetic file: department (Val-de-Marne, a real commune's density) or ivry (every parcel in Ivry)")
	bin := fs.String("bin", "bin/emprises", "emprises binary to measure (make bench builds it); built if missing")
	rounds := fs.Int("tile-rounds", 5, "passes over the z16 tiles over Ivry, fresh and cached")
	skipOGR := fs.Bool("skip-ogr2ogr", false, "do not run ogr2ogr")
	keep := fs.Bool("keep", false, "keep the temporary folder (cluster and files) for a look afterwards")
	if err := fs.Parse(args); err != nil {
		return err
	}
	extent, err := synth.ParseExtent(*extentName)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "emprises-bench-cadastre-")
	if err != nil {
		return err
	}
	// PostgreSQL runs as the postgres user when the bench runs as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "cadastre bench: keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	b := &cadastreBench{dir: dir, parcels: *parcels, seed: *seed, extent: extent, out: os.Stdout}
	if b.bin, err = b.binary(ctx, *bin); err != nil {
		return err
	}

	c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: filepath.Join(dir, "db"), Database: "bench", Fast: true, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer func() {
		if err := c.Stop(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(os.Stderr, "cadastre bench:", err)
		}
	}()
	b.conn = c.ConnString("bench")
	st, err := seededStore(ctx, b.conn)
	if err != nil {
		return err
	}
	defer st.Close()

	// Etalab names a department's file cadastre-94-parcelles, a commune's cadastre-94041-parcelles.
	code := "94"
	if extent == synth.ExtentIvry {
		code = "94041"
	}
	v1 := filepath.Join(dir, "cadastre-"+code+"-parcelles.json.gz")
	if err := b.generate(v1); err != nil {
		return err
	}
	emprises, err := b.importFile(ctx, "emprises import cadastre", v1)
	if err != nil {
		return err
	}
	if !*skipOGR {
		if err := b.ogr2ogr(ctx, v1, emprises); err != nil {
			return err
		}
	}
	if err := b.tiles(ctx, st, *rounds); err != nil {
		return err
	}
	v2 := filepath.Join(dir, "cadastre-"+code+"-parcelles-next.json.gz")
	if err := b.modify(v1, v2); err != nil {
		return err
	}
	if _, err := b.importFile(ctx, "emprises import cadastre, next vintage", v2); err != nil {
		return err
	}
	b.print()
	if len(b.failed) > 0 {
		return fmt.Errorf("cadastre targets missed: %s", strings.Join(b.failed, "; "))
	}
	return nil
}

// binary returns the emprises binary, building it into the temporary folder if missing.
func (b *cadastreBench) binary(ctx context.Context, path string) (string, error) {
	if _, err := os.Stat(path); err == nil {
		return filepath.Abs(path)
	}
	out := filepath.Join(b.dir, "emprises")
	fmt.Fprintf(os.Stderr, "cadastre bench: %s not found; building %s\n", path, out)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/emprises")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return out, cmd.Run()
}

func (b *cadastreBench) row(cells ...string) { b.rows = append(b.rows, cells) }

// generate writes the synthetic file in-process.
func (b *cadastreBench) generate(path string) error {
	start := time.Now()
	err := cadastreWriteGzip(path, func(w io.Writer) error {
		return synth.Generate(w, synth.GenOptions{Parcels: b.parcels, Seed: b.seed, Extent: b.extent})
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	b.row("generate the file (in-process)", cadastreSeconds(took), cadastreRate(b.parcels, took), "",
		fmt.Sprintf("%.1f MB gzipped", float64(info.Size())/1e6))
	return nil
}

// modify writes the next vintage of the file, 1% of the parcels changed.
func (b *cadastreBench) modify(from, to string) error {
	start := time.Now()
	var ch *synth.Changes
	err := cadastreWriteGzip(to, func(w io.Writer) error {
		var err error
		ch, err = synth.Modify(w, func() (io.ReadCloser, error) { return os.Open(from) },
			synth.ModifyOptions{Seed: b.seed + 1, ChangeRate: 0.01})
		return err
	})
	if err != nil {
		return err
	}
	b.row("generate the next vintage (1% changed)", cadastreSeconds(time.Since(start)), "", "",
		fmt.Sprintf("%d split, %d merged, %d removed, %d contenance, %d outline",
			len(ch.Split), 2*len(ch.Merged), len(ch.Removed), len(ch.Contenance), len(ch.Outline)))
	return nil
}

func cadastreWriteGzip(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	bw := bufio.NewWriterSize(zw, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// importFile runs bin/emprises import cadastre on the file and returns its wall time.
func (b *cadastreBench) importFile(ctx context.Context, label, path string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, b.bin, "import", "cadastre", path)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+b.conn)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	took, rss, err := cadastreRun(cmd)
	if err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", label, err, stdout.String())
	}
	report := strings.SplitN(stdout.String(), "\n", 5)
	detail := ""
	if len(report) > 3 {
		detail = strings.TrimSpace(report[2]) + "; " + strings.TrimSpace(report[3])
	}
	b.row(label, cadastreSeconds(took), cadastreRate(b.parcels, took), cadastreMB(rss), detail)
	if rss >= cadastreRSSLimit {
		b.failed = append(b.failed, fmt.Sprintf("%s: peak RSS %s, not under %s", label, cadastreMB(rss), cadastreMB(cadastreRSSLimit)))
	}
	return took, nil
}

// ogr2ogr loads the same file into the same database with GDAL, reprojected to
// Lambert-93 as the importer does, with a spatial index, by COPY.
func (b *cadastreBench) ogr2ogr(ctx context.Context, path string, emprises time.Duration) error {
	args := []string{"-f", "PostgreSQL", "PG:" + b.conn, "/vsigzip/" + path,
		"-nln", "ogr_parcels", "-nlt", "MULTIPOLYGON", "-t_srs", "EPSG:2154",
		"-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-overwrite",
		"--config", "PG_USE_COPY", "YES"}
	cmd := exec.CommandContext(ctx, "ogr2ogr", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	took, rss, err := cadastreRun(cmd)
	if errors.Is(err, exec.ErrNotFound) {
		b.row("ogr2ogr -f PostgreSQL", "not installed", "", "", "apt-get install gdal-bin")
		return nil
	}
	if err != nil {
		return fmt.Errorf("ogr2ogr: %w\n%s", err, out.String())
	}
	b.row("ogr2ogr -f PostgreSQL (same file, same database)", cadastreSeconds(took), cadastreRate(b.parcels, took), cadastreMB(rss),
		fmt.Sprintf("emprises is %.2f× as fast", took.Seconds()/emprises.Seconds()))
	b.notes = append(b.notes, "ogr2ogr "+strings.Join(args[:2], " ")+` PG:"…" /vsigzip/FILE `+strings.Join(args[4:], " "))
	return nil
}

// cadastreRun runs cmd and returns its wall time and its peak resident memory.
func cadastreRun(cmd *exec.Cmd) (time.Duration, int64, error) {
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var rss int64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss << 10 // kilobytes on Linux
		}
	}
	return took, rss, err
}

// ivryBound frames Ivry-sur-Seine, in WGS84.
var ivryBound = orb.Bound{Min: orb.Point{2.3600, 48.7960}, Max: orb.Point{2.4120, 48.8260}}

// z16TileCoords lists the z16 tiles over Ivry.
func z16TileCoords() []maptile.Tile {
	lo, hi := maptile.At(orb.Point{ivryBound.Min[0], ivryBound.Max[1]}, 16), maptile.At(orb.Point{ivryBound.Max[0], ivryBound.Min[1]}, 16)
	var tiles []maptile.Tile
	for x := lo.X; x <= hi.X; x++ {
		for y := lo.Y; y <= hi.Y; y++ {
			tiles = append(tiles, maptile.New(x, y, 16))
		}
	}
	return tiles
}

// z16Tiles lists the URLs of the z16 parcel tiles over Ivry.
func z16Tiles(base string) []string {
	var urls []string
	for _, t := range z16TileCoords() {
		urls = append(urls, fmt.Sprintf("%s/tiles/parcels/%d/%d/%d.mvt", base, t.Z, t.X, t.Y))
	}
	return urls
}

// tileRun is the latencies of one pass or more over the tiles.
type tileRun struct {
	lat         []time.Duration
	full, bytes int
	notModified int
}

func (run *tileRun) add(d time.Duration, status, n int) {
	switch status {
	case http.StatusOK:
		run.full++
		run.bytes += n
	case http.StatusNotModified:
		run.notModified++
	}
	run.lat = append(run.lat, d)
}

// tiles measures every z16 parcel tile over Ivry, one request at a time, in a shuffled
// order:
//   - fresh: over HTTP from the service's own handler, a new server for each pass, whose
//     tile cache starts empty, so that every tile is rendered by PostGIS: a first pass
//     right after the import (pages just written, connections new), then rounds more;
//   - the same tiles from the store alone, rounds passes (Store.ParcelTile: the tile
//     query, no HTTP and no cache);
//   - cached: rounds passes over a server whose tile cache a first pass filled;
//   - revalidated: rounds passes with If-None-Match, answered 304 from the layer version.
func (b *cadastreBench) tiles(ctx context.Context, st *store.Store, rounds int) error {
	rounds = max(rounds, 1)
	rng := rand.New(rand.NewPCG(uint64(b.seed), 16))
	newServer := func() *httptest.Server {
		return httptest.NewServer(httpapi.NewServer(st, httpapi.Config{}, slog.New(slog.DiscardHandler)))
	}
	pass := func(srv *httptest.Server, run *tileRun, header ...string) error {
		urls := z16Tiles(srv.URL)
		rng.Shuffle(len(urls), func(i, j int) { urls[i], urls[j] = urls[j], urls[i] })
		for _, u := range urls {
			d, status, n, err := cadastreFetch(ctx, srv.Client(), u, header...)
			if err != nil {
				return err
			}
			run.add(d, status, n)
		}
		return nil
	}
	freshPass := func(run *tileRun) error {
		srv := newServer()
		defer srv.Close()
		return pass(srv, run)
	}

	b.notes = append(b.notes, "Fresh tiles: each pass over HTTP on a new server (httpapi.NewServer), whose in-memory tile cache starts empty,\n"+
		"each tile asked once per server, so every response is rendered by PostGIS; the tile query alone is Store.ParcelTile, called directly.")
	var first, fresh tileRun
	if err := freshPass(&first); err != nil {
		return err
	}
	b.tileRow("z16 tiles over Ivry, fresh, first pass after the import", &first, 1, true)
	for range rounds {
		if err := freshPass(&fresh); err != nil {
			return err
		}
	}
	b.tileRow(fmt.Sprintf("z16 tiles over Ivry, fresh (×%d): rendered by PostGIS", rounds), &fresh, rounds, true)

	var direct tileRun
	tiles := z16TileCoords()
	for range rounds {
		rng.Shuffle(len(tiles), func(i, j int) { tiles[i], tiles[j] = tiles[j], tiles[i] })
		for _, t := range tiles {
			start := time.Now()
			tile, err := st.ParcelTile(ctx, int(t.Z), int(t.X), int(t.Y))
			if err != nil {
				return err
			}
			status := http.StatusOK
			if len(tile) == 0 {
				status = http.StatusNoContent
			}
			direct.add(time.Since(start), status, len(tile))
		}
	}
	b.tileRow(fmt.Sprintf("  the tile query alone (Store.ParcelTile, ×%d)", rounds), &direct, rounds, false)

	srv := newServer()
	defer srv.Close()
	if err := pass(srv, &tileRun{}); err != nil {
		return err
	}
	var cached tileRun
	for range rounds {
		if err := pass(srv, &cached); err != nil {
			return err
		}
	}
	b.tileRow(fmt.Sprintf("z16 tiles over Ivry, cached (×%d): the server's tile cache", rounds), &cached, rounds, false)

	var reval tileRun
	for range rounds {
		if err := pass(srv, &reval, "If-None-Match", "*"); err != nil {
			return err
		}
	}
	if reval.notModified != len(reval.lat) {
		return fmt.Errorf("revalidations: %d of %d answered 304", reval.notModified, len(reval.lat))
	}
	slices.Sort(reval.lat)
	b.row(fmt.Sprintf("z16 tiles over Ivry, revalidated (×%d): If-None-Match, 304", rounds),
		"p50 "+cadastreMillis(cadastrePercentile(reval.lat, 0.5)), "p95 "+cadastreMillis(cadastrePercentile(reval.lat, 0.95)), "",
		fmt.Sprintf("max %s", cadastreMillis(reval.lat[len(reval.lat)-1])))
	return nil
}

func (b *cadastreBench) tileRow(label string, run *tileRun, rounds int, target bool) {
	slices.Sort(run.lat)
	p50, p95 := cadastrePercentile(run.lat, 0.50), cadastrePercentile(run.lat, 0.95)
	b.row(label, "p50 "+cadastreMillis(p50), "p95 "+cadastreMillis(p95), "",
		fmt.Sprintf("max %s; %d tiles, %d with parcels, %.0f kB each on average", cadastreMillis(run.lat[len(run.lat)-1]),
			len(run.lat)/rounds, run.full/rounds, float64(run.bytes)/float64(max(run.full, 1))/1e3))
	if target && p95 >= cadastreTileP95Max {
		b.failed = append(b.failed, fmt.Sprintf("%s: p95 %s, not under %s", label, cadastreMillis(p95), cadastreMillis(cadastreTileP95Max)))
	}
}

// cadastreFetch GETs url and returns the time to the last byte, the status and the size.
func cadastreFetch(ctx context.Context, client *http.Client, url string, header ...string) (time.Duration, int, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	if len(header) == 2 {
		req.Header.Set(header[0], header[1])
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(start), resp.StatusCode, int(n), err
}

func (b *cadastreBench) print() {
	land := "Val-de-Marne, as the department's file"
	if b.extent == synth.ExtentIvry {
		land = "Ivry-sur-Seine alone, far denser than the real commune"
	}
	fmt.Fprintf(b.out, "\nCadastre: %d synthetic parcels over %s (seed %d, --extent %s), PostgreSQL %s\n\n",
		b.parcels, land, b.seed, b.extent, "15 + PostGIS, private cluster (fast mode)")
	tw := tabwriter.NewWriter(b.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\ttime\tparcels/s\tpeak RSS\tnotes")
	fmt.Fprintln(tw, "----\t----\t---------\t--------\t-----")
	for _, r := range b.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(b.out, "\nTargets: importer peak RSS under %s; faster than ogr2ogr; z16 tile over Ivry rendered fresh, p95 under %s.\n",
		cadastreMB(cadastreRSSLimit), cadastreMillis(cadastreTileP95Max))
	for _, n := range b.notes {
		fmt.Fprintln(b.out, n)
	}
	for _, f := range b.failed {
		fmt.Fprintln(b.out, "MISSED:", f)
	}
}

func cadastrePercentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func cadastreSeconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
func cadastreMillis(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}
func cadastreMB(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/(1<<20)) }
func cadastreRate(n int, d time.Duration) string {
	return fmt.Sprintf("%.0f", float64(n)/d.Seconds())
}
