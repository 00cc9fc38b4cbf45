// Honest areas: the service sums only the areas it knows and says how much of them is an
// estimate (GET /api/dashboard: estimated_m2, nominal_parts, unknown_parts). These words
// go beside every area the dashboard shows, so that no estimate reads as a measure and no
// unknown area reads as zero.

import {formatHa, plural} from './format.js';

// areaValue is the figure to show for an area a: its hectares, or "surface inconnue"
// when none of its parts has a known area (unknown is not zero).
export function areaValue(a) {
  if (a.parts > 0 && a.unknown_parts === a.parts) return 'surface inconnue';
  return formatHa(a.area_m2);
}

// areaNotes says where the area a comes from: how much of it is estimated (schematic
// squares), how many parts have a placeholder size, how many have no known area.
export function areaNotes(a) {
  const notes = [];
  if (a.estimated_m2 > 0) notes.push(`dont ${formatHa(a.estimated_m2)} estimés`);
  if (a.nominal_parts > 0) {
    notes.push(`${plural(a.nominal_parts, 'partie', 'parties')} de taille forfaitaire`);
  }
  if (a.unknown_parts > 0 && a.unknown_parts < a.parts) {
    notes.push(`${plural(a.unknown_parts, 'partie', 'parties')} de surface inconnue, non comptée${a.unknown_parts > 1 ? 's' : ''}`);
  }
  return notes.join(' · ');
}
