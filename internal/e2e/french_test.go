package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/emprises/emprises/internal/auth"
)

// pageTextJS is every text the page shows or reads out: the text of the document
// (views hidden or not, SVG titles included) and the attributes screen readers and
// tooltips use.
const pageTextJS = `(() => {
	const parts = [document.body.textContent];
	for (const el of document.querySelectorAll('[title], [aria-label], [aria-valuetext], [placeholder]')) {
		for (const a of ['title', 'aria-label', 'aria-valuetext', 'placeholder']) {
			if (el.hasAttribute(a)) parts.push(el.getAttribute(a));
		}
	}
	return parts.join('\n');
})()`

// notFrench are English words and French agreements the page must not show: the
// milestones (échéance, libération, cession) and dates are feminine, and "depuis" takes
// "le" before a quarter or a day.
var notFrench = []*regexp.Regexp{
	regexp.MustCompile(`\b(Zoom in|Zoom out|Please|Loading|Close|Cancel|Save|Delete|undefined|NaN)\b`),
	// (Go's \b is ASCII only: "réalisé" then "e" is not the end of a word)
	regexp.MustCompile(`(Cession|Libération|Échéance)[^;\n·]{0,160}?[·,] (réalisé|prévu)([^e]|$)`),
	regexp.MustCompile(`non confirmé([^e]|$)`),
	regexp.MustCompile(`depuis (T[1-4] |\d{2}/\d{2}/)`),
	regexp.MustCompile(`(réalisé|prévu) (T[1-4] )?\d{4}`), // a milestone's dates, in the panel
}

// checkFrench fails the test for each string of notFrench the page shows.
func checkFrench(t *testing.T, b *browser, where string) {
	t.Helper()
	text := eval[string](b, pageTextJS)
	for _, re := range notFrench {
		for _, m := range re.FindAllString(text, 5) {
			t.Errorf("%s: the page says %q", where, m)
		}
	}
}

// TestFrench: every view, signed out and signed in, speaks French with the right
// agreements, including Leaflet's controls and the browser's form validation.
func TestFrench(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	password := svc.addUser(t, "edith", auth.Editor)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")

	titles := eval[[]string](b, `[...document.querySelectorAll('.leaflet-control-zoom a')].map((a) => a.title + '|' + a.getAttribute('aria-label'))`)
	if strings.Join(titles, ",") != "Zoom avant|Zoom avant,Zoom arrière|Zoom arrière" {
		t.Errorf("the zoom buttons are named %v; want Zoom avant, Zoom arrière", titles)
	}

	b.fill("#asof-date", "2015")
	b.do("press Enter", chromedp.KeyEvent(kb.Enter))
	if msg := eval[string](b, `document.getElementById('asof-date').validationMessage`); !strings.Contains(msg, "JJ/MM/AAAA") {
		t.Errorf("a mistyped date's validation message is %q; want it in French, naming JJ/MM/AAAA", msg)
	}

	walk := func(who string) {
		for _, site := range []string{"cpcu-ivry", "triangle-cours-sud", "usine-des-eaux"} {
			b.do("the map", chromedp.Click(chromedp.ID("tab-carte")))
			b.openSite(site)
			for _, view := range []string{"carte", "calendrier", "bord", "tableau"} {
				b.do("open "+view, chromedp.Click(chromedp.ID("tab-"+view)))
				checkFrench(t, b, who+", "+site+", "+view)
			}
		}
	}
	walk("signed out")
	b.signIn("edith", password)
	walk("signed in")
	b.do("the map", chromedp.Click(chromedp.ID("tab-carte")))
	b.openSite("cpcu-ivry")
	b.click("move a planned date", `button[data-key^="plan:"]`)
	checkFrench(t, b, "signed in, a form open")
}
