/**
 * Loads scenario files (YAML) and checks them: against scenarios/scenario.schema.json, then against
 * the contract (APIs, operationIds, error codes, effects). Every problem names file, line and field.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import type { Document as YamlDocument } from 'yaml';
import { newAjv, type Contract } from '../contract/compile-contract.js';
import { compileLinear } from '../contract/linear-regexp.js';
import { cachedScenarioValidator, cachedScenarioValue, scenarioSchemaFile } from '../contract/contract-cache.js';

const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');
import { joinPointer } from '../contract/json-pointer.js';
import { lineOf } from '../contract/yaml-lines.js';
import { packageRoot } from '../contract/load-specs.js';
import type { ApiModule } from '../apis/api-module.js';
import type { ApiName } from '../contract/types.js';
import type { Rule, Scenario, Then } from './scenario.js';

export interface ScenarioProblem {
  file: string;
  line: number;
  pointer: string;
  message: string;
}

export function defaultScenariosDir(): string {
  return join(packageRoot(), 'scenarios');
}

let schemaValidator: ValidateFunction | undefined;
/** The scenario.schema.json validator: precompiled by the build cache when current, else compiled once now. */
function schema(): ValidateFunction {
  return (schemaValidator ??=
    cachedScenarioValidator() ??
    newAjv(false).compile(JSON.parse(readFileSync(scenarioSchemaFile(), 'utf8')) as object));
}

const list = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');

// The checks run on files that may also have failed the schema: every shape is checked before use.
const obj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Semantic checks against the contract; returns [pointer, message] pairs. */
function checkAgainstContract(
  s: Scenario,
  contract: Contract,
  modules: Map<ApiName, ApiModule>,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const apis = [...contract.apis.keys()];
  const effects = new Set([...modules.values()].flatMap((m) => Object.keys(m.effects ?? {})));
  (Array.isArray(s.rules) ? s.rules : []).forEach((rule: Rule, i) => {
    if (!obj(rule)) return;
    const base = `/rules/${i}`;
    const when = (obj(rule.when) ? rule.when : {}) as Rule['when'];
    for (const api of list(when.api) ?? [])
      if (!apis.includes(api as ApiName))
        out.push([`${base}/when/api`, `unknown API "${api}"; use one of ${apis.join(', ')}`]);
    const ops = (list(when.operationId) ?? []).map((id) => {
      const op = contract.operations.find((o) => o.operationId === id);
      if (!op) out.push([`${base}/when/operationId`, `no operation "${id}" in the specs`]);
      return op;
    });
    const candidates = new Set<ApiName>(
      ops.length
        ? ops.filter((o) => o).map((o) => o!.api)
        : ((list(when.api) as ApiName[] | undefined) ?? apis).filter((a) => apis.includes(a)),
    );
    checkPatterns(when, `${base}/when`, out);
    const thens: Array<[string, Then]> = [
      ...(obj(rule.then) ? [[`${base}/then`, rule.then] as [string, Then]] : []),
      ...(Array.isArray(rule.steps) ? rule.steps.map((t, j): [string, Then] => [`${base}/steps/${j}`, t]) : []),
    ].filter(([, t]) => obj(t));
    for (const [at, then] of thens) {
      if (
        typeof then.error === 'string' &&
        candidates.size > 0 &&
        ![...candidates].some((a) => contract.apis.get(a)!.dialect.entry(then.error!))
      ) {
        out.push([
          `${at}/error`,
          `"${then.error}" is not in the error catalogue of ${[...candidates].join(' / ') || 'any matched API'}`,
        ]);
      }
      const effect =
        typeof then.effect === 'string'
          ? then.effect
          : obj(then.effect) && typeof then.effect['name'] === 'string'
            ? then.effect['name']
            : undefined;
      if (effect !== undefined && !effects.has(effect))
        out.push([`${at}/effect`, `unknown effect "${effect}"; known: ${[...effects].join(', ')}`]);
      if (
        obj(then.delay) &&
        typeof then.delay['min'] === 'number' &&
        typeof then.delay['max'] === 'number' &&
        then.delay['min'] > then.delay['max']
      )
        out.push([`${at}/delay`, 'delay.min is above delay.max']);
    }
  });
  checkGiven(s, modules, out);
  return out;
}

/** A `matches` that is not a regular expression would fail at request time: refuse it here. */
function checkPatterns(v: unknown, at: string, out: Array<[string, string]>): void {
  if (!v || typeof v !== 'object') return;
  for (const [k, child] of Object.entries(v)) {
    if (k === 'matches' && typeof child === 'string') {
      let linear: ReturnType<typeof compileLinear> | undefined;
      try {
        new RegExp(child);
        linear = compileLinear(child);
      } catch (e) {
        out.push([`${at}/matches`, `not a regular expression: ${(e as Error).message}`]);
      }
      // Matched on RE2, in time linear in the value (apply-scenarios.ts): no lookaround, no backreference.
      if (linear && !linear.ok)
        out.push([
          `${at}/matches`,
          `not a pattern RE2 can run in linear time (no lookaround or backreference): ${linear.reason}`,
        ]);
    } else checkPatterns(child, `${at}/${k}`, out);
  }
}

/** `given`: seed data only for APIs and collections that exist. */
function checkGiven(s: Scenario, modules: Map<ApiName, ApiModule>, out: Array<[string, string]>): void {
  for (const [api, kinds] of Object.entries(obj(s.given) ? s.given : {})) {
    const module = modules.get(api as ApiName);
    if (!module) {
      out.push([joinPointer('given', api), `unknown API "${api}"`]);
      continue;
    }
    for (const kind of Object.keys(obj(kinds) ? kinds : {}))
      if (!module.collections[kind])
        out.push([
          joinPointer('given', api, kind),
          `${api} has no collection "${kind}"; it has ${Object.keys(module.collections).join(', ')}`,
        ]);
  }
}

/** The answers a `then` chooses between; the other fields (message, status, headers, delay, effect) only adjust one. */
const ANSWERS = ['error', 'httpError', 'body', 'fault', 'pass'] as const;

/**
 * scenario.schema.json errors as one sentence each: the schema's oneOf / not combinators (a rule's `then` or
 * `steps`, a `then`'s one answer, string-or-list fields) are said in words, once per field, instead of ajv's
 * "must NOT be valid" and the alternatives it tried.
 */
function schemaMessages(errors: ErrorObject[], value: unknown): Array<[string, string]> {
  const out = new Map<string, string>();
  const valueAt = (pointer: string): unknown =>
    pointer
      .split('/')
      .slice(1)
      .reduce<unknown>(
        (v, k) =>
          v && typeof v === 'object'
            ? (v as Record<string, unknown>)[k.replace(/~1/g, '/').replace(/~0/g, '~')]
            : undefined,
        value,
      );
  const say = (pointer: string, message: string): void =>
    void (out.has(pointer) || out.set(pointer, `${pointer || '/'}: ${message}`));
  for (const e of errors) {
    const at = e.instancePath;
    if (/^\/rules\/\d+$/.test(at) && e.schemaPath.includes('oneOf')) {
      const rule = valueAt(at) as Record<string, unknown> | undefined;
      say(
        at,
        rule && 'then' in rule && 'steps' in rule
          ? 'a rule takes `then` or `steps`, not both'
          : 'a rule needs `then` (one answer) or `steps` (answers in turn)',
      );
    } else if (e.keyword === 'not' && e.schemaPath.endsWith('/then/not')) {
      const then = (valueAt(at) ?? {}) as Record<string, unknown>;
      const given = ANSWERS.filter((k) => k in then);
      say(
        at,
        `\`then\` takes exactly one of ${ANSWERS.join(', ')} (besides message, status, headers, delay, effect); this one has ${given.join(' and ')}`,
      );
    } else if (e.schemaPath.startsWith('#/$defs/stringOrList')) {
      say(at.replace(/\/\d+$/, ''), 'must be a string or a non-empty list of strings');
    } else if (e.schemaPath.includes('/delay/oneOf')) {
      say(at.replace(/\/(min|max)$/, ''), 'must be milliseconds (0-600000) or {min, max} in milliseconds');
    } else if (e.schemaPath.includes('/effect/oneOf')) {
      say(at, 'must be an effect name or {name: ..., ...}');
    } else if (!['oneOf', 'not', 'anyOf'].includes(e.keyword)) {
      const extra =
        e.keyword === 'additionalProperties'
          ? (e.params as { additionalProperty: string }).additionalProperty
          : e.keyword === 'required'
            ? (e.params as { missingProperty: string }).missingProperty
            : undefined;
      const pointer = extra && e.keyword === 'additionalProperties' ? at + joinPointer(extra) : at;
      const message =
        e.keyword === 'additionalProperties'
          ? `unknown field "${extra}"`
          : e.keyword === 'required'
            ? `missing field "${extra}"`
            : e.keyword === 'enum'
              ? `${e.message}: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
              : (e.message ?? 'invalid');
      // Several errors can fall on one field (type and pattern ...): keep each.
      out.set(`${pointer} ${message}`, `${pointer || '/'}: ${message}`);
    }
  }
  return [...out.entries()].map(([key, message]) => [key.split(' ')[0]!, message]);
}

/**
 * Parses and checks one scenario file, reporting every problem in one pass: YAML errors stop there, but
 * schema errors, the name, the contract checks and a name another file already holds (`taken`) are all reported.
 */
export function parseScenario(
  file: string,
  text: string,
  contract: Contract,
  modules: Map<ApiName, ApiModule>,
  taken: (name: string) => string | undefined = () => undefined,
): { scenario?: Scenario; problems: ScenarioProblem[] } {
  // A built-in file unchanged since the build comes parsed from the cache; YAML is parsed (with line numbers) otherwise.
  const cached = cachedScenarioValue(file, text);
  let parsed: YamlDocument | undefined;
  const doc = (): YamlDocument => (parsed ??= yaml().parseDocument(text));
  const at = (pointer: string, message: string): ScenarioProblem => ({
    file,
    line: lineOf(doc(), text, pointer),
    pointer,
    message,
  });
  if (cached === undefined && doc().errors.length)
    return {
      problems: doc().errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line ?? 1,
        pointer: '',
        message: `YAML: ${yamlMessage(e.message)}`,
      })),
    };
  const value = cached ?? (doc().toJS() as unknown);
  const validate = schema();
  const problems: ScenarioProblem[] = [];
  if (!validate(value)) {
    const found = schemaMessages(validate.errors ?? [], value);
    problems.push(
      ...(found.length
        ? found.map(([pointer, message]) => at(pointer, message))
        : [at('', 'does not match scenario.schema.json')]),
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { problems };
  const scenario = { ...(value as Omit<Scenario, 'file'>), file };
  const fileName = basename(file).replace(/\.ya?ml$/, '');
  if (typeof scenario.name === 'string') {
    if (scenario.name !== fileName)
      problems.push(at('/name', `/name: "${scenario.name}" must equal the file name (${basename(file)})`));
    const other = taken(scenario.name);
    if (other && other !== file)
      problems.push(
        at('/name', `/name: "${scenario.name}" is already the name of ${other}; rename this file and its name`),
      );
  }
  for (const [pointer, message] of checkAgainstContract(scenario, contract, modules))
    problems.push(at(pointer, `${pointer}: ${message}`));
  return problems.length ? { problems } : { scenario, problems };
}

/** A YAML error's first line without its "at line L, column C:" tail: the problem names the line already. */
const yamlMessage = (message: string): string =>
  message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/:$/, '');

export function scenarioFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function loadScenarios(
  dirs: string[],
  contract: Contract,
  modules: Map<ApiName, ApiModule>,
): { scenarios: Map<string, Scenario>; problems: ScenarioProblem[] } {
  const scenarios = new Map<string, Scenario>();
  const problems: ScenarioProblem[] = [];
  for (const dir of dirs) {
    for (const file of scenarioFiles(dir)) {
      // A name loaded from an earlier folder (the built-ins come first) is kept; the later file is refused.
      const result = parseScenario(
        file,
        readFileSync(file, 'utf8'),
        contract,
        modules,
        (name) => scenarios.get(name)?.file,
      );
      problems.push(...result.problems);
      if (result.scenario) scenarios.set(result.scenario.name, result.scenario);
    }
  }
  return { scenarios, problems };
}
