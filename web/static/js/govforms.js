// The editing forms of the Engagements and Comités views: a commitment (new or changed),
// a follow-up, a meeting (new or changed), an agenda item and a decision. A button opens
// its form in place (one form at a time); the form sends one write (see api.js), with
// the commitment's or meeting's ETag in If-Match; once saved the page reloads and says
// so. A refusal shows next to the field the service names (forms.js).

import {
  addAgendaItem, addDecision, addFollowUp, createCommitment, createMeeting, updateCommitment, updateMeeting,
} from './api.js';
import {app} from './app.js';
import {inputPreciseDate} from './dates.js';
import {h} from './dom.js';
import {changedFields, day, preciseDate} from './fields.js';
import {FieldError, clearProblems, editForm, field, select, setBusy, showProblem, textArea, textInput, value} from './forms.js';
import {formatDay} from './format.js';
import {gov} from './govstate.js';

// STALE says that someone else changed the record first.
const STALE = 'Cet élément a été modifié par quelqu’un d’autre entre-temps : la vue a été rechargée. Vérifiez, puis refaites votre modification.';

// open is the form shown, if any: {form, button}.
let open = null;

// closeGovForm closes the open form; it tells whether there was one.
export function closeGovForm({restoreFocus = true} = {}) {
  if (!open) return false;
  const {form, button} = open;
  open = null;
  form.remove();
  button.setAttribute('aria-expanded', 'false');
  if (restoreFocus && button.isConnected) button.focus();
  return true;
}

// formTool is a button that opens the form build() makes in its slot, below it.
export function formTool(text, key, build, context = '') {
  const slot = h('div', {class: 'edit-slot'});
  const button = h('button', {type: 'button', class: 'btn btn-small edit-action', 'aria-expanded': 'false',
    dataset: {action: key.split(':')[0], key}}, text, context ? h('span', {class: 'visually-hidden'}, ` — ${context}`) : null);
  button.addEventListener('click', () => {
    const again = open?.button === button;
    closeGovForm({restoreFocus: false});
    if (again) return;
    const form = build();
    slot.append(form);
    button.setAttribute('aria-expanded', 'true');
    open = {form, button};
    form.querySelector('input, select, textarea')?.focus();
  });
  return {button, slot};
}

// submit runs a form's write: build() reads the form into {write, success, view}; a
// refusal shows in the form, a stale ETag reloads the view.
async function submit(form, build, onSaved) {
  clearProblems(form);
  let req;
  try {
    req = build();
  } catch (err) {
    showProblem(form, err);
    return;
  }
  setBusy(form, true);
  try {
    await req.write();
  } catch (err) {
    setBusy(form, false);
    if (err.status === 412 || err.status === 428) {
      closeGovForm({restoreFocus: false});
      await onSaved(req.view, STALE, 'warning');
      return;
    }
    showProblem(form, err);
    return;
  }
  closeGovForm({restoreFocus: false});
  await onSaved(req.view, req.success, 'ok');
}

// lines reads a textarea into its non-empty lines.
function lines(form, name) {
  return String(form.elements[name]?.value || '').split('\n').map((s) => s.trim()).filter(Boolean);
}

// checked reads the values of the checked boxes named name.
function checked(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((b) => b.value);
}

// selected reads the chosen options of a multiple select.
function selected(form, name) {
  return [...(form.elements[name]?.selectedOptions || [])].map((o) => o.value);
}

// progress reads a percentage, or null when empty.
function progress(form) {
  const text = value(form, 'progress');
  if (!text) return null;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new FieldError('progress', 'Saisissez un nombre entier de 0 à 100.');
  return n;
}

// reasonInput is the optional reason kept in the audit log.
function reasonInput() {
  return field('Motif', textArea('reason', '', {rows: 2}), {hint: 'Gardé dans le journal des modifications.'});
}

// checkboxes is a group of check boxes, one per term.
function checkboxes(name, legend, terms, values) {
  return h('fieldset', {class: 'field gov-checks', dataset: {field: name}},
    h('legend', {}, legend),
    terms.map((t) => {
      const box = h('input', {type: 'checkbox', name, value: t.key});
      box.checked = values.includes(t.key);
      return h('label', {class: 'check'}, box, ' ', t.label);
    }));
}

// multiSelect is a list box of [value, label] options, several chosen.
function multiSelect(name, options, values) {
  const el = h('select', {name, multiple: true, size: Math.min(6, Math.max(3, options.length))},
    options.map(([v, text]) => h('option', {value: v}, text)));
  for (const o of el.options) o.selected = values.includes(o.value);
  return el;
}

// siteOptions lists the sites the page knows, by name.
function siteOptions() {
  return [...app.sites].sort((a, b) => a.name.localeCompare(b.name, 'fr')).map((s) => [s.id, s.name]);
}

// termOptions turns vocabulary terms into options.
const termOptions = (list) => gov.vocab[list].map((t) => [t.key, t.label]);

// commitmentForm creates a commitment (c null) or changes one; only changed fields are sent.
export function commitmentForm(c, onSaved) {
  const before = c ? {
    clause: c.clause, axis: c.axis, title: c.title, quote: c.quote, parties: c.parties, site_ids: c.site_ids,
    due: c.due, firmness: c.firmness, sources: c.sources,
  } : {};
  const fields = [
    c ? null : field('Identifiant', textInput('id', '', {maxlength: 80, spellcheck: 'false'}),
      {required: true, hint: 'En minuscules, chiffres et tirets : a2i-cpcu-mode-gestion.'}),
    h('div', {class: 'field-row'},
      field('Article', textInput('clause', c?.clause, {maxlength: 40}), {required: true, hint: 'Ex. II.A.2.i'}),
      field('Axe', select('axis', termOptions('axes'), c?.axis || 'A'), {required: true})),
    field('Engagement', textInput('title', c?.title, {maxlength: 300}), {required: true}),
    field('Texte de la convention', textArea('quote', c?.quote, {rows: 3})),
    checkboxes('parties', 'Parties responsables', gov.vocab.parties, c?.parties || []),
    field('Sites concernés', multiSelect('site_ids', siteOptions(), c?.site_ids || []), {hint: 'Ctrl ou ⌘ pour en choisir plusieurs.'}),
    h('div', {class: 'field-row'},
      field('Échéance', textInput('due', inputPreciseDate(c?.due || '')), {hint: 'Année, trimestre (T4 2021), mois ou jour ; vide si le texte n’en donne pas.'}),
      field('Force', select('firmness', termOptions('firmnesses'), c?.firmness || 'commits'), {required: true})),
    c ? null : h('div', {class: 'field-row'},
      field('État', select('status', termOptions('commitment_statuses'), 'unknown')),
      field('Avancement (%)', textInput('progress', '', {inputmode: 'numeric'}))),
    field('Sources', textArea('sources', (c?.sources || []).join('\n'), {rows: 2}), {required: true, hint: 'Une source par ligne.'}),
    reasonInput(),
  ];
  return editForm({
    key: c ? 'commitment-edit' : 'commitment-new', title: c ? `Modifier l’engagement ${c.clause}` : 'Nouvel engagement',
    fields,
    onCancel: () => closeGovForm(),
    onSubmit: (form) => submit(form, () => {
      const next = {
        clause: value(form, 'clause'), axis: form.elements.axis.value, title: value(form, 'title'),
        quote: form.elements.quote.value, parties: checked(form, 'parties'), site_ids: selected(form, 'site_ids'),
        due: preciseDate(form, 'due'), firmness: form.elements.firmness.value, sources: lines(form, 'sources'),
      };
      const reason = value(form, 'reason');
      if (!c) {
        const body = {id: value(form, 'id'), ...next, status: form.elements.status.value, progress: progress(form)};
        if (body.due === null) delete body.due;
        if (body.progress === null) delete body.progress;
        if (reason) body.reason = reason;
        return {write: () => createCommitment(body), success: 'Engagement enregistré.', view: 'engagements'};
      }
      const body = changedFields(next, before);
      if (!Object.keys(body).length) throw new FieldError('', 'Aucune modification à enregistrer.');
      if (reason) body.reason = reason;
      return {write: () => updateCommitment(c.id, body, c.etag), success: 'Engagement modifié.', view: 'engagements'};
    }, onSaved),
  });
}

// meetingOptions lists the recorded meetings, newest first, for a follow-up to cite.
function meetingOptions() {
  return gov.meetings.filter((m) => m.id).sort((a, b) => b.date.localeCompare(a.date))
    .map((m) => [String(m.id), `${m.committee_id.toUpperCase()} du ${m.date_label}`]);
}

// followUpForm adds a dated, sourced follow-up, which may change the status or progress.
export function followUpForm(c, onSaved) {
  return editForm({
    key: 'follow-up', title: `Suivi de l’engagement ${c.clause}`,
    intro: 'Le suivi est daté et sourcé ; il change l’état ou l’avancement à partir de sa date. Il ne peut plus être modifié ensuite.',
    fields: [
      h('div', {class: 'field-row'},
        field('Date', textInput('date', formatDay(app.today)), {required: true, hint: 'Jour, mois, trimestre ou année.'}),
        field('Nouvel état', select('status', [['', '— inchangé —'], ...termOptions('commitment_statuses')], ''))),
      field('Avancement (%)', textInput('progress', '', {inputmode: 'numeric'}), {hint: 'De 0 à 100 ; vide : inchangé.'}),
      field('Note', textArea('note', '', {rows: 3})),
      field('Source', textInput('source', '', {maxlength: 2000}), {required: true, hint: 'Adresse, numéro de délibération ou document.'}),
      field('Réunion', select('meeting_id', [['', '— aucune —'], ...meetingOptions()], '')),
    ],
    onCancel: () => closeGovForm(),
    onSubmit: (form) => submit(form, () => {
      const body = {date: preciseDate(form, 'date'), note: form.elements.note.value, source: value(form, 'source')};
      if (form.elements.status.value) body.status = form.elements.status.value;
      const p = progress(form);
      if (p !== null) body.progress = p;
      if (form.elements.meeting_id.value) body.meeting_id = Number(form.elements.meeting_id.value);
      return {write: () => addFollowUp(c.id, body, c.etag), success: 'Suivi enregistré.', view: 'engagements'};
    }, onSaved),
  });
}

// attendeesText writes attendees one a line: « Ville d’Ivry — maire adjoint ».
function attendeesText(list) {
  return (list || []).map((a) => (a.role ? `${a.organisation} — ${a.role}` : a.organisation)).join('\n');
}

// attendees reads the attendees' lines back.
function attendees(form) {
  return lines(form, 'attendees').map((line) => {
    const [organisation, ...role] = line.split(/\s+[—–-]\s+/);
    return {organisation: organisation.trim(), role: role.join(' — ').trim()};
  });
}

// meetingForm records a meeting (m null) or changes one; only changed fields are sent.
export function meetingForm(m, onSaved) {
  const before = m ? {
    committee_id: m.committee_id, date: m.date, state: m.state, place: m.place, minutes: m.minutes,
    sources: m.sources, attendees: m.attendees,
  } : {};
  const committees = gov.committees.map((c) => [c.id, c.name]);
  return editForm({
    key: m ? 'meeting-edit' : 'meeting-new', title: m ? 'Modifier la réunion' : 'Nouvelle réunion',
    fields: [
      h('div', {class: 'field-row'},
        field('Comité', select('committee_id', committees, m?.committee_id || committees[0]?.[0] || ''), {required: true}),
        field('Date', textInput('date', m ? formatDay(m.date) : '', {placeholder: 'JJ/MM/AAAA'}), {required: true})),
      h('div', {class: 'field-row'},
        field('État', select('state', termOptions('meeting_states'), m?.state || 'planned'), {required: true}),
        field('Lieu', textInput('place', m?.place, {maxlength: 300}))),
      field('Participants', textArea('attendees', attendeesText(m?.attendees), {rows: 3}), {hint: 'Un par ligne : organisation — rôle.'}),
      field('Compte rendu', textArea('minutes', m?.minutes, {rows: 3})),
      field('Sources', textArea('sources', (m?.sources || []).join('\n'), {rows: 2}), {hint: 'Une source par ligne.'}),
      reasonInput(),
    ],
    onCancel: () => closeGovForm(),
    onSubmit: (form) => submit(form, () => {
      const next = {
        committee_id: form.elements.committee_id.value, date: day(form, 'date'), state: form.elements.state.value,
        place: value(form, 'place'), minutes: form.elements.minutes.value, sources: lines(form, 'sources'),
        attendees: attendees(form),
      };
      if (!next.date) throw new FieldError('date', 'Indiquez la date de la réunion (JJ/MM/AAAA).');
      const reason = value(form, 'reason');
      if (!m) {
        if (reason) next.reason = reason;
        return {write: () => createMeeting(next), success: 'Réunion enregistrée.', view: 'comites'};
      }
      const body = changedFields(next, before);
      if (!Object.keys(body).length) throw new FieldError('', 'Aucune modification à enregistrer.');
      if (reason) body.reason = reason;
      return {write: () => updateMeeting(m.id, body, m.etag), success: 'Réunion modifiée.', view: 'comites'};
    }, onSaved),
  });
}

// commitmentOptions lists the commitments by clause.
function commitmentOptions() {
  return gov.commitments.map((c) => [c.id, `${c.clause} — ${c.title}`]);
}

// agendaForm adds an item to a meeting's agenda.
export function agendaForm(m, onSaved) {
  return editForm({
    key: 'agenda-add', title: 'Nouveau point à l’ordre du jour',
    fields: [
      field('Intitulé', textInput('title', '', {maxlength: 300}), {required: true}),
      field('Notes', textArea('notes', '', {rows: 2})),
      field('Engagements concernés', multiSelect('commitment_ids', commitmentOptions(), [])),
      field('Sites concernés', multiSelect('site_ids', siteOptions(), [])),
    ],
    onCancel: () => closeGovForm(),
    onSubmit: (form) => submit(form, () => {
      const body = {title: value(form, 'title'), notes: form.elements.notes.value,
        commitment_ids: selected(form, 'commitment_ids'), site_ids: selected(form, 'site_ids')};
      return {write: () => addAgendaItem(m.id, body, m.etag), success: 'Point ajouté à l’ordre du jour.', view: 'comites'};
    }, onSaved),
  });
}

// milestoneOptions lists the calendar's milestones, by site.
function milestoneOptions() {
  return (app.calendar || []).map((c) => [String(c.id), `${c.site_name} — ${c.kind_label || c.kind}${c.label ? ` : ${c.label}` : ''}${c.planned_label ? ` (prévu ${c.planned_label})` : ''}`]);
}

// decisionForm adds a decision; one that moves a planned date names the milestone, the new
// date and the reason, which the site's calendar history then cites.
export function decisionForm(m, onSaved) {
  return editForm({
    key: 'decision-add', title: 'Nouvelle décision',
    fields: [
      field('Décision', textArea('text', '', {rows: 2}), {required: true}),
      field('Engagement concerné', select('commitment_id', [['', '— aucun —'], ...commitmentOptions()], '')),
      h('div', {class: 'field-row'},
        field('Pilote', textInput('owner', '', {maxlength: 300})),
        field('Échéance', textInput('due', ''), {hint: 'Année, trimestre, mois ou jour.'})),
      h('fieldset', {class: 'gov-move'},
        h('legend', {}, 'Déplacer une date du calendrier (facultatif)'),
        field('Échéance du calendrier', select('milestone_id', [['', '— aucune —'], ...milestoneOptions()], '')),
        field('Nouvelle date prévue', textInput('new_date', '')),
        field('Motif du déplacement', textArea('reason', '', {rows: 2}))),
    ],
    onCancel: () => closeGovForm(),
    onSubmit: (form) => submit(form, () => {
      const body = {text: value(form, 'text')};
      if (form.elements.commitment_id.value) body.commitment_id = form.elements.commitment_id.value;
      if (value(form, 'owner')) body.owner = value(form, 'owner');
      if (value(form, 'due')) body.due = preciseDate(form, 'due');
      if (form.elements.milestone_id.value) {
        body.milestone_id = Number(form.elements.milestone_id.value);
        body.new_date = preciseDate(form, 'new_date');
        body.reason = value(form, 'reason');
      }
      return {write: () => addDecision(m.id, body, m.etag), success: 'Décision enregistrée.', view: 'comites'};
    }, onSaved),
  });
}
