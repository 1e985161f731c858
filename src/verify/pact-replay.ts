/**
 * Pact replay: `contract-mock verify --pact FILE` sends a pact's interactions to any target, after setting up
 * each one's provider states through the target's state endpoint, and checks each answer with the
 * interaction's matching rules (type, equality, regex; the nearest rule above a value applies, as in Pact).
 * A subset of Pact matching for contract-mock's own pacts; the official verifier remains the reference.
 */
import type { Violation } from '../contract/types.js';
import type { Pact, PactInteraction } from './pact.js';
import type { CheckResult } from './verify-target.js';

type Rules = Record<string, { matchers: Array<{ match: string; regex?: string }> }>;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const fail = (pointer: string, rule: string, message: string): Violation => ({
  side: 'response',
  pointer,
  rule,
  message,
});

function ruleFor(rules: Rules, path: string): Rules[string] | undefined {
  for (let p = path; ; p = p.replace(/(\.[^.[]+|\[[^\]]+\])$/, '')) {
    if (rules[p]) return rules[p];
    if (p === '$') return undefined;
  }
}

/** Compares an answer with the interaction's expected body under its matching rules; `path` is a Pact JSON path. */
export function matchBody(expected: unknown, actual: unknown, path: string, rules: Rules, out: Violation[]): void {
  const rule = ruleFor(rules, path)?.matchers[0];
  const key = (k: string): string => (/^[A-Za-z_]\w*$/.test(k) ? `${path}.${k}` : `${path}['${k}']`);
  if (rule?.match === 'regex') {
    if (typeof actual !== 'string' || !new RegExp(rule.regex!).test(actual))
      out.push(fail(path, 'regex', `${JSON.stringify(actual)} does not match /${rule.regex}/`));
    return;
  }
  if (rule?.match === 'type' || isObj(expected) || Array.isArray(expected)) {
    if (kind(expected) !== kind(actual))
      return void out.push(
        fail(
          path,
          'type',
          `expected a ${kind(expected)}, got ${actual === undefined ? 'nothing' : JSON.stringify(actual)}`,
        ),
      );
    if (isObj(expected))
      for (const k of Object.keys(expected))
        matchBody(expected[k], (actual as Record<string, unknown>)[k], key(k), rules, out);
    if (Array.isArray(expected))
      expected.forEach((v, i) => matchBody(v, (actual as unknown[])[i], `${path}[${i}]`, rules, out));
    return;
  }
  if (JSON.stringify(expected) !== JSON.stringify(actual))
    out.push(fail(path, 'equality', `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`));
}

export interface ReplayOptions {
  /** The provider-state endpoint (contract-mock: TARGET/__mock/pact/states); undefined: states are not set up. */
  statesUrl?: string;
  /** Sent as X-Mock-Session, so a contract-mock target keeps the replay apart. */
  session: string;
  timeoutMs: number;
  /** Bearer token for the state endpoint (a contract-mock started with --admin-token); never sent to the API paths. */
  statesToken?: string;
}

/** Sets up the interaction's provider states through the state endpoint, in order; a refusal is a failure. */
async function setUpStates(
  i: PactInteraction,
  options: ReplayOptions,
  session: Record<string, string>,
  signal: () => AbortSignal,
  failures: Violation[],
): Promise<void> {
  for (const state of options.statesUrl ? (i.providerStates ?? []) : []) {
    const res = await fetch(options.statesUrl!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...session,
        ...(options.statesToken ? { authorization: `Bearer ${options.statesToken}` } : {}),
      },
      body: JSON.stringify({ state: state.name, params: state.params, action: 'setup' }),
      signal: signal(),
    }).catch((e: Error) => e);
    if (res instanceof Error)
      failures.push(fail('', 'provider-state', `state "${state.name}": ${options.statesUrl} failed (${res.message})`));
    else if (res.status >= 300)
      failures.push(
        fail(
          '',
          'provider-state',
          `state "${state.name}": ${options.statesUrl} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`,
        ),
      );
  }
}

/** Checks an answer against the interaction: its status, and its body under the matching rules. */
async function checkAnswer(i: PactInteraction, res: Response, failures: Violation[]): Promise<CheckResult['response']> {
  const text = await res.text();
  let actual: unknown = text;
  try {
    actual = JSON.parse(text);
  } catch {
    if (i.response.body) failures.push(fail('', 'json', `the answer is not JSON: ${text.slice(0, 80)}`));
  }
  const response = { status: res.status, contentType: res.headers.get('content-type') ?? undefined, body: actual };
  if (res.status !== i.response.status)
    failures.push(fail('/status', 'status', `expected HTTP ${i.response.status}, got ${res.status}`));
  if (i.response.body && typeof actual !== 'string')
    matchBody(
      i.response.body.content,
      actual,
      '$',
      (i.response.matchingRules['body'] ?? {}) as unknown as Rules,
      failures,
    );
  return response;
}

export async function replayInteraction(
  target: string,
  api: string,
  i: PactInteraction,
  options: ReplayOptions,
): Promise<CheckResult> {
  const started = Date.now();
  const failures: Violation[] = [];
  const session = { 'x-mock-session': options.session };
  const signal = (): AbortSignal => AbortSignal.timeout(options.timeoutMs);
  await setUpStates(i, options, session, signal, failures);
  const query = i.request.query
    ? '?' +
      new URLSearchParams(
        Object.entries(i.request.query).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v])),
      ).toString()
    : '';
  const body = i.request.body
    ? typeof i.request.body.content === 'string'
      ? i.request.body.content
      : JSON.stringify(i.request.body.content)
    : undefined;
  const headers: Record<string, string> = {
    ...session,
    ...(i.request.body ? { 'content-type': i.request.body.contentType } : {}),
  };
  const request = {
    method: i.request.method,
    path: i.request.path + query,
    headers,
    ...(body !== undefined ? { body } : {}),
    url: target.replace(/\/$/, '') + i.request.path + query,
  };
  let response: CheckResult['response'];
  const res = await fetch(request.url, { method: request.method, headers, body, signal: signal() }).catch(
    (e: Error) => e,
  );
  if (res instanceof Error)
    failures.push(fail('', 'network', `${request.method} ${request.url} failed: ${res.message}`));
  else response = await checkAnswer(i, res, failures);
  return {
    api,
    operationId: i.description.split(' ')[0] ?? '',
    kind: 'pact',
    name: i.description,
    ok: failures.length === 0,
    failures,
    request,
    ...(response ? { response } : {}),
    durationMs: Date.now() - started,
  };
}

/** Every interaction of a pact, in order, in one session. */
export async function replayPact(target: string, pact: Pact, options: ReplayOptions): Promise<CheckResult[]> {
  const api =
    typeof pact.metadata['contract-mock'] === 'object' && pact.metadata['contract-mock'] !== null
      ? String((pact.metadata['contract-mock'] as Record<string, unknown>)['api'] ?? pact.provider.name)
      : pact.provider.name;
  const out: CheckResult[] = [];
  for (const i of pact.interactions) out.push(await replayInteraction(target, api, i, options));
  return out;
}
