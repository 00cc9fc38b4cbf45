// The forms of a site's calendar: a new planned date (the old one stays in the
// milestone's history), the actual date, a new milestone. Each builder takes the editor
// (see editor.js).

import {addMilestone, planMilestone, setActual} from './api.js';
import {dateHint, inputPreciseDate} from './dates.js';
import {h} from './dom.js';
import {day, partOptions, preciseDate, reasonField} from './fields.js';
import {FieldError, editForm, field, select, textInput, value} from './forms.js';
import {MILESTONE_KINDS, milestoneLabel} from './vocab.js';

// milestoneName names a milestone: its kind and its label.
export function milestoneName(m) {
  return [milestoneLabel(m.kind), m.label].filter(Boolean).join(' — ');
}

// lastDayOf is the last day (YYYY-MM-DD) of a date in the service's text form: "2027",
// "2027-Q2", "2027-06" or "2027-06-30". Plans are compared on it, as the service does.
export function lastDayOf(text) {
  const y = Number(text.slice(0, 4));
  const rest = text.slice(5);
  if (rest.length === 5) return text;
  const months = !rest ? 12 : rest.startsWith('Q') ? 3 * Number(rest[1]) : Number(rest);
  const end = new Date(Date.UTC(y, months, 0)); // day 0 of the next month: the last of this one
  return end.toISOString().slice(0, 10);
}

// planForm sets or moves the planned date of a milestone, with the reason. A date earlier
// than the current plan is an advance, not a postponement: the form says so and asks for
// a second click before saving it. A date already past is the service's to refuse.
export function planForm(ed, m) {
  const form = editForm({
    key: 'plan', title: m.planned ? `Déplacer la date prévue — ${milestoneName(m)}` : `Fixer la date prévue — ${milestoneName(m)}`,
    intro: m.planned ? `Date prévue actuelle : ${m.planned_label}. L’ancienne date reste visible dans l’historique du calendrier.` : null,
    fields: [
      field('Nouvelle date prévue', textInput('date', '', {inputmode: 'numeric'}), {required: true, hint: dateHint()}),
      reasonField(m.planned ? 'Motif du changement' : 'Motif', {hint: 'Affiché dans l’historique des dates prévues.'}),
      h('div', {class: 'field-row'},
        field('Décidé le', textInput('decided_on', '', {inputmode: 'numeric', placeholder: 'JJ/MM/AAAA'}), {hint: 'Facultatif : date de la décision.'}),
        field('Source', textInput('source', '', {maxlength: 2000}))),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const body = {date: preciseDate(form, 'date'), reason: value(form, 'reason')};
      if (m.planned_end && body.date && lastDayOf(body.date) < m.planned_end && form.dataset.advance !== body.date) {
        form.dataset.advance = body.date;
        throw new FieldError('date', `Cette date est antérieure à la date prévue actuelle (${m.planned_label}) : c’est une avancée, pas un report. Enregistrez à nouveau pour la confirmer.`);
      }
      const decided = day(form, 'decided_on');
      if (decided) body.decided_on = decided;
      const source = value(form, 'source');
      if (source) body.source = source;
      const advanced = m.planned_end && lastDayOf(body.date) < m.planned_end;
      return {write: (etag) => planMilestone(m.id, body, etag),
        success: `${advanced ? 'Date prévue avancée' : 'Nouvelle date prévue'} : ${value(form, 'date')}.`};
    }),
  });
  return {form};
}

// actualForm records, corrects or clears the date a milestone happened.
export function actualForm(ed, m) {
  const form = editForm({
    key: 'actual', title: m.actual ? `Corriger la date réalisée — ${milestoneName(m)}` : `Date réalisée — ${milestoneName(m)}`,
    intro: m.actual ? 'Laissez la date vide pour effacer une date réalisée saisie par erreur (le motif est alors obligatoire).' : null,
    fields: [
      field('Date réalisée', textInput('date', m.actual ? inputPreciseDate(m.actual) : '', {inputmode: 'numeric'}),
        {required: !m.actual, hint: `${dateHint()} Pas dans le futur.`}),
      reasonField('Motif', {requiredReason: false}),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const date = preciseDate(form, 'date', {optional: Boolean(m.actual)});
      const reason = value(form, 'reason');
      const body = {date};
      if (reason) body.reason = reason;
      return {
        write: (etag) => setActual(m.id, body, etag),
        success: date ? `Date réalisée enregistrée : ${value(form, 'date')}.` : 'Date réalisée effacée.',
      };
    }),
  });
  return {form};
}

// addMilestoneForm adds a milestone to the calendar.
export function addMilestoneForm(ed) {
  const detail = ed.detail();
  const multiple = (detail.parts || []).length > 1;
  const form = editForm({
    key: 'milestone-add', title: 'Ajouter une échéance au calendrier',
    fields: [
      h('div', {class: 'field-row'},
        field('Type', select('kind', MILESTONE_KINDS.map((k) => [k.key, k.label]), 'release')),
        field('Date prévue', textInput('date', '', {inputmode: 'numeric'}), {required: true})),
      h('p', {class: 'field-hint'}, dateHint()),
      field('Libellé', textInput('label', '', {maxlength: 300, placeholder: 'ex. Libération pour les travaux'})),
      multiple ? field('Partie concernée', select('part_id', partOptions(detail), '')) : null,
      field('Source', textInput('source', '', {maxlength: 2000})),
      reasonField('Motif', {requiredReason: false}),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const body = {kind: form.elements.kind.value, date: preciseDate(form, 'date')};
      for (const k of ['label', 'source', 'reason']) {
        const v = value(form, k);
        if (v) body[k] = v;
      }
      if (form.elements.part_id?.value) body.part_id = form.elements.part_id.value;
      return {write: (etag) => addMilestone(ed.siteID(), body, etag), success: 'Échéance ajoutée au calendrier.'};
    }),
  });
  return {form};
}
