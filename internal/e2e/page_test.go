package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Seeded parts the tests act on.
const (
	clickedPart = "cpcu-ivry-chaufferie" // located, with a timeline and overdue deadlines
	hostileSite = "passerelle-aux-cables"
	hostileName = `<img src=x onerror=alert(1)>`
)

// locatedParts counts the parts with a geometry that exist on the service's today.
const locatedPartsSQL = `
	SELECT count(*) FROM site_parts p
	JOIN part_status_history h ON h.part_id = p.id AND h.valid @> (now() AT TIME ZONE 'Europe/Paris')::date
	WHERE p.geom IS NOT NULL AND ($1 = '' OR h.status = $1)`

// TestMapPage walks through the page as a planner would: the map, a click on a site,
// a filter, the time slider, the calendar, the dashboard and the table, and the phone
// layout, taking a screenshot of each.
func TestMapPage(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")

	located := svc.count(t, locatedPartsSQL, "")
	sites := svc.count(t, `SELECT count(*) FROM sites`)

	t.Run("one shape per located part", func(t *testing.T) {
		shapes := eval[int](b, `document.querySelectorAll('#map path[data-part-id]').length`)
		if shapes != located || shapes == 0 {
			t.Errorf("the map draws %d shapes; want one per located part: %d", shapes, located)
		}
		if got := eval[string](b, `document.getElementById('map').dataset.shapeCount`); got != fmt.Sprint(located) {
			t.Errorf("#map data-shape-count = %q; want %d", got, located)
		}
		legend := eval[int](b, `document.querySelectorAll('#legend .legend-list li').length`)
		if legend < 6 {
			t.Errorf("the legend has %d entries; want the 6 statuses and the approximate outline", legend)
		}
		b.waitFor("base map tiles", `document.getElementById('map').dataset.basemap === 'ok'`)
	})
	b.screenshot("map", false)

	t.Run("a click opens the panel with the timeline", func(t *testing.T) {
		// The legend folds itself where it would hide a shape: it is not in the way.
		b.do("click a site part", chromedp.Click(chromedp.CSS(`#map path[data-part-id="`+clickedPart+`"]`)))
		b.waitFor("the site panel", `document.getElementById('panel').dataset.siteId === 'cpcu-ivry' && document.querySelectorAll('#timeline .event').length > 0`)
		planned := eval[int](b, `document.querySelectorAll('#timeline .event-planned').length`)
		done := eval[int](b, `document.querySelectorAll('#timeline .event-done').length`)
		if planned == 0 || done == 0 {
			t.Errorf("timeline has %d planned and %d past events; want both, told apart", planned, done)
		}
		if !strings.Contains(b.location(), "site=cpcu-ivry") {
			t.Errorf("URL %s does not keep the selected site", b.location())
		}
		text := eval[string](b, `document.getElementById('panel').textContent`)
		for _, want := range []string{"emprise approximative", "Chronologie", "Calendrier de libération et de cession", "en retard", "T4 2021"} {
			if !strings.Contains(text, want) {
				t.Errorf("the panel does not say %q", want)
			}
		}
	})
	b.screenshot("panel", false)
	b.do("close the panel", chromedp.Click(chromedp.CSS(`#panel .panel-close`)))
	b.waitFor("the panel closed", `document.getElementById('panel').hidden && !window.location.hash.includes('site=')`)

	t.Run("a filter changes the number of shapes", func(t *testing.T) {
		b.do("filter on in_use",
			chromedp.Click(chromedp.ID("status-summary")),
			chromedp.Click(chromedp.CSS(`#status-options input[value="in_use"]`)),
			chromedp.Click(chromedp.ID("status-summary")))
		want := svc.count(t, locatedPartsSQL, "in_use")
		b.waitFor("filtered shapes", fmt.Sprintf(`document.querySelectorAll('#map path[data-part-id]').length === %d`, want))
		if want == located {
			t.Fatalf("every located part is in use: the filter test proves nothing")
		}
		if !strings.Contains(b.location(), "statut=in_use") {
			t.Errorf("URL %s does not keep the status filter", b.location())
		}
		b.do("clear the filters", chromedp.Click(chromedp.ID("reset-filters")))
		b.waitFor("all shapes", fmt.Sprintf(`document.querySelectorAll('#map path[data-part-id]').length === %d`, located))
	})

	t.Run("the slider at 2014 changes a site's colour", func(t *testing.T) {
		const fills = `Object.fromEntries([...document.querySelectorAll('#map path[data-part-id]')].map((p) => [p.dataset.partId, p.getAttribute('fill')]))`
		before := eval[map[string]string](b, fills)
		year := eval[int](b, `Number(document.getElementById('asof-year').value)`)
		// The slider is driven with the keyboard, as a keyboard user would.
		b.do("slide to 2014", chromedp.SendKeys(chromedp.ID("asof-year"), strings.Repeat(kb.ArrowLeft, year-2014)))
		b.waitFor("the state at the end of 2014", `document.body.dataset.asOf === '2014-12-31' && !document.body.hasAttribute('aria-busy')`)
		after := eval[map[string]string](b, fills)
		var changed []string
		for id, fill := range after {
			if old, ok := before[id]; ok && old != fill {
				changed = append(changed, id)
			}
		}
		if len(changed) == 0 {
			t.Errorf("no shape changed colour between today and 2014: %v / %v", before, after)
		}
		t.Logf("parts whose colour changed in 2014: %v", changed)
		if !strings.Contains(b.location(), "date=2014-12-31") {
			t.Errorf("URL %s does not keep the date", b.location())
		}
		// The export buttons follow the date, and the API serves what they point at.
		links := eval[[]string](b, `[...document.querySelectorAll('.exports a[download]')].map((a) => a.href)`)
		if len(links) != 6 {
			t.Errorf("%d export links; want GeoJSON WGS84, GeoJSON Lambert-93, the view's workbook, the calendar's CSV, iCalendar and the Friches CSV", len(links))
		}
		for _, link := range links {
			if !strings.Contains(link, "date=2014-12-31") {
				t.Errorf("export link %s does not follow the date shown", link)
			}
			resp, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: status %d; want 200", link, resp.StatusCode)
			}
		}
	})
	b.screenshot("map-2014", false)

	b.do("back to today", chromedp.Click(chromedp.ID("asof-today")))
	b.waitFor("today's state", `document.body.dataset.asOf && !document.body.classList.contains('past-state') && !document.body.hasAttribute('aria-busy')`)

	t.Run("the calendar shows one row per site", func(t *testing.T) {
		b.do("open the calendar", chromedp.Click(chromedp.ID("tab-calendrier")))
		b.waitFor("the calendar", `!document.getElementById('view-calendrier').hidden`)
		rows := eval[int](b, `document.querySelectorAll('#gantt tbody tr').length`)
		if rows != sites {
			t.Errorf("the calendar has %d rows; want one per site: %d", rows, sites)
		}
		if n := eval[int](b, `document.querySelectorAll('#gantt .today-line').length`); n != rows {
			t.Errorf("%d rows show today's line; want %d", n, rows)
		}
		if n := eval[int](b, `document.querySelectorAll('#gantt .window-overdue').length`); n == 0 {
			t.Error("no overdue item is highlighted, though the convention's 2021 and 2022 deadlines have passed")
		}
	})
	b.screenshot("calendar", false)
	b.printPDF("calendar-print")

	t.Run("the dashboard", func(t *testing.T) {
		b.do("open the dashboard", chromedp.Click(chromedp.ID("tab-bord")))
		b.waitFor("the dashboard", `!document.getElementById('view-bord').hidden && document.querySelector('#status-bars')`)
		if n := eval[int](b, `document.querySelectorAll('#status-bars li').length`); n != 6 {
			t.Errorf("hectares by status has %d bars; want 6", n)
		}
		if n := eval[int](b, `document.querySelectorAll('#ceded-chart .chart-bar').length`); n == 0 {
			t.Error("the chart of areas ceded over the years has no bar")
		}
		if n := eval[int](b, `document.querySelectorAll('#overdue-list li').length`); n == 0 {
			t.Error("the dashboard lists no overdue item")
		}
	})
	b.screenshot("dashboard", false)

	t.Run("the table is sortable", func(t *testing.T) {
		b.do("open the table", chromedp.Click(chromedp.ID("tab-tableau")))
		parts := svc.count(t, `SELECT count(*) FROM site_parts`)
		if n := eval[int](b, `document.querySelectorAll('#parts-table tbody tr').length`); n != parts {
			t.Errorf("the table has %d rows; want one per part: %d", n, parts)
		}
		b.do("sort by area", chromedp.Click(chromedp.ID("sort-area")))
		if got := eval[string](b, `document.getElementById('sort-area').closest('th').getAttribute('aria-sort')`); got != "ascending" {
			t.Errorf("after one click, aria-sort = %q; want ascending", got)
		}
		b.do("sort by area, descending", chromedp.Click(chromedp.ID("sort-area")))
		if got := eval[string](b, `document.getElementById('sort-area').closest('th').getAttribute('aria-sort')`); got != "descending" {
			t.Errorf("after two clicks, aria-sort = %q; want descending", got)
		}
		first := eval[string](b, `document.querySelector('#parts-table tbody tr').dataset.partId`)
		if first != svc.biggestPart(t) {
			t.Errorf("sorted by decreasing area, the first row is %s; want %s", first, svc.biggestPart(t))
		}
	})
	b.screenshot("table", false)

	t.Run("phone width puts the panel below the map", func(t *testing.T) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
			chromedp.Click(chromedp.ID("tab-carte")),
			chromedp.Click(chromedp.CSS(`#site-list li[data-site-id="cpcu-ivry"] button`)))
		b.waitFor("the panel below the map", `(() => {
			const map = document.getElementById('map').getBoundingClientRect();
			const panel = document.getElementById('panel').getBoundingClientRect();
			return map.width > 0 && map.width <= 390 && panel.top >= map.bottom - 1;
		})()`)
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the page is %dpx wide at phone width; want no horizontal scrolling", w)
		}
	})
	b.screenshot("phone", true)
	b.do("phone viewport, top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	b.screenshot("phone-top", false)

	b.checkClean(true)
}

// biggestPart is the id of the part with the largest known area.
func (s *service) biggestPart(t *testing.T) string {
	t.Helper()
	var id string
	err := s.Pool.QueryRow(t.Context(), `
		SELECT id FROM site_parts ORDER BY coalesce(area_m2, declared_area_m2) DESC NULLS LAST, id LIMIT 1`).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// location is the page's URL.
func (b *browser) location() string {
	b.t.Helper()
	return eval[string](b, `window.location.href`)
}

// printPDF prints the page as the browser would on paper, and takes a screenshot of the
// page in the print style, to look at.
func (b *browser) printPDF(name string) {
	b.t.Helper()
	buf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		b.t.Fatalf("print to PDF: %v", err)
	}
	writeOutput(b.t, name+".pdf", buf)
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	b.do("print media", media("print"))
	b.screenshot(name, true)
	b.do("screen media", media(""))
}

// TestMapPageShowsDataAsText renames a site to an HTML fragment: the page must show it
// as text in the list, the panel, the table, the calendar and the map's labels, and run
// nothing.
func TestMapPageShowsDataAsText(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	if _, err := svc.Pool.Exec(t.Context(), `UPDATE sites SET name = $1 WHERE id = $2`, hostileName, hostileSite); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")

	sel := `[data-site-id="` + hostileSite + `"]`
	b.do("open the renamed site from the list", chromedp.Click(chromedp.CSS(`#site-list li`+sel+` button`)))
	b.waitFor("its panel", `document.getElementById('panel').dataset.siteId === '`+hostileSite+`'`)
	b.do("focus its shape", chromedp.Focus(chromedp.CSS(`#map path`+sel)))
	b.waitFor("its label on the map", `document.querySelector('.part-tooltip strong')`)

	places := map[string]string{
		"site list": `#site-list li` + sel + ` .site-name`,
		"panel":     `#panel-title`,
		"map label": `.part-tooltip strong`,
		"table":     `#parts-table tr` + sel + ` th button`,
		"calendar":  `#gantt tr` + sel + ` th button`,
	}
	for place, css := range places {
		got := eval[string](b, `document.querySelector('`+css+`')?.textContent ?? '(missing)'`)
		if got != hostileName {
			t.Errorf("%s shows %q; want the name as text: %q", place, got, hostileName)
		}
	}
	b.do("open the table", chromedp.Click(chromedp.ID("tab-tableau")))
	b.do("open the calendar", chromedp.Click(chromedp.ID("tab-calendrier")))
	if n := eval[int](b, `document.querySelectorAll('img:not(.leaflet-tile)').length`); n != 0 {
		t.Errorf("the page holds %d img elements; want none but map tiles", n)
	}
	time.Sleep(300 * time.Millisecond) // an injected onerror would have fired by now
	b.screenshot("escaped-name", false)
	b.checkClean(true)
}

// wantEveryLocatedPart checks that the map draws one shape per located site part.
func wantEveryLocatedPart(t *testing.T, b *browser, svc *service) {
	t.Helper()
	located := svc.count(t, locatedPartsSQL, "")
	if n := eval[int](b, `document.querySelectorAll('#map path[data-part-id]').length`); n != located {
		t.Errorf("the map draws %d shapes; want %d", n, located)
	}
}

// TestMapPageWithoutBaseMap: with no tile URL configured, the page draws the sites on a
// plain background and says so.
func TestMapPageWithoutBaseMap(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	wantEveryLocatedPart(t, b, svc)
	if got := eval[string](b, `document.getElementById('attribution').textContent`); got != "Sans fond de plan" {
		t.Errorf("attribution %q; want it to say there is no base map", got)
	}
	b.checkClean(true)
}

// TestMapPageWithBrokenTiles: when the tiles cannot be fetched the page says so and
// keeps working.
func TestMapPageWithBrokenTiles(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesBroken)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	b.waitFor("the base map given up", `document.getElementById('map').dataset.basemap === 'failed'`)
	wantEveryLocatedPart(t, b, svc)
	if got := eval[string](b, `document.getElementById('attribution').textContent`); !strings.Contains(got, "indisponible") {
		t.Errorf("attribution %q; want it to say the base map is unavailable", got)
	}
	b.checkClean(false) // the failed tiles are logged by the browser itself
}

// TestMapPageURLState: a shared URL opens the same view, filters, date and site.
func TestMapPageURLState(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/#vue=tableau&date=2016-06-30&statut=disposal_in_progress&site=triangle-cours-sud")

	if !eval[bool](b, `!document.getElementById('view-tableau').hidden && document.getElementById('tab-tableau').getAttribute('aria-selected') === 'true'`) {
		t.Error("the URL asks for the table view; it is not shown")
	}
	want := svc.count(t, `SELECT count(*) FROM part_status_history WHERE valid @> date '2016-06-30' AND status = 'disposal_in_progress'`)
	if n := eval[int](b, `document.querySelectorAll('#parts-table tbody tr').length`); n != want || n == 0 {
		t.Errorf("the table shows %d parts; want the %d in disposal on 30/06/2016", n, want)
	}
	b.waitFor("the site's panel as of 2016", `document.getElementById('panel').dataset.siteId === 'triangle-cours-sud'`)
	if got := eval[string](b, `document.getElementById('asof-date').value`); got != "30/06/2016" {
		t.Errorf("the date field shows %q; want 30/06/2016", got)
	}
	if !eval[bool](b, `document.querySelector('#status-options input[value="disposal_in_progress"]').checked`) {
		t.Error("the status filter from the URL is not checked")
	}

	b.do("search", chromedp.SendKeys(chromedp.ID("search"), "triangle"))
	b.waitFor("the search in the URL", `window.location.hash.includes('q=triangle')`)
	b.do("reload", chromedp.Reload())
	b.waitForData()
	if got := eval[string](b, `document.getElementById('search').value`); got != "triangle" {
		t.Errorf("after a reload the search is %q; want triangle", got)
	}
	b.checkClean(true)
}

// TestMapPageKeyboard: the sites can be reached, opened and closed with the keyboard
// alone, and the view tabs follow the arrow keys.
func TestMapPageKeyboard(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	b.do("focus the first site of the list", chromedp.Focus(chromedp.CSS(`#site-list li button`)))
	id := eval[string](b, `document.activeElement.closest('li').dataset.siteId`)
	b.do("open it with Enter", chromedp.KeyEvent(kb.Enter))
	b.waitFor("its panel, focused", `document.getElementById('panel').dataset.siteId === '`+id+`' && document.activeElement.id === 'panel-title'`)
	b.do("close with Escape", chromedp.KeyEvent(kb.Escape))
	b.waitFor("the panel closed and focus back on the list", `document.getElementById('panel').hidden && document.activeElement.closest('li')?.dataset.siteId === '`+id+`'`)

	b.do("focus the map tab", chromedp.Focus(chromedp.ID("tab-carte")))
	b.do("arrow right", chromedp.KeyEvent(kb.ArrowRight))
	b.waitFor("the calendar tab", `document.activeElement.id === 'tab-calendrier' && !document.getElementById('view-calendrier').hidden`)
	b.do("End", chromedp.KeyEvent(kb.End))
	b.waitFor("the last tab, Comités", `document.activeElement.id === 'tab-comites' && !document.getElementById('view-comites').hidden`)
	b.checkClean(true)
}

// TestMapPageSearch: the search finds sites by name (accents and case aside), by address
// and by cadastral parcel, and narrows the map, the list and the other views together.
func TestMapPageSearch(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	if _, err := svc.Pool.Exec(t.Context(), `
		INSERT INTO parcels (id, contenance_m2, part_id, source)
		VALUES ('94041000AZ0056', 91012, 'usine-des-eaux-quartus', 'test')`); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	tests := []struct {
		query string
		want  []string // site ids listed
	}{
		{"CIMETIERE", []string{"cimetiere-parisien-ivry"}},
		{"rue Robert-Witchitz", []string{"tam-robert-witchitz"}},
		{"AZ 56", []string{"usine-des-eaux"}},
		{"94041000AZ0056", []string{"usine-des-eaux"}},
	}
	for _, tt := range tests {
		b.do("search "+tt.query, chromedp.Evaluate[chromedp.Void](`document.getElementById('search').value = ''`),
			chromedp.SendKeys(chromedp.ID("search"), tt.query))
		b.waitFor("the search applied", fmt.Sprintf(`new URLSearchParams(window.location.hash.slice(1)).get('q') === %q && document.querySelectorAll('#site-list li[data-site-id]').length === %d`, tt.query, len(tt.want)))
		got := eval[[]string](b, `[...document.querySelectorAll('#site-list li[data-site-id]')].map((li) => li.dataset.siteId)`)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("search %q lists %v; want %v", tt.query, got, tt.want)
		}
		rows := eval[int](b, `document.querySelectorAll('#gantt tbody tr').length`)
		if rows != len(tt.want) {
			t.Errorf("search %q: the calendar has %d rows; want %d", tt.query, rows, len(tt.want))
		}
	}
	b.do("open the site found by its parcel", chromedp.Click(chromedp.CSS(`#site-list li[data-site-id="usine-des-eaux"] button`)))
	b.waitFor("its parcels in the panel", `document.getElementById('panel').textContent.includes('94041000AZ0056')`)
	// French numbers: a narrow no-break space between thousands.
	if got := eval[string](b, `document.querySelector('#panel .mini-table td.num')?.textContent`); got != "91\u202f012 m²" {
		t.Errorf("the parcel's contenance reads %q; want %q", got, "91\u202f012 m²")
	}
	b.checkClean(true)
}
