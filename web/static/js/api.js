// Calls to the service's own HTTP API (same origin only, as the CSP requires).

// ApiError is a failed call, with the HTTP status and the problem detail when the
// service sent one.
export class ApiError extends Error {
  constructor(url, status, detail) {
    super(detail ? `${detail} (HTTP ${status})` : `HTTP ${status}`);
    this.url = url;
    this.status = status;
  }
}

// getJSON fetches a JSON document; it throws an ApiError on any non-2xx answer.
export async function getJSON(url, {signal} = {}) {
  const res = await fetch(url, {
    signal,
    headers: {Accept: 'application/geo+json, application/json;q=0.9'},
  });
  if (!res.ok) {
    let detail = '';
    try {
      detail = (await res.json()).detail || '';
    } catch {
      // not a problem document
    }
    throw new ApiError(url, res.status, detail);
  }
  return res.json();
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

// fetchConfig returns the base map settings and the server's today.
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

// fetchSite returns one site with its parts, parcels, timeline and calendar as of date.
export function fetchSite(id, date, {signal} = {}) {
  return getJSON(withQuery(`/api/sites/${encodeURIComponent(id)}`, {date}), {signal});
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
