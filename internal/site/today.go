package site

import (
	"time"
	// The planners' zone must be known on a machine without a zoneinfo database (a
	// scratch container, a bare Windows install): LoadLocation then reads the copy
	// embedded here (about 450 kB) rather than fail.
	_ "time/tzdata"
)

// paris is the planners' time zone: the day a status changes or an event happens is
// theirs, wherever the service runs.
var paris = mustLoadLocation("Europe/Paris")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("site: " + err.Error()) // cannot happen: time/tzdata is embedded
	}
	return loc
}

// Today is the current day in Paris, as a UTC midnight like Date.Start: the default day
// of every view (?date=, datetime, export --date) and the "today" of the edit rules (a
// status or an event cannot be dated after it).
func Today() time.Time { return TodayAt(time.Now()) }

// TodayAt is the day in Paris at the instant now, as a UTC midnight. Between 00:00 and
// 01:00 (winter) or 02:00 (summer) Paris time it is the day after the UTC day.
func TodayAt(now time.Time) time.Time {
	y, m, d := now.In(paris).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Projection reports whether the portfolio seen on day is a projection: a day after today
// has no record yet, and the state shown for it is the one the plans of the calendar lead
// to (the rule is migrations/011_projection.sql, the one place that decides it). Every
// view of such a day says "projection".
func Projection(day, today time.Time) bool { return day.After(today) }

// LateOn is the day on which lateness is judged when the portfolio is seen on day: that
// day itself when it is today or past, but today for a projection. What will be late in
// some future year is not known today, and counting every plan due before that day as
// late would inflate the overdue count (plans reached by then are projected as done).
func LateOn(day, today time.Time) time.Time {
	if Projection(day, today) {
		return today
	}
	return day
}
