package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/cadastre"
	"github.com/emprises/emprises/internal/site"
)

// Loading a parcel file runs as a pipeline, so that the two cores of a small server both
// work all along: this process reads and checks the features; PostGIS projects each
// batch of them to Lambert-93 and checks their validity on a connection of its own (it
// only computes: no table is read or written there); and the import's transaction
// receives the projected parcels by COPY. Memory stays bounded by a few batches.

// projectBatchSize is how many parcels go to PostGIS at a time.
const projectBatchSize = 1000

// projectSQL projects a batch of WGS84 EWKB outlines to Lambert-93 EWKB, in order, with
// the reason why an outline is not acceptable (invalid, or without area), or NULL.
const projectSQL = `
SELECT ST_AsEWKB(g),
       CASE WHEN NOT ST_IsValid(g) THEN ST_IsValidReason(g)
            WHEN ST_Area(g) <= 0 THEN 'has no area' END
  FROM (SELECT ST_Multi(ST_Transform(ST_GeomFromEWKB(w), 2154)) AS g, o
          FROM unnest($1::bytea[]) WITH ORDINALITY AS t(w, o)) p
 ORDER BY o`

// loadStats is what the load learns about the file on the way: a few values, whatever the
// file's size (repeated ids are found by the database, see indexNewParcels).
type loadStats struct {
	parcels int
	seen    map[string]bool // communes
	latest  time.Time       // latest "updated" date
}

func (s *loadStats) communes() []string {
	out := make([]string, 0, len(s.seen))
	for c := range s.seen {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// projectedBatch is a batch of parcels with their Lambert-93 outlines, or the fault that
// ends the file.
type projectedBatch struct {
	parcels []*cadastre.Parcel
	ewkb    [][]byte
	err     error
}

// loadParcels reads the whole file into the temporary table cadastre_new, and returns
// what it learnt. Any fault in the file ends it with a *cadastre.FeatureError.
//
// Even an empty cadastre is loaded through it: COPY straight into parcels would hold the
// table's write lock for the whole reading, and grow its indexes row by row as slowly as
// the INSERT from cadastre_new does.
func (s *Store) loadParcels(ctx context.Context, tx pgx.Tx, src ParcelReader) (*loadStats, error) {
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE cadastre_new (
		    seq integer NOT NULL,
		    byte_offset bigint NOT NULL,
		    id text NOT NULL,
		    contenance integer,
		    arpente boolean NOT NULL,
		    created date,
		    updated date,
		    geom geometry(MultiPolygon, 2154) NOT NULL
		) ON COMMIT DROP`); err != nil {
		return nil, err
	}
	table := pgx.Identifier{"cadastre_new"}
	columns := []string{"seq", "byte_offset", "id", "contenance", "arpente", "created", "updated", "geom"}
	readCtx, cancel := context.WithCancel(ctx) // ends the reading goroutines
	stats := &loadStats{seen: map[string]bool{}}
	read := make(chan projectedBatch, 2)
	projected := make(chan projectedBatch, 2)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(read)
		readBatches(readCtx, src, stats, read)
	}()
	go func() {
		defer wg.Done()
		defer close(projected)
		s.projectBatches(readCtx, read, projected)
	}()
	cs := &batchSource{in: projected}
	_, err := tx.CopyFrom(readCtx, table, columns, cs)
	cancel()
	for range projected { // let the goroutines see the cancellation and end
	}
	wg.Wait()
	if cs.err != nil {
		// The file's own fault says which feature is wrong; COPY only saw it end.
		return nil, cs.err
	}
	if err != nil {
		return nil, err
	}
	if err := indexNewParcels(ctx, tx); err != nil {
		return nil, err
	}
	return stats, nil
}

// indexNewParcels indexes cadastre_new by id, which refuses a file that gives an id twice;
// the fault then names the feature that repeats the id and the one that gave it first.
// The database finds them, where a map of every id read held about 70 bytes per parcel in
// the importer's memory (and twice that with the garbage collector's headroom).
func indexNewParcels(ctx context.Context, tx pgx.Tx) error {
	err := pgx.BeginFunc(ctx, tx, func(tx pgx.Tx) error { // a savepoint
		_, err := tx.Exec(ctx, `CREATE UNIQUE INDEX cadastre_new_id ON cadastre_new (id)`)
		return err
	})
	if !isUniqueViolation(err) {
		return err
	}
	var fe cadastre.FeatureError
	var first int
	if err := tx.QueryRow(ctx, `
		SELECT seq, byte_offset, id, first
		  FROM (SELECT seq, byte_offset, id, min(seq) OVER w AS first, row_number() OVER w AS n
		          FROM cadastre_new WINDOW w AS (PARTITION BY id ORDER BY seq)) repeats
		 WHERE n = 2
		 ORDER BY seq LIMIT 1`).Scan(&fe.Index, &fe.Offset, &fe.ID, &first); err != nil {
		return err
	}
	fe.Err = fmt.Errorf("the id is already used by feature %d", first)
	return &fe
}

// cadastreSource is the source written on the parcels of an import: the file. Its
// vintage is in cadastre_imports, by the parcel's import_id.
func cadastreSource(fileName string) string {
	return "Cadastre Etalab, " + fileName
}

// readBatches reads the file, encodes each outline as EWKB and sends batches of parcels; a fault is sent as the last batch.
func readBatches(ctx context.Context, src ParcelReader, stats *loadStats, out chan<- projectedBatch) {
	send := func(b projectedBatch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	var b projectedBatch
	var enc ewkbEncoder
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			send(projectedBatch{err: err})
			return
		}
		stats.parcels++
		stats.seen[p.ID[:5]] = true
		if p.Updated.After(stats.latest) {
			stats.latest = p.Updated
		}
		w, err := enc.encode(p.Geometry, site.SRIDWGS84)
		if err != nil {
			send(projectedBatch{err: &cadastre.FeatureError{Index: p.Index, Offset: p.Offset, ID: p.ID, Err: err}})
			return
		}
		b.parcels = append(b.parcels, p)
		b.ewkb = append(b.ewkb, bytes.Clone(w)) // WGS84 until projected
		if len(b.parcels) == projectBatchSize {
			if !send(b) {
				return
			}
			b = projectedBatch{}
		}
	}
	if len(b.parcels) > 0 {
		send(b)
	}
}

// projectBatches projects each batch with PostGIS, on a connection of its own.
func (s *Store) projectBatches(ctx context.Context, in <-chan projectedBatch, out chan<- projectedBatch) {
	send := func(b projectedBatch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		send(projectedBatch{err: err})
		return
	}
	defer conn.Release()
	for b := range in {
		if b.err == nil {
			b.err = project(ctx, conn.Conn(), &b)
		}
		if !send(b) || b.err != nil {
			return
		}
	}
}

// project replaces the batch's WGS84 EWKB with Lambert-93 EWKB, or names the first parcel
// PostGIS refuses.
func project(ctx context.Context, conn *pgx.Conn, b *projectedBatch) error {
	rows, err := conn.Query(ctx, projectSQL, b.ewkb)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var ewkb []byte
		var fault *string
		if err := rows.Scan(&ewkb, &fault); err != nil {
			return err
		}
		if fault != nil {
			p := b.parcels[i]
			return &cadastre.FeatureError{Index: p.Index, Offset: p.Offset, ID: p.ID,
				Err: fmt.Errorf("invalid geometry: %s", *fault)}
		}
		b.ewkb[i] = ewkb
		i++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(b.parcels) {
		return fmt.Errorf("projected %d outlines of %d", i, len(b.parcels))
	}
	return nil
}

// batchSource feeds COPY from the projected batches.
type batchSource struct {
	in   <-chan projectedBatch
	cur  projectedBatch
	i    int
	err  error
	vals [8]any
}

func (c *batchSource) Next() bool {
	for c.i+1 >= len(c.cur.parcels) {
		b, ok := <-c.in
		if !ok {
			return false
		}
		if b.err != nil {
			c.err = b.err
			return false
		}
		c.cur, c.i = b, -1
	}
	c.i++
	return true
}

func (c *batchSource) Values() ([]any, error) {
	p, geom := c.cur.parcels[c.i], c.cur.ewkb[c.i]
	c.vals = [8]any{int32(p.Index), p.Offset, p.ID, p.Contenance, p.Arpente, nullDay(p.Created), nullDay(p.Updated), geom}
	return c.vals[:], nil
}

func (c *batchSource) Err() error { return c.err }

// nullDay is t for a date column, or NULL for the zero time.
func nullDay(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
