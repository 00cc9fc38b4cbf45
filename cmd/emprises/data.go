package main

import (
	"context"
	"fmt"
	"io"

	"github.com/emprises/emprises/internal/friches"
	"github.com/emprises/emprises/internal/geojson"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	return withDatabase(ctx, e, args, "migrate", func(*store.Store) error {
		fmt.Fprintln(e.stderr, "migrate: database is up to date")
		return nil
	})
}

func runSeed(ctx context.Context, e *env, args []string) error {
	return withDatabase(ctx, e, args, "seed", func(s *store.Store) error {
		return seedReference(ctx, e, s)
	})
}

// withDatabase is a subcommand with only the database flags: it opens (and migrates) the
// database, runs fn and closes it.
func withDatabase(ctx context.Context, e *env, args []string, name string, fn func(*store.Store) error) error {
	var d dbFlags
	fs := newFlagSet(e, name, name+" [flags]")
	d.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	return fn(db.store)
}

func runExport(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "export", "export [--layer sites|parcels] [--format geojson|friches] [--crs CRS84|EPSG:4326|EPSG:2154] [--date YYYY-MM-DD] [--out FILE]")
	d.register(fs, e)
	layer := fs.String("layer", "sites", "what to export: sites (one feature per site part) or parcels (the cadastre)")
	format := fs.String("format", "geojson", `geojson, or friches: the CNIG "Friches" CSV profile of the sites`)
	crsName := fs.String("crs", "CRS84", "GeoJSON CRS: CRS84 (RFC 7946, lon/lat), EPSG:4326 (lat/lon, as EPSG defines it) or EPSG:2154 (Lambert-93, metres); OGC URIs too")
	out := fs.String("out", "", "file to write, gzipped if it ends in .gz (default: standard output)")
	date := fs.String("date", "", "the state of the portfolio on that day (YYYY-MM-DD; default today in Paris)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	crs, err := site.ParseCRSField("--crs", *crsName)
	if err != nil {
		return usageError{"export: " + err.Error()}
	}
	asOf := site.TodayAt(e.now())
	if *date != "" {
		if asOf, err = dayFlag(fs, "date", *date); err != nil {
			return err
		}
	}
	var write func(ctx context.Context, w io.Writer, s *store.Store) error
	switch {
	case *format == "geojson" && *layer == "sites":
		q := store.FeatureQuery{CRS: crs, AsOf: &asOf}
		write = func(ctx context.Context, w io.Writer, s *store.Store) error {
			return geojson.WriteFeatureCollection(w, crs, func(yield func([]byte) error) error {
				return s.EachPartFeature(ctx, q, yield)
			})
		}
	case *format == "geojson" && *layer == "parcels":
		q := store.FeatureQuery{CRS: crs}
		write = func(ctx context.Context, w io.Writer, s *store.Store) error {
			return geojson.WriteFeatureCollection(w, crs, func(yield func([]byte) error) error {
				_, err := s.Features(ctx, store.CollectionParcels, q, func(_, feature []byte) error { return yield(feature) })
				return err
			})
		}
	case *format == "friches" && *layer == "sites":
		write = func(ctx context.Context, w io.Writer, s *store.Store) error {
			return friches.Write(ctx, w, s, asOf)
		}
	case *format != "geojson" && *format != "friches":
		return usageError{fmt.Sprintf("export: --format %q: use geojson or friches", *format)}
	case *layer != "sites" && *layer != "parcels":
		return usageError{fmt.Sprintf("export: --layer %q: use sites or parcels", *layer)}
	default:
		return usageError{"export: the friches format describes sites, not parcels"}
	}
	db, err := openDatabase(ctx, e, d, true)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	return writeOutput(e, *out, func(w io.Writer) error { return write(ctx, w, db.store) })
}
