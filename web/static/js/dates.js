// Dates with precision as the service writes them ("2021", "2019-Q1", "2015-09",
// "2017-01-19"). The service defines their forms and the label of each precision
// (GET /api/config, date_forms) and gives the French label and the period of every date
// it serves with the date itself (date_label, planned_start…); this module only reads
// the forms it was given, and turns what a planner types into the service's form.

import {formatDay} from './format.js';

// forms are the service's date forms, each with its pattern compiled; empty until
// setDateForms runs.
let forms = [];

// setDateForms takes up the date forms of the service's configuration.
export function setDateForms(list) {
  forms = (Array.isArray(list) ? list : []).map((f) => ({...f, re: new RegExp(f.pattern)}));
}

// precisionOf is the precision of a date in the service's form ("quarter"), or '' when
// the service's forms do not read it (or are not known yet).
export function precisionOf(text) {
  return forms.find((f) => f.re.test(text || ''))?.precision || '';
}

// precisionLabel says in French how precise a date is: « au trimestre près ».
export function precisionLabel(text) {
  return forms.find((f) => f.re.test(text || ''))?.label || '';
}

// dateHint lists the forms a date field takes, with the service's examples.
export function dateHint() {
  const typed = {year: '2027', quarter: 'T2 2027', month: '06/2027', day: '15/06/2027'};
  const names = {year: 'année', quarter: 'trimestre', month: 'mois', day: 'jour'};
  const parts = forms.map((f) => `${names[f.precision] || f.precision} (${typed[f.precision] || f.example})`);
  return parts.length ? `${parts.join(', ')}.` : '';
}

const MONTHS = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];

// formatPreciseDate writes a date for a reader, only where the service sent no label
// with it (the OGC features and the history's raw records): « 2021 », « T1 2019 »,
// « sept. 2015 », « 19/01/2017 »; a form the service does not read stays as it is.
export function formatPreciseDate(text) {
  if (!text) return '—';
  switch (precisionOf(text)) {
    case 'year':
      return text;
    case 'quarter':
      return `T${text.slice(6)} ${text.slice(0, 4)}`;
    case 'month':
      return `${MONTHS[Number(text.slice(5, 7)) - 1]} ${text.slice(0, 4)}`;
    case 'day':
      return formatDay(text);
    default:
      return text;
  }
}

// sortKey orders dates of the service's form by the start of their period ("2019-Q2"
// after "2019-03"), for a table sorted on a date the service sent without its period.
export function sortKey(text) {
  if (precisionOf(text) !== 'quarter') return text || '';
  return `${text.slice(0, 4)}-${String(3 * Number(text.slice(6)) - 2).padStart(2, '0')}`;
}

// typedDate turns what a planner types — « T1 2019 », « 09/2015 », « 19/01/2017 » —
// into the service's form; anything else is sent as typed, for the service to accept or
// to say why not. Nothing is checked here: the service holds the rules (real days,
// years from 1800 to 2200).
export function typedDate(text) {
  const t = (text || '').trim().toUpperCase().replace(/\s+/g, ' ');
  const two = (n) => n.padStart(2, '0');
  let m;
  if ((m = /^[TQ]([1-4]) ?-? ?(\d{4})$/.exec(t))) return `${m[2]}-Q${m[1]}`;
  if ((m = /^(\d{4}) ?-? ?[TQ]([1-4])$/.exec(t))) return `${m[1]}-Q${m[2]}`;
  if ((m = /^(\d{1,2})\/(\d{4})$/.exec(t))) return `${m[2]}-${two(m[1])}`;
  if ((m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t))) return `${m[3]}-${two(m[2])}-${two(m[1])}`;
  return t;
}

// inputPreciseDate writes a date of the service's form the way a planner types it, for
// a form's field: « 2021 », « T1 2019 », « 09/2015 », « 19/01/2017 ».
export function inputPreciseDate(text) {
  if (!text) return '';
  switch (precisionOf(text)) {
    case 'quarter':
      return `T${text.slice(6)} ${text.slice(0, 4)}`;
    case 'month':
      return `${text.slice(5, 7)}/${text.slice(0, 4)}`;
    case 'day':
      return formatDay(text);
    default:
      return text;
  }
}
