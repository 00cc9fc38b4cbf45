// The vocabulary of the portfolio in French — statuses and modalities as the service
// defines them, the page's own names for the rest — and the one colour function that the
// map, its legend, the filters, the dashboard and the tables share.

// STATUS_COLORS gives each status its colour.
const STATUS_COLORS = {
  in_use: '#3f6fb5',
  under_study: '#8a5cb8',
  release_planned: '#e09b00',
  released: '#7fa83a',
  disposal_in_progress: '#d4622a',
  ceded: '#2a8f84',
};

// STATUSES lists the statuses of a site part in journey order, each with its French label,
// its colour and the statuses it may move to without a correction. The service defines
// them (GET /api/config, from internal/site): setVocabulary fills this list in place, so
// every module that imported it sees them. It is empty until then.
export const STATUSES = [];

const byKey = new Map();
const UNKNOWN_COLOR = '#7a7a7a';

// MODALITIES lists the disposal modalities, for a form; filled by setVocabulary.
export const MODALITIES = [];

const modalityLabels = new Map();

// setVocabulary takes up the statuses, modalities and milestone kinds the service's
// configuration gives.
// Without them (the configuration could not be read), the statuses the colours name are
// shown by their keys, and no move is offered but a correction.
export function setVocabulary(config = {}) {
  const statuses = Array.isArray(config.statuses) && config.statuses.length
    ? config.statuses
    : Object.keys(STATUS_COLORS).map((key) => ({key, label: key, next: []}));
  STATUSES.splice(0, STATUSES.length, ...statuses.map((st) => ({
    key: st.key, label: st.label || st.key, color: STATUS_COLORS[st.key] ?? UNKNOWN_COLOR, next: st.next || [],
  })));
  byKey.clear();
  for (const st of STATUSES) byKey.set(st.key, st);
  const modalities = Array.isArray(config.modalities) ? config.modalities : [];
  MODALITIES.splice(0, MODALITIES.length, ...modalities.map((m) => m.key));
  modalityLabels.clear();
  for (const m of modalities) modalityLabels.set(m.key, m.label);
  const kinds = Array.isArray(config.milestone_kinds) && config.milestone_kinds.length
    ? config.milestone_kinds
    : Object.keys(MILESTONE_COLORS).map((key) => ({key, label: key}));
  MILESTONE_KINDS.splice(0, MILESTONE_KINDS.length, ...kinds.map((k) => ({
    key: k.key, label: k.label || k.key, color: MILESTONE_COLORS[k.key] ?? UNKNOWN_COLOR,
  })));
}

// statusColor is the colour of a status, wherever a status is drawn.
export function statusColor(status) {
  return STATUS_COLORS[status] ?? UNKNOWN_COLOR;
}

// statusLabel is the French name of a status.
export function statusLabel(status) {
  return byKey.get(status)?.label ?? status;
}

// nextStatuses lists the statuses a part may move to: the moves the service allows, or
// with a correction every other status.
export function nextStatuses(status, correction = false) {
  if (correction) return STATUSES.map((st) => st.key).filter((k) => k !== status);
  return byKey.get(status)?.next ?? [];
}

// isStatus tells whether a value is one of the known statuses; the URL is read before the
// service's vocabulary arrives, so the statuses the colours name count too.
export function isStatus(status) {
  return byKey.has(status) || Object.hasOwn(STATUS_COLORS, status);
}

// darken returns a darker shade of a #rrggbb colour, for outlines.
export function darken(hex, amount = 0.35) {
  const n = parseInt(hex.slice(1), 16);
  const channel = (shift) => Math.round(((n >> shift) & 255) * (1 - amount));
  return `rgb(${channel(16)}, ${channel(8)}, ${channel(0)})`;
}

const QUALITY_LABELS = {
  surveyed: 'emprise levée (géomètre)',
  cadastre: 'emprise cadastrale',
  approximate: 'emprise approximative',
  unlocated: 'non localisé',
};

// GEOMETRY_QUALITIES are the qualities an outline may have, best first.
export const GEOMETRY_QUALITIES = ['surveyed', 'cadastre', 'approximate'];

// qualityLabel names the quality of a part's geometry.
export function qualityLabel(quality) {
  return QUALITY_LABELS[quality] ?? quality;
}

// modalityLabel names a disposal modality (the API's own label on a site wins when given).
export function modalityLabel(modality) {
  return modalityLabels.get(modality) ?? modality;
}

const EVENT_KINDS = {
  decision: 'Décision',
  study: 'Étude',
  disposal: 'Cession',
  release: 'Libération',
  delivery: 'Livraison',
  deadline: 'Échéance',
  committee_review: 'Revue en comité',
  agreement: 'Accord',
  opening: 'Ouverture',
  note: 'Note',
};

// EVENT_KIND_KEYS lists the kinds of timeline events, for a form.
export const EVENT_KIND_KEYS = Object.keys(EVENT_KINDS);

// eventKindLabel names the kind of a timeline event.
export function eventKindLabel(kind) {
  return EVENT_KINDS[kind] ?? kind;
}

const MILESTONE_COLORS = {release: statusColor('released'), disposal: statusColor('ceded'), deadline: '#44546a'};

// MILESTONE_KINDS are the kinds of calendar milestones, with their French labels (the
// service's, from GET /api/config) and their colours in the calendar view; filled by
// setVocabulary.
export const MILESTONE_KINDS = [];

// milestoneColor is the colour of a calendar milestone kind.
export function milestoneColor(kind) {
  return MILESTONE_COLORS[kind] ?? UNKNOWN_COLOR;
}

// milestoneLabel names a calendar milestone kind.
export function milestoneLabel(kind) {
  return MILESTONE_KINDS.find((k) => k.key === kind)?.label ?? kind;
}

// OVERDUE_COLOR marks what is late, in the calendar and the dashboard.
export const OVERDUE_COLOR = '#c0262d';
