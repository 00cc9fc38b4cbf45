// Package cadastre reads Etalab cadastre parcel files, as planners download them from
// cadastre.data.gouv.fr (cadastre-94041-parcelles.json.gz): one GeoJSON FeatureCollection
// in WGS84, gzipped or not, one feature per parcel with the properties id, commune,
// prefixe, section, numero, contenance, arpente, created and updated.
//
// The Reader streams such a file one feature at a time, so that a department of hundreds
// of thousands of parcels never sits in memory; package synth writes synthetic files of
// the same format for tests and benchmarks. The package does no I/O of its own beyond the
// readers it is given, and no SQL.
package cadastre

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/emprises/emprises/internal/site"
)

// MaxVertices bounds one parcel's outline; more is a broken file, not a parcel.
const MaxVertices = site.MaxVertices

// Parcel is one feature of a parcel file, checked.
type Parcel struct {
	Index      int    // position of the feature in the file, from 1
	Offset     int64  // byte offset of the feature in the GeoJSON text (after decompression)
	ID         string // 14 characters, e.g. 94041000AZ0056
	Contenance *int32 // legal area in m²; nil when the file has none
	Arpente    bool
	Created    time.Time // zero when absent
	Updated    time.Time // zero when absent
	Geometry   orb.MultiPolygon
}

// FeatureError says which feature of a file is wrong and why.
type FeatureError struct {
	Index  int    // from 1; 0 when the fault is outside any feature
	Offset int64  // byte offset in the GeoJSON text (after decompression)
	ID     string // the parcel id, when it could be read
	Err    error
}

func (e *FeatureError) Error() string {
	var b strings.Builder
	if e.Index > 0 {
		fmt.Fprintf(&b, "feature %d", e.Index)
		if e.ID != "" {
			fmt.Fprintf(&b, " (id %q)", e.ID)
		}
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	} else {
		fmt.Fprintf(&b, "at byte %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FeatureError) Unwrap() error { return e.Err }

// Reader reads the parcels of an Etalab file one at a time.
type Reader struct {
	dec      *json.Decoder
	raw      *countingReader
	gzip     bool
	index    atomic.Int64
	sawType  bool
	done     bool
	features bool // inside the features array
}

// NewReader starts reading a parcel file from r, gzipped or not: a gzip stream is
// recognised by its magic bytes, whatever the file is called. It reads up to the start of
// the features array and fails if r is not a GeoJSON FeatureCollection.
func NewReader(r io.Reader) (*Reader, error) {
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 256<<10)
	var src io.Reader = br
	rd := &Reader{raw: cr}
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if isGzip(magic) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("not a valid gzip file: %w", err)
		}
		src = bufio.NewReaderSize(gz, 256<<10)
		rd.gzip = true
	}
	rd.dec = json.NewDecoder(src)
	if err := rd.open(); err != nil {
		return nil, err
	}
	return rd, nil
}

// BytesRead is how much of the underlying file (compressed, if it is) has been read; it
// may be called from another goroutine, for a progress bar.
func (r *Reader) BytesRead() int64 { return r.raw.n.Load() }

// Features is how many features have been read so far; it may be called from another
// goroutine.
func (r *Reader) Features() int { return int(r.index.Load()) }

// Gzip reports whether the file is gzipped.
func (r *Reader) Gzip() bool { return r.gzip }

// open reads the members of the top-level object up to the features array.
func (r *Reader) open() error {
	tok, err := r.dec.Token()
	if err != nil {
		return r.wrapTop(err, "the file is empty or not JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return &FeatureError{Offset: 0, Err: errors.New("not a GeoJSON FeatureCollection: the file does not start with a JSON object")}
	}
	for {
		found, err := r.member()
		if err != nil {
			return err
		}
		if found {
			return nil
		}
	}
}

// member reads one member of the top-level object. It reports true on reaching the
// features array, which it leaves open.
func (r *Reader) member() (bool, error) {
	tok, err := r.dec.Token()
	if err != nil {
		return false, r.wrapTop(err, "")
	}
	if d, ok := tok.(json.Delim); ok && d == '}' {
		if !r.features && !r.done {
			return false, r.topError(errors.New("not a GeoJSON FeatureCollection: no \"features\" member"))
		}
		return false, io.EOF
	}
	key, _ := tok.(string)
	switch key {
	case "type":
		var t string
		if err := r.dec.Decode(&t); err != nil {
			return false, r.wrapTop(err, "")
		}
		if t != "FeatureCollection" {
			return false, r.topError(fmt.Errorf("not a GeoJSON FeatureCollection: \"type\" is %q", t))
		}
		r.sawType = true
	case "features":
		if r.done {
			return false, r.topError(errors.New("two \"features\" members"))
		}
		tok, err := r.dec.Token()
		if err != nil {
			return false, r.wrapTop(err, "")
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			return false, r.topError(errors.New("\"features\" is not an array"))
		}
		r.features = true
		return true, nil
	default:
		// Members such as "crs", "name" or "bbox" are small; skip them whole.
		var skip json.RawMessage
		if err := r.dec.Decode(&skip); err != nil {
			return false, r.wrapTop(err, "")
		}
	}
	return false, nil
}

// Next returns the next parcel, or io.EOF after the last one once the whole file has been
// read and found well formed. Any other error is a *FeatureError (or an I/O error) and the
// file must not be used.
func (r *Reader) Next() (*Parcel, error) {
	if !r.features {
		return nil, io.EOF
	}
	if !r.dec.More() {
		return nil, r.close()
	}
	index := int(r.index.Add(1))
	offset := r.valueStart()
	var sink featureSink
	if err := r.dec.Decode(&sink); err != nil {
		fe := &FeatureError{Index: index, Offset: offset}
		var se *json.SyntaxError
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			fe.Err = errors.New("the file ends in the middle of this feature: it is truncated (an interrupted download?)")
		case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
			fe.Err = fmt.Errorf("the gzip stream is corrupt: %w", err)
		case errors.As(err, &se):
			fe.Err = fmt.Errorf("not valid JSON: %v", se)
		default:
			fe.Err = err
		}
		return nil, fe
	}
	if sink.err != nil {
		return nil, &FeatureError{Index: index, Offset: offset, ID: sink.id, Err: sink.err}
	}
	p := sink.p
	p.Index, p.Offset = index, offset
	return p, nil
}

// close reads what follows the features array: the rest of the top-level object, then
// the end of the input. A file cut short after the last feature fails here.
func (r *Reader) close() error {
	tok, err := r.dec.Token() // ']'
	if err != nil {
		return r.wrapTop(err, "")
	}
	if d, ok := tok.(json.Delim); !ok || d != ']' {
		return r.topError(errors.New("\"features\" is not a well-formed array"))
	}
	r.features, r.done = false, true
	for {
		if _, err := r.member(); err != nil {
			if !errors.Is(err, io.EOF) {
				return err
			}
			break
		}
	}
	if !r.sawType {
		return r.topError(errors.New("not a GeoJSON FeatureCollection: no \"type\" member"))
	}
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return r.topError(errors.New("unexpected data after the FeatureCollection"))
		}
		return r.wrapTop(err, "")
	}
	return io.EOF
}

// valueStart is the offset of the next value: the decoder stands before the comma and
// the spaces that separate it from the previous one.
func (r *Reader) valueStart() int64 {
	off := r.dec.InputOffset()
	var buf [64]byte
	n, _ := r.dec.Buffered().Read(buf[:])
	for _, c := range buf[:n] {
		if c != ',' && c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			break
		}
		off++
	}
	return off
}

func (r *Reader) topError(err error) error {
	return &FeatureError{Offset: r.dec.InputOffset(), Err: err}
}

// wrapTop explains an error met outside any feature.
func (r *Reader) wrapTop(err error, empty string) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) && empty != "":
		return r.topError(errors.New(empty))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return r.topError(errors.New("the file ends before the end of the FeatureCollection: it is truncated (an interrupted download?)"))
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return r.topError(fmt.Errorf("the gzip stream is corrupt: %w", err))
	case errors.As(err, &se):
		return r.topError(fmt.Errorf("not a GeoJSON file: %v", se))
	}
	return r.topError(err)
}

// checkGeometry accepts a Polygon or MultiPolygon of closed rings of finite longitudes and
// latitudes, and returns it as a MultiPolygon. Self-intersections are PostGIS's to find.
func checkGeometry(g orb.Geometry) (orb.MultiPolygon, error) {
	var mp orb.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	case nil:
		return nil, errors.New("no geometry")
	default:
		return nil, fmt.Errorf("geometry is a %s, not a Polygon or MultiPolygon", g.GeoJSONType())
	}
	if len(mp) == 0 {
		return nil, errors.New("geometry has no polygon")
	}
	n := 0
	for i, p := range mp {
		if len(p) == 0 {
			return nil, fmt.Errorf("polygon %d has no ring", i+1)
		}
		for j, ring := range p {
			n += len(ring)
			if len(ring) < 4 {
				return nil, fmt.Errorf("ring %d of polygon %d has %d positions; a ring needs at least 4 (3 corners and the closing one)", j+1, i+1, len(ring))
			}
			if ring[0] != ring[len(ring)-1] {
				return nil, fmt.Errorf("ring %d of polygon %d is not closed: it starts at %v and ends at %v", j+1, i+1, ring[0], ring[len(ring)-1])
			}
			for _, pt := range ring {
				if !(pt[0] >= -180 && pt[0] <= 180 && pt[1] >= -90 && pt[1] <= 90) {
					return nil, fmt.Errorf("position %v is not a longitude and latitude in degrees (WGS84)", pt)
				}
			}
		}
	}
	if n > MaxVertices {
		return nil, fmt.Errorf("geometry has %d positions, more than %d", n, MaxVertices)
	}
	return mp, nil
}

// countingReader counts the bytes read through it, readable from another goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// isGzip reports whether b starts with the gzip magic bytes.
func isGzip(b []byte) bool { return bytes.HasPrefix(b, []byte{0x1f, 0x8b}) }
