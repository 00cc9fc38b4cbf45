package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/store"
)

// Parts the editing tests act on.
const (
	statusPart   = "cpcu-ivry-chaufferie" // located, under study in the seed
	statusSite   = "cpcu-ivry"
	uploadPart   = "estacade-ouvrage" // unlocated in the seed
	uploadSite   = "estacade"
	drawPart     = "ateliers-voirie-proprete-ensemble" // unlocated in the seed
	drawSite     = "ateliers-voirie-proprete"
	releasedFill = "#7fa83a" // vocab.js: the colour of "released"
)

// addUser creates an account with a new password, as `emprises users add` does, and
// returns the password.
func (s *service) addUser(t *testing.T, name string, role auth.Role) string {
	t.Helper()
	password := auth.NewPassword()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.New(s.Pool).CreateUser(t.Context(), store.CommandLine("test"), name, role, hash); err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return password
}

// signIn signs in through the header's button and the sign-in dialog.
func (b *browser) signIn(name, password string) {
	b.t.Helper()
	b.do("open the sign-in dialog", chromedp.Click(chromedp.ID("signin-button")))
	b.waitFor("the sign-in dialog", `document.getElementById('signin-dialog').open && document.activeElement.id === 'signin-name'`)
	b.do("type the account", chromedp.SendKeys(chromedp.ID("signin-name"), name),
		chromedp.SendKeys(chromedp.ID("signin-password"), password),
		chromedp.Click(chromedp.ID("signin-submit")))
	b.waitFor("signed in as "+name, `document.getElementById('account-name')?.textContent === '`+name+`' && !document.getElementById('signin-dialog').open`)
	b.waitForData()
}

// openSite opens a site's panel from the list and waits for it (and its history, when
// signed in) to load.
func (b *browser) openSite(id string) {
	b.t.Helper()
	b.do("forget the panel's state", chromedp.Evaluate[chromedp.Void](`delete document.getElementById('panel').dataset.loaded`))
	b.do("open "+id, chromedp.Click(chromedp.CSS(`#site-list li[data-site-id="`+id+`"] button`)))
	b.waitFor("the panel of "+id, `document.getElementById('panel').dataset.siteId === '`+id+`' && document.getElementById('panel').dataset.loaded === 'true'`)
}

// fill replaces the text of a form control.
func (b *browser) fill(css, text string) {
	b.t.Helper()
	b.do("clear "+css, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(css)+`).value = ''`))
	b.do("type into "+css, chromedp.SendKeys(chromedp.CSS(css), text))
}

// click clicks the element css names, once it is there.
func (b *browser) click(what, css string) {
	b.t.Helper()
	b.waitFor(what, `document.querySelector(`+jsString(css)+`)`)
	b.do(what, chromedp.ScrollIntoView(chromedp.CSS(css)), chromedp.Click(chromedp.CSS(css)))
}

// saved waits until the write's outcome shows in the panel.
func (b *browser) saved(what string) {
	b.t.Helper()
	b.waitFor(what+" saved", `document.querySelector('#panel-alert.panel-alert-ok') && !document.body.hasAttribute('aria-busy')`)
}

func jsString(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

// shapes counts the parts drawn on the map.
func (b *browser) shapes() int {
	b.t.Helper()
	return eval[int](b, `document.querySelectorAll('#map path[data-part-id]').length`)
}

// TestEditing walks an editor through the page's editing tools: a site renamed to an HTML
// fragment that stays text, a status change that recolours the map, a planned date moved
// with its reason, an unlocated part placed from a GeoJSON file and another drawn on the
// map, errors shown next to their field, a concurrent change, and the history naming the
// editor.
func TestEditing(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	password := svc.addUser(t, "edith", auth.Editor)
	b := newBrowser(t, 1440, 900)
	b.open(svc.URL + "/")
	// Leaflet-Geoman loads when the editor first draws: anything it does that the CSP
	// refuses (eval, inline styles) is recorded.
	b.do("watch the CSP", chromedp.Evaluate[chromedp.Void](`window.cspViolations = [];
		document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI))`))

	if n := eval[int](b, `document.querySelectorAll('.edit-action').length`); n != 0 {
		t.Errorf("signed out, the page shows %d edit buttons; want none", n)
	}
	b.do("open the sign-in dialog", chromedp.Click(chromedp.ID("signin-button")))
	b.waitFor("the sign-in dialog", `document.getElementById('signin-dialog').open`)
	b.do("a wrong password", chromedp.SendKeys(chromedp.ID("signin-name"), "edith"),
		chromedp.SendKeys(chromedp.ID("signin-password"), "not-the-password"),
		chromedp.Click(chromedp.ID("signin-submit")))
	b.waitFor("the refusal", `!document.getElementById('signin-error').hidden`)
	if got := eval[string](b, `document.getElementById('signin-error').textContent`); !strings.Contains(got, "incorrect") {
		t.Errorf("a wrong password says %q; want it to say the name or password is wrong", got)
	}
	b.screenshot("edit-signin", false)
	b.do("cancel", chromedp.Click(chromedp.ID("signin-cancel")))
	b.signIn("edith", password)
	if got := eval[string](b, `document.getElementById('account-role').textContent`); got != "édition" {
		t.Errorf("the header shows the role %q; want édition", got)
	}

	t.Run("a site renamed to markup shows as text", func(t *testing.T) {
		b.openSite(hostileSite)
		b.click("edit the site", `button[data-action="site-edit"]`)
		b.waitFor("the site form", `document.activeElement?.name === 'name'`)
		b.screenshot("edit-site-form", false)
		b.fill(`form[data-form="site-edit"] [name="name"]`, hostileName)
		b.fill(`form[data-form="site-edit"] [name="reason"]`, "Test d’échappement")
		b.click("save", `form[data-form="site-edit"] button[type="submit"]`)
		b.saved("the new name")
		sel := `[data-site-id="` + hostileSite + `"]`
		places := map[string]string{
			"site list": `#site-list li` + sel + ` .site-name`,
			"panel":     `#panel-title`,
			"table":     `#parts-table tr` + sel + ` th button`,
			"calendar":  `#gantt tr` + sel + ` th button`,
		}
		for place, css := range places {
			got := eval[string](b, `document.querySelector('`+css+`')?.textContent ?? '(missing)'`)
			if got != hostileName {
				t.Errorf("%s shows %q; want the name as text: %q", place, got, hostileName)
			}
		}
		if n := eval[int](b, `document.querySelectorAll('img:not(.leaflet-tile)').length`); n != 0 {
			t.Errorf("the page holds %d img elements; want none but map tiles", n)
		}
		var name string
		if err := svc.Pool.QueryRow(t.Context(), `SELECT name FROM sites WHERE id = $1`, hostileSite).Scan(&name); err != nil || name != hostileName {
			t.Errorf("the database has the name %q (%v); want %q", name, err, hostileName)
		}
		time.Sleep(300 * time.Millisecond) // an injected onerror would have fired by now
		if d := b.dialogsOpened(); len(d) != 0 {
			t.Errorf("the page opened dialogs: %v", d)
		}
	})

	t.Run("errors show next to their field", func(t *testing.T) {
		b.openSite(statusSite)
		b.click("change the status", `button[data-key="status:`+statusPart+`"]`)
		b.waitFor("the status form", `document.querySelector('form[data-form="status"]')`)
		// Service check (problem+json naming "reason"): the reason is required.
		b.do("choose released", chromedp.SetValue(chromedp.CSS(`form[data-form="status"] [name="status"]`), "released"))
		b.click("save without a reason", `form[data-form="status"] button[type="submit"]`)
		b.waitFor("the reason flagged", `document.querySelector('form[data-form="status"] [name="reason"]').getAttribute('aria-invalid') === 'true'`)
		// Service check (problem+json naming "date"): a date before the current status.
		b.fill(`form[data-form="status"] [name="date"]`, "2010")
		b.fill(`form[data-form="status"] [name="reason"]`, "Essai d’une date trop ancienne")
		b.click("save with an old date", `form[data-form="status"] button[type="submit"]`)
		b.waitFor("the date flagged", `document.querySelector('form[data-form="status"] [name="date"]').getAttribute('aria-invalid') === 'true'
			&& document.activeElement?.name === 'date'`)
		msg := eval[string](b, `(() => { const d = document.querySelector('form[data-form="status"] [name="date"]'); return document.getElementById(d.id + '-error').textContent; })()`)
		if !strings.Contains(msg, "statut actuel") {
			t.Errorf("the date's error reads %q; want it to say the date must follow the current status", msg)
		}
		b.screenshot("edit-field-error", false)
		b.do("Escape closes the form", chromedp.KeyEvent("\u001b"))
		b.waitFor("the form closed, focus back on its button", `!document.querySelector('form[data-form="status"]')
			&& document.activeElement?.dataset.key === 'status:`+statusPart+`' && !document.getElementById('panel').hidden`)
	})

	t.Run("a status change recolours the map", func(t *testing.T) {
		path := `#map path[data-part-id="` + statusPart + `"]`
		before := eval[string](b, `document.querySelector('`+path+`').getAttribute('fill')`)
		b.click("change the status", `button[data-key="status:`+statusPart+`"]`)
		options := eval[[]string](b, `[...document.querySelectorAll('form[data-form="status"] [name="status"] option')].map((o) => o.value).filter(Boolean)`)
		if strings.Join(options, ",") != "in_use,release_planned,released,disposal_in_progress" {
			t.Errorf("from under study the form offers %v; want the allowed moves only", options)
		}
		b.do("choose released", chromedp.SetValue(chromedp.CSS(`form[data-form="status"] [name="status"]`), "released"))
		b.fill(`form[data-form="status"] [name="reason"]`, "Libération constatée en comité technique")
		b.screenshot("edit-status-form", false)
		b.click("save", `form[data-form="status"] button[type="submit"]`)
		b.saved("the status")
		b.waitFor("the new colour", `document.querySelector('`+path+`').dataset.status === 'released'`)
		after := eval[string](b, `document.querySelector('`+path+`').getAttribute('fill')`)
		if after == before || after != releasedFill {
			t.Errorf("the shape's fill went from %s to %s; want %s (released)", before, after, releasedFill)
		}
		if got := eval[string](b, `document.querySelector('#panel .chip')?.textContent`); !strings.Contains(got, "Libéré") {
			t.Errorf("the panel's status reads %q; want Libéré", got)
		}
	})

	t.Run("a planned date moved with its reason", func(t *testing.T) {
		var id int64
		var label string
		if err := svc.Pool.QueryRow(t.Context(), `
			SELECT id, label FROM milestones WHERE site_id = $1 ORDER BY id LIMIT 1`, statusSite).Scan(&id, &label); err != nil {
			t.Fatal(err)
		}
		const reason = "Report décidé en comité de pilotage"
		b.click("move the date", fmt.Sprintf(`button[data-key="plan:%d"]`, id))
		b.fill(`form[data-form="plan"] [name="date"]`, "T2 2027")
		b.fill(`form[data-form="plan"] [name="reason"]`, reason)
		b.screenshot("edit-plan-form", false)
		b.click("save", `form[data-form="plan"] button[type="submit"]`)
		b.saved("the new date")
		text := eval[string](b, `document.getElementById('panel-milestones').textContent`)
		for _, want := range []string{reason, "T2 2027", "report"} {
			if !strings.Contains(text, want) {
				t.Errorf("the panel's calendar does not say %q: %s", want, text)
			}
		}

		// An earlier date is an advance, not a postponement: the form says so, and saves it
		// on a second click; the history then names each move.
		b.click("move the date earlier", fmt.Sprintf(`button[data-key="plan:%d"]`, id))
		b.fill(`form[data-form="plan"] [name="date"]`, "T1 2027")
		b.fill(`form[data-form="plan"] [name="reason"]`, "Travaux plus rapides que prévu")
		b.click("save", `form[data-form="plan"] button[type="submit"]`)
		b.waitFor("the advance warned about", `document.querySelector('form[data-form="plan"] [name="date"][aria-invalid="true"]')`)
		if got := eval[string](b, `document.querySelector('form[data-form="plan"]').textContent`); !strings.Contains(got, "c’est une avancée, pas un report") {
			t.Errorf("moving T2 2027 to T1 2027: the form says %q; want it to warn of an advance", got)
		}
		b.click("save again", `form[data-form="plan"] button[type="submit"]`)
		b.waitFor("the advance saved", `!document.querySelector('form[data-form="plan"]') && document.getElementById('panel-milestones').textContent.includes('1 avancée')`)
		if got := eval[string](b, `document.getElementById('panel-milestones').textContent`); !strings.Contains(got, "1 report, 1 avancée de la date prévue") {
			t.Errorf("after an advance, the panel's calendar says %q; want 1 report, 1 avancée", got)
		}
		b.do("open the calendar", chromedp.Click(chromedp.ID("tab-calendrier")))
		slips := eval[int](b, `document.querySelectorAll('#gantt tr[data-site-id="`+statusSite+`"] .mark path.slip').length`)
		if slips == 0 {
			t.Error("the calendar row shows no slipped date")
		}
		b.screenshot("edit-calendar-after", false)
		b.do("back to the map", chromedp.Click(chromedp.ID("tab-carte")))
	})

	t.Run("an unlocated part placed from a GeoJSON file", func(t *testing.T) {
		before := b.shapes()
		file := filepath.Join(t.TempDir(), "estacade.geojson")
		// A square near the middle of Ivry, in WGS84 as GeoJSON files usually are.
		square := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon",
			"coordinates":[[[2.3860,48.8120],[2.3868,48.8120],[2.3868,48.8125],[2.3860,48.8125],[2.3860,48.8120]]]}}]}`
		if err := os.WriteFile(file, []byte(square), 0o644); err != nil {
			t.Fatal(err)
		}
		b.openSite(uploadSite)
		b.click("place it", `button[data-key="geometry:`+uploadPart+`"]`)
		b.click("choose the file", `form[data-form="geometry"] input[type="radio"][value="file"]`)
		b.do("upload", chromedp.SetUploadFiles(chromedp.CSS(`form[data-form="geometry"] input[type="file"]`), []string{file}))
		b.waitFor("the file read", `document.querySelector('form[data-form="geometry"] .geom-status').textContent.includes('1 polygone')`)
		if got := eval[string](b, `document.querySelector('form[data-form="geometry"] [name="crs"]').value`); got != "CRS84" {
			t.Errorf("the CRS guessed from a WGS84 file is %s; want CRS84 (longitude first)", got)
		}
		b.fill(`form[data-form="geometry"] [name="source"]`, "Plan de récolement, test")
		b.screenshot("edit-geometry-upload", false)
		b.click("save", `form[data-form="geometry"] button[type="submit"]`)
		b.saved("the outline")
		b.waitFor("one more shape", fmt.Sprintf(`document.querySelectorAll('#map path[data-part-id]').length === %d`, before+1))
		if n := eval[int](b, `document.querySelectorAll('#map path[data-part-id="`+uploadPart+`"]').length`); n != 1 {
			t.Errorf("the placed part has %d shapes; want 1", n)
		}
	})

	t.Run("an unlocated part drawn on the map", func(t *testing.T) {
		before := b.shapes()
		b.openSite(drawSite)
		b.click("place it", `button[data-key="geometry:`+drawPart+`"]`)
		b.click("draw", `form[data-form="geometry"] button[data-draw="polygon"]`)
		b.waitFor("drawing mode", `!document.getElementById('draw-banner').hidden && document.querySelector('#map.is-drawing[data-draw-mode="polygon"]')`)
		box := eval[[]float64](b, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
		cx, cy := box[0]+box[2]*0.45, box[1]+box[3]*0.6
		points := [][2]float64{{cx, cy}, {cx + 60, cy}, {cx + 60, cy + 45}, {cx, cy + 45}, {cx, cy}}
		for _, p := range points {
			// A hand moves to the point before it clicks; Geoman places the vertex where the
			// pointer last moved.
			b.do("place a vertex", chromedp.MouseEvent(chromedp.MouseMoved, p[0]-3, p[1]-2), chromedp.MouseEvent(chromedp.MouseMoved, p[0], p[1]),
				chromedp.MouseClickXY(p[0], p[1]), chromedp.Sleep(150*time.Millisecond))
		}
		b.waitFor("the polygon drawn", `document.querySelector('form[data-form="geometry"] .geom-status').textContent.startsWith('Dessin : 1 polygone')`)
		b.screenshot("edit-geometry-draw", false)
		b.fill(`form[data-form="geometry"] [name="source"]`, "Dessin sur le fond de plan, test")
		b.click("save", `form[data-form="geometry"] button[type="submit"]`)
		b.saved("the drawn outline")
		b.waitFor("one more shape", fmt.Sprintf(`document.querySelectorAll('#map path[data-part-id]').length === %d`, before+1))
		if !eval[bool](b, `document.getElementById('draw-banner').hidden && !document.querySelector('#map.is-drawing, #map[data-draw-mode]')`) {
			t.Error("the map is still in drawing mode after the save")
		}
		if v := eval[[]string](b, `window.cspViolations`); len(v) != 0 {
			t.Errorf("drawing broke the Content-Security-Policy: %v", v)
		}
		if !eval[bool](b, `Boolean(window.L?.PM) && document.querySelector('link[href="/vendor/leaflet-geoman/leaflet-geoman.css"]') !== null`) {
			t.Error("Leaflet-Geoman and its stylesheet are not loaded from /vendor/leaflet-geoman/")
		}
	})

	t.Run("a concurrent change is detected", func(t *testing.T) {
		b.openSite(statusSite)
		b.click("edit the site", `button[data-action="site-edit"]`)
		// Someone else changes the site meanwhile.
		if _, err := svc.Pool.Exec(t.Context(), `UPDATE sites SET version = version + 1 WHERE id = $1`, statusSite); err != nil {
			t.Fatal(err)
		}
		b.fill(`form[data-form="site-edit"] [name="occupant"]`, "Occupant changé trop tard")
		b.click("save", `form[data-form="site-edit"] button[type="submit"]`)
		b.waitFor("the warning", `document.querySelector('#panel-alert.panel-alert-warning')?.textContent.includes('modifié par quelqu’un d’autre')`)
		var occupant string
		if err := svc.Pool.QueryRow(t.Context(), `SELECT occupant FROM sites WHERE id = $1`, statusSite).Scan(&occupant); err != nil {
			t.Fatal(err)
		}
		if occupant == "Occupant changé trop tard" {
			t.Error("a write with a stale ETag changed the site")
		}
		b.screenshot("edit-stale", false)
	})

	t.Run("a session renewed in another tab", func(t *testing.T) {
		b.openSite(statusSite)
		b.click("edit the site", `button[data-action="site-edit"]`)
		// Another tab signs in again: the browser's cookie now names a new session, whose
		// CSRF token this page has not seen.
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		defer cancel()
		status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/session', {method: 'POST',
			headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name: 'edith', password: `+jsString(password)+`})}).then((r) => r.status)`,
			chromedp.EvalAwaitPromise))
		if err != nil || status != http.StatusOK {
			t.Fatalf("sign-in from another tab: %d, %v", status, err)
		}
		b.fill(`form[data-form="site-edit"] [name="occupant"]`, "CPCU (groupement Dalkia)")
		b.click("save", `form[data-form="site-edit"] button[type="submit"]`)
		b.waitFor("the refusal", `document.querySelector('form[data-form="site-edit"] .form-error:not([hidden])')?.textContent.includes('session a changé')`)
		b.click("save again", `form[data-form="site-edit"] button[type="submit"]`)
		b.saved("the change")
		var occupant string
		if err := svc.Pool.QueryRow(t.Context(), `SELECT occupant FROM sites WHERE id = $1`, statusSite).Scan(&occupant); err != nil || occupant != "CPCU (groupement Dalkia)" {
			t.Errorf("the occupant is %q (%v); want the one saved after the session changed", occupant, err)
		}
	})

	t.Run("the history names the editor", func(t *testing.T) {
		b.openSite(statusSite)
		b.waitFor("the history", `document.querySelectorAll('#history-list .change').length >= 2`)
		users := eval[[]string](b, `[...document.querySelectorAll('#history-list .change-user')].map((e) => e.textContent)`)
		// The oldest record is the site's creation by the seed, at the command line.
		if len(users) == 0 || !strings.HasPrefix(users[len(users)-1], "cli:") {
			t.Errorf("the history names %q; want the seed's command-line actor last", users)
		}
		for _, u := range users[:max(0, len(users)-1)] {
			if u != "edith" {
				t.Errorf("the history names %q; want edith for every change made on the page", u)
			}
		}
		text := eval[string](b, `document.getElementById('history-list').textContent`)
		for _, want := range []string{"Changement de statut", "Devenir à l'étude", "Libéré", "Date prévue modifiée", "T2 2027", "Libération constatée en comité technique"} {
			if !strings.Contains(text, want) {
				t.Errorf("the history does not say %q: %s", want, text)
			}
		}
		b.do("show the history", chromedp.ScrollIntoView(chromedp.ID("history-section")))
		b.screenshot("edit-history", false)
	})

	b.checkClean(false) // the refused writes are logged by the browser itself
}

// TestEditingViewer: a viewer sees the history but no editing tool.
func TestEditingViewer(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	password := svc.addUser(t, "victor", auth.Viewer)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	b.signIn("victor", password)
	b.openSite(statusSite)
	if n := eval[int](b, `document.querySelectorAll('.edit-action, .edit-form').length`); n != 0 {
		t.Errorf("a viewer sees %d editing controls; want none", n)
	}
	if !eval[bool](b, `Boolean(document.getElementById('history-section'))`) {
		t.Error("a viewer does not see the history section")
	}
	b.screenshot("edit-viewer", false)
	b.checkClean(true)
}

// TestEditingSignedOut: nobody signed in sees no editing tool, and a write sent anyway is
// refused with 401 and changes nothing.
func TestEditingSignedOut(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	b.openSite(statusSite)
	if n := eval[int](b, `document.querySelectorAll('.edit-action, .edit-form, #history-section').length`); n != 0 {
		t.Errorf("signed out, the page shows %d editing controls; want none", n)
	}
	if !eval[bool](b, `Boolean(document.getElementById('signin-button'))`) {
		t.Error("signed out, the header has no sign-in button")
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/sites/`+statusSite+`', {method: 'PATCH',
		headers: {'Content-Type': 'application/json', 'If-Match': document.getElementById('panel').dataset.etag},
		body: JSON.stringify({name: 'Piraté'})}).then((r) => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusUnauthorized {
		t.Errorf("a signed-out PATCH from the page got %d; want 401", status)
	}
	req, err := http.NewRequest(http.MethodPost, svc.URL+"/api/parts/"+statusPart+"/status",
		strings.NewReader(`{"status":"released","date":"2024","reason":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", `"v1"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an anonymous POST status got %d; want 401", resp.StatusCode)
	}
	if n := svc.count(t, `SELECT count(*) FROM sites WHERE name = 'Piraté'`); n != 0 {
		t.Error("an anonymous write renamed a site")
	}
	// The setup's records (the seed, the accounts) are the command line's; none is the API's.
	if n := svc.count(t, `SELECT count(*) FROM audit_log WHERE actor IS NULL`); n != 0 {
		t.Errorf("anonymous writes left %d audit records; want none", n)
	}
	b.checkClean(false) // the refused write is logged by the browser itself
}

// TestEditingTimelineAndParts: an admin adds, changes and cancels a timeline event, sets
// a milestone's actual date, splits a part with a Lambert-93 file, links a cadastral
// parcel, then deletes the site and restores it.
func TestEditingTimelineAndParts(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone)
	password := svc.addUser(t, "adam", auth.Admin)
	if _, err := svc.Pool.Exec(t.Context(), `
		INSERT INTO parcels (id, contenance_m2, source) VALUES ('94041000AZ0057', 1234, 'test')`); err != nil {
		t.Fatal(err)
	}
	const (
		site = "usine-des-eaux"
		part = "usine-des-eaux-quartus"
	)
	b := newBrowser(t, 1440, 900)
	b.open(svc.URL + "/")
	b.signIn("adam", password)
	b.openSite(site)

	t.Run("an event added, changed and cancelled", func(t *testing.T) {
		b.click("add an event", `button[data-action="event-add"]`)
		form := `form[data-form="event-add"]`
		b.do("kind", chromedp.SetValue(chromedp.CSS(form+` [name="kind"]`), "committee_review"))
		b.fill(form+` [name="date"]`, "T3 2027")
		b.do("planned", chromedp.Click(chromedp.CSS(form+` [name="planned"]`)))
		b.fill(form+` [name="title"]`, "Revue du calendrier en comité technique")
		b.fill(form+` [name="area_m2"]`, "1 250,5")
		b.screenshot("edit-event-form", false)
		b.click("save", form+` button[type="submit"]`)
		b.saved("the event")
		var id int64
		var area float64
		if err := svc.Pool.QueryRow(t.Context(), `
			SELECT id, area_m2 FROM events WHERE title = 'Revue du calendrier en comité technique' AND planned`).Scan(&id, &area); err != nil {
			t.Fatalf("the event is not in the database: %v", err)
		}
		if area != 1250.5 {
			t.Errorf("the event's area is %v; want 1250.5 (typed the French way)", area)
		}
		if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll('#timeline .event-planned [data-key="event-edit:%d"]').length`, id)); n != 1 {
			t.Errorf("the timeline shows the new planned event %d times; want once", n)
		}
		b.click("edit it", fmt.Sprintf(`button[data-key="event-edit:%d"]`, id))
		b.fill(`form[data-form="event-edit"] [name="title"]`, "Revue du calendrier en comité de pilotage")
		b.click("save", `form[data-form="event-edit"] button[type="submit"]`)
		b.saved("the change")
		b.click("cancel it", fmt.Sprintf(`button[data-key="event-cancel:%d"]`, id))
		b.fill(`form[data-form="event-cancel"] [name="reason"]`, "Comité reporté sine die")
		b.screenshot("edit-event-cancel", false)
		b.click("confirm", `form[data-form="event-cancel"] button[type="submit"]`)
		b.saved("the cancellation")
		if !eval[bool](b, `[...document.querySelectorAll('#timeline .event-cancelled .event-title')].some((e) => e.textContent === 'Revue du calendrier en comité de pilotage')`) {
			t.Error("the cancelled event is not struck out in the timeline")
		}
	})

	t.Run("an event deleted by mistake and brought back", func(t *testing.T) {
		var id int64
		var title string
		if err := svc.Pool.QueryRow(t.Context(), `
			SELECT id, title FROM events WHERE site_id = $1 AND NOT cancelled ORDER BY id LIMIT 1`, site).Scan(&id, &title); err != nil {
			t.Fatal(err)
		}
		b.click("remove it", fmt.Sprintf(`button[data-key="event-cancel:%d"]`, id))
		b.click("as a mistake", `form[data-form="event-cancel"] input[value="delete"]`)
		b.fill(`form[data-form="event-cancel"] [name="reason"]`, "Saisi deux fois")
		b.click("confirm", `form[data-form="event-cancel"] button[type="submit"]`)
		b.saved("the deletion")
		if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll('[data-key="event-edit:%d"]').length`, id)); n != 0 {
			t.Error("the deleted event is still in the timeline")
		}
		b.click("bring it back", fmt.Sprintf(`#history-list button[data-key="event-restore:%d"]`, id))
		b.click("confirm", `form[data-form="event-restore"] button[type="submit"]`)
		b.saved("the event back")
		b.waitFor("the event in the timeline", fmt.Sprintf(`document.querySelector('[data-key="event-edit:%d"]')`, id))
		if n := eval[int](b, `document.querySelectorAll('#history-list [data-action="event-restore"]').length`); n != 0 {
			t.Errorf("the history still offers to restore %d events", n)
		}
	})

	t.Run("an outline redrawn from the current one, then abandoned", func(t *testing.T) {
		b.click("replace the outline", `button[data-key="geometry:`+part+`"]`)
		b.click("start from the current outline", `form[data-form="geometry"] button[data-draw="current"]`)
		b.waitFor("the outline editable", `document.querySelector('form[data-form="geometry"] .geom-status').textContent.startsWith('Dessin : 1 polygone')
			&& document.querySelectorAll('#map .marker-icon').length >= 4`)
		b.screenshot("edit-geometry-current", false)
		b.do("Escape", chromedp.KeyEvent("\u001b"))
		b.waitFor("the form closed and the drawing gone", `!document.querySelector('form[data-form="geometry"]')
			&& !document.querySelector('#map.is-drawing') && document.querySelectorAll('#map .marker-icon').length === 0`)
		if n := svc.count(t, `SELECT count(*) FROM audit_log WHERE action = 'part.geometry'`); n != 0 {
			t.Errorf("an abandoned drawing wrote %d outlines", n)
		}
	})

	t.Run("a past state is read only", func(t *testing.T) {
		b.do("show 2015", chromedp.Evaluate[chromedp.Void](`document.getElementById('asof-date').value = ''`),
			chromedp.SendKeys(chromedp.ID("asof-date"), "31/12/2015\r"))
		b.waitFor("the panel as of 2015", `document.body.dataset.asOf === '2015-12-31' && document.getElementById('panel-past')
			&& document.getElementById('panel').dataset.loaded === 'true'`)
		if n := eval[int](b, `document.querySelectorAll('#panel .edit-action').length`); n != 0 {
			t.Errorf("a past state shows %d edit buttons; want none", n)
		}
		b.click("back to today", `#panel-past button`)
		b.waitFor("today's panel with its tools", `!document.body.classList.contains('past-state') && document.querySelector('#panel .edit-action')`)
	})

	t.Run("a milestone's actual date", func(t *testing.T) {
		var id int64
		if err := svc.Pool.QueryRow(t.Context(), `SELECT id FROM milestones WHERE site_id = $1 ORDER BY id LIMIT 1`, site).Scan(&id); err != nil {
			t.Fatal(err)
		}
		b.click("set the actual date", fmt.Sprintf(`button[data-key="actual:%d"]`, id))
		b.fill(`form[data-form="actual"] [name="date"]`, "03/2026")
		b.click("save", `form[data-form="actual"] button[type="submit"]`)
		b.saved("the actual date")
		if text := eval[string](b, `document.getElementById('panel-milestones').textContent`); !strings.Contains(text, "réalisée en mars 2026") {
			t.Errorf("the calendar does not show the actual date: %s", text)
		}
	})

	t.Run("a part split with a Lambert-93 file", func(t *testing.T) {
		var piece string
		// A 30 m square inside the part, in the part's own Lambert-93.
		if err := svc.Pool.QueryRow(t.Context(), `
			SELECT ST_AsGeoJSON(ST_Expand(ST_PointOnSurface(geom), 15), 2) FROM site_parts WHERE id = $1`, part).Scan(&piece); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "piece-l93.json")
		if err := os.WriteFile(file, []byte(`{"type":"Feature","properties":{},"geometry":`+piece+`}`), 0o644); err != nil {
			t.Fatal(err)
		}
		before := b.shapes()
		b.click("split", `button[data-key="split:`+part+`"]`)
		form := `form[data-form="split"]`
		b.fill(form+` [name="label"]`, "Lot cédé en 2026")
		b.click("choose a file", form+` input[type="radio"][value="file"]`)
		b.do("upload", chromedp.SetUploadFiles(chromedp.CSS(form+` input[type="file"]`), []string{file}))
		b.waitFor("the file read", `document.querySelector('`+form+` .geom-status').textContent.includes('Lambert-93')`)
		if got := eval[string](b, `document.querySelector('`+form+` [name="crs"]').value`); got != "EPSG:2154" {
			t.Errorf("the CRS guessed from a Lambert-93 file is %s; want EPSG:2154", got)
		}
		b.screenshot("edit-split-form", false)
		b.click("save", form+` button[type="submit"]`)
		b.saved("the split")
		b.waitFor("one more shape", fmt.Sprintf(`document.querySelectorAll('#map path[data-part-id]').length === %d`, before+1))
		if n := svc.count(t, `SELECT count(*) FROM site_parts WHERE site_id = $1 AND label = 'Lot cédé en 2026'`, site); n != 1 {
			t.Errorf("%d new parts labelled as typed; want 1", n)
		}
	})

	t.Run("a parcel linked", func(t *testing.T) {
		b.click("link parcels", `button[data-key="parcels:`+part+`"]`)
		form := `form[data-form="parcels"]`
		b.fill(form+` [name="ids"]`, "AZ 57, pas une parcelle")
		b.click("save", form+` button[type="submit"]`)
		b.waitFor("the bad reference flagged", `document.querySelector('`+form+` [name="ids"]').getAttribute('aria-invalid') === 'true'`)
		b.fill(form+` [name="ids"]`, "AZ 57")
		b.click("save", form+` button[type="submit"]`)
		b.saved("the parcel")
		if !eval[bool](b, `document.getElementById('panel').textContent.includes('94041000AZ0057')`) {
			t.Error("the linked parcel is not in the panel")
		}
	})

	t.Run("a site deleted and restored", func(t *testing.T) {
		b.click("delete", `button[data-action="site-delete"]`)
		b.fill(`form[data-form="site-delete"] [name="reason"]`, "Doublon")
		b.screenshot("edit-delete-form", false)
		b.click("confirm", `form[data-form="site-delete"] button[type="submit"]`)
		b.saved("the deletion")
		b.waitFor("the deleted panel", `document.getElementById('panel-deleted') && !document.querySelector('#site-list li[data-site-id="`+site+`"]')`)
		if text := eval[string](b, `document.getElementById('panel-deleted').textContent`); !strings.Contains(text, "adam") || !strings.Contains(text, "Doublon") {
			t.Errorf("the deleted site's panel says %q; want who deleted it and why", text)
		}
		b.screenshot("edit-deleted", false)
		b.click("restore", `button[data-action="site-restore"]`)
		b.click("confirm", `form[data-form="site-restore"] button[type="submit"]`)
		b.saved("the restoration")
		b.waitFor("the site back in the list", `document.querySelector('#site-list li[data-site-id="`+site+`"]') && !document.getElementById('panel-deleted')`)
		actions := eval[[]string](b, `[...document.querySelectorAll('#history-list .change')].map((e) => e.dataset.action)`)
		want := []string{"site.restore", "site.delete", "part.parcels", "part.split", "milestone.actual", "event.restore", "event.delete",
			"event.cancel", "event.update", "event.create", "site.create"}
		if strings.Join(actions, ",") != strings.Join(want, ",") {
			t.Errorf("the history lists %v; want %v", actions, want)
		}
		b.do("show the history", chromedp.ScrollIntoView(chromedp.ID("history-section")))
		b.screenshot("edit-history-all", false)
	})
	b.checkClean(false)
}

// TestEditingPrivate: when the whole service is private, the page opens on the sign-in
// dialog and shows the sites once signed in.
func TestEditingPrivate(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesNone, func(c *httpapi.Config) { c.Private = true })
	password := svc.addUser(t, "edith", auth.Editor)
	b := newBrowser(t, 1366, 768)
	b.open(svc.URL + "/")
	b.waitFor("the sign-in dialog", `document.getElementById('signin-dialog').open && document.activeElement.id === 'signin-name'`)
	if n := b.shapes(); n != 0 {
		t.Errorf("before sign-in a private service shows %d shapes; want none", n)
	}
	if got := eval[string](b, `document.getElementById('signin-intro').textContent`); !strings.Contains(got, "réservé") {
		t.Errorf("the dialog says %q; want it to say the service needs a sign-in", got)
	}
	b.screenshot("edit-private-signin", false)
	b.do("sign in", chromedp.SendKeys(chromedp.ID("signin-name"), "edith"),
		chromedp.SendKeys(chromedp.ID("signin-password"), password),
		chromedp.Click(chromedp.ID("signin-submit")))
	b.waitFor("the sites", `document.getElementById('account-name')?.textContent === 'edith' && document.querySelectorAll('#map path[data-part-id]').length > 0`)
	b.waitForData()
	if n, want := b.shapes(), svc.count(t, locatedPartsSQL, ""); n != want {
		t.Errorf("signed in, the map shows %d shapes; want %d", n, want)
	}
	if !eval[bool](b, `document.getElementById('notice').hidden`) {
		t.Errorf("the notice still shows after sign-in: %s", eval[string](b, `document.getElementById('notice').textContent`))
	}
	b.do("sign out", chromedp.Click(chromedp.ID("signout-button")))
	b.waitFor("the sign-in dialog again, no sites", `document.getElementById('signin-dialog').open && document.querySelectorAll('#map path[data-part-id]').length === 0`)
	b.checkClean(false) // the 401 of the first requests is logged by the browser itself
}

// TestEditingPhone: the editing forms fit a phone's width.
func TestEditingPhone(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	password := svc.addUser(t, "edith", auth.Editor)
	b := newBrowser(t, 390, 844)
	b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	b.open(svc.URL + "/")
	b.signIn("edith", password)
	b.openSite(statusSite)
	b.click("change the status", `button[data-key="status:`+statusPart+`"]`)
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("with a form open the page is %dpx wide at phone width; want no horizontal scrolling", w)
	}
	b.do("show the form", chromedp.ScrollIntoView(chromedp.CSS(`form[data-form="status"]`)))
	b.screenshot("edit-phone", false)
	b.checkClean(true)
}
