package site

import (
	"slices"
	"time"
)

// Milestone is one milestone of the disposal calendar (a release, a disposal or a
// deadline of a site or part) as it stood on a day: the plans known by then, oldest
// first, and the actual date if it had happened by then.
type Milestone struct {
	ID         int64
	SiteID     string
	SiteName   string
	PartID     *string
	PartLabel  *string
	PartAreaM2 *float64
	Kind       MilestoneKind
	Label      string
	Plans      []Plan
	Actual     *Date
}

// Plan is one planned date of a milestone, as decided at some point. Plans are never
// changed: a new plan is added, so that every slip stays visible.
type Plan struct {
	Date       Date
	DecidedOn  *time.Time // the day it was decided, when known
	Reason     string
	Source     string
	RecordedAt time.Time
}

// Planned is the latest plan's date, nil before any plan.
func (m *Milestone) Planned() *Date {
	if len(m.Plans) == 0 {
		return nil
	}
	return &m.Plans[len(m.Plans)-1].Date
}

// Slips counts how many times the planned date was changed.
func (m *Milestone) Slips() int { return max(len(m.Plans)-1, 0) }

// Overdue reports whether, seen on day, the planned period has ended and the milestone
// has not happened: "d'ici fin 2021" (2021-Q4) is overdue from 1 January 2022.
func (m *Milestone) Overdue(day time.Time) bool {
	p := m.Planned()
	return p != nil && m.Actual == nil && !p.End().After(day)
}

// DueWithin reports whether the milestone is still to happen and its planned period
// falls, at least in part, within [from, until).
func (m *Milestone) DueWithin(from, until time.Time) bool {
	p := m.Planned()
	if p == nil || m.Actual != nil {
		return false
	}
	return p.End().After(from) && p.Start.Before(until)
}

// DueAndOverdue picks from a calendar seen on day what is due in the twelve months from
// day and what is late, each ordered by planned date. Lateness is judged on
// LateOn(day, today): a projection counts as late only what is late today.
func DueAndOverdue(calendar []Milestone, day, today time.Time) (due, overdue []Milestone) {
	due, overdue = []Milestone{}, []Milestone{}
	until := day.AddDate(1, 0, 0)
	late := LateOn(day, today)
	for _, m := range calendar {
		switch {
		case m.Overdue(late):
			overdue = append(overdue, m)
		case m.DueWithin(day, until):
			due = append(due, m)
		}
	}
	byPlanned := func(a, b Milestone) int { return a.Planned().Start.Compare(b.Planned().Start) }
	slices.SortStableFunc(due, byPlanned)
	slices.SortStableFunc(overdue, byPlanned)
	return due, overdue
}
