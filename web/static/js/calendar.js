// The calendar view: one row per site, Gantt-style bars up to the planned release and
// disposal dates, actual dates marked, slipped plans shown, overdue items highlighted,
// and today's line. Printable (see @media print in app.css). Every date, period and
// overdue flag is the service's (GET /api/calendar): the page only places them.

import {h, replace, s} from './dom.js';
import {formatDay, planMoves} from './format.js';
import {statusDots} from './sitelist.js';
import {MILESTONE_KINDS, OVERDUE_COLOR, milestoneColor, milestoneLabel} from './vocab.js';

export const FIRST_YEAR = 2006;
export const LAST_YEAR = 2030;
const AXIS_START = Date.UTC(FIRST_YEAR, 0, 1);
const AXIS_END = Date.UTC(LAST_YEAR + 1, 0, 1);
const LANE = 20;
// YEAR_STEPS are the spacings, in years, the axis may label: every other year where
// there is room (a desktop gives about 40 px a year), every fifth or tenth year where
// there is not (a phone gives 9 px a year, a label about 26 px).
const YEAR_STEPS = [2, 5, 10];
const YEAR_GAP = 6; // px between two year labels
const ROW_MIN = 50; // two lines of a site's name

// xPercent places an ISO day on the time axis, as a percentage of its width.
function xPercent(iso) {
  const t = Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);
  const x = ((t - AXIS_START) / (AXIS_END - AXIS_START)) * 100;
  return Math.max(0, Math.min(100, x));
}

function pct(x) {
  return `${x.toFixed(3)}%`;
}

// dayAfter returns the ISO day after iso, so that a period's bar covers its last day.
function dayAfter(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function yearGrid(height) {
  const lines = [];
  for (let y = FIRST_YEAR; y <= LAST_YEAR + 1; y++) {
    const x = pct(xPercent(`${y}-01-01`));
    lines.push(s('line', {x1: x, x2: x, y1: 0, y2: height, class: y % 5 === 0 ? 'grid grid-major' : 'grid'}));
  }
  return lines;
}

function dateLines(height, asOf, today) {
  const lines = [s('line', {x1: pct(xPercent(today)), x2: pct(xPercent(today)), y1: 0, y2: height, class: 'today-line'})];
  if (asOf !== today) {
    lines.push(s('line', {x1: pct(xPercent(asOf)), x2: pct(xPercent(asOf)), y1: 0, y2: height, class: 'asof-line'}));
  }
  return lines;
}

// diamond draws a diamond centred at x% and y px: a nested svg placed in percent holds a
// path drawn in pixels, so it keeps its shape whatever the width.
function diamond(x, y, size, attrs) {
  const r = size / 2;
  return s('svg', {x: pct(x), y, overflow: 'visible', class: 'mark'},
    s('path', {...attrs, d: `M0 ${-r} L${r} 0 L0 ${r} L${-r} 0 Z`}));
}

// laneLabel writes what a lane shows beside its mark; fitLabels later moves it to the
// side with room once the row's width is known.
function laneLabel(text, xStart, xEnd, y, cls) {
  const right = xEnd < 62;
  return s('text', {
    x: pct(right ? xEnd + 0.6 : xStart - 0.6), y: y + 4, 'text-anchor': right ? 'start' : 'end',
    class: `lane-label ${cls || ''}`, dataset: {x0: xStart, x1: xEnd, full: text},
  }, text);
}

// fitLabels places each lane label where it fits in its row: after its mark, else before
// it, else shortened with an ellipsis on the roomier side (the full text stays in the
// lane's tooltip and in the row's accessible description).
export function fitLabels(el) {
  for (const svg of el.querySelectorAll('svg.gantt-axis')) fitYears(svg);
  for (const svg of el.querySelectorAll('svg.gantt-svg')) {
    const width = svg.getBoundingClientRect().width;
    if (!width) continue;
    for (const text of svg.querySelectorAll('text[data-full]')) {
      text.textContent = text.dataset.full;
      const x0 = (Number(text.dataset.x0) / 100) * width - 5;
      const x1 = (Number(text.dataset.x1) / 100) * width + 5;
      const length = text.getComputedTextLength();
      const right = length <= width - x1 || width - x1 >= x0;
      // In percent of the row, as the bars are: the label stays beside its bar at any
      // width (a printed page is narrower than the screen).
      text.setAttribute('x', pct(((right ? x1 : x0) / width) * 100));
      text.setAttribute('text-anchor', right ? 'start' : 'end');
      shorten(text, right ? width - x1 : x0);
    }
  }
}

// fitYears shows the year labels of the axis at the closest spacing at which they do not
// overlap: the labels every year are drawn, those off the spacing hidden.
function fitYears(svg) {
  const width = svg.getBoundingClientRect().width;
  if (!width) return;
  const labels = [...svg.querySelectorAll('text.axis-year')];
  for (const text of labels) text.removeAttribute('display');
  const widest = Math.max(0, ...labels.map((text) => text.getComputedTextLength()));
  const perYear = width / (LAST_YEAR + 1 - FIRST_YEAR);
  const step = YEAR_STEPS.find((n) => n * perYear >= widest + YEAR_GAP) || YEAR_STEPS.at(-1);
  for (const text of labels) {
    if (Number(text.dataset.year) % step !== 0) text.setAttribute('display', 'none');
  }
}

// shorten cuts a label's text until it fits in room pixels.
function shorten(text, room) {
  const full = text.dataset.full;
  if (text.getComputedTextLength() <= room) return;
  let lo = 0;
  let hi = full.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    text.textContent = `${full.slice(0, mid).trimEnd()}…`;
    if (text.getComputedTextLength() <= room) lo = mid;
    else hi = mid - 1;
  }
  text.textContent = lo ? `${full.slice(0, lo).trimEnd()}…` : '';
}

// itemTitle names a calendar item briefly: its kind, unless its label already says it,
// its label, and its part when the site has several.
function itemTitle(item, withPart, short = false) {
  const kind = milestoneLabel(item.kind);
  const parts = [];
  if (!item.label || (!short && !item.label.toLowerCase().startsWith(kind.toLowerCase()))) parts.push(kind);
  if (item.label) parts.push(item.label);
  if (withPart && item.part_label) parts.push(item.part_label);
  return parts.join(' — ');
}

// lane draws one calendar item at height y.
function lane(item, y, withPart) {
  const color = milestoneColor(item.kind);
  const nodes = [];
  const title = itemTitle(item, withPart);
  const plans = item.plans || [];
  const describe = [title];
  if (item.planned) {
    const start = item.planned_start;
    const end = item.planned_end;
    const x0 = xPercent(start);
    const x1 = Math.max(xPercent(dayAfter(end)), x0 + 0.35);
    const decided = plans[0]?.decided_on;
    if (decided && decided < start) {
      nodes.push(s('rect', {x: pct(xPercent(decided)), y: y - 2, width: pct(x0 - xPercent(decided)), height: 4, class: 'lead', fill: color}));
    }
    for (const old of plans.slice(0, -1)) {
      const ox = xPercent(old.date_start);
      nodes.push(s('line', {x1: pct(ox), x2: pct(x0), y1: y, y2: y, class: 'slip-line'}));
      nodes.push(diamond(ox, y, 8, {class: 'slip', stroke: color}));
    }
    const bar = s('rect', {
      x: pct(x0), y: y - 6, width: pct(x1 - x0), height: 12, rx: 2,
      fill: item.overdue && !item.actual ? 'url(#overdue-hatch)' : color,
      stroke: item.overdue && !item.actual ? OVERDUE_COLOR : 'none',
      class: `window${item.actual ? ' window-done' : ''}${item.overdue && !item.actual ? ' window-overdue' : ''}`,
    });
    nodes.push(bar);
    describe.push(`prévue ${item.planned_label}`); // a milestone (échéance, libération, cession) is feminine
    if (planMoves(item)) describe.push(planMoves(item));
    if (item.overdue && !item.actual) describe.push('en retard');
  }
  if (item.actual) {
    const ax = xPercent(item.actual_start);
    if (item.planned_end && ax > xPercent(dayAfter(item.planned_end))) {
      // done, but later than planned: the delay shows as a dotted line
      nodes.push(s('line', {x1: pct(xPercent(dayAfter(item.planned_end))), x2: pct(ax), y1: y, y2: y, class: 'slip-line'}));
    }
    nodes.push(diamond(ax, y, 11, {class: 'actual', fill: color}));
    describe.push(`réalisée ${item.actual_label}`);
  }
  const short = itemTitle(item, withPart, true);
  if (!item.planned && !item.actual) {
    nodes.push(laneLabel(`${short} : date non publiée`, 0, 0, y, 'lane-unknown'));
  } else {
    const points = [item.planned_start, item.planned_end && dayAfter(item.planned_end), item.actual_start]
      .filter(Boolean).map(xPercent);
    const text = `${short} · ${describe.slice(1).join(', ')}`;
    nodes.push(laneLabel(text, Math.min(...points), Math.max(...points), y, item.overdue && !item.actual ? 'lane-overdue' : ''));
  }
  return s('g', {class: 'lane', dataset: {kind: item.kind}}, s('title', {}, describe.join(' · ')), nodes);
}

// firstOpenDate orders the rows: sites with the nearest open milestone first.
function firstOpenDate(items) {
  const open = items.filter((i) => i.planned && !i.actual).map((i) => i.planned_start);
  if (open.length) return `0 ${open.sort()[0]}`;
  const done = items.filter((i) => i.actual).map((i) => i.actual_start);
  return done.length ? `1 ${done.sort()[0]}` : '2';
}

function row(site, items, asOf, today, onSelect) {
  const lanes = Math.max(1, items.length);
  const height = Math.max(ROW_MIN, lanes * LANE + 8);
  const top = (height - lanes * LANE) / 2 + LANE / 2;
  const withPart = site.parts.length > 1;
  const svg = s('svg', {class: 'gantt-svg', width: '100%', height, role: 'img', 'aria-label': ganttLabel(site, items)},
    yearGrid(height), dateLines(height, asOf, today),
    items.length ? items.map((item, i) => lane(item, top + i * LANE, withPart))
      : s('text', {x: '0.4%', y: top + 4, class: 'lane-label lane-unknown'}, 'aucune échéance enregistrée'));
  const overdue = items.filter((i) => i.overdue && !i.actual).length;
  return h('tr', {dataset: {siteId: site.id}, class: overdue ? 'row-overdue' : null},
    h('th', {scope: 'row', class: 'gantt-site'},
      h('span', {class: 'gantt-site-line'}, statusDots(site.parts),
        h('button', {type: 'button', class: 'link-button', title: site.name, onclick: () => onSelect(site.id)}, site.name)),
      overdue ? h('span', {class: 'visually-hidden'}, ` (${overdue} échéance${overdue > 1 ? 's' : ''} dépassée${overdue > 1 ? 's' : ''})`) : null),
    h('td', {class: 'gantt-cell'}, svg));
}

// ganttLabel describes a row for screen readers.
function ganttLabel(site, items) {
  if (!items.length) return `${site.name} : aucune échéance enregistrée`;
  return `${site.name} : ` + items.map((i) => {
    const bits = [itemTitle(i, true)];
    if (i.planned) bits.push(`prévue ${i.planned_label}`);
    if (i.actual) bits.push(`réalisée ${i.actual_label}`);
    if (i.overdue && !i.actual) bits.push('en retard');
    return bits.join(', ');
  }).join(' ; ');
}

function axis(asOf, today) {
  const labels = [];
  // Every year is drawn; fitYears shows those that fit (every other year until then).
  for (let y = FIRST_YEAR; y <= LAST_YEAR; y++) {
    labels.push(s('text', {
      x: pct(xPercent(`${y}-07-01`)), y: 14, 'text-anchor': 'middle', class: 'axis-year',
      display: y % YEAR_STEPS[0] === 0 ? null : 'none', dataset: {year: y},
    }, String(y)));
  }
  const marks = [s('text', {x: pct(xPercent(today)), y: 30, 'text-anchor': 'middle', class: 'axis-today'}, "aujourd'hui")];
  if (asOf !== today) {
    marks.push(s('text', {x: pct(xPercent(asOf)), y: 30, 'text-anchor': 'middle', class: 'axis-asof'}, `état au ${formatDay(asOf)}`));
  }
  return s('svg', {class: 'gantt-axis', width: '100%', height: 36, 'aria-hidden': 'true'}, yearGrid(36), labels, marks);
}

function legend() {
  const kinds = MILESTONE_KINDS.map((k) => {
    const sw = h('span', {class: 'swatch', 'aria-hidden': 'true'});
    sw.style.backgroundColor = k.color;
    return h('li', {}, sw, k.key === 'deadline' ? 'Échéance' : `${k.label} prévue`);
  });
  return h('ul', {class: 'gantt-legend', 'aria-label': 'Légende du calendrier'}, kinds,
    h('li', {}, h('span', {class: 'swatch swatch-diamond', 'aria-hidden': 'true'}), 'réalisée'),
    h('li', {}, h('span', {class: 'swatch swatch-slip', 'aria-hidden': 'true'}), 'date reportée'),
    h('li', {}, h('span', {class: 'swatch swatch-overdue', 'aria-hidden': 'true'}), 'en retard'),
    h('li', {}, h('span', {class: 'swatch swatch-today', 'aria-hidden': 'true'}), "aujourd'hui"));
}

function hatchDefs() {
  return s('svg', {width: 0, height: 0, class: 'defs', 'aria-hidden': 'true'},
    s('defs', {},
      s('pattern', {id: 'overdue-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'},
        s('rect', {width: 6, height: 6, fill: '#f6d5d6'}),
        s('line', {x1: 0, y1: 0, x2: 0, y2: 6, stroke: OVERDUE_COLOR, 'stroke-width': 3}))));
}

// renderCalendar draws the calendar of the given sites in el.
export function renderCalendar(el, sites, items, {asOf, today, onSelect}) {
  const bySite = new Map(sites.map((st) => [st.id, []]));
  for (const item of items) bySite.get(item.site_id)?.push(item);
  const ordered = [...sites].sort((a, b) => firstOpenDate(bySite.get(a.id)).localeCompare(firstOpenDate(bySite.get(b.id))) ||
    a.name.localeCompare(b.name, 'fr'));
  for (const list of bySite.values()) {
    list.sort((a, b) => (a.planned_start || a.actual_start || '9').localeCompare(b.planned_start || b.actual_start || '9'));
  }
  const overdue = items.filter((i) => i.overdue && !i.actual && bySite.has(i.site_id)).length;
  replace(el,
    hatchDefs(),
    h('p', {class: 'view-intro'},
      `${ordered.length} site${ordered.length > 1 ? 's' : ''}, état au ${formatDay(asOf)}`,
      overdue ? h('strong', {class: 'text-overdue'}, ` · ${overdue} échéance${overdue > 1 ? 's' : ''} dépassée${overdue > 1 ? 's' : ''}`) : null),
    legend(),
    h('p', {class: 'gantt-note'}, 'Une barre couvre la période de la date prévue (année, trimestre, mois ou jour) ; le trait clair qui la précède part de la décision qui l’a fixée.'),
    h('table', {class: 'gantt', id: 'gantt'},
      h('caption', {class: 'visually-hidden'}, 'Calendrier prévisionnel : une ligne par site'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col', class: 'gantt-site'}, 'Site'), h('th', {scope: 'col', class: 'gantt-cell'}, axis(asOf, today)))),
      h('tbody', {}, ordered.map((site) => row(site, bySite.get(site.id), asOf, today, onSelect)))));
  if (!el.dataset.observed) {
    el.dataset.observed = 'true';
    new ResizeObserver(() => fitLabels(el)).observe(el);
    // paper is narrower or wider than the screen
    window.addEventListener('beforeprint', () => fitLabels(el));
    window.addEventListener('afterprint', () => fitLabels(el));
  }
  fitLabels(el);
}
