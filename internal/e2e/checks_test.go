package e2e

import (
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDashboardChecks: the dashboard's "À vérifier" block lists what GET /api/checks
// gives for the "État au" day, entry for entry, and each entry opens its site's panel.
func TestDashboardChecks(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 1440, 900)
	b.open(svc.URL + "/")
	day := eval[string](b, `document.body.dataset.asOf`)
	var api struct {
		Checks []struct {
			KindLabel string `json:"kind_label"`
			SiteID    string `json:"site_id"`
			Detail    string `json:"detail"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(svc.getAPI(t, "/api/checks?date="+day), &api); err != nil {
		t.Fatal(err)
	}
	if len(api.Checks) == 0 {
		t.Fatalf("/api/checks?date=%s lists nothing: the comparison would prove little", day)
	}
	b.do("open the dashboard", chromedp.Click(chromedp.ID("tab-bord")))
	b.waitFor("the checks", `document.getElementById('checks')?.dataset.state === 'ready'`)
	type entry struct {
		Kind   string `json:"kind"`
		Site   string `json:"site"`
		Detail string `json:"detail"`
	}
	got := eval[[]entry](b, `[...document.querySelectorAll('#checks-list li')].map((li) => ({
		kind: li.querySelector('.check-kind').textContent,
		site: li.dataset.site,
		detail: li.querySelector('.check-detail').textContent}))`)
	if len(got) != len(api.Checks) {
		t.Fatalf("the dashboard lists %d checks; /api/checks?date=%s lists %d", len(got), day, len(api.Checks))
	}
	for i, c := range api.Checks {
		if want := (entry{c.KindLabel, c.SiteID, c.Detail}); got[i] != want {
			t.Errorf("check %d on the page = %+v; want %+v", i, got[i], want)
		}
	}
	b.screenshot("dashboard-checks", true)

	site := api.Checks[0].SiteID
	b.click("open the first check's site", `#checks-list li:first-child button`)
	b.waitFor("the panel of "+site, `document.getElementById('panel').dataset.siteId === '`+site+`' && document.getElementById('panel').dataset.loaded === 'true'`)
	b.checkClean(false)
}
