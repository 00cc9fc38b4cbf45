package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// A4 in inches, as Page.printToPDF takes it.
const a4Width, a4Height = 8.27, 11.69

var (
	pdfPage     = regexp.MustCompile(`/Type\s*/Page\b[^s]`)
	pdfMediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]`)
)

// TestPackPrint prints the committee pack's print document to PDF in headless Chromium,
// under the service's content security policy: it must paginate on A4 and carry the map
// drawn by PostGIS, one path per located part.
func TestPackPrint(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	var id int64
	var day time.Time
	if err := svc.Pool.QueryRow(t.Context(), `SELECT id, day FROM meetings WHERE committee_id = 'copil' AND day = '2021-03-17'`).Scan(&id, &day); err != nil {
		t.Fatal(err)
	}
	located := svc.count(t, `SELECT count(*)::int FROM part_states_on($1::date) h JOIN site_parts p ON p.id = h.part_id
		WHERE p.geom IS NOT NULL`, day)
	if located == 0 {
		t.Fatal("no located part on the meeting's day: the map would prove nothing")
	}

	b := newBrowser(t, 1280, 900)
	b.do("open the print document", chromedp.Navigate(fmt.Sprintf("%s/api/meetings/%d/pack.html", svc.URL, id)))
	b.waitFor("the style sheet", `document.readyState === "complete" && document.styleSheets.length === 1 && document.styleSheets[0].cssRules.length > 0`)
	if got := eval[int](b, `document.querySelectorAll("svg.map path.part").length`); got != located {
		t.Errorf("the map has %d part paths; want %d, one per located part", got, located)
	}
	if got := eval[string](b, `document.querySelector("svg.map").getAttribute("viewBox")`); len(regexp.MustCompile(`^-?[0-9.]+ -[0-9.]+ [0-9.]+ [0-9.]+$`).FindString(got)) == 0 {
		t.Errorf("viewBox %q; want Lambert-93 metres with y negated", got)
	}
	// The style sheet applies under the CSP: parts are filled by status, not black.
	if fill := eval[string](b, `getComputedStyle(document.querySelector("svg.map path.status-in-use, svg.map path.part")).fill`); fill == "rgb(0, 0, 0)" {
		t.Errorf("parts are drawn black: pack.css did not apply")
	}
	if n := eval[int](b, `document.querySelectorAll("section.part table.data").length`); n < 4 {
		t.Errorf("%d tables; want parts (a) to (d) and the counts", n)
	}
	b.checkClean(false)

	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	yes := true
	res, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: a4Width, PaperHeight: a4Height,
		PreferCSSPageSize: &yes, PrintBackground: &yes})
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	writeOutput(t, "pack.pdf", res.Data)
	pages := len(pdfPage.FindAll(res.Data, -1))
	if pages < 2 {
		t.Errorf("the PDF has %d pages; want the pack paginated over several", pages)
	}
	m := pdfMediaBox.FindSubmatch(res.Data)
	if m == nil {
		t.Fatal("no MediaBox in the PDF")
	}
	w, _ := strconv.ParseFloat(string(m[1]), 64)
	h, _ := strconv.ParseFloat(string(m[2]), 64)
	if w < 594 || w > 597 || h < 841 || h > 844 {
		t.Errorf("page size %.1f × %.1f pt; want A4, 595 × 842", w, h)
	}
}
