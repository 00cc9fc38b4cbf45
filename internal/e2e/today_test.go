package e2e

import (
	"testing"
	"time"

	"github.com/emprises/emprises/internal/httpapi"
)

// TestPageTodayInParis: just after midnight in Paris, when the UTC day (the page's old
// today) is still the day before, the page shows and asks for the service's today.
func TestPageTodayInParis(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC) // 00:30 on 1 March in Paris
	svc := startService(t, tilesNone, func(c *httpapi.Config) { c.Now = func() time.Time { return now } })
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	if got := eval[string](b, `document.body.dataset.asOf`); got != "2026-03-01" {
		t.Errorf("the page loaded its data as of %q; want 2026-03-01, today in Paris", got)
	}
	if got := eval[string](b, `document.getElementById('asof-date').value`); got != "01/03/2026" {
		t.Errorf("the date field shows %q; want 01/03/2026", got)
	}
	if errs := b.errors(false); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
