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

function entry(
  id: string,
  status: number,
  title: string,
  kind: RefusalKind,
  when: string,
  extra: { limit?: string; retryAfter?: number } = {},
): Refusal {
  return { id, status, title, kind, when, type: TYPE_BASE + id, ...extra };
}

export const REFUSALS = {
  maxSessions: entry(
    'max-sessions',
    503,
    'Session limit',
    'limit',
    'A new session past serve --max-sessions while every session is in use; retry later or raise the flag.',
    { limit: 'max-sessions', retryAfter: 60 },
  ),
  maxHeld: entry(
    'max-held',
    503,
    'Too many held answers',
    'limit',
    'Every --max-held slot is taken by timeout faults and scenario delays (proxy: calls in flight); the call is answered at once.',
    { limit: 'max-held', retryAfter: 1 },
  ),
  maxRecords: entry(
    'max-records',
    507,
    'Session full',
    'limit',
    'A write past serve --max-records records in one session; delete records or reset the session.',
    { limit: 'max-records' },
  ),
  maxStateBytes: entry(
    'max-state-bytes',
    507,
    'Session full',
    'limit',
    "A write that would take one session's records past serve --max-state-bytes.",
    { limit: 'max-state-bytes' },
  ),
  maxStoreBytes: entry(
    'max-store-bytes',
    507,
    'Store full',
    'limit',
    "A write that would take every session's records past serve --max-store-bytes.",
    { limit: 'max-store-bytes' },
  ),
  maxResponse: entry(
    'max-response',
    507,
    'Response too large',
    'limit',
    'An answer larger than serve --max-response (or than the mock can write); delete records or reset the session.',
    { limit: 'max-response' },
  ),
  bodyTooLarge: entry(
    'max-body',
    413,
    'Body too large',
    'limit',
    "A request body over --max-body the proxy does not forward (serve answers it as the API's parameter error).",
    { limit: 'max-body' },
  ),
  storeUnavailable: entry(
    'store-unavailable',
    503,
    'Store unavailable',
    'failure',
    'The shared store (Redis) did not answer in time or refused the command; the message says whether the call was applied.',
    { limit: 'store-unavailable', retryAfter: 1 },
  ),
  handlerFailed: entry(
    'handler-failed',
    500,
    'Handler failed',
    'failure',
    "The operation's handler threw; X-Mock-Error carries its message and the mock's log its stack. The server keeps running.",
  ),
  noRoute: entry(
    'no-route',
    404,
    'Not Found',
    'route',
    "No documented operation matches the path; under a served document's mount, that document's own 404; a served document's path called without its mount, a 404 naming the mounted path.",
  ),
  unknownScenario: entry(
    'unknown-scenario',
    400,
    'Unknown scenario',
    'usage',
    'X-Mock-Scenario names a scenario nobody loaded; GET /__mock/scenarios lists them.',
  ),
  noSuchExample: entry(
    'no-such-example',
    400,
    'No such example',
    'usage',
    'Prefer names a response code or example the operation does not document.',
  ),
  badSessionId: entry(
    'bad-session-id',
    400,
    'Bad session id',
    'usage',
    'X-Mock-Session is not 1-128 printable ASCII characters without spaces.',
  ),
  headersTooLarge: entry(
    'headers-too-large',
    431,
    'Headers too large',
    'usage',
    'Request headers over serve --max-header-size (an API the path names answers in its envelope).',
  ),
  malformedRequest: entry(
    'malformed-request',
    400,
    'Bad request',
    'usage',
    'A request node:http cannot parse (an API the path names answers in its envelope).',
  ),
  requestTimeout: entry(
    'request-timeout',
    408,
    'Request timeout',
    'usage',
    'The request headers or an admin body did not arrive in time.',
  ),
  hostRefused: entry(
    'host-not-allowed',
    403,
    'Host not allowed',
    'admin',
    'A Host header that is not localhost, an IP address, the listen address nor a serve --allow-host name (DNS rebinding).',
  ),
  adminRoute: entry(
    'unknown-admin-route',
    404,
    'Unknown admin route',
    'admin',
    'No admin route at this method and path; the message lists them.',
  ),
  adminToken: entry(
    'admin-token-required',
    401,
    'Admin token required',
    'admin',
    'serve --admin-token is set and the request has no matching Authorization: Bearer token.',
  ),
  originRefused: entry(
    'origin-not-allowed',
    403,
    'Origin not allowed',
    'admin',
    "A browser origin that is not the dashboard's own nor a serve --cors-origin.",
  ),
  crossOrigin: entry(
    'cross-origin-refused',
    403,
    'Cross-origin admin request refused',
    'admin',
    'A cross-site write to the admin API (a foreign Origin, Referer or Sec-Fetch-Site).',
  ),
  csrfToken: entry(
    'csrf-token-required',
    403,
    'CSRF token required',
    'admin',
    'A dashboard write without the token GET /__mock/csrf hands out.',
  ),
  jsonRequired: entry(
    'json-required',
    415,
    'JSON or an X-Mock header required',
    'admin',
    'A browser write to the admin API that is neither JSON nor carries an X-Mock-* header (what a plain HTML form cannot send).',
  ),
  deliveryRefused: entry(
    'delivery-refused',
    403,
    'Delivery refused by the admin API',
    'admin',
    'A webhook delivery (X-Mock-Delivery) aimed at the admin API: deliveries never reach it.',
  ),
  bodyLimits: entry(
    'body-over-limits',
    400,
    'Body over the limits',
    'admin',
    'An admin body deeper or with more fields than the limits; nothing was changed.',
  ),
  badBody: entry(
    'bad-admin-body',
    400,
    'Bad request',
    'admin',
    "An admin body that could not be read (not JSON, too large, a wrong charset); the status is the reader's (400, 413, 415).",
  ),
  unknownFilter: entry(
    'unknown-filter',
    400,
    'Unknown filter',
    'admin',
    'A query parameter that is not a filter of the journal route.',
  ),
  badFilter: entry(
    'bad-filter',
    400,
    'Bad filter',
    'admin',
    'A journal filter given twice or with a value it cannot take (limit, since).',
  ),
  badVerification: entry(
    'bad-verification-request',
    400,
    'Bad verification request',
    'admin',
    'POST /__mock/verify with a body it cannot read.',
  ),
  unknownOperation: entry(
    'unknown-operation',
    400,
    'Unknown operation',
    'admin',
    'POST /__mock/verify names an operationId no served API documents.',
  ),
  badClock: entry(
    'bad-clock-request',
    400,
    'Bad clock request',
    'admin',
    'POST /__mock/clock without advanceSeconds >= 0, or one that would pass 100 years.',
  ),
  stateUnknownApi: entry(
    'state-unknown-api',
    400,
    'Unknown API',
    'admin',
    "Seeded state (POST /__mock/state, a scenario's given, a provider state) names an API that is not served.",
  ),
  unknownCollection: entry(
    'unknown-collection',
    400,
    'Unknown collection',
    'admin',
    'Seeded state names a collection the API does not have.',
  ),
  badState: entry(
    'bad-state',
    400,
    'Bad state',
    'admin',
    'Seeded state that does not map collections to arrays of records.',
  ),
  badRecord: entry(
    'bad-record',
    400,
    'Bad record',
    'admin',
    'A seeded record that is not an object or breaks the item schema.',
  ),
  seedOverLimit: entry(
    'seed-over-limit',
    400,
    'Session full',
    'admin',
    'Seeded state that would take the session past --max-records or a byte budget; nothing was written.',
  ),
  unknownApi: entry('unknown-api', 404, 'Unknown API', 'admin', 'An admin path names an API that is not served.'),
  unknownFormat: entry(
    'unknown-format',
    400,
    'Unknown format',
    'admin',
    'GET /__mock/specs/API with a format other than json or yaml.',
  ),
  badActivation: entry(
    'bad-activation',
    400,
    'Bad activation',
    'admin',
    'POST /__mock/scenarios/activate without a scenario name.',
  ),
  noSuchScenario: entry(
    'no-such-scenario',
    404,
    'Unknown scenario',
    'admin',
    'Activating or deactivating a scenario nobody loaded.',
  ),
  notActive: entry(
    'not-active',
    404,
    'Not active',
    'admin',
    'Deactivating a scenario that is not active in the session.',
  ),
  scenarioSeed: entry(
    'scenario-seed-failed',
    422,
    'Scenario state could not be seeded',
    'admin',
    "An activated scenario's given state does not fit the session.",
  ),
  badProviderState: entry(
    'bad-provider-state',
    400,
    'Bad provider state',
    'admin',
    'POST /__mock/pact/states without a state name or with an action other than setup or teardown.',
  ),
  eventClients: entry(
    'too-many-event-clients',
    503,
    'Too many event clients',
    'admin',
    'Every GET /__mock/events slot is taken (64 streams, or 4 MB waiting for one).',
    { retryAfter: 10 },
  ),
  noDashboardFile: entry(
    'no-dashboard-file',
    404,
    'No such dashboard file',
    'admin',
    'A path under /__mock/ui that is not a file of the dashboard.',
  ),
  dashboardFileRefused: entry(
    'dashboard-file-refused',
    403,
    'Dashboard file refused',
    'admin',
    "A dashboard path the file server refuses (a dot file, a malformed path); the status is the file server's.",
  ),
  adminFailed: entry(
    'admin-failed',
    500,
    'Admin error',
    'admin',
    'The admin API failed on the request; the error is in the log.',
  ),
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
  const rows = Object.values(REFUSALS).map(
    (r) =>
      `| \`${r.id}\` | ${r.status} | ${r.title} | ${r.kind} | ${r.limit ? `\`${r.limit}\`` : ''} | ${r.when.replace(/\|/g, '\\|')} |`,
  );
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
    "  `serve --http-status mapped` answers it with the catalogue entry's `x-http-status`.",
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
