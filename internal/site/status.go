package site

import "strings"

// Status is the state of a site part in its journey from Paris service to disposal.
type Status string

// The statuses, in the order a part usually goes through them.
const (
	StatusInUse              Status = "in_use"
	StatusUnderStudy         Status = "under_study"
	StatusReleasePlanned     Status = "release_planned"
	StatusReleased           Status = "released"
	StatusDisposalInProgress Status = "disposal_in_progress"
	StatusCeded              Status = "ceded"
)

// Statuses lists every status in journey order.
func Statuses() []Status {
	return []Status{StatusInUse, StatusUnderStudy, StatusReleasePlanned, StatusReleased,
		StatusDisposalInProgress, StatusCeded}
}

var statusLabels = map[Status]string{
	StatusInUse:              "En service",
	StatusUnderStudy:         "Devenir à l'étude",
	StatusReleasePlanned:     "Libération programmée",
	StatusReleased:           "Libéré",
	StatusDisposalInProgress: "Cession en cours",
	StatusCeded:              "Cédé",
}

// transitions lists the moves a planner may make without a correction. A ceded part is
// final: bringing it back is a correction of the record, not a change of the world.
var transitions = map[Status][]Status{
	StatusInUse:              {StatusUnderStudy, StatusReleasePlanned, StatusReleased, StatusDisposalInProgress},
	StatusUnderStudy:         {StatusInUse, StatusReleasePlanned, StatusReleased, StatusDisposalInProgress},
	StatusReleasePlanned:     {StatusInUse, StatusUnderStudy, StatusReleased, StatusDisposalInProgress},
	StatusReleased:           {StatusInUse, StatusUnderStudy, StatusDisposalInProgress, StatusCeded},
	StatusDisposalInProgress: {StatusCeded, StatusReleased, StatusUnderStudy},
	StatusCeded:              {},
}

// ParseStatus validates s as a status.
func ParseStatus(s string) (Status, error) {
	st := Status(s)
	if _, ok := statusLabels[st]; !ok {
		return "", Invalid("status", "unknown status %q", s)
	}
	return st, nil
}

// Label is the French name shown to planners.
func (s Status) Label() string { return statusLabels[s] }

// Next lists the statuses s may move to without a correction.
func (s Status) Next() []Status { return transitions[s] }

// CheckTransition says whether a part may go from one status to another. A correction
// (fixing a wrong record) may go anywhere, but must say why.
func CheckTransition(from, to Status, correction bool, reason string) error {
	if _, ok := statusLabels[to]; !ok {
		return Invalid("status", "unknown status %q", to)
	}
	if from == to {
		return Invalid("status", "part is already %s", to)
	}
	if correction {
		if strings.TrimSpace(reason) == "" {
			return Invalid("reason", "a correction must give its reason")
		}
		return nil
	}
	for _, next := range transitions[from] {
		if next == to {
			return nil
		}
	}
	if from == StatusCeded {
		return Invalid("status", "a ceded part cannot become %s; send correction=true with a reason to fix a wrong record", to)
	}
	return Invalid("status", "cannot go from %s to %s (allowed: %v)", from, to, transitions[from])
}
