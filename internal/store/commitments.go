package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

// ListCommitments returns every commitment with its sites, parts and follow-ups (oldest
// first), ordered by clause and id. The convention makes a few dozen: the caller sees them
// as of a day and filters them with the domain's rules.
func (s *Store) ListCommitments(ctx context.Context) ([]governance.Commitment, error) {
	out, err := readList(ctx, s, func(tx pgx.Tx) ([]governance.Commitment, error) { return loadCommitments(ctx, tx, "") })
	if err != nil {
		return nil, fmt.Errorf("store: list commitments: %w", err)
	}
	return out, nil
}

// FindCommitment returns one commitment with its follow-up history.
func (s *Store) FindCommitment(ctx context.Context, id string) (governance.Commitment, error) {
	c, err := readOne(ctx, s, func(tx pgx.Tx) ([]governance.Commitment, error) { return loadCommitments(ctx, tx, id) })
	if err != nil {
		return c, fmt.Errorf("store: find commitment %q: %w", id, err)
	}
	return c, nil
}

// loadCommitments reads the commitments, all of them or the one with id.
func loadCommitments(ctx context.Context, tx pgx.Tx, id string) ([]governance.Commitment, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.id, c.clause, c.axis, c.title, c.quote, c.parties, c.due_start, c.due_precision,
		       c.firmness, c.status, c.progress, c.sources, c.decided_at, c.version,
		       ARRAY(SELECT site_id FROM commitment_sites WHERE commitment_id = c.id ORDER BY site_id),
		       ARRAY(SELECT part_id FROM commitment_parts WHERE commitment_id = c.id ORDER BY part_id)
		  FROM commitments c
		 WHERE $1 = '' OR c.id = $1
		 ORDER BY c.axis = 'III', c.axis, c.clause, c.id`, id)
	if err != nil {
		return nil, err
	}
	cs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (governance.Commitment, error) {
		var c governance.Commitment
		var parties []string
		var dueStart *time.Time
		var duePrecision *string
		var progress *int32
		err := row.Scan(&c.ID, &c.Clause, &c.Axis, &c.Title, &c.Quote, &parties, &dueStart, &duePrecision,
			&c.Firmness, &c.Status, &progress, &c.Sources, &c.DecidedAt, &c.Version, &c.SiteIDs, &c.PartIDs)
		if err != nil {
			return c, err
		}
		for _, p := range parties {
			c.Parties = append(c.Parties, governance.Party(p))
		}
		if progress != nil {
			p := int(*progress)
			c.Progress = &p
		}
		c.Due, err = scanDate(dueStart, duePrecision)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i := range cs {
		index[cs[i].ID] = i
	}
	rows, err = tx.Query(ctx, `
		SELECT commitment_id, id, date_start, date_precision, note, source, status, progress, meeting_id, recorded_at
		  FROM commitment_followups
		 WHERE $1 = '' OR commitment_id = $1
		 ORDER BY date_start, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var commitment, precision string
		var f governance.FollowUp
		var start time.Time
		var status *string
		var progress *int32
		if err := rows.Scan(&commitment, &f.ID, &start, &precision, &f.Note, &f.Source, &status, &progress,
			&f.MeetingID, &f.RecordedAt); err != nil {
			return nil, err
		}
		if f.Date, err = site.NewDate(start, precision); err != nil {
			return nil, err
		}
		if status != nil {
			st := governance.Status(*status)
			f.Status = &st
		}
		if progress != nil {
			p := int(*progress)
			f.Progress = &p
		}
		if i, ok := index[commitment]; ok {
			cs[i].FollowUps = append(cs[i].FollowUps, f)
		}
	}
	return cs, rows.Err()
}

// CommitmentFields are a commitment's attributes. In a change, nil leaves a field as it
// is; status and progress change only with a follow-up, which dates and sources them.
type CommitmentFields struct {
	Clause   *string
	Axis     *governance.Axis
	Title    *string
	Quote    *string
	Parties  *[]governance.Party
	SiteIDs  *[]string
	PartIDs  *[]string
	Due      **site.Date // set to a nil *site.Date to clear the due date
	Firmness *governance.Firmness
	Sources  *[]string
}

// NewCommitment is a commitment created through the API or by the seed.
type NewCommitment struct {
	ID        string
	Fields    CommitmentFields // Clause, Axis, Title, Parties, Firmness and Sources required
	Status    governance.Status
	Progress  *int
	DecidedAt *int64 // the meeting whose decision creates it
}

// CreateCommitment adds a commitment, at version 1.
func (s *Store) CreateCommitment(ctx context.Context, by User, n NewCommitment, reason string) (Edit, error) {
	c := change{action: "commitment.create", entityType: "commitment", reason: reason}
	return s.govEdit(ctx, by.Actor(), c, nil, func(tx pgx.Tx, c *change) error {
		if err := insertCommitment(ctx, tx, n); err != nil {
			return err
		}
		c.entityID = n.ID
		return nil
	})
}

func insertCommitment(ctx context.Context, tx pgx.Tx, n NewCommitment) error {
	f := n.Fields
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM commitments WHERE id = $1)`, n.ID).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return site.Invalid("id", "a commitment has the id %q already", n.ID)
	}
	if n.DecidedAt != nil {
		if err := meetingExists(ctx, tx, *n.DecidedAt, "decided_at"); err != nil {
			return err
		}
	}
	var due *site.Date
	if f.Due != nil {
		due = *f.Due
	}
	start, precision := datePair(due)
	_, err := tx.Exec(ctx, `
		INSERT INTO commitments (id, clause, axis, title, quote, parties, due_start, due_precision,
		                         firmness, status, progress, sources, decided_at)
		VALUES ($1, $2, $3, $4, coalesce($5, ''), $6, $7, $8, $9, $10, $11, $12, $13)`,
		n.ID, f.Clause, f.Axis, f.Title, f.Quote, partyCodes(f.Parties), start, precision, f.Firmness,
		string(n.Status), n.Progress, f.Sources, n.DecidedAt)
	if err != nil {
		return domainError(err)
	}
	return linkCommitment(ctx, tx, n.ID, f.SiteIDs, f.PartIDs)
}

// UpdateCommitment changes a commitment's attributes.
func (s *Store) UpdateCommitment(ctx context.Context, by User, id string, ifMatch Versions, f CommitmentFields, reason string) (Edit, error) {
	c := change{action: "commitment.update", entityType: "commitment", entityID: id, reason: reason}
	return s.govEdit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		setDue := f.Due != nil
		var due *site.Date
		if setDue {
			due = *f.Due
		}
		start, precision := datePair(due)
		_, err := tx.Exec(ctx, `
			UPDATE commitments SET
			    clause = coalesce($2, clause), axis = coalesce($3, axis), title = coalesce($4, title),
			    quote = coalesce($5, quote), parties = coalesce($6, parties),
			    due_start = CASE WHEN $7 THEN $8 ELSE due_start END,
			    due_precision = CASE WHEN $7 THEN $9 ELSE due_precision END,
			    firmness = coalesce($10, firmness), sources = coalesce($11, sources)
			 WHERE id = $1`,
			id, f.Clause, f.Axis, f.Title, f.Quote, partyCodes(f.Parties), setDue, start, precision,
			f.Firmness, f.Sources)
		if err != nil {
			return domainError(err)
		}
		return linkCommitment(ctx, tx, id, f.SiteIDs, f.PartIDs)
	})
}

// linkCommitment replaces the sites and parts a commitment concerns, when given. A site
// that does not exist or is deleted is refused naming site_ids.
func linkCommitment(ctx context.Context, tx pgx.Tx, id string, siteIDs, partIDs *[]string) error {
	if siteIDs != nil {
		if err := liveSites(ctx, tx, *siteIDs, "site_ids"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM commitment_sites WHERE commitment_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO commitment_sites (commitment_id, site_id) SELECT $1, unnest($2::text[])`, id, *siteIDs); err != nil {
			return domainError(err)
		}
	}
	if partIDs != nil {
		var missing *string
		err := tx.QueryRow(ctx, `
			SELECT min(x) FROM unnest($1::text[]) x
			 WHERE NOT EXISTS (SELECT 1 FROM site_parts p JOIN sites s ON s.id = p.site_id
			                    WHERE p.id = x AND s.deleted_at IS NULL)`, *partIDs).Scan(&missing)
		if err != nil {
			return err
		}
		if missing != nil {
			return site.Invalid("part_ids", "no part %q on a site that is not deleted", *missing)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM commitment_parts WHERE commitment_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO commitment_parts (commitment_id, part_id) SELECT $1, unnest($2::text[])`, id, *partIDs); err != nil {
			return domainError(err)
		}
	}
	return nil
}

// liveSites refuses a list naming a site that does not exist or is deleted.
func liveSites(ctx context.Context, tx pgx.Tx, ids []string, field string) error {
	var missing *string
	var deleted bool
	err := tx.QueryRow(ctx, `
		SELECT x, s.deleted_at IS NOT NULL FROM unnest($1::text[]) x LEFT JOIN sites s ON s.id = x
		 WHERE s.id IS NULL OR s.deleted_at IS NOT NULL ORDER BY x LIMIT 1`, ids).Scan(&missing, &deleted)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return err
	case deleted:
		return site.Invalid(field, "site %q is deleted", *missing)
	}
	return site.Invalid(field, "no site %q", *missing)
}

func meetingExists(ctx context.Context, tx pgx.Tx, id int64, field string) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM meetings WHERE id = $1)`, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return site.Invalid(field, "no meeting %d", id)
	}
	return nil
}

func partyCodes(ps *[]governance.Party) []string {
	if ps == nil {
		return nil
	}
	out := make([]string, len(*ps))
	for i, p := range *ps {
		out[i] = string(p)
	}
	return out
}

// AddFollowUp appends a dated, sourced note to a commitment, which may set its status
// and progress from its date on. Follow-ups are never changed: a correction is a new one.
func (s *Store) AddFollowUp(ctx context.Context, by User, commitmentID string, ifMatch Versions, f governance.FollowUp) (Edit, error) {
	c := change{action: "commitment.follow_up", entityType: "commitment", entityID: commitmentID, reason: f.Note}
	return s.govEdit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		return insertFollowUp(ctx, tx, commitmentID, f)
	})
}

func insertFollowUp(ctx context.Context, tx pgx.Tx, commitmentID string, f governance.FollowUp) error {
	if f.MeetingID != nil {
		if err := meetingExists(ctx, tx, *f.MeetingID, "meeting_id"); err != nil {
			return err
		}
	}
	var status *string
	if f.Status != nil {
		st := string(*f.Status)
		status = &st
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO commitment_followups (commitment_id, date_start, date_precision, note, source,
		                                  status, progress, meeting_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		commitmentID, f.Date.Start, string(f.Date.Precision), f.Note, f.Source, status, f.Progress, f.MeetingID)
	return domainError(err)
}
