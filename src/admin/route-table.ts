/**
 * Every admin route under `/__mock` in one table: method, path, the module whose handler answers it, who may call it,
 * one line on what it does. Mounting (mount-admin-routes), the unknown-route 404 and the admin API reference
 * (docs/reference/admin-api.md) are made from it. Data only: knows no handler's code.
 */

export type AdminMethod = 'GET' | 'POST' | 'DELETE';
/** Who answers: express through the row's handler, or code in front of express (speed, or no guard). */
export type Answerer = 'express' | 'listener' | 'guard';
/** Who may call it (described in ACCESS). */
export type Access = 'anyone' | 'admin' | 'admin-any-session';

export interface AdminRoute {
  method: AdminMethod;
  /** Under `/__mock`, in express syntax (`:name` is a parameter). */
  path: string;
  /** The module of src/admin/ whose handler answers it (outside express: whose code answers), grouped by resource. */
  handler:
    | 'health'
    | 'ready'
    | 'metrics'
    | 'admin-guard'
    | 'state-routes'
    | 'pact-state-routes'
    | 'journal-routes'
    | 'scenario-routes'
    | 'event-routes'
    | 'spec-routes'
    | 'ui-routes';
  answeredBy: Answerer;
  access: Access;
  summary: string;
  /** The route's files below it are served too (`/ui/…`), whatever the method. */
  tree?: true;
  /** Answered by the mock's listener only: the proxy neither serves nor lists it. */
  mockOnly?: true;
}

const r = (
  method: AdminMethod,
  path: string,
  handler: AdminRoute['handler'],
  answeredBy: Answerer,
  access: Access,
  summary: string,
  tree?: true,
): AdminRoute => ({ method, path, handler, answeredBy, access, summary, ...(tree && { tree }) });

export const ADMIN_ROUTES: readonly AdminRoute[] = [
  r(
    'GET',
    '/health',
    'health',
    'listener',
    'admin-any-session',
    'status, served APIs, journal, sessions and store; 503 while the store is down or a file cannot be written',
  ),
  r(
    'GET',
    '/ready',
    'ready',
    'listener',
    'anyone',
    '{"ready":true} (200) or {"ready":false} (503), for a load balancer; says nothing else',
  ),
  r(
    'GET',
    '/csrf',
    'admin-guard',
    'guard',
    'admin-any-session',
    "{ csrfToken, header }: the dashboard's CSRF token (null without --admin-token or for a bearer caller)",
  ),
  r('GET', '/sessions', 'state-routes', 'express', 'admin', "the session ids the mock holds, and the journal's totals"),
  r(
    'POST',
    '/clock',
    'state-routes',
    'express',
    'admin',
    '{ "advanceSeconds": N } moves this session\'s clock (expire a token without waiting)',
  ),
  r(
    'POST',
    '/reset',
    'state-routes',
    'express',
    'admin',
    'this session back to the seed: records, clock, counters, scenarios, journal',
  ),
  r(
    'GET',
    '/state',
    'state-routes',
    'express',
    'admin',
    "this session's records, tokens (with secondsLeft), clock and counters",
  ),
  r(
    'POST',
    '/state',
    'state-routes',
    'express',
    'admin',
    "seeds records into this session, checked against the spec's schemas",
  ),
  r(
    'GET',
    '/calls',
    'journal-routes',
    'express',
    'admin',
    'the journal, newest last; filters api, operationId, method, path, since, limit',
  ),
  r('DELETE', '/calls', 'journal-routes', 'express', 'admin', "clears this session's journal"),
  r(
    'GET',
    '/violations',
    'journal-routes',
    'express',
    'admin',
    'journaled calls whose request or response broke the contract (same filters)',
  ),
  r(
    'POST',
    '/verify',
    'journal-routes',
    'express',
    'admin',
    '{ operationId | method+path, count | atLeast | atMost, where } → { ok, matched, ... }',
  ),
  r('GET', '/calls.har', 'journal-routes', 'express', 'admin', 'the journal as HAR 1.2 (same filters)'),
  r(
    'GET',
    '/calls.ndjson',
    'journal-routes',
    'express',
    'admin',
    'the journal as NDJSON, one record a line (same filters)',
  ),
  r(
    'GET',
    '/scenarios',
    'scenario-routes',
    'express',
    'admin',
    "available scenarios, and this session's active ones with per-rule hit counts",
  ),
  r(
    'POST',
    '/scenarios/active',
    'scenario-routes',
    'express',
    'admin',
    '{ "name": N } activates a scenario for this session (seeding its given)',
  ),
  r(
    'DELETE',
    '/scenarios/active/:name',
    'scenario-routes',
    'express',
    'admin',
    "deactivates a scenario for this session (its rules' counters start over)",
  ),
  r(
    'POST',
    '/pact/states',
    'pact-state-routes',
    'express',
    'admin',
    "a Pact verifier's provider-state call { state, params, action }: setup seeds params",
  ),
  r(
    'GET',
    '/events',
    'event-routes',
    'express',
    'admin',
    'live call records as server-sent events; ?session=ID, or * for every session',
  ),
  r('GET', '/specs', 'spec-routes', 'express', 'admin', 'the served OpenAPI documents, servers pointing at this mock'),
  r(
    'GET',
    '/specs/:api',
    'spec-routes',
    'express',
    'admin',
    'one served document (JSON; ?format=yaml or a .yaml name for YAML)',
  ),
  r(
    'GET',
    '/ui',
    'ui-routes',
    'express',
    'admin',
    'the dashboard and its files (/ui/?admin_token=T logs in under --admin-token)',
    true,
  ),
  {
    ...r(
      'GET',
      '/metrics',
      'metrics',
      'listener',
      'admin-any-session',
      'the Prometheus text format (docs/guides/metrics.md): calls by API, operation and code, violations, latency, sessions, journal, store',
    ),
    mockOnly: true,
  },
];

/** What each access level means, for the reference page. */
export const ACCESS: Record<Access, string> = {
  anyone: 'no token, no session, no admin guard (a load balancer has none of them); answered before the guard',
  admin:
    "past the admin guard (Host, CORS origin, CSRF; under --admin-token the bearer token or the dashboard's cookie); acts on the X-Mock-Session session (default `default`), answered 503 when the session table is full",
  'admin-any-session': 'past the admin guard; needs no session, so a full session table never makes it fail',
};

/** `GET /calls`-style key of a route: its method and path. */
export type RouteKey = `${AdminMethod} ${string}`;
export const routeKey = (route: Pick<AdminRoute, 'method' | 'path'>): RouteKey => `${route.method} ${route.path}`;

/** `GET health, ready; POST clock; DELETE scenarios/active/NAME`: routes by method, as the 404 lists them. */
export function routeList(routes: readonly AdminRoute[]): string {
  const byMethod = new Map<AdminMethod, string[]>();
  for (const route of routes) {
    const name = route.path.slice(1).replace(/:(\w+)/g, (_, p: string) => p.toUpperCase());
    byMethod.set(route.method, [...(byMethod.get(route.method) ?? []), name]);
  }
  return [...byMethod].map(([method, names]) => `${method} ${names.join(', ')}`).join('; ');
}
