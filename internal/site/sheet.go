package site

import (
	"encoding/json"
	"math"
	"time"
)

// Site is one site as it stood on a day: its facts, the parts that existed then with
// their status that day and their whole history, its parcels, its timeline and its
// calendar.
type Site struct {
	ID           string
	Name         string
	Address      string
	Department   string // the Paris department or body using it
	CurrentUse   string
	Occupant     string
	Owner        string
	Modality     Modality
	ModalityDone bool // the modality was carried out, not only envisaged
	Counterparty string
	Notes        string // confidential: see auth.Role.MaySee
	Sources      []string
	Version      int64     // the site's revision, its ETag
	AsOf         time.Time // the day the site is seen on, a UTC midnight

	Parts    []Part
	Parcels  []ParcelRef
	Timeline []Event
	Calendar []Milestone
}

// AreaM2 is the site's area: the sum of the computed areas of its located parts, to
// 0.1 m². An unlocated part adds nothing.
func (s *Site) AreaM2() float64 {
	var sum float64
	for _, p := range s.Parts {
		if p.AreaM2 != nil {
			sum += *p.AreaM2
		}
	}
	return RoundM2(sum)
}

// RoundM2 rounds an area to 0.1 m², finer than any land record.
func RoundM2(m2 float64) float64 { return math.Round(m2*10) / 10 }

// Hectares converts square metres to hectares rounded to 0.01 ha, as planners write them.
func Hectares(m2 float64) float64 { return math.Round(m2/100) / 100 }

// Part is a piece of a site with its own outline and status: a site is disposed of piece
// by piece.
type Part struct {
	ID              string
	Label           string
	Status          Status // on the day the site is seen
	StatusSince     Date
	AreaM2          *float64 // computed by PostGIS; nil when unlocated
	DeclaredAreaM2  *float64
	GeometryQuality GeometryQuality
	GeometrySource  string
	Geometry        json.RawMessage // GeoJSON in WGS84, longitude first; nil when unlocated
	StatusHistory   []StatusPeriod  // oldest first
	// Projected is true when Status is not recorded but projected from a plan: the site
	// is seen on a day after today and a release or disposal is planned by then.
	Projected bool
}

// StatusPeriod is one status a part has had, from a date (with its precision) until the
// day the next one began.
type StatusPeriod struct {
	Status Status
	From   Date
	Until  *time.Time // exclusive day; nil for the current status
	Reason string
}

// ParcelRef is a cadastral parcel linked to a part of a site.
type ParcelRef struct {
	ID           string
	Section      string
	Number       int
	ContenanceM2 *int
	PartID       *string
}

// Event is a dated event of a site's timeline, past or planned.
type Event struct {
	ID          int64
	PartID      *string
	Kind        EventKind
	Date        Date
	Planned     bool
	Cancelled   bool
	Title       string
	Description string
	Source      string
	AreaM2      *float64
	AmountEUR   *float64 // confidential: see auth.Role.MaySee
}

// Unconfirmed reports whether, seen on day, the event is still planned though its whole
// period is over: nobody recorded that it happened, nor cancelled it. It is the
// milestones' Overdue rule for the timeline.
func (e Event) Unconfirmed(day time.Time) bool {
	return e.Planned && !e.Cancelled && !e.Date.End().After(day)
}
