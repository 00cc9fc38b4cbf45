package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestPack(t *testing.T) {
	t.Parallel()
	dbURL, pool := seededDB(t)
	var id int64
	if err := pool.QueryRow(t.Context(), `SELECT id FROM meetings WHERE committee_id = 'copil' AND day = '2021-03-17'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	e := testEnv(dbURL, func() time.Time { return time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC) })
	out := filepath.Join(t.TempDir(), "dossier.xlsx")
	if err := runPack(context.Background(), e, []string{"--meeting", strconv.FormatInt(id, 10), "--out", out}); err != nil {
		t.Fatalf("pack: %v", err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatalf("pack wrote no workbook: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 4 {
		t.Fatalf("sheets %v; want four, one per part", got)
	}
	rows, err := f.GetRows("Ordre du jour et actions")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rows[1][0], "COPIL du 17/03/2021") || !strings.Contains(rows[1][0], "édité le 04/05/2026") {
		t.Errorf("title %q; want the meeting and the day the pack was made", rows[1][0])
	}
	var agenda int
	for _, r := range rows[4:] {
		if r[0] == "Ordre du jour" {
			agenda++
		}
	}
	if agenda != 3 {
		t.Errorf("%d agenda items in the pack; the seed's COPIL has 3", agenda)
	}

	tests := []struct {
		name string
		args []string
		want string // in the error
		code int
	}{
		{"unknown meeting", []string{"--meeting", "999999", "--out", out + "2.xlsx"}, "no meeting 999999", 1},
		{"no meeting", []string{"--out", out}, "--meeting ID is required", 2},
		{"no file", []string{"--meeting", "1"}, "--out FILE.xlsx is required", 2},
		{"not a workbook", []string{"--meeting", "1", "--out", "dossier.csv"}, "FILE.xlsx", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runPack(context.Background(), e, tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) || exitCode(err) != tt.code {
				t.Errorf("pack %v = %v (exit %d); want an error saying %q, exit %d", tt.args, err, exitCode(err), tt.want, tt.code)
			}
		})
	}
	if _, err := os.Stat(out + "2.xlsx"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a pack for a meeting that does not exist left a file: %v", err)
	}
	if _, ok := commands()["pack"]; !ok {
		t.Errorf("the pack subcommand is not registered")
	}
}
