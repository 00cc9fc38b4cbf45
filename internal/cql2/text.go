package cql2

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// The text encoding (cql2-text): a recursive-descent parser over the tokens of a lexer.
// Keywords are case-insensitive; a property whose name is a keyword is written in double
// quotes.

type tokenKind int

const (
	tEOF    tokenKind = iota
	tIdent            // a name or a keyword
	tQuoted           // a "double-quoted" name
	tString           // a 'character literal'
	tNumber
	tOp // = <> < <= > >=
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokenKind
	text string // the name, the string's value, the number or the operator as written
	pos  int    // 1-based character position
}

// describe names a token in an error.
func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end of the filter"
	case tString:
		return strconv.Quote(t.text)
	case tQuoted:
		return `"` + t.text + `"`
	case tLParen:
		return "'('"
	case tRParen:
		return "')'"
	case tComma:
		return "','"
	}
	return strconv.Quote(t.text)
}

// lex splits src into tokens, each with its character position.
func lex(src string) ([]token, error) {
	var toks []token
	pos := 1 // character position of src[i]
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		start, startPos := i, pos
		advance := func(n int) { // n bytes of ASCII
			i += n
			pos += n
		}
		switch {
		case r == utf8.RuneError && size == 1:
			return nil, &Error{Pos: pos, Msg: "the filter is not valid UTF-8"}
		case unicode.IsSpace(r):
			i += size
			pos++
			continue
		case r == '(':
			advance(1)
			toks = append(toks, token{tLParen, "(", startPos})
		case r == ')':
			advance(1)
			toks = append(toks, token{tRParen, ")", startPos})
		case r == ',':
			advance(1)
			toks = append(toks, token{tComma, ",", startPos})
		case r == '=':
			advance(1)
			toks = append(toks, token{tOp, "=", startPos})
		case r == '<' || r == '>':
			advance(1)
			if i < len(src) && (src[i] == '=' || r == '<' && src[i] == '>') {
				advance(1)
			}
			toks = append(toks, token{tOp, src[start:i], startPos})
		case r == '\'':
			var b strings.Builder
			advance(1)
			for {
				if i >= len(src) {
					return nil, &Error{Pos: startPos, Msg: "this string has no closing quote"}
				}
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' { // '' is a quote
						b.WriteByte('\'')
						advance(2)
						continue
					}
					advance(1)
					break
				}
				if src[i] == '\\' && i+1 < len(src) && src[i+1] == '\'' { // so is \'
					b.WriteByte('\'')
					advance(2)
					continue
				}
				c, n := utf8.DecodeRuneInString(src[i:])
				if c == utf8.RuneError && n == 1 {
					return nil, &Error{Pos: pos, Msg: "the filter is not valid UTF-8"}
				}
				b.WriteString(src[i : i+n])
				i += n
				pos++
			}
			toks = append(toks, token{tString, b.String(), startPos})
		case r == '"':
			advance(1)
			end := strings.IndexByte(src[i:], '"')
			if end < 0 {
				return nil, &Error{Pos: startPos, Msg: "this name has no closing double quote"}
			}
			name := src[i : i+end]
			if name == "" {
				return nil, &Error{Pos: startPos, Msg: "a property name is empty"}
			}
			i += end + 1
			pos += utf8.RuneCountInString(name) + 1
			toks = append(toks, token{tQuoted, name, startPos})
		case r >= '0' && r <= '9' || r == '.' || (r == '-' || r == '+') && i+1 < len(src) && (isDigit(src[i+1]) || src[i+1] == '.'):
			if r == '-' || r == '+' {
				advance(1)
			}
			digits := 0
			for i < len(src) && isDigit(src[i]) {
				advance(1)
				digits++
			}
			if i < len(src) && src[i] == '.' {
				advance(1)
				for i < len(src) && isDigit(src[i]) {
					advance(1)
					digits++
				}
			}
			if digits == 0 {
				return nil, &Error{Pos: startPos, Msg: "expected a number"}
			}
			if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
				advance(1)
				if i < len(src) && (src[i] == '-' || src[i] == '+') {
					advance(1)
				}
				if i >= len(src) || !isDigit(src[i]) {
					return nil, &Error{Pos: startPos, Msg: "this number's exponent has no digits"}
				}
				for i < len(src) && isDigit(src[i]) {
					advance(1)
				}
			}
			toks = append(toks, token{tNumber, src[start:i], startPos})
		case unicode.IsLetter(r) || r == '_':
			for i < len(src) {
				c, n := utf8.DecodeRuneInString(src[i:])
				if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '.' || c == ':') {
					break
				}
				i += n
				pos++
			}
			toks = append(toks, token{tIdent, src[start:i], startPos})
		default:
			return nil, &Error{Pos: pos, Msg: "unexpected character " + strconv.QuoteRune(r)}
		}
	}
	return append(toks, token{tEOF, "", pos}), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// reserved are the keywords that cannot name a property without double quotes.
var reserved = map[string]bool{"AND": true, "OR": true, "NOT": true, "LIKE": true, "BETWEEN": true,
	"IN": true, "IS": true, "NULL": true, "TRUE": true, "FALSE": true}

// ParseText reads a filter in the text encoding (cql2-text).
func ParseText(src string) (Expr, error) {
	if len(src) > MaxLength {
		return nil, &Error{Pos: 1, Msg: "the filter is longer than 8 KB"}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &textParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, &Error{Pos: t.pos, Msg: "expected AND, OR or the end of the filter, found " + t.describe()}
	}
	return e, nil
}

type textParser struct {
	toks     []token
	i        int
	depth    int
	vertices int
}

func (p *textParser) peek() token { return p.toks[p.i] }

func (p *textParser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// keyword reports whether the next token is the keyword kw (in upper case), and takes it.
func (p *textParser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *textParser) expect(kind tokenKind, what string) (token, error) {
	t := p.next()
	if t.kind != kind {
		return t, &Error{Pos: t.pos, Msg: "expected " + what + ", found " + t.describe()}
	}
	return t, nil
}

// enter counts one more level of nesting.
func (p *textParser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{Pos: pos, Msg: "the filter nests more than 32 levels deep"}
	}
	return nil
}

func (p *textParser) or() (Expr, error) { return p.logic("OR", p.and) }

func (p *textParser) and() (Expr, error) { return p.logic("AND", p.not) }

// logic reads operands joined by the keyword op.
func (p *textParser) logic(op string, operand func() (Expr, error)) (Expr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	args := []Expr{first}
	for p.keyword(op) {
		e, err := operand()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &Logic{At: At(first.Pos()), Op: strings.ToLower(op), Args: args}, nil
}

func (p *textParser) not() (Expr, error) {
	t := p.peek()
	if p.keyword("NOT") {
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		arg, err := p.not()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &Not{At: At(t.pos), Arg: arg}, nil
	}
	return p.primary()
}

// primary reads a predicate or a parenthesised expression.
func (p *textParser) primary() (Expr, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		e, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return e, nil
	}
	left, err := p.scalar()
	if err != nil {
		return nil, err
	}
	at := At(left.Pos())
	op := p.peek()
	if op.kind == tOp {
		p.next()
		right, err := p.scalar()
		if err != nil {
			return nil, err
		}
		return &Compare{At: at, Op: op.text, Left: left, Right: right}, nil
	}
	negate := false
	if p.keyword("NOT") {
		negate = true
	}
	var e Expr
	switch {
	case p.keyword("LIKE"):
		pattern, err := p.scalar()
		if err != nil {
			return nil, err
		}
		e = &Like{At: at, Arg: left, Pattern: pattern}
	case p.keyword("BETWEEN"):
		low, err := p.scalar()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			t := p.peek()
			return nil, &Error{Pos: t.pos, Msg: "expected AND in BETWEEN, found " + t.describe()}
		}
		high, err := p.scalar()
		if err != nil {
			return nil, err
		}
		e = &Between{At: at, Arg: left, Low: low, High: high}
	case p.keyword("IN"):
		list, err := p.list()
		if err != nil {
			return nil, err
		}
		e = &In{At: at, Arg: left, List: list}
	case !negate && p.keyword("IS"):
		if p.keyword("NOT") {
			negate = true
		}
		if !p.keyword("NULL") {
			t := p.peek()
			return nil, &Error{Pos: t.pos, Msg: "expected NULL after IS, found " + t.describe()}
		}
		e = &IsNull{At: at, Arg: left}
	case negate:
		t := p.peek()
		return nil, &Error{Pos: t.pos, Msg: "expected LIKE, BETWEEN or IN after NOT, found " + t.describe()}
	default:
		switch left.(type) {
		case *Bool, *Func: // a predicate on its own
			return left, nil
		}
		t := p.peek()
		return nil, &Error{Pos: t.pos, Msg: "expected a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS NULL, found " + t.describe()}
	}
	if negate {
		return &Not{At: at, Arg: e}, nil
	}
	return e, nil
}

// list reads the parenthesised list of IN.
func (p *textParser) list() ([]Expr, error) {
	if _, err := p.expect(tLParen, "'(' after IN"); err != nil {
		return nil, err
	}
	var list []Expr
	for {
		e, err := p.scalar()
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		t := p.next()
		if t.kind == tRParen {
			return list, nil
		}
		if t.kind != tComma {
			return nil, &Error{Pos: t.pos, Msg: "expected ',' or ')' in the list of IN, found " + t.describe()}
		}
	}
}

// scalar reads an operand: a literal, a property or a function call.
func (p *textParser) scalar() (Expr, error) {
	t := p.next()
	at := At(t.pos)
	switch t.kind {
	case tString:
		return &String{At: at, Value: t.text}, nil
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, &Error{Pos: t.pos, Msg: "the number " + t.text + " is out of range"}
		}
		return &Number{At: at, Value: f}, nil
	case tQuoted:
		return &Property{At: at, Name: t.text}, nil
	case tIdent:
	default:
		return nil, &Error{Pos: t.pos, Msg: "expected a value, found " + t.describe()}
	}
	word := strings.ToUpper(t.text)
	switch word {
	case "TRUE", "FALSE":
		return &Bool{At: at, Value: word == "TRUE"}, nil
	case "DATE", "TIMESTAMP":
		if p.peek().kind != tLParen {
			break // a property named date
		}
		p.next()
		s, err := p.expect(tString, "a quoted "+strings.ToLower(word))
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return instant(s.text, s.pos, word == "DATE", word == "TIMESTAMP")
	case "INTERVAL":
		if p.peek().kind != tLParen {
			break
		}
		p.next()
		start, err := p.intervalEnd()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tComma, "',' between the ends of the interval"); err != nil {
			return nil, err
		}
		end, err := p.intervalEnd()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return &Interval{At: at, Start: start, End: end}, nil
	case "BBOX":
		if p.peek().kind != tLParen {
			break
		}
		return p.bbox(at)
	}
	if _, ok := wktTypes[word]; ok {
		g, err := p.wkt(t)
		if err != nil {
			return nil, err
		}
		if err := checkGeometry(g, t.pos, nil); err != nil { // point() counted the points
			return nil, err
		}
		return &Geometry{At: at, Value: g}, nil
	}
	if reserved[word] {
		return nil, &Error{Pos: t.pos, Msg: "expected a value, found " + word}
	}
	if p.peek().kind == tLParen { // a function call
		p.next()
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		var args []Expr
		if p.peek().kind == tRParen {
			p.next()
		} else {
			for {
				e, err := p.scalar()
				if err != nil {
					return nil, err
				}
				args = append(args, e)
				s := p.next()
				if s.kind == tRParen {
					break
				}
				if s.kind != tComma {
					return nil, &Error{Pos: s.pos, Msg: "expected ',' or ')' in the arguments of " + t.text + ", found " + s.describe()}
				}
			}
		}
		p.depth--
		return &Func{At: at, Name: strings.ToLower(t.text), Args: args}, nil
	}
	return &Property{At: at, Name: t.text}, nil
}

// intervalEnd reads an end of INTERVAL: a quoted instant or '..', or DATE(…)/TIMESTAMP(…).
func (p *textParser) intervalEnd() (Expr, error) {
	t := p.peek()
	if t.kind == tString {
		p.next()
		if t.text == ".." {
			return &Open{At: At(t.pos)}, nil
		}
		return instant(t.text, t.pos, true, true)
	}
	e, err := p.scalar()
	if err != nil {
		return nil, err
	}
	switch e.(type) {
	case *Date, *Timestamp:
		return e, nil
	}
	return nil, &Error{Pos: t.pos, Msg: "an end of an interval is a date, a timestamp or '..'"}
}

// instant reads a date (YYYY-MM-DD) or a timestamp (RFC 3339), as allowed.
func instant(s string, pos int, date, timestamp bool) (Expr, error) {
	if date {
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return &Date{At: At(pos), Value: d}, nil
		}
	}
	if timestamp {
		if ts, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err == nil {
			return &Timestamp{At: At(pos), Value: ts}, nil
		}
	}
	switch {
	case date && timestamp:
		return nil, &Error{Pos: pos, Msg: strconv.Quote(s) + " is not a date (YYYY-MM-DD), a timestamp (RFC 3339) or '..'"}
	case date:
		return nil, &Error{Pos: pos, Msg: strconv.Quote(s) + " is not a date (YYYY-MM-DD)"}
	}
	return nil, &Error{Pos: pos, Msg: strconv.Quote(s) + " is not a timestamp (RFC 3339, e.g. 2024-01-31T12:00:00Z)"}
}

// bbox reads BBOX(x1, y1, x2, y2) or its six-number form, after the keyword.
func (p *textParser) bbox(at At) (Expr, error) {
	p.next() // (
	var v []float64
	for {
		n, err := p.number()
		if err != nil {
			return nil, err
		}
		v = append(v, n)
		t := p.next()
		if t.kind == tRParen {
			break
		}
		if t.kind != tComma || len(v) == 6 {
			return nil, &Error{Pos: t.pos, Msg: "expected ',' or ')' in BBOX, found " + t.describe()}
		}
	}
	if len(v) != 4 && len(v) != 6 {
		return nil, &Error{Pos: int(at), Msg: "a BBOX has 4 numbers (or 6 with heights)"}
	}
	return &BBox{At: at, Value: v}, nil
}

func (p *textParser) number() (float64, error) {
	t := p.next()
	if t.kind != tNumber {
		return 0, &Error{Pos: t.pos, Msg: "expected a number, found " + t.describe()}
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil {
		return 0, &Error{Pos: t.pos, Msg: "the number " + t.text + " is out of range"}
	}
	return f, nil
}

// wktTypes are the geometry keywords of well-known text.
var wktTypes = map[string]struct{}{"POINT": {}, "LINESTRING": {}, "POLYGON": {}, "MULTIPOINT": {},
	"MULTILINESTRING": {}, "MULTIPOLYGON": {}, "GEOMETRYCOLLECTION": {}}

// wkt reads the geometry whose keyword is kw, already taken.
func (p *textParser) wkt(kw token) (orb.Geometry, error) {
	if t := p.peek(); t.kind == tIdent {
		switch strings.ToUpper(t.text) {
		case "Z", "M", "ZM":
			return nil, &Error{Pos: t.pos, Msg: "only 2D coordinates are supported"}
		case "EMPTY":
			return nil, &Error{Pos: t.pos, Msg: "empty geometries are not supported"}
		}
	}
	if err := p.enter(kw.pos); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	switch strings.ToUpper(kw.text) {
	case "POINT":
		if _, err := p.expect(tLParen, "'('"); err != nil {
			return nil, err
		}
		pt, err := p.point()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(tRParen, "')'")
		return pt, err
	case "LINESTRING":
		return p.lineString()
	case "POLYGON":
		return p.polygon()
	case "MULTIPOINT":
		var mp orb.MultiPoint
		err := p.each(func() error {
			paren := p.peek().kind == tLParen // MULTIPOINT((1 2), (3 4)) or MULTIPOINT(1 2, 3 4)
			if paren {
				p.next()
			}
			pt, err := p.point()
			if err != nil {
				return err
			}
			mp = append(mp, pt)
			if paren {
				_, err = p.expect(tRParen, "')'")
			}
			return err
		})
		return mp, err
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		err := p.each(func() error {
			ls, err := p.lineString()
			ml = append(ml, ls)
			return err
		})
		return ml, err
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err := p.each(func() error {
			pg, err := p.polygon()
			mp = append(mp, pg)
			return err
		})
		return mp, err
	}
	var c orb.Collection // GEOMETRYCOLLECTION
	err := p.each(func() error {
		t := p.next()
		if _, ok := wktTypes[strings.ToUpper(t.text)]; t.kind != tIdent || !ok {
			return &Error{Pos: t.pos, Msg: "expected a geometry (POINT, POLYGON…), found " + t.describe()}
		}
		g, err := p.wkt(t)
		c = append(c, g)
		return err
	})
	return c, err
}

// each reads "(" item {"," item} ")".
func (p *textParser) each(item func() error) error {
	if _, err := p.expect(tLParen, "'('"); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		t := p.next()
		if t.kind == tRParen {
			return nil
		}
		if t.kind != tComma {
			return &Error{Pos: t.pos, Msg: "expected ',' or ')', found " + t.describe()}
		}
	}
}

func (p *textParser) point() (orb.Point, error) {
	x, err := p.number()
	if err != nil {
		return orb.Point{}, err
	}
	y, err := p.number()
	if err != nil {
		return orb.Point{}, err
	}
	if t := p.peek(); t.kind == tNumber {
		return orb.Point{}, &Error{Pos: t.pos, Msg: "only 2D coordinates are supported"}
	}
	p.vertices++
	if p.vertices > MaxVertices {
		return orb.Point{}, &Error{Pos: p.toks[p.i-1].pos, Msg: "the geometries of a filter have more than 1000 points"}
	}
	return orb.Point{x, y}, nil
}

func (p *textParser) lineString() (orb.LineString, error) {
	var ls orb.LineString
	err := p.each(func() error {
		pt, err := p.point()
		ls = append(ls, pt)
		return err
	})
	return ls, err
}

func (p *textParser) polygon() (orb.Polygon, error) {
	var pg orb.Polygon
	err := p.each(func() error {
		ls, err := p.lineString()
		pg = append(pg, orb.Ring(ls))
		return err
	})
	return pg, err
}

// checkGeometry checks what PostGIS would refuse: lines of fewer than 2 points, rings
// not closed or of fewer than 4 points, and coordinates that are not finite; and counts
// the points of the geometries read from JSON.
func checkGeometry(g orb.Geometry, pos int, vertices *int) error {
	bad := func(msg string) error { return &Error{Pos: pos, Msg: msg} }
	line := func(ls orb.LineString) error {
		if len(ls) < 2 {
			return bad("a line has at least 2 points")
		}
		return nil
	}
	polygon := func(pg orb.Polygon) error {
		if len(pg) == 0 {
			return bad("a polygon has at least one ring")
		}
		for _, r := range pg {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				return bad("a polygon's ring has at least 4 points, the last equal to the first")
			}
		}
		return nil
	}
	var err error
	switch g := g.(type) {
	case orb.LineString:
		err = line(g)
	case orb.Polygon:
		err = polygon(g)
	case orb.MultiPoint:
		if len(g) == 0 {
			err = bad("empty geometries are not supported")
		}
	case orb.MultiLineString:
		if len(g) == 0 {
			err = bad("empty geometries are not supported")
		}
		for _, ls := range g {
			err = errors.Join(err, line(ls))
		}
	case orb.MultiPolygon:
		if len(g) == 0 {
			err = bad("empty geometries are not supported")
		}
		for _, pg := range g {
			err = errors.Join(err, polygon(pg))
		}
	case orb.Collection:
		if len(g) == 0 {
			err = bad("empty geometries are not supported")
		}
		for _, m := range g {
			if e := checkGeometry(m, pos, nil); e != nil {
				return e
			}
		}
	}
	if err != nil {
		return firstError(err)
	}
	if vertices != nil {
		*vertices += countPoints(g)
		if *vertices > MaxVertices {
			return bad("the geometries of a filter have more than 1000 points")
		}
	}
	return nil
}

// firstError unwraps a joined error to its first.
func firstError(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()[0]
	}
	return err
}

func countPoints(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.MultiLineString:
		n := 0
		for _, ls := range g {
			n += len(ls)
		}
		return n
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, pg := range g {
			n += countPoints(pg)
		}
		return n
	case orb.Collection:
		n := 0
		for _, m := range g {
			n += countPoints(m)
		}
		return n
	}
	return 0
}
