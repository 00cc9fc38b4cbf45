package governance

import (
	"slices"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// A meeting's baseline is the state of the disposal calendar, of the sites' parts and of
// the commitments as the meeting found them: as they stood at the end of the day before
// (BaselineDay), so that what the meeting itself decided (a plan it moved is decided on its
// day) counts among the changes since. It is not stored: every log it is made of is
// append-only or dated (plans with their decision day, part statuses with their validity,
// follow-ups with their date), so the state on any past day can be read again at will,
// and a baseline compared with "now" or with a later meeting.

// BaselineDay is the day whose state is m's baseline: the eve of the meeting.
func BaselineDay(m Meeting) time.Time { return m.Date.AddDate(0, 0, -1) }

// PartState is one part of a site as it stood on a day.
type PartState struct {
	SiteID   string
	SiteName string
	PartID   string
	Label    string
	Status   site.Status
	Since    site.Date
	AreaM2   *float64 // nil when unlocated
}

// State is everything a baseline holds: the sites' parts that existed on Day with their
// status, the calendar as known on Day, and the commitments as of Day (Commitment.AsOf),
// restricted to those known by then (KnownSince).
type State struct {
	Day         time.Time
	Parts       []PartState
	Calendar    []site.Milestone
	Commitments []Commitment
}

// KnownFrom filters commitments to those known on day: known maps a commitment to the
// first day it was known (a zero time: all along, as the convention's own are) and
// commitments missing from it are taken as known all along.
func KnownFrom(commitments []Commitment, known map[string]time.Time, day time.Time) []Commitment {
	out := make([]Commitment, 0, len(commitments))
	for _, c := range commitments {
		if from, ok := known[c.ID]; ok && from.After(day) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Slip is a milestone whose planned date moved between a baseline and a later day.
type Slip struct {
	Milestone site.Milestone // as seen on the later day
	From, To  site.Date
	Later     bool        // the milestone moved later (a slip proper); false when brought forward
	Plans     []site.Plan // the plans decided since the baseline, each with its reason and source
}

// PartChange is a part whose status changed between a baseline and a later day, or that
// appeared after the baseline (From empty).
type PartChange struct {
	Part PartState // as seen on the later day
	From site.Status
}

// Comparison is what changed between a baseline and a later state.
type Comparison struct {
	Since, Until time.Time

	Slipped       []Slip           // planned dates that moved, by new planned date
	NewMilestones []site.Milestone // planned after the baseline (no plan then)
	Done          []site.Milestone // happened between the two days
	LateSince     []site.Milestone // overdue on Until, not on Since

	Parts []PartChange // statuses changed and parts added, by site and part

	CommitmentsDone []Commitment // done on Until, not on Since
	NewCommitments  []Commitment // known on Until, not on Since
	CommitmentsLate []Commitment // late on Until, not on Since
}

// Compare derives what changed from base to now. Both states are as their store reads
// them, base.Day on or before now.Day.
func Compare(base, now State) Comparison {
	c := Comparison{Since: base.Day, Until: now.Day}
	before := make(map[int64]*site.Milestone, len(base.Calendar))
	for i := range base.Calendar {
		before[base.Calendar[i].ID] = &base.Calendar[i]
	}
	for _, m := range now.Calendar {
		b := before[m.ID]
		var was *site.Date
		if b != nil {
			was = b.Planned()
		}
		is := m.Planned()
		switch {
		case is == nil:
		case was == nil:
			c.NewMilestones = append(c.NewMilestones, m)
		case !was.Start.Equal(is.Start) || was.Precision != is.Precision:
			c.Slipped = append(c.Slipped, Slip{Milestone: m, From: *was, To: *is, Later: later(*was, *is),
				Plans: PlansSince(m.Plans, base.Day)})
		}
		if m.Actual != nil && (b == nil || b.Actual == nil) {
			c.Done = append(c.Done, m)
		}
		if m.Overdue(now.Day) && (b == nil || !b.Overdue(base.Day)) {
			c.LateSince = append(c.LateSince, m)
		}
	}
	slices.SortStableFunc(c.Slipped, func(a, b Slip) int { return a.To.Start.Compare(b.To.Start) })

	parts := make(map[string]site.Status, len(base.Parts))
	for _, p := range base.Parts {
		parts[p.PartID] = p.Status
	}
	for _, p := range now.Parts {
		if was, ok := parts[p.PartID]; !ok || was != p.Status {
			c.Parts = append(c.Parts, PartChange{Part: p, From: was})
		}
	}

	old := make(map[string]*Commitment, len(base.Commitments))
	for i := range base.Commitments {
		old[base.Commitments[i].ID] = &base.Commitments[i]
	}
	for _, cm := range now.Commitments {
		b := old[cm.ID]
		if b == nil {
			c.NewCommitments = append(c.NewCommitments, cm)
		}
		if cm.Status == Done && (b == nil || b.Status != Done) {
			c.CommitmentsDone = append(c.CommitmentsDone, cm)
		}
		if cm.Late(now.Day) && (b == nil || !b.Late(base.Day)) {
			c.CommitmentsLate = append(c.CommitmentsLate, cm)
		}
	}
	return c
}

// later reports whether the period to ends after from, or ends with it and starts after:
// "2027" to "2027-Q4" gives the planners less room, which they count as a slip.
func later(from, to site.Date) bool {
	if !to.End().Equal(from.End()) {
		return to.End().After(from.End())
	}
	return to.Start.After(from.Start)
}

// PlansSince picks the plans decided after day: those a baseline on day did not know. A
// plan with no decision day is known all along, as the calendar seen on any day takes it.
func PlansSince(plans []site.Plan, day time.Time) []site.Plan {
	var out []site.Plan
	for _, p := range plans {
		if p.DecidedOn != nil && p.DecidedOn.After(day) {
			out = append(out, p)
		}
	}
	return out
}

// SiteChanges gathers a comparison's changes by site id, for a table of the sites.
func (c *Comparison) SiteChanges() map[string]*SiteChange {
	out := map[string]*SiteChange{}
	at := func(id string) *SiteChange {
		if out[id] == nil {
			out[id] = &SiteChange{}
		}
		return out[id]
	}
	for _, p := range c.Parts {
		sc := at(p.Part.SiteID)
		sc.Parts = append(sc.Parts, p)
	}
	for _, s := range c.Slipped {
		sc := at(s.Milestone.SiteID)
		sc.Slipped = append(sc.Slipped, s)
	}
	for _, m := range c.Done {
		sc := at(m.SiteID)
		sc.Done = append(sc.Done, m)
	}
	for _, m := range c.NewMilestones {
		sc := at(m.SiteID)
		sc.NewMilestones = append(sc.NewMilestones, m)
	}
	return out
}

// SiteChange is what changed on one site between a baseline and a later day.
type SiteChange struct {
	Parts         []PartChange
	Slipped       []Slip
	Done          []site.Milestone
	NewMilestones []site.Milestone
}

// Previous is the baseline of m: the last meeting of the same committee held before m's
// day. ok is false for a committee's first meeting.
func Previous(meetings []Meeting, m Meeting) (prev Meeting, ok bool) {
	for _, x := range meetings {
		if x.CommitteeID == m.CommitteeID && x.ID != m.ID && x.State == Held && x.Date.Before(m.Date) &&
			(!ok || x.Date.After(prev.Date)) {
			prev, ok = x, true
		}
	}
	return prev, ok
}

// NextAfter is the day by which the committee meets again after m: its next meeting
// recorded as planned or held, or else the day its strictest cadence calls for (m's day
// plus the cadence). ok is false for a committee with neither.
func NextAfter(committee Committee, meetings []Meeting, m Meeting) (next time.Time, ok bool) {
	for _, x := range meetings {
		if x.CommitteeID == m.CommitteeID && x.ID != m.ID && x.State != Cancelled && x.Date.After(m.Date) &&
			(!ok || x.Date.Before(next)) {
			next, ok = x.Date, true
		}
	}
	if ok {
		return next, true
	}
	if cad, has := committee.Strictest(); has {
		return m.Date.AddDate(0, cad.Months, 0), true
	}
	return time.Time{}, false
}

// Action is something a committee asked someone to do: a commitment a decision created,
// or a decision with an owner or a due date.
type Action struct {
	Meeting    Meeting // where it was decided
	Decision   *Decision
	Commitment *Commitment // the commitment it created or concerns, as of the day seen
}

// OpenActions lists the actions decided at meetings of committeeID held on or before day
// that are still open on day: a commitment a decision created, while it is not closed;
// a decision with an owner or a due date, unless the commitment it concerns is closed.
// commitments are as of day. Ordered by meeting, then decision.
func OpenActions(committeeID string, meetings []Meeting, commitments []Commitment, day time.Time) []Action {
	byID := make(map[string]*Commitment, len(commitments))
	for i := range commitments {
		byID[commitments[i].ID] = &commitments[i]
	}
	var out []Action
	for _, m := range meetings {
		if m.CommitteeID != committeeID || m.State != Held || m.Date.After(day) {
			continue
		}
		for i := range m.Decisions {
			d := &m.Decisions[i]
			if d.Owner == "" && d.Due == nil {
				continue
			}
			var c *Commitment
			if d.CommitmentID != nil {
				c = byID[*d.CommitmentID]
			}
			if c != nil && c.Status.Closed() {
				continue
			}
			out = append(out, Action{Meeting: m, Decision: d, Commitment: c})
		}
		for i := range commitments {
			c := &commitments[i]
			if c.DecidedAt != nil && *c.DecidedAt == m.ID && !c.Status.Closed() && !decidedBy(m.Decisions, c.ID) {
				out = append(out, Action{Meeting: m, Commitment: c})
			}
		}
	}
	return out
}

// decidedBy reports whether one of decisions with an owner or a due date concerns the
// commitment id, so that it is listed once.
func decidedBy(decisions []Decision, id string) bool {
	return slices.ContainsFunc(decisions, func(d Decision) bool {
		return d.CommitmentID != nil && *d.CommitmentID == id && (d.Owner != "" || d.Due != nil)
	})
}
