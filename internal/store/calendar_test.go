package store

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/emprises/emprises/internal/site"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func findItem(items []site.Milestone, siteID string, kind site.MilestoneKind, label string) *site.Milestone {
	for i := range items {
		if items[i].SiteID == siteID && items[i].Kind == kind && items[i].Label == label {
			return &items[i]
		}
	}
	return nil
}

func TestListCalendarAsOf(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	const cpcu, decision = "cpcu-ivry", "Décision sur le mode de gestion du chauffage urbain"
	tests := []struct {
		asOf        string
		wantOverdue bool
	}{
		{"2021-12-31", false}, // "d'ici fin 2021" is still on time on its last day
		{"2022-01-01", true},
		{"2026-11-26", true},
	}
	for _, tt := range tests {
		items, err := s.ListCalendar(ctx, CalendarQuery{AsOf: day(tt.asOf)})
		if err != nil {
			t.Fatalf("ListCalendar(%s): %v", tt.asOf, err)
		}
		c := findItem(items, cpcu, site.MilestoneDeadline, decision)
		if c == nil {
			t.Fatalf("ListCalendar(%s): no %q deadline of %s", tt.asOf, decision, cpcu)
		}
		if got := c.Overdue(day(tt.asOf)); got != tt.wantOverdue {
			t.Errorf("ListCalendar(%s): %q overdue = %v; want %v", tt.asOf, decision, got, tt.wantOverdue)
		}
		if p := c.Planned(); p == nil || p.String() != "2021-Q4" || p.Last() != day("2021-12-31") {
			t.Errorf("ListCalendar(%s): planned = %v; want 2021-Q4 ending 2021-12-31", tt.asOf, p)
		}
	}
}

func TestListCalendarActualNotYetHappened(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	// The Triangle Cours Sud was planned for 2016-Q4 and ceded in 2019-Q1.
	before, err := s.ListCalendar(ctx, CalendarQuery{AsOf: day("2018-06-01")})
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.ListCalendar(ctx, CalendarQuery{AsOf: day("2020-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	b := findItem(before, "triangle-cours-sud", site.MilestoneDisposal, "")
	a := findItem(after, "triangle-cours-sud", site.MilestoneDisposal, "")
	if a == nil || b == nil {
		t.Fatalf("no disposal of triangle-cours-sud in the calendar: before %v, after %v", b, a)
	}
	if b.Actual != nil || !b.Overdue(day("2018-06-01")) {
		t.Errorf("as of 2018-06-01: actual = %v, overdue = %v; want none, overdue", b.Actual, b.Overdue(day("2018-06-01")))
	}
	if a.Actual == nil || a.Actual.String() != "2019-Q1" || a.Overdue(day("2020-01-01")) {
		t.Errorf("as of 2020-01-01: actual = %v, overdue = %v; want 2019-Q1, not overdue", a.Actual, a.Overdue(day("2020-01-01")))
	}
}

func TestFindSiteDetail(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	d, err := s.FindSiteDetail(ctx, "bassins-filtrants-halle", day("2026-11-26"))
	if err != nil {
		t.Fatalf("FindSiteDetail: %v", err)
	}
	if len(d.Parts) != 2 {
		t.Fatalf("FindSiteDetail: %d parts; want 2", len(d.Parts))
	}
	var ceded *site.Part
	for i := range d.Parts {
		if d.Parts[i].Status == site.StatusCeded {
			ceded = &d.Parts[i]
		}
	}
	if ceded == nil {
		t.Fatalf("FindSiteDetail: no ceded part in %+v", d.Parts)
	}
	if n := len(ceded.StatusHistory); n != 3 || ceded.StatusHistory[n-1].Until != nil || ceded.StatusHistory[0].Until == nil {
		t.Errorf("status history of %s = %+v; want 3 periods, the last open", ceded.ID, ceded.StatusHistory)
	}
	if ceded.Geometry == nil || ceded.AreaM2 == nil {
		t.Errorf("part %s: geometry %s, area %v; want both", ceded.ID, ceded.Geometry, ceded.AreaM2)
	}
	for i := 1; i < len(d.Timeline); i++ {
		if d.Timeline[i].Date.Start.Before(d.Timeline[i-1].Date.Start) {
			t.Errorf("timeline not ordered by date: %s after %s", d.Timeline[i].Date, d.Timeline[i-1].Date)
		}
	}

	old, err := s.FindSiteDetail(ctx, "bassins-filtrants-halle", day("2014-01-01"))
	if err != nil {
		t.Fatalf("FindSiteDetail as of 2014: %v", err)
	}
	for _, p := range old.Parts {
		if p.Status != site.StatusInUse {
			t.Errorf("as of 2014-01-01, part %s is %s; want in_use", p.ID, p.Status)
		}
	}

	if _, err := s.FindSiteDetail(ctx, "no-such-site", day("2026-11-26")); !errors.Is(err, site.ErrNotFound) {
		t.Errorf("FindSiteDetail(no-such-site) error = %v; want ErrNotFound", err)
	}
}

func TestDashboardAsOf(t *testing.T) {
	t.Parallel()
	s := newSeeded(t)
	ctx := context.Background()
	then, err := s.DashboardAsOf(ctx, day("2014-01-01"), site.Today())
	if err != nil {
		t.Fatalf("DashboardAsOf(2014-01-01): %v", err)
	}
	now, err := s.DashboardAsOf(ctx, day("2026-11-26"), site.Today())
	if err != nil {
		t.Fatalf("DashboardAsOf(2026-11-26): %v", err)
	}
	for _, d := range []*site.Dashboard{then, now} {
		if len(d.ByStatus) != len(site.Statuses()) {
			t.Errorf("as of %s: %d statuses; want %d", d.AsOf, len(d.ByStatus), len(site.Statuses()))
		}
		var parts int
		var area float64
		for i, a := range d.ByStatus {
			if a.Status != site.Statuses()[i] {
				t.Errorf("as of %s: by_status[%d] = %s; want %s", d.AsOf, i, a.Status, site.Statuses()[i])
			}
			parts += a.Parts
			area += a.AreaM2
		}
		if parts != d.Totals.Parts || d.Totals.LocatedParts+d.Totals.UnlocatedParts != parts {
			t.Errorf("as of %s: %d parts by status, totals %+v", d.AsOf, parts, d.Totals)
		}
		if held, ceded := d.HeldByParis, d.CededToDate; held.Parts+ceded.Parts != d.Totals.Parts ||
			math.Abs(held.AreaM2+ceded.AreaM2-d.Totals.AreaM2) > 0.2 || held.UnknownParts+ceded.UnknownParts != d.Totals.UnlocatedParts {
			t.Errorf("as of %s: held %+v and ceded %+v do not make the totals %+v", d.AsOf, held, ceded, d.Totals)
		}
		if d.Totals.EstimatedM2 <= 0 || d.Totals.EstimatedM2 > d.Totals.AreaM2 || d.Totals.NominalParts == 0 {
			t.Errorf("as of %s: totals %+v; want the seed's squares counted as estimates, some nominal", d.AsOf, d.Totals)
		}
		if n := len(d.CededByYear); n > 0 && d.CededByYear[n-1].CumulativeM2 != d.CededToDate.AreaM2 {
			t.Errorf("as of %s: cumulative ceded %v; want ceded to date %v", d.AsOf, d.CededByYear[n-1].CumulativeM2, d.CededToDate.AreaM2)
		}
	}
	if then.CededToDate.AreaM2 != 0 || now.CededToDate.AreaM2 <= 0 {
		t.Errorf("ceded area: %v m² as of 2014-01-01, %v m² as of 2026-11-26; want 0 then, more now",
			then.CededToDate.AreaM2, now.CededToDate.AreaM2)
	}
	// Every part ceded in the seed is a schematic square: the area ceded is all estimate.
	if now.CededToDate.EstimatedM2 != now.CededToDate.AreaM2 || now.CededToDate.NominalParts == 0 {
		t.Errorf("ceded to date %+v; want all of its area estimated, some of it nominal", now.CededToDate)
	}
	if len(now.Overdue) == 0 {
		t.Errorf("as of 2026-11-26: nothing overdue; want the 2021 and 2022 deadlines")
	}
	for _, c := range now.DueNext12 {
		if c.Overdue(now.AsOf) || c.Actual != nil {
			t.Errorf("due item %d is overdue or done: %+v", c.ID, c)
		}
	}
}
