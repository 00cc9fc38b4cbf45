package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

// TestConfidentialFieldsOnEveryRoute asks every read route anonymously and as a viewer:
// no anonymous answer holds a field auth reserves for signed-in users (the key with a
// value, or the value itself in CSV, ICS or tiles), and a viewer sees them where the
// route carries them, so that the check can fail.
func TestConfidentialFieldsOnEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	ctx := t.Context()

	// The confidential values the seed holds, as they could appear in any format.
	var secrets [][]byte
	var eventID int64
	var siteID string
	rows, err := e.st.Pool().Query(ctx, `
SELECT id, site_id, amount_eur::text, amount_eur::float8::text FROM events WHERE amount_eur IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var sid, a, b string
		if err := rows.Scan(&id, &sid, &a, &b); err != nil {
			t.Fatal(err)
		}
		eventID, siteID = id, sid
		secrets = append(secrets, []byte(a), []byte(b))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var note string
	if err := e.st.Pool().QueryRow(ctx, `SELECT notes FROM sites WHERE notes <> '' ORDER BY id LIMIT 1`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, []byte(note[:40]))
	if eventID == 0 {
		t.Fatal("the seed has no event with an amount: nothing to hide")
	}
	for field := range auth.ConfidentialFields() {
		switch field {
		case "notes", "amount_eur", "changed_by", "changed_at", "change_reason":
		default:
			t.Errorf("confidential field %q is not checked by this test", field)
		}
	}

	routes := []struct {
		path   string
		viewer bool // a viewer sees a confidential field on this route
	}{
		{"/collections/events/items?limit=1000", true},
		{"/collections/events/items/" + strconv.FormatInt(eventID, 10), true},
		{"/collections/events/items?limit=1000&crs=http://www.opengis.net/def/crs/EPSG/0/2154", true},
		{"/collections/sites/items?limit=1000", false},
		{"/collections/sites/items/bassins-filtrants-halle-partie-cedee/versions", true},
		{"/collections/sites/items/bassins-filtrants-halle-partie-cedee/versions/1", true},
		{"/collections/parcels/items?limit=1000", false},
		{"/collections/boundaries/items", false},
		{"/api/sites/" + siteID, true},
		{"/api/calendar", false},
		{"/api/calendar.csv", false},
		{"/api/calendar.ics", false},
		{"/api/dashboard", false},
		{"/api/config", false},
		{"/export/sites.geojson", false},
		{"/export/parcels.geojson", false},
		{"/export/sites.csv", false},
		{"/tiles/sites/14/8301/5639.mvt", false},
	}
	for _, rt := range routes {
		resp, body := e.call(t, "GET", rt.path, nil)
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
			t.Errorf("anonymous GET %s: %d %s", rt.path, resp.StatusCode, body)
			continue
		}
		if f := confidentialIn(body, secrets); f != "" {
			t.Errorf("anonymous GET %s shows %s", rt.path, f)
		}
		resp, body = e.as(t, auth.Viewer, "GET", rt.path, "")
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
			t.Errorf("viewer GET %s: %d %s", rt.path, resp.StatusCode, body)
			continue
		}
		if got := confidentialIn(body, secrets) != ""; got != rt.viewer {
			t.Errorf("viewer GET %s: confidential field shown %v; want %v", rt.path, got, rt.viewer)
		}
	}
	// The history is for signed-in users only.
	if resp, body := e.call(t, "GET", "/api/sites/"+siteID+"/history", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET history: %d %s; want 401", resp.StatusCode, body)
	}
}

// confidentialIn names a confidential field that body shows: a JSON member named as one
// with a value other than null or "", or one of the secret values anywhere in the bytes.
func confidentialIn(body []byte, secrets [][]byte) string {
	var v any
	if json.Unmarshal(body, &v) == nil {
		if f := confidentialMember(v); f != "" {
			return f
		}
	}
	for _, s := range secrets {
		if bytes.Contains(body, s) {
			return "the value " + strconv.Quote(string(s))
		}
	}
	return ""
}

func confidentialMember(v any) string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if _, ok := auth.ConfidentialFields()[k]; ok && x != nil && x != "" {
				return "member " + k
			}
			if f := confidentialMember(x); f != "" {
				return f
			}
		}
	case []any:
		for _, x := range v {
			if f := confidentialMember(x); f != "" {
				return f
			}
		}
	}
	return ""
}
