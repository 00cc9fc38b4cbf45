// The page's shared state: the URL state, the service's today, the loaded data and the
// views' handles, with the few helpers every part of the page uses.

import {replace} from './dom.js';
import {readState, writeState} from './state.js';

// $ finds an element of the page by id.
export const $ = (id) => document.getElementById(id);

// app is the page's state, shared by the modules that wire it (main, data, sitepanel,
// controls, account, governance).
export const app = {
  dashboard: null, // the service's dashboard as of the displayed date
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
export function asOf() {
  return app.state.date || app.today;
}

// notify shows or clears (empty message) one of the page's notices, by topic.
export function notify(topic, message) {
  if (message) app.notices.set(topic, message);
  else app.notices.delete(topic);
  const el = $('notice');
  el.hidden = app.notices.size === 0;
  replace(el, [...app.notices.values()].join(' '));
}

// rememberParcels adds cadastral parcel ids to those the search knows for a site: the
// site panel learns them from the site's sheet, the parcel look-up from the API.
export function rememberParcels(siteID, ids) {
  const known = new Set(app.parcels.get(siteID) || []);
  ids.forEach((id) => known.add(id));
  app.parcels.set(siteID, [...known]);
}

// writeURL records the state in the URL fragment; push adds a history entry (view
// and site changes), otherwise the current one is replaced (typing, filters).
export function writeURL(push = false) {
  const hash = writeState(app.state);
  if (hash === window.location.hash || (!hash && !window.location.hash)) return;
  const url = hash || window.location.pathname + window.location.search;
  if (push) window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}
