package e2e

import (
	"testing"
)

// TestDashboardHonestAreas: the dashboard never shows an estimated area without saying
// so (the seed's ceded hectares are all schematic squares and used to read as a
// measure), never shows an unknown area as 0,00 ha, and shows "Encore détenu par Paris"
// as /api/dashboard gives it.
func TestDashboardHonestAreas(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 1440, 900)
	for _, date := range []string{"", "2016-06-30"} {
		name := date
		if name == "" {
			name = "today"
		}
		t.Run(name, func(t *testing.T) {
			url := svc.URL + "/#vue=bord"
			if date != "" {
				url += "&date=" + date
			}
			b.reload(url)
			b.waitFor("the dashboard", `document.querySelector('#dashboard .card')`)
			day := eval[string](b, `document.body.dataset.asOf`)
			dashboard := svc.getAPI(t, "/api/dashboard?date="+day)
			problems := eval[[]string](b, `(() => {
				const d = `+string(dashboard)+`;
				const ha = (m2) => new Intl.NumberFormat('fr-FR', {minimumFractionDigits: 2, maximumFractionDigits: 2}).format(m2 / 10000) + ' ha';
				const card = (key) => document.querySelector('#dashboard .card[data-card="' + key + '"]');
				const out = [];
				const held = card('held');
				if (!held) return ['no "Encore détenu par Paris" card'];
				if (!held.querySelector('.card-label').textContent.startsWith('Encore détenu par Paris')) out.push('the held card is labelled ' + held.querySelector('.card-label').textContent);
				if (held.querySelector('.card-value').textContent !== ha(d.held_by_paris.area_m2)) out.push('held: page ' + held.querySelector('.card-value').textContent + ', service ' + ha(d.held_by_paris.area_m2));
				// Every place that shows an area with an estimate in it says so.
				const places = [
					['area', card('area'), {estimated_m2: d.totals.estimated_m2, unknown_parts: d.totals.unlocated_parts, parts: d.totals.parts}],
					['held', held, d.held_by_paris],
					['ceded', card('ceded'), d.ceded_to_date],
				];
				for (const s of d.by_status) places.push([s.status, document.querySelector('#status-bars li[data-status="' + s.status + '"]'), s]);
				let estimates = 0;
				for (const [name, el, a] of places) {
					if (!el) { out.push(name + ': not shown'); continue; }
					const text = el.textContent;
					if (a.estimated_m2 > 0) {
						estimates++;
						if (!text.includes('dont ' + ha(a.estimated_m2) + ' estimés')) out.push(name + ': ' + ha(a.estimated_m2) + ' estimated, the page says only "' + text + '"');
					}
					if (a.parts > 0 && a.unknown_parts === a.parts && text.includes('0,00 ha')) out.push(name + ': an unknown area shown as 0,00 ha');
				}
				if (d.ceded_to_date.estimated_m2 > 0) {
					const note = document.querySelector('#ceded-chart .chart-note')?.textContent || '';
					if (!note.includes('estimés')) out.push('the ceded chart says "' + note + '" with no word of the estimate');
				}
				if (estimates === 0) out.push('no estimated area on this day: the test proves little');
				return out;
			})()`)
			for _, p := range problems {
				t.Error(p)
			}
			b.screenshot("dashboard-areas-"+name, false)
		})
	}
	b.checkClean(false)
}
