// The page on paper: a header naming the view, the "État au" day, the filters and the
// day of printing (the page numbers are the style sheet's), and views redrawn for the
// paper's width — the calendar's labels refitted beside their bars, the map resized.

import {$, app, asOf} from './app.js';
import {fitLabels} from './calendar.js';
import {replace} from './dom.js';
import {filterText} from './exportmenu.js';
import {formatDay} from './format.js';
import {isProjection} from './projection.js';

// VIEW_TITLES names each view on paper.
const VIEW_TITLES = {
  carte: 'Carte des sites',
  calendrier: 'Calendrier prévisionnel de libération et de cession',
  bord: 'Tableau de bord',
  tableau: 'Tableau des parties de site',
  engagements: 'Engagements',
  comites: 'Comités',
};

// todayISO is the day of printing, in the browser's own calendar.
function todayISO() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// syncPrintHeader writes the header from the state shown.
export function syncPrintHeader() {
  const st = app.state;
  let title = VIEW_TITLES[st.view] || '';
  if (st.view === 'carte' && st.site && !$('panel').hidden) title = 'Fiche du site';
  replace($('print-title'), `Emprises — ${title}`);
  const day = asOf();
  replace($('print-asof'), day ? `${isProjection(day) ? 'Projection au' : 'État au'} ${formatDay(day)}` : '');
  replace($('print-filters'), `Filtres : ${filterText(st)}`);
  replace($('print-made'), `Imprimé le ${formatDay(todayISO())}`);
}

// forPaper redraws what depends on the width the page is laid out at, once the print
// (or screen) style applies.
function forPaper() {
  syncPrintHeader();
  fitLabels($('calendar'));
  app.map?.invalidate();
}

// bindPrint keeps the header current and redraws for paper and back. Browsers switch to
// the print style after "beforeprint": the print media query's change is when the
// paper's widths are known.
export function bindPrint() {
  window.addEventListener('beforeprint', syncPrintHeader);
  window.matchMedia('print').addEventListener('change', forPaper);
  window.addEventListener('afterprint', forPaper);
  // The header follows the view, the day and the filters: every redraw rewrites the
  // count of sites shown, and the view and day are on the body.
  const observer = new MutationObserver(syncPrintHeader);
  observer.observe($('match-count'), {childList: true, characterData: true, subtree: true});
  observer.observe(document.body, {attributes: true, attributeFilter: ['data-view', 'data-as-of']});
  observer.observe($('panel'), {attributes: true, attributeFilter: ['hidden']});
  syncPrintHeader();
}
