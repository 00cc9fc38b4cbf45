// The Engagements view: the convention's commitments as of the date shown, grouped by
// axis, each with its status, its lateness, its progress and its dated follow-up; filters
// by party, axis, site and status. Every status, label and late flag is the service's
// (GET /api/commitments?date=); the page only groups and filters them.

import {h, replace} from './dom.js';
import {plural} from './format.js';
import {commitmentForm, followUpForm, formTool} from './govforms.js';
import {gov, label, siteName, takeFlash} from './govstate.js';
import {canEdit} from './session.js';

// FILTERS are the view's drop-downs: the filter's key, its label and its options.
function filterOptions() {
  const sites = [...new Set(gov.commitments.flatMap((c) => c.site_ids || []))]
    .map((id) => ({key: id, label: siteName(id)}))
    .sort((a, b) => a.label.localeCompare(b.label, 'fr'));
  return [
    ['party', 'Partie', 'Toutes', gov.vocab.parties],
    ['axis', 'Axe', 'Tous', gov.vocab.axes],
    ['site', 'Site', 'Tous', sites],
    ['status', 'État', 'Tous', gov.vocab.commitment_statuses],
  ];
}

// matches tells whether a commitment passes the view's filters.
export function matches(c, f) {
  return (!f.party || (c.parties || []).includes(f.party)) &&
    (!f.axis || c.axis === f.axis) &&
    (!f.site || (c.site_ids || []).includes(f.site)) &&
    (!f.status || c.status === f.status);
}

// filterBar draws the drop-downs; a change redraws the view through onChange.
function filterBar(onChange) {
  const selects = filterOptions().map(([key, text, all, options]) => {
    const select = h('select', {name: key, id: `gov-filter-${key}`},
      h('option', {value: ''}, all), options.map((o) => h('option', {value: o.key}, o.label)));
    select.value = gov.filters[key];
    if (select.value !== gov.filters[key]) gov.filters[key] = '';
    select.addEventListener('change', () => {
      gov.filters[key] = select.value;
      onChange();
      document.getElementById(`gov-filter-${key}`)?.focus();
    });
    return h('label', {class: 'select'}, h('span', {}, text), select);
  });
  return h('div', {class: 'gov-filters', role: 'group', 'aria-label': 'Filtres des engagements'}, selects);
}

// statusChip shows a commitment's status, in the service's words.
export function commitmentChip(c) {
  return h('span', {class: 'gov-chip', dataset: {status: c.status}}, c.status_label || label('commitment_statuses', c.status));
}

// lateBadge marks a commitment whose due period ended while it was still open.
export function lateBadge(c) {
  return c.late ? h('span', {class: 'gov-late'}, 'En retard') : null;
}

// progressBar shows a commitment's progress, or says it is not known.
function progressBar(c) {
  if (c.progress === null || c.progress === undefined) {
    return h('p', {class: 'gov-progress gov-progress-unknown'}, 'Avancement non renseigné');
  }
  const bar = h('span', {class: 'gov-progress-fill'});
  bar.style.width = `${Math.max(0, Math.min(100, c.progress))}%`;
  return h('div', {class: 'gov-progress'},
    h('span', {class: 'gov-progress-track', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
      'aria-valuenow': String(c.progress), 'aria-label': `Avancement de ${c.clause}`}, bar),
    h('span', {class: 'gov-progress-value'}, `${c.progress} %`));
}

// sourceNode shows a source: a link when it is a web address, else its text.
export function sourceNode(text) {
  try {
    const u = new URL(text);
    if (u.protocol === 'https:' || u.protocol === 'http:') {
      return h('a', {href: u.href, rel: 'noopener noreferrer', target: '_blank'}, text);
    }
  } catch {
    // not an address
  }
  return text;
}

// followUps lists a commitment's dated follow-up notes known on the date shown.
function followUps(c) {
  const items = c.follow_ups || [];
  if (!items.length) return null;
  return h('details', {class: 'gov-followups'},
    h('summary', {}, `Suivi (${items.length})`),
    h('ol', {}, items.map((f) => h('li', {dataset: {followUpId: String(f.id)}},
      h('span', {class: 'gov-followup-date'}, f.date_label || f.date), ' — ',
      f.status ? [commitmentChip({status: f.status}), ' '] : null,
      f.progress !== null && f.progress !== undefined ? `${f.progress} % ` : null,
      f.note, h('span', {class: 'gov-source'}, ' Source : ', sourceNode(f.source))))));
}

// siteLinks lets the reader open the sites a commitment concerns.
function siteLinks(c, onSite) {
  const ids = c.site_ids || [];
  if (!ids.length) return null;
  return h('p', {class: 'gov-sites'}, 'Sites : ', ids.map((id, i) => [i ? ', ' : '',
    h('button', {type: 'button', class: 'link-button', onclick: () => onSite(id)}, siteName(id))]));
}

// commitmentItem draws one commitment, with its editing tools for an editor; onSite
// opens a site it concerns.
function commitmentItem(c, onSaved, onSite) {
  const tools = canEdit() ? [
    formTool('Modifier', `commitment-edit:${c.id}`, () => commitmentForm(c, onSaved), c.title),
    formTool('Ajouter un suivi', `follow-up:${c.id}`, () => followUpForm(c, onSaved), c.title),
  ] : [];
  return h('li', {class: `gov-item${c.late ? ' gov-item-late' : ''}`, dataset: {commitmentId: c.id, late: String(c.late)}},
    h('div', {class: 'gov-item-head'},
      h('span', {class: 'gov-clause'}, c.clause),
      h('h4', {class: 'gov-title'}, c.title)),
    h('div', {class: 'gov-item-status'}, commitmentChip(c), lateBadge(c),
      h('span', {class: 'gov-firmness'}, c.firmness_label)),
    h('dl', {class: 'facts facts-compact'},
      h('dt', {}, 'Échéance'), h('dd', {class: c.late ? 'text-overdue' : null}, c.due_label || 'non fixée par le texte'),
      h('dt', {}, 'Parties'), h('dd', {}, (c.party_labels || []).join(', '))),
    progressBar(c),
    siteLinks(c, onSite),
    followUps(c),
    tools.length ? h('div', {class: 'edit-tools'}, h('div', {class: 'edit-buttons'}, tools.map((t) => t.button)), tools.map((t) => t.slot)) : null);
}

// axisGroups draws the commitments by axis, in the convention's order.
function axisGroups(list, onSaved, onSite) {
  const groups = gov.vocab.axes.length ? gov.vocab.axes : [...new Set(list.map((c) => c.axis))].map((key) => ({key, label: key}));
  return groups.map((axis) => {
    const items = list.filter((c) => c.axis === axis.key);
    if (!items.length) return null;
    const late = items.filter((c) => c.late).length;
    return h('section', {class: 'gov-axis', dataset: {axis: axis.key}},
      h('h3', {}, axis.label, h('span', {class: 'gov-count'},
        ` · ${plural(items.length, 'engagement', 'engagements')}`, late ? `, ${late} en retard` : '')),
      h('ul', {class: 'gov-list'}, items.map((c) => commitmentItem(c, onSaved, onSite))));
  });
}

// renderCommitments draws the view into el; onChange redraws it after a change of filter,
// onSaved follows a write and onSite opens a site.
export function renderCommitments(el, {onChange, onSaved, onSite}) {
  const list = gov.commitments.filter((c) => matches(c, gov.filters));
  const late = list.filter((c) => c.late).length;
  const flash = takeFlash('engagements');
  const create = canEdit() ? formTool('Nouvel engagement', 'commitment-new', () => commitmentForm(null, onSaved)) : null;
  replace(el,
    h('div', {class: 'view-head'},
      h('h2', {}, 'Engagements de la convention Paris–Ivry'),
      create?.button),
    flash ? h('p', {id: 'engagements-alert', class: `panel-alert panel-alert-${flash.kind}`, role: flash.kind === 'warning' ? 'alert' : 'status', tabindex: '-1'}, flash.text) : null,
    create?.slot,
    filterBar(onChange),
    h('p', {class: 'gov-summary', id: 'engagements-count', 'aria-live': 'polite'},
      `${plural(list.length, 'engagement', 'engagements')} sur ${gov.commitments.length}`,
      late ? h('span', {class: 'text-overdue'}, ` · ${late} en retard`) : ''),
    list.length ? axisGroups(list, onSaved, onSite) : h('p', {class: 'empty'}, 'Aucun engagement ne répond à ces filtres.'));
}
