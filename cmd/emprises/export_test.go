package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

const exportTestPart = "cpcu-ivry-chaufferie"

// seededDB is a test database with the reference sites, by the seed command itself.
func seededDB(t *testing.T) (dbURL string, pool *pgxpool.Pool) {
	t.Helper()
	dbURL = pgtest.NewDBURL(t)
	e := testEnv(dbURL, time.Now)
	if err := runSeed(context.Background(), e, nil); err != nil {
		t.Fatalf("seed: %v", err)
	}
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return dbURL, pool
}

// testEnv runs commands against dbURL with the given clock, output discarded.
func testEnv(dbURL string, now func() time.Time) *env {
	return &env{
		getenv: func(k string) string {
			if k == "DATABASE_URL" {
				return dbURL
			}
			return ""
		},
		stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, now: now,
	}
}

// exportedPart runs export with args and returns the test part's first position, its
// status and the file's "crs" member.
func exportedPart(t *testing.T, e *env, args ...string) (pos [2]float64, status any, crsMember string) {
	t.Helper()
	var out bytes.Buffer
	e.stdout = &out
	if err := runExport(context.Background(), e, args); err != nil {
		t.Fatalf("export %q: %v", args, err)
	}
	return partOf(t, "export "+strings.Join(args, " "), out.Bytes())
}

func partOf(t *testing.T, what string, body []byte) (pos [2]float64, status any, crsMember string) {
	t.Helper()
	var fc struct {
		CRS *struct {
			Properties struct{ Name string } `json:"properties"`
		} `json:"crs"`
		featureCollection
	}
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if fc.CRS != nil {
		crsMember = fc.CRS.Properties.Name
	}
	for _, f := range fc.Features {
		if f.ID == exportTestPart && f.Geometry != nil {
			p := f.Geometry.Coordinates[0][0][0]
			return [2]float64{p[0], p[1]}, f.Properties["status"], crsMember
		}
	}
	t.Fatalf("%s: no located feature %s", what, exportTestPart)
	return
}

// TestExportCRSOneMeaning: every spelling site.ParseCRS accepts means, in export --crs, the
// CRS and axis order it means on the HTTP download: the same file either way.
func TestExportCRSOneMeaning(t *testing.T) {
	t.Parallel()
	dbURL, pool := seededDB(t)
	srv := httptest.NewServer(httpapi.NewServer(store.New(pool), httpapi.Config{}, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	e := testEnv(dbURL, time.Now)
	lonLat, _, _ := exportedPart(t, e) // the default: CRS84
	if lonLat[0] < 2 || lonLat[0] > 3 {
		t.Fatalf("export: first position %v; want longitude (2.4) first", lonLat)
	}
	for _, crs := range site.CRSs() {
		for _, name := range crs.Names() {
			t.Run(name, func(t *testing.T) {
				got, _, member := exportedPart(t, e, "--crs", name)
				resp, err := srv.Client().Get(srv.URL + "/export/sites.geojson?crs=" + url.QueryEscape(name))
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /export/sites.geojson?crs=%s: %d %v", name, resp.StatusCode, err)
				}
				viaHTTP, _, httpMember := partOf(t, "GET ?crs="+name, body)
				if got != viaHTTP || member != httpMember {
					t.Errorf("export --crs %q: %v, crs member %q; the HTTP download gives %v, %q", name, got, member, viaHTTP, httpMember)
				}
				switch {
				case crs.SRID == site.SRIDLambert93:
					if !inIvryL93(got[0], got[1]) {
						t.Errorf("export --crs %q: first position %v; want Lambert-93 metres", name, got)
					}
				case crs.LatFirst:
					if got != [2]float64{lonLat[1], lonLat[0]} {
						t.Errorf("export --crs %q: first position %v; want %v, latitude first", name, got, [2]float64{lonLat[1], lonLat[0]})
					}
				default:
					if got != lonLat {
						t.Errorf("export --crs %q: first position %v; want %v, longitude first", name, got, lonLat)
					}
				}
			})
		}
	}
}

// TestExportTodayInParis: export's default --date is the day in Paris, which just after
// midnight there is not yet the UTC day.
func TestExportTodayInParis(t *testing.T) {
	t.Parallel()
	dbURL, pool := seededDB(t)
	// The part is released on 1 March 2026.
	if _, err := pool.Exec(context.Background(), `
		UPDATE site_parts SET status = 'released', status_since = '2026-03-01', status_since_precision = 'day'
		 WHERE id = $1`, exportTestPart); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now          time.Time
		wantReleased bool
	}{
		{time.Date(2026, 2, 28, 22, 30, 0, 0, time.UTC), false}, // 23:30 on 28 February in Paris
		{time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC), true},  // 00:30 on 1 March in Paris
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.RFC3339), func(t *testing.T) {
			_, status, _ := exportedPart(t, testEnv(dbURL, func() time.Time { return tt.now }))
			if (status == "released") != tt.wantReleased {
				t.Errorf("export at %v: %s is %v; want released = %v", tt.now, exportTestPart, status, tt.wantReleased)
			}
		})
	}
}
