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

// Slips counts how many times the planned date was changed, later or earlier.
func (m *Milestone) Slips() int { return max(len(m.Plans)-1, 0) }

// PlanMove is how a plan moved the planned date of its milestone.
type PlanMove string

// Plan moves. Plans are compared on the end of their periods: "fin 2027" moved to
// "T2 2027" is an advance, to "2028-03" a postponement; a plan with the same end (2027 and
// 2027-Q4) is a new precision, neither.
const (
	MoveFirst     PlanMove = "first"     // the first plan of the milestone
	MovePostponed PlanMove = "postponed" // a later date: un report
	MoveAdvanced  PlanMove = "advanced"  // an earlier date: une avancée
	MoveRefined   PlanMove = "refined"   // the same end, another precision
)

// Label is the French name of a move, empty for the first plan.
func (m PlanMove) Label() string {
	switch m {
	case MovePostponed:
		return "report"
	case MoveAdvanced:
		return "avancée"
	case MoveRefined:
		return "précision"
	}
	return ""
}

// MoveTo says how a plan for next would move the milestone's latest plan.
func (m *Milestone) MoveTo(next Date) PlanMove {
	p := m.Planned()
	if p == nil {
		return MoveFirst
	}
	return moveBetween(*p, next)
}

func moveBetween(from, to Date) PlanMove {
	switch to.End().Compare(from.End()) {
	case 1:
		return MovePostponed
	case -1:
		return MoveAdvanced
	}
	return MoveRefined
}

// Moves says how each plan moved the one before it, oldest first.
func (m *Milestone) Moves() []PlanMove {
	out := make([]PlanMove, len(m.Plans))
	for i := range m.Plans {
		if i == 0 {
			out[i] = MoveFirst
		} else {
			out[i] = moveBetween(m.Plans[i-1].Date, m.Plans[i].Date)
		}
	}
	return out
}

// Postponements and Advances count the plans that moved the date later and earlier.
func (m *Milestone) Postponements() int { return m.count(MovePostponed) }

// Advances counts the plans that moved the date earlier (see Postponements).
func (m *Milestone) Advances() int { return m.count(MoveAdvanced) }

func (m *Milestone) count(move PlanMove) int {
	n := 0
	for _, mv := range m.Moves() {
		if mv == move {
			n++
		}
	}
	return n
}

// CheckPlan refuses a planned date whose period has ended by today: a plan is for what is
// still to happen ("d'ici fin 2026" may still be planned on 31 December 2026). What has
// happened is recorded as the milestone's actual date, not planned after the fact.
func CheckPlan(d Date, today time.Time) error {
	if !d.End().After(today) {
		return Invalid("date", "%s has passed (today is %s): a planned date must still be to come; if the milestone happened, record its actual date",
			d, today.Format(time.DateOnly))
	}
	return nil
}

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
