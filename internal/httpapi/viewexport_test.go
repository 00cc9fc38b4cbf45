package httpapi

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// readWorkbook opens the one sheet of an export and returns its rows.
func readWorkbook(t *testing.T, body []byte) (string, [][]string, *excelize.File) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	sheets := f.GetSheetList()
	if len(sheets) != 1 {
		t.Fatalf("sheets = %v; want one", sheets)
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	return sheets[0], rows, f
}

func TestViewXLSX(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	const day = "2022-06-30"

	// What the page loads: every part on the day, to filter as the page does.
	var items struct {
		Features []struct {
			Properties partRow `json:"properties"`
		} `json:"features"`
	}
	getJSON(t, srv, "/collections/sites/items?limit=10000&datetime="+day, &items)
	var all []partRow
	departments := map[string]int{}
	for _, f := range items.Features {
		all = append(all, f.Properties)
		departments[f.Properties.Department]++
	}
	// The department with the most parts, to filter on.
	var dept string
	for d, n := range departments {
		if d != "" && (dept == "" || n > departments[dept] || n == departments[dept] && d < dept) {
			dept = d
		}
	}
	want := func(keep func(p *partRow) bool) []string {
		var names []string
		for i := range all {
			if keep(&all[i]) {
				names = append(names, all[i].Name)
			}
		}
		slices.Sort(names)
		return names
	}

	tests := []struct {
		name, query string
		keep        func(p *partRow) bool
		filters     string // in the sheet's head
	}{
		{"no filter", "", func(*partRow) bool { return true }, "aucun filtre"},
		{"ceded", "statut=ceded", func(p *partRow) bool { return p.Status == "ceded" }, "statut : Cédé"},
		{"department", "service=" + url.QueryEscape(dept), func(p *partRow) bool { return p.Department == dept }, "service : " + dept},
		{"in use and department", "statut=in_use,under_study&service=" + url.QueryEscape(dept),
			func(p *partRow) bool {
				return p.Department == dept && (p.Status == "in_use" || p.Status == "under_study")
			}, "service : " + dept},
		{"no disposal year", "annee=sans", func(p *partRow) bool { return p.disposalYear() == "" }, "année de cession : sans date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/export.xlsx?view=table&date=" + day + "&" + tc.query
			resp, body := get(t, srv, path)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mediaXLSX {
				t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "emprises-tableau-"+day+".xlsx") {
				t.Errorf("Content-Disposition = %q", cd)
			}
			name, rows, f := readWorkbook(t, body)
			if name != "Tableau" || len(rows) < 5 || rows[1][0] != "État au 30/06/2022" || !strings.Contains(rows[2][0], tc.filters) {
				t.Fatalf("sheet %q head = %q; want the day and %q", name, rows[:min(len(rows), 5)], tc.filters)
			}
			if rows[4][0] != "Site" || rows[4][4] != "Surface (ha)" {
				t.Errorf("header = %q", rows[4])
			}
			var got []string
			for _, r := range rows[5:] {
				got = append(got, r[0])
			}
			slices.Sort(got)
			if w := want(tc.keep); !slices.Equal(got, w) || len(w) == 0 {
				t.Errorf("rows = %q; want %q (not empty)", got, w)
			}
			// Areas are numbers, not text.
			if typ, err := f.GetCellType(name, "E6"); err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
				t.Errorf("E6 is of type %v (%v); want a number or empty", typ, err)
			}
		})
	}

	t.Run("calendar keeps the filtered sites' milestones", func(t *testing.T) {
		_, rows, _ := readWorkbook(t, mustGet(t, srv, "/api/export.xlsx?view=calendar&date="+day+"&service="+url.QueryEscape(dept)))
		_, all, _ := readWorkbook(t, mustGet(t, srv, "/api/export.xlsx?view=calendar&date="+day))
		names := map[string]bool{}
		for _, n := range want(func(p *partRow) bool { return p.Department == dept }) {
			names[n] = true
		}
		if len(rows) <= 5 || len(rows) >= len(all) {
			t.Fatalf("filtered calendar has %d rows, the whole one %d; want fewer but some", len(rows), len(all))
		}
		for _, r := range rows[5:] {
			if !names[r[0]] {
				t.Errorf("milestone of %q, not a site of %s", r[0], dept)
			}
		}
	})
	t.Run("dashboard counts the filtered parts", func(t *testing.T) {
		_, rows, _ := readWorkbook(t, mustGet(t, srv, "/api/export.xlsx?view=dashboard&date="+day+"&statut=ceded"))
		n := len(want(func(p *partRow) bool { return p.Status == "ceded" }))
		if rows[4][0] != "Statut" || rows[5][0] != "Cédé" || rows[5][1] != strconv.Itoa(n) || len(rows) < 7 || len(rows[6]) != 0 {
			t.Errorf("dashboard rows = %q; want one status row, cédé with %d parts", rows[4:min(len(rows), 8)], n)
		}
	})

	bad := []struct{ query, param string }{
		{"view=map", "view"},
		{"statut=sold", "statut"},
		{"annee=20x1", "annee"},
		{"date=30/06/2022", "date"},
		{"colour=red", "colour"},
	}
	for _, tc := range bad {
		t.Run("400 "+tc.query, func(t *testing.T) {
			resp, body := get(t, srv, "/api/export.xlsx?"+tc.query)
			wantProblem(t, tc.query, resp, body, http.StatusBadRequest, tc.param)
		})
	}
}

// mustGet fetches path and wants a 200.
func mustGet(t *testing.T, srv *httptest.Server, path string) []byte {
	t.Helper()
	resp, body := get(t, srv, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}
