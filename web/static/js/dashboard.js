// The dashboard: hectares by status, area ceded over the years, the next deadlines and
// the overdue ones, as the service computes them (GET /api/dashboard): the page draws
// the figures and computes none, so they are the same as every other client's.

import {h, replace, s} from './dom.js';
import {formatDay, formatHa, formatNumber, planMoves, plural} from './format.js';
import {precisionLabel} from './dates.js';
import {renderChecks} from './checks.js';
import {areaNotes, areaValue} from './areas.js';
import {FIRST_YEAR} from './calendar.js';
import {darken, milestoneLabel, statusColor} from './vocab.js';
import {projectionBadge, projectionText} from './projection.js';

// cededRows spreads the service's ceded areas over every year of the chart, from
// FIRST_YEAR to the year shown: a year without cession keeps the cumulative area of the
// year before.
function cededRows(byYear, lastYear) {
  const known = new Map(byYear.map((r) => [r.year, r]));
  let cumulative = byYear.filter((r) => r.year < FIRST_YEAR).reduce((last, r) => r.cumulative_m2, 0);
  const rows = [];
  for (let y = FIRST_YEAR; y <= lastYear; y++) {
    const r = known.get(y);
    if (r) cumulative = r.cumulative_m2;
    rows.push({year: y, area_m2: r ? r.area_m2 : 0, cumulative_m2: cumulative});
  }
  return rows;
}

// withNotes follows a card's detail with where its area comes from (see areas.js).
function withNotes(detail, area) {
  const notes = areaNotes(area);
  return notes ? `${detail} · ${notes}` : detail;
}

// card shows one figure; key names it (data-card), for tests and styles.
function card(key, label, value, detail, cls) {
  return h('div', {class: `card ${cls || ''}`.trim(), dataset: {card: key}}, h('p', {class: 'card-label'}, label), h('p', {class: 'card-value'}, value),
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
    const note = b.parts ? withNotes(plural(b.parts, 'partie', 'parties'), b) : 'aucune partie';
    return h('li', {class: b.parts ? '' : 'hbar-empty', dataset: {status: b.status}},
      h('span', {class: 'hbar-label'}, b.label),
      h('span', {class: 'hbar-value'}, areaValue(b)),
      h('span', {class: 'hbar-track'}, bar),
      h('span', {class: 'hbar-note'}, note));
  }));
}

// cededChart draws the area ceded each year (bars) and in total (line), in hectares.
function cededChart(rows, estimatedM2) {
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
      `cumul ${formatHa(last.cumulative_m2)}${estimatedM2 > 0 ? `, dont ${formatHa(estimatedM2)} estimés` : ''}`));
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
    h('span', {class: 'deadline-date'}, item.planned_label,
      h('small', {}, ` ${precisionLabel(item.planned)}`)),
    h('span', {class: 'deadline-text'},
      h('button', {type: 'button', class: 'link-button', onclick: () => onSelect(item.site_id)}, item.site_name),
      h('span', {class: 'deadline-what'}, what.join(' — ')),
      overdue ? h('span', {class: 'deadline-late'}, `échue le ${formatDay(item.planned_end)}${planMoves(item) ? ` · ${planMoves(item)}` : ''}`) : null));
}

function deadlineList(items, onSelect, overdue, empty, id) {
  return items.length
    ? h('ol', {class: 'deadlines', id}, items.map((i) => deadlineItem(i, onSelect, overdue)))
    : h('p', {class: 'empty'}, empty);
}

// renderDashboard draws the service's dashboard d (the /api/dashboard document) in el.
// The service computes it for the whole portfolio: with filters on, the page says so.
export function renderDashboard(el, d, {today, filtered, onSelect}) {
  const asOf = d.as_of;
  const t = d.totals;
  const ceded = d.ceded_to_date;
  const held = d.held_by_paris;
  const due = d.due_next_12_months || [];
  const overdue = d.overdue || [];
  const byStatus = d.by_status || [];
  const rows = cededRows(d.ceded_by_year || [], Number(asOf.slice(0, 4)));
  const scope = filtered ? 'tout le portefeuille (les filtres ne s’appliquent pas au tableau de bord)' : 'tout le portefeuille';
  const checksBody = h('div', {id: 'checks'});
  const checksBlock = h('section', {class: 'dash-block dash-checks', 'aria-labelledby': 'checks-title'},
    h('h3', {id: 'checks-title'}, 'À vérifier'), checksBody);
  replace(el,
    h('div', {class: 'view-head'},
      h('h2', {}, 'Tableau de bord', d.projection ? projectionBadge(asOf) : null),
      h('p', {class: 'view-intro', id: 'dashboard-intro'}, d.projection
        ? `${projectionText(asOf)} · ${scope}`
        : `État au ${formatDay(asOf)}${asOf === today ? " (aujourd'hui)" : ''} · ${scope}`)),
    h('div', {class: 'cards', id: 'dashboard-cards'},
      card('sites', 'Sites suivis', formatNumber(t.sites), `${plural(t.parts, 'partie', 'parties')} dont ${formatNumber(t.unlocated_parts)} non localisée${t.unlocated_parts > 1 ? 's' : ''}`),
      card('area', 'Surface suivie', formatHa(t.area_m2), withNotes('surfaces calculées des parties localisées', {...t, unknown_parts: t.unlocated_parts})),
      card('held', 'Encore détenu par Paris', areaValue(held), withNotes(plural(held.parts, 'partie non cédée', 'parties non cédées'), held)),
      card('ceded', 'Cédé à ce jour', areaValue(ceded), withNotes(plural(ceded.parts, 'partie cédée', 'parties cédées'), ceded), 'card-ceded'),
      card('overdue', 'Échéances dépassées', formatNumber(overdue.length),
        `${overdue.length ? 'à replanifier ou à constater' : 'aucune'}${d.projection ? ` · au ${formatDay(today)}, aujourd’hui` : ''}`, overdue.length ? 'card-overdue' : ''),
      card('due', 'Dans les 12 mois', formatNumber(due.length), `à partir du ${formatDay(asOf)}`)),
    h('div', {class: 'dash-grid'},
      h('section', {class: 'dash-block', 'aria-labelledby': 'status-title'},
        h('h3', {id: 'status-title'}, 'Surface par statut'),
        statusBars(byStatus)),
      h('section', {class: 'dash-block', 'aria-labelledby': 'ceded-title'},
        h('h3', {id: 'ceded-title'}, 'Surface cédée par année et cumul (ha)'),
        cededChart(rows, ceded.estimated_m2), cededTable(rows),
        h('p', {class: 'chart-caption', id: 'ceded-caption'}, `Barres : surface cédée dans l’année ; ligne : cumul depuis 2006.${
          ceded.estimated_m2 > 0 ? ` Sur ${formatHa(ceded.area_m2)} cédés, ${formatHa(ceded.estimated_m2)} sont estimés (carrés schématiques, non mesurés).` : ''}`)),
      h('section', {class: 'dash-block', 'aria-labelledby': 'due-title'},
        h('h3', {id: 'due-title'}, 'Prochaines échéances (12 mois)'),
        deadlineList(due, onSelect, false, 'Aucune échéance prévue dans les 12 mois.', 'due-list')),
      h('section', {class: 'dash-block', 'aria-labelledby': 'overdue-title'},
        h('h3', {id: 'overdue-title'}, 'Échéances dépassées'),
        deadlineList(overdue, onSelect, true, 'Aucune échéance dépassée.', 'overdue-list')),
      checksBlock));
  renderChecks(checksBody, asOf, {key: d, onSelect});
}

// renderDashboardMessage shows why there is no dashboard (loading, refusal).
export function renderDashboardMessage(el, message) {
  replace(el, h('div', {class: 'view-head'}, h('h2', {}, 'Tableau de bord'), h('p', {class: 'view-intro'}, message)));
}
