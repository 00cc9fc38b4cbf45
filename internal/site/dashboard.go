package site

import "time"

// Dashboard is the portfolio as it stood on a day, as the convention's dashboard asks
// for it: how much Paris holds, in which state, used by whom, what has been ceded, and
// what is due or late in the calendar. Areas are in square metres, to 0.1 m².
type Dashboard struct {
	AsOf         time.Time
	Today        time.Time // the day it was computed: after it, AsOf is a projection
	Totals       Totals
	ByStatus     []StatusArea // every status, in journey order
	ByDepartment []DepartmentArea
	CededToDate  Area // parts ceded on the day
	HeldByParis  Area // parts not ceded on the day: still held by Paris
	CededByYear  []CededYear
	DueNext12    []Milestone // due in the twelve months from AsOf, by planned date
	Overdue      []Milestone // late on LateOn(AsOf, Today), by planned date
}

// Totals counts the parts that existed on the day and sums their areas. Unlocated parts
// have no computed area and add nothing; EstimatedM2 is the part of AreaM2 drawn from
// schematic squares, NominalParts the squares of a placeholder size.
type Totals struct {
	Sites, Parts, LocatedParts, UnlocatedParts int
	AreaM2                                     float64
	EstimatedM2                                float64
	NominalParts                               int
}

// Area counts parts and sums their known areas (see Add): AreaM2 is every computed area,
// EstimatedM2 the part of it drawn from schematic squares (declared or nominal),
// NominalParts the parts whose square has a placeholder size, UnknownParts those with no
// area at all (not in AreaM2, not zero).
type Area struct {
	Parts        int
	AreaM2       float64
	EstimatedM2  float64
	NominalParts int
	UnknownParts int
}

// StatusArea counts the parts in one status and sums their areas.
type StatusArea struct {
	Status Status
	Area
}

// DepartmentArea counts the parts used by one Paris department or body.
type DepartmentArea struct {
	Department string
	Area
}

// CededYear is the area ceded in one year, and in all years up to it.
type CededYear struct {
	Year                 int
	AreaM2, CumulativeM2 float64
}

// Projection reports whether the dashboard is a projection (AsOf after Today).
func (d *Dashboard) Projection() bool { return Projection(d.AsOf, d.Today) }
