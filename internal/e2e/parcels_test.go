package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/emprises/emprises/internal/cadastre"
	"github.com/emprises/emprises/internal/cadastre/synth"
	"github.com/emprises/emprises/internal/site"
	"github.com/emprises/emprises/internal/store"
)

// parcelPart is the located part whose land the parcel test links to it.
const parcelPart = "cpcu-ivry-chaufferie"

// importParcels imports a synthetic Etalab file of n parcels tiling Ivry, as
// `emprises import cadastre` does.
func (s *service) importParcels(t *testing.T, n int, seed int64) {
	t.Helper()
	var file bytes.Buffer
	if err := synth.Generate(&file, synth.GenOptions{Parcels: n, Seed: seed}); err != nil {
		t.Fatalf("synth.Generate: %v", err)
	}
	sum := sha256.Sum256(file.Bytes())
	r, err := cadastre.NewReader(&file)
	if err != nil {
		t.Fatal(err)
	}
	imp := store.CadastreImport{FileName: "cadastre-94041-parcelles.json", SHA256: hex.EncodeToString(sum[:])}
	if _, err := store.New(s.Pool).ImportCadastre(t.Context(), store.CommandLine("test"), r, imp); err != nil {
		t.Fatalf("ImportCadastre: %v", err)
	}
}

// linkParcelsUnder links to a part the k parcels that share the most land with it, and
// returns their ids, the largest share first.
func (s *service) linkParcelsUnder(t *testing.T, partID string, k int) []string {
	t.Helper()
	rows, err := s.Pool.Query(t.Context(), `
		SELECT p.id FROM parcels p JOIN site_parts s ON s.id = $1 AND ST_Intersects(p.geom, s.geom)
		 ORDER BY ST_Area(ST_Intersection(p.geom, s.geom)) DESC, p.id LIMIT $2`, partID, k)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var parcels []site.ParcelID
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		parcels = append(parcels, site.ParcelID(id))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) != k {
		t.Fatalf("%d parcels under %s; want %d", len(ids), partID, k)
	}
	if _, err := store.New(s.Pool).LinkParcels(t.Context(), store.CommandLine("test"), partID, store.AnyVersion, store.ParcelLink{IDs: parcels}); err != nil {
		t.Fatalf("AttachParcels: %v", err)
	}
	return ids
}

// parcelPoint is a point inside a parcel, in WGS84, with what the page should say of it.
type parcelPoint struct {
	ID         string
	Lat, Lng   float64
	Contenance *int32
	Linked     bool
}

// parcelPointSQL gives a point inside each parcel: its point on surface, in WGS84.
const parcelPointSQL = `
	SELECT p.id, ST_Y(pt), ST_X(pt), p.contenance_m2, p.part_id IS NOT NULL
	  FROM parcels p, ST_Transform(ST_PointOnSurface(p.geom), 4326) pt`

func (s *service) parcelPoint(t *testing.T, where string, args ...any) parcelPoint {
	t.Helper()
	var p parcelPoint
	err := s.Pool.QueryRow(t.Context(), parcelPointSQL+" "+where, args...).
		Scan(&p.ID, &p.Lat, &p.Lng, &p.Contenance, &p.Linked)
	if err != nil {
		t.Fatalf("parcel point %s: %v", where, err)
	}
	return p
}

// mercatorPixel is a WGS84 point in Web Mercator pixels at zoom z (256-pixel tiles), the
// way Leaflet places it.
func mercatorPixel(lat, lng, z float64) (x, y float64) {
	scale := 256 * math.Pow(2, z)
	x = (lng + 180) / 360 * scale
	s := math.Sin(lat * math.Pi / 180)
	y = (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * scale
	return x, y
}

// frenchM2 writes an area as the page does: « 91 012 m² », a narrow no-break space
// between thousands.
func frenchM2(m2 int32) string {
	digits := strconv.Itoa(int(m2))
	var sb strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			sb.WriteString("\u202f")
		}
		sb.WriteRune(d)
	}
	return sb.String() + " m²"
}

// tileRequest is a parcel tile the page asked for, and the answer's status.
type tileRequest struct {
	URL    string `json:"url"`
	Status int    `json:"status"`
}

// parcelTileRequests lists the parcel tiles the page has fetched so far.
func (b *browser) parcelTileRequests() []tileRequest {
	b.t.Helper()
	return eval[[]tileRequest](b, `performance.getEntriesByType('resource')
		.filter((e) => new URL(e.name).pathname.startsWith('/tiles/parcels/'))
		.map((e) => ({url: new URL(e.name).pathname, status: e.responseStatus}))`)
}

// parcelPixels counts, over the parcel layer's canvases, the pixels painted and those of
// a linked parcel's outline (rgb(120, 53, 15), opaque).
const parcelPixels = `(() => {
	let painted = 0, linked = 0;
	for (const c of document.querySelectorAll('#map .leaflet-parcels-pane canvas')) {
		if (!c.width || !c.height) continue;
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		for (let i = 0; i < d.length; i += 4) {
			if (d[i + 3] === 0) continue;
			painted++;
			if (d[i + 3] > 200 && Math.abs(d[i] - 120) < 12 && Math.abs(d[i + 1] - 53) < 12 && Math.abs(d[i + 2] - 15) < 12) linked++;
		}
	}
	return {painted, linked};
})()`

// TestParcelLayer: with a cadastre imported, the map at zoom 16 draws the parcels from the
// vector tiles under the sites, linked ones distinctly, names the parcel under the pointer
// as text, asks for no tile below zoom 15, and the legend switches the layer off and on.
func TestParcelLayer(t *testing.T) {
	t.Parallel()
	svc := startService(t, tilesLocal)
	svc.importParcels(t, 2000, 11)
	linked := svc.linkParcelsUnder(t, parcelPart, 3)
	// The map opens on the first linked parcel, where the part covers it.
	var centre parcelPoint
	err := svc.Pool.QueryRow(t.Context(), `
		SELECT p.id, ST_Y(pt), ST_X(pt), p.contenance_m2, true
		  FROM parcels p JOIN site_parts s ON s.id = p.part_id,
		       ST_Transform(ST_PointOnSurface(ST_Intersection(p.geom, s.geom)), 4326) pt
		 WHERE p.id = $1`, linked[0]).Scan(&centre.ID, &centre.Lat, &centre.Lng, &centre.Contenance, &centre.Linked)
	if err != nil {
		t.Fatal(err)
	}
	// The unlinked parcel nearest to the first linked one, to hover too.
	other := svc.parcelPoint(t, `WHERE p.part_id IS NULL
		ORDER BY p.geom <-> (SELECT geom FROM parcels WHERE id = $1) LIMIT 1 OFFSET 2`, linked[0])

	b := newBrowser(t, 1366, 768)
	// protomaps-leaflet loads when the map first reaches zoom 15: anything it does that the
	// CSP refuses (eval, inline styles) is recorded, from the first script on.
	b.do("watch the CSP", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.cspViolations = [];
				document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
		})
		return err
	}))
	b.open(fmt.Sprintf("%s/#carte=16/%.6f/%.6f", svc.URL, centre.Lat, centre.Lng))
	b.waitFor("the parcels drawn", `document.getElementById('map').dataset.parcels === 'shown' && Number(document.getElementById('map').dataset.parcelCount) > 0`)
	if z := eval[string](b, `document.getElementById('map').dataset.zoom`); z != "16" {
		t.Fatalf("the map opened at zoom %s; want 16 from the link", z)
	}

	var tiles []tileRequest
	t.Run("tiles are fetched and every parcel in them is drawn", func(t *testing.T) {
		tiles = b.parcelTileRequests()
		if len(tiles) == 0 {
			t.Fatal("the page asked for no parcel tile")
		}
		var zs, xs, ys []int
		withData := 0
		for _, r := range tiles {
			var z, x, y int
			if _, err := fmt.Sscanf(r.URL, "/tiles/parcels/%d/%d/%d.mvt", &z, &x, &y); err != nil {
				t.Errorf("tile request %s: %v", r.URL, err)
				continue
			}
			if z != 16 {
				t.Errorf("tile request %s at zoom %d; the map is at 16", r.URL, z)
			}
			switch r.Status {
			case 200:
				withData++
			case 204:
			default:
				t.Errorf("GET %s: status %d; want 200, or 204 for an empty tile", r.URL, r.Status)
			}
			zs, xs, ys = append(zs, z), append(xs, x), append(ys, y)
		}
		if withData == 0 {
			t.Errorf("no parcel tile had data: %v", tiles)
		}
		// Every parcel whose inner point lies in a tile is drawn; a parcel that only
		// overlaps a tile's margin may be.
		const inTiles = `
			SELECT count(*) FROM parcels p WHERE EXISTS (
				SELECT 1 FROM unnest($1::int[], $2::int[], $3::int[]) t(z, x, y)
				 WHERE ST_Transform(%s, 3857) && ST_TileEnvelope(t.z, t.x, t.y, margin => %s))`
		least := svc.count(t, fmt.Sprintf(inTiles, "ST_PointOnSurface(p.geom)", "0"), zs, xs, ys)
		most := svc.count(t, fmt.Sprintf(inTiles, "p.geom", "64.0 / 4096"), zs, xs, ys)
		drawn := eval[int](b, `Number(document.getElementById('map').dataset.parcelCount)`)
		if drawn < least || drawn > most || least == 0 {
			t.Errorf("the map draws %d parcels; want the %d to %d the tiles hold", drawn, least, most)
		}
		t.Logf("%d tiles, %d parcels drawn (%d to %d expected)", len(tiles), drawn, least, most)

		px := eval[map[string]int](b, parcelPixels)
		if px["painted"] < 5000 {
			t.Errorf("the parcel canvases have %d painted pixels; want the parcels' outlines", px["painted"])
		}
		if px["linked"] == 0 {
			t.Errorf("no pixel of a linked parcel's outline (%d painted): linked parcels must stand out", px["painted"])
		}
	})

	mapBox := eval[[]float64](b, `(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)
	hover := func(p parcelPoint) {
		t.Helper()
		cx, cy := mercatorPixel(centre.Lat, centre.Lng, 16)
		px, py := mercatorPixel(p.Lat, p.Lng, 16)
		x, y := mapBox[0]+mapBox[2]/2+(px-cx), mapBox[1]+mapBox[3]/2+(py-cy)
		if x < mapBox[0] || y < mapBox[1] || x > mapBox[0]+mapBox[2] || y > mapBox[1]+mapBox[3] {
			t.Fatalf("parcel %s is off the map (%.0f, %.0f)", p.ID, x, y)
		}
		b.do("hover parcel "+p.ID, chromedp.MouseEvent(chromedp.MouseMoved, x-4, y-3), chromedp.MouseEvent(chromedp.MouseMoved, x, y))
		b.waitFor("the label of "+p.ID, `document.querySelector('.parcel-tooltip .parcel-id')?.textContent === `+jsString(p.ID))
	}
	checkLabel := func(p parcelPoint) {
		t.Helper()
		area := eval[string](b, `document.querySelector('.parcel-tooltip .parcel-area').textContent`)
		want := "contenance non renseignée"
		if p.Contenance != nil {
			want = frenchM2(*p.Contenance)
		}
		if area != want {
			t.Errorf("parcel %s: the label gives the contenance as %q; want %q", p.ID, area, want)
		}
		text := eval[string](b, `document.querySelector('.parcel-tooltip').textContent`)
		if strings.Contains(text, "rattachée à un site") != p.Linked {
			t.Errorf("parcel %s (linked: %v): the label reads %q", p.ID, p.Linked, text)
		}
	}

	t.Run("the parcel under the pointer is named", func(t *testing.T) {
		hover(other)
		checkLabel(other)
		hover(centre)
		checkLabel(centre)
		// Its site's own label shows above the pointer, the parcel's below.
		if n := eval[int](b, `document.querySelectorAll('.part-tooltip').length`); n != 1 {
			t.Errorf("%d site labels over the linked parcel; want its site's", n)
		}
	})
	b.screenshot("parcels", false)

	t.Run("no tile is asked for below zoom 15", func(t *testing.T) {
		before := len(b.parcelTileRequests())
		b.do("zoom out", chromedp.Click(chromedp.CSS(`.leaflet-control-zoom-out`)))
		b.waitFor("zoom 15", `document.getElementById('map').dataset.zoom === '15' && document.getElementById('map').dataset.parcels === 'shown'`)
		if eval[int](b, `Number(document.getElementById('map').dataset.parcelCount)`) == 0 {
			t.Error("no parcel drawn at zoom 15")
		}
		b.do("zoom out", chromedp.Click(chromedp.CSS(`.leaflet-control-zoom-out`)))
		b.waitFor("zoom 14", `document.getElementById('map').dataset.zoom === '14' && document.getElementById('map').dataset.parcels === 'zoom'`)
		if n := eval[string](b, `document.getElementById('map').dataset.parcelCount`); n != "0" {
			t.Errorf("at zoom 14 the page says %s parcels are drawn; want 0", n)
		}
		if !eval[bool](b, `document.querySelector('#legend .legend-layers').classList.contains('legend-inactive')`) {
			t.Error("at zoom 14 the legend does not mark the parcel layer as waiting for zoom 15")
		}
		if got := eval[string](b, `document.getElementById('parcels-note').textContent`); !strings.Contains(got, "à partir du zoom 15") {
			t.Errorf("the parcel layer's note reads %q; want it to say from zoom 15", got)
		}
		all := b.parcelTileRequests()
		for _, r := range all[before:] {
			if z, _, _ := strings.Cut(strings.TrimPrefix(r.URL, "/tiles/parcels/"), "/"); z != "15" {
				t.Errorf("zooming out to 14 asked for %s; want zoom 15 tiles only", r.URL)
			}
		}
		// Leaflet drops a click on its zoom buttons while a zoom is under way: each waits
		// for the one before to end.
		b.do("zoom back in", chromedp.Click(chromedp.CSS(`.leaflet-control-zoom-in`)))
		b.waitFor("zoom 15", `document.getElementById('map').dataset.zoom === '15' && !document.querySelector('.leaflet-zoom-anim')`)
		b.do("zoom in again", chromedp.Click(chromedp.CSS(`.leaflet-control-zoom-in`)))
		b.waitFor("zoom 16, parcels drawn", `document.getElementById('map').dataset.zoom === '16' && document.getElementById('map').dataset.parcels === 'shown'`)
	})

	t.Run("the legend switches the layer", func(t *testing.T) {
		b.do("switch the parcels off", chromedp.Click(chromedp.ID("parcels-toggle")))
		b.waitFor("no parcel layer", `document.getElementById('map').dataset.parcels === 'off' && !document.querySelector('#map .leaflet-parcels-pane canvas')`)
		if !strings.Contains(b.location(), "parcelles=non") {
			t.Errorf("URL %s does not keep the parcel layer off", b.location())
		}
		b.do("reload", chromedp.Reload())
		b.waitForData()
		if eval[bool](b, `document.getElementById('parcels-toggle').checked`) {
			t.Error("after a reload the parcel layer is on again; the URL said off")
		}
		b.do("switch the parcels on", chromedp.Click(chromedp.ID("parcels-toggle")))
		b.waitFor("parcels drawn again", `document.getElementById('map').dataset.parcels === 'shown' && Number(document.getElementById('map').dataset.parcelCount) > 0`)
		if strings.Contains(b.location(), "parcelles=") {
			t.Errorf("URL %s still says the parcel layer is off", b.location())
		}
	})

	if v := eval[[]string](b, `window.cspViolations`); len(v) != 0 {
		t.Errorf("the Content-Security-Policy refused: %v", v)
	}
	b.checkClean(true)
}
