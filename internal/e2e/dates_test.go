package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/emprises/emprises/internal/httpapi"
)

// contrastJS returns the contrast ratio of an element's text against the background
// it is drawn on (its own and its ancestors' backgrounds, composited).
const contrastJS = `((el) => {
	const rgba = (c) => { const m = c.match(/[\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
	const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
	const layers = [];
	for (let e = el; e; e = e.parentElement) layers.push(rgba(getComputedStyle(e).backgroundColor));
	let bg = [255, 255, 255, 1];
	for (const l of layers.reverse()) bg = over(l, bg);
	const fg = over(rgba(getComputedStyle(el).color), bg);
	const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
	const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
	return (a + 0.05) / (b + 0.05);
})`

// TestDates: the "État au" date stays readable while typed, a date the page cannot show
// is said and nothing changes, a stale complaint goes away once a good date is chosen,
// and a date after today is a projection up to the horizon (ten years ahead), refused
// with its reason beyond it.
func TestDates(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	svc := startService(t, tilesNone, func(c *httpapi.Config) { c.Now = func() time.Time { return now } })
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")

	typeDate := func(text string) {
		t.Helper()
		b.fill("#asof-date", text)
		b.do("press Enter", chromedp.KeyEvent(kb.Enter))
		time.Sleep(300 * time.Millisecond)
		b.waitForData()
	}
	notice := func() string {
		t.Helper()
		return eval[string](b, `document.getElementById('notice').hidden ? '' : document.getElementById('notice').textContent`)
	}
	invalid := func() bool {
		t.Helper()
		return eval[bool](b, `document.getElementById('asof-date').getAttribute('aria-invalid') === 'true'`)
	}

	t.Run("readable while typing", func(t *testing.T) {
		b.do("focus the date", chromedp.Focus(chromedp.ID("asof-date")), chromedp.SendKeys(chromedp.ID("asof-date"), "1"))
		if c := eval[float64](b, contrastJS+`(document.getElementById('asof-date'))`); c < 4.5 {
			t.Errorf("the date being typed has a contrast of %.2f:1; want at least 4.5:1", c)
		}
		b.do("leave the field", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	})

	t.Run("a stale complaint goes away", func(t *testing.T) {
		typeDate("31/02/2020")
		if got := notice(); !strings.Contains(got, "Date non reconnue") || !invalid() {
			t.Fatalf("31/02/2020: notice %q, field invalid %v; want the date refused", got, invalid())
		}
		b.do("slide a year back", chromedp.Focus(chromedp.ID("asof-year")), chromedp.KeyEvent(kb.ArrowLeft))
		b.waitFor("the state at the end of 2025", `document.body.dataset.asOf === '2025-12-31'`)
		if got := notice(); got != "" || invalid() {
			t.Errorf("after a date chosen with the slider: notice %q, field invalid %v; want both cleared", got, invalid())
		}
		typeDate("99/99/2020")
		typeDate("31/12/2025") // the date already shown
		if got := notice(); got != "" || invalid() {
			t.Errorf("after the date shown typed again: notice %q, field invalid %v; want both cleared", got, invalid())
		}
	})

	t.Run("out of range is said, not clamped", func(t *testing.T) {
		for _, tt := range []struct{ typed, want string }{
			{"01/01/2040", "31/12/2036"},
			{"01/01/2037", "horizon"},
			{"01/01/1990", "2006"},
		} {
			typeDate(tt.typed)
			if got := eval[string](b, `document.body.dataset.asOf`); got != "2025-12-31" {
				t.Errorf("%s: the page shows the state as of %s; want it unchanged (2025-12-31)", tt.typed, got)
			}
			if got := notice(); !strings.Contains(got, tt.want) || !invalid() {
				t.Errorf("%s: notice %q, field invalid %v; want it refused, saying %q", tt.typed, got, invalid(), tt.want)
			}
		}
		if got := eval[string](b, `document.getElementById('asof-year').max`); got != "2036" {
			t.Errorf("the slider goes up to %s; want the horizon, 2036", got)
		}
	})

	t.Run("a link to a date after today is a projection", func(t *testing.T) {
		b2 := newBrowser(t, 1366, 768)
		b2.open(svc.URL + "/#date=2030-12-31")
		if got := eval[string](b2, `document.body.dataset.asOf`); got != "2030-12-31" {
			t.Errorf("a link to 31/12/2030 shows the state as of %s; want 2030-12-31, a projection", got)
		}
		if got := eval[string](b2, `(() => { const n = document.getElementById('projection-note'); return n.hidden ? '' : n.textContent; })()`); got != "Projection" {
			t.Errorf("a link to 31/12/2030: the header's badge says %q; want Projection", got)
		}
		b2.checkClean(true)
	})

	t.Run("a link beyond the horizon", func(t *testing.T) {
		b2 := newBrowser(t, 1366, 768)
		b2.open(svc.URL + "/#date=2040-01-01")
		if got := eval[string](b2, `document.body.dataset.asOf`); got != "2026-06-15" {
			t.Errorf("a link to 01/01/2040 shows the state as of %s; want today, 2026-06-15", got)
		}
		if got := eval[string](b2, `document.getElementById('notice').textContent`); !strings.Contains(got, "01/01/2040") || !strings.Contains(got, "horizon") {
			t.Errorf("a link to 01/01/2040 gives the notice %q; want it to say the date is beyond the horizon", got)
		}
		b2.checkClean(true)
	})
	b.checkClean(true)
}
