package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/cadastre"
	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/site"
)

// cadastreStore is a store on a fresh database with the reference sites.
func cadastreStore(t *testing.T) *Store {
	t.Helper()
	s := New(pgtest.NewDB(t))
	ds, err := geodata.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seed(t.Context(), testActor, ds); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return s
}

// genCadastre is a gzipped synthetic parcel file.
func genCadastre(t *testing.T, n int, seed int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := synth.Generate(zw, synth.GenOptions{Parcels: n, Seed: seed}); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importBytes(ctx context.Context, s *Store, file []byte, imp CadastreImport) (*CadastreReport, error) {
	r, err := cadastre.NewReader(bytes.NewReader(file))
	if err != nil {
		return nil, err
	}
	if imp.FileName == "" {
		imp.FileName = "cadastre-94041-parcelles.json.gz"
	}
	if imp.SHA256 == "" {
		imp.SHA256 = strings.Repeat("0", 64)
	}
	return s.ImportCadastre(ctx, testActor, r, imp)
}

func countRows(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportCadastreThenModifiedVintage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	const n = 3000
	first := genCadastre(t, n, 7)

	r, err := importBytes(ctx, s, first, CadastreImport{})
	if err != nil {
		t.Fatalf("first import: %v", err)
	}
	if !r.First || r.Parcels != n || r.Added != n || r.Removed != 0 || r.Modified != 0 || len(r.Changes) != 0 {
		t.Errorf("first import = %+v; want %d added and nothing else", *r, n)
	}
	if want := synth.DefaultVintage; !r.Vintage.Equal(want) {
		t.Errorf("vintage = %v; want %v (the latest updated date)", r.Vintage, want)
	}
	if got := countRows(t, s, "parcels"); got != n {
		t.Errorf("parcels = %d; want %d", got, n)
	}

	// The same file again: nothing changes.
	again, err := importBytes(ctx, s, first, CadastreImport{})
	if err != nil {
		t.Fatalf("second import of the same file: %v", err)
	}
	if again.First || again.Unchanged != n || again.Added+again.Modified+again.Refreshed+again.Removed != 0 || len(again.Changes) != 0 {
		t.Errorf("re-import = %+v; want %d unchanged and nothing else", *again, n)
	}

	// The next vintage, with some parcels linked to a part beforehand.
	var next bytes.Buffer
	zw := gzip.NewWriter(&next)
	changes, err := synth.Modify(zw, func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(first)), nil
	}, synth.ModifyOptions{Seed: 3, ChangeRate: 0.05})
	if err != nil {
		t.Fatalf("Modify: %v", err)
	}
	zw.Close()
	if len(changes.Split) == 0 || len(changes.Merged) == 0 || len(changes.Removed) == 0 ||
		len(changes.Contenance) == 0 || len(changes.Outline) == 0 {
		t.Fatalf("Modify made %+v; want some of every kind", changes)
	}
	var splitOld string
	for old := range changes.Split {
		splitOld = old
		break
	}
	var mergedNew string
	for id := range changes.Merged {
		mergedNew = id
		break
	}
	linked := []site.ParcelID{site.ParcelID(splitOld), site.ParcelID(changes.Merged[mergedNew][0]),
		site.ParcelID(changes.Merged[mergedNew][1]), site.ParcelID(changes.Removed[0])}
	partID := firstPart(t, s)
	if _, err := s.LinkParcels(ctx, testActor, partID, AnyVersion, ParcelLink{IDs: linked}); err != nil {
		t.Fatalf("LinkParcels: %v", err)
	}

	// The removed parcel takes its link away: refused unless allowed.
	var re *RemovalsError
	if _, err := importBytes(ctx, s, next.Bytes(), CadastreImport{}); !errors.As(err, &re) ||
		len(re.Removals.Linked) != 1 || re.Removals.Linked[0].ParcelID != changes.Removed[0] {
		t.Fatalf("import of the modified vintage: %v; want it refused for the link of %s", err, changes.Removed[0])
	}
	r2, err := importBytes(ctx, s, next.Bytes(), CadastreImport{AllowRemovals: true})
	if err != nil {
		t.Fatalf("import of the modified vintage: %v", err)
	}
	if !r2.Vintage.Equal(changes.Vintage) {
		t.Errorf("vintage = %v; want %v", r2.Vintage, changes.Vintage)
	}

	// Exactly the changes Modify made, and nothing else.
	got := map[string][]string{}
	for _, c := range r2.Changes {
		got[c.Kind] = append(got[c.Kind], c.ParcelID)
	}
	want := map[string][]string{"removed": changes.Removed}
	for old, news := range changes.Split {
		want["split"] = append(want["split"], old)
		want["added"] = append(want["added"], news...)
	}
	for id, olds := range changes.Merged {
		want["merged"] = append(want["merged"], olds...)
		want["added"] = append(want["added"], id)
	}
	want["modified"] = append(slices.Clone(changes.Contenance), changes.Outline...)
	for _, kind := range []string{"split", "merged", "removed", "added", "modified", "renumbered", "reorganised"} {
		g, w := slices.Sorted(slices.Values(got[kind])), slices.Sorted(slices.Values(want[kind]))
		if !slices.Equal(g, w) {
			t.Errorf("%s: got %d %v; want %d %v", kind, len(g), g, len(w), w)
		}
	}
	for _, c := range r2.Changes {
		switch c.Kind {
		case "split":
			if !slices.Equal(c.Related, changes.Split[c.ParcelID]) {
				t.Errorf("split %s into %v; want %v", c.ParcelID, c.Related, changes.Split[c.ParcelID])
			}
		case "modified":
			outline := slices.Contains(changes.Outline, c.ParcelID)
			if c.GeometryChanged != outline || (*c.ContenanceBefore != *c.ContenanceAfter) == outline {
				t.Errorf("modified %s: geometry changed %v, contenance %d → %d; want outline change %v",
					c.ParcelID, c.GeometryChanged, *c.ContenanceBefore, *c.ContenanceAfter, outline)
			}
		}
	}
	if r2.Split != len(changes.Split) || r2.Merged != len(want["merged"]) {
		t.Errorf("counts split %d merged %d; want %d, %d", r2.Split, r2.Merged, len(changes.Split), len(want["merged"]))
	}

	// Linked parcels come first, and their links went to the parcels that took their land.
	for i, c := range r2.Changes {
		if c.PartID == "" {
			if i < 4+2+1 { // 4 linked gone, 2 split pieces, 1 merged parcel
				t.Errorf("change %d (%s %s) is not linked; want the linked ones first", i, c.Kind, c.ParcelID)
			}
			break
		}
	}
	parcels, err := s.ListPartParcels(ctx, partID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range parcels {
		ids = append(ids, p.ID)
	}
	wantLinked := slices.Sorted(slices.Values(append(slices.Clone(changes.Split[splitOld]), mergedNew)))
	if !slices.Equal(ids, wantLinked) {
		t.Errorf("parcels of %s after the import = %v; want %v", partID, ids, wantLinked)
	}

	// An older vintage is refused unless forced.
	if _, err := importBytes(ctx, s, first, CadastreImport{}); err == nil || !strings.Contains(err.Error(), "older") {
		t.Errorf("import of an older vintage: %v; want a refusal", err)
	}
	if _, err := importBytes(ctx, s, first, CadastreImport{Force: true}); err != nil {
		t.Errorf("forced import of an older vintage: %v", err)
	}
}

// firstPart is a seeded part with an outline.
func firstPart(t *testing.T, s *Store) string {
	t.Helper()
	var id string
	if err := s.pool.QueryRow(t.Context(), `SELECT id FROM site_parts WHERE geom IS NOT NULL ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestImportCadastreRefusesBadFilesWhole(t *testing.T) {
	t.Parallel()
	s := cadastreStore(t)
	good := genCadastre(t, 50, 1)
	if _, err := importBytes(t.Context(), s, good, CadastreImport{}); err != nil {
		t.Fatal(err)
	}
	plain := gunzip(t, good)
	lines := strings.Split(string(plain), "\n")
	// lines[0] is the header; features follow one per line.
	bowtie := `"coordinates":[[[2.39,48.80],[2.391,48.801],[2.391,48.80],[2.39,48.801],[2.39,48.80]]]`
	withLine := func(i int, edit func(string) string) []byte {
		l := slices.Clone(lines)
		l[i] = edit(l[i])
		return []byte(strings.Join(l, "\n"))
	}
	tests := []struct {
		name  string
		file  []byte
		index int
		id    string
		want  string
	}{
		{"duplicate id", withLine(5, func(s string) string {
			s = strings.ReplaceAll(s, "940410000A0005", "940410000A0002")
			return strings.ReplaceAll(s, `"numero":"5"`, `"numero":"2"`)
		}), 5, "940410000A0002", "already used by feature 2"},
		{"self-intersecting", withLine(3, func(s string) string {
			i, j := strings.Index(s, `"coordinates"`), strings.Index(s, `]]]`)
			return s[:i] + bowtie + s[j+3:]
		}), 3, "940410000A0003", "Self-intersection"},
		{"no features", []byte(`{"type":"FeatureCollection","features":[]}`), 0, "", "no parcel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := countRows(t, s, "cadastre_imports")
			_, err := importBytes(t.Context(), s, tt.file, CadastreImport{})
			var fe *cadastre.FeatureError
			if !errors.As(err, &fe) || fe.Index != tt.index || fe.ID != tt.id || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("import = %v; want a FeatureError for feature %d (%s) saying %q", err, tt.index, tt.id, tt.want)
			}
			if after := countRows(t, s, "cadastre_imports"); after != before {
				t.Errorf("cadastre_imports went from %d to %d rows; want no change", before, after)
			}
			if n := countRows(t, s, "parcels"); n != 50 {
				t.Errorf("parcels = %d after a refused import; want the 50 of the first", n)
			}
		})
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLinkAndRebuildPart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	if _, err := importBytes(ctx, s, genCadastre(t, 400, 5), CadastreImport{Vintage: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	part := firstPart(t, s)

	if _, err := s.RebuildPart(ctx, testActor, part, AnyVersion, ""); err == nil || !strings.Contains(err.Error(), "no parcel linked") {
		t.Errorf("rebuild without parcels: %v; want a refusal", err)
	}
	ids := []site.ParcelID{"940410000A0001", "940410000A0002", "940410000A0003"}
	link, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: ids})
	if err != nil || len(link.Parcels) != 3 || len(link.Pending) != 0 {
		t.Fatalf("LinkParcels = %+v, %v; want 3 linked, none pending", link, err)
	}
	// A parcel not imported yet can be linked, but the part cannot be rebuilt from it.
	if link, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: []site.ParcelID{"94041000ZZ0001"}}); err != nil || len(link.Pending) != 1 {
		t.Fatalf("LinkParcels(not imported) = %+v, %v; want it pending", link, err)
	}
	if _, err := s.RebuildPart(ctx, testActor, part, AnyVersion, ""); err == nil || !strings.Contains(err.Error(), "not in the cadastre yet") {
		t.Errorf("rebuild with a pending parcel: %v; want a refusal", err)
	}
	if _, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: []site.ParcelID{"94041000ZZ0001"}, Unlink: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: []site.ParcelID{"94041000ZZ0001"}, Unlink: true}); err == nil {
		t.Error("detaching a parcel twice: no error")
	}
	// Another part cannot take them without moving them.
	var other string
	if err := s.pool.QueryRow(ctx, `SELECT id FROM site_parts WHERE id <> $1 ORDER BY id LIMIT 1`, part).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LinkParcels(ctx, testActor, other, AnyVersion, ParcelLink{IDs: ids[:1]}); err == nil {
		t.Error("linking a parcel of another part: no error")
	}

	var version0 int64
	s.pool.QueryRow(ctx, `SELECT version FROM sites WHERE id = (SELECT site_id FROM site_parts WHERE id = $1)`, part).Scan(&version0)
	rb, err := s.RebuildPart(ctx, testActor, part, AnyVersion, "")
	if err != nil {
		t.Fatalf("RebuildPart: %v", err)
	}
	var quality, source string
	var area, sum float64
	var version int64
	err = s.pool.QueryRow(ctx, `
		SELECT p.geometry_quality, p.geometry_source, p.area_m2,
		       (SELECT sum(ST_Area(geom)) FROM parcels WHERE part_id = p.id), s.version
		  FROM site_parts p JOIN sites s ON s.id = p.site_id WHERE p.id = $1`, part).Scan(&quality, &source, &area, &sum, &version)
	if err != nil {
		t.Fatal(err)
	}
	if quality != "cadastre" || !strings.Contains(source, "A 1, A 2, A 3") || !strings.Contains(source, "01/07/2024") {
		t.Errorf("after rebuild: quality %q, source %q; want cadastre, naming A 1, A 2, A 3 and the vintage", quality, source)
	}
	if d := area - sum; d > 0.01*sum || d < -0.01*sum || rb.AreaM2 != area {
		t.Errorf("rebuilt area %.2f (reported %.2f); want the parcels' %.2f", area, rb.AreaM2, sum)
	}
	if version <= version0 {
		t.Errorf("site version %d after rebuild; want more than %d", version, version0)
	}
}

// TestImportCadastreAbsorbedParcel: a parcel taken in by its neighbour, which keeps its
// number and gets a bigger outline, is reported merged into it, not removed.
func TestImportCadastreAbsorbedParcel(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	var plain bytes.Buffer
	if err := synth.Generate(&plain, synth.GenOptions{Parcels: 200, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	first := plain.Bytes()
	rd, err := cadastre.NewReader(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := rd.Next()
	b, _ := rd.Next()
	ra, rb := a.Geometry[0][0], b.Geometry[0][0]
	if ra[1] != rb[0] || ra[2] != rb[3] {
		t.Fatalf("parcels %s and %s are not side by side: %v %v", a.ID, b.ID, ra, rb)
	}
	merged := [][2]float64{ra[0], ra[1], rb[1], rb[2], rb[3], ra[3], ra[0]}
	coords, _ := json.Marshal([][][2]float64{merged})
	lines := strings.Split(string(first), "\n")
	la := lines[1]
	i, j := strings.Index(la, `"coordinates":`)+len(`"coordinates":`), strings.Index(la, `]]]`)+3
	la = la[:i] + string(coords) + la[j:]
	la = la[:strings.Index(la, `"updated":"`)+len(`"updated":"`)] + `2025-06-01"}},`
	next := strings.Join(append([]string{lines[0], la}, lines[3:]...), "\n")

	if _, err := importBytes(ctx, s, first, CadastreImport{}); err != nil {
		t.Fatal(err)
	}
	part := firstPart(t, s)
	if _, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: []site.ParcelID{site.ParcelID(b.ID)}}); err != nil {
		t.Fatal(err)
	}
	r, err := importBytes(ctx, s, []byte(next), CadastreImport{AllowRemovals: true})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	// The part loses b's land to a, which serves no part: the link goes.
	if l := r.Removals.Linked; len(l) != 1 || l[0].ParcelID != b.ID || l[0].Kind != "merged" || l[0].PartID != part {
		t.Errorf("links taken away = %+v; want %s's, merged", l, b.ID)
	}
	got := map[string]CadastreChange{}
	for _, c := range r.Changes {
		got[c.ParcelID] = c
	}
	if c := got[b.ID]; len(r.Changes) != 2 || c.Kind != "merged" || !slices.Equal(c.Related, []string{a.ID}) || c.PartID != part {
		t.Errorf("changes %+v; want %s merged into %s (linked to %s), and %s modified", r.Changes, b.ID, a.ID, part, a.ID)
	}
	if c := got[a.ID]; c.Kind != "modified" || !c.GeometryChanged || !slices.Equal(c.Related, []string{b.ID}) {
		t.Errorf("change of %s = %+v; want its outline changed, having taken in %s", a.ID, c, b.ID)
	}
	if r.Merged != 1 || r.Removed != 1 {
		t.Errorf("counts: merged %d, gone %d; want 1, 1", r.Merged, r.Removed)
	}
}
