package governance

import (
	"errors"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/site"
)

func day(s string) time.Time {
	t, err := site.ParseDay(s)
	if err != nil {
		panic(err)
	}
	return t
}

func datePtr(s string) *site.Date { d := site.MustParseDate(s); return &d }

func TestLateAsOf(t *testing.T) {
	done := Done
	cpcu := Commitment{ID: "cpcu", Due: datePtr("2021-Q4"), Status: Unknown, FollowUps: []FollowUp{
		{Date: site.MustParseDate("2025-11"), Note: "SEMOP", Source: "s", Status: &done},
	}}
	tests := []struct {
		day        string
		late       bool
		status     Status
		followUps  int
		commitment Commitment
	}{
		{"2021-12-31", false, Unknown, 0, cpcu},
		{"2022-01-01", true, Unknown, 0, cpcu},
		{"2025-11-29", true, Unknown, 0, cpcu}, // "Nov 2025" is only known on its last day
		{"2025-11-30", false, Done, 1, cpcu},
		{"2030-01-01", false, Unknown, 0, Commitment{Status: Unknown}}, // no due date: never late
		{"2030-01-01", false, Abandoned, 0, Commitment{Status: Abandoned, Due: datePtr("2020")}},
		{"2021-01-01", true, InProgress, 0, Commitment{Status: InProgress, Due: datePtr("2020")}},
	}
	for _, tt := range tests {
		t.Run(tt.commitment.ID+"@"+tt.day, func(t *testing.T) {
			c := tt.commitment.AsOf(day(tt.day))
			if got := c.Late(day(tt.day)); got != tt.late {
				t.Errorf("Late(%s) = %v; want %v", tt.day, got, tt.late)
			}
			if c.Status != tt.status || len(c.FollowUps) != tt.followUps {
				t.Errorf("AsOf(%s) = status %s, %d follow-ups; want %s, %d", tt.day, c.Status, len(c.FollowUps), tt.status, tt.followUps)
			}
		})
	}
	if cpcu.Status != Unknown || len(cpcu.FollowUps) != 1 {
		t.Errorf("AsOf changed the commitment it was called on: %+v", cpcu)
	}
}

func TestParsers(t *testing.T) {
	tests := []struct {
		name, field string
		err         error
	}{
		{"axis", "axis", func() error { _, err := ParseAxis("D"); return err }()},
		{"party", "parties", func() error { _, err := ParseParty("Paris"); return err }()},
		{"firmness", "firmness", func() error { _, err := ParseFirmness("must"); return err }()},
		{"status", "status", func() error { _, err := ParseStatus("late"); return err }()},
		{"state", "state", func() error { _, err := ParseMeetingState("postponed"); return err }()},
		{"progress high", "progress", CheckProgress(101)},
		{"progress low", "progress", CheckProgress(-1)},
		{"clause", "clause", CheckClause("II.A.2.vii")},
		{"clause lower", "clause", CheckClause("ii.a")},
		{"kind", "kind", func() error { _, err := ParseCommitteeKind("board"); return err }()},
		{"cadence of no month", "months", CheckCadence(Cadence{Months: 0, Clause: "III"})},
		{"cadence too long", "months", CheckCadence(Cadence{Months: MaxCadenceMonths + 1, Clause: "III"})},
		{"cadence without a clause", "clause", CheckCadence(Cadence{Months: 6})},
		{"held in the future", "state", CheckState(Held, day("2030-01-02"), day("2030-01-01"))},
		{"move without reason", "reason", CheckDecision(Decision{Text: "t", MilestoneID: new(int64), NewDate: datePtr("2030")})},
		{"move without milestone", "milestone_id", CheckDecision(Decision{Text: "t", NewDate: datePtr("2030"), Reason: "r"})},
		{"decision without text", "text", CheckDecision(Decision{Text: " "})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inv *site.InvalidError
			if !errors.As(tt.err, &inv) || inv.Field != tt.field {
				t.Errorf("error %v; want an InvalidError on %q", tt.err, tt.field)
			}
		})
	}
	for _, ok := range []error{CheckProgress(0), CheckProgress(100), CheckClause("II.A.2.i"), CheckClause("III"),
		CheckClause("IV"), CheckClause("II.B.3"), CheckState(Held, day("2030-01-01"), day("2030-01-01")),
		CheckState(Planned, day("2031-01-01"), day("2030-01-01")),
		CheckDecision(Decision{Text: "t", MilestoneID: new(int64), NewDate: datePtr("2030"), Reason: "r"})} {
		if ok != nil {
			t.Errorf("unexpected error %v", ok)
		}
	}
}

func TestNextDue(t *testing.T) {
	committees := []Committee{
		{ID: "copil", Cadences: []Cadence{{6, "II.A.1.i"}, {12, "III"}}},
		{ID: "cotech", Cadences: []Cadence{{3, "II.A.1.ii"}, {6, "III"}}},
		{ID: "gt", Kind: WorkingGroup},
	}
	meetings := []Meeting{
		{CommitteeID: "copil", Date: day("2021-03-17"), State: Held},
		{CommitteeID: "copil", Date: day("2021-09-01"), State: Planned}, // planned does not count
		{CommitteeID: "copil", Date: day("2023-01-10"), State: Held},    // after the day seen
	}
	since := day("2019-12-31")
	tests := []struct {
		day, committee, dueBy string
		overdue               bool
		clause                string
	}{
		{"2021-06-01", "copil", "2021-09-17", false, "II.A.1.i"},
		{"2021-09-18", "copil", "2021-09-17", true, "II.A.1.i"},
		{"2020-02-01", "cotech", "2020-03-31", false, "II.A.1.ii"},
		{"2022-01-01", "cotech", "2020-03-31", true, "II.A.1.ii"},
	}
	for _, tt := range tests {
		t.Run(tt.committee+"@"+tt.day, func(t *testing.T) {
			got := NextDue(committees, meetings, since, day(tt.day))
			if len(got) != 2 {
				t.Fatalf("NextDue gives %d meetings; want 2 (the working group has no cadence)", len(got))
			}
			for _, d := range got {
				if d.CommitteeID != tt.committee {
					continue
				}
				if d.DueBy.Format(time.DateOnly) != tt.dueBy || d.Overdue != tt.overdue || d.Cadence.Clause != tt.clause {
					t.Errorf("NextDue(%s) = %+v; want due by %s, overdue %v, clause %s", tt.day, d, tt.dueBy, tt.overdue, tt.clause)
				}
			}
		})
	}
}

func TestTerms(t *testing.T) {
	conv := Convention{Adopted: site.MustParseDate("2019"), TermYears: 2, NoticeMonths: 3}
	terms := conv.Terms(day("2026-06-01"))
	if len(terms) != 4 {
		t.Fatalf("Terms(2026-06-01) = %d terms; want 4 (2019–2021, renewed 2023, 2025, 2027)", len(terms))
	}
	last := terms[3]
	if last.N != 4 || last.EndsFrom != day("2027-01-01") || last.EndsBy != day("2027-12-31") || last.NoticeBy != day("2026-09-30") {
		t.Errorf("term in force = %+v; want the 4th, ending in 2027, notice by 2026-09-30", last)
	}
}

func TestSummarise(t *testing.T) {
	cs := []Commitment{
		{ID: "late", Due: datePtr("2021-Q4"), Status: Unknown, Parties: []Party{PartyParis}},
		{ID: "soon", Due: datePtr("2022-03"), Status: InProgress, Parties: []Party{PartyParis, PartyIvry}},
		{ID: "far", Due: datePtr("2025"), Status: NotStarted, Parties: []Party{PartyCPCU}},
		{ID: "done", Due: datePtr("2021"), Status: Done, Parties: []Party{PartyIvry}},
	}
	conv := Convention{Adopted: site.MustParseDate("2019"), TermYears: 2, NoticeMonths: 3}
	s := Summarise(cs, nil, []Meeting{{ID: 7, State: Planned, Date: day("2022-02-01")}}, conv, day("2022-01-01"))
	if len(s.Late) != 1 || s.Late[0].ID != "late" || len(s.DueSoon) != 1 || s.DueSoon[0].ID != "soon" {
		t.Errorf("late %v, due soon %v; want [late], [soon]", s.Late, s.DueSoon)
	}
	if s.ByStatus[Done] != 1 || s.ByStatus[Abandoned] != 0 || s.ByParty[PartyParis] != 2 || s.Total != 4 {
		t.Errorf("by status %v, by party %v", s.ByStatus, s.ByParty)
	}
	if len(s.Upcoming) != 1 || s.Term.N != 2 {
		t.Errorf("upcoming %v, term %+v; want one meeting, the 2nd term", s.Upcoming, s.Term)
	}
}
