/** `contract-mock lint [paths...] [--scenarios DIR]... [--spec FILE]...`: the specs and the scenario files; file:line messages; exit 1 on errors. */
import { lintServedSpecs, lintSpecs, type LintMessage } from '../contract/lint-specs.js';
import { relative } from 'node:path';
import { loadContract } from '../contract/contract-cache.js';
import { specFiles } from '../contract/load-specs.js';
import { lintScenarios } from '../scenarios/lint-scenarios.js';
import { defaultScenariosDir, loadScenarios } from '../scenarios/load-scenarios.js';
import { apiModules } from '../server/api-modules.js';
import { inputDir, inputFile, inputPath } from './cli-checks.js';

export interface LintCommandOptions {
  spectral: boolean;
  scenarios: string[];
  spec?: string[];
  /** A check that could not run (Spectral not installed) is an error, not a warning. */
  strict?: boolean;
}

const shown = (path: string): string => relative(process.cwd(), path) || '.';

export async function lintCommand(paths: string[], options: LintCommandOptions): Promise<void> {
  for (const p of paths) inputPath('lint', p);
  for (const dir of options.scenarios) inputDir('lint', '--scenarios', dir);
  for (const file of options.spec ?? []) if (!/^https?:\/\//.test(file)) inputFile('lint', '--spec', file);
  // A project's own scenario folders: those files, and no name a built-in already has. The shipped specs are not re-linted.
  const own = options.scenarios.length > 0;
  if (!own)
    console.log(
      `lint: the package's built-in specs (${specFiles().map(shown).join(', ')})${paths.length ? '' : ` and scenarios (${shown(defaultScenariosDir())}/)`}; your own files: --spec FILE, --scenarios DIR`,
    );
  const messages: LintMessage[] = own ? [] : await lintSpecs({ spectral: options.spectral });
  if (options.spec?.length) messages.push(...(await lintServedSpecs(options.spec, { spectral: options.spectral })));
  if (!messages.some((m) => m.rule === 'conventions')) {
    // Scenarios may name the --spec documents' APIs, operations and codes (when those compiled).
    const servable = !messages.some((m) => m.rule === 'servable' || m.rule === 'openapi-schema');
    const contract = await loadContract(servable ? (options.spec ?? []) : []);
    const modules = apiModules(contract).modules;
    const builtIn = own
      ? new Map(
          [...loadScenarios([defaultScenariosDir()], contract, modules).scenarios.values()].map((s) => [
            s.name,
            s.file,
          ]),
        )
      : new Map<string, string>();
    const targets = own ? [...paths, ...options.scenarios] : paths.length ? paths : [defaultScenariosDir()];
    messages.push(...lintScenarios(targets, contract, modules, builtIn));
  }
  if (options.strict) for (const m of messages) if (m.rule === 'spectral-not-run') m.severity = 'error';
  for (const m of messages)
    console.log(
      `${m.file}:${m.line} ${m.severity} ${m.rule} ${m.pointer && m.rule !== 'scenario' ? `${m.pointer} ` : ''}${m.message}`,
    );
  const errors = messages.filter((m) => m.severity === 'error').length;
  const what = own ? 'scenarios' : 'specs and scenarios';
  const skipped = messages.some((m) => m.rule === 'spectral-not-run')
    ? '; Spectral did not run (--strict makes that an error)'
    : '';
  console.log(
    errors
      ? `lint: ${errors} error(s), ${messages.length - errors} warning(s)`
      : `lint: ${what} OK (${messages.length} warning(s))${skipped}`,
  );
  process.exitCode = errors ? 1 : 0;
}
