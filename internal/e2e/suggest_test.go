package e2e

import (
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

// TestParcelSuggestionsLinked walks an editor through the suggestions of an approximate
// part: the panel lists the parcels its square covers, and "Rattacher" links those
// checked through the audited link route.
func TestParcelSuggestionsLinked(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	password := svc.addUser(t, "ella", auth.Editor)
	svc.importParcels(t, 3000, 5)
	const (
		site = "cimetiere-parisien-ivry"
		part = "cimetiere-parisien-ivry-nord"
	)
	want := svc.count(t, `
		SELECT count(*) FROM site_parts sp JOIN parcels c ON ST_Intersects(c.geom, sp.geom)
		 WHERE sp.id = $1 AND ST_Area(ST_Intersection(c.geom, sp.geom)) >= 0.5 * ST_Area(c.geom)`, part)
	if want == 0 {
		t.Fatal("the synthetic cadastre has no parcel under the part's square")
	}
	b := newBrowser(t, 1440, 900)
	b.open(svc.URL + "/")
	b.signIn("ella", password)
	b.openSite(site)

	b.click("open the suggestions", `button[data-key="suggest:`+part+`"]`)
	form := `form[data-form="suggest"]`
	b.waitFor("the suggestions", `document.querySelectorAll('`+form+` input[name="suggested"]').length > 0`)
	if n := eval[int](b, `document.querySelectorAll('`+form+` input[name="suggested"]:checked').length`); n != want {
		t.Errorf("%d parcels suggested and checked; want %d", n, want)
	}
	if !eval[bool](b, `document.querySelector('`+form+`').textContent.includes('% dans le contour')`) {
		t.Error("the suggestions do not say how much of each parcel the square covers")
	}
	b.screenshot("suggest-form", false)
	b.click("link them", form+` button[type="submit"]`)
	b.saved("the link")
	if n := svc.count(t, `SELECT count(*) FROM parcels WHERE part_id = $1`, part); n != want {
		t.Errorf("%d parcels linked to %s; want %d", n, part, want)
	}
	if n := svc.count(t, `SELECT count(*) FROM audit_log WHERE action = 'part.parcels' AND entity_id = $1`, part); n != 1 {
		t.Errorf("%d audit records of the link; want 1", n)
	}
	// Linked, they are suggested no more.
	b.click("open the suggestions again", `button[data-key="suggest:`+part+`"]`)
	b.waitFor("no suggestion left", `document.querySelector('`+form+` .edit-form-intro')?.textContent.startsWith('Aucune parcelle')`)
	b.checkClean(false)
}
