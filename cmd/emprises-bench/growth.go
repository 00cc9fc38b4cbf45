package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/pgcluster"
	"github.com/emprises/emprises/internal/store"
)

// runGrowthBench measures how the costs grow with the cadastre: for each size, a new
// database, a synthetic department file (parcels of a real commune's density over
// Val-de-Marne, so that Ivry holds about one parcel in eighty) imported with the
// importer, then at one request at a time the first page of 1 000 parcels, a page in the
// middle of the collection (by cursor), random 300 m boxes inside Ivry (whose answer
// grows with the density), random boxes over the department sized to hold about 1 000
// parcels (whose answer does not), and the z16 parcel tiles over Ivry rendered by PostGIS
// (Store.ParcelTile, no cache).
func runGrowthBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("growth", flag.ContinueOnError)
	sizes := fs.String("sizes", "10000,100000,1000000", "cadastre sizes, comma-separated")
	requests := fs.Int("requests", 60, "requests of each kind at each size")
	bin := fs.String("bin", "bin/emprises", "the emprises binary (built with go build if missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("-sizes: %q is not a number of parcels", s)
		}
		ns = append(ns, n)
	}
	out := os.Stdout
	fmt.Fprintf(out, "emprises-bench growth: costs as the cadastre grows (synthetic department files, %d requests of each kind, one at a time; load average %s)\n\n",
		*requests, loadAverage())
	fmt.Fprintln(out, "| parcels | import | parcels/s | importer peak RSS | first page of 1 000, p50 | page in the middle, p50 | 300 m box in Ivry, p50 (parcels in it) | box of about 1 000 parcels, p50 (parcels in it) | z16 tile over Ivry, p50 (tiles, parcels each) |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|")
	for _, n := range ns {
		row, err := growthAt(ctx, n, *requests, *bin)
		if err != nil {
			return fmt.Errorf("%d parcels: %w", n, err)
		}
		fmt.Fprintln(out, row)
	}
	fmt.Fprintf(out, "\nload average after: %s\n", loadAverage())
	return nil
}

// growthAt measures one size and returns its table row.
func growthAt(ctx context.Context, n, requests int, bin string) (string, error) {
	dir, err := os.MkdirTemp("", "emprises-bench-growth-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	// PostgreSQL runs as the postgres user when the bench runs as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	c, err := pgcluster.Open(ctx, pgcluster.Options{Dir: filepath.Join(dir, "db"), Database: "bench", Fast: true})
	if err != nil {
		return "", err
	}
	defer c.Stop(context.WithoutCancel(ctx)) //nolint:errcheck // a throwaway cluster
	conn := c.ConnString("bench")
	st, err := seededStore(ctx, conn)
	if err != nil {
		return "", err
	}
	defer st.Close()

	file := filepath.Join(dir, "cadastre-94-parcelles.json.gz")
	if err := cadastreWriteGzip(file, func(w io.Writer) error {
		return synth.Generate(w, synth.GenOptions{Parcels: n, Seed: 1, Extent: synth.ExtentDepartment})
	}); err != nil {
		return "", err
	}
	imp := exec.CommandContext(ctx, bin, "import", "cadastre", file)
	imp.Env = append(os.Environ(), "DATABASE_URL="+conn)
	if out, err := os.CreateTemp(dir, "import-*.log"); err == nil {
		imp.Stdout, imp.Stderr = out, out
		defer out.Close()
	}
	took, rss, err := cadastreRun(imp)
	if err != nil {
		return "", fmt.Errorf("import: %w", err)
	}
	// Autovacuum analyzes parcels within a minute of the import; the bench does not wait.
	if _, err := st.Pool().Exec(ctx, "VACUUM ANALYZE parcels"); err != nil {
		return "", err
	}

	srv, err := startServer(ctx, bin, conn)
	if err != nil {
		return "", err
	}
	defer srv.stop()
	client := &http.Client{}
	cfg := apiBenchConfig{requests: requests, duration: time.Minute}
	get := func(path func(i int) string) (result, error) {
		return measure(ctx, 1, cfg, func(ctx context.Context, i int) (int64, error) {
			return fetch(ctx, client, srv.base+path(i), "")
		})
	}

	first, err := get(func(int) string { return "/collections/parcels/items?limit=1000" })
	if err != nil {
		return "", err
	}
	var middle string
	if err := st.Pool().QueryRow(ctx, "SELECT id FROM parcels ORDER BY id OFFSET $1 LIMIT 1", n/2).Scan(&middle); err != nil {
		return "", err
	}
	mid, err := get(func(int) string { return "/collections/parcels/items?limit=1000&after=" + url.QueryEscape(middle) })
	if err != nil {
		return "", err
	}

	// Random 300 m boxes inside Ivry (about 0.0041° of longitude and 0.0027° of latitude).
	rng := rand.New(rand.NewPCG(1, 94041))
	boxes := make(lonLatBoxes, 64)
	for i := range boxes {
		x := ivryBound.Min[0] + rng.Float64()*(ivryBound.Max[0]-ivryBound.Min[0]-0.0041)
		y := ivryBound.Min[1] + rng.Float64()*(ivryBound.Max[1]-ivryBound.Min[1]-0.0027)
		boxes[i] = [4]float64{x, y, x + 0.0041, y + 0.0027}
	}
	bbox, inBoxes, err := boxes.measure(ctx, st, get)
	if err != nil {
		return "", err
	}

	// Boxes anywhere in the department, each sized to hold about 1 000 parcels at this
	// density: the answer keeps its size while the table grows.
	rows, err := st.Pool().Query(ctx, `
		WITH e AS (SELECT ST_Extent(geom) AS b FROM parcels),
		side AS (SELECT sqrt(1000 * (ST_XMax(b) - ST_XMin(b)) * (ST_YMax(b) - ST_YMin(b)) / $1) AS s, b FROM e),
		box AS (
		    SELECT ST_Transform(ST_MakeEnvelope(x, y, x + s, y + s, 2154), 4326) AS g
		    FROM side, generate_series(1, 64) AS i,
		         LATERAL (SELECT ST_XMin(b) + random() * (ST_XMax(b) - ST_XMin(b) - s) AS x,
		                         ST_YMin(b) + random() * (ST_YMax(b) - ST_YMin(b) - s) AS y) c
		)
		SELECT ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM box`, n)
	if err != nil {
		return "", err
	}
	var even lonLatBoxes
	for rows.Next() {
		var b [4]float64
		if err := rows.Scan(&b[0], &b[1], &b[2], &b[3]); err != nil {
			return "", err
		}
		even = append(even, b)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	evenBox, inEven, err := even.measure(ctx, st, get)
	if err != nil {
		return "", err
	}

	tiles := z16TileCoords()
	var tileFeatures int64
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM parcels
		WHERE geom && ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 2154)`,
		ivryBound.Min[0], ivryBound.Min[1], ivryBound.Max[0], ivryBound.Max[1]).Scan(&tileFeatures); err != nil {
		return "", err
	}
	tile, err := measure(ctx, 1, apiBenchConfig{requests: max(requests, len(tiles)), duration: time.Minute},
		func(ctx context.Context, i int) (int64, error) {
			t := tiles[i%len(tiles)]
			b, err := st.ParcelTile(ctx, int(t.Z), int(t.X), int(t.Y))
			return int64(len(b)), err
		})
	if err != nil {
		return "", err
	}

	return fmt.Sprintf("| %d | %s | %s | %s | %s | %s | %s (%.0f) | %s (%.0f) | %s (%d tiles, %.0f parcels each) |",
		n, cadastreSeconds(took), cadastreRate(n, took), cadastreMB(rss),
		ms(first.pct(50)), ms(mid.pct(50)),
		ms(bbox.pct(50)), inBoxes,
		ms(evenBox.pct(50)), inEven,
		ms(tile.pct(50)), len(tiles), float64(tileFeatures)/float64(len(tiles))), nil
}

// lonLatBoxes are boxes in CRS84: min longitude, min latitude, max longitude, max latitude.
type lonLatBoxes [][4]float64

// measure times a page of up to 1 000 parcels in each box in turn, through get, and
// returns the mean number of parcels the boxes hold.
func (boxes lonLatBoxes) measure(ctx context.Context, st *store.Store, get func(path func(i int) string) (result, error)) (result, float64, error) {
	var in int64
	for _, b := range boxes {
		var k int64
		if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM parcels
			WHERE ST_Intersects(geom, ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 2154))`,
			b[0], b[1], b[2], b[3]).Scan(&k); err != nil {
			return result{}, 0, err
		}
		in += k
	}
	r, err := get(func(i int) string {
		b := boxes[i%len(boxes)]
		return fmt.Sprintf("/collections/parcels/items?limit=1000&bbox=%.7f,%.7f,%.7f,%.7f", b[0], b[1], b[2], b[3])
	})
	return r, float64(in) / float64(len(boxes)), err
}
