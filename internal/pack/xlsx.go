package pack

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/emprises/emprises/internal/spreadsheet"
)

// Number formats of the workbook, shared with the other workbooks of the service (the
// export of a view). A format code is stored in the file in the one syntax
// spreadsheets share (',' groups thousands, '.' marks decimals) and shown with the
// reader's own separators: French Excel and LibreOffice show 12 345,6. Dates are written
// day first whatever the reader's locale.
const (
	DateFormat    = "dd/mm/yyyy"
	AreaFormat    = "#,##0.0"
	PercentFormat = "0"
	CountFormat   = "0"
)

// Rows of a sheet: the title and the pack's subtitle, a blank row, then the header.
const headerRow = 4

// WriteXLSX writes the pack as a workbook, one sheet per part (a)–(d): a title with the
// meeting and the day, then a table whose header stays in view (frozen panes). Days are
// real dates, areas and percentages numbers; every text is neutralised so that no
// spreadsheet runs it as a formula, even once copied into a CSV.
func (p *Pack) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f}
	if err := x.styles(); err != nil {
		return err
	}
	for i, t := range p.Tables() {
		if i == 0 {
			x.do(f.SetSheetName("Sheet1", t.Sheet))
		} else {
			_, err := f.NewSheet(t.Sheet)
			x.do(err)
		}
		x.sheet(p, t)
	}
	x.do(f.SetDocProps(&excelize.DocProperties{Title: p.Title(), Subject: p.Subtitle(), Creator: "Emprises",
		Language: "fr-FR", Created: p.Made.Format("2006-01-02T15:04:05Z")}))
	if x.err != nil {
		return fmt.Errorf("pack: workbook: %w", x.err)
	}
	return f.Write(w)
}

// xlsxWriter keeps the first error of a run of excelize calls.
type xlsxWriter struct {
	f                                   *excelize.File
	err                                 error
	title, header, date, area, pct, num int
}

func (x *xlsxWriter) do(err error) {
	if x.err == nil {
		x.err = err
	}
}

func (x *xlsxWriter) styles() error {
	style := func(s *excelize.Style) int {
		id, err := x.f.NewStyle(s)
		x.do(err)
		return id
	}
	custom := func(code string) *string { return &code }
	x.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	x.header = style(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE4EE"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	x.date = style(&excelize.Style{CustomNumFmt: custom(DateFormat)})
	x.area = style(&excelize.Style{CustomNumFmt: custom(AreaFormat)})
	x.pct = style(&excelize.Style{CustomNumFmt: custom(PercentFormat)})
	x.num = style(&excelize.Style{CustomNumFmt: custom(CountFormat)})
	return x.err
}

func (x *xlsxWriter) sheet(p *Pack, t *table) {
	f, name := x.f, t.Sheet
	x.text(name, 1, 1, t.Title)
	x.do(f.SetCellStyle(name, "A1", "A1", x.title))
	x.text(name, 1, 2, p.Title()+" – "+p.Subtitle())
	row := x.table(name, headerRow, t)
	// The header row stays in view while the table scrolls.
	x.do(f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: cellName(1, headerRow+1), ActivePane: "bottomLeft"}))
	for i, c := range t.Columns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		x.do(f.SetColWidth(name, col, col, c.Width))
	}
	for _, sub := range t.After {
		row += 2
		x.text(name, 1, row, sub.Title)
		x.do(f.SetCellStyle(name, cellName(1, row), cellName(1, row), x.title))
		row = x.table(name, row+1, sub)
	}
}

// table writes t's header on row and its rows below, and returns the last row written.
func (x *xlsxWriter) table(name string, row int, t *table) int {
	for i, c := range t.Columns {
		x.text(name, i+1, row, c.Name)
	}
	x.do(x.f.SetCellStyle(name, cellName(1, row), cellName(len(t.Columns), row), x.header))
	for _, r := range t.Rows {
		row++
		for i, c := range r {
			x.cell(name, i+1, row, c)
		}
	}
	return row
}

func (x *xlsxWriter) text(sheet string, col, row int, s string) {
	if s != "" {
		x.do(x.f.SetCellStr(sheet, cellName(col, row), spreadsheet.Neutralize(s)))
	}
}

func (x *xlsxWriter) cell(sheet string, col, row int, c cell) {
	if c.Kind == textCell {
		x.text(sheet, col, row, c.Text)
		return
	}
	if c.Empty {
		return
	}
	ref := cellName(col, row)
	style := map[cellKind]int{dayCell: x.date, areaCell: x.area, percentCell: x.pct, countCell: x.num}[c.Kind]
	if c.Kind == dayCell {
		x.do(x.f.SetCellValue(sheet, ref, c.Day))
	} else {
		x.do(x.f.SetCellFloat(sheet, ref, c.Number, -1, 64))
	}
	x.do(x.f.SetCellStyle(sheet, ref, ref, style))
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}
