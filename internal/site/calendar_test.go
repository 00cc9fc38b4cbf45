package site

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestMilestoneOverdueAndDue(t *testing.T) {
	q4 := MustParseDate("2021-Q4")
	actual := MustParseDate("2022-02")
	tests := []struct {
		name        string
		m           Milestone
		on          string
		overdue     bool
		dueIn12Mths bool
	}{
		{"no plan", Milestone{}, "2022-01-01", false, false},
		{"last day of the period", Milestone{Plans: []Plan{{Date: q4}}}, "2021-12-31", false, true},
		{"day after the period", Milestone{Plans: []Plan{{Date: q4}}}, "2022-01-01", true, false},
		{"a year before", Milestone{Plans: []Plan{{Date: q4}}}, "2020-10-01", false, false},
		{"within a year", Milestone{Plans: []Plan{{Date: q4}}}, "2020-10-02", false, true},
		{"happened", Milestone{Plans: []Plan{{Date: q4}}, Actual: &actual}, "2023-01-01", false, false},
		{"latest plan counts", Milestone{Plans: []Plan{{Date: MustParseDate("2019")}, {Date: q4}}}, "2021-06-01", false, true},
	}
	for _, tt := range tests {
		on := day(tt.on)
		if got := tt.m.Overdue(on); got != tt.overdue {
			t.Errorf("%s: Overdue(%s) = %v; want %v", tt.name, tt.on, got, tt.overdue)
		}
		if got := tt.m.DueWithin(on, on.AddDate(1, 0, 0)); got != tt.dueIn12Mths {
			t.Errorf("%s: DueWithin(%s, +1 year) = %v; want %v", tt.name, tt.on, got, tt.dueIn12Mths)
		}
	}
	m := Milestone{Plans: []Plan{{Date: MustParseDate("2019")}, {Date: q4}, {Date: MustParseDate("2023")}}}
	if m.Slips() != 2 || (&Milestone{}).Slips() != 0 {
		t.Errorf("Slips() = %d, %d for none; want 2, 0", m.Slips(), (&Milestone{}).Slips())
	}
}

func TestDueAndOverdue(t *testing.T) {
	cal := []Milestone{
		{ID: 1, Plans: []Plan{{Date: MustParseDate("2022-12")}}},
		{ID: 2, Plans: []Plan{{Date: MustParseDate("2021-Q4")}}},
		{ID: 3, Plans: []Plan{{Date: MustParseDate("2022-06-15")}}},
		{ID: 4, Plans: []Plan{{Date: MustParseDate("2020")}}},
		{ID: 5, Plans: []Plan{{Date: MustParseDate("2024")}}},
	}
	ids := func(ms []Milestone) []int64 {
		out := []int64{}
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	tests := []struct {
		name, on, today   string
		wantDue, wantLate []int64
	}{
		{"today", "2022-03-01", "2022-03-01", []int64{3, 1}, []int64{4, 2}},
		{"a past day", "2021-06-01", "2022-03-01", []int64{2}, []int64{4}},
		// A projection: what is late is what is late today, not every plan due before
		// 2023-06-01 (3 and 1 are projected as done by then, not counted late).
		{"a day after today", "2023-06-01", "2022-03-01", []int64{5}, []int64{4, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, overdue := DueAndOverdue(cal, day(tt.on), day(tt.today))
			if got := ids(due); !slices.Equal(got, tt.wantDue) {
				t.Errorf("DueAndOverdue(%s, today %s) due = %v; want %v, by planned date", tt.on, tt.today, got, tt.wantDue)
			}
			if got := ids(overdue); !slices.Equal(got, tt.wantLate) {
				t.Errorf("DueAndOverdue(%s, today %s) overdue = %v; want %v, by planned date", tt.on, tt.today, got, tt.wantLate)
			}
		})
	}
}

func TestProjectionAndLateOn(t *testing.T) {
	today := day("2026-12-04")
	tests := []struct {
		on         string
		projection bool
		lateOn     string
	}{
		{"2020-01-01", false, "2020-01-01"},
		{"2026-12-04", false, "2026-12-04"},
		{"2026-12-05", true, "2026-12-04"},
		{"2031-12-31", true, "2026-12-04"},
	}
	for _, tt := range tests {
		t.Run(tt.on, func(t *testing.T) {
			if got := Projection(day(tt.on), today); got != tt.projection {
				t.Errorf("Projection(%s, %s) = %v; want %v", tt.on, today.Format(time.DateOnly), got, tt.projection)
			}
			if got := LateOn(day(tt.on), today); !got.Equal(day(tt.lateOn)) {
				t.Errorf("LateOn(%s, %s) = %s; want %s", tt.on, today.Format(time.DateOnly), got.Format(time.DateOnly), tt.lateOn)
			}
		})
	}
}

func TestSiteArea(t *testing.T) {
	a, b := 1234.56, 10000.04
	s := Site{Parts: []Part{{AreaM2: &a}, {AreaM2: nil}, {AreaM2: &b}}}
	if got := s.AreaM2(); got != 11234.6 {
		t.Errorf("AreaM2() = %v; want 11234.6 (unlocated parts add nothing)", got)
	}
	if got := Hectares(s.AreaM2()); got != 1.12 {
		t.Errorf("Hectares(%v) = %v; want 1.12", s.AreaM2(), got)
	}
}

func TestEventUnconfirmed(t *testing.T) {
	day := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		e    Event
		want bool
	}{
		{"planned, period over", Event{Date: MustParseDate("2021-Q4"), Planned: true}, true},
		{"planned, period ends today", Event{Date: MustParseDate("2022-01-01"), Planned: true}, false},
		{"planned, period running", Event{Date: MustParseDate("2022"), Planned: true}, false},
		{"planned but cancelled", Event{Date: MustParseDate("2021"), Planned: true, Cancelled: true}, false},
		{"done", Event{Date: MustParseDate("2021")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Unconfirmed(day); got != tt.want {
				t.Errorf("%+v.Unconfirmed(%s) = %v; want %v", tt.e, day.Format(time.DateOnly), got, tt.want)
			}
		})
	}
}

func TestPlanMoves(t *testing.T) {
	tests := []struct {
		plans []string
		next  string
		want  PlanMove
	}{
		{nil, "2027", MoveFirst},
		{[]string{"2027"}, "2028-03", MovePostponed},
		{[]string{"2027"}, "2027-Q2", MoveAdvanced},
		{[]string{"2027-Q4"}, "2027-11-15", MoveAdvanced},
		{[]string{"2027-Q4"}, "2027-12-31", MoveRefined},
		{[]string{"2027"}, "2027-Q4", MoveRefined},
		{[]string{"2027-06-30"}, "2027-07-01", MovePostponed},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v→%s", tt.plans, tt.next), func(t *testing.T) {
			m := Milestone{}
			for _, p := range tt.plans {
				m.Plans = append(m.Plans, Plan{Date: MustParseDate(p)})
			}
			if got := m.MoveTo(MustParseDate(tt.next)); got != tt.want {
				t.Errorf("MoveTo(%s) after %v = %s; want %s", tt.next, tt.plans, got, tt.want)
			}
		})
	}
	m := Milestone{Plans: []Plan{{Date: MustParseDate("2026")}, {Date: MustParseDate("2028")}, {Date: MustParseDate("2027-Q2")}, {Date: MustParseDate("2029")}}}
	if got := m.Moves(); !slices.Equal(got, []PlanMove{MoveFirst, MovePostponed, MoveAdvanced, MovePostponed}) {
		t.Errorf("Moves() = %v; want first, postponed, advanced, postponed", got)
	}
	if m.Postponements() != 2 || m.Advances() != 1 || m.Slips() != 3 {
		t.Errorf("Postponements, Advances, Slips = %d, %d, %d; want 2, 1, 3", m.Postponements(), m.Advances(), m.Slips())
	}
}

func TestCheckPlan(t *testing.T) {
	today := day("2026-12-04")
	tests := []struct {
		date string
		ok   bool
	}{
		{"2026", true},       // "d'ici fin 2026" is still to come
		{"2026-Q4", true},    //
		{"2026-12-04", true}, // today
		{"2026-12-03", false},
		{"2026-Q3", false},
		{"2025", false},
		{"2027-01", true},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			err := CheckPlan(MustParseDate(tt.date), today)
			if (err == nil) != tt.ok {
				t.Errorf("CheckPlan(%s, 2026-12-04) = %v; want ok %v", tt.date, err, tt.ok)
			}
		})
	}
}
