package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/emprises/emprises/internal/auth"
)

// mapOnSiteJS tells whether the map shows a site closer than the whole commune (zoom
// 15 or more), whole and near the middle.
const mapOnSiteJS = `((site) => {
	const el = document.getElementById('map');
	const map = el.getBoundingClientRect();
	const paths = [...document.querySelectorAll('#map path[data-site-id="' + site + '"]')];
	if (!paths.length || Number(el.dataset.zoom) < 15) return false;
	const r = paths.map((p) => p.getBoundingClientRect()).reduce((a, b) => ({
		left: Math.min(a.left, b.left), right: Math.max(a.right, b.right),
		top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom)}));
	const inside = r.left >= map.left && r.right <= map.right && r.top >= map.top && r.bottom <= map.bottom;
	const middle = Math.abs((r.left + r.right) / 2 - (map.left + map.right) / 2) < map.width / 4 &&
		Math.abs((r.top + r.bottom) / 2 - (map.top + map.bottom) / 2) < map.height / 4;
	return inside && middle;
})`

// legendHidesJS lists the shapes the open legend covers (none when it is folded).
const legendHidesJS = `(() => {
	const legend = document.getElementById('legend');
	if (!legend.open) return [];
	const l = legend.getBoundingClientRect();
	return [...document.querySelectorAll('#map path[data-part-id]')].filter((p) => {
		const r = p.getBoundingClientRect();
		return r.left < l.right && r.right > l.left && r.top < l.bottom && r.bottom > l.top;
	}).map((p) => p.dataset.partId);
})()`

// TestLayoutSignedIn: an editor with a site open, and a form open in its panel, sees a
// page exactly as tall as the window (the old page was about 4 500 px tall, the panel's
// hidden labels escaping its scroll box), with the header in view.
func TestLayoutSignedIn(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	password := svc.addUser(t, "edith", auth.Editor)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	b.signIn("edith", password)
	b.openSite(statusSite)

	height := func(when string) {
		t.Helper()
		got := eval[[]int](b, `[document.scrollingElement.scrollHeight, window.innerHeight, Math.round(document.querySelector('.masthead').getBoundingClientRect().top)]`)
		if got[0] != got[1] {
			t.Errorf("%s: the page is %dpx tall; want the window's height, %dpx", when, got[0], got[1])
		}
		if got[2] != 0 {
			t.Errorf("%s: the header's top is at %dpx; want 0 (in view)", when, got[2])
		}
	}
	height("a site open")
	b.do("scroll the panel to its end", chromedp.Evaluate[chromedp.Void](`document.querySelector('.panel-scroll').scrollTop = 1e6`))
	height("the panel scrolled")
	b.click("edit the site", `button[data-action="site-edit"]`)
	b.waitFor("the site form", `document.activeElement?.name === 'name'`)
	height("a form open")
	b.click("move a planned date", `button[data-key^="plan:"]`)
	b.waitFor("the plan form", `document.activeElement?.name === 'date'`)
	height("a form open at the end of the panel")
	b.screenshot("layout-signed-in", false)
	b.checkClean(true)
}

// TestLayoutMap: the map keeps its height whatever the list's length, selecting a site
// from the list, the table, the calendar or the search brings it into view, and the
// legend hides no site.
func TestLayoutMap(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1366, 768}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, size.w, size.h)
			b.open(svc.URL + "/")
			b.waitFor("the map fitted", `document.getElementById('map').dataset.zoom`)

			if hidden := eval[[]string](b, legendHidesJS); len(hidden) != 0 {
				t.Errorf("the open legend hides %v", hidden)
			}

			b.do("search", chromedp.SendKeys(chromedp.ID("search"), "cimetiere"))
			b.waitFor("one site left", `document.querySelectorAll('#site-list li[data-site-id]').length === 1`)
			ratio := eval[float64](b, `document.getElementById('map').getBoundingClientRect().height / window.innerHeight`)
			if ratio < 0.6 {
				t.Errorf("after a search leaving one site, the map is %.0f%% of the window's height; want at least 60%%", 100*ratio)
			}
			b.waitFor("the map on the site found", mapOnSiteJS+`('cimetiere-parisien-ivry')`)
			if hidden := eval[[]string](b, legendHidesJS); len(hidden) != 0 {
				t.Errorf("on the site found, the open legend hides %v", hidden)
			}
			b.screenshot("layout-search-"+size.name, false)
			b.do("clear the search", chromedp.Click(chromedp.ID("reset-filters")))
			b.waitFor("every site back", `document.querySelectorAll('#site-list li[data-site-id]').length > 1`)

			selections := []struct {
				how, view, css, site string
			}{
				{"list", "carte", `#site-list li[data-site-id="usine-des-eaux"] button`, "usine-des-eaux"},
				{"table", "tableau", `#parts-table tr[data-site-id="cpcu-ivry"] th button`, "cpcu-ivry"},
				{"calendar", "calendrier", `#gantt tr[data-site-id="triangle-cours-sud"] th button`, "triangle-cours-sud"},
			}
			for _, s := range selections {
				b.do("open the "+s.view, chromedp.Click(chromedp.ID("tab-"+s.view)))
				b.click("select "+s.site+" from the "+s.how, s.css)
				b.waitFor("its panel", fmt.Sprintf(`document.getElementById('panel').dataset.siteId === %q`, s.site))
				b.do("back to the map", chromedp.Click(chromedp.ID("tab-carte")))
				b.waitFor("the map on "+s.site+", selected from the "+s.how, mapOnSiteJS+`(`+jsString(s.site)+`)`)
				if hidden := eval[[]string](b, legendHidesJS); len(hidden) != 0 {
					t.Errorf("selected from the %s, the open legend hides %v", s.how, hidden)
				}
			}
			b.screenshot("layout-selected-"+size.name, false)
			b.checkClean(true)
		})
	}
}
