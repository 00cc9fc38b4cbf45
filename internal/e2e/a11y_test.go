package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/emprises/emprises/internal/auth"
)

// axeViolation is what the tests read of an axe-core violation.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axeSource is axe-core, from web/node_modules (a development dependency of
// web/package.json: the page never serves it).
func axeSource(t *testing.T) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "web", "node_modules", "axe-core", "axe.min.js")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core: %v (make web-deps installs it)", err)
	}
	return string(src)
}

// checkAxe runs axe-core on the page as it stands and fails the test for each serious
// or critical violation.
func checkAxe(t *testing.T, b *browser, axe, where string) {
	t.Helper()
	// The page's CSP does not apply to what the DevTools protocol evaluates.
	if !eval[bool](b, `typeof window.axe === 'object'`) {
		b.do("inject axe-core", chromedp.Evaluate[chromedp.Void](axe))
	}
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {resultTypes: ['violations']}).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", where, err)
	}
	for _, v := range violations {
		var nodes []string
		for i, n := range v.Nodes {
			if i == 4 {
				nodes = append(nodes, fmt.Sprintf("… %d in all", len(v.Nodes)))
				break
			}
			nodes = append(nodes, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		t.Errorf("%s: %s (%s): %s\n\t%s", where, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n\t"))
	}
}

// TestAccessibility: axe-core finds no serious or critical violation in any view,
// signed out and signed in, at desktop and phone widths; the map's focus ring shows.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	svc := startService(t, tilesLocal)
	password := svc.addUser(t, "edith", auth.Editor)
	for _, size := range []struct {
		name string
		w, h int
	}{{"desktop", 1366, 768}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			b := newBrowser(t, size.w, size.h)
			b.open(svc.URL + "/")
			views := func(who string) {
				for _, view := range []string{"carte", "calendrier", "bord", "tableau"} {
					b.do("open "+view, chromedp.Click(chromedp.ID("tab-"+view)))
					checkAxe(t, b, axe, size.name+", "+who+", "+view)
				}
			}
			views("signed out")
			b.do("the map", chromedp.Click(chromedp.ID("tab-carte")))
			b.openSite("cpcu-ivry")
			checkAxe(t, b, axe, size.name+", signed out, a site open")
			b.do("an old state", chromedp.Evaluate[chromedp.Void](`document.getElementById('asof-date').value = '31/12/2014'`),
				chromedp.Focus(chromedp.ID("asof-date")), chromedp.KeyEvent(kb.Enter))
			b.waitFor("the state of 2014", `document.body.dataset.asOf === '2014-12-31' && !document.body.hasAttribute('aria-busy')`)
			checkAxe(t, b, axe, size.name+", signed out, 2014")
			b.do("back to today", chromedp.Click(chromedp.ID("asof-today")))
			b.waitForData()

			b.signIn("edith", password)
			views("signed in")
			b.do("the map", chromedp.Click(chromedp.ID("tab-carte")))
			b.openSite("cpcu-ivry")
			checkAxe(t, b, axe, size.name+", signed in, a site open")
			b.click("move a planned date", `button[data-key^="plan:"]`)
			b.waitFor("the plan form", `document.activeElement?.name === 'date'`)
			checkAxe(t, b, axe, size.name+", signed in, a form open")
		})
	}

	t.Run("the map's focus ring", func(t *testing.T) {
		b := newBrowser(t, 1366, 768)
		b.open(svc.URL + "/")
		b.do("focus the map's tab", chromedp.Focus(chromedp.ID("tab-carte")))
		b.do("Tab to the map", chromedp.KeyEvent(kb.Tab))
		b.waitFor("the map focused", `document.activeElement?.id === 'map'`)
		// The ring is drawn inside the map's box and above its panes and controls: the
		// box of the views clips anything outside, the panes cover anything below.
		ring := eval[[]string](b, `(() => { const s = getComputedStyle(document.getElementById('map'), '::after');
			return [s.content, s.borderTopWidth, s.zIndex, s.position]; })()`)
		if ring[0] == "none" || ring[1] == "0px" || ring[3] != "absolute" {
			t.Errorf("the focused map draws no ring inside its box: ::after %v", ring)
		}
		b.screenshot("map-focus", false)
	})
}
