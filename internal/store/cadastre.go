package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/cadastre"
	"github.com/emprises/emprises/internal/site"
)

// ParcelReader yields the parcels of a cadastre file one at a time and io.EOF after the
// last; *cadastre.Reader is one.
type ParcelReader interface {
	Next() (*cadastre.Parcel, error)
}

// CadastreImport describes one import of a parcel file.
type CadastreImport struct {
	FileName string // recorded as given; the base name is enough
	SHA256   string // hex digest of the file's bytes
	// Digest, when SHA256 is empty, gives the digest once the whole file has been read: a
	// download is hashed as it streams through, so its digest is known only at its end.
	Digest func() string
	// Vintage dates the file; zero means the latest "updated" date of its parcels.
	Vintage time.Time
	// Force imports a vintage older than one already imported for the same communes.
	Force bool
	// AllowRemovals imports a vintage that takes away more than RemovalShare of a
	// commune's parcels, or a link of a parcel to a site part (see CadastreRemovals).
	AllowRemovals bool
	// DryRun compares the file with the cadastre and reports, writing nothing: the
	// transaction is rolled back, whatever the removals.
	DryRun bool
	// Progress, if set, is told as each phase after reading the file starts.
	Progress func(phase string)
}

// CadastreReport is what an import found and did.
type CadastreReport struct {
	ImportID    int64
	Vintage     time.Time
	Communes    []string
	First       bool // the first import for these communes: everything is new
	Parcels     int  // in the file
	Added       int
	Modified    int // contenance or outline changed
	Refreshed   int // only the file's dates or arpente changed
	Unchanged   int
	Removed     int // every id gone, whatever became of its land; split, merged… are among them
	Split       int
	Merged      int
	Renumbered  int
	Reorganised int
	// Changes lists every change recorded, those of parcels linked to a site part first.
	// The first import of a commune records no added parcels.
	Changes []CadastreChange
	// Removals is what the file takes away: parcels gone per commune, and links to site
	// parts that no parcel carries on.
	Removals CadastreRemovals
	// DryRun: nothing was written; ImportID is the id the import would have had.
	DryRun bool
}

// CadastreChange is one parcel an import changed.
type CadastreChange struct {
	ParcelID string
	// Kind is added, modified, removed, split, merged, renumbered or reorganised.
	Kind string
	// Related are, for a parcel gone, the new ids that cover its land; for a new parcel,
	// the ids it comes from.
	Related []string
	// PartID is the site part the parcel was linked to; for a new parcel, the link it
	// inherited from the parcels it comes from (when they agree on one part).
	PartID           string
	ContenanceBefore *int32
	ContenanceAfter  *int32
	GeometryChanged  bool
}

// Lineage thresholds. An old parcel gone from the file and a new id are related when the
// area they share is at least half of the smaller of the two: a split's pieces lie within
// the old parcel, merged parcels within the new one, while neighbours only touch.
const lineageOverlap = 0.5

// importLock serialises imports (pg_advisory_xact_lock key, "cadastre").
const importLock = 0x6361646173747265

// FindCadastreImportBySHA256 returns the last import of the file with that digest, or
// site.ErrNotFound.
func (s *Store) FindCadastreImportBySHA256(ctx context.Context, sum string) (CadastreImportInfo, error) {
	var i CadastreImportInfo
	err := s.pool.QueryRow(ctx, `
		SELECT i.id, i.file_name, i.vintage, i.finished_at,
		       NOT EXISTS (SELECT 1 FROM cadastre_imports j WHERE j.id > i.id AND j.communes && i.communes)
		  FROM cadastre_imports i
		 WHERE i.sha256 = $1 ORDER BY i.id DESC LIMIT 1`, sum).
		Scan(&i.ID, &i.FileName, &i.Vintage, &i.FinishedAt, &i.Latest)
	if errors.Is(err, pgx.ErrNoRows) {
		return i, fmt.Errorf("store: cadastre import of %s: %w", sum, site.ErrNotFound)
	}
	if err != nil {
		return i, fmt.Errorf("store: cadastre import of %s: %w", sum, err)
	}
	return i, nil
}

// CadastreImportInfo identifies a past import.
type CadastreImportInfo struct {
	ID         int64
	FileName   string
	Vintage    time.Time
	FinishedAt time.Time
	Latest     bool // no later import covers its communes: the cadastre is still that file
}

// ImportCadastre loads a parcel file into the cadastre in one transaction: nothing is
// changed unless the whole file is read and every parcel is valid.
//
// The file is copied (COPY protocol, WGS84 WKB) into a temporary table, projected to
// Lambert-93 and checked by PostGIS, then merged into parcels by id: new ids are added,
// parcels whose contenance, outline, dates or arpente changed are updated, and parcels of
// the file's communes that the file no longer has are removed. Links to site parts are
// kept; a new parcel inherits the link of the parcels whose land it takes over when they
// agree on one part. Every change is recorded in cadastre_changes and reported, and every
// part whose parcels changed gets an audit record by the actor, shown in its site's history,
// and its site a new version.
//
// A file that would take away more than RemovalShare of a commune's parcels, or the link
// of a parcel to a site part, is refused with a *RemovalsError unless imp.AllowRemovals: a
// file holding one section of a commune would otherwise delete the rest of it. With
// imp.DryRun the report is made and nothing is written.
//
// Readers of parcels never wait for an import: the indexes stay, and the file is read into
// a temporary table before parcels is touched. Writers (an editor linking parcels) wait
// only while the differences are written; the import takes its locks in the editors' order
// (see lockForApply), so that the two never deadlock.
func (s *Store) ImportCadastre(ctx context.Context, by Actor, src ParcelReader, imp CadastreImport) (*CadastreReport, error) {
	started := time.Now()
	progress := imp.Progress
	if progress == nil {
		progress = func(string) {}
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: import cadastre: %w", err)
	}
	defer conn.Release()
	// Room for the temporary tables in memory; only possible before the session's first
	// use of one, so a pooled session that had one keeps its setting.
	_, _ = conn.Exec(ctx, "SET temp_buffers = '512MB'")

	// A dry run writes nothing, so it takes no lock: one snapshot keeps its comparison
	// consistent while editors go on.
	opts := pgx.TxOptions{}
	if imp.DryRun {
		opts.IsoLevel = pgx.RepeatableRead
	}
	var r *CadastreReport
	err = pgx.BeginTxFunc(ctx, conn, opts, func(tx pgx.Tx) error {
		var err error
		r, err = importCadastre(ctx, s, tx, by, src, imp, started, progress)
		if err != nil {
			return err
		}
		if imp.DryRun {
			return errDryRun
		}
		progress("committing")
		return nil
	})
	switch {
	case errors.Is(err, errDryRun):
		return r, nil
	case err != nil:
		var fe *cadastre.FeatureError
		if errors.As(err, &fe) {
			return nil, fe
		}
		var re *RemovalsError
		if errors.As(err, &re) {
			return nil, re
		}
		return nil, fmt.Errorf("store: import cadastre: %w", domainError(err))
	}
	return r, nil
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

func importCadastre(ctx context.Context, s *Store, tx pgx.Tx, by Actor, src ParcelReader, imp CadastreImport, started time.Time, progress func(string)) (*CadastreReport, error) {
	if _, err := tx.Exec(ctx, `
		SET LOCAL statement_timeout = 0;
		SET LOCAL work_mem = '256MB';
		SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(importLock)); err != nil {
		return nil, err
	}
	r := &CadastreReport{DryRun: imp.DryRun}
	// The file goes to a temporary table first, even for an empty cadastre: parcels is
	// not touched while the file is read, so neither readers nor editors wait for that.
	stats, err := s.loadParcels(ctx, tx, src)
	if err != nil {
		return nil, err
	}
	// The import is recorded once the file is read, when a streamed file's digest is
	// known; the vintage and communes complete the row at the end.
	sum := imp.SHA256
	if sum == "" && imp.Digest != nil {
		sum = imp.Digest()
	}
	if err := tx.QueryRow(ctx, `
		INSERT INTO cadastre_imports (file_name, sha256, vintage, communes, parcels, started_at)
		VALUES ($1, $2, '-infinity', '{}', 0, $3) RETURNING id`,
		imp.FileName, sum, started).Scan(&r.ImportID); err != nil {
		return nil, err
	}
	r.Parcels, r.Communes, r.Vintage = stats.parcels, stats.communes(), stats.latest
	if r.Parcels == 0 {
		return nil, &cadastre.FeatureError{Err: errors.New("the file has no parcel")}
	}
	if !imp.Vintage.IsZero() {
		r.Vintage = imp.Vintage
	}
	if r.Vintage.IsZero() {
		return nil, site.Invalid("vintage", "the file gives no \"updated\" date; give the vintage (--vintage YYYY-MM-DD)")
	}
	if err := checkVintage(ctx, tx, r, imp.Force); err != nil {
		return nil, err
	}

	progress("comparing with the cadastre in the database")
	if _, err := tx.Exec(ctx, `ANALYZE cadastre_new`); err != nil {
		return nil, err
	}
	var locked map[string]bool
	if !imp.DryRun {
		if locked, err = lockForApply(ctx, tx, r.Communes); err != nil {
			return nil, err
		}
	}
	if err := tx.QueryRow(ctx, `
		SELECT NOT EXISTS (SELECT 1 FROM parcels WHERE import_id IS NOT NULL AND substr(id, 1, 5) = ANY($1))`,
		r.Communes).Scan(&r.First); err != nil {
		return nil, err
	}
	if err := diffParcels(ctx, tx, r); err != nil {
		return nil, err
	}
	if r.Removals, err = findRemovals(ctx, tx, r); err != nil {
		return nil, err
	}
	if imp.DryRun {
		r.Changes, err = listChanges(ctx, tx, r.ImportID)
		return r, err
	}
	if r.Removals.Refused() && !imp.AllowRemovals {
		return nil, &RemovalsError{FileName: imp.FileName, Removals: r.Removals}
	}
	// The site parts whose parcels change, as they were before.
	touched, err := partsChanged(ctx, tx, r.ImportID)
	if err != nil {
		return nil, err
	}
	for _, c := range touched {
		if !locked[c.siteID] {
			// lockForApply locks every site with a parcel in the file's communes, and no
			// editor can link one while parcels is locked: this is a bug, not a race.
			return nil, fmt.Errorf("site %q of part %q changes but was not locked", c.siteID, c.entityID)
		}
	}
	progress("writing parcels")
	if err := applyParcels(ctx, tx, r, imp); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `
		UPDATE cadastre_imports
		   SET vintage = $2, communes = $3, parcels = $4,
		       added = $5, modified = $6, refreshed = $7, unchanged = $8, removed = $9,
		       split = $10, merged = $11, renumbered = $12, reorganised = $13,
		       finished_at = clock_timestamp()
		 WHERE id = $1`,
		r.ImportID, r.Vintage, r.Communes, r.Parcels, r.Added, r.Modified, r.Refreshed, r.Unchanged,
		r.Removed, r.Split, r.Merged, r.Renumbered, r.Reorganised); err != nil {
		return nil, err
	}
	reason := site.CadastreImportReason(r.ImportID, imp.FileName, r.Vintage)
	if err := recordPartsChanged(ctx, tx, by, touched, reason); err != nil {
		return nil, err
	}
	changes, err := listChanges(ctx, tx, r.ImportID)
	if err != nil {
		return nil, err
	}
	r.Changes = changes
	return r, nil
}

// partsChanged returns the changes an import makes to site parts, one per part whose
// parcels it changes (modified, gone, or new and inheriting the part), each with the part's
// snapshot before, in the order of the parts' ids.
func partsChanged(ctx context.Context, tx pgx.Tx, importID int64) ([]change, error) {
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT c.part_id, sp.site_id
		  FROM cadastre_changes c JOIN site_parts sp ON sp.id = c.part_id
		 WHERE c.import_id = $1
		 ORDER BY c.part_id`, importID)
	if err != nil {
		return nil, err
	}
	parts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (change, error) {
		c := change{action: "part.cadastre", entityType: "part"}
		err := row.Scan(&c.entityID, &c.siteID)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	for i := range parts {
		if parts[i].before, err = snapshot(ctx, tx, "part", parts[i].entityID); err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// recordPartsChanged gives each site of the parts an import changed a new version (the
// API's ETag), and each part an audit record, in the import's transaction.
func recordPartsChanged(ctx context.Context, tx pgx.Tx, by Actor, parts []change, reason string) error {
	versions := map[string]int64{}
	for _, c := range parts {
		v, ok := versions[c.siteID]
		if !ok {
			var err error
			if v, err = bumpSite(ctx, tx, c.siteID); err != nil {
				return err
			}
			versions[c.siteID] = v
		}
		c.version, c.reason = v, reason
		var err error
		if c.after, err = snapshot(ctx, tx, "part", c.entityID); err != nil {
			return err
		}
		if _, err := record(ctx, tx, by, c); err != nil {
			return err
		}
	}
	return nil
}

// checkVintage refuses, unless forced, a file older than one already imported for the
// same communes: it would take the cadastre back in time.
func checkVintage(ctx context.Context, tx pgx.Tx, r *CadastreReport, force bool) error {
	var last time.Time
	var id int64
	err := tx.QueryRow(ctx, `
		SELECT id, vintage FROM cadastre_imports WHERE communes && $1 AND id <> $2
		 ORDER BY vintage DESC, id DESC LIMIT 1`, r.Communes, r.ImportID).Scan(&id, &last)
	if errors.Is(err, pgx.ErrNoRows) || force {
		return nil
	}
	if err != nil {
		return err
	}
	if r.Vintage.Before(last) {
		return site.Invalid("vintage", "the file's vintage %s is older than vintage %s, already imported (import %d); use --force to import it anyway",
			r.Vintage.Format(time.DateOnly), last.Format(time.DateOnly), id)
	}
	return nil
}

// diffParcels compares the file with the parcels in the database and records every change
// in cadastre_changes (and the temporary tables the apply step reads).
//
// Parcels gone from the file (within its communes) are related to the parcels whose land
// overlaps theirs (see lineageOverlap): new ids, and ids kept whose outline changed. Each
// is classified:
//   - split: two or more parcels cover it, each of them coming from it alone;
//   - merged: one parcel covers it, and it is a parcel kept (a neighbour that took it in),
//     or a new id that also covers other gone parcels, each wholly taken over by it;
//   - renumbered: one new id covers it, and only it;
//   - reorganised: any other arrangement (several old ids to several new ones);
//   - removed: no parcel covers it (it became public road, say).
func diffParcels(ctx context.Context, tx pgx.Tx, r *CadastreReport) error {
	// Parcels present in both, with what changed.
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE cadastre_diff ON COMMIT DROP AS
		SELECT n.id, p.part_id, p.contenance_m2 AS contenance_before, n.contenance AS contenance_after,
		       p.contenance_m2 IS DISTINCT FROM n.contenance AS contenance_changed,
		       p.geom IS DISTINCT FROM n.geom AS geometry_changed
		  FROM cadastre_new n JOIN parcels p ON p.id = n.id
		 WHERE p.contenance_m2 IS DISTINCT FROM n.contenance
		    OR p.geom IS DISTINCT FROM n.geom
		    OR p.arpente IS DISTINCT FROM n.arpente
		    OR p.cadastre_created IS DISTINCT FROM n.created
		    OR p.cadastre_updated IS DISTINCT FROM n.updated
		    OR p.import_id IS NULL`); err != nil {
		return err
	}
	// New ids, found once for the lineage, the report and the writing.
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE cadastre_added ON COMMIT DROP AS
		SELECT n.id, n.geom FROM cadastre_new n WHERE NOT EXISTS (SELECT 1 FROM parcels p WHERE p.id = n.id);
		CREATE UNIQUE INDEX ON cadastre_added (id);
		ANALYZE cadastre_added`); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM cadastre_added`).Scan(&r.Added); err != nil {
		return err
	}
	matched := r.Parcels - r.Added
	if err := tx.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE contenance_changed OR geometry_changed),
		       count(*) FILTER (WHERE NOT (contenance_changed OR geometry_changed))
		  FROM cadastre_diff`).Scan(&r.Modified, &r.Refreshed); err != nil {
		return err
	}
	r.Unchanged = matched - r.Modified - r.Refreshed
	if _, err := tx.Exec(ctx, `
		INSERT INTO cadastre_changes (import_id, parcel_id, kind, part_id, contenance_before,
		                              contenance_after, geometry_changed)
		SELECT $1, id, 'modified', part_id, contenance_before, contenance_after, geometry_changed
		  FROM cadastre_diff WHERE contenance_changed OR geometry_changed`, r.ImportID); err != nil {
		return err
	}

	// Parcels gone, and what became of their land.
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE cadastre_removed ON COMMIT DROP AS
		SELECT p.id, p.part_id, p.contenance_m2, p.geom
		  FROM parcels p
		 WHERE p.import_id IS NOT NULL AND substr(p.id, 1, 5) = ANY($1)
		   AND NOT EXISTS (SELECT 1 FROM cadastre_new n WHERE n.id = p.id)`, r.Communes); err != nil {
		return err
	}
	var removed int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM cadastre_removed`).Scan(&removed); err != nil {
		return err
	}
	r.Removed = removed
	// Each gone parcel is related to the parcels now over its land: new ids, and ids kept
	// whose outline changed (a neighbour that took it in and kept its number).
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE cadastre_lineage (old_id text NOT NULL, new_id text NOT NULL, kept boolean NOT NULL) ON COMMIT DROP`); err != nil {
		return err
	}
	if removed > 0 {
		if _, err := tx.Exec(ctx, `
			CREATE INDEX ON cadastre_removed USING gist (geom);
			ANALYZE cadastre_removed`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO cadastre_lineage (old_id, new_id, kept)
			SELECT r.id, c.id, c.kept
			  FROM (SELECT id, geom, false AS kept FROM cadastre_added
			        UNION ALL
			        SELECT n.id, n.geom, true FROM cadastre_diff d JOIN cadastre_new n ON n.id = d.id
			         WHERE d.geometry_changed) c
			  JOIN cadastre_removed r ON r.geom && c.geom
			 WHERE ST_Area(ST_Intersection(r.geom, c.geom))
			       >= $1 * least(ST_Area(r.geom), ST_Area(c.geom))`, lineageOverlap); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `
		WITH succ AS (
		    -- per gone parcel: the new ids over its land
		    SELECT old_id, array_agg(new_id ORDER BY new_id) AS ids, count(*) AS n
		      FROM cadastre_lineage GROUP BY old_id),
		pred AS (
		    -- per new id: how many gone parcels it comes from, and how widely the most
		    -- spread of them went
		    SELECT l.new_id, count(*) AS n, max(s.n) AS spread
		      FROM cadastre_lineage l JOIN succ s ON s.old_id = l.old_id GROUP BY l.new_id),
		shape AS (
		    -- per gone parcel: does a parcel over its land also take others' (shared), did
		    -- those others all go wholly into it (whole), is it a parcel kept (kept)?
		    SELECT l.old_id, bool_or(p.n > 1) AS shared, bool_and(p.spread = 1) AS whole,
		           bool_or(l.kept) AS kept
		      FROM cadastre_lineage l JOIN pred p ON p.new_id = l.new_id GROUP BY l.old_id)
		INSERT INTO cadastre_changes (import_id, parcel_id, kind, related, part_id, contenance_before)
		SELECT $1, r.id,
		       CASE
		           WHEN s.n IS NULL THEN 'removed'
		           WHEN s.n >= 2 AND NOT sh.shared THEN 'split'
		           WHEN s.n = 1 AND sh.kept THEN 'merged'
		           WHEN s.n = 1 AND NOT sh.shared THEN 'renumbered'
		           WHEN s.n = 1 AND sh.whole THEN 'merged'
		           ELSE 'reorganised'
		       END,
		       coalesce(s.ids, '{}'), r.part_id, r.contenance_m2
		  FROM cadastre_removed r
		  LEFT JOIN succ s ON s.old_id = r.id
		  LEFT JOIN shape sh ON sh.old_id = r.id`, r.ImportID); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE kind = 'split'), count(*) FILTER (WHERE kind = 'merged'),
		       count(*) FILTER (WHERE kind = 'renumbered'), count(*) FILTER (WHERE kind = 'reorganised')
		  FROM cadastre_changes WHERE import_id = $1`, r.ImportID).
		Scan(&r.Split, &r.Merged, &r.Renumbered, &r.Reorganised); err != nil {
		return err
	}

	// New ids: where they come from, and the link they inherit.
	if _, err := tx.Exec(ctx, `
		CREATE TEMP TABLE cadastre_inherit ON COMMIT DROP AS
		SELECT l.new_id AS id, array_agg(l.old_id ORDER BY l.old_id) AS olds,
		       CASE WHEN count(DISTINCT r.part_id) = 1 THEN min(r.part_id) END AS part_id
		  FROM cadastre_lineage l JOIN cadastre_removed r ON r.id = l.old_id
		 GROUP BY l.new_id`); err != nil {
		return err
	}
	// A parcel kept that took in gone ones says so.
	if _, err := tx.Exec(ctx, `
		UPDATE cadastre_changes c SET related = i.olds
		  FROM cadastre_inherit i
		 WHERE c.import_id = $1 AND c.kind = 'modified' AND c.parcel_id = i.id`, r.ImportID); err != nil {
		return err
	}
	// The first import of a commune adds everything: listing it would say nothing.
	if _, err := tx.Exec(ctx, `
		INSERT INTO cadastre_changes (import_id, parcel_id, kind, related, part_id, contenance_after)
		SELECT $1, a.id, 'added', coalesce(i.olds, '{}'), i.part_id, n.contenance
		  FROM cadastre_added a JOIN cadastre_new n ON n.id = a.id
		  LEFT JOIN cadastre_inherit i ON i.id = a.id
		 WHERE NOT $2 OR i.id IS NOT NULL`, r.ImportID, r.First); err != nil {
		return err
	}
	return nil
}

// applyParcels writes the differences found by diffParcels into parcels.
func applyParcels(ctx context.Context, tx pgx.Tx, r *CadastreReport, imp CadastreImport) error {
	source := cadastreSource(imp.FileName)
	if _, err := tx.Exec(ctx, `DELETE FROM parcels p USING cadastre_removed r WHERE p.id = r.id`); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		UPDATE parcels p
		   SET contenance_m2 = n.contenance, geom = n.geom, arpente = n.arpente,
		       cadastre_created = n.created, cadastre_updated = n.updated,
		       import_id = $1, source = $2, updated_at = now()
		  FROM cadastre_diff d JOIN cadastre_new n ON n.id = d.id
		 WHERE p.id = d.id`, r.ImportID, source); err != nil {
		return err
	}
	// The indexes are kept and grown row by row: dropping them to build them again at
	// the end is faster, but DROP INDEX locks parcels against readers (the map, site
	// detail, exports) until the import commits, and the service's role, which does not
	// own the table, may not drop them (migrations/008_least_privilege.sql). Rows go in in
	// the file's order: Etalab sorts parcels by id, so by section, and the parcels of one
	// map tile sit in few pages. Statistics are left to autovacuum, which analyzes parcels
	// within a minute of a large change: the service's role may not ANALYZE it either.
	if _, err := tx.Exec(ctx, `
		INSERT INTO parcels (id, contenance_m2, geom, part_id, source, arpente, cadastre_created,
		                     cadastre_updated, import_id)
		SELECT n.id, n.contenance, n.geom, i.part_id, $2, n.arpente, n.created, n.updated, $1
		  FROM cadastre_added a JOIN cadastre_new n ON n.id = a.id
		  LEFT JOIN cadastre_inherit i ON i.id = a.id
		 ORDER BY n.seq`, r.ImportID, source); err != nil {
		return err
	}
	return nil
}

// kindOrder sorts changes: what happened to the land first, then outline and contenance.
var kindOrder = map[string]int{"split": 0, "merged": 1, "reorganised": 2, "renumbered": 3, "removed": 4, "modified": 5, "added": 6}

// listChanges reads the changes of an import, those linked to a site part first.
func listChanges(ctx context.Context, q pgx.Tx, importID int64) ([]CadastreChange, error) {
	rows, err := q.Query(ctx, `
		SELECT parcel_id, kind, related, coalesce(part_id, ''), contenance_before,
		       contenance_after, geometry_changed
		  FROM cadastre_changes WHERE import_id = $1`, importID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CadastreChange, error) {
		var c CadastreChange
		err := row.Scan(&c.ParcelID, &c.Kind, &c.Related, &c.PartID, &c.ContenanceBefore,
			&c.ContenanceAfter, &c.GeometryChanged)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b CadastreChange) int {
		switch {
		case (a.PartID == "") != (b.PartID == ""):
			if a.PartID != "" {
				return -1
			}
			return 1
		case a.PartID != b.PartID:
			return compareText(a.PartID, b.PartID)
		case kindOrder[a.Kind] != kindOrder[b.Kind]:
			return kindOrder[a.Kind] - kindOrder[b.Kind]
		}
		return compareText(a.ParcelID, b.ParcelID)
	})
	return out, nil
}

func compareText(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
