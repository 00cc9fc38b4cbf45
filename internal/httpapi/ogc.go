package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// OGC API – Features, Part 1 (Core, GeoJSON) and Part 2 (CRS by reference): the landing
// page, the conformance declaration, the collections and their items. QGIS and GDAL read
// the service through these routes.

// Media types of the OGC API resources.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaHTML    = "text/html"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// ogcConformance lists the conformance classes the service implements. OpenAPI 3.0 is
// declared because the landing page links to the service description at /api/openapi.json.
var ogcConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	// Part 5 (Schemas), under the names QGIS and the other servers use: the schema of
	// every collection with the roles id, primary-geometry and the events' period, linked
	// with rel …/ogc/1.0/schema; and the queryables.
	"http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
	"http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features",
	"http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/returnables-and-receivables",
	"http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/queryables",
	// Part 3 (Filtering) with CQL2: filter, filter-lang and filter-crs on the items of
	// every collection, in both encodings; comparisons, IS NULL and logic; LIKE, BETWEEN
	// and IN; S_INTERSECTS with every geometry literal and BBOX.
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
}

// ogcCollectionText titles and describes each collection (store.Collections lists them).
var ogcCollectionText = map[string][2]string{
	store.CollectionSites: {"Emprises de la Ville de Paris à Ivry-sur-Seine",
		"One feature per site part: the site's facts, the part's status on the requested day (datetime; " +
			"default today), its disposal calendar, and how far its geometry can be trusted (geometry_quality). " +
			"Unlocated parts have a null geometry."},
	store.CollectionParcels: {"Parcelles cadastrales",
		"Cadastral parcels (14-character ids), with the site part and site they belong to when linked."},
	store.CollectionEvents: {"Chronologie",
		"Dated events of the sites' timelines, past and planned, each with its date's precision; drawn on " +
			"the part (or the whole site) they concern, or with a null geometry."},
	store.CollectionBoundaries: {"Limite communale", "The outline of Ivry-sur-Seine (INSEE 94041)."},
	store.CollectionCommitments: {"Engagements de la convention Paris–Ivry",
		"The commitments of the 2019 Paris–Ivry convention, each drawn on the union of the parts of the sites " +
			"it concerns (a null geometry when it concerns none): clause, axis, parties, due date with its " +
			"precision and its first and last days, firmness, and its status, progress and lateness on the " +
			"requested day (datetime: a day, or the last day of an interval; default today)."},
}

// ogcLink is a link of an OGC API resource.
type ogcLink struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// handleOGCLanding answers "/": the OGC landing page for API clients, the map page for
// browsers.
func (s *Server) handleOGCLanding(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := q.Get("f")
	if f == "" {
		f = "html"
		if ogcPrefersJSON(r.Header.Get("Accept")) {
			f = "json"
		}
	}
	switch f {
	case "html":
		// The page reads its state from the fragment; other parameters (a campaign tag
		// on a shared link, say) are no reason to refuse it.
		s.serveIndex(w, r)
		return
	case "json":
		if err := ogcCheckParams(q); err != nil {
			s.writeError(w, r, err)
			return
		}
	default:
		paramError(w, "f", "%q is not a format of the landing page (json, html)", f)
		return
	}
	w.Header().Add("Vary", "Accept") // "/" is also the map page
	base := s.ogcBase(r)
	ogcWriteJSON(w, r, mediaJSON, struct {
		Title       string    `json:"title"`
		Description string    `json:"description"`
		Links       []ogcLink `json:"links"`
	}{
		Title: "Emprises",
		Description: "The land the City of Paris owns in Ivry-sur-Seine: sites and their parts, " +
			"cadastral parcels, timelines and statuses on any day (OGC API – Features).",
		Links: []ogcLink{
			{Href: base + "/?f=json", Rel: "self", Type: mediaJSON, Title: "This document"},
			{Href: base + "/?f=html", Rel: "alternate", Type: mediaHTML, Title: "Carte des emprises"},
			{Href: base + "/api/openapi.json", Rel: "service-desc", Type: mediaOpenAPI, Title: "The API definition (OpenAPI 3.0)"},
			{Href: base + "/conformance", Rel: "conformance", Type: mediaJSON, Title: "Conformance classes implemented"},
			{Href: base + "/collections", Rel: "data", Type: mediaJSON, Title: "The feature collections"},
			{Href: base + "/tiles/sites.json", Rel: relTiles, Type: mediaJSON, Title: "Vector tiles of the site parts (TileJSON)"},
			{Href: base + "/tiles/parcels.json", Rel: relTiles, Type: mediaJSON, Title: "Vector tiles of the cadastral parcels (TileJSON)"},
		},
	})
}

func (s *Server) handleOGCConformance(w http.ResponseWriter, r *http.Request) {
	if err := ogcCheckJSONParams(r.URL.Query()); err != nil {
		s.writeError(w, r, err)
		return
	}
	ogcWriteJSON(w, r, mediaJSON, map[string]any{"conformsTo": ogcConformance})
}

// ogcCollection is the description of one collection.
type ogcCollection struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	ItemType    string     `json:"itemType"`
	Extent      *ogcExtent `json:"extent,omitempty"`
	CRS         []string   `json:"crs"`
	StorageCRS  string     `json:"storageCrs"`
	Links       []ogcLink  `json:"links"`
}

type ogcExtent struct {
	Spatial *struct {
		BBox [][4]float64 `json:"bbox"`
		CRS  string       `json:"crs"`
	} `json:"spatial,omitempty"`
	Temporal *struct {
		Interval [][2]*string `json:"interval"`
		TRS      string       `json:"trs"`
	} `json:"temporal,omitempty"`
}

func (s *Server) handleOGCCollections(w http.ResponseWriter, r *http.Request) {
	if err := ogcCheckJSONParams(r.URL.Query()); err != nil {
		s.writeError(w, r, err)
		return
	}
	extents, err := s.store.CollectionExtents(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	base := s.ogcBase(r)
	var list []ogcCollection
	for _, info := range store.Collections() {
		list = append(list, ogcDescribe(base, info, extents[info.ID]))
	}
	ogcWriteJSON(w, r, mediaJSON, struct {
		Links       []ogcLink       `json:"links"`
		Collections []ogcCollection `json:"collections"`
		CRS         []string        `json:"crs"`
	}{
		Links:       []ogcLink{{Href: base + "/collections", Rel: "self", Type: mediaJSON, Title: "This document"}},
		Collections: list,
		CRS:         ogcCRSURIs(),
	})
}

func (s *Server) handleOGCCollection(w http.ResponseWriter, r *http.Request) {
	info, ok := store.FindCollection(chi.URLParam(r, "collectionId"))
	if !ok {
		ogcNoCollection(w, r)
		return
	}
	if err := ogcCheckJSONParams(r.URL.Query()); err != nil {
		s.writeError(w, r, err)
		return
	}
	extents, err := s.store.CollectionExtents(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ogcWriteJSON(w, r, mediaJSON, ogcDescribe(s.ogcBase(r), info, extents[info.ID]))
}

// ogcCheckJSONParams checks the parameters of a resource that takes only f=json.
func ogcCheckJSONParams(q url.Values) error {
	if err := ogcCheckParams(q); err != nil {
		return err
	}
	return ogcFormat(q, "json")
}

// ogcDescribe builds the description of a collection.
func ogcDescribe(base string, info store.CollectionInfo, e store.Extent) ogcCollection {
	text := ogcCollectionText[info.ID]
	href := base + "/collections/" + info.ID
	c := ogcCollection{
		ID: info.ID, Title: text[0], Description: text[1], ItemType: "feature",
		CRS: ogcCRSURIs(), StorageCRS: site.Lambert93.URI, // the database keeps Lambert-93
		Links: []ogcLink{
			{Href: href, Rel: "self", Type: mediaJSON, Title: "This collection"},
			{Href: href + "/items", Rel: "items", Type: mediaGeoJSON, Title: "Its features"},
			{Href: href + "/schema", Rel: relSchema, Type: mediaSchema, Title: "The schema of its features (Part 5)"},
			{Href: href + "/schema/geojson", Rel: "describedby", Type: mediaSchema, Title: "The schema of its GeoJSON features"},
			// The same link for GDAL up to 3.6, which compares the relation as "describedBy",
			// case and all (RFC 8288 compares relation types without case, so it is the same
			// relation).
			{Href: href + "/schema/geojson", Rel: "describedBy", Type: mediaSchema, Title: "The schema of its GeoJSON features"},
			{Href: href + "/queryables", Rel: relQueryables, Type: mediaSchema, Title: "The properties a filter may name"},
		},
	}
	if tiles, ok := tileSets[info.ID]; ok {
		c.Links = append(c.Links, ogcLink{Href: base + "/tiles/" + tiles.name + ".json", Rel: relTiles, Type: mediaJSON,
			Title: "Its vector tiles (TileJSON)"})
	}
	if e.BBox != nil || e.Temporal {
		c.Extent = &ogcExtent{}
	}
	if e.BBox != nil {
		c.Extent.Spatial = &struct {
			BBox [][4]float64 `json:"bbox"`
			CRS  string       `json:"crs"`
		}{BBox: [][4]float64{ogcRoundBBox(*e.BBox)}, CRS: site.CRS84.URI}
	}
	if e.Temporal {
		day := func(t *time.Time) *string {
			if t == nil {
				return nil
			}
			s := t.Format(time.DateOnly) + "T00:00:00Z"
			return &s
		}
		c.Extent.Temporal = &struct {
			Interval [][2]*string `json:"interval"`
			TRS      string       `json:"trs"`
		}{Interval: [][2]*string{{day(e.Start), day(e.End)}}, TRS: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
	}
	return c
}

// ogcRoundBBox widens a longitude/latitude box to 7 decimals, about a centimetre.
func ogcRoundBBox(b [4]float64) [4]float64 {
	down := func(v float64) float64 { return math.Floor(v*1e7) / 1e7 }
	up := func(v float64) float64 { return math.Ceil(v*1e7) / 1e7 }
	return [4]float64{down(b[0]), down(b[1]), up(b[2]), up(b[3])}
}

func ogcNoCollection(w http.ResponseWriter, r *http.Request) {
	var ids []string
	for _, info := range store.Collections() {
		ids = append(ids, info.ID)
	}
	writeProblem(w, Problem{Status: http.StatusNotFound,
		Detail: "no collection " + strconv.Quote(chi.URLParam(r, "collectionId")) + " (collections: " + strings.Join(ids, ", ") + ")"})
}

// ogcBase is the public URL of the service, without a trailing slash: the configured one,
// or the one the request came to.
func (s *Server) ogcBase(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ogcWriteJSON sends v as JSON with the given media type.
func ogcWriteJSON(w http.ResponseWriter, r *http.Request, mediaType string, v any) {
	b := ogcMarshal(v)
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b) //nolint:errcheck // the client is gone if this fails
}

// ogcMarshal encodes v as JSON, with a final newline and "&" left as it is in links.
func ogcMarshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only the types of these files are encoded
	}
	return buf.Bytes()
}

// ogcPrefersJSON reads an Accept header: true when it ranks JSON (or GeoJSON) above HTML.
// A browser's "text/html,…,*/*;q=0.8" gets HTML; GDAL's and QGIS's "application/json" get
// JSON; "*/*" alone, or no header, ties and gets HTML.
func ogcPrefersJSON(accept string) bool {
	var qJSON, qHTML, qAny float64 = -1, -1, -1
	for _, part := range strings.Split(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch mediaType {
		case mediaJSON, mediaGeoJSON:
			qJSON = max(qJSON, q)
		case mediaHTML, "application/xhtml+xml":
			qHTML = max(qHTML, q)
		case "*/*":
			qAny = max(qAny, q)
		}
	}
	if qJSON < 0 {
		qJSON = qAny
	}
	if qHTML < 0 {
		qHTML = qAny
	}
	return qJSON > 0 && qJSON > qHTML
}
