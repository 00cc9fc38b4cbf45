package e2e

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// pxPerMM converts millimetres to CSS pixels (96 per inch).
const pxPerMM = 96 / 25.4

// pageMarginsJS lists the margin boxes of the page rules Chromium took up from the print
// style, as "selector@box: content", the selector empty for the rule of every page.
const pageMarginsJS = `(() => {
	const out = [];
	const walk = (rules, page) => {
		for (const r of rules) {
			if (r instanceof CSSPageRule) walk(r.cssRules, r.selectorText);
			else if (typeof CSSMarginRule !== 'undefined' && r instanceof CSSMarginRule) out.push(page + '@' + r.name + ': ' + r.style.getPropertyValue('content'));
			else if (r instanceof CSSMediaRule && r.media.mediaText.includes('print')) walk(r.cssRules, page);
		}
	};
	for (const sheet of document.styleSheets) walk(sheet.cssRules, '');
	return out;
})()`

// TestPrintViews prints each view to PDF in headless Chromium on A4 and checks, under
// the print style: the header names the view, the "État au" day and the filters; no
// element reaches past the page's printable width (the table's last columns, the
// calendar's labels, the site sheet); the pages are as many as the content needs, no
// empty ones; the site sheet, portrait, opens with its map and facts on its first page and
// holds on two pages even for the CPCU, the longest (it took four); the calendar, the
// table and the dashboard are landscape; every page's footer numbers it "Page n / N".
func TestPrintViews(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	const day = "2022-06-30"
	tests := []struct {
		name, fragment, title string
		filters               string
		portrait              bool
		maxPages              int      // the most pages the view may print on; 0 for as many as it needs
		wait                  string   // a JavaScript condition the view is drawn
		within                []string // elements that must stay within the page's width
	}{
		{"table", "vue=tableau&statut=in_use,ceded", "Tableau des parties de site", "statut : En service, Cédé", false, 0,
			`document.querySelectorAll("#site-table tbody tr").length > 0`,
			[]string{"#print-header", ".data-table th", ".data-table td"}},
		{"calendar", "vue=calendrier", "Calendrier prévisionnel", "aucun", false, 0,
			`document.querySelectorAll("#calendar svg.gantt-svg").length > 0`,
			[]string{"#print-header", ".gantt tr", ".gantt .lane-label"}},
		{"dashboard", "vue=bord&service=DEVE", "Tableau de bord", "service : DEVE", false, 0,
			`document.querySelector("#dashboard").children.length > 0`,
			[]string{"#print-header", "#dashboard *"}},
		{"site sheet", "site=cpcu-ivry", "Fiche du site", "aucun", true, 2,
			`!document.getElementById("panel").hidden && document.querySelectorAll("#panel .panel-section").length > 1`,
			[]string{"#print-header", "#map", "#panel .panel-section", "#panel .panel-head"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The printable area of A4 with the style sheet's margins (10 mm, 14 mm below).
			width, height := (297.0-20)*pxPerMM, (210.0-24)*pxPerMM
			if tc.portrait {
				width, height = (210.0-20)*pxPerMM, (297.0-24)*pxPerMM
			}
			b := newBrowser(t, 1366, 768)
			b.open(svc.URL + "/#date=" + day + "&" + tc.fragment)
			b.waitFor("the view", tc.wait)
			ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
			defer cancel()
			if _, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: int64(width), Height: 768, DeviceScaleFactor: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatal(err)
			}
			b.waitFor("the print style", `getComputedStyle(document.getElementById("print-header")).display === "block"`)
			time.Sleep(300 * time.Millisecond) // the labels refitted, the map resized

			// The page numbers are margin boxes of the print style, drawn by Chromium into the
			// PDF, whose text is compressed: the test checks that Chromium took the rule up for
			// every page (a misspelt box or property is dropped from the CSSOM), named pages
			// (the site sheet's) included.
			numbered := false
			margins := eval[[]string](b, pageMarginsJS)
			for _, m := range margins {
				numbered = numbered || strings.HasPrefix(m, "@bottom-right: ") &&
					strings.Contains(m, `"Page " counter(page) " / " counter(pages)`)
			}
			if !numbered {
				t.Errorf("no footer « Page n / N » on every printed page; the print style's margin boxes: %q", margins)
			}

			header := eval[string](b, `document.getElementById("print-header").innerText`)
			for _, want := range []string{"Emprises — " + tc.title, "État au 30/06/2022", "Filtres : " + tc.filters, "Imprimé le"} {
				if !strings.Contains(header, want) {
					t.Errorf("the print header %q does not say %q", header, want)
				}
			}
			for _, sel := range tc.within {
				out := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll(%s)].filter((e) => {
					const r = e.getBoundingClientRect();
					return r.width > 0 && r.height > 0 && (r.left < -1 || r.right > %f + 1);
				}).map((e) => e.tagName + "." + e.getAttribute("class") + " " + (e.textContent || "").slice(0, 30) + " → " + Math.round(e.getBoundingClientRect().right))`,
					jsString(sel), width))
				if len(out) > 0 {
					t.Errorf("%d elements %s reach past the page's %.0f px: %q", len(out), sel, width, out[:min(len(out), 5)])
				}
			}
			if tc.name == "calendar" {
				// Each label beside its lane: within its row's drawing, not cut.
				cut := eval[int](b, `[...document.querySelectorAll("#calendar svg.gantt-svg")].reduce((n, svg) => {
					const box = svg.getBoundingClientRect();
					return n + [...svg.querySelectorAll(".lane-label")].filter((l) => {
						const r = l.getBoundingClientRect();
						return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1);
					}).length;
				}, 0)`)
				if cut > 0 {
					t.Errorf("%d calendar labels leave their row", cut)
				}
				// And beside their bar on paper: 5 px after its end, or before its start.
				drift := eval[[]string](b, `[...document.querySelectorAll("#calendar svg.gantt-svg")].flatMap((svg) => {
					const box = svg.getBoundingClientRect();
					return [...svg.querySelectorAll("text[data-full]")].filter((l) => l.textContent).map((l) => {
						const r = l.getBoundingClientRect();
						const start = l.getAttribute("text-anchor") === "start";
						const want = box.left + (Number(start ? l.dataset.x1 : l.dataset.x0) / 100) * box.width + (start ? 5 : -5);
						const got = start ? r.left : r.right;
						return Math.abs(got - want) > 4 ? l.textContent + ": " + Math.round(got - want) + " px" : "";
					}).filter(Boolean);
				})`)
				if n := eval[int](b, `[...document.querySelectorAll("#calendar text[data-full]")].filter((l) => l.textContent).length`); n == 0 {
					t.Error("no calendar label to check")
				}
				if len(drift) > 0 {
					t.Errorf("%d calendar labels away from their bar: %q", len(drift), drift[:min(len(drift), 5)])
				}
			}
			content := eval[float64](b, `document.documentElement.scrollHeight`)
			if hs := eval[float64](b, `document.documentElement.scrollWidth`); hs > width+1 {
				t.Errorf("the page is %.0f px wide under the print style; want at most %.0f", hs, width)
			}

			yes := true
			res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: a4Width, PaperHeight: a4Height,
				PreferCSSPageSize: &yes, PrintBackground: &yes})
			if err != nil {
				t.Fatalf("print to PDF: %v", err)
			}
			writeOutput(t, "print-"+strings.ReplaceAll(tc.name, " ", "-")+".pdf", res.Data)
			pages := len(pdfPage.FindAll(res.Data, -1))
			need := int(math.Ceil(content / height))
			// Rows kept whole leave some room at the foot of pages: a page more in three.
			if pages < 1 || pages > need+need/3+1 {
				t.Errorf("%d pages for %.0f px of content (%d pages of %.0f px); want no empty pages", pages, content, need, height)
			}
			if tc.maxPages > 0 && pages > tc.maxPages {
				t.Errorf("%d pages; want at most %d", pages, tc.maxPages)
			}
			if tc.portrait {
				// The map and the site's facts open the sheet, on its first page.
				if bottom := eval[float64](b, `Math.max(document.getElementById("map").getBoundingClientRect().bottom,
					document.querySelector("#panel .panel-section").getBoundingClientRect().bottom)`); bottom > height {
					t.Errorf("the map and the facts end %.0f px down; want them on the first page (%.0f px)", bottom, height)
				}
			}
			m := pdfMediaBox.FindSubmatch(res.Data)
			if m == nil {
				t.Fatal("no MediaBox in the PDF")
			}
			w, _ := strconv.ParseFloat(string(m[1]), 64)
			h, _ := strconv.ParseFloat(string(m[2]), 64)
			if landscape := w > h; landscape == tc.portrait || math.Min(w, h) < 594 || math.Max(w, h) > 843 {
				t.Errorf("page %.0f × %.0f pt; want A4 %s", w, h, map[bool]string{true: "portrait", false: "landscape"}[tc.portrait])
			}
			b.checkClean(false)
		})
	}
}
