package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emprises/emprises/geodata"
	"github.com/emprises/emprises/internal/httpapi"
	"github.com/emprises/emprises/internal/pgtest"
	"github.com/emprises/emprises/internal/store"
)

// Base maps the tests can give the page. No test reaches the network.
const (
	tilesLocal  = "local"  // tiles served by the test server itself (same origin, allowed by the CSP)
	tilesNone   = "none"   // no base map configured
	tilesBroken = "broken" // a tile URL that answers 404
)

// service is the whole Emprises HTTP service over a freshly seeded database.
type service struct {
	URL  string
	Pool *pgxpool.Pool
}

// startService seeds a new database and serves the service on it, with the base map
// given by tiles; options may change the rest of the configuration.
func startService(t *testing.T, tiles string, options ...func(*httpapi.Config)) *service {
	t.Helper()
	pool := pgtest.NewDB(t)
	st := store.New(pool)
	ds, err := geodata.Load()
	if err != nil {
		t.Fatalf("geodata.Load: %v", err)
	}
	if _, err := st.Seed(t.Context(), store.CommandLine("test"), ds); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	var api http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/test-tiles/") {
			w.Header().Set("Content-Type", "image/png")
			w.Write(tilePNG) //nolint:errcheck
			return
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := httpapi.Config{TileAttribution: "Fond de plan de test"}
	switch tiles {
	case tilesLocal:
		cfg.TileURL = srv.URL + "/test-tiles/{z}/{x}/{y}.png"
	case tilesBroken:
		cfg.TileURL = srv.URL + "/no-tiles-here/{z}/{x}/{y}.png"
	}
	for _, o := range options {
		o(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	api = httpapi.NewServer(st, cfg, logger)
	return &service{URL: srv.URL, Pool: pool}
}

// count runs a SELECT count(*) query.
func (s *service) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Pool.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// tilePNG is a plain light tile with a faint grid, so that screenshots show where the
// base map would be.
var tilePNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	paper := color.RGBA{0xf3, 0xf1, 0xec, 0xff}
	line := color.RGBA{0xe2, 0xdf, 0xd6, 0xff}
	for y := range 256 {
		for x := range 256 {
			c := paper
			if x%64 == 0 || y%64 == 0 {
				c = line
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

// browser is one headless Chromium tab, with everything the page writes to its
// console and every dialog it opens recorded.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	dialogs  []string
}

// chromiumPath is Debian's Chromium, or $CHROMIUM.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("no Chromium at %s (make test installs Debian's chromium; or set CHROMIUM): %v", path, err)
	}
	return path
}

// newBrowser starts a headless Chromium with a fresh profile and a window of w×h CSS
// pixels.
func newBrowser(t *testing.T, w, h int) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(w, h),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "fr-FR"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: ctx}
	// Starting the browser here, with no deadline: a deadline on the first Run would
	// stop the whole browser when it ends.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			b.mu.Unlock()
			// Dismiss it, or the page would hang.
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false}) //nolint:errcheck
		}
	}()
	return b
}

// do runs actions with a deadline, failing the test on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v%s", what, err, b.consoleReport())
	}
}

// eval evaluates a JavaScript expression and decodes its value into T.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v%s", expr, err, b.consoleReport())
	}
	return v
}

// waitFor polls a JavaScript expression until it is truthy.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.t.Fatalf("waiting for %s (%s): %v%s", what, expr, err, b.consoleReport())
	}
}

// open loads url and waits until the page has drawn the portfolio.
func (b *browser) open(url string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url))
	b.waitForData()
}

// waitForData waits until the page has loaded its data and settled.
func (b *browser) waitForData() {
	b.t.Helper()
	b.waitFor("the page's data", `document.body.dataset.ready === "true" && !document.body.hasAttribute("aria-busy")`)
}

// errors returns the console errors and uncaught exceptions seen so far; with network
// false, failed resource loads are left out.
func (b *browser) errors(network bool) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.messages {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
			continue
		}
		if !network && m.Source == "network" {
			continue
		}
		out = append(out, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
	}
	return out
}

// dialogsOpened returns the JavaScript dialogs the page opened.
func (b *browser) dialogsOpened() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// checkClean fails the test if the page wrote an error to its console or opened a dialog.
func (b *browser) checkClean(network bool) {
	b.t.Helper()
	// Give late messages a moment to arrive.
	time.Sleep(200 * time.Millisecond)
	for _, e := range b.errors(network) {
		b.t.Errorf("console: %s", e)
	}
	for _, d := range b.dialogsOpened() {
		b.t.Errorf("the page opened a dialog: %s", d)
	}
}

func (b *browser) consoleReport() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.messages) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("\nconsole:")
	for _, m := range b.messages {
		fmt.Fprintf(&sb, "\n  %s", m)
	}
	return sb.String()
}

// screenshot saves the viewport (or, with full, the whole page) as name.png in the
// tests' output folder.
func (b *browser) screenshot(name string, full bool) {
	b.t.Helper()
	// Let transitions and tiles settle.
	b.do("settle", chromedp.Sleep(400*time.Millisecond))
	action := chromedp.CaptureScreenshot()
	if full {
		action = chromedp.FullScreenshot(100)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, action)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	writeOutput(b.t, name+".png", buf)
}

// writeOutput writes a file into the tests' output folder: $TEST_OUTPUT_DIR, or
// testout/e2e at the root of the repository (ignored by git).
func writeOutput(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := os.Getenv("TEST_OUTPUT_DIR")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "testout", "e2e")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// repoRoot is the folder of go.mod above the test's working directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
