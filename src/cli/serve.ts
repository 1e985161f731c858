/** `contract-mock serve`: starts the mock; on SIGINT / SIGTERM stops accepting, finishes in-flight calls, flushes, exits 0. `run` starts it the same way. */
import { API_MODULES, startMock, type Mock, type MockOptions } from '../server/create-mock.js';
import { apiEntries } from '../server/root-answer.js';
import { loadContract } from '../contract/contract-cache.js';
import type { Contract } from '../contract/compile-contract.js';
import { defaultScenariosDir, loadScenarios } from '../scenarios/load-scenarios.js';
import { inputDir, listenOrExplain, outputDir, outputFile, secretOption, usageError } from './cli-checks.js';
import { deliveryAllowList, type DeliveryAllowList } from '../deliveries/delivery-allow-list.js';
import { refuseExposedHost } from './exposed-host.js';
import { redactedUrl, redisUrlProblem } from '../state/redis-connection.js';

export interface ServeOptions {
  port: string;
  host: string;
  scenario: string[];
  spec: string[];
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

/**
 * Checks the options, starts the mock and resolves once it listens; every mistake (a bad flag, a missing folder,
 * the port in use) is one line `contract-mock COMMAND: ...` and exit 2. `onCall` is for `run`, which reports on the calls.
 */
export async function startServing(
  command: string,
  options: ServeOptions,
  extra: Pick<MockOptions, 'onCall'> = {},
): Promise<Serving> {
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) usageError(command, `${name} must be a whole number above 0, got ${value}`);
    return n;
  };
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    usageError(command, `--port must be 0-65535, got ${options.port}`);
  const adminToken = secretOption(command, {
    flag: '--admin-token',
    value: options.adminToken,
    env: 'CONTRACT_MOCK_ADMIN_TOKEN',
    fileFlag: '--admin-token-file',
    file: options.adminTokenFile,
  });
  refuseExposedHost(options.host, adminToken);
  for (const dir of options.scenarios) inputDir(command, '--scenarios', dir);
  if (options.state) outputDir(command, '--state', options.state);
  if (options.journal) outputFile(command, '--journal', options.journal);
  let allow: DeliveryAllowList;
  try {
    allow = deliveryAllowList(options.allowDelivery);
  } catch (e) {
    usageError(command, (e as Error).message);
  }
  const redisUrl = options.redis ?? (process.env['REDIS_URL'] || undefined);
  if (redisUrl) {
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
  }
  if (options.httpStatus !== 'documented' && options.httpStatus !== 'mapped')
    usageError(command, `--http-status must be documented or mapped, got ${options.httpStatus}`);
  if (options.restState !== 'overlay' && options.restState !== 'strict')
    usageError(command, `--rest-state must be overlay or strict, got ${options.restState}`);
  const scenarioDirs = [defaultScenariosDir(), ...options.scenarios];
  let contract: Contract;
  try {
    contract = await loadContract(options.spec);
  } catch (e) {
    usageError(command, (e as Error).message);
  }
  refuseInvalidScenarios(command, scenarioDirs, contract);
  const mock = await startMock({
    contract,
    seed: Number(options.seed),
    adminToken,
    corsOrigins: options.corsOrigin,
    allowHosts: options.allowHost,
    listenHost: options.host,
    journal: {
      maxPerSession: positive('--journal-per-session', options.journalPerSession),
      maxTotal: positive('--journal-total', options.journalTotal),
      rotateBytes: positive('--journal-max-size', options.journalMaxSize),
      keepFiles:
        Number(options.journalKeep) >= 0 && Number.isInteger(Number(options.journalKeep))
          ? Number(options.journalKeep)
          : positive('--journal-keep', options.journalKeep),
      ...(options.journal && { file: options.journal }),
    },
    delivery: { allow, maxPerCall: positive('--max-deliveries', options.maxDeliveries) },
    limits: {
      maxBodyBytes: positive('--max-body', options.maxBody),
      maxDepth: positive('--max-depth', options.maxDepth),
      maxFields: positive('--max-fields', options.maxFields),
      requestTimeoutMs: positive('--request-timeout', options.requestTimeout),
      maxHeld: positive('--max-held', options.maxHeld),
      maxHoldMs: positive('--max-hold', options.maxHold),
      maxResponseBytes: positive('--max-response', options.maxResponse),
    },
    maxHeaderBytes: positive('--max-header-size', options.maxHeaderSize),
    maxSessions: positive('--max-sessions', options.maxSessions),
    maxRecordsPerSession: positive('--max-records', options.maxRecords),
    maxStateBytes: positive('--max-state-bytes', options.maxStateBytes),
    maxStoreBytes: positive('--max-store-bytes', options.maxStoreBytes),
    sessionIdleMs:
      Number(options.sessionIdle) >= 0
        ? Number(options.sessionIdle) * 1000
        : positive('--session-idle', options.sessionIdle),
    stateDir: options.state,
    scenarioDirs,
    ...(redisUrl && {
      redis: {
        url: redisUrl,
        prefix: options.redisPrefix,
        timeoutMs: positive('--redis-timeout', options.redisTimeout),
        sessionTtlMs: positive('--redis-session-ttl', options.redisSessionTtl) * 1000,
      },
    }),
    activeScenarios: options.scenario,
    specFiles: options.spec,
    watchScenarios: true,
    watchSpecs: options.spec,
    httpStatus: options.httpStatus,
    restState: options.restState,
    ...extra,
  }).catch((e: Error) => usageError(command, e.message));
  await new Promise<void>((resolve) => listenOrExplain(command, mock.server, port, options.host, resolve));
  const address = mock.server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { mock, url: `http://${host}:${actual}`, adminToken };
}

/**
 * A scenario file that does not load stops the start (exit 2), one line FILE:LINE: MESSAGE per problem: a CI run
 * must not pass without the scenario it asked for. Hot reload, once serving, stays lenient (scenario-registry.ts).
 */
function refuseInvalidScenarios(command: string, dirs: string[], contract: Contract): void {
  const { problems } = loadScenarios(dirs, contract, new Map(API_MODULES.map((m) => [m.api, m])));
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
  // A served document's pattern RE2 cannot run is left unchecked (docs/guides/any-document.md, "Patterns in linear time"): say so once.
  for (const p of mock.contract.uncheckedPatterns)
    console.warn(
      `contract-mock: ${p.file}: pattern ${JSON.stringify(p.pattern)} is not checked (RE2, linear time, cannot run it: ${p.reason})`,
    );
  // A served document's own faults (issue 28): served around, named once; lint --spec lists every one.
  const problems = mock.contract.documentProblems;
  for (const p of problems.slice(0, 20)) console.warn(`contract-mock: warning: ${p.message} (at ${p.pointer})`);
  if (problems.length > 20)
    console.warn(
      `contract-mock: warning: ${problems.length - 20} more faults of the served documents; contract-mock lint --spec FILE lists them all`,
    );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
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
