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

// ListCommittees returns every committee with its cadences, COPIL first.
func (s *Store) ListCommittees(ctx context.Context) ([]governance.Committee, error) {
	db, err := s.reader(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list committees: %w", err)
	}
	defer db.Release()
	rows, err := db.Query(ctx, `
		SELECT c.id, c.kind, c.name, c.sources,
		       coalesce(array_agg(k.months ORDER BY k.months, k.clause) FILTER (WHERE k.clause IS NOT NULL), '{}'),
		       coalesce(array_agg(k.clause ORDER BY k.months, k.clause) FILTER (WHERE k.clause IS NOT NULL), '{}')
		  FROM committees c LEFT JOIN committee_cadences k ON k.committee_id = c.id
		 GROUP BY c.id
		 ORDER BY c.kind <> 'copil', c.kind <> 'cotech', c.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list committees: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (governance.Committee, error) {
		var c governance.Committee
		var months []int32
		var clauses []string
		err := row.Scan(&c.ID, &c.Kind, &c.Name, &c.Sources, &months, &clauses)
		for i := range months {
			c.Cadences = append(c.Cadences, governance.Cadence{Months: int(months[i]), Clause: clauses[i]})
		}
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list committees: %w", err)
	}
	return nonNilSlice(out), nil
}

// CreateCommittee records a committee with its cadences. A committee has no version: it
// is created whole, and no route changes one.
func (s *Store) CreateCommittee(ctx context.Context, by User, k governance.Committee, reason string) (Edit, error) {
	c := change{action: "committee.create", entityType: "committee", reason: reason}
	return s.govEdit(ctx, by.Actor(), c, nil, func(tx pgx.Tx, c *change) error {
		added, err := insertCommittee(ctx, tx, k)
		if err != nil {
			return err
		}
		if !added {
			return site.Invalid("id", "a committee has the id %q already", k.ID)
		}
		c.entityID = k.ID
		return nil
	})
}

// insertCommittee adds a committee with its cadences, unless one has its id already
// (added false, nothing written).
func insertCommittee(ctx context.Context, tx pgx.Tx, k governance.Committee) (added bool, err error) {
	tag, err := tx.Exec(ctx, `INSERT INTO committees (id, kind, name, sources) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, k.ID, k.Kind, k.Name, nonNil(k.Sources))
	if err != nil || tag.RowsAffected() == 0 {
		return false, domainError(err)
	}
	for _, c := range k.Cadences {
		_, err := tx.Exec(ctx, `INSERT INTO committee_cadences (committee_id, months, clause) VALUES ($1, $2, $3)`,
			k.ID, c.Months, c.Clause)
		if isUniqueViolation(err) {
			return false, site.Invalid("cadences", "clause %s sets a cadence twice", c.Clause)
		}
		if err != nil {
			return false, domainError(err)
		}
	}
	return true, nil
}

// ListMeetings returns every meeting with its attendees, agenda and decisions, by date.
func (s *Store) ListMeetings(ctx context.Context) ([]governance.Meeting, error) {
	out, err := readList(ctx, s, func(tx pgx.Tx) ([]governance.Meeting, error) { return loadMeetings(ctx, tx, 0) })
	if err != nil {
		return nil, fmt.Errorf("store: list meetings: %w", err)
	}
	return out, nil
}

// FindMeeting returns one meeting.
func (s *Store) FindMeeting(ctx context.Context, id int64) (governance.Meeting, error) {
	m, err := readOne(ctx, s, func(tx pgx.Tx) ([]governance.Meeting, error) { return loadMeetings(ctx, tx, id) })
	if err != nil {
		return m, fmt.Errorf("store: find meeting %d: %w", id, err)
	}
	return m, nil
}

// loadMeetings reads the meetings, all of them (id 0) or one.
func loadMeetings(ctx context.Context, tx pgx.Tx, id int64) ([]governance.Meeting, error) {
	rows, err := tx.Query(ctx, `
		SELECT id, committee_id, day, place, state, minutes, sources, version
		  FROM meetings WHERE $1 = 0 OR id = $1 ORDER BY day, id`, id)
	if err != nil {
		return nil, err
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (governance.Meeting, error) {
		var m governance.Meeting
		err := row.Scan(&m.ID, &m.CommitteeID, &m.Date, &m.Place, &m.State, &m.Minutes, &m.Sources, &m.Version)
		return m, err
	})
	if err != nil {
		return nil, err
	}
	index := map[int64]*governance.Meeting{}
	for i := range ms {
		index[ms[i].ID] = &ms[i]
	}
	rows, err = tx.Query(ctx, `
		SELECT meeting_id, organisation, role FROM meeting_attendees
		 WHERE $1 = 0 OR meeting_id = $1 ORDER BY meeting_id, position`, id)
	if err != nil {
		return nil, err
	}
	var meetingID int64
	var a governance.Attendee
	_, err = pgx.ForEachRow(rows, []any{&meetingID, &a.Organisation, &a.Role}, func() error {
		if m := index[meetingID]; m != nil {
			m.Attendees = append(m.Attendees, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `
		SELECT i.meeting_id, i.id, i.position, i.title, i.notes,
		       ARRAY(SELECT commitment_id FROM agenda_commitments WHERE item_id = i.id ORDER BY commitment_id),
		       ARRAY(SELECT site_id FROM agenda_sites WHERE item_id = i.id ORDER BY site_id),
		       ARRAY(SELECT milestone_id FROM agenda_milestones WHERE item_id = i.id ORDER BY milestone_id)
		  FROM agenda_items i WHERE $1 = 0 OR i.meeting_id = $1 ORDER BY i.meeting_id, i.position`, id)
	if err != nil {
		return nil, err
	}
	var item governance.AgendaItem
	_, err = pgx.ForEachRow(rows, []any{&meetingID, &item.ID, &item.Position, &item.Title, &item.Notes,
		&item.CommitmentIDs, &item.SiteIDs, &item.MilestoneIDs}, func() error {
		if m := index[meetingID]; m != nil {
			m.Agenda = append(m.Agenda, item)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `
		SELECT meeting_id, id, text, commitment_id, milestone_id, new_start, new_precision, reason, owner,
		       due_start, due_precision
		  FROM decisions WHERE $1 = 0 OR meeting_id = $1 ORDER BY meeting_id, id`, id)
	if err != nil {
		return nil, err
	}
	var d governance.Decision
	var newStart, dueStart *time.Time
	var newPrecision, duePrecision *string
	_, err = pgx.ForEachRow(rows, []any{&meetingID, &d.ID, &d.Text, &d.CommitmentID, &d.MilestoneID,
		&newStart, &newPrecision, &d.Reason, &d.Owner, &dueStart, &duePrecision}, func() error {
		var err error
		if d.NewDate, err = scanDate(newStart, newPrecision); err != nil {
			return err
		}
		if d.Due, err = scanDate(dueStart, duePrecision); err != nil {
			return err
		}
		if m := index[meetingID]; m != nil {
			m.Decisions = append(m.Decisions, d)
		}
		return nil
	})
	return ms, err
}

// MeetingFields are a meeting's attributes. In a change, nil leaves a field as it is.
type MeetingFields struct {
	CommitteeID *string
	Date        *time.Time
	Place       *string
	State       *governance.MeetingState
	Minutes     *string
	Sources     *[]string
	Attendees   *[]governance.Attendee
}

// CreateMeeting records a meeting, held or planned, at version 1. The caller has checked
// that a held meeting is not in the future.
func (s *Store) CreateMeeting(ctx context.Context, by User, f MeetingFields, reason string) (Edit, error) {
	return s.createMeeting(ctx, by.Actor(), f, reason)
}

func (s *Store) createMeeting(ctx context.Context, by Actor, f MeetingFields, reason string) (Edit, error) {
	c := change{action: "meeting.create", entityType: "meeting", reason: reason}
	return s.govEdit(ctx, by, c, nil, func(tx pgx.Tx, c *change) error {
		id, err := insertMeeting(ctx, tx, f)
		c.entityID = fmt.Sprint(id)
		return err
	})
}

func insertMeeting(ctx context.Context, tx pgx.Tx, f MeetingFields) (int64, error) {
	if err := committeeExists(ctx, tx, *f.CommitteeID); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO meetings (committee_id, day, place, state, minutes, sources)
		VALUES ($1, $2, coalesce($3, ''), $4, coalesce($5, ''), coalesce($6, '{}'::text[]))
		ON CONFLICT (committee_id, day) DO NOTHING
		RETURNING id`, *f.CommitteeID, *f.Date, f.Place, *f.State, f.Minutes, f.Sources).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, site.Invalid("date", "%s already meets on %s", *f.CommitteeID, f.Date.Format(time.DateOnly))
	}
	if err != nil {
		return 0, domainError(err)
	}
	return id, setAttendees(ctx, tx, id, f.Attendees)
}

func committeeExists(ctx context.Context, tx pgx.Tx, id string) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM committees WHERE id = $1)`, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return site.Invalid("committee_id", "no committee %q", id)
	}
	return nil
}

func setAttendees(ctx context.Context, tx pgx.Tx, meetingID int64, as *[]governance.Attendee) error {
	if as == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM meeting_attendees WHERE meeting_id = $1`, meetingID); err != nil {
		return err
	}
	for i, a := range *as {
		_, err := tx.Exec(ctx, `INSERT INTO meeting_attendees (meeting_id, position, organisation, role)
			VALUES ($1, $2, $3, $4)`, meetingID, i+1, a.Organisation, a.Role)
		if err != nil {
			return domainError(err)
		}
	}
	return nil
}

// UpdateMeeting changes a meeting: its date, place, state (held once it has taken place),
// minutes, sources or attendees. The caller has checked the state against today.
func (s *Store) UpdateMeeting(ctx context.Context, by User, id int64, ifMatch Versions, f MeetingFields, reason string) (Edit, error) {
	c := change{action: "meeting.update", entityType: "meeting", entityID: fmt.Sprint(id), reason: reason}
	return s.govEdit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		if f.CommitteeID != nil {
			if err := committeeExists(ctx, tx, *f.CommitteeID); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `
			UPDATE meetings SET committee_id = coalesce($2, committee_id), day = coalesce($3, day),
			       place = coalesce($4, place), state = coalesce($5, state),
			       minutes = coalesce($6, minutes), sources = coalesce($7, sources)
			 WHERE id = $1`, id, f.CommitteeID, f.Date, f.Place, f.State, f.Minutes, f.Sources)
		if err != nil {
			return domainError(err)
		}
		return setAttendees(ctx, tx, id, f.Attendees)
	})
}

// AddAgendaItem appends an item to a meeting's agenda.
func (s *Store) AddAgendaItem(ctx context.Context, by User, meetingID int64, ifMatch Versions, item governance.AgendaItem) (Edit, error) {
	c := change{action: "meeting.agenda_item", entityType: "meeting", entityID: fmt.Sprint(meetingID), reason: item.Title}
	return s.govEdit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
		return insertAgendaItem(ctx, tx, meetingID, item)
	})
}

func insertAgendaItem(ctx context.Context, tx pgx.Tx, meetingID int64, item governance.AgendaItem) error {
	if err := liveSites(ctx, tx, item.SiteIDs, "site_ids"); err != nil {
		return err
	}
	var missing *string
	err := tx.QueryRow(ctx, `SELECT min(x) FROM unnest($1::text[]) x
		WHERE NOT EXISTS (SELECT 1 FROM commitments WHERE id = x)`, item.CommitmentIDs).Scan(&missing)
	if err != nil {
		return err
	}
	if missing != nil {
		return site.Invalid("commitment_ids", "no commitment %q", *missing)
	}
	var missingMilestone *int64
	err = tx.QueryRow(ctx, `SELECT min(x) FROM unnest($1::bigint[]) x
		WHERE NOT EXISTS (SELECT 1 FROM milestones WHERE id = x)`, item.MilestoneIDs).Scan(&missingMilestone)
	if err != nil {
		return err
	}
	if missingMilestone != nil {
		return site.Invalid("milestone_ids", "no milestone %d", *missingMilestone)
	}
	var id int64
	err = tx.QueryRow(ctx, `
		INSERT INTO agenda_items (meeting_id, position, title, notes)
		VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM agenda_items WHERE meeting_id = $1), $2, $3)
		RETURNING id`, meetingID, item.Title, item.Notes).Scan(&id)
	if err != nil {
		return domainError(err)
	}
	for _, q := range []struct {
		sql  string
		args any
	}{
		{`INSERT INTO agenda_commitments (item_id, commitment_id) SELECT DISTINCT $1::bigint, x FROM unnest($2::text[]) x`, item.CommitmentIDs},
		{`INSERT INTO agenda_sites (item_id, site_id) SELECT DISTINCT $1::bigint, x FROM unnest($2::text[]) x`, item.SiteIDs},
		{`INSERT INTO agenda_milestones (item_id, milestone_id) SELECT DISTINCT $1::bigint, x FROM unnest($2::bigint[]) x`, item.MilestoneIDs},
	} {
		if _, err := tx.Exec(ctx, q.sql, id, q.args); err != nil {
			return domainError(err)
		}
	}
	return nil
}

// AddDecision records a decision of a held meeting. A decision that moves a planned date
// of the disposal calendar goes through the calendar's plan path: the milestone gets a new
// plan whose reason and source cite the meeting, its site a new version, and the one audit
// record of the change is the milestone's, in its site's history. Any other decision is
// recorded as a change of the meeting.
func (s *Store) AddDecision(ctx context.Context, by User, meetingID int64, ifMatch Versions, d governance.Decision) (Edit, error) {
	if d.MilestoneID == nil {
		c := change{action: "meeting.decision", entityType: "meeting", entityID: fmt.Sprint(meetingID), reason: d.Text}
		return s.govEdit(ctx, by.Actor(), c, ifMatch, func(tx pgx.Tx, c *change) error {
			_, err := decisionMeeting(ctx, tx, meetingID, d)
			if err != nil {
				return err
			}
			return insertDecision(ctx, tx, meetingID, d, nil)
		})
	}
	var out Edit
	c := change{action: "milestone.plan", entityType: "milestone", entityID: fmt.Sprint(*d.MilestoneID)}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		m, err := decisionMeeting(ctx, tx, meetingID, d)
		if err != nil {
			return err
		}
		if c.siteID, err = siteOf(ctx, tx, "milestone", c.entityID); err != nil {
			return site.Invalid("milestone_id", "no milestone %d", *d.MilestoneID)
		}
		meetingVersion, err := bumpEntity(ctx, tx, "meeting", fmt.Sprint(meetingID), ifMatch)
		if err != nil {
			return err
		}
		// The decision is the authority on the date: it moves the plan whatever version
		// of the site the editor last read, and the site's row queues concurrent edits.
		if c.version, err = bumpVersion(ctx, tx, c.siteID, AnyVersion, false); err != nil {
			return err
		}
		if c.before, err = snapshot(ctx, tx, "milestone", c.entityID); err != nil {
			return err
		}
		name := governance.MeetingName(m.committee, m.day)
		c.reason = governance.DecisionPlanReason(name, meetingID, d.Reason)
		day := m.day
		planID, err := addPlan(ctx, tx, *d.MilestoneID, Plan{Date: *d.NewDate, DecidedOn: &day,
			Reason: c.reason, Source: governance.DecisionSource(name, meetingID)})
		if err != nil {
			if inv := (*site.InvalidError)(nil); errors.As(err, &inv) && inv.Field == "date" {
				inv.Field = "new_date"
			}
			return domainError(err)
		}
		if err := insertDecision(ctx, tx, meetingID, d, &planID); err != nil {
			return err
		}
		if c.after, err = snapshot(ctx, tx, "milestone", c.entityID); err != nil {
			return err
		}
		// The editor goes on with the meeting: the answer carries its new version and
		// state; SiteID says which site's calendar moved.
		meeting, err := govSnapshot(ctx, tx, "meeting", fmt.Sprint(meetingID))
		if err != nil {
			return err
		}
		out = Edit{SiteID: c.siteID, Version: meetingVersion, EntityID: fmt.Sprint(meetingID), After: meeting}
		out.AuditID, err = record(ctx, tx, by.Actor(), c)
		return err
	})
	if err != nil {
		return Edit{}, fmt.Errorf("store: meeting %d decision: %w", meetingID, domainError(err))
	}
	return out, nil
}

type meetingRef struct {
	committee string
	day       time.Time
}

// decisionMeeting checks that the meeting exists and was held, and that the commitment the
// decision names exists.
func decisionMeeting(ctx context.Context, tx pgx.Tx, meetingID int64, d governance.Decision) (meetingRef, error) {
	var m meetingRef
	var state string
	err := tx.QueryRow(ctx, `
		SELECT upper(m.committee_id), m.day, m.state FROM meetings m WHERE m.id = $1 FOR UPDATE`,
		meetingID).Scan(&m.committee, &m.day, &state)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, fmt.Errorf("no meeting %d: %w", meetingID, site.ErrNotFound)
	}
	if err != nil {
		return m, err
	}
	if governance.MeetingState(state) != governance.Held {
		return m, site.Invalid("state", "decisions are recorded for a held meeting; this one is %s", state)
	}
	if d.CommitmentID != nil {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM commitments WHERE id = $1)`, *d.CommitmentID).Scan(&exists); err != nil {
			return m, err
		}
		if !exists {
			return m, site.Invalid("commitment_id", "no commitment %q", *d.CommitmentID)
		}
	}
	return m, nil
}

func insertDecision(ctx context.Context, tx pgx.Tx, meetingID int64, d governance.Decision, planID *int64) error {
	newStart, newPrecision := datePair(d.NewDate)
	dueStart, duePrecision := datePair(d.Due)
	_, err := tx.Exec(ctx, `
		INSERT INTO decisions (meeting_id, text, commitment_id, milestone_id, plan_id, new_start,
		                       new_precision, reason, owner, due_start, due_precision)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		meetingID, d.Text, d.CommitmentID, d.MilestoneID, planID, newStart, newPrecision, d.Reason, d.Owner,
		dueStart, duePrecision)
	return domainError(err)
}
