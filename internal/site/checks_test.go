package site

import (
	"testing"
	"time"
)

func TestChecks(t *testing.T) {
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	date := func(s string) Date {
		d, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	part := func(site, id string, st Status, since string) PartState {
		return PartState{SiteID: site, SiteName: site, PartID: id, Status: st, Since: date(since)}
	}
	ms := func(site string, partID *string, planned string, actual *Date) Milestone {
		m := Milestone{SiteID: site, SiteName: site, PartID: partID, Actual: actual}
		if planned != "" {
			m.Plans = []Plan{{Date: date(planned)}}
		}
		return m
	}
	p2 := "b-2"
	done := date("2024")
	for _, tt := range []struct {
		name     string
		parts    []PartState
		calendar []Milestone
		changes  []ParcelChange
		want     []CheckKind
		within   int
	}{
		{"under study since 2019, nothing planned", []PartState{part("a", "a-1", StatusUnderStudy, "2019")}, nil, nil, []CheckKind{CheckStaleStatus}, 0},
		{"under study since 2024: not yet", []PartState{part("a", "a-1", StatusUnderStudy, "2024")}, nil, nil, []CheckKind{}, 0},
		{"two years to the day from the period's end", []PartState{part("a", "a-1", StatusUnderStudy, "2023-05-31")}, nil, nil, []CheckKind{CheckStaleStatus}, 0},
		{"in use since 2010 is not transitional", []PartState{part("a", "a-1", StatusInUse, "2010")}, nil, nil, []CheckKind{}, 0},
		{"a plan of the site to come keeps it off", []PartState{part("a", "a-1", StatusDisposalInProgress, "2019")},
			[]Milestone{ms("a", nil, "2027", nil)}, nil, []CheckKind{}, 0},
		{"another part's plan does not", []PartState{part("b", "b-1", StatusReleasePlanned, "2019")},
			[]Milestone{ms("b", &p2, "2027", nil)}, nil, []CheckKind{CheckStaleStatus}, 0},
		{"a plan done does not", []PartState{part("a", "a-1", StatusUnderStudy, "2019")},
			[]Milestone{ms("a", nil, "2023", &done)}, nil, []CheckKind{CheckStaleStatus}, 0},
		{"planned in 20 days", nil, []Milestone{ms("a", nil, "2025-06-20", nil)}, nil, []CheckKind{CheckDueSoon}, 30},
		{"planned in two months", nil, []Milestone{ms("a", nil, "2025-08", nil)}, nil, []CheckKind{CheckDueSoon}, 90},
		{"planned in a year", nil, []Milestone{ms("a", nil, "2026-06", nil)}, nil, []CheckKind{}, 0},
		{"plan past, not done", nil, []Milestone{ms("a", nil, "2024-Q4", nil)}, nil, []CheckKind{CheckPastPlan}, 0},
		{"plan past, done", nil, []Milestone{ms("a", nil, "2024-Q4", &done)}, nil, []CheckKind{}, 0},
		{"parcels changed, grouped by part", nil, nil, []ParcelChange{
			{SiteID: "a", PartID: "a-1", ParcelID: "x"}, {SiteID: "a", PartID: "a-1", ParcelID: "y"}}, []CheckKind{CheckCadastreChanged}, 0},
		{"late first", []PartState{part("a", "a-1", StatusUnderStudy, "2019")},
			[]Milestone{ms("z", nil, "2024", nil)}, nil, []CheckKind{CheckPastPlan, CheckStaleStatus}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Checks(day, day, DefaultStaleAfter, tt.parts, tt.calendar, tt.changes)
			kinds := []CheckKind{}
			for _, c := range got {
				kinds = append(kinds, c.Kind)
			}
			if len(kinds) != len(tt.want) {
				t.Fatalf("Checks = %v; want %v", kinds, tt.want)
			}
			for i := range kinds {
				if kinds[i] != tt.want[i] {
					t.Fatalf("Checks = %v; want %v", kinds, tt.want)
				}
			}
			if tt.within != 0 && got[0].Within != tt.within {
				t.Errorf("due within %d days; want %d", got[0].Within, tt.within)
			}
			if tt.name == "parcels changed, grouped by part" && len(got[0].Changes) != 2 {
				t.Errorf("%d changes in the check; want 2", len(got[0].Changes))
			}
		})
	}
}

// TestChecksProjection: seen on a day after today, a plan is past only if it is late today.
func TestChecksProjection(t *testing.T) {
	today := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	later := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	late := Milestone{SiteID: "a", Plans: []Plan{{Date: MustParseDate("2024-Q4")}}}
	toCome := Milestone{SiteID: "b", Plans: []Plan{{Date: MustParseDate("2026")}}}
	got := Checks(later, today, DefaultStaleAfter, nil, []Milestone{late, toCome}, nil)
	if len(got) != 1 || got[0].Kind != CheckPastPlan || got[0].SiteID != "a" {
		t.Errorf("Checks(2027-06-01, today 2025-06-01) = %+v; want only a's plan late today", got)
	}
}
