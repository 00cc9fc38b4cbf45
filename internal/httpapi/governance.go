package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

// commitmentJSON is a commitment as of a day.
type commitmentJSON struct {
	ID            string         `json:"id"`
	Clause        string         `json:"clause"`
	Axis          string         `json:"axis"`
	AxisLabel     string         `json:"axis_label"`
	Title         string         `json:"title"`
	Quote         string         `json:"quote"`
	Parties       []string       `json:"parties"`
	PartyLabels   []string       `json:"party_labels"`
	SiteIDs       []string       `json:"site_ids"`
	PartIDs       []string       `json:"part_ids"`
	Due           *string        `json:"due"` // text form with its precision: "2021-Q4"
	DuePrecision  *string        `json:"due_precision"`
	DueLabel      *string        `json:"due_label"`
	DueLast       *string        `json:"due_last_day"`
	Firmness      string         `json:"firmness"`
	FirmnessLabel string         `json:"firmness_label"`
	Status        string         `json:"status"`
	StatusLabel   string         `json:"status_label"`
	Progress      *int           `json:"progress"`
	Late          bool           `json:"late"`
	Sources       []string       `json:"sources"`
	DecidedAt     *int64         `json:"decided_at_meeting"`
	FollowUps     []followUpJSON `json:"follow_ups"`
	Version       int64          `json:"version"`
	ETag          string         `json:"etag"`
}

type followUpJSON struct {
	ID        int64   `json:"id"`
	Date      string  `json:"date"`
	DateLabel string  `json:"date_label"`
	Note      string  `json:"note"`
	Source    string  `json:"source"`
	Status    *string `json:"status"`
	Progress  *int    `json:"progress"`
	MeetingID *int64  `json:"meeting_id"`
}

func shapeCommitment(c *governance.Commitment, day time.Time) commitmentJSON {
	j := commitmentJSON{ID: c.ID, Clause: c.Clause, Axis: string(c.Axis), AxisLabel: c.Axis.Label(),
		Title: c.Title, Quote: c.Quote, SiteIDs: nonNil(c.SiteIDs), PartIDs: nonNil(c.PartIDs),
		Firmness: string(c.Firmness), FirmnessLabel: c.Firmness.Label(), Status: string(c.Status),
		StatusLabel: c.Status.Label(), Progress: c.Progress, Late: c.Late(day),
		Sources: nonNil(c.Sources), DecidedAt: c.DecidedAt, FollowUps: []followUpJSON{},
		Version: c.Version, ETag: siteETag(c.Version)}
	for _, p := range c.Parties {
		j.Parties = append(j.Parties, string(p))
		j.PartyLabels = append(j.PartyLabels, p.Label())
	}
	if c.Due != nil {
		j.Due, j.DuePrecision, j.DueLabel = ptr(c.Due.String()), ptr(string(c.Due.Precision)), ptr(c.Due.French())
		j.DueLast = ptr(c.Due.Last().Format(time.DateOnly))
	}
	for _, f := range c.FollowUps {
		fj := followUpJSON{ID: f.ID, Date: f.Date.String(), DateLabel: f.Date.French(), Note: f.Note,
			Source: f.Source, Progress: f.Progress, MeetingID: f.MeetingID}
		if f.Status != nil {
			fj.Status = ptr(string(*f.Status))
		}
		j.FollowUps = append(j.FollowUps, fj)
	}
	return j
}

// commitmentsAsOf reads the filters of a commitments list and returns the commitments as
// they stood on ?date= that pass them.
func (s *Server) commitmentsAsOf(r *http.Request) (time.Time, []governance.Commitment, error) {
	q, err := checkParams(r, "date", "status", "party", "axis", "site", "due_before", "due_after")
	if err != nil {
		return time.Time{}, nil, err
	}
	day, err := s.asOfParam(q)
	if err != nil {
		return day, nil, err
	}
	f, err := commitmentFilter(q)
	if err != nil {
		return day, nil, err
	}
	all, err := s.store.ListCommitments(r.Context())
	if err != nil {
		return day, nil, err
	}
	out := []governance.Commitment{}
	for _, c := range all {
		c = c.AsOf(day)
		if f.Match(&c) {
			out = append(out, c)
		}
	}
	return day, out, nil
}

func commitmentFilter(q url.Values) (governance.Filter, error) {
	var f governance.Filter
	param := func(name string, parse func(string) error) error {
		if v := q.Get(name); v != "" || q.Has(name) {
			if err := parse(v); err != nil {
				return &errParam{param: name, err: renameInvalid(name, err)}
			}
		}
		return nil
	}
	day := func(dst **time.Time) func(string) error {
		return func(v string) error {
			t, err := site.ParseDay(v)
			*dst = &t
			return err
		}
	}
	for _, p := range []struct {
		name  string
		parse func(string) error
	}{
		{"status", func(v string) error { st, err := governance.ParseStatus(v); f.Status = &st; return err }},
		{"party", func(v string) error { p, err := governance.ParseParty(v); f.Party = &p; return err }},
		{"axis", func(v string) error { a, err := governance.ParseAxis(v); f.Axis = &a; return err }},
		{"site", func(v string) error { f.SiteID = v; return site.ValidateSlug("site", v) }},
		{"due_before", day(&f.DueBefore)},
		{"due_after", day(&f.DueAfter)},
	} {
		if err := param(p.name, p.parse); err != nil {
			return f, err
		}
	}
	return f, nil
}

// handleCommitments answers GET /api/commitments.
func (s *Server) handleCommitments(w http.ResponseWriter, r *http.Request) {
	day, cs, err := s.commitmentsAsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]commitmentJSON, len(cs))
	for i := range cs {
		items[i] = shapeCommitment(&cs[i], day)
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		AsOf  string           `json:"as_of"`
		Count int              `json:"count"`
		Items []commitmentJSON `json:"items"`
	}{day.Format(time.DateOnly), len(items), items})
}

// handleCommitment answers GET /api/commitments/{id}?date= with its follow-up history, and
// its ETag for a change.
func (s *Server) handleCommitment(w http.ResponseWriter, r *http.Request) {
	day, err := s.asOfQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := idParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.store.FindCommitment(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c = c.AsOf(day)
	w.Header().Set("ETag", siteETag(c.Version))
	s.writeJSON(w, r, http.StatusOK, shapeCommitment(&c, day))
}

type committeeJSON struct {
	ID       string        `json:"id"`
	Kind     string        `json:"kind"`
	Name     string        `json:"name"`
	Cadences []cadenceJSON `json:"cadences"`
	Planning *cadenceJSON  `json:"planning_cadence"` // the strictest, which plans the next meeting
	Sources  []string      `json:"sources"`
}

type cadenceJSON struct {
	Months int    `json:"months"`
	Clause string `json:"clause"`
}

// handleCommittees answers GET /api/committees.
func (s *Server) handleCommittees(w http.ResponseWriter, r *http.Request) {
	if _, err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	cs, err := s.store.ListCommittees(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]committeeJSON, len(cs))
	for i, c := range cs {
		j := committeeJSON{ID: c.ID, Kind: string(c.Kind), Name: c.Name, Cadences: []cadenceJSON{}, Sources: nonNil(c.Sources)}
		for _, k := range c.Cadences {
			j.Cadences = append(j.Cadences, cadenceJSON(k))
		}
		if k, ok := c.Strictest(); ok {
			j.Planning = ptr(cadenceJSON(k))
		}
		items[i] = j
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Items []committeeJSON `json:"items"`
	}{items})
}

// meetingJSON is a meeting, recorded or derived from a committee's cadence.
type meetingJSON struct {
	ID          *int64           `json:"id"` // null for a meeting the cadence calls for
	CommitteeID string           `json:"committee_id"`
	Date        *string          `json:"date"`
	DateLabel   string           `json:"date_label"`
	Place       string           `json:"place"`
	State       string           `json:"state"`
	StateLabel  string           `json:"state_label"`
	Derived     bool             `json:"derived"` // planned by the cadence, not recorded
	DueBy       *string          `json:"due_by,omitempty"`
	Overdue     bool             `json:"overdue"`
	Cadence     *cadenceJSON     `json:"cadence,omitempty"`
	Attendees   []attendeeJSON   `json:"attendees"`
	Agenda      []agendaItemJSON `json:"agenda"`
	Decisions   []decisionJSON   `json:"decisions"`
	Minutes     string           `json:"minutes"`
	Sources     []string         `json:"sources"`
	Version     int64            `json:"version,omitempty"`
	ETag        string           `json:"etag,omitempty"`
}

type attendeeJSON struct {
	Organisation string `json:"organisation"`
	Role         string `json:"role"`
}

type agendaItemJSON struct {
	ID            int64    `json:"id"`
	Position      int      `json:"position"`
	Title         string   `json:"title"`
	Notes         string   `json:"notes"`
	CommitmentIDs []string `json:"commitment_ids"`
	SiteIDs       []string `json:"site_ids"`
	MilestoneIDs  []int64  `json:"milestone_ids"`
}

type decisionJSON struct {
	ID           int64   `json:"id"`
	Text         string  `json:"text"`
	CommitmentID *string `json:"commitment_id"`
	MilestoneID  *int64  `json:"milestone_id"`
	NewDate      *string `json:"new_date"`
	Reason       string  `json:"reason"`
	Owner        string  `json:"owner"`
	Due          *string `json:"due"`
}

func shapeMeeting(m *governance.Meeting) meetingJSON {
	j := meetingJSON{ID: &m.ID, CommitteeID: m.CommitteeID, Date: ptr(m.Date.Format(time.DateOnly)),
		DateLabel: m.Date.Format("02/01/2006"), Place: m.Place, State: string(m.State),
		StateLabel: m.State.Label(), Attendees: []attendeeJSON{}, Agenda: []agendaItemJSON{},
		Decisions: []decisionJSON{}, Minutes: m.Minutes, Sources: nonNil(m.Sources), Version: m.Version,
		ETag: siteETag(m.Version)}
	for _, a := range m.Attendees {
		j.Attendees = append(j.Attendees, attendeeJSON(a))
	}
	for _, i := range m.Agenda {
		j.Agenda = append(j.Agenda, agendaItemJSON{ID: i.ID, Position: i.Position, Title: i.Title, Notes: i.Notes,
			CommitmentIDs: nonNil(i.CommitmentIDs), SiteIDs: nonNil(i.SiteIDs), MilestoneIDs: nonNil(i.MilestoneIDs)})
	}
	for _, d := range m.Decisions {
		dj := decisionJSON{ID: d.ID, Text: d.Text, CommitmentID: d.CommitmentID, MilestoneID: d.MilestoneID,
			Reason: d.Reason, Owner: d.Owner}
		if d.NewDate != nil {
			dj.NewDate = ptr(d.NewDate.String())
		}
		if d.Due != nil {
			dj.Due = ptr(d.Due.String())
		}
		j.Decisions = append(j.Decisions, dj)
	}
	return j
}

func shapeDueMeeting(d governance.DueMeeting) meetingJSON {
	state := "planned"
	return meetingJSON{CommitteeID: d.CommitteeID, DateLabel: "au plus tard le " + d.DueBy.Format("02/01/2006"),
		State: state, StateLabel: governance.Planned.Label(), Derived: true,
		DueBy: ptr(d.DueBy.Format(time.DateOnly)), Overdue: d.Overdue, Cadence: ptr(cadenceJSON(d.Cadence)),
		Attendees: []attendeeJSON{}, Agenda: []agendaItemJSON{}, Decisions: []decisionJSON{}, Sources: []string{}}
}

// handleMeetings answers GET /api/meetings?date=: the recorded meetings, then the next
// meeting each committee's cadence calls for as of that day, overdue once missed.
func (s *Server) handleMeetings(w http.ResponseWriter, r *http.Request) {
	day, err := s.asOfQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, committees, err := s.meetingsAndCommittees(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]meetingJSON, 0, len(ms)+len(committees))
	for i := range ms {
		items = append(items, shapeMeeting(&ms[i]))
	}
	for _, d := range governance.ParisIvry2019().NextMeetings(committees, ms, day) {
		items = append(items, shapeDueMeeting(d))
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		AsOf  string        `json:"as_of"`
		Items []meetingJSON `json:"items"`
	}{day.Format(time.DateOnly), items})
}

// meetingsAndCommittees reads every meeting and every committee: what the next meetings
// due by the cadences are computed from.
func (s *Server) meetingsAndCommittees(r *http.Request) ([]governance.Meeting, []governance.Committee, error) {
	ms, err := s.store.ListMeetings(r.Context())
	if err != nil {
		return nil, nil, err
	}
	committees, err := s.store.ListCommittees(r.Context())
	if err != nil {
		return nil, nil, err
	}
	return ms, committees, nil
}

// meetingParam is the {id} of a meeting.
func meetingParam(r *http.Request) (int64, error) { return numberParam(r) }

// handleMeeting answers GET /api/meetings/{id}.
func (s *Server) handleMeeting(w http.ResponseWriter, r *http.Request) {
	if _, err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := meetingParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.store.FindMeeting(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", siteETag(m.Version))
	s.writeJSON(w, r, http.StatusOK, shapeMeeting(&m))
}

// governanceDashboardJSON is the body of GET /api/commitments/dashboard.
type governanceDashboardJSON struct {
	AsOf        string           `json:"as_of"`
	Total       int              `json:"total"`
	ByStatus    []countJSON      `json:"by_status"`
	ByParty     []countJSON      `json:"by_party"`
	Late        []commitmentJSON `json:"late"`
	DueIn6Month []commitmentJSON `json:"due_within_6_months"`
	NextMeeting []meetingJSON    `json:"next_meetings"` // recorded planned ones, then those the cadence calls for
	Term        termJSON         `json:"convention_term"`
}

type countJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

type termJSON struct {
	N        int    `json:"n"`
	EndsFrom string `json:"ends_from"`
	EndsBy   string `json:"ends_by"`
	NoticeBy string `json:"notice_by"`
	Adopted  string `json:"adopted"`
}

// handleGovernanceDashboard answers GET /api/commitments/dashboard?date=.
func (s *Server) handleGovernanceDashboard(w http.ResponseWriter, r *http.Request) {
	day, err := s.asOfQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	all, err := s.store.ListCommitments(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, committees, err := s.meetingsAndCommittees(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for i := range all {
		all[i] = all[i].AsOf(day)
	}
	conv := governance.ParisIvry2019()
	sum := governance.Summarise(all, committees, ms, conv, day)
	out := governanceDashboardJSON{AsOf: day.Format(time.DateOnly), Total: sum.Total,
		ByStatus: []countJSON{}, ByParty: []countJSON{}, Late: []commitmentJSON{}, DueIn6Month: []commitmentJSON{},
		NextMeeting: []meetingJSON{},
		Term: termJSON{N: sum.Term.N, EndsFrom: sum.Term.EndsFrom.Format(time.DateOnly), EndsBy: sum.Term.EndsBy.Format(time.DateOnly),
			NoticeBy: sum.Term.NoticeBy.Format(time.DateOnly), Adopted: conv.Adopted.String()}}
	for _, st := range governance.Statuses() {
		out.ByStatus = append(out.ByStatus, countJSON{string(st), st.Label(), sum.ByStatus[st]})
	}
	for _, p := range governance.Parties() {
		if n := sum.ByParty[p]; n > 0 {
			out.ByParty = append(out.ByParty, countJSON{string(p), p.Label(), n})
		}
	}
	for i := range sum.Late {
		out.Late = append(out.Late, shapeCommitment(&sum.Late[i], day))
	}
	for i := range sum.DueSoon {
		out.DueIn6Month = append(out.DueIn6Month, shapeCommitment(&sum.DueSoon[i], day))
	}
	for i := range sum.Upcoming {
		out.NextMeeting = append(out.NextMeeting, shapeMeeting(&sum.Upcoming[i]))
	}
	for _, d := range sum.NextDue {
		out.NextMeeting = append(out.NextMeeting, shapeDueMeeting(d))
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
