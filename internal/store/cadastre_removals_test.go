package store

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

// withFeatures is a plain parcel file (one feature a line, as synth writes it) keeping only
// the parcels keep accepts.
func withFeatures(t *testing.T, plain []byte, keep func(id string) bool) []byte {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(plain)), "\n")
	out := []string{lines[0]}
	for _, l := range lines[1 : len(lines)-1] {
		m := featureID.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("no id in line %.60q", l)
		}
		if keep(m[1]) {
			out = append(out, strings.TrimSuffix(l, ","))
		}
	}
	return []byte(out[0] + "\n" + strings.Join(out[1:], ",\n") + "\n" + lines[len(lines)-1])
}

var featureID = regexp.MustCompile(`^\{"id":"([0-9A-Z]{14})"`)

// cadastreState is what a refused or dry-run import must leave as it was.
func cadastreState(t *testing.T, s *Store) string {
	t.Helper()
	var state string
	err := s.pool.QueryRow(t.Context(), `
		SELECT concat_ws(' ', (SELECT count(*) FROM parcels), (SELECT count(*) FROM parcels WHERE part_id IS NOT NULL),
		                 (SELECT count(*) FROM cadastre_imports), (SELECT count(*) FROM cadastre_changes),
		                 (SELECT count(*) FROM audit_log), (SELECT sum(version) FROM sites),
		                 (SELECT md5(string_agg(id || coalesce(contenance_m2, 0), ',' ORDER BY id)) FROM parcels))`).Scan(&state)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// TestImportCadastreRefusesRemovals: a file holding part of a commune, or taking a linked
// parcel away, is refused with a report of what would go and changes nothing, unless
// allowed; a dry run reports the same and writes nothing.
func TestImportCadastreRefusesRemovals(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	const n = 2000
	plain := gunzip(t, genCadastre(t, n, 11))
	if _, err := importBytes(ctx, s, plain, CadastreImport{}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := s.pool.QueryRow(ctx, `SELECT array_agg(id ORDER BY id) FROM parcels`).Scan(&ids); err != nil {
		t.Fatal(err)
	}
	quarter := ids[n/4] // the first quarter of the ids is kept by the partial file
	kept, gone, lonely := ids[10], ids[n-10], ids[n/2]
	part := firstPart(t, s)
	var siteID, siteName string
	if err := s.pool.QueryRow(ctx, `SELECT s.id, s.name FROM sites s JOIN site_parts p ON p.site_id = s.id WHERE p.id = $1`, part).Scan(&siteID, &siteName); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{
		IDs: []site.ParcelID{site.ParcelID(kept), site.ParcelID(gone), site.ParcelID(lonely)}}); err != nil {
		t.Fatal(err)
	}
	partial := withFeatures(t, plain, func(id string) bool { return id < quarter })
	withoutLinked := withFeatures(t, plain, func(id string) bool { return id != lonely })
	linkedGone := LinkedRemoval{ParcelID: gone, Kind: "removed", Related: []string{}, PartID: part, SiteID: siteID, SiteName: siteName}
	linkedLonely := linkedGone
	linkedLonely.ParcelID = lonely

	tests := []struct {
		name       string
		file       []byte
		dryRun     bool
		wantGone   int
		wantLinked []LinkedRemoval
		wantInErr  []string
	}{
		{"one section of the commune", partial, false, n - n/4, []LinkedRemoval{linkedLonely, linkedGone},
			[]string{"partial.json", "1500 of the 2000 parcels of commune 94041", "75.0 %", "2 parcel(s)", gone, part, "--allow-removals"}},
		{"a linked parcel gone", withoutLinked, false, 1, []LinkedRemoval{linkedLonely},
			[]string{"partial.json", "1 parcel(s)", lonely + " (part " + part + ")"}},
		{"dry run of one section", partial, true, n - n/4, []LinkedRemoval{linkedLonely, linkedGone}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cadastreState(t, s)
			r, err := importBytes(ctx, s, tt.file, CadastreImport{FileName: "partial.json", DryRun: tt.dryRun})
			var removals CadastreRemovals
			if tt.dryRun {
				if err != nil || !r.DryRun {
					t.Fatalf("dry run = %v, %v; want a report", r, err)
				}
				if r.Removed != tt.wantGone || len(r.Changes) < tt.wantGone {
					t.Errorf("dry run: %d gone, %d changes listed; want %d gone, every change listed", r.Removed, len(r.Changes), tt.wantGone)
				}
				removals = r.Removals
			} else {
				var re *RemovalsError
				if !errors.As(err, &re) {
					t.Fatalf("import = %v, %v; want a RemovalsError", r, err)
				}
				for _, w := range tt.wantInErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("refusal %q; want it to say %q", err, w)
					}
				}
				removals = re.Removals
			}
			if len(removals.Communes) != 1 || removals.Communes[0] != (CommuneRemovals{Commune: "94041", Parcels: n, Gone: tt.wantGone, Removed: tt.wantGone}) {
				t.Errorf("communes = %+v; want 94041 with %d of %d gone", removals.Communes, tt.wantGone, n)
			}
			if !slices.EqualFunc(removals.Linked, tt.wantLinked, func(a, b LinkedRemoval) bool {
				return a.ParcelID == b.ParcelID && a.Kind == b.Kind && a.PartID == b.PartID && a.SiteID == b.SiteID && a.SiteName == b.SiteName
			}) {
				t.Errorf("linked = %+v; want %+v", removals.Linked, tt.wantLinked)
			}
			if after := cadastreState(t, s); after != before {
				t.Errorf("state went from %s to %s; want nothing written", before, after)
			}
		})
	}

	t.Run("few unlinked parcels gone", func(t *testing.T) {
		file := withFeatures(t, plain, func(id string) bool { return id != ids[n-1] && id != ids[n-2] })
		r, err := importBytes(ctx, s, file, CadastreImport{})
		if err != nil || r.Removed != 2 || len(r.Removals.Linked) != 0 {
			t.Fatalf("import = %+v, %v; want 2 parcels removed, no refusal", r, err)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		r, err := importBytes(ctx, s, partial, CadastreImport{AllowRemovals: true})
		if err != nil || r.Removed != n-n/4-2 || len(r.Removals.Linked) != 2 {
			t.Fatalf("import = %+v, %v; want %d parcels removed, 2 links with them", r, err, n-n/4-2)
		}
		if got := countRows(t, s, "parcels"); got != n/4 {
			t.Errorf("parcels = %d; want %d", got, n/4)
		}
	})
}
