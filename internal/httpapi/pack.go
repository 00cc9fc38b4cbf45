package httpapi

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/pack"
	"github.com/emprises/emprises/internal/site"
)

// baselineJSON is the body of GET /api/meetings/{id}/baseline: what changed between a
// baseline (by default the previous meeting of the same committee) and a later day (by
// default the meeting's own).
type baselineJSON struct {
	MeetingID      int64               `json:"meeting_id"`
	Meeting        string              `json:"meeting"` // "COTECH du 01/02/2024"
	AsOf           string              `json:"as_of"`
	Baseline       *baselineRefJSON    `json:"baseline"` // null for a committee's first meeting
	Slipped        []slipJSON          `json:"slipped"`
	NewMilestones  []milestoneRefJSON  `json:"new_milestones"`
	Done           []milestoneRefJSON  `json:"done_milestones"`
	LateSince      []milestoneRefJSON  `json:"late_milestones"`
	Parts          []partChangeJSON    `json:"parts"`
	DoneCommitment []commitmentRefJSON `json:"commitments_done"`
	NewCommitments []commitmentRefJSON `json:"new_commitments"`
	LateCommitment []commitmentRefJSON `json:"commitments_late"`
}

type baselineRefJSON struct {
	MeetingID   int64  `json:"meeting_id"`
	CommitteeID string `json:"committee_id"`
	Date        string `json:"date"`
	Name        string `json:"name"`
	StateOn     string `json:"state_on"` // the eve of the meeting: the state it found
}

type milestoneRefJSON struct {
	ID        int64   `json:"id"`
	SiteID    string  `json:"site_id"`
	SiteName  string  `json:"site_name"`
	PartID    *string `json:"part_id"`
	Kind      string  `json:"kind"`
	KindLabel string  `json:"kind_label"`
	Label     string  `json:"label"`
	Planned   *string `json:"planned"`
	Actual    *string `json:"actual"`
}

type slipJSON struct {
	Milestone milestoneRefJSON `json:"milestone"`
	From      string           `json:"from"`
	FromLabel string           `json:"from_label"`
	To        string           `json:"to"`
	ToLabel   string           `json:"to_label"`
	Later     bool             `json:"later"` // false when brought forward
	Plans     []slipPlanJSON   `json:"plans"` // decided since the baseline, with their reasons
}

type slipPlanJSON struct {
	Date      string  `json:"date"`
	DecidedOn *string `json:"decided_on"`
	Reason    string  `json:"reason"`
	Source    string  `json:"source"`
}

type partChangeJSON struct {
	SiteID string  `json:"site_id"`
	PartID string  `json:"part_id"`
	Label  string  `json:"label"`
	From   *string `json:"from"` // null for a part added since
	To     string  `json:"to"`
}

type commitmentRefJSON struct {
	ID     string `json:"id"`
	Clause string `json:"clause"`
	Title  string `json:"title"`
	Status string `json:"status"`
	Late   bool   `json:"late"`
}

// handleMeetingBaseline answers GET /api/meetings/{id}/baseline?since=&date=: the
// comparison of the state on date (the meeting's day by default) with the baseline of
// the meeting since (by default the last meeting of the same committee held before): the
// state that meeting found, so that its own decisions count among the changes.
func (s *Server) handleMeetingBaseline(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "since", "date")
	if err != nil {
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
	day := m.Date
	if q.Has("date") {
		if day, err = site.ParseDay(q.Get("date")); err != nil {
			s.writeError(w, r, &errParam{param: "date", err: err})
			return
		}
	}
	meetings, err := s.store.ListMeetings(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base, ok := governance.Previous(meetings, m)
	if q.Has("since") {
		n, err := strconv.ParseInt(q.Get("since"), 10, 64)
		found := false
		for _, x := range meetings {
			if err == nil && x.ID == n {
				base, found = x, true
			}
		}
		if !found {
			s.writeError(w, r, &errParam{param: "since", err: site.Invalid("since", "no meeting %q", q.Get("since"))})
			return
		}
		ok = true
	}
	if ok && day.Before(governance.BaselineDay(base)) {
		s.writeError(w, r, &errParam{param: "date", err: site.Invalid("date",
			"%s is before the baseline of the meeting of %s", day.Format(time.DateOnly), base.Date.Format(time.DateOnly))})
		return
	}
	out := baselineJSON{MeetingID: m.ID, Meeting: governance.MeetingName(governance.CommitteeName(m.CommitteeID), m.Date),
		AsOf: day.Format(time.DateOnly), Slipped: []slipJSON{}, NewMilestones: []milestoneRefJSON{},
		Done: []milestoneRefJSON{}, LateSince: []milestoneRefJSON{}, Parts: []partChangeJSON{},
		DoneCommitment: []commitmentRefJSON{}, NewCommitments: []commitmentRefJSON{}, LateCommitment: []commitmentRefJSON{}}
	if ok {
		before, err := s.store.StateOn(r.Context(), governance.BaselineDay(base))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		now, err := s.store.StateOn(r.Context(), day)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out.Baseline = &baselineRefJSON{MeetingID: base.ID, CommitteeID: base.CommitteeID,
			Date: base.Date.Format(time.DateOnly), Name: governance.MeetingName(governance.CommitteeName(base.CommitteeID), base.Date),
			StateOn: governance.BaselineDay(base).Format(time.DateOnly)}
		shapeComparison(&out, governance.Compare(before, now))
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

func shapeComparison(out *baselineJSON, c governance.Comparison) {
	for _, sl := range c.Slipped {
		j := slipJSON{Milestone: milestoneRef(&sl.Milestone), From: sl.From.String(), FromLabel: sl.From.French(),
			To: sl.To.String(), ToLabel: sl.To.French(), Later: sl.Later, Plans: []slipPlanJSON{}}
		for _, p := range sl.Plans {
			pj := slipPlanJSON{Date: p.Date.String(), Reason: p.Reason, Source: p.Source}
			if p.DecidedOn != nil {
				pj.DecidedOn = ptr(p.DecidedOn.Format(time.DateOnly))
			}
			j.Plans = append(j.Plans, pj)
		}
		out.Slipped = append(out.Slipped, j)
	}
	for _, l := range []struct {
		from []site.Milestone
		to   *[]milestoneRefJSON
	}{{c.NewMilestones, &out.NewMilestones}, {c.Done, &out.Done}, {c.LateSince, &out.LateSince}} {
		for i := range l.from {
			*l.to = append(*l.to, milestoneRef(&l.from[i]))
		}
	}
	for _, p := range c.Parts {
		j := partChangeJSON{SiteID: p.Part.SiteID, PartID: p.Part.PartID, Label: p.Part.Label, To: string(p.Part.Status)}
		if p.From != "" {
			j.From = ptr(string(p.From))
		}
		out.Parts = append(out.Parts, j)
	}
	for _, l := range []struct {
		from []governance.Commitment
		to   *[]commitmentRefJSON
	}{{c.CommitmentsDone, &out.DoneCommitment}, {c.NewCommitments, &out.NewCommitments}, {c.CommitmentsLate, &out.LateCommitment}} {
		for _, cm := range l.from {
			*l.to = append(*l.to, commitmentRefJSON{ID: cm.ID, Clause: cm.Clause, Title: cm.Title,
				Status: string(cm.Status), Late: cm.Late(c.Until)})
		}
	}
}

func milestoneRef(m *site.Milestone) milestoneRefJSON {
	j := milestoneRefJSON{ID: m.ID, SiteID: m.SiteID, SiteName: m.SiteName, PartID: m.PartID, Kind: string(m.Kind),
		KindLabel: m.Kind.Label(), Label: m.Label}
	if p := m.Planned(); p != nil {
		j.Planned = ptr(p.String())
	}
	if m.Actual != nil {
		j.Actual = ptr(m.Actual.String())
	}
	return j
}

// mediaXLSX is the media type of an Office Open XML workbook.
const mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// handleMeetingPackXLSX answers GET /api/meetings/{id}/pack.xlsx: the committee pack as a
// workbook, one sheet per part.
func (s *Server) handleMeetingPackXLSX(w http.ResponseWriter, r *http.Request) {
	p, ok := s.buildPack(w, r)
	if !ok {
		return
	}
	// Written to memory first: a workbook is a zip whose directory comes last, so a
	// failure half-way must still be able to answer with a problem.
	var buf bytes.Buffer
	if err := p.WriteXLSX(&buf); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", mediaXLSX)
	attachment(w, p.FileName()+".xlsx")
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// handleMeetingPackHTML answers GET /api/meetings/{id}/pack.html: the committee pack as a
// page made for print on A4, with the map of the sites.
func (s *Server) handleMeetingPackHTML(w http.ResponseWriter, r *http.Request) {
	p, ok := s.buildPack(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := p.WriteHTML(&buf); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", mediaHTML+"; charset=utf-8")
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

func (s *Server) buildPack(w http.ResponseWriter, r *http.Request) (*pack.Pack, bool) {
	if _, err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	id, err := meetingParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	p, err := pack.Build(r.Context(), s.store, id, s.today())
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	return p, true
}
