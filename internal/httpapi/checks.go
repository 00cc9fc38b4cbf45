package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// checksJSON is the body of GET /api/checks: what needs a look as of a day.
type checksJSON struct {
	AsOf            string      `json:"as_of"`
	StaleAfterMonth int         `json:"stale_after_months"`
	Checks          []checkJSON `json:"checks"`
}

type checkJSON struct {
	Kind      site.CheckKind `json:"kind"`
	KindLabel string         `json:"kind_label"` // in French
	SiteID    string         `json:"site_id"`
	SiteName  string         `json:"site_name"`
	PartID    string         `json:"part_id"`
	Detail    string         `json:"detail"` // in French: what to look at
	// Milestone is the milestone concerned (past plan, due soon), as the calendar shows it.
	Milestone *milestoneJSON `json:"milestone"`
	Within    int            `json:"within_days"` // due soon: 30 or 90
	Parcels   []string       `json:"parcels"`     // parcels the last vintage changed
}

// checkLabels are the French names of the kinds of check.
var checkLabels = map[site.CheckKind]string{
	site.CheckPastPlan:        "Date prévue dépassée",
	site.CheckDueSoon:         "Échéance proche",
	site.CheckStaleStatus:     "Statut sans date prévue",
	site.CheckCadastreChanged: "Parcelles modifiées par le cadastre",
}

// defaultStaleMonths is site.DefaultStaleAfter in months, the unit of ?stale_after=.
const defaultStaleMonths = 24

func (s *Server) handleChecks(w http.ResponseWriter, r *http.Request) {
	q, err := checkParams(r, "date", "stale_after")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	day, err := s.asOfParam(q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	months := defaultStaleMonths
	if q.Has("stale_after") {
		n, err := strconv.Atoi(q.Get("stale_after"))
		if err != nil || n < 1 || n > 240 {
			paramError(w, "stale_after", "stale_after %q must be a number of months from 1 to 240", q.Get("stale_after"))
			return
		}
		months = n
	}
	// A month is counted as a twelfth of a 365-day year, as site.DefaultStaleAfter is.
	staleAfter := time.Duration(months) * (site.DefaultStaleAfter / defaultStaleMonths)
	checks, err := s.store.ListChecks(r.Context(), day, s.today(), staleAfter)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.markProjection(w, day)
	out := checksJSON{AsOf: day.Format(time.DateOnly), StaleAfterMonth: months, Checks: make([]checkJSON, len(checks))}
	for i, c := range checks {
		out.Checks[i] = shapeCheck(c, day)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

func shapeCheck(c site.Check, day time.Time) checkJSON {
	j := checkJSON{Kind: c.Kind, KindLabel: checkLabels[c.Kind], SiteID: c.SiteID, SiteName: c.SiteName,
		PartID: c.PartID, Within: c.Within, Parcels: []string{}}
	if c.Milestone != nil {
		m := shapeMilestone(c.Milestone, day)
		j.Milestone = &m
	}
	switch c.Kind {
	case site.CheckPastPlan:
		// Every kind of milestone is feminine (échéance, cession, libération).
		j.Detail = fmt.Sprintf("%s : prévue %s, non réalisée", c.Milestone.Kind.Label(), datePhrase("en", *c.Milestone.Planned()))
	case site.CheckDueSoon:
		j.Detail = fmt.Sprintf("%s : prévue %s, dans moins de %d jours", c.Milestone.Kind.Label(), datePhrase("en", *c.Milestone.Planned()), c.Within)
	case site.CheckStaleStatus:
		j.Detail = fmt.Sprintf("%s %s, sans date prévue", c.Part.Status.Label(), datePhrase("depuis", c.Part.Since))
		if c.Part.PartLabel != "" {
			j.Detail = c.Part.PartLabel + " — " + j.Detail
		}
	case site.CheckCadastreChanged:
		for _, ch := range c.Changes {
			j.Parcels = append(j.Parcels, ch.ParcelID)
		}
		j.Detail = fmt.Sprintf("Cadastre du %s : %s", c.Changes[0].Vintage.Format("02/01/2006"), strings.Join(j.Parcels, ", "))
	}
	return j
}

// datePhrase joins a preposition and a date as French wants it: a quarter or a day takes
// the article ("au T4 2021", "le 19/01/2017", "depuis le T4 2014"), a year or a month
// does not ("en 2021", "depuis sept. 2015").
func datePhrase(preposition string, d site.Date) string {
	label := d.French()
	if d.Precision != site.Quarter && d.Precision != site.Day {
		return preposition + " " + label
	}
	switch preposition {
	case "en":
		if d.Precision == site.Quarter {
			return "au " + label
		}
		return "le " + label
	case "depuis":
		return "depuis le " + label
	}
	return preposition + " " + label
}
