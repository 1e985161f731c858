/**
 * Loads scenario files (YAML) and checks them: against scenarios/scenario.schema.json, then against
 * the contract (APIs, operationIds, error codes, effects). Every problem names file, line and field.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import type { Document as YamlDocument } from 'yaml';
import { newAjv, type Contract } from '../contract/compile-contract.js';
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
  return (schemaValidator ??= cachedScenarioValidator() ?? newAjv(false).compile(JSON.parse(readFileSync(scenarioSchemaFile(), 'utf8')) as object));
}

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** Semantic checks against the contract; returns [pointer, message] pairs. */
function checkAgainstContract(s: Scenario, contract: Contract, modules: Map<ApiName, ApiModule>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const apis = [...contract.apis.keys()];
  const effects = new Set([...modules.values()].flatMap((m) => Object.keys(m.effects ?? {})));
  s.rules.forEach((rule: Rule, i) => {
    const base = `/rules/${i}`;
    const when = rule.when;
    for (const api of list(when.api) ?? []) if (!apis.includes(api as ApiName)) out.push([`${base}/when/api`, `unknown API "${api}"; use one of ${apis.join(', ')}`]);
    const ops = (list(when.operationId) ?? []).map((id) => {
      const op = contract.operations.find((o) => o.operationId === id);
      if (!op) out.push([`${base}/when/operationId`, `no operation "${id}" in the specs`]);
      return op;
    });
    const candidates = new Set<ApiName>(
      ops.length ? ops.filter((o) => o).map((o) => o!.api) : ((list(when.api) as ApiName[] | undefined) ?? apis).filter((a) => apis.includes(a)),
    );
    // A `matches` that is not a regular expression would fail at request time: refuse it here.
    const walk = (v: unknown, at: string): void => {
      if (!v || typeof v !== 'object') return;
      for (const [k, child] of Object.entries(v)) {
        if (k === 'matches' && typeof child === 'string') {
          try {
            new RegExp(child);
          } catch (e) {
            out.push([`${at}/matches`, `not a regular expression: ${(e as Error).message}`]);
          }
        } else walk(child, `${at}/${k}`);
      }
    };
    walk(when, `${base}/when`);
    const thens: Array<[string, Then]> = rule.then ? [[`${base}/then`, rule.then]] : (rule.steps ?? []).map((t, j) => [`${base}/steps/${j}`, t]);
    for (const [at, then] of thens) {
      if (then.error !== undefined && ![...candidates].some((a) => contract.apis.get(a)!.dialect.entry(then.error!))) {
        out.push([`${at}/error`, `"${then.error}" is not in the error catalogue of ${[...candidates].join(' / ') || 'any matched API'}`]);
      }
      const effect = typeof then.effect === 'string' ? then.effect : then.effect?.name;
      if (effect !== undefined && !effects.has(effect)) out.push([`${at}/effect`, `unknown effect "${effect}"; known: ${[...effects].join(', ')}`]);
      if (typeof then.delay === 'object' && then.delay.min > then.delay.max) out.push([`${at}/delay`, 'delay.min is above delay.max']);
    }
  });
  for (const [api, kinds] of Object.entries(s.given ?? {})) {
    const module = modules.get(api as ApiName);
    if (!module) {
      out.push([joinPointer('given', api), `unknown API "${api}"`]);
      continue;
    }
    for (const kind of Object.keys(kinds)) if (!module.collections[kind]) out.push([joinPointer('given', api, kind), `${api} has no collection "${kind}"; it has ${Object.keys(module.collections).join(', ')}`]);
  }
  return out;
}

export function parseScenario(file: string, text: string, contract: Contract, modules: Map<ApiName, ApiModule>): { scenario?: Scenario; problems: ScenarioProblem[] } {
  // A built-in file unchanged since the build comes parsed from the cache; YAML is parsed (with line numbers) otherwise.
  const cached = cachedScenarioValue(file, text);
  let parsed: YamlDocument | undefined;
  const doc = (): YamlDocument => (parsed ??= yaml().parseDocument(text));
  const at = (pointer: string, message: string): ScenarioProblem => ({ file, line: lineOf(doc(), text, pointer), pointer, message });
  if (cached === undefined && doc().errors.length) return { problems: doc().errors.map((e) => ({ file, line: e.linePos?.[0]?.line ?? 1, pointer: '', message: `YAML: ${e.message.split('\n')[0]}` })) };
  const value = cached ?? (doc().toJS() as unknown);
  const validate = schema();
  if (!validate(value)) {
    const problems = (validate.errors ?? [])
      .filter((e) => !['oneOf', 'not', 'anyOf'].includes(e.keyword) || (validate.errors ?? []).length === 1)
      .map((e) => {
        const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : undefined;
        const pointer = extra && e.keyword === 'additionalProperties' ? e.instancePath + joinPointer(extra) : e.instancePath;
        const field = pointer || '/';
        const message = e.keyword === 'additionalProperties' ? `unknown field "${extra}"` : e.keyword === 'required' ? `missing field "${extra}"` : e.keyword === 'enum' ? `${e.message}: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` : e.message ?? 'invalid';
        return at(pointer, `${field}: ${message}`);
      });
    return { problems: problems.length ? problems : [at('', 'does not match scenario.schema.json')] };
  }
  const scenario = { ...(value as Omit<Scenario, 'file'>), file };
  const problems: ScenarioProblem[] = [];
  if (scenario.name !== basename(file).replace(/\.ya?ml$/, '')) problems.push(at('/name', `/name: "${scenario.name}" must equal the file name (${basename(file)})`));
  for (const [pointer, message] of checkAgainstContract(scenario, contract, modules)) problems.push(at(pointer, `${pointer}: ${message}`));
  return problems.length ? { problems } : { scenario, problems };
}

export function scenarioFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function loadScenarios(dirs: string[], contract: Contract, modules: Map<ApiName, ApiModule>): { scenarios: Map<string, Scenario>; problems: ScenarioProblem[] } {
  const scenarios = new Map<string, Scenario>();
  const problems: ScenarioProblem[] = [];
  for (const dir of dirs) {
    for (const file of scenarioFiles(dir)) {
      const result = parseScenario(file, readFileSync(file, 'utf8'), contract, modules);
      problems.push(...result.problems);
      if (result.scenario) scenarios.set(result.scenario.name, result.scenario);
    }
  }
  return { scenarios, problems };
}
