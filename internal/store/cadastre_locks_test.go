package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/site"
)

// TestImportCadastreKeepsReadersGoing: while an import of many parcels is in its
// transaction, having written them, a reader of parcels (a query, a parcel tile) answers
// at once, from the cadastre as it was.
func TestImportCadastreKeepsReadersGoing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	file := genCadastre(t, 20000, 3)
	// Around 2.39 E 48.81 N, in the middle of Ivry, and its z16 tile.
	const around = `SELECT count(*) FROM parcels
		WHERE geom && ST_Transform(ST_Expand(ST_SetSRID(ST_MakePoint(2.39, 48.81), 4326), 0.002), 2154)`
	read := func(phase string) (int, []byte) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		var n int
		if err := s.pool.QueryRow(ctx, around).Scan(&n); err != nil {
			t.Errorf("during %q: parcels query: %v; want an answer within 2 s", phase, err)
		}
		tile, err := s.ParcelTile(ctx, 16, 33203, 22559)
		if err != nil {
			t.Errorf("during %q: ParcelTile: %v; want an answer within 2 s", phase, err)
		}
		return n, tile
	}
	var phases []string
	_, err := importBytes(ctx, s, file, CadastreImport{Progress: func(phase string) {
		phases = append(phases, phase)
		if n, tile := read(phase); n != 0 || len(tile) != 0 {
			t.Errorf("during %q: %d parcels and a tile of %d bytes; want none before the import commits", phase, n, len(tile))
		}
	}})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if len(phases) == 0 || phases[len(phases)-1] != "committing" {
		t.Errorf("phases %q; want the last one, committing, after every parcel is written", phases)
	}
	if n, tile := read("after the import"); n == 0 || len(tile) == 0 {
		t.Errorf("after the import: %d parcels and a tile of %d bytes; want the new parcels", n, len(tile))
	}
}

// TestImportCadastreAndEditorsDoNotDeadlock: imports whose changes move on the version of
// a site run while editors link and unlink parcels of that site and of another; neither
// side is ever aborted as a deadlock (SQLSTATE 40P01), and every import and edit succeeds.
func TestImportCadastreAndEditorsDoNotDeadlock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := cadastreStore(t)
	first := genCadastre(t, 3000, 21)
	var next bytes.Buffer
	zw := gzip.NewWriter(&next)
	changes, err := synth.Modify(zw, func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(first)), nil
	}, synth.ModifyOptions{Seed: 4, ChangeRate: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	zw.Close()
	if _, err := importBytes(ctx, s, first, CadastreImport{}); err != nil {
		t.Fatal(err)
	}
	var parts []string // two parts of two sites
	if err := s.pool.QueryRow(ctx, `
		SELECT array_agg(id ORDER BY site_id) FROM (
		    SELECT DISTINCT ON (site_id) id, site_id FROM site_parts ORDER BY site_id, id LIMIT 2) p`).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	// Parcels whose contenance each vintage changes, linked to both parts: every import
	// changes both parts, and so both sites.
	for i, part := range parts {
		if _, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: []site.ParcelID{site.ParcelID(changes.Contenance[i])}}); err != nil {
			t.Fatal(err)
		}
	}
	// Parcels the editors link and unlink: in both vintages, unchanged.
	changed := map[string]bool{}
	for _, ids := range [][]string{changes.Removed, changes.Contenance, changes.Outline} {
		for _, id := range ids {
			changed[id] = true
		}
	}
	for old := range changes.Split {
		changed[old] = true
	}
	for _, olds := range changes.Merged {
		for _, id := range olds {
			changed[id] = true
		}
	}
	var toggled []site.ParcelID
	for i := 1; len(toggled) < 2*len(parts); i++ {
		id := site.ParcelID(site.InseeIvry + "0000A" + string(rune('0'+i/1000%10)) + string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)))
		if !changed[string(id)] {
			toggled = append(toggled, id)
		}
	}

	deadlock := func(err error) bool {
		var pgErr *pgconn.PgError
		return errors.As(err, &pgErr) && pgErr.Code == "40P01"
	}
	const rounds = 4
	for round := range rounds {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		edits := 0
		for i, part := range parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids := toggled[2*i : 2*i+2]
				for {
					for _, unlink := range []bool{false, true} {
						_, err := s.LinkParcels(ctx, testActor, part, AnyVersion, ParcelLink{IDs: ids, Unlink: unlink})
						if err != nil {
							if deadlock(err) {
								t.Errorf("round %d: editor of %s aborted as a deadlock: %v", round, part, err)
							} else {
								t.Errorf("round %d: editor of %s: %v", round, part, err)
							}
							return
						}
						mu.Lock()
						edits++
						mu.Unlock()
					}
					select {
					case <-stop:
						return
					default:
					}
				}
			}()
		}
		file, imp := next.Bytes(), CadastreImport{AllowRemovals: true}
		if round%2 == 1 {
			file, imp.Force = first, true // back to the first vintage
		}
		// Start the import once the editors are at work.
		for {
			mu.Lock()
			n := edits
			mu.Unlock()
			if n > 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		r, err := importBytes(ctx, s, file, imp)
		close(stop)
		wg.Wait()
		if deadlock(err) {
			t.Fatalf("round %d: import aborted as a deadlock: %v", round, err)
		}
		if err != nil {
			t.Fatalf("round %d: import: %v", round, err)
		}
		if r.Modified == 0 {
			t.Errorf("round %d: import modified nothing; want the linked parcels changed", round)
		}
		t.Logf("round %d: %d edits during the import", round, edits)
	}
}
