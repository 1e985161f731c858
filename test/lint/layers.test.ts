/** The code lint's own rules (eslint.config.js): the layer table and the size limits, on small texts. */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const root = packageRoot();
const eslint = new ESLint({ cwd: root });

async function findings(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(root, file) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('the layer table', () => {
  test.each([
    ['src/pipeline/x.ts', `import '../admin/problem.js';`, true],
    ['src/pipeline/x.ts', `import '../cli/main.js';`, true],
    ['src/pipeline/x.ts', `import '../server/create-mock.js';`, true],
    ['src/pipeline/x.ts', `import '../deliveries/deliver.js';`, false],
    ['src/pipeline/x.ts', `import '../contract/types.js';`, false],
    ['src/contract/x.ts', `import type { Store } from '../state/store.js';\nexport type S = Store;`, true],
    ['src/contract/x.ts', `export type { Store } from '../state/store.js';`, true],
    ['src/contract/x.ts', `import '../http/problem.js';`, false],
    ['src/http/x.ts', `import '../contract/types.js';`, true],
    ['src/apis/wx-push/x.ts', `import '../../server/create-mock.js';`, true],
    ['src/apis/wx-push/x.ts', `import '../../journal/call-record.js';`, false],
    ['src/apis/wx-push/x.ts', `import '../api-module.js';`, false],
    ['src/journal/x.ts', `import '../scenarios/scenario.js';`, true],
    ['src/state/x.ts', `import '../pipeline/index.js';`, true],
    ['src/verify/x.ts', `import '../admin/problem.js';`, true],
    // The one named exception: the proxy's admin wiring, until it moves (eslint.config.js LAYER_EXCEPTIONS).
    ['src/verify/proxy.ts', `import '../admin/problem.js';`, false],
    ['src/verify/proxy.ts', `import '../cli/main.js';`, true],
    ['src/admin/x.ts', `import '../server/create-mock.js';`, true],
    // A leaf of a higher folder (LEAVES): any layer may import it.
    ['src/admin/x.ts', `import '../server/package-version.js';`, false],
    ['src/deliveries/x.ts', `import '../pipeline/index.js';`, true],
    ['src/cli/x.ts', `import '../admin/problem.js';`, false],
    ['test/x.test.ts', `import '../src/admin/problem.js';`, false],
  ])('%s: %s → refused %s', async (file, text, refused) => {
    expect((await findings(file, text)).includes('no-restricted-imports')).toBe(refused);
  });
});

describe('the size limits', () => {
  const body = (lines: number, filler = ''): string =>
    Array.from({ length: lines }, (_, i) => `  n += ${i};${filler}`).join('\n');
  const fn = (lines: number, filler = ''): string =>
    `export function f(n: number): number {\n${body(lines, filler)}\n  return n;\n}\n`;

  test('a function of 80 lines passes, 81 does not; blank lines and comments do not count', async () => {
    // The signature, the return and the closing brace are three of the function's lines.
    expect(await findings('src/answers/x.ts', fn(77))).toEqual([]);
    expect(await findings('src/answers/x.ts', fn(78))).toEqual(['max-lines-per-function']);
    expect(await findings('src/answers/x.ts', fn(77, '\n\n  // why'))).toEqual([]);
  });

  test('a file of 400 lines passes, 401 does not; tests have no size limits', async () => {
    const file = (lines: number): string =>
      Array.from({ length: lines }, (_, i) => `export const c${i} = ${i};`).join('\n') + '\n';
    expect(await findings('src/answers/x.ts', file(400))).toEqual([]);
    expect(await findings('src/answers/x.ts', file(401))).toEqual(['max-lines']);
    expect(await findings('test/x.test.ts', file(401) + fn(200))).toEqual([]);
  });
});
