/**
 * The mock's HTTP pipeline for API calls: receive → match → validate → handler → respond → record.
 * One function for all four APIs; what differs per API is its Dialect (from the spec) and its
 * handlers. Admin routes (`/__mock`) are not handled here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ApiModule, Delivery, DeliveryOutcome, HandlerContext } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import { matchRoute } from '../contract/match-route.js';
import type { ApiName, JsonObject, Operation, Violation } from '../contract/types.js';
import { validateRequest, validateResponse, parseSearch, type ParseLimits } from '../contract/validate-request.js';
import type { CallRecord } from '../journal/call-record.js';
import type { Store } from '../state/store.js';
import { deliver, type DeliveryOptions } from './deliver.js';
import { FakeData, hashSeed } from './fake-data.js';

export interface Limits extends ParseLimits {
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxBodyBytes: 1024 * 1024, maxDepth: 32, maxFields: 1000, maxViolations: 20 };

export interface PipelineOptions {
  contract: Contract;
  modules: Map<ApiName, ApiModule>;
  store: Store;
  seed: number;
  limits: Limits;
  delivery: DeliveryOptions;
  /** Called once per API call with its immutable record (the journal listens here). */
  onCall(record: CallRecord): void;
  log(message: string): void;
}

export const SESSION_HEADER = 'x-mock-session';
export const VIOLATIONS_HEADER = 'X-Mock-Violations';
const MASKED_HEADERS = /^(authorization|cookie|x-mock-admin-token|x-api-key)$/i;

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
  bytes: number;
  tooLarge: boolean;
}

function readBody(req: IncomingMessage, max: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > max) tooLarge = true;
      // Past the limit the rest is read and dropped, so the client still gets its answer.
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: bytes && !tooLarge ? Buffer.concat(chunks).toString('utf8') : undefined, bytes, tooLarge }));
    req.on('error', () => resolve({ text: undefined, bytes, tooLarge }));
  });
}

function maskHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = MASKED_HEADERS.test(k) ? '***' : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Token-like fields in a recorded body are masked, all but their last four characters. */
function maskBody(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(body)) {
    out[k] = /token|secret|password/i.test(k) && typeof v === 'string' && v.length > 4 ? `***${v.slice(-4)}` : v;
  }
  return out;
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export function createPipeline(options: PipelineOptions) {
  const { contract, modules, store, limits } = options;
  const pending = new Set<Promise<unknown>>();

  function respond(res: ServerResponse, answer: Answer): void {
    const text = JSON.stringify(answer.body);
    res.statusCode = answer.status;
    for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
    res.setHeader('Content-Type', 'application/json;charset=UTF-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  }

  function paramError(op: Operation, key: string, violations: Violation[]): JsonObject {
    const api = contract.apis.get(op.api)!;
    const module = modules.get(op.api);
    const message = module?.violationMessage?.(violations, api.dialect);
    return api.dialect.error(key, { op, message });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const time = new Date().toISOString();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    const sessionId = sessionOf(req);
    const session = store.session(sessionId);
    const mockTime = await session.now();
    const match = matchRoute(contract.routes, method, pathname);
    const body = await readBody(req, limits.maxBodyBytes);

    let answer: Answer;
    let op: Operation | undefined;
    let api: ApiName | null = null;
    let recordedBody: unknown = body.text;
    const violations: Violation[] = [];
    const deliveries: Delivery[] = [];

    if (!match.ok && match.reason === 'no-route') {
      violations.push({ side: 'request', pointer: '', message: `no documented operation at ${method} ${pathname}`, rule: 'no-route' });
      answer = {
        status: 404,
        headers: {},
        body: {
          error: 'not_found',
          message: `No operation matches ${method} ${pathname}. Documented paths: GET /__mock/health lists the APIs; the specs are in specs/.`,
        },
      };
    } else if (!match.ok) {
      api = match.api;
      const dialect = contract.apis.get(match.api)!.dialect;
      violations.push({
        side: 'request',
        pointer: '',
        message: `${method} is not documented for ${match.path} (documented: ${match.allowed.join(', ')})`,
        rule: 'method',
      });
      answer = {
        status: 200,
        headers: {},
        body: dialect.error(dialect.role('methodNotAllowed'), { message: dialect.maybeText('methodNotAllowed') }),
      };
    } else {
      op = match.operation;
      api = op.api;
      const dialect = contract.apis.get(op.api)!.dialect;
      if (body.tooLarge) {
        violations.push({ side: 'request', pointer: '/body', message: `body of ${body.bytes} bytes is over the ${limits.maxBodyBytes}-byte limit`, rule: 'max-body' });
        answer = { status: 200, headers: {}, body: paramError(op, op.paramError, violations) };
        recordedBody = `(${body.bytes} bytes, not kept)`;
      } else {
        const check = validateRequest(
          op,
          { method, search, params: match.params, contentType: req.headers['content-type'], body: body.text },
          limits,
        );
        recordedBody = check.input.body ?? body.text;
        violations.push(...check.violations);
        if (check.errorKey) {
          const empty = violations.some((v) => v.rule === 'required-body') ? dialect.optionalRole('emptyBody') : undefined;
          answer = { status: 200, headers: {}, body: paramError(op, empty ?? check.errorKey, violations) };
        } else {
          const handler = modules.get(op.api)?.handlers[op.operationId];
          const fake = new FakeData(hashSeed(options.seed, sessionId, await session.nextSeq('mock:calls')));
          const ctx: HandlerContext = {
            op,
            input: check.input,
            headers: req.headers,
            session,
            dialect,
            fake,
            deliver: (d) => deliveries.push(d),
          };
          try {
            if (!handler) throw new Error(`no handler for ${op.api} ${op.operationId}`);
            answer = { status: 200, headers: {}, body: await handler(ctx) };
          } catch (e) {
            options.log(`contract-mock: ${op.operationId} failed: ${(e as Error).stack ?? e}`);
            answer = {
              status: 200,
              headers: { 'X-Mock-Error': asciiJson(String((e as Error).message)) },
              body: dialect.error(dialect.role('serverError'), { op }),
            };
          }
        }
      }
      if (violations.length) answer.headers[VIOLATIONS_HEADER] = asciiJson(violations.slice(0, 5).map(({ pointer, message }) => ({ pointer, message })));
      const responseViolations = validateResponse(op, answer.body);
      violations.push(...responseViolations);
    }

    respond(res, answer);
    const outcomes = deliveries.length ? await runDeliveries(deliveries, mockTime) : [];
    const dialect = api ? contract.apis.get(api)!.dialect : undefined;
    options.onCall({
      id: randomUUID(),
      time,
      mockTime,
      session: sessionId,
      api,
      operationId: op?.operationId ?? null,
      method,
      path: pathname,
      query: parseSearch(search, limits, [], '/query'),
      request: { headers: maskHeaders(req.headers), body: maskBody(recordedBody) },
      response: { status: answer.status, headers: answer.headers, body: answer.body, code: dialect?.codeOf(answer.body) ?? null },
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      violations,
      scenarios: [],
      deliveries: outcomes,
    });
  }

  function runDeliveries(list: Delivery[], at: number): Promise<DeliveryOutcome[]> {
    const p = Promise.all(list.map((d) => deliver(d, at, options.delivery)));
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  }

  return {
    handle,
    /** Resolves when every outgoing delivery started so far has settled (tests, graceful shutdown). */
    async settled(): Promise<void> {
      while (pending.size) await Promise.allSettled([...pending]);
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
