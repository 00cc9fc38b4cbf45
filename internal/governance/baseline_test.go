package governance

import (
	"slices"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/site"
)

func plan(date, decided, reason string) site.Plan {
	p := site.Plan{Date: site.MustParseDate(date), Reason: reason}
	if decided != "" {
		d := day(decided)
		p.DecidedOn = &d
	}
	return p
}

func milestoneIDs(ms []site.Milestone) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func commitmentIDs(cs []Commitment) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestCompare(t *testing.T) {
	first := plan("2026-Q4", "", "")
	moved := plan("2027-Q2", "2024-03-15", "relocalisation retardée")
	forward := plan("2026-Q1", "2024-03-15", "accord anticipé")
	done := site.MustParseDate("2024-02")
	base := State{Day: day("2024-03-14"),
		Parts: []PartState{
			{SiteID: "s", PartID: "s-a", Status: site.StatusReleased},
			{SiteID: "s", PartID: "s-b", Status: site.StatusInUse},
		},
		Calendar: []site.Milestone{
			{ID: 1, SiteID: "s", Plans: []site.Plan{first}},
			{ID: 2, SiteID: "s", Plans: []site.Plan{first}},
			{ID: 3, SiteID: "s", Plans: []site.Plan{plan("2023", "", "")}},        // overdue already
			{ID: 4, SiteID: "s", Plans: []site.Plan{plan("2024-Q1", "", "")}},     // overdue from 1 April
			{ID: 5, SiteID: "s", Plans: []site.Plan{plan("2023-Q4", "", "")}},     // happens in between
			{ID: 7, SiteID: "s", Plans: []site.Plan{first, plan("2025", "", "")}}, // unchanged
		},
		Commitments: []Commitment{
			{ID: "done-since", Status: InProgress},
			{ID: "done-before", Status: Done},
			{ID: "late-before", Status: Unknown, Due: datePtr("2023")},
			{ID: "late-since", Status: Unknown, Due: datePtr("2024-Q1")},
		},
	}
	now := State{Day: day("2024-06-01"),
		Parts: []PartState{
			{SiteID: "s", PartID: "s-a", Status: site.StatusCeded},
			{SiteID: "s", PartID: "s-b", Status: site.StatusInUse},
			{SiteID: "s", PartID: "s-c", Status: site.StatusUnderStudy},
		},
		Calendar: []site.Milestone{
			{ID: 1, SiteID: "s", Plans: []site.Plan{first, moved}},
			{ID: 2, SiteID: "s", Plans: []site.Plan{first, forward}},
			{ID: 3, SiteID: "s", Plans: []site.Plan{plan("2023", "", "")}},
			{ID: 4, SiteID: "s", Plans: []site.Plan{plan("2024-Q1", "", "")}},
			{ID: 5, SiteID: "s", Plans: []site.Plan{plan("2023-Q4", "", "")}, Actual: &done},
			{ID: 6, SiteID: "s", Plans: []site.Plan{plan("2028", "2024-04-01", "")}},
			{ID: 7, SiteID: "s", Plans: []site.Plan{first, plan("2025", "", "")}},
		},
		Commitments: []Commitment{
			{ID: "done-since", Status: Done},
			{ID: "done-before", Status: Done},
			{ID: "late-before", Status: Unknown, Due: datePtr("2023")},
			{ID: "late-since", Status: Unknown, Due: datePtr("2024-Q1")},
			{ID: "decided", Status: NotStarted, Due: datePtr("2025")},
		},
	}
	c := Compare(base, now)

	if len(c.Slipped) != 2 {
		t.Fatalf("Compare: slipped %v; want milestones 2 and 1", c.Slipped)
	}
	// By new planned date: 2 (brought forward to 2026-Q1), then 1 (later, 2027-Q2).
	if s := c.Slipped[0]; s.Milestone.ID != 2 || s.Later || s.From.String() != "2026-Q4" || s.To.String() != "2026-Q1" {
		t.Errorf("Slipped[0] = %+v; want milestone 2 brought forward from 2026-Q4 to 2026-Q1", s)
	}
	if s := c.Slipped[1]; s.Milestone.ID != 1 || !s.Later || len(s.Plans) != 1 || s.Plans[0].Reason != "relocalisation retardée" {
		t.Errorf("Slipped[1] = %+v; want milestone 1 later, with the one plan decided since and its reason", s)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"new milestones", milestoneIDs(c.NewMilestones), []int64{6}},
		{"done milestones", milestoneIDs(c.Done), []int64{5}},
		{"late since", milestoneIDs(c.LateSince), []int64{4}},
		{"commitments done", commitmentIDs(c.CommitmentsDone), []string{"done-since"}},
		{"new commitments", commitmentIDs(c.NewCommitments), []string{"decided"}},
		{"commitments late", commitmentIDs(c.CommitmentsLate), []string{"late-since"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(toAny(tt.got), toAny(tt.want)) {
				t.Errorf("Compare: %s = %v; want %v", tt.name, tt.got, tt.want)
			}
		})
	}
	if len(c.Parts) != 2 || c.Parts[0].Part.PartID != "s-a" || c.Parts[0].From != site.StatusReleased ||
		c.Parts[1].Part.PartID != "s-c" || c.Parts[1].From != "" {
		t.Errorf("Compare: parts %+v; want s-a (released → ceded) and s-c (new)", c.Parts)
	}
	sc := c.SiteChanges()["s"]
	if sc == nil || len(sc.Parts) != 2 || len(sc.Slipped) != 2 || len(sc.Done) != 1 || len(sc.NewMilestones) != 1 {
		t.Errorf("SiteChanges()[s] = %+v", sc)
	}
}

// toAny turns a slice of ids into a comparable []any, so one table holds both kinds.
func toAny(v any) []any {
	var out []any
	switch s := v.(type) {
	case []int64:
		for _, x := range s {
			out = append(out, x)
		}
	case []string:
		for _, x := range s {
			out = append(out, x)
		}
	}
	return out
}

func TestPlansSince(t *testing.T) {
	plans := []site.Plan{plan("2026", "", "a"), plan("2027", "2024-03-14", "b"), plan("2028", "2024-03-15", "c")}
	got := PlansSince(plans, day("2024-03-14"))
	if len(got) != 1 || got[0].Reason != "c" {
		t.Errorf("PlansSince(2024-03-14) = %+v; want only the plan decided on the 15th (undated plans are known all along)", got)
	}
}

func TestKnownFrom(t *testing.T) {
	cs := []Commitment{{ID: "convention"}, {ID: "decided"}}
	known := map[string]time.Time{"decided": day("2024-03-15")}
	if got := commitmentIDs(KnownFrom(cs, known, day("2024-03-14"))); !slices.Equal(got, []string{"convention"}) {
		t.Errorf("KnownFrom(2024-03-14) = %v; want [convention]", got)
	}
	if got := KnownFrom(cs, known, day("2024-03-15")); len(got) != 2 {
		t.Errorf("KnownFrom(2024-03-15) = %v; want both", commitmentIDs(got))
	}
}

func TestPreviousAndNext(t *testing.T) {
	cotech := Committee{ID: "cotech", Cadences: []Cadence{{3, "II.A.1.ii"}, {6, "III"}}}
	meetings := []Meeting{
		{ID: 1, CommitteeID: "cotech", Date: day("2023-01-10"), State: Held},
		{ID: 2, CommitteeID: "cotech", Date: day("2023-05-10"), State: Held},
		{ID: 3, CommitteeID: "copil", Date: day("2023-06-01"), State: Held},
		{ID: 4, CommitteeID: "cotech", Date: day("2023-07-10"), State: Cancelled},
		{ID: 5, CommitteeID: "cotech", Date: day("2023-09-10"), State: Held},
		{ID: 6, CommitteeID: "cotech", Date: day("2023-11-20"), State: Planned},
	}
	tests := []struct {
		meeting  int
		previous int64 // 0: none
		next     string
	}{
		{0, 0, "2023-05-10"}, // the first meeting has no baseline
		{1, 1, "2023-09-10"}, // the cancelled meeting is no next meeting
		{4, 2, "2023-11-20"}, // nor a baseline; a planned one is the next meeting
		{2, 0, ""},           // the COPIL has no cadence here and no other meeting
	}
	for _, tt := range tests {
		m := meetings[tt.meeting]
		t.Run(m.CommitteeID+"@"+m.Date.Format(time.DateOnly), func(t *testing.T) {
			prev, ok := Previous(meetings, m)
			if ok != (tt.previous != 0) || ok && prev.ID != tt.previous {
				t.Errorf("Previous(%d) = %d, %v; want %d", m.ID, prev.ID, ok, tt.previous)
			}
			committee := cotech
			if m.CommitteeID == "copil" {
				committee = Committee{ID: "copil"}
			}
			next, ok := NextAfter(committee, meetings, m)
			if got := next.Format(time.DateOnly); ok != (tt.next != "") || ok && got != tt.next {
				t.Errorf("NextAfter(%d) = %s, %v; want %q", m.ID, got, ok, tt.next)
			}
		})
	}
	last := Meeting{ID: 7, CommitteeID: "cotech", Date: day("2023-12-01"), State: Held}
	if next, _ := NextAfter(cotech, append(meetings, last), last); !next.Equal(day("2024-03-01")) {
		t.Errorf("NextAfter(last) = %s; want 2024-03-01, three months on by II.A.1.ii", next.Format(time.DateOnly))
	}
}

func TestOpenActions(t *testing.T) {
	owner := "Ville d'Ivry"
	decided := int64(1)
	ids := func(s ...string) *string { return &s[0] }
	meetings := []Meeting{
		{ID: 1, CommitteeID: "cotech", Date: day("2024-01-10"), State: Held, Decisions: []Decision{
			{ID: 10, Text: "Étudier le mode de gestion", Owner: owner, CommitmentID: ids("open")},
			{ID: 11, Text: "Clore le dossier", Owner: owner, CommitmentID: ids("closed")},
			{ID: 12, Text: "Prendre acte"}, // neither owner nor due date: no action
		}},
		{ID: 2, CommitteeID: "copil", Date: day("2024-02-10"), State: Held, Decisions: []Decision{
			{ID: 20, Text: "Autre comité", Owner: owner},
		}},
		{ID: 3, CommitteeID: "cotech", Date: day("2024-09-10"), State: Held, Decisions: []Decision{
			{ID: 30, Text: "Plus tard", Owner: owner},
		}},
	}
	commitments := []Commitment{
		{ID: "open", Status: InProgress, DecidedAt: &decided},
		{ID: "closed", Status: Done},
		{ID: "created", Status: NotStarted, DecidedAt: &decided},
		{ID: "created-done", Status: Done, DecidedAt: &decided},
	}
	got := OpenActions("cotech", meetings, commitments, day("2024-06-01"))
	var names []string
	for _, a := range got {
		if a.Decision != nil {
			names = append(names, a.Decision.Text)
		} else {
			names = append(names, a.Commitment.ID)
		}
	}
	want := []string{"Étudier le mode de gestion", "created"}
	if !slices.Equal(names, want) {
		t.Errorf("OpenActions(cotech, 2024-06-01) = %v; want %v", names, want)
	}
}
