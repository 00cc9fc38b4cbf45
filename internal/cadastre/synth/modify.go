package synth

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/emprises/emprises/internal/cadastre"
)

// ModifyOptions describe how a later vintage differs from an earlier file.
type ModifyOptions struct {
	Seed int64
	// ChangeRate is the share of the earlier file's parcels that change, from 0 to 1.
	ChangeRate float64
	// Vintage is the new file's date; zero means a quarter after the earlier file's latest
	// update.
	Vintage time.Time
}

// Changes is what Modify did: exactly what an import of the new file after the old one
// must report.
type Changes struct {
	Vintage    time.Time
	Split      map[string][]string // old id → the new ids it was divided into
	Merged     map[string][]string // new id → the old ids merged into it
	Removed    []string            // ids gone, their land under no parcel
	Contenance []string            // ids whose contenance changed, outline kept
	Outline    []string            // ids whose outline changed, contenance kept
}

// Modify reads a parcel file twice (open is called once per pass) and writes to w the
// next vintage of it: a share of the parcels, picked from the seed, are split in two,
// merged with the neighbour that follows them in the file, removed, given another
// contenance, or given another outline (one corner moved inwards); new parcels take the
// next free numbers of their section; every parcel that changed is dated with the new
// vintage. Parcels left alone are written exactly as they were read. Splits, merges and
// outline changes apply to quadrilaterals; other parcels picked for them get another
// contenance instead.
func Modify(w io.Writer, open func() (io.ReadCloser, error), opt ModifyOptions) (*Changes, error) {
	if opt.ChangeRate < 0 || opt.ChangeRate > 1 {
		return nil, fmt.Errorf("modify: the change rate must be between 0 and 1, got %g", opt.ChangeRate)
	}
	m := &modifier{
		rng:  rand.New(rand.NewPCG(uint64(opt.Seed), 0x5851f42d4c957f2d)),
		next: map[string]int{},
		rate: opt.ChangeRate,
		ch:   &Changes{Split: map[string][]string{}, Merged: map[string][]string{}},
	}
	var latest time.Time
	err := eachParcel(open, func(p *cadastre.Parcel) error {
		key := p.ID[:10]
		var n int
		fmt.Sscanf(p.ID[10:], "%d", &n)
		m.next[key] = max(m.next[key], n)
		if p.Updated.After(latest) {
			latest = p.Updated
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.vintage = opt.Vintage
	if m.vintage.IsZero() {
		if latest.IsZero() {
			latest = DefaultVintage
		}
		m.vintage = latest.AddDate(0, 3, 0)
	}
	m.ch.Vintage = m.vintage
	m.fw = newFeatureWriter(w)
	if err := eachParcel(open, m.parcel); err != nil {
		return nil, err
	}
	if err := m.flush(); err != nil {
		return nil, err
	}
	if err := m.fw.close(); err != nil {
		return nil, err
	}
	return m.ch, nil
}

// eachParcel reads the whole file opened by open.
func eachParcel(open func() (io.ReadCloser, error), fn func(*cadastre.Parcel) error) error {
	f, err := open()
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := cadastre.NewReader(f)
	if err != nil {
		return err
	}
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
}

type change int

const (
	keep change = iota
	split
	merge
	remove
	contenance
	outline
)

type modifier struct {
	fw      *featureWriter
	rng     *rand.Rand
	next    map[string]int // last number used in each section (id's first 10 characters)
	rate    float64
	vintage time.Time
	ch      *Changes
	pending *cadastre.Parcel // picked for a merge, waiting for the next parcel
}

// pick draws the change of one parcel.
func (m *modifier) pick() change {
	if m.rng.Float64() >= m.rate {
		return keep
	}
	switch r := m.rng.Float64(); {
	case r < 0.30:
		return split
	case r < 0.55:
		return merge
	case r < 0.70:
		return remove
	case r < 0.90:
		return contenance
	}
	return outline
}

func (m *modifier) parcel(p *cadastre.Parcel) error {
	if m.pending != nil {
		a := m.pending
		m.pending = nil
		if ring, ok := mergeRings(quad(a), quad(p)); ok {
			return m.merge(a, p, ring)
		}
		if err := m.changeContenance(a); err != nil {
			return err
		}
	}
	switch m.pick() {
	case keep:
		return m.fw.write(p)
	case split:
		if q := quad(p); q != nil {
			return m.split(p, q)
		}
	case merge:
		if quad(p) != nil {
			m.pending = p
			return nil
		}
	case remove:
		m.ch.Removed = append(m.ch.Removed, p.ID)
		return nil
	case outline:
		if q := quad(p); q != nil {
			return m.moveCorner(p, q)
		}
	}
	return m.changeContenance(p)
}

// flush settles a parcel picked for a merge at the very end of the file.
func (m *modifier) flush() error {
	if m.pending == nil {
		return nil
	}
	p := m.pending
	m.pending = nil
	return m.changeContenance(p)
}

func (m *modifier) newID(like string) (string, error) {
	key := like[:10]
	if m.next[key] >= 9999 {
		return "", fmt.Errorf("modify: section %s has no free number left", key)
	}
	m.next[key]++
	return fmt.Sprintf("%s%04d", key, m.next[key]), nil
}

// born makes a new parcel of the new vintage.
func (m *modifier) born(like string, ring orb.Ring, c *int32) (*cadastre.Parcel, error) {
	id, err := m.newID(like)
	if err != nil {
		return nil, err
	}
	if c == nil {
		v := int32(math.Round(geo.Area(ring)))
		c = &v
	}
	return &cadastre.Parcel{ID: id, Contenance: c, Created: m.vintage, Updated: m.vintage,
		Geometry: orb.MultiPolygon{{ring}}}, nil
}

// split cuts a quadrilateral in two through the middles of two opposite sides.
func (m *modifier) split(p *cadastre.Parcel, q orb.Ring) error {
	a, b, c, d := q[0], q[1], q[2], q[3]
	m1, m2 := middle(a, b), middle(d, c)
	var ids []string
	for _, ring := range []orb.Ring{{a, m1, m2, d, a}, {m1, b, c, m2, m1}} {
		child, err := m.born(p.ID, ring, nil)
		if err != nil {
			return err
		}
		ids = append(ids, child.ID)
		if err := m.fw.write(child); err != nil {
			return err
		}
	}
	m.ch.Split[p.ID] = ids
	return nil
}

func (m *modifier) merge(a, b *cadastre.Parcel, ring orb.Ring) error {
	var c *int32
	if a.Contenance != nil && b.Contenance != nil {
		sum := *a.Contenance + *b.Contenance
		c = &sum
	}
	p, err := m.born(a.ID, ring, c)
	if err != nil {
		return err
	}
	m.ch.Merged[p.ID] = []string{a.ID, b.ID}
	return m.fw.write(p)
}

func (m *modifier) changeContenance(p *cadastre.Parcel) error {
	var c int32
	if p.Contenance == nil {
		c = int32(math.Round(geo.Area(p.Geometry)))
	} else {
		c = *p.Contenance
		delta := int32(math.Max(1, math.Round(float64(c)*(0.01+0.04*m.rng.Float64()))))
		if m.rng.IntN(2) == 0 && c-delta >= 0 {
			delta = -delta
		}
		c += delta
	}
	q := *p
	q.Contenance = &c
	q.Updated = m.vintage
	m.ch.Contenance = append(m.ch.Contenance, p.ID)
	return m.fw.write(&q)
}

// moveCorner moves the third corner a fifth of the way towards the centre: the parcel
// shrinks, stays valid, and leaves a sliver to its neighbours, as a new survey may.
func (m *modifier) moveCorner(p *cadastre.Parcel, q orb.Ring) error {
	centre := orb.Point{(q[0][0] + q[1][0] + q[2][0] + q[3][0]) / 4, (q[0][1] + q[1][1] + q[2][1] + q[3][1]) / 4}
	ring := append(orb.Ring(nil), q...)
	ring[2] = orb.Point{round7(q[2][0] + (centre[0]-q[2][0])/5), round7(q[2][1] + (centre[1]-q[2][1])/5)}
	r := *p
	r.Geometry = orb.MultiPolygon{{ring}}
	r.Updated = m.vintage
	m.ch.Outline = append(m.ch.Outline, p.ID)
	return m.fw.write(&r)
}

// quad is the ring of a parcel drawn as one quadrilateral without holes, or nil.
func quad(p *cadastre.Parcel) orb.Ring {
	if len(p.Geometry) != 1 || len(p.Geometry[0]) != 1 || len(p.Geometry[0][0]) != 5 {
		return nil
	}
	return p.Geometry[0][0]
}

// mergeRings joins two counter-clockwise rings that share one side (walked in opposite
// directions) into one ring without that side.
func mergeRings(a, b orb.Ring) (orb.Ring, bool) {
	if a == nil || b == nil {
		return nil, false
	}
	na, nb := len(a)-1, len(b)-1
	for i := range na {
		for k := range nb {
			if a[i] != b[(k+1)%nb] || a[(i+1)%na] != b[k] {
				continue
			}
			var out orb.Ring
			for t := range na {
				out = append(out, a[(i+1+t)%na]) // a[i+1] … a[i]
			}
			for t := 2; t < nb; t++ {
				out = append(out, b[(k+t)%nb]) // b[k+2] … b[k-1]
			}
			return append(out, out[0]), true
		}
	}
	return nil, false
}

func middle(a, b orb.Point) orb.Point {
	return orb.Point{round7((a[0] + b[0]) / 2), round7((a[1] + b[1]) / 2)}
}
