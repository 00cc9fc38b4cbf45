// The parcel layer's worker (a module worker started by parcels.js): it decodes the
// service's parcel tiles and draws them, off the page's main thread. A z15 tile of a dense
// cadastre holds some 11 000 parcels: decoded and drawn on the main thread, the 20 tiles
// of a 1366×768 map froze the page for seconds. The page fetches each tile (so that the
// fetch shows in its resource timings and shares its connections' limit) and hands its
// bytes over; the worker answers with an ImageBitmap the page only has to copy onto the
// tile's canvas, and keeps the decoded tile to name the parcel under the pointer and to
// count the parcels on screen. The page may run several such workers, each drawing some
// of the tiles.
//
// Messages from the page, each answered with the same type:
//   {type: 'tile', id, buf, size, ratio, span, ox, oy} draws tile id from buf (the .mvt
//     bytes, null for an empty tile) on a size×size canvas (ratio device pixels per CSS
//     pixel); at a zoom past the data's last, buf is that of an ancestor tile, span
//     displayed tiles wide, of which this tile is column ox, row oy.
//     Answer: {type, id, bitmap} (bitmap null when nothing is drawn) or {type, id, error}.
//   {type: 'drop', id} forgets a tile the map no longer shows. No answer.
//   {type: 'count', seq} → {type, seq, inside, edges}: over the tiles kept, the number of
//     parcels inside a tile, and the ids of those across a tile's edge (see countParcels).
//   {type: 'at', seq, id, fx, fy} → {type, seq, props}: the properties of the parcel at
//     (fx, fy), fractions of tile id's width and height, or null.

import Pbf from '/vendor/pbf/index.js';
import {VectorTile} from '/vendor/vector-tile/index.js';

const LAYER = 'parcels';
// The same look as the legend's swatches (app.css): a thin outline, and a tinted parcel
// with a thicker outline where it serves a site part.
const PARCEL = {stroke: 'rgba(92, 80, 62, 0.7)', width: 0.7};
const LINKED = {fill: 'rgba(120, 53, 15, 0.22)', stroke: 'rgb(120, 53, 15)', width: 1.6};

// tiles: tile id → what the hover and the count need of a drawn tile.
const tiles = new Map();
let canvas = null;

self.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'tile':
      try {
        const bitmap = drawTile(m);
        self.postMessage({type: 'tile', id: m.id, bitmap}, bitmap ? [bitmap] : []);
      } catch (err) {
        tiles.delete(m.id);
        self.postMessage({type: 'tile', id: m.id, error: String(err?.message || err)});
      }
      break;
    case 'drop':
      tiles.delete(m.id);
      break;
    case 'count':
      self.postMessage({type: 'count', seq: m.seq, ...countParcels()});
      break;
    case 'at':
      self.postMessage({type: 'at', seq: m.seq, props: parcelAt(m.id, m.fx, m.fy)});
      break;
  }
};

// drawTile decodes a tile and draws its parcels: the unlinked ones, which all look the
// same, as one path stroked once (stroking each parcel on its own took ten times longer),
// then the linked ones, filled and outlined, above them.
//
// Each path is written as SVG path data, in the tile's integer coordinates, and handed to
// Path2D in one call: building it with a call to lineTo() per point took Chromium's worker
// some 500 ms for a tile of 11 000 parcels, the string and its parsing 20 to 30 ms.
function drawTile({id, buf, size, ratio, span, ox, oy}) {
  const layer = buf && buf.byteLength ? new VectorTile(new Pbf(buf)).layers[LAYER] : null;
  if (!layer) {
    tiles.set(id, {layer: null, ids: [], boxes: null, inside: 0, edges: [], span, ox, oy});
    return null;
  }
  const n = layer.length;
  const ids = new Array(n);
  const boxes = new Int32Array(4 * n); // each parcel's box in tile coordinates, for the hover
  let outlines = '';
  let linked = '';
  for (let i = 0; i < n; i++) {
    const f = layer.feature(i);
    ids[i] = f.properties.id;
    if (f.type !== 3) {
      boxes.set([1, 1, 0, 0], 4 * i); // an empty box: no hover on what is not an area
      continue;
    }
    const rings = f.loadGeometry();
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    let d = '';
    for (const ring of rings) {
      let x = 0, y = 0;
      for (let j = 0; j < ring.length; j++) {
        const p = ring[j];
        d += (j ? 'l' : 'M') + (p.x - x) + ' ' + (p.y - y);
        x = p.x;
        y = p.y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
      d += 'z';
    }
    boxes[4 * i] = x0;
    boxes[4 * i + 1] = y0;
    boxes[4 * i + 2] = x1;
    boxes[4 * i + 3] = y1;
    if (f.properties.part_id) linked += d;
    else outlines += d;
  }
  tiles.set(id, {layer, ids, boxes, span, ox, oy, ...classify(ids, boxes, layer.extent, span, ox, oy)});

  if (!canvas || canvas.width !== size) canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, size, size);
  // Tile coordinates (0 to extent over the data tile) to the canvas's pixels; line widths
  // are in tile coordinates too.
  const k = (size * span) / layer.extent;
  ctx.setTransform(k, 0, 0, k, -ox * size, -oy * size);
  ctx.strokeStyle = PARCEL.stroke;
  ctx.lineWidth = (PARCEL.width * ratio) / k;
  ctx.stroke(new Path2D(outlines));
  if (linked) {
    const path = new Path2D(linked);
    ctx.fillStyle = LINKED.fill;
    ctx.fill(path);
    ctx.strokeStyle = LINKED.stroke;
    ctx.lineWidth = (LINKED.width * ratio) / k;
    ctx.stroke(path);
  }
  return canvas.transferToImageBitmap();
}

// classify sorts a tile's parcels for the count: a parcel whose box lies within the
// tile's square is in no other tile's square, and only counted (inside); one whose box
// crosses the square's edge may be in the next tile too, and is named (edges), for the
// page to count it once over every worker's tiles; one whose box misses the square is
// only in the tile's margin (the service's tiles overlap by 64 units of 4 096), and is
// left to the tile it lies in. The square is, at a zoom past the data's last, the part
// of the data tile the tile shows.
function classify(ids, boxes, extent, span, ox, oy) {
  const side = extent / span;
  const [sx0, sy0] = [ox * side, oy * side];
  const [sx1, sy1] = [sx0 + side, sy0 + side];
  let inside = 0;
  const edges = [];
  for (let i = 0; i < ids.length; i++) {
    const [x0, y0, x1, y1] = boxes.subarray(4 * i, 4 * i + 4);
    if (x0 > x1 || x1 <= sx0 || x0 >= sx1 || y1 <= sy0 || y0 >= sy1) continue;
    if (x0 >= sx0 && x1 <= sx1 && y0 >= sy0 && y1 <= sy1) inside++;
    else edges.push(ids[i]);
  }
  return {inside, edges};
}

// countParcels counts, over the tiles kept, the parcels inside a tile, and names those
// across a tile's edge, each once.
function countParcels() {
  let inside = 0;
  const edges = new Set();
  for (const t of tiles.values()) {
    inside += t.inside;
    for (const id of t.edges) edges.add(id);
  }
  return {inside, edges: [...edges]};
}

// parcelAt finds the parcel at (fx, fy) of tile id: the parcels whose box holds the point,
// then the one whose rings do (even-odd, so that a hole is not the parcel).
function parcelAt(id, fx, fy) {
  const t = tiles.get(id);
  if (!t?.layer) return null;
  const x = ((t.ox + fx) / t.span) * t.layer.extent;
  const y = ((t.oy + fy) / t.span) * t.layer.extent;
  const b = t.boxes;
  for (let i = 0; i < t.ids.length; i++) {
    if (x < b[4 * i] || y < b[4 * i + 1] || x > b[4 * i + 2] || y > b[4 * i + 3]) continue;
    const f = t.layer.feature(i);
    if (inside(f.loadGeometry(), x, y)) {
      const p = f.properties;
      return {id: p.id, contenance: p.contenance, part_id: p.part_id};
    }
  }
  return null;
}

function inside(rings, x, y) {
  let odd = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const a = ring[i];
      const c = ring[j];
      if ((a.y > y) !== (c.y > y) && x < ((c.x - a.x) * (y - a.y)) / (c.y - a.y) + a.x) odd = !odd;
    }
  }
  return odd;
}
