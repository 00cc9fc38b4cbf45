// The forms of a site's calendar: a new planned date (the old one stays in the
// milestone's history), the actual date, a new milestone. Each builder takes the editor
// (see editor.js).

import {addMilestone, planMilestone, setActual} from './api.js';
import {dateHint, inputPreciseDate} from './dates.js';
import {h} from './dom.js';
import {day, partOptions, preciseDate, reasonField} from './fields.js';
import {editForm, field, select, textInput, value} from './forms.js';
import {MILESTONE_KINDS, milestoneLabel} from './vocab.js';

// milestoneName names a milestone: its kind and its label.
export function milestoneName(m) {
  return [milestoneLabel(m.kind), m.label].filter(Boolean).join(' — ');
}

// planForm sets or moves the planned date of a milestone, with the reason.
export function planForm(ed, m) {
  const form = editForm({
    key: 'plan', title: m.planned ? `Déplacer la date prévue — ${milestoneName(m)}` : `Fixer la date prévue — ${milestoneName(m)}`,
    intro: m.planned ? `Date prévue actuelle : ${m.planned_label}. L’ancienne date reste visible dans l’historique du calendrier.` : null,
    fields: [
      field('Nouvelle date prévue', textInput('date', '', {inputmode: 'numeric'}), {required: true, hint: dateHint()}),
      reasonField('Motif du report', {hint: 'Affiché dans l’historique des dates prévues.'}),
      h('div', {class: 'field-row'},
        field('Décidé le', textInput('decided_on', '', {inputmode: 'numeric', placeholder: 'JJ/MM/AAAA'}), {hint: 'Facultatif : date de la décision.'}),
        field('Source', textInput('source', '', {maxlength: 2000}))),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const body = {date: preciseDate(form, 'date'), reason: value(form, 'reason')};
      const decided = day(form, 'decided_on');
      if (decided) body.decided_on = decided;
      const source = value(form, 'source');
      if (source) body.source = source;
      return {write: (etag) => planMilestone(m.id, body, etag), success: `Nouvelle date prévue : ${value(form, 'date')}.`};
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
