/** Scenario lint: every scenario file valid against scenario.schema.json and the contract; messages name file:line and field. */
import { statSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { ApiModule } from '../apis/api-module.js';
import type { Contract } from '../contract/compile-contract.js';
import type { ApiName } from '../contract/types.js';
import type { LintMessage } from '../contract/lint-specs.js';
import { parseScenario, scenarioFiles } from './load-scenarios.js';

export function lintScenarios(paths: string[], contract: Contract, modules: Map<ApiName, ApiModule>): LintMessage[] {
  const files = paths.flatMap((p) => (statSync(p).isDirectory() ? scenarioFiles(p) : [p]));
  const names = new Map<string, string>();
  const out: LintMessage[] = [];
  for (const file of files) {
    const { scenario, problems } = parseScenario(file, readFileSync(file, 'utf8'), contract, modules);
    for (const p of problems) out.push({ file: relative(process.cwd(), p.file) || p.file, line: p.line, pointer: p.pointer, severity: 'error', rule: 'scenario', message: p.message });
    if (scenario) {
      const other = names.get(scenario.name);
      if (other) out.push({ file: relative(process.cwd(), file), line: 1, pointer: '/name', severity: 'error', rule: 'scenario', message: `/name: "${scenario.name}" is also defined in ${other}` });
      names.set(scenario.name, file);
    }
  }
  return out;
}
