package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// milestoneFixture is a milestone added straight in SQL for a projection case: plans
// oldest first, each "YYYY…" in the text form of site.Date.
type milestoneFixture struct {
	part   string // "" for the whole site
	kind   site.MilestoneKind
	plans  []string
	actual string // "" when not done
}

func addMilestoneSQL(t *testing.T, s *Store, siteID string, m milestoneFixture) {
	t.Helper()
	ctx := context.Background()
	var part *string
	if m.part != "" {
		part = &m.part
	}
	var actual *time.Time
	var actualPrecision *string
	if m.actual != "" {
		d := site.MustParseDate(m.actual)
		p := string(d.Precision)
		actual, actualPrecision = &d.Start, &p
	}
	var id int64
	err := s.Pool().QueryRow(ctx, `INSERT INTO milestones (site_id, part_id, kind, label, actual_date, actual_precision)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		siteID, part, string(m.kind), fmt.Sprintf("projection test %v", m.plans), actual, actualPrecision).Scan(&id)
	if err != nil {
		t.Fatalf("insert milestone: %v", err)
	}
	for _, p := range m.plans {
		d := site.MustParseDate(p)
		if _, err := s.Pool().Exec(ctx, `INSERT INTO milestone_plans (milestone_id, planned_date, planned_precision)
			VALUES ($1, $2, $3)`, id, d.Start, string(d.Precision)); err != nil {
			t.Fatalf("insert plan %s: %v", p, err)
		}
	}
}

type partState struct {
	status    string
	since     string // the state's start, with its precision (date_text)
	projected bool
}

func partStateOn(t *testing.T, s *Store, part string, day time.Time) partState {
	t.Helper()
	var st partState
	err := s.Pool().QueryRow(context.Background(), `
		SELECT h.status, date_text(lower(h.valid), h.since_precision), h.projected
		FROM part_states_on($2::date) h WHERE h.part_id = $1`, part, day.Format(time.DateOnly)).
		Scan(&st.status, &st.since, &st.projected)
	if err != nil {
		t.Fatalf("state of %s on %s: %v", part, day.Format(time.DateOnly), err)
	}
	return st
}

// TestPartStatesProjection checks the one rule of projections (migrations/010): for a day
// after today, the plans of releases and disposals not done, reached by that day and not
// late, give the part the status they lead to; today and past days stay as recorded.
func TestPartStatesProjection(t *testing.T) {
	t.Parallel()
	today := site.Today()
	y := today.Year()
	yr := func(n int) string { return fmt.Sprint(y + n) }
	dayIn := func(n int, mmdd string) time.Time { return day(fmt.Sprintf("%d-%s", y+n, mmdd)) }
	const (
		siteID = "site-jean-mazet"
		part   = "site-jean-mazet-ateliers"
		other  = "site-jean-mazet-emprise-voirie"
	)
	tests := []struct {
		name       string
		milestones []milestoneFixture
		part       string
		day        time.Time
		want       string // "" for the status recorded today
		wantSince  string
	}{
		{name: "no plan", milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal}},
			part: part, day: dayIn(5, "06-30")},
		{name: "disposal on the day before its planned day",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(2) + "-03-15"}}},
			part:       part, day: dayIn(2, "03-14")},
		{name: "disposal on its planned day",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(2) + "-03-15"}}},
			part:       part, day: dayIn(2, "03-15"), want: "ceded", wantSince: yr(2) + "-03-15"},
		{name: "a year plan (fin N) before its last day",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(2)}}},
			part:       part, day: dayIn(2, "12-30")},
		{name: "a year plan (fin N) on its last day",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(2)}}},
			part:       part, day: dayIn(2, "12-31"), want: "ceded", wantSince: yr(2)},
		{name: "a quarter plan before its last day",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneRelease, plans: []string{yr(2) + "-Q2"}}},
			part:       part, day: dayIn(2, "06-29")},
		{name: "a quarter plan from its last day",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneRelease, plans: []string{yr(2) + "-Q2"}}},
			part:       part, day: dayIn(3, "01-01"), want: "released", wantSince: yr(2) + "-Q2"},
		{name: "a done milestone projects nothing",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(1)}, actual: yr(-1)}},
			part:       part, day: dayIn(3, "06-30")},
		{name: "a late plan projects nothing",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(-1)}}},
			part:       part, day: dayIn(3, "06-30")},
		{name: "the latest plan counts, not the one it moved",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(1), yr(4)}}},
			part:       part, day: dayIn(2, "06-30")},
		{name: "a deadline projects nothing",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDeadline, plans: []string{yr(1)}}},
			part:       part, day: dayIn(3, "06-30")},
		{name: "today is the record",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{today.Format(time.DateOnly)}}},
			part:       part, day: today},
		{name: "a milestone of the whole site applies to each part",
			milestones: []milestoneFixture{{kind: site.MilestoneRelease, plans: []string{yr(1)}}},
			part:       other, day: dayIn(2, "01-01"), want: "released", wantSince: yr(1)},
		{name: "release then disposal: released between them",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneRelease, plans: []string{yr(1)}},
				{part: part, kind: site.MilestoneDisposal, plans: []string{yr(3)}}},
			part: part, day: dayIn(2, "06-30"), want: "released", wantSince: yr(1)},
		{name: "release then disposal: ceded after both",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneRelease, plans: []string{yr(1)}},
				{part: part, kind: site.MilestoneDisposal, plans: []string{yr(3)}}},
			part: part, day: dayIn(4, "06-30"), want: "ceded", wantSince: yr(3)},
		{name: "a disposal planned before a release: the furthest status wins",
			milestones: []milestoneFixture{{part: part, kind: site.MilestoneDisposal, plans: []string{yr(1)}},
				{part: part, kind: site.MilestoneRelease, plans: []string{yr(3)}}},
			part: part, day: dayIn(4, "06-30"), want: "ceded", wantSince: yr(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSeeded(t)
			recorded := partStateOn(t, s, tt.part, today)
			if recorded.status == "ceded" || recorded.status == "released" {
				t.Fatalf("%s is %s today; the test needs a part still to release", tt.part, recorded.status)
			}
			for _, m := range tt.milestones {
				addMilestoneSQL(t, s, siteID, m)
			}
			if got := partStateOn(t, s, tt.part, today); got != recorded {
				t.Errorf("state of %s today after adding plans = %+v; want %+v, as recorded", tt.part, got, recorded)
			}
			got := partStateOn(t, s, tt.part, tt.day)
			want := recorded
			if tt.want != "" {
				want = partState{status: tt.want, since: tt.wantSince, projected: true}
			}
			if got != want {
				t.Errorf("part_states_on(%s) for %s = %+v; want %+v", tt.day.Format(time.DateOnly), tt.part, got, want)
			}
		})
	}
}

// TestPartStatesProjectionKeepsCeded: a projection never moves a part back along the journey.
func TestPartStatesProjectionKeepsCeded(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	today := site.Today()
	const part = "pavillon-eau-de-paris-pavillon"
	recorded := partStateOn(t, s, part, today)
	if recorded.status != "ceded" {
		t.Fatalf("%s is %s today; want ceded for this test", part, recorded.status)
	}
	addMilestoneSQL(t, s, "pavillon-eau-de-paris", milestoneFixture{part: part, kind: site.MilestoneRelease,
		plans: []string{fmt.Sprint(today.Year() + 1)}})
	if got := partStateOn(t, s, part, today.AddDate(3, 0, 0)); got != recorded {
		t.Errorf("state of ceded %s in three years with a release planned = %+v; want %+v", part, got, recorded)
	}
}

// TestDashboardProjection: the dashboard of a day after today counts the parts its plans
// project as ceded, by the year of their plan, and counts as late only what is late today.
func TestDashboardProjection(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	today := site.Today()
	y := today.Year()
	addMilestoneSQL(t, s, "site-jean-mazet", milestoneFixture{part: "site-jean-mazet-ateliers",
		kind: site.MilestoneDisposal, plans: []string{fmt.Sprint(y + 2)}})
	now, err := s.DashboardAsOf(ctx, today, today)
	if err != nil {
		t.Fatalf("DashboardAsOf(today): %v", err)
	}
	later := day(fmt.Sprintf("%d-01-01", y+3))
	then, err := s.DashboardAsOf(ctx, later, today)
	if err != nil {
		t.Fatalf("DashboardAsOf(%s): %v", later.Format(time.DateOnly), err)
	}
	if now.Projection() || !then.Projection() {
		t.Errorf("Projection() = %v today, %v on %s; want false, true", now.Projection(), then.Projection(), later.Format(time.DateOnly))
	}
	if got, want := then.CededToDate.Parts, now.CededToDate.Parts+1; got != want {
		t.Errorf("ceded parts on %s = %d; want %d (today's and the one planned for %d)", later.Format(time.DateOnly), got, want, y+2)
	}
	if n := len(then.CededByYear); n == 0 || then.CededByYear[n-1].Year != y+2 {
		t.Errorf("ceded by year on %s = %+v; want the last year %d, the plan's", later.Format(time.DateOnly), then.CededByYear, y+2)
	}
	if len(now.Overdue) == 0 {
		t.Fatalf("nothing late today; the test needs the seed's late plans")
	}
	if len(then.Overdue) != len(now.Overdue) {
		t.Errorf("overdue on %s = %d; want %d, today's", later.Format(time.DateOnly), len(then.Overdue), len(now.Overdue))
	}
}
