// The convention's governance on the page: the commitments and meetings as of the date
// shown, the vocabulary the service gives for them (GET /api/config, governance), and the
// drawing of the Engagements and Comités views. The views themselves live in
// commitments.js and committees.js, their forms in govforms.js, and the site panel's
// section in sitegovernance.js.

import {fetchCommitments, fetchCommittees, fetchMeetings} from './api.js';
import {$, app, asOf, notify} from './app.js';
import {renderCommitments} from './commitments.js';
import {renderCommittees} from './committees.js';
import {loadData} from './data.js';

// gov holds what the views draw.
export const gov = {
  date: '',
  commitments: [],
  meetings: [],
  committees: [],
  vocab: {axes: [], parties: [], commitment_statuses: [], firmnesses: [], meeting_states: []},
  // filters of the Engagements view: codes, '' for all
  filters: {party: '', axis: '', site: '', status: ''},
  flash: null, // {view, text, kind}: the outcome of the last write, shown above its view
  loading: null,
};

// setGovernanceVocabulary takes up the service's governance codes and their labels.
export function setGovernanceVocabulary(vocab = {}) {
  for (const key of Object.keys(gov.vocab)) {
    gov.vocab[key] = Array.isArray(vocab[key]) ? vocab[key] : [];
  }
}

// label is the French label of a code of one of the vocabulary's lists, or the code.
export function label(list, code) {
  return gov.vocab[list].find((t) => t.key === code)?.label || code;
}

// loadGovernance reads the commitments, meetings and committees as of the date shown; a
// failure is said above the views, which renderGovernance then draws empty. It draws
// nothing itself: the views name the sites, which load alongside.
export async function loadGovernance({signal} = {}) {
  const date = asOf();
  if (!date) return;
  const [commitments, meetings, committees] = await Promise.allSettled([
    fetchCommitments(date, {signal}),
    fetchMeetings(date, {signal}),
    fetchCommittees({signal}),
  ]);
  if (signal?.aborted) return;
  const failed = [commitments, meetings, committees].find((r) => r.status === 'rejected');
  gov.commitments = commitments.status === 'fulfilled' ? commitments.value : [];
  gov.meetings = meetings.status === 'fulfilled' ? meetings.value : [];
  gov.committees = committees.status === 'fulfilled' ? committees.value : [];
  gov.date = date;
  notify('governance', failed && failed.reason.status !== 401
    ? `Les engagements et les comités n’ont pas pu être chargés (${failed.reason.message}).` : '');
}

// renderGovernance draws both views from what was loaded.
export function renderGovernance() {
  renderCommitments($('engagements'), {onChange: renderGovernance, onSaved: reloadGovernance});
  renderCommittees($('comites'), {onSaved: reloadGovernance});
  for (const id of ['engagements', 'comites']) $(id).dataset.asOf = gov.date;
}

// reloadGovernance reloads the whole page's data after a write (a decision may move a
// planned date of the calendar), then says its outcome in view.
export async function reloadGovernance(view, text, kind = 'ok') {
  gov.flash = {view, text, kind};
  await loadData();
  document.getElementById(`${view}-alert`)?.focus();
}

// takeFlash returns the outcome to show above view, once.
export function takeFlash(view) {
  const f = gov.flash;
  if (!f || f.view !== view) return null;
  gov.flash = null;
  return f;
}

// siteName is the name of a site the page knows, or its id.
export function siteName(id) {
  return app.sites.find((s) => s.id === id)?.name || id;
}
