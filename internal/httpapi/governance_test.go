package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

func govGet(t *testing.T, e *editEnv, path string, v any) *http.Response {
	t.Helper()
	resp, body := e.as(t, auth.Viewer, "GET", path, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp
}

type commitmentsBody struct {
	Count int              `json:"count"`
	Items []commitmentJSON `json:"items"`
}

func findCommitment(items []commitmentJSON, id string) *commitmentJSON {
	for i := range items {
		if items[i].ID == id {
			return &items[i]
		}
	}
	return nil
}

func TestCommitmentsAPI(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	var all commitmentsBody
	govGet(t, e, "/api/commitments?date=2022-01-01", &all)
	if all.Count < 30 {
		t.Fatalf("GET /api/commitments lists %d; want at least 30", all.Count)
	}
	for _, c := range all.Items {
		if c.Clause == "" || len(c.Parties) == 0 || len(c.Sources) == 0 || c.Firmness == "" || c.Status == "" {
			t.Errorf("commitment %s lacks a clause, party, source, firmness or status", c.ID)
		}
	}
	tests := []struct {
		date, status string
		late         bool
	}{{"2021-12-31", "unknown", false}, {"2022-01-01", "unknown", true}, {"2026-01-01", "done", false}}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			var got commitmentsBody
			govGet(t, e, "/api/commitments?date="+tt.date, &got)
			c := findCommitment(got.Items, "a2i-cpcu-mode-gestion")
			if c == nil || c.Status != tt.status || c.Late != tt.late || c.Due == nil || *c.Due != "2021-Q4" {
				t.Errorf("CPCU management mode on %s = %+v; want status %s, late %v, due 2021-Q4", tt.date, c, tt.status, tt.late)
			}
		})
	}
	filters := []struct {
		query string
		want  func(c commitmentJSON) bool
	}{
		{"party=cpcu", func(c commitmentJSON) bool { return strings.Contains(strings.Join(c.Parties, ","), "cpcu") }},
		{"axis=B", func(c commitmentJSON) bool { return c.Axis == "B" }},
		{"site=passerelle-aux-cables", func(c commitmentJSON) bool { return strings.Contains(strings.Join(c.SiteIDs, ","), "passerelle") }},
		{"due_before=2022-01-01&date=2022-01-01", func(c commitmentJSON) bool { return c.Due != nil && *c.Due < "2022" }},
		{"status=done&date=2026-01-01", func(c commitmentJSON) bool { return c.Status == "done" }},
	}
	for _, f := range filters {
		t.Run(f.query, func(t *testing.T) {
			var got commitmentsBody
			govGet(t, e, "/api/commitments?"+f.query, &got)
			if got.Count == 0 || got.Count == all.Count {
				t.Errorf("?%s selects %d of %d", f.query, got.Count, all.Count)
			}
			for _, c := range got.Items {
				if !f.want(c) {
					t.Errorf("?%s lists %s", f.query, c.ID)
				}
			}
		})
	}
	for _, bad := range []string{"party=ratp", "axis=D", "status=late", "due_after=2022-13-01", "site=Not%20A%20Slug"} {
		resp, body := e.as(t, auth.Viewer, "GET", "/api/commitments?"+bad, "")
		name := bad[:strings.Index(bad, "=")]
		if p := problemOf(t, body); resp.StatusCode != 400 || p.Param != name {
			t.Errorf("GET /api/commitments?%s: %d %+v; want 400 naming %s", bad, resp.StatusCode, p, name)
		}
	}

	var one commitmentJSON
	resp := govGet(t, e, "/api/commitments/a2i-cpcu-mode-gestion", &one)
	if len(one.FollowUps) != 1 || resp.Header.Get("ETag") != `"v1"` {
		t.Errorf("commitment detail: %d follow-ups, ETag %s; want 1 and \"v1\"", len(one.FollowUps), resp.Header.Get("ETag"))
	}

	resp, body := e.as(t, auth.Viewer, "GET", "/api/commitments.csv?date=2022-01-01", "")
	if !strings.HasPrefix(string(body), "\uFEFFIdentifiant;Clause;") || !strings.Contains(string(body), "a2i-cpcu-mode-gestion;II.A.2.i;") {
		t.Errorf("commitments.csv starts %q", string(body[:min(200, len(body))]))
	}
	_ = resp

	var dash governanceDashboardJSON
	govGet(t, e, "/api/commitments/dashboard?date=2022-01-01", &dash)
	if findCommitment(dash.Late, "a2i-cpcu-mode-gestion") == nil || findCommitment(dash.DueIn6Month, "a2i-cpcu-mode-gestion") != nil {
		t.Errorf("dashboard on 2022-01-01 does not list the CPCU decision as late")
	}
	if dash.Term.N != 2 || dash.Term.NoticeBy != "2022-09-30" || len(dash.NextMeeting) != 2 || !dash.NextMeeting[0].Overdue {
		t.Errorf("dashboard term %+v, next meetings %+v", dash.Term, dash.NextMeeting)
	}
}

func TestMeetingsAPI(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	var got struct {
		Items []meetingJSON `json:"items"`
	}
	govGet(t, e, "/api/meetings?date=2021-06-01", &got)
	var copil, nextCopil, nextCotech *meetingJSON
	for i, m := range got.Items {
		switch {
		case !m.Derived && m.CommitteeID == "copil" && *m.Date == "2021-03-17":
			copil = &got.Items[i]
		case m.Derived && m.CommitteeID == "copil":
			nextCopil = &got.Items[i]
		case m.Derived && m.CommitteeID == "cotech":
			nextCotech = &got.Items[i]
		}
	}
	if copil == nil || copil.State != "held" || len(copil.Agenda) != 3 {
		t.Fatalf("GET /api/meetings lacks the COPIL of 17 March 2021 with its agenda: %+v", got.Items)
	}
	if nextCopil == nil || *nextCopil.DueBy != "2021-09-17" || nextCopil.Overdue || nextCopil.Cadence.Clause != "II.A.1.i" {
		t.Errorf("next COPIL = %+v; want due by 2021-09-17 (six months, II.A.1.i), not overdue on 2021-06-01", nextCopil)
	}
	if nextCotech == nil || !nextCotech.Overdue {
		t.Errorf("next COTECH = %+v; want overdue (none recorded since 2019)", nextCotech)
	}

	// A decision of the COPIL moves a planned date: the calendar cites it.
	var milestone int64
	if err := e.st.Pool().QueryRow(t.Context(), `SELECT min(m.id) FROM milestones m WHERE m.site_id = 'cpcu-ivry'
		AND EXISTS (SELECT 1 FROM milestone_plans p WHERE p.milestone_id = m.id)`).Scan(&milestone); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/meetings/%d/decisions", *copil.ID)
	body := fmt.Sprintf(`{"text":"Report","milestone_id":%d,"new_date":"2031-Q3","reason":"relocalisation retardée"}`, milestone)
	resp, answer := e.as(t, auth.Editor, "POST", path, body, "If-Match", copil.ETag)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `"v2"` {
		t.Fatalf("POST %s: %d %s; want 201 with the meeting's ETag \"v2\"", path, resp.StatusCode, answer)
	}
	resp, _ = e.as(t, auth.Editor, "POST", path, body, "If-Match", copil.ETag)
	if resp.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("the same decision with the old ETag: %d; want 412", resp.StatusCode)
	}
	var cal calendarResponse
	govGet(t, e, "/api/calendar", &cal)
	found := false
	for _, m := range cal.Items {
		if m.ID == milestone {
			found = strings.Contains(fmt.Sprint(m), "COPIL du 17/03/2021")
		}
	}
	if !found {
		t.Errorf("the calendar does not cite the COPIL for the moved milestone")
	}

	// A commitment linked to a deleted site is refused.
	etag := e.etag(t, "estacade")
	if resp, b := e.as(t, auth.Editor, "DELETE", "/api/sites/estacade", `{"reason":"test"}`, "If-Match", etag); resp.StatusCode != 200 {
		t.Fatalf("delete estacade: %d %s", resp.StatusCode, b)
	}
	resp, answer = e.as(t, auth.Editor, "PATCH", "/api/commitments/a2i-cpcu-mode-gestion", `{"site_ids":["estacade"]}`, "If-Match", `"v1"`)
	if p := problemOf(t, answer); resp.StatusCode != 400 || p.Field != "site_ids" {
		t.Errorf("commitment linked to a deleted site: %d %+v; want 400 naming site_ids", resp.StatusCode, p)
	}

	// The feed carries the meeting and the commitments' due dates.
	_, feed := e.as(t, auth.Viewer, "GET", "/api/calendar.ics", "")
	for _, want := range []string{fmt.Sprintf("UID:meeting-%d@emprises", *copil.ID), "UID:commitment-a2i-cpcu-mode-gestion@emprises", "UID:next-cotech@emprises"} {
		if !strings.Contains(string(feed), want) {
			t.Errorf("calendar.ics lacks %s", want)
		}
	}
}

func TestGovernanceWritesAPI(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	resp, body := e.as(t, auth.Editor, "POST", "/api/commitments", newCommitment(`"id":"action-test"`))
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `"v1"` {
		t.Fatalf("create commitment: %d %s", resp.StatusCode, body)
	}
	resp, body = e.as(t, auth.Editor, "POST", "/api/commitments/action-test/follow-ups",
		`{"date":"2024-03","note":"engagé","source":"délibération 2024 DU 12","status":"in_progress","progress":40}`, "If-Match", `"v1"`)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("ETag") != `"v2"` {
		t.Fatalf("follow-up: %d %s", resp.StatusCode, body)
	}
	var c commitmentJSON
	govGet(t, e, "/api/commitments/action-test", &c)
	if c.Status != "in_progress" || c.Progress == nil || *c.Progress != 40 {
		t.Errorf("after the follow-up: %+v", c)
	}
	resp, body = e.as(t, auth.Editor, "POST", "/api/meetings", `{"committee_id":"cotech","date":"2024-02-01","state":"held","attendees":[{"organisation":"Ville de Paris","role":"Mission Métropole"}]}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create meeting: %d %s", resp.StatusCode, body)
	}
	var edit editResponse
	if err := json.Unmarshal(body, &edit); err != nil {
		t.Fatal(err)
	}
	resp, body = e.as(t, auth.Editor, "POST", "/api/meetings/"+edit.EntityID+"/agenda",
		`{"title":"Point CPCU","commitment_ids":["action-test"],"site_ids":["cpcu-ivry"]}`, "If-Match", `"v1"`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("agenda item: %d %s", resp.StatusCode, body)
	}
	resp, _ = e.as(t, auth.Viewer, "POST", "/api/meetings", `{"committee_id":"cotech","date":"2024-02-02","state":"held"}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer creating a meeting: %d; want 403", resp.StatusCode)
	}
}

// TestGovernanceEditReadsIDFirst checks the order every governance write reads its request
// in: the entity's id from the path, then the body. An id no entity can have is a 404
// whatever the body; a real one with a broken body is a 400.
func TestGovernanceEditReadsIDFirst(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	tests := []struct {
		method, path string
		status       int
	}{
		{"PATCH", "/api/commitments/NOT_A_SLUG", http.StatusNotFound},
		{"POST", "/api/commitments/NOT_A_SLUG/follow-ups", http.StatusNotFound},
		{"PATCH", "/api/meetings/x", http.StatusNotFound},
		{"POST", "/api/meetings/0/agenda", http.StatusNotFound},
		{"POST", "/api/meetings/-1/decisions", http.StatusNotFound},
		{"PATCH", "/api/commitments/a2i-cpcu-mode-gestion", http.StatusBadRequest},
		{"POST", "/api/meetings/1/agenda", http.StatusBadRequest},
		{"POST", "/api/meetings", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := e.as(t, auth.Editor, tt.method, tt.path, `{"broken":`, "If-Match", `"v1"`)
			if resp.StatusCode != tt.status {
				t.Errorf("%s %s with a broken body: %d %s; want %d", tt.method, tt.path, resp.StatusCode, body, tt.status)
			}
		})
	}
}

// newCommittee is the body of a valid new committee with one member replaced (or added).
func newCommittee(member string) string {
	fields := map[string]string{"id": `"id":"gt-berges"`, "kind": `"kind":"working_group"`,
		"name": `"name":"Groupe de travail des berges"`, "sources": `"sources":["Relevé de décisions du COTECH"]`}
	name := member[1 : strings.Index(member[1:], `"`)+1]
	fields[name] = member
	parts := []string{}
	for _, k := range []string{"id", "kind", "name", "sources"} {
		parts = append(parts, fields[k])
	}
	if _, ok := map[string]bool{"id": true, "kind": true, "name": true, "sources": true}[name]; !ok {
		parts = append(parts, member)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestCreateCommitteeAPI creates a committee through POST /api/committees, as an editor
// and as an admin: one audit record each, by its caller, and GET /api/committees lists it
// with its cadences. Nobody gets a 401, a viewer a 403, bad input a 400 naming the field;
// none of them writes anything.
func TestCreateCommitteeAPI(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	audits := func() int {
		var n int
		if err := e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM audit_log`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range []struct {
		role auth.Role
		body string
	}{
		{auth.Editor, newCommittee(`"cadences":[{"months":4,"clause":"III"},{"months":2,"clause":"II.A.1"}]`)},
		{auth.Admin, `{"id":"gt-logement","kind":"working_group","name":"Groupe logement","sources":["s"],"reason":"décision du COPIL"}`},
	} {
		t.Run(string(tt.role), func(t *testing.T) {
			before := audits()
			resp, body := e.as(t, tt.role, "POST", "/api/committees", tt.body)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST /api/committees as %s: %d %s; want 201", tt.role, resp.StatusCode, body)
			}
			var out editResponse
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if out.EntityType != "committee" || out.AuditID == 0 || out.SiteID != "" {
				t.Errorf("answer %+v; want a committee's audit record concerning no site", out)
			}
			if n := audits(); n != before+1 {
				t.Errorf("%d audit records written; want 1", n-before)
			}
			var action, entityID, user string
			err := e.st.Pool().QueryRow(t.Context(), `SELECT a.action, a.entity_id, u.name FROM audit_log a
				JOIN users u ON u.id = a.user_id WHERE a.id = $1 AND a.site_id IS NULL`, out.AuditID).Scan(&action, &entityID, &user)
			if err != nil || action != "committee.create" || entityID != out.EntityID || user != e.names[tt.role] {
				t.Errorf("audit record %d: %s %s by %s (%v); want committee.create %s by %s", out.AuditID, action, entityID, user, err,
					out.EntityID, e.names[tt.role])
			}
		})
	}
	var list struct {
		Items []committeeJSON `json:"items"`
	}
	govGet(t, e, "/api/committees", &list)
	var gt *committeeJSON
	for i := range list.Items {
		if list.Items[i].ID == "gt-berges" {
			gt = &list.Items[i]
		}
	}
	if gt == nil || gt.Kind != "working_group" || len(gt.Cadences) != 2 || gt.Planning == nil || gt.Planning.Months != 2 {
		t.Fatalf("GET /api/committees lists gt-berges as %+v; want a working group with two cadences, planned every 2 months", gt)
	}

	start := digest(t, e.st)
	refused := []struct {
		name  string
		role  auth.Role // public: nobody
		body  string
		want  int
		field string
	}{
		{"nobody", public, newCommittee(`"id":"gt-a"`), 401, ""},
		{"viewer", auth.Viewer, newCommittee(`"id":"gt-a"`), 403, ""},
		{"no id", auth.Editor, `{"kind":"working_group","name":"n","sources":["s"]}`, 400, "id"},
		{"id not a slug", auth.Editor, newCommittee(`"id":"GT Berges"`), 400, "id"},
		{"id taken", auth.Editor, newCommittee(`"id":"copil"`), 400, "id"},
		{"id taken by a new one", auth.Editor, newCommittee(`"id":"gt-berges"`), 400, "id"},
		{"no kind", auth.Editor, `{"id":"gt-a","name":"n","sources":["s"]}`, 400, "kind"},
		{"unknown kind", auth.Editor, newCommittee(`"kind":"board"`), 400, "kind"},
		{"no name", auth.Editor, `{"id":"gt-a","kind":"cotech","sources":["s"]}`, 400, "name"},
		{"blank name", auth.Editor, newCommittee(`"name":"  "`), 400, "name"},
		{"no source", auth.Editor, newCommittee(`"sources":[]`), 400, "sources"},
		{"blank source", auth.Editor, newCommittee(`"sources":[" "]`), 400, "sources"},
		{"cadence without months", auth.Editor, newCommittee(`"cadences":[{"clause":"III"}]`), 400, "cadences[0].months"},
		{"cadence of no month", auth.Editor, newCommittee(`"cadences":[{"months":0,"clause":"III"}]`), 400, "cadences[0].months"},
		{"cadence over five years", auth.Editor, newCommittee(`"cadences":[{"months":61,"clause":"III"}]`), 400, "cadences[0].months"},
		{"cadence of no clause", auth.Editor, newCommittee(`"cadences":[{"months":6,"clause":"§3"}]`), 400, "cadences[0].clause"},
		{"one clause twice", auth.Editor, newCommittee(`"cadences":[{"months":6,"clause":"III"},{"months":3,"clause":"III"}]`), 400, "cadences[1].clause"},
		{"unknown member", auth.Editor, newCommittee(`"chair":"Paris"`), 400, "chair"},
		{"reason with a NUL", auth.Editor, newCommittee(`"reason":"a\u0000b"`), 400, "reason"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			var body []byte
			if tt.role == public {
				resp, body = e.call(t, "POST", "/api/committees", strings.NewReader(tt.body))
			} else {
				resp, body = e.as(t, tt.role, "POST", "/api/committees", tt.body)
			}
			if resp.StatusCode != tt.want {
				t.Fatalf("POST /api/committees %s: %d %s; want %d", tt.body, resp.StatusCode, body, tt.want)
			}
			if p := problemOf(t, body); p.Field != tt.field {
				t.Errorf("POST /api/committees %s: problem %+v; want it to name %q", tt.body, p, tt.field)
			}
			if d := digest(t, e.st); d != start {
				t.Errorf("POST /api/committees %s changed the database", tt.body)
			}
		})
	}
}
