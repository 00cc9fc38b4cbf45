// French formatting for display: JJ/MM/AAAA days, decimal comma, thin space between
// thousands. Dates with precision are the service's (see dates.js).

const integer = new Intl.NumberFormat('fr-FR', {maximumFractionDigits: 0});
const twoDecimals = new Intl.NumberFormat('fr-FR', {minimumFractionDigits: 2, maximumFractionDigits: 2});
const euros = new Intl.NumberFormat('fr-FR', {style: 'currency', currency: 'EUR', maximumFractionDigits: 0});

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

// datePhrase joins a preposition and a date's label as French wants it: a quarter or a
// day takes the article (« depuis le T4 2014 », « du 19/01/2017 », « au T1 2019 »,
// « le 19/01/2017 » for « en »), a year or a month does not (« depuis 2014 », « de
// sept. 2015 », « en 2019 »).
export function datePhrase(preposition, label) {
  const quarter = /^T[1-4] /.test(label || '');
  const day = /^\d{1,2}\/\d{1,2}\//.test(label || '');
  if (!quarter && !day) return `${preposition} ${label}`;
  const joined = {de: 'du', à: 'au', en: quarter ? 'au' : 'le'}[preposition] || `${preposition} le`;
  return `${joined} ${label}`;
}

// yearOf returns the year of a date of the service (every form starts with it).
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

const dateTime = new Intl.DateTimeFormat('fr-FR', {
  day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris',
});

// formatDateTime writes an instant as Paris time: « 26/11/2026 22:35 ».
export function formatDateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateTime.format(d).replace(',', '');
}

// planMoves counts how a milestone's date moved: "2 reports, 1 avancée" (postponements
// and advances, from the service), or '' when it never moved either way.
export function planMoves(m) {
  return [m.postponements ? plural(m.postponements, 'report', 'reports') : '',
    m.advances ? plural(m.advances, 'avancée', 'avancées') : ''].filter(Boolean).join(', ');
}
