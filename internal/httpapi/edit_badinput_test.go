package httpapi

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

var updateBadInputs = flag.Bool("update-bad-inputs", false, "rewrite testdata/bad_inputs.md from TestBadInput's cases")

// Geometries around the CPCU boiler house (cpcu-ivry-chaufferie, a 212 m square centred on
// 2.406, 48.816), in WGS84 unless said otherwise.
const (
	ringInside      = `[[2.4055,48.8157],[2.4065,48.8157],[2.4065,48.8163],[2.4055,48.8163],[2.4055,48.8157]]`
	polygonInside   = `{"type":"Polygon","coordinates":[` + ringInside + `]}`
	polygonBowtie   = `{"type":"Polygon","coordinates":[[[2.405,48.815],[2.407,48.817],[2.407,48.815],[2.405,48.817],[2.405,48.815]]]}`
	polygonUnclosed = `{"type":"Polygon","coordinates":[[[2.405,48.815],[2.407,48.815],[2.407,48.817],[2.405,48.817]]]}`
	polygonTooFew   = `{"type":"Polygon","coordinates":[[[2.405,48.815],[2.407,48.815],[2.405,48.815]]]}`
	polygonParis    = `{"type":"Polygon","coordinates":[[[2.349,48.852],[2.351,48.852],[2.351,48.854],[2.349,48.854],[2.349,48.852]]]}`
	polygonSwapped  = `{"type":"Polygon","coordinates":[[[48.8157,2.4055],[48.8157,2.4065],[48.8163,2.4065],[48.8163,2.4055],[48.8157,2.4055]]]}`
	polygonLambert  = `{"type":"Polygon","coordinates":[[[655600,6856000],[655700,6856000],[655700,6856100],[655600,6856100],[655600,6856000]]]}`
	polygonFlat     = `{"type":"Polygon","coordinates":[[[2.405,48.815],[2.406,48.815],[2.407,48.815],[2.405,48.815]]]}`
	polygonTiny     = `{"type":"Polygon","coordinates":[[[2.406,48.816],[2.406005,48.816],[2.406005,48.816005],[2.406,48.816005],[2.406,48.816]]]}`
	polygonFar      = `{"type":"Polygon","coordinates":[[[2.3675,48.8100],[2.3685,48.8100],[2.3685,48.8106],[2.3675,48.8106],[2.3675,48.8100]]]}` // the cemetery, inside Ivry
	pointGeometry   = `{"type":"Point","coordinates":[2.406,48.816]}`
)

// badCase is one bad request and the refusal it must get.
type badCase struct {
	name      string
	method    string
	path      string
	body      string
	header    []string // extra headers; a value "" removes the header
	big       int64    // > 0: send a JSON body of this many bytes instead of body
	chunked   bool     // with big: without Content-Length
	status    int
	field     string // the field the problem must name ("" for the body as a whole)
	param     string // or the query parameter
	tableBody string // what the README table shows as the input, when body is unwieldy
}

// badCases are the bad requests TestBadInput sends; milestone is the id of a calendar
// milestone of cpcu-ivry that has a planned date already.
func badCases(milestone int64) []badCase {
	const site = "/api/sites/cpcu-ivry"
	const part = "/api/parts/cpcu-ivry-chaufferie"
	const ceded = "/api/parts/triangle-cours-sud-emprise"
	const unlocated = "/api/parts/tam-robert-witchitz-garage"
	plans := fmt.Sprintf("/api/milestones/%d/plans", milestone)
	const commitment = "/api/commitments/a2i-cpcu-mode-gestion"
	geometry := func(g string) string {
		return `{"geometry":` + g + `,"quality":"surveyed","source":"relevé test"}`
	}
	return []badCase{
		{name: "malformed JSON", method: "PATCH", path: site, body: `{"name": "x",}`, status: 400},
		{name: "truncated JSON", method: "PATCH", path: site, body: `{"name": "x"`, status: 400},
		{name: "wrong type: number for a text", method: "PATCH", path: site, body: `{"name": 42}`, status: 400, field: "name"},
		{name: "wrong type: text for a boolean", method: "PATCH", path: site, body: `{"modality_done": "yes"}`, status: 400, field: "modality_done"},
		{name: "wrong type: text for a number", method: "POST", path: site + "/events", body: `{"kind":"decision","date":"2020","planned":false,"title":"t","amount_eur":"1000"}`, status: 400, field: "amount_eur"},
		{name: "number out of range", method: "POST", path: site + "/events", body: `{"kind":"decision","date":"2020","planned":false,"title":"t","amount_eur":1e400}`, status: 400, field: "amount_eur"},
		{name: "wrong type: object for a list", method: "POST", path: part + "/parcels", body: `{"ids":{"a":1}}`, status: 400, field: "ids"},
		{name: "unknown field", method: "PATCH", path: site, body: `{"nom": "x"}`, status: 400, field: "nom"},
		{name: "field given twice", method: "PATCH", path: site, body: `{"name":"a","name":"b"}`, status: 400, field: "name"},
		{name: "null for a required text", method: "PATCH", path: site, body: `{"name": null}`, status: 400, field: "name"},
		{name: "blank name", method: "PATCH", path: site, body: `{"name": "   "}`, status: 400, field: "name"},
		{name: "NUL character in a text", method: "PATCH", path: site, body: `{"name": "a\u0000b"}`, status: 400, field: "name"},
		{name: "line break in a one-line text", method: "PATCH", path: site, body: `{"name": "a\nb"}`, status: 400, field: "name"},
		{name: "nothing to change", method: "PATCH", path: site, body: `{"reason":"r"}`, status: 400},
		{name: "empty body", method: "PATCH", path: site, body: ``, header: []string{"Content-Type", "application/json"}, status: 400},
		{name: "JSON array instead of an object", method: "PATCH", path: site, body: `[{"name":"x"}]`, status: 400},
		{name: "trailing garbage after the JSON", method: "PATCH", path: site, body: `{"name":"x"} garbage`, status: 400},
		{name: "two JSON objects", method: "PATCH", path: site, body: `{"name":"x"}{"name":"y"}`, status: 400},
		{name: "invalid UTF-8", method: "PATCH", path: site, body: "{\"name\":\"\xff\xfe\"}", status: 400, field: "name", tableBody: `{"name":"\xff\xfe"}`},
		{name: "nesting too deep", method: "PATCH", path: site, body: `{"name":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, status: 400, tableBody: `{"name":[[[[…40 levels…]]]]}`},
		{name: "wrong content type", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"Content-Type", "text/plain"}, status: 415},
		{name: "form-encoded body", method: "PATCH", path: site, body: `name=x`, header: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
		{name: "no content type", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"Content-Type", ""}, status: 415},
		{name: "50 MB body with Content-Length", method: "PATCH", path: site, big: 50 << 20, status: 413, tableBody: `{"name":"aaaa…"} (50 MB)`},
		{name: "50 MB body, chunked", method: "PATCH", path: site, big: 50 << 20, chunked: true, status: 413, tableBody: `{"name":"aaaa…"} (50 MB, no length)`},
		{name: "missing If-Match", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"If-Match", ""}, status: 428},
		{name: "If-Match: *", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"If-Match", "*"}, status: 428},
		{name: "If-Match of another version", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"If-Match", `"v999"`}, status: 412},
		{name: "weak If-Match", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"If-Match", `W/"v1"`}, status: 412},
		{name: "unknown modality", method: "PATCH", path: site, body: `{"modality":"auction"}`, status: 400, field: "modality"},
		{name: "unknown status", method: "POST", path: part + "/status", body: `{"status":"demolished","date":"2024-01-10","reason":"r"}`, status: 400, field: "status"},
		{name: "missing status", method: "POST", path: part + "/status", body: `{"date":"2024-01-10","reason":"r"}`, status: 400, field: "status"},
		{name: "illegal transition (ceded → in use)", method: "POST", path: ceded + "/status", body: `{"status":"in_use","date":"2024-01-10","reason":"r"}`, status: 400, field: "status"},
		{name: "illegal transition (under study → ceded)", method: "POST", path: part + "/status", body: `{"status":"ceded","date":"2024-01-10","reason":"r"}`, status: 400, field: "status"},
		{name: "status change without a reason", method: "POST", path: part + "/status", body: `{"status":"released","date":"2024-01-10"}`, status: 400, field: "reason"},
		{name: "correction without a reason", method: "POST", path: ceded + "/status", body: `{"status":"in_use","date":"2024-01-10","correction":true,"reason":" "}`, status: 400, field: "reason"},
		{name: "impossible date (30 February)", method: "POST", path: part + "/status", body: `{"status":"released","date":"2023-02-30","reason":"r"}`, status: 400, field: "date"},
		{name: "date in a foreign format", method: "POST", path: part + "/status", body: `{"status":"released","date":"12/01/2024","reason":"r"}`, status: 400, field: "date"},
		{name: "status date in the future", method: "POST", path: part + "/status", body: `{"status":"released","date":"2199","reason":"r"}`, status: 400, field: "date"},
		{name: "status date before the current status", method: "POST", path: part + "/status", body: `{"status":"released","date":"2019-06","reason":"r"}`, status: 400, field: "date"},
		{name: "self-intersecting ring", method: "PUT", path: part + "/geometry", body: geometry(polygonBowtie), status: 400, field: "geometry", tableBody: "bow-tie polygon"},
		{name: "unclosed ring", method: "PUT", path: part + "/geometry", body: geometry(polygonUnclosed), status: 400, field: "geometry", tableBody: "ring whose last position ≠ first"},
		{name: "too few points", method: "PUT", path: part + "/geometry", body: geometry(polygonTooFew), status: 400, field: "geometry", tableBody: "ring of 3 positions"},
		{name: "coordinates outside Ivry", method: "PUT", path: part + "/geometry", body: geometry(polygonParis), status: 400, field: "geometry", tableBody: "square on Île de la Cité"},
		{name: "latitude and longitude swapped", method: "PUT", path: part + "/geometry", body: geometry(polygonSwapped), status: 400, field: "geometry", tableBody: "[[48.8157,2.4055],…]"},
		{name: "Lambert-93 sent as WGS84", method: "PUT", path: part + "/geometry", body: geometry(polygonLambert), status: 400, field: "geometry", tableBody: "[[655600,6856000],…] without crs"},
		{name: "degrees sent as Lambert-93", method: "PUT", path: part + "/geometry", body: `{"geometry":` + polygonInside + `,"crs":"EPSG:2154","quality":"surveyed","source":"s"}`, status: 400, field: "geometry", tableBody: `[[2.4055,48.8157],…] with crs EPSG:2154`},
		{name: "zero-area polygon (collinear)", method: "PUT", path: part + "/geometry", body: geometry(polygonFlat), status: 400, field: "geometry", tableBody: "ring of 3 collinear corners"},
		{name: "polygon under 1 m²", method: "PUT", path: part + "/geometry", body: geometry(polygonTiny), status: 400, field: "geometry", tableBody: "40 cm square"},
		{name: "not a polygon", method: "PUT", path: part + "/geometry", body: geometry(pointGeometry), status: 400, field: "geometry", tableBody: "a Point"},
		{name: "coordinates as text", method: "PUT", path: part + "/geometry", body: geometry(`{"type":"Polygon","coordinates":[[["2.4","48.8"]]]}`), status: 400, field: "geometry", tableBody: `[[["2.4","48.8"]]]`},
		{name: "unknown CRS", method: "PUT", path: part + "/geometry", body: `{"geometry":` + polygonInside + `,"crs":"EPSG:3857","quality":"surveyed","source":"s"}`, status: 400, field: "crs", tableBody: `{"geometry":…,"crs":"EPSG:3857",…}`},
		{name: "geometry quality unlocated", method: "PUT", path: part + "/geometry", body: `{"geometry":` + polygonInside + `,"quality":"unlocated","source":"s"}`, status: 400, field: "quality", tableBody: `{"geometry":…,"quality":"unlocated",…}`},
		{name: "geometry without a source", method: "PUT", path: part + "/geometry", body: `{"geometry":` + polygonInside + `,"quality":"surveyed"}`, status: 400, field: "source", tableBody: `{"geometry":…,"quality":"surveyed"}`},
		{name: "split piece outside the part", method: "POST", path: part + "/split", body: `{"geometry":` + polygonFar + `,"label":"cédé"}`, status: 400, field: "geometry", tableBody: "a square 2.8 km away, inside Ivry"},
		{name: "split piece larger than the part", method: "POST", path: part + "/split", body: `{"geometry":{"type":"Polygon","coordinates":[[[2.40,48.812],[2.412,48.812],[2.412,48.82],[2.40,48.82],[2.40,48.812]]]},"label":"tout"}`, status: 400, field: "geometry", tableBody: "a square larger than the part"},
		{name: "split of an unlocated part", method: "POST", path: unlocated + "/split", body: `{"geometry":` + polygonInside + `,"label":"x"}`, status: 400, field: "geometry", tableBody: "part without outline"},
		{name: "malformed parcel id", method: "POST", path: part + "/parcels", body: `{"ids":["94041000AZ56"]}`, status: 400, field: "ids"},
		{name: "parcel outside Ivry", method: "POST", path: part + "/parcels", body: `{"ids":["75113000AB0001"]}`, status: 400, field: "ids"},
		{name: "empty parcel list", method: "POST", path: part + "/parcels", body: `{"ids":[]}`, status: 400, field: "ids"},
		{name: "unknown event kind", method: "POST", path: site + "/events", body: `{"kind":"party","date":"2020","planned":false,"title":"t"}`, status: 400, field: "kind"},
		{name: "event without a title", method: "POST", path: site + "/events", body: `{"kind":"decision","date":"2020","planned":false}`, status: 400, field: "title"},
		{name: "negative area", method: "POST", path: site + "/events", body: `{"kind":"disposal","date":"2020","planned":false,"title":"t","area_m2":-5}`, status: 400, field: "area_m2"},
		{name: "past event dated in the future", method: "POST", path: site + "/events", body: `{"kind":"decision","date":"2199","planned":false,"title":"t"}`, status: 400, field: "date"},
		{name: "event on another site's part", method: "POST", path: site + "/events", body: `{"kind":"decision","date":"2020","planned":false,"title":"t","part_id":"estacade-ouvrage"}`, status: 400, field: "part_id"},
		{name: "slip without a reason", method: "POST", path: plans, body: `{"date":"2031-Q2"}`, status: 400, field: "reason"},
		{name: "decision day not a day", method: "POST", path: plans, body: `{"date":"2031-Q2","reason":"r","decided_on":"2024-13-01"}`, status: 400, field: "decided_on"},
		{name: "planned date already past", method: "POST", path: plans, body: `{"date":"2020-Q2","reason":"r"}`, status: 400, field: "date"},
		{name: "new milestone planned in the past", method: "POST", path: site + "/milestones", body: `{"kind":"release","date":"2019","reason":"r"}`, status: 400, field: "date"},
		{name: "invalid slug for a new site", method: "POST", path: "/api/sites", body: `{"id":"Nouveau Site","name":"n","part":{"status":"in_use","status_since":"2020"}}`, status: 400, field: "id"},
		{name: "new site with an existing id", method: "POST", path: "/api/sites", body: `{"id":"cpcu-ivry","name":"n","part":{"status":"in_use","status_since":"2020"}}`, status: 400, field: "id"},
		{name: "new site without its first part's status", method: "POST", path: "/api/sites", body: `{"id":"nouveau","name":"n","part":{"status_since":"2020"}}`, status: 400, field: "part.status"},
		{name: "unknown value of ?mode", method: "DELETE", path: "/api/events/1?mode=erase", status: 400, param: "mode"},
		{name: "sign-in with an unknown field", method: "POST", path: "/api/session", body: `{"name":"alice","password":"x","remember":true}`, header: []string{"Authorization", ""}, status: 400, field: "remember"},
		{name: "sign-in with a NUL in the name", method: "POST", path: "/api/session", body: `{"name":"alice\u0000","password":"x"}`, header: []string{"Authorization", ""}, status: 401},
		{name: "sign-in without a password", method: "POST", path: "/api/session", body: `{"name":"alice"}`, header: []string{"Authorization", ""}, status: 400, field: "password"},
		{name: "field name in another case", method: "PATCH", path: site, body: `{"NOTES":"x"}`, status: 400, field: "NOTES"},
		{name: "field given twice in two cases", method: "PATCH", path: site, body: `{"notes":"a","Notes":"b"}`, status: 400, field: "Notes"},
		{name: "unknown field in a nested object", method: "POST", path: "/api/sites", body: `{"id":"nouveau","name":"n","part":{"status":"in_use","status_since":"2020","colour":"red"}}`, status: 400, field: "part.colour"},
		{name: "misspelt field in a nested object", method: "POST", path: "/api/sites", body: `{"id":"nouveau","name":"n","part":{"status":"in_use","status_since":"2020","declared_area":500}}`, status: 400, field: "part.declared_area"},
		{name: "lone surrogate in a text", method: "PATCH", path: site, body: `{"notes":"\ud800"}`, status: 400, field: "notes"},
		{name: "decision day in year 0", method: "POST", path: plans, body: `{"date":"2031-Q2","reason":"r","decided_on":"0000-01-01"}`, status: 400, field: "decided_on"},
		{name: "query parameter a write does not read", method: "PATCH", path: site + "?date=2014-01-01", body: `{"name":"x"}`, status: 400, param: "date"},
		{name: "If-Match with a malformed tag", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"If-Match", `"v1", garbage`}, status: 400, field: "If-Match"},
		{name: "If-Match tag not closed", method: "PATCH", path: site, body: `{"name":"x"}`, header: []string{"If-Match", `"v1`}, status: 400, field: "If-Match"},
		{name: "sign-in body over 4 KB", method: "POST", path: "/api/session", big: 5 << 10, header: []string{"Authorization", ""}, status: 413, tableBody: `{"name":"aaaa…"} (5 KB)`},
		{name: "sign-in name over 64 characters", method: "POST", path: "/api/session", body: `{"name":"` + strings.Repeat("a", 65) + `","password":"x"}`, header: []string{"Authorization", ""}, status: 400, field: "name", tableBody: `{"name":"aaaa…" (65),"password":"x"}`},
		{name: "commitment with an unknown party", method: "POST", path: "/api/commitments", body: newCommitment(`"parties":["paris","ratp"]`), status: 400, field: "parties", tableBody: `{…,"parties":["paris","ratp"],…}`},
		{name: "commitment with an unknown axis", method: "POST", path: "/api/commitments", body: newCommitment(`"axis":"D"`), status: 400, field: "axis", tableBody: `{…,"axis":"D",…}`},
		{name: "commitment with an unknown firmness", method: "POST", path: "/api/commitments", body: newCommitment(`"firmness":"must"`), status: 400, field: "firmness", tableBody: `{…,"firmness":"must",…}`},
		{name: "commitment with an impossible clause", method: "POST", path: "/api/commitments", body: newCommitment(`"clause":"II.D.9"`), status: 400, field: "clause", tableBody: `{…,"clause":"II.D.9",…}`},
		{name: "commitment without a source", method: "POST", path: "/api/commitments", body: newCommitment(`"sources":[]`), status: 400, field: "sources", tableBody: `{…,"sources":[],…}`},
		{name: "due date with an impossible precision", method: "PATCH", path: commitment, body: `{"due":"2021-Q5"}`, status: 400, field: "due"},
		{name: "commitment linked to an unknown site", method: "PATCH", path: commitment, body: `{"site_ids":["nowhere"]}`, status: 400, field: "site_ids"},
		{name: "commitment status changed without a follow-up", method: "PATCH", path: commitment, body: `{"status":"done"}`, status: 400, field: "status"},
		{name: "unknown commitment status", method: "POST", path: commitment + "/follow-ups", body: `{"date":"2024-01-10","source":"s","status":"late"}`, status: 400, field: "status"},
		{name: "progress outside 0–100", method: "POST", path: commitment + "/follow-ups", body: `{"date":"2024-01-10","source":"s","progress":120}`, status: 400, field: "progress"},
		{name: "follow-up without a source", method: "POST", path: commitment + "/follow-ups", body: `{"date":"2024-01-10","note":"n"}`, status: 400, field: "source"},
		{name: "follow-up without a date", method: "POST", path: commitment + "/follow-ups", body: `{"source":"s","note":"n"}`, status: 400, field: "date"},
		{name: "follow-up dated in the future", method: "POST", path: commitment + "/follow-ups", body: `{"date":"2199","source":"s"}`, status: 400, field: "date"},
		{name: "meeting of an unknown committee", method: "POST", path: "/api/meetings", body: `{"committee_id":"cofil","date":"2024-01-10","state":"held"}`, status: 400, field: "committee_id"},
		{name: "meeting in the future marked held", method: "POST", path: "/api/meetings", body: `{"committee_id":"cotech","date":"2199-01-01","state":"held"}`, status: 400, field: "state"},
		{name: "decision moving a date without a reason", method: "POST", path: "/api/meetings/1/decisions", body: fmt.Sprintf(`{"text":"report","milestone_id":%d,"new_date":"2031-Q2"}`, milestone), status: 400, field: "reason", tableBody: `{"text":"report","milestone_id":…,"new_date":"2031-Q2"}`},
		{name: "agenda item about an unknown commitment", method: "POST", path: "/api/meetings/1/agenda", body: `{"title":"t","commitment_ids":["nothing"]}`, status: 400, field: "commitment_ids"},
		{name: "committee of an unknown kind", method: "POST", path: "/api/committees", body: `{"id":"gt-berges","kind":"board","name":"Berges","sources":["s"]}`, status: 400, field: "kind"},
		{name: "committee whose id is taken", method: "POST", path: "/api/committees", body: `{"id":"cotech","kind":"cotech","name":"COTECH bis","sources":["s"]}`, status: 400, field: "id"},
		{name: "committee cadence set twice by one clause", method: "POST", path: "/api/committees", body: `{"id":"gt-berges","kind":"working_group","name":"Berges","sources":["s"],"cadences":[{"months":6,"clause":"III"},{"months":3,"clause":"III"}]}`, status: 400, field: "cadences[1].clause", tableBody: `{…,"cadences":[{"months":6,"clause":"III"},{"months":3,"clause":"III"}]}`},
	}
}

// newCommitment is the body of a valid new commitment with one member replaced.
func newCommitment(member string) string {
	fields := map[string]string{"id": `"id":"action-test"`, "clause": `"clause":"II.A.2.i"`, "axis": `"axis":"A"`,
		"title": `"title":"t"`, "parties": `"parties":["paris"]`, "firmness": `"firmness":"commits"`, "sources": `"sources":["s"]`}
	name := member[1 : strings.Index(member[1:], `"`)+1]
	fields[name] = member
	parts := make([]string, 0, len(fields))
	for _, k := range []string{"id", "clause", "axis", "title", "parties", "firmness", "sources"} {
		parts = append(parts, fields[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestBadInput sends each bad request over HTTP to the real service on a real PostGIS and
// checks the refusal: its status, a problem+json body naming the field, and a database
// left exactly as it was.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	etag := e.etag(t, "cpcu-ivry")
	var milestone int64
	err := e.st.Pool().QueryRow(t.Context(), `
		SELECT min(m.id) FROM milestones m
		 WHERE m.site_id = 'cpcu-ivry' AND EXISTS (SELECT 1 FROM milestone_plans p WHERE p.milestone_id = m.id)`).Scan(&milestone)
	if err != nil {
		t.Fatal(err)
	}
	start := digest(t, e.st)
	cases := badCases(milestone)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			if c.big > 0 {
				body = bigJSON(c.big)
				if !c.chunked {
					body = io.LimitReader(body, c.big) // a LimitedReader: length known below
				}
			}
			header := append([]string{"Authorization", "Bearer " + e.tokens[auth.Editor], "If-Match", etag}, c.header...)
			resp, got := e.callSized(t, c.method, c.path, body, c.big, c.chunked, header...)
			if resp.StatusCode != c.status {
				t.Fatalf("%s %s %.80s: status %d; want %d: %s", c.method, c.path, c.body, resp.StatusCode, c.status, got)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q; want application/problem+json", ct)
			}
			p := problemOf(t, got)
			if p.Status != c.status || p.Detail == "" || p.Field != c.field || p.Param != c.param {
				t.Errorf("problem %+v; want status %d, a detail, field %q, param %q", p, c.status, c.field, c.param)
			}
			if testing.Verbose() {
				t.Logf("detail: %s", p.Detail)
			}
			if d := digest(t, e.st); d != start {
				t.Errorf("the database changed")
			}
		})
	}
	if got := e.etag(t, "cpcu-ivry"); got != etag {
		t.Errorf("ETag after the bad requests = %s; want %s unchanged", got, etag)
	}
	writeBadInputTable(t, cases)
}

// TestPartIDNotASlug sends part ids no part can have, NUL included, which PostgreSQL
// cannot even compare: each is a 400 naming part_id that changes nothing. (Not in
// badCases, whose table the README shows.)
func TestPartIDNotASlug(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	etag := e.etag(t, "cpcu-ivry")
	start := digest(t, e.st)
	for _, c := range []struct{ path, body string }{
		{"/api/sites/cpcu-ivry/events", `{"kind":"decision","date":"2020","planned":false,"title":"t","part_id":"a\u0000b"}`},
		{"/api/sites/cpcu-ivry/events", `{"kind":"decision","date":"2020","planned":false,"title":"t","part_id":"Not A Slug"}`},
		{"/api/sites/cpcu-ivry/milestones", `{"kind":"release","date":"2031","part_id":"a\u0000b"}`},
		{"/api/sites/cpcu-ivry/milestones", `{"kind":"release","date":"2031","part_id":""}`},
	} {
		resp, body := e.as(t, auth.Editor, "POST", c.path, c.body, "If-Match", etag)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST %s %s: status %d; want 400: %s", c.path, c.body, resp.StatusCode, body)
			continue
		}
		if p := problemOf(t, body); p.Field != "part_id" {
			t.Errorf("POST %s %s: problem %+v; want field part_id", c.path, c.body, p)
		}
	}
	if d := digest(t, e.st); d != start {
		t.Errorf("the database changed")
	}
}

// callSized is call with control over the body's length: known (Content-Length) or not
// (chunked).
func (e *editEnv) callSized(t *testing.T, method, path string, body io.Reader, size int64, chunked bool, header ...string) (*http.Response, []byte) {
	t.Helper()
	if size == 0 {
		return e.call(t, method, path, body, header...)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// bigJSON is an endless {"name":"aaaa… without holding it in memory.
func bigJSON(n int64) io.Reader {
	return io.MultiReader(strings.NewReader(`{"name":"`), io.LimitReader(repeatByte('a'), n))
}

type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// writeBadInputTable keeps testdata/bad_inputs.md, the README's table of bad inputs, in
// step with the cases: -update-bad-inputs rewrites it, otherwise it must match.
func writeBadInputTable(t *testing.T, cases []badCase) {
	var b bytes.Buffer
	b.WriteString("| # | bad input | request | body | status | names |\n|---|---|---|---|---|---|\n")
	milestone := regexp.MustCompile(`/api/milestones/\d+/`)
	for i, c := range cases {
		shown := c.tableBody
		if shown == "" {
			shown = c.body
		}
		if shown == "" {
			shown = "(none)"
		}
		for i := 0; i+1 < len(c.header); i += 2 {
			if c.header[i+1] != "" {
				shown += fmt.Sprintf(" + %s: %s", c.header[i], c.header[i+1])
			} else if c.header[i] != "Authorization" {
				shown += " without " + c.header[i]
			}
		}
		names := "—"
		switch {
		case c.field != "":
			names = "`" + c.field + "`"
		case c.param != "":
			names = "`?" + c.param + "`"
		}
		shown = strings.ReplaceAll(strings.ReplaceAll(shown, "|", `\|`), "`", "'")
		path := milestone.ReplaceAllString(c.path, "/api/milestones/{id}/")
		fmt.Fprintf(&b, "| %d | %s | `%s %s` | `%s` | %d | %s |\n", i+1, c.name, c.method, path, shown, c.status, names)
	}
	path := filepath.Join("testdata", "bad_inputs.md")
	if *updateBadInputs {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(want, b.Bytes()) {
		t.Errorf("%s is out of date; run go test ./internal/httpapi -run TestBadInput -update-bad-inputs (%v)", path, err)
	}
}
