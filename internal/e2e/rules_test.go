package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emprises/emprises/internal/auth"
)

// getAPI reads a JSON document of the service, as any client would, for the page's
// figures to be compared with.
func (s *service) getAPI(t *testing.T, path string) json.RawMessage {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, err, body)
	}
	return body
}

// TestPageTakesTheServiceRules: the page holds no second copy of a rule. Its dashboard
// shows the figures of /api/dashboard (it used to sum declared areas of unlocated parts,
// which the service does not count), its dates, periods and flags are those of the
// site's document, and a parcel id is the service's to accept or refuse (the page used to
// refuse Corsica's 2A/2B ids, which the service reads).
func TestPageTakesTheServiceRules(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	password := svc.addUser(t, "rita", auth.Editor)
	// An unlocated part with a declared area: the service's area accounting counts only
	// computed areas, and the page must not add the declared one.
	if _, err := svc.Pool.Exec(t.Context(), `
		UPDATE site_parts SET declared_area_m2 = 12345
		WHERE id = (SELECT id FROM site_parts WHERE geom IS NULL ORDER BY id LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1440, 900)
	b.open(svc.URL + "/")

	t.Run("the dashboard shows the service's figures", func(t *testing.T) {
		dashboard := svc.getAPI(t, "/api/dashboard")
		b.do("open the dashboard", chromedp.Click(chromedp.ID("tab-bord")))
		b.waitFor("the dashboard", `document.querySelector('#dashboard .card')`)
		// The expected texts are formatted by the browser's own Intl, from the service's
		// numbers: only the figures are under test, not the French separators.
		mismatches := eval[[]string](b, `(() => {
			const d = `+string(dashboard)+`;
			const ha = (m2) => new Intl.NumberFormat('fr-FR', {minimumFractionDigits: 2, maximumFractionDigits: 2}).format(m2 / 10000) + ' ha';
			const n = (v) => new Intl.NumberFormat('fr-FR', {maximumFractionDigits: 0}).format(v);
			// Cards are found by their French label, as a reader finds them.
			const labels = {sites: 'Sites suivis', area: 'Surface suivie', ceded: 'Cédé', overdue: 'Échéances dépassées', due: 'Dans les 12 mois'};
			const card = (k) => [...document.querySelectorAll('#dashboard .card')]
				.find((c) => c.querySelector('.card-label').textContent.startsWith(labels[k]))?.querySelector('.card-value').textContent;
			const want = {
				sites: n(d.totals.sites), area: ha(d.totals.area_m2), ceded: ha(d.ceded_to_date.area_m2),
				overdue: n(d.overdue.length), due: n(d.due_next_12_months.length),
			};
			const out = [];
			for (const [k, v] of Object.entries(want)) if (card(k) !== v) out.push(k + ': page ' + card(k) + ', service ' + v);
			const bars = Object.fromEntries([...document.querySelectorAll('#status-bars li')].map((li) => [li.dataset.status, li.querySelector('.hbar-value').textContent]));
			// A status whose parts all lack an area shows it as unknown, not as 0,00 ha.
			const shown = (s) => s.parts > 0 && s.unknown_parts === s.parts ? 'surface inconnue' : ha(s.area_m2);
			for (const s of d.by_status) if (bars[s.status] !== shown(s)) out.push(s.status + ': page ' + bars[s.status] + ', service ' + shown(s));
			const overdue = document.querySelectorAll('#overdue-list li').length;
			if (overdue !== d.overdue.length) out.push('overdue list: page ' + overdue + ', service ' + d.overdue.length);
			const dates = [...document.querySelectorAll('#overdue-list .deadline-date')].map((e) => e.firstChild.textContent);
			if (dates.join('|') !== d.overdue.map((m) => m.planned_label).join('|')) out.push('overdue labels: page ' + dates + ', service ' + d.overdue.map((m) => m.planned_label));
			return out;
		})()`)
		for _, m := range mismatches {
			t.Errorf("the dashboard differs from /api/dashboard: %s", m)
		}
		if n := eval[int](b, `document.querySelectorAll('#overdue-list li').length`); n == 0 {
			t.Error("the dashboard lists no overdue item: the comparison proves little")
		}
		b.do("back to the map", chromedp.Click(chromedp.ID("tab-carte")))
	})

	t.Run("dates, periods and flags are the service's", func(t *testing.T) {
		const id = "cpcu-ivry"
		var detail struct {
			Parts []struct {
				StatusSinceLabel string `json:"status_since_label"`
			} `json:"parts"`
			Timeline []struct {
				DateLabel   string `json:"date_label"`
				DateStart   string `json:"date_start"`
				Unconfirmed bool   `json:"unconfirmed"`
			} `json:"timeline"`
			Calendar []struct {
				PlannedLabel *string `json:"planned_label"`
				Overdue      bool    `json:"overdue"`
			} `json:"calendar"`
		}
		if err := json.Unmarshal(svc.getAPI(t, "/api/sites/"+id), &detail); err != nil {
			t.Fatal(err)
		}
		b.openSite(id)
		times := eval[[]string](b, `[...document.querySelectorAll('#timeline .event time')].map((e) => e.dateTime + ' ' + e.textContent)`)
		var want []string
		unconfirmed := 0
		for _, e := range detail.Timeline {
			want = append(want, e.DateStart+" "+e.DateLabel)
			if e.Unconfirmed {
				unconfirmed++
			}
		}
		if strings.Join(sorted(times), "|") != strings.Join(sorted(want), "|") {
			t.Errorf("the timeline's dates are %v; want the service's %v", times, want)
		}
		if n := eval[int](b, `document.querySelectorAll('#timeline .badge-stale').length`); n != unconfirmed {
			t.Errorf("%d events are marked unconfirmed; the service flags %d", n, unconfirmed)
		}
		milestones := eval[string](b, `document.getElementById('panel-milestones').textContent`)
		overdue := 0
		for _, m := range detail.Calendar {
			if m.PlannedLabel != nil && !strings.Contains(milestones, *m.PlannedLabel) {
				t.Errorf("the panel's calendar does not show the service's label %q: %s", *m.PlannedLabel, milestones)
			}
			if m.Overdue {
				overdue++
			}
		}
		if n := eval[int](b, `document.querySelectorAll('#panel-milestones .milestone-overdue').length`); n != overdue || n == 0 {
			t.Errorf("%d milestones are shown overdue; the service flags %d (and the seed has some)", n, overdue)
		}
		chips := eval[[]string](b, `[...document.querySelectorAll('#panel .panel-status .chip-since')].map((e) => e.textContent.trim())`)
		for i, p := range detail.Parts {
			if i < len(chips) && chips[i] != "depuis "+p.StatusSinceLabel {
				t.Errorf("part %d's status reads %q; want the service's %q", i, chips[i], "depuis "+p.StatusSinceLabel)
			}
		}
	})

	t.Run("a Corsican parcel id is the service's to refuse", func(t *testing.T) {
		b.signIn("rita", password)
		const part = "cpcu-ivry-chaufferie"
		b.openSite("cpcu-ivry")
		b.click("link parcels", `button[data-key="parcels:`+part+`"]`)
		form := `form[data-form="parcels"]`
		b.fill(form+` [name="ids"]`, "2A004000AB0012")
		b.click("save", form+` button[type="submit"]`)
		b.waitFor("the refusal next to the ids", `document.querySelector('`+form+` [name="ids"]').getAttribute('aria-invalid') === 'true'`)
		msg := eval[string](b, `(() => { const f = document.querySelector('`+form+` [name="ids"]'); return document.getElementById(f.id + '-error').textContent; })()`)
		// The service reads the id and refuses it for its commune; the page used to refuse
		// it as no parcel id at all, without asking.
		if !strings.Contains(msg, "n’est pas à Ivry-sur-Seine") {
			t.Errorf("a Corsican id is refused with %q; want the service's reason (not in Ivry-sur-Seine)", msg)
		}
		b.do("close the form", chromedp.KeyEvent("\u001b"))
	})

	b.checkClean(false) // the refused write is logged by the browser itself
}

// sorted returns a sorted copy of list.
func sorted(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}
