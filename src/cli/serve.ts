/** `contract-mock serve`: starts the mock; on SIGINT / SIGTERM stops accepting, finishes in-flight calls, flushes, exits 0. */
import { startMock } from '../mock/create-server.js';

export interface ServeOptions {
  port: string;
  host: string;
  scenario: string[];
  spec: string[];
  state?: string;
  journal?: string;
  adminToken?: string;
  seed: string;
  maxBody: string;
  maxDepth: string;
  maxFields: string;
  maxHeaderSize: string;
  maxSessions: string;
  maxRecords: string;
  sessionIdle: string;
  journalPerSession: string;
  journalTotal: string;
  requestTimeout: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/;

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`contract-mock: ${name} must be a whole number above 0, got ${value}`);
    process.exit(2);
  }
  return n;
}

export async function serveCommand(options: ServeOptions): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`contract-mock: --port must be 0-65535, got ${options.port}`);
    process.exit(2);
  }
  if (!LOOPBACK.test(options.host) && !options.adminToken) {
    console.error(
      `contract-mock: refusing to bind ${options.host} without --admin-token: anyone on that network could reset or read the mock.\n` +
        `Fix: add --admin-token SOME-SECRET (clients send "Authorization: Bearer SOME-SECRET" to /__mock), or bind --host 127.0.0.1.`,
    );
    process.exit(2);
  }
  const started = performance.now();
  const mock = await startMock({
    seed: Number(options.seed),
    adminToken: options.adminToken,
    journal: {
      maxPerSession: positive('--journal-per-session', options.journalPerSession),
      maxTotal: positive('--journal-total', options.journalTotal),
      ...(options.journal && { file: options.journal }),
    },
    limits: {
      maxBodyBytes: positive('--max-body', options.maxBody),
      maxDepth: positive('--max-depth', options.maxDepth),
      maxFields: positive('--max-fields', options.maxFields),
      requestTimeoutMs: positive('--request-timeout', options.requestTimeout),
    },
    maxHeaderBytes: positive('--max-header-size', options.maxHeaderSize),
    maxSessions: positive('--max-sessions', options.maxSessions),
    maxRecordsPerSession: positive('--max-records', options.maxRecords),
    sessionIdleMs: Number(options.sessionIdle) >= 0 ? Number(options.sessionIdle) * 1000 : positive('--session-idle', options.sessionIdle),
    stateDir: options.state,
    activeScenarios: options.scenario,
    specFiles: options.spec,
    watchScenarios: true,
  }).catch((e: Error) => {
    console.error(`contract-mock: ${e.message}`);
    process.exit(2);
  });
  mock.server.listen(port, options.host, () => {
    const address = mock.server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const state = options.state ? `, state in ${options.state}` : '';
    const base = `http://${host}:${actual}`;
    console.log(
      `contract-mock listening on ${base} (${mock.contract.apis.size} APIs, ${mock.contract.operations.length} operations${state}, ready in ${Math.round(performance.now() - started)} ms)\n` +
        `  dashboard  ${base}/__mock/ui/${options.adminToken ? '?admin_token=<token>' : ''}\n` +
        `  admin API  ${base}/__mock (health, calls, verify, state, scenarios ...)`,
    );
  });
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
