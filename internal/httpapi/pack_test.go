package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/pack"
	"github.com/emprises/emprises/internal/site"
)

// packMeetings records, over the seed's COPIL of 17 March 2021, a COPIL on 15 September
// 2021 that moves a milestone of cpcu-ivry, and one on 10 March 2022 with an agenda item
// that looks like a formula. It returns the ids of the three meetings and of the milestone.
func packMeetings(t *testing.T, e *editEnv) (first, second, third, milestone int64) {
	t.Helper()
	var list struct {
		Items []meetingJSON `json:"items"`
	}
	govGet(t, e, "/api/meetings", &list)
	for _, m := range list.Items {
		if !m.Derived && m.CommitteeID == "copil" && *m.Date == "2021-03-17" {
			first = *m.ID
		}
	}
	create := func(date string) int64 {
		resp, body := e.as(t, auth.Editor, "POST", "/api/meetings", `{"committee_id":"copil","date":"`+date+`","state":"held"}`)
		var edit editResponse
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &edit) != nil {
			t.Fatalf("create the COPIL of %s: %d %s", date, resp.StatusCode, body)
		}
		id, _ := strconv.ParseInt(edit.EntityID, 10, 64)
		return id
	}
	second, third = create("2021-09-15"), create("2022-03-10")
	if err := e.st.Pool().QueryRow(t.Context(), `SELECT min(m.id) FROM milestones m WHERE m.site_id = 'cpcu-ivry'
		AND EXISTS (SELECT 1 FROM milestone_plans p WHERE p.milestone_id = m.id)`).Scan(&milestone); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"text":"Report de la libération","milestone_id":%d,"new_date":"2031-Q3","reason":"relocalisation retardée"}`, milestone)
	if resp, b := e.as(t, auth.Editor, "POST", fmt.Sprintf("/api/meetings/%d/decisions", second), body, "If-Match", `"v1"`); resp.StatusCode != http.StatusCreated {
		t.Fatalf("decision: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.as(t, auth.Editor, "POST", fmt.Sprintf("/api/meetings/%d/agenda", third),
		`{"title":"=HYPERLINK(\"http://x\",\"y\")","notes":"Point CPCU","site_ids":["cpcu-ivry"]}`, "If-Match", `"v1"`); resp.StatusCode != http.StatusCreated {
		t.Fatalf("agenda item: %d %s", resp.StatusCode, b)
	}
	return first, second, third, milestone
}

func TestMeetingBaseline(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	first, second, third, milestone := packMeetings(t, e)

	var b baselineJSON
	govGet(t, e, fmt.Sprintf("/api/meetings/%d/baseline", third), &b)
	if b.Baseline == nil || b.Baseline.MeetingID != second || b.Baseline.StateOn != "2021-09-14" || b.AsOf != "2022-03-10" {
		t.Fatalf("baseline of the third COPIL = %+v; want the second's (state on its eve), as of 2022-03-10", b.Baseline)
	}
	if len(b.Slipped) != 1 || b.Slipped[0].Milestone.ID != milestone || b.Slipped[0].To != "2031-Q3" || !b.Slipped[0].Later ||
		len(b.Slipped[0].Plans) != 1 || !strings.Contains(b.Slipped[0].Plans[0].Reason, "COPIL du 15/09/2021") ||
		!strings.Contains(b.Slipped[0].Plans[0].Reason, "relocalisation retardée") {
		t.Errorf("slipped since the second COPIL = %+v; want the milestone moved by its decision, citing it", b.Slipped)
	}

	// The second COPIL's own baseline (the first's) holds the same slip; the first
	// meeting has no baseline; now against the first one sees it too.
	tests := []struct {
		query    string
		baseline int64
		slipped  int
	}{
		{fmt.Sprintf("/api/meetings/%d/baseline", second), first, 1},
		{fmt.Sprintf("/api/meetings/%d/baseline", first), 0, 0},
		{fmt.Sprintf("/api/meetings/%d/baseline?since=%d&date=2021-09-14", third, second), second, 0},
		{fmt.Sprintf("/api/meetings/%d/baseline?since=%d&date=2026-01-01", first, first), first, 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got baselineJSON
			govGet(t, e, tt.query, &got)
			if tt.baseline == 0 && got.Baseline != nil || tt.baseline != 0 && (got.Baseline == nil || got.Baseline.MeetingID != tt.baseline) {
				t.Errorf("baseline = %+v; want meeting %d", got.Baseline, tt.baseline)
			}
			if len(got.Slipped) != tt.slipped {
				t.Errorf("%d slipped; want %d", len(got.Slipped), tt.slipped)
			}
		})
	}
	bad := []struct{ path, param string }{
		{fmt.Sprintf("/api/meetings/%d/baseline?since=999999", third), "since"},
		{fmt.Sprintf("/api/meetings/%d/baseline?since=x", third), "since"},
		{fmt.Sprintf("/api/meetings/%d/baseline?date=2021-01-01", third), "date"},
		{fmt.Sprintf("/api/meetings/%d/baseline?date=2021-02-30", third), "date"},
		{fmt.Sprintf("/api/meetings/%d/baseline?until=2022-01-01", third), "until"},
	}
	for _, c := range bad {
		resp, body := e.as(t, auth.Viewer, "GET", c.path, "")
		wantProblem(t, c.path, resp, body, http.StatusBadRequest, c.param)
	}
}

// TestMeetingPackXLSX reads the pack of the third COPIL back and checks each sheet against
// the API as of the meeting's day.
func TestMeetingPackXLSX(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	_, _, third, milestone := packMeetings(t, e)
	const day = "2022-03-10"
	path := fmt.Sprintf("/api/meetings/%d/pack.xlsx", third)
	resp, body := e.call(t, "GET", path, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mediaXLSX ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "dossier-copil-2022-03-10.xlsx") {
		t.Fatalf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header, body[:min(len(body), 200)])
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the pack is not a workbook: %v", err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Sites", "Calendrier 24 mois", "Engagements", "Ordre du jour et actions"}; !slices.Equal(got, want) {
		t.Fatalf("sheets %v; want %v", got, want)
	}
	rows := func(sheet string) [][]string {
		t.Helper()
		all, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) < 4 || !strings.Contains(all[1][0], "COPIL du 10/03/2022") || !strings.Contains(all[1][0], "état au 10/03/2022") {
			t.Fatalf("sheet %s: title rows %q; want the meeting and the day", sheet, all[:min(len(all), 2)])
		}
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 4 {
			t.Errorf("sheet %s: panes %+v; want the header (row 4) frozen", sheet, panes)
		}
		return all[3:] // the header, then the rows
	}

	t.Run("sites", func(t *testing.T) {
		var fc struct {
			Features []struct {
				ID         string `json:"id"`
				Properties struct {
					Status string   `json:"status"`
					AreaM2 *float64 `json:"area_m2"`
				} `json:"properties"`
			} `json:"features"`
		}
		govGet(t, e, "/collections/sites/items?limit=1000&datetime="+day, &fc)
		table := rows("Sites")
		col := columnOf(t, table[0], "Identifiant de la partie")
		got := map[string][]string{}
		for i, r := range table[1:] {
			got[cellAt(r, col)] = r
			// Areas are numbers with a format, not text.
			if c := cellAt(r, 4); c != "" {
				ref := cellName(5, headerRowXLSX+1+i)
				if typ, _ := f.GetCellType("Sites", ref); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
					t.Errorf("area %s is a %v cell; want a number", ref, typ)
				}
			}
		}
		if len(got) != len(fc.Features) {
			t.Errorf("%d parts in the sheet; the API has %d on %s", len(got), len(fc.Features), day)
		}
		for _, ft := range fc.Features {
			r, ok := got[ft.ID]
			if !ok {
				t.Errorf("part %s missing from the sheet", ft.ID)
				continue
			}
			if want := site.Status(ft.Properties.Status).Label(); cellAt(r, 2) != want {
				t.Errorf("part %s: status %q; want %q", ft.ID, cellAt(r, 2), want)
			}
		}
		if cpcu := got["cpcu-ivry-chaufferie"]; !strings.Contains(cellAt(cpcu, 5), "reportée") || !strings.Contains(cellAt(cpcu, 5), "T3 2031") {
			t.Errorf("the CPCU row does not say the milestone slipped to T3 2031: %q", cpcu)
		}
	})

	t.Run("calendar", func(t *testing.T) {
		var cal calendarResponse
		govGet(t, e, "/api/calendar?date="+day, &cal)
		apiByID := map[int64]milestoneJSON{}
		for _, m := range cal.Items {
			apiByID[m.ID] = m
		}
		table := rows("Calendrier 24 mois")
		col := columnOf(t, table[0], "Identifiant du jalon")
		var ids []int64
		for i, r := range table[1:] {
			id, _ := strconv.ParseInt(cellAt(r, col), 10, 64)
			ids = append(ids, id)
			m, ok := apiByID[id]
			if !ok || cellAt(r, 0) != m.SiteName || m.PlannedLabel == nil || cellAt(r, 4) != *m.PlannedLabel {
				t.Errorf("row %q does not match the API's milestone %+v", r, m)
				continue
			}
			// The start of the planned period is a real date, shown dd/mm/yyyy.
			ref := cellName(6, headerRowXLSX+1+i)
			raw, _ := f.GetCellValue("Calendrier 24 mois", ref, excelize.Options{RawCellValue: true})
			serial, err := strconv.ParseFloat(raw, 64)
			start, _ := excelize.ExcelDateToTime(serial, false)
			if err != nil || start.Format(time.DateOnly) != *m.PlannedStart {
				t.Errorf("%s = %q; want the date %s", ref, raw, *m.PlannedStart)
			}
			if shown := cellAt(r, 5); shown != frenchDay(start) {
				t.Errorf("%s shows %q; want %s", ref, shown, frenchDay(start))
			}
			if id == milestone && (!strings.Contains(cellAt(r, 9), "COPIL du 15/09/2021") || cellAt(r, 8) == "") {
				t.Errorf("the moved milestone's row %q lacks its slip and the reason citing the COPIL", r)
			}
		}
		// What the API says is due within 24 months or overdue, and the slip.
		until := "2024-03-10"
		var want []int64
		for _, m := range cal.Items {
			if m.Planned != nil && (m.ID == milestone || m.Actual == nil && (m.Overdue || *m.PlannedEnd >= day && *m.PlannedStart < until)) {
				want = append(want, m.ID)
			}
		}
		slices.Sort(ids)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("calendar sheet lists %v; the API gives %v", ids, want)
		}
	})

	t.Run("commitments", func(t *testing.T) {
		var cs commitmentsBody
		govGet(t, e, "/api/commitments?date="+day, &cs)
		next := "2022-09-10" // no later COPIL: six months on, by II.A.1.i
		want := map[string][]string{}
		for _, c := range cs.Items {
			switch {
			case c.Status == "done":
				want[pack.CategoryDone] = append(want[pack.CategoryDone], c.ID)
			case c.Late:
				want[pack.CategoryLate] = append(want[pack.CategoryLate], c.ID)
			case c.Due != nil && !slices.Contains([]string{"abandoned", "superseded"}, c.Status) &&
				*c.DueLast >= day && site.MustParseDate(*c.Due).Start.Format(time.DateOnly) < next:
				want[pack.CategoryDue] = append(want[pack.CategoryDue], c.ID)
			}
		}
		if len(want[pack.CategoryLate]) == 0 {
			t.Fatalf("no commitment late on %s: the test would prove nothing", day)
		}
		table := rows("Engagements")
		col := columnOf(t, table[0], "Identifiant")
		got := map[string][]string{}
		for _, r := range table[1:] {
			if r0 := cellAt(r, 0); r0 == "Axe" || r0 == "Partie" {
				break // the counts by axis and by party below the list
			}
			if cellAt(r, 0) != "" {
				got[cellAt(r, 0)] = append(got[cellAt(r, 0)], cellAt(r, col))
			}
		}
		for _, cat := range []string{pack.CategoryDone, pack.CategoryLate, pack.CategoryDue} {
			slices.Sort(got[cat])
			slices.Sort(want[cat])
			if !slices.Equal(got[cat], want[cat]) {
				t.Errorf("%s: sheet %v; API %v", cat, got[cat], want[cat])
			}
		}
	})

	t.Run("agenda", func(t *testing.T) {
		var m meetingJSON
		govGet(t, e, fmt.Sprintf("/api/meetings/%d", third), &m)
		table := rows("Ordre du jour et actions")
		var agenda []string
		for _, r := range table[1:] {
			if cellAt(r, 0) == pack.RubricAgenda {
				agenda = append(agenda, cellAt(r, 2))
			}
		}
		if len(agenda) != len(m.Agenda) || len(agenda) != 1 || agenda[0] != "'"+m.Agenda[0].Title {
			t.Errorf("agenda rows %q; want the API's %+v, the formula neutralised", agenda, m.Agenda)
		}
	})
}

// headerRowXLSX is the row of the workbook's table headers (see pack.WriteXLSX).
const headerRowXLSX = 4

func columnOf(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %q in %q", name, header)
	}
	return i
}

func cellAt(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

func TestMeetingPackNotFound(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	for _, path := range []string{"/api/meetings/999999/pack.xlsx", "/api/meetings/999999/pack.html",
		"/api/meetings/999999/baseline", "/api/meetings/x/pack.xlsx"} {
		resp, body := e.call(t, "GET", path, nil)
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s; want a 404 problem", path, resp.StatusCode, body)
		}
	}
}
