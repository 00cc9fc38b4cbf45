package cadastre

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/site"
)

// DefaultVintage is the vintage of generated files when none is asked for.
var DefaultVintage = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// GenOptions describe a synthetic parcel file.
type GenOptions struct {
	Parcels int
	Seed    int64
	// Vintage is the latest "updated" date of the file; zero means DefaultVintage.
	Vintage time.Time
	// Extent is the outline the parcels tile, in WGS84; nil means Ivry-sur-Seine's.
	Extent orb.Ring
	// Insee is the commune code of the ids; empty means Ivry's, 94041.
	Insee string
}

// Generate writes a synthetic Etalab parcel file of opt.Parcels parcels to w, as plain
// GeoJSON laid out as Etalab does (one feature per line). The parcels are small
// quadrilaterals tiling the extent: a grid of square cells, sized so that exactly enough
// cell centres fall inside the outline, whose corners are shifted by up to a quarter of a
// cell, so that neighbours share their corners and the tiling has no gap or overlap. The
// same options always give the same bytes.
func Generate(w io.Writer, opt GenOptions) error {
	if opt.Parcels < 1 {
		return errors.New("gen: the number of parcels must be at least 1")
	}
	if opt.Vintage.IsZero() {
		opt.Vintage = DefaultVintage
	}
	if opt.Insee == "" {
		opt.Insee = site.InseeIvry
	}
	if opt.Extent == nil {
		ring, err := ivryOutline()
		if err != nil {
			return err
		}
		opt.Extent = ring
	}
	g := newGrid(opt.Extent, opt.Parcels)
	cells, sections, err := g.cells(opt.Parcels)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15))
	fw := newFeatureWriter(w)
	start := time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int(opt.Vintage.Sub(start).Hours() / 24)
	if span < 2 {
		return fmt.Errorf("gen: vintage %s is too early", opt.Vintage.Format(time.DateOnly))
	}
	number, last := 0, -1
	for n, c := range cells {
		i, j := int(c[0]), int(c[1])
		if b := g.block(i, j); b != last {
			number, last = 0, b
		}
		number++
		id := fmt.Sprintf("%s000%s%04d", opt.Insee, sections[last], number)
		ring := g.cell(opt.Seed, i, j)
		p := &Parcel{ID: id, Geometry: orb.MultiPolygon{{ring}}}
		// Legal areas are rounded and drift a little from the drawn outline; a few
		// parcels have none, as in real files.
		if rng.IntN(500) != 0 {
			c := int32(math.Round(geo.Area(ring) * (1 + (rng.Float64()-0.5)*0.02)))
			p.Contenance = &c
		}
		p.Arpente = rng.IntN(10) == 0
		created := rng.IntN(span - 1)
		p.Created = start.AddDate(0, 0, created)
		p.Updated = start.AddDate(0, 0, created+rng.IntN(span-created))
		if n == 0 {
			p.Updated = opt.Vintage // the file's vintage is its latest update
		}
		if err := fw.write(p); err != nil {
			return err
		}
	}
	return fw.close()
}

// ivryOutline is the outer ring of Ivry-sur-Seine's outline from the seed data.
func ivryOutline() (orb.Ring, error) {
	ds, err := geodata.Load()
	if err != nil {
		return nil, err
	}
	g, err := geojson.UnmarshalGeometry(ds.Commune.Geometry)
	if err != nil {
		return nil, fmt.Errorf("gen: commune outline: %w", err)
	}
	switch g := g.Geometry().(type) {
	case orb.Polygon:
		return g[0], nil
	case orb.MultiPolygon:
		return g[0][0], nil
	}
	return nil, errors.New("gen: the commune outline is not a polygon")
}

// metresPerDegree is the length of a degree of latitude; a degree of longitude is shorter
// by the cosine of the latitude. Good to a few parts per thousand, enough for test data.
const metresPerDegree = 111_320.0

// grid is a square grid over an outline, in metres east and north of the outline's
// south-west corner.
type grid struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree of longitude, latitude
	poly       [][2]float64
	w, h       float64
	size       float64 // cell side, metres
	cols, rows int
	blockSide  int
}

func newGrid(extent orb.Ring, n int) *grid {
	b := extent.Bound()
	g := &grid{lon0: b.Min[0], lat0: b.Min[1]}
	g.ky = metresPerDegree
	g.kx = metresPerDegree * math.Cos((b.Min[1]+b.Max[1])/2*math.Pi/180)
	for _, p := range extent {
		g.poly = append(g.poly, [2]float64{(p[0] - g.lon0) * g.kx, (p[1] - g.lat0) * g.ky})
	}
	g.w, g.h = (b.Max[0]-b.Min[0])*g.kx, (b.Max[1]-b.Min[1])*g.ky
	// The largest cell size that still puts n cell centres inside the outline.
	lo, hi := 0.01, math.Sqrt(g.w*g.h)
	for range 60 {
		mid := (lo + hi) / 2
		if g.count(mid) >= n {
			lo = mid
		} else {
			hi = mid
		}
	}
	g.setSize(lo)
	return g
}

func (g *grid) setSize(s float64) {
	g.size = s
	g.cols = int(math.Ceil(g.w/s)) + 1
	g.rows = int(math.Ceil(g.h/s)) + 1
}

// count is how many cell centres fall inside the outline with cells of side s.
func (g *grid) count(s float64) int {
	rows := int(math.Ceil(g.h/s)) + 1
	total := 0
	for j := range rows {
		for _, iv := range g.intervals(s, j) {
			total += iv[1] - iv[0]
		}
	}
	return total
}

// intervals lists, for row j, the ranges [from, to) of columns whose cell centre lies
// inside the outline (even-odd rule on the row's centre line).
func (g *grid) intervals(s float64, j int) [][2]int {
	y := (float64(j) + 0.5) * s
	var xs []float64
	for k := 0; k+1 < len(g.poly); k++ {
		a, b := g.poly[k], g.poly[k+1]
		if (a[1] <= y) != (b[1] <= y) {
			xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
		}
	}
	slices.Sort(xs)
	var out [][2]int
	for k := 0; k+1 < len(xs); k += 2 {
		from := int(math.Ceil(xs[k]/s - 0.5))
		to := int(math.Ceil(xs[k+1]/s - 0.5))
		if to > from {
			out = append(out, [2]int{from, to})
		}
	}
	return out
}

// each calls fn for the first n cells inside the outline, row by row from the south.
func (g *grid) each(n int, fn func(i, j int) error) error {
	done := 0
	for j := range g.rows {
		for _, iv := range g.intervals(g.size, j) {
			for i := iv[0]; i < iv[1]; i++ {
				if err := fn(i, j); err != nil {
					return err
				}
				if done++; done == n {
					return nil
				}
			}
		}
	}
	return nil
}

// maxSections is how many two-character sections there are: 0A to 0Z, then AA to ZZ.
const maxSections = 26 + 26*26

// cells picks the first n cells inside the outline (row by row from the south) and orders
// them as Etalab orders parcels, by id: cells are grouped in square blocks, one cadastral
// section each (at most 99 × 99 parcels, so that numbers fit in 4 digits), sections are
// named in block order and numbered row by row within the block. It returns the cells as
// (column, row) and the section name of each block.
func (g *grid) cells(n int) ([][2]int32, map[int]string, error) {
	cells := make([][2]int32, 0, n)
	_ = g.each(n, func(i, j int) error {
		cells = append(cells, [2]int32{int32(i), int32(j)})
		return nil
	})
	for g.blockSide = 50; g.blockSide < 100; g.blockSide++ {
		used := map[int]bool{}
		for _, c := range cells {
			used[g.block(int(c[0]), int(c[1]))] = true
		}
		if len(used) > maxSections {
			continue
		}
		slices.SortFunc(cells, func(a, b [2]int32) int {
			if ba, bb := g.block(int(a[0]), int(a[1])), g.block(int(b[0]), int(b[1])); ba != bb {
				return ba - bb
			}
			if a[1] != b[1] {
				return int(a[1] - b[1])
			}
			return int(a[0] - b[0])
		})
		sections := map[int]string{}
		for _, c := range cells {
			if b := g.block(int(c[0]), int(c[1])); sections[b] == "" {
				sections[b] = sectionCode(len(sections))
			}
		}
		return cells, sections, nil
	}
	return nil, nil, fmt.Errorf("gen: %d parcels do not fit in %d sections of %d parcels", n, maxSections, 99*99)
}

func (g *grid) block(i, j int) int {
	perRow := (g.cols + g.blockSide - 1) / g.blockSide
	return (j/g.blockSide)*perRow + i/g.blockSide
}

// sectionCode is the k-th section: 0A…0Z, AA…ZZ.
func sectionCode(k int) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	if k < 26 {
		return "0" + letters[k:k+1]
	}
	k -= 26
	return letters[k/26:k/26+1] + letters[k%26:k%26+1]
}

// cell is the quadrilateral of cell (i, j), counter-clockwise as RFC 7946 asks.
func (g *grid) cell(seed int64, i, j int) orb.Ring {
	corner := func(ci, cj int) orb.Point {
		dx, dy := jitter(seed, ci, cj)
		x := (float64(ci) + dx*0.25) * g.size
		y := (float64(cj) + dy*0.25) * g.size
		return orb.Point{round7(g.lon0 + x/g.kx), round7(g.lat0 + y/g.ky)}
	}
	a, b, c, d := corner(i, j), corner(i+1, j), corner(i+1, j+1), corner(i, j+1)
	return orb.Ring{a, b, c, d, a}
}

// jitter is the shift of grid corner (i, j), each coordinate in [-1, 1), from a hash of
// the seed and the corner alone: both cells that share a corner agree on it.
func jitter(seed int64, i, j int) (float64, float64) {
	h := splitmix(uint64(seed) ^ splitmix(uint64(i)<<32^uint64(uint32(j))))
	const unit = 1.0 / (1 << 31)
	return float64(h>>33)*unit*2 - 1, float64(h&0x7fffffff)*unit*2 - 1
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// round7 keeps 7 decimals of a degree (about a centimetre), as Etalab writes them.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// featureWriter writes a FeatureCollection laid out as Etalab does: a header line, one
// feature per line, and the closing brackets.
type featureWriter struct {
	w     io.Writer
	buf   []byte
	count int
	err   error
}

func newFeatureWriter(w io.Writer) *featureWriter {
	fw := &featureWriter{w: w}
	_, fw.err = io.WriteString(w, `{"type":"FeatureCollection","features":[`+"\n")
	return fw
}

// etalabFeature is one parcel as Etalab writes it.
type etalabFeature = geojson.FeatureOf[properties]

func (fw *featureWriter) write(p *Parcel) error {
	if fw.err != nil {
		return fw.err
	}
	id := p.ID
	f := etalabFeature{
		ID:   id,
		Type: "Feature",
		Properties: properties{
			ID:      id,
			Commune: id[:5],
			Prefixe: id[5:8],
			Section: trimZeros(id[8:10]),
			Numero:  trimZeros(id[10:]),
			Arpente: p.Arpente,
		},
	}
	if len(p.Geometry) == 1 {
		f.Geometry = p.Geometry[0]
	} else {
		f.Geometry = p.Geometry
	}
	if p.Contenance != nil {
		c := int64(*p.Contenance)
		f.Properties.Contenance = &c
	}
	if !p.Created.IsZero() {
		f.Properties.Created = p.Created.Format(time.DateOnly)
	}
	if !p.Updated.IsZero() {
		f.Properties.Updated = p.Updated.Format(time.DateOnly)
	}
	b, err := json.Marshal(f)
	if err != nil {
		fw.err = err
		return err
	}
	fw.buf = fw.buf[:0]
	if fw.count > 0 {
		fw.buf = append(fw.buf, ",\n"...)
	}
	fw.buf = append(fw.buf, b...)
	fw.count++
	_, fw.err = fw.w.Write(fw.buf)
	return fw.err
}

func (fw *featureWriter) close() error {
	if fw.err != nil {
		return fw.err
	}
	_, fw.err = io.WriteString(fw.w, "\n]}\n")
	return fw.err
}

// trimZeros drops the zero padding of a section or number ("0A" → "A", "0056" → "56").
func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
