// The convention's governance on the page: loading the commitments and meetings as of the
// date shown, and drawing the Engagements and Comités views. What is loaded, and the
// vocabulary the service gives for it (GET /api/config, governance), is held in
// govstate.js; the views themselves live in commitments.js and committees.js, their forms
// in govforms.js, and the site panel's section in sitegovernance.js.

import {fetchCommitments, fetchCommittees, fetchMeetings} from './api.js';
import {$, asOf, notify} from './app.js';
import {renderCommitments} from './commitments.js';
import {renderCommittees} from './committees.js';
import {gov} from './govstate.js';

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

// renderGovernance draws both views from what was loaded. The caller, which loads the
// page's data and opens sites, gives the means: reload reloads the whole page's data
// after a write (a decision may move a planned date of the calendar), onSite opens a
// site the views name.
export function renderGovernance({reload, onSite}) {
  const onSaved = async (view, text, kind = 'ok') => {
    gov.flash = {view, text, kind};
    await reload();
    document.getElementById(`${view}-alert`)?.focus();
  };
  const draw = () => {
    renderCommitments($('engagements'), {onChange: draw, onSaved, onSite});
    renderCommittees($('comites'), {onSaved});
    for (const id of ['engagements', 'comites']) $(id).dataset.asOf = gov.date;
  };
  draw();
}
