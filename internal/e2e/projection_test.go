package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/site"
)

// TestProjection: a day after today shows the statuses the plans lead to, and every view
// says "Projection": the header, the map's legend, the site sheet, the dashboard, the
// table and the printed header. The service runs on the real clock, as the database does.
func TestProjection(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	y := site.Today().Year()
	var id int64
	if err := svc.Pool.QueryRow(t.Context(), `INSERT INTO milestones (site_id, part_id, kind, label)
		VALUES ('site-jean-mazet', 'site-jean-mazet-ateliers', 'disposal', 'Cession des ateliers') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Pool.Exec(t.Context(), `INSERT INTO milestone_plans (milestone_id, planned_date, planned_precision)
		VALUES ($1, make_date($2, 1, 1), 'year')`, id, y+2); err != nil {
		t.Fatal(err)
	}
	day := fmt.Sprintf("%d-06-30", y+3)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/#date=" + day + "&site=site-jean-mazet")
	b.waitFor("the site sheet", `!document.getElementById('panel').hidden && document.querySelector('#panel .panel-status .chip')`)

	text := func(sel string) string {
		t.Helper()
		return eval[string](b, `(() => { const e = document.querySelector(`+"`"+sel+"`"+`); return e && !e.closest('[hidden]') ? e.textContent : ''; })()`)
	}
	if got := eval[string](b, `document.body.dataset.asOf`); got != day {
		t.Fatalf("the page shows %s; want %s", got, day)
	}
	if got := text("#projection-note"); got != "Projection" {
		t.Errorf("header badge %q; want Projection", got)
	}
	if got := text("#legend .legend-title"); !strings.Contains(got, "Projection") {
		t.Errorf("legend title %q; want it to say Projection", got)
	}
	if got := text("#panel .panel-kicker"); !strings.Contains(got, "projection au") {
		t.Errorf("site sheet kicker %q; want it to say projection", got)
	}
	chips := eval[[]string](b, `[...document.querySelectorAll('#panel .panel-status .chip[data-projected]')].map((e) => e.textContent.trim())`)
	want := fmt.Sprintf("Cédé (prévu en %d) · projection", y+2)
	if len(chips) != 1 || chips[0] != want {
		t.Errorf("projected chips on the sheet %q; want [%q]", chips, want)
	}
	if got := text("#print-asof"); !strings.HasPrefix(got, "Projection au") {
		t.Errorf("print header %q; want Projection au …", got)
	}

	showView := func(view string) {
		t.Helper()
		eval[bool](b, `(document.getElementById('tab-`+view+`').click(), true)`)
		b.waitFor("the view "+view, `!document.getElementById('view-`+view+`').hidden`)
	}
	showView("tableau")
	if got := text("#view-tableau h2"); !strings.Contains(got, "Projection") {
		t.Errorf("table heading %q; want it to say Projection", got)
	}
	showView("bord")
	if got := text("#dashboard-intro"); !strings.HasPrefix(got, "Projection au") {
		t.Errorf("dashboard intro %q; want Projection au …", got)
	}
	if got := text("#view-bord h2"); !strings.Contains(got, "Projection") {
		t.Errorf("dashboard heading %q; want it to say Projection", got)
	}
	b.checkClean(true)
}
