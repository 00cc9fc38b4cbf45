package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// An import writes parcels and then moves on the version of every site whose parts'
// parcels it changed. An editor takes the same locks the other way round unless told
// otherwise: edit() updates the site's row (and, by its trigger, the 'sites' row of
// layer_versions), then LinkParcels locks and writes parcels. Taken in opposite orders,
// the two wait for each other until PostgreSQL aborts one (SQLSTATE 40P01), which could be
// the import after minutes of work. So the import takes them in the editor's order, all
// of them before it writes anything: the rows of the sites, by id; the 'sites' row of
// layer_versions; then parcels in EXCLUSIVE mode, which lets plain SELECTs through (the
// map, site detail, exports) and keeps writers out until the import commits.
//
// An editor may still take two sites out of order (a parcel moved from a part of another
// site locks that site after its own), so once the import holds one of these locks it
// waits for the next ones only so long (half of deadlock_timeout, all of them together):
// if one stays busy, everything taken is released (ROLLBACK TO SAVEPOINT) and the import
// tries again a moment later. A cycle of waits can only last as long as the import keeps
// waiting, which ends before PostgreSQL's deadlock detector looks: neither the import nor
// the editor is ever aborted. Before it holds any of them, the import queues for the
// first like any editor: a steady stream of edits cannot starve it.

// errSitesMoved: a parcel got linked to a site not locked before parcels was.
var errSitesMoved = errors.New("parcels were linked to other sites meanwhile")

// errLocksBusy: a lock stayed busy longer than the import may wait while holding others.
var errLocksBusy = errors.New("locks busy")

// lockForApply takes the locks an import needs to write, in the editors' order, and
// returns the sites it locked: every site (deleted or not) with a part linked to a parcel
// of the communes, which includes every site the import can change.
func lockForApply(ctx context.Context, tx pgx.Tx, communes []string) (map[string]bool, error) {
	var deadlockMS int
	if err := tx.QueryRow(ctx, `SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout'`).Scan(&deadlockMS); err != nil {
		return nil, err
	}
	budget := time.Duration(deadlockMS) * time.Millisecond / 2
	pause := 5 * time.Millisecond
	for {
		locked, err := tryLockForApply(ctx, tx, communes, budget)
		if err == nil {
			return locked, nil
		}
		var pgErr *pgconn.PgError
		if !errors.Is(err, errSitesMoved) && !errors.Is(err, errLocksBusy) && !(errors.As(err, &pgErr) && pgErr.Code == "55P03") {
			return nil, err
		}
		// Busy: an editor is at work. Come back once it has likely committed, at a
		// random moment so that the import does not fall in step with a steady stream of edits.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause/2 + rand.N(pause)):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// tryLockForApply makes one attempt of lockForApply in a savepoint, released on success
// and rolled back (with every lock taken in it) on failure: once the first lock is held,
// the others must come within budget.
func tryLockForApply(ctx context.Context, tx pgx.Tx, communes []string, budget time.Duration) (map[string]bool, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer sp.Rollback(ctx) //nolint:errcheck // a no-op once released
	var before string
	if err := sp.QueryRow(ctx, `SELECT current_setting('lock_timeout')`).Scan(&before); err != nil {
		return nil, err
	}
	var held time.Time // when the first lock an editor may want was taken
	take := func(sql string, args ...any) error {
		timeout := "0" // holding nothing an editor wants, wait in the queue like one
		if !held.IsZero() {
			left := budget - time.Since(held)
			if left < time.Millisecond {
				return errLocksBusy
			}
			timeout = fmt.Sprintf("%dms", left.Milliseconds())
		}
		if _, err := sp.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, timeout); err != nil {
			return err
		}
		if _, err := sp.Exec(ctx, sql, args...); err != nil {
			return err
		}
		if held.IsZero() {
			held = time.Now()
		}
		return nil
	}
	rows, err := sp.Query(ctx, linkedSitesSQL+` ORDER BY 1`, communes)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	locked := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := take(`SELECT 1 FROM sites WHERE id = $1 FOR UPDATE`, id); err != nil {
			return nil, err
		}
		locked[id] = true
	}
	if err := take(`SELECT 1 FROM layer_versions WHERE layer = 'sites' FOR UPDATE`); err != nil {
		return nil, err
	}
	if err := take(`LOCK TABLE parcels IN EXCLUSIVE MODE`); err != nil {
		return nil, err
	}
	// An editor may have linked a parcel to another site and committed between the list
	// and the locks; with parcels locked, none can any more.
	rows, err = sp.Query(ctx, linkedSitesSQL, communes)
	if err != nil {
		return nil, err
	}
	now, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if slices.ContainsFunc(now, func(id string) bool { return !locked[id] }) {
		return nil, errSitesMoved
	}
	if _, err := sp.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, before); err != nil {
		return nil, err
	}
	return locked, sp.Commit(ctx)
}

// linkedSitesSQL lists the sites with a part linked to a parcel of communes $1.
const linkedSitesSQL = `
		SELECT DISTINCT sp.site_id
		  FROM site_parts sp JOIN parcels p ON p.part_id = sp.id
		 WHERE substr(p.id, 1, 5) = ANY($1)`
