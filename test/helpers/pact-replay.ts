/**
 * A small Pact verifier for tests that must run without @pact-foundation/pact: sets up each interaction's
 * provider states through POST /__mock/pact/states, sends its request and checks the answer with the
 * interaction's matching rules (type, equality, regex; the nearest rule above a value applies). Not a
 * replacement for the official verifier (pact-verify.test.ts runs that when it is installed).
 */
import type { Pact, PactInteraction } from '../../src/verify/pact.js';

type Rules = Record<string, { matchers: Array<{ match: string; regex?: string }> }>;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function ruleFor(rules: Rules, path: string): Rules[string] | undefined {
  for (let p = path; ; p = p.replace(/(\.[^.[]+|\[[^\]]+\])$/, '')) {
    if (rules[p]) return rules[p];
    if (p === '$') return undefined;
  }
}

function check(expected: unknown, actual: unknown, path: string, rules: Rules, problems: string[]): void {
  const rule = ruleFor(rules, path)?.matchers[0];
  const key = (k: string): string => (/^[A-Za-z_]\w*$/.test(k) ? `${path}.${k}` : `${path}['${k}']`);
  if (rule?.match === 'regex') {
    if (typeof actual !== 'string' || !new RegExp(rule.regex!).test(actual)) problems.push(`${path}: ${JSON.stringify(actual)} does not match /${rule.regex}/`);
    return;
  }
  if (rule?.match === 'type' || isObj(expected) || Array.isArray(expected)) {
    if (kind(expected) !== kind(actual)) return void problems.push(`${path}: expected a ${kind(expected)}, got ${JSON.stringify(actual)}`);
    if (isObj(expected)) for (const k of Object.keys(expected)) check(expected[k], (actual as Record<string, unknown>)[k], key(k), rules, problems);
    if (Array.isArray(expected)) expected.forEach((v, i) => check(v, (actual as unknown[])[i], `${path}[${i}]`, rules, problems));
    return;
  }
  if (JSON.stringify(expected) !== JSON.stringify(actual)) problems.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export async function replayInteraction(base: string, i: PactInteraction, session: string): Promise<string[]> {
  const problems: string[] = [];
  for (const state of i.providerStates ?? []) {
    const res = await fetch(`${base}/__mock/pact/states`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-mock-session': session }, body: JSON.stringify({ state: state.name, params: state.params, action: 'setup' }) });
    if (res.status !== 200) problems.push(`state "${state.name}": HTTP ${res.status} ${await res.text()}`);
  }
  const query = i.request.query ? '?' + new URLSearchParams(Object.entries(i.request.query).flatMap(([k, vs]) => vs.map((v): [string, string] => [k, v]))).toString() : '';
  const body = i.request.body ? (typeof i.request.body.content === 'string' ? i.request.body.content : JSON.stringify(i.request.body.content)) : undefined;
  const res = await fetch(base + i.request.path + query, { method: i.request.method, headers: { 'x-mock-session': session, ...(i.request.body ? { 'content-type': i.request.body.contentType } : {}) }, body });
  if (res.status !== i.response.status) problems.push(`status: expected ${i.response.status}, got ${res.status}`);
  const text = await res.text();
  let actual: unknown = text;
  try {
    actual = JSON.parse(text);
  } catch {
    problems.push(`body is not JSON: ${text.slice(0, 80)}`);
  }
  if (i.response.body) check(i.response.body.content, actual, '$', i.response.matchingRules['body'] as unknown as Rules, problems);
  return problems;
}

/** Each interaction's description and what failed (empty: it passed), in the pact's order, all in one session. */
export async function replayPact(base: string, pact: Pact, session: string): Promise<Array<{ description: string; problems: string[] }>> {
  const out: Array<{ description: string; problems: string[] }> = [];
  for (const i of pact.interactions) out.push({ description: i.description, problems: await replayInteraction(base, i, session) });
  return out;
}
