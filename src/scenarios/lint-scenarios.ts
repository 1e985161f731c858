/** Scenario lint: every scenario file valid against scenario.schema.json and the contract; messages name file:line and field. */
import { statSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { ApiModule } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName } from '../contract/types.js';
import type { LintMessage } from '../contract/lint-specs.js';
import { parseScenario, scenarioFiles } from './load-scenarios.js';

/**
 * Lints scenario files and folders. `reserved` names the scenarios that already exist (a project's folder is
 * checked against the built-ins): a file reusing one of those names, or a name of an earlier file, is an error.
 */
/** A path as the user reads it: relative to the working folder when inside it, else absolute. */
const shown = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

export function lintScenarios(
  paths: string[],
  contract: Contract,
  modules: Map<ApiName, ApiModule>,
  reserved: ReadonlyMap<string, string> = new Map(),
): LintMessage[] {
  const files = paths.flatMap((p) => (statSync(p).isDirectory() ? scenarioFiles(p) : [p]));
  const names = new Map<string, string>(reserved);
  const out: LintMessage[] = [];
  for (const file of files) {
    const { scenario, problems } = parseScenario(file, readFileSync(file, 'utf8'), contract, modules, (name) => {
      const other = names.get(name);
      return other && shown(other);
    });
    for (const p of problems)
      out.push({
        file: shown(p.file),
        line: p.line,
        pointer: p.pointer,
        severity: 'error',
        rule: 'scenario',
        message: p.message,
      });
    if (scenario) names.set(scenario.name, file);
  }
  return out;
}
