package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
)

// TestProjection: a day after today is answered with the statuses the plans lead to, and
// every answer says it is a projection; what is late stays what is late today.
func TestProjection(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	today := site.Today()
	y := today.Year()
	const siteID, part = "site-jean-mazet", "site-jean-mazet-ateliers"
	e.edit(t, "POST", "/api/sites/"+siteID+"/milestones", siteID,
		fmt.Sprintf(`{"kind":"disposal","part_id":%q,"date":"%d","reason":"cession votée"}`, part, y+2))
	later := fmt.Sprintf("%d-01-01", y+3)
	todayText := today.Format(time.DateOnly)

	type partView struct {
		ID          string `json:"id"`
		Status      string `json:"status"`
		StatusSince string `json:"status_since"`
		Projected   bool   `json:"projected"`
	}
	var sheet struct {
		Projection      bool       `json:"projection"`
		ProjectionLabel string     `json:"projection_label"`
		Parts           []partView `json:"parts"`
	}
	partOf := func(day string) partView {
		t.Helper()
		resp, body := get(t, e.srv, "/api/sites/"+siteID+"?date="+day)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET site on %s: %d %s", day, resp.StatusCode, body)
		}
		sheet.Parts = nil
		if err := json.Unmarshal(body, &sheet); err != nil {
			t.Fatal(err)
		}
		if got, want := resp.Header.Get(ProjectionHeader) == "true", day != todayText; got != want {
			t.Errorf("GET site on %s: header %s %v; want %v", day, ProjectionHeader, got, want)
		}
		for _, p := range sheet.Parts {
			if p.ID == part {
				return p
			}
		}
		t.Fatalf("GET site on %s: no part %s in %s", day, part, body)
		return partView{}
	}
	if p := partOf(todayText); p.Status == "ceded" || p.Projected || sheet.Projection || sheet.ProjectionLabel != "" {
		t.Errorf("site today: part %+v, projection %v %q; want not ceded, no projection", p, sheet.Projection, sheet.ProjectionLabel)
	}
	if p := partOf(later); p != (partView{part, "ceded", fmt.Sprint(y + 2), true}) || !sheet.Projection ||
		!strings.HasPrefix(sheet.ProjectionLabel, "Projection") {
		t.Errorf("site on %s: part %+v, projection %v %q; want ceded since %d, projected, a projection", later, p, sheet.Projection, sheet.ProjectionLabel, y+2)
	}

	type dashboard struct {
		Projection bool              `json:"projection"`
		Overdue    []json.RawMessage `json:"overdue"`
		Ceded      struct {
			Parts int `json:"parts"`
		} `json:"ceded_to_date"`
	}
	var now, then dashboard
	getJSON(t, e.srv, "/api/dashboard", &now)
	resp, body := get(t, e.srv, "/api/dashboard?date="+later)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(ProjectionHeader) != "true" {
		t.Fatalf("GET dashboard on %s: %d, header %q; want 200, a projection", later, resp.StatusCode, resp.Header.Get(ProjectionHeader))
	}
	json.Unmarshal(body, &then) //nolint:errcheck // checked by the fields below
	if now.Projection || !then.Projection || then.Ceded.Parts != now.Ceded.Parts+1 || len(then.Overdue) != len(now.Overdue) {
		t.Errorf("dashboard today: projection %v, %d ceded, %d late; on %s: %v, %d, %d; want false, then true, one more ceded, as many late",
			now.Projection, now.Ceded.Parts, len(now.Overdue), later, then.Projection, then.Ceded.Parts, len(then.Overdue))
	}

	var cal struct {
		Projection bool `json:"projection"`
		Items      []struct {
			PartID  *string `json:"part_id"`
			Kind    string  `json:"kind"`
			Overdue bool    `json:"overdue"`
		} `json:"items"`
	}
	getJSON(t, e.srv, "/api/calendar?date="+later, &cal)
	for _, it := range cal.Items {
		if it.PartID != nil && *it.PartID == part && it.Kind == "disposal" && it.Overdue {
			t.Errorf("calendar on %s: the disposal planned for %d is overdue; want it not late, judged on today", later, y+2)
		}
	}
	if !cal.Projection {
		t.Errorf("calendar on %s: projection false; want true", later)
	}

	resp, body = get(t, e.srv, "/collections/sites/items?limit=100&datetime="+later)
	if resp.StatusCode != http.StatusOK || resp.Header.Get(ProjectionHeader) != "true" {
		t.Fatalf("items on %s: %d, header %q; want 200, a projection", later, resp.StatusCode, resp.Header.Get(ProjectionHeader))
	}
	var fc struct {
		Projection bool `json:"projection"`
		ogcFC
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatal(err)
	}
	status := any(nil)
	for _, f := range fc.Features {
		if f.id() == part {
			status = f.Properties["status"]
		}
	}
	if !fc.Projection || status != "ceded" {
		t.Errorf("items on %s: projection %v, %s %v; want a projection, ceded", later, fc.Projection, part, status)
	}
	if resp, _ := get(t, e.srv, "/collections/sites/items?limit=1&datetime="+todayText); resp.Header.Get(ProjectionHeader) != "" {
		t.Errorf("items today: header %s %q; want none", ProjectionHeader, resp.Header.Get(ProjectionHeader))
	}

	for _, path := range []string{"/export/sites.csv?date=", "/export/sites.geojson?date=", "/api/calendar.csv?date=", "/api/export.xlsx?view=table&date="} {
		resp, _ := get(t, e.srv, path+later)
		if resp.StatusCode != http.StatusOK || resp.Header.Get(ProjectionHeader) != "true" {
			t.Errorf("GET %s%s: %d, header %q; want 200, a projection", path, later, resp.StatusCode, resp.Header.Get(ProjectionHeader))
		}
		if strings.Contains(path, "/export/") && !strings.Contains(resp.Header.Get("Content-Disposition"), "-projection") {
			t.Errorf("GET %s%s: saved as %s; want the name to say projection", path, later, resp.Header.Get("Content-Disposition"))
		}
	}
}

// TestPlanMoves: moving a plan earlier is an advance, later a postponement, and each plan
// says which; a past date is refused and points to the actual date.
func TestPlanMoves(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	y := site.Today().Year()
	const siteID = "cpcu-ivry"
	m := e.edit(t, "POST", "/api/sites/"+siteID+"/milestones", siteID, fmt.Sprintf(`{"kind":"deadline","label":"Essai","date":"%d"}`, y+3))
	plans := "/api/milestones/" + m.EntityID + "/plans"
	e.edit(t, "POST", plans, siteID, fmt.Sprintf(`{"date":"%d-Q2","reason":"accord trouvé"}`, y+2))
	e.edit(t, "POST", plans, siteID, fmt.Sprintf(`{"date":"%d","reason":"retard"}`, y+4))
	resp, body := e.as(t, auth.Editor, "POST", plans, fmt.Sprintf(`{"date":"%d","reason":"fait"}`, y-1), "If-Match", e.etag(t, siteID))
	if resp.StatusCode != http.StatusBadRequest || problemOf(t, body).Field != "date" || !strings.Contains(string(body), "actual date") {
		t.Errorf("a plan for %d: %d %s; want 400 on date, pointing to the actual date", y-1, resp.StatusCode, body)
	}
	var cal struct {
		Items []struct {
			Label         string `json:"label"`
			Slips         int    `json:"slips"`
			Postponements int    `json:"postponements"`
			Advances      int    `json:"advances"`
			Plans         []struct {
				Move      string `json:"move"`
				MoveLabel string `json:"move_label"`
			} `json:"plans"`
		} `json:"items"`
	}
	getJSON(t, e.srv, "/api/calendar", &cal)
	for _, it := range cal.Items {
		if it.Label != "Essai" {
			continue
		}
		var moves []string
		for _, p := range it.Plans {
			moves = append(moves, p.Move+":"+p.MoveLabel)
		}
		if it.Slips != 2 || it.Postponements != 1 || it.Advances != 1 || strings.Join(moves, ",") != "first:,advanced:avancée,postponed:report" {
			t.Errorf("calendar item: slips %d, postponements %d, advances %d, moves %v; want 2, 1, 1, first, advanced, postponed",
				it.Slips, it.Postponements, it.Advances, moves)
		}
		return
	}
	t.Errorf("no calendar item Essai")
}
