package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/emprises/emprises/internal/geojson"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "migrate", "migrate [flags]")
	d.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx, false)
	fmt.Fprintln(e.stderr, "migrate: database is up to date")
	return nil
}

func runSeed(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "seed", "seed [flags]")
	d.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx, false)
	return seedReference(ctx, e, db.store)
}

func runExport(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "export", "export [--crs EPSG:4326|EPSG:2154] [--date YYYY-MM-DD] [--out FILE]")
	d.register(fs, e)
	crs := fs.String("crs", "EPSG:4326", "output CRS: EPSG:4326 (RFC 7946 GeoJSON, lon/lat) or EPSG:2154 (Lambert-93, metres)")
	out := fs.String("out", "", "file to write (default: standard output)")
	date := fs.String("date", "", "the state of the portfolio on that day (YYYY-MM-DD; default today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	srid, err := parseCRSFlag(*crs)
	if err != nil {
		return err
	}
	q := store.FeatureQuery{SRID: srid}
	if *date != "" {
		t, err := time.Parse(time.DateOnly, *date)
		if err != nil {
			return usageError{fmt.Sprintf("export: --date %q is not a day YYYY-MM-DD", *date)}
		}
		q.AsOf = &t
	}
	db, err := openDatabase(ctx, e, d, true)
	if err != nil {
		return err
	}
	defer db.close(ctx, false)

	w := e.stdout
	var f *os.File
	if *out != "" {
		// Write beside the target and rename at the end, so that a failed export never
		// leaves a truncated file where the last good one was.
		f, err = os.CreateTemp(filepath.Dir(*out), ".export-*.geojson")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		w = f
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	err = geojson.WriteFeatureCollection(bw, geojson.CRSName(q.SRID), func(yield func([]byte) error) error {
		return db.store.EachPartFeature(ctx, q, yield)
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		return os.Rename(f.Name(), *out)
	}
	return nil
}

func parseCRSFlag(s string) (int, error) {
	switch s {
	case "EPSG:4326", "CRS84", "OGC:CRS84", "4326":
		return site.SRIDWGS84, nil
	case "EPSG:2154", "2154":
		return site.SRIDLambert93, nil
	}
	return 0, usageError{fmt.Sprintf("--crs %q: use EPSG:4326 (GeoJSON, lon/lat) or EPSG:2154 (Lambert-93)", s)}
}
