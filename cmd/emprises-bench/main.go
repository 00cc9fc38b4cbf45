// Command emprises-bench measures Emprises on synthetic data in a private database:
// "api" loads a portfolio of parcels and load-tests the OGC API against PostgreSQL alone;
// "cadastre" imports a synthetic Etalab file and compares with ogr2ogr. Run by make bench.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: emprises-bench api|cadastre [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "api":
		err = runAPIBench(ctx, os.Args[2:])
	case "cadastre":
		err = runCadastreBench(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown benchmark %q (api, cadastre)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "emprises-bench:", err)
		os.Exit(1)
	}
}
