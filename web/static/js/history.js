// The site's change history (GET /api/sites/{id}/history): who changed what, when and
// why, each change summed up as its fields before and after.

import {h, replace} from './dom.js';
import {formatDateTime, formatEuros, formatM2, plural} from './format.js';
import {formatPreciseDate} from './dates.js';
import {eventKindLabel, milestoneLabel, modalityLabel, qualityLabel, statusLabel} from './vocab.js';

const ACTIONS = {
  'site.create': 'Création du site',
  'site.update': 'Fiche modifiée',
  'site.delete': 'Site supprimé',
  'site.restore': 'Site restauré',
  'part.status': 'Changement de statut',
  'part.status_correction': 'Correction du statut',
  'part.geometry': 'Contour remplacé',
  'part.split': 'Partie scindée',
  'part.parcels': 'Parcelles rattachées',
  'part.unlink_parcel': 'Parcelles détachées',
  'part.geometry_from_parcels': 'Contour refait depuis les parcelles',
  'part.cadastre': 'Parcelles modifiées par le cadastre',
  'event.create': 'Événement ajouté',
  'event.update': 'Événement modifié',
  'event.cancel': 'Événement annulé',
  'event.delete': 'Événement supprimé',
  'event.restore': 'Événement rétabli',
  'milestone.create': 'Échéance ajoutée',
  'milestone.plan': 'Date prévue modifiée',
  'milestone.actual': 'Date réalisée',
};

// actionLabel names a change in French.
export function actionLabel(action) {
  return ACTIONS[action] ?? action;
}

// FIELDS names the fields of the entities in French, in the order they are listed.
const FIELDS = {
  name: 'Nom', address: 'Adresse', department: 'Service ou organisme', current_use: 'Usage actuel',
  occupant: 'Occupant', owner: 'Propriétaire', modality: 'Modalité de cession', modality_done: 'Modalité réalisée',
  counterparty: 'Contrepartie', notes: 'Notes', sources: 'Sources', deleted: 'Supprimé',
  label: 'Libellé', status: 'Statut', status_since: 'Statut depuis', status_reason: 'Motif du statut',
  geometry: 'Contour', geometry_quality: 'Qualité du contour', geometry_source: 'Source du contour',
  area_m2: 'Surface', declared_area_m2: 'Surface déclarée', parcels: 'Parcelles',
  kind: 'Type', date: 'Date', planned: 'À venir', cancelled: 'Annulé', title: 'Titre', description: 'Description',
  source: 'Source', amount_eur: 'Montant', part_id: 'Partie', plans: 'Date prévue', actual: 'Date réalisée',
};

// Fields that identify an entity rather than describe it.
// status_reason repeats the change's own reason.
const SKIP = new Set(['id', 'site_id', 'version', 'created_at', 'updated_at', 'recorded_at', 'deleted_at', 'status_reason']);

function shorten(text, max = 70) {
  const t = String(text).replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

function countVertices(geometry) {
  let n = 0;
  for (const polygon of geometry?.coordinates || []) {
    for (const ring of polygon) n += Math.max(0, ring.length - 1);
  }
  return n;
}

// lastPlan is the current planned date of a milestone's plans.
function lastPlan(plans) {
  return Array.isArray(plans) && plans.length ? plans[plans.length - 1] : null;
}

// formatValue writes a field's value briefly.
function formatValue(key, v) {
  if (v === null || v === undefined || v === '') return '—';
  switch (key) {
    case 'status':
      return statusLabel(v);
    case 'modality':
      return modalityLabel(v);
    case 'geometry_quality':
      return qualityLabel(v);
    case 'kind':
      return eventKindLabel(v) === v ? milestoneLabel(v) : eventKindLabel(v);
    case 'status_since':
    case 'date':
    case 'actual':
      return formatPreciseDate(String(v));
    case 'area_m2':
    case 'declared_area_m2':
      return formatM2(Number(v));
    case 'amount_eur':
      return formatEuros(Number(v));
    case 'geometry': {
      const polygons = v.coordinates?.length || 0;
      return `${plural(polygons, 'polygone', 'polygones')}, ${plural(countVertices(v), 'sommet', 'sommets')}`;
    }
    case 'plans': {
      const p = lastPlan(v);
      return p ? formatPreciseDate(p.date) : '—';
    }
    case 'parcels':
      return Array.isArray(v) && v.length ? shorten(v.map((p) => (typeof p === 'string' ? p : p.id)).join(', ')) : 'aucune';
    case 'sources':
      return Array.isArray(v) ? plural(v.length, 'source', 'sources') : shorten(v);
  }
  if (typeof v === 'boolean') return v ? 'oui' : 'non';
  if (typeof v === 'object') return shorten(JSON.stringify(v));
  return shorten(v);
}

function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

// diffFields lists the fields that differ between two states of an entity: [label,
// before, after], before null when the entity was created.
function diffFields(before, after) {
  const rows = [];
  for (const key of Object.keys(FIELDS)) {
    if (SKIP.has(key) || !(key in after || (before && key in before))) continue;
    if (before && same(before[key], after[key])) continue;
    const empty = (v) => v === null || v === undefined || v === '' || v === false || (Array.isArray(v) && !v.length);
    if (!before && empty(after[key])) continue;
    rows.push([FIELDS[key], before ? formatValue(key, before[key]) : null, formatValue(key, after[key])]);
  }
  return rows;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// changes lists the fields a change touched: [label, before, after].
export function changes(record) {
  const before = isObject(record.before) ? record.before : null;
  const after = isObject(record.after) ? record.after : null;
  if (!after) return [];
  switch (record.action) {
    case 'site.delete':
    case 'site.restore':
      return []; // the action says it all
    case 'part.split': {
      // after holds the part as cut ("retained") and the new part ("ceded")
      if (!isObject(after.retained) || !isObject(after.ceded)) break;
      const piece = after.ceded;
      return [
        ...diffFields(before, after.retained),
        ['Nouvelle partie', null, `${piece.label || piece.id}${piece.area_m2 ? `, ${formatM2(piece.area_m2)}` : ''}`],
      ];
    }
  }
  return diffFields(before, after);
}

// entityName names what a change was made to: a part's label, an event's title, a
// milestone's label.
function entityName(record) {
  const e = (record.action === 'part.split' ? record.before : record.after || record.before) || {};
  switch (record.entity_type) {
    case 'part':
      return e.label || record.entity_id;
    case 'event':
      return e.title || `événement ${record.entity_id}`;
    case 'milestone':
      return [milestoneLabel(e.kind), e.label].filter(Boolean).join(' — ') || `échéance ${record.entity_id}`;
  }
  return '';
}

function changeRow([label, before, after]) {
  return h('li', {},
    h('span', {class: 'change-field'}, `${label} : `),
    before === null ? null : [h('del', {class: 'change-before'}, before), h('span', {class: 'change-arrow', 'aria-label': 'devient'}, ' → ')],
    h('ins', {class: 'change-after'}, after));
}

function recordItem(record, tools) {
  const rows = changes(record);
  const name = entityName(record);
  return h('li', {class: 'change', dataset: {action: record.action, auditId: String(record.id)}},
    h('p', {class: 'change-head'},
      h('strong', {class: 'change-action'}, actionLabel(record.action)),
      name ? h('span', {class: 'change-entity'}, ` · ${name}`) : null),
    h('p', {class: 'change-meta'},
      'par ', h('span', {class: 'change-user'}, record.user), ', le ',
      h('time', {datetime: record.at}, formatDateTime(record.at))),
    record.reason ? h('p', {class: 'change-reason'}, `« ${record.reason} »`) : null,
    rows.length ? h('ul', {class: 'change-fields'}, rows.map(changeRow)) : null,
    tools);
}

// stillDeleted lists the events deleted and not restored since: the history is newest
// first, so a restore seen before a deletion undoes it.
function stillDeleted(items) {
  const restored = new Set();
  const deleted = new Set();
  for (const r of items) {
    if (r.entity_type !== 'event') continue;
    if (r.action === 'event.restore') restored.add(r.entity_id);
    else if (r.action === 'event.delete' && !restored.has(r.entity_id)) deleted.add(r.id);
  }
  return deleted;
}

// historySection is the panel's section for the history, filled by fillHistory once it
// has loaded.
export function historySection() {
  return h('section', {class: 'panel-section', id: 'history-section', 'aria-labelledby': 'history-title'},
    h('h3', {id: 'history-title'}, 'Historique des modifications'),
    h('div', {id: 'site-history', 'aria-live': 'polite'}, h('p', {class: 'empty'}, 'Chargement de l’historique…')));
}

// fillHistory draws the history's records (newest first) in the section. For an admin,
// restoreTools(record) gives the way to bring back an event deleted by mistake.
export function fillHistory(history, {restoreTools = null} = {}) {
  const el = document.getElementById('site-history');
  if (!el) return;
  const items = history.items || [];
  if (!items.length) {
    replace(el, h('p', {class: 'empty'}, 'Aucune modification enregistrée depuis la mise en service de l’édition.'));
    return;
  }
  const shown = items.slice(0, 30);
  const deleted = restoreTools ? stillDeleted(items) : new Set();
  replace(el,
    h('ol', {class: 'changes', id: 'history-list'}, shown.map((r) => recordItem(r, deleted.has(r.id) ? restoreTools(r) : null))),
    items.length > shown.length ? h('p', {class: 'empty'}, `… et ${plural(items.length - shown.length, 'modification plus ancienne', 'modifications plus anciennes')}.`) : null);
}

// historyFailed says the history could not be loaded.
export function historyFailed(err) {
  const el = document.getElementById('site-history');
  if (el) replace(el, h('p', {class: 'empty'}, `L’historique n’a pas pu être chargé (${err.message}).`));
}
