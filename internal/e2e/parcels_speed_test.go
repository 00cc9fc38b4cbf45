package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Issue 14's bar for the parcel layer over a dense cadastre: a cold page at zoom 15
// shows its parcels within 1.5 s of the navigation, and no task holds the main thread
// for more than 200 ms on the way.
const (
	speedParcels     = 100_000
	parcelsShownBy   = 1500 * time.Millisecond
	longestTaskBound = 200 * time.Millisecond
)

// loadWatch records, from the first script of the page on, the long tasks (over 50 ms,
// PerformanceObserver 'longtask') and the moment the parcel layer first says it is shown
// with parcels drawn (data-parcels and data-parcel-count on the map's element).
const loadWatch = `
window.loadWatch = {tasks: [], shownAt: null};
new PerformanceObserver((list) => {
	for (const e of list.getEntries()) window.loadWatch.tasks.push({start: e.startTime, duration: e.duration});
}).observe({type: 'longtask', buffered: true});
new MutationObserver(() => {
	const m = document.getElementById('map');
	if (window.loadWatch.shownAt === null && m && m.dataset.parcels === 'shown' && Number(m.dataset.parcelCount) > 0) {
		window.loadWatch.shownAt = performance.now();
	}
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-parcels', 'data-parcel-count']});`

// loadReport is what loadWatch saw, with the tiles' sizes and the page's own readiness.
type loadReport struct {
	ShownAt float64 `json:"shownAt"`
	Tasks   []struct {
		Start    float64 `json:"start"`
		Duration float64 `json:"duration"`
	} `json:"tasks"`
	Tiles      int     `json:"tiles"`
	TileBytes  float64 `json:"tileBytes"`
	TileWire   float64 `json:"tileWire"`
	TileServer float64 `json:"tileServer"` // the slowest tile's time to first byte, ms
	TileFirst  float64 `json:"tileFirst"`  // when the first tile was asked for, ms
	TileLast   float64 `json:"tileLast"`   // when the last tile's bytes were in, ms
	DataAt     float64 `json:"dataAt"`     // when the page's sites were in, ms
	Count      int     `json:"count"`
}

const loadReportJS = `(() => {
	const tiles = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith('/tiles/parcels/'));
	return {
		shownAt: window.loadWatch.shownAt,
		tasks: window.loadWatch.tasks,
		tiles: tiles.length,
		tileBytes: tiles.reduce((s, e) => s + e.decodedBodySize, 0),
		tileWire: tiles.reduce((s, e) => s + e.encodedBodySize, 0),
		tileServer: Math.max(0, ...tiles.map((e) => e.responseStart - e.requestStart)),
		tileFirst: Math.min(...tiles.map((e) => e.startTime)),
		tileLast: Math.max(...tiles.map((e) => e.responseEnd)),
		dataAt: Math.max(0, ...performance.getEntriesByType('resource')
			.filter((e) => new URL(e.name).pathname === '/collections/sites/items').map((e) => e.responseEnd)),
		count: Number(document.getElementById('map').dataset.parcelCount),
	};
})()`

// openCold opens url in a new browser (no cache) with loadWatch installed, waits for the
// parcels, and reports how the load went.
func openCold(t *testing.T, url string) (*browser, loadReport) {
	t.Helper()
	b := newBrowser(t, 1366, 768)
	b.do("watch the load", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: loadWatch})
		return err
	}))
	b.do("open "+url, chromedp.Navigate(url))
	b.waitFor("the parcels drawn", `window.loadWatch.shownAt !== null`)
	// Tasks still running when the layer says it is shown belong to this load too.
	b.do("let the last tasks end", chromedp.Sleep(500*time.Millisecond))
	return b, eval[loadReport](b, loadReportJS)
}

// shown is the time from the navigation to the parcels drawn; longest, the longest task.
func (r loadReport) shown() time.Duration {
	return time.Duration(r.ShownAt * float64(time.Millisecond))
}

func (r loadReport) longest() time.Duration {
	var d time.Duration
	for _, task := range r.Tasks {
		d = max(d, time.Duration(task.Duration*float64(time.Millisecond)))
	}
	return d
}

func (r loadReport) String() string {
	return fmt.Sprintf("parcels shown %s after the navigation: %d parcels from %d tiles (%.0f kB, %.0f kB on the wire, slowest tile %.0f ms to its first byte; sites in at %.0f ms, tiles fetched from %.0f to %.0f ms); %d long tasks, the longest %s",
		r.shown().Round(time.Millisecond), r.Count, r.Tiles, r.TileBytes/1000, r.TileWire/1000, r.TileServer,
		r.DataAt, r.TileFirst, r.TileLast, len(r.Tasks), r.longest().Round(time.Millisecond))
}

// TestParcelsFastOverDenseCadastre: with 100 000 synthetic parcels tiling Ivry, a cold
// browser opening the page at zoom 15 over the middle of the commune (1366×768) shows
// its parcels in under 1.5 s, with no main-thread task over 200 ms, and names the parcel
// under the pointer.
//
// The first visit after an import has the service render the tiles (some 20, each of
// 10 000 parcels, 50 to 80 ms of PostGIS each): it is measured and logged. The bar holds
// for the next cold browser, served from the tiles the service keeps per layer version.
//
// Not parallel: a test of time measures nothing while other browsers share the CPU.
func TestParcelsFastOverDenseCadastre(t *testing.T) {
	svc := startService(t, tilesLocal)
	start := time.Now()
	svc.importParcels(t, speedParcels, 14)
	t.Logf("imported %d parcels in %s", speedParcels, time.Since(start).Round(time.Millisecond))

	// The middle of the parcels' extent, where a z15 view is full of them.
	var lat, lng float64
	err := svc.Pool.QueryRow(t.Context(), `
		SELECT ST_Y(c), ST_X(c) FROM ST_Transform(ST_Centroid(ST_SetSRID((SELECT ST_Extent(geom) FROM parcels), 2154)), 4326) c`).Scan(&lat, &lng)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s/#carte=15/%.6f/%.6f", svc.URL, lat, lng)

	first, r := openCold(t, url)
	t.Logf("first visit after the import: %s", r)
	first.checkClean(true)

	b, r := openCold(t, url)
	t.Logf("cold browser: %s", r)
	if r.Count < 50_000 {
		t.Errorf("%d parcels drawn; want the tens of thousands a z15 view over the dense cadastre holds", r.Count)
	}
	// Times are a benchmark's business, not a test's: make test runs this test among
	// others on a busy machine and logs them; make bench runs it alone with
	// EMPRISES_TIMING_BARS=1, which holds them to the bar.
	timing := t.Logf
	if os.Getenv("EMPRISES_TIMING_BARS") == "1" {
		timing = t.Errorf
	}
	if r.shown() > parcelsShownBy {
		timing("the parcels were shown %s after the navigation; want under %s", r.shown().Round(time.Millisecond), parcelsShownBy)
	}
	if r.longest() > longestTaskBound {
		timing("a main-thread task took %s; want none over %s (long tasks: %v)", r.longest().Round(time.Millisecond), longestTaskBound, r.Tasks)
	}
	b.screenshot("parcels-dense-z15", false)

	t.Run("the parcel under the pointer is named at zoom 15", func(t *testing.T) {
		box := eval[[]float64](b, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
		x, y := box[0]+box[2]/2, box[1]+box[3]/2
		b.do("hover the map's centre", chromedp.MouseEvent(chromedp.MouseMoved, x-3, y-2), chromedp.MouseEvent(chromedp.MouseMoved, x, y))
		b.waitFor("a parcel's label", `Boolean(document.querySelector('.parcel-tooltip .parcel-id')?.textContent)`)
		// The label follows the pointer as the worker answers: its id and area are read
		// together.
		label := eval[[]string](b, `[...document.querySelectorAll('.parcel-tooltip .parcel-id, .parcel-tooltip .parcel-area')].map((e) => e.textContent)`)
		if len(label) != 2 {
			t.Fatalf("the parcel label reads %q; want an id and an area", label)
		}
		id, area := label[0], label[1]
		// Parcels are some 8 m wide; the pointer is within a pixel (3 m) of the centre.
		p := svc.parcelPoint(t, `WHERE p.id = $1 AND ST_DWithin(p.geom, ST_Transform(ST_SetSRID(ST_Point($2, $3), 4326), 2154), 10)`, id, lng, lat)
		if p.Contenance != nil && area != frenchM2(*p.Contenance) {
			t.Errorf("parcel %s: the label gives the contenance as %q; want %q", id, area, frenchM2(*p.Contenance))
		}
	})
	b.checkClean(true)
}
