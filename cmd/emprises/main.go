// Command emprises tracks the land the City of Paris owns in Ivry-sur-Seine: it keeps the
// sites in PostGIS and serves them as GeoJSON, OGC API – Features and a map page.
//
// Run "emprises help" for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/emprises/emprises/internal/site"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "emprises:", err)
		}
		os.Exit(exitCode(err))
	}
}

// env is what every subcommand gets from the outside world; nothing reads os.* directly,
// so the whole program can run inside a test.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time // the clock: "today" is site.TodayAt(now())
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the web service (API, OGC API – Features, map page)", runServe},
		"migrate": {"apply database migrations", runMigrate},
		"seed":    {"load the reference sites of Ivry-sur-Seine (idempotent)", runSeed},
		"export":  {"write all sites as a GeoJSON FeatureCollection", runExport},
		"version": {"print the version", runVersion},
		"import":  {"import an Etalab cadastre parcel file (import cadastre FILE)", runImport},
		"gen":     {"generate synthetic test data (gen cadastre --parcels N --seed S)", runGen},
		"link":    {"link cadastral parcels to a site part (link --part PART --parcels ID,ID)", runLink},
		"suggest": {"suggest the parcels an approximate part's outline covers (suggest --part PART)", runSuggest},
		"rebuild": {"rebuild a site part's outline from its parcels (rebuild --part PART)", runRebuild},
		"pack":    {"write a meeting's committee pack as a workbook (pack --meeting ID --out FILE.xlsx)", runPack},
		"users":   {"manage accounts (users add|list|disable)", runUsers},
		"tokens":  {"manage API tokens (tokens create|revoke)", runTokens},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return usageError{"no subcommand given"}
		}
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return usageError{fmt.Sprintf("unknown subcommand %q", args[0])}
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Usage: emprises <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"emprises <command> --help\" for its flags.")
	fmt.Fprintln(w, "Environment: DATABASE_URL (an existing PostGIS database, as the service's role; default: a private cluster),")
	fmt.Fprintln(w, "EMPRISES_MIGRATE_DATABASE_URL (the same, as the schema's owner, for migrations; default: DATABASE_URL),")
	fmt.Fprintln(w, "EMPRISES_DATA (data folder, default ./.data), EMPRISES_ADDR (default 127.0.0.1:8080).")
}

// usageError is a mistake in the command line: exit code 2, like the flag package.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// newFlagSet makes a flag set that reports errors instead of exiting and prints its usage
// to stderr.
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: emprises %s\n\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and refuses stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// dayFlag reads a day flag (--date, --vintage) with the domain's one day parser, so the
// command line accepts the days, and only the days, that the HTTP API does.
func dayFlag(fs *flag.FlagSet, name, value string) (time.Time, error) {
	t, err := site.ParseDay(value)
	if err != nil {
		var inv *site.InvalidError
		if errors.As(err, &inv) {
			return time.Time{}, usageError{fmt.Sprintf("%s: --%s %q: %s", fs.Name(), name, value, inv.Reason)}
		}
		return time.Time{}, err
	}
	return t, nil
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "version", "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "emprises", version)
	return nil
}
