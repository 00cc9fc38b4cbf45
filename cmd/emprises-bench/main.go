// Command emprises-bench measures Emprises on synthetic data in a private database:
// "api" loads a portfolio of parcels and load-tests the OGC API against PostgreSQL alone;
// "cadastre" imports a synthetic Etalab file and compares with ogr2ogr; "replica" compares
// read throughput with one database server and with a primary and its streaming replica;
// "growth" measures pages, boxes, tiles and the import at growing cadastre sizes.
// Run by make bench.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: emprises-bench api|cadastre|replica|growth [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "api":
		err = runAPIBench(ctx, os.Args[2:])
	case "cadastre":
		err = runCadastreBench(ctx, os.Args[2:])
	case "replica":
		err = runReplicaBench(ctx, os.Args[2:])
	case "growth":
		err = runGrowthBench(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown benchmark %q (api, cadastre, replica, growth)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "emprises-bench:", err)
		os.Exit(1)
	}
}

// seededStore migrates the database at conn, opens it and loads the reference sites.
func seededStore(ctx context.Context, conn string) (*store.Store, error) {
	if err := store.Migrate(ctx, conn); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, conn)
	if err != nil {
		return nil, err
	}
	ds, err := geodata.Load()
	if err == nil {
		// The benchmark's own throwaway database: the tool is the actor.
		_, err = st.Seed(ctx, store.CommandLine("emprises-bench"), ds)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
