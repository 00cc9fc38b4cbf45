// The table view: every site part in a real, sortable <table>, the accessible
// alternative to the map.

import {h, replace} from './dom.js';
import {formatHa} from './format.js';
import {formatPreciseDate, sortKey} from './dates.js';
import {partArea} from './model.js';
import {statusChip} from './panel.js';
import {projectionBadge} from './projection.js';
import {STATUSES, qualityLabel} from './vocab.js';

// statusRank orders statuses along the journey, as the service lists them.
function statusRank(status) {
  const i = STATUSES.findIndex((st) => st.key === status);
  return i < 0 ? 99 : i;
}

function milestoneText(actual, planned) {
  if (actual) return `réalisée ${formatPreciseDate(actual)}`;
  if (planned) return `prévue ${formatPreciseDate(planned)}`;
  return '—';
}

// COLUMNS lists the table's columns: header, sort key, and cell.
const COLUMNS = [
  {key: 'name', label: 'Site', value: (f) => f.properties.name, text: true},
  {key: 'part', label: 'Partie', value: (f) => f.properties.part_label || '', text: true},
  {key: 'status', label: 'Statut', value: (f) => statusRank(f.properties.status)},
  {key: 'since', label: 'Depuis', value: (f) => sortKey(f.properties.status_since)},
  {key: 'area', label: 'Surface', value: (f) => partArea(f) ?? -1, numeric: true},
  {key: 'department', label: 'Service', value: (f) => f.properties.department || '', text: true},
  {key: 'release', label: 'Libération', value: (f) => f.properties.actual_release || f.properties.planned_release || ''},
  {key: 'disposal', label: 'Cession', value: (f) => f.properties.actual_disposal || f.properties.planned_disposal || ''},
  {key: 'quality', label: 'Géométrie', value: (f) => qualityLabel(f.properties.geometry_quality), text: true},
];

// parseSort reads "name" or "-area" into a column and a direction.
function parseSort(sort) {
  const desc = sort.startsWith('-');
  const col = COLUMNS.find((c) => c.key === sort.replace(/^-/, '')) || COLUMNS[0];
  return {col, desc};
}

function compare(col) {
  return (a, b) => {
    const va = col.value(a);
    const vb = col.value(b);
    if (col.text) return String(va).localeCompare(String(vb), 'fr');
    return va < vb ? -1 : va > vb ? 1 : 0;
  };
}

function cells(f, onSelect) {
  const p = f.properties;
  const area = partArea(f);
  return [
    h('th', {scope: 'row'}, h('button', {type: 'button', class: 'link-button', onclick: () => onSelect(p.site_id)}, p.name)),
    h('td', {}, p.part_label && p.part_label !== p.name ? p.part_label : '—'),
    h('td', {}, statusChip(p.status)),
    h('td', {}, formatPreciseDate(p.status_since)),
    h('td', {class: 'num'}, area === null ? '—' : formatHa(area)),
    h('td', {}, p.department || '—'),
    h('td', {}, milestoneText(p.actual_release, p.planned_release)),
    h('td', {}, milestoneText(p.actual_disposal, p.planned_disposal)),
    h('td', {}, h('span', {class: `quality quality-${p.geometry_quality === 'approximate' || p.geometry_quality === 'unlocated' ? p.geometry_quality : 'known'}`},
      qualityLabel(p.geometry_quality))),
  ];
}

// renderTable draws the parts in el, sorted by sort ("name", "-area"…); onSort(sort)
// asks for another order.
export function renderTable(el, parts, {sort, onSort, onSelect}) {
  const {col, desc} = parseSort(sort || 'name');
  const rows = [...parts].sort(compare(col));
  if (desc) rows.reverse();
  const focused = document.activeElement?.id;
  const head = COLUMNS.map((c) => {
    const active = c === col;
    const next = active && !desc ? `-${c.key}` : c.key;
    return h('th', {scope: 'col', class: c.numeric ? 'num' : null, 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none'},
      h('button', {type: 'button', class: 'sort-button', id: `sort-${c.key}`, onclick: () => onSort(next)},
        c.label, h('span', {class: 'sort-icon', 'aria-hidden': 'true'}, active ? (desc ? '▼' : '▲') : '↕')));
  });
  replace(el,
    h('div', {class: 'view-head'}, h('h2', {}, 'Tableau des sites', projectionBadge()),
      h('p', {class: 'view-intro'}, `${rows.length} partie${rows.length > 1 ? 's' : ''} de site ; cliquez un en-tête pour trier.`)),
    h('p', {class: 'table-hint', id: 'table-hint', hidden: true},
      `Le tableau compte ${COLUMNS.length} colonnes : faites-le défiler vers la droite pour voir les suivantes.`),
    h('div', {class: 'table-wrap'},
      h('table', {class: 'data-table', id: 'parts-table'},
        h('caption', {class: 'visually-hidden'}, 'Les parties de site, une par ligne, triables par colonne'),
        h('thead', {}, h('tr', {}, head)),
        h('tbody', {}, rows.map((f) => h('tr', {dataset: {siteId: f.properties.site_id, partId: f.id}}, cells(f, onSelect)))))));
  if (focused && focused.startsWith('sort-')) document.getElementById(focused)?.focus();
  syncScrollHint(el);
  if (!el.dataset.observed) {
    el.dataset.observed = 'true';
    new ResizeObserver(() => syncScrollHint(el)).observe(el);
  }
}

// syncScrollHint says, where the table is wider than its box (a phone shows two of its
// columns), that it scrolls sideways; the scroll box is then described by the hint.
function syncScrollHint(el) {
  const wrap = el.querySelector('.table-wrap');
  const hint = el.querySelector('.table-hint');
  if (!wrap || !hint || !wrap.clientWidth) return; // the view is hidden: measured when shown
  const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
  hint.hidden = !scrolls;
  if (scrolls) wrap.setAttribute('aria-describedby', hint.id);
  else wrap.removeAttribute('aria-describedby');
}
