package site

import "time"

// Dashboard is the portfolio as it stood on a day, as the convention's dashboard asks
// for it: how much Paris holds, in which state, used by whom, what has been ceded, and
// what is due or late in the calendar. Areas are in square metres, to 0.1 m².
type Dashboard struct {
	AsOf         time.Time
	Totals       Totals
	ByStatus     []StatusArea // every status, in journey order
	ByDepartment []DepartmentArea
	CededToDate  Area
	CededByYear  []CededYear
	DueNext12    []Milestone // due in the twelve months from AsOf, by planned date
	Overdue      []Milestone // late on AsOf, by planned date
}

// Totals counts the parts that existed on the day and sums their areas. Unlocated parts
// have no computed area and add nothing.
type Totals struct {
	Sites, Parts, LocatedParts, UnlocatedParts int
	AreaM2                                     float64
}

// Area counts parts and sums their areas.
type Area struct {
	Parts  int
	AreaM2 float64
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
