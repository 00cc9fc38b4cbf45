// The dashboard: hectares by status, area ceded over the years, the next deadlines and
// the overdue ones, computed from the very parts and calendar items the other views
// show, so that the filters apply to it too.

import {h, replace, s} from './dom.js';
import {formatDay, formatHa, formatNumber, formatPreciseDate, periodStart, plural, precisionLabel} from './format.js';
import {isLocated, partArea} from './model.js';
import {FIRST_YEAR} from './calendar.js';
import {STATUSES, darken, milestoneLabel, statusColor} from './vocab.js';

// addMonths returns the ISO day n months after iso.
function addMonths(iso, n) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 10);
}

// summarize computes the dashboard's figures as of asOf.
export function summarize(sites, parts, items, asOf) {
  const siteIDs = new Set(sites.map((st) => st.id));
  const mine = items.filter((i) => siteIDs.has(i.site_id));
  const byStatus = STATUSES.map((st) => ({status: st.key, label: st.label, parts: 0, area_m2: 0, unknown: 0}));
  const ceded = {parts: 0, area_m2: 0, unknown: 0};
  const lastYear = Number(asOf.slice(0, 4));
  const yearly = new Map();
  for (const f of parts) {
    const row = byStatus.find((b) => b.status === f.properties.status);
    const area = partArea(f);
    if (row) {
      row.parts++;
      row.area_m2 += area || 0;
      if (!area) row.unknown++;
    }
    if (f.properties.status === 'ceded') {
      ceded.parts++;
      ceded.area_m2 += area || 0;
      if (!area) ceded.unknown++;
      const y = Number((f.properties.status_since || '').slice(0, 4));
      if (y) yearly.set(y, (yearly.get(y) || 0) + (area || 0));
    }
  }
  const cededByYear = [];
  let cumulative = [...yearly].filter(([y]) => y < FIRST_YEAR).reduce((sum, [, a]) => sum + a, 0);
  for (let y = FIRST_YEAR; y <= lastYear; y++) {
    cumulative += yearly.get(y) || 0;
    cededByYear.push({year: y, area_m2: yearly.get(y) || 0, cumulative_m2: cumulative});
  }
  const horizon = addMonths(asOf, 12);
  const open = mine.filter((i) => i.planned && !i.actual);
  const due = open.filter((i) => !i.overdue && i.planned_end >= asOf && i.planned_start <= horizon)
    .sort((a, b) => a.planned_start.localeCompare(b.planned_start));
  const overdue = open.filter((i) => i.overdue).sort((a, b) => a.planned_end.localeCompare(b.planned_end));
  return {
    totals: {
      sites: sites.length, parts: parts.length, located: parts.filter(isLocated).length,
      area_m2: parts.reduce((sum, f) => sum + (partArea(f) || 0), 0),
    },
    byStatus, ceded, cededByYear, due, overdue,
  };
}

function card(label, value, detail, cls) {
  return h('div', {class: `card ${cls || ''}`}, h('p', {class: 'card-label'}, label), h('p', {class: 'card-value'}, value),
    detail ? h('p', {class: 'card-detail'}, detail) : null);
}

// statusBars draws the hectares of each status as horizontal bars, in the status colours.
function statusBars(byStatus) {
  const max = Math.max(...byStatus.map((b) => b.area_m2), 1);
  return h('ul', {class: 'hbars', id: 'status-bars'}, byStatus.map((b) => {
    const bar = h('span', {class: 'hbar-fill', dataset: b.area_m2 ? {} : {empty: ''}});
    bar.style.width = `${(b.area_m2 / max) * 100}%`;
    bar.style.backgroundColor = statusColor(b.status);
    bar.style.borderColor = darken(statusColor(b.status));
    const note = b.parts ? `${plural(b.parts, 'partie', 'parties')}${b.unknown ? `, dont ${formatNumber(b.unknown)} sans surface connue` : ''}` : 'aucune partie';
    return h('li', {class: b.parts ? '' : 'hbar-empty', dataset: {status: b.status}},
      h('span', {class: 'hbar-label'}, b.label),
      h('span', {class: 'hbar-value'}, formatHa(b.area_m2)),
      h('span', {class: 'hbar-track'}, bar),
      h('span', {class: 'hbar-note'}, note));
  }));
}

// cededChart draws the area ceded each year (bars) and in total (line), in hectares.
function cededChart(rows) {
  const W = 640;
  const H = 230;
  const left = 44;
  const right = 12;
  const top = 14;
  const bottom = 30;
  const maxHa = Math.max(...rows.map((r) => r.cumulative_m2 / 10000), 0.5);
  const step = niceStep(maxHa / 4);
  const ceiling = Math.ceil(maxHa / step) * step;
  const y = (ha) => top + (H - top - bottom) * (1 - ha / ceiling);
  const band = (W - left - right) / rows.length;
  const x = (i) => left + i * band;
  const nodes = [];
  for (let v = 0; v <= ceiling + 1e-9; v += step) {
    nodes.push(s('line', {x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'chart-grid'}));
    nodes.push(s('text', {x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'chart-tick'}, formatHa(v * 10000).replace(' ha', '')));
  }
  rows.forEach((r, i) => {
    const ha = r.area_m2 / 10000;
    if (ha > 0) {
      nodes.push(s('rect', {x: x(i) + band * 0.18, y: y(ha), width: band * 0.64, height: y(0) - y(ha), fill: statusColor('ceded'), class: 'chart-bar'},
        s('title', {}, `${r.year} : ${formatHa(r.area_m2)} cédés`)));
    }
    if (r.year % 2 === 0 || rows.length < 13) {
      nodes.push(s('text', {x: x(i) + band / 2, y: H - bottom + 16, 'text-anchor': 'middle', class: 'chart-tick'}, String(r.year)));
    }
  });
  // The cumulative area is a step: flat through each year, rising at its end.
  const line = rows.map((r, i) => {
    const yy = y(r.cumulative_m2 / 10000).toFixed(1);
    return `${i ? 'L' : 'M'}${x(i).toFixed(1)} ${yy} L${(x(i) + band).toFixed(1)} ${yy}`;
  }).join(' ');
  nodes.push(s('path', {d: line, class: 'chart-line', stroke: darken(statusColor('ceded'), 0.45)}));
  const last = rows[rows.length - 1];
  if (last) {
    nodes.push(s('text', {x: x(rows.length - 1) + band, y: y(last.cumulative_m2 / 10000) - 8, 'text-anchor': 'end', class: 'chart-note'},
      `cumul ${formatHa(last.cumulative_m2)}`));
  }
  return s('svg', {viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': 'ceded-title', id: 'ceded-chart'},
    s('line', {x1: left, x2: W - right, y1: y(0), y2: y(0), class: 'chart-axis'}), nodes);
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) || p * 10;
}

function cededTable(rows) {
  return h('table', {class: 'visually-hidden'},
    h('caption', {}, 'Surface cédée par année'),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Année'), h('th', {scope: 'col'}, 'Cédé dans l’année'), h('th', {scope: 'col'}, 'Cumul'))),
    h('tbody', {}, rows.filter((r) => r.area_m2).map((r) => h('tr', {},
      h('th', {scope: 'row'}, String(r.year)), h('td', {}, formatHa(r.area_m2)), h('td', {}, formatHa(r.cumulative_m2))))));
}

function deadlineItem(item, onSelect, overdue) {
  const what = [milestoneLabel(item.kind)];
  if (item.label) what.push(item.label);
  return h('li', {class: overdue ? 'deadline deadline-overdue' : 'deadline'},
    h('span', {class: 'deadline-date'}, item.planned_label || formatPreciseDate(item.planned),
      h('small', {}, ` ${precisionLabel(item.planned)}`)),
    h('span', {class: 'deadline-text'},
      h('button', {type: 'button', class: 'link-button', onclick: () => onSelect(item.site_id)}, item.site_name),
      h('span', {class: 'deadline-what'}, what.join(' — ')),
      overdue ? h('span', {class: 'deadline-late'}, `échue le ${formatDay(item.planned_end)}${item.slips ? ` · ${plural(item.slips, 'report', 'reports')}` : ''}`) : null));
}

function deadlineList(items, onSelect, overdue, empty, id) {
  return items.length
    ? h('ol', {class: 'deadlines', id}, items.map((i) => deadlineItem(i, onSelect, overdue)))
    : h('p', {class: 'empty'}, empty);
}

// renderDashboard draws the dashboard of the filtered portfolio in el.
export function renderDashboard(el, sites, parts, items, {asOf, today, filtered, onSelect}) {
  const d = summarize(sites, parts, items, asOf);
  const scope = filtered ? 'sélection filtrée' : 'tout le portefeuille';
  replace(el,
    h('div', {class: 'view-head'},
      h('h2', {}, 'Tableau de bord'),
      h('p', {class: 'view-intro'}, `État au ${formatDay(asOf)}${asOf === today ? " (aujourd'hui)" : ''} · ${scope}`)),
    h('div', {class: 'cards'},
      card('Sites suivis', formatNumber(d.totals.sites), `${plural(d.totals.parts, 'partie', 'parties')} dont ${formatNumber(d.totals.parts - d.totals.located)} non localisée${d.totals.parts - d.totals.located > 1 ? 's' : ''}`),
      card('Surface suivie', formatHa(d.totals.area_m2), 'surfaces calculées ou déclarées'),
      card('Cédé depuis 2006', formatHa(d.ceded.area_m2), `${plural(d.ceded.parts, 'partie cédée', 'parties cédées')}${d.ceded.unknown ? `, dont ${formatNumber(d.ceded.unknown)} sans surface connue` : ''}`, 'card-ceded'),
      card('Échéances dépassées', formatNumber(d.overdue.length), d.overdue.length ? 'à replanifier ou à constater' : 'aucune', d.overdue.length ? 'card-overdue' : ''),
      card('Dans les 12 mois', formatNumber(d.due.length), `jusqu’au ${formatDay(addMonths(asOf, 12))}`)),
    h('div', {class: 'dash-grid'},
      h('section', {class: 'dash-block', 'aria-labelledby': 'status-title'},
        h('h3', {id: 'status-title'}, 'Surface par statut'),
        statusBars(d.byStatus)),
      h('section', {class: 'dash-block', 'aria-labelledby': 'ceded-title'},
        h('h3', {id: 'ceded-title'}, 'Surface cédée par année et cumul (ha)'),
        cededChart(d.cededByYear), cededTable(d.cededByYear),
        h('p', {class: 'chart-caption'}, 'Barres : surface cédée dans l’année ; ligne : cumul depuis 2006. Surfaces des emprises approximatives.')),
      h('section', {class: 'dash-block', 'aria-labelledby': 'due-title'},
        h('h3', {id: 'due-title'}, 'Prochaines échéances (12 mois)'),
        deadlineList(d.due, onSelect, false, 'Aucune échéance prévue dans les 12 mois.', 'due-list')),
      h('section', {class: 'dash-block', 'aria-labelledby': 'overdue-title'},
        h('h3', {id: 'overdue-title'}, 'Échéances dépassées'),
        deadlineList(d.overdue, onSelect, true, 'Aucune échéance dépassée.', 'overdue-list'))));
}
