package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emprises/emprises/internal/governance"
	"github.com/emprises/emprises/internal/site"
)

// apiConfig is what the map page needs to know before it draws anything: the base map,
// the service's today, the vocabulary the domain defines (the statuses with the moves
// allowed from each, the disposal modalities, the calendar's kinds), the text forms of a
// date with precision and the commune's parcel-id prefix, so that the page holds no copy
// of them.
type apiConfig struct {
	TileURL         string       `json:"tile_url"`
	TileAttribution string       `json:"tile_attribution"`
	Today           string       `json:"today"` // the day in Paris (site.TodayAt), the default of every ?date=
	Statuses        []statusTerm `json:"statuses"`
	Modalities      []vocabTerm  `json:"modalities"`
	MilestoneKinds  []vocabTerm  `json:"milestone_kinds"`
	DateForms       []dateForm   `json:"date_forms"`
	ParcelIDPrefix  string       `json:"parcel_id_prefix"`
	Governance      govVocab     `json:"governance"`
}

// govVocab is the vocabulary of the convention's governance with its French labels, in
// the domain's order.
type govVocab struct {
	Axes          []vocabTerm `json:"axes"`
	Parties       []vocabTerm `json:"parties"`
	Statuses      []vocabTerm `json:"commitment_statuses"`
	Firmnesses    []vocabTerm `json:"firmnesses"`
	MeetingStates []vocabTerm `json:"meeting_states"`
}

// governanceVocab lists the governance codes and their labels (governance.go).
func governanceVocab() govVocab {
	return govVocab{
		Axes:          terms(governance.Axes()),
		Parties:       terms(governance.Parties()),
		Statuses:      terms(governance.Statuses()),
		Firmnesses:    terms(governance.Firmnesses()),
		MeetingStates: terms([]governance.MeetingState{governance.Planned, governance.Held, governance.Cancelled}),
	}
}

// terms pairs codes with their labels.
func terms[T interface {
	~string
	Label() string
}](codes []T) []vocabTerm {
	out := make([]vocabTerm, len(codes))
	for i, c := range codes {
		out[i] = vocabTerm{Key: string(c), Label: c.Label()}
	}
	return out
}

// dateForm is one text form of a date with precision (site.ParseDate reads them all):
// the page reads a date's precision with its pattern, and says it with its label.
type dateForm struct {
	Precision site.Precision `json:"precision"`
	Pattern   string         `json:"pattern"` // an anchored regular expression, the same in Go and JavaScript
	Example   string         `json:"example"`
	Label     string         `json:"label"` // in French: "au trimestre près"
}

// dateForms are the forms site.ParseDate reads, coarsest first; TestConfigDateForms holds
// them to it.
var dateForms = []dateForm{
	{site.Year, `^\d{4}$`, "2021", "à l’année près"},
	{site.Quarter, `^\d{4}-Q[1-4]$`, "2019-Q1", "au trimestre près"},
	{site.Month, `^\d{4}-\d{2}$`, "2015-09", "au mois près"},
	{site.Day, `^\d{4}-\d{2}-\d{2}$`, "2017-01-19", "au jour près"},
}

// statusTerm is a status, its French label and the statuses it may move to without a
// correction.
type statusTerm struct {
	Key   site.Status   `json:"key"`
	Label string        `json:"label"`
	Next  []site.Status `json:"next"`
}

// vocabTerm is a value of the domain's vocabulary and its French label.
type vocabTerm struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	if _, err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	statuses := make([]statusTerm, 0, len(site.Statuses()))
	for _, st := range site.Statuses() {
		// A final status has no move: [] rather than null.
		next := append([]site.Status{}, st.Next()...)
		statuses = append(statuses, statusTerm{Key: st, Label: st.Label(), Next: next})
	}
	modalities := make([]vocabTerm, 0, len(site.Modalities()))
	for _, m := range site.Modalities() {
		modalities = append(modalities, vocabTerm{Key: string(m), Label: m.Label()})
	}
	var kinds []vocabTerm
	for _, k := range []site.MilestoneKind{site.MilestoneRelease, site.MilestoneDisposal, site.MilestoneDeadline} {
		kinds = append(kinds, vocabTerm{Key: string(k), Label: k.Label()})
	}
	s.writeJSON(w, r, http.StatusOK, apiConfig{
		TileURL:         s.cfg.TileURL,
		TileAttribution: s.cfg.TileAttribution,
		Today:           s.today().Format(time.DateOnly),
		Statuses:        statuses,
		Modalities:      modalities,
		MilestoneKinds:  kinds,
		DateForms:       dateForms,
		// Ivry's parcels: INSEE code and the prefix 000 of a commune never merged, so
		// that the page may complete a short reference such as "AZ 56".
		ParcelIDPrefix: site.InseeIvry + "000",
		Governance:     governanceVocab(),
	})
}

// checkParams refuses a query with a parameter not in allowed, or one given twice: a
// misspelt ?dat= silently ignored would show today's portfolio as if it were another day's.
func checkParams(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &errParam{param: "query", err: site.Invalid("query", "malformed query string: %v", err)}
	}
	for name, values := range q {
		if !slices.Contains(allowed, name) {
			reason := "unknown parameter"
			if len(allowed) > 0 {
				reason += "; this endpoint takes " + strings.Join(allowed, ", ")
			} else {
				reason += "; this endpoint takes none"
			}
			return nil, &errParam{param: name, err: site.Invalid(name, "%s", reason)}
		}
		if len(values) > 1 {
			return nil, &errParam{param: name, err: site.Invalid(name, "given %d times; give it once", len(values))}
		}
		if !storable(values[0]) {
			return nil, &errParam{param: name, err: site.Invalid(name, "%s", notStorable)}
		}
	}
	return q, nil
}

// notStorable says why a value storable refuses is refused.
const notStorable = "is not text: it holds a NUL character or bytes that are not UTF-8"

// storable reports whether PostgreSQL can hold s as text: valid UTF-8 without NUL. A value
// it cannot hold names nothing stored, and sending it in a query would fail the query.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// asOfQuery checks the query of a resource that takes ?date= and nothing else, and returns
// that day.
func (s *Server) asOfQuery(r *http.Request) (time.Time, error) {
	q, err := checkParams(r, "date")
	if err != nil {
		return time.Time{}, err
	}
	return s.asOfParam(q)
}

// asOfParam reads ?date=YYYY-MM-DD, the day the portfolio is seen from; today in Paris by
// default.
func (s *Server) asOfParam(q url.Values) (time.Time, error) {
	v := q.Get("date")
	if v == "" {
		if q.Has("date") {
			return time.Time{}, &errParam{param: "date", err: site.Invalid("date", "is empty; give a day YYYY-MM-DD or leave it out for today")}
		}
		return s.today(), nil
	}
	t, err := site.ParseDay(v)
	if err != nil {
		return time.Time{}, &errParam{param: "date", err: err}
	}
	return t, nil
}

// ProjectionHeader is set on every answer for a day after today, whatever its format
// (JSON, GeoJSON, CSV, iCalendar, XLSX): what it shows for that day is a projection from
// the plans of the calendar, not a record (see site.Projection).
const ProjectionHeader = "Emprises-Projection"

// projectionLabel is how a JSON answer says, in French, that it is a projection.
const projectionLabel = "Projection : état prévu d'après les dates prévues du calendrier, non constaté"

// markProjection says in ProjectionHeader that the answer for day is a projection, when it
// is, and reports whether it is.
func (s *Server) markProjection(w http.ResponseWriter, day time.Time) bool {
	if !site.Projection(day, s.today()) {
		return false
	}
	w.Header().Set(ProjectionHeader, "true")
	return true
}

// projectionNote is projectionLabel for a projection, empty otherwise.
func projectionNote(projection bool) string {
	if projection {
		return projectionLabel
	}
	return ""
}

// writeJSON sends v as JSON with status. encoding/json escapes <, > and & so that text
// typed by users is inert even if some client drops it into HTML.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only a programming error can get here: every value sent is a plain struct.
		s.writeError(w, r, fmt.Errorf("encode JSON: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n')) //nolint:errcheck // the client is gone if this fails
}

// attachment names the file a download is saved as.
func attachment(w http.ResponseWriter, filename string) {
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
}
