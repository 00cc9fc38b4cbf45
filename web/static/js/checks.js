// "À vérifier": what needs a look on the "État au" day, as the service lists it
// (GET /api/checks): plans past and not done, deadlines close, statuses held too long
// without a planned date, parcels changed by the last cadastre. The service words each
// entry in French; the page only lists them, each linking to its site.

import {fetchChecks} from './api.js';
import {h, replace} from './dom.js';
import {plural} from './format.js';

// loaded keeps the answer for each dashboard document drawn: redrawing the dashboard (a
// filter, a selection) does not ask the service again, while every reload of the data
// (a new date, a change saved) brings a new document and so a fresh list.
const loaded = new WeakMap();

function checksFor(key, date) {
  if (!loaded.has(key)) {
    const p = fetchChecks(date);
    p.catch(() => loaded.delete(key)); // a failure is asked again at the next drawing
    loaded.set(key, p);
  }
  return loaded.get(key);
}

function checkItem(c, onSelect) {
  return h('li', {class: 'check', dataset: {kind: c.kind, site: c.site_id}},
    h('span', {class: 'check-kind'}, c.kind_label),
    h('span', {class: 'check-text'},
      h('button', {type: 'button', class: 'link-button', onclick: () => onSelect(c.site_id)}, c.site_name),
      h('span', {class: 'check-detail'}, c.detail)));
}

// renderChecks fills el (the dashboard's "À vérifier" block) with the checks of date;
// key is the dashboard document being drawn (see loaded).
export async function renderChecks(el, date, {key, onSelect}) {
  el.dataset.state = 'loading';
  replace(el, h('p', {class: 'empty'}, 'Chargement…'));
  let doc;
  try {
    doc = await checksFor(key, date);
  } catch (err) {
    if (el.isConnected) {
      el.dataset.state = 'error';
      replace(el, h('p', {class: 'empty'}, `La liste n’a pas pu être chargée (${err.message}).`));
    }
    return;
  }
  if (!el.isConnected) return; // the dashboard was drawn again meanwhile
  const checks = doc.checks || [];
  el.dataset.state = 'ready';
  replace(el,
    h('p', {class: 'card-detail', id: 'checks-count'}, checks.length ? plural(checks.length, 'point à vérifier', 'points à vérifier') : ''),
    checks.length
      ? h('ul', {class: 'checks', id: 'checks-list'}, checks.map((c) => checkItem(c, onSelect)))
      : h('p', {class: 'empty'}, 'Rien à vérifier à cette date.'));
}
