// French formatting: JJ/MM/AAAA dates, decimal comma, thin space between thousands.

const integer = new Intl.NumberFormat('fr-FR', {maximumFractionDigits: 0});
const twoDecimals = new Intl.NumberFormat('fr-FR', {minimumFractionDigits: 2, maximumFractionDigits: 2});
const euros = new Intl.NumberFormat('fr-FR', {style: 'currency', currency: 'EUR', maximumFractionDigits: 0});
const MONTHS = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];

// formatNumber writes an integer the French way: 45 000.
export function formatNumber(n) {
  return integer.format(n);
}

// formatM2 writes an area in square metres: « 45 000 m² ».
export function formatM2(m2) {
  return m2 === null || m2 === undefined ? '—' : `${integer.format(m2)} m²`;
}

// formatHa writes an area given in m² as hectares with two decimals: « 4,50 ha ».
export function formatHa(m2) {
  return m2 === null || m2 === undefined ? '—' : `${twoDecimals.format(m2 / 10000)} ha`;
}

// formatEuros writes an amount: « 27 000 000 € ».
export function formatEuros(v) {
  return euros.format(v);
}

// formatDay turns an ISO day (YYYY-MM-DD) into JJ/MM/AAAA.
export function formatDay(iso) {
  if (!iso) return '—';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}/${m}/${y}`;
}

// parseDay reads JJ/MM/AAAA into an ISO day, or null when it is not a real date.
export function parseDay(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || '');
  if (!m) return null;
  const iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : null;
}

// datePrecision tells the precision of a date written "2021", "2019-Q1", "2015-09" or
// "2017-01-19".
export function datePrecision(text) {
  if (/^\d{4}$/.test(text)) return 'year';
  if (/^\d{4}-Q[1-4]$/.test(text)) return 'quarter';
  if (/^\d{4}-\d{2}$/.test(text)) return 'month';
  return 'day';
}

const PRECISION_LABELS = {
  year: "à l'année près",
  quarter: 'au trimestre près',
  month: 'au mois près',
  day: 'au jour près',
};

// precisionLabel says in French how precise a date is.
export function precisionLabel(text) {
  return PRECISION_LABELS[datePrecision(text)];
}

// formatPreciseDate writes a date with its precision: « 2021 », « T1 2019 »,
// « sept. 2015 », « 19/01/2017 ».
export function formatPreciseDate(text) {
  if (!text) return '—';
  switch (datePrecision(text)) {
    case 'year':
      return text;
    case 'quarter':
      return `T${text.slice(6)} ${text.slice(0, 4)}`;
    case 'month':
      return `${MONTHS[Number(text.slice(5, 7)) - 1]} ${text.slice(0, 4)}`;
    default:
      return formatDay(text);
  }
}

// periodStart returns the first day (ISO) of a date with precision.
export function periodStart(text) {
  switch (datePrecision(text)) {
    case 'year':
      return `${text}-01-01`;
    case 'quarter':
      return `${text.slice(0, 4)}-${String(3 * Number(text.slice(6)) - 2).padStart(2, '0')}-01`;
    case 'month':
      return `${text}-01`;
    default:
      return text.slice(0, 10);
  }
}

// periodEnd returns the day (ISO) after the period of a date with precision: the day it
// is over.
export function periodEnd(text) {
  const start = new Date(`${periodStart(text)}T00:00:00Z`);
  const months = {year: 12, quarter: 3, month: 1}[datePrecision(text)];
  if (months) start.setUTCMonth(start.getUTCMonth() + months);
  else start.setUTCDate(start.getUTCDate() + 1);
  return start.toISOString().slice(0, 10);
}

// yearOf returns the year of a date with precision or of an ISO day.
export function yearOf(text) {
  return text ? Number(text.slice(0, 4)) : null;
}

// plural picks the singular or the plural form: plural(2, 'site', 'sites').
export function plural(n, one, many) {
  return `${formatNumber(n)} ${Math.abs(n) < 2 ? one : many}`;
}

// fold lowers case and removes accents, for searching.
export function fold(text) {
  return (text || '').normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

// parsePreciseDate reads a date typed with its precision — « 2021 », « T1 2019 »,
// « 09/2015 », « 19/01/2017 », or the API's own forms « 2019-Q1 », « 2015-09 »,
// « 2017-01-19 » — into the API's form, or null when it is not a real date.
export function parsePreciseDate(text) {
  const t = (text || '').trim().toUpperCase().replace(/\s+/g, ' ');
  let m;
  if (/^\d{4}$/.test(t)) return t;
  if ((m = /^[TQ]([1-4])[ -]?(\d{4})$/.exec(t))) return `${m[2]}-Q${m[1]}`;
  if ((m = /^(\d{4})[ -]?[TQ]([1-4])$/.exec(t))) return `${m[1]}-Q${m[2]}`;
  const month = (y, mo) => (Number(mo) >= 1 && Number(mo) <= 12 ? `${y}-${mo.padStart(2, '0')}` : null);
  if ((m = /^(\d{1,2})\/(\d{4})$/.exec(t))) return month(m[2], m[1]);
  if ((m = /^(\d{4})-(\d{2})$/.exec(t))) return month(m[1], m[2]);
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) return parseDay(`${m[3]}/${m[2]}/${m[1]}`);
  return parseDay(t);
}

// inputPreciseDate writes an API date with precision the way parsePreciseDate reads it
// back, for a form's field: « 2021 », « T1 2019 », « 09/2015 », « 19/01/2017 ».
export function inputPreciseDate(text) {
  if (!text) return '';
  switch (datePrecision(text)) {
    case 'year':
      return text;
    case 'quarter':
      return `T${text.slice(6)} ${text.slice(0, 4)}`;
    case 'month':
      return `${text.slice(5, 7)}/${text.slice(0, 4)}`;
    default:
      return formatDay(text);
  }
}

const dateTime = new Intl.DateTimeFormat('fr-FR', {
  day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris',
});

// formatDateTime writes an instant as Paris time: « 26/11/2026 22:35 ».
export function formatDateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateTime.format(d).replace(',', '');
}
