package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// A parcel serves at most one site part: parcels.part_id. Land changes hands parcel by
// parcel, and a sale of part of a parcel divides it first (document d'arpentage), so two
// parts never share a parcel for long; when they must, the part that keeps the parcel
// links it and the other keeps a drawn outline.

// ParcelLink is the outcome of attaching parcels to a part from the command line.
type ParcelLink struct {
	SiteID  string
	Linked  []string // parcels now linked (including those already linked to the part)
	Pending []string // among them, ids not in the cadastre yet: no outline until imported
}

// AttachParcels links parcels to a site part for the command line: the same rules as
// LinkParcels (an id not yet imported is recorded by its id alone; a parcel linked to
// another part is refused unless move is set), without an account or an audit record,
// like the other command-line loads. The site's version moves on.
func (s *Store) AttachParcels(ctx context.Context, partID string, ids []site.ParcelID, move bool) (ParcelLink, error) {
	var out ParcelLink
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		siteID, err := lockPart(ctx, tx, partID)
		if err != nil {
			return err
		}
		out.SiteID = siteID
		for _, id := range ids {
			var owner *string
			var located bool
			err := tx.QueryRow(ctx, `SELECT part_id, geom IS NOT NULL FROM parcels WHERE id = $1 FOR UPDATE`,
				string(id)).Scan(&owner, &located)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				_, err = tx.Exec(ctx, `INSERT INTO parcels (id, part_id, source) VALUES ($1, $2, $3)`,
					string(id), partID, "linked from the command line")
			case err != nil:
			case owner != nil && *owner != partID && !move:
				return site.Invalid("parcels", "parcel %s is linked to part %q; unlink it there first, or move it", id, *owner)
			case owner == nil || *owner != partID:
				if owner != nil {
					if err := bumpSiteOfPart(ctx, tx, *owner); err != nil {
						return err
					}
				}
				_, err = tx.Exec(ctx, `UPDATE parcels SET part_id = $2, updated_at = now() WHERE id = $1`, string(id), partID)
			}
			if err != nil {
				return err
			}
			out.Linked = append(out.Linked, string(id))
			if !located {
				out.Pending = append(out.Pending, string(id))
			}
		}
		return bumpSiteOfPart(ctx, tx, partID)
	})
	if err != nil {
		return ParcelLink{}, fmt.Errorf("store: link parcels to part %q: %w", partID, domainError(err))
	}
	return out, nil
}

// DetachParcels unlinks parcels from a part, for the command line; ids not linked to it
// are an error naming them. The site's version moves on.
func (s *Store) DetachParcels(ctx context.Context, partID string, ids []site.ParcelID) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := lockPart(ctx, tx, partID); err != nil {
			return err
		}
		texts := make([]string, len(ids))
		for i, id := range ids {
			texts[i] = string(id)
		}
		var missing []string
		err := tx.QueryRow(ctx, `
			WITH gone AS (
			    UPDATE parcels SET part_id = NULL, updated_at = now()
			     WHERE id = ANY($1) AND part_id = $2 RETURNING id)
			SELECT coalesce(array_agg(w ORDER BY w), '{}') FROM unnest($1::text[]) w
			 WHERE w NOT IN (SELECT id FROM gone)`, texts, partID).Scan(&missing)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return site.Invalid("parcels", "not linked to part %q: %s", partID, strings.Join(missing, ", "))
		}
		return bumpSiteOfPart(ctx, tx, partID)
	})
	if err != nil {
		return fmt.Errorf("store: unlink parcels from part %q: %w", partID, domainError(err))
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
	rows, err := s.pool.Query(ctx, `
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
	PartID  string
	SiteID  string
	Parcels []string
	AreaM2  float64
	Vintage time.Time // the cadastre's: of the latest import of the parcels' communes
	Source  string    // the geometry_source written, in French as planners read it
}

// RebuildPartGeometry replaces a part's outline with the union of its parcels' (snapped to
// the centimetre, so that slivers between neighbours vanish), from the command line: its
// geometry quality becomes cadastre and its geometry source names the parcels and the
// cadastre vintage. A part with no parcel, or with a parcel not imported yet, is refused;
// PostgreSQL checks the outline as any other (valid, within Ivry). The site's version
// moves on. Editors get the same through RebuildPartFromParcels.
func (s *Store) RebuildPartGeometry(ctx context.Context, partID string) (PartRebuild, error) {
	var out PartRebuild
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = rebuildPart(ctx, tx, partID)
		if err != nil {
			return err
		}
		return bumpSiteOfPart(ctx, tx, partID)
	})
	if err != nil {
		return PartRebuild{}, fmt.Errorf("store: rebuild part %q from its parcels: %w", partID, domainError(err))
	}
	return out, nil
}

// RebuildPartFromParcels is RebuildPartGeometry as an audited edit by an account, for the
// page: it takes the site's version in ifMatch like every other edit.
func (s *Store) RebuildPartFromParcels(ctx context.Context, by User, partID string, ifMatch Versions, reason string) (Edit, error) {
	c := change{action: "part.geometry_from_parcels", entityType: "part", entityID: partID, reason: reason}
	return s.edit(ctx, by, c, ifMatch, func(tx pgx.Tx, c *change) error {
		_, err := rebuildPart(ctx, tx, partID)
		return err
	})
}

// rebuildPart does the work of RebuildPartGeometry inside tx.
func rebuildPart(ctx context.Context, tx pgx.Tx, partID string) (PartRebuild, error) {
	out := PartRebuild{PartID: partID}
	siteID, err := lockPart(ctx, tx, partID)
	if err != nil {
		return out, err
	}
	out.SiteID = siteID
	var pending []string
	var vintage *time.Time
	err = tx.QueryRow(ctx, `
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
	out.Source = parcelSource(out.Parcels, out.Vintage)
	err = tx.QueryRow(ctx, `
		UPDATE site_parts
		   SET geom = (SELECT ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_Collect(geom), 0.01), 3))
		                 FROM parcels WHERE part_id = $1),
		       geometry_quality = 'cadastre', geometry_source = $2, updated_at = now()
		 WHERE id = $1
		RETURNING area_m2`, partID, out.Source).Scan(&out.AreaM2)
	return out, err
}

// parcelSource says in French where a part's outline comes from.
func parcelSource(ids []string, vintage time.Time) string {
	const shown = 20
	names := make([]string, 0, min(len(ids), shown))
	for _, id := range ids[:min(len(ids), shown)] {
		names = append(names, shortParcelName(id))
	}
	list := strings.Join(names, ", ")
	if len(ids) > shown {
		list += fmt.Sprintf(" et %d autres", len(ids)-shown)
	}
	noun := "de la parcelle"
	if len(ids) > 1 {
		noun = "des parcelles"
	}
	var of string
	if !vintage.IsZero() {
		of = ", millésime du " + vintage.Format("02/01/2006")
	}
	return fmt.Sprintf("Contour cadastral : union %s %s (cadastre Etalab%s).", noun, list, of)
}

// shortParcelName writes an id as planners do: "AZ 56" in Ivry, the whole id elsewhere.
func shortParcelName(id string) string {
	p := site.ParcelID(id)
	if len(id) != 14 || p.Insee() != site.InseeIvry || id[5:8] != "000" {
		return id
	}
	return p.Section() + " " + p.Number()
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

// bumpSiteOfPart moves on the version (the API's ETag) of the site a part belongs to.
func bumpSiteOfPart(ctx context.Context, tx pgx.Tx, partID string) error {
	_, err := tx.Exec(ctx, `
		UPDATE sites SET version = version + 1, updated_at = now()
		 WHERE id = (SELECT site_id FROM site_parts WHERE id = $1)`, partID)
	return err
}
