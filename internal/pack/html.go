package pack

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/emprises/emprises/internal/site"
)

//go:embed pack.html.tmpl
var pageTemplate string

// page is the print document's template. html/template escapes every value put into it,
// the SVG path data from PostGIS included: the document holds no markup from the data.
var page = template.Must(template.New("pack").Parse(pageTemplate))

// StyleSheet is where the print document's style sheet is served: the service's content
// security policy allows no inline style.
const StyleSheet = "/static/css/pack.css"

// htmlView is what the template reads.
type htmlView struct {
	Title, Subtitle, Made, Day, StyleSheet string
	Tables                                 []htmlTable
	Map                                    htmlMap
}

type htmlTable struct {
	Title   string
	Columns []string
	Numeric []bool // right-aligned columns
	Rows    [][]string
	After   []htmlTable
}

type htmlMap struct {
	ViewBox string
	Commune string
	Parts   []htmlPart
	Legend  []htmlLegend
}

type htmlPart struct {
	PartID, Class, Path, Title string
}

type htmlLegend struct {
	Class, Label string
	Parts        int
}

// WriteHTML writes the pack as an HTML page made for print on A4: parts (a)–(d) as
// tables and (e) the map of the located parts coloured by status, drawn from PostGIS's
// SVG path data.
func (p *Pack) WriteHTML(w io.Writer) error {
	v := htmlView{Title: p.Title(), Subtitle: p.Subtitle(), Made: frenchDay(p.Made), Day: frenchDay(p.Day),
		StyleSheet: StyleSheet}
	for _, t := range p.Tables() {
		v.Tables = append(v.Tables, htmlTableOf(t))
	}
	vb := p.Map.ViewBox
	v.Map.ViewBox = strings.Join([]string{svgNumber(vb[0]), svgNumber(vb[1]), svgNumber(vb[2]), svgNumber(vb[3])}, " ")
	v.Map.Commune = p.Map.Commune
	counts := map[site.Status]int{}
	for _, part := range p.Map.Parts {
		counts[part.Status]++
		v.Map.Parts = append(v.Map.Parts, htmlPart{PartID: part.PartID, Class: statusClass(part.Status), Path: part.Path,
			Title: part.SiteName + " – " + part.Label + " : " + part.Status.Label()})
	}
	for _, st := range site.Statuses() {
		v.Map.Legend = append(v.Map.Legend, htmlLegend{Class: statusClass(st), Label: st.Label(), Parts: counts[st]})
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("pack: print document: %w", err)
	}
	return nil
}

// statusClass is the CSS class that colours a status, in pack.css.
func statusClass(st site.Status) string { return "status-" + strings.ReplaceAll(string(st), "_", "-") }

func svgNumber(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func htmlTableOf(t *table) htmlTable {
	h := htmlTable{Title: t.Title}
	for _, c := range t.Columns {
		h.Columns = append(h.Columns, c.Name)
	}
	h.Numeric = make([]bool, len(t.Columns))
	for _, r := range t.Rows {
		row := make([]string, len(r))
		for i, c := range r {
			row[i] = c.French()
			h.Numeric[i] = h.Numeric[i] || c.Kind == areaCell || c.Kind == percentCell || c.Kind == countCell
		}
		h.Rows = append(h.Rows, row)
	}
	for _, sub := range t.After {
		h.After = append(h.After, htmlTableOf(sub))
	}
	return h
}

// French writes a cell as planners read it: days JJ/MM/AAAA, numbers with a decimal comma
// and thin spaces between thousands.
func (c cell) French() string {
	switch {
	case c.Kind == textCell:
		return c.Text
	case c.Empty:
		return ""
	case c.Kind == dayCell:
		return frenchDay(c.Day)
	case c.Kind == areaCell:
		return frenchNumber(c.Number, 1)
	}
	return frenchNumber(c.Number, 0)
}

// frenchNumber writes v with decimals digits after a decimal comma, digits grouped by
// three with a narrow no-break space, as French typography does.
func frenchNumber(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(d)
	}
	if frac != "" {
		b.WriteString("," + frac)
	}
	return sign + b.String()
}
