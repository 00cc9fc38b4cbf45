package synth

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"

	"github.com/emprises/emprises/internal/site"
)

func TestParseExtent(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Extent
		ok   bool
	}{
		{"ivry", ExtentIvry, true},
		{"department", ExtentDepartment, true},
		{"", 0, false},
		{"Department", 0, false},
		{"94", 0, false},
	} {
		got, err := ParseExtent(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseExtent(%q) = %v, %v; want %v, ok %t", tt.in, got, err, tt.want, tt.ok)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("ParseExtent(%q).String() = %q", tt.in, got)
		}
	}
}

func TestGenerateDepartment(t *testing.T) {
	const n = 40_000
	opt := GenOptions{Parcels: n, Seed: 7, Extent: ExtentDepartment}
	a := generate(t, opt)
	if b := generate(t, opt); !bytes.Equal(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	if c := generate(t, GenOptions{Parcels: n, Seed: 8, Extent: ExtentDepartment}); bytes.Equal(a, c) {
		t.Fatal("two seeds give the same file")
	}
	ps, err := readAll(t, bytes.NewReader(a))
	if err != nil {
		t.Fatalf("the generated file does not read back: %v", err)
	}
	if len(ps) != n {
		t.Fatalf("%d parcels; want %d", len(ps), n)
	}
	communes := map[string]bool{}
	for _, c := range valDeMarne {
		communes[c.insee] = true
	}
	ivry, err := ivryOutline()
	if err != nil {
		t.Fatal(err)
	}
	// A cell is some 110 m wide here: a parcel of Ivry lies within Ivry's frame and one
	// cell around it.
	ivryFrame := ivry.Bound().Pad(0.002)
	department := valDeMarneBound.Pad(0.002)
	// Points well inside a commune, and the commune whose parcel covers them.
	landmarks := []struct {
		name  string
		at    orb.Point
		insee string
	}{
		{"Ivry, town hall", orb.Point{2.3846, 48.8113}, "94041"},
		{"Ivry, Confluence", orb.Point{2.4000, 48.8140}, "94041"},
		{"Vitry-sur-Seine", orb.Point{2.3940, 48.7880}, "94081"},
		{"Créteil", orb.Point{2.4550, 48.7840}, "94028"},
		{"Vincennes", orb.Point{2.4350, 48.8470}, "94080"},
	}
	found := make([]string, len(landmarks))
	var ivryArea float64
	var areas []float64
	seen := map[string]bool{}
	for k, p := range ps {
		id, err := site.ParseParcelID(p.ID)
		if err != nil {
			t.Fatalf("parcel %d: %v", k, err)
		}
		if seen[p.ID] {
			t.Fatalf("id %s twice", p.ID)
		}
		seen[p.ID] = true
		if k > 0 && p.ID <= ps[k-1].ID {
			t.Fatalf("parcel %d: %s after %s; want the file ordered by id", k, p.ID, ps[k-1].ID)
		}
		if !communes[id.Insee()] {
			t.Fatalf("parcel %s: commune %s is not in Val-de-Marne", p.ID, id.Insee())
		}
		ring := p.Geometry[0][0]
		if len(ring) != 5 || geo.SignedArea(ring) <= 0 {
			t.Fatalf("parcel %s: %v; want a counter-clockwise quadrilateral", p.ID, ring)
		}
		b := ring.Bound()
		if !department.Contains(b.Min) || !department.Contains(b.Max) {
			t.Fatalf("parcel %s lies outside Val-de-Marne: %v", p.ID, b)
		}
		area := geo.Area(ring)
		areas = append(areas, area)
		if id.Insee() == site.InseeIvry {
			ivryArea += area
			if !ivryFrame.Contains(b.Min) || !ivryFrame.Contains(b.Max) {
				t.Errorf("parcel %s of Ivry lies outside Ivry: %v", p.ID, b)
			}
		}
		for i, l := range landmarks {
			if planar.RingContains(ring, l.at) {
				found[i] = p.ID
			}
		}
	}
	for i, l := range landmarks {
		if !strings.HasPrefix(found[i], l.insee) {
			t.Errorf("%s (%v): parcel %q; want one of commune %s", l.name, l.at, found[i], l.insee)
		}
	}
	// Ivry covers about 6.1 km², whatever the number of parcels.
	if ivryArea < 5.5e6 || ivryArea > 6.8e6 {
		t.Errorf("the parcels of 94041 cover %.2f km²; want about Ivry's 6.1", ivryArea/1e6)
	}
	slices.Sort(areas)
	if p5, p95 := areas[len(areas)/20], areas[len(areas)*19/20]; p95 < 3*p5 {
		t.Errorf("parcel areas from %.0f m² (5th percentile) to %.0f m² (95th); want a spread of sizes", p5, p95)
	}

	// The next vintage of a department file splits and merges parcels as for a commune.
	small := generate(t, GenOptions{Parcels: 3000, Seed: 7, Extent: ExtentDepartment})
	var next bytes.Buffer
	ch, err := Modify(&next, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(small)), nil },
		ModifyOptions{Seed: 1, ChangeRate: 0.1})
	if err != nil {
		t.Fatalf("Modify: %v", err)
	}
	if len(ch.Split) == 0 || len(ch.Merged) == 0 {
		t.Errorf("Modify of a department file: %d split, %d merged; want some of each", len(ch.Split), len(ch.Merged))
	}
	if _, err := readAll(t, &next); err != nil {
		t.Errorf("the next vintage does not read back: %v", err)
	}
}

// TestDepartmentParcelSizes checks the sizes of a benchmark's department file without
// writing it: 500 000 cells over Val-de-Marne are a few hundred to a few thousand m².
func TestDepartmentParcelSizes(t *testing.T) {
	g := newVariedGrid(valDeMarneBound, 500_000, 1)
	if cells := g.cols * g.rows; cells < 500_000 || cells > 502_000 {
		t.Errorf("%d × %d cells for 500 000 parcels", g.cols, g.rows)
	}
	lo, hi, sum := 1e9, 0.0, 0.0
	for i := range g.cols {
		for j := range g.rows {
			a := (g.xs[i+1] - g.xs[i]) * (g.ys[j+1] - g.ys[j])
			lo, hi, sum = min(lo, a), max(hi, a), sum+a
		}
	}
	if mean := sum / float64(g.cols*g.rows); lo < 150 || hi > 3000 || mean < 800 || mean > 1200 {
		t.Errorf("cells from %.0f to %.0f m², %.0f on average; want some 200 to 2 500, 1 000 on average", lo, hi, mean)
	}
}
