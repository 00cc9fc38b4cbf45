package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/cql2"
	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

// The feature collections, as OGC API – Features and the exports name them.
const (
	CollectionSites       = "sites"       // one feature per site part
	CollectionParcels     = "parcels"     // cadastral parcels
	CollectionEvents      = "events"      // timeline events, drawn on their part or site
	CollectionBoundaries  = "boundaries"  // the commune outline
	CollectionCommitments = "commitments" // the convention's commitments, drawn on their sites
)

// FeatureQuery selects the features of a collection and says how to write them.
type FeatureQuery struct {
	// CRS is the output CRS, one of site.CRSs: site.CRS84 is RFC 7946 GeoJSON;
	// site.EPSG4326 writes latitude first, as EPSG defines it, which RFC 7946 is not.
	CRS  site.CRS
	AsOf *time.Time // state on that day; nil for today in Paris (site.Today)
	// Period, when set, replaces AsOf: see Period.
	Period *Period
	BBox   *BBox
	// Where holds property filters, name → value, the names among CollectionInfo.Filters.
	Where map[string]string
	// Filter, when set, is a CQL2 filter the features must also meet (OGC API – Features
	// Part 3): on the queryable properties the reader may see, FilterGeometry and
	// FilterDatetime. Its geometry literals are in FilterCRS (zero: site.CRS84).
	Filter    cql2.Expr
	FilterCRS site.CRS
	// After and Before page by feature id (keyset): the features whose id sorts after
	// After, or the last Limit ones whose id sorts before Before. At most one is set.
	After, Before string
	Limit         int  // features per page; 0: all
	Count         bool // also count every feature the query matches, pages aside
	// Reader is the role of whoever reads the features; properties it may not see
	// (auth.Role.MaySee) are left out. The zero value is an anonymous reader.
	Reader auth.Role
}

// Period is a span of days, both ends included; a nil end is open. From = To is one day.
//
// For site parts it selects the parts that had a status at some time in the span, each
// shown in the last status it held in the span (for one day: its status that day). For
// events it selects those whose date, a period of its precision, meets the span.
// Parcels and boundaries have no time: a period selects them all.
type Period struct {
	From, To *time.Time
}

// Day is the period of one day.
func Day(t time.Time) *Period { return &Period{From: &t, To: &t} }

// BBox is a bounding box in SRID (site.SRIDWGS84 with longitude first, or
// site.SRIDLambert93): features whose geometry intersects it are selected.
type BBox struct {
	MinX, MinY, MaxX, MaxY float64
	SRID                   int
}

// FeaturePage tells what Features returned.
type FeaturePage struct {
	Matched          int64  // every feature the query matches; -1 unless Count
	Returned         int    // features passed to fn
	First, Last      string // ids of the first and last feature returned
	HasNext, HasPrev bool   // whether features follow Last, or precede First
}

// CollectionInfo describes a collection for the API's metadata and checks.
type CollectionInfo struct {
	ID string
	// Properties are the features' properties, in the order they are written; the
	// queryable ones are also query parameters that select features equal to a value.
	Properties []PropertyInfo
	// Temporal is false when the features carry no time, so that a period selects them all.
	Temporal bool
	// Versioned is true when each feature keeps its past states (PartHistory), served at
	// /items/{featureId}/versions; the other collections have no such route to offer.
	Versioned bool
}

// Collections lists the feature collections, in the order the API shows them.
func Collections() []CollectionInfo {
	infos := make([]CollectionInfo, 0, len(collectionOrder))
	for _, id := range collectionOrder {
		c := collections[id]
		info := CollectionInfo{ID: id, Temporal: c.temporal != nil || c.from != nil, Versioned: c.versioned}
		for _, p := range c.props {
			info.Properties = append(info.Properties, PropertyInfo{Name: p.name, Kind: p.kind, Enum: p.enum,
				Queryable: p.column != ""})
		}
		infos = append(infos, info)
	}
	return infos
}

// Queryables names the properties reader may filter on.
func (info CollectionInfo) Queryables(reader auth.Role) []string {
	var names []string
	for _, p := range info.Properties {
		if p.Queryable && reader.MaySee(p.Name) {
			names = append(names, p.Name)
		}
	}
	return names
}

// FindCollection returns the collection named id.
func FindCollection(id string) (CollectionInfo, bool) {
	for _, info := range Collections() {
		if info.ID == id {
			return info, true
		}
	}
	return CollectionInfo{}, false
}

// decimals is the precision written for an output CRS (see site.CRS.Decimals). It refuses
// a CRS not made by package site: the number goes into the SQL text, so it must be one of
// site's constants.
func decimals(crs site.CRS) (int, error) {
	if !crs.Known() {
		return 0, site.Invalid("crs", "unsupported CRS %q", crs.URI)
	}
	return crs.Decimals, nil
}

// collection is how one feature collection is read: fixed SQL fragments, into which
// values only ever enter as $N parameters.
type collection struct {
	key    string // the feature id; features are ordered by it (keyset paging)
	intKey bool   // the id is a bigint, not text
	// table is the FROM clause with the joins the filters need; from, when set, builds it
	// instead (the status of site parts depends on the period, a commitment's on the day).
	table string
	from  func(a *sqlArgs, q *FeatureQuery) string
	extra string // joins only the output needs
	geom  string // the geometry, in Lambert-93; may be NULL
	// boxColumn, when set, is the one geometry column bbox tests: features whose bounding
	// box lies inside the box's inner rectangle skip the exact test (see BBox.inner).
	boxColumn string
	// writtenHere has the service write the features from their values instead of
	// PostgreSQL's JSON functions (see featureLayout): for parcels, read in large pages.
	writtenHere bool
	// storedGeom lists columns holding geom already written as GeoJSON in a CRS (see
	// migrations/010_parcel_geojson.sql), read instead of writing it again.
	storedGeom []storedGeometry
	// bbox is the condition that the feature's geometry intersects env, using the GiST
	// index of the stored geometry (never a transformed column).
	bbox func(env string) string
	// temporal is the condition that the feature meets span, a daterange.
	temporal func(span string) string
	// during is the condition that the feature's time meets span, for T_INTERSECTS on
	// FilterDatetime; nil when the features carry no time.
	during func(span string) string
	// nullGeom is the condition that the feature has no geometry, using only the joins of
	// the FROM clause (the count has no others).
	nullGeom string
	props    []property // the feature's properties, in the order they are written
	// live is the condition every feature meets (soft-deleted rows are not features).
	live string
	// counted names the collection's row in feature_counts, kept by triggers: the count
	// of an unfiltered request.
	counted string
	// versioned: the features are site parts, whose versions PartHistory reads.
	versioned bool
}

// storedGeometry is a column holding a collection's geometry written as GeoJSON in crs,
// exactly as geometryJSON writes it (TestStoredOutlines checks they agree).
type storedGeometry struct {
	crs    site.CRS
	column string
}

// writes tells whether the column holds what a query in crs writes: the same SRID, axis
// order and decimals, whichever URI named it.
func (g storedGeometry) writes(crs site.CRS) bool {
	return crs.SRID == g.crs.SRID && crs.LatFirst == g.crs.LatFirst && crs.Decimals == g.crs.Decimals
}

// property is one property of a feature: its name, the SQL of its value, its type, and
// the SQL a filter on it compares (empty: the property is not queryable, because its value
// comes from a join only the output makes, or means nothing to compare).
type property struct {
	name, expr string
	kind       Kind
	column     string
	enum       []string // the values it may take, for codes
}

// Kind is the JSON type of a property, as schemas and filters need it.
type Kind string

// The kinds of properties.
const (
	KindString  Kind = "string"
	KindNumber  Kind = "number"
	KindInteger Kind = "integer"
	KindBoolean Kind = "boolean"
	KindDate    Kind = "date" // a day, YYYY-MM-DD
)

// PropertyInfo describes a property of a collection's features.
type PropertyInfo struct {
	Name      string
	Kind      Kind
	Enum      []string // nil unless the property is a code with a fixed list of values
	Queryable bool     // it can be filtered on
}

// The codes of the enumerated properties, from the domain.
func statusCodes() []string    { return codes(site.Statuses()) }
func modalityCodes() []string  { return codes(site.Modalities()) }
func qualityCodes() []string   { return codes(site.GeometryQualities()) }
func eventKindCodes() []string { return codes(site.EventKinds()) }
func codes[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var collectionOrder = []string{CollectionSites, CollectionParcels, CollectionEvents, CollectionBoundaries,
	CollectionCommitments}

var collections = map[string]*collection{
	CollectionSites: {
		key:       "p.id",
		versioned: true,
		// The status of each part is the last one it held in the period: for one day, the
		// status that day. A part with no status in the period did not exist then.
		from: func(a *sqlArgs, q *FeatureQuery) string {
			return `site_parts p
JOIN part_states(` + q.period().daterange(a) + `) h ON h.part_id = p.id
JOIN sites s ON s.id = p.site_id`
		},
		// The calendar columns: the latest plan and the actual date of the part's (or its
		// whole site's) release and disposal milestones.
		extra: `
LEFT JOIN LATERAL (
    SELECT max(m.planned) FILTER (WHERE m.kind = 'release') AS planned_release,
           max(m.actual) FILTER (WHERE m.kind = 'release') AS actual_release,
           max(m.planned) FILTER (WHERE m.kind = 'disposal') AS planned_disposal,
           max(m.actual) FILTER (WHERE m.kind = 'disposal') AS actual_disposal
    FROM (
        SELECT m.kind,
               date_text(m.actual_date, m.actual_precision) AS actual,
               (SELECT date_text(mp.planned_date, mp.planned_precision)
                  FROM milestone_plans mp WHERE mp.milestone_id = m.id
                 ORDER BY mp.id DESC LIMIT 1) AS planned
        FROM milestones m
        WHERE m.site_id = p.site_id AND (m.part_id = p.id OR m.part_id IS NULL)
    ) m
) cal ON true`,
		geom:     "p.geom",
		bbox:     func(env string) string { return "ST_Intersects(p.geom, " + env + ")" },
		nullGeom: "p.geom IS NULL",
		// A part's time is the periods of its statuses, as the datetime parameter reads it.
		during: func(span string) string {
			return "EXISTS (SELECT 1 FROM part_status_history th WHERE th.part_id = p.id AND th.valid && " + span + ")"
		},
		props: []property{
			{"site_id", `s.id`, KindString, `s.id`, nil},
			{"name", `s.name`, KindString, `s.name`, nil},
			{"part_label", `p.label`, KindString, `p.label`, nil},
			{"address", `s.address`, KindString, `s.address`, nil},
			{"department", `s.department`, KindString, `s.department`, nil},
			{"current_use", `s.current_use`, KindString, `s.current_use`, nil},
			{"occupant", `s.occupant`, KindString, `s.occupant`, nil},
			{"owner", `s.owner`, KindString, `s.owner`, nil},
			{"status", `h.status`, KindString, `h.status::text`, statusCodes()},
			{"status_since", `date_text(lower(h.valid), h.since_precision)`, KindString, "", nil},
			{"modality", `s.modality`, KindString, `s.modality::text`, modalityCodes()},
			{"modality_done", `s.modality_done`, KindBoolean, `s.modality_done`, nil},
			{"counterparty", `s.counterparty`, KindString, `s.counterparty`, nil},
			{"area_m2", `round(p.area_m2::numeric, 1)`, KindNumber, `round(p.area_m2::numeric, 1)`, nil},
			{"declared_area_m2", `round(p.declared_area_m2::numeric, 1)`, KindNumber, `round(p.declared_area_m2::numeric, 1)`, nil},
			{"geometry_quality", `p.geometry_quality`, KindString, `p.geometry_quality::text`, qualityCodes()},
			{"geometry_source", `p.geometry_source`, KindString, `p.geometry_source`, nil},
			// The calendar columns come from a join the output alone makes.
			{"planned_release", `cal.planned_release`, KindString, "", nil},
			{"actual_release", `cal.actual_release`, KindString, "", nil},
			{"planned_disposal", `cal.planned_disposal`, KindString, "", nil},
			{"actual_disposal", `cal.actual_disposal`, KindString, "", nil},
		},
	},
	CollectionParcels: {
		key: "pa.id",
		// A parcel of a deleted site's part shows no site and no part.
		table:       "parcels pa\nLEFT JOIN site_parts sp ON sp.id = pa.part_id\nLEFT JOIN sites ps ON ps.id = sp.site_id AND ps.deleted_at IS NULL",
		geom:        "pa.geom",
		writtenHere: true,
		boxColumn:   "pa.geom",
		storedGeom: []storedGeometry{
			{site.CRS84, "pa.geometry_crs84"},
			{site.Lambert93, "pa.geometry_lambert93"},
		},
		bbox:     func(env string) string { return "ST_Intersects(pa.geom, " + env + ")" },
		nullGeom: "pa.geom IS NULL",
		props: []property{
			{"section", `pa.section`, KindString, `pa.section`, nil},
			{"number", `pa.number`, KindInteger, `pa.number`, nil},
			{"contenance_m2", `pa.contenance_m2`, KindInteger, `pa.contenance_m2`, nil},
			{"part_id", `CASE WHEN ps.id IS NOT NULL THEN pa.part_id END`, KindString, `CASE WHEN ps.id IS NOT NULL THEN pa.part_id END`, nil},
			{"site_id", `ps.id`, KindString, `ps.id`, nil},
			{"site_name", `ps.name`, KindString, `ps.name`, nil},
			{"source", `pa.source`, KindString, `pa.source`, nil},
			{"geometry_quality", `CASE WHEN pa.geom IS NULL THEN 'unlocated' ELSE 'cadastre' END`, KindString,
				`CASE WHEN pa.geom IS NULL THEN 'unlocated' ELSE 'cadastre' END`, []string{"cadastre", "unlocated"}},
			{"geometry_source", `pa.source`, KindString, `pa.source`, nil},
		},
		counted: "parcels",
	},
	CollectionEvents: {
		key:    "e.id",
		intKey: true,
		table:  "events e\nJOIN sites es ON es.id = e.site_id AND es.deleted_at IS NULL",
		live:   "e.deleted_at IS NULL",
		// An event is drawn on its part, or on its whole site when it concerns no part.
		extra: `
LEFT JOIN LATERAL (
    SELECT ST_Multi(ST_Union(g.geom)) AS geom
    FROM site_parts g
    WHERE g.geom IS NOT NULL
      AND (g.id = e.part_id OR (e.part_id IS NULL AND g.site_id = e.site_id))
) eg ON true`,
		geom: "eg.geom",
		bbox: func(env string) string {
			return `EXISTS (SELECT 1 FROM site_parts g
        WHERE (g.id = e.part_id OR (e.part_id IS NULL AND g.site_id = e.site_id))
          AND ST_Intersects(g.geom, ` + env + `))`
		},
		temporal: func(span string) string {
			return "daterange(e.date_start, period_end(e.date_start, e.date_precision)) && " + span
		},
		during: func(span string) string {
			return "daterange(e.date_start, period_end(e.date_start, e.date_precision)) && " + span
		},
		nullGeom: `NOT EXISTS (SELECT 1 FROM site_parts g
        WHERE (g.id = e.part_id OR (e.part_id IS NULL AND g.site_id = e.site_id)) AND g.geom IS NOT NULL)`,
		props: []property{
			{"site_id", `e.site_id`, KindString, `e.site_id`, nil},
			{"site_name", `es.name`, KindString, `es.name`, nil},
			{"part_id", `e.part_id`, KindString, `e.part_id`, nil},
			{"kind", `e.kind`, KindString, `e.kind::text`, eventKindCodes()},
			{"date", `date_text(e.date_start, e.date_precision)`, KindString, "", nil},
			{"date_start", `to_char(e.date_start, 'YYYY-MM-DD')`, KindDate, `e.date_start`, nil},
			{"date_end", `to_char(period_end(e.date_start, e.date_precision) - 1, 'YYYY-MM-DD')`, KindDate,
				`(period_end(e.date_start, e.date_precision) - 1)`, nil},
			{"planned", `e.planned`, KindBoolean, `e.planned`, nil},
			{"cancelled", `e.cancelled`, KindBoolean, `e.cancelled`, nil},
			{"title", `e.title`, KindString, `e.title`, nil},
			{"description", `e.description`, KindString, `e.description`, nil},
			{"source", `e.source`, KindString, `e.source`, nil},
			{"area_m2", `round(e.area_m2::numeric, 1)`, KindNumber, `round(e.area_m2::numeric, 1)`, nil},
			{"amount_eur", `e.amount_eur`, KindNumber, `e.amount_eur`, nil},
		},
	},
	CollectionBoundaries: {
		key:      "b.id",
		table:    "boundaries b",
		geom:     "b.geom",
		bbox:     func(env string) string { return "ST_Intersects(b.geom, " + env + ")" },
		nullGeom: "b.geom IS NULL",
		props: []property{
			{"name", `b.name`, KindString, `b.name`, nil},
			{"source", `b.source`, KindString, `b.source`, nil},
		},
	},
	CollectionCommitments: {
		key: "c.id",
		// A commitment's status and progress are those its follow-ups known by the day set
		// (governance.Commitment.AsOf), and it is late when its due period ended by then
		// while it was still open (governance.Commitment.Late). They sit in the FROM clause
		// so that filters and counts compare them too.
		from: func(a *sqlArgs, q *FeatureQuery) string {
			day := a.add(q.stateDay().Format(time.DateOnly)) + "::date"
			closed := a.add(closedCommitmentStatuses()) + "::text[]"
			return `commitments c
CROSS JOIN LATERAL (
    SELECT coalesce((SELECT f.status FROM commitment_followups f
                      WHERE f.commitment_id = c.id AND f.status IS NOT NULL
                        AND period_end(f.date_start, f.date_precision) <= ` + day + ` + 1
                      ORDER BY f.date_start DESC, f.id DESC LIMIT 1), c.status) AS status,
           coalesce((SELECT f.progress FROM commitment_followups f
                      WHERE f.commitment_id = c.id AND f.progress IS NOT NULL
                        AND period_end(f.date_start, f.date_precision) <= ` + day + ` + 1
                      ORDER BY f.date_start DESC, f.id DESC LIMIT 1), c.progress) AS progress
) cs
CROSS JOIN LATERAL (
    SELECT c.due_start IS NOT NULL AND cs.status <> ALL (` + closed + `)
           AND period_end(c.due_start, c.due_precision) <= ` + day + ` AS late
) cl`
		},
		// Drawn on the union of the parts of its sites and of the parts it names; sites
		// deleted since keep their link but are drawn no more, like everywhere else.
		extra: `
LEFT JOIN LATERAL (
    SELECT ST_Multi(ST_Union(g.geom)) AS geom
    FROM site_parts g
    WHERE g.geom IS NOT NULL AND ` + commitmentPart + `
) cg ON true`,
		geom: "cg.geom",
		bbox: func(env string) string {
			return "EXISTS (SELECT 1 FROM site_parts g WHERE " + commitmentPart + " AND ST_Intersects(g.geom, " + env + "))"
		},
		nullGeom: "NOT EXISTS (SELECT 1 FROM site_parts g WHERE g.geom IS NOT NULL AND " + commitmentPart + ")",
		// A commitment's time is its due period: T_INTERSECTS finds those due in a span.
		during: func(span string) string {
			return "(c.due_start IS NOT NULL AND daterange(c.due_start, period_end(c.due_start, c.due_precision)) && " + span + ")"
		},
		props: []property{
			{"clause", `c.clause`, KindString, `c.clause`, nil},
			{"axis", `c.axis`, KindString, `c.axis`, commitmentAxisCodes()},
			{"title", `c.title`, KindString, `c.title`, nil},
			// The parties as one text, "paris, ivry": a field every client reads, which
			// LIKE '%cpcu%' filters.
			{"parties", `array_to_string(c.parties, ', ')`, KindString, `array_to_string(c.parties, ', ')`, nil},
			{"due", `date_text(c.due_start, c.due_precision)`, KindString, `date_text(c.due_start, c.due_precision)`, nil},
			{"due_precision", `c.due_precision::text`, KindString, `c.due_precision::text`, precisionCodes()},
			{"due_start", `to_char(c.due_start, 'YYYY-MM-DD')`, KindDate, `c.due_start`, nil},
			{"due_end", `to_char(period_end(c.due_start, c.due_precision) - 1, 'YYYY-MM-DD')`, KindDate,
				`(period_end(c.due_start, c.due_precision) - 1)`, nil},
			{"firmness", `c.firmness`, KindString, `c.firmness`, commitmentFirmnessCodes()},
			{"status", `cs.status`, KindString, `cs.status`, commitmentStatusCodes()},
			{"late", `cl.late`, KindBoolean, `cl.late`, nil},
			{"progress", `cs.progress`, KindInteger, `cs.progress`, nil},
		},
	},
}

// commitmentPart is the condition that site part g is one a commitment c concerns: a part
// of one of its sites, or a part it names, on a site not deleted.
const commitmentPart = `(g.site_id IN (SELECT cx.site_id FROM commitment_sites cx WHERE cx.commitment_id = c.id)
           OR g.id IN (SELECT cp.part_id FROM commitment_parts cp WHERE cp.commitment_id = c.id))
      AND EXISTS (SELECT 1 FROM sites gs WHERE gs.id = g.site_id AND gs.deleted_at IS NULL)`

// The codes of the commitments' enumerated properties, from the domain.
func commitmentAxisCodes() []string     { return codes(governance.Axes()) }
func commitmentFirmnessCodes() []string { return codes(governance.Firmnesses()) }
func commitmentStatusCodes() []string   { return codes(governance.Statuses()) }
func precisionCodes() []string {
	return codes([]site.Precision{site.Day, site.Month, site.Quarter, site.Year})
}

// closedCommitmentStatuses are the statuses in which a commitment is never late.
func closedCommitmentStatuses() []string {
	var out []string
	for _, st := range governance.Statuses() {
		if st.Closed() {
			out = append(out, string(st))
		}
	}
	return out
}

// sqlArgs collects the parameters of a statement; add returns the placeholder of the next.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// daterange is the SQL of the period as a daterange with both ends included.
func (p Period) daterange(a *sqlArgs) string {
	day := func(t *time.Time) any {
		if t == nil {
			return nil // an open end
		}
		return t.Format(time.DateOnly)
	}
	return "daterange(" + a.add(day(p.From)) + "::date, " + a.add(day(p.To)) + "::date, '[]')"
}

// geographicDomain is where a longitude/latitude box is clipped before it is projected to
// Lambert-93: PROJ fails on the whole globe, and all of Emprises' data lies in Ivry.
var geographicDomain = BBox{MinX: -20, MinY: 30, MaxX: 30, MaxY: 65}

// envelope returns the SQL of the box in Lambert-93, or "" when it cannot meet any
// feature. A longitude/latitude box is densified before it is projected, so that its
// edges stay the parallels and meridians it names.
func (b BBox) envelope(a *sqlArgs) (string, error) {
	switch b.SRID {
	case site.SRIDLambert93:
		return "ST_MakeEnvelope(" + a.add(b.MinX) + "::float8, " + a.add(b.MinY) + "::float8, " +
			a.add(b.MaxX) + "::float8, " + a.add(b.MaxY) + "::float8, 2154)", nil
	case site.SRIDWGS84:
		d := geographicDomain
		minX, minY := math.Max(b.MinX, d.MinX), math.Max(b.MinY, d.MinY)
		maxX, maxY := math.Min(b.MaxX, d.MaxX), math.Min(b.MaxY, d.MaxY)
		if minX > maxX || minY > maxY {
			return "", nil
		}
		step := math.Max(maxX-minX, maxY-minY) / 16
		if step == 0 {
			step = 1
		}
		return "ST_Transform(ST_Segmentize(ST_MakeEnvelope(" + a.add(minX) + "::float8, " + a.add(minY) + "::float8, " +
			a.add(maxX) + "::float8, " + a.add(maxY) + "::float8, 4326), " + a.add(step) + "::float8), 2154)", nil
	}
	return "", site.Invalid("bbox-crs", "unsupported SRID %d", b.SRID)
}

// innerMargin is how far inside the box the inner rectangle keeps (metres): more than the
// float4 rounding of PostGIS's bounding boxes at Lambert-93's magnitudes (half a metre),
// and than the sagitta of a chord of the densified box (under 0.3 m for a side of half a
// degree).
const innerMargin = 1.0

// maxInnerDegrees is the largest side of a longitude/latitude box given an inner
// rectangle: beyond it the chords of its densified edges stray from the parallels by more
// than innerMargin.
const maxInnerDegrees = 0.5

// inner returns the SQL of an axis-aligned rectangle in Lambert-93 lying inside the box's
// envelope (see envelope), or "" when there is none to use. A feature whose bounding box
// lies within it meets the box for sure, so that only the features crossing the box's
// edge need the exact test: about 85 % of the parcels of a 300 m box are inside.
//
// A longitude/latitude box projects to a curved quadrilateral: its meridians to straight
// lines, its parallels to arcs around a point north of the map. The rectangle's left side
// is the easternmost vertex of the densified west edge, its right side the westernmost of
// the east edge, its bottom the highest vertex of the south edge and its top the lowest of
// the north edge, each brought innerMargin further in.
func (b BBox) inner(a *sqlArgs) string {
	switch b.SRID {
	case site.SRIDLambert93:
		if b.MaxX-b.MinX <= 2*innerMargin || b.MaxY-b.MinY <= 2*innerMargin {
			return ""
		}
		return "ST_MakeEnvelope(" + a.add(b.MinX+innerMargin) + "::float8, " + a.add(b.MinY+innerMargin) + "::float8, " +
			a.add(b.MaxX-innerMargin) + "::float8, " + a.add(b.MaxY-innerMargin) + "::float8, 2154)"
	case site.SRIDWGS84:
		d := geographicDomain
		minX, minY := math.Max(b.MinX, d.MinX), math.Max(b.MinY, d.MinY)
		maxX, maxY := math.Min(b.MaxX, d.MaxX), math.Min(b.MaxY, d.MaxY)
		if minX >= maxX || minY >= maxY || maxX-minX > maxInnerDegrees || maxY-minY > maxInnerDegrees {
			return ""
		}
		step := math.Max(maxX-minX, maxY-minY) / 16
		edge := func(x0, y0, x1, y1 float64) string {
			return "ST_Transform(ST_Segmentize(ST_SetSRID(ST_MakeLine(ST_MakePoint(" + a.add(x0) + "::float8, " + a.add(y0) +
				"::float8), ST_MakePoint(" + a.add(x1) + "::float8, " + a.add(y1) + "::float8)), 4326), " + a.add(step) + "::float8), 2154)"
		}
		x0 := "ST_XMax(" + edge(minX, minY, minX, maxY) + ") + " + a.add(innerMargin) + "::float8"
		x1 := "ST_XMin(" + edge(maxX, minY, maxX, maxY) + ") - " + a.add(innerMargin) + "::float8"
		y0 := "ST_YMax(" + edge(minX, minY, maxX, minY) + ") + " + a.add(innerMargin) + "::float8"
		y1 := "ST_YMin(" + edge(minX, maxY, maxX, maxY) + ") - " + a.add(innerMargin) + "::float8"
		return "(SELECT CASE WHEN x0 < x1 AND y0 < y1 THEN ST_MakeEnvelope(x0, y0, x1, y1, 2154) END FROM (SELECT " +
			x0 + " AS x0, " + y0 + " AS y0, " + x1 + " AS x1, " + y1 + " AS y1) inner_sides)"
	}
	return ""
}

// geometryJSON is the SQL writing geom as GeoJSON in the query's CRS: outer rings
// counter-clockwise (RFC 7946), about a centimetre of precision.
func (q *FeatureQuery) geometryJSON(geom string) (string, error) {
	d, err := decimals(q.CRS)
	if err != nil {
		return "", err
	}
	g := "ST_ForcePolygonCCW(" + geom + ")"
	if q.CRS.SRID != site.SRIDLambert93 { // geom is stored in Lambert-93
		g = "ST_ForcePolygonCCW(ST_Transform(" + geom + ", " + strconv.Itoa(q.CRS.SRID) + "))"
	}
	if q.CRS.LatFirst {
		g = "ST_FlipCoordinates(" + g + ")"
	}
	return "ST_AsGeoJSON(" + g + ", " + strconv.Itoa(d) + ", 0)", nil
}

// statement kinds built by collection.build.
type statement int

const (
	stmtPage  statement = iota // a page of features, ordered by id
	stmtCount                  // the count of the matches, and whether pages precede and follow
	stmtOne                    // one feature by id
)

// build returns the SQL and parameters of one statement for q. Every value is a
// parameter; the SQL is made of the fixed fragments above only.
func (c *collection) build(q *FeatureQuery, kind statement, id string) (string, []any, error) {
	var a sqlArgs
	from := c.table
	if c.from != nil {
		from = c.from(&a, q)
	}
	var conds []string
	if c.live != "" {
		conds = append(conds, c.live)
	}
	if q.Period != nil && c.temporal != nil {
		conds = append(conds, c.temporal(q.Period.daterange(&a)))
	}
	if q.BBox != nil {
		env, err := q.BBox.envelope(&a)
		if err != nil {
			return "", nil, err
		}
		inner := ""
		if env != "" && c.boxColumn != "" {
			inner = q.BBox.inner(&a) // its parameters only where the SQL uses them
		}
		switch {
		case env == "":
			conds = append(conds, "false")
		case inner != "":
			// The exact test only for the features not inside the inner rectangle.
			conds = append(conds, c.boxColumn+" && "+env+" AND ("+c.boxColumn+" @ "+inner+" OR "+c.bbox(env)+")")
		default:
			conds = append(conds, c.bbox(env))
		}
	}
	for _, p := range c.props {
		v, ok := q.Where[p.name]
		if !ok {
			continue
		}
		val, err := p.parse(v)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, p.column+" = "+a.add(val))
	}
	for name := range q.Where {
		if p := c.queryable(name, q.Reader); p == nil {
			return "", nil, site.Invalid(name, "is not a queryable property of this collection")
		}
	}
	if q.Filter != nil {
		cond, err := c.filterCondition(&a, q)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, cond)
	}
	if kind == stmtOne {
		var p string
		if c.intKey {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return "", nil, site.ErrNotFound
			}
			p = a.add(n)
		} else {
			p = a.add(id)
		}
		conds = append(conds, c.key+" = "+p)
	}
	if kind == stmtCount {
		return c.countSQL(&a, q, from, conds)
	}

	geom, err := q.geometryJSON(c.geom)
	if err != nil {
		return "", nil, err
	}
	for _, g := range c.storedGeom {
		if g.writes(q.CRS) {
			geom = g.column
		}
	}
	layout := c.layout(q.Reader)
	cols := layout.selectColumns(c.key, geom)
	feature := strings.Join(cols, ",\n    ")
	body := "\nFROM " + from + c.extra
	if !layout.here {
		body += layout.propertiesFrom()
	}
	if kind == stmtOne {
		return "SELECT " + c.key + "::text, " + feature + body + where(conds), a, nil
	}
	if q.Before != "" {
		p, err := c.cursor(&a, "before", q.Before)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, c.key+" < "+p)
		limit := ""
		if q.Limit > 0 {
			limit = "\nLIMIT " + a.add(q.Limit)
		}
		// The last Limit features before the cursor, handed out in id order.
		aliased, outer := make([]string, len(cols)), make([]string, len(cols))
		for i, col := range cols {
			aliased[i] = col + " AS f" + strconv.Itoa(i)
			outer[i] = "f" + strconv.Itoa(i)
		}
		return "SELECT id, " + strings.Join(outer, ", ") + " FROM (\nSELECT " + c.key + " AS sort_key, " + c.key + "::text AS id, " +
			strings.Join(aliased, ",\n    ") + body + where(conds) + "\nORDER BY " + c.key + " DESC" + limit +
			"\n) page\nORDER BY sort_key", a, nil
	}
	if q.After != "" {
		p, err := c.cursor(&a, "after", q.After)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, c.key+" > "+p)
	}
	limit := ""
	if q.Limit > 0 {
		// One more than asked tells whether a next page exists.
		limit = "\nLIMIT " + a.add(q.Limit+1)
	}
	counted := ""
	switch c.pageCount(q) {
	case countWindow:
		// As text, whose wire form is the same in both formats.
		counted = ",\n(count(*) OVER ())::text AS matched"
	case countKept:
		counted = ",\n" + c.keptCount(from) + "::text AS matched"
		if q.After != "" {
			p, err := c.cursor(&a, "after", q.After)
			if err != nil {
				return "", nil, err
			}
			counted += ",\nEXISTS (SELECT 1 FROM " + from + " WHERE " + c.key + " <= " + p + ")::text AS has_prev"
		}
	}
	return "SELECT " + c.key + "::text, " + feature + counted + body + where(conds) + "\nORDER BY " + c.key + limit, a, nil
}

// pageCounting is where the count of a page's matches comes from.
type pageCounting int

const (
	countApart  pageCounting = iota // a count statement on a second connection, or none
	countWindow                     // a window count in the page statement
	countKept                       // the count feature_counts keeps, read by the page statement
)

// pageCount tells whether the page statement counts the matches itself, in a third column
// (and, after a cursor, whether a page precedes, in a fourth), instead of a count
// statement on a second connection.
//
// The first page of a bbox query counts with a window. There the planner already reads
// every match through the spatial index and sorts them by id before the LIMIT (a bitmap
// scan and a top-N sort), and builds the GeoJSON only for the rows the LIMIT keeps, so
// counting them as well costs about 0.1 ms where the count statement, repeating the index
// scan and every ST_Intersects, took 1.5–4 ms of a 11–25 ms page for a 300 m box over
// 100 000 parcels (about 1 000 matches), besides a second connection. Measured with
// pgbench, the two ways interleaved in one run (random 300 m boxes over 100 000 parcels,
// December 2026, shared 2-core machine at load 8–11): the database's time per request
// went from 22.9 to 20.9 ms with one client and from 37.3 to 35.2 ms with four.
//
// A page of a whole collection whose count triggers keep (feature_counts) reads that
// count, and whether rows precede its cursor (an index probe), as one-row subqueries the
// page statement runs once: no second connection for a GIS client paging through the
// parcels. A page before a cursor keeps the count statement (its previous page needs a
// count of its own), and so do other filters: without a bbox a page is an index scan on
// the id that the LIMIT stops early, which a window count would make read every feature,
// and after or before a cursor the page does not see the features the count must include.
func (c *collection) pageCount(q *FeatureQuery) pageCounting {
	switch {
	case !q.Count || q.Limit <= 0 || q.Before != "":
		return countApart
	case q.BBox != nil && q.After == "":
		return countWindow
	case c.counted != "" && c.unfiltered(q):
		return countKept
	}
	return countApart
}

// unfiltered tells whether q asks for every feature of the collection, paging aside.
func (c *collection) unfiltered(q *FeatureQuery) bool {
	return c.live == "" && q.BBox == nil && len(q.Where) == 0 && q.Filter == nil &&
		(q.Period == nil || c.temporal == nil)
}

// keptCount is the SQL of the count of an unfiltered collection: the one its triggers
// keep, or the count itself where feature_counts has no row yet.
func (c *collection) keptCount(from string) string {
	return "coalesce((SELECT features FROM feature_counts WHERE collection = '" + c.counted + "'), (SELECT count(*) FROM " + from + "))"
}

// countSQL is the statement that counts the features q matches, paging aside, and tells
// whether features precede and follow the page: one row (matched, has_prev, has_next),
// where has_next is only meaningful for a page before a cursor.
func (c *collection) countSQL(a *sqlArgs, q *FeatureQuery, from string, conds []string) (string, []any, error) {
	matched := "(SELECT count(*) FROM " + from + where(conds) + ")"
	if c.counted != "" && len(conds) == 0 {
		matched = c.keptCount(from)
	}
	exists := func(cond string) string {
		return "EXISTS (SELECT 1 FROM " + from + where(append(slices.Clip(conds), cond)) + ")"
	}
	hasPrev, hasNext := "false", "false"
	switch {
	case q.After != "":
		p, err := c.cursor(a, "after", q.After)
		if err != nil {
			return "", nil, err
		}
		hasPrev = exists(c.key + " <= " + p)
	case q.Before != "":
		p, err := c.cursor(a, "before", q.Before)
		if err != nil {
			return "", nil, err
		}
		hasNext = exists(c.key + " >= " + p)
		if q.Limit > 0 {
			// More than a page before the cursor: the page has a previous one.
			hasPrev = "(SELECT count(*) > " + a.add(q.Limit) + " FROM (SELECT 1 FROM " + from +
				where(append(slices.Clip(conds), c.key+" < "+p)) + " LIMIT " + a.add(q.Limit+1) + ") before_page)"
		}
	}
	return "SELECT " + matched + ",\n       " + hasPrev + ",\n       " + hasNext, *a, nil
}

// cursor adds the parameter of a paging cursor.
func (c *collection) cursor(a *sqlArgs, name, v string) (string, error) {
	if !c.intKey {
		return a.add(v), nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return "", site.Invalid(name, "%q is not a feature id of this collection", v)
	}
	return a.add(n), nil
}

// queryable returns the property name if reader may filter on it: a confidential property
// is no filter for whom may not see it, or comparing would tell its value.
func (c *collection) queryable(name string, reader auth.Role) *property {
	for i := range c.props {
		p := &c.props[i]
		if p.name == name && p.column != "" && reader.MaySee(name) {
			return p
		}
	}
	return nil
}

// parse reads a filter value given as text (a query parameter) as a value of the
// property's kind. Booleans are true/false or 1/0 (GDAL writes the latter); codes must be
// among their values.
func (p *property) parse(v string) (any, error) {
	switch p.kind {
	case KindBoolean:
		switch v {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, site.Invalid(p.name, "%q is not true or false (or 1 or 0)", v)
	case KindInteger:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, site.Invalid(p.name, "%q is not a whole number", v)
		}
		return n, nil
	case KindNumber:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, site.Invalid(p.name, "%q is not a number", v)
		}
		return f, nil
	case KindDate:
		d, err := site.ParseDay(v)
		if err != nil {
			return nil, site.Invalid(p.name, "%q is not a day YYYY-MM-DD from %d to %d", v, site.MinYear, site.MaxYear)
		}
		return d, nil
	}
	if p.enum != nil && !slices.Contains(p.enum, v) {
		return nil, site.Invalid(p.name, "%q is not one of %s", v, strings.Join(p.enum, ", "))
	}
	return v, nil
}

func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return "\nWHERE " + strings.Join(conds, "\n  AND ")
}

// period is the span the status of site parts is read for: the query's period, its day,
// or today.
// stateDay is the day whose state commitments are shown in: the last day of the query's
// period (today, or its first day if later, for an open end), its day, or today.
func (q *FeatureQuery) stateDay() time.Time {
	today := site.Today()
	if q.AsOf != nil {
		today = *q.AsOf
	}
	switch {
	case q.Period == nil:
		return today
	case q.Period.To != nil:
		return *q.Period.To
	case q.Period.From != nil && q.Period.From.After(today):
		return *q.Period.From
	}
	return today
}

func (q *FeatureQuery) period() Period {
	if q.Period != nil {
		return *q.Period
	}
	if q.AsOf != nil {
		return *Day(*q.AsOf)
	}
	return *Day(site.Today())
}

func lookup(name string) (*collection, error) {
	c, ok := collections[name]
	if !ok {
		return nil, fmt.Errorf("store: no feature collection %q: %w", name, site.ErrNotFound)
	}
	return c, nil
}

func (q *FeatureQuery) check() error {
	if q.After != "" && q.Before != "" {
		return site.Invalid("before", "after and before cannot be used together")
	}
	if q.Limit < 0 {
		return site.Invalid("limit", "must be positive")
	}
	return nil
}

// FeatureSQL returns the statement Features runs for a page of collection, for tools that
// compare the service with the database alone. Its rows are the feature id, the feature's
// columns (the feature as GeoJSON text, or for a collection the service writes, the
// geometry's GeoJSON and each property as text: see featureLayout), and, when the page
// counts the matches itself (see pageCount), their count and whether rows precede it.
func FeatureSQL(collection string, q FeatureQuery) (string, []any, error) {
	return pageSQL(collection, q, false)
}

// DatabaseFeatureSQL is FeatureSQL with PostgreSQL writing every feature itself, as it does
// for the collections the service does not write (see featureLayout): the benchmark's
// yardstick of what the database alone takes to produce the same features.
func DatabaseFeatureSQL(collection string, q FeatureQuery) (string, []any, error) {
	return pageSQL(collection, q, true)
}

// pageSQL is the page statement of FeatureSQL, the features written by PostgreSQL when
// byDatabase.
func pageSQL(collection string, q FeatureQuery, byDatabase bool) (string, []any, error) {
	c, err := lookup(collection)
	if err != nil {
		return "", nil, err
	}
	if err := q.check(); err != nil {
		return "", nil, err
	}
	if byDatabase {
		c = c.writtenByDatabase()
	}
	return c.build(&q, stmtPage, "")
}

// Features streams the features of collection that q selects, in id order, one call of
// fn per feature with its id and its GeoJSON; neither is held in memory beyond the call,
// and their bytes are only valid during it. With q.Count, FeaturePage.Matched counts every
// match, paging aside: counted by the page statement itself on the first page of a bbox
// query or read from feature_counts for a whole collection (see pageCount), else on a
// second connection while the page streams.
//
// An error about q (a bad filter value, say) is a *site.InvalidError returned before the
// first call of fn.
func (s *Store) Features(ctx context.Context, collection string, q FeatureQuery, fn func(id, feature []byte) error) (FeaturePage, error) {
	page := FeaturePage{Matched: -1}
	c, err := lookup(collection)
	if err != nil {
		return page, err
	}
	if err := q.check(); err != nil {
		return page, err
	}
	sql, args, err := c.build(&q, stmtPage, "")
	if err != nil {
		return page, err
	}
	// The count runs on a second connection while the page streams, so that it adds to
	// the work but not to the wait. (Running it after a first page, and only when more
	// pages follow, saves the work when one page holds every match, but adds the count's
	// time to the wait of every first page that does not, a 300 m bbox over 100 000
	// parcels half the time.) Without a limit the features count themselves.
	var countc chan featureCount
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	counting := c.pageCount(&q)
	if q.Count && q.Limit > 0 && counting == countApart {
		countSQL, countArgs, err := c.build(&q, stmtCount, "")
		if err != nil {
			return page, err
		}
		countc = make(chan featureCount, 1)
		go func() {
			var r featureCount
			r.err = s.count(ctx, countSQL, countArgs, &r)
			countc <- r
		}()
	}
	if err := s.streamFeatures(ctx, sql, args, &q, c.layout(q.Reader), &page, fn); err != nil {
		return page, fmt.Errorf("store: %s features: %w", collection, err)
	}
	if !q.Count {
		return page, nil
	}
	r := featureCount{matched: int64(page.Returned)}
	switch {
	case countc != nil:
		r = <-countc
	case counting == countWindow:
		// No row, no count: nothing matched.
		r.matched = max(page.Matched, 0)
	case counting == countKept && page.Returned > 0:
		r.matched, r.hasPrev = page.Matched, page.HasPrev
	case counting == countKept:
		// A page past the last feature: no row carried the count.
		countSQL, countArgs, err := c.build(&q, stmtCount, "")
		if err == nil {
			err = s.count(ctx, countSQL, countArgs, &r)
		}
		r.err = err
	}
	if r.err != nil {
		return page, fmt.Errorf("store: count %s features: %w", collection, r.err)
	}
	page.Matched, page.HasPrev = r.matched, r.hasPrev
	if q.Before != "" {
		page.HasNext = r.hasNext
	}
	return page, nil
}

// count runs a count statement (see countSQL) into r, on a connection of its own.
func (s *Store) count(ctx context.Context, countSQL string, countArgs []any, r *featureCount) error {
	db, err := s.reader(ctx)
	if err != nil {
		return err
	}
	defer db.Release()
	return db.QueryRow(ctx, countSQL, append([]any{customPlan}, countArgs...)...).Scan(&r.matched, &r.hasPrev, &r.hasNext)
}

// featureCount is the result of the count statement.
type featureCount struct {
	matched          int64
	hasPrev, hasNext bool
	err              error
}

// customPlan runs a feature statement as an unnamed prepared statement (pgx caches only its
// description), which PostgreSQL plans for the values at hand every time. A cached generic
// plan cannot fold the bbox envelope into a constant: it re-projected the envelope for
// every candidate row, 25 ms of a 35 ms request for a 300 m box over 100 000 parcels.
const customPlan = pgx.QueryExecModeCacheDescribe

// PageSettings are the planner settings of the feature statements that serve a page (a
// limit), set for that statement alone (see streamFeatures). The benchmark gives
// PostgreSQL alone the same.
//
// JIT compilation is off: the work is in PostGIS functions, which JIT cannot speed up,
// and PostGIS's high function costs make the planner ask for it. On 100 000 synthetic
// parcels, JIT took 8 ms of a 10 000-feature page and about 2 s of a whole-collection
// export (PostgreSQL 15, PostGIS 3.3, 2 cores).
//
// Parallel workers are off for a page: each worker is a new backend that loads PostGIS
// (about 9 ms) and sets up PROJ at its first ST_Transform (about 13 ms) before its first
// feature, more than a page's whole work. PostGIS's high function costs make the planner
// choose them all the same for a bbox page (a Gather Merge under the sort by id): a 300 m
// box over 100 000 parcels (1 548 matches, 1 000 returned) took 29–43 ms with one worker
// and 11–12 ms without, in one session, December 2026.
//
// plan_cache_mode forces a custom plan of the prepared statement: a generic plan cannot
// fold the bbox envelope into a constant (see customPlan).
//
// transaction_read_only makes the statement's transaction read-only, whatever a fragment
// of its SQL might do.
var PageSettings = map[string]string{"jit": "off", "max_parallel_workers_per_gather": "0", "plan_cache_mode": "force_custom_plan",
	"transaction_read_only": "on"}

// ExportSettings are those of a statement without a limit (a whole-collection export):
// JIT off, and parallel workers left to the planner, which plans 2 for 100 000 parcels;
// they pay for themselves there: over four runs on a shared 2-core machine they took
// 0.62–0.91 of the serial time in CRS84 (about 1.0–1.1 s against 1.2–1.5 s) and 0.48–1.07
// in Lambert-93. emprises-bench api prints these figures.
var ExportSettings = map[string]string{"jit": "off", "plan_cache_mode": "force_custom_plan", "transaction_read_only": "on"}

// settingsSQL is one statement applying settings to the current transaction only.
func settingsSQL(settings map[string]string) string {
	names := slices.Sorted(maps.Keys(settings))
	calls := make([]string, len(names))
	for i, name := range names {
		// Names and values are this file's constants, never a client's.
		calls[i] = "set_config('" + name + "', '" + settings[name] + "', true)"
	}
	return "SELECT " + strings.Join(calls, ", ")
}

var (
	pageSettingsSQL   = settingsSQL(PageSettings)
	exportSettingsSQL = settingsSQL(ExportSettings)
)

// streamFeatures runs the page statement and hands its rows to fn. The rows are closed
// (and the connection back in the pool) when it returns.
func (s *Store) streamFeatures(ctx context.Context, sql string, args []any, q *FeatureQuery, layout featureLayout, page *FeaturePage, fn func(id, feature []byte) error) error {
	db, err := s.reader(ctx)
	if err != nil {
		return err
	}
	defer db.Release()
	settings := exportSettingsSQL
	if q.Limit > 0 {
		settings = pageSettingsSQL
	}
	rows, done, err := pageRows(ctx, db, settings, sql, args, q.Filter == nil)
	if err != nil {
		return err
	}
	ended := false
	defer func() {
		if !ended { // an error or a client gone mid-page: end the statement all the same
			rows.Close()
			done() //nolint:errcheck // the first error is the one returned
		}
	}()
	var last, feature []byte  // reused: no allocation per row
	n := 1 + layout.columns() // the id and the feature's columns; then the count and has_prev
	for rows.Next() {
		if q.Limit > 0 && page.Returned == q.Limit {
			page.HasNext = true // the one extra row asked for
			break
		}
		v := rows.RawValues()
		if page.Returned == 0 {
			page.First = string(v[0])
			if len(v) > n { // the count, in every row (pageCount)
				if page.Matched, err = strconv.ParseInt(string(v[n]), 10, 64); err != nil {
					return fmt.Errorf("matched: %w", err)
				}
			}
			if len(v) > n+1 { // whether rows precede the cursor
				page.HasPrev = string(v[n+1]) == "true"
			}
		}
		last = append(last[:0], v[0]...)
		feature = layout.appendFeature(feature[:0], v[0], v[1:n])
		if err := fn(v[0], feature); err != nil {
			return err
		}
		page.Returned++
	}
	page.Last = string(last)
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ended = true
	return done()
}

// pageRows runs a feature statement with its settings, and returns its rows and the
// function that ends the statement's transaction once they are read.
//
// The settings and the statement go in one batch, which PostgreSQL runs as one implicit
// transaction (the settings are local to it) and pgx sends in one round trip, where BEGIN,
// SET, the statement and COMMIT took four: on a busy 2-core server each round trip waits
// for the scheduler twice. A batch's statement is prepared (pgx's statement cache) and
// plan_cache_mode in the settings still has it planned for its values. A statement of a
// shape that does not repeat (cached false: a CQL2 filter, whose SQL follows the client's
// expression) is not prepared: it runs unnamed in a transaction of its own, so that
// clients cannot fill the connections' statement caches.
func pageRows(ctx context.Context, db conn, settings, sql string, args []any, cached bool) (pgx.Rows, func() error, error) {
	if cached {
		b := &pgx.Batch{}
		b.Queue(settings)
		b.Queue(sql, args...)
		br := db.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, nil, err
		}
		rows, err := br.Query()
		if err != nil {
			br.Close()
			return nil, nil, err
		}
		return rows, br.Close, nil
	}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, err
	}
	_, err = tx.Exec(ctx, settings)
	var rows pgx.Rows
	if err == nil {
		rows, err = tx.Query(ctx, sql, append([]any{customPlan}, args...)...)
	}
	if err != nil {
		tx.Rollback(ctx) //nolint:errcheck // the statement's error is the one to tell
		return nil, nil, err
	}
	return rows, func() error { return tx.Commit(ctx) }, nil
}

// FindFeature returns one feature of collection as GeoJSON, with the status of site parts
// as of today. A feature that does not exist is site.ErrNotFound.
func (s *Store) FindFeature(ctx context.Context, collection, id string, q FeatureQuery) ([]byte, error) {
	c, err := lookup(collection)
	if err != nil {
		return nil, err
	}
	sql, args, err := c.build(&q, stmtOne, id)
	if err != nil {
		if errors.Is(err, site.ErrNotFound) {
			return nil, fmt.Errorf("store: %s feature %q: %w", collection, id, err)
		}
		return nil, err
	}
	db, err := s.reader(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: %s feature %q: %w", collection, id, err)
	}
	defer db.Release()
	rows, err := db.Query(ctx, sql, append([]any{customPlan}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("store: %s feature %q: %w", collection, id, err)
	}
	defer rows.Close()
	var feature []byte
	if rows.Next() {
		v := rows.RawValues()
		feature = c.layout(q.Reader).appendFeature(nil, v[0], v[1:])
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s feature %q: %w", collection, id, err)
	}
	if feature == nil {
		return nil, fmt.Errorf("store: %s feature %q: %w", collection, id, site.ErrNotFound)
	}
	return feature, nil
}

// EachPartFeature streams the site-part features as GeoJSON, one call of fn per feature,
// without holding the result in memory. The bytes passed to fn are only valid during the
// call.
func (s *Store) EachPartFeature(ctx context.Context, q FeatureQuery, fn func(feature []byte) error) error {
	_, err := s.Features(ctx, CollectionSites, q, func(_, feature []byte) error { return fn(feature) })
	return err
}
