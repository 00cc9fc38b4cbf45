package store

import (
	"errors"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

func TestSuggestParcels(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	if _, err := importBytes(ctx, s, genCadastre(t, 3000, 7), CadastreImport{}); err != nil {
		t.Fatal(err)
	}
	const part = "cimetiere-parisien-ivry-nord"
	got, err := s.SuggestParcels(ctx, part)
	if err != nil {
		t.Fatalf("SuggestParcels(%q): %v", part, err)
	}
	if got.SiteID != "cimetiere-parisien-ivry" || got.Quality != site.QualityApproximate || len(got.Parcels) == 0 {
		t.Fatalf("SuggestParcels(%q) = %+v; want parcels of an approximate part", part, got)
	}
	for i, p := range got.Parcels {
		if p.Share < site.SuggestionShare || p.Share > 1.0001 || i > 0 && p.Share > got.Parcels[i-1].Share {
			t.Errorf("suggestion %d %s: share %.3f (after %+v); want from 0.5 to 1, decreasing", i, p.ParcelID, p.Share, got.Parcels[max(i-1, 0)])
		}
	}
	// Parcels wholly inside the square are all suggested; parcels it only clips are not.
	var inside, clipped int
	if err := s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE ST_CoveredBy(c.geom, sp.geom)),
		       count(*) FILTER (WHERE ST_Area(ST_Intersection(c.geom, sp.geom)) < 0.5 * ST_Area(c.geom))
		  FROM site_parts sp JOIN parcels c ON ST_Intersects(c.geom, sp.geom) WHERE sp.id = $1`, part).
		Scan(&inside, &clipped); err != nil {
		t.Fatal(err)
	}
	full := 0
	for _, p := range got.Parcels {
		if p.Share > 0.9999 {
			full++
		}
	}
	if full != inside || inside == 0 || clipped == 0 {
		t.Errorf("%d suggestions wholly inside; want %d (and some parcels clipped: %d)", full, inside, clipped)
	}

	// Once linked, a parcel is no longer suggested for the part.
	first := got.Parcels[0].ParcelID
	if _, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: []site.ParcelID{first}}); err != nil {
		t.Fatal(err)
	}
	again, err := s.SuggestParcels(ctx, part)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Parcels) != len(got.Parcels)-1 || again.Parcels[0].ParcelID == first {
		t.Errorf("after linking %s: %d suggestions (was %d), first %s", first, len(again.Parcels), len(got.Parcels), again.Parcels[0].ParcelID)
	}

	for _, tt := range []struct {
		part    string
		quality site.GeometryQuality
	}{
		{"tam-robert-witchitz-garage", site.QualityUnlocated},
	} {
		t.Run(tt.part, func(t *testing.T) {
			got, err := s.SuggestParcels(ctx, tt.part)
			if err != nil || got.Quality != tt.quality || len(got.Parcels) != 0 {
				t.Errorf("SuggestParcels(%q) = %+v, %v; want no suggestion, quality %s", tt.part, got, err, tt.quality)
			}
		})
	}
	if _, err := s.SuggestParcels(ctx, "no-such-part"); !errors.Is(err, site.ErrNotFound) {
		t.Errorf("SuggestParcels(no-such-part) = %v; want not found", err)
	}
}
