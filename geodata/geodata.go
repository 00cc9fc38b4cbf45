// Package geodata embeds the reference data Emprises is seeded with: every Paris-owned site
// in Ivry-sur-Seine named by the 2019 convention, with its facts, dated events and disposal
// calendar (sites.json), the commune outline (commune-94041.geojson), and the convention's
// commitments, committees and documented meetings (governance.json).
package geodata

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/emprises/emprises/internal/site"
)

//go:embed sites.json
var sitesJSON []byte

//go:embed commune-94041.geojson
var communeJSON []byte

// Dataset is the whole seed.
type Dataset struct {
	Sites      []Site
	Commune    Boundary
	Governance Governance
}

// Boundary is a reference outline such as the commune's.
type Boundary struct {
	ID       string
	Name     string
	Source   string
	Geometry json.RawMessage // GeoJSON, WGS84
}

// Site is one site as written in sites.json.
type Site struct {
	ID           string      `json:"id"`
	Name         string      `json:"name"`
	Address      string      `json:"address"`
	Department   string      `json:"department"`
	CurrentUse   string      `json:"current_use"`
	Occupant     string      `json:"occupant"`
	Owner        string      `json:"owner"`
	Modality     string      `json:"modality"`
	ModalityDone bool        `json:"modality_done"`
	Counterparty string      `json:"counterparty"`
	Notes        string      `json:"notes"`
	Sources      []string    `json:"sources"`
	Parts        []Part      `json:"parts"`
	Events       []Event     `json:"events"`
	Calendar     []Milestone `json:"calendar"`
}

// Part is a piece of a site with its own footprint and status.
type Part struct {
	ID              string        `json:"id"`
	Label           string        `json:"label"`
	Location        *Location     `json:"location"`
	DeclaredAreaM2  *float64      `json:"declared_area_m2"`
	GeometryQuality string        `json:"geometry_quality"`
	GeometrySource  string        `json:"geometry_source"`
	StatusHistory   []StatusEntry `json:"status_history"`
}

// Location places an approximate square footprint: no real outline of any site is known,
// so the seed draws a square of the known (or a nominal) area around a reference point.
type Location struct {
	Point     [2]float64 `json:"point"` // lon, lat (WGS84)
	AreaM2    float64    `json:"area_m2"`
	AreaKnown bool       `json:"area_known"`
	OffsetM   [2]float64 `json:"offset_m"` // east, north shift of the square's centre, metres
}

// StatusEntry is one status a part has had, from a date on.
type StatusEntry struct {
	Status string    `json:"status"`
	From   site.Date `json:"from"`
	Reason string    `json:"reason"`
}

// Event is a dated fact of a site's timeline.
type Event struct {
	Part        string    `json:"part"`
	Kind        string    `json:"kind"`
	Date        site.Date `json:"date"`
	Planned     bool      `json:"planned"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Source      string    `json:"source"`
	AreaM2      *float64  `json:"area_m2"`
	AmountEUR   *float64  `json:"amount_eur"`
	Cancelled   bool      `json:"cancelled"`
}

// Milestone is a row of the disposal calendar with the successive plans made for it.
type Milestone struct {
	Part   string     `json:"part"`
	Kind   string     `json:"kind"`
	Label  string     `json:"label"`
	Plans  []Plan     `json:"plans"`
	Actual *site.Date `json:"actual"`
}

// Plan is one planned date of a milestone, as decided at some point.
type Plan struct {
	Date      site.Date  `json:"date"`
	DecidedOn *site.Date `json:"decided_on"`
	Reason    string     `json:"reason"`
	Source    string     `json:"source"`
}

// Load parses and checks the embedded data set.
func Load() (*Dataset, error) {
	ds, err := Parse(sitesJSON, communeJSON)
	if err != nil {
		return nil, err
	}
	if ds.Governance, err = parseGovernance(governanceJSON, ds.Sites); err != nil {
		return nil, err
	}
	return ds, nil
}

// Parse reads a sites file and a commune outline, checking every value against the domain
// rules, so that a mistake in the seed is reported by site and field rather than by the
// database.
func Parse(sites, commune []byte) (*Dataset, error) {
	var doc struct {
		Sites []Site `json:"sites"`
	}
	dec := json.NewDecoder(bytes.NewReader(sites))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("geodata: sites.json: %w", err)
	}
	ds := &Dataset{Sites: doc.Sites}
	if err := ds.check(); err != nil {
		return nil, fmt.Errorf("geodata: sites.json: %w", err)
	}
	var fc struct {
		Features []struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Source string `json:"source"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(commune, &fc); err != nil {
		return nil, fmt.Errorf("geodata: commune-94041.geojson: %w", err)
	}
	if len(fc.Features) != 1 {
		return nil, fmt.Errorf("geodata: commune-94041.geojson: want 1 feature, got %d", len(fc.Features))
	}
	f := fc.Features[0]
	ds.Commune = Boundary{ID: f.Properties.ID, Name: f.Properties.Name, Source: f.Properties.Source, Geometry: f.Geometry}
	return ds, nil
}

func (ds *Dataset) check() error {
	seen := map[string]bool{}
	unique := func(id string) error {
		if seen[id] {
			return fmt.Errorf("id %q is used twice", id)
		}
		seen[id] = true
		return nil
	}
	for _, s := range ds.Sites {
		if err := s.check(unique); err != nil {
			return fmt.Errorf("site %q: %w", s.ID, err)
		}
	}
	return nil
}

func (s *Site) check(unique func(string) error) error {
	if err := site.ValidateSlug("id", s.ID); err != nil {
		return err
	}
	if err := unique(s.ID); err != nil {
		return err
	}
	if _, err := site.ParseModality(s.Modality); err != nil {
		return err
	}
	if len(s.Parts) == 0 {
		return fmt.Errorf("has no part")
	}
	parts := map[string]bool{}
	for _, p := range s.Parts {
		if err := p.check(unique); err != nil {
			return fmt.Errorf("part %q: %w", p.ID, err)
		}
		parts[p.ID] = true
	}
	for i, e := range s.Events {
		if _, err := site.ParseEventKind(e.Kind); err != nil {
			return fmt.Errorf("event %d (%s): %w", i+1, e.Title, err)
		}
		if e.Date.IsZero() || e.Title == "" {
			return fmt.Errorf("event %d: needs a date and a title", i+1)
		}
		if e.Part != "" && !parts[e.Part] {
			return fmt.Errorf("event %d: unknown part %q", i+1, e.Part)
		}
	}
	for i, m := range s.Calendar {
		if _, err := site.ParseMilestoneKind(m.Kind); err != nil {
			return fmt.Errorf("calendar entry %d: %w", i+1, err)
		}
		if m.Part != "" && !parts[m.Part] {
			return fmt.Errorf("calendar entry %d: unknown part %q", i+1, m.Part)
		}
	}
	return nil
}

func (p *Part) check(unique func(string) error) error {
	if err := site.ValidateSlug("id", p.ID); err != nil {
		return err
	}
	if err := unique(p.ID); err != nil {
		return err
	}
	q, err := site.ParseGeometryQuality(p.GeometryQuality)
	if err != nil {
		return err
	}
	if (p.Location == nil) != (q == site.QualityUnlocated) {
		return fmt.Errorf("geometry_quality %q does not match location %v", q, p.Location)
	}
	if p.Location != nil && p.Location.AreaM2 <= 0 {
		return fmt.Errorf("location.area_m2 must be positive")
	}
	if len(p.StatusHistory) == 0 {
		return fmt.Errorf("has no status_history")
	}
	var prev site.Status
	var prevFrom site.Date
	for i, h := range p.StatusHistory {
		st, err := site.ParseStatus(h.Status)
		if err != nil {
			return fmt.Errorf("status_history[%d]: %w", i, err)
		}
		if i > 0 {
			if !h.From.Start.After(prevFrom.Start) {
				return fmt.Errorf("status_history[%d]: %s is not after %s", i, h.From, prevFrom)
			}
			if err := site.CheckTransition(prev, st, false, ""); err != nil {
				return fmt.Errorf("status_history[%d]: %w", i, err)
			}
		}
		prev, prevFrom = st, h.From
	}
	return nil
}
