package store

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/emprises/emprises/internal/cql2"
	"github.com/emprises/emprises/internal/site"
)

// A CQL2 filter (OGC API – Features Part 3) becomes one SQL condition built from the
// collection's fixed fragments: every literal is a $N parameter, every property the SQL
// column of a queryable property the reader may see.

// The names a filter uses besides the queryable properties.
const (
	// FilterGeometry is the features' geometry, for S_INTERSECTS and IS NULL.
	FilterGeometry = "geometry"
	// FilterDatetime is the features' time as the datetime parameter reads it, for
	// T_INTERSECTS: for site parts, the periods in which they held a status; for events,
	// their date, a period of its precision.
	FilterDatetime = "datetime"
)

// filterSQL translates one filter of a query.
type filterSQL struct {
	c   *collection
	q   *FeatureQuery
	a   *sqlArgs
	crs site.CRS // of the geometry literals
}

// filterCondition returns the SQL condition of q.Filter. An error about the filter is a
// *site.InvalidError naming the field "filter", with the position in the filter.
func (c *collection) filterCondition(a *sqlArgs, q *FeatureQuery) (string, error) {
	crs := q.FilterCRS
	if !crs.Known() {
		crs = site.CRS84
	}
	f := &filterSQL{c: c, q: q, a: a, crs: crs}
	cond, err := f.predicate(q.Filter)
	if err != nil {
		return "", site.Invalid("filter", "%v", err)
	}
	return cond, nil
}

// predicate translates a node that is true or false.
func (f *filterSQL) predicate(e cql2.Expr) (string, error) {
	switch e := e.(type) {
	case *cql2.Bool:
		return strconv.FormatBool(e.Value), nil
	case *cql2.Logic:
		parts := make([]string, len(e.Args))
		for i, arg := range e.Args {
			p, err := f.predicate(arg)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		op := " AND "
		if e.Op == "or" {
			op = " OR "
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case *cql2.Not:
		p, err := f.predicate(e.Arg)
		if err != nil {
			return "", err
		}
		return "NOT " + p, nil
	case *cql2.Compare:
		ops, err := f.operands(e.Left, e.Right)
		if err != nil {
			return "", err
		}
		return "(" + ops[0] + " " + e.Op + " " + ops[1] + ")", nil
	case *cql2.Like:
		ops, err := f.operands(e.Arg, e.Pattern)
		if err != nil {
			return "", err
		}
		if k := f.kindOf(e.Arg, e.Pattern); k != KindString {
			return "", cql2.Errorf(e, "LIKE compares strings, not a %s", k)
		}
		return "(" + ops[0] + " LIKE " + ops[1] + ")", nil
	case *cql2.Between:
		ops, err := f.operands(e.Arg, e.Low, e.High)
		if err != nil {
			return "", err
		}
		if k := f.kindOf(e.Arg, e.Low, e.High); k != KindNumber && k != KindInteger && k != KindDate {
			return "", cql2.Errorf(e, "BETWEEN compares numbers or dates, not a %s", k)
		}
		return "(" + ops[0] + " BETWEEN " + ops[1] + " AND " + ops[2] + ")", nil
	case *cql2.In:
		ops, err := f.operands(append([]cql2.Expr{e.Arg}, e.List...)...)
		if err != nil {
			return "", err
		}
		return "(" + ops[0] + " IN (" + strings.Join(ops[1:], ", ") + "))", nil
	case *cql2.IsNull:
		return f.isNull(e)
	case *cql2.Func:
		switch e.Name {
		case "s_intersects":
			return f.sIntersects(e)
		case "t_intersects":
			return f.tIntersects(e)
		}
		return "", cql2.Errorf(e, "the function %s is not supported (S_INTERSECTS and T_INTERSECTS are)", strings.ToUpper(e.Name))
	}
	return "", cql2.Errorf(e, "expected a predicate (a comparison, LIKE, BETWEEN, IN, IS NULL, S_INTERSECTS, T_INTERSECTS, TRUE or FALSE)")
}

// property returns the queryable property a node names; a confidential one the reader may
// not see is answered as one that does not exist, which tells nothing of it.
func (f *filterSQL) property(p *cql2.Property) (*property, error) {
	switch p.Name {
	case FilterGeometry:
		return nil, cql2.Errorf(p, "the geometry is only compared with S_INTERSECTS or IS NULL")
	case FilterDatetime:
		if f.c.during != nil {
			return nil, cql2.Errorf(p, "datetime is only compared with T_INTERSECTS")
		}
	}
	prop := f.c.queryable(p.Name, f.q.Reader)
	if prop == nil {
		return nil, cql2.Errorf(p, "%q is not a queryable property of this collection", p.Name)
	}
	return prop, nil
}

// kindOf is the kind of the first property among nodes, or of the first literal.
func (f *filterSQL) kindOf(nodes ...cql2.Expr) Kind {
	for _, n := range nodes {
		if p, ok := n.(*cql2.Property); ok {
			if prop := f.c.queryable(p.Name, f.q.Reader); prop != nil {
				return prop.kind
			}
		}
	}
	for _, n := range nodes {
		if k := literalKind(n); k != "" {
			return k
		}
	}
	return ""
}

// literalKind is the kind of a scalar literal; "" for anything else.
func literalKind(n cql2.Expr) Kind {
	switch n.(type) {
	case *cql2.String:
		return KindString
	case *cql2.Number:
		return KindNumber
	case *cql2.Bool:
		return KindBoolean
	case *cql2.Date:
		return KindDate
	}
	return ""
}

// operands translates the scalar operands of one predicate, which must be of one kind:
// that of the properties among them (each literal is read as a value of it), or else of
// their literals.
func (f *filterSQL) operands(nodes ...cql2.Expr) ([]string, error) {
	var kind Kind
	var named string // the property that set kind
	for _, n := range nodes {
		if p, ok := n.(*cql2.Property); ok {
			prop, err := f.property(p)
			if err != nil {
				return nil, err
			}
			if kind != "" && !comparable(kind, prop.kind) {
				return nil, cql2.Errorf(p, "%s is a %s and %s a %s: they cannot be compared", named, kind, prop.name, prop.kind)
			}
			if kind == "" {
				kind, named = prop.kind, prop.name
			}
		}
	}
	out := make([]string, len(nodes))
	for i, n := range nodes {
		if p, ok := n.(*cql2.Property); ok {
			prop, _ := f.property(p)
			out[i] = prop.column
			continue
		}
		if kind == "" { // literals only: the first one's kind
			kind = literalKind(n)
		}
		sql, err := f.literal(n, kind, named)
		if err != nil {
			return nil, err
		}
		out[i] = sql
	}
	return out, nil
}

func comparable(a, b Kind) bool {
	num := func(k Kind) bool { return k == KindNumber || k == KindInteger }
	return a == b || num(a) && num(b)
}

// literal adds a literal as a parameter of kind: the kind of the property it is compared
// with (named), or its own. Booleans may be 1 and 0 and days plain strings, as GDAL writes
// them.
func (f *filterSQL) literal(n cql2.Expr, kind Kind, named string) (string, error) {
	if fn, ok := n.(*cql2.Func); ok {
		return "", cql2.Errorf(n, "the function %s is not supported here", strings.ToUpper(fn.Name))
	}
	wrong := func(want string) error {
		if named == "" {
			return cql2.Errorf(n, "expected %s here", want)
		}
		return cql2.Errorf(n, "%s is a %s: compare it with %s", named, kind, want)
	}
	switch kind {
	case KindString:
		if s, ok := n.(*cql2.String); ok {
			return f.a.add(s.Value) + "::text", nil
		}
		return "", wrong("a string such as 'text'")
	case KindNumber, KindInteger:
		if x, ok := n.(*cql2.Number); ok {
			return f.a.add(x.Value) + "::numeric", nil
		}
		return "", wrong("a number")
	case KindBoolean:
		switch x := n.(type) {
		case *cql2.Bool:
			return f.a.add(x.Value) + "::boolean", nil
		case *cql2.Number:
			if x.Value == 0 || x.Value == 1 {
				return f.a.add(x.Value == 1) + "::boolean", nil
			}
		}
		return "", wrong("TRUE or FALSE")
	case KindDate:
		switch x := n.(type) {
		case *cql2.Date:
			return f.a.add(x.Value.Format(time.DateOnly)) + "::date", nil
		case *cql2.String:
			if d, err := site.ParseDay(x.Value); err == nil {
				return f.a.add(d.Format(time.DateOnly)) + "::date", nil
			}
		}
		return "", wrong("a date such as DATE('2024-01-31')")
	}
	return "", cql2.Errorf(n, "expected a string, a number, a boolean or a date here")
}

// isNull translates IS NULL: of a queryable property, of the geometry, or of datetime,
// which every feature of a temporal collection has.
func (f *filterSQL) isNull(e *cql2.IsNull) (string, error) {
	p, ok := e.Arg.(*cql2.Property)
	if !ok {
		return "", cql2.Errorf(e.Arg, "IS NULL tests a property")
	}
	switch {
	case p.Name == FilterGeometry:
		return "(" + f.c.nullGeom + ")", nil
	case p.Name == FilterDatetime && f.c.during != nil:
		return "false", nil
	}
	prop, err := f.property(p)
	if err != nil {
		return "", err
	}
	return "(" + prop.column + " IS NULL)", nil
}

// sIntersects translates S_INTERSECTS of the geometry and a geometry literal, on the
// stored geometry's index: the literal is brought to Lambert-93, never the column.
func (f *filterSQL) sIntersects(e *cql2.Func) (string, error) {
	if len(e.Args) != 2 {
		return "", cql2.Errorf(e, "S_INTERSECTS takes 2 arguments")
	}
	var lit cql2.Expr
	props := 0
	for _, arg := range e.Args {
		if p, ok := arg.(*cql2.Property); ok {
			if p.Name != FilterGeometry {
				return "", cql2.Errorf(p, "S_INTERSECTS compares the geometry, not %q", p.Name)
			}
			props++
		} else {
			lit = arg
		}
	}
	if props != 1 {
		return "", cql2.Errorf(e, "S_INTERSECTS compares the property geometry with a geometry literal")
	}
	env, err := f.geometry(lit)
	if err != nil {
		return "", err
	}
	if env == "" {
		return "false", nil // the literal lies where no feature can be
	}
	return "(" + f.c.bbox(env) + ")", nil
}

// geometry adds a geometry literal as a parameter and returns its SQL in Lambert-93, or
// "" when it cannot meet any feature.
func (f *filterSQL) geometry(n cql2.Expr) (string, error) {
	crs := f.crs
	switch g := n.(type) {
	case *cql2.BBox:
		v := g.Value
		if len(v) == 6 { // heights aside
			v = []float64{v[0], v[1], v[3], v[4]}
		}
		b := BBox{MinX: v[0], MinY: v[1], MaxX: v[2], MaxY: v[3], SRID: crs.SRID}
		if crs.LatFirst {
			b = BBox{MinX: v[1], MinY: v[0], MaxX: v[3], MaxY: v[2], SRID: crs.SRID}
		}
		if b.MinX > b.MaxX || b.MinY > b.MaxY {
			return "", cql2.Errorf(n, "the lower corner of a BBOX comes first, then the upper corner (axis order of %s)", crs.URI)
		}
		if err := checkCoordinates(n, crs, orb.MultiPoint{{b.MinX, b.MinY}, {b.MaxX, b.MaxY}}); err != nil {
			return "", err
		}
		return b.envelope(f.a)
	case *cql2.Geometry:
		geometry := g.Value
		if crs.LatFirst {
			geometry = flipped(geometry)
		}
		if err := checkCoordinates(n, crs, geometry); err != nil {
			return "", err
		}
		wkb, err := geometryEWKB(geometry, crs.SRID)
		if err != nil {
			return "", err
		}
		lit := "ST_MakeValid(ST_GeomFromEWKB(" + f.a.add(wkb) + "::bytea))"
		if crs.SRID == site.SRIDLambert93 {
			return lit, nil
		}
		// As for bbox: clipped to where Lambert-93 means something, then densified so that
		// its edges stay the straight lines of longitude and latitude it names.
		d := geographicDomain
		bound := geometry.Bound()
		step := math.Max(bound.Max[0]-bound.Min[0], bound.Max[1]-bound.Min[1]) / 16
		if step <= 0 {
			step = 1
		}
		return "ST_Transform(ST_Segmentize(ST_Intersection(" + lit + ", ST_MakeEnvelope(" +
			strconv.FormatFloat(d.MinX, 'f', -1, 64) + ", " + strconv.FormatFloat(d.MinY, 'f', -1, 64) + ", " +
			strconv.FormatFloat(d.MaxX, 'f', -1, 64) + ", " + strconv.FormatFloat(d.MaxY, 'f', -1, 64) + ", 4326)), " +
			f.a.add(step) + "::float8), 2154)", nil
	case *cql2.Property:
		return "", cql2.Errorf(n, "S_INTERSECTS compares the geometry with a literal, not with a property")
	}
	return "", cql2.Errorf(n, "expected a geometry literal (POINT, POLYGON… or BBOX)")
}

// checkCoordinates refuses longitudes and latitudes out of range.
func checkCoordinates(n cql2.Expr, crs site.CRS, g orb.Geometry) error {
	if crs.SRID != site.SRIDWGS84 {
		return nil
	}
	b := g.Bound()
	if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
		order := "longitude, latitude"
		if crs.LatFirst {
			order = "latitude, longitude"
		}
		return cql2.Errorf(n, "coordinates outside longitudes -180…180 and latitudes -90…90 (%s: %s)", crs.URI, order)
	}
	return nil
}

// flipped returns g with the axes of every point swapped: latitude first becomes x, y.
func flipped(g orb.Geometry) orb.Geometry {
	points := func(ps []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ps))
		for i, p := range ps {
			out[i] = orb.Point{p[1], p[0]}
		}
		return out
	}
	polygon := func(p orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, len(p))
		for i, r := range p {
			out[i] = points(r)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{g[1], g[0]}
	case orb.MultiPoint:
		return orb.MultiPoint(points(g))
	case orb.LineString:
		return orb.LineString(points(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, ls := range g {
			out[i] = points(ls)
		}
		return out
	case orb.Polygon:
		return polygon(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = polygon(p)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, m := range g {
			out[i] = flipped(m)
		}
		return out
	}
	return g
}

// tIntersects translates T_INTERSECTS of a temporal property (datetime, or a date
// property as an instant) and a date, a timestamp (its day) or an interval of them.
func (f *filterSQL) tIntersects(e *cql2.Func) (string, error) {
	if len(e.Args) != 2 {
		return "", cql2.Errorf(e, "T_INTERSECTS takes 2 arguments")
	}
	prop, ok := e.Args[0].(*cql2.Property)
	lit := e.Args[1]
	if !ok {
		prop, ok = e.Args[1].(*cql2.Property)
		lit = e.Args[0]
	}
	if !ok {
		return "", cql2.Errorf(e, "T_INTERSECTS compares a temporal property (datetime) with a date, a timestamp or an interval")
	}
	if _, twice := lit.(*cql2.Property); twice {
		return "", cql2.Errorf(lit, "T_INTERSECTS compares a property with a literal, not with a property")
	}
	from, to, err := f.span(lit)
	if err != nil {
		return "", err
	}
	span := "daterange(" + f.a.add(from) + "::date, " + f.a.add(to) + "::date, '[]')"
	if prop.Name == FilterDatetime && f.c.during != nil {
		return "(" + f.c.during(span) + ")", nil
	}
	p, err := f.property(prop)
	if err != nil {
		if prop.Name == FilterDatetime {
			return "", cql2.Errorf(prop, "the features of this collection have no time")
		}
		return "", err
	}
	if p.kind != KindDate {
		return "", cql2.Errorf(prop, "%s is not a date: T_INTERSECTS compares datetime or a date property", p.name)
	}
	return "(" + span + " @> " + p.column + ")", nil
}

// span reads a temporal literal as days, both included; nil for an open end.
func (f *filterSQL) span(n cql2.Expr) (from, to any, err error) {
	day := func(e cql2.Expr) (any, error) {
		switch e := e.(type) {
		case *cql2.Date:
			return e.Value.Format(time.DateOnly), nil
		case *cql2.Timestamp: // the day it names, in its own offset, as datetime reads it
			return e.Value.Format(time.DateOnly), nil
		case *cql2.Open:
			return nil, nil
		}
		return nil, cql2.Errorf(e, "expected a date, a timestamp or an interval")
	}
	if iv, ok := n.(*cql2.Interval); ok {
		if from, err = day(iv.Start); err != nil {
			return nil, nil, err
		}
		if to, err = day(iv.End); err != nil {
			return nil, nil, err
		}
		if from != nil && to != nil && from.(string) > to.(string) {
			return nil, nil, cql2.Errorf(n, "the interval ends before it starts")
		}
		return from, to, nil
	}
	if _, ok := n.(*cql2.Open); ok {
		return nil, nil, cql2.Errorf(n, "expected a date, a timestamp or an interval")
	}
	from, err = day(n)
	return from, from, err
}
