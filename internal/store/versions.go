package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// PartHistory returns what the versions of a site part are made of (site.PartVersions):
// its status periods, each with the audit record of the change that began it; the audited
// changes of its outline, quality or source, each with the shape it replaced; and its shape
// now. Outlines are GeoJSON in crs. A part of a deleted site is not found.
func (s *Store) PartHistory(ctx context.Context, partID string, crs site.CRS) (site.PartHistory, error) {
	h := site.PartHistory{PartID: partID}
	q := FeatureQuery{CRS: crs}
	current, err := q.geometryJSON("p.geom")
	if err != nil {
		return h, err
	}
	// The audit log keeps outlines in WGS84 (see partSnapshotSQL); geometryJSON takes
	// Lambert-93, as stored.
	before, err := q.geometryJSON(`ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(c.before->>'geometry'), 4326), 2154)`)
	if err != nil {
		return h, err
	}
	err = s.readTx(ctx, func(tx pgx.Tx) error {
		var geometry *string
		err := tx.QueryRow(ctx, `
			SELECT `+current+`, p.geometry_quality::text, p.geometry_source
			  FROM site_parts p JOIN sites s ON s.id = p.site_id AND s.deleted_at IS NULL
			 WHERE p.id = $1`, partID).Scan(&geometry, &h.Current.Quality, &h.Current.Source)
		if errors.Is(err, pgx.ErrNoRows) {
			return site.ErrNotFound
		}
		if err != nil {
			return err
		}
		h.Current.Geometry = rawGeoJSON(geometry)
		if h.Statuses, err = partStatusRecords(ctx, tx, partID); err != nil {
			return err
		}
		h.Changes, err = partShapeChanges(ctx, tx, partID, before)
		return err
	})
	if err != nil {
		return site.PartHistory{}, fmt.Errorf("store: part history %q: %w", partID, err)
	}
	return h, nil
}

// partStatusRecords lists the status periods of a part, oldest first. A status period is
// written by a trigger in the transaction of the change that made it, so it was recorded
// at the very instant (now(), the transaction's start) of that change's audit record: the
// part's own record if there is one, else the site's (a site created with its parts, the
// seed), or, for the periods a part split off another inherited, the other part's.
func partStatusRecords(ctx context.Context, tx pgx.Tx, partID string) ([]site.StatusRecord, error) {
	rows, err := tx.Query(ctx, `
		SELECT h.status::text, lower(h.valid), h.since_precision::text, upper(h.valid), h.reason,
		       h.recorded_at, coalesce(a.actor, ''), coalesce(a.reason, '')
		  FROM part_status_history h
		  JOIN site_parts p ON p.id = h.part_id
		  LEFT JOIN LATERAL (
		      SELECT coalesce(u.name, a.actor) AS actor, a.reason
		        FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
		       WHERE a.site_id = p.site_id AND a.at = h.recorded_at
		       ORDER BY (a.entity_type = 'part' AND a.entity_id = h.part_id) DESC, a.id
		       LIMIT 1) a ON true
		 WHERE h.part_id = $1
		 ORDER BY lower(h.valid)`, partID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.StatusRecord, error) {
		var r site.StatusRecord
		var from time.Time
		var precision string
		err := row.Scan(&r.Status, &from, &precision, &r.Until, &r.Reason, &r.Recorded.At, &r.Recorded.By, &r.Recorded.Reason)
		if err != nil {
			return r, err
		}
		r.From, err = site.NewDate(from, precision)
		return r, err
	})
}

// partShapeChanges lists the audited changes of a part's outline, quality or source, oldest
// first, whatever the action (a new outline, one rebuilt from parcels, a split, a cadastre
// import): those whose snapshots before and after differ there. A split records both parts
// after it; the part split keeps its id and is the "retained" one. before is the SQL of the
// outline before the change, c.before being the snapshot.
func partShapeChanges(ctx context.Context, tx pgx.Tx, partID, before string) ([]site.ShapeChange, error) {
	rows, err := tx.Query(ctx, `
		WITH c AS (
		    SELECT a.id, a.at, coalesce(u.name, a.actor) AS actor, a.reason, a.before,
		           CASE WHEN a.action = 'part.split' THEN a.after->'retained' ELSE a.after END AS after
		      FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
		     WHERE a.site_id = (SELECT site_id FROM site_parts WHERE id = $1)
		       AND a.entity_type = 'part' AND a.entity_id = $1
		       AND a.before IS NOT NULL AND a.after IS NOT NULL)
		SELECT c.at, c.actor, c.reason, `+before+`,
		       coalesce(c.before->>'geometry_quality', ''), coalesce(c.before->>'geometry_source', '')
		  FROM c
		 WHERE (c.before->'geometry', c.before->'geometry_quality', c.before->'geometry_source')
		       IS DISTINCT FROM (c.after->'geometry', c.after->'geometry_quality', c.after->'geometry_source')
		 ORDER BY c.id`, partID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (site.ShapeChange, error) {
		var c site.ShapeChange
		var geometry *string
		err := row.Scan(&c.At, &c.By, &c.Reason, &geometry, &c.Before.Quality, &c.Before.Source)
		c.Before.Geometry = rawGeoJSON(geometry)
		return c, err
	})
}

// rawGeoJSON is a geometry PostGIS wrote, or nil for none.
func rawGeoJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}
