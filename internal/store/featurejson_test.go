package store

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
)

// TestFeaturesWrittenHereAsPostgreSQLWrites checks that the parcels the service writes
// itself (featureLayout) are the features PostgreSQL's JSON functions write, value for
// value: sources with quotes, backslashes, control characters and non-ASCII letters,
// parcels linked to a site and not, without a contenance, in three CRSs, as pages and
// one by one.
func TestFeaturesWrittenHereAsPostgreSQLWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSeeded(t)
	sources := []string{`a "quoted" \ back\slash`, "line\nbreak\ttab\x01", "Cadastre Etalab, cadastre-94041-parcelles.json.gz", "é ü œ 🏠 </script>", ""}
	for i, src := range sources {
		if _, err := s.pool.Exec(ctx, `
			INSERT INTO parcels (id, contenance_m2, geom, source)
			VALUES ('94041000ZW' || lpad($1::int::text, 4, '0'), NULLIF($1::int, 3) * 17,
			        ST_Multi(ST_MakeEnvelope(654000 + $1::int * 10, 6853000, 654008 + $1::int * 10, 6853008, 2154)), $2)`, i+1, src); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.pool.Exec(ctx, `UPDATE parcels SET part_id = (SELECT id FROM site_parts ORDER BY id LIMIT 1) WHERE id = '94041000ZW0002'`); err != nil {
		t.Fatal(err)
	}
	here, err := lookup(CollectionParcels)
	if err != nil {
		t.Fatal(err)
	}
	if !here.writtenHere {
		t.Fatal("parcels are written by PostgreSQL: the test compares nothing")
	}
	byPostgreSQL := here.writtenByDatabase()

	read := func(c *collection, q FeatureQuery) map[string]any {
		sql, args, err := c.build(&q, stmtPage, "")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		var page FeaturePage
		err = s.streamFeatures(ctx, sql, args, &q, c.layout(q.Reader), &page, func(id, feature []byte) error {
			var f any
			if err := json.Unmarshal(feature, &f); err != nil {
				t.Errorf("feature %s is not JSON: %v\n%s", id, err, feature)
			}
			out[string(id)] = f
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	box := BBox{SRID: site.SRIDLambert93, MinX: 653990, MinY: 6852990, MaxX: 654100, MaxY: 6853020}
	for _, crs := range []site.CRS{site.CRS84, site.Lambert93, site.EPSG4326} {
		t.Run(crs.Tag, func(t *testing.T) {
			q := FeatureQuery{CRS: crs, Limit: 100, BBox: &box, Count: true, Reader: auth.Anonymous}
			got, want := read(here, q), read(byPostgreSQL, q)
			if len(got) != len(sources) {
				t.Fatalf("%d features in the box, want %d", len(got), len(sources))
			}
			if !reflect.DeepEqual(got, want) {
				for id := range want {
					if !reflect.DeepEqual(got[id], want[id]) {
						t.Errorf("feature %s written here:\n%v\nby PostgreSQL:\n%v", id, got[id], want[id])
					}
				}
			}
			before := q
			before.BBox, before.Count, before.Limit, before.Before = nil, false, 2, "94041000ZW0004"
			if got, want := read(here, before), read(byPostgreSQL, before); len(got) != 2 || !reflect.DeepEqual(got, want) {
				t.Errorf("the page before a cursor, written here:\n%v\nby PostgreSQL:\n%v", got, want)
			}
			one, err := s.FindFeature(ctx, CollectionParcels, "94041000ZW0002", q)
			if err != nil {
				t.Fatal(err)
			}
			var f any
			if err := json.Unmarshal(one, &f); err != nil || !reflect.DeepEqual(f, want["94041000ZW0002"]) {
				t.Errorf("one feature: %s (%v); want %v", one, err, want["94041000ZW0002"])
			}
		})
	}
}
