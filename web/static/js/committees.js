// The Comités view: each committee with its cadences, its planned meetings (those
// recorded and those its cadence calls for, overdue once missed) and its past ones, with
// their agenda, their record of decisions, minutes and sources, and the committee pack to
// download. Dates, states and overdue flags are the service's (GET /api/meetings?date=).

import {meetingPackURL} from './api.js';
import {h, replace} from './dom.js';
import {sourceNode} from './commitments.js';
import {agendaForm, decisionForm, formTool, meetingForm} from './govforms.js';
import {gov, label, siteName, takeFlash} from './govstate.js';
import {canEdit} from './session.js';

// committeeName is the name of a committee, or its id.
export function committeeName(id) {
  return gov.committees.find((c) => c.id === id)?.name || id.toUpperCase();
}

// meetingTitle names a meeting as planners do: « COPIL du 17/03/2021 ».
export function meetingTitle(m) {
  return m.derived ? `${committeeName(m.committee_id)} ${m.date_label}` : `${committeeName(m.committee_id)} du ${m.date_label}`;
}

// isUpcoming tells whether a meeting is still ahead on the date shown.
function isUpcoming(m) {
  return m.derived || (m.state === 'planned' && (m.date || '') >= gov.date);
}

// cadences says how often a committee must meet, citing each clause.
function cadences(c) {
  const list = (c.cadences || []).map((k) => `au moins tous les ${k.months} mois (${k.clause})`);
  return list.length ? h('p', {class: 'gov-cadence'}, `Se réunit ${list.join(' ; ')}.`) : null;
}

// commitmentTitle names a commitment by its clause and title.
function commitmentTitle(id) {
  const c = gov.commitments.find((x) => x.id === id);
  return c ? `${c.clause} — ${c.title}` : id;
}

// agenda lists a meeting's agenda items with what each is about.
function agenda(m) {
  const items = m.agenda || [];
  if (!items.length) return null;
  return [h('h5', {}, 'Ordre du jour'), h('ol', {class: 'gov-agenda'}, items.map((i) => h('li', {dataset: {itemId: String(i.id)}},
    h('strong', {}, i.title),
    i.notes ? h('p', {class: 'gov-notes'}, i.notes) : null,
    (i.commitment_ids || []).length ? h('p', {class: 'gov-about'}, 'Engagements : ', i.commitment_ids.map(commitmentTitle).join(' ; ')) : null,
    (i.site_ids || []).length ? h('p', {class: 'gov-about'}, 'Sites : ', i.site_ids.map(siteName).join(', ')) : null)))];
}

// decisions lists a meeting's record of decisions.
export function decisionItem(d) {
  return h('li', {dataset: {decisionId: String(d.id)}},
    d.text,
    d.new_date ? h('span', {class: 'gov-about'}, ` — nouvelle date prévue : ${d.new_date}${d.reason ? ` (${d.reason})` : ''}`) : null,
    d.owner ? h('span', {class: 'gov-about'}, ` — pilote : ${d.owner}`) : null,
    d.due ? h('span', {class: 'gov-about'}, ` — échéance : ${d.due}`) : null,
    d.commitment_id ? h('span', {class: 'gov-about'}, ` — engagement ${commitmentTitle(d.commitment_id)}`) : null);
}

function decisions(m) {
  const items = m.decisions || [];
  if (!items.length) return null;
  return [h('h5', {}, 'Relevé de décisions'), h('ul', {class: 'gov-decisions'}, items.map(decisionItem))];
}

// meetingItem draws one meeting; a recorded one offers its pack and, to an editor, its tools.
function meetingItem(m, onSaved) {
  const tools = canEdit() && m.id ? [
    formTool('Modifier', `meeting-edit:${m.id}`, () => meetingForm(m, onSaved), meetingTitle(m)),
    formTool('Ajouter un point', `agenda-add:${m.id}`, () => agendaForm(m, onSaved), meetingTitle(m)),
    formTool('Ajouter une décision', `decision-add:${m.id}`, () => decisionForm(m, onSaved), meetingTitle(m)),
  ] : [];
  return h('li', {class: `gov-meeting${m.overdue ? ' gov-item-late' : ''}`, dataset: {meetingId: m.id ? String(m.id) : '', state: m.state, derived: String(m.derived)}},
    h('div', {class: 'gov-item-head'},
      h('h4', {class: 'gov-title'}, meetingTitle(m)),
      h('span', {class: 'gov-chip', dataset: {state: m.state}}, m.state_label || label('meeting_states', m.state)),
      m.derived ? h('span', {class: 'gov-firmness'}, 'selon la cadence') : null,
      m.overdue ? h('span', {class: 'gov-late'}, 'En retard') : null),
    m.place ? h('p', {class: 'gov-notes'}, `Lieu : ${m.place}`) : null,
    (m.attendees || []).length ? h('p', {class: 'gov-notes'}, 'Participants : ',
      m.attendees.map((a) => (a.role ? `${a.organisation} (${a.role})` : a.organisation)).join(', ')) : null,
    agenda(m),
    decisions(m),
    m.minutes ? h('p', {class: 'gov-notes gov-minutes'}, m.minutes) : null,
    (m.sources || []).length ? h('ul', {class: 'sources'}, m.sources.map((s) => h('li', {}, sourceNode(s)))) : null,
    m.id ? h('p', {class: 'gov-pack'}, h('a', {class: 'btn btn-small', href: meetingPackURL(m.id), download: true},
      'Préparer le dossier', h('span', {class: 'visually-hidden'}, ` — ${meetingTitle(m)}`))) : null,
    tools.length ? h('div', {class: 'edit-tools'}, h('div', {class: 'edit-buttons'}, tools.map((t) => t.button)), tools.map((t) => t.slot)) : null);
}

// byDate orders meetings by day (planned by the cadence: by the day they are due by).
function byDate(a, b) {
  return (a.date || a.due_by || '').localeCompare(b.date || b.due_by || '');
}

// committeeSection draws one committee's meetings, upcoming first.
function committeeSection(c, onSaved) {
  const meetings = gov.meetings.filter((m) => m.committee_id === c.id);
  const upcoming = meetings.filter(isUpcoming).sort(byDate);
  const past = meetings.filter((m) => !isUpcoming(m)).sort(byDate).reverse();
  return h('section', {class: 'gov-committee', dataset: {committee: c.id}},
    h('h3', {}, c.name),
    cadences(c),
    h('h4', {class: 'gov-subhead'}, 'Réunions prévues'),
    upcoming.length ? h('ul', {class: 'gov-list gov-upcoming'}, upcoming.map((m) => meetingItem(m, onSaved)))
      : h('p', {class: 'empty'}, 'Aucune réunion prévue.'),
    h('h4', {class: 'gov-subhead'}, 'Réunions passées'),
    past.length ? h('ul', {class: 'gov-list gov-past'}, past.map((m) => meetingItem(m, onSaved)))
      : h('p', {class: 'empty'}, 'Aucune réunion enregistrée.'));
}

// renderCommittees draws the view into el.
export function renderCommittees(el, {onSaved}) {
  const flash = takeFlash('comites');
  const create = canEdit() ? formTool('Nouvelle réunion', 'meeting-new', () => meetingForm(null, onSaved)) : null;
  replace(el,
    h('div', {class: 'view-head'}, h('h2', {}, 'Comités de la convention'), create?.button),
    flash ? h('p', {id: 'comites-alert', class: `panel-alert panel-alert-${flash.kind}`, role: flash.kind === 'warning' ? 'alert' : 'status', tabindex: '-1'}, flash.text) : null,
    create?.slot,
    gov.committees.length ? gov.committees.map((c) => committeeSection(c, onSaved)) : h('p', {class: 'empty'}, 'Aucun comité enregistré.'));
}
