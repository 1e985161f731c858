/**
 * The `X-Mock-*` headers: the names of those the mock adds to answers, how their values are written, and the table of
 * every header the mock reads or writes with its meaning (docs/reference/headers.md is generated from it).
 */

export const VIOLATIONS_HEADER = 'X-Mock-Violations';
export const LIMIT_HEADER = 'X-Mock-Limit';
export const ERROR_HEADER = 'X-Mock-Error';
export const SCENARIO_APPLIED_HEADER = 'X-Mock-Scenario-Applied';
export const JOURNAL_LOST_HEADER = 'X-Mock-Journal-Lost';

/** What a browser may read of an answer (CORS `Access-Control-Expose-Headers`): the session and every header above. */
export const EXPOSED_HEADERS = [
  'X-Mock-Violations',
  'X-Mock-Session',
  'X-Mock-Error',
  'X-Mock-Scenario-Applied',
  'X-Mock-Limit',
  'X-Mock-Journal-Lost',
].join(', ');

/** Header values must be Latin-1: escape everything else the JSON way. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

export interface MockHeader {
  readonly name: string;
  /** Who sends it: the client on a request, the mock on its answer, or the mock on a webhook delivery it makes. */
  readonly sentBy: 'client' | 'mock' | 'client and mock' | 'mock, on deliveries';
  readonly meaning: string;
}

/** Every header with a meaning to the mock, in the order a reader meets them. Names as written on the wire. */
export const MOCK_HEADERS: readonly MockHeader[] = [
  {
    name: 'X-Mock-Session',
    sentBy: 'client and mock',
    meaning:
      'The session a request belongs to: state, journal, scenarios and clock are kept per session, so parallel tests sharing one server never see each other. No header means session `default`. Printable ASCII, at most 128 characters; another value is refused (`bad-session-id`). Readable by browser scripts (CORS exposes it)',
  },
  {
    name: 'X-Mock-Scenario',
    sentBy: 'client',
    meaning:
      'Scenarios to apply to this one request, comma-separated (`a,b`). An unknown name is a violation on the call',
  },
  {
    name: 'Prefer',
    sentBy: 'client',
    meaning:
      'As in Prism: `code=STATUS` and/or `example=NAME` pick a documented response and example for this one request',
  },
  {
    name: 'Authorization',
    sentBy: 'client',
    meaning:
      "On the admin API of a mock started with `--admin-token T`: `Bearer T`. On the API paths it is the API's own, and masked in the journal",
  },
  {
    name: 'X-Mock-CSRF',
    sentBy: 'client',
    meaning: "The dashboard's CSRF token (from `GET /__mock/csrf`): a change made with the dashboard's cookie needs it",
  },
  {
    name: VIOLATIONS_HEADER,
    sentBy: 'mock',
    meaning:
      'On a call that broke the contract: the violations as JSON, `[{"pointer":"/body/organKind","message":"..."}]`, non-ASCII escaped',
  },
  {
    name: SCENARIO_APPLIED_HEADER,
    sentBy: 'mock',
    meaning: 'The scenario rules that changed this answer, as a JSON list of `scenario#rule`',
  },
  {
    name: LIMIT_HEADER,
    sentBy: 'mock',
    meaning:
      'Which limit refused the call (`max-held`, `max-records`, `store-unavailable` ...): the refusal catalogue (refusals.md) lists each',
  },
  {
    name: 'Retry-After',
    sentBy: 'mock',
    meaning: 'Seconds after which a refused call may succeed (store unavailable, held-answer cap, events streams)',
  },
  {
    name: ERROR_HEADER,
    sentBy: 'mock',
    meaning:
      "When a handler failed: its error message, JSON-escaped (the answer is the API's server-error envelope; the stack goes to the log)",
  },
  {
    name: JOURNAL_LOST_HEADER,
    sentBy: 'mock',
    meaning: "On journal reads: how many records this session lost to the journal's caps since it was last cleared",
  },
  {
    name: 'X-Mock-Delivery',
    sentBy: 'mock, on deliveries',
    meaning:
      'On every wx-push webhook delivery: the id of the call that caused it. A `receive` carrying it forwards nothing, and the admin API answers 403 to it, so two mocks pointing at each other stop after one hop',
  },
];
