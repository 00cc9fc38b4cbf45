package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// RemovalShare is the share of a commune's parcels that a new vintage may take away
// without being allowed to (CadastreImport.AllowRemovals). Between two vintages of a real
// cadastre well under 1 % of the ids go (splits, merges, roads); a file holding one
// section of a commune, or a commune cut in two, takes most of them.
const RemovalShare = 0.05

// CadastreRemovals is what an import takes away.
type CadastreRemovals struct {
	// Communes lists, by code, each commune of the file of which parcels go.
	Communes []CommuneRemovals
	// Linked lists the parcels linked to a site part whose link no parcel carries on (the
	// land went to a road, or to a parcel of another part or of none), by site, part, id.
	// Their parts would lose that land, and importing the parcels again would not link them.
	Linked []LinkedRemoval
}

// CommuneRemovals counts the parcels of a commune an import takes away.
type CommuneRemovals struct {
	Commune string
	Parcels int // parcels of the commune from earlier imports
	Gone    int // ids the file no longer has, whatever became of their land
	Removed int // among them, those whose land no parcel covers any more
}

// TooMany reports whether more than RemovalShare of the commune's parcels go.
func (c CommuneRemovals) TooMany() bool {
	return float64(c.Gone) > RemovalShare*float64(c.Parcels)
}

// LinkedRemoval is a parcel linked to a site part that an import takes away with its link.
type LinkedRemoval struct {
	ParcelID string
	Kind     string   // removed, split, merged, renumbered or reorganised
	Related  []string // the ids over its land, none of them linked to the part
	PartID   string
	SiteID   string
	SiteName string
}

// Refused reports whether the import may not go ahead unless allowed.
func (r CadastreRemovals) Refused() bool {
	for _, c := range r.Communes {
		if c.TooMany() {
			return true
		}
	}
	return len(r.Linked) > 0
}

// RemovalsError refuses an import that would take away too much (see CadastreRemovals);
// nothing was written.
type RemovalsError struct {
	FileName string
	Removals CadastreRemovals
}

func (e *RemovalsError) Error() string {
	var what []string
	for _, c := range e.Removals.Communes {
		if c.TooMany() {
			what = append(what, fmt.Sprintf("%d of the %d parcels of commune %s (%.1f %%, more than %.0f %%)",
				c.Gone, c.Parcels, c.Commune, 100*float64(c.Gone)/float64(c.Parcels), 100*RemovalShare))
		}
	}
	if n := len(e.Removals.Linked); n > 0 {
		ids := make([]string, 0, min(n, 5))
		for _, l := range e.Removals.Linked[:min(n, 5)] {
			ids = append(ids, l.ParcelID+" (part "+l.PartID+")")
		}
		more := ""
		if n > 5 {
			more = fmt.Sprintf(" and %d more", n-5)
		}
		what = append(what, fmt.Sprintf("the links of %d parcel(s) to site parts: %s%s", n, strings.Join(ids, ", "), more))
	}
	return fmt.Sprintf("%s would remove %s; refused: --dry-run lists what would change, --allow-removals imports it anyway",
		e.FileName, strings.Join(what, ", and "))
}

// findRemovals counts, after diffParcels, what the import takes away.
func findRemovals(ctx context.Context, tx pgx.Tx, r *CadastreReport) (CadastreRemovals, error) {
	var out CadastreRemovals
	if r.Removed == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `
		WITH gone AS (
		    SELECT substr(parcel_id, 1, 5) AS commune, count(*) AS gone,
		           count(*) FILTER (WHERE kind = 'removed') AS removed
		      FROM cadastre_changes
		     WHERE import_id = $1 AND kind NOT IN ('added', 'modified')
		     GROUP BY 1),
		before AS (
		    SELECT substr(id, 1, 5) AS commune, count(*) AS parcels
		      FROM parcels
		     WHERE import_id IS NOT NULL AND substr(id, 1, 5) IN (SELECT commune FROM gone)
		     GROUP BY 1)
		SELECT g.commune, b.parcels, g.gone, g.removed
		  FROM gone g JOIN before b ON b.commune = g.commune
		 ORDER BY g.commune`, r.ImportID)
	if err != nil {
		return out, err
	}
	out.Communes, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CommuneRemovals, error) {
		var c CommuneRemovals
		err := row.Scan(&c.Commune, &c.Parcels, &c.Gone, &c.Removed)
		return c, err
	})
	if err != nil {
		return out, err
	}
	// A gone parcel keeps its link when a parcel over its land has its part afterwards: a
	// new id that inherits it, or a kept id already linked to it.
	rows, err = tx.Query(ctx, `
		SELECT r.id, c.kind, c.related, r.part_id, sp.site_id, s.name
		  FROM cadastre_removed r
		  JOIN cadastre_changes c ON c.import_id = $1 AND c.parcel_id = r.id
		  JOIN site_parts sp ON sp.id = r.part_id
		  JOIN sites s ON s.id = sp.site_id
		 WHERE NOT EXISTS (
		       SELECT 1 FROM cadastre_lineage l
		         LEFT JOIN cadastre_inherit i ON i.id = l.new_id AND NOT l.kept
		         LEFT JOIN parcels p ON p.id = l.new_id AND l.kept
		        WHERE l.old_id = r.id AND coalesce(i.part_id, p.part_id) = r.part_id)
		 ORDER BY sp.site_id, r.part_id, r.id`, r.ImportID)
	if err != nil {
		return out, err
	}
	out.Linked, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (LinkedRemoval, error) {
		var l LinkedRemoval
		err := row.Scan(&l.ParcelID, &l.Kind, &l.Related, &l.PartID, &l.SiteID, &l.SiteName)
		return l, err
	})
	return out, err
}
