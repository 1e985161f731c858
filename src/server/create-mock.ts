/**
 * Assembles the mock: contract + API modules + store + pipeline + admin API behind one node:http
 * server. API calls go straight to the pipeline; `/__mock/*` goes to the express admin app.
 * Everything is passed in (clock, store, seed): no module-level state.
 */
import type { HttpStatusMode } from '../contract/served-spec.js';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApiModule, Handler } from '../apis/api-module.js';
import { withHandlers } from '../apis/plugin-handlers.js';
import { BUILTIN_APIS } from '../apis/builtin-apis.js';
import { apiModules } from './api-modules.js';
import type { Contract } from '../contract/compile-contract.js';
import { loadContract } from '../contract/contract-cache.js';
import type { ApiName } from '../contract/types.js';
import type { MockAdminOptions } from '../admin/mock-admin.js';
import { adminGuard } from '../admin/admin-guard.js';
import type { CallRecord } from '../journal/call-record.js';
import type { CallJournal, JournalOptions } from '../journal/journal.js';
import { CallTally } from '../journal/call-tally.js';
import type { MockMetrics } from '../admin/metrics.js';
import type { RedisOptions } from '../state/redis-connection.js';
import { sessionLock } from '../state/session-lock.js';
import { ScenarioRegistry } from '../scenarios/scenario-registry.js';
import { SpecWatcher } from './spec-watcher.js';
import { defaultScenariosDir } from '../scenarios/load-scenarios.js';
import { ACTIVE, type ActiveScenario } from '../scenarios/apply-scenarios.js';
import { seedState } from '../answers/seed-state.js';
import { recordValidators } from '../answers/record-validators.js';
import { MemoryStore } from '../state/memory-store.js';
import { systemClock, type Clock, type SessionDump, type Store } from '../state/store.js';
import { createPipeline, DEFAULT_LIMITS, type Limits, type Pipeline, type PipelineOptions } from '../pipeline/index.js';
import type { RestStateMode } from '../pipeline/walk.js';
import { corsHeaders, corsMethods } from '../http/cors.js';
import { answerClientErrors } from './client-error.js';
import { createListener } from './listener.js';
import { chooseBackends } from './backends.js';
import { DEFAULT_MAX_DELIVERIES, type DeliveryOptions } from '../deliveries/deliver.js';
import type { ListenAddress } from '../deliveries/self-target.js';

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
  /**
   * The `--spec` documents in `contract`, as given: files among them are watched and reloaded on edit (serve does;
   * tests opt in). A reload that fails keeps the previous contract (spec-watcher.ts).
   */
  watchSpecs?: readonly string[];
  sleep?: (ms: number) => Promise<void>;
  /** Business errors as HTTP 200 like the real servers (`documented`, the default) or with each catalogue entry's `x-http-status`. */
  httpStatus?: HttpStatusMode;
  /** Served documents: untouched items exist until deleted (`overlay`, the default) or only once created (`strict`; serve --rest-state). */
  restState?: RestStateMode;
  /** Handlers by operationId, added over (or replacing) the built-ins' for any served operation (serve --handlers). */
  handlers?: Record<string, Handler>;
}

export interface Mock {
  contract: Contract;
  store: Store;
  journal: CallJournal;
  scenarios: ScenarioRegistry;
  /** Set when `watchSpecs` names files: emits `reload` and `invalid`. */
  specs?: SpecWatcher;
  /** Serves another contract from the next call on: the API calls, the preflight, health and (rebuilt) the admin API. */
  useContract(next: Contract): void;
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
async function startingDump(
  env: Parameters<typeof seedState>[0],
  registry: ScenarioRegistry,
  names: string[],
): Promise<SessionDump> {
  const seed = seedDump([...env.modules.values()]);
  const scratch = new MemoryStore({ clock: { now: () => 0 }, seed: () => seed }).session('seed');
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

/** The scenario registry (watched when asked), the record validators and the dump every session starts from. */
async function scenariosAndSeed(
  options: MockOptions,
  modules: Map<ApiName, ApiModule>,
  seed: number,
  log: (m: string) => void,
) {
  const registry = new ScenarioRegistry(
    options.scenarioDirs ?? [defaultScenariosDir()],
    options.contract,
    modules,
    log,
  );
  if (options.watchScenarios) registry.watch();
  const records = recordValidators(options.contract, modules);
  const starting = await startingDump(
    { contract: options.contract, modules, seed, records },
    registry,
    options.activeScenarios ?? [],
  );
  return { registry, records, starting };
}

export async function createMock(options: MockOptions): Promise<Mock> {
  const log = options.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const { modules, handled } = modulesOf(options.contract, options.handlers, log);
  const seed = options.seed ?? 1;
  const { registry, records, starting } = await scenariosAndSeed(options, modules, seed, log);
  const storeOptions = storeOptionsOf(options, starting, log);
  const backends = await chooseBackends(options, storeOptions);
  const { store, journal } = backends;
  // One lock for the API calls and the admin API's writes: every write to a session happens under it.
  const locks = backends.locks ?? sessionLock();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Calls counted for GET /__mock/metrics where the journal is fed: one O(1) count a call, prom-client only when scraped.
  const tally = new CallTally();
  const methods = corsMethods(options.contract.operations.map((op) => op.method));
  const guard = adminGuard({
    adminToken: options.adminToken,
    corsOrigins: options.corsOrigins,
    allowHosts: options.allowHosts,
    listenHost: options.listenHost,
  });
  const pipeline = pipelineOf(
    options,
    { modules: handled, store, journal, seed, limits, tally, locks, registry, log },
    () => listenAddresses(server),
  );
  // The admin app (express) loads in the background after start-up; admin calls that arrive first wait for it.
  const startedAt = Date.now();
  const adminOptions: MockAdminOptions = {
    ...{ modules, store, locks, seed, records, journal, registry, startedAt, log },
    contract: options.contract,
    limits,
    httpStatus: options.httpStatus ?? 'documented',
  };
  const { admin, metrics, rebuildAdmin } = lazyAdmin(adminOptions, tally);
  setImmediate(() => void admin());
  const listenerDeps = {
    ...{ store, journal, pipeline, guard, admin, metrics, methods, limits, startedAt, log },
    contract: options.contract,
  };
  const listener = createListener(listenerDeps);
  let contract = options.contract;
  // Scenarios stay checked against the contract they were loaded with: a scenario naming a new operation loads at restart.
  const useContract = (next: Contract): void => {
    // Everything that can throw first: a failure leaves the previous contract whole.
    const nextMethods = corsMethods(next.operations.map((op) => op.method));
    // A reloaded document's declarations are compiled anew (its operations are new objects).
    const rebuilt = modulesOf(next, options.handlers, log);
    const nextRecords = recordValidators(next, rebuilt.modules);
    replaceAll(modules, rebuilt.modules);
    replaceAll(handled, rebuilt.handled);
    contract = next;
    pipeline.useContract(next);
    listenerDeps.contract = next;
    listenerDeps.methods = nextMethods;
    adminOptions.contract = next;
    adminOptions.records = nextRecords;
    rebuildAdmin();
  };
  const specs = options.watchSpecs?.length
    ? new SpecWatcher(options.contract, options.watchSpecs, useContract, log).watch()
    : undefined;
  const { server, close, shutdown } = serverOf(options, listener, { registry, specs, pipeline, journal, store });
  return {
    get contract() {
      return contract;
    },
    store,
    journal,
    scenarios: registry,
    ...(specs && { specs }),
    useContract,
    pipeline,
    listener,
    server,
    close,
    shutdown,
  };
}

/**
 * The API modules, declared (x-mock-state) and built-in code, built once, their warnings logged; and with the
 * plug-in handlers over them, for the API calls only (an unknown operationId throws before anything opens).
 */
function modulesOf(contract: Contract, handlers: MockOptions['handlers'], log: (m: string) => void) {
  const built = apiModules(contract, API_MODULES);
  for (const w of built.warnings) log(`contract-mock: ${w}`);
  return { modules: built.modules, handled: withHandlers(built.modules, contract, handlers) };
}

/** `target` holding exactly what `from` holds: the pipeline and the admin API keep their reference to it. */
function replaceAll<K, V>(target: Map<K, V>, from: Map<K, V>): void {
  target.clear();
  for (const [k, v] of from) target.set(k, v);
}

/** The node:http server around the listener, and how it closes (at once, or gracefully). */
function serverOf(
  options: MockOptions,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  parts: {
    registry: ScenarioRegistry;
    specs: SpecWatcher | undefined;
    pipeline: Pipeline;
    journal: CallJournal;
    store: Store;
  },
) {
  const { registry, specs, pipeline, journal, store } = parts;
  const server = createHttpServer({ maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024 }, listener);
  answerClientErrors(server, options.contract, options.maxHeaderBytes ?? 16 * 1024);
  server.on('close', () => {
    registry.close();
    specs?.close();
  });
  const close = (): void => {
    registry.close();
    specs?.close();
    for (const res of pipeline.hanging()) res.destroy();
    pipeline.close();
  };
  const shutdown = (graceMs = 10_000): Promise<void> =>
    gracefulShutdown({ server, pipeline, journal, store, close }, graceMs);
  return { server, close, shutdown };
}

/** The store's options from the mock's: the clock, the dump every session starts from, the session and byte caps. */
function storeOptionsOf(options: MockOptions, starting: SessionDump, log: (m: string) => void) {
  return {
    clock: options.clock ?? systemClock,
    seed: () => starting,
    maxSessions: options.maxSessions,
    sessionIdleMs: options.sessionIdleMs,
    maxRecordsPerSession: options.maxRecordsPerSession,
    maxStateBytes: options.maxStateBytes,
    maxStoreBytes: options.maxStoreBytes,
    log,
  };
}

/** The pipeline for API calls over the backends chosen (`listening`: where the server listens, once it does). */
function pipelineOf(
  options: MockOptions,
  parts: Pick<PipelineOptions, 'modules' | 'store' | 'seed' | 'limits' | 'locks' | 'log'> & {
    journal: CallJournal;
    tally: CallTally;
    registry: ScenarioRegistry;
  },
  listening: () => ListenAddress[],
): Pipeline {
  const { journal, tally, registry, ...shared } = parts;
  return createPipeline({
    ...shared,
    contract: options.contract,
    delivery: {
      timeoutMs: 5000,
      maxBodyBytes: 1024 * 1024,
      maxPerCall: DEFAULT_MAX_DELIVERIES,
      listening,
      ...options.delivery,
    },
    ...journalHooks(journal, tally, options.onCall),
    scenarios: registry,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    corsHeaders,
    httpStatus: options.httpStatus ?? 'documented',
    restState: options.restState ?? 'overlay',
  });
}

/**
 * The admin app (express) and the metrics registry (prom-client, about 100 ms to load), each loaded once on first
 * use, off start-up; admin calls that arrive first wait for it. `rebuildAdmin` makes the next call build it anew.
 */
function lazyAdmin(adminOptions: MockAdminOptions, tally: CallTally) {
  let app: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined;
  let registry: Promise<MockMetrics> | undefined;
  return {
    admin: (): NonNullable<typeof app> =>
      (app ??= import('../admin/mock-admin.js').then((m) => m.createMockAdmin(adminOptions))),
    metrics: (): Promise<MockMetrics> =>
      (registry ??= import('../admin/metrics.js').then((m) => m.createMetrics(tally))),
    rebuildAdmin: (): void => void (app = undefined),
  };
}

/**
 * Where the pipeline's records go: counted for the metrics, then the journal (before the answer is sent); options.onCall
 * sees each record once, complete (after its deliveries).
 */
function journalHooks(
  journal: CallJournal,
  tally: CallTally,
  hook: MockOptions['onCall'],
): Pick<PipelineOptions, 'onCall' | 'onDeliveries'> {
  return {
    onCall: (record) => {
      tally.count(record);
      const stored = journal.append(record);
      if (!hook || record.deliveries.length) return stored;
      if (stored instanceof Promise) return stored.then(() => hook(journal.shown(record)));
      hook(journal.shown(record));
    },
    onDeliveries: (record, outcomes) => {
      const stored = journal.addDeliveries(record, outcomes);
      if (stored instanceof Promise) return stored.then((kept) => void hook?.(kept));
      hook?.(stored);
    },
  };
}

/**
 * Graceful shutdown: stop accepting, let in-flight calls finish (at most `graceMs`), let deliveries
 * settle, then flush the journal and the state to disk. Every call that was answered is journaled.
 */
async function gracefulShutdown(
  parts: { server: Server; pipeline: Pipeline; journal: CallJournal; store: Store; close: () => void },
  graceMs: number,
): Promise<void> {
  const { server, pipeline, journal, store, close } = parts;
  close();
  const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
  await pipeline.settled();
  await journal.close();
  await store.close?.();
}

/** Where the server listens, once it does (deliveries to it are refused as `self`); none before. */
function listenAddresses(server: Server): ListenAddress[] {
  const a = server.address();
  return a && typeof a === 'object' ? [{ address: a.address, port: a.port }] : [];
}

/** Loads and compiles the specs, then builds the mock: what `serve` and the tests call. */
export async function startMock(
  options: Omit<MockOptions, 'contract'> & { contract?: Contract; specFiles?: readonly string[] } = {},
): Promise<Mock> {
  const contract = options.contract ?? (await loadContract(options.specFiles));
  return createMock({ ...options, contract });
}
