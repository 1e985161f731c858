/**
 * The validating proxy: forwards every request to a real server, checks request and response
 * against the contract, journals both through the same admin API as the mock (`/__mock/calls`,
 * `/violations`, `/verify`, `/events` ...), and can save the traffic as a replayable scenario file.
 */
import { requestTarget } from '../mock/request-target.js';
import { textIn } from '../contract/decode-body.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import express from 'express';
import { stringify as toYaml } from 'yaml';
import type { Contract } from '../contract/compile-contract.js';
import { apiOf, matchRoute } from '../contract/match-route.js';
import type { ApiName, JsonObject, Operation, Violation } from '../contract/types.js';
import { parseSearch, validateRequest, DEFAULT_PARSE_LIMITS } from '../contract/validate-request.js';
import { journalRoutes } from '../admin/journal-routes.js';
import { eventRoutes } from '../admin/event-routes.js';
import { mountAdminRoutes } from '../admin/mount-admin-routes.js';
import { sessionRoutes } from '../admin/state-routes.js';
import { writeRefusal } from '../http/problem.js';
import { adminGuard, isAdminPath, type AdminGuardOptions } from '../admin/admin-guard.js';
import { answerReady, isReadyRequest } from '../admin/ready.js';
import { SecretMask } from '../journal/secret-mask.js';
import { OutputMask } from '../journal/output-mask.js';
import { writePrivateFile } from '../journal/write-private-file.js';
import { Journal, DEFAULT_JOURNAL, type JournalOptions } from '../journal/journal.js';
import { MemoryStore } from '../state/memory-store.js';
import { StoreUnavailableError, systemClock } from '../state/store.js';
import type { CallRecord } from '../journal/call-record.js';
import { asciiJson } from '../http/mock-headers.js';
import { REFUSALS } from '../http/refusals.js';
import { refuse } from '../pipeline/refuse.js';
import { sessionOf } from '../http/session-header.js';
import { packageVersion } from '../mock/package-version.js';
import { checkResponse } from './check-response.js';
import type { Rule } from '../scenarios/scenario.js';

export interface ProxyOptions {
  contract: Contract;
  target: string;
  journal?: Partial<JournalOptions>;
  /** Save the traffic as a scenario file that replays the recorded answers in order (0600, secrets masked). */
  record?: string;
  /** Record secrets and tokens as sent (proxy --keep-secrets), for a recording meant to replay real credentials. */
  keepSecrets?: boolean;
  /** Largest request body forwarded, and most of an upstream answer buffered to validate it (larger ones are relayed as they stream, unvalidated). */
  maxBodyBytes?: number;
  /** Longest wait for the upstream's whole answer. */
  timeoutMs?: number;
  /** Most calls in flight at once (waiting on the upstream or relaying its answer); each past it is answered at once (X-Mock-Limit: max-held). */
  maxHeld?: number;
  log?: (message: string) => void;
  /** The same admin-API guards as serve: token, CORS origins, accepted Host names, the listen address. */
  guard?: AdminGuardOptions;
}

export const DEFAULT_PROXY_MAX_BODY = 10 * 1024 * 1024;
export const DEFAULT_PROXY_MAX_HELD = 256;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

/** The request headers sent on to the upstream (and journaled): all but the hop-by-hop ones. */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return headers;
}

/** The request body, or how many bytes it had when it is over `max` (the rest is read and dropped). */
function readAll(req: IncomingMessage, max: number): Promise<{ ok: true; raw: Buffer | undefined } | { ok: false; bytes: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= max) chunks.push(c);
    });
    req.on('end', () => resolve(n > max ? { ok: false, bytes: n } : { ok: true, raw: Buffer.concat(chunks) }));
    req.on('error', () => resolve({ ok: true, raw: undefined }));
  });
}

/**
 * An upstream answer: whole (within the buffer bound, so it can be validated and recorded), or relayed to
 * the client as it streamed because it was larger (issue 25, finding 10: a 700 MB answer buffered whole
 * took the proxy to 2.2 GB). A relayed answer keeps only its first bytes, as a preview.
 */
type UpstreamBody =
  | { kind: 'whole'; bytes: Buffer }
  | { kind: 'relayed'; bytes: number; preview: Buffer; broken?: string };

const PREVIEW_BYTES = 1024;

/**
 * Reads the upstream body into memory up to `max` bytes. Past that, the status and headers go to the
 * client with what was read, and the rest follows as it arrives (backpressure from the client, the
 * upstream read cancelled if the client goes away): at most `max` plus one chunk is ever held.
 */
async function readOrRelay(body: ReadableStream<Uint8Array> | null, max: number, res: ServerResponse, clientLeft: () => boolean, head: () => void): Promise<UpstreamBody> {
  if (!body) return { kind: 'whole', bytes: Buffer.alloc(0) };
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { kind: 'whole', bytes: Buffer.concat(chunks, n) };
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    n += value.byteLength;
    if (n > max) break;
  }
  const preview = Buffer.concat(chunks, n).subarray(0, PREVIEW_BYTES);
  // The upstream's own failure; a read cut because the client left (which aborts the exchange) is not one.
  let upstreamFailed: (Error & { cause?: Error }) | undefined;
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield* chunks.splice(0);
      for (;;) {
        const { done, value } = await reader.read().catch((e: Error & { cause?: Error }) => {
          if (!clientLeft()) upstreamFailed = e;
          throw e;
        });
        if (done) return;
        n += value.byteLength;
        yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
    } finally {
      void reader.cancel().catch(() => {});
    }
  }
  head();
  try {
    await pipeline(Readable.from(rest(), { objectMode: false }), res);
    return { kind: 'relayed', bytes: n, preview };
  } catch {
    const broken = upstreamFailed ? `the upstream answer broke off: ${upstreamFailed.cause?.message ?? upstreamFailed.message}` : 'the client closed the connection';
    return { kind: 'relayed', bytes: n, preview, broken };
  }
}

/** Status and headers of an answer on its way back (the upstream's, but hop-by-hop ones). */
function writeHead(res: ServerResponse, status: number, headers: Record<string, string>, contentType: string | undefined): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (contentType) res.setHeader('content-type', contentType);
}

/** The upstream's answer (its body whole, or relayed past the buffer bound), or why there is none. */
type Exchanged =
  | { kind: 'answer'; status: number; contentType: string | undefined; headers: Record<string, string>; body: UpstreamBody }
  | { kind: 'failed'; clientLeft: boolean; message: string };

/**
 * One call to the upstream, bounded in time (`timeoutMs` for the whole answer) and stopped when the
 * client leaves. One controller ends it either way (AbortSignal.any needs node 20.3).
 */
async function exchange(url: string, init: { method: string; headers: Record<string, string>; body: Buffer | undefined }, res: ServerResponse, maxBody: number, timeoutMs: number): Promise<Exchanged> {
  const ends = new AbortController();
  let left = false;
  const timer = setTimeout(() => ends.abort(new DOMException(`no whole answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs).unref();
  res.once('close', () => {
    left = !res.writableFinished;
    ends.abort();
  });
  try {
    const up = await fetch(url, { ...init, redirect: 'manual', signal: ends.signal });
    const contentType = up.headers.get('content-type') ?? undefined;
    const headers: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') headers[k] = v;
    });
    const body = await readOrRelay(up.body, maxBody, res, () => left, () => writeHead(res, up.status, headers, contentType));
    return { kind: 'answer', status: up.status, contentType, headers, body };
  } catch (e) {
    const err = e as Error & { cause?: Error };
    return { kind: 'failed', clientLeft: left, message: err.cause?.message ?? err.message };
  } finally {
    clearTimeout(timer);
  }
}

/** The request predicates a recorded rule replays on: operation, path, query, and the body's scalar fields but tokens. */
function recordedWhen(op: Operation, path: string, query: JsonObject, body: JsonObject | undefined): Rule['when'] {
  const tokenField = op.auth?.name;
  const scalars = (o: JsonObject | undefined): JsonObject | undefined => {
    if (!o) return undefined;
    const out = Object.fromEntries(Object.entries(o).filter(([k, v]) => k !== tokenField && k !== 'access_token' && (v === null || typeof v !== 'object')));
    return Object.keys(out).length ? out : undefined;
  };
  const q = scalars(query);
  const b = scalars(body);
  return { operationId: op.operationId, path, ...(q && { query: q }), ...(b && { body: b }) } as Rule['when'];
}

/**
 * The answer a recorded rule replays: the upstream's status and its one Content-Type; the body as parsed
 * JSON when it parsed, else the text as sent (an HTML gateway page, text/plain, broken JSON), `` for none.
 */
function recordedThen(status: number, contentType: string | undefined, text: string, parsed: unknown): NonNullable<Rule['then']> {
  if (text === '') return { status, body: '' };
  const headers = { 'content-type': contentType ?? 'application/octet-stream' };
  return { status, body: typeof parsed === 'string' ? text : parsed, headers };
}

export function createProxy(options: ProxyOptions): { server: Server; journal: Journal; listener: (req: IncomingMessage, res: ServerResponse) => void } {
  const { contract } = options;
  const target = options.target.replace(/\/+$/, '');
  const journal = new Journal({ ...DEFAULT_JOURNAL, mask: new SecretMask(undefined, options.contract.secretNames), ...options.journal });
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const recorded: Rule[] = [];

  const admin = express();
  admin.disable('x-powered-by');
  const router = express.Router();
  router.use(express.json({ limit: '5mb' }));
  // The route table's journal rows, and health (the proxy's own); ready and csrf are answered in front (listener, guard).
  mountAdminRoutes(
    router,
    {
      'GET /health': (_req, res) => void res.json({ status: 'ok', mode: 'proxy', target, version: packageVersion(), journal: journal.stats() }),
      ...journalRoutes(journal, packageVersion(), new Set(options.contract.operations.map((op) => op.operationId))),
      ...eventRoutes(journal),
      ...sessionRoutes(new MemoryStore({ clock: systemClock, seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }) }), journal),
    },
    { complete: false, notFound: (req, list) => `${req.method} /__mock${req.path} is not served by the proxy (it serves ${list}).` },
  );
  admin.use('/__mock', router);

  /** Journals a relayed call; one its --journal file could not take (a full disk) is not kept, and health's journal.fileError says why. */
  function keep(record: CallRecord): void {
    try {
      journal.append(record);
    } catch (e) {
      if (!(e instanceof StoreUnavailableError)) throw e;
    }
  }

  function saveRecording(): void {
    if (!options.record) return;
    const name = basename(options.record).replace(/\.ya?ml$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '') || 'recorded';
    const scenario = { name, description: `Traffic recorded by contract-mock proxy from ${target}; replays each answer once, in order.`, rules: recorded };
    writePrivateFile(options.record, toYaml(scenario, { lineWidth: 0 }));
  }
  const recordMask = options.keepSecrets ? undefined : new OutputMask(new SecretMask(undefined, contract.secretNames));
  /**
   * A rule as the recording keeps it: unless --keep-secrets, its predicates leave out every field holding a secret
   * (so the rule matches whatever secret a replaying client sends) and its answer and description are masked.
   */
  function recordedRule(rule: Rule): Rule {
    if (!recordMask) return rule;
    const kept = (o: JsonObject | undefined): JsonObject | undefined => {
      if (!o) return undefined;
      const out = Object.fromEntries(Object.entries(o).filter(([k, v]) => recordMask.value({ [k]: v })[k] === v));
      return Object.keys(out).length ? out : undefined;
    };
    const { query, body, ...when } = rule.when as Rule['when'] & { query?: JsonObject; body?: JsonObject };
    const q = kept(query);
    const b = kept(body);
    return { ...rule, description: recordMask.text(rule.description ?? ''), when: { ...when, ...(q && { query: q }), ...(b && { body: b }) } as Rule['when'], then: recordMask.value(rule.then) };
  }

  const maxBody = options.maxBodyBytes ?? DEFAULT_PROXY_MAX_BODY;
  const maxHeld = options.maxHeld ?? DEFAULT_PROXY_MAX_HELD;
  /** Calls in flight right now (from arrival until their answer is sent), at most maxHeld. */
  let held = 0;

  /**
   * An answer the proxy gives itself, without the upstream, in the matched API's envelope (a served
   * document's problem; plain JSON off the documented paths), journaled like every call.
   */
  function answerHere(req: IncomingMessage, res: ServerResponse, started: number, role: 'serverError' | 'paramError', message: string, violations: Violation[]): void {
    req.resume();
    const { method, pathname, search } = requestTarget(req);
    const match = matchRoute(contract.routes, method, pathname);
    const api = apiOf(match) ?? null;
    const op = match.ok ? match.operation : undefined;
    const dialect = api ? contract.apis.get(api)!.dialect : undefined;
    // A parameter error keeps the catalogue's message (the reason goes in X-Mock-Violations, as serve says it).
    const answer = role === 'paramError' && dialect && op
      ? { status: dialect.httpStatus(op.paramError), headers: {}, body: dialect.error(op.paramError, { op }) as unknown }
      : refuse(dialect, role === 'paramError' ? REFUSALS.bodyTooLarge : REFUSALS.maxHeld, message, op);
    const { status, body } = answer;
    const headers: Record<string, string> = { 'content-type': answer.contentType ?? 'application/json' };
    for (const k in answer.headers) headers[k.toLowerCase()] = answer.headers[k]!;
    if (violations.length) headers['x-mock-violations'] = asciiJson(violations.map(({ pointer, message }) => ({ pointer, message })));
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    journal.append({
      id: randomUUID(), time: new Date().toISOString(), mockTime: Date.now(), session: sessionOf(req), api, operationId: op?.operationId ?? null,
      method, path: pathname, query: parseSearch(search, DEFAULT_PARSE_LIMITS, [], '/query'), request: { headers: forwardedHeaders(req), body: undefined },
      response: { status, headers, body, code: dialect?.codeOf(body) ?? null }, durationMs: Math.round((performance.now() - started) * 1000) / 1000, violations, scenarios: [], deliveries: [],
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (held >= maxHeld) {
      const message = `contract-mock proxy: ${maxHeld} calls are already in flight to ${target} (--max-held); this one is answered at once, retry it later`;
      return answerHere(req, res, performance.now(), 'serverError', message, []);
    }
    held++;
    try {
      await forward(req, res);
    } finally {
      held--;
    }
  }

  async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const time = new Date().toISOString();
    const { method, url, pathname, search } = requestTarget(req);
    const read = await readAll(req, maxBody);
    if (!read.ok) {
      // Not forwarded: the API's parameter error, as serve answers a body over --max-body.
      const message = `body of ${read.bytes} bytes is over the ${maxBody}-byte --max-body limit`;
      return answerHere(req, res, started, 'paramError', `contract-mock proxy: ${message}; not forwarded`, [{ side: 'request', pointer: '/body', rule: 'max-body', message }]);
    }
    const raw = read.raw;
    const match = matchRoute(contract.routes, method, pathname);
    const violations: Violation[] = [];
    let op: Operation | undefined;
    let parsedBody: unknown = raw?.length ? raw.toString('utf8') : undefined;
    let input: ReturnType<typeof validateRequest>['input'] | undefined;
    if (match.ok) {
      op = match.operation;
      const check = validateRequest(op, { method, search, params: match.params, contentType: req.headers['content-type'], body: raw?.length ? raw.toString('utf8') : undefined });
      violations.push(...check.violations);
      input = check.input;
      parsedBody = check.input.body ?? parsedBody;
    } else {
      violations.push({ side: 'request', pointer: '', rule: match.reason === 'method' ? 'method' : 'no-route', message: match.reason === 'method' ? `${method} is not documented for ${match.path}` : `no documented operation at ${method} ${pathname}` });
    }

    const headers = forwardedHeaders(req);
    const up = await exchange(target + url, { method, headers, body: raw?.length ? raw : undefined }, res, maxBody, options.timeoutMs ?? 30_000);
    let status = 502;
    let text = '';
    let contentType: string | undefined = 'application/json';
    let responseHeaders: Record<string, string> = {};
    let responseBody: unknown;
    let code: string | null = null;
    let relayed: Extract<UpstreamBody, { kind: 'relayed' }> | undefined;
    if (up.kind === 'failed') {
      // A client that gave up first says nothing about the upstream: no violation then.
      text = JSON.stringify(up.clientLeft ? { error: 'client_closed', message: 'the client closed the connection before the upstream answered' } : { error: 'bad_gateway', message: `contract-mock proxy could not reach ${target}: ${up.message}` });
      if (!up.clientLeft) violations.push({ side: 'response', pointer: '', rule: 'network', message: `upstream unreachable: ${up.message}` });
      responseBody = text;
    } else {
      ({ status, contentType, headers: responseHeaders } = up);
      if (up.body.kind === 'relayed') {
        // Relayed, not validated: the record says so, with the first bytes as a preview (no violation: nothing was checked).
        relayed = up.body;
        const why = relayed.broken ? `; ${relayed.broken}` : '';
        responseBody = `(${relayed.bytes} bytes relayed, over the ${maxBody}-byte --max-body: too large to validate${why}) ${textIn(relayed.preview, contentType)}`;
        if (relayed.broken && !relayed.broken.startsWith('the client')) violations.push({ side: 'response', pointer: '', rule: 'network', message: `${relayed.broken} after ${relayed.bytes} bytes` });
      } else {
        // The upstream's bytes go back as they came; the checks read them in the charset its Content-Type declares.
        text = textIn(up.body.bytes, contentType);
        responseBody = text;
        if (op) {
          const check = checkResponse(op, contract.apis.get(op.api)!.dialect, { status, contentType, text });
          violations.push(...check.failures);
          responseBody = check.body;
          code = check.code ?? null;
        }
      }
    }
    if (!relayed && !res.headersSent && !res.destroyed) {
      const payload = up.kind === 'answer' && up.body.kind === 'whole' ? up.body.bytes : Buffer.from(text);
      writeHead(res, status, responseHeaders, contentType);
      res.setHeader('content-length', payload.length);
      res.end(payload);
    }

    const api: ApiName | null = apiOf(match) ?? null;
    keep({
      id: randomUUID(),
      time,
      mockTime: Date.now(),
      session: sessionOf(req),
      api,
      operationId: op?.operationId ?? null,
      method,
      path: pathname,
      query: parseSearch(search, DEFAULT_PARSE_LIMITS, [], '/query'),
      request: { headers, body: parsedBody },
      response: { status, headers: responseHeaders, body: responseBody, code },
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      violations,
      scenarios: [],
      deliveries: [],
    });
    if (options.record && op && input) {
      if (relayed) log(`contract-mock proxy: ${method} ${url} not recorded: its ${relayed.bytes}-byte answer is over --max-body (${maxBody} bytes)`);
      else {
        recorded.push(
          recordedRule({
            description: `${method} ${url} → ${status}${code ? ` (code ${code})` : ''}, recorded ${time}`,
            when: recordedWhen(op, pathname, input.query, input.body),
            then: recordedThen(status, contentType, text, responseBody),
            times: 1,
          }),
        );
        saveRecording();
      }
    }
  }

  const guard = adminGuard(options.guard ?? {});
  const failed = (req: IncomingMessage, res: ServerResponse, e: unknown): void => {
    log(`contract-mock proxy: failed on ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
    if (res.headersSent) return void res.destroy();
    if (isAdminPath(req.url ?? '')) return writeRefusal(res, REFUSALS.adminFailed, `contract-mock proxy failed on ${req.method} ${(req.url ?? '').split('?')[0]}; the error is in its log.`);
    res.statusCode = 500;
    res.end();
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      if (isAdminPath(req.url ?? '')) {
        if (isReadyRequest(req)) return answerReady(res, true); // no store to lose: ready while it listens
        const admitted = guard(req, res);
        if (admitted.answered) return;
        for (let i = 0; i < admitted.cors.length; i += 2) res.setHeader(admitted.cors[i]!, admitted.cors[i + 1]!);
        return void admin(req, res);
      }
      handle(req, res).catch((e: unknown) => failed(req, res, e));
    } catch (e) {
      failed(req, res, e);
    }
  };
  return { server: createServer(listener), journal, listener };
}
