package httpapi

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// The response streams as PostgreSQL produces the rows, through a buffer of ogcBufferBytes:
// the server's memory does not grow with the page. A full buffer goes to the client at
// once; what trickles in more slowly is pushed out at least every ogcFlushInterval.
// (Pushing out every full buffer with an HTTP flush, rather than letting the chunked
// writer keep the end of each chunk until the next one, took a third more system calls.)
const (
	ogcBufferBytes   = 64 << 10
	ogcFlushInterval = 200 * time.Millisecond
)

// handleOGCItems answers /collections/{collectionId}/items: a page of features as a
// GeoJSON FeatureCollection, streamed row by row from PostgreSQL, which builds each
// feature's JSON. The counts and the paging links come after the features, once known.
func (s *Server) handleOGCItems(w http.ResponseWriter, r *http.Request) {
	info, ok := store.FindCollection(chi.URLParam(r, "collectionId"))
	if !ok {
		ogcNoCollection(w, r)
		return
	}
	q := r.URL.Query()
	p, err := ogcParseItems(q, info, s.readerRole(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	today := s.today() // the state shown when no datetime is given
	p.query.AsOf = &today
	projection := info.ID == store.CollectionSites && s.periodProjection(p.query.Period)

	if p.query.Limit > longPageFeatures {
		release, ok := s.beginLongStream(w, r)
		if !ok {
			return
		}
		defer release()
	}
	// The head is written with the first feature, so that an error before it (a refused
	// filter value, the database down) is still a proper problem response.
	bw := bufio.NewWriterSize(newDeadlineWriter(w), ogcBufferBytes)
	rc := http.NewResponseController(w)
	started := false
	rows, lastFlush := 0, time.Now()
	start := func() {
		started = true
		h := w.Header()
		h.Set("Content-Type", mediaGeoJSON)
		h.Set("Content-Crs", "<"+p.crs.URI+">")
		if projection {
			h.Set(ProjectionHeader, "true")
		}
		w.WriteHeader(http.StatusOK)
		bw.WriteString(`{"type":"FeatureCollection","timeStamp":"`)
		bw.WriteString(time.Now().UTC().Format(time.RFC3339))
		if projection {
			// A foreign member (RFC 7946, section 6.1): GeoJSON readers skip it.
			bw.WriteString(`","projection":true,"projectionLabel":`)
			bw.Write(ogcMarshal(projectionLabel))
			bw.WriteString(`,"features":[`)
		} else {
			bw.WriteString(`","features":[`)
		}
	}
	page, err := s.store.Features(r.Context(), info.ID, p.query, func(_, feature []byte) error {
		if !started {
			start()
		} else {
			bw.WriteString(",\n")
		}
		if bw.Available() < len(feature) {
			// Send the buffer now rather than grow it; a feature larger than the buffer
			// then goes straight through.
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		if rows++; rows%64 == 0 && time.Since(lastFlush) > ogcFlushInterval {
			if err := bw.Flush(); err != nil {
				return err
			}
			if err := rc.Flush(); err != nil {
				return err
			}
			lastFlush = time.Now()
		}
		_, err := bw.Write(feature)
		return err
	})
	if err != nil {
		s.ogcStreamError(w, r, started, err)
		return
	}
	if !started {
		start()
	}
	bw.WriteString("],\n")
	tail := struct {
		NumberReturned int       `json:"numberReturned"`
		NumberMatched  int64     `json:"numberMatched"`
		Links          []ogcLink `json:"links"`
	}{page.Returned, page.Matched, s.ogcItemsLinks(r, info.ID, q, page)}
	bw.Write(ogcMarshal(tail)[1:]) // its members, after the features; its brace closes the collection
	if err := bw.Flush(); err != nil {
		s.logger.Debug("items: client gone", "path", r.URL.Path, "err", err)
	}
}

// periodProjection reports whether the parts' states over period reach past today: a day
// after today, or an interval open at its end or ending after today. No period is today.
func (s *Server) periodProjection(period *store.Period) bool {
	if period == nil {
		return false
	}
	return period.To == nil || site.Projection(*period.To, s.today())
}

// ogcStreamError answers an error of Features. Before the first byte it is a problem
// response; after, the connection is cut so that the client cannot take a truncated page
// for a whole one.
func (s *Server) ogcStreamError(w http.ResponseWriter, r *http.Request, started bool, err error) {
	if r.Context().Err() != nil {
		return // the client went away
	}
	if !started {
		var inv *site.InvalidError
		if errors.As(err, &inv) {
			err = &errParam{param: inv.Field, err: inv}
		}
		s.writeError(w, r, err)
		return
	}
	s.logger.Error("items: stream failed", "path", r.URL.Path, "query", r.URL.RawQuery, "err", err)
	panic(http.ErrAbortHandler)
}

// ogcItemsLinks are the links of a page: itself, its collection, and the next and
// previous pages, which carry the same parameters with the id of the last (or first)
// feature as cursor.
func (s *Server) ogcItemsLinks(r *http.Request, collection string, q url.Values, page store.FeaturePage) []ogcLink {
	base := s.ogcBase(r)
	path := base + "/collections/" + collection + "/items"
	self := path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	links := []ogcLink{
		{Href: self, Rel: "self", Type: mediaGeoJSON, Title: "This page"},
		{Href: base + "/collections/" + collection, Rel: "collection", Type: mediaJSON, Title: "The collection"},
	}
	pageLink := func(cursor, id string) string {
		v := url.Values{}
		for name, values := range q {
			if name != "after" && name != "before" {
				v[name] = values
			}
		}
		v.Set(cursor, id)
		return path + "?" + v.Encode()
	}
	if page.HasNext && page.Last != "" {
		links = append(links, ogcLink{Href: pageLink("after", page.Last), Rel: "next", Type: mediaGeoJSON, Title: "Next page"})
	}
	if page.HasPrev && page.First != "" {
		links = append(links, ogcLink{Href: pageLink("before", page.First), Rel: "prev", Type: mediaGeoJSON, Title: "Previous page"})
	}
	return links
}

// handleOGCFeature answers /collections/{collectionId}/items/{featureId}: one feature, as
// items shows it: with datetime, the feature items would list for that datetime (site parts
// in their status that day, 410 Gone for a part that had none), without, today's. A site
// part links to its versions (ogc_versions.go).
func (s *Server) handleOGCFeature(w http.ResponseWriter, r *http.Request) {
	info, ok := store.FindCollection(chi.URLParam(r, "collectionId"))
	if !ok {
		ogcNoCollection(w, r)
		return
	}
	q := r.URL.Query()
	if err := ogcCheckParams(q, "crs", "datetime"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := ogcFormat(q, "json", "geojson"); err != nil {
		s.writeError(w, r, err)
		return
	}
	crs, err := crsParam(q, "crs")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	period, err := ogcParseDatetime(q.Get("datetime"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id := chi.URLParam(r, "featureId")
	notFound := func() {
		writeProblem(w, Problem{Status: http.StatusNotFound,
			Detail: "no feature " + strconv.Quote(id) + " in collection " + info.ID})
	}
	if !storable(id) { // an id PostgreSQL cannot hold names no feature
		notFound()
		return
	}
	today := s.today()
	day := today // the day the versions link from: the last of the period
	if period != nil && period.To != nil {
		day = *period.To
	}
	feature, err := s.store.FindFeature(r.Context(), info.ID, id,
		store.FeatureQuery{CRS: crs, AsOf: &today, Period: period, Reader: s.readerRole(r)})
	if errors.Is(err, site.ErrNotFound) {
		if period == nil || !info.Versioned || !s.ogcPartGone(w, r, id, day) {
			notFound()
		}
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if info.ID == store.CollectionSites && s.periodProjection(period) {
		w.Header().Set(ProjectionHeader, "true")
	}
	base := s.ogcBase(r)
	self := base + "/collections/" + info.ID + "/items/" + url.PathEscape(id)
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	links := []ogcLink{
		{Href: self, Rel: "self", Type: mediaGeoJSON, Title: "This feature"},
		{Href: base + "/collections/" + info.ID, Rel: "collection", Type: mediaJSON, Title: "The collection"},
	}
	if info.Versioned {
		more, err := s.ogcFeatureVersionLinks(r, id, day)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		links = append(links, more...)
	}
	// PostgreSQL built the feature, an object: its links go in before the closing brace.
	linksJSON := ogcMarshal(links)
	body := make([]byte, 0, len(feature)+len(linksJSON)+16)
	body = append(body, feature[:len(feature)-1]...)
	body = append(body, `, "links": `...)
	body = append(body, bytes.TrimSpace(linksJSON)...)
	body = append(body, "}\n"...)
	w.Header().Set("Content-Type", mediaGeoJSON)
	w.Header().Set("Content-Crs", "<"+crs.URI+">")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body) //nolint:errcheck // the client is gone if this fails
}
