/**
 * Assembles the mock: contract + API modules + store + pipeline + admin API behind one node:http
 * server. API calls go straight to the pipeline; `/__mock/*` goes to the express admin app.
 * Everything is passed in (clock, store, seed): no module-level state.
 */
import type { HttpStatusMode } from '../contract/served-spec.js';
import { refusalProblem, writeRefusal } from '../http/problem.js';
import { REFUSALS } from '../http/refusals.js';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApiModule } from '../apis/api-module.js';
import { BUILTIN_APIS } from '../apis/builtin-apis.js';
import type { Contract } from '../contract/compile-contract.js';
import { loadContract } from '../contract/contract-cache.js';
import type { ApiName, JsonObject } from '../contract/types.js';
import type { MockAdminOptions } from '../admin/mock-admin.js';
import { healthBody } from '../admin/health.js';
import { adminGuard, isAdminPath } from '../admin/admin-guard.js';
import { answerReady, isReadyRequest } from '../admin/ready.js';
import { bodyDeadline } from '../admin/body-deadline.js';
import type { CallRecord } from '../journal/call-record.js';
import { Journal, DEFAULT_JOURNAL, type CallJournal, type JournalOptions } from '../journal/journal.js';
import { SecretMask } from '../journal/secret-mask.js';
import { RedisJournal, sharedMaskKey } from '../journal/redis-journal.js';
import { DEFAULT_REDIS_PREFIX, DEFAULT_REDIS_TIMEOUT_MS, openRedisConnection, redisUrlProblem, type RedisOptions } from '../state/redis-connection.js';
import { RedisStore, DEFAULT_SESSION_TTL_MS } from '../state/redis-store.js';
import { redisSessionLock } from '../state/redis-session-lock.js';
import { sessionLock, type SessionLock } from '../state/session-lock.js';
import { ScenarioRegistry } from '../scenarios/scenario-registry.js';
import { defaultScenariosDir } from '../scenarios/load-scenarios.js';
import { ACTIVE, type ActiveScenario } from '../scenarios/apply-scenarios.js';
import { seedState } from './seed-state.js';
import { recordValidators } from './record-validators.js';
import { MemoryStore } from '../state/memory-store.js';
import { FileStore } from '../state/file-store.js';
import { apiOf, matchRoute } from '../contract/match-route.js';
import { join } from 'node:path';
import { StoreUnavailableError, systemClock, type Clock, type SessionDump, type Store } from '../state/store.js';
import { createPipeline, DEFAULT_LIMITS, type Limits, type Pipeline } from '../pipeline/index.js';
import { asciiJson, EXPOSED_HEADERS } from '../http/mock-headers.js';
import { sessionOf, validSessionId } from '../http/session-header.js';
import { DEFAULT_MAX_DELIVERIES, type DeliveryOptions } from './deliver.js';
import type { ListenAddress } from './self-target.js';

export const API_MODULES: readonly ApiModule[] = BUILTIN_APIS;

export interface MockOptions {
  contract: Contract;
  clock?: Clock;
  store?: Store;
  seed?: number;
  limits?: Partial<Limits>;
  delivery?: Partial<DeliveryOptions>;
  maxSessions?: number;
  /** Most records one session may hold (serve --max-records). */
  maxRecordsPerSession?: number;
  /** Most bytes one session's records take, and every session's in all (serve --max-state-bytes, --max-store-bytes). */
  maxStateBytes?: number;
  maxStoreBytes?: number;
  /** At the session cap, drop the least recently used session only when idle this long (ms). */
  sessionIdleMs?: number;
  /** Keep state and journal on disk in this folder (serve --state); `journal.file`, when set, holds the journal instead. */
  stateDir?: string;
  /**
   * Share sessions, journal and events with every instance on this Redis and prefix (serve --redis).
   * `prefix` defaults to `contract-mock`, `timeoutMs` (one command's bound) to 2000, `sessionTtlMs` to a day.
   */
  redis?: Pick<RedisOptions, 'url'> & Partial<Pick<RedisOptions, 'prefix' | 'timeoutMs'>> & { sessionTtlMs?: number };
  /** Largest request header block node:http accepts (bytes). */
  maxHeaderBytes?: number;
  journal?: Partial<JournalOptions>;
  onCall?: (record: CallRecord) => void;
  log?: (message: string) => void;
  /** When set, `/__mock/*` requires `Authorization: Bearer <adminToken>` (compared in constant time). */
  adminToken?: string;
  /** Origins granted CORS on the admin API besides the dashboard's own (serve --cors-origin). */
  corsOrigins?: string[];
  /** Host names the admin API answers besides localhost names, IP addresses and the listen address (serve --allow-host). */
  allowHosts?: string[];
  /** The address serve binds (--host), an accepted Host on admin routes. */
  listenHost?: string;
  /** Folders of scenario files; default the package's `scenarios/`. */
  scenarioDirs?: string[];
  /** Scenarios active in every session from the start (`serve --scenario`). */
  activeScenarios?: string[];
  /** Watch scenario files and reload them on change (serve does; tests opt in). */
  watchScenarios?: boolean;
  sleep?: (ms: number) => Promise<void>;
  /** Business errors as HTTP 200 like the real servers (`documented`, the default) or with each catalogue entry's `x-http-status`. */
  httpStatus?: HttpStatusMode;
}

export interface Mock {
  contract: Contract;
  store: Store;
  journal: CallJournal;
  scenarios: ScenarioRegistry;
  /** Stops watching files and closes held connections; the server itself is closed by its owner. */
  close(): void;
  /** Stops accepting, finishes in-flight calls (bounded), flushes journal and state. */
  shutdown(graceMs?: number): Promise<void>;
  pipeline: Pipeline;
  /** The request listener: use with supertest, or `server`. */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  server: Server;
}

/** The seed every session starts from: DESIGN.md's demo credentials, and nothing else pre-created. */
export function seedDump(modules: readonly ApiModule[] = API_MODULES): SessionDump {
  const collections: SessionDump['collections'] = {};
  for (const m of modules) Object.assign(collections, m.seed());
  return { collections, counters: {}, clockOffsetMs: 0 };
}

/** The seed plus scenarios active from the start (and the state their `given` seeds), computed once. */
async function startingDump(env: Parameters<typeof seedState>[0], registry: ScenarioRegistry, names: string[]): Promise<SessionDump> {
  const scratch = new MemoryStore({ clock: { now: () => 0 }, seed: () => seedDump() }).session('seed');
  for (const [i, name] of names.entries()) {
    const scenario = registry.get(name);
    if (!scenario) throw new Error(`unknown scenario "${name}"; available: ${registry.names().join(', ')}`);
    if (scenario.given) {
      const seeded = await seedState(env, scratch, scenario.given);
      if (!seeded.ok) throw new Error(`${scenario.file}: given: ${seeded.detail}`);
    }
    await scratch.put<ActiveScenario>(ACTIVE, name, { name, activatedAt: i });
  }
  return scratch.dump();
}

const CORS_METHODS = 'GET, POST, PUT, DELETE, OPTIONS';

/** Browsers call the mock from dev servers on other ports: allow any origin, expose the mock's headers. */
export function corsHeaders(req: IncomingMessage): string[] {
  const origin = req.headers.origin;
  return origin
    ? ['Access-Control-Allow-Origin', origin, 'Vary', 'Origin', 'Access-Control-Expose-Headers', EXPOSED_HEADERS]
    : ['Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED_HEADERS];
}

/** Answers a CORS preflight (echoing the headers asked for); true when it did. */
function preflight(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  res.writeHead(204, [
    ...corsHeaders(req),
    'Access-Control-Allow-Methods',
    CORS_METHODS,
    'Access-Control-Allow-Headers',
    String(req.headers['access-control-request-headers'] ?? 'Content-Type, X-Mock-Session, X-Mock-Scenario'),
    'Access-Control-Max-Age',
    '600',
  ]);
  res.end();
  return true;
}

export async function createMock(options: MockOptions): Promise<Mock> {
  const modules = new Map<ApiName, ApiModule>(API_MODULES.map((m) => [m.api, m]));
  const seed = options.seed ?? 1;
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const registry = new ScenarioRegistry(options.scenarioDirs ?? [defaultScenariosDir()], options.contract, modules, log);
  if (options.watchScenarios) registry.watch();
  const records = recordValidators(options.contract, modules);
  const env = { contract: options.contract, modules, seed, records };
  const starting = await startingDump(env, registry, options.activeScenarios ?? []);
  const storeOptions = { clock: options.clock ?? systemClock, seed: () => starting, maxSessions: options.maxSessions, sessionIdleMs: options.sessionIdleMs, maxRecordsPerSession: options.maxRecordsPerSession, maxStateBytes: options.maxStateBytes, maxStoreBytes: options.maxStoreBytes, log };
  const backends = await chooseBackends(options, storeOptions);
  const { store, journal } = backends;
  // One lock for the API calls and the admin API's writes: every write to a session happens under it.
  const locks = backends.locks ?? sessionLock();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const guard = adminGuard({ adminToken: options.adminToken, corsOrigins: options.corsOrigins, allowHosts: options.allowHosts, listenHost: options.listenHost });
  const pipeline = createPipeline({
    contract: options.contract,
    modules,
    store,
    seed,
    limits,
    delivery: { timeoutMs: 5000, maxBodyBytes: 1024 * 1024, maxPerCall: DEFAULT_MAX_DELIVERIES, listening: () => listenAddresses(server), ...options.delivery },
    // options.onCall sees each record once, complete (after its deliveries); the journal has it before the answer is sent.
    onCall: (record) => {
      const stored = journal.append(record);
      const hook = options.onCall;
      if (!hook || record.deliveries.length) return stored;
      if (stored instanceof Promise) return stored.then(() => hook(journal.shown(record)));
      hook(journal.shown(record));
    },
    onDeliveries: (record, outcomes) => {
      const stored = journal.addDeliveries(record, outcomes);
      if (stored instanceof Promise) return stored.then((kept) => void options.onCall?.(kept));
      options.onCall?.(stored);
    },
    locks,
    log,
    scenarios: registry,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    corsHeaders,
    httpStatus: options.httpStatus ?? 'documented',
  });
  // The admin app (express) loads in the background after start-up; admin calls that arrive first wait for it.
  const startedAt = Date.now();
  const adminOptions: MockAdminOptions = { contract: options.contract, modules, store, locks, seed, records, journal, registry, startedAt, log, limits: { ...DEFAULT_LIMITS, ...options.limits }, httpStatus: options.httpStatus ?? 'documented' };
  let adminApp: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined;
  const admin = (): NonNullable<typeof adminApp> => (adminApp ??= import('../admin/mock-admin.js').then((m) => m.createMockAdmin(adminOptions)));
  setImmediate(() => void admin());

  /** The last resort for a bug below the listener: answer (problem+json on the admin API, the API's own server-error envelope elsewhere) and log. */
  const failed = (req: IncomingMessage, res: ServerResponse, where: string, e: unknown): void => {
    log(`contract-mock: ${where} failed on ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
    if (res.headersSent) return void res.destroy();
    const path = (req.url ?? '/').split('?')[0]!;
    if (isAdminPath(req.url ?? '')) {
      writeRefusal(res, REFUSALS.adminFailed, `contract-mock failed on ${req.method} ${path}; the error is in its log.`);
      return;
    }
    const match = matchRoute(options.contract.routes, req.method ?? 'GET', path);
    const api = apiOf(match);
    const dialect = api ? options.contract.apis.get(api)!.dialect : undefined;
    const body = dialect
      ? dialect.error(dialect.role('serverError'), { op: match.ok ? match.operation : undefined })
      : { error: 'internal', message: `contract-mock failed on ${req.method} ${path}; the error is in its log` };
    const text = JSON.stringify(body);
    res.writeHead(500, [...corsHeaders(req), 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text)), 'X-Mock-Error', 'internal']);
    res.end(text);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      route(req, res);
    } catch (e) {
      failed(req, res, 'the listener', e);
    }
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const session = sessionOf(req);
    if (isAdminPath(url)) {
      // Readiness needs no token (a load balancer has none) and tells nothing but ready or not: health's status.
      if (isReadyRequest(req)) {
        health().then((body) => answerReady(res, body['status'] === 'ok'), () => answerReady(res, false));
        return;
      }
      const admitted = guard(req, res);
      if (admitted.answered) return;
      const cors = admitted.cors;
      if (!validSessionId(session)) {
        writeRefusal(res, REFUSALS.badSessionId, 'X-Mock-Session must be 1-128 printable ASCII characters without spaces.', cors);
        return;
      }
      // Health never depends on session admission: a full session table must not make the mock look down.
      if (req.method === 'GET' && (url === '/__mock/health' || url.startsWith('/__mock/health?'))) {
        health()
          .then((body) => {
            const text = JSON.stringify(body, null, 2);
            // 503 while the shared store is down: a load balancer's check takes the instance out until it recovers.
            res.writeHead(body['status'] === 'ok' ? 200 : 503, [...cors, 'Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text))]);
            res.end(text);
          })
          .catch((e: unknown) => failed(req, res, 'health', e));
        return;
      }
      bodyDeadline(req, res, limits.requestTimeoutMs, cors);
      let opened: ReturnType<Store['open']>;
      try {
        opened = store.open(session);
      } catch (e) {
        // A new session whose eviction could not be logged (--state on a full disk): answered below as the store's outage.
        opened = Promise.reject(e);
      }
      if (opened instanceof Promise) {
        opened.then(
          (o) => (o.ok ? serveAdmin(req, res, cors) : writeRefusal(res, REFUSALS.maxSessions, o.reason, cors)),
          (e: unknown) =>
            e instanceof StoreUnavailableError
              ? writeRefusal(res, REFUSALS.storeUnavailable, `contract-mock: the shared store is unavailable (${e.message}); retry once GET /__mock/health reports it up.`, cors)
              : failed(req, res, 'the admin API', e),
        );
        return;
      }
      if (!opened.ok) {
        writeRefusal(res, REFUSALS.maxSessions, opened.reason, cors);
        return;
      }
      serveAdmin(req, res, cors);
      return;
    }
    if (preflight(req, res)) return;
    if (!validSessionId(session)) {
      writeRefusal(res, REFUSALS.badSessionId, 'X-Mock-Session must be 1-128 printable ASCII characters without spaces.');
      return;
    }
    pipeline.handle(req, res).catch((e: unknown) => failed(req, res, 'the pipeline', e));
  };
  /** The admin API (express) for a request past the token and session checks. */
  function serveAdmin(req: IncomingMessage, res: ServerResponse, cors: string[]): void {
    for (let i = 0; i < cors.length; i += 2) res.setHeader(cors[i]!, cors[i + 1]!);
    admin()
      .then((app) => app(req, res))
      .catch((e: unknown) => failed(req, res, 'the admin API', e));
  }
  async function health(): Promise<JsonObject> {
    const storeHealth = store.health ? await store.health() : undefined;
    // A shared store's session counts are asked of it: left out while it is down (health answers without them).
    const sessions = storeHealth?.status === 'down' ? undefined : await Promise.resolve(store.stats?.()).catch(() => undefined);
    // A file (state.log, the journal) that cannot be written: degraded until a write succeeds again.
    const persistence = [store.persistence?.(), journal.persistence?.()].filter((p) => p !== undefined);
    return healthBody(options.contract, await journal.stats(), startedAt, sessions, storeHealth, persistence);
  }

  const server = createHttpServer({ maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024 }, listener);
  // Requests node:http refuses before we see them (headers too large, malformed) still get a clear answer.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    // Headers that did not all arrive within node's headersTimeout: a slow client, not a malformed request.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return void socket.end('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    const status = tooLarge ? 431 : 400;
    const line = err.rawPacket?.toString('latin1').split('\r\n')[0] ?? '';
    const [, method = 'GET', url = '/'] = /^([A-Z]+) (\S+)/.exec(line) ?? [];
    const match = matchRoute(options.contract.routes, method, url.split('?')[0]!);
    const api = apiOf(match);
    const message = tooLarge ? `request headers are over the ${options.maxHeaderBytes ?? 16 * 1024}-byte limit` : `malformed HTTP request (${err.code ?? err.message})`;
    const dialect = api ? options.contract.apis.get(api)!.dialect : undefined;
    const body = JSON.stringify(
      dialect ? dialect.error(match.ok ? match.operation.paramError : dialect.role('invalidRequest'), { op: match.ok ? match.operation : undefined }) : refusalProblem(tooLarge ? REFUSALS.headersTooLarge : REFUSALS.malformedRequest, message),
    );
    socket.end(`HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json;charset=UTF-8\r\nX-Mock-Violations: ${asciiJson([{ pointer: '/headers', message }])}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  server.on('close', () => registry.close());
  const close = (): void => {
    registry.close();
    for (const res of pipeline.hanging()) res.destroy();
    pipeline.close();
  };
  /**
   * Graceful shutdown: stop accepting, let in-flight calls finish (at most `graceMs`), let deliveries
   * settle, then flush the journal and the state to disk. Every call that was answered is journaled.
   */
  const shutdown = async (graceMs = 10_000): Promise<void> => {
    close();
    const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    await pipeline.settled();
    await journal.close();
    await store.close?.();
  };
  return { contract: options.contract, store, journal, scenarios: registry, pipeline, listener, server, close, shutdown };
}

/**
 * The backends, chosen once at start-up: in memory (default), on disk (`--state`), or shared through
 * Redis (`--redis`); the pipeline and the admin API see only their interfaces.
 */
async function chooseBackends(options: MockOptions, storeOptions: ConstructorParameters<typeof MemoryStore>[0]): Promise<{ store: Store; journal: CallJournal; locks?: SessionLock }> {
  // A served spec's API key parameters are credentials too, whatever they are called.
  const journalOptions = { ...DEFAULT_JOURNAL, mask: new SecretMask(undefined, options.contract.secretNames), ...options.journal };
  if (options.redis && !options.store) {
    const redis = redisOptions(options.redis);
    // A Redis Cluster (a list of seed nodes, or a node that says so) gets ioredis' Cluster client.
    const connection = await openRedisConnection({ ...redis, log: options.log ?? console.error });
    if (!(await connection.ready())) (options.log ?? console.error)(`contract-mock: Redis at ${connection.health().url} is not ready (${connection.health().error}); calls are answered store-unavailable until it is`);
    const ttlMs = redis.sessionTtlMs;
    // One mask key for every instance on this Redis, so a secret masks the same way on all of them.
    const maskKey = options.journal?.mask ? undefined : await sharedMaskKey(connection);
    if (maskKey) journalOptions.mask = new SecretMask(maskKey, options.contract.secretNames);
    else if (!options.journal?.mask) (options.log ?? console.error)('contract-mock: the shared mask key could not be read from Redis; this instance masks secrets with a key of its own');
    const store = new RedisStore({ ...storeOptions, connection, sessionTtlMs: ttlMs });
    const { file: _file, restore: _restore, ...shared } = journalOptions;
    const journal = new RedisJournal(connection, { ...shared, ttlMs });
    // A holder keeps the lock at most 3 command timeouts; a waiter gives up after the holder's time plus one.
    const locks = redisSessionLock({ ttlMs: 3 * redis.timeoutMs, waitMs: 4 * redis.timeoutMs });
    return { store, journal, locks };
  }
  const store = options.store ?? (options.stateDir ? new FileStore({ ...storeOptions, dir: options.stateDir }) : new MemoryStore(storeOptions));
  // With --state the journal is durable (read back at start): in DIR/journal.ndjson, or in the --journal file when one is named.
  const journal = await Journal.open({ ...journalOptions, log: options.log ?? console.error, ...(options.stateDir && { file: options.journal?.file ?? join(options.stateDir, 'journal.ndjson'), restore: true }) });
  return { store, journal };
}

/** The Redis options with their defaults, a caller's mistake (a script passes no types) refused by name before anything connects. */
function redisOptions(given: NonNullable<MockOptions['redis']>): RedisOptions & { sessionTtlMs: number } {
  const problem = typeof given.url === 'string' ? redisUrlProblem(given.url) : 'it must be a string';
  if (problem) throw new TypeError(`redis.url: ${problem}`);
  const out = { url: given.url, prefix: given.prefix ?? DEFAULT_REDIS_PREFIX, timeoutMs: given.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS, sessionTtlMs: given.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS };
  for (const k of ['timeoutMs', 'sessionTtlMs'] as const) {
    if (!Number.isFinite(out[k]) || out[k] <= 0) throw new TypeError(`redis.${k} must be a positive number of milliseconds (got ${String(given[k])})`);
  }
  if (typeof out.prefix !== 'string' || out.prefix === '') throw new TypeError('redis.prefix must be a non-empty string');
  return out;
}

/** Where the server listens, once it does (deliveries to it are refused as `self`); none before. */
function listenAddresses(server: Server): ListenAddress[] {
  const a = server.address();
  return a && typeof a === 'object' ? [{ address: a.address, port: a.port }] : [];
}

/** Loads and compiles the specs, then builds the mock: what `serve` and the tests call. */
export async function startMock(options: Omit<MockOptions, 'contract'> & { contract?: Contract; specFiles?: readonly string[] } = {}): Promise<Mock> {
  const contract = options.contract ?? (await loadContract(options.specFiles));
  return createMock({ ...options, contract });
}
