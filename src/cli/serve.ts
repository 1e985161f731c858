/** `contract-mock serve`: starts the mock; on SIGINT / SIGTERM stops accepting, finishes in-flight calls, flushes, exits 0. `run` starts it the same way. */
import { startMock, type Mock, type MockOptions } from '../server/create-mock.js';
import { apiModules } from '../server/api-modules.js';
import { apiEntries } from '../server/root-answer.js';
import { loadContract } from '../contract/contract-cache.js';
import type { Contract } from '../contract/compile-contract.js';
import { defaultScenariosDir, loadScenarios } from '../scenarios/load-scenarios.js';
import { inputDir, listenOrExplain, outputDir, outputFile, secretOption, usageError } from './cli-checks.js';
import { deliveryAllowList, type DeliveryAllowList } from '../deliveries/delivery-allow-list.js';
import { refuseExposedHost } from './exposed-host.js';
import { redactedUrl, redisUrlProblem } from '../state/redis-words.js';
import type { Handler } from '../apis/api-module.js';
import { loadHandlersFile, unknownOperationIds } from '../apis/plugin-handlers.js';
import { checkServedDocuments } from '../server/document-check.js';

export interface ServeOptions {
  port: string;
  host: string;
  scenario: string[];
  spec: string[];
  handlers: string[];
  scenarios: string[];
  state?: string;
  journal?: string;
  adminToken?: string;
  adminTokenFile?: string;
  corsOrigin: string[];
  allowHost: string[];
  seed: string;
  maxBody: string;
  maxDepth: string;
  maxFields: string;
  maxHeaderSize: string;
  maxSessions: string;
  maxRecords: string;
  maxStateBytes: string;
  maxStoreBytes: string;
  maxResponse: string;
  sessionIdle: string;
  journalPerSession: string;
  journalTotal: string;
  requestTimeout: string;
  maxHeld: string;
  maxHold: string;
  maxDeliveries: string;
  allowDelivery: string[];
  journalMaxSize: string;
  journalKeep: string;
  redis?: string;
  redisPrefix: string;
  redisTimeout: string;
  redisSessionTtl: string;
  httpStatus: string;
  restState: string;
}

/** A mock `serve` (or `run`) started: listening at `url`. */
export interface Serving {
  mock: Mock;
  url: string;
  adminToken: string | undefined;
}

/** The value of a flag that must be a whole number above 0; a usage error otherwise. */
function positive(command: string, name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) usageError(command, `${name} must be a whole number above 0, got ${value}`);
  return n;
}

/** The --port to listen on, 0-65535 (0: a free port); a usage error otherwise. */
function checkedPort(command: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usageError(command, `--port must be 0-65535, got ${value}`);
  return port;
}

/** The admin token (flag, environment or file), refused as missing when --host exposes the admin API off loopback. */
function checkedAdminToken(command: string, options: ServeOptions): string | undefined {
  const adminToken = secretOption(command, {
    flag: '--admin-token',
    value: options.adminToken,
    env: 'CONTRACT_MOCK_ADMIN_TOKEN',
    fileFlag: '--admin-token-file',
    file: options.adminTokenFile,
  });
  refuseExposedHost(options.host, adminToken);
  return adminToken;
}

/** Refuses a --scenarios folder that cannot be read, a --state folder or --journal file that cannot be written. */
function checkPaths(command: string, options: ServeOptions): void {
  for (const dir of options.scenarios) inputDir(command, '--scenarios', dir);
  if (options.state) outputDir(command, '--state', options.state);
  if (options.journal) outputFile(command, '--journal', options.journal);
}

/** The webhook destinations --allow-delivery allows; a usage error naming the one that does not parse. */
function checkedAllowList(command: string, options: ServeOptions): DeliveryAllowList {
  try {
    return deliveryAllowList(options.allowDelivery);
  } catch (e) {
    return usageError(command, (e as Error).message);
  }
}

/** The Redis URL (--redis, else $REDIS_URL), if any, checked with --state and --redis-prefix; exit 2 on a mistake. */
function checkedRedisUrl(options: ServeOptions): string | undefined {
  const redisUrl = options.redis ?? (process.env['REDIS_URL'] || undefined);
  if (!redisUrl) return undefined;
  const problem = redisUrlProblem(redisUrl);
  if (problem) {
    console.error(`contract-mock: --redis: ${problem}`);
    process.exit(2);
  }
  if (options.state) {
    console.error(
      'contract-mock: --redis and --state both keep the state; choose one (--redis to share it between instances)',
    );
    process.exit(2);
  }
  if (!/^[\x21-\x7e]{1,64}$/.test(options.redisPrefix) || /[{}]/.test(options.redisPrefix)) {
    console.error(
      `contract-mock: --redis-prefix must be 1-64 printable ASCII characters without spaces or braces, got "${options.redisPrefix}"`,
    );
    process.exit(2);
  }
  return redisUrl;
}

/** --http-status and --rest-state, each one of its two modes; a usage error otherwise. */
function checkedModes(command: string, options: ServeOptions): Pick<MockOptions, 'httpStatus' | 'restState'> {
  const { httpStatus, restState } = options;
  if (httpStatus !== 'documented' && httpStatus !== 'mapped')
    usageError(command, `--http-status must be documented or mapped, got ${httpStatus}`);
  if (restState !== 'overlay' && restState !== 'strict')
    usageError(command, `--rest-state must be overlay or strict, got ${restState}`);
  return { httpStatus, restState };
}

/** The built-in contracts plus the --spec documents; a usage error naming a document that does not load. */
async function loadServedContract(command: string, specs: string[]): Promise<Contract> {
  try {
    return await loadContract(specs);
  } catch (e) {
    return usageError(command, (e as Error).message);
  }
}

/**
 * The --handlers files' handlers, later files overriding earlier ones; a file that does not load, exports something
 * other than handlers or names an operationId no served document has is one line naming it, and exit 2.
 */
async function loadHandlers(
  command: string,
  files: string[] = [],
  contract: Contract,
): Promise<Record<string, Handler>> {
  const handlers: Record<string, Handler> = {};
  for (const file of files) {
    const loaded = await loadHandlersFile(file).catch((e: Error) => usageError(command, `--handlers ${e.message}`));
    const unknown = unknownOperationIds(contract, loaded);
    if (unknown.length) usageError(command, `--handlers ${file}: no served operation has operationId "${unknown[0]}"`);
    Object.assign(handlers, loaded);
  }
  return handlers;
}

/** The journal's retention and file: --journal-per-session, --journal-total, --journal-max-size, --journal-keep, --journal. */
function journalLimits(command: string, options: ServeOptions): MockOptions['journal'] {
  return {
    maxPerSession: positive(command, '--journal-per-session', options.journalPerSession),
    maxTotal: positive(command, '--journal-total', options.journalTotal),
    rotateBytes: positive(command, '--journal-max-size', options.journalMaxSize),
    keepFiles:
      Number(options.journalKeep) >= 0 && Number.isInteger(Number(options.journalKeep))
        ? Number(options.journalKeep)
        : positive(command, '--journal-keep', options.journalKeep),
    ...(options.journal && { file: options.journal }),
  };
}

/** What one request may take: body, nesting, fields, time to arrive, answers held, answer size. */
function requestLimits(command: string, options: ServeOptions): MockOptions['limits'] {
  return {
    maxBodyBytes: positive(command, '--max-body', options.maxBody),
    maxDepth: positive(command, '--max-depth', options.maxDepth),
    maxFields: positive(command, '--max-fields', options.maxFields),
    requestTimeoutMs: positive(command, '--request-timeout', options.requestTimeout),
    maxHeld: positive(command, '--max-held', options.maxHeld),
    maxHoldMs: positive(command, '--max-hold', options.maxHold),
    maxResponseBytes: positive(command, '--max-response', options.maxResponse),
  };
}

/** How many sessions are held, how much state each and all keep, and how long one idles before it goes first. */
function sessionLimits(
  command: string,
  options: ServeOptions,
): Pick<MockOptions, 'maxSessions' | 'maxRecordsPerSession' | 'maxStateBytes' | 'maxStoreBytes' | 'sessionIdleMs'> {
  return {
    maxSessions: positive(command, '--max-sessions', options.maxSessions),
    maxRecordsPerSession: positive(command, '--max-records', options.maxRecords),
    maxStateBytes: positive(command, '--max-state-bytes', options.maxStateBytes),
    maxStoreBytes: positive(command, '--max-store-bytes', options.maxStoreBytes),
    sessionIdleMs:
      Number(options.sessionIdle) >= 0
        ? Number(options.sessionIdle) * 1000
        : positive(command, '--session-idle', options.sessionIdle),
  };
}

/** The shared Redis store at `url`: its key prefix, wait limit and session time to live. */
function redisStore(command: string, options: ServeOptions, url: string): MockOptions['redis'] {
  return {
    url,
    prefix: options.redisPrefix,
    timeoutMs: positive(command, '--redis-timeout', options.redisTimeout),
    sessionTtlMs: positive(command, '--redis-session-ttl', options.redisSessionTtl) * 1000,
  };
}

/** The URL the mock listens at: the port it got (for --port 0, the free one), an IPv6 host in brackets. */
function listeningUrl(mock: Mock, port: number, listenHost: string): string {
  const address = mock.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const host = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return `http://${host}:${actual}`;
}

/**
 * Checks the options, starts the mock and resolves once it listens; every mistake (a bad flag, a missing folder,
 * the port in use) is one line `contract-mock COMMAND: ...` and exit 2. `onCall` is for `run`, which reports on the calls.
 */
export async function startServing(
  command: string,
  options: ServeOptions,
  extra: Pick<MockOptions, 'onCall'> = {},
): Promise<Serving> {
  const port = checkedPort(command, options.port);
  const adminToken = checkedAdminToken(command, options);
  checkPaths(command, options);
  const allow = checkedAllowList(command, options);
  const redisUrl = checkedRedisUrl(options);
  const modes = checkedModes(command, options);
  const scenarioDirs = [defaultScenariosDir(), ...options.scenarios];
  const contract = await loadServedContract(command, options.spec);
  refuseInvalidScenarios(command, scenarioDirs, contract);
  const handlers = await loadHandlers(command, options.handlers, contract);
  const mock = await startMock({
    contract,
    handlers,
    seed: Number(options.seed),
    adminToken,
    corsOrigins: options.corsOrigin,
    allowHosts: options.allowHost,
    listenHost: options.host,
    journal: journalLimits(command, options),
    delivery: { allow, maxPerCall: positive(command, '--max-deliveries', options.maxDeliveries) },
    limits: requestLimits(command, options),
    maxHeaderBytes: positive(command, '--max-header-size', options.maxHeaderSize),
    ...sessionLimits(command, options),
    stateDir: options.state,
    scenarioDirs,
    ...(redisUrl && { redis: redisStore(command, options, redisUrl) }),
    activeScenarios: options.scenario,
    specFiles: options.spec,
    watchScenarios: true,
    watchSpecs: options.spec,
    ...modes,
    ...extra,
  }).catch((e: Error) => usageError(command, e.message));
  await new Promise<void>((resolve) => listenOrExplain(command, mock.server, port, options.host, resolve));
  return { mock, url: listeningUrl(mock, port, options.host), adminToken };
}

/**
 * A scenario file that does not load stops the start (exit 2), one line FILE:LINE: MESSAGE per problem: a CI run
 * must not pass without the scenario it asked for. Hot reload, once serving, stays lenient (scenario-registry.ts).
 */
function refuseInvalidScenarios(command: string, dirs: string[], contract: Contract): void {
  const { problems } = loadScenarios(dirs, contract, apiModules(contract).modules);
  if (!problems.length) return;
  const lines = problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
  for (const line of lines.slice(0, -1)) console.error(`contract-mock ${command}: ${line}`);
  usageError(command, lines[lines.length - 1]!);
}

export async function serveCommand(options: ServeOptions): Promise<void> {
  const started = performance.now();
  const { mock, url: base, adminToken } = await startServing('serve', options);
  const redisUrl = options.redis ?? (process.env['REDIS_URL'] || undefined);
  const state = options.state
    ? `, state in ${options.state}`
    : redisUrl
      ? `, shared through ${redactedUrl(redisUrl)} as "${options.redisPrefix}"`
      : '';
  const journal = options.journal
    ? `, journal in ${options.journal}`
    : options.state
      ? `, journal in ${options.state}/journal.ndjson`
      : '';
  const own = options.scenarios.length ? `, scenarios also from ${options.scenarios.join(', ')}` : '';
  // One line per API, where its operations live: what to point a client at.
  const apis = apiEntries(mock.contract, base);
  const width = Math.max(...apis.map((a) => a.name.length));
  console.log(
    `contract-mock listening on ${base} (${mock.contract.apis.size} APIs, ${mock.contract.operations.length} operations${state}${journal}${own}, ready in ${Math.round(performance.now() - started)} ms)\n` +
      apis.map((a) => `  ${a.name.padEnd(width)}  ${a.baseUrl}/...\n`).join('') +
      `  dashboard  ${base}/__mock/ui/${adminToken ? '?admin_token=<token>' : ''}\n` +
      `  admin API  ${base}/__mock (health, calls, verify, state, scenarios ...)`,
  );
  // A served document's own faults (issue 28), found after listen as its operations compile on first use.
  const check = checkServedDocuments(mock.contract, (line) => console.warn(line));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    check.stop();
    console.log(`contract-mock: ${signal}, finishing in-flight calls and flushing`);
    mock.shutdown(10_000).then(
      () => process.exit(0),
      (e: Error) => {
        console.error(`contract-mock: shutdown failed: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
