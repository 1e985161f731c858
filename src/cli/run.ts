/**
 * `contract-mock run [serve options] -- COMMAND...`: serves the mock in this process, runs COMMAND (no shell) with
 * CONTRACT_MOCK_URL, reports on the sessions it used, stops the mock and exits with COMMAND's code (1 when it passed
 * but the report did not). What the serve options mean is serve.ts's; what a report says is report.ts's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { CallRecord } from '../journal/call-record.js';
import { buildReport, type ViolationReport } from '../journal/violation-report.js';
import { outputFile, usageError } from './cli-checks.js';
import { publishReport } from './report.js';
import { startServing, type ServeOptions, type Serving } from './serve.js';

export interface RunOptions extends ServeOptions {
  junit?: string;
  json?: string;
  keepSecrets?: boolean;
  allowEmpty?: boolean;
  failOnDocumentFaults?: boolean;
}

/** Longest the mock may take to start (Redis that never answers, a huge --spec) before `run` gives up with exit 2. */
const START_BOUND_MS = 60_000;
/** Longest the mock takes to finish in-flight calls and flush once the command has exited. */
const STOP_GRACE_MS = 5_000;

/** How the command ended: its exit code, the signal that ended it, or why it could not start. */
type Ended =
  | { kind: 'exit'; code: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'spawn-failed'; reason: string };

export async function runCommand(argv: string[], options: RunOptions): Promise<void> {
  if (!argv.length) usageError('run', 'no command to run: write it after --, e.g. contract-mock run -- npm test');
  if (options.junit) outputFile('run', '--junit', options.junit);
  if (options.json) outputFile('run', '--json', options.json);
  // The calls the command made, by session (ids only): a --state or --redis journal may hold older calls too.
  const used = new Map<string, Set<string>>();
  const onCall = (record: CallRecord): void => {
    let ids = used.get(record.session);
    if (!ids) used.set(record.session, (ids = new Set()));
    ids.add(record.id);
  };
  const bound = setTimeout(
    () => usageError('run', `the mock did not start within ${START_BOUND_MS / 1000} s; nothing was run`),
    START_BOUND_MS,
  );
  const serving = await startServing('run', options, { onCall });
  clearTimeout(bound);
  console.error(
    `contract-mock run: mock listening on ${serving.url}; running ${argv.join(' ')} with CONTRACT_MOCK_URL=${serving.url}`,
  );

  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, CONTRACT_MOCK_URL: serving.url },
  });
  const ended = await childEnded(child);
  if (ended.kind === 'spawn-failed') {
    await serving.mock.shutdown(STOP_GRACE_MS);
    usageError('run', `cannot run ${argv[0]}: ${ended.reason}`);
  }
  const commandCode = ended.kind === 'exit' ? ended.code : 128 + (constants.signals[ended.signal] ?? 0);
  const reportCode = await reportOnUsed(serving, used, options, commandCode === 0);
  await serving.mock
    .shutdown(STOP_GRACE_MS)
    .catch((e: Error) => console.error(`contract-mock run: stopping the mock failed: ${e.message}`));
  if (ended.kind === 'signal') console.error(`contract-mock run: ${argv[0]} was ended by ${ended.signal}`);
  process.exit(commandCode !== 0 ? commandCode : reportCode);
}

/**
 * Waits for the command to end. SIGINT and SIGTERM to `run` go to the command (Ctrl-C reaches both anyway when
 * they share a terminal); the mock stops once the command has exited, so its last calls are still answered.
 */
function childEnded(child: ChildProcess): Promise<Ended> {
  return new Promise((resolve) => {
    const forward = (signal: NodeJS.Signals) => (): void =>
      void (child.exitCode === null && child.signalCode === null && child.kill(signal));
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const done = (ended: Ended): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(ended);
    };
    child.once('error', (e: NodeJS.ErrnoException) =>
      done({
        kind: 'spawn-failed',
        reason:
          e.code === 'ENOENT' ? 'no such command (ENOENT); give its path or put it on PATH' : (e.code ?? e.message),
      }),
    );
    child.once('exit', (code, signal) => done(signal ? { kind: 'signal', signal } : { kind: 'exit', code: code ?? 1 }));
  });
}

/** Reports on each session the command used, as `contract-mock report` would; 1 when any broke the contract or nothing was called. */
async function reportOnUsed(
  serving: Serving,
  used: Map<string, Set<string>>,
  options: RunOptions,
  commandPassed: boolean,
): Promise<0 | 1> {
  const { mock } = serving;
  // Webhook deliveries the last calls started are part of their records.
  await mock.pipeline.settled();
  if (used.size === 0) {
    // A failed command that called nothing has its own story to tell; a passing one most often ignored CONTRACT_MOCK_URL.
    if (options.allowEmpty || !commandPassed) return 0;
    console.error(
      `contract-mock run: warning: the command made no calls to the mock, so nothing was checked; have it call $CONTRACT_MOCK_URL, or pass --allow-empty`,
    );
    return 1;
  }
  const reports: ViolationReport[] = [];
  for (const [session, ids] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
    const [calls, lost] = await Promise.all([mock.journal.query(session), mock.journal.lost(session)]);
    reports.push(
      buildReport(
        session,
        calls.filter((c) => ids.has(c.id)),
        lost,
      ),
    );
  }
  return publishReport('run', reports, options, [serving.adminToken]);
}
