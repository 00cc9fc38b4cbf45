// The page's controls: the view tabs, the date shown (slider, typed date, today), the
// export links, the filters and search, the keyboard and the browser's history.

import {withQuery} from './api.js';
import {$, app, asOf, notify, writeURL} from './app.js';
import {FIRST_YEAR} from './calendar.js';
import {loadData, lookUpParcel, refresh} from './data.js';
import {h, replace} from './dom.js';
import {bindExportMenu, syncViewExport} from './exportmenu.js';
import {formatDay, parseDay} from './format.js';
import {bindPrint} from './print.js';
import {hasFilters} from './model.js';
import {horizonYear, syncProjection} from './projection.js';
import {closePanel, openPanel, setBackToToday} from './sitepanel.js';
import {VIEWS, readState} from './state.js';
import {STATUSES, darken, statusColor} from './vocab.js';


export function showView(view) {
  for (const v of VIEWS) {
    const tab = $(`tab-${v}`);
    const active = v === view;
    tab.setAttribute('aria-selected', String(active));
    tab.tabIndex = active ? 0 : -1;
    $(`view-${v}`).hidden = !active;
  }
  $('layout').dataset.view = view;
  document.body.dataset.view = view;
  revealTab($(`tab-${view}`));
  if (view === 'carte') app.map?.invalidate();
}

// revealTab scrolls the tab bar, wider than a phone's screen, so that the selected tab
// is whole in view with a little of its neighbour, which says the bar goes on. Only the
// bar moves: scrollIntoView would scroll the page to it too.
function revealTab(tab) {
  const bar = tab.parentElement;
  if (bar.scrollWidth <= bar.clientWidth) return;
  const room = bar.getBoundingClientRect();
  const r = tab.getBoundingClientRect();
  const margin = 24;
  if (r.left < room.left) bar.scrollLeft -= room.left - r.left + margin;
  else if (r.right > room.right) bar.scrollLeft += r.right - room.right + margin;
}

export function setView(view, {focus = false} = {}) {
  if (app.state.view === view) return;
  app.state.view = view;
  showView(view);
  writeURL(true);
  if (focus) $(`tab-${view}`).focus();
}

// ---- controls ----

export function yearOfState() {
  return Number(asOf().slice(0, 4));
}

// dateForYear is the date the slider shows for a year: the end of that year, or today
// for the current year.
export function dateForYear(year) {
  return year === Number(app.today.slice(0, 4)) ? app.today : `${year}-12-31`;
}

// setDate shows the state as of date, a day between FIRST_YEAR and the horizon (see
// dateProblem); the page says why it refuses any other.
export function setDate(date) {
  notify('date', '');
  const next = date === app.today ? null : date;
  if (next === app.state.date) {
    syncDateControls();
    return;
  }
  app.state.date = next;
  syncDateControls();
  writeURL();
  loadData();
}

// dateProblem says why the page cannot show the state as of an ISO day, or '' when it
// can. The service computes the state of any past day, and projects a day after today
// from the plans (shown as a projection, see projection.js), up to the horizon.
export function dateProblem(iso) {
  if (iso < `${FIRST_YEAR}-01-01`) {
    return `Le ${formatDay(iso)} est avant le début du suivi : choisissez une date à partir du 01/01/${FIRST_YEAR}.`;
  }
  if (app.today && iso > `${horizonYear()}-12-31`) {
    return `Le ${formatDay(iso)} est au-delà de l’horizon des projections : choisissez une date jusqu’au 31/12/${horizonYear()}.`;
  }
  return '';
}

// checkLinkDate drops a date from a shared link that the page cannot show, and says so.
export function checkLinkDate() {
  const problem = app.state.date ? dateProblem(app.state.date) : '';
  if (!problem) return;
  app.state.date = null;
  syncDateControls();
  writeURL();
  notify('date', `${problem} État affiché : aujourd’hui.`);
}

export function syncDateControls() {
  const date = asOf();
  // the slider goes from the first year followed to the horizon: after today, a projection
  if (app.today) $('asof-year').max = String(horizonYear());
  $('asof-year').value = String(yearOfState());
  $('asof-year').setAttribute('aria-valuetext', `état au ${formatDay(date)}`);
  $('asof-date').value = formatDay(date);
  $('asof-date').removeAttribute('aria-invalid');
  $('asof-date').setCustomValidity('');
  replace($('asof-print'), formatDay(date));
  $('asof-today').disabled = !app.state.date;
  document.body.classList.toggle('past-state', Boolean(app.state.date));
  syncProjection();
  syncExportLinks();
}

// EXPORTS are the downloads the API offers; they follow the date shown.
const EXPORTS = [
  ['export-geojson-wgs84', '/export/sites.geojson', {crs: 'CRS84'}],
  ['export-geojson-l93', '/export/sites.geojson', {crs: 'EPSG:2154'}],
  ['export-csv', '/export/sites.csv', {}],
  ['export-ics', '/api/calendar.ics', {}],
  ['export-calendar-csv', '/api/calendar.csv', {}],
];

export function syncExportLinks() {
  for (const [id, path, params] of EXPORTS) {
    $(id).href = withQuery(path, {...params, date: app.state.date});
  }
  syncViewExport();
}

export function statusOptions() {
  return STATUSES.map((st) => {
    const swatch = h('span', {class: 'swatch', 'aria-hidden': 'true'});
    swatch.style.backgroundColor = statusColor(st.key);
    swatch.style.borderColor = darken(statusColor(st.key));
    const box = h('input', {type: 'checkbox', value: st.key, name: 'statut'});
    box.addEventListener('change', onStatusChange);
    return h('label', {class: 'check'}, box, swatch, st.label);
  });
}

export function onStatusChange() {
  app.state.statuses = [...document.querySelectorAll('#status-options input:checked')].map((b) => b.value);
  syncStatusSummary();
  refreshFound();
}

// refreshFound redraws the views after a search or a filter changed, and places the map
// on what they leave.
function refreshFound() {
  refresh();
  app.map.showFound(!hasFilters(app.state));
}

export function syncStatusSummary() {
  const n = app.state.statuses.length;
  replace($('status-summary'), n ? `Statut (${n})` : 'Statut : tous');
  for (const box of document.querySelectorAll('#status-options input')) box.checked = app.state.statuses.includes(box.value);
}

export function syncControls() {
  syncDateControls();
  syncStatusSummary();
  $('search').value = app.state.q;
  $('department-filter').value = app.state.department;
  $('year-filter').value = app.state.year;
  app.map.setParcels(app.state.parcels);
  showView(app.state.view);
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

export function bindControls() {
  setBackToToday(() => setDate(app.today));
  bindExportMenu();
  bindPrint();
  const onSearch = debounce(() => {
    app.state.q = $('search').value;
    lookUpParcel(app.state.q);
    refreshFound();
  }, 150);
  $('search').addEventListener('input', onSearch);
  $('department-filter').addEventListener('change', (e) => {
    app.state.department = e.target.value;
    refreshFound();
  });
  $('year-filter').addEventListener('change', (e) => {
    app.state.year = e.target.value;
    refreshFound();
  });
  $('reset-filters').addEventListener('click', () => {
    Object.assign(app.state, {statuses: [], department: '', year: '', q: ''});
    syncControls();
    refreshFound();
    $('search').focus();
  });

  const slide = debounce((year) => setDate(dateForYear(year)), 250);
  $('asof-year').addEventListener('input', (e) => {
    const year = Number(e.target.value);
    $('asof-date').value = formatDay(dateForYear(year));
    slide(year);
  });
  $('asof-form').addEventListener('submit', (e) => {
    e.preventDefault();
    applyTypedDate();
  });
  $('asof-date').addEventListener('change', applyTypedDate);
  // the browser's own complaint (« Please match the requested format ») would be English
  $('asof-date').addEventListener('input', (e) => {
    e.target.setCustomValidity('');
    if (e.target.validity.patternMismatch) e.target.setCustomValidity(DATE_FORMAT);
  });
  $('asof-today').addEventListener('click', () => setDate(app.today));

  const tabs = $('tab-carte').parentElement;
  tabs.addEventListener('click', (e) => {
    const tab = e.target.closest('[role=tab]');
    if (tab) setView(tab.dataset.view);
  });
  tabs.addEventListener('keydown', onTabKey);
  $('print-calendar').addEventListener('click', () => window.print());

  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.target.closest?.('dialog')) return;
    const menu = e.target.closest?.('details.menu[open]');
    if (app.editor.closeForm()) {
      e.preventDefault();
    } else if (menu) {
      menu.open = false;
      menu.querySelector('summary').focus();
    } else if (app.state.site && !$('panel').hidden) {
      closePanel();
    }
  });
  // A menu closes when the user clicks elsewhere.
  document.addEventListener('click', (e) => {
    for (const menu of document.querySelectorAll('details.menu[open]')) {
      if (!menu.contains(e.target)) menu.open = false;
    }
  });
  window.addEventListener('popstate', onPopState);
}

// DATE_FORMAT says how to write the day shown.
const DATE_FORMAT = 'Écrivez la date JJ/MM/AAAA, par exemple 31/12/2015.';

export function applyTypedDate() {
  const input = $('asof-date');
  const iso = parseDay(input.value);
  const problem = iso ? dateProblem(iso) : `Date non reconnue (« ${input.value.trim()} ») : ${DATE_FORMAT.charAt(0).toLowerCase()}${DATE_FORMAT.slice(1)}`;
  input.setCustomValidity(problem);
  if (problem) {
    input.setAttribute('aria-invalid', 'true');
    notify('date', problem);
    return;
  }
  setDate(iso);
}

// onTabKey moves between the view tabs with the arrow keys, Home and End.
export function onTabKey(e) {
  const i = VIEWS.indexOf(app.state.view);
  const moves = {ArrowRight: i + 1, ArrowLeft: i - 1 + VIEWS.length, Home: 0, End: VIEWS.length - 1};
  if (!(e.key in moves)) return;
  e.preventDefault();
  setView(VIEWS[moves[e.key] % VIEWS.length], {focus: true});
}

export function onPopState() {
  const before = app.state;
  app.state = readState(window.location.hash);
  app.state.map = before.map; // the map stays where it is: history is about views and sites
  syncControls();
  checkLinkDate();
  if (before.date !== app.state.date) {
    loadData();
    return;
  }
  refresh();
  if (app.state.site) openPanel(app.state.site, {focus: false});
  else if (!$('panel').hidden) {
    $('panel').hidden = true;
    $('layout').classList.remove('has-panel');
    app.map.highlight(null);
  }
}
