/** `contract-mock lint`: the shipped specs pass; a broken spec is reported with file and line; docs/decisions.md's Decisions match the specs. */
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
  test('Spectral (spectral:oas) runs: on the shipped specs plus one unused schema, that schema is its only finding, with file and line', async () => {
    // One Spectral run over a copy of the shipped specs with a finding planted: the planted warning proves
    // Spectral ran; that nothing else is reported proves the shipped specs are clean.
    const dir = copySpecs();
    const file = join(dir, 'wx-push.openapi.yaml');
    const text = readFileSync(file, 'utf8');
    const planted = text.replace(
      'components:\n  schemas:\n',
      'components:\n  schemas:\n    NeverUsed:\n      type: string\n',
    );
    expect(planted).not.toBe(text);
    writeFileSync(file, planted);
    const messages = await lintSpecs({ dir });
    expect(messages.filter((m) => m.severity === 'error')).toEqual([]);
    const spectral = messages.filter((m) => m.rule.startsWith('spectral'));
    expect(spectral.map((m) => ({ rule: m.rule, pointer: m.pointer, severity: m.severity }))).toEqual([
      { rule: 'spectral:oas3-unused-component', pointer: '/components/schemas/NeverUsed', severity: 'warning' },
    ]);
    expect(spectral[0]!.file).toContain('wx-push.openapi.yaml');
    expect(planted.split('\n')[spectral[0]!.line - 1]).toContain('NeverUsed');
  }, 90_000);

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
    expect(
      broken
        .split('\n')
        .slice(hit!.line - 1, hit!.line + 40)
        .join('\n'),
    ).toContain('907');
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

  test("docs/decisions.md's table is the specs' Decisions, row for row", () => {
    const readme = readFileSync(join(packageRoot(), 'docs', 'decisions.md'), 'utf8');
    const table = decisionsTable(defaultSpecsDir()) as string;
    expect(table.split('\n').length).toBeGreaterThan(100);
    expect(renderReadme(readme, table)).toBe(readme);
  });
});
