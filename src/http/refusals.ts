/**
 * The refusal catalogue: every answer the mock makes on its own behalf (a limit reached, the store down, a call
 * nothing documents, a mistake in how the mock itself is used, an admin-API problem), with its HTTP status, its
 * `X-Mock-Limit` value and a stable problem `type`. docs/reference/refusals.md is generated from this table.
 *
 * One status rule: a refusal on an API call is answered in that API's own envelope when the API has one (at HTTP
 * 200, as its real servers answer every error; `--http-status mapped` maps it), and as problem+json at the entry's
 * status otherwise (a served document without an envelope, a path no API documents). `usage` refusals say the test
 * itself misused the mock (an unknown scenario or example, a bad session id): always problem+json at their status.
 */

export type RefusalKind = 'limit' | 'failure' | 'route' | 'usage' | 'admin';

export interface Refusal {
  /** Stable, kebab-case; the last part of `type`. */
  readonly id: string;
  readonly status: number;
  readonly title: string;
  readonly kind: RefusalKind;
  /** The `X-Mock-Limit` value sent with it, when a limit or the store is the reason. */
  readonly limit?: string;
  /** Seconds in `Retry-After`, when a retry can succeed. */
  readonly retryAfter?: number;
  /** When it is answered and what to do about it, for the reference page. */
  readonly when: string;
  /** The problem document's `type` (RFC 9457: a tag URI, stable and not meant to be fetched). */
  readonly type: string;
}

const TYPE_BASE = 'tag:contract-mock,2026:refusal/';

function entry(id: string, status: number, title: string, kind: RefusalKind, when: string, extra: { limit?: string; retryAfter?: number } = {}): Refusal {
  return { id, status, title, kind, when, type: TYPE_BASE + id, ...extra };
}

export const REFUSALS = {
  maxSessions: entry('max-sessions', 503, 'Session limit', 'limit', 'A new session past serve --max-sessions while every session is in use; retry later or raise the flag.', { limit: 'max-sessions', retryAfter: 60 }),
  maxHeld: entry('max-held', 503, 'Too many held answers', 'limit', 'Every --max-held slot is taken by timeout faults and scenario delays (proxy: calls in flight); the call is answered at once.', { limit: 'max-held', retryAfter: 1 }),
  maxRecords: entry('max-records', 507, 'Session full', 'limit', 'A write past serve --max-records records in one session; delete records or reset the session.', { limit: 'max-records' }),
  maxStateBytes: entry('max-state-bytes', 507, 'Session full', 'limit', "A write that would take one session's records past serve --max-state-bytes.", { limit: 'max-state-bytes' }),
  maxStoreBytes: entry('max-store-bytes', 507, 'Store full', 'limit', "A write that would take every session's records past serve --max-store-bytes.", { limit: 'max-store-bytes' }),
  maxResponse: entry('max-response', 507, 'Response too large', 'limit', 'An answer larger than serve --max-response (or than the mock can write); delete records or reset the session.', { limit: 'max-response' }),
  bodyTooLarge: entry('max-body', 413, 'Body too large', 'limit', 'A request body over --max-body the proxy does not forward (serve answers it as the API\'s parameter error).', { limit: 'max-body' }),
  storeUnavailable: entry('store-unavailable', 503, 'Store unavailable', 'failure', 'The shared store (Redis) did not answer in time or refused the command; the message says whether the call was applied.', { limit: 'store-unavailable', retryAfter: 1 }),
  handlerFailed: entry('handler-failed', 500, 'Handler failed', 'failure', "The operation's handler threw; X-Mock-Error carries its message and the mock's log its stack. The server keeps running."),
  noRoute: entry('no-route', 404, 'Not Found', 'route', 'No documented operation matches the path; under a served document\'s mount, that document\'s own 404.'),
  unknownScenario: entry('unknown-scenario', 400, 'Unknown scenario', 'usage', 'X-Mock-Scenario names a scenario nobody loaded; GET /__mock/scenarios lists them.'),
  noSuchExample: entry('no-such-example', 400, 'No such example', 'usage', 'Prefer names a response code or example the operation does not document.'),
  badSessionId: entry('bad-session-id', 400, 'Bad session id', 'usage', 'X-Mock-Session is not 1-128 printable ASCII characters without spaces.'),
  requestTimeout: entry('request-timeout', 408, 'Request timeout', 'usage', 'The request headers or an admin body did not arrive in time.'),
  adminRoute: entry('unknown-admin-route', 404, 'Unknown admin route', 'admin', 'No admin route at this method and path; the message lists them.'),
  adminToken: entry('admin-token-required', 401, 'Admin token required', 'admin', 'serve --admin-token is set and the request has no matching Authorization: Bearer token.'),
  originRefused: entry('origin-not-allowed', 403, 'Origin not allowed', 'admin', 'A browser origin that is not the dashboard\'s own nor a serve --cors-origin.'),
  crossOrigin: entry('cross-origin-refused', 403, 'Cross-origin admin request refused', 'admin', 'A cross-site write to the admin API (no Origin, a foreign Referer or Sec-Fetch-Site).'),
  csrfToken: entry('csrf-token-required', 403, 'CSRF token required', 'admin', 'A dashboard write without the token GET /__mock/csrf hands out.'),
  jsonRequired: entry('json-required', 415, 'JSON or an X-Mock header required', 'admin', 'An admin write that is neither JSON nor carries an X-Mock-* header (what a plain HTML form cannot send).'),
  deliveryRefused: entry('delivery-refused', 403, 'Delivery refused by the admin API', 'admin', "A webhook delivery (X-Mock-Delivery) aimed at the admin API: deliveries never reach it."),
  bodyLimits: entry('body-over-limits', 400, 'Body over the limits', 'admin', 'An admin body deeper or with more fields than the limits.'),
  badRequest: entry('bad-admin-request', 400, 'Bad admin request', 'admin', 'An admin request whose filter, format, clock change, activation, verification or provider state is not understood; the title and detail say which.'),
  unknownApi: entry('unknown-api', 404, 'Unknown API', 'admin', 'An admin path names an API that is not served.'),
  notActive: entry('not-active', 404, 'Not active', 'admin', 'Deactivating a scenario that is not active in the session.'),
  scenarioSeed: entry('scenario-seed-failed', 422, 'Scenario state could not be seeded', 'admin', "An activated scenario's state does not fit the session."),
  eventClients: entry('too-many-event-clients', 503, 'Too many event clients', 'admin', 'Every GET /__mock/events slot is taken (64, or 4 MB buffered).'),
  adminFailed: entry('admin-failed', 500, 'Admin error', 'admin', 'The admin API failed on the request; the error is in the log.'),
} as const satisfies Record<string, Refusal>;

export type RefusalName = keyof typeof REFUSALS;

/** The entry a state limit names (`max-records`, `max-state-bytes`, `max-store-bytes`), as StateLimitError.rule does. */
export function limitRefusal(rule: string): Refusal {
  return Object.values(REFUSALS).find((r) => r.limit === rule) ?? REFUSALS.maxRecords;
}

/** The headers a refusal carries (flat name/value list order kept by insertion). */
export function refusalHeaders(r: Refusal): Record<string, string> {
  const headers: Record<string, string> = {};
  if (r.retryAfter !== undefined) headers['Retry-After'] = String(r.retryAfter);
  if (r.limit !== undefined) headers['X-Mock-Limit'] = r.limit;
  return headers;
}

/** docs/reference/refusals.md, generated from the table (npm run docs; a test fails when the page is stale). */
export function renderRefusalsPage(): string {
  const rows = Object.values(REFUSALS).map((r) => `| \`${r.id}\` | ${r.status} | ${r.title} | ${r.kind} | ${r.limit ? `\`${r.limit}\`` : ''} | ${r.when.replace(/\|/g, '\\|')} |`);
  return [
    '# Refusals',
    '',
    '<!-- Generated by `npm run docs` from src/http/refusals.ts: edit the table there, not this page. -->',
    '',
    'Every answer contract-mock makes on its own behalf, rather than as the API would. Each problem document carries',
    `\`type: ${TYPE_BASE}<id>\`, stable across versions.`,
    '',
    'How a refusal is answered:',
    '',
    "- On an API call to an API with its own envelope (the four built-in APIs, a document with `x-dialect`): that API's",
    '  server-error envelope at HTTP 200, as its real servers answer every error, with `X-Mock-Limit` naming the limit.',
    '  `serve --http-status mapped` answers it with the catalogue entry\'s `x-http-status`.',
    '- Otherwise (a served document without an envelope, a path no API documents, the admin API): `application/problem+json`',
    '  at the status below.',
    '- `usage` refusals (the test itself misused the mock) are always problem+json at their status.',
    '',
    '| id | status | title | kind | X-Mock-Limit | when |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
