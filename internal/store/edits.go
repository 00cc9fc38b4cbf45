package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/site"
)

// Edit is what a change to a site returns, through the API or at the command line: the
// site's new version (its new ETag), the audit record that describes the change, and the
// changed entity as recorded.
type Edit struct {
	SiteID   string
	Version  int64
	AuditID  int64
	EntityID string
	After    json.RawMessage
}

// change is one audited change in the making: edit fills the site and version, the
// function doing the change fills the rest; record writes it to audit_log.
type change struct {
	action     string
	entityType string // site, part, event, milestone; account, token (with no site)
	entityID   string
	siteID     string
	version    int64
	reason     string
	before     json.RawMessage // nil for a creation
	after      json.RawMessage // nil: edit takes a snapshot of the entity once changed
}

// Versions is what the client's If-Match allows: the change happens only if the site is at
// one of these versions.
type Versions []int64

// AnyVersion makes a change whatever the site's version: the command line reads no ETag,
// and its change is made at once (it still queues on the site's row).
var AnyVersion = Versions{anyVersion}

// anyVersion is no version of a site, which start at 1.
const anyVersion = -1

func (v Versions) unconditional() bool { return len(v) == 1 && v[0] == anyVersion }

// edit runs one change to a site as one transaction with one audit record: the one write
// path of every change to a site, through the API or at the command line. It locks the
// site and increments its version if that version is one of ifMatch (site.ErrConflict
// otherwise), takes the entity's snapshot before, runs fn, takes the snapshot after, and
// writes the audit record. Concurrent edits of one site queue on the site's row, and the
// second finds the version moved on. fn may record more changes (a parcel taken from a
// part of another site) with record, in the same transaction.
func (s *Store) edit(ctx context.Context, by Actor, c change, ifMatch Versions,
	fn func(tx pgx.Tx, c *change) error) (Edit, error) {
	var out Edit
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if c.siteID == "" {
			id, err := siteOf(ctx, tx, c.entityType, c.entityID)
			if err != nil {
				return err
			}
			c.siteID = id
		}
		v, err := bumpVersion(ctx, tx, c.siteID, ifMatch, c.action == "site.restore")
		if err != nil {
			return err
		}
		c.version = v
		if c.entityID != "" {
			if c.before, err = snapshot(ctx, tx, c.entityType, c.entityID); err != nil {
				return err
			}
		}
		if err := fn(tx, &c); err != nil {
			return domainError(err)
		}
		if c.after == nil {
			if c.after, err = snapshot(ctx, tx, c.entityType, c.entityID); err != nil {
				return err
			}
		}
		out = Edit{SiteID: c.siteID, Version: v, EntityID: c.entityID, After: c.after}
		out.AuditID, err = record(ctx, tx, by, c)
		return err
	})
	if err != nil {
		return Edit{}, fmt.Errorf("store: %s %s: %w", c.action, c.entityID, domainError(err))
	}
	return out, nil
}

// siteOf finds the site an entity belongs to, soft-deleted events included (liveEvent
// refuses those to every change but a restore). Event and milestone ids are the decimal
// text of their bigint, compared as a bigint so that the primary key serves.
func siteOf(ctx context.Context, tx pgx.Tx, entityType, id string) (string, error) {
	var q string
	switch entityType {
	case "part":
		q = `SELECT site_id FROM site_parts WHERE id = $1`
	case "event":
		q = `SELECT site_id FROM events WHERE id = $1::bigint`
	case "milestone":
		q = `SELECT site_id FROM milestones WHERE id = $1::bigint`
	default:
		q = `SELECT id FROM sites WHERE id = $1`
	}
	var siteID string
	err := tx.QueryRow(ctx, q, id).Scan(&siteID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fmt.Errorf("no %s %q: %w", entityType, id, site.ErrNotFound)
	}
	return siteID, err
}

// bumpVersion locks a site and moves it to its next version if it is at one of ifMatch
// (at any version with AnyVersion).
// A deleted site is not found, except by restore, which wants exactly a deleted one.
func bumpVersion(ctx context.Context, tx pgx.Tx, siteID string, ifMatch Versions, deleted bool) (int64, error) {
	var v int64
	err := tx.QueryRow(ctx, `
		UPDATE sites SET version = version + 1, updated_at = now()
		 WHERE id = $1 AND ($4 OR version = ANY($2)) AND (deleted_at IS NOT NULL) = $3
		RETURNING version`, siteID, []int64(ifMatch), deleted, ifMatch.unconditional()).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, err
	}
	var isDeleted bool
	err = tx.QueryRow(ctx, `SELECT version, deleted_at IS NOT NULL FROM sites WHERE id = $1`, siteID).Scan(&v, &isDeleted)
	switch {
	case errors.Is(err, pgx.ErrNoRows), err == nil && isDeleted && !deleted:
		return 0, fmt.Errorf("no site %q: %w", siteID, site.ErrNotFound)
	case err != nil:
		return 0, err
	case deleted && !isDeleted:
		return 0, site.Invalid("id", "site %q is not deleted", siteID)
	}
	return 0, &StaleError{Current: v}
}

// StaleError refuses a change sent with a version of the site that is no longer current.
type StaleError struct{ Current int64 }

func (e *StaleError) Error() string {
	return fmt.Sprintf("the site has changed since it was read (now at version %d); read it again", e.Current)
}

// Unwrap makes a StaleError a site.ErrConflict.
func (e *StaleError) Unwrap() error { return site.ErrConflict }

func nullJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return []byte(b)
}

// SiteFields are a site's descriptive attributes. In a change, nil leaves a field as it is.
type SiteFields struct {
	Name, Address, Department, CurrentUse, Occupant, Owner *string
	Modality                                               *site.Modality
	ModalityDone                                           *bool
	Counterparty, Notes                                    *string
	Sources                                                *[]string
}

// UpdateSite changes a site's attributes.
func (s *Store) UpdateSite(ctx context.Context, by User, id string, ifMatch Versions, f SiteFields, reason string) (Edit, error) {
	c := change{action: "site.update", entityType: "site", entityID: id, reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		_, err := tx.Exec(ctx, `
			UPDATE sites SET
			    name = coalesce($2, name), address = coalesce($3, address),
			    department = coalesce($4, department), current_use = coalesce($5, current_use),
			    occupant = coalesce($6, occupant), owner = coalesce($7, owner),
			    modality = coalesce($8, modality), modality_done = coalesce($9, modality_done),
			    counterparty = coalesce($10, counterparty), notes = coalesce($11, notes),
			    sources = coalesce($12, sources)
			 WHERE id = $1`,
			id, f.Name, f.Address, f.Department, f.CurrentUse, f.Occupant, f.Owner, f.Modality,
			f.ModalityDone, f.Counterparty, f.Notes, f.Sources)
		return err
	})
}

// NewSite is a site created through the API, with its first part, not yet located.
type NewSite struct {
	ID     string
	Fields SiteFields // Name is required
	Part   NewPart
}

// NewPart is the first part of a new site.
type NewPart struct {
	ID, Label      string
	Status         site.Status
	Since          site.Date
	Reason         string
	DeclaredAreaM2 *float64
}

// CreateSite adds a site and its first part, at version 1.
func (s *Store) CreateSite(ctx context.Context, by User, n NewSite, reason string) (Edit, error) {
	var out Edit
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		f := n.Fields
		var deleted *time.Time
		err := tx.QueryRow(ctx, `SELECT deleted_at FROM sites WHERE id = $1`, n.ID).Scan(&deleted)
		switch {
		case err == nil && deleted != nil:
			return site.Invalid("id", "a deleted site has the id %q; an admin can restore it", n.ID)
		case err == nil:
			return site.Invalid("id", "a site has the id %q already", n.ID)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO sites (id, name, address, department, current_use, occupant, owner,
			                   modality, modality_done, counterparty, notes, sources)
			VALUES ($1, $2, coalesce($3, ''), coalesce($4, ''), coalesce($5, ''), coalesce($6, ''),
			        coalesce($7, ''), coalesce($8, 'undecided'), coalesce($9, false), coalesce($10, ''),
			        coalesce($11, ''), coalesce($12, '{}'::text[]))`,
			n.ID, f.Name, f.Address, f.Department, f.CurrentUse, f.Occupant, f.Owner, f.Modality,
			f.ModalityDone, f.Counterparty, f.Notes, f.Sources)
		if err != nil {
			return err
		}
		p := n.Part
		if err := partIDFree(ctx, tx, p.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO site_parts (id, site_id, label, declared_area_m2, geometry_quality,
			                        status, status_since, status_since_precision, status_reason)
			VALUES ($1, $2, $3, $4, 'unlocated', $5, $6, $7, $8)`,
			p.ID, n.ID, p.Label, p.DeclaredAreaM2, string(p.Status), p.Since.Start, string(p.Since.Precision), p.Reason)
		if err != nil {
			return err
		}
		siteSnap, err := snapshot(ctx, tx, "site", n.ID)
		if err != nil {
			return err
		}
		partSnap, err := snapshot(ctx, tx, "part", p.ID)
		if err != nil {
			return err
		}
		after, err := json.Marshal(map[string]json.RawMessage{"site": siteSnap, "part": partSnap})
		if err != nil {
			return err
		}
		out = Edit{SiteID: n.ID, Version: 1, EntityID: n.ID, After: siteSnap}
		out.AuditID, err = record(ctx, tx, by.Actor(), change{action: "site.create", entityType: "site",
			entityID: n.ID, siteID: n.ID, version: 1, after: after, reason: reason})
		return err
	})
	if err != nil {
		return Edit{}, fmt.Errorf("store: create site %q: %w", n.ID, domainError(err))
	}
	return out, nil
}

func partIDFree(ctx context.Context, tx pgx.Tx, id string) error {
	var taken bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM site_parts WHERE id = $1)`, id).Scan(&taken); err != nil {
		return err
	}
	if taken {
		return site.Invalid("part_id", "a part has the id %q already", id)
	}
	return nil
}

// DeleteSite hides a site, its parts, events and calendar from every reader. Nothing is
// removed: an admin can restore it.
func (s *Store) DeleteSite(ctx context.Context, by User, id string, ifMatch Versions, reason string) (Edit, error) {
	c := change{action: "site.delete", entityType: "site", entityID: id, siteID: id, reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		_, err := tx.Exec(ctx, `UPDATE sites SET deleted_at = now(), deleted_by = $2 WHERE id = $1`, id, by.ID)
		return err
	})
}

// RestoreSite brings back a deleted site.
func (s *Store) RestoreSite(ctx context.Context, by User, id string, ifMatch Versions, reason string) (Edit, error) {
	c := change{action: "site.restore", entityType: "site", entityID: id, siteID: id, reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		_, err := tx.Exec(ctx, `UPDATE sites SET deleted_at = NULL, deleted_by = NULL WHERE id = $1`, id)
		return err
	})
}

// StatusChange moves a part to a new status from a date on.
type StatusChange struct {
	Status     site.Status
	Since      site.Date
	Reason     string
	Correction bool // fixing a wrong record: any move, with a reason
}

// ChangeStatus moves a part to a new status. The move must be allowed (site.CheckTransition)
// and start after the current status did; the status-history trigger records it.
func (s *Store) ChangeStatus(ctx context.Context, by User, partID string, ifMatch Versions, sc StatusChange) (Edit, error) {
	action := "part.status"
	if sc.Correction {
		action = "part.status_correction"
	}
	c := change{action: action, entityType: "part", entityID: partID, reason: sc.Reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		var from string
		var since time.Time
		var precision string
		err := tx.QueryRow(ctx, `
			SELECT status, status_since, status_since_precision FROM site_parts WHERE id = $1 FOR UPDATE`,
			partID).Scan(&from, &since, &precision)
		if err != nil {
			return err
		}
		if err := site.CheckTransition(site.Status(from), sc.Status, sc.Correction, sc.Reason); err != nil {
			return err
		}
		if !sc.Since.Start.After(since) {
			current, _ := site.NewDate(since, precision)
			return site.Invalid("date", "must be after the start of the current status (%s since %s)", from, current)
		}
		return setStatus(ctx, tx, partID, sc.Status, sc.Since, sc.Reason)
	})
}

// EventFields are a timeline event's attributes. In a change, nil leaves a field as it is;
// PartID, AreaM2 and AmountEUR may be set to null with the Clear flags.
type EventFields struct {
	PartID                                   *string
	Kind                                     *site.EventKind
	Date                                     *site.Date
	Planned                                  *bool
	Cancelled                                *bool
	Title                                    *string
	Description                              *string
	Source                                   *string
	AreaM2                                   *float64
	AmountEUR                                *float64
	ClearPartID, ClearAreaM2, ClearAmountEUR bool
}

// CreateEvent adds an event to a site's timeline.
func (s *Store) CreateEvent(ctx context.Context, by User, siteID string, ifMatch Versions, f EventFields, reason string) (Edit, error) {
	c := change{action: "event.create", entityType: "event", siteID: siteID, reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		if err := partOfSite(ctx, tx, f.PartID, siteID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO events (site_id, part_id, kind, date_start, date_precision, planned, cancelled,
			                    title, description, source, area_m2, amount_eur)
			VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, false), $8, coalesce($9, ''), coalesce($10, ''), $11, $12)
			RETURNING id`,
			siteID, f.PartID, f.Kind, f.Date.Start, string(f.Date.Precision), f.Planned, f.Cancelled,
			f.Title, f.Description, f.Source, f.AreaM2, f.AmountEUR).Scan(&id)
		c.entityID = fmt.Sprint(id)
		return err
	})
}

// UpdateEvent changes an event that is not deleted.
func (s *Store) UpdateEvent(ctx context.Context, by User, eventID int64, ifMatch Versions, f EventFields, reason string) (Edit, error) {
	c := change{action: "event.update", entityType: "event", entityID: fmt.Sprint(eventID), reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		if err := liveEvent(ctx, tx, eventID); err != nil {
			return err
		}
		if err := partOfSite(ctx, tx, f.PartID, c.siteID); err != nil {
			return err
		}
		var start *time.Time
		var precision *string
		if f.Date != nil {
			p := string(f.Date.Precision)
			start, precision = &f.Date.Start, &p
		}
		_, err := tx.Exec(ctx, `
			UPDATE events SET
			    part_id = CASE WHEN $12 THEN NULL ELSE coalesce($2, part_id) END,
			    kind = coalesce($3, kind),
			    date_start = coalesce($4, date_start), date_precision = coalesce($5, date_precision),
			    planned = coalesce($6, planned), cancelled = coalesce($7, cancelled),
			    title = coalesce($8, title), description = coalesce($9, description),
			    source = coalesce($10, source),
			    area_m2 = CASE WHEN $13 THEN NULL ELSE coalesce($11, area_m2) END,
			    amount_eur = CASE WHEN $15 THEN NULL ELSE coalesce($14, amount_eur) END
			 WHERE id = $1`,
			eventID, f.PartID, f.Kind, start, precision, f.Planned, f.Cancelled, f.Title,
			f.Description, f.Source, f.AreaM2, f.ClearPartID, f.ClearAreaM2, f.AmountEUR, f.ClearAmountEUR)
		return err
	})
}

// CancelEvent marks an event cancelled: it stays on the timeline, struck out.
func (s *Store) CancelEvent(ctx context.Context, by User, eventID int64, ifMatch Versions, reason string) (Edit, error) {
	c := change{action: "event.cancel", entityType: "event", entityID: fmt.Sprint(eventID), reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		if err := liveEvent(ctx, tx, eventID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE events SET cancelled = true WHERE id = $1 AND NOT cancelled`, eventID)
		if err == nil && tag.RowsAffected() == 0 {
			return site.Invalid("cancelled", "event %d is already cancelled", eventID)
		}
		return err
	})
}

// DeleteEvent hides an event entered by mistake; an admin can restore it.
func (s *Store) DeleteEvent(ctx context.Context, by User, eventID int64, ifMatch Versions, reason string) (Edit, error) {
	c := change{action: "event.delete", entityType: "event", entityID: fmt.Sprint(eventID), reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		if err := liveEvent(ctx, tx, eventID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE events SET deleted_at = now(), deleted_by = $2 WHERE id = $1`, eventID, by.ID)
		return err
	})
}

// RestoreEvent brings back a deleted event.
func (s *Store) RestoreEvent(ctx context.Context, by User, eventID int64, ifMatch Versions, reason string) (Edit, error) {
	c := change{action: "event.restore", entityType: "event", entityID: fmt.Sprint(eventID), reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		tag, err := tx.Exec(ctx, `
			UPDATE events SET deleted_at = NULL, deleted_by = NULL WHERE id = $1 AND deleted_at IS NOT NULL`, eventID)
		if err == nil && tag.RowsAffected() == 0 {
			return site.Invalid("id", "event %d is not deleted", eventID)
		}
		return err
	})
}

func liveEvent(ctx context.Context, tx pgx.Tx, id int64) error {
	var deleted bool
	if err := tx.QueryRow(ctx, `SELECT deleted_at IS NOT NULL FROM events WHERE id = $1 FOR UPDATE`, id).Scan(&deleted); err != nil {
		return err
	}
	if deleted {
		return fmt.Errorf("event %d is deleted: %w", id, site.ErrNotFound)
	}
	return nil
}

// partOfSite checks that a part named in an event or milestone belongs to the site.
func partOfSite(ctx context.Context, tx pgx.Tx, partID *string, siteID string) error {
	if partID == nil {
		return nil
	}
	var owner string
	err := tx.QueryRow(ctx, `SELECT site_id FROM site_parts WHERE id = $1`, *partID).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return site.Invalid("part_id", "no part has the id %q", *partID)
	}
	if err != nil {
		return err
	}
	if owner != siteID {
		return site.Invalid("part_id", "part %q belongs to site %q, not %q", *partID, owner, siteID)
	}
	return nil
}

// Plan is a planned date of a calendar milestone.
type Plan struct {
	Date      site.Date
	DecidedOn *time.Time // the day the plan was made, if known
	Reason    string
	Source    string
}

// NewMilestone is a calendar row created with its first planned date.
type NewMilestone struct {
	Kind   site.MilestoneKind
	PartID *string
	Label  string
	Plan   Plan
}

// CreateMilestone adds a release, disposal or deadline to a site's calendar.
func (s *Store) CreateMilestone(ctx context.Context, by User, siteID string, ifMatch Versions, m NewMilestone) (Edit, error) {
	c := change{action: "milestone.create", entityType: "milestone", siteID: siteID, reason: m.Plan.Reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		if err := partOfSite(ctx, tx, m.PartID, siteID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO milestones (site_id, part_id, kind, label) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING
			RETURNING id`, siteID, m.PartID, string(m.Kind), m.Label).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return site.Invalid("kind", "the calendar already has a %s milestone labelled %q for this site or part; add a plan to it", m.Kind, m.Label)
		}
		if err != nil {
			return err
		}
		c.entityID = fmt.Sprint(id)
		_, err = insertPlan(ctx, tx, id, m.Plan)
		return err
	})
}

// AddPlan appends a planned date to a milestone. Earlier plans are kept, so every slip
// stays visible; moving a date already planned must say why.
func (s *Store) AddPlan(ctx context.Context, by User, milestoneID int64, ifMatch Versions, p Plan) (Edit, error) {
	c := change{action: "milestone.plan", entityType: "milestone", entityID: fmt.Sprint(milestoneID), reason: p.Reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		_, err := addPlan(ctx, tx, milestoneID, p)
		return err
	})
}

// addPlan appends a plan to a milestone whose site the transaction has locked, and
// returns the plan's id: the one path by which a planned date moves, for an edit of the
// calendar and for a meeting's decision alike.
func addPlan(ctx context.Context, tx pgx.Tx, milestoneID int64, p Plan) (int64, error) {
	var last *string
	err := tx.QueryRow(ctx, `
		SELECT (SELECT date_text(planned_date, planned_precision) FROM milestone_plans
		         WHERE milestone_id = m.id ORDER BY id DESC LIMIT 1)
		  FROM milestones m WHERE m.id = $1 FOR UPDATE`, milestoneID).Scan(&last)
	if err != nil {
		return 0, err
	}
	if last != nil {
		if *last == p.Date.String() {
			return 0, site.Invalid("date", "%s is already the planned date", *last)
		}
		if strings.TrimSpace(p.Reason) == "" {
			return 0, site.Invalid("reason", "moving the planned date from %s must give its reason", *last)
		}
	}
	return insertPlan(ctx, tx, milestoneID, p)
}

func insertPlan(ctx context.Context, tx pgx.Tx, milestoneID int64, p Plan) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO milestone_plans (milestone_id, planned_date, planned_precision, decided_on, reason, source)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id`,
		milestoneID, p.Date.Start, string(p.Date.Precision), p.DecidedOn, p.Reason, p.Source).Scan(&id)
	return id, err
}

// SetActual records when a milestone happened, or clears a wrong record (date nil, with a
// reason).
func (s *Store) SetActual(ctx context.Context, by User, milestoneID int64, ifMatch Versions, date *site.Date, reason string) (Edit, error) {
	c := change{action: "milestone.actual", entityType: "milestone", entityID: fmt.Sprint(milestoneID), reason: reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		var start *time.Time
		var precision *string
		if date != nil {
			p := string(date.Precision)
			start, precision = &date.Start, &p
		}
		_, err := tx.Exec(ctx, `UPDATE milestones SET actual_date = $2, actual_precision = $3 WHERE id = $1`,
			milestoneID, start, precision)
		return err
	})
}

// GeometryChange replaces (or sets, for an unlocated part) a part's outline.
type GeometryChange struct {
	Outline site.Outline // as site.DecodeGeometry checked it, in WGS84 or Lambert-93
	Quality site.GeometryQuality
	Source  string
	Reason  string
}

// SetGeometry replaces a part's outline. PostgreSQL checks it (valid, with an area, in
// Ivry) whatever the path; its refusals come back as *site.InvalidError on "geometry".
func (s *Store) SetGeometry(ctx context.Context, by User, partID string, ifMatch Versions, g GeometryChange) (Edit, error) {
	outline, err := outlineEWKB(g.Outline)
	if err != nil {
		return Edit{}, err
	}
	c := change{action: "part.geometry", entityType: "part", entityID: partID, reason: g.Reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		_, err := tx.Exec(ctx, `
			UPDATE site_parts
			   SET geom = ST_Multi(ST_Transform(ST_GeomFromEWKB($2), 2154)),
			       geometry_quality = $3, geometry_source = $4, updated_at = now()
			 WHERE id = $1`, partID, outline, string(g.Quality), g.Source)
		return err
	})
}

// Split cuts a part in two: the piece drawn becomes a new part, the rest stays the part.
type Split struct {
	Piece  site.Outline // as site.DecodeGeometry checked it
	NewID  string       // id of the new part; empty: the part's id with a number
	Label  string
	Reason string
}

// SplitTolerance is how far, in metres, a piece drawn by hand may stray outside the part
// it is cut from: the piece is clipped to the part, but one that lies elsewhere is refused.
const SplitTolerance = 1.0

// SplitPart cuts the piece out of a part: the new part is the intersection of the part and
// the piece, the part keeps the difference, so that their areas add up to the part's. The
// new part has the same status, quality, source and status history.
func (s *Store) SplitPart(ctx context.Context, by User, partID string, ifMatch Versions, sp Split) (Edit, error) {
	piece, err := outlineEWKB(sp.Piece)
	if err != nil {
		return Edit{}, err
	}
	c := change{action: "part.split", entityType: "part", entityID: partID, reason: sp.Reason}
	return s.edit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		var located, valid, inside bool
		var reason string
		var outside, ceded, retained float64
		err := tx.QueryRow(ctx, `
			WITH piece AS (SELECT ST_Transform(ST_GeomFromEWKB($2), 2154) AS g),
			     part AS (SELECT geom FROM site_parts WHERE id = $1 FOR UPDATE)
			SELECT part.geom IS NOT NULL, ST_IsValid(piece.g), ST_IsValidReason(piece.g),
			       coalesce(ST_CoveredBy(piece.g, ST_Buffer(part.geom, $3)), false),
			       -- GEOS refuses invalid input: measure only a valid piece on a located part.
			       coalesce(CASE WHEN ST_IsValid(piece.g) THEN ST_Area(ST_Difference(piece.g, part.geom)) END, 0),
			       coalesce(CASE WHEN ST_IsValid(piece.g) THEN ST_Area(ST_Intersection(part.geom, piece.g)) END, 0),
			       coalesce(CASE WHEN ST_IsValid(piece.g) THEN ST_Area(ST_Difference(part.geom, piece.g)) END, 0)
			  FROM piece, part`, partID, piece, SplitTolerance).Scan(
			&located, &valid, &reason, &inside, &outside, &ceded, &retained)
		switch {
		case err != nil:
			return err
		case !located:
			return site.Invalid("geometry", "part %q has no outline to split; place it first", partID)
		case !valid:
			return site.Invalid("geometry", "geometry is not valid: %s", reason)
		case !inside:
			return site.Invalid("geometry", "the piece is not inside part %q (%.0f m² of it lie outside)", partID, outside)
		case ceded < 1:
			return site.Invalid("geometry", "the piece has no area inside part %q", partID)
		case retained < 1:
			return site.Invalid("geometry", "the piece covers the whole of part %q; nothing would remain", partID)
		}
		newID := sp.NewID
		if newID == "" {
			if newID, err = freePartID(ctx, tx, partID); err != nil {
				return err
			}
		} else if err := partIDFree(ctx, tx, newID); err != nil {
			var inv *site.InvalidError
			if errors.As(err, &inv) {
				return site.Invalid("id", "%s", inv.Reason) // the field is the split's id
			}
			return err
		}
		// The new part first, from the part's outline before the cut; then the part.
		_, err = tx.Exec(ctx, `
			INSERT INTO site_parts (id, site_id, label, geom, geometry_quality, geometry_source,
			                        status, status_since, status_since_precision, status_reason)
			SELECT $2, site_id, $3,
			       ST_Multi(ST_CollectionExtract(ST_Intersection(geom, ST_Transform(ST_GeomFromEWKB($4), 2154)), 3)),
			       geometry_quality, geometry_source, status, status_since, status_since_precision, status_reason
			  FROM site_parts WHERE id = $1`, partID, newID, sp.Label, piece)
		if err != nil {
			return err
		}
		// Its earlier statuses are the part's: on any past day the two were one.
		_, err = tx.Exec(ctx, `
			INSERT INTO part_status_history (part_id, status, valid, since_precision, reason, recorded_at)
			SELECT $2, status, valid, since_precision, reason, recorded_at
			  FROM part_status_history WHERE part_id = $1 AND NOT upper_inf(valid)`, partID, newID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE site_parts
			   SET geom = ST_Multi(ST_CollectionExtract(ST_Difference(geom, ST_Transform(ST_GeomFromEWKB($2), 2154)), 3)),
			       updated_at = now()
			 WHERE id = $1`, partID, piece)
		if err != nil {
			return err
		}
		retainedSnap, err := snapshot(ctx, tx, "part", partID)
		if err != nil {
			return err
		}
		cededSnap, err := snapshot(ctx, tx, "part", newID)
		if err != nil {
			return err
		}
		c.after, err = json.Marshal(map[string]json.RawMessage{"retained": retainedSnap, "ceded": cededSnap})
		return err
	})
}

// freePartID finds the first of id-2, id-3… that no part has.
func freePartID(ctx context.Context, tx pgx.Tx, id string) (string, error) {
	for n := 2; n < 1000; n++ {
		candidate := fmt.Sprintf("%s-%d", id, n)
		if len(candidate) > 80 {
			break
		}
		if partIDFree(ctx, tx, candidate) == nil {
			return candidate, nil
		}
	}
	return "", site.Invalid("id", "no free id derived from %q; give one", id)
}
