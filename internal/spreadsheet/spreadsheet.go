// Package spreadsheet keeps the files Emprises hands to spreadsheet programs safe to open:
// text that a spreadsheet would read as a formula is written as text.
package spreadsheet

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// Neutralize returns cell as a spreadsheet will show it, never run it. Following OWASP's
// CSV-injection guidance, a cell that starts with '=', '+', '-', '@', a tab or a carriage
// return is prefixed with an apostrophe, which spreadsheets take as "this is text". Plain
// numbers ("-12,5", "+33", "-4.2e3") and dates are left as they are, so that they stay
// numbers and dates.
func Neutralize(cell string) string {
	if cell == "" || !strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return cell
	}
	if isNumber(cell) {
		return cell
	}
	return "'" + cell
}

// isNumber reports whether s is a plain number, with a decimal point or a French decimal
// comma.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	return err == nil && !strings.ContainsAny(s, "xXpPnNiI_") // no hex, NaN, Inf or digit separators
}

// Writer is a csv.Writer that neutralizes every cell it writes.
type Writer struct {
	*csv.Writer
	row []string
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{Writer: csv.NewWriter(w)} }

// Write writes one record, each cell neutralized.
func (w *Writer) Write(record []string) error {
	w.row = w.row[:0]
	for _, cell := range record {
		w.row = append(w.row, Neutralize(cell))
	}
	return w.Writer.Write(w.row)
}
