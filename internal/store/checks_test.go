package store

import (
	"testing"
	"time"

	"github.com/emprises/emprises/internal/site"
)

func TestListChecks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	got, err := s.ListChecks(ctx, day, day, site.DefaultStaleAfter)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[site.CheckKind]int{}
	for _, c := range got {
		kinds[c.Kind]++
		t.Logf("%s %s %s %d", c.Kind, c.SiteID, c.PartID, c.Within)
	}
	if kinds[site.CheckPastPlan] == 0 || kinds[site.CheckStaleStatus] == 0 {
		t.Errorf("checks on %s: %v; want plans past and stale statuses from the reference sites", day.Format(time.DateOnly), kinds)
	}
	// A cadastre vintage that changes a linked parcel flags its part.
	first := genCadastre(t, 1500, 7)
	if _, err := importBytes(ctx, s, first, CadastreImport{}); err != nil {
		t.Fatal(err)
	}
	const part = "cimetiere-parisien-ivry-nord"
	sg, err := s.SuggestParcels(ctx, part)
	if err != nil || len(sg.Parcels) == 0 {
		t.Fatalf("SuggestParcels: %v, %+v", err, sg)
	}
	if _, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: []site.ParcelID{sg.Parcels[0].ParcelID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE parcels SET contenance_m2 = coalesce(contenance_m2, 0) + 1 WHERE part_id = $1`, part); err != nil {
		t.Fatal(err)
	}
	// The next vintage gives the parcel back its contenance: a change to a linked parcel.
	if _, err := importBytes(ctx, s, first, CadastreImport{Force: true, Vintage: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	got, err = s.ListChecks(ctx, day, day, site.DefaultStaleAfter)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range got {
		if c.Kind == site.CheckCadastreChanged && c.PartID == part && len(c.Changes) == 1 && c.Changes[0].ParcelID == string(sg.Parcels[0].ParcelID) {
			found = true
		}
	}
	if !found {
		t.Errorf("no cadastre check for part %s after its parcel changed: %+v", part, got)
	}
}
