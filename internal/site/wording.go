package site

import (
	"fmt"
	"strings"
	"time"
)

// The texts Emprises writes into the record by itself — sources of outlines and reasons
// of changes nobody typed — in French, as planners read them in the history.

// SeedReason is the reason recorded for each reference site the seed adds.
const SeedReason = "Sites de référence (emprises seed)"

// CadastreImportReason is the reason recorded for the parts a cadastre import changes.
func CadastreImportReason(importID int64, file string, vintage time.Time) string {
	return fmt.Sprintf("Import du cadastre n° %d (%s, millésime du %s)", importID, file, vintage.Format("02/01/2006"))
}

// ParcelsMovedReason is the reason recorded for a part whose parcels were moved to toPart,
// with the editor's own reason after it, if any.
func ParcelsMovedReason(toPart, reason string) string {
	r := "Parcelles déplacées vers la partie " + toPart
	if reason != "" {
		r += " : " + reason
	}
	return r
}

// ParcelsSource says where a part's outline comes from when it is the union of parcels:
// the parcels, planners' way, and the cadastre's vintage when known.
func ParcelsSource(ids []string, vintage time.Time) string {
	const shown = 20
	names := make([]string, 0, min(len(ids), shown))
	for _, id := range ids[:min(len(ids), shown)] {
		names = append(names, ShortParcelName(id))
	}
	list := strings.Join(names, ", ")
	if len(ids) > shown {
		list += fmt.Sprintf(" et %d autres", len(ids)-shown)
	}
	noun := "de la parcelle"
	if len(ids) > 1 {
		noun = "des parcelles"
	}
	var of string
	if !vintage.IsZero() {
		of = ", millésime du " + vintage.Format("02/01/2006")
	}
	return fmt.Sprintf("Contour cadastral : union %s %s (cadastre Etalab%s).", noun, list, of)
}

// ShortParcelName writes an id as planners do: "AZ 56" in Ivry, the whole id elsewhere.
func ShortParcelName(id string) string {
	p := ParcelID(id)
	if len(id) != 14 || p.Insee() != InseeIvry || id[5:8] != "000" {
		return id
	}
	return p.Section() + " " + p.Number()
}
