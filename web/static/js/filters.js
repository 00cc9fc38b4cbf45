// The filter drop-downs' options, drawn from the loaded portfolio: the departments and
// the disposal years the sites have. data.js fills them after every load; controls.js
// binds their changes.

import {$, app} from './app.js';
import {h, replace} from './dom.js';
import {departments, disposalYears} from './model.js';

// fillSelect puts a drop-down's options in place, first the one for "all", and selects
// current.
export function fillSelect(select, first, values, current, label = (v) => v) {
  replace(select, h('option', {value: ''}, first), values.map(([value, text]) => h('option', {value}, label(text))));
  select.value = current;
  if (select.value !== current) {
    // a shared URL may name a value the data no longer has: keep it visible
    select.append(h('option', {value: current}, current));
    select.value = current;
  }
}

// fillFilterOptions fills the department and year filters from the loaded sites.
export function fillFilterOptions() {
  fillSelect($('department-filter'), 'Tous', departments(app.sites).map((d) => [d, d]), app.state.department);
  const years = disposalYears(app.features).map((y) => [String(y), String(y)]);
  fillSelect($('year-filter'), 'Toutes', [...years, ['sans', 'sans date de cession']], app.state.year);
}
