package site

import "math"

// AreaSource says where a part's area comes from, so that no estimate is ever shown as
// a measure.
type AreaSource string

// Area sources, from the most trusted to the least.
const (
	AreaSurveyed AreaSource = "surveyed" // computed from a surveyed outline
	AreaCadastre AreaSource = "cadastre" // computed from the outline of its cadastral parcels
	AreaDeclared AreaSource = "declared" // a schematic square sized to an area a document states
	AreaNominal  AreaSource = "nominal"  // a schematic square of a placeholder size: the real area is not known
	AreaUnknown  AreaSource = "unknown"  // no outline: the area is not known and counts for nothing
)

// AreaSources lists every area source, most trusted first.
func AreaSources() []AreaSource {
	return []AreaSource{AreaSurveyed, AreaCadastre, AreaDeclared, AreaNominal, AreaUnknown}
}

// SourceOfArea says where the area of a part with an outline of quality q comes from.
// The seed draws an approximate part as a square: sized to the declared area when a
// document gives one, of a nominal size when none does. An unlocated part has no
// computed area, even when a document declares one: the totals count computed areas
// only, and say how many parts they leave out.
func SourceOfArea(q GeometryQuality, declaredM2 *float64) AreaSource {
	switch q {
	case QualitySurveyed:
		return AreaSurveyed
	case QualityCadastre:
		return AreaCadastre
	case QualityApproximate:
		if declaredM2 != nil && *declaredM2 > 0 {
			return AreaDeclared
		}
		return AreaNominal
	}
	return AreaUnknown
}

// Estimated reports whether an area of source s is an estimate (a schematic square),
// not a measure.
func (s AreaSource) Estimated() bool { return s == AreaDeclared || s == AreaNominal }

// PartArea is what area accounting needs of one part on a day.
type PartArea struct {
	Status     Status
	Department string // the Paris department or body using it
	Source     AreaSource
	AreaM2     float64 // the computed area; ignored when Source is AreaUnknown
}

// Add counts part p into a: its area joins AreaM2 unless it is unknown, and EstimatedM2
// too when it is an estimate.
func (a *Area) Add(p PartArea) {
	a.Parts++
	switch p.Source {
	case AreaUnknown:
		a.UnknownParts++
		return
	case AreaNominal:
		a.NominalParts++
	}
	a.AreaM2 += p.AreaM2
	if p.Source.Estimated() {
		a.EstimatedM2 += p.AreaM2
	}
}

// Round rounds a's areas to 0.1 m², as every area of the dashboard is.
func (a *Area) Round() {
	a.AreaM2 = math.Round(a.AreaM2*10) / 10
	a.EstimatedM2 = math.Round(a.EstimatedM2*10) / 10
}

// MeasuredM2 is the part of a's area computed from surveyed or cadastral outlines.
func (a Area) MeasuredM2() float64 { return math.Round((a.AreaM2-a.EstimatedM2)*10) / 10 }

// Held reports whether a part in status st is still held by Paris: every part not ceded.
func Held(st Status) bool { return st != StatusCeded }

// AccountAreas sums parts into the dashboard's areas: in total, by status and by
// department (in the order of d.ByStatus and d.ByDepartment, whose keys must be set),
// ceded and still held by Paris.
func (d *Dashboard) AccountAreas(parts []PartArea) {
	byStatus := map[Status]*Area{}
	for i := range d.ByStatus {
		d.ByStatus[i].Area = Area{}
		byStatus[d.ByStatus[i].Status] = &d.ByStatus[i].Area
	}
	byDepartment := map[string]*Area{}
	for i := range d.ByDepartment {
		d.ByDepartment[i].Area = Area{}
		byDepartment[d.ByDepartment[i].Department] = &d.ByDepartment[i].Area
	}
	var total Area
	d.CededToDate, d.HeldByParis = Area{}, Area{}
	for _, p := range parts {
		total.Add(p)
		if a := byStatus[p.Status]; a != nil {
			a.Add(p)
		}
		if a := byDepartment[p.Department]; a != nil {
			a.Add(p)
		}
		if Held(p.Status) {
			d.HeldByParis.Add(p)
		} else {
			d.CededToDate.Add(p)
		}
	}
	total.Round()
	for _, a := range byStatus {
		a.Round()
	}
	for _, a := range byDepartment {
		a.Round()
	}
	d.CededToDate.Round()
	d.HeldByParis.Round()
	d.Totals.Parts, d.Totals.AreaM2, d.Totals.EstimatedM2, d.Totals.NominalParts = total.Parts, total.AreaM2, total.EstimatedM2, total.NominalParts
	d.Totals.UnlocatedParts, d.Totals.LocatedParts = total.UnknownParts, total.Parts-total.UnknownParts
}
