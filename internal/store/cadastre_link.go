package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// A parcel serves at most one site part: parcels.part_id. Land changes hands parcel by
// parcel, and a sale of part of a parcel divides it first (document d'arpentage), so two
// parts never share a parcel for long; when they must, the part that keeps the parcel
// links it and the other keeps a drawn outline.

// ParcelLink is a change to the parcels of a part, through the API or at the command line:
// the rules of linking parcels live in LinkParcels alone.
type ParcelLink struct {
	IDs     []site.ParcelID // repeated ids count once
	Unlink  bool            // detach the parcels from the part instead of linking them
	Move    bool            // linking: take a parcel linked to another part from it (refused otherwise)
	Rebuild bool            // then make the part's outline from its parcels, in the same change
	Reason  string
}

// LinkedParcels is what LinkParcels did.
type LinkedParcels struct {
	Edit
	Parcels []string     // the parcels given, now linked (or unlinked), in the order given
	Pending []string     // among those linked, ids not in the cadastre yet: no outline until imported
	Rebuilt *PartRebuild // the part's new outline, with Rebuild
}

// LinkParcels links parcels to a part, or unlinks them, as one audited edit of the part's
// site (at a version of ifMatch). Linking: a parcel must be in Ivry-sur-Seine; one not yet
// imported from the cadastre is recorded by its id alone; one linked to another part is
// refused unless l.Move, and then taken from it, that part getting its own audit record
// (and its site, if another, a new version) in the same transaction. Unlinking: every
// parcel must be linked to the part. With l.Rebuild, the part's outline is then made from
// its parcels (see RebuildPart), still in the one transaction and the one record.
func (s *Store) LinkParcels(ctx context.Context, by Actor, partID string, ifMatch Versions, l ParcelLink) (LinkedParcels, error) {
	action := "part.parcels"
	if l.Unlink {
		action = "part.unlink_parcel"
	}
	var out LinkedParcels
	c := change{action: action, entityType: "part", entityID: partID, reason: l.Reason}
	edit, err := s.edit(ctx, by, c, ifMatch, func(tx pgx.Tx, c *change) error {
		ids := uniqueParcels(l.IDs)
		if len(ids) == 0 {
			return site.Invalid("ids", "give at least one parcel id")
		}
		out.Parcels = ids
		var err error
		if l.Unlink {
			if l.Move {
				return site.Invalid("move", "moving a parcel links it; it cannot go with unlinking")
			}
			err = unlinkParcels(ctx, tx, partID, ids)
		} else {
			out.Pending, err = linkParcels(ctx, tx, by, c, ids, l.Move)
		}
		if err != nil || !l.Rebuild {
			return err
		}
		rb, err := rebuildPart(ctx, tx, partID)
		out.Rebuilt = &rb
		return err
	})
	if err != nil {
		return LinkedParcels{}, err
	}
	out.Edit = edit
	if out.Rebuilt != nil {
		out.Rebuilt.Edit = edit
	}
	return out, nil
}

func uniqueParcels(ids []site.ParcelID) []string {
	seen := make(map[site.ParcelID]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, string(id))
		}
	}
	return out
}

// linkParcels links ids to the part of c and returns those not in the cadastre yet.
func linkParcels(ctx context.Context, tx pgx.Tx, by Actor, c *change, ids []string, move bool) ([]string, error) {
	for _, id := range ids {
		if p := site.ParcelID(id); p.Insee() != site.InseeIvry {
			return nil, site.Invalid("ids", "parcel %s is in commune %s, not Ivry-sur-Seine (%s)", id, p.Insee(), site.InseeIvry)
		}
	}
	type parcel struct {
		owner   string // the part it is linked to, if any
		located bool
	}
	rows, err := tx.Query(ctx, `
		SELECT id, coalesce(part_id, ''), geom IS NOT NULL FROM parcels WHERE id = ANY($1) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, err
	}
	known := map[string]parcel{}
	var losers []string // other parts that lose parcels, in the order of the parcels' ids
	var id string
	var p parcel
	_, err = pgx.ForEachRow(rows, []any{&id, &p.owner, &p.located}, func() error {
		known[id] = p
		if p.owner == "" || p.owner == c.entityID {
			return nil
		}
		if !move {
			return site.Invalid("ids", "parcel %s belongs to part %q already; unlink it there first, or move it", id, p.owner)
		}
		if !slices.Contains(losers, p.owner) {
			losers = append(losers, p.owner)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The parts that lose parcels: their snapshots before, and their sites' new versions.
	taken := make([]change, len(losers))
	for i, part := range losers {
		siteID, err := lockPart(ctx, tx, part)
		if err != nil {
			return nil, err
		}
		version := c.version
		if siteID != c.siteID {
			if version, err = bumpSite(ctx, tx, siteID); err != nil {
				return nil, err
			}
		}
		before, err := snapshot(ctx, tx, "part", part)
		if err != nil {
			return nil, err
		}
		reason := site.ParcelsMovedReason(c.entityID, c.reason)
		taken[i] = change{action: "part.unlink_parcel", entityType: "part", entityID: part, siteID: siteID,
			version: version, before: before, reason: reason}
	}
	var pending []string
	for _, id := range ids {
		p, ok := known[id]
		switch {
		case !ok:
			_, err = tx.Exec(ctx, `INSERT INTO parcels (id, part_id, source) VALUES ($1, $2, $3)`,
				id, c.entityID, "linked by "+by.Name)
		case p.owner != c.entityID:
			_, err = tx.Exec(ctx, `UPDATE parcels SET part_id = $2, updated_at = now() WHERE id = $1`, id, c.entityID)
		}
		if err != nil {
			return nil, err
		}
		if !p.located {
			pending = append(pending, id)
		}
	}
	for _, t := range taken {
		if t.after, err = snapshot(ctx, tx, "part", t.entityID); err != nil {
			return nil, err
		}
		if _, err := record(ctx, tx, by, t); err != nil {
			return nil, err
		}
	}
	return pending, nil
}

// unlinkParcels detaches ids from a part; ids not linked to it are not found, named.
func unlinkParcels(ctx context.Context, tx pgx.Tx, partID string, ids []string) error {
	var missing []string
	err := tx.QueryRow(ctx, `
		WITH gone AS (
		    UPDATE parcels SET part_id = NULL, updated_at = now()
		     WHERE id = ANY($1) AND part_id = $2 RETURNING id)
		SELECT coalesce(array_agg(w ORDER BY w), '{}') FROM unnest($1::text[]) w
		 WHERE w NOT IN (SELECT id FROM gone)`, ids, partID).Scan(&missing)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("parcels %s are not linked to part %q: %w", strings.Join(missing, ", "), partID, site.ErrNotFound)
	}
	return nil
}

// PartParcel is a parcel linked to a part.
type PartParcel struct {
	ID           string
	ContenanceM2 *int32
	Located      bool // has an outline (has been imported from the cadastre)
}

// ListPartParcels lists the parcels linked to a part, by id.
func (s *Store) ListPartParcels(ctx context.Context, partID string) ([]PartParcel, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: parcels of part %q: %w", partID, err)
	}
	defer db.Release()
	rows, err := db.Query(ctx, `
		SELECT id, contenance_m2, geom IS NOT NULL FROM parcels WHERE part_id = $1 ORDER BY id`, partID)
	if err != nil {
		return nil, fmt.Errorf("store: parcels of part %q: %w", partID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PartParcel, error) {
		var p PartParcel
		err := row.Scan(&p.ID, &p.ContenanceM2, &p.Located)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: parcels of part %q: %w", partID, err)
	}
	return out, nil
}

// PartRebuild is a part's outline made from its parcels.
type PartRebuild struct {
	Edit    // the audited change (its SiteID is the part's site)
	PartID  string
	Parcels []string
	AreaM2  float64
	Vintage time.Time // the cadastre's: of the latest import of the parcels' communes
	Source  string    // the geometry_source written, in French as planners read it
}

// RebuildPart replaces a part's outline with the union of its parcels' (snapped to the
// centimetre, so that slivers between neighbours vanish), as one audited edit of its site
// (at a version of ifMatch): its geometry quality becomes cadastre and its geometry source
// names the parcels and the cadastre vintage. A part with no parcel, or with a parcel not
// imported yet, is refused; PostgreSQL checks the outline as any other (valid, within Ivry).
func (s *Store) RebuildPart(ctx context.Context, by Actor, partID string, ifMatch Versions, reason string) (PartRebuild, error) {
	var out PartRebuild
	c := change{action: "part.geometry_from_parcels", entityType: "part", entityID: partID, reason: reason}
	edit, err := s.edit(ctx, by, c, ifMatch, func(tx pgx.Tx, c *change) error {
		var err error
		out, err = rebuildPart(ctx, tx, partID)
		return err
	})
	if err != nil {
		return PartRebuild{}, err
	}
	out.Edit = edit
	return out, nil
}

// rebuildPart does the work of RebuildPart inside tx.
func rebuildPart(ctx context.Context, tx pgx.Tx, partID string) (PartRebuild, error) {
	out := PartRebuild{PartID: partID}
	if _, err := lockPart(ctx, tx, partID); err != nil {
		return out, err
	}
	var pending []string
	var vintage *time.Time
	err := tx.QueryRow(ctx, `
		SELECT coalesce(array_agg(p.id ORDER BY p.id), '{}'),
		       coalesce(array_agg(p.id ORDER BY p.id) FILTER (WHERE p.geom IS NULL), '{}'),
		       (SELECT max(ci.vintage) FROM cadastre_imports ci
		         WHERE ci.communes && (SELECT array_agg(DISTINCT substr(id, 1, 5)) FROM parcels WHERE part_id = $1))
		  FROM parcels p WHERE p.part_id = $1`, partID).Scan(&out.Parcels, &pending, &vintage)
	if err != nil {
		return out, err
	}
	if len(out.Parcels) == 0 {
		return out, site.Invalid("parcels", "part %q has no parcel linked; link its parcels first", partID)
	}
	if len(pending) > 0 {
		return out, site.Invalid("parcels", "parcels %s of part %q are not in the cadastre yet; import the cadastre first",
			strings.Join(pending, ", "), partID)
	}
	if vintage != nil {
		out.Vintage = *vintage
	}
	out.Source = site.ParcelsSource(out.Parcels, out.Vintage)
	err = tx.QueryRow(ctx, `
		UPDATE site_parts
		   SET geom = (SELECT ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_Collect(geom), 0.01), 3))
		                 FROM parcels WHERE part_id = $1),
		       geometry_quality = 'cadastre', geometry_source = $2, updated_at = now()
		 WHERE id = $1
		RETURNING area_m2`, partID, out.Source).Scan(&out.AreaM2)
	return out, err
}

// lockPart locks a part's row and returns its site, or site.ErrNotFound.
func lockPart(ctx context.Context, tx pgx.Tx, partID string) (string, error) {
	var siteID string
	err := tx.QueryRow(ctx, `SELECT site_id FROM site_parts WHERE id = $1 FOR UPDATE`, partID).Scan(&siteID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("no part %q: %w", partID, site.ErrNotFound)
	}
	return siteID, err
}

// bumpSite moves on the version (the API's ETag) of a site that a change touches besides
// the one it is made to (a parcel taken from it, a cadastre import), deleted or not.
func bumpSite(ctx context.Context, tx pgx.Tx, siteID string) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, `
		UPDATE sites SET version = version + 1, updated_at = now() WHERE id = $1
		RETURNING version`, siteID).Scan(&v)
	return v, err
}
