package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/emprises/emprises/internal/pgtest"
)

// BenchmarkOGCItems serves pages of 10 000 synthetic parcels. The allocations reported
// include the client's; make bench (emprises-bench api) measures the service against the
// database alone on 100 000 parcels.
func BenchmarkOGCItems(b *testing.B) {
	st := seededStore(b)
	ogcSeedParcels(b, st, 10_000)
	if _, err := pgtest.OwnerPool(b, st.Pool()).Exec(context.Background(), "VACUUM ANALYZE parcels"); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(NewServer(st, Config{}, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	for _, bc := range []struct{ name, path string }{
		{"limit=1000", "/collections/parcels/items?limit=1000"},
		{"limit=10000", "/collections/parcels/items?limit=10000"},
		{"bbox", "/collections/parcels/items?limit=1000&bbox=2.37,48.81,2.375,48.815"},
		{"after", "/collections/parcels/items?limit=1000&after=94041000AH0000"},
		{"crs=2154", "/collections/parcels/items?limit=1000&crs=EPSG:2154"},
		{"feature", "/collections/sites/items/cpcu-ivry-chaufferie"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				resp, err := srv.Client().Get(srv.URL + bc.path)
				if err != nil {
					b.Fatal(err)
				}
				n, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %s, %v", bc.path, resp.Status, err)
				}
			}
			b.SetBytes(n)
		})
	}
}
