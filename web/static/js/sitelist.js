// The list of sites beside the map: those on the map, then those with no known location
// ("Sites non localisés"), both narrowed by the same filters and search as the map.

import {h, replace} from './dom.js';
import {formatHa, plural} from './format.js';
import {isLocated} from './model.js';
import {statusColor, statusLabel} from './vocab.js';

// statusDots shows the statuses of a site's parts as coloured dots.
export function statusDots(parts) {
  return h('span', {class: 'dots', 'aria-hidden': 'true'}, parts.map((f) => {
    const dot = h('span', {class: 'dot'});
    dot.style.backgroundColor = statusColor(f.properties.status);
    return dot;
  }));
}

// statusSummary says in words the statuses of a site's parts.
function statusSummary(parts) {
  const labels = [...new Set(parts.map((f) => statusLabel(f.properties.status)))];
  return labels.join(', ');
}

function siteItem(site, selected, onSelect) {
  const located = site.parts.filter(isLocated);
  // the site's area as the service counts it: unlocated parts add nothing
  const area = site.parts.reduce((sum, f) => sum + (f.properties.area_m2 || 0), 0);
  const meta = [statusSummary(site.parts)];
  if (area) meta.push(formatHa(area));
  if (located.length && located.length < site.parts.length) {
    meta.push(plural(site.parts.length - located.length, 'partie non localisée', 'parties non localisées'));
  }
  const button = h('button', {
    type: 'button', class: 'site-item', 'aria-current': site.id === selected ? 'true' : null,
    onclick: () => onSelect(site.id),
  },
  statusDots(site.parts),
  h('span', {class: 'site-item-text'},
    h('span', {class: 'site-name'}, site.name),
    site.address ? h('span', {class: 'site-address'}, site.address) : null,
    h('span', {class: 'site-meta'}, meta.join(' · '))));
  return h('li', {dataset: {siteId: site.id}}, button);
}

// renderSiteList draws the two lists in el.
export function renderSiteList(el, sites, selected, onSelect) {
  const onMap = sites.filter((s) => s.parts.some(isLocated));
  const unlocated = sites.filter((s) => !s.parts.some(isLocated));
  const sections = [];
  sections.push(h('section', {class: 'list-section', 'aria-labelledby': 'list-located'},
    h('h3', {id: 'list-located'}, 'Sur la carte ', h('span', {class: 'count'}, String(onMap.length))),
    onMap.length ? h('ul', {class: 'sites', id: 'located-sites'}, onMap.map((s) => siteItem(s, selected, onSelect)))
      : h('p', {class: 'empty'}, 'Aucun site localisé ne correspond.')));
  sections.push(h('section', {class: 'list-section', 'aria-labelledby': 'list-unlocated'},
    h('h3', {id: 'list-unlocated'}, 'Sites non localisés ', h('span', {class: 'count'}, String(unlocated.length))),
    h('p', {class: 'hint'}, 'Aucune position connue : ces sites ne sont pas dessinés sur la carte.'),
    unlocated.length ? h('ul', {class: 'sites', id: 'unlocated-sites'}, unlocated.map((s) => siteItem(s, selected, onSelect)))
      : h('p', {class: 'empty'}, 'Aucun site non localisé ne correspond.')));
  replace(el, sections);
}
