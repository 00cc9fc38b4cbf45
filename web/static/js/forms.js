// Small builders for the editing forms: labelled fields with a hint and a place for
// their error, and the display of a refusal (client check or problem+json) next to the
// field it names. Every text reaches the page as a text node.

import {ApiError} from './api.js';
import {h, replace} from './dom.js';
import {dateHint} from './dates.js';

let serial = 0;

// uid returns a new element id with a readable prefix.
export function uid(prefix) {
  serial += 1;
  return `${prefix}-${serial}`;
}

// field wraps an input with its label, an optional hint and an error slot; the input is
// described by both. name is the API's name of the field, which problems refer to.
export function field(label, input, {hint = '', required = false, className = ''} = {}) {
  const id = input.id || uid(`f-${input.name || 'field'}`);
  input.id = id;
  const hintID = hint ? `${id}-hint` : null;
  const errorID = `${id}-error`;
  input.setAttribute('aria-describedby', [hintID, errorID].filter(Boolean).join(' '));
  if (required) input.setAttribute('aria-required', 'true');
  return h('div', {class: `field ${className}`.trim(), dataset: {field: input.name || ''}},
    h('label', {for: id}, label, required ? h('span', {class: 'required', 'aria-hidden': 'true'}, ' *') : null),
    input,
    hint ? h('p', {class: 'field-hint', id: hintID}, hint) : null,
    h('p', {class: 'field-error', id: errorID, hidden: true}));
}

// textInput is a one-line text input.
export function textInput(name, value = '', attrs = {}) {
  return h('input', {type: 'text', name, value: value ?? '', autocomplete: 'off', ...attrs});
}

// textArea is a multi-line text input.
export function textArea(name, value = '', attrs = {}) {
  const el = h('textarea', {name, rows: 3, ...attrs});
  el.value = value ?? '';
  return el;
}

// select is a drop-down of [value, label] options.
export function select(name, options, value = '', attrs = {}) {
  const el = h('select', {name, ...attrs}, options.map(([v, label]) => h('option', {value: v}, label)));
  if (options.some(([v]) => v === value)) el.value = value;
  return el;
}

// checkbox is a check box with its label on its right.
export function checkbox(name, label, checked = false, {hint = ''} = {}) {
  const input = h('input', {type: 'checkbox', name, id: uid(`f-${name}`)});
  input.checked = Boolean(checked);
  const hintID = hint ? `${input.id}-hint` : null;
  if (hintID) input.setAttribute('aria-describedby', hintID);
  return h('div', {class: 'field field-check', dataset: {field: name}},
    h('label', {for: input.id}, input, ' ', label),
    hint ? h('p', {class: 'field-hint', id: hintID}, hint) : null);
}

// FieldError is a refusal found before sending: it names the field like a problem does.
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

// fieldElement finds the control of the form that holds the named API field: an input of
// that name, or an element marked data-problem-field (a drawing, a file).
function fieldElement(form, name) {
  if (!name) return null;
  const candidates = [name, name.split('.').pop()];
  for (const n of candidates) {
    const el = form.querySelector(`[name="${CSS.escape(n)}"]:not([type="hidden"])`) ||
      form.querySelector(`[data-problem-field~="${CSS.escape(n)}"]`);
    if (el) return el;
  }
  return null;
}

// clearProblems removes the errors shown in a form.
export function clearProblems(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) {
    el.hidden = true;
    replace(el);
  }
  const summary = form.querySelector('.form-error');
  if (summary) {
    summary.hidden = true;
    replace(summary);
  }
}

// REASONS turns the service's usual refusals (English, for logs) into French.
const REASONS = [
  [/^is required/, () => 'Ce champ est obligatoire.'],
  [/^must not be empty/, () => 'Ce champ ne doit pas être vide.'],
  [/is in the future/, () => 'Cette date est dans le futur : une date à venir se saisit comme prévue.'],
  [/^must be after the start of the current status/, () => 'La date doit être postérieure au début du statut actuel.'],
  [/^cannot go from/, () => 'Ce changement de statut n’est pas permis : cochez « correction » pour rectifier une erreur de saisie.'],
  [/^a ceded part cannot become/, () => 'Un terrain cédé ne change plus de statut ; cochez « correction » pour rectifier une erreur de saisie.'],
  [/must give its reason|^is required: say why/, () => 'Indiquez le motif.'],
  [/^part is already/, () => 'La partie a déjà ce statut.'],
  [/^item (\d+): /, (d) => `La référence n° ${/^item (\d+)/.exec(d)[1]} n’est pas une parcelle cadastrale (ex. AZ 56 ou 94041000AZ0056).`],
  [/year (\d+) is out of range (\d+)–(\d+)/, (d) => {
    const [, y, lo, hi] = /year (\d+) is out of range (\d+)–(\d+)/.exec(d);
    return `L’année ${y} est hors des années permises (${lo} à ${hi}).`;
  }],
  [/is not a date|not a valid date|is not a day|is not a real day|has no month|is not YYYY/, () => `Date non reconnue. ${dateHint()}`],
  [/must be above 0/, () => 'Saisissez un nombre positif.'],
  [/characters long; at most (\d+)/, (d) => `Texte trop long : ${/at most (\d+)/.exec(d)[1]} caractères au plus.`],
  [/must not contain control characters/, () => 'Ce texte contient un caractère non permis.'],
  [/^nothing to change/, () => 'Aucune modification à enregistrer.'],
  [/outside Ivry-sur-Seine and its 500 m margin \(nearest point (\d+) m/, (d) => `Ce contour est hors d’Ivry-sur-Seine (à ${/nearest point (\d+) m/.exec(d)[1]} m de la commune ; 500 m au plus).`],
  [/look like Lambert-93 metres/, () => 'Ces coordonnées sont en Lambert-93 : choisissez « Lambert-93 » comme système du fichier.'],
  [/look like degrees, not Lambert-93/, () => 'Ces coordonnées sont des degrés : choisissez « WGS84 » comme système du fichier.'],
  [/look like latitude\/longitude/, () => 'Les coordonnées semblent inversées : GeoJSON écrit la longitude avant la latitude.'],
  [/^geometry is not valid: (.*)/, (d) => `Contour invalide (${d.replace(/^geometry is not valid: /, '')}) : un bord en recoupe-t-il un autre ?`],
  [/^geometry has no area/, () => 'Ce contour n’a pas de surface.'],
  [/^ring is not closed/, () => 'Un polygone n’est pas fermé : son dernier point doit être le premier.'],
  [/^a ring needs at least 4 positions/, () => 'Un polygone a besoin d’au moins trois sommets.'],
  [/^must be a Polygon or MultiPolygon/, () => 'Le fichier doit contenir des polygones.'],
  [/^the piece is not inside part/, () => 'La partie dessinée déborde de la partie à scinder.'],
  [/^the piece has no area inside part/, () => 'La partie dessinée ne recouvre pas la partie à scinder.'],
  [/^the piece covers the whole of part/, () => 'La partie dessinée couvre toute la partie : il n’en resterait rien.'],
  [/is in commune \S+, not Ivry-sur-Seine/, () => 'Cette parcelle n’est pas à Ivry-sur-Seine.'],
  [/attached to another part|belongs to part/, () => 'Cette parcelle est déjà rattachée à une autre partie.'],
];

// frenchReason says a refusal in French when it is a usual one, else quotes the service.
export function frenchReason(detail) {
  for (const [re, say] of REASONS) {
    if (re.test(detail)) return say(detail);
  }
  return detail ? `Refusé par le service : ${detail}` : 'Refusé par le service.';
}

// problemMessage says in French what went wrong with a request.
export function problemMessage(err) {
  if (err instanceof FieldError) return err.message;
  if (!(err instanceof ApiError)) return `La requête n’a pas abouti (${err.message}).`;
  switch (err.status) {
    case 400:
      return frenchReason(err.detail);
    case 401:
      return 'Votre session a expiré : reconnectez-vous, puis recommencez.';
    case 403:
      return err.field === 'X-CSRF-Token'
        ? 'Votre session a changé (connexion ou déconnexion dans un autre onglet ?) : vérifiez le compte affiché en haut de la page, puis recommencez.'
        : 'Votre compte n’a pas le droit de faire cette modification.';
    case 404:
      return 'Cet élément n’existe plus : la fiche a peut-être été modifiée entre-temps.';
    case 413:
      return 'Le fichier est trop gros : 10 Mo au plus.';
    case 428:
    case 412:
      return 'Ce site a été modifié par quelqu’un d’autre entre-temps.';
  }
  return `Le service n’a pas pu enregistrer la modification (${err.message}).`;
}

// showProblem shows a refusal: next to the field it names (aria-invalid, message, focus),
// or at the top of the form.
export function showProblem(form, err) {
  clearProblems(form);
  const message = problemMessage(err);
  const target = fieldElement(form, err.field);
  const errorEl = target && document.getElementById(`${target.id}-error`);
  if (target && errorEl) {
    target.setAttribute('aria-invalid', 'true');
    replace(errorEl, message);
    errorEl.hidden = false;
    target.focus();
    return;
  }
  const summary = form.querySelector('.form-error');
  replace(summary, message);
  summary.hidden = false;
  if (target) {
    target.setAttribute('aria-invalid', 'true');
    target.focus();
  } else {
    summary.focus();
  }
}

// editForm builds a form: a title, an introduction, the fields, a place for a general
// error, and the submit and cancel buttons. Escape inside it cancels.
export function editForm({key, title, intro = null, fields, submitLabel = 'Enregistrer', danger = false, onSubmit, onCancel}) {
  const titleID = uid('form-title');
  const form = h('form', {class: `edit-form${danger ? ' edit-form-danger' : ''}`, dataset: {form: key}, novalidate: true, 'aria-labelledby': titleID},
    h('h4', {class: 'edit-form-title', id: titleID}, title),
    intro ? h('p', {class: 'edit-form-intro'}, intro) : null,
    h('p', {class: 'form-error', role: 'alert', tabindex: '-1', hidden: true}),
    fields,
    h('div', {class: 'form-actions'},
      h('button', {type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`}, submitLabel),
      h('button', {type: 'button', class: 'btn', onclick: onCancel}, 'Annuler')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit(form);
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    }
  });
  return form;
}

// setBusy disables a form's buttons while its request runs.
export function setBusy(form, busy) {
  form.setAttribute('aria-busy', busy ? 'true' : 'false');
  for (const b of form.querySelectorAll('button')) b.disabled = busy;
}

// value returns the trimmed text of a form's control.
export function value(form, name) {
  const el = form.elements[name];
  return el ? String(el.value).trim() : '';
}

// required returns a control's text, or throws a FieldError when it is empty.
export function required(form, name, message = 'Ce champ est obligatoire.') {
  const v = value(form, name);
  if (!v) throw new FieldError(name, message);
  return v;
}
