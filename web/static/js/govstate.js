// The convention's governance as the page holds it: the commitments, meetings and
// committees as of the date shown, the service's vocabulary for them, and the outcome of
// the last write. The views (commitments.js, committees.js), their forms (govforms.js)
// and the site panel's section (sitegovernance.js) read it here; governance.js loads it.

import {app} from './app.js';

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
