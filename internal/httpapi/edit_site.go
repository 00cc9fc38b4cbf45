package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// siteFieldsJSON are a site's attributes as a request body gives them.
type siteFieldsJSON struct {
	Name         optional[string]   `json:"name"`
	Address      optional[string]   `json:"address"`
	Department   optional[string]   `json:"department"`
	CurrentUse   optional[string]   `json:"current_use"`
	Occupant     optional[string]   `json:"occupant"`
	Owner        optional[string]   `json:"owner"`
	Modality     optional[string]   `json:"modality"`
	ModalityDone optional[bool]     `json:"modality_done"`
	Counterparty optional[string]   `json:"counterparty"`
	Notes        optional[string]   `json:"notes"`
	Sources      optional[[]string] `json:"sources"`
}

// fields validates the attributes given; absent ones stay nil.
func (j *siteFieldsJSON) fields() (store.SiteFields, int, error) {
	var f store.SiteFields
	var err error
	n := 0
	short := []struct {
		o    optional[string]
		name string
		dst  **string
	}{
		{j.Address, "address", &f.Address}, {j.Department, "department", &f.Department},
		{j.CurrentUse, "current_use", &f.CurrentUse}, {j.Occupant, "occupant", &f.Occupant},
		{j.Owner, "owner", &f.Owner}, {j.Counterparty, "counterparty", &f.Counterparty},
	}
	if f.Name, err = text(j.Name, "name", maxShortText, false, true); err != nil {
		return f, 0, err
	}
	for _, t := range short {
		if *t.dst, err = text(t.o, t.name, maxShortText, false, false); err != nil {
			return f, 0, err
		}
	}
	if f.Notes, err = text(j.Notes, "notes", maxLongText, true, false); err != nil {
		return f, 0, err
	}
	if m, err := j.Modality.value("modality"); err != nil {
		return f, 0, err
	} else if m != nil {
		mod, err := site.ParseModality(*m)
		if err != nil {
			return f, 0, err
		}
		f.Modality = &mod
	}
	if f.ModalityDone, err = j.ModalityDone.value("modality_done"); err != nil {
		return f, 0, err
	}
	if f.Sources, err = j.Sources.value("sources"); err != nil {
		return f, 0, err
	}
	if f.Sources != nil {
		if len(*f.Sources) > 100 {
			return f, 0, site.Invalid("sources", "at most 100 sources")
		}
		for i, src := range *f.Sources {
			if strings.TrimSpace(src) == "" {
				return f, 0, site.Invalid("sources", "source %d is empty", i+1)
			}
			if err := checkText("sources", src, 2000, false); err != nil {
				return f, 0, err
			}
		}
	}
	for _, set := range []bool{j.Name.set, j.Address.set, j.Department.set, j.CurrentUse.set, j.Occupant.set,
		j.Owner.set, j.Modality.set, j.ModalityDone.set, j.Counterparty.set, j.Notes.set, j.Sources.set} {
		if set {
			n++
		}
	}
	return f, n, nil
}

// sitePatchRequest is the body of PATCH /api/sites/{id}: the attributes to change.
type sitePatchRequest struct {
	siteFieldsJSON
	Reason optional[string] `json:"reason"`
}

func (s *Server) handleUpdateSite(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editSite, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req sitePatchRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		f, n, err := req.fields()
		if err != nil {
			return store.Edit{}, err
		}
		if n == 0 {
			return store.Edit{}, site.Invalid("", "nothing to change: give at least one of %s",
				strings.Join(jsonFields(&req.siteFieldsJSON), ", "))
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.UpdateSite(r.Context(), p.user, id, v, f, reason)
	})
}

// newPartJSON is the first part of a site being created.
type newPartJSON struct {
	ID             optional[string]  `json:"id"`
	Label          optional[string]  `json:"label"`
	Status         optional[string]  `json:"status"`
	StatusSince    optional[string]  `json:"status_since"`
	StatusReason   optional[string]  `json:"status_reason"`
	DeclaredAreaM2 optional[float64] `json:"declared_area_m2"`
}

// createSiteRequest is the body of POST /api/sites.
type createSiteRequest struct {
	ID optional[string] `json:"id"`
	siteFieldsJSON
	Part   optional[newPartJSON] `json:"part"`
	Reason optional[string]      `json:"reason"`
}

func (req *createSiteRequest) validate(today time.Time) (store.NewSite, string, error) {
	var n store.NewSite
	id, err := req.ID.required("id")
	if err != nil {
		return n, "", err
	}
	if err := site.ValidateSlug("id", id); err != nil {
		return n, "", err
	}
	n.ID = id
	if _, err := req.Name.required("name"); err != nil {
		return n, "", err
	}
	if n.Fields, _, err = req.fields(); err != nil {
		return n, "", err
	}
	pj, err := req.Part.required("part")
	if err != nil {
		return n, "", err
	}
	if n.Part, err = pj.validate(id, today); err != nil {
		return n, "", err
	}
	reason, err := reasonText(req.Reason)
	return n, reason, err
}

func (pj *newPartJSON) validate(siteID string, today time.Time) (store.NewPart, error) {
	p := store.NewPart{ID: siteID, Label: "Ensemble du site"}
	if id, err := pj.ID.value("part.id"); err != nil {
		return p, err
	} else if id != nil {
		if err := site.ValidateSlug("part.id", *id); err != nil {
			return p, err
		}
		p.ID = *id
	}
	if l, err := text(pj.Label, "part.label", maxShortText, false, true); err != nil {
		return p, err
	} else if l != nil {
		p.Label = *l
	}
	st, err := pj.Status.required("part.status")
	if err != nil {
		return p, err
	}
	if p.Status, err = site.ParseStatus(st); err != nil {
		return p, &site.InvalidError{Field: "part.status", Reason: err.(*site.InvalidError).Reason}
	}
	since, err := pj.StatusSince.required("part.status_since")
	if err != nil {
		return p, err
	}
	if p.Since, err = dateField("part.status_since", since); err != nil {
		return p, err
	}
	if err := notFuture("part.status_since", p.Since, today); err != nil {
		return p, err
	}
	if r, err := text(pj.StatusReason, "part.status_reason", maxShortText*4, true, false); err != nil {
		return p, err
	} else if r != nil {
		p.Reason = *r
	}
	if p.DeclaredAreaM2, _, err = positive(pj.DeclaredAreaM2, "part.declared_area_m2", 1e8); err != nil {
		return p, err
	}
	return p, nil
}

func (s *Server) handleCreateSite(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, createSite, func(p *principal, _ store.Versions) (store.Edit, error) {
		var req createSiteRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		n, reason, err := req.validate(s.today())
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.CreateSite(r.Context(), p.user, n, reason)
	})
}

func (s *Server) handleDeleteSite(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editSite, func(p *principal, v store.Versions) (store.Edit, error) {
		id, reason, err := siteAndReason(r)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.DeleteSite(r.Context(), p.user, id, v, reason)
	})
}

func (s *Server) handleRestoreSite(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, restoreSite, func(p *principal, v store.Versions) (store.Edit, error) {
		id, reason, err := siteAndReason(r)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.RestoreSite(r.Context(), p.user, id, v, reason)
	})
}

func siteAndReason(r *http.Request) (string, string, error) {
	id, err := idParam(r)
	if err != nil {
		return "", "", err
	}
	reason, err := optionalReason(r)
	return id, reason, err
}

// historyResponse is GET /api/sites/{id}/history.
type historyResponse struct {
	SiteID  string       `json:"site_id"`
	Version int64        `json:"version"`
	Deleted bool         `json:"deleted"`
	Items   []changeJSON `json:"items"` // newest first
}

// handleHistory answers GET /api/sites/{id}/history: every change made to the site through
// the API, with who made it and the entity before and after. It holds confidential fields,
// so it needs a signed-in user; it also serves deleted sites, whose ETag a restore needs.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	if _, err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := idParam(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h, err := s.store.SiteHistory(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", siteETag(h.Version))
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, r, http.StatusOK, historyResponse{SiteID: id, Version: h.Version, Deleted: h.Deleted, Items: shapeChanges(h.Changes)})
}
