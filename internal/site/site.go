// Package site is the Emprises domain: the Paris-owned sites in Ivry-sur-Seine, their parts
// and statuses, dates known to a precision, cadastral ids, timeline events and the disposal
// calendar. It is pure Go: no I/O, no SQL.
package site

import (
	"errors"
	"fmt"
	"slices"
)

// ErrNotFound is returned when a site, part, event or parcel does not exist.
var ErrNotFound = errors.New("not found")

// InvalidError says which field of a user's input is wrong and why. It is the error every
// validation in Emprises returns, so that the HTTP layer can answer 400 naming the field
// and the CLI can print it beside the file and line.
type InvalidError struct {
	Field  string // JSON name of the offending field, e.g. "status" or "geometry"
	Reason string // in English, for logs and problem bodies
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return "invalid input: " + e.Reason
	}
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// Invalid builds an *InvalidError.
func Invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Modality is how a site is (to be) disposed of.
type Modality string

// The disposal modalities the convention's "modalités de cession envisagées" call for.
const (
	ModalityUndecided       Modality = "undecided"
	ModalitySale            Modality = "sale_to_developer"
	ModalityCallForProjects Modality = "sale_after_call_for_projects"
	ModalityLongLease       Modality = "long_lease"
	ModalityRelocation      Modality = "relocation_then_disposal"
	ModalityTransfer        Modality = "transfer"
	ModalityMadeAvailable   Modality = "made_available"
	ModalityKept            Modality = "kept_by_paris"
)

var modalityLabels = map[Modality]string{
	ModalityUndecided:       "À définir",
	ModalitySale:            "Cession à un aménageur",
	ModalityCallForProjects: "Cession après appel à projets",
	ModalityLongLease:       "Bail emphytéotique",
	ModalityRelocation:      "Relocalisation puis cession",
	ModalityTransfer:        "Transfert",
	ModalityMadeAvailable:   "Mise à disposition",
	ModalityKept:            "Conservé par Paris",
}

// Modalities lists every modality in a stable order.
func Modalities() []Modality {
	return []Modality{ModalityUndecided, ModalitySale, ModalityCallForProjects, ModalityLongLease,
		ModalityRelocation, ModalityTransfer, ModalityMadeAvailable, ModalityKept}
}

// ParseModality validates s as a modality.
func ParseModality(s string) (Modality, error) {
	m := Modality(s)
	if _, ok := modalityLabels[m]; !ok {
		return "", Invalid("modality", "unknown disposal modality %q", s)
	}
	return m, nil
}

// Label is the French name shown to planners.
func (m Modality) Label() string { return modalityLabels[m] }

// GeometryQuality says how far a geometry can be trusted.
type GeometryQuality string

// Geometry qualities, from best to worst.
const (
	QualitySurveyed    GeometryQuality = "surveyed"
	QualityCadastre    GeometryQuality = "cadastre"
	QualityApproximate GeometryQuality = "approximate"
	QualityUnlocated   GeometryQuality = "unlocated"
)

// GeometryQualities lists every geometry quality, best first.
func GeometryQualities() []GeometryQuality {
	return []GeometryQuality{QualitySurveyed, QualityCadastre, QualityApproximate, QualityUnlocated}
}

// ParseGeometryQuality validates s as a geometry quality.
func ParseGeometryQuality(s string) (GeometryQuality, error) {
	switch q := GeometryQuality(s); q {
	case QualitySurveyed, QualityCadastre, QualityApproximate, QualityUnlocated:
		return q, nil
	}
	return "", Invalid("geometry_quality", "unknown geometry quality %q", s)
}

// EventKind classifies a timeline event.
type EventKind string

// Event kinds.
const (
	EventDecision        EventKind = "decision"
	EventStudy           EventKind = "study"
	EventDisposal        EventKind = "disposal"
	EventRelease         EventKind = "release"
	EventDelivery        EventKind = "delivery"
	EventDeadline        EventKind = "deadline"
	EventCommitteeReview EventKind = "committee_review"
	EventAgreement       EventKind = "agreement"
	EventOpening         EventKind = "opening"
	EventNote            EventKind = "note"
)

// EventKinds lists every event kind.
func EventKinds() []EventKind {
	return []EventKind{EventDecision, EventStudy, EventDisposal, EventRelease, EventDelivery, EventDeadline,
		EventCommitteeReview, EventAgreement, EventOpening, EventNote}
}

// ParseEventKind validates s as an event kind.
func ParseEventKind(s string) (EventKind, error) {
	if k := EventKind(s); slices.Contains(EventKinds(), k) {
		return k, nil
	}
	return "", Invalid("kind", "unknown event kind %q", s)
}

// MilestoneKind is a row of the disposal calendar.
type MilestoneKind string

// Milestone kinds.
const (
	MilestoneRelease  MilestoneKind = "release"
	MilestoneDisposal MilestoneKind = "disposal"
	MilestoneDeadline MilestoneKind = "deadline"
)

// ParseMilestoneKind validates s as a milestone kind.
func ParseMilestoneKind(s string) (MilestoneKind, error) {
	switch k := MilestoneKind(s); k {
	case MilestoneRelease, MilestoneDisposal, MilestoneDeadline:
		return k, nil
	}
	return "", Invalid("kind", "unknown calendar kind %q", s)
}

// Label is the French name shown to planners.
func (k MilestoneKind) Label() string {
	switch k {
	case MilestoneRelease:
		return "Libération"
	case MilestoneDisposal:
		return "Cession"
	case MilestoneDeadline:
		return "Échéance"
	}
	return string(k)
}

var slugPattern = `^[a-z0-9]+(-[a-z0-9]+)*$`

// ValidateSlug checks a stable text id such as "tam-robert-witchitz".
func ValidateSlug(field, s string) error {
	if len(s) == 0 || len(s) > 80 {
		return Invalid(field, "must be 1 to 80 characters, got %d", len(s))
	}
	prevDash := true
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			prevDash = false
		case r == '-' && !prevDash:
			prevDash = true
		default:
			return Invalid(field, "%q must match %s", s, slugPattern)
		}
	}
	if prevDash {
		return Invalid(field, "%q must match %s", s, slugPattern)
	}
	return nil
}

// Errors about who may do what, and about concurrent edits.
var (
	ErrConflict        = errors.New("the record has changed since it was read")
	ErrForbidden       = errors.New("not allowed for this account")
	ErrUnauthenticated = errors.New("sign-in required")
)
