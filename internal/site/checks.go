package site

import (
	"cmp"
	"slices"
	"time"
)

// CheckKind is why something needs a look.
type CheckKind string

// The kinds of check, in the order a list shows them: the late first.
const (
	// CheckPastPlan: a milestone's planned period has ended and it has not happened.
	CheckPastPlan CheckKind = "past_plan"
	// CheckDueSoon: a milestone planned within the next DueSoonDays (30 or 90) days.
	CheckDueSoon CheckKind = "due_soon"
	// CheckStaleStatus: a part has been in a transitional status for longer than the
	// allowed time, and nothing dated is planned for it.
	CheckStaleStatus CheckKind = "stale_status"
	// CheckCadastreChanged: the last cadastre vintage changed parcels linked to a part.
	CheckCadastreChanged CheckKind = "cadastre_changed"
)

var checkOrder = map[CheckKind]int{CheckPastPlan: 0, CheckDueSoon: 1, CheckStaleStatus: 2, CheckCadastreChanged: 3}

// DueSoonDays are the horizons of CheckDueSoon: a milestone is due within the first that
// holds its planned period's last day.
var DueSoonDays = []int{30, 90}

// DefaultStaleAfter is how long a part may stay in a transitional status with no planned
// date before it is flagged: two years, the span of a disposal that goes well.
const DefaultStaleAfter = 2 * 365 * 24 * time.Hour

// Transitional reports whether a part in status s is on its way somewhere (under study,
// release planned, disposal in progress): such a status should not last without a plan.
func (s Status) Transitional() bool {
	return s == StatusUnderStudy || s == StatusReleasePlanned || s == StatusDisposalInProgress
}

// PartState is a part's status as it stood on a day.
type PartState struct {
	SiteID    string
	SiteName  string
	PartID    string
	PartLabel string
	Status    Status
	Since     Date
}

// ParcelChange is a change the last cadastre vintage made to a parcel linked to a part.
type ParcelChange struct {
	SiteID   string
	SiteName string
	PartID   string
	ParcelID string
	Kind     string // modified, removed, split, merged, renumbered, reorganised, added
	ImportID int64
	Vintage  time.Time
}

// Check is one thing that needs a look as of a day.
type Check struct {
	Kind      CheckKind
	SiteID    string
	SiteName  string
	PartID    string     // empty for a milestone of the whole site
	Part      *PartState // CheckStaleStatus
	Milestone *Milestone // CheckPastPlan, CheckDueSoon
	Within    int        // CheckDueSoon: 30 or 90 (days)
	Changes   []ParcelChange
}

// Checks lists what needs a look on day: plans past and not done, milestones due within
// 90 days, parts in a transitional status since longer than staleAfter (counted from the
// end of the status's period: "2019" is at least two years old on 1 January 2022) with no
// milestone of theirs or of their whole site planned and not done, and parts whose parcels
// the last cadastre vintage changed. Ordered by kind, then site name, then date.
//
// For a day after today (a projection), a plan counts as past only when it is late today
// (LateOn): the plans due between today and day are projected, not late.
func Checks(day, today time.Time, staleAfter time.Duration, parts []PartState, calendar []Milestone, changes []ParcelChange) []Check {
	out := []Check{}
	planned := map[string]bool{} // site id, or site id + "/" + part id, with a plan to come
	for i := range calendar {
		m := &calendar[i]
		if m.Planned() != nil && m.Actual == nil {
			key := m.SiteID
			if m.PartID != nil {
				key += "/" + *m.PartID
			}
			planned[key] = true
		}
		c := Check{SiteID: m.SiteID, SiteName: m.SiteName, Milestone: m}
		if m.PartID != nil {
			c.PartID = *m.PartID
		}
		switch {
		case m.Overdue(LateOn(day, today)):
			c.Kind = CheckPastPlan
		default:
			for _, d := range DueSoonDays {
				if m.DueWithin(day, day.AddDate(0, 0, d)) {
					c.Kind, c.Within = CheckDueSoon, d
					break
				}
			}
		}
		if c.Kind != "" {
			out = append(out, c)
		}
	}
	for i := range parts {
		p := &parts[i]
		if !p.Status.Transitional() || planned[p.SiteID] || planned[p.SiteID+"/"+p.PartID] {
			continue
		}
		if p.Since.End().Add(staleAfter).After(day) {
			continue
		}
		out = append(out, Check{Kind: CheckStaleStatus, SiteID: p.SiteID, SiteName: p.SiteName, PartID: p.PartID, Part: p})
	}
	byPart := map[string]int{}
	for _, ch := range changes {
		if i, ok := byPart[ch.PartID]; ok {
			out[i].Changes = append(out[i].Changes, ch)
			continue
		}
		byPart[ch.PartID] = len(out)
		out = append(out, Check{Kind: CheckCadastreChanged, SiteID: ch.SiteID, SiteName: ch.SiteName, PartID: ch.PartID, Changes: []ParcelChange{ch}})
	}
	slices.SortStableFunc(out, func(a, b Check) int {
		return cmp.Or(cmp.Compare(checkOrder[a.Kind], checkOrder[b.Kind]),
			cmp.Compare(a.SiteName, b.SiteName), a.when().Compare(b.when()))
	})
	return out
}

// when dates a check for ordering: a milestone's planned start, a status's start.
func (c Check) when() time.Time {
	switch {
	case c.Milestone != nil && c.Milestone.Planned() != nil:
		return c.Milestone.Planned().Start
	case c.Part != nil:
		return c.Part.Since.Start
	}
	return time.Time{}
}
