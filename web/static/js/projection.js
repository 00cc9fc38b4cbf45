// Days after today. The service projects the statuses of such a day from the plans of the
// calendar (a release planned and not done: libéré; a disposal: cédé) and says so; the page
// lets a planner choose such a day, up to a horizon, and says "Projection" wherever it
// shows one: the header, the map's legend, the dashboard, the table, the site sheet and
// the printed header.

import {app, asOf} from './app.js';
import {h} from './dom.js';
import {formatDay} from './format.js';

// HORIZON_YEARS is how far ahead a planner may look: to 31 December of the year this many
// years after today's. The convention's plans run a few years ahead; beyond ten years a
// projection would be mostly parts with no plan, shown as they are today.
export const HORIZON_YEARS = 10;

// horizonYear is the last year the slider and the typed date reach.
export function horizonYear() {
  return Number(app.today.slice(0, 4)) + HORIZON_YEARS;
}

// isProjection reports whether an ISO day is after today, so shown as a projection.
export function isProjection(iso = asOf()) {
  return Boolean(app.today && iso && iso > app.today);
}

// projectionText says what a projection is, in French.
export function projectionText(iso = asOf()) {
  return `Projection au ${formatDay(iso)} : statuts prévus d’après les dates prévues du calendrier, non constatés ; retards comptés au ${formatDay(app.today)} (aujourd’hui).`;
}

// projectionBadge is the short mark of a projected view, or null for a recorded one.
export function projectionBadge(iso = asOf()) {
  return isProjection(iso) ? h('span', {class: 'projection-badge', title: projectionText(iso)}, 'Projection') : null;
}

// syncProjection shows or hides the header's badge (its title says what a projection is) and marks the page for the styles.
export function syncProjection() {
  const on = isProjection();
  document.body.classList.toggle('projection', on);
  const note = document.getElementById('projection-note');
  if (!note) return;
  note.hidden = !on;
  note.title = on ? projectionText() : '';
}
