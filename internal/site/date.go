package site

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Precision is how much of a date is known.
type Precision string

// Precisions, from finest to coarsest.
const (
	Day     Precision = "day"
	Month   Precision = "month"
	Quarter Precision = "quarter"
	Year    Precision = "year"
)

// Date is a date known to a precision: the convention says "début 2019" or "d'ici fin
// 2021", and a fake exact day would lie. Start is the first day of the period, in UTC.
//
// Its text form carries the precision: "2021" (year), "2019-Q1" (quarter), "2015-09"
// (month), "2017-01-19" (day).
type Date struct {
	Start     time.Time
	Precision Precision
}

// MinYear and MaxYear bound every date the service accepts, whoever sends it: an edit, a
// query's ?date=, an OGC datetime, a command-line flag, a cadastre file. The portfolio's
// history starts in the 19th century and its plans end long before 2200; a year outside
// is a typo ("0000-01-01", "20244") that PostgreSQL would store and serve back as
// "0001-01-01 BC".
const (
	MinYear = 1800
	MaxYear = 2200
)

var (
	datePattern = regexp.MustCompile(`^(\d{4})(?:-Q([1-4])|-(\d{2})(?:-(\d{2}))?)?$`)
	dayPattern  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// ParseDate parses the text form of a Date.
func ParseDate(s string) (Date, error) {
	m := datePattern.FindStringSubmatch(s)
	if m == nil {
		return Date{}, Invalid("date", "%q is not YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD", s)
	}
	year, _ := strconv.Atoi(m[1])
	if err := checkYear(year); err != nil {
		return Date{}, err
	}
	switch {
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		return Date{time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC), Quarter}, nil
	case m[4] != "":
		t, err := ParseDay(s)
		if err != nil {
			return Date{}, err
		}
		return Date{t, Day}, nil
	case m[3] != "":
		month, _ := strconv.Atoi(m[3])
		if month < 1 || month > 12 {
			return Date{}, Invalid("date", "%q has no month %d", s, month)
		}
		return Date{time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC), Month}, nil
	}
	return Date{time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), Year}, nil
}

// ParseDay parses a day YYYY-MM-DD of a year from MinYear to MaxYear, as a UTC midnight:
// the one parser of exact days, for every entry point. Its errors are *InvalidError on
// "date"; a caller with another field name puts its own on them.
func ParseDay(s string) (time.Time, error) {
	if !dayPattern.MatchString(s) {
		return time.Time{}, Invalid("date", "%q is not a day YYYY-MM-DD", s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, Invalid("date", "%q is not a real day", s)
	}
	if err := checkYear(t.Year()); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

func checkYear(year int) error {
	if year < MinYear || year > MaxYear {
		return Invalid("date", "year %d is out of range %d–%d", year, MinYear, MaxYear)
	}
	return nil
}

// MustParseDate is ParseDate for literals known to be right; it panics otherwise.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// NewDate builds a Date from a period start and a precision, as stored in the database.
func NewDate(start time.Time, p string) (Date, error) {
	d := Date{Start: time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC), Precision: Precision(p)}
	switch d.Precision {
	case Day:
	case Month:
		if d.Start.Day() != 1 {
			return Date{}, Invalid("date", "a month date must start on day 1")
		}
	case Quarter:
		if d.Start.Day() != 1 || (d.Start.Month()-1)%3 != 0 {
			return Date{}, Invalid("date", "a quarter must start on 1 January, April, July or October")
		}
	case Year:
		if d.Start.Day() != 1 || d.Start.Month() != 1 {
			return Date{}, Invalid("date", "a year must start on 1 January")
		}
	default:
		return Date{}, Invalid("precision", "unknown precision %q (day, month, quarter, year)", p)
	}
	return d, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.Start.IsZero() }

// End is the first day after the period: a deadline "fin 2021" is missed on End.
func (d Date) End() time.Time {
	switch d.Precision {
	case Month:
		return d.Start.AddDate(0, 1, 0)
	case Quarter:
		return d.Start.AddDate(0, 3, 0)
	case Year:
		return d.Start.AddDate(1, 0, 0)
	}
	return d.Start.AddDate(0, 0, 1)
}

// Last is the last day of the period.
func (d Date) Last() time.Time { return d.End().AddDate(0, 0, -1) }

// String gives the text form that ParseDate reads.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	switch d.Precision {
	case Year:
		return fmt.Sprintf("%04d", d.Start.Year())
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", d.Start.Year(), (int(d.Start.Month())+2)/3)
	case Month:
		return d.Start.Format("2006-01")
	}
	return d.Start.Format(time.DateOnly)
}

var frenchMonths = [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.",
	"août", "sept.", "oct.", "nov.", "déc."}

// French renders d as planners write it: "19/01/2017", "sept. 2015", "T1 2019", "2021".
func (d Date) French() string {
	if d.IsZero() {
		return ""
	}
	switch d.Precision {
	case Year:
		return strconv.Itoa(d.Start.Year())
	case Quarter:
		return fmt.Sprintf("T%d %d", (int(d.Start.Month())+2)/3, d.Start.Year())
	case Month:
		return fmt.Sprintf("%s %d", frenchMonths[d.Start.Month()-1], d.Start.Year())
	}
	return d.Start.Format("02/01/2006")
}

// MarshalText implements encoding.TextMarshaler, so JSON carries the text form.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	parsed, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}
