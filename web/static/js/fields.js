// Reading the editing forms' fields into a request's body. Only the typing is read here
// (French dates and numbers); whether a value is acceptable is the service's to say,
// and its refusal shows next to the field it names (see forms.js).

import {typedDate} from './dates.js';
import {FieldError, field, textArea, value} from './forms.js';

// preciseDate reads a form's date-with-precision field into the service's form, or
// null when it is empty (the service says whether the date may be left out).
export function preciseDate(form, name) {
  const text = value(form, name);
  return text ? typedDate(text) : null;
}

// day reads a JJ/MM/AAAA field into the service's YYYY-MM-DD, or null when empty.
export function day(form, name) {
  const text = value(form, name);
  return text ? typedDate(text) : null;
}

// amount reads a number typed the French way (« 12 500,5 »), or null when empty; a text
// that is no number at all cannot be sent as one, and is refused here.
export function amount(form, name) {
  const text = value(form, name).replace(/[\s\u202f\u00a0]/g, '').replace(',', '.');
  if (!text) return null;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new FieldError(name, 'Saisissez un nombre.');
  return n;
}

// numberText writes a number for a form's field.
export function numberText(n) {
  return n === null || n === undefined ? '' : String(n).replace('.', ',');
}

// reasonField is the reason of a change, kept in the site's history.
export function reasonField(label = 'Motif', {hint = 'Gardé dans l’historique du site.', requiredReason = true} = {}) {
  return field(label, textArea('reason', '', {rows: 2}), {hint, required: requiredReason});
}

// partOptions lists a site's parts for a drop-down, after the whole site.
export function partOptions(detail, first = 'Tout le site') {
  return [['', first], ...(detail.parts || []).map((p) => [p.id, p.label])];
}

// changedFields keeps the members of next that differ from before.
export function changedFields(next, before) {
  const out = {};
  for (const [k, v] of Object.entries(next)) {
    if (JSON.stringify(v ?? null) !== JSON.stringify(before[k] ?? null)) out[k] = v;
  }
  return out;
}
