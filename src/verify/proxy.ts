/**
 * The validating proxy: forwards every request to a real server, checks request and response
 * against the contract, journals both through the same admin API as the mock (`/__mock/calls`,
 * `/violations`, `/verify`, `/events` ...), and can save the traffic as a replayable scenario file.
 */
import { requestTarget } from '../mock/request-target.js';
import { textIn } from '../contract/decode-body.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
import { problem, writeProblem } from '../admin/problem.js';
import { adminGuard, isAdminPath, type AdminGuardOptions } from '../admin/admin-guard.js';
import { answerReady, isReadyRequest } from '../admin/ready.js';
import { SecretMask } from '../journal/secret-mask.js';
import { OutputMask } from '../journal/output-mask.js';
import { writePrivateFile } from '../journal/write-private-file.js';
import { Journal, DEFAULT_JOURNAL, type JournalOptions } from '../journal/journal.js';
import { MemoryStore } from '../state/memory-store.js';
import { systemClock } from '../state/store.js';
import { sessionOf } from '../mock/pipeline.js';
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
  maxBodyBytes?: number;
  timeoutMs?: number;
  log?: (message: string) => void;
  /** The same admin-API guards as serve: token, CORS origins, accepted Host names, the listen address. */
  guard?: AdminGuardOptions;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

function readAll(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= max) chunks.push(c);
    });
    req.on('end', () => resolve(n > max ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
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
  router.get('/health', (_req, res) => void res.json({ status: 'ok', mode: 'proxy', target, version: packageVersion(), journal: journal.stats() }));
  journalRoutes(router, journal, packageVersion(), new Set(options.contract.operations.map((op) => op.operationId)));
  eventRoutes(router, journal, new MemoryStore({ clock: systemClock, seed: () => ({ collections: {}, counters: {}, clockOffsetMs: 0 }) }));
  router.use((req, res) => problem(res, 404, 'Unknown admin route', `${req.method} /__mock${req.path} is not served by the proxy (it serves health, ready, calls, violations, verify, calls.har, calls.ndjson, events).`));
  admin.use('/__mock', router);

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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const time = new Date().toISOString();
    const { method, url, pathname, search } = requestTarget(req);
    const raw = await readAll(req, options.maxBodyBytes ?? 10 * 1024 * 1024);
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

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let status = 502;
    let text = '';
    let bytes: Buffer | undefined;
    let contentType: string | undefined = 'application/json';
    const responseHeaders: Record<string, string> = {};
    try {
      const up = await fetch(target + url, { method, headers, body: raw?.length ? raw : undefined, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      status = up.status;
      // The upstream's bytes go back as they came; the checks read them in the charset its Content-Type declares.
      bytes = Buffer.from(await up.arrayBuffer());
      contentType = up.headers.get('content-type') ?? undefined;
      text = textIn(bytes, contentType);
      up.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k) && k !== 'content-encoding') responseHeaders[k] = v;
      });
    } catch (e) {
      const err = e as Error & { cause?: Error };
      text = JSON.stringify({ error: 'bad_gateway', message: `contract-mock proxy could not reach ${target}: ${err.cause?.message ?? err.message}` });
      violations.push({ side: 'response', pointer: '', rule: 'network', message: `upstream unreachable: ${err.cause?.message ?? err.message}` });
    }
    let responseBody: unknown = text;
    let code: string | null = null;
    if (op && status !== 502) {
      const dialect = contract.apis.get(op.api)!.dialect;
      const check = checkResponse(op, dialect, { status, contentType, text });
      violations.push(...check.failures);
      responseBody = check.body;
      code = check.code ?? null;
    }
    res.statusCode = status;
    for (const [k, v] of Object.entries(responseHeaders)) res.setHeader(k, v);
    if (contentType) res.setHeader('content-type', contentType);
    const payload = bytes ?? Buffer.from(text);
    res.setHeader('content-length', payload.length);
    res.end(payload);

    const api: ApiName | null = apiOf(match) ?? null;
    journal.append({
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

  const guard = adminGuard(options.guard ?? {});
  const failed = (req: IncomingMessage, res: ServerResponse, e: unknown): void => {
    log(`contract-mock proxy: failed on ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
    if (res.headersSent) return void res.destroy();
    if (isAdminPath(req.url ?? '')) return writeProblem(res, 500, 'Admin error', `contract-mock proxy failed on ${req.method} ${(req.url ?? '').split('?')[0]}; the error is in its log.`);
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
