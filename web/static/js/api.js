// Calls to the service's own HTTP API (same origin only, as the CSP requires): every
// read and every write the page makes, so that the routes live in one module.

// ApiError is a failed call, with the HTTP status and, when the service sent an RFC 9457
// problem, its detail and the body field or query parameter it names.
export class ApiError extends Error {
  constructor(url, status, problem = {}) {
    const detail = problem.detail || '';
    super(detail ? `${detail} (HTTP ${status})` : `HTTP ${status}`);
    this.url = url;
    this.status = status;
    this.detail = detail;
    this.field = problem.field || '';
    this.param = problem.param || '';
    this.retryAfter = problem.retryAfter || 0;
  }
}

// apiError reads a failed response into an ApiError.
async function apiError(url, res) {
  let problem = {};
  try {
    problem = await res.json();
  } catch {
    // not a problem document
  }
  if (!problem || typeof problem !== 'object') problem = {};
  problem.retryAfter = Number(res.headers.get('Retry-After')) || 0;
  return new ApiError(url, res.status, problem);
}

// getJSON fetches a JSON document; it throws an ApiError on any non-2xx answer. Answers
// are revalidated ("no-cache"), so that a change just made always shows.
export async function getJSON(url, {signal} = {}) {
  const res = await fetch(url, {
    signal,
    cache: 'no-cache',
    headers: {Accept: 'application/geo+json, application/json;q=0.9'},
  });
  if (!res.ok) throw await apiError(url, res);
  return res.json();
}

// csrfToken is the session's token, sent back with every write (X-CSRF-Token).
let csrfToken = '';

// setCSRFToken keeps the token GET or POST /api/session gave; empty once signed out.
export function setCSRFToken(token) {
  csrfToken = token || '';
}

// send makes a write (the named writes below use it): a JSON body, the CSRF token and, when etag is given, If-Match. It
// returns the answer's body (null when empty) and its ETag, or throws an ApiError.
export async function send(method, url, {body, etag} = {}) {
  const headers = {Accept: 'application/json'};
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (etag) headers['If-Match'] = etag;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, {
    method, headers, cache: 'no-store', credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await apiError(url, res);
  const text = await res.text();
  return {body: text ? JSON.parse(text) : null, etag: res.headers.get('ETag') || ''};
}

// withQuery appends parameters to a path, leaving out empty ones.
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') q.set(k, v);
  }
  const text = q.toString();
  return text ? `${path}?${text}` : path;
}

// sameOrigin keeps the path and query of a link, so that a next link built with another
// public base URL still reaches this origin.
function sameOrigin(href) {
  const u = new URL(href, window.location.href);
  return u.pathname + u.search;
}

// fetchConfig returns the base map settings, the server's today, the vocabulary of
// statuses (with the moves allowed from each), modalities and milestone kinds, the forms
// of a date with precision and the commune's parcel-id prefix.
export function fetchConfig({signal} = {}) {
  return getJSON('/api/config', {signal});
}

// fetchBoundary returns the commune outline as a FeatureCollection.
export function fetchBoundary({signal} = {}) {
  return getJSON('/collections/boundaries/items', {signal});
}

// fetchParts returns every site part as it stood on date (YYYY-MM-DD), following the
// collection's next links.
export async function fetchParts(date, {signal} = {}) {
  let url = withQuery('/collections/sites/items', {limit: 10000, datetime: date});
  const features = [];
  while (url) {
    const page = await getJSON(url, {signal});
    features.push(...(page.features || []));
    const next = (page.links || []).find((l) => l.rel === 'next');
    url = next && page.features && page.features.length ? sameOrigin(next.href) : null;
  }
  return features;
}

// fetchCalendar returns the calendar items as of date.
export async function fetchCalendar(date, {signal} = {}) {
  const body = await getJSON(withQuery('/api/calendar', {date}), {signal});
  return body.items || [];
}

// fetchDashboard returns the dashboard as of date, as the service computes it.
export function fetchDashboard(date, {signal} = {}) {
  return getJSON(withQuery('/api/dashboard', {date}), {signal});
}

// fetchSite returns one site with its parts, parcels, timeline and calendar as of date,
// and its ETag, which every edit of the site sends back in If-Match.
export async function fetchSite(id, date, {signal} = {}) {
  const url = withQuery(`/api/sites/${encodeURIComponent(id)}`, {date});
  const res = await fetch(url, {signal, cache: 'no-cache', headers: {Accept: 'application/json'}});
  if (!res.ok) throw await apiError(url, res);
  return {detail: await res.json(), etag: res.headers.get('ETag') || ''};
}

// fetchHistory returns the changes made to a site (newest first) and its ETag; it also
// answers for a deleted site, which a restore needs.
export async function fetchHistory(id, {signal} = {}) {
  const url = `/api/sites/${encodeURIComponent(id)}/history`;
  const res = await fetch(url, {signal, cache: 'no-cache', headers: {Accept: 'application/json'}});
  if (!res.ok) throw await apiError(url, res);
  return {history: await res.json(), etag: res.headers.get('ETag') || ''};
}

// fetchSession says who is signed in, with the CSRF token of the session.
export function fetchSession({signal} = {}) {
  return getJSON('/api/session', {signal});
}

// fetchParcel returns one cadastral parcel feature, or null when it is unknown.
export async function fetchParcel(id, {signal} = {}) {
  try {
    return await getJSON(`/collections/parcels/items/${encodeURIComponent(id)}`, {signal});
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

// fetchParcelSuggestions lists the parcels an approximate part's outline covers.
export function fetchParcelSuggestions(partID, {signal} = {}) {
  return getJSON(`/api/parts/${encodeURIComponent(partID)}/parcel-suggestions`, {signal});
}

// ---- writes ----
// Each takes the request's JSON body and the ETag of the site it changes (If-Match), and
// returns what send returns: the answer's body and the site's new ETag.

const sitePath = (id) => `/api/sites/${encodeURIComponent(id)}`;
const partPath = (id) => `/api/parts/${encodeURIComponent(id)}`;
const eventPath = (id) => `/api/events/${encodeURIComponent(id)}`;
const milestonePath = (id) => `/api/milestones/${encodeURIComponent(id)}`;

// signIn opens a session; its answer holds the CSRF token.
export function signIn(name, password) {
  return send('POST', '/api/session', {body: {name, password}});
}

// signOut closes the session.
export function signOut() {
  return send('DELETE', '/api/session');
}

// updateSite changes a site's facts (only the fields in body).
export function updateSite(siteID, body, etag) {
  return send('PATCH', sitePath(siteID), {body, etag});
}

// deleteSite deletes a site; an admin may restore it.
export function deleteSite(siteID, body, etag) {
  return send('DELETE', sitePath(siteID), {body, etag});
}

// restoreSite brings a deleted site back.
export function restoreSite(siteID, body, etag) {
  return send('POST', `${sitePath(siteID)}/restore`, {body, etag});
}

// changeStatus moves a part to another status.
export function changeStatus(partID, body, etag) {
  return send('POST', `${partPath(partID)}/status`, {body, etag});
}

// replaceGeometry gives a part a new outline.
export function replaceGeometry(partID, body, etag) {
  return send('PUT', `${partPath(partID)}/geometry`, {body, etag});
}

// splitPart cuts a new part out of a part.
export function splitPart(partID, body, etag) {
  return send('POST', `${partPath(partID)}/split`, {body, etag});
}

// linkParcels attaches cadastral parcels to a part.
export function linkParcels(partID, body, etag) {
  return send('POST', `${partPath(partID)}/parcels`, {body, etag});
}

// unlinkParcel detaches a parcel from a part.
export function unlinkParcel(partID, parcelID, body, etag) {
  return send('DELETE', `${partPath(partID)}/parcels/${encodeURIComponent(parcelID)}`, {body, etag});
}

// addEvent adds an event to a site's timeline.
export function addEvent(siteID, body, etag) {
  return send('POST', `${sitePath(siteID)}/events`, {body, etag});
}

// updateEvent changes an event (only the fields in body).
export function updateEvent(eventID, body, etag) {
  return send('PATCH', eventPath(eventID), {body, etag});
}

// removeEvent cancels (mode "cancel") or deletes (mode "delete") an event.
export function removeEvent(eventID, mode, body, etag) {
  return send('DELETE', withQuery(eventPath(eventID), {mode}), {body, etag});
}

// restoreEvent brings back an event deleted by mistake.
export function restoreEvent(eventID, body, etag) {
  return send('POST', `${eventPath(eventID)}/restore`, {body, etag});
}

// addMilestone adds a milestone to a site's calendar.
export function addMilestone(siteID, body, etag) {
  return send('POST', `${sitePath(siteID)}/milestones`, {body, etag});
}

// planMilestone gives a milestone a new planned date.
export function planMilestone(milestoneID, body, etag) {
  return send('POST', `${milestonePath(milestoneID)}/plans`, {body, etag});
}

// setActual records (or, with date null, clears) the date a milestone happened.
export function setActual(milestoneID, body, etag) {
  return send('PUT', `${milestonePath(milestoneID)}/actual`, {body, etag});
}

// ---- the convention's governance ----
// Reads as of a day, and writes with the commitment's or the meeting's ETag (If-Match).

const commitmentPath = (id) => `/api/commitments/${encodeURIComponent(id)}`;
const meetingPath = (id) => `/api/meetings/${encodeURIComponent(id)}`;

// fetchCommitments returns the commitments as they stood on date, with their late flag
// for that day.
export async function fetchCommitments(date, {signal} = {}) {
  const body = await getJSON(withQuery('/api/commitments', {date}), {signal});
  return body.items || [];
}

// fetchMeetings returns the recorded meetings, then those the cadences call for as of date.
export async function fetchMeetings(date, {signal} = {}) {
  const body = await getJSON(withQuery('/api/meetings', {date}), {signal});
  return body.items || [];
}

// fetchCommittees returns the committees with their cadences.
export async function fetchCommittees({signal} = {}) {
  const body = await getJSON('/api/committees', {signal});
  return body.items || [];
}

// meetingPackURL is the committee pack (XLSX workbook) of a recorded meeting.
export function meetingPackURL(meetingID) {
  return `${meetingPath(meetingID)}/pack.xlsx`;
}

// createCommitment adds a commitment.
export function createCommitment(body) {
  return send('POST', '/api/commitments', {body});
}

// updateCommitment changes a commitment's attributes (only the fields in body).
export function updateCommitment(id, body, etag) {
  return send('PATCH', commitmentPath(id), {body, etag});
}

// addFollowUp adds a dated, sourced follow-up to a commitment.
export function addFollowUp(id, body, etag) {
  return send('POST', `${commitmentPath(id)}/follow-ups`, {body, etag});
}

// createMeeting records a meeting, held or planned.
export function createMeeting(body) {
  return send('POST', '/api/meetings', {body});
}

// updateMeeting changes a meeting (only the fields in body).
export function updateMeeting(id, body, etag) {
  return send('PATCH', meetingPath(id), {body, etag});
}

// addAgendaItem adds an item to a meeting's agenda.
export function addAgendaItem(id, body, etag) {
  return send('POST', `${meetingPath(id)}/agenda`, {body, etag});
}

// addDecision adds a decision to a meeting's record.
export function addDecision(id, body, etag) {
  return send('POST', `${meetingPath(id)}/decisions`, {body, etag});
}

// fetchChecks returns what needs a look as of date (GET /api/checks), French labels included.
export function fetchChecks(date, {signal} = {}) {
  return getJSON(withQuery('/api/checks', {date}), {signal});
}
