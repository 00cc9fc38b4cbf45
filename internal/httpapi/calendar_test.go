package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// calendarJSON is the part of /api/calendar the tests look into.
type calendarJSON struct {
	AsOf  string `json:"as_of"`
	Items []struct {
		ID           int64   `json:"id"`
		SiteID       string  `json:"site_id"`
		SiteName     string  `json:"site_name"`
		PartLabel    *string `json:"part_label"`
		Kind         string  `json:"kind"`
		KindLabel    string  `json:"kind_label"`
		Label        string  `json:"label"`
		Planned      *string `json:"planned"`
		PlannedLabel *string `json:"planned_label"`
		PlannedStart *string `json:"planned_start"`
		PlannedEnd   *string `json:"planned_end"`
		Actual       *string `json:"actual"`
		Overdue      bool    `json:"overdue"`
		Slips        int     `json:"slips"`
		Plans        []struct {
			Date string `json:"date"`
		} `json:"plans"`
	} `json:"items"`
}

const cpcuDecision = "Décision sur le mode de gestion du chauffage urbain" // planned "2021-Q4"

func TestCalendarOverdue(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	tests := []struct {
		date        string
		wantOverdue bool
	}{
		{"2021-12-31", false}, // "d'ici fin 2021" is still on time on its last day
		{"2022-01-01", true},
		{"", true}, // today
	}
	for _, tt := range tests {
		path := "/api/calendar"
		if tt.date != "" {
			path += "?date=" + tt.date
		}
		var cal calendarJSON
		getJSON(t, srv, path, &cal)
		found := false
		for _, c := range cal.Items {
			if c.Label != cpcuDecision {
				continue
			}
			found = true
			if c.Overdue != tt.wantOverdue {
				t.Errorf("as of %q: %q overdue = %v; want %v", tt.date, c.Label, c.Overdue, tt.wantOverdue)
			}
			if *c.Planned != "2021-Q4" || *c.PlannedStart != "2021-10-01" || *c.PlannedEnd != "2021-12-31" || *c.PlannedLabel != "T4 2021" {
				t.Errorf("planned %v %v–%v %v; want 2021-Q4 2021-10-01–2021-12-31 T4 2021", *c.Planned, *c.PlannedStart, *c.PlannedEnd, *c.PlannedLabel)
			}
		}
		if !found {
			t.Errorf("as of %q: no %q in the calendar", tt.date, cpcuDecision)
		}
	}
	// The calendar is grouped by site, each site's items in planned order.
	var cal calendarJSON
	getJSON(t, srv, "/api/calendar", &cal)
	done := map[string]bool{}
	for i, c := range cal.Items {
		if i > 0 && cal.Items[i-1].SiteID != c.SiteID {
			done[cal.Items[i-1].SiteID] = true
		}
		if done[c.SiteID] {
			t.Errorf("items of %s are not together", c.SiteID)
		}
		if i > 0 && cal.Items[i-1].SiteID == c.SiteID && cal.Items[i-1].PlannedStart != nil && c.PlannedStart != nil &&
			*c.PlannedStart < *cal.Items[i-1].PlannedStart {
			t.Errorf("%s: planned %s listed after %s", c.SiteID, *c.PlannedStart, *cal.Items[i-1].PlannedStart)
		}
	}
}

// slipPlan records a new planned date for the CPCU release: the portfolio's first slip.
func slipPlan(t *testing.T, st *store.Store) {
	t.Helper()
	_, err := st.Pool().Exec(context.Background(), `
		INSERT INTO milestone_plans (milestone_id, planned_date, planned_precision, decided_on, reason, source)
		SELECT id, '2027-01-01', 'year', '2025-11-20', 'nouveau délégataire à partir de 2027', 'test'
		FROM milestones WHERE site_id = 'cpcu-ivry' AND kind = 'release'`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestCalendarSlips(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	slipPlan(t, st)
	release := func(date string) (slips int, planned string, plans int) {
		var cal calendarJSON
		getJSON(t, srv, "/api/calendar?date="+date, &cal)
		for _, c := range cal.Items {
			if c.SiteID == "cpcu-ivry" && c.Kind == "release" {
				return c.Slips, *c.Planned, len(c.Plans)
			}
		}
		t.Fatalf("as of %s: no release of cpcu-ivry", date)
		return
	}
	if slips, planned, plans := release("2025-06-01"); slips != 0 || planned != "2025" || plans != 1 {
		t.Errorf("as of 2025-06-01: %d slips, planned %s, %d plans; want 0, 2025, 1 (the slip was decided later)", slips, planned, plans)
	}
	if slips, planned, plans := release("2026-01-01"); slips != 1 || planned != "2027" || plans != 2 {
		t.Errorf("as of 2026-01-01: %d slips, planned %s, %d plans; want 1, 2027, 2", slips, planned, plans)
	}
}

func TestCalendarCSV(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	var cal calendarJSON
	getJSON(t, srv, "/api/calendar?date=2024-06-30", &cal)
	resp, body := get(t, srv, "/api/calendar.csv?date=2024-06-30")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/calendar.csv: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv; charset=utf-8") {
		t.Errorf("Content-Type %q; want text/csv; charset=utf-8", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="emprises-calendrier-2024-06-30.csv"`) {
		t.Errorf("Content-Disposition %q; want the file named with its date", cd)
	}
	rest, ok := bytes.CutPrefix(body, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("calendar.csv does not start with a UTF-8 byte-order mark: %q", body[:min(len(body), 10)])
	}
	if !utf8.Valid(rest) {
		t.Errorf("calendar.csv is not valid UTF-8")
	}
	if n, crlf := bytes.Count(rest, []byte("\n")), bytes.Count(rest, []byte("\r\n")); n != crlf || n != len(cal.Items)+1 {
		t.Errorf("calendar.csv has %d line feeds, %d CRLF; want %d CRLF line ends", n, crlf, len(cal.Items)+1)
	}
	r := csv.NewReader(bytes.NewReader(rest))
	r.Comma = ';'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("calendar.csv does not read back: %v", err)
	}
	if !slices.Equal(records[0], calendarCSVHeader) {
		t.Errorf("header %q; want %q", records[0], calendarCSVHeader)
	}
	if len(records)-1 != len(cal.Items) {
		t.Fatalf("%d rows; want one per calendar item, %d", len(records)-1, len(cal.Items))
	}
	col := func(name string) int { return slices.Index(calendarCSVHeader, name) }
	sawDecimalComma := false
	for i, c := range cal.Items {
		row := records[i+1]
		planned := ""
		if c.PlannedLabel != nil {
			planned = *c.PlannedLabel
		}
		want := map[string]string{
			"Site":                 c.SiteName,
			"Type":                 c.KindLabel,
			"Libellé":              c.Label,
			"Date prévue":          planned,
			"En retard":            map[bool]string{true: "oui", false: "non"}[c.Overdue],
			"Nombre de reports":    strconv.Itoa(c.Slips),
			"Identifiant du site":  c.SiteID,
			"Identifiant du jalon": strconv.FormatInt(c.ID, 10),
		}
		if c.PlannedEnd != nil {
			end, _ := time.Parse(time.DateOnly, *c.PlannedEnd)
			want["Fin de la période prévue"] = end.Format("02/01/2006")
		}
		for name, v := range want {
			if got := row[col(name)]; got != v {
				t.Errorf("row %d (%s), %s = %q; want %q", i+1, c.SiteID, name, got, v)
			}
		}
		if area := row[col("Surface de la partie (ha)")]; area != "" {
			if !strings.Contains(area, ",") || strings.Contains(area, ".") {
				t.Errorf("row %d: area %q; want a decimal comma", i+1, area)
			}
			sawDecimalComma = true
		}
	}
	if !sawDecimalComma {
		t.Errorf("no row has an area with a decimal comma")
	}
}

func TestCalendarICS(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	// A label with every character TEXT escapes, and long enough to be folded.
	_, err := st.Pool().Exec(context.Background(), `
		INSERT INTO milestones (site_id, kind, label) VALUES ('cpcu-ivry', 'deadline', $1)`,
		"Point d'étape; comité \\ « technique », puis\nréunion du COPIL — échéance très longue à plier")
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Pool().Exec(context.Background(), `
		INSERT INTO milestone_plans (milestone_id, planned_date, planned_precision)
		SELECT id, '2026-07-01', 'quarter' FROM milestones WHERE label LIKE 'Point d''étape%'`)
	if err != nil {
		t.Fatal(err)
	}

	fetch := func() (*ics.Calendar, []byte) {
		resp, body := get(t, srv, "/api/calendar.ics")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/calendar.ics: %d %s", resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("Content-Type %q; want text/calendar; charset=utf-8", ct)
		}
		wantContentLines(t, body)
		cal, err := ics.ParseCalendar(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("calendar.ics does not parse: %v", err)
		}
		return cal, body
	}
	cal, _ := fetch()
	var items calendarJSON
	getJSON(t, srv, "/api/calendar", &items)

	want := map[string]bool{} // UID → planned
	for _, c := range items.Items {
		if c.Planned != nil {
			want[fmt.Sprintf("milestone-%d-planned@emprises", c.ID)] = true
		}
		if c.Actual != nil {
			want[fmt.Sprintf("milestone-%d-actual@emprises", c.ID)] = false
		}
	}
	// The convention's meetings and commitment due dates share the feed; they are
	// checked by TestMeetingsAPI.
	var events []*ics.VEvent
	for _, e := range cal.Events() {
		if strings.HasPrefix(e.Id(), "milestone-") {
			events = append(events, e)
		}
	}
	if len(events) != len(want) {
		t.Errorf("calendar.ics has %d events; want %d, one per planned or actual date", len(events), len(want))
	}
	seen := map[string]bool{}
	for _, e := range events {
		uid := e.Id()
		if _, ok := want[uid]; !ok || seen[uid] {
			t.Errorf("event UID %q is unexpected or repeated", uid)
		}
		seen[uid] = true
		for _, p := range []ics.ComponentProperty{ics.ComponentPropertyUniqueId, ics.ComponentPropertyDtstamp,
			ics.ComponentPropertyDtStart, ics.ComponentPropertyDtEnd, ics.ComponentPropertySummary, ics.ComponentPropertySequence} {
			if len(e.GetProperties(p)) != 1 {
				t.Errorf("event %s has %d %s; want 1", uid, len(e.GetProperties(p)), p)
			}
		}
		start := e.GetProperty(ics.ComponentPropertyDtStart)
		if v := start.ICalParameters["VALUE"]; len(v) != 1 || v[0] != "DATE" {
			t.Errorf("event %s: DTSTART parameters %v; want VALUE=DATE", uid, start.ICalParameters)
		}
		from, err1 := e.GetAllDayStartAt()
		to, err2 := e.GetAllDayEndAt()
		if err1 != nil || err2 != nil || !to.After(from) {
			t.Errorf("event %s: all-day %v–%v (%v, %v); want an end after the start", uid, from, to, err1, err2)
		}
		if _, err := e.GetDtStampTime(); err != nil {
			t.Errorf("event %s: DTSTAMP: %v", uid, err)
		}
	}

	var tricky *ics.VEvent
	for _, e := range events {
		if strings.Contains(ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value), "Point d'étape") {
			tricky = e
		}
	}
	if tricky == nil {
		t.Fatal("no event for the milestone with special characters")
	}
	wantSummary := "Échéance : Point d'étape; comité \\ « technique », puis\nréunion du COPIL — échéance très longue à plier (prévue T3 2026) – "
	if got := ics.FromText(tricky.GetProperty(ics.ComponentPropertySummary).Value); !strings.HasPrefix(got, wantSummary) {
		t.Errorf("SUMMARY unescaped = %q; want it to start with %q", got, wantSummary)
	}
	if from, _ := tricky.GetAllDayStartAt(); from.Format(time.DateOnly) != "2026-09-30" {
		t.Errorf("DTSTART %v; want 2026-09-30, the quarter's last day", from)
	}
	if to, _ := tricky.GetAllDayEndAt(); to.Format(time.DateOnly) != "2026-10-01" {
		t.Errorf("DTEND %v; want 2026-10-01, the day after the quarter", to)
	}

	// A slip moves the event: same UID, later date, higher SEQUENCE.
	uid, seq, start := releaseEvent(t, cal)
	slipPlan(t, st)
	after, _ := fetch()
	uid2, seq2, start2 := releaseEvent(t, after)
	if uid2 != uid || seq2 != seq+1 || start2 == start {
		t.Errorf("after a slip: UID %s SEQUENCE %d DTSTART %s; want UID %s SEQUENCE %d and a new DTSTART (was %s)",
			uid2, seq2, start2, uid, seq+1, start)
	}
	if len(after.Events()) != len(cal.Events()) {
		t.Errorf("after a slip: %d events; want %d, the same", len(after.Events()), len(cal.Events()))
	}
}

// releaseEvent finds the planned CPCU release in cal.
func releaseEvent(t *testing.T, cal *ics.Calendar) (uid string, sequence int, start string) {
	t.Helper()
	for _, e := range cal.Events() {
		if strings.Contains(ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value), "Libération pour le parc de la Confluence (prévue ") {
			seq, err := strconv.Atoi(e.GetProperty(ics.ComponentPropertySequence).Value)
			if err != nil {
				t.Fatal(err)
			}
			return e.Id(), seq, e.GetProperty(ics.ComponentPropertyDtStart).Value
		}
	}
	t.Fatal("no planned release of the CPCU plant in calendar.ics")
	return
}

// wantContentLines checks RFC 5545 §3.1: CRLF line ends only, lines of at most 75
// octets, folded without splitting a UTF-8 character.
func wantContentLines(t *testing.T, body []byte) {
	t.Helper()
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Errorf("calendar.ics does not end with CRLF")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\r\n")), []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets long; want at most 75: %q", i+1, len(line), line)
		}
		if !utf8.Valid(line) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, line)
		}
	}
}

// TestICSText writes one event per value and reads it back with the library: content
// lines stay within RFC 5545 §3.1 (folded at 75 octets, never inside a UTF-8 character,
// no bare CR or LF), and the SUMMARY comes back as written, any line break as LF.
func TestICSText(t *testing.T) {
	tests := []struct {
		name, label, want string
	}{
		{"empty", "", ""},
		{"just under a fold", strings.Repeat("a", 44), strings.Repeat("a", 44)},
		{"long", strings.Repeat("a", 300), strings.Repeat("a", 300)},
		{"long with spaces", strings.Repeat("abc ", 80), strings.Repeat("abc ", 80)},
		{"two-octet characters", strings.Repeat("é", 100), strings.Repeat("é", 100)},
		{"three-octet characters", strings.Repeat("a€", 80), strings.Repeat("a€", 80)},
		{"escaped characters", `a;b,c\d`, `a;b,c\d`},
		{"line breaks", "CRLF\r\nCR\rLF\nend", "CRLF\nCR\nLF\nend"},
	}
	asOf := time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			planned := site.MustParseDate("2026-Q3")
			items := []site.Milestone{{ID: 7, SiteName: "Site", Kind: site.MilestoneDeadline, Label: tt.label, Plans: []site.Plan{{Date: planned}}}}
			var buf bytes.Buffer
			if err := writeICS(&buf, items, asOf, asOf); err != nil {
				t.Fatal(err)
			}
			wantContentLines(t, buf.Bytes())
			cal, err := ics.ParseCalendar(&buf)
			if err != nil {
				t.Fatalf("writeICS(%q) does not parse: %v", tt.label, err)
			}
			events := cal.Events()
			if len(events) != 1 {
				t.Fatalf("writeICS(%q): %d events; want 1", tt.label, len(events))
			}
			want := "Échéance (prévue T3 2026) – Site"
			if tt.want != "" {
				want = "Échéance : " + tt.want + " (prévue T3 2026) – Site"
			}
			if got := ics.FromText(events[0].GetProperty(ics.ComponentPropertySummary).Value); got != want {
				t.Errorf("writeICS(%q): SUMMARY %q; want %q", tt.label, got, want)
			}
		})
	}
}

// TestICSMilestoneDates: a planned or actual date is one all-day event on its period's
// last day (a year-long event would fill a shared calendar for months), its precision in
// the title and its period in the description.
func TestICSMilestoneDates(t *testing.T) {
	tests := []struct {
		date, actual        string
		wantDay             string
		wantTitle, wantDesc string // of the planned event
		wantActualTitle     string
	}{
		{date: "2021", wantDay: "2021-12-31", wantTitle: "(prévue fin 2021)", wantDesc: "Période : du 01/01/2021 au 31/12/2021 (à l’année près)"},
		{date: "2022-Q4", wantDay: "2022-12-31", wantTitle: "(prévue T4 2022)", wantDesc: "Période : du 01/10/2022 au 31/12/2022 (au trimestre près)"},
		{date: "2015-09", wantDay: "2015-09-30", wantTitle: "(prévue fin sept. 2015)", wantDesc: "Période : du 01/09/2015 au 30/09/2015 (au mois près)"},
		{date: "2017-01-19", wantDay: "2017-01-19", wantTitle: "(prévue le 19/01/2017)"},
		{date: "2019", actual: "2019-Q1", wantDay: "2019-12-31", wantTitle: "(prévue fin 2019)", wantDesc: "du 01/01/2019 au 31/12/2019",
			wantActualTitle: "(réalisée T1 2019)"},
	}
	stamp := time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.date+" "+tt.actual, func(t *testing.T) {
			m := site.Milestone{ID: 3, SiteName: "Site", Kind: site.MilestoneDeadline, Plans: []site.Plan{{Date: site.MustParseDate(tt.date)}}}
			if tt.actual != "" {
				a := site.MustParseDate(tt.actual)
				m.Actual = &a
			}
			var buf bytes.Buffer
			if err := writeICS(&buf, []site.Milestone{m}, stamp, stamp); err != nil {
				t.Fatal(err)
			}
			cal, err := ics.ParseCalendar(&buf)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range cal.Events() {
				planned := strings.HasSuffix(e.Id(), "-planned@emprises")
				from, _ := e.GetAllDayStartAt()
				to, _ := e.GetAllDayEndAt()
				if !to.Equal(from.AddDate(0, 0, 1)) {
					t.Errorf("%s: event from %v to %v; want one day", e.Id(), from, to)
				}
				summary := ics.FromText(e.GetProperty(ics.ComponentPropertySummary).Value)
				desc := ics.FromText(e.GetProperty(ics.ComponentPropertyDescription).Value)
				if planned {
					if got := from.Format(time.DateOnly); got != tt.wantDay {
						t.Errorf("planned %s: event on %s; want %s, the period's last day", tt.date, got, tt.wantDay)
					}
					if !strings.Contains(summary, tt.wantTitle) {
						t.Errorf("planned %s: SUMMARY %q; want it to say %q", tt.date, summary, tt.wantTitle)
					}
					if !strings.Contains(desc, tt.wantDesc) || (tt.wantDesc == "" && strings.Contains(desc, "Période")) {
						t.Errorf("planned %s: DESCRIPTION %q; want the period %q", tt.date, desc, tt.wantDesc)
					}
				} else if !strings.Contains(summary, tt.wantActualTitle) {
					t.Errorf("actual %s: SUMMARY %q; want it to say %q", tt.actual, summary, tt.wantActualTitle)
				}
			}
			want := 1 // one event per date: the planned one, and the actual one if any
			if tt.actual != "" {
				want = 2
			}
			if len(cal.Events()) != want {
				t.Errorf("%d events; want %d", len(cal.Events()), want)
			}
		})
	}
}
