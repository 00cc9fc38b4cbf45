package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/site"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testActor makes the changes of the store's tests, as someone at the command line would.
var testActor = CommandLine("test")

// newSeeded returns a store on a fresh database loaded with the reference sites.
func newSeeded(t *testing.T) *Store {
	t.Helper()
	s := New(pgtest.NewDB(t))
	ds, err := geodata.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seed(context.Background(), testActor, ds); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return s
}

// tableCounts is a fingerprint of the whole database, to show that a refused write
// changed nothing.
func tableCounts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, table := range []string{"sites", "site_parts", "part_status_history", "events", "milestones", "milestone_plans", "boundaries", "parcels"} {
		var n int
		if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	before := tableCounts(t, s)
	if before["sites"] < 12 {
		t.Fatalf("seeded %d sites; want at least 12", before["sites"])
	}
	ds, _ := geodata.Load()
	r, err := s.Seed(context.Background(), testActor, ds)
	if err != nil {
		t.Fatalf("second Seed: %v", err)
	}
	if r.Sites != 0 || r.Skipped != len(ds.Sites) {
		t.Errorf("second Seed = %+v; want nothing added and %d skipped", r, len(ds.Sites))
	}
	if after := tableCounts(t, s); !equalCounts(before, after) {
		t.Errorf("second Seed changed the database: %v -> %v", before, after)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

// TestSeedRefusesBadGeometry moves one footprint out of Ivry: the whole seed is refused
// with a message naming the site, the part and the rule, and nothing is written.
func TestSeedRefusesBadGeometry(t *testing.T) {
	t.Parallel()
	s := New(pgtest.NewDB(t))
	ds, err := geodata.Load()
	if err != nil {
		t.Fatal(err)
	}
	var moved string
	for i := range ds.Sites {
		for j := range ds.Sites[i].Parts {
			if l := ds.Sites[i].Parts[j].Location; l != nil && moved == "" {
				l.Point = [2]float64{2.3522, 48.8566} // Notre-Dame, 5 km away
				moved = ds.Sites[i].Parts[j].ID
			}
		}
	}
	_, err = s.Seed(context.Background(), testActor, ds)
	var inv *site.InvalidError
	if !errors.As(err, &inv) || inv.Field != "geometry" || !strings.Contains(err.Error(), moved) ||
		!strings.Contains(err.Error(), "outside Ivry-sur-Seine") {
		t.Fatalf("Seed with %s in Paris = %v; want an invalid geometry naming the part", moved, err)
	}
	if empty, _ := s.Empty(context.Background()); !empty {
		t.Error("a refused seed left sites behind")
	}
}

// TestGeometryRules checks the rules PostgreSQL enforces on every write of a part's
// geometry, and that they reach callers as the domain's InvalidError on "geometry".
func TestGeometryRules(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	tests := []struct {
		name, wkt, want string
	}{
		{"self-intersecting", "MULTIPOLYGON(((655000 6857000,655100 6857100,655100 6857000,655000 6857100,655000 6857000)))", "Self-intersection"},
		{"outside Ivry", "MULTIPOLYGON(((651000 6862000,651100 6862000,651100 6862100,651000 6862100,651000 6862000)))", "outside Ivry-sur-Seine"},
		{"zero area", "MULTIPOLYGON(((655000 6857000,655100 6857000,655200 6857000,655000 6857000)))", "geometry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tableCounts(t, s)
			_, err := s.pool.Exec(ctx, `UPDATE site_parts SET geom = ST_GeomFromText($1, 2154) WHERE id = 'cpcu-ivry-chaufferie'`, tt.wkt)
			err = domainError(err)
			var inv *site.InvalidError
			if !errors.As(err, &inv) || inv.Field != "geometry" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("writing a %s geometry = %v; want InvalidError on geometry containing %q", tt.name, err, tt.want)
			}
			if after := tableCounts(t, s); !equalCounts(before, after) {
				t.Errorf("refused write changed the database")
			}
		})
	}
}

func TestStatusHistoryCannotGoBack(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	err := s.inTx(context.Background(), func(tx pgx.Tx) error {
		return setStatus(context.Background(), tx, "cpcu-ivry-chaufferie", site.StatusReleased, site.MustParseDate("2001"), "test")
	})
	var inv *site.InvalidError
	if err = domainError(err); !errors.As(err, &inv) || inv.Field != "status_since" {
		t.Errorf("backdated status change = %v; want InvalidError on status_since", err)
	}
}

// TestPartFeaturesAsOf reads the portfolio on two dates: parts ceded in between change
// status, and every feature carries its status and geometry quality.
func TestPartFeaturesAsOf(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	statuses := func(asOf *time.Time, crs site.CRS) map[string]map[string]any {
		got := map[string]map[string]any{}
		err := s.EachPartFeature(context.Background(), FeatureQuery{CRS: crs, AsOf: asOf}, func(b []byte) error {
			var f struct {
				ID         string         `json:"id"`
				Geometry   map[string]any `json:"geometry"`
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal(b, &f); err != nil {
				return err
			}
			if f.Geometry != nil {
				f.Properties["geometry"] = f.Geometry
			}
			got[f.ID] = f.Properties
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	old := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
	then, now := statuses(&old, site.CRS84), statuses(nil, site.CRS84)
	if then["triangle-cours-sud-emprise"]["status"] == now["triangle-cours-sud-emprise"]["status"] ||
		now["triangle-cours-sud-emprise"]["status"] != "ceded" {
		t.Errorf("triangle-cours-sud: %v on 2014-01-01, %v today; want a change to ceded",
			then["triangle-cours-sud-emprise"]["status"], now["triangle-cours-sud-emprise"]["status"])
	}
	for id, p := range now {
		if p["status"] == nil || p["geometry_quality"] == nil {
			t.Errorf("feature %s lacks status or geometry_quality: %v", id, p)
		}
		if (p["geometry"] == nil) != (p["geometry_quality"] == "unlocated") {
			t.Errorf("feature %s: geometry %v with quality %v", id, p["geometry"], p["geometry_quality"])
		}
	}
	first := func(crs site.CRS) [2]float64 {
		g := statuses(nil, crs)["cpcu-ivry-chaufferie"]["geometry"].(map[string]any)
		p := g["coordinates"].([]any)[0].([]any)[0].([]any)[0].([]any)
		return [2]float64{p[0].(float64), p[1].(float64)}
	}
	if x := first(site.Lambert93)[0]; x < 650000 || x > 660000 {
		t.Errorf("Lambert-93 x = %v; want about 655000", x)
	}
	// EPSG:4326 is CRS84 with the axes swapped: latitude first.
	lonLat, latLon := first(site.CRS84), first(site.EPSG4326)
	if lonLat[0] < 2 || lonLat[0] > 3 || latLon != [2]float64{lonLat[1], lonLat[0]} {
		t.Errorf("first position: CRS84 %v, EPSG:4326 %v; want (2.4, 48.8) and (48.8, 2.4)", lonLat, latLon)
	}
	err := s.EachPartFeature(context.Background(), FeatureQuery{}, func([]byte) error { return nil })
	if ie := (*site.InvalidError)(nil); !errors.As(err, &ie) || ie.Field != "crs" {
		t.Errorf("EachPartFeature with no CRS = %v; want an *InvalidError on crs", err)
	}
}
