package site

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// shapeNamed is a shape told apart by its name alone.
func shapeNamed(name string) Shape {
	return Shape{Geometry: json.RawMessage(`"` + name + `"`), Quality: QualityApproximate, Source: "source " + name}
}

func statusRecord(st Status, from, until, by, at string) StatusRecord {
	r := StatusRecord{StatusPeriod: StatusPeriod{Status: st, From: MustParseDate(from), Reason: "why " + string(st)},
		Recorded: Recording{By: by, Reason: "recorded " + string(st)}}
	if until != "" {
		u := day(until)
		r.Until = &u
	}
	if at != "" {
		r.Recorded.At = instant(at)
	}
	return r
}

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func shapeChange(at, before, by string) ShapeChange {
	return ShapeChange{Before: shapeNamed(before), Recording: Recording{At: instant(at), By: by, Reason: "drawn by " + by}}
}

// versionLine sums a version up: "n status from..until shape by".
func versionLine(v PartVersion) string {
	until := ""
	if v.Until != nil {
		until = v.Until.Format(time.DateOnly)
	}
	var name string
	json.Unmarshal(v.Shape.Geometry, &name) //nolint:errcheck // the test's own shapes
	return fmt.Sprintf("%d %s %s..%s %s %s", v.N, v.Status, v.From.Format(time.DateOnly), until, name, v.Change.By)
}

func TestPartVersions(t *testing.T) {
	// The filter basins' ceded part, as seeded in 2026: in use, disposal, ceded.
	seeded := []StatusRecord{
		statusRecord(StatusInUse, "2006", "2018-10-01", "cli:seed", "2026-01-05T09:00:00Z"),
		statusRecord(StatusDisposalInProgress, "2018-Q4", "2019-01-01", "cli:seed", "2026-01-05T09:00:00Z"),
		statusRecord(StatusCeded, "2019-Q1", "", "cli:seed", "2026-01-05T09:00:00Z"),
	}
	tests := []struct {
		name     string
		statuses []StatusRecord
		changes  []ShapeChange
		want     []string
	}{
		{"statuses alone", seeded, nil, []string{
			"1 in_use 2006-01-01..2018-10-01 now cli:seed",
			"2 disposal_in_progress 2018-10-01..2019-01-01 now cli:seed",
			"3 ceded 2019-01-01.. now cli:seed",
		}},
		{"an outline redrawn: the current status splits, earlier versions keep the old outline", seeded,
			[]ShapeChange{shapeChange("2026-03-10T10:00:00Z", "square", "alice")}, []string{
				"1 in_use 2006-01-01..2018-10-01 square cli:seed",
				"2 disposal_in_progress 2018-10-01..2019-01-01 square cli:seed",
				"3 ceded 2019-01-01..2026-03-10 square cli:seed",
				"4 ceded 2026-03-10.. now alice",
			}},
		{"two changes on one day count as the day's last", seeded, []ShapeChange{
			shapeChange("2026-03-10T10:00:00Z", "square", "alice"),
			shapeChange("2026-03-10T11:00:00Z", "sketch", "bob"),
		}, []string{
			"1 in_use 2006-01-01..2018-10-01 square cli:seed",
			"2 disposal_in_progress 2018-10-01..2019-01-01 square cli:seed",
			"3 ceded 2019-01-01..2026-03-10 square cli:seed",
			"4 ceded 2026-03-10.. now bob",
		}},
		{"a change undone the same day begins no version", seeded, []ShapeChange{
			shapeChange("2026-03-10T10:00:00Z", "now", "alice"),
			shapeChange("2026-03-10T11:00:00Z", "wrong", "alice"),
		}, []string{
			"1 in_use 2006-01-01..2018-10-01 now cli:seed",
			"2 disposal_in_progress 2018-10-01..2019-01-01 now cli:seed",
			"3 ceded 2019-01-01.. now cli:seed",
		}},
		{"the day is Paris's: 23:30 UTC in March is the next day", seeded,
			[]ShapeChange{shapeChange("2026-03-10T23:30:00Z", "square", "alice")}, []string{
				"1 in_use 2006-01-01..2018-10-01 square cli:seed",
				"2 disposal_in_progress 2018-10-01..2019-01-01 square cli:seed",
				"3 ceded 2019-01-01..2026-03-11 square cli:seed",
				"4 ceded 2026-03-11.. now alice",
			}},
		{"changes in two status periods", []StatusRecord{
			statusRecord(StatusInUse, "2006", "2026-05-01", "cli:seed", "2026-01-05T09:00:00Z"),
			statusRecord(StatusUnderStudy, "2026-05-01", "", "carol", "2026-05-02T08:00:00Z"),
		}, []ShapeChange{
			shapeChange("2026-02-01T10:00:00Z", "square", "alice"),
			shapeChange("2026-06-01T10:00:00Z", "parcels", "bob"),
		}, []string{
			"1 in_use 2006-01-01..2026-02-01 square cli:seed",
			"2 in_use 2026-02-01..2026-05-01 parcels alice",
			"3 under_study 2026-05-01..2026-06-01 parcels carol",
			"4 under_study 2026-06-01.. now bob",
		}},
		{"a status and a change on one day: one version, by the later recording", []StatusRecord{
			statusRecord(StatusInUse, "2006", "2026-05-01", "cli:seed", "2026-01-05T09:00:00Z"),
			statusRecord(StatusUnderStudy, "2026-05-01", "", "carol", "2026-05-01T08:00:00Z"),
		}, []ShapeChange{shapeChange("2026-05-01T10:00:00Z", "square", "alice")}, []string{
			"1 in_use 2006-01-01..2026-05-01 square cli:seed",
			"2 under_study 2026-05-01.. now alice",
		}},
		{"a status recorded after the change that began its day keeps its recorder", []StatusRecord{
			statusRecord(StatusInUse, "2006", "2026-05-01", "cli:seed", "2026-01-05T09:00:00Z"),
			statusRecord(StatusUnderStudy, "2026-05-01", "", "carol", "2026-05-01T12:00:00Z"),
		}, []ShapeChange{shapeChange("2026-05-01T10:00:00Z", "square", "alice")}, []string{
			"1 in_use 2006-01-01..2026-05-01 square cli:seed",
			"2 under_study 2026-05-01.. now carol",
		}},
		{"a change before the first status begins none", []StatusRecord{
			statusRecord(StatusInUse, "2030", "", "dave", "2026-01-05T09:00:00Z"),
		}, []ShapeChange{shapeChange("2026-03-10T10:00:00Z", "square", "alice")}, []string{
			"1 in_use 2030-01-01.. now dave",
		}},
		{"a gap between statuses: the part did not exist", []StatusRecord{
			statusRecord(StatusInUse, "2006", "2010-01-01", "cli:seed", ""),
			statusRecord(StatusUnderStudy, "2012", "", "", ""),
		}, nil, []string{
			"1 in_use 2006-01-01..2010-01-01 now cli:seed",
			"2 under_study 2012-01-01.. now ",
		}},
		{"statuses given out of order", []StatusRecord{seeded[2], seeded[0], seeded[1]}, nil, []string{
			"1 in_use 2006-01-01..2018-10-01 now cli:seed",
			"2 disposal_in_progress 2018-10-01..2019-01-01 now cli:seed",
			"3 ceded 2019-01-01.. now cli:seed",
		}},
		{"no status: no version", nil, []ShapeChange{shapeChange("2026-03-10T10:00:00Z", "square", "alice")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range PartVersions(tt.statuses, tt.changes, shapeNamed("now")) {
				got = append(got, versionLine(v))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("PartVersions =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestPartVersionsKeepStatusAndShapeDetails(t *testing.T) {
	h := PartHistory{
		Statuses: []StatusRecord{statusRecord(StatusCeded, "2019-Q1", "", "cli:seed", "2026-01-05T09:00:00Z")},
		Changes:  []ShapeChange{shapeChange("2026-03-10T10:00:00Z", "square", "alice")},
		Current:  Shape{Quality: QualityUnlocated},
	}
	vs := h.Versions()
	if len(vs) != 2 {
		t.Fatalf("Versions() = %d versions; want 2", len(vs))
	}
	first, last := vs[0], vs[1]
	if first.StatusSince.String() != "2019-Q1" || first.StatusReason != "why ceded" || first.Change.Reason != "recorded ceded" {
		t.Errorf("first version: since %s, reason %q, change reason %q; want 2019-Q1, the status's, its recording's",
			first.StatusSince, first.StatusReason, first.Change.Reason)
	}
	if first.Shape.Source != "source square" || first.Shape.Quality != QualityApproximate {
		t.Errorf("first version: shape %+v; want the one the change replaced", first.Shape)
	}
	if last.Shape.Geometry != nil || last.Shape.Quality != QualityUnlocated || last.Change.Reason != "drawn by alice" {
		t.Errorf("last version: shape %+v, change %+v; want the current (unlocated) shape, alice's change", last.Shape, last.Change)
	}
}

func TestVersionOn(t *testing.T) {
	vs := PartVersions([]StatusRecord{
		statusRecord(StatusInUse, "2006", "2018-10-01", "", ""),
		statusRecord(StatusCeded, "2019", "", "", ""),
	}, nil, shapeNamed("now"))
	tests := []struct {
		day  string
		want int // the version's N; 0 for none
	}{
		{"2005-12-31", 0},
		{"2006-01-01", 1},
		{"2014-01-01", 1},
		{"2018-09-30", 1},
		{"2018-10-01", 0}, // between the two: the part had no status
		{"2019-01-01", 2},
		{"2100-01-01", 2},
	}
	for _, tt := range tests {
		v, ok := VersionOn(vs, day(tt.day))
		if got := map[bool]int{true: v.N}[ok]; got != tt.want {
			t.Errorf("VersionOn(%s) = %d, %v; want %d", tt.day, v.N, ok, tt.want)
		}
	}
}
