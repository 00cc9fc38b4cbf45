// Package cql2 reads filters in OGC's Common Query Language (CQL2, OGC 21-065r2), in its
// text and JSON encodings, into one syntax tree. It knows the language, not the data: which
// properties exist, their types and how a filter becomes SQL are the store's business.
//
// It reads the parts of CQL2 the service offers: comparisons, LIKE, BETWEEN, IN, IS NULL,
// AND, OR and NOT, boolean, string, number, DATE, TIMESTAMP and INTERVAL literals, every
// geometry literal of Simple Features (WKT in text, GeoJSON in JSON) and BBOX, and calls of
// functions by name (S_INTERSECTS, T_INTERSECTS…), which the store accepts or refuses.
// Arithmetic, arrays and CASEI/ACCENTI are refused where they appear.
package cql2

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"
)

// Limits on a filter, so that a request cannot make the server parse or plan without end.
const (
	MaxLength   = 8 << 10 // bytes of filter text (either encoding)
	MaxDepth    = 32      // nested expressions: parentheses, NOT, function arguments
	MaxVertices = 1000    // points in all the geometry literals of a filter
)

// Expr is a node of a filter: a predicate or one of its operands.
type Expr interface {
	// Pos is where the node starts in the filter: the 1-based count of characters.
	Pos() int
}

// At is the position of a node; every node embeds it.
type At int

// Pos returns the position.
func (a At) Pos() int { return int(a) }

// Bool is TRUE or FALSE: a whole predicate, or an operand.
type Bool struct {
	At
	Value bool
}

// Logic is AND or OR of two or more predicates.
type Logic struct {
	At
	Op   string // "and" or "or"
	Args []Expr
}

// Not negates a predicate.
type Not struct {
	At
	Arg Expr
}

// Compare is a binary comparison.
type Compare struct {
	At
	Op          string // =, <>, <, <=, > or >=
	Left, Right Expr
}

// Like is Arg LIKE Pattern, with the wildcards % and _ and the escape \.
type Like struct {
	At
	Arg, Pattern Expr
}

// Between is Arg BETWEEN Low AND High, both ends included.
type Between struct {
	At
	Arg, Low, High Expr
}

// In is Arg IN (List...).
type In struct {
	At
	Arg  Expr
	List []Expr
}

// IsNull is Arg IS NULL.
type IsNull struct {
	At
	Arg Expr
}

// Func is a call of a function, such as S_INTERSECTS; Name is in lower case.
type Func struct {
	At
	Name string
	Args []Expr
}

// Property names a property of the features (a queryable).
type Property struct {
	At
	Name string
}

// String is a character literal.
type String struct {
	At
	Value string
}

// Number is a numeric literal.
type Number struct {
	At
	Value float64
}

// Date is a DATE('YYYY-MM-DD') literal, or an instant of an interval given as a day.
type Date struct {
	At
	Value time.Time // midnight UTC of the day
}

// Timestamp is a TIMESTAMP('…') literal (RFC 3339), or an instant of an interval given so.
type Timestamp struct {
	At
	Value time.Time
}

// Interval is INTERVAL(Start, End); each end is a Date, a Timestamp or Open.
type Interval struct {
	At
	Start, End Expr
}

// Open is the open end ".." of an interval.
type Open struct{ At }

// Geometry is a geometry literal, its coordinates as written: their axis order and CRS
// are those of the request (filter-crs).
type Geometry struct {
	At
	Value orb.Geometry
}

// BBox is a BBOX literal: four numbers (lower corner, upper corner), or six with heights.
type BBox struct {
	At
	Value []float64
}

// Error is a filter that cannot be read, with where the trouble starts.
type Error struct {
	Pos int // 1-based count of characters
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("at %d: %s", e.Pos, e.Msg) }

// Errorf builds an *Error at the position of n, for the checks made after parsing.
func Errorf(n Expr, format string, args ...any) error {
	return &Error{Pos: n.Pos(), Msg: fmt.Sprintf(format, args...)}
}
