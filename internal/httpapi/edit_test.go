package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/emprises/emprises/internal/auth"
)

func TestEditorEditShowsInSiteAndHistory(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	const id = "cpcu-ivry"
	before := e.etag(t, id)
	out := e.edit(t, "PATCH", "/api/sites/"+id, id, `{"name":"Chaufferie CPCU (renommée)","reason":"comité du 12"}`)
	if out.ETag == before {
		t.Errorf("PATCH kept the ETag %s; want a new one", before)
	}
	var detail struct {
		Name string `json:"name"`
	}
	resp, body := e.call(t, "GET", "/api/sites/"+id, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/sites/%s: %d %s", id, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &detail); err != nil || detail.Name != "Chaufferie CPCU (renommée)" {
		t.Errorf("GET /api/sites/%s name = %q, %v; want the new name", id, detail.Name, err)
	}
	resp, body = e.as(t, auth.Viewer, "GET", "/api/sites/"+id+"/history", "")
	var h historyResponse
	if err := json.Unmarshal(body, &h); err != nil || len(h.Items) != 1 {
		t.Fatalf("history = %s, %v; want one record", body, err)
	}
	rec := h.Items[0]
	if rec.User != "alice" || rec.Action != "site.update" || rec.Reason != "comité du 12" ||
		!strings.Contains(string(rec.Before), "Chaufferie") || !strings.Contains(string(rec.After), "renommée") {
		t.Errorf("history record = %+v before %s after %s; want alice's site.update with before and after", rec, rec.Before, rec.After)
	}
	if resp.Header.Get("ETag") != out.ETag {
		t.Errorf("history ETag %q; want %q", resp.Header.Get("ETag"), out.ETag)
	}
}
