package geodata

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

//go:embed governance.json
var governanceJSON []byte

// Governance is the convention's steering as the public record shows it: its committees,
// every commitment it makes (each with its clause and sources) and the meetings public
// sources document. The convention's own term is the domain's (governance.ParisIvry2019).
type Governance struct {
	Committees  []Committee  `json:"committees"`
	Commitments []Commitment `json:"commitments"`
	Meetings    []Meeting    `json:"meetings"`
}

// Committee is a steering or technical committee with the cadences its clauses set.
type Committee struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Name     string    `json:"name"`
	Cadences []Cadence `json:"cadences"`
	Sources  []string  `json:"sources"`
}

// Cadence is how often a clause asks a committee to meet, at least.
type Cadence struct {
	Months int    `json:"months"`
	Clause string `json:"clause"`
}

// Commitment is one commitment of the convention, with its follow-up from public sources.
type Commitment struct {
	ID        string     `json:"id"`
	Clause    string     `json:"clause"`
	Axis      string     `json:"axis"`
	Title     string     `json:"title"`
	Quote     string     `json:"quote"`
	Parties   []string   `json:"parties"`
	SiteIDs   []string   `json:"site_ids"`
	PartIDs   []string   `json:"part_ids"`
	Due       *site.Date `json:"due"`
	Firmness  string     `json:"firmness"`
	Status    string     `json:"status"`
	Progress  *int       `json:"progress"`
	Sources   []string   `json:"sources"`
	FollowUps []FollowUp `json:"follow_ups"`
}

// FollowUp is a dated, sourced note on a commitment.
type FollowUp struct {
	Date     site.Date `json:"date"`
	Note     string    `json:"note"`
	Source   string    `json:"source"`
	Status   *string   `json:"status"`
	Progress *int      `json:"progress"`
}

// Meeting is a meeting a public source documents.
type Meeting struct {
	CommitteeID string       `json:"committee_id"`
	Date        string       `json:"date"`
	Place       string       `json:"place"`
	State       string       `json:"state"`
	Attendees   []Attendee   `json:"attendees"`
	Minutes     string       `json:"minutes"`
	Sources     []string     `json:"sources"`
	Agenda      []AgendaItem `json:"agenda"`
}

// Attendee is an organisation at a meeting.
type Attendee struct {
	Organisation string `json:"organisation"`
	Role         string `json:"role"`
}

// AgendaItem is a point of a documented meeting's agenda.
type AgendaItem struct {
	Title         string   `json:"title"`
	Notes         string   `json:"notes"`
	CommitmentIDs []string `json:"commitment_ids"`
	SiteIDs       []string `json:"site_ids"`
}

// parseGovernance reads governance.json and checks it against the domain's rules and the
// sites of the data set.
func parseGovernance(b []byte, sites []Site) (Governance, error) {
	var g Governance
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return g, fmt.Errorf("geodata: governance.json: %w", err)
	}
	if err := g.check(sites); err != nil {
		return g, fmt.Errorf("geodata: governance.json: %w", err)
	}
	return g, nil
}

func (g *Governance) check(sites []Site) error {
	siteIDs, partIDs := map[string]bool{}, map[string]bool{}
	for _, s := range sites {
		siteIDs[s.ID] = true
		for _, p := range s.Parts {
			partIDs[p.ID] = true
		}
	}
	committees := map[string]bool{}
	for _, c := range g.Committees {
		if err := site.ValidateSlug("id", c.ID); err != nil {
			return fmt.Errorf("committee %q: %w", c.ID, err)
		}
		if _, err := governance.ParseCommitteeKind(c.Kind); err != nil {
			return fmt.Errorf("committee %q: %w", c.ID, err)
		}
		for _, k := range c.Cadences {
			if err := governance.CheckCadence(governance.Cadence(k)); err != nil {
				return fmt.Errorf("committee %q: cadence %+v: %w", c.ID, k, err)
			}
		}
		committees[c.ID] = true
	}
	commitments := map[string]bool{}
	for _, c := range g.Commitments {
		if err := c.check(siteIDs, partIDs); err != nil {
			return fmt.Errorf("commitment %q: %w", c.ID, err)
		}
		if commitments[c.ID] {
			return fmt.Errorf("commitment %q: id used twice", c.ID)
		}
		commitments[c.ID] = true
	}
	for i, m := range g.Meetings {
		if !committees[m.CommitteeID] {
			return fmt.Errorf("meeting %d: unknown committee %q", i+1, m.CommitteeID)
		}
		if _, err := site.ParseDay(m.Date); err != nil {
			return fmt.Errorf("meeting %d: %w", i+1, err)
		}
		if _, err := governance.ParseMeetingState(m.State); err != nil {
			return fmt.Errorf("meeting %d: %w", i+1, err)
		}
		if len(m.Sources) == 0 {
			return fmt.Errorf("meeting %d: needs a source", i+1)
		}
		for _, a := range m.Agenda {
			for _, id := range a.CommitmentIDs {
				if !commitments[id] {
					return fmt.Errorf("meeting %d: agenda %q: unknown commitment %q", i+1, a.Title, id)
				}
			}
			for _, id := range a.SiteIDs {
				if !siteIDs[id] {
					return fmt.Errorf("meeting %d: agenda %q: unknown site %q", i+1, a.Title, id)
				}
			}
		}
	}
	return nil
}

func (c *Commitment) check(siteIDs, partIDs map[string]bool) error {
	if err := site.ValidateSlug("id", c.ID); err != nil {
		return err
	}
	if err := governance.CheckClause(c.Clause); err != nil {
		return err
	}
	for _, parse := range []func() error{
		func() error { _, err := governance.ParseAxis(c.Axis); return err },
		func() error { _, err := governance.ParseFirmness(c.Firmness); return err },
		func() error { _, err := governance.ParseStatus(c.Status); return err },
	} {
		if err := parse(); err != nil {
			return err
		}
	}
	if strings.TrimSpace(c.Title) == "" || len(c.Parties) == 0 || len(c.Sources) == 0 {
		return fmt.Errorf("needs a title, parties and a source")
	}
	for _, p := range c.Parties {
		if _, err := governance.ParseParty(p); err != nil {
			return err
		}
	}
	for _, id := range c.SiteIDs {
		if !siteIDs[id] {
			return fmt.Errorf("unknown site %q", id)
		}
	}
	for _, id := range c.PartIDs {
		if !partIDs[id] {
			return fmt.Errorf("unknown part %q", id)
		}
	}
	for i, f := range c.FollowUps {
		if f.Date.IsZero() || strings.TrimSpace(f.Source) == "" {
			return fmt.Errorf("follow-up %d: needs a date and a source", i+1)
		}
		if f.Status != nil {
			if _, err := governance.ParseStatus(*f.Status); err != nil {
				return fmt.Errorf("follow-up %d: %w", i+1, err)
			}
		}
	}
	return nil
}
