// The search as planners type it: accents, case and punctuation do not count ("jean
// jaures" finds "Jean-Jaurès", "robert witchitz" finds "Robert-Witchitz"), and a parcel
// reference says what it found: its site, or that it belongs to none.

import {h, replace} from './dom.js';
import {fold} from './format.js';

// searchKey folds a text for comparison: no accents, lower case, every run of
// punctuation or spaces made one space.
export function searchKey(text) {
  return fold(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

// matchesText tells whether query, as a phrase, is found in one of texts.
export function matchesText(query, texts) {
  const needle = searchKey(query);
  if (!needle) return true;
  return texts.some((t) => searchKey(t).includes(needle));
}

// notes keeps what each parcel look-up found, so that typing the same reference again
// says it again without asking the service.
const notes = new Map();

// parcelNote words the outcome of looking up parcel id: feature is the service's parcel
// (null when the loaded cadastre does not have it), siteID the site it belongs to.
export function parcelNote(id, feature, siteID) {
  let note = '';
  if (!feature) note = `Parcelle ${id} inconnue du cadastre chargé.`;
  else if (!feature.properties?.part_id) note = `Parcelle ${id} : parcelle non rattachée à un site.`;
  else if (!siteID) note = `Parcelle ${id} : rattachée à une partie absente à cette date.`;
  notes.set(id, note);
  return note;
}

// knownNote is what the last look-up of id found, if any.
export function knownNote(id) {
  return notes.get(id) || '';
}

// showSearchNote writes note under the search's count (an empty note hides it).
export function showSearchNote(note) {
  let el = document.getElementById('search-note');
  if (!el) {
    const count = document.getElementById('match-count');
    if (!count) return;
    el = h('p', {id: 'search-note', class: 'match-count search-note', 'aria-live': 'polite'});
    count.after(el);
  }
  el.hidden = !note;
  replace(el, note);
}
