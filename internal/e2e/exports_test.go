package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestExportMenu: the export menu offers a workbook of the view on screen with the
// page's filters, says which filters it applies, and offers the French calendar CSV and
// the Friches file under its national name; each link downloads what it says.
func TestExportMenu(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/#vue=tableau&date=2022-06-30&statut=ceded,in_use&annee=sans")
	b.do("open the export menu", chromedp.Click(chromedp.CSS(`.exports summary`)))

	href := func(id string) *url.URL {
		t.Helper()
		u, err := url.Parse(eval[string](b, `document.getElementById("`+id+`").href`))
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	fetch := func(u *url.URL) (int, string, string) {
		t.Helper()
		type answer struct {
			Status      int    `json:"status"`
			ContentType string `json:"contentType"`
			Start       string `json:"start"`
		}
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		a, err := chromedp.Run(ctx, chromedp.Evaluate[answer](`fetch(`+jsString(u.String())+`).then(async (r) => ({status: r.status,
			contentType: r.headers.get("Content-Type"), start: (await r.text()).slice(0, 40)}))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("fetch %s: %v", u, err)
		}
		return a.Status, a.ContentType, a.Start
	}

	x := href("export-xlsx")
	if q := x.Query(); x.Path != "/api/export.xlsx" || q.Get("view") != "table" || q.Get("date") != "2022-06-30" ||
		q.Get("statut") != "ceded,in_use" || q.Get("annee") != "sans" {
		t.Errorf("workbook link %s; want the table of 2022-06-30 with statut=ceded,in_use and annee=sans", x)
	}
	if status, ct, _ := fetch(x); status != 200 || !strings.Contains(ct, "spreadsheetml") {
		t.Errorf("the workbook link answers %d %s", status, ct)
	}
	note := eval[string](b, `document.getElementById("export-filters").textContent`)
	for _, want := range []string{"Cédé", "En service", "année de cession : sans date", "tous les sites"} {
		if !strings.Contains(note, want) {
			t.Errorf("the menu's note %q does not name %q", note, want)
		}
	}
	if label := eval[string](b, `document.getElementById("export-csv").textContent`); !strings.Contains(label, "Format national Friches (CNIG)") {
		t.Errorf("the Friches link reads %q", label)
	}
	c := href("export-calendar-csv")
	if c.Path != "/api/calendar.csv" || c.Query().Get("date") != "2022-06-30" {
		t.Errorf("calendar CSV link %s", c)
	}
	if status, ct, start := fetch(c); status != 200 || !strings.HasPrefix(ct, "text/csv") || !strings.HasPrefix(start, "Site;Partie;") {
		t.Errorf("the calendar CSV answers %d %s %q; want the French CSV, ; between fields", status, ct, start)
	}

	// Another view, a search: the link follows when the menu opens again.
	b.do("close the menu", chromedp.Click(chromedp.CSS(`.exports summary`)))
	b.do("the calendar", chromedp.Click(chromedp.ID("tab-calendrier")))
	b.do("search", chromedp.SendKeys(chromedp.ID("search"), "ivry"))
	b.waitFor("the search in the link", `location.hash.includes("q=ivry")`)
	b.do("open the export menu", chromedp.Click(chromedp.CSS(`.exports summary`)))
	b.waitFor("the calendar's workbook", `document.getElementById("export-xlsx").href.includes("view=calendar") &&
		document.getElementById("export-xlsx").href.includes("q=ivry")`)
	if note := eval[string](b, `document.getElementById("export-filters").textContent`); !strings.Contains(note, "recherche : « ivry »") {
		t.Errorf("the menu's note %q does not name the search", note)
	}
	if status, _, _ := fetch(href("export-xlsx")); status != 200 {
		t.Errorf("the calendar's workbook answers %d", status)
	}
	b.checkClean(false)
}
