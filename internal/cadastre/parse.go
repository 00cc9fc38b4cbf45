package cadastre

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/emprises/emprises/internal/site"
)

// The decoder hands each feature over as bytes it has already checked to be well-formed
// JSON; parsing them here in one pass, straight into orb's types, is about four times as
// fast as decoding through encoding/json's reflection and orb's geojson.Geometry (which
// scans the coordinates three times), and the importer's speed is the reading of the file.

// featureSink receives one feature from json.Decoder.Decode and parses and checks it on
// the spot, while the decoder's buffer is valid. Its error is kept rather than returned
// so that the decoder stays usable and the caller can tell a bad feature from a broken
// file.
type featureSink struct {
	p   *Parcel
	id  string // the parcel id, when one could be read
	err error
}

func (s *featureSink) UnmarshalJSON(b []byte) error {
	var f rawFeature
	s.p, s.id, s.err = nil, "", parseFeature(b, &f)
	if s.err == nil {
		s.p, s.err = f.parcel()
	}
	if s.err != nil {
		s.id = string(f.props.id)
	}
	return nil
}

// rawFeature is what a feature says, as slices of the JSON text (strings unescaped when
// they need it), before the checks of parcel.
type rawFeature struct {
	typ      []byte
	id       []byte // the feature's own id
	hasID    bool
	idString bool
	geometry orb.Geometry
	props    rawProperties
}

type rawProperties struct {
	id, commune, prefixe, section, numero, created, updated []byte
	contenance                                              *int64
	arpente                                                 bool
}

// cursor walks well-formed JSON.
type cursor struct {
	b []byte
	i int
}

func (c *cursor) ws() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\n', '\r', '\t':
			c.i++
		default:
			return
		}
	}
}

func (c *cursor) peek() byte {
	c.ws()
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

// object calls fn for each member of the object at the cursor, positioned on its value.
func (c *cursor) object(fn func(key []byte) error) error {
	if c.peek() != '{' {
		return errNotObject
	}
	c.i++
	if c.peek() == '}' {
		c.i++
		return nil
	}
	for {
		key, err := c.str()
		if err != nil {
			return err
		}
		c.ws()
		c.i++ // ':'
		if err := fn(key); err != nil {
			return err
		}
		switch c.peek() {
		case ',':
			c.i++
		case '}':
			c.i++
			return nil
		default:
			return errors.New("malformed object")
		}
	}
}

var errNotObject = errors.New("not an object")

// str reads a string: a slice of the text, or a copy unescaped if it has escapes.
func (c *cursor) str() ([]byte, error) {
	if c.peek() != '"' {
		return nil, errNotString
	}
	start := c.i
	c.i++
	escaped := false
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case '\\':
			escaped = true
			c.i += 2
			continue
		case '"':
			c.i++
			if !escaped {
				return c.b[start+1 : c.i-1], nil
			}
			var s string
			err := json.Unmarshal(c.b[start:c.i], &s)
			return []byte(s), err
		}
		c.i++
	}
	return nil, errors.New("unterminated string")
}

var errNotString = errors.New("not a string")

// null reads a null, reporting whether there was one.
func (c *cursor) null() bool {
	if c.peek() == 'n' && bytes.HasPrefix(c.b[c.i:], []byte("null")) {
		c.i += 4
		return true
	}
	return false
}

// number reads a number token.
func (c *cursor) number() (float64, error) {
	c.ws()
	start := c.i
	for c.i < len(c.b) {
		switch ch := c.b[c.i]; {
		case ch >= '0' && ch <= '9', ch == '-', ch == '+', ch == '.', ch == 'e', ch == 'E':
			c.i++
			continue
		}
		break
	}
	if start == c.i {
		return 0, errNotNumber
	}
	return strconv.ParseFloat(string(c.b[start:c.i]), 64)
}

var errNotNumber = errors.New("not a number")

// skip passes over any value.
func (c *cursor) skip() {
	c.ws()
	if c.i >= len(c.b) {
		return
	}
	switch c.b[c.i] {
	case '"':
		c.str() //nolint:errcheck // only passing over it
	case '{', '[':
		depth := 0
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case '"':
				c.str() //nolint:errcheck // only passing over it
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					c.i++
					return
				}
			}
			c.i++
		}
	default: // a number, true, false or null
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case ',', '}', ']', ' ', '\n', '\r', '\t':
				return
			}
			c.i++
		}
	}
}

// parseFeature reads a feature's members. The geometry is read last, so that a fault in
// it can be reported with the parcel's id.
func parseFeature(b []byte, f *rawFeature) error {
	c := &cursor{b: b}
	var geometry []byte
	err := c.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "type":
			if f.typ, err = c.str(); err != nil {
				return errors.New(`"type" must be a string`)
			}
		case "id":
			if c.null() {
				return nil
			}
			f.hasID = true
			if c.peek() == '"' {
				f.idString = true
				f.id, err = c.str()
				return err
			}
			start := c.i
			c.skip()
			f.id = b[start:c.i]
		case "geometry":
			start := c.i
			c.skip()
			geometry = b[start:c.i]
		case "properties":
			if c.null() {
				return nil
			}
			return c.object(func(key []byte) error { return parseProperty(c, key, &f.props) })
		default:
			c.skip()
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, errNotObject) {
			return errors.New("not a JSON object")
		}
		return err
	}
	if string(f.typ) != "Feature" {
		return fmt.Errorf("\"type\" is %q, not \"Feature\"", f.typ)
	}
	if geometry == nil {
		return nil
	}
	f.geometry, err = parseGeometry(geometry)
	return err
}

// parseProperty reads one Etalab property.
func parseProperty(c *cursor, key []byte, p *rawProperties) error {
	var field *[]byte
	switch string(key) {
	case "id":
		field = &p.id
	case "commune":
		field = &p.commune
	case "prefixe":
		field = &p.prefixe
	case "section":
		field = &p.section
	case "numero":
		field = &p.numero
	case "created":
		field = &p.created
	case "updated":
		field = &p.updated
	case "contenance":
		if c.null() {
			return nil
		}
		v, err := c.number()
		if err != nil || v != math.Trunc(v) || math.Abs(v) > 1e15 {
			return errors.New("contenance must be a whole number of m²")
		}
		n := int64(v)
		p.contenance = &n
		return nil
	case "arpente":
		switch {
		case c.null():
		case bytes.HasPrefix(c.b[c.i:], []byte("true")):
			p.arpente = true
			c.i += 4
		case bytes.HasPrefix(c.b[c.i:], []byte("false")):
			c.i += 5
		default:
			return errors.New("arpente must be true or false")
		}
		return nil
	default:
		c.skip()
		return nil
	}
	if c.null() {
		return nil
	}
	s, err := c.str()
	if err != nil {
		return fmt.Errorf("%s must be a string", key)
	}
	*field = s
	return nil
}

// parcel checks a parsed feature and makes it a Parcel.
func (f *rawFeature) parcel() (*Parcel, error) {
	pr := &f.props
	id := string(pr.id)
	if err := checkID(id, pr); err != nil {
		return nil, err
	}
	if f.hasID && (!f.idString || !bytes.Equal(f.id, pr.id)) {
		return nil, fmt.Errorf("the feature's id %s differs from properties.id %q", f.id, id)
	}
	p := &Parcel{ID: id, Arpente: pr.arpente}
	if pr.contenance != nil {
		c := *pr.contenance
		if c < 0 || c > math.MaxInt32 {
			return nil, fmt.Errorf("contenance %d m² is out of range", c)
		}
		c32 := int32(c)
		p.Contenance = &c32
	}
	var err error
	if p.Created, err = parseDay("created", pr.created); err != nil {
		return nil, err
	}
	if p.Updated, err = parseDay("updated", pr.updated); err != nil {
		return nil, err
	}
	if f.geometry == nil {
		return nil, errors.New("no geometry")
	}
	if p.Geometry, err = checkGeometry(f.geometry); err != nil {
		return nil, err
	}
	return p, nil
}

// checkID validates the 14-character id and its agreement with the other properties.
func checkID(id string, pr *rawProperties) error {
	parsed, err := site.ParseParcelID(id)
	if err != nil {
		var inv *site.InvalidError
		if errors.As(err, &inv) {
			return fmt.Errorf("invalid id: %s", inv.Reason)
		}
		return err
	}
	if string(parsed) != id {
		return fmt.Errorf("invalid id %q: must be written %q", id, parsed)
	}
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"commune", pr.commune, id[:5]},
		{"prefixe", pr.prefixe, id[5:8]},
		{"section", pr.section, id[8:10]},
		{"numero", pr.numero, id[10:]},
	} {
		if len(c.got) > 0 && !padded(c.got, c.want) {
			return fmt.Errorf("%s %q disagrees with id %q", c.name, c.got, id)
		}
	}
	return nil
}

// padded reports whether want is got left-padded with zeros, as the id writes sections
// and numbers ("A" in "0A", "56" in "0056").
func padded(got []byte, want string) bool {
	n := len(want) - len(got)
	if n < 0 || string(got) != want[n:] {
		return false
	}
	for i := range n {
		if want[i] != '0' {
			return false
		}
	}
	return true
}

// parseDay reads a created or updated day with the domain's one day parser: a file can
// carry no day the rest of the service would refuse; an empty one is unknown.
func parseDay(name string, b []byte) (time.Time, error) {
	if len(b) == 0 {
		return time.Time{}, nil
	}
	t, err := site.ParseDay(string(b))
	if err != nil {
		var inv *site.InvalidError
		if errors.As(err, &inv) {
			return time.Time{}, fmt.Errorf("%s: %s", name, inv.Reason)
		}
		return time.Time{}, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// parseGeometry reads a GeoJSON geometry as one of orb's types: a Polygon or a
// MultiPolygon; any other type is named in the error.
func parseGeometry(b []byte) (orb.Geometry, error) {
	c := &cursor{b: b}
	if c.null() {
		return nil, nil
	}
	var typ string
	var coords []byte
	err := c.object(func(key []byte) error {
		switch string(key) {
		case "type":
			t, err := c.str()
			if err != nil {
				return errors.New(`geometry "type" must be a string`)
			}
			typ = string(t)
		case "coordinates":
			start := c.i
			c.skip()
			coords = b[start:c.i]
		default:
			c.skip()
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, errNotObject) {
			return nil, errors.New("geometry is not a JSON object")
		}
		return nil, err
	}
	switch typ {
	case "Polygon", "MultiPolygon":
	case "Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection":
		return nil, fmt.Errorf("geometry is a %s, not a Polygon or MultiPolygon", typ)
	case "":
		return nil, errors.New("geometry has no type")
	default:
		return nil, fmt.Errorf("geometry type %q is not a GeoJSON type", typ)
	}
	if coords == nil {
		return nil, fmt.Errorf("the %s has no coordinates", typ)
	}
	cc := &cursor{b: coords}
	if typ == "Polygon" {
		p, err := cc.polygon()
		if err != nil {
			return nil, fmt.Errorf("geometry: the coordinates do not fit a Polygon: %w", err)
		}
		return p, nil
	}
	var mp orb.MultiPolygon
	err = cc.array(func() error {
		p, err := cc.polygon()
		mp = append(mp, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("geometry: the coordinates do not fit a MultiPolygon: %w", err)
	}
	return mp, nil
}

// array calls fn for each element of the array at the cursor.
func (c *cursor) array(fn func() error) error {
	if c.peek() != '[' {
		return errors.New("an array was expected")
	}
	c.i++
	if c.peek() == ']' {
		c.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch c.peek() {
		case ',':
			c.i++
		case ']':
			c.i++
			return nil
		default:
			return errors.New("malformed array")
		}
	}
}

func (c *cursor) polygon() (orb.Polygon, error) {
	p := make(orb.Polygon, 0, 1)
	err := c.array(func() error {
		ring := make(orb.Ring, 0, 8)
		err := c.array(func() error {
			pt, err := c.position()
			ring = append(ring, pt)
			return err
		})
		p = append(p, ring)
		return err
	})
	return p, err
}

// position reads [x, y] (a height or more is dropped).
func (c *cursor) position() (orb.Point, error) {
	var pt orb.Point
	n := 0
	err := c.array(func() error {
		v, err := c.number()
		if err != nil {
			return errors.New("a position must be numbers")
		}
		if n < 2 {
			pt[n] = v
		}
		n++
		return nil
	})
	if err == nil && n < 2 {
		err = errors.New("a position needs a longitude and a latitude")
	}
	return pt, err
}
