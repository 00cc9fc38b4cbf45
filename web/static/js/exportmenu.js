// The export menu's workbook of the view on screen: its link carries the view, the day
// and the filters of the page, and the menu says which filters the workbook applies (the
// other files hold every site).

import {withQuery} from './api.js';
import {$, app} from './app.js';
import {replace} from './dom.js';
import {statusLabel} from './vocab.js';

// XLSX_VIEWS maps a view of the page to the workbook that shows it: the map and the
// governance views export the table of parts, which the map draws.
const XLSX_VIEWS = {
  calendrier: ['calendar', 'calendrier'],
  bord: ['dashboard', 'tableau de bord'],
  tableau: ['table', 'tableau'],
};

// filterText says in French which filters the page applies, or that none does.
export function filterText(st) {
  const parts = [];
  if (st.statuses.length) parts.push(`statut : ${st.statuses.map(statusLabel).join(', ')}`);
  if (st.department) parts.push(`service : ${st.department}`);
  if (st.year) parts.push(`année de cession : ${st.year === 'sans' ? 'sans date' : st.year}`);
  if (st.q.trim()) parts.push(`recherche : « ${st.q.trim()} »`);
  return parts.length ? parts.join(' ; ') : 'aucun (tous les sites)';
}

// syncViewExport points the workbook link at the view and filters shown.
export function syncViewExport() {
  const st = app.state;
  const [view, label] = XLSX_VIEWS[st.view] || XLSX_VIEWS.tableau;
  $('export-xlsx').href = withQuery('/api/export.xlsx', {
    view, date: st.date, statut: st.statuses.join(','), service: st.department, annee: st.year, q: st.q.trim(),
  });
  replace($('export-xlsx-view'), `(${label}, .xlsx)`);
  replace($('export-filters'), `Filtres appliqués au tableur : ${filterText(st)}. Les autres fichiers contiennent tous les sites.`);
}

// bindExportMenu refreshes the links each time the menu opens, so that they follow the
// view, the search and the filters without redrawing on every keystroke.
export function bindExportMenu() {
  const menu = $('export-xlsx').closest('details');
  menu.addEventListener('toggle', () => {
    if (menu.open) syncViewExport();
  });
  syncViewExport();
}
