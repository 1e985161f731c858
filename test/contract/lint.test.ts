/** `contract-mock lint`: the shipped specs pass; a broken spec is reported with file and line; the README's Decisions match the specs. */
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lintSpecs } from '../../src/contract/lint-specs.js';
import { defaultSpecsDir, packageRoot } from '../../src/contract/load-specs.js';
// @ts-expect-error plain ESM script without types
import { decisionsTable, renderReadme } from '../../scripts/decisions.mjs';

const SPECS = ['platform-sync', 'wuhan-eduyun', 'ios-datasyn', 'wx-push'];

function copySpecs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cm-lint-'));
  for (const s of SPECS) copyFileSync(join(defaultSpecsDir(), `${s}.openapi.yaml`), join(dir, `${s}.openapi.yaml`));
  return dir;
}

describe('lint', () => {
  test('the shipped specs have no errors, Spectral spectral:oas included', async () => {
    const messages = await lintSpecs();
    expect(messages.filter((m) => m.severity === 'error')).toEqual([]);
    expect(messages.some((m) => m.rule === 'spectral')).toBe(false);
  }, 60_000);

  test('an invalid example is reported with its file, line and pointer', async () => {
    const dir = copySpecs();
    const file = join(dir, 'wx-push.openapi.yaml');
    const text = readFileSync(file, 'utf8');
    // The document's own update example: statu 907, which its enum forbids.
    const broken = text.replace(/statu: 0(\s)/, 'statu: 907$1');
    expect(broken).not.toBe(text);
    writeFileSync(file, broken);
    const messages = await lintSpecs({ dir, spectral: false });
    const hit = messages.find((m) => m.rule === 'example-valid');
    expect(hit).toBeDefined();
    expect(hit!.file).toContain('wx-push.openapi.yaml');
    expect(hit!.line).toBeGreaterThan(1);
    expect(broken.split('\n').slice(hit!.line - 1, hit!.line + 40).join('\n')).toContain('907');
  });

  test('a duplicated operationId across specs is an error', async () => {
    const dir = copySpecs();
    const file = join(dir, 'wx-push.openapi.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('operationId: receive', 'operationId: register'));
    const messages = await lintSpecs({ dir, spectral: false });
    expect(messages.some((m) => m.severity === 'error' && /operationId register/.test(m.message))).toBe(true);
  });

  test('an x-codes entry missing from the catalogue is an error', async () => {
    const dir = copySpecs();
    const file = join(dir, 'platform-sync.openapi.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"40430"\]/, '"40499"]'));
    const messages = await lintSpecs({ dir, spectral: false });
    expect(messages.some((m) => m.severity === 'error' && /40499/.test(m.message))).toBe(true);
  });

  test("the README's Decisions table is the specs' Decisions, row for row", () => {
    const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
    const table = decisionsTable(defaultSpecsDir()) as string;
    expect(table.split('\n').length).toBeGreaterThan(100);
    expect(renderReadme(readme, table)).toBe(readme);
  });
});
