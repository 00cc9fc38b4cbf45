package httpapi

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/twpayne/go-geom/encoding/ewkb"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// mountEdits mounts the editing API. Every write needs an editor (restores an admin), is
// one transaction with one audit record, and — except creating a site — must send the
// site's current ETag in If-Match.
func (s *Server) mountEdits(r chi.Router) {
	r.Post("/api/sites", s.handleCreateSite)
	r.Patch("/api/sites/{id}", s.handleUpdateSite)
	r.Delete("/api/sites/{id}", s.handleDeleteSite)
	r.Post("/api/sites/{id}/restore", s.handleRestoreSite)
	r.Get("/api/sites/{id}/history", s.handleHistory)
	r.Post("/api/sites/{id}/events", s.handleCreateEvent)
	r.Post("/api/sites/{id}/milestones", s.handleCreateMilestone)
	r.Patch("/api/events/{id}", s.handleUpdateEvent)
	r.Delete("/api/events/{id}", s.handleDeleteEvent)
	r.Post("/api/events/{id}/restore", s.handleRestoreEvent)
	r.Post("/api/parts/{id}/status", s.handleChangeStatus)
	r.Put("/api/parts/{id}/geometry", s.handleSetGeometry)
	r.Post("/api/parts/{id}/split", s.handleSplitPart)
	r.Post("/api/parts/{id}/parcels", s.handleLinkParcels)
	r.Delete("/api/parts/{id}/parcels/{parcel}", s.handleUnlinkParcel)
	r.Post("/api/milestones/{id}/plans", s.handleAddPlan)
	r.Put("/api/milestones/{id}/actual", s.handleSetActual)
}

// siteETag is the entity tag of a site at a version: GET /api/sites/{id} sends it, every
// edit of the site wants it back in If-Match and answers the next one.
func siteETag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// preconditionError is a write sent without a usable If-Match: 428.
type preconditionError struct{ detail string }

func (e *preconditionError) Error() string { return e.detail }

// ifMatch reads the site versions the client allows from If-Match. Missing (or "*", which
// would allow overwriting unseen changes) is 428; a tag of another form can never match,
// and is 412 like a stale one.
func ifMatch(r *http.Request) (store.Versions, error) {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return nil, &preconditionError{"send If-Match with the ETag of the site as last read (GET /api/sites/{id})"}
	}
	var vs store.Versions
	for _, h := range values {
		for tag := range strings.SplitSeq(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				return nil, &preconditionError{"If-Match: * is not accepted; send the ETag of the site as last read"}
			}
			// Weak tags never match in If-Match (RFC 9110, 13.1.1).
			digits, ok := strings.CutPrefix(tag, `"v`)
			if !ok || !strings.HasSuffix(digits, `"`) {
				continue
			}
			// Entity tags compare byte for byte: "v01" or "v+1" is not "v1".
			digits = strings.TrimSuffix(digits, `"`)
			if v, err := strconv.ParseInt(digits, 10, 64); err == nil && v > 0 && strconv.FormatInt(v, 10) == digits {
				vs = append(vs, v)
			}
		}
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("If-Match %s is not an ETag of this site (%w)", strings.Join(values, ", "), site.ErrConflict)
	}
	return vs, nil
}

// editResponse is what every successful edit answers, with the site's new ETag in the
// header too.
type editResponse struct {
	SiteID     string          `json:"site_id"`
	Version    int64           `json:"version"`
	ETag       string          `json:"etag"`
	AuditID    int64           `json:"audit_id"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	After      json.RawMessage `json:"after"` // the entity once changed, as the history records it
}

// editKind says what an editing route needs and answers.
type editKind struct {
	role    auth.Role // the least role allowed
	entity  string    // site, part, event or milestone: the entity_type of the answer
	ifMatch bool      // the site's ETag is required (every edit but creating a site)
	creates bool      // 201 Created
}

// Editing routes by what they need.
var (
	editSite        = editKind{role: auth.Editor, entity: "site", ifMatch: true}
	createSite      = editKind{role: auth.Editor, entity: "site", creates: true}
	restoreSite     = editKind{role: auth.Admin, entity: "site", ifMatch: true}
	editPart        = editKind{role: auth.Editor, entity: "part", ifMatch: true}
	splitPart       = editKind{role: auth.Editor, entity: "part", ifMatch: true, creates: true}
	editEvent       = editKind{role: auth.Editor, entity: "event", ifMatch: true}
	createEvent     = editKind{role: auth.Editor, entity: "event", ifMatch: true, creates: true}
	restoreEvent    = editKind{role: auth.Admin, entity: "event", ifMatch: true}
	editMilestone   = editKind{role: auth.Editor, entity: "milestone", ifMatch: true}
	createMilestone = editKind{role: auth.Editor, entity: "milestone", ifMatch: true, creates: true}
)

// edit runs one editing request: it checks the caller's role, reads If-Match when the
// change needs it, and calls do, which decodes the body and makes the change. Nothing is
// written unless every check passes.
func (s *Server) edit(w http.ResponseWriter, r *http.Request, k editKind,
	do func(p *principal, v store.Versions) (store.Edit, error)) {
	p, err := s.requireRole(r, k.role)
	if err != nil {
		s.writeEditError(w, r, err)
		return
	}
	var versions store.Versions
	if k.ifMatch {
		if versions, err = ifMatch(r); err != nil {
			s.writeEditError(w, r, err)
			return
		}
	}
	e, err := do(p, versions)
	if err != nil {
		s.writeEditError(w, r, err)
		return
	}
	s.logger.Info("edit", "user", p.user.Name, "method", r.Method, "path", r.URL.Path,
		"site", e.SiteID, "version", e.Version, "audit", e.AuditID)
	w.Header().Set("ETag", siteETag(e.Version))
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusOK
	if k.creates {
		status = http.StatusCreated
		if k.entity == "site" {
			w.Header().Set("Location", "/api/sites/"+e.SiteID)
		}
	}
	s.writeJSON(w, r, status, editResponse{SiteID: e.SiteID, Version: e.Version, ETag: siteETag(e.Version),
		AuditID: e.AuditID, EntityType: k.entity, EntityID: e.EntityID, After: e.After})
}

// writeEditError answers the refusal of an edit as a problem naming what is wrong.
func (s *Server) writeEditError(w http.ResponseWriter, r *http.Request, err error) {
	var mt *mediaTypeError
	var pe *preconditionError
	var stale *store.StaleError
	switch {
	case errors.As(err, &mt):
		w.Header().Set("Accept-Patch", "application/json, application/merge-patch+json")
		writeProblem(w, Problem{Status: http.StatusUnsupportedMediaType, Detail: mt.Error()})
	case errors.As(err, &pe):
		writeProblem(w, Problem{Status: http.StatusPreconditionRequired, Detail: pe.detail})
	case errors.As(err, &stale):
		w.Header().Set("ETag", siteETag(stale.Current))
		writeProblem(w, Problem{Status: http.StatusPreconditionFailed, Detail: stale.Error()})
	case errors.Is(err, site.ErrUnauthenticated), errors.Is(err, errCSRF):
		s.writeAuthError(w, r, err)
	default:
		s.writeError(w, r, err)
	}
}

// paris is where the planners are: "today" for a status or an event is theirs.
var paris = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Paris"); err == nil {
		return loc
	}
	return time.Local
}()

// editToday is the current day in Paris, as a UTC midnight like site.Date's.
func editToday() time.Time {
	y, m, d := time.Now().In(paris).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// idParam is the {id} of a site or part, a slug.
func idParam(r *http.Request) (string, error) {
	id := chi.URLParam(r, "id")
	if err := site.ValidateSlug("id", id); err != nil {
		return "", fmt.Errorf("no such id: %w", site.ErrNotFound)
	}
	return id, nil
}

// numberParam is the {id} of an event or milestone.
func numberParam(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("no such id: %w", site.ErrNotFound)
	}
	return n, nil
}

// partIDField reads the optional part_id of an event or milestone. A part id is a slug;
// anything else is refused here, before it reaches a query it could fail (NUL).
func partIDField(o optional[string]) (*string, error) {
	id, err := o.value("part_id")
	if err != nil || id == nil {
		return nil, err
	}
	if err := site.ValidateSlug("part_id", *id); err != nil {
		return nil, err
	}
	return id, nil
}

// reasonOnly is the optional body of a delete or restore.
type reasonOnly struct {
	Reason optional[string] `json:"reason"`
}

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

func (req *createSiteRequest) validate() (store.NewSite, string, error) {
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
	if n.Part, err = pj.validate(id); err != nil {
		return n, "", err
	}
	reason, err := reasonText(req.Reason)
	return n, reason, err
}

func (pj *newPartJSON) validate(siteID string) (store.NewPart, error) {
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
	if err := notFuture("part.status_since", p.Since); err != nil {
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
		n, reason, err := req.validate()
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
	var req reasonOnly
	if err := optionalBody(r, &req); err != nil {
		return "", "", err
	}
	reason, err := reasonText(req.Reason)
	return id, reason, err
}

// historyResponse is GET /api/sites/{id}/history.
type historyResponse struct {
	SiteID  string              `json:"site_id"`
	Version int64               `json:"version"`
	Deleted bool                `json:"deleted"`
	Items   []store.AuditRecord `json:"items"` // newest first
}

// handleHistory answers GET /api/sites/{id}/history: every change made to the site through
// the API, with who made it and the entity before and after. It holds confidential fields,
// so it needs a signed-in user; it also serves deleted sites, whose ETag a restore needs.
func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	if _, err := s.requireRole(r, auth.Viewer); err != nil {
		s.writeEditError(w, r, err)
		return
	}
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
	s.writeJSON(w, r, http.StatusOK, historyResponse{SiteID: id, Version: h.Version, Deleted: h.Deleted, Items: h.Records})
}

// statusRequest is the body of POST /api/parts/{id}/status.
type statusRequest struct {
	Status     optional[string] `json:"status"`
	Date       optional[string] `json:"date"`
	Reason     optional[string] `json:"reason"`
	Correction optional[bool]   `json:"correction"`
}

func (req *statusRequest) validate() (store.StatusChange, error) {
	var sc store.StatusChange
	st, err := req.Status.required("status")
	if err != nil {
		return sc, err
	}
	if sc.Status, err = site.ParseStatus(st); err != nil {
		return sc, err
	}
	d, err := req.Date.required("date")
	if err != nil {
		return sc, err
	}
	if sc.Since, err = dateField("date", d); err != nil {
		return sc, err
	}
	if err := notFuture("date", sc.Since); err != nil {
		return sc, err
	}
	if sc.Reason, err = reasonText(req.Reason); err != nil {
		return sc, err
	}
	if sc.Reason == "" {
		return sc, site.Invalid("reason", "is required: say why the status changes")
	}
	if c, err := req.Correction.value("correction"); err != nil {
		return sc, err
	} else if c != nil {
		sc.Correction = *c
	}
	return sc, nil
}

func (s *Server) handleChangeStatus(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req statusRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		sc, err := req.validate()
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.ChangeStatus(r.Context(), p.user, id, v, sc)
	})
}

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
func (req *eventRequest) validate(create bool) (store.EventFields, string, error) {
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
		if err := notFuture("date", *f.Date); err != nil {
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
		f, reason, err := req.validate(true)
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
		f, reason, err := req.validate(false)
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
	s.edit(w, r, editEvent, func(p *principal, v store.Versions) (store.Edit, error) {
		q, err := checkParams(r, "mode")
		if err != nil {
			return store.Edit{}, err
		}
		id, err := numberParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req reasonOnly
		if err := optionalBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		reason, err := reasonText(req.Reason)
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
		var req reasonOnly
		if err := optionalBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.RestoreEvent(r.Context(), p.user, id, v, reason)
	})
}

// planRequest is the body of POST /api/milestones/{id}/plans, and the plan part of a new
// milestone.
type planRequest struct {
	Date      optional[string] `json:"date"`
	Reason    optional[string] `json:"reason"`
	DecidedOn optional[string] `json:"decided_on"`
	Source    optional[string] `json:"source"`
}

func (req *planRequest) validate() (store.Plan, error) {
	var p store.Plan
	d, err := req.Date.required("date")
	if err != nil {
		return p, err
	}
	if p.Date, err = dateField("date", d); err != nil {
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
		t, err := time.Parse(time.DateOnly, *day)
		if err != nil {
			return p, site.Invalid("decided_on", "%q is not a day YYYY-MM-DD", *day)
		}
		if t.After(editToday()) {
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
		plan, err := req.validate()
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
		if m.Plan, err = req.planRequest.validate(); err != nil {
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
			if err := notFuture("date", d); err != nil {
				return store.Edit{}, err
			}
			date = &d
		} else if reason == "" {
			return store.Edit{}, site.Invalid("reason", "clearing the actual date must give its reason")
		}
		return s.store.SetActual(r.Context(), p.user, id, v, date, reason)
	})
}

// geometryRequest is the body of PUT /api/parts/{id}/geometry.
type geometryRequest struct {
	Geometry optional[json.RawMessage] `json:"geometry"`
	CRS      optional[string]          `json:"crs"`
	Quality  optional[string]          `json:"quality"`
	Source   optional[string]          `json:"source"`
	Reason   optional[string]          `json:"reason"`
}

// crsSRID reads the crs of a geometry: GeoJSON's own lon/lat by default.
func crsSRID(o optional[string]) (int, error) {
	c, err := o.value("crs")
	if err != nil {
		return 0, err
	}
	if c == nil {
		return site.SRIDWGS84, nil
	}
	switch *c {
	case "EPSG:4326", "OGC:CRS84", "http://www.opengis.net/def/crs/OGC/1.3/CRS84":
		return site.SRIDWGS84, nil
	case "EPSG:2154", "http://www.opengis.net/def/crs/EPSG/0/2154":
		return site.SRIDLambert93, nil
	}
	return 0, site.Invalid("crs", "%q is not accepted: EPSG:4326 (longitude, latitude) or EPSG:2154 (Lambert-93)", *c)
}

// geometryEWKB decodes and checks a GeoJSON geometry in its CRS, ready for PostGIS.
func geometryEWKB(g optional[json.RawMessage], crs optional[string]) ([]byte, error) {
	raw, err := g.required("geometry")
	if err != nil {
		return nil, err
	}
	srid, err := crsSRID(crs)
	if err != nil {
		return nil, err
	}
	mp, err := site.DecodeGeometry(raw, srid)
	if err != nil {
		return nil, err
	}
	b, err := ewkb.Marshal(mp, binary.LittleEndian)
	if err != nil {
		return nil, site.Invalid("geometry", "%v", err)
	}
	return b, nil
}

func (req *geometryRequest) validate() (store.GeometryChange, error) {
	var g store.GeometryChange
	var err error
	if g.EWKB, err = geometryEWKB(req.Geometry, req.CRS); err != nil {
		return g, err
	}
	q, err := req.Quality.required("quality")
	if err != nil {
		return g, err
	}
	if g.Quality, err = site.ParseGeometryQuality(q); err != nil {
		return g, err
	}
	if g.Quality == site.QualityUnlocated {
		return g, site.Invalid("quality", "a part with an outline is surveyed, cadastre or approximate")
	}
	if g.Source, err = requiredText(req.Source, "source", 2000); err != nil {
		return g, err
	}
	g.Reason, err = reasonText(req.Reason)
	return g, err
}

func (s *Server) handleSetGeometry(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req geometryRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		g, err := req.validate()
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.SetGeometry(r.Context(), p.user, id, v, g)
	})
}

// splitRequest is the body of POST /api/parts/{id}/split: the piece to cut out of the
// part, which becomes a new part.
type splitRequest struct {
	Geometry optional[json.RawMessage] `json:"geometry"`
	CRS      optional[string]          `json:"crs"`
	Label    optional[string]          `json:"label"`
	ID       optional[string]          `json:"id"`
	Reason   optional[string]          `json:"reason"`
}

func (req *splitRequest) validate() (store.Split, error) {
	var sp store.Split
	var err error
	if sp.EWKB, err = geometryEWKB(req.Geometry, req.CRS); err != nil {
		return sp, err
	}
	if sp.Label, err = requiredText(req.Label, "label", maxShortText); err != nil {
		return sp, err
	}
	if id, err := req.ID.value("id"); err != nil {
		return sp, err
	} else if id != nil {
		if err := site.ValidateSlug("id", *id); err != nil {
			return sp, err
		}
		sp.NewID = *id
	}
	sp.Reason, err = reasonText(req.Reason)
	return sp, err
}

func (s *Server) handleSplitPart(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, splitPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req splitRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		sp, err := req.validate()
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.SplitPart(r.Context(), p.user, id, v, sp)
	})
}

// parcelsRequest is the body of POST /api/parts/{id}/parcels.
type parcelsRequest struct {
	IDs    optional[[]string] `json:"ids"`
	Reason optional[string]   `json:"reason"`
}

// maxParcelsPerLink bounds one request; a site has tens of parcels.
const maxParcelsPerLink = 500

func (req *parcelsRequest) validate() ([]site.ParcelID, string, error) {
	raw, err := req.IDs.required("ids")
	if err != nil {
		return nil, "", err
	}
	if len(raw) == 0 || len(raw) > maxParcelsPerLink {
		return nil, "", site.Invalid("ids", "give 1 to %d parcel ids, got %d", maxParcelsPerLink, len(raw))
	}
	seen := map[site.ParcelID]bool{}
	ids := make([]site.ParcelID, 0, len(raw))
	for i, s := range raw {
		id, err := parcelID(s)
		if err != nil {
			return nil, "", site.Invalid("ids", "item %d: %s", i+1, err.(*site.InvalidError).Reason)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	reason, err := reasonText(req.Reason)
	return ids, reason, err
}

// parcelID parses a parcel id and requires it in Ivry-sur-Seine.
func parcelID(s string) (site.ParcelID, error) {
	id, err := site.ParseParcelID(s)
	if err != nil {
		return "", err
	}
	if id.Insee() != site.InseeIvry {
		return "", site.Invalid("parcel_id", "%s is in commune %s, not Ivry-sur-Seine (%s)", id, id.Insee(), site.InseeIvry)
	}
	return id, nil
}

func (s *Server) handleLinkParcels(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req parcelsRequest
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		ids, reason, err := req.validate()
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.LinkParcels(r.Context(), p.user, id, v, ids, reason)
	})
}

func (s *Server) handleUnlinkParcel(w http.ResponseWriter, r *http.Request) {
	s.edit(w, r, editPart, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := idParam(r)
		if err != nil {
			return store.Edit{}, err
		}
		parcel, err := parcelID(chi.URLParam(r, "parcel"))
		if err != nil {
			return store.Edit{}, fmt.Errorf("no such parcel: %w", site.ErrNotFound)
		}
		var req reasonOnly
		if err := optionalBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		reason, err := reasonText(req.Reason)
		if err != nil {
			return store.Edit{}, err
		}
		return s.store.UnlinkParcel(r.Context(), p.user, id, v, parcel, reason)
	})
}
