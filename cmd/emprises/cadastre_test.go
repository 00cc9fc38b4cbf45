package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/pgtest"
)

// cadastreCLI runs subcommands in-process on a fresh test database.
type cadastreCLI struct {
	t   *testing.T
	url string
}

func newCadastreCLI(t *testing.T) *cadastreCLI {
	return &cadastreCLI{t: t, url: pgtest.NewDBURL(t)}
}

func (c *cadastreCLI) run(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return c.url
		}
		return ""
	}
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func (c *cadastreCLI) count(query string) int {
	c.t.Helper()
	conn, err := pgx.Connect(c.t.Context(), c.url)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(c.t.Context(), query).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

func TestGenCadastreIsDeterministic(t *testing.T) {
	t.Parallel()
	c := &cadastreCLI{t: t}
	dir := t.TempDir()
	gen := func(name string, args ...string) []byte {
		path := filepath.Join(dir, name)
		if _, errOut, err := c.run(append([]string{"gen", "cadastre", "--out", path}, args...)...); err != nil {
			t.Fatalf("gen %v: %v\n%s", args, err, errOut)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := gen("a.json.gz", "--parcels", "500", "--seed", "9")
	if b := gen("b.json.gz", "--parcels", "500", "--seed", "9"); !bytes.Equal(a, b) {
		t.Error("same flags, different files")
	}
	if a[0] != 0x1f || a[1] != 0x8b {
		t.Error("a .gz file is not gzipped")
	}
	if plain := gen("c.json", "--parcels", "500", "--seed", "9"); !bytes.HasPrefix(plain, []byte(`{"type":"FeatureCollection"`)) {
		t.Errorf("a .json file starts %q", plain[:40])
	}
	d := gen("d.json", "--parcels", "500", "--seed", "9", "--extent", "department")
	if d2 := gen("d2.json", "--parcels", "500", "--seed", "9", "--extent", "department"); !bytes.Equal(d, d2) {
		t.Error("same flags, different department files")
	}
	if !bytes.Contains(d, []byte(`"commune":"94081"`)) {
		t.Error("a department file has no parcel of Vitry-sur-Seine (94081)")
	}
	m1 := gen("m1.json.gz", "--modify-from", filepath.Join(dir, "a.json.gz"), "--change-rate", "0.1", "--seed", "2")
	if m2 := gen("m2.json.gz", "--modify-from", filepath.Join(dir, "a.json.gz"), "--change-rate", "0.1", "--seed", "2"); !bytes.Equal(m1, m2) {
		t.Error("same modification, different files")
	}
	for _, args := range [][]string{
		{"gen", "cadastre"},
		{"gen", "cadastre", "--parcels", "10", "--modify-from", "x"},
		{"gen", "cadastre", "--parcels", "10", "--vintage", "2025-13-01"},
		{"gen", "cadastre", "--parcels", "10", "--extent", "region"},
		{"gen", "cadastre", "--modify-from", "x", "--extent", "ivry"},
		{"gen", "parcels"},
	} {
		if _, _, err := c.run(args...); exitCode(err) != 2 {
			t.Errorf("run(%q) = %v; want a usage error", args, err)
		}
	}
}

func TestImportCadastreCommand(t *testing.T) {
	t.Parallel()
	c := newCadastreCLI(t)
	dir := t.TempDir()
	v1, v2 := filepath.Join(dir, "v1.json.gz"), filepath.Join(dir, "v2.json.gz")
	if _, errOut, err := c.run("gen", "cadastre", "--parcels", "1500", "--seed", "4", "--out", v1); err != nil {
		t.Fatalf("gen: %v\n%s", err, errOut)
	}
	if _, errOut, err := c.run("gen", "cadastre", "--modify-from", v1, "--change-rate", "0.05", "--seed", "5", "--out", v2); err != nil {
		t.Fatalf("gen --modify-from: %v\n%s", err, errOut)
	}
	if _, _, err := c.run("seed"); err != nil {
		t.Fatal(err)
	}

	out, errOut, err := c.run("import", "cadastre", v1)
	if err != nil || !strings.Contains(out, "1500 parcels") || !strings.Contains(out, "added 1500") {
		t.Fatalf("import: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	if !strings.Contains(errOut, "import: 1500 parcels read") {
		t.Errorf("no progress on stderr:\n%s", errOut)
	}
	if out, _, err := c.run("import", "cadastre", v1); err != nil || !strings.Contains(out, "already imported") {
		t.Errorf("second import of the same file: %v, %q; want it skipped", err, out)
	}

	// Link three parcels to a part (short and long ids) and build its outline from them.
	out, _, err = c.run("link", "--part", "usine-des-eaux-quartus", "--parcels", "A1, a 2,940410000A0003", "--rebuild")
	if err != nil || !strings.Contains(out, "940410000A0002") || !strings.Contains(out, "quality cadastre") {
		t.Fatalf("link --rebuild: %v\n%s", err, out)
	}
	if n := c.count(`SELECT count(*) FROM site_parts WHERE id = 'usine-des-eaux-quartus' AND geometry_quality = 'cadastre'`); n != 1 {
		t.Errorf("the part is not of cadastre quality after rebuild")
	}
	if _, _, err := c.run("link", "--part", "no-such-part", "--parcels", "A1"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("link to a missing part: %v", err)
	}
	if _, _, err := c.run("link", "--part", "usine-des-eaux-quartus", "--parcels", "A0"); exitCode(err) != 2 {
		t.Errorf("link with parcel A0: %v; want a usage error", err)
	}

	out, _, err = c.run("import", "cadastre", "--all", v2)
	if err != nil || !strings.Contains(out, "vintage 2025-04-01") || !strings.Contains(out, "split") {
		t.Fatalf("import of the next vintage: %v\n%s", err, out)
	}
	if _, _, err := c.run("import", "cadastre", v1); err == nil || !strings.Contains(err.Error(), "older") {
		t.Errorf("import of the older vintage: %v; want a refusal", err)
	}
	if _, _, err := c.run("rebuild", "--part", "usine-des-eaux-quartus"); err != nil {
		t.Errorf("rebuild: %v", err)
	}
}

func TestImportCadastreRefusesBadFiles(t *testing.T) {
	t.Parallel()
	c := newCadastreCLI(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if _, _, err := c.run("gen", "cadastre", "--parcels", "40", "--out", good); err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	gzipped := filepath.Join(dir, "good.json.gz")
	if _, _, err := c.run("gen", "cadastre", "--parcels", "40", "--out", gzipped); err != nil {
		t.Fatal(err)
	}
	gz, _ := os.ReadFile(gzipped)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := []struct {
		path string
		want []string
	}{
		{write("truncated.json.gz", gz[:len(gz)*2/3]), []string{"truncated"}},
		{write("not-geojson.csv", []byte("id;contenance\n94041000AZ0056;9100\n")), []string{"not a GeoJSON file"}},
		{write("bad-id.json", bytes.Replace(text, []byte(`"id":"940410000A0007","commune"`), []byte(`"id":"9404100A0007","commune"`), 1)),
			[]string{"feature 7", `"9404100A0007"`, "14 characters"}},
		{write("bad-geometry.json", bytes.Replace(text, []byte(`{"id":"940410000A0009","type":"Feature","geometry":{"type":"Polygon"`),
			[]byte(`{"id":"940410000A0009","type":"Feature","geometry":{"type":"LineString"`), 1)),
			[]string{"feature 9", "940410000A0009", "LineString"}},
		{write("short-ring.json", bytes.Replace(text, []byte(`{"id":"940410000A0011","type":"Feature","geometry":{"type":"Polygon","coordinates":[[`),
			[]byte(`{"id":"940410000A0011","type":"Feature","geometry":{"type":"Polygon","coordinates":[[[2.39,48.8],[2.391,48.8],[2.39,48.8]],[`), 1)),
			[]string{"feature 11", "940410000A0011", "at least 4"}},
	}
	for _, f := range files {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			_, _, err := c.run("import", "cadastre", f.path)
			if err == nil || exitCode(err) != 1 {
				t.Fatalf("import %s = %v; want a failure with exit code 1", f.path, err)
			}
			msg := err.Error()
			for _, w := range append(f.want, filepath.Base(f.path), "nothing was imported") {
				if !strings.Contains(msg, w) {
					t.Errorf("import %s: %q; want it to say %q", f.path, msg, w)
				}
			}
		})
	}
	if n := c.count(`SELECT count(*) FROM parcels`) + c.count(`SELECT count(*) FROM cadastre_imports`); n != 0 {
		t.Errorf("%d rows in parcels and cadastre_imports after failed imports; want none", n)
	}
}

// TestImportCadastreRefusesRemovalsCommand: a file holding part of the commune is refused,
// naming the file and what would go (a linked parcel with its site and part), with exit
// code 1 and nothing written; --dry-run prints the report and writes nothing;
// --allow-removals imports it.
func TestImportCadastreRefusesRemovalsCommand(t *testing.T) {
	t.Parallel()
	c := newCadastreCLI(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full.json")
	if _, errOut, err := c.run("gen", "cadastre", "--parcels", "800", "--seed", "6", "--out", full); err != nil {
		t.Fatalf("gen: %v\n%s", err, errOut)
	}
	text, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	// The header, the first 200 features, the end.
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	kept := append(slices.Clone(lines[:200]), strings.TrimSuffix(lines[200], ","), lines[len(lines)-1])
	partial := filepath.Join(dir, "section-a.json")
	if err := os.WriteFile(partial, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.run("seed"); err != nil {
		t.Fatal(err)
	}
	if _, errOut, err := c.run("import", "cadastre", full); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	// 940410000A0700 is beyond the partial file's 200 parcels.
	if _, _, err := c.run("link", "--part", "usine-des-eaux-quartus", "--parcels", "A700"); err != nil {
		t.Fatal(err)
	}
	state := func() string {
		return fmt.Sprint(c.count(`SELECT count(*) FROM parcels`), c.count(`SELECT count(*) FROM parcels WHERE part_id IS NOT NULL`),
			c.count(`SELECT count(*) FROM cadastre_imports`), c.count(`SELECT count(*) FROM audit_log`))
	}
	before := state()

	out, _, err := c.run("import", "cadastre", partial)
	if exitCode(err) != 1 {
		t.Fatalf("import of part of the commune = %v; want a refusal with exit code 1\n%s", err, out)
	}
	for _, w := range []string{"section-a.json", "600 of the 800 parcels of commune 94041", "940410000A0700", "usine-des-eaux-quartus", "--allow-removals", "nothing was imported"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("refusal %q; want it to say %q", err, w)
		}
	}
	for _, w := range []string{"94041  600 of 800 (75.0 %)", "940410000A0700  removed", "site usine-des-eaux", "part usine-des-eaux-quartus"} {
		if !strings.Contains(out, w) {
			t.Errorf("refusal report:\n%s\nwant it to say %q", out, w)
		}
	}
	if after := state(); after != before {
		t.Errorf("after the refusal: %s; want %s, nothing written", after, before)
	}

	out, _, err = c.run("import", "cadastre", "--dry-run", partial)
	if err != nil {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	for _, w := range []string{"Dry run: nothing was written", "94041  600 of 800", "940410000A0700", "refused without --allow-removals",
		"Would import section-a.json", "gone 600"} {
		if !strings.Contains(out, w) {
			t.Errorf("dry run report:\n%s\nwant it to say %q", out, w)
		}
	}
	if after := state(); after != before {
		t.Errorf("after the dry run: %s; want %s, nothing written", after, before)
	}

	out, _, err = c.run("import", "cadastre", "--allow-removals", partial)
	if err != nil || !strings.Contains(out, "gone 600") {
		t.Fatalf("import --allow-removals: %v\n%s", err, out)
	}
	if n := c.count(`SELECT count(*) FROM parcels`); n != 200 {
		t.Errorf("parcels after import --allow-removals = %d; want 200", n)
	}
}
