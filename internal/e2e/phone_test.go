package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// overlapsJS lists the pairs of visible elements matched by a selector whose boxes
// intersect, as "text/text".
const overlapsJS = `((sel) => {
	const boxes = [...document.querySelectorAll(sel)].map((e) => [e.textContent, e.getBoundingClientRect()])
		.filter(([, r]) => r.width > 0 && r.height > 0);
	const out = [];
	for (let i = 0; i < boxes.length; i++) {
		for (let j = i + 1; j < boxes.length; j++) {
			const [a, r] = boxes[i];
			const [b, s] = boxes[j];
			if (r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom) out.push(a + '/' + b);
		}
	}
	return out;
})`

// visibleCountJS counts the elements matched by a selector that have a box.
const visibleCountJS = `((sel) => [...document.querySelectorAll(sel)].filter((e) => {
	const r = e.getBoundingClientRect();
	return r.width > 0 && r.height > 0;
}).length)`

// TestPhoneCalendar: on a phone (390×844) the calendar's year labels do not overlap
// (they did: a label every two years, 19 px apart, each about 26 px wide), and there are
// still enough of them to read the axis; on a desktop every other year is labelled, as
// before.
func TestPhoneCalendar(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 390, 844)
	b.open(svc.URL + "/#vue=calendrier")
	b.waitFor("the calendar", `document.querySelectorAll('#calendar svg.gantt-axis .axis-year').length > 0`)
	years := `#calendar svg.gantt-axis .axis-year`
	check := func(size string, least int) {
		t.Helper()
		if overlaps := eval[[]string](b, overlapsJS+`(`+jsString(years)+`)`); len(overlaps) > 0 {
			t.Errorf("%s: year labels overlap: %q", size, overlaps)
		}
		if n := eval[int](b, visibleCountJS+`(`+jsString(years)+`)`); n < least {
			t.Errorf("%s: %d year labels shown; want at least %d", size, n, least)
		}
	}
	check("390 px", 4)
	b.screenshot("phone-calendar", false)

	b.do("a desktop's width", chromedp.EmulateViewport(1366, 768))
	b.waitFor("the axis refitted", `document.querySelector('#calendar svg.gantt-axis').getBoundingClientRect().width > 900`)
	b.do("let the observer run", chromedp.Sleep(200e6))
	check("1366 px", 12)
	b.checkClean(true)
}

// TestPhoneTabs: on a phone the view tabs are wider than the screen; the selected tab is
// brought whole into view, whether chosen in the bar, by a shared link or by the
// browser's history, and the bar itself scrolls to reach every tab.
func TestPhoneTabs(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 390, 844)
	inView := func(when, view string) {
		t.Helper()
		b.waitFor("the "+view+" view", fmt.Sprintf(`!document.getElementById('view-%s').hidden`, view))
		r := eval[[]float64](b, fmt.Sprintf(`(() => { const r = document.getElementById('tab-%s').getBoundingClientRect();
			return [r.left, r.right, r.top, r.bottom, window.innerWidth, window.innerHeight]; })()`, view))
		if r[0] < 0 || r[1] > r[4] || r[2] < 0 || r[3] > r[5] {
			t.Errorf("%s: the tab %s is at %.0f–%.0f × %.0f–%.0f px; want it inside the %.0f × %.0f window",
				when, view, r[0], r[1], r[2], r[3], r[4], r[5])
		}
	}
	b.open(svc.URL + "/")
	if wide := eval[bool](b, `(() => { const bar = document.querySelector('.views'); return bar.scrollWidth > bar.clientWidth && getComputedStyle(bar).overflowX === 'auto'; })()`); !wide {
		t.Error("the tab bar is not wider than a phone's screen, or does not scroll: the test checks nothing")
	}
	// A tap: the tab is clicked where it is, the page does not scroll it first.
	b.do("select the last tab", chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-comites').click()`))
	inView("selected in the bar", "comites")
	b.do("select the first tab", chromedp.Evaluate[chromedp.Void](`document.getElementById('tab-carte').click()`))
	inView("the first tab again", "carte")
	b.do("back", chromedp.NavigateBack())
	inView("back in the history", "comites")

	b.reload(svc.URL + "/#vue=comites")
	inView("from a shared link", "comites")
	b.screenshot("phone-tabs", false)
	b.checkClean(true)
}

// TestPhoneTable: on a phone the table, nine columns wide, says it scrolls sideways
// (it showed two columns and nothing else); on a desktop, where it fits, it does not.
func TestPhoneTable(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 390, 844)
	b.open(svc.URL + "/#vue=tableau")
	b.waitFor("the table", `document.querySelectorAll('#parts-table tbody tr').length > 0`)
	state := func() (scrolls, hint bool, text string) {
		t.Helper()
		got := eval[[]any](b, `(() => {
			const wrap = document.querySelector('#site-table .table-wrap');
			const hint = document.getElementById('table-hint');
			const r = hint ? hint.getBoundingClientRect() : null;
			return [wrap.scrollWidth > wrap.clientWidth + 1, Boolean(r && r.width > 0 && r.height > 0 && r.top < window.innerHeight),
				hint ? hint.textContent : ''];
		})()`)
		return got[0].(bool), got[1].(bool), got[2].(string)
	}
	scrolls, hint, text := state()
	if !scrolls {
		t.Fatal("at 390 px the table does not scroll sideways: the test checks nothing")
	}
	if !hint {
		t.Errorf("at 390 px the table scrolls sideways without a hint in view (%q)", text)
	}
	if described := eval[string](b, `document.querySelector('#site-table .table-wrap').getAttribute('aria-describedby') || ''`); described != "table-hint" {
		t.Errorf("the table's scroll box is described by %q; want the hint, table-hint", described)
	}
	b.screenshot("phone-table", false)

	b.do("a desktop's width", chromedp.EmulateViewport(1366, 768))
	b.waitFor("the hint gone", `(() => { const h = document.getElementById('table-hint'); return h && h.getBoundingClientRect().height === 0; })()`)
	if scrolls, _, _ := state(); scrolls {
		t.Error("at 1366 px the table still scrolls sideways")
	}
	b.checkClean(true)
}
