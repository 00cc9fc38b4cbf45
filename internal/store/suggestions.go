package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// SuggestParcels returns, for an approximate part, the parcels whose area its outline
// covers for at least site.SuggestionShare, not linked to it yet, the most covered first
// (then by id); for a part of another quality, none. A part of a deleted site, or no part,
// is site.ErrNotFound.
func (s *Store) SuggestParcels(ctx context.Context, partID string) (site.PartSuggestions, error) {
	out := site.PartSuggestions{PartID: partID, Parcels: []site.ParcelSuggestion{}}
	err := s.pool.QueryRow(ctx, `
		SELECT p.site_id, p.geometry_quality
		  FROM site_parts p JOIN sites s ON s.id = p.site_id
		 WHERE p.id = $1 AND s.deleted_at IS NULL`, partID).Scan(&out.SiteID, &out.Quality)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, fmt.Errorf("store: suggest parcels for part %q: %w", partID, site.ErrNotFound)
	}
	if err != nil {
		return out, fmt.Errorf("store: suggest parcels for part %q: %w", partID, err)
	}
	if out.Quality != site.QualityApproximate {
		return out, nil
	}
	// The && of ST_Intersects uses parcels' GiST index; the share is measured only on the
	// few parcels it finds.
	rows, err := s.pool.Query(ctx, `
		SELECT id, area, contenance_m2, share, coalesce(part_id, '')
		  FROM (SELECT c.id, ST_Area(c.geom) AS area, c.contenance_m2, c.part_id,
		               ST_Area(ST_Intersection(c.geom, sp.geom)) / nullif(ST_Area(c.geom), 0) AS share
		          FROM site_parts sp JOIN parcels c ON ST_Intersects(c.geom, sp.geom)
		         WHERE sp.id = $1 AND c.part_id IS DISTINCT FROM sp.id) x
		 WHERE share >= $2
		 ORDER BY share DESC, id`, partID, site.SuggestionShare)
	if err != nil {
		return out, fmt.Errorf("store: suggest parcels for part %q: %w", partID, err)
	}
	for rows.Next() {
		var p site.ParcelSuggestion
		if err := rows.Scan(&p.ParcelID, &p.AreaM2, &p.Contenance, &p.Share, &p.LinkedPart); err != nil {
			rows.Close()
			return out, fmt.Errorf("store: suggest parcels for part %q: %w", partID, err)
		}
		out.Parcels = append(out.Parcels, p)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("store: suggest parcels for part %q: %w", partID, err)
	}
	return out, nil
}
