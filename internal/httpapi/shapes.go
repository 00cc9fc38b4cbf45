package httpapi

import (
	"encoding/json"
	"time"

	"github.com/emprises/emprises/internal/auth"
	"github.com/emprises/emprises/internal/site"
)

// The JSON shapes of the read API. The domain's nouns carry no encoding; these add what
// the page and API clients read beside the codes: French labels, hectares, the first and
// last day of each period, and the flags computed for the day asked.

// siteJSON is the body of GET /api/sites/{id}.
type siteJSON struct {
	ID            string        `json:"id"`
	Name          string        `json:"name"`
	Address       string        `json:"address"`
	Department    string        `json:"department"`
	CurrentUse    string        `json:"current_use"`
	Occupant      string        `json:"occupant"`
	Owner         string        `json:"owner"`
	Modality      site.Modality `json:"modality"`
	ModalityLabel string        `json:"modality_label"`
	ModalityDone  bool          `json:"modality_done"`
	Counterparty  string        `json:"counterparty"`
	Notes         string        `json:"notes"`
	Sources       []string      `json:"sources"`
	AsOf          string        `json:"as_of"`
	// Projection is true for a day after today: the parts' statuses are projected from the
	// plans (each projected part says so).
	Projection      bool            `json:"projection"`
	ProjectionLabel string          `json:"projection_label"` // in French when Projection, else empty
	AreaM2          float64         `json:"area_m2"`
	AreaHa          float64         `json:"area_ha"`
	Parts           []partJSON      `json:"parts"`
	Parcels         []parcelRefJSON `json:"parcels"`
	Timeline        []eventJSON     `json:"timeline"`
	Calendar        []milestoneJSON `json:"calendar"`
}

// shapeSite shapes a site for reader, seen on today: the fields it may not see are left
// empty.
func shapeSite(s *site.Site, reader auth.Role, today time.Time) siteJSON {
	projection := site.Projection(s.AsOf, today)
	j := siteJSON{Projection: projection, ProjectionLabel: projectionNote(projection),
		ID: s.ID, Name: s.Name, Address: s.Address, Department: s.Department,
		CurrentUse: s.CurrentUse, Occupant: s.Occupant, Owner: s.Owner,
		Modality: s.Modality, ModalityLabel: s.Modality.Label(), ModalityDone: s.ModalityDone,
		Counterparty: s.Counterparty, Sources: nonNil(s.Sources), AsOf: s.AsOf.Format(time.DateOnly),
		AreaM2: s.AreaM2(), AreaHa: site.Hectares(s.AreaM2()),
		Parts: make([]partJSON, len(s.Parts)), Parcels: make([]parcelRefJSON, len(s.Parcels)),
		Timeline: make([]eventJSON, len(s.Timeline)), Calendar: shapeMilestones(s.Calendar, site.LateOn(s.AsOf, today)),
	}
	if reader.MaySee("notes") {
		j.Notes = s.Notes
	}
	for i, p := range s.Parts {
		j.Parts[i] = shapePart(p)
	}
	for i, p := range s.Parcels {
		j.Parcels[i] = parcelRefJSON(p)
	}
	for i, e := range s.Timeline {
		j.Timeline[i] = shapeEvent(e, s.AsOf, reader)
	}
	return j
}

type partJSON struct {
	ID               string               `json:"id"`
	Label            string               `json:"label"`
	Status           site.Status          `json:"status"`
	StatusLabel      string               `json:"status_label"`
	StatusSince      site.Date            `json:"status_since"`
	StatusSinceLabel string               `json:"status_since_label"` // in French: "T4 2019"
	AreaM2           *float64             `json:"area_m2"`            // nil when unlocated
	DeclaredAreaM2   *float64             `json:"declared_area_m2"`
	GeometryQuality  site.GeometryQuality `json:"geometry_quality"`
	GeometrySource   string               `json:"geometry_source"`
	// AreaSource says where AreaM2 comes from (surveyed, cadastre, declared, nominal,
	// unknown): declared and nominal areas are schematic squares, estimates.
	AreaSource      site.AreaSource    `json:"area_source"`
	AreaSourceLabel string             `json:"area_source_label"` // in French
	Geometry        json.RawMessage    `json:"geometry"`          // GeoJSON in WGS84; null when unlocated
	StatusHistory   []statusPeriodJSON `json:"status_history"`
	// Projected is true when Status is projected from a plan of the calendar (a day after
	// today), not recorded; StatusSince is then the plan's date.
	Projected bool `json:"projected"`
}

func shapePart(p site.Part) partJSON {
	j := partJSON{ID: p.ID, Label: p.Label, Status: p.Status, StatusLabel: p.Status.Label(),
		StatusSince: p.StatusSince, StatusSinceLabel: p.StatusSince.French(), AreaM2: p.AreaM2, DeclaredAreaM2: p.DeclaredAreaM2,
		GeometryQuality: p.GeometryQuality, GeometrySource: p.GeometrySource, Geometry: p.Geometry,
		StatusHistory: make([]statusPeriodJSON, len(p.StatusHistory)), Projected: p.Projected}
	j.AreaSource = site.SourceOfArea(p.GeometryQuality, p.DeclaredAreaM2)
	j.AreaSourceLabel = areaSourceLabels[j.AreaSource]
	for i, h := range p.StatusHistory {
		j.StatusHistory[i] = statusPeriodJSON{Status: h.Status, StatusLabel: h.Status.Label(),
			From: h.From, FromLabel: h.From.French(), Until: dayText(h.Until), Reason: h.Reason}
	}
	return j
}

// areaSourceLabels are the French names of where an area comes from.
var areaSourceLabels = map[site.AreaSource]string{
	site.AreaSurveyed: "surface mesurée (relevé)",
	site.AreaCadastre: "surface cadastrale",
	site.AreaDeclared: "surface déclarée, estimée (carré schématique)",
	site.AreaNominal:  "taille forfaitaire, surface réelle inconnue (carré schématique)",
	site.AreaUnknown:  "surface inconnue (non localisée)",
}

type statusPeriodJSON struct {
	Status      site.Status `json:"status"`
	StatusLabel string      `json:"status_label"`
	From        site.Date   `json:"from"`
	FromLabel   string      `json:"from_label"`
	Until       *string     `json:"until"` // exclusive day YYYY-MM-DD; null for the current status
	Reason      string      `json:"reason"`
}

type parcelRefJSON struct {
	ID           string  `json:"id"`
	Section      string  `json:"section"`
	Number       int     `json:"number"`
	ContenanceM2 *int    `json:"contenance_m2"`
	PartID       *string `json:"part_id"`
}

type eventJSON struct {
	ID          int64          `json:"id"`
	PartID      *string        `json:"part_id"`
	Kind        site.EventKind `json:"kind"`
	Date        site.Date      `json:"date"`
	DateLabel   string         `json:"date_label"`
	DateStart   string         `json:"date_start"` // first day of the period
	Planned     bool           `json:"planned"`
	Unconfirmed bool           `json:"unconfirmed"` // planned, its period over on the day asked, neither done nor cancelled
	Cancelled   bool           `json:"cancelled"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Source      string         `json:"source"`
	AreaM2      *float64       `json:"area_m2"`
	AmountEUR   *float64       `json:"amount_eur"`
}

func shapeEvent(e site.Event, day time.Time, reader auth.Role) eventJSON {
	j := eventJSON{ID: e.ID, PartID: e.PartID, Kind: e.Kind, Date: e.Date, DateLabel: e.Date.French(),
		DateStart: e.Date.Start.Format(time.DateOnly), Planned: e.Planned, Unconfirmed: e.Unconfirmed(day), Cancelled: e.Cancelled, Title: e.Title, Description: e.Description,
		Source: e.Source, AreaM2: e.AreaM2}
	if reader.MaySee("amount_eur") {
		j.AmountEUR = e.AmountEUR
	}
	return j
}

// milestoneJSON is a calendar milestone seen on a day, with its flags for that day.
type milestoneJSON struct {
	ID           int64              `json:"id"`
	SiteID       string             `json:"site_id"`
	SiteName     string             `json:"site_name"`
	PartID       *string            `json:"part_id"`
	PartLabel    *string            `json:"part_label"`
	Kind         site.MilestoneKind `json:"kind"`
	KindLabel    string             `json:"kind_label"`
	Label        string             `json:"label"`
	Planned      *site.Date         `json:"planned"`       // the latest plan; null if none yet
	PlannedLabel *string            `json:"planned_label"` // in French: "T1 2019"
	PlannedStart *string            `json:"planned_start"` // first day of the planned period
	PlannedEnd   *string            `json:"planned_end"`   // last day of the planned period
	Actual       *site.Date         `json:"actual"`
	ActualLabel  *string            `json:"actual_label"`
	ActualStart  *string            `json:"actual_start"`
	Overdue      bool               `json:"overdue"` // the planned period has ended and nothing happened
	Slips        int                `json:"slips"`   // how many times the planned date was changed
	// Postponements and Advances count the plans that moved the date later (reports) and
	// earlier (avancées); a new precision with the same end is neither.
	Postponements int        `json:"postponements"`
	Advances      int        `json:"advances"`
	Plans         []planJSON `json:"plans"` // oldest first
}

type planJSON struct {
	// Move says how the plan moved the one before: first, postponed, advanced, refined;
	// MoveLabel in French ("report", "avancée", "précision"; empty for the first).
	Move       site.PlanMove `json:"move"`
	MoveLabel  string        `json:"move_label"`
	Date       site.Date     `json:"date"`
	DateLabel  string        `json:"date_label"`
	DateStart  string        `json:"date_start"` // first day of the period
	DecidedOn  *string       `json:"decided_on"` // YYYY-MM-DD, when known
	Reason     string        `json:"reason"`
	Source     string        `json:"source"`
	RecordedAt time.Time     `json:"recorded_at"`
}

// shapeMilestones shapes milestones with their lateness on late (see site.LateOn).
func shapeMilestones(ms []site.Milestone, late time.Time) []milestoneJSON {
	out := make([]milestoneJSON, len(ms))
	for i := range ms {
		out[i] = shapeMilestone(&ms[i], late)
	}
	return out
}

func shapeMilestone(m *site.Milestone, late time.Time) milestoneJSON {
	j := milestoneJSON{ID: m.ID, SiteID: m.SiteID, SiteName: m.SiteName, PartID: m.PartID,
		PartLabel: m.PartLabel, Kind: m.Kind, KindLabel: m.Kind.Label(), Label: m.Label,
		Actual: m.Actual, Overdue: m.Overdue(late), Slips: m.Slips(),
		Postponements: m.Postponements(), Advances: m.Advances(), Plans: make([]planJSON, len(m.Plans))}
	if p := m.Planned(); p != nil {
		j.Planned = p
		j.PlannedLabel = ptr(p.French())
		j.PlannedStart = dayText(&p.Start)
		last := p.Last()
		j.PlannedEnd = dayText(&last)
	}
	if m.Actual != nil {
		j.ActualLabel = ptr(m.Actual.French())
		j.ActualStart = dayText(&m.Actual.Start)
	}
	moves := m.Moves()
	for i, p := range m.Plans {
		j.Plans[i] = planJSON{Move: moves[i], MoveLabel: moves[i].Label(), Date: p.Date, DateLabel: p.Date.French(),
			DateStart: p.Date.Start.Format(time.DateOnly), DecidedOn: dayText(p.DecidedOn),
			Reason: p.Reason, Source: p.Source, RecordedAt: p.RecordedAt}
	}
	return j
}

// dashboardJSON is the body of GET /api/dashboard.
type dashboardJSON struct {
	AsOf string `json:"as_of"`
	// Projection is true for a day after today: the statuses are projected from the plans.
	Projection      bool   `json:"projection"`
	ProjectionLabel string `json:"projection_label"` // in French when Projection, else empty
	Totals          struct {
		Sites          int     `json:"sites"`
		Parts          int     `json:"parts"`
		LocatedParts   int     `json:"located_parts"`
		UnlocatedParts int     `json:"unlocated_parts"`
		AreaM2         float64 `json:"area_m2"`
		AreaHa         float64 `json:"area_ha"`
		// EstimatedM2 is the part of AreaM2 drawn from schematic squares (declared or nominal
		// size), NominalParts the squares of a placeholder size; unlocated parts have no
		// area and are not in AreaM2.
		EstimatedM2  float64 `json:"estimated_m2"`
		EstimatedHa  float64 `json:"estimated_ha"`
		NominalParts int     `json:"nominal_parts"`
	} `json:"totals"`
	ByStatus     []statusAreaJSON     `json:"by_status"`
	ByDepartment []departmentAreaJSON `json:"by_department"`
	CededToDate  areaJSON             `json:"ceded_to_date"`
	HeldByParis  areaJSON             `json:"held_by_paris"` // the parts not ceded on the day
	CededByYear  []cededYearJSON      `json:"ceded_by_year"`
	DueNext12    []milestoneJSON      `json:"due_next_12_months"`
	Overdue      []milestoneJSON      `json:"overdue"`
}

// areaJSON counts parts and sums their known areas, saying how much is an estimate.
type areaJSON struct {
	Parts  int     `json:"parts"`
	AreaM2 float64 `json:"area_m2"` // every computed area, estimates included
	AreaHa float64 `json:"area_ha"`
	// EstimatedM2 is the part of AreaM2 drawn from schematic squares, sized to a declared
	// area or nominal; MeasuredM2 the rest (surveyed or cadastral outlines).
	EstimatedM2 float64 `json:"estimated_m2"`
	EstimatedHa float64 `json:"estimated_ha"`
	MeasuredM2  float64 `json:"measured_m2"`
	// NominalParts have a square of a placeholder size; UnknownParts have no area at all
	// and are not in AreaM2 (their area is unknown, not zero).
	NominalParts int `json:"nominal_parts"`
	UnknownParts int `json:"unknown_parts"`
}

func shapeArea(a site.Area) areaJSON {
	return areaJSON{Parts: a.Parts, AreaM2: a.AreaM2, AreaHa: site.Hectares(a.AreaM2),
		EstimatedM2: a.EstimatedM2, EstimatedHa: site.Hectares(a.EstimatedM2), MeasuredM2: a.MeasuredM2(),
		NominalParts: a.NominalParts, UnknownParts: a.UnknownParts}
}

type statusAreaJSON struct {
	Status site.Status `json:"status"`
	Label  string      `json:"label"`
	areaJSON
}

type departmentAreaJSON struct {
	Department string `json:"department"`
	areaJSON
}

type cededYearJSON struct {
	Year         int     `json:"year"`
	AreaM2       float64 `json:"area_m2"`
	CumulativeM2 float64 `json:"cumulative_m2"`
}

func shapeDashboard(d *site.Dashboard) dashboardJSON {
	late := site.LateOn(d.AsOf, d.Today)
	j := dashboardJSON{AsOf: d.AsOf.Format(time.DateOnly), Projection: d.Projection(), ProjectionLabel: projectionNote(d.Projection()),
		ByStatus:     make([]statusAreaJSON, len(d.ByStatus)),
		ByDepartment: make([]departmentAreaJSON, len(d.ByDepartment)),
		CededToDate:  shapeArea(d.CededToDate),
		HeldByParis:  shapeArea(d.HeldByParis),
		CededByYear:  make([]cededYearJSON, len(d.CededByYear)),
		DueNext12:    shapeMilestones(d.DueNext12, late),
		Overdue:      shapeMilestones(d.Overdue, late),
	}
	t := d.Totals
	j.Totals.Sites, j.Totals.Parts, j.Totals.LocatedParts, j.Totals.UnlocatedParts = t.Sites, t.Parts, t.LocatedParts, t.UnlocatedParts
	j.Totals.AreaM2, j.Totals.AreaHa = t.AreaM2, site.Hectares(t.AreaM2)
	j.Totals.EstimatedM2, j.Totals.EstimatedHa, j.Totals.NominalParts = t.EstimatedM2, site.Hectares(t.EstimatedM2), t.NominalParts
	for i, a := range d.ByStatus {
		j.ByStatus[i] = statusAreaJSON{Status: a.Status, Label: a.Status.Label(), areaJSON: shapeArea(a.Area)}
	}
	for i, a := range d.ByDepartment {
		j.ByDepartment[i] = departmentAreaJSON{Department: a.Department, areaJSON: shapeArea(a.Area)}
	}
	for i, y := range d.CededByYear {
		j.CededByYear[i] = cededYearJSON(y)
	}
	return j
}

// changeJSON is one change of a site's history.
type changeJSON struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	User        string          `json:"user"` // an account, or "cli:<os user>"
	Action      string          `json:"action"`
	EntityType  string          `json:"entity_type"`
	EntityID    string          `json:"entity_id"`
	SiteID      string          `json:"site_id"`
	SiteVersion int64           `json:"site_version"`
	Reason      string          `json:"reason"`
	Before      json.RawMessage `json:"before"`
	After       json.RawMessage `json:"after"`
}

func shapeChanges(cs []site.Change) []changeJSON {
	out := make([]changeJSON, len(cs))
	for i, c := range cs {
		out[i] = changeJSON{ID: c.ID, At: c.At, User: c.Actor, Action: c.Action, EntityType: c.EntityType,
			EntityID: c.EntityID, SiteID: c.SiteID, SiteVersion: c.SiteVersion, Reason: c.Reason,
			Before: c.Before, After: c.After}
	}
	return out
}

// dayText writes a day as YYYY-MM-DD, nil for nil.
func dayText(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return ptr(t.Format(time.DateOnly))
}

func ptr[T any](v T) *T { return &v }

// nonNil makes an empty list a JSON [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
