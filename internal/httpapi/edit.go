package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// siteETag is the entity tag of a site at a version: GET /api/sites/{id} sends it, every
// edit of the site wants it back in If-Match and answers the next one.
func siteETag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// preconditionError is a write sent without a usable If-Match: 428.
type preconditionError struct{ detail string }

func (e *preconditionError) Error() string { return e.detail }

// ifMatch reads the site versions the client allows from If-Match. Missing (or "*", which
// would allow overwriting unseen changes) is 428; a header that is not a list of entity
// tags (RFC 9110, 8.8.3) is 400 naming it; well-formed tags that cannot be a version of
// this site (weak ones never match in If-Match) are 412 like a stale one.
func ifMatch(r *http.Request) (store.Versions, error) {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return nil, &preconditionError{"send If-Match with the ETag of the site as last read (GET /api/sites/{id})"}
	}
	var vs store.Versions
	for _, h := range values {
		if strings.TrimSpace(h) == "*" {
			return nil, &preconditionError{"If-Match: * is not accepted; send the ETag of the site as last read"}
		}
		tags, err := entityTags(h)
		if err != nil {
			return nil, err
		}
		for _, tag := range tags {
			// Entity tags compare byte for byte: "v01" or "v+1" is not "v1".
			digits, ok := strings.CutPrefix(tag, `"v`)
			if !ok {
				continue
			}
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

// entityTags splits an If-Match value into its strong entity tags, quotes kept: a list of
// [W/]"etagc*" separated by commas and optional white space, empty elements allowed
// (RFC 9110, 5.6.1). Weak tags are well-formed but dropped; anything else is an error.
func entityTags(h string) ([]string, error) {
	var tags []string
	bad := func(why string) error {
		return site.Invalid("If-Match", "%q is not a list of entity tags: %s", h, why)
	}
	for i := 0; i < len(h); {
		switch c := h[i]; {
		case c == ' ' || c == '\t' || c == ',':
			i++
			continue
		}
		weak := strings.HasPrefix(h[i:], "W/")
		if weak {
			i += 2
		}
		if i >= len(h) || h[i] != '"' {
			return nil, bad("a tag must be quoted")
		}
		end := i + 1
		for end < len(h) && h[end] != '"' {
			// etagc: any visible character but the quote, or obs-text.
			if h[end] < 0x21 || h[end] == 0x7f {
				return nil, bad("a tag holds a space or a control character")
			}
			end++
		}
		if end >= len(h) {
			return nil, bad("a tag is not closed")
		}
		if !weak {
			tags = append(tags, h[i:end+1])
		}
		i = end + 1
		for i < len(h) && (h[i] == ' ' || h[i] == '\t') {
			i++
		}
		if i < len(h) && h[i] != ',' {
			return nil, bad("tags must be separated by commas")
		}
	}
	return tags, nil
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
	entity  string   // site, part, event or milestone: the entity_type of the answer
	ifMatch bool     // the site's ETag is required (every edit but creating a site)
	creates bool     // 201 Created
	query   []string // the query parameters it reads; any other is refused
}

// Editing routes by what they need.
var (
	editSite        = editKind{entity: "site", ifMatch: true}
	createSite      = editKind{entity: "site", creates: true}
	restoreSite     = editKind{entity: "site", ifMatch: true}
	editPart        = editKind{entity: "part", ifMatch: true}
	splitPart       = editKind{entity: "part", ifMatch: true, creates: true}
	editEvent       = editKind{entity: "event", ifMatch: true}
	deleteEvent     = editKind{entity: "event", ifMatch: true, query: []string{"mode"}}
	createEvent     = editKind{entity: "event", ifMatch: true, creates: true}
	restoreEvent    = editKind{entity: "event", ifMatch: true}
	editMilestone   = editKind{entity: "milestone", ifMatch: true}
	createMilestone = editKind{entity: "milestone", ifMatch: true, creates: true}
)

// edit runs one editing request, whose role routes.go has checked: it reads If-Match when the
// change needs it, and calls do, which decodes the body and makes the change. Nothing is
// written unless every check passes.
func (s *Server) edit(w http.ResponseWriter, r *http.Request, k editKind,
	do func(p *principal, v store.Versions) (store.Edit, error)) {
	// The route's role was checked by require (routes.go); this is who passed it.
	p := s.resolve(r).p
	if p == nil {
		s.writeError(w, r, site.ErrUnauthenticated)
		return
	}
	// A write reads no parameter it does not name: PATCH ?date=2014-01-01 must not edit
	// today's record while looking like an edit of 2014's.
	if _, err := checkParams(r, k.query...); err != nil {
		s.writeError(w, r, err)
		return
	}
	var versions store.Versions
	var err error
	if k.ifMatch {
		if versions, err = ifMatch(r); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	e, err := do(p, versions)
	if err != nil {
		s.writeError(w, r, err)
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

// editJSON runs an edit (see edit) whose body is a JSON object Req, of the entity whose
// id pathID reads from the path: the id first, so that one no entity can have is a 404
// whatever the body, then the body, strictly decoded; do checks them and makes the change.
// A creation, whose path names no entity, reads its id with noID.
func editJSON[ID, Req any](s *Server, w http.ResponseWriter, r *http.Request, k editKind,
	pathID func(*http.Request) (ID, error), do func(p *principal, v store.Versions, id ID, req *Req) (store.Edit, error)) {
	s.edit(w, r, k, func(p *principal, v store.Versions) (store.Edit, error) {
		id, err := pathID(r)
		if err != nil {
			return store.Edit{}, err
		}
		var req Req
		if err := decodeBody(r, &req); err != nil {
			return store.Edit{}, err
		}
		return do(p, v, id, &req)
	})
}

// noID is the path id of a creation, whose path names no entity.
func noID(*http.Request) (struct{}, error) { return struct{}{}, nil }

// notFuture refuses a date whose period starts after today, the planners' day in Paris
// (the server's s.today()).
func notFuture(field string, d site.Date, today time.Time) error {
	if d.Start.After(today) {
		return site.Invalid(field, "%s is in the future (today is %s)", d, today.Format(time.DateOnly))
	}
	return nil
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

// optionalReason reads the body of a delete, restore or unlink: none, or only a reason.
func optionalReason(r *http.Request) (string, error) {
	var req struct {
		Reason optional[string] `json:"reason"`
	}
	if err := optionalBody(r, &req); err != nil {
		return "", err
	}
	return reasonText(req.Reason)
}
