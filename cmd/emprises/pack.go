package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emprises/emprises/internal/pack"
	"github.com/emprises/emprises/internal/site"
)

// runPack writes a meeting's committee pack as a workbook: the same file as GET
// /api/meetings/{id}/pack.xlsx.
func runPack(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "pack", "pack --meeting ID --out FILE.xlsx")
	d.register(fs, e)
	meeting := fs.Int64("meeting", 0, "the meeting's id (GET /api/meetings lists them)")
	out := fs.String("out", "", "the workbook to write, FILE.xlsx")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *meeting <= 0:
		return usageError{"pack: --meeting ID is required: a meeting's id, as GET /api/meetings lists them"}
	case *out == "":
		return usageError{"pack: --out FILE.xlsx is required"}
	case !strings.HasSuffix(strings.ToLower(*out), ".xlsx"):
		return usageError{fmt.Sprintf("pack: --out %q: the pack is a workbook, FILE.xlsx", *out)}
	}
	db, err := openDatabase(ctx, e, d, true)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	p, err := pack.Build(ctx, db.store, *meeting, site.TodayAt(e.now()))
	if errors.Is(err, pack.ErrNoMeeting) {
		return fmt.Errorf("pack: there is no meeting %d (GET /api/meetings lists the meetings and their ids)", *meeting)
	}
	if err != nil {
		return err
	}
	if err := writeOutput(e, *out, func(w io.Writer) error { return p.WriteXLSX(w) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "pack: %s written to %s\n", p.Name, *out)
	return nil
}
