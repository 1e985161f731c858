/**
 * The mock's HTTP pipeline for API calls: receive → match → validate → scenario → handler → respond → record,
 * each stage a plain function of the Walk (what all calls share) and the Call (what this one has learnt so far).
 * One function for all four APIs; what differs per API is its Dialect (from the spec) and its
 * handlers. Admin routes (`/__mock`) are not handled here.
 */
import { exactJson } from '../contract/exact-json.js';
import { declaredCharset, decodeBody, headerText } from '../contract/decode-body.js';
import type { HttpStatusMode } from '../contract/served-spec.js';
import { PROBLEM_TYPE, problemBody } from '../admin/problem.js';
import { requestTarget } from './request-target.js';
import iconv from 'iconv-lite';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ApiModule, Delivery, DeliveryOutcome, Handler, HandlerContext } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import { apiOf, matchRoute, type Match } from '../contract/match-route.js';
import type { ApiName, JsonObject, Operation, Violation } from '../contract/types.js';
import { validateRequest, validateResponse, parseSearch, type ParseLimits, type RequestInput } from '../contract/validate-request.js';
import type { CallRecord, ScenarioEffect } from '../journal/call-record.js';
import { applyScenarios, gatewayPage, requestedScenarios, type Decision, type ScenarioOutcome } from '../scenarios/apply-scenarios.js';
import type { ScenarioRegistry } from '../scenarios/scenario-registry.js';
import type { Fault } from '../scenarios/scenario.js';
import { StateLimitError, StoreUnavailableError, type SessionStore, type Store } from '../state/store.js';
import { sessionLock, type SessionLock } from '../state/session-lock.js';
import { DELIVERY_HEADER, deliverAll, type DeliveryOptions, type DeliverySource } from './deliver.js';
import { FakeData, hashSeed } from './fake-data.js';
import { restAnswer } from './rest-state.js';
import { challenge, checkServedResponse, errorAnswer, invalidAnswer, preferredAnswer, successAnswer, unmetSecurity, type SpecAnswer } from './spec-answer.js';

export interface Limits extends ParseLimits {
  maxBodyBytes: number;
  /** How long a request body may take to arrive. */
  requestTimeoutMs: number;
  /** Most answers held on purpose at once (`timeout` faults, scenario delays); each past it is answered at once (X-Mock-Limit: max-held). */
  maxHeld: number;
  /** Longest an answer is held on purpose: a `timeout` fault's connection is closed after it, a longer scenario delay is cut to it. */
  maxHoldMs: number;
  /** Largest answer body (characters of its JSON) an API call is answered with; a larger one is refused (serve --max-response). */
  maxResponseBytes: number;
}

/** serve --max-response: 64 MiB, four times a session's default state budget, far below what V8 can write as one string. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export const DEFAULT_LIMITS: Limits = { maxBodyBytes: 1024 * 1024, maxDepth: 32, maxFields: 1000, maxViolations: 20, requestTimeoutMs: 30_000, maxHeld: 256, maxHoldMs: 300_000, maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES };

export interface PipelineOptions {
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  store: Store;
  seed: number;
  limits: Limits;
  delivery: DeliveryOptions;
  /**
   * Called once per API call with its immutable record, before the answer is sent (the journal
   * listens here; a promise, as a shared journal's, is awaited: whoever got the answer finds the call
   * in the journal on every instance). Deliveries the call caused are then pending and reported by onDeliveries.
   */
  onCall(record: CallRecord): void | Promise<void>;
  /** The outcomes of a call's deliveries, once they have all settled. */
  onDeliveries?(record: CallRecord, outcomes: DeliveryOutcome[]): void | Promise<void>;
  /** Serialises each session's handlers; default in this process only. */
  locks?: SessionLock;
  log(message: string): void;
  scenarios?: ScenarioRegistry;
  /** How scenario delays wait; tests pass one that records instead of sleeping. */
  sleep(ms: number): Promise<void>;
  /** CORS headers for a response, as a flat name/value list. */
  corsHeaders(req: IncomingMessage): string[];
  /** `mapped`: a business error leaves with its catalogue entry's `x-http-status` instead of HTTP 200 (served-spec.ts). */
  httpStatus?: HttpStatusMode;
}

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

export const SESSION_HEADER = 'x-mock-session';
export const VIOLATIONS_HEADER = 'X-Mock-Violations';

/** `X-Mock-Session`, or `default`. Ids are printable ASCII up to 128 characters; anything else is refused upstream. */
export function sessionOf(req: IncomingMessage): string {
  const raw = req.headers[SESSION_HEADER];
  const id = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return id ? id : 'default';
}

export function validSessionId(id: string): boolean {
  return id.length <= 128 && /^[\x21-\x7e]+$/.test(id);
}

/** Header values must be Latin-1: escape everything else the JSON way. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

interface BodyRead {
  text: string | undefined;
  /** The bytes, kept only for a body in a declared charset other than UTF-8 (decode-body.ts). */
  raw?: Buffer;
  bytes: number;
  tooLarge: boolean;
  timedOut?: boolean;
}

/** A body being read, and when it must have arrived: a link in the list of reads in progress. */
interface BodyWait {
  deadline: number;
  bytes: number;
  /** Unset once the read has finished. */
  resolve: ((read: BodyRead) => void) | undefined;
  prev: BodyWait | undefined;
  next: BodyWait | undefined;
}

/**
 * Reads request bodies, answering a client that stops sending mid-body instead of holding its call
 * forever. One sweep timer serves every read in progress: a timer per request was a measurable share
 * of a small call's cost (bench/README.md). Every read has the same time limit, so deadlines come in
 * arrival order: reads in progress form a list, oldest first, that a finished read leaves at once
 * (so it is garbage while still young).
 */
function bodyReader(timeoutMs: number) {
  let oldest: BodyWait | undefined;
  let newest: BodyWait | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  const stop = (): void => {
    clearInterval(sweeper);
    sweeper = undefined;
  };
  const finish = (wait: BodyWait, read: BodyRead): void => {
    const resolve = wait.resolve;
    if (!resolve) return;
    wait.resolve = undefined;
    if (wait.prev) wait.prev.next = wait.next;
    else oldest = wait.next;
    if (wait.next) wait.next.prev = wait.prev;
    else newest = wait.prev;
    wait.prev = wait.next = undefined;
    resolve(read);
  };
  const sweep = (): void => {
    const now = performance.now();
    while (oldest && oldest.deadline <= now) finish(oldest, { text: undefined, bytes: oldest.bytes, tooLarge: false, timedOut: true });
    if (!oldest) stop();
  };
  return {
    read(req: IncomingMessage, max: number, keepRaw = false): Promise<BodyRead> {
      return new Promise((resolve) => {
        let first: Buffer | undefined;
        let chunks: Buffer[] | undefined;
        let tooLarge = false;
        const wait: BodyWait = { deadline: performance.now() + timeoutMs, bytes: 0, resolve, prev: newest, next: undefined };
        if (newest) newest.next = wait;
        else oldest = wait;
        newest = wait;
        sweeper ??= setInterval(sweep, Math.max(5, Math.min(1000, timeoutMs / 4))).unref();
        req.on('data', (chunk: Buffer) => {
          wait.bytes += chunk.length;
          // Past the limit the rest is read and dropped, so the client still gets its answer.
          if (wait.bytes > max) tooLarge = true;
          else if (!first) first = chunk;
          else (chunks ??= [first]).push(chunk);
        });
        req.on('end', () => {
          const buffer = !wait.bytes || tooLarge ? undefined : chunks ? Buffer.concat(chunks) : first!;
          finish(wait, { text: buffer?.toString('utf8'), bytes: wait.bytes, tooLarge, raw: keepRaw ? buffer : undefined });
        });
        req.on('error', () => finish(wait, { text: undefined, bytes: wait.bytes, tooLarge }));
      });
    },
    /** Stops the sweep timer (the server is closing). */
    close: stop,
  };
}

/** Request headers as the record keeps them (the journal masks credentials in every record it stores). */
function recordedHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) continue;
    out[k] = headerText(Array.isArray(v) ? v.join(', ') : v);
  }
  return out;
}

/** Bodies above this size are journaled as a preview, so a few huge calls cannot fill the journal's memory. */
export const MAX_RECORDED_BODY_BYTES = 64 * 1024;

/** The request body as the record keeps it: parsed, or a preview of its text when it is too big or too deep to keep whole. */
function keptBody(recorded: unknown, text: string | undefined, bytes: number, violations: Violation[]): unknown {
  const tooBig = (bytes > MAX_RECORDED_BODY_BYTES && typeof recorded !== 'string') || (typeof recorded === 'string' && recorded.length > MAX_RECORDED_BODY_BYTES);
  const tooDeep = violations.find((v) => v.rule === 'max-depth');
  if (!tooBig && !tooDeep) return recorded;
  return `(${bytes} bytes, not kept whole${tooDeep ? `: ${tooDeep.message}` : ''}) ${(text ?? '').slice(0, 1024)}`;
}

/**
 * Answers above this size are journaled as a preview made from the text already written for the client: the journal
 * would keep no more of them (its records are at most 256 KB), and writing and masking a large answer again for it
 * cost more than answering it (a 16 MB answer: three more JSON writes).
 */
const MAX_RECORDED_ANSWER_CHARS = 1024 * 1024;

/** What a call is answered with: one shape for handlers, scenarios and spec-driven answers. */
export type Answer = SpecAnswer;

/** `Prefer: code=200, example=tokenInvalid` (Prism's habit): a documented response example, by status and name. */
function preferredExample(op: Operation, header: string | undefined): { ok: true; status: number; body: unknown } | { ok: false; detail: string } | undefined {
  if (!header) return undefined;
  const prefs = Object.fromEntries(
    header.split(/[,;]/).map((p) => p.trim().split('=').map((x) => x.trim().replace(/^"|"$/g, '')) as [string, string]).filter(([k, v]) => k && v),
  );
  if (!prefs['code'] && !prefs['example']) return undefined;
  const responses = (op.raw['responses'] ?? {}) as Record<string, JsonObject>;
  const code = prefs['code'] ?? Object.keys(responses)[0] ?? '200';
  const media = ((responses[code]?.['content'] ?? {}) as Record<string, JsonObject>)['application/json'];
  const examples = (media?.['examples'] ?? {}) as Record<string, JsonObject>;
  const names = Object.keys(examples);
  const name = prefs['example'] ?? names[0];
  if (name && examples[name]) return { ok: true, status: Number(code) || 200, body: examples[name]['value'] };
  if (!prefs['example'] && media && 'example' in media) return { ok: true, status: Number(code) || 200, body: media['example'] };
  return { ok: false, detail: `${op.operationId} documents no response example ${name ? `"${name}" ` : ''}for code ${code}; it has: ${names.join(', ') || 'none'}.` };
}

/** `new Date().toISOString()`, computed once per millisecond (a busy mock answers several calls in one). */
let isoAt = 0;
let isoText = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== isoAt) {
    isoAt = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

type BodyReader = ReturnType<typeof bodyReader>;

/** What every stage may use, made once by createPipeline (no per-call state here). */
interface Walk {
  options: PipelineOptions;
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  limits: Limits;
  locks: SessionLock;
  bodies: BodyReader;
  /** Outgoing deliveries still running. */
  pending: Set<Promise<unknown>>;
  /** Connections held open by the `timeout` fault. */
  hanging: Set<ServerResponse>;
  /** Answers held on purpose right now (timeout faults and scenario delays), at most limits.maxHeld. */
  held: number;
}

/**
 * One call on its walk through the stages: receive fills the first part; the later stages add what
 * they learn (each field says who sets it) and record turns it into the call's CallRecord.
 */
interface Call {
  readonly req: IncomingMessage;
  readonly started: number;
  readonly time: string;
  readonly method: string;
  readonly pathname: string;
  readonly search: string;
  readonly sessionId: string;
  readonly match: Match;
  readonly session: SessionStore;
  readonly mockTime: number;
  readonly body: BodyRead;
  /** match: the operation and its API, when the path (and method) are documented. */
  op: Operation | undefined;
  api: ApiName | null;
  /** validate: the request body and query as the record shows them. */
  recordedBody: unknown;
  query: JsonObject | undefined;
  /** Every stage: how the call (and then its answer) breaks the contract. */
  violations: Violation[];
  /** scenario: the rules that applied, and the network fault to play instead of an answer. */
  applied: ScenarioEffect[];
  fault: Fault | undefined;
  /** handler: the deliveries it queued, and its place in the session's order of handlers. */
  deliveries: Delivery[];
  order: number;
  /** The call's seeded fake data, made on first use (scenario delays, the handler). */
  fake: FakeData | undefined;
  /** scenario: the call holds one of the limits.maxHeld slots (a delay, a `timeout` fault), until it lets go of it. */
  held: boolean;
  /** bounded: the answer's body as written once (JSON), for the response and the record's size check. */
  payload: string | undefined;
}

/** One writeHead with a flat header list: the cheapest way through node:http (no per-header objects). */
function writeAnswer(w: Walk, req: IncomingMessage, res: ServerResponse, answer: Answer, written?: string): void {
  const payload = answer.bytes ?? answer.text ?? written ?? exactJson.stringify(answer.body);
  const headers = w.options.corsHeaders(req);
  for (const k in answer.headers) headers.push(k, answer.headers[k]!);
  // A documented response without content (a served spec's 204) goes out without a type.
  if (payload.length !== 0) headers.push('Content-Type', answer.contentType ?? 'application/json;charset=UTF-8');
  headers.push('Content-Length', String(Buffer.byteLength(payload)));
  res.writeHead(answer.status, headers);
  res.end(payload);
}

function paramError(w: Walk, op: Operation, key: string, violations: Violation[]): JsonObject {
  const api = w.contract.apis.get(op.api)!;
  const module = w.modules.get(op.api);
  const message = module?.violationMessage?.(violations, api.dialect);
  return api.dialect.error(key, { op, message });
}

/**
 * receive (and match): the call's target, session, mock time and body. A new session past the
 * session limit is refused here, before its body is read: answered in the matched API's envelope
 * (HTTP 200 like every business answer; the header says which limit), and undefined is returned.
 */
async function receive(w: Walk, req: IncomingMessage, res: ServerResponse): Promise<Call | undefined> {
  const started = performance.now();
  const time = isoNow();
  const { method, pathname, search } = requestTarget(req);
  const sessionId = sessionOf(req);
  const match = matchRoute(w.contract.routes, method, pathname);
  let opened = w.options.store.open(sessionId);
  if (opened instanceof Promise) opened = await opened;
  if (!opened.ok) {
    req.resume();
    const api = apiOf(match);
    const dialect = api ? w.contract.apis.get(api)!.dialect : undefined;
    writeAnswer(w, req, res, {
      status: dialect && !dialect.served ? 200 : 503,
      headers: { 'Retry-After': '60', 'X-Mock-Limit': 'max-sessions' },
      body: dialect ? dialect.error(dialect.role('serverError'), { op: match.ok ? match.operation : undefined, message: `contract-mock: ${opened.reason}` }) : { error: 'session_limit', message: opened.reason },
    });
    return undefined;
  }
  const session = opened.session;
  let mockTime = session.now();
  if (mockTime instanceof Promise) mockTime = await mockTime;
  const body = await w.bodies.read(req, w.limits.maxBodyBytes, declaredCharset(req.headers['content-type']) !== undefined);
  return {
    req, started, time, method, pathname, search, sessionId, match, session, mockTime, body,
    op: undefined, api: null, recordedBody: body.text, query: undefined, violations: [], applied: [], fault: undefined, deliveries: [], order: 0, fake: undefined, held: false, payload: undefined,
  };
}

/** match's failure branches: no documented path (404), or a path without this method (the API's envelope; a served spec's 405). */
function unmatched(w: Walk, call: Call, match: Extract<Match, { ok: false }>): Answer {
  const { method, pathname } = call;
  const mounts = w.contract.mounts;
  const mounted = match.reason === 'no-route' && mounts.length ? mounts.find((m) => pathname === m.prefix || pathname.startsWith(m.prefix + '/')) : undefined;
  if (mounted) {
    // Under a served spec's servers path: that API's own 404.
    call.api = mounted.api;
    call.violations.push({ side: 'request', pointer: '', message: `no documented operation at ${method} ${pathname}`, rule: 'no-route' });
    return { status: 404, headers: {}, contentType: PROBLEM_TYPE, body: problemBody(404, 'Not Found', `${mounted.api} documents no path ${pathname}; its paths are listed by GET /__mock/specs/${encodeURIComponent(mounted.api)}.`) };
  }
  if (match.reason === 'no-route') {
    call.violations.push({ side: 'request', pointer: '', message: `no documented operation at ${method} ${pathname}`, rule: 'no-route' });
    return {
      status: 404,
      headers: {},
      body: {
        error: 'not_found',
        message: `No operation matches ${method} ${pathname}. Documented paths: GET /__mock/health lists the APIs; the specs are in specs/.`,
      },
    };
  }
  call.api = match.api;
  const dialect = w.contract.apis.get(match.api)!.dialect;
  call.violations.push({
    side: 'request',
    pointer: '',
    message: `${method} is not documented for ${match.path} (documented: ${match.allowed.join(', ')})`,
    rule: 'method',
  });
  if (dialect.served) {
    return { status: 405, headers: { Allow: match.allowed.join(', ') }, contentType: PROBLEM_TYPE, body: problemBody(405, 'Method Not Allowed', `${match.api} documents ${match.allowed.join(', ')} for ${match.path}, not ${method}.`) };
  }
  // Like every other violation, the answer says what was wrong (and, mapped, which methods are allowed).
  const headers: Record<string, string> = { [VIOLATIONS_HEADER]: asciiJson(call.violations.map(({ pointer, message }) => ({ pointer, message }))) };
  if (w.options.httpStatus === 'mapped') headers['Allow'] = match.allowed.join(', ');
  return { status: 200, headers, body: dialect.error(dialect.role('methodNotAllowed'), { message: dialect.maybeText('methodNotAllowed') }) };
}

/** validate: the typed input of a call that honours the contract, or the API's parameter error (body too large, too slow, or invalid). */
function validate(w: Walk, call: Call, op: Operation, params: Record<string, string>): RequestInput | Answer {
  const body = call.body;
  const violations = call.violations;
  const limits = w.limits;
  if (body.timedOut) {
    violations.push({ side: 'request', pointer: '/body', message: `the body did not arrive within ${limits.requestTimeoutMs} ms (${body.bytes} bytes received)`, rule: 'request-timeout' });
    return { status: w.contract.apis.get(op.api)!.dialect.httpStatus(op.paramError), headers: { Connection: 'close' }, body: paramError(w, op, op.paramError, violations) };
  }
  if (body.tooLarge) {
    violations.push({ side: 'request', pointer: '/body', message: `body of ${body.bytes} bytes is over the ${limits.maxBodyBytes}-byte limit`, rule: 'max-body' });
    call.recordedBody = `(${body.bytes} bytes, not kept)`;
    return { status: w.contract.apis.get(op.api)!.dialect.httpStatus(op.paramError), headers: {}, body: paramError(w, op, op.paramError, violations) };
  }
  if (body.raw) {
    const decoded = decodeBody(body.raw, declaredCharset(call.req.headers['content-type'])!, op.bodyKind === 'form');
    if (!decoded.ok) {
      violations.push(decoded.violation);
      return { status: w.contract.apis.get(op.api)!.dialect.httpStatus(op.paramError), headers: {}, body: paramError(w, op, op.paramError, violations) };
    }
    body.text = decoded.text;
  }
  const check = validateRequest(op, { method: call.method, search: call.search, params, contentType: call.req.headers['content-type'], body: body.text, headers: call.req.headers }, limits);
  call.recordedBody = check.input.body ?? body.text;
  call.query = check.input.query;
  violations.push(...check.violations);
  const unmet = op.spec?.security ? unmetSecurity(op, call.req.headers, check.input.query) : undefined;
  if (unmet) {
    // A served spec's security requirement not met: its 401, before the rest of the request is judged (as Prism does).
    violations.unshift({ side: 'request', pointer: '/headers', message: `no credentials for ${unmet.map((s) => `${s.name} (${s.in} ${s.key})`).join(' and ')}`, rule: 'security' });
    return errorAnswer(op, 401, 'Unauthorized', `${op.operationId} requires ${unmet.map((s) => s.name).join(' and ')}.`, errorFake(w, call, op), { 'WWW-Authenticate': challenge(unmet) });
  }
  if (!check.errorKey) return check.input;
  if (op.spec) return invalidAnswer(op, violations, errorFake(w, call, op));
  const empty = violations.some((v) => v.rule === 'required-body') ? w.contract.apis.get(op.api)!.dialect.optionalRole('emptyBody') : undefined;
  return { status: 200, headers: {}, body: paramError(w, op, empty ?? check.errorKey, violations) };
}

/** Told apart by `status`, which neither a RequestInput nor a ScenarioOutcome has. */
const isAnswer = (v: RequestInput | ScenarioOutcome | Answer): v is Answer => 'status' in v;

/** Data for a served spec's generated error bodies: seeded by session and operation (no counter: a refused call changes no state). */
function errorFake(w: Walk, call: Call, op: Operation): FakeData {
  return new FakeData(hashSeed(w.options.seed, call.sessionId, 'error', op.operationId));
}

/** The call's seeded fake data, made once, numbered by the session's call counter (a promise only when the store's counter is one). */
function fakeOf(w: Walk, call: Call): FakeData | Promise<FakeData> {
  if (call.fake) return call.fake;
  const seq = call.session.nextSeq('mock:calls');
  const made = (n: number): FakeData => (call.fake ??= new FakeData(hashSeed(w.options.seed, call.sessionId, n)));
  return typeof seq === 'number' ? made(seq) : seq.then(made);
}

/** `fn` with the call's fake data, called at once when the session's counter answers at once (no promise in between). */
function withFake<T>(w: Walk, call: Call, fn: (fake: FakeData) => Promise<T>): Promise<T> {
  const fake = fakeOf(w, call);
  return fake instanceof Promise ? fake.then(fn) : fn(fake);
}

/**
 * scenario: what this request's and the session's active scenarios say (counting their hits), or a
 * problem answer when the request names a scenario nobody loaded. Undefined without a registry.
 */
function scenario(w: Walk, call: Call, op: Operation, input: RequestInput): ScenarioOutcome | Answer | undefined | Promise<ScenarioOutcome | Answer> {
  const registry = w.options.scenarios;
  const requested = requestedScenarios(call.req.headers);
  const unknown = requested.filter((n) => !registry?.get(n));
  if (unknown.length) {
    call.violations.push({ side: 'request', pointer: '/headers/x-mock-scenario', message: `unknown scenario ${unknown.join(', ')}`, rule: 'unknown-scenario' });
    return {
      status: 400,
      headers: {},
      contentType: PROBLEM_TYPE,
      unchecked: true,
      body: problemBody(400, 'Unknown scenario', `X-Mock-Scenario names ${unknown.join(', ')}; available: ${registry?.names().join(', ') || 'none'}. See GET /__mock/scenarios.`),
    };
  }
  if (!registry) return undefined;
  const session = call.session;
  const outcome = applyScenarios(registry, {
    op, pathname: call.pathname, input, headers: call.req.headers, session, module: w.modules.get(op.api), fake: () => fakeOf(w, call), requested, exclusive: (fn) => w.locks.run(session, fn),
  });
  return outcome instanceof Promise ? outcome.then((o) => applied(w, call, op, o)) : applied(w, call, op, outcome);
}

/**
 * The scenario outcome noted on the call, after its delay (a promise only when there is one to wait). An
 * answer held on purpose (a delay, a `timeout` fault) takes one of --max-held slots; with none free the
 * call is answered at once with the API's server-error envelope, so held calls cannot pile up and take
 * every file descriptor (issue 25, finding 4). A delay is cut to --max-hold.
 */
function applied(w: Walk, call: Call, op: Operation, outcome: ScenarioOutcome): ScenarioOutcome | Answer | Promise<ScenarioOutcome> {
  call.applied = outcome.applied;
  const timeout = outcome.decision?.kind === 'fault' && outcome.decision.fault === 'timeout';
  if (outcome.delayMs <= 0 && !timeout) return outcome;
  if (w.held >= w.limits.maxHeld) return heldLimit(w, op);
  w.held++;
  call.held = true;
  if (outcome.delayMs <= 0) return outcome;
  return w.options.sleep(Math.min(outcome.delayMs, w.limits.maxHoldMs)).then(() => {
    // A `timeout` fault keeps its slot until its connection closes (respond).
    if (!timeout) unhold(w, call);
    return outcome;
  });
}

/** The call lets go of its held slot (once). */
function unhold(w: Walk, call: Call): void {
  if (!call.held) return;
  call.held = false;
  w.held--;
}

/** Every --max-held slot taken: the API's server-error envelope (HTTP 200 as its other business answers; a served spec's 503 problem), with the limit named. */
function heldLimit(w: Walk, op: Operation): Answer {
  const dialect = w.contract.apis.get(op.api)!.dialect;
  const key = dialect.served ? '503' : dialect.role('serverError');
  const message = `contract-mock: ${w.limits.maxHeld} answers are already held on purpose (timeout faults and scenario delays, --max-held); this one is answered at once, retry it later`;
  return {
    status: dialect.httpStatus(key),
    headers: { 'Retry-After': '1', 'X-Mock-Limit': 'max-held' },
    body: dialect.error(key, { op, message }),
    unchecked: true,
    ...(dialect.served && { contentType: PROBLEM_TYPE }),
  };
}

/** The scenario's decision as an answer; undefined when the handler answers (no decision, `pass`, a `malformed-json` fault, an unknown error key). */
function decide(w: Walk, call: Call, op: Operation, decision: Decision | undefined, headers: Record<string, string>): Answer | undefined {
  if (decision?.kind === 'error') {
    const dialect = w.contract.apis.get(op.api)!.dialect;
    if (dialect.entry(decision.key)) return { status: dialect.httpStatus(decision.key), headers, body: dialect.error(decision.key, { op, message: decision.message }) };
    w.options.log(`contract-mock: scenario error ${decision.key} is not in ${op.api}'s catalogue; answering normally`);
  } else if (decision?.kind === 'response') {
    return scenarioResponse(decision, headers);
  } else if (decision?.kind === 'http-error') {
    return { status: decision.status, headers: { ...headers, ...decision.headers }, body: undefined, text: gatewayPage(decision.status), contentType: 'text/html', unchecked: true };
  } else if (decision?.kind === 'fault') {
    call.fault = decision.fault;
    if (decision.fault !== 'malformed-json') return { status: 0, headers, body: undefined, unchecked: true };
  }
  return undefined;
}

/**
 * A scenario's own response (a recorded one too). A Content-Type among its headers is the one sent;
 * with it, a string body is the body as sent (an HTML page, text, a JSON text kept verbatim), any other
 * body is JSON in the charset the type declares. No body for `` or a 204/304.
 */
function scenarioResponse(decision: Extract<Decision, { kind: 'response' }>, headers: Record<string, string>): Answer {
  const own: Record<string, string> = { ...headers };
  let contentType: string | undefined;
  for (const k in decision.headers) {
    if (k.toLowerCase() === 'content-type') contentType = decision.headers[k];
    else own[k] = decision.headers[k]!;
  }
  const { status, body } = decision;
  const answer: Answer = { status, headers: own, body, unchecked: true, ...(contentType !== undefined && { contentType }) };
  if (body === '' || status === 204 || status === 304) return { ...answer, text: '' };
  if (contentType === undefined) return answer;
  const raw = typeof body === 'string' ? { text: body } : {};
  const charset = declaredCharset(contentType);
  if (!charset || !iconv.encodingExists(charset)) return { ...answer, ...raw };
  return { ...answer, ...raw, bytes: iconv.encode(typeof body === 'string' ? body : exactJson.stringify(body), charset) };
}

/**
 * handler: a `Prefer`-ed example, or the API's handler, run alone among the session's calls (so
 * read-modify-write handlers stay consistent under load). A full session answers the API's
 * server-error envelope with the limit it reached (max-records, max-state-bytes, max-store-bytes); a handler that throws, the envelope with X-Mock-Error.
 */
async function handler(w: Walk, call: Call, op: Operation, input: RequestInput, headers: Record<string, string>, flags: Record<string, unknown>): Promise<Answer> {
  const prefer = headerValue(call.req.headers['prefer']);
  if (op.spec && prefer) {
    // The call counter is state: counted under the session's lock, as every write is (without Prefer, by the handler's section).
    const chosen = preferredAnswer(op, prefer, await w.locks.run(call.session, () => Promise.resolve(fakeOf(w, call))));
    if (chosen && 'error' in chosen) return { status: 400, headers, contentType: PROBLEM_TYPE, unchecked: true, body: problemBody(400, 'No such example', chosen.error) };
    if (chosen) return { ...chosen, headers: { ...headers, ...chosen.headers } };
  }
  const preferred = op.spec ? undefined : preferredExample(op, prefer);
  if (preferred && !preferred.ok) {
    return { status: 400, headers, contentType: PROBLEM_TYPE, unchecked: true, body: problemBody(400, 'No such example', preferred.detail) };
  }
  if (preferred?.ok) return { status: preferred.status, headers, body: preferred.body };
  const dialect = w.contract.apis.get(op.api)!.dialect;
  const run = w.modules.get(op.api)?.handlers[op.operationId];
  const session = call.session;
  let result: Answer;
  try {
    // Every write to a session happens under its lock, the call counter behind the fake data too (a shared store relies on it).
    if (run) {
      const go = (fake: FakeData): Promise<unknown> => numbered(w, call, session, run, { op, input, headers: call.req.headers, session, dialect, fake, deliver: (d) => call.deliveries.push(d), flags } satisfies HandlerContext);
      result = { status: 200, headers, body: await w.locks.run(session, () => withFake(w, call, go)) };
    } else {
      // No handler (a served spec, or an operation added to a built-in spec): answered from the spec.
      result = await w.locks.run(session, () => withFake(w, call, (fake) => numbered(w, call, session, (c: Call) => fromSpec(c, op, input, fake, headers), call)));
    }
  } catch (e) {
    if (e instanceof StoreUnavailableError) throw e;
    if (e instanceof StateLimitError) {
      // A full session: the API's server-error envelope (HTTP 200, as every business answer of these APIs), with a message that says how to fix it.
      call.violations.push({ side: 'request', pointer: '', message: e.message, rule: e.rule });
      result = { status: dialect.served ? 507 : 200, headers: { ...headers, 'X-Mock-Limit': e.rule }, body: dialect.error(dialect.role('serverError'), { op, message: `contract-mock: ${e.message}` }), unchecked: true };
    } else {
      w.options.log(`contract-mock: ${op.operationId} failed: ${(e as Error).stack ?? e}`);
      result = { status: dialect.httpStatus(dialect.role('serverError')), headers: { ...headers, 'X-Mock-Error': asciiJson(String((e as Error).message)) }, body: dialect.error(dialect.role('serverError'), { op }), unchecked: dialect.served };
    }
  }
  if (call.fault === 'malformed-json') {
    // The server did its work; the answer is cut off on the way (a proxy or a crash mid-write).
    const full = result.text || exactJson.stringify(result.body ?? {});
    return { ...result, text: full.slice(0, Math.max(1, Math.floor(full.length / 2))), unchecked: true };
  }
  return result;
}

/** No handler: REST-shaped state where a served spec has that shape, else the spec's example or data generated from its schema. */
async function fromSpec(call: Call, op: Operation, input: RequestInput, fake: FakeData, headers: Record<string, string>): Promise<Answer> {
  const spec = op.spec;
  if (!spec) {
    // A built-in operation without a handler: its documented example, else data generated from its 200 schema.
    const media = (((op.raw['responses'] as Record<string, JsonObject> | undefined)?.['200']?.['content'] ?? {}) as Record<string, JsonObject>)['application/json'];
    const example = media && 'example' in media ? media['example'] : Object.values((media?.['examples'] ?? {}) as Record<string, JsonObject>)[0]?.['value'];
    return { status: 200, headers, body: example !== undefined ? structuredClone(example) : fake.fromSchema((media?.['schema'] ?? {}) as JsonObject) };
  }
  // A document that declares no success response: the mock's 200 is its own, not checked against the spec.
  const unchecked = !spec.responses.has(spec.success.status);
  if (spec.rest) {
    const outcome = await restAnswer(op, spec.rest, input, call.pathname, call.session, fake);
    if (outcome.kind === 'answer') return { ...outcome.answer, headers: { ...headers, ...outcome.answer.headers }, unchecked };
    const answer = outcome.kind === 'missing'
      ? errorAnswer(op, 404, 'Not Found', `${op.api} has no item ${outcome.id} at ${call.pathname} in this session.`, fake)
      : errorAnswer(op, 409, 'Conflict', `${op.api} already has an item ${outcome.id} at ${call.pathname}.`, fake);
    return { ...answer, headers: { ...headers, ...answer.headers } };
  }
  const answer = successAnswer(op, fake);
  return { ...answer, headers: { ...headers, ...answer.headers }, unchecked };
}

/** The handler run under the session's lock, numbered in the session's order of handlers. */
function numbered<A, T>(w: Walk, call: Call, session: SessionStore, run: (arg: A) => Promise<T>, arg: A): Promise<T> {
  const order = w.locks.next(session);
  if (typeof order === 'number') {
    call.order = order;
    return run(arg);
  }
  return order.then((n) => ((call.order = n), run(arg)));
}

/**
 * What the client should do, by what is known of the call's fate: a refused or unsent write did nothing (retry);
 * a timeout may have been applied, or be later (8 of 128 such calls were, in a 9 s SIGSTOP: a blind retry duplicates); a call
 * whose record failed was applied (its handler's writes were confirmed before the record was sent).
 */
function storeAdvice(e: StoreUnavailableError, recording: boolean): string {
  if (recording) return 'the call was applied (its changes are kept) but its record may be missing from the journal; do not retry it';
  if (e.outcome === 'not-applied') return 'the call was not served, retry it';
  return 'the outcome is unknown: the call may have been applied, or be applied once Redis answers again; check the session (GET /__mock/state) before retrying it';
}

/**
 * The answer when the shared store did not answer in time, is unreachable or refuses commands: the API's
 * server-error envelope with `X-Mock-Limit: store-unavailable` (a 503 off the documented paths).
 */
function storeUnavailable(w: Walk, req: IncomingMessage, res: ServerResponse, e: StoreUnavailableError, recording: boolean): void {
  if (res.headersSent || res.destroyed) return;
  req.resume();
  const { method, pathname } = requestTarget(req);
  const match = matchRoute(w.contract.routes, method, pathname);
  const api = apiOf(match);
  const dialect = api ? w.contract.apis.get(api)!.dialect : undefined;
  const message = `contract-mock: the store is unavailable (${e.message}); ${storeAdvice(e, recording)}`;
  writeAnswer(w, req, res, {
    status: dialect ? 200 : 503,
    headers: { 'Retry-After': '1', 'X-Mock-Limit': 'store-unavailable' },
    body: dialect ? dialect.error(dialect.role('serverError'), { op: match.ok ? match.operation : undefined, message }) : { error: 'store_unavailable', message },
  });
}

/** match → validate → scenario → handler: the answer to a received call, its violations of the contract noted on the call. */
async function answerCall(w: Walk, call: Call): Promise<Answer> {
  const match = call.match;
  if (!match.ok) return unmatched(w, call, match);
  const op = match.operation;
  call.op = op;
  call.api = op.api;
  const validated = validate(w, call, op, match.params);
  let answer: Answer;
  if (isAnswer(validated)) answer = validated;
  else {
    let outcome = scenario(w, call, op, validated);
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome && isAnswer(outcome)) answer = outcome;
    else {
      const applied = call.applied;
      const headers: Record<string, string> = applied.length ? { 'X-Mock-Scenario-Applied': asciiJson(applied.map((a) => `${a.scenario}#${a.rule}`)) } : {};
      answer = decide(w, call, op, outcome?.decision, headers) ?? (await handler(w, call, op, validated, headers, outcome?.flags ?? {}));
    }
  }
  const violations = call.violations;
  if (violations.length) answer.headers[VIOLATIONS_HEADER] = asciiJson(violations.slice(0, 5).map(({ pointer, message }) => ({ pointer, message })));
  if (!answer.unchecked) violations.push(...(op.spec ? checkServedResponse(op, answer.status, answer.body, answer.text) : validateResponse(op, answer.body)));
  return answer;
}

/**
 * The answer's body written once, before it is recorded: an answer larger than --max-response (or than V8 can write
 * as one string) is refused in the API's server-error envelope with `X-Mock-Limit: max-response`, and recorded as such.
 */
function bounded(w: Walk, call: Call, answer: Answer): Answer {
  const max = w.limits.maxResponseBytes;
  let size: number;
  if (answer.bytes !== undefined || answer.text !== undefined) size = (answer.bytes ?? answer.text)!.length;
  else {
    try {
      // undefined for no body (a network fault's answer, which is never written).
      const payload: string | undefined = exactJson.stringify(answer.body);
      call.payload = payload;
      size = payload?.length ?? 0;
    } catch (e) {
      // Only a body too large to write is expected here (RangeError: Invalid string length); anything else is a bug.
      if (!(e instanceof RangeError)) throw e;
      size = Infinity;
    }
  }
  if (size <= max) return answer;
  // The refusal goes out instead: its own body is written when it is sent.
  call.payload = undefined;
  const message = `the answer to ${call.op?.operationId ?? `${call.method} ${call.pathname}`} would be ${size === Infinity ? 'larger than the mock can write' : `${size} bytes`}, over the response limit of ${max} bytes; delete records or reset the session (POST /__mock/reset), or start serve with a larger --max-response`;
  call.violations.push({ side: 'response', pointer: '', message, rule: 'max-response' });
  const dialect = call.api ? w.contract.apis.get(call.api)!.dialect : undefined;
  const headers = { ...answer.headers, 'X-Mock-Limit': 'max-response' };
  if (!dialect) return { status: 507, headers, contentType: PROBLEM_TYPE, unchecked: true, body: problemBody(507, 'Response too large', `contract-mock: ${message}`) };
  return { status: dialect.served ? 507 : 200, headers, body: dialect.error(dialect.role('serverError'), { op: call.op, message: `contract-mock: ${message}` }), unchecked: true };
}

/** `serve --http-status mapped`: a business envelope leaves with its catalogue entry's `x-http-status` (before it is recorded). */
function mapStatus(w: Walk, call: Call, answer: Answer): Answer {
  if (w.options.httpStatus === 'mapped' && call.api && answer.status === 200 && answer.text === undefined) {
    const dialect = w.contract.apis.get(call.api)!.dialect;
    if (!dialect.served) answer.status = dialect.mappedStatusOf(answer.body);
  }
  return answer;
}

/** respond: the answer written, or the scenario's network fault played instead. */
function respond(w: Walk, call: Call, res: ServerResponse, answer: Answer): void {
  const fault = call.fault;
  if (!fault || fault === 'malformed-json') writeAnswer(w, call.req, res, answer, call.payload);
  else if (fault === 'connection-reset') call.req.socket.resetAndDestroy();
  else if (fault === 'empty-response') call.req.socket.destroy();
  else hang(w, call, res);
}

/**
 * The `timeout` fault: the connection is held, unanswered, until the client gives up or --max-hold has
 * passed (then it is closed without an answer, as an upstream that never answers is cut by its gateway).
 * The call's held slot goes with the connection.
 */
function hang(w: Walk, call: Call, res: ServerResponse): void {
  const socket = call.req.socket;
  if (res.destroyed || socket.destroyed) return unhold(w, call);
  w.hanging.add(res);
  const timer = setTimeout(() => socket.destroy(), w.limits.maxHoldMs).unref();
  res.once('close', () => {
    clearTimeout(timer);
    w.hanging.delete(res);
    unhold(w, call);
  });
}

/**
 * The handler's deliveries, run after the answer was sent and its record written (at most
 * --max-deliveries of them, to allowed destinations); tracked so shutdown can wait for them.
 */
function runDeliveries(w: Walk, record: CallRecord, list: Delivery[], at: number, source: DeliverySource): Promise<void> {
  const p = deliverAll(list, at, w.options.delivery, source).then((outcomes) => w.options.onDeliveries?.(record, outcomes));
  w.pending.add(p);
  void p.finally(() => w.pending.delete(p));
  return p;
}

/** Where a call that delivers came in (its port is the mock's own, whoever listens) and whether it was a delivery itself. */
function deliverySource(callId: string, req: IncomingMessage): DeliverySource {
  const { localAddress, localPort } = req.socket;
  const marker = req.headers[DELIVERY_HEADER];
  return {
    callId,
    ...(localAddress !== undefined && localPort !== undefined && { arrivedAt: { address: localAddress, port: localPort } }),
    ...(marker !== undefined && { marker: headerValue(marker) }),
  };
}

/**
 * record: the call's one immutable CallRecord, handed to onCall (the journal masks secrets and keeps it
 * within its budget); bodies too big or too deep to keep whole are a preview. Deliveries are pending.
 */
function record(w: Walk, call: Call, answer: Answer): CallRecord {
  const { req, body, recordedBody, fault } = call;
  const dialect = call.api ? w.contract.apis.get(call.api)!.dialect : undefined;
  return {
    id: randomUUID(),
    time: call.time,
    mockTime: call.mockTime,
    session: call.sessionId,
    api: call.api,
    operationId: call.op?.operationId ?? null,
    method: call.method,
    path: call.pathname,
    query: call.query ?? parseSearch(call.search, w.limits, [], '/query'),
    request: { headers: recordedHeaders(req.headers), body: keptBody(recordedBody, body.text, body.bytes, call.violations) },
    response: {
      status: fault && fault !== 'malformed-json' ? 0 : answer.status,
      // The content type is recorded when it is not the API's JSON (an HTML page, problem+json), so exports can say what was sent.
      headers: answer.contentType ? { ...answer.headers, 'content-type': answer.contentType } : answer.headers,
      body: answer.text !== undefined ? answer.text : call.payload !== undefined && call.payload.length > MAX_RECORDED_ANSWER_CHARS ? `(${Buffer.byteLength(call.payload)} bytes, not kept whole) ${call.payload.slice(0, 1024)}` : answer.body,
      code: dialect && answer.text === undefined ? dialect.codeOf(answer.body) ?? null : null,
      fault,
    },
    durationMs: Math.round((performance.now() - call.started) * 1000) / 1000,
    // Absent (undefined, so not serialised) when no handler ran.
    order: call.order || undefined,
    violations: call.violations,
    scenarios: call.applied,
    deliveries: call.deliveries.map((d) => ({ url: d.url, at: call.mockTime, ok: false, durationMs: 0, pending: true })),
  };
}

export function createPipeline(options: PipelineOptions) {
  const w: Walk = {
    options,
    contract: options.contract,
    modules: options.modules,
    limits: options.limits,
    locks: options.locks ?? sessionLock(),
    bodies: bodyReader(options.limits.requestTimeoutMs),
    pending: new Set(),
    hanging: new Set(),
    held: 0,
  };

  /**
   * One API call's walk: receive → match → validate → scenario → handler → record → respond. The
   * record is journaled before the answer is sent, so whoever got the answer finds the call in the
   * journal (kill -9 after the answer loses nothing); delivery outcomes follow once they settle.
   */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let recording = false;
    let call: Call | undefined;
    try {
      call = await receive(w, req, res);
      if (!call) return;
      const answer = bounded(w, call, mapStatus(w, call, await answerCall(w, call)));
      // Journaled before the answer goes out, so a call its client saw answered is in the journal (on
      // disk, or in Redis for every instance; kill -9 right after loses nothing); delivery outcomes follow.
      const recorded = record(w, call, answer);
      recording = true;
      const journaled = options.onCall(recorded);
      if (journaled) await journaled;
      // Read before the answer goes out: the socket may close with it, and its local address with it.
      const source = call.deliveries.length ? deliverySource(recorded.id, req) : undefined;
      respond(w, call, res, answer);
      if (source) await runDeliveries(w, recorded, call.deliveries, call.mockTime, source);
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
      storeUnavailable(w, req, res, e, recording);
    } finally {
      // A held slot not handed to a held connection (respond) is free again: after a delay's answer, or a failure.
      if (call?.held && !w.hanging.has(res)) unhold(w, call);
    }
  }

  return {
    handle,
    /** Connections held open by the `timeout` fault; closed on shutdown. */
    hanging: (): Set<ServerResponse> => w.hanging,
    /** Answers held on purpose right now (timeout faults and scenario delays; at most --max-held). */
    held: (): number => w.held,
    /** Stops the pipeline's timers (the server is closing). */
    close(): void {
      w.bodies.close();
    },
    /** Resolves when every outgoing delivery started so far has settled (tests, graceful shutdown). */
    async settled(): Promise<void> {
      while (w.pending.size) await Promise.allSettled([...w.pending]);
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
