// Package pack makes the committee pack (dossier de séance): for one meeting, as of its
// day, the state of every site, the calendar of the next 24 months with the slips since
// the committee's previous meeting, the commitments done, late and due before the next
// meeting, the agenda and open actions, and a map. It writes it as an XLSX workbook (for
// the HTTP API and the command line) and as an HTML page made for print.
package pack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// ErrNoMeeting is returned, wrapped with the id and site.ErrNotFound, for a meeting that
// does not exist.
var ErrNoMeeting = errors.New("no such meeting")

// Horizon is how far ahead the pack's calendar looks from the meeting's day.
const Horizon = 24 // months

// Pack is a meeting's pack, as of its day.
type Pack struct {
	Meeting   governance.Meeting
	Committee governance.Committee
	Name      string    // "COTECH du 01/02/2024"
	Day       time.Time // the meeting's day: everything is as of it
	Made      time.Time // the day the pack was made

	Previous   *governance.Meeting    // the baseline; nil for a committee's first meeting
	Next       *time.Time             // when the committee meets again, by record or cadence
	Comparison *governance.Comparison // since Previous; nil without one
	State      governance.State       // on Day
	Recorded   map[string]int         // changes recorded since Previous, by site
	Map        store.PartMap          // located parts on Day
	Actions    []governance.Action    // open on Day
	meetings   map[int64]governance.Meeting
}

// Build gathers a meeting's pack from the store. today is the day it is made.
func Build(ctx context.Context, st *store.Store, meetingID int64, today time.Time) (*Pack, error) {
	m, err := st.FindMeeting(ctx, meetingID)
	if errors.Is(err, site.ErrNotFound) {
		return nil, fmt.Errorf("pack: meeting %d: %w: %w", meetingID, ErrNoMeeting, site.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	meetings, err := st.ListMeetings(ctx)
	if err != nil {
		return nil, err
	}
	committees, err := st.ListCommittees(ctx)
	if err != nil {
		return nil, err
	}
	p := &Pack{Meeting: m, Day: m.Date, Made: today, meetings: map[int64]governance.Meeting{}}
	for _, x := range meetings {
		p.meetings[x.ID] = x
	}
	for _, c := range committees {
		if c.ID == m.CommitteeID {
			p.Committee = c
		}
	}
	p.Name = governance.MeetingName(governance.CommitteeName(m.CommitteeID), m.Date)
	if next, ok := governance.NextAfter(p.Committee, meetings, m); ok {
		p.Next = &next
	}
	if p.State, err = st.StateOn(ctx, p.Day); err != nil {
		return nil, err
	}
	if prev, ok := governance.Previous(meetings, m); ok {
		p.Previous = &prev
		base, err := st.StateOn(ctx, governance.BaselineDay(prev))
		if err != nil {
			return nil, err
		}
		c := governance.Compare(base, p.State)
		p.Comparison = &c
		if p.Recorded, err = st.RecordedSiteChanges(ctx, governance.BaselineDay(prev), p.Day); err != nil {
			return nil, err
		}
	}
	if p.Map, err = st.PartMapOn(ctx, p.Day); err != nil {
		return nil, err
	}
	p.Actions = governance.OpenActions(m.CommitteeID, meetings, p.State.Commitments, p.Day)
	return p, nil
}

// FileName is the name the pack is saved under, without extension.
func (p *Pack) FileName() string {
	return fmt.Sprintf("dossier-%s-%s", p.Meeting.CommitteeID, p.Day.Format(time.DateOnly))
}

// Title is the pack's title.
func (p *Pack) Title() string { return "Dossier de séance – " + p.Name }

// Subtitle says what the pack is as of and since when it compares.
func (p *Pack) Subtitle() string {
	s := "Document de travail – état au " + frenchDay(p.Day)
	if p.Previous != nil {
		s += ", évolutions depuis le " + frenchDay(p.Previous.Date)
	} else {
		s += " (première réunion de ce comité : pas de comparaison)"
	}
	return s + " – édité le " + frenchDay(p.Made)
}

// sinceLabel heads the columns of what changed since the previous meeting.
func (p *Pack) sinceLabel() string {
	if p.Previous == nil {
		return "Évolutions (première réunion)"
	}
	return "Évolutions depuis le " + frenchDay(p.Previous.Date)
}

// A table is one part of the pack: a sheet of the workbook, a section of the print
// document.
type table struct {
	Sheet   string // the sheet's name, at most 31 characters
	Title   string
	Columns []column
	Rows    [][]cell
	After   []*table // smaller tables below it (the counts by axis and party)
}

type column struct {
	Name  string
	Width float64 // in characters, for the workbook
}

// cellKind says how a value is written: text, a day (a real date in the workbook), an
// area in m², a percentage or a count.
type cellKind int

const (
	textCell cellKind = iota
	dayCell
	areaCell
	percentCell
	countCell
)

type cell struct {
	Kind   cellKind
	Text   string
	Day    time.Time
	Number float64
	Empty  bool // a number or day left blank
}

func text(s string) cell { return cell{Kind: textCell, Text: s} }

func day(t *time.Time) cell {
	if t == nil {
		return cell{Kind: dayCell, Empty: true}
	}
	return cell{Kind: dayCell, Day: *t}
}

func area(m2 *float64) cell {
	if m2 == nil {
		return cell{Kind: areaCell, Empty: true}
	}
	return cell{Kind: areaCell, Number: *m2}
}

func percent(v *int) cell {
	if v == nil {
		return cell{Kind: percentCell, Empty: true}
	}
	return cell{Kind: percentCell, Number: float64(*v)}
}

func count(n int) cell { return cell{Kind: countCell, Number: float64(n)} }

func yesNo(b bool) cell {
	if b {
		return text("oui")
	}
	return text("non")
}

// Tables are the pack's four parts (a)–(d), in order.
func (p *Pack) Tables() []*table {
	return []*table{p.sites(), p.calendar(), p.commitments(), p.agenda()}
}

// sites is part (a): every part of every site on the day, its status and area, and what
// changed since the previous meeting.
func (p *Pack) sites() *table {
	t := &table{Sheet: "Sites", Title: "a) État des sites au " + frenchDay(p.Day), Columns: []column{
		{"Site", 34}, {"Partie", 28}, {"Statut", 22}, {"Statut depuis", 14}, {"Surface (m²)", 14},
		{p.sinceLabel(), 70}, {"Identifiant du site", 24}, {"Identifiant de la partie", 24}}}
	var changes map[string]*governance.SiteChange
	if p.Comparison != nil {
		changes = p.Comparison.SiteChanges()
	}
	seen := map[string]bool{}
	for _, part := range p.State.Parts {
		var notes []string
		if sc := changes[part.SiteID]; sc != nil {
			for _, pc := range sc.Parts {
				if pc.Part.PartID != part.PartID {
					continue
				}
				if pc.From == "" {
					notes = append(notes, "Nouvelle partie ("+pc.Part.Status.Label()+")")
				} else {
					notes = append(notes, "Statut : "+pc.From.Label()+" → "+pc.Part.Status.Label())
				}
			}
			// A milestone of the part goes on its row, one of the whole site on the site's first.
			mine := func(m *site.Milestone) bool {
				if m.PartID != nil {
					return *m.PartID == part.PartID
				}
				return !seen[part.SiteID]
			}
			for _, s := range sc.Slipped {
				if mine(&s.Milestone) {
					notes = append(notes, slipText(s))
				}
			}
			for _, m := range sc.Done {
				if mine(&m) {
					notes = append(notes, milestoneName(&m)+" réalisée ("+m.Actual.French()+")")
				}
			}
			for _, m := range sc.NewMilestones {
				if mine(&m) {
					notes = append(notes, "Nouveau jalon : "+milestoneName(&m)+" prévue "+m.Planned().French())
				}
			}
		}
		if n := p.Recorded[part.SiteID]; n > 0 && !seen[part.SiteID] {
			notes = append(notes, fmt.Sprintf("%d modification(s) enregistrée(s)", n))
		}
		seen[part.SiteID] = true
		since := part.Since.Start
		t.Rows = append(t.Rows, []cell{text(part.SiteName), text(part.Label), text(part.Status.Label()),
			day(&since), area(part.AreaM2), text(strings.Join(notes, " ; ")), text(part.SiteID), text(part.PartID)})
	}
	return t
}

func milestoneName(m *site.Milestone) string {
	name := m.Kind.Label()
	if m.Label != "" {
		name += " « " + m.Label + " »"
	}
	return name
}

func slipText(s governance.Slip) string {
	verb := "avancée"
	if s.Later {
		verb = "reportée"
	}
	out := milestoneName(&s.Milestone) + " " + verb + " : " + s.From.French() + " → " + s.To.French()
	if r := reasons(s.Plans); r != "" {
		out += " (" + r + ")"
	}
	return out
}

func reasons(plans []site.Plan) string {
	var rs []string
	for _, pl := range plans {
		if pl.Reason != "" {
			rs = append(rs, pl.Reason)
		}
	}
	return strings.Join(rs, " ; ")
}

// CalendarItems picks the calendar of part (b): the milestones still to happen whose
// planned period falls within the Horizon months from the day, those overdue on the day,
// and any that moved since the baseline, by planned date.
func (p *Pack) CalendarItems() []site.Milestone {
	slipped := p.slips()
	until := p.Day.AddDate(0, Horizon, 0)
	var out []site.Milestone
	for _, m := range p.State.Calendar {
		if m.Planned() == nil {
			continue
		}
		_, moved := slipped[m.ID]
		if moved || m.Overdue(p.Day) || m.DueWithin(p.Day, until) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b site.Milestone) int { return a.Planned().Start.Compare(b.Planned().Start) })
	return out
}

func (p *Pack) slips() map[int64]governance.Slip {
	out := map[int64]governance.Slip{}
	if p.Comparison != nil {
		for _, s := range p.Comparison.Slipped {
			out[s.Milestone.ID] = s
		}
	}
	return out
}

// calendar is part (b).
func (p *Pack) calendar() *table {
	t := &table{Sheet: "Calendrier 24 mois",
		Title: fmt.Sprintf("b) Calendrier des libérations et cessions, du %s au %s", frenchDay(p.Day),
			frenchDay(p.Day.AddDate(0, Horizon, -1))),
		Columns: []column{{"Site", 30}, {"Partie", 24}, {"Type", 14}, {"Libellé", 24}, {"Date prévue", 16},
			{"Début de la période", 14}, {"Fin de la période", 14}, {"En retard", 10},
			{"Report depuis la dernière réunion", 24}, {"Motifs", 60}, {"Identifiant du jalon", 12}}}
	slipped := p.slips()
	for _, m := range p.CalendarItems() {
		planned := m.Planned()
		start, last := planned.Start, planned.Last()
		var moved, why string
		if s, ok := slipped[m.ID]; ok {
			moved = s.From.French() + " → " + s.To.French()
			why = reasons(s.Plans)
		}
		t.Rows = append(t.Rows, []cell{text(m.SiteName), text(deref(m.PartLabel)), text(m.Kind.Label()), text(m.Label),
			text(planned.French()), day(&start), day(&last), yesNo(m.Overdue(p.Day)), text(moved), text(why),
			text(fmt.Sprint(m.ID))})
	}
	return t
}

// Commitment categories of part (c).
const (
	CategoryDone = "Réalisé"
	CategoryLate = "En retard"
	CategoryDue  = "À échéance avant la prochaine réunion"
)

// CommitmentGroups sorts the commitments of part (c), as of the day: done, late, and due
// before the committee's next meeting (or within six months when no next meeting is
// known).
func (p *Pack) CommitmentGroups() (done, late, due []governance.Commitment) {
	until := p.Day.AddDate(0, 6, 0)
	if p.Next != nil {
		until = *p.Next
	}
	for _, c := range p.State.Commitments {
		switch {
		case c.Status == governance.Done:
			done = append(done, c)
		case c.Late(p.Day):
			late = append(late, c)
		case c.DueWithin(p.Day, until):
			due = append(due, c)
		}
	}
	return done, late, due
}

// commitments is part (c).
func (p *Pack) commitments() *table {
	next := "dans les six mois"
	if p.Next != nil {
		next = "avant le " + frenchDay(*p.Next)
	}
	t := &table{Sheet: "Engagements",
		Title: "c) Engagements réalisés, en retard et à échéance " + next + ", par axe et par partie",
		Columns: []column{{"Catégorie", 22}, {"Axe", 30}, {"Parties", 30}, {"Clause", 10}, {"Engagement", 60},
			{"Échéance", 16}, {"Dernier jour de l'échéance", 14}, {"Statut", 16}, {"Avancement (%)", 12},
			{"Nouveau depuis la dernière réunion", 14}, {"Identifiant", 28}}}
	var newDone, newLate map[string]bool
	if p.Comparison != nil {
		newDone, newLate = ids(p.Comparison.CommitmentsDone), ids(p.Comparison.CommitmentsLate)
	}
	done, late, due := p.CommitmentGroups()
	type counts struct{ done, late, due int }
	byAxis, byParty := map[governance.Axis]*counts{}, map[governance.Party]*counts{}
	for _, a := range governance.Axes() {
		byAxis[a] = &counts{}
	}
	for _, pt := range governance.Parties() {
		byParty[pt] = &counts{}
	}
	for _, g := range []struct {
		name  string
		cs    []governance.Commitment
		fresh map[string]bool
		n     func(*counts) *int
	}{
		{CategoryDone, done, newDone, func(c *counts) *int { return &c.done }},
		{CategoryLate, late, newLate, func(c *counts) *int { return &c.late }},
		{CategoryDue, due, nil, func(c *counts) *int { return &c.due }},
	} {
		slices.SortStableFunc(g.cs, func(a, b governance.Commitment) int {
			return slices.Index(governance.Axes(), a.Axis) - slices.Index(governance.Axes(), b.Axis)
		})
		for _, c := range g.cs {
			var parties []string
			for _, pt := range c.Parties {
				parties = append(parties, pt.Label())
				*g.n(byParty[pt])++
			}
			*g.n(byAxis[c.Axis])++
			dueText, dueLast := "", (*time.Time)(nil)
			if c.Due != nil {
				last := c.Due.Last()
				dueText, dueLast = c.Due.French(), &last
			}
			fresh := "" // due soon: "new" means nothing
			if g.fresh != nil {
				fresh = yesNo(g.fresh[c.ID]).Text
			}
			t.Rows = append(t.Rows, []cell{text(g.name), text(c.Axis.Label()), text(strings.Join(parties, ", ")),
				text(c.Clause), text(c.Title), text(dueText), day(dueLast), text(c.Status.Label()),
				percent(c.Progress), text(fresh), text(c.ID)})
		}
	}
	countCols := []column{{"", 30}, {CategoryDone, 12}, {CategoryLate, 12}, {CategoryDue, 16}}
	axes := &table{Title: "Par axe", Columns: countCols}
	axes.Columns[0].Name = "Axe"
	for _, a := range governance.Axes() {
		c := byAxis[a]
		axes.Rows = append(axes.Rows, []cell{text(a.Label()), count(c.done), count(c.late), count(c.due)})
	}
	parties := &table{Title: "Par partie", Columns: slices.Clone(countCols)}
	parties.Columns[0].Name = "Partie"
	for _, pt := range governance.Parties() {
		if c := byParty[pt]; c.done+c.late+c.due > 0 {
			parties.Rows = append(parties.Rows, []cell{text(pt.Label()), count(c.done), count(c.late), count(c.due)})
		}
	}
	t.After = []*table{axes, parties}
	return t
}

func ids(cs []governance.Commitment) map[string]bool {
	out := map[string]bool{}
	for _, c := range cs {
		out[c.ID] = true
	}
	return out
}

// Rubrics of part (d).
const (
	RubricAgenda = "Ordre du jour"
	RubricAction = "Action en cours"
)

// agenda is part (d): the agenda — the decisions to take — then the open actions.
func (p *Pack) agenda() *table {
	t := &table{Sheet: "Ordre du jour et actions", Title: "d) Ordre du jour (décisions à prendre) et actions en cours",
		Columns: []column{{"Rubrique", 18}, {"N°", 6}, {"Intitulé", 50}, {"Précisions", 50}, {"Responsable", 22},
			{"Échéance", 14}, {"Décidé en", 22}, {"Liens", 40}}}
	for _, it := range p.Meeting.Agenda {
		var links []string
		for _, id := range it.CommitmentIDs {
			links = append(links, "engagement "+id)
		}
		for _, id := range it.SiteIDs {
			links = append(links, "site "+id)
		}
		for _, id := range it.MilestoneIDs {
			links = append(links, fmt.Sprintf("jalon %d", id))
		}
		t.Rows = append(t.Rows, []cell{text(RubricAgenda), count(it.Position), text(it.Title), text(it.Notes),
			text(""), text(""), text(""), text(strings.Join(links, ", "))})
	}
	for i, a := range p.Actions {
		title, notes, owner, due := "", "", "", ""
		var links []string
		if a.Decision != nil {
			title, owner = a.Decision.Text, a.Decision.Owner
			if a.Decision.Due != nil {
				due = a.Decision.Due.French()
			}
		}
		if c := a.Commitment; c != nil {
			if title == "" {
				title = c.Title
			}
			notes = "Statut : " + c.Status.Label()
			if c.Late(p.Day) {
				notes += " (en retard)"
			}
			if due == "" && c.Due != nil {
				due = c.Due.French()
			}
			links = append(links, "engagement "+c.ID)
		}
		t.Rows = append(t.Rows, []cell{text(RubricAction), count(i + 1), text(title), text(notes), text(owner),
			text(due), text(governance.MeetingName(governance.CommitteeName(a.Meeting.CommitteeID), a.Meeting.Date)),
			text(strings.Join(links, ", "))})
	}
	return t
}

func frenchDay(t time.Time) string { return t.Format("02/01/2006") }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
