// Package governance is the domain of the convention's steering: the commitments the
// 2019 Paris–Ivry convention makes, their follow-up, the committees that steer it (COPIL,
// COTECH, working groups), their meetings, agendas and decisions, and the convention's own
// term. It is pure Go, like package site: no I/O, no SQL, no JSON tags.
package governance

import (
	"slices"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// Axis is a part of the convention a commitment belongs to.
type Axis string

// The convention's axes: II.A, II.B, II.C and section III (with IV, its term).
const (
	AxisClimate     Axis = "A"   // relever le défi climatique autour des grands projets communs
	AxisHousing     Axis = "B"   // politiques solidaires d'habitat et d'hébergement
	AxisConnections Axis = "C"   // connexions et liaisons entre Paris et Ivry
	AxisGovernance  Axis = "III" // pilotage, gestion et durée de la convention
)

// Axes lists every axis in the convention's order.
func Axes() []Axis { return []Axis{AxisClimate, AxisHousing, AxisConnections, AxisGovernance} }

// ParseAxis validates s as an axis.
func ParseAxis(s string) (Axis, error) {
	if a := Axis(s); slices.Contains(Axes(), a) {
		return a, nil
	}
	return "", site.Invalid("axis", "unknown axis %q (A, B, C, III)", s)
}

// Party is an organisation responsible for a commitment: one of the two towns or a
// partner the convention names.
type Party string

// The parties the convention names as acting or to be associated.
const (
	PartyParis       Party = "paris"
	PartyIvry        Party = "ivry"
	PartyCPCU        Party = "cpcu"
	PartySyctom      Party = "syctom"
	PartyAPUR        Party = "apur"
	PartyIDFM        Party = "idfm"
	PartyHaropa      Party = "haropa"
	PartyVNF         Party = "vnf"
	PartyValDeMarne  Party = "val-de-marne"
	PartySadev94     Party = "sadev-94"
	PartyEauDeParis  Party = "eau-de-paris"
	PartyGrandeDix   Party = "la-grande-10"
	PartyVitry       Party = "vitry"
	PartyMetropoleGP Party = "metropole-grand-paris"
)

// Parties lists every party, the two towns first.
func Parties() []Party {
	return []Party{PartyParis, PartyIvry, PartyCPCU, PartySyctom, PartyAPUR, PartyIDFM, PartyHaropa,
		PartyVNF, PartyValDeMarne, PartySadev94, PartyEauDeParis, PartyGrandeDix, PartyVitry, PartyMetropoleGP}
}

// ParseParty validates s as a party.
func ParseParty(s string) (Party, error) {
	if p := Party(s); slices.Contains(Parties(), p) {
		return p, nil
	}
	return "", site.Invalid("parties", "unknown party %q", s)
}

// Firmness is how the convention words a commitment: the same text binds "s'engage à"
// firmly and "pourra" not at all, and a tracker that flattened them would overstate it.
type Firmness string

// Firmness levels, from the firmest.
const (
	Commits Firmness = "commits" // « s'engage(nt) à », « s'accordent à »
	Shall   Firmness = "shall"   // « devra », « doit »
	Will    Firmness = "will"    // a plain future: « sera institué », « accompagnera »
	Aims    Firmness = "aims"    // an objective: « tendre vers », « souhaitent »
	May     Firmness = "may"     // « pourra », « pourront »
)

// Firmnesses lists every firmness level, firmest first.
func Firmnesses() []Firmness { return []Firmness{Commits, Shall, Will, Aims, May} }

// ParseFirmness validates s as a firmness level.
func ParseFirmness(s string) (Firmness, error) {
	if f := Firmness(s); slices.Contains(Firmnesses(), f) {
		return f, nil
	}
	return "", site.Invalid("firmness", "unknown firmness %q (commits, shall, will, aims, may)", s)
}

// Status is where a commitment stands.
type Status string

// Commitment statuses. Unknown is the honest default: no public source says what
// happened.
const (
	NotStarted Status = "not_started"
	InProgress Status = "in_progress"
	Done       Status = "done"
	Abandoned  Status = "abandoned"
	Superseded Status = "superseded" // by an amendment (avenant)
	Unknown    Status = "unknown"
)

// Statuses lists every status.
func Statuses() []Status {
	return []Status{NotStarted, InProgress, Done, Abandoned, Superseded, Unknown}
}

// ParseStatus validates s as a commitment status.
func ParseStatus(s string) (Status, error) {
	if st := Status(s); slices.Contains(Statuses(), st) {
		return st, nil
	}
	return "", site.Invalid("status", "unknown commitment status %q", s)
}

// Closed reports whether nothing more is expected of a commitment in this status: a closed
// commitment is never late.
func (s Status) Closed() bool { return s == Done || s == Abandoned || s == Superseded }

// CheckProgress refuses a progress outside 0–100 %.
func CheckProgress(p int) error {
	if p < 0 || p > 100 {
		return site.Invalid("progress", "%d is outside 0–100", p)
	}
	return nil
}

// CheckClause validates a clause reference of the convention such as "II.A.2.i", "III"
// or "IV": roman section, then letters, numbers and roman sub-items separated by dots.
func CheckClause(s string) error {
	if !clausePattern.MatchString(s) {
		return site.Invalid("clause", "%q is not a clause of the convention such as II.A.2.i or III", s)
	}
	return nil
}

// Commitment is one thing the convention (or a later decision) commits a party to do.
type Commitment struct {
	ID        string
	Clause    string // "II.A.2.i"
	Axis      Axis
	Title     string
	Quote     string // the convention's own words
	Parties   []Party
	SiteIDs   []string
	PartIDs   []string
	Due       *site.Date // nil when the text gives no date
	Firmness  Firmness
	Status    Status // as first recorded; follow-ups change it from their date on
	Progress  *int   // 0–100, nil when unknown
	Sources   []string
	DecidedAt *int64 // the meeting whose decision created it, if any
	FollowUps []FollowUp
	Version   int64
}

// FollowUp is a dated, sourced note on a commitment, which may change its status or
// progress from its date on.
type FollowUp struct {
	ID         int64
	Date       site.Date // when it happened, to the precision the source gives
	Note       string
	Source     string // URL, deliberation number or document: required
	Status     *Status
	Progress   *int
	MeetingID  *int64
	RecordedAt time.Time
}

// Known reports whether a follow-up is known to have happened by day: "Nov 2025" only
// from 30 November 2025, the last day it can have happened.
func (f *FollowUp) Known(day time.Time) bool { return !f.Date.Last().After(day) }

// AsOf is the commitment as it stood on day: the follow-ups known by then, and the status
// and progress they set.
func (c Commitment) AsOf(day time.Time) Commitment {
	out := c
	out.FollowUps = nil
	for _, f := range c.FollowUps {
		if !f.Known(day) {
			continue
		}
		out.FollowUps = append(out.FollowUps, f)
		if f.Status != nil {
			out.Status = *f.Status
		}
		if f.Progress != nil {
			p := *f.Progress
			out.Progress = &p
		}
	}
	return out
}

// Late reports whether, seen on day, the commitment's due period has ended while it is
// still open: "d'ici fin 2021" (2021-Q4) is late from 1 January 2022 unless done,
// abandoned or superseded by then. Call it on AsOf(day).
func (c *Commitment) Late(day time.Time) bool {
	return c.Due != nil && !c.Status.Closed() && !c.Due.End().After(day)
}

// DueWithin reports whether the commitment is open and its due period falls, at least in
// part, within [from, until).
func (c *Commitment) DueWithin(from, until time.Time) bool {
	return c.Due != nil && !c.Status.Closed() && c.Due.End().After(from) && c.Due.Start.Before(until)
}

// HasParty reports whether p is among the commitment's parties.
func (c *Commitment) HasParty(p Party) bool { return slices.Contains(c.Parties, p) }

// Filter selects commitments; its zero value selects them all.
type Filter struct {
	Status    *Status
	Party     *Party
	Axis      *Axis
	SiteID    string
	DueBefore *time.Time // due period starting before this day
	DueAfter  *time.Time // due period ending after this day
}

// Match reports whether c passes the filter; c is seen as of a day (AsOf) so that the
// status matched is that day's.
func (f Filter) Match(c *Commitment) bool {
	switch {
	case f.Status != nil && c.Status != *f.Status,
		f.Party != nil && !c.HasParty(*f.Party),
		f.Axis != nil && c.Axis != *f.Axis,
		f.SiteID != "" && !slices.Contains(c.SiteIDs, f.SiteID),
		f.DueBefore != nil && (c.Due == nil || !c.Due.Start.Before(*f.DueBefore)),
		f.DueAfter != nil && (c.Due == nil || !c.Due.Last().After(*f.DueAfter)):
		return false
	}
	return true
}

// ParisIvry2019 is the convention as its section IV sets it: adopted by both councils in
// 2019 (no public source available gives the days), for two years, renewed tacitly for
// two years at a time, ended early with three months' notice.
func ParisIvry2019() Convention {
	return Convention{Adopted: site.MustParseDate("2019"), TermYears: 2, NoticeMonths: 3,
		Sources: []string{"Convention Paris–Ivry 2019, §IV"}}
}
