// The view's state lives in the URL's fragment, so that a view can be shared or
// bookmarked: #vue=calendrier&date=2014-12-31&statut=ceded,in_use&service=…&annee=2019&q=…&site=…
// &carte=16/48.81234/2.38765 (zoom/latitude/longitude, once the map has been moved)
// &parcelles=non (the parcel layer switched off)
// The fragment never reaches the server.

import {isStatus} from './vocab.js';

export const VIEWS = ['carte', 'calendrier', 'bord', 'tableau', 'engagements', 'comites'];

// emptyState is the default view: the map, today, nothing filtered.
export function emptyState() {
  return {view: 'carte', date: null, statuses: [], department: '', year: '', q: '', site: null, sort: '', map: null, parcels: true};
}

// readState parses a URL fragment into a state, ignoring what it does not understand.
export function readState(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const st = emptyState();
  if (VIEWS.includes(p.get('vue'))) st.view = p.get('vue');
  if (/^\d{4}-\d{2}-\d{2}$/.test(p.get('date') || '')) st.date = p.get('date');
  st.statuses = (p.get('statut') || '').split(',').filter(isStatus);
  st.department = p.get('service') || '';
  if (/^(\d{4}|sans)$/.test(p.get('annee') || '')) st.year = p.get('annee');
  st.q = p.get('q') || '';
  st.site = p.get('site') || null;
  if (/^-?[a-z_]+$/.test(p.get('tri') || '')) st.sort = p.get('tri');
  const m = /^(\d{1,2}(?:\.\d+)?)\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(p.get('carte') || '');
  if (m) st.map = {zoom: Number(m[1]), lat: Number(m[2]), lng: Number(m[3])};
  st.parcels = p.get('parcelles') !== 'non';
  return st;
}

// writeState renders a state as a URL fragment, leaving defaults out.
export function writeState(st) {
  const p = new URLSearchParams();
  if (st.view !== 'carte') p.set('vue', st.view);
  if (st.date) p.set('date', st.date);
  if (st.statuses.length) p.set('statut', st.statuses.join(','));
  if (st.department) p.set('service', st.department);
  if (st.year) p.set('annee', st.year);
  if (st.q) p.set('q', st.q);
  if (st.site) p.set('site', st.site);
  if (st.sort) p.set('tri', st.sort);
  if (st.map) p.set('carte', `${Number(st.map.zoom.toFixed(2))}/${st.map.lat.toFixed(5)}/${st.map.lng.toFixed(5)}`);
  if (!st.parcels) p.set('parcelles', 'non');
  // "," and "/" need no escaping in a fragment: left as they are, the link stays readable.
  const text = p.toString().replace(/%2C/gi, ',').replace(/%2F/gi, '/');
  return text ? `#${text}` : '';
}
