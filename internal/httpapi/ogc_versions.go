package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// The history of a site part, after OGC's draft "Versioned Features" proposal for OGC API –
// Features (opengeospatial/ogcapi-features, proposals/versioned-features.md): a Time Map at
// /items/{featureId}/versions, the links of RFC 5829 (version-history, latest-version,
// predecessor-version, successor-version) and RFC 7089 (original, memento, first, last, and
// the Memento-Datetime header), and each version's validity as a JSON-FG "time" interval
// whose end is the start of the next version. Where the proposal makes a version the
// feature at ?datetime={start}, here it is /versions/{n}: ?datetime= on a feature gives the
// collection's view of that day (see handleOGCFeature), the status then with today's
// outline, while a version has the outline recorded then.

// ogcVersionFeature is one version of a site part as a GeoJSON feature. Its id is the
// part's id and the version's first day, unique in a response as the proposal's
// "versions-as-features-unique-ids" profile asks.
type ogcVersionFeature struct {
	Type       string               `json:"type"`
	ID         string               `json:"id"`
	Time       ogcTime              `json:"time"`
	Geometry   json.RawMessage      `json:"geometry"`
	Properties ogcVersionProperties `json:"properties"`
	Links      []ogcLink            `json:"links"`
}

// ogcTime is JSON-FG's "time" member: the version's validity, ".." for an open end.
type ogcTime struct {
	Interval [2]string `json:"interval"`
}

// ogcVersionProperties are a version's properties. Who made the change that began it, when
// and why are written only for readers auth lets see them; not even their names otherwise.
type ogcVersionProperties struct {
	Version         int                  `json:"version"` // 1 for the oldest
	Status          site.Status          `json:"status"`
	StatusSince     site.Date            `json:"status_since"`
	StatusReason    string               `json:"status_reason"`
	GeometryQuality site.GeometryQuality `json:"geometry_quality"`
	GeometrySource  string               `json:"geometry_source"`
	ValidFrom       string               `json:"valid_from"` // its first day
	ValidTo         *string              `json:"valid_to"`   // the first day of the next version; null for the current one
	ChangedBy       json.RawMessage      `json:"changed_by,omitempty"`
	ChangedAt       json.RawMessage      `json:"changed_at,omitempty"`
	ChangeReason    json.RawMessage      `json:"change_reason,omitempty"`
}

// ogcVersionLink is a link of the Time Map: a memento link carries the first day of its
// version as an HTTP-date (RFC 7089).
type ogcVersionLink struct {
	ogcLink
	Datetime string `json:"datetime,omitempty"`
}

// ogcPartVersions are the versions of the part a request names, and how to link to them.
type ogcPartVersions struct {
	id       string
	crs      site.CRS
	versions []site.PartVersion
	item     string // the feature's URL
	keep     string // the query the links keep: the crs asked for
}

func (p *ogcPartVersions) history() string { return p.item + "/versions" + p.keep }

func (p *ogcPartVersions) version(n int) string {
	return p.item + "/versions/" + strconv.Itoa(n) + p.keep
}

// handleOGCVersions answers /collections/{collectionId}/items/{featureId}/versions: every
// version of a site part, oldest first, as a GeoJSON FeatureCollection whose links are the
// Time Map.
func (s *Server) handleOGCVersions(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ogcLoadVersions(w, r)
	if !ok {
		return
	}
	reader := s.readerRole(r)
	features := make([]ogcVersionFeature, len(p.versions))
	for i, v := range p.versions {
		features[i] = p.feature(v, reader)
	}
	self := p.item + "/versions"
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	links := []ogcVersionLink{
		{ogcLink: ogcLink{Href: self, Rel: "self", Type: mediaGeoJSON, Title: "This version history"}},
		{ogcLink: ogcLink{Href: p.item + p.keep, Rel: "original", Type: mediaGeoJSON, Title: "The feature today"}},
		{ogcLink: ogcLink{Href: s.ogcBase(r) + "/collections/" + store.CollectionSites, Rel: "collection", Type: mediaJSON, Title: "The collection"}},
	}
	if n := len(p.versions); n > 0 {
		links = append(links,
			ogcVersionLink{ogcLink: ogcLink{Href: p.version(1), Rel: "first", Type: mediaGeoJSON, Title: "The first version"}},
			ogcVersionLink{ogcLink: ogcLink{Href: p.version(n), Rel: "last", Type: mediaGeoJSON, Title: "The current version"}},
			ogcVersionLink{ogcLink: ogcLink{Href: p.version(n), Rel: "latest-version", Type: mediaGeoJSON, Title: "The current version"}})
	}
	for _, v := range p.versions {
		links = append(links, ogcVersionLink{
			ogcLink:  ogcLink{Href: p.version(v.N), Rel: "memento", Type: mediaGeoJSON, Title: "Version " + strconv.Itoa(v.N)},
			Datetime: v.From.Format(http.TimeFormat),
		})
	}
	w.Header().Set("Content-Crs", "<"+p.crs.URI+">")
	ogcWriteJSON(w, r, mediaGeoJSON, struct {
		Type           string              `json:"type"`
		TimeStamp      string              `json:"timeStamp"`
		Features       []ogcVersionFeature `json:"features"`
		NumberMatched  int                 `json:"numberMatched"`
		NumberReturned int                 `json:"numberReturned"`
		Links          []ogcVersionLink    `json:"links"`
	}{"FeatureCollection", time.Now().UTC().Format(time.RFC3339), features, len(features), len(features), links})
}

// handleOGCVersion answers /collections/{collectionId}/items/{featureId}/versions/{n}: one
// version of a site part, 1 being the oldest.
func (s *Server) handleOGCVersion(w http.ResponseWriter, r *http.Request) {
	p, ok := s.ogcLoadVersions(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 || n > len(p.versions) {
		writeProblem(w, Problem{Status: http.StatusNotFound, Detail: "feature " + strconv.Quote(p.id) +
			" has no version " + strconv.Quote(chi.URLParam(r, "n")) + " (versions 1 to " + strconv.Itoa(len(p.versions)) + ")"})
		return
	}
	v := p.versions[n-1]
	w.Header().Set("Content-Crs", "<"+p.crs.URI+">")
	w.Header().Set("Memento-Datetime", v.From.Format(http.TimeFormat))
	ogcWriteJSON(w, r, mediaGeoJSON, p.feature(v, s.readerRole(r)))
}

// ogcLoadVersions checks a versions request and reads the part's versions; on failure it
// has answered.
func (s *Server) ogcLoadVersions(w http.ResponseWriter, r *http.Request) (*ogcPartVersions, bool) {
	info, ok := store.FindCollection(chi.URLParam(r, "collectionId"))
	if !ok {
		ogcNoCollection(w, r)
		return nil, false
	}
	if !info.Versioned {
		writeProblem(w, Problem{Status: http.StatusNotFound,
			Detail: "collection " + info.ID + " keeps no versions of its features"})
		return nil, false
	}
	q := r.URL.Query()
	if err := ogcCheckParams(q, "crs"); err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	if err := ogcFormat(q, "json", "geojson"); err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	crs, err := crsParam(q, "crs")
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	id := chi.URLParam(r, "featureId")
	p := &ogcPartVersions{id: id, crs: crs,
		item: s.ogcBase(r) + "/collections/" + store.CollectionSites + "/items/" + url.PathEscape(id)}
	if q.Has("crs") {
		p.keep = "?" + url.Values{"crs": {q.Get("crs")}}.Encode()
	}
	var h site.PartHistory
	if storable(id) { // an id PostgreSQL cannot hold names no feature
		h, err = s.store.PartHistory(r.Context(), id, crs)
	} else {
		err = site.ErrNotFound
	}
	if errors.Is(err, site.ErrNotFound) {
		writeProblem(w, Problem{Status: http.StatusNotFound,
			Detail: "no feature " + strconv.Quote(id) + " in collection " + store.CollectionSites})
		return nil, false
	}
	if err != nil {
		s.writeError(w, r, err)
		return nil, false
	}
	p.versions = h.Versions()
	return p, true
}

// feature is version v as reader may see it.
func (p *ogcPartVersions) feature(v site.PartVersion, reader auth.Role) ogcVersionFeature {
	from := v.From.Format(time.DateOnly)
	f := ogcVersionFeature{
		Type:     "Feature",
		ID:       p.id + "@" + from,
		Time:     ogcTime{Interval: [2]string{from, ".."}},
		Geometry: v.Shape.Geometry,
		Properties: ogcVersionProperties{
			Version: v.N, Status: v.Status, StatusSince: v.StatusSince, StatusReason: v.StatusReason,
			GeometryQuality: v.Shape.Quality, GeometrySource: v.Shape.Source, ValidFrom: from,
		},
	}
	if v.Until != nil {
		to := v.Until.Format(time.DateOnly)
		f.Time.Interval[1] = to
		f.Properties.ValidTo = &to
	}
	// A version whose recording is unknown shows null to whom may see it.
	var by, at, why any
	if v.Change.By != "" {
		by = v.Change.By
	}
	if !v.Change.At.IsZero() {
		at = v.Change.At.UTC().Format(time.RFC3339)
		why = v.Change.Reason
	}
	confidential := func(field string, value any) json.RawMessage {
		if !reader.MaySee(field) {
			return nil
		}
		b, _ := json.Marshal(value) // a string or nil
		return b
	}
	f.Properties.ChangedBy = confidential("changed_by", by)
	f.Properties.ChangedAt = confidential("changed_at", at)
	f.Properties.ChangeReason = confidential("change_reason", why)

	last := len(p.versions)
	f.Links = []ogcLink{
		{Href: p.version(v.N), Rel: "self", Type: mediaGeoJSON, Title: "This version"},
		{Href: p.item + p.keep, Rel: "original", Type: mediaGeoJSON, Title: "The feature today"},
		{Href: p.history(), Rel: "version-history", Type: mediaGeoJSON, Title: "Every version"},
		{Href: p.version(last), Rel: "latest-version", Type: mediaGeoJSON, Title: "The current version"},
	}
	if v.N > 1 {
		f.Links = append(f.Links, ogcLink{Href: p.version(v.N - 1), Rel: "predecessor-version", Type: mediaGeoJSON, Title: "The version before"})
	}
	if v.N < last {
		f.Links = append(f.Links, ogcLink{Href: p.version(v.N + 1), Rel: "successor-version", Type: mediaGeoJSON, Title: "The version after"})
	}
	return f
}

// ogcFeatureVersionLinks are the links from a site part, as the collection shows it on day,
// to its versions: the history, the current version, the version that held that day and
// the ones before and after it. When the part had no state that day (it did not exist
// yet, or its site is deleted), only the history.
func (s *Server) ogcFeatureVersionLinks(r *http.Request, id string, day time.Time) ([]ogcLink, error) {
	p := &ogcPartVersions{id: id, item: s.ogcBase(r) + "/collections/" + store.CollectionSites + "/items/" + url.PathEscape(id)}
	if crs := r.URL.Query().Get("crs"); crs != "" {
		p.keep = "?" + url.Values{"crs": {crs}}.Encode()
	}
	links := []ogcLink{{Href: p.history(), Rel: "version-history", Type: mediaGeoJSON, Title: "Every version"}}
	h, err := s.store.PartHistory(r.Context(), id, site.CRS84)
	if errors.Is(err, site.ErrNotFound) {
		return links, nil
	}
	if err != nil {
		return nil, err
	}
	p.versions = h.Versions()
	v, ok := site.VersionOn(p.versions, day)
	if !ok {
		return links, nil
	}
	links = append(links,
		ogcLink{Href: p.version(v.N), Rel: "memento", Type: mediaGeoJSON, Title: "The version of " + day.Format(time.DateOnly)},
		ogcLink{Href: p.version(len(p.versions)), Rel: "latest-version", Type: mediaGeoJSON, Title: "The current version"})
	if v.N > 1 {
		links = append(links, ogcLink{Href: p.version(v.N - 1), Rel: "predecessor-version", Type: mediaGeoJSON, Title: "The version before"})
	}
	if v.N < len(p.versions) {
		links = append(links, ogcLink{Href: p.version(v.N + 1), Rel: "successor-version", Type: mediaGeoJSON, Title: "The version after"})
	}
	return links, nil
}

// ogcPartGone answers a site part asked for a day it had no state, though it has versions:
// 410 Gone, as the proposal asks of a feature that exists at other times. It reports
// whether it answered.
func (s *Server) ogcPartGone(w http.ResponseWriter, r *http.Request, id string, day time.Time) bool {
	h, err := s.store.PartHistory(r.Context(), id, site.CRS84)
	if err != nil {
		return false // not found, or an error the feature's own request did not meet
	}
	versions := h.Versions()
	if len(versions) == 0 {
		return false
	}
	history := s.ogcBase(r) + "/collections/" + store.CollectionSites + "/items/" + url.PathEscape(id) + "/versions"
	writeProblem(w, Problem{Status: http.StatusGone, Title: "Gone",
		Detail: "feature " + strconv.Quote(id) + " had no state on " + day.Format(time.DateOnly) +
			"; its first version begins on " + versions[0].From.Format(time.DateOnly) + ": see " + history})
	return true
}
