/**
 * `serve --scenarios DIR` with files that do not load: at start, exit 2 with one line FILE:LINE: MESSAGE per problem
 * (no dangling colon after a YAML message); once serving, hot reload stays lenient and says "not loaded" of a new file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { packageRoot } from '../../src/contract/load-specs.js';

const bin = join(packageRoot(), 'bin', 'contract-mock.js');
const root = mkdtempSync(join(tmpdir(), 'cm-serve-scenarios-'));
const children: Array<ReturnType<typeof spawn>> = [];
afterAll(() => {
  children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  rmSync(root, { recursive: true, force: true });
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(root, 'd-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const GOOD =
  'name: mine\ndescription: d\nrules:\n  - when: { operationId: channelToken }\n    then: { error: "40001" }\n';

describe('serve with scenario files that do not load', () => {
  test.each(['serve', 'run'])('%s stops at start: exit 2, one line FILE:LINE: MESSAGE per problem', (command) => {
    const dir = folder({
      'mine.yaml': GOOD,
      'bad-fields.yaml':
        'name: bad-fields\ndescription: d\nrules:\n  - when: { operationId: channelToken }\n    then:\n      eror: "40001"\n',
      'broken.yaml': 'name: broken\nrules: [\n',
    });
    const args =
      command === 'run' ? ['--scenarios', dir, '--', process.execPath, '-e', '0'] : ['--port', '0', '--scenarios', dir];
    const r = spawnSync(process.execPath, [bin, command, ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `contract-mock ${command}: ${join(dir, 'bad-fields.yaml')}:6: /rules/0/then/eror: unknown field "eror"`,
      `contract-mock ${command}: ${join(dir, 'broken.yaml')}:3: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });
});

describe('hot reload once serving', () => {
  test('a brand-new invalid file, or one named like a built-in, is "not loaded"; the mock keeps serving', async () => {
    const dir = folder({ 'mine.yaml': GOOD });
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--scenarios', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    const waiting: Array<{ text: string; resolve: () => void }> = [];
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      for (const w of waiting) if (err.includes(w.text)) w.resolve();
    });
    const logged = (text: string) =>
      new Promise<void>((resolve) => (err.includes(text) ? resolve() : waiting.push({ text, resolve })));
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
    });

    writeFileSync(join(dir, 'fresh.yaml'), 'name: fresh\nrules: [\n');
    await logged(`invalid edit to ${join(dir, 'fresh.yaml')}, not loaded:`);
    // A built-in's name in the project's folder: the built-in stays, and this file was never loaded.
    writeFileSync(
      join(dir, 'flaky.yaml'),
      'name: flaky\ndescription: mine\nrules:\n  - when: {}\n    then: { httpError: 500 }\n',
    );
    await logged(`invalid edit to ${join(dir, 'flaky.yaml')}, not loaded:`);
    expect(err).not.toContain('keeping the previous version');
    expect(err).toContain(
      `${join(dir, 'fresh.yaml')}:3 YAML: Flow sequence in block collection must be sufficiently indented and end with a ]\n`,
    );
    const scenarios = (await (await fetch(`${url}/__mock/scenarios`)).json()) as {
      available: Array<{ name: string; file: string }>;
    };
    expect(scenarios.available.map((s) => s.name)).toContain('mine');
    expect(scenarios.available.map((s) => s.name)).not.toContain('fresh');
    expect(scenarios.available.find((s) => s.name === 'flaky')!.file).toBe('scenarios/flaky.yaml');
  });
});
