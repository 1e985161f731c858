/**
 * Redocly CLI (a linter nobody here wrote, the devDependency) accepts the four specs with the repository's
 * redocly.yaml: no error, the links and the security declarations included. Body-carried tokens are the only
 * exception its config makes (`security-defined`), and the test proves that exception is what it claims.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { defaultSpecsDir, packageRoot, specFiles } from '../../src/contract/load-specs.js';

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ source: { ref: string }; pointer: string }>;
}

/** `redocly lint --format=json` over one file; nothing leaves the machine (no telemetry, no update check). */
function redocly(file: string, config = join(packageRoot(), 'redocly.yaml')): Problem[] {
  const cli = join(packageRoot(), 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const run = spawnSync(process.execPath, [cli, 'lint', '--config', config, '--format=json', file], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 60_000,
  });
  const json = run.stdout.slice(run.stdout.indexOf('{'));
  return (JSON.parse(json) as { problems: Problem[] }).problems;
}

test('the four specs have no Redocly error (recommended rules, links and security included)', () => {
  const problems = specFiles(defaultSpecsDir()).flatMap((f) => redocly(f));
  expect(problems.length).toBeGreaterThan(0); // its warnings (operation-4xx-response, info-license): it did lint
  expect(
    problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId} ${p.location[0]?.source.ref}#${p.location[0]?.pointer}: ${p.message}`),
  ).toEqual([]);
}, 90_000);

test('an operation without security that is not a body-token exception is still an error', () => {
  // wuhan-eduyun's getOrgInfo with its apiKey requirement removed: the rule must catch it.
  const dir = mkdtempSync(join(tmpdir(), 'cm-redocly-'));
  const file = join(dir, 'wuhan-eduyun.openapi.yaml');
  const text = readFileSync(join(defaultSpecsDir(), 'wuhan-eduyun.openapi.yaml'), 'utf8');
  const broken = text.replace('      security:\n        - accessToken: []\n', '');
  expect(broken).not.toBe(text);
  writeFileSync(file, broken);
  const errors = redocly(file).filter((p) => p.severity === 'error');
  expect(errors.map((p) => [p.ruleId, p.location[0]?.pointer])).toEqual([
    ['security-defined', '#/paths/~1user~1openapi~1org~1get-org-info/get'],
  ]);
}, 90_000);
