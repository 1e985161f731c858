/**
 * The listener: `/__mock/*` past the admin guard (ready, health and metrics answered here, without express), `GET /`,
 * preflights, a bad session id, then the pipeline. A bug below it is answered (problem+json on the admin API, the API's own
 * server-error envelope elsewhere) and logged, never a crash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAdminPath, type AdminGuard } from '../admin/admin-guard.js';
import { bodyDeadline } from '../admin/body-deadline.js';
import { healthBody } from '../admin/health.js';
import type { MockMetrics, MockSnapshot } from '../admin/metrics.js';
import { answerReady, isReadyRequest } from '../admin/ready.js';
import type { Contract } from '../contract/compile-contract.js';
import { apiOf, matchRoute } from '../contract/match-route.js';
import type { JsonObject } from '../contract/types.js';
import { corsHeaders, preflight } from '../http/cors.js';
import { writeRefusal } from '../http/problem.js';
import { REFUSALS } from '../http/refusals.js';
import { sessionOf, validSessionId } from '../http/session-header.js';
import type { CallJournal } from '../journal/journal.js';
import type { Limits, Pipeline } from '../pipeline/index.js';
import { StoreUnavailableError, type Store } from '../state/store.js';
import { answerRoot, isRootRequest } from './root-answer.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface ListenerDeps {
  /** Read at call time (with `methods`): create-mock swaps both when a served document is reloaded. */
  contract: Contract;
  store: Store;
  journal: CallJournal;
  pipeline: Pipeline;
  guard: AdminGuard;
  /** The admin app (express), loaded once on first use. */
  admin: () => Promise<Listener>;
  /** The metrics registry (prom-client), loaded once on the first scrape. */
  metrics: () => Promise<MockMetrics>;
  /** What a preflight allows (cors.ts corsMethods). */
  methods: string;
  limits: Limits;
  startedAt: number;
  log: (message: string) => void;
}

/** The last resort for a bug below the listener: answer (problem+json on the admin API, the API's own server-error envelope elsewhere) and log. */
function failed(d: ListenerDeps, req: IncomingMessage, res: ServerResponse, where: string, e: unknown): void {
  d.log(`contract-mock: ${where} failed on ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
  if (res.headersSent) return void res.destroy();
  const path = (req.url ?? '/').split('?')[0]!;
  if (isAdminPath(req.url ?? '')) {
    writeRefusal(res, REFUSALS.adminFailed, `contract-mock failed on ${req.method} ${path}; the error is in its log.`);
    return;
  }
  const match = matchRoute(d.contract.routes, req.method ?? 'GET', path);
  const api = apiOf(match);
  const dialect = api ? d.contract.apis.get(api)!.dialect : undefined;
  const body = dialect
    ? dialect.error(dialect.role('serverError'), { op: match.ok ? match.operation : undefined })
    : { error: 'internal', message: `contract-mock failed on ${req.method} ${path}; the error is in its log` };
  const text = JSON.stringify(body);
  const headers = [
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(text)),
  ];
  res.writeHead(500, [...corsHeaders(req), ...headers, 'X-Mock-Error', 'internal']);
  res.end(text);
}

/** What health and metrics report of the backends. */
async function snapshot(d: ListenerDeps): Promise<MockSnapshot> {
  const { store, journal } = d;
  const storeHealth = store.health ? await store.health() : undefined;
  // A shared store's session counts are asked of it: left out while it is down (health answers without them).
  const sessions =
    storeHealth?.status === 'down' ? undefined : await Promise.resolve(store.stats?.()).catch(() => undefined);
  // A file (state.log, the journal) that cannot be written: degraded until a write succeeds again.
  const persistence = [store.persistence?.(), journal.persistence?.()].filter((p) => p !== undefined);
  return {
    journal: await journal.stats(),
    ...(sessions && { sessions }),
    ...(storeHealth && { store: storeHealth }),
    persistence,
  };
}

async function health(d: ListenerDeps): Promise<JsonObject> {
  const s = await snapshot(d);
  return healthBody(d.contract, s.journal, d.startedAt, s.sessions, s.store, s.persistence);
}

const isGet = (req: IncomingMessage, url: string, path: string): boolean =>
  req.method === 'GET' && (url === path || url.startsWith(`${path}?`));

/** GET /__mock/health (503 while the shared store is down: a load balancer's check takes the instance out until it recovers). */
function answerHealth(d: ListenerDeps, req: IncomingMessage, res: ServerResponse, cors: string[]): void {
  health(d)
    .then((body) => {
      const text = JSON.stringify(body, null, 2);
      const headers = [
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(Buffer.byteLength(text)),
      ];
      res.writeHead(body['status'] === 'ok' ? 200 : 503, [...cors, ...headers]);
      res.end(text);
    })
    .catch((e: unknown) => failed(d, req, res, 'health', e));
}

/** GET /__mock/metrics in the Prometheus text format. */
function answerMetrics(d: ListenerDeps, req: IncomingMessage, res: ServerResponse, cors: string[]): void {
  Promise.all([d.metrics(), snapshot(d)])
    .then(async ([m, s]) => {
      const text = await m.render(s);
      const headers = [
        'Content-Type',
        m.contentType,
        'Cache-Control',
        'no-store',
        'Content-Length',
        String(Buffer.byteLength(text)),
      ];
      res.writeHead(200, [...cors, ...headers]);
      res.end(text);
    })
    .catch((e: unknown) => failed(d, req, res, 'metrics', e));
}

/** The admin API (express) for a request past the token and session checks. */
function serveAdmin(d: ListenerDeps, req: IncomingMessage, res: ServerResponse, cors: string[]): void {
  for (let i = 0; i < cors.length; i += 2) res.setHeader(cors[i]!, cors[i + 1]!);
  d.admin()
    .then((app) => app(req, res))
    .catch((e: unknown) => failed(d, req, res, 'the admin API', e));
}

/** An admin call's session opened (refused past the session limit or while the store is down), then the admin API. */
function openAndServe(
  d: ListenerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  session: string,
  cors: string[],
): void {
  let opened: ReturnType<Store['open']>;
  try {
    opened = d.store.open(session);
  } catch (e) {
    // A new session whose eviction could not be logged (--state on a full disk): answered below as the store's outage.
    opened = Promise.reject(e);
  }
  if (!(opened instanceof Promise)) {
    if (opened.ok) serveAdmin(d, req, res, cors);
    else writeRefusal(res, REFUSALS.maxSessions, opened.reason, cors);
    return;
  }
  opened.then(
    (o) => (o.ok ? serveAdmin(d, req, res, cors) : writeRefusal(res, REFUSALS.maxSessions, o.reason, cors)),
    (e: unknown) =>
      e instanceof StoreUnavailableError
        ? writeRefusal(
            res,
            REFUSALS.storeUnavailable,
            `contract-mock: the shared store is unavailable (${e.message}); retry once GET /__mock/health reports it up.`,
            cors,
          )
        : failed(d, req, res, 'the admin API', e),
  );
}

const BAD_SESSION = 'X-Mock-Session must be 1-128 printable ASCII characters without spaces.';

/** `/__mock/*`: ready before the guard; past it, health and metrics without a session, the rest with one. */
function routeAdmin(d: ListenerDeps, req: IncomingMessage, res: ServerResponse, url: string, session: string): void {
  // Readiness needs no token (a load balancer has none) and tells nothing but ready or not: health's status.
  if (isReadyRequest(req)) {
    health(d).then(
      (body) => answerReady(res, body['status'] === 'ok'),
      () => answerReady(res, false),
    );
    return;
  }
  const admitted = d.guard(req, res);
  if (admitted.answered) return;
  const cors = admitted.cors;
  if (!validSessionId(session)) return writeRefusal(res, REFUSALS.badSessionId, BAD_SESSION, cors);
  // Health and metrics never depend on session admission: a full session table must not make the mock look down.
  if (isGet(req, url, '/__mock/health')) return answerHealth(d, req, res, cors);
  if (isGet(req, url, '/__mock/metrics')) return answerMetrics(d, req, res, cors);
  bodyDeadline(req, res, d.limits.requestTimeoutMs, cors);
  openAndServe(d, req, res, session, cors);
}

export function createListener(d: ListenerDeps): Listener {
  const rootDocumented = matchRoute(d.contract.routes, 'GET', '/').ok;
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const session = sessionOf(req);
    if (isAdminPath(url)) return routeAdmin(d, req, res, url, session);
    // `/` from a browser: the dashboard; from a tool: the APIs served (unless a served document documents GET /).
    if (isRootRequest(req, url) && !rootDocumented) return answerRoot(req, res, d.contract);
    if (preflight(req, res, d.methods)) return;
    if (!validSessionId(session)) return writeRefusal(res, REFUSALS.badSessionId, BAD_SESSION);
    d.pipeline.handle(req, res).catch((e: unknown) => failed(d, req, res, 'the pipeline', e));
  };
  return (req, res) => {
    try {
      route(req, res);
    } catch (e) {
      failed(d, req, res, 'the listener', e);
    }
  };
}
