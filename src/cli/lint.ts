/** `contract-mock lint [paths...]`: the specs and the scenario files (the package's, or the paths given); file:line messages; exit 1 on errors. */
import { lintServedSpecs, lintSpecs, type LintMessage } from '../contract/lint-specs.js';
import { compileContract } from '../contract/compile-contract.js';
import { loadSpecs } from '../contract/load-specs.js';
import { lintScenarios } from '../scenarios/lint-scenarios.js';
import { defaultScenariosDir } from '../scenarios/load-scenarios.js';
import { API_MODULES } from '../mock/create-server.js';

export async function lintCommand(paths: string[], options: { spectral: boolean; spec?: string[] }): Promise<void> {
  const messages: LintMessage[] = await lintSpecs({ spectral: options.spectral });
  if (options.spec?.length) messages.push(...(await lintServedSpecs(options.spec, { spectral: options.spectral })));
  if (!messages.some((m) => m.rule === 'conventions')) {
    const contract = compileContract(await loadSpecs());
    const modules = new Map(API_MODULES.map((m) => [m.api, m]));
    messages.push(...lintScenarios(paths.length ? paths : [defaultScenariosDir()], contract, modules));
  }
  for (const m of messages) console.log(`${m.file}:${m.line} ${m.severity} ${m.rule} ${m.pointer && m.rule !== 'scenario' ? `${m.pointer} ` : ''}${m.message}`);
  const errors = messages.filter((m) => m.severity === 'error').length;
  console.log(errors ? `lint: ${errors} error(s), ${messages.length - errors} warning(s)` : `lint: specs and scenarios OK (${messages.length} warning(s))`);
  process.exitCode = errors ? 1 : 0;
}
