// Loading the portfolio as of the displayed date, and redrawing every view from it.

import {fetchCalendar, fetchDashboard, fetchParcel, fetchParts} from './api.js';
import {$, app, asOf, notify, rememberParcels, writeURL} from './app.js';
import {renderCalendar} from './calendar.js';
import {renderDashboard, renderDashboardMessage} from './dashboard.js';
import {replace} from './dom.js';
import {fillFilterOptions} from './filters.js';
import {loadGovernance, renderGovernance} from './governance.js';
import {plural} from './format.js';
import {applyFilters, groupSites, hasFilters, looksLikeParcelID, parcelID} from './model.js';
import {openPanel, selectSite} from './sitepanel.js';
import {renderSiteList} from './sitelist.js';
import {renderTable} from './table.js';
import {knownNote, parcelNote, showSearchNote} from './search.js';


// loadData fetches the parts and the calendar as of the displayed date, then redraws.
export async function loadData() {
  app.loading?.abort();
  const ctrl = new AbortController();
  app.loading = ctrl;
  const date = asOf();
  const first = !document.body.dataset.ready;
  document.body.setAttribute('aria-busy', 'true');
  const governance = loadGovernance({signal: ctrl.signal}); // the Engagements and Comités views
  const [parts, calendar, dashboard] = await Promise.allSettled([
    fetchParts(date, {signal: ctrl.signal}),
    fetchCalendar(date, {signal: ctrl.signal}),
    fetchDashboard(date, {signal: ctrl.signal}),
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
  app.dashboard = dashboard.status === 'fulfilled' ? dashboard.value : null;
  if (dashboard.status === 'rejected' && parts.status === 'fulfilled') {
    problems.push(`le tableau de bord n’a pas pu être chargé (${dashboard.reason.message})`);
  }
  notify('data', problems.length ? `Attention : ${problems.join(' ; ')}.` : '');
  fillFilterOptions();
  refresh();
  await governance;
  if (ctrl.signal.aborted) return;
  renderGovernance({reload: loadData, onSite: selectSite});
  if (app.state.site) {
    if (first) app.map.focusSite(app.state.site);
    await openPanel(app.state.site, {focus: false});
  }
  // A shared link's search (#q=AZ+56) looks its parcel up as typing would.
  if (first && app.state.q) await lookUpParcel(app.state.q);
  document.body.removeAttribute('aria-busy');
  document.body.dataset.asOf = date;
  document.body.dataset.ready = 'true';
}

// lookUpParcel asks the API which site a typed cadastral reference belongs to.
// It says when the parcel belongs to no site, or is not in the loaded cadastre.
export async function lookUpParcel(query) {
  showSearchNote('');
  if (!looksLikeParcelID(query)) return;
  const id = parcelID(query);
  if (app.lookedUp.has(id)) {
    showSearchNote(knownNote(id));
    return;
  }
  app.lookedUp.add(id);
  let feature;
  try {
    feature = await fetchParcel(id);
  } catch {
    app.lookedUp.delete(id); // asked again next time
    return; // the search still works on names and addresses
  }
  const props = feature?.properties || {};
  const partID = props.part_id;
  const siteID = props.site_id || app.features.find((f) => f.id === partID)?.properties.site_id;
  const note = parcelNote(id, feature, siteID);
  if (parcelID(app.state.q) === id) showSearchNote(note); // unless the search moved on meanwhile
  if (!siteID) return;
  rememberParcels(siteID, [id]);
  refresh();
  app.map.showFound(false);
}

// ---- drawing ----

export function onSelect(siteID, opts) {
  selectSite(siteID, opts);
}

// refresh redraws every view from the loaded data and the state.
export function refresh() {
  const st = app.state;
  const filtered = applyFilters(app.sites, st, app.parcels);
  const date = asOf();
  app.map.setParts(filtered.parts, st.site);
  renderSiteList($('site-list'), filtered.sites, st.site, onSelect);
  // Both are drawn about a day: none is known before the service's settings give today
  // (a private service before sign-in), and there is no data to draw then either.
  if (date) {
    renderCalendar($('calendar'), filtered.sites, app.calendar, {asOf: date, today: app.today, onSelect});
    if (app.dashboard) renderDashboard($('dashboard'), app.dashboard, {today: app.today, filtered: hasFilters(st), onSelect});
    else renderDashboardMessage($('dashboard'), 'Tableau de bord indisponible.');
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
