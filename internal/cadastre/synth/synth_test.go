package synth

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/emprises/emprises/internal/cadastre"
)

// readAll reads a generated file back with the reader the import uses.
func readAll(t *testing.T, r io.Reader) ([]*cadastre.Parcel, error) {
	t.Helper()
	rd, err := cadastre.NewReader(r)
	if err != nil {
		return nil, err
	}
	var out []*cadastre.Parcel
	for {
		p, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
}

func generate(t *testing.T, opt GenOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Generate(&b, opt); err != nil {
		t.Fatalf("Generate(%+v): %v", opt, err)
	}
	return b.Bytes()
}

func TestGenerateIsDeterministicAndTilesIvry(t *testing.T) {
	a := generate(t, GenOptions{Parcels: 3000, Seed: 42})
	if b := generate(t, GenOptions{Parcels: 3000, Seed: 42}); !bytes.Equal(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	if c := generate(t, GenOptions{Parcels: 3000, Seed: 43}); bytes.Equal(a, c) {
		t.Fatal("two seeds give the same file")
	}
	ps, err := readAll(t, bytes.NewReader(a))
	if err != nil {
		t.Fatalf("the generated file does not read back: %v", err)
	}
	if len(ps) != 3000 {
		t.Fatalf("%d parcels; want 3000", len(ps))
	}
	seen := map[string]bool{}
	var area float64
	vintage := time.Time{}
	for _, p := range ps {
		if seen[p.ID] {
			t.Fatalf("id %s twice", p.ID)
		}
		seen[p.ID] = true
		ring := p.Geometry[0][0]
		if len(ring) != 5 || geo.SignedArea(ring) <= 0 {
			t.Fatalf("parcel %s: %v; want a counter-clockwise quadrilateral", p.ID, ring)
		}
		if b := ring.Bound(); b.Min[0] < 2.35 || b.Max[0] > 2.42 || b.Min[1] < 48.79 || b.Max[1] > 48.83 {
			t.Fatalf("parcel %s lies outside Ivry: %v", p.ID, b)
		}
		area += geo.Area(ring)
		if p.Updated.After(vintage) {
			vintage = p.Updated
		}
	}
	// Ivry covers about 6.1 km²; the grid's cells inside it cover about as much.
	if area < 5.5e6 || area > 6.8e6 {
		t.Errorf("the parcels cover %.2f km²; want about Ivry's 6.1", area/1e6)
	}
	if !vintage.Equal(DefaultVintage) {
		t.Errorf("latest update %v; want the vintage %v", vintage, DefaultVintage)
	}
}

func TestModifyIsDeterministic(t *testing.T) {
	old := generate(t, GenOptions{Parcels: 2000, Seed: 1})
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(old)), nil }
	run := func(seed int64) ([]byte, *Changes) {
		var b bytes.Buffer
		ch, err := Modify(&b, open, ModifyOptions{Seed: seed, ChangeRate: 0.1})
		if err != nil {
			t.Fatalf("Modify: %v", err)
		}
		return b.Bytes(), ch
	}
	a, ch := run(5)
	if b, _ := run(5); !bytes.Equal(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	if !ch.Vintage.Equal(DefaultVintage.AddDate(0, 3, 0)) {
		t.Errorf("vintage %v; want a quarter after the old one", ch.Vintage)
	}
	ps, err := readAll(t, bytes.NewReader(a))
	if err != nil {
		t.Fatalf("the modified file does not read back: %v", err)
	}
	byID := map[string]*cadastre.Parcel{}
	for _, p := range ps {
		byID[p.ID] = p
	}
	for _, id := range ch.Removed {
		if byID[id] != nil {
			t.Errorf("removed %s is still there", id)
		}
	}
	for old, news := range ch.Split {
		if byID[old] != nil || len(news) != 2 || byID[news[0]] == nil || byID[news[1]] == nil {
			t.Errorf("split %s into %v: wrong", old, news)
		}
	}
	for id, olds := range ch.Merged {
		p := byID[id]
		if p == nil || byID[olds[0]] != nil || byID[olds[1]] != nil || len(p.Geometry[0][0]) != 7 {
			t.Errorf("merged %v into %s: wrong (%v)", olds, id, p)
		}
	}
	want := 2000 - len(ch.Removed) + len(ch.Split) - len(ch.Merged)
	if len(ps) != want {
		t.Errorf("%d parcels; want %d", len(ps), want)
	}
	if sum := sha256.Sum256(a); len(ch.Contenance) == 0 || len(ch.Outline) == 0 || sum == sha256.Sum256(old) {
		t.Errorf("no contenance or outline change: %+v", ch)
	}
}

func TestMergeRings(t *testing.T) {
	a := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}
	b := orb.Ring{{1, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 0}}
	got, ok := mergeRings(a, b)
	want := orb.Ring{{1, 1}, {0, 1}, {0, 0}, {1, 0}, {2, 0}, {2, 1}, {1, 1}}
	if !ok || !slices.Equal(got, want) || geo.SignedArea(got) <= 0 {
		t.Fatalf("mergeRings = %v, %v; want %v", got, ok, want)
	}
	if _, ok := mergeRings(a, orb.Ring{{5, 5}, {6, 5}, {6, 6}, {5, 5}}); ok {
		t.Error("rings without a common side were merged")
	}
}
