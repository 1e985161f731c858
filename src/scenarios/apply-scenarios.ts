/**
 * The scenario stage of the pipeline: finds the rules of the call's scenarios (this request's
 * `X-Mock-Scenario`, then the session's active ones) that match it, counts their hits per session,
 * and says what to do: effects and delays accumulate; the first rule that decides the answer
 * (error, body, HTTP error, fault, pass) wins, as in msw.
 */
import { headerText } from '../contract/decode-body.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiModule } from '../apis/api-module.js';
import type { RequestInput } from '../contract/validate-request.js';
import type { JsonObject, Operation } from '../contract/types.js';
import { compileLinear, type PatternTest } from '../contract/linear-regexp.js';
import type { ScenarioEffect } from '../journal/call-record.js';
import type { SessionStore } from '../state/store.js';
import type { FakeData } from '../answers/fake-data.js';
import type { Effect, Fault, Predicate, Rule, Scenario, Then, When } from './scenario.js';
import type { ScenarioRegistry } from './scenario-registry.js';

export const ACTIVE = 'mock:scenarios';
export const HITS = 'mock:hits';
export const SCENARIO_HEADER = 'x-mock-scenario';

export type Decision =
  | { kind: 'error'; key: string; message?: string }
  | { kind: 'response'; status: number; body: unknown; headers: Record<string, string> }
  | { kind: 'http-error'; status: number; headers: Record<string, string> }
  | { kind: 'fault'; fault: Fault }
  | { kind: 'pass' };

export interface ScenarioOutcome {
  applied: ScenarioEffect[];
  delayMs: number;
  decision?: Decision;
  /** Marks effects left for the handler of this call. */
  flags: Record<string, unknown>;
}

export interface ActiveScenario {
  name: string;
  activatedAt: number;
}

export const hitKey = (scenario: string, rule: number): string => `${scenario}#${rule}`;

const list = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

function isOperator(p: unknown): p is { in?: unknown[]; matches?: string; exists?: boolean } {
  return (
    !!p &&
    typeof p === 'object' &&
    !Array.isArray(p) &&
    Object.keys(p).every((k) => k === 'in' || k === 'matches' || k === 'exists')
  );
}

/**
 * `matches` patterns compiled once each (scenario files are few; the request path only looks them up), on
 * RE2: linear in the value matched, whatever the pattern (issue 25). Loading refuses a pattern RE2 cannot
 * run (load-scenarios.ts); one that still got here matches nothing.
 */
const patterns = new Map<string, PatternTest>();
const NO_MATCH: PatternTest = { test: () => false };
const pattern = (source: string): PatternTest => {
  let re = patterns.get(source);
  if (!re) {
    const compiled = compileLinear(source);
    patterns.set(source, (re = compiled.ok ? compiled.pattern : NO_MATCH));
  }
  return re;
};

/** Numbers and strings compare as text (query and form values arrive as text); objects match partially. */
export function matchesPredicate(pred: Predicate | unknown, actual: unknown): boolean {
  if (isOperator(pred)) {
    if (pred.exists !== undefined && (actual !== undefined) !== pred.exists) return false;
    if (pred.in !== undefined && !pred.in.some((v) => matchesPredicate(v, actual))) return false;
    if (
      pred.matches !== undefined &&
      (actual === undefined ||
        !pattern(pred.matches).test(typeof actual === 'string' ? actual : JSON.stringify(actual)))
    )
      return false;
    return true;
  }
  if (pred !== null && typeof pred === 'object') {
    if (Array.isArray(pred))
      return (
        Array.isArray(actual) && pred.length === actual.length && pred.every((p, i) => matchesPredicate(p, actual[i]))
      );
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(pred).every(([k, p]) => matchesPredicate(p, (actual as JsonObject)[k]));
  }
  if (actual === null || typeof actual === 'object' || actual === undefined) return pred === actual;
  return String(pred) === String(actual);
}

export function matchesWhen(
  when: When,
  op: Operation,
  pathname: string,
  input: RequestInput,
  headers: IncomingHttpHeaders,
): boolean {
  if (when.api && !list(when.api)!.includes(op.api)) return false;
  if (when.operationId && !list(when.operationId)!.includes(op.operationId)) return false;
  if (when.method && !list(when.method)!.some((m) => m.toUpperCase() === op.method)) return false;
  if (when.path && when.path !== pathname && when.path !== op.path) return false;
  if (when.authenticated !== undefined && Boolean(op.auth) !== when.authenticated) return false;
  if (when.query && !Object.entries(when.query).every(([k, p]) => matchesPredicate(p, input.query[k]))) return false;
  if (when.headers && !Object.entries(when.headers).every(([k, p]) => matchesPredicate(p, headers[k.toLowerCase()])))
    return false;
  if (when.body && !Object.entries(when.body).every(([k, p]) => matchesPredicate(p, input.body?.[k]))) return false;
  return true;
}

/** The scenario names a request asks for with `X-Mock-Scenario: a,b`. */
export function requestedScenarios(headers: IncomingHttpHeaders): string[] {
  const raw = headers[SCENARIO_HEADER];
  if (raw === undefined) return [];
  const text = headerText(Array.isArray(raw) ? raw.join(',') : (raw ?? ''));
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function decisionOf(then: Then): Decision | undefined {
  if (then.fault) return { kind: 'fault', fault: then.fault };
  if (then.httpError !== undefined) return { kind: 'http-error', status: then.httpError, headers: then.headers ?? {} };
  if (then.error !== undefined) return { kind: 'error', key: then.error, message: then.message };
  if (then.body !== undefined || then.status !== undefined)
    return { kind: 'response', status: then.status ?? 200, body: then.body ?? null, headers: then.headers ?? {} };
  if (then.pass) return { kind: 'pass' };
  return undefined;
}

export interface ScenarioCall {
  op: Operation;
  pathname: string;
  input: RequestInput;
  headers: IncomingHttpHeaders;
  session: SessionStore;
  module: ApiModule | undefined;
  /** Runs `fn` alone among this session's calls (the pipeline's per-session queue). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Seeded data for delay ranges; created only when a rule needs it. */
  fake: () => FakeData | Promise<FakeData>;
  requested: string[];
}

/**
 * What the session's active scenarios and the request's named ones do to this call. With none of
 * either (the common case) the answer is immediate when the store's answer is: no promise, no lock.
 */
export function applyScenarios(
  registry: ScenarioRegistry,
  call: ScenarioCall,
): ScenarioOutcome | Promise<ScenarioOutcome> {
  const active = call.session.list<ActiveScenario>(ACTIVE);
  return Array.isArray(active)
    ? applyActive(registry, call, active)
    : active.then((a) => applyActive(registry, call, a));
}

function applyActive(
  registry: ScenarioRegistry,
  call: ScenarioCall,
  active: ActiveScenario[],
): ScenarioOutcome | Promise<ScenarioOutcome> {
  const outcome: ScenarioOutcome = { applied: [], delayMs: 0, flags: {} };
  if (!active.length && !call.requested.length) return outcome;
  // Hit counters are read-modify-write: rules are evaluated under the session's queue.
  return call.exclusive(() => evaluate(registry, call, active, outcome));
}

async function evaluate(
  registry: ScenarioRegistry,
  call: ScenarioCall,
  active: ActiveScenario[],
  outcome: ScenarioOutcome,
): Promise<ScenarioOutcome> {
  const names = [
    ...new Set([...call.requested, ...active.sort((a, b) => a.activatedAt - b.activatedAt).map((a) => a.name)]),
  ];
  for (const name of names) {
    const scenario: Scenario | undefined = registry.get(name);
    if (!scenario) continue;
    for (const [index, rule] of scenario.rules.entries()) {
      if (!matchesWhen(rule.when, call.op, call.pathname, call.input, call.headers)) continue;
      const then = await take(call.session, name, index, rule);
      if (!then) continue;
      outcome.applied.push({ scenario: name, rule: index, ...(rule.description && { description: rule.description }) });
      if (then.effect !== undefined) {
        const effect: Effect = typeof then.effect === 'string' ? { name: then.effect } : then.effect;
        const run = call.module?.effects?.[effect.name];
        if (run)
          await run({ op: call.op, input: call.input, session: call.session, params: effect, flags: outcome.flags });
      }
      if (then.delay !== undefined)
        outcome.delayMs +=
          typeof then.delay === 'number' ? then.delay : (await call.fake()).int(then.delay.min, then.delay.max);
      const decision = decisionOf(then);
      if (decision) {
        outcome.decision = decision;
        return outcome;
      }
    }
  }
  return outcome;
}

/** Counts a hit and returns the outcome for it, or undefined when the rule is used up (times / steps). */
async function take(session: SessionStore, scenario: string, index: number, rule: Rule): Promise<Then | undefined> {
  const key = hitKey(scenario, index);
  const hits = (await session.get<number>(HITS, key)) ?? 0;
  let then: Then | undefined;
  if (rule.steps) then = rule.steps[hits];
  else if (rule.times === undefined || hits < rule.times) then = rule.then;
  if (!then) return undefined;
  await session.put(HITS, key, hits + 1);
  return then;
}

/** The HTML a gateway (nginx) sends in front of a failing upstream. */
export function gatewayPage(status: number): string {
  const reason: Record<number, string> = {
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Temporarily Unavailable',
    504: 'Gateway Time-out',
    429: 'Too Many Requests',
  };
  const title = `${status} ${reason[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
