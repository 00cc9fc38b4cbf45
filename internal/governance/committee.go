package governance

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/site"
)

var clausePattern = regexp.MustCompile(`^(I|II|III|IV)(\.[A-C])?(\.[1-9])?(\.(i|ii|iii|iv|v))?$`)

// CommitteeKind says what a committee is.
type CommitteeKind string

// Committee kinds.
const (
	Steering     CommitteeKind = "copil"         // comité de pilotage
	Technical    CommitteeKind = "cotech"        // comité technique de suivi
	WorkingGroup CommitteeKind = "working_group" // groupe de travail thématique
)

// ParseCommitteeKind validates s as a committee kind.
func ParseCommitteeKind(s string) (CommitteeKind, error) {
	switch k := CommitteeKind(s); k {
	case Steering, Technical, WorkingGroup:
		return k, nil
	}
	return "", site.Invalid("kind", "unknown committee kind %q", s)
}

// Cadence is how often a clause of the convention asks a committee to meet, at least.
type Cadence struct {
	Months int    // at most this many months between two meetings
	Clause string // the clause that says so
}

// MaxCadenceMonths is the longest cadence a clause may set, as the database checks it:
// five years, longer than any term of the convention.
const MaxCadenceMonths = 60

// CheckCadence refuses a cadence whose months are not 1 to MaxCadenceMonths, or that no
// clause of the convention sets.
func CheckCadence(k Cadence) error {
	if k.Months < 1 || k.Months > MaxCadenceMonths {
		return site.Invalid("months", "%d is outside 1–%d", k.Months, MaxCadenceMonths)
	}
	return CheckClause(k.Clause)
}

// Committee is a body that steers or follows the convention.
type Committee struct {
	ID       string // "copil", "cotech", or a slug for a working group
	Kind     CommitteeKind
	Name     string
	Cadences []Cadence // every clause setting a cadence; none for "as needed"
	Sources  []string
}

// Strictest is the most demanding cadence, which plans the next meeting: the convention
// sets two cadences for each committee (II.A.1 and III) and the shorter one is the only
// one that satisfies both. ok is false when no clause sets a cadence.
func (c *Committee) Strictest() (Cadence, bool) {
	if len(c.Cadences) == 0 {
		return Cadence{}, false
	}
	return slices.MinFunc(c.Cadences, func(a, b Cadence) int { return a.Months - b.Months }), true
}

// MeetingState says whether a meeting took place.
type MeetingState string

// Meeting states.
const (
	Planned   MeetingState = "planned"
	Held      MeetingState = "held"
	Cancelled MeetingState = "cancelled"
)

// ParseMeetingState validates s as a meeting state.
func ParseMeetingState(s string) (MeetingState, error) {
	switch st := MeetingState(s); st {
	case Planned, Held, Cancelled:
		return st, nil
	}
	return "", site.Invalid("state", "unknown meeting state %q (planned, held, cancelled)", s)
}

// Meeting is one meeting of a committee, past or planned.
type Meeting struct {
	ID          int64
	CommitteeID string
	Date        time.Time // the day
	Place       string
	State       MeetingState
	Attendees   []Attendee
	Agenda      []AgendaItem
	Decisions   []Decision
	Minutes     string
	Sources     []string
	Version     int64
}

// CheckState refuses a meeting marked held on a day after today.
func CheckState(state MeetingState, date, today time.Time) error {
	if state == Held && date.After(today) {
		return site.Invalid("state", "a meeting on %s cannot have been held yet (today is %s)",
			date.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return nil
}

// Attendee is an organisation present at a meeting, and in which role.
type Attendee struct {
	Organisation string
	Role         string
}

// AgendaItem is one point of a meeting's agenda, linked to what it is about.
type AgendaItem struct {
	ID            int64
	Position      int
	Title         string
	Notes         string
	CommitmentIDs []string
	SiteIDs       []string
	MilestoneIDs  []int64
}

// Decision is one entry of a meeting's record of decisions (relevé de décisions). It may
// create or update a commitment, or move a planned date of the disposal calendar; a move
// must give its reason.
type Decision struct {
	ID           int64
	Text         string
	CommitmentID *string
	MilestoneID  *int64
	NewDate      *site.Date // the milestone's new planned date
	Reason       string
	Owner        string
	Due          *site.Date
}

// CheckDecision refuses a decision that moves a date without a milestone, a date or a
// reason.
func CheckDecision(d Decision) error {
	if strings.TrimSpace(d.Text) == "" {
		return site.Invalid("text", "a decision needs its text")
	}
	if (d.MilestoneID == nil) != (d.NewDate == nil) {
		if d.MilestoneID == nil {
			return site.Invalid("milestone_id", "a new planned date needs the milestone it moves")
		}
		return site.Invalid("new_date", "moving a milestone needs its new planned date")
	}
	if d.NewDate != nil && strings.TrimSpace(d.Reason) == "" {
		return site.Invalid("reason", "a decision that moves a planned date must give its reason")
	}
	return nil
}

// DueMeeting is the next meeting a committee's cadence calls for, derived rather than
// recorded: due by a day, overdue once that day has passed without a meeting.
type DueMeeting struct {
	CommitteeID string
	After       time.Time // the last meeting held (or the convention's adoption)
	DueBy       time.Time // the last day the cadence allows
	Cadence     Cadence
	Overdue     bool
}

// NextDue derives, for each committee with a cadence, the meeting due after the last one
// held on or before day; since is when counting starts when none was held (the
// convention's adoption). Planned meetings do not count: only a held one meets the
// cadence.
func NextDue(committees []Committee, meetings []Meeting, since, day time.Time) []DueMeeting {
	var out []DueMeeting
	for _, c := range committees {
		cad, ok := c.Strictest()
		if !ok {
			continue
		}
		last := since
		for _, m := range meetings {
			if m.CommitteeID == c.ID && m.State == Held && !m.Date.After(day) && m.Date.After(last) {
				last = m.Date
			}
		}
		due := last.AddDate(0, cad.Months, 0)
		out = append(out, DueMeeting{CommitteeID: c.ID, After: last, DueBy: due, Cadence: cad, Overdue: due.Before(day)})
	}
	return out
}
