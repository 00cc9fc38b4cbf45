package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/emprises/emprises/internal/governance"
)

// governanceICS reads what the calendar feed shows of the convention's governance as of
// day: every recorded meeting, the next meeting each committee's cadence calls for, and
// every commitment's due period.
func (s *Server) governanceICS(r *http.Request, day time.Time) (func(*ics.Calendar), error) {
	cs, err := s.store.ListCommitments(r.Context())
	if err != nil {
		return nil, err
	}
	ms, committees, err := s.meetingsAndCommittees(r)
	if err != nil {
		return nil, err
	}
	stamp := s.now()
	return func(cal *ics.Calendar) {
		names := map[string]string{}
		for _, c := range committees {
			names[c.ID] = c.Name
		}
		for _, m := range ms {
			status := map[governance.MeetingState]ics.ObjectStatus{governance.Held: ics.ObjectStatusConfirmed,
				governance.Planned: ics.ObjectStatusTentative, governance.Cancelled: ics.ObjectStatusCancelled}[m.State]
			var agenda []string
			for _, i := range m.Agenda {
				agenda = append(agenda, "– "+i.Title)
			}
			desc := m.State.Label()
			if len(agenda) > 0 {
				desc += "\nOrdre du jour :\n" + strings.Join(agenda, "\n")
			}
			addICSEvent(cal, icsEvent{uid: "meeting-" + itoa(m.ID) + "@emprises", stamp: stamp, sequence: int(m.Version) - 1,
				start: m.Date, end: m.Date.AddDate(0, 0, 1), summary: names[m.CommitteeID] + " – " + m.State.Label(),
				description: desc, categories: []string{"Instance de la convention"}, status: status})
		}
		for _, d := range governance.ParisIvry2019().NextMeetings(committees, ms, day) {
			desc := "Réunion due au plus tard le " + d.DueBy.Format("02/01/2006") + " (au moins tous les " +
				itoa(int64(d.Cadence.Months)) + " mois, §" + d.Cadence.Clause + ")"
			categories := []string{"Instance de la convention"}
			if d.Overdue {
				desc += "\nEn retard au " + frenchDay(day)
				categories = append(categories, "En retard")
			}
			// One event per committee that moves when a meeting is held: its SEQUENCE is the
			// day number of the last meeting, which only grows.
			addICSEvent(cal, icsEvent{uid: "next-" + d.CommitteeID + "@emprises", stamp: stamp,
				sequence: int(d.After.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24),
				start:    d.DueBy, end: d.DueBy.AddDate(0, 0, 1), summary: names[d.CommitteeID] + " à réunir (cadence)",
				description: desc, categories: categories, status: ics.ObjectStatusTentative})
		}
		for _, c := range cs {
			if c.Due == nil {
				continue
			}
			c = c.AsOf(day)
			categories := []string{"Engagement de la convention"}
			desc := "§" + c.Clause + " – " + c.Status.Label() + "\nÉchéance : " + c.Due.French()
			if c.Late(day) {
				desc += "\nEn retard au " + frenchDay(day)
				categories = append(categories, "En retard")
			}
			addICSEvent(cal, icsEvent{uid: "commitment-" + c.ID + "@emprises", stamp: stamp, sequence: int(c.Version) - 1,
				start: c.Due.Start, end: c.Due.End(), summary: "Échéance d'engagement : " + c.Title,
				description: desc, categories: categories, status: ics.ObjectStatusTentative})
		}
	}, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
