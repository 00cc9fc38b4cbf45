package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emprises/emprises/internal/auth"
)

// lateCommitment is due "d'ici fin 2021" and done only in November 2025: late on 1 January
// 2022, not today.
const lateCommitment = "a2i-cpcu-mode-gestion"

// apiCount is the number of items GET path answers.
func (s *service) apiCount(t *testing.T, path string) int {
	t.Helper()
	var body struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(s.getAPI(t, path), &body); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return len(body.Items)
}

// govItems counts the commitments the Engagements view lists.
func (b *browser) govItems() int {
	b.t.Helper()
	return eval[int](b, `document.querySelectorAll('#engagements .gov-item').length`)
}

// reload loads url afresh, even when the page shows it already (a navigation to the same
// URL and fragment would not reload it).
func (b *browser) reload(url string) {
	b.t.Helper()
	b.do("leave the page", chromedp.Navigate("about:blank"))
	b.open(url)
}

// savedIn waits until a governance view says a write is saved and its form is closed.
func (b *browser) savedIn(view, form string) {
	b.t.Helper()
	b.waitFor(form+" saved", `document.getElementById('`+view+`-alert') && !document.querySelector('form[data-form="`+form+`"]') && !document.body.hasAttribute('aria-busy')`)
}

// chooseFilter picks a value in one of the Engagements view's drop-downs.
func (b *browser) chooseFilter(name, value string) {
	b.t.Helper()
	b.do("filter "+name+" = "+value, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const s = document.getElementById('gov-filter-%s'); s.value = %s; s.dispatchEvent(new Event('change')); })()`,
		name, jsString(value))))
}

// TestGovernanceViews: at desktop and phone width, the Engagements view lists every seeded
// commitment by axis, its filters select what the API selects, a late commitment is marked
// in red on a day it is late, the Comités view shows the COPIL of March 2021 with its
// agenda and pack and the meetings the cadences plan, and a site's panel lists its
// commitments.
func TestGovernanceViews(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1366, 768}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, size.w, size.h)
			b.open(svc.URL + "/#vue=engagements")
			total := svc.count(t, "SELECT count(*) FROM commitments")
			b.waitFor("the commitments", fmt.Sprintf(`document.querySelectorAll('#engagements .gov-item').length === %d`, total))
			if got := eval[int](b, `document.querySelectorAll('#engagements .gov-axis').length`); got != 4 {
				t.Errorf("the commitments fall in %d axis groups; want 4 (A, B, C, III)", got)
			}
			if got := eval[bool](b, `!document.getElementById('view-engagements').hidden && document.getElementById('tab-engagements').getAttribute('aria-selected') === 'true'`); !got {
				t.Error("#vue=engagements does not show the Engagements view")
			}
			b.screenshot("governance-engagements-"+size.name, false)

			for _, f := range []struct{ name, value, query string }{
				{"party", "cpcu", "party=cpcu"},
				{"axis", "B", "axis=B"},
				{"site", "cpcu-ivry", "site=cpcu-ivry"},
				{"status", "done", "status=done"},
			} {
				b.chooseFilter(f.name, f.value)
				want := svc.apiCount(t, "/api/commitments?"+f.query)
				if got := b.govItems(); got != want || want == 0 {
					t.Errorf("filter %s = %s: %d commitments listed; the API gives %d", f.name, f.value, got, want)
				}
				b.chooseFilter(f.name, "")
			}
			if got := b.govItems(); got != total {
				t.Errorf("filters cleared: %d commitments listed; want %d", got, total)
			}

			// The date shown applies: on 1 January 2022 the CPCU management-mode decision is late.
			b.reload(svc.URL + "/#vue=engagements&date=2022-01-01")
			item := `document.querySelector('#engagements [data-commitment-id="` + lateCommitment + `"]')`
			b.waitFor("the state on 2022-01-01", `document.getElementById('engagements').dataset.asOf === '2022-01-01' && `+item)
			if got := eval[string](b, item+`.dataset.late`); got != "true" {
				t.Errorf("%s on 2022-01-01: data-late = %q; want true", lateCommitment, got)
			}
			badge := eval[string](b, `(() => { const el = `+item+`.querySelector('.gov-late'); return el ? el.textContent + '|' + getComputedStyle(el).color : ''; })()`)
			if !strings.HasPrefix(badge, "En retard|rgb(192, 38, 45)") {
				t.Errorf("%s on 2022-01-01: late badge %q; want « En retard » in red", lateCommitment, badge)
			}
			wantLate := 0
			var late struct {
				Items []struct {
					Late bool `json:"late"`
				} `json:"items"`
			}
			if err := json.Unmarshal(svc.getAPI(t, "/api/commitments?date=2022-01-01"), &late); err != nil {
				t.Fatal(err)
			}
			for _, c := range late.Items {
				if c.Late {
					wantLate++
				}
			}
			if got := eval[int](b, `document.querySelectorAll('#engagements .gov-item[data-late="true"] .gov-late').length`); got != wantLate {
				t.Errorf("on 2022-01-01, %d commitments are marked late; the API says %d", got, wantLate)
			}
			b.screenshot("governance-late-"+size.name, true)

			// Today it is done: no longer late.
			b.reload(svc.URL + "/#vue=engagements")
			b.waitFor("today's state", item+` && `+item+`.dataset.late === 'false'`)

			// The Comités view.
			b.do("show the Comités view", chromedp.Click(chromedp.ID("tab-comites")))
			b.waitFor("the committees", `document.querySelectorAll('#comites .gov-committee').length === 2`)
			copil := `document.querySelector('#comites [data-committee="copil"]')`
			text := eval[string](b, copil+`.textContent`)
			for _, want := range []string{"(COPIL) du 17/03/2021", "Ordre du jour", "Passerelle aux câbles", "Sites : Chaufferie CPCU d'Ivry", "Réunions prévues", "selon la cadence"} {
				if !strings.Contains(text, want) {
					t.Errorf("the COPIL section does not say %q", want)
				}
			}
			var meetingID int
			if err := svc.Pool.QueryRow(t.Context(), `SELECT id FROM meetings WHERE committee_id = 'copil' AND day = '2021-03-17'`).Scan(&meetingID); err != nil {
				t.Fatal(err)
			}
			href := eval[string](b, copil+`.querySelector('[data-meeting-id="`+fmt.Sprint(meetingID)+`"] .gov-pack a').getAttribute('href')`)
			if want := fmt.Sprintf("/api/meetings/%d/pack.xlsx", meetingID); href != want {
				t.Errorf("« Préparer le dossier » links to %q; want %q", href, want)
			}
			if got := eval[int](b, `document.querySelectorAll('#comites .gov-upcoming [data-derived="true"]').length`); got != 2 {
				t.Errorf("%d meetings planned by the cadences; want one per committee", got)
			}
			b.screenshot("governance-committees-"+size.name, true)

			// A commitment's site link opens the site's panel, which lists the commitments
			// about it.
			b.do("back to the Engagements view", chromedp.Click(chromedp.ID("tab-engagements")))
			b.do("forget the panel's state", chromedp.Evaluate[chromedp.Void](`delete document.getElementById('panel').dataset.loaded`))
			b.click("the site link of "+lateCommitment, `#engagements [data-commitment-id="`+lateCommitment+`"] .gov-sites button`)
			b.waitFor("the panel of cpcu-ivry", `document.getElementById('panel').dataset.siteId === 'cpcu-ivry' && document.getElementById('panel').dataset.loaded === 'true' && location.hash.includes('site=cpcu-ivry')`)
			want := svc.apiCount(t, "/api/commitments?site=cpcu-ivry")
			if got := eval[int](b, `document.querySelectorAll('#panel-commitments li').length`); got != want || want == 0 {
				t.Errorf("the panel of cpcu-ivry lists %d commitments; the API gives %d", got, want)
			}
			b.checkClean(false)
		})
	}
}

// TestGovernanceEditing: an editor adds a follow-up to a commitment and records a meeting
// with an agenda item from the page, and they show after a reload; a follow-up without a
// source is refused next to its field, with nothing written.
func TestGovernanceEditing(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	password := svc.addUser(t, "gaelle", auth.Editor)
	for _, size := range []struct {
		name      string
		w, h      int
		committee string
		day       string
	}{{"desktop", 1366, 768, "cotech", "15/01/2025"}, {"phone", 390, 844, "copil", "20/06/2024"}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, size.w, size.h)
			b.open(svc.URL + "/#vue=engagements")
			if n := eval[int](b, `document.querySelectorAll('#engagements .edit-action').length`); n != 0 {
				t.Errorf("signed out, the Engagements view shows %d edit buttons; want none", n)
			}
			b.signIn("gaelle", password)
			commitment := "a2ii-passerelle-etude"
			if size.name == "phone" {
				commitment = "a2iii-tam-etude"
			}
			before := svc.count(t, "SELECT count(*) FROM commitment_followups WHERE commitment_id = $1", commitment)

			// A follow-up without a source is refused, next to the source field.
			b.click("add a follow-up", `button[data-key="follow-up:`+commitment+`"]`)
			form := `form[data-form="follow-up"]`
			b.waitFor("the follow-up form", `document.querySelector('`+form+`')`)
			b.fill(form+` [name="note"]`, "Étude de faisabilité lancée")
			b.click("save", form+` button[type="submit"]`)
			b.waitFor("the refusal", `document.querySelector('`+form+` [name="source"]')?.getAttribute('aria-invalid') === 'true'`)
			if got := svc.count(t, "SELECT count(*) FROM commitment_followups WHERE commitment_id = $1", commitment); got != before {
				t.Errorf("a follow-up without a source was written")
			}

			b.fill(form+` [name="source"]`, "Délibération 2024 DU 123")
			b.fill(form+` [name="progress"]`, "40")
			b.do("status in progress", chromedp.SetValue(chromedp.CSS(form+` [name="status"]`), "in_progress"))
			b.click("save", form+` button[type="submit"]`)
			b.savedIn("engagements", "follow-up")
			if got := svc.count(t, "SELECT count(*) FROM commitment_followups WHERE commitment_id = $1 AND source = 'Délibération 2024 DU 123' AND progress = 40", commitment); got != 1 {
				t.Errorf("%d follow-ups saved; want 1", got)
			}

			// After a reload the commitment shows it.
			b.reload(svc.URL + "/#vue=engagements")
			item := `document.querySelector('#engagements [data-commitment-id="` + commitment + `"]')`
			b.waitFor("the commitment", item)
			text := eval[string](b, item+`.textContent`)
			for _, want := range []string{"40 %", "En cours", "Étude de faisabilité lancée", "Délibération 2024 DU 123"} {
				if !strings.Contains(text, want) {
					t.Errorf("after a reload, the commitment does not say %q: %s", want, text)
				}
			}

			// A meeting, then an item of its agenda.
			b.do("show the Comités view", chromedp.Click(chromedp.ID("tab-comites")))
			b.click("new meeting", `button[data-key="meeting-new"]`)
			form = `form[data-form="meeting-new"]`
			b.waitFor("the meeting form", `document.querySelector('`+form+`')`)
			b.do("committee", chromedp.SetValue(chromedp.CSS(form+` [name="committee_id"]`), size.committee))
			b.fill(form+` [name="date"]`, size.day)
			b.do("held", chromedp.SetValue(chromedp.CSS(form+` [name="state"]`), "held"))
			b.fill(form+` [name="place"]`, "Mairie d’Ivry-sur-Seine")
			b.fill(form+` [name="attendees"]`, "Ville de Paris — direction de l’urbanisme")
			b.click("save", form+` button[type="submit"]`)
			b.savedIn("comites", "meeting-new")
			var id int
			iso := size.day[6:] + "-" + size.day[3:5] + "-" + size.day[:2]
			if err := svc.Pool.QueryRow(t.Context(), `SELECT id FROM meetings WHERE committee_id = $1 AND day = $2 AND state = 'held'`, size.committee, iso).Scan(&id); err != nil {
				t.Fatalf("the meeting was not recorded: %v", err)
			}
			meeting := fmt.Sprintf(`document.querySelector('#comites [data-meeting-id="%d"]')`, id)
			b.click("add an agenda item", fmt.Sprintf(`button[data-key="agenda-add:%d"]`, id))
			form = `form[data-form="agenda-add"]`
			b.waitFor("the agenda form", `document.querySelector('`+form+`')`)
			b.fill(form+` [name="title"]`, "Point d’étape sur la passerelle")
			b.click("save", form+` button[type="submit"]`)
			b.savedIn("comites", "agenda-add")

			b.reload(svc.URL + "/#vue=comites")
			b.waitFor("the meeting after a reload", meeting)
			text = eval[string](b, meeting+`.textContent`)
			for _, want := range []string{size.day, "Tenue", "Mairie d’Ivry-sur-Seine", "Ville de Paris (direction de l’urbanisme)", "Point d’étape sur la passerelle", "Préparer le dossier"} {
				if !strings.Contains(text, want) {
					t.Errorf("after a reload, the meeting does not say %q: %s", want, text)
				}
			}
			b.screenshot("governance-edited-"+size.name, true)
			b.checkClean(false)
		})
	}
}
