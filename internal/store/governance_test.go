package store

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

func governanceCounts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, table := range []string{"committees", "committee_cadences", "commitments", "commitment_sites",
		"commitment_parts", "commitment_followups", "meetings", "agenda_items", "decisions", "milestone_plans", "audit_log"} {
		var n int
		if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
	}
	return counts
}

func editor(t *testing.T, s *Store) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), testActor, "alice", auth.Editor, "x")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestGovernanceSeed(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	cs, err := s.ListCommitments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 30 {
		t.Fatalf("seeded %d commitments; want at least 30", len(cs))
	}
	var cpcu *governance.Commitment
	for i, c := range cs {
		if len(c.Sources) == 0 || c.Clause == "" || len(c.Parties) == 0 {
			t.Errorf("commitment %s lacks a source, clause or party", c.ID)
		}
		if c.ID == "a2i-cpcu-mode-gestion" {
			cpcu = &cs[i]
		}
	}
	if cpcu == nil || cpcu.Due == nil || cpcu.Due.String() != "2021-Q4" || len(cpcu.FollowUps) != 1 {
		t.Fatalf("CPCU management-mode commitment = %+v; want due 2021-Q4 with one follow-up", cpcu)
	}
	on := func(d string) governance.Commitment { return cpcu.AsOf(site.MustParseDate(d).Start) }
	if c := on("2022-01-01"); !c.Late(c.Due.End()) || c.Status != governance.Unknown {
		t.Errorf("on 2022-01-01 the CPCU decision is %s, late %v; want unknown and late", c.Status, c.Late(c.Due.End()))
	}
	if c := on("2026-01-01"); c.Status != governance.Done {
		t.Errorf("on 2026-01-01 the CPCU decision is %s; want done", c.Status)
	}

	ms, err := s.ListMeetings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].CommitteeID != "copil" || ms[0].Date.Format("2006-01-02") != "2021-03-17" || len(ms[0].Agenda) != 3 {
		t.Fatalf("meetings = %+v; want the COPIL of 17 March 2021 with its 3 agenda items", ms)
	}
	committees, err := s.ListCommittees(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(committees) != 2 || committees[0].ID != "copil" || len(committees[0].Cadences) != 2 {
		t.Fatalf("committees = %+v; want COPIL and COTECH, each with two cadences", committees)
	}

	before := governanceCounts(t, s)
	ds, _ := geodata.Load()
	r, err := s.Seed(ctx, testActor, ds)
	if err != nil {
		t.Fatal(err)
	}
	if r.Commitments != 0 || r.Committees != 0 || r.Meetings != 0 {
		t.Errorf("second seed added %+v; want nothing", r)
	}
	if after := governanceCounts(t, s); after["audit_log"] != before["audit_log"] || after["commitments"] != before["commitments"] {
		t.Errorf("second seed changed %v into %v", before, after)
	}
}

func TestGovernanceWrites(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	alice := editor(t, s)
	due := site.MustParseDate("2027-Q2")
	axis, firmness := governance.AxisClimate, governance.Commits
	parties := []governance.Party{governance.PartyParis}
	sites := []string{"cpcu-ivry"}
	clause, title := "II.A.2.i", "Action test"
	sources := []string{"relevé"}
	duePtr := &due
	fields := CommitmentFields{Clause: &clause, Axis: &axis, Title: &title, Parties: &parties, SiteIDs: &sites,
		Due: &duePtr, Firmness: &firmness, Sources: &sources}

	e, err := s.CreateCommitment(ctx, alice, NewCommitment{ID: "action-test", Fields: fields, Status: governance.NotStarted}, "r")
	if err != nil || e.Version != 1 || e.AuditID == 0 {
		t.Fatalf("CreateCommitment = %+v, %v; want version 1 with an audit record", e, err)
	}
	done := governance.Done
	e, err = s.AddFollowUp(ctx, alice, "action-test", Versions{1}, governance.FollowUp{
		Date: site.MustParseDate("2024-05-02"), Note: "fait", Source: "délibération 2024 DU 1", Status: &done})
	if err != nil || e.Version != 2 {
		t.Fatalf("AddFollowUp = %+v, %v; want version 2", e, err)
	}
	if _, err := s.AddFollowUp(ctx, alice, "action-test", Versions{1}, governance.FollowUp{
		Date: site.MustParseDate("2024"), Source: "s"}); !errors.Is(err, site.ErrConflict) {
		t.Errorf("AddFollowUp with a stale version: %v; want a conflict", err)
	}

	// Refusals name the field and change nothing.
	if _, err := s.DeleteSite(ctx, alice, "estacade", AnyVersion, "test"); err != nil {
		t.Fatal(err)
	}
	start := governanceCounts(t, s)
	deleted, unknown := []string{"estacade"}, []string{"nowhere"}
	bad := []struct {
		name, field string
		err         error
	}{
		{"deleted site", "site_ids", func() error {
			_, err := s.UpdateCommitment(ctx, alice, "action-test", Versions{2}, CommitmentFields{SiteIDs: &deleted}, "r")
			return err
		}()},
		{"unknown site", "site_ids", func() error {
			_, err := s.UpdateCommitment(ctx, alice, "action-test", Versions{2}, CommitmentFields{SiteIDs: &unknown}, "r")
			return err
		}()},
		{"progress out of range", "progress", func() error {
			p := 150
			_, err := s.AddFollowUp(ctx, alice, "action-test", Versions{2}, governance.FollowUp{
				Date: site.MustParseDate("2024"), Source: "s", Progress: &p})
			return err
		}()},
		{"follow-up without a source", "source", func() error {
			_, err := s.AddFollowUp(ctx, alice, "action-test", Versions{2}, governance.FollowUp{Date: site.MustParseDate("2024")})
			return err
		}()},
		{"unknown committee", "committee_id", func() error {
			c, st, d := "cofil", governance.Planned, site.MustParseDate("2030-01-01").Start
			_, err := s.CreateMeeting(ctx, alice, MeetingFields{CommitteeID: &c, State: &st, Date: &d}, "r")
			return err
		}()},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			var inv *site.InvalidError
			if !errors.As(b.err, &inv) || inv.Field != b.field {
				t.Errorf("error %v; want an InvalidError on %q", b.err, b.field)
			}
		})
	}
	if end := governanceCounts(t, s); len(end) != len(start) || end["audit_log"] != start["audit_log"] || end["commitment_followups"] != start["commitment_followups"] {
		t.Errorf("refused writes changed %v into %v", start, end)
	}
}

// TestDecisionMovesPlan: a decision that moves a planned date adds a plan to the milestone
// through the calendar's path, citing the meeting, with one audit record in the site's
// history.
func TestDecisionMovesPlan(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	alice := editor(t, s)
	var milestone int64
	if err := s.pool.QueryRow(ctx, `SELECT min(m.id) FROM milestones m WHERE m.site_id = 'cpcu-ivry'
		AND EXISTS (SELECT 1 FROM milestone_plans p WHERE p.milestone_id = m.id)`).Scan(&milestone); err != nil {
		t.Fatal(err)
	}
	ms, err := s.ListMeetings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	copil := ms[0]
	newDate := site.MustParseDate("2031-Q3")
	before := governanceCounts(t, s)
	e, err := s.AddDecision(ctx, alice, copil.ID, Versions{copil.Version}, governance.Decision{
		Text: "Report de la libération", MilestoneID: &milestone, NewDate: &newDate, Reason: "relocalisation retardée"})
	if err != nil {
		t.Fatalf("AddDecision: %v", err)
	}
	after := governanceCounts(t, s)
	if after["audit_log"] != before["audit_log"]+1 || after["decisions"] != before["decisions"]+1 || after["milestone_plans"] != before["milestone_plans"]+1 {
		t.Errorf("counts %v → %v; want one audit record, one decision, one plan", before, after)
	}
	h, err := s.SiteHistory(ctx, "cpcu-ivry")
	if err != nil {
		t.Fatal(err)
	}
	if h.Changes[0].ID != e.AuditID || !strings.Contains(h.Changes[0].Reason, "COPIL du 17/03/2021") {
		t.Errorf("site history starts with %+v; want the decision's plan citing the COPIL", h.Changes[0])
	}
	cal, err := s.ListCalendar(ctx, CalendarQuery{AsOf: site.MustParseDate("2030-01-01").Start, SiteID: "cpcu-ivry"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range cal {
		if m.ID == milestone {
			p := m.Plans[len(m.Plans)-1]
			found = p.Date == newDate && strings.Contains(p.Source, "COPIL du 17/03/2021")
		}
	}
	if !found {
		t.Errorf("the calendar does not show the new plan citing the meeting")
	}
	got, err := s.FindMeeting(ctx, copil.ID)
	if err != nil || len(got.Decisions) != 1 || got.Version != copil.Version+1 {
		t.Errorf("meeting after the decision = %+v, %v; want one decision and a new version", got, err)
	}
}

// TestCreateCommittee: a committee is created with its cadences and one audit record
// concerning no site; a refused one (its id taken, a kind, months or clause the database
// refuses) names the field and writes nothing.
func TestCreateCommittee(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	alice := editor(t, s)
	gt := governance.Committee{ID: "gt-berges", Kind: governance.WorkingGroup, Name: "Groupe de travail des berges",
		Sources:  []string{"Relevé de décisions du COTECH"},
		Cadences: []governance.Cadence{{Months: 4, Clause: "III"}, {Months: 2, Clause: "II.A.1"}}}
	before := governanceCounts(t, s)
	e, err := s.CreateCommittee(ctx, alice, gt, "créé par le COTECH")
	if err != nil {
		t.Fatalf("CreateCommittee: %v", err)
	}
	if e.EntityID != gt.ID || e.Version != 1 || e.SiteID != "" || e.AuditID == 0 {
		t.Errorf("CreateCommittee = %+v; want committee %s at version 1, no site, an audit record", e, gt.ID)
	}
	after := governanceCounts(t, s)
	for table, n := range map[string]int{"committees": 1, "committee_cadences": 2, "audit_log": 1} {
		if after[table]-before[table] != n {
			t.Errorf("%s: %d rows added; want %d", table, after[table]-before[table], n)
		}
	}
	var action, entityType, entityID, reason string
	var userID *int64
	var siteID *string
	var months []int32
	err = s.pool.QueryRow(ctx, `
		SELECT action, entity_type, entity_id, site_id, user_id, reason,
		       ARRAY(SELECT (c->>'months')::int FROM jsonb_array_elements(after->'cadences') c)
		  FROM audit_log WHERE id = $1`, e.AuditID).Scan(&action, &entityType, &entityID, &siteID, &userID, &reason, &months)
	if err != nil {
		t.Fatal(err)
	}
	if action != "committee.create" || entityType != "committee" || entityID != gt.ID || siteID != nil ||
		userID == nil || *userID != alice.ID || reason != "créé par le COTECH" || len(months) != 2 {
		t.Errorf("audit record: %s %s %s site %v user %v %q cadences %v; want committee.create of %s by alice, no site, with both cadences",
			action, entityType, entityID, siteID, userID, reason, months, gt.ID)
	}
	cs, err := s.ListCommittees(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var listed *governance.Committee
	for i := range cs {
		if cs[i].ID == gt.ID {
			listed = &cs[i]
		}
	}
	if listed == nil || listed.Kind != governance.WorkingGroup || listed.Name != gt.Name || len(listed.Cadences) != 2 ||
		len(listed.Sources) != 1 {
		t.Errorf("ListCommittees lists %+v; want %+v", listed, gt)
	}

	start := governanceCounts(t, s)
	bad := []struct {
		name, field string
		c           governance.Committee
	}{
		{"id taken", "id", governance.Committee{ID: "copil", Kind: governance.Steering, Name: "Autre COPIL"}},
		{"id taken by the new one", "id", gt},
		{"unknown kind", "kind", governance.Committee{ID: "gt-x", Kind: "board", Name: "x"}},
		{"blank name", "name", governance.Committee{ID: "gt-x", Kind: governance.WorkingGroup, Name: " "}},
		{"months out of range", "months", governance.Committee{ID: "gt-x", Kind: governance.WorkingGroup, Name: "x",
			Cadences: []governance.Cadence{{Months: 61, Clause: "III"}}}},
		{"one clause twice", "cadences", governance.Committee{ID: "gt-x", Kind: governance.WorkingGroup, Name: "x",
			Cadences: []governance.Cadence{{Months: 6, Clause: "III"}, {Months: 3, Clause: "III"}}}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := s.CreateCommittee(ctx, alice, b.c, "r")
			var inv *site.InvalidError
			if !errors.As(err, &inv) || inv.Field != b.field {
				t.Errorf("CreateCommittee(%+v) = %v; want an InvalidError on %q", b.c, err, b.field)
			}
		})
	}
	if end := governanceCounts(t, s); !maps.Equal(end, start) {
		t.Errorf("refused creations changed %v into %v", start, end)
	}
}
