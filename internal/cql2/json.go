package cql2

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// The JSON encoding (cql2-json). encoding/json's tokenizer reads the document into a tree
// of values that remember where they start; the tree then becomes the syntax tree.

// jsonValue is a JSON value with its position.
type jsonValue struct {
	pos  int
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' boolean, 'z' null
	str  string
	num  json.Number
	b    bool
	keys []string // object members, in order
	vals []*jsonValue
}

func (v *jsonValue) member(key string) *jsonValue {
	if i := slices.Index(v.keys, key); i >= 0 {
		return v.vals[i]
	}
	return nil
}

func (v *jsonValue) describe() string {
	switch v.kind {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

// jsonReader reads values with a json.Decoder and turns its byte offsets into character
// positions.
type jsonReader struct {
	src            string
	dec            *json.Decoder
	lastOff, chars int // the character position of byte lastOff, counted once
	depth          int
}

// position returns the character position of the next token.
func (r *jsonReader) position() int {
	off := int(r.dec.InputOffset())
	// The offset is the end of the previous token: skip blanks and separators.
	for off < len(r.src) && strings.IndexByte(" \t\r\n,:", r.src[off]) >= 0 {
		off++
	}
	if off < r.lastOff {
		return r.chars
	}
	r.chars += utf8.RuneCountInString(r.src[r.lastOff:off])
	r.lastOff = off
	return r.chars
}

func (r *jsonReader) value() (*jsonValue, error) {
	pos := r.position()
	tok, err := r.dec.Token()
	if err != nil {
		return nil, r.syntaxError(pos, err)
	}
	v := &jsonValue{pos: pos}
	switch tok := tok.(type) {
	case json.Delim:
		if tok == '}' || tok == ']' {
			return nil, &Error{Pos: pos, Msg: "expected a value, found " + string(tok)}
		}
		r.depth++
		if r.depth > 2*MaxDepth+8 { // an operator is two levels (object, args); coordinates nest up to 5
			return nil, &Error{Pos: pos, Msg: "the filter nests too deep"}
		}
		defer func() { r.depth-- }()
		if tok == '[' {
			v.kind = 'a'
			for r.dec.More() {
				e, err := r.value()
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, e)
			}
		} else {
			v.kind = 'o'
			for r.dec.More() {
				kpos := r.position()
				k, err := r.dec.Token()
				if err != nil {
					return nil, r.syntaxError(kpos, err)
				}
				key := k.(string) // the decoder allows only strings here
				if slices.Contains(v.keys, key) {
					return nil, &Error{Pos: kpos, Msg: "the member " + strconv.Quote(key) + " is given twice"}
				}
				e, err := r.value()
				if err != nil {
					return nil, err
				}
				v.keys, v.vals = append(v.keys, key), append(v.vals, e)
			}
		}
		end := r.position()
		if _, err := r.dec.Token(); err != nil { // the closing delimiter
			return nil, r.syntaxError(end, err)
		}
	case string:
		v.kind, v.str = 's', tok
	case json.Number:
		v.kind, v.num = 'n', tok
	case bool:
		v.kind, v.b = 'b', tok
	case nil:
		v.kind = 'z'
	}
	return v, nil
}

func (r *jsonReader) syntaxError(pos int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Pos: r.chars + utf8.RuneCountInString(r.src[r.lastOff:]), Msg: "the JSON ends too soon"}
	}
	msg := err.Error()
	if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
		msg = strings.TrimPrefix(se.Error(), "json: ")
		if n := int(se.Offset); n > 0 && n <= len(r.src) && utf8.ValidString(r.src[:n]) {
			pos = utf8.RuneCountInString(r.src[:n])
		}
	}
	return &Error{Pos: pos, Msg: "not JSON: " + msg}
}

// ParseJSON reads a filter in the JSON encoding (cql2-json).
func ParseJSON(src string) (Expr, error) {
	if len(src) > MaxLength {
		return nil, &Error{Pos: 1, Msg: "the filter is longer than 8 KB"}
	}
	if !utf8.ValidString(src) {
		return nil, &Error{Pos: 1, Msg: "the filter is not valid UTF-8"}
	}
	r := &jsonReader{src: src, dec: json.NewDecoder(strings.NewReader(src)), chars: 1}
	r.dec.UseNumber()
	v, err := r.value()
	if err != nil {
		return nil, err
	}
	pos := r.position()
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &Error{Pos: pos, Msg: "expected the end of the filter after its JSON value"}
	}
	b := &jsonBuilder{}
	return b.expr(v)
}

type jsonBuilder struct {
	depth, vertices int
}

// expr turns a JSON value into a node.
func (b *jsonBuilder) expr(v *jsonValue) (Expr, error) {
	at := At(v.pos)
	switch v.kind {
	case 'b':
		return &Bool{At: at, Value: v.b}, nil
	case 's':
		return &String{At: at, Value: v.str}, nil
	case 'n':
		f, err := strconv.ParseFloat(string(v.num), 64)
		if err != nil {
			return nil, &Error{Pos: v.pos, Msg: "the number " + string(v.num) + " is out of range"}
		}
		return &Number{At: at, Value: f}, nil
	case 'z':
		return nil, &Error{Pos: v.pos, Msg: `null is not a value (test it with {"op": "isNull", "args": [...]})`}
	case 'a':
		return nil, &Error{Pos: v.pos, Msg: "an array is only the list of \"in\""}
	}
	only := func(key string) error {
		if len(v.keys) != 1 {
			return &Error{Pos: v.pos, Msg: "an object with " + strconv.Quote(key) + " has no other member"}
		}
		return nil
	}
	switch {
	case v.member("op") != nil:
		return b.op(v)
	case v.member("property") != nil:
		p := v.member("property")
		if p.kind != 's' || p.str == "" {
			return nil, &Error{Pos: p.pos, Msg: "a property is named by a string"}
		}
		return &Property{At: at, Name: p.str}, only("property")
	case v.member("date") != nil, v.member("timestamp") != nil:
		key := "date"
		if v.member("date") == nil {
			key = "timestamp"
		}
		s := v.member(key)
		if s.kind != 's' {
			return nil, &Error{Pos: s.pos, Msg: "a " + key + " is a string"}
		}
		if err := only(key); err != nil {
			return nil, err
		}
		return instant(s.str, s.pos, key == "date", key == "timestamp")
	case v.member("interval") != nil:
		a := v.member("interval")
		if a.kind != 'a' || len(a.vals) != 2 {
			return nil, &Error{Pos: a.pos, Msg: "an interval is an array of its 2 ends"}
		}
		var ends [2]Expr
		for i, e := range a.vals {
			switch {
			case e.kind == 's' && e.str == "..":
				ends[i] = &Open{At: At(e.pos)}
			case e.kind == 's':
				d, err := instant(e.str, e.pos, true, true)
				if err != nil {
					return nil, err
				}
				ends[i] = d
			default:
				return nil, &Error{Pos: e.pos, Msg: "an end of an interval is a date, a timestamp or \"..\""}
			}
		}
		return &Interval{At: at, Start: ends[0], End: ends[1]}, only("interval")
	case v.member("bbox") != nil:
		a := v.member("bbox")
		nums, err := numbers(a)
		if err != nil {
			return nil, err
		}
		if len(nums) != 4 && len(nums) != 6 {
			return nil, &Error{Pos: a.pos, Msg: "a bbox has 4 numbers (or 6 with heights)"}
		}
		return &BBox{At: at, Value: nums}, only("bbox")
	case v.member("type") != nil:
		g, err := b.geometry(v)
		if err != nil {
			return nil, err
		}
		if err := checkGeometry(g, v.pos, &b.vertices); err != nil {
			return nil, err
		}
		return &Geometry{At: at, Value: g}, nil
	}
	return nil, &Error{Pos: v.pos, Msg: `expected an expression ({"op": …}), a property ({"property": …}) or a literal, found ` + v.describe() + " with members " + strings.Join(v.keys, ", ")}
}

// arity is how many arguments each operator takes (-2: two or more).
var arity = map[string]int{"and": -2, "or": -2, "not": 1, "=": 2, "<>": 2, "<": 2, "<=": 2, ">": 2, ">=": 2,
	"like": 2, "between": 3, "in": 2, "isnull": 1}

func (b *jsonBuilder) op(v *jsonValue) (Expr, error) {
	at := At(v.pos)
	o, args := v.member("op"), v.member("args")
	if o.kind != 's' {
		return nil, &Error{Pos: o.pos, Msg: "an op is a string"}
	}
	if args == nil || args.kind != 'a' {
		return nil, &Error{Pos: v.pos, Msg: "an op has its arguments in an array, args"}
	}
	if len(v.keys) != 2 {
		return nil, &Error{Pos: v.pos, Msg: "an op has no member but op and args"}
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > MaxDepth {
		return nil, &Error{Pos: v.pos, Msg: "the filter nests more than 32 levels deep"}
	}
	name := strings.ToLower(o.str)
	n, known := arity[name]
	switch {
	case known && n == -2 && len(args.vals) < 2:
		return nil, &Error{Pos: args.pos, Msg: strconv.Quote(o.str) + " takes 2 arguments or more"}
	case known && n >= 0 && len(args.vals) != n:
		return nil, &Error{Pos: args.pos, Msg: strconv.Quote(o.str) + " takes " + strconv.Itoa(n) + " argument(s)"}
	}
	var list []Expr
	if name == "in" {
		l := args.vals[1]
		if l.kind != 'a' || len(l.vals) == 0 {
			return nil, &Error{Pos: l.pos, Msg: "the second argument of \"in\" is a non-empty array"}
		}
		for _, e := range l.vals {
			x, err := b.expr(e)
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		args = &jsonValue{vals: args.vals[:1]}
	}
	xs := make([]Expr, len(args.vals))
	for i, e := range args.vals {
		x, err := b.expr(e)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	switch name {
	case "and", "or":
		return &Logic{At: at, Op: name, Args: xs}, nil
	case "not":
		return &Not{At: at, Arg: xs[0]}, nil
	case "=", "<>", "<", "<=", ">", ">=":
		return &Compare{At: at, Op: name, Left: xs[0], Right: xs[1]}, nil
	case "like":
		return &Like{At: at, Arg: xs[0], Pattern: xs[1]}, nil
	case "between":
		return &Between{At: at, Arg: xs[0], Low: xs[1], High: xs[2]}, nil
	case "in":
		return &In{At: at, Arg: xs[0], List: list}, nil
	case "isnull":
		return &IsNull{At: at, Arg: xs[0]}, nil
	}
	return &Func{At: at, Name: name, Args: xs}, nil
}

// geometry reads a GeoJSON geometry.
func (b *jsonBuilder) geometry(v *jsonValue) (orb.Geometry, error) {
	t := v.member("type")
	if t.kind != 's' {
		return nil, &Error{Pos: t.pos, Msg: "a geometry's type is a string"}
	}
	if t.str == "GeometryCollection" {
		gs := v.member("geometries")
		if gs == nil || gs.kind != 'a' {
			return nil, &Error{Pos: v.pos, Msg: "a GeometryCollection has an array of geometries"}
		}
		b.depth++
		defer func() { b.depth-- }()
		if b.depth > MaxDepth {
			return nil, &Error{Pos: v.pos, Msg: "the filter nests more than 32 levels deep"}
		}
		var c orb.Collection
		for _, e := range gs.vals {
			if e.kind != 'o' || e.member("type") == nil {
				return nil, &Error{Pos: e.pos, Msg: "expected a geometry"}
			}
			g, err := b.geometry(e)
			if err != nil {
				return nil, err
			}
			c = append(c, g)
		}
		return c, nil
	}
	c := v.member("coordinates")
	if c == nil {
		return nil, &Error{Pos: v.pos, Msg: "a geometry has coordinates"}
	}
	switch t.str {
	case "Point":
		return point(c)
	case "LineString":
		return lineString(c)
	case "Polygon":
		return polygon(c)
	case "MultiPoint":
		var mp orb.MultiPoint
		err := each(c, func(e *jsonValue) error {
			p, err := point(e)
			mp = append(mp, p)
			return err
		})
		return mp, err
	case "MultiLineString":
		var ml orb.MultiLineString
		err := each(c, func(e *jsonValue) error {
			ls, err := lineString(e)
			ml = append(ml, ls)
			return err
		})
		return ml, err
	case "MultiPolygon":
		var mp orb.MultiPolygon
		err := each(c, func(e *jsonValue) error {
			pg, err := polygon(e)
			mp = append(mp, pg)
			return err
		})
		return mp, err
	}
	return nil, &Error{Pos: t.pos, Msg: strconv.Quote(t.str) + " is not a GeoJSON geometry type"}
}

func each(v *jsonValue, fn func(*jsonValue) error) error {
	if v.kind != 'a' {
		return &Error{Pos: v.pos, Msg: "expected an array of coordinates, found " + v.describe()}
	}
	for _, e := range v.vals {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func numbers(v *jsonValue) ([]float64, error) {
	var out []float64
	err := each(v, func(e *jsonValue) error {
		if e.kind != 'n' {
			return &Error{Pos: e.pos, Msg: "expected a number, found " + e.describe()}
		}
		f, err := strconv.ParseFloat(string(e.num), 64)
		if err != nil {
			return &Error{Pos: e.pos, Msg: "the number " + string(e.num) + " is out of range"}
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

func point(v *jsonValue) (orb.Point, error) {
	n, err := numbers(v)
	if err != nil {
		return orb.Point{}, err
	}
	switch len(n) {
	case 2:
		return orb.Point{n[0], n[1]}, nil
	case 3:
		return orb.Point{}, &Error{Pos: v.pos, Msg: "only 2D coordinates are supported"}
	}
	return orb.Point{}, &Error{Pos: v.pos, Msg: "a position has 2 numbers"}
}

func lineString(v *jsonValue) (orb.LineString, error) {
	var ls orb.LineString
	err := each(v, func(e *jsonValue) error {
		p, err := point(e)
		ls = append(ls, p)
		return err
	})
	return ls, err
}

func polygon(v *jsonValue) (orb.Polygon, error) {
	var pg orb.Polygon
	err := each(v, func(e *jsonValue) error {
		ls, err := lineString(e)
		pg = append(pg, orb.Ring(ls))
		return err
	})
	return pg, err
}
