// The forms of a site's timeline: add, change, cancel or delete an event, and for an
// admin bring a deleted one back. Each builder takes the editor (see editor.js).

import {addEvent, removeEvent, restoreEvent, updateEvent} from './api.js';
import {dateHint, inputPreciseDate} from './dates.js';
import {h} from './dom.js';
import {amount, changedFields, numberText, partOptions, preciseDate, reasonField} from './fields.js';
import {FieldError, checkbox, editForm, field, select, textArea, textInput, uid, value} from './forms.js';
import {EVENT_KIND_KEYS, eventKindLabel} from './vocab.js';

// eventFields are the fields of an event, filled with e's values when e is given.
function eventFields(ed, e) {
  const detail = ed.detail();
  const multiple = (detail.parts || []).length > 1;
  return [
    h('div', {class: 'field-row'},
      field('Type', select('kind', EVENT_KIND_KEYS.map((k) => [k, eventKindLabel(k)]), e?.kind || 'decision')),
      field('Date', textInput('date', e ? inputPreciseDate(e.date) : '', {inputmode: 'numeric'}), {required: true})),
    h('p', {class: 'field-hint'}, dateHint()),
    checkbox('planned', 'À venir (date prévue)', e ? e.planned : false, {hint: 'Un événement passé a eu lieu ; un événement à venir est prévu.'}),
    e ? checkbox('cancelled', 'Annulé', e.cancelled) : null,
    field('Titre', textInput('title', e?.title || '', {maxlength: 300}), {required: true}),
    field('Description', textArea('description', e?.description || '', {rows: 3})),
    field('Source', textInput('source', e?.source || '', {maxlength: 2000})),
    multiple ? field('Partie concernée', select('part_id', partOptions(detail), e?.part_id || '')) : null,
    h('div', {class: 'field-row'},
      field('Surface (m²)', textInput('area_m2', numberText(e?.area_m2), {inputmode: 'decimal'})),
      field('Montant (€)', textInput('amount_eur', numberText(e?.amount_eur), {inputmode: 'decimal'}))),
  ];
}

// readEvent reads an event's fields into a request's body.
function readEvent(form) {
  const out = {
    kind: form.elements.kind.value,
    date: preciseDate(form, 'date'),
    planned: form.elements.planned.checked,
    title: value(form, 'title'),
    description: form.elements.description.value.trim(),
    source: value(form, 'source'),
    area_m2: amount(form, 'area_m2'),
    amount_eur: amount(form, 'amount_eur'),
  };
  if (form.elements.part_id) out.part_id = form.elements.part_id.value || null;
  if (form.elements.cancelled) out.cancelled = form.elements.cancelled.checked;
  return out;
}

// addEventForm adds an event to the timeline.
export function addEventForm(ed) {
  const form = editForm({
    key: 'event-add', title: 'Ajouter un événement',
    fields: [...eventFields(ed, null), reasonField('Motif', {requiredReason: false})],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const body = readEvent(form);
      for (const k of ['area_m2', 'amount_eur', 'part_id']) if (body[k] === null) delete body[k];
      for (const k of ['description', 'source']) if (!body[k]) delete body[k];
      const reason = value(form, 'reason');
      if (reason) body.reason = reason;
      return {write: (etag) => addEvent(ed.siteID(), body, etag), success: `Événement « ${body.title} » ajouté.`};
    }),
  });
  return {form};
}

// editEventForm changes an event.
export function editEventForm(ed, e) {
  const form = editForm({
    key: 'event-edit', title: `Modifier l’événement « ${e.title} »`,
    fields: [...eventFields(ed, e), reasonField('Motif', {requiredReason: false})],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const body = changedFields(readEvent(form), e);
      if (!Object.keys(body).length) throw new FieldError('', 'Aucune modification à enregistrer.');
      const reason = value(form, 'reason');
      if (reason) body.reason = reason;
      return {write: (etag) => updateEvent(e.id, body, etag), success: 'Événement enregistré.'};
    }),
  });
  return {form};
}

// cancelEventForm cancels an event (it stays, struck out) or deletes one entered by mistake.
export function cancelEventForm(ed, e) {
  const option = (v, label, hint, checked) => {
    const input = h('input', {type: 'radio', name: 'mode', value: v, id: uid('f-mode')});
    input.checked = checked;
    return h('label', {for: input.id, class: 'radio radio-block'}, input, ' ', h('span', {}, h('strong', {}, label), h('br', {}), h('span', {class: 'field-hint'}, hint)));
  };
  const form = editForm({
    key: 'event-cancel', title: `Retirer l’événement « ${e.title} »`, submitLabel: 'Retirer', danger: true,
    fields: [
      h('fieldset', {class: 'radio-group'},
        h('legend', {}, 'Que faire de cet événement ?'),
        option('cancel', 'L’annuler', 'Il n’aura pas lieu : il reste barré dans la chronologie.', true),
        option('delete', 'Le supprimer', 'C’était une erreur de saisie : il disparaît de la chronologie (un compte administrateur peut le rétablir).', false)),
      reasonField('Motif'),
    ],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const mode = form.elements.mode.value;
      return {
        write: (etag) => removeEvent(e.id, mode, {reason: value(form, 'reason')}, etag),
        success: mode === 'delete' ? 'Événement supprimé.' : 'Événement annulé.',
      };
    }),
  });
  return {form};
}

// restoreEventForm brings back, for an admin, an event deleted by mistake.
export function restoreEventForm(ed, record) {
  const title = record.before?.title || `événement ${record.entity_id}`;
  const form = editForm({
    key: 'event-restore', title: `Rétablir l’événement « ${title} »`, submitLabel: 'Rétablir',
    fields: [reasonField('Motif', {requiredReason: false})],
    onCancel: () => ed.closeForm(),
    onSubmit: (form) => ed.submit(form, () => {
      const reason = value(form, 'reason');
      return {
        write: (etag) => restoreEvent(record.entity_id, reason ? {reason} : undefined, etag),
        success: `Événement « ${title} » rétabli.`,
      };
    }),
  });
  return {form};
}
