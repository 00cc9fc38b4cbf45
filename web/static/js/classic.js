// Leaflet-Geoman, a Leaflet plugin published as a classic script, extends or reads a
// global L, while the page uses Leaflet's ES module.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';

// leafletGlobal gives classic scripts their global L: a plain object holding the module's
// classes (a module namespace cannot be extended), so what a plugin adds to L.Map,
// L.Polygon… applies to the page's map too.
export function leafletGlobal() {
  if (!window.L) window.L = {...L};
  return window.L;
}
