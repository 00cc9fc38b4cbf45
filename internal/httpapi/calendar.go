package httpapi

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emprises/emprises/internal/store"
)

// calendarResponse is the body of GET /api/calendar.
type calendarResponse struct {
	AsOf  string               `json:"as_of"`
	Items []store.CalendarItem `json:"items"`
}

// calendarAsOf reads ?date= and lists the calendar as it stood on that day.
func (s *Server) calendarAsOf(r *http.Request) (time.Time, []store.CalendarItem, error) {
	asOf, err := s.asOfQuery(r)
	if err != nil {
		return time.Time{}, nil, err
	}
	items, err := s.store.ListCalendar(r.Context(), store.CalendarQuery{AsOf: asOf})
	return asOf, items, err
}

// handleCalendar answers GET /api/calendar?date=.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	asOf, items, err := s.calendarAsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, calendarResponse{AsOf: asOf.Format(time.DateOnly), Items: items})
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
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	attachment(w, "emprises-calendrier-"+asOf.Format(time.DateOnly)+".csv")
	bw := bufio.NewWriter(w)
	bw.WriteString("\uFEFF") //nolint:errcheck // reported by Flush
	cw := csv.NewWriter(bw)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write(calendarCSVHeader) //nolint:errcheck // reported by Error
	for i := range items {
		cw.Write(calendarCSVRow(&items[i])) //nolint:errcheck // reported by Error
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.logger.Warn("calendar.csv: write", "err", err)
		return
	}
	if err := bw.Flush(); err != nil {
		s.logger.Warn("calendar.csv: write", "err", err)
	}
}

func calendarCSVRow(c *store.CalendarItem) []string {
	row := make([]string, 0, len(calendarCSVHeader))
	row = append(row, c.SiteName, deref(c.PartLabel), c.KindLabel, c.Label)
	if c.Planned != nil {
		row = append(row, c.Planned.French(), frenchDay(c.Planned.Start), frenchDay(c.Planned.Last()))
	} else {
		row = append(row, "", "", "")
	}
	if c.Actual != nil {
		row = append(row, c.Actual.French())
	} else {
		row = append(row, "")
	}
	row = append(row, yesNo(c.Overdue), strconv.Itoa(c.Slips))
	plans := make([]string, len(c.Plans))
	for i, p := range c.Plans {
		plans[i] = p.DateLabel
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
// iCalendar feed to subscribe to. Each milestone gives an all-day event spanning its
// planned period and another for its actual date once it has happened. UIDs are stable and
// SEQUENCE counts the slips, so a subscribed calendar moves an event when its plan changes
// instead of adding a second one.
func (s *Server) handleCalendarICS(w http.ResponseWriter, r *http.Request) {
	asOf, items, err := s.calendarAsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	attachment(w, "emprises-calendrier.ics")
	bw := bufio.NewWriter(w)
	writeICS(bw, items, asOf, s.now())
	if err := bw.Flush(); err != nil {
		s.logger.Warn("calendar.ics: write", "err", err)
	}
}

// writeICS writes the calendar as one VCALENDAR. stamp is the DTSTAMP of every event: with
// METHOD:PUBLISH it is when the feed was produced.
func writeICS(w io.Writer, items []store.CalendarItem, asOf, stamp time.Time) {
	ic := &icsWriter{w: w}
	dtstamp := stamp.UTC().Format("20060102T150405Z")
	ic.prop("BEGIN", "VCALENDAR")
	ic.prop("VERSION", "2.0")
	ic.prop("PRODID", "-//Emprises//Calendrier des libérations et cessions//FR")
	ic.prop("CALSCALE", "GREGORIAN")
	ic.prop("METHOD", "PUBLISH")
	ic.prop("NAME", icsText("Emprises – libérations et cessions à Ivry-sur-Seine"))
	ic.prop("X-WR-CALNAME", icsText("Emprises – libérations et cessions à Ivry-sur-Seine"))
	for i := range items {
		c := &items[i]
		where := c.SiteName
		if c.PartLabel != nil {
			where += " (" + *c.PartLabel + ")"
		}
		what := c.KindLabel
		if c.Label != "" {
			what += " : " + c.Label
		}
		if c.Planned != nil {
			var desc []string
			desc = append(desc, "Date prévue : "+c.Planned.French())
			if c.Slips > 0 {
				labels := make([]string, len(c.Plans))
				for j, p := range c.Plans {
					labels[j] = p.DateLabel
				}
				desc = append(desc, fmt.Sprintf("Reportée %d fois ; dates successives : %s", c.Slips, strings.Join(labels, " → ")))
			}
			categories := []string{c.KindLabel}
			if c.Overdue {
				desc = append(desc, "En retard au "+frenchDay(asOf))
				categories = append(categories, "En retard")
			}
			if c.Actual != nil {
				desc = append(desc, "Réalisée : "+c.Actual.French())
			}
			ic.event(icsEvent{
				uid: fmt.Sprintf("milestone-%d-planned@emprises", c.ID), stamp: dtstamp,
				sequence: c.Slips, start: c.Planned.Start, end: c.Planned.End(),
				summary: what + " (prévue) – " + where, description: strings.Join(desc, "\n"),
				categories: categories, status: "TENTATIVE",
			})
		}
		if c.Actual != nil {
			ic.event(icsEvent{
				uid: fmt.Sprintf("milestone-%d-actual@emprises", c.ID), stamp: dtstamp,
				start: c.Actual.Start, end: c.Actual.End(),
				summary: what + " (réalisée) – " + where, description: "Réalisée : " + c.Actual.French(),
				categories: []string{c.KindLabel}, status: "CONFIRMED",
			})
		}
	}
	ic.prop("END", "VCALENDAR")
}

// icsEvent is one all-day VEVENT.
type icsEvent struct {
	uid, stamp           string
	sequence             int
	start, end           time.Time // end is exclusive, as DTEND is
	summary, description string
	categories           []string
	status               string
}

// icsWriter writes iCalendar content lines: CRLF ends, folded at 75 octets without
// splitting a UTF-8 character (RFC 5545 §3.1).
type icsWriter struct {
	w io.Writer
}

func (ic *icsWriter) event(e icsEvent) {
	ic.prop("BEGIN", "VEVENT")
	ic.prop("UID", e.uid)
	ic.prop("DTSTAMP", e.stamp)
	ic.prop("SEQUENCE", strconv.Itoa(e.sequence))
	ic.prop("DTSTART;VALUE=DATE", e.start.Format("20060102"))
	ic.prop("DTEND;VALUE=DATE", e.end.Format("20060102"))
	ic.prop("SUMMARY", icsText(e.summary))
	ic.prop("DESCRIPTION", icsText(e.description))
	cats := make([]string, len(e.categories))
	for i, c := range e.categories {
		cats[i] = icsText(c)
	}
	ic.prop("CATEGORIES", strings.Join(cats, ","))
	ic.prop("STATUS", e.status)
	ic.prop("TRANSP", "TRANSPARENT") // a milestone does not make anyone busy
	ic.prop("END", "VEVENT")
}

// icsMaxLine is the longest content line RFC 5545 allows, in octets, without the CRLF.
const icsMaxLine = 75

func (ic *icsWriter) prop(name, value string) {
	line := name + ":" + value
	limit := icsMaxLine
	var b strings.Builder
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = icsMaxLine - 1 // the leading space of a continuation line counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	io.WriteString(ic.w, b.String()) //nolint:errcheck // the caller's buffered writer reports it
}

// icsTextEscaper escapes a TEXT value (RFC 5545 §3.3.11).
var icsTextEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

func icsText(s string) string { return icsTextEscaper.Replace(s) }
