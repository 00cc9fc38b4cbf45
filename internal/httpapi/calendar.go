package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/spreadsheet"
	"github.com/emprises/emprises/internal/store"
)

// calendarResponse is the body of GET /api/calendar.
type calendarResponse struct {
	AsOf string `json:"as_of"`
	// Projection is true for a day after today: overdue is then judged on today.
	Projection      bool            `json:"projection"`
	ProjectionLabel string          `json:"projection_label"` // in French when Projection, else empty
	Items           []milestoneJSON `json:"items"`
}

// calendarAsOf reads ?date= and lists the calendar as it stood on that day.
func (s *Server) calendarAsOf(r *http.Request) (time.Time, []site.Milestone, error) {
	asOf, err := s.asOfQuery(r)
	if err != nil {
		return time.Time{}, nil, err
	}
	items, err := s.store.ListCalendar(r.Context(), store.CalendarQuery{AsOf: asOf})
	return asOf, items, err
}

// calendarLate is the day the calendar seen on asOf judges lateness on, and marks a
// projection in w.
func (s *Server) calendarLate(w http.ResponseWriter, asOf time.Time) time.Time {
	s.markProjection(w, asOf)
	return site.LateOn(asOf, s.today())
}

// handleCalendar answers GET /api/calendar?date=.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	asOf, items, err := s.calendarAsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	projection := site.Projection(asOf, s.today())
	s.writeJSON(w, r, http.StatusOK, calendarResponse{AsOf: asOf.Format(time.DateOnly), Projection: projection,
		ProjectionLabel: projectionNote(projection), Items: shapeMilestones(items, s.calendarLate(w, asOf))})
}

// calendarCSVHeader names the columns of the spreadsheet, in French for the planners.
var calendarCSVHeader = []string{
	"Site", "Partie", "Type", "Libellé", "Date prévue", "Début de la période prévue",
	"Fin de la période prévue", "Date réalisée", "En retard", "Nombre de reports",
	"Dates prévues successives", "Surface de la partie (ha)", "Identifiant du site",
	"Identifiant du jalon",
}

// handleCalendarCSV answers GET /api/calendar.csv?date=: the calendar as a spreadsheet that
// a French spreadsheet program opens as it is: UTF-8 with a byte-order mark, ';' between
// fields, CRLF line ends, French dates and decimal commas.
func (s *Server) handleCalendarCSV(w http.ResponseWriter, r *http.Request) {
	asOf, items, err := s.calendarAsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	late := s.calendarLate(w, asOf)
	s.writeFrenchCSV(w, "emprises-calendrier-"+asOf.Format(time.DateOnly)+".csv", calendarCSVHeader,
		func(write func([]string)) {
			for i := range items {
				write(calendarCSVRow(&items[i], late))
			}
		})
}

// writeFrenchCSV sends a spreadsheet that a French spreadsheet program opens as it is:
// UTF-8 with a byte-order mark, ';' between fields, CRLF line ends, a header row, and
// cells that would run as formulas neutralised. rows calls write once per row.
func (s *Server) writeFrenchCSV(w http.ResponseWriter, filename string, header []string, rows func(write func([]string))) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	attachment(w, filename)
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF") //nolint:errcheck // reported by Flush
	cw := spreadsheet.NewWriter(bw)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write(header) //nolint:errcheck // reported by Error
	rows(func(row []string) {
		cw.Write(row) //nolint:errcheck // reported by Error
	})
	cw.Flush()
	err := cw.Error()
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.logger.Warn("csv download: write", "file", filename, "err", err)
	}
}

func calendarCSVRow(c *site.Milestone, late time.Time) []string {
	row := make([]string, 0, len(calendarCSVHeader))
	row = append(row, c.SiteName, deref(c.PartLabel), c.Kind.Label(), c.Label)
	if p := c.Planned(); p != nil {
		row = append(row, p.French(), frenchDay(p.Start), frenchDay(p.Last()))
	} else {
		row = append(row, "", "", "")
	}
	if c.Actual != nil {
		row = append(row, c.Actual.French())
	} else {
		row = append(row, "")
	}
	row = append(row, yesNo(c.Overdue(late)), strconv.Itoa(c.Slips()))
	plans := make([]string, len(c.Plans))
	for i, p := range c.Plans {
		plans[i] = p.Date.French()
	}
	row = append(row, strings.Join(plans, " → "))
	area := ""
	if c.PartAreaM2 != nil {
		area = frenchDecimal(*c.PartAreaM2/10000, 2)
	}
	return append(row, area, c.SiteID, strconv.FormatInt(c.ID, 10))
}

// frenchDay writes a day as JJ/MM/AAAA.
func frenchDay(t time.Time) string { return t.Format("02/01/2006") }

// frenchDecimal writes v with a decimal comma and no thousands separator, which every
// French spreadsheet reads as a number.
func frenchDecimal(v float64, decimals int) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', decimals, 64), ".", ",", 1)
}

func yesNo(b bool) string {
	if b {
		return "oui"
	}
	return "non"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// handleCalendarICS answers GET /api/calendar.ics?date=: the calendar as an RFC 5545
// iCalendar feed to subscribe to. Each milestone gives a one-day event for its planned
// date and another for its actual date once it has happened (see milestoneWhen). UIDs are stable and
// SEQUENCE counts the slips, so a subscribed calendar moves an event when its plan changes
// instead of adding a second one.
func (s *Server) handleCalendarICS(w http.ResponseWriter, r *http.Request) {
	asOf, items, err := s.calendarAsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	governanceEvents, err := s.governanceICS(r, asOf)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	late := s.calendarLate(w, asOf)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	attachment(w, "emprises-calendrier.ics")
	bw := bufio.NewWriter(w)
	err = writeICS(bw, items, late, s.now(), governanceEvents)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.logger.Warn("calendar.ics: write", "err", err)
	}
}

// writeICS writes the calendar as one VCALENDAR with golang-ical, which escapes TEXT
// values and folds lines at 75 octets. stamp is the DTSTAMP of every event: with
// METHOD:PUBLISH it is when the feed was produced. more add other events (the
// convention's meetings and commitment due dates).
func writeICS(w io.Writer, items []site.Milestone, late, stamp time.Time, more ...func(*ics.Calendar)) error {
	cal := ics.NewCalendar()
	cal.SetProductId("-//Emprises//Calendrier des libérations et cessions//FR")
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName("Emprises – libérations et cessions à Ivry-sur-Seine") // NAME and X-WR-CALNAME
	for i := range items {
		c := &items[i]
		where := c.SiteName
		if c.PartLabel != nil {
			where += " (" + *c.PartLabel + ")"
		}
		what := c.Kind.Label()
		if c.Label != "" {
			what += " : " + c.Label
		}
		if planned := c.Planned(); planned != nil {
			when := milestoneWhen(*planned)
			var desc []string
			desc = append(desc, "Date prévue : "+planned.French())
			if when.period != "" {
				desc = append(desc, when.period)
			}
			if c.Slips() > 0 {
				labels := make([]string, len(c.Plans))
				for j, p := range c.Plans {
					labels[j] = p.Date.French()
				}
				desc = append(desc, fmt.Sprintf("Reportée %d fois ; dates successives : %s", c.Slips(), strings.Join(labels, " → ")))
			}
			categories := []string{c.Kind.Label()}
			if c.Overdue(late) {
				desc = append(desc, "En retard au "+frenchDay(late))
				categories = append(categories, "En retard")
			}
			if c.Actual != nil {
				desc = append(desc, "Réalisée : "+c.Actual.French())
			}
			addICSEvent(cal, icsEvent{
				uid: fmt.Sprintf("milestone-%d-planned@emprises", c.ID), stamp: stamp,
				sequence: c.Slips(), start: when.day, end: when.day.AddDate(0, 0, 1),
				summary: what + " (prévue " + when.title + ") – " + where, description: strings.Join(desc, "\n"),
				categories: categories, status: ics.ObjectStatusTentative,
			})
		}
		if c.Actual != nil {
			when := milestoneWhen(*c.Actual)
			desc := "Réalisée : " + c.Actual.French()
			if when.period != "" {
				desc += "\n" + when.period
			}
			addICSEvent(cal, icsEvent{
				uid: fmt.Sprintf("milestone-%d-actual@emprises", c.ID), stamp: stamp,
				start: when.day, end: when.day.AddDate(0, 0, 1),
				summary: what + " (réalisée " + when.title + ") – " + where, description: desc,
				categories: []string{c.Kind.Label()}, status: ics.ObjectStatusConfirmed,
			})
		}
	}
	for _, add := range more {
		add(cal)
	}
	// The library's default line end is the platform's; RFC 5545 asks for CRLF.
	return cal.SerializeTo(w, ics.WithNewLineWindows)
}

// icsWhen is where a milestone's date goes in a calendar: the day of its event, and how
// its title and description say the date's precision.
type icsWhen struct {
	day    time.Time // the one all-day event's day
	title  string    // "fin 2021", "T4 2022", "fin sept. 2015", "le 19/01/2017"
	period string    // the whole period and its precision; empty for a day
}

// milestoneWhen places a date with precision on one day. A plan "d'ici fin 2021" is
// due on the period's last day, and an event spanning the whole period would fill a
// shared calendar for months: the event is that last day, and its title and
// description say the precision and the period it stands for.
func milestoneWhen(d site.Date) icsWhen {
	when := icsWhen{day: d.Last()}
	var precision string
	switch d.Precision {
	case site.Year:
		when.title, precision = "fin "+d.French(), "à l’année près"
	case site.Quarter:
		when.title, precision = d.French(), "au trimestre près"
	case site.Month:
		when.title, precision = "fin "+d.French(), "au mois près"
	default:
		when.title = "le " + d.French()
		return when
	}
	when.period = fmt.Sprintf("Période : du %s au %s (%s) ; l’événement est placé sur son dernier jour.",
		frenchDay(d.Start), frenchDay(d.Last()), precision)
	return when
}

// icsEvent is one all-day VEVENT.
type icsEvent struct {
	uid                  string
	stamp                time.Time
	sequence             int
	start, end           time.Time // end is exclusive, as DTEND is
	summary, description string
	categories           []string
	status               ics.ObjectStatus
}

func addICSEvent(cal *ics.Calendar, e icsEvent) {
	ev := cal.AddEvent(e.uid)
	ev.SetDtStampTime(e.stamp)
	ev.SetSequence(e.sequence)
	ev.SetAllDayStartAt(e.start)
	ev.SetAllDayEndAt(e.end)
	ev.SetSummary(icsLines(e.summary))
	ev.SetDescription(icsLines(e.description))
	// One CATEGORIES property per category: the library escapes the commas of a value,
	// and RFC 5545 lets the property repeat.
	for _, c := range e.categories {
		ev.AddCategory(icsLines(c))
	}
	ev.SetStatus(e.status)
	ev.SetTimeTransparency(ics.TransparencyTransparent) // a milestone does not make anyone busy
}

// icsLineBreaks turns every line break into LF, the only one the library escapes (as \n):
// a CR left in a TEXT value would end the content line.
var icsLineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

func icsLines(s string) string { return icsLineBreaks.Replace(s) }
