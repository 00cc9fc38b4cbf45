// The site panel: facts, area, parts, parcels, a vertical timeline of past and planned
// events, the calendar with the history of its planned dates, notes and sources.

import {h, replace} from './dom.js';
import {historySection} from './history.js';
import {datePhrase, formatDateTime, formatDay, formatEuros, formatHa, formatM2, formatNumber, planMoves, plural} from './format.js';
import {precisionLabel} from './dates.js';
import {
  darken, eventKindLabel, milestoneLabel, modalityLabel, qualityLabel, statusColor, statusLabel,
} from './vocab.js';

// statusChip shows a status as a coloured label; since is the French label of the day
// it began, as the service writes it.
// statusChip shows a status and since when; a projected one (a day after today, from a
// plan) says so.
export function statusChip(status, since, projected = false) {
  const chip = h('span', {class: 'chip', dataset: projected ? {status, projected: ''} : {status}},
    h('span', {class: 'chip-dot', 'aria-hidden': 'true'}), statusLabel(status),
    since ? h('span', {class: 'chip-since'}, projected ? ` (prévu ${datePhrase('en', since)})` : ` ${datePhrase('depuis', since)}`) : null,
    projected ? h('span', {class: 'chip-projection'}, ' · projection') : null);
  chip.firstChild.style.backgroundColor = statusColor(status);
  chip.style.borderColor = darken(statusColor(status), 0.1);
  return chip;
}

// qualityBadge shows how well a geometry is known; approximate ones say so plainly.
function qualityBadge(quality) {
  return h('span', {class: `quality quality-${quality === 'approximate' || quality === 'unlocated' ? quality : 'known'}`},
    qualityLabel(quality));
}

function fact(term, value) {
  if (value === null || value === undefined || value === '') return null;
  return [h('dt', {}, term), h('dd', {}, value)];
}

function header(detail, onClose, asOf, today) {
  return h('header', {class: 'panel-head'},
    h('div', {class: 'panel-head-text'},
      h('p', {class: 'panel-kicker'}, asOf === today ? "Fiche du site · état aujourd'hui"
        : detail.projection ? `Fiche du site · projection au ${formatDay(asOf)}` : `Fiche du site · état au ${formatDay(asOf)}`),
      detail.projection ? h('p', {class: 'projection-note panel-projection'}, detail.projection_label) : null,
      h('h2', {id: 'panel-title', tabindex: '-1'}, detail.name),
      detail.address ? h('p', {class: 'panel-address'}, detail.address) : null),
    h('button', {type: 'button', class: 'btn btn-icon panel-close', 'aria-label': 'Fermer la fiche', title: 'Fermer (Échap)', onclick: onClose}, '×'));
}

function keyFacts(detail, edit) {
  const modality = detail.modality_label || modalityLabel(detail.modality);
  const parts = detail.parts || [];
  return h('section', {class: 'panel-section'},
    h('div', {class: 'panel-status'}, parts.map((p) => statusChip(p.status, p.status_since_label, p.projected))),
    h('dl', {class: 'facts'},
      fact('Surface', detail.area_m2 ? `${formatHa(detail.area_m2)} (${formatM2(detail.area_m2)})` : 'inconnue'),
      fact('Service ou organisme', detail.department),
      fact('Usage actuel', detail.current_use),
      fact('Occupant', detail.occupant),
      fact('Propriétaire', detail.owner),
      fact('Modalité de cession', `${modality}${detail.modality === 'undecided' ? '' : detail.modality_done ? ' (réalisée)' : ' (envisagée)'}`),
      fact('Contrepartie', detail.counterparty)),
    edit?.siteTools());
}

// statusHistory lists the statuses a part has had, each from its date (with its
// precision) to the next one's.
function statusHistory(part) {
  const history = part.status_history || [];
  const rows = history.map((st, i) => {
    const next = history[i + 1];
    const period = next
      ? ` ${datePhrase('de', st.from_label)} ${datePhrase('à', next.from_label)}`
      : ` ${datePhrase('depuis', st.from_label)}`;
    return h('li', {},
      statusChip(st.status), h('span', {class: 'history-dates'}, period),
      st.reason ? h('p', {class: 'history-reason'}, st.reason) : null);
  });
  if (!rows.length) return null;
  return h('details', {class: 'history'}, h('summary', {}, `Historique des statuts (${rows.length})`), h('ol', {}, rows));
}

function partBlock(part, multiple, edit) {
  return h('li', {class: 'part', dataset: {partId: part.id}},
    multiple ? h('h4', {}, part.label) : null,
    h('dl', {class: 'facts facts-compact'},
      multiple ? fact('Statut', statusChip(part.status, part.status_since_label, part.projected)) : null,
      fact('Surface calculée', part.area_m2 ? `${formatM2(part.area_m2)} (${formatHa(part.area_m2)})` : null),
      fact('Surface déclarée', part.declared_area_m2 ? formatM2(part.declared_area_m2) : null),
      fact('Origine de la surface', part.area_source_label),
      fact('Géométrie', qualityBadge(part.geometry_quality)),
      fact('Source de la géométrie', part.geometry_source)),
    statusHistory(part),
    edit?.partTools(part));
}

function partsSection(detail, edit) {
  const parts = detail.parts || [];
  const multiple = parts.length > 1;
  return h('section', {class: 'panel-section'},
    h('h3', {}, multiple ? `Parties (${parts.length})` : 'Emprise'),
    h('ul', {class: 'parts'}, parts.map((p) => partBlock(p, multiple, edit))));
}

function parcelsSection(detail, edit) {
  const parcels = detail.parcels || [];
  const partLabels = new Map((detail.parts || []).map((p) => [p.id, p.label]));
  const tools = parcels.length ? edit?.parcelTools() : null;
  const body = parcels.length
    ? h('table', {class: 'mini-table'},
      h('caption', {class: 'visually-hidden'}, 'Parcelles cadastrales du site'),
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, 'Parcelle'), h('th', {scope: 'col'}, 'Section'), h('th', {scope: 'col'}, 'N°'),
        h('th', {scope: 'col', class: 'num'}, 'Contenance'), (detail.parts || []).length > 1 ? h('th', {scope: 'col'}, 'Partie') : null,
        tools ? h('th', {scope: 'col'}, h('span', {class: 'visually-hidden'}, 'Actions')) : null)),
      h('tbody', {}, parcels.map((p) => h('tr', {},
        h('th', {scope: 'row'}, h('code', {}, p.id)), h('td', {}, p.section), h('td', {}, String(p.number)),
        h('td', {class: 'num'}, p.contenance_m2 === null || p.contenance_m2 === undefined ? '—' : formatM2(p.contenance_m2)),
        (detail.parts || []).length > 1 ? h('td', {}, partLabels.get(p.part_id) || '—') : null,
        tools ? h('td', {}, tools.rowAction(p)) : null))))
    : h('p', {class: 'empty'}, 'Aucune parcelle cadastrale rattachée pour l’instant.');
  return h('section', {class: 'panel-section'}, h('h3', {}, `Parcelles cadastrales (${parcels.length})`), body, tools?.node);
}

// eventDate writes an event's date with its precision; planned ones say how precise
// the plan is.
function eventDate(e) {
  return h('span', {class: 'event-date'},
    h('time', {datetime: e.date_start}, e.date_label),
    e.planned ? h('span', {class: 'precision'}, ` · ${precisionLabel(e.date)}`) : null);
}

function eventItem(e, partLabels, asOf, edit) {
  const state = e.cancelled ? 'cancelled' : e.planned ? 'planned' : 'done';
  const later = !e.planned && e.date_start > asOf;
  // the service's flag: a planned event whose whole period is over and that nobody
  // confirmed nor cancelled
  const stale = e.unconfirmed;
  const badge = {cancelled: 'annulé', planned: 'prévu', done: 'réalisé'}[state];
  const extras = [];
  if (e.area_m2) extras.push(formatM2(e.area_m2));
  if (e.amount_eur) extras.push(formatEuros(Number(e.amount_eur)));
  return h('li', {class: `event event-${state}${later ? ' event-later' : ''}`, dataset: {kind: e.kind}},
    h('span', {class: 'event-marker', 'aria-hidden': 'true'}),
    h('div', {class: 'event-body'},
      h('p', {class: 'event-meta'}, eventDate(e), h('span', {class: `badge badge-${state}`}, badge),
        stale ? h('span', {class: 'badge badge-stale'}, 'date passée, non confirmée') : null,
        h('span', {class: 'event-kind'}, eventKindLabel(e.kind))),
      h('p', {class: 'event-title'}, e.title),
      e.part_id && partLabels.size > 1 ? h('p', {class: 'event-part'}, partLabels.get(e.part_id) || '') : null,
      e.description ? h('p', {class: 'event-desc'}, e.description) : null,
      extras.length ? h('p', {class: 'event-extra'}, extras.join(' · ')) : null,
      e.source ? h('p', {class: 'event-source'}, 'Source : ', linkify(e.source)) : null,
      edit?.eventTools(e)));
}

// timelineSection draws the events top to bottom, with a marker where the displayed
// date falls; planned events are drawn hollow and dashed.
function timelineSection(detail, asOf, today, edit) {
  const events = [...(detail.timeline || [])].sort((a, b) => a.date_start.localeCompare(b.date_start));
  const partLabels = new Map((detail.parts || []).map((p) => [p.id, p.label]));
  const items = [];
  let marked = false;
  for (const e of events) {
    if (!marked && e.date_start > asOf) {
      items.push(nowMarker(asOf, today));
      marked = true;
    }
    items.push(eventItem(e, partLabels, asOf, edit));
  }
  if (!marked) items.push(nowMarker(asOf, today));
  return h('section', {class: 'panel-section'},
    h('h3', {}, 'Chronologie'),
    h('p', {class: 'legend-inline'},
      h('span', {class: 'key key-done'}, 'réalisé'), h('span', {class: 'key key-planned'}, 'prévu (date et précision du plan)')),
    edit?.timelineTools(),
    events.length ? h('ol', {class: 'timeline', id: 'timeline'}, items) : h('p', {class: 'empty'}, 'Aucun événement enregistré.'));
}

function nowMarker(asOf, today) {
  return h('li', {class: 'event-now', 'aria-label': 'date affichée'},
    h('span', {}, asOf === today ? `Aujourd'hui, ${formatDay(asOf)}` : `État affiché : ${formatDay(asOf)}`));
}

function planItem(plan, current) {
  return h('li', {class: current ? 'plan plan-current' : 'plan plan-old'},
    h(current ? 'strong' : 's', {}, plan.date_label),
    h('span', {class: 'precision'}, ` · ${precisionLabel(plan.date)}`),
    plan.move_label ? h('span', {class: 'plan-move', dataset: {move: plan.move}}, ` · ${plan.move_label}`) : null,
    plan.decided_on ? h('span', {class: 'plan-decided'}, ` · décidé le ${formatDay(plan.decided_on)}`) : null,
    plan.reason ? h('p', {class: 'plan-reason'}, plan.reason) : null,
    plan.source ? h('p', {class: 'event-source'}, 'Source : ', linkify(plan.source)) : null);
}

function milestoneItem(m, multipleParts, edit) {
  const title = [milestoneLabel(m.kind)];
  if (m.label) title.push(m.label);
  const status = m.actual
    ? h('span', {class: 'badge badge-done'}, `réalisée ${datePhrase('en', m.actual_label)}`)
    : m.overdue ? h('span', {class: 'badge badge-overdue'}, 'en retard')
      : m.planned ? h('span', {class: 'badge badge-planned'}, 'prévue') : h('span', {class: 'badge'}, 'date non publiée');
  const plans = m.plans || [];
  return h('li', {class: `milestone${m.overdue ? ' milestone-overdue' : ''}`, dataset: {kind: m.kind}},
    h('p', {class: 'milestone-title'}, h('strong', {}, title.join(' — ')), ' ', status),
    multipleParts && m.part_label ? h('p', {class: 'event-part'}, m.part_label) : null,
    m.planned ? h('p', {class: 'milestone-planned'}, 'Date prévue : ', h('strong', {}, m.planned_label),
      ` (${precisionLabel(m.planned)}, au plus tard le ${formatDay(m.planned_end)})`) : null,
    planMoves(m) ? h('p', {class: 'milestone-slips'}, `${planMoves(m)} de la date prévue`) : null,
    plans.length > 1 || (plans.length === 1 && (plans[0].reason || plans[0].source))
      ? h('details', {class: 'plans', open: m.slips ? true : null}, h('summary', {}, `Historique des dates prévues (${plans.length})`),
        h('ol', {}, plans.map((p, i) => planItem(p, i === plans.length - 1))))
      : null,
    edit?.milestoneTools(m));
}

function calendarSection(detail, edit) {
  const items = detail.calendar || [];
  return h('section', {class: 'panel-section'},
    h('h3', {}, 'Calendrier de libération et de cession'),
    items.length ? h('ul', {class: 'milestones', id: 'panel-milestones'}, items.map((m) => milestoneItem(m, (detail.parts || []).length > 1, edit)))
      : h('p', {class: 'empty'}, 'Aucune échéance enregistrée.'),
    edit?.calendarTools());
}

// safeURL returns an http(s) URL from a source, or null: no other scheme becomes a link.
function safeURL(text) {
  try {
    const u = new URL(text);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

// linkify turns the web addresses in a text into links, leaving the rest as text.
function linkify(text) {
  return text.split(/(https?:\/\/[^\s;,)»]+)/).map((piece, i) => {
    const url = i % 2 ? safeURL(piece) : null;
    return url ? h('a', {href: url, rel: 'noopener noreferrer', target: '_blank'}, piece) : piece;
  });
}

function notesSection(detail) {
  const sources = detail.sources || [];
  if (!detail.notes && !sources.length) return null;
  return h('section', {class: 'panel-section'},
    detail.notes ? [h('h3', {}, 'Notes'), h('p', {class: 'notes'}, detail.notes)] : null,
    sources.length ? [h('h3', {}, 'Sources'), h('ul', {class: 'sources'}, sources.map((src) => h('li', {}, linkify(src))))] : null);
}

// renderPanel draws a site's detail (the /api/sites/{id} document) in el. For an editor,
// edit holds the editing tools to place beside each thing (see editor.js); notice and flash
// are shown above the sections; history adds the section of the site's changes.
export function renderPanel(el, detail, {onClose, asOf, today, edit = null, notice = null, flash = null, history = false}) {
  replace(el,
    header(detail, onClose, asOf, today),
    h('div', {class: 'panel-scroll'},
      flash, notice,
      keyFacts(detail, edit),
      partsSection(detail, edit),
      timelineSection(detail, asOf, today, edit),
      calendarSection(detail, edit),
      parcelsSection(detail, edit),
      notesSection(detail),
      history ? historySection() : null,
      h('p', {class: 'panel-foot'}, `Identifiant : ${detail.id} · ${formatNumber((detail.timeline || []).length)} événements`)));
}

// renderDeletedPanel shows a deleted site: who deleted it and when, its history and, for
// an admin, the way to restore it.
export function renderDeletedPanel(el, siteID, history, {onClose, tools = null, flash = null}) {
  const items = history.items || [];
  const deletion = items.find((r) => r.action === 'site.delete');
  const last = items.find((r) => r.entity_type === 'site' && (r.after?.name || r.before?.name));
  const name = last?.after?.name || last?.before?.name || siteID;
  replace(el,
    h('header', {class: 'panel-head'},
      h('div', {class: 'panel-head-text'},
        h('p', {class: 'panel-kicker'}, 'Fiche du site · supprimé'),
        h('h2', {id: 'panel-title', tabindex: '-1'}, name)),
      h('button', {type: 'button', class: 'btn btn-icon panel-close', 'aria-label': 'Fermer la fiche', title: 'Fermer (Échap)', onclick: onClose}, '×')),
    h('div', {class: 'panel-scroll'},
      flash,
      h('section', {class: 'panel-section'},
        h('p', {class: 'panel-deleted', id: 'panel-deleted'},
          deletion ? `Ce site a été supprimé le ${formatDateTime(deletion.at)} par ${deletion.user}.` : 'Ce site a été supprimé.',
          deletion?.reason ? ` Motif : « ${deletion.reason} ».` : ''),
        h('p', {class: 'empty'}, 'Il n’apparaît plus sur la carte, dans les listes ni dans les exports ; rien n’en est effacé.'),
        tools),
      historySection(),
      h('p', {class: 'panel-foot'}, `Identifiant : ${siteID}`)));
}

// renderPanelMessage shows a short message in the panel (loading, error).
export function renderPanelMessage(el, title, message, onClose) {
  replace(el,
    h('header', {class: 'panel-head'},
      h('div', {class: 'panel-head-text'}, h('h2', {id: 'panel-title', tabindex: '-1'}, title)),
      h('button', {type: 'button', class: 'btn btn-icon panel-close', 'aria-label': 'Fermer la fiche', onclick: onClose}, '×')),
    h('p', {class: 'panel-message'}, message));
}
