package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// Governance editing routes: a commitment's or a meeting's ETag in If-Match, like a site's.
var (
	editCommitment   = editKind{entity: "commitment", ifMatch: true}
	createCommitment = editKind{entity: "commitment", creates: true}
	addFollowUp      = editKind{entity: "commitment", ifMatch: true, creates: true}
	createCommittee  = editKind{entity: "committee", creates: true}
	editMeeting      = editKind{entity: "meeting", ifMatch: true}
	createMeeting    = editKind{entity: "meeting", creates: true}
	addToMeeting     = editKind{entity: "meeting", ifMatch: true, creates: true}
)

// commitmentRequest is the body of POST /api/commitments and PATCH /api/commitments/{id}.
type commitmentRequest struct {
	ID        optional[string]   `json:"id"`
	Clause    optional[string]   `json:"clause"`
	Axis      optional[string]   `json:"axis"`
	Title     optional[string]   `json:"title"`
	Quote     optional[string]   `json:"quote"`
	Parties   optional[[]string] `json:"parties"`
	SiteIDs   optional[[]string] `json:"site_ids"`
	PartIDs   optional[[]string] `json:"part_ids"`
	Due       optional[string]   `json:"due"` // null clears it
	Firmness  optional[string]   `json:"firmness"`
	Status    optional[string]   `json:"status"`   // creation only
	Progress  optional[int]      `json:"progress"` // creation only
	Sources   optional[[]string] `json:"sources"`
	DecidedAt optional[int64]    `json:"decided_at_meeting"`
	Reason    optional[string]   `json:"reason"`
}

func (req *commitmentRequest) fields() (store.CommitmentFields, error) {
	var f store.CommitmentFields
	var err error
	if f.Clause, err = text(req.Clause, "clause", 40, false, true); err != nil {
		return f, err
	}
	if f.Clause != nil {
		if err := governance.CheckClause(*f.Clause); err != nil {
			return f, err
		}
	}
	if f.Axis, err = parsed(req.Axis, "axis", governance.ParseAxis); err != nil {
		return f, err
	}
	if f.Title, err = text(req.Title, "title", maxShortText, false, true); err != nil {
		return f, err
	}
	if f.Quote, err = text(req.Quote, "quote", maxLongText, true, false); err != nil {
		return f, err
	}
	if ps, err := req.Parties.value("parties"); err != nil {
		return f, err
	} else if ps != nil {
		if len(*ps) == 0 {
			return f, site.Invalid("parties", "name at least one party")
		}
		parties := make([]governance.Party, len(*ps))
		for i, p := range *ps {
			if parties[i], err = governance.ParseParty(p); err != nil {
				return f, err
			}
		}
		f.Parties = &parties
	}
	if f.SiteIDs, err = slugList(req.SiteIDs, "site_ids"); err != nil {
		return f, err
	}
	if f.PartIDs, err = slugList(req.PartIDs, "part_ids"); err != nil {
		return f, err
	}
	if req.Due.set {
		var due *site.Date
		if !req.Due.null {
			d, err := dateField("due", req.Due.v)
			if err != nil {
				return f, err
			}
			due = &d
		}
		f.Due = &due
	}
	if f.Firmness, err = parsed(req.Firmness, "firmness", governance.ParseFirmness); err != nil {
		return f, err
	}
	if f.Sources, err = sourceList(req.Sources, "sources"); err != nil {
		return f, err
	}
	return f, nil
}

// slugList reads an optional list of site or part ids.
func slugList(o optional[[]string], field string) (*[]string, error) {
	ids, err := o.value(field)
	if err != nil || ids == nil {
		return nil, err
	}
	for _, id := range *ids {
		if err := site.ValidateSlug(field, id); err != nil {
			return nil, site.Invalid(field, "no site or part %q", id)
		}
	}
	return ids, nil
}

// sourceList reads an optional list of sources: none may be blank.
func sourceList(o optional[[]string], field string) (*[]string, error) {
	ss, err := o.value(field)
	if err != nil || ss == nil {
		return nil, err
	}
	for _, s := range *ss {
		if strings.TrimSpace(s) == "" {
			return nil, site.Invalid(field, "a source must not be blank")
		}
		if err := checkText(field, s, 2000, false); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

func progressField(o optional[int]) (*int, error) {
	p, err := o.value("progress")
	if err != nil || p == nil {
		return nil, err
	}
	return p, governance.CheckProgress(*p)
}

func (s *Server) handleCreateCommitment(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, createCommitment, noID, func(p *principal, _ store.Versions, _ struct{}, req *commitmentRequest) (store.Edit, error) {
		id, err := req.ID.required("id")
		if err != nil {
			return store.Edit{}, err
		}
		if err := site.ValidateSlug("id", id); err != nil {
			return store.Edit{}, err
		}
		n := store.NewCommitment{ID: id, Status: governance.Unknown}
		if n.Fields, err = req.fields(); err != nil {
			return store.Edit{}, err
		}
		for field, missing := range map[string]bool{"clause": n.Fields.Clause == nil, "axis": n.Fields.Axis == nil,
			"title": n.Fields.Title == nil, "parties": n.Fields.Parties == nil, "firmness": n.Fields.Firmness == nil,
			"sources": n.Fields.Sources == nil || len(*n.Fields.Sources) == 0} {
			if missing {
				return store.Edit{}, site.Invalid(field, "is required")
			}
		}
		if st, err := parsed(req.Status, "status", governance.ParseStatus); err != nil {
			return store.Edit{}, err
		} else if st != nil {
			n.Status = *st
		}
		if n.Progress, err = progressField(req.Progress); err != nil {
			return store.Edit{}, err
		}
		if n.DecidedAt, err = req.DecidedAt.value("decided_at_meeting"); err != nil {
			return store.Edit{}, err
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.CreateCommitment(r.Context(), p.user, n, reason)
	})
}

func (s *Server) handleUpdateCommitment(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, editCommitment, idParam, func(p *principal, v store.Versions, id string, req *commitmentRequest) (store.Edit, error) {
		for field, set := range map[string]bool{"id": req.ID.set, "decided_at_meeting": req.DecidedAt.set} {
			if set {
				return store.Edit{}, site.Invalid(field, "cannot be changed")
			}
		}
		if req.Status.set || req.Progress.set {
			field := "status"
			if !req.Status.set {
				field = "progress"
			}
			return store.Edit{}, site.Invalid(field, "changes with a dated, sourced follow-up: POST /api/commitments/{id}/follow-ups")
		}
		f, err := req.fields()
		if err != nil {
			return store.Edit{}, err
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.UpdateCommitment(r.Context(), p.user, id, v, f, reason)
	})
}

// followUpRequest is the body of POST /api/commitments/{id}/follow-ups.
type followUpRequest struct {
	Date      optional[string] `json:"date"`
	Note      optional[string] `json:"note"`
	Source    optional[string] `json:"source"`
	Status    optional[string] `json:"status"`
	Progress  optional[int]    `json:"progress"`
	MeetingID optional[int64]  `json:"meeting_id"`
}

func (s *Server) handleAddFollowUp(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, addFollowUp, idParam, func(p *principal, v store.Versions, id string, req *followUpRequest) (store.Edit, error) {
		var f governance.FollowUp
		d, err := req.Date.required("date")
		if err != nil {
			return store.Edit{}, err
		}
		if f.Date, err = dateField("date", d); err != nil {
			return store.Edit{}, err
		}
		if err := notFuture("date", f.Date, s.today()); err != nil {
			return store.Edit{}, err
		}
		if f.Source, err = requiredText(req.Source, "source", 2000); err != nil {
			return store.Edit{}, err
		}
		if n, err := text(req.Note, "note", maxLongText, true, false); err != nil {
			return store.Edit{}, err
		} else if n != nil {
			f.Note = *n
		}
		if f.Status, err = parsed(req.Status, "status", governance.ParseStatus); err != nil {
			return store.Edit{}, err
		}
		if f.Progress, err = progressField(req.Progress); err != nil {
			return store.Edit{}, err
		}
		if f.MeetingID, err = req.MeetingID.value("meeting_id"); err != nil {
			return store.Edit{}, err
		}
		return s.store.AddFollowUp(r.Context(), p.user, id, v, f)
	})
}

// committeeRequest is the body of POST /api/committees.
type committeeRequest struct {
	ID       optional[string]         `json:"id"`
	Kind     optional[string]         `json:"kind"`
	Name     optional[string]         `json:"name"`
	Sources  optional[[]string]       `json:"sources"`
	Cadences optional[[]cadenceInput] `json:"cadences"`
	Reason   optional[string]         `json:"reason"`
}

// committee checks a new committee, and the reason given for creating it: an id, a kind, a
// name and at least one source, like a commitment; cadences are optional (none: it meets as
// needed).
func (req *committeeRequest) committee() (c governance.Committee, reason string, err error) {
	if c.ID, err = req.ID.required("id"); err != nil {
		return c, "", err
	}
	if err := site.ValidateSlug("id", c.ID); err != nil {
		return c, "", err
	}
	if c.Kind, err = requiredParsed(req.Kind, "kind", governance.ParseCommitteeKind); err != nil {
		return c, "", err
	}
	if c.Name, err = requiredText(req.Name, "name", maxShortText); err != nil {
		return c, "", err
	}
	sources, err := sourceList(req.Sources, "sources")
	if err != nil {
		return c, "", err
	}
	if sources == nil || len(*sources) == 0 {
		return c, "", site.Invalid("sources", "is required: name at least one")
	}
	c.Sources = *sources
	if c.Cadences, err = cadenceList(req.Cadences); err != nil {
		return c, "", err
	}
	reason, err = reasonText(req.Reason)
	return c, reason, err
}

type cadenceInput struct {
	Months optional[int]    `json:"months"`
	Clause optional[string] `json:"clause"`
}

// cadenceList reads a committee's cadences, each with its months and clause, one per
// clause; the fields are named by their place ("cadences[1].clause").
func cadenceList(o optional[[]cadenceInput]) ([]governance.Cadence, error) {
	in, err := o.value("cadences")
	if err != nil || in == nil {
		return nil, err
	}
	out := make([]governance.Cadence, 0, len(*in))
	seen := map[string]bool{}
	for i, k := range *in {
		field := "cadences[" + strconv.Itoa(i) + "]"
		var c governance.Cadence
		if c.Months, err = k.Months.required(field + ".months"); err != nil {
			return nil, err
		}
		if c.Clause, err = k.Clause.required(field + ".clause"); err != nil {
			return nil, err
		}
		var inv *site.InvalidError
		if err := governance.CheckCadence(c); errors.As(err, &inv) {
			return nil, &site.InvalidError{Field: field + "." + inv.Field, Reason: inv.Reason}
		} else if err != nil {
			return nil, err
		}
		if seen[c.Clause] {
			return nil, site.Invalid(field+".clause", "clause %s sets a cadence already", c.Clause)
		}
		seen[c.Clause] = true
		out = append(out, c)
	}
	return out, nil
}

func (s *Server) handleCreateCommittee(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, createCommittee, noID, func(p *principal, _ store.Versions, _ struct{}, req *committeeRequest) (store.Edit, error) {
		c, reason, err := req.committee()
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.CreateCommittee(r.Context(), p.user, c, reason)
	})
}

// meetingRequest is the body of POST /api/meetings and PATCH /api/meetings/{id}.
type meetingRequest struct {
	CommitteeID optional[string]          `json:"committee_id"`
	Date        optional[string]          `json:"date"`
	Place       optional[string]          `json:"place"`
	State       optional[string]          `json:"state"`
	Minutes     optional[string]          `json:"minutes"`
	Sources     optional[[]string]        `json:"sources"`
	Attendees   optional[[]attendeeInput] `json:"attendees"`
	Reason      optional[string]          `json:"reason"`
}

type attendeeInput struct {
	Organisation optional[string] `json:"organisation"`
	Role         optional[string] `json:"role"`
}

func (req *meetingRequest) fields() (store.MeetingFields, error) {
	var f store.MeetingFields
	var err error
	if f.CommitteeID, err = text(req.CommitteeID, "committee_id", 80, false, true); err != nil {
		return f, err
	}
	if f.CommitteeID != nil {
		if err := site.ValidateSlug("committee_id", *f.CommitteeID); err != nil {
			return f, site.Invalid("committee_id", "no committee %q", *f.CommitteeID)
		}
	}
	if d, err := req.Date.value("date"); err != nil {
		return f, err
	} else if d != nil {
		t, err := dayField("date", *d)
		if err != nil {
			return f, err
		}
		f.Date = &t
	}
	if f.State, err = parsed(req.State, "state", governance.ParseMeetingState); err != nil {
		return f, err
	}
	if f.Place, err = text(req.Place, "place", maxShortText, false, false); err != nil {
		return f, err
	}
	if f.Minutes, err = text(req.Minutes, "minutes", maxLongText, true, false); err != nil {
		return f, err
	}
	if f.Sources, err = sourceList(req.Sources, "sources"); err != nil {
		return f, err
	}
	if as, err := req.Attendees.value("attendees"); err != nil {
		return f, err
	} else if as != nil {
		list := make([]governance.Attendee, len(*as))
		for i, a := range *as {
			field := "attendees[" + strconv.Itoa(i) + "]"
			if list[i].Organisation, err = requiredText(a.Organisation, field+".organisation", maxShortText); err != nil {
				return f, err
			}
			if role, err := text(a.Role, field+".role", maxShortText, false, false); err != nil {
				return f, err
			} else if role != nil {
				list[i].Role = *role
			}
		}
		f.Attendees = &list
	}
	return f, nil
}

func (s *Server) handleCreateMeeting(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, createMeeting, noID, func(p *principal, _ store.Versions, _ struct{}, req *meetingRequest) (store.Edit, error) {
		f, err := req.fields()
		if err != nil {
			return store.Edit{}, err
		}
		switch {
		case f.CommitteeID == nil:
			return store.Edit{}, site.Invalid("committee_id", "is required")
		case f.Date == nil:
			return store.Edit{}, site.Invalid("date", "is required")
		case f.State == nil:
			return store.Edit{}, site.Invalid("state", "is required")
		}
		if err := governance.CheckState(*f.State, *f.Date, s.today()); err != nil {
			return store.Edit{}, err
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.CreateMeeting(r.Context(), p.user, f, reason)
	})
}

func (s *Server) handleUpdateMeeting(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, editMeeting, meetingParam, func(p *principal, v store.Versions, id int64, req *meetingRequest) (store.Edit, error) {
		f, err := req.fields()
		if err != nil {
			return store.Edit{}, err
		}
		if f.State != nil || f.Date != nil {
			// Held and the day are checked together: the one sent with the one stored.
			m, err := s.store.FindMeeting(r.Context(), id)
			if err != nil {
				return store.Edit{}, err
			}
			state, day := m.State, m.Date
			if f.State != nil {
				state = *f.State
			}
			if f.Date != nil {
				day = *f.Date
			}
			if err := governance.CheckState(state, day, s.today()); err != nil {
				return store.Edit{}, err
			}
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.UpdateMeeting(r.Context(), p.user, id, v, f, reason)
	})
}

// agendaItemRequest is the body of POST /api/meetings/{id}/agenda.
type agendaItemRequest struct {
	Title         optional[string]   `json:"title"`
	Notes         optional[string]   `json:"notes"`
	CommitmentIDs optional[[]string] `json:"commitment_ids"`
	SiteIDs       optional[[]string] `json:"site_ids"`
	MilestoneIDs  optional[[]int64]  `json:"milestone_ids"`
}

func (s *Server) handleAddAgendaItem(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, addToMeeting, meetingParam, func(p *principal, v store.Versions, id int64, req *agendaItemRequest) (store.Edit, error) {
		var item governance.AgendaItem
		var err error
		if item.Title, err = requiredText(req.Title, "title", maxShortText); err != nil {
			return store.Edit{}, err
		}
		if n, err := text(req.Notes, "notes", maxLongText, true, false); err != nil {
			return store.Edit{}, err
		} else if n != nil {
			item.Notes = *n
		}
		if ids, err := slugList(req.CommitmentIDs, "commitment_ids"); err != nil {
			return store.Edit{}, err
		} else if ids != nil {
			item.CommitmentIDs = *ids
		}
		if ids, err := slugList(req.SiteIDs, "site_ids"); err != nil {
			return store.Edit{}, err
		} else if ids != nil {
			item.SiteIDs = *ids
		}
		if ids, err := req.MilestoneIDs.value("milestone_ids"); err != nil {
			return store.Edit{}, err
		} else if ids != nil {
			item.MilestoneIDs = *ids
		}
		return s.store.AddAgendaItem(r.Context(), p.user, id, v, item)
	})
}

// decisionRequest is the body of POST /api/meetings/{id}/decisions.
type decisionRequest struct {
	Text         optional[string] `json:"text"`
	CommitmentID optional[string] `json:"commitment_id"`
	MilestoneID  optional[int64]  `json:"milestone_id"`
	NewDate      optional[string] `json:"new_date"`
	Reason       optional[string] `json:"reason"`
	Owner        optional[string] `json:"owner"`
	Due          optional[string] `json:"due"`
}

func (s *Server) handleAddDecision(w http.ResponseWriter, r *http.Request) {
	editJSON(s, w, r, addToMeeting, meetingParam, func(p *principal, v store.Versions, id int64, req *decisionRequest) (store.Edit, error) {
		var d governance.Decision
		var err error
		if d.Text, err = requiredText(req.Text, "text", maxLongText); err != nil {
			return store.Edit{}, err
		}
		if c, err := text(req.CommitmentID, "commitment_id", 80, false, true); err != nil {
			return store.Edit{}, err
		} else if c != nil {
			if err := site.ValidateSlug("commitment_id", *c); err != nil {
				return store.Edit{}, err
			}
			d.CommitmentID = c
		}
		if d.MilestoneID, err = req.MilestoneID.value("milestone_id"); err != nil {
			return store.Edit{}, err
		}
		for _, f := range []struct {
			o     optional[string]
			field string
			dst   **site.Date
		}{{req.NewDate, "new_date", &d.NewDate}, {req.Due, "due", &d.Due}} {
			if t, err := f.o.value(f.field); err != nil {
				return store.Edit{}, err
			} else if t != nil {
				date, err := dateField(f.field, *t)
				if err != nil {
					return store.Edit{}, err
				}
				*f.dst = &date
			}
		}
		if d.Reason, err = reasonText(req.Reason); err != nil {
			return store.Edit{}, err
		}
		if o, err := text(req.Owner, "owner", maxShortText, false, false); err != nil {
			return store.Edit{}, err
		} else if o != nil {
			d.Owner = *o
		}
		if err := governance.CheckDecision(d); err != nil {
			return store.Edit{}, err
		}
		return s.store.AddDecision(r.Context(), p.user, id, v, d)
	})
}

// commitmentsCSVHeader names the columns of the commitments spreadsheet.
var commitmentsCSVHeader = []string{
	"Identifiant", "Clause", "Axe", "Engagement", "Parties", "Sites", "Échéance", "Fin de l'échéance",
	"Formulation", "Statut", "Avancement (%)", "En retard", "Dernier suivi", "Sources", "Citation",
}

// handleCommitmentsCSV answers GET /api/commitments.csv with the filters of
// /api/commitments: a spreadsheet French spreadsheet programs open as it is.
func (s *Server) handleCommitmentsCSV(w http.ResponseWriter, r *http.Request) {
	day, cs, err := s.commitmentsAsOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeFrenchCSV(w, "emprises-engagements-"+day.Format(time.DateOnly)+".csv", commitmentsCSVHeader,
		func(write func([]string)) {
			for i := range cs {
				write(commitmentCSVRow(&cs[i], day))
			}
		})
}

// commitmentCSVRow is one commitment as a row of commitmentsCSVHeader, seen on day.
func commitmentCSVRow(c *governance.Commitment, day time.Time) []string {
	parties := make([]string, len(c.Parties))
	for j, p := range c.Parties {
		parties[j] = p.Label()
	}
	due, dueEnd := "", ""
	if c.Due != nil {
		due, dueEnd = c.Due.French(), frenchDay(c.Due.Last())
	}
	progress, last := "", ""
	if c.Progress != nil {
		progress = strconv.Itoa(*c.Progress)
	}
	if n := len(c.FollowUps); n > 0 {
		f := c.FollowUps[n-1]
		last = f.Date.French() + " – " + f.Note + " (" + f.Source + ")"
	}
	return []string{c.ID, c.Clause, c.Axis.Label(), c.Title, strings.Join(parties, ", "),
		strings.Join(c.SiteIDs, ", "), due, dueEnd, c.Firmness.Label(), c.Status.Label(),
		progress, yesNo(c.Late(day)), last, strings.Join(c.Sources, " ; "), c.Quote}
}
