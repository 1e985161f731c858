/**
 * adminApi: the dashboard's calls to the mock's admin API (`/__mock/*`), each sent with `X-Mock-Session` for
 * the selected session. URLs are relative to /__mock/ui/ so the dashboard also works behind a path prefix.
 * Admin errors (application/problem+json) become an AdminError carrying the problem's title and detail.
 */

export class AdminError extends Error {
  /** @param {number} status @param {string} title @param {string} detail */
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
  }
}

/** The admin URL of a route such as `calls?limit=200`, resolved against this page. */
export const adminUrl = (route) => new URL(`../${route}`, document.baseURI).href;

/** @type {Promise<string | null> | undefined} */
let csrf;

/** The CSRF token bound to this dashboard's cookie, asked once (`GET /__mock/csrf`); asked again after a failure. */
function csrfToken() {
  csrf ??= fetch(adminUrl('csrf'), { headers: { accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : { csrfToken: null }))
    .then((data) => data.csrfToken ?? null)
    .catch(() => ((csrf = undefined), null));
  return csrf;
}

/**
 * @param {string} route admin route without the `/__mock/` prefix, e.g. `state` or `calls?limit=200`
 * @param {{ session?: string, method?: string, body?: unknown }} [options]
 */
export async function adminApi(route, { session, method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  if (session && session !== '*') headers['x-mock-session'] = session;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // Every change carries the CSRF token of this dashboard's login (a mock started with --admin-token wants
  // it; without one it is null and the custom header alone keeps the change from being a simple request).
  if (method !== 'GET') headers['x-mock-csrf'] = (await csrfToken()) ?? '';
  const res = await fetch(adminUrl(route), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const problem = data && typeof data === 'object' ? data : {};
    throw new AdminError(
      res.status,
      problem.title ?? `${method} /__mock/${route} answered HTTP ${res.status}`,
      problem.detail ?? '',
    );
  }
  return data;
}

/**
 * A loader for one admin route of the selected session: of overlapping loads the last one wins, and
 * an answer for a session no longer selected is dropped. `render(data)` runs after every load.
 */
export function sessionLoader(app, route, render) {
  let loading = null;
  let data = null;
  return async function load() {
    const session = app.session();
    if (session === '*') return render(data);
    const request = adminApi(route, { session });
    loading = request;
    try {
      const result = await request;
      if (loading !== request || app.session() !== session) return;
      data = result;
    } catch (e) {
      app.notify(e.message);
    }
    render(data);
  };
}
