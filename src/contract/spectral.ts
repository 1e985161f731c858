/** Spectral: finds its CLI, runs spectral:oas over documents and turns its findings into LintMessages. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { joinPointer } from './json-pointer.js';
import { shownSpec, type LintMessage } from './lint-message.js';
import { packageRoot } from './load-specs.js';

/**
 * Spectral's CLI, found where it is installed: this package's own devDependency (a checkout), else the project
 * `lint` runs in (`npm i -D @stoplight/spectral-cli`, hoisted or not). It is not a runtime dependency: with its
 * rulesets it would add about 130 packages and 42 MB to every install of the mock (issue 29).
 */
export function findSpectral(root = packageRoot(), cwd = process.cwd()): string | undefined {
  for (const base of [root, cwd]) {
    try {
      const manifest = createRequire(join(base, 'package.json')).resolve('@stoplight/spectral-cli/package.json');
      const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: { spectral?: string } }).bin?.spectral;
      if (bin && existsSync(join(dirname(manifest), bin))) return join(dirname(manifest), bin);
    } catch {
      // not installed under this base
    }
  }
  return undefined;
}

/** The ruleset file `lint` gives Spectral (`extends: ["spectral:oas"]`); shipped in the package. */
export const spectralRuleset = (root = packageRoot()): string => join(root, '.spectral.yaml');

/** What `lint` says when Spectral could not run: plainly, with the two ways to get it. */
export function spectralMissing(files: string[], root = packageRoot()): string {
  const ruleset = relative(process.cwd(), spectralRuleset(root)) || spectralRuleset(root);
  const shown = files.map(shownSpec).join(' ');
  return `Spectral did not run, so spectral:oas was not checked: @stoplight/spectral-cli is not installed here. Install it in this project (npm i -D @stoplight/spectral-cli) and lint again, or run: npx @stoplight/spectral-cli lint --ruleset ${ruleset} ${shown}`;
}

/** Runs Spectral's CLI over the files: its errors and warnings, or why it did not run. */
function runSpectral(
  files: string[],
  root: string,
):
  | Array<{ file: string; line: number; rule: string; message: string; severity: 'error' | 'warning'; pointer: string }>
  | string {
  const cli = findSpectral(root);
  if (!cli) return spectralMissing(files, root);
  const run = spawnSync(
    process.execPath,
    [
      cli,
      'lint',
      '--ruleset',
      spectralRuleset(root),
      '--format',
      'json',
      '--quiet',
      '--fail-severity',
      'error',
      ...files,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const text = run.stdout.trim();
  if (!text)
    return run.status === 0
      ? []
      : `Spectral did not run, so spectral:oas was not checked: ${cli} failed: ${run.stderr.trim()}`;
  const results = JSON.parse(text.slice(text.indexOf('['))) as Array<{
    code: string;
    message: string;
    path: string[];
    severity: number;
    source: string;
    range: { start: { line: number } };
  }>;
  return results
    .filter((r) => r.severity <= 1)
    .map((r) => ({
      file: r.source,
      line: r.range.start.line + 1,
      rule: `spectral:${r.code}`,
      message: r.message,
      severity: r.severity === 0 ? 'error' : 'warning',
      pointer: joinPointer(...r.path),
    }));
}

/** Spectral's findings on the files as LintMessages; when it cannot run, one warning on `missingFile` saying so. */
export function spectralMessages(files: string[], root: string, missingFile: string): LintMessage[] {
  const found = runSpectral(files, root);
  if (typeof found === 'string')
    return [{ file: missingFile, line: 1, pointer: '', severity: 'warning', rule: 'spectral-not-run', message: found }];
  return found.map((r) => ({ ...r, file: shownSpec(r.file) }));
}
