/** `contract-mock lint` through the real binary: the shipped specs and scenarios pass (exit 0); a broken scenario file is named with its line (exit 1). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');

describe('contract-mock lint (the command)', () => {
  test('the shipped specs and scenarios: exit 0', () => {
    const run = spawnSync(process.execPath, [bin, 'lint', '--no-spectral'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('lint: specs and scenarios OK');
  });

  test('a scenario folder with a mistake: file:line and the field, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cm-lint-cli-'));
    writeFileSync(
      join(dir, 'bad-code.yaml'),
      'name: bad-code\ndescription: d\nrules:\n  - when: { api: wx-push }\n    then: { error: "40410" }\n',
    );
    writeFileSync(
      join(dir, 'fine.yaml'),
      'name: fine\ndescription: d\nrules:\n  - when: {}\n    then: { httpError: 503 }\n',
    );
    const run = spawnSync(process.execPath, [bin, 'lint', '--no-spectral', dir], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /bad-code\.yaml:5 error scenario \/rules\/0\/then\/error: "40410" is not in the error catalogue of wx-push/,
    );
    expect(run.stdout).not.toContain('fine.yaml');
    expect(run.stdout).toMatch(/lint: 1 error\(s\)/);
  });

  test("--spec with --scenarios: the scenarios are judged against the served document's operations and catalogue", () => {
    const spec = join(packageRoot(), 'examples', 'timetable.openapi.yaml');
    const shipped = join(packageRoot(), 'examples', 'timetable-scenarios');
    const clean = spawnSync(process.execPath, [bin, 'lint', '--no-spectral', '--spec', spec, '--scenarios', shipped], {
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('lint: scenarios OK (0 warning(s))');
    const dir = mkdtempSync(join(tmpdir(), 'cm-lint-cli-'));
    writeFileSync(
      join(dir, 'bad-code.yaml'),
      'name: bad-code\ndescription: d\nrules:\n  - when: { api: timetable }\n    then: { error: "4999" }\n',
    );
    const run = spawnSync(process.execPath, [bin, 'lint', '--no-spectral', '--spec', spec, '--scenarios', dir], {
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /bad-code\.yaml:5 error scenario \/rules\/0\/then\/error: "4999" is not in the error catalogue of timetable/,
    );
  }, 240_000);
});
