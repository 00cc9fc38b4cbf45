package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestOGCCommitmentsAsAPI checks the commitments collection against GET /api/commitments,
// which the domain computes: on every day tried, each feature has the status, progress and
// lateness the API gives that day, and the clause, axis, parties, firmness and due date.
// The SQL of the collection and the Go of the domain must not drift apart.
func TestOGCCommitmentsAsAPI(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	for _, day := range []string{"2019-06-30", "2021-03-16", "2021-12-31", "2022-01-01", "2024-06-30", ""} {
		t.Run("day="+day, func(t *testing.T) {
			var api struct {
				Items []commitmentJSON `json:"items"`
			}
			apiPath, ogcPath := "/api/commitments", "/collections/commitments/items?limit=1000"
			if day != "" {
				apiPath, ogcPath = apiPath+"?date="+day, ogcPath+"&datetime="+day
			}
			getJSON(t, srv, apiPath, &api)
			var fc ogcFC
			ogcGet(t, srv, ogcPath, 200, mediaGeoJSON, &fc)
			if len(fc.Features) != len(api.Items) || len(api.Items) < 30 {
				t.Fatalf("%d features, %d commitments from the API; want the same, at least 30", len(fc.Features), len(api.Items))
			}
			byID := map[string]ogcFeature{}
			for _, f := range fc.Features {
				byID[f.id()] = f
			}
			for _, c := range api.Items {
				f, ok := byID[c.ID]
				if !ok {
					t.Errorf("commitment %s is not a feature", c.ID)
					continue
				}
				want := map[string]any{
					"clause": c.Clause, "axis": c.Axis, "title": c.Title, "parties": strings.Join(c.Parties, ", "),
					"firmness": c.Firmness, "status": c.Status, "late": c.Late, "progress": nil,
					"due": nil, "due_precision": nil, "due_end": nil,
				}
				if c.Progress != nil {
					want["progress"] = float64(*c.Progress)
				}
				if c.Due != nil {
					want["due"], want["due_precision"], want["due_end"] = *c.Due, *c.DuePrecision, *c.DueLast
				}
				for k, v := range want {
					if got := f.Properties[k]; fmt.Sprint(got) != fmt.Sprint(v) {
						t.Errorf("%s: %s = %v; the API says %v", c.ID, k, got, v)
					}
				}
			}
		})
	}
}

// TestOGCCommitments checks what only the collection does: the geometry is the union of the
// commitment's sites (null without any), the CPCU management-mode decision due "d'ici fin
// 2021" is late on 1 January 2022, and the as-of properties filter.
func TestOGCCommitments(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)

	var f ogcFeature
	ogcGet(t, srv, "/collections/commitments/items/a2i-cpcu-mode-gestion?datetime=2022-01-01", 200, mediaGeoJSON, &f)
	if f.Properties["late"] != true || f.Properties["due"] != "2021-Q4" || f.Properties["due_start"] != "2021-10-01" {
		t.Errorf("a2i-cpcu-mode-gestion on 2022-01-01: %v; want late, due 2021-Q4 from 2021-10-01", f.Properties)
	}
	ogcGet(t, srv, "/collections/commitments/items/a2i-cpcu-mode-gestion?datetime=2021-12-31", 200, mediaGeoJSON, &f)
	if f.Properties["late"] != false {
		t.Errorf("a2i-cpcu-mode-gestion on 2021-12-31: late = %v; want false, the quarter has not ended", f.Properties["late"])
	}
	if f.Geometry == nil || f.Geometry.Type != "MultiPolygon" {
		t.Fatalf("a2i-cpcu-mode-gestion: geometry %v; want the MultiPolygon of the CPCU site", f.Geometry)
	}
	// Its area is that of the site's parts, as PostGIS computes it.
	var want, got float64
	err := st.Pool().QueryRow(context.Background(), `
		SELECT ST_Area(ST_Union(geom)),
		       ST_Area(ST_Transform(ST_GeomFromGeoJSON($1), 2154))
		  FROM site_parts WHERE site_id = 'cpcu-ivry'`, mustJSON(t, f.Geometry)).Scan(&want, &got)
	if err != nil {
		t.Fatal(err)
	}
	if want == 0 || got/want < 0.999 || got/want > 1.001 {
		t.Errorf("a2i-cpcu-mode-gestion: geometry of %.0f m²; the CPCU site's parts make %.0f m²", got, want)
	}
	ogcGet(t, srv, "/collections/commitments/items/a1-copil-mise-en-place", 200, mediaGeoJSON, &f)
	if f.Geometry != nil {
		t.Errorf("a1-copil-mise-en-place concerns no site: geometry %v; want null", f.Geometry)
	}

	for _, tt := range []struct{ query, sql string }{
		{"late=true&datetime=2022-01-01", ""},
		{"status=done", ""},
		{"axis=B", "axis = 'B'"},
		{"filter=" + url.QueryEscape("parties LIKE '%cpcu%'"), "'cpcu' = ANY (parties)"},
		{"filter=" + url.QueryEscape("due_end < DATE('2022-01-01')"), "period_end(due_start, due_precision) <= '2022-01-01'"},
		{"filter=" + url.QueryEscape("T_INTERSECTS(datetime, INTERVAL('2022-01-01','2022-12-31'))"),
			"due_start IS NOT NULL AND daterange(due_start, period_end(due_start, due_precision)) && daterange('2022-01-01', '2022-12-31', '[]')"},
		// No site, or sites whose parts are all unlocated.
		{"filter=" + url.QueryEscape("geometry IS NULL"), `NOT EXISTS (SELECT 1 FROM site_parts g WHERE g.geom IS NOT NULL
			AND (g.site_id IN (SELECT site_id FROM commitment_sites WHERE commitment_id = c.id)
			     OR g.id IN (SELECT part_id FROM commitment_parts WHERE commitment_id = c.id)))`},
	} {
		t.Run(tt.query, func(t *testing.T) {
			var fc ogcFC
			ogcGet(t, srv, "/collections/commitments/items?limit=1000&"+tt.query, 200, mediaGeoJSON, &fc)
			n := len(fc.Features)
			if tt.sql == "" {
				// Compared with the API, which the domain computes as of the day.
				q, _ := url.ParseQuery(tt.query)
				var api struct {
					Count int `json:"count"`
				}
				params := url.Values{}
				if q.Has("status") {
					params.Set("status", q.Get("status"))
				}
				if q.Has("datetime") {
					params.Set("date", q.Get("datetime"))
				}
				path := "/api/commitments?" + params.Encode()
				getJSON(t, srv, path, &api)
				want := 0
				if q.Has("late") {
					var all struct {
						Items []commitmentJSON `json:"items"`
					}
					getJSON(t, srv, path, &all)
					for _, c := range all.Items {
						if c.Late {
							want++
						}
					}
				} else {
					want = api.Count
				}
				if n != want || want == 0 {
					t.Errorf("%d features; want %d (and some)", n, want)
				}
				return
			}
			var want int
			if err := st.Pool().QueryRow(context.Background(), "SELECT count(*) FROM commitments c WHERE "+tt.sql).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if n != want || want == 0 {
				t.Errorf("%d features; want %d (and some)", n, want)
			}
		})
	}
}

// TestGDALReadsCommitments lists the commitments with GDAL's OGC API client, every one of
// them with its fields typed from the schema.
func TestGDALReadsCommitments(t *testing.T) {
	t.Parallel()
	srv, st := newTestServer(t)
	root := "OAPIF:" + srv.URL + "/"
	var ids []string
	rows, err := st.Pool().Query(context.Background(), "SELECT id FROM commitments ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) < 30 {
		t.Fatalf("%d commitments seeded; want at least 30", len(ids))
	}

	summary := runTool(t, "ogrinfo", "-ro", "-so", root, "commitments")
	if want := "Feature Count: " + strconv.Itoa(len(ids)); !strings.Contains(summary, want) {
		t.Errorf("ogrinfo -so commitments: no %q in\n%s", want, summary)
	}
	for field, typ := range map[string]string{"clause": "String", "axis": "String", "title": "String",
		"parties": "String", "due": "String", "due_precision": "String", "due_start": "Date", "due_end": "Date",
		"firmness": "String", "status": "String", "late": "Integer", "progress": "Integer"} {
		if !regexp.MustCompile(`(?m)^` + field + `: ` + typ).MatchString(summary) {
			t.Errorf("ogrinfo -so commitments: no field %s (%s) in\n%s", field, typ, summary)
		}
	}

	listing := runTool(t, "ogrinfo", "-ro", "-oo", "PAGE_SIZE=10", root, "commitments")
	if got := strings.Count(listing, "OGRFeature(commitments):"); got != len(ids) {
		t.Errorf("ogrinfo commitments: %d features; want %d", got, len(ids))
	}
	for _, id := range ids {
		if !strings.Contains(listing, "id (String) = "+id+"\n") {
			t.Errorf("ogrinfo commitments: %s is missing", id)
		}
	}
	if !strings.Contains(listing, "clause (String) = II.A.2.i\n") || !strings.Contains(listing, "MULTIPOLYGON") {
		t.Errorf("ogrinfo commitments: no clause II.A.2.i or no MultiPolygon in\n%s", listing)
	}
}

// mustJSON encodes v as JSON text.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
