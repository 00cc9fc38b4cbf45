package store

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/site"
)

// TestParcelCode: the number that stands for a parcel in tiles is its id's fields in
// mixed radix, for every shape of id; parcelID in web/static/js/parcels.js reads it back
// (checked by the browser tests).
func TestParcelCode(t *testing.T) {
	t.Parallel()
	s := New(pgtest.NewDB(t))
	tests := []struct {
		id   string
		want int64
	}{
		{"940410000A0001", ((((94*1000+41)*1000+0)*36+0)*36+10)*10000 + 1},
		{"2A004123ZZ9999", ((((100*1000+4)*1000+123)*36+35)*36+35)*10000 + 9999},
		{"2B9999991B0042", ((((101*1000+999)*1000+999)*36+1)*36+11)*10000 + 42},
		{"010010000Z0001", ((((1*1000+1)*1000+0)*36+0)*36+35)*10000 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if _, err := site.ParseParcelID(tt.id); err != nil {
				t.Fatalf("%s is not a parcel id: %v", tt.id, err)
			}
			var got int64
			if err := s.pool.QueryRow(t.Context(), `SELECT `+parcelCodeSQL+` FROM (VALUES ($1::text)) p(id)`, tt.id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("parcelCode(%q) = %d; want %d", tt.id, got, tt.want)
			}
			if got >= 1<<53 {
				t.Errorf("parcelCode(%q) = %d: not exact in a JavaScript number", tt.id, got)
			}
		})
	}
}

// TestParcelTileIDs: every parcel feature has its code as MVT id; the overview zoom's
// tiles leave out the id property, deeper ones keep it.
func TestParcelTileIDs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	if _, err := importBytes(ctx, s, genCadastre(t, 2000, 3), CadastreImport{}); err != nil {
		t.Fatal(err)
	}
	var lon, lat float64
	if err := s.pool.QueryRow(ctx, `SELECT ST_X(c), ST_Y(c) FROM ST_Transform(ST_PointOnSurface((SELECT geom FROM parcels ORDER BY id LIMIT 1)), 4326) c`).Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	for _, z := range []maptile.Zoom{ParcelOverviewZoom, ParcelOverviewZoom + 1} {
		t.Run(fmt.Sprint("zoom ", z), func(t *testing.T) {
			tile := maptile.At(orb.Point{lon, lat}, z)
			b, err := s.ParcelTile(ctx, int(tile.Z), int(tile.X), int(tile.Y))
			if err != nil {
				t.Fatal(err)
			}
			layers, err := mvt.Unmarshal(b)
			if err != nil || len(layers) != 1 || len(layers[0].Features) == 0 {
				t.Fatalf("tile %v: %v, %v; want one layer of parcels", tile, layers, err)
			}
			for _, f := range layers[0].Features {
				var want int64
				id, hasID := f.Properties["id"].(string)
				if hasID != (z > ParcelOverviewZoom) {
					t.Fatalf("tile %v: properties %v; want an id property only beyond zoom %d", tile, f.Properties, ParcelOverviewZoom)
				}
				if !hasID {
					continue
				}
				if err := s.pool.QueryRow(ctx, `SELECT `+parcelCodeSQL+` FROM (VALUES ($1::text)) p(id)`, id).Scan(&want); err != nil {
					t.Fatal(err)
				}
				if got, ok := f.ID.(float64); !ok || int64(got) != want { // orb reads ids as float64: exact below 2^53
					t.Errorf("parcel %s: feature id %v (%T); want its code %d", id, f.ID, f.ID, want)
				}
			}
		})
	}
}
