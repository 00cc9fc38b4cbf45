package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/emprises/emprises/internal/cadastre"
	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// runImport imports a file: "import cadastre FILE".
func runImport(ctx context.Context, e *env, args []string) error {
	return cadastreSubcommand(ctx, e, "import", "[flags] FILE", args, runImportCadastre)
}

// cadastreSubcommand runs "<verb> cadastre …", the only thing import and gen know how to
// do yet, and explains the form when the object is missing or help is asked.
func cadastreSubcommand(ctx context.Context, e *env, verb, synopsis string, args []string,
	run func(context.Context, *env, []string) error) error {
	if len(args) > 0 && args[0] == "cadastre" {
		return run(ctx, e, args[1:])
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprintf(e.stderr, "Usage: emprises %s cadastre %s\n\nRun \"emprises %s cadastre --help\" for the flags.\n", verb, synopsis, verb)
		return flag.ErrHelp
	}
	return usageError{fmt.Sprintf("%s: say what: emprises %s cadastre %s", verb, verb, synopsis)}
}

// runImportCadastre imports an Etalab parcel file.
func runImportCadastre(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "import cadastre", "import cadastre [flags] FILE|URL\n\n"+
		"Imports an Etalab parcel file (cadastre-94041-parcelles.json.gz, gzipped or not) into the\n"+
		"cadastre, in one transaction: a bad file changes nothing. An http(s) URL is downloaded as\n"+
		"it is read, never stored: a download cut short imports nothing. Re-importing a newer vintage\n"+
		"updates the parcels and lists those split, merged, removed or changed, those linked to\n"+
		"a site part first. Progress goes to standard error, the report to standard output.\n\n"+
		"A file that would take away more than 5 % of a commune's parcels (a file holding only\n"+
		"part of it, say), or a parcel's link to a site part, is refused with a list of what\n"+
		"would go, unless --allow-removals. --dry-run prints the same report and every change,\n"+
		"and writes nothing.")
	d.register(fs, e)
	vintage := fs.String("vintage", "", "the file's vintage, YYYY-MM-DD (default: its latest \"updated\" date)")
	force := fs.Bool("force", false, "import even a file already imported, or older than the last vintage")
	all := fs.Bool("all", false, "list every change, not only the first 50 beyond those linked to a site")
	allowRemovals := fs.Bool("allow-removals", false, "import even a file that takes away more than 5 % of a commune's parcels, or links to site parts")
	dryRun := fs.Bool("dry-run", false, "compare the file with the cadastre and print the report; write nothing")
	file, err := parseFlagsWithArg(fs, args, "FILE or URL")
	if err != nil {
		return err
	}
	// Flags are checked before the file is opened: a usage error is said as one.
	var vintageDay time.Time
	if *vintage != "" {
		if vintageDay, err = dayFlag(fs, "vintage", *vintage); err != nil {
			return err
		}
	}
	src, err := openImportSource(ctx, file)
	if err != nil {
		return fmt.Errorf("import cadastre: %s: %w; nothing was imported", file, err)
	}
	defer src.body.Close()
	imp := store.CadastreImport{FileName: src.base, SHA256: src.sha256,
		Force: *force, AllowRemovals: *allowRemovals, DryRun: *dryRun}
	if src.url {
		imp.Digest = src.digest
	}
	if !vintageDay.IsZero() {
		imp.Vintage = vintageDay
	}

	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	// A download's digest is known only once it is read: the vintage check refuses an
	// older file then, and the same file again reports every parcel unchanged.
	if !*force && !*dryRun && imp.SHA256 != "" {
		prev, err := db.store.FindCadastreImportBySHA256(ctx, imp.SHA256)
		if err == nil && prev.Latest {
			fmt.Fprintf(e.stdout, "%s was already imported (import %d, vintage %s, %s): nothing to do; --force imports it again\n",
				file, prev.ID, prev.Vintage.Format(time.DateOnly), prev.FinishedAt.Format("2006-01-02 15:04"))
			return nil
		}
		if err != nil && !errors.Is(err, site.ErrNotFound) {
			return err
		}
	}

	// The reader keeps little alive (one feature at a time), so the collector can let the
	// heap grow a few times over it and run less often: the import spends its time reading.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	if src.url {
		fmt.Fprintf(e.stderr, "import: downloading %s (%s)\n", file, megabytes(src.total))
	}
	r, err := cadastre.NewReader(src.body)
	if err != nil {
		return fmt.Errorf("import cadastre: %s: %w; nothing was imported", file, err)
	}
	p := startProgress(e.stderr, r, src.total)
	imp.Progress = p.phase
	started := time.Now()
	report, err := db.store.ImportCadastre(ctx, cliActor(e), r, imp)
	p.stop(err == nil)
	if err != nil {
		var fe *cadastre.FeatureError
		if errors.As(err, &fe) {
			return fmt.Errorf("import cadastre: %s: %w; nothing was imported", file, fe)
		}
		var re *store.RemovalsError
		if errors.As(err, &re) {
			printRemovals(e.stdout, re.Removals)
			return fmt.Errorf("import cadastre: %w; nothing was imported", re)
		}
		return fmt.Errorf("%w; nothing was imported", err)
	}
	if report.DryRun {
		fmt.Fprintf(e.stdout, "Dry run: nothing was written.\n")
		printRemovals(e.stdout, report.Removals)
		if report.Removals.Refused() {
			fmt.Fprintln(e.stdout, "The import would be refused without --allow-removals.")
		}
		fmt.Fprintln(e.stdout)
	}
	printCadastreReport(e.stdout, file, report, time.Since(started), *all)
	return nil
}

// printRemovals lists what an import takes away: parcels gone per commune, and links to
// site parts that no parcel carries on.
func printRemovals(w io.Writer, r store.CadastreRemovals) {
	if len(r.Communes) == 0 && len(r.Linked) == 0 {
		fmt.Fprintln(w, "No parcel taken away.")
		return
	}
	if len(r.Communes) > 0 {
		fmt.Fprintf(w, "Parcels taken away, per commune (at most %.0f %% without --allow-removals):\n", 100*store.RemovalShare)
		for _, c := range r.Communes {
			over := ""
			if c.TooMany() {
				over = "  too many"
			}
			fmt.Fprintf(w, "  %s  %d of %d (%.1f %%), %d of them with no parcel over their land%s\n",
				c.Commune, c.Gone, c.Parcels, 100*float64(c.Gone)/float64(max(c.Parcels, 1)), c.Removed, over)
		}
	}
	if len(r.Linked) > 0 {
		fmt.Fprintln(w, "Parcels linked to site parts whose link would go (no parcel over their land keeps the part):")
		for _, l := range r.Linked {
			fmt.Fprintf(w, "  %s  %s  site %s (%s), part %s\n", l.ParcelID, describeChange(store.CadastreChange{
				ParcelID: l.ParcelID, Kind: l.Kind, Related: l.Related}), l.SiteID, l.SiteName, l.PartID)
		}
	}
}

// parseFlagsWithArg parses flags around exactly one positional argument, which it returns.
func parseFlagsWithArg(fs *flag.FlagSet, args []string, name string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", usageError{fmt.Sprintf("%s: no %s given", fs.Name(), name)}
	}
	arg := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return arg, nil
}

// changeListLimit is how many changes of parcels not linked to a site are listed without
// --all.
const changeListLimit = 50

func printCadastreReport(w io.Writer, file string, r *store.CadastreReport, took time.Duration, all bool) {
	head := fmt.Sprintf("Imported %s as import %d", filepath.Base(file), r.ImportID)
	if r.DryRun {
		head = "Would import " + filepath.Base(file)
	}
	fmt.Fprintf(w, "%s: vintage %s, commune(s) %s.\n", head, r.Vintage.Format(time.DateOnly), strings.Join(r.Communes, ", "))
	fmt.Fprintf(w, "  %d parcels in %.1f s (%.0f parcels/s)\n", r.Parcels, took.Seconds(), float64(r.Parcels)/took.Seconds())
	fmt.Fprintf(w, "  added %d, modified %d (contenance or outline), refreshed %d (dates only), unchanged %d\n",
		r.Added, r.Modified, r.Refreshed, r.Unchanged)
	fmt.Fprintf(w, "  gone %d: split %d, merged %d, renumbered %d, reorganised %d, removed without successor %d\n",
		r.Removed, r.Split, r.Merged, r.Renumbered, r.Reorganised,
		r.Removed-r.Split-r.Merged-r.Renumbered-r.Reorganised)
	if r.First {
		fmt.Fprintln(w, "  first import for these communes: every parcel is new")
	}
	var linked, other []store.CadastreChange
	for _, c := range r.Changes {
		if c.PartID != "" {
			linked = append(linked, c)
		} else {
			other = append(other, c)
		}
	}
	if len(linked) > 0 {
		fmt.Fprintln(w, "\nParcels linked to site parts:")
		var parts []string
		for i, c := range linked {
			if i == 0 || c.PartID != linked[i-1].PartID {
				fmt.Fprintf(w, "  part %s\n", c.PartID)
				parts = append(parts, c.PartID)
			}
			fmt.Fprintf(w, "    %s  %s\n", c.ParcelID, describeChange(c))
		}
		fmt.Fprintln(w, "  A part whose outline was built from its parcels can be rebuilt from the new ones:")
		for _, p := range parts {
			fmt.Fprintf(w, "    emprises rebuild --part %s\n", p)
		}
	}
	if len(other) > 0 {
		shown := other
		if !all && len(other) > changeListLimit {
			shown = other[:changeListLimit]
			where := fmt.Sprintf("; table cadastre_changes, import_id %d, has them", r.ImportID)
			if r.DryRun {
				where = ""
			}
			fmt.Fprintf(w, "\nOther changes (the first %d of %d; --all lists them all%s):\n",
				changeListLimit, len(other), where)
		} else {
			fmt.Fprintln(w, "\nOther changes:")
		}
		for _, c := range shown {
			fmt.Fprintf(w, "    %s  %s\n", c.ParcelID, describeChange(c))
		}
	}
}

// describeChange says in a few words what happened to a parcel.
func describeChange(c store.CadastreChange) string {
	related := strings.Join(c.Related, ", ")
	switch c.Kind {
	case "split":
		return "split into " + related
	case "merged":
		return "merged into " + related
	case "renumbered":
		return "renumbered " + related
	case "reorganised":
		return "redrawn with its neighbours into " + related
	case "removed":
		return "removed: no parcel covers its land any more"
	case "added":
		if related == "" {
			return "new"
		}
		s := "new, from " + related
		if c.PartID != "" {
			s += " (link to the part carried over)"
		}
		return s
	}
	var parts []string
	if len(c.Related) > 0 {
		parts = append(parts, "took in "+related)
	}
	if c.ContenanceBefore == nil && c.GeometryChanged {
		parts = append(parts, "now in the cadastre")
	} else if c.GeometryChanged {
		parts = append(parts, "outline changed")
	}
	before, after := c.ContenanceBefore, c.ContenanceAfter
	switch {
	case before != nil && after != nil && *before != *after:
		parts = append(parts, fmt.Sprintf("contenance %d → %d m²", *before, *after))
	case before != nil && after == nil:
		parts = append(parts, "contenance no longer given")
	case before == nil && after != nil:
		parts = append(parts, fmt.Sprintf("contenance now given: %d m²", *after))
	}
	return strings.Join(parts, ", ")
}

// progress shows how an import goes: a bar redrawn in place on a terminal, a line every
// few seconds otherwise (a log, a pipe).
type progress struct {
	w     io.Writer
	tty   bool
	r     *cadastre.Reader
	total int64
	start time.Time

	mu      sync.Mutex
	reading bool
	done    chan struct{}
	stopped chan struct{}
}

func startProgress(w io.Writer, r *cadastre.Reader, total int64) *progress {
	p := &progress{w: w, tty: isTerminal(w), r: r, total: total, start: time.Now(), reading: true,
		done: make(chan struct{}), stopped: make(chan struct{})}
	go p.run()
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) run() {
	defer close(p.stopped)
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.mu.Lock()
			if p.reading {
				p.draw()
			}
			p.mu.Unlock()
		}
	}
}

// draw shows how far the reading of the file has come.
func (p *progress) draw() {
	read, n := p.r.BytesRead(), p.r.Features()
	frac := 0.0
	if p.total > 0 {
		frac = min(1, float64(read)/float64(p.total))
	}
	secs := time.Since(p.start).Seconds()
	rate := float64(n) / max(secs, 0.001)
	if !p.tty {
		fmt.Fprintf(p.w, "import: %d parcels read, %s (%.0f parcels/s)\n", n, p.bytes(read), rate)
		return
	}
	const width = 30
	full := int(frac * width)
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %3.0f%%  %d parcels  %.0f/s  %.1f/%.1f MB",
		strings.Repeat("#", full), strings.Repeat(".", width-full), frac*100, n, rate,
		float64(read)/1e6, float64(p.total)/1e6)
}

// bytes says how much of the file has been read: "12.3/45.6 MB (27%)", or "12.3 MB" when
// the size is unknown (a download sent without its length).
func (p *progress) bytes(read int64) string {
	if p.total <= 0 {
		return fmt.Sprintf("%.1f MB", float64(read)/1e6)
	}
	return fmt.Sprintf("%.1f/%.1f MB (%.0f%%)", float64(read)/1e6, float64(p.total)/1e6,
		100*min(1, float64(read)/float64(p.total)))
}

// megabytes writes a size for a person, or says it is unknown.
func megabytes(n int64) string {
	if n < 0 {
		return "size unknown"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// phase reports the start of a step after the reading of the file.
func (p *progress) phase(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reading {
		p.reading = false
		if p.tty {
			p.draw()
			fmt.Fprintln(p.w)
		}
		fmt.Fprintf(p.w, "import: %d parcels read in %.1f s, %s\n", p.r.Features(), time.Since(p.start).Seconds(), p.bytes(p.r.BytesRead()))
	}
	fmt.Fprintf(p.w, "import: %s… (%.1f s)\n", name, time.Since(p.start).Seconds())
}

func (p *progress) stop(ok bool) {
	close(p.done)
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reading && p.tty {
		fmt.Fprintln(p.w)
	}
	if ok {
		fmt.Fprintf(p.w, "import: done in %.1f s\n", time.Since(p.start).Seconds())
	}
}

// runGen writes synthetic data: "gen cadastre".
func runGen(ctx context.Context, e *env, args []string) error {
	return cadastreSubcommand(ctx, e, "gen", "--parcels N --seed S", args, runGenCadastre)
}

func runGenCadastre(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "gen cadastre", "gen cadastre --parcels N [--extent ivry|department] [--seed S] [--out FILE.json.gz] [--vintage YYYY-MM-DD]\n"+
		"       emprises gen cadastre --modify-from FILE [--change-rate R] [--seed S] [--out FILE] [--vintage YYYY-MM-DD]\n\n"+
		"Writes a synthetic Etalab parcel file over Ivry-sur-Seine: small quadrilaterals tiling the\n"+
		"commune, the same bytes for the same flags. With --extent department, the parcels cover\n"+
		"Val-de-Marne instead (longitude 2.30 to 2.62, latitude 48.68 to 48.87), each with the code\n"+
		"of the commune it lies in (94041 inside Ivry), as the department's file; 500 000 parcels\n"+
		"are then mostly 250 to 2 300 m² each. With --modify-from, writes the next vintage of\n"+
		"FILE instead, with a share of its parcels split, merged, removed or changed. A name\n"+
		"ending in .gz is gzipped; without --out the GeoJSON goes to standard output.")
	n := fs.Int("parcels", 0, "number of parcels")
	extentName := fs.String("extent", "ivry", "land the parcels cover: ivry (the commune's file) or department (Val-de-Marne's)")
	seed := fs.Int64("seed", 1, "seed of the pseudo-random choices")
	out := fs.String("out", "", "file to write (default: standard output)")
	vintage := fs.String("vintage", "", "vintage of the file, YYYY-MM-DD (default: 2025-01-01, or a quarter after FILE's)")
	from := fs.String("modify-from", "", "earlier vintage to derive the new one from")
	rate := fs.Float64("change-rate", 0.01, "with --modify-from: share of the parcels that change, 0 to 1")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var day time.Time
	if *vintage != "" {
		t, err := dayFlag(fs, "vintage", *vintage)
		if err != nil {
			return err
		}
		day = t
	}
	extent, err := synth.ParseExtent(*extentName)
	if err != nil {
		return usageError{fmt.Sprintf("gen cadastre: --extent %q must be ivry or department", *extentName)}
	}
	extentGiven := false
	fs.Visit(func(f *flag.Flag) { extentGiven = extentGiven || f.Name == "extent" })
	switch {
	case *from == "" && *n < 1:
		return usageError{"gen cadastre: give --parcels N (at least 1), or --modify-from FILE"}
	case *from != "" && *n != 0:
		return usageError{"gen cadastre: --parcels and --modify-from do not go together"}
	case *from != "" && extentGiven:
		return usageError{"gen cadastre: --extent and --modify-from do not go together: the next vintage covers FILE's land"}
	case *rate < 0 || *rate > 1:
		return usageError{fmt.Sprintf("gen cadastre: --change-rate %g must be between 0 and 1", *rate)}
	}
	return writeOutput(e, *out, func(w io.Writer) error {
		if *from == "" {
			return synth.Generate(w, synth.GenOptions{Parcels: *n, Seed: *seed, Vintage: day, Extent: extent})
		}
		ch, err := synth.Modify(w, func() (io.ReadCloser, error) { return os.Open(*from) },
			synth.ModifyOptions{Seed: *seed, ChangeRate: *rate, Vintage: day})
		if err != nil {
			return fmt.Errorf("gen cadastre: %s: %w", *from, err)
		}
		fmt.Fprintf(e.stderr, "gen cadastre: vintage %s: %d split, %d merged into %d, %d removed, %d contenance and %d outline changes\n",
			ch.Vintage.Format(time.DateOnly), len(ch.Split), 2*len(ch.Merged), len(ch.Merged), len(ch.Removed),
			len(ch.Contenance), len(ch.Outline))
		return nil
	})
}

// writeOutput runs write on standard output, or on a file written beside out and renamed
// at the end (gzipped when out ends in .gz), so that a failure never leaves half a file.
func writeOutput(e *env, out string, write func(io.Writer) error) error {
	if out == "" {
		bw := bufio.NewWriterSize(e.stdout, 1<<20)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.CreateTemp(filepath.Dir(out), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	var w io.Writer = f
	var zw *gzip.Writer
	if strings.HasSuffix(out, ".gz") {
		zw = gzip.NewWriter(f)
		w = zw
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}

// runLink links parcels to a site part, or unlinks them, as one audited change (with
// --rebuild too) by the command line's actor.
func runLink(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "link", "link --part PART --parcels ID,ID… [--unlink] [--move] [--rebuild] [--reason TEXT]\n\n"+
		"Links cadastral parcels to a site part (a parcel serves one part at most). Ids are the\n"+
		"14-character ids (94041000AZ0056) or, in Ivry, section and number (AZ56, AZ 0056).\n"+
		"A parcel not imported yet is recorded by its id and gets its outline at the next import.\n"+
		"The change shows in the site's history, by cli:<user>, with its reason.")
	d.register(fs, e)
	part := fs.String("part", "", "the site part's id")
	list := fs.String("parcels", "", "comma-separated parcel ids")
	unlink := fs.Bool("unlink", false, "unlink the parcels from the part instead")
	move := fs.Bool("move", false, "take parcels linked to another part from it")
	rebuild := fs.Bool("rebuild", false, "then rebuild the part's outline from its parcels, in the same change")
	reason := fs.String("reason", "", "why, as the site's history will show it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *part == "" || *list == "" {
		return usageError{"link: give --part PART and --parcels ID,ID…"}
	}
	ids, err := parseParcelList(*list)
	if err != nil {
		return usageError{"link: " + err.Error()}
	}
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	l, err := db.store.LinkParcels(ctx, cliActor(e), *part, store.AnyVersion, store.ParcelLink{
		IDs: ids, Unlink: *unlink, Move: *move, Rebuild: *rebuild, Reason: *reason})
	if err != nil {
		return err
	}
	if *unlink {
		fmt.Fprintf(e.stdout, "part %s (site %s): unlinked %s\n", *part, l.SiteID, strings.Join(l.Parcels, ", "))
	} else {
		fmt.Fprintf(e.stdout, "part %s (site %s): linked %s\n", *part, l.SiteID, strings.Join(l.Parcels, ", "))
		if len(l.Pending) > 0 {
			fmt.Fprintf(e.stdout, "  not in the cadastre yet (no outline until the next import): %s\n", strings.Join(l.Pending, ", "))
		}
	}
	if l.Rebuilt != nil {
		printRebuild(e, *l.Rebuilt)
	}
	return nil
}

// runRebuild rebuilds a site part's outline from its parcels, as one audited change by the
// command line's actor.
func runRebuild(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "rebuild", "rebuild --part PART [--reason TEXT]\n\n"+
		"Replaces a site part's outline with the union of its parcels' (see emprises link); its\n"+
		"geometry quality becomes cadastre and its geometry source names the parcels and the\n"+
		"cadastre vintage. The change shows in the site's history, by cli:<user>.")
	d.register(fs, e)
	part := fs.String("part", "", "the site part's id")
	reason := fs.String("reason", "", "why, as the site's history will show it")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *part == "" {
		return usageError{"rebuild: give --part PART"}
	}
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	rb, err := db.store.RebuildPart(ctx, cliActor(e), *part, store.AnyVersion, *reason)
	if err != nil {
		return err
	}
	printRebuild(e, rb)
	return nil
}

func printRebuild(e *env, rb store.PartRebuild) {
	fmt.Fprintf(e.stdout, "part %s (site %s): outline rebuilt from %d parcel(s), %.0f m², quality cadastre\n  %s\n",
		rb.PartID, rb.SiteID, len(rb.Parcels), rb.AreaM2, rb.Source)
}

// shortParcel is a parcel of Ivry written by section and number: AZ56, AZ 56, AZ0056, A 12.
var shortParcel = regexp.MustCompile(`^(0?[A-Z]|[A-Z]{2})\s*([0-9]{1,4})$`)

func zeroPad(s string, n int) string {
	return strings.Repeat("0", max(0, n-len(s))) + s
}

// parseParcelList reads comma-separated parcel ids, full or short (in Ivry).
func parseParcelList(s string) ([]site.ParcelID, error) {
	var ids []site.ParcelID
	for _, f := range strings.Split(s, ",") {
		f = strings.ToUpper(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		if m := shortParcel.FindStringSubmatch(f); m != nil {
			f = site.InseeIvry + "000" + zeroPad(m[1], 2) + zeroPad(m[2], 4)
		}
		id, err := site.ParseParcelID(f)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, errors.New("no parcel id given")
	}
	return ids, nil
}

// runSuggest lists the parcels an approximate part's outline covers, for a planner to
// link (the page offers the same list with a button).
func runSuggest(ctx context.Context, e *env, args []string) error {
	var d dbFlags
	fs := newFlagSet(e, "suggest", "suggest --part PART\n\n"+
		"Lists the cadastral parcels that an approximate site part's outline (a square drawn\n"+
		"where the site roughly is) covers for at least half of their area, the most covered\n"+
		"first, and the command that links them and rebuilds the part's outline from them.\n"+
		"Parcels already linked to the part are left out; those linked to another part are\n"+
		"marked (linking them needs --move).")
	d.register(fs, e)
	part := fs.String("part", "", "the site part's id")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *part == "" {
		return usageError{"suggest: give --part PART"}
	}
	db, err := openDatabase(ctx, e, d, false)
	if err != nil {
		return err
	}
	defer db.close(ctx)
	sg, err := db.store.SuggestParcels(ctx, *part)
	if err != nil {
		return err
	}
	if sg.Quality != site.QualityApproximate {
		fmt.Fprintf(e.stdout, "part %s (site %s): outline of quality %s, not approximate: no suggestion\n", sg.PartID, sg.SiteID, sg.Quality)
		return nil
	}
	if len(sg.Parcels) == 0 {
		fmt.Fprintf(e.stdout, "part %s (site %s): no parcel lies at least %.0f %% inside its outline (is the cadastre imported?)\n",
			sg.PartID, sg.SiteID, 100*site.SuggestionShare)
		return nil
	}
	fmt.Fprintf(e.stdout, "part %s (site %s): %d parcel(s) at least %.0f %% inside its outline:\n",
		sg.PartID, sg.SiteID, len(sg.Parcels), 100*site.SuggestionShare)
	var free []string
	for _, p := range sg.Parcels {
		note := ""
		if p.LinkedPart != "" {
			note = "  linked to part " + p.LinkedPart
		} else {
			free = append(free, string(p.ParcelID))
		}
		fmt.Fprintf(e.stdout, "  %s  %4.0f %% inside  %8.0f m²%s\n", p.ParcelID, 100*p.Share, p.AreaM2, note)
	}
	if len(free) > 0 {
		fmt.Fprintf(e.stdout, "Link them and rebuild the outline:\n  emprises link --part %s --parcels %s --rebuild\n", sg.PartID, strings.Join(free, ","))
	}
	return nil
}
