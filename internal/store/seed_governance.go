package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

// seedGovernance adds the committees, commitments and documented meetings the seed holds
// and the database does not: like the sites, what is there already is left as planners
// have edited it. Each entity added gets its creation's audit record.
func seedGovernance(ctx context.Context, tx pgx.Tx, by Actor, g *geodata.Governance, r *SeedReport) error {
	audit := func(entityType, id string) error {
		after, err := govSnapshot(ctx, tx, entityType, id)
		if err != nil {
			return err
		}
		_, err = record(ctx, tx, by, change{action: entityType + ".create", entityType: entityType,
			entityID: id, after: after, reason: governance.SeedReason})
		return err
	}
	for _, c := range g.Committees {
		k := governance.Committee{ID: c.ID, Kind: governance.CommitteeKind(c.Kind), Name: c.Name, Sources: c.Sources}
		for _, cad := range c.Cadences {
			k.Cadences = append(k.Cadences, governance.Cadence(cad))
		}
		added, err := insertCommittee(ctx, tx, k)
		if err != nil {
			return fmt.Errorf("committee %q: %w", c.ID, err)
		}
		if !added {
			continue
		}
		r.Committees++
		if err := audit("committee", c.ID); err != nil {
			return err
		}
	}
	for _, c := range g.Commitments {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM commitments WHERE id = $1)`, c.ID).Scan(&exists); err != nil {
			return err
		}
		if exists {
			continue
		}
		axis, firmness := governance.Axis(c.Axis), governance.Firmness(c.Firmness)
		parties := make([]governance.Party, len(c.Parties))
		for i, p := range c.Parties {
			parties[i] = governance.Party(p)
		}
		siteIDs, partIDs := nonNil(c.SiteIDs), nonNil(c.PartIDs)
		n := NewCommitment{ID: c.ID, Status: governance.Status(c.Status), Progress: c.Progress,
			Fields: CommitmentFields{Clause: &c.Clause, Axis: &axis, Title: &c.Title, Quote: &c.Quote,
				Parties: &parties, SiteIDs: &siteIDs, PartIDs: &partIDs, Due: &c.Due, Firmness: &firmness,
				Sources: &c.Sources}}
		if err := insertCommitment(ctx, tx, n); err != nil {
			return fmt.Errorf("commitment %q: %w", c.ID, err)
		}
		for i, f := range c.FollowUps {
			fu := governance.FollowUp{Date: f.Date, Note: f.Note, Source: f.Source, Progress: f.Progress}
			if f.Status != nil {
				st := governance.Status(*f.Status)
				fu.Status = &st
			}
			if err := insertFollowUp(ctx, tx, c.ID, fu); err != nil {
				return fmt.Errorf("commitment %q: follow-up %d: %w", c.ID, i+1, err)
			}
		}
		r.Commitments++
		if err := audit("commitment", c.ID); err != nil {
			return err
		}
	}
	for _, m := range g.Meetings {
		day, err := site.ParseDay(m.Date)
		if err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM meetings WHERE committee_id = $1 AND day = $2)`,
			m.CommitteeID, day).Scan(&exists); err != nil {
			return err
		}
		if exists {
			continue
		}
		state := governance.MeetingState(m.State)
		attendees := make([]governance.Attendee, len(m.Attendees))
		for i, a := range m.Attendees {
			attendees[i] = governance.Attendee{Organisation: a.Organisation, Role: a.Role}
		}
		id, err := insertMeeting(ctx, tx, MeetingFields{CommitteeID: &m.CommitteeID, Date: &day, Place: &m.Place,
			State: &state, Minutes: &m.Minutes, Sources: &m.Sources, Attendees: &attendees})
		if err != nil {
			return fmt.Errorf("meeting %s %s: %w", m.CommitteeID, m.Date, err)
		}
		for _, a := range m.Agenda {
			item := governance.AgendaItem{Title: a.Title, Notes: a.Notes, CommitmentIDs: nonNil(a.CommitmentIDs), SiteIDs: nonNil(a.SiteIDs)}
			if err := insertAgendaItem(ctx, tx, id, item); err != nil {
				return fmt.Errorf("meeting %s %s: agenda %q: %w", m.CommitteeID, m.Date, a.Title, err)
			}
		}
		r.Meetings++
		if err := audit("meeting", fmt.Sprint(id)); err != nil {
			return err
		}
	}
	return nil
}
