package httpapi

import (
	"net/http"
	"time"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// planRequest is the body of POST /api/milestones/{id}/plans, and the plan part of a new
// milestone.
type planRequest struct {
	Date      optional[string] `json:"date"`
	Reason    optional[string] `json:"reason"`
	DecidedOn optional[string] `json:"decided_on"`
	Source    optional[string] `json:"source"`
}

func (req *planRequest) validate(today time.Time) (store.Plan, error) {
	var p store.Plan
	d, err := req.Date.required("date")
	if err != nil {
		return p, err
	}
	if p.Date, err = dateField("date", d); err != nil {
		return p, err
	}
	if err := site.CheckPlan(p.Date, today); err != nil {
		return p, err
	}
	if p.Reason, err = reasonText(req.Reason); err != nil {
		return p, err
	}
	if src, err := text(req.Source, "source", 2000, false, false); err != nil {
		return p, err
	} else if src != nil {
		p.Source = *src
	}
	if day, err := req.DecidedOn.value("decided_on"); err != nil {
		return p, err
	} else if day != nil {
		t, err := dayField("decided_on", *day)
		if err != nil {
			return p, err
		}
		if t.After(today) {
			return p, site.Invalid("decided_on", "%s is in the future", *day)
		}
		p.DecidedOn = &t
	}
	return p, nil
}

func (s *Server) handleAddPlan(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editMilestone, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := numberParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req planRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		plan, err := req.validate(s.today())
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.AddPlan(r.Context(), p.user, id, v, plan)
	})
}

// milestoneRequest is the body of POST /api/sites/{id}/milestones.
type milestoneRequest struct {
	Kind   optional[string] `json:"kind"`
	PartID optional[string] `json:"part_id"`
	Label  optional[string] `json:"label"`
	planRequest
}

func (s *Server) handleCreateMilestone(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, createMilestone, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req milestoneRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		var m store.NewMilestone
		k, err := req.Kind.required("kind")
		if err != nil {
			return store.Edit{}, err
		}
		if m.Kind, err = site.ParseMilestoneKind(k); err != nil {
			return store.Edit{}, err
		}
		if m.PartID, err = partIDField(req.PartID); err != nil {
			return store.Edit{}, err
		}
		if l, err := text(req.Label, "label", maxShortText, false, false); err != nil {
			return store.Edit{}, err
		} else if l != nil {
			m.Label = *l
		}
		if m.Plan, err = req.planRequest.validate(s.today()); err != nil {
			return store.Edit{}, err
		}
		return s.store.CreateMilestone(r.Context(), p.user, id, v, m)
	})
}

// actualRequest is the body of PUT /api/milestones/{id}/actual: the date the milestone
// happened, or null (with a reason) to clear a wrong record.
type actualRequest struct {
	Date   optional[string] `json:"date"`
	Reason optional[string] `json:"reason"`
}

func (s *Server) handleSetActual(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editMilestone, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := numberParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req actualRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		if !req.Date.set {
			return store.Edit{}, site.Invalid("date", "is required (null clears the actual date)")
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		var date *site.Date
		if !req.Date.null {
			d, err := dateField("date", req.Date.v)
			if err != nil {
				return store.Edit{}, err
			}
			if err := notFuture("date", d, s.today()); err != nil {
				return store.Edit{}, err
			}
			date = &d
		} else if reason == "" {
			return store.Edit{}, site.Invalid("reason", "clearing the actual date must give its reason")
		}
		return s.store.SetActual(r.Context(), p.user, id, v, date, reason)
	})
}
