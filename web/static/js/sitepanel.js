// The site panel: opening a site (or a deleted one, with its history), and closing it.

import {fetchHistory, fetchSite} from './api.js';
import {$, app, asOf, rememberParcels, writeURL} from './app.js';
import {h} from './dom.js';
import {formatDay} from './format.js';
import {fillHistory, historyFailed} from './history.js';
import {renderDeletedPanel, renderPanel, renderPanelMessage} from './panel.js';
import {canEdit, session} from './session.js';
import {siteGovernanceSection} from './sitegovernance.js';


// backToToday shows today's state again. The date shown is controls.js's, which imports
// this module to open and close the panel: it gives the action at start-up
// (setBackToToday) rather than be imported back.
let backToToday = () => {};

// setBackToToday sets what the past-state notice's "revenir à aujourd’hui" does.
export function setBackToToday(fn) {
  backToToday = fn;
}

// selectSite opens a site's panel and, unless it was chosen on the map itself, pans and
// zooms the map to it (now, or when the map view is shown again).
export function selectSite(siteID, {focusMap = true} = {}) {
  const changed = app.state.site !== siteID;
  app.state.site = siteID;
  writeURL(changed);
  app.map.highlight(siteID);
  markSelected();
  if (focusMap) app.map.focusSite(siteID);
  openPanel(siteID, {focus: true});
}

export function markSelected() {
  for (const b of document.querySelectorAll('#site-list .site-item')) {
    const li = b.closest('li');
    if (li.dataset.siteId === app.state.site) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

export async function openPanel(siteID, {focus}) {
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
  body.querySelector('.panel-scroll')?.insertBefore(siteGovernanceSection(siteID, detail), body.querySelector('.panel-foot'));
  panel.dataset.siteId = siteID;
  panel.dataset.etag = etag;
  if (focus) $('panel-title')?.focus({preventScroll: window.innerWidth > 900});
  if (session.signedIn) await loadHistory(siteID, ctrl.signal, canEdit() && !app.state.date);
  if (!ctrl.signal.aborted) panel.dataset.loaded = 'true';
}

// openDeletedPanel shows a site that was deleted, if it was: its history, and for an
// admin the way to restore it. It tells whether the site was a deleted one.
export async function openDeletedPanel(siteID, signal) {
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
export async function loadHistory(siteID, signal, editing) {
  try {
    const {history} = await fetchHistory(siteID, {signal});
    if (!signal.aborted) fillHistory(history, {restoreTools: editing ? app.editor.hooks.historyTools : null});
  } catch (err) {
    if (!signal.aborted) historyFailed(err);
  }
}

// pastStateNotice tells an editor that a past state cannot be edited.
export function pastStateNotice() {
  return h('p', {class: 'panel-alert panel-alert-info', id: 'panel-past'},
    `Vous consultez l’état au ${formatDay(asOf())}. Les modifications portent sur l’état d’aujourd’hui : `,
    h('button', {type: 'button', class: 'link-button', onclick: () => backToToday()}, 'revenir à aujourd’hui'), '.');
}

export function closePanel() {
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
