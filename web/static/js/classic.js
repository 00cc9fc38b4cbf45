// Leaflet plugins published as classic scripts (Leaflet-Geoman, protomaps-leaflet) extend
// or read a global L, while the page uses Leaflet's ES module.

import * as L from '/vendor/leaflet/leaflet-src.esm.js';

// leafletGlobal gives classic scripts their global L: a plain object holding the module's
// classes (a module namespace cannot be extended), so what a plugin adds to L.Map,
// L.Polygon… applies to the page's map too.
export function leafletGlobal() {
  if (!window.L) window.L = {...L};
  return window.L;
}

const scripts = new Map();

// loadScript runs a same-origin classic script once (the CSP allows 'self'), for a
// library whose globals the page reads; the promise settles when it has run.
export function loadScript(src) {
  if (!scripts.has(src)) {
    const loading = new Promise((resolve, reject) => {
      const el = document.createElement('script');
      el.src = src;
      el.async = true;
      el.addEventListener('load', () => resolve());
      el.addEventListener('error', () => reject(new Error(`${src} n’a pas pu être chargé`)));
      document.head.append(el);
    });
    loading.catch(() => scripts.delete(src)); // a later call tries again
    scripts.set(src, loading);
  }
  return scripts.get(src);
}
