// The vocabulary of the portfolio in French, and the one colour function that the map,
// its legend, the filters, the dashboard and the tables share.

// STATUSES lists the statuses of a site part in the order of the disposal journey.
export const STATUSES = [
  {key: 'in_use', label: 'En service', color: '#3f6fb5'},
  {key: 'under_study', label: "Devenir à l'étude", color: '#8a5cb8'},
  {key: 'release_planned', label: 'Libération programmée', color: '#e09b00'},
  {key: 'released', label: 'Libéré', color: '#7fa83a'},
  {key: 'disposal_in_progress', label: 'Cession en cours', color: '#d4622a'},
  {key: 'ceded', label: 'Cédé', color: '#2a8f84'},
];

const byKey = new Map(STATUSES.map((st) => [st.key, st]));
const UNKNOWN_COLOR = '#7a7a7a';

// statusColor is the colour of a status, wherever a status is drawn.
export function statusColor(status) {
  return byKey.get(status)?.color ?? UNKNOWN_COLOR;
}

// statusLabel is the French name of a status.
export function statusLabel(status) {
  return byKey.get(status)?.label ?? status;
}

// NEXT_STATUSES lists the moves a planner may make without a correction, as the service
// allows them (internal/site/status.go); a ceded part only changes by a correction.
const NEXT_STATUSES = {
  in_use: ['under_study', 'release_planned', 'released', 'disposal_in_progress'],
  under_study: ['in_use', 'release_planned', 'released', 'disposal_in_progress'],
  release_planned: ['in_use', 'under_study', 'released', 'disposal_in_progress'],
  released: ['in_use', 'under_study', 'disposal_in_progress', 'ceded'],
  disposal_in_progress: ['ceded', 'released', 'under_study'],
  ceded: [],
};

// nextStatuses lists the statuses a part may move to: the allowed moves, or with a
// correction every other status.
export function nextStatuses(status, correction = false) {
  if (correction) return STATUSES.map((st) => st.key).filter((k) => k !== status);
  return NEXT_STATUSES[status] || [];
}

// isStatus tells whether a value is one of the known statuses.
export function isStatus(status) {
  return byKey.has(status);
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

const MODALITY_LABELS = {
  undecided: 'non décidée',
  sale_to_developer: 'vente à un aménageur',
  sale_after_call_for_projects: 'vente après appel à projets',
  long_lease: 'bail de longue durée',
  relocation_then_disposal: 'relocalisation puis cession',
  transfer: 'transfert',
  made_available: 'mise à disposition',
  kept_by_paris: 'conservé par Paris',
};

// MODALITIES lists the disposal modalities, for a form.
export const MODALITIES = Object.keys(MODALITY_LABELS);

// modalityLabel names a disposal modality (the API's own label wins when it has one).
export function modalityLabel(modality) {
  return MODALITY_LABELS[modality] ?? modality;
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

// MILESTONE_KINDS are the kinds of calendar milestones, with their colours in the
// calendar view.
export const MILESTONE_KINDS = [
  {key: 'release', label: 'Libération', color: statusColor('released')},
  {key: 'disposal', label: 'Cession', color: statusColor('ceded')},
  {key: 'deadline', label: 'Échéance', color: '#44546a'},
];

// milestoneColor is the colour of a calendar milestone kind.
export function milestoneColor(kind) {
  return MILESTONE_KINDS.find((k) => k.key === kind)?.color ?? UNKNOWN_COLOR;
}

// milestoneLabel names a calendar milestone kind.
export function milestoneLabel(kind) {
  return MILESTONE_KINDS.find((k) => k.key === kind)?.label ?? kind;
}

// OVERDUE_COLOR marks what is late, in the calendar and the dashboard.
export const OVERDUE_COLOR = '#c0262d';
