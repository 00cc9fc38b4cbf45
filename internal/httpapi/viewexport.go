package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/emprises/emprises/internal/pack"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/spreadsheet"
	"github.com/emprises/emprises/internal/store"
)

// The page's views a workbook can be made of, by the name GET /api/export.xlsx takes.
const (
	viewTable     = "table"
	viewCalendar  = "calendar"
	viewDashboard = "dashboard"
)

// haFormat shows hectares to the hundredth (0,01 ha = 100 m²), as the page does.
const haFormat = "#,##0.00"

// viewFilters are the filters of the page (its fragment's statut, service, annee and q),
// under the same names, so that the page passes them on as they are.
type viewFilters struct {
	Statuses   []site.Status
	Department string
	Year       string // a disposal year, "sans" for none, "" for any
	Query      string
}

// parseViewFilters reads the filters from the query string; a bad value is a 400 that
// names its parameter.
func parseViewFilters(q url.Values) (viewFilters, error) {
	var f viewFilters
	if v := q.Get("statut"); v != "" {
		for _, code := range strings.Split(v, ",") {
			st, err := site.ParseStatus(code)
			if err != nil {
				return f, &errParam{param: "statut", err: site.Invalid("statut", "unknown status %q", code)}
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	f.Department = strings.TrimSpace(q.Get("service"))
	f.Year = q.Get("annee")
	if f.Year != "" && f.Year != "sans" {
		if len(f.Year) != 4 || strings.Trim(f.Year, "0123456789") != "" {
			return f, &errParam{param: "annee", err: site.Invalid("annee", "%q is neither a year YYYY nor \"sans\"", f.Year)}
		}
	}
	f.Query = strings.TrimSpace(q.Get("q"))
	return f, nil
}

// describe says in French which filters apply, for the workbook's head.
func (f viewFilters) describe() string {
	var parts []string
	if len(f.Statuses) > 0 {
		labels := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			labels[i] = st.Label()
		}
		parts = append(parts, "statut : "+strings.Join(labels, ", "))
	}
	if f.Department != "" {
		parts = append(parts, "service : "+f.Department)
	}
	switch f.Year {
	case "":
	case "sans":
		parts = append(parts, "année de cession : sans date")
	default:
		parts = append(parts, "année de cession : "+f.Year)
	}
	if f.Query != "" {
		parts = append(parts, "recherche : « "+f.Query+" »")
	}
	if len(parts) == 0 {
		return "aucun filtre (tous les sites)"
	}
	return strings.Join(parts, " ; ")
}

// partRow is what a workbook needs of a site-part feature's properties.
type partRow struct {
	SiteID          string   `json:"site_id"`
	Name            string   `json:"name"`
	PartLabel       string   `json:"part_label"`
	Address         string   `json:"address"`
	Department      string   `json:"department"`
	Status          string   `json:"status"`
	StatusSince     string   `json:"status_since"`
	AreaM2          *float64 `json:"area_m2"`
	DeclaredAreaM2  *float64 `json:"declared_area_m2"`
	GeometryQuality string   `json:"geometry_quality"`
	PlannedRelease  string   `json:"planned_release"`
	ActualRelease   string   `json:"actual_release"`
	PlannedDisposal string   `json:"planned_disposal"`
	ActualDisposal  string   `json:"actual_disposal"`
	PartID          string   `json:"-"`
}

// disposalYear is the year the part was ceded or is planned to be, "" when none.
func (p *partRow) disposalYear() string {
	d := p.ActualDisposal
	if d == "" {
		d = p.PlannedDisposal
	}
	if len(d) < 4 {
		return ""
	}
	return d[:4]
}

// area is the best known area of a part and where it comes from, as the page reads it.
func (p *partRow) area() (m2 float64, source string, known bool) {
	switch {
	case p.AreaM2 != nil:
		return *p.AreaM2, "mesurée sur l’emprise", true
	case p.DeclaredAreaM2 != nil:
		return *p.DeclaredAreaM2, "déclarée", true
	}
	return 0, "inconnue", false
}

// matches tells whether the part passes the status and year filters, and its site the
// search, as the page's applyFilters does (but for parcel references, which the page
// resolves through the parcel look-up).
func (f viewFilters) matches(p *partRow) bool {
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, site.Status(p.Status)) {
		return false
	}
	if f.Department != "" && p.Department != f.Department {
		return false
	}
	switch y := p.disposalYear(); {
	case f.Year == "sans" && y != "":
		return false
	case f.Year != "" && f.Year != "sans" && y != f.Year:
		return false
	}
	return true
}

// searchMatches tells whether the search names the site: its name, address, id,
// department or one of its parts' labels, ignoring case and accents.
func searchMatches(query string, siteParts []*partRow) bool {
	needle := fold(query)
	if needle == "" {
		return true
	}
	for _, p := range siteParts {
		for _, text := range []string{p.Name, p.Address, p.SiteID, p.Department, p.PartLabel} {
			if strings.Contains(fold(text), needle) {
				return true
			}
		}
	}
	return false
}

// fold lowers case and removes accents, as the page's search does.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.TrimSpace(b.String())
}

// filteredParts lists the site parts as they stood on asOf that pass the filters, in the
// order of their site's name.
func (s *Server) filteredParts(r *http.Request, asOf time.Time, f viewFilters) ([]*partRow, error) {
	var all []*partRow
	err := s.store.EachPartFeature(r.Context(), store.FeatureQuery{CRS: site.CRS84, AsOf: &asOf},
		func(feature []byte) error {
			var ft struct {
				ID         json.RawMessage `json:"id"`
				Properties partRow         `json:"properties"`
			}
			if err := json.Unmarshal(feature, &ft); err != nil {
				return fmt.Errorf("export: read part: %w", err)
			}
			p := ft.Properties
			p.PartID = strings.Trim(string(ft.ID), `"`)
			all = append(all, &p)
			return nil
		})
	if err != nil {
		return nil, err
	}
	bySite := map[string][]*partRow{}
	for _, p := range all {
		bySite[p.SiteID] = append(bySite[p.SiteID], p)
	}
	var out []*partRow
	for _, p := range all {
		if f.matches(p) && searchMatches(f.Query, bySite[p.SiteID]) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b *partRow) int {
		if c := strings.Compare(fold(a.Name), fold(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.PartLabel, b.PartLabel)
	})
	return out, nil
}

// handleViewXLSX answers GET /api/export.xlsx?view=&date=&statut=&service=&annee=&q=: the
// page's table, calendar or dashboard as a workbook, with the page's filters applied and
// named at the top of the sheet.
func (s *Server) handleViewXLSX(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "view", "date", "statut", "service", "annee", "q")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	view := q.Get("view")
	if view == "" {
		view = viewTable
	}
	if view != viewTable && view != viewCalendar && view != viewDashboard {
		s.writeError(w, r, &errParam{param: "view", err: site.Invalid("view", "%q is not table, calendar or dashboard", view)})
		return
	}
	asOf, err := s.asOfParam(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := parseViewFilters(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	parts, err := s.filteredParts(r, asOf, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	x, err := newViewWorkbook()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer x.f.Close()
	x.today = s.today()
	suffix := ""
	if s.markProjection(w, asOf) {
		suffix = "-projection"
	}
	switch view {
	case viewTable:
		x.partsSheet(asOf, f, parts)
	case viewCalendar, viewDashboard:
		items, err := s.store.ListCalendar(r.Context(), store.CalendarQuery{AsOf: asOf})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		items = milestonesOf(items, parts)
		if view == viewCalendar {
			x.calendarSheet(asOf, f, items)
		} else {
			x.dashboardSheet(asOf, f, parts, items)
		}
	}
	var buf bytes.Buffer
	if x.err == nil {
		x.err = x.f.Write(&buf)
	}
	if x.err != nil {
		s.writeError(w, r, fmt.Errorf("export: workbook: %w", x.err))
		return
	}
	w.Header().Set("Content-Type", mediaXLSX)
	attachment(w, fmt.Sprintf("emprises-%s-%s%s.xlsx", viewFileNames[view], asOf.Format(time.DateOnly), suffix))
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

var viewFileNames = map[string]string{viewTable: "tableau", viewCalendar: "calendrier", viewDashboard: "tableau-de-bord"}

// milestonesOf keeps the milestones of the parts shown: a part's own, and its site's
// when they concern no part.
func milestonesOf(items []site.Milestone, parts []*partRow) []site.Milestone {
	sites, partIDs := map[string]bool{}, map[string]bool{}
	for _, p := range parts {
		sites[p.SiteID] = true
		partIDs[p.PartID] = true
	}
	var out []site.Milestone
	for _, m := range items {
		if m.PartID != nil && partIDs[*m.PartID] || m.PartID == nil && sites[m.SiteID] {
			out = append(out, m)
		}
	}
	return out
}

// viewWorkbook writes one sheet and keeps the first error of its excelize calls.
type viewWorkbook struct {
	f                      *excelize.File
	err                    error
	title, header, day, ha int
	count                  int
	sheet                  string
	row                    int
	today                  time.Time // the day it is made: a later day is a projection
}

func newViewWorkbook() (*viewWorkbook, error) {
	x := &viewWorkbook{f: excelize.NewFile(), sheet: "Sheet1"}
	style := func(st *excelize.Style) int {
		id, err := x.f.NewStyle(st)
		x.do(err)
		return id
	}
	custom := func(code string) *string { return &code }
	x.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	x.header = style(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	x.day = style(&excelize.Style{CustomNumFmt: custom(pack.DateFormat)})
	x.ha = style(&excelize.Style{CustomNumFmt: custom(haFormat)})
	x.count = style(&excelize.Style{CustomNumFmt: custom(pack.CountFormat)})
	return x, x.err
}

func (x *viewWorkbook) do(err error) {
	if x.err == nil {
		x.err = err
	}
}

// head names the sheet and writes its title, the day and the filters that apply, then
// leaves a blank row.
func (x *viewWorkbook) head(name, title string, asOf time.Time, f viewFilters) {
	x.do(x.f.SetSheetName(x.sheet, name))
	x.sheet = name
	x.row = 0
	x.line(title)
	x.do(x.f.SetCellStyle(name, "A1", "A1", x.title))
	if site.Projection(asOf, x.today) {
		x.line("Projection au " + frenchDay(asOf) + " : état prévu d'après les dates prévues du calendrier, non constaté ; retards comptés au " + frenchDay(x.today))
	} else {
		x.line("État au " + frenchDay(asOf))
	}
	x.line("Filtres appliqués : " + f.describe())
	x.row++
	x.do(x.f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "Emprises", Language: "fr-FR"}))
}

// line writes one text on column A of the next row.
func (x *viewWorkbook) line(text string) {
	x.row++
	x.text(1, text)
}

func (x *viewWorkbook) text(col int, s string) {
	if s != "" {
		x.do(x.f.SetCellStr(x.sheet, cellRef(col, x.row), spreadsheet.Neutralize(s)))
	}
}

func (x *viewWorkbook) number(col int, v float64, style int) {
	ref := cellRef(col, x.row)
	x.do(x.f.SetCellFloat(x.sheet, ref, v, -1, 64))
	x.do(x.f.SetCellStyle(x.sheet, ref, ref, style))
}

// date writes a date with its precision: a day as a real date, a month, quarter or
// year as its French text ("T4 2022").
func (x *viewWorkbook) date(col int, text string) {
	if text == "" {
		return
	}
	d, err := site.ParseDate(text)
	if err != nil {
		x.text(col, text)
		return
	}
	if d.Precision == site.Day {
		ref := cellRef(col, x.row)
		x.do(x.f.SetCellValue(x.sheet, ref, d.Start))
		x.do(x.f.SetCellStyle(x.sheet, ref, ref, x.day))
		return
	}
	x.text(col, d.French())
}

// columns writes a header row whose panes stay in view, and sets the columns' widths.
func (x *viewWorkbook) columns(names []string, widths []float64) {
	x.row++
	for i, n := range names {
		x.text(i+1, n)
		col, _ := excelize.ColumnNumberToName(i + 1)
		x.do(x.f.SetColWidth(x.sheet, col, col, widths[i]))
	}
	x.do(x.f.SetCellStyle(x.sheet, cellRef(1, x.row), cellRef(len(names), x.row), x.header))
	x.do(x.f.SetPanes(x.sheet, &excelize.Panes{Freeze: true, YSplit: x.row, TopLeftCell: cellRef(1, x.row+1), ActivePane: "bottomLeft"}))
}

func cellRef(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// partsSheet is the page's table: one row per part.
func (x *viewWorkbook) partsSheet(asOf time.Time, f viewFilters, parts []*partRow) {
	x.head("Tableau", "Emprises – tableau des parties de site", asOf, f)
	x.columns([]string{"Site", "Partie", "Statut", "Depuis", "Surface (ha)", "Origine de la surface", "Service",
		"Libération prévue", "Libération réalisée", "Cession prévue", "Cession réalisée", "Géométrie", "Identifiant du site"},
		[]float64{32, 24, 22, 12, 12, 20, 24, 14, 14, 14, 14, 24, 18})
	for _, p := range parts {
		x.row++
		x.text(1, p.Name)
		if p.PartLabel != p.Name {
			x.text(2, p.PartLabel)
		}
		x.text(3, site.Status(p.Status).Label())
		x.date(4, p.StatusSince)
		m2, source, known := p.area()
		if known {
			x.number(5, m2/10000, x.ha)
		}
		x.text(6, source)
		x.text(7, p.Department)
		x.date(8, p.PlannedRelease)
		x.date(9, p.ActualRelease)
		x.date(10, p.PlannedDisposal)
		x.date(11, p.ActualDisposal)
		x.text(12, qualityLabels[p.GeometryQuality])
		x.text(13, p.SiteID)
	}
}

// calendarSheet is the page's calendar: one row per milestone, as the calendar CSV.
func (x *viewWorkbook) calendarSheet(asOf time.Time, f viewFilters, items []site.Milestone) {
	x.head("Calendrier", "Emprises – calendrier prévisionnel de libération et de cession", asOf, f)
	x.columns([]string{"Site", "Partie", "Type", "Libellé", "Date prévue", "Date réalisée", "En retard",
		"Nombre de reports", "Dates prévues successives", "Surface de la partie (ha)"},
		[]float64{32, 24, 12, 30, 14, 14, 10, 10, 30, 12})
	for i := range items {
		m := &items[i]
		x.row++
		x.text(1, m.SiteName)
		x.text(2, deref(m.PartLabel))
		x.text(3, m.Kind.Label())
		x.text(4, m.Label)
		if p := m.Planned(); p != nil {
			x.date(5, p.String())
		}
		if m.Actual != nil {
			x.date(6, m.Actual.String())
		}
		x.text(7, yesNo(m.Overdue(site.LateOn(asOf, x.today))))
		x.number(8, float64(m.Slips()), x.count)
		plans := make([]string, len(m.Plans))
		for j, p := range m.Plans {
			plans[j] = p.Date.French()
		}
		x.text(9, strings.Join(plans, " → "))
		if m.PartAreaM2 != nil {
			x.number(10, *m.PartAreaM2/10000, x.ha)
		}
	}
}

// dashboardSheet is the dashboard of the parts shown: areas by status and by
// department, each with the parts whose area is unknown counted apart (never as zero),
// then what is late and what is due in the next twelve months.
func (x *viewWorkbook) dashboardSheet(asOf time.Time, f viewFilters, parts []*partRow, items []site.Milestone) {
	x.head("Tableau de bord", "Emprises – tableau de bord", asOf, f)
	type tally struct {
		parts, unknown int
		m2             float64
	}
	add := func(t *tally, p *partRow) {
		t.parts++
		if m2, _, known := p.area(); known {
			t.m2 += m2
		} else {
			t.unknown++
		}
	}
	byStatus := map[site.Status]*tally{}
	byDept := map[string]*tally{}
	var depts []string
	for _, p := range parts {
		st := site.Status(p.Status)
		if byStatus[st] == nil {
			byStatus[st] = &tally{}
		}
		add(byStatus[st], p)
		if byDept[p.Department] == nil {
			byDept[p.Department] = &tally{}
			depts = append(depts, p.Department)
		}
		add(byDept[p.Department], p)
	}
	slices.SortFunc(depts, func(a, b string) int { return strings.Compare(fold(a), fold(b)) })
	names := []string{"", "Parties", "Surface connue (ha)", "Parties de surface inconnue"}
	widths := []float64{34, 10, 18, 18}
	tallyRow := func(label string, t *tally) {
		x.row++
		x.text(1, label)
		x.number(2, float64(t.parts), x.count)
		x.number(3, t.m2/10000, x.ha)
		x.number(4, float64(t.unknown), x.count)
	}
	names[0] = "Statut"
	x.columns(names, widths)
	for _, st := range site.Statuses() {
		if t := byStatus[st]; t != nil {
			tallyRow(st.Label(), t)
		}
	}
	x.row++
	names[0] = "Service"
	x.columns(names, widths)
	for _, d := range depts {
		label := d
		if label == "" {
			label = "(sans service)"
		}
		tallyRow(label, byDept[d])
	}
	due, overdue := site.DueAndOverdue(items, asOf, x.today)
	for _, block := range []struct {
		title string
		items []site.Milestone
	}{{"En retard", overdue}, {"Échéances des douze prochains mois", due}} {
		x.row++
		x.line(block.title)
		x.do(x.f.SetCellStyle(x.sheet, cellRef(1, x.row), cellRef(1, x.row), x.header))
		if len(block.items) == 0 {
			x.line("aucune")
		}
		for i := range block.items {
			m := &block.items[i]
			x.row++
			x.text(1, m.SiteName+" – "+m.Kind.Label())
			x.text(2, deref(m.PartLabel))
			x.date(3, m.Planned().String())
		}
	}
}

// qualityLabels names the quality of a part's outline in French, as the page does.
var qualityLabels = map[string]string{
	"surveyed":    "emprise levée (géomètre)",
	"cadastre":    "emprise cadastrale",
	"approximate": "emprise approximative",
	"unlocated":   "non localisé",
}
