// Package synth writes synthetic Etalab cadastre parcel files, for tests, `emprises gen
// cadastre` and emprises-bench: Generate tiles Ivry or the whole Val-de-Marne with a
// deterministic grid of parcels, and Modify turns a file into a later vintage (parcels
// split, merged, removed, re-measured or moved) and says what it changed. Each file reads
// back with cadastre.Reader, as a real one does. It is kept apart from package cadastre
// so that the production import carries no test-data code.
package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/cadastre"
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
	// Extent is the land the parcels cover; the zero value is Ivry-sur-Seine.
	Extent Extent
}

// Extent is the land a synthetic file covers, as the commune's or the department's file.
type Extent int

const (
	// ExtentIvry tiles Ivry-sur-Seine's outline (6.1 km²) with parcels of commune 94041,
	// however many are asked for: a benchmark's 500 000 are 12 m² each, some 70 times as
	// dense as the real commune.
	ExtentIvry Extent = iota
	// ExtentDepartment spreads the parcels over Val-de-Marne's bounding box (longitude
	// 2.30 to 2.62, latitude 48.68 to 48.87, some 500 km²), each in the commune it lies
	// in: Ivry's outline is 94041, the rest goes to the nearest of the department's other
	// communes. Cells vary in size from column to column and row to row: 500 000 parcels
	// are mostly 250 to 2 300 m² (1st to 99th percentile, 900 the median), some 6 000 of
	// them in Ivry, the density of a real cadastre.
	ExtentDepartment
)

// ParseExtent reads the name of an extent: "ivry" or "department".
func ParseExtent(s string) (Extent, error) {
	switch s {
	case "ivry":
		return ExtentIvry, nil
	case "department":
		return ExtentDepartment, nil
	}
	return 0, fmt.Errorf("gen: extent %q is not ivry or department", s)
}

// String is the extent's name, as ParseExtent reads it.
func (e Extent) String() string {
	if e == ExtentDepartment {
		return "department"
	}
	return "ivry"
}

// Generate writes a synthetic Etalab parcel file of opt.Parcels parcels to w, as plain
// GeoJSON laid out as Etalab does (one feature per line). The parcels are small
// quadrilaterals tiling the extent: a grid of cells, square over Ivry and sized so that
// exactly enough cell centres fall inside its outline, of varied widths and heights over
// the department; their corners are shifted by up to a quarter of a cell, so that
// neighbours share their corners and the tiling has no gap or overlap. The same options
// always give the same bytes.
func Generate(w io.Writer, opt GenOptions) error {
	if opt.Parcels < 1 {
		return errors.New("gen: the number of parcels must be at least 1")
	}
	if opt.Vintage.IsZero() {
		opt.Vintage = DefaultVintage
	}
	ivry, err := ivryOutline()
	if err != nil {
		return err
	}
	var g *grid
	codes := []string{site.InseeIvry}
	commune := func(i, j int) int { return 0 }
	switch opt.Extent {
	case ExtentIvry:
		g = newGrid(ivry, opt.Parcels)
	case ExtentDepartment:
		g = newVariedGrid(valDeMarneBound, opt.Parcels, opt.Seed)
		codes, commune = g.communes(ivry)
	default:
		return fmt.Errorf("gen: unknown extent %d", opt.Extent)
	}
	cells, sections, err := g.cells(opt.Parcels, commune)
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
	number, last := 0, sectionKey{-1, -1}
	for n, c := range cells {
		i, j := int(c.i), int(c.j)
		if k := (sectionKey{int(c.commune), g.block(i, j)}); k != last {
			number, last = 0, k
		}
		number++
		id := fmt.Sprintf("%s000%s%04d", codes[c.commune], sections[last], number)
		ring := g.cell(opt.Seed, i, j)
		p := &cadastre.Parcel{ID: id, Geometry: orb.MultiPolygon{{ring}}}
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

// valDeMarneBound frames Val-de-Marne, in WGS84.
var valDeMarneBound = orb.Bound{Min: orb.Point{2.30, 48.68}, Max: orb.Point{2.62, 48.87}}

// valDeMarne lists the department's 47 communes by INSEE code, each with the centroid of
// its generalised outline (gregoiredavid/france-geojson, communes-94-val-de-marne): a
// department file gives a parcel to Ivry when it lies inside Ivry's outline, otherwise to
// the commune whose centroid is nearest.
var valDeMarne = []struct {
	insee    string
	lon, lat float64
}{
	{"94001", 2.421, 48.724}, // Ablon-sur-Seine
	{"94002", 2.421, 48.796}, // Alfortville
	{"94003", 2.334, 48.806}, // Arcueil
	{"94004", 2.527, 48.747}, // Boissy-Saint-Léger
	{"94011", 2.488, 48.773}, // Bonneuil-sur-Marne
	{"94015", 2.523, 48.839}, // Bry-sur-Marne
	{"94016", 2.332, 48.791}, // Cachan
	{"94017", 2.515, 48.818}, // Champigny-sur-Marne
	{"94018", 2.408, 48.822}, // Charenton-le-Pont
	{"94019", 2.541, 48.798}, // Chennevières-sur-Marne
	{"94021", 2.353, 48.767}, // Chevilly-Larue
	{"94022", 2.417, 48.765}, // Choisy-le-Roi
	{"94028", 2.455, 48.784}, // Créteil
	{"94033", 2.474, 48.851}, // Fontenay-sous-Bois
	{"94034", 2.326, 48.757}, // Fresnes
	{"94037", 2.343, 48.813}, // Gentilly
	{"94038", 2.337, 48.776}, // L'Haÿ-les-Roses
	{"94041", 2.388, 48.813}, // Ivry-sur-Seine
	{"94042", 2.470, 48.819}, // Joinville-le-Pont
	{"94043", 2.357, 48.809}, // Le Kremlin-Bicêtre
	{"94044", 2.490, 48.745}, // Limeil-Brévannes
	{"94046", 2.438, 48.806}, // Maisons-Alfort
	{"94047", 2.548, 48.706}, // Mandres-les-Roses
	{"94048", 2.555, 48.739}, // Marolles-en-Brie
	{"94052", 2.482, 48.836}, // Nogent-sur-Marne
	{"94053", 2.554, 48.774}, // Noiseau
	{"94054", 2.395, 48.743}, // Orly
	{"94055", 2.538, 48.785}, // Ormesson-sur-Marne
	{"94056", 2.561, 48.697}, // Périgny
	{"94058", 2.504, 48.842}, // Le Perreux-sur-Marne
	{"94059", 2.575, 48.806}, // Le Plessis-Trévise
	{"94060", 2.583, 48.777}, // La Queue-en-Brie
	{"94065", 2.352, 48.750}, // Rungis
	{"94067", 2.419, 48.841}, // Saint-Mandé
	{"94068", 2.494, 48.799}, // Saint-Maur-des-Fossés
	{"94069", 2.437, 48.818}, // Saint-Maurice
	{"94070", 2.576, 48.735}, // Santeny
	{"94071", 2.533, 48.766}, // Sucy-en-Brie
	{"94073", 2.385, 48.761}, // Thiais
	{"94074", 2.461, 48.753}, // Valenton
	{"94075", 2.532, 48.721}, // Villecresnes
	{"94076", 2.359, 48.792}, // Villejuif
	{"94077", 2.411, 48.732}, // Villeneuve-le-Roi
	{"94078", 2.449, 48.741}, // Villeneuve-Saint-Georges
	{"94079", 2.547, 48.826}, // Villiers-sur-Marne
	{"94080", 2.435, 48.847}, // Vincennes
	{"94081", 2.394, 48.788}, // Vitry-sur-Seine
}

// metresPerDegree is the length of a degree of latitude; a degree of longitude is shorter
// by the cosine of the latitude. Good to a few parts per thousand, enough for test data.
const metresPerDegree = 111_320.0

// grid is a grid of cells over an outline, in metres east and north of the outline's
// south-west corner: square cells over an outline (poly), or over a rectangle cells whose
// widths vary from column to column and heights from row to row (xs, ys).
type grid struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree of longitude, latitude
	poly       [][2]float64
	w, h       float64
	size       float64   // cell side, metres, of a square grid
	xs, ys     []float64 // column and row edges, metres, of a varied grid; nil for a square one
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

// The columns of a varied grid are a base size times a factor from minSpread to
// maxSpread wide, and so are its rows high: cells run from 0.2 to 2.4 times the base
// size squared, a mean of one.
const (
	minSpread = 0.45
	maxSpread = 1.55
)

// newVariedGrid is a grid over the rectangle b whose columns and rows vary in size, drawn
// from the seed: the largest base size that still gives n cells, the rectangle covered
// from its south-west corner (the last column and row may reach a little beyond it).
func newVariedGrid(b orb.Bound, n int, seed int64) *grid {
	g := &grid{lon0: b.Min[0], lat0: b.Min[1]}
	g.ky = metresPerDegree
	g.kx = metresPerDegree * math.Cos((b.Min[1]+b.Max[1])/2*math.Pi/180)
	g.w, g.h = (b.Max[0]-b.Min[0])*g.kx, (b.Max[1]-b.Min[1])*g.ky
	mean := math.Sqrt(g.w * g.h / float64(n))
	lo, hi := mean/4, mean*4
	xsum := spreadSums(seed, 1, int(g.w/(lo*minSpread))+2)
	ysum := spreadSums(seed, 2, int(g.h/(lo*minSpread))+2)
	// span is how many columns or rows of the base size cover length.
	span := func(sums []float64, length, base float64) int {
		return sort.SearchFloat64s(sums, length/base)
	}
	for range 60 {
		mid := (lo + hi) / 2
		if span(xsum, g.w, mid)*span(ysum, g.h, mid) >= n {
			lo = mid
		} else {
			hi = mid
		}
	}
	g.size = lo
	g.cols, g.rows = span(xsum, g.w, lo), span(ysum, g.h, lo)
	g.xs, g.ys = make([]float64, g.cols+1), make([]float64, g.rows+1)
	for k := range g.xs {
		g.xs[k] = xsum[k] * lo
	}
	for k := range g.ys {
		g.ys[k] = ysum[k] * lo
	}
	return g
}

// spreadSums is the running sum of count size factors of a varied grid, each from
// minSpread to maxSpread, from the seed, the axis and its index alone.
func spreadSums(seed int64, axis uint64, count int) []float64 {
	base := splitmix(uint64(seed) ^ splitmix(axis<<56))
	sums := make([]float64, count+1)
	for k := range count {
		u := float64(splitmix(base^uint64(k))>>11) / (1 << 53)
		sums[k+1] = sums[k] + minSpread + (maxSpread-minSpread)*u
	}
	return sums
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

// row lists the ranges [from, to) of columns of row j that hold parcels: those inside
// the outline, or every column of a varied grid.
func (g *grid) row(j int) [][2]int {
	if g.xs != nil {
		return [][2]int{{0, g.cols}}
	}
	return g.intervals(g.size, j)
}

// each calls fn for the first n cells inside the outline, row by row from the south.
func (g *grid) each(n int, fn func(i, j int) error) error {
	done := 0
	for j := range g.rows {
		for _, iv := range g.row(j) {
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

// centre is the centre of cell (i, j), in metres.
func (g *grid) centre(i, j int) (x, y float64) {
	if g.xs != nil {
		return (g.xs[i] + g.xs[i+1]) / 2, (g.ys[j] + g.ys[j+1]) / 2
	}
	return (float64(i) + 0.5) * g.size, (float64(j) + 0.5) * g.size
}

// communes returns the codes of Val-de-Marne's communes and the commune of each cell (an
// index into the codes): Ivry's when the cell's centre lies inside Ivry's outline, else
// that of the nearest centroid of the others.
func (g *grid) communes(ivry orb.Ring) ([]string, func(i, j int) int) {
	type centroid struct {
		x, y float64
		k    int
	}
	codes := make([]string, len(valDeMarne))
	var others []centroid
	ivryK := 0
	for k, c := range valDeMarne {
		codes[k] = c.insee
		if c.insee == site.InseeIvry {
			ivryK = k
			continue
		}
		others = append(others, centroid{(c.lon - g.lon0) * g.kx, (c.lat - g.lat0) * g.ky, k})
	}
	ivryBound := ivry.Bound()
	return codes, func(i, j int) int {
		x, y := g.centre(i, j)
		if p := (orb.Point{g.lon0 + x/g.kx, g.lat0 + y/g.ky}); ivryBound.Contains(p) && planar.RingContains(ivry, p) {
			return ivryK
		}
		best, nearest := 0, math.Inf(1)
		for _, c := range others {
			if d := (c.x-x)*(c.x-x) + (c.y-y)*(c.y-y); d < nearest {
				best, nearest = c.k, d
			}
		}
		return best
	}
}

// maxSections is how many two-character sections there are: 0A to 0Z, then AA to ZZ.
const maxSections = 26 + 26*26

// gridCell is a cell picked for a parcel: column i, row j, and its commune (an index).
type gridCell struct {
	i, j, commune int32
}

// sectionKey names a section: a commune (an index) and a block of the grid.
type sectionKey struct{ commune, block int }

// cells picks the first n cells inside the outline (row by row from the south) and orders
// them as Etalab orders parcels, by id: cells are grouped by commune, then in square
// blocks, one cadastral section each per commune (at most 99 × 99 parcels, so that
// numbers fit in 4 digits); a commune's sections are named in block order and numbered
// row by row within the block. It returns the cells and the name of each section.
func (g *grid) cells(n int, commune func(i, j int) int) ([]gridCell, map[sectionKey]string, error) {
	cells := make([]gridCell, 0, n)
	_ = g.each(n, func(i, j int) error {
		cells = append(cells, gridCell{int32(i), int32(j), int32(commune(i, j))})
		return nil
	})
	for g.blockSide = 50; g.blockSide < 100; g.blockSide++ {
		used := map[sectionKey]bool{}
		perCommune := map[int]int{}
		for _, c := range cells {
			k := sectionKey{int(c.commune), g.block(int(c.i), int(c.j))}
			if !used[k] {
				used[k] = true
				perCommune[k.commune]++
			}
		}
		if slices.Max(slices.Collect(maps.Values(perCommune))) > maxSections {
			continue
		}
		slices.SortFunc(cells, func(a, b gridCell) int {
			if a.commune != b.commune {
				return int(a.commune - b.commune)
			}
			if ba, bb := g.block(int(a.i), int(a.j)), g.block(int(b.i), int(b.j)); ba != bb {
				return ba - bb
			}
			if a.j != b.j {
				return int(a.j - b.j)
			}
			return int(a.i - b.i)
		})
		sections := map[sectionKey]string{}
		named := map[int]int{}
		for _, c := range cells {
			if k := (sectionKey{int(c.commune), g.block(int(c.i), int(c.j))}); sections[k] == "" {
				sections[k] = sectionCode(named[k.commune])
				named[k.commune]++
			}
		}
		return cells, sections, nil
	}
	return nil, nil, fmt.Errorf("gen: %d parcels do not fit in %d sections of %d parcels per commune", n, maxSections, 99*99)
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
		var x, y float64
		if g.xs == nil {
			x = (float64(ci) + dx*0.25) * g.size
			y = (float64(cj) + dy*0.25) * g.size
		} else {
			// A quarter of the narrower of the cells on either side, as on a square grid.
			x = g.xs[ci] + dx*0.25*min(gap(g.xs, ci-1), gap(g.xs, ci))
			y = g.ys[cj] + dy*0.25*min(gap(g.ys, cj-1), gap(g.ys, cj))
		}
		return orb.Point{round7(g.lon0 + x/g.kx), round7(g.lat0 + y/g.ky)}
	}
	a, b, c, d := corner(i, j), corner(i+1, j), corner(i+1, j+1), corner(i, j+1)
	return orb.Ring{a, b, c, d, a}
}

// gap is the size of the k-th cell between edges, k held to the cells there are.
func gap(edges []float64, k int) float64 {
	k = min(max(k, 0), len(edges)-2)
	return edges[k+1] - edges[k]
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

// properties are an Etalab parcel's attributes.
type properties struct {
	ID         string `json:"id"`
	Commune    string `json:"commune"`
	Prefixe    string `json:"prefixe"`
	Section    string `json:"section"`
	Numero     string `json:"numero"`
	Contenance *int64 `json:"contenance,omitempty"`
	Arpente    bool   `json:"arpente"`
	Created    string `json:"created,omitempty"`
	Updated    string `json:"updated,omitempty"`
}

// etalabFeature is one parcel as Etalab writes it.
type etalabFeature = geojson.FeatureOf[properties]

func (fw *featureWriter) write(p *cadastre.Parcel) error {
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
