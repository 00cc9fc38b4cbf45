package httpapi

import (
	"errors"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/cql2"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// Query parameters of the OGC API. Every one is checked; a wrong or unknown one is a 400
// naming it (OGC API – Features /req/core/query-param-unknown and -invalid).

// Paging limits. A limit above ogcMaxLimit is lowered to it rather than refused, as OGC
// API – Features 1.0.1 (/req/core/fc-limit-response-1 C) asks.
const (
	ogcDefaultLimit = 100
	ogcMaxLimit     = 10_000
)

// ogcCRSURIs lists the CRS of every collection, the default first.
func ogcCRSURIs() []string {
	var uris []string
	for _, c := range site.CRSs() {
		uris = append(uris, c.URI)
	}
	return uris
}

// ogcBadParam is a 400 naming the parameter.
func ogcBadParam(param, format string, args ...any) error {
	return &errParam{param: param, err: site.Invalid(param, format, args...)}
}

// ogcCheckParams refuses parameters not in allowed (f is always allowed) and parameters
// given twice.
func ogcCheckParams(q url.Values, allowed ...string) error {
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // the same error for the same request
	for _, name := range names {
		if name != "f" && !slices.Contains(allowed, name) {
			if len(allowed) == 0 {
				return ogcBadParam(name, "unknown parameter %q: this resource takes only f", name)
			}
			return ogcBadParam(name, "unknown parameter %q (parameters: %s, f)", name, strings.Join(allowed, ", "))
		}
		if len(q[name]) > 1 {
			return ogcBadParam(name, "parameter %q is given %d times", name, len(q[name]))
		}
		if !storable(q.Get(name)) {
			return ogcBadParam(name, "parameter %q %s", name, notStorable)
		}
	}
	return nil
}

// ogcFormat checks the f parameter against the formats of a resource.
func ogcFormat(q url.Values, formats ...string) error {
	if f := q.Get("f"); f != "" && !slices.Contains(formats, f) {
		return ogcBadParam("f", "%q is not a format of this resource (%s)", f, strings.Join(formats, ", "))
	}
	return nil
}

// crsParam reads a CRS query parameter (crs or bbox-crs) with site.ParseCRS, naming the
// parameter in its error. Absent or empty is CRS84, the default of every route.
func crsParam(q url.Values, param string) (site.CRS, error) {
	v := q.Get(param)
	if v == "" {
		return site.CRS84, nil
	}
	crs, err := site.ParseCRSField(param, v)
	if err != nil {
		return crs, &errParam{param: param, err: err}
	}
	return crs, nil
}

// ogcParseLimit reads the limit parameter: a whole number from 1, 100 by default, lowered
// to 10 000.
func ogcParseLimit(v string) (int, error) {
	if v == "" {
		return ogcDefaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		if numErr := (*strconv.NumError)(nil); errors.As(err, &numErr) && numErr.Err == strconv.ErrRange && !strings.HasPrefix(v, "-") {
			return ogcMaxLimit, nil
		}
		return 0, ogcBadParam("limit", "%q is not a whole number", v)
	}
	if n < 1 {
		return 0, ogcBadParam("limit", "%d: the limit is at least 1", n)
	}
	return min(n, ogcMaxLimit), nil
}

// ogcParseBBox reads the bbox parameter, four numbers in the axis order of crs: lower
// corner then upper corner. Boxes with heights (six numbers) and boxes across the
// antimeridian are refused: Emprises' data lies in Ivry.
func ogcParseBBox(v string, crs site.CRS) (*store.BBox, error) {
	if v == "" {
		return nil, nil
	}
	parts := strings.Split(v, ",")
	switch len(parts) {
	case 4:
	case 6:
		return nil, ogcBadParam("bbox", "%q has 6 numbers: boxes with heights are not supported; give 4 (lower corner, upper corner)", v)
	default:
		return nil, ogcBadParam("bbox", "%q is not 4 numbers separated by commas (lower corner, upper corner)", v)
	}
	var n [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, ogcBadParam("bbox", "%q: value %d, %q, is not a number", v, i+1, p)
		}
		n[i] = f
	}
	b := &store.BBox{MinX: n[0], MinY: n[1], MaxX: n[2], MaxY: n[3], SRID: crs.SRID}
	if crs.LatFirst {
		b.MinX, b.MinY, b.MaxX, b.MaxY = n[1], n[0], n[3], n[2]
	}
	if crs.SRID == site.SRIDWGS84 {
		if math.Abs(b.MinX) > 180 || math.Abs(b.MaxX) > 180 || math.Abs(b.MinY) > 90 || math.Abs(b.MaxY) > 90 {
			return nil, ogcBadParam("bbox", "%q is outside longitudes -180…180 and latitudes -90…90 (axis order of %s)", v, crs.URI)
		}
		if b.MinX > b.MaxX {
			return nil, ogcBadParam("bbox", "%q: boxes across the antimeridian are not supported", v)
		}
	}
	if b.MinX > b.MaxX || b.MinY > b.MaxY {
		return nil, ogcBadParam("bbox", "%q: the lower corner comes first, then the upper corner", v)
	}
	return b, nil
}

// ogcParseDatetime reads the datetime parameter: an instant (a day YYYY-MM-DD, or an RFC
// 3339 date-time, which counts for the day it names in its own offset) or an interval
// "start/end" whose ends are such instants, or ".." or empty for an open end. The days
// are included.
func ogcParseDatetime(v string) (*store.Period, error) {
	if v == "" {
		return nil, nil
	}
	ends := strings.Split(v, "/")
	if len(ends) > 2 {
		return nil, ogcBadParam("datetime", "%q: an interval is start/end", v)
	}
	if len(ends) == 1 {
		d, err := ogcParseInstant(v)
		if err != nil {
			return nil, err
		}
		if d == nil {
			return nil, ogcBadParam("datetime", "%q is not a date (YYYY-MM-DD), a date-time (RFC 3339) or an interval", v)
		}
		return store.Day(*d), nil
	}
	from, err := ogcParseInstant(ends[0])
	if err != nil {
		return nil, err
	}
	to, err := ogcParseInstant(ends[1])
	if err != nil {
		return nil, err
	}
	if from == nil && to == nil {
		return nil, ogcBadParam("datetime", "%q: an interval needs at least one end", v)
	}
	if from != nil && to != nil && from.After(*to) {
		return nil, ogcBadParam("datetime", "%q ends before it starts", v)
	}
	return &store.Period{From: from, To: to}, nil
}

// ogcParseInstant reads one end of a datetime; nil for an open end.
func ogcParseInstant(v string) (*time.Time, error) {
	if v == "" || v == ".." {
		return nil, nil
	}
	date := v
	if len(v) == len(time.DateOnly)+1 && (v[len(v)-1] == 'T' || v[len(v)-1] == 't') {
		// GDAL 3.6 sends "2014-01-01T" for a day: read it as that day.
		date = v[:len(time.DateOnly)]
	} else if len(v) > len(time.DateOnly) {
		// A date-time counts for the day it names in its own offset: the full-date it
		// starts with (RFC 3339, section 5.6).
		if _, err := time.Parse(time.RFC3339Nano, strings.ToUpper(v)); err != nil {
			return nil, ogcBadParam("datetime", "%q is not a date (YYYY-MM-DD), a date-time (RFC 3339) or \"..\"", v)
		}
		date = v[:len(time.DateOnly)]
	}
	day, err := site.ParseDay(date)
	if err != nil {
		return nil, &errParam{param: "datetime", err: renameInvalid("datetime", err)}
	}
	return &day, nil
}

// ogcItemsParams are the checked parameters of an items request.
type ogcItemsParams struct {
	crs   site.CRS
	query store.FeatureQuery
}

// ogcItemsParamNames are the parameters every items resource takes, besides the
// collection's property filters and f.
var ogcItemsParamNames = []string{"limit", "bbox", "bbox-crs", "crs", "datetime", "after", "before",
	"filter", "filter-lang", "filter-crs"}

// ogcFilterLangs are the values of filter-lang: the CQL2 encodings (OGC 21-065r2), the
// first the default, and the name GDAL 3.6 sends for the text encoding (that of the
// drafts, whose syntax the filters it writes share with CQL2's).
var ogcFilterLangs = []string{"cql2-text", "cql2-json", "cql-text"}

// ogcParseItems checks every parameter of an items request made by reader: the queryable
// properties reader may see are filters too.
func ogcParseItems(q url.Values, info store.CollectionInfo, reader auth.Role) (ogcItemsParams, error) {
	var p ogcItemsParams
	p.query.Reader = reader
	queryables := info.Queryables(reader)
	if err := ogcCheckParams(q, append(slices.Clone(ogcItemsParamNames), queryables...)...); err != nil {
		return p, err
	}
	if err := ogcFormat(q, "json", "geojson"); err != nil {
		return p, err
	}
	var err error
	if p.crs, err = crsParam(q, "crs"); err != nil {
		return p, err
	}
	bboxCRS, err := crsParam(q, "bbox-crs")
	if err != nil {
		return p, err
	}
	fq := &p.query
	fq.CRS = p.crs
	if fq.Limit, err = ogcParseLimit(q.Get("limit")); err != nil {
		return p, err
	}
	if fq.BBox, err = ogcParseBBox(q.Get("bbox"), bboxCRS); err != nil {
		return p, err
	}
	if fq.Period, err = ogcParseDatetime(q.Get("datetime")); err != nil {
		return p, err
	}
	fq.After, fq.Before = q.Get("after"), q.Get("before")
	if q.Has("after") && q.Has("before") {
		return p, ogcBadParam("before", "after and before cannot be used together")
	}
	for _, name := range []string{"after", "before"} {
		if q.Has(name) && q.Get(name) == "" {
			return p, ogcBadParam(name, "is empty; it takes the id of a feature, as in the next and prev links")
		}
	}
	if fq.Filter, fq.FilterCRS, err = ogcParseFilter(q); err != nil {
		return p, err
	}
	for _, name := range queryables {
		if q.Has(name) {
			if fq.Where == nil {
				fq.Where = map[string]string{}
			}
			fq.Where[name] = q.Get(name)
		}
	}
	fq.Count = true
	return p, nil
}

// ogcParseFilter reads the filter parameters of OGC API – Features Part 3: the filter in
// the encoding filter-lang names, its geometry literals in filter-crs. The filter's
// properties and types are checked by the store, against the collection.
func ogcParseFilter(q url.Values) (cql2.Expr, site.CRS, error) {
	lang := q.Get("filter-lang")
	if lang == "" {
		lang = ogcFilterLangs[0]
	}
	if !slices.Contains(ogcFilterLangs, lang) {
		return nil, site.CRS{}, ogcBadParam("filter-lang", "%q is not a filter language of this service (%s)", lang, strings.Join(ogcFilterLangs[:2], ", "))
	}
	crs, err := crsParam(q, "filter-crs")
	if err != nil {
		return nil, crs, err
	}
	if !q.Has("filter") {
		return nil, crs, nil
	}
	text := q.Get("filter")
	if strings.TrimSpace(text) == "" {
		return nil, crs, ogcBadParam("filter", "is empty; it takes a CQL2 expression such as status = 'ceded'")
	}
	parse := cql2.ParseText
	if lang == "cql2-json" {
		parse = cql2.ParseJSON
	}
	e, err := parse(text)
	if err != nil {
		return nil, crs, ogcBadParam("filter", "%v", err)
	}
	return e, crs, nil
}
