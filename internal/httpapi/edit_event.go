package httpapi

import (
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// eventRequest is the body of POST /api/sites/{id}/events and PATCH /api/events/{id}.
type eventRequest struct {
	PartID      optional[string]  `json:"part_id"`
	Kind        optional[string]  `json:"kind"`
	Date        optional[string]  `json:"date"`
	Planned     optional[bool]    `json:"planned"`
	Cancelled   optional[bool]    `json:"cancelled"`
	Title       optional[string]  `json:"title"`
	Description optional[string]  `json:"description"`
	Source      optional[string]  `json:"source"`
	AreaM2      optional[float64] `json:"area_m2"`
	AmountEUR   optional[float64] `json:"amount_eur"`
	Reason      optional[string]  `json:"reason"`
}

// validate checks the fields given; creating an event needs kind, date, planned and title.
func (req *eventRequest) validate(create bool, today time.Time) (store.EventFields, string, error) {
	var f store.EventFields
	var err error
	if create {
		for _, c := range []struct {
			set  bool
			name string
		}{{req.Kind.set && !req.Kind.null, "kind"}, {req.Date.set && !req.Date.null, "date"},
			{req.Planned.set && !req.Planned.null, "planned"}, {req.Title.set && !req.Title.null, "title"}} {
			if !c.set {
				return f, "", site.Invalid(c.name, "is required")
			}
		}
	}
	if req.PartID.set && req.PartID.null {
		f.ClearPartID = true
	} else if f.PartID, err = partIDField(req.PartID); err != nil {
		return f, "", err
	}
	if k, err := req.Kind.value("kind"); err != nil {
		return f, "", err
	} else if k != nil {
		kind, err := site.ParseEventKind(*k)
		if err != nil {
			return f, "", err
		}
		f.Kind = &kind
	}
	if d, err := req.Date.value("date"); err != nil {
		return f, "", err
	} else if d != nil {
		date, err := dateField("date", *d)
		if err != nil {
			return f, "", err
		}
		f.Date = &date
	}
	if f.Planned, err = req.Planned.value("planned"); err != nil {
		return f, "", err
	}
	if f.Cancelled, err = req.Cancelled.value("cancelled"); err != nil {
		return f, "", err
	}
	if f.Title, err = text(req.Title, "title", maxShortText, false, true); err != nil {
		return f, "", err
	}
	if f.Description, err = text(req.Description, "description", maxLongText, true, false); err != nil {
		return f, "", err
	}
	if f.Source, err = text(req.Source, "source", 2000, false, false); err != nil {
		return f, "", err
	}
	if f.AreaM2, f.ClearAreaM2, err = positive(req.AreaM2, "area_m2", 1e8); err != nil {
		return f, "", err
	}
	if req.AmountEUR.set && req.AmountEUR.null {
		f.ClearAmountEUR = true
	} else if f.AmountEUR, err = req.AmountEUR.value("amount_eur"); err != nil {
		return f, "", err
	} else if f.AmountEUR != nil && !(math.Abs(*f.AmountEUR) < 1e12) {
		return f, "", site.Invalid("amount_eur", "must be a number below 10¹² euros")
	}
	// An event that happened has happened by today; a future one is planned.
	if f.Date != nil && f.Planned != nil && !*f.Planned {
		if err := notFuture("date", *f.Date, today); err != nil {
			return f, "", site.Invalid("date", "%s; an event to come must have planned true", err.(*site.InvalidError).Reason)
		}
	}
	reason, err := reasonText(req.Reason)
	return f, reason, err
}

// anyEventField reports whether a PATCH names something to change.
func (req *eventRequest) anyEventField() bool {
	return req.PartID.set || req.Kind.set || req.Date.set || req.Planned.set || req.Cancelled.set ||
		req.Title.set || req.Description.set || req.Source.set || req.AreaM2.set || req.AmountEUR.set
}

func (s *Server) handleCreateEvent(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, createEvent, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req eventRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		f, reason, err := req.validate(true, s.today())
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.CreateEvent(r.Context(), p.user, id, v, f, reason)
	})
}

func (s *Server) handleUpdateEvent(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editEvent, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := numberParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req eventRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		if !req.anyEventField() {
			return store.Edit{}, site.Invalid("", "nothing to change: give at least one of %s",
				strings.Join(jsonFields(&req), ", "))
		}
		f, reason, err := req.validate(false, s.today())
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.UpdateEvent(r.Context(), p.user, id, v, f, reason)
	})
}

// handleDeleteEvent answers DELETE /api/events/{id}: by default the event is cancelled
// (it stays on the timeline, struck out); with ?mode=delete an event entered by mistake is
// hidden, and an admin can restore it.
func (s *Server) handleDeleteEvent(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, deleteEvent, func(p *principal, v store.Versions) (store.Edit, error) {
		q, err := checkParams(r, "mode")
		if err != nil {
			return store.Edit{}, err
		}
		id, err := numberParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		reason, err := optionalReason(r)
		if err != nil {
			return store.Edit{}, err
		}
		switch q.Get("mode") {
		case "", "cancel":
			return s.store.CancelEvent(r.Context(), p.user, id, v, reason)
		case "delete":
			return s.store.DeleteEvent(r.Context(), p.user, id, v, reason)
		}
		return store.Edit{}, &errParam{param: "mode", err: site.Invalid("mode", "must be cancel or delete")}
	})
}

func (s *Server) handleRestoreEvent(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, restoreEvent, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := numberParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		reason, err := optionalReason(r)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.RestoreEvent(r.Context(), p.user, id, v, reason)
	})
}
