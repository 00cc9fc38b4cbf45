// The cadastral parcels under the sites, from zoom 15: the service's vector tiles
// (/tiles/parcels/{z}/{x}/{y}.mvt, layer "parcels": id, contenance, part_id when linked
// to a site part) drawn on the tiles' canvases by a worker (parcels-worker.js), the parcel
// under the pointer named beside it, and the layer's switch in the legend.
//
// A z15 tile of a dense cadastre holds some 11 000 parcels, and a 1366×768 map shows 20
// tiles: decoding and drawing them on the page's main thread froze it for seconds (the
// 100 000-parcel cadastre of the browser tests). The main thread now only fetches the
// tiles, passes their bytes to the worker and copies the bitmaps it draws onto the tiles'
// canvases; the worker also keeps the decoded tiles, to name the parcel under the pointer
// and count the parcels on screen.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';
import {h, replace} from './dom.js';
import {formatM2} from './format.js';

// PARCEL_MIN_ZOOM is the first zoom with parcels: the service's tiles are empty below it.
export const PARCEL_MIN_ZOOM = 15;
// Beyond zoom 16 the z16 tiles are drawn larger: a parcel needs no finer grid. The worker
// draws the part of the z16 tile a deeper tile covers, its outlines as thin as at z16.
const PARCEL_DATA_ZOOM = 16;
const TILE_URL = '/tiles/parcels/{z}/{x}/{y}.mvt';
const WORKER = new URL('./parcels-worker.js', import.meta.url);
// Browsers open 6 connections to a host over HTTP/1.1: the parcel tiles take at most 4,
// so that the page's own requests (a site's sheet, the calendar) do not queue behind them.
const MAX_FETCHES = 4;
// Two workers draw the tiles of a dense cadastre in about half the time of one, on a
// machine of two cores as on more; the page's own thread stays all but idle meanwhile.
const WORKERS = 2;

// parcelContent is the hover label of a parcel, built as DOM nodes.
function parcelContent(props) {
  const area = typeof props.contenance === 'number' ? formatM2(props.contenance) : 'contenance non renseignée';
  return h('div', {class: 'tt'},
    h('strong', {}, 'Parcelle ', h('span', {class: 'parcel-id'}, String(props.id ?? ''))),
    h('span', {class: 'parcel-area'}, area),
    props.part_id ? h('span', {class: 'tt-status'}, 'rattachée à un site') : null);
}

// fetchQueue runs at most max fetches of array buffers at once, in the order asked. get
// returns a promise of the bytes (null for an empty tile, 204); its signal aborts it,
// waiting or under way.
function fetchQueue(max) {
  const waiting = [];
  let running = 0;
  const next = () => {
    while (running < max && waiting.length) {
      const job = waiting.shift();
      if (job.signal.aborted) {
        job.reject(job.signal.reason);
        continue;
      }
      running++;
      fetch(job.url, {signal: job.signal})
        .then((resp) => {
          if (!resp.ok) throw new Error(`${job.url}: ${resp.status}`);
          return resp.status === 204 ? null : resp.arrayBuffer();
        })
        .then(job.resolve, job.reject)
        .finally(() => {
          running--;
          next();
        });
    }
  };
  return {
    get(url, signal) {
      return new Promise((resolve, reject) => {
        waiting.push({url, signal, resolve, reject});
        next();
      });
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

// createParcels adds the parcel layer to map (in its "parcels" pane, under the sites).
// Its tiles wait for start(), which the map calls once it is made; at most MAX_FETCHES
// tiles are fetched at once, so that several megabytes of them over a dense cadastre do
// not hold up the page's own requests. el (the map's element) carries the layer's state: data-parcels is off,
// zoom (zoomed out), loading, shown or failed, and data-parcel-count the parcels drawn in
// the tiles on screen.
export function createParcels(map, el, {enabled = true, onToggle = () => {}} = {}) {
  let on = enabled;
  let started = false;
  let layer = null;
  let workers = null; // started when the layer is first wanted, before its tiles
  let failed = false;
  let loaded = false; // every tile on screen drawn
  let count = null; // the parcels on screen, once the workers have counted them
  let countSeq = 0;
  let counted = []; // the workers' answers to the latest count
  let atSeq = 0;
  const fetches = fetchQueue(MAX_FETCHES);
  const pending = new Map(); // tile id → {tile, done, worker}, while a worker draws it
  const queued = new Map(); // worker → the tiles it has to draw
  const byKey = new Map(); // "x:y:z" → tile entry, for the hover
  const entries = new WeakMap(); // tile canvas → its entry: {id, key, worker, ctrl, drawn}
  let nextID = 0;
  const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));

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
    if (on && inRange() && !failed && !workers) startWorkers();
    if (started && on && inRange() && !layer && !failed && workers) load();
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
    if (on) state = !inRange() ? 'zoom' : failed ? 'failed' : loaded && count !== null && shown() ? 'shown' : 'loading';
    el.dataset.parcels = state;
    if (state === 'shown') el.dataset.parcelCount = String(count);
    else if (state !== 'loading') el.dataset.parcelCount = '0';
    legend.classList.toggle('legend-inactive', state === 'zoom');
    legend.classList.toggle('legend-off', state === 'off');
    replace(note, failed ? 'indisponibles pour l’instant' : `à partir du zoom ${PARCEL_MIN_ZOOM} · cadastre DGFiP`);
  }

  // recount asks the workers for the parcels on screen once every tile is drawn; only the
  // latest count counts. Each worker counts the parcels inside its tiles and names those
  // across a tile's edge, which the next tile, maybe another worker's, also holds.
  function recount() {
    if (!loaded) return;
    counted = [];
    const seq = ++countSeq;
    for (const w of workers) w.postMessage({type: 'count', seq});
  }

  function addCount(m) {
    if (m.seq !== countSeq || !loaded) return;
    counted.push(m);
    if (counted.length < workers.length) return;
    const edges = new Set();
    for (const c of counted) for (const id of c.edges) edges.add(id);
    count = counted.reduce((n, c) => n + c.inside, 0) + edges.size;
    publish();
  }

  // fail marks the layer unavailable: the legend says so, and switching the layer off and
  // on tries again with a new worker.
  function fail() {
    if (layer) map.removeLayer(layer);
    layer = null;
    for (const w of workers || []) w.terminate();
    queued.clear();
    workers = null;
    for (const {tile, done} of pending.values()) done(new Error('parcelles indisponibles'), tile);
    pending.clear();
    failed = true;
    loaded = false;
    sync();
  }

  // startWorkers starts the workers, before the tiles are fetched: their scripts load
  // meanwhile.
  function startWorkers() {
    try {
      workers = Array.from({length: WORKERS}, (_, i) => {
        const w = new Worker(WORKER, {type: 'module', name: `parcelles ${i + 1}`});
        queued.set(w, 0);
        w.addEventListener('error', fail);
        w.addEventListener('message', answered);
        return w;
      });
    } catch {
      fail();
    }
  }

  // load makes the layer.
  function load() {
    layer = new ParcelGrid({pane: 'parcels', minZoom: PARCEL_MIN_ZOOM, maxZoom: map.getMaxZoom(), attribution: ''});
    layer.on('loading', () => {
      loaded = false;
      count = null;
      publish();
    });
    layer.on('load', () => {
      loaded = true;
      recount();
    });
    layer.on('tileunload', (e) => {
      drop(e.tile);
      recount();
    });
    layer.on('remove', () => {
      loaded = false;
      count = null;
    });
  }

  // answered takes the worker's answers: a tile drawn, a count, a parcel under the pointer.
  function answered({data: m, target}) {
    if (m.type === 'tile') {
      queued.set(target, queued.get(target) - 1);
      const job = pending.get(m.id);
      pending.delete(m.id);
      if (!job) {
        m.bitmap?.close();
        return;
      }
      if (m.bitmap) {
        job.tile.getContext('2d').drawImage(m.bitmap, 0, 0);
        m.bitmap.close();
      }
      const entry = entries.get(job.tile);
      if (entry) entry.drawn = !m.error;
      job.done(m.error ? new Error(m.error) : null, job.tile);
    } else if (m.type === 'count') {
      addCount(m);
    } else if (m.type === 'at') {
      if (m.seq === atSeq) showProps(m.props);
    }
  }

  // ParcelGrid is a Leaflet grid layer whose canvases the worker draws.
  const ParcelGrid = L.GridLayer.extend({
    createTile(coords, done) {
      const tile = document.createElement('canvas');
      const size = this.getTileSize();
      tile.width = size.x * ratio;
      tile.height = size.y * ratio;
      const id = ++nextID;
      const key = `${coords.x}:${coords.y}:${coords.z}`;
      const entry = {id, key, worker: null, ctrl: new AbortController(), drawn: false};
      entries.set(tile, entry);
      byKey.set(key, entry);
      // Past the data's last zoom, the tile is a part of its z16 ancestor, span tiles wide.
      const dz = Math.max(0, coords.z - PARCEL_DATA_ZOOM);
      const span = 2 ** dz;
      const [dx, dy] = [Math.floor(coords.x / span), Math.floor(coords.y / span)];
      const url = L.Util.template(TILE_URL, {z: coords.z - dz, x: dx, y: dy});
      fetches.get(url, entry.ctrl.signal).then((buf) => {
        if (entry.ctrl.signal.aborted || !workers) return;
        // To the worker with the fewest tiles to draw.
        const w = workers.reduce((a, b) => (queued.get(a) <= queued.get(b) ? a : b));
        queued.set(w, queued.get(w) + 1);
        entry.worker = w;
        pending.set(id, {tile, done, worker: w});
        w.postMessage(
          {type: 'tile', id, buf, size: tile.width, ratio, span, ox: coords.x - dx * span, oy: coords.y - dy * span},
          buf ? [buf] : []);
      }, (err) => {
        if (!entry.ctrl.signal.aborted) done(err, tile);
      });
      return tile;
    },
  });

  // drop forgets a tile the map has let go: its fetch, its drawing, its decoded data.
  function drop(tile) {
    const entry = entries.get(tile);
    if (!entry) return;
    entry.ctrl.abort();
    pending.delete(entry.id);
    if (byKey.get(entry.key) === entry) byKey.delete(entry.key);
    entry.worker?.postMessage({type: 'drop', id: entry.id});
  }

  // ask asks the worker for the parcel at latlng, in the drawn tile under it; showProps
  // takes the answer.
  let askedAt = null;
  function ask(latlng) {
    if (!shown()) {
      hide();
      return;
    }
    const z = Math.round(map.getZoom());
    const p = map.project(latlng, z).divideBy(layer.getTileSize().x);
    const tx = Math.floor(p.x);
    const ty = Math.floor(p.y);
    const entry = byKey.get(`${tx}:${ty}:${z}`);
    if (!entry?.drawn) {
      hide();
      return;
    }
    askedAt = latlng;
    entry.worker.postMessage({type: 'at', seq: ++atSeq, id: entry.id, fx: p.x - tx, fy: p.y - ty});
  }

  function showProps(props) {
    if (!props || !askedAt || !shown()) {
      hide();
      return;
    }
    if (props.id !== shownID) {
      tooltip.setContent(parcelContent(props));
      shownID = props.id;
    }
    tooltip.setLatLng(askedAt);
    if (!map.hasLayer(tooltip)) tooltip.openOn(map);
  }

  function hide() {
    atSeq++; // an answer on its way is for a pointer gone
    askedAt = null;
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

  // start lets the layer fetch its tiles. The layer is made in a task of its own, not in
  // the task that makes the map.
  function start() {
    if (started) return;
    started = true;
    setTimeout(sync);
  }

  // pointed asks for the parcel under a pointer event, unless the pointer is over a
  // control (the legend, the zoom buttons), which hides the map there.
  function pointed(e) {
    if (e.originalEvent?.target?.closest?.('.leaflet-control')) hide();
    else ask(e.latlng);
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

  return {setEnabled, start, legend};
}
