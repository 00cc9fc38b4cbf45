// The cadastral parcels under the sites, from zoom 15: the service's vector tiles
// (/tiles/parcels/{z}/{x}/{y}.mvt, layer "parcels": id, contenance, part_id when linked
// to a site part) drawn on canvas by protomaps-leaflet, the parcel under the pointer named
// beside it, and the layer's switch in the legend.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import {leafletGlobal, loadScript} from './classic.js';
import {h, replace} from './dom.js';
import {formatM2} from './format.js';

// PARCEL_MIN_ZOOM is the first zoom with parcels: the service's tiles are empty below it.
export const PARCEL_MIN_ZOOM = 15;
// Beyond zoom 16 the z16 tiles are drawn larger: a parcel needs no finer grid.
const PARCEL_DATA_ZOOM = 16;
const TILE_URL = '/tiles/parcels/{z}/{x}/{y}.mvt';
const SCRIPT = '/vendor/protomaps-leaflet/protomaps-leaflet.js';

// A parcel is a thin outline; one linked to a site part is drawn thicker and tinted, so
// that the land of each site shows under its (translucent) shape.
const PARCEL = {stroke: 'rgba(92, 80, 62, 0.7)', width: 0.7};
const LINKED = {fill: 'rgba(120, 53, 15, 0.22)', stroke: 'rgb(120, 53, 15)', width: 1.6};

// linked says whether a parcel serves a site part.
function linked(feature) {
  return Boolean(feature?.props?.part_id);
}

// parcelContent is the hover label of a parcel, built as DOM nodes.
function parcelContent(props) {
  const area = typeof props.contenance === 'number' ? formatM2(props.contenance) : 'contenance non renseignée';
  return h('div', {class: 'tt'},
    h('strong', {}, 'Parcelle ', h('span', {class: 'parcel-id'}, String(props.id ?? ''))),
    h('span', {class: 'parcel-area'}, area),
    props.part_id ? h('span', {class: 'tt-status'}, 'rattachée à un site') : null);
}

// A z15 tile of a dense cadastre holds some 11 000 parcels. Drawn one by one (style set,
// path filled and stroked for each), a tile took Chromium 55 to 100 ms, and a map of 20
// tiles froze the page for seconds. The unlinked parcels, which all look the same, are
// therefore added to one path per tile and stroked once when the tile's parcels are all
// in it (7 to 12 ms for the same tile); they have no fill, which alone cost 15 to 50 ms
// more per tile for a 5 % tint. protomaps-leaflet has no hook after a rule's last
// feature: the linked parcels' rule, which comes next, strokes the path in its before().
// Canvas path points are transformed as they are added, so the path is right although
// the tile's translation has been undone by then.

// outlineSymbolizer adds each parcel's rings to the tile's current path, and records,
// per tile canvas, the parcels drawn: the page says how many it shows (data-parcel-count).
function outlineSymbolizer(drawn) {
  return {
    before(ctx) {
      drawn.set(ctx.canvas, new Set());
      ctx.beginPath();
    },
    draw(ctx, geom, z, feature) {
      drawn.get(ctx.canvas)?.add(feature.props.id);
      for (const ring of geom) {
        ctx.moveTo(ring[0].x, ring[0].y);
        for (let i = 1; i < ring.length; i++) ctx.lineTo(ring[i].x, ring[i].y);
      }
    },
  };
}

// linkedSymbolizer strokes the outlines outlineSymbolizer gathered, then draws each
// linked parcel, filled and outlined, above them.
function linkedSymbolizer(drawn) {
  return {
    before(ctx) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = PARCEL.stroke;
      ctx.lineWidth = PARCEL.width;
      ctx.stroke();
      ctx.fillStyle = LINKED.fill;
      ctx.strokeStyle = LINKED.stroke;
      ctx.lineWidth = LINKED.width;
    },
    draw(ctx, geom, z, feature) {
      drawn.get(ctx.canvas)?.add(feature.props.id);
      ctx.beginPath();
      for (const ring of geom) {
        ctx.moveTo(ring[0].x, ring[0].y);
        for (let i = 1; i < ring.length; i++) ctx.lineTo(ring[i].x, ring[i].y);
      }
      ctx.fill();
      ctx.stroke();
    },
  };
}

// throttle calls fn at most every ms milliseconds, and once more with the last arguments;
// cancel drops that last call.
function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  let pending = null;
  const run = () => {
    timer = null;
    last = Date.now();
    fn(...pending);
  };
  const throttled = (...args) => {
    pending = args;
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  throttled.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return throttled;
}

// createParcels adds the parcel layer to map (in its "parcels" pane, under the sites),
// loading protomaps-leaflet the first time the map is zoomed in far enough. el (the map's
// element) carries its state: data-parcels is off, zoom (zoomed out), loading, shown or
// failed, and data-parcel-count the parcels drawn in the tiles on screen.
export function createParcels(map, el, {enabled = true, onToggle = () => {}} = {}) {
  let on = enabled;
  let layer = null;
  let loading = null;
  let failed = false;
  let loaded = false; // every tile on screen drawn
  const drawn = new Map(); // tile canvas → ids of the parcels drawn on it

  const tooltip = L.tooltip({direction: 'bottom', offset: [0, 18], opacity: 1, className: 'parcel-tooltip'});
  let shownID = null;

  const box = h('input', {type: 'checkbox', id: 'parcels-toggle', 'aria-describedby': 'parcels-note'});
  box.checked = on;
  box.addEventListener('change', () => {
    setEnabled(box.checked);
    onToggle(box.checked);
  });
  const note = h('span', {class: 'legend-note', id: 'parcels-note'});
  const legend = h('div', {class: 'legend-layers'},
    h('label', {class: 'legend-toggle'}, box, h('span', {}, 'Parcelles cadastrales')),
    note,
    h('ul', {class: 'legend-list legend-parcels'},
      h('li', {}, h('span', {class: 'swatch swatch-parcel', 'aria-hidden': 'true'}), h('span', {class: 'legend-label'}, 'parcelle')),
      h('li', {}, h('span', {class: 'swatch swatch-parcel-linked', 'aria-hidden': 'true'}), h('span', {class: 'legend-label'}, 'parcelle d’un site'))));

  function inRange() {
    return Math.round(map.getZoom()) >= PARCEL_MIN_ZOOM;
  }

  function shown() {
    return Boolean(layer && map.hasLayer(layer) && inRange());
  }

  // sync adds or removes the layer as the switch and the zoom ask, and says so.
  function sync() {
    if (on && inRange() && !layer && !loading && !failed) load();
    if (layer && on !== map.hasLayer(layer)) {
      if (on) layer.addTo(map);
      else map.removeLayer(layer);
    }
    if (!shown()) hide();
    publish();
  }

  // publish says what the layer shows: on the map's element, and in the legend.
  function publish() {
    let state = 'off';
    if (on) state = !inRange() ? 'zoom' : failed ? 'failed' : loaded && shown() ? 'shown' : 'loading';
    el.dataset.parcels = state;
    // Counted once the tiles are all drawn: a union over 100 000 parcels at each of a
    // map's 20 tile loads took 50 ms of the main thread.
    if (state === 'shown') {
      const ids = new Set();
      for (const set of drawn.values()) for (const id of set) ids.add(id);
      el.dataset.parcelCount = String(ids.size);
    } else if (state !== 'loading') {
      el.dataset.parcelCount = '0';
    }
    legend.classList.toggle('legend-inactive', state === 'zoom');
    legend.classList.toggle('legend-off', state === 'off');
    replace(note, failed ? 'indisponibles pour l’instant' : `à partir du zoom ${PARCEL_MIN_ZOOM} · cadastre DGFiP`);
  }

  // load loads protomaps-leaflet and makes the layer; when that fails the legend says so,
  // and switching the layer off and on tries again.
  function load() {
    loading = loadScript(SCRIPT).then(() => {
      leafletGlobal();
      layer = newLayer(window.protomapsL);
      layer.on('loading', () => {
        loaded = false;
        publish();
      });
      layer.on('load', () => {
        loaded = true;
        publish();
      });
      layer.on('tileload', publish);
      layer.on('tileunload', (e) => {
        drawn.delete(e.tile);
        publish();
      });
      layer.on('remove', () => {
        drawn.clear();
        loaded = false;
      });
    }).catch(() => {
      failed = true;
    }).finally(() => {
      loading = null;
      sync();
    });
  }

  function newLayer(P) {
    return P.leafletLayer({
      url: TILE_URL,
      pane: 'parcels',
      attribution: '', // the legend names the source, as text
      lang: 'fr',
      minZoom: PARCEL_MIN_ZOOM,
      maxDataZoom: PARCEL_DATA_ZOOM,
      // One data tile per displayed tile: by default a z15 map would draw z14 data, which
      // the service leaves empty.
      levelDiff: 0,
      paintRules: [
        {dataLayer: 'parcels', filter: (z, f) => !linked(f), symbolizer: outlineSymbolizer(drawn)},
        {dataLayer: 'parcels', filter: (z, f) => linked(f), symbolizer: linkedSymbolizer(drawn)},
      ],
    });
  }

  // parcelAt returns the properties of the parcel at latlng, among the tiles loaded.
  function parcelAt(latlng) {
    if (!shown()) return null;
    const picks = layer.queryTileFeaturesDebug(latlng.lng, latlng.lat, 0).get('') || [];
    return picks.find((p) => p.layerName === 'parcels')?.feature.props || null;
  }

  function show(latlng) {
    const props = parcelAt(latlng);
    if (!props) {
      hide();
      return;
    }
    if (props.id !== shownID) {
      tooltip.setContent(parcelContent(props));
      shownID = props.id;
    }
    tooltip.setLatLng(latlng);
    if (!map.hasLayer(tooltip)) tooltip.openOn(map);
  }

  function hide() {
    shownID = null;
    tooltip.close();
  }

  // setEnabled switches the layer on or off; switching it on again retries a failed load.
  function setEnabled(value) {
    if (Boolean(value) === on) return;
    on = Boolean(value);
    box.checked = on;
    failed = false;
    sync();
  }

  // pointed shows the parcel under a pointer event, unless the pointer is over a control
  // (the legend, the zoom buttons), which hides the map there.
  function pointed(e) {
    if (e.originalEvent?.target?.closest?.('.leaflet-control')) hide();
    else show(e.latlng);
  }

  map.createPane('parcels').style.zIndex = 250; // above the base map (200), under the commune (350) and the sites (400)
  const hover = throttle(pointed, 60);
  map.on('mousemove', hover);
  map.on('click', pointed); // a touch screen has no hover: a tap names the parcel
  map.on('mouseout zoomstart', () => {
    hover.cancel();
    hide();
  });
  map.on('zoomend', sync);
  sync();

  return {setEnabled, legend};
}
