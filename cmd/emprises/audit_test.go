package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/store"
)

// auditRow is a record of audit_log as the walk checks it.
type auditRow struct {
	ID       int64
	Who      string // the account's name, or the actor's
	Action   string
	EntityID string
	SiteID   string // "" for an account or a token
}

func (r auditRow) String() string { return r.Who + " " + r.Action + " " + r.EntityID }

// auditLog reads the records written since the last call.
type auditLog struct {
	t    *testing.T
	url  string
	last int64
}

func (a *auditLog) since() []auditRow {
	a.t.Helper()
	conn, err := pgx.Connect(a.t.Context(), a.url)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(a.t.Context(), `
		SELECT a.id, coalesce(u.name, a.actor), a.action, a.entity_id, coalesce(a.site_id, '')
		  FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
		 WHERE a.id > $1 ORDER BY a.id`, a.last)
	if err != nil {
		a.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[auditRow])
	if err != nil {
		a.t.Fatal(err)
	}
	if len(out) > 0 {
		a.last = out[len(out)-1].ID
	}
	return out
}

// expect checks that the records written since the last call are want ("who action
// entity" each), in order.
func (a *auditLog) expect(what string, want ...string) []auditRow {
	a.t.Helper()
	got := a.since()
	var texts []string
	for _, r := range got {
		texts = append(texts, r.String())
	}
	if !slices.Equal(texts, want) {
		a.t.Errorf("%s: audit records %q; want %q", what, texts, want)
	}
	return got
}

// TestEveryWriteIsAudited walks every write path, each command-line command that writes
// and each HTTP write route, and finds the audit records it leaves: one per write (and one
// per part that a write takes parcels from, or whose parcels an import changes), by
// cli:<os user> at the command line and by the account through the API. The changes to
// sites show in GET /api/sites/{id}/history. Before the command line was audited, link,
// rebuild, import cadastre, seed, users and tokens left no record.
func TestEveryWriteIsAudited(t *testing.T) {
	t.Parallel()
	c := newCadastreCLI(t)
	log := &auditLog{t: t, url: c.url}
	cli := cliActor(&env{getenv: func(k string) string { return "" }}).Name
	if u, err := user.Current(); err == nil && cli != "cli:"+u.Username {
		t.Errorf("command-line actor %q; want cli:%s", cli, u.Username)
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, errOut, err := c.run(args...)
		if err != nil {
			t.Fatalf("emprises %s: %v\n%s\n%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	lastLine := func(s string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return lines[len(lines)-1]
	}

	// Every command: those that write are walked below, the others say why not.
	readOnly := map[string]string{
		"serve":   "serves the API, whose write routes are walked below",
		"migrate": "changes the schema, not the data",
		"export":  "reads",
		"pack":    "reads, and writes a file",
		"suggest": "reads",
		"version": "reads nothing",
		"gen":     "writes a file, not the database",
	}
	walked := map[string]bool{}
	cliWrite := func(args ...string) string {
		t.Helper()
		walked[args[0]] = true
		return mustRun(args...)
	}

	// seed: one site.create per site added, none when nothing is added.
	cliWrite("seed")
	var want []string
	for _, id := range strings.Fields(c.list(`SELECT string_agg(id, ' ' ORDER BY id) FROM sites`)) {
		want = append(want, cli+" site.create "+id)
	}
	// and one creation per committee, commitment and meeting of the convention.
	for _, table := range []string{"committee", "commitment", "meeting"} {
		for _, id := range strings.Fields(c.list(`SELECT string_agg(id::text, ' ' ORDER BY id) FROM ` + table + `s`)) {
			want = append(want, cli+" "+table+".create "+id)
		}
	}
	slices.Sort(want)
	got := log.since()
	var texts []string
	for _, r := range got {
		texts = append(texts, r.String())
	}
	slices.Sort(texts)
	if len(want) == 0 || !slices.Equal(texts, want) {
		t.Errorf("seed: audit records %q; want %q", texts, want)
	}
	cliWrite("seed")
	log.expect("seed of a seeded database")

	// users and tokens.
	cliWrite("users", "add", "--name", "alice", "--role", "editor")
	log.expect("users add", cli+" account.create alice")
	cliWrite("users", "add", "--name", "ada", "--role", "admin")
	cliWrite("users", "add", "--name", "bob", "--role", "viewer")
	log.expect("users add", cli+" account.create ada", cli+" account.create bob")
	editor := lastLine(cliWrite("tokens", "create", "--user", "alice"))
	admin := lastLine(cliWrite("tokens", "create", "--user", "ada"))
	cliWrite("tokens", "create", "--user", "bob")
	tokens := log.since()
	if len(tokens) != 3 || tokens[0].Action != "token.create" || tokens[2].Who != cli {
		t.Fatalf("tokens create: audit records %v; want three token.create by %s", tokens, cli)
	}
	bobToken := tokens[2].EntityID
	cliWrite("tokens", "revoke", "--id", bobToken)
	log.expect("tokens revoke", cli+" token.revoke "+bobToken)
	cliWrite("users", "reset-password", "bob")
	log.expect("users reset-password", cli+" account.password bob")
	cliWrite("users", "disable", "bob")
	log.expect("users disable", cli+" account.disable bob")
	mustRun("users", "list")
	mustRun("tokens", "list")
	log.expect("users list, tokens list")

	// link, import cadastre, rebuild: each one record per part it changes.
	dir := t.TempDir()
	v1, v2 := filepath.Join(dir, "v1.json.gz"), filepath.Join(dir, "v2.json.gz")
	mustRun("gen", "cadastre", "--parcels", "300", "--seed", "4", "--out", v1)
	mustRun("gen", "cadastre", "--modify-from", v1, "--change-rate", "0.05", "--seed", "5", "--out", v2)
	const part, other = "usine-des-eaux-quartus", "cpcu-ivry-chaufferie"
	cliWrite("link", "--part", part, "--parcels", "A1,A2", "--reason", "acte de 1987")
	log.expect("link of parcels not imported yet", cli+" part.parcels "+part)
	cliWrite("import", "cadastre", v1)
	log.expect("import cadastre (the linked parcels get their outlines)", cli+" part.cadastre "+part)
	cliWrite("link", "--part", part, "--parcels", "A3", "--rebuild")
	rows := log.expect("link --rebuild, one change", cli+" part.parcels "+part)
	if len(rows) == 1 {
		var after struct {
			GeometryQuality string `json:"geometry_quality"`
		}
		c.scanJSON(`SELECT after FROM audit_log WHERE id = $1`, rows[0].ID, &after)
		if after.GeometryQuality != "cadastre" {
			t.Errorf("link --rebuild recorded the part with quality %q; want the rebuilt outline (cadastre) in the same record", after.GeometryQuality)
		}
	}
	cliWrite("rebuild", "--part", part)
	log.expect("rebuild", cli+" part.geometry_from_parcels "+part)
	// link --rebuild is one transaction: a rebuild refused (a parcel not imported yet)
	// leaves the link unmade too.
	if _, _, err := c.run("link", "--part", part, "--parcels", "ZZ1", "--rebuild"); err == nil || !strings.Contains(err.Error(), "not in the cadastre yet") {
		t.Errorf("link --rebuild with a parcel not imported: %v; want the rebuild refused", err)
	}
	if n := c.count(`SELECT count(*) FROM parcels WHERE id = '94041000ZZ0001'`); n != 0 {
		t.Errorf("link --rebuild refused, yet the parcel was linked")
	}
	log.expect("link --rebuild refused")
	cliWrite("link", "--part", other, "--parcels", "A3", "--move")
	log.expect("link --move (the part that loses the parcel, then the part that takes it)",
		cli+" part.unlink_parcel "+part, cli+" part.parcels "+other)
	cliWrite("link", "--part", other, "--parcels", "A3", "--unlink")
	log.expect("link --unlink", cli+" part.unlink_parcel "+other)
	cliWrite("import", "cadastre", v2)
	want = nil
	for _, p := range strings.Fields(c.list(`
		SELECT string_agg(DISTINCT part_id, ' ' ORDER BY part_id) FROM cadastre_changes
		 WHERE import_id = (SELECT max(id) FROM cadastre_imports)`)) {
		want = append(want, cli+" part.cadastre "+p)
	}
	log.expect("import cadastre of the next vintage", want...)

	for name := range commands() {
		if !walked[name] && readOnly[name] == "" {
			t.Errorf("command %q is neither walked as a write nor said to write nothing", name)
		}
	}

	// The API, over the same database.
	st, err := store.Open(t.Context(), c.url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	handler := httpapi.NewServer(st, httpapi.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := httptest.NewServer(handler)
	defer srv.Close()
	call := func(token, method, path, body, siteID string) []byte {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if siteID != "" {
			// "commitment:ID" and "meeting:ID" name the governance entity whose ETag is wanted.
			table, id, ok := strings.Cut(siteID, ":")
			if !ok {
				table, id = "site", siteID
			}
			req.Header.Set("If-Match", fmt.Sprintf(`"v%s"`, c.list(`SELECT version::text FROM `+table+`s WHERE id::text = '`+id+`'`)))
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return b
	}
	entityID := func(b []byte) string {
		var e struct {
			EntityID string `json:"entity_id"`
		}
		if err := json.Unmarshal(b, &e); err != nil || e.EntityID == "" {
			t.Fatalf("edit response %s: %v; want its entity_id", b, err)
		}
		return e.EntityID
	}

	const s = "terrain-de-l-audit"
	const inside = `{"type":"Polygon","coordinates":[[[2.4055,48.8157],[2.4065,48.8157],[2.4065,48.8163],[2.4055,48.8163],[2.4055,48.8157]]]}`
	const piece = `{"type":"Polygon","coordinates":[[[2.4055,48.8157],[2.4060,48.8157],[2.4060,48.8163],[2.4055,48.8163],[2.4055,48.8157]]]}`
	var event, milestone, meeting string
	const commitment = "engagement-de-l-audit"
	routes := []struct {
		route      string // as routes.go registers it
		token      string
		path, body string
		site       string         // the site whose ETag goes in If-Match, "" for none
		want       func() string  // the record the write leaves: action and entity
		after      func(b []byte) // reads what the next rows need
	}{
		{route: "POST /api/sites", token: editor, path: "/api/sites",
			body: `{"id":"` + s + `","name":"Terrain de l'audit","part":{"status":"in_use","status_since":"2020"}}`,
			want: func() string { return "site.create " + s }},
		{route: "PATCH /api/sites/{id}", token: editor, path: "/api/sites/" + s, body: `{"notes":"vu","reason":"visite"}`,
			site: s, want: func() string { return "site.update " + s }},
		{route: "PUT /api/parts/{id}/geometry", token: editor, path: "/api/parts/" + s + "/geometry",
			body: `{"geometry":` + inside + `,"crs":"CRS84","quality":"approximate","source":"dessin"}`,
			site: s, want: func() string { return "part.geometry " + s }},
		{route: "POST /api/parts/{id}/split", token: editor, path: "/api/parts/" + s + "/split",
			body: `{"geometry":` + piece + `,"label":"Moitié ouest","id":"` + s + `-ouest"}`,
			site: s, want: func() string { return "part.split " + s }},
		{route: "POST /api/parts/{id}/status", token: editor, path: "/api/parts/" + s + "/status",
			body: `{"status":"released","date":"2025-02","reason":"libéré","correction":true}`,
			site: s, want: func() string { return "part.status_correction " + s }},
		{route: "POST /api/parts/{id}/parcels", token: editor, path: "/api/parts/" + s + "/parcels",
			body: `{"ids":["94041000AZ0056"]}`, site: s, want: func() string { return "part.parcels " + s }},
		{route: "DELETE /api/parts/{id}/parcels/{parcel}", token: editor, path: "/api/parts/" + s + "/parcels/94041000AZ0056",
			site: s, want: func() string { return "part.unlink_parcel " + s }},
		{route: "POST /api/sites/{id}/events", token: editor, path: "/api/sites/" + s + "/events",
			body: `{"kind":"committee_review","date":"2026-Q4","planned":true,"title":"Comité"}`,
			site: s, after: func(b []byte) { event = entityID(b) }, want: func() string { return "event.create " + event }},
		{route: "PATCH /api/events/{id}", token: editor, path: "/api/events/{event}", body: `{"title":"Comité n° 2"}`,
			site: s, want: func() string { return "event.update " + event }},
		{route: "DELETE /api/events/{id}", token: editor, path: "/api/events/{event}",
			site: s, want: func() string { return "event.cancel " + event }},
		{route: "DELETE /api/events/{id}", token: editor, path: "/api/events/{event}?mode=delete",
			site: s, want: func() string { return "event.delete " + event }},
		{route: "POST /api/events/{id}/restore", token: admin, path: "/api/events/{event}/restore", body: `{"reason":"erreur"}`,
			site: s, want: func() string { return "event.restore " + event }},
		{route: "POST /api/sites/{id}/milestones", token: editor, path: "/api/sites/" + s + "/milestones",
			body: `{"kind":"release","label":"Libération","date":"2027-Q2"}`,
			site: s, after: func(b []byte) { milestone = entityID(b) }, want: func() string { return "milestone.create " + milestone }},
		{route: "POST /api/milestones/{id}/plans", token: editor, path: "/api/milestones/{milestone}/plans",
			body: `{"date":"2028","reason":"retard"}`, site: s, want: func() string { return "milestone.plan " + milestone }},
		{route: "PUT /api/milestones/{id}/actual", token: editor, path: "/api/milestones/{milestone}/actual",
			body: `{"date":"2025-11"}`, site: s, want: func() string { return "milestone.actual " + milestone }},
		{route: "POST /api/commitments", token: editor, path: "/api/commitments",
			body: `{"id":"` + commitment + `","clause":"II.A.2.i","axis":"A","title":"t","parties":["paris"],"firmness":"commits","sources":["s"]}`,
			want: func() string { return "commitment.create " + commitment }},
		{route: "PATCH /api/commitments/{id}", token: editor, path: "/api/commitments/" + commitment, body: `{"title":"t2"}`,
			site: "commitment:" + commitment, want: func() string { return "commitment.update " + commitment }},
		{route: "POST /api/commitments/{id}/follow-ups", token: editor, path: "/api/commitments/" + commitment + "/follow-ups",
			body: `{"date":"2024-01-10","source":"s"}`, site: "commitment:" + commitment,
			want: func() string { return "commitment.follow_up " + commitment }},
		{route: "POST /api/committees", token: editor, path: "/api/committees",
			body: `{"id":"gt-berges","kind":"working_group","name":"Berges","sources":["s"],"cadences":[{"months":4,"clause":"III"}]}`,
			want: func() string { return "committee.create gt-berges" }},
		{route: "POST /api/meetings", token: editor, path: "/api/meetings", body: `{"committee_id":"cotech","date":"2024-01-10","state":"held"}`,
			after: func(b []byte) { meeting = entityID(b) }, want: func() string { return "meeting.create " + meeting }},
		{route: "PATCH /api/meetings/{id}", token: editor, path: "/api/meetings/{meeting}", body: `{"place":"Ivry"}`,
			site: "meeting:{meeting}", want: func() string { return "meeting.update " + meeting }},
		{route: "POST /api/meetings/{id}/agenda", token: editor, path: "/api/meetings/{meeting}/agenda", body: `{"title":"t"}`,
			site: "meeting:{meeting}", want: func() string { return "meeting.agenda_item " + meeting }},
		{route: "POST /api/meetings/{id}/decisions", token: editor, path: "/api/meetings/{meeting}/decisions", body: `{"text":"d"}`,
			site: "meeting:{meeting}", want: func() string { return "meeting.decision " + meeting }},
		{route: "DELETE /api/sites/{id}", token: editor, path: "/api/sites/" + s, body: `{"reason":"doublon"}`,
			site: s, want: func() string { return "site.delete " + s }},
		{route: "POST /api/sites/{id}/restore", token: admin, path: "/api/sites/" + s + "/restore", body: `{"reason":"pas un doublon"}`,
			site: s, want: func() string { return "site.restore " + s }},
	}
	// Sign-in and sign-out change sessions, not data: they are not audited.
	covered := map[string]bool{"POST /api/session": true, "DELETE /api/session": true}
	for _, r := range routes {
		method, _, _ := strings.Cut(r.route, " ")
		ids := strings.NewReplacer("{event}", event, "{milestone}", milestone, "{meeting}", meeting)
		b := call(r.token, method, ids.Replace(r.path), r.body, ids.Replace(r.site))
		if r.after != nil {
			r.after(b)
		}
		who := "alice"
		if r.token == admin {
			who = "ada"
		}
		log.expect(r.route, who+" "+r.want())
		covered[r.route] = true
	}
	err = chi.Walk(handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions && !covered[method+" "+route] {
			t.Errorf("write route %s %s is not walked", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Every change to a site shows in its history, with its actor.
	partSite := c.list(`SELECT site_id FROM site_parts WHERE id = '` + part + `'`)
	otherSite := c.list(`SELECT site_id FROM site_parts WHERE id = '` + other + `'`)
	if partSite == otherSite {
		t.Fatalf("parts %s and %s are of one site; the move must cross sites", part, other)
	}
	for _, siteID := range []string{s, partSite, otherSite} {
		var h struct {
			Items []struct {
				ID   int64  `json:"id"`
				User string `json:"user"`
			} `json:"items"`
		}
		if err := json.Unmarshal(call(editor, "GET", "/api/sites/"+siteID+"/history", "", ""), &h); err != nil {
			t.Fatal(err)
		}
		var shown []string
		for _, it := range h.Items {
			shown = append(shown, fmt.Sprintf("%d %s", it.ID, it.User))
		}
		recorded := strings.Fields(c.list(`
			SELECT string_agg(a.id || '_' || coalesce(u.name, a.actor), ' ' ORDER BY a.id DESC)
			  FROM audit_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.site_id = '` + siteID + `'`))
		for i := range recorded {
			recorded[i] = strings.Replace(recorded[i], "_", " ", 1)
		}
		if len(recorded) < 2 || !slices.Equal(shown, recorded) {
			t.Errorf("history of %s shows %q; want every record of the site, %q", siteID, shown, recorded)
		}
	}
}

// list runs a query that returns one text value, "" for NULL.
func (c *cadastreCLI) list(query string) string {
	c.t.Helper()
	conn, err := pgx.Connect(c.t.Context(), c.url)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var s *string
	if err := conn.QueryRow(c.t.Context(), query).Scan(&s); err != nil {
		c.t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// scanJSON decodes the JSON value a query returns into v.
func (c *cadastreCLI) scanJSON(query string, arg any, v any) {
	c.t.Helper()
	conn, err := pgx.Connect(c.t.Context(), c.url)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var b []byte
	if err := conn.QueryRow(c.t.Context(), query, arg).Scan(&b); err != nil {
		c.t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatal(err)
	}
}
