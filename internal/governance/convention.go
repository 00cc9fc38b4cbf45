package governance

import (
	"slices"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// Convention is the agreement's own calendar (section IV): adopted by both councils,
// concluded for a term and renewed tacitly for as long again, and ended early only with
// notice.
type Convention struct {
	Adopted      site.Date // "2019": no public source gives the councils' days
	TermYears    int       // 2
	NoticeMonths int       // 3
	Sources      []string
}

// NextMeetings is the next meeting each committee's cadence calls for as of day, the
// cadences running from the convention's adoption (the end of its period: the councils'
// days are not known).
func (c Convention) NextMeetings(committees []Committee, meetings []Meeting, day time.Time) []DueMeeting {
	return NextDue(committees, meetings, c.Adopted.Last(), day)
}

// Term is one period of the convention.
type Term struct {
	N int // 1 for the initial term, 2 for the first renewal…
	// The term ends between EndsFrom and EndsBy: the adoption is known to a precision,
	// and so is every renewal.
	EndsFrom, EndsBy time.Time
	// NoticeBy is the last day a party can be sure to give three months' notice before
	// the term ends, whatever the exact adoption day.
	NoticeBy time.Time
}

// Terms lists the terms that have started by day, and the next one: the last is the
// term in force on day.
func (c Convention) Terms(day time.Time) []Term {
	var out []Term
	for n := 1; ; n++ {
		years := n * c.TermYears
		t := Term{N: n,
			EndsFrom: c.Adopted.Start.AddDate(years, 0, 0),
			EndsBy:   c.Adopted.Last().AddDate(years, 0, 0)}
		t.NoticeBy = t.EndsFrom.AddDate(0, -c.NoticeMonths, -1)
		out = append(out, t)
		if t.EndsFrom.After(day) || n > 100 {
			return out
		}
	}
}

// Summary counts commitments as they stood on a day, for the dashboard.
type Summary struct {
	Day      time.Time
	ByStatus map[Status]int
	ByParty  map[Party]int
	Late     []Commitment // by due date
	DueSoon  []Commitment // open and due within six months of Day, by due date
	NextDue  []DueMeeting
	Upcoming []Meeting // planned meetings on or after Day, soonest first
	Term     Term      // the term in force on Day
	Total    int
}

// Summarise builds the dashboard of commitments as of day. commitments must already be as
// of day (Commitment.AsOf).
func Summarise(commitments []Commitment, committees []Committee, meetings []Meeting, conv Convention, day time.Time) Summary {
	s := Summary{Day: day, ByStatus: map[Status]int{}, ByParty: map[Party]int{}, Total: len(commitments)}
	for _, st := range Statuses() {
		s.ByStatus[st] = 0
	}
	until := day.AddDate(0, 6, 0)
	for _, c := range commitments {
		s.ByStatus[c.Status]++
		for _, p := range c.Parties {
			s.ByParty[p]++
		}
		switch {
		case c.Late(day):
			s.Late = append(s.Late, c)
		case c.DueWithin(day, until):
			s.DueSoon = append(s.DueSoon, c)
		}
	}
	byDue := func(a, b Commitment) int { return a.Due.Start.Compare(b.Due.Start) }
	slices.SortStableFunc(s.Late, byDue)
	slices.SortStableFunc(s.DueSoon, byDue)
	terms := conv.Terms(day)
	s.Term = terms[len(terms)-1]
	s.NextDue = conv.NextMeetings(committees, meetings, day)
	for _, m := range meetings {
		if m.State == Planned && !m.Date.Before(day) {
			s.Upcoming = append(s.Upcoming, m)
		}
	}
	slices.SortStableFunc(s.Upcoming, func(a, b Meeting) int { return a.Date.Compare(b.Date) })
	return s
}
