package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSearchForgivesAndLinks: the search ignores accents, case and punctuation ("jean
// jaures" used to find nothing), a shared link with a parcel reference (#q=AZ+56) finds
// its site (the look-up used to run only on typing), and a parcel of no site says so.
func TestSearchForgivesAndLinks(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	if _, err := svc.Pool.Exec(t.Context(), `
		INSERT INTO parcels (id, contenance_m2, part_id, source)
		VALUES ('94041000AZ0056', 91012, 'usine-des-eaux-quartus', 'test'),
		       ('94041000AZ0057', 420, NULL, 'test')`); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1366, 768)
	listed := func() []string {
		return eval[[]string](b, `[...document.querySelectorAll('#site-list li[data-site-id]')].map((li) => li.dataset.siteId)`)
	}

	t.Run("a shared link to a parcel", func(t *testing.T) {
		b.open(svc.URL + "/#q=AZ+56")
		b.waitFor("the parcel's site alone", `document.querySelectorAll('#site-list li[data-site-id]').length === 1`)
		if got := listed(); strings.Join(got, ",") != "usine-des-eaux" {
			t.Errorf("#q=AZ+56 lists %v; want [usine-des-eaux]", got)
		}
	})

	search := func(query string) {
		b.do("search "+query, chromedp.Evaluate[chromedp.Void](`document.getElementById('search').value = ''`),
			chromedp.SendKeys(chromedp.ID("search"), query))
		b.waitFor("the search applied", fmt.Sprintf(`new URLSearchParams(window.location.hash.slice(1)).get('q') === %q`, query))
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"jean jaures", []string{"usine-des-eaux", "ex-sagep-64-jaures", "reserves-dac"}},
		{"64 AVENUE JEAN JAURES", []string{"ex-sagep-64-jaures"}},
		{"robert witchitz", []string{"tam-robert-witchitz"}},
		{"reserves (dac)", []string{"reserves-dac"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			search(tt.query)
			b.waitFor("the list", fmt.Sprintf(`document.querySelectorAll('#site-list li[data-site-id]').length === %d`, len(tt.want)))
			got := listed()
			if strings.Join(slices.Sorted(slices.Values(got)), ",") != strings.Join(slices.Sorted(slices.Values(tt.want)), ",") {
				t.Errorf("search %q lists %v; want %v", tt.query, got, tt.want)
			}
		})
	}

	t.Run("a parcel of no site", func(t *testing.T) {
		search("AZ 57")
		b.waitFor("the note", `!document.getElementById('search-note')?.hidden && document.getElementById('search-note').textContent.includes('parcelle non rattachée à un site')`)
		search("AZ 56")
		b.waitFor("the note gone", `document.getElementById('search-note').hidden`)
	})
	b.checkClean(true)
}
