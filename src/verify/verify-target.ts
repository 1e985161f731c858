/**
 * Provider verification: sends contract-derived requests and each API's stateful flow to a real server (or
 * the mock, or Prism) and checks every answer against the same contracts. Returns a report; knows nothing
 * of consoles or files (see reporters.ts), nor of any one API (flows are data in src/apis/<api>/).
 */
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName, Operation } from '../contract/types.js';
import type { ApiModule } from '../apis/api-module.js';
import { BUILTIN_APIS } from '../apis/builtin-apis.js';
import { defineFlow, type Credentials, type VerifyFlow } from '../apis/verify-flow.js';
import { deriveFlow } from './derive-flow.js';
import { exampleCases, generatedCases, negativeCases } from './build-requests.js';
import type { CheckResult, VerificationReport } from './check-result.js';
import { createSender, type Send, type Sent } from './create-sender.js';
import { flowLength, runFlow } from './run-flow.js';

export type { CheckKind, CheckResult, VerificationReport } from './check-result.js';
export type { Credentials } from '../apis/verify-flow.js';

/** Every flow's credentials at their defaults: what the mock seeds, so a run against it needs no flags. */
export const DEFAULT_CREDENTIALS: Credentials = defaultCredentials(BUILTIN_APIS);

export function defaultCredentials(modules: readonly ApiModule[]): Credentials {
  return Object.assign({}, ...modules.map((m) => m.verifyFlow?.credentials ?? {})) as Credentials;
}

/** The values of the credentials a flow calls secret (the platform secret, an access token): a report masks them. */
export function secretCredentials(
  credentials: Credentials,
  modules: readonly ApiModule[] = BUILTIN_APIS,
): Array<string | undefined> {
  return modules.flatMap((m) => (m.verifyFlow?.secrets ?? []).map((name) => credentials[name]));
}

/**
 * The flow an API runs: its module's hand-written one, else the one its document's x-mock-state declarations
 * imply (derive-flow.ts), else none.
 */
export function flowOf(
  contract: Contract,
  api: ApiName,
  modules: readonly ApiModule[],
): VerifyFlow<unknown> | undefined {
  const written = modules.find((m) => m.api === api)?.verifyFlow;
  if (written) return written;
  const declared = contract.apis.get(api);
  const derived = declared && deriveFlow(declared);
  return derived ? defineFlow(derived) : undefined;
}

/** The values of the secret credentials of the flows derived for a contract's documents (a report masks them). */
export function derivedSecrets(contract: Contract, credentials: Credentials, modules: readonly ApiModule[]): string[] {
  return [...contract.apis.keys()].flatMap((api) => {
    if (modules.some((m) => m.api === api && m.verifyFlow)) return [];
    const flow = flowOf(contract, api, modules);
    return (flow?.secrets ?? []).flatMap((n) => credentials[n] ?? flow?.credentials?.[n] ?? []);
  });
}

export interface VerifyOptions {
  target: string;
  apis?: ApiName[];
  seed: number;
  concurrency: number;
  /** Schema-generated requests per operation. */
  generated: number;
  credentials: Credentials;
  /** Sent as X-Mock-Session, so runs against a mock never share state (a real server ignores it). */
  session: string;
  timeoutMs: number;
  onProgress?: (done: number, total: number, label: string) => void;
  /** The API modules whose flows run (the built-in four unless given). */
  modules?: readonly ApiModule[];
}

/** A generated request meets the schema: a refusal of it as a bad request is a failure of the target. */
function refusedValidRequest(contract: Contract, op: Operation, sent: Sent): CheckResult {
  if (!op.dialect.hasEnvelope) {
    const status = sent.result.response?.status;
    if (status === 400 || status === 422) {
      sent.result.failures.push({
        side: 'response',
        pointer: '',
        rule: 'valid-request-refused',
        message: `a request that meets the schema was refused with HTTP ${status}`,
      });
      sent.result.ok = false;
    }
    return sent.result;
  }
  const dialect = contract.apis.get(op.api)!.dialect;
  const codeOf = (k: string): string | undefined => dialect.entry(k)?.code;
  const refused = [op.paramError, op.jsonError].map(codeOf);
  // Where one code means both "bad parameters" and "bad token" (one failure code for both), a refusal says nothing.
  const ambiguous = (['unauthorized', 'serverError'] as const).some((r) => refused.includes(codeOf(dialect.role(r))));
  if (!ambiguous && sent.code !== undefined && refused.includes(sent.code) && !dialect.isSuccess(sent.code)) {
    sent.result.failures.push({
      side: 'response',
      pointer: '',
      rule: 'valid-request-refused',
      message: `a request that meets the schema was answered with the parameter error ${sent.code}`,
    });
    sent.result.ok = false;
  }
  return sent.result;
}

/** Independent checks: examples, generated requests, negative cases. */
function independentChecks(
  contract: Contract,
  ops: Operation[],
  send: Send,
  options: VerifyOptions,
): Array<() => Promise<CheckResult>> {
  const tasks: Array<() => Promise<CheckResult>> = [];
  for (const op of ops) {
    for (const c of exampleCases(op)) tasks.push(async () => (await send(op, 'example', c.name, c.parts)).result);
    for (const c of generatedCases(op, options.generated, options.seed))
      tasks.push(async () => refusedValidRequest(contract, op, await send(op, 'generated', c.name, c.parts)));
    for (const c of negativeCases(op))
      tasks.push(async () => (await send(op, 'negative', c.name, c.parts, { kind: 'refusal', key: c.expect })).result);
  }
  return tasks;
}

function summarise(checks: CheckResult[]): VerificationReport['summary'] {
  const byApi: VerificationReport['summary']['byApi'] = {};
  for (const r of checks) {
    const s = (byApi[r.api] ??= { total: 0, failed: 0 });
    s.total++;
    if (!r.ok) s.failed++;
  }
  const failed = checks.filter((c) => !c.ok).length;
  return { total: checks.length, passed: checks.length - failed, failed, byApi };
}

export async function verifyTarget(contract: Contract, options: VerifyOptions): Promise<VerificationReport> {
  const started = Date.now();
  const apis = options.apis?.length ? options.apis : [...contract.apis.keys()];
  const ops = contract.operations.filter((o) => apis.includes(o.api));
  const send = createSender(contract, {
    base: options.target.replace(/\/+$/, ''),
    session: options.session,
    timeoutMs: options.timeoutMs,
  });
  const tasks = independentChecks(contract, ops, send, options);
  const modules = options.modules ?? BUILTIN_APIS;
  const flows = apis.flatMap((api) => {
    const flow = flowOf(contract, api, modules);
    return flow ? [{ api, flow }] : [];
  });
  const total = tasks.length + flows.reduce((n, f) => n + flowLength(f.flow), 0);
  let done = 0;
  const checks: CheckResult[] = [];
  const record = (r: CheckResult): void => {
    checks.push(r);
    options.onProgress?.(++done, total, `${r.api} ${r.operationId} ${r.name}`);
  };
  const run = `${options.seed}${Date.now().toString(36)}`;
  // A small pool: at most `concurrency` requests in flight, flows included (a flow is one job: its steps run
  // in order in one worker); the flows go first, being the longest jobs.
  const queue: Array<() => Promise<void>> = [
    ...flows.map(
      ({ api, flow }) =>
        () =>
          runFlow({ api, flow, contract, send, record }, { run, credentials: options.credentials }),
    ),
    ...tasks.map((task) => async () => record(await task())),
  ];
  const workers = Array.from({ length: Math.max(1, options.concurrency) }, async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  });
  await Promise.all(workers);

  checks.sort((a, b) => a.api.localeCompare(b.api) || (a.kind === 'flow' ? 1 : 0) - (b.kind === 'flow' ? 1 : 0) || 0);
  return {
    target: options.target,
    seed: options.seed,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    checks,
    summary: summarise(checks),
  };
}
