// The portfolio as the page sees it: site parts (GeoJSON features from the OGC API)
// grouped into sites, and the filters and search that every view shares.

import {fold, yearOf} from './format.js';
import {matchesText} from './search.js';

// groupSites gathers the part features into sites, in the order of their names.
export function groupSites(features) {
  const sites = new Map();
  for (const f of features) {
    const p = f.properties;
    let site = sites.get(p.site_id);
    if (!site) {
      site = {
        id: p.site_id,
        name: p.name,
        address: p.address || '',
        department: p.department || '',
        modality: p.modality,
        modality_done: p.modality_done,
        counterparty: p.counterparty || '',
        parts: [],
      };
      sites.set(p.site_id, site);
    }
    site.parts.push(f);
  }
  return [...sites.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

// isLocated tells whether a part has a geometry to draw.
export function isLocated(feature) {
  return Boolean(feature.geometry);
}

// partArea is the best known area of a part: measured on its geometry, else declared.
export function partArea(feature) {
  const p = feature.properties;
  return p.area_m2 ?? p.declared_area_m2 ?? null;
}

// disposalYear is the year a part was ceded or is planned to be, or null.
export function disposalYear(feature) {
  const p = feature.properties;
  return yearOf(p.actual_disposal || p.planned_disposal);
}

// parcelPrefix is the first part of the commune's parcel ids ("94041000"), from the
// service's configuration (GET /api/config, parcel_id_prefix); empty until it arrives.
let parcelPrefix = '';

// setParcelIDPrefix takes up the service's parcel-id prefix.
export function setParcelIDPrefix(prefix) {
  parcelPrefix = typeof prefix === 'string' ? prefix : '';
}

// A short reference is a section and a number, as planners write them ("AZ 56"); the id
// pads them to these widths after the commune's prefix.
const SECTION_WIDTH = 2;
const NUMBER_WIDTH = 4;

// parcelID reads a cadastral reference typed by a user: a short one ("AZ 56",
// "az0056") becomes an id of the commune, anything else is kept as typed (without
// spaces, in capitals), for the service to accept or refuse — it alone knows which ids
// are valid (Corsica's 2A and 2B among them).
export function parcelID(query) {
  const q = (query || '').replace(/\s+/g, '').toUpperCase();
  const m = /^([A-Z]{1,2})0*(\d{1,4})$/.exec(q);
  if (m && parcelPrefix) return `${parcelPrefix}${m[1].padStart(SECTION_WIDTH, '0')}${m[2].padStart(NUMBER_WIDTH, '0')}`;
  return q;
}

// looksLikeParcelID tells whether a typed text, read by parcelID, is worth asking the
// service about: as long as an id of the commune, shaped as one (a département and
// commune code, digits or Corsica's 2A/2B, then letters and digits ending in the
// four-digit number) — "robert witchitz" has the length but is a name. Whether it is a
// valid id is the service's answer.
export function looksLikeParcelID(query) {
  const id = parcelID(query);
  return Boolean(parcelPrefix) && id.length === parcelPrefix.length + SECTION_WIDTH + NUMBER_WIDTH &&
    /^(\d{2}|2A|2B)\d{3}[0-9A-Z]+\d{4}$/.test(id);
}

// departments lists the departments of the sites, for the filter.
export function departments(sites) {
  return [...new Set(sites.map((s) => s.department).filter(Boolean))].sort((a, b) => a.localeCompare(b, 'fr'));
}

// disposalYears lists the disposal years found in the parts, for the filter.
export function disposalYears(features) {
  return [...new Set(features.map(disposalYear).filter(Boolean))].sort();
}

// hasFilters tells whether any filter or search narrows the view.
export function hasFilters(st) {
  return Boolean(st.statuses.length || st.department || st.year || st.q.trim());
}

// siteMatchesSearch tells whether the search text names the site: its name, address,
// id, department, a part's label, or a cadastral parcel of it.
function siteMatchesSearch(site, q, parcels) {
  const needle = fold(q.trim());
  if (!needle) return true;
  const haystack = [site.name, site.address, site.id, site.department, ...site.parts.map((f) => f.properties.part_label)];
  if (matchesText(q, haystack)) return true;
  const known = parcels.get(site.id) || [];
  if (known.includes(parcelID(q))) return true;
  const compact = needle.replace(/\s+/g, '');
  return compact.length >= 4 && known.some((id) => fold(id).includes(compact));
}

// partMatches tells whether a part passes the status and disposal-year filters.
function partMatches(feature, st) {
  const p = feature.properties;
  if (st.statuses.length && !st.statuses.includes(p.status)) return false;
  if (st.year) {
    const y = disposalYear(feature);
    if (st.year === 'sans' ? y !== null : String(y) !== st.year) return false;
  }
  return true;
}

// applyFilters returns the sites that pass the state's filters and search, each with
// only its matching parts, and those parts. parcels maps a site id to the parcel ids
// known for it.
export function applyFilters(sites, st, parcels) {
  const out = [];
  for (const site of sites) {
    if (st.department && site.department !== st.department) continue;
    if (!siteMatchesSearch(site, st.q, parcels)) continue;
    const parts = site.parts.filter((f) => partMatches(f, st));
    if (parts.length) out.push({...site, parts});
  }
  return {sites: out, parts: out.flatMap((s) => s.parts)};
}
