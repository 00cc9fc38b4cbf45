// The Emprises map page: wires the URL state, the data from the API and the views
// (map and site list, calendar, dashboard, table, site panel) together. Every view shows
// the same filtered portfolio as of the same date.

import {fetchBoundary, fetchCalendar, fetchConfig, fetchHistory, fetchParcel, fetchParts, fetchSite, withQuery} from './api.js';
import {renderCalendar, FIRST_YEAR, LAST_YEAR} from './calendar.js';
import {renderDashboard} from './dashboard.js';
import {h, replace} from './dom.js';
import {createEditor} from './edit.js';
import {formatDay, parseDay, plural} from './format.js';
import {fillHistory, historyFailed} from './history.js';
import {createMap} from './map.js';
import {applyFilters, departments, disposalYears, groupSites, hasFilters, parcelID} from './model.js';
import {renderDeletedPanel, renderPanel, renderPanelMessage} from './panel.js';
import {canEdit, forgetSession, loadSession, openSignIn, renderAccount, session, signOut} from './session.js';
import {renderSiteList} from './sitelist.js';
import {VIEWS, readState, writeState} from './state.js';
import {renderTable} from './table.js';
import {STATUSES, darken, setVocabulary, statusColor} from './vocab.js';

const $ = (id) => document.getElementById(id);

const app = {
  state: readState(window.location.hash),
  // today is the service's, from /api/config: the day in Paris, which the browser's UTC
  // or local day is not between midnight and 1 or 2 a.m.; empty until the settings load.
  today: '',
  features: [],
  sites: [],
  calendar: [],
  parcels: new Map(), // site id → cadastral parcel ids known for it, for the search
  lookedUp: new Set(), // parcel ids already asked of the API
  loading: null,
  panelLoading: null,
  notices: new Map(), // topic → message shown above the views
  map: null,
  editor: null,
  setup: null, // the loading of the settings and the commune's outline
};

// asOf is the date the page shows: the one in the URL, or today.
function asOf() {
  return app.state.date || app.today;
}

// notify shows or clears (empty message) one of the page's notices, by topic.
function notify(topic, message) {
  if (message) app.notices.set(topic, message);
  else app.notices.delete(topic);
  const el = $('notice');
  el.hidden = app.notices.size === 0;
  replace(el, [...app.notices.values()].join(' '));
}

// writeURL records the state in the URL fragment; push adds a history entry (view
// and site changes), otherwise the current one is replaced (typing, filters).
function writeURL(push = false) {
  const hash = writeState(app.state);
  if (hash === window.location.hash || (!hash && !window.location.hash)) return;
  const url = hash || window.location.pathname + window.location.search;
  if (push) window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

// ---- data ----

// loadData fetches the parts and the calendar as of the displayed date, then redraws.
async function loadData() {
  app.loading?.abort();
  const ctrl = new AbortController();
  app.loading = ctrl;
  const date = asOf();
  const first = !document.body.dataset.ready;
  document.body.setAttribute('aria-busy', 'true');
  const [parts, calendar] = await Promise.allSettled([
    fetchParts(date, {signal: ctrl.signal}),
    fetchCalendar(date, {signal: ctrl.signal}),
  ]);
  if (ctrl.signal.aborted) return;
  const problems = [];
  if (parts.status === 'fulfilled') {
    app.features = parts.value;
    app.sites = groupSites(app.features);
  } else if (parts.reason.status === 401) {
    problems.push('ce service est réservé aux personnes connectées : connectez-vous pour voir les sites');
  } else {
    problems.push(`les sites n’ont pas pu être chargés (${parts.reason.message})`);
  }
  if (calendar.status === 'fulfilled') app.calendar = calendar.value;
  else problems.push(`le calendrier n’a pas pu être chargé (${calendar.reason.message})`);
  notify('data', problems.length ? `Attention : ${problems.join(' ; ')}.` : '');
  fillFilterOptions();
  refresh();
  if (app.state.site) {
    if (first && app.state.view === 'carte') app.map.focusSite(app.state.site);
    await openPanel(app.state.site, {focus: false});
  }
  document.body.removeAttribute('aria-busy');
  document.body.dataset.asOf = date;
  document.body.dataset.ready = 'true';
}

// lookUpParcel asks the API which site a typed cadastral reference belongs to.
async function lookUpParcel(query) {
  const id = parcelID(query);
  if (!id || app.lookedUp.has(id)) return;
  app.lookedUp.add(id);
  let feature;
  try {
    feature = await fetchParcel(id);
  } catch {
    return; // the search still works on names and addresses
  }
  const props = feature?.properties || {};
  const partID = props.part_id;
  const siteID = props.site_id || app.features.find((f) => f.id === partID)?.properties.site_id;
  if (!siteID) return;
  rememberParcels(siteID, [id]);
  refresh();
}

function rememberParcels(siteID, ids) {
  const known = new Set(app.parcels.get(siteID) || []);
  ids.forEach((id) => known.add(id));
  app.parcels.set(siteID, [...known]);
}

// ---- drawing ----

function onSelect(siteID, opts) {
  selectSite(siteID, opts);
}

// refresh redraws every view from the loaded data and the state.
function refresh() {
  const st = app.state;
  const filtered = applyFilters(app.sites, st, app.parcels);
  const date = asOf();
  app.map.setParts(filtered.parts, st.site);
  renderSiteList($('site-list'), filtered.sites, st.site, onSelect);
  // Both are drawn about a day: none is known before the service's settings give today
  // (a private service before sign-in), and there is no data to draw then either.
  if (date) {
    renderCalendar($('calendar'), filtered.sites, app.calendar, {asOf: date, today: app.today, onSelect});
    renderDashboard($('dashboard'), filtered.sites, filtered.parts, app.calendar,
      {asOf: date, today: app.today, filtered: hasFilters(st), onSelect});
  }
  renderTable($('site-table'), filtered.parts, {
    sort: st.sort, onSelect,
    onSort: (sort) => {
      app.state.sort = sort === 'name' ? '' : sort;
      writeURL();
      refresh();
    },
  });
  const total = app.sites.length;
  replace($('match-count'), hasFilters(st)
    ? `${plural(filtered.sites.length, 'site', 'sites')} sur ${total}`
    : `${plural(total, 'site', 'sites')}`);
  $('reset-filters').hidden = !hasFilters(st);
  writeURL();
}

// ---- site panel ----

function selectSite(siteID, {focusMap = false} = {}) {
  const changed = app.state.site !== siteID;
  app.state.site = siteID;
  writeURL(changed);
  app.map.highlight(siteID);
  markSelected();
  if (focusMap && app.state.view === 'carte') app.map.focusSite(siteID);
  openPanel(siteID, {focus: true});
}

function markSelected() {
  for (const b of document.querySelectorAll('#site-list .site-item')) {
    const li = b.closest('li');
    if (li.dataset.siteId === app.state.site) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

async function openPanel(siteID, {focus}) {
  const panel = $('panel');
  const body = $('panel-body');
  panel.hidden = false;
  $('layout').classList.add('has-panel');
  app.map.invalidate();
  app.panelLoading?.abort();
  const ctrl = new AbortController();
  app.panelLoading = ctrl;
  delete panel.dataset.loaded; // set again once the panel and its history are drawn
  const date = asOf();
  const name = app.sites.find((st) => st.id === siteID)?.name || 'Site';
  if (panel.dataset.siteId !== siteID) renderPanelMessage(body, name, 'Chargement de la fiche…', closePanel);
  let detail;
  let etag;
  try {
    ({detail, etag} = await fetchSite(siteID, date, {signal: ctrl.signal}));
  } catch (err) {
    if (ctrl.signal.aborted) return;
    if (err.status === 404 && session.signedIn && await openDeletedPanel(siteID, ctrl.signal)) {
      if (focus) $('panel-title')?.focus();
      panel.dataset.loaded = 'true';
      return;
    }
    if (ctrl.signal.aborted) return;
    const message = err.status === 404
      ? 'Ce site n’existe pas ou n’existait pas encore à cette date.'
      : `La fiche n’a pas pu être chargée (${err.message}).`;
    renderPanelMessage(body, name, message, closePanel);
    panel.dataset.siteId = siteID;
    panel.dataset.loaded = 'true';
    return;
  }
  if (ctrl.signal.aborted) return;
  rememberParcels(siteID, (detail.parcels || []).map((p) => p.id));
  // Edits apply to the site as it is today: a past state is read only.
  app.editor.setSite(siteID, detail, etag);
  renderPanel(body, detail, {
    onClose: closePanel, asOf: date, today: app.today,
    edit: canEdit() && !app.state.date ? app.editor.hooks : null,
    notice: canEdit() && app.state.date ? pastStateNotice() : null,
    flash: app.editor.flashNode(),
    history: session.signedIn,
  });
  panel.dataset.siteId = siteID;
  panel.dataset.etag = etag;
  if (focus) $('panel-title')?.focus({preventScroll: window.innerWidth > 900});
  if (session.signedIn) await loadHistory(siteID, ctrl.signal, canEdit() && !app.state.date);
  if (!ctrl.signal.aborted) panel.dataset.loaded = 'true';
}

// openDeletedPanel shows a site that was deleted, if it was: its history, and for an
// admin the way to restore it. It tells whether the site was a deleted one.
async function openDeletedPanel(siteID, signal) {
  let found;
  try {
    found = await fetchHistory(siteID, {signal});
  } catch {
    return false;
  }
  if (signal.aborted || !found.history.deleted) return false;
  app.editor.setSite(siteID, null, found.etag);
  renderDeletedPanel($('panel-body'), siteID, found.history, {
    onClose: closePanel,
    tools: canEdit() ? app.editor.restoreTools(found.etag) : null,
    flash: app.editor.flashNode(),
  });
  fillHistory(found.history);
  $('panel').dataset.siteId = siteID;
  $('panel').dataset.etag = found.etag;
  return true;
}

// loadHistory fills the panel's history section; with editing, an admin may bring back
// a deleted event from it.
async function loadHistory(siteID, signal, editing) {
  try {
    const {history} = await fetchHistory(siteID, {signal});
    if (!signal.aborted) fillHistory(history, {restoreTools: editing ? app.editor.hooks.historyTools : null});
  } catch (err) {
    if (!signal.aborted) historyFailed(err);
  }
}

// pastStateNotice tells an editor that a past state cannot be edited.
function pastStateNotice() {
  return h('p', {class: 'panel-alert panel-alert-info', id: 'panel-past'},
    `Vous consultez l’état au ${formatDay(asOf())}. Les modifications portent sur l’état d’aujourd’hui : `,
    h('button', {type: 'button', class: 'link-button', onclick: () => setDate(app.today)}, 'revenir à aujourd’hui'), '.');
}

function closePanel() {
  app.editor.closeForm({restoreFocus: false});
  const siteID = app.state.site;
  app.state.site = null;
  app.panelLoading?.abort();
  $('panel').hidden = true;
  delete $('panel').dataset.siteId;
  $('layout').classList.remove('has-panel');
  app.map.highlight(null);
  app.map.invalidate();
  markSelected();
  writeURL(true);
  document.querySelector(`#site-list li[data-site-id="${CSS.escape(siteID || '')}"] button`)?.focus();
}

// ---- views ----

function showView(view) {
  for (const v of VIEWS) {
    const tab = $(`tab-${v}`);
    const active = v === view;
    tab.setAttribute('aria-selected', String(active));
    tab.tabIndex = active ? 0 : -1;
    $(`view-${v}`).hidden = !active;
  }
  $('layout').dataset.view = view;
  document.body.dataset.view = view;
  if (view === 'carte') app.map?.invalidate();
}

function setView(view, {focus = false} = {}) {
  if (app.state.view === view) return;
  app.state.view = view;
  showView(view);
  writeURL(true);
  if (focus) $(`tab-${view}`).focus();
}

// ---- controls ----

function yearOfState() {
  return Number(asOf().slice(0, 4));
}

// dateForYear is the date the slider shows for a year: the end of that year, or today
// for the current year.
function dateForYear(year) {
  return year === Number(app.today.slice(0, 4)) ? app.today : `${year}-12-31`;
}

function setDate(date) {
  const clamped = date < `${FIRST_YEAR}-01-01` ? `${FIRST_YEAR}-01-01` : date > `${LAST_YEAR}-12-31` ? `${LAST_YEAR}-12-31` : date;
  const next = clamped === app.today ? null : clamped;
  if (next === app.state.date) return;
  app.state.date = next;
  syncDateControls();
  writeURL();
  loadData();
}

function syncDateControls() {
  const date = asOf();
  $('asof-year').value = String(yearOfState());
  $('asof-year').setAttribute('aria-valuetext', `état au ${formatDay(date)}`);
  $('asof-date').value = formatDay(date);
  $('asof-date').removeAttribute('aria-invalid');
  replace($('asof-print'), formatDay(date));
  $('asof-today').disabled = !app.state.date;
  document.body.classList.toggle('past-state', Boolean(app.state.date));
  syncExportLinks();
}

// EXPORTS are the downloads the API offers; they follow the date shown.
const EXPORTS = [
  ['export-geojson-wgs84', '/export/sites.geojson', {crs: 'CRS84'}],
  ['export-geojson-l93', '/export/sites.geojson', {crs: 'EPSG:2154'}],
  ['export-csv', '/export/sites.csv', {}],
  ['export-ics', '/api/calendar.ics', {}],
];

function syncExportLinks() {
  for (const [id, path, params] of EXPORTS) {
    $(id).href = withQuery(path, {...params, date: app.state.date});
  }
}

function statusOptions() {
  return STATUSES.map((st) => {
    const swatch = h('span', {class: 'swatch', 'aria-hidden': 'true'});
    swatch.style.backgroundColor = statusColor(st.key);
    swatch.style.borderColor = darken(statusColor(st.key));
    const box = h('input', {type: 'checkbox', value: st.key, name: 'statut'});
    box.addEventListener('change', onStatusChange);
    return h('label', {class: 'check'}, box, swatch, st.label);
  });
}

function onStatusChange() {
  app.state.statuses = [...document.querySelectorAll('#status-options input:checked')].map((b) => b.value);
  syncStatusSummary();
  refresh();
}

function syncStatusSummary() {
  const n = app.state.statuses.length;
  replace($('status-summary'), n ? `Statut (${n})` : 'Statut : tous');
  for (const box of document.querySelectorAll('#status-options input')) box.checked = app.state.statuses.includes(box.value);
}

function fillSelect(select, first, values, current, label = (v) => v) {
  replace(select, h('option', {value: ''}, first), values.map(([value, text]) => h('option', {value}, label(text))));
  select.value = current;
  if (select.value !== current) {
    // a shared URL may name a value the data no longer has: keep it visible
    select.append(h('option', {value: current}, current));
    select.value = current;
  }
}

function fillFilterOptions() {
  fillSelect($('department-filter'), 'Tous', departments(app.sites).map((d) => [d, d]), app.state.department);
  const years = disposalYears(app.features).map((y) => [String(y), String(y)]);
  fillSelect($('year-filter'), 'Toutes', [...years, ['sans', 'sans date de cession']], app.state.year);
}

function syncControls() {
  syncDateControls();
  syncStatusSummary();
  $('search').value = app.state.q;
  $('department-filter').value = app.state.department;
  $('year-filter').value = app.state.year;
  app.map.setParcels(app.state.parcels);
  showView(app.state.view);
}

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function bindControls() {
  const onSearch = debounce(() => {
    app.state.q = $('search').value;
    lookUpParcel(app.state.q);
    refresh();
  }, 150);
  $('search').addEventListener('input', onSearch);
  $('department-filter').addEventListener('change', (e) => {
    app.state.department = e.target.value;
    refresh();
  });
  $('year-filter').addEventListener('change', (e) => {
    app.state.year = e.target.value;
    refresh();
  });
  $('reset-filters').addEventListener('click', () => {
    Object.assign(app.state, {statuses: [], department: '', year: '', q: ''});
    syncControls();
    refresh();
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

function applyTypedDate() {
  const iso = parseDay($('asof-date').value);
  if (!iso) {
    $('asof-date').setAttribute('aria-invalid', 'true');
    notify('date', 'Date non reconnue : écrivez-la JJ/MM/AAAA, entre 2006 et 2030.');
    return;
  }
  notify('date', '');
  setDate(iso);
}

// onTabKey moves between the view tabs with the arrow keys, Home and End.
function onTabKey(e) {
  const i = VIEWS.indexOf(app.state.view);
  const moves = {ArrowRight: i + 1, ArrowLeft: i - 1 + VIEWS.length, Home: 0, End: VIEWS.length - 1};
  if (!(e.key in moves)) return;
  e.preventDefault();
  setView(VIEWS[moves[e.key] % VIEWS.length], {focus: true});
}

function onPopState() {
  const before = app.state;
  app.state = readState(window.location.hash);
  app.state.map = before.map; // the map stays where it is: history is about views and sites
  syncControls();
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

// ---- session and editing ----

function renderAccountArea() {
  renderAccount($('account'), {onSignIn: () => signIn(), onSignOut: onSignOutClicked});
}

// signIn opens the sign-in dialog; once signed in, the page reloads what the account may
// see and edit.
function signIn(message = '') {
  openSignIn({
    message,
    onSignedIn: async () => {
      renderAccountArea();
      notify('session', '');
      await loadSetup();
      await loadData();
      ($('panel').hidden ? $('signout-button') : $('panel-title'))?.focus();
    },
  });
}

async function onSignOutClicked() {
  app.editor.closeForm({restoreFocus: false});
  try {
    await signOut();
  } catch (err) {
    notify('session', `La déconnexion n’a pas abouti (${err.message}).`);
  }
  renderAccountArea();
  $('signin-button')?.focus();
  if (session.private) {
    requireSignIn();
    return;
  }
  await loadData();
}

// onSessionOver is called when a write finds the session gone (expired, or closed
// elsewhere).
function onSessionOver() {
  forgetSession();
  renderAccountArea();
  signIn('Votre session a expiré : reconnectez-vous, puis recommencez votre modification.');
}

// onSessionChanged takes up the session another tab opened or closed: the header says
// who is signed in now, and the page shows what that account may see and do.
async function onSessionChanged() {
  const before = `${session.user}/${session.role}`;
  try {
    await loadSession();
  } catch {
    return;
  }
  renderAccountArea();
  if (`${session.user}/${session.role}` !== before) await loadData();
}

// requireSignIn is the private service's page before sign-in: no data, the dialog.
function requireSignIn() {
  app.features = [];
  app.sites = [];
  app.calendar = [];
  refresh();
  if (!$('panel').hidden) closePanel();
  notify('data', 'Ce service est réservé aux personnes connectées : connectez-vous pour voir les sites.');
  document.body.dataset.ready = 'true';
  signIn('Ce service est réservé aux personnes connectées.');
}

// afterSave reloads every view (map colours, list, table, calendar, dashboard, panel)
// after a write, then reads out its outcome.
async function afterSave() {
  await loadData();
  app.editor.focusFlash();
}

// ---- start ----

async function start() {
  showView(app.state.view); // lay the page out before the map measures its box
  app.map = createMap($('map'), {
    onSelect,
    view: app.state.map,
    onMove: (view) => {
      app.state.map = view;
      writeURL();
    },
    parcels: app.state.parcels,
    onParcelsToggle: (shown) => {
      app.state.parcels = shown;
      writeURL();
    },
  });
  app.editor = createEditor({
    getMap: () => app.map.map,
    showMap: () => {
      setView('carte');
      app.map.invalidate();
    },
    beginDrawing: (what) => app.map.beginDrawing(what),
    endDrawing: () => app.map.endDrawing(),
    showPreview: (geometry) => app.map.showPreview(geometry),
    getToday: () => app.today,
    onSaved: afterSave,
    onSignedOut: onSessionOver,
    onSessionChanged,
  });
  bindControls();
  syncControls();
  try {
    await loadSession();
  } catch (err) {
    notify('session', `La session n’a pas pu être lue (${err.message}).`);
  }
  renderAccountArea();
  if (session.private && !session.signedIn) {
    requireSignIn();
    return;
  }
  await loadSetup();
  await loadData();
}

// loadSetup applies the service's settings (base map, today, vocabulary) and draws the
// commune's outline, once; a private service gives them only after sign-in.
function loadSetup() {
  app.setup ??= (async () => {
    let config = {tile_url: '', tile_attribution: ''};
    try {
      config = await fetchConfig();
      app.today = config.today || '';
      notify('config', '');
    } catch (err) {
      notify('config', `Configuration indisponible (${err.message}) : carte sans fond de plan.`);
    }
    // The statuses, their labels and allowed moves, and the modalities are the service's.
    setVocabulary(config);
    replace($('status-options'), statusOptions());
    app.map.setBaseMap(config);
    syncControls();
    fetchBoundary().then((b) => app.map.setBoundary(b)).catch((err) => {
      notify('boundary', `La limite communale n’a pas pu être chargée (${err.message}).`);
    });
  })();
  return app.setup;
}

start();
